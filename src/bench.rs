//! The benchmark workloads of `../shared/bench/WORKLOADS.md` on our runtime:
//! `ring`, `spawn`, `call`, `restart` and `idle`, each timing exactly what
//! the BEAM side (`bench.erl`) times and printing the same one-line JSON.
//!
//! This is the one place in the library that reads a wall clock, and only
//! through the [`Clock`] the caller passes in: the runtime itself never
//! does. The CLI passes [`native_clock`]; a browser build would pass
//! `performance.now()`. Process bodies here read the clock directly, as
//! `bench.erl` calls `erlang:monotonic_time` inside its processes, so that
//! setup the BEAM does not time is not timed here either.

use crate::otp::gen_server::{self, CallReply, From, GenServer, Init, StartOpts, StartResult};
use crate::otp::supervisor::{self, ChildSpec, ChildType, Flags, RestartType, Shutdown, Strategy, SupInit};
use crate::runtime::{memory_words, Command, Ctx, Filter, Runtime, SpawnOpts};
use crate::term::{Atom, Pid, Term};
use async_trait::async_trait;
use std::cell::Cell;
use std::fmt;
use std::rc::Rc;

/// Seconds since some fixed point, from a monotonic wall clock.
pub type Clock = fn() -> f64;

/// A monotonic clock for native builds, from `std::time::Instant`.
#[cfg(not(target_arch = "wasm32"))]
pub fn native_clock() -> f64 {
    use std::sync::OnceLock;
    use std::time::Instant;
    static BASE: OnceLock<Instant> = OnceLock::new();
    BASE.get_or_init(Instant::now).elapsed().as_secs_f64()
}

/// The five workloads.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Workload {
    Ring,
    Spawn,
    Call,
    Restart,
    Idle,
}

impl Workload {
    pub const ALL: [Workload; 5] = [Workload::Ring, Workload::Spawn, Workload::Call, Workload::Restart, Workload::Idle];

    pub fn parse(s: &str) -> Option<Workload> {
        Workload::ALL.into_iter().find(|w| w.name() == s)
    }

    pub fn name(self) -> &'static str {
        match self {
            Workload::Ring => "ring",
            Workload::Spawn => "spawn",
            Workload::Call => "call",
            Workload::Restart => "restart",
            Workload::Idle => "idle",
        }
    }
}

/// Options, as `bench.erl` takes them; `None` means the workload's default.
#[derive(Clone, Debug, Default)]
pub struct Options {
    pub procs: Option<u64>,
    pub rounds: Option<u64>,
    pub calls: Option<u64>,
    pub restarts: Option<u64>,
    /// Full tracing on: a recorder that keeps every kind of event about
    /// every process.
    pub trace: bool,
}

/// How many events the `--trace` recorder keeps: the live system's default
/// recorder capacity (`system::Options::recorder_capacity`). It is a
/// bounded ring, as every history in the tool is, so the cost measured is
/// the steady-state cost of recording (building, pushing and evicting
/// events), which is what a long-running traced system pays.
pub const TRACE_CAPACITY: usize = 20_000;

/// One run's result.
#[derive(Clone, Debug, PartialEq)]
pub struct Outcome {
    pub workload: Workload,
    pub ops: u64,
    pub secs: f64,
    pub bytes_per_proc: Option<f64>,
}

impl Outcome {
    pub fn ops_per_sec(&self) -> f64 {
        if self.secs > 0.0 {
            self.ops as f64 / self.secs
        } else {
            0.0
        }
    }

    /// The line `bench.erl` prints, field for field and number for number
    /// (`float_to_list(X, [{decimals, D}, compact])`).
    pub fn to_json_line(&self) -> String {
        let bytes = match self.bytes_per_proc {
            Some(b) => compact(b, 1),
            None => "null".to_string(),
        };
        format!(
            "{{\"workload\":\"{}\",\"ops\":{},\"secs\":{},\"ops_per_sec\":{},\"bytes_per_proc\":{}}}",
            self.workload.name(),
            self.ops,
            compact(self.secs, 6),
            compact(self.ops_per_sec(), 1),
            bytes
        )
    }
}

