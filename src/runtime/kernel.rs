//! The kernel: the process table, signal delivery, timers and the run queue.
//!
//! Everything here runs inside one `RefCell` borrow and never calls user
//! code, with one exception kept visible: selective-receive predicates. The
//! scheduler loop that polls process bodies lives in `sched.rs` and
//! releases the borrow around every poll.
//!
//! Signal rules follow ERTS: messages and trapped exits go straight into the
//! receiver's mailbox (so order per sender–receiver pair is FIFO), while a
//! fatal exit signal is parked on the receiver and handled when the receiver
//! is next scheduled, as ERTS handles signals in the receiving process.

use crate::runtime::event::{Bus, EventKind, KindMask};
use crate::runtime::process::{Body, Extra, MonitorEntry, Msg, Proc, Status};
use crate::runtime::time::{Rng, VTime};
use crate::runtime::{Introspect, MessageHook};
use crate::term::{Atom, Pid, Ref, Term};
use std::collections::{BTreeMap, HashMap, VecDeque};
use std::rc::Rc;

/// The pid that stands for the world outside the system (the UI, the CLI,
/// a scenario's step runner when it is not a process). It is never alive.
pub const WORLD: Pid = Pid(0);

/// Runtime settings fixed at creation.
#[derive(Clone, Debug)]
pub struct Config {
    pub seed: u64,
    /// Reductions a process may use before it is preempted (BEAM: 4000).
    pub slice_budget: u64,
    /// Virtual nanoseconds one reduction costs.
    pub ns_per_reduction: u64,
}

impl Default for Config {
    fn default() -> Config {
        Config { seed: 0, slice_budget: 4000, ns_per_reduction: 25 }
    }
}

/// What a timer does when it fires.
#[derive(Clone, Debug)]
pub enum TimerAction {
    /// Wakes a process waiting in a receive with a timeout or a sleep.
    Wake { pid: Pid, token: u32 },
    /// `erlang:send_after`.
    Send { from: Pid, to: Pid, msg: Term },
}

/// A handle on a pending timer.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Debug, Hash)]
pub struct TimerKey(pub VTime, pub u64);

pub struct Kernel {
    /// Indexed by pid number; `None` once a process is gone. Pid numbers are
    /// never reused, so a stale pid finds `None`, never a stranger.
    pub(crate) procs: Vec<Option<Box<Proc>>>,
    pub(crate) names: HashMap<Atom, Pid>,
    pub(crate) run_queue: VecDeque<Pid>,
    pub(crate) timers: BTreeMap<TimerKey, TimerAction>,
    timer_seq: u64,
    pub(crate) now: VTime,
    pub rng: Rng,
    next_ref: u64,
    pub bus: Bus,
    pub cfg: Config,
    /// Reductions used in the current slice.
    pub(crate) slice_reds: u64,
    pub(crate) current: Option<Pid>,
    live: usize,
    /// Bodies of dead processes, dropped by the scheduler outside the
    /// kernel borrow (their destructors may touch the kernel).
    pub(crate) graveyard: Vec<Body>,
    pub(crate) total_reductions: u64,
    pub(crate) total_messages: u64,
    pub(crate) total_spawned: u64,
    pub(crate) total_exited: u64,
    /// Behaviour state readers, installed by behaviour loops (GenServer).
    pub introspect: BTreeMap<Pid, Rc<dyn Introspect>>,
    /// Message hooks (probes) by process.
    pub hooks: BTreeMap<Pid, Rc<dyn MessageHook>>,
    /// The `initial_call` of processes spawned without one, shared so that
    /// a spawn does not allocate the same text again.
    pub(crate) default_initial_call: Rc<str>,
    /// `persistent_term`: global terms for the whole run (OTP's logger
    /// caches each module's level here; see `Ctx::persistent_term_put`).
    pub persistent_terms: PersistentTerms,
}

/// The `persistent_term` table and its update permission, as ERTS keeps
/// them: one updater at a time; a new value becomes visible only when the
/// update completes; processes that want to update meanwhile are suspended
/// on a LIFO list and all resumed (newest first) when the permission is
/// released.
#[derive(Default)]
pub struct PersistentTerms {
    pub(crate) table: crate::util::VecMap<Term, Term>,
    pub(crate) updater: Option<Pid>,
    /// The update in progress and the scheduler slice count at which it
    /// completes (ERTS: a thread-progress "later op").
    pub(crate) pending: Option<(Term, Term, u64)>,
    pub(crate) waiters: Vec<Pid>,
    /// Scheduler slices run so far: the clock of thread progress.
    pub(crate) slices: u64,
}

