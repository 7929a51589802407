//! The handlers of `/system/…`: health, metrics, relationships,
//! bottlenecks, the hierarchy, the report, message patterns and flows,
//! letting time pass, chaos, the input log, the recording and the event
//! recorder; with the bodies they take and their schemas.

use crate::api::error::{ok, ApiError, ApiResult};
use crate::api::request::Request;
use crate::control;
use crate::system::metrics::ProcSample;
use crate::system::{event_json, Input, System};
use serde::Deserialize;
use serde_json::{json, Value};
use std::collections::BTreeMap;

/// The longest tick one request (or the JS API's `run`) may ask for, in
/// virtual ms: a minute, about 0.1 s of work for the demo natively. It was an
/// hour, until the fuzzer found that one such request keeps the simulator
/// busy for seconds (a frozen tab in the page); a longer run is several
/// requests. (`tests/api.rs`: `one_tick_request_cannot_hang_the_simulator`.)
pub const MAX_TICK_MS: u64 = 60_000;

/// `POST /system/trace-flow`.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct FlowBody {
    to: String,
    message: String,
    #[serde(default = "default_flow_ms")]
    duration_ms: u64,
}

fn default_flow_ms() -> u64 {
    1000
}

impl FlowBody {
    pub(crate) fn schema() -> Value {
        json!({"type":"object","required":["to","message"],"properties":{
            "to":{"type":"string"},"message":{"type":"string"},"duration_ms":{"type":"integer","default":1000}}})
    }
}

/// `POST /system/tick`.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct TickBody {
    ms: u64,
}

impl TickBody {
    pub(crate) fn schema() -> Value {
        json!({"type":"object","required":["ms"],"properties":{"ms":{"type":"integer","minimum":0,"maximum":60000}}})
    }
}

/// `POST /system/chaos`.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct ChaosBody {
    rate_per_s: f64,
}

impl ChaosBody {
    pub(crate) fn schema() -> Value {
        json!({"type":"object","required":["rate_per_s"],"properties":{"rate_per_s":{"type":"number","minimum":0,"maximum":1000}}})
    }
}

/// `GET /system/health`: `analyze_system_health`.
pub(crate) fn health(sys: &mut System, req: &Request) -> ApiResult {
    req.no_body()?;
    ok(control::analyze_system_health(sys))
}

/// `GET /system/metrics`: the sampled series, the last `?last` samples,
/// one process's (`?pid`) or none (`?processes=false`).
pub(crate) fn metrics(sys: &mut System, req: &Request) -> ApiResult {
    req.no_body()?;
    let q = &req.query;
    let last: usize = q.num("last")?.unwrap_or(usize::MAX);
    let only = q.str("pid").map(|p| sys.resolve(p)).transpose()?;
    let with_procs = q.bool("processes")?.unwrap_or(true);
    let skip = sys.metrics.system.len().saturating_sub(last);
    let system: Vec<_> = sys.metrics.system.iter().skip(skip).copied().collect();
    let procs: BTreeMap<String, Vec<ProcSample>> = sys
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

/// `GET /system/relationships`: `build_relationship_graph`.
pub(crate) fn relationships(sys: &mut System, req: &Request) -> ApiResult {
    req.no_body()?;
    ok(control::build_relationship_graph(sys))
}

/// `GET /system/bottlenecks`: `detect_bottlenecks` over `?window_ms` (2000).
pub(crate) fn bottlenecks(sys: &mut System, req: &Request) -> ApiResult {
    req.no_body()?;
    let w = req.query.num("window_ms")?.unwrap_or(2000u64);
    if w == 0 {
        return Err(ApiError::bad("window_ms must be at least 1"));
    }
    ok(control::detect_bottlenecks(sys, w))
}

/// `GET /system/hierarchy`: `get_process_hierarchy`.
pub(crate) fn hierarchy(sys: &mut System, req: &Request) -> ApiResult {
    req.no_body()?;
    ok(control::get_process_hierarchy(sys))
}

/// `GET /system/report`: `generate_system_report` as JSON or (`?format=md`)
/// Markdown.
pub(crate) fn report(sys: &mut System, req: &Request) -> ApiResult {
    req.no_body()?;
    let r = control::generate_system_report(sys);
    match req.query.str("format").unwrap_or("json") {
        "json" => ok(r),
        "md" | "markdown" => ok(json!({ "markdown": r.to_markdown() })),
        f => Err(ApiError::bad(format!("format={f:?}: json or md"))),
    }
}

/// `GET /system/message-patterns`: `analyze_message_patterns`.
pub(crate) fn message_patterns(sys: &mut System, req: &Request) -> ApiResult {
    req.no_body()?;
    ok(control::analyze_message_patterns(sys))
}

/// `POST /system/trace-flow`: `trace_message_flow`. The message is parsed
/// before the target is resolved, so a bad term is a 400 whatever `to` is.
pub(crate) fn trace_flow(sys: &mut System, req: &Request) -> ApiResult {
    let fb: FlowBody = req.body()?;
    control::parse_term(&fb.message)?;
    let to = sys.resolve(&fb.to)?;
    ok(control::trace_message_flow(sys, to, &fb.message, fb.duration_ms)?)
}

/// `POST /system/tick`: let up to [`MAX_TICK_MS`] of virtual time pass.
pub(crate) fn tick(sys: &mut System, req: &Request) -> ApiResult {
    let tb: TickBody = req.body()?;
    if tb.ms > MAX_TICK_MS {
        return Err(ApiError::bad(format!("ms must be at most {MAX_TICK_MS}")));
    }
    sys.tick(tb.ms);
    ok(json!({ "now_ms": sys.now_ms() }))
}

/// `POST /system/chaos`: seeded random kills at a rate (a logged input).
pub(crate) fn chaos(sys: &mut System, req: &Request) -> ApiResult {
    let cb: ChaosBody = req.body()?;
    sys.apply(Input::Chaos { rate_per_s: cb.rate_per_s })?;
    ok(json!({ "rate_per_s": cb.rate_per_s }))
}

/// `GET /system/inputs`: the seed and the input log.
pub(crate) fn inputs(sys: &mut System, req: &Request) -> ApiResult {
    req.no_body()?;
    let v: Vec<Value> = sys
        .input_log()
        .iter()
        .map(|(t, i)| json!({ "at_ms": t.as_ms_f64(), "input": serde_json::to_value(i).unwrap_or(Value::Null) }))
        .collect();
    ok(json!({ "seed": sys.seed(), "inputs": v }))
}

/// `GET /system/recording`: this run as a recording that replays exactly.
pub(crate) fn recording(sys: &mut System, req: &Request) -> ApiResult {
    req.no_body()?;
    ok(sys.recording())
}

/// `GET /system/events`: the bounded recorder's events after `?since`,
/// the newest `?limit` (1000), about `?pid` only.
pub(crate) fn events(sys: &mut System, req: &Request) -> ApiResult {
    req.no_body()?;
    let q = &req.query;
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
    let out: Vec<Value> = evs.iter().skip(skip).map(|e| event_json(e)).collect();
    ok(json!({ "events": out, "evicted": rec.evicted, "capacity": rec.capacity() }))
}
