//! The Control API's relationship and system-analysis functions:
//! `build_relationship_graph`, `trace_failure_impact`,
//! `find_process_dependencies`, `analyze_system_health`,
//! `detect_bottlenecks` and `generate_system_report`.

use crate::control::supervisors::{list_supervisors, restarts_in_period, SupervisorSummary};
use crate::control::{path_map, ControlError};
use crate::otp::supervisor::{is_clean_exit, RestartType, Strategy};
use crate::otp::ChildType;
use crate::system::{event_json, System};
use crate::term::{Atom, Pid, Term};
use crate::util::VecMap;
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet, VecDeque};

// === Relationships ============================================================

/// A process in the relationship graph.
#[derive(Clone, Debug, Serialize)]
pub struct GraphNode {
    pub pid: Pid,
    pub name: Option<String>,
    pub path: Option<String>,
    pub supervisor: bool,
}

/// An edge: `link` (undirected, listed once), `monitor` (watcher → target),
/// `parent` (parent → child) or `message` (sender → receiver, observed).
#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct GraphEdge {
    pub from: Option<Pid>,
    pub to: Pid,
    pub kind: &'static str,
    pub count: Option<u64>,
    pub shapes: Option<BTreeMap<String, u64>>,
}

#[derive(Clone, Debug, Serialize)]
pub struct RelationshipGraph {
    pub nodes: Vec<GraphNode>,
    pub edges: Vec<GraphEdge>,
    /// Whether message flows are being observed at all.
    pub observing_flows: bool,
}

/// `build_relationship_graph/0`: links, monitors, parent/child and the
/// message flows observed so far (with counts and message shapes), between
/// live processes (`from: null` is the outside world).
pub fn build_relationship_graph(sys: &System) -> RelationshipGraph {
    let paths = path_map(sys);
    let mut nodes = Vec::new();
    let mut edges = Vec::new();
    sys.runtime().for_each_proc(|p| {
        nodes.push(GraphNode {
            pid: p.pid,
            name: p.name().map(|a| a.name().to_string()),
            path: paths.get(&p.pid).cloned(),
            supervisor: p.extra().is_some_and(|e| e.supervisor),
        });
        for l in &p.links {
            if p.pid < *l {
                edges.push(GraphEdge { from: Some(p.pid), to: *l, kind: "link", count: None, shapes: None });
            }
        }
        for m in &p.monitors {
            edges.push(GraphEdge { from: Some(p.pid), to: m.other, kind: "monitor", count: None, shapes: None });
        }
        if let Some(par) = p.parent() {
            edges.push(GraphEdge { from: Some(par), to: p.pid, kind: "parent", count: None, shapes: None });
        }
    });
    // `extend`, not `collect`: collecting sorts first, another copy of the sort
    // in the wasm (see crate::util).
    let mut live: BTreeSet<Pid> = BTreeSet::new();
    live.extend(nodes.iter().map(|n| n.pid));
    edges.retain(|e| e.from.is_none_or(|f| live.contains(&f)) && live.contains(&e.to));
    for ((from, to), e) in sys.flows() {
        if from.is_none_or(|f| live.contains(&f)) && live.contains(to) {
            edges.push(GraphEdge {
                from: *from,
                to: *to,
                kind: "message",
                count: Some(e.count),
                shapes: Some(e.shapes.clone()),
            });
        }
    }
    RelationshipGraph { nodes, edges, observing_flows: sys.observing_flows() }
}

/// One process's fate in a failure impact analysis, with the rule used.
#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct ImpactEntry {
    pub pid: Pid,
    pub path: Option<String>,
    pub reason: String,
    pub rule: String,
}

/// A restart a supervisor would make.
#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct ImpactRestart {
    pub supervisor: Pid,
    pub child: String,
    pub old: Option<Pid>,
    pub rule: String,
}

