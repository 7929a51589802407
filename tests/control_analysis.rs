//! Tests of the Control API's relationship, analysis, profiling and
//! message-flow functions, each on a scenario built for it — failure
//! impact is checked by then doing it, deadlocks by building one.

mod common;

use common::system;
use otpsim::control::{self, ControlError, SendOpts};
use otpsim::runtime::{EventKind, Filter, KindMask};
use otpsim::system::System;
use otpsim::term::{Pid, Term};
use std::collections::BTreeSet;

fn send(sys: &mut System, to: &str, m: &str) {
    let p = sys.resolve(to).unwrap();
    control::send_message(sys, p, m, &SendOpts::default()).unwrap();
}

/// Predicts the impact of killing `victim`, kills it, and checks that what
/// died and what restarted is what was predicted.
fn impact_matches_reality(json: &str, victim: &str) -> control::FailureImpact {
    impact_of_exit_matches_reality(json, victim, None)
}

/// As [`impact_matches_reality`], with the process exiting with `reason`
/// itself (a crash request to the generic worker) instead of being killed.
fn impact_of_exit_matches_reality(json: &str, victim: &str, reason: Option<&str>) -> control::FailureImpact {
    let mut sys = system(json);
    sys.tick(10);
    let pid = sys.resolve(victim).unwrap();
    let reason_term = reason.map(|r| otpsim::term::parse(r).unwrap());
    let predicted = control::trace_failure_impact(&sys, pid, reason_term).unwrap();
    let sub = sys
        .runtime()
        .bus(|b| b.subscribe(Filter::kinds(KindMask(KindMask::PROCS.0 | KindMask::SUPERVISION.0)), 1 << 16));
    match reason {
        None => control::kill_process(&mut sys, pid, Term::atom("kill")).unwrap(),
        Some(r) => {
            control::send_message(&mut sys, pid, &format!("{{:\"$gen_cast\", {{:crash, {r}}}}}"), &SendOpts::default())
                .unwrap();
        }
    }
    sys.tick(200);
    let (evs, _) = sys.runtime().bus(|b| b.drain(sub)).unwrap();
    let died: BTreeSet<Pid> = evs
        .iter()
        .filter_map(|e| match &e.kind {
            EventKind::Exit { pid, .. } => Some(*pid),
            _ => None,
        })
        .collect();
    // Processes started during the aftermath (restarts) are not in the prediction: only the ones alive before.
    let spawned: BTreeSet<Pid> = evs
        .iter()
        .filter_map(|e| match &e.kind {
            EventKind::Spawn { pid, .. } => Some(*pid),
            _ => None,
        })
        .collect();
    let died_old: BTreeSet<Pid> = died.difference(&spawned).copied().collect();
    let predicted_dead: BTreeSet<Pid> = predicted.dies.iter().map(|d| d.pid).collect();
    assert_eq!(predicted_dead, died_old, "predicted {:#?}", predicted);
    let restarts = evs.iter().filter(|e| matches!(e.kind, EventKind::Restart { .. })).count();
    let escalated = evs.iter().filter(|e| matches!(e.kind, EventKind::MaxIntensity { .. })).count();
    assert_eq!(escalated, predicted.escalations.len(), "{predicted:#?}");
    // Each supervisor's restart decision is one Restart event (a
    // one_for_all restart of many children is one event).
    let decisions: BTreeSet<(Pid, &str)> = predicted
        .restarts
        .iter()
        .filter(|r| !r.rule.contains("along with"))
        .map(|r| (r.supervisor, r.child.as_str()))
        .collect();
    assert_eq!(restarts, decisions.len(), "{predicted:#?}");
    predicted
}

