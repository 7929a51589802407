//! The OpenAPI 3 document of the API, built from one description per
//! [`Route`] (an exhaustive match, so a route cannot go undocumented); a
//! test checks every documented route against the router.

use super::Route;
use serde_json::{json, Map, Value};

/// How one route is documented.
pub struct RouteDoc {
    pub method: &'static str,
    /// The path with `{param}` placeholders, under `/api/v1`.
    pub path: &'static str,
    pub summary: &'static str,
    /// Query parameters: name and description.
    pub query: &'static [(&'static str, &'static str)],
    /// The request body's JSON schema, if it takes one.
    pub body: Option<fn() -> Value>,
}

fn msg_body() -> Value {
    json!({"type":"object","required":["message"],"properties":{
        "message":{"type":"string","description":"an Elixir term, e.g. {:inc, 5}"},
        "trace":{"type":"boolean","description":"start a message-flow token on it"},
        "call_timeout_ms":{"type":"integer","description":"make it a GenServer.call and answer the reply"}}})
}
fn reason_body() -> Value {
    json!({"type":"object","properties":{"reason":{"type":"string","description":"an Elixir term; default :kill"}}})
}
fn trace_body() -> Value {
    json!({"type":"object","required":["on"],"properties":{"on":{"type":"boolean"}}})
}
fn profile_body() -> Value {
    json!({"type":"object","properties":{"duration_ms":{"type":"integer","minimum":1,"default":1000}}})
}
fn probe_body() -> Value {
    json!({"type":"object","required":["pattern","action"],"properties":{
        "pattern":{"type":"string","description":"Elixir pattern with an optional guard: {:inc, n} when n > 10"},
        "action":{"description":"\"log\", \"count\", \"pause\", \"drop\" or {\"delay\": {\"ms\": N}}"}}})
}
fn child_body() -> Value {
    json!({"type":"object","required":["spec"],"properties":{"spec":{"type":"object","description":"a node as in the scenario format"}}})
}
fn strategy_body() -> Value {
    json!({"type":"object","required":["strategy"],"properties":{
        "strategy":{"type":"string","enum":["one_for_one","one_for_all","rest_for_one","simple_one_for_one"]},
        "rollback_window_s":{"type":"integer","description":"default: the supervisor's period"}}})
}
fn failure_body() -> Value {
    json!({"type":"object","properties":{
        "child_id":{"type":"string","description":"absent: a running child chosen by the seeded RNG"},
        "reason":{"type":"string","description":"an Elixir term; default :simulated_failure"}}})
}
fn flow_body() -> Value {
    json!({"type":"object","required":["to","message"],"properties":{
        "to":{"type":"string"},"message":{"type":"string"},"duration_ms":{"type":"integer","default":1000}}})
}
fn tick_body() -> Value {
    json!({"type":"object","required":["ms"],"properties":{"ms":{"type":"integer","minimum":0,"maximum":3600000}}})
}
fn chaos_body() -> Value {
    json!({"type":"object","required":["rate_per_s"],"properties":{"rate_per_s":{"type":"number","minimum":0,"maximum":1000}}})
}
fn topic_body() -> Value {
    json!({"type":"object","required":["topic"],"properties":{"topic":{"type":"string",
        "description":"process:<pid>, process:*, supervisor:<name>, supervisor:* or system:metrics"}}})
}

