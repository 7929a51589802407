//! Fuzzes recording files (`otpsim replay`): any JSON is a recording or a
//! typed error, and a recording replays (each input applied or refused).
#![no_main]
use libfuzzer_sys::fuzz_target;
use otpsim::system::{Recording, System, SystemOptions};

fuzz_target!(|data: &[u8]| {
    let Ok(rec) = serde_json::from_slice::<Recording>(data) else { return };
    let _ = System::from_recording(&rec, SystemOptions::default());
});