#[test]
fn failure_impact_one_for_one_with_links_and_monitors() {
    let p = impact_matches_reality(
        r#"{"tree":{"id":"root","type":"supervisor","intensity":5,"children":[
            {"id":"a","type":"worker","name":"a"},
            {"id":"watcher","type":"worker","name":"watcher","params":{"monitors":["a"]}},
            {"id":"friend","type":"worker","name":"friend","params":{"links":["a"]}},
            {"id":"trapper","type":"worker","name":"trapper","trap_exit":true,"params":{"links":["a"]}}]}}"#,
        "a",
    );
    let rules: Vec<&str> = p.dies.iter().map(|d| d.rule.as_str()).collect();
    assert_eq!(p.dies.len(), 2, "a and its non-trapping link: {rules:?}");
    assert!(p.dies[1].rule.contains("not trapping exits"));
    assert!(p.notified.iter().any(|n| n.rule.contains("monitors")));
    assert!(p.notified.iter().any(|n| n.rule.contains("trapping exits")));
    assert_eq!(p.restarts.len(), 2);
}

#[test]
fn failure_impact_one_for_all_and_rest_for_one() {
    let p = impact_matches_reality(
        r#"{"tree":{"id":"root","type":"supervisor","intensity":5,"children":[
            {"id":"all","type":"supervisor","strategy":"one_for_all","intensity":5,"children":[
                {"id":"x","type":"worker","name":"x"},{"id":"y","type":"worker"},{"id":"t","type":"worker","restart":"temporary"}]},
            {"id":"rest","type":"supervisor","strategy":"rest_for_one","intensity":5,"children":[
                {"id":"p","type":"worker"},{"id":"q","type":"worker","name":"q"},{"id":"r","type":"worker"}]}]}}"#,
        "x",
    );
    assert_eq!(p.dies.len(), 3, "x, y and the temporary t");
    assert_eq!(p.restarts.len(), 2, "x and y; the temporary child is not restarted");
    let p = impact_matches_reality(
        r#"{"tree":{"id":"root","type":"supervisor","intensity":5,"children":[
            {"id":"rest","type":"supervisor","strategy":"rest_for_one","intensity":5,"children":[
                {"id":"p","type":"worker"},{"id":"q","type":"worker","name":"q"},{"id":"r","type":"worker"}]}]}}"#,
        "q",
    );
    assert_eq!(p.dies.len(), 2, "q and r, not p");
}

#[test]
fn failure_impact_with_a_sibling_linked_to_the_failing_child() {
    // api dies by its link to db, and rest_for_one restarts it with db:
    // one restart decision, and api's own exit, arriving later, is ignored.
    let p = impact_matches_reality(
        r#"{"tree":{"id":"root","type":"supervisor","intensity":5,"children":[
            {"id":"storage","type":"supervisor","strategy":"rest_for_one","intensity":5,"children":[
                {"id":"db","type":"worker","name":"db"},{"id":"cache","type":"worker"},
                {"id":"api","type":"worker","name":"api","params":{"links":["db"],"monitors":["db"]}}]}]}}"#,
        "db",
    );
    assert_eq!(p.dies.len(), 3);
    assert_eq!(p.restarts.len(), 3, "db, cache and api, once each: {:#?}", p.restarts);
    assert!(p.notified.is_empty(), "api monitors db but dies too: {:#?}", p.notified);
    // The same under one_for_all.
    let p = impact_matches_reality(
        r#"{"tree":{"id":"root","type":"supervisor","intensity":5,"children":[
            {"id":"s","type":"supervisor","strategy":"one_for_all","intensity":5,"children":[
                {"id":"x","type":"worker","name":"x"},{"id":"y","type":"worker","params":{"links":["x"]}},{"id":"z","type":"worker"}]}]}}"#,
        "x",
    );
    assert_eq!(p.restarts.len(), 3);
}

