//! CascadeWorker: a worker that depends on other named workers, to show
//! how failures travel. On `{:work, x}` it calls every dependency with
//! `{:work, x}` through a per-dependency circuit breaker (closed, open,
//! half-open; a failure threshold and a reset time in virtual ms) and
//! recovers from failures by retrying with exponential backoff, by a
//! fallback value, or by failing fast. In `link` mode it links to its
//! dependencies, so their crashes take it down too (and, links being
//! mutual, its crash takes them down); in `monitor` mode it watches them
//! and opens their breakers when they go down.
//!
//! Requests: `{:work, x}` (call), `:status`, `:state`, `:stats`,
//! `{:reset_breaker, name}`, `:crash`, `{:crash, reason}`.

use super::params::Params;
use super::{amap, bad_request, int, op, text_of, SandboxError, TickMsg, Ticker};
use crate::otp::gen_server::{self, CallReply, From, GenServer, Init, NoReply};
use crate::runtime::{Ctx, VTime};
use crate::term::{Atom, Pid, Ref, Term};
use async_trait::async_trait;
use std::rc::Rc;

/// How the worker ties itself to its dependencies.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
    /// Linked: a dependency's crash crashes this worker.
    Link,
    /// Monitored: a dependency's crash opens its breaker.
    Monitor,
    /// Neither: failures show only as failed calls.
    None,
}

/// What the worker does when a dependency call fails.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Recovery {
    FailFast,
    /// Retry `retries` times, waiting `backoff_ms`, then twice that, and so on.
    Retry,
    /// Use the `fallback` value in place of the dependency's answer.
    Fallback,
}

/// A cascade worker's parameters.
#[derive(Clone, Debug)]
pub struct Config {
    pub deps: Vec<String>,
    pub mode: Mode,
    pub call_timeout_ms: u64,
    pub threshold: u32,
    pub reset_ms: u64,
    pub recovery: Recovery,
    pub retries: u32,
    pub backoff_ms: u64,
    pub max_backoff_ms: u64,
    pub fallback: Term,
    /// Virtual time the worker's own part of the work takes.
    pub work_ms: u64,
    /// Percent of work requests that fail on their own (seeded random).
    pub fail_rate: u64,
}

pub(crate) const KNOWN: &[&str] = &[
    "deps",
    "mode",
    "call_timeout_ms",
    "breaker_threshold",
    "breaker_reset_ms",
    "recovery",
    "retries",
    "backoff_ms",
    "max_backoff_ms",
    "fallback",
    "work_ms",
    "fail_rate",
];

impl Config {
    pub fn parse(params: &serde_json::Value) -> Result<Config, SandboxError> {
        let p = Params::new("cascade", params, KNOWN)?;
        let mode = match p.choice("mode", "monitor", &["link", "monitor", "none"])? {
            "link" => Mode::Link,
            "none" => Mode::None,
            _ => Mode::Monitor,
        };
        let recovery = match p.choice("recovery", "fail_fast", &["fail_fast", "retry", "fallback"])? {
            "retry" => Recovery::Retry,
            "fallback" => Recovery::Fallback,
            _ => Recovery::FailFast,
        };
        Ok(Config {
            deps: p.names("deps", 32)?,
            mode,
            call_timeout_ms: p.u64("call_timeout_ms", 1_000, 1, 600_000)?,
            threshold: p.u64("breaker_threshold", 3, 1, 1_000)? as u32,
            reset_ms: p.u64("breaker_reset_ms", 5_000, 1, 3_600_000)?,
            recovery,
            retries: p.u64("retries", 3, 0, 10)? as u32,
            backoff_ms: p.u64("backoff_ms", 100, 0, 60_000)?,
            max_backoff_ms: p.u64("max_backoff_ms", 5_000, 0, 600_000)?,
            fallback: p.term("fallback")?.unwrap_or_else(|| Term::atom("fallback")),
            work_ms: p.u64("work_ms", 0, 0, 60_000)?,
            fail_rate: p.u64("fail_rate", 0, 0, 100)?,
        })
    }
}

/// A circuit breaker's position.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BreakerState {
    Closed,
    Open { since: VTime },
    HalfOpen,
}

/// A circuit breaker around one dependency.
#[derive(Clone, Debug)]
pub struct Breaker {
    pub state: BreakerState,
    pub failures: u32,
    pub opened: u64,
    /// Bumped on every opening, so that stale half-open timers are ignored.
    generation: u64,
}

