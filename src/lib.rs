//! otpsim: Erlang/OTP's process model as a deterministic simulator.
//!
//! Layers, bottom up: [`term`] (the dynamic value), [`runtime`] (processes,
//! signals, scheduler, events), [`otp`] (GenServer and Supervisor),
//! [`scenario`] (scenario files and the conformance runner), and [`bench`]
//! (the benchmark workloads measured against the BEAM).

pub mod otp;
pub mod runtime;
pub mod scenario;
pub mod term;
pub mod bench;