#[test]
fn failure_impact_of_normal_and_abnormal_exits_by_restart_type() {
    let tree = r#"{"tree":{"id":"root","type":"supervisor","intensity":5,"children":[
        {"id":"t","type":"worker","name":"t","restart":"transient"},
        {"id":"tmp","type":"worker","name":"tmp","restart":"temporary"},
        {"id":"friend","type":"worker","name":"friend","params":{"links":["t","tmp"]}}]}}"#;
    // A transient child exiting normally: not restarted, and its normal
    // exit signal leaves the linked friend alone.
    let p = impact_of_exit_matches_reality(tree, "t", Some(":normal"));
    assert_eq!(p.dies.len(), 1);
    assert!(p.restarts.is_empty());
    assert!(p.notified.iter().any(|n| n.rule.contains("not restarted")));
    // The same child crashing: restarted; the friend dies with it, and
    // takes tmp (also linked to it) along.
    let p = impact_of_exit_matches_reality(tree, "t", Some(":boom"));
    assert_eq!(p.dies.len(), 3);
    assert_eq!(p.restarts.len(), 2, "t and friend; tmp is temporary");
    // {:shutdown, _} is a clean exit for a transient child, but still kills a linked friend.
    let p = impact_of_exit_matches_reality(tree, "t", Some("{:shutdown, :bye}"));
    assert_eq!(p.dies.len(), 3);
    assert_eq!(p.restarts.len(), 1, "only the friend: {:#?}", p.restarts);
    // A temporary child is never restarted.
    let p = impact_of_exit_matches_reality(tree, "tmp", Some(":boom"));
    assert_eq!(p.restarts.iter().filter(|r| r.child == "tmp").count(), 0);
}

#[test]
fn failure_impact_escalation_past_the_intensity() {
    let p = impact_matches_reality(
        r#"{"tree":{"id":"root","type":"supervisor","intensity":5,"children":[
            {"id":"mid","type":"supervisor","intensity":0,"children":[{"id":"w","type":"worker","name":"w"},{"id":"v","type":"worker"}]},
            {"id":"other","type":"worker"}]}}"#,
        "w",
    );
    assert_eq!(p.escalations.len(), 1);
    assert!(p.escalations[0].rule.contains("exceeds intensity 0"));
    assert_eq!(p.dies.len(), 3, "w, then mid gives up and shuts v down");
    assert!(p.restarts.iter().any(|r| r.child == "mid"), "root restarts mid");
}

#[test]
fn failure_impact_of_a_supervisor_and_of_a_paused_one() {
    impact_matches_reality(
        r#"{"tree":{"id":"root","type":"supervisor","intensity":5,"children":[
            {"id":"mid","type":"supervisor","name":"mid","children":[{"id":"w","type":"worker"},{"id":"v","type":"worker"}]}]}}"#,
        "mid",
    );
    let mut sys =
        system(r#"{"tree":{"id":"root","type":"supervisor","children":[{"id":"w","type":"worker","name":"w"}]}}"#);
    let root = sys.root().unwrap();
    control::pause_supervision(&mut sys, root).unwrap();
    let p = control::trace_failure_impact(&sys, sys.resolve("w").unwrap(), None).unwrap();
    assert_eq!(p.held.len(), 1);
    assert!(p.restarts.is_empty());
    assert!(matches!(control::trace_failure_impact(&sys, Pid(999), None), Err(ControlError::NoProc { .. })));
}

#[test]
fn the_relationship_graph_has_links_monitors_parents_and_flows() {
    let mut sys = system(
        r#"{"tree":{"id":"root","type":"supervisor","children":[
            {"id":"b","type":"worker","name":"b"},
            {"id":"a","type":"worker","name":"a","params":{"monitors":["b"],"load":{"to":"b","every_ms":10,"message":"{:inc, 1}"}}}]}}"#,
    );
    sys.tick(1000);
    let g = control::build_relationship_graph(&sys);
    let (a, b, root) = (sys.resolve("a").unwrap(), sys.resolve("b").unwrap(), sys.root().unwrap());
    let has =
        |from: Pid, to: Pid, kind: &str| g.edges.iter().any(|e| e.from == Some(from) && e.to == to && e.kind == kind);
    assert!(has(root, a, "parent") && has(root, b, "parent"));
    assert!(has(root, a, "link") || has(a, root, "link"));
    assert!(has(a, b, "monitor"));
    let m = g.edges.iter().find(|e| e.from == Some(a) && e.to == b && e.kind == "message").unwrap();
    assert!((99..=101).contains(&m.count.unwrap()), "a casts to b every 10 ms: {:?}", m.count);
    assert!(m.shapes.as_ref().unwrap().contains_key("cast {:inc, _}"));
}

