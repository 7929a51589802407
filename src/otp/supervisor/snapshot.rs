//! A supervisor's state as plain data for tools: its flags, its children,
//! its restart budget and its restart log (read through
//! [`Supervisor::snapshot`](super::Supervisor::snapshot)).

use super::child_spec::{ChildType, RestartType, Shutdown};
use super::flags::Flags;
use crate::term::Pid;
use serde::Serialize;

/// One restart the supervisor made, for analytics.
#[derive(Clone, Debug, Serialize)]
pub struct RestartRecord {
    pub at_ms: f64,
    pub child: String,
    pub reason: String,
    pub old: Option<Pid>,
    /// The new process, or `None` when the restart failed or was ignored.
    pub new: Option<Pid>,
}

/// A supervisor's state as plain data.
#[derive(Clone, Debug, Serialize)]
pub struct SupervisorSnapshot {
    pub flags: Flags,
    pub children: Vec<ChildSnapshot>,
    pub restarts_in_period: usize,
    pub paused: bool,
    pub held_exits: usize,
    pub rollback_armed: bool,
    pub total_restarts: u64,
    pub log: Vec<RestartRecord>,
}

#[derive(Clone, Debug, Serialize)]
pub struct ChildSnapshot {
    pub id: String,
    pub pid: Option<Pid>,
    /// `"running"`, `"undefined"` or `"restarting"`.
    pub state: &'static str,
    pub restart: RestartType,
    pub shutdown: Shutdown,
    pub child_type: ChildType,
    pub started_at_ms: Option<f64>,
}
