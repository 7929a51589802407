//! `System`: one live simulation — a [`Runtime`] running a scenario's
//! supervision tree, the processes that act for the outside world (the
//! application master that starts the root and runs the scenario's timed
//! steps, and the shell that makes calls), the path→pid map of the tree,
//! seeded chaos, the metrics sampler, observed message flows, probes and
//! topic subscriptions.
//!
//! Every input from outside is an [`Input`], applied by [`System::apply`]
//! and appended to the input log, so that seed + scenario + input log
//! replays to the identical event stream ([`System::replay`]).

pub mod metrics;
pub mod worker;

use crate::control::probe::{ProbeSet, ProbeSpec};
use crate::control::ControlError;
use crate::otp::supervisor::{self, Strategy, Supervisor, SupervisorSnapshot};
use crate::runtime::{
    Command, Config, Ctx, Event, EventKind, Filter, Kernel, KindMask, Runtime, SpawnOpts, Step, SubId, VTime,
};
use crate::scenario::{Action, Node, NodeKind, ReasonSpec, Scenario};
use crate::term::{Atom, Pid, Term};
use crate::util::VecMap;
use metrics::{Metrics, ProcSample, Ring, SystemSample, MAX_PROCESS_SERIES};
use serde::{Deserialize, Serialize};
use std::cell::{Cell, RefCell};
use std::collections::{BTreeMap, VecDeque};
use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;

/// How a system is set up.
#[derive(Clone, Debug)]
pub struct SystemOptions {
    /// Overrides the scenario's seed.
    pub seed: Option<u64>,
    /// Hash every event (and so emit all of them), for replay checks.
    pub hash_events: bool,
    /// Virtual ms between metric samples.
    pub sample_ms: u64,
    /// Capacity of the bounded event recorder.
    pub recorder_capacity: usize,
    /// Observe every message send to count flows between processes.
    pub observe_flows: bool,
    /// Keep every event from the very start (the tree's own starts
    /// included) for [`System::take_events`]; bounded to 2^20 between takes.
    pub event_log: bool,
}

impl Default for SystemOptions {
    fn default() -> SystemOptions {
        SystemOptions {
            seed: None,
            hash_events: false,
            sample_ms: 100,
            recorder_capacity: 20_000,
            observe_flows: true,
            event_log: false,
        }
    }
}

/// An operation on a supervisor, made through the shell.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(tag = "op", rename_all = "snake_case")]
pub enum SupOp {
    Pause,
    Resume,
    SetStrategy {
        #[serde(with = "strategy_name")]
        strategy: Strategy,
        window_s: u64,
    },
    StartChild {
        spec: Box<Node>,
    },
    /// `start_child` of a `simple_one_for_one` supervisor, with extra arguments.
    StartDynamicChild {
        args: Vec<crate::term::TermJson>,
    },
    TerminateChild {
        id: String,
    },
    RestartChild {
        id: String,
    },
}

/// A strategy as its name (`"one_for_all"`), both ways.
mod strategy_name {
    use crate::otp::Strategy;
    use serde::{de::Error, Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(s: &Strategy, ser: S) -> Result<S::Ok, S::Error> {
        ser.serialize_str(s.name())
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Strategy, D::Error> {
        let s = String::deserialize(d)?;
        Strategy::parse(&s).ok_or_else(|| D::Error::custom(format!("unknown strategy {s:?}")))
    }
}

/// One input from outside, logged.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(tag = "input", rename_all = "snake_case")]
pub enum Input {
    /// Let `ms` of virtual time pass.
    Tick {
        ms: u64,
    },
    /// A runtime command (send, exit, suspend, resume, trace flags, traced send).
    Command {
        command: Command,
    },
    /// Kill random workers at this rate (0 turns chaos off).
    Chaos {
        rate_per_s: f64,
    },
    Supervisor {
        sup: Pid,
        op: SupOp,
    },
    InstallProbe {
        pid: Pid,
        spec: ProbeSpec,
    },
    RemoveProbe {
        pid: Pid,
        id: u64,
    },
    /// `GenServer.call(to, request, timeout_ms)` made by the shell.
    Call {
        to: Pid,
        request: crate::term::TermJson,
        timeout_ms: u64,
    },
}

/// A recording: everything needed to replay a run exactly — the scenario,
/// the seed, and every input with the virtual time it was applied at.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Recording {
    /// `"otpsim-recording/1"`.
    pub format: String,
    pub seed: u64,
    pub scenario: Scenario,
    pub inputs: Vec<RecordedInput>,
}

/// One input of a recording.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RecordedInput {
    /// Virtual nanoseconds since the start.
    pub at_ns: u64,
    pub input: Input,
}

/// The format tag of recordings this version writes and reads.
pub const RECORDING_FORMAT: &str = "otpsim-recording/1";

/// A process's place in the tree.
#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct TreeEntry {
    pub path: String,
    pub id: String,
    pub pid: Option<Pid>,
    pub supervisor: bool,
    pub parent: Option<Pid>,
    pub depth: usize,
}

/// A job for the shell: an async closure run inside the shell process.
type Job = Box<dyn FnOnce(Ctx) -> Pin<Box<dyn Future<Output = Result<Term, Term>>>>>;

// The small tables of the System are `VecMap`s, not `BTreeMap`s: each
// B-tree type is 4–6 KB of the wasm (see crate::util).
#[derive(Default)]
struct Jobs {
    pending: VecMap<i64, Job>,
    done: VecMap<i64, Result<Term, Term>>,
}

/// One observed sender→receiver edge.
#[derive(Clone, Debug, Default, Serialize)]
pub struct FlowEdge {
    pub count: u64,
    /// Message shapes (`call {:inc, _}`, `cast :ping`, …) and their counts.
    pub shapes: BTreeMap<String, u64>,
    /// Synchronous calls among `count`.
    pub calls: u64,
    /// Counts per sample interval, newest last (bounded).
    #[serde(skip)]
    pub buckets: VecDeque<u64>,
}

/// What a topic subscription is.
enum TopicSub {
    Events(SubId),
    Metrics { next: u64 },
}

/// The tree, cached under the (spawned, exited) counters it was built at.
type TreeCache = ((u64, u64), Vec<TreeEntry>);

