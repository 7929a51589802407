//! The standard library subset: one dispatch on `(module, function)` for
//! every built-in (`Kernel`, `Enum`, `Map`, `List`, `Keyword`, `String`,
//! `Integer`, `Tuple`, `Atom`, `IO`, `Process`, `GenServer`), each behaving
//! as Elixir 1.14's documentation defines it. A function outside the subset
//! raises `UndefinedFunctionError` saying so.
//!
//! Functions that take functions (`Enum.map/2`, …) call back into the
//! evaluator and charge a reduction per element, so they are preempted
//! like any loop.

use std::cmp::Ordering;

use super::error::{arg_error, badarg, error, exception, is_exception, undefined, Eval, Raise};
use super::eval::{Env, Fut, Interp};
use super::inspect::inspect;
use super::ops::{self, enumerate};
use super::process;
use crate::term::{Atom, Term};
use crate::util::sort_by;

fn int(t: &Term) -> Option<i64> {
    t.as_int()
}

fn list(t: &Term) -> Eval<&[Term]> {
    match t.as_list() {
        Some(l) => Ok(l),
        None => badarg(1, "not a list"),
    }
}

fn string(t: &Term, nth: usize) -> Eval<&str> {
    match t.as_str() {
        Some(s) => Ok(s),
        None => badarg(nth, "not a binary"),
    }
}

fn map(t: &Term) -> Eval<&[(Term, Term)]> {
    match t.as_map() {
        Some(m) => Ok(m),
        None => error(Term::tuple(vec![Term::atom("badmap"), t.clone()])),
    }
}

fn ok(t: Term) -> Term {
    Term::ok_tuple(t)
}

fn key_error<T>(key: &Term, term: &Term) -> Eval<T> {
    let msg = format!("key {} not found in: {}", inspect(key), inspect(term));
    error(exception("KeyError", vec![("key", key.clone()), ("term", term.clone()), ("message", Term::str(&msg))]))
}

fn kw_get<'a>(l: &'a [Term], k: &Term) -> Option<&'a Term> {
    l.iter().find_map(|t| match t.as_tuple() {
        Some([key, v]) if key == k => Some(v),
        _ => None,
    })
}

fn kw_delete(l: &[Term], k: &Term) -> Vec<Term> {
    l.iter().filter(|t| !matches!(t.as_tuple(), Some([key, _]) if key == k)).cloned().collect()
}

fn pair(k: Term, v: Term) -> Term {
    Term::tuple(vec![k, v])
}

/// Sorts stably in term order (`ascending` or not).
fn sorted(mut items: Vec<Term>, ascending: bool) -> Vec<Term> {
    sort_by(&mut items, |a, b| if ascending { a.cmp(b) } else { b.cmp(a) });
    items
}

/// A non-negative count from a term.
fn count(t: &Term, nth: usize) -> Eval<usize> {
    match t.as_int() {
        Some(n) if n >= 0 => Ok(n as usize),
        _ => badarg(nth, "not a non-negative integer"),
    }
}

impl Interp {
    /// Calls the built-in `module.name(args)`.
    pub(crate) fn remote<'a>(&'a self, env: &'a mut Env, module: Atom, name: Atom, args: Vec<Term>) -> Fut<'a, Term> {
        Box::pin(async move {
            self.tick().await;
            let m = module.name();
            let f = name.name();
            let m = m.strip_prefix("Elixir.").unwrap_or(&m);
            let r = match m {
                "Kernel" => self.kernel(env, &f, &args).await,
                "Enum" => self.enum_(&f, &args).await,
                "Map" => self.map_(&f, &args).await,
                "List" => self.list_(&f, &args).await,
                "Keyword" => keyword(&f, &args),
                "String" => string_(&f, &args),
                "Integer" => integer(&f, &args),
                "Tuple" => match (&*f, args.as_slice()) {
                    ("to_list", [t]) => match t.as_tuple() {
                        Some(items) => Some(Ok(Term::list(items.to_vec()))),
                        None => Some(badarg(1, "not a tuple")),
                    },
                    _ => None,
                },
                "Atom" => match (&*f, args.as_slice()) {
                    ("to_string", [Term::Atom(a)]) => Some(Ok(Term::str(&a.name()))),
                    _ => None,
                },
                "IO" => match (&*f, args.as_slice()) {
                    ("puts", [x]) => {
                        let mut s = String::new();
                        match ops::to_string_into(x, &mut s) {
                            Ok(()) => {
                                self.code.print(s);
                                Some(Ok(Term::ok()))
                            }
                            Err(e) => Some(Err(e)),
                        }
                    }
                    ("inspect", [x, ..]) => {
                        self.code.print(inspect(x));
                        Some(Ok(x.clone()))
                    }
                    _ => None,
                },
                "Process" => process::process(self, &f, &args).await,
                "GenServer" => process::gen_server(self, &f, &args).await,
                _ => None,
            };
            match r {
                Some(r) => r,
                None => undefined(&module.name(), &f, args.len()),
            }
        })
    }

