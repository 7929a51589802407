//! The generic worker (what a scenario node with no `worker` kind is) and
//! the builder that turns a scenario tree into supervisor child specs.
//!
//! The generic worker is a small, useful GenServer: a counter with a
//! key-value store that answers any call, cast or info, and can be told to
//! call, cast or send to other processes, sleep inside a callback, burn
//! reductions, grow its memory or crash. Its parameters make it a load
//! generator (`load`), a slow consumer (`slow_ms`) or a process linked to
//! or monitoring others by name (`links`, `monitors`). Every scenario used by
//! the control layer's tests is built from it.

use crate::lang::Code;
use crate::otp::gen_server::{self, CallReply, From, GenServer, Init, NoReply, StartOpts, StartResult};
use crate::otp::supervisor::{self, ChildSpec, InitFn, StartFn, Strategy, SupInit};
use crate::runtime::Ctx;
use crate::scenario::{Node, NodeKind};
use crate::term::{Atom, Pid, Term};
use crate::util::VecMap;
use async_trait::async_trait;
use serde::Deserialize;
use std::rc::Rc;

/// The module name the generic worker shows in process info.
pub const GENERIC_MODULE: &str = "Otpsim.GenericWorker";

/// A load generator: every `every_ms`, send `message` to `to` (a
/// registered name) `burst` times, as a cast, a call or a plain send.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Load {
    pub to: String,
    pub every_ms: u64,
    pub message: String,
    #[serde(default = "default_mode")]
    pub mode: String,
    #[serde(default = "one")]
    pub burst: u32,
}

fn default_mode() -> String {
    "cast".into()
}

fn one() -> u32 {
    1
}

/// The generic worker's parameters (the node's `params`).
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GenericParams {
    /// Virtual ms each message takes to handle (a slow consumer).
    #[serde(default)]
    pub slow_ms: u64,
    #[serde(default)]
    pub load: Option<Load>,
    /// Registered names to link to at init.
    #[serde(default)]
    pub links: Vec<String>,
    /// Registered names to monitor at init.
    #[serde(default)]
    pub monitors: Vec<String>,
    /// The counter's initial value.
    #[serde(default)]
    pub value: i64,
}

/// A checked load generator.
#[derive(Clone, Debug)]
struct LoadPlan {
    to: Atom,
    every_ms: u64,
    message: Term,
    mode: LoadMode,
    burst: u32,
}

#[derive(Clone, Copy, Debug)]
enum LoadMode {
    Cast,
    Call,
    Send,
}

/// Parameters checked once, when the tree is built.
#[derive(Clone, Debug)]
struct Plan {
    slow_ms: u64,
    load: Option<LoadPlan>,
    links: Vec<Atom>,
    monitors: Vec<Atom>,
    value: i64,
}

fn plan_of(params: Option<&serde_json::Value>) -> Result<Plan, String> {
    let p: GenericParams = match params {
        None => GenericParams::default(),
        Some(v) => serde_json::from_value(v.clone()).map_err(|e| format!("params: {e}"))?,
    };
    let load = match p.load {
        None => None,
        Some(l) => {
            let message = crate::term::parse(&l.message).map_err(|e| format!("params.load.message: {e}"))?;
            let mode = match l.mode.as_str() {
                "cast" => LoadMode::Cast,
                "call" => LoadMode::Call,
                "send" => LoadMode::Send,
                m => return Err(format!("params.load.mode: {m:?} is not cast, call or send")),
            };
            if l.every_ms == 0 {
                return Err("params.load.every_ms must be at least 1".into());
            }
            Some(LoadPlan {
                to: Atom::new(&l.to),
                every_ms: l.every_ms,
                message,
                mode,
                burst: l.burst.clamp(1, 10_000),
            })
        }
    };
    Ok(Plan {
        slow_ms: p.slow_ms,
        load,
        links: p.links.iter().map(|n| Atom::new(n)).collect(),
        monitors: p.monitors.iter().map(|n| Atom::new(n)).collect(),
        value: p.value,
    })
}

