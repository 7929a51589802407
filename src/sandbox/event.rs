//! EventWorker: a pub/sub message hub. Subscribers (monitored, removed when
//! they die) register for exact topics or prefix wildcards (`"orders.*"`,
//! `"*"`); published events wait in a bounded queue, priority events ahead
//! of normal ones, and are drained at a configured rate on virtual-time
//! ticks; overflow drops the oldest, drops the newest, or refuses
//! (`{:error, :full}`); events nobody could take go to a bounded
//! dead-letter queue.
//!
//! Requests: `{:subscribe, topic}` (call; the caller subscribes),
//! `{:subscribe, topic, pid}`, `{:unsubscribe, topic}`, `{:unsubscribe,
//! topic, pid}`, `{:publish, topic, payload}`, `{:publish_priority, topic,
//! payload}`, `:dead_letters`, `:clear_dead_letters`, `:subscriptions`,
//! `:stats`, `:state`, `{:work, payload}` (publish to the work topic),
//! `:crash`, `{:crash, reason}`.
//! Subscribers receive `{:event, topic, payload}`.

use super::params::Params;
use super::{amap, bad_request, int, op, text_of, SandboxError, TickMsg, Ticker};
use crate::otp::gen_server::{CallReply, From, GenServer, Init, NoReply};
use crate::runtime::{Ctx, VTime};
use crate::term::{Atom, Pid, Ref, Term};
use async_trait::async_trait;
use std::collections::VecDeque;
use std::rc::Rc;

/// What a full queue does with a new event.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Overflow {
    DropOldest,
    DropNewest,
    /// Refuse it: a call gets `{:error, :full}`.
    Block,
}

/// The most subscriptions a hub keeps.
pub const MAX_SUBSCRIPTIONS: usize = 10_000;

/// An event worker's parameters.
#[derive(Clone, Debug)]
pub struct Config {
    pub queue_size: usize,
    pub overflow: Overflow,
    /// Events delivered per tick.
    pub drain_rate: usize,
    pub tick_ms: u64,
    pub dead_letter_size: usize,
    /// Static subscriptions by registered name, resolved at delivery.
    pub named: Vec<(String, Vec<String>)>,
    /// The topic `{:work, payload}` publishes to.
    pub work_topic: String,
}

pub(crate) const KNOWN: &[&str] =
    &["queue_size", "overflow", "drain_rate", "tick_ms", "dead_letter_size", "subscriptions", "work_topic"];

impl Config {
    pub fn parse(params: &serde_json::Value) -> Result<Config, SandboxError> {
        let p = Params::new("event", params, KNOWN)?;
        let overflow = match p.choice("overflow", "drop_oldest", &["drop_oldest", "drop_newest", "block"])? {
            "drop_newest" => Overflow::DropNewest,
            "block" => Overflow::Block,
            _ => Overflow::DropOldest,
        };
        Ok(Config {
            queue_size: p.u64("queue_size", 100, 1, 100_000)? as usize,
            overflow,
            drain_rate: p.u64("drain_rate", 10, 1, 100_000)? as usize,
            tick_ms: p.u64("tick_ms", 50, 1, 3_600_000)?,
            dead_letter_size: p.u64("dead_letter_size", 50, 1, 10_000)? as usize,
            named: p.name_lists("subscriptions", 1_000)?,
            work_topic: p.name("work_topic")?.unwrap_or_else(|| "work".into()),
        })
    }
}

/// A queued event.
#[derive(Clone, Debug)]
struct Event {
    topic: Rc<str>,
    payload: Term,
    at: VTime,
}

/// An event nobody could take.
struct DeadLetter {
    event: Event,
    reason: Term,
    at: VTime,
}

#[derive(Default, Clone, Copy)]
struct Stats {
    published: u64,
    priority: u64,
    delivered: u64,
    dropped: u64,
    refused: u64,
    dead_lettered: u64,
}

