//! Properties of the runtime over random operation sequences (spawn, link,
//! monitor, send, exit, suspend, trap_exit, slices), and determinism: the
//! same seed and inputs give the same event-stream hash, bit for bit.

mod common;

use common::{ctl, scenario};
use otpsim::otp::gen_server::{self, GenServer};
use otpsim::runtime::{Command, Ctx, EventKind, Filter, KindMask, Runtime, SpawnOpts, WORLD};
use otpsim::term::{Atom, Pid, Ref, Term};
use proptest::prelude::*;
use std::cell::RefCell;
use std::collections::{BTreeMap, BTreeSet};
use std::rc::Rc;

// ---------------------------------------------------------------------------
// The model: actors obey control messages and log what they receive; the
// test records what was sent and which monitors were made, so that the
// outcome can be checked against OTP's guarantees afterwards.

#[derive(Default)]
struct Book {
    /// Everything each actor received (data, EXIT and DOWN messages).
    inbox: BTreeMap<Pid, Vec<Term>>,
    /// Sequence numbers sent per (sender, receiver), in send order, only
    /// for sends made while the receiver was alive.
    sent: BTreeMap<(Pid, Pid), Vec<i64>>,
    next_seq: i64,
    /// Monitors made: (watcher, ref, target, target alive when made).
    monitors: Vec<(Pid, Ref, Pid, bool)>,
    demonitored: BTreeSet<Ref>,
    /// Processes spawned by actors (linked children), to add to the pool.
    spawned: Vec<Pid>,
}

type Shared = Rc<RefCell<Book>>;

const REASONS: [&str; 5] = ["normal", "kill", "shutdown", "boom", "killed"];

fn reason(i: u8) -> Term {
    Term::atom(REASONS[i as usize % REASONS.len()])
}

async fn actor(ctx: Ctx, book: Shared) -> Term {
    loop {
        let Some(m) = ctx.receive().await else { continue };
        let tag = m.as_tuple().and_then(|t| t.first()).and_then(|a| a.as_atom()).map(|a| a.name().to_string());
        let args: Vec<Term> = m.as_tuple().map(|t| t[1..].to_vec()).unwrap_or_default();
        match (tag.as_deref(), args.as_slice()) {
            (Some("$link"), [Term::Pid(p)]) => ctx.link(*p),
            (Some("$unlink"), [Term::Pid(p)]) => ctx.unlink(*p),
            (Some("$mon"), [Term::Pid(p)]) => {
                let alive = ctx.is_alive(*p);
                let r = ctx.monitor(*p);
                book.borrow_mut().monitors.push((ctx.pid(), r, *p, alive));
            }
            (Some("$demon"), [Term::Int(i), flush]) => {
                let mine: Vec<Ref> = book.borrow().monitors.iter().filter(|m| m.0 == ctx.pid()).map(|m| m.1).collect();
                if !mine.is_empty() {
                    let r = mine[*i as usize % mine.len()];
                    book.borrow_mut().demonitored.insert(r);
                    ctx.demonitor(r, *flush == Term::atom("true"));
                }
            }
            (Some("$send"), [Term::Pid(p)]) => {
                let seq = {
                    let mut b = book.borrow_mut();
                    b.next_seq += 1;
                    let seq = b.next_seq;
                    if ctx.is_alive(*p) {
                        b.sent.entry((ctx.pid(), *p)).or_default().push(seq);
                    }
                    seq
                };
                ctx.send(*p, Term::tuple(vec![Term::atom("data"), Term::Pid(ctx.pid()), Term::Int(seq)]));
            }
            (Some("$exit"), [Term::Pid(p), r]) => ctx.exit_signal(*p, r.clone()),
            (Some("$trap"), [on]) => {
                ctx.trap_exit(*on == Term::atom("true"));
            }
            (Some("$die"), [r]) => return r.clone(),
            (Some("$panic"), []) => panic!("deliberate proptest panic"),
            (Some("$reg"), [Term::Atom(a)]) => {
                let _ = ctx.register(*a);
            }
            (Some("$sleep"), [Term::Int(ms)]) => ctx.sleep(*ms as u64).await,
            (Some("$work"), [Term::Int(n)]) => ctx.work(*n as u64).await,
            (Some("$spawn_link"), []) => {
                let b = book.clone();
                let child = ctx.spawn_link(move |c| actor(c, b));
                book.borrow_mut().spawned.push(child);
            }
            _ => book.borrow_mut().inbox.entry(ctx.pid()).or_default().push(m),
        }
    }
}

