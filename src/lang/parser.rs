//! The parser: tokens into the syntax tree, by precedence climbing over
//! Elixir's operator table, with calls with and without parentheses,
//! `do … end` blocks and keyword `do:` forms, and the special forms (`case`,
//! `cond`, `if`, `with`, `for`, `receive`, `try`, `fn`, captures, `def`,
//! `defmodule`) recognised by name as Elixir's macros would expand them.
//!
//! Errors carry the line and column of the token where parsing failed and
//! read as Elixir's do: `syntax error before: ')'`.

use std::rc::Rc;

use super::ast::{BinOp, Clause, Expr, Kind, Pos, Rescue, Step, UnOp};
use super::error::CompileError;
use super::lexer::{lex, Piece, Tok, Token};
use crate::term::{Atom, Term};

/// How deeply expressions may nest before parsing stops with an error
/// rather than overflowing the stack.
const MAX_DEPTH: usize = 120;

/// Words that end a block or separate its sections.
const STOPS: &[&str] = &["end", "else", "after", "rescue", "catch"];

/// Parses source text into a block of top-level expressions.
pub(crate) fn parse_source(src: &str) -> Result<Expr, CompileError> {
    let toks = lex(src)?;
    let mut p = Parser { toks, i: 0, depth: 0, cap: 0, bare: false, opens: Vec::new(), stack_base: 0 };
    let body = p.block()?;
    match p.peek() {
        Tok::Eof => Ok(body),
        _ => Err(p.unexpected()),
    }
}

struct Parser {
    toks: Vec<Token>,
    i: usize,
    depth: usize,
    /// The highest `&N` seen inside the capture being parsed.
    cap: u8,
    /// Inside the arguments of a call without parentheses, where a `do`
    /// block belongs to that outer call (`def f(x) do … end`), as in Elixir.
    bare: bool,
    /// Open brackets, `do`s and `fn`s with their lines, innermost last:
    /// the end of input inside one is a missing terminator, as Elixir
    /// reports it.
    opens: Vec<(&'static str, u32)>,
    /// The stack position when parsing began (see `stack.rs`).
    stack_base: usize,
}

/// Positional arguments and trailing keyword arguments.
type Args = (Vec<Expr>, Vec<(String, Expr)>);

/// A `do` block section: plain expressions, or `->` clauses.
enum Section {
    Block(Expr),
    Clauses(Vec<Clause>),
}

/// A call's arguments before special forms are recognised.
struct Call {
    name: String,
    pos: Pos,
    args: Vec<Expr>,
    /// Trailing keyword arguments `key: value`.
    kw: Vec<(String, Expr)>,
    /// `do` (and `else`, `after`, …) sections.
    blocks: Vec<(String, Section)>,
}

fn lit(pos: Pos, t: Term) -> Expr {
    Expr::new(pos, Kind::Lit(t))
}

fn bx(e: Expr) -> Box<Expr> {
    Box::new(e)
}

/// The atom an alias names: `Foo.Bar` is `:"Elixir.Foo.Bar"`.
fn alias_atom(name: &str) -> Term {
    match name {
        "Elixir" => Term::atom("Elixir"),
        _ => Term::atom(&format!("Elixir.{name}")),
    }
}

fn binop(t: &Tok, next: &Tok) -> Option<(u8, BinOp)> {
    use BinOp::*;
    Some(match t {
        Tok::Op(o) => match *o {
            "||" => (7, OrElse),
            "&&" => (8, AndAlso),
            "==" => (9, Eq),
            "!=" => (9, Ne),
            "===" => (9, StrictEq),
            "!==" => (9, StrictNe),
            "<" => (10, Lt),
            ">" => (10, Gt),
            "<=" => (10, Le),
            ">=" => (10, Ge),
            "++" => (13, ListAdd),
            "--" => (13, ListSub),
            "<>" => (13, Concat),
            ".." => (13, Range),
            "+" => (14, Add),
            "-" => (14, Sub),
            "*" => (15, Mul),
            "/" => (15, Div),
            _ => return None,
        },
        Tok::Ident(w) => match w.as_str() {
            "or" => (7, Or),
            "and" => (8, And),
            "in" => (12, In),
            "not" if matches!(next, Tok::Ident(n) if n == "in") => (12, NotIn),
            _ => return None,
        },
        _ => return None,
    })
}

fn right_assoc(op: BinOp) -> bool {
    matches!(op, BinOp::ListAdd | BinOp::ListSub | BinOp::Concat | BinOp::Range)
}

impl Parser {
    fn peek(&self) -> &Tok {
        self.peek_at(0)
    }

    fn peek_at(&self, k: usize) -> &Tok {
        self.toks.get(self.i + k).map_or(&Tok::Eof, |t| &t.tok)
    }

    fn pos(&self) -> Pos {
        self.toks.get(self.i).or(self.toks.last()).map(|t| t.pos).unwrap_or_default()
    }

    fn space(&self) -> bool {
        self.toks.get(self.i).is_some_and(|t| t.space)
    }

    fn next(&mut self) -> Tok {
        let t = self.peek().clone();
        if self.i < self.toks.len() {
            self.i += 1;
        }
        t
    }

    fn is_op(&self, o: &str) -> bool {
        matches!(self.peek(), Tok::Op(x) if *x == o)
    }

