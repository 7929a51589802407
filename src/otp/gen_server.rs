//! GenServer: the `gen_server` behaviour — start with a synchronous init,
//! the receive loop dispatching calls, casts, infos and system messages,
//! `call` that blocks the caller as OTP's does, and `terminate`.
//!
//! Messages look as in OTP: `{:"$gen_call", {pid, ref}, req}`,
//! `{:"$gen_cast", msg}`, `{:system, {pid, ref}, req}`, replies `{ref, reply}`.

use crate::runtime::{Ctx, EventKind, HookAction, Introspect, KindMask, SpawnOpts, VTime};
use crate::term::{Atom, Pid, Ref, Term};
use async_trait::async_trait;
use std::cell::{Cell, RefCell};
use std::rc::Rc;

/// Who a call came from: reply with [`reply`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct From {
    pub pid: Pid,
    pub tag: Ref,
}

impl From {
    pub fn to_term(&self) -> Term {
        tuple([Term::Pid(self.pid), Term::Ref(self.tag)])
    }
}

/// A tuple from an array in one allocation (`Term::tuple` takes a `Vec`,
/// which costs a second one): these tuples are built on every call.
fn tuple<const N: usize>(items: [Term; N]) -> Term {
    Term::Tuple(Rc::new(items))
}

/// The names a server shows as its current function and reports as its
/// callbacks, made once per server rather than formatted per message.
struct Names {
    init: Rc<str>,
    loop_fn: Rc<str>,
    handle_call: Rc<str>,
    handle_cast: Rc<str>,
    handle_info: Rc<str>,
    terminate: Rc<str>,
    call_atom: Atom,
    cast_atom: Atom,
    info_atom: Atom,
}

thread_local! {
    /// Names by module, made once per module: servers of one module come
    /// and go (a supervisor restarting a worker), and formatting the names
    /// anew for each would cost more than a short-lived server does.
    static NAMES: RefCell<std::collections::HashMap<Rc<str>, Rc<Names>>> = RefCell::new(Default::default());
}

impl Names {
    fn of(module: &str) -> Rc<Names> {
        if let Some(n) = NAMES.with(|m| m.borrow().get(module).cloned()) {
            return n;
        }
        let n = Rc::new(Names::new(module));
        NAMES.with(|m| m.borrow_mut().insert(Rc::from(module), n.clone()));
        n
    }

    fn new(module: &str) -> Names {
        let f = |name: &str| -> Rc<str> { Rc::from(format!("{module}:{name}")) };
        Names {
            init: f("init/1"),
            loop_fn: Rc::from("gen_server:loop/7"),
            handle_call: f("handle_call/3"),
            handle_cast: f("handle_cast/2"),
            handle_info: f("handle_info/2"),
            terminate: f("terminate/2"),
            call_atom: Atom::new("handle_call"),
            cast_atom: Atom::new("handle_cast"),
            info_atom: Atom::new("handle_info"),
        }
    }
}

/// What `init/1` returned.
#[derive(Clone, Debug)]
pub enum Init {
    Ok,
    /// `{:ok, state, timeout}`: a `:timeout` info after `ms` of silence.
    OkTimeout(u64),
    Ignore,
    Stop(Term),
}

/// What `handle_call/3` returned.
#[derive(Clone, Debug)]
pub enum CallReply {
    Reply(Term),
    ReplyTimeout(Term, u64),
    /// The callback will reply later with [`reply`].
    NoReply,
    NoReplyTimeout(u64),
    /// `{:stop, reason, reply, state}` (with a reply) or
    /// `{:stop, reason, state}` (without).
    Stop(Term, Option<Term>),
}

/// What `handle_cast/2` and `handle_info/2` returned.
#[derive(Clone, Debug)]
pub enum NoReply {
    Continue,
    Timeout(u64),
    Stop(Term),
}