impl Breaker {
    fn new() -> Breaker {
        Breaker { state: BreakerState::Closed, failures: 0, opened: 0, generation: 0 }
    }

    fn name(&self) -> &'static str {
        match self.state {
            BreakerState::Closed => "closed",
            BreakerState::Open { .. } => "open",
            BreakerState::HalfOpen => "half_open",
        }
    }
}

/// One dependency: its name, breaker and how the worker is tied to it.
struct Dep {
    name: Atom,
    breaker: Breaker,
    /// The pid currently linked or monitored, and the monitor.
    tied: Option<(Pid, Option<Ref>)>,
    down: u64,
    calls: u64,
    failures: u64,
}

#[derive(Default, Clone, Copy)]
struct Stats {
    requests: u64,
    succeeded: u64,
    failed: u64,
    retries: u64,
    fallbacks: u64,
    short_circuited: u64,
    own_failures: u64,
}

/// The cascade worker's state.
pub struct CascadeWorker {
    cfg: Rc<Config>,
    deps: Vec<Dep>,
    stats: Stats,
    recheck: Ticker,
    ignored: u64,
}

/// How often a worker looks for a dependency that went down to tie itself
/// to its successor.
const RECHECK_MS: u64 = 200;

impl CascadeWorker {
    pub fn new(cfg: Rc<Config>) -> CascadeWorker {
        let deps = cfg
            .deps
            .iter()
            .map(|n| Dep { name: Atom::new(n), breaker: Breaker::new(), tied: None, down: 0, calls: 0, failures: 0 })
            .collect();
        CascadeWorker { cfg, deps, stats: Stats::default(), recheck: Ticker::new("recheck"), ignored: 0 }
    }

    /// Links to or monitors every dependency that is running and not yet
    /// tied; returns whether all are tied.
    fn tie(&mut self, ctx: &Ctx) -> bool {
        if self.cfg.mode == Mode::None {
            return true;
        }
        let mut all = true;
        for d in &mut self.deps {
            if let Some((pid, _)) = d.tied {
                if ctx.is_alive(pid) {
                    continue;
                }
                d.tied = None;
            }
            match ctx.whereis(d.name) {
                Some(pid) if pid != ctx.pid() => match self.cfg.mode {
                    Mode::Link => {
                        ctx.link(pid);
                        d.tied = Some((pid, None));
                    }
                    _ => {
                        let mref = ctx.monitor(pid);
                        d.tied = Some((pid, Some(mref)));
                    }
                },
                _ => all = false,
            }
        }
        all
    }

    fn schedule_recheck(&mut self, ctx: &Ctx) {
        self.recheck.schedule(ctx, RECHECK_MS);
    }

    fn open(&mut self, ctx: &Ctx, i: usize) {
        let d = &mut self.deps[i];
        d.breaker.state = BreakerState::Open { since: ctx.now() };
        d.breaker.opened += 1;
        d.breaker.generation += 1;
        let msg = Term::tuple(vec![Term::atom("half_open"), int(i), int(d.breaker.generation)]);
        ctx.send_after(self.cfg.reset_ms, ctx.pid(), msg);
    }

    fn on_failure(&mut self, ctx: &Ctx, i: usize) {
        let d = &mut self.deps[i];
        d.failures += 1;
        match d.breaker.state {
            BreakerState::Closed => {
                d.breaker.failures += 1;
                if d.breaker.failures >= self.cfg.threshold {
                    self.open(ctx, i);
                }
            }
            BreakerState::HalfOpen => self.open(ctx, i),
            BreakerState::Open { .. } => {}
        }
    }

    fn on_success(&mut self, i: usize) {
        let b = &mut self.deps[i].breaker;
        b.state = BreakerState::Closed;
        b.failures = 0;
    }

    /// One call to dependency `i` through its breaker.
    async fn call_dep(&mut self, ctx: &Ctx, i: usize, x: &Term) -> Result<Term, Term> {
        if matches!(self.deps[i].breaker.state, BreakerState::Open { .. }) {
            self.stats.short_circuited += 1;
            return Err(Term::atom("circuit_open"));
        }
        self.deps[i].calls += 1;
        let req = Term::tuple(vec![Term::atom("work"), x.clone()]);
        let name = self.deps[i].name;
        let res = gen_server::try_call(ctx, gen_server::Server::Name(name), req, Some(self.cfg.call_timeout_ms)).await;
        match res {
            Ok(r) if r.tagged(Atom::ERROR).is_some() => {
                self.on_failure(ctx, i);
                Err(r.as_tuple().and_then(|t| t.get(1).cloned()).unwrap_or(r))
            }
            Ok(r) => {
                self.on_success(i);
                Ok(r)
            }
            Err(reason) => {
                self.on_failure(ctx, i);
                Err(reason)
            }
        }
    }

