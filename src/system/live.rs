//! `System` itself: the fields of one live simulation, how it is built from
//! a scenario (the tree starts at once), and the read accessors every tool
//! uses. The concerns that act on it live in the sibling files.

use super::app_master::app_master;
use super::flows::FlowEdge;
use super::metrics::Metrics;
use super::probes::ProbeSet;
use super::shell::{shell_loop, Jobs};
use super::topics::TopicSub;
use super::tree::TreeCache;
use super::{worker, ControlError, Input};
use crate::otp::supervisor::SupervisorSnapshot;
use crate::runtime::{Config, Event, Filter, KindMask, Runtime, SpawnOpts, SubId, VTime};
use crate::scenario::{NodeKind, Scenario};
use crate::term::Pid;
use crate::util::VecMap;
use std::cell::{Cell, RefCell};
use std::collections::{BTreeMap, VecDeque};
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

/// A live simulation.
pub struct System {
    pub(super) rt: Runtime,
    pub(super) scenario: Scenario,
    pub(super) opts: SystemOptions,
    pub(super) seed: u64,
    pub(super) app: Pid,
    pub(super) shell: Pid,
    pub(super) root: Rc<Cell<Option<Pid>>>,
    pub(super) jobs: Rc<RefCell<Jobs>>,
    pub(super) next_job: i64,
    pub(super) inputs: Vec<(VTime, Input)>,
    pub(super) chaos_rate: f64,
    pub(super) chaos_acc: f64,
    pub(super) next_sample: VTime,
    pub(super) last_counters: crate::runtime::Counters,
    pub(super) restarts_total: u64,
    pub(super) restarts_at_last_sample: u64,
    pub(super) sup_sub: SubId,
    pub(super) flow_sub: Option<SubId>,
    pub(super) all_sub: Option<SubId>,
    pub(super) flow_dropped: u64,
    pub(super) flows: BTreeMap<(Option<Pid>, Pid), FlowEdge>,
    pub(super) flow_bucket: BTreeMap<(Option<Pid>, Pid), u64>,
    pub metrics: Metrics,
    pub(super) probes: VecMap<Pid, Rc<ProbeSet>>,
    pub(super) next_probe: u64,
    pub(super) topics: BTreeMap<u64, TopicSub>,
    pub(super) next_topic: u64,
    pub(super) next_token: u64,
    pub(super) tree_cache: RefCell<Option<TreeCache>>,
    /// The control layer's own seeded generator, for choices a control
    /// function makes (a random child to fail). Its draws are not
    /// simulation: what they choose is logged as a concrete input, so the
    /// runtime's generator, which chaos and processes use, is never touched.
    pub(super) control_rng: RefCell<crate::runtime::Rng>,
    pub(super) snapshots: RefCell<VecMap<Pid, SupervisorSnapshot>>,
    /// Supervision events seen (restarts, starts, terminations, max
    /// intensity), bounded, for analytics.
    pub sup_events: VecDeque<Event>,
    /// The scenario's Elixir modules (LANGUAGE.md), shared by the processes
    /// that run them.
    pub(super) code: Rc<crate::lang::Code>,
}

/// Supervision events kept at most for analytics.
const SUP_EVENTS_CAPACITY: usize = 4096;

impl System {
    /// Builds and starts a system from a scenario: the tree starts at once
    /// (virtual time 0 plus the cost of the starts).
    pub fn new(scenario: Scenario, opts: SystemOptions) -> Result<System, ControlError> {
        scenario.validate().map_err(|e| ControlError::BadScenario { message: e.to_string() })?;
        let code = scenario.load_modules().map_err(|e| ControlError::BadScenario { message: e.to_string() })?;
        let root_start = match scenario.tree.kind {
            NodeKind::Supervisor => worker::sup_start(&scenario.tree, &code),
            NodeKind::Worker => worker::worker_start(&scenario.tree, &code),
        }
        .map_err(|message| ControlError::BadScenario { message })?;
        let seed = opts.seed.or(scenario.seed).unwrap_or(0);
        let mut rt = Runtime::new(Config { seed, ..Config::default() });
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
        let app = rt.spawn(SpawnOpts::named("otpsim:application_master/2"), {
            let code = code.clone();
            move |c| app_master(c, root_start, r2, scen, code)
        });
        let mut sys = System {
            rt,
            scenario,
            opts: opts.clone(),
            seed,
            app,
            shell,
            root,
            jobs,
            code,
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

    /// The runtime, to read: a shared `Runtime` cannot step, run, spawn or
    /// reach the kernel mutably, so reading a system never moves it.
    pub fn runtime(&self) -> &Runtime {
        &self.rt
    }

    /// The runtime, to change outside the input log. What is done through
    /// it is not recorded, so a replay will not repeat it: for tests that
    /// set up what no input can (a bare process), never for tools.
    pub fn runtime_unlogged(&mut self) -> &mut Runtime {
        self.invalidate();
        &mut self.rt
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
}

impl System {
    /// Keeps a supervision event for analytics, dropping the oldest beyond
    /// the ring's capacity.
    pub(super) fn keep_sup_event(&mut self, ev: Event) {
        if self.sup_events.len() >= SUP_EVENTS_CAPACITY {
            self.sup_events.pop_front();
        }
        self.sup_events.push_back(ev);
    }
}