#[test]
fn dependencies_name_whom_it_calls_and_who_calls_it() {
    let mut sys = system(
        r#"{"tree":{"id":"root","type":"supervisor","children":[
            {"id":"db","type":"worker","name":"db"},
            {"id":"app","type":"worker","name":"app","params":{"links":["db"],"load":{"to":"db","every_ms":50,"message":":get","mode":"call"}}}]}}"#,
    );
    sys.tick(1000);
    let app = sys.resolve("app").unwrap();
    let db = sys.resolve("db").unwrap();
    let d = control::find_process_dependencies(&sys, app).unwrap();
    assert_eq!(d.calls.len(), 1);
    assert_eq!(d.calls[0].pid, Some(db));
    assert!((19..=20).contains(&d.calls[0].count), "{}", d.calls[0].count);
    assert!(d.links.contains(&db));
    assert_eq!(d.supervisors, [sys.root().unwrap()]);
    let d = control::find_process_dependencies(&sys, db).unwrap();
    assert_eq!(d.called_by[0].pid, Some(app));
    assert!(d.calls.is_empty());
}

#[test]
fn a_growing_queue_is_a_bottleneck_and_a_steady_one_is_not() {
    let mut sys = system(
        r#"{"tree":{"id":"root","type":"supervisor","children":[
            {"id":"slow","type":"worker","name":"slow","params":{"slow_ms":10}},
            {"id":"fast","type":"worker","name":"fast","params":{"slow_ms":1}},
            {"id":"p1","type":"worker","params":{"load":{"to":"slow","every_ms":5,"message":"{:inc, 1}"}}},
            {"id":"p2","type":"worker","params":{"load":{"to":"fast","every_ms":5,"message":"{:inc, 1}"}}}]}}"#,
    );
    sys.tick(3000);
    let b = control::detect_bottlenecks(&sys, 2000);
    let slow = sys.resolve("slow").unwrap();
    assert_eq!(b.growing_queues.len(), 1, "{:#?}", b.growing_queues);
    let g = &b.growing_queues[0];
    assert_eq!(g.pid, slow);
    // 200 msg/s in, 100 msg/s out: the queue grows by about 100 per second.
    assert!((90.0..=110.0).contains(&g.slope_per_s), "{}", g.slope_per_s);
    assert!(b.deadlocks.is_empty() && b.call_chains.is_empty());
    let h = control::analyze_system_health(&sys);
    assert_eq!(h.high_message_queues.len(), 1);
    assert!(h.score < 100);
}

#[test]
fn a_server_its_callers_keep_waiting_on_is_contended_and_a_quick_one_is_not() {
    let mut sys = system(
        r#"{"tree":{"id":"root","type":"supervisor","children":[
            {"id":"db","type":"worker","name":"db","params":{"slow_ms":4}},
            {"id":"quick","type":"worker","name":"quick"},
            {"id":"c1","type":"worker","params":{"load":{"to":"db","every_ms":3,"message":":get","mode":"call"}}},
            {"id":"c2","type":"worker","params":{"load":{"to":"db","every_ms":3,"message":":get","mode":"call"}}},
            {"id":"c3","type":"worker","params":{"load":{"to":"quick","every_ms":50,"message":":get","mode":"call"}}}]}}"#,
    );
    sys.tick(3000);
    let b = control::detect_bottlenecks(&sys, 2000);
    let db = sys.resolve("db").unwrap();
    assert_eq!(b.contended_servers.len(), 1, "{:#?}", b.contended_servers);
    let c = &b.contended_servers[0];
    assert_eq!(c.pid, db);
    assert!(c.blocked_fraction >= 0.9, "{}", c.blocked_fraction);
    assert!(c.mean_blocked_callers > 1.0, "{}", c.mean_blocked_callers);
    assert_eq!(c.callers, [sys.path_pid("root/c1").unwrap(), sys.path_pid("root/c2").unwrap()]);
    assert_eq!(c.samples, 20);
    assert!(control::generate_system_report(&sys).to_markdown().contains("callers were blocked on"));
}

