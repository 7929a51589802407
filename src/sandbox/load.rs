//! LoadGenerator: drives a named target with messages at a configured rate
//! in virtual time (one tick every `interval_ms`), choosing messages from a
//! list in turn or at random (the runtime's seeded generator), with
//! optional bursts; it keeps a demo system busy.
//!
//! Requests: `:pause`, `:resume`, `{:interval, ms}`, `{:target, name}`,
//! `:stats`, `:state`, `:crash`, `{:crash, reason}`.

use super::params::Params;
use super::{amap, bad_request, int, op, text_of, SandboxError, TickMsg, Ticker};
use crate::otp::gen_server::{self, CallReply, From, GenServer, Init, NoReply};
use crate::runtime::Ctx;
use crate::term::{Atom, Term};
use async_trait::async_trait;
use std::rc::Rc;

/// How messages are sent to the target.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SendMode {
    /// A plain message (`send/2`).
    Send,
    /// `GenServer.cast/2`.
    Cast,
    /// `GenServer.call/3`: waits for each answer (errors are counted).
    Call,
}

/// A load generator's parameters.
#[derive(Clone, Debug)]
pub struct Config {
    pub target: String,
    pub interval_ms: u64,
    pub messages: Vec<Term>,
    pub random: bool,
    pub mode: SendMode,
    pub call_timeout_ms: u64,
    /// Every Nth tick is a burst (0: never).
    pub burst_every: u64,
    pub burst_size: u64,
    /// Stop after this many messages (0: never).
    pub max_messages: u64,
}

pub(crate) const KNOWN: &[&str] = &[
    "target",
    "interval_ms",
    "messages",
    "random",
    "mode",
    "call_timeout_ms",
    "burst_every",
    "burst_size",
    "max_messages",
];

impl Config {
    pub fn parse(params: &serde_json::Value) -> Result<Config, SandboxError> {
        let p = Params::new("load", params, KNOWN)?;
        let Some(target) = p.name("target")? else {
            return Err(p.err("target", "is required: the registered name to send to"));
        };
        let mode = match p.choice("mode", "cast", &["send", "cast", "call"])? {
            "send" => SendMode::Send,
            "call" => SendMode::Call,
            _ => SendMode::Cast,
        };
        let mut messages = p.terms("messages", 100)?;
        if messages.is_empty() {
            if p.has("messages") {
                return Err(p.err("messages", "must not be empty"));
            }
            messages.push(Term::atom("inc"));
        }
        Ok(Config {
            target,
            interval_ms: p.u64("interval_ms", 100, 1, 3_600_000)?,
            messages,
            random: p.bool("random", false)?,
            mode,
            call_timeout_ms: p.u64("call_timeout_ms", 1_000, 1, 600_000)?,
            burst_every: p.u64("burst_every", 0, 0, 1_000_000)?,
            burst_size: p.u64("burst_size", 10, 1, 1_000)?,
            max_messages: p.u64("max_messages", 0, 0, u64::MAX)?,
        })
    }
}

/// The load generator's state.
pub struct LoadGenerator {
    cfg: Rc<Config>,
    target: Atom,
    interval_ms: u64,
    paused: bool,
    ticker: Ticker,
    ticks: u64,
    next: usize,
    sent: u64,
    errors: u64,
    no_target: u64,
    bursts: u64,
    last: Option<Term>,
    ignored: u64,
}

impl LoadGenerator {
    pub fn new(cfg: Rc<Config>) -> LoadGenerator {
        LoadGenerator {
            target: Atom::new(&cfg.target),
            interval_ms: cfg.interval_ms,
            cfg,
            paused: false,
            ticker: Ticker::new("load"),
            ticks: 0,
            next: 0,
            sent: 0,
            errors: 0,
            no_target: 0,
            bursts: 0,
            last: None,
            ignored: 0,
        }
    }

    fn choose(&mut self, ctx: &Ctx) -> Term {
        let n = self.cfg.messages.len().max(1);
        let i = if self.cfg.random {
            ctx.random(n as u64) as usize
        } else {
            let i = self.next % n;
            self.next = (i + 1) % n;
            i
        };
        self.cfg.messages.get(i).cloned().unwrap_or_else(|| Term::atom("inc"))
    }

    fn done(&self) -> bool {
        self.cfg.max_messages > 0 && self.sent >= self.cfg.max_messages
    }

    fn schedule(&mut self, ctx: &Ctx) {
        self.ticker.schedule(ctx, self.interval_ms);
    }

