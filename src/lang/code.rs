//! The code server: loaded modules by name, each compiled from a
//! `defmodule` into functions grouped by name and arity, and replaced as a
//! whole when a new version is loaded (hot code loading).
//!
//! As on the BEAM, a fully qualified call (`Counter.handle_call(…)`, and
//! every behaviour callback) reaches the newest version, while a running
//! function keeps the version it started in until it makes such a call.

use std::cell::{Cell, RefCell};
#[cfg(not(all(target_arch = "wasm32", feature = "web")))]
use std::collections::HashMap;
use std::rc::Rc;

use super::ast::{Clause, Expr, Kind, Pos};
use super::error::CompileError;
use crate::term::{Atom, Term};

/// One function: all clauses of `name/arity`.
#[derive(Debug)]
pub(crate) struct FunDef {
    pub name: Atom,
    pub private: bool,
    pub clauses: Vec<Clause>,
}

/// A compiled module.
#[derive(Debug)]
pub(crate) struct Module {
    pub name: Atom,
    /// Sorted by `(name, arity)` for binary search.
    funs: Vec<((Atom, usize), Rc<FunDef>)>,
    attrs: Vec<(Atom, Term)>,
    /// `defstruct` fields and defaults.
    pub struct_fields: Vec<(Term, Term)>,
    /// Whether the module says `use GenServer`.
    pub gen_server: bool,
    /// Counts loads of this module name, from 1.
    pub version: u64,
}

impl Module {
    pub fn get(&self, name: Atom, arity: usize) -> Option<Rc<FunDef>> {
        let key = (name, arity);
        self.funs.iter().find(|(k, _)| *k == key).map(|(_, d)| d.clone())
    }

    pub fn attr(&self, name: Atom) -> Option<Term> {
        self.attrs.iter().rev().find(|(n, _)| *n == name).map(|(_, v)| v.clone())
    }
}

/// The modules loaded in one simulation, shared by its processes.
#[derive(Default)]
pub struct Code {
    // Not in the playground's wasm, where no module is ever loaded (see
    // `Code::load`): the table's hashing and the modules' drop code would
    // be linked in for nothing.
    #[cfg(not(all(target_arch = "wasm32", feature = "web")))]
    modules: RefCell<HashMap<Atom, Rc<Module>>>,
    next_fun: Cell<u64>,
    /// What `IO.puts` and `IO.inspect` printed, oldest first, at most
    /// [`MAX_OUTPUT`] lines (the oldest are dropped).
    output: RefCell<std::collections::VecDeque<String>>,
}

/// How many printed lines the code server keeps.
pub const MAX_OUTPUT: usize = 1000;

/// How a module name prints: `Counter`, or `:lists` for Erlang modules.
pub(crate) fn module_name(a: Atom) -> String {
    let n = a.name();
    match n.strip_prefix("Elixir.") {
        Some(s) => s.to_string(),
        None => format!(":{n}"),
    }
}

/// Why a module cannot be loaded in the playground's wasm.
pub const NOT_IN_THE_BROWSER: &str =
    "Elixir modules run in the native build only for now: the interpreter does not fit the browser's 400 KiB wasm budget yet";

impl Code {
    pub fn new() -> Rc<Code> {
        Rc::new(Code::default())
    }

    pub(crate) fn get(&self, name: Atom) -> Option<Rc<Module>> {
        #[cfg(not(all(target_arch = "wasm32", feature = "web")))]
        return self.modules.borrow().get(&name).cloned();
        #[cfg(all(target_arch = "wasm32", feature = "web"))]
        {
            let _ = name;
            None
        }
    }

    /// Whether `name` is loaded and says `use GenServer`.
    pub fn is_gen_server(&self, name: Atom) -> bool {
        self.get(name).is_some_and(|m| m.gen_server)
    }

    /// The loaded version of a module, if it is loaded.
    pub fn version(&self, name: Atom) -> Option<u64> {
        self.get(name).map(|m| m.version)
    }

    /// Every loaded module: its name as Elixir prints it (`Counter`), its
    /// version and whether it says `use GenServer`, sorted by name (the
    /// table is a hash map; its order must not reach an answer).
    pub fn loaded(&self) -> Vec<(String, u64, bool)> {
        #[cfg(not(all(target_arch = "wasm32", feature = "web")))]
        {
            let mut v: Vec<(String, u64, bool)> =
                self.modules.borrow().values().map(|m| (module_name(m.name), m.version, m.gen_server)).collect();
            v.sort();
            v
        }
        #[cfg(all(target_arch = "wasm32", feature = "web"))]
        Vec::new()
    }

