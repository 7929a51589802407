//! The actor runtime: processes as async tasks on a single-threaded,
//! deterministic scheduler with virtual time, and OTP's signal semantics.
//!
//! [`Runtime`] is the handle the outside world holds (CLI, control layer,
//! UI); [`Ctx`] is the handle a process body holds. Neither knows anything
//! of the web. Outside inputs arrive as [`Command`] values, applied at the
//! current virtual time and logged, so seed + scenario + command log replays
//! to the identical event stream.

mod ctx;
pub mod event;
mod kernel;
pub(crate) mod linktree;
mod process;
mod sched;
mod time;

pub use ctx::{Catch, Ctx, Exit, Recv, SpawnOpts};
pub use event::{Event, EventKind, Filter, KindMask, SubId};
pub use kernel::{down_msg, Config, Kernel, TimerKey, WORLD};
pub use process::{MonitorEntry, MonitorList, Proc, Status};
pub use sched::Step;
pub use time::{Rng, VTime};

use crate::term::{Atom, Pid, Term};
use serde::Serialize;
use std::cell::RefCell;
use std::fmt;
use std::future::Future;
use std::rc::Rc;

/// Read access to a process's behaviour state, installed by the
/// behaviour's loop (GenServer) so that inspectors can read it without
/// sending the process a message.
pub trait Introspect {
    /// The current state, or `Err(reason)` when the process could not answer
    /// now (busy in a callback: `sys:get_state` would time out).
    fn state(&self) -> Result<Term, Term>;
    /// Replaces the state; `Err` with a reason when refused.
    fn replace_state(&self, new: Term) -> Result<(), Term>;
    /// Whether the behaviour is suspended with `sys:suspend`.
    fn sys_suspended(&self) -> bool {
        false
    }
    /// Calls `f` with the behaviour's state as `Any` when it offers one and
    /// is not busy; returns whether `f` ran.
    fn with_any(&self, _f: &mut dyn FnMut(&dyn std::any::Any)) -> bool {
        false
    }
}

/// A hook on a process's message handling, installed by the control
/// layer (probes). Behaviour loops call it with each message before
/// handling it; it must not call back into the runtime except through
/// the `Ctx` it is given.
pub trait MessageHook {
    fn before(&self, ctx: &Ctx, msg: &Term) -> HookAction;
}

/// What a [`MessageHook`] decided.
#[derive(Clone, Debug, PartialEq)]
pub enum HookAction {
    Handle,
    Drop,
    /// Wait this many virtual ms, then handle.
    Delay(u64),
    /// Suspend the process (a breakpoint); it handles the message when resumed.
    Pause,
}

/// Errors from runtime operations invoked from outside.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub enum RuntimeError {
    /// No live process has this pid.
    NoProc(Pid),
    /// No process is registered under this name.
    NotRegistered(String),
    /// The process is not suspended.
    NotSuspended(Pid),
    BadArg(String),
}

impl fmt::Display for RuntimeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RuntimeError::NoProc(p) => write!(f, "no process {p} (it is not alive)"),
            RuntimeError::NotRegistered(n) => write!(f, "no process is registered as {n}"),
            RuntimeError::NotSuspended(p) => write!(f, "process {p} is not suspended"),
            RuntimeError::BadArg(s) => write!(f, "bad argument: {s}"),
        }
    }
}

impl std::error::Error for RuntimeError {}

/// An input from outside the system. Applied by [`Runtime::apply`] at the
/// current virtual time and appended to the command log.
#[derive(Clone, Debug, PartialEq, Serialize, serde::Deserialize)]
#[serde(tag = "cmd", rename_all = "snake_case")]
pub enum Command {
    /// `Pid ! Msg` from outside.
    Send {
        to: Pid,
        msg: Term,
    },
    /// `exit(Pid, Reason)` from outside.
    Exit {
        pid: Pid,
        reason: Term,
    },
    Suspend {
        pid: Pid,
    },
    Resume {
        pid: Pid,
    },
    /// Per-process trace flags (a [`KindMask`] as bits; 0 turns tracing off).
    Trace {
        pid: Pid,
        kinds: u32,
    },
    /// Starts a message-flow token on a message sent from outside.
    SendTraced {
        to: Pid,
        msg: Term,
        token: u64,
    },
}

