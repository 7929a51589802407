//! The REST-shaped API: `handle(system, method, path, body) -> (status,
//! json)` for every route of the brief (and a few more over the rest of the
//! Control API), typed JSON errors, topic subscriptions, and the OpenAPI 3
//! document of the routes ([`openapi`]). One route table ([`routes`])
//! drives the router, the query check and the OpenAPI document.
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

mod error;
mod handle;
mod modules;
pub mod openapi;
mod processes;
mod request;
mod routes;
mod subscriptions;
mod supervisors;
mod system;

pub use error::ApiError;
pub use handle::handle;
pub use routes::{route_of, Route, RouteError, RouteSpec, ROUTES};
pub use system::MAX_TICK_MS;
