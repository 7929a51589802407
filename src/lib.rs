//! otpsim: Erlang/OTP's process model as a deterministic simulator.
//!
//! Layers, bottom up: [`term`] (the dynamic value), [`runtime`] (processes,
//! signals, scheduler, events), [`otp`] (GenServer and Supervisor),
//! [`scenario`] (scenario files and the conformance runner), [`sandbox`]
//! (the demo workers and ready scenarios), [`bench`] (the benchmark
//! workloads measured against the BEAM), [`system`] (a live simulation
//! built from a scenario), [`control`] (the Control API), [`api`] (the
//! REST-shaped API over it) and [`web`] (the playground: its data adapter
//! everywhere, its Yew app in wasm). [`util`] holds the shared sort and
//! sorted-vector map that keep the wasm small.

pub mod api;
pub mod bench;
pub mod control;
pub mod lang;
pub mod otp;
pub mod pattern;
pub mod runtime;
pub mod sandbox;
pub mod scenario;
pub mod system;
pub mod term;
pub mod util;
pub mod web;
