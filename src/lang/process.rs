//! Interpreted code as otpsim processes: `spawn`/`send`/`Process.*`, the
//! `GenServer` client functions, and [`ModuleServer`], which runs a module
//! that says `use GenServer` through the runtime's own `gen_server`, with
//! the default callbacks `use GenServer` gives.
//!
//! An exception that escapes a process or a callback ends the process with
//! the reason OTP would report: `{reason, stacktrace}` for errors (the raw
//! Erlang reason, such as `{:badmatch, 1}`, or the exception struct for a
//! `raise`), `{{:nocatch, value}, stacktrace}` for an uncaught throw, and
//! the value itself for `exit/1`. otpsim keeps no stack traces, so the
//! stacktrace is the call that failed, `[{Module, :function, arity, []}]`.
//!
//! Hot code loading: a server notices at its next callback that its module
//! has a newer version, calls `code_change/3` (when the module defines it)
//! with the old version, and continues with the new code and the state it
//! returned, as `:sys.change_code` would between `:sys.suspend` and
//! `:sys.resume`.

use std::rc::Rc;

use async_trait::async_trait;

use super::code::Code;
use super::error::{badarg, error, exception, Eval, Raise};
use super::eval::Interp;
use super::inspect::inspect;
use crate::otp::gen_server::{self, CallReply, From, GenServer, Init, NoReply, Server, StartOpts, StartResult};
use crate::runtime::{Ctx, SpawnOpts};
use crate::term::{Atom, Term};

/// The exit reason for an exception that escaped `mfa`.
pub fn exit_reason(r: &Raise, mfa: Option<(Atom, Atom, usize)>) -> Term {
    let stack = match mfa {
        Some((m, f, a)) => {
            Term::list(vec![Term::tuple(vec![Term::Atom(m), Term::Atom(f), Term::Int(a as i64), Term::list(vec![])])])
        }
        None => Term::list(vec![]),
    };
    match r {
        // A function clause the interpreter could not match dies as the
        // BEAM's does: `:function_clause`, the function in the stack trace.
        Raise::Error(reason, _) if is_function_clause(reason) => {
            let f = |k: &str| reason.map_get(&Term::atom(k)).cloned().unwrap_or_else(Term::nil);
            let frame = Term::tuple(vec![f("module"), f("function"), f("arity"), Term::list(vec![])]);
            Term::tuple(vec![Term::atom("function_clause"), Term::list(vec![frame])])
        }
        Raise::Error(reason, _) => Term::tuple(vec![reason.clone(), stack]),
        Raise::Throw(v) => Term::tuple(vec![Term::tuple(vec![Term::atom("nocatch"), v.clone()]), stack]),
        Raise::Exit(v) => v.clone(),
    }
}

/// Whether `reason` is the interpreter's own `FunctionClauseError` (which
/// names the function), as opposed to one code raised itself.
fn is_function_clause(reason: &Term) -> bool {
    reason.map_get(&Term::atom("__struct__")).is_some_and(|s| s.is_atom(Atom::new("Elixir.FunctionClauseError")))
        && reason.map_get(&Term::atom("module")).is_some()
}

pub(crate) fn send(it: &Interp, to: &Term, msg: Term) -> Eval {
    match to {
        Term::Pid(p) => it.ctx.send(*p, msg.clone()),
        Term::Atom(a) => {
            if it.ctx.send_named(*a, msg.clone()).is_err() {
                return badarg(1, "not an alive process or registered name");
            }
        }
        _ => return badarg(1, "not a pid or a registered name"),
    }
    Ok(msg)
}

pub(crate) fn spawn(it: &Interp, fun: Term, link: bool) -> Eval {
    spawn_args(it, fun, vec![], link)
}