/// Interval buckets kept per flow edge.
const FLOW_BUCKETS: usize = 100;
/// Flow edges kept at most.
const MAX_FLOW_EDGES: usize = 10_000;

/// A live simulation.
pub struct System {
    rt: Runtime,
    scenario: Scenario,
    opts: SystemOptions,
    seed: u64,
    app: Pid,
    shell: Pid,
    root: Rc<Cell<Option<Pid>>>,
    jobs: Rc<RefCell<Jobs>>,
    next_job: i64,
    inputs: Vec<(VTime, Input)>,
    chaos_rate: f64,
    chaos_acc: f64,
    next_sample: VTime,
    last_counters: crate::runtime::Counters,
    restarts_total: u64,
    restarts_at_last_sample: u64,
    sup_sub: SubId,
    flow_sub: Option<SubId>,
    all_sub: Option<SubId>,
    flow_dropped: u64,
    flows: BTreeMap<(Option<Pid>, Pid), FlowEdge>,
    flow_bucket: BTreeMap<(Option<Pid>, Pid), u64>,
    pub metrics: Metrics,
    probes: VecMap<Pid, Rc<ProbeSet>>,
    next_probe: u64,
    topics: BTreeMap<u64, TopicSub>,
    next_topic: u64,
    next_token: u64,
    tree_cache: RefCell<Option<TreeCache>>,
    /// The control layer's own seeded generator, for choices a control
    /// function makes (a random child to fail). Its draws are not
    /// simulation: what they choose is logged as a concrete input, so the
    /// runtime's generator, which chaos and processes use, is never touched.
    control_rng: RefCell<crate::runtime::Rng>,
    snapshots: RefCell<VecMap<Pid, SupervisorSnapshot>>,
    /// Supervision events seen (restarts, starts, terminations, max
    /// intensity), bounded, for analytics.
    pub sup_events: VecDeque<Event>,
}

const SUP_EVENTS_CAPACITY: usize = 4096;

impl System {
    /// Builds and starts a system from a scenario: the tree starts at once
    /// (virtual time 0 plus the cost of the starts).
    pub fn new(scenario: Scenario, opts: SystemOptions) -> Result<System, ControlError> {
        scenario.validate().map_err(|e| ControlError::BadScenario { message: e.to_string() })?;
        let root_start = match scenario.tree.kind {
            NodeKind::Supervisor => worker::sup_start(&scenario.tree),
            NodeKind::Worker => worker::worker_start(&scenario.tree),
        }
        .map_err(|message| ControlError::BadScenario { message })?;
        let seed = opts.seed.or(scenario.seed).unwrap_or(0);
        let rt = Runtime::new(Config { seed, ..Config::default() });
        if opts.hash_events {
            rt.bus(|b| b.enable_hash());
        }
        let recorder_kinds =
            KindMask(KindMask::SUPERVISION.0 | KindMask::CONTROL.0 | KindMask::PROBES.0 | KindMask::SYSTEM.0);
        rt.bus(|b| b.set_recorder(Some((Filter::kinds(recorder_kinds), opts.recorder_capacity))));
        let sup_sub = rt.bus(|b| b.subscribe(Filter::kinds(KindMask::SUPERVISION), 1 << 16));
        let all_sub = opts.event_log.then(|| rt.bus(|b| b.subscribe(Filter::all(), 1 << 20)));
        let flow_sub = opts.observe_flows.then(|| rt.bus(|b| b.subscribe(Filter::kinds(KindMask::SEND), 1 << 18)));
        let jobs = Rc::new(RefCell::new(Jobs::default()));
        let j2 = jobs.clone();
        let shell = rt.spawn(SpawnOpts::named("otpsim:shell/0"), move |c| shell_loop(c, j2));
        let root = Rc::new(Cell::new(None));
        let r2 = root.clone();
        let scen = Rc::new(scenario.clone());
        let app =
            rt.spawn(SpawnOpts::named("otpsim:application_master/2"), move |c| app_master(c, root_start, r2, scen));
        let mut sys = System {
            rt,
            scenario,
            opts: opts.clone(),
            seed,
            app,
            shell,
            root,
            jobs,
            next_job: 1,
            inputs: Vec::new(),
            chaos_rate: 0.0,
            chaos_acc: 0.0,
            next_sample: VTime::from_ms(opts.sample_ms.max(1)),
            last_counters: Default::default(),
            restarts_total: 0,
            restarts_at_last_sample: 0,
            sup_sub,
            flow_sub,
            all_sub,
            flow_dropped: 0,
            flows: BTreeMap::new(),
            flow_bucket: BTreeMap::new(),
            metrics: Metrics::default(),
            probes: VecMap::new(),
            next_probe: 1,
            topics: BTreeMap::new(),
            next_topic: 1,
            next_token: 1,
            tree_cache: RefCell::new(None),
            control_rng: RefCell::new(crate::runtime::Rng::new(seed ^ 0x5eed_c0de_0000_0001)),
            snapshots: RefCell::new(VecMap::new()),
            sup_events: VecDeque::new(),
        };
        // Let the tree start: everything runnable at time zero runs.
        sys.rt.run_until_idle(10_000_000);
        sys.last_counters = sys.rt.counters();
        sys.drain();
        Ok(sys)
    }

    /// Builds a system and applies a recorded input log to it.
    pub fn replay(scenario: Scenario, opts: SystemOptions, log: &[(VTime, Input)]) -> Result<System, ControlError> {
        let mut s = System::new(scenario, opts)?;
        for (_, input) in log {
            // Inputs that failed when recorded fail the same way now.
            let _ = s.apply(input.clone());
        }
        Ok(s)
    }

    /// This run as a recording (scenario, seed, inputs).
    pub fn recording(&self) -> Recording {
        Recording {
            format: RECORDING_FORMAT.into(),
            seed: self.seed,
            scenario: self.scenario.clone(),
            inputs: self.inputs.iter().map(|(at, i)| RecordedInput { at_ns: at.0, input: i.clone() }).collect(),
        }
    }

    /// Starts the system of a recording, ready to replay it with
    /// [`System::replay_next`] input by input (or all at once with
    /// [`System::from_recording`]).
    pub fn for_recording(rec: &Recording, opts: SystemOptions) -> Result<System, ControlError> {
        if rec.format != RECORDING_FORMAT {
            return Err(ControlError::BadRequest {
                message: format!("recording format {:?} is not {RECORDING_FORMAT:?}", rec.format),
            });
        }
        System::new(rec.scenario.clone(), SystemOptions { seed: Some(rec.seed), ..opts })
    }

