//! Proptest strategies for arbitrary terms, shared by tests across the crate.
//!
//! Use [`term`] for terms whose floats are finite (everything Erlang can
//! hold, and everything the Elixir printer can round-trip), and
//! [`term_any_float`] when NaN and the infinities must be covered too (for
//! example the JSON shape, which round-trips them).

use std::rc::Rc;

use proptest::prelude::*;

use super::{Atom, Pid, Ref, Term};

/// Atom names chosen to hit every printing and quoting rule.
const TRICKY_ATOMS: &[&str] = &[
    "ok",
    "error",
    "true",
    "false",
    "nil",
    "EXIT",
    "DOWN",
    "$gen_call",
    "with space",
    "Elixir",
    "Elixir.Foo",
    "Elixir.Foo.Bar",
    "Elixir.Elixir.Foo",
    "Elixir.foo",
    "Elixir.Foo.",
    "Elixir..Foo",
    "foo?",
    "bar!",
    "foo?bar",
    "Foo",
    "Foo?",
    "Foo@bar",
    "foo@bar",
    "_",
    "_x",
    "",
    "é",
    "a\"b",
    "back\\slash",
    "new\nline",
    "#{x}",
    "1abc",
    "if",
    "end",
    "else",
    "'quote'",
    "?",
    "!",
    "a.b",
    "\u{0}",
    "\u{7f}",
];

/// An atom: mostly tricky names and identifiers, sometimes any string.
pub(crate) fn atom() -> BoxedStrategy<Atom> {
    prop_oneof![
        3 => prop::sample::select(TRICKY_ATOMS).prop_map(Atom::new),
        3 => "[a-zA-Z_][a-zA-Z0-9_@]{0,6}[?!]?".prop_map(|s| Atom::new(&s)),
        1 => any::<String>().prop_map(|s| Atom::new(&s)),
    ]
    .boxed()
}

/// An atom that may be written as a keyword key (`name: value`).
pub(crate) fn keyword_atom() -> BoxedStrategy<Atom> {
    "[a-z_][a-zA-Z0-9_]{0,6}[?!]?".prop_map(|s| Atom::new(&s)).boxed()
}

/// An integer, biased towards the edges of the small-integer range and of
/// `i64`.
pub(crate) fn int() -> BoxedStrategy<i64> {
    prop_oneof![
        3 => -1000i64..1000,
        2 => any::<i64>(),
        1 => prop::sample::select(vec![
            i64::MIN,
            i64::MIN + 1,
            i64::MAX,
            -(1i64 << 59) - 1,
            -(1i64 << 59),
            (1i64 << 59) - 1,
            1i64 << 59,
            0,
            -1,
        ]),
    ]
    .boxed()
}

/// A finite float, including zeros of both signs, subnormals and extremes.
pub(crate) fn finite_float() -> BoxedStrategy<f64> {
    prop_oneof![
        3 => -1.0e6f64..1.0e6,
        3 => any::<f64>().prop_filter("finite", |f| f.is_finite()),
        1 => prop::sample::select(vec![
            0.0,
            -0.0,
            1.0,
            -1.0,
            0.1,
            100.0,
            1000.0,
            1.0e20,
            1.0e-5,
            f64::MIN_POSITIVE,
            5e-324,
            f64::MAX,
            f64::MIN,
            9007199254740993.0,
            2f64.powi(63),
        ]),
    ]
    .boxed()
}

/// Any float, NaN and the infinities included.
pub(crate) fn any_float() -> BoxedStrategy<f64> {
    prop_oneof![
        4 => finite_float(),
        1 => prop::sample::select(vec![f64::NAN, f64::INFINITY, f64::NEG_INFINITY, -f64::NAN]),
    ]
    .boxed()
}

/// A string: short readable text, any Unicode, or text full of escapes.
pub(crate) fn string() -> BoxedStrategy<String> {
    prop_oneof![
        3 => "[a-z ]{0,8}",
        2 => any::<String>(),
        2 => "[\"\\\\\n\t\r\u{0}\u{1b}\u{7f}#{}a é😀]{0,8}",
    ]
    .boxed()
}

/// A term without children, its floats drawn from `floats`.
pub(crate) fn leaf_with(floats: BoxedStrategy<f64>) -> BoxedStrategy<Term> {
    prop_oneof![
        atom().prop_map(Term::Atom),
        int().prop_map(Term::Int),
        floats.prop_map(Term::Float),
        string().prop_map(|s| Term::Str(Rc::from(s))),
        any::<u32>().prop_map(|n| Term::Pid(Pid(n))),
        any::<u64>().prop_map(|n| Term::Ref(Ref(n))),
    ]
    .boxed()
}

/// Any term whose floats are drawn from `floats`, nested a few levels deep.
pub(crate) fn term_with(floats: BoxedStrategy<f64>) -> BoxedStrategy<Term> {
    leaf_with(floats)
        .prop_recursive(4, 48, 6, |inner| {
            prop_oneof![
                prop::collection::vec(inner.clone(), 0..6).prop_map(Term::tuple),
                prop::collection::vec(inner.clone(), 0..6).prop_map(Term::list),
                prop::collection::vec((inner.clone(), inner.clone()), 0..5).prop_map(Term::map),
                prop::collection::vec((keyword_atom(), inner.clone()), 1..4).prop_map(|kw| {
                    Term::list(kw.into_iter().map(|(k, v)| Term::tuple(vec![Term::Atom(k), v])).collect::<Vec<_>>())
                }),
                prop::collection::vec((keyword_atom(), inner), 1..4)
                    .prop_map(|kw| Term::map(kw.into_iter().map(|(k, v)| (Term::Atom(k), v)))),
            ]
        })
        .boxed()
}

/// Any term with finite floats: everything the Elixir printer round-trips.
pub(crate) fn term() -> BoxedStrategy<Term> {
    term_with(finite_float())
}

/// Any term, floats including NaN and the infinities.
pub(crate) fn term_any_float() -> BoxedStrategy<Term> {
    term_with(any_float())
}