/// A gen_server callback module. The implementing value is the state.
#[async_trait(?Send)]
pub trait GenServer: 'static {
    /// The module name shown in process info (`"Elixir.Counter"`).
    fn module(&self) -> &str;

    async fn init(&mut self, _ctx: &Ctx) -> Init {
        Init::Ok
    }

    async fn handle_call(&mut self, _ctx: &Ctx, req: Term, _from: From) -> CallReply {
        CallReply::Stop(Term::tuple(vec![Term::atom("bad_call"), req]), None)
    }

    async fn handle_cast(&mut self, _ctx: &Ctx, msg: Term) -> NoReply {
        NoReply::Stop(Term::tuple(vec![Term::atom("bad_cast"), msg]))
    }

    async fn handle_info(&mut self, _ctx: &Ctx, _msg: Term) -> NoReply {
        NoReply::Continue
    }

    async fn terminate(&mut self, _ctx: &Ctx, _reason: &Term) {}

    /// The state as a term, for `:sys.get_state` and the inspector.
    fn state(&self) -> Term;

    /// The state recorded with each traced callback (a `Callback` event).
    /// Defaults to [`GenServer::state`]; a module whose full state is large
    /// or grows with its history (a supervisor's restart stamps) returns a
    /// bounded summary here, so that tracing costs the same per callback
    /// however long the server has run. `:sys.get_state` still returns
    /// the full state.
    fn trace_state(&self) -> Term {
        self.state()
    }

    /// The server as `Any`, so that tools can read a known module's state
    /// with its real type (the supervisor's analytics, say).
    fn as_any(&self) -> Option<&dyn std::any::Any> {
        None
    }

    /// `:sys.replace_state`; refused unless the module supports it.
    fn replace_state(&mut self, _new: Term) -> Result<(), Term> {
        Err(Term::atom("not_supported"))
    }
}

struct Shared {
    server: RefCell<Box<dyn GenServer>>,
    sys_suspended: Cell<bool>,
}

impl Introspect for Shared {
    fn state(&self) -> Result<Term, Term> {
        match self.server.try_borrow() {
            Ok(s) => Ok(s.state()),
            // Busy inside a callback: `sys:get_state` would wait and time out.
            Err(_) => Err(Term::atom("timeout")),
        }
    }

    fn replace_state(&self, new: Term) -> Result<(), Term> {
        match self.server.try_borrow_mut() {
            Ok(mut s) => s.replace_state(new),
            Err(_) => Err(Term::atom("timeout")),
        }
    }

    fn sys_suspended(&self) -> bool {
        self.sys_suspended.get()
    }

    fn with_any(&self, f: &mut dyn FnMut(&dyn std::any::Any)) -> bool {
        match self.server.try_borrow() {
            Ok(s) => match s.as_any() {
                Some(a) => {
                    f(a);
                    true
                }
                None => false,
            },
            Err(_) => false,
        }
    }
}

/// What `start`/`start_link` returned: `{:ok, pid}`, `:ignore` or
/// `{:error, reason}`.
#[derive(Clone, Debug, PartialEq)]
pub enum StartResult {
    Ok(Pid),
    Ignore,
    Error(Term),
}

impl StartResult {
    pub fn to_term(&self) -> Term {
        match self {
            StartResult::Ok(p) => Term::ok_tuple(Term::Pid(*p)),
            StartResult::Ignore => Term::Atom(Atom::IGNORE),
            StartResult::Error(e) => Term::error_tuple(e.clone()),
        }
    }
}

/// Options for starting a server.
#[derive(Clone, Debug, Default)]
pub struct StartOpts {
    pub name: Option<Atom>,
    /// The init handshake timeout in ms (`None`: infinity).
    pub timeout: Option<u64>,
    pub trap_exit: bool,
}

/// `gen_server:start_link/3`: spawns, links and waits for `init` to
/// return, as `proc_lib:start_link` does.
pub async fn start_link(ctx: &Ctx, server: Box<dyn GenServer>, opts: StartOpts) -> StartResult {
    start_impl(ctx, server, opts, true).await
}

/// `gen_server:start/3`: as [`start_link`] without the link.
pub async fn start(ctx: &Ctx, server: Box<dyn GenServer>, opts: StartOpts) -> StartResult {
    start_impl(ctx, server, opts, false).await
}