    /// Applies one recorded input, first checking that the run is where the
    /// recording says it was (the same virtual time): a difference means
    /// the recording does not belong to this version or scenario.
    pub fn replay_next(&mut self, i: usize, r: &RecordedInput) -> Result<(), ControlError> {
        if self.rt.now().0 != r.at_ns {
            return Err(ControlError::Refused {
                reason: format!(
                    "the replay diverged at input {i}: recorded at {} ns, replayed at {} ns",
                    r.at_ns,
                    self.rt.now().0
                ),
            });
        }
        // An input that failed when recorded fails the same way now.
        let _ = self.apply(r.input.clone());
        Ok(())
    }

    /// Replays a whole recording.
    pub fn from_recording(rec: &Recording, opts: SystemOptions) -> Result<System, ControlError> {
        let mut s = System::for_recording(rec, opts)?;
        for (i, r) in rec.inputs.iter().enumerate() {
            s.replay_next(i, r)?;
        }
        Ok(s)
    }

    pub fn runtime(&self) -> &Runtime {
        &self.rt
    }

    pub fn scenario(&self) -> &Scenario {
        &self.scenario
    }

    pub fn seed(&self) -> u64 {
        self.seed
    }

    pub fn now(&self) -> VTime {
        self.rt.now()
    }

    pub fn now_ms(&self) -> f64 {
        self.rt.now().as_ms_f64()
    }

    pub fn sample_ms(&self) -> u64 {
        self.opts.sample_ms.max(1)
    }

    /// The inputs applied so far, with the virtual time of each.
    pub fn input_log(&self) -> &[(VTime, Input)] {
        &self.inputs
    }

    /// The running hash of every event (with `hash_events`).
    pub fn event_hash(&self) -> u64 {
        self.rt.kernel_ref().bus.hash()
    }

    /// The root supervisor, while it lives.
    pub fn root(&self) -> Option<Pid> {
        self.root.get().filter(|p| self.rt.is_alive(*p))
    }

    /// The processes that act for the outside world (application master,
    /// shell): not part of the user's system.
    pub fn system_pids(&self) -> [Pid; 2] {
        [self.app, self.shell]
    }

    /// The application master, the shell, and shells replaced after a
    /// request got stuck (they are dying).
    pub fn is_system_pid(&self, pid: Pid) -> bool {
        pid == self.app
            || pid == self.shell
            || self
                .rt
                .with_proc(pid, |p| p.extra().and_then(|e| e.initial_call.as_deref()) == Some("otpsim:shell/0"))
                .unwrap_or(false)
    }

    pub fn chaos_rate(&self) -> f64 {
        self.chaos_rate
    }

    // ------------------------------------------------------------------
    // Inputs

    /// Applies one input and logs it.
    pub fn apply(&mut self, input: Input) -> Result<Term, ControlError> {
        // An input refused for what it says is refused before it is logged.
        self.validate(&input)?;
        self.inputs.push((self.rt.now(), input.clone()));
        let r = self.apply_inner(input);
        // What the input caused is visible to the analysis at once.
        self.drain();
        r
    }

    fn validate(&self, input: &Input) -> Result<(), ControlError> {
        let live = |pid: &Pid| {
            if self.rt.is_alive(*pid) {
                Ok(())
            } else {
                Err(ControlError::NoProc { pid: pid.short() })
            }
        };
        match input {
            Input::Tick { .. } => Ok(()),
            Input::Chaos { rate_per_s } => {
                if rate_per_s.is_finite() && (0.0..=1000.0).contains(rate_per_s) {
                    Ok(())
                } else {
                    Err(ControlError::BadRequest { message: "chaos rate must be between 0 and 1000 kills/s".into() })
                }
            }
            Input::Command { command } => match command {
                Command::Send { to, .. } | Command::SendTraced { to, .. } => live(to),
                Command::Exit { pid, .. }
                | Command::Suspend { pid }
                | Command::Resume { pid }
                | Command::Trace { pid, .. } => live(pid),
            },
            Input::Supervisor { sup, .. } => live(sup),
            Input::InstallProbe { pid, spec } => {
                live(pid)?;
                crate::control::probe::compile(spec).map(|_| ())
            }
            Input::RemoveProbe { pid, id } => {
                live(pid)?;
                // Removing a probe that is not there is refused before it
                // is logged, like every other input refused for what it says.
                if self.probes.get(pid).is_some_and(|set| set.contains(*id)) {
                    Ok(())
                } else {
                    Err(ControlError::NotFound { what: format!("probe {id} on {}", pid.short()) })
                }
            }
            Input::Call { to, .. } => live(to),
        }
    }

    fn apply_inner(&mut self, input: Input) -> Result<Term, ControlError> {
        match input {
            Input::Tick { ms } => {
                self.run_for(ms);
                Ok(Term::ok())
            }
            Input::Command { command } => {
                self.rt.apply(command).map_err(ControlError::from)?;
                self.invalidate();
                Ok(Term::ok())
            }
            Input::Chaos { rate_per_s } => {
                if !(rate_per_s.is_finite() && (0.0..=1000.0).contains(&rate_per_s)) {
                    return Err(ControlError::BadRequest {
                        message: "chaos rate must be between 0 and 1000 kills/s".into(),
                    });
                }
                self.chaos_rate = rate_per_s;
                self.chaos_acc = 0.0;
                Ok(Term::ok())
            }
            Input::Supervisor { sup, op } => self.sup_op(sup, op),
            Input::InstallProbe { pid, spec } => self.install_probe(pid, spec),
            Input::Call { to, request, timeout_ms } => {
                if !self.rt.is_alive(to) {
                    return Err(ControlError::NoProc { pid: to.short() });
                }
                let req = request.0;
                let r = self.call(timeout_ms.saturating_add(1000), move |c| async move {
                    crate::otp::gen_server::try_call(&c, to, req, Some(timeout_ms)).await
                });
                match r {
                    Err(ControlError::CallFailed { reason }) if reason == ":timeout" => Err(ControlError::Timeout {
                        what: format!("{} did not reply within {timeout_ms} ms", to.short()),
                    }),
                    other => other,
                }
            }
            Input::RemoveProbe { pid, id } => self.remove_probe(pid, id),
        }
    }

