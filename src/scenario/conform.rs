//! The conformance runner: runs a scenario as `conform.erl` does on real
//! OTP — a tracer process, a driver process that starts the root and runs
//! the steps, GenServer workers that report to the tracer — and renders the
//! trace in FORMAT.md's JSON Lines.
//!
//! The tracer is a real process fed by real messages (synchronous calls
//! from `init`, casts from `terminate`, `DOWN`s from monitors), because the
//! trace order is the order of its mailbox, and that order is what OTP's
//! semantics decide.

use crate::otp::gen_server::{self, CallReply, From, GenServer, Init, NoReply, StartOpts, StartResult};
use crate::otp::supervisor::{self, ChildSpec, Flags, InitFn, StartFn, Strategy, SupInit};
use crate::runtime::{Config, Ctx, Runtime, SpawnOpts, VTime};
use crate::scenario::{Action, Node, NodeKind, ReasonSpec, Scenario, TerminateMs};
use crate::term::{Atom, Pid, Ref, Term};
use async_trait::async_trait;
use std::cell::RefCell;
use std::collections::BTreeMap;
use std::rc::Rc;

/// One line of the trace.
#[derive(Clone, Debug, PartialEq)]
pub enum TraceEvent {
    Start { path: String, n: u32 },
    InitFailed { path: String, n: u32 },
    InitIgnored { path: String, n: u32 },
    Terminate { path: String, reason: Term },
    Exit { path: String, reason: Term },
    Step { n: usize },
    Result { n: usize, value: String },
    End { alive: Vec<String> },
}

impl TraceEvent {
    /// The line exactly as FORMAT.md writes it.
    pub fn to_json_line(&self) -> String {
        let s = |x: &str| serde_json::Value::String(x.to_string()).to_string();
        match self {
            TraceEvent::Start { path, n } => {
                format!("{{\"event\":\"start\",\"path\":{},\"n\":{n}}}", s(path))
            }
            TraceEvent::InitFailed { path, n } => {
                format!("{{\"event\":\"init_failed\",\"path\":{},\"n\":{n}}}", s(path))
            }
            TraceEvent::InitIgnored { path, n } => {
                format!("{{\"event\":\"init_ignored\",\"path\":{},\"n\":{n}}}", s(path))
            }
            TraceEvent::Terminate { path, reason } => {
                format!("{{\"event\":\"terminate\",\"path\":{},\"reason\":{}}}", s(path), json_reason(reason))
            }
            TraceEvent::Exit { path, reason } => {
                format!("{{\"event\":\"exit\",\"path\":{},\"reason\":{}}}", s(path), json_reason(reason))
            }
            TraceEvent::Step { n } => format!("{{\"event\":\"step\",\"n\":{n}}}"),
            TraceEvent::Result { n, value } => {
                format!("{{\"event\":\"result\",\"n\":{n},\"value\":{}}}", s(value))
            }
            TraceEvent::End { alive } => {
                let items: Vec<String> = alive.iter().map(|a| s(a)).collect();
                format!("{{\"event\":\"end\",\"alive\":[{}]}}", items.join(","))
            }
        }
    }
}

/// A reason as FORMAT.md writes it: an atom as a string, `{shutdown, X}`
/// as `{"shutdown": text}`, anything else as its `~w` text.
pub fn json_reason(r: &Term) -> String {
    let s = |x: &str| serde_json::Value::String(x.to_string()).to_string();
    match r {
        Term::Atom(a) => s(&a.name()),
        Term::Tuple(t) if t.len() == 2 && t[0].is_atom(Atom::SHUTDOWN) => {
            let inner = match &t[1] {
                Term::Atom(a) => a.name().to_string(),
                other => other.erlang_w(),
            };
            format!("{{\"shutdown\":{}}}", s(&inner))
        }
        other => s(&other.erlang_w()),
    }
}

/// The result of a supervisor call, normalised as FORMAT.md says.
fn norm_result(r: &Result<Term, Term>) -> String {
    match r {
        Ok(t) if t.is_atom(Atom::OK) => "ok".into(),
        Ok(t) if t.tagged(Atom::OK).is_some() => "ok".into(),
        Ok(t) => match t.tagged(Atom::ERROR) {
            Some([_, e]) => format!("error:{}", error_tag(e)),
            _ => format!("error:{}", error_tag(t)),
        },
        Err(e) => format!("error:{}", error_tag(e)),
    }
}

