//! Parsing Elixir literal syntax into terms: [`parse`] and [`ParseError`].
//!
//! Accepted syntax, whitespace and newlines allowed between any two tokens:
//!
//! - integers `42`, `-7`, `1_000`, `0xFF`, `0o17`, `0b101`; out of the `i64`
//!   range is an error, never a wrap or a panic;
//! - floats `1.5`, `-0.5`, `1.0e3`, `1.5E-7` (digits on both sides of the
//!   `.`, as in Elixir);
//! - atoms `:ok`, `:foo?`, `:Foo`, `:"with space"`, `:"$gen_call"`; bare
//!   `true`, `false` and `nil`; aliases `Foo.Bar`, meaning the atom
//!   `:"Elixir.Foo.Bar"` (and `Elixir.Foo` meaning the same);
//! - strings `"a\"b\n"` with the escapes `\n \t \r \" \\ \' \# \s \e \a \b
//!   \v \f \0 \d`, `\uHHHH`, `\u{H…}` and `\xHH` (below `0x80`, so strings
//!   stay UTF-8); a backslash before a newline joins the lines; `#{` (string
//!   interpolation) is an error;
//! - tuples `{:inc, 5}`, lists `[1, 2]` and `[1 | [2, 3]]`, keyword lists
//!   `[a: 1, "b c": 2]` (lists of `{atom, value}` pairs; keyword entries may
//!   follow plain elements but never precede them; a tuple's trailing keyword
//!   entries form a list, `{1, a: 2}` being `{1, [a: 2]}`, as in Elixir);
//! - maps `%{"k" => 1, name: "a"}` (keyword entries last, as Elixir requires;
//!   a later duplicate key wins);
//! - pids `#PID<0.42.0>` and references `#Reference<0.0.0.7>`.
//!
//! Trailing commas are errors. Tuples, lists and maps may nest at most
//! [`MAX_DEPTH`] levels deep, so hostile input gives an error rather than a
//! stack overflow.

use std::fmt;
use std::rc::Rc;
use std::str::FromStr;

use super::{Atom, Pid, Ref, Term};

/// How deeply tuples, lists and maps may nest in parsed input.
pub const MAX_DEPTH: usize = 256;

/// Why input did not parse, and where: `line` and `col` are 1-based and
/// count characters, not bytes. Displays as `expected '}' at 1:9`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ParseError {
    pub line: usize,
    pub col: usize,
    pub message: String,
}

impl fmt::Display for ParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} at {}:{}", self.message, self.line, self.col)
    }
}

impl std::error::Error for ParseError {}

/// Parses one term written in Elixir literal syntax; anything but
/// whitespace after it is an error.
pub fn parse(input: &str) -> Result<Term, ParseError> {
    let mut p = Parser { src: input, pos: 0, depth: 0 };
    p.skip_ws();
    let term = p.term()?;
    p.skip_ws();
    if p.peek().is_some() {
        return Err(p.error(p.pos, "trailing input"));
    }
    Ok(term)
}

impl FromStr for Term {
    type Err = ParseError;

    /// Same as [`parse`].
    fn from_str(s: &str) -> Result<Term, ParseError> {
        parse(s)
    }
}

/// An element of a tuple, list or map: a keyword entry `key: value`, or
/// anything else (a plain element, or a map key before `=>`).
enum Entry {
    Keyword(Atom, Term),
    Plain(Term),
}

/// Whether `c` may start an identifier (atom name, keyword key, `true`).
fn is_ident_start(c: char) -> bool {
    c.is_alphabetic() || c == '_'
}

/// Whether `c` may continue an identifier.
fn is_ident_char(c: char) -> bool {
    c.is_alphanumeric() || c == '_' || c == '@'
}

struct Parser<'a> {
    src: &'a str,
    /// Byte offset of the next character; always on a character boundary.
    pos: usize,
    /// How many tuples, lists and maps enclose the current position.
    depth: usize,
}

