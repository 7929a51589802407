//! Printing terms: Elixir literal syntax (`Display`), a width-aware pretty
//! printer for the inspector ([`Term::pretty`]), and Erlang `~w` syntax for
//! conformance traces ([`Term::erlang_w`]).
//!
//! Everything `Display` prints reads back with [`super::parse`] to an equal
//! term, except non-finite floats, which Erlang cannot hold and which print
//! as the bare words `nan`, `inf` and `-inf` (the parser rejects them rather
//! than misreading them).
//!
//! Elixir printing follows `inspect/1`:
//!
//! - atoms: `true`, `false` and `nil` bare; `:ok`, `:foo?`, `:foo!`, `:Foo`,
//!   `:EXIT` when the name is a plain identifier; module atoms
//!   `:"Elixir.Foo.Bar"` as the alias `Foo.Bar`; anything else quoted, as in
//!   `:"$gen_call"` and `:"with space"`;
//! - floats in the shortest form that reads back exactly, always with a `.`
//!   (`1.0`, `0.1`), switching to an exponent when that is shorter (`1.0e3`,
//!   `1.0e20`, `1.0e-5`), by the same rule as Erlang's `io_lib_format:fwrite_g/1`;
//! - strings with Elixir escapes (`"a\"b\n"`, `\#{` for a literal `#{`), other
//!   control characters as `\u{1F}`;
//! - lists of `{atom, value}` pairs whose atoms are plain identifiers as
//!   keyword lists `[a: 1, b: 2]`;
//! - maps as `%{name: "a"}` when every key is such an atom, otherwise with
//!   `=>` for every entry: `%{:a => 1, "k" => 2}`;
//! - pids `#PID<0.42.0>`, references `#Reference<0.0.0.7>`.

use std::fmt::{self, Write};

use super::{Atom, Term};

/// Whether `name` is `[a-z_][a-zA-Z0-9_@]*[?!]?` (ASCII only).
fn is_lower_identifier(name: &str) -> bool {
    let Some((&first, rest)) = name.as_bytes().split_first() else {
        return false;
    };
    if !(first.is_ascii_lowercase() || first == b'_') {
        return false;
    }
    let body = match rest.split_last() {
        Some((b'?' | b'!', body)) => body,
        _ => rest,
    };
    body.iter().all(|&c| c.is_ascii_alphanumeric() || c == b'_' || c == b'@')
}

/// Whether `name` is `[A-Z][a-zA-Z0-9_]*`: an alias segment.
fn is_upper_identifier(name: &str) -> bool {
    let Some((&first, rest)) = name.as_bytes().split_first() else {
        return false;
    };
    first.is_ascii_uppercase() && rest.iter().all(|&c| c.is_ascii_alphanumeric() || c == b'_')
}

/// Whether an atom with this name prints unquoted, as `:name`, and may be a
/// keyword key `name: value`.
pub(crate) fn is_plain_atom(name: &str) -> bool {
    is_lower_identifier(name) || is_upper_identifier(name)
}

/// The alias spelling of a module atom: `Elixir.Foo.Bar` gives `Foo.Bar`.
///
/// `None` when the atom is not a module atom, or when its alias would read
/// back as a different atom (`Elixir.Elixir.Foo` would read as
/// `Elixir.Foo`, so it is printed quoted instead).
pub(super) fn alias_form(name: &str) -> Option<&str> {
    let rest = name.strip_prefix("Elixir.")?;
    let mut segments = rest.split('.');
    if segments.next().is_none_or(|first| first == "Elixir" || !is_upper_identifier(first)) {
        return None;
    }
    if segments.all(is_upper_identifier) {
        Some(rest)
    } else {
        None
    }
}

/// Whether an atom may be written as a keyword key.
fn is_keyword_key(t: &Term) -> bool {
    match t {
        Term::Atom(a) => a.with_name(is_plain_atom),
        _ => false,
    }
}

/// The `(key, value)` of a `{atom, value}` pair that can be a keyword entry.
fn keyword_pair(t: &Term) -> Option<(Atom, &Term)> {
    match t.as_tuple()? {
        [Term::Atom(k), v] if k.with_name(is_plain_atom) => Some((*k, v)),
        _ => None,
    }
}