    fn is_word(&self, w: &str) -> bool {
        matches!(self.peek(), Tok::Ident(x) if x == w)
    }

    fn is_stop(&self) -> bool {
        matches!(self.peek(), Tok::Ident(w) if STOPS.contains(&w.as_str()))
            || matches!(self.peek(), Tok::Eof | Tok::Op(")"))
    }

    fn skip_nl(&mut self) {
        while *self.peek() == Tok::Newline {
            self.i += 1;
        }
    }

    fn unexpected(&self) -> CompileError {
        let what = match self.peek() {
            Tok::Eof => {
                if let Some((open, line)) = self.opens.last() {
                    let close = match *open {
                        "(" => ")",
                        "[" => "]",
                        "{" => "}",
                        _ => "end",
                    };
                    let msg = format!("missing terminator: {close} (for \"{open}\" starting at line {line})");
                    return CompileError { pos: self.pos(), msg };
                }
                // Elixir points at the last token of the incomplete expression.
                let at = self.i.checked_sub(1).and_then(|k| self.toks.get(k)).map_or(self.pos(), |t| t.pos);
                return CompileError { pos: at, msg: "syntax error: expression is incomplete".into() };
            }
            Tok::Op(o) => format!("'{o}'"),
            Tok::Ident(w) => w.clone(),
            Tok::Alias(w) => format!("'{w}'"),
            Tok::Int(i) => format!("\"{i}\""),
            Tok::Float(f) => format!("\"{f}\""),
            Tok::Atom(a) => format!("':{a}'"),
            Tok::Key(k) => format!("'{k}:'"),
            Tok::Str(_) | Tok::Chars(_) => "string".into(),
            Tok::CapArg(n) => format!("'&{n}'"),
            Tok::Newline => "newline".into(),
        };
        CompileError { pos: self.pos(), msg: format!("syntax error before: {what}") }
    }

    fn fail<T>(&self, pos: Pos, msg: impl Into<String>) -> Result<T, CompileError> {
        Err(CompileError { pos, msg: msg.into() })
    }

    /// Records an opened bracket, `do` or `fn` (the token just consumed).
    fn open(&mut self, what: &'static str) {
        let line = self.i.checked_sub(1).and_then(|k| self.toks.get(k)).map_or(0, |t| t.pos.line);
        self.opens.push((what, line));
    }

    fn expect_op(&mut self, o: &str) -> Result<(), CompileError> {
        self.skip_nl_if_inside(o);
        if self.is_op(o) {
            self.next();
            if matches!(o, ")" | "]" | "}") {
                self.opens.pop();
            }
            Ok(())
        } else {
            Err(self.unexpected())
        }
    }

    /// Before a closing bracket, newlines do not matter.
    fn skip_nl_if_inside(&mut self, o: &str) {
        if matches!(o, ")" | "]" | "}" | "->") {
            self.skip_nl();
        }
    }

    fn expect_word(&mut self, w: &str) -> Result<(), CompileError> {
        self.skip_nl();
        if self.is_word(w) {
            self.next();
            if w == "end" {
                self.opens.pop();
            }
            Ok(())
        } else {
            Err(self.unexpected())
        }
    }

    /// Expressions separated by newlines, up to a stop word, `)` or the end.
    fn block(&mut self) -> Result<Expr, CompileError> {
        let outer = std::mem::replace(&mut self.bare, false);
        let r = self.block_inner();
        self.bare = outer;
        r
    }

    fn block_inner(&mut self) -> Result<Expr, CompileError> {
        let pos = self.pos();
        let mut items = Vec::new();
        loop {
            self.skip_nl();
            if self.is_stop() {
                break;
            }
            items.push(self.expr()?);
            if !(self.is_stop() || *self.peek() == Tok::Newline) {
                return Err(self.unexpected());
            }
        }
        Ok(match items.len() {
            0 => lit(pos, Term::nil()),
            1 => items.pop().unwrap_or_else(|| lit(pos, Term::nil())),
            _ => Expr::new(pos, Kind::Block(items)),
        })
    }

    fn enter(&mut self) -> Result<(), CompileError> {
        self.depth += 1;
        if self.depth == 1 {
            self.stack_base = super::stack::position();
        }
        let used = self.stack_base.saturating_sub(super::stack::position());
        if self.depth > MAX_DEPTH || used > super::stack::BUDGET / 2 {
            return self.fail(self.pos(), "expression nests too deeply for otpsim");
        }
        Ok(())
    }

    /// A full expression, including `when`, `<-`, `\\` and `=`.
    fn expr(&mut self) -> Result<Expr, CompileError> {
        self.enter()?;
        let r = self.expr_inner();
        self.depth -= 1;
        r
    }

    fn expr_inner(&mut self) -> Result<Expr, CompileError> {
        let lhs = self.when_expr()?;
        let pos = self.pos();
        for (op, name) in [("<-", "<-"), ("\\\\", "\\\\")] {
            if self.is_op(op) {
                self.next();
                self.skip_nl();
                let rhs = self.expr()?;
                return Ok(Expr::new(pos, Kind::Local(Atom::new(name), vec![lhs, rhs])));
            }
        }
        Ok(lhs)
    }