/// A number with at most `decimals` decimals and trailing zeros removed,
/// keeping one digit after the point, as Erlang's `compact` option does.
fn compact(x: f64, decimals: usize) -> String {
    let s = format!("{x:.decimals$}");
    match s.find('.') {
        Some(dot) => {
            let trimmed = s.trim_end_matches('0');
            if trimmed.len() <= dot + 1 {
                format!("{}0", &s[..=dot])
            } else {
                trimmed.to_string()
            }
        }
        None => format!("{s}.0"),
    }
}

/// Why a run could not complete.
#[derive(Clone, Debug, PartialEq)]
pub enum BenchError {
    /// An option was out of range: zero (every count must be positive, as
    /// in `bench.erl`) or above [`MAX_COUNT`] (`--procs`: [`MAX_PROCS`]).
    BadOption(&'static str),
    /// The workload did not finish: a bug in the runtime, reported rather
    /// than hung on.
    Stalled(&'static str),
}

impl fmt::Display for BenchError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            BenchError::BadOption(o) => {
                let max = if *o == "procs" { MAX_PROCS } else { MAX_COUNT };
                write!(f, "--{o} must be between 1 and {max}")
            }
            BenchError::Stalled(w) => write!(f, "the {w} workload did not finish"),
        }
    }
}

impl std::error::Error for BenchError {}

/// The most processes a workload may ask for. Like the BEAM's process
/// limit, it turns a mistyped count into an error instead of exhausting
/// memory (each process costs a few hundred bytes).
pub const MAX_PROCS: u64 = 1 << 24;

/// The most rounds, calls or restarts; also bounds a ring's hop count.
pub const MAX_COUNT: u64 = 1 << 40;

fn positive(v: Option<u64>, default: u64, name: &'static str) -> Result<u64, BenchError> {
    let max = if name == "procs" { MAX_PROCS } else { MAX_COUNT };
    match v.unwrap_or(default) {
        n if n == 0 || n > max => Err(BenchError::BadOption(name)),
        n => Ok(n),
    }
}

/// Runs one workload once.
pub fn run(w: Workload, o: &Options, clock: Clock) -> Result<Outcome, BenchError> {
    let mut rt = Runtime::with_seed(0);
    if o.trace {
        rt.bus(|b| b.set_recorder(Some((Filter::all(), TRACE_CAPACITY))));
    }
    match w {
        Workload::Ring => {
            let (procs, rounds) = (positive(o.procs, 1000, "procs")?, positive(o.rounds, 1000, "rounds")?);
            if procs.saturating_mul(rounds) > MAX_COUNT {
                return Err(BenchError::BadOption("rounds"));
            }
            ring(&mut rt, procs, rounds, clock)
        }
        Workload::Spawn => spawn(&mut rt, positive(o.procs, 100_000, "procs")?, clock),
        Workload::Call => call(&mut rt, positive(o.calls, 200_000, "calls")?, clock),
        Workload::Restart => restart(&mut rt, positive(o.restarts, 2000, "restarts")?, clock),
        Workload::Idle => idle(&mut rt, positive(o.procs, 100_000, "procs")?, clock),
    }
}

/// Start and end stamps written by the process that does the timed part.
#[derive(Default)]
struct Stamps {
    t0: Cell<f64>,
    t1: Cell<f64>,
    done: Cell<bool>,
}

impl Stamps {
    fn secs(&self) -> f64 {
        self.t1.get() - self.t0.get()
    }
}

/// Runs until the timed process has finished (or nothing is left to do).
fn drive(rt: &mut Runtime, stamps: &Stamps, name: &'static str) -> Result<(), BenchError> {
    while !stamps.done.get() {
        if rt.run_to_completion(u64::MAX) && !stamps.done.get() {
            return Err(BenchError::Stalled(name));
        }
    }
    Ok(())
}

/// `{Tag, V}`, built in one allocation as the BEAM builds a tuple in one
/// heap write (`Term::tuple` goes through a `Vec`, a second allocation).
fn tagged(tag: Atom, v: Term) -> Term {
    Term::Tuple(Rc::new([Term::Atom(tag), v]))
}

// --- ring ---------------------------------------------------------------