    async fn kernel(&self, env: &mut Env, f: &str, a: &[Term]) -> Option<Eval> {
        if let Some(r) = ops::guard_bif(f, a) {
            return Some(r);
        }
        Some(match (f, a) {
            ("inspect", [x, ..]) => Ok(Term::str(&inspect(x))),
            ("to_string", [x]) => {
                let mut s = String::new();
                ops::to_string_into(x, &mut s).map(|()| Term::str(&s))
            }
            ("raise", [msg]) => match msg {
                Term::Str(s) => error(exception("RuntimeError", vec![("message", Term::Str(s.clone()))])),
                Term::Atom(kind) => {
                    let k = kind.name();
                    let short = k.strip_prefix("Elixir.").unwrap_or(&k).to_string();
                    error(exception(&short, vec![("message", Term::str(&default_message(&short)))]))
                }
                t if is_exception(t) => error(t.clone()),
                other => arg_error(&format!(
                    "raise/1 and reraise/2 expect a module name, string or exception as the first argument, got: {}",
                    inspect(other)
                )),
            },
            ("raise", [Term::Atom(kind), opts]) => {
                let k = kind.name();
                let short = k.strip_prefix("Elixir.").unwrap_or(&k).to_string();
                match opts {
                    Term::Str(s) => error(exception(&short, vec![("message", Term::Str(s.clone()))])),
                    Term::List(items) => {
                        let mut fields: Vec<(String, Term)> = Vec::new();
                        for it in items.iter() {
                            if let Some([Term::Atom(k), v]) = it.as_tuple() {
                                fields.push((k.name().to_string(), v.clone()));
                            }
                        }
                        if !fields.iter().any(|(k, _)| k == "message")
                            && !matches!(short.as_str(), "KeyError" | "MatchError" | "CaseClauseError")
                        {
                            fields.push(("message".into(), Term::str(&default_message(&short))));
                        }
                        error(exception(&short, fields.iter().map(|(k, v)| (k.as_str(), v.clone())).collect()))
                    }
                    _ => arg_error("raise/2 expects a keyword list or a string as its second argument"),
                }
            }
            ("throw", [x]) => Err(Box::new(Raise::Throw(x.clone()))),
            ("exit", [x]) => Err(Box::new(Raise::Exit(x.clone()))),
            ("self", []) => Ok(Term::Pid(self.ctx.pid())),
            ("send", [to, msg]) => process::send(self, to, msg.clone()),
            ("spawn", [fun]) => process::spawn(self, fun.clone(), false),
            ("spawn_link", [fun]) => process::spawn(self, fun.clone(), true),
            ("spawn_monitor", [fun]) => process::spawn(self, fun.clone(), false).map(|p| {
                let r = p.as_pid().map(|pid| Term::Ref(self.ctx.monitor(pid))).unwrap_or_else(Term::nil);
                Term::tuple(vec![p, r])
            }),
            ("spawn", [m, fname, args]) | ("spawn_link", [m, fname, args]) => {
                let fun = self.make_fun(
                    super::eval::FunBody::Remote {
                        module: m.as_atom().unwrap_or(Atom::NIL),
                        name: fname.as_atom().unwrap_or(Atom::NIL),
                        arity: args.as_list().map_or(0, |l| l.len()),
                    },
                    env,
                );
                process::spawn_args(self, fun, args.as_list().unwrap_or(&[]).to_vec(), f == "spawn_link")
            }
            ("make_ref", []) => Ok(Term::Ref(self.ctx.make_ref())),
            ("put_elem", [t, Term::Int(i), v]) => match t.as_tuple() {
                Some(items) => match usize::try_from(*i).ok().filter(|i| *i < items.len()) {
                    Some(i) => {
                        let mut out = items.to_vec();
                        out[i] = v.clone();
                        Ok(Term::tuple(out))
                    }
                    None => badarg(1, "out of range"),
                },
                None => badarg(2, "not a tuple"),
            },
            ("apply", [fun, args]) => match list(args) {
                Ok(l) => self.apply(fun, l.to_vec()).await,
                Err(e) => Err(e),
            },
            ("apply", [Term::Atom(m), Term::Atom(fname), args]) => match list(args) {
                Ok(l) => self.call(*m, *fname, l.to_vec()).await,
                Err(e) => Err(e),
            },
            ("then", [x, fun]) => self.apply(fun, vec![x.clone()]).await,
            ("tap", [x, fun]) => self.apply(fun, vec![x.clone()]).await.map(|_| x.clone()),
            ("struct", [Term::Atom(name), fields]) => {
                let mut entries = vec![(Term::atom("__struct__"), Term::Atom(*name))];
                if let Some(m) = self.code.get(*name) {
                    entries.extend(m.struct_fields.iter().cloned());
                }
                match as_pairs(fields) {
                    Ok(pairs) => {
                        entries.extend(pairs);
                        Ok(Term::map(entries))
                    }
                    Err(e) => Err(e),
                }
            }
            _ => return None,
        })
    }

    async fn enum_(&self, f: &str, a: &[Term]) -> Option<Eval> {
        self.enum_inner(f, a).await.transpose()
    }