    /// Lets `ms` of virtual time pass (a logged input).
    pub fn tick(&mut self, ms: u64) {
        let _ = self.apply(Input::Tick { ms });
    }

    /// Runs one scheduler step (not logged: use [`System::tick`] for
    /// replayable time).
    pub fn step(&mut self) -> Step {
        let s = self.rt.step();
        self.after_progress();
        s
    }

    /// Runs `ms` of virtual time in chunks that end on sample boundaries.
    fn run_for(&mut self, ms: u64) {
        let end = self.rt.now() + VTime::from_ms(ms);
        while self.rt.now() < end {
            let chunk_end = self.next_sample.min(end);
            let now = self.rt.now();
            if chunk_end > now {
                self.rt.run_for(chunk_end - now);
            }
            self.after_progress();
        }
        self.rt.run_until_idle(1_000_000);
        self.after_progress();
    }

    /// Samples metrics, applies chaos and drains subscriptions whenever a
    /// sample boundary has passed.
    fn after_progress(&mut self) {
        let step = VTime::from_ms(self.sample_ms());
        while self.rt.now() >= self.next_sample {
            self.drain();
            self.chaos_tick();
            self.sample();
            self.next_sample = self.next_sample + step;
        }
    }

    fn invalidate(&self) {
        *self.tree_cache.borrow_mut() = None;
    }

    // ------------------------------------------------------------------
    // Chaos

    fn chaos_tick(&mut self) {
        if self.chaos_rate <= 0.0 {
            return;
        }
        self.chaos_acc += self.chaos_rate * self.sample_ms() as f64 / 1000.0;
        while self.chaos_acc >= 1.0 {
            self.chaos_acc -= 1.0;
            // Supervised workers, read from the process table alone (a
            // supervisor's children have it as their parent), never from a
            // cache that read-only requests refresh: what chaos does must
            // depend only on the simulation, or replays would differ.
            let victims = self.supervised_workers();
            if victims.is_empty() {
                return;
            }
            let i = self.rt.kernel().rng.below(victims.len() as u64) as usize;
            let _ = self.rt.apply(Command::Exit { pid: victims[i], reason: Term::Atom(Atom::KILL) });
            self.invalidate();
        }
    }

    /// Live workers whose parent is a supervisor, in pid order.
    fn supervised_workers(&self) -> Vec<Pid> {
        let k = self.rt.kernel_ref();
        let mut out = Vec::new();
        for pid in k.pids() {
            let Some(p) = k.proc(pid) else { continue };
            let is_sup = |x: &crate::runtime::Proc| x.extra().is_some_and(|e| e.supervisor);
            if is_sup(p) {
                continue;
            }
            if p.parent().and_then(|pp| k.proc(pp)).is_some_and(is_sup) {
                out.push(pid);
            }
        }
        out
    }

    // ------------------------------------------------------------------
    // Metrics

    fn sample(&mut self) {
        let c = self.rt.counters();
        let dt = self.sample_ms() as f64 / 1000.0;
        let mut memory: u64 = 0;
        let mut queued: Vec<(Pid, ProcSample)> = Vec::new();
        let at_ms = self.rt.now().as_ms_f64();
        // Series are kept for supervised workers (for supervisor resource
        // trends), the watched processes, and any process with a queue.
        // `extend`, not `collect`: collecting sorts first, another copy of the
        // sort in the wasm (see crate::util).
        let mut in_tree = std::collections::BTreeSet::new();
        in_tree.extend(self.supervised_workers());
        let watched = &self.metrics.watched;
        let tracked = &self.metrics.procs;
        let mut blocked: Vec<(Pid, Pid)> = Vec::new();
        self.rt.for_each_proc(|p| {
            let mem = crate::runtime::memory_words(p);
            memory += mem as u64;
            if blocked.len() < 10_000 {
                if let Some(callee) = blocked_callee(p) {
                    blocked.push((p.pid, callee));
                }
            }
            if !p.mailbox.is_empty()
                || watched.contains(&p.pid)
                || tracked.contains_key(&p.pid)
                || in_tree.contains(&p.pid)
            {
                queued.push((
                    p.pid,
                    ProcSample {
                        at_ms,
                        queue_len: p.mailbox.len(),
                        memory_words: mem,
                        reductions: p.reductions,
                        messages_in: p.msgs_in,
                        messages_out: p.msgs_out,
                    },
                ));
            }
        });
        let restarts = self.restarts_total - self.restarts_at_last_sample;
        self.restarts_at_last_sample = self.restarts_total;
        self.metrics.system.push(SystemSample {
            at_ms,
            processes: c.processes,
            memory_words: memory,
            messages_per_s: (c.messages - self.last_counters.messages) as f64 / dt,
            restarts_per_s: restarts as f64 / dt,
            reductions_per_s: (c.reductions - self.last_counters.reductions) as f64 / dt,
            run_queue: c.run_queue,
        });
        self.metrics.taken += 1;
        self.metrics.blocked.push(metrics::BlockedSample { at_ms, edges: blocked });
        self.last_counters = c;
        // Dead processes lose their series.
        let rt = &self.rt;
        self.metrics.procs.retain(|p, _| rt.is_alive(*p));
        for (pid, s) in queued {
            if !self.metrics.procs.contains_key(&pid) && self.metrics.procs.len() >= MAX_PROCESS_SERIES {
                continue;
            }
            self.metrics.procs.get_or_insert_with(pid, Ring::default).push(s);
        }
        // Flow buckets: one per interval for every edge seen recently.
        let bucket = std::mem::take(&mut self.flow_bucket);
        for (k, e) in self.flows.iter_mut() {
            let n = bucket.get(k).copied().unwrap_or(0);
            if e.buckets.len() >= FLOW_BUCKETS {
                e.buckets.pop_front();
            }
            e.buckets.push_back(n);
        }
    }

    /// Keeps a per-process series for `pid` whatever its queue.
    pub fn watch(&mut self, pid: Pid) {
        self.metrics.watched.insert(pid);
    }

    pub fn unwatch(&mut self, pid: Pid) {
        self.metrics.watched.remove(&pid);
    }

