//! Erlang term order for [`Term`]: `PartialEq`, `Eq`, `PartialOrd`, `Ord` and
//! a `Hash` consistent with them.
//!
//! Types rank as in Erlang, with the kinds we do not model left out:
//!
//! ```text
//! number < atom < reference < pid < tuple < map < list < string
//! ```
//!
//! (Erlang: number < atom < reference < fun < port < pid < tuple < map < nil
//! < list < bitstring; the empty list is a `List` here, so it sorts with the
//! lists, before every non-empty list.)
//!
//! Within a type:
//!
//! - Numbers compare by exact numeric value, integers against floats too
//!   (no rounding of large integers to `f64`). When an integer and a float
//!   are numerically equal the integer sorts first, so `Int(1) < Float(1.0)`.
//!   This keeps `Ord` a total order consistent with `Eq`, and `Eq` is
//!   Erlang's exact equality `=:=`: `Int(1) != Float(1.0)`. Erlang's
//!   arithmetic comparison (`==`, where `1 == 1.0`) is [`Term::loose_cmp`].
//!   Floats compare with `f64::total_cmp`, so NaN (which Erlang cannot hold
//!   but an `f64` can) has a place: positive NaNs above `+inf`, negative NaNs
//!   below `-inf`; `-0.0 < 0.0`.
//! - Atoms compare by name, bytewise, never by interning index.
//! - References and pids compare by their number.
//! - Tuples compare by size first, then element by element.
//! - Maps compare by size, then by their keys in (our) term order, then by
//!   their values in key order. Erlang additionally orders integer keys
//!   before float keys inside maps; with our tie-break that differs only for
//!   maps holding both an integer and a float key of different value.
//! - Lists compare element by element; a proper prefix sorts first.
//! - Strings (binaries) compare bytewise.

use std::cmp::Ordering;
use std::hash::{Hash, Hasher};
use std::rc::Rc;

use super::{Atom, Term};

impl Term {
    /// The rank of this term's type in term order (numbers lowest).
    pub fn type_rank(&self) -> u8 {
        match self {
            Term::Int(_) | Term::Float(_) => 0,
            Term::Atom(_) => 1,
            Term::Ref(_) => 2,
            Term::Fun(_) => 3,
            Term::Pid(_) => 4,
            Term::Tuple(_) => 5,
            Term::Map(_) => 6,
            Term::List(_) => 7,
            Term::Str(_) => 8,
        }
    }

    /// Erlang's arithmetic term comparison, as used by `==`, `<` and
    /// friends: like [`Ord`], except that an integer and a float of the same
    /// value compare `Equal` (`1 == 1.0`), and `0.0` equals `-0.0`. Map keys
    /// still compare exactly, as in Erlang: `#{1 => a} /= #{1.0 => a}`.
    ///
    /// This is not a total order consistent with `Eq`; use it for evaluating
    /// comparisons, never as a sort or map key order.
    pub fn loose_cmp(&self, other: &Term) -> Ordering {
        cmp_terms(self, other, Mode::Loose)
    }

    /// Erlang's `==`: [`Term::loose_cmp`] returns `Equal`.
    pub fn loose_eq(&self, other: &Term) -> bool {
        self.loose_cmp(other) == Ordering::Equal
    }
}

/// Whether numbers of different kinds may compare equal.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Mode {
    /// Term order: a total order; `Int(1) < Float(1.0)`.
    Exact,
    /// Arithmetic comparison: `Int(1) == Float(1.0)`.
    Loose,
}

/// Compares two atoms by name.
fn cmp_atoms(a: Atom, b: Atom) -> Ordering {
    if a == b {
        return Ordering::Equal;
    }
    a.with_name(|x| b.with_name(|y| x.as_bytes().cmp(y.as_bytes())))
}