fn error_tag(e: &Term) -> String {
    match e {
        Term::Atom(a) => a.name().to_string(),
        Term::Tuple(t) if !t.is_empty() => error_tag(&t[0]),
        other => other.erlang_w(),
    }
}

// --- the tracer -------------------------------------------------------------

#[derive(Default)]
struct TracerState {
    events: Vec<TraceEvent>,
    attempts: BTreeMap<String, u32>,
    alive: BTreeMap<Pid, String>,
    holder: BTreeMap<String, Pid>,
    /// The trace as it stood when the driver asked the tracer to finish.
    finished: Option<Vec<TraceEvent>>,
}

/// Requests to the tracer. They travel as messages carrying an index into
/// this side table, since a request holds Rust data (paths, reasons).
enum TReq {
    Attempt(String),
    Started(String, u32, Pid),
    InitFailed(String, u32),
    InitIgnored(String, u32),
    Resolve(String),
    Finish,
}

#[derive(Clone)]
struct Tracer {
    pid: Pid,
    state: Rc<RefCell<TracerState>>,
    reqs: Rc<RefCell<BTreeMap<i64, TReq>>>,
    evs: Rc<RefCell<BTreeMap<i64, TraceEvent>>>,
    next: Rc<RefCell<i64>>,
}

const A_CALL: &str = "tcall";
const A_EV: &str = "ev";

impl Tracer {
    fn ticket(&self) -> i64 {
        let mut n = self.next.borrow_mut();
        *n += 1;
        *n
    }

    /// `conform:tcall/2`: a synchronous request.
    async fn call(&self, ctx: &Ctx, req: TReq) -> Term {
        let id = self.ticket();
        self.reqs.borrow_mut().insert(id, req);
        let tag = ctx.make_ref();
        ctx.send(self.pid, Term::tuple(vec![Term::atom(A_CALL), Term::Pid(ctx.pid()), Term::Ref(tag), Term::Int(id)]));
        let is_reply = move |m: &Term| matches!(m.as_tuple(), Some([Term::Ref(r), _]) if *r == tag);
        match ctx.receive_match(is_reply, None).await {
            Some(Term::Tuple(t)) => t[1].clone(),
            _ => Term::nil(),
        }
    }

    /// `Tracer ! {ev, Ev}`.
    fn event(&self, ctx: &Ctx, ev: TraceEvent) {
        let id = self.ticket();
        self.evs.borrow_mut().insert(id, ev);
        ctx.send(self.pid, Term::tuple(vec![Term::atom(A_EV), Term::Int(id)]));
    }

    async fn resolve(&self, ctx: &Ctx, path: &str) -> Option<(Pid, bool)> {
        let r = self.call(ctx, TReq::Resolve(path.to_string())).await;
        match r.as_tuple() {
            Some([Term::Pid(p), alive]) => Some((*p, alive.is_atom(Atom::TRUE))),
            _ => None,
        }
    }
}

async fn tracer_loop(ctx: Ctx, t: Tracer) -> Term {
    let ev_atom = Atom::new(A_EV);
    let call_atom = Atom::new(A_CALL);
    loop {
        let Some(msg) = ctx.receive().await else {
            continue;
        };
        let Some(items) = msg.as_tuple() else {
            continue;
        };
        if items.len() == 2 && items[0].is_atom(ev_atom) {
            if let Some(ev) = items[1].as_int().and_then(|i| t.evs.borrow_mut().remove(&i)) {
                t.state.borrow_mut().events.push(ev);
            }
        } else if items.len() == 4 && items[0].is_atom(call_atom) {
            let (Some(from), Some(tag), Some(id)) = (items[1].as_pid(), items[2].as_ref_(), items[3].as_int()) else {
                continue;
            };
            let Some(req) = t.reqs.borrow_mut().remove(&id) else {
                continue;
            };
            let reply = tracer_call(&ctx, &t, req);
            ctx.send(from, Term::tuple(vec![Term::Ref(tag), reply]));
        } else if items.len() == 5 && items[0].is_atom(Atom::DOWN) {
            if let Some(pid) = items[3].as_pid() {
                let mut st = t.state.borrow_mut();
                if let Some(path) = st.alive.remove(&pid) {
                    st.events.push(TraceEvent::Exit { path, reason: items[4].clone() });
                }
            }
        }
    }
}

