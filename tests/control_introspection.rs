//! Tests of the Control API's discovery, introspection and manipulation
//! functions, each on a scenario built for it.

mod common;

use common::system;
use otpsim::control::probe::{ProbeAction, ProbeSpec};
use otpsim::control::{self, ControlError, ListOpts, SendOpts, SortKey};
use otpsim::runtime::SpawnOpts;
use otpsim::system::System;
use otpsim::term::{Pid, Term};

fn three() -> System {
    system(
        r#"{"tree":{"id":"root","type":"supervisor","name":"top","intensity":10,"children":[
            {"id":"alpha","type":"worker","name":"alpha"},
            {"id":"beta","type":"worker","name":"beta"},
            {"id":"inner","type":"supervisor","children":[{"id":"gamma","type":"worker","name":"gamma_1"}]}]}}"#,
    )
}

fn state_of(sys: &System, pid: Pid) -> String {
    control::get_genserver_state(sys, pid).unwrap().state
}

fn send(sys: &mut System, pid: Pid, m: &str) {
    control::send_message(sys, pid, m, &SendOpts::default()).unwrap();
}

#[test]
fn list_all_processes_filters_sorts_and_pages() {
    let mut sys = three();
    let all = control::list_all_processes(&sys, &ListOpts::default());
    assert_eq!(all.total, 5, "root, alpha, beta, inner, gamma; not the shell or application master");
    assert_eq!(all.processes.len(), 5);
    let with_sys = control::list_all_processes(&sys, &ListOpts { include_system: true, ..Default::default() });
    assert_eq!(with_sys.total, 7);
    // Name patterns: a glob and a substring, on names and paths.
    let names = |o: &ListOpts| -> Vec<String> {
        control::list_all_processes(&sys, o)
            .processes
            .iter()
            .map(|p| p.name.clone().or(p.path.clone()).unwrap())
            .collect()
    };
    // gamma_1 matches by its path, root/inner/gamma.
    assert_eq!(names(&ListOpts { name: Some("*a".into()), ..Default::default() }), ["alpha", "beta", "gamma_1"]);
    assert_eq!(names(&ListOpts { name: Some("b*".into()), ..Default::default() }), ["beta"]);
    assert_eq!(names(&ListOpts { name: Some("gam".into()), ..Default::default() }), ["gamma_1"]);
    assert_eq!(names(&ListOpts { name: Some("root/inner*".into()), ..Default::default() }), ["root/inner", "gamma_1"]);
    // Module.
    assert_eq!(names(&ListOpts { module: Some("supervisor".into()), ..Default::default() }), ["top", "root/inner"]);
    // Memory: grow beta, then it is the only one above the threshold and first by memory.
    let beta = sys.resolve("beta").unwrap();
    send(&mut sys, beta, "{:grow, 5000}");
    sys.tick(10);
    let big = control::list_all_processes(&sys, &ListOpts { min_memory_words: Some(3000), ..Default::default() });
    assert_eq!(big.processes.iter().map(|p| p.pid).collect::<Vec<_>>(), [beta]);
    let by_mem = control::list_all_processes(&sys, &ListOpts { sort: SortKey::Memory, ..Default::default() });
    assert_eq!(by_mem.processes[0].pid, beta);
    // Queue: suspend alpha and queue three messages.
    let alpha = sys.resolve("alpha").unwrap();
    control::suspend_process(&mut sys, alpha).unwrap();
    for _ in 0..3 {
        send(&mut sys, alpha, ":ping");
    }
    let q = control::list_all_processes(&sys, &ListOpts { min_queue_len: Some(2), ..Default::default() });
    assert_eq!(q.processes.len(), 1);
    assert_eq!(q.processes[0].pid, alpha);
    assert_eq!(q.processes[0].message_queue_len, 3);
    assert_eq!(q.processes[0].status, "suspended");
    // Paging: limit/offset pages make up the whole sorted list.
    let full = control::list_all_processes(&sys, &ListOpts { sort: SortKey::Name, ..Default::default() });
    let mut paged = Vec::new();
    for off in [0, 2, 4] {
        let p = control::list_all_processes(
            &sys,
            &ListOpts { sort: SortKey::Name, limit: Some(2), offset: off, ..Default::default() },
        );
        assert_eq!(p.matched, 5);
        paged.extend(p.processes.into_iter().map(|p| p.pid));
    }
    assert_eq!(paged, full.processes.iter().map(|p| p.pid).collect::<Vec<_>>());
    assert_eq!(full.processes[0].name.as_deref(), Some("alpha"), "named first, by name");
}

