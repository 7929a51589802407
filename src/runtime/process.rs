//! One process's record in the kernel's table: mailbox, links, monitors,
//! flags, counters and its body (an async task).
//!
//! Rarely used fields live in a boxed [`Extra`] so that an idle process
//! stays small (the benchmark target is under 512 bytes each).

use crate::runtime::time::VTime;
use crate::term::{Atom, Pid, Ref, Term};
use serde::Serialize;
use std::collections::{BTreeSet, VecDeque};
use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;

/// A process body: an async task that ends with the exit reason.
pub type Body = Pin<Box<dyn Future<Output = Term>>>;

/// Where a process is in its life.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    /// In the run queue.
    Runnable,
    /// Being polled right now.
    Running,
    /// Blocked in a receive or a sleep.
    Waiting,
    /// Dead, its exit being handled.
    Exiting,
}

/// A message in a mailbox, with the flow token it carries (0: none).
#[derive(Clone, Debug)]
pub struct Msg {
    pub term: Term,
    pub token: u64,
}

/// A monitor this process holds on another (or that another holds on it).
#[derive(Clone, Copy, Debug)]
pub struct MonitorEntry {
    pub mref: Ref,
    pub other: Pid,
}

/// One side of a process's monitors, ordered by monitor reference.
///
/// Most processes hold no monitor or exactly one (a caller's monitor on a
/// server during a call, a parent's on a child), so one entry is kept
/// inline and only more spill into a boxed deque. References are made in
/// increasing order and every new monitor is appended on both sides, so
/// the deque stays sorted by appending and a monitor is found by binary
/// search; removing at either end is O(1). A process that monitors many
/// short-lived ones (a pool, the spawn benchmark's 100,000 children) sees
/// them go roughly oldest first, which a plain vector would turn into
/// quadratic shifting.
#[derive(Clone, Debug, Default)]
pub enum MonitorList {
    #[default]
    Empty,
    One(MonitorEntry),
    Many(Box<VecDeque<MonitorEntry>>),
}

impl MonitorList {
    pub fn push(&mut self, e: MonitorEntry) {
        match self {
            MonitorList::Empty => *self = MonitorList::One(e),
            MonitorList::One(first) => {
                let mut q = VecDeque::with_capacity(4);
                if first.mref <= e.mref {
                    q.extend([*first, e]);
                } else {
                    q.extend([e, *first]);
                }
                *self = MonitorList::Many(Box::new(q));
            }
            MonitorList::Many(q) => match q.back() {
                Some(last) if last.mref > e.mref => {
                    let i = q.partition_point(|m| m.mref < e.mref);
                    q.insert(i, e);
                }
                _ => q.push_back(e),
            },
        }
    }

    /// Removes the monitor with this reference, if present.
    pub fn remove(&mut self, mref: Ref) -> Option<MonitorEntry> {
        match self {
            MonitorList::Empty => None,
            MonitorList::One(m) if m.mref == mref => {
                let m = *m;
                *self = MonitorList::Empty;
                Some(m)
            }
            MonitorList::One(_) => None,
            MonitorList::Many(q) => {
                // The newest is the likeliest to go (a call's monitor).
                if q.back().is_some_and(|m| m.mref == mref) {
                    return q.pop_back();
                }
                let i = q.binary_search_by(|m| m.mref.cmp(&mref)).ok()?;
                q.remove(i)
            }
        }
    }

    pub fn get(&self, mref: Ref) -> Option<&MonitorEntry> {
        match self {
            MonitorList::Empty => None,
            MonitorList::One(m) => (m.mref == mref).then_some(m),
            MonitorList::Many(q) => q.binary_search_by(|m| m.mref.cmp(&mref)).ok().and_then(|i| q.get(i)),
        }
    }

