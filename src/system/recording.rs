//! Recordings: a run as its scenario, seed and input log, written out and
//! replayed input by input to the identical event stream.

use super::{ControlError, Input, System, SystemOptions};
use crate::runtime::VTime;
use crate::scenario::Scenario;
use serde::{Deserialize, Serialize};

/// A recording: everything needed to replay a run exactly — the scenario,
/// the seed, and every input with the virtual time it was applied at.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Recording {
    /// `"otpsim-recording/1"`.
    pub format: String,
    pub seed: u64,
    pub scenario: Scenario,
    pub inputs: Vec<RecordedInput>,
}

/// One input of a recording.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RecordedInput {
    /// Virtual nanoseconds since the start.
    pub at_ns: u64,
    pub input: Input,
}

/// The format tag of recordings this version writes and reads.
pub const RECORDING_FORMAT: &str = "otpsim-recording/1";

impl System {
    /// Builds a system and applies a recorded input log to it.
    pub fn replay(scenario: Scenario, opts: SystemOptions, log: &[(VTime, Input)]) -> Result<System, ControlError> {
        let mut s = System::new(scenario, opts)?;
        for (_, input) in log {
            // Inputs that failed when recorded fail the same way now.
            let _ = s.apply(input.clone());
        }
        Ok(s)
    }

    /// This run as a recording (scenario, seed, inputs).
    pub fn recording(&self) -> Recording {
        Recording {
            format: RECORDING_FORMAT.into(),
            seed: self.seed,
            scenario: self.scenario.clone(),
            inputs: self.inputs.iter().map(|(at, i)| RecordedInput { at_ns: at.0, input: i.clone() }).collect(),
        }
    }

    /// Starts the system of a recording, ready to replay it with
    /// [`System::replay_next`] input by input (or all at once with
    /// [`System::from_recording`]).
    pub fn for_recording(rec: &Recording, opts: SystemOptions) -> Result<System, ControlError> {
        if rec.format != RECORDING_FORMAT {
            return Err(ControlError::BadRequest {
                message: format!("recording format {:?} is not {RECORDING_FORMAT:?}", rec.format),
            });
        }
        System::new(rec.scenario.clone(), SystemOptions { seed: Some(rec.seed), ..opts })
    }

    /// Applies one recorded input, first checking that the run is where the
    /// recording says it was (the same virtual time): a difference means
    /// the recording does not belong to this version or scenario.
    pub fn replay_next(&mut self, i: usize, r: &RecordedInput) -> Result<(), ControlError> {
        if self.rt.now().0 != r.at_ns {
            return Err(ControlError::Refused {
                reason: format!(
                    "the replay diverged at input {i}: recorded at {} ns, replayed at {} ns",
                    r.at_ns,
                    self.rt.now().0
                ),
            });
        }
        // An input that failed when recorded fails the same way now.
        let _ = self.apply(r.input.clone());
        Ok(())
    }

    /// Replays a whole recording.
    pub fn from_recording(rec: &Recording, opts: SystemOptions) -> Result<System, ControlError> {
        let mut s = System::for_recording(rec, opts)?;
        for (i, r) in rec.inputs.iter().enumerate() {
            s.replay_next(i, r)?;
        }
        Ok(s)
    }
}
