//! otpsim: Erlang/OTP's process model as a deterministic simulator.
//!
//! Layers, bottom up: [`term`] (the dynamic value), [`runtime`] (processes,
//! signals, scheduler, events), [`otp`] (GenServer and Supervisor),
//! [`scenario`] (scenario files and the conformance runner), and [`web`]
//! (the playground: its data adapter everywhere, its Yew app in wasm).

pub mod term;
pub mod runtime;
pub mod otp;
pub mod scenario;
pub mod web;
