//! Small shared helpers that keep the playground's wasm small: one stable
//! sort for every element type, and a map kept as a sorted vector.
//!
//! Every `sort_by`/`sort_by_key`/`sort` call with its own element type or
//! comparator is a fresh copy of the standard library's stable sort in the
//! wasm (about 3 KB each; sixteen of them were 47 KB of the raw playground
//! wasm), and so is every `collect` into a `BTreeMap`/`BTreeSet` (it sorts
//! its input first). The helpers here sort a vector of indices with the
//! comparison behind `dyn`, so the sort itself exists once; per element type
//! only the small permutation remains. They are for result lists and
//! analysis tables, not for the runtime kernel's hot paths.
//!
//! Measured on the playground's gzipped wasm (422,719 bytes before): the
//! shared sort, with maps built by `extend` rather than `collect`, saved
//! 7,106 bytes; [`VecMap`] in place of the `BTreeMap`s of the System's,
//! the supervisor's and control's small tables, 20,634.
//!
//! This header is the one place that says why: call sites use the helpers
//! (and build maps and sets with `extend` rather than `collect`) without a
//! comment of their own, and new code that sorts a result list or keeps a
//! small ordered table should do the same.

use std::borrow::Borrow;
use std::cmp::Ordering;

/// Sorts `v` stably by `cmp`: the same order as `v.sort_by(cmp)`.
pub fn sort_by<T>(v: &mut Vec<T>, cmp: impl Fn(&T, &T) -> Ordering) {
    if v.len() < 2 {
        return;
    }
    let order = sorted_indices(v.len(), &|a, b| cmp(&v[a], &v[b]));
    let mut slots: Vec<Option<T>> = v.drain(..).map(Some).collect();
    v.extend(order.into_iter().filter_map(|i| slots.get_mut(i).and_then(Option::take)));
}

/// Sorts `v` stably by the key `f`: the same order as `v.sort_by_key(f)`.
pub fn sort_by_key<T, K: Ord>(v: &mut Vec<T>, f: impl Fn(&T) -> K) {
    sort_by(v, |a, b| f(a).cmp(&f(b)));
}

/// Sorts `v` stably: the same order as `v.sort()`.
pub fn sort<T: Ord>(v: &mut Vec<T>) {
    sort_by(v, T::cmp);
}

/// The indices `0..n` in the stable order of `cmp`. Not generic (and not
/// inlined), so that the standard sort is instantiated for it only once.
#[inline(never)]
fn sorted_indices(n: usize, cmp: &dyn Fn(usize, usize) -> Ordering) -> Vec<usize> {
    let mut idx: Vec<usize> = (0..n).collect();
    idx.sort_by(|a, b| cmp(*a, *b));
    idx
}

/// A map kept as a vector sorted by key: `BTreeMap`'s order and the part
/// of its interface the simulator's small tables use.
///
/// Each `BTreeMap` key/value type is its own copy of the B-tree in the wasm
/// (insertion, node splits, and for removal the stealing and merging of
/// nodes: 3–7 KB per type). Here a type costs a binary search and the
/// vector's insert and remove. Lookups are as fast; inserting or removing
/// shifts the entries after it, so this is for tables of at most some
/// thousands of entries, not for the runtime kernel's hot paths.
#[derive(Clone, Debug)]
pub struct VecMap<K, V> {
    entries: Vec<(K, V)>,
}

impl<K, V> Default for VecMap<K, V> {
    fn default() -> Self {
        VecMap::new()
    }
}

impl<K, V> VecMap<K, V> {
    pub const fn new() -> Self {
        VecMap { entries: Vec::new() }
    }

    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    pub fn clear(&mut self) {
        self.entries.clear();
    }

    /// The entries in key order.
    pub fn iter(&self) -> impl DoubleEndedIterator<Item = (&K, &V)> + ExactSizeIterator {
        self.entries.iter().map(|(k, v)| (k, v))
    }

    pub fn keys(&self) -> impl DoubleEndedIterator<Item = &K> + ExactSizeIterator {
        self.entries.iter().map(|(k, _)| k)
    }

    pub fn values(&self) -> impl DoubleEndedIterator<Item = &V> + ExactSizeIterator {
        self.entries.iter().map(|(_, v)| v)
    }

    /// Keeps the entries for which `f` is true, in order.
    pub fn retain(&mut self, mut f: impl FnMut(&K, &mut V) -> bool) {
        self.entries.retain_mut(|(k, v)| f(k, v));
    }
}

impl<K: Ord, V> VecMap<K, V> {
    fn find<Q: Ord + ?Sized>(&self, key: &Q) -> Result<usize, usize>
    where
        K: Borrow<Q>,
    {
        self.entries.binary_search_by(|(k, _)| k.borrow().cmp(key))
    }