/// A GenServer in the pool, so that its introspection entry is checked too.
struct Echo;

#[async_trait::async_trait(?Send)]
impl GenServer for Echo {
    fn module(&self) -> &str {
        "Elixir.Echo"
    }
    fn state(&self) -> Term {
        Term::nil()
    }
}

#[derive(Clone, Debug)]
enum Op {
    Spawn(bool),
    SpawnServer,
    SpawnLinked(usize),
    /// A tool spawns a child for a pool member (alive or not), linked
    /// and/or monitored by it.
    SpawnChildFor(usize, bool, bool),
    Link(usize, usize),
    Unlink(usize, usize),
    Monitor(usize, usize),
    Demonitor(usize, usize, bool),
    Send(usize, usize),
    WorldSend(usize),
    Exit(usize, usize, u8),
    WorldExit(usize, u8),
    Die(usize, u8),
    Panic(usize),
    Suspend(usize),
    Resume(usize),
    Trap(usize, bool),
    Register(usize, u8),
    Trace(usize, bool),
    Sleep(usize, u8),
    Work(usize, u16),
    Run(u8),
}

fn op() -> impl Strategy<Value = Op> {
    let i = || 0usize..64;
    prop_oneof![
        2 => any::<bool>().prop_map(Op::Spawn),
        1 => Just(Op::SpawnServer),
        1 => i().prop_map(Op::SpawnLinked),
        1 => (i(), any::<bool>(), any::<bool>()).prop_map(|(a, l, m)| Op::SpawnChildFor(a, l, m)),
        3 => (i(), i()).prop_map(|(a, b)| Op::Link(a, b)),
        1 => (i(), i()).prop_map(|(a, b)| Op::Unlink(a, b)),
        3 => (i(), i()).prop_map(|(a, b)| Op::Monitor(a, b)),
        1 => (i(), i(), any::<bool>()).prop_map(|(a, b, f)| Op::Demonitor(a, b, f)),
        4 => (i(), i()).prop_map(|(a, b)| Op::Send(a, b)),
        2 => i().prop_map(Op::WorldSend),
        2 => (i(), i(), any::<u8>()).prop_map(|(a, b, r)| Op::Exit(a, b, r)),
        1 => (i(), any::<u8>()).prop_map(|(a, r)| Op::WorldExit(a, r)),
        1 => (i(), any::<u8>()).prop_map(|(a, r)| Op::Die(a, r)),
        1 => i().prop_map(Op::Panic),
        1 => i().prop_map(Op::Suspend),
        1 => i().prop_map(Op::Resume),
        2 => (i(), any::<bool>()).prop_map(|(a, on)| Op::Trap(a, on)),
        1 => (i(), 0u8..3).prop_map(|(a, n)| Op::Register(a, n)),
        1 => (i(), any::<bool>()).prop_map(|(a, on)| Op::Trace(a, on)),
        1 => (i(), any::<u8>()).prop_map(|(a, ms)| Op::Sleep(a, ms)),
        1 => (i(), 0u16..10_000).prop_map(|(a, n)| Op::Work(a, n)),
        4 => (1u8..40).prop_map(Op::Run),
    ]
}

struct Harness {
    rt: Runtime,
    book: Shared,
    pool: Vec<Pid>,
    /// GenServers in the pool: they handle data as infos and log nothing.
    servers: BTreeSet<Pid>,
}

impl Harness {
    fn new(seed: u64, hash: bool) -> Harness {
        let rt = Runtime::with_seed(seed);
        rt.bus(|b| {
            b.set_recorder(Some((Filter::kinds(KindMask::PROCS), 1 << 20)));
            if hash {
                b.enable_hash();
            }
        });
        let mut h = Harness { rt, book: Rc::default(), pool: Vec::new(), servers: BTreeSet::new() };
        h.spawn(false);
        h
    }

    fn spawn(&mut self, trap: bool) {
        let b = self.book.clone();
        let pid = self.rt.spawn(SpawnOpts { trap_exit: trap, ..Default::default() }, move |c| actor(c, b));
        self.pool.push(pid);
    }

    fn pick(&self, i: usize) -> Pid {
        self.pool[i % self.pool.len()]
    }

    /// Sends a control message from outside; a dead target is fine.
    fn tell(&mut self, to: Pid, msg: Term) {
        let _ = self.rt.apply(Command::Send { to, msg });
    }

