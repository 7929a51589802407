//! Fuzzes the scenario loader and validator, and starting what it accepts:
//! any text is a scenario or a typed error, and an accepted scenario starts
//! and runs for a virtual second without a panic.
#![no_main]
use libfuzzer_sys::fuzz_target;
use otpsim::scenario::Scenario;
use otpsim::system::{System, SystemOptions};

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let Ok(scen) = Scenario::from_json(text) else { return };
    if let Ok(mut sys) = System::new(scen, SystemOptions { seed: Some(1), ..Default::default() }) {
        sys.tick(1000);
    }
});
