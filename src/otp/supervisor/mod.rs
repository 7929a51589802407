//! Supervisor: OTP's `supervisor` behaviour, rule for rule. A table of
//! contents: the behaviour itself (`server.rs`, one translation of OTP 25's
//! `supervisor.erl` in its order: init, the loop, restarts, shutdown, the
//! child management calls, plus this tool's extensions), what it is told
//! (`flags.rs`, `child_spec.rs`), how other processes call it
//! (`client.rs`), and its state as plain data for tools (`snapshot.rs`).

mod child_spec;
mod client;
mod flags;
mod server;
mod snapshot;

pub use child_spec::{ChildSpec, ChildType, RestartType, Shutdown, StartFn};
pub use client::{
    count_children, delete_child, restart_child, set_paused, set_strategy, start_child, start_dynamic_child,
    terminate_child, which_children,
};
pub use flags::{Flags, InitFn, Strategy, SupInit};
pub use server::{start_link, Supervisor};
pub use snapshot::{ChildSnapshot, RestartRecord, SupervisorSnapshot};

/// The exits a transient child may make without being restarted, which
/// are the stops a gen_server does not report: one function for both.
pub use crate::otp::gen_server::is_clean_exit;