/// Whether a list prints as a keyword list `[a: 1]`.
fn is_keyword_list(items: &[Term]) -> bool {
    !items.is_empty() && items.iter().all(|t| keyword_pair(t).is_some())
}

/// Whether a map prints in keyword style `%{a: 1}`.
fn is_keyword_map(entries: &[(Term, Term)]) -> bool {
    !entries.is_empty() && entries.iter().all(|(k, _)| is_keyword_key(k))
}

/// Writes `s` between double quotes with Elixir escapes.
pub(crate) fn write_elixir_quoted(s: &str, w: &mut dyn Write) -> fmt::Result {
    w.write_char('"')?;
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '"' => w.write_str("\\\"")?,
            '\\' => w.write_str("\\\\")?,
            '\n' => w.write_str("\\n")?,
            '\t' => w.write_str("\\t")?,
            '\r' => w.write_str("\\r")?,
            '\u{1b}' => w.write_str("\\e")?,
            '\u{7}' => w.write_str("\\a")?,
            '\u{8}' => w.write_str("\\b")?,
            '\u{b}' => w.write_str("\\v")?,
            '\u{c}' => w.write_str("\\f")?,
            '\0' => w.write_str("\\0")?,
            '\u{7f}' => w.write_str("\\d")?,
            '#' if chars.peek() == Some(&'{') => w.write_str("\\#")?,
            c if c.is_control() => write!(w, "\\u{{{:X}}}", c as u32)?,
            c => w.write_char(c)?,
        }
    }
    w.write_char('"')
}

/// Writes an atom as Elixir prints it.
fn write_elixir_atom(a: Atom, w: &mut dyn Write) -> fmt::Result {
    let name = a.name();
    if matches!(&*name, "true" | "false" | "nil") {
        return w.write_str(&name);
    }
    if let Some(alias) = alias_form(&name) {
        return w.write_str(alias);
    }
    w.write_char(':')?;
    if is_plain_atom(&name) {
        w.write_str(&name)
    } else {
        write_elixir_quoted(&name, w)
    }
}

/// Writes a keyword key, `name: ` (with the trailing space).
fn write_keyword_key(a: Atom, w: &mut dyn Write) -> fmt::Result {
    a.with_name(|n| write!(w, "{n}: "))
}

/// Formats a float as Erlang's `io_lib_format:fwrite_g/1` (and so Elixir's
/// `inspect`) does: the shortest digits that read back exactly, placed in
/// plain notation unless the exponent form is shorter.
pub(super) fn format_float(f: f64) -> String {
    if f.is_nan() {
        return "nan".to_string();
    }
    if f.is_infinite() {
        return if f > 0.0 { "inf" } else { "-inf" }.to_string();
    }
    // Rust's `{:e}` gives the shortest round-trip digits: `-1.2345e-7`.
    let sci = format!("{f:e}");
    let Some((mantissa, exp)) = sci.split_once('e') else {
        return format!("{f:?}");
    };
    let Ok(exp) = exp.parse::<i64>() else {
        return format!("{f:?}");
    };
    let digits: String = mantissa.chars().filter(|c| c.is_ascii_digit()).collect();
    let body = insert_decimal(exp + 1, &digits);
    if mantissa.starts_with('-') {
        format!("-{body}")
    } else {
        body
    }
}

/// Places the decimal point in `digits` for the value `0.digits × 10^place`,
/// choosing plain or exponent notation as `io_lib_format:insert_decimal/2`.
fn insert_decimal(place: i64, digits: &str) -> String {
    if digits.is_empty() {
        return "0.0".to_string();
    }
    let len = digits.len() as i64;
    if place == 0 {
        return format!("0.{digits}");
    }
    if place > 0 && place < len {
        let (int_part, frac_part) = digits.split_at(place as usize);
        return format!("{int_part}.{frac_part}");
    }
    let exp = (place - 1).to_string();
    let exp_dot = if len == 1 { 2 } else { 1 };
    let exp_cost = exp.len() as i64 + 1 + exp_dot;
    if place < 0 {
        if 2 - place <= exp_cost {
            return format!("0.{}{digits}", "0".repeat((-place) as usize));
        }
    } else if place - len + 2 <= exp_cost {
        return format!("{digits}{}.0", "0".repeat((place - len) as usize));
    }
    let (first, rest) = digits.split_at(1);
    if rest.is_empty() {
        format!("{first}.0e{exp}")
    } else {
        format!("{first}.{rest}e{exp}")
    }
}

