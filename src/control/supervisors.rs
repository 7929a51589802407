//! The Control API's supervisor functions: listing and trees, analytics,
//! controlled failure injection, strategy changes with rollback, pausing
//! supervision, and the tree benchmark.

use crate::control::ControlError;
use crate::otp::supervisor::{ChildSnapshot, Flags, RestartRecord, Strategy, SupervisorSnapshot};
use crate::runtime::{Command, EventKind, VTime};
use crate::system::{Input, SupOp, System};
use crate::term::{Pid, Term};
use serde::Serialize;
use std::collections::BTreeMap;

fn sup_snapshot(sys: &System, sup: Pid) -> Result<SupervisorSnapshot, ControlError> {
    if !sys.runtime().is_alive(sup) {
        return Err(ControlError::NoProc { pid: sup.short() });
    }
    sys.snapshot(sup).ok_or(ControlError::NotSupervisor { pid: sup.short() })
}

/// One supervisor in a list.
#[derive(Clone, Debug, Serialize)]
pub struct SupervisorSummary {
    pub pid: Pid,
    pub name: Option<String>,
    pub path: Option<String>,
    pub flags: Flags,
    pub children: usize,
    pub active: usize,
    pub total_restarts: u64,
    pub paused: bool,
}

/// Every live supervisor, in tree order (then any outside the tree).
pub fn list_supervisors(sys: &System) -> Vec<SupervisorSummary> {
    let tree = sys.tree();
    let mut pids: Vec<(Pid, Option<String>)> =
        tree.iter().filter(|e| e.supervisor).filter_map(|e| e.pid.map(|p| (p, Some(e.path.clone())))).collect();
    let mut others = Vec::new();
    sys.runtime().for_each_proc(|p| {
        if p.extra().is_some_and(|e| e.supervisor) && !pids.iter().any(|(x, _)| *x == p.pid) {
            others.push((p.pid, None));
        }
    });
    pids.extend(others);
    pids.into_iter()
        .filter_map(|(pid, path)| {
            let s = sys.snapshot(pid)?;
            Some(SupervisorSummary {
                pid,
                name: sys.runtime().with_proc(pid, |p| p.name().map(|a| a.name().to_string())).flatten(),
                path,
                flags: s.flags,
                children: s.children.len(),
                active: s.children.iter().filter(|c| c.pid.is_some()).count(),
                total_restarts: s.total_restarts,
                paused: s.paused,
            })
        })
        .collect()
}

/// One supervisor in detail.
#[derive(Clone, Debug, Serialize)]
pub struct SupervisorDetails {
    pub pid: Pid,
    pub name: Option<String>,
    pub path: Option<String>,
    pub snapshot: SupervisorSnapshot,
}

pub fn get_supervisor(sys: &System, sup: Pid) -> Result<SupervisorDetails, ControlError> {
    let snapshot = sup_snapshot(sys, sup)?;
    Ok(SupervisorDetails {
        pid: sup,
        name: sys.runtime().with_proc(sup, |p| p.name().map(|a| a.name().to_string())).flatten(),
        path: sys.pid_path(sup),
        snapshot,
    })
}

/// A supervision tree node.
#[derive(Clone, Debug, Serialize)]
pub struct SupTreeNode {
    pub id: String,
    pub pid: Option<Pid>,
    pub name: Option<String>,
    pub supervisor: bool,
    pub strategy: Option<Strategy>,
    pub state: &'static str,
    pub restart: Option<String>,
    pub children: Vec<SupTreeNode>,
}

/// The supervision tree under a supervisor.
pub fn get_supervision_tree(sys: &System, sup: Pid) -> Result<SupTreeNode, ControlError> {
    let snap = sup_snapshot(sys, sup)?;
    Ok(tree_node(sys, "self".into(), sup, &snap, None, 0))
}

