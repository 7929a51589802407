//! The parser of `pattern [when guard]` in Elixir syntax, with errors that
//! say where (line and column).

use super::{Clause, CmpOp, Guard, Pat};
use crate::term::{Atom, Term};
use std::fmt;

/// A pattern or guard that did not parse, and where.
#[derive(Clone, Debug, PartialEq)]
pub struct PatternError {
    pub line: usize,
    pub col: usize,
    pub message: String,
}

impl fmt::Display for PatternError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} at {}:{}", self.message, self.line, self.col)
    }
}

impl std::error::Error for PatternError {}

struct P<'a> {
    s: &'a [char],
    i: usize,
    depth: usize,
}

const GUARD_TESTS: [&str; 9] =
    ["is_atom", "is_integer", "is_float", "is_number", "is_binary", "is_tuple", "is_list", "is_map", "is_pid"];

/// Parses `pattern [when guard]`.
pub fn parse_clause(src: &str) -> Result<Clause, PatternError> {
    let chars: Vec<char> = src.chars().collect();
    let mut p = P { s: &chars, i: 0, depth: 0 };
    p.ws();
    let pat = p.pattern()?;
    p.ws();
    let guard = if p.keyword("when") {
        p.ws();
        let g = p.guard_or()?;
        Some(g)
    } else {
        None
    };
    p.ws();
    if p.i < p.s.len() {
        return Err(p.err("unexpected input after the pattern (a guard starts with `when`)"));
    }
    Ok(Clause { pat, guard })
}