/// `ring_loop/2`: forward `{token, K-1}`, or tell main when `K` is 0.
async fn ring_loop(ctx: &Ctx, next: Pid, main: Pid) -> Term {
    let done = Term::atom("ring_done");
    loop {
        let Some(m) = ctx.receive().await else { continue };
        if let Some([_, Term::Int(k)]) = m.tagged(Atom::TOKEN) {
            if *k == 0 {
                ctx.send(main, done.clone());
            } else {
                ctx.send(next, tagged(Atom::TOKEN, Term::Int(k - 1)));
            }
        }
    }
}

fn ring(rt: &mut Runtime, n: u64, rounds: u64, clock: Clock) -> Result<Outcome, BenchError> {
    let hops = n.saturating_mul(rounds);
    let stamps = Rc::new(Stamps::default());
    let st = stamps.clone();
    // Main waits for `go` so that the ring is built (untimed) first.
    let main = rt.spawn(SpawnOpts::default(), move |ctx| async move {
        let Some(Term::Pid(first)) = ctx.receive().await else { return Term::Atom(Atom::BADARG) };
        st.t0.set(clock());
        ctx.send(first, tagged(Atom::TOKEN, Term::Int(hops as i64 - 1)));
        ctx.receive_match(|m| m.is_atom(Atom::new("ring_done")), None).await;
        st.t1.set(clock());
        st.done.set(true);
        Term::Atom(Atom::NORMAL)
    });
    // As bench.erl builds it: the last process first; each new one
    // forwards to the one spawned before it; the last learns the first.
    let last = rt.spawn(SpawnOpts::default(), move |ctx| async move {
        let next = match ctx.receive_match(|m| m.tagged(Atom::new("next")).is_some(), None).await {
            Some(Term::Tuple(t)) => t[1].as_pid(),
            _ => None,
        };
        match next {
            Some(first) => ring_loop(&ctx, first, main).await,
            None => Term::Atom(Atom::BADARG),
        }
    });
    let mut ring = vec![last];
    let mut next = last;
    for _ in 1..n {
        next = rt.spawn(SpawnOpts::default(), move |ctx| async move { ring_loop(&ctx, next, main).await });
        ring.push(next);
    }
    let first = next;
    // A failed send leaves the ring unstarted, which `drive` reports.
    let _ = rt.apply(Command::Send { to: last, msg: tagged(Atom::new("next"), Term::Pid(first)) });
    rt.run_until_idle(u64::MAX);
    let _ = rt.apply(Command::Send { to: main, msg: Term::Pid(first) });
    drive(rt, &stamps, "ring")?;
    Ok(Outcome { workload: Workload::Ring, ops: hops, secs: stamps.secs(), bytes_per_proc: None })
}

// --- spawn --------------------------------------------------------------

fn spawn(rt: &mut Runtime, n: u64, clock: Clock) -> Result<Outcome, BenchError> {
    let stamps = Rc::new(Stamps::default());
    let st = stamps.clone();
    rt.spawn(SpawnOpts::default(), move |ctx| async move {
        st.t0.set(clock());
        for _ in 0..n {
            ctx.spawn_monitor(SpawnOpts::default(), |_| async { Term::Atom(Atom::NORMAL) });
            // `spawn_n/1` in bench.erl is a function call per iteration,
            // and the BEAM may preempt at any call once the slice's
            // reductions are spent, so its children run while it spawns.
            // A Rust loop has no such implicit point: this is it (one
            // reduction, and a yield only when the budget is spent).
            ctx.work(1).await;
        }
        let is_normal_down =
            |m: &Term| matches!(m.tagged(Atom::DOWN), Some([_, _, _, _, r]) if r.is_atom(Atom::NORMAL));
        for _ in 0..n {
            ctx.receive_match(is_normal_down, None).await;
        }
        st.t1.set(clock());
        st.done.set(true);
        Term::Atom(Atom::NORMAL)
    });
    drive(rt, &stamps, "spawn")?;
    Ok(Outcome { workload: Workload::Spawn, ops: n, secs: stamps.secs(), bytes_per_proc: None })
}

// --- call ---------------------------------------------------------------

/// The `call` server: a counter that replies with its new value.
struct Counter(i64);

#[async_trait(?Send)]
impl GenServer for Counter {
    fn module(&self) -> &str {
        "bench"
    }

    async fn handle_call(&mut self, _ctx: &Ctx, _req: Term, _from: From) -> CallReply {
        self.0 += 1;
        CallReply::Reply(Term::Int(self.0))
    }