/// When a `persistent_term` update completes, counted in scheduler slices
/// from the start of the slice that asked for it: ERTS publishes the table
/// in a thread-progress "later op", due two progress steps on, and with one
/// scheduler progress steps once per pass through the scheduler loop. So
/// the update completes after the asking slice and two more. (Real ERTS
/// sometimes takes one slice more or less, depending on whether its other
/// managed threads have confirmed progress; that is not modelled.)
pub(crate) const PT_UPDATE_SLICES: u64 = 3;

impl Kernel {
    /// `release_update_permission`: the update (if any) becomes visible,
    /// the updater is resumed, then every waiter, the one that queued last
    /// first.
    pub(crate) fn pt_release(&mut self) {
        if let Some((k, v, _)) = self.persistent_terms.pending.take() {
            self.persistent_terms.table.insert(k, v);
        }
        if let Some(u) = self.persistent_terms.updater.take() {
            self.resume(u);
        }
        while let Some(w) = self.persistent_terms.waiters.pop() {
            self.resume(w);
        }
    }

    /// Called by the scheduler after every slice and when it would go idle
    /// (`idle`): completes a due `persistent_term` update.
    pub(crate) fn pt_tick(&mut self, idle: bool) {
        if !idle {
            self.persistent_terms.slices += 1;
        }
        if let Some((_, _, due)) = &self.persistent_terms.pending {
            if idle || self.persistent_terms.slices >= *due {
                self.pt_release();
            }
        }
    }
}

impl Kernel {
    pub fn new(cfg: Config) -> Kernel {
        Kernel {
            procs: vec![None],
            names: HashMap::new(),
            run_queue: VecDeque::new(),
            timers: BTreeMap::new(),
            timer_seq: 0,
            now: VTime::ZERO,
            rng: Rng::new(cfg.seed),
            next_ref: 1,
            bus: Bus::default(),
            cfg,
            slice_reds: 0,
            current: None,
            live: 0,
            graveyard: Vec::new(),
            total_reductions: 0,
            total_messages: 0,
            total_spawned: 0,
            total_exited: 0,
            introspect: BTreeMap::new(),
            hooks: BTreeMap::new(),
            default_initial_call: Rc::from("erlang:apply/2"),
            persistent_terms: PersistentTerms::default(),
        }
    }

    pub fn now(&self) -> VTime {
        self.now
    }

    pub fn live_count(&self) -> usize {
        self.live
    }

    pub fn proc(&self, pid: Pid) -> Option<&Proc> {
        self.procs.get(pid.0 as usize)?.as_deref().filter(|p| p.is_alive())
    }

    pub fn proc_mut(&mut self, pid: Pid) -> Option<&mut Proc> {
        self.procs.get_mut(pid.0 as usize)?.as_deref_mut().filter(|p| p.is_alive())
    }

    pub fn is_alive(&self, pid: Pid) -> bool {
        self.proc(pid).is_some()
    }

