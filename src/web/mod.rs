//! The playground: a Yew app over the simulator, and its embed entry point.
//!
//! [`model`] is the one adapter onto the simulator and compiles everywhere;
//! everything else here is the browser app, built only for wasm32 with the
//! `web` feature.

pub mod model;

#[cfg(all(target_arch = "wasm32", feature = "web"))]
mod app;
#[cfg(all(target_arch = "wasm32", feature = "web"))]
mod charts;
#[cfg(all(target_arch = "wasm32", feature = "web"))]
mod controls;
#[cfg(all(target_arch = "wasm32", feature = "web"))]
mod dashboard;
#[cfg(all(target_arch = "wasm32", feature = "web"))]
pub mod embed;
#[cfg(all(target_arch = "wasm32", feature = "web"))]
mod flow;
#[cfg(all(target_arch = "wasm32", feature = "web"))]
mod inspector;
#[cfg(all(target_arch = "wasm32", feature = "web"))]
mod panic;
#[cfg(all(target_arch = "wasm32", feature = "web"))]
mod tree;

#[cfg(all(target_arch = "wasm32", feature = "web"))]
pub use app::{mount, start, App, AppProps};
#[cfg(all(target_arch = "wasm32", feature = "web"))]
pub use embed::Engine;
