//! The probes of the Control API, re-exported from where they live: the
//! pattern compiler in [`crate::pattern`], the probe hook and its
//! bookkeeping in [`crate::system::probes`].

pub use crate::pattern::{parse_clause, Clause, PatternError};
pub use crate::system::probes::{compile, Probe, ProbeAction, ProbeInfo, ProbeSet, ProbeSpec};
