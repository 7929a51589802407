//! The dynamic value every message, state and exit reason is made of.
//!
//! A [`Term`] is cheap to clone: compound values share their contents behind
//! `Rc`, so a message sent to many processes is never deep-copied. Atoms are
//! interned (see [`atom`]); the atoms the runtime itself needs are constants
//! with fixed indices, so matching on them is an integer compare.
//!
//! Submodules: `atom` (interning), `order` (Erlang term order), `parse` and
//! `print` (Elixir literal syntax), `size` (flat size in words), `json`
//! (a serde shape that round-trips every term).

#[cfg(test)]
pub(crate) mod arbitrary;
mod atom;
mod json;
mod order;
mod parse;
mod print;
mod size;

use std::fmt;
use std::rc::Rc;

pub use atom::{Atom, AtomError, MAX_ATOMS, MAX_ATOM_CHARS};
pub use json::TermJson;
pub(crate) use parse::simple_escape;
pub use parse::{parse, ParseError};
pub use print::clip;
pub(crate) use print::{is_plain_atom, write_elixir_quoted};

/// A process identifier, written `#PID<0.N.0>`. `N` is never reused in a run.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Debug, Default)]
pub struct Pid(pub u32);

/// A unique reference, written `#Reference<0.0.0.N>`.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Debug, Default)]
pub struct Ref(pub u64);

impl fmt::Display for Pid {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "#PID<0.{}.0>", self.0)
    }
}

impl fmt::Display for Ref {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "#Reference<0.0.0.{}>", self.0)
    }
}

impl serde::Serialize for Pid {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.short())
    }
}

impl<'de> serde::Deserialize<'de> for Pid {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Pid, D::Error> {
        let s = String::deserialize(d)?;
        Pid::parse_short(&s).ok_or_else(|| serde::de::Error::custom(format!("not a pid: {s:?} (expected 0.N.0)")))
    }
}

impl serde::Serialize for Ref {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_u64(self.0)
    }
}

impl<'de> serde::Deserialize<'de> for Ref {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Ref, D::Error> {
        u64::deserialize(d).map(Ref)
    }
}

impl Pid {
    /// The short form `0.N.0` used in API paths.
    pub fn short(&self) -> String {
        format!("0.{}.0", self.0)
    }

    /// Parses `0.N.0`, `<0.N.0>` or `#PID<0.N.0>`.
    pub fn parse_short(s: &str) -> Option<Pid> {
        let s = s.trim();
        let s = s.strip_prefix("#PID").unwrap_or(s);
        let s = s.strip_prefix('<').and_then(|x| x.strip_suffix('>')).unwrap_or(s);
        let mut parts = s.split('.');
        let (a, b, c) = (parts.next()?, parts.next()?, parts.next()?);
        if parts.next().is_some() || a != "0" || c != "0" {
            return None;
        }
        b.parse::<u32>().ok().map(Pid)
    }
}

/// An Erlang term.
///
/// `Str` is an Elixir string (an Erlang binary holding UTF-8). Lists are
/// proper lists; improper lists and charlists are not modelled.
#[derive(Clone, Debug)]
pub enum Term {
    Atom(Atom),
    Int(i64),
    Float(f64),
    Str(Rc<str>),
    Tuple(Rc<[Term]>),
    List(Rc<[Term]>),
    /// Entries sorted by key in term order, keys unique.
    Map(Rc<[(Term, Term)]>),
    Pid(Pid),
    Ref(Ref),
    /// A function value, made by a layer above (the language's closures and
    /// captures); the term layer only orders, prints and sizes it. Behind
    /// an `Rc` so that a `Term` stays three words: every message, mailbox
    /// slot and state copy moves one.
    Fun(Rc<Fun>),
}

/// An opaque function value: `id` orders funs deterministically (the layer
/// that makes them numbers them), `label` is how `inspect` prints it, and
/// `body` is whatever the making layer needs to call it.
#[derive(Clone)]
pub struct Fun {
    pub id: u64,
    pub label: Rc<str>,
    pub body: Rc<dyn std::any::Any>,
}

impl fmt::Debug for Fun {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.label)
    }
}

impl Term {
    pub fn atom(name: &str) -> Term {
        Term::Atom(Atom::new(name))
    }