    pub fn get<Q: Ord + ?Sized>(&self, key: &Q) -> Option<&V>
    where
        K: Borrow<Q>,
    {
        self.find(key).ok().and_then(|i| self.entries.get(i)).map(|(_, v)| v)
    }

    pub fn get_mut<Q: Ord + ?Sized>(&mut self, key: &Q) -> Option<&mut V>
    where
        K: Borrow<Q>,
    {
        self.find(key).ok().and_then(|i| self.entries.get_mut(i)).map(|(_, v)| v)
    }

    pub fn contains_key<Q: Ord + ?Sized>(&self, key: &Q) -> bool
    where
        K: Borrow<Q>,
    {
        self.find(key).is_ok()
    }

    /// Sets `key` to `value`; the value it had, if any.
    pub fn insert(&mut self, key: K, value: V) -> Option<V> {
        match self.find(&key) {
            Ok(i) => self.entries.get_mut(i).map(|e| std::mem::replace(&mut e.1, value)),
            Err(i) => {
                self.entries.insert(i, (key, value));
                None
            }
        }
    }

    pub fn remove<Q: Ord + ?Sized>(&mut self, key: &Q) -> Option<V>
    where
        K: Borrow<Q>,
    {
        self.find(key).ok().map(|i| self.entries.remove(i).1)
    }

    /// The value of `key`, inserted from `make` if it has none
    /// (`entry(key).or_insert_with(make)`).
    pub fn get_or_insert_with(&mut self, key: K, make: impl FnOnce() -> V) -> &mut V {
        let i = match self.find(&key) {
            Ok(i) => i,
            Err(i) => {
                self.entries.insert(i, (key, make()));
                i
            }
        };
        &mut self.entries[i].1
    }
}

impl<K: Ord, V> Extend<(K, V)> for VecMap<K, V> {
    fn extend<I: IntoIterator<Item = (K, V)>>(&mut self, iter: I) {
        for (k, v) in iter {
            self.insert(k, v);
        }
    }
}

impl<K, V> IntoIterator for VecMap<K, V> {
    type Item = (K, V);
    type IntoIter = std::vec::IntoIter<(K, V)>;

    fn into_iter(self) -> Self::IntoIter {
        self.entries.into_iter()
    }
}

impl<'a, K, V> IntoIterator for &'a VecMap<K, V> {
    type Item = (&'a K, &'a V);
    type IntoIter = std::iter::Map<std::slice::Iter<'a, (K, V)>, fn(&'a (K, V)) -> (&'a K, &'a V)>;

    fn into_iter(self) -> Self::IntoIter {
        self.entries.iter().map(|(k, v)| (k, v))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sorts_like_the_standard_stable_sort() {
        let mut seed = 0x2545_f491_4f6c_dd1du64;
        for n in 0..200 {
            let v: Vec<(u8, usize)> = (0..n)
                .map(|i| {
                    seed ^= seed << 13;
                    seed ^= seed >> 7;
                    seed ^= seed << 17;
                    ((seed % 7) as u8, i)
                })
                .collect();
            let mut want = v.clone();
            want.sort_by_key(|x| x.0);
            let mut got = v.clone();
            sort_by_key(&mut got, |x| x.0);
            assert_eq!(got, want);
            let mut want = v.clone();
            let by = |a: &(u8, usize), b: &(u8, usize)| (b.0 % 3).cmp(&(a.0 % 3)).then(a.0.cmp(&b.0));
            want.sort_by(by);
            let mut got = v;
            sort_by(&mut got, by);
            assert_eq!(got, want);
        }
    }

    #[test]
    fn vec_map_behaves_like_a_btree_map() {
        use std::collections::BTreeMap;
        let mut seed = 0x9e37_79b9_7f4a_7c15u64;
        let mut want: BTreeMap<u8, u32> = BTreeMap::new();
        let mut got: VecMap<u8, u32> = VecMap::new();
        for n in 0..5000u32 {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            let k = (seed % 64) as u8;
            match seed % 5 {
                0 | 1 => assert_eq!(got.insert(k, n), want.insert(k, n)),
                2 => assert_eq!(got.remove(&k), want.remove(&k)),
                3 => *got.get_or_insert_with(k, || n) += 1,
                _ => got.retain(|k, v| (*k as u32 + *v) % 7 != 0),
            }
            match seed % 5 {
                3 => *want.entry(k).or_insert_with(|| n) += 1,
                4 => want.retain(|k, v| (*k as u32 + *v) % 7 != 0),
                _ => {}
            }
            assert_eq!(got.get(&k), want.get(&k));
            assert_eq!(got.contains_key(&k), want.contains_key(&k));
            assert!(got.iter().eq(want.iter()));
        }
    }
}
