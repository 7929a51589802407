//! Errors: compile errors with their position, and raised exceptions as
//! the evaluator carries them (an Erlang-level reason, as the BEAM would
//! report it) with their translation into Elixir's exception structs and
//! the one-line form Elixir 1.14 prints.

use std::fmt;

use super::ast::Pos;
use super::inspect::inspect;
use crate::term::{Atom, Term};

/// A syntax or compile error, shown as Elixir does:
/// `nofile:1:5: syntax error before: ')'`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CompileError {
    pub pos: Pos,
    pub msg: String,
}

impl fmt::Display for CompileError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "nofile:{}:{}: {}", self.pos.line, self.pos.col, self.msg)
    }
}

/// How evaluation stopped early: as Erlang's three classes of exception.
/// `Error` holds the reason as Erlang raises it (`badarith`,
/// `{:badmatch, v}`, or an Elixir exception struct for `raise`), so a
/// process that dies of it exits with the reason OTP would report, and,
/// when the reason alone cannot say it, the term Elixir would name in the
/// message (the map of a failed `%{m | k: v}`, whose reason is only
/// `{:badkey, k}`; Elixir finds the map in the stack trace).
#[derive(Clone, Debug)]
pub enum Raise {
    Error(Term, Option<Term>),
    Throw(Term),
    Exit(Term),
}

/// What the evaluator returns.
pub type Eval<T = Term> = Result<T, Box<Raise>>;

/// An `error` raise with an Erlang-level reason.
pub(crate) fn error<T>(reason: Term) -> Eval<T> {
    Err(Box::new(Raise::Error(reason, None)))
}

/// An `error` raise whose message names `term` (see [`Raise`]).
pub(crate) fn error_in<T>(reason: Term, term: Term) -> Eval<T> {
    Err(Box::new(Raise::Error(reason, Some(term))))
}

/// `{tag, value}` as an error.
pub(crate) fn error2<T>(tag: &str, v: Term) -> Eval<T> {
    error(Term::tuple(vec![Term::atom(tag), v]))
}

/// An Elixir exception struct: `%Kind{message: msg}` plus the fields.
pub(crate) fn exception(kind: &str, fields: Vec<(&str, Term)>) -> Term {
    let name = format!("Elixir.{kind}");
    let mut entries =
        vec![(Term::atom("__struct__"), Term::atom(&name)), (Term::atom("__exception__"), Term::bool(true))];
    entries.extend(fields.into_iter().map(|(k, v)| (Term::atom(k), v)));
    Term::map(entries)
}

/// `ArgumentError` with a message, as `raise ArgumentError, msg` makes it.
pub(crate) fn arg_error<T>(msg: &str) -> Eval<T> {
    error(exception("ArgumentError", vec![("message", Term::str(msg))]))
}

/// A `badarg` error for an Erlang BIF with the explanation Elixir 1.14
/// prints for it (`* 1st argument: not a list`).
pub(crate) fn badarg<T>(nth: usize, why: &str) -> Eval<T> {
    let ord = match nth {
        1 => "1st",
        2 => "2nd",
        3 => "3rd",
        _ => "4th",
    };
    arg_error(&format!("errors were found at the given arguments:\n\n  * {ord} argument: {why}\n"))
}

/// `UndefinedFunctionError` for a function the subset does not have: the
/// message is Elixir's plus ", or not in otpsim's subset".
pub(crate) fn undefined<T>(module: &str, name: &str, arity: usize) -> Eval<T> {
    undefined_as(module, name, arity, ", or not in otpsim's subset")
}

/// `UndefinedFunctionError` as Elixir words it, with `suffix` appended.
pub(crate) fn undefined_as<T>(module: &str, name: &str, arity: usize, suffix: &str) -> Eval<T> {
    let m = module.strip_prefix("Elixir.").map(str::to_string).unwrap_or_else(|| format!(":{module}"));
    error(exception(
        "UndefinedFunctionError",
        vec![
            ("module", Term::atom(module)),
            ("function", Term::atom(name)),
            ("arity", Term::Int(arity as i64)),
            ("message", Term::str(&format!("function {m}.{name}/{arity} is undefined or private{suffix}"))),
        ],
    ))
}

