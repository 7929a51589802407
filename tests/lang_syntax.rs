//! Compile errors against real Elixir: each source of
//! `tests/elixir/syntax_inputs.txt` must fail to parse at the line and
//! column Elixir 1.14 reports, with Elixir's message
//! (`tests/elixir/record_syntax.exs` recorded them). Failures list every
//! mismatch.

use otpsim::lang::Code;

#[test]
fn syntax_errors_match_elixir() {
    let text = include_str!("elixir/syntax_errors.txt");
    let lines: Vec<&str> = text.lines().collect();
    let mut failures = Vec::new();
    for case in lines.chunks(2) {
        let [src, want] = case else { panic!("syntax_errors.txt: a source without a result: {case:?}") };
        let want = want.strip_prefix("=> ").unwrap_or(want);
        // Parse errors come before anything is loaded, so `load` reports
        // them for any source.
        let got = match Code::new().load(&src.replace("\\n", "\n")) {
            Ok(_) => "ok".to_string(),
            Err(e) => format!("{}:{}: {}", e.pos.line, e.pos.col, e.msg),
        };
        if got != want {
            failures.push(format!("{src}\n    elixir: {want}\n    otpsim: {got}"));
        }
    }
    assert!(failures.is_empty(), "{} syntax errors differ from Elixir:\n{}", failures.len(), failures.join("\n"));
}