    /// Takes the events waiting in the system's own subscriptions.
    pub fn drain(&mut self) {
        let sup = self.rt.bus(|b| b.drain(self.sup_sub)).map(|x| x.0).unwrap_or_default();
        for ev in sup {
            if matches!(ev.kind, EventKind::Restart { .. }) {
                self.restarts_total += 1;
            }
            if self.sup_events.len() >= SUP_EVENTS_CAPACITY {
                self.sup_events.pop_front();
            }
            self.sup_events.push_back(ev);
            self.invalidate();
        }
        if let Some(fs) = self.flow_sub {
            if let Some((evs, dropped)) = self.rt.bus(|b| b.drain(fs)) {
                self.flow_dropped += dropped;
                for ev in evs {
                    if let EventKind::Send { from, to, msg, .. } = &ev.kind {
                        let key = (*from, *to);
                        if !self.flows.contains_key(&key) && self.flows.len() >= MAX_FLOW_EDGES {
                            continue;
                        }
                        let e = self.flows.entry(key).or_default();
                        e.count += 1;
                        let (shape, is_call) = message_shape(msg);
                        if is_call {
                            e.calls += 1;
                        }
                        if e.shapes.len() < 64 || e.shapes.contains_key(&shape) {
                            *e.shapes.entry(shape).or_insert(0) += 1;
                        }
                        *self.flow_bucket.entry(key).or_insert(0) += 1;
                    }
                }
            }
        }
    }

    /// Takes every event since the last take (with `event_log`), and how
    /// many were dropped because the queue was full.
    pub fn take_events(&mut self) -> (Vec<Event>, u64) {
        match self.all_sub {
            Some(s) => self.rt.bus(|b| b.drain(s)).unwrap_or_default(),
            None => (Vec::new(), 0),
        }
    }

    /// Observed message flows, by (sender, receiver); `None` is the outside.
    pub fn flows(&self) -> &BTreeMap<(Option<Pid>, Pid), FlowEdge> {
        &self.flows
    }

    /// Send events lost because the flow queue was full.
    pub fn flows_dropped(&self) -> u64 {
        self.flow_dropped
    }

    pub fn observing_flows(&self) -> bool {
        self.flow_sub.is_some()
    }

    pub fn restarts_total(&self) -> u64 {
        self.restarts_total
    }

    // ------------------------------------------------------------------
    // The shell

    /// Runs `job` inside the shell process and runs the scheduler until it
    /// finishes, at most `limit_ms` of virtual time. Not an input by itself:
    /// the inputs that make calls ([`Input::Supervisor`], [`Input::Call`])
    /// use it, and only they are logged and replayed.
    pub fn call<F, Fut>(&mut self, limit_ms: u64, job: F) -> Result<Term, ControlError>
    where
        F: FnOnce(Ctx) -> Fut + 'static,
        Fut: Future<Output = Result<Term, Term>> + 'static,
    {
        let n = self.next_job;
        self.next_job += 1;
        self.jobs.borrow_mut().pending.insert(n, Box::new(move |c| Box::pin(job(c))));
        self.rt.kernel().deliver(None, self.shell, Term::tuple(vec![Term::atom("$shell"), Term::Int(n)]));
        let deadline = self.rt.now() + VTime::from_ms(limit_ms);
        loop {
            if let Some(r) = self.jobs.borrow_mut().done.remove(&n) {
                self.invalidate();
                return r.map_err(|reason| ControlError::CallFailed { reason: reason.to_string() });
            }
            if self.rt.now() > deadline {
                self.abandon(n);
                return Err(ControlError::Timeout {
                    what: format!("the shell's request did not finish within {limit_ms} ms"),
                });
            }
            if self.step() == Step::Idle {
                self.abandon(n);
                return Err(ControlError::Timeout {
                    what: "the shell's request can never finish (nothing left to run)".into(),
                });
            }
        }
    }

    /// Gives up on a shell job. If the shell is inside it (blocked in a
    /// call that will not return), the shell is killed and a new one
    /// started, so that later requests are not queued behind it forever. As
    /// with an OTP call that times out, a request already delivered may
    /// still be handled later.
    fn abandon(&mut self, n: i64) {
        let was_waiting = self.jobs.borrow_mut().pending.remove(&n).is_some();
        if was_waiting {
            return;
        }
        let old = self.shell;
        self.rt.kernel().exit_signal(crate::runtime::WORLD, old, Term::Atom(Atom::KILL), false);
        let jobs = self.jobs.clone();
        self.shell = self.rt.spawn(SpawnOpts::named("otpsim:shell/0"), move |c| shell_loop(c, jobs));
    }

    fn sup_op(&mut self, sup: Pid, op: SupOp) -> Result<Term, ControlError> {
        if !self.rt.is_alive(sup) {
            return Err(ControlError::NoProc { pid: sup.short() });
        }
        if self.snapshot(sup).is_none() && !self.is_supervisor(sup) {
            return Err(ControlError::NotSupervisor { pid: sup.short() });
        }
        match op {
            SupOp::Pause => self.call(60_000, move |c| async move { supervisor::set_paused(&c, sup, true).await }),
            SupOp::Resume => self.call(60_000, move |c| async move { supervisor::set_paused(&c, sup, false).await }),
            SupOp::SetStrategy { strategy, window_s } => {
                self.call(60_000, move |c| async move { supervisor::set_strategy(&c, sup, strategy, window_s).await })
            }
            SupOp::StartChild { spec } => {
                let cs = worker::child_spec(&spec).map_err(|message| ControlError::BadRequest { message })?;
                self.call(60_000, move |c| async move { supervisor::start_child(&c, sup, cs).await })
            }
            SupOp::StartDynamicChild { args } => {
                let args: Vec<Term> = args.into_iter().map(|a| a.0).collect();
                self.call(60_000, move |c| async move { supervisor::start_dynamic_child(&c, sup, args).await })
            }
            SupOp::TerminateChild { id } => {
                self.call(60_000, move |c| async move { supervisor::terminate_child(&c, sup, Term::atom(&id)).await })
            }
            SupOp::RestartChild { id } => {
                self.call(60_000, move |c| async move { supervisor::restart_child(&c, sup, Term::atom(&id)).await })
            }
        }
    }

    // ------------------------------------------------------------------
    // Probes

