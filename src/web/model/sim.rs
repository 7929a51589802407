//! [`Sim`]: one live system built from a built-in scenario, the state the
//! views follow on it, and its clock (advancing, stepping, and collecting
//! what the views follow after each move).

use super::flows::{FlowRecording, Moving};
use super::{scenario_json, Alert, SimError};
use crate::control;
use crate::runtime::{Filter, KindMask, SubId};
use crate::scenario::Scenario;
use crate::system::{System, SystemOptions};
use crate::term::Pid;
use std::collections::VecDeque;
use std::rc::Rc;

/// Virtual milliseconds between metric samples.
const SAMPLE_MS: u64 = 250;

/// A live system built from a built-in scenario. The views read and act
/// only through it; its methods are spread over the files of this module
/// by concept (commands, the tree, the inspector, flows, the dashboard,
/// the reports).
pub struct Sim {
    pub(super) sys: System,
    /// The options `sys` was started with, for [`Sim::rebuild`].
    pub(super) opts: SystemOptions,
    pub(super) scenario: String,
    pub(super) selected: Option<Pid>,
    /// The event subscription following the selected process (the same
    /// filter as the `process:<pid>` topic, read as typed events rather
    /// than JSON: the JSON form would add its serializers to the wasm).
    pub(super) topic: Option<SubId>,
    pub(super) trace: VecDeque<String>,
    /// Every send, drained after each step: feeds the moving messages and
    /// the flow recording.
    pub(super) sends: SubId,
    pub(super) moving: VecDeque<Moving>,
    pub(super) recording: Option<FlowRecording>,
    pub(super) recordings: Vec<Rc<FlowRecording>>,
    pub(super) recorded: u64,
    /// The health check's findings from the last [`Sim::health`], which
    /// [`Sim::findings`] lists as alerts without checking again.
    pub(super) health_alerts: Vec<Alert>,
}

impl Sim {
    /// Builds and starts a built-in scenario.
    pub fn new(scenario: &str, seed: u64) -> Result<Sim, SimError> {
        Sim::build(scenario, seed, false)
    }

    /// Builds a built-in scenario, with every event hashed when `hash`.
    pub(super) fn build(scenario: &str, seed: u64, hash: bool) -> Result<Sim, SimError> {
        let json = scenario_json(scenario).ok_or_else(|| SimError::UnknownScenario(scenario.to_string()))?;
        let scen = Scenario::from_json(&json).map_err(SimError::Scenario)?;
        let opts =
            SystemOptions { seed: Some(seed), hash_events: hash, sample_ms: SAMPLE_MS, ..SystemOptions::default() };
        Sim::from_scenario(scen, scenario, opts)
    }

    /// Builds and starts `scen` (a built-in one or a visitor's), shown as
    /// `label`.
    pub fn from_scenario(scen: Scenario, label: &str, opts: SystemOptions) -> Result<Sim, SimError> {
        let sys = System::new(scen, opts.clone())?;
        Ok(Sim::from_system(sys, label, opts))
    }

    /// Wraps a started system (a scenario's, or a replayed recording's),
    /// started with `opts`.
    pub fn from_system(sys: System, label: &str, opts: SystemOptions) -> Sim {
        // The system already keeps sends for its flow statistics, so this
        // subscription changes no event's sequence number.
        let sends = sys.runtime().bus(|b| b.subscribe(Filter::kinds(KindMask::SEND), 1 << 14));
        let mut sim = Sim {
            sys,
            opts,
            scenario: label.to_string(),
            selected: None,
            topic: None,
            trace: VecDeque::new(),
            sends,
            moving: VecDeque::new(),
            recording: None,
            recordings: Vec::new(),
            recorded: 0,
            health_alerts: Vec::new(),
        };
        sim.poll_sends();
        sim
    }

    pub fn scenario(&self) -> &str {
        &self.scenario
    }

    pub fn seed(&self) -> u64 {
        self.sys.seed()
    }

    pub fn now_ms(&self) -> f64 {
        self.sys.now_ms()
    }

    /// Lets `ms` of virtual time pass (chaos and metric sampling included).
    pub fn advance(&mut self, ms: u64) {
        if ms > 0 {
            self.sys.tick(ms);
        }
        self.poll();
    }

    /// Runs one scheduler step (the Step button).
    pub fn step(&mut self) {
        self.sys.step();
        self.poll();
    }

    /// Collects what the views follow after the system moved on.
    pub(super) fn poll(&mut self) {
        self.poll_trace();
        self.poll_sends();
    }

    pub fn chaos_rate(&self) -> f64 {
        self.sys.chaos_rate()
    }

    /// Every restart made by any supervisor so far.
    pub fn restarts_total(&self) -> u64 {
        self.sys.restarts_total()
    }

    /// A label for a pid: its registered name, its tree id, or the pid.
    pub fn label(&self, pid: Pid) -> String {
        if let Ok(d) = control::get_process_details(&self.sys, pid, Some(&["registered_name".to_string()])) {
            if let Some(n) = d.get("registered_name").and_then(|v| v.as_str()) {
                return n.to_string();
            }
        }
        match self.sys.pid_path(pid) {
            Some(path) => path.rsplit('/').next().unwrap_or(&path).to_string(),
            None => pid.short(),
        }
    }

    /// The event-stream hash (with hashing on).
    pub fn event_hash(&self) -> u64 {
        self.sys.event_hash()
    }
}
