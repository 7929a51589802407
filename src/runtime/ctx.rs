//! `Ctx`: what a process body can do — the BIFs of our runtime.
//!
//! Every operation charges reductions; the blocking ones (`receive`,
//! `sleep`, `yield_now`, `work`) are futures that also yield when the
//! slice's reduction budget is spent, which is how preemption happens.
//! `exit` never returns: it parks an exit that the scheduler (or an
//! enclosing [`Ctx::catch`]) acts on after the current poll.

use crate::runtime::event::{EventKind, KindMask};
use crate::runtime::kernel::{Kernel, TimerAction, TimerKey};
use crate::runtime::process::{Body, Status};
use crate::runtime::time::VTime;
use crate::term::{Atom, Pid, Ref, Term};
use std::cell::RefCell;
use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;
use std::task::{Context, Poll};

/// Options for spawning a process.
#[derive(Clone, Debug, Default)]
pub struct SpawnOpts {
    pub link: bool,
    pub monitor: bool,
    /// Shown as `initial_call` in process info (`"Elixir.Foo:init/1"`).
    pub initial_call: Option<Rc<str>>,
    pub trap_exit: bool,
}

impl SpawnOpts {
    pub fn linked() -> SpawnOpts {
        SpawnOpts { link: true, ..Default::default() }
    }

    pub fn named(initial_call: &str) -> SpawnOpts {
        SpawnOpts { initial_call: Some(Rc::from(initial_call)), ..Default::default() }
    }

    pub fn link(mut self) -> SpawnOpts {
        self.link = true;
        self
    }
}

/// A process's handle on the runtime. Cheap to clone; every clone acts for
/// the same process.
#[derive(Clone)]
pub struct Ctx {
    pub(crate) k: Rc<RefCell<Kernel>>,
    pid: Pid,
}

impl Ctx {
    pub(crate) fn new(k: Rc<RefCell<Kernel>>, pid: Pid) -> Ctx {
        Ctx { k, pid }
    }

    pub fn pid(&self) -> Pid {
        self.pid
    }

    pub fn now(&self) -> VTime {
        self.k.borrow().now
    }

    /// Runs `f` on the kernel, charging one reduction. Internal plumbing for
    /// the `otp` layer; never hold it across an await.
    pub(crate) fn with<R>(&self, f: impl FnOnce(&mut Kernel) -> R) -> R {
        let mut k = self.k.borrow_mut();
        k.charge(self.pid, 1);
        f(&mut k)
    }

    // --- messages -------------------------------------------------------

    /// `Pid ! Msg`. A send to a dead process is silently dropped.
    pub fn send(&self, to: Pid, msg: Term) {
        self.k.borrow_mut().send_from(self.pid, to, msg);
    }

    /// `Name ! Msg`; an unregistered name is `badarg`, as in Erlang.
    pub fn send_named(&self, name: Atom, msg: Term) -> Result<(), Term> {
        let to = self.whereis(name).ok_or(Term::Atom(Atom::BADARG))?;
        self.send(to, msg);
        Ok(())
    }

