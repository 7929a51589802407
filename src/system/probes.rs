//! Probes (`inject_debug_code`): a pattern on messages in Elixir syntax with
//! an optional guard (compiled by [`crate::pattern`]), and an action,
//! installed on a GenServer as a runtime `MessageHook` that sees each
//! message before the server handles it; and the system's bookkeeping of
//! which probes sit on which process.

use super::{ControlError, System};
use crate::pattern::{parse_clause, Clause};
use crate::runtime::{Ctx, EventKind, HookAction, MessageHook};
use crate::term::{Pid, Term};
use serde::{Deserialize, Serialize};
use std::cell::{Cell, RefCell};
use std::rc::Rc;

/// What a probe does when its pattern matches.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ProbeAction {
    /// Emit a log event with the message, then handle it.
    Log,
    /// Only count the hit.
    Count,
    /// Suspend the process before it handles the message (a breakpoint);
    /// it handles the message when resumed.
    Pause,
    /// Wait this many virtual ms, then handle the message.
    Delay { ms: u64 },
    /// Throw the message away.
    Drop,
}

impl ProbeAction {
    fn name(&self) -> String {
        match self {
            ProbeAction::Log => "log".into(),
            ProbeAction::Count => "count".into(),
            ProbeAction::Pause => "pause".into(),
            ProbeAction::Delay { ms } => format!("delay {ms}"),
            ProbeAction::Drop => "drop".into(),
        }
    }
}

/// A probe as the user wrote it: `pattern` may end in `when guard`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ProbeSpec {
    pub pattern: String,
    pub action: ProbeAction,
}

/// Compiles a probe spec, checking its action, pattern and guard.
pub fn compile(spec: &ProbeSpec) -> Result<Clause, ControlError> {
    if let ProbeAction::Delay { ms } = spec.action {
        if ms > 3_600_000 {
            return Err(ControlError::BadRequest { message: "a probe delay is at most 3600000 ms".into() });
        }
    }
    Ok(parse_clause(&spec.pattern)?)
}

/// One installed probe and its hit count.
pub struct Probe {
    pub id: u64,
    pub spec: ProbeSpec,
    pub compiled: Clause,
    pub hits: Cell<u64>,
}

/// A probe as plain data.
#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct ProbeInfo {
    pub id: u64,
    pub pid: Pid,
    pub pattern: String,
    pub action: ProbeAction,
    pub hits: u64,
}

/// Every probe on one process: the process's message hook.
#[derive(Default)]
pub struct ProbeSet {
    probes: RefCell<Vec<Probe>>,
}

impl ProbeSet {
    pub fn add(&self, id: u64, spec: ProbeSpec, compiled: Clause) {
        self.probes.borrow_mut().push(Probe { id, spec, compiled, hits: Cell::new(0) });
    }

    pub fn remove(&self, id: u64) -> bool {
        let mut v = self.probes.borrow_mut();
        let before = v.len();
        v.retain(|p| p.id != id);
        v.len() != before
    }

    pub fn is_empty(&self) -> bool {
        self.probes.borrow().is_empty()
    }

    pub fn contains(&self, id: u64) -> bool {
        self.probes.borrow().iter().any(|p| p.id == id)
    }

    pub fn list(&self, pid: Pid) -> Vec<ProbeInfo> {
        self.probes
            .borrow()
            .iter()
            .map(|p| ProbeInfo {
                id: p.id,
                pid,
                pattern: p.spec.pattern.clone(),
                action: p.spec.action.clone(),
                hits: p.hits.get(),
            })
            .collect()
    }
}

impl MessageHook for ProbeSet {
    /// Every matching probe counts a hit; the first matching probe whose
    /// action changes handling (pause, delay, drop) decides.
    fn before(&self, ctx: &Ctx, msg: &Term) -> HookAction {
        let mut decision = HookAction::Handle;
        for p in self.probes.borrow().iter() {
            if !p.compiled.matches(msg) {
                continue;
            }
            p.hits.set(p.hits.get() + 1);
            ctx.emit(EventKind::ProbeHit {
                pid: ctx.pid(),
                probe: p.id,
                msg: msg.clone(),
                action: Rc::from(p.spec.action.name()),
            });
            match &p.spec.action {
                ProbeAction::Log => ctx.emit(EventKind::Log {
                    pid: Some(ctx.pid()),
                    text: Rc::from(format!("probe {} matched {}", p.id, msg)),
                }),
                ProbeAction::Count => {}
                a if decision == HookAction::Handle => {
                    decision = match a {
                        ProbeAction::Pause => HookAction::Pause,
                        ProbeAction::Delay { ms } => HookAction::Delay(*ms),
                        _ => HookAction::Drop,
                    }
                }
                _ => {}
            }
        }
        decision
    }
}

impl System {
    pub(super) fn install_probe(&mut self, pid: Pid, spec: ProbeSpec) -> Result<Term, ControlError> {
        let probe = compile(&spec)?;
        let info = self
            .rt
            .with_proc(pid, |p| p.extra().is_some_and(|e| e.gen_server))
            .ok_or(ControlError::NoProc { pid: pid.short() })?;
        if !info {
            return Err(ControlError::NotGenServer { pid: pid.short() });
        }
        let id = self.next_probe;
        self.next_probe += 1;
        let set = self.probes.get_or_insert_with(pid, || Rc::new(ProbeSet::default())).clone();
        set.add(id, spec, probe);
        self.rt.kernel().hooks.insert(pid, set as Rc<dyn crate::runtime::MessageHook>);
        Ok(Term::Int(id as i64))
    }

    pub(super) fn remove_probe(&mut self, pid: Pid, id: u64) -> Result<Term, ControlError> {
        let Some(set) = self.probes.get(&pid) else {
            return Err(ControlError::NotFound { what: format!("probe {id} on {}", pid.short()) });
        };
        if !set.remove(id) {
            return Err(ControlError::NotFound { what: format!("probe {id} on {}", pid.short()) });
        }
        if set.is_empty() {
            self.probes.remove(&pid);
            self.rt.kernel().hooks.remove(&pid);
        }
        Ok(Term::ok())
    }

    /// The probes installed on a live process.
    pub fn probes(&self, pid: Pid) -> Option<&Rc<ProbeSet>> {
        self.probes.get(&pid).filter(|_| self.rt.is_alive(pid))
    }

    pub fn all_probes(&self) -> impl Iterator<Item = (&Pid, &Rc<ProbeSet>)> {
        self.probes.iter()
    }
}
