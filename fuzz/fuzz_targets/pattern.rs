//! Fuzzes the probe pattern and guard compiler, and matching what it
//! accepts against a few terms.
#![no_main]
use libfuzzer_sys::fuzz_target;
use otpsim::term::Term;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    if let Ok(clause) = otpsim::pattern::parse_clause(text) {
        for t in [Term::atom("ok"), Term::tuple(vec![Term::atom("inc"), Term::Int(2)]), Term::list(vec![Term::Int(1)])] {
            let _ = clause.matches(&t);
        }
    }
});
