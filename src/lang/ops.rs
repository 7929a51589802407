//! The operators and the guard-safe built-ins, as pure functions over
//! terms: arithmetic, comparison in Erlang term order, list and string
//! operators, `in`, ranges, truthiness, `String.Chars`, enumeration and
//! `Access`, and the BIFs allowed in guards (`is_*`, `elem`, `hd`, …).
//! The evaluator, the guard evaluator and the standard library share them.

use std::cmp::Ordering;

use super::ast::BinOp;
use super::error::{arg_error, badarg, error, exception, Eval};
use super::inspect::inspect;
use crate::term::{Atom, Term};

/// The largest range `Enum` functions will materialise, so that
/// `Enum.to_list(1..1_000_000_000)` fails instead of exhausting memory.
pub(crate) const MAX_RANGE: i64 = 10_000_000;

pub(crate) fn truthy(t: &Term) -> bool {
    !matches!(t, Term::Atom(a) if *a == Atom::FALSE || *a == Atom::NIL)
}

fn badarith<T>() -> Eval<T> {
    error(Term::Atom(Atom::BADARITH))
}

/// 64-bit overflow: otpsim's integers are not bignums.
fn overflow<T>() -> Eval<T> {
    error(Term::atom("system_limit"))
}

fn num(t: &Term) -> Option<f64> {
    match t {
        Term::Int(i) => Some(*i as f64),
        Term::Float(f) => Some(*f),
        _ => None,
    }
}

fn float(f: f64) -> Eval {
    if f.is_finite() {
        Ok(Term::Float(f))
    } else {
        badarith()
    }
}

pub(crate) fn neg(v: &Term) -> Eval {
    match v {
        Term::Int(i) => i.checked_neg().map(Term::Int).map_or_else(overflow, Ok),
        Term::Float(f) => Ok(Term::Float(-f)),
        _ => badarith(),
    }
}

fn arith(x: &Term, y: &Term, int: fn(i64, i64) -> Option<i64>, fl: fn(f64, f64) -> f64) -> Eval {
    match (x, y) {
        (Term::Int(a), Term::Int(b)) => int(*a, *b).map(Term::Int).map_or_else(overflow, Ok),
        _ => match (num(x), num(y)) {
            (Some(a), Some(b)) => float(fl(a, b)),
            _ => badarith(),
        },
    }
}

/// The range `first..last` (step 1, or -1 when `first > last`).
pub(crate) fn range(first: i64, last: i64) -> Term {
    let step = if first > last { -1 } else { 1 };
    range_step(first, last, step)
}

pub(crate) fn range_step(first: i64, last: i64, step: i64) -> Term {
    Term::map(vec![
        (Term::atom("__struct__"), Term::atom("Elixir.Range")),
        (Term::atom("first"), Term::Int(first)),
        (Term::atom("last"), Term::Int(last)),
        (Term::atom("step"), Term::Int(step)),
    ])
}

/// `(first, last, step)` of a range struct.
pub(crate) fn as_range(t: &Term) -> Option<(i64, i64, i64)> {
    if !t.map_get(&Term::atom("__struct__")).is_some_and(|s| s.is_atom(Atom::new("Elixir.Range"))) {
        return None;
    }
    let f = |k: &str| t.map_get(&Term::atom(k)).and_then(Term::as_int);
    Some((f("first")?, f("last")?, f("step")?))
}

fn range_len(first: i64, last: i64, step: i64) -> i64 {
    if step == 0 || (step > 0 && first > last) || (step < 0 && first < last) {
        0
    } else {
        ((last as i128 - first as i128) / step as i128 + 1).min(i64::MAX as i128) as i64
    }
}

