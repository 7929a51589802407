//! `analyze_system_health`: the health score with every deduction, and
//! the findings behind it (orphans, unsupervised processes, high memory,
//! long queues, supervision anti-patterns).

use crate::control::path_map;
use crate::control::supervisors::list_supervisors;
use crate::otp::supervisor::{RestartType, Strategy};
use crate::system::System;
use crate::term::Pid;
use crate::util::VecMap;
use serde::Serialize;
use std::collections::BTreeSet;

/// One finding of the health analysis.
#[derive(Clone, Debug, Serialize)]
pub struct Finding {
    pub kind: &'static str,
    pub pid: Option<Pid>,
    pub path: Option<String>,
    pub explanation: String,
    pub suggestion: String,
}

/// A deduction from the health score.
#[derive(Clone, Debug, Serialize)]
pub struct Penalty {
    pub reason: String,
    pub points: f64,
}

/// The answer of [`analyze_system_health`].
#[derive(Clone, Debug, Serialize)]
pub struct SystemHealth {
    pub score: u32,
    pub formula: &'static str,
    pub penalties: Vec<Penalty>,
    pub process_count: usize,
    pub supervised_count: usize,
    pub supervised_percentage: f64,
    pub orphan_processes: Vec<Finding>,
    pub unsupervised_processes: Vec<Finding>,
    pub high_memory_processes: Vec<Finding>,
    pub high_message_queues: Vec<Finding>,
    pub supervision_anti_patterns: Vec<Finding>,
}

/// A process is high-memory above this many words (400 KB)…
pub const HIGH_MEMORY_WORDS: usize = 50_000;
/// …and has a high queue at this many messages.
pub const HIGH_QUEUE: usize = 100;

/// The health score formula, as documented to users.
pub const HEALTH_FORMULA: &str =
    "score = 100 - 0.3 x (100 - supervised %) - min(20, 5 x orphans) - min(15, 3 x high-memory processes) \
- min(20, 5 x high-queue processes) - min(20, 5 x anti-patterns), clamped to 0..100 and rounded. \
High memory: over 50000 words; high queue: 100 messages or more. The shell and application master are not counted.";

/// `analyze_system_health/0`.
pub fn analyze_system_health(sys: &System) -> SystemHealth {
    let paths = path_map(sys);
    let mut count = 0;
    let mut supervised = 0;
    let mut orphans = Vec::new();
    let mut unsup = Vec::new();
    let mut hi_mem = Vec::new();
    let mut hi_q = Vec::new();
    let mut live: BTreeSet<Pid> = BTreeSet::new();
    live.extend(sys.runtime().pids());
    sys.runtime().for_each_proc(|p| {
        if sys.is_system_pid(p.pid) {
            return;
        }
        count += 1;
        let path = paths.get(&p.pid).cloned();
        if path.is_some() {
            supervised += 1;
        } else {
            let parent = p.parent();
            let f = |kind, explanation: String, suggestion: &str| Finding {
                kind,
                pid: Some(p.pid),
                path: None,
                explanation,
                suggestion: suggestion.into(),
            };
            match parent {
                Some(pp) if !live.contains(&pp) => orphans.push(f(
                    "orphan",
                    format!("{} outlived its parent {} and no supervisor knows it", p.pid.short(), pp.short()),
                    "start it under a supervisor (or link it to its parent) so it cannot leak",
                )),
                _ => unsup.push(f(
                    "unsupervised",
                    format!("{} is not a child of any supervisor; if it crashes nobody restarts it", p.pid.short()),
                    "start it from a supervisor's child spec",
                )),
            }
        }
        let mem = crate::runtime::memory_words(p);
        if mem > HIGH_MEMORY_WORDS {
            hi_mem.push(Finding {
                kind: "high_memory",
                pid: Some(p.pid),
                path: path.clone(),
                explanation: format!("{} uses {} words ({} KB)", p.pid.short(), mem, mem * 8 / 1024),
                suggestion: "look for state that only grows (a leak) or a backed-up mailbox".into(),
            });
        }
        if p.mailbox.len() >= HIGH_QUEUE {
            hi_q.push(Finding {
                kind: "high_message_queue",
                pid: Some(p.pid),
                path,
                explanation: format!("{} has {} messages waiting", p.pid.short(), p.mailbox.len()),
                suggestion: "the process cannot keep up: add backpressure, shard the work, or make its callbacks cheaper".into(),
            });
        }
    });
    let anti = anti_patterns(sys);
    let pct = if count == 0 { 100.0 } else { supervised as f64 * 100.0 / count as f64 };
    let mut penalties = Vec::new();
    let mut add = |reason: String, points: f64| {
        if points > 0.0 {
            penalties.push(Penalty { reason, points });
        }
    };
    add(format!("{:.1}% of processes unsupervised", 100.0 - pct), 0.3 * (100.0 - pct));
    add(format!("{} orphan processes", orphans.len()), (5.0 * orphans.len() as f64).min(20.0));
    add(format!("{} high-memory processes", hi_mem.len()), (3.0 * hi_mem.len() as f64).min(15.0));
    add(format!("{} high message queues", hi_q.len()), (5.0 * hi_q.len() as f64).min(20.0));
    add(format!("{} supervision anti-patterns", anti.len()), (5.0 * anti.len() as f64).min(20.0));
    let total: f64 = penalties.iter().map(|p| p.points).sum();
    SystemHealth {
        score: (100.0 - total).clamp(0.0, 100.0).round() as u32,
        formula: HEALTH_FORMULA,
        penalties,
        process_count: count,
        supervised_count: supervised,
        supervised_percentage: (pct * 10.0).round() / 10.0,
        orphan_processes: orphans,
        unsupervised_processes: unsup,
        high_memory_processes: hi_mem,
        high_message_queues: hi_q,
        supervision_anti_patterns: anti,
    }
}

