//! Persistence simulation for sandbox workers: the [`Storage`] trait and
//! its in-memory implementation, which outlives the worker processes that
//! save into it, so a restarted worker finds what its predecessor saved.

use crate::term::Term;
use crate::util::VecMap;
use std::cell::RefCell;

/// Where workers persist state: a key-value store of terms.
pub trait Storage {
    /// The record saved under `key`, if any.
    fn load(&self, key: &str) -> Option<Term>;
    /// Saves `record` under `key`; returns false when the store refused it.
    fn save(&self, key: &str, record: Term) -> bool;
    /// Removes the record under `key`.
    fn delete(&self, key: &str);
}

/// How many keys a [`MemoryStorage`] holds at most.
pub const MAX_KEYS: usize = 10_000;

/// An in-memory [`Storage`] (a map sorted by key, so iteration is ordered).
#[derive(Default)]
pub struct MemoryStorage {
    records: RefCell<VecMap<String, Term>>,
}

impl MemoryStorage {
    pub fn new() -> MemoryStorage {
        MemoryStorage::default()
    }

    /// The stored keys, in order.
    pub fn keys(&self) -> Vec<String> {
        self.records.borrow().keys().cloned().collect()
    }
}

impl Storage for MemoryStorage {
    fn load(&self, key: &str) -> Option<Term> {
        self.records.borrow().get(key).cloned()
    }

    fn save(&self, key: &str, record: Term) -> bool {
        let mut r = self.records.borrow_mut();
        if r.len() >= MAX_KEYS && !r.contains_key(key) {
            return false;
        }
        r.insert(key.to_string(), record);
        true
    }

    fn delete(&self, key: &str) {
        self.records.borrow_mut().remove(key);
    }
}