    fn install_probe(&mut self, pid: Pid, spec: ProbeSpec) -> Result<Term, ControlError> {
        let probe = crate::control::probe::compile(&spec)?;
        let info = self
            .rt
            .with_proc(pid, |p| p.extra().is_some_and(|e| e.gen_server))
            .ok_or(ControlError::NoProc { pid: pid.short() })?;
        if !info {
            return Err(ControlError::NotGenServer { pid: pid.short() });
        }
        let id = self.next_probe;
        self.next_probe += 1;
        let set = self.probes.get_or_insert_with(pid, || Rc::new(ProbeSet::default())).clone();
        set.add(id, spec, probe);
        self.rt.kernel().hooks.insert(pid, set as Rc<dyn crate::runtime::MessageHook>);
        Ok(Term::Int(id as i64))
    }

    fn remove_probe(&mut self, pid: Pid, id: u64) -> Result<Term, ControlError> {
        let Some(set) = self.probes.get(&pid) else {
            return Err(ControlError::NotFound { what: format!("probe {id} on {}", pid.short()) });
        };
        if !set.remove(id) {
            return Err(ControlError::NotFound { what: format!("probe {id} on {}", pid.short()) });
        }
        if set.is_empty() {
            self.probes.remove(&pid);
            self.rt.kernel().hooks.remove(&pid);
        }
        Ok(Term::ok())
    }

    /// The probes installed on a live process.
    pub fn probes(&self, pid: Pid) -> Option<&Rc<ProbeSet>> {
        self.probes.get(&pid).filter(|_| self.rt.is_alive(pid))
    }

    pub fn all_probes(&self) -> impl Iterator<Item = (&Pid, &Rc<ProbeSet>)> {
        self.probes.iter()
    }

    /// A random integer in `0..n` from the control layer's own generator.
    pub fn control_random(&self, n: u64) -> u64 {
        self.control_rng.borrow_mut().below(n)
    }

    /// A new flow token for a traced send.
    pub fn new_token(&mut self) -> u64 {
        let t = self.next_token;
        self.next_token += 1;
        // Tokens from different systems never collide with the runtime's 0.
        t
    }

    // ------------------------------------------------------------------
    // The tree

    /// A supervisor's snapshot: fresh when it is idle, the last one seen
    /// when it is busy in a callback (a restart, a call).
    pub fn snapshot(&self, sup: Pid) -> Option<SupervisorSnapshot> {
        if !self.rt.is_alive(sup) {
            self.snapshots.borrow_mut().remove(&sup);
            return None;
        }
        let fresh = read_snapshot(&self.rt.kernel_ref(), sup);
        match fresh {
            Some(s) => {
                self.snapshots.borrow_mut().insert(sup, s.clone());
                Some(s)
            }
            None => self.snapshots.borrow().get(&sup).cloned(),
        }
    }

    pub fn is_supervisor(&self, pid: Pid) -> bool {
        self.rt.with_proc(pid, |p| p.extra().is_some_and(|e| e.supervisor)).unwrap_or(false)
    }

    /// The tree from the root down, in start order: every supervisor and
    /// worker with its path (`root/sup/worker`; a dynamic child is
    /// `sup/#N` with N its pid number).
    pub fn tree(&self) -> Vec<TreeEntry> {
        let c = self.rt.counters();
        let key = (c.spawned, c.exited);
        if let Some((k, t)) = &*self.tree_cache.borrow() {
            if *k == key {
                return t.clone();
            }
        }
        let mut out = Vec::new();
        if let Some(root) = self.root() {
            let id = self.scenario.tree.id.clone();
            let sup = self.scenario.tree.kind == NodeKind::Supervisor;
            out.push(TreeEntry { path: id.clone(), id, pid: Some(root), supervisor: sup, parent: None, depth: 0 });
            if sup {
                self.walk(root, &self.scenario.tree.id, 1, &mut out);
            }
        }
        *self.tree_cache.borrow_mut() = Some((key, out.clone()));
        out
    }

    fn walk(&self, sup: Pid, path: &str, depth: usize, out: &mut Vec<TreeEntry>) {
        if depth > 64 {
            return;
        }
        let Some(snap) = self.snapshot(sup) else {
            return;
        };
        for ch in snap.children {
            let sup_child = ch.child_type == supervisor::ChildType::Supervisor;
            let id = if snap.flags.strategy == Strategy::SimpleOneForOne {
                format!("#{}", ch.pid.map(|p| p.0).unwrap_or(0))
            } else {
                ch.id.clone()
            };
            let p = format!("{path}/{id}");
            out.push(TreeEntry { path: p.clone(), id, pid: ch.pid, supervisor: sup_child, parent: Some(sup), depth });
            if sup_child {
                if let Some(pid) = ch.pid {
                    self.walk(pid, &p, depth + 1, out);
                }
            }
        }
    }

    /// The pid at a tree path.
    pub fn path_pid(&self, path: &str) -> Option<Pid> {
        self.tree().into_iter().find(|e| e.path == path).and_then(|e| e.pid)
    }

    /// The tree path of a pid.
    pub fn pid_path(&self, pid: Pid) -> Option<String> {
        self.tree().into_iter().find(|e| e.pid == Some(pid)).map(|e| e.path)
    }

    /// Resolves `0.42.0`, `#PID<0.42.0>`, a registered name, a tree path
    /// or a unique tree id to a live pid.
    pub fn resolve(&self, s: &str) -> Result<Pid, ControlError> {
        let s = s.trim();
        if let Some(p) = Pid::parse_short(s) {
            return if self.rt.is_alive(p) { Ok(p) } else { Err(ControlError::NoProc { pid: p.short() }) };
        }
        if s.is_empty() {
            return Err(ControlError::NoProc { pid: s.to_string() });
        }
        let name = s.strip_prefix(':').unwrap_or(s);
        if let Some(p) = self.rt.whereis(name) {
            return Ok(p);
        }
        let tree = self.tree();
        if let Some(e) = tree.iter().find(|e| e.path == s) {
            return e.pid.ok_or(ControlError::NoProc { pid: s.to_string() });
        }
        let same: Vec<&TreeEntry> = tree.iter().filter(|e| e.id == s).collect();
        match same.as_slice() {
            [one] => one.pid.ok_or(ControlError::NoProc { pid: s.to_string() }),
            [] => Err(ControlError::NoProc { pid: s.to_string() }),
            _ => Err(ControlError::BadRequest {
                message: format!("{s:?} names {} nodes of the tree: use its path", same.len()),
            }),
        }
    }

