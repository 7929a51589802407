//! The lexer: Elixir source text into tokens that carry their line and
//! column, with string interpolations lexed into nested token lists.
//!
//! Newlines are tokens (Elixir separates expressions by them), except where
//! a line ends in a binary operator or the next line starts with one that can
//! only be binary (`|>`, `++`, `<>`, `and`, …): those lines join, so a pipe
//! chain written one stage per line is one expression, as in Elixir.

use super::ast::Pos;
use super::error::CompileError;

/// One piece of a string literal: text, or an interpolated expression.
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum Piece {
    Text(String),
    Code(Vec<Token>),
}

#[derive(Clone, Debug, PartialEq)]
pub(crate) enum Tok {
    Int(i64),
    Float(f64),
    /// A string literal, interpolations included.
    Str(Vec<Piece>),
    /// A charlist `'abc'`: a list of code points.
    Chars(String),
    /// `:name` or `:"quoted name"`.
    Atom(String),
    /// A keyword key `name:` (followed by whitespace).
    Key(String),
    /// A lowercase identifier or a reserved word (`do`, `end`, `fn`, …).
    Ident(String),
    /// A capitalised alias segment `Foo`.
    Alias(String),
    /// `&1`, `&2`: the arguments of a capture.
    CapArg(u8),
    /// Punctuation and operators, spelled as in the source.
    Op(&'static str),
    Newline,
    Eof,
}

#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Token {
    pub tok: Tok,
    pub pos: Pos,
    /// Whether whitespace comes right before this token: `foo (x)` and
    /// `foo(x)` differ, as `foo [1]` and `foo[1]` do.
    pub space: bool,
}

/// Operators, longest first so that `===` wins over `==` and `=`.
const OPS: &[&str] = &[
    "===", "!==", "<<<", ">>>", "|>", "++", "--", "<>", "==", "!=", "<=", ">=", "&&", "||", "->", "=>", "<-", "\\\\",
    "..", "::", "=~", "**", "%{", "(", ")", "[", "]", "{", "}", ",", ".", ";", "<", ">", "=", "+", "-", "*", "/", "!",
    "^", "&", "|", "%", "@",
];

/// Operators that can only be binary, so a line that starts with one
/// continues the previous line.
const LEADING_BINARY: &[&str] =
    &["|>", "++", "--", "<>", "==", "!=", "===", "!==", "<=", ">=", "&&", "||", "*", "/", "="];

/// Tokens after which a newline is insignificant.
fn joins_next_line(t: &Tok) -> bool {
    match t {
        Tok::Op(o) => !matches!(*o, ")" | "]" | "}"),
        Tok::Ident(w) => matches!(w.as_str(), "and" | "or" | "when" | "in" | "not"),
        Tok::Key(_) => true,
        _ => false,
    }
}

struct Lexer<'a> {
    src: &'a [char],
    i: usize,
    line: u32,
    col: u32,
    out: Vec<Token>,
    depth: usize,
    /// The first newline after the last token, when the lexer dropped it.
    trailing_nl: Option<Pos>,
}

/// Lexes a whole source text.
pub(crate) fn lex(src: &str) -> Result<Vec<Token>, CompileError> {
    let chars: Vec<char> = src.chars().collect();
    let mut lx = Lexer { src: &chars, i: 0, line: 1, col: 1, out: Vec::new(), depth: 0, trailing_nl: None };
    lx.run(None)?;
    // A newline after the last token is where Elixir reports an
    // expression cut short (`x = 1 +` then a newline), so it stays.
    if let Some(nl) = lx.trailing_nl.take() {
        lx.out.push(Token { tok: Tok::Newline, pos: nl, space: true });
    }
    let pos = Pos { line: lx.line, col: lx.col };
    lx.out.push(Token { tok: Tok::Eof, pos, space: true });
    Ok(lx.out)
}

fn err<T>(pos: Pos, msg: impl Into<String>) -> Result<T, CompileError> {
    Err(CompileError { pos, msg: msg.into() })
}

