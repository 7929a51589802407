//! Fuzzes the Elixir subset's lexer, parser and module compiler: any
//! source compiles or is refused with a positioned error.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let code = otpsim::lang::Code::new();
    let _ = code.load(text);
});