    pub(crate) fn print(&self, line: String) {
        let mut out = self.output.borrow_mut();
        if out.len() == MAX_OUTPUT {
            out.pop_front();
        }
        out.push_back(line);
    }

    /// Takes what was printed since the last call.
    pub fn take_output(&self) -> Vec<String> {
        self.output.borrow_mut().drain(..).collect()
    }

    pub(crate) fn next_fun_id(&self) -> u64 {
        let id = self.next_fun.get();
        self.next_fun.set(id + 1);
        id
    }

    /// Loads every `defmodule` in `src` (nothing else may appear at the top
    /// level) and returns the module names, in order. A module already
    /// loaded is replaced by its new version.
    pub fn load(&self, src: &str) -> Result<Vec<Atom>, CompileError> {
        // The playground's wasm leaves the interpreter out: it is about
        // 100 KB of gzipped wasm, and the page's budget is 400 KiB (see
        // LANGUAGE.md). With no module ever loaded there, nothing reaches the
        // parser or the evaluator, and the linker drops both.
        #[cfg(all(target_arch = "wasm32", feature = "web"))]
        {
            let _ = src;
            Err(CompileError { pos: Default::default(), msg: NOT_IN_THE_BROWSER.into() })
        }
        #[cfg(not(all(target_arch = "wasm32", feature = "web")))]
        self.load_source(src)
    }

    #[cfg(not(all(target_arch = "wasm32", feature = "web")))]
    fn load_source(&self, src: &str) -> Result<Vec<Atom>, CompileError> {
        let top = super::parser::parse_source(src)?;
        let forms = match top.kind {
            Kind::Block(items) => items,
            _ => vec![top],
        };
        let mut names = Vec::new();
        for f in &forms {
            match &f.kind {
                Kind::Local(w, args) if *w == Atom::new("defmodule") && args.len() == 2 => {
                    let Kind::Lit(Term::Atom(name)) = args[0].kind else {
                        return Err(CompileError { pos: f.pos, msg: "expected a module name after defmodule".into() });
                    };
                    self.define(name, &args[1], &f.pos)?;
                    names.push(name);
                }
                _ => {
                    return Err(CompileError {
                        pos: f.pos,
                        msg: "only defmodule is allowed at the top level of a module source".into(),
                    })
                }
            }
        }
        Ok(names)
    }