#[test]
fn find_processes_by_module_finds_exactly_those() {
    let sys = three();
    let sups: Vec<Pid> = control::find_processes_by_module(&sys, "supervisor").iter().map(|p| p.pid).collect();
    assert_eq!(sups, [sys.resolve("top").unwrap(), sys.resolve("root/inner").unwrap()]);
    let workers = control::find_processes_by_module(&sys, "Elixir.Otpsim.GenericWorker");
    assert_eq!(workers.len(), 3);
    assert!(control::find_processes_by_module(&sys, "Nothing.Here").is_empty());
}

#[test]
fn the_hierarchy_has_every_process_and_flags_the_unsupervised() {
    let mut sys = three();
    let alpha = sys.resolve("alpha").unwrap();
    // A process spawned by alpha outside any supervisor, and a top-level one.
    let stray = sys.runtime_unlogged().spawn_child(alpha, SpawnOpts::named("stray:loop/0"), |c| async move {
        c.receive().await;
        Term::atom("normal")
    });
    let lone = sys.runtime_unlogged().spawn(SpawnOpts::named("lone:loop/0"), |c| async move {
        c.receive().await;
        Term::atom("normal")
    });
    sys.tick(5);
    let h = control::get_process_hierarchy(&sys);
    assert_eq!(h.process_count, 9);
    assert_eq!(h.unsupervised, [stray, lone]);
    // The root supervisor hangs under the application master; alpha under
    // root; the stray under alpha, with a warning.
    let app = h.roots.iter().find(|n| n.system && !n.children.is_empty()).unwrap();
    let root = &app.children[0];
    assert_eq!(root.path.as_deref(), Some("root"));
    assert!(root.supervised && root.warning.is_none());
    let a = root.children.iter().find(|n| n.pid == alpha).unwrap();
    assert_eq!(a.children.len(), 1);
    assert!(a.children[0].warning.as_deref().unwrap().contains("not supervised"));
    let l = h.roots.iter().find(|n| n.pid == lone).unwrap();
    assert!(!l.supervised && l.warning.is_some());
    // Kill alpha: the stray (not linked) becomes an orphan.
    control::kill_process(&mut sys, alpha, Term::atom("kill")).unwrap();
    sys.tick(5);
    let h = control::get_process_hierarchy(&sys);
    let s = h.roots.iter().find(|n| n.pid == stray).unwrap();
    assert!(s.warning.as_deref().unwrap().contains("orphan"), "{:?}", s.warning);
    let health = control::analyze_system_health(&sys);
    assert_eq!(health.orphan_processes.len(), 1);
    assert_eq!(health.unsupervised_processes.len(), 1);
}

#[test]
fn process_details_return_only_the_fields_asked_for() {
    let sys = three();
    let alpha = sys.resolve("alpha").unwrap();
    let v =
        control::get_process_details(&sys, alpha, Some(&["memory".into(), "links".into(), "registered_name".into()]))
            .unwrap();
    let keys: Vec<&String> = v.as_object().unwrap().keys().collect();
    assert_eq!(keys, ["links", "memory", "registered_name"]);
    assert_eq!(v["registered_name"], "alpha");
    assert_eq!(v["links"].as_array().unwrap().len(), 1, "linked to its supervisor");
    assert!(v["memory"]["words"].as_u64().unwrap() > 0);
    let all = control::get_process_details(&sys, alpha, None).unwrap();
    assert_eq!(all.as_object().unwrap().len(), control::DETAIL_FIELDS.len());
    assert_eq!(all["path"], "root/alpha");
    assert_eq!(all["current_function"], "gen_server:loop/7");
    assert!(matches!(
        control::get_process_details(&sys, alpha, Some(&["colour".into()])),
        Err(ControlError::BadRequest { .. })
    ));
    assert!(matches!(control::get_process_details(&sys, Pid(999), None), Err(ControlError::NoProc { .. })));
}

