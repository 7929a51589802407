//! The Control API: `OTPSupervisor.Core.Control` from the brief, one Rust
//! function per brief function with the same name, each over a live
//! [`System`], returning plain serde data or a typed [`ControlError`].
//!
//! This module holds the errors and the discovery, introspection and
//! manipulation functions; [`supervisors`], [`analysis`] and [`flow`] hold
//! the rest, and [`probe`] the probe language of `inject_debug_code`.

pub mod analysis;
pub mod flow;
pub mod probe;
pub mod soak;
pub mod supervisors;

pub use analysis::{
    analyze_system_health, blocked_on, build_relationship_graph, detect_bottlenecks, find_process_dependencies,
    generate_system_report, generate_system_report_with, profile_process, trace_failure_impact, Bottlenecks, CallChain,
    CallbackProfile, ContendedServer, Dependencies, DependencyEdge, FailureImpact, Finding, GraphEdge, GraphNode,
    GrowingQueue, ImpactEntry, ImpactRestart, Penalty, Profile, RelationshipGraph, ReportExtras, ReportFlow,
    ReportMessage, ReportTreeNode, SystemHealth, SystemReport, GROWTH_THRESHOLD_PER_S, HEALTH_FORMULA,
    HIGH_MEMORY_WORDS, HIGH_QUEUE, MARKDOWN_FLOW_MESSAGES,
};
pub use flow::{analyze_message_patterns, trace_message_flow, FlowNode, FlowPattern, MessageFlow, MessagePatterns};
pub use supervisors::{
    benchmark_supervision_tree, change_supervision_strategy, get_supervision_tree, get_supervisor,
    get_supervisor_analytics, list_supervisors, pause_supervision, restarts_in_period, resume_supervision,
    simulate_failure, start_child, ChildBenchmark, ChildCrashes, ChildUptime, FailureReport, ResourceTrend,
    RestartBucket, RestartBudget, StrategyChange, SupTreeNode, SupervisorAnalytics, SupervisorDetails,
    SupervisorSummary, SystemFigures, TreeBenchmark, MAX_BENCHMARK_CHILDREN,
};

pub use crate::system::ControlError;
pub use crate::term::clip;

use crate::runtime::{Command, EventKind, KindMask};
use crate::system::{event_json, Input, System};
use crate::term::{Pid, Term};
use probe::{ProbeInfo, ProbeSpec};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// The longest rendering of one message or dictionary entry in answers.
pub const CLIP_CHARS: usize = 4096;

/// Parses an Elixir term typed by a user.
pub fn parse_term(s: &str) -> Result<Term, ControlError> {
    crate::term::parse(s).map_err(ControlError::from)
}

fn alive(sys: &System, pid: Pid) -> Result<(), ControlError> {
    if sys.runtime().is_alive(pid) {
        Ok(())
    } else {
        Err(ControlError::NoProc { pid: pid.short() })
    }
}

// === Process discovery ========================================================

/// How to sort a process list.
#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SortKey {
    #[default]
    Pid,
    Memory,
    Queue,
    Reductions,
    Name,
}

impl SortKey {
    pub fn parse(s: &str) -> Option<SortKey> {
        Some(match s {
            "pid" => SortKey::Pid,
            "memory" => SortKey::Memory,
            "queue" | "message_queue_len" => SortKey::Queue,
            "reductions" => SortKey::Reductions,
            "name" => SortKey::Name,
            _ => return None,
        })
    }
}

/// Options of [`list_all_processes`].
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct ListOpts {
    /// A name pattern: `*` matches any run of characters; without `*`, a
    /// substring. Matches the registered name or the tree path.
    pub name: Option<String>,
    /// The behaviour or callback module (`supervisor`, `Otpsim.GenericWorker`).
    pub module: Option<String>,
    pub min_memory_words: Option<usize>,
    pub min_queue_len: Option<usize>,
    pub sort: SortKey,
    /// Largest first (the default for memory, queue and reductions).
    pub descending: Option<bool>,
    pub limit: Option<usize>,
    pub offset: usize,
    /// Include the shell and the application master.
    pub include_system: bool,
}