/// The documentation of a route.
pub fn doc(r: Route) -> RouteDoc {
    use Route::*;
    let d = |method, path, summary, query, body| RouteDoc { method, path, summary, query, body };
    match r {
        ListProcesses => d(
            "GET",
            "/processes",
            "list_all_processes: every live process with key metrics",
            &[
                ("name", "name or tree-path pattern (* globs; else substring)"),
                ("module", "behaviour or callback module"),
                ("min_memory", "minimum memory in words"),
                ("min_queue", "minimum message queue length"),
                ("sort", "pid, memory, queue, reductions or name"),
                ("order", "asc or desc"),
                ("limit", "page size"),
                ("offset", "page start"),
                ("include_system", "include the shell and application master"),
            ],
            None,
        ),
        GetProcess => d(
            "GET",
            "/processes/{pid}",
            "get_process_details: selected process_info fields",
            &[("fields", "comma-separated field names")],
            None,
        ),
        KillProcess => d(
            "DELETE",
            "/processes/{pid}",
            "kill_process: exit(pid, reason)",
            &[("reason", "an Elixir term; default :kill")],
            Some(reason_body),
        ),
        ProcessState => d("GET", "/processes/{pid}/state", "get_genserver_state", &[], None),
        ProcessMessages => d(
            "GET",
            "/processes/{pid}/messages",
            "the messages waiting in the mailbox",
            &[("limit", "at most this many")],
            None,
        ),
        SendMessage => d(
            "POST",
            "/processes/{pid}/message",
            "send_message: send an Elixir term (recorded for replay)",
            &[],
            Some(msg_body),
        ),
        Suspend => d("POST", "/processes/{pid}/suspend", "suspend_process", &[], None),
        Resume => d("POST", "/processes/{pid}/resume", "resume_process", &[], None),
        History => d("GET", "/processes/{pid}/history", "get_process_history (tracing must be on)", &[], None),
        Trace => d("POST", "/processes/{pid}/trace", "turn tracing on or off for a process", &[], Some(trace_body)),
        Dependencies => d("GET", "/processes/{pid}/dependencies", "find_process_dependencies", &[], None),
        Impact => d(
            "GET",
            "/processes/{pid}/impact",
            "trace_failure_impact",
            &[("reason", "exit reason; default :killed")],
            None,
        ),
        Profile => d("POST", "/processes/{pid}/profile", "profile_process over virtual time", &[], Some(profile_body)),
        ListProbes => d("GET", "/processes/{pid}/probes", "the probes installed on a process", &[], None),
        AddProbe => d("POST", "/processes/{pid}/probes", "inject_debug_code: install a probe", &[], Some(probe_body)),
        RemoveProbe => d("DELETE", "/processes/{pid}/probes/{id}", "remove a probe", &[], None),
        ListSupervisors => d("GET", "/supervisors", "every supervisor", &[], None),
        GetSupervisor => d("GET", "/supervisors/{name}", "a supervisor's flags, children and restart log", &[], None),
        SupervisorTree => d("GET", "/supervisors/{name}/tree", "the supervision tree under it", &[], None),
        SupervisorAnalytics => d("GET", "/supervisors/{name}/analytics", "get_supervisor_analytics", &[], None),
        StartChild => {
            d("POST", "/supervisors/{name}/children", "start a child from a scenario node", &[], Some(child_body))
        }
        SetStrategy => d(
            "PUT",
            "/supervisors/{name}/strategy",
            "change_supervision_strategy (409 when refused)",
            &[],
            Some(strategy_body),
        ),
        SimulateFailure => {
            d("POST", "/supervisors/{name}/simulate-failure", "simulate_failure", &[], Some(failure_body))
        }
        PauseSupervision => d("POST", "/supervisors/{name}/pause", "pause_supervision", &[], None),
        ResumeSupervision => d("POST", "/supervisors/{name}/resume", "resume supervision", &[], None),
        Benchmark => {
            d("POST", "/supervisors/{name}/benchmark", "benchmark_supervision_tree (kills each child once)", &[], None)
        }
        Health => d("GET", "/system/health", "analyze_system_health", &[], None),
        Metrics => d(
            "GET",
            "/system/metrics",
            "the sampled time series",
            &[
                ("last", "only the last N samples"),
                ("pid", "only this process's series"),
                ("processes", "false: the system series only"),
            ],
            None,
        ),
        Relationships => d("GET", "/system/relationships", "build_relationship_graph", &[], None),
        Bottlenecks => {
            d("GET", "/system/bottlenecks", "detect_bottlenecks", &[("window_ms", "growth window; default 2000")], None)
        }
        Hierarchy => d("GET", "/system/hierarchy", "get_process_hierarchy", &[], None),
        Report => d("GET", "/system/report", "generate_system_report", &[("format", "json or md")], None),
        MessagePatterns => d("GET", "/system/message-patterns", "analyze_message_patterns", &[], None),
        TraceFlow => d("POST", "/system/trace-flow", "trace_message_flow", &[], Some(flow_body)),
        Tick => d("POST", "/system/tick", "let virtual time pass", &[], Some(tick_body)),
        Chaos => d("POST", "/system/chaos", "seeded random kills at a rate", &[], Some(chaos_body)),
        Inputs => d("GET", "/system/inputs", "the input log (seed + scenario + inputs replay exactly)", &[], None),
        Recording => d(
            "GET",
            "/system/recording",
            "this run as a recording (scenario, seed, inputs) that replays exactly: otpsim replay FILE",
            &[],
            None,
        ),
        Events => d(
            "GET",
            "/system/events",
            "the bounded recorder's events (supervision, control, probes, logs; all kinds for traced processes)",
            &[
                ("since", "only events after this seq"),
                ("limit", "the newest N (1000)"),
                ("pid", "only events about this process"),
            ],
            None,
        ),
        Subscribe => d("POST", "/subscriptions", "subscribe to a topic", &[], Some(topic_body)),
        Poll => d("GET", "/subscriptions/{id}", "take what a subscription received", &[], None),
        Unsubscribe => d("DELETE", "/subscriptions/{id}", "end a subscription", &[], None),
        OpenApi => d("GET", "/openapi.json", "this document", &[], None),
    }
}

