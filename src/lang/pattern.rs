//! Pattern matching (with `^` pins, repeated variables, map subsets,
//! `"prefix" <> rest` and `[a, b] ++ rest`) and guard evaluation.
//!
//! Both are synchronous: a selective `receive` tests patterns and guards
//! against mailbox messages inside the runtime's scan, where nothing may
//! block. When the pattern layer planned below `system` lands
//! (`src/pattern`, out of the probe compiler), the probe's matcher and this
//! one can share their core; this one adds pins and binding environments.

use super::ast::{BinOp, Expr, Kind};
use super::error::{error, exception, Eval};
use super::eval::Env;
use super::ops;
use crate::term::{Atom, Term};

/// Matches `v` against the pattern `p`, binding variables in `env`.
/// Variables bound since `mark` belong to this match: a repeated one must
/// match the same value. On failure the caller truncates `env` to `mark`.
pub(crate) fn pmatch(env: &mut Env, mark: usize, p: &Expr, v: &Term) -> Eval<bool> {
    Ok(match &p.kind {
        Kind::Lit(t) => t == v,
        Kind::Wild => true,
        Kind::Var(name) => {
            let bound = env.vars.get(mark..).and_then(|vs| vs.iter().rev().find(|(n, _)| n == name));
            match bound {
                Some((_, old)) => old == v,
                None => {
                    env.vars.push((*name, v.clone()));
                    true
                }
            }
        }
        Kind::Pin(name) => match env.get(*name) {
            Some(old) => old == v,
            None => {
                let msg = format!("undefined variable ^{}", name.name());
                return error(exception("CompileError", vec![("message", Term::str(&msg))]));
            }
        },
        Kind::Tuple(ps) => match v.as_tuple() {
            Some(items) if items.len() == ps.len() => all(env, mark, ps, items)?,
            _ => false,
        },
        Kind::List(ps, tail) => match v.as_list() {
            Some(items) => list(env, mark, ps, tail.as_deref(), items)?,
            None => false,
        },
        Kind::Bin(BinOp::ListAdd, head, tail) => match (&head.kind, v.as_list()) {
            (Kind::List(ps, None), Some(items)) => list(env, mark, ps, Some(tail), items)?,
            _ => false,
        },
        Kind::Bin(BinOp::Concat, prefix, rest) => match (&prefix.kind, v.as_str()) {
            (Kind::Lit(Term::Str(pre)), Some(s)) => match s.strip_prefix(&**pre) {
                Some(r) => pmatch(env, mark, rest, &Term::str(r))?,
                None => false,
            },
            _ => false,
        },
        Kind::Map(entries) => v.as_map().is_some() && entries_match(env, mark, entries, v)?,
        Kind::Struct(name, entries) => {
            v.map_get(&Term::atom("__struct__")).is_some_and(|s| s.is_atom(*name))
                && entries_match(env, mark, entries, v)?
        }
        Kind::Match(a, b) => pmatch(env, mark, a, v)? && pmatch(env, mark, b, v)?,
        _ => {
            return error(exception(
                "CompileError",
                vec![("message", Term::str("this expression cannot be used in a pattern"))],
            ))
        }
    })
}

fn all(env: &mut Env, mark: usize, ps: &[Expr], items: &[Term]) -> Eval<bool> {
    for (p, x) in ps.iter().zip(items) {
        if !pmatch(env, mark, p, x)? {
            return Ok(false);
        }
    }
    Ok(true)
}

fn list(env: &mut Env, mark: usize, ps: &[Expr], tail: Option<&Expr>, items: &[Term]) -> Eval<bool> {
    match tail {
        None => Ok(items.len() == ps.len() && all(env, mark, ps, items)?),
        Some(t) => {
            if items.len() < ps.len() {
                return Ok(false);
            }
            let (head, rest) = items.split_at(ps.len());
            Ok(all(env, mark, ps, head)? && pmatch(env, mark, t, &Term::list(rest.to_vec()))?)
        }
    }
}