/// One row of a process list.
#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct ProcessSummary {
    pub pid: Pid,
    pub name: Option<String>,
    pub path: Option<String>,
    pub module: Option<String>,
    pub status: &'static str,
    pub message_queue_len: usize,
    pub memory_words: usize,
    pub reductions: u64,
    pub supervisor: bool,
    pub gen_server: bool,
    pub current_function: Option<String>,
}

/// The answer of [`list_all_processes`].
#[derive(Clone, Debug, Serialize)]
pub struct ProcessList {
    /// Live processes considered (before filters).
    pub total: usize,
    /// Processes that passed the filters (before limit/offset).
    pub matched: usize,
    pub offset: usize,
    pub processes: Vec<ProcessSummary>,
}

/// `*`-glob or substring match.
fn name_matches(pat: &str, s: &str) -> bool {
    if !pat.contains('*') {
        return s.contains(pat);
    }
    let parts: Vec<&str> = pat.split('*').collect();
    let mut rest = s;
    for (i, part) in parts.iter().enumerate() {
        if part.is_empty() {
            continue;
        }
        if i == 0 {
            if !rest.starts_with(part) {
                return false;
            }
            rest = &rest[part.len()..];
        } else if i == parts.len() - 1 {
            return rest.ends_with(part);
        } else {
            match rest.find(part) {
                Some(j) => rest = &rest[j + part.len()..],
                None => return false,
            }
        }
    }
    true
}

fn module_matches(want: &str, have: Option<&str>, initial: Option<&str>) -> bool {
    let norm = |s: &str| s.strip_prefix("Elixir.").unwrap_or(s).to_string();
    let w = norm(want);
    have.is_some_and(|m| norm(m) == w) || initial.is_some_and(|i| norm(i.split(':').next().unwrap_or("")) == w)
}

fn summary(p: &crate::runtime::Proc, path: Option<String>) -> ProcessSummary {
    let e = p.extra();
    ProcessSummary {
        pid: p.pid,
        name: p.name().map(|a| a.name().to_string()),
        path,
        module: e.and_then(|e| e.module.as_ref().map(|m| m.to_string())),
        status: crate::runtime::status_name(p),
        message_queue_len: p.mailbox.len(),
        memory_words: crate::runtime::memory_words(p),
        reductions: p.reductions,
        supervisor: e.is_some_and(|e| e.supervisor),
        gen_server: e.is_some_and(|e| e.gen_server),
        current_function: e.and_then(|e| e.current_function.as_ref().map(|f| f.to_string())),
    }
}

/// Every pid's tree path.
pub fn path_map(sys: &System) -> crate::util::VecMap<Pid, String> {
    let mut map = crate::util::VecMap::new();
    map.extend(sys.tree().into_iter().filter_map(|e| e.pid.map(|p| (p, e.path))));
    map
}