    // ------------------------------------------------------------------
    // Topic subscriptions

    /// Subscribes to a topic: `process:<pid>`, `process:*`,
    /// `supervisor:<name>`, `supervisor:*` or `system:metrics`.
    pub fn subscribe(&mut self, topic: &str) -> Result<u64, ControlError> {
        let sub = match topic {
            "system:metrics" => TopicSub::Metrics { next: self.metrics.taken },
            "process:*" => TopicSub::Events(self.rt.bus(|b| {
                b.subscribe(Filter::kinds(KindMask(KindMask::PROCS.0 | KindMask::CONTROL.0 | KindMask::PROBES.0)), 4096)
            })),
            "supervisor:*" => {
                TopicSub::Events(self.rt.bus(|b| b.subscribe(Filter::kinds(KindMask::SUPERVISION), 4096)))
            }
            t => {
                if let Some(p) = t.strip_prefix("process:") {
                    let pid = self.resolve(p)?;
                    TopicSub::Events(self.rt.bus(|b| b.subscribe(Filter::process(pid, KindMask::ALL), 4096)))
                } else if let Some(s) = t.strip_prefix("supervisor:") {
                    let pid = self.resolve(s)?;
                    if !self.is_supervisor(pid) {
                        return Err(ControlError::NotSupervisor { pid: pid.short() });
                    }
                    TopicSub::Events(self.rt.bus(|b| {
                        b.subscribe(Filter::process(pid, KindMask(KindMask::SUPERVISION.0 | KindMask::PROCS.0)), 4096)
                    }))
                } else {
                    return Err(ControlError::BadRequest {
                        message: format!(
                            "unknown topic {t:?} (process:<pid>, process:*, supervisor:<name>, supervisor:*, system:metrics)"
                        ),
                    });
                }
            }
        };
        let id = self.next_topic;
        self.next_topic += 1;
        self.topics.insert(id, sub);
        Ok(id)
    }

    pub fn unsubscribe(&mut self, id: u64) -> bool {
        match self.topics.remove(&id) {
            Some(TopicSub::Events(s)) => self.rt.bus(|b| b.unsubscribe(s)),
            Some(TopicSub::Metrics { .. }) => true,
            None => false,
        }
    }

    /// Takes what a subscription has received since the last poll, as JSON.
    pub fn poll(&mut self, id: u64) -> Option<serde_json::Value> {
        match self.topics.get_mut(&id)? {
            TopicSub::Events(s) => {
                let s = *s;
                let (evs, dropped) = self.rt.bus(|b| b.drain(s))?;
                Some(
                    serde_json::json!({ "events": evs.iter().map(event_json).collect::<Vec<_>>(), "dropped": dropped }),
                )
            }
            TopicSub::Metrics { next } => {
                let taken = self.metrics.taken;
                let have = self.metrics.system.len() as u64;
                let first = taken - have;
                let from = (*next).max(first);
                let skip = (from - first) as usize;
                let samples: Vec<SystemSample> = self.metrics.system.iter().skip(skip).copied().collect();
                let dropped = from - *next;
                *next = taken;
                Some(serde_json::json!({ "samples": samples, "dropped": dropped }))
            }
        }
    }
}

/// An event as readable JSON: terms in Elixir syntax.
pub fn event_json(e: &Event) -> serde_json::Value {
    let mut v = serde_json::to_value(&e.kind).unwrap_or(serde_json::Value::Null);
    if let serde_json::Value::Object(m) = &mut v {
        for (_, x) in m.iter_mut() {
            if let serde_json::Value::Object(inner) = x {
                if inner.len() == 1 {
                    if let Ok(t) = Term::from_json_value(&serde_json::Value::Object(inner.clone())) {
                        *x = serde_json::Value::String(crate::control::clip(&t, 16_384));
                    }
                }
            }
        }
        m.insert("seq".into(), e.seq.into());
        m.insert("at_ms".into(), serde_json::json!(e.at.as_ms_f64()));
    }
    v
}

/// The shape of a message for flow statistics, and whether it is a call.
pub fn message_shape(m: &Term) -> (String, bool) {
    if let Some(t) = m.tagged(Atom::GEN_CALL) {
        if t.len() == 3 {
            return (format!("call {}", shape(&t[2], 0)), true);
        }
    }
    if let Some(t) = m.tagged(Atom::GEN_CAST) {
        if t.len() == 2 {
            return (format!("cast {}", shape(&t[1], 0)), false);
        }
    }
    if let Some([Term::Ref(_), _]) = m.as_tuple() {
        return ("reply".into(), false);
    }
    (shape(m, 0), false)
}

fn shape(t: &Term, depth: usize) -> String {
    match t {
        Term::Atom(a) => format!(":{}", a.name()),
        Term::Tuple(xs) if depth < 2 => {
            let parts: Vec<String> = xs
                .iter()
                .enumerate()
                .map(|(i, x)| if i == 0 || matches!(x, Term::Atom(_)) { shape(x, depth + 1) } else { "_".into() })
                .collect();
            format!("{{{}}}", parts.join(", "))
        }
        Term::Tuple(_) => "{...}".into(),
        Term::List(_) => "[...]".into(),
        Term::Map(_) => "%{...}".into(),
        _ => "_".into(),
    }
}

/// The process `p` is blocked calling, if it is: it waits in a
/// `gen_server` call (current function `gen:do_call/4`), and the call's
/// monitor is its newest one (the highest reference).
pub fn blocked_callee(p: &crate::runtime::Proc) -> Option<Pid> {
    let calling = p.extra().and_then(|e| e.current_function.as_deref()) == Some(crate::otp::gen_server::DO_CALL);
    if calling && p.status == crate::runtime::Status::Waiting {
        p.monitors.iter().max_by_key(|m| m.mref).map(|m| m.other)
    } else {
        None
    }
}

/// Reads a supervisor's snapshot when it is not busy.
pub fn read_snapshot(k: &Kernel, sup: Pid) -> Option<SupervisorSnapshot> {
    let i = k.introspect.get(&sup)?.clone();
    let mut out = None;
    i.with_any(&mut |a| {
        if let Some(s) = a.downcast_ref::<Supervisor>() {
            out = Some(s.snapshot());
        }
    });
    out
}

