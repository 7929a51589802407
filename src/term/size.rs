//! The size of a term in machine words, as `erts_debug:flat_size/1` reports
//! it on a 64-bit BEAM: [`Term::flat_size`] and [`Term::memory_bytes`].

use super::Term;

/// The smallest integer the BEAM keeps immediate on 64-bit (`-2^59`).
const MIN_SMALL: i64 = -(1 << 59);
/// The largest integer the BEAM keeps immediate on 64-bit (`2^59 - 1`).
const MAX_SMALL: i64 = (1 << 59) - 1;
/// Binaries up to this many bytes live on the process heap.
const HEAP_BINARY_LIMIT: usize = 64;
/// Maps with up to this many keys are flatmaps; larger ones are HAMTs.
const FLATMAP_LIMIT: usize = 32;
/// Bytes in a machine word on a 64-bit BEAM.
const WORD_BYTES: usize = 8;

impl Term {
    /// The heap words this term occupies on a 64-bit BEAM, like
    /// `erts_debug:flat_size/1`: the words a copy of it (in a message, say)
    /// would take, not counting the one word that refers to it, and not
    /// counting sharing (a subterm referred to twice counts twice).
    ///
    /// By kind:
    ///
    /// | term | words |
    /// |---|---|
    /// | atom, local pid, integer in `-2^59 ..= 2^59-1` | 0 (immediate) |
    /// | other integer (a one-digit bignum) | 2: header + digit |
    /// | float | 2: header + value |
    /// | reference | 3: header + 2 words of reference number |
    /// | string of `n ≤ 64` bytes (heap binary) | 2 + ⌈n / 8⌉: header + size + data |
    /// | string of `n > 64` bytes (refc binary) | 6: the `ProcBin` (the data lives off-heap and is not counted) |
    /// | tuple of arity `n` | 1 + n + children: header + elements |
    /// | list of length `n` | 2n + children: a cons cell per element (`[]` is immediate) |
    /// | map of `n ≤ 32` keys (flatmap) | 4 + 2n + children: header + size + keys pointer, the keys tuple (1 + n), n values |
    /// | map of `n > 32` keys (HAMT) | 3n + ⌊8n / 10⌋ + children |
    ///
    /// The HAMT figure is ERTS's own estimate (`HASHMAP_ESTIMATED_HEAP_SIZE`
    /// in `erl_map.h`: 3 words per key for its cons cell and the pointer to
    /// it, plus 2 words per inner node at about 0.4 nodes per key); the exact
    /// size depends on key hashes. Binaries follow the layout before OTP 27
    /// (where a `ProcBin` is 6 words). `children` is the sum of the
    /// children's own flat sizes; for maps, keys and values both count.
    pub fn flat_size(&self) -> usize {
        match self {
            Term::Atom(_) | Term::Pid(_) => 0,
            Term::Int(i) => {
                if (MIN_SMALL..=MAX_SMALL).contains(i) {
                    0
                } else {
                    2
                }
            }
            Term::Float(_) => 2,
            Term::Ref(_) => 3,
            // A local fun: ErlFunThing's header words plus its environment,
            // which this layer cannot see.
            Term::Fun(_) => 5,
            Term::Str(s) => binary_words(s.len()),
            Term::Tuple(xs) => 1 + xs.len() + xs.iter().map(Term::flat_size).sum::<usize>(),
            Term::List(xs) => 2 * xs.len() + xs.iter().map(Term::flat_size).sum::<usize>(),
            Term::Map(es) => {
                let n = es.len();
                let own = if n <= FLATMAP_LIMIT { 4 + 2 * n } else { 3 * n + 2 * n * 4 / 10 };
                own + es.iter().map(|(k, v)| k.flat_size() + v.flat_size()).sum::<usize>()
            }
        }
    }

    /// [`Term::flat_size`] in bytes (8 per word).
    pub fn memory_bytes(&self) -> usize {
        self.flat_size() * WORD_BYTES
    }
}

/// Words for a binary of `bytes` bytes: a heap binary when small, else a
/// `ProcBin` pointing at off-heap data.
fn binary_words(bytes: usize) -> usize {
    if bytes <= HEAP_BINARY_LIMIT {
        2 + bytes.div_ceil(WORD_BYTES)
    } else {
        6
    }
}

#[cfg(test)]
mod tests {
    use super::super::{arbitrary, parse, Term};
    use proptest::prelude::*;

    /// Checks the flat size of the term written `src`.
    fn check(src: &str, expected: usize) {
        match parse(src) {
            Ok(t) => {
                assert_eq!(t.flat_size(), expected, "flat_size({src})");
                assert_eq!(t.memory_bytes(), expected * 8, "memory_bytes({src})");
            }
            Err(e) => panic!("test input {src:?} does not parse: {e}"),
        }
    }

    #[test]
    fn immediates_take_no_words() {
        check(":ok", 0);
        check("nil", 0);
        check("0", 0);
        check("-1", 0);
        check("576460752303423487", 0); // 2^59 - 1
        check("-576460752303423488", 0); // -2^59
        check("#PID<0.42.0>", 0);
        check("[]", 0);
    }

    #[test]
    fn boxed_scalars() {
        check("576460752303423488", 2); // 2^59: a bignum
        check("-576460752303423489", 2);
        check("9223372036854775807", 2);
        check("-9223372036854775808", 2);
        check("1.0", 2);
        check("#Reference<0.0.0.7>", 3);
    }

    #[test]
    fn binaries() {
        check("\"\"", 2);
        check("\"a\"", 3);
        check("\"12345678\"", 3);
        check("\"123456789\"", 4);
        check(&format!("\"{}\"", "x".repeat(64)), 10);
        check(&format!("\"{}\"", "x".repeat(65)), 6);
        check(&format!("\"{}\"", "x".repeat(10_000)), 6);
        // Bytes, not characters: "é" is two bytes.
        check(&format!("\"{}\"", "é".repeat(32)), 10);
        check(&format!("\"{}\"", "é".repeat(33)), 6);
    }

    #[test]
    fn compounds() {
        check("{}", 1);
        check("{:inc, 5}", 3);
        check("{:a, {:b, :c}}", 3 + 3);
        check("{1.0}", 2 + 2);
        check("[1, 2, 3]", 6);
        check("[[1], [2]]", 4 + 2 + 2);
        check("[a: 1]", 2 + 3);
        check("%{}", 4);
        check("%{a: 1}", 6);
        check("%{a: 1, b: 2}", 8);
        check("%{\"k\" => 1.0}", 6 + 3 + 2);
        check("{:ok, \"abc\", #Reference<0.0.0.1>}", 4 + 3 + 3);
    }

    #[test]
    fn large_maps_use_the_hamt_estimate() {
        let map_of = |n: i64| Term::map((0..n).map(|i| (Term::Int(i), Term::Int(i))));
        assert_eq!(map_of(32).flat_size(), 4 + 64);
        assert_eq!(map_of(33).flat_size(), 99 + 26);
        assert_eq!(map_of(100).flat_size(), 300 + 80);
    }

    proptest! {
        #[test]
        fn size_is_the_sum_of_the_parts(t in arbitrary::term()) {
            let children: usize = match &t {
                Term::Tuple(xs) | Term::List(xs) => xs.iter().map(Term::flat_size).sum(),
                Term::Map(es) => es.iter().map(|(k, v)| k.flat_size() + v.flat_size()).sum(),
                _ => 0,
            };
            prop_assert!(t.flat_size() >= children);
            prop_assert_eq!(t.memory_bytes(), t.flat_size() * 8);
        }
    }
}