/// The Elixir exception struct for an Erlang-level error reason, as
/// `Exception.normalize/2` makes it when code rescues it.
pub(crate) fn normalize(reason: &Term, context: Option<&Term>) -> Term {
    if is_exception(reason) {
        return reason.clone();
    }
    if let (Some([tag, k]), Some(m)) = (reason.as_tuple(), context) {
        if tag.is_atom(Atom::new("badkey")) {
            return exception("KeyError", vec![("key", k.clone()), ("term", m.clone())]);
        }
    }
    let msg = |kind: &str, m: String| exception(kind, vec![("message", Term::str(&m))]);
    if let Some(a) = reason.as_atom() {
        return match &*a.name() {
            "badarith" => msg("ArithmeticError", "bad argument in arithmetic expression".into()),
            "badarg" => msg("ArgumentError", "argument error".into()),
            "function_clause" => exception("FunctionClauseError", vec![]),
            "cond_clause" => msg("CondClauseError", "no cond clause evaluated to a truthy value".into()),
            "undef" => msg("UndefinedFunctionError", "undefined function".into()),
            "system_limit" => msg("SystemLimitError", "a system limit has been reached".into()),
            _ => exception("ErlangError", vec![("original", reason.clone())]),
        };
    }
    if let Some([tag, v]) = reason.as_tuple() {
        if let Some(t) = tag.as_atom() {
            let fields = |kind: &str, f: &str| exception(kind, vec![(f, v.clone())]);
            match &*t.name() {
                "badmatch" => return fields("MatchError", "term"),
                "case_clause" => return fields("CaseClauseError", "term"),
                "try_clause" => return fields("TryClauseError", "term"),
                "with_clause" => return fields("WithClauseError", "term"),
                "badmap" => return fields("BadMapError", "term"),
                "badbool" => return fields("BadBooleanError", "term"),
                "badfun" => return fields("BadFunctionError", "term"),
                "badkey" => return exception("KeyError", vec![("key", v.clone()), ("term", Term::nil())]),
                _ => {}
            }
        }
    }
    if let Some([tag, k, m]) = reason.as_tuple() {
        if tag.is_atom(Atom::new("badkey")) {
            return exception("KeyError", vec![("key", k.clone()), ("term", m.clone())]);
        }
        if tag.is_atom(Atom::new("badarity")) {
            return exception("BadArityError", vec![("function", k.clone()), ("args", m.clone())]);
        }
    }
    exception("ErlangError", vec![("original", reason.clone())])
}

pub(crate) fn is_exception(t: &Term) -> bool {
    t.map_get(&Term::atom("__exception__")).is_some_and(|v| v.is_atom(Atom::TRUE))
}

/// The exception's module name without `Elixir.`: `RuntimeError`.
pub(crate) fn exception_name(e: &Term) -> String {
    match e.map_get(&Term::atom("__struct__")).and_then(Term::as_atom) {
        Some(a) => a.name().strip_prefix("Elixir.").unwrap_or(&a.name()).to_string(),
        None => "ErlangError".into(),
    }
}

/// `Exception.message/1` for the kinds the subset raises.
pub(crate) fn exception_message(e: &Term) -> String {
    let field = |f: &str| e.map_get(&Term::atom(f)).cloned().unwrap_or_else(Term::nil);
    match exception_name(e).as_str() {
        "MatchError" => format!("no match of right hand side value: {}", inspect(&field("term"))),
        "CaseClauseError" => format!("no case clause matching: {}", inspect(&field("term"))),
        "TryClauseError" => format!("no try clause matching: {}", inspect(&field("term"))),
        "WithClauseError" => format!("no with clause matching: {}", inspect(&field("term"))),
        "BadMapError" => format!("expected a map, got: {}", inspect(&field("term"))),
        "BadBooleanError" => format!("expected a boolean on left-side of \"and\", got: {}", inspect(&field("term"))),
        "BadFunctionError" => format!("expected a function, got: {}", inspect(&field("term"))),
        "BadArityError" => {
            let args = field("args");
            let n = args.as_list().map_or(0, |l| l.len());
            let shown: Vec<String> = args.as_list().unwrap_or(&[]).iter().map(inspect).collect();
            let f = field("function");
            let arity = match &f {
                Term::Fun(fun) => fun_arity(&fun.label),
                _ => None,
            }
            .unwrap_or(0usize);
            let which = if n == 1 { "argument" } else { "arguments" };
            format!("{} with arity {arity} called with {n} {which} ({})", inspect(&f), shown.join(", "))
        }
        "KeyError" => {
            let t = field("term");
            if t.is_atom(Atom::NIL) {
                format!("key {} not found", inspect(&field("key")))
            } else {
                format!("key {} not found in: {}", inspect(&field("key")), inspect(&t))
            }
        }
        "FunctionClauseError" => {
            match (field("module").as_atom(), field("function").as_atom(), field("arity").as_int()) {
                (Some(m), Some(f), Some(a)) => {
                    let mname = m.name();
                    let shown =
                        mname.strip_prefix("Elixir.").map(str::to_string).unwrap_or_else(|| format!(":{mname}"));
                    format!("no function clause matching in {shown}.{}/{a}", f.name())
                }
                _ => "no function clause matches".into(),
            }
        }
        "ErlangError" => format!("Erlang error: {}", inspect(&field("original"))),
        _ => match field("message") {
            Term::Str(s) => s.to_string(),
            other => inspect(&other),
        },
    }
}

/// The arity in a function label: `#Function<3/1 in …>` or `&Mod.f/2`.
pub(crate) fn fun_arity(label: &str) -> Option<usize> {
    let head = label.split(" in ").next().unwrap_or(label);
    head.rsplit('/').next().and_then(|s| s.trim_end_matches('>').parse().ok())
}

/// The line Elixir 1.14 prints for an uncaught raise:
/// `** (MatchError) no match of right hand side value: 1`.
pub fn describe(r: &Raise) -> String {
    match r {
        Raise::Error(reason, context) => {
            let e = normalize(reason, context.as_ref());
            format!("** ({}) {}", exception_name(&e), exception_message(&e))
        }
        Raise::Throw(v) => format!("** (throw) {}", inspect(v)),
        Raise::Exit(v) => format!("** (exit) {}", inspect(v)),
    }
}