    /// `pattern when guard` (right associative), which binds tighter than
    /// `<-` and `\\`, as in Elixir's operator table.
    fn when_expr(&mut self) -> Result<Expr, CompileError> {
        let lhs = self.match_expr()?;
        let pos = self.pos();
        if self.is_word("when") {
            self.next();
            self.skip_nl();
            self.enter()?;
            let rhs = self.when_expr();
            self.depth -= 1;
            return Ok(Expr::new(pos, Kind::Local(Atom::new("when"), vec![lhs, rhs?])));
        }
        Ok(lhs)
    }

    /// `pattern = expr` (right associative) over the binary operators.
    fn match_expr(&mut self) -> Result<Expr, CompileError> {
        let lhs = self.binary(0)?;
        if self.is_op("=") {
            let pos = self.pos();
            self.next();
            self.skip_nl();
            self.enter()?;
            let rhs = self.match_expr();
            self.depth -= 1;
            return Ok(Expr::new(pos, Kind::Match(bx(lhs), bx(rhs?))));
        }
        Ok(lhs)
    }

    fn binary(&mut self, min: u8) -> Result<Expr, CompileError> {
        let mut lhs = self.unary()?;
        loop {
            let pos = self.pos();
            if self.is_op("|>") {
                if min > 11 {
                    break;
                }
                self.next();
                self.skip_nl();
                let rhs = self.binary(12)?;
                lhs = pipe(lhs, rhs)?;
                continue;
            }
            let Some((prec, op)) = binop(self.peek(), self.peek_at(1)) else { break };
            if prec < min {
                break;
            }
            self.next();
            if op == BinOp::NotIn {
                self.next();
            }
            self.skip_nl();
            let rhs = self.binary(if right_assoc(op) { prec } else { prec + 1 })?;
            if op == BinOp::Range && self.is_op("//") {
                return self.fail(pos, "ranges with steps are not in otpsim's subset");
            }
            lhs = Expr::new(pos, Kind::Bin(op, bx(lhs), bx(rhs)));
        }
        Ok(lhs)
    }

    fn unary(&mut self) -> Result<Expr, CompileError> {
        self.enter()?;
        let r = self.unary_inner();
        self.depth -= 1;
        r
    }

    fn unary_inner(&mut self) -> Result<Expr, CompileError> {
        let pos = self.pos();
        let op = match self.peek() {
            Tok::Op("-") => Some(UnOp::Neg),
            Tok::Op("+") => Some(UnOp::Plus),
            Tok::Op("!") => Some(UnOp::Bang),
            Tok::Ident(w) if w == "not" => Some(UnOp::Not),
            _ => None,
        };
        if let Some(op) = op {
            self.next();
            let e = self.unary()?;
            return Ok(match (op, e.kind) {
                (UnOp::Neg, Kind::Lit(Term::Int(i))) => lit(pos, Term::Int(i.wrapping_neg())),
                (UnOp::Neg, Kind::Lit(Term::Float(f))) => lit(pos, Term::Float(-f)),
                (op, kind) => Expr::new(pos, Kind::Un(op, bx(Expr::new(e.pos, kind)))),
            });
        }
        if self.is_op("^") {
            self.next();
            return match self.next() {
                Tok::Ident(name) => Ok(Expr::new(pos, Kind::Pin(Atom::new(&name)))),
                _ => self.fail(pos, "the pin operator ^ takes a variable"),
            };
        }
        if self.is_op("&") {
            self.next();
            return self.capture(pos);
        }
        if self.is_op("@") {
            self.next();
            let Tok::Ident(name) = self.next() else {
                return self.fail(pos, "expected a module attribute name after @");
            };
            let name = Atom::new(&name);
            if self.space() && self.starts_arg() {
                let v = self.expr()?;
                return Ok(Expr::new(pos, Kind::Local(Atom::new("@"), vec![lit(pos, Term::Atom(name)), v])));
            }
            return Ok(Expr::new(pos, Kind::Attr(name)));
        }
        self.postfix()
    }

    /// `&name/arity`, `&Mod.name/arity` or `&(expr with &1…)`.
    fn capture(&mut self, pos: Pos) -> Result<Expr, CompileError> {
        let outer = std::mem::replace(&mut self.cap, 0);
        let e = self.binary(7);
        let n = std::mem::replace(&mut self.cap, outer);
        let e = e?;
        if n == 0 {
            if let Kind::Bin(BinOp::Div, f, arity) = &e.kind {
                if let Kind::Lit(Term::Int(a)) = arity.kind {
                    let a = u8::try_from(a).or_else(|_| self.fail(pos, "capture arity out of range"))?;
                    match &f.kind {
                        Kind::Var(name) => return Ok(Expr::new(pos, Kind::Capture(None, *name, a))),
                        Kind::Local(name, args) if args.is_empty() => {
                            return Ok(Expr::new(pos, Kind::Capture(None, *name, a)))
                        }
                        Kind::Remote(m, name, args) if args.is_empty() => {
                            return Ok(Expr::new(pos, Kind::Capture(Some(m.clone()), *name, a)))
                        }
                        Kind::Field(m, name) => return Ok(Expr::new(pos, Kind::Capture(Some(m.clone()), *name, a))),
                        _ => {}
                    }
                }
            }
            return self.fail(pos, "invalid args for &, expected one of: &Mod.fun/arity, &local/arity or a capture containing at least one argument as &1");
        }
        let pats = (1..=n).map(|k| Expr::new(pos, Kind::Var(Atom::new(&format!("&{k}"))))).collect();
        Ok(Expr::new(pos, Kind::Fn(Rc::from(vec![Clause { pats, guard: None, body: e }]))))
    }