#[test]
fn genserver_state_is_ok_not_genserver_or_timeout_when_busy() {
    let mut sys = three();
    let alpha = sys.resolve("alpha").unwrap();
    send(&mut sys, alpha, "{:\"$gen_cast\", {:inc, 3}}");
    sys.tick(1);
    let st = control::get_genserver_state(&sys, alpha).unwrap();
    assert!(st.state.contains("value: 3"), "{}", st.state);
    assert_eq!(st.json["value"], 3);
    let raw = sys.runtime_unlogged().spawn(SpawnOpts::default(), |c| async move {
        c.receive().await;
        Term::atom("normal")
    });
    sys.tick(1);
    assert!(matches!(control::get_genserver_state(&sys, raw), Err(ControlError::NotGenServer { .. })));
    // Busy in a callback: sleeping 500 ms inside handle_cast.
    send(&mut sys, alpha, "{:\"$gen_cast\", {:sleep, 500}}");
    sys.tick(10);
    assert!(matches!(control::get_genserver_state(&sys, alpha), Err(ControlError::Timeout { .. })));
    sys.tick(600);
    assert!(control::get_genserver_state(&sys, alpha).is_ok());
    assert!(matches!(control::get_genserver_state(&sys, Pid(4242)), Err(ControlError::NoProc { .. })));
}

#[test]
fn history_needs_tracing_and_then_has_messages_callbacks_and_states() {
    let mut sys = three();
    let beta = sys.resolve("beta").unwrap();
    assert!(matches!(control::get_process_history(&sys, beta), Err(ControlError::TracingOff { .. })));
    control::set_tracing(&mut sys, beta, true).unwrap();
    send(&mut sys, beta, "{:\"$gen_cast\", {:inc, 1}}");
    send(&mut sys, beta, "{:\"$gen_cast\", {:inc, 2}}");
    sys.tick(5);
    let h = control::get_process_history(&sys, beta).unwrap();
    let states: Vec<&str> = h.states.iter().map(|s| s.state.as_str()).collect();
    assert_eq!(states.len(), 2);
    assert!(states[0].contains("value: 1") && states[1].contains("value: 3"), "{states:?}");
    assert_eq!(h.callbacks.iter().filter(|c| c.callback == "handle_cast").count(), 2);
    assert_eq!(h.messages.iter().filter(|m| m.direction == "in").count(), 2);
    assert_eq!(h.messages.iter().filter(|m| m.direction == "received").count(), 2);
    control::set_tracing(&mut sys, beta, false).unwrap();
    assert!(matches!(control::get_process_history(&sys, beta), Err(ControlError::TracingOff { .. })));
}

#[test]
fn send_message_parses_terms_and_records_the_send() {
    let mut sys = three();
    let alpha = sys.resolve("alpha").unwrap();
    let before = sys.input_log().len();
    let e = control::send_message(&mut sys, alpha, "{:inc, ", &SendOpts::default()).unwrap_err();
    assert!(matches!(e, ControlError::BadTerm { line: 1, .. }), "{e:?}");
    assert_eq!(sys.input_log().len(), before, "a bad term sends and records nothing");
    let s = control::send_message(
        &mut sys,
        alpha,
        "{:\"$gen_cast\", {:put, :k, \"v\"}}",
        &SendOpts { trace: true, ..Default::default() },
    )
    .unwrap();
    assert!(s.token.is_some());
    assert_eq!(s.input_index, before);
    sys.tick(2);
    assert!(state_of(&sys, alpha).contains("k: \"v\""));
    assert!(matches!(
        control::send_message(&mut sys, Pid(999), ":x", &SendOpts::default()),
        Err(ControlError::NoProc { .. })
    ));
}

