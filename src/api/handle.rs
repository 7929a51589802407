//! Answering one request, in four named steps: split the path, find the
//! route, decode the request (checking its query against the route's),
//! and dispatch to the route's handler.

use crate::api::error::{ApiError, ApiResult};
use crate::api::request::{decode, Query, Request};
use crate::api::routes::{route_of, Route, RouteError};
use crate::api::{modules, openapi, processes, subscriptions, supervisors, system};
use crate::system::System;
use serde_json::Value;

/// Answers one request. `body_text` is the request's JSON text ("" for none).
pub fn handle(sys: &mut System, method: &str, path: &str, body_text: &str) -> (u16, Value) {
    match answer(sys, method, path, body_text) {
        Ok(r) => r,
        Err(e) => (e.status(), e.body()),
    }
}

fn answer(sys: &mut System, method: &str, path: &str, body_text: &str) -> ApiResult {
    let (path, query) = path.split_once('?').unwrap_or((path, ""));
    let raw = segments(path)?;
    let route = find_route(method, path, &raw)?;
    let req = decode_request(route, &raw, query, body_text)?;
    dispatch(route, sys, &req)
}

/// The raw (still percent-encoded) segments after `/api/v1/`; a trailing
/// `/` is ignored.
fn segments(path: &str) -> Result<Vec<&str>, ApiError> {
    let Some(rest) = path.strip_prefix("/api/v1/") else {
        return Err(ApiError::NoRoute { message: format!("no route {path} (routes start with /api/v1/)") });
    };
    Ok(rest.trim_end_matches('/').split('/').collect())
}

/// The route, or a 404 (no such path) or 405 (not with this method).
fn find_route(method: &str, path: &str, raw: &[&str]) -> Result<Route, ApiError> {
    route_of(method, raw).map_err(|e| match e {
        RouteError::WrongMethod => ApiError::MethodNotAllowed { method: method.to_string(), path: path.to_string() },
        RouteError::NoSuchPath => ApiError::NoRoute { message: format!("no route {method} {path}") },
    })
}

/// Decodes the path segments and the query, refusing query parameters the
/// route does not document. Nothing has happened yet, so a refusal here
/// changes nothing.
fn decode_request<'a>(route: Route, raw: &[&str], query: &str, body_text: &'a str) -> Result<Request<'a>, ApiError> {
    let segs = raw.iter().map(|s| decode(s, false)).collect::<Result<_, _>>()?;
    let query = Query::parse(query)?;
    query.only(route.spec().query)?;
    Ok(Request { segs, query, body_text })
}

/// Runs the route's handler.
fn dispatch(route: Route, sys: &mut System, req: &Request) -> ApiResult {
    use Route::*;
    let handler = match route {
        ListProcesses => processes::list,
        GetProcess => processes::details,
        KillProcess => processes::kill,
        ProcessState => processes::state,
        ProcessMessages => processes::messages,
        SendMessage => processes::send,
        Suspend => processes::suspend,
        Resume => processes::resume,
        History => processes::history,
        Trace => processes::trace,
        Dependencies => processes::dependencies,
        Impact => processes::impact,
        Profile => processes::profile,
        ListProbes => processes::probes,
        AddProbe => processes::add_probe,
        RemoveProbe => processes::remove_probe,
        ListSupervisors => supervisors::list,
        GetSupervisor => supervisors::get,
        SupervisorTree => supervisors::tree,
        SupervisorAnalytics => supervisors::analytics,
        StartChild => supervisors::start_child,
        SetStrategy => supervisors::set_strategy,
        SimulateFailure => supervisors::simulate_failure,
        PauseSupervision => supervisors::pause,
        ResumeSupervision => supervisors::resume,
        Benchmark => supervisors::benchmark,
        Health => system::health,
        Metrics => system::metrics,
        Relationships => system::relationships,
        Bottlenecks => system::bottlenecks,
        Hierarchy => system::hierarchy,
        Report => system::report,
        MessagePatterns => system::message_patterns,
        TraceFlow => system::trace_flow,
        Tick => system::tick,
        Chaos => system::chaos,
        Inputs => system::inputs,
        Recording => system::recording,
        Events => system::events,
        Subscribe => subscriptions::subscribe,
        Poll => subscriptions::poll,
        Unsubscribe => subscriptions::unsubscribe,
        ListModules => modules::list,
        LoadModules => modules::load,
        OpenApi => openapi::serve,
    };
    handler(sys, req)
}
