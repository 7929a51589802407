//! The evaluator: a tree-walking interpreter over the syntax tree, run as
//! (part of) an otpsim process body.
//!
//! Evaluation is `async` because `receive`, `GenServer.call` and
//! `Process.sleep` block the process; each nested evaluation is a boxed
//! future, so deep nesting costs heap, not stack. Calls in tail position do
//! not nest at all: they return [`Flow::Tail`] to the calling loop, so a
//! server's `loop/1` runs forever in constant space, as on the BEAM.
//! Non-tail recursion is bounded by the stack guard of `stack.rs` (and by
//! [`MAX_DEPTH`]) with a `SystemLimitError`, so that hostile code cannot
//! overflow the stack.
//!
//! Every function call charges one reduction through [`Ctx::work`], as the
//! BEAM counts them, so interpreted loops are preempted like any process
//! and burn virtual time.

use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;

use super::ast::{BinOp, Clause, Expr, Kind, UnOp};
use super::code::{Code, FunDef, Module};
use super::error::{error, error2, exception, normalize, Eval, Raise};
use super::ops;
use super::pattern::{guard, pmatch};
use crate::runtime::Ctx;
use crate::term::{Atom, Fun, Term};

/// How many non-tail calls may nest (the stack guard usually stops them
/// first: see `stack.rs`).
pub(crate) const MAX_DEPTH: usize = 10_000;

pub(crate) type Fut<'a, T> = Pin<Box<dyn Future<Output = Eval<T>> + 'a>>;

/// Variable bindings (the latest binding of a name wins) and the module
/// whose functions local calls reach.
#[derive(Clone, Default)]
pub(crate) struct Env {
    pub vars: Vec<(Atom, Term)>,
    pub module: Option<Rc<Module>>,
}

impl Env {
    pub fn new(module: Option<Rc<Module>>) -> Env {
        Env { vars: Vec::new(), module }
    }

    pub fn get(&self, name: Atom) -> Option<&Term> {
        self.vars.iter().rev().find(|(n, _)| *n == name).map(|(_, v)| v)
    }
}

/// What a function value calls.
pub(crate) enum FunBody {
    Lambda {
        clauses: Rc<[Clause]>,
        env: Env,
        arity: usize,
    },
    /// `&Mod.name/arity`.
    Remote {
        module: Atom,
        name: Atom,
        arity: usize,
    },
}

/// The result of evaluating in tail position.
pub(crate) enum Flow {
    Val(Term),
    Tail(Rc<Module>, Rc<FunDef>, Vec<Term>),
}

/// One process's interpreter: its runtime handle and the code it runs.
pub struct Interp {
    pub(crate) ctx: Ctx,
    pub(crate) code: Rc<Code>,
    depth: std::cell::Cell<usize>,
    stack: super::stack::Guard,
}

impl Interp {
    pub fn new(ctx: Ctx, code: Rc<Code>) -> Interp {
        Interp { ctx, code, depth: std::cell::Cell::new(0), stack: super::stack::Guard::default() }
    }

    /// One reduction, yielding when the slice is spent.
    pub(crate) async fn tick(&self) {
        self.ctx.work(1).await;
    }

    /// The value of a literal or a variable, without a future: most
    /// operands are one, and a boxed future per operand would dominate.
    fn quick(env: &Env, e: &Expr) -> Option<Eval> {
        match &e.kind {
            Kind::Lit(t) => Some(Ok(t.clone())),
            Kind::Var(name) => Some(match env.get(*name) {
                Some(v) => Ok(v.clone()),
                None => undefined_var(*name),
            }),
            _ => None,
        }
    }

    /// Evaluates `e`, taking the quick path for literals and variables.
    pub(crate) async fn value(&self, env: &mut Env, e: &Expr) -> Eval {
        match Self::quick(env, e) {
            Some(v) => v,
            None => self.eval(env, e).await,
        }
    }