/// `list_all_processes/1`: every live process with key metrics, filtered,
/// sorted and paged.
pub fn list_all_processes(sys: &System, opts: &ListOpts) -> ProcessList {
    let paths = path_map(sys);
    let mut total = 0;
    let mut rows = Vec::new();
    sys.runtime().for_each_proc(|p| {
        if !opts.include_system && sys.is_system_pid(p.pid) {
            return;
        }
        total += 1;
        if let Some(q) = opts.min_queue_len {
            if p.mailbox.len() < q {
                return;
            }
        }
        if let Some(m) = &opts.module {
            let e = p.extra();
            if !module_matches(m, e.and_then(|e| e.module.as_deref()), e.and_then(|e| e.initial_call.as_deref())) {
                return;
            }
        }
        let path = paths.get(&p.pid).cloned();
        if let Some(n) = &opts.name {
            let name = p.name().map(|a| a.name().to_string());
            let hit = name.as_deref().is_some_and(|s| name_matches(n, s))
                || path.as_deref().is_some_and(|s| name_matches(n, s));
            if !hit {
                return;
            }
        }
        if let Some(m) = opts.min_memory_words {
            if crate::runtime::memory_words(p) < m {
                return;
            }
        }
        rows.push(summary(p, path));
    });
    let desc = opts.descending.unwrap_or(matches!(opts.sort, SortKey::Memory | SortKey::Queue | SortKey::Reductions));
    // One sort call with the key chosen inside the comparison: each sort
    // call site is its own copy of the sort in the wasm, five of them cost
    // several KiB there.
    let key = opts.sort;
    crate::util::sort_by(&mut rows, |a, b| {
        let by = |x: usize, y: usize| x.cmp(&y).then(b.pid.cmp(&a.pid));
        match key {
            SortKey::Pid => a.pid.cmp(&b.pid),
            SortKey::Memory => by(a.memory_words, b.memory_words),
            SortKey::Queue => by(a.message_queue_len, b.message_queue_len),
            SortKey::Reductions => {
                (a.reductions, std::cmp::Reverse(a.pid)).cmp(&(b.reductions, std::cmp::Reverse(b.pid)))
            }
            SortKey::Name => (a.name.is_none(), &a.name, a.pid).cmp(&(b.name.is_none(), &b.name, b.pid)),
        }
    });
    if desc {
        rows.reverse();
    }
    let matched = rows.len();
    let limit = opts.limit.unwrap_or(usize::MAX);
    let processes: Vec<ProcessSummary> = rows.into_iter().skip(opts.offset).take(limit).collect();
    ProcessList { total, matched, offset: opts.offset, processes }
}

/// `find_processes_by_module/1`: processes running this module's code.
pub fn find_processes_by_module(sys: &System, module: &str) -> Vec<ProcessSummary> {
    list_all_processes(sys, &ListOpts { module: Some(module.to_string()), ..Default::default() }).processes
}

/// A node of the process hierarchy.
#[derive(Clone, Debug, Serialize)]
pub struct HierarchyNode {
    pub pid: Pid,
    pub name: Option<String>,
    pub path: Option<String>,
    pub module: Option<String>,
    pub supervisor: bool,
    /// A supervisor has it as a child.
    pub supervised: bool,
    /// One of the processes that act for the outside world.
    pub system: bool,
    pub warning: Option<String>,
    pub children: Vec<HierarchyNode>,
}

/// The answer of [`get_process_hierarchy`].
#[derive(Clone, Debug, Serialize)]
pub struct Hierarchy {
    pub roots: Vec<HierarchyNode>,
    pub process_count: usize,
    /// Processes no supervisor will restart (outside the system's own).
    pub unsupervised: Vec<Pid>,
}

