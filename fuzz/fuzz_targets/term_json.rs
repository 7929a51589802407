//! Fuzzes term JSON decoding (the API's and recordings' tagged form): any
//! JSON decodes to a term or is refused with an error.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(v) = serde_json::from_slice::<serde_json::Value>(data) else { return };
    if let Ok(t) = otpsim::term::Term::from_json_value(&v) {
        let _ = t.to_string();
    }
});
