//! The route table: every route once, with its method, path pattern,
//! summary, query parameters and body schema. The router ([`route_of`]),
//! the query check and the OpenAPI document all read this one table.
//!
//! The table is a static slice searched in order rather than a router
//! crate such as `matchit`: 45 routes of at most four segments match in a
//! few hundred nanoseconds, a static table needs no building at start-up,
//! and telling "no such path" (404) from "not with this method" (405) is
//! one pass over it.

use crate::api::{modules, processes, subscriptions, supervisors, system};
use serde_json::Value;

/// Every route, one variant each, in the order of [`ROUTES`] (checked when
/// the crate compiles). A new route is a variant here, a row in [`ROUTES`]
/// and an arm in the handler dispatch.
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
    ListModules,
    LoadModules,
    OpenApi,
}

/// What a route is: one row of [`ROUTES`].
pub struct RouteSpec {
    pub route: Route,
    /// The method, in capitals.
    pub method: &'static str,
    /// The path under `/api/v1`, with `{param}` placeholders that match any
    /// one segment.
    pub path: &'static str,
    pub summary: &'static str,
    /// The query parameters it takes: name and description. Any other is
    /// refused with a 400.
    pub query: &'static [(&'static str, &'static str)],
    /// The request body's JSON schema, if it takes one.
    pub body: Option<fn() -> Value>,
}

impl RouteSpec {
    /// Whether the path segments (after `/api/v1`) fit this route's pattern.
    fn matches(&self, segs: &[&str]) -> bool {
        let mut pattern = self.path.trim_start_matches('/').split('/');
        let mut segs = segs.iter();
        loop {
            match (pattern.next(), segs.next()) {
                (None, None) => return true,
                (Some(p), Some(s)) if p.starts_with('{') || p == *s => {}
                _ => return false,
            }
        }
    }
}

/// Number of routes.
const N: usize = 45;

const fn row(
    route: Route,
    method: &'static str,
    path: &'static str,
    summary: &'static str,
    query: &'static [(&'static str, &'static str)],
    body: Option<fn() -> Value>,
) -> RouteSpec {
    RouteSpec { route, method, path, summary, query, body }
}

use Route::*;