async fn start_impl(ctx: &Ctx, server: Box<dyn GenServer>, opts: StartOpts, link: bool) -> StartResult {
    let starter = ctx.pid();
    let names = Names::of(server.module());
    let spawn_opts =
        SpawnOpts { link, initial_call: Some(names.init.clone()), trap_exit: opts.trap_exit, monitor: false };
    let name = opts.name;
    let pid = ctx.spawn(spawn_opts, move |c| init_it(c, starter, name, server, names));
    // proc_lib:sync_start_link: the ack, or the EXIT of a child that died
    // before acking (seen only when the starter traps exits).
    let is_ack = move |m: &Term| match m.as_tuple() {
        Some([Term::Atom(a), Term::Pid(p), _]) if *a == Atom::ACK && *p == pid => true,
        Some([Term::Atom(a), Term::Pid(p), _]) if *a == Atom::EXIT && *p == pid => true,
        _ => false,
    };
    match ctx.receive_match(is_ack, opts.timeout).await {
        Some(Term::Tuple(t)) if t[0].is_atom(Atom::EXIT) => StartResult::Error(t[2].clone()),
        Some(Term::Tuple(t)) => ack_to_result(&t[2]),
        _ => {
            // Timed out: kill the child and flush its EXIT, as kill_flush does.
            ctx.unlink(pid);
            ctx.exit_signal(pid, Term::Atom(Atom::KILL));
            StartResult::Error(Term::Atom(Atom::TIMEOUT))
        }
    }
}

fn ack_to_result(t: &Term) -> StartResult {
    if t.is_atom(Atom::IGNORE) {
        return StartResult::Ignore;
    }
    match t.as_tuple() {
        Some([ok, Term::Pid(p)]) if ok.is_atom(Atom::OK) => StartResult::Ok(*p),
        Some([e, r]) if e.is_atom(Atom::ERROR) => StartResult::Error(r.clone()),
        _ => StartResult::Error(t.clone()),
    }
}

fn ack(ctx: &Ctx, starter: Pid, ret: Term) {
    ctx.send(starter, Term::tuple(vec![Term::Atom(Atom::ACK), Term::Pid(ctx.pid()), ret]));
}

async fn init_it(ctx: Ctx, starter: Pid, name: Option<Atom>, mut server: Box<dyn GenServer>, names: Rc<Names>) -> Term {
    if let Some(n) = name {
        if ctx.register(n).is_err() {
            let existing = ctx.whereis(n).map(Term::Pid).unwrap_or(Term::Atom(Atom::UNDEFINED));
            let reason = Term::tuple(vec![Term::Atom(Atom::ALREADY_STARTED), existing]);
            ack(&ctx, starter, Term::error_tuple(reason.clone()));
            return reason;
        }
    }
    ctx.set_module(server.module());
    let init_fn: Rc<str> = names.init.clone();
    ctx.set_current_function(&init_fn);
    let res = ctx.catch_unpin(server.init(&ctx)).await;
    let timeout = match res {
        Ok(Init::Ok) => None,
        Ok(Init::OkTimeout(ms)) => Some(ms),
        Ok(Init::Ignore) => {
            unregister(&ctx, name);
            ack(&ctx, starter, Term::Atom(Atom::IGNORE));
            return Term::Atom(Atom::NORMAL);
        }
        Ok(Init::Stop(reason)) => {
            unregister(&ctx, name);
            ack(&ctx, starter, Term::error_tuple(reason.clone()));
            crash_report_check(&ctx, &reason).await;
            return reason;
        }
        Err(reason) => {
            unregister(&ctx, name);
            ack(&ctx, starter, Term::error_tuple(reason.clone()));
            crash_report_check(&ctx, &reason).await;
            return reason;
        }
    };
    ack(&ctx, starter, Term::ok_tuple(Term::Pid(ctx.pid())));
    run_loop(ctx, starter, server, timeout, names).await
}

fn unregister(ctx: &Ctx, name: Option<Atom>) {
    if let Some(n) = name {
        ctx.with(|k| k.unregister(n));
    }
}

/// Serves an already initialised server in the current process
/// (`gen_server:enter_loop`).
pub async fn enter_loop(ctx: Ctx, parent: Pid, server: Box<dyn GenServer>) -> Term {
    ctx.set_module(server.module());
    let names = Names::of(server.module());
    run_loop(ctx, parent, server, None, names).await
}

