//! Tests of the Control API's supervisor functions: analytics, simulated
//! failures, strategy changes (accepted, refused, rolled back), paused
//! supervision, starting children and the tree benchmark.

mod common;

use common::{system, system_with};
use otpsim::control::{self, ControlError};
use otpsim::otp::Strategy;
use otpsim::scenario::Node;
use otpsim::system::{System, SystemOptions};
use otpsim::term::{Pid, Term};

fn sup3(strategy: &str, intensity: u32) -> System {
    system(&format!(
        r#"{{"tree":{{"id":"root","type":"supervisor","name":"top","strategy":"{strategy}","intensity":{intensity},"period_s":5,"children":[
            {{"id":"a","type":"worker"}},{{"id":"b","type":"worker"}},{{"id":"c","type":"worker"}}]}}}}"#
    ))
}

fn kids(sys: &System) -> Vec<Option<Pid>> {
    sys.snapshot(sys.root().unwrap()).unwrap().children.iter().map(|c| c.pid).collect()
}

fn kill(sys: &mut System, path: &str) {
    let p = sys.path_pid(path).unwrap();
    control::kill_process(sys, p, Term::atom("kill")).unwrap();
    sys.tick(5);
}

#[test]
fn analytics_count_restarts_budget_and_uptime() {
    let mut sys = sup3("one_for_one", 10);
    let root = sys.root().unwrap();
    sys.tick(1000);
    kill(&mut sys, "root/b");
    sys.tick(500);
    kill(&mut sys, "root/b");
    kill(&mut sys, "root/c");
    let a = control::get_supervisor_analytics(&sys, root).unwrap();
    assert_eq!(a.total_restarts, 3);
    assert_eq!(a.most_crashed[0].child, "b");
    assert_eq!(a.most_crashed[0].restarts, 2);
    assert_eq!(a.most_crashed[0].last_reason, ":killed");
    assert_eq!(a.most_crashed[1].child, "c");
    assert_eq!(a.restart_budget.used_in_period, 3);
    assert_eq!(a.restart_budget.remaining, 7);
    assert_eq!(a.restart_frequency.iter().map(|b| b.restarts).sum::<u64>(), 3);
    let b = a.uptime.iter().find(|u| u.child == "b").unwrap();
    let up_a = a.uptime.iter().find(|u| u.child == "a").unwrap();
    assert!(up_a.current_uptime_ms.unwrap() > 1500.0);
    assert!(b.current_uptime_ms.unwrap() < 10.0);
    // b lived ~1000 ms, then ~500 ms, and now ~0: the mean is about 500.
    let avg = b.average_uptime_ms.unwrap();
    assert!((480.0..=530.0).contains(&avg), "{avg}");
    // Budget after the period: the stamps have expired.
    sys.tick(6000);
    let a = control::get_supervisor_analytics(&sys, root).unwrap();
    assert_eq!(a.restart_budget.used_in_period, 0);
    // Every running child has a sampled resource trend.
    assert_eq!(a.resource_trends.len(), 3);
    assert!(a.resource_trends.iter().all(|t| t.memory_words.len() >= 50 && t.memory_slope_words_per_s.abs() < 1.0));
    let w = sys.path_pid("root/a").unwrap();
    assert!(matches!(control::get_supervisor_analytics(&sys, w), Err(ControlError::NotSupervisor { .. })));
}