fn write_joined<T>(
    items: &[T],
    sep: &str,
    w: &mut dyn Write,
    mut each: impl FnMut(&T, &mut dyn Write) -> fmt::Result,
) -> fmt::Result {
    for (i, item) in items.iter().enumerate() {
        if i > 0 {
            w.write_str(sep)?;
        }
        each(item, w)?;
    }
    Ok(())
}

/// Writes a term in Elixir literal syntax.
fn write_elixir(t: &Term, w: &mut dyn Write) -> fmt::Result {
    match t {
        Term::Atom(a) => write_elixir_atom(*a, w),
        Term::Int(i) => write!(w, "{i}"),
        Term::Float(f) => w.write_str(&format_float(*f)),
        Term::Str(s) => write_elixir_quoted(s, w),
        Term::Tuple(xs) => {
            w.write_char('{')?;
            write_joined(xs, ", ", w, |x, w| write_elixir(x, w))?;
            w.write_char('}')
        }
        Term::List(xs) => {
            w.write_char('[')?;
            if is_keyword_list(xs) {
                write_joined(xs, ", ", w, |x, w| match keyword_pair(x) {
                    Some((k, v)) => {
                        write_keyword_key(k, w)?;
                        write_elixir(v, w)
                    }
                    None => write_elixir(x, w),
                })?;
            } else {
                write_joined(xs, ", ", w, |x, w| write_elixir(x, w))?;
            }
            w.write_char(']')
        }
        Term::Map(es) => {
            w.write_str("%{")?;
            if is_keyword_map(es) {
                write_joined(es, ", ", w, |(k, v), w| {
                    match k {
                        Term::Atom(a) => write_keyword_key(*a, w)?,
                        other => {
                            write_elixir(other, w)?;
                            w.write_str(" => ")?;
                        }
                    }
                    write_elixir(v, w)
                })?;
            } else {
                write_joined(es, ", ", w, |(k, v), w| {
                    write_elixir(k, w)?;
                    w.write_str(" => ")?;
                    write_elixir(v, w)
                })?;
            }
            w.write_char('}')
        }
        Term::Pid(p) => write!(w, "{p}"),
        Term::Ref(r) => write!(w, "{r}"),
        Term::Fun(f) => w.write_str(&f.label),
    }
}

impl fmt::Display for Term {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write_elixir(self, f)
    }
}

/// A writer that accepts at most a given number of characters, then fails:
/// measures whether a term fits without printing all of a huge one.
struct Budget(usize);

impl Write for Budget {
    fn write_str(&mut self, s: &str) -> fmt::Result {
        let n = s.chars().count();
        if n > self.0 {
            return Err(fmt::Error);
        }
        self.0 -= n;
        Ok(())
    }
}

/// Whether `t` prints flat in at most `budget` characters.
fn fits(t: &Term, budget: usize) -> bool {
    write_elixir(t, &mut Budget(budget)).is_ok()
}

