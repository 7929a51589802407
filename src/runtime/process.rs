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

/// Iterator over a [`MonitorList`].
pub type MonitorIter<'a> =
    std::iter::Flatten<std::option::IntoIter<std::collections::vec_deque::Iter<'a, MonitorEntry>>>;

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
/// References are made in increasing order and every new monitor is
/// appended on both sides, so the list stays sorted by appending, and a
/// monitor is found by binary search. A deque makes removal at either end
/// O(1): a process that monitors many short-lived ones (a pool, the spawn
/// benchmark's 100,000 children) sees them go roughly oldest first, which
/// a plain vector would turn into quadratic shifting. The deque is boxed
/// on first use, so that the many processes that never monitor (or are
/// never monitored) pay one word for it.
#[derive(Clone, Debug, Default)]
pub struct MonitorList(Option<Box<VecDeque<MonitorEntry>>>);

impl MonitorList {
    pub fn push(&mut self, e: MonitorEntry) {
        let q = self.0.get_or_insert_with(Default::default);
        match q.back() {
            Some(last) if last.mref > e.mref => {
                let i = q.partition_point(|m| m.mref < e.mref);
                q.insert(i, e);
            }
            _ => q.push_back(e),
        }
    }

    /// Removes the monitor with this reference, if present.
    pub fn remove(&mut self, mref: Ref) -> Option<MonitorEntry> {
        let q = self.0.as_mut()?;
        // The newest is the likeliest to go (a call's monitor), then the oldest.
        if q.back().is_some_and(|m| m.mref == mref) {
            return q.pop_back();
        }
        let i = q.binary_search_by(|m| m.mref.cmp(&mref)).ok()?;
        q.remove(i)
    }

    pub fn get(&self, mref: Ref) -> Option<&MonitorEntry> {
        let q = self.0.as_ref()?;
        let i = q.binary_search_by(|m| m.mref.cmp(&mref)).ok()?;
        q.get(i)
    }

    pub fn iter(&self) -> MonitorIter<'_> {
        self.0.as_ref().map(|q| q.iter()).into_iter().flatten()
    }

    pub fn len(&self) -> usize {
        self.0.as_ref().map_or(0, |q| q.len())
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Heap bytes held (for memory figures).
    pub fn heap_bytes(&self) -> usize {
        self.0.as_ref().map_or(0, |q| std::mem::size_of_val(&**q) + q.capacity() * std::mem::size_of::<MonitorEntry>())
    }
}

impl<'a> IntoIterator for &'a MonitorList {
    type Item = &'a MonitorEntry;
    type IntoIter = MonitorIter<'a>;
    fn into_iter(self) -> Self::IntoIter {
        self.iter()
    }
}

impl IntoIterator for MonitorList {
    type Item = MonitorEntry;
    type IntoIter = std::iter::Flatten<std::option::IntoIter<std::collections::vec_deque::IntoIter<MonitorEntry>>>;
    fn into_iter(self) -> Self::IntoIter {
        self.0.map(|q| q.into_iter()).into_iter().flatten()
    }
}

pub struct Proc {
    pub pid: Pid,
    pub status: Status,
    /// In the run queue already (so it is never queued twice).
    pub queued: bool,
    /// `erlang:suspend_process` count: not polled while above zero.
    pub suspended: u32,
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
    /// scheduled (signals are handled by the receiver, as in ERTS).
    pub pending_exit: Option<Term>,
    /// An exit caught by an enclosing `Ctx::catch`.
    pub caught_exit: Option<Term>,
    pub catch_depth: u32,
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