/// The answer of [`trace_failure_impact`].
#[derive(Clone, Debug, Serialize)]
pub struct FailureImpact {
    pub pid: Pid,
    pub reason: String,
    /// Every process that would die, the failing one first.
    pub dies: Vec<ImpactEntry>,
    /// Restarts supervisors would make.
    pub restarts: Vec<ImpactRestart>,
    /// Processes told but not killed (trapped `{:EXIT, ..}` or `{:DOWN, ..}`).
    pub notified: Vec<ImpactEntry>,
    /// Supervisors that would exceed their intensity and give up.
    pub escalations: Vec<ImpactEntry>,
    /// Children whose exit would wait because supervision is paused.
    pub held: Vec<ImpactEntry>,
}

struct SupView {
    strategy: Strategy,
    intensity: u32,
    paused: bool,
    rollback_armed: bool,
    children: Vec<(String, Option<Pid>, RestartType, ChildType)>,
}

/// `trace_failure_impact/1`: what happens if `pid` exits with `reason`
/// (default `:killed`, as after a kill). Derived from the live state by
/// OTP's rules, each one stated where it applies:
/// - a linked process that does not trap exits dies with the same reason
///   (unless the reason is `:normal`); one that traps exits gets an
///   `{:EXIT, pid, reason}` message;
/// - a GenServer whose parent dies exits too (it traps exits or not);
/// - a supervisor that dies shuts all its children down;
/// - monitors get `{:DOWN, ..}`;
/// - a supervisor restarts a child by its restart type (permanent always,
///   transient unless the exit is normal/shutdown, temporary never) and its
///   strategy (one_for_one: the child; one_for_all: every child;
///   rest_for_one: the child and those started after it), unless that
///   restart makes more than `intensity` restarts within `period_s`: then
///   it terminates its children and exits with `:shutdown` (or, within a
///   strategy change's rollback window, rolls the change back instead).
pub fn trace_failure_impact(sys: &System, pid: Pid, reason: Option<Term>) -> Result<FailureImpact, ControlError> {
    if !sys.runtime().is_alive(pid) {
        return Err(ControlError::NoProc { pid: pid.short() });
    }
    let reason = reason.unwrap_or(Term::Atom(Atom::KILLED));
    // `kill` from outside arrives as `killed`.
    let reason = if reason.is_atom(Atom::KILL) { Term::Atom(Atom::KILLED) } else { reason };
    let paths = path_map(sys);
    let mut sups: BTreeMap<Pid, SupView> = BTreeMap::new();
    let mut parent_sup: BTreeMap<Pid, (Pid, String)> = BTreeMap::new();
    for e in sys.tree() {
        if let (Some(p), Some(par)) = (e.pid, e.parent) {
            parent_sup.insert(p, (par, e.id.clone()));
        }
        if e.supervisor {
            if let Some(p) = e.pid {
                if let Some(s) = sys.snapshot(p) {
                    sups.insert(
                        p,
                        SupView {
                            strategy: s.flags.strategy,
                            intensity: s.flags.intensity,
                            paused: s.paused,
                            rollback_armed: s.rollback_armed,
                            children: s
                                .children
                                .iter()
                                .map(|c| (c.id.clone(), c.pid, c.restart, c.child_type))
                                .collect(),
                        },
                    );
                }
            }
        }
    }
    let mut used: VecMap<Pid, usize> = VecMap::new();
    used.extend(sups.keys().map(|s| (*s, restarts_in_period(sys, *s).unwrap_or(0))));
    let info = |p: Pid| {
        sys.runtime().with_proc(p, |x| {
            (
                x.links.iter().copied().collect::<Vec<_>>(),
                x.monitored_by.iter().map(|m| m.other).collect::<Vec<_>>(),
                x.trap_exit,
                x.extra().is_some_and(|e| e.gen_server),
                x.parent(),
            )
        })
    };
    let path = |p: Pid| paths.get(&p).cloned();
    let mut out = FailureImpact {
        pid,
        reason: reason.to_string(),
        dies: vec![],
        restarts: vec![],
        notified: vec![],
        escalations: vec![],
        held: vec![],
    };
    // (pid, reason, rule, killed by its supervisor: no restart decision)
    let mut queue: VecDeque<(Pid, Term, String, bool)> = VecDeque::new();
    queue.push_back((pid, reason.clone(), "the failing process".into(), false));
    let mut dead: BTreeSet<Pid> = BTreeSet::new();
    let mut notified: BTreeSet<Pid> = BTreeSet::new();
    // Supervisors that are shutting children down themselves.
    let mut terminating: BTreeSet<Pid> = BTreeSet::new();
    // Children a supervisor has already decided to restart (with a sibling,
    // by one_for_all or rest_for_one): their own exit, arriving later, is
    // no longer its child's and changes nothing.
    let mut covered: BTreeSet<Pid> = BTreeSet::new();
    while let Some((p, r, rule, by_sup)) = queue.pop_front() {
        if dead.contains(&p) || sys.is_system_pid(p) {
            continue;
        }
        let Some((links, monitored_by, _trap, _gs, _parent)) = info(p) else {
            continue;
        };
        dead.insert(p);
        out.dies.push(ImpactEntry { pid: p, path: path(p), reason: r.to_string(), rule });
        // A supervisor that dies shuts its children down first.
        if let Some(sv) = sups.get(&p) {
            terminating.insert(p);
            for (id, cp, _, _) in sv.children.iter().rev() {
                if let Some(cp) = cp {
                    queue.push_back((
                        *cp,
                        Term::Atom(Atom::SHUTDOWN),
                        format!("its supervisor {} exits and shuts its children down (child {id})", p.short()),
                        true,
                    ));
                }
            }
        }
        for l in links {
            if dead.contains(&l)
                || sys.is_system_pid(l) && !sups.contains_key(&l) && parent_sup.get(&p).map(|x| x.0) != Some(l)
            {
                if sys.is_system_pid(l) && !notified.contains(&l) {
                    notified.insert(l);
                    out.notified.push(ImpactEntry {
                        pid: l,
                        path: None,
                        reason: r.to_string(),
                        rule: "the application master traps exits: it gets {:EXIT, ..} and records the root's exit"
                            .into(),
                    });
                }
                continue;
            }
            let Some((_, _, l_trap, l_gs, l_parent)) = info(l) else {
                continue;
            };
            if parent_sup.get(&p).map(|x| x.0) == Some(l) && sups.contains_key(&l) {
                continue; // Its supervisor: decided below.
            }
            if l_parent == Some(p) && l_gs {
                queue.push_back((
                    l,
                    r.clone(),
                    format!("a GenServer whose parent {} exits, exits with the same reason", p.short()),
                    by_sup,
                ));
            } else if l_trap {
                if notified.insert(l) {
                    out.notified.push(ImpactEntry {
                        pid: l,
                        path: path(l),
                        reason: r.to_string(),
                        rule: format!("linked and trapping exits: gets {{:EXIT, {}, {}}}", p, r),
                    });
                }
            } else if r.is_atom(Atom::NORMAL) {
                // A normal exit signal is ignored by a process that does not trap exits.
            } else {
                queue.push_back((
                    l,
                    r.clone(),
                    format!("linked to {} and not trapping exits: dies with the same reason", p.short()),
                    false,
                ));
            }
        }
        for w in monitored_by {
            if !dead.contains(&w) && notified.insert(w) {
                out.notified.push(ImpactEntry {
                    pid: w,
                    path: path(w),
                    reason: r.to_string(),
                    rule: format!("monitors {}: gets {{:DOWN, ref, :process, {}, {}}}", p.short(), p, r),
                });
            }
        }
        if by_sup {
            continue;
        }
        // Its supervisor's decision.
        let Some((sup, id)) = parent_sup.get(&p).cloned() else {
            continue;
        };
        if dead.contains(&sup) || terminating.contains(&sup) || covered.contains(&p) {
            continue;
        }
        let Some(sv) = sups.get(&sup) else { continue };
        let Some(ci) = sv.children.iter().position(|c| c.1 == Some(p)) else {
            continue;
        };
        let restart = sv.children[ci].2;
        let needs = match restart {
            RestartType::Permanent => true,
            RestartType::Temporary => false,
            RestartType::Transient => !is_clean_exit(&r),
        };
        if sv.paused {
            out.held.push(ImpactEntry {
                pid: p,
                path: path(p),
                reason: r.to_string(),
                rule: format!("supervision of {} is paused: the exit waits until it resumes", sup.short()),
            });
            continue;
        }
        if !needs {
            out.notified.push(ImpactEntry {
                pid: sup,
                path: path(sup),
                reason: r.to_string(),
                rule: format!("{} child {id}: not restarted ({} exit), only removed/marked", restart.name(), r),
            });
            notified.insert(sup);
            continue;
        }
        let u = used.get_or_insert_with(sup, || 0);
        *u += 1;
        if *u as u32 > sv.intensity {
            if sv.rollback_armed {
                out.restarts.push(ImpactRestart {
                    supervisor: sup,
                    child: id.clone(),
                    old: Some(p),
                    rule: "the intensity would be reached inside a strategy change's rollback window: the change is rolled back and the child restarted".into(),
                });
                continue;
            }
            out.escalations.push(ImpactEntry {
                pid: sup,
                path: path(sup),
                reason: "shutdown".into(),
                rule: format!(
                    "restart {} of {} within its period exceeds intensity {}: it gives up, shuts its children down and exits with :shutdown",
                    *u,
                    sup.short(),
                    sv.intensity
                ),
            });
            queue.push_back((
                sup,
                Term::Atom(Atom::SHUTDOWN),
                format!("{} exceeded its restart intensity", sup.short()),
                false,
            ));
            continue;
        }
        let affected: Vec<usize> = match sv.strategy {
            Strategy::OneForOne | Strategy::SimpleOneForOne => vec![ci],
            Strategy::OneForAll => (0..sv.children.len()).collect(),
            Strategy::RestForOne => (ci..sv.children.len()).collect(),
        };
        for j in affected {
            let (cid, cp, crestart, _) = &sv.children[j];
            if let Some(cp) = cp {
                covered.insert(*cp);
            }
            if j != ci {
                if let Some(cp) = cp {
                    queue.push_back((
                        *cp,
                        Term::Atom(Atom::SHUTDOWN),
                        format!(
                            "{}: {} terminates sibling {cid} to restart it with {id}",
                            sv.strategy.name(),
                            sup.short()
                        ),
                        true,
                    ));
                }
                if *crestart == RestartType::Temporary {
                    continue;
                }
            }
            out.restarts.push(ImpactRestart {
                supervisor: sup,
                child: cid.clone(),
                old: *cp,
                rule: if j == ci {
                    format!(
                        "{} child of a {} supervisor: restarted ({} of {} restarts allowed in the period)",
                        restart.name(),
                        sv.strategy.name(),
                        *used.get(&sup).unwrap_or(&0),
                        sv.intensity
                    )
                } else {
                    format!("{}: restarted along with {id}", sv.strategy.name())
                },
            });
        }
    }
    // A process that dies is not also "only notified".
    out.notified.retain(|n| !dead.contains(&n.pid));
    Ok(out)
}