/// The event worker's state.
pub struct EventWorker {
    cfg: Rc<Config>,
    /// (topic pattern, subscriber) pairs in subscription order.
    subs: Vec<(Rc<str>, Pid)>,
    /// A monitor per subscribed pid.
    monitors: Vec<(Pid, Ref)>,
    queue: VecDeque<Event>,
    priority: VecDeque<Event>,
    dead: VecDeque<DeadLetter>,
    ticker: Ticker,
    stats: Stats,
    ignored: u64,
}

/// Whether a subscription pattern matches a topic: exact, `"*"`, or a
/// prefix wildcard `"a.b.*"` matching every topic under `"a.b."`.
pub fn topic_matches(pattern: &str, topic: &str) -> bool {
    if pattern == "*" {
        return true;
    }
    match pattern.strip_suffix('*') {
        Some(prefix) => topic.starts_with(prefix),
        None => pattern == topic,
    }
}

impl EventWorker {
    pub fn new(cfg: Rc<Config>) -> EventWorker {
        EventWorker {
            cfg,
            subs: Vec::new(),
            monitors: Vec::new(),
            queue: VecDeque::new(),
            priority: VecDeque::new(),
            dead: VecDeque::new(),
            ticker: Ticker::new("drain"),
            stats: Stats::default(),
            ignored: 0,
        }
    }

    fn subscribe(&mut self, ctx: &Ctx, topic: Rc<str>, pid: Pid) -> Term {
        if self.subs.iter().any(|(t, p)| *t == topic && *p == pid) {
            return Term::ok();
        }
        if self.subs.len() >= MAX_SUBSCRIPTIONS {
            return Term::error_tuple(Term::atom("too_many_subscriptions"));
        }
        if !self.monitors.iter().any(|(p, _)| *p == pid) {
            let mref = ctx.monitor(pid);
            self.monitors.push((pid, mref));
        }
        self.subs.push((topic, pid));
        Term::ok()
    }

    fn unsubscribe(&mut self, ctx: &Ctx, topic: &str, pid: Pid) -> Term {
        self.subs.retain(|(t, p)| !(&**t == topic && *p == pid));
        if !self.subs.iter().any(|(_, p)| *p == pid) {
            if let Some(i) = self.monitors.iter().position(|(p, _)| *p == pid) {
                let (_, mref) = self.monitors.remove(i);
                ctx.demonitor(mref, true);
            }
        }
        Term::ok()
    }

    fn publish(&mut self, ctx: &Ctx, topic: Rc<str>, payload: Term, priority: bool) -> Term {
        let event = Event { topic, payload, at: ctx.now() };
        if self.queue.len() + self.priority.len() >= self.cfg.queue_size {
            match self.cfg.overflow {
                Overflow::Block => {
                    self.stats.refused += 1;
                    return Term::error_tuple(Term::atom("full"));
                }
                Overflow::DropNewest => {
                    self.stats.dropped += 1;
                    return Term::ok_tuple(Term::atom("dropped"));
                }
                Overflow::DropOldest => {
                    // The oldest normal event goes first; priority events
                    // are dropped only when nothing else is queued.
                    if self.queue.pop_front().or_else(|| self.priority.pop_front()).is_some() {
                        self.stats.dropped += 1;
                    }
                }
            }
        }
        self.stats.published += 1;
        if priority {
            self.stats.priority += 1;
            self.priority.push_back(event);
        } else {
            self.queue.push_back(event);
        }
        self.schedule_tick(ctx);
        Term::ok()
    }

    fn schedule_tick(&mut self, ctx: &Ctx) {
        self.ticker.schedule(ctx, self.cfg.tick_ms);
    }

    /// Delivers up to `drain_rate` events, priority ones first.
    fn drain(&mut self, ctx: &Ctx) {
        for _ in 0..self.cfg.drain_rate {
            let Some(ev) = self.priority.pop_front().or_else(|| self.queue.pop_front()) else {
                break;
            };
            self.deliver(ctx, ev);
        }
        if !self.queue.is_empty() || !self.priority.is_empty() {
            self.schedule_tick(ctx);
        }
    }

