//! Child specifications: what a supervisor is told about each child —
//! its id, how it starts, its restart type, how it is shut down and its
//! type — as OTP's `child_spec()` map, and which exits restart a child.

use crate::otp::gen_server::{is_clean_exit, StartResult};
use crate::runtime::Ctx;
use crate::term::{Atom, Term};
use serde::Serialize;
use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;

#[derive(Clone, Copy, PartialEq, Eq, Debug, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum RestartType {
    Permanent,
    Transient,
    Temporary,
}

impl RestartType {
    pub fn parse(s: &str) -> Option<RestartType> {
        Some(match s {
            "permanent" => RestartType::Permanent,
            "transient" => RestartType::Transient,
            "temporary" => RestartType::Temporary,
            _ => return None,
        })
    }

    pub fn name(self) -> &'static str {
        match self {
            RestartType::Permanent => "permanent",
            RestartType::Transient => "transient",
            RestartType::Temporary => "temporary",
        }
    }
}

#[derive(Clone, Copy, PartialEq, Eq, Debug, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Shutdown {
    BrutalKill,
    /// Milliseconds to wait for the child's `terminate`.
    Timeout(u64),
    Infinity,
}

impl Shutdown {
    pub fn to_term(self) -> Term {
        match self {
            Shutdown::BrutalKill => Term::atom("brutal_kill"),
            Shutdown::Timeout(ms) => Term::Int(ms as i64),
            Shutdown::Infinity => Term::Atom(Atom::INFINITY),
        }
    }
}

#[derive(Clone, Copy, PartialEq, Eq, Debug, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ChildType {
    Worker,
    Supervisor,
}

impl ChildType {
    /// `worker` or `supervisor`.
    pub fn to_term(self) -> Term {
        Term::Atom(match self {
            ChildType::Worker => Atom::WORKER,
            ChildType::Supervisor => Atom::SUPERVISOR,
        })
    }
}

/// A child's start function: runs in the supervisor's process with the
/// spec's arguments (plus the extra ones of `start_child` under
/// `simple_one_for_one`), like the `M:F(A)` of an OTP child spec.
pub type StartFn = Rc<dyn Fn(Ctx, Vec<Term>) -> Pin<Box<dyn Future<Output = StartResult>>>>;

/// A child specification.
#[derive(Clone)]
pub struct ChildSpec {
    pub id: Term,
    pub start: StartFn,
    pub args: Vec<Term>,
    pub restart: RestartType,
    pub shutdown: Shutdown,
    pub child_type: ChildType,
    pub modules: Vec<Rc<str>>,
}

impl std::fmt::Debug for ChildSpec {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ChildSpec")
            .field("id", &self.id)
            .field("restart", &self.restart)
            .field("shutdown", &self.shutdown)
            .field("child_type", &self.child_type)
            .finish()
    }
}

impl ChildSpec {
    pub fn to_term(&self) -> Term {
        Term::map(vec![
            (Term::atom("id"), self.id.clone()),
            (Term::atom("restart"), Term::atom(self.restart.name())),
            (Term::atom("shutdown"), self.shutdown.to_term()),
            (Term::atom("type"), self.child_type.to_term()),
            (Term::atom("modules"), self.modules_term()),
        ])
    }

    /// The spec's modules as a list of atoms, as `which_children` and the
    /// spec's own term show them.
    pub(super) fn modules_term(&self) -> Term {
        Term::list(self.modules.iter().map(|m| Term::atom(m)).collect::<Vec<_>>())
    }
}

/// Whether a child that exited with `reason` is restarted, by its restart
/// type (OTP's `do_restart/3` clauses): a permanent child always, a
/// temporary one never, a transient one unless the exit was clean.
pub(super) fn needs_restart(restart: RestartType, reason: &Term) -> bool {
    match restart {
        RestartType::Permanent => true,
        RestartType::Temporary => false,
        RestartType::Transient => !is_clean_exit(reason),
    }
}
