//! StatefulWorker: a counter-like GenServer with a bounded history of
//! versions and rollback, named snapshots, persistence into a [`Storage`]
//! (restored on init, so restarts keep state), memory growth patterns
//! (steady, leak, sawtooth) and selective crash modes.
//!
//! Requests (as call, cast or plain message): `{:inc, n}`, `{:dec, n}`,
//! `:inc`, `:dec`, `{:set, v}`, `:get`, `:state`, `:history`,
//! `{:rollback, version}`, `{:snapshot, name}`, `{:restore, name}`,
//! `:snapshots`, `:persist`, `:reset`, `:gc`, `:crash`, `{:crash, reason}`,
//! `{:crash_on_value, v}`, `{:crash_every, n}`, `{:crash_on_message, pat}`,
//! `{:crash_reason, r}`, `{:work, request}` and `{:event, topic, request}`
//! (a request forwarded by a cascade worker or an event hub).

use super::params::Params;
use super::storage::Storage;
use super::{amap, bad_request, int, matches_pattern, op, SandboxError, TickMsg, Ticker};
use crate::otp::gen_server::{CallReply, From, GenServer, Init, NoReply};
use crate::runtime::{Ctx, VTime};
use crate::term::Term;
use async_trait::async_trait;
use std::collections::VecDeque;
use std::rc::Rc;

/// When the worker saves its state to storage.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Persist {
    Never,
    /// After every change of the value.
    OnChange,
    /// Only on a `:persist` request.
    Manual,
}

/// How the worker's memory (a payload kept in its process dictionary)
/// develops over time.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Memory {
    /// A constant payload.
    Steady,
    /// Grows by `memory_step` items per step up to `memory_limit`, never
    /// shrinking.
    Leak,
    /// Grows to `memory_limit`, then drops to nothing, as a collection would.
    Sawtooth,
}

/// How many recent versions the state shows (`:history` has them all).
const RECENT: usize = 5;

/// The most snapshots a worker keeps.
pub const MAX_SNAPSHOTS: usize = 32;

/// A stateful worker's parameters.
#[derive(Clone, Debug)]
pub struct Config {
    pub initial: Term,
    pub history: usize,
    pub persist: Persist,
    pub storage_key: Option<String>,
    pub memory: Memory,
    /// Grow on a timer every this many ms; 0 grows once per request.
    pub memory_tick_ms: u64,
    pub memory_step: usize,
    pub memory_limit: usize,
    pub crash_on_value: Option<Term>,
    pub crash_every: u64,
    pub crash_on_message: Option<Term>,
    pub crash_reason: Term,
    /// Virtual time each request takes to handle.
    pub work_ms: u64,
}

pub(crate) const KNOWN: &[&str] = &[
    "initial",
    "history",
    "persist",
    "storage_key",
    "memory",
    "memory_tick_ms",
    "memory_step",
    "memory_limit",
    "crash_on_value",
    "crash_every",
    "crash_on_message",
    "crash_reason",
    "work_ms",
];

impl Config {
    pub fn parse(params: &serde_json::Value) -> Result<Config, SandboxError> {
        let p = Params::new("stateful", params, KNOWN)?;
        let persist = match p.choice("persist", "never", &["never", "on_change", "manual"])? {
            "on_change" => Persist::OnChange,
            "manual" => Persist::Manual,
            _ => Persist::Never,
        };
        let memory = match p.choice("memory", "steady", &["steady", "leak", "sawtooth"])? {
            "leak" => Memory::Leak,
            "sawtooth" => Memory::Sawtooth,
            _ => Memory::Steady,
        };
        let memory_step = p.u64("memory_step", 10, 0, 1_000)? as usize;
        let memory_limit = p.u64("memory_limit", 2_000, 1, 20_000)? as usize;
        Ok(Config {
            initial: p.term("initial")?.unwrap_or(Term::Int(0)),
            history: p.u64("history", 100, 1, 10_000)? as usize,
            persist,
            storage_key: p.name("storage_key")?,
            memory,
            memory_tick_ms: p.u64("memory_tick_ms", 0, 0, 3_600_000)?,
            memory_step,
            memory_limit,
            crash_on_value: p.term("crash_on_value")?,
            crash_every: p.u64("crash_every", 0, 0, 1_000_000_000)?,
            crash_on_message: p.term("crash_on_message")?,
            crash_reason: p.term("crash_reason")?.unwrap_or_else(|| Term::atom("simulated_crash")),
            work_ms: p.u64("work_ms", 0, 0, 60_000)?,
        })
    }
}