/// `process_info/1` for one process.
#[derive(Clone, Debug, Serialize)]
pub struct ProcessInfo {
    pub pid: Pid,
    pub registered_name: Option<String>,
    pub status: &'static str,
    pub suspended: bool,
    pub message_queue_len: usize,
    pub messages: Vec<Term>,
    pub links: Vec<Pid>,
    pub monitors: Vec<Pid>,
    pub monitored_by: Vec<Pid>,
    pub trap_exit: bool,
    pub dictionary: Vec<(Term, Term)>,
    pub current_function: Option<String>,
    pub initial_call: Option<String>,
    pub module: Option<String>,
    pub parent: Option<Pid>,
    pub ancestors: Vec<Pid>,
    pub reductions: u64,
    /// Estimated memory in words, like `process_info(P, memory) / 8`.
    pub memory_words: usize,
    pub messages_in: u64,
    pub messages_out: u64,
    pub spawned_at: VTime,
    pub gen_server: bool,
    pub supervisor: bool,
}

/// Whole-system counters, cheap to read every frame.
#[derive(Clone, Copy, Debug, Default, Serialize)]
pub struct Counters {
    pub now: VTime,
    pub processes: usize,
    pub reductions: u64,
    pub messages: u64,
    pub spawned: u64,
    pub exited: u64,
    pub run_queue: usize,
}

/// The outside world's handle on a running system.
pub struct Runtime {
    k: Rc<RefCell<Kernel>>,
    log: Vec<(VTime, Command)>,
}

impl Runtime {
    pub fn new(cfg: Config) -> Runtime {
        Runtime { k: Rc::new(RefCell::new(Kernel::new(cfg))), log: Vec::new() }
    }

    pub fn with_seed(seed: u64) -> Runtime {
        Runtime::new(Config { seed, ..Config::default() })
    }

    /// Spawns a top-level process (no parent).
    pub fn spawn<F, Fut>(&mut self, opts: SpawnOpts, f: F) -> Pid
    where
        F: FnOnce(Ctx) -> Fut,
        Fut: Future<Output = Term> + 'static,
    {
        ctx::spawn_in(&self.k, None, opts, f)
    }

    pub fn now(&self) -> VTime {
        self.k.borrow().now
    }

    pub fn step(&mut self) -> Step {
        sched::step(&self.k, None)
    }

    /// Runs for `d` of virtual time; returns the number of slices run.
    pub fn run_for(&mut self, d: VTime) -> u64 {
        sched::run_for(&self.k, d)
    }

    /// Runs until virtual time `at`, then until nothing is runnable.
    pub fn run_until(&mut self, at: VTime) {
        sched::run_until(&self.k, at)
    }

    /// Runs until no process is runnable (timers in the future stay).
    pub fn run_until_idle(&mut self, max_slices: u64) -> bool {
        sched::run_until_idle(&self.k, max_slices)
    }

    /// Runs slices and timers until nothing at all is left to do, or
    /// `max_slices` ran.
    pub fn run_to_completion(&mut self, max_slices: u64) -> bool {
        let mut n = 0;
        while n < max_slices {
            match self.step() {
                Step::Idle => return true,
                Step::Ran(_) => n += 1,
                Step::Timer(_) => {}
            }
        }
        false
    }

