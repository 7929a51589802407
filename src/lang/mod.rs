//! A small subset of Elixir, interpreted by the runtime: modules with
//! `use GenServer` run as ordinary otpsim processes. LANGUAGE.md lists what
//! the subset holds and leaves out.
//!
//! - `lexer`, `parser`, `ast`: source text to a syntax tree with line:column
//!   positions; compile errors read as Elixir's.
//! - `eval`: the evaluator (environments, control flow, calls, tail calls,
//!   reductions); `pattern`: matching and guards; `ops`: operators and guard
//!   BIFs; `stdlib`: the standard library subset; `inspect`: `inspect/1`.
//! - `error`: raised exceptions and Elixir's one-line rendering of them.
//! - `code`: the code server (loaded modules, versions, hot loading).
//! - `process`: spawn/send/`Process`/`GenServer` and [`ModuleServer`], the
//!   GenServer that runs a module.

mod ast;
mod code;
mod error;
mod eval;
mod inspect;
mod lexer;
mod ops;
mod parser;
mod pattern;
mod process;
mod stack;
mod stdlib;

pub use ast::Pos;
pub use code::{Code, NOT_IN_THE_BROWSER};
pub use error::{describe, CompileError, Raise};
pub use eval::Interp;
pub use process::{eval_source, exit_reason, spawn_call, start_fn, ModuleServer, MAX_EVAL_REDUCTIONS};

/// `"Kind: message"` when `t` is an exception struct (`RuntimeError: boom`),
/// as `inspect(e.__struct__) <> ": " <> Exception.message(e)` gives it.
pub fn exception_line(t: &crate::term::Term) -> Option<String> {
    if !error::is_exception(t) {
        return None;
    }
    Some(format!("{}: {}", error::exception_name(t), error::exception_message(t)))
}

/// `inspect/1` of a term, as Elixir 1.14 prints it.
pub fn inspect(t: &crate::term::Term) -> String {
    inspect::inspect(t)
}