fn tree_node(
    sys: &System,
    id: String,
    pid: Pid,
    snap: &SupervisorSnapshot,
    ch: Option<&ChildSnapshot>,
    depth: usize,
) -> SupTreeNode {
    let name = |p: Pid| sys.runtime().with_proc(p, |x| x.name().map(|a| a.name().to_string())).flatten();
    let children = snap
        .children
        .iter()
        .map(|c| match c.pid.and_then(|p| if depth < 64 { sys.snapshot(p).map(|s| (p, s)) } else { None }) {
            Some((p, s)) => tree_node(sys, c.id.clone(), p, &s, Some(c), depth + 1),
            None => SupTreeNode {
                id: c.id.clone(),
                pid: c.pid,
                name: c.pid.and_then(name),
                supervisor: c.child_type == crate::otp::ChildType::Supervisor,
                strategy: None,
                state: c.state,
                restart: Some(c.restart.name().into()),
                children: vec![],
            },
        })
        .collect();
    SupTreeNode {
        id,
        pid: Some(pid),
        name: name(pid),
        supervisor: true,
        strategy: Some(snap.flags.strategy),
        state: ch.map(|c| c.state).unwrap_or("running"),
        restart: ch.map(|c| c.restart.name().into()),
        children,
    }
}

/// Restart analytics of a supervisor.
#[derive(Clone, Debug, Serialize)]
pub struct SupervisorAnalytics {
    pub pid: Pid,
    pub flags: Flags,
    pub total_restarts: u64,
    /// Restarts per virtual second, oldest bucket first, over the restart
    /// log (bounded to the last 256 restarts).
    pub restart_frequency: Vec<RestartBucket>,
    /// Children by restarts, most first.
    pub most_crashed: Vec<ChildCrashes>,
    pub uptime: Vec<ChildUptime>,
    pub restart_budget: RestartBudget,
    /// Memory and reductions of each running child over the sampled window.
    pub resource_trends: Vec<ResourceTrend>,
    pub recent_restarts: Vec<RestartRecord>,
}

#[derive(Clone, Debug, Serialize)]
pub struct RestartBucket {
    pub second: u64,
    pub restarts: u64,
}

#[derive(Clone, Debug, Serialize)]
pub struct ChildCrashes {
    pub child: String,
    pub restarts: u64,
    pub last_reason: String,
}

#[derive(Clone, Debug, Serialize)]
pub struct ChildUptime {
    pub child: String,
    pub pid: Option<Pid>,
    /// Since its current start.
    pub current_uptime_ms: Option<f64>,
    /// The mean of its completed lifetimes (start to crash, from the
    /// restart log; the first lifetime starts at the supervisor's start)
    /// and its current one.
    pub average_uptime_ms: Option<f64>,
}

/// OTP's rule: a restart is allowed while the restarts in the last
/// `period_s` seconds (whole-second stamps), this one included, are at most
/// `intensity`.
#[derive(Clone, Debug, Serialize)]
pub struct RestartBudget {
    pub intensity: u32,
    pub period_s: u64,
    pub used_in_period: usize,
    pub remaining: i64,
}

#[derive(Clone, Debug, Serialize)]
pub struct ResourceTrend {
    pub child: String,
    pub pid: Pid,
    pub memory_words: Vec<(f64, usize)>,
    pub memory_slope_words_per_s: f64,
    pub reductions_per_s: f64,
}

/// The restart stamps still inside the period, as the supervisor will
/// count them at its next restart.
pub fn restarts_in_period(sys: &System, sup: Pid) -> Option<usize> {
    let st = sys.runtime().introspect(sup)?.state().ok()?;
    let flags = sys.snapshot(sup)?.flags;
    let now_s = sys.now().as_secs() as i128;
    let threshold = now_s - flags.period_s as i128;
    let stamps = st.map_get(&Term::atom("restarts"))?.as_list()?.to_vec();
    Some(stamps.iter().filter_map(|t| t.as_int()).filter(|s| (*s as i128) >= threshold).count())
}

fn budget(sys: &System, sup: Pid, flags: Flags) -> RestartBudget {
    let used = restarts_in_period(sys, sup).unwrap_or(0);
    RestartBudget {
        intensity: flags.intensity,
        period_s: flags.period_s,
        used_in_period: used,
        remaining: flags.intensity as i64 - used as i64,
    }
}