    async fn enum_inner(&self, f: &str, a: &[Term]) -> Eval<Option<Term>> {
        let Some(first) = a.first() else { return Ok(None) };
        let items = enumerate(first)?;
        let call1 = |fun: &Term, x: Term| {
            let fun = fun.clone();
            async move { self.apply(&fun, vec![x]).await }
        };
        Ok(Some(match (f, a) {
            ("to_list", [_]) => Term::list(items),
            ("map", [_, fun]) => {
                let mut out = Vec::with_capacity(items.len());
                for x in items {
                    out.push(call1(fun, x).await?);
                }
                Term::list(out)
            }
            ("flat_map", [_, fun]) => {
                let mut out = Vec::new();
                for x in items {
                    out.extend(enumerate(&call1(fun, x).await?)?);
                }
                Term::list(out)
            }
            ("each", [_, fun]) => {
                for x in items {
                    call1(fun, x).await?;
                }
                Term::ok()
            }
            ("filter" | "reject", [_, fun]) => {
                let keep = f == "filter";
                let mut out = Vec::new();
                for x in items {
                    if ops::truthy(&call1(fun, x.clone()).await?) == keep {
                        out.push(x);
                    }
                }
                Term::list(out)
            }
            ("reduce", [_, acc, fun]) => {
                let mut acc = acc.clone();
                for x in items {
                    acc = self.apply(fun, vec![x, acc]).await?;
                }
                acc
            }
            ("reduce", [_, fun]) => {
                let mut it = items.into_iter();
                let Some(mut acc) = it.next() else {
                    return error(exception("Enum.EmptyError", vec![("message", Term::str("empty error"))]));
                };
                for x in it {
                    acc = self.apply(fun, vec![x, acc]).await?;
                }
                acc
            }
            ("sum", [_]) => {
                let mut acc = Term::Int(0);
                for x in &items {
                    acc = ops::binary(super::ast::BinOp::Add, &acc, x)?;
                }
                acc
            }
            ("product", [_]) => {
                let mut acc = Term::Int(1);
                for x in &items {
                    acc = ops::binary(super::ast::BinOp::Mul, &acc, x)?;
                }
                acc
            }
            ("count", [_]) => Term::Int(items.len() as i64),
            ("count", [_, fun]) => {
                let mut n = 0;
                for x in items {
                    if ops::truthy(&call1(fun, x).await?) {
                        n += 1;
                    }
                }
                Term::Int(n)
            }
            ("find", [_, fun]) | ("find", [_, _, fun]) => {
                let default = if a.len() == 3 { a[1].clone() } else { Term::nil() };
                for x in items {
                    if ops::truthy(&call1(fun, x.clone()).await?) {
                        return Ok(Some(x));
                    }
                }
                default
            }
            ("find_index", [_, fun]) => {
                for (i, x) in items.into_iter().enumerate() {
                    if ops::truthy(&call1(fun, x).await?) {
                        return Ok(Some(Term::Int(i as i64)));
                    }
                }
                Term::nil()
            }
            ("any?", [_]) => Term::bool(items.iter().any(ops::truthy)),
            ("all?", [_]) => Term::bool(items.iter().all(ops::truthy)),
            ("any?" | "all?", [_, fun]) => {
                let want = f == "any?";
                for x in items {
                    if ops::truthy(&call1(fun, x).await?) == want {
                        return Ok(Some(Term::bool(want)));
                    }
                }
                Term::bool(!want)
            }
            ("member?", [c, x]) => Term::bool(ops::member(c, x)?),
            ("empty?", [_]) => Term::bool(items.is_empty()),
            ("take", [_, n]) => match int(n) {
                Some(n) if n >= 0 => Term::list(items.into_iter().take(n as usize).collect::<Vec<_>>()),
                Some(n) => {
                    let skip = items.len().saturating_sub(n.unsigned_abs() as usize);
                    Term::list(items.into_iter().skip(skip).collect::<Vec<_>>())
                }
                None => return badarg(2, "not an integer"),
            },
            ("drop", [_, n]) => match int(n) {
                Some(n) if n >= 0 => Term::list(items.into_iter().skip(n as usize).collect::<Vec<_>>()),
                Some(n) => {
                    let keep = items.len().saturating_sub(n.unsigned_abs() as usize);
                    Term::list(items.into_iter().take(keep).collect::<Vec<_>>())
                }
                None => return badarg(2, "not an integer"),
            },
            ("sort", [_]) => Term::list(sorted(items, true)),
            ("sort", [_, Term::Atom(dir)]) if matches!(&*dir.name(), "asc" | "desc") => {
                Term::list(sorted(items, &*dir.name() == "asc"))
            }
            ("sort", [_, fun]) => {
                // Insertion into a sorted run with the user's `fun(a, b)`
                // meaning "a goes first": stable, as Enum.sort/2 is.
                let mut out: Vec<Term> = Vec::with_capacity(items.len());
                for x in items {
                    let mut at = out.len();
                    while at > 0 {
                        let before = &out[at - 1];
                        if ops::truthy(&self.apply(fun, vec![before.clone(), x.clone()]).await?) {
                            break;
                        }
                        at -= 1;
                    }
                    out.insert(at, x);
                }
                Term::list(out)
            }
            ("sort_by", [_, fun]) | ("sort_by", [_, fun, _]) => {
                let desc = matches!(a.get(2), Some(Term::Atom(d)) if &*d.name() == "desc");
                let mut keyed = Vec::with_capacity(items.len());
                for x in items {
                    keyed.push((call1(fun, x.clone()).await?, x));
                }
                sort_by(&mut keyed, |(ka, _), (kb, _)| if desc { kb.cmp(ka) } else { ka.cmp(kb) });
                Term::list(keyed.into_iter().map(|(_, x)| x).collect::<Vec<_>>())
            }
            ("min" | "max", [_]) => {
                let want = if f == "min" { Ordering::Less } else { Ordering::Greater };
                let mut best: Option<Term> = None;
                for x in items {
                    if best.as_ref().is_none_or(|b| x.cmp(b) == want) {
                        best = Some(x);
                    }
                }
                match best {
                    Some(b) => b,
                    None => return error(exception("Enum.EmptyError", vec![("message", Term::str("empty error"))])),
                }
            }
            ("min_by" | "max_by", [_, fun]) => {
                let want = if f == "min_by" { Ordering::Less } else { Ordering::Greater };
                let mut best: Option<(Term, Term)> = None;
                for x in items {
                    let k = call1(fun, x.clone()).await?;
                    if best.as_ref().is_none_or(|(bk, _)| k.cmp(bk) == want) {
                        best = Some((k, x));
                    }
                }
                match best {
                    Some((_, b)) => b,
                    None => return error(exception("Enum.EmptyError", vec![("message", Term::str("empty error"))])),
                }
            }
            ("reverse", [_]) => Term::list(items.into_iter().rev().collect::<Vec<_>>()),
            ("into", [_, target]) => ops::into(target.clone(), items)?,
            ("into", [_, target, fun]) => {
                let mut out = Vec::with_capacity(items.len());
                for x in items {
                    out.push(call1(fun, x).await?);
                }
                ops::into(target.clone(), out)?
            }
            ("with_index", [_]) | ("with_index", [_, Term::Int(_)]) => {
                let off = a.get(1).and_then(Term::as_int).unwrap_or(0);
                Term::list(
                    items.into_iter().enumerate().map(|(i, x)| pair(x, Term::Int(i as i64 + off))).collect::<Vec<_>>(),
                )
            }
            ("at", [_, n]) | ("at", [_, n, _]) => {
                let default = a.get(2).cloned().unwrap_or_else(Term::nil);
                match int(n) {
                    Some(i) if i >= 0 => items.get(i as usize).cloned().unwrap_or(default),
                    Some(i) => items
                        .len()
                        .checked_sub(i.unsigned_abs() as usize)
                        .and_then(|j| items.get(j))
                        .cloned()
                        .unwrap_or(default),
                    None => return badarg(2, "not an integer"),
                }
            }
            ("uniq", [_]) => {
                let mut out: Vec<Term> = Vec::new();
                for x in items {
                    if !out.contains(&x) {
                        out.push(x);
                    }
                }
                Term::list(out)
            }
            ("zip", [_, other]) => {
                let b = enumerate(other)?;
                Term::list(items.into_iter().zip(b).map(|(x, y)| pair(x, y)).collect::<Vec<_>>())
            }
            ("join", [_]) | ("join", [_, _]) => {
                let sep = match a.get(1) {
                    Some(s) => string(s, 2)?.to_string(),
                    None => String::new(),
                };
                let mut out = String::new();
                for (i, x) in items.iter().enumerate() {
                    if i > 0 {
                        out.push_str(&sep);
                    }
                    ops::to_string_into(x, &mut out)?;
                }
                Term::str(&out)
            }
            ("map_join", [_, sep, fun]) => {
                let sep = string(sep, 2)?.to_string();
                let mut out = String::new();
                for (i, x) in items.into_iter().enumerate() {
                    if i > 0 {
                        out.push_str(&sep);
                    }
                    ops::to_string_into(&call1(fun, x).await?, &mut out)?;
                }
                Term::str(&out)
            }
            ("concat", [_]) => {
                let mut out = Vec::new();
                for x in items {
                    out.extend(enumerate(&x)?);
                }
                Term::list(out)
            }
            ("concat", [_, other]) => {
                let mut out = items;
                out.extend(enumerate(other)?);
                Term::list(out)
            }
            ("chunk_every", [_, n]) => {
                let n = count(n, 2)?.max(1);
                Term::list(items.chunks(n).map(|c| Term::list(c.to_vec())).collect::<Vec<_>>())
            }
            ("group_by", [_, fun]) => {
                let mut groups: Vec<(Term, Vec<Term>)> = Vec::new();
                for x in items {
                    let k = call1(fun, x.clone()).await?;
                    match groups.iter_mut().find(|(g, _)| *g == k) {
                        Some((_, v)) => v.push(x),
                        None => groups.push((k, vec![x])),
                    }
                }
                Term::map(groups.into_iter().map(|(k, v)| (k, Term::list(v))))
            }
            ("frequencies", [_]) => {
                let mut freq: Vec<(Term, i64)> = Vec::new();
                for x in items {
                    match freq.iter_mut().find(|(g, _)| *g == x) {
                        Some((_, n)) => *n += 1,
                        None => freq.push((x, 1)),
                    }
                }
                Term::map(freq.into_iter().map(|(k, n)| (k, Term::Int(n))))
            }
            ("split", [_, n]) => {
                let n = int(n).unwrap_or(0);
                let at = if n >= 0 {
                    (n as usize).min(items.len())
                } else {
                    items.len().saturating_sub(n.unsigned_abs() as usize)
                };
                let (l, r) = items.split_at(at);
                pair(Term::list(l.to_vec()), Term::list(r.to_vec()))
            }
            ("slice", [_, start, n]) => {
                let s = count(start, 2)?;
                let n = count(n, 3)?;
                Term::list(items.into_iter().skip(s).take(n).collect::<Vec<_>>())
            }
            _ => return Ok(None),
        }))
    }