async fn run_loop(
    ctx: Ctx,
    parent: Pid,
    server: Box<dyn GenServer>,
    mut timeout: Option<u64>,
    names: Rc<Names>,
) -> Term {
    let shared = Rc::new(Shared { server: RefCell::new(server), sys_suspended: Cell::new(false) });
    ctx.with(|k| {
        if let Some(p) = k.proc_mut(ctx.pid()) {
            p.extra_mut().gen_server = true;
        }
        k.introspect.insert(ctx.pid(), shared.clone() as Rc<dyn Introspect>);
    });
    loop {
        ctx.set_current_function(&names.loop_fn);
        let msg = match ctx.receive_match(|_| true, timeout).await {
            Some(m) => m,
            None => Term::Atom(Atom::TIMEOUT),
        };
        timeout = None;
        // System messages and the parent's EXIT are handled by the loop
        // itself, never by callbacks.
        if let Some(t) = msg.tagged(Atom::SYSTEM) {
            if t.len() == 3 {
                if let Some(from) = parse_from(&t[1]) {
                    match handle_system(&ctx, &shared, from, &t[2], parent).await {
                        AfterSystem::Continue => continue,
                        AfterSystem::Exit(reason) => return reason,
                    }
                }
            }
        }
        if let Some(t) = msg.tagged(Atom::EXIT) {
            if t.len() == 3 && t[1] == Term::Pid(parent) && ctx.peek(|k| k.proc(ctx.pid()).is_some_and(|p| p.trap_exit))
            {
                let reason = t[2].clone();
                return terminate(&ctx, &shared, &names, reason).await;
            }
        }
        let hook = ctx.peek(|k| k.hooks.get(&ctx.pid()).cloned());
        if let Some(h) = hook {
            match h.before(&ctx, &msg) {
                HookAction::Handle => {}
                HookAction::Drop => continue,
                HookAction::Delay(ms) => ctx.sleep(ms).await,
                HookAction::Pause => {
                    ctx.with(|k| k.suspend(ctx.pid()));
                    ctx.yield_now().await;
                }
            }
        }
        let started = (ctx.now(), ctx.peek(|k| k.proc(ctx.pid()).map(|p| p.reductions).unwrap_or(0)));
        let (callback, outcome) = dispatch(&ctx, &shared, &names, msg).await;
        trace_callback(&ctx, &shared, callback, started);
        match outcome {
            Outcome::Continue(t) => timeout = t,
            Outcome::Stop(reason) => return terminate(&ctx, &shared, &names, reason).await,
            Outcome::Crashed(reason) => return terminate(&ctx, &shared, &names, reason).await,
            Outcome::Done(reason) => return reason,
        }
    }
}

enum Outcome {
    Continue(Option<u64>),
    /// Run `terminate/2`, then exit.
    Stop(Term),
    /// An exit inside a callback: `terminate/2` runs too, as OTP's
    /// try/catch around callbacks makes it.
    Crashed(Term),
    /// `terminate/2` already ran: exit with this reason.
    Done(Term),
}

// The server stays mutably borrowed for the whole of a callback, across
// its awaits, on purpose: that borrow is how `Introspect` knows the server
// is busy (and answers `timeout`, as `sys:get_state` would), and no other
// code touches the server while its own process runs the callback.
#[allow(clippy::await_holding_refcell_ref)]
async fn dispatch(ctx: &Ctx, shared: &Rc<Shared>, names: &Names, msg: Term) -> (Atom, Outcome) {
    if let Some(t) = msg.tagged(Atom::GEN_CALL) {
        if t.len() == 3 {
            if let Some(from) = parse_from(&t[1]) {
                ctx.set_current_function(&names.handle_call);
                let req = t[2].clone();
                let res = {
                    let mut s = shared.server.borrow_mut();
                    ctx.catch_unpin(s.handle_call(ctx, req, from)).await
                };
                let outcome = match res {
                    Ok(CallReply::Reply(r)) => {
                        reply(ctx, from, r);
                        Outcome::Continue(None)
                    }
                    Ok(CallReply::ReplyTimeout(r, ms)) => {
                        reply(ctx, from, r);
                        Outcome::Continue(Some(ms))
                    }
                    Ok(CallReply::NoReply) => Outcome::Continue(None),
                    Ok(CallReply::NoReplyTimeout(ms)) => Outcome::Continue(Some(ms)),
                    Ok(CallReply::Stop(reason, r)) => {
                        // OTP runs terminate first, then replies.
                        let out = terminate_inner(ctx, shared, &reason).await;
                        if let Some(r) = r {
                            reply(ctx, from, r);
                        }
                        return (names.call_atom, Outcome::Done(out));
                    }
                    Err(reason) => Outcome::Crashed(reason),
                };
                return (names.call_atom, outcome);
            }
        }
    }
    if let Some(t) = msg.tagged(Atom::GEN_CAST) {
        if t.len() == 2 {
            ctx.set_current_function(&names.handle_cast);
            let res = {
                let mut s = shared.server.borrow_mut();
                ctx.catch_unpin(s.handle_cast(ctx, t[1].clone())).await
            };
            return (names.cast_atom, noreply_outcome(res));
        }
    }
    ctx.set_current_function(&names.handle_info);
    let res = {
        let mut s = shared.server.borrow_mut();
        ctx.catch_unpin(s.handle_info(ctx, msg)).await
    };
    (names.info_atom, noreply_outcome(res))
}