    pub fn iter(&self) -> MonitorIter<'_> {
        match self {
            MonitorList::Empty => MonitorIter::Slice([].iter()),
            MonitorList::One(m) => MonitorIter::Slice(std::slice::from_ref(m).iter()),
            MonitorList::Many(q) => MonitorIter::Deque(q.iter()),
        }
    }

    pub fn len(&self) -> usize {
        match self {
            MonitorList::Empty => 0,
            MonitorList::One(_) => 1,
            MonitorList::Many(q) => q.len(),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Heap bytes held (for memory figures).
    pub fn heap_bytes(&self) -> usize {
        match self {
            MonitorList::Many(q) => std::mem::size_of_val(&**q) + q.capacity() * std::mem::size_of::<MonitorEntry>(),
            _ => 0,
        }
    }
}

/// Iterator over a [`MonitorList`].
pub enum MonitorIter<'a> {
    Slice(std::slice::Iter<'a, MonitorEntry>),
    Deque(std::collections::vec_deque::Iter<'a, MonitorEntry>),
}

impl<'a> Iterator for MonitorIter<'a> {
    type Item = &'a MonitorEntry;
    fn next(&mut self) -> Option<&'a MonitorEntry> {
        match self {
            MonitorIter::Slice(i) => i.next(),
            MonitorIter::Deque(i) => i.next(),
        }
    }
}

impl<'a> IntoIterator for &'a MonitorList {
    type Item = &'a MonitorEntry;
    type IntoIter = MonitorIter<'a>;
    fn into_iter(self) -> Self::IntoIter {
        self.iter()
    }
}

/// Owning iterator over a [`MonitorList`].
pub enum MonitorIntoIter {
    One(Option<MonitorEntry>),
    Deque(std::collections::vec_deque::IntoIter<MonitorEntry>),
}

impl Iterator for MonitorIntoIter {
    type Item = MonitorEntry;
    fn next(&mut self) -> Option<MonitorEntry> {
        match self {
            MonitorIntoIter::One(m) => m.take(),
            MonitorIntoIter::Deque(i) => i.next(),
        }
    }
}

impl IntoIterator for MonitorList {
    type Item = MonitorEntry;
    type IntoIter = MonitorIntoIter;
    fn into_iter(self) -> Self::IntoIter {
        match self {
            MonitorList::Empty => MonitorIntoIter::One(None),
            MonitorList::One(m) => MonitorIntoIter::One(Some(m)),
            MonitorList::Many(q) => MonitorIntoIter::Deque(q.into_iter()),
        }
    }
}

pub struct Proc {
    pub pid: Pid,
    pub status: Status,
    /// In the run queue already (so it is never queued twice).
    pub queued: bool,
    /// `erlang:suspend_process` count: not polled while above zero.
    ///
    /// Sixteen bits (saturating at 65,535 nested suspensions) so that the
    /// small fields pack into one word with the flags: the record of an
    /// idle process is what 100,000 of them cost.
    pub suspended: u16,
    pub trap_exit: bool,
    pub mailbox: VecDeque<Msg>,
    pub links: BTreeSet<Pid>,
    /// The same links shaped as ERTS's link tree, which decides the order
    /// in which a dying process signals them (see `linktree.rs`). Boxed and
    /// absent while the process has no links, to keep idle processes small.
    pub(crate) link_tree: Option<Box<crate::runtime::linktree::LinkTree>>,
    /// Monitors this process holds (it is the watcher).
    pub monitors: MonitorList,
    /// Monitors others hold on this process.
    pub monitored_by: MonitorList,
    /// A fatal exit signal waiting to be handled when the process is next
    /// scheduled (signals are handled by the receiver, as in ERTS). Boxed:
    /// it is rare, and a word is all an idle process should pay for it.
    pub pending_exit: Option<Box<Term>>,
    /// An exit caught by an enclosing `Ctx::catch`.
    pub caught_exit: Option<Box<Term>>,
    pub catch_depth: u16,
    /// Bumped whenever a wait ends, so stale timer wake-ups are ignored.
    pub wait_token: u32,
    pub timed_out: bool,
    pub reductions: u64,
    pub msgs_in: u64,
    pub msgs_out: u64,
    /// The message-flow token this process carries, like seq_trace (0:
    /// none). Kept here rather than in [`Extra`] because every send reads
    /// it and every receive writes it.
    pub token: u64,
    pub body: Option<Body>,
    pub extra: Option<Box<Extra>>,
}

/// The rarely used part of a process record.
#[derive(Default)]
pub struct Extra {
    pub name: Option<Atom>,
    pub parent: Option<Pid>,
    pub ancestors: Vec<Pid>,
    pub initial_call: Option<Rc<str>>,
    pub current_function: Option<Rc<str>>,
    /// The behaviour module, for `find_processes_by_module`.
    pub module: Option<Rc<str>>,
    pub dictionary: Vec<(Term, Term)>,
    pub spawned_at: VTime,
    /// Set by the GenServer loop: the server's state is readable.
    pub gen_server: bool,
    /// Set by the Supervisor: this process is a supervisor.
    pub supervisor: bool,
}

impl Proc {
    pub fn new(pid: Pid) -> Proc {
        Proc {
            pid,
            status: Status::Runnable,
            queued: false,
            suspended: 0,
            trap_exit: false,
            mailbox: VecDeque::new(),
            links: BTreeSet::new(),
            link_tree: None,
            monitors: MonitorList::default(),
            monitored_by: MonitorList::default(),
            pending_exit: None,
            caught_exit: None,
            catch_depth: 0,
            wait_token: 0,
            timed_out: false,
            reductions: 0,
            msgs_in: 0,
            msgs_out: 0,
            token: 0,
            body: None,
            extra: None,
        }
    }

    pub fn extra(&self) -> Option<&Extra> {
        self.extra.as_deref()
    }

    pub fn extra_mut(&mut self) -> &mut Extra {
        self.extra.get_or_insert_with(Default::default)
    }

    pub fn name(&self) -> Option<Atom> {
        self.extra().and_then(|e| e.name)
    }

    pub fn parent(&self) -> Option<Pid> {
        self.extra().and_then(|e| e.parent)
    }

    pub fn is_alive(&self) -> bool {
        self.status != Status::Exiting
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn e(r: u64) -> MonitorEntry {
        MonitorEntry { mref: Ref(r), other: Pid(r as u32) }
    }

    fn refs(l: &MonitorList) -> Vec<u64> {
        l.iter().map(|m| m.mref.0).collect()
    }

    #[test]
    fn monitor_list_keeps_reference_order_through_every_shape() {
        let mut l = MonitorList::default();
        assert!(l.is_empty());
        l.push(e(5));
        assert!(matches!(l, MonitorList::One(_)));
        // Out-of-order pushes (never made by the kernel) still sort.
        for r in [9, 7, 1, 8] {
            l.push(e(r));
        }
        assert_eq!(refs(&l), vec![1, 5, 7, 8, 9]);
        assert_eq!(l.get(Ref(7)).map(|m| m.other), Some(Pid(7)));
        assert!(l.get(Ref(6)).is_none());
        // Newest, oldest, middle, absent.
        assert_eq!(l.remove(Ref(9)).map(|m| m.mref), Some(Ref(9)));
        assert_eq!(l.remove(Ref(1)).map(|m| m.mref), Some(Ref(1)));
        assert_eq!(l.remove(Ref(7)).map(|m| m.mref), Some(Ref(7)));
        assert!(l.remove(Ref(7)).is_none());
        assert_eq!(refs(&l), vec![5, 8]);
        assert_eq!(l.len(), 2);
        assert_eq!(l.clone().into_iter().map(|m| m.mref.0).collect::<Vec<_>>(), vec![5, 8]);
    }

    #[test]
    fn a_single_monitor_needs_no_heap() {
        let mut l = MonitorList::default();
        l.push(e(3));
        assert_eq!(l.heap_bytes(), 0);
        assert_eq!(l.clone().into_iter().count(), 1);
        assert!(l.remove(Ref(4)).is_none());
        assert!(l.remove(Ref(3)).is_some());
        assert!(l.is_empty());
        assert_eq!(l.into_iter().count(), 0);
    }
}