#[test]
fn simulate_failure_reports_what_restarted_and_when() {
    let mut sys = sup3("rest_for_one", 5);
    let root = sys.root().unwrap();
    let before = kids(&sys);
    let r = control::simulate_failure(&mut sys, root, Some("b"), Term::atom("boom")).unwrap();
    assert!(r.recovered && !r.supervisor_died && !r.survived);
    assert_eq!(r.pid, before[1].unwrap());
    assert_eq!(r.restarted.len(), 1);
    assert_eq!(r.restarted[0].child, "b");
    assert_eq!(r.restarted[0].reason, ":boom");
    assert!(r.time_to_recover_ms.unwrap() <= 1.0);
    assert_eq!(r.before.processes, r.after.processes);
    let after = kids(&sys);
    assert_eq!(after[0], before[0], "rest_for_one keeps the older sibling");
    assert_ne!(after[1], before[1]);
    assert_ne!(after[2], before[2], "and restarts the younger one");
    assert!(matches!(
        control::simulate_failure(&mut sys, root, Some("zzz"), Term::atom("x")),
        Err(ControlError::NotFound { .. })
    ));
    // Without a child id, the seeded RNG chooses: the same in two identical systems.
    let pick = |seed| {
        let mut s = system_with(
            r#"{"tree":{"id":"root","type":"supervisor","intensity":9,"children":[{"id":"a","type":"worker"},{"id":"b","type":"worker"},{"id":"c","type":"worker"},{"id":"d","type":"worker"}]}}"#,
            SystemOptions { seed: Some(seed), ..Default::default() },
        );
        let root = s.root().unwrap();
        let r = control::simulate_failure(&mut s, root, None, Term::atom("x")).unwrap();
        assert!(r.chosen_at_random);
        r.child_id
    };
    assert_eq!(pick(1), pick(1));
    let picks: std::collections::BTreeSet<String> = (0..12).map(pick).collect();
    assert!(picks.len() > 1, "different seeds choose different children: {picks:?}");
}

#[test]
fn a_failure_past_the_intensity_takes_the_supervisor_down() {
    let mut sys = system(
        r#"{"tree":{"id":"root","type":"supervisor","intensity":5,"children":[
            {"id":"fragile","type":"supervisor","intensity":0,"children":[{"id":"w","type":"worker"}]}]}}"#,
    );
    let fragile = sys.path_pid("root/fragile").unwrap();
    let r = control::simulate_failure(&mut sys, fragile, Some("w"), Term::atom("boom")).unwrap();
    assert!(r.supervisor_died);
    assert!(!r.recovered);
    assert!(sys.path_pid("root/fragile").is_some_and(|p| p != fragile), "its parent restarted it");
}

#[test]
fn strategy_changes_take_effect_are_refused_when_unsafe_and_roll_back() {
    let mut sys = sup3("one_for_one", 1);
    let root = sys.root().unwrap();
    let c = control::change_supervision_strategy(&mut sys, root, "one_for_all", Some(2)).unwrap();
    assert_eq!(c.old, "one_for_one");
    assert_eq!(sys.snapshot(root).unwrap().flags.strategy, Strategy::OneForAll);
    // It takes effect: killing a restarts all three.
    let before = kids(&sys);
    kill(&mut sys, "root/a");
    let after = kids(&sys);
    assert!(before.iter().zip(&after).all(|(x, y)| x != y), "one_for_all restarted every child");
    // A second failure inside the window reaches the intensity (1): the
    // change is rolled back instead of the supervisor dying.
    kill(&mut sys, "root/b");
    assert!(sys.runtime().is_alive(root));
    assert_eq!(sys.snapshot(root).unwrap().flags.strategy, Strategy::OneForOne);
    // Refusals.
    let e = control::change_supervision_strategy(&mut sys, root, "simple_one_for_one", None).unwrap_err();
    assert!(matches!(&e, ControlError::Refused { reason } if reason.contains("incompatible_child_shape")), "{e:?}");
    control::pause_supervision(&mut sys, root).unwrap();
    let e = control::change_supervision_strategy(&mut sys, root, "rest_for_one", None).unwrap_err();
    assert!(matches!(&e, ControlError::Refused { reason } if reason.contains("paused")), "{e:?}");
    assert!(matches!(
        control::change_supervision_strategy(&mut sys, root, "one_for_two", None),
        Err(ControlError::BadRequest { .. })
    ));
    assert_eq!(sys.snapshot(root).unwrap().flags.strategy, Strategy::OneForOne, "refusals change nothing");
}

#[test]
fn paused_supervision_holds_exits_until_resumed() {
    let mut sys = sup3("one_for_one", 5);
    let root = sys.root().unwrap();
    control::pause_supervision(&mut sys, root).unwrap();
    let a = sys.path_pid("root/a").unwrap();
    control::kill_process(&mut sys, a, Term::atom("kill")).unwrap();
    sys.tick(100);
    let snap = sys.snapshot(root).unwrap();
    assert!(snap.paused);
    assert_eq!(snap.held_exits, 1);
    assert_eq!(snap.total_restarts, 0, "nothing restarts while paused");
    // A simulated failure while paused reports the exit as held.
    let r = control::simulate_failure(&mut sys, root, Some("b"), Term::atom("boom")).unwrap();
    assert!(r.held_by_pause && !r.recovered && r.restarted.is_empty());
    control::resume_supervision(&mut sys, root).unwrap();
    sys.tick(5);
    let snap = sys.snapshot(root).unwrap();
    assert_eq!(snap.total_restarts, 2);
    assert!(snap.children[0].pid.is_some_and(|p| p != a && sys.runtime().is_alive(p)));
}

