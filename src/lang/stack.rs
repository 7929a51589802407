//! A guard on native stack use: nested interpreted calls (and nested
//! syntax) stop with an error before they can overflow the stack, which in
//! wasm would abort the page.
//!
//! The evaluator's nested calls are polls of nested boxed futures, so every
//! interpreted call that is not a tail call costs some kilobytes of stack,
//! and how many depends on the build (a debug build's frames are several
//! times a release build's). A count of calls cannot be right for every
//! build, so the guard measures: the address of a local is the stack
//! position, and code that has gone more than [`BUDGET`] below where it
//! started is refused. Natively and in wasm (where such a local lives on the
//! shadow stack in linear memory) the stack grows downward.

use std::cell::Cell;

/// How much stack interpreted code may use below its entry point. wasm gives
/// a page 1 MiB of stack (768 KiB leaves room for the frames above the entry
/// and for reporting the error); native threads get at least 2 MiB (Rust's
/// default for spawned threads, the test harness's included).
#[cfg(target_arch = "wasm32")]
pub(crate) const BUDGET: usize = 768 * 1024;
#[cfg(not(target_arch = "wasm32"))]
pub(crate) const BUDGET: usize = 1536 * 1024;

/// The current stack position.
#[inline(never)]
pub(crate) fn position() -> usize {
    let marker = 0u8;
    std::hint::black_box(&marker) as *const u8 as usize
}

/// A stack position to measure from, and whether the stack has gone
/// deeper than [`BUDGET`] below it.
#[derive(Default)]
pub(crate) struct Guard {
    base: Cell<usize>,
}

impl Guard {
    /// Marks the current position as the entry point when nothing is
    /// nested (`depth == 0`), and otherwise says whether the stack is
    /// exhausted.
    pub(crate) fn exhausted(&self, depth: usize) -> bool {
        let here = position();
        if depth == 0 || self.base.get() == 0 {
            self.base.set(here);
            return false;
        }
        self.base.get().saturating_sub(here) > BUDGET
    }
}