fn anti_patterns(sys: &System) -> Vec<Finding> {
    let mut out = Vec::new();
    let now_ms = sys.now_ms();
    // Supervisors that gave up in the last 10 s (they are dead now: the
    // restart budget was spent and the failure went up the tree).
    for e in sys.sup_events.iter().filter(|e| now_ms - e.at.as_ms_f64() <= 10_000.0) {
        if let crate::runtime::EventKind::MaxIntensity { sup, restarts, period_ms } = &e.kind {
            out.push(Finding {
                kind: "escalation",
                pid: Some(*sup),
                path: None,
                explanation: format!(
                    "supervisor {} gave up at {:.0} ms: {restarts} restarts within {} s exceeded its intensity",
                    sup.short(),
                    e.at.as_ms_f64(),
                    period_ms / 1000
                ),
                suggestion:
                    "the fault survives restarts: fix its cause, or isolate the failing child under its own supervisor"
                        .into(),
            });
        }
    }
    for s in list_supervisors(sys) {
        let Some(snap) = sys.snapshot(s.pid) else {
            continue;
        };
        let f = |kind, explanation: String, suggestion: &str| Finding {
            kind,
            pid: Some(s.pid),
            path: s.path.clone(),
            explanation,
            suggestion: suggestion.into(),
        };
        let permanent = snap.children.iter().any(|c| c.restart == RestartType::Permanent);
        if snap.flags.intensity == 0 && permanent {
            out.push(f(
                "zero_intensity",
                format!("{} allows 0 restarts: the first crash of any child takes the supervisor down", s.pid.short()),
                "allow a few restarts (intensity 3, period 5 is common)",
            ));
        }
        if snap.flags.period_s > 0 && snap.flags.intensity as f64 / snap.flags.period_s as f64 > 10.0 {
            out.push(f(
                "unbounded_restarts",
                format!(
                    "{} allows {} restarts per {} s: a crash loop would spin instead of escalating",
                    s.pid.short(),
                    snap.flags.intensity,
                    snap.flags.period_s
                ),
                "lower the intensity so that a persistent fault escalates to a supervisor that can fix it",
            ));
        }
        if snap.flags.strategy == Strategy::OneForAll && snap.children.len() > 10 {
            out.push(f(
                "wide_one_for_all",
                format!("{} restarts all {} children when any one fails", s.pid.short(), snap.children.len()),
                "group the children that really depend on each other under their own supervisor",
            ));
        }
        if snap.flags.strategy != Strategy::SimpleOneForOne && snap.children.is_empty() {
            out.push(f(
                "empty_supervisor",
                format!("{} supervises nothing", s.pid.short()),
                "remove it, or make it a DynamicSupervisor if children come later",
            ));
        }
        if snap.paused {
            out.push(f(
                "supervision_paused",
                format!("supervision of {} is paused ({} exits held)", s.pid.short(), snap.held_exits),
                "resume supervision when the maintenance is done",
            ));
        }
        let mut recent: VecMap<&str, u32> = VecMap::new();
        for r in snap.log.iter().filter(|r| now_ms - r.at_ms <= 10_000.0) {
            *recent.get_or_insert_with(r.child.as_str(), || 0) += 1;
        }
        for (child, n) in recent {
            if n >= 3 {
                out.push(f(
                    "crash_loop",
                    format!("child {child} of {} restarted {n} times in the last 10 s", s.pid.short()),
                    "a restart does not fix this fault: find its cause (see the restart reasons in the analytics)",
                ));
            }
        }
    }
    out
}
