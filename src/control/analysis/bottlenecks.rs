//! `detect_bottlenecks`: growing queues, contended servers, synchronous
//! call chains and deadlocks (call cycles).

use crate::control::analysis::relationships::blocked_on;
use crate::control::path_map;
use crate::system::System;
use crate::term::Pid;
use crate::util::VecMap;
use serde::Serialize;
use std::collections::BTreeSet;

/// A queue that grows.
#[derive(Clone, Debug, Serialize)]
pub struct GrowingQueue {
    pub pid: Pid,
    pub name: Option<String>,
    pub path: Option<String>,
    /// Least-squares slope of the queue length, in messages per second.
    pub slope_per_s: f64,
    pub queue_len: usize,
    pub samples: usize,
}

/// A blocked call chain or cycle.
#[derive(Clone, Debug, Serialize)]
pub struct CallChain {
    /// Callers in order: each is blocked calling the next.
    pub pids: Vec<Pid>,
    pub names: Vec<Option<String>>,
    pub explanation: String,
}

/// A process others were often blocked calling during the window.
#[derive(Clone, Debug, Serialize)]
pub struct ContendedServer {
    pub pid: Pid,
    pub name: Option<String>,
    pub path: Option<String>,
    /// The share of samples in the window with at least one caller blocked on it.
    pub blocked_fraction: f64,
    /// The mean number of callers blocked on it per sample.
    pub mean_blocked_callers: f64,
    /// Every caller seen blocked on it in the window.
    pub callers: Vec<Pid>,
    pub samples: usize,
}

/// The answer of [`detect_bottlenecks`].
#[derive(Clone, Debug, Serialize)]
pub struct Bottlenecks {
    pub window_ms: u64,
    pub growing_queues: Vec<GrowingQueue>,
    /// Servers callers were blocked on in at least half of the window's
    /// samples: synchronous bottlenecks, even when no queue grows.
    pub contended_servers: Vec<ContendedServer>,
    pub call_chains: Vec<CallChain>,
    pub deadlocks: Vec<CallChain>,
}

/// Queues growing faster than this (messages per second) are reported.
pub const GROWTH_THRESHOLD_PER_S: f64 = 1.0;

/// `detect_bottlenecks/0`: queues growing over the last `window_ms` (by the
/// least-squares slope of the sampled queue length; at least 3 samples),
/// servers callers were blocked on in at least half of the window's samples
/// (at least 3), synchronous call chains A→B→C from processes blocked in
/// calls now, and call cycles (deadlocks: every process in the cycle waits
/// for the next).
pub fn detect_bottlenecks(sys: &System, window_ms: u64) -> Bottlenecks {
    let who = Who { sys, paths: path_map(sys) };
    let since = sys.now_ms() - window_ms as f64;
    let waits = wait_for_graph(sys);
    let (deadlocks, in_cycle) = deadlocks(&who, &waits);
    Bottlenecks {
        window_ms,
        growing_queues: growing_queues(&who, since),
        contended_servers: contended_servers(&who, since),
        call_chains: call_chains(&who, &waits, &in_cycle),
        deadlocks,
    }
}

/// Names and tree paths of the processes a finding mentions.
struct Who<'a> {
    sys: &'a System,
    paths: VecMap<Pid, String>,
}

impl Who<'_> {
    fn name(&self, p: Pid) -> Option<String> {
        self.sys.runtime().with_proc(p, |x| x.name().map(|a| a.name().to_string())).flatten()
    }

    fn path(&self, p: Pid) -> Option<String> {
        self.paths.get(&p).cloned()
    }
}

/// Queues whose sampled length (at least 3 samples since `since`) grows
/// faster than [`GROWTH_THRESHOLD_PER_S`], fastest first.
fn growing_queues(who: &Who, since: f64) -> Vec<GrowingQueue> {
    let sys = who.sys;
    let mut growing = Vec::new();
    for (pid, series) in &sys.metrics.procs {
        let pts: Vec<(f64, f64)> =
            series.iter().filter(|s| s.at_ms >= since).map(|s| (s.at_ms / 1000.0, s.queue_len as f64)).collect();
        if pts.len() < 3 {
            continue;
        }
        let slope = crate::system::metrics::slope(&pts);
        let first = pts.first().map(|p| p.1).unwrap_or(0.0);
        let last = pts.last().map(|p| p.1).unwrap_or(0.0);
        if slope > GROWTH_THRESHOLD_PER_S && last > first {
            growing.push(GrowingQueue {
                pid: *pid,
                name: who.name(*pid),
                path: who.path(*pid),
                slope_per_s: (slope * 100.0).round() / 100.0,
                queue_len: sys.runtime().with_proc(*pid, |p| p.mailbox.len()).unwrap_or(0),
                samples: pts.len(),
            });
        }
    }
    crate::util::sort_by(&mut growing, |a, b| b.slope_per_s.total_cmp(&a.slope_per_s));
    growing
}

