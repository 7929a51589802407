//! The handlers of `/processes/…`: listing and introspection, messages,
//! suspend and resume, tracing and history, dependencies and impact,
//! profiling and probes; with the bodies they take and their schemas.

use crate::api::error::{ok, ApiError, ApiResult};
use crate::api::request::Request;
use crate::control::{self, probe::ProbeSpec, ListOpts, SendOpts, SortKey};
use crate::system::System;
use crate::term::Pid;
use serde::Deserialize;
use serde_json::{json, Value};

/// `DELETE /processes/{pid}`: the exit reason (else the query's, else `:kill`).
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct ReasonBody {
    #[serde(default)]
    reason: Option<String>,
}

impl ReasonBody {
    pub(crate) fn schema() -> Value {
        json!({"type":"object","properties":{"reason":{"type":"string","description":"an Elixir term; default :kill"}}})
    }
}

/// `POST /processes/{pid}/message`.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct MessageBody {
    message: String,
    #[serde(default)]
    trace: bool,
    /// Make it a call and wait this long for the reply.
    #[serde(default)]
    call_timeout_ms: Option<u64>,
}

impl MessageBody {
    pub(crate) fn schema() -> Value {
        json!({"type":"object","required":["message"],"properties":{
            "message":{"type":"string","description":"an Elixir term, e.g. {:inc, 5}"},
            "trace":{"type":"boolean","description":"start a message-flow token on it"},
            "call_timeout_ms":{"type":"integer","description":"make it a GenServer.call and answer the reply"}}})
    }
}

/// `POST /processes/{pid}/trace`.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct TraceBody {
    on: bool,
}

impl TraceBody {
    pub(crate) fn schema() -> Value {
        json!({"type":"object","required":["on"],"properties":{"on":{"type":"boolean"}}})
    }
}

/// `POST /processes/{pid}/profile`.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct ProfileBody {
    #[serde(default = "default_profile_ms")]
    duration_ms: u64,
}

fn default_profile_ms() -> u64 {
    1000
}

impl ProfileBody {
    pub(crate) fn schema() -> Value {
        json!({"type":"object","properties":{"duration_ms":{"type":"integer","minimum":1,"default":1000}}})
    }
}

/// The schema of `POST /processes/{pid}/probes`, whose body is a
/// [`ProbeSpec`].
pub(crate) fn probe_schema() -> Value {
    json!({"type":"object","required":["pattern","action"],"properties":{
        "pattern":{"type":"string","description":"Elixir pattern with an optional guard: {:inc, n} when n > 10"},
        "action":{"description":"\"log\", \"count\", \"pause\", \"drop\" or {\"delay\": {\"ms\": N}}"}}})
}