/// What a process depends on.
#[derive(Clone, Debug, Serialize)]
pub struct Dependencies {
    pub pid: Pid,
    /// Processes it called (observed synchronous calls), with counts.
    pub calls: Vec<DependencyEdge>,
    /// Processes it sent other messages to.
    pub sends_to: Vec<DependencyEdge>,
    /// Processes that called it.
    pub called_by: Vec<DependencyEdge>,
    pub links: Vec<Pid>,
    /// Processes it monitors.
    pub monitors: Vec<Pid>,
    pub monitored_by: Vec<Pid>,
    pub parent: Option<Pid>,
    /// Its supervisor chain, nearest first.
    pub supervisors: Vec<Pid>,
    /// The process it is blocked calling right now, if any.
    pub blocked_on: Option<Pid>,
}

#[derive(Clone, Debug, Serialize)]
pub struct DependencyEdge {
    pub pid: Option<Pid>,
    pub name: Option<String>,
    pub count: u64,
    pub shapes: BTreeMap<String, u64>,
}

/// The process `pid` is blocked calling (its current function is
/// `gen:do_call/4`; the call's monitor is its newest one).
pub fn blocked_on(sys: &System, pid: Pid) -> Option<Pid> {
    sys.runtime().with_proc(pid, crate::system::blocked_callee).flatten()
}