    async fn on_tick(&mut self, ctx: &Ctx) {
        if self.paused || self.done() {
            return;
        }
        self.ticks += 1;
        // The next tick is scheduled first, so that slow calls do not slow
        // the rate; at most one tick is ever outstanding.
        self.schedule(ctx);
        let burst = self.cfg.burst_every > 0 && self.ticks % self.cfg.burst_every == 0;
        let count = if burst {
            self.bursts += 1;
            self.cfg.burst_size
        } else {
            1
        };
        for _ in 0..count {
            if self.done() {
                break;
            }
            self.send_one(ctx).await;
        }
    }

    async fn send_one(&mut self, ctx: &Ctx) {
        let Some(pid) = ctx.whereis(self.target) else {
            self.no_target += 1;
            return;
        };
        let msg = self.choose(ctx);
        self.sent += 1;
        self.last = Some(msg.clone());
        match self.cfg.mode {
            SendMode::Send => ctx.send(pid, msg),
            SendMode::Cast => gen_server::cast(ctx, pid, msg),
            SendMode::Call => {
                let r = gen_server::try_call(ctx, pid, msg, Some(self.cfg.call_timeout_ms)).await;
                if !matches!(&r, Ok(t) if t.tagged(Atom::ERROR).is_none()) {
                    self.errors += 1;
                }
            }
        }
    }

    /// Handles one request: `Ok` is the reply, `Err` a crash reason.
    fn handle(&mut self, ctx: &Ctx, msg: &Term) -> Result<Term, Term> {
        let Some((tag, args)) = op(msg) else {
            self.ignored += 1;
            return Ok(bad_request(format!("unknown request {msg}")));
        };
        Ok(match (&*tag, args) {
            ("crash", []) => return Err(Term::atom("simulated_crash")),
            ("crash", [reason]) => return Err(reason.clone()),
            ("pause", []) => {
                self.paused = true;
                Term::ok()
            }
            ("resume", []) => {
                self.paused = false;
                if !self.done() {
                    self.schedule(ctx);
                }
                Term::ok()
            }
            ("interval", [Term::Int(ms)]) if (1..=3_600_000).contains(ms) => {
                self.interval_ms = *ms as u64;
                Term::ok()
            }
            ("target", [t]) => match text_of(t).filter(|s| !s.is_empty() && s.len() <= 255) {
                Some(n) => {
                    self.target = Atom::new(&n);
                    Term::ok()
                }
                None => bad_request("the target must be a name"),
            },
            ("stats", []) | ("state", []) => self.state(),
            _ => {
                self.ignored += 1;
                bad_request(format!("unknown request {msg}"))
            }
        })
    }
}

#[async_trait(?Send)]
impl GenServer for LoadGenerator {
    fn module(&self) -> &str {
        "Elixir.Sandbox.LoadGenerator"
    }

    async fn init(&mut self, ctx: &Ctx) -> Init {
        self.schedule(ctx);
        Init::Ok
    }

    async fn handle_call(&mut self, ctx: &Ctx, req: Term, _from: From) -> CallReply {
        match self.handle(ctx, &req) {
            Ok(r) => CallReply::Reply(r),
            Err(reason) => CallReply::Stop(reason, None),
        }
    }

    async fn handle_cast(&mut self, ctx: &Ctx, msg: Term) -> NoReply {
        match self.handle(ctx, &msg) {
            Ok(_) => NoReply::Continue,
            Err(reason) => NoReply::Stop(reason),
        }
    }

    async fn handle_info(&mut self, ctx: &Ctx, msg: Term) -> NoReply {
        match self.ticker.take(&msg) {
            TickMsg::Ours => {
                self.on_tick(ctx).await;
                return NoReply::Continue;
            }
            TickMsg::Stale => return NoReply::Continue,
            TickMsg::Other => {}
        }
        // Late replies of timed-out calls (`{ref, reply}`) are dropped.
        if matches!(msg.as_tuple(), Some([Term::Ref(_), _])) {
            return NoReply::Continue;
        }
        self.handle_cast(ctx, msg).await
    }

    fn state(&self) -> Term {
        let mode = match self.cfg.mode {
            SendMode::Send => "send",
            SendMode::Cast => "cast",
            SendMode::Call => "call",
        };
        amap(vec![
            ("target", Term::Atom(self.target)),
            ("interval_ms", int(self.interval_ms)),
            ("mode", Term::atom(mode)),
            ("random", Term::bool(self.cfg.random)),
            ("paused", Term::bool(self.paused)),
            ("ticks", int(self.ticks)),
            ("sent", int(self.sent)),
            ("errors", int(self.errors)),
            ("no_target", int(self.no_target)),
            ("bursts", int(self.bursts)),
            ("last", self.last.clone().unwrap_or_else(Term::nil)),
            ("ignored", int(self.ignored)),
        ])
    }

    fn as_any(&self) -> Option<&dyn std::any::Any> {
        Some(self)
    }
}