pub(crate) fn spawn_args(it: &Interp, fun: Term, args: Vec<Term>, link: bool) -> Eval {
    if !matches!(fun, Term::Fun(_)) {
        return error(Term::tuple(vec![Term::atom("badfun"), fun]));
    }
    let code = it.code.clone();
    let opts = SpawnOpts { link, ..SpawnOpts::default() };
    let pid = it.ctx.spawn(opts, move |ctx| async move {
        let interp = Interp::new(ctx, code);
        match interp.apply(&fun, args).await {
            Ok(_) => Term::Atom(Atom::NORMAL),
            Err(r) => exit_reason(&r, None),
        }
    });
    Ok(Term::Pid(pid))
}

fn pid_arg(t: &Term) -> Eval<crate::term::Pid> {
    match t {
        Term::Pid(p) => Ok(*p),
        _ => badarg(1, "not a pid"),
    }
}

/// `Process.*`.
pub(crate) async fn process(it: &Interp, f: &str, a: &[Term]) -> Option<Eval> {
    let ctx = &it.ctx;
    Some(match (f, a) {
        ("self", []) => Ok(Term::Pid(ctx.pid())),
        ("send", [to, msg, _]) => send(it, to, msg.clone()).map(|_| Term::ok()),
        ("send_after", [to, msg, Term::Int(ms)]) | ("send_after", [to, msg, Term::Int(ms), _]) => {
            let to = match to {
                Term::Pid(p) => *p,
                Term::Atom(a) => match ctx.whereis(*a) {
                    Some(p) => p,
                    None => return Some(badarg(1, "not an alive process or registered name")),
                },
                _ => return Some(badarg(1, "not a pid")),
            };
            ctx.send_after((*ms).max(0) as u64, to, msg.clone());
            Ok(Term::Ref(ctx.make_ref()))
        }
        ("sleep", [Term::Int(ms)]) => {
            ctx.sleep((*ms).max(0) as u64).await;
            Ok(Term::ok())
        }
        ("sleep", [Term::Atom(Atom::INFINITY)]) => {
            ctx.receive_match(|_| false, None).await;
            Ok(Term::ok())
        }
        ("monitor", [t]) => pid_arg(t).map(|p| Term::Ref(ctx.monitor(p))),
        ("demonitor", [Term::Ref(r)]) | ("demonitor", [Term::Ref(r), _]) => Ok(Term::bool(ctx.demonitor(*r, false))),
        ("link", [t]) => pid_arg(t).map(|p| {
            ctx.link(p);
            Term::bool(true)
        }),
        ("unlink", [t]) => pid_arg(t).map(|p| {
            ctx.unlink(p);
            Term::bool(true)
        }),
        ("flag", [Term::Atom(flag), v]) if &*flag.name() == "trap_exit" => match v.as_atom() {
            Some(b @ (Atom::TRUE | Atom::FALSE)) => Ok(Term::bool(ctx.trap_exit(b == Atom::TRUE))),
            _ => badarg(2, "invalid value for the trap_exit flag"),
        },
        ("alive?", [t]) => pid_arg(t).map(|p| Term::bool(ctx.is_alive(p))),
        ("exit", [t, reason]) => pid_arg(t).map(|p| {
            ctx.exit_signal(p, reason.clone());
            Term::bool(true)
        }),
        ("register", [t, Term::Atom(name)]) => match t {
            Term::Pid(p) if *p == ctx.pid() => match ctx.register(*name) {
                Ok(()) => Ok(Term::bool(true)),
                Err(_) => badarg(2, "name already registered"),
            },
            _ => badarg(1, "otpsim registers only the calling process"),
        },
        ("whereis", [Term::Atom(name)]) => Ok(ctx.whereis(*name).map_or_else(Term::nil, Term::Pid)),
        ("get", [k]) | ("get", [k, _]) => Ok(ctx.get(k).unwrap_or_else(|| a.get(1).cloned().unwrap_or_else(Term::nil))),
        ("put", [k, v]) => Ok(ctx.put(k.clone(), v.clone()).unwrap_or_else(Term::nil)),
        ("delete", [k]) => Ok(ctx.erase(k).unwrap_or_else(Term::nil)),
        _ => return None,
    })
}