    fn apply(&mut self, op: &Op) {
        match *op {
            Op::Spawn(trap) => self.spawn(trap),
            Op::SpawnServer => {
                let pid = self.rt.spawn(SpawnOpts::default(), |c| gen_server::enter_loop(c, WORLD, Box::new(Echo)));
                self.pool.push(pid);
                self.servers.insert(pid);
            }
            Op::SpawnLinked(a) => self.tell(self.pick(a), ctl("$spawn_link", vec![])),
            Op::SpawnChildFor(a, link, monitor) => {
                let b = self.book.clone();
                let opts = SpawnOpts { link, monitor, ..Default::default() };
                let pid = self.rt.spawn_child(self.pick(a), opts, move |c| actor(c, b));
                self.pool.push(pid);
            }
            Op::Link(a, b) => self.tell(self.pick(a), ctl("$link", vec![Term::Pid(self.pick(b))])),
            Op::Unlink(a, b) => self.tell(self.pick(a), ctl("$unlink", vec![Term::Pid(self.pick(b))])),
            Op::Monitor(a, b) => self.tell(self.pick(a), ctl("$mon", vec![Term::Pid(self.pick(b))])),
            Op::Demonitor(a, i, f) => self.tell(self.pick(a), ctl("$demon", vec![Term::Int(i as i64), Term::bool(f)])),
            Op::Send(a, b) => self.tell(self.pick(a), ctl("$send", vec![Term::Pid(self.pick(b))])),
            Op::WorldSend(b) => {
                let to = self.pick(b);
                let seq = {
                    let mut bk = self.book.borrow_mut();
                    bk.next_seq += 1;
                    bk.next_seq
                };
                let msg = Term::tuple(vec![Term::atom("data"), Term::Pid(WORLD), Term::Int(seq)]);
                if self.rt.apply(Command::Send { to, msg }).is_ok() {
                    self.book.borrow_mut().sent.entry((WORLD, to)).or_default().push(seq);
                }
            }
            Op::Exit(a, b, r) => self.tell(self.pick(a), ctl("$exit", vec![Term::Pid(self.pick(b)), reason(r)])),
            Op::WorldExit(b, r) => {
                let _ = self.rt.apply(Command::Exit { pid: self.pick(b), reason: reason(r) });
            }
            Op::Die(a, r) => self.tell(self.pick(a), ctl("$die", vec![reason(r)])),
            Op::Panic(a) => self.tell(self.pick(a), ctl("$panic", vec![])),
            Op::Suspend(a) => {
                let _ = self.rt.apply(Command::Suspend { pid: self.pick(a) });
            }
            Op::Resume(a) => {
                let _ = self.rt.apply(Command::Resume { pid: self.pick(a) });
            }
            Op::Trap(a, on) => self.tell(self.pick(a), ctl("$trap", vec![Term::bool(on)])),
            Op::Register(a, n) => self.tell(self.pick(a), ctl("$reg", vec![Term::atom(&format!("name{n}"))])),
            Op::Trace(a, on) => {
                let kinds = if on { KindMask::ALL.0 } else { 0 };
                let _ = self.rt.apply(Command::Trace { pid: self.pick(a), kinds });
            }
            Op::Sleep(a, ms) => self.tell(self.pick(a), ctl("$sleep", vec![Term::Int(ms as i64)])),
            Op::Work(a, n) => self.tell(self.pick(a), ctl("$work", vec![Term::Int(n as i64)])),
            Op::Run(k) => {
                for _ in 0..k {
                    self.rt.step();
                }
            }
        }
        let spawned = std::mem::take(&mut self.book.borrow_mut().spawned);
        self.pool.extend(spawned);
    }

    /// Resumes everyone and runs until nothing is left to do.
    fn finish(&mut self) {
        for &p in &self.pool {
            while self.rt.apply(Command::Resume { pid: p }).is_ok() {}
        }
        assert!(self.rt.run_to_completion(10_000_000), "did not settle");
        let spawned = std::mem::take(&mut self.book.borrow_mut().spawned);
        self.pool.extend(spawned);
    }

    fn exit_reason(&self, pid: Pid) -> Option<Term> {
        self.rt.bus(|b| {
            b.recorder()?.events().find_map(|e| match &e.kind {
                EventKind::Exit { pid: p, reason } if *p == pid => Some(reason.clone()),
                _ => None,
            })
        })
    }