    /// Compiles a module body and installs it under `name`.
    pub(crate) fn define(&self, name: Atom, body: &Expr, _pos: &Pos) -> Result<(), CompileError> {
        let forms: &[Expr] = match &body.kind {
            Kind::Block(items) => items,
            Kind::Lit(Term::Atom(Atom::NIL)) => &[],
            _ => std::slice::from_ref(body),
        };
        let mut funs: Vec<((Atom, usize), FunDef)> = Vec::new();
        let mut attrs = Vec::new();
        let mut struct_fields = Vec::new();
        let mut gen_server = false;
        for f in forms {
            let err = |msg: &str| CompileError { pos: f.pos, msg: msg.into() };
            let Kind::Local(w, args) = &f.kind else {
                return Err(err(
                    "only def, defp, use, defstruct and @attributes are in otpsim's subset inside defmodule",
                ));
            };
            match (&*w.name(), args.as_slice()) {
                ("def" | "defp", [head, fbody]) => {
                    let private = &*w.name() == "defp";
                    let (call, guard) = match &head.kind {
                        Kind::Local(wh, ga) if *wh == Atom::new("when") && ga.len() == 2 => {
                            (&ga[0], Some(ga[1].clone()))
                        }
                        _ => (head, None),
                    };
                    let (fname, params) = match &call.kind {
                        Kind::Local(n, ps) => (*n, ps.clone()),
                        Kind::Var(n) => (*n, vec![]),
                        _ => return Err(err("invalid function head in def")),
                    };
                    // Default arguments `x \\ value` make the shorter arities.
                    let mut pats = Vec::new();
                    let mut defaults = Vec::new();
                    for (i, p) in params.into_iter().enumerate() {
                        match p.kind {
                            Kind::Local(d, mut dv) if d == Atom::new("\\\\") && dv.len() == 2 => {
                                let dflt = dv.pop();
                                let pat = dv.pop();
                                if let (Some(pat), Some(dflt)) = (pat, dflt) {
                                    defaults.push((i, dflt));
                                    pats.push(pat);
                                }
                            }
                            kind => pats.push(Expr::new(p.pos, kind)),
                        }
                    }
                    let arity = pats.len();
                    for k in 1..=defaults.len() {
                        // The arity that leaves out the last `k` defaults.
                        let left_out: Vec<usize> = defaults[defaults.len() - k..].iter().map(|(i, _)| *i).collect();
                        let mut heads = Vec::new();
                        let mut call_args = Vec::new();
                        for i in 0..arity {
                            if let Some((_, d)) = defaults.iter().find(|(j, _)| *j == i && left_out.contains(j)) {
                                call_args.push(d.clone());
                            } else {
                                let v = Expr::new(f.pos, Kind::Var(Atom::new(&format!("&arg{i}"))));
                                heads.push(v.clone());
                                call_args.push(v);
                            }
                        }
                        let body = Expr::new(f.pos, Kind::Local(fname, call_args));
                        add(&mut funs, fname, heads.len(), private, Clause { pats: heads, guard: None, body }, f.pos)?;
                    }
                    add(&mut funs, fname, arity, private, Clause { pats, guard, body: fbody.clone() }, f.pos)?;
                }
                ("use", [m, ..]) => match &m.kind {
                    Kind::Lit(Term::Atom(a)) if &*a.name() == "Elixir.GenServer" => gen_server = true,
                    _ => return Err(err("only `use GenServer` is in otpsim's subset")),
                },
                ("@", [n, v]) => {
                    let Kind::Lit(Term::Atom(n)) = n.kind else { return Err(err("invalid attribute")) };
                    attrs.push((
                        n,
                        const_value(v)
                            .ok_or_else(|| err("module attributes must be literal values in otpsim's subset"))?,
                    ));
                }
                ("defstruct", [fields]) => {
                    let v = const_value(fields).ok_or_else(|| err("defstruct takes a literal list of fields"))?;
                    for x in v.as_list().unwrap_or(&[]) {
                        match x {
                            Term::Atom(_) => struct_fields.push((x.clone(), Term::nil())),
                            Term::Tuple(kv) if kv.len() == 2 => struct_fields.push((kv[0].clone(), kv[1].clone())),
                            _ => return Err(err("invalid defstruct field")),
                        }
                    }
                }
                ("require" | "import" | "alias", _) => {}
                _ => {
                    return Err(err(
                        "only def, defp, use, defstruct and @attributes are in otpsim's subset inside defmodule",
                    ))
                }
            }
        }
        let version = self.version(name).map_or(1, |v| v + 1);
        let mut funs: Vec<((Atom, usize), Rc<FunDef>)> = funs.into_iter().map(|(k, d)| (k, Rc::new(d))).collect();
        funs.shrink_to_fit();
        let m = Module { name, funs, attrs, struct_fields, gen_server, version };
        #[cfg(not(all(target_arch = "wasm32", feature = "web")))]
        self.modules.borrow_mut().insert(name, Rc::new(m));
        #[cfg(all(target_arch = "wasm32", feature = "web"))]
        drop(m);
        Ok(())
    }
}

fn add(
    funs: &mut Vec<((Atom, usize), FunDef)>,
    name: Atom,
    arity: usize,
    private: bool,
    c: Clause,
    pos: Pos,
) -> Result<(), CompileError> {
    match funs.iter_mut().find(|(k, _)| *k == (name, arity)) {
        Some((_, d)) => {
            if d.private != private {
                let kind = if private { "defp" } else { "def" };
                return Err(CompileError {
                    pos,
                    msg: format!(
                        "{kind} {}/{arity} already defined as {}",
                        name.name(),
                        if private { "def" } else { "defp" }
                    ),
                });
            }
            d.clauses.push(c);
        }
        None => funs.push(((name, arity), FunDef { name, private, clauses: vec![c] })),
    }
    Ok(())
}

/// The value of a literal expression (for attributes and `defstruct`).
fn const_value(e: &Expr) -> Option<Term> {
    Some(match &e.kind {
        Kind::Lit(t) => t.clone(),
        Kind::Tuple(items) => Term::tuple(items.iter().map(const_value).collect::<Option<Vec<_>>>()?),
        Kind::List(items, None) => Term::list(items.iter().map(const_value).collect::<Option<Vec<_>>>()?),
        Kind::Map(entries) => Term::map(
            entries.iter().map(|(k, v)| Some((const_value(k)?, const_value(v)?))).collect::<Option<Vec<_>>>()?,
        ),
        Kind::Un(super::ast::UnOp::Neg, x) => super::ops::neg(&const_value(x)?).ok()?,
        _ => return None,
    })
}
