//! Process status as the views read it: [`ProcStatus`], a live process's
//! scheduling state, and [`NodeStatus`], what a node of the supervision
//! tree shows (which adds a child being restarted and a child not running).
//!
//! The control layer gives a process's status as text today. Reading that
//! text happens in one place, [`ProcStatus::of_name`], so that when the
//! runtime's own status enum reaches the control layer this becomes a
//! plain conversion and nothing else in the web changes.

/// A live process's status, as `process_info` reports it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ProcStatus {
    Runnable,
    Running,
    Waiting,
    Exiting,
    /// Suspended by `erlang:suspend_process` (whatever it was doing).
    Suspended,
}

impl ProcStatus {
    /// The status the control layer names `name`, if any.
    pub(super) fn of_name(name: &str) -> Option<ProcStatus> {
        Some(match name {
            "runnable" => ProcStatus::Runnable,
            "running" => ProcStatus::Running,
            "waiting" => ProcStatus::Waiting,
            "exiting" => ProcStatus::Exiting,
            "suspended" => ProcStatus::Suspended,
            _ => return None,
        })
    }

    /// The status's name, as `process_info` writes it.
    pub fn name(self) -> &'static str {
        match self {
            ProcStatus::Runnable => "runnable",
            ProcStatus::Running => "running",
            ProcStatus::Waiting => "waiting",
            ProcStatus::Exiting => "exiting",
            ProcStatus::Suspended => "suspended",
        }
    }
}

/// What a node of the supervision tree shows: its colour, and the status
/// word of its accessible name.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum NodeStatus {
    /// Alive and not waiting (runnable, running or exiting).
    Running,
    /// Alive and blocked in a receive.
    Waiting,
    Suspended,
    /// Its supervisor is restarting it.
    Restarting,
    /// Not running (terminated, or its start failed).
    Undefined,
}

impl NodeStatus {
    /// A node's status from its supervisor's word for the child (`state`)
    /// and, when it has a live process, that process's status.
    pub(super) fn of(child_state: &str, live: Option<ProcStatus>) -> NodeStatus {
        match (child_state, live) {
            ("restarting", _) => NodeStatus::Restarting,
            (_, Some(ProcStatus::Suspended)) => NodeStatus::Suspended,
            (_, Some(ProcStatus::Waiting)) => NodeStatus::Waiting,
            (_, Some(_)) => NodeStatus::Running,
            (_, None) => NodeStatus::Undefined,
        }
    }

    /// The status word the tree's accessible names, its CSS classes
    /// (`st-…`) and the reports use.
    pub fn name(self) -> &'static str {
        match self {
            NodeStatus::Running => "running",
            NodeStatus::Waiting => "waiting",
            NodeStatus::Suspended => "suspended",
            NodeStatus::Restarting => "restarting",
            NodeStatus::Undefined => "undefined",
        }
    }
}

impl std::fmt::Display for NodeStatus {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

impl std::fmt::Display for ProcStatus {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_status_name_reads_back() {
        for s in
            [ProcStatus::Runnable, ProcStatus::Running, ProcStatus::Waiting, ProcStatus::Exiting, ProcStatus::Suspended]
        {
            assert_eq!(ProcStatus::of_name(s.name()), Some(s));
        }
        assert_eq!(ProcStatus::of_name("asleep"), None);
    }

    #[test]
    fn a_node_shows_restarting_first_then_its_process() {
        assert_eq!(NodeStatus::of("restarting", Some(ProcStatus::Waiting)), NodeStatus::Restarting);
        assert_eq!(NodeStatus::of("running", Some(ProcStatus::Suspended)), NodeStatus::Suspended);
        assert_eq!(NodeStatus::of("running", Some(ProcStatus::Waiting)), NodeStatus::Waiting);
        assert_eq!(NodeStatus::of("running", Some(ProcStatus::Runnable)), NodeStatus::Running);
        assert_eq!(NodeStatus::of("running", None), NodeStatus::Undefined);
    }
}