/// `get_process_hierarchy/0`: every live process under its parent (the
/// process that spawned it), supervised or not; unsupervised ones carry a
/// warning.
pub fn get_process_hierarchy(sys: &System) -> Hierarchy {
    let paths = path_map(sys);
    let mut kids: BTreeMap<Option<Pid>, Vec<Pid>> = BTreeMap::new();
    let mut rows: BTreeMap<Pid, ProcessSummary> = BTreeMap::new();
    let mut parent_of: BTreeMap<Pid, Option<Pid>> = BTreeMap::new();
    sys.runtime().for_each_proc(|p| {
        rows.insert(p.pid, summary(p, paths.get(&p.pid).cloned()));
        parent_of.insert(p.pid, p.parent());
    });
    for (pid, parent) in &parent_of {
        let live_parent = parent.filter(|pp| rows.contains_key(pp));
        kids.entry(live_parent).or_default().push(*pid);
    }
    let mut unsupervised = Vec::new();
    fn build(
        sys: &System,
        pid: Pid,
        rows: &BTreeMap<Pid, ProcessSummary>,
        kids: &BTreeMap<Option<Pid>, Vec<Pid>>,
        parent_of: &BTreeMap<Pid, Option<Pid>>,
        unsup: &mut Vec<Pid>,
        depth: usize,
    ) -> Option<HierarchyNode> {
        let r = rows.get(&pid)?;
        let system = sys.is_system_pid(pid);
        let supervised = r.path.is_some();
        let warning = if system || supervised {
            None
        } else {
            unsup.push(pid);
            Some(match parent_of.get(&pid).copied().flatten() {
                Some(pp) if rows.contains_key(&pp) => format!(
                    "not supervised: spawned by {} outside any supervisor's children; if it crashes nobody restarts it",
                    pp.short()
                ),
                Some(pp) => format!("orphan: its parent {} is dead and no supervisor restarts it", pp.short()),
                None => "not supervised: a top-level process nobody restarts".to_string(),
            })
        };
        let children = if depth < 256 {
            kids.get(&Some(pid))
                .map(|v| v.iter().filter_map(|c| build(sys, *c, rows, kids, parent_of, unsup, depth + 1)).collect())
                .unwrap_or_default()
        } else {
            Vec::new()
        };
        Some(HierarchyNode {
            pid,
            name: r.name.clone(),
            path: r.path.clone(),
            module: r.module.clone(),
            supervisor: r.supervisor,
            supervised,
            system,
            warning,
            children,
        })
    }
    let roots: Vec<HierarchyNode> = kids
        .get(&None)
        .map(|v| v.iter().filter_map(|p| build(sys, *p, &rows, &kids, &parent_of, &mut unsupervised, 0)).collect())
        .unwrap_or_default();
    crate::util::sort(&mut unsupervised);
    Hierarchy { roots, process_count: rows.len(), unsupervised }
}

// === Deep process introspection ===============================================

/// The fields [`get_process_details`] can return.
pub const DETAIL_FIELDS: [&str; 24] = [
    "pid",
    "registered_name",
    "path",
    "status",
    "message_queue_len",
    "messages",
    "links",
    "monitors",
    "monitored_by",
    "trap_exit",
    "dictionary",
    "current_function",
    "initial_call",
    "module",
    "parent",
    "ancestors",
    "reductions",
    "memory",
    "messages_in",
    "messages_out",
    "spawned_at_ms",
    "gen_server",
    "supervisor",
    "tracing",
];