    fn postfix(&mut self) -> Result<Expr, CompileError> {
        let mut e = self.primary()?;
        loop {
            let pos = self.pos();
            if self.is_op(".") {
                self.next();
                self.skip_nl();
                match self.next() {
                    Tok::Op("(") => {
                        let (args, kw) = self.args_until(")")?;
                        e = Expr::new(pos, Kind::Apply(bx(e), with_kw(args, kw, pos)));
                    }
                    Tok::Alias(a) => match &e.kind {
                        Kind::Lit(Term::Atom(m)) => {
                            let name = format!("{}.{a}", m.name());
                            e = lit(e.pos, Term::atom(&name));
                        }
                        _ => return self.fail(pos, "an alias may only follow an alias"),
                    },
                    Tok::Ident(name) | Tok::Key(name) => {
                        let name_atom = Atom::new(&name);
                        if self.is_op("(") && !self.space() {
                            self.next();
                            let (args, kw) = self.args_until(")")?;
                            let args = with_kw(args, kw, pos);
                            let call = Call { name, pos, args, kw: vec![], blocks: self.do_blocks()? };
                            if !call.blocks.is_empty() {
                                return self.fail(pos, "do blocks on remote calls are not in otpsim's subset");
                            }
                            e = Expr::new(pos, Kind::Remote(bx(e), name_atom, call.args));
                        } else if matches!(e.kind, Kind::Lit(Term::Atom(_))) && self.space() && self.starts_arg() {
                            let (args, kw) = self.args_bare()?;
                            e = Expr::new(pos, Kind::Remote(bx(e), name_atom, with_kw(args, kw, pos)));
                        } else if matches!(e.kind, Kind::Lit(Term::Atom(_))) {
                            e = Expr::new(pos, Kind::Remote(bx(e), name_atom, vec![]));
                        } else {
                            e = Expr::new(pos, Kind::Field(bx(e), name_atom));
                        }
                    }
                    _ => {
                        self.i -= 1;
                        return Err(self.unexpected());
                    }
                }
            } else if self.is_op("[") && !self.space() {
                self.next();
                self.open("[");
                self.skip_nl();
                let k = self.expr()?;
                self.expect_op("]")?;
                e = Expr::new(pos, Kind::Access(bx(e), bx(k)));
            } else {
                return Ok(e);
            }
        }
    }

    /// Whether the next token can begin an argument of a call written
    /// without parentheses (`raise "x"`, `send pid, msg`).
    fn starts_arg(&self) -> bool {
        match self.peek() {
            Tok::Int(_)
            | Tok::Float(_)
            | Tok::Str(_)
            | Tok::Chars(_)
            | Tok::Atom(_)
            | Tok::Key(_)
            | Tok::Alias(_)
            | Tok::CapArg(_) => true,
            Tok::Ident(w) => {
                !(matches!(
                    w.as_str(),
                    "do" | "end" | "else" | "after" | "rescue" | "catch" | "when" | "and" | "or" | "in"
                ) || (w == "not" && matches!(self.peek_at(1), Tok::Ident(n) if n == "in")))
            }
            Tok::Op(o) => matches!(*o, "{" | "[" | "%{" | "%" | "&" | "@" | "^" | "!"),
            _ => false,
        }
    }

    /// Comma-separated arguments up to the closing `close`.
    fn args_until(&mut self, close: &str) -> Result<Args, CompileError> {
        let outer = std::mem::replace(&mut self.bare, false);
        let r = self.args_until_inner(close);
        self.bare = outer;
        r
    }

    fn args_until_inner(&mut self, close: &str) -> Result<Args, CompileError> {
        let mut args = Vec::new();
        let mut kw = Vec::new();
        self.open(if close == ")" { "(" } else { "{" });
        self.skip_nl();
        if self.is_op(close) {
            self.next();
            self.opens.pop();
            return Ok((args, kw));
        }
        loop {
            self.skip_nl();
            if let Tok::Key(k) = self.peek().clone() {
                self.next();
                self.skip_nl();
                kw.push((k, self.expr()?));
            } else if !kw.is_empty() {
                return Err(self.unexpected());
            } else {
                args.push(self.expr()?);
            }
            self.skip_nl();
            if self.is_op(",") {
                self.next();
                continue;
            }
            self.expect_op(close)?;
            return Ok((args, kw));
        }
    }

    /// Arguments without parentheses, up to the end of the expression.
    fn args_bare(&mut self) -> Result<Args, CompileError> {
        let outer = std::mem::replace(&mut self.bare, true);
        let r = self.args_bare_inner();
        self.bare = outer;
        r
    }