/// `get_supervisor_analytics/1`.
pub fn get_supervisor_analytics(sys: &System, sup: Pid) -> Result<SupervisorAnalytics, ControlError> {
    let snap = sup_snapshot(sys, sup)?;
    let mut freq: BTreeMap<u64, u64> = BTreeMap::new();
    let mut crashes: BTreeMap<String, (u64, String)> = BTreeMap::new();
    let mut lifetimes: BTreeMap<String, Vec<f64>> = BTreeMap::new();
    let mut last_start: BTreeMap<String, f64> = BTreeMap::new();
    let sup_start =
        sys.runtime().with_proc(sup, |p| p.extra().map(|e| e.spawned_at.as_ms_f64())).flatten().unwrap_or(0.0);
    for r in &snap.log {
        *freq.entry((r.at_ms / 1000.0) as u64).or_insert(0) += 1;
        let e = crashes.entry(r.child.clone()).or_insert((0, String::new()));
        e.0 += 1;
        e.1 = r.reason.clone();
        let started = last_start.get(&r.child).copied().unwrap_or(sup_start);
        lifetimes.entry(r.child.clone()).or_default().push(r.at_ms - started);
        last_start.insert(r.child.clone(), r.at_ms);
    }
    let mut most_crashed: Vec<ChildCrashes> = crashes
        .into_iter()
        .map(|(child, (restarts, last_reason))| ChildCrashes { child, restarts, last_reason })
        .collect();
    crate::util::sort_by(&mut most_crashed, |a, b| b.restarts.cmp(&a.restarts).then(a.child.cmp(&b.child)));
    let now = sys.now_ms();
    let uptime = snap
        .children
        .iter()
        .map(|c| {
            let cur = c.started_at_ms.map(|s| now - s);
            let mut all = lifetimes.get(&c.id).cloned().unwrap_or_default();
            if let Some(u) = cur {
                all.push(u);
            }
            let avg = if all.is_empty() { None } else { Some(all.iter().sum::<f64>() / all.len() as f64) };
            ChildUptime { child: c.id.clone(), pid: c.pid, current_uptime_ms: cur, average_uptime_ms: avg }
        })
        .collect();
    let resource_trends = snap
        .children
        .iter()
        .filter_map(|c| {
            let pid = c.pid?;
            let series = sys.metrics.procs.get(&pid)?;
            let pts: Vec<(f64, usize)> = series.iter().map(|s| (s.at_ms, s.memory_words)).collect();
            let fpts: Vec<(f64, f64)> = pts.iter().map(|(t, m)| (t / 1000.0, *m as f64)).collect();
            let reds = match (series.iter().next(), series.last()) {
                (Some(a), Some(b)) if b.at_ms > a.at_ms => {
                    (b.reductions - a.reductions) as f64 / ((b.at_ms - a.at_ms) / 1000.0)
                }
                _ => 0.0,
            };
            Some(ResourceTrend {
                child: c.id.clone(),
                pid,
                memory_slope_words_per_s: crate::system::metrics::slope(&fpts),
                memory_words: pts,
                reductions_per_s: reds,
            })
        })
        .collect();
    Ok(SupervisorAnalytics {
        pid: sup,
        flags: snap.flags,
        total_restarts: snap.total_restarts,
        restart_frequency: freq.into_iter().map(|(second, restarts)| RestartBucket { second, restarts }).collect(),
        most_crashed,
        uptime,
        restart_budget: budget(sys, sup, snap.flags),
        resource_trends,
        recent_restarts: snap.log.iter().rev().take(20).cloned().collect(),
    })
}

/// A moment's numbers, before and after an injected failure.
#[derive(Clone, Debug, Serialize)]
pub struct SystemFigures {
    pub at_ms: f64,
    pub processes: usize,
    pub memory_words: u64,
    pub restarts_total: u64,
    pub children: Vec<ChildSnapshot>,
}

fn figures(sys: &System, sup: Pid) -> SystemFigures {
    let mut mem = 0u64;
    sys.runtime().for_each_proc(|p| mem += crate::runtime::memory_words(p) as u64);
    SystemFigures {
        at_ms: sys.now_ms(),
        processes: sys.runtime().counters().processes,
        memory_words: mem,
        restarts_total: sys.snapshot(sup).map(|s| s.total_restarts).unwrap_or(0),
        children: sys.snapshot(sup).map(|s| s.children).unwrap_or_default(),
    }
}