fn tracer_call(ctx: &Ctx, t: &Tracer, req: TReq) -> Term {
    let mut st = t.state.borrow_mut();
    match req {
        TReq::Attempt(path) => {
            let n = st.attempts.entry(path).or_insert(0);
            *n += 1;
            Term::Int(*n as i64)
        }
        TReq::Started(path, n, pid) => {
            ctx.monitor(pid);
            st.events.push(TraceEvent::Start { path: path.clone(), n });
            st.alive.insert(pid, path.clone());
            st.holder.insert(path, pid);
            Term::ok()
        }
        TReq::InitFailed(path, n) => {
            st.events.push(TraceEvent::InitFailed { path, n });
            Term::ok()
        }
        TReq::InitIgnored(path, n) => {
            st.events.push(TraceEvent::InitIgnored { path, n });
            Term::ok()
        }
        TReq::Resolve(path) => match st.holder.get(&path) {
            Some(p) => Term::tuple(vec![Term::Pid(*p), Term::bool(st.alive.contains_key(p))]),
            None => Term::atom("none"),
        },
        TReq::Finish => {
            let mut alive: Vec<String> = st.alive.values().cloned().collect();
            crate::util::sort(&mut alive);
            let mut out = st.events.clone();
            out.push(TraceEvent::End { alive });
            st.finished = Some(out);
            Term::ok()
        }
    }
}

// --- the worker and the supervisor callback ----------------------------------

struct Worker {
    tracer: Tracer,
    node: Rc<Node>,
    path: String,
}

#[async_trait(?Send)]
impl GenServer for Worker {
    fn module(&self) -> &str {
        "conform_worker"
    }

    async fn init(&mut self, ctx: &Ctx) -> Init {
        if self.node.trap_exit {
            ctx.trap_exit(true);
        }
        let n = self.tracer.call(ctx, TReq::Attempt(self.path.clone())).await.as_int().unwrap_or(1) as u32;
        if self.node.init_fail.contains(&n) {
            self.tracer.call(ctx, TReq::InitFailed(self.path.clone(), n)).await;
            return Init::Stop(Term::Atom(Atom::INIT_FAILED));
        }
        if self.node.init_ignore.contains(&n) {
            self.tracer.call(ctx, TReq::InitIgnored(self.path.clone(), n)).await;
            return Init::Ignore;
        }
        self.tracer.call(ctx, TReq::Started(self.path.clone(), n, ctx.pid())).await;
        Init::Ok
    }

    async fn handle_call(&mut self, _ctx: &Ctx, _req: Term, _from: From) -> CallReply {
        CallReply::Reply(Term::ok())
    }

    async fn handle_cast(&mut self, _ctx: &Ctx, msg: Term) -> NoReply {
        match msg.tagged(Atom::new("crash")) {
            Some([_, reason]) => NoReply::Stop(reason.clone()),
            _ => NoReply::Continue,
        }
    }

    async fn terminate(&mut self, ctx: &Ctx, reason: &Term) {
        self.tracer.event(ctx, TraceEvent::Terminate { path: self.path.clone(), reason: reason.clone() });
        match &self.node.terminate_ms {
            Some(TerminateMs::Ms(ms)) if *ms > 0.0 => ctx.sleep(ms.round() as u64).await,
            Some(TerminateMs::Word(w)) if w == "infinity" => loop {
                ctx.receive_match(|_| false, None).await;
            },
            _ => {}
        }
    }

    fn state(&self) -> Term {
        Term::map(vec![(Term::atom("path"), Term::str(&self.path))])
    }
}

fn worker_start(tracer: Tracer, node: Rc<Node>, path: Option<String>) -> StartFn {
    Rc::new(move |ctx: Ctx, args: Vec<Term>| {
        let tracer = tracer.clone();
        let node = node.clone();
        // A dynamic child's path is its supervisor's path and `#K`, K
        // being the extra argument `start_child` appended.
        let path = match &path {
            Some(p) => p.clone(),
            None => {
                let sup = args.first().and_then(|a| a.as_str().map(str::to_string)).unwrap_or_default();
                let k = args.get(1).and_then(|a| a.as_int()).unwrap_or(0);
                format!("{sup}/#{k}")
            }
        };
        Box::pin(async move {
            let w = Worker { tracer, node, path };
            gen_server::start_link(&ctx, Box::new(w), StartOpts::default()).await
        })
    })
}

