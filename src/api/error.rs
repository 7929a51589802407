//! The API's errors: one variant per way a request fails, each with its
//! status, code and JSON body `{"error": {"code", "message", …}}`.

use crate::control::ControlError;
use serde::Serialize;
use serde_json::{json, Value};

/// Why a request failed.
#[derive(Debug)]
pub enum ApiError {
    /// 404: no route has this path (or it does not start with `/api/v1/`).
    NoRoute { message: String },
    /// 405: the path is a route, but not with this method.
    MethodNotAllowed { method: String, path: String },
    /// 400: a bad body, query, path segment or parameter. `at` is the line
    /// and column of a body that is not the JSON the route takes.
    BadRequest { message: String, at: Option<(usize, usize)> },
    /// 404: the thing the path names (a subscription) does not exist.
    NotFound { message: String },
    /// Whatever the Control API refused, with its own status and code.
    Control(ControlError),
    /// 500: an answer that could not be encoded as JSON.
    Internal { message: String },
}

impl ApiError {
    /// A 400 with no position.
    pub(crate) fn bad(message: impl Into<String>) -> ApiError {
        ApiError::BadRequest { message: message.into(), at: None }
    }

    /// The HTTP status.
    pub fn status(&self) -> u16 {
        match self {
            ApiError::NoRoute { .. } | ApiError::NotFound { .. } => 404,
            ApiError::MethodNotAllowed { .. } => 405,
            ApiError::BadRequest { .. } => 400,
            ApiError::Control(e) => e.status(),
            ApiError::Internal { .. } => 500,
        }
    }

    /// The machine-readable code.
    pub fn code(&self) -> &'static str {
        match self {
            ApiError::NoRoute { .. } => "no_route",
            ApiError::MethodNotAllowed { .. } => "method_not_allowed",
            ApiError::BadRequest { .. } => "bad_request",
            ApiError::NotFound { .. } => "not_found",
            ApiError::Control(e) => e.code(),
            ApiError::Internal { .. } => "internal",
        }
    }

    /// The human-readable message.
    pub fn message(&self) -> String {
        match self {
            ApiError::NoRoute { message }
            | ApiError::BadRequest { message, .. }
            | ApiError::NotFound { message }
            | ApiError::Internal { message } => message.clone(),
            ApiError::MethodNotAllowed { method, path } => format!("{method} is not allowed on {path}"),
            ApiError::Control(e) => e.to_string(),
        }
    }

    /// Where in its text a bad body or term went wrong: (line, column).
    fn position(&self) -> Option<(usize, usize)> {
        match self {
            ApiError::BadRequest { at, .. } => *at,
            ApiError::Control(ControlError::BadTerm { line, col, .. }) => Some((*line, *col)),
            _ => None,
        }
    }

    /// The JSON body: `{"error": {"code", "message"}}`, with `line` and
    /// `col` when the error has a position.
    pub fn body(&self) -> Value {
        let mut e = serde_json::Map::new();
        e.insert("code".into(), json!(self.code()));
        e.insert("message".into(), json!(self.message()));
        // `col` before `line`, the order the body has always had.
        if let Some((line, col)) = self.position() {
            e.insert("col".into(), json!(col));
            e.insert("line".into(), json!(line));
        }
        json!({ "error": Value::Object(e) })
    }
}

impl From<ControlError> for ApiError {
    fn from(e: ControlError) -> ApiError {
        ApiError::Control(e)
    }
}

/// What a handler answers: a status and a JSON body, or an error.
pub(crate) type ApiResult = Result<(u16, Value), ApiError>;

/// A 200 with `x` as its body.
pub(crate) fn ok<T: Serialize>(x: T) -> ApiResult {
    serde_json::to_value(x)
        .map(|v| (200, v))
        .map_err(|e| ApiError::Internal { message: format!("could not encode the answer: {e}") })
}
