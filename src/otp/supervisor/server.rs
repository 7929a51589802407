//! The supervisor process: OTP's `supervisor` behaviour, rule for rule —
//! the four strategies, restart types, intensity and period, shutdown by
//! `brutal_kill`/timeout/`infinity`, failed and ignored starts with
//! retries through `try_again_restart`, and the server side of the child
//! management calls (the client side is `client.rs`).
//!
//! The structure follows `supervisor.erl` (OTP 25) closely, because the
//! order in which it does things is observable: which child stops first,
//! when a retry happens relative to other messages. Children are kept in
//! start order here (OTP keeps them reversed); "termination order" is the
//! reverse iteration.
//!
//! Extensions for this tool, each an extra call the OTP supervisor does not
//! have: pause/resume supervision, change strategy at run time with an
//! automatic rollback window, and a bounded restart log for analytics.

use super::child_spec::{needs_restart, ChildSpec, ChildType, RestartType, Shutdown};
use super::client::take_spec;
use super::flags::{Flags, InitFn, Strategy, SupInit};
use super::snapshot::{ChildSnapshot, RestartRecord, SupervisorSnapshot};
use crate::otp::gen_server::{self, CallReply, From, GenServer, Init, NoReply, StartOpts, StartResult};
use crate::runtime::{Ctx, EventKind};
use crate::term::{Atom, Pid, Ref, Term};
use crate::util::VecMap;
use async_trait::async_trait;
use std::collections::VecDeque;
use std::rc::Rc;

/// A child's process slot, as OTP's `#child.pid`.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Slot {
    Undefined,
    Pid(Pid),
    /// `{restarting, OldPid}`: a restart failed and a retry is queued.
    Restarting(Option<Pid>),
}

struct Child {
    spec: ChildSpec,
    slot: Slot,
    started_at: Option<crate::runtime::VTime>,
}

/// Key of a `simple_one_for_one` child: its pid, or `{restarting, pid}`,
/// or `undefined`. Ordered like Erlang terms (atoms before pids before
/// tuples, pids by number), which is the order OTP's small maps iterate in.
///
/// `Undefined` reproduces an OTP 25 bug: when the restart of a dynamic
/// child returns `ignore`, `restart(simple_one_for_one, ...)` stores the
/// `{ok, undefined}` it got under the key `undefined`. Nothing removes it,
/// and `terminate_dynamic_children/1` later crashes on it.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Debug)]
enum DynKey {
    Undefined,
    Pid(Pid),
    Restarting(Pid),
}

/// What handling an exit or a restart leaves the supervisor to do: carry
/// on, or shut down because the restart intensity was reached. OTP's
/// `{ok, State}` and `{shutdown, State}` from `restart/2` (and the
/// `{ok, _}` / `{terminate, _}` of `add_restart/1`).
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
#[must_use]
enum Next {
    Continue,
    Shutdown,
}

/// A supervisor's state, readable by tools through [`GenServer::as_any`].
pub struct Supervisor {
    flags: Flags,
    children: Vec<Child>,
    /// simple_one_for_one: the template and the dynamic children with the
    /// arguments each was started with. A `VecMap`, not a `BTreeMap`: 7 KB
    /// less wasm (see crate::util).
    dynamics: VecMap<DynKey, Vec<Term>>,
    dynamic_restarts: u32,
    /// Restart stamps (whole seconds), newest first, as OTP keeps them.
    restarts: VecDeque<u64>,
    init: Option<InitFn>,
    paused: bool,
    /// Exits that arrived while supervision was paused, handled on resume.
    held: Vec<(Pid, Term)>,
    /// After a strategy change: the old strategy and the second until which
    /// reaching the intensity rolls the change back.
    rollback: Option<(Strategy, u64)>,
    log: VecDeque<RestartRecord>,
    total_restarts: u64,
}

const LOG_CAPACITY: usize = 256;

impl Supervisor {
    pub fn snapshot(&self) -> SupervisorSnapshot {
        let mut children: Vec<ChildSnapshot> = Vec::new();
        let snap = |spec: &ChildSpec, id: String, slot: Slot, started: Option<crate::runtime::VTime>| ChildSnapshot {
            id,
            pid: match slot {
                Slot::Pid(p) => Some(p),
                _ => None,
            },
            state: match slot {
                Slot::Pid(_) => "running",
                Slot::Undefined => "undefined",
                Slot::Restarting(_) => "restarting",
            },
            restart: spec.restart,
            shutdown: spec.shutdown,
            child_type: spec.child_type,
            started_at_ms: started.map(|t| t.as_ms_f64()),
        };
        if self.flags.strategy == Strategy::SimpleOneForOne {
            if let Some(t) = self.children.first() {
                for k in self.dynamics.keys() {
                    let slot = match k {
                        DynKey::Pid(p) => Slot::Pid(*p),
                        DynKey::Restarting(p) => Slot::Restarting(Some(*p)),
                        DynKey::Undefined => Slot::Undefined,
                    };
                    children.push(snap(&t.spec, "undefined".into(), slot, None));
                }
            }
        } else {
            for c in &self.children {
                children.push(snap(&c.spec, id_text(&c.spec.id), c.slot, c.started_at));
            }
        }
        SupervisorSnapshot {
            flags: self.flags,
            children,
            restarts_in_period: self.restarts.len(),
            paused: self.paused,
            held_exits: self.held.len(),
            rollback_armed: self.rollback.is_some(),
            total_restarts: self.total_restarts,
            log: self.log.iter().cloned().collect(),
        }
    }

    pub fn flags(&self) -> Flags {
        self.flags
    }

