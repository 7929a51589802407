//! Nothing a user sends through the API can crash the simulator: random
//! requests built from the API's own vocabulary always get a JSON answer,
//! an error being `{"error": {"code", "message"}}` with a 4xx/5xx status.

mod common;

use common::system;
use otpsim::api;
use otpsim::system::System;
use proptest::prelude::*;

/// The system the random requests hit: load between two workers and a
/// one_for_all supervisor with a generous intensity.
const SCENARIO: &str = r#"{"tree":{"id":"root","type":"supervisor","name":"top","intensity":50,"children":[
    {"id":"a","type":"worker","name":"a","params":{"load":{"to":"b","every_ms":5,"message":"{:inc, 1}"}}},
    {"id":"b","type":"worker","name":"b"},
    {"id":"s","type":"supervisor","name":"s","strategy":"one_for_all","intensity":50,"children":[{"id":"c","type":"worker"}]}]}}"#;

const METHODS: &[&str] = &["GET", "POST", "PUT", "DELETE", "PATCH", "get"];
const HEADS: &[&str] =
    &["/api/v1/processes", "/api/v1/supervisors", "/api/v1/system", "/api/v1/subscriptions", "/api/v1", "/x"];
const IDS: &[&str] =
    &["a", "b", "top", "s", "0.3.0", "0.0.0", "%2F", "root%2Fs", "1", "-1", "", "%", "nobody", "0.99999999999.0"];
const TAILS: &[&str] = &[
    "",
    "state",
    "messages",
    "message",
    "suspend",
    "resume",
    "history",
    "trace",
    "dependencies",
    "impact",
    "profile",
    "probes",
    "probes/1",
    "tree",
    "analytics",
    "children",
    "strategy",
    "simulate-failure",
    "pause",
    "benchmark",
    "health",
    "metrics",
    "relationships",
    "bottlenecks",
    "hierarchy",
    "report",
    "message-patterns",
    "trace-flow",
    "tick",
    "chaos",
];
const QUERIES: &[&str] = &[
    "",
    "?sort=memory",
    "?limit=2&offset=1",
    "?fields=memory,links",
    "?reason=%3Aboom",
    "?format=md",
    "?x=%zz",
    "?window_ms=1",
];
const BODIES: &[&str] = &[
    "",
    "{",
    "[]",
    "null",
    r#"{"message":"{:inc, 1}"}"#,
    r#"{"message":"{:sleep, 50}","call_timeout_ms":5}"#,
    r#"{"message":"{:crash, :boom}"}"#,
    r#"{"on":true}"#,
    r#"{"duration_ms":30}"#,
    r#"{"pattern":"{:\"$gen_cast\", _}","action":"drop"}"#,
    r#"{"pattern":"_","action":"pause"}"#,
    r#"{"spec":{"id":"n","type":"worker"}}"#,
    r#"{"strategy":"rest_for_one"}"#,
    r#"{"strategy":"simple_one_for_one"}"#,
    r#"{"child_id":"c"}"#,
    r#"{}"#,
    r#"{"to":"a","message":":ping","duration_ms":10}"#,
    r#"{"ms":20}"#,
    r#"{"rate_per_s":3}"#,
    r#"{"rate_per_s":-3}"#,
    r#"{"message":"{:inc, "}"#,
    r#"{"pattern":"{:a, x} when","action":"count"}"#,
    r#"{"topic":"process:*"}"#,
];

/// Every process with its queue length and status.
fn pids(sys: &System) -> Vec<(otpsim::term::Pid, usize, &'static str)> {
    otpsim::control::list_all_processes(sys, &Default::default())
        .processes
        .into_iter()
        .map(|p| (p.pid, p.message_queue_len, p.status))
        .collect()
}

/// One request: a documented route (with random pids, names and ids) or a
/// junk path, with a random method (usually the route's own), query and body.
fn request(route: usize, wrong_method: bool, m: usize, h: usize, i: usize, t: usize, q: usize) -> (String, String) {
    let (method, mut path) = if route < api::Route::ALL.len() {
        let d = api::openapi::doc(api::Route::ALL[route]);
        let path = format!("/api/v1{}", d.path)
            .replace("{pid}", IDS[i])
            .replace("{name}", IDS[(i + 3) % IDS.len()])
            .replace("{id}", IDS[(i + 7) % IDS.len()]);
        (if wrong_method { METHODS[m].to_string() } else { d.method.to_string() }, path)
    } else {
        let mut path = HEADS[h].to_string();
        if !IDS[i].is_empty() {
            path.push('/');
            path.push_str(IDS[i]);
        }
        if !TAILS[t].is_empty() {
            path.push('/');
            path.push_str(TAILS[t]);
        }
        (METHODS[m].to_string(), path)
    };
    // Half the requests carry no query, so more of them reach the handlers.
    if q % 2 == 1 {
        path.push_str(QUERIES[q / 2 % QUERIES.len()]);
    }
    (method, path)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]
    #[test]
    fn random_requests_never_crash(reqs in proptest::collection::vec(
        (0..api::Route::ALL.len() + 8, proptest::bool::weighted(0.1), 0..METHODS.len(), 0..HEADS.len(), 0..IDS.len(),
         0..TAILS.len(), 0..QUERIES.len(), 0..BODIES.len()), 1..40)) {
        let mut sys = system(SCENARIO);
        for (route, wrong, m, h, i, t, q, b) in reqs {
            let (method, path) = request(route, wrong, m, h, i, t, q);
            let before = (sys.now(), sys.input_log().len(), pids(&sys));
            let (status, v) = api::handle(&mut sys, &method, &path, BODIES[b]);
            prop_assert!((200..600).contains(&status));
            if status >= 300 {
                prop_assert!(v["error"]["code"].is_string(), "{} {}: {}", method, path, v);
                prop_assert!(v["error"]["message"].is_string());
            }
            // A request refused for what it says (bad body, query or term,
            // unknown pid or route, wrong method or kind of process) is
            // refused before anything happens: no time passes, no input is
            // logged, no process changes.
            if matches!(status, 400 | 404 | 405 | 422) {
                let after = (sys.now(), sys.input_log().len(), pids(&sys));
                prop_assert_eq!(&before, &after, "{} {} {}: {}", method, path, BODIES[b], v);
            }
        }
        // The system still runs and answers.
        sys.tick(50);
        let (s, _) = api::handle(&mut sys, "GET", "/api/v1/system/health", "");
        prop_assert_eq!(s, 200);
    }
}

/// The generator above reaches the handlers, not only the router: over a
/// fixed sample of requests, many succeed.
#[test]
fn random_requests_reach_the_handlers() {
    let mut sys = system(SCENARIO);
    let mut ok = 0;
    let mut n = 0;
    for k in 0..600usize {
        let (method, path) = request(
            k % (api::Route::ALL.len() + 8),
            k % 10 == 0,
            k % METHODS.len(),
            k % HEADS.len(),
            (k / 7) % IDS.len(),
            k % TAILS.len(),
            (k / 3) % QUERIES.len(),
        );
        let body = if k % 3 == 0 { "" } else { BODIES[(k / 5) % BODIES.len()] };
        let (status, _) = api::handle(&mut sys, &method, &path, body);
        n += 1;
        if status == 200 {
            ok += 1;
        }
    }
    assert!(ok * 10 >= n, "only {ok} of {n} requests succeeded");
    sys.tick(10);
    assert_eq!(api::handle(&mut sys, "GET", "/api/v1/system/health", "").0, 200);
}
