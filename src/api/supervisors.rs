//! The handlers of `/supervisors/…`: listing, a supervisor and its tree,
//! analytics, starting children, strategy changes, simulated failures,
//! pausing supervision and the benchmark; with the bodies they take and
//! their schemas.

use crate::api::error::{ok, ApiResult};
use crate::api::request::Request;
use crate::control;
use crate::scenario::Node;
use crate::system::System;
use serde::Deserialize;
use serde_json::{json, Value};

/// `POST /supervisors/{name}/children`.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct ChildBody {
    spec: Node,
}

impl ChildBody {
    pub(crate) fn schema() -> Value {
        json!({"type":"object","required":["spec"],"properties":{"spec":{"type":"object","description":"a node as in the scenario format"}}})
    }
}

/// `PUT /supervisors/{name}/strategy`.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct StrategyBody {
    strategy: String,
    #[serde(default)]
    rollback_window_s: Option<u64>,
}

impl StrategyBody {
    pub(crate) fn schema() -> Value {
        json!({"type":"object","required":["strategy"],"properties":{
            "strategy":{"type":"string","enum":["one_for_one","one_for_all","rest_for_one","simple_one_for_one"]},
            "rollback_window_s":{"type":"integer","description":"default: the supervisor's period"}}})
    }
}

/// `POST /supervisors/{name}/simulate-failure`.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct FailureBody {
    #[serde(default)]
    child_id: Option<String>,
    #[serde(default)]
    reason: Option<String>,
}

impl FailureBody {
    pub(crate) fn schema() -> Value {
        json!({"type":"object","properties":{
            "child_id":{"type":"string","description":"absent: a running child chosen by the seeded RNG"},
            "reason":{"type":"string","description":"an Elixir term; default :simulated_failure"}}})
    }
}

/// `GET /supervisors`.
pub(crate) fn list(sys: &mut System, req: &Request) -> ApiResult {
    req.no_body()?;
    ok(control::list_supervisors(sys))
}

/// `GET /supervisors/{name}`: flags, children and restart log.
pub(crate) fn get(sys: &mut System, req: &Request) -> ApiResult {
    req.no_body()?;
    ok(control::get_supervisor(sys, req.target(sys)?)?)
}

/// `GET /supervisors/{name}/tree`.
pub(crate) fn tree(sys: &mut System, req: &Request) -> ApiResult {
    req.no_body()?;
    ok(control::get_supervision_tree(sys, req.target(sys)?)?)
}

/// `GET /supervisors/{name}/analytics`.
pub(crate) fn analytics(sys: &mut System, req: &Request) -> ApiResult {
    req.no_body()?;
    ok(control::get_supervisor_analytics(sys, req.target(sys)?)?)
}

/// `POST /supervisors/{name}/children`: start a child from a scenario node.
pub(crate) fn start_child(sys: &mut System, req: &Request) -> ApiResult {
    let cb: ChildBody = req.body()?;
    let sup = req.target(sys)?;
    let r = control::start_child(sys, sup, cb.spec)?;
    let new = r.as_tuple().and_then(|t| t.get(1)).and_then(|p| p.as_pid()).map(|p| p.short());
    ok(json!({ "supervisor": sup.short(), "pid": new, "result": r.to_string() }))
}

/// `PUT /supervisors/{name}/strategy`: `change_supervision_strategy`.
pub(crate) fn set_strategy(sys: &mut System, req: &Request) -> ApiResult {
    let sb: StrategyBody = req.body()?;
    let sup = req.target(sys)?;
    ok(control::change_supervision_strategy(sys, sup, &sb.strategy, sb.rollback_window_s)?)
}

/// `POST /supervisors/{name}/simulate-failure`.
pub(crate) fn simulate_failure(sys: &mut System, req: &Request) -> ApiResult {
    let fb: FailureBody = req.body()?;
    let reason = control::parse_term(fb.reason.as_deref().unwrap_or(":simulated_failure"))?;
    let sup = req.target(sys)?;
    ok(control::simulate_failure(sys, sup, fb.child_id.as_deref(), reason)?)
}

/// `POST /supervisors/{name}/pause`.
pub(crate) fn pause(sys: &mut System, req: &Request) -> ApiResult {
    req.no_body()?;
    let sup = req.target(sys)?;
    control::pause_supervision(sys, sup)?;
    ok(json!({ "supervisor": sup.short(), "paused": true }))
}

/// `POST /supervisors/{name}/resume`.
pub(crate) fn resume(sys: &mut System, req: &Request) -> ApiResult {
    req.no_body()?;
    let sup = req.target(sys)?;
    control::resume_supervision(sys, sup)?;
    ok(json!({ "supervisor": sup.short(), "paused": false }))
}

/// `POST /supervisors/{name}/benchmark`: `benchmark_supervision_tree`.
pub(crate) fn benchmark(sys: &mut System, req: &Request) -> ApiResult {
    req.no_body()?;
    ok(control::benchmark_supervision_tree(sys, req.target(sys)?)?)
}