/// The generic worker's state.
pub struct GenericWorker {
    plan: Rc<Plan>,
    count: i64,
    value: i64,
    last: Term,
    data: VecMap<Term, Term>,
    ballast: Vec<Term>,
    in_flight: u32,
}

const LOAD_TICK: &str = "$load_tick";

/// The most words of ballast `{:grow, n}` piles up (40 MB).
const MAX_BALLAST: usize = 5_000_000;

enum Handled {
    Reply(Term),
    Stop(Term),
}

impl GenericWorker {
    fn new(plan: Rc<Plan>) -> GenericWorker {
        let value = plan.value;
        GenericWorker {
            plan,
            count: 0,
            value,
            last: Term::nil(),
            data: VecMap::new(),
            ballast: Vec::new(),
            in_flight: 0,
        }
    }

    fn target(ctx: &Ctx, t: &Term) -> Option<Pid> {
        match t {
            Term::Pid(p) => Some(*p),
            Term::Atom(a) => ctx.whereis(*a),
            _ => None,
        }
    }

    /// The one message handler behind calls, casts and infos.
    async fn handle(&mut self, ctx: &Ctx, msg: Term) -> Handled {
        self.count += 1;
        self.last = msg.clone();
        if self.plan.slow_ms > 0 {
            ctx.sleep(self.plan.slow_ms).await;
        }
        let tag = match &msg {
            Term::Atom(a) => Some(a.name()),
            Term::Tuple(t) => t.first().and_then(|x| x.as_atom()).map(|a| a.name()),
            _ => None,
        };
        let args: &[Term] = msg.as_tuple().map(|t| &t[1..]).unwrap_or(&[]);
        match (tag.as_deref(), args) {
            (Some("get") | Some("state"), []) => Handled::Reply(self.state()),
            (Some("ping"), []) => Handled::Reply(Term::atom("pong")),
            (Some("inc"), []) => {
                self.value = self.value.saturating_add(1);
                Handled::Reply(Term::Int(self.value))
            }
            (Some("inc"), [Term::Int(n)]) => {
                self.value = self.value.saturating_add(*n);
                Handled::Reply(Term::Int(self.value))
            }
            (Some("put"), [k, v]) => {
                self.data.insert(k.clone(), v.clone());
                Handled::Reply(Term::ok())
            }
            (Some("get"), [k]) => Handled::Reply(self.data.get(k).cloned().unwrap_or(Term::nil())),
            (Some("crash"), [reason]) => Handled::Stop(reason.clone()),
            (Some("sleep"), [Term::Int(ms)]) => {
                ctx.sleep((*ms).max(0) as u64).await;
                Handled::Reply(Term::ok())
            }
            (Some("work"), [Term::Int(n)]) => {
                ctx.work((*n).clamp(0, 100_000_000) as u64).await;
                Handled::Reply(Term::ok())
            }
            (Some("grow"), [Term::Int(n)]) => {
                // The ballast lives in the process dictionary, where the
                // runtime's memory estimate (like `process_info(P, memory)`) sees it.
                let n = (*n).clamp(0, 1_000_000) as usize;
                if self.ballast.len() + n > MAX_BALLAST {
                    return Handled::Reply(Term::error_tuple(Term::atom("too_big")));
                }
                self.ballast.extend(std::iter::repeat_n(Term::Int(0), n));
                ctx.put(Term::atom("$ballast"), Term::list(self.ballast.clone()));
                Handled::Reply(Term::Int(self.ballast.len() as i64))
            }
            (Some("call"), [to, req, rest @ ..]) if rest.len() <= 1 => {
                let timeout = match rest.first() {
                    None => Some(5000),
                    Some(Term::Int(ms)) => Some((*ms).max(0) as u64),
                    Some(_) => None,
                };
                match Self::target(ctx, to) {
                    Some(pid) => Handled::Reply(gen_server::call(ctx, pid, req.clone(), timeout).await),
                    None => Handled::Stop(Term::tuple(vec![Term::Atom(Atom::NOPROC), to.clone()])),
                }
            }
            (Some("cast"), [to, m]) => {
                if let Some(pid) = Self::target(ctx, to) {
                    gen_server::cast(ctx, pid, m.clone());
                }
                Handled::Reply(Term::ok())
            }
            (Some("send"), [to, m]) => {
                if let Some(pid) = Self::target(ctx, to) {
                    ctx.send(pid, m.clone());
                }
                Handled::Reply(Term::ok())
            }
            _ => Handled::Reply(Term::ok()),
        }
    }

