//! The REST-shaped API: `handle(system, method, path, body) -> (status,
//! json)` for every route of the brief (and a few more over the rest of the
//! Control API), typed JSON errors, topic subscriptions, and the OpenAPI 3
//! document of the routes ([`openapi`]).
//!
//! Pids in paths are `0.42.0` (or `<0.42.0>`, `#PID<0.42.0>`), a registered
//! name, or a tree id or path (with `/` written `%2F`). Errors are
//! `{"error": {"code", "message", …}}`: 404 for an unknown pid or route,
//! 405 for a known route with the wrong method, 400 for a bad body, query or
//! term (a bad term also says `line` and `col`), 409 for a refused
//! operation (or history asked for with tracing off), 422 when the process
//! is not of the kind the route needs, 502 when a call made for the request
//! failed (the process exited), 504 when a process did not answer in time.
//! A request refused with 400, 404, 405 or 422 changes nothing: no time
//! passes and no input is logged.

pub mod openapi;

use crate::control::{self, probe::ProbeSpec, ControlError, ListOpts, SendOpts, SortKey};
use crate::scenario::Node;
use crate::system::System;
use crate::term::Pid;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use std::collections::BTreeMap;

/// Every route, one variant each.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Route {
    ListProcesses,
    GetProcess,
    KillProcess,
    ProcessState,
    ProcessMessages,
    SendMessage,
    Suspend,
    Resume,
    History,
    Trace,
    Dependencies,
    Impact,
    Profile,
    ListProbes,
    AddProbe,
    RemoveProbe,
    ListSupervisors,
    GetSupervisor,
    SupervisorTree,
    SupervisorAnalytics,
    StartChild,
    SetStrategy,
    SimulateFailure,
    PauseSupervision,
    ResumeSupervision,
    Benchmark,
    Health,
    Metrics,
    Relationships,
    Bottlenecks,
    Hierarchy,
    Report,
    MessagePatterns,
    TraceFlow,
    Tick,
    Chaos,
    Inputs,
    Recording,
    Events,
    Subscribe,
    Poll,
    Unsubscribe,
    OpenApi,
}

impl Route {
    pub const ALL: [Route; 43] = [
        Route::ListProcesses,
        Route::GetProcess,
        Route::KillProcess,
        Route::ProcessState,
        Route::ProcessMessages,
        Route::SendMessage,
        Route::Suspend,
        Route::Resume,
        Route::History,
        Route::Trace,
        Route::Dependencies,
        Route::Impact,
        Route::Profile,
        Route::ListProbes,
        Route::AddProbe,
        Route::RemoveProbe,
        Route::ListSupervisors,
        Route::GetSupervisor,
        Route::SupervisorTree,
        Route::SupervisorAnalytics,
        Route::StartChild,
        Route::SetStrategy,
        Route::SimulateFailure,
        Route::PauseSupervision,
        Route::ResumeSupervision,
        Route::Benchmark,
        Route::Health,
        Route::Metrics,
        Route::Relationships,
        Route::Bottlenecks,
        Route::Hierarchy,
        Route::Report,
        Route::MessagePatterns,
        Route::TraceFlow,
        Route::Tick,
        Route::Chaos,
        Route::Inputs,
        Route::Recording,
        Route::Events,
        Route::Subscribe,
        Route::Poll,
        Route::Unsubscribe,
        Route::OpenApi,
    ];
}

