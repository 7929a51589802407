//! Tests of `System`: building the tree, paths and names, the shell, timed
//! steps, chaos, the metrics sampler, subscriptions and exact replay.

mod common;

use common::{scenario, system};
use otpsim::control::{self, ControlError};
use otpsim::runtime::Command;
use otpsim::scenario::Scenario;
use otpsim::system::{Input, System, SystemOptions};
use otpsim::term::{Pid, Term};

fn basic() -> Scenario {
    scenario(
        r#"{"name":"basic","tree":{"id":"root","type":"supervisor","strategy":"one_for_one","intensity":5,"name":"root_sup","children":[
            {"id":"a","type":"worker","name":"a"},
            {"id":"sub","type":"supervisor","strategy":"one_for_all","intensity":3,"children":[
                {"id":"b","type":"worker","name":"b"},{"id":"c","type":"worker"}]}]}}"#,
    )
}

#[test]
fn the_tree_starts_with_paths_and_names() {
    let sys = System::new(basic(), SystemOptions::default()).unwrap();
    let paths: Vec<String> = sys.tree().into_iter().map(|e| e.path).collect();
    assert_eq!(paths, ["root", "root/a", "root/sub", "root/sub/b", "root/sub/c"]);
    let a = sys.resolve("a").unwrap();
    assert_eq!(sys.resolve("root/a").unwrap(), a);
    assert_eq!(sys.resolve(&a.short()).unwrap(), a);
    assert_eq!(sys.resolve("root_sup").unwrap(), sys.root().unwrap());
    assert_eq!(sys.resolve("c").unwrap(), sys.path_pid("root/sub/c").unwrap());
    assert!(matches!(sys.resolve("nobody"), Err(ControlError::NoProc { .. })));
    assert!(matches!(sys.resolve("0.9999.0"), Err(ControlError::NoProc { .. })));
}

#[test]
fn a_broken_scenario_is_an_error_not_a_panic() {
    let s = scenario(
        r#"{"tree":{"id":"r","type":"supervisor","children":[{"id":"w","type":"worker","params":{"slow":1}}]}}"#,
    );
    assert!(matches!(System::new(s, SystemOptions::default()), Err(ControlError::BadScenario { .. })));
    let s = scenario(
        r#"{"tree":{"id":"r","type":"supervisor","children":[{"id":"w","type":"worker","worker":"gadget"}]}}"#,
    );
    assert!(matches!(System::new(s, SystemOptions::default()), Err(ControlError::BadScenario { .. })));
}

#[test]
fn the_shell_makes_calls_and_the_generic_worker_answers() {
    let mut sys = System::new(basic(), SystemOptions::default()).unwrap();
    let a = sys.resolve("a").unwrap();
    let r = sys
        .call(1000, move |c| async move {
            otpsim::otp::gen_server::try_call(&c, a, Term::tuple(vec![Term::atom("inc"), Term::Int(5)]), Some(100))
                .await
        })
        .unwrap();
    assert_eq!(r, Term::Int(5));
    let st = control::get_genserver_state(&sys, a).unwrap();
    assert!(st.state.contains("value: 5"), "{}", st.state);
}

#[test]
fn timed_steps_run_as_virtual_time_passes() {
    let s = scenario(
        r#"{"tree":{"id":"root","type":"supervisor","intensity":5,"children":[{"id":"a","type":"worker"}]},
            "steps":[{"at_ms":100,"kill":"root/a"},{"at_ms":200,"send":"root/a","message":"{:inc, 7}"}]}"#,
    );
    let mut sys = System::new(s, SystemOptions::default()).unwrap();
    let a0 = sys.path_pid("root/a").unwrap();
    sys.tick(150);
    let a1 = sys.path_pid("root/a").unwrap();
    assert_ne!(a0, a1, "the step killed a and it was restarted");
    assert!(!sys.runtime().is_alive(a0));
    sys.tick(100);
    let st = control::get_genserver_state(&sys, a1).unwrap();
    assert!(st.state.contains("value: 7"), "{}", st.state);
}

#[test]
fn chaos_kills_at_the_rate_and_is_seeded() {
    let run = |seed| {
        let mut sys = System::new(basic(), SystemOptions { seed: Some(seed), ..Default::default() }).unwrap();
        sys.apply(Input::Chaos { rate_per_s: 2.0 }).unwrap();
        sys.tick(2000);
        (sys.restarts_total(), sys.tree().into_iter().map(|e| e.pid).collect::<Vec<_>>())
    };
    let (n, t1) = run(7);
    assert!((3..=5).contains(&n), "about 2 kills/s for 2 s, each restarted: {n}");
    assert_eq!(run(7).1, t1, "same seed, same victims");
    assert!(matches!(
        System::new(basic(), SystemOptions::default()).unwrap().apply(Input::Chaos { rate_per_s: -1.0 }),
        Err(ControlError::BadRequest { .. })
    ));
}

