//! `SimError`: everything a [`Sim`](super::Sim) command can refuse, as a
//! value the views show as text.

use crate::control::ControlError;
use crate::scenario::ScenarioError;
use crate::term::Term;

/// Why a [`Sim`](super::Sim) command did nothing. `Display` gives the text
/// the playground shows in its notice or inline error.
#[derive(Clone, Debug, PartialEq)]
pub enum SimError {
    /// No built-in scenario has this name.
    UnknownScenario(String),
    /// A built-in scenario did not load (a bug in the scenario's JSON).
    Scenario(ScenarioError),
    /// The control layer refused the command.
    Control(ControlError),
    /// The exit reason typed for a kill is not a term.
    BadReason(ControlError),
    /// The supervisor answered a request with `{:error, reason}`.
    SupervisorRefused(Term),
    /// The probe action's name is none the inspector offers.
    UnknownProbeAction(String),
    /// A flow recording was started while one is running.
    AlreadyRecording,
    /// A flow recording was stopped while none is running.
    NotRecording,
}

impl std::fmt::Display for SimError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            SimError::UnknownScenario(name) => write!(f, "no built-in scenario is called {name:?}"),
            SimError::Scenario(e) => write!(f, "{e}"),
            SimError::Control(e) => write!(f, "{e}"),
            SimError::BadReason(e) => write!(f, "reason: {e}"),
            SimError::SupervisorRefused(reason) => write!(f, "the supervisor refused: {reason}"),
            SimError::UnknownProbeAction(name) => write!(f, "unknown probe action {name:?}"),
            SimError::AlreadyRecording => f.write_str("a flow is already being recorded"),
            SimError::NotRecording => f.write_str("no flow is being recorded"),
        }
    }
}

impl std::error::Error for SimError {}

impl From<ControlError> for SimError {
    fn from(e: ControlError) -> SimError {
        SimError::Control(e)
    }
}