/// One entry of the history: a version of the value and when it was made.
#[derive(Clone, Debug)]
struct Version {
    version: u64,
    at: VTime,
    value: Term,
}

/// The stateful worker's state.
pub struct StatefulWorker {
    cfg: Rc<Config>,
    storage: Rc<dyn Storage>,
    key: Rc<str>,
    value: Term,
    version: u64,
    updated_at: VTime,
    /// The virtual time last seen in a callback (for `replace_state`).
    now: VTime,
    history: VecDeque<Version>,
    snapshots: Vec<(Term, u64, Term)>,
    persisted_version: Option<u64>,
    restored: bool,
    messages: u64,
    ignored: u64,
    payload: Vec<Term>,
    payload_peak: usize,
    collections: u64,
    crash_on_value: Option<Term>,
    crash_every: u64,
    crash_on_message: Option<Term>,
    crash_reason: Term,
    ticker: Ticker,
}

/// The process-dictionary key the memory payload lives under, so that the
/// process's memory figure grows with it.
const PAYLOAD_KEY: &str = "$sandbox_payload";

impl StatefulWorker {
    pub fn new(cfg: Rc<Config>, storage: Rc<dyn Storage>, key: Rc<str>) -> StatefulWorker {
        StatefulWorker {
            value: cfg.initial.clone(),
            crash_on_value: cfg.crash_on_value.clone(),
            crash_every: cfg.crash_every,
            crash_on_message: cfg.crash_on_message.clone(),
            crash_reason: cfg.crash_reason.clone(),
            cfg,
            storage,
            key,
            version: 0,
            updated_at: VTime::ZERO,
            now: VTime::ZERO,
            history: VecDeque::new(),
            snapshots: Vec::new(),
            persisted_version: None,
            restored: false,
            messages: 0,
            ignored: 0,
            payload: Vec::new(),
            payload_peak: 0,
            collections: 0,
            ticker: Ticker::new("memory"),
        }
    }

    /// Records a new version of the value.
    fn set_value(&mut self, v: Term) {
        self.version += 1;
        self.value = v;
        self.updated_at = self.now;
        self.push_history();
        if self.cfg.persist == Persist::OnChange {
            self.save();
        }
    }

    fn push_history(&mut self) {
        self.history.push_back(Version { version: self.version, at: self.updated_at, value: self.value.clone() });
        while self.history.len() > self.cfg.history {
            self.history.pop_front();
        }
    }

    fn record(&self) -> Term {
        let snaps = self
            .snapshots
            .iter()
            .map(|(n, ver, v)| Term::tuple(vec![n.clone(), int(*ver), v.clone()]))
            .collect::<Vec<_>>();
        amap(vec![
            ("value", self.value.clone()),
            ("version", int(self.version)),
            ("at_ms", int(self.updated_at.as_ms())),
            ("snapshots", Term::list(snaps)),
        ])
    }

    fn save(&mut self) -> bool {
        let ok = self.storage.save(&self.key, self.record());
        if ok {
            self.persisted_version = Some(self.version);
        }
        ok
    }