/// Finds the route for a method and path (segments after `/api/v1`).
/// `Err(true)` when the path exists with another method, `Err(false)` when
/// it does not exist at all.
pub fn route_of(method: &str, segs: &[&str]) -> Result<Route, bool> {
    use Route::*;
    let m = method.to_ascii_uppercase();
    let found: Option<Route> = match (m.as_str(), segs) {
        ("GET", ["processes"]) => Some(ListProcesses),
        ("GET", ["processes", _]) => Some(GetProcess),
        ("DELETE", ["processes", _]) => Some(KillProcess),
        ("GET", ["processes", _, "state"]) => Some(ProcessState),
        ("GET", ["processes", _, "messages"]) => Some(ProcessMessages),
        ("POST", ["processes", _, "message"]) => Some(SendMessage),
        ("POST", ["processes", _, "suspend"]) => Some(Suspend),
        ("POST", ["processes", _, "resume"]) => Some(Resume),
        ("GET", ["processes", _, "history"]) => Some(History),
        ("POST", ["processes", _, "trace"]) => Some(Trace),
        ("GET", ["processes", _, "dependencies"]) => Some(Dependencies),
        ("GET", ["processes", _, "impact"]) => Some(Impact),
        ("POST", ["processes", _, "profile"]) => Some(Profile),
        ("GET", ["processes", _, "probes"]) => Some(ListProbes),
        ("POST", ["processes", _, "probes"]) => Some(AddProbe),
        ("DELETE", ["processes", _, "probes", _]) => Some(RemoveProbe),
        ("GET", ["supervisors"]) => Some(ListSupervisors),
        ("GET", ["supervisors", _]) => Some(GetSupervisor),
        ("GET", ["supervisors", _, "tree"]) => Some(SupervisorTree),
        ("GET", ["supervisors", _, "analytics"]) => Some(SupervisorAnalytics),
        ("POST", ["supervisors", _, "children"]) => Some(StartChild),
        ("PUT", ["supervisors", _, "strategy"]) => Some(SetStrategy),
        ("POST", ["supervisors", _, "simulate-failure"]) => Some(SimulateFailure),
        ("POST", ["supervisors", _, "pause"]) => Some(PauseSupervision),
        ("POST", ["supervisors", _, "resume"]) => Some(ResumeSupervision),
        ("POST", ["supervisors", _, "benchmark"]) => Some(Benchmark),
        ("GET", ["system", "health"]) => Some(Health),
        ("GET", ["system", "metrics"]) => Some(Metrics),
        ("GET", ["system", "relationships"]) => Some(Relationships),
        ("GET", ["system", "bottlenecks"]) => Some(Bottlenecks),
        ("GET", ["system", "hierarchy"]) => Some(Hierarchy),
        ("GET", ["system", "report"]) => Some(Report),
        ("GET", ["system", "message-patterns"]) => Some(MessagePatterns),
        ("POST", ["system", "trace-flow"]) => Some(TraceFlow),
        ("POST", ["system", "tick"]) => Some(Tick),
        ("POST", ["system", "chaos"]) => Some(Chaos),
        ("GET", ["system", "inputs"]) => Some(Inputs),
        ("GET", ["system", "recording"]) => Some(Recording),
        ("GET", ["system", "events"]) => Some(Events),
        ("POST", ["subscriptions"]) => Some(Subscribe),
        ("GET", ["subscriptions", _]) => Some(Poll),
        ("DELETE", ["subscriptions", _]) => Some(Unsubscribe),
        ("GET", ["openapi.json"]) => Some(OpenApi),
        _ => None,
    };
    if let Some(r) = found {
        return Ok(r);
    }
    // Does the path exist with some other method?
    let other = ["GET", "POST", "PUT", "DELETE"].iter().filter(|x| **x != m).any(|x| route_of_exact(x, segs));
    Err(other)
}

fn route_of_exact(method: &str, segs: &[&str]) -> bool {
    matches!(
        (method, segs),
        ("GET", ["processes"])
            | ("GET" | "DELETE", ["processes", _])
            | ("GET", ["processes", _, "state" | "messages" | "history" | "dependencies" | "impact" | "probes"])
            | ("POST", ["processes", _, "message" | "suspend" | "resume" | "trace" | "profile" | "probes"])
            | ("DELETE", ["processes", _, "probes", _])
            | ("GET", ["supervisors"])
            | ("GET", ["supervisors", _])
            | ("GET", ["supervisors", _, "tree" | "analytics"])
            | ("POST", ["supervisors", _, "children" | "simulate-failure" | "pause" | "resume" | "benchmark"])
            | ("PUT", ["supervisors", _, "strategy"])
            | ("GET", ["system", "health" | "metrics" | "relationships" | "bottlenecks" | "hierarchy" | "report"])
            | ("GET", ["system", "message-patterns" | "inputs" | "events" | "recording"])
            | ("POST", ["system", "trace-flow" | "tick" | "chaos"])
            | ("POST", ["subscriptions"])
            | ("GET" | "DELETE", ["subscriptions", _])
            | ("GET", ["openapi.json"])
    )
}

