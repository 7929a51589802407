//! Patterns and guards in Elixir syntax, compiled once and matched against
//! terms: what a probe matches messages with, and what an Elixir subset's
//! pattern matching can reuse. Needs only `term` (and `util`).
//!
//! Patterns: literals (atoms, integers, floats, strings, `true`, `false`,
//! `nil`), variables (bind on first use, must be equal on later uses), `_`
//! and `_name` (match anything), tuples, lists (with `| tail`), and maps
//! (`%{key: p}`, `%{"k" => p}`: the listed keys must be present). Guards:
//! `==`, `!=`, `===`, `!==`, `<`, `>`, `<=`, `>=` (Erlang term order),
//! `and`, `or`, `not`, parentheses, and `is_atom/1`, `is_integer/1`,
//! `is_float/1`, `is_number/1`, `is_binary/1`, `is_tuple/1`, `is_list/1`,
//! `is_map/1`, `is_pid/1`. A guard that fails to evaluate (an unbound
//! variable) is false, as in Erlang.

mod parse;

pub use parse::{parse_clause, PatternError};

use crate::term::{Atom, Term};
use crate::util::VecMap;

/// A pattern over terms.
#[derive(Clone, Debug, PartialEq)]
pub enum Pat {
    Lit(Term),
    Var(String),
    Any,
    Tuple(Vec<Pat>),
    List(Vec<Pat>, Option<Box<Pat>>),
    Map(Vec<(Term, Pat)>),
}

/// A guard expression.
#[derive(Clone, Debug, PartialEq)]
pub enum Guard {
    Lit(Term),
    Var(String),
    Cmp(CmpOp, Box<Guard>, Box<Guard>),
    And(Box<Guard>, Box<Guard>),
    Or(Box<Guard>, Box<Guard>),
    Not(Box<Guard>),
    Test(String, Box<Guard>),
}

/// A comparison operator of a guard.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum CmpOp {
    Eq,
    Ne,
    ExactEq,
    ExactNe,
    Lt,
    Gt,
    Le,
    Ge,
}

/// A clause head: a pattern with an optional guard (`pattern when guard`).
#[derive(Clone, Debug, PartialEq)]
pub struct Clause {
    pub pat: Pat,
    pub guard: Option<Guard>,
}

// A `VecMap`, not a `BTreeMap`: the B-tree for this key/value type was
// 7 KB of the wasm (see crate::util).
pub(crate) type Bindings = VecMap<String, Term>;

impl Pat {
    /// Matches `t`, binding variables.
    pub fn matches(&self, t: &Term, b: &mut Bindings) -> bool {
        match self {
            Pat::Any => true,
            Pat::Lit(l) => l == t,
            Pat::Var(v) => match b.get(v) {
                Some(x) => x == t,
                None => {
                    b.insert(v.clone(), t.clone());
                    true
                }
            },
            Pat::Tuple(ps) => match t.as_tuple() {
                Some(xs) if xs.len() == ps.len() => ps.iter().zip(xs).all(|(p, x)| p.matches(x, b)),
                _ => false,
            },
            Pat::List(ps, tail) => {
                let Some(xs) = t.as_list() else { return false };
                match tail {
                    None => xs.len() == ps.len() && ps.iter().zip(xs).all(|(p, x)| p.matches(x, b)),
                    Some(tp) => {
                        xs.len() >= ps.len()
                            && ps.iter().zip(xs).all(|(p, x)| p.matches(x, b))
                            && tp.matches(&Term::list(xs[ps.len()..].to_vec()), b)
                    }
                }
            }
            Pat::Map(es) => {
                if t.as_map().is_none() {
                    return false;
                }
                es.iter().all(|(k, p)| t.map_get(k).is_some_and(|v| p.matches(v, b)))
            }
        }
    }
}

impl Guard {
    fn value(&self, b: &Bindings) -> Option<Term> {
        match self {
            Guard::Lit(t) => Some(t.clone()),
            Guard::Var(v) => b.get(v).cloned(),
            other => other.eval(b).map(Term::bool),
        }
    }

    /// Evaluates to a boolean; `None` when evaluation fails.
    pub fn eval(&self, b: &Bindings) -> Option<bool> {
        match self {
            Guard::Lit(t) => Some(t.is_atom(Atom::TRUE)),
            Guard::Var(v) => b.get(v).map(|t| t.is_atom(Atom::TRUE)),
            Guard::Cmp(op, l, r) => {
                let (l, r) = (l.value(b)?, r.value(b)?);
                let o = l.loose_cmp(&r);
                Some(match op {
                    CmpOp::Eq => l.loose_eq(&r),
                    CmpOp::Ne => !l.loose_eq(&r),
                    CmpOp::ExactEq => l == r,
                    CmpOp::ExactNe => l != r,
                    CmpOp::Lt => o.is_lt(),
                    CmpOp::Gt => o.is_gt(),
                    CmpOp::Le => o.is_le(),
                    CmpOp::Ge => o.is_ge(),
                })
            }
            Guard::And(l, r) => Some(l.eval(b)? && r.eval(b)?),
            Guard::Or(l, r) => Some(l.eval(b)? || r.eval(b)?),
            Guard::Not(g) => g.eval(b).map(|x| !x),
            Guard::Test(f, a) => {
                let v = a.value(b)?;
                Some(match f.as_str() {
                    "is_atom" => matches!(v, Term::Atom(_)),
                    "is_integer" => matches!(v, Term::Int(_)),
                    "is_float" => matches!(v, Term::Float(_)),
                    "is_number" => matches!(v, Term::Int(_) | Term::Float(_)),
                    "is_binary" => matches!(v, Term::Str(_)),
                    "is_tuple" => matches!(v, Term::Tuple(_)),
                    "is_list" => matches!(v, Term::List(_)),
                    "is_map" => matches!(v, Term::Map(_)),
                    "is_pid" => matches!(v, Term::Pid(_)),
                    _ => return None,
                })
            }
        }
    }
}

impl Clause {
    /// Whether `t` matches the pattern and the guard holds for what it bound.
    pub fn matches(&self, t: &Term) -> bool {
        let mut b = Bindings::new();
        self.pat.matches(t, &mut b) && self.guard.as_ref().is_none_or(|g| g.eval(&b) == Some(true))
    }
}