fn child_spec(tracer: &Tracer, node: &Node, parent_path: &str) -> ChildSpec {
    let path = format!("{parent_path}/{}", node.id);
    let node_rc = Rc::new(node.clone());
    match node.kind {
        NodeKind::Supervisor => {
            let t = tracer.clone();
            let start: StartFn = Rc::new(move |ctx: Ctx, _args: Vec<Term>| {
                let t = t.clone();
                let node = node_rc.clone();
                let path = path.clone();
                Box::pin(async move { start_sup(&ctx, t, node, path).await })
            });
            node.child_spec(start, vec![], "conform_sup")
        }
        NodeKind::Worker => {
            node.child_spec(worker_start(tracer.clone(), node_rc, Some(path)), vec![], "conform_worker")
        }
    }
}

fn template_spec(tracer: &Tracer, node: &Node, sup_path: &str) -> ChildSpec {
    node.child_spec(
        worker_start(tracer.clone(), Rc::new(node.clone()), None),
        vec![Term::str(sup_path)],
        "conform_worker",
    )
}

/// `conform_sup:start_link/3`.
async fn start_sup(ctx: &Ctx, tracer: Tracer, node: Rc<Node>, path: String) -> StartResult {
    let init: InitFn = Box::new(move |ctx: Ctx| {
        Box::pin(async move {
            let n = tracer.call(&ctx, TReq::Attempt(path.clone())).await.as_int().unwrap_or(1) as u32;
            tracer.call(&ctx, TReq::Started(path.clone(), n, ctx.pid())).await;
            let strategy = node.strategy.as_deref().and_then(Strategy::parse).unwrap_or(Strategy::OneForOne);
            let flags =
                Flags { strategy, intensity: node.intensity.unwrap_or(1), period_s: node.period_s.unwrap_or(5) };
            let specs = if strategy == Strategy::SimpleOneForOne {
                match &node.template {
                    Some(t) => vec![template_spec(&tracer, t, &path)],
                    None => vec![],
                }
            } else {
                node.children.iter().map(|c| child_spec(&tracer, c, &path)).collect()
            };
            SupInit::Ok(flags, specs)
        })
    });
    supervisor::start_link(ctx, None, init).await
}

// --- the driver -------------------------------------------------------------

fn reason_term(r: &ReasonSpec) -> Term {
    match r {
        ReasonSpec::Atom(a) => Term::atom(a),
        ReasonSpec::Shutdown { shutdown } => Term::tuple(vec![Term::Atom(Atom::SHUTDOWN), Term::atom(shutdown)]),
    }
}

fn split_path(p: &str) -> (&str, &str) {
    match p.rfind('/') {
        Some(i) => (&p[..i], &p[i + 1..]),
        None => ("", p),
    }
}

async fn dead_pid(ctx: &Ctx) -> Pid {
    let (pid, mref): (Pid, Ref) = ctx.spawn_monitor(SpawnOpts::default(), |_c| async { Term::Atom(Atom::NORMAL) });
    ctx.receive_match(move |m: &Term| matches!(m.as_tuple(), Some([_, Term::Ref(r), ..]) if *r == mref), None).await;
    pid
}

async fn with_sup(ctx: &Ctx, t: &Tracer, sup_path: &str, req: Term) -> Result<Term, Term> {
    match t.resolve(ctx, sup_path).await {
        Some((pid, true)) => gen_server::try_call(ctx, pid, req, None).await,
        _ => Err(Term::Atom(Atom::NOPROC)),
    }
}