fn server_arg(t: &Term) -> Eval<Server> {
    match t {
        Term::Pid(p) => Ok(Server::Pid(*p)),
        Term::Atom(a) => Ok(Server::Name(*a)),
        _ => badarg(1, "not a pid or a registered name"),
    }
}

/// `GenServer.*`.
pub(crate) async fn gen_server(it: &Interp, f: &str, a: &[Term]) -> Option<Eval> {
    let ctx = &it.ctx;
    Some(match (f, a) {
        ("start_link" | "start", [Term::Atom(m), arg]) | ("start_link" | "start", [Term::Atom(m), arg, _]) => {
            let mut opts = StartOpts::default();
            if let Some(Term::List(o)) = a.get(2) {
                for x in o.iter() {
                    if let Some([k, Term::Atom(n)]) = x.as_tuple() {
                        if k.is_atom(Atom::new("name")) {
                            opts.name = Some(*n);
                        }
                    }
                }
            }
            let server = match ModuleServer::new(it.code.clone(), *m, arg.clone()) {
                Ok(s) => s,
                Err(e) => return Some(Err(e)),
            };
            let r = if f == "start_link" {
                gen_server::start_link(ctx, Box::new(server), opts).await
            } else {
                gen_server::start(ctx, Box::new(server), opts).await
            };
            Ok(match r {
                StartResult::Ok(p) => Term::ok_tuple(Term::Pid(p)),
                StartResult::Ignore => Term::Atom(Atom::IGNORE),
                StartResult::Error(e) => Term::error_tuple(e),
            })
        }
        ("call", [to, req]) | ("call", [to, req, _]) => {
            let timeout = match a.get(2) {
                None => Some(5000),
                Some(Term::Int(ms)) if *ms >= 0 => Some(*ms as u64),
                Some(Term::Atom(Atom::INFINITY)) => None,
                Some(_) => return Some(badarg(3, "not a timeout")),
            };
            let server = match server_arg(to) {
                Ok(s) => s,
                Err(e) => return Some(Err(e)),
            };
            match gen_server::try_call(ctx, server, req.clone(), timeout).await {
                Ok(r) => Ok(r),
                Err(reason) => {
                    let t = match timeout {
                        Some(ms) => Term::Int(ms as i64),
                        None => Term::Atom(Atom::INFINITY),
                    };
                    let mfa = Term::tuple(vec![
                        Term::atom("Elixir.GenServer"),
                        Term::atom("call"),
                        Term::list(vec![to.clone(), req.clone(), t]),
                    ]);
                    Err(Box::new(Raise::Exit(Term::tuple(vec![reason, mfa]))))
                }
            }
        }
        ("cast", [to, msg]) => match to {
            Term::Pid(p) => {
                gen_server::cast(ctx, *p, msg.clone());
                Ok(Term::ok())
            }
            Term::Atom(n) => {
                let wrapped = Term::tuple(vec![Term::Atom(Atom::GEN_CAST), msg.clone()]);
                let _ = ctx.send_named(*n, wrapped);
                Ok(Term::ok())
            }
            _ => badarg(1, "not a pid or a registered name"),
        },
        ("reply", [from, r]) => match from.as_tuple() {
            Some([Term::Pid(pid), Term::Ref(tag)]) => {
                gen_server::reply(ctx, From { pid: *pid, tag: *tag }, r.clone());
                Ok(Term::ok())
            }
            _ => badarg(1, "not a from tuple"),
        },
        ("stop", [to]) | ("stop", [to, _]) | ("stop", [to, _, _]) => {
            let reason = a.get(1).cloned().unwrap_or(Term::Atom(Atom::NORMAL));
            let pid = match to {
                Term::Pid(p) => Some(*p),
                Term::Atom(n) => ctx.whereis(*n),
                _ => None,
            };
            match pid {
                Some(p) => {
                    // `proc_lib:stop/3`: the server leaves its loop and runs
                    // `terminate/2` through a system message.
                    let req = Term::tuple(vec![Term::atom("terminate"), reason]);
                    let _ = gen_server::system_call(ctx, p, req, None).await;
                    Ok(Term::ok())
                }
                None => Err(Box::new(Raise::Exit(Term::atom("noproc")))),
            }
        }
        _ => return None,
    })
}