fn noreply_outcome(res: Result<NoReply, Term>) -> Outcome {
    match res {
        Ok(NoReply::Continue) => Outcome::Continue(None),
        Ok(NoReply::Timeout(ms)) => Outcome::Continue(Some(ms)),
        Ok(NoReply::Stop(r)) => Outcome::Stop(r),
        Err(r) => Outcome::Crashed(r),
    }
}

fn trace_callback(ctx: &Ctx, shared: &Rc<Shared>, callback: Atom, (t0, r0): (VTime, u64)) {
    if !ctx.wants(KindMask::CALLS) {
        return;
    }
    let reds = ctx.peek(|k| k.proc(ctx.pid()).map(|p| p.reductions).unwrap_or(0)).saturating_sub(r0);
    let state = shared.server.try_borrow().ok().map(|s| s.trace_state());
    ctx.emit(EventKind::Callback { pid: ctx.pid(), callback, reductions: reds, took: ctx.now() - t0, state });
}

/// Runs `terminate/2` and returns the exit reason.
async fn terminate(ctx: &Ctx, shared: &Rc<Shared>, names: &Names, reason: Term) -> Term {
    ctx.set_current_function(&names.terminate);
    terminate_inner(ctx, shared, &reason).await
}

// The server stays mutably borrowed for the whole of a callback, across
// its awaits, on purpose: that borrow is how `Introspect` knows the server
// is busy (and answers `timeout`, as `sys:get_state` would), and no other
// code touches the server while its own process runs the callback.
#[allow(clippy::await_holding_refcell_ref)]
async fn terminate_inner(ctx: &Ctx, shared: &Rc<Shared>, reason: &Term) -> Term {
    let res = {
        let mut s = shared.server.borrow_mut();
        ctx.catch_unpin(s.terminate(ctx, reason)).await
    };
    let out = match res {
        Ok(()) => reason.clone(),
        // An exit inside terminate replaces the reason, as in OTP.
        Err(r) => r,
    };
    // After `terminate/2`, OTP's gen_server reports an abnormal stop
    // (`error_info`), then proc_lib reports the crash on the way out. Both
    // ask the logger first; see `logger_allow` for why that is observable.
    if !is_clean_exit(&out) {
        logger_allow(ctx, "gen_server").await;
    }
    crash_report_check(ctx, &out).await;
    out
}

/// `normal`, `shutdown` and `{shutdown, _}`: the exits OTP calls clean.
/// A server that stops with one is not reported (`error_info`,
/// `proc_lib:crash_report`), and a transient child that exits with one is
/// not restarted (see `supervisor`'s `needs_restart`).
pub fn is_clean_exit(reason: &Term) -> bool {
    reason.is_atom(Atom::NORMAL)
        || reason.is_atom(Atom::SHUTDOWN)
        || matches!(reason.tagged(Atom::SHUTDOWN), Some(t) if t.len() == 2)
}

/// `proc_lib:crash_report/4` as far as it is observable: a process that
/// exits abnormally asks the logger whether to report it.
async fn crash_report_check(ctx: &Ctx, reason: &Term) {
    if !is_clean_exit(reason) {
        logger_allow(ctx, "proc_lib").await;
    }
}

/// `logger:allow(Level, Module)` as far as it is observable. The first time
/// a module asks, `logger_config:allow/2` caches the module's level with
/// `persistent_term:put`, which schedules the caller out while ERTS waits
/// for thread progress; later asks only read the cache. Real OTP traces
/// show the pause: the first gen_server in a run that stops abnormally
/// (say a trapping worker whose supervisor was killed) runs `terminate`
/// and then lets other processes run before it dies, while later ones die
/// at once. Logging itself is off in the conformance runs, so nothing else
/// of the logger matters.
pub(crate) async fn logger_allow(ctx: &Ctx, module: &str) {
    thread_local! {
        // The keys by module: a supervisor asks on every child start, and
        // interning two atoms each time cost more than the check itself.
        static KEYS: RefCell<Vec<(Rc<str>, Term)>> = const { RefCell::new(Vec::new()) };
    }
    let cached = KEYS.with(|k| k.borrow().iter().find(|(m, _)| &**m == module).map(|(_, t)| t.clone()));
    let key = match cached {
        Some(t) => t,
        None => {
            let t = Term::tuple(vec![Term::atom("logger_config"), Term::atom(module)]);
            KEYS.with(|k| k.borrow_mut().push((Rc::from(module), t.clone())));
            t
        }
    };
    if ctx.persistent_term_get(&key).is_none() {
        ctx.persistent_term_put(key, Term::Int(-1)).await;
    }
}