    /// Restores value, version and snapshots from a saved record.
    fn restore_record(&mut self, rec: &Term) {
        let Some(v) = rec.map_get(&Term::atom("value")) else {
            return;
        };
        self.value = v.clone();
        self.version = rec.map_get(&Term::atom("version")).and_then(Term::as_int).unwrap_or(0).max(0) as u64;
        self.persisted_version = Some(self.version);
        self.restored = true;
        if let Some(list) = rec.map_get(&Term::atom("snapshots")).and_then(Term::as_list) {
            for s in list.iter().take(MAX_SNAPSHOTS) {
                if let Some([n, ver, v]) = s.as_tuple() {
                    let ver = ver.as_int().unwrap_or(0).max(0) as u64;
                    self.snapshots.push((n.clone(), ver, v.clone()));
                }
            }
        }
    }

    fn grow(&mut self, ctx: &Ctx) {
        let step = self.cfg.memory_step;
        let limit = self.cfg.memory_limit;
        match self.cfg.memory {
            Memory::Steady => return,
            Memory::Leak => {
                let n = step.min(limit.saturating_sub(self.payload.len()));
                if n == 0 {
                    return;
                }
                self.payload.extend(std::iter::repeat_n(blob(), n));
            }
            Memory::Sawtooth => {
                if self.payload.len() >= limit {
                    self.payload.clear();
                    self.collections += 1;
                } else {
                    let n = step.min(limit - self.payload.len());
                    self.payload.extend(std::iter::repeat_n(blob(), n));
                }
            }
        }
        self.payload_peak = self.payload_peak.max(self.payload.len());
        self.sync_payload(ctx);
    }

    fn sync_payload(&self, ctx: &Ctx) {
        ctx.put(Term::atom(PAYLOAD_KEY), Term::list(self.payload.clone()));
    }

    fn history_term(&self) -> Term {
        self.recent_term(self.history.len())
    }

    /// The last `n` versions, oldest first.
    fn recent_term(&self, n: usize) -> Term {
        Term::list(
            self.history
                .iter()
                .skip(self.history.len().saturating_sub(n))
                .map(|h| {
                    amap(vec![("version", int(h.version)), ("at_ms", int(h.at.as_ms())), ("value", h.value.clone())])
                })
                .collect::<Vec<_>>(),
        )
    }

    /// Handles one request. `Ok` is the reply (dropped unless it was a
    /// call); `Err` is a crash with that reason.
    async fn handle(&mut self, ctx: &Ctx, msg: Term) -> Result<Term, Term> {
        self.now = ctx.now();
        match self.ticker.take(&msg) {
            TickMsg::Ours => {
                self.grow(ctx);
                self.ticker.schedule(ctx, self.cfg.memory_tick_ms);
                return Ok(Term::ok());
            }
            TickMsg::Stale => return Ok(Term::ok()),
            TickMsg::Other => {}
        }
        self.messages += 1;
        if let Some(p) = &self.crash_on_message {
            if matches_pattern(p, &msg) {
                return Err(self.crash_reason.clone());
            }
        }
        if self.crash_every > 0 && self.messages % self.crash_every == 0 {
            return Err(self.crash_reason.clone());
        }
        if self.cfg.work_ms > 0 {
            ctx.sleep(self.cfg.work_ms).await;
            self.now = ctx.now();
        }
        if self.cfg.memory_tick_ms == 0 {
            self.grow(ctx);
        }
        let before = self.version;
        let reply = self.apply(ctx, &msg, 0)?;
        if self.version != before && self.crash_on_value.as_ref() == Some(&self.value) {
            return Err(self.crash_reason.clone());
        }
        Ok(reply)
    }