    fn args_bare_inner(&mut self) -> Result<Args, CompileError> {
        let mut args = Vec::new();
        let mut kw = Vec::new();
        loop {
            if let Tok::Key(k) = self.peek().clone() {
                self.next();
                self.skip_nl();
                kw.push((k, self.expr()?));
            } else if !kw.is_empty() {
                return Err(self.unexpected());
            } else {
                args.push(self.expr()?);
            }
            if self.is_op(",") {
                self.next();
                self.skip_nl();
                continue;
            }
            return Ok((args, kw));
        }
    }

    /// `do … end` with its sections, if one follows.
    fn do_blocks(&mut self) -> Result<Vec<(String, Section)>, CompileError> {
        if !self.is_word("do") || self.bare {
            return Ok(vec![]);
        }
        self.next();
        self.open("do");
        let mut out = Vec::new();
        let mut name = "do".to_string();
        loop {
            let sec = self.section()?;
            out.push((name, sec));
            self.skip_nl();
            match self.next() {
                Tok::Ident(w) if w == "end" => {
                    self.opens.pop();
                    return Ok(out);
                }
                Tok::Ident(w) if STOPS.contains(&w.as_str()) => name = w,
                _ => {
                    self.i -= 1;
                    return Err(self.unexpected());
                }
            }
        }
    }

    /// A section body: `->` clauses when its first expression is followed
    /// by `->`, plain expressions otherwise.
    fn section(&mut self) -> Result<Section, CompileError> {
        self.skip_nl();
        let save = self.i;
        if self.is_op("->") || self.is_stop() {
            if self.is_stop() {
                return Ok(Section::Block(lit(self.pos(), Term::nil())));
            }
        } else {
            self.head()?;
        }
        let is_clauses = self.is_op("->");
        self.i = save;
        if is_clauses {
            Ok(Section::Clauses(self.clauses()?))
        } else {
            Ok(Section::Block(self.block()?))
        }
    }

    /// A clause head: comma-separated patterns, possibly with `when`.
    fn head(&mut self) -> Result<Vec<Expr>, CompileError> {
        let mut pats = Vec::new();
        if self.is_op("->") {
            return Ok(pats);
        }
        loop {
            pats.push(self.expr()?);
            if self.is_op(",") {
                self.next();
                self.skip_nl();
                continue;
            }
            return Ok(pats);
        }
    }

    /// `head -> body` clauses up to a stop word.
    fn clauses(&mut self) -> Result<Vec<Clause>, CompileError> {
        let outer = std::mem::replace(&mut self.bare, false);
        let r = self.clauses_inner();
        self.bare = outer;
        r
    }

    fn clauses_inner(&mut self) -> Result<Vec<Clause>, CompileError> {
        let mut out = Vec::new();
        loop {
            self.skip_nl();
            if self.is_stop() {
                return Ok(out);
            }
            let pos = self.pos();
            let mut pats = self.head()?;
            self.expect_op("->")?;
            let guard = split_guard(&mut pats);
            let mut body = Vec::new();
            loop {
                self.skip_nl();
                if self.is_stop() {
                    break;
                }
                let save = self.i;
                let e = self.expr()?;
                if self.is_op("->") || self.is_op(",") {
                    self.i = save;
                    break;
                }
                body.push(e);
            }
            let body = match body.len() {
                0 => lit(pos, Term::nil()),
                1 => body.pop().unwrap_or_else(|| lit(pos, Term::nil())),
                _ => Expr::new(pos, Kind::Block(body)),
            };
            out.push(Clause { pats, guard, body });
        }
    }

    fn primary(&mut self) -> Result<Expr, CompileError> {
        let pos = self.pos();
        let space_before_next = self.toks.get(self.i + 1).is_some_and(|t| t.space);
        match self.next() {
            Tok::Int(i) => Ok(lit(pos, Term::Int(i))),
            Tok::Float(f) => Ok(lit(pos, Term::Float(f))),
            Tok::Atom(a) => Ok(lit(pos, Term::atom(&a))),
            Tok::Chars(s) => Ok(lit(pos, Term::list(s.chars().map(|c| Term::Int(c as i64)).collect::<Vec<_>>()))),
            Tok::Str(pieces) => self.string(pos, pieces),
            Tok::Alias(a) => Ok(lit(pos, alias_atom(&a))),
            Tok::CapArg(n) => {
                if n == 0 {
                    return self.fail(pos, "capture argument &0 is not allowed");
                }
                self.cap = self.cap.max(n);
                Ok(Expr::new(pos, Kind::Var(Atom::new(&format!("&{n}")))))
            }
            Tok::Op("(") => {
                self.open("(");
                let e = self.block()?;
                self.expect_op(")")?;
                Ok(e)
            }
            Tok::Op("[") => self.list(pos),
            Tok::Op("{") => {
                let (mut items, kw) = self.args_until("}")?;
                if !kw.is_empty() {
                    items.push(kw_list(kw, pos));
                }
                Ok(Expr::new(pos, Kind::Tuple(items)))
            }
            Tok::Op("%{") => self.map_body(pos, None),
            Tok::Op("%") => {
                let name = match self.next() {
                    Tok::Alias(a) => {
                        let mut full = a;
                        while self.is_op(".") && matches!(self.peek_at(1), Tok::Alias(_)) {
                            self.next();
                            if let Tok::Alias(b) = self.next() {
                                full = format!("{full}.{b}");
                            }
                        }
                        full
                    }
                    _ => return self.fail(pos, "expected a struct name after %"),
                };
                self.expect_op("{")?;
                let m = self.map_body(pos, None)?;
                let Kind::Map(entries) = m.kind else {
                    return self.fail(pos, "struct update syntax is not in otpsim's subset");
                };
                let atom = match alias_atom(&name) {
                    Term::Atom(a) => a,
                    _ => Atom::NIL,
                };
                Ok(Expr::new(pos, Kind::Struct(atom, entries)))
            }
            Tok::Ident(w) => self.ident(w, pos, space_before_next),
            _ => {
                self.i -= 1;
                Err(self.unexpected())
            }
        }
    }

