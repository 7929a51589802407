//! Events: every observable change in the runtime as a typed value, the
//! filters that select them, the bounded recorder and the subscription
//! queues.
//!
//! Emission is cheap when nobody looks: the kernel asks [`Bus::wants`]
//! before building an event, and that is one mask test when no recorder,
//! subscription or per-process trace flag asks for that kind.

use crate::runtime::time::VTime;
use crate::term::{Atom, Pid, Ref, Term};
use serde::Serialize;
use std::collections::{BTreeMap, VecDeque};
use std::rc::Rc;

/// One event: a sequence number (gapless in emission order), the virtual
/// time it happened at, and what happened.
#[derive(Clone, Debug, Serialize)]
pub struct Event {
    pub seq: u64,
    pub at: VTime,
    pub kind: EventKind,
}

/// What happened. A closed enum: consumers match on every variant.
#[derive(Clone, Debug, Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum EventKind {
    Spawn {
        pid: Pid,
        parent: Option<Pid>,
        initial_call: Rc<str>,
    },
    Exit {
        pid: Pid,
        reason: Term,
    },
    Link {
        a: Pid,
        b: Pid,
    },
    Unlink {
        a: Pid,
        b: Pid,
    },
    Monitor {
        watcher: Pid,
        target: Pid,
        mref: Ref,
    },
    Demonitor {
        watcher: Pid,
        target: Pid,
        mref: Ref,
    },
    /// An exit signal sent with `exit/2` or through a link.
    ExitSignal {
        from: Pid,
        to: Pid,
        reason: Term,
        link: bool,
    },
    /// A message put in a mailbox. `to` may be dead: then `dropped` is true.
    Send {
        from: Option<Pid>,
        to: Pid,
        msg: Term,
        token: Option<u64>,
        dropped: bool,
    },
    /// A message taken out of a mailbox by a receive.
    Receive {
        pid: Pid,
        msg: Term,
        token: Option<u64>,
    },
    Register {
        pid: Pid,
        name: Atom,
    },
    Unregister {
        pid: Pid,
        name: Atom,
    },
    Suspend {
        pid: Pid,
    },
    Resume {
        pid: Pid,
    },
    TrapExit {
        pid: Pid,
        on: bool,
    },
    /// A GenServer callback finished: which one, its cost in reductions and
    /// virtual time, and the state after it.
    Callback {
        pid: Pid,
        callback: Atom,
        reductions: u64,
        took: VTime,
        state: Option<Term>,
    },
    /// A supervisor restarted (or tried to restart) a child.
    Restart {
        sup: Pid,
        child: Term,
        old: Option<Pid>,
        new: Option<Pid>,
        reason: Term,
    },
    /// A supervisor started or stopped a child for a reason other than a restart.
    ChildStarted {
        sup: Pid,
        child: Term,
        pid: Pid,
    },
    ChildTerminated {
        sup: Pid,
        child: Term,
        pid: Pid,
        reason: Term,
    },
    /// A supervisor gave up: more restarts than its intensity allows.
    MaxIntensity {
        sup: Pid,
        restarts: u32,
        period_ms: u64,
    },
    /// A probe (injected debug code) matched a message.
    ProbeHit {
        pid: Pid,
        probe: u64,
        msg: Term,
        action: Rc<str>,
    },
    /// An outside input was applied.
    Command {
        text: Rc<str>,
    },
    /// A free-form note from a process or the control layer.
    Log {
        pid: Option<Pid>,
        text: Rc<str>,
    },
}

/// A set of event kinds, one bit each.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Default)]
pub struct KindMask(pub u32);

impl KindMask {
    pub const NONE: KindMask = KindMask(0);
    pub const ALL: KindMask = KindMask(u32::MAX);
    pub const PROCS: KindMask = KindMask(1 << 0); // spawn, exit, links, monitors, signals, register
    pub const SEND: KindMask = KindMask(1 << 1);
    pub const RECEIVE: KindMask = KindMask(1 << 2);
    pub const CONTROL: KindMask = KindMask(1 << 3); // suspend, resume, trap_exit
    pub const CALLS: KindMask = KindMask(1 << 4); // GenServer callbacks and states
    pub const SUPERVISION: KindMask = KindMask(1 << 5);
    pub const PROBES: KindMask = KindMask(1 << 6);
    pub const SYSTEM: KindMask = KindMask(1 << 7); // commands and logs