/// The OpenAPI 3 document.
pub fn document() -> Value {
    let mut paths: Map<String, Value> = Map::new();
    for r in Route::ALL {
        let d = doc(r);
        let mut params: Vec<Value> = Vec::new();
        for seg in d.path.split('/') {
            if let Some(name) = seg.strip_prefix('{').and_then(|s| s.strip_suffix('}')) {
                params.push(json!({"name": name, "in": "path", "required": true, "schema": {"type": "string"},
                    "description": if name == "id" { "a number" } else { "0.N.0, a registered name, or a tree id or path" }}));
            }
        }
        for (name, desc) in d.query {
            params.push(json!({"name": name, "in": "query", "required": false, "schema": {"type": "string"}, "description": desc}));
        }
        let mut op = json!({
            "operationId": format!("{r:?}"),
            "summary": d.summary,
            "parameters": params,
            "responses": {
                "200": {"description": "OK", "content": {"application/json": {"schema": {"type": "object"}}}},
                "400": {"$ref": "#/components/responses/Error"},
                "404": {"$ref": "#/components/responses/Error"},
                "405": {"$ref": "#/components/responses/Error"},
                "409": {"$ref": "#/components/responses/Error"},
                "422": {"$ref": "#/components/responses/Error"},
                "502": {"$ref": "#/components/responses/Error"},
                "504": {"$ref": "#/components/responses/Error"}
            }
        });
        if let (Some(b), Some(o)) = (d.body, op.as_object_mut()) {
            o.insert("requestBody".into(), json!({"required": true, "content": {"application/json": {"schema": b()}}}));
        }
        let entry = paths.entry(format!("/api/v1{}", d.path)).or_insert_with(|| json!({}));
        if let Some(e) = entry.as_object_mut() {
            e.insert(d.method.to_ascii_lowercase(), op);
        }
    }
    json!({
        "openapi": "3.0.3",
        "info": {"title": "otpsim control API", "version": env!("CARGO_PKG_VERSION"),
            "description": "The Control API of otpsim over a live simulated OTP system. Errors are {\"error\": {\"code\", \"message\"}}."},
        "paths": Value::Object(paths),
        "components": {"responses": {"Error": {"description": "an error", "content": {"application/json": {"schema": {
            "type": "object", "required": ["error"], "properties": {"error": {"type": "object", "required": ["code", "message"],
            "properties": {"code": {"type": "string"}, "message": {"type": "string"}, "line": {"type": "integer"}, "col": {"type": "integer"}}}}}}}}}}
    })
}
