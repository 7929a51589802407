//! `profile_process`: a process's reductions, messages, memory and time per
//! callback over a stretch of virtual time.

use crate::control::ControlError;
use crate::runtime::{Command, EventKind, Filter, KindMask};
use crate::system::{Input, System};
use crate::term::Pid;
use serde::Serialize;
use std::collections::BTreeMap;

/// Time spent in one callback during a profile.
#[derive(Clone, Debug, Serialize, Default)]
pub struct CallbackProfile {
    pub callback: String,
    pub count: u64,
    pub reductions: u64,
    pub total_ms: f64,
    pub mean_ms: f64,
}

/// The answer of [`profile_process`].
#[derive(Clone, Debug, Serialize)]
pub struct Profile {
    pub pid: Pid,
    pub duration_ms: u64,
    pub reductions: u64,
    pub reductions_per_s: f64,
    pub messages_in: u64,
    pub messages_out: u64,
    pub messages_in_per_s: f64,
    pub messages_out_per_s: f64,
    pub memory_words_before: usize,
    pub memory_words_after: Option<usize>,
    pub memory_delta_words: Option<i64>,
    pub callbacks: Vec<CallbackProfile>,
    /// Whether the process died during the profile.
    pub exited: bool,
}

/// `profile_process/2`: lets `duration_ms` of virtual time pass with the
/// process's callback tracing on, and measures reductions, messages in and
/// out, memory and time per callback, all in virtual time.
pub fn profile_process(sys: &mut System, pid: Pid, duration_ms: u64) -> Result<Profile, ControlError> {
    if duration_ms == 0 || duration_ms > 3_600_000 {
        return Err(ControlError::BadRequest { message: "duration_ms must be between 1 and 3600000".into() });
    }
    let Some((r0, i0, o0, m0)) =
        sys.runtime().with_proc(pid, |p| (p.reductions, p.msgs_in, p.msgs_out, crate::runtime::memory_words(p)))
    else {
        return Err(ControlError::NoProc { pid: pid.short() });
    };
    let old_flags = sys.runtime().kernel_ref().bus.trace_flags(pid);
    let sub = sys.runtime().bus(|b| b.subscribe(Filter::process(pid, KindMask::CALLS), 1 << 16));
    let flags = old_flags.union(KindMask::CALLS);
    sys.apply(Input::Command { command: Command::Trace { pid, kinds: flags.0 } })?;
    sys.apply(Input::Tick { ms: duration_ms })?;
    let evs = sys.runtime().bus(|b| b.drain(sub)).map(|x| x.0).unwrap_or_default();
    sys.runtime().bus(|b| b.unsubscribe(sub));
    let after =
        sys.runtime().with_proc(pid, |p| (p.reductions, p.msgs_in, p.msgs_out, crate::runtime::memory_words(p)));
    if after.is_some() {
        sys.apply(Input::Command { command: Command::Trace { pid, kinds: old_flags.0 } })?;
    }
    let mut cbs: BTreeMap<String, CallbackProfile> = BTreeMap::new();
    let mut cb_reds = 0;
    for e in evs {
        if let EventKind::Callback { pid: p, callback, reductions, took, .. } = e.kind {
            if p != pid {
                continue;
            }
            let c = cbs.entry(callback.name().to_string()).or_default();
            c.callback = callback.name().to_string();
            c.count += 1;
            c.reductions += reductions;
            c.total_ms += took.as_ms_f64();
            cb_reds += reductions;
        }
    }
    for c in cbs.values_mut() {
        c.mean_ms = c.total_ms / c.count as f64;
    }
    let secs = duration_ms as f64 / 1000.0;
    let (reductions, mi, mo, mem_after) = match after {
        Some((r, i, o, m)) => (r - r0, i - i0, o - o0, Some(m)),
        None => (cb_reds, 0, 0, None),
    };
    Ok(Profile {
        pid,
        duration_ms,
        reductions,
        reductions_per_s: reductions as f64 / secs,
        messages_in: mi,
        messages_out: mo,
        messages_in_per_s: mi as f64 / secs,
        messages_out_per_s: mo as f64 / secs,
        memory_words_before: m0,
        memory_words_after: mem_after,
        memory_delta_words: mem_after.map(|m| m as i64 - m0 as i64),
        callbacks: cbs.into_values().collect(),
        exited: after.is_none(),
    })
}
