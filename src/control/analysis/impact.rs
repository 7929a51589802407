//! `trace_failure_impact`: what happens if a process exits with a given
//! reason, derived from the live links, monitors and supervisors by OTP's
//! rules, as a walk over the exits that one exit causes.

use crate::control::supervisors::restarts_in_period;
use crate::control::{path_map, ControlError};
use crate::otp::supervisor::{is_clean_exit, RestartType, Strategy};
use crate::otp::ChildType;
use crate::system::System;
use crate::term::{Atom, Pid, Term};
use crate::util::VecMap;
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet, VecDeque};

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