    fn is_simple(&self) -> bool {
        self.flags.strategy == Strategy::SimpleOneForOne
    }

    fn pos(&self, id: &Term) -> Option<usize> {
        self.children.iter().position(|c| c.spec.id == *id)
    }

    fn pos_by_slot(&self, slot: Slot) -> Option<usize> {
        self.children.iter().position(|c| c.slot == slot)
    }

    fn record(&mut self, ctx: &Ctx, child: &Term, reason: &Term, old: Option<Pid>, new: Option<Pid>) {
        self.total_restarts += 1;
        if self.log.len() >= LOG_CAPACITY {
            self.log.pop_front();
        }
        self.log.push_back(RestartRecord {
            at_ms: ctx.now().as_ms_f64(),
            child: id_text(child),
            reason: reason.to_string(),
            old,
            new,
        });
        ctx.emit(EventKind::Restart { sup: ctx.pid(), child: child.clone(), old, new, reason: reason.clone() });
    }
}

fn id_text(t: &Term) -> String {
    match t {
        Term::Atom(a) => a.name().to_string(),
        other => other.to_string(),
    }
}

/// Starts a supervisor linked to the caller (`supervisor:start_link/2`).
pub async fn start_link(ctx: &Ctx, name: Option<Atom>, init: InitFn) -> StartResult {
    let sup = Supervisor::new(init);
    gen_server::start_link(ctx, Box::new(sup), StartOpts { name, timeout: None, trap_exit: false }).await
}

impl Supervisor {
    fn new(init: InitFn) -> Supervisor {
        Supervisor {
            flags: Flags::default(),
            children: Vec::new(),
            dynamics: VecMap::new(),
            dynamic_restarts: 0,
            restarts: VecDeque::new(),
            init: Some(init),
            paused: false,
            held: Vec::new(),
            rollback: None,
            log: VecDeque::new(),
            total_restarts: 0,
        }
    }
}

/// What `do_start_child` returned, as OTP's `{ok, Pid}` / `{ok, undefined}`
/// / `{error, Reason}`.
async fn do_start_child(ctx: &Ctx, spec: &ChildSpec, args: Vec<Term>) -> Result<Option<Pid>, Term> {
    let r = match ctx.catch((spec.start)(ctx.clone(), args)).await {
        Ok(StartResult::Ok(p)) => Ok(Some(p)),
        Ok(StartResult::Ignore) => Ok(None),
        Ok(StartResult::Error(e)) => Err(e),
        Err(reason) => Err(Term::tuple(vec![Term::Atom(Atom::EXIT), reason])),
    };
    // OTP logs a progress report for a started child and an error report
    // for a failed start; either asks the logger first, and the first ask
    // of a run pauses the supervisor (see `gen_server::logger_allow`).
    if !matches!(r, Ok(None)) {
        gen_server::logger_allow(ctx, "supervisor").await;
    }
    r
}

/// The exit reason of an OTP 25 supervisor whose shutdown crashed on an
/// `undefined` dynamic child (see `DynKey`), stack trace included, exactly
/// as OTP 25 (stdlib 4.2) reports it.
fn dynamic_children_crash() -> Term {
    let chars = |s: &str| Term::list(s.bytes().map(|b| Term::Int(b as i64)).collect::<Vec<_>>());
    let frame = |m: &str, f: &str, args: Term, file: &str, line: i64| {
        Term::tuple(vec![
            Term::atom(m),
            Term::atom(f),
            args,
            Term::list(vec![
                Term::tuple(vec![Term::atom("file"), chars(file)]),
                Term::tuple(vec![Term::atom("line"), Term::Int(line)]),
            ]),
        ])
    };
    let stack = vec![
        frame(
            "supervisor",
            "-terminate_dynamic_children/1-inlined-0-",
            Term::list(vec![Term::Atom(Atom::UNDEFINED), Term::map(vec![])]),
            "supervisor.erl",
            994,
        ),
        frame("maps", "fold_1", Term::Int(3), "maps.erl", 411),
        frame("supervisor", "terminate_dynamic_children", Term::Int(1), "supervisor.erl", 993),
        frame("gen_server", "try_terminate", Term::Int(3), "gen_server.erl", 1161),
        frame("gen_server", "terminate", Term::Int(10), "gen_server.erl", 1351),
        frame("proc_lib", "init_p_do_apply", Term::Int(3), "proc_lib.erl", 240),
    ];
    Term::tuple(vec![Term::atom("function_clause"), Term::list(stack)])
}

fn failed_to_start(id: &Term, reason: Term) -> Term {
    Term::tuple(vec![Term::Atom(Atom::FAILED_TO_START_CHILD), id.clone(), reason])
}

/// Shuts one child down (OTP's `shutdown/1`); returns its exit reason.
async fn shutdown(ctx: &Ctx, pid: Pid, how: Shutdown) -> Term {
    let mref = ctx.monitor(pid);
    let is_down = move |m: &Term| match m.as_tuple() {
        Some([d, Term::Ref(r), _, _, _]) => d.is_atom(Atom::DOWN) && *r == mref,
        _ => false,
    };
    let first = match how {
        Shutdown::BrutalKill => Atom::KILL,
        _ => Atom::SHUTDOWN,
    };
    ctx.exit_signal(pid, Term::Atom(first));
    let timeout = match how {
        Shutdown::Timeout(ms) => Some(ms),
        _ => None,
    };
    let down = match ctx.receive_match(is_down, timeout).await {
        Some(d) => d,
        None => {
            ctx.exit_signal(pid, Term::Atom(Atom::KILL));
            ctx.receive_match(is_down, None).await.unwrap_or(Term::Atom(Atom::KILLED))
        }
    };
    let reason = down.as_tuple().and_then(|t| t.get(4).cloned()).unwrap_or(Term::Atom(Atom::KILLED));
    unlink_flush(ctx, pid, reason).await
}

