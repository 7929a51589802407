//! `System`: one live simulation — a [`Runtime`](crate::runtime::Runtime)
//! running a scenario's supervision tree, the processes that act for the
//! outside world (the application master that starts the root and runs the
//! scenario's timed steps, and the shell that makes calls), the path→pid
//! map of the tree, seeded chaos, the metrics sampler, observed message
//! flows, probes and topic subscriptions.
//!
//! Every input from outside is an [`Input`], applied by [`System::apply`]
//! and appended to the input log, so that seed + scenario + input log
//! replays to the identical event stream ([`System::replay`]).
//!
//! One file per concern: `live.rs` (the struct, its construction and
//! accessors), `inputs.rs` (inputs, validation, advancing time),
//! `recording.rs` (recordings and replay), `chaos.rs`, `sampling.rs` (the
//! metrics sampler; `metrics.rs` holds the series), `flows.rs` (supervision
//! events and message flows drained from the bus), `shell.rs`, `probes.rs`,
//! `tree.rs` (snapshots, the tree, path resolution), `topics.rs`,
//! `app_master.rs`, `error.rs` (`ControlError`), and `worker.rs` (the
//! generic worker a scenario node without a sandbox kind stands for).

mod app_master;
mod chaos;
mod error;
mod flows;
mod inputs;
mod live;
pub mod metrics;
pub mod probes;
mod recording;
mod sampling;
mod shell;
mod topics;
mod tree;
pub mod worker;

pub use error::ControlError;
pub use flows::{message_shape, FlowEdge};
pub use inputs::{Input, SupOp};
pub use live::{System, SystemOptions};
pub use recording::{RecordedInput, Recording, RECORDING_FORMAT};
pub use sampling::blocked_callee;
pub use topics::event_json;
pub use tree::{read_snapshot, TreeEntry};
