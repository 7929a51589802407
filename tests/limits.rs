//! The BEAM's limits at the API: atoms longer than 255 characters get
//! `system_limit`, nothing typed in grows the atom table when refused or
//! merely looked up, and deep nesting is an error, never a stack overflow.
//! Each refused input must leave the system exactly as it was: the same
//! event hash, input log and atom count.

mod common;

use common::system_with;
use otpsim::api;
use otpsim::system::{System, SystemOptions};
use otpsim::term::Atom;

const SCENARIO: &str = r#"{"tree":{"id":"root","type":"supervisor","name":"top","children":[
    {"id":"a","type":"worker","name":"a"},
    {"id":"b","type":"worker","name":"b"}]}}"#;

/// What a refused input must not change.
fn fingerprint(sys: &System) -> (u64, usize, usize, String) {
    (sys.event_hash(), sys.input_log().len(), Atom::count(), format!("{:?}", sys.now()))
}

#[test]
fn hostile_atoms_and_nesting_are_refused_and_change_nothing() {
    let opts = SystemOptions { hash_events: true, seed: Some(7), ..Default::default() };
    let mut sys = system_with(SCENARIO, opts);
    sys.tick(20);
    // The limit is 255 characters exactly: one fewer is an ordinary atom.
    // Sending one first also interns whatever the send path interns once
    // (its own atoms), so the refusals below are measured against that.
    let ok = "q".repeat(255);
    let (s, v) = api::handle(&mut sys, "POST", "/api/v1/processes/b/message", &format!(r#"{{"message":":{ok}"}}"#));
    assert_eq!(s, 200, "{v}");
    let long = "q".repeat(256);
    let huge = "z".repeat(100_000);
    let deep = "[".repeat(100_000);
    let limit = "system_limit: an atom has at most 255 characters";
    // (method, path, body, status, code, a fragment of the message)
    let cases: Vec<(&str, String, String, u16, &str, &str)> = vec![
        ("POST", "/api/v1/processes/b/message".into(), format!(r#"{{"message":":{long}"}}"#), 400, "bad_term", limit),
        ("POST", "/api/v1/processes/b/message".into(), format!(r#"{{"message":":{huge}"}}"#), 400, "bad_term", limit),
        (
            "POST",
            "/api/v1/processes/b/message".into(),
            format!(r#"{{"message":"{{:ok, [{long}: 1], 1}}"}}"#),
            400,
            "bad_term",
            limit,
        ),
        (
            "POST",
            "/api/v1/processes/b/message".into(),
            format!(r#"{{"message":"{deep}"}}"#),
            400,
            "bad_term",
            "nesting deeper than 256 levels",
        ),
        (
            "POST",
            "/api/v1/processes/b/probes".into(),
            format!(r#"{{"pattern":"%{{{long}: _}}","action":"count"}}"#),
            400,
            "bad_term",
            limit,
        ),
        (
            "POST",
            "/api/v1/processes/b/probes".into(),
            format!(r#"{{"pattern":"{{:{long}, _}}","action":"count"}}"#),
            400,
            "bad_term",
            limit,
        ),
        ("DELETE", format!("/api/v1/processes/a?reason=%3A{long}"), String::new(), 400, "bad_term", limit),
        (
            "POST",
            "/api/v1/system/trace-flow".into(),
            format!(r#"{{"to":"a","message":":{long}"}}"#),
            400,
            "bad_term",
            limit,
        ),
        // Looking up an unknown registered name interns nothing.
        ("GET", format!("/api/v1/processes/{huge}"), String::new(), 404, "no_proc", ""),
        ("GET", format!("/api/v1/processes/never_typed_before_{long}/state"), String::new(), 404, "no_proc", ""),
    ];
    for (m, p, b, status, code, fragment) in cases {
        let before = fingerprint(&sys);
        let (s, v) = api::handle(&mut sys, m, &p, &b);
        let what = format!("{m} {}… ({} body bytes)", p.chars().take(60).collect::<String>(), b.len());
        assert_eq!((s, v["error"]["code"].as_str()), (status, Some(code)), "{what}: {v}");
        let message = v["error"]["message"].as_str().unwrap_or("");
        assert!(message.contains(fragment), "{what}: {message}");
        assert_eq!(fingerprint(&sys), before, "{what} changed the system");
    }
}

/// A supervisor chain `depth` levels deep with a worker at the bottom.
fn deep_tree(depth: usize) -> String {
    let open: String = (0..depth).map(|i| format!(r#"{{"id":"s{i}","type":"supervisor","children":["#)).collect();
    let close = "]}".repeat(depth);
    format!(r#"{{"tree":{open}{{"id":"w","type":"worker"}}{close}}}"#)
}

/// A root supervisor with `n` workers under it.
fn wide_tree(n: usize) -> String {
    let kids: Vec<String> = (0..n).map(|i| format!(r#"{{"id":"w{i}","type":"worker"}}"#)).collect();
    format!(r#"{{"tree":{{"id":"root","type":"supervisor","children":[{}]}}}}"#, kids.join(","))
}

/// Scenario files past the documented limits are refused with a typed
/// error, never a stack overflow: (scenario text, a fragment of the error,
/// or None when it must load).
#[test]
fn enormous_scenarios_are_refused() {
    let padded = format!(r#"{{"tree":{{"id":"root","type":"worker"}},"x":"{}"}}"#, " ".repeat(5 << 20));
    let cases: Vec<(String, Option<&str>)> = vec![
        (deep_tree(31), None),
        (deep_tree(33), Some("tree deeper than 32 levels")),
        // serde_json's own recursion limit answers first for absurd depths,
        // and the byte limit before that when the file is big enough.
        (deep_tree(20_000), Some("recursion limit exceeded")),
        (deep_tree(100_000), Some("bytes is over the limit of 4194304")),
        (wide_tree(19_999), None),
        (wide_tree(20_001), Some("more than 20000 nodes")),
        (padded, Some("bytes is over the limit of 4194304")),
    ];
    for (text, expected) in cases {
        let got = otpsim::scenario::Scenario::from_json(&text);
        match (got, expected) {
            (Ok(_), None) => {}
            (Err(e), Some(fragment)) => assert!(e.to_string().contains(fragment), "{} bytes: {e}", text.len()),
            (got, want) => panic!("{} bytes: got {:?}, want {want:?}", text.len(), got.err()),
        }
    }
}