    fn state(&self) -> Term {
        Term::Int(self.0)
    }
}

fn call(rt: &mut Runtime, n: u64, clock: Clock) -> Result<Outcome, BenchError> {
    let stamps = Rc::new(Stamps::default());
    let st = stamps.clone();
    let ok = Rc::new(Cell::new(false));
    let ok2 = ok.clone();
    rt.spawn(SpawnOpts::default(), move |ctx| async move {
        let StartResult::Ok(server) = gen_server::start_link(&ctx, Box::new(Counter(0)), StartOpts::default()).await
        else {
            st.done.set(true);
            return Term::Atom(Atom::ERROR);
        };
        let incr = Term::atom("incr");
        let mut last = Term::Int(0);
        st.t0.set(clock());
        for _ in 0..n {
            last = gen_server::call(&ctx, server, incr.clone(), None).await;
        }
        st.t1.set(clock());
        ok2.set(last == Term::Int(n as i64));
        st.done.set(true);
        ctx.unlink(server);
        ctx.exit_signal(server, Term::Atom(Atom::KILL));
        Term::Atom(Atom::NORMAL)
    });
    drive(rt, &stamps, "call")?;
    if !ok.get() {
        return Err(BenchError::Stalled("call"));
    }
    Ok(Outcome { workload: Workload::Call, ops: n, secs: stamps.secs(), bytes_per_proc: None })
}

// --- restart ------------------------------------------------------------

/// The `restart` worker: tells main it started, then idles.
struct Worker(Pid);

#[async_trait(?Send)]
impl GenServer for Worker {
    fn module(&self) -> &str {
        "bench"
    }

    async fn init(&mut self, ctx: &Ctx) -> Init {
        ctx.send(self.0, tagged(Atom::new("started"), Term::Pid(ctx.pid())));
        Init::Ok
    }

    fn state(&self) -> Term {
        Term::Pid(self.0)
    }
}

fn restart(rt: &mut Runtime, n: u64, clock: Clock) -> Result<Outcome, BenchError> {
    let stamps = Rc::new(Stamps::default());
    let st = stamps.clone();
    rt.spawn(SpawnOpts { trap_exit: true, ..Default::default() }, move |ctx| async move {
        let main = ctx.pid();
        let start: supervisor::StartFn = Rc::new(move |c: Ctx, _args: Vec<Term>| {
            Box::pin(async move { gen_server::start_link(&c, Box::new(Worker(main)), StartOpts::default()).await })
        });
        let spec = ChildSpec {
            id: Term::atom("w"),
            start,
            args: Vec::new(),
            restart: RestartType::Permanent,
            shutdown: Shutdown::BrutalKill,
            child_type: ChildType::Worker,
            modules: vec![Rc::from("bench")],
        };
        // Intensity n: it never trips; period 1 s, the smallest OTP allows.
        let flags = Flags { strategy: Strategy::OneForOne, intensity: n.min(u32::MAX as u64) as u32, period_s: 1 };
        let init: supervisor::InitFn = Box::new(move |_c| Box::pin(async move { SupInit::Ok(flags, vec![spec]) }));
        let StartResult::Ok(sup) = supervisor::start_link(&ctx, None, init).await else {
            st.done.set(true);
            return Term::Atom(Atom::ERROR);
        };
        let started = Atom::new("started");
        let is_started = move |m: &Term| m.tagged(started).is_some();
        let next = |m: Option<Term>| m.and_then(|m| m.tagged(started).and_then(|t| t[1].as_pid()));
        let Some(mut pid) = next(ctx.receive_match(is_started, None).await) else {
            st.done.set(true);
            return Term::Atom(Atom::ERROR);
        };
        st.t0.set(clock());
        for _ in 0..n {
            ctx.exit_signal(pid, Term::Atom(Atom::KILL));
            match next(ctx.receive_match(is_started, None).await) {
                Some(p) => pid = p,
                None => break,
            }
        }
        st.t1.set(clock());
        st.done.set(true);
        ctx.exit_signal(sup, Term::Atom(Atom::SHUTDOWN));
        Term::Atom(Atom::NORMAL)
    });
    drive(rt, &stamps, "restart")?;
    Ok(Outcome { workload: Workload::Restart, ops: n, secs: stamps.secs(), bytes_per_proc: None })
}