    /// Receives the first message in the mailbox.
    pub fn receive(&self) -> Recv<'_, fn(&Term) -> bool> {
        self.receive_match(|_| true, None)
    }

    /// Receives the first message, or `None` after `ms` virtual milliseconds.
    pub fn receive_timeout(&self, ms: u64) -> Recv<'_, fn(&Term) -> bool> {
        self.receive_match(|_| true, Some(ms))
    }

    /// Selective receive: the first message for which `pred` holds, in
    /// arrival order; others stay in the mailbox, in order. Each poll scans
    /// only messages that arrived since the last scan. `pred` must not call
    /// back into the runtime.
    pub fn receive_match<F: FnMut(&Term) -> bool>(&self, pred: F, timeout_ms: Option<u64>) -> Recv<'_, F> {
        Recv { ctx: self, pred, timeout: timeout_ms.map(Wait::Ms), save: 0, timer: None, started: false }
    }

    /// Selective receive that gives up at the virtual time `deadline`.
    pub fn receive_until<F: FnMut(&Term) -> bool>(&self, pred: F, deadline: VTime) -> Recv<'_, F> {
        Recv { ctx: self, pred, timeout: Some(Wait::Until(deadline)), save: 0, timer: None, started: false }
    }

    /// Sleeps until the virtual time `at` (returns at once if it has passed).
    pub async fn sleep_until(&self, at: VTime) {
        self.receive_until(|_| false, at).await;
    }

    /// `receive after ms -> ok end`.
    pub async fn sleep(&self, ms: u64) {
        self.receive_match(|_| false, Some(ms)).await;
    }

    /// Gives up the rest of the slice.
    pub fn yield_now(&self) -> YieldNow<'_> {
        YieldNow { ctx: self, yielded: false }
    }

    /// Burns `reductions`, yielding whenever the slice budget runs out.
    pub fn work(&self, reductions: u64) -> Work<'_> {
        Work { ctx: self, left: reductions }
    }

    // --- processes ------------------------------------------------------

    pub fn spawn<F, Fut>(&self, opts: SpawnOpts, f: F) -> Pid
    where
        F: FnOnce(Ctx) -> Fut,
        Fut: Future<Output = Term> + 'static,
    {
        spawn_in(&self.k, Some(self.pid), opts, f)
    }

    pub fn spawn_link<F, Fut>(&self, f: F) -> Pid
    where
        F: FnOnce(Ctx) -> Fut,
        Fut: Future<Output = Term> + 'static,
    {
        self.spawn(SpawnOpts::linked(), f)
    }

    /// Spawns and monitors atomically; returns the pid and the monitor.
    pub fn spawn_monitor<F, Fut>(&self, opts: SpawnOpts, f: F) -> (Pid, Ref)
    where
        F: FnOnce(Ctx) -> Fut,
        Fut: Future<Output = Term> + 'static,
    {
        let pid = self.spawn(SpawnOpts { monitor: false, ..opts }, f);
        let mref = self.monitor(pid);
        (pid, mref)
    }

    pub fn link(&self, to: Pid) {
        self.with(|k| k.link(self.pid, to))
    }

    pub fn unlink(&self, to: Pid) {
        self.with(|k| k.unlink(self.pid, to))
    }

    pub fn monitor(&self, target: Pid) -> Ref {
        self.with(|k| k.monitor(self.pid, target))
    }

    pub fn demonitor(&self, mref: Ref, flush: bool) -> bool {
        self.with(|k| k.demonitor(self.pid, mref, flush))
    }

    /// `exit(Pid, Reason)`: sends an exit signal.
    pub fn exit_signal(&self, to: Pid, reason: Term) {
        self.with(|k| k.exit_signal(self.pid, to, reason, false))
    }

    /// `exit(Reason)`: this process exits. Never completes; inside
    /// [`Ctx::catch`] the catch returns `Err(reason)` instead.
    pub fn exit(&self, reason: Term) -> Exit {
        let mut k = self.k.borrow_mut();
        if let Some(p) = k.proc_mut(self.pid) {
            if p.catch_depth > 0 {
                if p.caught_exit.is_none() {
                    p.caught_exit = Some(reason);
                }
            } else if p.pending_exit.is_none() {
                p.pending_exit = Some(reason);
            }
        }
        Exit
    }

    /// `catch Expr` for exits: runs `fut`; an [`Ctx::exit`] inside it ends
    /// `fut` early with `Err(reason)` instead of ending the process.
    pub fn catch<F: Future>(&self, fut: F) -> Catch<'_, F> {
        Catch { ctx: self, inner: Box::pin(fut), entered: false }
    }

    pub fn trap_exit(&self, on: bool) -> bool {
        self.with(|k| k.set_trap_exit(self.pid, on))
    }

    pub fn is_alive(&self, pid: Pid) -> bool {
        self.k.borrow().is_alive(pid)
    }

    pub fn make_ref(&self) -> Ref {
        self.with(|k| k.make_ref())
    }

    pub fn register(&self, name: Atom) -> Result<(), Term> {
        self.with(|k| k.register(self.pid, name))
    }

    pub fn whereis(&self, name: Atom) -> Option<Pid> {
        self.k.borrow().whereis(name)
    }

    pub fn send_after(&self, ms: u64, to: Pid, msg: Term) -> TimerKey {
        self.with(|k| {
            let at = k.now + VTime::from_ms(ms);
            k.add_timer(at, TimerAction::Send { from: self.pid, to, msg })
        })
    }

    /// Cancels a timer; returns the milliseconds it had left.
    pub fn cancel_timer(&self, key: TimerKey) -> Option<u64> {
        self.with(|k| {
            let now = k.now;
            k.cancel_timer(key).map(|at| (at - now).as_ms())
        })
    }

    /// A random integer in `0..n` from the runtime's seeded generator.
    pub fn random(&self, n: u64) -> u64 {
        self.with(|k| k.rng.below(n))
    }

    pub fn random_unit(&self) -> f64 {
        self.with(|k| k.rng.unit())
    }

    // --- persistent_term -------------------------------------------------

    /// `persistent_term:get(Key, undefined)`, as an option.
    pub fn persistent_term_get(&self, key: &Term) -> Option<Term> {
        self.k.borrow().persistent_terms.table.get(key).cloned()
    }

    /// `persistent_term:put(Key, Value)`, with the scheduling ERTS gives it
    /// (`erl_bif_persistent.c`), because it is observable: OTP's logger
    /// caches a module's level here the first time the module logs, so the
    /// first abnormal stops of gen_servers in a run are late, in an order
    /// real traces show.
    ///
    /// Only one process may update at a time; another that tries meanwhile
    /// is suspended on a LIFO list and retries when resumed. Storing the
    /// value the key already has changes nothing. Otherwise the updater is
    /// suspended and the new value becomes visible only when thread progress
    /// lets the update complete (after two more scheduler slices, or when
    /// the scheduler would go idle; see `PT_UPDATE_SLICES`); then the
    /// updater is resumed, and every waiter after it, newest first. Measured
    /// on OTP 25 with 2 to 5 trapping gen_servers stopping at once, this
    /// reproduces the order in which they die exactly.
    pub async fn persistent_term_put(&self, key: Term, val: Term) {
        enum Seize {
            Wait,
            Same,
            Update,
        }
        loop {
            let seize = self.with(|k| {
                if k.persistent_terms.updater.is_some() {
                    k.persistent_terms.waiters.push(self.pid);
                    k.suspend(self.pid);
                    return Seize::Wait;
                }
                if k.persistent_terms.table.get(&key) == Some(&val) {
                    // Same value: the permission is released at once, which
                    // still resumes everyone waiting for it.
                    k.pt_release();
                    return Seize::Same;
                }
                let due = k.persistent_terms.slices + crate::runtime::kernel::PT_UPDATE_SLICES;
                k.persistent_terms.updater = Some(self.pid);
                k.persistent_terms.pending = Some((key.clone(), val.clone(), due));
                k.suspend(self.pid);
                Seize::Update
            });
            match seize {
                // Suspended: not polled again until resumed, then retry.
                Seize::Wait => self.yield_now().await,
                Seize::Same => return,
                // Suspended until the update completes; the scheduler
                // completes it even if this process dies meanwhile.
                Seize::Update => {
                    self.yield_now().await;
                    return;
                }
            }
        }
    }

    // --- process dictionary and info --------------------------------------

    pub fn put(&self, key: Term, val: Term) -> Option<Term> {
        self.with(|k| {
            let p = k.proc_mut(self.pid)?;
            let d = &mut p.extra_mut().dictionary;
            match d.iter_mut().find(|(k2, _)| *k2 == key) {
                Some(e) => Some(std::mem::replace(&mut e.1, val)),
                None => {
                    d.push((key, val));
                    None
                }
            }
        })
    }

    pub fn get(&self, key: &Term) -> Option<Term> {
        let k = self.k.borrow();
        let p = k.proc(self.pid)?;
        p.extra()?.dictionary.iter().find(|(k2, _)| k2 == key).map(|(_, v)| v.clone())
    }

    pub fn erase(&self, key: &Term) -> Option<Term> {
        self.with(|k| {
            let d = &mut k.proc_mut(self.pid)?.extra_mut().dictionary;
            let i = d.iter().position(|(k2, _)| k2 == key)?;
            Some(d.remove(i).1)
        })
    }

    /// Sets what `process_info(_, current_function)` shows.
    pub fn set_current_function(&self, f: &Rc<str>) {
        let mut k = self.k.borrow_mut();
        if let Some(p) = k.proc_mut(self.pid) {
            let e = p.extra_mut();
            if e.current_function.as_ref() != Some(f) {
                e.current_function = Some(f.clone());
            }
        }
    }

    /// Sets the behaviour module shown for this process.
    pub fn set_module(&self, m: &str) {
        let mut k = self.k.borrow_mut();
        if let Some(p) = k.proc_mut(self.pid) {
            p.extra_mut().module = Some(Rc::from(m));
        }
    }

    /// Emits an event if anyone wants events of its kind about this process.
    pub fn emit(&self, kind: EventKind) {
        let mut k = self.k.borrow_mut();
        if k.bus.wants(kind.mask(), self.pid) {
            k.emit(kind);
        }
    }

    pub fn wants(&self, kinds: KindMask) -> bool {
        self.k.borrow().bus.wants(kinds, self.pid)
    }

    pub fn parent(&self) -> Option<Pid> {
        self.k.borrow().proc(self.pid).and_then(|p| p.parent())
    }

    /// Runs `f` with the kernel borrowed immutably (no reduction charged).
    pub fn peek<R>(&self, f: impl FnOnce(&Kernel) -> R) -> R {
        f(&self.k.borrow())
    }
}