impl Parser<'_> {
    fn rest(&self) -> &str {
        self.src.get(self.pos..).unwrap_or("")
    }

    fn peek(&self) -> Option<char> {
        self.rest().chars().next()
    }

    fn peek_nth(&self, n: usize) -> Option<char> {
        self.rest().chars().nth(n)
    }

    fn bump(&mut self) -> Option<char> {
        let c = self.peek()?;
        self.pos += c.len_utf8();
        Some(c)
    }

    fn eat(&mut self, c: char) -> bool {
        if self.peek() == Some(c) {
            self.pos += c.len_utf8();
            true
        } else {
            false
        }
    }

    fn eat_str(&mut self, s: &str) -> bool {
        if self.rest().starts_with(s) {
            self.pos += s.len();
            true
        } else {
            false
        }
    }

    fn skip_ws(&mut self) {
        while self.peek().is_some_and(char::is_whitespace) {
            self.bump();
        }
    }

    fn slice(&self, from: usize, to: usize) -> &str {
        self.src.get(from..to).unwrap_or("")
    }

    /// An error at byte offset `pos`.
    #[inline(never)]
    fn error(&self, pos: usize, message: impl Into<String>) -> ParseError {
        let before = self.src.get(..pos).unwrap_or(self.src);
        let line = before.matches('\n').count() + 1;
        let col = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
        ParseError { line, col, message: message.into() }
    }

    /// Describes the next character, for "but found" messages.
    fn found(&self) -> String {
        match self.peek() {
            Some(c) => format!("{c:?}"),
            None => "end of input".to_string(),
        }
    }

    /// An error at the current position: expected `what`, found the next
    /// character.
    #[inline(never)]
    /// Interns an atom read from the input at `pos`, with the BEAM's atom
    /// limits: past them the input gets a `system_limit` error, as in Erlang.
    fn intern(&self, pos: usize, name: &str) -> Result<Atom, ParseError> {
        Atom::try_new(name).map_err(|e| self.error(pos, e.to_string()))
    }

    fn expected(&self, what: &str) -> ParseError {
        self.error(self.pos, format!("expected {what} but found {}", self.found()))
    }

    fn expect(&mut self, c: char) -> Result<(), ParseError> {
        if self.eat(c) {
            Ok(())
        } else {
            Err(self.expected(&format!("{c:?}")))
        }
    }

    /// Enters a tuple, list or map opened at `pos`.
    fn enter(&mut self, pos: usize) -> Result<(), ParseError> {
        if self.depth >= MAX_DEPTH {
            return Err(self.error(pos, format!("nesting deeper than {MAX_DEPTH} levels")));
        }
        self.depth += 1;
        Ok(())
    }

    fn leave(&mut self) {
        self.depth = self.depth.saturating_sub(1);
    }

    fn term(&mut self) -> Result<Term, ParseError> {
        let start = self.pos;
        let Some(c) = self.peek() else {
            return Err(self.error(start, "unexpected end of input"));
        };
        match c {
            '{' => self.tuple(),
            '[' => self.list(),
            '%' => self.map(),
            '"' => self.string().map(|s| Term::Str(Rc::from(s))),
            ':' => self.atom(),
            '-' | '0'..='9' => self.number(),
            '#' => self.pid_or_ref(),
            '\'' => Err(self.error(start, "charlists are not supported; use a string")),
            c if c.is_ascii_uppercase() => self.alias(),
            c if is_ident_start(c) => self.bare_word(),
            _ => Err(self.expected("a term")),
        }
    }

    /// The byte offset just past the identifier starting at `from`:
    /// identifier characters, then at most one `?` or `!`.
    fn identifier_end(&self, from: usize) -> usize {
        let text = self.src.get(from..).unwrap_or("");
        let mut end = from;
        for (i, c) in text.char_indices() {
            let ok = if i == 0 { is_ident_start(c) } else { is_ident_char(c) };
            if !ok {
                if i > 0 && (c == '?' || c == '!') {
                    end += 1;
                }
                return end;
            }
            end = from + i + c.len_utf8();
        }
        end
    }

    /// A tuple, list or map element, which may be a keyword entry
    /// (`name: value` or `"quoted name": value`).
    fn entry(&mut self) -> Result<Entry, ParseError> {
        match self.peek() {
            Some('"') => {
                let start = self.pos;
                let s = self.string()?;
                if self.keyword_colon() {
                    let key = self.intern(start, &s)?;
                    self.skip_ws();
                    let value = self.term()?;
                    return Ok(Entry::Keyword(key, value));
                }
                Ok(Entry::Plain(Term::Str(Rc::from(s))))
            }
            Some(c) if is_ident_start(c) => {
                let end = self.identifier_end(self.pos);
                let after = self.src.get(end..).unwrap_or("");
                if after.starts_with(':') && !after.starts_with("::") {
                    let key = self.intern(self.pos, self.slice(self.pos, end))?;
                    self.pos = end + 1;
                    self.skip_ws();
                    let value = self.term()?;
                    return Ok(Entry::Keyword(key, value));
                }
                Ok(Entry::Plain(self.term()?))
            }
            _ => Ok(Entry::Plain(self.term()?)),
        }
    }

    /// Consumes the `:` that makes the string just read a keyword key.
    fn keyword_colon(&mut self) -> bool {
        if self.peek() == Some(':') && self.peek_nth(1) != Some(':') {
            self.bump();
            true
        } else {
            false
        }
    }

    /// After an element: consumes `,` and returns `false` (more follow), or
    /// consumes `close` and returns `true`.
    #[inline(never)]
    fn separator(&mut self, close: char) -> Result<bool, ParseError> {
        match self.peek() {
            Some(',') => {
                let comma = self.pos;
                self.bump();
                self.skip_ws();
                if self.peek() == Some(close) {
                    return Err(self.error(comma, "trailing comma is not allowed"));
                }
                Ok(false)
            }
            Some(c) if c == close => {
                self.bump();
                Ok(true)
            }
            _ => Err(self.expected(&format!("{close:?} or ','"))),
        }
    }

    /// The elements of a tuple or list after its opening bracket, through
    /// `close`: plain elements, then keyword entries as `{key, value}`
    /// pairs. For lists (`tail`), `| rest` may end the plain elements.
    fn elements(&mut self, close: char, tail: bool) -> Result<(Vec<Term>, Vec<Term>), ParseError> {
        let mut items = Vec::new();
        let mut keywords = Vec::new();
        self.skip_ws();
        if self.eat(close) {
            return Ok((items, keywords));
        }
        loop {
            self.skip_ws();
            let at = self.pos;
            match self.entry()? {
                Entry::Keyword(k, v) => keywords.push(Term::tuple(vec![Term::Atom(k), v])),
                Entry::Plain(t) => {
                    if !keywords.is_empty() {
                        return Err(self.error(at, "keyword entries must come last"));
                    }
                    items.push(t);
                }
            }
            self.skip_ws();
            if tail && keywords.is_empty() && self.peek() == Some('|') {
                self.bump();
                self.skip_ws();
                let tail_at = self.pos;
                match self.term()? {
                    Term::List(rest) => items.extend(rest.iter().cloned()),
                    _ => return Err(self.error(tail_at, "improper lists are not supported")),
                }
                self.skip_ws();
                self.expect(close)?;
                return Ok((items, keywords));
            }
            if self.separator(close)? {
                return Ok((items, keywords));
            }
        }
    }

    fn tuple(&mut self) -> Result<Term, ParseError> {
        self.enter(self.pos)?;
        self.bump();
        let (mut items, keywords) = self.elements('}', false)?;
        if !keywords.is_empty() {
            items.push(Term::list(keywords));
        }
        self.leave();
        Ok(Term::tuple(items))
    }

    fn list(&mut self) -> Result<Term, ParseError> {
        self.enter(self.pos)?;
        self.bump();
        let (mut items, keywords) = self.elements(']', true)?;
        items.extend(keywords);
        self.leave();
        Ok(Term::list(items))
    }

    #[inline(never)]
    fn map(&mut self) -> Result<Term, ParseError> {
        let start = self.pos;
        self.bump();
        if !self.eat('{') {
            if self.peek().is_some_and(|c| c.is_ascii_uppercase()) {
                return Err(self.error(start, "structs are not supported"));
            }
            return Err(self.expected("'{' after '%'"));
        }
        self.enter(start)?;
        let mut entries = Vec::new();
        let mut seen_keyword = false;
        self.skip_ws();
        if !self.eat('}') {
            loop {
                self.skip_ws();
                let at = self.pos;
                match self.entry()? {
                    Entry::Keyword(k, v) => {
                        seen_keyword = true;
                        entries.push((Term::Atom(k), v));
                    }
                    Entry::Plain(k) => {
                        if seen_keyword {
                            return Err(self.error(at, "'=>' entries must come before keyword entries"));
                        }
                        self.skip_ws();
                        if !self.eat_str("=>") {
                            return Err(self.expected("'=>'"));
                        }
                        self.skip_ws();
                        let v = self.term()?;
                        entries.push((k, v));
                    }
                }
                self.skip_ws();
                if self.separator('}')? {
                    break;
                }
            }
        }
        self.leave();
        Ok(Term::map(entries))
    }

    /// `:name` or `:"quoted name"`.
    #[inline(never)]
    fn atom(&mut self) -> Result<Term, ParseError> {
        self.bump();
        match self.peek() {
            Some('"') => {
                let start = self.pos;
                let name = self.string()?;
                Ok(Term::Atom(self.intern(start, &name)?))
            }
            Some(c) if is_ident_start(c) => {
                let end = self.identifier_end(self.pos);
                let atom = Term::Atom(self.intern(self.pos, self.slice(self.pos, end))?);
                self.pos = end;
                Ok(atom)
            }
            _ => Err(self.expected("an atom name after ':'")),
        }
    }

    /// `Foo.Bar`: the atom `Elixir.Foo.Bar`.
    #[inline(never)]
    fn alias(&mut self) -> Result<Term, ParseError> {
        let start = self.pos;
        loop {
            self.bump();
            while self.peek().is_some_and(|c| c.is_ascii_alphanumeric() || c == '_') {
                self.bump();
            }
            if self.peek() == Some('.') && self.peek_nth(1).is_some_and(|c| c.is_ascii_uppercase()) {
                self.bump();
            } else {
                break;
            }
        }
        let text = self.slice(start, self.pos);
        let atom = if text == "Elixir" || text.starts_with("Elixir.") {
            self.intern(start, text)?
        } else {
            self.intern(start, &format!("Elixir.{text}"))?
        };
        Ok(Term::Atom(atom))
    }

    /// `true`, `false` or `nil`; any other bare word is an error.
    #[inline(never)]
    fn bare_word(&mut self) -> Result<Term, ParseError> {
        let start = self.pos;
        let end = self.identifier_end(start);
        let word = self.slice(start, end);
        match word {
            "true" | "false" | "nil" => {
                let atom = Term::atom(word);
                self.pos = end;
                Ok(atom)
            }
            _ => Err(self.error(start, format!("unexpected identifier '{word}' (atoms are written :{word})"))),
        }
    }

    /// Appends digits of `radix` to `out`, allowing single underscores
    /// between digits; returns how many digits there were.
    fn digits(&mut self, radix: u32, out: &mut String) -> usize {
        let mut n = 0;
        while let Some(c) = self.peek() {
            if c.is_digit(radix) {
                out.push(c);
                self.bump();
                n += 1;
            } else if c == '_' && n > 0 && self.peek_nth(1).is_some_and(|d| d.is_digit(radix)) {
                self.bump();
            } else {
                break;
            }
        }
        n
    }

    #[inline(never)]
    fn number(&mut self) -> Result<Term, ParseError> {
        let start = self.pos;
        let mut text = String::new();
        if self.eat('-') {
            text.push('-');
        }
        if !self.peek().is_some_and(|c| c.is_ascii_digit()) {
            return Err(self.expected("a digit after '-'"));
        }
        let radix = match (self.peek(), self.peek_nth(1)) {
            (Some('0'), Some('x')) => Some((16, "hexadecimal")),
            (Some('0'), Some('o')) => Some((8, "octal")),
            (Some('0'), Some('b')) => Some((2, "binary")),
            _ => None,
        };
        if let Some((radix, name)) = radix {
            self.bump();
            self.bump();
            if self.digits(radix, &mut text) == 0 {
                return Err(self.expected(&format!("{name} digits")));
            }
            return i64::from_str_radix(&text, radix)
                .map(Term::Int)
                .map_err(|_| self.error(start, "integer out of range"));
        }
        self.digits(10, &mut text);
        if self.peek() == Some('.') && self.peek_nth(1).is_some_and(|c| c.is_ascii_digit()) {
            self.bump();
            text.push('.');
            self.digits(10, &mut text);
            if matches!(self.peek(), Some('e' | 'E')) {
                let signed = matches!(self.peek_nth(1), Some('+' | '-'));
                let first_digit = if signed { 2 } else { 1 };
                if self.peek_nth(first_digit).is_some_and(|c| c.is_ascii_digit()) {
                    self.bump();
                    text.push('e');
                    if signed {
                        if let Some(sign) = self.bump() {
                            text.push(sign);
                        }
                    }
                    self.digits(10, &mut text);
                }
            }
            return match text.parse::<f64>() {
                Ok(f) if f.is_finite() => Ok(Term::Float(f)),
                _ => Err(self.error(start, "float out of range")),
            };
        }
        text.parse::<i64>().map(Term::Int).map_err(|_| self.error(start, "integer out of range"))
    }

    /// A run of decimal digits as a `u64`, for pids and references.
    fn field(&mut self) -> Result<u64, ParseError> {
        let at = self.pos;
        let mut text = String::new();
        while let Some(c) = self.peek().filter(char::is_ascii_digit) {
            text.push(c);
            self.bump();
        }
        if text.is_empty() {
            return Err(self.expected("a digit"));
        }
        text.parse::<u64>().map_err(|_| self.error(at, "integer out of range"))
    }

    /// `n.n.n…>` after the opening `<` of a pid or reference.
    fn fields(&mut self, count: usize) -> Result<Vec<u64>, ParseError> {
        let mut out = Vec::with_capacity(count);
        for i in 0..count {
            if i > 0 {
                self.expect('.')?;
            }
            out.push(self.field()?);
        }
        self.expect('>')?;
        Ok(out)
    }

    #[inline(never)]
    fn pid_or_ref(&mut self) -> Result<Term, ParseError> {
        let start = self.pos;
        if self.eat_str("#PID<") {
            return match self.fields(3)?.as_slice() {
                [0, n, 0] => u32::try_from(*n)
                    .map(|n| Term::Pid(Pid(n)))
                    .map_err(|_| self.error(start, "pid number out of range")),
                _ => Err(self.error(start, "only local pids #PID<0.N.0> are supported")),
            };
        }
        if self.eat_str("#Reference<") {
            return match self.fields(4)?.as_slice() {
                [0, 0, 0, n] => Ok(Term::Ref(Ref(*n))),
                _ => Err(self.error(start, "only references #Reference<0.0.0.N> are supported")),
            };
        }
        Err(self.error(start, "expected #PID<...> or #Reference<...>"))
    }

    /// A double-quoted string with Elixir escapes.
    #[inline(never)]
    fn string(&mut self) -> Result<String, ParseError> {
        let start = self.pos;
        self.bump();
        let mut out = String::new();
        loop {
            let at = self.pos;
            match self.bump() {
                None => return Err(self.error(start, "unterminated string")),
                Some('"') => return Ok(out),
                Some('\\') => self.escape(at, start, &mut out)?,
                Some('#') if self.peek() == Some('{') => {
                    return Err(self.error(at, "string interpolation is not supported (write \\#{ for a literal #{)"))
                }
                Some(c) => out.push(c),
            }
        }
    }

    /// The escape after the backslash at `at`, in the string opened at
    /// `string_start`.
    fn escape(&mut self, at: usize, string_start: usize, out: &mut String) -> Result<(), ParseError> {
        let Some(c) = self.bump() else {
            return Err(self.error(string_start, "unterminated string"));
        };
        let ch = match c {
            '"' => '"',
            '\\' => '\\',
            '\'' => '\'',
            '#' => '#',
            '\n' => return Ok(()),
            '\r' if self.eat('\n') => return Ok(()),
            'u' => self.unicode_escape(at)?,
            'x' => self.byte_escape(at)?,
            other => match simple_escape(other) {
                Some(ch) => ch,
                None => return Err(self.error(at, format!("unknown escape '\\{}'", other.escape_debug()))),
            },
        };
        out.push(ch);
        Ok(())
    }

    /// Up to `max` hex digits as a number, and how many there were.
    fn hex_digits(&mut self, max: usize) -> (u32, usize) {
        let mut value = 0u32;
        let mut n = 0;
        while n < max {
            let Some(d) = self.peek().and_then(|c| c.to_digit(16)) else {
                break;
            };
            self.bump();
            value = value * 16 + d;
            n += 1;
        }
        (value, n)
    }

    /// `\uHHHH` or `\u{H…}` (1 to 6 digits), after the `u`.
    fn unicode_escape(&mut self, at: usize) -> Result<char, ParseError> {
        let code = if self.eat('{') {
            let (code, n) = self.hex_digits(6);
            if n == 0 || !self.eat('}') {
                return Err(self.error(at, "invalid unicode escape (expected \\u{...} with 1 to 6 hex digits)"));
            }
            code
        } else {
            let (code, n) = self.hex_digits(4);
            if n != 4 {
                return Err(self.error(at, "invalid unicode escape (expected \\uHHHH or \\u{...})"));
            }
            code
        };
        char::from_u32(code)
            .ok_or_else(|| self.error(at, format!("invalid unicode escape: {code:X} is not a Unicode scalar value")))
    }

    /// `\xHH` or `\x{H…}`, after the `x`: a single byte, which must be ASCII
    /// for the string to stay UTF-8.
    fn byte_escape(&mut self, at: usize) -> Result<char, ParseError> {
        let (code, ok) = if self.eat('{') {
            let (code, n) = self.hex_digits(2);
            (code, n > 0 && self.eat('}'))
        } else {
            let (code, n) = self.hex_digits(2);
            (code, n == 2)
        };
        if !ok {
            return Err(self.error(at, "invalid byte escape (expected \\xHH or \\x{H})"));
        }
        if code >= 0x80 {
            return Err(self.error(
                at,
                format!("byte escape \\x{code:X} is not valid UTF-8 on its own; use \\u{{{code:X}}} for the character"),
            ));
        }
        char::from_u32(code).ok_or_else(|| self.error(at, "invalid byte escape"))
    }
}