/// What the loop does after a system message: go on serving, or exit with
/// this reason (`sys:terminate`, which has already run `terminate/2`).
enum AfterSystem {
    Continue,
    Exit(Term),
}

/// Handles `{:system, from, req}`.
async fn handle_system(ctx: &Ctx, shared: &Rc<Shared>, from: From, req: &Term, parent: Pid) -> AfterSystem {
    let reply_sys = |r: Term| reply(ctx, from, r);
    match req {
        Term::Atom(a) if *a == Atom::GET_STATE => match shared.state() {
            Ok(s) => reply_sys(s),
            Err(e) => reply_sys(Term::error_tuple(e)),
        },
        Term::Atom(a) if *a == Atom::GET_STATUS => {
            let s = shared.state().unwrap_or(Term::Atom(Atom::UNDEFINED));
            let status = if shared.sys_suspended.get() { Atom::SUSPEND } else { Atom::RUNNING };
            reply_sys(Term::tuple(vec![
                Term::atom("status"),
                Term::Pid(ctx.pid()),
                Term::tuple(vec![Term::atom("module"), Term::atom("gen_server")]),
                Term::list(vec![Term::Atom(status), Term::Pid(parent), s]),
            ]));
        }
        Term::Atom(a) if *a == Atom::SUSPEND => {
            shared.sys_suspended.set(true);
            reply_sys(Term::ok());
            // Suspended: only system messages are handled until resume.
            loop {
                let is_sys = |m: &Term| m.tagged(Atom::SYSTEM).is_some_and(|t| t.len() == 3);
                let Some(m) = ctx.receive_match(is_sys, None).await else {
                    continue;
                };
                let Some(t) = m.tagged(Atom::SYSTEM) else {
                    continue;
                };
                let Some(f2) = parse_from(&t[1]) else {
                    continue;
                };
                if t[2].is_atom(Atom::RESUME) {
                    shared.sys_suspended.set(false);
                    reply(ctx, f2, Term::ok());
                    break;
                }
                if t[2].is_atom(Atom::SUSPEND) {
                    reply(ctx, f2, Term::ok());
                    continue;
                }
                if let AfterSystem::Exit(r) = Box::pin(handle_system(ctx, shared, f2, &t[2], parent)).await {
                    return AfterSystem::Exit(r);
                }
            }
        }
        Term::Atom(a) if *a == Atom::RESUME => reply_sys(Term::ok()),
        Term::Tuple(t) if t.len() == 2 && t[0].is_atom(Atom::REPLACE_STATE) => {
            match shared.replace_state(t[1].clone()) {
                Ok(()) => reply_sys(shared.state().unwrap_or(Term::Atom(Atom::UNDEFINED))),
                Err(e) => reply_sys(Term::error_tuple(e)),
            }
        }
        Term::Tuple(t) if t.len() == 2 && t[0].is_atom(Atom::TERMINATE) => {
            let reason = t[1].clone();
            let out = terminate_inner(ctx, shared, &reason).await;
            reply_sys(Term::ok());
            return AfterSystem::Exit(out);
        }
        other => reply_sys(Term::error_tuple(Term::tuple(vec![Term::atom("unknown_system_msg"), other.clone()]))),
    }
    AfterSystem::Continue
}

fn parse_from(t: &Term) -> Option<From> {
    match t.as_tuple()? {
        [Term::Pid(pid), Term::Ref(tag)] => Some(From { pid: *pid, tag: *tag }),
        _ => None,
    }
}

/// `gen_server:reply/2`.
pub fn reply(ctx: &Ctx, from: From, r: Term) {
    ctx.send(from.pid, tuple([Term::Ref(from.tag), r]));
}

/// `gen_server:cast/2`.
pub fn cast(ctx: &Ctx, to: Pid, msg: Term) {
    ctx.send(to, tuple([Term::Atom(Atom::GEN_CAST), msg]));
}