/// Compares an integer with a float by exact numeric value.
///
/// NaNs sort where `f64::total_cmp` puts them: a NaN with the sign bit clear
/// is above every integer, one with the sign bit set below every integer.
fn cmp_int_float(i: i64, f: f64) -> Ordering {
    // 2^63, exactly representable as an f64.
    const TWO_63: f64 = 9_223_372_036_854_775_808.0;
    if f.is_nan() {
        return if f.is_sign_negative() { Ordering::Greater } else { Ordering::Less };
    }
    if f >= TWO_63 {
        return Ordering::Less;
    }
    if f < -TWO_63 {
        return Ordering::Greater;
    }
    // Now -2^63 <= f < 2^63, so its integral part converts to i64 exactly.
    let t = f.trunc();
    let ti = t as i64;
    match i.cmp(&ti) {
        Ordering::Equal => {
            if f > t {
                Ordering::Less
            } else if f < t {
                Ordering::Greater
            } else {
                Ordering::Equal
            }
        }
        other => other,
    }
}

/// Compares two floats: total order when exact, numeric when loose (NaNs,
/// which have no numeric order, fall back to the total order).
fn cmp_floats(a: f64, b: f64, mode: Mode) -> Ordering {
    match mode {
        Mode::Exact => a.total_cmp(&b),
        Mode::Loose => a.partial_cmp(&b).unwrap_or_else(|| a.total_cmp(&b)),
    }
}

fn cmp_slices(a: &[Term], b: &[Term], mode: Mode) -> Ordering {
    for (x, y) in a.iter().zip(b.iter()) {
        match cmp_terms(x, y, mode) {
            Ordering::Equal => {}
            other => return other,
        }
    }
    a.len().cmp(&b.len())
}

fn cmp_maps(a: &[(Term, Term)], b: &[(Term, Term)], mode: Mode) -> Ordering {
    a.len()
        .cmp(&b.len())
        .then_with(|| {
            // Keys compare exactly even under `==`: `#{1 => a} /= #{1.0 => a}`.
            for ((ka, _), (kb, _)) in a.iter().zip(b.iter()) {
                match cmp_terms(ka, kb, Mode::Exact) {
                    Ordering::Equal => {}
                    other => return other,
                }
            }
            Ordering::Equal
        })
        .then_with(|| {
            for ((_, va), (_, vb)) in a.iter().zip(b.iter()) {
                match cmp_terms(va, vb, mode) {
                    Ordering::Equal => {}
                    other => return other,
                }
            }
            Ordering::Equal
        })
}

fn cmp_terms(a: &Term, b: &Term, mode: Mode) -> Ordering {
    use Term::*;
    match (a, b) {
        (Int(x), Int(y)) => x.cmp(y),
        (Float(x), Float(y)) => cmp_floats(*x, *y, mode),
        (Int(x), Float(y)) => {
            let o = cmp_int_float(*x, *y);
            match mode {
                Mode::Exact => o.then(Ordering::Less),
                Mode::Loose => o,
            }
        }
        (Float(x), Int(y)) => {
            let o = cmp_int_float(*y, *x).reverse();
            match mode {
                Mode::Exact => o.then(Ordering::Greater),
                Mode::Loose => o,
            }
        }
        (Atom(x), Atom(y)) => cmp_atoms(*x, *y),
        (Ref(x), Ref(y)) => x.cmp(y),
        (Pid(x), Pid(y)) => x.cmp(y),
        (Fun(x), Fun(y)) => x.id.cmp(&y.id),
        (Tuple(x), Tuple(y)) => {
            if Rc::ptr_eq(x, y) {
                return Ordering::Equal;
            }
            x.len().cmp(&y.len()).then_with(|| cmp_slices(x, y, mode))
        }
        (List(x), List(y)) => {
            if Rc::ptr_eq(x, y) {
                return Ordering::Equal;
            }
            cmp_slices(x, y, mode)
        }
        (Map(x), Map(y)) => {
            if Rc::ptr_eq(x, y) {
                return Ordering::Equal;
            }
            cmp_maps(x, y, mode)
        }
        (Str(x), Str(y)) => x.as_bytes().cmp(y.as_bytes()),
        _ => a.type_rank().cmp(&b.type_rank()),
    }
}

impl Ord for Term {
    fn cmp(&self, other: &Self) -> Ordering {
        cmp_terms(self, other, Mode::Exact)
    }
}