/// A module with `use GenServer`, run by the runtime's `gen_server`.
pub struct ModuleServer {
    code: Rc<Code>,
    module: Atom,
    module_name: String,
    arg: Term,
    state: Term,
    /// The module version this server last ran.
    version: u64,
}

impl ModuleServer {
    /// A server for `module` (which must be loaded) started with `arg`.
    pub fn new(code: Rc<Code>, module: Atom, arg: Term) -> Eval<ModuleServer> {
        let Some(m) = code.get(module) else {
            return super::error::undefined(&module.name(), "start_link", 1);
        };
        Ok(ModuleServer {
            module_name: module.name().to_string(),
            version: m.version,
            code,
            module,
            arg,
            state: Term::nil(),
        })
    }

    fn defines(&self, name: &str, arity: usize) -> bool {
        self.code.get(self.module).is_some_and(|m| m.get(Atom::new(name), arity).is_some())
    }

    /// Calls a callback; an exception ends the process (through
    /// `Ctx::exit`, which the `gen_server` loop turns into `terminate/2`
    /// and an exit with the reason).
    /// With `with_state`, the state (as upgraded) is the last argument.
    async fn callback(&mut self, ctx: &Ctx, name: &str, mut args: Vec<Term>, with_state: bool) -> Term {
        let it = Interp::new(ctx.clone(), self.code.clone());
        self.upgrade(&it).await;
        if with_state {
            args.push(self.state.clone());
        }
        let arity = args.len();
        match it.call(self.module, Atom::new(name), args).await {
            Ok(v) => v,
            // gen_server catches a throw and takes the value as the
            // callback's return (`try_dispatch`'s `throw:R -> {ok, R}`).
            Err(r) if matches!(*r, Raise::Throw(_)) => match *r {
                Raise::Throw(v) => v,
                _ => Term::nil(),
            },
            Err(r) => {
                let reason = exit_reason(&r, Some((self.module, Atom::new(name), arity)));
                match ctx.exit(reason).await {}
            }
        }
    }

    /// Hot code loading at the next callback: `code_change/3` with the old
    /// version, when the new module defines it.
    async fn upgrade(&mut self, it: &Interp) {
        let Some(now) = it.code.version(self.module) else { return };
        if now == self.version {
            return;
        }
        let old = self.version;
        self.version = now;
        if self.defines("code_change", 3) {
            let args = vec![Term::Int(old as i64), self.state.clone(), Term::list(vec![])];
            match it.call(self.module, Atom::new("code_change"), args).await {
                Ok(r) => match r.as_tuple() {
                    Some([ok, s]) if ok.is_atom(Atom::OK) => self.state = s.clone(),
                    _ => {
                        let reason = Term::tuple(vec![Term::atom("bad_code_change"), r]);
                        match it.ctx.exit(reason).await {}
                    }
                },
                Err(r) => {
                    let reason = exit_reason(&r, Some((self.module, Atom::new("code_change"), 3)));
                    match it.ctx.exit(reason).await {}
                }
            }
        }
    }

    fn bad_return(&self, r: Term) -> Term {
        Term::tuple(vec![Term::atom("bad_return_value"), r])
    }

    fn noreply(&mut self, r: Term) -> Result<NoReply, Term> {
        match r.as_tuple() {
            Some([t, s]) if t.is_atom(Atom::NOREPLY) => {
                self.state = s.clone();
                Ok(NoReply::Continue)
            }
            Some([t, s, Term::Int(ms)]) if t.is_atom(Atom::NOREPLY) => {
                self.state = s.clone();
                Ok(NoReply::Timeout((*ms).max(0) as u64))
            }
            Some([t, reason, s]) if t.is_atom(Atom::STOP) => {
                self.state = s.clone();
                Ok(NoReply::Stop(reason.clone()))
            }
            _ => Err(self.bad_return(r)),
        }
    }