/// `find_process_dependencies/1`.
pub fn find_process_dependencies(sys: &System, pid: Pid) -> Result<Dependencies, ControlError> {
    let Some((links, monitors, monitored_by, parent)) = sys.runtime().with_proc(pid, |p| {
        (
            p.links.iter().copied().collect::<Vec<_>>(),
            p.monitors.iter().map(|m| m.other).collect::<Vec<_>>(),
            p.monitored_by.iter().map(|m| m.other).collect::<Vec<_>>(),
            p.parent(),
        )
    }) else {
        return Err(ControlError::NoProc { pid: pid.short() });
    };
    let name = |p: Option<Pid>| {
        p.and_then(|p| sys.runtime().with_proc(p, |x| x.name().map(|a| a.name().to_string())).flatten())
    };
    let mut calls = Vec::new();
    let mut sends_to = Vec::new();
    let mut called_by = Vec::new();
    for ((from, to), e) in sys.flows() {
        let mut call_shapes: BTreeMap<String, u64> = BTreeMap::new();
        let mut other_shapes: BTreeMap<String, u64> = BTreeMap::new();
        for (k, v) in &e.shapes {
            if k.starts_with("call ") {
                call_shapes.insert(k.clone(), *v);
            } else if k != "reply" {
                other_shapes.insert(k.clone(), *v);
            }
        }
        if *from == Some(pid) {
            if e.calls > 0 {
                calls.push(DependencyEdge {
                    pid: Some(*to),
                    name: name(Some(*to)),
                    count: e.calls,
                    shapes: call_shapes,
                });
            }
            let others: u64 = other_shapes.values().sum();
            if others > 0 {
                sends_to.push(DependencyEdge {
                    pid: Some(*to),
                    name: name(Some(*to)),
                    count: others,
                    shapes: other_shapes,
                });
            }
        } else if *to == pid && e.calls > 0 {
            called_by.push(DependencyEdge { pid: *from, name: name(*from), count: e.calls, shapes: call_shapes });
        }
    }
    let mut supervisors = Vec::new();
    let mut cur = pid;
    let tree = sys.tree();
    while let Some(par) = tree.iter().find(|e| e.pid == Some(cur)).and_then(|e| e.parent) {
        supervisors.push(par);
        cur = par;
        if supervisors.len() > 64 {
            break;
        }
    }
    Ok(Dependencies {
        pid,
        calls,
        sends_to,
        called_by,
        links,
        monitors,
        monitored_by,
        parent,
        supervisors,
        blocked_on: blocked_on(sys, pid),
    })
}

