//! Tests that run in headless Chromium (`wasm-bindgen-test`): the runtime
//! in wasm, the model, and the app mounted into a page.
#![cfg(target_arch = "wasm32")]

use otpsim::web::model::{event_stream_hash, scripted_hash, Sim, DEMO_HASH_SEED42_3000MS};
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

/// Every built-in scenario × 3 seeds, with and without chaos, with
/// scripted inputs: the hashes in wasm equal the native ones that
/// `tests/determinism.rs` wrote (issue 11 §6).
#[wasm_bindgen_test]
fn every_scenario_seed_and_chaos_case_hashes_as_natively() {
    let golden = include_str!("../../determinism/hashes.txt");
    let mut checked = 0;
    for line in golden.lines().filter(|l| !l.starts_with('#')) {
        let f: Vec<&str> = line.split(' ').collect();
        let (name, seed, chaos, want) = (f[0], f[1].parse::<u64>().unwrap(), f[2] == "true", f[3]);
        let got = format!("{:016x}", scripted_hash(name, seed, chaos, 2000).unwrap());
        assert_eq!(got, want, "{name} seed {seed} chaos {chaos}: wasm differs from native");
        checked += 1;
    }
    assert_eq!(checked, 36);
}

#[wasm_bindgen_test]
fn the_event_stream_hash_in_wasm_equals_the_native_one() {
    let h = event_stream_hash("demo", 42, 3000).unwrap();
    assert_eq!(h, DEMO_HASH_SEED42_3000MS, "wasm hash {h:#x} differs from the native constant");
}

#[wasm_bindgen_test]
fn a_killed_worker_restarts_in_wasm() {
    let mut sim = Sim::new("demo", 5).unwrap();
    sim.advance(200);
    let old = sim.tree().unwrap().find_id("cache").unwrap().pid.unwrap();
    sim.kill(old, ":kill").unwrap();
    sim.advance(50);
    let t = sim.tree().unwrap();
    let n = t.find_id("cache").unwrap();
    assert!(n.pid.is_some() && n.pid != Some(old));
    assert_eq!(n.restarts, 1);
}

#[wasm_bindgen_test]
fn bad_input_is_an_error_not_a_panic() {
    let mut sim = Sim::new("demo", 5).unwrap();
    let p = sim.tree().unwrap().pid.unwrap();
    assert!(sim.send_text(p, "{:a,").is_err());
    assert!(sim.kill(p, "%{").is_err());
    assert!(sim.set_strategy(p, "nope").is_err());
    assert!(Sim::new("no-such-scenario", 1).is_err());
}

mod app {
    use wasm_bindgen::JsCast;
    use wasm_bindgen_test::*;

    async fn frames(n: u32) {
        for _ in 0..n {
            let p = js_sys::Promise::new(&mut |resolve, _| {
                let _ = web_sys::window().unwrap().request_animation_frame(&resolve);
            });
            let _ = wasm_bindgen_futures::JsFuture::from(p).await;
        }
    }

    fn host() -> web_sys::Element {
        let doc = web_sys::window().unwrap().document().unwrap();
        let div = doc.create_element("div").unwrap();
        doc.body().unwrap().append_child(&div).unwrap();
        div
    }

    #[wasm_bindgen_test]
    async fn two_instances_mount_side_by_side_and_draw() {
        let a = host();
        let b = host();
        let opts = js_sys::JSON::parse(r#"{"scenario": "demo", "seed": 1}"#).unwrap();
        let _pa = otpsim::web::mount(a.clone(), opts).unwrap();
        let opts = js_sys::JSON::parse(r#"{"scenario": "pubsub", "seed": 2}"#).unwrap();
        let _pb = otpsim::web::mount(b.clone(), opts).unwrap();
        frames(20).await;
        let items_a = a.query_selector_all("[role=treeitem]").unwrap().length();
        let items_b = b.query_selector_all("[role=treeitem]").unwrap().length();
        assert!(items_a >= 10, "demo shows {items_a} tree items");
        assert!(items_b >= 3 && items_b != items_a, "pubsub shows its own tree ({items_b} items, demo {items_a})");
        // Each instance shows its own system: the demo's storage tier only in a.
        assert!(a.query_selector("[role=treeitem][aria-label^='storage ']").unwrap().is_some());
        assert!(b.query_selector("[role=treeitem][aria-label^='storage ']").unwrap().is_none());
        assert_eq!(a.query_selector_all("canvas").unwrap().length(), 4);
        assert_eq!(b.query_selector_all("canvas").unwrap().length(), 4);
        assert!(a.query_selector("[aria-label='Process inspector']").unwrap().is_some());
        let canvas: web_sys::HtmlCanvasElement = a.query_selector("canvas").unwrap().unwrap().dyn_into().unwrap();
        assert!(canvas.width() > 0);
    }

    #[wasm_bindgen_test]
    fn bad_options_are_an_error() {
        let opts = js_sys::JSON::parse(r#"{"scenario": "nope"}"#).unwrap();
        assert!(otpsim::web::mount(host(), opts).is_err());
    }
}
