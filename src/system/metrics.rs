//! The metrics sampler's data: bounded time series on virtual time, for the
//! whole system and for the processes being watched or queueing messages.
//!
//! Every series is a ring buffer of [`SERIES_CAPACITY`] samples; at most
//! [`MAX_PROCESS_SERIES`] processes have a series at once.

use crate::term::Pid;
use crate::util::VecMap;
use serde::Serialize;
use std::collections::{BTreeSet, VecDeque};

/// Samples kept per series (at the default 100 ms, one minute).
pub const SERIES_CAPACITY: usize = 600;
/// Processes with a series at once.
pub const MAX_PROCESS_SERIES: usize = 2048;

/// One sample of the whole system.
#[derive(Clone, Copy, Debug, Serialize, PartialEq)]
pub struct SystemSample {
    pub at_ms: f64,
    pub processes: usize,
    /// Total estimated memory of every process, in words.
    pub memory_words: u64,
    pub messages_per_s: f64,
    pub restarts_per_s: f64,
    pub reductions_per_s: f64,
    pub run_queue: usize,
}

/// One sample of one process.
#[derive(Clone, Copy, Debug, Serialize, PartialEq)]
pub struct ProcSample {
    pub at_ms: f64,
    pub queue_len: usize,
    pub memory_words: usize,
    pub reductions: u64,
    pub messages_in: u64,
    pub messages_out: u64,
}

/// The blocked calls seen at one sample: (caller, callee) pairs.
#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct BlockedSample {
    pub at_ms: f64,
    pub edges: Vec<(Pid, Pid)>,
}

/// A bounded ring of samples.
#[derive(Clone, Debug, Serialize)]
pub struct Ring<T> {
    items: VecDeque<T>,
}

impl<T> Default for Ring<T> {
    fn default() -> Ring<T> {
        Ring { items: VecDeque::new() }
    }
}

impl<T: Clone> Ring<T> {
    pub fn push(&mut self, x: T) {
        if self.items.len() >= SERIES_CAPACITY {
            self.items.pop_front();
        }
        self.items.push_back(x);
    }

    pub fn iter(&self) -> impl DoubleEndedIterator<Item = &T> + ExactSizeIterator {
        self.items.iter()
    }

    pub fn last(&self) -> Option<&T> {
        self.items.back()
    }

    pub fn len(&self) -> usize {
        self.items.len()
    }

    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }

    pub fn to_vec(&self) -> Vec<T> {
        self.items.iter().cloned().collect()
    }
}

/// All series.
#[derive(Debug, Default)]
pub struct Metrics {
    pub system: Ring<SystemSample>,
    pub procs: VecMap<Pid, Ring<ProcSample>>,
    /// Processes that keep a series whatever their queue.
    pub watched: BTreeSet<Pid>,
    /// Blocked synchronous calls at each sample (at most 10,000 per sample).
    pub blocked: Ring<BlockedSample>,
    /// How many system samples were ever taken (the index of the next one).
    pub taken: u64,
}

/// Least-squares slope of `ys` over `xs`; zero with fewer than two points.
pub fn slope(points: &[(f64, f64)]) -> f64 {
    let n = points.len() as f64;
    if points.len() < 2 {
        return 0.0;
    }
    let mx = points.iter().map(|p| p.0).sum::<f64>() / n;
    let my = points.iter().map(|p| p.1).sum::<f64>() / n;
    let num: f64 = points.iter().map(|p| (p.0 - mx) * (p.1 - my)).sum();
    let den: f64 = points.iter().map(|p| (p.0 - mx) * (p.0 - mx)).sum();
    if den == 0.0 {
        0.0
    } else {
        num / den
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slope_of_a_line_and_a_flat_series() {
        assert!((slope(&[(0.0, 1.0), (1.0, 3.0), (2.0, 5.0)]) - 2.0).abs() < 1e-9);
        assert_eq!(slope(&[(0.0, 4.0), (1.0, 4.0), (2.0, 4.0)]), 0.0);
        assert_eq!(slope(&[(0.0, 4.0)]), 0.0);
    }

    #[test]
    fn rings_are_bounded() {
        let mut r: Ring<u32> = Ring::default();
        for i in 0..(SERIES_CAPACITY as u32 + 10) {
            r.push(i);
        }
        assert_eq!(r.len(), SERIES_CAPACITY);
        assert_eq!(r.iter().next(), Some(&10));
    }
}