    /// Delivers one event to every matching live subscriber. The event is
    /// dead-lettered once for each subscriber it could not reach (a dead
    /// pid, an unregistered name), and once if nothing matched its topic.
    fn deliver(&mut self, ctx: &Ctx, ev: Event) {
        let msg = Term::tuple(vec![Term::atom("event"), Term::Str(ev.topic.clone()), ev.payload.clone()]);
        let mut targets: Vec<Pid> = Vec::new();
        let mut failures: Vec<Term> = Vec::new();
        let mut matched = false;
        for (pattern, pid) in &self.subs {
            if topic_matches(pattern, &ev.topic) && !targets.contains(pid) {
                matched = true;
                if ctx.is_alive(*pid) {
                    targets.push(*pid);
                } else {
                    failures.push(Term::tuple(vec![Term::atom("dead_subscriber"), Term::Pid(*pid)]));
                }
            }
        }
        for (pattern, names) in &self.cfg.named {
            if !topic_matches(pattern, &ev.topic) {
                continue;
            }
            matched = true;
            for n in names {
                match ctx.whereis(Atom::new(n)) {
                    Some(pid) if !targets.contains(&pid) => targets.push(pid),
                    Some(_) => {}
                    None => failures.push(Term::tuple(vec![Term::Atom(Atom::NOPROC), Term::atom(n)])),
                }
            }
        }
        for pid in &targets {
            ctx.send(*pid, msg.clone());
            self.stats.delivered += 1;
        }
        if !matched {
            failures.push(Term::atom("no_subscribers"));
        }
        for reason in failures {
            self.dead_letter(ctx, ev.clone(), reason);
        }
    }

    fn dead_letter(&mut self, ctx: &Ctx, event: Event, reason: Term) {
        self.stats.dead_lettered += 1;
        self.dead.push_back(DeadLetter { event, reason, at: ctx.now() });
        while self.dead.len() > self.cfg.dead_letter_size {
            self.dead.pop_front();
        }
    }

    fn dead_letters_term(&self) -> Term {
        Term::list(
            self.dead
                .iter()
                .map(|d| {
                    amap(vec![
                        ("topic", Term::Str(d.event.topic.clone())),
                        ("payload", d.event.payload.clone()),
                        ("reason", d.reason.clone()),
                        ("published_at_ms", int(d.event.at.as_ms())),
                        ("at_ms", int(d.at.as_ms())),
                    ])
                })
                .collect::<Vec<_>>(),
        )
    }

    fn subscriptions_term(&self) -> Term {
        let mut by_topic: Vec<(Rc<str>, Vec<Term>)> = Vec::new();
        for (t, p) in &self.subs {
            match by_topic.iter_mut().find(|(x, _)| x == t) {
                Some(e) => e.1.push(Term::Pid(*p)),
                None => by_topic.push((t.clone(), vec![Term::Pid(*p)])),
            }
        }
        for (t, names) in &self.cfg.named {
            let names = names.iter().map(|n| Term::atom(n));
            match by_topic.iter_mut().find(|(x, _)| **x == **t) {
                Some(e) => e.1.extend(names),
                None => by_topic.push((Rc::from(t.as_str()), names.collect())),
            }
        }
        Term::map(by_topic.into_iter().map(|(t, ps)| (Term::Str(t), Term::list(ps))))
    }

    fn stats_term(&self) -> Term {
        let s = self.stats;
        amap(vec![
            ("published", int(s.published)),
            ("priority", int(s.priority)),
            ("delivered", int(s.delivered)),
            ("dropped", int(s.dropped)),
            ("refused", int(s.refused)),
            ("dead_lettered", int(s.dead_lettered)),
        ])
    }