    fn string(&mut self, pos: Pos, pieces: Vec<Piece>) -> Result<Expr, CompileError> {
        let mut parts = Vec::new();
        for p in pieces {
            match p {
                Piece::Text(t) => parts.push(lit(pos, Term::str(&t))),
                Piece::Code(toks) => {
                    let mut sub = Parser {
                        toks,
                        i: 0,
                        depth: self.depth,
                        cap: 0,
                        bare: false,
                        opens: Vec::new(),
                        stack_base: self.stack_base,
                    };
                    let e = sub.block()?;
                    if *sub.peek() != Tok::Eof {
                        return Err(sub.unexpected());
                    }
                    parts.push(e);
                }
            }
        }
        Ok(match parts.as_slice() {
            [] => lit(pos, Term::str("")),
            [Expr { kind: Kind::Lit(Term::Str(_)), .. }] => parts.swap_remove(0),
            _ => Expr::new(pos, Kind::Interp(parts)),
        })
    }

    fn list(&mut self, pos: Pos) -> Result<Expr, CompileError> {
        let mut items = Vec::new();
        let mut kw = Vec::new();
        let mut tail = None;
        self.open("[");
        self.skip_nl();
        if self.is_op("]") {
            self.next();
            self.opens.pop();
            return Ok(Expr::new(pos, Kind::List(items, None)));
        }
        loop {
            self.skip_nl();
            if let Tok::Key(k) = self.peek().clone() {
                self.next();
                self.skip_nl();
                kw.push((k, self.expr()?));
            } else if !kw.is_empty() {
                return Err(self.unexpected());
            } else {
                items.push(self.expr()?);
            }
            self.skip_nl();
            if self.is_op("|") && kw.is_empty() {
                self.next();
                self.skip_nl();
                tail = Some(bx(self.expr()?));
                self.expect_op("]")?;
                break;
            }
            if self.is_op(",") {
                self.next();
                continue;
            }
            self.expect_op("]")?;
            break;
        }
        for (k, v) in kw {
            items.push(Expr::new(pos, Kind::Tuple(vec![lit(pos, Term::atom(&k)), v])));
        }
        Ok(Expr::new(pos, Kind::List(items, tail)))
    }

    /// The inside of `%{ … }` (after `%{`), with `|` for updates.
    fn map_body(&mut self, pos: Pos, _: Option<()>) -> Result<Expr, CompileError> {
        let mut entries = Vec::new();
        let mut base = None;
        self.open("{");
        self.skip_nl();
        if self.is_op("}") {
            self.next();
            self.opens.pop();
            return Ok(Expr::new(pos, Kind::Map(entries)));
        }
        let mut first = true;
        loop {
            self.skip_nl();
            if let Tok::Key(k) = self.peek().clone() {
                self.next();
                self.skip_nl();
                entries.push((lit(pos, Term::atom(&k)), self.expr()?));
            } else {
                let k = self.binary(0)?;
                self.skip_nl();
                if first && self.is_op("|") {
                    self.next();
                    base = Some(k);
                    first = false;
                    continue;
                }
                self.expect_op("=>")?;
                self.skip_nl();
                entries.push((k, self.expr()?));
            }
            first = false;
            self.skip_nl();
            if self.is_op(",") {
                self.next();
                continue;
            }
            self.expect_op("}")?;
            break;
        }
        Ok(match base {
            Some(b) => Expr::new(pos, Kind::MapUpdate(bx(b), entries)),
            None => Expr::new(pos, Kind::Map(entries)),
        })
    }

    fn ident(&mut self, w: String, pos: Pos, space_after: bool) -> Result<Expr, CompileError> {
        match w.as_str() {
            "true" => return Ok(lit(pos, Term::bool(true))),
            "false" => return Ok(lit(pos, Term::bool(false))),
            "nil" => return Ok(lit(pos, Term::nil())),
            "__MODULE__" => return Ok(Expr::new(pos, Kind::Module)),
            "fn" => {
                self.open("fn");
                let clauses = self.clauses()?;
                self.expect_word("end")?;
                if clauses.is_empty() {
                    return self.fail(pos, "expected clauses to be defined with -> inside \"fn\"");
                }
                let arity = clauses.first().map(|c| c.pats.len());
                if clauses.iter().any(|c| Some(c.pats.len()) != arity) {
                    return self.fail(pos, "cannot mix clauses with different arities in anonymous functions");
                }
                return Ok(Expr::new(pos, Kind::Fn(Rc::from(clauses))));
            }
            w if STOPS.contains(&w) || w == "do" => {
                self.i -= 1;
                return Err(self.unexpected());
            }
            _ => {}
        }
        let (args, kw) = if self.is_op("(") && !space_after {
            self.next();
            self.args_until(")")?
        } else if self.is_word("do") && !self.bare {
            (vec![], vec![])
        } else if space_after && self.starts_arg() {
            self.args_bare()?
        } else {
            let name = Atom::new(&w);
            return Ok(Expr::new(pos, if w.starts_with('_') { Kind::Wild } else { Kind::Var(name) }));
        };
        let blocks = self.do_blocks()?;
        self.special(Call { name: w, pos, args, kw, blocks })
    }

