//! Probes (`inject_debug_code`): a pattern on messages in Elixir syntax with
//! an optional guard, and an action, installed on a GenServer as a runtime
//! `MessageHook` that sees each message before the server handles it.
//!
//! Patterns: literals (atoms, integers, floats, strings, `true`, `false`,
//! `nil`), variables (bind on first use, must be equal on later uses), `_`
//! and `_name` (match anything), tuples, lists (with `| tail`), and maps
//! (`%{key: p}`, `%{"k" => p}`: the listed keys must be present). Guards:
//! `==`, `!=`, `===`, `!==`, `<`, `>`, `<=`, `>=` (Erlang term order),
//! `and`, `or`, `not`, parentheses, and `is_atom/1`, `is_integer/1`,
//! `is_float/1`, `is_number/1`, `is_binary/1`, `is_tuple/1`, `is_list/1`,
//! `is_map/1`, `is_pid/1`. A guard that fails to evaluate (an unbound
//! variable) is false, as in Erlang.

use crate::control::ControlError;
use crate::runtime::{Ctx, EventKind, HookAction, MessageHook};
use crate::term::{Atom, Pid, Term};
use crate::util::VecMap;
use serde::{Deserialize, Serialize};
use std::cell::{Cell, RefCell};
use std::rc::Rc;

/// What a probe does when its pattern matches.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ProbeAction {
    /// Emit a log event with the message, then handle it.
    Log,
    /// Only count the hit.
    Count,
    /// Suspend the process before it handles the message (a breakpoint);
    /// it handles the message when resumed.
    Pause,
    /// Wait this many virtual ms, then handle the message.
    Delay { ms: u64 },
    /// Throw the message away.
    Drop,
}

impl ProbeAction {
    fn name(&self) -> String {
        match self {
            ProbeAction::Log => "log".into(),
            ProbeAction::Count => "count".into(),
            ProbeAction::Pause => "pause".into(),
            ProbeAction::Delay { ms } => format!("delay {ms}"),
            ProbeAction::Drop => "drop".into(),
        }
    }
}

/// A probe as the user wrote it: `pattern` may end in `when guard`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ProbeSpec {
    pub pattern: String,
    pub action: ProbeAction,
}

/// A pattern over terms.
#[derive(Clone, Debug, PartialEq)]
pub enum Pat {
    Lit(Term),
    Var(String),
    Any,
    Tuple(Vec<Pat>),
    List(Vec<Pat>, Option<Box<Pat>>),
    Map(Vec<(Term, Pat)>),
}

/// A guard expression.
#[derive(Clone, Debug, PartialEq)]
pub enum Guard {
    Lit(Term),
    Var(String),
    Cmp(CmpOp, Box<Guard>, Box<Guard>),
    And(Box<Guard>, Box<Guard>),
    Or(Box<Guard>, Box<Guard>),
    Not(Box<Guard>),
    Test(String, Box<Guard>),
}

#[derive(Clone, Copy, Debug, PartialEq)]
pub enum CmpOp {
    Eq,
    Ne,
    ExactEq,
    ExactNe,
    Lt,
    Gt,
    Le,
    Ge,
}

/// A compiled probe.
#[derive(Clone, Debug, PartialEq)]
pub struct Compiled {
    pub pat: Pat,
    pub guard: Option<Guard>,
}

// A `VecMap`, not a `BTreeMap`: the B-tree for this key/value type was
// 7 KB of the wasm (see crate::util).
type Bindings = VecMap<String, Term>;

impl Pat {
    /// Matches `t`, binding variables.
    pub fn matches(&self, t: &Term, b: &mut Bindings) -> bool {
        match self {
            Pat::Any => true,
            Pat::Lit(l) => l == t,
            Pat::Var(v) => match b.get(v) {
                Some(x) => x == t,
                None => {
                    b.insert(v.clone(), t.clone());
                    true
                }
            },
            Pat::Tuple(ps) => match t.as_tuple() {
                Some(xs) if xs.len() == ps.len() => ps.iter().zip(xs).all(|(p, x)| p.matches(x, b)),
                _ => false,
            },
            Pat::List(ps, tail) => {
                let Some(xs) = t.as_list() else { return false };
                match tail {
                    None => xs.len() == ps.len() && ps.iter().zip(xs).all(|(p, x)| p.matches(x, b)),
                    Some(tp) => {
                        xs.len() >= ps.len()
                            && ps.iter().zip(xs).all(|(p, x)| p.matches(x, b))
                            && tp.matches(&Term::list(xs[ps.len()..].to_vec()), b)
                    }
                }
            }
            Pat::Map(es) => {
                if t.as_map().is_none() {
                    return false;
                }
                es.iter().all(|(k, p)| t.map_get(k).is_some_and(|v| p.matches(v, b)))
            }
        }
    }
}

