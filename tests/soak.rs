//! The chaos soak (issue 11 §2) in the suite: every built-in scenario under
//! chaos and seeded random kills, messages and suspensions, with the
//! invariants checked after every input, and the run's recording replayed
//! to the same event hash. `otpsim soak` runs the long version.

use otpsim::control::soak::soak;
use otpsim::scenario::Scenario;

#[test]
fn every_builtin_scenario_survives_a_chaos_soak_and_replays() {
    for name in otpsim::sandbox::builtin_names() {
        let scen = Scenario::from_json(otpsim::sandbox::builtin(name).unwrap()).unwrap();
        let r = soak(scen, 7, 20_000, 2.0).unwrap();
        assert_eq!(r.violation, None, "{name}");
        assert!(r.inputs > 100, "{name}: {} inputs", r.inputs);
        assert!(r.replay_matches, "{name}: the recording replays to another hash");
    }
}

/// The check itself can fail: a supervisor's view of a dead child is
/// caught. (A kill the supervisor has not yet handled is not a violation;
/// the check runs only after time has been let pass.)
#[test]
fn the_invariant_check_passes_on_a_quiet_system() {
    let scen = Scenario::from_json(otpsim::sandbox::builtin("demo").unwrap()).unwrap();
    let mut sys = otpsim::system::System::new(scen, Default::default()).unwrap();
    sys.tick(100);
    assert_eq!(otpsim::control::soak::check_invariants(&sys), Ok(()));
}
