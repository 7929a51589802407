//! [`Action`]: everything a view can ask of the simulator, as one value,
//! and [`Sim::act`], which carries it out and says what happened in the
//! words the playground's notice shows.
//!
//! The views only build actions; the app hands them to [`Sim::act`]. So
//! the views need nothing from the app, and what each action does is
//! tested natively.

use super::{probe_action, Sim, SimError};
use crate::term::Pid;

/// An action on a process or supervisor, from the tree, the inspector or
/// the flow view.
#[derive(Clone, Debug, PartialEq)]
pub enum Action {
    Kill {
        pid: Pid,
        reason: String,
    },
    Suspend(Pid),
    Resume(Pid),
    RestartChild {
        sup: Pid,
        id: String,
    },
    TerminateChild {
        sup: Pid,
        id: String,
    },
    SetStrategy {
        sup: Pid,
        strategy: String,
    },
    PauseSupervision(Pid, bool),
    Send {
        pid: Pid,
        text: String,
    },
    SendTraced {
        pid: Pid,
        text: String,
    },
    Trace(Pid, bool),
    /// Installs a probe; `action` is the select's value (`delay` uses `delay_ms`).
    AddProbe {
        pid: Pid,
        pattern: String,
        action: String,
        delay_ms: u64,
    },
    RemoveProbe {
        pid: Pid,
        id: u64,
    },
    /// Rolls a StatefulWorker back to a version of its history.
    Rollback {
        pid: Pid,
        version: u64,
    },
    /// Starts recording every message between the system's processes.
    StartRecording,
    /// Stops the recording and keeps it.
    StopRecording,
}