    pub(crate) fn eval<'a>(&'a self, env: &'a mut Env, e: &'a Expr) -> Fut<'a, Term> {
        Box::pin(async move {
            match self.eval_tail(env, e).await? {
                Flow::Val(v) => Ok(v),
                Flow::Tail(m, d, args) => self.call_def(m, d, args).await,
            }
        })
    }

    /// Evaluates a sequence of expressions for their values.
    pub(crate) async fn eval_all(&self, env: &mut Env, es: &[Expr]) -> Eval<Vec<Term>> {
        let mut out = Vec::with_capacity(es.len());
        for e in es {
            out.push(self.value(env, e).await?);
        }
        Ok(out)
    }

    pub(crate) fn eval_tail<'a>(&'a self, env: &'a mut Env, e: &'a Expr) -> Fut<'a, Flow> {
        Box::pin(async move {
            let v = match &e.kind {
                Kind::Lit(t) => t.clone(),
                Kind::Var(name) => match env.get(*name) {
                    Some(v) => v.clone(),
                    None => return undefined_var(*name),
                },
                Kind::Wild | Kind::Pin(_) => {
                    return error(exception(
                        "CompileError",
                        vec![("message", Term::str("invalid use of _ or ^ outside of a pattern"))],
                    ))
                }
                Kind::Tuple(items) => Term::tuple(self.eval_all(env, items).await?),
                Kind::List(items, tail) => {
                    let mut out = self.eval_all(env, items).await?;
                    if let Some(t) = tail {
                        match self.eval(env, t).await? {
                            Term::List(rest) => out.extend(rest.iter().cloned()),
                            _ => {
                                return error(exception(
                                    "ArgumentError",
                                    vec![("message", Term::str("improper lists are not in otpsim's subset"))],
                                ))
                            }
                        }
                    }
                    Term::list(out)
                }
                Kind::Map(entries) => {
                    let mut out = Vec::with_capacity(entries.len());
                    for (k, v) in entries {
                        out.push((self.eval(env, k).await?, self.eval(env, v).await?));
                    }
                    Term::map(out)
                }
                Kind::Struct(name, entries) => {
                    let mut out = vec![(Term::atom("__struct__"), Term::Atom(*name))];
                    if let Some(m) = self.code.get(*name) {
                        out.extend(m.struct_fields.iter().cloned());
                    }
                    for (k, v) in entries {
                        out.push((self.eval(env, k).await?, self.eval(env, v).await?));
                    }
                    Term::map(out)
                }
                Kind::MapUpdate(base, entries) => {
                    let mut m = self.eval(env, base).await?;
                    if m.as_map().is_none() {
                        return error2("badmap", m);
                    }
                    for (k, v) in entries {
                        let k = self.eval(env, k).await?;
                        let v = self.eval(env, v).await?;
                        if m.map_get(&k).is_none() {
                            // The BEAM's reason for a failed update names the
                            // key only; the message also shows the map.
                            return super::error::error_in(Term::tuple(vec![Term::atom("badkey"), k]), m);
                        }
                        m = m.map_put(k, v).unwrap_or(m);
                    }
                    m
                }
                Kind::Interp(parts) => {
                    let mut s = String::new();
                    for p in parts {
                        let v = self.eval(env, p).await?;
                        ops::to_string_into(&v, &mut s)?;
                    }
                    Term::str(&s)
                }
                Kind::Bin(op, a, b) => return Box::pin(self.binop(env, *op, a, b)).await.map(Flow::Val),
                Kind::Un(op, a) => {
                    let v = self.eval(env, a).await?;
                    match op {
                        UnOp::Neg => ops::neg(&v)?,
                        UnOp::Plus => match v {
                            Term::Int(_) | Term::Float(_) => v,
                            _ => return error(Term::Atom(Atom::BADARITH)),
                        },
                        UnOp::Bang => Term::bool(!ops::truthy(&v)),
                        UnOp::Not => match v.as_atom() {
                            Some(Atom::TRUE) => Term::bool(false),
                            Some(Atom::FALSE) => Term::bool(true),
                            _ => return error(Term::Atom(Atom::BADARG)),
                        },
                    }
                }
                Kind::Match(p, rhs) => {
                    let v = self.value(env, rhs).await?;
                    let mark = env.vars.len();
                    if !pmatch(env, mark, p, &v)? {
                        env.vars.truncate(mark);
                        return error2("badmatch", v);
                    }
                    v
                }
                // Boxed: `eval_tail`'s own future would otherwise hold the
                // largest of its arms' states, and every node would move it.
                Kind::Local(name, args) => return Box::pin(self.local(env, e, *name, args)).await,
                Kind::Remote(m, name, args) => {
                    let m = self.value(env, m).await?;
                    let args = self.eval_all(env, args).await?;
                    let Term::Atom(ma) = m else {
                        return error(Term::tuple(vec![Term::atom("badfun"), m]));
                    };
                    if let Some(module) = self.code.get(ma) {
                        if let Some(d) = module.get(*name, args.len()) {
                            if d.private {
                                return super::error::undefined_as(&ma.name(), &name.name(), args.len(), "");
                            }
                            self.tick().await;
                            return Ok(Flow::Tail(module, d, args));
                        }
                    }
                    if self.code.get(ma).is_some() {
                        return super::error::undefined_as(&ma.name(), &name.name(), args.len(), "");
                    }
                    self.remote(env, ma, *name, args).await?
                }
                Kind::Apply(f, args) => {
                    let f = self.eval(env, f).await?;
                    let args = self.eval_all(env, args).await?;
                    self.apply(&f, args).await?
                }
                Kind::Field(base, key) => {
                    let m = self.eval(env, base).await?;
                    match &m {
                        Term::Map(_) => match m.map_get(&Term::Atom(*key)) {
                            Some(v) => v.clone(),
                            None => return error(Term::tuple(vec![Term::atom("badkey"), Term::Atom(*key), m])),
                        },
                        // Elixir's `term.key` on anything but a map or a
                        // module raises `{:badkey, key, term}`.
                        _ => return error(Term::tuple(vec![Term::atom("badkey"), Term::Atom(*key), m])),
                    }
                }
                Kind::Access(base, key) => {
                    let m = self.eval(env, base).await?;
                    let k = self.eval(env, key).await?;
                    ops::access(&m, &k)?
                }
                Kind::Fn(clauses) => {
                    let arity = clauses.first().map_or(0, |c| c.pats.len());
                    let body = FunBody::Lambda { clauses: clauses.clone(), env: env.clone(), arity };
                    self.make_fun(body, env)
                }
                Kind::Capture(m, name, arity) => {
                    let module = match m {
                        Some(m) => match self.eval(env, m).await? {
                            Term::Atom(a) => a,
                            other => return error(Term::tuple(vec![Term::atom("badfun"), other])),
                        },
                        None => match &env.module {
                            Some(m) if m.get(*name, *arity as usize).is_some() => m.name,
                            _ => Atom::new("Elixir.Kernel"),
                        },
                    };
                    self.make_fun(FunBody::Remote { module, name: *name, arity: *arity as usize }, env)
                }
                Kind::Block(items) => {
                    let Some((last, init)) = items.split_last() else { return Ok(Flow::Val(Term::nil())) };
                    for x in init {
                        self.eval(env, x).await?;
                    }
                    return self.eval_tail(env, last).await;
                }
                Kind::Case(subject, clauses) => {
                    let v = self.value(env, subject).await?;
                    let mark = env.vars.len();
                    for c in clauses {
                        if self.clause_matches(env, mark, c, std::slice::from_ref(&v))? {
                            let r = self.eval_tail(env, &c.body).await;
                            env.vars.truncate(mark);
                            return r;
                        }
                    }
                    return error2("case_clause", v);
                }
                Kind::Cond(arms) => {
                    for (c, body) in arms {
                        if ops::truthy(&self.eval(env, c).await?) {
                            let mark = env.vars.len();
                            let r = self.eval_tail(env, body).await;
                            env.vars.truncate(mark);
                            return r;
                        }
                    }
                    return error(exception(
                        "CondClauseError",
                        vec![("message", Term::str("no cond clause evaluated to a truthy value"))],
                    ));
                }
                Kind::If(c, then, other) => {
                    let c = self.value(env, c).await?;
                    let mark = env.vars.len();
                    let r = self.eval_tail(env, if ops::truthy(&c) { then } else { other }).await;
                    env.vars.truncate(mark);
                    return r;
                }
                Kind::With(steps, body, other) => {
                    let mark = env.vars.len();
                    let r = Box::pin(self.with(env, mark, steps, body, other)).await;
                    env.vars.truncate(mark);
                    return r;
                }
                Kind::For(steps, into, body) => {
                    let mark = env.vars.len();
                    let mut out = Vec::new();
                    let r = self.comprehension(env, steps, body, &mut out).await;
                    env.vars.truncate(mark);
                    r?;
                    match into {
                        None => Term::list(out),
                        Some(into) => {
                            let target = self.eval(env, into).await?;
                            ops::into(target, out)?
                        }
                    }
                }
                Kind::Receive(clauses, after) => return Box::pin(self.receive(env, clauses, after)).await,
                Kind::Try(body, rescues, catches, after) => {
                    let mark = env.vars.len();
                    let r = self.eval(env, body).await;
                    env.vars.truncate(mark);
                    let r = match r {
                        Ok(v) => Ok(v),
                        Err(raise) => Box::pin(self.handle_raise(env, *raise, rescues, catches)).await,
                    };
                    if let Some(a) = after {
                        self.eval(env, a).await?;
                        env.vars.truncate(mark);
                    }
                    r?
                }
                Kind::Attr(name) => match env.module.as_ref().and_then(|m| m.attr(*name)) {
                    Some(v) => v,
                    None => Term::nil(),
                },
                Kind::Module => match &env.module {
                    Some(m) => Term::Atom(m.name),
                    None => Term::nil(),
                },
            };
            Ok(Flow::Val(v))
        })
    }

    async fn binop(&self, env: &mut Env, op: BinOp, a: &Expr, b: &Expr) -> Eval {
        let x = self.value(env, a).await?;
        match op {
            BinOp::AndAlso => {
                return if ops::truthy(&x) { self.eval(env, b).await } else { Ok(x) };
            }
            BinOp::OrElse => {
                return if ops::truthy(&x) { Ok(x) } else { self.eval(env, b).await };
            }
            BinOp::And | BinOp::Or => {
                let Some(bx) = x.as_atom().filter(|a| *a == Atom::TRUE || *a == Atom::FALSE) else {
                    let opname = if op == BinOp::And { "and" } else { "or" };
                    return error(exception("BadBooleanError", vec![("term", x), ("operator", Term::atom(opname))]));
                };
                let short = (op == BinOp::And) != (bx == Atom::TRUE);
                return if short { Ok(x) } else { self.eval(env, b).await };
            }
            _ => {}
        }
        let y = self.value(env, b).await?;
        ops::binary(op, &x, &y)
    }

    /// Whether a clause's patterns and guard accept `args`; on success the
    /// bindings stay in `env` (above `mark`), otherwise `env` is restored.
    pub(crate) fn clause_matches(&self, env: &mut Env, mark: usize, c: &Clause, args: &[Term]) -> Eval<bool> {
        if c.pats.len() != args.len() {
            return Ok(false);
        }
        for (p, a) in c.pats.iter().zip(args) {
            if !pmatch(env, mark, p, a)? {
                env.vars.truncate(mark);
                return Ok(false);
            }
        }
        if let Some(g) = &c.guard {
            if !guard(env, g) {
                env.vars.truncate(mark);
                return Ok(false);
            }
        }
        Ok(true)
    }

    /// Calls a module function until a result, following tail calls.
    pub(crate) async fn call_def(&self, mut m: Rc<Module>, mut d: Rc<FunDef>, mut args: Vec<Term>) -> Eval {
        let depth = self.depth.get();
        if depth >= MAX_DEPTH || self.stack.exhausted(depth) {
            return error(Term::atom("system_limit"));
        }
        self.depth.set(depth + 1);
        let r = async {
            loop {
                let mut env = Env::new(Some(m.clone()));
                let mut chosen = None;
                for (i, c) in d.clauses.iter().enumerate() {
                    if self.clause_matches(&mut env, 0, c, &args)? {
                        chosen = Some(i);
                        break;
                    }
                }
                let Some(i) = chosen else {
                    return error(exception(
                        "FunctionClauseError",
                        vec![
                            ("module", Term::Atom(m.name)),
                            ("function", Term::Atom(d.name)),
                            ("arity", Term::Int(args.len() as i64)),
                        ],
                    ));
                };
                let body = d.clauses.get(i).map(|c| &c.body);
                let Some(body) = body else { return error(Term::atom("function_clause")) };
                match self.eval_tail(&mut env, body).await? {
                    Flow::Val(v) => return Ok(v),
                    Flow::Tail(m2, d2, a2) => {
                        m = m2;
                        d = d2;
                        args = a2;
                    }
                }
            }
        }
        .await;
        self.depth.set(depth);
        r
    }

    /// A call `name(args)` without a module: special forms handled here,
    /// then the module's own functions, then `Kernel`.
    async fn local(&self, env: &mut Env, e: &Expr, name: Atom, args: &[Expr]) -> Eval<Flow> {
        let n = args.len();
        if let Some(m) = env.module.clone() {
            if let Some(d) = m.get(name, n) {
                let vals = self.eval_all(env, args).await?;
                self.tick().await;
                return Ok(Flow::Tail(m, d, vals));
            }
        }
        let s = name.name();
        match (&*s, args) {
            ("defmodule", [name_e, body]) => {
                let t = self.eval(env, name_e).await?;
                let Term::Atom(mname) = t else { return error(Term::atom("badarg")) };
                let r = self.code.define(mname, body, &e.pos);
                return match r {
                    Ok(()) => Ok(Flow::Val(Term::tuple(vec![
                        Term::atom("module"),
                        Term::Atom(mname),
                        Term::atom("<<...>>"),
                        Term::nil(),
                    ]))),
                    Err(ce) => error(exception("CompileError", vec![("message", Term::str(&ce.to_string()))])),
                };
            }
            (
                "def" | "defp" | "use" | "@" | "defstruct" | "when" | "<-" | "\\\\" | "import" | "alias" | "require",
                _,
            ) => {
                let msg = format!("undefined function {s}/{n} (there is no such import)");
                return error(exception("CompileError", vec![("message", Term::str(&msg))]));
            }
            _ => {}
        }
        let vals = self.eval_all(env, args).await?;
        self.remote(env, Atom::new("Elixir.Kernel"), name, vals).await.map(Flow::Val)
    }

    /// Calls a function value.
    pub(crate) fn apply<'a>(&'a self, f: &'a Term, args: Vec<Term>) -> Fut<'a, Term> {
        Box::pin(async move {
            let Term::Fun(fun) = f else {
                return error(Term::tuple(vec![Term::atom("badfun"), f.clone()]));
            };
            let Some(body) = fun.body.downcast_ref::<FunBody>() else {
                return error(Term::tuple(vec![Term::atom("badfun"), f.clone()]));
            };
            match body {
                FunBody::Lambda { clauses, env, arity } => {
                    if *arity != args.len() {
                        return error(Term::tuple(vec![Term::atom("badarity"), f.clone(), Term::list(args)]));
                    }
                    self.tick().await;
                    let depth = self.depth.get();
                    if depth >= MAX_DEPTH || self.stack.exhausted(depth) {
                        return error(Term::atom("system_limit"));
                    }
                    let mut env = env.clone();
                    let mark = env.vars.len();
                    for c in clauses.iter() {
                        if self.clause_matches(&mut env, mark, c, &args)? {
                            self.depth.set(depth + 1);
                            let r = self.eval(&mut env, &c.body).await;
                            self.depth.set(depth);
                            return r;
                        }
                    }
                    let ctx_name = match &env.module {
                        Some(m) => m.name,
                        None => Atom::new("erl_eval"),
                    };
                    error(exception(
                        "FunctionClauseError",
                        vec![
                            ("module", Term::Atom(ctx_name)),
                            ("function", Term::atom(&format!("-anonymous fn/{arity}-"))),
                            ("arity", Term::Int(*arity as i64)),
                        ],
                    ))
                }
                FunBody::Remote { module, name, arity } => {
                    if *arity != args.len() {
                        return error(Term::tuple(vec![Term::atom("badarity"), f.clone(), Term::list(args)]));
                    }
                    self.call(*module, *name, args).await
                }
            }
        })
    }

    /// Calls `module.name(args)`: a loaded module's public function or a
    /// built-in.
    pub(crate) async fn call(&self, module: Atom, name: Atom, args: Vec<Term>) -> Eval {
        if let Some(m) = self.code.get(module) {
            if let Some(d) = m.get(name, args.len()) {
                self.tick().await;
                return self.call_def(m, d, args).await;
            }
        }
        let mut env = Env::default();
        self.remote(&mut env, module, name, args).await
    }

    pub(crate) fn make_fun(&self, body: FunBody, env: &Env) -> Term {
        let id = self.code.next_fun_id();
        let label = match &body {
            FunBody::Lambda { arity, .. } => {
                let place = match &env.module {
                    Some(m) => super::code::module_name(m.name),
                    None => ":erl_eval.expr/6".into(),
                };
                format!("#Function<{id}/{arity} in {place}>")
            }
            FunBody::Remote { module, name, arity } => {
                format!("&{}.{}/{arity}", super::code::module_name(*module), name.name())
            }
        };
        Term::Fun(Rc::new(Fun { id, label: Rc::from(label), body: Rc::new(body) }))
    }

    async fn with(
        &self,
        env: &mut Env,
        mark: usize,
        steps: &[super::ast::Step],
        body: &Expr,
        other: &[Clause],
    ) -> Eval<Flow> {
        for s in steps {
            let v = self.eval(env, &s.expr).await?;
            let Some(p) = &s.pat else { continue };
            let here = env.vars.len();
            let ok = pmatch(env, here, p, &v)? && s.guard.as_ref().is_none_or(|g| guard(env, g));
            if !ok {
                env.vars.truncate(here);
                if s.bare {
                    return error2("badmatch", v);
                }
                env.vars.truncate(mark);
                for c in other {
                    if self.clause_matches(env, mark, c, std::slice::from_ref(&v))? {
                        return self.eval_tail(env, &c.body).await;
                    }
                }
                if other.is_empty() {
                    return Ok(Flow::Val(v));
                }
                return error2("with_clause", v);
            }
        }
        self.eval_tail(env, body).await
    }

    fn comprehension<'a>(
        &'a self,
        env: &'a mut Env,
        steps: &'a [super::ast::Step],
        body: &'a Expr,
        out: &'a mut Vec<Term>,
    ) -> Fut<'a, ()> {
        Box::pin(async move {
            let Some((s, rest)) = steps.split_first() else {
                out.push(self.eval(env, body).await?);
                return Ok(());
            };
            let v = self.eval(env, &s.expr).await?;
            match &s.pat {
                Some(p) if s.bare => {
                    let mark = env.vars.len();
                    if !pmatch(env, mark, p, &v)? {
                        env.vars.truncate(mark);
                        return error2("badmatch", v);
                    }
                    self.comprehension(env, rest, body, out).await?;
                    env.vars.truncate(mark);
                }
                None => {
                    if ops::truthy(&v) {
                        self.comprehension(env, rest, body, out).await?;
                    }
                }
                Some(p) => {
                    for item in ops::enumerate(&v)? {
                        self.tick().await;
                        let mark = env.vars.len();
                        let ok = pmatch(env, mark, p, &item)? && s.guard.as_ref().is_none_or(|g| guard(env, g));
                        if ok {
                            self.comprehension(env, rest, body, out).await?;
                        }
                        env.vars.truncate(mark);
                    }
                }
            }
            Ok(())
        })
    }

    async fn receive(&self, env: &mut Env, clauses: &[Clause], after: &Option<(Box<Expr>, Box<Expr>)>) -> Eval<Flow> {
        let timeout = match after {
            None => None,
            Some((t, _)) => match self.eval(env, t).await? {
                Term::Int(ms) if ms >= 0 => Some(ms as u64),
                Term::Atom(Atom::INFINITY) => None,
                other => return error(Term::tuple(vec![Term::atom("timeout_value"), other])),
            },
        };
        let mut scratch = env.clone();
        let base = scratch.vars.len();
        let pred = |m: &Term| {
            let ok = clauses.iter().any(|c| {
                let r = c.pats.first().is_some_and(|p| pmatch(&mut scratch, base, p, m).unwrap_or(false))
                    && c.guard.as_ref().is_none_or(|g| guard(&scratch, g));
                scratch.vars.truncate(base);
                r
            });
            ok
        };
        let got = if timeout.is_none() && after.is_none() {
            self.ctx.receive_match(pred, None).await
        } else {
            self.ctx.receive_match(pred, timeout).await
        };
        match got {
            Some(m) => {
                let mark = env.vars.len();
                for c in clauses {
                    if self.clause_matches(env, mark, c, std::slice::from_ref(&m))? {
                        return self.eval_tail(env, &c.body).await;
                    }
                }
                error2("case_clause", m)
            }
            None => match after {
                Some((_, body)) => self.eval_tail(env, body).await,
                None => Ok(Flow::Val(Term::nil())),
            },
        }
    }

    async fn handle_raise(
        &self,
        env: &mut Env,
        raise: Raise,
        rescues: &[super::ast::Rescue],
        catches: &[Clause],
    ) -> Eval {
        if let Raise::Error(reason, context) = &raise {
            let exc = normalize(reason, context.as_ref());
            let kind = exc.map_get(&Term::atom("__struct__")).and_then(Term::as_atom);
            for r in rescues {
                if r.kinds.is_empty() || kind.is_some_and(|k| r.kinds.contains(&k)) {
                    let mark = env.vars.len();
                    if let Some(v) = r.var {
                        env.vars.push((v, exc.clone()));
                    }
                    let out = self.eval(env, &r.body).await;
                    env.vars.truncate(mark);
                    return out;
                }
            }
        }
        let (class, value) = match &raise {
            Raise::Error(r, _) => ("error", r.clone()),
            Raise::Throw(v) => ("throw", v.clone()),
            Raise::Exit(v) => ("exit", v.clone()),
        };
        for c in catches {
            let mark = env.vars.len();
            let args: Vec<Term> =
                if c.pats.len() == 2 { vec![Term::atom(class), value.clone()] } else { vec![value.clone()] };
            if c.pats.len() == 1 && class != "throw" {
                continue;
            }
            if self.clause_matches(env, mark, c, &args)? {
                let out = self.eval(env, &c.body).await;
                env.vars.truncate(mark);
                return out;
            }
        }
        Err(Box::new(raise))
    }
}

fn undefined_var<T>(name: Atom) -> Eval<T> {
    let msg = format!("undefined variable \"{}\"", name.name());
    error(exception("CompileError", vec![("message", Term::str(&msg))]))
}