/// Unlinks and takes a pending `{:EXIT, pid, reason}`, preferring its reason.
async fn unlink_flush(ctx: &Ctx, pid: Pid, default: Term) -> Term {
    ctx.unlink(pid);
    let is_exit = move |m: &Term| matches!(m.tagged(Atom::EXIT), Some([_, Term::Pid(p), _]) if *p == pid);
    match ctx.receive_match(is_exit, Some(0)).await {
        Some(Term::Tuple(t)) => t[2].clone(),
        _ => default,
    }
}

impl Supervisor {
    /// `terminate_children/2` over the children at `idx` (given in start
    /// order; shut down in reverse). Temporary children are removed.
    async fn terminate_children(&mut self, ctx: &Ctx, idx: &[usize]) {
        let mut remove = Vec::new();
        for &i in idx.iter().rev() {
            let Some(c) = self.children.get_mut(i) else {
                continue;
            };
            if let Slot::Pid(pid) = c.slot {
                let how = c.spec.shutdown;
                let id = c.spec.id.clone();
                let reason = shutdown(ctx, pid, how).await;
                ctx.emit(EventKind::ChildTerminated { sup: ctx.pid(), child: id, pid, reason });
            }
            let c = &mut self.children[i];
            if c.spec.restart == RestartType::Temporary {
                remove.push(i);
            } else {
                c.slot = Slot::Undefined;
                c.started_at = None;
            }
        }
        // The shared sort (crate::util): the same order, one copy less in the wasm.
        crate::util::sort(&mut remove);
        for i in remove.into_iter().rev() {
            self.children.remove(i);
        }
    }

    /// `start_children/2` over the children from `from` on (start order).
    /// Returns the failed child's id and reason if one fails; the ones
    /// after it are left unstarted.
    async fn start_children(&mut self, ctx: &Ctx, from: usize) -> Result<(), (Term, Term)> {
        let mut i = from;
        while i < self.children.len() {
            let spec = self.children[i].spec.clone();
            match do_start_child(ctx, &spec, spec.args.clone()).await {
                Ok(None) if spec.restart == RestartType::Temporary => {
                    self.children.remove(i);
                    continue;
                }
                Ok(p) => {
                    self.children[i].slot = p.map(Slot::Pid).unwrap_or(Slot::Undefined);
                    self.children[i].started_at = p.map(|_| ctx.now());
                    if let Some(pid) = p {
                        ctx.emit(EventKind::ChildStarted { sup: ctx.pid(), child: spec.id.clone(), pid });
                    }
                }
                Err(reason) => return Err((spec.id.clone(), failed_to_start(&spec.id, reason))),
            }
            i += 1;
        }
        Ok(())
    }

    /// `add_restart/1`: stamps a restart and drops the stamps older than
    /// the period; `Shutdown` when that makes more than the intensity.
    fn add_restart(&mut self, ctx: &Ctx) -> Next {
        let now = ctx.now().as_secs();
        let threshold = now as i128 - self.flags.period_s as i128;
        while self.restarts.back().is_some_and(|&r| (r as i128) < threshold) {
            self.restarts.pop_back();
        }
        self.restarts.push_front(now);
        if self.restarts.len() as u32 <= self.flags.intensity {
            Next::Continue
        } else {
            Next::Shutdown
        }
    }

    /// Handles a child's exit: `restart_child/3` and `do_restart/3`.
    async fn child_exited(&mut self, ctx: &Ctx, pid: Pid, reason: Term) -> Next {
        if self.paused {
            self.held.push((pid, reason));
            return Next::Continue;
        }
        if self.is_simple() {
            let Some(args) = self.dynamics.get(&DynKey::Pid(pid)).cloned() else {
                return Next::Continue;
            };
            let Some(tpl) = self.children.first().map(|c| c.spec.clone()) else {
                return Next::Continue;
            };
            if !needs_restart(tpl.restart, &reason) {
                self.dynamics.remove(&DynKey::Pid(pid));
                return Next::Continue;
            }
            return self.restart_dynamic(ctx, DynKey::Pid(pid), args, tpl, reason).await;
        }
        let Some(i) = self.pos_by_slot(Slot::Pid(pid)) else {
            return Next::Continue;
        };
        let restart = self.children[i].spec.restart;
        if !needs_restart(restart, &reason) {
            self.del_child(i);
            return Next::Continue;
        }
        let id = self.children[i].spec.id.clone();
        self.restart(ctx, id, reason).await
    }

    /// `del_child`: a temporary child is removed, others lose their pid.
    fn del_child(&mut self, i: usize) {
        if self.children[i].spec.restart == RestartType::Temporary {
            self.children.remove(i);
        } else {
            self.children[i].slot = Slot::Undefined;
            self.children[i].started_at = None;
        }
    }