    async fn map_(&self, f: &str, a: &[Term]) -> Option<Eval> {
        if let ("update", [m, k, default, fun]) = (f, a) {
            return Some(
                async {
                    map(m)?;
                    let v = match m.map_get(k) {
                        Some(v) => self.apply(fun, vec![v.clone()]).await?,
                        None => default.clone(),
                    };
                    Ok(m.map_put(k.clone(), v).unwrap_or_else(|| m.clone()))
                }
                .await,
            );
        }
        if let ("update!", [m, k, fun]) = (f, a) {
            return Some(
                async {
                    map(m)?;
                    match m.map_get(k) {
                        Some(v) => {
                            let v = self.apply(fun, vec![v.clone()]).await?;
                            Ok(m.map_put(k.clone(), v).unwrap_or_else(|| m.clone()))
                        }
                        None => key_error(k, m),
                    }
                }
                .await,
            );
        }
        if let ("new", [c, fun]) | ("map", [c, fun]) | ("filter", [c, fun]) | ("reject", [c, fun]) = (f, a) {
            return Some(
                async {
                    let items = enumerate(c)?;
                    let mut out = Vec::new();
                    for x in items {
                        let r = self.apply(fun, vec![x.clone()]).await?;
                        match f {
                            "filter" if ops::truthy(&r) => out.push(x),
                            "reject" if !ops::truthy(&r) => out.push(x),
                            "new" | "map" => out.push(r),
                            _ => {}
                        }
                    }
                    ops::into(Term::map(vec![]), out)
                }
                .await,
            );
        }
        Some(match (f, a) {
            ("new", []) => Ok(Term::map(vec![])),
            ("new", [c]) => enumerate(c).and_then(|items| ops::into(Term::map(vec![]), items)),
            ("get", [m, k]) | ("get", [m, k, _]) => {
                map(m).map(|_| m.map_get(k).cloned().unwrap_or_else(|| a.get(2).cloned().unwrap_or_else(Term::nil)))
            }
            ("fetch", [m, k]) => map(m).map(|_| match m.map_get(k) {
                Some(v) => ok(v.clone()),
                None => Term::atom("error"),
            }),
            ("fetch!", [m, k]) => match map(m) {
                Ok(_) => match m.map_get(k) {
                    Some(v) => Ok(v.clone()),
                    None => key_error(k, m),
                },
                Err(e) => Err(e),
            },
            ("put", [m, k, v]) => map(m).map(|_| m.map_put(k.clone(), v.clone()).unwrap_or_else(|| m.clone())),
            ("put_new", [m, k, v]) => map(m).map(|_| {
                if m.map_get(k).is_some() {
                    m.clone()
                } else {
                    m.map_put(k.clone(), v.clone()).unwrap_or_else(|| m.clone())
                }
            }),
            ("delete", [m, k]) => map(m).map(|es| Term::map(es.iter().filter(|(x, _)| x != k).cloned())),
            ("has_key?", [m, k]) => map(m).map(|_| Term::bool(m.map_get(k).is_some())),
            ("keys", [m]) => map(m).map(|es| Term::list(es.iter().map(|(k, _)| k.clone()).collect::<Vec<_>>())),
            ("values", [m]) => map(m).map(|es| Term::list(es.iter().map(|(_, v)| v.clone()).collect::<Vec<_>>())),
            ("to_list", [m]) => {
                map(m).map(|es| Term::list(es.iter().map(|(k, v)| pair(k.clone(), v.clone())).collect::<Vec<_>>()))
            }
            ("merge", [x, y]) => match (map(x), map(y)) {
                (Ok(a), Ok(b)) => Ok(Term::map(a.iter().chain(b.iter()).cloned())),
                (Err(e), _) | (_, Err(e)) => Err(e),
            },
            ("pop", [m, k]) | ("pop", [m, k, _]) => map(m).map(|es| {
                let default = a.get(2).cloned().unwrap_or_else(Term::nil);
                match m.map_get(k) {
                    Some(v) => pair(v.clone(), Term::map(es.iter().filter(|(x, _)| x != k).cloned())),
                    None => pair(default, m.clone()),
                }
            }),
            ("take", [m, keys]) => match (map(m), list(keys)) {
                (Ok(es), Ok(ks)) => Ok(Term::map(es.iter().filter(|(k, _)| ks.contains(k)).cloned())),
                (Err(e), _) | (_, Err(e)) => Err(e),
            },
            ("drop", [m, keys]) => match (map(m), list(keys)) {
                (Ok(es), Ok(ks)) => Ok(Term::map(es.iter().filter(|(k, _)| !ks.contains(k)).cloned())),
                (Err(e), _) | (_, Err(e)) => Err(e),
            },
            _ => return None,
        })
    }