/// One line of a broken-up compound term.
enum Entry<'a> {
    Item(&'a Term),
    Keyword(Atom, &'a Term),
    Arrow(&'a Term, &'a Term),
}

/// The column the next character of `out` lands in.
fn current_column(out: &str) -> usize {
    out.rsplit('\n').next().map_or(0, |line| line.chars().count())
}

/// Appends `t` to `out`, flat if it fits in `width` with `trailing`
/// characters after it on the line, otherwise with one entry per line
/// indented two spaces deeper than `indent`.
fn pretty_into(t: &Term, indent: usize, width: usize, trailing: usize, out: &mut String) {
    let budget = width.saturating_sub(current_column(out) + trailing);
    let (open, close, entries): (&str, &str, Vec<Entry<'_>>) = match t {
        Term::Tuple(xs) if !xs.is_empty() => ("{", "}", xs.iter().map(Entry::Item).collect()),
        Term::List(xs) if is_keyword_list(xs) => (
            "[",
            "]",
            xs.iter()
                .map(|x| match keyword_pair(x) {
                    Some((k, v)) => Entry::Keyword(k, v),
                    None => Entry::Item(x),
                })
                .collect(),
        ),
        Term::List(xs) if !xs.is_empty() => ("[", "]", xs.iter().map(Entry::Item).collect()),
        Term::Map(es) if is_keyword_map(es) => (
            "%{",
            "}",
            es.iter()
                .map(|(k, v)| match k {
                    Term::Atom(a) => Entry::Keyword(*a, v),
                    other => Entry::Arrow(other, v),
                })
                .collect(),
        ),
        Term::Map(es) if !es.is_empty() => ("%{", "}", es.iter().map(|(k, v)| Entry::Arrow(k, v)).collect()),
        _ => {
            let _ = write_elixir(t, out);
            return;
        }
    };
    if fits(t, budget) {
        let _ = write_elixir(t, out);
        return;
    }
    let inner = indent + 2;
    out.push_str(open);
    let last = entries.len().saturating_sub(1);
    for (i, entry) in entries.iter().enumerate() {
        out.push('\n');
        out.extend(std::iter::repeat_n(' ', inner));
        let trailing = if i == last { 0 } else { 1 };
        match entry {
            Entry::Item(x) => pretty_into(x, inner, width, trailing, out),
            Entry::Keyword(k, v) => {
                let _ = write_keyword_key(*k, out);
                pretty_into(v, inner, width, trailing, out);
            }
            Entry::Arrow(k, v) => {
                pretty_into(k, inner, width, 3, out);
                out.push_str(" => ");
                pretty_into(v, inner, width, trailing, out);
            }
        }
        if i != last {
            out.push(',');
        }
    }
    out.push('\n');
    out.extend(std::iter::repeat_n(' ', indent));
    out.push_str(close);
}

/// Erlang's reserved words, which `~w` quotes as atoms.
const ERLANG_RESERVED: &[&str] = &[
    "after", "and", "andalso", "band", "begin", "bnot", "bor", "bsl", "bsr", "bxor", "case", "catch", "cond", "div",
    "else", "end", "fun", "if", "let", "maybe", "not", "of", "or", "orelse", "receive", "rem", "try", "when", "xor",
];

/// Whether Erlang writes this atom without quotes: `[a-z][a-zA-Z0-9_@]*`
/// and not a reserved word.
fn is_bare_erlang_atom(name: &str) -> bool {
    let Some((&first, rest)) = name.as_bytes().split_first() else {
        return false;
    };
    first.is_ascii_lowercase()
        && rest.iter().all(|&c| c.is_ascii_alphanumeric() || c == b'_' || c == b'@')
        && !ERLANG_RESERVED.contains(&name)
}

/// Writes `s` between `quote` characters with Erlang escapes.
fn write_erlang_quoted(s: &str, quote: char, w: &mut dyn Write) -> fmt::Result {
    w.write_char(quote)?;
    for c in s.chars() {
        match c {
            c if c == quote => {
                w.write_char('\\')?;
                w.write_char(c)?;
            }
            '\\' => w.write_str("\\\\")?,
            '\n' => w.write_str("\\n")?,
            '\t' => w.write_str("\\t")?,
            '\r' => w.write_str("\\r")?,
            '\u{1b}' => w.write_str("\\e")?,
            '\u{8}' => w.write_str("\\b")?,
            '\u{b}' => w.write_str("\\v")?,
            '\u{c}' => w.write_str("\\f")?,
            '\u{7f}' => w.write_str("\\d")?,
            c if (c as u32) < 0x20 => {
                w.write_str("\\^")?;
                w.write_char(char::from(c as u8 + b'@'))?;
            }
            c if c.is_control() => write!(w, "\\x{{{:X}}}", c as u32)?,
            c => w.write_char(c)?,
        }
    }
    w.write_char(quote)
}

/// Writes a string as an Erlang binary: `<<"abc">>`, `<<"é"/utf8>>` when it
/// holds non-ASCII text, or `<<1,2>>` when it holds other control
/// characters than the usual escapes.
fn write_erlang_binary(s: &str, w: &mut dyn Write) -> fmt::Result {
    if s.is_empty() {
        return w.write_str("<<>>");
    }
    let printable =
        s.chars().all(|c| !c.is_control() || matches!(c, '\n' | '\t' | '\r' | '\u{1b}' | '\u{8}' | '\u{b}' | '\u{c}'));
    if !printable {
        w.write_str("<<")?;
        write_joined(s.as_bytes(), ",", w, |b, w| write!(w, "{b}"))?;
        return w.write_str(">>");
    }
    w.write_str("<<")?;
    write_erlang_quoted(s, '"', w)?;
    if !s.is_ascii() {
        w.write_str("/utf8")?;
    }
    w.write_str(">>")
}

/// Writes a term in Erlang `~w` syntax.
fn write_erlang(t: &Term, w: &mut dyn Write) -> fmt::Result {
    match t {
        Term::Atom(a) => {
            let name = a.name();
            if is_bare_erlang_atom(&name) {
                w.write_str(&name)
            } else {
                write_erlang_quoted(&name, '\'', w)
            }
        }
        Term::Int(i) => write!(w, "{i}"),
        Term::Float(f) => w.write_str(&format_float(*f)),
        Term::Str(s) => write_erlang_binary(s, w),
        Term::Tuple(xs) => {
            w.write_char('{')?;
            write_joined(xs, ",", w, |x, w| write_erlang(x, w))?;
            w.write_char('}')
        }
        Term::List(xs) => {
            w.write_char('[')?;
            write_joined(xs, ",", w, |x, w| write_erlang(x, w))?;
            w.write_char(']')
        }
        Term::Map(es) => {
            w.write_str("#{")?;
            write_joined(es, ",", w, |(k, v), w| {
                write_erlang(k, w)?;
                w.write_str("=>")?;
                write_erlang(v, w)
            })?;
            w.write_char('}')
        }
        Term::Pid(p) => write!(w, "<0.{}.0>", p.0),
        Term::Ref(r) => write!(w, "#Ref<0.0.0.{}>", r.0),
        Term::Fun(f) => w.write_str(&f.label),
    }
}

impl Term {
    /// Elixir literal syntax broken over lines to fit in `width` columns
    /// where possible, for the inspector.
    ///
    /// A tuple, list or map that does not fit on the rest of its line is
    /// written with its opening bracket, then each entry on its own line
    /// indented two spaces deeper (followed by a comma, except the last),
    /// then the closing bracket on a line of its own. Entries break the same
    /// way in turn. Atoms, numbers and strings never break, so a line may
    /// still exceed `width`. The result reads back with [`super::parse`].
    pub fn pretty(&self, width: usize) -> String {
        let mut out = String::new();
        pretty_into(self, 0, width, 0, &mut out);
        out
    }

    /// Erlang `~w` syntax, as in conformance traces recorded from real
    /// Erlang/OTP: `{failed_to_start_child,b,init_failed}`.
    ///
    /// Atoms are bare or single-quoted by Erlang's rules (`ok`, `'EXIT'`,
    /// `'$gen_call'`, `'Elixir.Foo'`, `'end'`); tuples, lists and maps have
    /// no spaces (`{a,b}`, `[1,2]`, `#{a=>1}`); strings print as binaries
    /// (`<<"abc">>`, as `~p` shows them); pids `<0.42.0>`; references
    /// `#Ref<0.0.0.7>`.
    pub fn erlang_w(&self) -> String {
        let mut out = String::new();
        let _ = write_erlang(self, &mut out);
        out
    }
}

/// A term in Elixir syntax, cut after `max` characters (with ` …`), so
/// that one huge message or dictionary value cannot blow up an answer.
pub fn clip(t: &Term, max: usize) -> String {
    struct Clipped {
        s: String,
        left: usize,
        cut: bool,
    }
    impl fmt::Write for Clipped {
        fn write_str(&mut self, x: &str) -> fmt::Result {
            for c in x.chars() {
                if self.left == 0 {
                    self.cut = true;
                    return Err(fmt::Error);
                }
                self.s.push(c);
                self.left -= 1;
            }
            Ok(())
        }
    }
    let mut w = Clipped { s: String::new(), left: max, cut: false };
    let _ = fmt::Write::write_fmt(&mut w, format_args!("{t}"));
    if w.cut {
        let keep = w.s.trim_end().len();
        w.s.truncate(keep);
        w.s.push_str(" …");
    }
    w.s
}

#[cfg(test)]
mod tests {
    use super::super::{arbitrary, parse, Pid, Ref};
    use super::*;
    use proptest::prelude::*;

    /// Parses `src` (so tests read naturally), for building expected terms.
    fn t(src: &str) -> Term {
        match parse(src) {
            Ok(t) => t,
            Err(e) => panic!("test input {src:?} does not parse: {e}"),
        }
    }

    fn check(term: Term, expected: &str) {
        assert_eq!(term.to_string(), expected, "{term:?}");
    }

    fn check_atom(name: &str, expected: &str) {
        check(Term::atom(name), expected);
    }

    #[test]
    fn atoms() {
        check_atom("ok", ":ok");
        check_atom("quoted atom", ":\"quoted atom\"");
        check_atom("foo?", ":foo?");
        check_atom("foo!", ":foo!");
        check_atom("foo?bar", ":\"foo?bar\"");
        check_atom("foo@bar", ":foo@bar");
        check_atom("_", ":_");
        check_atom("_x1", ":_x1");
        check_atom("Foo", ":Foo");
        check_atom("Foo?", ":\"Foo?\"");
        check_atom("EXIT", ":EXIT");
        check_atom("$gen_call", ":\"$gen_call\"");
        check_atom("true", "true");
        check_atom("false", "false");
        check_atom("nil", "nil");
        check_atom("Elixir.Foo.Bar", "Foo.Bar");
        check_atom("Elixir.Foo", "Foo");
        check_atom("Elixir", ":Elixir");
        check_atom("Elixir.foo", ":\"Elixir.foo\"");
        check_atom("Elixir.Foo.", ":\"Elixir.Foo.\"");
        check_atom("Elixir.Elixir.Foo", ":\"Elixir.Elixir.Foo\"");
        check_atom("", ":\"\"");
        check_atom("1abc", ":\"1abc\"");
        check_atom("a\"b", ":\"a\\\"b\"");
        check_atom("new\nline", ":\"new\\nline\"");
        check_atom("é", ":\"é\"");
    }

    #[test]
    fn numbers() {
        let cases: &[(f64, &str)] = &[
            (0.0, "0.0"),
            (-0.0, "-0.0"),
            (1.0, "1.0"),
            (-1.5, "-1.5"),
            (0.1, "0.1"),
            (0.05, "0.05"),
            (0.0001, "0.0001"),
            (0.00001, "1.0e-5"),
            (0.00012, "1.2e-4"),
            (10.0, "10.0"),
            (100.0, "100.0"),
            (1000.0, "1.0e3"),
            (1500.0, "1.5e3"),
            (1234.0, "1234.0"),
            (123456.0, "123456.0"),
            (1.0e20, "1.0e20"),
            (1.5e300, "1.5e300"),
            (123.456, "123.456"),
            (5e-324, "5.0e-324"),
            (f64::MAX, "1.7976931348623157e308"),
            (0.30000000000000004, "0.30000000000000004"),
            (f64::NAN, "nan"),
            (f64::INFINITY, "inf"),
            (f64::NEG_INFINITY, "-inf"),
        ];
        for &(f, expected) in cases {
            check(Term::Float(f), expected);
        }
        check(Term::Int(0), "0");
        check(Term::Int(-5), "-5");
        check(Term::Int(i64::MIN), "-9223372036854775808");
    }

    #[test]
    fn strings() {
        check(Term::str("a\"b\n"), r#""a\"b\n""#);
        check(Term::str("back\\slash"), r#""back\\slash""#);
        check(Term::str("tab\there\r"), r#""tab\there\r""#);
        check(Term::str("#{x} #a #"), r#""\#{x} #a #""#);
        check(Term::str("\u{1}\u{1b}\0\u{7f}\u{85}"), r#""\u{1}\e\0\d\u{85}""#);
        check(Term::str("é😀"), "\"é😀\"");
        check(Term::str(""), "\"\"");
    }

    #[test]
    fn compounds() {
        check(Term::tuple(vec![Term::atom("inc"), Term::Int(5)]), "{:inc, 5}");
        check(Term::tuple(vec![]), "{}");
        check(Term::list(vec![Term::Int(1), Term::Int(2)]), "[1, 2]");
        check(Term::list(vec![]), "[]");
        check(
            Term::list(vec![
                Term::tuple(vec![Term::atom("a"), Term::Int(1)]),
                Term::tuple(vec![Term::atom("b"), Term::Int(2)]),
            ]),
            "[a: 1, b: 2]",
        );
        check(Term::list(vec![Term::tuple(vec![Term::atom("a"), Term::Int(1)]), Term::Int(2)]), "[{:a, 1}, 2]");
        check(Term::list(vec![Term::tuple(vec![Term::atom("a b"), Term::Int(1)])]), "[{:\"a b\", 1}]");
        check(Term::list(vec![Term::tuple(vec![Term::atom("a"), Term::Int(1), Term::Int(2)])]), "[{:a, 1, 2}]");
        check(Term::map(vec![]), "%{}");
        check(Term::map(vec![(Term::atom("name"), Term::str("a"))]), "%{name: \"a\"}");
        check(Term::map(vec![(Term::atom("true"), Term::nil())]), "%{true: nil}");
        check(
            Term::map(vec![(Term::str("k"), Term::Int(2)), (Term::atom("a"), Term::Int(1))]),
            "%{:a => 1, \"k\" => 2}",
        );
        check(Term::map(vec![(Term::atom("$x"), Term::Int(1))]), "%{:\"$x\" => 1}");
        check(Term::map(vec![(Term::atom("Elixir.Foo"), Term::Int(1))]), "%{Foo => 1}");
        check(Term::map(vec![(Term::Int(1), Term::Int(2))]), "%{1 => 2}");
        check(Term::Pid(Pid(42)), "#PID<0.42.0>");
        check(Term::Ref(Ref(7)), "#Reference<0.0.0.7>");
        check(
            Term::tuple(vec![
                Term::atom("$gen_call"),
                Term::tuple(vec![Term::Pid(Pid(3)), Term::Ref(Ref(9))]),
                Term::atom("get"),
            ]),
            "{:\"$gen_call\", {#PID<0.3.0>, #Reference<0.0.0.9>}, :get}",
        );
    }

    fn check_pretty(src: &str, width: usize, expected: &str) {
        let term = t(src);
        let got = term.pretty(width);
        assert_eq!(got, expected, "pretty({src}, {width})");
        assert_eq!(parse(&got), Ok(term), "pretty output reads back");
    }

    #[test]
    fn pretty_keeps_what_fits_flat() {
        check_pretty("{:inc, 5}", 80, "{:inc, 5}");
        check_pretty("{:inc, 5}", 9, "{:inc, 5}");
        check_pretty("[]", 0, "[]");
        check_pretty(":a_long_atom", 3, ":a_long_atom");
    }

    #[test]
    fn pretty_breaks_what_does_not() {
        check_pretty("{:inc, 5}", 8, "{\n  :inc,\n  5\n}");
        check_pretty(
            "%{name: \"worker\", state: {:running, [1, 2, 3]}, count: 12}",
            30,
            "%{\n  count: 12,\n  name: \"worker\",\n  state: {:running, [1, 2, 3]}\n}",
        );
        check_pretty(
            "%{name: \"worker\", state: {:running, [1, 2, 3]}, count: 12}",
            20,
            "%{\n  count: 12,\n  name: \"worker\",\n  state: {\n    :running,\n    [1, 2, 3]\n  }\n}",
        );
        check_pretty("%{\"key\" => [1, 2], {:a, :b} => :c}", 17, "%{\n  {:a, :b} => :c,\n  \"key\" => [1, 2]\n}");
        check_pretty(
            "%{\"key\" => [1, 2], {:a, :b} => :c}",
            16,
            "%{\n  {:a, :b} => :c,\n  \"key\" => [\n    1,\n    2\n  ]\n}",
        );
        check_pretty("[a: 1, b: [2, 3]]", 12, "[\n  a: 1,\n  b: [2, 3]\n]");
        // The trailing comma counts: `[1, 2],` needs 9 columns after the indent.
        check_pretty("[[1, 2], [3]]", 10, "[\n  [1, 2],\n  [3]\n]");
        check_pretty("[[1, 2], [3]]", 8, "[\n  [\n    1,\n    2\n  ],\n  [3]\n]");
    }

    fn check_w(term: Term, expected: &str) {
        assert_eq!(term.erlang_w(), expected, "{term:?}");
    }

    #[test]
    fn erlang_w() {
        check_w(t("{:failed_to_start_child, :b, :init_failed}"), "{failed_to_start_child,b,init_failed}");
        check_w(t(":EXIT"), "'EXIT'");
        check_w(t(":\"$gen_call\""), "'$gen_call'");
        check_w(t("Foo.Bar"), "'Elixir.Foo.Bar'");
        check_w(t(":end"), "'end'");
        check_w(t(":maybe"), "'maybe'");
        check_w(t(":foo@bar"), "foo@bar");
        check_w(t(":foo?"), "'foo?'");
        check_w(t(":_x"), "'_x'");
        check_w(t(":\"it's\""), "'it\\'s'");
        check_w(t(":\"a\\u{1}b\""), "'a\\^Ab'");
        check_w(t("true"), "true");
        check_w(t("nil"), "nil");
        check_w(t("[1, 2]"), "[1,2]");
        check_w(t("[]"), "[]");
        check_w(t("{}"), "{}");
        check_w(t("[a: 1]"), "[{a,1}]");
        check_w(t("\"abc\""), "<<\"abc\">>");
        check_w(t("\"a\\\"b\\n\""), "<<\"a\\\"b\\n\">>");
        check_w(t("\"é\""), "<<\"é\"/utf8>>");
        check_w(t("\"\\u{1}\\u{2}\""), "<<1,2>>");
        check_w(t("\"\""), "<<>>");
        check_w(t("%{a: 1, b: \"x\"}"), "#{a=>1,b=><<\"x\">>}");
        check_w(t("%{}"), "#{}");
        check_w(t("#PID<0.42.0>"), "<0.42.0>");
        check_w(t("#Reference<0.0.0.7>"), "#Ref<0.0.0.7>");
        check_w(t("-5"), "-5");
        check_w(t("1.0e3"), "1.0e3");
        check_w(t("{:shutdown, {:EXIT, #PID<0.1.0>, :normal}}"), "{shutdown,{'EXIT',<0.1.0>,normal}}");
    }

    proptest! {
        #[test]
        fn floats_print_shortest_and_read_back(f in arbitrary::finite_float()) {
            let s = format_float(f);
            prop_assert!(s.contains('.'), "{} has no '.'", s);
            let back: f64 = s.parse().map_err(|e| TestCaseError::fail(format!("{s}: {e}")))?;
            prop_assert_eq!(back.to_bits(), f.to_bits(), "{}", s);
        }

        #[test]
        fn pretty_reads_back(term in arbitrary::term(), width in 0usize..60) {
            let s = term.pretty(width);
            prop_assert_eq!(parse(&s), Ok(term), "{}", s);
        }

        #[test]
        fn pretty_with_room_is_flat(term in arbitrary::term()) {
            prop_assert_eq!(term.pretty(usize::MAX), term.to_string());
        }
    }
}
