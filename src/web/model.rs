//! The playground's one adapter onto the simulator: a live [`System`] built
//! from a built-in scenario, stepped by the UI, and every read and command
//! the views need, as plain data — all through the control layer.
//!
//! This module compiles natively and holds no browser type, so it is tested
//! with plain `cargo test`. The views never touch the runtime or the control
//! layer: they call [`Sim`] only.

use crate::control::probe::{ProbeAction, ProbeSpec};
use crate::control::{self, analysis, flow, supervisors, ControlError, ListOpts, SendOpts};
use crate::runtime::{Event, EventKind, Filter, KindMask, SubId};
use crate::scenario::Scenario;
use crate::system::{Input, SupOp, System, SystemOptions};
use crate::term::{Pid, Term};
use crate::util::VecMap;
use serde::Serialize;
use std::rc::Rc;

/// The built-in scenarios: name and title, the default first.
pub const SCENARIOS: &[(&str, &str)] = &[
    ("demo", "Demo system"),
    ("cascade_failure", "Cascade failure"),
    ("pool_exhaustion", "Pool exhaustion"),
    ("pubsub", "Pub/sub bus"),
    ("restart_storm", "Restart storm"),
    ("large", "Large (1,000 workers)"),
];

/// The JSON of a built-in scenario: the sandbox's ready scenarios, and a
/// generated one of 1,000 workers for the explorer's scale.
pub fn scenario_json(name: &str) -> Option<String> {
    if name == "large" {
        return Some(large_scenario(10, 100));
    }
    crate::sandbox::builtin(name).map(str::to_string)
}

/// A tree of `sups` supervisors with `per` generic workers each; one worker
/// in ten sends a cast to a peer every few hundred milliseconds.
fn large_scenario(sups: usize, per: usize) -> String {
    let mut groups = Vec::new();
    for s in 0..sups {
        let mut ws = Vec::new();
        for w in 0..per {
            let load = if w % 10 == 0 {
                let peer = format!("w{}_{}", (s + 1) % sups, (w * 7 + 3) % per);
                format!(
                    r#", "params": {{"load": {{"to": "{peer}", "every_ms": {}, "message": "{{:inc, 1}}", "mode": "cast"}}}}"#,
                    300 + 17 * w
                )
            } else {
                String::new()
            };
            ws.push(format!(r#"{{"id": "w{s}_{w}", "type": "worker", "name": "w{s}_{w}"{load}}}"#));
        }
        groups.push(format!(
            r#"{{"id": "group_{s}", "type": "supervisor", "strategy": "one_for_one", "intensity": 50, "period_s": 5, "children": [{}]}}"#,
            ws.join(",")
        ));
    }
    format!(
        r#"{{"name": "large", "seed": 1, "tree": {{"id": "large_sup", "type": "supervisor", "strategy": "one_for_one", "intensity": 50, "period_s": 5, "children": [{}]}}}}"#,
        groups.join(",")
    )
}

// --- plain data for the views -------------------------------------------------

/// One node of the supervision tree as the explorer draws it.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct TreeNode {
    /// The child id (or the registered name of the root).
    pub id: String,
    pub pid: Option<Pid>,
    pub name: Option<String>,
    pub supervisor: bool,
    /// `running`, `waiting`, `suspended`, `restarting`, `undefined`, `dead`.
    pub status: String,
    pub strategy: Option<String>,
    /// Restarts of this child recorded by its supervisor.
    pub restarts: u64,
    /// For a supervisor: all restarts it made.
    pub total_restarts: u64,
    pub paused: bool,
    pub queue_len: usize,
    pub memory_words: usize,
    /// The supervising parent and this node's child id there.
    pub parent: Option<Pid>,
    pub children: Vec<TreeNode>,
}

impl TreeNode {
    /// The number of nodes in this subtree, itself included.
    pub fn count(&self) -> usize {
        1 + self.children.iter().map(TreeNode::count).sum::<usize>()
    }

    /// Finds the node of a pid in this subtree.
    pub fn find(&self, pid: Pid) -> Option<&TreeNode> {
        if self.pid == Some(pid) {
            return Some(self);
        }
        self.children.iter().find_map(|c| c.find(pid))
    }

    /// Finds a node by child id or registered name.
    pub fn find_id(&self, id: &str) -> Option<&TreeNode> {
        if self.id == id || self.name.as_deref() == Some(id) {
            return Some(self);
        }
        self.children.iter().find_map(|c| c.find_id(id))
    }
}

/// One metrics sample.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct Sample {
    pub t_ms: f64,
    pub processes: usize,
    pub memory_kib: f64,
    pub messages_per_s: f64,
    pub restarts_per_s: f64,
    pub run_queue: usize,
}

/// The health score with its reasons.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Health {
    pub score: u32,
    pub status: &'static str,
    pub reasons: Vec<String>,
}

/// Everything the inspector shows about one process.
#[derive(Clone, Debug, PartialEq)]
pub struct Details {
    pub info: InfoView,
    /// The behaviour state pretty-printed, or why it could not be read.
    pub state: Result<String, String>,
    pub trace: Vec<String>,
    pub traced: bool,
    pub queue_history: Vec<usize>,
    /// The probes installed on the process.
    pub probes: Vec<ProbeView>,
    /// A StatefulWorker's recent versions, oldest first (empty otherwise).
    pub versions: Vec<VersionView>,
}

/// One probe as the inspector lists it.
#[derive(Clone, Debug, PartialEq)]
pub struct ProbeView {
    pub id: u64,
    pub pattern: String,
    /// `log`, `count`, `pause`, `delay 50 ms` or `drop`.
    pub action: String,
    pub hits: u64,
}

/// One version in a StatefulWorker's history.
#[derive(Clone, Debug, PartialEq)]
pub struct VersionView {
    pub version: u64,
    pub at_ms: i64,
    pub value: String,
    /// Whether this is the version the worker holds now.
    pub current: bool,
}

/// A probe action as the inspector's select names it; `delay` takes `ms`.
pub fn probe_action(name: &str, delay_ms: u64) -> Result<ProbeAction, String> {
    Ok(match name {
        "log" => ProbeAction::Log,
        "count" => ProbeAction::Count,
        "pause" => ProbeAction::Pause,
        "delay" => ProbeAction::Delay { ms: delay_ms },
        "drop" => ProbeAction::Drop,
        other => return Err(format!("unknown probe action {other:?}")),
    })
}

fn action_text(a: &ProbeAction) -> String {
    match a {
        ProbeAction::Log => "log".into(),
        ProbeAction::Count => "count".into(),
        ProbeAction::Pause => "pause".into(),
        ProbeAction::Delay { ms } => format!("delay {ms} ms"),
        ProbeAction::Drop => "drop".into(),
    }
}

/// The recent versions in a StatefulWorker's state term (its
/// `history.recent` list), or none for any other state.
fn versions_of(state: &Term) -> Vec<VersionView> {
    let key = |t: &Term, k: &str| t.map_get(&Term::atom(k)).cloned();
    let current = key(state, "version").and_then(|v| v.as_int());
    let Some(recent) = key(state, "history").and_then(|h| key(&h, "recent")) else { return Vec::new() };
    let Some(list) = recent.as_list() else { return Vec::new() };
    list.iter()
        .filter_map(|e| {
            let v = key(e, "version")?.as_int()?;
            Some(VersionView {
                version: u64::try_from(v).ok()?,
                at_ms: key(e, "at_ms").and_then(|t| t.as_int()).unwrap_or(0),
                value: key(e, "value").map(|t| t.to_string()).unwrap_or_default(),
                current: current == Some(v),
            })
        })
        .collect()
}

/// `process_info` fields, as text, for display.
#[derive(Clone, Debug, PartialEq)]
pub struct InfoView {
    pub pid: Pid,
    pub name: Option<String>,
    pub status: String,
    pub fields: Vec<(String, String)>,
    pub messages: Vec<String>,
    pub links: Vec<Pid>,
    pub monitors: Vec<Pid>,
    pub monitored_by: Vec<Pid>,
    pub gen_server: bool,
    pub supervisor: bool,
    pub suspended: bool,
}