/// `get_process_details/2`: the selected fields of `process_info` (all of
/// them with `None`), computed only when asked for. Terms are in Elixir
/// syntax; memory is in words and bytes.
pub fn get_process_details(
    sys: &System,
    pid: Pid,
    fields: Option<&[String]>,
) -> Result<serde_json::Value, ControlError> {
    let wanted: Vec<&str> = match fields {
        None => DETAIL_FIELDS.to_vec(),
        Some(fs) => {
            let mut v = Vec::new();
            for f in fs {
                match DETAIL_FIELDS.iter().find(|d| **d == f.as_str()) {
                    Some(d) => v.push(*d),
                    None => {
                        return Err(ControlError::BadRequest {
                            message: format!("unknown field {f:?}; fields are {}", DETAIL_FIELDS.join(", ")),
                        })
                    }
                }
            }
            v
        }
    };
    let path = if wanted.contains(&"path") { sys.pid_path(pid) } else { None };
    let tracing = sys.runtime().kernel_ref().bus.trace_flags(pid).0 != 0;
    let out = sys.runtime().with_proc(pid, |p| {
        let e = p.extra();
        let mut m = serde_json::Map::new();
        let pids = |v: Vec<Pid>| serde_json::json!(v.iter().map(|p| p.short()).collect::<Vec<_>>());
        for f in &wanted {
            let v = match *f {
                "pid" => serde_json::json!(pid.short()),
                "registered_name" => serde_json::json!(p.name().map(|a| a.name().to_string())),
                "path" => serde_json::json!(path),
                "status" => serde_json::json!(crate::runtime::status_name(p)),
                "message_queue_len" => serde_json::json!(p.mailbox.len()),
                "messages" => {
                    serde_json::json!(p
                        .mailbox
                        .iter()
                        .take(1000)
                        .map(|m| clip(&m.term, CLIP_CHARS))
                        .collect::<Vec<_>>())
                }
                "links" => pids(p.links.iter().copied().collect()),
                "monitors" => pids(p.monitors.iter().map(|m| m.other).collect()),
                "monitored_by" => pids(p.monitored_by.iter().map(|m| m.other).collect()),
                "trap_exit" => serde_json::json!(p.trap_exit),
                "dictionary" => serde_json::json!(e
                    .map(|e| e
                        .dictionary
                        .iter()
                        .map(|(k, v)| [clip(k, CLIP_CHARS), clip(v, CLIP_CHARS)])
                        .collect::<Vec<_>>())
                    .unwrap_or_default()),
                "current_function" => {
                    serde_json::json!(e.and_then(|e| e.current_function.as_ref().map(|s| s.to_string())))
                }
                "initial_call" => serde_json::json!(e.and_then(|e| e.initial_call.as_ref().map(|s| s.to_string()))),
                "module" => {
                    serde_json::json!(e.and_then(|e| e.module.as_ref().map(|s| s.to_string())))
                }
                "parent" => serde_json::json!(p.parent().map(|p| p.short())),
                "ancestors" => pids(e.map(|e| e.ancestors.clone()).unwrap_or_default()),
                "reductions" => serde_json::json!(p.reductions),
                "memory" => {
                    let w = crate::runtime::memory_words(p);
                    serde_json::json!({"words": w, "bytes": w * 8})
                }
                "messages_in" => serde_json::json!(p.msgs_in),
                "messages_out" => serde_json::json!(p.msgs_out),
                "spawned_at_ms" => serde_json::json!(e.map(|e| e.spawned_at.as_ms_f64())),
                "gen_server" => serde_json::json!(e.is_some_and(|e| e.gen_server)),
                "supervisor" => serde_json::json!(e.is_some_and(|e| e.supervisor)),
                "tracing" => serde_json::json!(tracing),
                _ => serde_json::Value::Null,
            };
            m.insert(f.to_string(), v);
        }
        serde_json::Value::Object(m)
    });
    out.ok_or(ControlError::NoProc { pid: pid.short() })
}

/// A GenServer's state.
#[derive(Clone, Debug, Serialize)]
pub struct GenServerState {
    pub pid: Pid,
    pub module: Option<String>,
    /// The state in Elixir syntax.
    pub state: String,
    /// The state as plain JSON.
    pub json: serde_json::Value,
    /// Suspended with `:sys.suspend`.
    pub sys_suspended: bool,
}

/// `get_genserver_state/1`: `{:ok, state}` as `Ok`, `{:error,
/// :not_genserver}` as [`ControlError::NotGenServer`], and a server busy in
/// a callback (or blocked in a call) as [`ControlError::Timeout`], as
/// `:sys.get_state` would time out.
pub fn get_genserver_state(sys: &System, pid: Pid) -> Result<GenServerState, ControlError> {
    alive(sys, pid)?;
    let Some(i) = sys.runtime().introspect(pid) else {
        return Err(ControlError::NotGenServer { pid: pid.short() });
    };
    let module =
        sys.runtime().with_proc(pid, |p| p.extra().and_then(|e| e.module.as_ref().map(|m| m.to_string()))).flatten();
    match i.state() {
        Ok(s) => Ok(GenServerState {
            pid,
            module,
            state: s.to_string(),
            json: s.to_plain_json(),
            sys_suspended: i.sys_suspended(),
        }),
        Err(reason) => Err(ControlError::Timeout {
            what: format!(
                "{} did not answer :sys.get_state ({reason}): it is busy in a callback or blocked",
                pid.short()
            ),
        }),
    }
}

/// Turns tracing on or off for a process (a logged input): with it on, its
/// messages, callbacks and states go to the recorder for
/// [`get_process_history`].
pub fn set_tracing(sys: &mut System, pid: Pid, on: bool) -> Result<(), ControlError> {
    alive(sys, pid)?;
    let kinds = if on { KindMask::ALL.0 } else { 0 };
    sys.apply(Input::Command { command: Command::Trace { pid, kinds } }).map(|_| ())
}