#[test]
fn blocked_call_chains_and_deadlocks_are_found() {
    let mut sys = system(
        r#"{"tree":{"id":"root","type":"supervisor","children":[
            {"id":"a","type":"worker","name":"a"},{"id":"b","type":"worker","name":"b"},{"id":"c","type":"worker","name":"c"},
            {"id":"x","type":"worker","name":"x"},{"id":"y","type":"worker","name":"y"}]}}"#,
    );
    // a calls b, which calls c, which sleeps: a chain a -> b -> c.
    send(&mut sys, "a", "{:\"$gen_cast\", {:call, :b, {:call, :c, {:sleep, 3000}, 10000}, 10000}}");
    // x calls y, which calls x back: a deadlock.
    send(&mut sys, "x", "{:\"$gen_cast\", {:call, :y, {:call, :x, :ping, 10000}, 10000}}");
    sys.tick(100);
    let b = control::detect_bottlenecks(&sys, 2000);
    let [a, bb, c, x, y] = ["a", "b", "c", "x", "y"].map(|n| sys.resolve(n).unwrap());
    assert_eq!(b.deadlocks.len(), 1, "{b:#?}");
    assert_eq!(b.deadlocks[0].pids, [x, y]);
    assert!(b.deadlocks[0].explanation.contains("deadlock"));
    assert_eq!(b.call_chains.len(), 1, "{b:#?}");
    assert_eq!(b.call_chains[0].pids, [a, bb, c]);
    assert_eq!(control::find_process_dependencies(&sys, a).unwrap().blocked_on, Some(bb));
    // When c answers, the chain is gone; the deadlock stays until the calls time out.
    sys.tick(3000);
    let b = control::detect_bottlenecks(&sys, 2000);
    assert!(b.call_chains.is_empty());
    assert_eq!(b.deadlocks.len(), 1);
}

#[test]
fn health_is_100_when_clean_and_names_anti_patterns() {
    let sys =
        system(r#"{"tree":{"id":"root","type":"supervisor","intensity":3,"children":[{"id":"a","type":"worker"}]}}"#);
    let h = control::analyze_system_health(&sys);
    assert_eq!(h.score, 100);
    assert_eq!(h.supervised_percentage, 100.0);
    assert!(h.penalties.is_empty());
    let mut sys = system(
        r#"{"tree":{"id":"root","type":"supervisor","intensity":100,"period_s":1,"children":[
            {"id":"z","type":"supervisor","intensity":0,"children":[{"id":"w","type":"worker"}]},
            {"id":"empty","type":"supervisor"},
            {"id":"loop","type":"worker"}]}}"#,
    );
    for _ in 0..3 {
        let p = sys.path_pid("root/loop").unwrap();
        control::kill_process(&mut sys, p, Term::atom("kill")).unwrap();
        sys.tick(10);
    }
    let h = control::analyze_system_health(&sys);
    let kinds: BTreeSet<&str> = h.supervision_anti_patterns.iter().map(|f| f.kind).collect();
    assert_eq!(kinds, BTreeSet::from(["zero_intensity", "unbounded_restarts", "empty_supervisor", "crash_loop"]));
    assert_eq!(h.score, 80, "4 anti-patterns x 5 points: {:?}", h.penalties);
    // z gives up on its first restart: an escalation, for 10 s.
    let w = sys.path_pid("root/z/w").unwrap();
    control::kill_process(&mut sys, w, Term::atom("kill")).unwrap();
    sys.tick(10);
    let h = control::analyze_system_health(&sys);
    let esc: Vec<_> = h.supervision_anti_patterns.iter().filter(|f| f.kind == "escalation").collect();
    assert_eq!(esc.len(), 1, "{:#?}", h.supervision_anti_patterns);
    assert!(esc[0].explanation.contains("gave up"));
    sys.tick(11_000);
    let h = control::analyze_system_health(&sys);
    assert!(h.supervision_anti_patterns.iter().all(|f| f.kind != "escalation" && f.kind != "crash_loop"));
    assert!(h.supervision_anti_patterns.iter().all(|f| !f.explanation.is_empty() && !f.suggestion.is_empty()));
}