    /// A dependency call with the configured recovery.
    async fn call_with_recovery(&mut self, ctx: &Ctx, i: usize, x: &Term) -> Result<Term, Term> {
        let mut attempt = 0;
        loop {
            match self.call_dep(ctx, i, x).await {
                Ok(r) => return Ok(r),
                Err(reason) => {
                    let open = matches!(self.deps[i].breaker.state, BreakerState::Open { .. });
                    match self.cfg.recovery {
                        Recovery::Retry if attempt < self.cfg.retries && !open => {
                            let wait = self
                                .cfg
                                .backoff_ms
                                .saturating_mul(1u64 << attempt.min(20))
                                .min(self.cfg.max_backoff_ms);
                            attempt += 1;
                            self.stats.retries += 1;
                            ctx.sleep(wait).await;
                        }
                        Recovery::Fallback => {
                            self.stats.fallbacks += 1;
                            return Ok(self.cfg.fallback.clone());
                        }
                        _ => return Err(reason),
                    }
                }
            }
        }
    }

    async fn work(&mut self, ctx: &Ctx, x: Term) -> Term {
        self.stats.requests += 1;
        if !self.tie(ctx) {
            self.schedule_recheck(ctx);
        }
        if self.cfg.work_ms > 0 {
            ctx.sleep(self.cfg.work_ms).await;
        }
        if self.cfg.fail_rate > 0 && ctx.random(100) < self.cfg.fail_rate {
            self.stats.own_failures += 1;
            self.stats.failed += 1;
            return Term::error_tuple(Term::atom("random_failure"));
        }
        if self.deps.is_empty() {
            self.stats.succeeded += 1;
            return Term::ok_tuple(x);
        }
        let mut results = Vec::with_capacity(self.deps.len());
        for i in 0..self.deps.len() {
            match self.call_with_recovery(ctx, i, &x).await {
                Ok(r) => results.push(r),
                Err(reason) => {
                    self.stats.failed += 1;
                    let name = Term::Atom(self.deps[i].name);
                    return Term::error_tuple(Term::tuple(vec![Term::atom("dep_failed"), name, reason]));
                }
            }
        }
        self.stats.succeeded += 1;
        Term::ok_tuple(Term::list(results))
    }

    fn dep_index(&self, t: &Term) -> Option<usize> {
        let n = text_of(t)?;
        self.deps.iter().position(|d| d.name.with_name(|x| x == n))
    }

    fn status_term(&self) -> Term {
        Term::map(self.deps.iter().map(|d| {
            let since = match d.breaker.state {
                BreakerState::Open { since } => int(since.as_ms()),
                _ => Term::nil(),
            };
            (
                Term::Atom(d.name),
                amap(vec![
                    ("breaker", Term::atom(d.breaker.name())),
                    ("consecutive_failures", int(d.breaker.failures)),
                    ("opened", int(d.breaker.opened)),
                    ("open_since_ms", since),
                    ("pid", d.tied.map_or_else(Term::nil, |(p, _)| Term::Pid(p))),
                    ("calls", int(d.calls)),
                    ("failures", int(d.failures)),
                    ("down", int(d.down)),
                ]),
            )
        }))
    }

    fn stats_term(&self) -> Term {
        let s = self.stats;
        amap(vec![
            ("requests", int(s.requests)),
            ("succeeded", int(s.succeeded)),
            ("failed", int(s.failed)),
            ("retries", int(s.retries)),
            ("fallbacks", int(s.fallbacks)),
            ("short_circuited", int(s.short_circuited)),
            ("own_failures", int(s.own_failures)),
        ])
    }

