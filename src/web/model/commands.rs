//! The [`Sim`] commands: what the views can do to processes and
//! supervisors, each through the control layer (and so the input log, so a
//! recording replays them), each refused with a [`SimError`].

use super::{Sim, SimError};
use crate::control::probe::{ProbeAction, ProbeSpec};
use crate::control::{self, supervisors, SendOpts};
use crate::system::{Input, SupOp};
use crate::term::{Atom, Pid};

impl Sim {
    /// `Process.exit(pid, reason)`, the reason typed in Elixir syntax.
    pub fn kill(&mut self, pid: Pid, reason: &str) -> Result<(), SimError> {
        let reason = control::parse_term(reason).map_err(SimError::BadReason)?;
        Ok(control::kill_process(&mut self.sys, pid, reason)?)
    }

    pub fn suspend(&mut self, pid: Pid) -> Result<(), SimError> {
        Ok(control::suspend_process(&mut self.sys, pid)?)
    }

    pub fn resume(&mut self, pid: Pid) -> Result<(), SimError> {
        Ok(control::resume_process(&mut self.sys, pid)?)
    }

    /// Sends a message typed in Elixir syntax; a parse error says where.
    pub fn send_text(&mut self, pid: Pid, text: &str) -> Result<(), SimError> {
        control::send_message(&mut self.sys, pid, text, &SendOpts::default())?;
        Ok(())
    }

    /// Installs a probe: `pattern` in Elixir syntax, optionally ending in
    /// `when guard`; a bad pattern is an error that says where.
    pub fn add_probe(&mut self, pid: Pid, pattern: &str, action: ProbeAction) -> Result<u64, SimError> {
        Ok(control::inject_debug_code(&mut self.sys, pid, ProbeSpec { pattern: pattern.to_string(), action })?)
    }

    pub fn remove_probe(&mut self, pid: Pid, id: u64) -> Result<(), SimError> {
        Ok(control::remove_probe(&mut self.sys, pid, id)?)
    }

    /// Rolls a StatefulWorker back to one of its versions: sends it
    /// `{:rollback, version}`.
    pub fn rollback(&mut self, pid: Pid, version: u64) -> Result<(), SimError> {
        self.send_text(pid, &format!("{{:rollback, {version}}}"))
    }

    /// Turns this process's tracing on or off.
    pub fn set_traced(&mut self, pid: Pid, on: bool) -> Result<(), SimError> {
        Ok(control::set_tracing(&mut self.sys, pid, on)?)
    }

    /// Chaos mode: seeded random worker kills at this rate (0: off).
    pub fn set_chaos(&mut self, rate_per_s: f64) -> Result<(), SimError> {
        let r = if rate_per_s.is_finite() { rate_per_s.clamp(0.0, 50.0) } else { 0.0 };
        self.sys.apply(Input::Chaos { rate_per_s: r })?;
        Ok(())
    }

    /// A supervisor request through the input log; an `{:error, reason}`
    /// answer is a refusal.
    fn sup_op(&mut self, sup: Pid, op: SupOp) -> Result<(), SimError> {
        let r = self.sys.apply(Input::Supervisor { sup, op })?;
        match r.tagged(Atom::ERROR) {
            Some([_, e]) => Err(SimError::SupervisorRefused(e.clone())),
            _ => Ok(()),
        }
    }

    pub fn restart_child(&mut self, sup: Pid, id: &str) -> Result<(), SimError> {
        self.sup_op(sup, SupOp::RestartChild { id: id.to_string() })
    }

    pub fn terminate_child(&mut self, sup: Pid, id: &str) -> Result<(), SimError> {
        self.sup_op(sup, SupOp::TerminateChild { id: id.to_string() })
    }

    /// Changes a supervisor's strategy at run time (rolled back if it
    /// reaches its intensity within its period).
    pub fn set_strategy(&mut self, sup: Pid, strategy: &str) -> Result<(), SimError> {
        supervisors::change_supervision_strategy(&mut self.sys, sup, strategy, None)?;
        Ok(())
    }

    pub fn set_paused(&mut self, sup: Pid, paused: bool) -> Result<(), SimError> {
        if paused {
            Ok(supervisors::pause_supervision(&mut self.sys, sup)?)
        } else {
            Ok(supervisors::resume_supervision(&mut self.sys, sup)?)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::web::model::test_pid_of as pid_of;
    use crate::web::model::NodeStatus;

    #[test]
    fn a_killed_worker_is_restarted_with_a_new_pid() {
        let mut sim = Sim::new("demo", 7).unwrap();
        sim.advance(500);
        let old = pid_of(&sim, "cache");
        sim.kill(old, ":kill").unwrap();
        sim.advance(100);
        let t = sim.tree().unwrap();
        let c = t.find_id("cache").unwrap();
        assert_ne!(c.pid, Some(old));
        assert!(c.pid.is_some());
        assert_eq!(c.restarts, 1);
    }

    #[test]
    fn sending_changes_state_and_bad_input_is_an_error() {
        let mut sim = Sim::new("demo", 7).unwrap();
        let p = pid_of(&sim, "team_red");
        sim.send_text(p, "{:set, 4242}").unwrap();
        sim.advance(50);
        let d = sim.details(p).unwrap();
        assert!(d.state.unwrap().contains("4242"));
        let e = sim.send_text(p, "{:set, ").unwrap_err();
        assert!(e.to_string().contains("1:"), "{e}");
        assert!(sim.send_text(Pid(99999), ":x").is_err());
        assert!(sim.kill(p, "{").is_err());
    }

    #[test]
    fn suspend_and_resume() {
        let mut sim = Sim::new("demo", 7).unwrap();
        let p = pid_of(&sim, "team_green");
        sim.suspend(p).unwrap();
        assert_eq!(sim.tree().unwrap().find(p).unwrap().status, NodeStatus::Suspended);
        sim.resume(p).unwrap();
        assert_ne!(sim.tree().unwrap().find(p).unwrap().status, NodeStatus::Suspended);
        assert!(sim.resume(p).is_err());
    }

    #[test]
    fn strategy_change_and_supervisor_calls() {
        let mut sim = Sim::new("demo", 7).unwrap();
        let events = pid_of(&sim, "events");
        sim.set_strategy(events, "one_for_one").unwrap();
        assert_eq!(sim.tree().unwrap().find_id("events").unwrap().strategy.as_deref(), Some("one_for_one"));
        let teams = pid_of(&sim, "teams");
        sim.terminate_child(teams, "team_red").unwrap();
        assert_eq!(sim.tree().unwrap().find_id("team_red").unwrap().pid, None);
        sim.restart_child(teams, "team_red").unwrap();
        assert!(sim.tree().unwrap().find_id("team_red").unwrap().pid.is_some());
        assert!(sim.set_strategy(events, "bogus").is_err());
    }
}
