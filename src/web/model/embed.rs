//! What the embed API (`src/web/embed.rs`, `www/embed.js`) needs of a
//! [`Sim`]: the options an embed's system starts with, a new start with
//! another seed, the REST-shaped router on its system, its recording, and
//! the hash as text.

use super::{Sim, SimError};
use crate::system::{Recording, SystemOptions};

/// The options of a system behind an embed or the JS API: the CLI's (so
/// `otpsim api` answers the same, metric samples included) with every event
/// hashed (so `eventHash()` equals `otpsim run --hash`).
pub fn embed_options(seed: u64) -> SystemOptions {
    SystemOptions { seed: Some(seed), hash_events: true, ..SystemOptions::default() }
}

/// An event-stream hash as the CLI prints it and the JS API returns it: 16
/// hex digits (a u64 does not fit a JS number).
pub fn hash_hex(h: u64) -> String {
    format!("{h:016x}")
}

impl Sim {
    /// The same scenario, with the same options, started anew with `seed`.
    pub fn rebuild(&self, seed: u64) -> Result<Sim, SimError> {
        let opts = SystemOptions { seed: Some(seed), ..self.opts.clone() };
        Sim::from_scenario(self.sys.scenario().clone(), &self.scenario, opts)
    }

    /// Answers one request of the REST-shaped API (`api::handle`, the
    /// router `otpsim api` uses), then collects what the views follow, since
    /// a request may have let time pass. In the wasm only with the
    /// `browser-api` feature (the router does not fit the size budget).
    #[cfg(any(not(target_arch = "wasm32"), feature = "browser-api"))]
    pub fn request(&mut self, method: &str, path: &str, body: &str) -> (u16, serde_json::Value) {
        let r = crate::api::handle(&mut self.sys, method, path, body);
        self.poll();
        r
    }

    /// This run as the recording `otpsim api --record` writes.
    pub fn recording(&self) -> Recording {
        self.sys.recording()
    }
}