    /// `restart/2`: counts the restart, then restarts by strategy.
    async fn restart(&mut self, ctx: &Ctx, id: Term, reason: Term) -> Next {
        if self.add_restart(ctx) == Next::Shutdown {
            if let Some((old, until)) = self.rollback.take() {
                if ctx.now().as_secs() <= until {
                    // The change made things worse: roll it back and carry
                    // on under the old strategy with a fresh budget.
                    ctx.emit(EventKind::Log {
                        pid: Some(ctx.pid()),
                        text: Rc::from(format!(
                            "strategy change rolled back: {} -> {}",
                            self.flags.strategy.name(),
                            old.name()
                        )),
                    });
                    self.flags.strategy = old;
                    self.restarts.clear();
                    self.restarts.push_front(ctx.now().as_secs());
                    return Box::pin(self.restart_by_strategy(ctx, id, reason)).await;
                }
            }
            ctx.emit(EventKind::MaxIntensity {
                sup: ctx.pid(),
                restarts: self.restarts.len() as u32,
                period_ms: self.flags.period_s * 1000,
            });
            if let Some(i) = self.pos(&id) {
                self.del_child(i);
            }
            return Next::Shutdown;
        }
        Box::pin(self.restart_by_strategy(ctx, id, reason)).await
    }

    async fn restart_by_strategy(&mut self, ctx: &Ctx, id: Term, reason: Term) -> Next {
        let Some(i) = self.pos(&id) else { return Next::Continue };
        let old = match self.children[i].slot {
            Slot::Pid(p) => Some(p),
            Slot::Restarting(p) => p,
            Slot::Undefined => None,
        };
        match self.flags.strategy {
            Strategy::OneForOne | Strategy::SimpleOneForOne => {
                let spec = self.children[i].spec.clone();
                match do_start_child(ctx, &spec, spec.args.clone()).await {
                    Ok(p) => {
                        let c = &mut self.children[i];
                        c.slot = p.map(Slot::Pid).unwrap_or(Slot::Undefined);
                        c.started_at = p.map(|_| ctx.now());
                        self.record(ctx, &id, &reason, old, p);
                    }
                    Err(_) => {
                        self.children[i].slot = Slot::Restarting(old);
                        self.record(ctx, &id, &reason, old, None);
                        try_again(ctx, Term::tuple(vec![Term::atom("id"), id]));
                    }
                }
            }
            Strategy::RestForOne | Strategy::OneForAll => {
                let from = if self.flags.strategy == Strategy::OneForAll { 0 } else { i };
                // del_child for the failed one (one_for_all) / split_child
                // (rest_for_one): the dead child has no pid any more.
                if self.children[i].spec.restart == RestartType::Temporary && self.flags.strategy == Strategy::OneForAll
                {
                    self.children.remove(i);
                } else {
                    self.children[i].slot = Slot::Undefined;
                }
                let idx: Vec<usize> = (from..self.children.len()).collect();
                self.terminate_children(ctx, &idx).await;
                let res = self.start_children(ctx, from).await;
                let new = self.pos(&id).and_then(|j| match self.children[j].slot {
                    Slot::Pid(p) => Some(p),
                    _ => None,
                });
                self.record(ctx, &id, &reason, old, new);
                if let Err((failed, _)) = res {
                    if let Some(j) = self.pos(&failed) {
                        self.children[j].slot =
                            if failed == id { Slot::Restarting(old) } else { Slot::Restarting(None) };
                    }
                    try_again(ctx, Term::tuple(vec![Term::atom("id"), failed]));
                }
            }
        }
        Next::Continue
    }

    async fn restart_dynamic(&mut self, ctx: &Ctx, key: DynKey, args: Vec<Term>, tpl: ChildSpec, reason: Term) -> Next {
        if self.add_restart(ctx) == Next::Shutdown {
            ctx.emit(EventKind::MaxIntensity {
                sup: ctx.pid(),
                restarts: self.restarts.len() as u32,
                period_ms: self.flags.period_s * 1000,
            });
            self.dynamics.remove(&key);
            return Next::Shutdown;
        }
        let old = match key {
            DynKey::Pid(p) | DynKey::Restarting(p) => p,
            DynKey::Undefined => return Next::Continue,
        };
        if matches!(key, DynKey::Restarting(_)) {
            self.dynamic_restarts = self.dynamic_restarts.saturating_sub(1);
        }
        self.dynamics.remove(&key);
        match do_start_child(ctx, &tpl, args.clone()).await {
            Ok(Some(p)) => {
                self.dynamics.insert(DynKey::Pid(p), args);
                self.record(ctx, &tpl.id, &reason, Some(old), Some(p));
            }
            Ok(None) => {
                // OTP 25 stores the ignored restart under `undefined` (see
                // `DynKey`); the supervisor will crash when it shuts down.
                self.dynamics.insert(DynKey::Undefined, args);
                self.record(ctx, &tpl.id, &reason, Some(old), None);
            }
            Err(_) => {
                self.dynamic_restarts += 1;
                self.dynamics.insert(DynKey::Restarting(old), args);
                self.record(ctx, &tpl.id, &reason, Some(old), None);
                try_again(ctx, Term::tuple(vec![Term::atom("restarting"), Term::Pid(old)]));
            }
        }
        Next::Continue
    }

    /// `handle_cast({try_again_restart, Id})`.
    async fn try_again_restart(&mut self, ctx: &Ctx, what: &Term) -> Next {
        let Some(t) = what.as_tuple() else {
            return Next::Continue;
        };
        if t.len() != 2 {
            return Next::Continue;
        }
        if t[0].is_atom(Atom::new("restarting")) {
            let Some(old) = t[1].as_pid() else {
                return Next::Continue;
            };
            let key = DynKey::Restarting(old);
            let Some(args) = self.dynamics.get(&key).cloned() else {
                return Next::Continue;
            };
            let Some(tpl) = self.children.first().map(|c| c.spec.clone()) else {
                return Next::Continue;
            };
            return self.restart_dynamic(ctx, key, args, tpl, Term::atom("try_again_restart")).await;
        }
        let id = t[1].clone();
        match self.pos(&id).map(|i| self.children[i].slot) {
            Some(Slot::Restarting(_)) => self.restart(ctx, id, Term::atom("try_again_restart")).await,
            _ => Next::Continue,
        }
    }

