//! The language against real Elixir: every expression recorded by
//! `tests/elixir/record.exs` (Elixir 1.14 on OTP 25) is evaluated by our
//! interpreter and must print the same, value or exception. Failures list
//! every mismatch, one per line.

use otpsim::lang::{describe, eval_source, inspect};

/// What our interpreter prints for `expr`, in the recording's form.
fn ours(expr: &str) -> String {
    let shown = match eval_source(expr) {
        Ok((Ok(v), _)) => inspect(&v),
        Ok((Err(r), _)) => describe(&r),
        Err(e) => format!("** (SyntaxError) {e}"),
    };
    shown.replace('\n', "\\n")
}

#[test]
fn recorded_expressions_match_elixir() {
    let text = include_str!("elixir/expressions.txt");
    let lines: Vec<&str> = text.lines().collect();
    let mut failures = Vec::new();
    let mut n = 0;
    for case in lines.chunks(2) {
        let [expr, want] = case else { panic!("expressions.txt: an expression without a result: {case:?}") };
        let want = want.strip_prefix("=> ").unwrap_or_else(|| panic!("expressions.txt: bad result line {want:?}"));
        n += 1;
        let got = ours(expr);
        // A function Elixir lacks too reads as Elixir says, plus that the
        // subset lacks it (otpsim cannot tell which of the two it is).
        let subset = format!("{want}, or not in otpsim's subset");
        if got != want && !(want.starts_with("** (UndefinedFunctionError)") && got == subset) {
            failures.push(format!("{expr}\n    elixir: {want}\n    otpsim: {got}"));
        }
    }
    assert!(n >= 300, "only {n} recorded expressions");
    assert!(failures.is_empty(), "{} of {n} expressions differ from Elixir:\n{}", failures.len(), failures.join("\n"));
}