// === System analysis ==========================================================

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
    let now = sys.now_ms();
    let paths = path_map(sys);
    let name = |p: Pid| sys.runtime().with_proc(p, |x| x.name().map(|a| a.name().to_string())).flatten();
    let mut growing = Vec::new();
    for (pid, series) in &sys.metrics.procs {
        let pts: Vec<(f64, f64)> = series
            .iter()
            .filter(|s| s.at_ms >= now - window_ms as f64)
            .map(|s| (s.at_ms / 1000.0, s.queue_len as f64))
            .collect();
        if pts.len() < 3 {
            continue;
        }
        let slope = crate::system::metrics::slope(&pts);
        let first = pts.first().map(|p| p.1).unwrap_or(0.0);
        let last = pts.last().map(|p| p.1).unwrap_or(0.0);
        if slope > GROWTH_THRESHOLD_PER_S && last > first {
            growing.push(GrowingQueue {
                pid: *pid,
                name: name(*pid),
                path: paths.get(pid).cloned(),
                slope_per_s: (slope * 100.0).round() / 100.0,
                queue_len: sys.runtime().with_proc(*pid, |p| p.mailbox.len()).unwrap_or(0),
                samples: pts.len(),
            });
        }
    }
    crate::util::sort_by(&mut growing, |a, b| b.slope_per_s.total_cmp(&a.slope_per_s));
    // Contended servers, from the blocked calls at each sample.
    let window: Vec<&crate::system::metrics::BlockedSample> =
        sys.metrics.blocked.iter().filter(|s| s.at_ms >= now - window_ms as f64).collect();
    let mut contended = Vec::new();
    if window.len() >= 3 {
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
                    name: name(pid),
                    path: paths.get(&pid).cloned(),
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
    }
    // The wait-for graph: each blocked caller waits for one callee.
    let mut waits: VecMap<Pid, Pid> = VecMap::new();
    for p in sys.runtime().pids() {
        if let Some(t) = blocked_on(sys, p) {
            waits.insert(p, t);
        }
    }
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
                        names: rot.iter().map(|p| name(*p)).collect(),
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
    // Chains: maximal paths from callers nobody waits on.
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
                let f = sys
                    .runtime()
                    .with_proc(e, |p| p.extra().and_then(|x| x.current_function.as_ref().map(|s| s.to_string())))
                    .flatten();
                format!(" ({} is in {})", e.short(), f.unwrap_or_else(|| "?".into()))
            }
            None => String::new(),
        };
        chains.push(CallChain {
            names: chain.iter().map(|p| name(*p)).collect(),
            explanation: format!("synchronous call chain {}: each waits for the next{tail}", text.join(" -> ")),
            pids: chain,
        });
    }
    Bottlenecks { window_ms, growing_queues: growing, contended_servers: contended, call_chains: chains, deadlocks }
}

