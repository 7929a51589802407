//! Native checks behind the embed API (`www/embed.js` over
//! `src/web/embed.rs`): a simulation made as the JS API makes it answers the
//! router exactly as `otpsim api` does, its event hash is the one
//! `otpsim run --hash` prints, and a recording replays to the same hash.

use otpsim::api;
use otpsim::scenario::Scenario;
use otpsim::system::{System, SystemOptions};
use otpsim::web::model::{embed_options, hash_hex, scenario_json, Sim};
use std::process::Command;

fn scenario(name: &str) -> Scenario {
    Scenario::from_json(&scenario_json(name).unwrap()).unwrap()
}

/// A simulation as `OtpSim.create({scenario, seed})` makes it.
fn embed(name: &str, seed: u64) -> Sim {
    Sim::from_scenario(scenario(name), name, embed_options(seed)).unwrap()
}

/// A system as `otpsim api … --scenario NAME --seed SEED` makes it.
fn cli(name: &str, seed: u64) -> System {
    System::new(scenario(name), SystemOptions { seed: Some(seed), ..Default::default() }).unwrap()
}

#[test]
fn the_router_answers_the_embed_as_it_answers_the_cli() {
    for name in ["demo", "pubsub"] {
        let mut sim = embed(name, 7);
        let mut sys = cli(name, 7);
        sim.advance(1000);
        sys.tick(1000);
        for path in ["/api/v1/processes", "/api/v1/supervisors", "/api/v1/system/metrics", "/api/v1/system/health"] {
            assert_eq!(sim.request("GET", path, ""), api::handle(&mut sys, "GET", path, ""), "{name} {path}");
        }
    }
}

#[test]
fn metrics_topic_delivers_the_samples_the_metrics_route_lists() {
    let mut sim = embed("demo", 7);
    let (s, sub) = sim.request("POST", "/api/v1/subscriptions", r#"{"topic":"system:metrics"}"#);
    assert_eq!(s, 200);
    let id = sub["id"].as_u64().unwrap();
    let mut got = Vec::new();
    for _ in 0..4 {
        sim.advance(250);
        let (s, p) = sim.request("GET", &format!("/api/v1/subscriptions/{id}"), "");
        assert_eq!(s, 200);
        got.extend(p["samples"].as_array().unwrap().iter().cloned());
    }
    let mut sys = cli("demo", 7);
    sys.tick(1000);
    let (_, m) = api::handle(&mut sys, "GET", "/api/v1/system/metrics", "");
    assert_eq!(serde_json::Value::Array(got), m["system"]);
}

#[test]
fn time_in_pieces_hashes_as_time_at_once() {
    let mut a = embed("demo", 3);
    a.advance(1000);
    let mut b = embed("demo", 3);
    for _ in 0..8 {
        b.advance(125);
    }
    assert_eq!(a.event_hash(), b.event_hash());
    assert_ne!(a.event_hash(), 0);
}

#[test]
fn the_cli_prints_the_embed_hash() {
    let mut sim = embed("demo", 5);
    sim.advance(2000);
    let out = Command::new(env!("CARGO_BIN_EXE_otpsim"))
        .args(["run", "demo", "--seed", "5", "--run-ms", "2000", "--hash"])
        .output()
        .unwrap();
    assert!(out.status.success());
    assert_eq!(String::from_utf8(out.stdout).unwrap().trim(), hash_hex(sim.event_hash()));
}

#[test]
fn a_recording_replays_to_the_same_hash() {
    let mut sim = embed("demo", 9);
    sim.advance(300);
    let (s, _) = sim.request("DELETE", "/api/v1/processes/cache", "");
    assert_eq!(s, 200);
    sim.advance(700);
    let text = serde_json::to_string(&sim.recording()).unwrap();
    let rec: otpsim::system::Recording = serde_json::from_str(&text).unwrap();
    let replayed = System::from_recording(&rec, embed_options(rec.seed)).unwrap();
    assert_eq!(replayed.event_hash(), sim.event_hash());
}

#[test]
fn a_refused_request_changes_nothing() {
    let mut sim = embed("demo", 1);
    sim.advance(100);
    let before = (sim.event_hash(), sim.now_ms(), sim.recording().inputs.len());
    let (s, e) = sim.request("GET", "/api/v1/processes/nobody", "");
    assert_eq!(s, 404);
    assert!(e["error"]["code"].is_string());
    assert_eq!((sim.event_hash(), sim.now_ms(), sim.recording().inputs.len()), before);
}