/// What [`simulate_failure`] observed.
#[derive(Clone, Debug, Serialize)]
pub struct FailureReport {
    pub supervisor: Pid,
    pub child_id: String,
    pub pid: Pid,
    pub reason: String,
    /// Chosen by the seeded RNG because no child id was given.
    pub chosen_at_random: bool,
    pub before: SystemFigures,
    pub after: SystemFigures,
    /// The restarts the supervisor made.
    pub restarted: Vec<RestartRecord>,
    /// Every child running again.
    pub recovered: bool,
    pub time_to_recover_ms: Option<f64>,
    /// The supervisor itself died (intensity exceeded).
    pub supervisor_died: bool,
    /// The process did not die (it traps exits and the reason was not `:kill`).
    pub survived: bool,
    /// Supervision is paused: the exit is held until it resumes.
    pub held_by_pause: bool,
}

/// `simulate_failure/3`: exits one child with `reason`, then lets virtual
/// time pass (1 ms at a time, at most 5 s) until every child of the
/// supervisor is running again, and reports before/after.
pub fn simulate_failure(
    sys: &mut System,
    sup: Pid,
    child_id: Option<&str>,
    reason: Term,
) -> Result<FailureReport, ControlError> {
    let snap = sup_snapshot(sys, sup)?;
    let running: Vec<&ChildSnapshot> = snap.children.iter().filter(|c| c.pid.is_some()).collect();
    let (child, random) = match child_id {
        Some(id) => {
            let found = snap.children.iter().find(|c| c.id == id || c.pid.map(|p| p.short()).as_deref() == Some(id));
            match found {
                Some(c) => (c.clone(), false),
                None => return Err(ControlError::NotFound { what: format!("child {id:?} of {}", sup.short()) }),
            }
        }
        None => {
            if running.is_empty() {
                return Err(ControlError::Refused { reason: "the supervisor has no running child".into() });
            }
            let i = sys.control_random(running.len() as u64) as usize;
            (running[i].clone(), true)
        }
    };
    let Some(pid) = child.pid else {
        return Err(ControlError::Refused { reason: format!("child {} is not running ({})", child.id, child.state) });
    };
    let before = figures(sys, sup);
    let restarts_before = snap.total_restarts;
    let t0 = sys.now();
    sys.apply(Input::Command { command: Command::Exit { pid, reason: reason.clone() } })?;
    let mut recovered_at = None;
    let mut died = false;
    let mut held = false;
    for _ in 0..5000 {
        sys.apply(Input::Tick { ms: 1 })?;
        if !sys.runtime().is_alive(sup) {
            died = true;
            break;
        }
        if let Some(s) = sys.snapshot(sup) {
            let all_up = s.children.iter().all(|c| c.pid.is_some_and(|p| sys.runtime().is_alive(p)));
            if (!sys.runtime().is_alive(pid) || s.total_restarts > restarts_before) && all_up {
                recovered_at = Some(sys.now());
                break;
            }
        }
        if sys.runtime().is_alive(pid) && sys.snapshot(sup).is_some_and(|s| s.total_restarts == restarts_before) {
            // Still alive after a tick: it trapped the signal.
            break;
        }
        if !sys.runtime().is_alive(pid) && sys.snapshot(sup).is_some_and(|s| s.paused) {
            // Supervision is paused: the exit waits for a resume.
            held = true;
            break;
        }
    }
    let survived = sys.runtime().is_alive(pid);
    let after = figures(sys, sup);
    let restarted: Vec<RestartRecord> = sys
        .snapshot(sup)
        .map(|s| s.log.iter().filter(|r| r.at_ms >= t0.as_ms_f64()).cloned().collect())
        .unwrap_or_default();
    Ok(FailureReport {
        supervisor: sup,
        child_id: child.id.clone(),
        pid,
        reason: reason.to_string(),
        chosen_at_random: random,
        before,
        after,
        restarted,
        recovered: recovered_at.is_some(),
        time_to_recover_ms: recovered_at.map(|t| (t - t0).as_ms_f64()),
        supervisor_died: died,
        survived,
        held_by_pause: held,
    })
}

/// What [`change_supervision_strategy`] did.
#[derive(Clone, Debug, Serialize)]
pub struct StrategyChange {
    pub supervisor: Pid,
    pub old: String,
    pub new: Strategy,
    /// Reaching the intensity within this window rolls the change back.
    pub rollback_window_s: u64,
}