    /// The lifecycle kinds: low volume, enough to follow the process tree.
    pub const LIFECYCLE: KindMask =
        KindMask(Self::PROCS.0 | Self::CONTROL.0 | Self::SUPERVISION.0 | Self::PROBES.0 | Self::SYSTEM.0);

    pub fn union(self, o: KindMask) -> KindMask {
        KindMask(self.0 | o.0)
    }

    pub fn has(self, o: KindMask) -> bool {
        self.0 & o.0 != 0
    }
}

impl EventKind {
    /// The kind bit this event belongs to.
    pub fn mask(&self) -> KindMask {
        use EventKind::*;
        match self {
            Spawn { .. }
            | Exit { .. }
            | Link { .. }
            | Unlink { .. }
            | Monitor { .. }
            | Demonitor { .. }
            | ExitSignal { .. }
            | Register { .. }
            | Unregister { .. } => KindMask::PROCS,
            Send { .. } => KindMask::SEND,
            Receive { .. } => KindMask::RECEIVE,
            Suspend { .. } | Resume { .. } | TrapExit { .. } => KindMask::CONTROL,
            Callback { .. } => KindMask::CALLS,
            Restart { .. } | ChildStarted { .. } | ChildTerminated { .. } | MaxIntensity { .. } => {
                KindMask::SUPERVISION
            }
            ProbeHit { .. } => KindMask::PROBES,
            Command { .. } | Log { .. } => KindMask::SYSTEM,
        }
    }

    /// The processes this event is about, for per-process filters.
    pub fn pids(&self) -> [Option<Pid>; 2] {
        use EventKind::*;
        match self {
            Spawn { pid, parent, .. } => [Some(*pid), *parent],
            Exit { pid, .. }
            | Register { pid, .. }
            | Unregister { pid, .. }
            | Suspend { pid }
            | Resume { pid }
            | TrapExit { pid, .. }
            | Callback { pid, .. }
            | Receive { pid, .. }
            | ProbeHit { pid, .. } => [Some(*pid), None],
            Link { a, b } | Unlink { a, b } => [Some(*a), Some(*b)],
            Monitor { watcher, target, .. } | Demonitor { watcher, target, .. } => [Some(*watcher), Some(*target)],
            ExitSignal { from, to, .. } => [Some(*from), Some(*to)],
            Send { from, to, .. } => [*from, Some(*to)],
            Restart { sup, new, .. } => [Some(*sup), *new],
            ChildStarted { sup, pid, .. } | ChildTerminated { sup, pid, .. } => [Some(*sup), Some(*pid)],
            MaxIntensity { sup, .. } => [Some(*sup), None],
            Command { .. } => [None, None],
            Log { pid, .. } => [*pid, None],
        }
    }
}

/// Which events a subscriber or the recorder wants.
#[derive(Clone, Debug, Default)]
pub struct Filter {
    pub kinds: KindMask,
    /// Only events about these processes; `None` for all.
    pub pids: Option<Vec<Pid>>,
}

impl Filter {
    pub fn all() -> Filter {
        Filter { kinds: KindMask::ALL, pids: None }
    }

    pub fn kinds(kinds: KindMask) -> Filter {
        Filter { kinds, pids: None }
    }

    pub fn process(pid: Pid, kinds: KindMask) -> Filter {
        Filter { kinds, pids: Some(vec![pid]) }
    }

    pub fn matches(&self, e: &EventKind) -> bool {
        if !self.kinds.has(e.mask()) {
            return false;
        }
        match &self.pids {
            None => true,
            Some(ps) => e.pids().iter().flatten().any(|p| ps.contains(p)),
        }
    }
}

/// A subscription handle.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Debug, Hash)]
pub struct SubId(pub u64);

struct Subscription {
    filter: Filter,
    queue: VecDeque<Event>,
    capacity: usize,
    dropped: u64,
}

