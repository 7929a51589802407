//! otpsim: Erlang/OTP's process model as a deterministic simulator.
//!
//! Layers, bottom up: [`term`] (the dynamic value), [`runtime`] (processes,
//! signals, scheduler, events), [`otp`] (GenServer and Supervisor),
//! [`scenario`] (scenario files and the conformance runner), [`system`] (a
//! live simulation built from a scenario), [`control`] (the Control API).

pub mod term;
pub mod runtime;
pub mod otp;
pub mod scenario;
pub mod sandbox;
pub mod system;
pub mod control;
pub mod api;