/// The answer of [`generate_system_report`].
#[derive(Clone, Debug, Serialize)]
pub struct SystemReport {
    pub scenario: String,
    pub seed: u64,
    pub at_ms: f64,
    pub processes: usize,
    pub health: SystemHealth,
    pub bottlenecks: Bottlenecks,
    pub supervisors: Vec<SupervisorSummary>,
    pub top_memory: Vec<crate::control::ProcessSummary>,
    pub top_queues: Vec<crate::control::ProcessSummary>,
    pub top_reductions: Vec<crate::control::ProcessSummary>,
    pub recent_supervision_events: Vec<serde_json::Value>,
    pub latest_metrics: Option<crate::system::metrics::SystemSample>,
}

/// `generate_system_report/0`: everything above in one document (JSON via
/// serde; Markdown via [`SystemReport::to_markdown`]).
pub fn generate_system_report(sys: &System) -> SystemReport {
    use crate::control::{list_all_processes, ListOpts, SortKey};
    let top = |sort| list_all_processes(sys, &ListOpts { sort, limit: Some(5), ..Default::default() }).processes;
    SystemReport {
        scenario: sys.scenario().name.clone(),
        seed: sys.seed(),
        at_ms: sys.now_ms(),
        processes: sys.runtime().counters().processes,
        health: analyze_system_health(sys),
        bottlenecks: detect_bottlenecks(sys, 2000),
        supervisors: list_supervisors(sys),
        top_memory: top(SortKey::Memory),
        top_queues: top(SortKey::Queue),
        top_reductions: top(SortKey::Reductions),
        recent_supervision_events: sys.sup_events.iter().rev().take(20).map(event_json).collect(),
        latest_metrics: sys.metrics.system.last().copied(),
    }
}

