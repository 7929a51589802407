//! `inspect/1` as Elixir 1.14 prints values: structs (`%RuntimeError{…}`,
//! ranges as `1..3`), printable charlists as `'abc'`, keyword lists and
//! maps with atom keys in keyword style, and at most 50 items per
//! collection, as the default `:limit` does.

use std::fmt::Write;

use crate::term::{is_plain_atom, write_elixir_quoted, Atom, Term};

/// How many items of one collection `inspect` shows before `...`.
const LIMIT: usize = 50;

pub(crate) fn inspect(t: &Term) -> String {
    let mut s = String::new();
    write(t, &mut s, 0);
    s
}

/// Whether the list is a printable charlist, which Elixir 1.14 shows as
/// `'abc'` (`List.ascii_printable?/1`).
fn is_charlist(items: &[Term]) -> bool {
    !items.is_empty()
        && items.iter().all(|t| matches!(t, Term::Int(c) if (32..127).contains(c) || matches!(*c, 7..=13 | 27)))
}

/// Whether `String.printable?/1` accepts the character.
fn printable(c: char) -> bool {
    !c.is_control() || matches!(c, '\n' | '\r' | '\t' | '\u{b}' | '\u{8}' | '\u{c}' | '\u{1b}' | '\u{7}')
}

fn keyword_key(t: &Term) -> Option<Atom> {
    let a = t.as_atom()?;
    if a.name().starts_with("Elixir.") {
        None
    } else {
        Some(a)
    }
}

fn write_key(a: Atom, out: &mut String) {
    let name = a.name();
    if is_plain_atom(&name) || matches!(&*name, "nil" | "true" | "false") {
        out.push_str(&name);
    } else {
        let _ = write_elixir_quoted(&name, out);
    }
    out.push_str(": ");
}

fn write_items<T>(items: &[T], out: &mut String, depth: usize, mut f: impl FnMut(&T, &mut String, usize)) {
    for (i, x) in items.iter().enumerate() {
        if i > 0 {
            out.push_str(", ");
        }
        if i == LIMIT {
            out.push_str("...");
            break;
        }
        f(x, out, depth + 1);
    }
}

fn write(t: &Term, out: &mut String, depth: usize) {
    if depth > 200 {
        out.push_str("...");
        return;
    }
    match t {
        Term::List(xs) if is_charlist(xs) => {
            out.push('\'');
            for x in xs.iter() {
                let c = x.as_int().and_then(|c| char::from_u32(c as u32)).unwrap_or('?');
                match c {
                    '\'' => out.push_str("\\'"),
                    '\\' => out.push_str("\\\\"),
                    '\n' => out.push_str("\\n"),
                    '\t' => out.push_str("\\t"),
                    '\r' => out.push_str("\\r"),
                    '\u{7}' => out.push_str("\\a"),
                    '\u{8}' => out.push_str("\\b"),
                    '\u{b}' => out.push_str("\\v"),
                    '\u{c}' => out.push_str("\\f"),
                    '\u{1b}' => out.push_str("\\e"),
                    c => out.push(c),
                }
            }
            out.push('\'');
        }
        Term::List(xs) => {
            out.push('[');
            let kw = xs.iter().all(|x| matches!(x.as_tuple(), Some([k, _]) if keyword_key(k).is_some()));
            write_items(xs, out, depth, |x, out, d| match (kw, x.as_tuple()) {
                (true, Some([k, v])) => {
                    if let Some(a) = keyword_key(k) {
                        write_key(a, out);
                    }
                    write(v, out, d);
                }
                _ => write(x, out, d),
            });
            out.push(']');
        }
        Term::Tuple(xs) => {
            out.push('{');
            write_items(xs, out, depth, write);
            out.push('}');
        }
        Term::Map(es) => {
            let strukt = t.map_get(&Term::atom("__struct__")).and_then(Term::as_atom);
            let entries: Vec<&(Term, Term)> = match strukt {
                Some(s) if &*s.name() == "Elixir.Range" => {
                    let f = |k: &str| t.map_get(&Term::atom(k)).map(inspect).unwrap_or_default();
                    let _ = write!(out, "{}..{}", f("first"), f("last"));
                    if f("step") != "1" {
                        let _ = write!(out, "//{}", f("step"));
                    }
                    return;
                }
                Some(s) => {
                    out.push('%');
                    out.push_str(s.name().strip_prefix("Elixir.").unwrap_or(&s.name()));
                    es.iter()
                        .filter(|(k, _)| !(k.is_atom(Atom::new("__struct__")) || k.is_atom(Atom::new("__exception__"))))
                        .collect()
                }
                None => {
                    out.push('%');
                    es.iter().collect()
                }
            };
            out.push('{');
            let kw = entries.iter().all(|(k, _)| keyword_key(k).is_some());
            write_items(&entries, out, depth, |(k, v), out, d| {
                match keyword_key(k) {
                    Some(a) if kw => write_key(a, out),
                    _ => {
                        write(k, out, d);
                        out.push_str(" => ");
                    }
                }
                write(v, out, d);
            });
            out.push('}');
        }
        // Elixir prints integral floats below 1.0e16 in full: `1000.0`.
        Term::Float(f) if f.abs() >= 1.0 && f.abs() < 1.0e16 && f.fract() == 0.0 => {
            let _ = write!(out, "{}.0", *f as i64);
        }
        // A string that is not printable shows its bytes: `<<1, 2>>`.
        Term::Str(s) if !s.chars().all(printable) => {
            out.push_str("<<");
            for (i, b) in s.bytes().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                let _ = write!(out, "{b}");
            }
            out.push_str(">>");
        }
        other => {
            let _ = write!(out, "{other}");
        }
    }
}