/// Resolves a tree path from inside a process (for the scenario's steps).
fn resolve_in(k: &Kernel, root: Pid, root_id: &str, path: &str) -> Option<Pid> {
    let mut parts = path.split('/');
    if parts.next()? != root_id {
        return None;
    }
    let mut cur = root;
    for seg in parts {
        let snap = read_snapshot(k, cur)?;
        let next = if let Some(n) = seg.strip_prefix('#') {
            let n: u32 = n.parse().ok()?;
            snap.children.iter().find(|c| c.pid == Some(Pid(n)))?.pid?
        } else {
            snap.children.iter().find(|c| c.id == seg)?.pid?
        };
        cur = next;
    }
    k.is_alive(cur).then_some(cur)
}

async fn shell_loop(ctx: Ctx, jobs: Rc<RefCell<Jobs>>) -> Term {
    loop {
        let Some(m) = ctx.receive().await else {
            continue;
        };
        let Some([_, Term::Int(n)]) = m.tagged(Atom::new("$shell")) else {
            continue;
        };
        let n = *n;
        let job = jobs.borrow_mut().pending.remove(&n);
        if let Some(job) = job {
            let r = job(ctx.clone()).await;
            jobs.borrow_mut().done.insert(n, r);
        }
    }
}

/// A call's result as text: the reply, or `failed: reason`.
fn result_text(r: &Result<Term, Term>) -> String {
    match r {
        Ok(t) => t.to_string(),
        Err(e) => format!("failed: {e}"),
    }
}

fn reason_term(r: &ReasonSpec) -> Term {
    match r {
        ReasonSpec::Atom(a) => Term::atom(a),
        ReasonSpec::Shutdown { shutdown } => Term::tuple(vec![Term::Atom(Atom::SHUTDOWN), Term::atom(shutdown)]),
    }
}

/// The application master: starts the root (trapping exits, so the root's
/// death is observed, not shared), runs the scenario's timed steps, then
/// reports the root's exit if it comes.
async fn app_master(ctx: Ctx, start: supervisor::StartFn, root: Rc<Cell<Option<Pid>>>, scen: Rc<Scenario>) -> Term {
    ctx.trap_exit(true);
    let log = |text: String| ctx.emit(EventKind::Log { pid: Some(ctx.pid()), text: Rc::from(text) });
    match worker::start_root(&ctx, &start).await {
        crate::otp::StartResult::Ok(p) => root.set(Some(p)),
        other => log(format!("the root did not start: {}", other.to_term())),
    }
    let t0 = ctx.now();
    let root_id = scen.tree.id.clone();
    let mut dyn_k: VecMap<String, i64> = VecMap::new();
    for (i, st) in scen.steps.iter().enumerate() {
        ctx.sleep_until(t0 + VTime::from_ms(st.at_ms.round() as u64)).await;
        let Ok(action) = st.action() else { continue };
        let find = |path: &str| -> Option<Pid> {
            let r = root.get()?;
            ctx.peek(|k| resolve_in(k, r, &root_id, path))
        };
        let missing = |path: &str| log(format!("step {}: no live process at {path}", i + 1));
        match action {
            Action::Kill(p) => match find(&p) {
                Some(pid) => ctx.exit_signal(pid, Term::Atom(Atom::KILL)),
                None => missing(&p),
            },
            Action::Exit(p, r) => match find(&p) {
                Some(pid) => ctx.exit_signal(pid, reason_term(&r)),
                None => missing(&p),
            },
            Action::Crash(p, r) => match find(&p) {
                Some(pid) => {
                    crate::otp::gen_server::cast(&ctx, pid, Term::tuple(vec![Term::atom("crash"), reason_term(&r)]))
                }
                None => missing(&p),
            },
            Action::Stop(p) => match find(&p) {
                Some(pid) => ctx.exit_signal(pid, Term::Atom(Atom::SHUTDOWN)),
                None => missing(&p),
            },
            Action::Send(p, m) => match (find(&p), crate::term::parse(&m)) {
                (Some(pid), Ok(msg)) => ctx.send(pid, msg),
                (None, _) => missing(&p),
                (_, Err(e)) => log(format!("step {}: bad message: {e}", i + 1)),
            },
            Action::TerminateChild(p) | Action::RestartChild(p) | Action::DeleteChild(p) => {
                let (sup_path, id) = match p.rfind('/') {
                    Some(j) => (p[..j].to_string(), p[j + 1..].to_string()),
                    None => (String::new(), p.clone()),
                };
                let Some(sup) = find(&sup_path) else {
                    missing(&sup_path);
                    continue;
                };
                let op = if st.terminate_child.is_some() {
                    "terminate_child"
                } else if st.restart_child.is_some() {
                    "restart_child"
                } else {
                    "delete_child"
                };
                let r = crate::otp::gen_server::try_call(
                    &ctx,
                    sup,
                    Term::tuple(vec![Term::atom(op), Term::atom(&id)]),
                    Some(60_000),
                )
                .await;
                log(format!("step {}: {op} {p}: {}", i + 1, result_text(&r)));
            }
            Action::StartChild(sup_path, spec) => {
                let Some(sup) = find(&sup_path) else {
                    missing(&sup_path);
                    continue;
                };
                let r = match spec {
                    Some(node) => match worker::child_spec(&node) {
                        Ok(cs) => supervisor::start_child(&ctx, sup, cs).await,
                        Err(e) => Err(Term::str(&e)),
                    },
                    None => {
                        let k = dyn_k.get_or_insert_with(sup_path.clone(), || 0);
                        *k += 1;
                        supervisor::start_dynamic_child(&ctx, sup, vec![Term::Int(*k)]).await
                    }
                };
                log(format!("step {}: start_child {sup_path}: {}", i + 1, result_text(&r)));
            }
            Action::Note(n) => log(format!("note: {n}")),
        }
    }
    loop {
        let Some(m) = ctx.receive().await else {
            continue;
        };
        if let Some([_, Term::Pid(p), reason]) = m.tagged(Atom::EXIT) {
            if Some(*p) == root.get() {
                log(format!("the root supervisor exited: {reason}"));
            }
        }
    }
}
