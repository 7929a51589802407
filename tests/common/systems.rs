//! Live systems for the control and API tests, built from scenario JSON
//! the test itself writes: a scenario that does not parse or start is a
//! bug in the test, so these panic with the reason.

use otpsim::scenario::Scenario;
use otpsim::system::{System, SystemOptions};

/// The scenario `json` describes.
pub fn scenario(json: &str) -> Scenario {
    Scenario::from_json(json).unwrap_or_else(|e| panic!("bad test scenario: {e}"))
}

/// A live system of the scenario `json`, with the default options.
pub fn system(json: &str) -> System {
    system_with(json, SystemOptions::default())
}

/// A live system of the scenario `json`, with `opts`.
pub fn system_with(json: &str, opts: SystemOptions) -> System {
    System::new(scenario(json), opts).unwrap_or_else(|e| panic!("test scenario did not start: {e:?}"))
}