const TABLE: [RouteSpec; N] = [
    row(
        ListProcesses,
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
    row(
        GetProcess,
        "GET",
        "/processes/{pid}",
        "get_process_details: selected process_info fields",
        &[("fields", "comma-separated field names")],
        None,
    ),
    row(
        KillProcess,
        "DELETE",
        "/processes/{pid}",
        "kill_process: exit(pid, reason)",
        &[("reason", "an Elixir term; default :kill")],
        Some(processes::ReasonBody::schema),
    ),
    row(ProcessState, "GET", "/processes/{pid}/state", "get_genserver_state", &[], None),
    row(
        ProcessMessages,
        "GET",
        "/processes/{pid}/messages",
        "the messages waiting in the mailbox",
        &[("limit", "at most this many")],
        None,
    ),
    row(
        SendMessage,
        "POST",
        "/processes/{pid}/message",
        "send_message: send an Elixir term (recorded for replay)",
        &[],
        Some(processes::MessageBody::schema),
    ),
    row(Suspend, "POST", "/processes/{pid}/suspend", "suspend_process", &[], None),
    row(Resume, "POST", "/processes/{pid}/resume", "resume_process", &[], None),
    row(History, "GET", "/processes/{pid}/history", "get_process_history (tracing must be on)", &[], None),
    row(
        Trace,
        "POST",
        "/processes/{pid}/trace",
        "turn tracing on or off for a process",
        &[],
        Some(processes::TraceBody::schema),
    ),
    row(Dependencies, "GET", "/processes/{pid}/dependencies", "find_process_dependencies", &[], None),
    row(
        Impact,
        "GET",
        "/processes/{pid}/impact",
        "trace_failure_impact",
        &[("reason", "exit reason; default :killed")],
        None,
    ),
    row(
        Profile,
        "POST",
        "/processes/{pid}/profile",
        "profile_process over virtual time",
        &[],
        Some(processes::ProfileBody::schema),
    ),
    row(ListProbes, "GET", "/processes/{pid}/probes", "the probes installed on a process", &[], None),
    row(
        AddProbe,
        "POST",
        "/processes/{pid}/probes",
        "inject_debug_code: install a probe",
        &[],
        Some(processes::probe_schema),
    ),
    row(RemoveProbe, "DELETE", "/processes/{pid}/probes/{id}", "remove a probe", &[], None),
    row(ListSupervisors, "GET", "/supervisors", "every supervisor", &[], None),
    row(GetSupervisor, "GET", "/supervisors/{name}", "a supervisor's flags, children and restart log", &[], None),
    row(SupervisorTree, "GET", "/supervisors/{name}/tree", "the supervision tree under it", &[], None),
    row(SupervisorAnalytics, "GET", "/supervisors/{name}/analytics", "get_supervisor_analytics", &[], None),
    row(
        StartChild,
        "POST",
        "/supervisors/{name}/children",
        "start a child from a scenario node",
        &[],
        Some(supervisors::ChildBody::schema),
    ),
    row(
        SetStrategy,
        "PUT",
        "/supervisors/{name}/strategy",
        "change_supervision_strategy (409 when refused)",
        &[],
        Some(supervisors::StrategyBody::schema),
    ),
    row(
        SimulateFailure,
        "POST",
        "/supervisors/{name}/simulate-failure",
        "simulate_failure",
        &[],
        Some(supervisors::FailureBody::schema),
    ),
    row(PauseSupervision, "POST", "/supervisors/{name}/pause", "pause_supervision", &[], None),
    row(ResumeSupervision, "POST", "/supervisors/{name}/resume", "resume supervision", &[], None),
    row(
        Benchmark,
        "POST",
        "/supervisors/{name}/benchmark",
        "benchmark_supervision_tree (kills each child once)",
        &[],
        None,
    ),
    row(Health, "GET", "/system/health", "analyze_system_health", &[], None),
    row(
        Metrics,
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
    row(Relationships, "GET", "/system/relationships", "build_relationship_graph", &[], None),
    row(
        Bottlenecks,
        "GET",
        "/system/bottlenecks",
        "detect_bottlenecks",
        &[("window_ms", "growth window; default 2000")],
        None,
    ),
    row(Hierarchy, "GET", "/system/hierarchy", "get_process_hierarchy", &[], None),
    row(Report, "GET", "/system/report", "generate_system_report", &[("format", "json or md")], None),
    row(MessagePatterns, "GET", "/system/message-patterns", "analyze_message_patterns", &[], None),
    row(TraceFlow, "POST", "/system/trace-flow", "trace_message_flow", &[], Some(system::FlowBody::schema)),
    row(Tick, "POST", "/system/tick", "let virtual time pass", &[], Some(system::TickBody::schema)),
    row(Chaos, "POST", "/system/chaos", "seeded random kills at a rate", &[], Some(system::ChaosBody::schema)),
    row(Inputs, "GET", "/system/inputs", "the input log (seed + scenario + inputs replay exactly)", &[], None),
    row(
        Recording,
        "GET",
        "/system/recording",
        "this run as a recording (scenario, seed, inputs) that replays exactly: otpsim replay FILE",
        &[],
        None,
    ),
    row(
        Events,
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
    row(Subscribe, "POST", "/subscriptions", "subscribe to a topic", &[], Some(subscriptions::TopicBody::schema)),
    row(Poll, "GET", "/subscriptions/{id}", "take what a subscription received", &[], None),
    row(Unsubscribe, "DELETE", "/subscriptions/{id}", "end a subscription", &[], None),
    row(ListModules, "GET", "/modules", "the Elixir modules loaded, with their versions", &[], None),
    row(
        LoadModules,
        "POST",
        "/modules",
        "load or hot-load Elixir modules (a logged input)",
        &[],
        Some(modules::SourceBody::schema),
    ),
    row(OpenApi, "GET", "/openapi.json", "this document", &[], None),
];

/// The route table, in [`Route`] order.
pub static ROUTES: [RouteSpec; N] = TABLE;

// Row `i` is the route whose discriminant is `i`, so `Route::spec` can index.
const _: () = {
    let mut i = 0;
    while i < N {
        assert!(TABLE[i].route as usize == i, "ROUTES is not in Route order");
        i += 1;
    }
};

impl Route {
    /// Every route, in table order.
    pub const ALL: [Route; N] = {
        let mut all = [Route::OpenApi; N];
        let mut i = 0;
        while i < N {
            all[i] = TABLE[i].route;
            i += 1;
        }
        all
    };

    /// Its row of the route table.
    pub fn spec(self) -> &'static RouteSpec {
        // In bounds: the check above puts every variant's row at its
        // discriminant, and the table has a row for each.
        &ROUTES[self as usize]
    }
}

/// Why no route answers a method and path.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RouteError {
    /// No route has this path (404).
    NoSuchPath,
    /// Routes have this path, but none with this method (405).
    WrongMethod,
}

/// Finds the route for a method (any case) and path (segments after
/// `/api/v1`).
pub fn route_of(method: &str, segs: &[&str]) -> Result<Route, RouteError> {
    let method = method.to_ascii_uppercase();
    let mut path_known = false;
    for spec in &ROUTES {
        if spec.matches(segs) {
            if spec.method == method {
                return Ok(spec.route);
            }
            path_known = true;
        }
    }
    Err(if path_known { RouteError::WrongMethod } else { RouteError::NoSuchPath })
}