pub(crate) fn binary(op: BinOp, x: &Term, y: &Term) -> Eval {
    use BinOp::*;
    Ok(match op {
        Add => return arith(x, y, i64::checked_add, |a, b| a + b),
        Sub => return arith(x, y, i64::checked_sub, |a, b| a - b),
        Mul => return arith(x, y, i64::checked_mul, |a, b| a * b),
        Div => match (num(x), num(y)) {
            (Some(_), Some(0.0)) => return badarith(),
            (Some(a), Some(b)) => return float(a / b),
            _ => return badarith(),
        },
        Eq => Term::bool(x.loose_eq(y)),
        Ne => Term::bool(!x.loose_eq(y)),
        StrictEq => Term::bool(x == y),
        StrictNe => Term::bool(x != y),
        Lt => Term::bool(x.loose_cmp(y) == Ordering::Less),
        Gt => Term::bool(x.loose_cmp(y) == Ordering::Greater),
        Le => Term::bool(x.loose_cmp(y) != Ordering::Greater),
        Ge => Term::bool(x.loose_cmp(y) != Ordering::Less),
        Concat => match (x, y) {
            (Term::Str(a), Term::Str(b)) => Term::str(&format!("{a}{b}")),
            (Term::Str(_), other) | (other, _) => {
                return arg_error(&format!(
                    "construction of binary failed: segment 1 of type 'binary': expected a binary but got: {}",
                    inspect(other)
                ))
            }
        },
        ListAdd => match (x, y) {
            (Term::List(a), Term::List(b)) => Term::list(a.iter().chain(b.iter()).cloned().collect::<Vec<_>>()),
            (Term::List(_), _) => return arg_error("improper lists are not in otpsim's subset"),
            _ => return badarg(1, "not a list"),
        },
        ListSub => match (x, y) {
            (Term::List(a), Term::List(b)) => {
                let mut out: Vec<Term> = a.to_vec();
                for r in b.iter() {
                    if let Some(i) = out.iter().position(|t| t == r) {
                        out.remove(i);
                    }
                }
                Term::list(out)
            }
            (Term::List(_), _) => return badarg(2, "not a list"),
            _ => return badarg(1, "not a list"),
        },
        In | NotIn => {
            let found = member(y, x)?;
            Term::bool(found == (op == In))
        }
        Range => match (x, y) {
            (Term::Int(a), Term::Int(b)) => range(*a, *b),
            _ => {
                return arg_error(&format!(
                    "ranges (first..last) expect both sides to be integers, got: {}..{}",
                    inspect(x),
                    inspect(y)
                ))
            }
        },
        And | Or | AndAlso | OrElse => return error(Term::Atom(Atom::BADARG)),
    })
}

/// `Enum.member?/2`.
pub(crate) fn member(coll: &Term, x: &Term) -> Eval<bool> {
    if let Some((first, last, step)) = as_range(coll) {
        return Ok(match x {
            Term::Int(i) => {
                let within = if step > 0 { first <= *i && *i <= last } else { last <= *i && *i <= first };
                within && (i - first) % step == 0
            }
            _ => false,
        });
    }
    match coll {
        Term::List(items) => Ok(items.iter().any(|t| t == x)),
        Term::Map(es) => Ok(match x.as_tuple() {
            Some([k, v]) => coll.map_get(k).is_some_and(|found| found == v) && !es.is_empty(),
            _ => false,
        }),
        other => not_enumerable(other),
    }
}

fn type_name(t: &Term) -> &'static str {
    match t {
        Term::Atom(_) => "Atom",
        Term::Int(_) => "Integer",
        Term::Float(_) => "Float",
        Term::Str(_) => "BitString",
        Term::Tuple(_) => "Tuple",
        Term::List(_) => "List",
        Term::Map(_) => "Map",
        Term::Pid(_) => "PID",
        Term::Ref(_) => "Reference",
        Term::Fun(_) => "Function",
    }
}

fn protocol_error<T>(protocol: &str, v: &Term) -> Eval<T> {
    let msg = format!("protocol {protocol} not implemented for {} of type {}", inspect(v), type_name(v));
    error(exception(
        "Protocol.UndefinedError",
        vec![
            ("protocol", Term::atom(&format!("Elixir.{protocol}"))),
            ("value", v.clone()),
            ("message", Term::str(&msg)),
        ],
    ))
}

pub(crate) fn not_enumerable<T>(v: &Term) -> Eval<T> {
    protocol_error("Enumerable", v)
}

/// `to_string/1` (`String.Chars`), appended to `out`.
pub(crate) fn to_string_into(v: &Term, out: &mut String) -> Eval<()> {
    chardata_into(v, out, 0)
}

/// Nested chardata deeper than this is refused rather than risk the stack.
const MAX_CHARDATA_DEPTH: usize = 1000;