#[test]
fn the_sampler_keeps_bounded_series() {
    let mut sys = System::new(basic(), SystemOptions::default()).unwrap();
    let a = sys.resolve("a").unwrap();
    sys.watch(a);
    sys.tick(1000);
    assert_eq!(sys.metrics.system.len(), 10);
    let last = sys.metrics.system.last().unwrap();
    assert_eq!(last.processes, sys.runtime().counters().processes);
    assert!(last.memory_words > 0);
    assert_eq!(sys.metrics.procs.get(&a).unwrap().len(), 10);
    sys.tick(70_000);
    assert_eq!(sys.metrics.system.len(), otpsim::system::metrics::SERIES_CAPACITY);
}

#[test]
fn topics_deliver_events_and_metrics() {
    let mut sys = System::new(basic(), SystemOptions::default()).unwrap();
    let a = sys.resolve("a").unwrap();
    let all = sys.subscribe("process:*").unwrap();
    let one = sys.subscribe(&format!("process:{}", a.short())).unwrap();
    let sups = sys.subscribe("supervisor:*").unwrap();
    let root = sys.subscribe("supervisor:root_sup").unwrap();
    let m = sys.subscribe("system:metrics").unwrap();
    control::kill_process(&mut sys, a, Term::atom("kill")).unwrap();
    sys.tick(300);
    let ev = sys.poll(all).unwrap();
    assert!(ev["events"].as_array().unwrap().iter().any(|e| e["type"] == "exit"), "{ev}");
    let ev = sys.poll(one).unwrap();
    assert!(ev["events"].as_array().unwrap().iter().any(|e| e["type"] == "exit" && e["pid"] == a.short()), "{ev}");
    let ev = sys.poll(sups).unwrap();
    assert!(ev["events"].as_array().unwrap().iter().any(|e| e["type"] == "restart"), "{ev}");
    let ev = sys.poll(root).unwrap();
    assert!(ev["events"].as_array().unwrap().iter().any(|e| e["type"] == "restart"), "{ev}");
    let ev = sys.poll(m).unwrap();
    assert_eq!(ev["samples"].as_array().unwrap().len(), 3);
    assert_eq!(sys.poll(m).unwrap()["samples"].as_array().unwrap().len(), 0);
    assert!(sys.unsubscribe(m));
    assert!(sys.poll(m).is_none());
    assert!(matches!(sys.subscribe("weather:*"), Err(ControlError::BadRequest { .. })));
    assert!(matches!(sys.subscribe("supervisor:a"), Err(ControlError::NotSupervisor { .. })));
}

/// Everything the outside world does, replayed from the log, gives the same
/// event stream bit for bit.
#[test]
fn seed_scenario_and_input_log_replay_identically() {
    let s = scenario(
        r#"{"tree":{"id":"root","type":"supervisor","intensity":10,"children":[
            {"id":"a","type":"worker","name":"a","params":{"load":{"to":"b","every_ms":7,"message":"{:inc, 1}"}}},
            {"id":"b","type":"worker","name":"b"},
            {"id":"d","type":"supervisor","strategy":"simple_one_for_one","template":{"id":"t","type":"worker"}}]},
            "steps":[{"at_ms":50,"start_child":"root/d"},{"at_ms":120,"kill":"root/b"}]}"#,
    );
    let opts = SystemOptions { hash_events: true, seed: Some(42), ..Default::default() };
    let mut sys = System::new(s.clone(), opts.clone()).unwrap();
    sys.apply(Input::Chaos { rate_per_s: 3.0 }).unwrap();
    sys.tick(100);
    let b = sys.resolve("b").unwrap();
    control::send_message(&mut sys, b, "{:put, :k, 1}", &Default::default()).unwrap();
    control::suspend_process(&mut sys, b).unwrap();
    sys.tick(30);
    // b may have been killed by chaos meanwhile: a failed input replays as a failure too.
    let _ = control::resume_process(&mut sys, b);
    let root = sys.root().unwrap();
    control::pause_supervision(&mut sys, root).unwrap();
    sys.tick(200);
    control::resume_supervision(&mut sys, root).unwrap();
    sys.tick(500);
    let log = sys.input_log().to_vec();
    let h = sys.event_hash();
    assert_ne!(h, 0);
    let again = System::replay(s.clone(), opts.clone(), &log).unwrap();
    assert_eq!(again.event_hash(), h);
    assert_eq!(again.now(), sys.now());
    // A different seed gives a different stream (chaos picks other victims).
    let other = System::replay(s, SystemOptions { seed: Some(43), ..opts }, &log).unwrap();
    assert_ne!(other.event_hash(), h);
}