    /// The invariants that hold after every operation.
    fn check_tables(&self) -> Result<(), TestCaseError> {
        let live: BTreeSet<Pid> = self.rt.pids().into_iter().collect();
        for &p in &live {
            let (links, mons, monby) = self
                .rt
                .with_proc(p, |x| (x.links.clone(), x.monitors.clone(), x.monitored_by.clone()))
                .ok_or_else(|| TestCaseError::fail("live pid without a record"))?;
            for l in links {
                prop_assert!(live.contains(&l), "{p} links to dead {l}");
                let back = self.rt.with_proc(l, |x| x.links.contains(&p)).unwrap_or(false);
                prop_assert!(back, "link {p}-{l} is not symmetric");
            }
            for m in mons {
                prop_assert!(live.contains(&m.other), "{p} monitors dead {}", m.other);
                let back =
                    self.rt.with_proc(m.other, |x| x.monitored_by.iter().any(|b| b.mref == m.mref && b.other == p));
                prop_assert!(back == Some(true), "monitor {:?} of {p} has no back entry", m.mref);
            }
            for m in monby {
                prop_assert!(live.contains(&m.other), "{p} monitored by dead {}", m.other);
                let back = self.rt.with_proc(m.other, |x| x.monitors.iter().any(|b| b.mref == m.mref && b.other == p));
                prop_assert!(back == Some(true), "monitored_by {:?} of {p} has no forward entry", m.mref);
            }
        }
        for (name, pid) in self.rt.registered() {
            prop_assert!(live.contains(&pid), "name {name} outlived {pid}");
        }
        let k = self.rt.kernel_ref();
        for pid in k.introspect.keys().chain(k.hooks.keys()) {
            prop_assert!(live.contains(pid), "introspect/hook entry outlived {pid}");
        }
        drop(k);
        for &p in &self.pool {
            if !live.contains(&p) {
                prop_assert!(self.rt.info(p).is_none());
                let flags = self.rt.bus(|b| b.trace_flags(p));
                prop_assert!(flags == KindMask::NONE, "trace flags outlived {p}");
            }
        }
        prop_assert_eq!(self.rt.counters().processes, live.len());
        Ok(())
    }

    /// The end-state guarantees: FIFO per pair, DOWN exactly once, and
    /// panics only where we asked for them.
    fn check_outcome(&self) -> Result<(), TestCaseError> {
        let book = self.book.borrow();
        for (&(from, to), seqs) in &book.sent {
            if !self.rt.is_alive(to) || self.servers.contains(&to) {
                continue;
            }
            // A receiver alive now was alive at every send: it got them all,
            // in send order.
            let got: Vec<i64> = book
                .inbox
                .get(&to)
                .map(|ms| {
                    ms.iter()
                        .filter_map(|m| match m.as_tuple() {
                            Some([d, Term::Pid(f), Term::Int(s)]) if d.is_atom(Atom::new("data")) && *f == from => {
                                Some(*s)
                            }
                            _ => None,
                        })
                        .collect()
                })
                .unwrap_or_default();
            prop_assert_eq!(&got, seqs, "messages {} -> {} out of order or lost", from, to);
        }
        for &(watcher, mref, target, alive_then) in &book.monitors {
            let downs: Vec<&Term> = book
                .inbox
                .get(&watcher)
                .map(|ms| {
                    ms.iter()
                        .filter(|m| matches!(m.tagged(Atom::DOWN), Some(t) if t.len() == 5 && t[1] == Term::Ref(mref)))
                        .collect()
                })
                .unwrap_or_default();
            prop_assert!(downs.len() <= 1, "monitor {mref:?} fired {} times", downs.len());
            let must_fire = !book.demonitored.contains(&mref)
                && self.rt.is_alive(watcher)
                && !self.rt.is_alive(target)
                && watcher != target;
            if must_fire {
                prop_assert_eq!(downs.len(), 1, "monitor {:?} of {} on {} never fired", mref, watcher, target);
                let want =
                    if alive_then { self.exit_reason(target).unwrap_or(Term::nil()) } else { Term::Atom(Atom::NOPROC) };
                let got = downs[0].tagged(Atom::DOWN).map(|t| t[4].clone());
                prop_assert_eq!(got, Some(want));
            }
        }
        let panics = self.rt.bus(|b| {
            b.recorder()
                .map(|r| {
                    r.events()
                        .filter_map(|e| match &e.kind {
                            EventKind::Exit { reason, .. } if reason.tagged(Atom::PANIC).is_some() => {
                                Some(reason.clone())
                            }
                            _ => None,
                        })
                        .collect::<Vec<_>>()
                })
                .unwrap_or_default()
        });
        for p in panics {
            let ok = p.tagged(Atom::PANIC).and_then(|t| t.get(1)).and_then(|s| s.as_str())
                == Some("deliberate proptest panic");
            prop_assert!(ok, "the runtime itself panicked: {p}");
        }
        Ok(())
    }
}