    /// `terminate/2`: shut every child down.
    async fn terminate_all(&mut self, ctx: &Ctx) {
        if self.is_simple() {
            self.terminate_dynamic_children(ctx).await;
        } else {
            let idx: Vec<usize> = (0..self.children.len()).collect();
            self.terminate_children(ctx, &idx).await;
        }
    }

    /// `terminate_dynamic_children/1`: signal all at once (in pid order),
    /// then collect the DOWNs; a timeout kills whoever is left.
    async fn terminate_dynamic_children(&mut self, ctx: &Ctx) {
        let Some(tpl) = self.children.first().map(|c| c.spec.clone()) else { return };
        if self.dynamics.contains_key(&DynKey::Undefined) {
            // OTP 25's fold over the children has no clause for the key
            // `undefined`, which comes first in a small map: the supervisor
            // fails with `function_clause` before it signals any child.
            // (Over 32 children OTP's map order is by hash; not modelled.)
            match ctx.exit(dynamic_children_crash()).await {}
        }
        let mut waiting: Vec<(Pid, Ref)> = Vec::new();
        for k in self.dynamics.keys() {
            if let DynKey::Pid(p) = k {
                let mref = ctx.monitor(*p);
                let sig = if tpl.shutdown == Shutdown::BrutalKill { Atom::KILL } else { Atom::SHUTDOWN };
                ctx.exit_signal(*p, Term::Atom(sig));
                waiting.push((*p, mref));
            }
        }
        let timer = match tpl.shutdown {
            Shutdown::Timeout(ms) => {
                let tref = ctx.make_ref();
                let key = ctx.send_after(
                    ms,
                    ctx.pid(),
                    Term::tuple(vec![Term::Atom(Atom::TIMEOUT), Term::Ref(tref), Term::Atom(Atom::KILL)]),
                );
                Some((tref, key))
            }
            _ => None,
        };
        let mut tref = timer.map(|t| t.0);
        while !waiting.is_empty() {
            let w = waiting.clone();
            let cur = tref;
            let m = ctx
                .receive_match(
                    move |m: &Term| match m.as_tuple() {
                        Some([d, Term::Ref(r), _, Term::Pid(p), _]) if d.is_atom(Atom::DOWN) => w.contains(&(*p, *r)),
                        Some([t, Term::Ref(r), _]) if t.is_atom(Atom::TIMEOUT) => Some(*r) == cur,
                        _ => false,
                    },
                    None,
                )
                .await;
            let Some(Term::Tuple(t)) = m else { continue };
            if t.len() == 5 {
                if let (Some(p), Some(r)) = (t[3].as_pid(), t[1].as_ref_()) {
                    waiting.retain(|x| *x != (p, r));
                    let reason = unlink_flush(ctx, p, t[4].clone()).await;
                    ctx.emit(EventKind::ChildTerminated { sup: ctx.pid(), child: tpl.id.clone(), pid: p, reason });
                }
            } else {
                for (p, _) in &waiting {
                    ctx.exit_signal(*p, Term::Atom(Atom::KILL));
                }
                tref = None;
            }
        }
        if let Some((_, key)) = timer {
            if ctx.cancel_timer(key).is_none() {
                // The timeout fired after the last DOWN: flush it.
                let r = timer.map(|t| t.0);
                ctx.receive_match(move |m: &Term| matches!(m.as_tuple(), Some([t, Term::Ref(x), _]) if t.is_atom(Atom::TIMEOUT) && Some(*x) == r), Some(0)).await;
            }
        }
        self.dynamics.clear();
    }

    // --- child management calls ------------------------------------------

    async fn call_start_child(&mut self, ctx: &Ctx, arg: StartChildArg) -> Term {
        match arg {
            StartChildArg::Extra(extra) => {
                let Some(tpl) = self.children.first().map(|c| c.spec.clone()) else {
                    return Term::error_tuple(Term::atom("no_template"));
                };
                let mut args = tpl.args.clone();
                args.extend(extra);
                match do_start_child(ctx, &tpl, args.clone()).await {
                    Ok(None) => Term::ok_tuple(Term::Atom(Atom::UNDEFINED)),
                    Ok(Some(p)) => {
                        let stored = if tpl.restart == RestartType::Temporary { Vec::new() } else { args };
                        self.dynamics.insert(DynKey::Pid(p), stored);
                        ctx.emit(EventKind::ChildStarted { sup: ctx.pid(), child: tpl.id.clone(), pid: p });
                        Term::ok_tuple(Term::Pid(p))
                    }
                    Err(e) => Term::error_tuple(e),
                }
            }
            StartChildArg::Spec(spec) => match self.pos(&spec.id) {
                None => match do_start_child(ctx, &spec, spec.args.clone()).await {
                    Ok(None) if spec.restart == RestartType::Temporary => Term::ok_tuple(Term::Atom(Atom::UNDEFINED)),
                    Ok(p) => {
                        if let Some(pid) = p {
                            ctx.emit(EventKind::ChildStarted { sup: ctx.pid(), child: spec.id.clone(), pid });
                        }
                        self.children.push(Child {
                            spec,
                            slot: p.map(Slot::Pid).unwrap_or(Slot::Undefined),
                            started_at: p.map(|_| ctx.now()),
                        });
                        Term::ok_tuple(p.map(Term::Pid).unwrap_or(Term::Atom(Atom::UNDEFINED)))
                    }
                    Err(e) => Term::error_tuple(Term::tuple(vec![e, spec.to_term()])),
                },
                Some(i) => match self.children[i].slot {
                    Slot::Pid(p) => {
                        Term::error_tuple(Term::tuple(vec![Term::Atom(Atom::ALREADY_STARTED), Term::Pid(p)]))
                    }
                    _ => Term::error_tuple(Term::Atom(Atom::ALREADY_PRESENT)),
                },
            },
        }
    }