fn entries_match(env: &mut Env, mark: usize, entries: &[(Expr, Expr)], v: &Term) -> Eval<bool> {
    for (k, p) in entries {
        let key = match &k.kind {
            Kind::Lit(t) => t.clone(),
            Kind::Pin(name) => match env.get(*name) {
                Some(t) => t.clone(),
                None => return Ok(false),
            },
            _ => match guard_value(env, k) {
                Ok(t) => t,
                Err(_) => return Ok(false),
            },
        };
        match v.map_get(&key) {
            Some(x) => {
                if !pmatch(env, mark, p, x)? {
                    return Ok(false);
                }
            }
            None => return Ok(false),
        }
    }
    Ok(true)
}

/// Whether a guard holds: an error inside a guard makes it fail, as in
/// Elixir.
pub(crate) fn guard(env: &Env, g: &Expr) -> bool {
    matches!(guard_value(env, g), Ok(Term::Atom(Atom::TRUE)))
}

/// Evaluates an expression allowed in guards.
pub(crate) fn guard_value(env: &Env, g: &Expr) -> Eval {
    guard_depth(env, g, 0)
}

fn guard_depth(env: &Env, g: &Expr, depth: usize) -> Eval {
    if depth > 200 {
        return error(Term::atom("system_limit"));
    }
    let ev = |e: &Expr| guard_depth(env, e, depth + 1);
    Ok(match &g.kind {
        Kind::Lit(t) => t.clone(),
        Kind::Var(n) => match env.get(*n) {
            Some(v) => v.clone(),
            None => return error(Term::atom("undefined_variable")),
        },
        Kind::Pin(n) => env.get(*n).cloned().unwrap_or_else(Term::nil),
        Kind::Tuple(items) => Term::tuple(items.iter().map(ev).collect::<Eval<Vec<_>>>()?),
        Kind::List(items, None) => Term::list(items.iter().map(ev).collect::<Eval<Vec<_>>>()?),
        Kind::Map(entries) => {
            let mut out = Vec::new();
            for (k, v) in entries {
                out.push((ev(k)?, ev(v)?));
            }
            Term::map(out)
        }
        Kind::Un(op, a) => {
            let v = ev(a)?;
            match op {
                super::ast::UnOp::Neg => ops::neg(&v)?,
                super::ast::UnOp::Plus => v,
                super::ast::UnOp::Not => match v.as_atom() {
                    Some(Atom::TRUE) => Term::bool(false),
                    Some(Atom::FALSE) => Term::bool(true),
                    _ => return error(Term::Atom(Atom::BADARG)),
                },
                super::ast::UnOp::Bang => Term::bool(!ops::truthy(&v)),
            }
        }
        Kind::Bin(op, a, b) => {
            let x = ev(a)?;
            match op {
                BinOp::And | BinOp::AndAlso => {
                    if matches!(op, BinOp::And) && x.as_atom().is_none_or(|a| a != Atom::TRUE && a != Atom::FALSE) {
                        return error(Term::Atom(Atom::BADARG));
                    }
                    if ops::truthy(&x) {
                        ev(b)?
                    } else {
                        x
                    }
                }
                BinOp::Or | BinOp::OrElse => {
                    if matches!(op, BinOp::Or) && x.as_atom().is_none_or(|a| a != Atom::TRUE && a != Atom::FALSE) {
                        return error(Term::Atom(Atom::BADARG));
                    }
                    if ops::truthy(&x) {
                        x
                    } else {
                        ev(b)?
                    }
                }
                _ => ops::binary(*op, &x, &ev(b)?)?,
            }
        }
        Kind::Field(base, key) => {
            let m = ev(base)?;
            match m.map_get(&Term::Atom(*key)) {
                Some(v) => v.clone(),
                None => return error(Term::atom("badkey")),
            }
        }
        Kind::Local(name, args) | Kind::Remote(_, name, args) => {
            let vals = args.iter().map(ev).collect::<Eval<Vec<_>>>()?;
            match ops::guard_bif(&name.name(), &vals) {
                Some(r) => r?,
                None => return error(Term::atom("not_a_guard")),
            }
        }
        Kind::Module => match &env.module {
            Some(m) => Term::Atom(m.name),
            None => Term::nil(),
        },
        _ => return error(Term::atom("not_a_guard")),
    })
}