    fn apply(&mut self, ctx: &Ctx, msg: &Term, depth: u32) -> Result<Term, Term> {
        let Some((tag, args)) = op(msg) else {
            self.ignored += 1;
            return Ok(bad_request(format!("unknown request {msg}")));
        };
        let reply = match (&*tag, args) {
            ("inc", []) => self.add(1),
            ("inc", [Term::Int(n)]) => self.add(*n),
            ("dec", []) => self.add(-1),
            ("dec", [Term::Int(n)]) => {
                n.checked_neg().map_or_else(|| bad_request("amount out of range"), |n| self.add(n))
            }
            ("set", [v]) => {
                self.set_value(v.clone());
                Term::ok_tuple(v.clone())
            }
            ("get", []) => self.value.clone(),
            ("state", []) => self.state(),
            ("history", []) => self.history_term(),
            ("rollback", [Term::Int(k)]) => {
                let found = self.history.iter().find(|h| h.version as i64 == *k).map(|h| h.value.clone());
                match found {
                    Some(v) => {
                        self.set_value(v.clone());
                        Term::ok_tuple(v)
                    }
                    None => Term::error_tuple(Term::tuple(vec![Term::atom("unknown_version"), Term::Int(*k)])),
                }
            }
            ("snapshot", [name]) => {
                if let Some(s) = self.snapshots.iter_mut().find(|(n, _, _)| n == name) {
                    s.1 = self.version;
                    s.2 = self.value.clone();
                } else if self.snapshots.len() >= MAX_SNAPSHOTS {
                    return Ok(Term::error_tuple(Term::atom("too_many_snapshots")));
                } else {
                    self.snapshots.push((name.clone(), self.version, self.value.clone()));
                }
                if self.cfg.persist == Persist::OnChange {
                    self.save();
                }
                Term::ok_tuple(int(self.version))
            }
            ("restore", [name]) => match self.snapshots.iter().find(|(n, _, _)| n == name).map(|s| s.2.clone()) {
                Some(v) => {
                    self.set_value(v.clone());
                    Term::ok_tuple(v)
                }
                None => Term::error_tuple(Term::tuple(vec![Term::atom("unknown_snapshot"), name.clone()])),
            },
            ("snapshots", []) => Term::list(self.snapshots.iter().map(|(n, _, _)| n.clone()).collect::<Vec<_>>()),
            ("persist", []) => {
                if self.save() {
                    Term::ok_tuple(int(self.version))
                } else {
                    Term::error_tuple(Term::atom("storage_full"))
                }
            }
            ("reset", []) => {
                self.set_value(self.cfg.initial.clone());
                self.payload.clear();
                self.sync_payload(ctx);
                Term::ok_tuple(self.value.clone())
            }
            ("gc", []) => {
                if self.cfg.memory != Memory::Steady {
                    self.payload.clear();
                    self.collections += 1;
                    self.sync_payload(ctx);
                }
                Term::ok()
            }
            ("crash", []) => return Err(self.crash_reason.clone()),
            ("crash", [reason]) => return Err(reason.clone()),
            ("crash_on_value", [v]) => {
                self.crash_on_value = if v.is_atom(crate::term::Atom::NIL) { None } else { Some(v.clone()) };
                Term::ok()
            }
            ("crash_every", [Term::Int(n)]) if *n >= 0 => {
                self.crash_every = *n as u64;
                Term::ok()
            }
            ("crash_on_message", [p]) => {
                self.crash_on_message = if p.is_atom(crate::term::Atom::NIL) { None } else { Some(p.clone()) };
                Term::ok()
            }
            ("crash_reason", [r]) => {
                self.crash_reason = r.clone();
                Term::ok()
            }
            ("work", [inner]) | ("event", [_, inner]) if depth < 8 => return self.apply(ctx, inner, depth + 1),
            _ => {
                self.ignored += 1;
                bad_request(format!("unknown request {msg}"))
            }
        };
        Ok(reply)
    }

    fn add(&mut self, n: i64) -> Term {
        match self.value.as_int().map(|v| v.checked_add(n)) {
            Some(Some(v)) => {
                self.set_value(Term::Int(v));
                Term::ok_tuple(Term::Int(v))
            }
            Some(None) => bad_request("the value would overflow"),
            None => bad_request(format!("the value {} is not an integer", self.value)),
        }
    }
}

fn blob() -> Term {
    Term::tuple(vec![Term::atom("blob"), Term::str("0123456789abcdef0123456789abcdef")])
}

fn mode_name(p: Persist) -> &'static str {
    match p {
        Persist::Never => "never",
        Persist::OnChange => "on_change",
        Persist::Manual => "manual",
    }
}

