//! `ControlError`: everything an operation on a live system can refuse or
//! fail with, raised first by `System` and carried up through the Control
//! API to the HTTP-shaped API (which maps it to a status code).

use crate::pattern::PatternError;
use crate::runtime::RuntimeError;
use serde::Serialize;
use std::fmt;

/// Everything a control function can refuse or fail with.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(tag = "code", rename_all = "snake_case")]
pub enum ControlError {
    /// No live process is known by this pid or name.
    NoProc {
        pid: String,
    },
    /// The process is not a GenServer (no state to read, no probes).
    NotGenServer {
        pid: String,
    },
    NotSupervisor {
        pid: String,
    },
    /// A term or probe did not parse.
    BadTerm {
        line: usize,
        col: usize,
        message: String,
    },
    BadRequest {
        message: String,
    },
    BadScenario {
        message: String,
    },
    /// The operation is unsafe or not possible now.
    Refused {
        reason: String,
    },
    /// History needs tracing on for the process.
    TracingOff {
        pid: String,
    },
    /// The process did not answer in time (busy or blocked).
    Timeout {
        what: String,
    },
    NotFound {
        what: String,
    },
    /// A call made on the outside world's behalf failed.
    CallFailed {
        reason: String,
    },
}

impl ControlError {
    /// The error's code, as in the API's `{"error": {"code": …}}`.
    pub fn code(&self) -> &'static str {
        match self {
            ControlError::NoProc { .. } => "no_proc",
            ControlError::NotGenServer { .. } => "not_genserver",
            ControlError::NotSupervisor { .. } => "not_supervisor",
            ControlError::BadTerm { .. } => "bad_term",
            ControlError::BadRequest { .. } => "bad_request",
            ControlError::BadScenario { .. } => "bad_scenario",
            ControlError::Refused { .. } => "refused",
            ControlError::TracingOff { .. } => "tracing_off",
            ControlError::Timeout { .. } => "timeout",
            ControlError::NotFound { .. } => "not_found",
            ControlError::CallFailed { .. } => "call_failed",
        }
    }

    /// The HTTP-style status the API answers with.
    pub fn status(&self) -> u16 {
        match self {
            ControlError::NoProc { .. } | ControlError::NotFound { .. } => 404,
            ControlError::BadTerm { .. } | ControlError::BadRequest { .. } | ControlError::BadScenario { .. } => 400,
            ControlError::Refused { .. } | ControlError::TracingOff { .. } => 409,
            ControlError::NotGenServer { .. } | ControlError::NotSupervisor { .. } => 422,
            ControlError::Timeout { .. } => 504,
            ControlError::CallFailed { .. } => 502,
        }
    }
}

impl fmt::Display for ControlError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ControlError::NoProc { pid } => write!(f, "no live process {pid}"),
            ControlError::NotGenServer { pid } => write!(f, "process {pid} is not a GenServer"),
            ControlError::NotSupervisor { pid } => write!(f, "process {pid} is not a supervisor"),
            ControlError::BadTerm { line, col, message } => write!(f, "{message} at {line}:{col}"),
            ControlError::BadRequest { message } => write!(f, "{message}"),
            ControlError::BadScenario { message } => write!(f, "{message}"),
            ControlError::Refused { reason } => write!(f, "refused: {reason}"),
            ControlError::TracingOff { pid } => {
                write!(
                    f,
                    "tracing is off for {pid}: turn it on (POST /api/v1/processes/{pid}/trace) to record its history"
                )
            }
            ControlError::Timeout { what } => write!(f, "timeout: {what}"),
            ControlError::NotFound { what } => write!(f, "not found: {what}"),
            ControlError::CallFailed { reason } => write!(f, "the call failed: {reason}"),
        }
    }
}

impl std::error::Error for ControlError {}

impl From<RuntimeError> for ControlError {
    fn from(e: RuntimeError) -> ControlError {
        match e {
            RuntimeError::NoProc(p) => ControlError::NoProc { pid: p.short() },
            RuntimeError::NotRegistered(n) => ControlError::NoProc { pid: n },
            RuntimeError::NotSuspended(p) => {
                ControlError::Refused { reason: format!("process {} is not suspended", p.short()) }
            }
            RuntimeError::BadArg(m) => ControlError::BadRequest { message: m },
        }
    }
}

impl From<crate::term::ParseError> for ControlError {
    fn from(e: crate::term::ParseError) -> ControlError {
        ControlError::BadTerm { line: e.line, col: e.col, message: e.message }
    }
}

impl From<PatternError> for ControlError {
    fn from(e: PatternError) -> ControlError {
        ControlError::BadTerm { line: e.line, col: e.col, message: e.message }
    }
}