/// One message of a recorded flow, for the sequence diagram.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct FlowHop {
    pub seq: u64,
    pub at_ms: f64,
    pub from: Option<Pid>,
    pub to: Pid,
    /// The whole message, in Elixir syntax.
    pub msg: String,
    /// What an arrow says: GenServer calls and casts as `call …` and
    /// `cast …` with the request alone, anything else whole.
    pub label: String,
}

impl FlowHop {
    fn new(seq: u64, at_ms: f64, from: Option<Pid>, to: Pid, msg: &Term) -> FlowHop {
        let label = match (msg.tagged(crate::term::Atom::GEN_CALL), msg.tagged(crate::term::Atom::GEN_CAST)) {
            (Some([_, _, req]), _) => format!("call {req}"),
            (_, Some([_, req])) => format!("cast {req}"),
            _ => msg.to_string(),
        };
        FlowHop { seq, at_ms, from, to, msg: msg.to_string(), label }
    }
}

/// A message seen going from one process to another since the views last
/// looked: the tree animates it.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Moving {
    pub seq: u64,
    pub at_ms: f64,
    pub from: Option<Pid>,
    pub to: Pid,
}

/// A recorded flow of messages, for the sequence diagram and its replay
/// timeline: either everything one traced message caused, or every message
/// between the processes of the tree while recording was on.
#[derive(Clone, Debug, PartialEq)]
pub struct FlowRecording {
    /// Numbers recordings in the order they were made (from 1).
    pub id: u64,
    pub title: String,
    pub traced: bool,
    pub from_ms: f64,
    pub to_ms: f64,
    /// In send order.
    pub hops: Vec<FlowHop>,
    /// Every participant with its label then, in order of appearance.
    pub labels: Vec<(Pid, String)>,
    /// Messages past [`RECORDING_MAX_HOPS`] were not kept.
    pub truncated: bool,
}

impl FlowRecording {
    /// The label a participant had when the recording was made.
    pub fn label(&self, pid: Pid) -> Option<&str> {
        self.labels.iter().find(|l| l.0 == pid).map(|l| l.1.as_str())
    }
}

/// One finding on the dashboard: a short title and its explanation.
#[derive(Clone, Debug, PartialEq)]
pub struct Alert {
    pub title: String,
    pub detail: String,
}

/// The dashboard's bottlenecks and anomaly alerts.
#[derive(Clone, Debug, PartialEq, Default)]
pub struct Findings {
    /// Growing queues, contended servers, call chains and deadlocks.
    pub bottlenecks: Vec<Alert>,
    /// Unusual message activity and supervision anti-patterns.
    pub alerts: Vec<Alert>,
    /// The processes the bottlenecks are about, in pid order: the tree and
    /// the heatmap highlight them.
    pub hot: Vec<Pid>,
}

/// The sender×receiver heatmap: labels and counts (row: sender).
#[derive(Clone, Debug, PartialEq, Default)]
pub struct Heatmap {
    /// The processes of the rows and columns, in pid order.
    pub pids: Vec<Pid>,
    pub labels: Vec<String>,
    pub counts: Vec<Vec<u64>>,
    pub max: u64,
}

// --- the live system ----------------------------------------------------------

/// Virtual milliseconds between metric samples.
const SAMPLE_MS: u64 = 250;
/// Lines kept for the inspector's trace tab.
const TRACE_KEPT: usize = 200;
/// How long a traced message is followed, in virtual milliseconds.
const FLOW_MS: u64 = 500;
/// Messages kept by one flow recording; the rest are counted as cut off.
pub const RECORDING_MAX_HOPS: usize = 2000;
/// Flow recordings kept (the oldest goes first).
const RECORDINGS_KEPT: usize = 8;
/// Moving messages kept between two looks of the tree (the newest).
const MOVING_KEPT: usize = 256;

fn err(e: ControlError) -> String {
    e.to_string()
}

/// A live system built from a built-in scenario.
pub struct Sim {
    sys: System,
    scenario: String,
    selected: Option<Pid>,
    /// The event subscription following the selected process (the same
    /// filter as the `process:<pid>` topic, read as typed events rather
    /// than JSON: the JSON form would add its serializers to the wasm).
    topic: Option<SubId>,
    trace: std::collections::VecDeque<String>,
    /// Every send, drained after each step: feeds the moving messages and
    /// the flow recording.
    sends: SubId,
    moving: std::collections::VecDeque<Moving>,
    recording: Option<FlowRecording>,
    recordings: Vec<Rc<FlowRecording>>,
    recorded: u64,
    /// The health check's findings from the last [`Sim::health`], which
    /// [`Sim::findings`] lists as alerts without checking again.
    health_alerts: Vec<Alert>,
}

impl Sim {
    /// Builds and starts a built-in scenario.
    pub fn new(scenario: &str, seed: u64) -> Result<Sim, String> {
        Sim::build(scenario, seed, false)
    }