    async fn list_(&self, f: &str, a: &[Term]) -> Option<Eval> {
        if let ("foldl" | "foldr", [l, acc, fun]) = (f, a) {
            return Some(
                async {
                    let items = list(l)?;
                    let mut acc = acc.clone();
                    let order: Vec<&Term> =
                        if f == "foldl" { items.iter().collect() } else { items.iter().rev().collect() };
                    for x in order {
                        acc = self.apply(fun, vec![x.clone(), acc]).await?;
                    }
                    Ok(acc)
                }
                .await,
            );
        }
        Some(match (f, a) {
            ("first", [l]) | ("first", [l, _]) => {
                list(l).map(|x| x.first().cloned().unwrap_or_else(|| a.get(1).cloned().unwrap_or_else(Term::nil)))
            }
            ("last", [l]) | ("last", [l, _]) => {
                list(l).map(|x| x.last().cloned().unwrap_or_else(|| a.get(1).cloned().unwrap_or_else(Term::nil)))
            }
            ("flatten", [l]) => {
                fn flat(items: &[Term], out: &mut Vec<Term>, depth: usize) -> Eval<()> {
                    if depth > 1000 {
                        return error(Term::atom("system_limit"));
                    }
                    for x in items {
                        match x {
                            Term::List(inner) => flat(inner, out, depth + 1)?,
                            other => out.push(other.clone()),
                        }
                    }
                    Ok(())
                }
                let mut out = Vec::new();
                list(l).and_then(|items| flat(items, &mut out, 0)).map(|()| Term::list(out))
            }
            ("wrap", [x]) => Ok(match x {
                Term::List(_) => x.clone(),
                Term::Atom(Atom::NIL) => Term::list(vec![]),
                other => Term::list(vec![other.clone()]),
            }),
            ("delete", [l, x]) => list(l).map(|items| {
                let mut out = items.to_vec();
                if let Some(i) = out.iter().position(|t| t == x) {
                    out.remove(i);
                }
                Term::list(out)
            }),
            ("duplicate", [x, n]) => count(n, 2).map(|n| Term::list(vec![x.clone(); n.min(ops::MAX_RANGE as usize)])),
            ("insert_at", [l, Term::Int(i), x]) => list(l).map(|items| {
                let mut out = items.to_vec();
                let at = if *i < 0 {
                    out.len().saturating_sub(i.unsigned_abs() as usize - 1)
                } else {
                    (*i as usize).min(out.len())
                };
                out.insert(at, x.clone());
                Term::list(out)
            }),
            ("replace_at", [l, Term::Int(i), x]) => list(l).map(|items| {
                let mut out = items.to_vec();
                let at = if *i < 0 { out.len().checked_sub(i.unsigned_abs() as usize) } else { Some(*i as usize) };
                if let Some(slot) = at.and_then(|k| out.get_mut(k)) {
                    *slot = x.clone();
                }
                Term::list(out)
            }),
            ("to_tuple", [l]) => list(l).map(|items| Term::tuple(items.to_vec())),
            ("keyfind", [l, k, Term::Int(pos)]) => list(l).map(|items| {
                items
                    .iter()
                    .find(|t| t.as_tuple().and_then(|x| x.get(*pos as usize)).is_some_and(|v| v == k))
                    .cloned()
                    .unwrap_or_else(Term::nil)
            }),
            _ => return None,
        })
    }
}