#[test]
fn runtime_commands_are_logged_inputs() {
    let mut sys = System::new(basic(), SystemOptions::default()).unwrap();
    let a = sys.resolve("a").unwrap();
    sys.apply(Input::Command { command: Command::Send { to: a, msg: Term::atom("ping") } }).unwrap();
    assert!(matches!(
        sys.apply(Input::Command { command: Command::Send { to: Pid(999), msg: Term::atom("x") } }),
        Err(ControlError::NoProc { .. })
    ));
    assert_eq!(sys.input_log().len(), 1, "an input refused for what it says is not logged");
    assert!(sys.input_log()[0].0 <= sys.now());
    assert!(sys.apply(Input::Chaos { rate_per_s: f64::NAN }).is_err());
    assert_eq!(sys.input_log().len(), 1);
}

#[test]
fn every_builtin_scenario_runs_with_its_sandbox_workers() {
    for name in otpsim::sandbox::builtin_names() {
        let text = otpsim::sandbox::builtin(name).unwrap();
        let mut sys = system(text);
        sys.tick(2000);
        assert!(sys.tree().len() > 2, "{name}: {:?}", sys.tree());
        let h = control::analyze_system_health(&sys);
        assert!(h.process_count > 2, "{name}");
    }
}

/// Every kind of input — commands, traced sends, calls, probes, supervisor
/// operations, simulated failures, chaos — replays to the same stream.
#[test]
fn every_kind_of_input_replays_identically() {
    use otpsim::control::probe::{ProbeAction, ProbeSpec};
    let s = scenario(
        r#"{"tree":{"id":"root","type":"supervisor","intensity":20,"children":[
            {"id":"a","type":"worker","name":"a","params":{"load":{"to":"b","every_ms":3,"message":"{:inc, 1}"}}},
            {"id":"b","type":"worker","name":"b","params":{"slow_ms":1}},
            {"id":"sub","type":"supervisor","strategy":"one_for_one","intensity":10,"children":[{"id":"c","type":"worker"},{"id":"d","type":"worker"}]}]}}"#,
    );
    let opts = SystemOptions { hash_events: true, seed: Some(5), ..Default::default() };
    let mut sys = System::new(s.clone(), opts.clone()).unwrap();
    let b = sys.resolve("b").unwrap();
    let sub = sys.resolve("sub").unwrap();
    sys.tick(50);
    let id = control::inject_debug_code(
        &mut sys,
        b,
        ProbeSpec { pattern: "{:\"$gen_cast\", {:inc, n}} when n >= 1".into(), action: ProbeAction::Delay { ms: 2 } },
    )
    .unwrap();
    sys.tick(20);
    control::remove_probe(&mut sys, b, id).unwrap();
    control::send_message(
        &mut sys,
        b,
        "{:inc, 9}",
        &control::SendOpts { call_timeout_ms: Some(500), ..Default::default() },
    )
    .unwrap();
    control::trace_message_flow(&mut sys, b, "{:\"$gen_cast\", :ping}", 20).unwrap();
    control::change_supervision_strategy(&mut sys, sub, "rest_for_one", None).unwrap();
    control::simulate_failure(&mut sys, sub, Some("c"), Term::atom("boom")).unwrap();
    // A child chosen at random: the choice is logged, and the runtime's
    // generator (which chaos below uses) is not disturbed.
    control::simulate_failure(&mut sys, sub, None, Term::atom("boom")).unwrap();
    let node: otpsim::scenario::Node = serde_json::from_str(r#"{"id":"e","type":"worker"}"#).unwrap();
    control::start_child(&mut sys, sub, node).unwrap();
    control::profile_process(&mut sys, b, 100).unwrap();
    sys.apply(Input::Chaos { rate_per_s: 5.0 }).unwrap();
    sys.tick(400);
    let h = sys.event_hash();
    let again = System::replay(s, opts, sys.input_log()).unwrap();
    assert_eq!(again.event_hash(), h);
    assert_eq!(again.runtime().counters().messages, sys.runtime().counters().messages);
    assert_eq!(again.tree(), sys.tree());
}