fn memory_name(m: Memory) -> &'static str {
    match m {
        Memory::Steady => "steady",
        Memory::Leak => "leak",
        Memory::Sawtooth => "sawtooth",
    }
}

fn opt(t: &Option<Term>) -> Term {
    t.clone().unwrap_or_else(Term::nil)
}

#[async_trait(?Send)]
impl GenServer for StatefulWorker {
    fn module(&self) -> &str {
        "Elixir.Sandbox.StatefulWorker"
    }

    async fn init(&mut self, ctx: &Ctx) -> Init {
        self.now = ctx.now();
        self.updated_at = self.now;
        if self.cfg.persist != Persist::Never {
            if let Some(rec) = self.storage.load(&self.key) {
                self.restore_record(&rec);
            }
        }
        self.push_history();
        if self.cfg.memory == Memory::Steady && self.cfg.memory_step > 0 {
            self.payload = vec![blob(); self.cfg.memory_step];
            self.payload_peak = self.payload.len();
            self.sync_payload(ctx);
        }
        if self.cfg.memory != Memory::Steady && self.cfg.memory_tick_ms > 0 {
            self.ticker.schedule(ctx, self.cfg.memory_tick_ms);
        }
        Init::Ok
    }

    async fn handle_call(&mut self, ctx: &Ctx, req: Term, _from: From) -> CallReply {
        match self.handle(ctx, req).await {
            Ok(r) => CallReply::Reply(r),
            Err(reason) => CallReply::Stop(reason, None),
        }
    }

    async fn handle_cast(&mut self, ctx: &Ctx, msg: Term) -> NoReply {
        match self.handle(ctx, msg).await {
            Ok(_) => NoReply::Continue,
            Err(reason) => NoReply::Stop(reason),
        }
    }

    async fn handle_info(&mut self, ctx: &Ctx, msg: Term) -> NoReply {
        match self.handle(ctx, msg).await {
            Ok(_) => NoReply::Continue,
            Err(reason) => NoReply::Stop(reason),
        }
    }

    fn state(&self) -> Term {
        let snaps = Term::list(self.snapshots.iter().map(|(n, _, _)| n.clone()).collect::<Vec<_>>());
        amap(vec![
            ("value", self.value.clone()),
            ("version", int(self.version)),
            ("updated_at_ms", int(self.updated_at.as_ms())),
            (
                "history",
                amap(vec![
                    ("size", int(self.history.len())),
                    ("capacity", int(self.cfg.history)),
                    ("oldest_version", self.history.front().map_or_else(Term::nil, |h| int(h.version))),
                    ("recent", self.recent_term(RECENT)),
                ]),
            ),
            ("snapshots", snaps),
            (
                "persistence",
                amap(vec![
                    ("mode", Term::atom(mode_name(self.cfg.persist))),
                    ("key", Term::str(&self.key)),
                    ("persisted_version", self.persisted_version.map_or_else(Term::nil, int)),
                    ("restored", Term::bool(self.restored)),
                ]),
            ),
            (
                "memory",
                amap(vec![
                    ("pattern", Term::atom(memory_name(self.cfg.memory))),
                    ("payload_items", int(self.payload.len())),
                    ("peak_items", int(self.payload_peak)),
                    ("collections", int(self.collections)),
                ]),
            ),
            (
                "crash",
                amap(vec![
                    ("on_value", opt(&self.crash_on_value)),
                    ("every", int(self.crash_every)),
                    ("on_message", opt(&self.crash_on_message)),
                    ("reason", self.crash_reason.clone()),
                ]),
            ),
            ("messages", int(self.messages)),
            ("ignored", int(self.ignored)),
        ])
    }

    fn replace_state(&mut self, new: Term) -> Result<(), Term> {
        let v = new.map_get(&Term::atom("value")).cloned().unwrap_or(new);
        self.set_value(v);
        Ok(())
    }

    fn as_any(&self) -> Option<&dyn std::any::Any> {
        Some(self)
    }
}
