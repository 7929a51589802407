//! Fuzzes the API router with a method, a path and a body on a live demo
//! system, several requests per input: every request answers a status and
//! a JSON body (never a panic), and a refused one changes nothing.
#![no_main]
use libfuzzer_sys::fuzz_target;
use otpsim::system::{System, SystemOptions};

const METHODS: [&str; 5] = ["GET", "POST", "DELETE", "PUT", "PATCH"];

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let scen = otpsim::scenario::Scenario::from_json(include_str!("../../scenarios/demo.json")).expect("demo");
    let Ok(mut sys) = System::new(scen, SystemOptions { seed: Some(3), ..Default::default() }) else { return };
    // Each line is `METHOD-INDEX PATH BODY…`.
    for line in text.lines().take(8) {
        let mut parts = line.splitn(3, ' ');
        let m = parts.next().and_then(|m| m.bytes().next()).map_or(0, |b| b as usize % METHODS.len());
        let path = format!("/api/v1/{}", parts.next().unwrap_or(""));
        let body = parts.next().unwrap_or("");
        let before = sys.input_log().len();
        let (status, v) = otpsim::api::handle(&mut sys, METHODS[m], &path, body);
        assert!((200..600).contains(&status));
        if status >= 400 {
            assert!(v["error"]["code"].is_string(), "{status} {path}: {v}");
            assert_eq!(sys.input_log().len(), before, "a refused {path} was logged");
        }
    }
});