// --- idle ---------------------------------------------------------------

/// Bytes one process takes in our accounting: its record, body, extra
/// record, mailbox and dictionary ([`memory_words`]), plus its slot in the
/// process table.
pub fn process_bytes(rt: &Runtime, pid: Pid) -> usize {
    rt.with_proc(pid, |p| memory_words(p) * 8 + std::mem::size_of::<Option<Box<crate::runtime::Proc>>>()).unwrap_or(0)
}

fn idle(rt: &mut Runtime, n: u64, clock: Clock) -> Result<Outcome, BenchError> {
    let stamps = Rc::new(Stamps::default());
    let st = stamps.clone();
    let pids = Rc::new(std::cell::RefCell::new(Vec::with_capacity(n as usize)));
    let pids2 = pids.clone();
    rt.spawn(SpawnOpts::default(), move |ctx| async move {
        st.t0.set(clock());
        // `receive stop -> ok end`: the pattern is an atom, so the body
        // keeps an atom (a word), as the BEAM's code refers to one.
        let stop = Atom::new("stop");
        for _ in 0..n {
            let pid = ctx.spawn(SpawnOpts::default(), move |c| async move {
                c.receive_match(move |m| m.is_atom(stop), None).await;
                Term::Atom(Atom::NORMAL)
            });
            pids2.borrow_mut().push(pid);
            // A preemption point, as in the spawn workload.
            ctx.work(1).await;
        }
        st.t1.set(clock());
        st.done.set(true);
        Term::Atom(Atom::NORMAL)
    });
    drive(rt, &stamps, "idle")?;
    // Let every new process run into its receive before measuring.
    rt.run_until_idle(u64::MAX);
    let pids = pids.borrow();
    let total: usize = pids.iter().map(|&p| process_bytes(rt, p)).sum();
    Ok(Outcome { workload: Workload::Idle, ops: n, secs: stamps.secs(), bytes_per_proc: Some(total as f64 / n as f64) })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fake_clock() -> f64 {
        0.0
    }

    #[test]
    fn json_numbers_are_formatted_like_erlangs_compact() {
        assert_eq!(compact(0.412, 6), "0.412");
        assert_eq!(compact(2.0, 6), "2.0");
        assert_eq!(compact(2427184.46, 1), "2427184.5");
        assert_eq!(compact(100.0, 1), "100.0");
        let o = Outcome { workload: Workload::Ring, ops: 10, secs: 0.5, bytes_per_proc: None };
        assert_eq!(
            o.to_json_line(),
            r#"{"workload":"ring","ops":10,"secs":0.5,"ops_per_sec":20.0,"bytes_per_proc":null}"#
        );
    }

    #[test]
    fn every_workload_runs_small() {
        let o = Options { procs: Some(20), rounds: Some(3), calls: Some(30), restarts: Some(5), trace: false };
        for w in Workload::ALL {
            for trace in [false, true] {
                let out = run(w, &Options { trace, ..o.clone() }, fake_clock).unwrap();
                assert_eq!(out.workload, w);
                assert!(out.ops > 0);
                assert_eq!(out.bytes_per_proc.is_some(), w == Workload::Idle);
            }
        }
        assert_eq!(
            run(Workload::Ring, &Options { rounds: Some(0), ..o.clone() }, fake_clock),
            Err(BenchError::BadOption("rounds"))
        );
        // Counts that would exhaust memory or overflow are refused up front.
        let huge = Options { procs: Some(MAX_PROCS + 1), ..o.clone() };
        assert_eq!(run(Workload::Idle, &huge, fake_clock), Err(BenchError::BadOption("procs")));
        let long = Options { procs: Some(MAX_PROCS), rounds: Some(MAX_COUNT), ..o };
        assert_eq!(run(Workload::Ring, &long, fake_clock), Err(BenchError::BadOption("rounds")));
    }

    #[test]
    fn idle_processes_are_small() {
        let o = Options { procs: Some(1000), ..Default::default() };
        let out = run(Workload::Idle, &o, fake_clock).unwrap();
        let b = out.bytes_per_proc.unwrap_or(f64::MAX);
        assert!(b < 512.0, "{b} bytes per idle process");
    }
}