/// A ring buffer of the most recent events.
#[derive(Debug)]
pub struct Recorder {
    pub filter: Filter,
    events: VecDeque<Event>,
    capacity: usize,
    /// Events pushed out of the ring because it was full.
    pub evicted: u64,
}

impl Recorder {
    pub fn events(&self) -> impl DoubleEndedIterator<Item = &Event> + ExactSizeIterator {
        self.events.iter()
    }

    pub fn capacity(&self) -> usize {
        self.capacity
    }
}

/// The event bus: recorder, subscriptions and per-process trace flags.
#[derive(Default)]
pub struct Bus {
    next_seq: u64,
    recorder: Option<Recorder>,
    subs: BTreeMap<SubId, Subscription>,
    next_sub: u64,
    /// Per-process trace flags, like `erlang:trace(Pid, true, Flags)`:
    /// events of these kinds about that process are recorded even when the
    /// recorder's own filter does not ask for them.
    traced: BTreeMap<Pid, KindMask>,
    /// Union of every interest above, recomputed when one changes.
    interest: KindMask,
    traced_interest: KindMask,
    /// A running FNV-1a hash of every emitted event, for determinism checks.
    hash: u64,
    hashing: bool,
}

impl Bus {
    fn recompute(&mut self) {
        let mut m = KindMask::NONE;
        if let Some(r) = &self.recorder {
            m = m.union(r.filter.kinds);
        }
        for s in self.subs.values() {
            m = m.union(s.filter.kinds);
        }
        if self.hashing {
            m = KindMask::ALL;
        }
        self.interest = m;
        self.traced_interest = self.traced.values().fold(KindMask::NONE, |a, b| a.union(*b));
    }

    /// Whether an event of kind `k` about `pid` would be kept by anyone.
    #[inline]
    pub fn wants(&self, k: KindMask, pid: Pid) -> bool {
        self.interest.has(k) || (self.traced_interest.has(k) && self.traced.get(&pid).is_some_and(|m| m.has(k)))
    }

    /// Whether anyone at all wants events of kind `k`.
    #[inline]
    pub fn wants_kind(&self, k: KindMask) -> bool {
        self.interest.has(k) || self.traced_interest.has(k)
    }

    pub fn emit(&mut self, at: VTime, kind: EventKind) {
        let traced = !self.traced.is_empty()
            && kind.pids().iter().flatten().any(|p| self.traced.get(p).is_some_and(|m| m.has(kind.mask())));
        let rec_wants =
            self.recorder.as_ref().is_some_and(|r| r.filter.matches(&kind)) || (traced && self.recorder.is_some());
        let any_sub = self.subs.values().any(|s| s.filter.matches(&kind));
        if !rec_wants && !any_sub && !self.hashing {
            return;
        }
        let ev = Event { seq: self.next_seq, at, kind };
        self.next_seq += 1;
        if self.hashing {
            self.hash = fnv1a(self.hash, format!("{}|{}|{:?}", ev.seq, ev.at.0, ev.kind).as_bytes());
        }
        for s in self.subs.values_mut() {
            if s.filter.matches(&ev.kind) {
                if s.queue.len() >= s.capacity {
                    s.queue.pop_front();
                    s.dropped += 1;
                }
                s.queue.push_back(ev.clone());
            }
        }
        if rec_wants {
            if let Some(r) = &mut self.recorder {
                if r.events.len() >= r.capacity {
                    r.events.pop_front();
                    r.evicted += 1;
                }
                r.events.push_back(ev);
            }
        }
    }

    /// Turns the bounded recorder on (replacing any previous one) or off.
    pub fn set_recorder(&mut self, rec: Option<(Filter, usize)>) {
        self.recorder = rec.map(|(filter, capacity)| Recorder {
            filter,
            events: VecDeque::with_capacity(capacity.min(1 << 16)),
            capacity: capacity.max(1),
            evicted: 0,
        });
        self.recompute();
    }

    pub fn recorder(&self) -> Option<&Recorder> {
        self.recorder.as_ref()
    }

    pub fn subscribe(&mut self, filter: Filter, capacity: usize) -> SubId {
        let id = SubId(self.next_sub);
        self.next_sub += 1;
        self.subs.insert(id, Subscription { filter, queue: VecDeque::new(), capacity: capacity.max(1), dropped: 0 });
        self.recompute();
        id
    }