    /// Requests other than work: `Err` is a crash with that reason.
    fn handle_other(&mut self, ctx: &Ctx, msg: &Term) -> Result<Term, Term> {
        match self.recheck.take(msg) {
            TickMsg::Ours => {
                if !self.tie(ctx) {
                    self.schedule_recheck(ctx);
                }
                return Ok(Term::ok());
            }
            TickMsg::Stale => return Ok(Term::ok()),
            TickMsg::Other => {}
        }
        let Some((tag, args)) = op(msg) else {
            self.ignored += 1;
            return Ok(bad_request(format!("unknown request {msg}")));
        };
        Ok(match (&*tag, args) {
            ("status", []) => self.status_term(),
            ("stats", []) => self.stats_term(),
            ("state", []) => self.state(),
            ("reset_breaker", [n]) => match self.dep_index(n) {
                Some(i) => {
                    self.on_success(i);
                    Term::ok()
                }
                None => Term::error_tuple(Term::tuple(vec![Term::atom("unknown_dep"), n.clone()])),
            },
            ("crash", []) => return Err(Term::atom("simulated_crash")),
            ("crash", [r]) => return Err(r.clone()),
            ("half_open", [Term::Int(i), Term::Int(generation)]) => {
                if let Some(d) = usize::try_from(*i).ok().and_then(|i| self.deps.get_mut(i)) {
                    if matches!(d.breaker.state, BreakerState::Open { .. })
                        && d.breaker.generation as i64 == *generation
                    {
                        d.breaker.state = BreakerState::HalfOpen;
                    }
                }
                Term::ok()
            }
            ("DOWN", [Term::Ref(mref), _, Term::Pid(_), _]) => {
                let hit = self.deps.iter().position(|d| matches!(d.tied, Some((_, Some(r))) if r == *mref));
                if let Some(i) = hit {
                    self.deps[i].tied = None;
                    self.deps[i].down += 1;
                    if !matches!(self.deps[i].breaker.state, BreakerState::Open { .. }) {
                        self.open(ctx, i);
                    }
                    self.schedule_recheck(ctx);
                }
                Term::ok()
            }
            _ => {
                self.ignored += 1;
                bad_request(format!("unknown request {msg}"))
            }
        })
    }
}

fn work_arg(msg: &Term) -> Option<Term> {
    match msg.as_tuple() {
        Some([tag, x]) if tag.as_atom().is_some_and(|a| a.with_name(|n| n == "work")) => Some(x.clone()),
        _ => None,
    }
}

#[async_trait(?Send)]
impl GenServer for CascadeWorker {
    fn module(&self) -> &str {
        "Elixir.Sandbox.CascadeWorker"
    }

    async fn init(&mut self, ctx: &Ctx) -> Init {
        if !self.tie(ctx) {
            self.schedule_recheck(ctx);
        }
        Init::Ok
    }

    async fn handle_call(&mut self, ctx: &Ctx, req: Term, _from: From) -> CallReply {
        if let Some(x) = work_arg(&req) {
            return CallReply::Reply(self.work(ctx, x).await);
        }
        match self.handle_other(ctx, &req) {
            Ok(r) => CallReply::Reply(r),
            Err(reason) => CallReply::Stop(reason, None),
        }
    }

    async fn handle_cast(&mut self, ctx: &Ctx, msg: Term) -> NoReply {
        self.handle_info(ctx, msg).await
    }

    async fn handle_info(&mut self, ctx: &Ctx, msg: Term) -> NoReply {
        if let Some(x) = work_arg(&msg) {
            self.work(ctx, x).await;
            return NoReply::Continue;
        }
        // Late replies of timed-out calls (`{ref, reply}`) are dropped.
        if matches!(msg.as_tuple(), Some([Term::Ref(_), _])) {
            return NoReply::Continue;
        }
        match self.handle_other(ctx, &msg) {
            Ok(_) => NoReply::Continue,
            Err(reason) => NoReply::Stop(reason),
        }
    }

    fn state(&self) -> Term {
        let mode = match self.cfg.mode {
            Mode::Link => "link",
            Mode::Monitor => "monitor",
            Mode::None => "none",
        };
        let recovery = match self.cfg.recovery {
            Recovery::FailFast => "fail_fast",
            Recovery::Retry => "retry",
            Recovery::Fallback => "fallback",
        };
        amap(vec![
            ("deps", self.status_term()),
            ("mode", Term::atom(mode)),
            ("recovery", Term::atom(recovery)),
            ("breaker_threshold", int(self.cfg.threshold)),
            ("breaker_reset_ms", int(self.cfg.reset_ms)),
            ("stats", self.stats_term()),
            ("ignored", int(self.ignored)),
        ])
    }

    fn as_any(&self) -> Option<&dyn std::any::Any> {
        Some(self)
    }
}