    fn schedule_load(&self, ctx: &Ctx) {
        if let Some(l) = &self.plan.load {
            ctx.send_after(l.every_ms, ctx.pid(), Term::atom(LOAD_TICK));
        }
    }

    async fn load_tick(&mut self, ctx: &Ctx) {
        let Some(l) = self.plan.load.clone() else {
            return;
        };
        self.schedule_load(ctx);
        let Some(to) = ctx.whereis(l.to) else { return };
        for _ in 0..l.burst {
            match l.mode {
                LoadMode::Cast => gen_server::cast(ctx, to, l.message.clone()),
                LoadMode::Send => ctx.send(to, l.message.clone()),
                LoadMode::Call => {
                    self.in_flight += 1;
                    let _ = gen_server::try_call(ctx, to, l.message.clone(), Some(5000)).await;
                    self.in_flight -= 1;
                }
            }
        }
    }
}

#[async_trait(?Send)]
impl GenServer for GenericWorker {
    fn module(&self) -> &str {
        GENERIC_MODULE
    }

    async fn init(&mut self, ctx: &Ctx) -> Init {
        for n in &self.plan.links {
            if let Some(p) = ctx.whereis(*n) {
                ctx.link(p);
            }
        }
        for n in &self.plan.monitors {
            if let Some(p) = ctx.whereis(*n) {
                ctx.monitor(p);
            }
        }
        self.schedule_load(ctx);
        Init::Ok
    }

    async fn handle_call(&mut self, ctx: &Ctx, req: Term, _from: From) -> CallReply {
        match self.handle(ctx, req).await {
            Handled::Reply(r) => CallReply::Reply(r),
            Handled::Stop(reason) => CallReply::Stop(reason, None),
        }
    }

    async fn handle_cast(&mut self, ctx: &Ctx, msg: Term) -> NoReply {
        match self.handle(ctx, msg).await {
            Handled::Reply(_) => NoReply::Continue,
            Handled::Stop(reason) => NoReply::Stop(reason),
        }
    }

    async fn handle_info(&mut self, ctx: &Ctx, msg: Term) -> NoReply {
        if msg.is_atom(Atom::new(LOAD_TICK)) {
            self.load_tick(ctx).await;
            return NoReply::Continue;
        }
        self.handle_cast(ctx, msg).await
    }

    fn state(&self) -> Term {
        Term::map(vec![
            (Term::atom("count"), Term::Int(self.count)),
            (Term::atom("value"), Term::Int(self.value)),
            (Term::atom("last"), self.last.clone()),
            (Term::atom("data"), Term::map(self.data.iter().map(|(k, v)| (k.clone(), v.clone())).collect::<Vec<_>>())),
            (Term::atom("ballast"), Term::Int(self.ballast.len() as i64)),
        ])
    }

    fn replace_state(&mut self, new: Term) -> Result<(), Term> {
        let get = |k: &str| new.map_get(&Term::atom(k)).cloned();
        if new.as_map().is_none() {
            return Err(Term::atom("not_a_map"));
        }
        if let Some(Term::Int(v)) = get("value") {
            self.value = v;
        }
        if let Some(Term::Int(c)) = get("count") {
            self.count = c;
        }
        if let Some(m) = get("data").as_ref().and_then(|d| d.as_map()) {
            let mut data = VecMap::new();
            data.extend(m.iter().cloned());
            self.data = data;
        }
        Ok(())
    }
}