    async fn call_terminate_child(&mut self, ctx: &Ctx, id: Term) -> Term {
        if self.is_simple() {
            let Some(pid) = id.as_pid() else {
                return Term::error_tuple(Term::Atom(Atom::SIMPLE_ONE_FOR_ONE));
            };
            if self.dynamics.contains_key(&DynKey::Pid(pid)) {
                let how = self.children.first().map(|c| c.spec.shutdown).unwrap_or(Shutdown::Infinity);
                let reason = shutdown(ctx, pid, how).await;
                ctx.emit(EventKind::ChildTerminated {
                    sup: ctx.pid(),
                    child: self.children.first().map(|c| c.spec.id.clone()).unwrap_or(Term::nil()),
                    pid,
                    reason,
                });
                self.dynamics.remove(&DynKey::Pid(pid));
                return Term::ok();
            }
            if self.dynamics.remove(&DynKey::Restarting(pid)).is_some() {
                self.dynamic_restarts = self.dynamic_restarts.saturating_sub(1);
                return Term::ok();
            }
            // OTP: a pid that is not a child but is dead answers ok.
            return if ctx.is_alive(pid) { Term::error_tuple(Term::Atom(Atom::NOT_FOUND)) } else { Term::ok() };
        }
        let Some(i) = self.pos(&id) else {
            return Term::error_tuple(Term::Atom(Atom::NOT_FOUND));
        };
        if let Slot::Pid(pid) = self.children[i].slot {
            let how = self.children[i].spec.shutdown;
            let reason = shutdown(ctx, pid, how).await;
            ctx.emit(EventKind::ChildTerminated { sup: ctx.pid(), child: id.clone(), pid, reason });
        }
        if let Some(i) = self.pos(&id) {
            self.del_child(i);
        }
        Term::ok()
    }

    async fn call_restart_child(&mut self, ctx: &Ctx, id: Term) -> Term {
        if self.is_simple() {
            return Term::error_tuple(Term::Atom(Atom::SIMPLE_ONE_FOR_ONE));
        }
        let Some(i) = self.pos(&id) else {
            return Term::error_tuple(Term::Atom(Atom::NOT_FOUND));
        };
        match self.children[i].slot {
            Slot::Undefined => {
                let spec = self.children[i].spec.clone();
                match do_start_child(ctx, &spec, spec.args.clone()).await {
                    Ok(p) => {
                        if let Some(j) = self.pos(&id) {
                            self.children[j].slot = p.map(Slot::Pid).unwrap_or(Slot::Undefined);
                            self.children[j].started_at = p.map(|_| ctx.now());
                        }
                        if let Some(pid) = p {
                            ctx.emit(EventKind::ChildStarted { sup: ctx.pid(), child: id.clone(), pid });
                        }
                        Term::ok_tuple(p.map(Term::Pid).unwrap_or(Term::Atom(Atom::UNDEFINED)))
                    }
                    Err(e) => Term::error_tuple(e),
                }
            }
            Slot::Restarting(_) => Term::error_tuple(Term::Atom(Atom::RESTARTING)),
            Slot::Pid(_) => Term::error_tuple(Term::Atom(Atom::RUNNING)),
        }
    }

    fn call_delete_child(&mut self, id: Term) -> Term {
        if self.is_simple() {
            return Term::error_tuple(Term::Atom(Atom::SIMPLE_ONE_FOR_ONE));
        }
        let Some(i) = self.pos(&id) else {
            return Term::error_tuple(Term::Atom(Atom::NOT_FOUND));
        };
        match self.children[i].slot {
            Slot::Undefined => {
                self.children.remove(i);
                Term::ok()
            }
            Slot::Restarting(_) => Term::error_tuple(Term::Atom(Atom::RESTARTING)),
            Slot::Pid(_) => Term::error_tuple(Term::Atom(Atom::RUNNING)),
        }
    }

    fn which_children(&self) -> Term {
        if self.is_simple() {
            let Some(t) = self.children.first() else {
                return Term::list(vec![]);
            };
            return Term::list(
                self.dynamics
                    .keys()
                    .map(|k| {
                        let p = match k {
                            DynKey::Pid(p) => Term::Pid(*p),
                            DynKey::Restarting(_) => Term::Atom(Atom::RESTARTING),
                            DynKey::Undefined => Term::Atom(Atom::UNDEFINED),
                        };
                        Term::tuple(vec![
                            Term::Atom(Atom::UNDEFINED),
                            p,
                            t.spec.child_type.to_term(),
                            t.spec.modules_term(),
                        ])
                    })
                    .collect::<Vec<_>>(),
            );
        }
        // OTP lists children in termination order (newest first).
        Term::list(
            self.children
                .iter()
                .rev()
                .map(|c| {
                    let p = match c.slot {
                        Slot::Pid(p) => Term::Pid(p),
                        Slot::Restarting(_) => Term::Atom(Atom::RESTARTING),
                        Slot::Undefined => Term::Atom(Atom::UNDEFINED),
                    };
                    Term::tuple(vec![c.spec.id.clone(), p, c.spec.child_type.to_term(), c.spec.modules_term()])
                })
                .collect::<Vec<_>>(),
        )
    }

