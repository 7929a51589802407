//! ResourceWorker: a connection-pool simulator. A fixed pool of resources
//! is checked out and in; callers beyond capacity wait in a bounded queue
//! and time out in virtual time; borrowers are monitored so that a dead
//! borrower's resources come back; every Nth checkout can leak; a full wait
//! queue answers `{:error, :overloaded}` (backpressure).
//!
//! Requests: `{:checkout, timeout_ms}` and `:checkout` (calls), `{:checkin,
//! res}` (cast, call or message), `{:work, _}` (take and return a resource
//! at once, failing with `{:error, :exhausted}` when none is free),
//! `:stats`, `:state`, `:repair` (return leaked resources to the pool),
//! `:crash`, `{:crash, reason}`.

use super::params::Params;
use super::{amap, bad_request, int, op, SandboxError};
use crate::otp::gen_server::{self, CallReply, From, GenServer, NoReply};
use crate::runtime::{Ctx, TimerKey, VTime};
use crate::term::{Atom, Pid, Ref, Term};
use async_trait::async_trait;
use std::collections::VecDeque;
use std::rc::Rc;

/// A resource worker's parameters.
#[derive(Clone, Debug)]
pub struct Config {
    pub size: usize,
    pub max_waiting: usize,
    /// Every Nth checkout leaks its resource (0: never).
    pub leak_every: u64,
    /// The wait of a bare `:checkout`.
    pub default_timeout_ms: u64,
}

pub(crate) const KNOWN: &[&str] = &["size", "max_waiting", "leak_every", "default_timeout_ms"];

impl Config {
    pub fn parse(params: &serde_json::Value) -> Result<Config, SandboxError> {
        let p = Params::new("resource", params, KNOWN)?;
        Ok(Config {
            size: p.u64("size", 5, 1, 1_000)? as usize,
            max_waiting: p.u64("max_waiting", 10, 0, 10_000)? as usize,
            leak_every: p.u64("leak_every", 0, 0, 1_000_000)?,
            default_timeout_ms: p.u64("default_timeout_ms", 5_000, 0, 3_600_000)?,
        })
    }
}

/// A resource lent out.
struct Loan {
    res: Term,
    borrower: Pid,
    mref: Ref,
    since: VTime,
}

/// A caller waiting for a resource.
struct Waiter {
    from: From,
    deadline: VTime,
    timer: TimerKey,
}

#[derive(Default, Clone, Copy)]
struct Stats {
    checkouts: u64,
    checkins: u64,
    timeouts: u64,
    overloaded: u64,
    reclaimed: u64,
    leaked: u64,
    exhausted: u64,
    peak_waiting: usize,
    peak_in_use: usize,
}

/// The resource worker's state.
pub struct ResourceWorker {
    cfg: Rc<Config>,
    free: VecDeque<Term>,
    loans: Vec<Loan>,
    leaked: Vec<Term>,
    waiting: VecDeque<Waiter>,
    stats: Stats,
    ignored: u64,
}

enum Out {
    Reply(Term),
    NoReply,
    /// Crash with this reason (`{:crash, reason}`).
    Stop(Term),
}

impl ResourceWorker {
    pub fn new(cfg: Rc<Config>) -> ResourceWorker {
        let free = (1..=cfg.size).map(|i| Term::atom(&format!("conn_{i}"))).collect();
        ResourceWorker {
            cfg,
            free,
            loans: Vec::new(),
            leaked: Vec::new(),
            waiting: VecDeque::new(),
            stats: Stats::default(),
            ignored: 0,
        }
    }

    /// Lends `res` to `borrower`, leaking it on every Nth checkout.
    fn lend(&mut self, ctx: &Ctx, res: Term, borrower: Pid) -> Term {
        self.stats.checkouts += 1;
        if self.cfg.leak_every > 0 && self.stats.checkouts % self.cfg.leak_every == 0 {
            self.stats.leaked += 1;
            self.leaked.push(res.clone());
        } else {
            let mref = ctx.monitor(borrower);
            self.loans.push(Loan { res: res.clone(), borrower, mref, since: ctx.now() });
            self.stats.peak_in_use = self.stats.peak_in_use.max(self.loans.len());
        }
        Term::ok_tuple(res)
    }

    /// Puts a resource back: to the first live waiter, or into the pool.
    fn give_back(&mut self, ctx: &Ctx, res: Term) {
        while let Some(w) = self.waiting.pop_front() {
            ctx.cancel_timer(w.timer);
            if ctx.is_alive(w.from.pid) {
                let r = self.lend(ctx, res, w.from.pid);
                gen_server::reply(ctx, w.from, r);
                return;
            }
        }
        self.free.push_back(res);
    }

    fn checkout(&mut self, ctx: &Ctx, from: From, timeout_ms: u64) -> Out {
        if let Some(res) = self.free.pop_front() {
            return Out::Reply(self.lend(ctx, res, from.pid));
        }
        if self.waiting.len() >= self.cfg.max_waiting {
            self.stats.overloaded += 1;
            return Out::Reply(Term::error_tuple(Term::atom("overloaded")));
        }
        let msg = Term::tuple(vec![Term::atom("checkout_timeout"), Term::Ref(from.tag)]);
        let timer = ctx.send_after(timeout_ms, ctx.pid(), msg);
        let deadline = ctx.now() + VTime::from_ms(timeout_ms);
        self.waiting.push_back(Waiter { from, deadline, timer });
        self.stats.peak_waiting = self.stats.peak_waiting.max(self.waiting.len());
        Out::NoReply
    }

