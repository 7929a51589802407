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