/// Silences the deliberate panics of these tests; any other panic is
/// reported by the default hook as usual.
fn quiet_deliberate_panics() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        let default = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            let msg = info.payload().downcast_ref::<&str>().copied().unwrap_or("");
            if !msg.starts_with("deliberate") {
                default(info);
            }
        }));
    });
}

fn run_ops(seed: u64, ops: &[Op], hash: bool) -> Result<Harness, TestCaseError> {
    quiet_deliberate_panics();
    let mut h = Harness::new(seed, hash);
    for op in ops {
        h.apply(op);
        h.check_tables()?;
    }
    h.finish();
    h.check_tables()?;
    h.check_outcome()?;
    Ok(h)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 96, ..ProptestConfig::default() })]

    #[test]
    fn random_operations_keep_the_invariants(seed in any::<u64>(), ops in prop::collection::vec(op(), 1..80)) {
        run_ops(seed, &ops, false)?;
    }

    #[test]
    fn same_inputs_give_the_same_event_stream(seed in any::<u64>(), ops in prop::collection::vec(op(), 1..50)) {
        let a = run_ops(seed, &ops, true)?;
        let b = run_ops(seed, &ops, true)?;
        let (ha, hb) = (a.rt.bus(|x| x.hash()), b.rt.bus(|x| x.hash()));
        prop_assert_eq!(ha, hb);
        prop_assert_eq!(a.rt.bus(|x| x.next_seq()), b.rt.bus(|x| x.next_seq()));
        prop_assert_eq!(a.rt.now(), b.rt.now());
    }
}

/// A workload whose behaviour depends on the seed: processes sleep random
/// times and send each other random numbers.
fn seeded_workload_hash(seed: u64) -> u64 {
    let mut rt = Runtime::with_seed(seed);
    rt.bus(|b| b.enable_hash());
    let sink = rt.spawn(SpawnOpts::default(), |ctx| async move {
        while ctx.receive_timeout(1000).await.is_some() {}
        Term::atom("normal")
    });
    for _ in 0..8 {
        rt.spawn(SpawnOpts::default(), move |ctx| async move {
            for _ in 0..5 {
                let ms = ctx.random(50);
                ctx.sleep(ms).await;
                ctx.send(sink, Term::Int(ctx.random(1000) as i64));
            }
            Term::atom("normal")
        });
    }
    assert!(rt.run_to_completion(1_000_000));
    rt.bus(|b| b.hash())
}

#[test]
fn the_seed_decides_a_random_workload() {
    let a = seeded_workload_hash(1);
    assert_eq!(a, seeded_workload_hash(1), "same seed, same stream");
    assert_ne!(a, seeded_workload_hash(2), "another seed, another stream");
}

#[test]
fn conformance_scenarios_replay_identically() {
    use otpsim::scenario::conform;
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/conformance/scenarios");
    let Ok(entries) = std::fs::read_dir(&dir) else {
        eprintln!("skipped: no conformance scenarios at {}", dir.display());
        return;
    };
    let mut paths: Vec<_> =
        entries.flatten().map(|e| e.path()).filter(|p| p.extension().is_some_and(|x| x == "json")).collect();
    paths.sort();
    assert!(!paths.is_empty());
    for p in paths {
        let text = std::fs::read_to_string(&p).unwrap();
        let s = scenario(&text);
        let a: Vec<String> = conform::run(&s).iter().map(|e| e.to_json_line()).collect();
        let b: Vec<String> = conform::run(&s).iter().map(|e| e.to_json_line()).collect();
        assert_eq!(a, b, "{} is not deterministic", p.display());
        assert!(a.last().is_some_and(|l| l.contains("\"end\"")), "{} did not finish", p.display());
    }
}

#[test]
fn hashing_sees_every_event() {
    // The hash covers the whole stream: one extra message changes it.
    let run = |extra: bool| {
        let mut h = Harness::new(7, true);
        h.apply(&Op::Spawn(false));
        h.apply(&Op::Send(0, 1));
        if extra {
            h.apply(&Op::WorldSend(1));
        }
        h.finish();
        h.rt.bus(|b| b.hash())
    };
    assert_eq!(run(false), run(false));
    assert_ne!(run(false), run(true));
}