#[test]
fn the_report_in_json_and_markdown() {
    let mut sys = system(
        r#"{"name":"rep","tree":{"id":"root","type":"supervisor","children":[{"id":"a","type":"worker","name":"a"}]}}"#,
    );
    sys.tick(500);
    let r = control::generate_system_report(&sys);
    assert_eq!(r.scenario, "rep");
    assert_eq!(r.health.score, 100);
    assert_eq!(r.supervisors.len(), 1);
    let v = serde_json::to_value(&r).unwrap();
    assert!(v["health"]["formula"].as_str().unwrap().contains("score = 100"));
    let md = r.to_markdown();
    assert!(md.starts_with("# System report: rep"));
    for h in
        ["## Health: 100/100", "## Bottlenecks", "## Supervisors", "| 0.3.0 | root | one_for_one |", "## Top memory"]
    {
        assert!(md.contains(h), "{h} missing from\n{md}");
    }
}

#[test]
fn profile_measures_rates_and_callbacks_in_virtual_time() {
    let mut sys = system(
        r#"{"tree":{"id":"root","type":"supervisor","children":[
            {"id":"b","type":"worker","name":"b","params":{"slow_ms":2}},
            {"id":"a","type":"worker","params":{"load":{"to":"b","every_ms":10,"message":"{:inc, 1}"}}}]}}"#,
    );
    sys.tick(100);
    let b = sys.resolve("b").unwrap();
    let p = control::profile_process(&mut sys, b, 1000).unwrap();
    assert!((99..=101).contains(&p.messages_in), "{}", p.messages_in);
    assert!((99.0..=101.0).contains(&p.messages_in_per_s));
    let cast = p.callbacks.iter().find(|c| c.callback == "handle_cast").unwrap();
    assert!((99..=101).contains(&cast.count));
    assert!((2.0..2.1).contains(&cast.mean_ms), "each cast sleeps 2 ms: {}", cast.mean_ms);
    assert!(p.reductions > 0 && !p.exited);
    assert_eq!(sys.runtime().kernel_ref().bus.trace_flags(b).0, 0, "tracing is put back");
    assert!(matches!(control::profile_process(&mut sys, b, 0), Err(ControlError::BadRequest { .. })));
}

#[test]
fn a_traced_message_shows_everything_it_caused() {
    let mut sys = system(
        r#"{"tree":{"id":"root","type":"supervisor","children":[
            {"id":"a","type":"worker","name":"a"},{"id":"b","type":"worker","name":"b"},{"id":"c","type":"worker","name":"c"},
            {"id":"noise","type":"worker","params":{"load":{"to":"c","every_ms":1,"message":":ping"}}}]}}"#,
    );
    let a = sys.resolve("a").unwrap();
    let (b, c) = (sys.resolve("b").unwrap(), sys.resolve("c").unwrap());
    let f = control::trace_message_flow(&mut sys, a, "{:\"$gen_cast\", {:cast, :b, {:cast, :c, :hi}}}", 50).unwrap();
    assert_eq!(f.root.from, None);
    assert_eq!(f.root.to, a);
    assert_eq!(f.root.caused.len(), 1);
    let hop = &f.root.caused[0];
    assert_eq!((hop.from, hop.to), (Some(a), b));
    assert_eq!(hop.caused.len(), 1);
    assert_eq!((hop.caused[0].from, hop.caused[0].to), (Some(b), c));
    assert_eq!(hop.caused[0].message, "{:\"$gen_cast\", :hi}");
    assert_eq!(f.messages, 3, "the load on c is not part of the flow");
    assert_eq!(f.processes, [a, b, c]);
    assert!(matches!(control::trace_message_flow(&mut sys, a, "{", 50), Err(ControlError::BadTerm { .. })));
}

