//! Supervisor flags (strategy, intensity, period) and what the
//! supervisor's `init/1` callback returns: OTP's `sup_flags()` and
//! `{ok, {SupFlags, ChildSpecs}} | ignore`.

use super::child_spec::ChildSpec;
use crate::runtime::Ctx;
use crate::term::Term;
use serde::Serialize;
use std::future::Future;
use std::pin::Pin;

#[derive(Clone, Copy, PartialEq, Eq, Debug, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Strategy {
    OneForOne,
    OneForAll,
    RestForOne,
    SimpleOneForOne,
}

impl Strategy {
    pub fn parse(s: &str) -> Option<Strategy> {
        Some(match s {
            "one_for_one" => Strategy::OneForOne,
            "one_for_all" => Strategy::OneForAll,
            "rest_for_one" => Strategy::RestForOne,
            "simple_one_for_one" => Strategy::SimpleOneForOne,
            _ => return None,
        })
    }

    pub fn name(self) -> &'static str {
        match self {
            Strategy::OneForOne => "one_for_one",
            Strategy::OneForAll => "one_for_all",
            Strategy::RestForOne => "rest_for_one",
            Strategy::SimpleOneForOne => "simple_one_for_one",
        }
    }
}

/// Supervisor flags.
#[derive(Clone, Copy, Debug, Serialize)]
pub struct Flags {
    pub strategy: Strategy,
    pub intensity: u32,
    pub period_s: u64,
}

impl Default for Flags {
    fn default() -> Flags {
        Flags { strategy: Strategy::OneForOne, intensity: 1, period_s: 5 }
    }
}

/// What the supervisor's `init/1` callback returns.
pub enum SupInit {
    Ok(Flags, Vec<ChildSpec>),
    Ignore,
    Stop(Term),
}

/// The supervisor's `init/1` callback: runs in the supervisor process
/// (after it traps exits), before any child starts.
pub type InitFn = Box<dyn FnOnce(Ctx) -> Pin<Box<dyn Future<Output = SupInit>>>>;
