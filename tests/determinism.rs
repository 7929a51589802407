//! Determinism across targets (issue 11 §6): the event-stream hash of every
//! built-in scenario × 3 seeds, with and without chaos, with a scripted set
//! of inputs, written to `tests/determinism/hashes.txt`. The wasm tests
//! (`tests/wasm`) compute the same cases in headless Chromium and compare
//! with this file. `UPDATE_HASHES=1 cargo test --test determinism` rewrites
//! it after a change that alters event streams on purpose.

use otpsim::web::model::{determinism_cases, scripted_hash};

/// Virtual ms each case runs (the wasm tests use the same).
const MS: u64 = 2000;

fn render() -> String {
    let mut out = String::from("# scenario seed chaos hash (tests/determinism.rs; UPDATE_HASHES=1 rewrites)\n");
    for (name, seed, chaos) in determinism_cases() {
        let h = scripted_hash(name, seed, chaos, MS).expect("a built-in scenario builds");
        out.push_str(&format!("{name} {seed} {chaos} {h:016x}\n"));
    }
    out
}

#[test]
fn the_golden_hashes_are_the_native_ones() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/determinism/hashes.txt");
    let got = render();
    if std::env::var_os("UPDATE_HASHES").is_some() {
        std::fs::write(path, &got).expect("write the golden file");
        return;
    }
    let want = std::fs::read_to_string(path).unwrap_or_default();
    assert_eq!(got, want, "event streams changed: run UPDATE_HASHES=1 cargo test --test determinism if on purpose");
}

#[test]
fn chaos_and_seeds_change_the_stream() {
    // A hash that ignored chaos or the seed would make these cases equal.
    // (Without chaos a scenario may use no randomness at all, so its seeds
    // may rightly agree.)
    let text = render();
    let rows: Vec<Vec<&str>> = text.lines().skip(1).map(|l| l.split(' ').collect()).collect();
    let hash = |name: &str, seed: &str, chaos: &str| {
        rows.iter().find(|r| r[0] == name && r[1] == seed && r[2] == chaos).map(|r| r[3])
    };
    for r in &rows {
        if r[2] == "true" {
            assert_ne!(Some(r[3]), hash(r[0], r[1], "false"), "chaos changes {} seed {}", r[0], r[1]);
        }
    }
    let chaotic: std::collections::BTreeSet<&str> = rows.iter().filter(|r| r[2] == "true").map(|r| r[3]).collect();
    assert_eq!(chaotic.len(), rows.len() / 2, "with chaos, every scenario and seed differs:\n{text}");
}
