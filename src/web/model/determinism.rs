//! The determinism probe: a built-in scenario run with every event hashed,
//! whose hash must be the same natively and in wasm.

use super::{Sim, SimError, TreeNode};
use crate::term::Pid;

/// The determinism probe: runs a built-in scenario for `ms` of virtual time
/// with every event hashed, killing one worker halfway, and returns the
/// hash of the event stream. Equal natively and in wasm.
pub fn event_stream_hash(scenario: &str, seed: u64, ms: u64) -> Result<u64, SimError> {
    let mut sim = Sim::build(scenario, seed, true)?;
    sim.advance(ms / 2);
    if let Some(t) = sim.tree() {
        if let Some(p) = first_worker(&t) {
            sim.kill(p, ":kill")?;
        }
    }
    sim.advance(ms - ms / 2);
    Ok(sim.event_hash())
}

/// One case of the cross-target determinism check: a built-in scenario and
/// seed, with chaos (2 kills a second) or without, and a scripted set of
/// inputs (a message to the first worker, a kill, a suspend and resume),
/// run for `ms`. Native tests write the hashes of every case into
/// `tests/determinism/hashes.txt`, and the wasm tests compare against it.
pub fn scripted_hash(scenario: &str, seed: u64, chaos: bool, ms: u64) -> Result<u64, SimError> {
    let mut sim = Sim::build(scenario, seed, true)?;
    if chaos {
        sim.set_chaos(2.0)?;
    }
    let quarter = ms / 4;
    sim.advance(quarter);
    let worker = sim.tree().as_ref().and_then(first_worker);
    if let Some(p) = worker {
        // Each input may be refused (the worker may be gone under chaos):
        // a refusal is part of the run, the same on every target.
        let _ = sim.send_text(p, "{:ping, 1}");
        sim.advance(quarter);
        let _ = sim.suspend(p);
        sim.advance(quarter / 2);
        let _ = sim.resume(p);
        let _ = sim.kill(p, ":boom");
    }
    sim.advance(ms.saturating_sub(sim.now_ms() as u64));
    Ok(sim.event_hash())
}

/// The cases [`scripted_hash`] is checked on: every built-in scenario, three
/// seeds, with and without chaos.
pub fn determinism_cases() -> Vec<(&'static str, u64, bool)> {
    let mut v = Vec::new();
    for (name, _) in super::SCENARIOS {
        for seed in [1, 42, 20261203] {
            for chaos in [false, true] {
                v.push((*name, seed, chaos));
            }
        }
    }
    v
}

fn first_worker(n: &TreeNode) -> Option<Pid> {
    if !n.supervisor {
        return n.pid;
    }
    n.children.iter().find_map(first_worker)
}

/// The hash [`event_stream_hash`]`("demo", 42, 3000)` gives, checked by a
/// native test and by the wasm test in headless Chromium.
pub const DEMO_HASH_SEED42_3000MS: u64 = 0x8acd_745e_75f7_8a42;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_event_stream_hash_is_the_recorded_constant() {
        let h = event_stream_hash("demo", 42, 3000).unwrap();
        assert_eq!(
            h, DEMO_HASH_SEED42_3000MS,
            "update DEMO_HASH_SEED42_3000MS to {h:#x} if the demo changed on purpose"
        );
    }
}