    pub fn unsubscribe(&mut self, id: SubId) -> bool {
        let had = self.subs.remove(&id).is_some();
        self.recompute();
        had
    }

    /// Takes the queued events of a subscription, and how many were dropped
    /// because its queue was full since the last drain.
    pub fn drain(&mut self, id: SubId) -> Option<(Vec<Event>, u64)> {
        let s = self.subs.get_mut(&id)?;
        let dropped = std::mem::take(&mut s.dropped);
        Some((s.queue.drain(..).collect(), dropped))
    }

    pub fn set_trace(&mut self, pid: Pid, kinds: KindMask) {
        if kinds == KindMask::NONE {
            self.traced.remove(&pid);
        } else {
            self.traced.insert(pid, kinds);
        }
        self.recompute();
    }

    /// Drops the trace flags of a process that has exited.
    pub(crate) fn forget(&mut self, pid: Pid) {
        if !self.traced.is_empty() && self.traced.remove(&pid).is_some() {
            self.recompute();
        }
    }

    pub fn trace_flags(&self, pid: Pid) -> KindMask {
        self.traced.get(&pid).copied().unwrap_or_default()
    }

    /// Starts hashing every event (and so emitting all of them).
    pub fn enable_hash(&mut self) {
        self.hashing = true;
        self.hash = FNV_OFFSET;
        self.recompute();
    }

    pub fn hash(&self) -> u64 {
        self.hash
    }

    pub fn next_seq(&self) -> u64 {
        self.next_seq
    }
}

const FNV_OFFSET: u64 = 0xcbf2_9ce4_8422_2325;

fn fnv1a(mut h: u64, bytes: &[u8]) -> u64 {
    for b in bytes {
        h ^= *b as u64;
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    h
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spawn_ev(p: u32) -> EventKind {
        EventKind::Spawn { pid: Pid(p), parent: None, initial_call: Rc::from("x") }
    }

    #[test]
    fn nothing_is_kept_when_nobody_looks() {
        let mut b = Bus::default();
        assert!(!b.wants(KindMask::SEND, Pid(1)));
        b.emit(VTime(1), spawn_ev(1));
        assert_eq!(b.next_seq(), 0);
    }

    #[test]
    fn recorder_is_bounded_and_counts_evictions() {
        let mut b = Bus::default();
        b.set_recorder(Some((Filter::all(), 2)));
        for p in 0..5 {
            b.emit(VTime(p as u64), spawn_ev(p));
        }
        let r = b.recorder().unwrap();
        assert_eq!(r.events().len(), 2);
        assert_eq!(r.evicted, 3);
        assert_eq!(r.events().next().unwrap().seq, 3);
    }

    #[test]
    fn subscriptions_filter_by_pid_and_kind() {
        let mut b = Bus::default();
        let s = b.subscribe(Filter::process(Pid(2), KindMask::PROCS), 10);
        b.emit(VTime(0), spawn_ev(1));
        b.emit(VTime(0), spawn_ev(2));
        b.emit(VTime(0), EventKind::Suspend { pid: Pid(2) });
        let (evs, dropped) = b.drain(s).unwrap();
        assert_eq!(evs.len(), 1);
        assert_eq!(dropped, 0);
        assert!(matches!(evs[0].kind, EventKind::Spawn { pid: Pid(2), .. }));
    }

    #[test]
    fn per_process_trace_flags_feed_the_recorder() {
        let mut b = Bus::default();
        b.set_recorder(Some((Filter::kinds(KindMask::PROCS), 10)));
        b.set_trace(Pid(7), KindMask::SEND);
        assert!(b.wants(KindMask::SEND, Pid(7)));
        assert!(!b.wants(KindMask::SEND, Pid(8)));
        let send = |to| EventKind::Send { from: None, to: Pid(to), msg: Term::ok(), token: None, dropped: false };
        b.emit(VTime(0), send(7));
        b.emit(VTime(0), send(8));
        assert_eq!(b.recorder().unwrap().events().len(), 1);
    }
}