    /// The name a server shows in Elixir's default-callback messages.
    fn shown(&self, ctx: &Ctx) -> String {
        let name = ctx.peek(|k| k.proc(ctx.pid()).and_then(|p| p.name()));
        match name {
            Some(n) => inspect(&Term::Atom(n)),
            None => inspect(&Term::Pid(ctx.pid())),
        }
    }
}

#[async_trait(?Send)]
impl GenServer for ModuleServer {
    fn module(&self) -> &str {
        &self.module_name
    }

    async fn init(&mut self, ctx: &Ctx) -> Init {
        let r = self.callback(ctx, "init", vec![self.arg.clone()], false).await;
        match r.as_tuple() {
            Some([ok, s]) if ok.is_atom(Atom::OK) => {
                self.state = s.clone();
                Init::Ok
            }
            Some([ok, s, Term::Int(ms)]) if ok.is_atom(Atom::OK) => {
                self.state = s.clone();
                Init::OkTimeout((*ms).max(0) as u64)
            }
            Some([stop, reason]) if stop.is_atom(Atom::STOP) => Init::Stop(reason.clone()),
            _ if r.is_atom(Atom::IGNORE) => Init::Ignore,
            _ => Init::Stop(self.bad_return(r)),
        }
    }

    async fn handle_call(&mut self, ctx: &Ctx, req: Term, from: From) -> CallReply {
        if !self.defines("handle_call", 3) {
            let msg =
                format!("attempted to call GenServer {} but no handle_call/3 clause was provided", self.shown(ctx));
            let reason = exception("RuntimeError", vec![("message", Term::str(&msg))]);
            let r = Raise::Error(reason, None);
            match ctx.exit(exit_reason(&r, Some((self.module, Atom::new("handle_call"), 3)))).await {}
        }
        let r = self.callback(ctx, "handle_call", vec![req, from.to_term()], true).await;
        match r.as_tuple() {
            Some([t, reply, s]) if t.is_atom(Atom::REPLY) => {
                self.state = s.clone();
                CallReply::Reply(reply.clone())
            }
            Some([t, reply, s, Term::Int(ms)]) if t.is_atom(Atom::REPLY) => {
                self.state = s.clone();
                CallReply::ReplyTimeout(reply.clone(), (*ms).max(0) as u64)
            }
            Some([t, s]) if t.is_atom(Atom::NOREPLY) => {
                self.state = s.clone();
                CallReply::NoReply
            }
            Some([t, reason, reply, s]) if t.is_atom(Atom::STOP) => {
                self.state = s.clone();
                CallReply::Stop(reason.clone(), Some(reply.clone()))
            }
            Some([t, reason, s]) if t.is_atom(Atom::STOP) => {
                self.state = s.clone();
                CallReply::Stop(reason.clone(), None)
            }
            _ => {
                let reason = self.bad_return(r);
                match ctx.exit(reason).await {}
            }
        }
    }

    async fn handle_cast(&mut self, ctx: &Ctx, msg: Term) -> NoReply {
        if !self.defines("handle_cast", 2) {
            let msg =
                format!("attempted to cast GenServer {} but no handle_cast/2 clause was provided", self.shown(ctx));
            let r = Raise::Error(exception("RuntimeError", vec![("message", Term::str(&msg))]), None);
            match ctx.exit(exit_reason(&r, Some((self.module, Atom::new("handle_cast"), 2)))).await {}
        }
        let r = self.callback(ctx, "handle_cast", vec![msg], true).await;
        match self.noreply(r) {
            Ok(n) => n,
            Err(reason) => match ctx.exit(reason).await {},
        }
    }

    async fn handle_info(&mut self, ctx: &Ctx, msg: Term) -> NoReply {
        if !self.defines("handle_info", 2) {
            // Elixir's default logs the unexpected message and goes on.
            return NoReply::Continue;
        }
        let r = self.callback(ctx, "handle_info", vec![msg], true).await;
        match self.noreply(r) {
            Ok(n) => n,
            Err(reason) => match ctx.exit(reason).await {},
        }
    }