/// A call target: a pid or a registered name.
#[derive(Clone, Copy, Debug)]
pub enum Server {
    Pid(Pid),
    Name(Atom),
}

impl Server {
    fn to_term(self) -> Term {
        match self {
            Server::Pid(p) => Term::Pid(p),
            Server::Name(a) => Term::Atom(a),
        }
    }
}

impl std::convert::From<Pid> for Server {
    fn from(p: Pid) -> Server {
        Server::Pid(p)
    }
}

/// `gen_server:call/3` with a timeout in ms (`None`: infinity). On failure
/// the caller exits, as in OTP, with `{reason, {GenServer, :call, [...]}}`.
pub async fn call(ctx: &Ctx, to: impl Into<Server>, req: Term, timeout: Option<u64>) -> Term {
    let to = to.into();
    match try_call(ctx, to, req.clone(), timeout).await {
        Ok(r) => r,
        Err(reason) => {
            let t = timeout.map(|ms| Term::Int(ms as i64)).unwrap_or(Term::Atom(Atom::INFINITY));
            let mfa =
                Term::tuple(vec![Term::atom("gen_server"), Term::atom("call"), Term::list(vec![to.to_term(), req, t])]);
            match ctx.exit(Term::tuple(vec![reason, mfa])).await {}
        }
    }
}

/// `gen_server:call/3` that returns the failure reason instead of exiting:
/// `timeout`, `noproc`, or the server's exit reason.
pub async fn try_call(ctx: &Ctx, to: impl Into<Server>, req: Term, timeout: Option<u64>) -> Result<Term, Term> {
    let pid = match to.into() {
        Server::Pid(p) => p,
        Server::Name(n) => ctx.whereis(n).ok_or(Term::Atom(Atom::NOPROC))?,
    };
    if pid == ctx.pid() {
        return Err(Term::Atom(Atom::CALLING_SELF));
    }
    let mref = ctx.monitor(pid);
    ctx.send(pid, tuple([Term::Atom(Atom::GEN_CALL), From { pid: ctx.pid(), tag: mref }.to_term(), req]));
    // While it waits, the caller shows `gen:do_call/4` as its current
    // function, as a process blocked in a call does on the BEAM; tools read
    // it (with the call's monitor, the newest one) to find call chains.
    thread_local! {
        // Shared, so that a call neither allocates the name nor compares
        // its text when setting it.
        static DO_CALL_FN: Rc<str> = Rc::from(DO_CALL);
    }
    let before = ctx.peek(|k| k.proc(ctx.pid()).and_then(|p| p.extra()).and_then(|e| e.current_function.clone()));
    DO_CALL_FN.with(|f| ctx.set_current_function(f));
    let r = wait_reply(ctx, pid, mref, timeout).await;
    if let Some(f) = before {
        ctx.set_current_function(&f);
    }
    r
}

/// The current function of a process blocked in a `gen_server` call.
pub const DO_CALL: &str = "gen:do_call/4";

/// `sys:*` request to a gen_server: `{:system, from, req}`.
pub async fn system_call(ctx: &Ctx, to: Pid, req: Term, timeout: Option<u64>) -> Result<Term, Term> {
    let mref = ctx.monitor(to);
    ctx.send(to, Term::tuple(vec![Term::Atom(Atom::SYSTEM), From { pid: ctx.pid(), tag: mref }.to_term(), req]));
    wait_reply(ctx, to, mref, timeout).await
}

async fn wait_reply(ctx: &Ctx, pid: Pid, mref: Ref, timeout: Option<u64>) -> Result<Term, Term> {
    let matches = move |m: &Term| match m.as_tuple() {
        Some([Term::Ref(r), _]) => *r == mref,
        Some([d, Term::Ref(r), _, Term::Pid(p), _]) => d.is_atom(Atom::DOWN) && *r == mref && *p == pid,
        _ => false,
    };
    match ctx.receive_match(matches, timeout).await {
        Some(Term::Tuple(t)) if t.len() == 2 => {
            ctx.demonitor(mref, true);
            Ok(t[1].clone())
        }
        Some(Term::Tuple(t)) if t.len() == 5 => Err(t[4].clone()),
        _ => {
            ctx.demonitor(mref, true);
            Err(Term::Atom(Atom::TIMEOUT))
        }
    }
}