/// Spawns a process from outside or inside the system.
pub(crate) fn spawn_in<F, Fut>(k: &Rc<RefCell<Kernel>>, parent: Option<Pid>, opts: SpawnOpts, f: F) -> Pid
where
    F: FnOnce(Ctx) -> Fut,
    Fut: Future<Output = Term> + 'static,
{
    let pid = Pid(k.borrow().procs.len() as u32);
    let ctx = Ctx::new(k.clone(), pid);
    let body: Body = Box::pin(f(ctx));
    let mut kb = k.borrow_mut();
    if let Some(parent) = parent {
        kb.charge(parent, 10);
    }
    let initial = opts.initial_call.unwrap_or_else(|| Rc::from("erlang:apply/2"));
    let got = kb.spawn_proc(parent, initial, body);
    debug_assert_eq!(got, pid);
    if opts.trap_exit {
        if let Some(p) = kb.proc_mut(pid) {
            p.trap_exit = true;
        }
    }
    if let Some(parent) = parent {
        if opts.link {
            kb.link(parent, pid);
        }
        if opts.monitor {
            kb.monitor(parent, pid);
        }
    }
    pid
}

/// The future returned by [`Ctx::exit`]: pending forever.
pub struct Exit;

impl Future for Exit {
    type Output = std::convert::Infallible;
    fn poll(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<Self::Output> {
        Poll::Pending
    }
}

/// How long a receive waits.
#[derive(Clone, Copy, Debug)]
enum Wait {
    Ms(u64),
    Until(VTime),
}

/// A receive in progress. See [`Ctx::receive_match`].
pub struct Recv<'a, F> {
    ctx: &'a Ctx,
    pred: F,
    timeout: Option<Wait>,
    /// Messages before this index were already scanned and did not match.
    save: usize,
    timer: Option<TimerKey>,
    started: bool,
}