fn chardata_into(v: &Term, out: &mut String, depth: usize) -> Eval<()> {
    if depth > MAX_CHARDATA_DEPTH {
        return error(Term::atom("system_limit"));
    }
    match v {
        Term::Str(s) => out.push_str(s),
        Term::Atom(a) if *a == Atom::NIL => {}
        Term::Atom(a) => out.push_str(&a.name()),
        Term::Int(i) => out.push_str(&i.to_string()),
        Term::Float(_) => out.push_str(&v.to_string()),
        Term::List(items) => {
            for x in items.iter() {
                match x {
                    Term::Int(c) => match u32::try_from(*c).ok().and_then(char::from_u32) {
                        Some(ch) => out.push(ch),
                        None => return arg_error(&format!("invalid code point {c}")),
                    },
                    Term::Str(_) | Term::List(_) => chardata_into(x, out, depth + 1)?,
                    _ => return protocol_error("String.Chars", v),
                }
            }
        }
        _ => return protocol_error("String.Chars", v),
    }
    Ok(())
}

/// The elements an `Enumerable` yields: a list's items, a map's
/// `{key, value}` pairs, a range's integers.
pub(crate) fn enumerate(v: &Term) -> Eval<Vec<Term>> {
    if let Some((first, last, step)) = as_range(v) {
        let n = range_len(first, last, step);
        if n > MAX_RANGE {
            return error(Term::atom("system_limit"));
        }
        return Ok((0..n).map(|k| Term::Int(first + k * step)).collect());
    }
    match v {
        Term::List(items) => Ok(items.to_vec()),
        Term::Map(es) => Ok(es.iter().map(|(k, x)| Term::tuple(vec![k.clone(), x.clone()])).collect()),
        other => not_enumerable(other),
    }
}

/// `Enum.into/2` and `for … into:`.
pub(crate) fn into(target: Term, items: Vec<Term>) -> Eval {
    match &target {
        Term::List(a) => Ok(Term::list(a.iter().cloned().chain(items).collect::<Vec<_>>())),
        Term::Map(es) => {
            let mut entries: Vec<(Term, Term)> = es.to_vec();
            for it in items {
                match it.as_tuple() {
                    Some([k, v]) => entries.push((k.clone(), v.clone())),
                    _ => return arg_error("argument error"),
                }
            }
            Ok(Term::map(entries))
        }
        Term::Str(s) => {
            let mut out = s.to_string();
            for it in items {
                match it {
                    Term::Str(x) => out.push_str(&x),
                    other => {
                        return arg_error(&format!(
                            "expected a string to collect into a string, got: {}",
                            inspect(&other)
                        ))
                    }
                }
            }
            Ok(Term::str(&out))
        }
        other => protocol_error("Collectable", other),
    }
}

/// `term[key]` (`Access`): maps, keyword lists and `nil`.
pub(crate) fn access(m: &Term, k: &Term) -> Eval {
    match m {
        Term::Map(_) => Ok(m.map_get(k).cloned().unwrap_or_else(Term::nil)),
        Term::List(items) => {
            if k.as_atom().is_none() {
                return arg_error(&format!(
                    "the Access calls for keywords expect the key to be an atom, got: {}",
                    inspect(k)
                ));
            }
            Ok(items
                .iter()
                .find_map(|t| match t.as_tuple() {
                    Some([key, v]) if key == k => Some(v.clone()),
                    _ => None,
                })
                .unwrap_or_else(Term::nil))
        }
        Term::Atom(Atom::NIL) => Ok(Term::nil()),
        other => {
            let msg =
                format!("the Access module does not support accessing {} with key {}", inspect(other), inspect(k));
            error(exception("UndefinedFunctionError", vec![("message", Term::str(&msg))]))
        }
    }
}

fn is(b: bool) -> Option<Eval> {
    Some(Ok(Term::bool(b)))
}