fn as_pairs(t: &Term) -> Eval<Vec<(Term, Term)>> {
    let mut out = Vec::new();
    for x in enumerate(t)? {
        match x.as_tuple() {
            Some([k, v]) => out.push((k.clone(), v.clone())),
            _ => return badarg(2, "not a list of pairs"),
        }
    }
    Ok(out)
}

fn default_message(kind: &str) -> String {
    match kind {
        "RuntimeError" => "runtime error".into(),
        "ArgumentError" => "argument error".into(),
        "ArithmeticError" => "bad argument in arithmetic expression".into(),
        other => format!("{other} raised"),
    }
}

fn keyword(f: &str, a: &[Term]) -> Option<Eval> {
    Some(match (f, a) {
        ("new", []) => Ok(Term::list(vec![])),
        ("get", [l, k]) | ("get", [l, k, _]) => list(l)
            .map(|items| kw_get(items, k).cloned().unwrap_or_else(|| a.get(2).cloned().unwrap_or_else(Term::nil))),
        ("fetch", [l, k]) => list(l).map(|items| match kw_get(items, k) {
            Some(v) => ok(v.clone()),
            None => Term::atom("error"),
        }),
        ("fetch!", [l, k]) => match list(l) {
            Ok(items) => match kw_get(items, k) {
                Some(v) => Ok(v.clone()),
                None => key_error(k, l),
            },
            Err(e) => Err(e),
        },
        ("put", [l, k, v]) => list(l).map(|items| {
            let mut out = vec![pair(k.clone(), v.clone())];
            out.extend(kw_delete(items, k));
            Term::list(out)
        }),
        ("delete", [l, k]) => list(l).map(|items| Term::list(kw_delete(items, k))),
        ("has_key?", [l, k]) => list(l).map(|items| Term::bool(kw_get(items, k).is_some())),
        ("keys", [l]) => list(l).map(|items| {
            Term::list(items.iter().filter_map(|t| t.as_tuple().and_then(|x| x.first().cloned())).collect::<Vec<_>>())
        }),
        ("values", [l]) => list(l).map(|items| {
            Term::list(items.iter().filter_map(|t| t.as_tuple().and_then(|x| x.get(1).cloned())).collect::<Vec<_>>())
        }),
        ("merge", [x, y]) => match (list(x), list(y)) {
            (Ok(a), Ok(b)) => {
                let mut out: Vec<Term> = a
                    .iter()
                    .filter(|t| !matches!(t.as_tuple(), Some([k, _]) if kw_get(b, k).is_some()))
                    .cloned()
                    .collect();
                out.extend(b.iter().cloned());
                Ok(Term::list(out))
            }
            (Err(e), _) | (_, Err(e)) => Err(e),
        },
        _ => return None,
    })
}