async fn driver(ctx: Ctx, scen: Rc<Scenario>, tracer: Tracer) -> Term {
    ctx.trap_exit(true);
    let t0 = ctx.now();
    let root = Rc::new(scen.tree.clone());
    let root_path = root.id.clone();
    let _ = start_sup(&ctx, tracer.clone(), root, root_path).await;
    let mut sofo: BTreeMap<String, i64> = BTreeMap::new();
    for (i, step) in scen.steps.iter().enumerate() {
        let n = i + 1;
        ctx.sleep_until(t0 + VTime::from_ms(step.at_ms.round() as u64)).await;
        tracer.event(&ctx, TraceEvent::Step { n });
        let Ok(action) = step.action() else { continue };
        let alive = |path: String| {
            let tracer = tracer.clone();
            let ctx = ctx.clone();
            async move {
                match tracer.resolve(&ctx, &path).await {
                    Some((p, true)) => Some(p),
                    _ => None,
                }
            }
        };
        match action {
            Action::Kill(p) => {
                if let Some(pid) = alive(p).await {
                    ctx.exit_signal(pid, Term::Atom(Atom::KILL));
                }
            }
            Action::Exit(p, r) => {
                if let Some(pid) = alive(p).await {
                    ctx.exit_signal(pid, reason_term(&r));
                }
            }
            Action::Crash(p, r) => {
                if let Some(pid) = alive(p).await {
                    gen_server::cast(&ctx, pid, Term::tuple(vec![Term::atom("crash"), reason_term(&r)]));
                }
            }
            Action::Stop(p) => {
                if let Some(pid) = alive(p).await {
                    ctx.exit_signal(pid, Term::Atom(Atom::SHUTDOWN));
                }
            }
            Action::TerminateChild(p) | Action::RestartChild(p) | Action::DeleteChild(p) => {
                let op = match &step {
                    s if s.terminate_child.is_some() => "terminate_child",
                    s if s.restart_child.is_some() => "restart_child",
                    _ => "delete_child",
                };
                let (sup_path, last) = split_path(&p);
                let id = if last.starts_with('#') {
                    match tracer.resolve(&ctx, &p).await {
                        Some((pid, _)) => Term::Pid(pid),
                        None => Term::Pid(dead_pid(&ctx).await),
                    }
                } else {
                    Term::atom(last)
                };
                let res = with_sup(&ctx, &tracer, sup_path, Term::tuple(vec![Term::atom(op), id])).await;
                tracer.event(&ctx, TraceEvent::Result { n, value: norm_result(&res) });
            }
            Action::StartChild(sup_path, Some(spec)) => {
                let res = match tracer.resolve(&ctx, &sup_path).await {
                    Some((pid, true)) => {
                        supervisor::start_child(&ctx, pid, child_spec(&tracer, &spec, &sup_path)).await
                    }
                    _ => Err(Term::Atom(Atom::NOPROC)),
                };
                tracer.event(&ctx, TraceEvent::Result { n, value: norm_result(&res) });
            }
            Action::StartChild(sup_path, None) => {
                let k = sofo.get(&sup_path).copied().unwrap_or(0) + 1;
                let res = with_sup(
                    &ctx,
                    &tracer,
                    &sup_path,
                    Term::tuple(vec![Term::atom("start_child"), Term::list(vec![Term::Int(k)])]),
                )
                .await;
                sofo.insert(sup_path, k);
                tracer.event(&ctx, TraceEvent::Result { n, value: norm_result(&res) });
            }
            Action::Send(p, m) => {
                if let (Some(pid), Ok(msg)) = (alive(p).await, crate::term::parse(&m)) {
                    ctx.send(pid, msg);
                }
            }
            Action::Note(_) => {}
        }
    }
    let end = t0 + VTime::from_ms(scen.last_at_ms() + scen.settle_ms);
    ctx.sleep_until(end).await;
    tracer.call(&ctx, TReq::Finish).await;
    Term::Atom(Atom::NORMAL)
}

/// Runs a scenario through the conformance runner and returns its trace.
pub fn run(scen: &Scenario) -> Vec<TraceEvent> {
    let mut rt = Runtime::new(Config { seed: scen.seed.unwrap_or(0), ..Config::default() });
    let state = Rc::new(RefCell::new(TracerState::default()));
    let mut tracer = Tracer {
        pid: Pid(0),
        state: state.clone(),
        reqs: Rc::new(RefCell::new(BTreeMap::new())),
        evs: Rc::new(RefCell::new(BTreeMap::new())),
        next: Rc::new(RefCell::new(0)),
    };
    let t_for_loop = tracer.clone();
    let tpid = rt.spawn(SpawnOpts::named("conform:tracer_init/0"), move |c| {
        let mut t = t_for_loop;
        t.pid = c.pid();
        tracer_loop(c, t)
    });
    tracer.pid = tpid;
    let scen = Rc::new(scen.clone());
    let driver_pid = rt.spawn(SpawnOpts::named("conform:driver/2"), move |c| driver(c, scen, tracer));
    // Run until the driver has finished (it sleeps until the end of the
    // scenario, then asks the tracer to finish), with a generous bound so
    // that a scenario whose processes never settle cannot hang the CLI.
    let mut guard: u64 = 0;
    while rt.is_alive(driver_pid) && guard < 50_000_000 {
        if rt.step() == crate::runtime::Step::Idle {
            break;
        }
        guard += 1;
    }
    let st = state.borrow();
    match &st.finished {
        Some(out) => out.clone(),
        None => {
            // The driver never finished (a step blocked forever): report
            // what happened so far, and who is alive now.
            let mut out = st.events.clone();
            let mut alive: Vec<String> = st.alive.values().cloned().collect();
            crate::util::sort(&mut alive);
            out.push(TraceEvent::End { alive });
            out
        }
    }
}