impl Sim {
    /// Carries out an action; on success, says what was done (the text of
    /// the playground's notice). A refused action changes nothing.
    pub fn act(&mut self, a: Action) -> Result<String, SimError> {
        Ok(match a {
            Action::Kill { pid, reason } => {
                self.kill(pid, &reason)?;
                format!("exit({pid}, {reason}) sent")
            }
            Action::Suspend(pid) => {
                self.suspend(pid)?;
                format!("{pid} suspended")
            }
            Action::Resume(pid) => {
                self.resume(pid)?;
                format!("{pid} resumed")
            }
            Action::RestartChild { sup, id } => {
                self.restart_child(sup, &id)?;
                format!("{id} restarted")
            }
            Action::TerminateChild { sup, id } => {
                self.terminate_child(sup, &id)?;
                format!("{id} terminated")
            }
            Action::SetStrategy { sup, strategy } => {
                self.set_strategy(sup, &strategy)?;
                format!("strategy of {sup} is now {strategy}")
            }
            Action::PauseSupervision(sup, on) => {
                self.set_paused(sup, on)?;
                format!("supervision {} on {sup}", if on { "paused" } else { "resumed" })
            }
            Action::Send { pid, text } => {
                self.send_text(pid, &text)?;
                format!("sent {text} to {pid}")
            }
            Action::SendTraced { pid, text } => {
                let n = self.send_traced(pid, &text)?;
                format!("traced {text} to {pid}: {n} messages followed")
            }
            Action::Trace(pid, on) => {
                self.set_traced(pid, on)?;
                format!("tracing {} for {pid}", if on { "on" } else { "off" })
            }
            Action::AddProbe { pid, pattern, action, delay_ms } => {
                let id = self.add_probe(pid, &pattern, probe_action(&action, delay_ms)?)?;
                format!("probe {id} on {pid}: {pattern} ({action})")
            }
            Action::RemoveProbe { pid, id } => {
                self.remove_probe(pid, id)?;
                format!("probe {id} removed from {pid}")
            }
            Action::Rollback { pid, version } => {
                self.rollback(pid, version)?;
                format!("rollback of {pid} to version {version} sent")
            }
            Action::StartRecording => {
                self.start_recording()?;
                "recording every message between the system's processes".into()
            }
            Action::StopRecording => format!("recorded {} messages", self.stop_recording()?),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::web::model::{test_pid_of as pid_of, NodeStatus, TreeNode};

    /// What a refused action must leave as it was: the tree, a worker's
    /// state and the recordings kept. (Not virtual time, which a request a
    /// supervisor refuses still spends; nor the input log, where the
    /// control layer logs some commands before the runtime refuses them,
    /// such as resuming a process that is not suspended, and replaying
    /// them is refused again.)
    fn unchanged(sim: &Sim) -> (Option<TreeNode>, Option<Result<String, String>>, usize) {
        let p = pid_of(sim, "team_red");
        (sim.tree(), sim.details(p).map(|d| d.state), sim.recordings().len())
    }

    #[test]
    fn process_actions_do_what_they_say() {
        let mut sim = Sim::new("demo", 7).unwrap();
        sim.advance(200);
        let p = pid_of(&sim, "team_red");
        assert_eq!(sim.act(Action::Suspend(p)).unwrap(), format!("{p} suspended"));
        assert_eq!(sim.tree().unwrap().find(p).unwrap().status, NodeStatus::Suspended);
        assert_eq!(sim.act(Action::Resume(p)).unwrap(), format!("{p} resumed"));
        assert_ne!(sim.tree().unwrap().find(p).unwrap().status, NodeStatus::Suspended);
        let sent = sim.act(Action::Send { pid: p, text: "{:set, 31}".into() }).unwrap();
        assert_eq!(sent, format!("sent {{:set, 31}} to {p}"));
        sim.advance(20);
        let versions = sim.details(p).unwrap().versions;
        assert_eq!(versions.last().map(|v| v.value.as_str()), Some("31"));
        sim.act(Action::Send { pid: p, text: "{:set, 32}".into() }).unwrap();
        sim.advance(20);
        let v31 = sim.details(p).unwrap().versions.iter().find(|v| v.value == "31").map(|v| v.version).unwrap();
        sim.act(Action::Rollback { pid: p, version: v31 }).unwrap();
        sim.advance(20);
        assert!(sim.details(p).unwrap().state.unwrap().contains("value: 31"));
        assert_eq!(sim.act(Action::Trace(p, true)).unwrap(), format!("tracing on for {p}"));
        assert!(sim.details(p).unwrap().traced);
        let probe = Action::AddProbe { pid: p, pattern: ":ping".into(), action: "count".into(), delay_ms: 0 };
        assert!(sim.act(probe).unwrap().starts_with("probe "));
        let id = sim.details(p).unwrap().probes[0].id;
        sim.act(Action::RemoveProbe { pid: p, id }).unwrap();
        assert!(sim.details(p).unwrap().probes.is_empty());
        let traced = sim.act(Action::SendTraced { pid: p, text: "{:inc, 1}".into() }).unwrap();
        assert!(traced.contains("messages followed"), "{traced}");
        assert!(sim.recordings().last().is_some_and(|r| r.traced));
        let old = pid_of(&sim, "cache");
        sim.act(Action::Kill { pid: old, reason: ":kill".into() }).unwrap();
        sim.advance(100);
        assert_ne!(pid_of(&sim, "cache"), old);
    }

    #[test]
    fn supervisor_and_recording_actions_do_what_they_say() {
        let mut sim = Sim::new("demo", 7).unwrap();
        let teams = pid_of(&sim, "teams");
        let events = pid_of(&sim, "events");
        sim.act(Action::TerminateChild { sup: teams, id: "team_red".into() }).unwrap();
        assert_eq!(sim.tree().unwrap().find_id("team_red").unwrap().pid, None);
        sim.act(Action::RestartChild { sup: teams, id: "team_red".into() }).unwrap();
        assert!(sim.tree().unwrap().find_id("team_red").unwrap().pid.is_some());
        sim.act(Action::SetStrategy { sup: events, strategy: "rest_for_one".into() }).unwrap();
        assert_eq!(sim.tree().unwrap().find(events).unwrap().strategy.as_deref(), Some("rest_for_one"));
        sim.act(Action::PauseSupervision(events, true)).unwrap();
        assert!(sim.tree().unwrap().find(events).unwrap().paused);
        sim.act(Action::PauseSupervision(events, false)).unwrap();
        assert!(!sim.tree().unwrap().find(events).unwrap().paused);
        sim.act(Action::StartRecording).unwrap();
        sim.advance(200);
        assert!(sim.act(Action::StopRecording).unwrap().starts_with("recorded "));
        assert_eq!(sim.recordings().len(), 1);
    }

    #[test]
    fn a_bad_action_is_a_typed_error_and_changes_nothing() {
        let mut sim = Sim::new("demo", 7).unwrap();
        sim.advance(200);
        let p = pid_of(&sim, "team_red");
        let teams = pid_of(&sim, "teams");
        let before = unchanged(&sim);
        let refused = [
            (Action::Send { pid: p, text: "{:set, ".into() }, "Control"),
            (Action::Kill { pid: p, reason: "{".into() }, "BadReason"),
            (Action::Resume(p), "Control"),
            (Action::Suspend(crate::term::Pid(99_999)), "Control"),
            (Action::SetStrategy { sup: teams, strategy: "bogus".into() }, "Control"),
            (Action::RestartChild { sup: teams, id: "no_such_child".into() }, "SupervisorRefused"),
            (
                Action::AddProbe { pid: p, pattern: ":x".into(), action: "explode".into(), delay_ms: 0 },
                "UnknownProbeAction",
            ),
            (Action::AddProbe { pid: p, pattern: "{:inc,".into(), action: "log".into(), delay_ms: 0 }, "Control"),
            (Action::StopRecording, "NotRecording"),
        ];
        for (a, kind) in refused {
            let e = sim.act(a.clone()).unwrap_err();
            let got = match &e {
                SimError::Control(_) => "Control",
                SimError::BadReason(_) => "BadReason",
                SimError::SupervisorRefused(_) => "SupervisorRefused",
                SimError::UnknownProbeAction(_) => "UnknownProbeAction",
                SimError::NotRecording => "NotRecording",
                other => panic!("{a:?}: unexpected {other:?}"),
            };
            assert_eq!(got, kind, "{a:?}: {e}");
            assert!(!e.to_string().is_empty());
            assert_eq!(unchanged(&sim), before, "{a:?} changed something");
        }
        sim.act(Action::StartRecording).unwrap();
        assert_eq!(sim.act(Action::StartRecording), Err(SimError::AlreadyRecording));
        assert_eq!(SimError::AlreadyRecording.to_string(), "a flow is already being recorded");
    }
}