/// An API error: status and JSON body.
#[derive(Debug)]
pub struct ApiError {
    pub status: u16,
    pub code: String,
    pub message: String,
    pub extra: BTreeMap<String, Value>,
}

impl ApiError {
    fn new(status: u16, code: &str, message: impl Into<String>) -> ApiError {
        ApiError { status, code: code.into(), message: message.into(), extra: BTreeMap::new() }
    }

    fn bad(message: impl Into<String>) -> ApiError {
        ApiError::new(400, "bad_request", message)
    }

    pub fn body(&self) -> Value {
        let mut e = serde_json::Map::new();
        e.insert("code".into(), json!(self.code));
        e.insert("message".into(), json!(self.message));
        for (k, v) in &self.extra {
            e.insert(k.clone(), v.clone());
        }
        json!({ "error": Value::Object(e) })
    }
}

impl From<ControlError> for ApiError {
    fn from(e: ControlError) -> ApiError {
        let mut a = ApiError::new(e.status(), e.code(), e.to_string());
        if let ControlError::BadTerm { line, col, .. } = &e {
            a.extra.insert("line".into(), json!(line));
            a.extra.insert("col".into(), json!(col));
        }
        a
    }
}

type ApiResult = Result<(u16, Value), ApiError>;

fn ok<T: Serialize>(x: T) -> ApiResult {
    serde_json::to_value(x)
        .map(|v| (200, v))
        .map_err(|e| ApiError::new(500, "internal", format!("could not encode the answer: {e}")))
}

/// Percent-decodes a path segment or query value (`+` is a space in queries).
fn decode(s: &str, plus: bool) -> Result<String, ApiError> {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'%' => {
                let hex = s.get(i + 1..i + 3).and_then(|h| u8::from_str_radix(h, 16).ok());
                match hex {
                    Some(v) => out.push(v),
                    None => return Err(ApiError::bad(format!("bad percent-encoding in {s:?}"))),
                }
                i += 3;
            }
            b'+' if plus => {
                out.push(b' ');
                i += 1;
            }
            c => {
                out.push(c);
                i += 1;
            }
        }
    }
    String::from_utf8(out).map_err(|_| ApiError::bad(format!("{s:?} is not UTF-8 once decoded")))
}

struct Query(BTreeMap<String, String>);

impl Query {
    fn parse(q: &str) -> Result<Query, ApiError> {
        let mut m = BTreeMap::new();
        for part in q.split('&').filter(|p| !p.is_empty()) {
            let (k, v) = part.split_once('=').unwrap_or((part, ""));
            m.insert(decode(k, true)?, decode(v, true)?);
        }
        Ok(Query(m))
    }

    fn str(&self, k: &str) -> Option<&str> {
        self.0.get(k).map(|s| s.as_str())
    }

    fn num<T: std::str::FromStr>(&self, k: &str) -> Result<Option<T>, ApiError> {
        match self.0.get(k) {
            None => Ok(None),
            Some(v) => v
                .parse()
                .map(Some)
                .map_err(|_| ApiError::bad(format!("query parameter {k}={v:?} is not a valid number"))),
        }
    }

    fn bool(&self, k: &str) -> Result<Option<bool>, ApiError> {
        match self.0.get(k).map(|s| s.as_str()) {
            None => Ok(None),
            Some("true") | Some("1") | Some("") => Ok(Some(true)),
            Some("false") | Some("0") => Ok(Some(false)),
            Some(v) => Err(ApiError::bad(format!("query parameter {k}={v:?} is not true or false"))),
        }
    }

    /// Refuses parameters the route does not know.
    fn only(&self, allowed: &[&str]) -> Result<(), ApiError> {
        for k in self.0.keys() {
            if !allowed.contains(&k.as_str()) {
                let known = if allowed.is_empty() { "none".to_string() } else { allowed.join(", ") };
                return Err(ApiError::bad(format!("unknown query parameter {k:?} (known: {known})")));
            }
        }
        Ok(())
    }
}