/// Servers callers were blocked on in at least half of the samples of
/// blocked calls since `since` (at least 3 samples), most contended first.
fn contended_servers(who: &Who, since: f64) -> Vec<ContendedServer> {
    let window: Vec<&crate::system::metrics::BlockedSample> =
        who.sys.metrics.blocked.iter().filter(|s| s.at_ms >= since).collect();
    let mut contended = Vec::new();
    if window.len() < 3 {
        return contended;
    }
    // Per callee: samples with a caller blocked on it, callers summed over
    // samples, and every caller seen.
    let mut per: VecMap<Pid, (usize, usize, BTreeSet<Pid>)> = VecMap::new();
    for s in &window {
        let mut here: VecMap<Pid, usize> = VecMap::new();
        for (caller, callee) in &s.edges {
            *here.get_or_insert_with(*callee, || 0) += 1;
            per.get_or_insert_with(*callee, Default::default).2.insert(*caller);
        }
        for (callee, n) in here {
            let e = per.get_or_insert_with(callee, Default::default);
            e.0 += 1;
            e.1 += n;
        }
    }
    let n = window.len() as f64;
    for (pid, (hit, callers_total, callers)) in per {
        let frac = hit as f64 / n;
        if frac >= 0.5 {
            contended.push(ContendedServer {
                pid,
                name: who.name(pid),
                path: who.path(pid),
                blocked_fraction: (frac * 100.0).round() / 100.0,
                mean_blocked_callers: (callers_total as f64 / n * 100.0).round() / 100.0,
                callers: callers.into_iter().collect(),
                samples: window.len(),
            });
        }
    }
    crate::util::sort_by(&mut contended, |a, b| {
        b.blocked_fraction.total_cmp(&a.blocked_fraction).then(a.pid.cmp(&b.pid))
    });
    contended
}

/// The wait-for graph now: each process blocked in a call waits for one callee.
fn wait_for_graph(sys: &System) -> VecMap<Pid, Pid> {
    let mut waits: VecMap<Pid, Pid> = VecMap::new();
    for p in sys.runtime().pids() {
        if let Some(t) = blocked_on(sys, p) {
            waits.insert(p, t);
        }
    }
    waits
}

/// The cycles of the wait-for graph (each rotated to start at its lowest
/// pid), and every process on one.
fn deadlocks(who: &Who, waits: &VecMap<Pid, Pid>) -> (Vec<CallChain>, BTreeSet<Pid>) {
    let mut deadlocks = Vec::new();
    let mut in_cycle: BTreeSet<Pid> = BTreeSet::new();
    for &start in waits.keys() {
        if in_cycle.contains(&start) {
            continue;
        }
        let mut seen = vec![start];
        let mut cur = start;
        while let Some(&n) = waits.get(&cur) {
            if let Some(i) = seen.iter().position(|x| *x == n) {
                let cyc: Vec<Pid> = seen[i..].to_vec();
                if cyc.iter().all(|p| !in_cycle.contains(p)) {
                    let mut rot = cyc.clone();
                    let minpos = rot.iter().enumerate().min_by_key(|(_, p)| **p).map(|(i, _)| i).unwrap_or(0);
                    rot.rotate_left(minpos);
                    in_cycle.extend(rot.iter().copied());
                    let text: Vec<String> = rot.iter().map(|p| p.short()).collect();
                    deadlocks.push(CallChain {
                        names: rot.iter().map(|p| who.name(*p)).collect(),
                        explanation: format!(
                            "deadlock: {} -> {} each is blocked in a call to the next; none can answer until its own call returns (or times out)",
                            text.join(" -> "),
                            text[0]
                        ),
                        pids: rot,
                    });
                }
                break;
            }
            seen.push(n);
            cur = n;
            if seen.len() > 10_000 {
                break;
            }
        }
    }
    (deadlocks, in_cycle)
}

/// Maximal call chains from callers nobody waits on (one that runs into a
/// cycle says so; one that ends in a running process names its function).
fn call_chains(who: &Who, waits: &VecMap<Pid, Pid>, in_cycle: &BTreeSet<Pid>) -> Vec<CallChain> {
    let mut waited: BTreeSet<Pid> = BTreeSet::new();
    waited.extend(waits.values().copied());
    let mut chains = Vec::new();
    for &start in waits.keys() {
        if waited.contains(&start) || in_cycle.contains(&start) {
            continue;
        }
        let mut chain = vec![start];
        let mut cur = start;
        while let Some(&n) = waits.get(&cur) {
            if chain.contains(&n) {
                break;
            }
            chain.push(n);
            cur = n;
            if in_cycle.contains(&n) || chain.len() > 10_000 {
                break;
            }
        }
        let text: Vec<String> = chain.iter().map(|p| p.short()).collect();
        let end = chain.last().copied();
        let tail = match end {
            Some(e) if in_cycle.contains(&e) => " (it ends in a deadlock)".to_string(),
            Some(e) => {
                let f = who
                    .sys
                    .runtime()
                    .with_proc(e, |p| p.extra().and_then(|x| x.current_function.as_ref().map(|s| s.to_string())))
                    .flatten();
                format!(" ({} is in {})", e.short(), f.unwrap_or_else(|| "?".into()))
            }
            None => String::new(),
        };
        chains.push(CallChain {
            names: chain.iter().map(|p| who.name(*p)).collect(),
            explanation: format!("synchronous call chain {}: each waits for the next{tail}", text.join(" -> ")),
            pids: chain,
        });
    }
    chains
}