impl P<'_> {
    fn err(&self, msg: &str) -> PatternError {
        let mut line = 1;
        let mut col = 1;
        for c in &self.s[..self.i.min(self.s.len())] {
            if *c == '\n' {
                line += 1;
                col = 1;
            } else {
                col += 1;
            }
        }
        PatternError { line, col, message: msg.to_string() }
    }

    fn peek(&self) -> Option<char> {
        self.s.get(self.i).copied()
    }

    fn ws(&mut self) {
        while self.peek().is_some_and(|c| c.is_whitespace()) {
            self.i += 1;
        }
    }

    fn eat(&mut self, c: char) -> bool {
        self.ws();
        if self.peek() == Some(c) {
            self.i += 1;
            true
        } else {
            false
        }
    }

    fn expect(&mut self, c: char) -> Result<(), PatternError> {
        if self.eat(c) {
            Ok(())
        } else {
            Err(self.err(&format!("expected '{c}'")))
        }
    }

    fn starts(&self, w: &str) -> bool {
        let n = w.chars().count();
        self.i + n <= self.s.len() && self.s[self.i..self.i + n].iter().copied().eq(w.chars())
    }

    /// Consumes a keyword that is not the start of a longer identifier.
    fn keyword(&mut self, w: &str) -> bool {
        self.ws();
        let n = w.chars().count();
        if self.starts(w) && !self.s.get(self.i + n).is_some_and(|c| c.is_alphanumeric() || *c == '_') {
            self.i += n;
            true
        } else {
            false
        }
    }

    fn ident(&mut self) -> String {
        let start = self.i;
        while self.peek().is_some_and(|c| c.is_alphanumeric() || c == '_' || c == '?' || c == '!') {
            self.i += 1;
        }
        self.s[start..self.i].iter().collect()
    }

    fn enter(&mut self) -> Result<(), PatternError> {
        self.depth += 1;
        if self.depth > 64 {
            return Err(self.err("nested too deeply"));
        }
        Ok(())
    }

    fn pattern(&mut self) -> Result<Pat, PatternError> {
        self.ws();
        self.enter()?;
        let r = self.pattern_inner();
        self.depth -= 1;
        r
    }

    fn pattern_inner(&mut self) -> Result<Pat, PatternError> {
        match self.peek() {
            None => Err(self.err("expected a pattern")),
            Some('{') => {
                self.i += 1;
                let items = self.seq('}')?;
                Ok(Pat::Tuple(items))
            }
            Some('[') => {
                self.i += 1;
                let mut items = Vec::new();
                let mut tail = None;
                if !self.eat(']') {
                    loop {
                        items.push(self.pattern()?);
                        if self.eat('|') {
                            tail = Some(Box::new(self.pattern()?));
                            self.expect(']')?;
                            break;
                        }
                        if self.eat(']') {
                            break;
                        }
                        self.expect(',')?;
                    }
                }
                Ok(Pat::List(items, tail))
            }
            Some('%') => {
                self.i += 1;
                self.expect('{')?;
                let mut es = Vec::new();
                if !self.eat('}') {
                    loop {
                        self.ws();
                        let key = self.map_key()?;
                        let v = self.pattern()?;
                        es.push((key, v));
                        if self.eat('}') {
                            break;
                        }
                        self.expect(',')?;
                    }
                }
                Ok(Pat::Map(es))
            }
            Some(c) if c == '_' || c.is_lowercase() => {
                let start = self.i;
                let id = self.ident();
                match id.as_str() {
                    "true" => Ok(Pat::Lit(Term::Atom(Atom::TRUE))),
                    "false" => Ok(Pat::Lit(Term::Atom(Atom::FALSE))),
                    "nil" => Ok(Pat::Lit(Term::Atom(Atom::NIL))),
                    "when" | "and" | "or" | "not" => {
                        self.i = start;
                        Err(self.err(&format!("`{id}` is a reserved word, not a pattern")))
                    }
                    _ if id.starts_with('_') => Ok(Pat::Any),
                    _ => Ok(Pat::Var(id)),
                }
            }
            Some(_) => Ok(Pat::Lit(self.literal()?)),
        }
    }

    /// `key:` (an atom key) or `literal =>`.
    fn map_key(&mut self) -> Result<Term, PatternError> {
        let save = self.i;
        if self.peek().is_some_and(|c| c.is_alphabetic() || c == '_') {
            let id = self.ident();
            if self.peek() == Some(':') {
                self.i += 1;
                // A key is an atom like any other: past the BEAM's atom
                // limits the pattern gets `system_limit`.
                return crate::term::Atom::try_new(&id).map(Term::Atom).map_err(|e| self.err(&e.to_string()));
            }
            self.i = save;
        }
        let k = self.literal()?;
        self.ws();
        if !self.starts("=>") {
            return Err(self.err("expected '=>' after a map key"));
        }
        self.i += 2;
        Ok(k)
    }

    fn seq(&mut self, close: char) -> Result<Vec<Pat>, PatternError> {
        let mut items = Vec::new();
        if self.eat(close) {
            return Ok(items);
        }
        loop {
            items.push(self.pattern()?);
            if self.eat(close) {
                return Ok(items);
            }
            self.expect(',')?;
        }
    }

    /// A literal: atom, number, string or pid, parsed by the term parser
    /// over the longest prefix it accepts.
    fn literal(&mut self) -> Result<Term, PatternError> {
        self.ws();
        let start = self.i;
        let end = match self.peek() {
            Some('"') => {
                let mut j = self.i + 1;
                while j < self.s.len() && self.s[j] != '"' {
                    if self.s[j] == '\\' {
                        j += 1;
                    }
                    j += 1;
                }
                (j + 1).min(self.s.len())
            }
            Some(':') if self.s.get(self.i + 1) == Some(&'"') => {
                let mut j = self.i + 2;
                while j < self.s.len() && self.s[j] != '"' {
                    if self.s[j] == '\\' {
                        j += 1;
                    }
                    j += 1;
                }
                (j + 1).min(self.s.len())
            }
            Some('#') => {
                let mut j = self.i;
                while j < self.s.len() && self.s[j] != '>' {
                    j += 1;
                }
                (j + 1).min(self.s.len())
            }
            Some(_) => {
                let mut j = self.i + 1;
                while j < self.s.len()
                    && (self.s[j].is_alphanumeric() || matches!(self.s[j], '_' | '.' | '?' | '!' | '@'))
                {
                    j += 1;
                }
                // A float's exponent sign (`1.0e-3`).
                j
            }
            None => return Err(self.err("expected a literal")),
        };
        let text: String = self.s[start..end].iter().collect();
        match crate::term::parse(&text) {
            Ok(t) => {
                self.i = end;
                Ok(t)
            }
            Err(e) => {
                self.i = start + e.col.saturating_sub(1);
                Err(self.err(&e.message))
            }
        }
    }

    fn guard_or(&mut self) -> Result<Guard, PatternError> {
        let mut l = self.guard_and()?;
        while self.keyword("or") {
            let r = self.guard_and()?;
            l = Guard::Or(Box::new(l), Box::new(r));
        }
        Ok(l)
    }

    fn guard_and(&mut self) -> Result<Guard, PatternError> {
        let mut l = self.guard_not()?;
        while self.keyword("and") {
            let r = self.guard_not()?;
            l = Guard::And(Box::new(l), Box::new(r));
        }
        Ok(l)
    }

    fn guard_not(&mut self) -> Result<Guard, PatternError> {
        if self.keyword("not") {
            self.enter()?;
            let g = self.guard_not()?;
            self.depth -= 1;
            return Ok(Guard::Not(Box::new(g)));
        }
        self.guard_cmp()
    }

    fn guard_cmp(&mut self) -> Result<Guard, PatternError> {
        let l = self.guard_atom()?;
        self.ws();
        let ops = [
            ("===", CmpOp::ExactEq),
            ("!==", CmpOp::ExactNe),
            ("==", CmpOp::Eq),
            ("!=", CmpOp::Ne),
            ("<=", CmpOp::Le),
            (">=", CmpOp::Ge),
            ("<", CmpOp::Lt),
            (">", CmpOp::Gt),
        ];
        for (s, op) in ops {
            if self.starts(s) {
                self.i += s.len();
                let r = self.guard_atom()?;
                return Ok(Guard::Cmp(op, Box::new(l), Box::new(r)));
            }
        }
        Ok(l)
    }

    fn guard_atom(&mut self) -> Result<Guard, PatternError> {
        self.ws();
        self.enter()?;
        let r = self.guard_atom_inner();
        self.depth -= 1;
        r
    }

    fn guard_atom_inner(&mut self) -> Result<Guard, PatternError> {
        match self.peek() {
            None => Err(self.err("expected a guard expression")),
            Some('(') => {
                self.i += 1;
                let g = self.guard_or()?;
                self.expect(')')?;
                Ok(g)
            }
            Some(c) if c == '_' || c.is_lowercase() => {
                let start = self.i;
                let id = self.ident();
                match id.as_str() {
                    "true" => return Ok(Guard::Lit(Term::Atom(Atom::TRUE))),
                    "false" => return Ok(Guard::Lit(Term::Atom(Atom::FALSE))),
                    "nil" => return Ok(Guard::Lit(Term::Atom(Atom::NIL))),
                    _ => {}
                }
                if GUARD_TESTS.contains(&id.as_str()) {
                    self.expect('(')?;
                    let a = self.guard_or()?;
                    self.expect(')')?;
                    return Ok(Guard::Test(id, Box::new(a)));
                }
                self.ws();
                if self.peek() == Some('(') {
                    self.i = start;
                    return Err(
                        self.err(&format!("{id}/1 is not allowed in a guard (allowed: {})", GUARD_TESTS.join(", ")))
                    );
                }
                Ok(Guard::Var(id))
            }
            Some(_) => Ok(Guard::Lit(self.literal()?)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn m(pat: &str, term: &str) -> bool {
        let c = parse_clause(pat).unwrap();
        c.matches(&crate::term::parse(term).unwrap())
    }

    #[test]
    fn patterns_bind_and_guards_compare() {
        assert!(m("{:inc, n} when n > 10", "{:inc, 11}"));
        assert!(!m("{:inc, n} when n > 10", "{:inc, 10}"));
        assert!(!m("{:inc, n} when n > 10", "{:dec, 11}"));
        assert!(m("{x, x}", "{1, 1}"));
        assert!(!m("{x, x}", "{1, 2}"));
        assert!(m("_", "{1, 2}"));
        assert!(m("[h | t] when is_integer(h) and is_list(t)", "[1, 2]"));
        assert!(!m("[h | _] when is_atom(h)", "[1, 2]"));
        // A guard that cannot be evaluated (an unbound variable) is false as a whole, as in Erlang.
        assert!(!m("[h | _] when unbound == 1 or true", "[1, 2]"));
        assert!(m("%{name: n} when n == \"a\"", "%{name: \"a\", age: 3}"));
        assert!(!m("%{name: _}", "%{age: 3}"));
        assert!(m("{:put, _k, v} when v >= 2.0 and not (v == 5)", "{:put, :a, 3}"));
        assert!(m(":ping", ":ping"));
        assert!(m("{:a, \"s\", 1.5, nil}", "{:a, \"s\", 1.5, nil}"));
        assert!(m("{_, y} when y != :b or y === 1", "{:x, :c}"));
    }

    #[test]
    fn bad_probes_say_where() {
        let e = parse_clause("{:inc, n").unwrap_err();
        assert!(matches!(e, PatternError { line: 1, .. }), "{e:?}");
        let e = parse_clause("{:inc, n} when foo(n)").unwrap_err();
        assert!(matches!(e, PatternError { col: 16, .. }), "{e:?}");
        assert!(parse_clause("{:inc, n} extra").is_err());
        assert!(parse_clause("").is_err());
    }
}