/// `GET /processes`: `list_all_processes` with the query's filters, sort and page.
pub(crate) fn list(sys: &mut System, req: &Request) -> ApiResult {
    req.no_body()?;
    let q = &req.query;
    let sort = match q.str("sort") {
        None => SortKey::Pid,
        Some(s) => SortKey::parse(s)
            .ok_or_else(|| ApiError::bad(format!("sort={s:?}: sort by pid, memory, queue, reductions or name")))?,
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

/// `GET /processes/{pid}`: `get_process_details`, all fields or `?fields=a,b`.
pub(crate) fn details(sys: &mut System, req: &Request) -> ApiResult {
    req.no_body()?;
    let pid = req.target(sys)?;
    let fields: Option<Vec<String>> =
        req.query.str("fields").map(|f| f.split(',').map(|s| s.trim().to_string()).filter(|s| !s.is_empty()).collect());
    ok(control::get_process_details(sys, pid, fields.as_deref())?)
}

/// `DELETE /processes/{pid}`: `kill_process`.
pub(crate) fn kill(sys: &mut System, req: &Request) -> ApiResult {
    let rb: ReasonBody = req.body()?;
    let pid = req.target(sys)?;
    let text = rb.reason.or(req.query.str("reason").map(str::to_string)).unwrap_or_else(|| ":kill".into());
    let reason = control::parse_term(&text)?;
    control::kill_process(sys, pid, reason.clone())?;
    ok(json!({ "pid": pid.short(), "reason": reason.to_string() }))
}

/// `GET /processes/{pid}/state`: `get_genserver_state`.
pub(crate) fn state(sys: &mut System, req: &Request) -> ApiResult {
    req.no_body()?;
    ok(control::get_genserver_state(sys, req.target(sys)?)?)
}

/// `GET /processes/{pid}/messages`: the mailbox, at most `?limit` (100) messages.
pub(crate) fn messages(sys: &mut System, req: &Request) -> ApiResult {
    req.no_body()?;
    let pid = req.target(sys)?;
    let limit: usize = req.query.num("limit")?.unwrap_or(100);
    let v = control::get_process_details(sys, pid, Some(&["message_queue_len".into(), "messages".into()]))?;
    let msgs: Vec<Value> =
        v["messages"].as_array().map(|a| a.iter().take(limit).cloned().collect()).unwrap_or_default();
    ok(json!({ "pid": pid.short(), "message_queue_len": v["message_queue_len"], "messages": msgs }))
}

/// `POST /processes/{pid}/message`: `send_message` (a cast, or a call with a timeout).
pub(crate) fn send(sys: &mut System, req: &Request) -> ApiResult {
    let mb: MessageBody = req.body()?;
    let pid = req.target(sys)?;
    ok(control::send_message(
        sys,
        pid,
        &mb.message,
        &SendOpts { trace: mb.trace, call_timeout_ms: mb.call_timeout_ms },
    )?)
}

/// `POST /processes/{pid}/suspend`.
pub(crate) fn suspend(sys: &mut System, req: &Request) -> ApiResult {
    req.no_body()?;
    let pid = req.target(sys)?;
    control::suspend_process(sys, pid)?;
    ok(json!({ "pid": pid.short(), "suspended": true }))
}

/// `POST /processes/{pid}/resume`.
pub(crate) fn resume(sys: &mut System, req: &Request) -> ApiResult {
    req.no_body()?;
    let pid = req.target(sys)?;
    control::resume_process(sys, pid)?;
    ok(json!({ "pid": pid.short(), "suspended": false }))
}

/// `GET /processes/{pid}/history`. A pid in `0.N.0` form is taken as it
/// is, so the history of a process that has died can still be read.
pub(crate) fn history(sys: &mut System, req: &Request) -> ApiResult {
    req.no_body()?;
    let p = Pid::parse_short(req.seg(1)).map(Ok).unwrap_or_else(|| req.target(sys))?;
    ok(control::get_process_history(sys, p)?)
}

/// `POST /processes/{pid}/trace`: tracing on or off.
pub(crate) fn trace(sys: &mut System, req: &Request) -> ApiResult {
    let tb: TraceBody = req.body()?;
    let pid = req.target(sys)?;
    control::set_tracing(sys, pid, tb.on)?;
    ok(json!({ "pid": pid.short(), "tracing": tb.on }))
}

/// `GET /processes/{pid}/dependencies`: `find_process_dependencies`.
pub(crate) fn dependencies(sys: &mut System, req: &Request) -> ApiResult {
    req.no_body()?;
    ok(control::find_process_dependencies(sys, req.target(sys)?)?)
}

/// `GET /processes/{pid}/impact`: `trace_failure_impact` with `?reason`.
pub(crate) fn impact(sys: &mut System, req: &Request) -> ApiResult {
    req.no_body()?;
    let pid = req.target(sys)?;
    let reason = req.query.str("reason").map(control::parse_term).transpose()?;
    ok(control::trace_failure_impact(sys, pid, reason)?)
}

/// `POST /processes/{pid}/profile`: `profile_process` over virtual time.
pub(crate) fn profile(sys: &mut System, req: &Request) -> ApiResult {
    let pb: ProfileBody = req.body()?;
    let pid = req.target(sys)?;
    ok(control::profile_process(sys, pid, pb.duration_ms)?)
}

/// `GET /processes/{pid}/probes`.
pub(crate) fn probes(sys: &mut System, req: &Request) -> ApiResult {
    req.no_body()?;
    ok(control::list_probes(sys, req.target(sys)?)?)
}

/// `POST /processes/{pid}/probes`: `inject_debug_code`.
pub(crate) fn add_probe(sys: &mut System, req: &Request) -> ApiResult {
    let spec: ProbeSpec = req.body()?;
    let pid = req.target(sys)?;
    let id = control::inject_debug_code(sys, pid, spec)?;
    ok(json!({ "pid": pid.short(), "probe": id }))
}

/// `DELETE /processes/{pid}/probes/{id}`.
pub(crate) fn remove_probe(sys: &mut System, req: &Request) -> ApiResult {
    req.no_body()?;
    let pid = req.target(sys)?;
    let id: u64 =
        req.seg(3).parse().map_err(|_| ApiError::bad(format!("probe id {:?} is not a number", req.seg(3))))?;
    control::remove_probe(sys, pid, id)?;
    ok(json!({ "pid": pid.short(), "removed": id }))
}
