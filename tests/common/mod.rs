//! Helpers the integration tests share, one concept per file: the runtime
//! harness (`actors.rs`) and live systems from scenario JSON
//! (`systems.rs`). Each test file includes this with `mod common;` and
//! uses only some of it, hence the allowances.

#![allow(dead_code, unused_imports)]

mod actors;
mod systems;

pub use actors::{actor_loop, atom, ctl, term, Inbox, Sys};
pub use systems::{scenario, system, system_with};