#[test]
fn suspend_holds_messages_and_resume_handles_them() {
    let mut sys = three();
    let alpha = sys.resolve("alpha").unwrap();
    assert!(matches!(control::resume_process(&mut sys, alpha), Err(ControlError::Refused { .. })));
    control::suspend_process(&mut sys, alpha).unwrap();
    send(&mut sys, alpha, "{:\"$gen_cast\", {:inc, 5}}");
    sys.tick(50);
    assert!(state_of(&sys, alpha).contains("value: 0"));
    assert_eq!(
        control::get_process_details(&sys, alpha, Some(&["message_queue_len".into()])).unwrap()["message_queue_len"],
        1
    );
    control::resume_process(&mut sys, alpha).unwrap();
    sys.tick(1);
    assert!(state_of(&sys, alpha).contains("value: 5"));
}

#[test]
fn kill_with_a_reason_and_the_supervisor_restarts() {
    let mut sys = three();
    let alpha = sys.resolve("alpha").unwrap();
    control::kill_process(&mut sys, alpha, Term::atom("oops")).unwrap();
    sys.tick(5);
    assert!(!sys.runtime().is_alive(alpha));
    let again = sys.resolve("alpha").unwrap();
    assert_ne!(again, alpha);
    let snap = sys.snapshot(sys.root().unwrap()).unwrap();
    assert_eq!(snap.log.last().unwrap().reason, ":oops");
    assert!(matches!(control::kill_process(&mut sys, alpha, Term::atom("kill")), Err(ControlError::NoProc { .. })));
}

fn probe(p: &str, action: ProbeAction) -> ProbeSpec {
    ProbeSpec { pattern: p.into(), action }
}

#[test]
fn probes_count_drop_delay_pause_and_log() {
    let mut sys = three();
    let a = sys.resolve("alpha").unwrap();
    let sub = sys.subscribe(&format!("process:{}", a.short())).unwrap();
    let count =
        control::inject_debug_code(&mut sys, a, probe("{:\"$gen_cast\", {:inc, n}} when n > 10", ProbeAction::Count))
            .unwrap();
    let drop =
        control::inject_debug_code(&mut sys, a, probe("{:\"$gen_cast\", {:inc, 13}}", ProbeAction::Drop)).unwrap();
    let log =
        control::inject_debug_code(&mut sys, a, probe("{:\"$gen_cast\", {:put, _, _}}", ProbeAction::Log)).unwrap();
    for n in [5, 11, 13, 20] {
        send(&mut sys, a, &format!("{{:\"$gen_cast\", {{:inc, {n}}}}}"));
    }
    send(&mut sys, a, "{:\"$gen_cast\", {:put, :x, 1}}");
    sys.tick(5);
    let list = control::list_probes(&sys, a).unwrap();
    assert_eq!(list.iter().find(|p| p.id == count).unwrap().hits, 3, "11, 13 and 20 match n > 10");
    assert_eq!(list.iter().find(|p| p.id == drop).unwrap().hits, 1);
    assert!(state_of(&sys, a).contains("value: 36"), "13 was dropped: 5 + 11 + 20: {}", state_of(&sys, a));
    let evs = sys.poll(sub).unwrap();
    let evs = evs["events"].as_array().unwrap();
    assert_eq!(evs.iter().filter(|e| e["type"] == "probe_hit").count(), 5);
    assert!(evs.iter().any(|e| e["type"] == "log" && e["text"].as_str().unwrap().contains("matched")));
    assert_eq!(list.iter().find(|p| p.id == log).unwrap().hits, 1);
    // Delay: the message is handled 200 ms later.
    control::remove_probe(&mut sys, a, count).unwrap();
    control::remove_probe(&mut sys, a, drop).unwrap();
    assert!(matches!(control::remove_probe(&mut sys, a, drop), Err(ControlError::NotFound { .. })));
    control::inject_debug_code(&mut sys, a, probe("{:\"$gen_cast\", {:inc, 1}}", ProbeAction::Delay { ms: 200 }))
        .unwrap();
    send(&mut sys, a, "{:\"$gen_cast\", {:inc, 1}}");
    sys.tick(100);
    assert!(state_of(&sys, a).contains("value: 36"));
    sys.tick(150);
    assert!(state_of(&sys, a).contains("value: 37"));
    // Pause: a breakpoint; the message is handled on resume.
    control::inject_debug_code(&mut sys, a, probe("{:\"$gen_cast\", {:inc, 2}}", ProbeAction::Pause)).unwrap();
    send(&mut sys, a, "{:\"$gen_cast\", {:inc, 2}}");
    sys.tick(50);
    let d = control::get_process_details(&sys, a, Some(&["status".into()])).unwrap();
    assert_eq!(d["status"], "suspended");
    control::resume_process(&mut sys, a).unwrap();
    sys.tick(5);
    assert!(state_of(&sys, a).contains("value: 39"));
    // Errors.
    assert!(matches!(
        control::inject_debug_code(&mut sys, a, probe("{:inc, n} when", ProbeAction::Count)),
        Err(ControlError::BadTerm { .. })
    ));
    let raw = sys.runtime_unlogged().spawn(SpawnOpts::default(), |c| async move {
        c.receive().await;
        Term::atom("normal")
    });
    assert!(matches!(
        control::inject_debug_code(&mut sys, raw, probe("_", ProbeAction::Count)),
        Err(ControlError::NotGenServer { .. })
    ));
}