impl Guard {
    fn value(&self, b: &Bindings) -> Option<Term> {
        match self {
            Guard::Lit(t) => Some(t.clone()),
            Guard::Var(v) => b.get(v).cloned(),
            other => other.eval(b).map(Term::bool),
        }
    }

    /// Evaluates to a boolean; `None` when evaluation fails.
    pub fn eval(&self, b: &Bindings) -> Option<bool> {
        match self {
            Guard::Lit(t) => Some(t.is_atom(Atom::TRUE)),
            Guard::Var(v) => b.get(v).map(|t| t.is_atom(Atom::TRUE)),
            Guard::Cmp(op, l, r) => {
                let (l, r) = (l.value(b)?, r.value(b)?);
                let o = l.loose_cmp(&r);
                Some(match op {
                    CmpOp::Eq => l.loose_eq(&r),
                    CmpOp::Ne => !l.loose_eq(&r),
                    CmpOp::ExactEq => l == r,
                    CmpOp::ExactNe => l != r,
                    CmpOp::Lt => o.is_lt(),
                    CmpOp::Gt => o.is_gt(),
                    CmpOp::Le => o.is_le(),
                    CmpOp::Ge => o.is_ge(),
                })
            }
            Guard::And(l, r) => Some(l.eval(b)? && r.eval(b)?),
            Guard::Or(l, r) => Some(l.eval(b)? || r.eval(b)?),
            Guard::Not(g) => g.eval(b).map(|x| !x),
            Guard::Test(f, a) => {
                let v = a.value(b)?;
                Some(match f.as_str() {
                    "is_atom" => matches!(v, Term::Atom(_)),
                    "is_integer" => matches!(v, Term::Int(_)),
                    "is_float" => matches!(v, Term::Float(_)),
                    "is_number" => matches!(v, Term::Int(_) | Term::Float(_)),
                    "is_binary" => matches!(v, Term::Str(_)),
                    "is_tuple" => matches!(v, Term::Tuple(_)),
                    "is_list" => matches!(v, Term::List(_)),
                    "is_map" => matches!(v, Term::Map(_)),
                    "is_pid" => matches!(v, Term::Pid(_)),
                    _ => return None,
                })
            }
        }
    }
}

impl Compiled {
    pub fn matches(&self, t: &Term) -> bool {
        let mut b = Bindings::new();
        self.pat.matches(t, &mut b) && self.guard.as_ref().is_none_or(|g| g.eval(&b) == Some(true))
    }
}

// --- the parser ---------------------------------------------------------------

struct P<'a> {
    s: &'a [char],
    i: usize,
    depth: usize,
    _src: &'a str,
}

const GUARD_TESTS: [&str; 9] =
    ["is_atom", "is_integer", "is_float", "is_number", "is_binary", "is_tuple", "is_list", "is_map", "is_pid"];

/// Parses `pattern [when guard]`.
pub fn parse_probe(src: &str) -> Result<Compiled, ControlError> {
    let chars: Vec<char> = src.chars().collect();
    let mut p = P { s: &chars, i: 0, depth: 0, _src: src };
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
    Ok(Compiled { pat, guard })
}

/// Compiles a probe spec, checking its pattern and guard.
pub fn compile(spec: &ProbeSpec) -> Result<Compiled, ControlError> {
    if let ProbeAction::Delay { ms } = spec.action {
        if ms > 3_600_000 {
            return Err(ControlError::BadRequest { message: "a probe delay is at most 3600000 ms".into() });
        }
    }
    parse_probe(&spec.pattern)
}