/// Parses a JSON body into `T`; an empty body is `{}`.
fn body<T: DeserializeOwned>(b: &str) -> Result<T, ApiError> {
    let text = if b.trim().is_empty() { "{}" } else { b };
    serde_json::from_str(text).map_err(|e| {
        let mut a = ApiError::bad(format!("bad request body: {e}"));
        a.extra.insert("line".into(), json!(e.line()));
        a.extra.insert("col".into(), json!(e.column()));
        a
    })
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Empty {}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct MessageBody {
    message: String,
    #[serde(default)]
    trace: bool,
    /// Make it a call and wait this long for the reply.
    #[serde(default)]
    call_timeout_ms: Option<u64>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ReasonBody {
    #[serde(default)]
    reason: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct TraceBody {
    on: bool,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ProfileBody {
    #[serde(default = "default_profile_ms")]
    duration_ms: u64,
}

fn default_profile_ms() -> u64 {
    1000
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ChildBody {
    spec: Node,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct StrategyBody {
    strategy: String,
    #[serde(default)]
    rollback_window_s: Option<u64>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct FailureBody {
    #[serde(default)]
    child_id: Option<String>,
    #[serde(default)]
    reason: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct FlowBody {
    to: String,
    message: String,
    #[serde(default = "default_flow_ms")]
    duration_ms: u64,
}

fn default_flow_ms() -> u64 {
    1000
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct TickBody {
    ms: u64,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ChaosBody {
    rate_per_s: f64,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct TopicBody {
    topic: String,
}

/// The longest tick one request may ask for, in virtual ms.
pub const MAX_TICK_MS: u64 = 3_600_000;

/// Answers one request. `body` is the request's JSON text ("" for none).
pub fn handle(sys: &mut System, method: &str, path: &str, body_text: &str) -> (u16, Value) {
    match handle_inner(sys, method, path, body_text) {
        Ok(r) => r,
        Err(e) => (e.status, e.body()),
    }
}

fn handle_inner(sys: &mut System, method: &str, path: &str, b: &str) -> ApiResult {
    let (p, q) = path.split_once('?').unwrap_or((path, ""));
    let Some(rest) = p.strip_prefix("/api/v1/") else {
        return Err(ApiError::new(404, "no_route", format!("no route {p} (routes start with /api/v1/)")));
    };
    let raw: Vec<&str> = rest.trim_end_matches('/').split('/').collect();
    let route = match route_of(method, &raw) {
        Ok(r) => r,
        Err(true) => return Err(ApiError::new(405, "method_not_allowed", format!("{method} is not allowed on {p}"))),
        Err(false) => return Err(ApiError::new(404, "no_route", format!("no route {method} {p}"))),
    };
    let segs: Vec<String> = raw.iter().map(|s| decode(s, false)).collect::<Result<_, _>>()?;
    let q = Query::parse(q)?;
    let pid = |sys: &System| -> Result<Pid, ApiError> { Ok(sys.resolve(&segs[1])?) };
    use Route::*;
    match route {
        ListProcesses => {
            q.only(&[
                "name",
                "module",
                "min_memory",
                "min_queue",
                "sort",
                "order",
                "limit",
                "offset",
                "include_system",
            ])?;
            body::<Empty>(b)?;
            let sort = match q.str("sort") {
                None => SortKey::Pid,
                Some(s) => SortKey::parse(s).ok_or_else(|| {
                    ApiError::bad(format!("sort={s:?}: sort by pid, memory, queue, reductions or name"))
                })?,
            };
            let descending = match q.str("order") {
                None => None,
                Some("asc") => Some(false),
                Some("desc") => Some(true),
                Some(o) => return Err(ApiError::bad(format!("order={o:?}: asc or desc"))),
            };
            let opts = ListOpts {
                name: q.str("name").map(str::to_string),
                module: q.str("module").map(str::to_string),
                min_memory_words: q.num("min_memory")?,
                min_queue_len: q.num("min_queue")?,
                sort,
                descending,
                limit: q.num("limit")?,
                offset: q.num("offset")?.unwrap_or(0),
                include_system: q.bool("include_system")?.unwrap_or(false),
            };
            ok(control::list_all_processes(sys, &opts))
        }
        GetProcess => {
            q.only(&["fields"])?;
            body::<Empty>(b)?;
            let pid = pid(sys)?;
            let fields: Option<Vec<String>> =
                q.str("fields").map(|f| f.split(',').map(|s| s.trim().to_string()).filter(|s| !s.is_empty()).collect());
            ok(control::get_process_details(sys, pid, fields.as_deref())?)
        }
        KillProcess => {
            q.only(&["reason"])?;
            let rb: ReasonBody = body(b)?;
            let pid = pid(sys)?;
            let text = rb.reason.or(q.str("reason").map(str::to_string)).unwrap_or_else(|| ":kill".into());
            let reason = control::parse_term(&text)?;
            control::kill_process(sys, pid, reason.clone())?;
            ok(json!({ "pid": pid.short(), "reason": reason.to_string() }))
        }
        ProcessState => {
            q.only(&[])?;
            body::<Empty>(b)?;
            ok(control::get_genserver_state(sys, pid(sys)?)?)
        }
        ProcessMessages => {
            q.only(&["limit"])?;
            body::<Empty>(b)?;
            let pid = pid(sys)?;
            let limit: usize = q.num("limit")?.unwrap_or(100);
            let v = control::get_process_details(sys, pid, Some(&["message_queue_len".into(), "messages".into()]))?;
            let msgs: Vec<Value> =
                v["messages"].as_array().map(|a| a.iter().take(limit).cloned().collect()).unwrap_or_default();
            ok(json!({ "pid": pid.short(), "message_queue_len": v["message_queue_len"], "messages": msgs }))
        }
        SendMessage => {
            q.only(&[])?;
            let mb: MessageBody = body(b)?;
            let pid = pid(sys)?;
            ok(control::send_message(
                sys,
                pid,
                &mb.message,
                &SendOpts { trace: mb.trace, call_timeout_ms: mb.call_timeout_ms },
            )?)
        }
        Suspend => {
            q.only(&[])?;
            body::<Empty>(b)?;
            let pid = pid(sys)?;
            control::suspend_process(sys, pid)?;
            ok(json!({ "pid": pid.short(), "suspended": true }))
        }
        Resume => {
            q.only(&[])?;
            body::<Empty>(b)?;
            let pid = pid(sys)?;
            control::resume_process(sys, pid)?;
            ok(json!({ "pid": pid.short(), "suspended": false }))
        }
        History => {
            q.only(&[])?;
            body::<Empty>(b)?;
            let p = Pid::parse_short(&segs[1]).map(Ok).unwrap_or_else(|| pid(sys))?;
            ok(control::get_process_history(sys, p)?)
        }
        Trace => {
            q.only(&[])?;
            let tb: TraceBody = body(b)?;
            let pid = pid(sys)?;
            control::set_tracing(sys, pid, tb.on)?;
            ok(json!({ "pid": pid.short(), "tracing": tb.on }))
        }
        Dependencies => {
            q.only(&[])?;
            body::<Empty>(b)?;
            ok(control::find_process_dependencies(sys, pid(sys)?)?)
        }
        Impact => {
            q.only(&["reason"])?;
            body::<Empty>(b)?;
            let pid = pid(sys)?;
            let reason = q.str("reason").map(control::parse_term).transpose()?;
            ok(control::trace_failure_impact(sys, pid, reason)?)
        }
        Profile => {
            q.only(&[])?;
            let pb: ProfileBody = body(b)?;
            let pid = pid(sys)?;
            ok(control::profile_process(sys, pid, pb.duration_ms)?)
        }
        ListProbes => {
            q.only(&[])?;
            body::<Empty>(b)?;
            ok(control::list_probes(sys, pid(sys)?)?)
        }
        AddProbe => {
            q.only(&[])?;
            let spec: ProbeSpec = body(b)?;
            let pid = pid(sys)?;
            let id = control::inject_debug_code(sys, pid, spec)?;
            ok(json!({ "pid": pid.short(), "probe": id }))
        }
        RemoveProbe => {
            q.only(&[])?;
            body::<Empty>(b)?;
            let pid = pid(sys)?;
            let id: u64 =
                segs[3].parse().map_err(|_| ApiError::bad(format!("probe id {:?} is not a number", segs[3])))?;
            control::remove_probe(sys, pid, id)?;
            ok(json!({ "pid": pid.short(), "removed": id }))
        }
        ListSupervisors => {
            q.only(&[])?;
            body::<Empty>(b)?;
            ok(control::list_supervisors(sys))
        }
        GetSupervisor => {
            q.only(&[])?;
            body::<Empty>(b)?;
            ok(control::get_supervisor(sys, pid(sys)?)?)
        }
        SupervisorTree => {
            q.only(&[])?;
            body::<Empty>(b)?;
            ok(control::get_supervision_tree(sys, pid(sys)?)?)
        }
        SupervisorAnalytics => {
            q.only(&[])?;
            body::<Empty>(b)?;
            ok(control::get_supervisor_analytics(sys, pid(sys)?)?)
        }
        StartChild => {
            q.only(&[])?;
            let cb: ChildBody = body(b)?;
            let sup = pid(sys)?;
            let r = control::start_child(sys, sup, cb.spec)?;
            let new = r.as_tuple().and_then(|t| t.get(1)).and_then(|p| p.as_pid()).map(|p| p.short());
            ok(json!({ "supervisor": sup.short(), "pid": new, "result": r.to_string() }))
        }
        SetStrategy => {
            q.only(&[])?;
            let sb: StrategyBody = body(b)?;
            let sup = pid(sys)?;
            ok(control::change_supervision_strategy(sys, sup, &sb.strategy, sb.rollback_window_s)?)
        }
        SimulateFailure => {
            q.only(&[])?;
            let fb: FailureBody = body(b)?;
            let reason = control::parse_term(fb.reason.as_deref().unwrap_or(":simulated_failure"))?;
            let sup = pid(sys)?;
            ok(control::simulate_failure(sys, sup, fb.child_id.as_deref(), reason)?)
        }
        PauseSupervision => {
            q.only(&[])?;
            body::<Empty>(b)?;
            let sup = pid(sys)?;
            control::pause_supervision(sys, sup)?;
            ok(json!({ "supervisor": sup.short(), "paused": true }))
        }
        ResumeSupervision => {
            q.only(&[])?;
            body::<Empty>(b)?;
            let sup = pid(sys)?;
            control::resume_supervision(sys, sup)?;
            ok(json!({ "supervisor": sup.short(), "paused": false }))
        }
        Benchmark => {
            q.only(&[])?;
            body::<Empty>(b)?;
            ok(control::benchmark_supervision_tree(sys, pid(sys)?)?)
        }
        Health => {
            q.only(&[])?;
            body::<Empty>(b)?;
            ok(control::analyze_system_health(sys))
        }
        Metrics => {
            q.only(&["last", "pid", "processes"])?;
            body::<Empty>(b)?;
            let last: usize = q.num("last")?.unwrap_or(usize::MAX);
            let only = q.str("pid").map(|p| sys.resolve(p)).transpose()?;
            let with_procs = q.bool("processes")?.unwrap_or(true);
            let skip = sys.metrics.system.len().saturating_sub(last);
            let system: Vec<_> = sys.metrics.system.iter().skip(skip).copied().collect();
            let procs: BTreeMap<String, Vec<crate::system::metrics::ProcSample>> = sys
                .metrics
                .procs
                .iter()
                .filter(|(p, _)| with_procs && only.is_none_or(|o| o == **p))
                .map(|(p, r)| (p.short(), r.iter().skip(r.len().saturating_sub(last)).copied().collect()))
                .collect();
            ok(json!({
                "now_ms": sys.now_ms(),
                "sample_ms": sys.sample_ms(),
                "counters": sys.runtime().counters(),
                "system": system,
                "processes": procs,
            }))
        }
        Relationships => {
            q.only(&[])?;
            body::<Empty>(b)?;
            ok(control::build_relationship_graph(sys))
        }
        Bottlenecks => {
            q.only(&["window_ms"])?;
            body::<Empty>(b)?;
            let w = q.num("window_ms")?.unwrap_or(2000u64);
            if w == 0 {
                return Err(ApiError::bad("window_ms must be at least 1"));
            }
            ok(control::detect_bottlenecks(sys, w))
        }
        Hierarchy => {
            q.only(&[])?;
            body::<Empty>(b)?;
            ok(control::get_process_hierarchy(sys))
        }
        Report => {
            q.only(&["format"])?;
            body::<Empty>(b)?;
            let r = control::generate_system_report(sys);
            match q.str("format").unwrap_or("json") {
                "json" => ok(r),
                "md" | "markdown" => ok(json!({ "markdown": r.to_markdown() })),
                f => Err(ApiError::bad(format!("format={f:?}: json or md"))),
            }
        }
        MessagePatterns => {
            q.only(&[])?;
            body::<Empty>(b)?;
            ok(control::analyze_message_patterns(sys))
        }
        TraceFlow => {
            q.only(&[])?;
            let fb: FlowBody = body(b)?;
            control::parse_term(&fb.message)?;
            let to = sys.resolve(&fb.to)?;
            ok(control::trace_message_flow(sys, to, &fb.message, fb.duration_ms)?)
        }
        Tick => {
            q.only(&[])?;
            let tb: TickBody = body(b)?;
            if tb.ms > MAX_TICK_MS {
                return Err(ApiError::bad(format!("ms must be at most {MAX_TICK_MS}")));
            }
            sys.tick(tb.ms);
            ok(json!({ "now_ms": sys.now_ms() }))
        }
        Chaos => {
            q.only(&[])?;
            let cb: ChaosBody = body(b)?;
            sys.apply(crate::system::Input::Chaos { rate_per_s: cb.rate_per_s })?;
            ok(json!({ "rate_per_s": cb.rate_per_s }))
        }
        Inputs => {
            q.only(&[])?;
            body::<Empty>(b)?;
            let v: Vec<Value> = sys
                .input_log()
                .iter()
                .map(
                    |(t, i)| json!({ "at_ms": t.as_ms_f64(), "input": serde_json::to_value(i).unwrap_or(Value::Null) }),
                )
                .collect();
            ok(json!({ "seed": sys.seed(), "inputs": v }))
        }
        Recording => {
            q.only(&[])?;
            body::<Empty>(b)?;
            ok(sys.recording())
        }
        Events => {
            q.only(&["since", "limit", "pid"])?;
            body::<Empty>(b)?;
            let since: Option<u64> = q.num("since")?;
            let limit: usize = q.num("limit")?.unwrap_or(1000);
            let only = q.str("pid").map(|p| sys.resolve(p)).transpose()?;
            let k = sys.runtime().kernel_ref();
            let Some(rec) = k.bus.recorder() else { return ok(json!({ "events": [], "evicted": 0 })) };
            let evs: Vec<&crate::runtime::Event> = rec
                .events()
                .filter(|e| since.is_none_or(|s| e.seq > s))
                .filter(|e| only.is_none_or(|p| e.kind.pids().contains(&Some(p))))
                .collect();
            let skip = evs.len().saturating_sub(limit);
            let out: Vec<Value> = evs.iter().skip(skip).map(|e| crate::system::event_json(e)).collect();
            ok(json!({ "events": out, "evicted": rec.evicted, "capacity": rec.capacity() }))
        }
        Subscribe => {
            q.only(&[])?;
            let tb: TopicBody = body(b)?;
            let id = sys.subscribe(&tb.topic)?;
            ok(json!({ "id": id, "topic": tb.topic }))
        }
        Poll => {
            q.only(&[])?;
            body::<Empty>(b)?;
            let id = sub_id(&segs[1])?;
            sys.poll(id)
                .ok_or_else(|| ApiError::new(404, "not_found", format!("no subscription {id}")))
                .map(|v| (200, v))
        }
        Unsubscribe => {
            q.only(&[])?;
            body::<Empty>(b)?;
            let id = sub_id(&segs[1])?;
            if sys.unsubscribe(id) {
                ok(json!({ "id": id, "unsubscribed": true }))
            } else {
                Err(ApiError::new(404, "not_found", format!("no subscription {id}")))
            }
        }
        OpenApi => {
            q.only(&[])?;
            body::<Empty>(b)?;
            ok(openapi::document())
        }
    }
}

fn sub_id(s: &str) -> Result<u64, ApiError> {
    s.parse().map_err(|_| ApiError::new(404, "not_found", format!("no subscription {s:?}")))
}