fn string_(f: &str, a: &[Term]) -> Option<Eval> {
    let s = match a.first() {
        Some(Term::Str(s)) => s.clone(),
        Some(_) => {
            return Some(error(exception(
                "FunctionClauseError",
                vec![
                    ("module", Term::atom("Elixir.String")),
                    ("function", Term::atom(f)),
                    // Functions with a default argument report their full arity.
                    (
                        "arity",
                        Term::Int(match f {
                            "upcase" | "downcase" | "capitalize" => 2,
                            "split" if a.len() == 2 => 3,
                            _ => a.len() as i64,
                        }),
                    ),
                ],
            )));
        }
        None => return None,
    };
    let strs = |v: Vec<&str>| Term::list(v.into_iter().map(Term::str).collect::<Vec<_>>());
    Some(match (f, a) {
        ("length", [_]) => Ok(Term::Int(s.chars().count() as i64)),
        ("upcase", [_]) => Ok(Term::str(&s.to_uppercase())),
        ("downcase", [_]) => Ok(Term::str(&s.to_lowercase())),
        ("capitalize", [_]) => {
            let mut c = s.chars();
            Ok(Term::str(&match c.next() {
                Some(first) => format!("{}{}", first.to_uppercase(), c.as_str().to_lowercase()),
                None => String::new(),
            }))
        }
        ("trim", [_]) => Ok(Term::str(s.trim())),
        ("first", [_]) => Ok(s.chars().next().map_or_else(Term::nil, |c| Term::str(&c.to_string()))),
        ("last", [_]) => Ok(s.chars().last().map_or_else(Term::nil, |c| Term::str(&c.to_string()))),
        ("reverse", [_]) => Ok(Term::str(&s.chars().rev().collect::<String>())),
        ("graphemes", [_]) => Ok(Term::list(s.chars().map(|c| Term::str(&c.to_string())).collect::<Vec<_>>())),
        ("split", [_]) => Ok(strs(s.split_whitespace().collect())),
        ("split", [_, Term::Str(sep)]) => Ok(if sep.is_empty() {
            let mut v: Vec<Term> = s.chars().map(|c| Term::str(&c.to_string())).collect();
            v.insert(0, Term::str(""));
            v.push(Term::str(""));
            Term::list(v)
        } else {
            strs(s.split(&**sep).collect())
        }),
        ("contains?", [_, Term::Str(p)]) => Ok(Term::bool(s.contains(&**p))),
        ("contains?", [_, Term::List(ps)]) => {
            Ok(Term::bool(ps.iter().any(|p| p.as_str().is_some_and(|p| s.contains(p)))))
        }
        ("starts_with?", [_, Term::Str(p)]) => Ok(Term::bool(s.starts_with(&**p))),
        ("ends_with?", [_, Term::Str(p)]) => Ok(Term::bool(s.ends_with(&**p))),
        ("replace", [_, Term::Str(p), Term::Str(r)]) => Ok(Term::str(&s.replace(&**p, r))),
        ("duplicate", [_, n]) => match n.as_int() {
            Some(n) if n >= 0 && (n as usize).saturating_mul(s.len()) <= ops::MAX_RANGE as usize => {
                Ok(Term::str(&s.repeat(n as usize)))
            }
            _ => badarg(2, "out of range"),
        },
        ("at", [_, Term::Int(i)]) => {
            let chars: Vec<char> = s.chars().collect();
            let at = if *i < 0 { chars.len().checked_sub(i.unsigned_abs() as usize) } else { Some(*i as usize) };
            Ok(at.and_then(|k| chars.get(k)).map_or_else(Term::nil, |c| Term::str(&c.to_string())))
        }
        ("slice", [_, Term::Int(start), Term::Int(len)]) => {
            let chars: Vec<char> = s.chars().collect();
            let st =
                if *start < 0 { chars.len().saturating_sub(start.unsigned_abs() as usize) } else { *start as usize };
            Ok(Term::str(&chars.iter().skip(st).take((*len).max(0) as usize).collect::<String>()))
        }
        ("to_integer", [_]) => match s.parse::<i64>() {
            Ok(i) if !s.starts_with('+') || s.len() > 1 => Ok(Term::Int(i)),
            _ => badarg(1, "not a textual representation of an integer"),
        },
        ("to_integer", [_, Term::Int(base)]) => match u32::try_from(*base).ok().filter(|b| (2..=36).contains(b)) {
            Some(b) => match i64::from_str_radix(&s, b) {
                Ok(i) => Ok(Term::Int(i)),
                Err(_) => badarg(1, "not a textual representation of an integer"),
            },
            None => badarg(2, "not a valid base"),
        },
        ("to_float", [_]) => match s.parse::<f64>() {
            Ok(x) if s.contains('.') => Ok(Term::Float(x)),
            _ => badarg(1, "not a textual representation of a float"),
        },
        ("to_atom", [_]) => Ok(Term::atom(&s)),
        ("pad_leading" | "pad_trailing", [_, Term::Int(n), ..]) => {
            let pad = match a.get(2) {
                Some(Term::Str(p)) if !p.is_empty() => p.to_string(),
                _ => " ".into(),
            };
            let len = s.chars().count();
            let want = (*n).clamp(0, ops::MAX_RANGE) as usize;
            let fill: String = pad.chars().cycle().take(want.saturating_sub(len)).collect();
            Ok(Term::str(&if f == "pad_leading" { format!("{fill}{s}") } else { format!("{s}{fill}") }))
        }
        _ => return None,
    })
}