/// A process's recorded history.
#[derive(Clone, Debug, Serialize)]
pub struct ProcessHistory {
    pub pid: Pid,
    /// States after each callback, oldest first.
    pub states: Vec<HistoryState>,
    /// Messages sent to it and by it.
    pub messages: Vec<HistoryMessage>,
    pub callbacks: Vec<HistoryCallback>,
    /// Every recorded event about the process (readable JSON).
    pub events: Vec<serde_json::Value>,
    /// Events pushed out of the bounded recorder so far (all processes).
    pub evicted: u64,
    pub recorder_capacity: usize,
}

#[derive(Clone, Debug, Serialize)]
pub struct HistoryState {
    pub at_ms: f64,
    pub callback: String,
    pub state: String,
}

#[derive(Clone, Debug, Serialize)]
pub struct HistoryMessage {
    pub at_ms: f64,
    /// `in` (delivered to it), `out` (sent by it) or `received` (taken out
    /// of its mailbox).
    pub direction: &'static str,
    pub peer: Option<Pid>,
    pub message: String,
}

#[derive(Clone, Debug, Serialize)]
pub struct HistoryCallback {
    pub at_ms: f64,
    pub callback: String,
    pub reductions: u64,
    pub took_ms: f64,
}

/// `get_process_history/1`: past states, messages and callback calls from
/// the bounded recorder, when tracing is on for the process.
pub fn get_process_history(sys: &System, pid: Pid) -> Result<ProcessHistory, ControlError> {
    let k = sys.runtime().kernel_ref();
    if k.bus.trace_flags(pid).0 == 0 {
        drop(k);
        if !sys.runtime().is_alive(pid) {
            return Err(ControlError::NoProc { pid: pid.short() });
        }
        return Err(ControlError::TracingOff { pid: pid.short() });
    }
    let Some(rec) = k.bus.recorder() else {
        return Err(ControlError::TracingOff { pid: pid.short() });
    };
    let mut h = ProcessHistory {
        pid,
        states: vec![],
        messages: vec![],
        callbacks: vec![],
        events: vec![],
        evicted: rec.evicted,
        recorder_capacity: rec.capacity(),
    };
    for ev in rec.events() {
        if !ev.kind.pids().contains(&Some(pid)) {
            continue;
        }
        let at_ms = ev.at.as_ms_f64();
        match &ev.kind {
            EventKind::Callback { callback, reductions, took, state, .. } => {
                if let Some(s) = state {
                    h.states.push(HistoryState { at_ms, callback: callback.name().to_string(), state: s.to_string() });
                }
                h.callbacks.push(HistoryCallback {
                    at_ms,
                    callback: callback.name().to_string(),
                    reductions: *reductions,
                    took_ms: took.as_ms_f64(),
                });
            }
            EventKind::Send { from, to, msg, .. } => {
                if *to == pid {
                    h.messages.push(HistoryMessage {
                        at_ms,
                        direction: "in",
                        peer: *from,
                        message: clip(msg, CLIP_CHARS),
                    });
                }
                if *from == Some(pid) {
                    h.messages.push(HistoryMessage {
                        at_ms,
                        direction: "out",
                        peer: Some(*to),
                        message: msg.to_string(),
                    });
                }
            }
            EventKind::Receive { msg, .. } => h.messages.push(HistoryMessage {
                at_ms,
                direction: "received",
                peer: None,
                message: clip(msg, CLIP_CHARS),
            }),
            _ => {}
        }
        h.events.push(event_json(ev));
    }
    Ok(h)
}

// === Process manipulation =====================================================

/// Options of [`send_message`].
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct SendOpts {
    /// Start a message-flow token on this message (see `trace_message_flow`).
    #[serde(default)]
    pub trace: bool,
    /// Make it a `GenServer.call` from the shell and wait for the reply, at
    /// most this many virtual ms.
    #[serde(default)]
    pub call_timeout_ms: Option<u64>,
}