/// `change_supervision_strategy/2`: refuses unsafe changes (to or from
/// `simple_one_for_one`, while paused, while a restart is in progress) with
/// a reason; an accepted change is rolled back automatically if the
/// supervisor reaches its intensity within the window (default: its period).
pub fn change_supervision_strategy(
    sys: &mut System,
    sup: Pid,
    strategy: &str,
    window_s: Option<u64>,
) -> Result<StrategyChange, ControlError> {
    let Some(new) = Strategy::parse(strategy) else {
        return Err(ControlError::BadRequest {
            message: format!(
                "unknown strategy {strategy:?} (one_for_one, one_for_all, rest_for_one, simple_one_for_one)"
            ),
        });
    };
    let snap = sup_snapshot(sys, sup)?;
    let window = window_s.unwrap_or(snap.flags.period_s).min(86_400);
    let r = sys.apply(Input::Supervisor { sup, op: SupOp::SetStrategy { strategy: new, window_s: window } })?;
    match r.as_tuple() {
        Some([ok, old]) if ok.is_atom(crate::term::Atom::OK) => Ok(StrategyChange {
            supervisor: sup,
            old: old.as_atom().map(|a| a.name().to_string()).unwrap_or_default(),
            new,
            rollback_window_s: window,
        }),
        Some([_, why]) => Err(ControlError::Refused { reason: why.to_string().trim_start_matches(':').to_string() }),
        _ => Err(ControlError::CallFailed { reason: r.to_string() }),
    }
}

fn ok_or_refused(r: Term) -> Result<(), ControlError> {
    if r.is_atom(crate::term::Atom::OK) {
        Ok(())
    } else {
        Err(ControlError::Refused { reason: r.to_string() })
    }
}

/// `pause_supervision/1`: children that die wait; nothing restarts.
pub fn pause_supervision(sys: &mut System, sup: Pid) -> Result<(), ControlError> {
    sup_snapshot(sys, sup)?;
    ok_or_refused(sys.apply(Input::Supervisor { sup, op: SupOp::Pause })?)
}

/// Resumes supervision: exits held while paused are handled now, in order.
pub fn resume_supervision(sys: &mut System, sup: Pid) -> Result<(), ControlError> {
    sup_snapshot(sys, sup)?;
    ok_or_refused(sys.apply(Input::Supervisor { sup, op: SupOp::Resume })?)
}

/// Starts a child from a scenario node (or, under `simple_one_for_one`,
/// with extra arguments); answers the supervisor's reply.
pub fn start_child(sys: &mut System, sup: Pid, spec: crate::scenario::Node) -> Result<Term, ControlError> {
    let snap = sup_snapshot(sys, sup)?;
    let op = if snap.flags.strategy == Strategy::SimpleOneForOne {
        SupOp::StartDynamicChild { args: vec![] }
    } else {
        crate::scenario::Scenario {
            name: String::new(),
            description: None,
            tree: spec.clone(),
            steps: vec![],
            settle_ms: 0,
            seed: None,
            modules: Default::default(),
        }
        // A module node is checked against the modules the system runs: the
        // scenario's, and any loaded since.
        .validate_with(sys.loaded_code())
        .map_err(|e| ControlError::BadRequest { message: e.to_string() })?;
        SupOp::StartChild { spec: Box::new(spec) }
    };
    let r = sys.apply(Input::Supervisor { sup, op })?;
    match r.as_tuple() {
        Some([ok, _]) if ok.is_atom(crate::term::Atom::OK) => Ok(r),
        _ => Err(ControlError::Refused { reason: r.to_string() }),
    }
}

/// One child's restart in a benchmark.
#[derive(Clone, Debug, Serialize)]
pub struct ChildBenchmark {
    pub child: String,
    pub old: Pid,
    pub new: Option<Pid>,
    /// Virtual time from the kill to the new process being started.
    pub restart_time_ms: Option<f64>,
    pub memory_words_before: usize,
    pub memory_words_after: Option<usize>,
}

/// Children a benchmark restarts at most.
pub const MAX_BENCHMARK_CHILDREN: usize = 200;