impl<F: FnMut(&Term) -> bool + Unpin> Future for Recv<'_, F> {
    type Output = Option<Term>;

    fn poll(mut self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<Option<Term>> {
        let this = &mut *self;
        let pid = this.ctx.pid;
        let mut kb = this.ctx.k.borrow_mut();
        // Field-level borrows of the kernel: the process record and the
        // counters are touched together, with one lookup of the record.
        let k = &mut *kb;
        if !this.started && k.slice_reds >= k.cfg.slice_budget {
            // Preempted: the scheduler puts us at the back of the queue.
            return Poll::Pending;
        }
        k.slice_reds += 1;
        k.total_reductions += 1;
        k.now = k.now + VTime(k.cfg.ns_per_reduction);
        let now = k.now;
        let Some(p) = k.procs.get_mut(pid.0 as usize).and_then(|p| p.as_deref_mut()).filter(|p| p.is_alive()) else {
            return Poll::Pending;
        };
        p.reductions += 1;
        let mut found = None;
        for i in this.save..p.mailbox.len() {
            if (this.pred)(&p.mailbox[i].term) {
                found = Some(i);
                break;
            }
        }
        if let Some(i) = found {
            let msg = if i == 0 { p.mailbox.pop_front() } else { p.mailbox.remove(i) };
            let Some(msg) = msg else { return Poll::Pending };
            // Receiving a message sets the process's flow token to the
            // message's (none clears it), as seq_trace does.
            p.token = msg.token;
            // The wait is over: a late timer for it must not count.
            p.wait_token = p.wait_token.wrapping_add(1);
            p.timed_out = false;
            p.status = Status::Running;
            if let Some(t) = this.timer.take() {
                k.cancel_timer(t);
            }
            if msg.token != 0 || k.bus.wants(KindMask::RECEIVE, pid) {
                let token = (msg.token != 0).then_some(msg.token);
                k.emit(EventKind::Receive { pid, msg: msg.term.clone(), token });
            }
            return Poll::Ready(Some(msg.term));
        }
        this.save = p.mailbox.len();
        let deadline = match this.timeout {
            Some(Wait::Ms(ms)) => Some(now + VTime::from_ms(ms)),
            Some(Wait::Until(at)) => Some(at),
            None => None,
        };
        let expired = if this.started { p.timed_out } else { deadline.is_some_and(|d| d <= now) };
        if expired {
            p.wait_token = p.wait_token.wrapping_add(1);
            p.timed_out = false;
            p.status = Status::Running;
            if let Some(t) = this.timer.take() {
                k.cancel_timer(t);
            }
            return Poll::Ready(None);
        }
        p.status = Status::Waiting;
        if !this.started {
            this.started = true;
            // A fresh token for this wait: a timer left over from a wait
            // that never finished (a receive dropped mid-way) cannot end it.
            p.wait_token = p.wait_token.wrapping_add(1);
            p.timed_out = false;
            if let Some(at) = deadline {
                let token = p.wait_token;
                this.timer = Some(k.add_timer(at, TimerAction::Wake { pid, token }));
            }
        }
        Poll::Pending
    }
}