    fn checkin(&mut self, ctx: &Ctx, res: &Term) -> Term {
        match self.loans.iter().position(|l| l.res == *res) {
            Some(i) => {
                let loan = self.loans.remove(i);
                ctx.demonitor(loan.mref, true);
                self.stats.checkins += 1;
                self.give_back(ctx, loan.res);
                Term::ok()
            }
            None => Term::error_tuple(Term::tuple(vec![Term::atom("not_checked_out"), res.clone()])),
        }
    }

    fn handle(&mut self, ctx: &Ctx, msg: &Term, from: Option<From>) -> Out {
        let Some((tag, args)) = op(msg) else {
            self.ignored += 1;
            return Out::Reply(bad_request(format!("unknown request {msg}")));
        };
        match (&*tag, args, from) {
            ("checkout", [], Some(f)) => self.checkout(ctx, f, self.cfg.default_timeout_ms),
            ("checkout", [Term::Int(ms)], Some(f)) if *ms >= 0 => self.checkout(ctx, f, (*ms as u64).min(3_600_000)),
            ("checkin", [res], _) => Out::Reply(self.checkin(ctx, res)),
            ("work", [_], _) => match self.free.pop_front() {
                Some(res) => {
                    // A checkout and an immediate checkin, except that the
                    // leak applies here too: a leaked resource is kept.
                    self.stats.checkouts += 1;
                    if self.cfg.leak_every > 0 && self.stats.checkouts % self.cfg.leak_every == 0 {
                        self.stats.leaked += 1;
                        self.leaked.push(res.clone());
                    } else {
                        self.stats.checkins += 1;
                        self.free.push_back(res.clone());
                    }
                    Out::Reply(Term::ok_tuple(res))
                }
                None => {
                    self.stats.exhausted += 1;
                    Out::Reply(Term::error_tuple(Term::atom("exhausted")))
                }
            },
            ("stats", [], _) => Out::Reply(self.stats_term()),
            ("crash", [], _) => Out::Stop(Term::atom("simulated_crash")),
            ("crash", [reason], _) => Out::Stop(reason.clone()),
            ("state", [], _) => Out::Reply(self.state()),
            ("repair", [], _) => {
                let leaked = std::mem::take(&mut self.leaked);
                let n = leaked.len();
                for r in leaked {
                    self.give_back(ctx, r);
                }
                Out::Reply(Term::ok_tuple(int(n)))
            }
            ("checkout_timeout", [Term::Ref(tag)], None) => {
                if let Some(i) = self.waiting.iter().position(|w| w.from.tag == *tag) {
                    if let Some(w) = self.waiting.remove(i) {
                        self.stats.timeouts += 1;
                        gen_server::reply(ctx, w.from, Term::error_tuple(Term::Atom(Atom::TIMEOUT)));
                    }
                }
                Out::NoReply
            }
            ("DOWN", [Term::Ref(mref), _, Term::Pid(_), _], None) => {
                if let Some(i) = self.loans.iter().position(|l| l.mref == *mref) {
                    let loan = self.loans.remove(i);
                    self.stats.reclaimed += 1;
                    self.give_back(ctx, loan.res);
                }
                Out::NoReply
            }
            _ => {
                self.ignored += 1;
                Out::Reply(bad_request(format!("unknown request {msg}")))
            }
        }
    }

    fn stats_term(&self) -> Term {
        let s = self.stats;
        amap(vec![
            ("checkouts", int(s.checkouts)),
            ("checkins", int(s.checkins)),
            ("timeouts", int(s.timeouts)),
            ("overloaded", int(s.overloaded)),
            ("reclaimed", int(s.reclaimed)),
            ("leaked", int(s.leaked)),
            ("exhausted", int(s.exhausted)),
            ("peak_waiting", int(s.peak_waiting)),
            ("peak_in_use", int(s.peak_in_use)),
        ])
    }
}

#[async_trait(?Send)]
impl GenServer for ResourceWorker {
    fn module(&self) -> &str {
        "Elixir.Sandbox.ResourceWorker"
    }

    async fn handle_call(&mut self, ctx: &Ctx, req: Term, from: From) -> CallReply {
        match self.handle(ctx, &req, Some(from)) {
            Out::Reply(r) => CallReply::Reply(r),
            Out::NoReply => CallReply::NoReply,
            Out::Stop(reason) => CallReply::Stop(reason, None),
        }
    }

    async fn handle_cast(&mut self, ctx: &Ctx, msg: Term) -> NoReply {
        match self.handle(ctx, &msg, None) {
            Out::Stop(reason) => NoReply::Stop(reason),
            _ => NoReply::Continue,
        }
    }

    async fn handle_info(&mut self, ctx: &Ctx, msg: Term) -> NoReply {
        self.handle_cast(ctx, msg).await
    }

    fn state(&self) -> Term {
        let loans = self.loans.iter().map(|l| {
            (l.res.clone(), amap(vec![("borrower", Term::Pid(l.borrower)), ("since_ms", int(l.since.as_ms()))]))
        });
        let waiting = self
            .waiting
            .iter()
            .map(|w| amap(vec![("caller", Term::Pid(w.from.pid)), ("deadline_ms", int(w.deadline.as_ms()))]))
            .collect::<Vec<_>>();
        amap(vec![
            ("size", int(self.cfg.size)),
            ("available", Term::list(self.free.iter().cloned().collect::<Vec<_>>())),
            ("checked_out", Term::map(loans)),
            ("leaked", Term::list(self.leaked.clone())),
            ("waiting", Term::list(waiting)),
            ("max_waiting", int(self.cfg.max_waiting)),
            ("stats", self.stats_term()),
            ("ignored", int(self.ignored)),
        ])
    }

    fn as_any(&self) -> Option<&dyn std::any::Any> {
        Some(self)
    }
}
