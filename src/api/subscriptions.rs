//! The handlers of `/subscriptions/…`: subscribing to a topic
//! (`process:<pid>`, `process:*`, `supervisor:<name>`, `supervisor:*`,
//! `system:metrics`), taking what a subscription received, and ending it.
//! The topics and queues themselves are the system's; this is their door.

use crate::api::error::{ok, ApiError, ApiResult};
use crate::api::request::Request;
use crate::system::System;
use serde::Deserialize;
use serde_json::{json, Value};

/// `POST /subscriptions`.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct TopicBody {
    topic: String,
}

impl TopicBody {
    pub(crate) fn schema() -> Value {
        json!({"type":"object","required":["topic"],"properties":{"topic":{"type":"string",
            "description":"process:<pid>, process:*, supervisor:<name>, supervisor:* or system:metrics"}}})
    }
}

/// A subscription id from the path; one that is not a number names no
/// subscription, so it is a 404 like an unknown number.
fn sub_id(s: &str) -> Result<u64, ApiError> {
    s.parse().map_err(|_| ApiError::NotFound { message: format!("no subscription {s:?}") })
}

fn no_subscription(id: u64) -> ApiError {
    ApiError::NotFound { message: format!("no subscription {id}") }
}

/// `POST /subscriptions`: subscribe to a topic.
pub(crate) fn subscribe(sys: &mut System, req: &Request) -> ApiResult {
    let tb: TopicBody = req.body()?;
    let id = sys.subscribe(&tb.topic)?;
    ok(json!({ "id": id, "topic": tb.topic }))
}

/// `GET /subscriptions/{id}`: take what the subscription received.
pub(crate) fn poll(sys: &mut System, req: &Request) -> ApiResult {
    req.no_body()?;
    let id = sub_id(req.seg(1))?;
    sys.poll(id).ok_or_else(|| no_subscription(id)).map(|v| (200, v))
}

/// `DELETE /subscriptions/{id}`: end the subscription.
pub(crate) fn unsubscribe(sys: &mut System, req: &Request) -> ApiResult {
    req.no_body()?;
    let id = sub_id(req.seg(1))?;
    if sys.unsubscribe(id) {
        ok(json!({ "id": id, "unsubscribed": true }))
    } else {
        Err(no_subscription(id))
    }
}
