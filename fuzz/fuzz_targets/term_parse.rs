//! Fuzzes the Elixir-syntax term parser: any text parses or is refused with
//! an error, and a parsed term prints and parses back to the same term.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    if let Ok(t) = otpsim::term::parse(text) {
        let printed = t.to_string();
        let again = otpsim::term::parse(&printed);
        assert!(again.is_ok(), "{printed:?} (printed from {text:?}) does not parse back: {again:?}");
    }
});