#[test]
fn message_patterns_give_shapes_rates_and_flag_a_spike() {
    let mut sys = system(
        r#"{"tree":{"id":"root","type":"supervisor","children":[
            {"id":"b","type":"worker","name":"b"},{"id":"relay","type":"worker","name":"relay"},
            {"id":"a","type":"worker","name":"a","params":{"load":{"to":"relay","every_ms":100,"message":"{:cast, :b, {:inc, 1}}"}}}]}}"#,
    );
    sys.tick(8000);
    let m = control::analyze_message_patterns(&sys);
    let relay = sys.resolve("relay").unwrap();
    let b = sys.resolve("b").unwrap();
    let e = m.patterns.iter().find(|p| p.from == Some(relay) && p.to == b).unwrap();
    assert!((9.0..=11.0).contains(&e.current_rate), "{}", e.current_rate);
    assert!((9.0..=11.0).contains(&e.baseline_rate), "{}", e.baseline_rate);
    assert_eq!(e.top_shapes[0].0, "cast {:inc, _}");
    assert!(m.unusual.is_empty(), "{:#?}", m.unusual);
    // A burst through the relay: 200 casts in a moment.
    for _ in 0..200 {
        send(&mut sys, "relay", "{:\"$gen_cast\", {:cast, :b, {:inc, 1}}}");
    }
    sys.tick(300);
    let m = control::analyze_message_patterns(&sys);
    let odd = m.unusual.iter().find(|p| p.from == Some(relay) && p.to == b).expect("the spike is flagged");
    assert!(odd.unusual.as_deref().unwrap().starts_with("spike"));
}

/// Every process of every ready scenario (sandbox workers of every kind,
/// supervisors of every strategy): the predicted deaths are the deaths
/// that happen.
#[test]
fn failure_impact_matches_reality_for_every_process_of_the_ready_scenarios() {
    let mut mismatches = Vec::new();
    let mut checked = 0;
    for name in otpsim::sandbox::builtin_names() {
        let text = otpsim::sandbox::builtin(name).unwrap();
        checked += failure_impact_for_every_process(text, &mut mismatches);
    }
    assert!(mismatches.is_empty(), "{}", mismatches.join("\n"));
    assert!(checked >= 60, "{checked} processes checked");
}

fn failure_impact_for_every_process(text: &str, mismatches: &mut Vec<String>) -> usize {
    let probe = system(text);
    let paths: Vec<String> = probe.tree().into_iter().map(|e| e.path).collect();
    let mut checked = 0;
    for path in &paths {
        let mut sys = system(text);
        sys.tick(300);
        let Some(pid) = sys.path_pid(path) else { continue };
        let predicted = control::trace_failure_impact(&sys, pid, None).unwrap();
        checked += 1;
        let sub = sys.runtime().bus(|b| b.subscribe(Filter::kinds(KindMask::PROCS), 1 << 18));
        control::kill_process(&mut sys, pid, Term::atom("kill")).unwrap();
        // Long enough for the exits (and shutdowns), short enough that load
        // generators do not cause unrelated crashes.
        sys.tick(20);
        let (evs, _) = sys.runtime().bus(|b| b.drain(sub)).unwrap();
        let spawned: BTreeSet<Pid> = evs
            .iter()
            .filter_map(|e| if let EventKind::Spawn { pid, .. } = &e.kind { Some(*pid) } else { None })
            .collect();
        let died: BTreeSet<Pid> = evs
            .iter()
            .filter_map(|e| if let EventKind::Exit { pid, .. } = &e.kind { Some(*pid) } else { None })
            .filter(|p| !spawned.contains(p))
            .collect();
        let want: BTreeSet<Pid> = predicted.dies.iter().map(|d| d.pid).collect();
        if want != died {
            mismatches.push(format!("{}: {path}: predicted {want:?}, died {died:?}", probe.scenario().name));
        }
    }
    checked
}