impl Lexer<'_> {
    fn peek(&self, k: usize) -> char {
        self.src.get(self.i + k).copied().unwrap_or('\0')
    }

    fn bump(&mut self) -> char {
        let c = self.peek(0);
        self.i += 1;
        if c == '\n' {
            self.line += 1;
            self.col = 1;
        } else {
            self.col += 1;
        }
        c
    }

    fn pos(&self) -> Pos {
        Pos { line: self.line, col: self.col }
    }

    fn push(&mut self, tok: Tok, pos: Pos, space: bool) {
        if tok == Tok::Newline {
            match self.out.last() {
                None => return,
                Some(t) if t.tok == Tok::Newline => return,
                Some(t) if joins_next_line(&t.tok) => {
                    self.trailing_nl.get_or_insert(pos);
                    return;
                }
                _ => {}
            }
        } else {
            self.trailing_nl = None;
        }
        let leading_binary = match &tok {
            Tok::Op(o) => LEADING_BINARY.contains(o),
            Tok::Ident(w) => matches!(w.as_str(), "and" | "or" | "when"),
            _ => false,
        };
        if leading_binary && self.out.last().is_some_and(|t| t.tok == Tok::Newline) {
            self.out.pop();
        }
        self.out.push(Token { tok, pos, space });
    }

    /// Lexes until the end, or (inside an interpolation) until the `}` that
    /// closes it.
    fn run(&mut self, close: Option<Pos>) -> Result<(), CompileError> {
        let mut braces = 0usize;
        let mut space = true;
        loop {
            let c = self.peek(0);
            let pos = self.pos();
            if self.i >= self.src.len() {
                return match close {
                    Some(p) => err(p, "missing terminator: } (for \"#{\")"),
                    None => Ok(()),
                };
            }
            match c {
                ' ' | '\t' | '\r' => {
                    self.bump();
                    space = true;
                    continue;
                }
                '\\' if self.peek(1) == '\n' => {
                    self.bump();
                    self.bump();
                    space = true;
                    continue;
                }
                '#' => {
                    while self.i < self.src.len() && self.peek(0) != '\n' {
                        self.bump();
                    }
                    continue;
                }
                '\n' | ';' => {
                    self.bump();
                    self.push(Tok::Newline, pos, true);
                    space = true;
                    continue;
                }
                _ => {}
            }
            let tok = if c.is_ascii_digit() {
                self.number()?
            } else if c == '"' {
                self.bump();
                if self.peek(0) == '"' && self.peek(1) == '"' {
                    return err(pos, "heredocs are not in otpsim's subset");
                }
                let s = self.string('"', pos)?;
                if self.peek(0) == ':' && self.peek(1).is_whitespace() {
                    self.bump();
                    match s.as_slice() {
                        [] => Tok::Key(String::new()),
                        [Piece::Text(t)] => Tok::Key(t.clone()),
                        _ => return err(pos, "interpolation in a keyword key is not in otpsim's subset"),
                    }
                } else {
                    Tok::Str(s)
                }
            } else if c == '\'' {
                self.bump();
                let s = self.string('\'', pos)?;
                match s.as_slice() {
                    [] => Tok::Chars(String::new()),
                    [Piece::Text(t)] => Tok::Chars(t.clone()),
                    _ => return err(pos, "interpolation in a charlist is not in otpsim's subset"),
                }
            } else if c == ':' && self.peek(1) == '"' {
                self.bump();
                self.bump();
                match self.string('"', pos)?.as_slice() {
                    [] => Tok::Atom(String::new()),
                    [Piece::Text(t)] => Tok::Atom(t.clone()),
                    _ => return err(pos, "interpolation in an atom is not in otpsim's subset"),
                }
            } else if c == ':' && (is_ident_start(self.peek(1)) || self.peek(1).is_ascii_uppercase()) {
                self.bump();
                let mut name = self.ident_chars();
                while self.peek(0) == '.' && self.peek(1).is_ascii_uppercase() {
                    self.bump();
                    name.push('.');
                    name.push_str(&self.ident_chars());
                }
                Tok::Atom(name)
            } else if c == ':' && self.peek(1) != ':' {
                // Operator atoms such as `:+` and `:"=="`.
                self.bump();
                let op = OPS.iter().find(|o| self.starts_with(o)).copied();
                match op {
                    Some(o) if !matches!(o, "(" | ")" | "[" | "]" | "{" | "}" | "," | ";" | "%{") => {
                        for _ in 0..o.chars().count() {
                            self.bump();
                        }
                        Tok::Atom(o.to_string())
                    }
                    _ => return err(pos, format!("unexpected token: \"{}\"", self.peek(0))),
                }
            } else if is_ident_start(c) || c.is_ascii_uppercase() {
                let name = self.ident_chars();
                if self.peek(0) == ':' && self.peek(1) != ':' && (self.peek(1).is_whitespace() || self.peek(1) == '\0')
                {
                    self.bump();
                    Tok::Key(name)
                } else if c.is_ascii_uppercase() {
                    Tok::Alias(name)
                } else {
                    Tok::Ident(name)
                }
            } else if c == '?' && self.peek(1) != '\0' {
                self.bump();
                let ch = if self.peek(0) == '\\' {
                    self.bump();
                    escape(self.bump()).unwrap_or('\\')
                } else {
                    self.bump()
                };
                Tok::Int(ch as i64)
            } else if c == '&' && self.peek(1).is_ascii_digit() {
                self.bump();
                let d = self.bump();
                Tok::CapArg(d as u8 - b'0')
            } else if c == '}' && close.is_some() && braces == 0 {
                self.bump();
                return Ok(());
            } else if let Some(o) = OPS.iter().find(|o| self.starts_with(o)).copied() {
                for _ in 0..o.chars().count() {
                    self.bump();
                }
                match o {
                    "{" | "%{" => braces += 1,
                    "}" => braces = braces.saturating_sub(1),
                    _ => {}
                }
                Tok::Op(o)
            } else if c == '~' {
                return err(pos, "sigils are not in otpsim's subset");
            } else {
                return err(pos, format!("unexpected token: \"{c}\""));
            };
            self.push(tok, pos, space);
            space = false;
        }
    }

    fn starts_with(&self, s: &str) -> bool {
        s.chars().enumerate().all(|(k, c)| self.peek(k) == c)
    }

    fn ident_chars(&mut self) -> String {
        let mut s = String::new();
        while self.peek(0).is_alphanumeric() || self.peek(0) == '_' {
            s.push(self.bump());
        }
        if matches!(self.peek(0), '?' | '!') && self.peek(1) != '=' {
            s.push(self.bump());
        }
        s
    }

    fn number(&mut self) -> Result<Tok, CompileError> {
        let pos = self.pos();
        let mut s = String::new();
        if self.peek(0) == '0' && matches!(self.peek(1), 'x' | 'o' | 'b') {
            self.bump();
            let radix = match self.bump() {
                'x' => 16,
                'o' => 8,
                _ => 2,
            };
            while self.peek(0).is_digit(radix) || self.peek(0) == '_' {
                let c = self.bump();
                if c != '_' {
                    s.push(c);
                }
            }
            return i64::from_str_radix(&s, radix)
                .map(Tok::Int)
                .or_else(|_| err(pos, "integer literal out of otpsim's 64-bit range"));
        }
        let digits = |lx: &mut Lexer, s: &mut String| {
            while lx.peek(0).is_ascii_digit() || (lx.peek(0) == '_' && lx.peek(1).is_ascii_digit()) {
                let c = lx.bump();
                if c != '_' {
                    s.push(c);
                }
            }
        };
        digits(self, &mut s);
        let mut float = false;
        if self.peek(0) == '.' && self.peek(1).is_ascii_digit() {
            float = true;
            s.push(self.bump());
            digits(self, &mut s);
            if matches!(self.peek(0), 'e' | 'E')
                && (self.peek(1).is_ascii_digit()
                    || (matches!(self.peek(1), '+' | '-') && self.peek(2).is_ascii_digit()))
            {
                s.push(self.bump());
                if matches!(self.peek(0), '+' | '-') {
                    s.push(self.bump());
                }
                digits(self, &mut s);
            }
        }
        if float {
            s.parse::<f64>().map(Tok::Float).or_else(|_| err(pos, "invalid float literal"))
        } else {
            s.parse::<i64>().map(Tok::Int).or_else(|_| err(pos, "integer literal out of otpsim's 64-bit range"))
        }
    }

    /// A string body after its opening quote, up to the closing `quote`.
    fn string(&mut self, quote: char, start: Pos) -> Result<Vec<Piece>, CompileError> {
        let mut pieces = Vec::new();
        let mut text = String::new();
        loop {
            if self.i >= self.src.len() {
                let what = if quote == '"' { "string" } else { "charlist" };
                return err(
                    self.pos(),
                    format!("missing terminator: {quote} (for {what} starting at line {})", start.line),
                );
            }
            let c = self.bump();
            match c {
                c if c == quote => break,
                '\\' => {
                    let e = self.bump();
                    match e {
                        '\n' => {}
                        'u' => {
                            let braced = self.peek(0) == '{';
                            if braced {
                                self.bump();
                            }
                            let mut hex = String::new();
                            while self.peek(0).is_ascii_hexdigit() && (braced || hex.len() < 4) {
                                hex.push(self.bump());
                            }
                            if braced && self.bump() != '}' {
                                return err(start, "invalid Unicode escape");
                            }
                            match u32::from_str_radix(&hex, 16).ok().and_then(char::from_u32) {
                                Some(ch) => text.push(ch),
                                None => return err(start, "invalid Unicode escape"),
                            }
                        }
                        other => text.push(escape(other).unwrap_or(other)),
                    }
                }
                '#' if self.peek(0) == '{' && quote == '"' => {
                    self.bump();
                    if !text.is_empty() {
                        pieces.push(Piece::Text(std::mem::take(&mut text)));
                    }
                    self.depth += 1;
                    if self.depth > 32 {
                        return err(start, "interpolations nest too deeply");
                    }
                    let outer = std::mem::take(&mut self.out);
                    let at = self.pos();
                    self.run(Some(start))?;
                    let mut inner = std::mem::replace(&mut self.out, outer);
                    inner.push(Token { tok: Tok::Eof, pos: at, space: true });
                    self.depth -= 1;
                    pieces.push(Piece::Code(inner));
                }
                other => text.push(other),
            }
        }
        if !text.is_empty() {
            pieces.push(Piece::Text(text));
        }
        Ok(pieces)
    }
}

fn is_ident_start(c: char) -> bool {
    c.is_lowercase() || c == '_'
}

/// The character an escape `\c` stands for (the term parser's table).
fn escape(c: char) -> Option<char> {
    crate::term::simple_escape(c)
}