    fn build(scenario: &str, seed: u64, hash: bool) -> Result<Sim, String> {
        let json = scenario_json(scenario).ok_or_else(|| format!("no built-in scenario is called {scenario:?}"))?;
        let scen = Scenario::from_json(&json).map_err(|e| e.to_string())?;
        let opts =
            SystemOptions { seed: Some(seed), hash_events: hash, sample_ms: SAMPLE_MS, ..SystemOptions::default() };
        let sys = System::new(scen, opts).map_err(err)?;
        // The system already keeps sends for its flow statistics, so this
        // subscription changes no event's sequence number.
        let sends = sys.runtime().bus(|b| b.subscribe(Filter::kinds(KindMask::SEND), 1 << 14));
        let mut sim = Sim {
            sys,
            scenario: scenario.to_string(),
            selected: None,
            topic: None,
            trace: Default::default(),
            sends,
            moving: Default::default(),
            recording: None,
            recordings: Vec::new(),
            recorded: 0,
            health_alerts: Vec::new(),
        };
        sim.poll_sends();
        Ok(sim)
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
    fn poll(&mut self) {
        self.poll_trace();
        self.poll_sends();
    }

    fn poll_sends(&mut self) {
        let Some((evs, _)) = self.sys.runtime().bus(|b| b.drain(self.sends)) else { return };
        for e in &evs {
            let EventKind::Send { from, to, msg, .. } = &e.kind else { continue };
            // The shell and the application master are the simulator's own
            // machinery, not part of the user's system.
            if self.sys.is_system_pid(*to) || from.is_some_and(|f| self.sys.is_system_pid(f)) {
                continue;
            }
            let at_ms = e.at.as_ms_f64();
            if self.moving.len() >= MOVING_KEPT {
                self.moving.pop_front();
            }
            self.moving.push_back(Moving { seq: e.seq, at_ms, from: *from, to: *to });
            if let Some(r) = &mut self.recording {
                if r.hops.len() < RECORDING_MAX_HOPS {
                    r.hops.push(FlowHop::new(e.seq, at_ms, *from, *to, msg));
                } else {
                    r.truncated = true;
                }
            }
        }
    }

    /// The messages sent since the last call, oldest first (at most the
    /// newest [`MOVING_KEPT`]).
    pub fn take_moving(&mut self) -> Vec<Moving> {
        self.moving.drain(..).collect()
    }

    /// Starts recording every message between the user's processes.
    pub fn start_recording(&mut self) -> Result<(), String> {
        if self.recording.is_some() {
            return Err("a flow is already being recorded".into());
        }
        self.recorded += 1;
        self.recording = Some(FlowRecording {
            id: self.recorded,
            title: format!("Recording {}", self.recorded),
            traced: false,
            from_ms: self.now_ms(),
            to_ms: self.now_ms(),
            hops: Vec::new(),
            labels: Vec::new(),
            truncated: false,
        });
        Ok(())
    }

    /// Stops the recording and keeps it; returns how many messages it holds.
    pub fn stop_recording(&mut self) -> Result<usize, String> {
        let mut r = self.recording.take().ok_or("no flow is being recorded")?;
        r.to_ms = self.now_ms();
        r.title = format!(
            "Recording {}: {} messages over {:.0} ms{}",
            r.id,
            r.hops.len(),
            r.to_ms - r.from_ms,
            if r.truncated { " (cut off)" } else { "" }
        );
        r.labels = self.labels_of(&r.hops);
        let n = r.hops.len();
        self.keep_recording(r);
        Ok(n)
    }

    /// The recording in progress: messages so far and since when.
    pub fn recording_status(&self) -> Option<(usize, f64)> {
        self.recording.as_ref().map(|r| (r.hops.len(), r.from_ms))
    }

    /// The kept flow recordings, oldest first.
    pub fn recordings(&self) -> Vec<Rc<FlowRecording>> {
        self.recordings.clone()
    }

    fn keep_recording(&mut self, r: FlowRecording) {
        if self.recordings.len() >= RECORDINGS_KEPT {
            self.recordings.remove(0);
        }
        self.recordings.push(Rc::new(r));
    }

    fn labels_of(&self, hops: &[FlowHop]) -> Vec<(Pid, String)> {
        let mut labels: Vec<(Pid, String)> = Vec::new();
        for h in hops {
            for p in h.from.iter().chain(std::iter::once(&h.to)) {
                if !labels.iter().any(|l| l.0 == *p) {
                    labels.push((*p, self.label(*p)));
                }
            }
        }
        labels
    }

    /// Chaos mode: seeded random worker kills at this rate (0: off).
    pub fn set_chaos(&mut self, rate_per_s: f64) -> Result<(), String> {
        let r = if rate_per_s.is_finite() { rate_per_s.clamp(0.0, 50.0) } else { 0.0 };
        self.sys.apply(Input::Chaos { rate_per_s: r }).map(|_| ()).map_err(err)
    }

    pub fn chaos_rate(&self) -> f64 {
        self.sys.chaos_rate()
    }

    /// Every restart made by any supervisor so far.
    pub fn restarts_total(&self) -> u64 {
        self.sys.restarts_total()
    }

    pub fn samples(&self) -> Vec<Sample> {
        self.sys
            .metrics
            .system
            .iter()
            .map(|s| Sample {
                t_ms: s.at_ms,
                processes: s.processes,
                memory_kib: (s.memory_words * 8) as f64 / 1024.0,
                messages_per_s: s.messages_per_s,
                restarts_per_s: s.restarts_per_s,
                run_queue: s.run_queue,
            })
            .collect()
    }

    /// The supervision tree from the root supervisor.
    pub fn tree(&self) -> Option<TreeNode> {
        let root = self.sys.root()?;
        let t = supervisors::get_supervision_tree(&self.sys, root).ok()?;
        let mut procs: VecMap<Pid, control::ProcessSummary> = VecMap::default();
        procs.extend(
            control::list_all_processes(&self.sys, &ListOpts::default()).processes.into_iter().map(|p| (p.pid, p)),
        );
        let root_id = self.sys.scenario().tree.id.clone();
        Some(self.node(&t, root_id, None, 0, &procs))
    }

    fn node(
        &self,
        n: &supervisors::SupTreeNode,
        id: String,
        parent: Option<Pid>,
        restarts: u64,
        procs: &VecMap<Pid, control::ProcessSummary>,
    ) -> TreeNode {
        let live = n.pid.and_then(|p| procs.get(&p));
        let status = match (n.state, live) {
            ("restarting", _) => "restarting".to_string(),
            (_, Some(p)) if p.status == "suspended" => "suspended".into(),
            (_, Some(p)) if p.status == "waiting" => "waiting".into(),
            (_, Some(_)) => "running".into(),
            (_, None) => "undefined".into(),
        };
        let snap = n.pid.filter(|_| n.supervisor).and_then(|p| self.sys.snapshot(p));
        let mut per_child: VecMap<&str, u64> = VecMap::default();
        if let Some(s) = &snap {
            for r in &s.log {
                *per_child.get_or_insert_with(r.child.as_str(), || 0) += 1;
            }
        }
        let children = n
            .children
            .iter()
            .map(|c| {
                let r = per_child.get(c.id.as_str()).copied().unwrap_or(0);
                self.node(c, c.id.clone(), n.pid, r, procs)
            })
            .collect();
        TreeNode {
            id,
            pid: n.pid,
            name: n.name.clone(),
            supervisor: n.supervisor,
            status,
            strategy: n.strategy.map(|s| s.name().to_string()),
            restarts,
            total_restarts: snap.as_ref().map(|s| s.total_restarts).unwrap_or(0),
            paused: snap.as_ref().is_some_and(|s| s.paused),
            queue_len: live.map(|p| p.message_queue_len).unwrap_or(0),
            memory_words: live.map(|p| p.memory_words).unwrap_or(0),
            parent,
            children,
        }
    }

    /// Selects the process the inspector follows: its events are collected
    /// from a `process:<pid>` topic, and its queue length is sampled.
    pub fn select(&mut self, pid: Option<Pid>) {
        if self.selected == pid {
            return;
        }
        if let Some(t) = self.topic.take() {
            self.sys.runtime().bus(|b| b.unsubscribe(t));
        }
        if let Some(old) = self.selected {
            self.sys.unwatch(old);
        }
        self.selected = pid;
        self.trace.clear();
        if let Some(p) = pid {
            self.topic = Some(self.sys.runtime().bus(|b| b.subscribe(Filter::process(p, KindMask::ALL), 4096)));
            self.sys.watch(p);
        }
    }

    pub fn selected(&self) -> Option<Pid> {
        self.selected
    }

    fn poll_trace(&mut self) {
        let Some(t) = self.topic else { return };
        let Some((evs, _dropped)) = self.sys.runtime().bus(|b| b.drain(t)) else { return };
        for e in &evs {
            if self.trace.len() >= TRACE_KEPT {
                self.trace.pop_front();
            }
            self.trace.push_back(describe_event(e));
        }
    }

    /// What the inspector shows about a process; `None` once it is dead.
    pub fn details(&self, pid: Pid) -> Option<Details> {
        let d = control::get_process_details(&self.sys, pid, None).ok()?;
        let text = |k: &str| match d.get(k) {
            None | Some(serde_json::Value::Null) => "—".to_string(),
            Some(serde_json::Value::String(s)) => s.clone(),
            Some(v) => v.to_string(),
        };
        let pids = |k: &str| -> Vec<Pid> {
            d.get(k)
                .and_then(|v| v.as_array())
                .map(|a| a.iter().filter_map(|x| x.as_str().and_then(Pid::parse_short)).collect())
                .unwrap_or_default()
        };
        let flag = |k: &str| d.get(k).and_then(|v| v.as_bool()).unwrap_or(false);
        let memory = d.get("memory").and_then(|m| m.get("words")).and_then(|w| w.as_u64()).unwrap_or(0);
        let path = self.sys.pid_path(pid);
        let fields = vec![
            ("pid".to_string(), pid.to_string()),
            ("registered_name".into(), text("registered_name")),
            ("path".into(), path.unwrap_or_else(|| "—".into())),
            ("status".into(), text("status")),
            ("initial_call".into(), text("initial_call")),
            ("current_function".into(), text("current_function")),
            ("module".into(), text("module")),
            ("message_queue_len".into(), text("message_queue_len")),
            ("reductions".into(), text("reductions")),
            ("memory".into(), format!("{memory} words ({} bytes)", memory * 8)),
            ("messages_in / out".into(), format!("{} / {}", text("messages_in"), text("messages_out"))),
            ("trap_exit".into(), text("trap_exit")),
            ("parent".into(), text("parent")),
            ("spawned_at".into(), format!("{} ms", text("spawned_at_ms"))),
        ];
        let messages = d
            .get("messages")
            .and_then(|v| v.as_array())
            .map(|a| a.iter().take(100).filter_map(|m| m.as_str().map(str::to_string)).collect())
            .unwrap_or_default();
        let mut versions = Vec::new();
        let state = match control::get_genserver_state(&self.sys, pid) {
            Ok(g) => Ok(match crate::term::parse(&g.state) {
                Ok(t) => {
                    versions = versions_of(&t);
                    t.pretty(60)
                }
                Err(_) => g.state,
            }),
            Err(e) => Err(e.to_string()),
        };
        let probes = control::list_probes(&self.sys, pid)
            .unwrap_or_default()
            .into_iter()
            .map(|p| ProbeView { id: p.id, pattern: p.pattern, action: action_text(&p.action), hits: p.hits })
            .collect();
        let queue_history =
            self.sys.metrics.procs.get(&pid).map(|r| r.iter().map(|s| s.queue_len).collect()).unwrap_or_default();
        let status = text("status");
        Some(Details {
            info: InfoView {
                pid,
                name: d.get("registered_name").and_then(|v| v.as_str()).map(str::to_string),
                suspended: status == "suspended",
                status,
                fields,
                messages,
                links: pids("links"),
                monitors: pids("monitors"),
                monitored_by: pids("monitored_by"),
                gen_server: flag("gen_server"),
                supervisor: flag("supervisor"),
            },
            state,
            trace: if self.selected == Some(pid) {
                self.trace.iter().rev().take(100).cloned().collect()
            } else {
                Vec::new()
            },
            traced: flag("tracing"),
            queue_history,
            probes,
            versions,
        })
    }

    // --- commands -------------------------------------------------------------

    /// `Process.exit(pid, reason)`, the reason typed in Elixir syntax.
    pub fn kill(&mut self, pid: Pid, reason: &str) -> Result<(), String> {
        let reason = control::parse_term(reason).map_err(|e| format!("reason: {e}"))?;
        control::kill_process(&mut self.sys, pid, reason).map_err(err)
    }

    pub fn suspend(&mut self, pid: Pid) -> Result<(), String> {
        control::suspend_process(&mut self.sys, pid).map_err(err)
    }

    pub fn resume(&mut self, pid: Pid) -> Result<(), String> {
        control::resume_process(&mut self.sys, pid).map_err(err)
    }

    /// Sends a message typed in Elixir syntax; a parse error says where.
    pub fn send_text(&mut self, pid: Pid, text: &str) -> Result<(), String> {
        control::send_message(&mut self.sys, pid, text, &SendOpts::default()).map(|_| ()).map_err(err)
    }

    /// Installs a probe: `pattern` in Elixir syntax, optionally ending in
    /// `when guard`; a bad pattern is an error that says where.
    pub fn add_probe(&mut self, pid: Pid, pattern: &str, action: ProbeAction) -> Result<u64, String> {
        control::inject_debug_code(&mut self.sys, pid, ProbeSpec { pattern: pattern.to_string(), action }).map_err(err)
    }

    /// Checks a probe as the control layer would install it, without
    /// installing it (the inline error): the pattern, its guard, the delay.
    pub fn check_probe(pattern: &str, action: ProbeAction) -> Result<(), String> {
        control::probe::compile(&ProbeSpec { pattern: pattern.to_string(), action }).map(|_| ()).map_err(err)
    }

    pub fn remove_probe(&mut self, pid: Pid, id: u64) -> Result<(), String> {
        control::remove_probe(&mut self.sys, pid, id).map_err(err)
    }

    /// Rolls a StatefulWorker back to one of its versions: sends it
    /// `{:rollback, version}`.
    pub fn rollback(&mut self, pid: Pid, version: u64) -> Result<(), String> {
        self.send_text(pid, &format!("{{:rollback, {version}}}"))
    }

    /// Turns this process's tracing on or off.
    pub fn set_traced(&mut self, pid: Pid, on: bool) -> Result<(), String> {
        control::set_tracing(&mut self.sys, pid, on).map_err(err)
    }

    /// Sends a message with a flow token, follows it for a moment of virtual
    /// time, and keeps the messages it caused for the sequence diagram.
    pub fn send_traced(&mut self, pid: Pid, text: &str) -> Result<usize, String> {
        let f = flow::trace_message_flow(&mut self.sys, pid, text, FLOW_MS).map_err(err)?;
        let mut hops = Vec::new();
        fn walk(n: &flow::FlowNode, out: &mut Vec<FlowHop>) {
            // The flow tracer gives messages as text; read them back for the label.
            out.push(match crate::term::parse(&n.message) {
                Ok(t) => FlowHop::new(n.seq, n.at_ms, n.from, n.to, &t),
                Err(_) => FlowHop {
                    seq: n.seq,
                    at_ms: n.at_ms,
                    from: n.from,
                    to: n.to,
                    msg: n.message.clone(),
                    label: n.message.clone(),
                },
            });
            for c in &n.caused {
                walk(c, out);
            }
        }
        walk(&f.root, &mut hops);
        crate::util::sort_by_key(&mut hops, |h| h.seq);
        let truncated = hops.len() > RECORDING_MAX_HOPS;
        hops.truncate(RECORDING_MAX_HOPS);
        self.recorded += 1;
        let r = FlowRecording {
            id: self.recorded,
            title: format!("Traced {} → {}: {} messages", short_str(text.trim(), 24), self.label(pid), f.messages),
            traced: true,
            from_ms: hops.first().map(|h| h.at_ms).unwrap_or(0.0),
            to_ms: hops.last().map(|h| h.at_ms).unwrap_or(0.0),
            labels: self.labels_of(&hops),
            hops,
            truncated,
        };
        self.keep_recording(r);
        self.poll();
        Ok(f.messages)
    }

    fn sup_op(&mut self, sup: Pid, op: SupOp) -> Result<(), String> {
        let r = self.sys.apply(Input::Supervisor { sup, op }).map_err(err)?;
        match r.tagged(crate::term::Atom::ERROR) {
            Some([_, e]) => Err(format!("the supervisor refused: {e}")),
            _ => Ok(()),
        }
    }

    pub fn restart_child(&mut self, sup: Pid, id: &str) -> Result<(), String> {
        self.sup_op(sup, SupOp::RestartChild { id: id.to_string() })
    }

    pub fn terminate_child(&mut self, sup: Pid, id: &str) -> Result<(), String> {
        self.sup_op(sup, SupOp::TerminateChild { id: id.to_string() })
    }

    /// Changes a supervisor's strategy at run time (rolled back if it
    /// reaches its intensity within its period).
    pub fn set_strategy(&mut self, sup: Pid, strategy: &str) -> Result<(), String> {
        supervisors::change_supervision_strategy(&mut self.sys, sup, strategy, None).map(|_| ()).map_err(err)
    }

    pub fn set_paused(&mut self, sup: Pid, paused: bool) -> Result<(), String> {
        if paused {
            supervisors::pause_supervision(&mut self.sys, sup).map_err(err)
        } else {
            supervisors::resume_supervision(&mut self.sys, sup).map_err(err)
        }
    }

    // --- analysis ---------------------------------------------------------------

    /// `analyze_system_health`: the score and every deduction, with findings
    /// (kept for [`Sim::findings`]).
    pub fn health(&mut self) -> Health {
        let h = analysis::analyze_system_health(&self.sys);
        self.health_alerts = h
            .supervision_anti_patterns
            .iter()
            .chain(&h.high_message_queues)
            .chain(&h.high_memory_processes)
            .take(6)
            .map(|a| Alert {
                title: format!("Anti-pattern: {}", a.kind.replace('_', " ")),
                detail: if a.suggestion.is_empty() {
                    a.explanation.clone()
                } else {
                    format!("{} — {}", a.explanation, a.suggestion)
                },
            })
            .collect();
        let mut reasons: Vec<String> = h.penalties.iter().map(|p| format!("−{:.0}: {}", p.points, p.reason)).collect();
        for f in
            h.high_message_queues.iter().chain(&h.high_memory_processes).chain(&h.supervision_anti_patterns).take(4)
        {
            reasons.push(f.explanation.clone());
        }
        if reasons.is_empty() {
            reasons.push(format!(
                "{:.0}% of processes supervised; no long queues, no memory hogs",
                h.supervised_percentage
            ));
        }
        let status = match h.score {
            90..=100 => "healthy",
            60..=89 => "degraded",
            _ => "critical",
        };
        Health { score: h.score, status, reasons }
    }

    /// `detect_bottlenecks` over the last five seconds, and the alerts:
    /// `analyze_message_patterns`' unusual flows and the health check's
    /// supervision anti-patterns and long queues.
    pub fn findings(&self) -> Findings {
        let mut f = Findings::default();
        let b = analysis::detect_bottlenecks(&self.sys, 5000);
        let who = |pid: Pid, name: &Option<String>| name.clone().unwrap_or_else(|| self.label(pid));
        for g in b.growing_queues.iter().take(5) {
            f.bottlenecks.push(Alert {
                title: format!("Growing queue: {}", who(g.pid, &g.name)),
                detail: format!(
                    "{} ({}) queue grows by {:.1} messages/s; {} waiting now",
                    who(g.pid, &g.name),
                    g.pid,
                    g.slope_per_s,
                    g.queue_len
                ),
            });
        }
        for c in b.contended_servers.iter().take(5) {
            f.bottlenecks.push(Alert {
                title: format!("Contended server: {}", who(c.pid, &c.name)),
                detail: format!(
                    "callers were blocked on it in {:.0}% of samples ({:.1} callers on average, {} in all)",
                    c.blocked_fraction * 100.0,
                    c.mean_blocked_callers,
                    c.callers.len()
                ),
            });
        }
        for d in b.deadlocks.iter().take(5) {
            f.bottlenecks.push(Alert { title: "Deadlock".into(), detail: d.explanation.clone() });
        }
        for c in b.call_chains.iter().take(5) {
            f.bottlenecks.push(Alert { title: "Call chain".into(), detail: c.explanation.clone() });
        }
        let m = flow::analyze_message_patterns(&self.sys);
        for u in m.unusual.iter().take(5) {
            let end = |p: Option<Pid>, n: &Option<String>| match (n, p) {
                (Some(n), _) => n.clone(),
                // A process with neither name nor place in the tree shows as its pid.
                (None, Some(p)) => Some(self.label(p)).filter(|l| *l != p.short()).unwrap_or_else(|| p.to_string()),
                (None, None) => "outside".into(),
            };
            f.alerts.push(Alert {
                title: format!("Unusual activity: {} → {}", end(u.from, &u.from_name), end(Some(u.to), &u.to_name)),
                detail: u.unusual.clone().unwrap_or_default(),
            });
        }
        // The health check's findings as of the last `health()`: the
        // dashboard computes both, and checking health twice would double
        // the dearest part of a refresh.
        f.alerts.extend(self.health_alerts.iter().cloned());
        let chains = b.deadlocks.iter().flat_map(|d| d.pids.iter().copied());
        for p in b.growing_queues.iter().map(|g| g.pid).chain(b.contended_servers.iter().map(|c| c.pid)).chain(chains) {
            if let Err(i) = f.hot.binary_search(&p) {
                f.hot.insert(i, p);
            }
        }
        f
    }

    /// The sender×receiver counts among the processes of the busiest pairs.
    pub fn heatmap(&self, n: usize) -> Heatmap {
        let flows = self.sys.flows();
        let rt = self.sys.runtime();
        let mut pairs: Vec<((Pid, Pid), u64)> = flows
            .iter()
            .filter_map(|((f, t), e)| f.map(|f| ((f, *t), e.count)))
            // Live processes only: a restarted worker's old pid is history.
            .filter(|(p, _)| !self.sys.is_system_pid(p.0) && rt.is_alive(p.0) && rt.is_alive(p.1))
            .collect();
        crate::util::sort_by(&mut pairs, |a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
        let mut pids: Vec<Pid> = Vec::new();
        for ((f, t), _) in &pairs {
            for p in [*f, *t] {
                if pids.len() < n && !pids.contains(&p) {
                    pids.push(p);
                }
            }
            if pids.len() >= n {
                break;
            }
        }
        crate::util::sort(&mut pids);
        let mut counts_of: VecMap<(Pid, Pid), u64> = VecMap::default();
        counts_of.extend(pairs);
        let labels = pids.iter().map(|p| self.label(*p)).collect();
        let mut max = 0;
        let counts = pids
            .iter()
            .map(|f| {
                pids.iter()
                    .map(|t| {
                        let c = counts_of.get(&(*f, *t)).copied().unwrap_or(0);
                        max = max.max(c);
                        c
                    })
                    .collect()
            })
            .collect();
        Heatmap { pids, labels, counts, max }
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

    /// The recording: scenario, seed and every input applied (consecutive
    /// ticks merged), as JSON with terms in Elixir syntax.
    pub fn recording_json(&self) -> String {
        let mut inputs: Vec<serde_json::Value> = Vec::new();
        let mut pending_tick = 0u64;
        for (t, i) in self.sys.input_log() {
            match i {
                Input::Tick { ms } => pending_tick += ms,
                other => {
                    if pending_tick > 0 {
                        inputs.push(serde_json::json!({"input": "tick", "ms": pending_tick}));
                        pending_tick = 0;
                    }
                    let mut v = input_json(other);
                    if let serde_json::Value::Object(m) = &mut v {
                        m.insert("at_ms".into(), serde_json::json!(t.as_ms_f64()));
                    }
                    inputs.push(v);
                }
            }
        }
        if pending_tick > 0 {
            inputs.push(serde_json::json!({"input": "tick", "ms": pending_tick}));
        }
        serde_json::json!({"scenario": self.scenario, "seed": self.seed(), "now_ms": self.now_ms(), "inputs": inputs})
            .to_string()
    }

    /// What the reports say, gathered once for both forms. (Built from the
    /// data the views already read, rather than `generate_system_report`,
    /// whose extra analyses would add to the wasm for a download.)
    fn report(&mut self) -> Report {
        let health = self.health();
        Report {
            health,
            findings: self.findings(),
            last: self.samples().last().copied(),
            restarts: self.restarts_total(),
            tree: self.tree(),
            recordings: self.recordings.clone(),
        }
    }

    /// A Markdown report of the system now: health with its reasons,
    /// bottlenecks and alerts, the latest metrics, the supervision tree and
    /// the flow recordings.
    pub fn report_markdown(&mut self) -> String {
        use std::fmt::Write as _;
        let r = self.report();
        let h = &r.health;
        let mut s = String::new();
        let _ = write!(
            s,
            "# otpsim report\n\nScenario `{}`, seed {}, at {:.0} ms of virtual time.\n\n## Health: {}/100 ({})\n\n",
            self.scenario,
            self.seed(),
            self.now_ms(),
            h.score,
            h.status
        );
        for r in &h.reasons {
            let _ = writeln!(s, "- {r}");
        }
        for (title, list) in [("Bottlenecks", &r.findings.bottlenecks), ("Alerts", &r.findings.alerts)] {
            let _ = write!(s, "\n## {title}\n\n");
            if list.is_empty() {
                s.push_str("None found.\n");
            }
            for a in list {
                let _ = writeln!(s, "- **{}**: {}", a.title, a.detail);
            }
        }
        if let Some(m) = r.last {
            let _ = write!(
                s,
                "\n## Metrics\n\n- processes: {}\n- memory: {:.1} KiB\n- messages/s: {:.1}\n- restarts/s: {:.2}\n- run queue: {}\n- restarts in total: {}\n",
                m.processes,
                m.memory_kib,
                m.messages_per_s,
                m.restarts_per_s,
                m.run_queue,
                r.restarts
            );
        }
        if let Some(t) = &r.tree {
            s.push_str("\n## Supervision tree\n\n");
            fn line(n: &TreeNode, depth: usize, s: &mut String) {
                let pid = n.pid.map(|p| p.to_string()).unwrap_or_else(|| "undefined".into());
                let strat = n.strategy.as_deref().map(|x| format!(" [{x}]")).unwrap_or_default();
                let _ = writeln!(
                    s,
                    "{}- {} {pid}{strat} {} (restarts: {})",
                    "  ".repeat(depth),
                    n.id,
                    n.status,
                    n.restarts
                );
                for c in &n.children {
                    line(c, depth + 1, s);
                }
            }
            line(t, 0, &mut s);
        }
        if !r.recordings.is_empty() {
            s.push_str("\n## Recorded flows\n");
            for f in &r.recordings {
                let _ = write!(s, "\n### {}\n\n", f.title);
                let name = |p: Pid| f.label(p).map(str::to_string).unwrap_or(p.to_string());
                for h in f.hops.iter().take(50) {
                    let from = h.from.map(name).unwrap_or_else(|| "outside".into());
                    let _ = writeln!(s, "- {:.3} ms: {from} → {}: `{}`", h.at_ms, name(h.to), h.msg);
                }
                if f.hops.len() > 50 {
                    let _ = writeln!(s, "- … and {} more", f.hops.len() - 50);
                }
            }
        }
        s
    }

    /// The same report as JSON, for tools: every flow recording whole.
    pub fn report_json(&mut self) -> String {
        use serde_json::{json, Value};
        let r = self.report();
        fn node(n: &TreeNode) -> Value {
            json!({
                "id": n.id, "pid": n.pid.map(|p| p.to_string()), "name": n.name, "supervisor": n.supervisor,
                "status": n.status, "strategy": n.strategy, "restarts": n.restarts,
                "total_restarts": n.total_restarts, "paused": n.paused, "message_queue_len": n.queue_len,
                "memory_words": n.memory_words, "children": n.children.iter().map(node).collect::<Vec<_>>(),
            })
        }
        let alerts = |l: &[Alert]| l.iter().map(|a| json!({"title": a.title, "detail": a.detail})).collect::<Vec<_>>();
        let flows: Vec<Value> = r
            .recordings
            .iter()
            .map(|f| {
                let name = |p: Pid| f.label(p);
                json!({
                    "title": f.title, "traced": f.traced, "from_ms": f.from_ms, "to_ms": f.to_ms,
                    "truncated": f.truncated,
                    "messages": f.hops.iter().map(|h| json!({
                        "seq": h.seq, "at_ms": h.at_ms, "from": h.from.map(|p| p.to_string()),
                        "from_name": h.from.and_then(name), "to": h.to.to_string(), "to_name": name(h.to),
                        "message": h.msg,
                    })).collect::<Vec<_>>(),
                })
            })
            .collect();
        json!({
            "scenario": self.scenario, "seed": self.seed(), "now_ms": self.now_ms(),
            "health": {"score": r.health.score, "status": r.health.status, "reasons": r.health.reasons},
            "bottlenecks": alerts(&r.findings.bottlenecks),
            "alerts": alerts(&r.findings.alerts),
            "metrics": r.last.map(|m| json!({
                "processes": m.processes, "memory_kib": m.memory_kib, "messages_per_s": m.messages_per_s,
                "restarts_per_s": m.restarts_per_s, "run_queue": m.run_queue, "restarts_total": r.restarts,
            })),
            "supervision_tree": r.tree.as_ref().map(node),
            "flows": flows,
        })
        .to_string()
    }

    /// The event-stream hash (with hashing on).
    pub fn event_hash(&self) -> u64 {
        self.sys.event_hash()
    }
}

/// The contents of a report, in either form.
struct Report {
    health: Health,
    findings: Findings,
    last: Option<Sample>,
    restarts: u64,
    tree: Option<TreeNode>,
    recordings: Vec<Rc<FlowRecording>>,
}

/// One line of the inspector's trace tab.
fn describe_event(e: &Event) -> String {
    let what = match &e.kind {
        EventKind::Spawn { pid, initial_call, .. } => format!("spawn {pid} {initial_call}"),
        EventKind::Exit { pid, reason } => format!("exit {pid} {reason}"),
        EventKind::Link { a, b } => format!("link {a} {b}"),
        EventKind::Unlink { a, b } => format!("unlink {a} {b}"),
        EventKind::Monitor { watcher, target, .. } => format!("monitor {watcher} → {target}"),
        EventKind::Demonitor { watcher, target, .. } => format!("demonitor {watcher} → {target}"),
        EventKind::ExitSignal { from, to, reason, .. } => format!("exit signal {from} → {to} {reason}"),
        EventKind::Send { from, to, msg, .. } => {
            format!("send {} → {to} {}", from.map(|p| p.to_string()).unwrap_or_else(|| "outside".into()), short(msg))
        }
        EventKind::Receive { pid, msg, .. } => format!("receive {pid} {}", short(msg)),
        EventKind::Register { pid, name } => format!("register {pid} as {}", name.name()),
        EventKind::Unregister { pid, name } => format!("unregister {pid} {}", name.name()),
        EventKind::Suspend { pid } => format!("suspend {pid}"),
        EventKind::Resume { pid } => format!("resume {pid}"),
        EventKind::TrapExit { pid, on } => format!("trap_exit {pid} {on}"),
        EventKind::Callback { pid, callback, reductions, .. } => {
            format!("{} {pid} ({reductions} reductions)", callback.name())
        }
        EventKind::Restart { child, old, new, reason, .. } => format!(
            "restart {child} {} → {} ({reason})",
            old.map(|p| p.to_string()).unwrap_or_default(),
            new.map(|p| p.to_string()).unwrap_or_else(|| "failed".into())
        ),
        EventKind::ChildStarted { child, pid, .. } => format!("child started {child} {pid}"),
        EventKind::ChildTerminated { child, pid, reason, .. } => format!("child terminated {child} {pid} ({reason})"),
        EventKind::MaxIntensity { sup, restarts, .. } => {
            format!("max intensity reached by {sup} ({restarts} restarts)")
        }
        EventKind::ProbeHit { pid, msg, action, .. } => format!("probe on {pid}: {} ({action})", short(msg)),
        EventKind::Command { text } => format!("command {text}"),
        EventKind::Log { text, .. } => format!("log {text}"),
    };
    format!("{:>10.1} ms  #{:<6} {what}", e.at.as_ms_f64(), e.seq)
}

/// `s` cut to `n` characters, with an ellipsis when cut.
pub fn short_str(s: &str, n: usize) -> String {
    if s.chars().count() > n {
        let t: String = s.chars().take(n.saturating_sub(1)).collect();
        format!("{t}…")
    } else {
        s.to_string()
    }
}

fn short(t: &Term) -> String {
    let s = t.to_string();
    if s.chars().count() > 80 {
        let cut: String = s.chars().take(77).collect();
        format!("{cut}…")
    } else {
        s
    }
}

/// An input of the recording as JSON, terms in Elixir syntax. (Written by
/// hand rather than with the inputs' serde form, whose serializers would add
/// to the wasm for one download.)
fn input_json(i: &Input) -> serde_json::Value {
    use crate::runtime::Command;
    use serde_json::json;
    match i {
        Input::Tick { ms } => json!({"input": "tick", "ms": ms}),
        Input::Chaos { rate_per_s } => json!({"input": "chaos", "rate_per_s": rate_per_s}),
        Input::Command { command } => match command {
            Command::Send { to, msg } => json!({"input": "send", "to": to.short(), "msg": msg.to_string()}),
            Command::SendTraced { to, msg, token } => {
                json!({"input": "send_traced", "to": to.short(), "msg": msg.to_string(), "token": token})
            }
            Command::Exit { pid, reason } => json!({"input": "exit", "pid": pid.short(), "reason": reason.to_string()}),
            Command::Suspend { pid } => json!({"input": "suspend", "pid": pid.short()}),
            Command::Resume { pid } => json!({"input": "resume", "pid": pid.short()}),
            Command::Trace { pid, kinds } => json!({"input": "trace", "pid": pid.short(), "kinds": kinds}),
        },
        Input::Supervisor { sup, op } => {
            let (name, arg) = match op {
                SupOp::Pause => ("pause", String::new()),
                SupOp::Resume => ("resume", String::new()),
                SupOp::SetStrategy { strategy, window_s } => {
                    ("set_strategy", format!("{} {window_s}", strategy.name()))
                }
                SupOp::TerminateChild { id } => ("terminate_child", id.clone()),
                SupOp::RestartChild { id } => ("restart_child", id.clone()),
                SupOp::StartChild { spec } => ("start_child", spec.id.clone()),
                SupOp::StartDynamicChild { .. } => ("start_dynamic_child", String::new()),
            };
            json!({"input": "supervisor", "sup": sup.short(), "op": name, "arg": arg})
        }
        Input::InstallProbe { pid, .. } => json!({"input": "install_probe", "pid": pid.short()}),
        Input::RemoveProbe { pid, id } => json!({"input": "remove_probe", "pid": pid.short(), "id": id}),
        Input::Call { to, timeout_ms, .. } => json!({"input": "call", "to": to.short(), "timeout_ms": timeout_ms}),
    }
}

/// The determinism probe: runs a built-in scenario for `ms` of virtual time
/// with every event hashed, killing one worker halfway, and returns the
/// hash of the event stream. Equal natively and in wasm.
pub fn event_stream_hash(scenario: &str, seed: u64, ms: u64) -> Result<u64, String> {
    let mut sim = Sim::build(scenario, seed, true)?;
    sim.advance(ms / 2);
    if let Some(t) = sim.tree() {
        if let Some(p) = first_worker(&t) {
            sim.kill(p, ":kill")?;
        }
    }
    sim.advance(ms - ms / 2);
    Ok(sim.event_hash())
}

fn first_worker(n: &TreeNode) -> Option<Pid> {
    if !n.supervisor {
        return n.pid;
    }
    n.children.iter().find_map(first_worker)
}

/// The hash [`event_stream_hash`]`("demo", 42, 3000)` gives, checked by a
/// native test and by the wasm test in headless Chromium.
pub const DEMO_HASH_SEED42_3000MS: u64 = 0x8acd_745e_75f7_8a42;

#[cfg(test)]
mod tests {
    use super::*;

    fn pid_of(sim: &Sim, id: &str) -> Pid {
        sim.tree().unwrap().find_id(id).and_then(|n| n.pid).unwrap()
    }

    #[test]
    fn every_builtin_scenario_starts() {
        for (name, _) in SCENARIOS {
            let mut sim = Sim::new(name, 1).unwrap();
            sim.advance(1000);
            let t = sim.tree().unwrap();
            assert!(t.count() > 3, "{name}: {}", t.count());
        }
    }

    #[test]
    fn large_has_a_thousand_workers() {
        let mut sim = Sim::new("large", 1).unwrap();
        sim.advance(500);
        let t = sim.tree().unwrap();
        assert_eq!(t.count(), 1 + 10 + 1000);
    }

    #[test]
    fn a_killed_worker_is_restarted_with_a_new_pid() {
        let mut sim = Sim::new("demo", 7).unwrap();
        sim.advance(500);
        let old = pid_of(&sim, "cache");
        sim.kill(old, ":kill").unwrap();
        sim.advance(100);
        let t = sim.tree().unwrap();
        let c = t.find_id("cache").unwrap();
        assert_ne!(c.pid, Some(old));
        assert!(c.pid.is_some());
        assert_eq!(c.restarts, 1);
    }

    #[test]
    fn sending_changes_state_and_bad_input_is_an_error() {
        let mut sim = Sim::new("demo", 7).unwrap();
        let p = pid_of(&sim, "team_red");
        sim.send_text(p, "{:set, 4242}").unwrap();
        sim.advance(50);
        let d = sim.details(p).unwrap();
        assert!(d.state.unwrap().contains("4242"));
        let e = sim.send_text(p, "{:set, ").unwrap_err();
        assert!(e.contains("1:"), "{e}");
        assert!(sim.send_text(Pid(99999), ":x").is_err());
        assert!(sim.kill(p, "{").is_err());
    }

    #[test]
    fn suspend_and_resume() {
        let mut sim = Sim::new("demo", 7).unwrap();
        let p = pid_of(&sim, "team_green");
        sim.suspend(p).unwrap();
        assert_eq!(sim.tree().unwrap().find(p).unwrap().status, "suspended");
        sim.resume(p).unwrap();
        assert_ne!(sim.tree().unwrap().find(p).unwrap().status, "suspended");
        assert!(sim.resume(p).is_err());
    }

    #[test]
    fn strategy_change_and_supervisor_calls() {
        let mut sim = Sim::new("demo", 7).unwrap();
        let events = pid_of(&sim, "events");
        sim.set_strategy(events, "one_for_one").unwrap();
        assert_eq!(sim.tree().unwrap().find_id("events").unwrap().strategy.as_deref(), Some("one_for_one"));
        let teams = pid_of(&sim, "teams");
        sim.terminate_child(teams, "team_red").unwrap();
        assert_eq!(sim.tree().unwrap().find_id("team_red").unwrap().pid, None);
        sim.restart_child(teams, "team_red").unwrap();
        assert!(sim.tree().unwrap().find_id("team_red").unwrap().pid.is_some());
        assert!(sim.set_strategy(events, "bogus").is_err());
    }

    #[test]
    fn metrics_heatmap_health_flow_and_report() {
        let mut sim = Sim::new("demo", 3).unwrap();
        sim.advance(3000);
        let s = sim.samples();
        assert!(s.len() >= 10, "{}", s.len());
        assert!(s.iter().any(|x| x.messages_per_s > 0.0));
        assert!(sim.heatmap(8).max > 0);
        assert!(sim.health().score > 0);
        let bus = pid_of(&sim, "bus");
        let n = sim.send_traced(bus, "{:publish, \"orders.created\", {:inc, 1}}").unwrap();
        assert!(n >= 2, "{n}");
        // The traced flow is kept as a recording, in send order, with a
        // label for every participant.
        let flows = sim.recordings();
        let f = flows.last().unwrap();
        assert!(f.traced && f.hops.len() >= 2 && f.title.starts_with("Traced {:publish"), "{}", f.title);
        assert!(f.hops.windows(2).all(|w| w[0].seq < w[1].seq));
        assert_eq!(f.hops[0].from, None);
        assert!(f.labels.iter().any(|l| l.1 == "bus"), "{:?}", f.labels);
        let md = sim.report_markdown();
        assert!(
            md.contains("## Health: ") && md.contains("## Bottlenecks") && md.contains("### Traced {:publish"),
            "{md}"
        );
        sim.select(Some(bus));
        sim.advance(500);
        assert!(!sim.details(bus).unwrap().trace.is_empty());
    }

    #[test]
    fn chaos_is_deterministic() {
        let run = || {
            let mut sim = Sim::new("demo", 11).unwrap();
            sim.set_chaos(3.0).unwrap();
            sim.advance(3000);
            (sim.restarts_total(), sim.recording_json())
        };
        let (a, ra) = run();
        let (b, rb) = run();
        assert!(a > 0);
        assert_eq!(a, b);
        assert_eq!(ra, rb);
    }

    #[test]
    fn the_event_stream_hash_is_the_recorded_constant() {
        let h = event_stream_hash("demo", 42, 3000).unwrap();
        assert_eq!(
            h, DEMO_HASH_SEED42_3000MS,
            "update DEMO_HASH_SEED42_3000MS to {h:#x} if the demo changed on purpose"
        );
    }
}

#[cfg(test)]
mod timing {
    #[test]
    #[ignore]
    fn build_time() {
        for name in ["demo", "large"] {
            let t = std::time::Instant::now();
            let mut sim = super::Sim::new(name, 42).unwrap();
            let built = t.elapsed();
            let t = std::time::Instant::now();
            let tree = sim.tree();
            let tree_t = t.elapsed();
            let root = sim.sys.root().unwrap();
            let t = std::time::Instant::now();
            let _ = super::supervisors::get_supervision_tree(&sim.sys, root);
            eprintln!("  get_supervision_tree {:?}", t.elapsed());
            let t = std::time::Instant::now();
            let _ = super::control::list_all_processes(&sim.sys, &super::ListOpts::default());
            eprintln!("  list_all_processes {:?}", t.elapsed());
            let t = std::time::Instant::now();
            let _ = sim.sys.tree();
            eprintln!("  sys.tree {:?}", t.elapsed());
            let t = std::time::Instant::now();
            sim.advance(16);
            eprintln!(
                "{name}: build {built:?}, tree {tree_t:?} ({} nodes), advance 16ms {:?}",
                tree.map(|t| t.count()).unwrap_or(0),
                t.elapsed()
            );
        }
    }
}

#[cfg(test)]
mod inspector_tests {
    use super::*;

    fn pid_of(sim: &Sim, id: &str) -> Pid {
        sim.tree().and_then(|t| t.find_id(id).and_then(|n| n.pid)).unwrap()
    }

    #[test]
    fn probes_are_added_listed_counted_and_removed() {
        let mut sim = Sim::new("demo", 7).unwrap();
        let p = pid_of(&sim, "team_red");
        assert!(Sim::check_probe("{:inc, n} when n > 10", ProbeAction::Log).is_ok());
        assert!(Sim::check_probe("{:inc, n} when", ProbeAction::Log).is_err());
        assert!(Sim::check_probe(":x", ProbeAction::Delay { ms: 4_000_000 }).is_err());
        assert!(sim.add_probe(p, "{:inc,", ProbeAction::Log).is_err());
        let id = sim.add_probe(p, "{:inc, n} when n > 10", ProbeAction::Count).unwrap();
        sim.send_text(p, "{:inc, 11}").unwrap();
        sim.send_text(p, "{:inc, 1}").unwrap();
        sim.advance(50);
        let d = sim.details(p).unwrap();
        assert_eq!(
            d.probes,
            vec![ProbeView { id, pattern: "{:inc, n} when n > 10".into(), action: "count".into(), hits: 1 }]
        );
        sim.remove_probe(p, id).unwrap();
        assert!(sim.details(p).unwrap().probes.is_empty());
        assert_eq!(probe_action("delay", 5), Ok(ProbeAction::Delay { ms: 5 }));
        assert!(probe_action("explode", 0).is_err());
    }

    #[test]
    fn a_stateful_worker_shows_its_versions_and_rolls_back() {
        let mut sim = Sim::new("demo", 7).unwrap();
        let p = pid_of(&sim, "team_red");
        sim.send_text(p, "{:set, 100}").unwrap();
        sim.send_text(p, "{:set, 200}").unwrap();
        sim.advance(50);
        let v = sim.details(p).unwrap().versions;
        assert!(v.len() >= 2, "{v:?}");
        let last = v.last().unwrap();
        assert!(last.current && last.value == "200", "{v:?}");
        let old = v.iter().find(|x| x.value == "100").unwrap().version;
        sim.rollback(p, old).unwrap();
        sim.advance(50);
        let d = sim.details(p).unwrap();
        assert_eq!(d.versions.last().map(|x| x.value.as_str()), Some("100"));
        assert!(d.state.unwrap().contains("value: 100"));
    }

    #[test]
    fn recording_keeps_the_messages_between_user_processes() {
        let mut sim = Sim::new("demo", 5).unwrap();
        sim.advance(500);
        assert!(sim.stop_recording().is_err());
        sim.start_recording().unwrap();
        assert!(sim.start_recording().is_err(), "one recording at a time");
        sim.advance(400);
        let (so_far, since) = sim.recording_status().unwrap();
        assert!(so_far > 0 && (500.0..501.0).contains(&since), "{so_far} {since}");
        let n = sim.stop_recording().unwrap();
        assert!(sim.recording_status().is_none());
        let r = sim.recordings().last().cloned().unwrap();
        assert_eq!(r.hops.len(), n);
        assert!(!r.traced && r.from_ms == since && (r.to_ms - r.from_ms - 400.0).abs() < 1.0);
        assert!(r.title.starts_with("Recording 1: ") && r.title.contains(" messages over 400 ms"), "{}", r.title);
        // In send order, inside the window, and none from or to the
        // simulator's own shell and application master.
        assert!(r.hops.windows(2).all(|w| w[0].seq < w[1].seq));
        assert!(r.hops.iter().all(|h| h.at_ms >= r.from_ms && h.at_ms <= r.to_ms));
        assert!(r
            .hops
            .iter()
            .all(|h| !sim.sys.is_system_pid(h.to) && !h.from.is_some_and(|f| sim.sys.is_system_pid(f))));
        for h in &r.hops {
            assert!(r.labels.iter().any(|l| l.0 == h.to));
        }
        // GenServer protocol messages are labelled by what they ask.
        let cast = r.hops.iter().find(|h| h.msg.starts_with("{:\"$gen_cast\", ")).unwrap();
        assert_eq!(cast.label, format!("cast {}", &cast.msg[15..cast.msg.len() - 1]));
        let call = r.hops.iter().find(|h| h.msg.starts_with("{:\"$gen_call\", ")).unwrap();
        assert!(call.label.starts_with("call ") && !call.label.contains("#Reference"), "{}", call.label);
    }

    #[test]
    fn recordings_are_bounded() {
        let mut sim = Sim::new("large", 1).unwrap();
        sim.start_recording().unwrap();
        sim.advance(60_000);
        let n = sim.stop_recording().unwrap();
        assert_eq!(n, RECORDING_MAX_HOPS);
        assert!(sim.recordings()[0].truncated && sim.recordings()[0].title.ends_with("(cut off)"));
        for _ in 0..RECORDINGS_KEPT + 2 {
            sim.start_recording().unwrap();
            sim.advance(10);
            sim.stop_recording().unwrap();
        }
        let kept = sim.recordings();
        assert_eq!(kept.len(), RECORDINGS_KEPT);
        assert_eq!(kept.last().unwrap().id, RECORDINGS_KEPT as u64 + 3, "numbered on, the oldest dropped");
    }

    #[test]
    fn moving_messages_are_the_sends_since_the_last_look() {
        let mut sim = Sim::new("demo", 9).unwrap();
        sim.advance(300);
        let first = sim.take_moving();
        assert!(!first.is_empty() && first.len() <= MOVING_KEPT);
        assert!(sim.take_moving().is_empty(), "taken once");
        sim.advance(50);
        let next = sim.take_moving();
        assert!(next.iter().all(|m| m.seq > first.last().unwrap().seq && m.at_ms > 300.0));
        let p = pid_of(&sim, "team_red");
        sim.send_text(p, "{:inc, 1}").unwrap();
        sim.advance(1);
        assert!(sim.take_moving().iter().any(|m| m.from.is_none() && m.to == p), "a message from outside moves too");
    }

    #[test]
    fn the_json_report_has_every_section() {
        let mut sim = Sim::new("demo", 3).unwrap();
        sim.advance(1500);
        let bus = pid_of(&sim, "bus");
        sim.send_traced(bus, "{:publish, \"orders.created\", {:inc, 1}}").unwrap();
        let v: serde_json::Value = serde_json::from_str(&sim.report_json()).unwrap();
        assert_eq!(v["scenario"], "demo");
        assert_eq!(v["seed"], 3);
        assert!(v["health"]["score"].as_u64().unwrap() <= 100);
        assert!(v["bottlenecks"].is_array() && v["alerts"].is_array());
        assert!(v["metrics"]["processes"].as_u64().unwrap() > 20);
        assert_eq!(v["supervision_tree"]["supervisor"], true);
        assert!(!v["supervision_tree"]["children"].as_array().unwrap().is_empty());
        let flow = &v["flows"][0];
        assert_eq!(flow["traced"], true);
        assert_eq!(flow["messages"][0]["to_name"], "bus");
        assert_eq!(flow["messages"][0]["from"], serde_json::Value::Null);
    }

    #[test]
    fn findings_report_a_growing_queue() {
        let mut sim = Sim::new("demo", 7).unwrap();
        sim.advance(2000);
        let quiet = sim.findings();
        assert!(!quiet.bottlenecks.iter().any(|a| a.title.starts_with("Growing queue")), "{quiet:?}");
        // A suspended worker that keeps receiving has a growing queue.
        let p = pid_of(&sim, "team_red");
        sim.select(Some(p));
        sim.suspend(p).unwrap();
        for i in 0..40 {
            sim.send_text(p, "{:inc, 1}").unwrap();
            sim.advance(100 + i % 2);
        }
        let f = sim.findings();
        assert!(f.bottlenecks.iter().any(|a| a.title.starts_with("Growing queue")), "{f:?}");
        assert_eq!(f.hot, vec![p], "the tree highlights it");
    }
}