    /// Live pids in pid order.
    pub fn pids(&self) -> impl Iterator<Item = Pid> + '_ {
        self.procs.iter().flatten().filter(|p| p.is_alive()).map(|p| p.pid)
    }

    pub fn make_ref(&mut self) -> Ref {
        let r = Ref(self.next_ref);
        self.next_ref += 1;
        r
    }

    #[inline]
    pub fn emit(&mut self, kind: EventKind) {
        let at = self.now;
        self.bus.emit(at, kind);
    }

    /// Charges `n` reductions to the running process and advances time.
    #[inline]
    pub fn charge(&mut self, pid: Pid, n: u64) {
        self.slice_reds += n;
        self.total_reductions += n;
        self.now = self.now + VTime(n * self.cfg.ns_per_reduction);
        if let Some(Some(p)) = self.procs.get_mut(pid.0 as usize) {
            p.reductions += n;
        }
    }

    pub fn budget_left(&self) -> bool {
        self.slice_reds < self.cfg.slice_budget
    }

    /// Puts a process in the run queue unless it is already there.
    pub(crate) fn enqueue(&mut self, pid: Pid) {
        if let Some(Some(p)) = self.procs.get_mut(pid.0 as usize) {
            if !p.queued {
                p.queued = true;
                self.run_queue.push_back(pid);
            }
        }
    }

    /// Makes a waiting process runnable (unless suspended).
    fn wake(&mut self, pid: Pid) {
        let Some(p) = self.proc_mut(pid) else { return };
        if p.status == Status::Waiting {
            p.status = Status::Runnable;
            if p.suspended == 0 {
                self.enqueue(pid);
            }
        }
    }

    // ------------------------------------------------------------------
    // Spawning

    pub fn spawn_proc(&mut self, parent: Option<Pid>, initial_call: Rc<str>, body: Body) -> Pid {
        let pid = Pid(self.procs.len() as u32);
        let mut p = Box::new(Proc::new(pid));
        p.body = Some(body);
        let mut extra = Extra { spawned_at: self.now, initial_call: Some(initial_call.clone()), ..Default::default() };
        if let Some(parent) = parent {
            extra.parent = Some(parent);
            if let Some(pp) = self.proc(parent) {
                let mut anc = vec![parent];
                if let Some(e) = pp.extra() {
                    anc.extend(e.ancestors.iter().copied().take(15));
                }
                extra.ancestors = anc;
                p.token = pp.token;
            }
        }
        p.extra = Some(Box::new(extra));
        self.procs.push(Some(p));
        self.live += 1;
        self.total_spawned += 1;
        if self.bus.wants(KindMask::PROCS, pid) {
            self.emit(EventKind::Spawn { pid, parent, initial_call });
        }
        self.enqueue(pid);
        pid
    }

    // ------------------------------------------------------------------
    // Messages

    /// Puts `msg` in `to`'s mailbox. A message to a dead process is dropped,
    /// as in Erlang. `from` is `None` for messages from outside.
    pub fn deliver(&mut self, from: Option<Pid>, to: Pid, msg: Term) {
        let token = from.and_then(|f| self.proc(f)).map_or(0, |p| p.token);
        self.deliver_with_token(from, to, msg, (token != 0).then_some(token))
    }

    pub fn deliver_with_token(&mut self, from: Option<Pid>, to: Pid, msg: Term, token: Option<u64>) {
        self.total_messages += 1;
        if let Some(f) = from {
            if let Some(Some(p)) = self.procs.get_mut(f.0 as usize) {
                p.msgs_out += 1;
            }
        }
        self.push_message(from, to, msg, token.unwrap_or(0));
    }

    /// `Pid ! Msg` from the running process `from`: the hot path of every
    /// hop, so the sender's record is visited once for the reduction, the
    /// counter and its flow token.
    #[inline]
    pub(crate) fn send_from(&mut self, from: Pid, to: Pid, msg: Term) {
        self.slice_reds += 1;
        self.total_reductions += 1;
        self.now = self.now + VTime(self.cfg.ns_per_reduction);
        self.total_messages += 1;
        let mut token = 0;
        if let Some(Some(p)) = self.procs.get_mut(from.0 as usize) {
            p.reductions += 1;
            p.msgs_out += 1;
            token = p.token;
        }
        self.push_message(Some(from), to, msg, token);
    }

    /// The mailbox half of a send: trace, enqueue, wake.
    #[inline]
    fn push_message(&mut self, from: Option<Pid>, to: Pid, msg: Term, token: u64) {
        let traced = self.bus.wants(KindMask::SEND, to) || from.is_some_and(|f| self.bus.wants(KindMask::SEND, f));
        let slot = self.procs.get_mut(to.0 as usize).and_then(|p| p.as_deref_mut()).filter(|p| p.is_alive());
        let Some(p) = slot else {
            if traced || token != 0 {
                let token = (token != 0).then_some(token);
                self.emit(EventKind::Send { from, to, msg, token, dropped: true });
            }
            return;
        };
        let event_msg = (traced || token != 0).then(|| msg.clone());
        p.mailbox.push_back(Msg { term: msg, token });
        p.msgs_in += 1;
        // Wake a waiting receiver (a suspended one stays out of the queue
        // until resumed).
        let mut queue = false;
        if p.status == Status::Waiting {
            p.status = Status::Runnable;
            if p.suspended == 0 && !p.queued {
                p.queued = true;
                queue = true;
            }
        }
        if queue {
            self.run_queue.push_back(to);
        }
        if let Some(msg) = event_msg {
            let token = (token != 0).then_some(token);
            self.emit(EventKind::Send { from, to, msg, token, dropped: false });
        }
    }

    // ------------------------------------------------------------------
    // Links, monitors, exit signals

    /// Links `a` and `b`. Linking to a dead process sends `a` an exit
    /// signal with reason `noproc`, as `link/1` does.
    pub fn link(&mut self, a: Pid, b: Pid) {
        if a == b {
            return;
        }
        if !self.is_alive(b) {
            self.exit_signal(b, a, Term::Atom(Atom::NOPROC), true);
            return;
        }
        if !self.is_alive(a) {
            // Only a tool acting for a process that has died can get here
            // (spawning a linked child for it): no half link is made, and
            // the live side learns of the dead one as a link to it would.
            self.exit_signal(a, b, Term::Atom(Atom::NOPROC), true);
            return;
        }
        let mut new = false;
        if let Some(p) = self.proc_mut(a) {
            new = p.links.insert(b);
            link_tree_insert(p, b);
        }
        if let Some(p) = self.proc_mut(b) {
            p.links.insert(a);
            link_tree_insert(p, a);
        }
        if new && self.bus.wants(KindMask::PROCS, a) {
            self.emit(EventKind::Link { a, b });
        }
    }

    pub fn unlink(&mut self, a: Pid, b: Pid) {
        let mut had = false;
        if let Some(p) = self.proc_mut(a) {
            had = p.links.remove(&b);
            link_tree_remove(p, b);
        }
        if let Some(p) = self.proc_mut(b) {
            p.links.remove(&a);
            link_tree_remove(p, a);
        }
        if had && self.bus.wants(KindMask::PROCS, a) {
            self.emit(EventKind::Unlink { a, b });
        }
    }

    /// `watcher` monitors `target`. A dead target gets an immediate
    /// `{:DOWN, ref, :process, pid, :noproc}`.
    pub fn monitor(&mut self, watcher: Pid, target: Pid) -> Ref {
        let mref = self.make_ref();
        if !self.is_alive(watcher) {
            // A dead watcher (a tool acting for it) would leave an entry on
            // the target that nobody ever removes.
            return mref;
        }
        if !self.is_alive(target) {
            let down = down_msg(mref, target, Term::Atom(Atom::NOPROC));
            self.deliver(None, watcher, down);
            return mref;
        }
        if let Some(p) = self.proc_mut(watcher) {
            p.monitors.push(MonitorEntry { mref, other: target });
        }
        if let Some(p) = self.proc_mut(target) {
            p.monitored_by.push(MonitorEntry { mref, other: watcher });
        }
        if self.bus.wants(KindMask::PROCS, watcher) {
            self.emit(EventKind::Monitor { watcher, target, mref });
        }
        mref
    }

    /// Removes a monitor; with `flush`, also any DOWN it already delivered.
    /// Returns whether the monitor was still active.
    pub fn demonitor(&mut self, watcher: Pid, mref: Ref, flush: bool) -> bool {
        let mut target = None;
        if let Some(p) = self.proc_mut(watcher) {
            target = p.monitors.remove(mref).map(|m| m.other);
            if flush && !p.mailbox.is_empty() {
                p.mailbox.retain(|m| !is_down_for(&m.term, mref));
            }
        }
        if let Some(t) = target {
            if let Some(p) = self.proc_mut(t) {
                p.monitored_by.remove(mref);
            }
            if self.bus.wants(KindMask::PROCS, watcher) {
                self.emit(EventKind::Demonitor { watcher, target: t, mref });
            }
        }
        target.is_some()
    }

    /// Sends an exit signal, by `exit/2` (`link == false`) or through a link.
    pub fn exit_signal(&mut self, from: Pid, to: Pid, reason: Term, link: bool) {
        if !self.is_alive(to) {
            return;
        }
        if self.bus.wants(KindMask::PROCS, to) {
            self.emit(EventKind::ExitSignal { from, to, reason: reason.clone(), link });
        }
        let Some(p) = self.proc_mut(to) else { return };
        if !link && reason.is_atom(Atom::KILL) {
            self.set_pending_exit(to, Term::Atom(Atom::KILLED));
        } else if p.trap_exit {
            let msg = Term::Tuple(Rc::new([Term::Atom(Atom::EXIT), Term::Pid(from), reason]));
            self.deliver(Some(from).filter(|f| *f != WORLD), to, msg);
        } else if reason.is_atom(Atom::NORMAL) {
            if !link && from == to {
                self.set_pending_exit(to, reason);
            }
        } else {
            self.set_pending_exit(to, reason);
        }
    }

    fn set_pending_exit(&mut self, pid: Pid, reason: Term) {
        let Some(p) = self.proc_mut(pid) else { return };
        if p.pending_exit.is_none() {
            p.pending_exit = Some(Box::new(reason));
        }
        // A fatal signal is handled even by a suspended process.
        if p.status != Status::Running {
            self.enqueue(pid);
        }
    }

    /// The process is dead: tell its links and monitors, free its name and
    /// its slot. Links are handled before monitors, as ERTS does.
    pub fn terminate(&mut self, pid: Pid, reason: Term) {
        let Some(slot) = self.procs.get_mut(pid.0 as usize) else {
            return;
        };
        let Some(mut p) = slot.take() else { return };
        if !p.is_alive() {
            *slot = Some(p);
            return;
        }
        p.status = Status::Exiting;
        self.live -= 1;
        self.total_exited += 1;
        if let Some(body) = p.body.take() {
            self.graveyard.push(body);
        }
        if let Some(name) = p.name() {
            self.names.remove(&name);
        }
        self.introspect.remove(&pid);
        self.hooks.remove(&pid);
        if self.bus.wants(KindMask::PROCS, pid) {
            self.emit(EventKind::Exit { pid, reason: reason.clone() });
        }
        for m in &p.monitors {
            if let Some(t) = self.proc_mut(m.other) {
                t.monitored_by.remove(m.mref);
            }
        }
        // ERTS signals the links while destroying its link tree, in
        // post-order; the receivers are scheduled in that order, so it is
        // observable (which child of a killed supervisor dies first, whether
        // the parent restarts it before its children are gone). The set and
        // the tree always hold the same pids; the set is the authority,
        // should they ever differ.
        let mut links = std::mem::take(&mut p.links);
        let mut order = p.link_tree.take().map(|t| t.destroy_order()).unwrap_or_default();
        order.retain(|o| links.remove(o));
        order.extend(links);
        for other in order {
            if let Some(o) = self.proc_mut(other) {
                o.links.remove(&pid);
                link_tree_remove(o, pid);
            }
            self.exit_signal(pid, other, reason.clone(), true);
        }
        for m in std::mem::take(&mut p.monitored_by) {
            if let Some(w) = self.proc_mut(m.other) {
                w.monitors.remove(m.mref);
            }
            self.deliver(None, m.other, down_msg(m.mref, pid, reason.clone()));
        }
        // Trace flags die with the process, as `erlang:trace` flags do;
        // left behind they would keep a dead pid in the bus forever.
        self.bus.forget(pid);
        // The slot stays empty: the pid is never reused.
        drop(p.mailbox);
    }

    // ------------------------------------------------------------------
    // Timers

    pub fn add_timer(&mut self, at: VTime, action: TimerAction) -> TimerKey {
        let key = TimerKey(at, self.timer_seq);
        self.timer_seq += 1;
        self.timers.insert(key, action);
        key
    }

    pub fn cancel_timer(&mut self, key: TimerKey) -> Option<VTime> {
        self.timers.remove(&key).map(|_| key.0)
    }

    pub fn next_timer(&self) -> Option<VTime> {
        self.timers.keys().next().map(|k| k.0)
    }

    /// Fires every timer due at or before now, in (time, creation) order.
    pub fn fire_due_timers(&mut self) {
        // Called before every slice: the common case (no timer due) is one
        // look at the first key.
        while let Some((&key, _)) = self.timers.first_key_value() {
            if key.0 > self.now {
                break;
            }
            let Some(action) = self.timers.remove(&key) else {
                break;
            };
            match action {
                TimerAction::Wake { pid, token } => {
                    // The token says whether the same wait is still in
                    // progress. Its status may be Runnable rather than
                    // Waiting: a message that the receive does not match
                    // woke it, and it has not been polled yet (it is queued,
                    // or suspended). The timeout must still count, or the
                    // receive would go back to waiting with no timer left.
                    if let Some(p) = self.proc_mut(pid) {
                        if p.wait_token == token {
                            p.timed_out = true;
                            self.wake(pid);
                        }
                    }
                }
                TimerAction::Send { from, to, msg } => {
                    self.deliver(Some(from).filter(|f| *f != WORLD), to, msg);
                }
            }
        }
    }

    // ------------------------------------------------------------------
    // Names

    pub fn register(&mut self, pid: Pid, name: Atom) -> Result<(), Term> {
        if name.is_atom_undefined() {
            return Err(Term::Atom(Atom::BADARG));
        }
        if self.names.contains_key(&name) {
            return Err(Term::Atom(Atom::BADARG));
        }
        let Some(p) = self.proc_mut(pid) else {
            return Err(Term::Atom(Atom::BADARG));
        };
        if p.name().is_some() {
            return Err(Term::Atom(Atom::BADARG));
        }
        p.extra_mut().name = Some(name);
        self.names.insert(name, pid);
        if self.bus.wants(KindMask::PROCS, pid) {
            self.emit(EventKind::Register { pid, name });
        }
        Ok(())
    }

    pub fn unregister(&mut self, name: Atom) -> bool {
        let Some(pid) = self.names.remove(&name) else {
            return false;
        };
        if let Some(p) = self.proc_mut(pid) {
            p.extra_mut().name = None;
        }
        if self.bus.wants(KindMask::PROCS, pid) {
            self.emit(EventKind::Unregister { pid, name });
        }
        true
    }

    pub fn whereis(&self, name: Atom) -> Option<Pid> {
        self.names.get(&name).copied()
    }

    // ------------------------------------------------------------------
    // Suspension

    /// `erlang:suspend_process/1`. Returns false for a dead process.
    pub fn suspend(&mut self, pid: Pid) -> bool {
        let Some(p) = self.proc_mut(pid) else {
            return false;
        };
        p.suspended = p.suspended.saturating_add(1);
        if p.suspended == 1 && self.bus.wants(KindMask::CONTROL, pid) {
            self.emit(EventKind::Suspend { pid });
        }
        true
    }

    /// `erlang:resume_process/1`. Returns false when dead or not suspended.
    pub fn resume(&mut self, pid: Pid) -> bool {
        let Some(p) = self.proc_mut(pid) else {
            return false;
        };
        if p.suspended == 0 {
            return false;
        }
        p.suspended -= 1;
        let wake = p.suspended == 0 && p.status == Status::Runnable;
        if p.suspended == 0 && self.bus.wants(KindMask::CONTROL, pid) {
            self.emit(EventKind::Resume { pid });
        }
        if wake {
            self.enqueue(pid);
        }
        true
    }

    pub fn set_trap_exit(&mut self, pid: Pid, on: bool) -> bool {
        let Some(p) = self.proc_mut(pid) else {
            return false;
        };
        let old = p.trap_exit;
        p.trap_exit = on;
        if old != on && self.bus.wants(KindMask::CONTROL, pid) {
            self.emit(EventKind::TrapExit { pid, on });
        }
        old
    }
}

impl Atom {
    fn is_atom_undefined(&self) -> bool {
        *self == Atom::UNDEFINED
    }
}

fn link_tree_insert(p: &mut Proc, other: Pid) {
    p.link_tree.get_or_insert_with(Default::default).insert(other);
}

fn link_tree_remove(p: &mut Proc, other: Pid) {
    if let Some(t) = p.link_tree.as_mut() {
        t.remove(other);
        if t.is_empty() {
            p.link_tree = None;
        }
    }
}

/// `{:DOWN, ref, :process, pid, reason}`
pub fn down_msg(mref: Ref, pid: Pid, reason: Term) -> Term {
    // One allocation: an array unsizes into the tuple's `Rc<[Term]>`.
    Term::Tuple(Rc::new([Term::Atom(Atom::DOWN), Term::Ref(mref), Term::Atom(Atom::PROCESS), Term::Pid(pid), reason]))
}

fn is_down_for(m: &Term, mref: Ref) -> bool {
    matches!(m.tagged(Atom::DOWN), Some(t) if t.len() == 5 && matches!(t[1], Term::Ref(r) if r == mref))
}