impl<F> Drop for Recv<'_, F> {
    /// A receive dropped before it finished (its process died, or an
    /// enclosing catch ended it) cancels its timer, so that dead waits do
    /// not pile up in the timer table. The scheduler drops bodies outside
    /// the kernel borrow; `try_borrow_mut` keeps any other case safe.
    fn drop(&mut self) {
        if let Some(t) = self.timer.take() {
            if let Ok(mut k) = self.ctx.k.try_borrow_mut() {
                k.cancel_timer(t);
            }
        }
    }
}

pub struct YieldNow<'a> {
    ctx: &'a Ctx,
    yielded: bool,
}

impl Future for YieldNow<'_> {
    type Output = ();
    fn poll(mut self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<()> {
        if self.yielded {
            return Poll::Ready(());
        }
        self.yielded = true;
        let pid = self.ctx.pid;
        self.ctx.k.borrow_mut().charge(pid, 1);
        Poll::Pending
    }
}

pub struct Work<'a> {
    ctx: &'a Ctx,
    left: u64,
}

impl Future for Work<'_> {
    type Output = ();
    fn poll(mut self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<()> {
        let pid = self.ctx.pid;
        let mut k = self.ctx.k.borrow_mut();
        let room = k.cfg.slice_budget.saturating_sub(k.slice_reds);
        let n = self.left.min(room);
        k.charge(pid, n);
        drop(k);
        self.left -= n;
        if self.left == 0 {
            Poll::Ready(())
        } else {
            Poll::Pending
        }
    }
}

/// See [`Ctx::catch`].
pub struct Catch<'a, F: Future> {
    ctx: &'a Ctx,
    inner: Pin<Box<F>>,
    entered: bool,
}

impl<F: Future> Catch<'_, F> {
    fn leave(&mut self) {
        if self.entered {
            self.entered = false;
            let mut k = self.ctx.k.borrow_mut();
            if let Some(p) = k.proc_mut(self.ctx.pid) {
                p.catch_depth = p.catch_depth.saturating_sub(1);
            }
        }
    }
}

impl<F: Future> Future for Catch<'_, F> {
    type Output = Result<F::Output, Term>;
    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let pid = self.ctx.pid;
        if !self.entered {
            self.entered = true;
            if let Some(p) = self.ctx.k.borrow_mut().proc_mut(pid) {
                p.catch_depth += 1;
            }
        }
        let r = self.inner.as_mut().poll(cx);
        match r {
            Poll::Ready(v) => {
                self.leave();
                Poll::Ready(Ok(v))
            }
            Poll::Pending => {
                let caught = self.ctx.k.borrow_mut().proc_mut(pid).and_then(|p| p.caught_exit.take());
                match caught {
                    Some(reason) => {
                        self.leave();
                        // The inner future stopped mid-way; it is dropped
                        // with this Catch. Undo a Waiting status it may have set.
                        if let Some(p) = self.ctx.k.borrow_mut().proc_mut(pid) {
                            p.status = Status::Running;
                        }
                        Poll::Ready(Err(reason))
                    }
                    None => Poll::Pending,
                }
            }
        }
    }
}

impl<F: Future> Drop for Catch<'_, F> {
    fn drop(&mut self) {
        // A Catch dropped while its process dies: the process is gone, so
        // there is no depth to restore, and try_borrow avoids a double borrow
        // when the scheduler drops bodies.
        if self.entered {
            if let Ok(mut k) = self.ctx.k.try_borrow_mut() {
                if let Some(p) = k.proc_mut(self.ctx.pid) {
                    p.catch_depth = p.catch_depth.saturating_sub(1);
                }
            }
        }
    }
}