fn integer(f: &str, a: &[Term]) -> Option<Eval> {
    Some(match (f, a) {
        ("to_string", [Term::Int(i)]) => Ok(Term::str(&i.to_string())),
        ("to_string", [Term::Int(i), Term::Int(base)]) => {
            match u32::try_from(*base).ok().filter(|b| (2..=36).contains(b)) {
                Some(b) => Ok(Term::str(&radix(*i, b))),
                None => badarg(2, "not a valid base"),
            }
        }
        ("parse", [Term::Str(s)]) => {
            let t = s.trim_start();
            let (sign, digits) = match t.strip_prefix('-') {
                Some(rest) => (-1, rest),
                None => (1, t.strip_prefix('+').unwrap_or(t)),
            };
            let end = digits.find(|c: char| !c.is_ascii_digit()).unwrap_or(digits.len());
            match digits[..end].parse::<i64>() {
                Ok(n) if end > 0 && t.len() == s.len() => Ok(pair(Term::Int(sign * n), Term::str(&digits[end..]))),
                _ => Ok(Term::atom("error")),
            }
        }
        ("digits", [Term::Int(i)]) => Ok(Term::list(
            i.unsigned_abs().to_string().bytes().map(|b| Term::Int((b - b'0') as i64)).collect::<Vec<_>>(),
        )),
        ("pow", [Term::Int(b), Term::Int(e)]) if *e >= 0 => match u32::try_from(*e).ok().and_then(|e| b.checked_pow(e))
        {
            Some(v) => Ok(Term::Int(v)),
            None => error(Term::atom("system_limit")),
        },
        ("mod", [Term::Int(_), Term::Int(0)]) => error(Term::Atom(Atom::BADARITH)),
        ("mod", [Term::Int(x), Term::Int(y)]) => {
            Ok(Term::Int(x.rem_euclid(*y) + if *y < 0 && x.rem_euclid(*y) != 0 { *y } else { 0 }))
        }
        ("floor_div", [Term::Int(_), Term::Int(0)]) => error(Term::Atom(Atom::BADARITH)),
        ("floor_div", [Term::Int(x), Term::Int(y)]) => {
            Ok(Term::Int(x.div_euclid(*y) - if *y < 0 && x.rem_euclid(*y) != 0 { 1 } else { 0 }))
        }
        _ => return None,
    })
}

/// An integer in base 2 to 36 with uppercase digits, as Elixir writes it.
fn radix(i: i64, base: u32) -> String {
    let mut n = i.unsigned_abs();
    let mut digits = Vec::new();
    loop {
        let d = (n % base as u64) as u32;
        digits.push(std::char::from_digit(d, base).unwrap_or('?').to_ascii_uppercase());
        n /= base as u64;
        if n == 0 {
            break;
        }
    }
    if i < 0 {
        digits.push('-');
    }
    digits.iter().rev().collect()
}