    pub fn str(s: &str) -> Term {
        Term::Str(Rc::from(s))
    }

    pub fn tuple(items: impl Into<Vec<Term>>) -> Term {
        Term::Tuple(Rc::from(items.into()))
    }

    pub fn list(items: impl Into<Vec<Term>>) -> Term {
        Term::List(Rc::from(items.into()))
    }

    /// A map from entries in any order; a later duplicate key wins.
    pub fn map(entries: impl IntoIterator<Item = (Term, Term)>) -> Term {
        let mut v: Vec<(Term, Term)> = Vec::new();
        for (k, val) in entries {
            match v.binary_search_by(|(x, _)| x.cmp(&k)) {
                Ok(i) => v[i].1 = val,
                Err(i) => v.insert(i, (k, val)),
            }
        }
        Term::Map(Rc::from(v))
    }

    pub fn ok() -> Term {
        Term::Atom(Atom::OK)
    }

    pub fn nil() -> Term {
        Term::Atom(Atom::NIL)
    }

    /// `{:ok, t}`
    pub fn ok_tuple(t: Term) -> Term {
        Term::tuple(vec![Term::Atom(Atom::OK), t])
    }

    /// `{:error, t}`
    pub fn error_tuple(t: Term) -> Term {
        Term::tuple(vec![Term::Atom(Atom::ERROR), t])
    }

    pub fn bool(b: bool) -> Term {
        Term::Atom(if b { Atom::TRUE } else { Atom::FALSE })
    }

    pub fn as_atom(&self) -> Option<Atom> {
        match self {
            Term::Atom(a) => Some(*a),
            _ => None,
        }
    }

    pub fn is_atom(&self, a: Atom) -> bool {
        matches!(self, Term::Atom(x) if *x == a)
    }

    pub fn as_int(&self) -> Option<i64> {
        match self {
            Term::Int(i) => Some(*i),
            _ => None,
        }
    }

    pub fn as_pid(&self) -> Option<Pid> {
        match self {
            Term::Pid(p) => Some(*p),
            _ => None,
        }
    }

    pub fn as_ref_(&self) -> Option<Ref> {
        match self {
            Term::Ref(r) => Some(*r),
            _ => None,
        }
    }

    pub fn as_str(&self) -> Option<&str> {
        match self {
            Term::Str(s) => Some(s),
            _ => None,
        }
    }

    pub fn as_tuple(&self) -> Option<&[Term]> {
        match self {
            Term::Tuple(t) => Some(t),
            _ => None,
        }
    }

    pub fn as_list(&self) -> Option<&[Term]> {
        match self {
            Term::List(t) => Some(t),
            _ => None,
        }
    }

    pub fn as_map(&self) -> Option<&[(Term, Term)]> {
        match self {
            Term::Map(m) => Some(m),
            _ => None,
        }
    }

    /// The value under `key` in a map.
    pub fn map_get(&self, key: &Term) -> Option<&Term> {
        let m = self.as_map()?;
        m.binary_search_by(|(k, _)| k.cmp(key)).ok().map(|i| &m[i].1)
    }

    /// A copy of this map with `key` set to `val`; `None` if not a map.
    pub fn map_put(&self, key: Term, val: Term) -> Option<Term> {
        let m = self.as_map()?;
        Some(Term::map(m.iter().cloned().chain(std::iter::once((key, val)))))
    }

    /// A tuple whose first element is the atom `tag`, and its elements.
    pub fn tagged(&self, tag: Atom) -> Option<&[Term]> {
        match self {
            Term::Tuple(t) if t.first().is_some_and(|x| x.is_atom(tag)) => Some(t),
            _ => None,
        }
    }
}

impl From<Atom> for Term {
    fn from(a: Atom) -> Term {
        Term::Atom(a)
    }
}

impl From<i64> for Term {
    fn from(i: i64) -> Term {
        Term::Int(i)
    }
}

impl From<Pid> for Term {
    fn from(p: Pid) -> Term {
        Term::Pid(p)
    }
}

impl From<Ref> for Term {
    fn from(r: Ref) -> Term {
        Term::Ref(r)
    }
}

impl From<&str> for Term {
    fn from(s: &str) -> Term {
        Term::str(s)
    }
}