#[test]
fn send_message_as_a_call_answers_the_reply_or_a_timeout() {
    let mut sys = three();
    let alpha = sys.resolve("alpha").unwrap();
    let call = |ms| SendOpts { call_timeout_ms: Some(ms), ..Default::default() };
    let s = control::send_message(&mut sys, alpha, "{:inc, 4}", &call(100)).unwrap();
    assert_eq!(s.reply.as_deref(), Some("4"));
    let s = control::send_message(&mut sys, alpha, ":ping", &call(100)).unwrap();
    assert_eq!(s.reply.as_deref(), Some(":pong"));
    // A server busy longer than the timeout: a timeout error, and the shell
    // is free again afterwards.
    let e = control::send_message(&mut sys, alpha, "{:sleep, 500}", &call(50)).unwrap_err();
    assert!(matches!(e, ControlError::Timeout { .. }), "{e:?}");
    sys.tick(600);
    assert!(control::send_message(&mut sys, alpha, ":get", &call(100)).unwrap().reply.unwrap().contains("value: 4"));
    // A call that makes the server crash: the caller sees its exit reason.
    let e = control::send_message(&mut sys, alpha, "{:crash, :boom}", &call(100)).unwrap_err();
    assert!(matches!(&e, ControlError::CallFailed { reason } if reason == ":boom"), "{e:?}");
    assert!(matches!(
        control::send_message(&mut sys, alpha, ":x", &SendOpts { trace: true, call_timeout_ms: Some(5) }),
        Err(ControlError::BadRequest { .. })
    ));
}

#[test]
fn huge_terms_are_clipped_in_answers() {
    let mut sys = three();
    let a = sys.resolve("alpha").unwrap();
    control::suspend_process(&mut sys, a).unwrap();
    let big = format!("[{}]", vec!["123456789"; 2000].join(", "));
    send(&mut sys, a, &big);
    let v = control::get_process_details(&sys, a, Some(&["messages".into()])).unwrap();
    let m = v["messages"][0].as_str().unwrap();
    assert!(m.ends_with(" …"), "{} chars: {}", m.chars().count(), &m[..m.len().min(200)]);
    assert!(m.chars().count() <= control::CLIP_CHARS + 2);
    assert_eq!(control::clip(&Term::atom("ok"), 10), ":ok");
    assert_eq!(control::clip(&otpsim::term::parse("{1, 2, 3}").unwrap(), 4), "{1, …");
}
