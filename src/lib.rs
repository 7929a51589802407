//! otpsim: Erlang/OTP's process model as a deterministic simulator.
//!
//! Layers, bottom up: [`term`] (the dynamic value), [`runtime`] (processes,
//! signals, scheduler, events), [`otp`] (GenServer and Supervisor),
//! [`scenario`] (scenario files and the conformance runner).

pub mod control;
pub mod otp;
pub mod runtime;
pub mod scenario;
pub mod system;
pub mod term;
