//! Seeded chaos: random kills of supervised workers at a rate per second,
//! drawn from the runtime's own generator at sample boundaries so that a
//! replay kills the same processes at the same times.

use super::{ControlError, System};
use crate::runtime::Command;
use crate::term::{Atom, Pid, Term};

/// Checks a chaos rate (kills per second): finite, between 0 and 1000.
pub(super) fn check_chaos_rate(rate_per_s: f64) -> Result<(), ControlError> {
    if rate_per_s.is_finite() && (0.0..=1000.0).contains(&rate_per_s) {
        Ok(())
    } else {
        Err(ControlError::BadRequest { message: "chaos rate must be between 0 and 1000 kills/s".into() })
    }
}

impl System {
    pub(super) fn chaos_tick(&mut self) {
        if self.chaos_rate <= 0.0 {
            return;
        }
        self.chaos_acc += self.chaos_rate * self.sample_ms() as f64 / 1000.0;
        while self.chaos_acc >= 1.0 {
            self.chaos_acc -= 1.0;
            // Supervised workers, read from the process table alone (a
            // supervisor's children have it as their parent), never from a
            // cache that read-only requests refresh: what chaos does must
            // depend only on the simulation, or replays would differ.
            let victims = self.supervised_workers();
            if victims.is_empty() {
                return;
            }
            let i = self.rt.kernel().rng.below(victims.len() as u64) as usize;
            let _ = self.rt.apply(Command::Exit { pid: victims[i], reason: Term::Atom(Atom::KILL) });
            self.invalidate();
        }
    }

    /// Live workers whose parent is a supervisor, in pid order.
    pub(super) fn supervised_workers(&self) -> Vec<Pid> {
        let k = self.rt.kernel_ref();
        let mut out = Vec::new();
        for pid in k.pids() {
            let Some(p) = k.proc(pid) else { continue };
            let is_sup = |x: &crate::runtime::Proc| x.extra().is_some_and(|e| e.supervisor);
            if is_sup(p) {
                continue;
            }
            if p.parent().and_then(|pp| k.proc(pp)).is_some_and(is_sup) {
                out.push(pid);
            }
        }
        out
    }
}
