//! otpsim: Erlang/OTP's process model as a deterministic simulator.
//!
//! Layers, bottom up: [`term`] (the dynamic value), [`runtime`] (processes,
//! signals, scheduler, events), [`otp`] (GenServer and Supervisor),
//! [`scenario`] (scenario files and the conformance runner), [`system`] (a
//! live simulation built from a scenario), [`control`] (the Control API),
//! and [`web`] (the playground: its data adapter everywhere, its Yew app in
//! wasm).

pub mod term;
pub mod runtime;
pub mod otp;
pub mod scenario;
pub mod sandbox;
pub mod system;
pub mod control;
pub mod api;
pub mod web;