    fn count_children(&self, ctx: &Ctx) -> Term {
        let kv = |k: &str, v: usize| Term::tuple(vec![Term::atom(k), Term::Int(v as i64)]);
        let (specs, active, sups, workers) = if self.is_simple() {
            let sz = self.dynamics.len();
            let active = sz - self.dynamic_restarts as usize;
            let sup = self.children.first().is_some_and(|c| c.spec.child_type == ChildType::Supervisor);
            (1, active, if sup { sz } else { 0 }, if sup { 0 } else { sz })
        } else {
            let mut a = (0, 0, 0, 0);
            for c in &self.children {
                a.0 += 1;
                if matches!(c.slot, Slot::Pid(p) if ctx.is_alive(p)) {
                    a.1 += 1;
                }
                if c.spec.child_type == ChildType::Supervisor {
                    a.2 += 1;
                } else {
                    a.3 += 1;
                }
            }
            a
        };
        Term::list(vec![kv("specs", specs), kv("active", active), kv("supervisors", sups), kv("workers", workers)])
    }

    fn state_term(&self) -> Term {
        let snap = self.snapshot();
        let children: Vec<Term> = snap
            .children
            .iter()
            .map(|c| {
                Term::map(vec![
                    (Term::atom("id"), Term::str(&c.id)),
                    (Term::atom("pid"), c.pid.map(Term::Pid).unwrap_or(Term::Atom(Atom::UNDEFINED))),
                    (Term::atom("restart"), Term::atom(c.restart.name())),
                    (Term::atom("shutdown"), c.shutdown.to_term()),
                ])
            })
            .collect();
        Term::map(vec![
            (Term::atom("strategy"), Term::atom(self.flags.strategy.name())),
            (Term::atom("intensity"), Term::Int(self.flags.intensity as i64)),
            (Term::atom("period"), Term::Int(self.flags.period_s as i64)),
            (
                Term::atom("restarts"),
                Term::list(self.restarts.iter().map(|r| Term::Int(*r as i64)).collect::<Vec<_>>()),
            ),
            (Term::atom("children"), Term::list(children)),
            (Term::atom("paused"), Term::bool(self.paused)),
        ])
    }

    /// Handles this tool's extension calls: the reply, and whether the
    /// supervisor carries on (resuming handles the held exits, which may
    /// reach the intensity). `None` when `req` is not one.
    async fn extension_call(&mut self, ctx: &Ctx, req: &Term) -> Option<(Term, Next)> {
        let t = req.tagged(Atom::new("otpsim"))?;
        let op = t.get(1)?.as_atom()?;
        let name = op.name();
        Some(match (&*name, t.get(2)) {
            ("pause", _) => {
                self.paused = true;
                (Term::ok(), Next::Continue)
            }
            ("resume", _) => {
                self.paused = false;
                let held = std::mem::take(&mut self.held);
                let mut next = Next::Continue;
                for (pid, reason) in held {
                    if next == Next::Continue {
                        next = self.child_exited(ctx, pid, reason).await;
                    }
                }
                (Term::ok(), next)
            }
            ("set_strategy", Some(s)) => (self.set_strategy(ctx, s, t.get(3)), Next::Continue),
            _ => (Term::error_tuple(Term::atom("unknown_request")), Next::Continue),
        })
    }

    fn set_strategy(&mut self, ctx: &Ctx, s: &Term, window: Option<&Term>) -> Term {
        let Some(new) = s.as_atom().and_then(|a| Strategy::parse(&a.name())) else {
            return Term::error_tuple(Term::tuple(vec![Term::atom("bad_strategy"), s.clone()]));
        };
        let old = self.flags.strategy;
        if new == old {
            return Term::ok_tuple(Term::atom(old.name()));
        }
        if new == Strategy::SimpleOneForOne || old == Strategy::SimpleOneForOne {
            // simple_one_for_one keeps its children in another shape (a
            // template and anonymous dynamic children): no safe conversion.
            return Term::error_tuple(Term::atom("incompatible_child_shape"));
        }
        if self.paused {
            return Term::error_tuple(Term::atom("supervision_paused"));
        }
        if self.children.iter().any(|c| matches!(c.slot, Slot::Restarting(_))) {
            return Term::error_tuple(Term::atom("restart_in_progress"));
        }
        let window_s = window.and_then(|w| w.as_int()).unwrap_or(self.flags.period_s as i64).max(0) as u64;
        self.flags.strategy = new;
        self.rollback = Some((old, ctx.now().as_secs() + window_s));
        Term::ok_tuple(Term::atom(old.name()))
    }
}

fn try_again(ctx: &Ctx, what: Term) {
    gen_server::cast(ctx, ctx.pid(), Term::tuple(vec![Term::atom("try_again_restart"), what]));
}

/// The argument of a `start_child` call.
enum StartChildArg {
    Spec(ChildSpec),
    Extra(Vec<Term>),
}

#[async_trait(?Send)]
impl GenServer for Supervisor {
    fn module(&self) -> &str {
        "supervisor"
    }