impl SystemReport {
    pub fn to_markdown(&self) -> String {
        let mut s = String::new();
        let name = if self.scenario.is_empty() { "(unnamed)" } else { &self.scenario };
        s.push_str(&format!("# System report: {name}\n\n"));
        s.push_str(&format!(
            "Seed {}, at {:.3} ms of virtual time, {} processes.\n\n",
            self.seed, self.at_ms, self.processes
        ));
        let h = &self.health;
        s.push_str(&format!("## Health: {}/100\n\n", h.score));
        s.push_str(&format!(
            "{} processes, {} supervised ({:.1}%).\n\nFormula: {}\n\n",
            h.process_count, h.supervised_count, h.supervised_percentage, h.formula
        ));
        for p in &h.penalties {
            s.push_str(&format!("- -{:.1}: {}\n", p.points, p.reason));
        }
        let findings: Vec<&Finding> = h
            .orphan_processes
            .iter()
            .chain(&h.unsupervised_processes)
            .chain(&h.high_memory_processes)
            .chain(&h.high_message_queues)
            .chain(&h.supervision_anti_patterns)
            .collect();
        s.push_str("\n### Findings\n\n");
        if findings.is_empty() {
            s.push_str("None.\n");
        }
        for f in findings {
            s.push_str(&format!("- **{}**: {}. *Suggestion:* {}.\n", f.kind, f.explanation, f.suggestion));
        }
        s.push_str("\n## Bottlenecks\n\n");
        let b = &self.bottlenecks;
        if b.growing_queues.is_empty()
            && b.call_chains.is_empty()
            && b.deadlocks.is_empty()
            && b.contended_servers.is_empty()
        {
            s.push_str("None found.\n");
        }
        for g in &b.growing_queues {
            s.push_str(&format!(
                "- queue of {} grows by {:.2} msg/s (now {})\n",
                g.pid.short(),
                g.slope_per_s,
                g.queue_len
            ));
        }
        for c in &b.contended_servers {
            s.push_str(&format!(
                "- callers were blocked on {} in {:.0}% of samples ({:.1} at a time)\n",
                c.pid.short(),
                c.blocked_fraction * 100.0,
                c.mean_blocked_callers
            ));
        }
        for c in b.call_chains.iter().chain(&b.deadlocks) {
            s.push_str(&format!("- {}\n", c.explanation));
        }
        s.push_str("\n## Supervisors\n\n| pid | path | strategy | intensity/period | children | restarts | paused |\n|---|---|---|---|---|---|---|\n");
        for sp in &self.supervisors {
            s.push_str(&format!(
                "| {} | {} | {} | {}/{} s | {}/{} | {} | {} |\n",
                sp.pid.short(),
                sp.path.as_deref().unwrap_or("-"),
                sp.flags.strategy.name(),
                sp.flags.intensity,
                sp.flags.period_s,
                sp.active,
                sp.children,
                sp.total_restarts,
                sp.paused
            ));
        }
        let table = |s: &mut String, title: &str, rows: &[crate::control::ProcessSummary]| {
            s.push_str(&format!(
                "\n## {title}\n\n| pid | name/path | memory (words) | queue | reductions |\n|---|---|---|---|---|\n"
            ));
            for r in rows {
                s.push_str(&format!(
                    "| {} | {} | {} | {} | {} |\n",
                    r.pid.short(),
                    r.name.clone().or(r.path.clone()).unwrap_or_else(|| "-".into()),
                    r.memory_words,
                    r.message_queue_len,
                    r.reductions
                ));
            }
        };
        table(&mut s, "Top memory", &self.top_memory);
        table(&mut s, "Top queues", &self.top_queues);
        table(&mut s, "Top reductions", &self.top_reductions);
        if let Some(m) = &self.latest_metrics {
            s.push_str(&format!(
                "\n## Latest metrics\n\n{} processes, {} words, {:.0} msg/s, {:.1} restarts/s, {:.0} reductions/s.\n",
                m.processes, m.memory_words, m.messages_per_s, m.restarts_per_s, m.reductions_per_s
            ));
        }
        s
    }
}
