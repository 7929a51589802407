//! The harness the sandbox tests share: each test spawns a driver process
//! that starts workers through [`start_fn`](crate::sandbox::start_fn) and
//! talks to them, records what it saw (with the virtual time) into a shared
//! log, and the assertions run outside the simulation on that log.

use crate::otp::gen_server::{self, StartResult};
use crate::otp::supervisor::{
    self, ChildSpec, ChildType, Flags, InitFn, RestartType, Shutdown, StartFn, Strategy, SupInit,
};
use crate::runtime::{Ctx, Runtime, SpawnOpts, VTime};
use crate::sandbox::start_fn;
use crate::term::{parse, Atom, Pid, Term};
use serde_json::Value;
use std::cell::RefCell;
use std::future::Future;
use std::rc::Rc;

/// The log a test's driver records into: a label, the virtual time in ms
/// and a value per entry.
pub(super) type Log = Rc<RefCell<Vec<(String, u64, Term)>>>;

pub(super) fn t(s: &str) -> Term {
    parse(s).unwrap_or_else(|e| panic!("{s}: {e}"))
}

/// Runs `body` as a process (trapping exits) for `run_ms` of virtual time
/// and returns what it recorded.
pub(super) fn harness<F, Fut>(seed: u64, run_ms: u64, body: F) -> Out
where
    F: FnOnce(Ctx, Log) -> Fut + 'static,
    Fut: Future<Output = ()> + 'static,
{
    let mut rt = Runtime::with_seed(seed);
    let log: Log = Rc::default();
    let l2 = log.clone();
    rt.spawn(SpawnOpts { trap_exit: true, ..Default::default() }, move |ctx| async move {
        body(ctx, l2).await;
        Term::atom("normal")
    });
    rt.run_for(VTime::from_ms(run_ms));
    let entries = log.borrow().clone();
    Out(entries)
}

/// What a test recorded, with lookups by label that fail the test when
/// nothing was recorded.
pub(super) struct Out(pub(super) Vec<(String, u64, Term)>);

impl Out {
    pub(super) fn get(&self, label: &str) -> Term {
        self.0
            .iter()
            .find(|(l, _, _)| l == label)
            .map(|(_, _, v)| v.clone())
            .unwrap_or_else(|| panic!("nothing recorded as {label:?}; log: {:?}", self.0))
    }

    pub(super) fn at(&self, label: &str) -> u64 {
        self.0.iter().find(|(l, _, _)| l == label).map(|(_, at, _)| *at).unwrap_or_else(|| panic!("no {label:?}"))
    }

    pub(super) fn all(&self, label: &str) -> Vec<Term> {
        self.0.iter().filter(|(l, _, _)| l == label).map(|(_, _, v)| v.clone()).collect()
    }

    pub(super) fn is(&self, label: &str, want: &str) {
        assert_eq!(self.get(label), t(want), "{label}");
    }
}

pub(super) fn rec(log: &Log, ctx: &Ctx, label: &str, v: Term) {
    log.borrow_mut().push((label.to_string(), ctx.now().as_ms(), v));
}

pub(super) async fn start(ctx: &Ctx, kind: &str, params: Value, name: Option<&str>) -> Pid {
    let f = start_fn(kind, &params, name).unwrap_or_else(|e| panic!("{e}"));
    match f(ctx.clone(), vec![]).await {
        StartResult::Ok(p) => p,
        other => panic!("start failed: {other:?}"),
    }
}

pub(super) async fn call(ctx: &Ctx, pid: Pid, req: &str) -> Term {
    match gen_server::try_call(ctx, pid, t(req), Some(600_000)).await {
        Ok(r) => r,
        Err(e) => Term::tuple(vec![Term::atom("call_failed"), e]),
    }
}

pub(super) async fn call_name(ctx: &Ctx, name: &str, req: &str) -> Term {
    match ctx.whereis(Atom::new(name)) {
        Some(p) => call(ctx, p, req).await,
        None => Term::atom("not_registered"),
    }
}

/// A one_for_one supervisor over the given workers.
pub(super) async fn sup(ctx: &Ctx, children: Vec<(&'static str, StartFn)>) -> Pid {
    let specs: Vec<ChildSpec> = children
        .into_iter()
        .map(|(id, f)| ChildSpec {
            id: Term::atom(id),
            start: f,
            args: vec![],
            restart: RestartType::Permanent,
            shutdown: Shutdown::Timeout(1000),
            child_type: ChildType::Worker,
            modules: vec![],
        })
        .collect();
    let init: InitFn = Box::new(move |_ctx| {
        Box::pin(async move { SupInit::Ok(Flags { strategy: Strategy::OneForOne, intensity: 10, period_s: 5 }, specs) })
    });
    match supervisor::start_link(ctx, None, init).await {
        StartResult::Ok(p) => p,
        other => panic!("supervisor failed: {other:?}"),
    }
}

/// A process that records every message it receives under `label`.
pub(super) fn collector(ctx: &Ctx, log: &Log, label: &'static str) -> Pid {
    let log = log.clone();
    ctx.spawn(SpawnOpts::default(), move |c| async move {
        while let Some(m) = c.receive().await {
            rec(&log, &c, label, m);
        }
        Term::atom("normal")
    })
}

/// Monitors `pid`, waits for its `DOWN` and returns the reason.
pub(super) async fn down_reason(ctx: &Ctx, pid: Pid) -> Term {
    let mref = ctx.monitor(pid);
    let is_down =
        move |m: &Term| matches!(m.as_tuple(), Some([d, Term::Ref(r), ..]) if d.is_atom(Atom::DOWN) && *r == mref);
    match ctx.receive_match(is_down, Some(60_000)).await {
        Some(Term::Tuple(t)) => t[4].clone(),
        _ => Term::atom("no_down"),
    }
}

/// The value at `path` in nested maps with atom keys (`nil` if absent).
pub(super) fn field(t: &Term, path: &[&str]) -> Term {
    let mut cur = t.clone();
    for p in path {
        cur = cur.map_get(&Term::atom(p)).cloned().unwrap_or(Term::nil());
    }
    cur
}

/// The integer at `path` in nested maps (-1 if absent or not an integer).
pub(super) fn stat(v: &Term, path: &[&str]) -> i64 {
    field(v, path).as_int().unwrap_or(-1)
}

/// A [`collector`] registered as `name`, for workers that address their
/// targets by name.
pub(super) fn named_collector(ctx: &Ctx, log: &Log, name: &str, label: &'static str) -> Pid {
    let pid = collector(ctx, log, label);
    ctx.with(|k| k.register(pid, Atom::new(name))).ok();
    pid
}