impl P<'_> {
    fn err(&self, msg: &str) -> ControlError {
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
        ControlError::BadTerm { line, col, message: msg.to_string() }
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

    fn expect(&mut self, c: char) -> Result<(), ControlError> {
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

    fn enter(&mut self) -> Result<(), ControlError> {
        self.depth += 1;
        if self.depth > 64 {
            return Err(self.err("nested too deeply"));
        }
        Ok(())
    }

    fn pattern(&mut self) -> Result<Pat, ControlError> {
        self.ws();
        self.enter()?;
        let r = self.pattern_inner();
        self.depth -= 1;
        r
    }

    fn pattern_inner(&mut self) -> Result<Pat, ControlError> {
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
    fn map_key(&mut self) -> Result<Term, ControlError> {
        let save = self.i;
        if self.peek().is_some_and(|c| c.is_alphabetic() || c == '_') {
            let id = self.ident();
            if self.peek() == Some(':') {
                self.i += 1;
                return Ok(Term::atom(&id));
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

    fn seq(&mut self, close: char) -> Result<Vec<Pat>, ControlError> {
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
    fn literal(&mut self) -> Result<Term, ControlError> {
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

    fn guard_or(&mut self) -> Result<Guard, ControlError> {
        let mut l = self.guard_and()?;
        while self.keyword("or") {
            let r = self.guard_and()?;
            l = Guard::Or(Box::new(l), Box::new(r));
        }
        Ok(l)
    }

    fn guard_and(&mut self) -> Result<Guard, ControlError> {
        let mut l = self.guard_not()?;
        while self.keyword("and") {
            let r = self.guard_not()?;
            l = Guard::And(Box::new(l), Box::new(r));
        }
        Ok(l)
    }

    fn guard_not(&mut self) -> Result<Guard, ControlError> {
        if self.keyword("not") {
            self.enter()?;
            let g = self.guard_not()?;
            self.depth -= 1;
            return Ok(Guard::Not(Box::new(g)));
        }
        self.guard_cmp()
    }

    fn guard_cmp(&mut self) -> Result<Guard, ControlError> {
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

    fn guard_atom(&mut self) -> Result<Guard, ControlError> {
        self.ws();
        self.enter()?;
        let r = self.guard_atom_inner();
        self.depth -= 1;
        r
    }

    fn guard_atom_inner(&mut self) -> Result<Guard, ControlError> {
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

// --- the hook -----------------------------------------------------------------

/// One installed probe and its hit count.
pub struct Probe {
    pub id: u64,
    pub spec: ProbeSpec,
    pub compiled: Compiled,
    pub hits: Cell<u64>,
}

/// A probe as plain data.
#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct ProbeInfo {
    pub id: u64,
    pub pid: Pid,
    pub pattern: String,
    pub action: ProbeAction,
    pub hits: u64,
}

/// Every probe on one process: the process's message hook.
#[derive(Default)]
pub struct ProbeSet {
    probes: RefCell<Vec<Probe>>,
}

impl ProbeSet {
    pub fn add(&self, id: u64, spec: ProbeSpec, compiled: Compiled) {
        self.probes.borrow_mut().push(Probe { id, spec, compiled, hits: Cell::new(0) });
    }

    pub fn remove(&self, id: u64) -> bool {
        let mut v = self.probes.borrow_mut();
        let before = v.len();
        v.retain(|p| p.id != id);
        v.len() != before
    }

    pub fn is_empty(&self) -> bool {
        self.probes.borrow().is_empty()
    }

    pub fn contains(&self, id: u64) -> bool {
        self.probes.borrow().iter().any(|p| p.id == id)
    }

    pub fn list(&self, pid: Pid) -> Vec<ProbeInfo> {
        self.probes
            .borrow()
            .iter()
            .map(|p| ProbeInfo {
                id: p.id,
                pid,
                pattern: p.spec.pattern.clone(),
                action: p.spec.action.clone(),
                hits: p.hits.get(),
            })
            .collect()
    }
}

impl MessageHook for ProbeSet {
    /// Every matching probe counts a hit; the first matching probe whose
    /// action changes handling (pause, delay, drop) decides.
    fn before(&self, ctx: &Ctx, msg: &Term) -> HookAction {
        let mut decision = HookAction::Handle;
        for p in self.probes.borrow().iter() {
            if !p.compiled.matches(msg) {
                continue;
            }
            p.hits.set(p.hits.get() + 1);
            ctx.emit(EventKind::ProbeHit {
                pid: ctx.pid(),
                probe: p.id,
                msg: msg.clone(),
                action: Rc::from(p.spec.action.name()),
            });
            match &p.spec.action {
                ProbeAction::Log => ctx.emit(EventKind::Log {
                    pid: Some(ctx.pid()),
                    text: Rc::from(format!("probe {} matched {}", p.id, msg)),
                }),
                ProbeAction::Count => {}
                a if decision == HookAction::Handle => {
                    decision = match a {
                        ProbeAction::Pause => HookAction::Pause,
                        ProbeAction::Delay { ms } => HookAction::Delay(*ms),
                        _ => HookAction::Drop,
                    }
                }
                _ => {}
            }
        }
        decision
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn m(pat: &str, term: &str) -> bool {
        let c = parse_probe(pat).unwrap();
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
        let e = parse_probe("{:inc, n").unwrap_err();
        assert!(matches!(e, ControlError::BadTerm { line: 1, .. }), "{e:?}");
        let e = parse_probe("{:inc, n} when foo(n)").unwrap_err();
        assert!(matches!(e, ControlError::BadTerm { col: 16, .. }), "{e:?}");
        assert!(parse_probe("{:inc, n} extra").is_err());
        assert!(parse_probe("").is_err());
    }
}