/// Read-only requests between inputs (which refresh caches) do not change
/// what the simulation does: a replay without them is identical.
#[test]
fn reading_does_not_change_the_simulation() {
    let s = scenario(
        r#"{"tree":{"id":"root","type":"supervisor","intensity":100,"children":[
            {"id":"a","type":"worker","params":{"load":{"to":"b","every_ms":2,"message":"{:work, 3000}","mode":"call"}}},
            {"id":"b","type":"worker","name":"b","params":{"slow_ms":1}},
            {"id":"s","type":"supervisor","strategy":"one_for_all","intensity":100,"children":[{"id":"c","type":"worker"},{"id":"d","type":"worker"}]}]}}"#,
    );
    let opts = SystemOptions { hash_events: true, seed: Some(9), ..Default::default() };
    let mut sys = System::new(s.clone(), opts.clone()).unwrap();
    sys.apply(Input::Chaos { rate_per_s: 20.0 }).unwrap();
    for _ in 0..40 {
        sys.tick(25);
        let _ = control::list_supervisors(&sys);
        let _ = control::get_process_hierarchy(&sys);
        let _ = control::analyze_system_health(&sys);
        let _ = control::detect_bottlenecks(&sys, 500);
        let _ = control::build_relationship_graph(&sys);
        let _ = sys.tree();
    }
    let again = System::replay(s, opts, sys.input_log()).unwrap();
    assert_eq!(again.event_hash(), sys.event_hash());
    assert!(sys.restarts_total() >= 10, "chaos was busy: {}", sys.restarts_total());
}

/// A run saved as a recording (JSON text) and read back replays to the
/// same event stream; a tampered recording is refused where it diverges.
#[test]
fn recordings_round_trip_through_json_and_replay_exactly() {
    let s = scenario(
        r#"{"name":"rec","tree":{"id":"root","type":"supervisor","intensity":10,"children":[
            {"id":"a","type":"worker","name":"a","params":{"load":{"to":"b","every_ms":4,"message":"{:inc, 1}"}}},
            {"id":"b","type":"worker","name":"b"},
            {"id":"s","type":"supervisor","strategy":"one_for_one","intensity":10,"children":[{"id":"c","type":"worker"}]}]}}"#,
    );
    let opts = SystemOptions { hash_events: true, seed: Some(77), ..Default::default() };
    let mut sys = System::new(s, opts.clone()).unwrap();
    let (b, sup) = (sys.resolve("b").unwrap(), sys.resolve("s").unwrap());
    sys.tick(30);
    control::send_message(&mut sys, b, "{:put, :k, [1, 2.5, \"x\", %{a: :b}]}", &Default::default()).unwrap();
    control::change_supervision_strategy(&mut sys, sup, "one_for_all", Some(3)).unwrap();
    let node: otpsim::scenario::Node =
        serde_json::from_str(r#"{"id":"d","type":"worker","restart":"transient"}"#).unwrap();
    control::start_child(&mut sys, sup, node).unwrap();
    control::inject_debug_code(
        &mut sys,
        b,
        otpsim::control::probe::ProbeSpec {
            pattern: "{:\"$gen_cast\", {:inc, _}}".into(),
            action: otpsim::control::probe::ProbeAction::Delay { ms: 1 },
        },
    )
    .unwrap();
    sys.apply(Input::Chaos { rate_per_s: 4.0 }).unwrap();
    sys.tick(500);
    let text = serde_json::to_string(&sys.recording()).unwrap();
    let rec: otpsim::system::Recording = serde_json::from_str(&text).unwrap();
    assert_eq!(rec.seed, 77);
    let again = System::from_recording(&rec, SystemOptions { hash_events: true, ..Default::default() }).unwrap();
    assert_eq!(again.event_hash(), sys.event_hash());
    // Tampered: an input moved in time.
    let mut bad = rec.clone();
    bad.inputs[2].at_ns += 1;
    let e = System::from_recording(&bad, SystemOptions::default()).err().unwrap();
    assert!(matches!(&e, ControlError::Refused { reason } if reason.contains("diverged at input 2")), "{e:?}");
    let mut bad = rec;
    bad.format = "something/9".into();
    assert!(matches!(System::from_recording(&bad, SystemOptions::default()), Err(ControlError::BadRequest { .. })));
}