    /// Handles one request: `Ok` is the reply, `Err` a crash reason.
    fn handle(&mut self, ctx: &Ctx, msg: &Term, from: Option<From>) -> Result<Term, Term> {
        match self.ticker.take(msg) {
            TickMsg::Ours => {
                self.drain(ctx);
                return Ok(Term::ok());
            }
            TickMsg::Stale => return Ok(Term::ok()),
            TickMsg::Other => {}
        }
        let Some((tag, args)) = op(msg) else {
            self.ignored += 1;
            return Ok(bad_request(format!("unknown request {msg}")));
        };
        let topic =
            |t: &Term| text_of(t).filter(|s| !s.is_empty() && s.len() <= 255).map(|s| Rc::<str>::from(s.as_str()));
        Ok(match (&*tag, args) {
            ("subscribe", [t]) | ("subscribe", [t, _]) => {
                let pid = match (args, from) {
                    ([_, Term::Pid(p)], _) => *p,
                    ([_], Some(f)) => f.pid,
                    _ => return Ok(self.bad(msg)),
                };
                match topic(t) {
                    Some(t) => self.subscribe(ctx, t, pid),
                    None => self.bad(msg),
                }
            }
            ("unsubscribe", [t]) | ("unsubscribe", [t, _]) => {
                let pid = match (args, from) {
                    ([_, Term::Pid(p)], _) => *p,
                    ([_], Some(f)) => f.pid,
                    _ => return Ok(self.bad(msg)),
                };
                match topic(t) {
                    Some(t) => self.unsubscribe(ctx, &t, pid),
                    None => self.bad(msg),
                }
            }
            ("publish", [t, payload]) | ("publish_priority", [t, payload]) => match topic(t) {
                Some(t) => self.publish(ctx, t, payload.clone(), &*tag == "publish_priority"),
                None => self.bad(msg),
            },
            ("work", [payload]) => {
                let t: Rc<str> = Rc::from(self.cfg.work_topic.as_str());
                self.publish(ctx, t, payload.clone(), false)
            }
            ("dead_letters", []) => self.dead_letters_term(),
            ("clear_dead_letters", []) => {
                let n = self.dead.len();
                self.dead.clear();
                Term::ok_tuple(int(n))
            }
            ("subscriptions", []) => self.subscriptions_term(),
            ("stats", []) => self.stats_term(),
            ("state", []) => self.state(),
            ("crash", []) => return Err(Term::atom("simulated_crash")),
            ("crash", [reason]) => return Err(reason.clone()),
            ("DOWN", [Term::Ref(mref), _, Term::Pid(pid), _]) => {
                if let Some(i) = self.monitors.iter().position(|(p, r)| p == pid && r == mref) {
                    self.monitors.remove(i);
                    self.subs.retain(|(_, p)| p != pid);
                }
                Term::ok()
            }
            _ => self.bad(msg),
        })
    }

    fn bad(&mut self, msg: &Term) -> Term {
        self.ignored += 1;
        bad_request(format!("unknown request {msg}"))
    }
}

#[async_trait(?Send)]
impl GenServer for EventWorker {
    fn module(&self) -> &str {
        "Elixir.Sandbox.EventWorker"
    }

    async fn init(&mut self, _ctx: &Ctx) -> Init {
        Init::Ok
    }

    async fn handle_call(&mut self, ctx: &Ctx, req: Term, from: From) -> CallReply {
        match self.handle(ctx, &req, Some(from)) {
            Ok(r) => CallReply::Reply(r),
            Err(reason) => CallReply::Stop(reason, None),
        }
    }

    async fn handle_cast(&mut self, ctx: &Ctx, msg: Term) -> NoReply {
        match self.handle(ctx, &msg, None) {
            Ok(_) => NoReply::Continue,
            Err(reason) => NoReply::Stop(reason),
        }
    }

    async fn handle_info(&mut self, ctx: &Ctx, msg: Term) -> NoReply {
        self.handle_cast(ctx, msg).await
    }

    fn state(&self) -> Term {
        let overflow = match self.cfg.overflow {
            Overflow::DropOldest => "drop_oldest",
            Overflow::DropNewest => "drop_newest",
            Overflow::Block => "block",
        };
        amap(vec![
            ("subscriptions", self.subscriptions_term()),
            ("queue_length", int(self.queue.len())),
            ("priority_length", int(self.priority.len())),
            ("queue_size", int(self.cfg.queue_size)),
            ("overflow", Term::atom(overflow)),
            ("drain_rate", int(self.cfg.drain_rate)),
            ("tick_ms", int(self.cfg.tick_ms)),
            ("dead_letters", int(self.dead.len())),
            ("stats", self.stats_term()),
            ("ignored", int(self.ignored)),
        ])
    }

    fn as_any(&self) -> Option<&dyn std::any::Any> {
        Some(self)
    }
}