/// The BIFs allowed in guards, by name; `None` when `name/arity` is not one.
pub(crate) fn guard_bif(name: &str, a: &[Term]) -> Option<Eval> {
    Some(match (name, a) {
        ("is_atom", [x]) => return is(matches!(x, Term::Atom(_))),
        ("is_binary" | "is_bitstring", [x]) => return is(matches!(x, Term::Str(_))),
        ("is_boolean", [x]) => return is(x.is_atom(Atom::TRUE) || x.is_atom(Atom::FALSE)),
        ("is_float", [x]) => return is(matches!(x, Term::Float(_))),
        ("is_integer", [x]) => return is(matches!(x, Term::Int(_))),
        ("is_number", [x]) => return is(matches!(x, Term::Int(_) | Term::Float(_))),
        ("is_list", [x]) => return is(matches!(x, Term::List(_))),
        ("is_map", [x]) => return is(matches!(x, Term::Map(_))),
        ("is_tuple", [x]) => return is(matches!(x, Term::Tuple(_))),
        ("is_pid", [x]) => return is(matches!(x, Term::Pid(_))),
        ("is_reference", [x]) => return is(matches!(x, Term::Ref(_))),
        ("is_function", [x]) => return is(matches!(x, Term::Fun(_))),
        ("is_function", [x, Term::Int(n)]) => {
            return is(matches!(x, Term::Fun(f) if f.label.contains(&format!("/{n}"))))
        }
        ("is_nil", [x]) => return is(x.is_atom(Atom::NIL)),
        ("is_struct", [x]) => return is(x.map_get(&Term::atom("__struct__")).is_some()),
        ("is_map_key", [m, k]) => match m {
            Term::Map(_) => Ok(Term::bool(m.map_get(k).is_some())),
            _ => error(Term::tuple(vec![Term::atom("badmap"), m.clone()])),
        },
        ("elem", [t, Term::Int(i)]) => match t.as_tuple() {
            Some(items) => match usize::try_from(*i).ok().and_then(|i| items.get(i)) {
                Some(v) => Ok(v.clone()),
                None => badarg(1, "out of range"),
            },
            None => badarg(2, "not a tuple"),
        },
        ("elem", [_, _]) => badarg(1, "not an integer"),
        ("tuple_size", [t]) => match t.as_tuple() {
            Some(items) => Ok(Term::Int(items.len() as i64)),
            None => badarg(1, "not a tuple"),
        },
        ("map_size", [m]) => match m.as_map() {
            Some(es) => Ok(Term::Int(es.len() as i64)),
            None => error(Term::tuple(vec![Term::atom("badmap"), m.clone()])),
        },
        ("length", [l]) => match l.as_list() {
            Some(items) => Ok(Term::Int(items.len() as i64)),
            None => badarg(1, "not a list"),
        },
        ("byte_size", [s]) => match s.as_str() {
            Some(s) => Ok(Term::Int(s.len() as i64)),
            None => badarg(1, "not a bitstring"),
        },
        ("hd", [l]) => match l.as_list().and_then(|x| x.first()) {
            Some(v) => Ok(v.clone()),
            None => badarg(1, "not a nonempty list"),
        },
        ("tl", [l]) => match l.as_list() {
            Some([_, rest @ ..]) => Ok(Term::list(rest.to_vec())),
            _ => badarg(1, "not a nonempty list"),
        },
        ("abs", [x]) => match x {
            Term::Int(i) => i.checked_abs().map(Term::Int).map_or_else(overflow, Ok),
            Term::Float(f) => Ok(Term::Float(f.abs())),
            _ => badarg(1, "not a number"),
        },
        ("div" | "rem", [x, y]) => match (x, y) {
            (Term::Int(_), Term::Int(0)) => badarith(),
            (Term::Int(a), Term::Int(b)) => {
                let r = if name == "div" { a.checked_div(*b) } else { a.checked_rem(*b) };
                r.map(Term::Int).map_or_else(overflow, Ok)
            }
            _ => badarith(),
        },
        ("round", [x]) => match x {
            Term::Int(_) => Ok(x.clone()),
            Term::Float(f) if f.abs() < 9.2e18 => Ok(Term::Int(f.round() as i64)),
            Term::Float(_) => overflow(),
            _ => badarg(1, "not a number"),
        },
        ("trunc", [x]) => match x {
            Term::Int(_) => Ok(x.clone()),
            Term::Float(f) if f.abs() < 9.2e18 => Ok(Term::Int(f.trunc() as i64)),
            Term::Float(_) => overflow(),
            _ => badarg(1, "not a number"),
        },
        ("max", [x, y]) => Ok(if y.loose_cmp(x) == Ordering::Greater { y.clone() } else { x.clone() }),
        ("min", [x, y]) => Ok(if y.loose_cmp(x) == Ordering::Less { y.clone() } else { x.clone() }),
        ("not", [x]) => match x.as_atom() {
            Some(Atom::TRUE) => Ok(Term::bool(false)),
            Some(Atom::FALSE) => Ok(Term::bool(true)),
            _ => error(Term::Atom(Atom::BADARG)),
        },
        _ => return None,
    })
}