/// What [`send_message`] did.
#[derive(Clone, Debug, Serialize)]
pub struct Sent {
    pub to: Pid,
    pub message: String,
    pub token: Option<u64>,
    /// The reply, for a call.
    pub reply: Option<String>,
    pub at_ms: f64,
    /// The index of this send in the system's input log (it replays).
    pub input_index: usize,
}

/// `send_message/3`: sends an Elixir term from outside. Every send is a
/// logged input, so it is recorded for replay; with `trace`, it carries a
/// flow token; with `call_timeout_ms`, it is a `GenServer.call` from the
/// shell and answers the reply (a timeout is [`ControlError::Timeout`]).
pub fn send_message(sys: &mut System, pid: Pid, message: &str, opts: &SendOpts) -> Result<Sent, ControlError> {
    let msg = parse_term(message)?;
    if opts.trace && opts.call_timeout_ms.is_some() {
        return Err(ControlError::BadRequest {
            message: "a call cannot carry a flow token; send it traced instead".into(),
        });
    }
    if opts.call_timeout_ms.is_some_and(|t| t > 3_600_000) {
        return Err(ControlError::BadRequest { message: "a call's timeout is at most 3600000 ms".into() });
    }
    alive(sys, pid)?;
    if let Some(timeout_ms) = opts.call_timeout_ms {
        let reply = sys.apply(Input::Call { to: pid, request: msg.clone().into(), timeout_ms })?;
        return Ok(Sent {
            to: pid,
            message: msg.to_string(),
            token: None,
            reply: Some(reply.to_string()),
            at_ms: sys.now_ms(),
            input_index: sys.input_log().len() - 1,
        });
    }
    let token = opts.trace.then(|| sys.new_token());
    let command = match token {
        Some(token) => Command::SendTraced { to: pid, msg: msg.clone(), token },
        None => Command::Send { to: pid, msg: msg.clone() },
    };
    sys.apply(Input::Command { command })?;
    Ok(Sent {
        to: pid,
        message: msg.to_string(),
        token,
        reply: None,
        at_ms: sys.now_ms(),
        input_index: sys.input_log().len() - 1,
    })
}

/// `suspend_process/1` (`erlang:suspend_process`).
pub fn suspend_process(sys: &mut System, pid: Pid) -> Result<(), ControlError> {
    alive(sys, pid)?;
    sys.apply(Input::Command { command: Command::Suspend { pid } }).map(|_| ())
}

/// `resume_process/1`; refused when the process is not suspended.
pub fn resume_process(sys: &mut System, pid: Pid) -> Result<(), ControlError> {
    alive(sys, pid)?;
    sys.apply(Input::Command { command: Command::Resume { pid } }).map(|_| ())
}

/// `kill_process/1` with a reason: `exit(pid, reason)` from outside (`:kill`
/// cannot be trapped and becomes `:killed`).
pub fn kill_process(sys: &mut System, pid: Pid, reason: Term) -> Result<(), ControlError> {
    alive(sys, pid)?;
    sys.apply(Input::Command { command: Command::Exit { pid, reason } }).map(|_| ())
}

/// `inject_debug_code/2`: installs a probe (pattern, guard, action) on a
/// GenServer; returns its id.
pub fn inject_debug_code(sys: &mut System, pid: Pid, spec: ProbeSpec) -> Result<u64, ControlError> {
    alive(sys, pid)?;
    probe::compile(&spec)?;
    let r = sys.apply(Input::InstallProbe { pid, spec })?;
    r.as_int().map(|i| i as u64).ok_or(ControlError::CallFailed { reason: "no probe id".into() })
}

/// The probes on a process.
pub fn list_probes(sys: &System, pid: Pid) -> Result<Vec<ProbeInfo>, ControlError> {
    alive(sys, pid)?;
    Ok(sys.probes(pid).map(|s| s.list(pid)).unwrap_or_default())
}

pub fn remove_probe(sys: &mut System, pid: Pid, id: u64) -> Result<(), ControlError> {
    alive(sys, pid)?;
    sys.apply(Input::RemoveProbe { pid, id }).map(|_| ())
}