/// The character a one-letter escape `\c` stands for in Elixir strings
/// (`\n`, `\t`, `\s`, `\e`, …); shared by this parser and the Elixir
/// subset's lexer.
pub(crate) fn simple_escape(c: char) -> Option<char> {
    Some(match c {
        'n' => '\n',
        't' => '\t',
        'r' => '\r',
        's' => ' ',
        'e' => '\u{1b}',
        'a' => '\u{7}',
        'b' => '\u{8}',
        'v' => '\u{b}',
        'f' => '\u{c}',
        '0' => '\0',
        'd' => '\u{7f}',
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::super::arbitrary;
    use super::*;
    use proptest::prelude::*;

    fn check(input: &str, expected: Term) {
        assert_eq!(parse(input), Ok(expected), "parse({input:?})");
    }

    fn check_err(input: &str, expected: &str) {
        match parse(input) {
            Ok(t) => panic!("parse({input:?}) = {t:?}, expected error {expected:?}"),
            Err(e) => assert_eq!(e.to_string(), expected, "parse({input:?})"),
        }
    }

    fn int(i: i64) -> Term {
        Term::Int(i)
    }

    fn atom(s: &str) -> Term {
        Term::atom(s)
    }

    fn pair(k: &str, v: Term) -> Term {
        Term::tuple(vec![atom(k), v])
    }

    #[test]
    fn numbers() {
        check("42", int(42));
        check("-7", int(-7));
        check("1_000", int(1000));
        check("1_000_000", int(1_000_000));
        check("0", int(0));
        check("-0", int(0));
        check("007", int(7));
        check("9223372036854775807", int(i64::MAX));
        check("-9223372036854775808", int(i64::MIN));
        check("0xFF", int(255));
        check("0xff_ff", int(65535));
        check("-0x10", int(-16));
        check("0o17", int(15));
        check("0b101", int(5));
        check("1.5", Term::Float(1.5));
        check("-0.5", Term::Float(-0.5));
        check("-0.0", Term::Float(-0.0));
        check("1.0e3", Term::Float(1000.0));
        check("1.0E3", Term::Float(1000.0));
        check("1.5e-7", Term::Float(1.5e-7));
        check("1.5e+7", Term::Float(1.5e7));
        check("1_0.2_5", Term::Float(10.25));
        check("1.0e-400", Term::Float(0.0));
    }

    #[test]
    fn number_errors() {
        check_err("9223372036854775808", "integer out of range at 1:1");
        check_err("[1, 99999999999999999999]", "integer out of range at 1:5");
        check_err("-9223372036854775809", "integer out of range at 1:1");
        check_err("0x8000000000000000", "integer out of range at 1:1");
        check_err("1.0e400", "float out of range at 1:1");
        check_err("-", "expected a digit after '-' but found end of input at 1:2");
        check_err("- 1", "expected a digit after '-' but found ' ' at 1:2");
        check_err("0x", "expected hexadecimal digits but found end of input at 1:3");
        check_err("1.", "trailing input at 1:2");
        check_err("1e3", "trailing input at 1:2");
        check_err("1__0", "trailing input at 1:2");
        check_err("1_", "trailing input at 1:2");
        check_err("12abc", "trailing input at 1:3");
    }

    #[test]
    fn atoms() {
        check(":ok", atom("ok"));
        check(":foo?", atom("foo?"));
        check(":foo!", atom("foo!"));
        check(":Foo", atom("Foo"));
        check(":EXIT", atom("EXIT"));
        check(":foo@bar", atom("foo@bar"));
        check(":_", atom("_"));
        check(":héllo", atom("héllo"));
        check(":\"with space\"", atom("with space"));
        check(":\"$gen_call\"", atom("$gen_call"));
        check(":\"\"", atom(""));
        check(":\"a\\\"b\"", atom("a\"b"));
        check("true", Term::bool(true));
        check("false", Term::bool(false));
        check("nil", Term::nil());
        check("Foo", atom("Elixir.Foo"));
        check("Foo.Bar", atom("Elixir.Foo.Bar"));
        check("Foo.Bar2_x", atom("Elixir.Foo.Bar2_x"));
        check("Elixir.Foo", atom("Elixir.Foo"));
        check("Elixir", atom("Elixir"));
    }

    #[test]
    fn atom_errors() {
        check_err(":", "expected an atom name after ':' but found end of input at 1:2");
        check_err(": ok", "expected an atom name after ':' but found ' ' at 1:2");
        check_err(":1", "expected an atom name after ':' but found '1' at 1:2");
        check_err("ok", "unexpected identifier 'ok' (atoms are written :ok) at 1:1");
        check_err("{:a, b}", "unexpected identifier 'b' (atoms are written :b) at 1:6");
        check_err("Foo.bar", "trailing input at 1:4");
        check_err(":foo?!", "trailing input at 1:6");
    }

    #[test]
    fn strings() {
        check(r#""""#, Term::str(""));
        check(r#""abc""#, Term::str("abc"));
        check(r#""a\"b\n""#, Term::str("a\"b\n"));
        check(r#""\t\r\\\'\s\e\a\b\v\f\0\d""#, Term::str("\t\r\\' \u{1b}\u{7}\u{8}\u{b}\u{c}\0\u{7f}"));
        check(r#""\u{1F600}""#, Term::str("😀"));
        check(r#""\u00e9""#, Term::str("é"));
        check(r#""\x41\x{a}""#, Term::str("A\n"));
        check(r#""\#{x}""#, Term::str("#{x}"));
        check(r##""#a #""##, Term::str("#a #"));
        check("\"multi\nline\"", Term::str("multi\nline"));
        check("\"joined \\\nline\"", Term::str("joined line"));
        check("\"é😀\"", Term::str("é😀"));
    }

    #[test]
    fn string_errors() {
        check_err(r#""abc"#, "unterminated string at 1:1");
        check_err(r#"[1, "abc]"#, "unterminated string at 1:5");
        check_err(r#""ab\"#, "unterminated string at 1:1");
        check_err(r#""ab\q""#, "unknown escape '\\q' at 1:4");
        check_err("\"é\\q\"", "unknown escape '\\q' at 1:3");
        check_err(r#""\u{110000}""#, "invalid unicode escape: 110000 is not a Unicode scalar value at 1:2");
        check_err(r#""\u{D800}""#, "invalid unicode escape: D800 is not a Unicode scalar value at 1:2");
        check_err(r#""\u{}""#, "invalid unicode escape (expected \\u{...} with 1 to 6 hex digits) at 1:2");
        check_err(r#""\u12""#, "invalid unicode escape (expected \\uHHHH or \\u{...}) at 1:2");
        check_err(r#""\xFF""#, "byte escape \\xFF is not valid UTF-8 on its own; use \\u{FF} for the character at 1:2");
        check_err(r#""\x4""#, "invalid byte escape (expected \\xHH or \\x{H}) at 1:2");
        check_err(r##""#{x}""##, "string interpolation is not supported (write \\#{ for a literal #{) at 1:2");
        check_err("'abc'", "charlists are not supported; use a string at 1:1");
    }

    #[test]
    fn tuples_and_lists() {
        check("{}", Term::tuple(vec![]));
        check("{:inc, 5}", Term::tuple(vec![atom("inc"), int(5)]));
        check(" { :inc ,\n\t5 } ", Term::tuple(vec![atom("inc"), int(5)]));
        check(
            "{{1}, {2, {3}}}",
            Term::tuple(vec![Term::tuple(vec![int(1)]), Term::tuple(vec![int(2), Term::tuple(vec![int(3)])])]),
        );
        check("[]", Term::list(vec![]));
        check("[1, 2]", Term::list(vec![int(1), int(2)]));
        check("[a: 1, b: 2]", Term::list(vec![pair("a", int(1)), pair("b", int(2))]));
        check("[a:1]", Term::list(vec![pair("a", int(1))]));
        check("[1, a: 2]", Term::list(vec![int(1), pair("a", int(2))]));
        check(
            "[\"a b\": 1, true: 2, Foo: 3, ok?: 4]",
            Term::list(vec![pair("a b", int(1)), pair("true", int(2)), pair("Foo", int(3)), pair("ok?", int(4))]),
        );
        check("[a: :b]", Term::list(vec![pair("a", atom("b"))]));
        check("{1, a: 2}", Term::tuple(vec![int(1), Term::list(vec![pair("a", int(2))])]));
        check("[1 | [2, 3]]", Term::list(vec![int(1), int(2), int(3)]));
        check("[1, 2 | []]", Term::list(vec![int(1), int(2)]));
        check("[[]]", Term::list(vec![Term::list(vec![])]));
    }

    #[test]
    fn tuple_and_list_errors() {
        check_err("{:ok, 1]", "expected '}' or ',' but found ']' at 1:8");
        check_err("{:ok", "expected '}' or ',' but found end of input at 1:5");
        check_err("{:ok,", "unexpected end of input at 1:6");
        check_err("{:ok, }", "trailing comma is not allowed at 1:5");
        check_err("[1, 2,]", "trailing comma is not allowed at 1:6");
        check_err("[1,\n 2,\n]", "trailing comma is not allowed at 2:3");
        check_err("[,]", "expected a term but found ',' at 1:2");
        check_err("[a: 1, 2]", "keyword entries must come last at 1:8");
        check_err("[1 | 2]", "improper lists are not supported at 1:6");
        check_err("[1 | [2], 3]", "expected ']' but found ',' at 1:9");
        check_err("[a: 1 | []]", "expected ']' or ',' but found '|' at 1:7");
        check_err("{:a}}", "trailing input at 1:5");
        check_err("", "unexpected end of input at 1:1");
        check_err("  \n ", "unexpected end of input at 2:2");
        check_err(")", "expected a term but found ')' at 1:1");
        check_err("[a::b]", "unexpected identifier 'a' (atoms are written :a) at 1:2");
    }

    #[test]
    fn maps() {
        check("%{}", Term::map(vec![]));
        check("%{name: \"a\"}", Term::map(vec![(atom("name"), Term::str("a"))]));
        check("%{\"k\" => 1}", Term::map(vec![(Term::str("k"), int(1))]));
        check("%{\"k\" => 1, a: 2}", Term::map(vec![(Term::str("k"), int(1)), (atom("a"), int(2))]));
        check("%{:a => 1, \"k\" => 2}", Term::map(vec![(atom("a"), int(1)), (Term::str("k"), int(2))]));
        check("%{\"quoted key\": 1}", Term::map(vec![(atom("quoted key"), int(1))]));
        check(
            "%{{1, 2} => [3], %{} => %{}}",
            Term::map(vec![
                (Term::tuple(vec![int(1), int(2)]), Term::list(vec![int(3)])),
                (Term::map(vec![]), Term::map(vec![])),
            ]),
        );
        check("%{a: 1, a: 2}", Term::map(vec![(atom("a"), int(2))]));
        check("%{Foo => 1}", Term::map(vec![(atom("Elixir.Foo"), int(1))]));
        check("%{\n  a: 1,\n  b: 2\n}", Term::map(vec![(atom("a"), int(1)), (atom("b"), int(2))]));
    }

    #[test]
    fn map_errors() {
        check_err("%{a: 1, \"k\" => 2}", "'=>' entries must come before keyword entries at 1:9");
        check_err("%{\"k\" 1}", "expected '=>' but found '1' at 1:7");
        check_err("%{\"k\" => 1,}", "trailing comma is not allowed at 1:11");
        check_err("%{a: 1", "expected '}' or ',' but found end of input at 1:7");
        check_err("%[]", "expected '{' after '%' but found '[' at 1:2");
        check_err("%Foo{}", "structs are not supported at 1:1");
        check_err("%{a => 1}", "unexpected identifier 'a' (atoms are written :a) at 1:3");
    }

    #[test]
    fn pids_and_refs() {
        check("#PID<0.42.0>", Term::Pid(Pid(42)));
        check("#PID<0.4294967295.0>", Term::Pid(Pid(u32::MAX)));
        check("#Reference<0.0.0.7>", Term::Ref(Ref(7)));
        check(
            "[#PID<0.1.0>, #Reference<0.0.0.18446744073709551615>]",
            Term::list(vec![Term::Pid(Pid(1)), Term::Ref(Ref(u64::MAX))]),
        );
        check_err("#PID<0.4294967296.0>", "pid number out of range at 1:1");
        check_err("#PID<1.2.0>", "only local pids #PID<0.N.0> are supported at 1:1");
        check_err("#PID<0.2>", "expected '.' but found '>' at 1:9");
        check_err("#PID<0.x.0>", "expected a digit but found 'x' at 1:8");
        check_err("#Reference<0.1.2.3>", "only references #Reference<0.0.0.N> are supported at 1:1");
        check_err("#Port<0.1>", "expected #PID<...> or #Reference<...> at 1:1");
    }

    #[test]
    fn columns_count_characters_and_lines() {
        check_err("\"é😀\" x", "trailing input at 1:6");
        check_err("{\n  :a,\n  ]", "expected a term but found ']' at 3:3");
        let e = parse("[1,\n2,\n  }").err();
        assert_eq!(e.map(|e| (e.line, e.col)), Some((3, 3)));
    }

    /// Atoms past the BEAM's 255-character limit get `system_limit`, in
    /// every syntax that makes an atom: (input, expected error or None).
    #[test]
    fn atoms_have_the_beams_length_limit() {
        let ok = "a".repeat(255);
        let long = "a".repeat(256);
        let huge = "b".repeat(100_000);
        let limit = |n: usize, col: usize| {
            Some(format!("system_limit: an atom has at most 255 characters, this one has {n} at 1:{col}"))
        };
        let cases: Vec<(String, Option<String>)> = vec![
            (format!(":{ok}"), None),
            (format!(":\"{ok}\""), None),
            (format!(":{long}"), limit(256, 2)),
            (format!(":\"{long}\""), limit(256, 2)),
            (format!(":{huge}"), limit(100_000, 2)),
            (format!("[{long}: 1]"), limit(256, 2)),
            (format!("[\"{long}\": 1]"), limit(256, 2)),
            (format!("%{{{long}: 1}}"), limit(256, 3)),
            // An alias becomes `Elixir.` + its text: 249 letters make 256.
            (format!("A{}", "a".repeat(247)), None),
            (format!("A{}", "a".repeat(248)), limit(256, 1)),
        ];
        for (input, expected) in cases {
            match (parse(&input), expected) {
                (Ok(_), None) => {}
                (Err(e), Some(want)) => assert_eq!(e.to_string(), want, "input of {} bytes", input.len()),
                (got, want) => panic!("input of {} bytes: got {got:?}, want {want:?}", input.len()),
            }
        }
    }

    #[test]
    fn nesting_is_limited() {
        let ok = format!("{}{}", "[".repeat(MAX_DEPTH), "]".repeat(MAX_DEPTH));
        assert!(parse(&ok).is_ok());
        let deep = format!("{}{}", "[".repeat(MAX_DEPTH + 1), "]".repeat(MAX_DEPTH + 1));
        check_err(&deep, "nesting deeper than 256 levels at 1:257");
        let mixed = "{[%{a: ".repeat(200);
        assert!(parse(&mixed).is_err());
        // Far deeper than any stack could recurse: still just an error.
        let huge = "[".repeat(1_000_000);
        check_err(&huge, "nesting deeper than 256 levels at 1:257");
    }

    #[test]
    fn max_depth_fits_a_small_stack() {
        // wasm gives about 1 MiB of stack. An optimised build handles a
        // maximally nested term in under 256 KiB (parsing takes about 170
        // KiB, reading the JSON shape about 250 KiB); unoptimised frames are
        // about four times bigger.
        let stack = if cfg!(debug_assertions) { 2048 } else { 512 } * 1024;
        let handle = std::thread::Builder::new().stack_size(stack).spawn(|| {
            let n = MAX_DEPTH / 3;
            let src = format!("{}1{}", "{[%{a: ".repeat(n), "}]}".repeat(n));
            let Ok(t) = parse(&src) else { return false };
            let copy = parse(&t.to_string());
            let json = Term::from_json_value(&t.to_json_value());
            let pretty = parse(&t.pretty(40));
            copy.as_ref() == Ok(&t) && json.as_ref() == Ok(&t) && pretty.as_ref() == Ok(&t) && t.flat_size() > 0
        });
        assert!(matches!(handle.map(|h| h.join()), Ok(Ok(true))));
    }

    #[test]
    fn from_str() {
        assert_eq!("{:ok, 1}".parse::<Term>(), Ok(Term::ok_tuple(int(1))));
        assert!("{".parse::<Term>().is_err());
    }

    #[test]
    fn error_is_std_error() {
        let e: Box<dyn std::error::Error> =
            Box::new(ParseError { line: 1, col: 9, message: "expected '}'".to_string() });
        assert_eq!(e.to_string(), "expected '}' at 1:9");
    }

    proptest! {
        #[test]
        fn printed_terms_read_back(t in arbitrary::term()) {
            let s = t.to_string();
            prop_assert_eq!(parse(&s), Ok(t), "{}", s);
        }

        #[test]
        fn any_input_gives_a_term_or_an_error(s in any::<String>()) {
            let _ = parse(&s);
        }

        #[test]
        fn mangled_terms_give_a_term_or_an_error(t in arbitrary::term(), cut in any::<prop::sample::Index>(), insert in "[\\[\\]{}%:,\"\\\\#<>|=. a1-]") {
            let s = t.to_string();
            let chars: Vec<char> = s.chars().collect();
            let at = cut.index(chars.len() + 1);
            let truncated: String = chars[..at].iter().collect();
            let _ = parse(&truncated);
            let spliced: String = chars[..at].iter().copied().chain(insert.chars()).chain(chars[at..].iter().copied()).collect();
            let _ = parse(&spliced);
        }
    }
}
