//! The playground's one adapter onto the simulator: a live [`Sim`] built
//! from a built-in scenario, stepped by the UI, and every read and command
//! the views need, as plain data — all through the control layer.
//!
//! This module compiles natively and holds no browser type, so it is tested
//! with plain `cargo test`. The views never touch the runtime or the control
//! layer: they read through [`Sim`] and act by handing it an [`Action`].
//!
//! One concept per file:
//! - `sim.rs` — [`Sim`] itself: building it, its clock, labels.
//! - `action.rs` — [`Action`] and [`Sim::act`], the views' one way to act.
//! - `commands.rs` — the commands an action runs (kill, send, supervisor
//!   requests, probes, chaos).
//! - `error.rs` — [`SimError`], why a command did nothing.
//! - `status.rs` — [`ProcStatus`] and [`NodeStatus`].
//! - `tree.rs` — [`TreeNode`], the supervision tree as the explorer draws it.
//! - `inspect.rs` — [`Details`], what the inspector shows of a process.
//! - `dashboard.rs` — metrics, health, findings and the heatmap.
//! - `flows.rs` — moving messages and flow recordings.
//! - `report.rs` — the Markdown and JSON reports.
//! - `input_log.rs` — the recording of inputs, as JSON, to replay a run.
//! - `scenarios.rs` — the built-in scenarios.
//! - `determinism.rs` — the event-stream hash checked natively and in wasm.
//! - `embed.rs` — what the embed API needs: its options, rebuilding, the
//!   REST-shaped router on the system, the recording.
//! - `text.rs` — cutting text to a width.

mod action;
mod commands;
mod dashboard;
mod determinism;
mod embed;
mod error;
mod flows;
mod input_log;
mod inspect;
mod report;
mod scenarios;
mod sim;
mod status;
mod text;
mod tree;

pub use action::Action;
pub use dashboard::{Alert, Findings, Health, Heatmap, Sample};
pub use determinism::{determinism_cases, event_stream_hash, scripted_hash, DEMO_HASH_SEED42_3000MS};
pub use embed::{embed_options, hash_hex};
pub use error::SimError;
pub use flows::{FlowHop, FlowRecording, Moving, RECORDING_MAX_HOPS};
pub use inspect::{probe_action, Details, InfoView, ProbeView, VersionView};
pub use scenarios::{scenario_json, SCENARIOS};
pub use sim::Sim;
pub use status::{NodeStatus, ProcStatus};
pub use text::short_str;
pub use tree::TreeNode;

/// The pid of a tree node found by child id or registered name (tests).
#[cfg(test)]
pub(crate) fn test_pid_of(sim: &Sim, id: &str) -> crate::term::Pid {
    sim.tree().and_then(|t| t.find_id(id).and_then(|n| n.pid)).expect("no such node")
}