    async fn init(&mut self, ctx: &Ctx) -> Init {
        ctx.trap_exit(true);
        ctx.with(|k| {
            if let Some(p) = k.proc_mut(ctx.pid()) {
                p.extra_mut().supervisor = true;
            }
        });
        let Some(init) = self.init.take() else {
            return Init::Stop(Term::atom("no_init"));
        };
        match init(ctx.clone()).await {
            SupInit::Ignore => Init::Ignore,
            SupInit::Stop(r) => Init::Stop(r),
            SupInit::Ok(flags, specs) => {
                self.flags = flags;
                if flags.strategy == Strategy::SimpleOneForOne {
                    if specs.len() != 1 {
                        return Init::Stop(Term::tuple(vec![
                            Term::atom("bad_start_spec"),
                            Term::Int(specs.len() as i64),
                        ]));
                    }
                    self.children =
                        specs.into_iter().map(|spec| Child { spec, slot: Slot::Undefined, started_at: None }).collect();
                    return Init::Ok;
                }
                self.children =
                    specs.into_iter().map(|spec| Child { spec, slot: Slot::Undefined, started_at: None }).collect();
                match self.start_children(ctx, 0).await {
                    Ok(()) => Init::Ok,
                    Err((_, reason)) => {
                        let idx: Vec<usize> = (0..self.children.len()).collect();
                        self.terminate_children(ctx, &idx).await;
                        Init::Stop(Term::tuple(vec![Term::Atom(Atom::SHUTDOWN), reason]))
                    }
                }
            }
        }
    }

    async fn handle_call(&mut self, ctx: &Ctx, req: Term, _from: From) -> CallReply {
        if let Some((reply, next)) = self.extension_call(ctx, &req).await {
            return match next {
                Next::Continue => CallReply::Reply(reply),
                Next::Shutdown => CallReply::Stop(Term::Atom(Atom::SHUTDOWN), Some(reply)),
            };
        }
        let (op, arg) = match req.as_tuple() {
            Some([Term::Atom(op), arg]) => (*op, Some(arg.clone())),
            _ => match req.as_atom() {
                Some(a) => (a, None),
                None => return CallReply::Reply(Term::error_tuple(Term::atom("badarg"))),
            },
        };
        let name = op.name();
        let r = match (&*name, arg) {
            ("start_child", Some(a)) => {
                let arg = if self.is_simple() {
                    StartChildArg::Extra(a.as_list().map(|l| l.to_vec()).unwrap_or_default())
                } else {
                    match take_spec(ctx, &a) {
                        Some(spec) => StartChildArg::Spec(spec),
                        None => return CallReply::Reply(Term::error_tuple(Term::atom("invalid_child_spec"))),
                    }
                };
                self.call_start_child(ctx, arg).await
            }
            ("terminate_child", Some(id)) => self.call_terminate_child(ctx, id).await,
            ("restart_child", Some(id)) => self.call_restart_child(ctx, id).await,
            ("delete_child", Some(id)) => self.call_delete_child(id),
            ("get_childspec", Some(id)) => match self.pos(&id) {
                Some(i) => Term::ok_tuple(self.children[i].spec.to_term()),
                None => Term::error_tuple(Term::Atom(Atom::NOT_FOUND)),
            },
            ("which_children", None) => self.which_children(),
            ("count_children", None) => self.count_children(ctx),
            _ => Term::error_tuple(Term::tuple(vec![Term::atom("bad_request"), req.clone()])),
        };
        CallReply::Reply(r)
    }

    async fn handle_cast(&mut self, ctx: &Ctx, msg: Term) -> NoReply {
        if let Some(t) = msg.tagged(Atom::new("try_again_restart")) {
            if t.len() == 2 {
                let what = t[1].clone();
                if self.try_again_restart(ctx, &what).await == Next::Shutdown {
                    return NoReply::Stop(Term::Atom(Atom::SHUTDOWN));
                }
            }
        }
        NoReply::Continue
    }

    async fn handle_info(&mut self, ctx: &Ctx, msg: Term) -> NoReply {
        if let Some([_, Term::Pid(pid), reason]) = msg.tagged(Atom::EXIT) {
            if self.child_exited(ctx, *pid, reason.clone()).await == Next::Shutdown {
                return NoReply::Stop(Term::Atom(Atom::SHUTDOWN));
            }
        }
        NoReply::Continue
    }

    async fn terminate(&mut self, ctx: &Ctx, _reason: &Term) {
        self.terminate_all(ctx).await;
    }

    fn state(&self) -> Term {
        self.state_term()
    }

    /// A bounded summary for traced callbacks: the full state lists every
    /// restart stamp in the period (up to the intensity) and every child,
    /// and building it on each callback made tracing cost grow with them.
    fn trace_state(&self) -> Term {
        thread_local! {
            // The keys, interned once and already in term order (atoms
            // order by name), so the map is built without sorting.
            static KEYS: [Term; 5] =
                ["children", "paused", "restarts_in_period", "strategy", "total_restarts"].map(Term::atom);
            static STRATEGIES: [Term; 4] =
                ["one_for_one", "one_for_all", "rest_for_one", "simple_one_for_one"].map(Term::atom);
        }
        let running = self.children.iter().filter(|c| matches!(c.slot, Slot::Pid(_))).count() + self.dynamics.len();
        let i = match self.flags.strategy {
            Strategy::OneForOne => 0,
            Strategy::OneForAll => 1,
            Strategy::RestForOne => 2,
            Strategy::SimpleOneForOne => 3,
        };
        let strategy = STRATEGIES.with(|s| s[i].clone());
        KEYS.with(|[children, paused, restarts, strat, total]| {
            Term::Map(Rc::new([
                (children.clone(), Term::Int(running as i64)),
                (paused.clone(), Term::bool(self.paused)),
                (restarts.clone(), Term::Int(self.restarts.len() as i64)),
                (strat.clone(), strategy),
                (total.clone(), Term::Int(self.total_restarts as i64)),
            ]))
        })
    }

    fn as_any(&self) -> Option<&dyn std::any::Any> {
        Some(self)
    }
}