    /// Turns a call into a special form when it names one.
    fn special(&mut self, mut c: Call) -> Result<Expr, CompileError> {
        let pos = c.pos;
        // `if x, do: a, else: b` is the same as the block form.
        if matches!(
            c.name.as_str(),
            "if" | "unless" | "case" | "cond" | "receive" | "with" | "for" | "try" | "def" | "defp" | "defmodule"
        ) {
            for (k, v) in std::mem::take(&mut c.kw) {
                if matches!(k.as_str(), "do" | "else" | "after" | "rescue" | "catch") {
                    c.blocks.push((k, Section::Block(v)));
                } else {
                    c.kw.push((k, v));
                }
            }
        }
        let block = |c: &mut Call, name: &str| -> Option<Section> {
            let i = c.blocks.iter().position(|(k, _)| k == name)?;
            Some(c.blocks.remove(i).1)
        };
        let as_expr = |s: Option<Section>, p: &Parser| -> Result<Expr, CompileError> {
            match s {
                None => Ok(lit(pos, Term::nil())),
                Some(Section::Block(e)) => Ok(e),
                Some(Section::Clauses(_)) => p.fail(pos, "unexpected -> clauses in a plain block"),
            }
        };
        let as_clauses = |s: Option<Section>, p: &Parser| -> Result<Vec<Clause>, CompileError> {
            match s {
                None => Ok(vec![]),
                Some(Section::Clauses(cs)) => Ok(cs),
                Some(Section::Block(_)) => p.fail(pos, "expected -> clauses"),
            }
        };
        let one_arg = |c: &mut Call, p: &Parser| -> Result<Expr, CompileError> {
            if c.args.len() != 1 {
                return p.fail(pos, format!("{} expects one argument and a do block", c.name));
            }
            Ok(c.args.remove(0))
        };
        let kind = match c.name.as_str() {
            "if" | "unless" => {
                let cond = one_arg(&mut c, self)?;
                let then = as_expr(block(&mut c, "do"), self)?;
                let other = as_expr(block(&mut c, "else"), self)?;
                if c.name == "if" {
                    Kind::If(bx(cond), bx(then), bx(other))
                } else {
                    Kind::If(bx(cond), bx(other), bx(then))
                }
            }
            "case" => {
                let subject = one_arg(&mut c, self)?;
                Kind::Case(bx(subject), as_clauses(block(&mut c, "do"), self)?)
            }
            "cond" => {
                let mut arms = Vec::new();
                for cl in as_clauses(block(&mut c, "do"), self)? {
                    let mut pats = cl.pats;
                    if pats.len() != 1 || cl.guard.is_some() {
                        return self.fail(pos, "cond clauses take exactly one condition");
                    }
                    arms.push((pats.remove(0), cl.body));
                }
                Kind::Cond(arms)
            }
            "receive" => {
                let clauses = as_clauses(block(&mut c, "do"), self)?;
                let after = match block(&mut c, "after") {
                    None => None,
                    Some(Section::Clauses(mut cs)) if cs.len() == 1 && cs[0].pats.len() == 1 => {
                        let cl = cs.remove(0);
                        let mut pats = cl.pats;
                        Some((bx(pats.remove(0)), bx(cl.body)))
                    }
                    _ => return self.fail(pos, "expected a single `timeout -> body` clause in after"),
                };
                Kind::Receive(clauses, after)
            }
            "with" => {
                let steps = c.args.drain(..).map(step).collect();
                let body = as_expr(block(&mut c, "do"), self)?;
                let other = as_clauses(block(&mut c, "else"), self)?;
                Kind::With(steps, bx(body), other)
            }
            "for" => {
                let steps = c.args.drain(..).map(step).collect();
                let body = as_expr(block(&mut c, "do"), self)?;
                let mut into = None;
                for (k, v) in c.kw.drain(..) {
                    match k.as_str() {
                        "into" => into = Some(bx(v)),
                        other => return self.fail(pos, format!("for option {other}: is not in otpsim's subset")),
                    }
                }
                Kind::For(steps, into, bx(body))
            }
            "try" => {
                let body = as_expr(block(&mut c, "do"), self)?;
                let mut rescues = Vec::new();
                for cl in as_clauses(block(&mut c, "rescue"), self)? {
                    rescues.push(rescue(cl, self)?);
                }
                let catches = as_clauses(block(&mut c, "catch"), self)?;
                let after = match block(&mut c, "after") {
                    None => None,
                    s => Some(bx(as_expr(s, self)?)),
                };
                if block(&mut c, "else").is_some() {
                    return self.fail(pos, "try ... else is not in otpsim's subset");
                }
                Kind::Try(bx(body), rescues, catches, after)
            }
            "def" | "defp" => {
                let body = as_expr(block(&mut c, "do"), self)?;
                let head = one_arg(&mut c, self)?;
                Kind::Local(Atom::new(&c.name), vec![head, body])
            }
            "defmodule" => {
                let name = one_arg(&mut c, self)?;
                let body = as_expr(block(&mut c, "do"), self)?;
                Kind::Local(Atom::new("defmodule"), vec![name, body])
            }
            _ => {
                if !c.blocks.is_empty() {
                    return self.fail(
                        pos,
                        format!("{}/{} with a do block is not in otpsim's subset", c.name, c.args.len() + 1),
                    );
                }
                let args = with_kw(c.args, c.kw, pos);
                return Ok(Expr::new(pos, Kind::Local(Atom::new(&c.name), args)));
            }
        };
        if !c.blocks.is_empty() {
            let names: Vec<&str> = c.blocks.iter().map(|(k, _)| k.as_str()).collect();
            return self.fail(pos, format!("unexpected {} in {}", names.join(", "), c.name));
        }
        if !c.kw.is_empty() {
            return self.fail(pos, format!("unexpected options in {}", c.name));
        }
        Ok(Expr::new(pos, kind))
    }
}

/// Splits `pats when guard` into the patterns and the guard.
fn split_guard(pats: &mut [Expr]) -> Option<Expr> {
    let last = pats.last_mut()?;
    if let Kind::Local(w, args) = &mut last.kind {
        if *w == Atom::new("when") && args.len() == 2 {
            let guard = args.pop();
            let pat = args.pop();
            if let Some(p) = pat {
                *last = p;
            }
            return guard;
        }
    }
    None
}

/// A `for`/`with` argument as a step.
fn step(e: Expr) -> Step {
    match e.kind {
        Kind::Local(w, mut args) if w == Atom::new("<-") && args.len() == 2 => {
            let expr = args.pop().unwrap_or_else(|| lit(e.pos, Term::nil()));
            let mut pats = vec![args.pop().unwrap_or_else(|| lit(e.pos, Term::nil()))];
            let guard = split_guard(&mut pats);
            Step { pat: pats.pop(), guard, expr, bare: false }
        }
        Kind::Match(p, v) => Step { pat: Some(*p), guard: None, expr: *v, bare: true },
        kind => Step { pat: None, guard: None, expr: Expr::new(e.pos, kind), bare: true },
    }
}

/// A rescue clause: `e in [A, B] ->`, `A ->` or `e ->`.
fn rescue(cl: Clause, p: &Parser) -> Result<Rescue, CompileError> {
    let pos = cl.body.pos;
    let [pat] = <[Expr; 1]>::try_from(cl.pats).or_else(|_| p.fail(pos, "rescue clauses take one pattern"))?;
    let alias = |e: &Expr| match &e.kind {
        Kind::Lit(Term::Atom(a)) => Some(*a),
        _ => None,
    };
    match pat.kind {
        Kind::Var(v) => Ok(Rescue { var: Some(v), kinds: vec![], body: cl.body }),
        Kind::Wild => Ok(Rescue { var: None, kinds: vec![], body: cl.body }),
        Kind::Lit(Term::Atom(a)) => Ok(Rescue { var: None, kinds: vec![a], body: cl.body }),
        Kind::Bin(BinOp::In, v, kinds) => {
            let var = match v.kind {
                Kind::Var(v) => Some(v),
                _ => None,
            };
            let kinds = match &kinds.kind {
                Kind::List(items, None) => items.iter().filter_map(alias).collect(),
                _ => alias(&kinds).into_iter().collect(),
            };
            Ok(Rescue { var, kinds, body: cl.body })
        }
        _ => p.fail(pos, "unsupported rescue pattern"),
    }
}

/// A keyword list `[k: v, …]` as an expression.
fn kw_list(kw: Vec<(String, Expr)>, pos: Pos) -> Expr {
    let items = kw.into_iter().map(|(k, v)| Expr::new(pos, Kind::Tuple(vec![lit(pos, Term::atom(&k)), v]))).collect();
    Expr::new(pos, Kind::List(items, None))
}

fn with_kw(mut args: Vec<Expr>, kw: Vec<(String, Expr)>, pos: Pos) -> Vec<Expr> {
    if !kw.is_empty() {
        args.push(kw_list(kw, pos));
    }
    args
}

/// `lhs |> rhs`: `lhs` becomes the first argument of the call `rhs`.
fn pipe(lhs: Expr, rhs: Expr) -> Result<Expr, CompileError> {
    let pos = rhs.pos;
    let kind = match rhs.kind {
        Kind::Local(n, mut args) => {
            args.insert(0, lhs);
            Kind::Local(n, args)
        }
        Kind::Remote(m, n, mut args) => {
            args.insert(0, lhs);
            Kind::Remote(m, n, args)
        }
        Kind::Apply(f, mut args) => {
            args.insert(0, lhs);
            Kind::Apply(f, args)
        }
        Kind::Var(n) => Kind::Local(n, vec![lhs]),
        _ => {
            return Err(CompileError { pos, msg: "the right side of |> must be a function call".into() });
        }
    };
    Ok(Expr::new(pos, kind))
}