/// Builds the start function of a worker node: an Elixir module of the
/// scenario when the node names a `module`, a sandbox worker when it names a
/// `worker` kind, the generic worker otherwise.
pub fn worker_start(node: &Node, code: &Rc<Code>) -> Result<StartFn, String> {
    if let Some(m) = &node.module {
        let module = crate::scenario::module_atom(m);
        if !code.is_gen_server(module) {
            return Err(format!("module {m} is not loaded (or has no `use GenServer`)"));
        }
        let arg = node.init_arg()?;
        // In the playground's wasm no module is ever loaded (see
        // `Code::load`), so this is never reached there; leaving the call out
        // keeps the interpreter out of the linked wasm.
        #[cfg(all(target_arch = "wasm32", feature = "web"))]
        return Err(format!("{m}: {}, so {arg} is not used", crate::lang::NOT_IN_THE_BROWSER));
        #[cfg(not(all(target_arch = "wasm32", feature = "web")))]
        return Ok(crate::lang::start_fn(code.clone(), module, arg, node.name.as_deref().map(Atom::new)));
    }
    if let Some(kind) = &node.worker {
        return sandbox_start(kind, node);
    }
    let plan = Rc::new(plan_of(node.params.as_ref())?);
    let name = node.name.as_deref().map(Atom::new);
    let trap = node.trap_exit;
    Ok(Rc::new(move |ctx: Ctx, _args: Vec<Term>| {
        let plan = plan.clone();
        Box::pin(async move {
            let w = GenericWorker::new(plan);
            gen_server::start_link(&ctx, Box::new(w), StartOpts { name, timeout: None, trap_exit: trap }).await
        })
    }))
}

fn sandbox_start(kind: &str, node: &Node) -> Result<StartFn, String> {
    let params = node.params.clone().unwrap_or(serde_json::Value::Object(Default::default()));
    crate::sandbox::start_fn(kind, &params, node.name.as_deref()).map_err(|e| e.to_string())
}

/// Builds the child spec of a node (checking the whole subtree now, so a
/// broken scenario is an error before anything starts).
pub fn child_spec(node: &Node, code: &Rc<Code>) -> Result<ChildSpec, String> {
    match node.kind {
        NodeKind::Supervisor => {
            let start = sup_start(node, code)?;
            Ok(node.child_spec(start, vec![], "supervisor"))
        }
        NodeKind::Worker => {
            let start = worker_start(node, code).map_err(|e| format!("{}: {e}", node.id))?;
            let module = match &node.module {
                Some(m) => format!("Elixir.{m}"),
                None => node.worker.as_deref().unwrap_or(GENERIC_MODULE).to_string(),
            };
            Ok(node.child_spec(start, vec![], &module))
        }
    }
}

/// The start function of a supervisor node.
pub fn sup_start(node: &Node, code: &Rc<Code>) -> Result<StartFn, String> {
    let flags = node.flags();
    let specs: Vec<ChildSpec> = if flags.strategy == Strategy::SimpleOneForOne {
        match &node.template {
            Some(t) => vec![child_spec(t, code).map_err(|e| format!("{}/template: {e}", node.id))?],
            None => return Err(format!("{}: a simple_one_for_one supervisor needs a template", node.id)),
        }
    } else {
        node.children
            .iter()
            .map(|c| child_spec(c, code).map_err(|e| format!("{}/{e}", node.id)))
            .collect::<Result<_, _>>()?
    };
    let name = node.name.as_deref().map(Atom::new);
    Ok(Rc::new(move |ctx: Ctx, _args: Vec<Term>| {
        let specs = specs.clone();
        Box::pin(async move {
            let init: InitFn = Box::new(move |_c: Ctx| Box::pin(async move { SupInit::Ok(flags, specs) }));
            supervisor::start_link(&ctx, name, init).await
        })
    }))
}

/// Starts the root of a tree from inside a process.
pub async fn start_root(ctx: &Ctx, start: &StartFn) -> StartResult {
    start(ctx.clone(), vec![]).await
}