impl PartialOrd for Term {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl PartialEq for Term {
    /// Exact equality (Erlang's `=:=`), consistent with [`Ord`]: an integer
    /// never equals a float, and floats are equal when their bits are (which
    /// is when `total_cmp` says `Equal`).
    fn eq(&self, other: &Self) -> bool {
        use Term::*;
        match (self, other) {
            (Int(x), Int(y)) => x == y,
            (Float(x), Float(y)) => x.to_bits() == y.to_bits(),
            (Atom(x), Atom(y)) => x == y,
            (Ref(x), Ref(y)) => x == y,
            (Pid(x), Pid(y)) => x == y,
            (Fun(x), Fun(y)) => x.id == y.id,
            (Str(x), Str(y)) => x == y,
            (Tuple(x), Tuple(y)) | (List(x), List(y)) => {
                Rc::ptr_eq(x, y) || (x.len() == y.len() && x.iter().zip(y.iter()).all(|(a, b)| a == b))
            }
            (Map(x), Map(y)) => {
                Rc::ptr_eq(x, y)
                    || (x.len() == y.len() && x.iter().zip(y.iter()).all(|((ka, va), (kb, vb))| ka == kb && va == vb))
            }
            _ => false,
        }
    }
}

impl Eq for Term {}

impl Hash for Term {
    /// Hashes the type rank and contents; equal terms hash equally because
    /// equality is structural and exact (floats by bits, atoms by identity).
    fn hash<H: Hasher>(&self, state: &mut H) {
        // Distinguish integers from floats, which share a type rank.
        let tag: u8 = match self {
            Term::Float(_) => 9,
            other => other.type_rank(),
        };
        state.write_u8(tag);
        match self {
            Term::Int(i) => state.write_i64(*i),
            Term::Float(f) => state.write_u64(f.to_bits()),
            Term::Atom(a) => a.hash(state),
            Term::Ref(r) => r.hash(state),
            Term::Pid(p) => p.hash(state),
            Term::Fun(f) => state.write_u64(f.id),
            Term::Str(s) => s.hash(state),
            Term::Tuple(xs) | Term::List(xs) => {
                state.write_usize(xs.len());
                for x in xs.iter() {
                    x.hash(state);
                }
            }
            Term::Map(es) => {
                state.write_usize(es.len());
                for (k, v) in es.iter() {
                    k.hash(state);
                    v.hash(state);
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::arbitrary;
    use super::super::{Pid, Ref};
    use super::*;
    use proptest::prelude::*;
    use std::collections::hash_map::DefaultHasher;

    fn int(i: i64) -> Term {
        Term::Int(i)
    }

    fn float(f: f64) -> Term {
        Term::Float(f)
    }

    fn atom(s: &str) -> Term {
        Term::atom(s)
    }

    fn hash_of(t: &Term) -> u64 {
        let mut h = DefaultHasher::new();
        t.hash(&mut h);
        h.finish()
    }

    /// Checks `a` against `b` in both directions.
    fn check(a: Term, b: Term, expected: Ordering) {
        assert_eq!(a.cmp(&b), expected, "{a:?} vs {b:?}");
        assert_eq!(b.cmp(&a), expected.reverse(), "{b:?} vs {a:?}");
        assert_eq!(a == b, expected == Ordering::Equal, "{a:?} == {b:?}");
        if expected == Ordering::Equal {
            assert_eq!(hash_of(&a), hash_of(&b));
        }
    }

    fn check_loose(a: Term, b: Term, expected: Ordering) {
        assert_eq!(a.loose_cmp(&b), expected, "{a:?} vs {b:?}");
        assert_eq!(b.loose_cmp(&a), expected.reverse(), "{b:?} vs {a:?}");
    }

    #[test]
    fn types_rank_in_erlang_order() {
        // number < atom < reference < pid < tuple < map < list < string
        let ascending = vec![
            float(1.0e300),
            int(i64::MAX),
            atom(""),
            atom("zzz"),
            Term::Ref(Ref(0)),
            Term::Ref(Ref(u64::MAX)),
            Term::Pid(Pid(0)),
            Term::Pid(Pid(u32::MAX)),
            Term::tuple(vec![]),
            Term::tuple(vec![int(1), int(2), int(3)]),
            Term::map(vec![]),
            Term::map(vec![(int(1), int(2))]),
            Term::list(vec![]),
            Term::list(vec![int(1)]),
            Term::str(""),
            Term::str("zzz"),
        ];
        for (i, a) in ascending.iter().enumerate() {
            for (j, b) in ascending.iter().enumerate() {
                let expected = i.cmp(&j);
                // float(1e300) vs int(MAX) is the one numeric pair: the float is bigger.
                let expected = if (i, j) == (0, 1) {
                    Ordering::Greater
                } else if (i, j) == (1, 0) {
                    Ordering::Less
                } else {
                    expected
                };
                assert_eq!(a.cmp(b), expected, "{a:?} vs {b:?}");
            }
        }
    }

    #[test]
    fn numbers() {
        use Ordering::*;
        check(int(1), int(2), Less);
        check(int(-5), int(-5), Equal);
        check(float(1.5), float(2.5), Less);
        check(int(1), float(1.5), Less);
        check(int(2), float(1.5), Greater);
        check(int(-2), float(-1.5), Less);
        check(int(-1), float(-1.5), Greater);
        // Numerically equal: the integer sorts first, and they are not equal.
        check(int(1), float(1.0), Less);
        check(int(0), float(0.0), Less);
        check(int(0), float(-0.0), Less);
        check(float(-0.0), float(0.0), Less);
        // No rounding through f64: 2^53 + 1 is bigger than 2^53 as a float.
        check(int((1 << 53) + 1), float(9007199254740992.0), Greater);
        check(int(1 << 53), float(9007199254740992.0), Less);
        check(int(i64::MAX), float(2f64.powi(63)), Less);
        check(int(i64::MIN), float(-(2f64.powi(63))), Less);
        check(int(i64::MIN), float(-9.3e18), Greater);
        check(int(i64::MIN), float(f64::NEG_INFINITY), Greater);
        check(int(i64::MAX), float(f64::INFINITY), Less);
        check(int(i64::MAX), float(f64::NAN), Less);
        check(int(i64::MIN), float(-f64::NAN), Greater);
        check(float(f64::INFINITY), float(f64::NAN), Less);
        check(float(f64::NAN), float(f64::NAN), Equal);
        check(float(0.1), float(0.1), Equal);
    }

    #[test]
    fn loose_comparison_equates_int_and_float() {
        use Ordering::*;
        check_loose(int(1), float(1.0), Equal);
        check_loose(float(-0.0), float(0.0), Equal);
        check_loose(int(0), float(-0.0), Equal);
        check_loose(int(1), float(1.5), Less);
        check_loose(Term::tuple(vec![int(1), atom("a")]), Term::tuple(vec![float(1.0), atom("a")]), Equal);
        check_loose(Term::list(vec![int(1), int(3)]), Term::list(vec![float(1.0), int(2)]), Greater);
        check_loose(Term::map(vec![(atom("a"), int(1))]), Term::map(vec![(atom("a"), float(1.0))]), Equal);
        check_loose(Term::map(vec![(int(1), atom("a"))]), Term::map(vec![(float(1.0), atom("a"))]), Less);
        assert!(int(1).loose_eq(&float(1.0)));
        assert!(!int(1).loose_eq(&atom("a")));
    }

    #[test]
    fn atoms_compare_by_name_not_index() {
        use Ordering::*;
        // `ok` is interned first (index 0) but sorts after `abc`.
        let late = atom("abc_interned_late");
        check(late.clone(), Term::ok(), Less);
        check(atom("EXIT"), atom("abc"), Less);
        check(atom("a"), atom("ab"), Less);
        check(atom("ok"), Term::ok(), Equal);
        check(atom("é"), atom("z"), Greater);
    }

    #[test]
    fn tuples_compare_by_size_first() {
        use Ordering::*;
        let t = |xs: Vec<Term>| Term::tuple(xs);
        check(t(vec![int(9)]), t(vec![int(1), int(1)]), Less);
        check(t(vec![int(1), int(2)]), t(vec![int(1), int(3)]), Less);
        check(t(vec![int(1), atom("a")]), t(vec![int(1), atom("a")]), Equal);
        check(t(vec![]), t(vec![]), Equal);
    }

    #[test]
    fn lists_compare_lexicographically() {
        use Ordering::*;
        let l = |xs: Vec<Term>| Term::list(xs);
        check(l(vec![int(9)]), l(vec![int(1), int(1)]), Greater);
        check(l(vec![int(1)]), l(vec![int(1), int(1)]), Less);
        check(l(vec![]), l(vec![int(1)]), Less);
        check(l(vec![int(1), int(2)]), l(vec![int(1), int(2)]), Equal);
    }

    #[test]
    fn maps_compare_by_size_then_keys_then_values() {
        use Ordering::*;
        let m = |xs: Vec<(Term, Term)>| Term::map(xs);
        check(m(vec![(atom("z"), int(9))]), m(vec![(atom("a"), int(1)), (atom("b"), int(1))]), Less);
        check(m(vec![(atom("a"), int(9))]), m(vec![(atom("b"), int(1))]), Less);
        check(
            m(vec![(atom("a"), int(1)), (atom("b"), int(9))]),
            m(vec![(atom("a"), int(2)), (atom("b"), int(0))]),
            Less,
        );
        check(
            m(vec![(atom("b"), int(1)), (atom("a"), int(2))]),
            m(vec![(atom("a"), int(2)), (atom("b"), int(1))]),
            Equal,
        );
    }

    #[test]
    fn strings_compare_bytewise() {
        use Ordering::*;
        check(Term::str("a"), Term::str("b"), Less);
        check(Term::str("a"), Term::str("ab"), Less);
        check(Term::str("Z"), Term::str("a"), Less);
        check(Term::str("é"), Term::str("z"), Greater);
        check(Term::str("same"), Term::str("same"), Equal);
    }

    #[test]
    fn map_constructor_sorts_keys_in_term_order() {
        let m = Term::map(vec![(Term::str("s"), int(1)), (atom("b"), int(2)), (int(3), int(3)), (atom("a"), int(4))]);
        let keys: Vec<Term> = m.as_map().unwrap_or(&[]).iter().map(|(k, _)| k.clone()).collect();
        assert_eq!(keys, vec![int(3), atom("a"), atom("b"), Term::str("s")]);
    }

    proptest! {
        #[test]
        fn ord_is_reflexive_and_consistent_with_eq_and_hash(a in arbitrary::term_any_float(), b in arbitrary::term_any_float()) {
            prop_assert_eq!(a.cmp(&a), Ordering::Equal);
            prop_assert!(a == a.clone());
            prop_assert_eq!(a.cmp(&b), b.cmp(&a).reverse());
            prop_assert_eq!(a == b, a.cmp(&b) == Ordering::Equal);
            if a == b {
                prop_assert_eq!(hash_of(&a), hash_of(&b));
            }
        }

        #[test]
        fn ord_is_transitive(mut v in prop::collection::vec(arbitrary::term_any_float(), 3)) {
            v.sort();
            prop_assert!(v[0] <= v[1] && v[1] <= v[2] && v[0] <= v[2]);
        }

        #[test]
        fn int_float_order_matches_exact_arithmetic(i in arbitrary::int(), f in arbitrary::finite_float()) {
            // i128 holds every i64 and the integral part of every f64 below 2^127.
            let expected = if f.abs() >= 1.0e30 {
                if f > 0.0 { Ordering::Less } else { Ordering::Greater }
            } else {
                let t = f.trunc();
                (i as i128).cmp(&(t as i128)).then_with(|| {
                    if f > t { Ordering::Less } else if f < t { Ordering::Greater } else { Ordering::Equal }
                })
            };
            prop_assert_eq!(int(i).loose_cmp(&float(f)), expected);
            prop_assert_eq!(int(i).cmp(&float(f)), expected.then(Ordering::Less));
        }
    }
}