#[test]
fn start_child_from_a_scenario_node() {
    let mut sys = sup3("one_for_one", 5);
    let root = sys.root().unwrap();
    let node: Node = serde_json::from_str(r#"{"id":"extra","type":"worker","name":"extra"}"#).unwrap();
    let r = control::start_child(&mut sys, root, node.clone()).unwrap();
    let pid = r.as_tuple().unwrap()[1].as_pid().unwrap();
    assert_eq!(sys.resolve("extra").unwrap(), pid);
    assert_eq!(sys.path_pid("root/extra"), Some(pid));
    let e = control::start_child(&mut sys, root, node).unwrap_err();
    assert!(matches!(e, ControlError::Refused { .. }), "{e:?}");
    // Under simple_one_for_one, start_child adds a dynamic child from the template.
    let mut d = system(
        r#"{"tree":{"id":"root","type":"supervisor","children":[
            {"id":"dyn","type":"supervisor","strategy":"simple_one_for_one","template":{"id":"t","type":"worker"}}]}}"#,
    );
    let dynsup = d.path_pid("root/dyn").unwrap();
    let r = control::start_child(&mut d, dynsup, node_any()).unwrap();
    let p = r.as_tuple().unwrap()[1].as_pid().unwrap();
    assert_eq!(d.path_pid(&format!("root/dyn/#{}", p.0)), Some(p));
}

fn node_any() -> Node {
    serde_json::from_str(r#"{"id":"ignored","type":"worker"}"#).unwrap()
}

#[test]
fn the_benchmark_restarts_every_child_once_and_times_it() {
    let mut sys = sup3("one_for_one", 1);
    let root = sys.root().unwrap();
    let before = kids(&sys);
    let b = control::benchmark_supervision_tree(&mut sys, root).unwrap();
    assert_eq!(b.children.len(), 3);
    for (c, old) in b.children.iter().zip(&before) {
        assert_eq!(Some(c.old), *old);
        assert!(c.new.is_some_and(|n| Some(n) != *old));
        let t = c.restart_time_ms.unwrap();
        assert!(t > 0.0 && t < 1.0, "{t}");
    }
    assert!(sys.runtime().is_alive(root), "spaced out in time, intensity 1 is never exceeded");
    assert_eq!(b.processes_before, b.processes_after);
    assert!(b.took_ms >= 10_000.0, "waited twice for a stamp to leave the 5 s period: {}", b.took_ms);
    // With room in the budget there is no waiting at all.
    let mut sys = sup3("one_for_one", 10);
    let root = sys.root().unwrap();
    let b = control::benchmark_supervision_tree(&mut sys, root).unwrap();
    assert_eq!(b.children.iter().filter(|c| c.new.is_some()).count(), 3);
    assert!(b.took_ms < 10.0, "{}", b.took_ms);
}

#[test]
fn a_request_to_a_stuck_supervisor_times_out_and_the_next_one_works() {
    let mut sys = sup3("one_for_one", 5);
    let root = sys.root().unwrap();
    let [_, shell] = sys.system_pids();
    control::suspend_process(&mut sys, root).unwrap();
    let e = control::pause_supervision(&mut sys, root).unwrap_err();
    assert!(matches!(e, ControlError::Timeout { .. }), "{e:?}");
    let [_, shell2] = sys.system_pids();
    assert_ne!(shell, shell2, "the stuck shell was replaced");
    sys.tick(1);
    assert!(!sys.runtime().is_alive(shell));
    control::resume_process(&mut sys, root).unwrap();
    // The pause request was delivered before the timeout: as with an OTP
    // call that times out, it is still handled.
    sys.tick(1);
    assert!(sys.snapshot(root).unwrap().paused);
    control::resume_supervision(&mut sys, root).unwrap();
    assert!(!sys.snapshot(root).unwrap().paused);
    assert_eq!(control::list_all_processes(&sys, &Default::default()).total, 4, "no shell is listed");
}
