//! Cutting text to a width for the views: node labels, titles, trace lines.

use crate::term::Term;

/// `s` cut to `n` characters, with an ellipsis when cut.
pub fn short_str(s: &str, n: usize) -> String {
    if s.chars().count() > n {
        let t: String = s.chars().take(n.saturating_sub(1)).collect();
        format!("{t}…")
    } else {
        s.to_string()
    }
}

/// A term as text, cut to 80 characters (a trace line's message).
pub(super) fn short(t: &Term) -> String {
    let s = t.to_string();
    if s.chars().count() > 80 {
        let cut: String = s.chars().take(77).collect();
        format!("{cut}…")
    } else {
        s
    }
}