    async fn terminate(&mut self, ctx: &Ctx, reason: &Term) {
        if self.defines("terminate", 2) {
            let it = Interp::new(ctx.clone(), self.code.clone());
            let _ = it.call(self.module, Atom::new("terminate"), vec![reason.clone(), self.state.clone()]).await;
        }
    }

    fn state(&self) -> Term {
        self.state.clone()
    }

    fn replace_state(&mut self, new: Term) -> Result<(), Term> {
        self.state = new;
        Ok(())
    }
}

/// A supervisor child's start function for a module server:
/// `GenServer.start_link(module, arg, name: name)`.
pub fn start_fn(code: Rc<Code>, module: Atom, arg: Term, name: Option<Atom>) -> crate::otp::supervisor::StartFn {
    Rc::new(move |ctx: Ctx, _args: Vec<Term>| {
        let code = code.clone();
        let arg = arg.clone();
        Box::pin(async move {
            match ModuleServer::new(code, module, arg) {
                Ok(server) => {
                    let opts = StartOpts { name, ..StartOpts::default() };
                    gen_server::start_link(&ctx, Box::new(server), opts).await
                }
                Err(r) => StartResult::Error(exit_reason(&r, None)),
            }
        })
    })
}

/// Starts an interpreted process running `module.name(args)` (a plain
/// process, not a server), linked to nobody; it exits `:normal` when the
/// function returns and with [`exit_reason`] when it raises.
pub fn spawn_call(ctx: &Ctx, code: Rc<Code>, module: Atom, name: Atom, args: Vec<Term>) -> crate::term::Pid {
    let initial = format!("{}:{}/{}", module.name(), name.name(), args.len());
    ctx.spawn(SpawnOpts::named(&initial), move |c| async move {
        let it = Interp::new(c, code);
        let arity = args.len();
        match it.call(module, name, args).await {
            Ok(_) => Term::Atom(Atom::NORMAL),
            Err(r) => exit_reason(&r, Some((module, name, arity))),
        }
    })
}

/// How many reductions [`eval_source`] lets the simulation spend before
/// giving up on an expression that does not finish (a few seconds of wall
/// clock natively).
pub const MAX_EVAL_REDUCTIONS: u64 = 500_000_000;

/// Evaluates `src` (expressions, `defmodule`s among them) in a fresh
/// runtime, as the body of one process, and runs the runtime until it is
/// idle. Returns the value or the exception, and what `IO.puts` printed.
pub fn eval_source(src: &str) -> Result<(Eval, Vec<String>), super::error::CompileError> {
    let body = super::parser::parse_source(src)?;
    let code = Code::new();
    let mut rt = crate::runtime::Runtime::with_seed(1);
    let out: Rc<std::cell::RefCell<Option<Eval>>> = Rc::default();
    let slot = out.clone();
    let code2 = code.clone();
    rt.spawn(SpawnOpts::named("Elixir.IEx:eval/1"), move |ctx| async move {
        let it = Interp::new(ctx, code2);
        let mut env = super::eval::Env::default();
        let r = it.eval(&mut env, &body).await;
        let reason = match &r {
            Ok(_) => Term::Atom(Atom::NORMAL),
            Err(e) => exit_reason(e, None),
        };
        *slot.borrow_mut() = Some(r);
        reason
    });
    // Step until the evaluating process is done: timers fire on the way
    // (`receive … after`, `Process.sleep`), and servers it started stay
    // behind once it is. The bound stops an expression that never ends.
    let mut slices = 0u32;
    while out.borrow().is_none() {
        if matches!(rt.step(), crate::runtime::Step::Idle) {
            break;
        }
        slices = slices.wrapping_add(1);
        if slices % 1024 == 0 && rt.counters().reductions > MAX_EVAL_REDUCTIONS {
            break;
        }
    }
    let r = out.borrow_mut().take().unwrap_or_else(|| {
        error(exception(
            "RuntimeError",
            vec![("message", Term::str("the expression did not finish (blocked in receive, or ran out of time)"))],
        ))
    });
    Ok((r, code.take_output()))
}