/// What [`benchmark_supervision_tree`] measured.
#[derive(Clone, Debug, Serialize)]
pub struct TreeBenchmark {
    pub supervisor: Pid,
    pub children: Vec<ChildBenchmark>,
    pub mean_restart_ms: Option<f64>,
    pub max_restart_ms: Option<f64>,
    pub processes_before: usize,
    pub processes_after: usize,
    pub memory_words_before: u64,
    pub memory_words_after: u64,
    /// Virtual time the benchmark took (it waits, when needed, for restart
    /// stamps to leave the period so it never exhausts the supervisor's
    /// intensity).
    pub took_ms: f64,
}

/// `benchmark_supervision_tree/1`: kills each running child once (at most
/// [`MAX_BENCHMARK_CHILDREN`]), waiting in virtual time whenever the next
/// restart would use the supervisor's last allowed one, so its intensity is
/// never exceeded; measures how long each restart takes in virtual time and
/// the resources before and after.
pub fn benchmark_supervision_tree(sys: &mut System, sup: Pid) -> Result<TreeBenchmark, ControlError> {
    let snap = sup_snapshot(sys, sup)?;
    let t_start = sys.now();
    let mem_total = |sys: &System| {
        let mut m = 0u64;
        sys.runtime().for_each_proc(|p| m += crate::runtime::memory_words(p) as u64);
        m
    };
    let processes_before = sys.runtime().counters().processes;
    let memory_words_before = mem_total(sys);
    let mut out = Vec::new();
    for c0 in snap.children.iter().take(MAX_BENCHMARK_CHILDREN) {
        if !sys.runtime().is_alive(sup) {
            break;
        }
        // Never spend the supervisor's last restart: wait (in virtual time)
        // until a restart stamp leaves the period.
        let mut waited = 0;
        while restarts_in_period(sys, sup).unwrap_or(0) as u32 >= snap.flags.intensity && waited <= snap.flags.period_s
        {
            sys.apply(Input::Tick { ms: 1000 })?;
            waited += 1;
        }
        if restarts_in_period(sys, sup).unwrap_or(0) as u32 >= snap.flags.intensity {
            break;
        }
        // A restart under one_for_all or rest_for_one replaces siblings
        // too: take each child's pid as it is now.
        // (Dynamic children share one id: they are taken by pid.)
        let dynamic = snap.flags.strategy == Strategy::SimpleOneForOne;
        let Some(c) = sys
            .snapshot(sup)
            .and_then(|s| s.children.into_iter().find(|x| if dynamic { x.pid == c0.pid } else { x.id == c0.id }))
        else {
            continue;
        };
        let Some(old) = c.pid.filter(|p| sys.runtime().is_alive(*p)) else { continue };
        let mem_before = sys.runtime().with_proc(old, crate::runtime::memory_words).unwrap_or(0);
        let t0 = sys.now();
        sys.apply(Input::Command { command: Command::Exit { pid: old, reason: Term::atom("kill") } })?;
        let mut new = None;
        let mut at = None;
        for _ in 0..2000 {
            sys.apply(Input::Tick { ms: 1 })?;
            sys.drain();
            let hit = sys.sup_events.iter().rev().find_map(|e| match &e.kind {
                EventKind::Restart { sup: s, old: Some(o), new, .. } if *s == sup && *o == old && e.at >= t0 => {
                    Some((*new, e.at))
                }
                _ => None,
            });
            if let Some((n, t)) = hit {
                new = n;
                at = Some(t);
                break;
            }
            if !sys.runtime().is_alive(sup) {
                break;
            }
        }
        out.push(ChildBenchmark {
            child: c.id.clone(),
            old,
            new,
            restart_time_ms: at.map(|t: VTime| (t - t0).as_ms_f64()),
            memory_words_before: mem_before,
            memory_words_after: new.and_then(|n| sys.runtime().with_proc(n, crate::runtime::memory_words)),
        });
    }
    let times: Vec<f64> = out.iter().filter_map(|c| c.restart_time_ms).collect();
    Ok(TreeBenchmark {
        supervisor: sup,
        mean_restart_ms: if times.is_empty() { None } else { Some(times.iter().sum::<f64>() / times.len() as f64) },
        max_restart_ms: times.iter().copied().fold(None, |a: Option<f64>, b| Some(a.map_or(b, |a| a.max(b)))),
        children: out,
        processes_before,
        processes_after: sys.runtime().counters().processes,
        memory_words_before,
        memory_words_after: mem_total(sys),
        took_ms: (sys.now() - t_start).as_ms_f64(),
    })
}