    /// Applies an outside input and logs it.
    pub fn apply(&mut self, cmd: Command) -> Result<(), RuntimeError> {
        let now = self.now();
        {
            let mut k = self.k.borrow_mut();
            let check = |k: &Kernel, pid: Pid| {
                if k.is_alive(pid) {
                    Ok(())
                } else {
                    Err(RuntimeError::NoProc(pid))
                }
            };
            match &cmd {
                Command::Send { to, msg } => {
                    check(&k, *to)?;
                    k.deliver(None, *to, msg.clone());
                }
                Command::SendTraced { to, msg, token } => {
                    check(&k, *to)?;
                    k.deliver_with_token(None, *to, msg.clone(), Some(*token));
                }
                Command::Exit { pid, reason } => {
                    check(&k, *pid)?;
                    k.exit_signal(WORLD, *pid, reason.clone(), false);
                }
                Command::Suspend { pid } => {
                    if !k.suspend(*pid) {
                        return Err(RuntimeError::NoProc(*pid));
                    }
                }
                Command::Resume { pid } => {
                    check(&k, *pid)?;
                    if !k.resume(*pid) {
                        return Err(RuntimeError::NotSuspended(*pid));
                    }
                }
                Command::Trace { pid, kinds } => {
                    check(&k, *pid)?;
                    k.bus.set_trace(*pid, KindMask(*kinds));
                }
            }
            if k.bus.wants_kind(KindMask::SYSTEM) {
                k.emit(EventKind::Command { text: Rc::from(format!("{cmd:?}")) });
            }
        }
        self.log.push((now, cmd));
        Ok(())
    }

    /// The commands applied so far, with the virtual time of each.
    pub fn command_log(&self) -> &[(VTime, Command)] {
        &self.log
    }

    pub fn is_alive(&self, pid: Pid) -> bool {
        self.k.borrow().is_alive(pid)
    }

    /// The pid registered as `name`. A name that is not an atom yet cannot
    /// be registered, so looking it up interns nothing (an unknown name typed
    /// in must not grow the atom table).
    pub fn whereis(&self, name: &str) -> Option<Pid> {
        let atom = Atom::existing(name)?;
        self.k.borrow().whereis(atom)
    }

    /// Registered names and their pids, sorted by name.
    pub fn registered(&self) -> Vec<(String, Pid)> {
        let k = self.k.borrow();
        let mut v: Vec<(String, Pid)> = k.names.iter().map(|(a, p)| (a.name().to_string(), *p)).collect();
        crate::util::sort(&mut v);
        v
    }

    /// Live pids in pid order.
    pub fn pids(&self) -> Vec<Pid> {
        self.k.borrow().pids().collect()
    }

    pub fn counters(&self) -> Counters {
        let k = self.k.borrow();
        Counters {
            now: k.now,
            processes: k.live_count(),
            reductions: k.total_reductions,
            messages: k.total_messages,
            spawned: k.total_spawned,
            exited: k.total_exited,
            run_queue: k.run_queue.len(),
        }
    }

    /// `process_info/1`; `None` for a dead or unknown pid.
    pub fn info(&self, pid: Pid) -> Option<ProcessInfo> {
        let k = self.k.borrow();
        let p = k.proc(pid)?;
        let e = p.extra();
        let s = |x: &Option<Rc<str>>| x.as_ref().map(|s| s.to_string());
        Some(ProcessInfo {
            pid,
            registered_name: p.name().map(|a| a.name().to_string()),
            status: status_name(p),
            suspended: p.suspended > 0,
            message_queue_len: p.mailbox.len(),
            messages: p.mailbox.iter().map(|m| m.term.clone()).collect(),
            links: p.links.iter().copied().collect(),
            monitors: p.monitors.iter().map(|m| m.other).collect(),
            monitored_by: p.monitored_by.iter().map(|m| m.other).collect(),
            trap_exit: p.trap_exit,
            dictionary: e.map(|e| e.dictionary.clone()).unwrap_or_default(),
            current_function: e.and_then(|e| s(&e.current_function)),
            initial_call: e.and_then(|e| s(&e.initial_call)),
            module: e.and_then(|e| s(&e.module)),
            parent: p.parent(),
            ancestors: e.map(|e| e.ancestors.clone()).unwrap_or_default(),
            reductions: p.reductions,
            memory_words: memory_words(p),
            messages_in: p.msgs_in,
            messages_out: p.msgs_out,
            spawned_at: e.map(|e| e.spawned_at).unwrap_or_default(),
            gen_server: e.is_some_and(|e| e.gen_server),
            supervisor: e.is_some_and(|e| e.supervisor),
        })
    }

    /// A cheap summary for lists of many processes: no messages or
    /// dictionary copied.
    pub fn with_proc<R>(&self, pid: Pid, f: impl FnOnce(&Proc) -> R) -> Option<R> {
        let k = self.k.borrow();
        k.proc(pid).map(f)
    }

    /// Runs `f` over every live process in pid order.
    pub fn for_each_proc(&self, mut f: impl FnMut(&Proc)) {
        let k = self.k.borrow();
        for p in k.procs.iter().flatten().filter(|p| p.is_alive()) {
            f(p);
        }
    }

    /// The behaviour state of a GenServer-like process.
    pub fn introspect(&self, pid: Pid) -> Option<Rc<dyn Introspect>> {
        let k = self.k.borrow();
        k.introspect.get(&pid).cloned()
    }

    /// Direct kernel access for layers above (otp, control). Never hold the
    /// borrow while stepping.
    pub fn kernel(&mut self) -> std::cell::RefMut<'_, Kernel> {
        self.k.borrow_mut()
    }

    pub fn kernel_ref(&self) -> std::cell::Ref<'_, Kernel> {
        self.k.borrow()
    }

    /// The shared kernel cell, for spawning from layers above.
    pub fn kernel_rc(&mut self) -> &Rc<RefCell<Kernel>> {
        &self.k
    }

    /// Spawns a process with a given parent (for tools that act as a
    /// process, like a scenario's step runner).
    pub fn spawn_child<F, Fut>(&mut self, parent: Pid, opts: SpawnOpts, f: F) -> Pid
    where
        F: FnOnce(Ctx) -> Fut,
        Fut: Future<Output = Term> + 'static,
    {
        ctx::spawn_in(&self.k, Some(parent), opts, f)
    }

    pub fn bus<R>(&self, f: impl FnOnce(&mut event::Bus) -> R) -> R {
        f(&mut self.k.borrow_mut().bus)
    }
}

impl Drop for Runtime {
    /// Process bodies hold the kernel (through their `Ctx`), and the kernel
    /// holds the bodies: break the cycle by dropping every body, outside the
    /// kernel borrow.
    fn drop(&mut self) {
        let bodies: Vec<_> = {
            let Ok(mut k) = self.k.try_borrow_mut() else {
                return;
            };
            k.introspect.clear();
            k.hooks.clear();
            k.procs.iter_mut().flatten().filter_map(|p| p.body.take()).collect()
        };
        drop(bodies);
    }
}

/// A process's status as tools show it (`process_info(P, status)`): a
/// pending exit shows as `exiting` and a suspension as `suspended`, whatever
/// the scheduler's own status. The one place these names are written.
pub fn status_name(p: &Proc) -> &'static str {
    if p.pending_exit.is_some() {
        return "exiting";
    }
    if p.suspended > 0 {
        return "suspended";
    }
    match p.status {
        Status::Runnable => "runnable",
        Status::Running => "running",
        Status::Waiting => "waiting",
        Status::Exiting => "exiting",
    }
}

/// The process's memory in words: its record, its body's state machine,
/// its mailbox and dictionary contents.
pub fn memory_words(p: &Proc) -> usize {
    let mut bytes = std::mem::size_of::<Proc>();
    if let Some(b) = &p.body {
        bytes += std::mem::size_of_val(&**b);
    }
    if let Some(e) = p.extra() {
        bytes += std::mem::size_of_val(e);
        bytes += e.dictionary.iter().map(|(k, v)| (k.flat_size() + v.flat_size() + 3) * 8).sum::<usize>();
    }
    bytes += p.mailbox.iter().map(|m| (m.term.flat_size() + 4) * 8).sum::<usize>();
    bytes.div_ceil(8)
}
