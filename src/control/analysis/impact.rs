//! `trace_failure_impact`: what happens if a process exits with a given
//! reason, derived from the live links, monitors and supervisors by OTP's
//! rules, as a walk over the exits that one exit causes.

use crate::control::supervisors::restarts_in_period;
use crate::control::{path_map, ControlError};
use crate::otp::supervisor::{is_clean_exit, RestartType, Strategy};
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
    Ok(Walk::new(sys, pid, reason).run())
}

/// What the walk needs of a supervisor: its flags and children now.
struct SupView {
    strategy: Strategy,
    intensity: u32,
    paused: bool,
    rollback_armed: bool,
    children: Vec<SupChild>,
}

/// A child of a [`SupView`], in start order.
struct SupChild {
    id: String,
    pid: Option<Pid>,
    restart: RestartType,
}

/// What the walk needs of a process: who its exit signals and how it
/// takes one.
struct ProcView {
    links: Vec<Pid>,
    monitored_by: Vec<Pid>,
    trap_exit: bool,
    gen_server: bool,
    parent: Option<Pid>,
}

/// An exit the walk has still to follow.
struct Exit {
    pid: Pid,
    reason: Term,
    /// Why it exits, as the answer states it.
    rule: String,
    /// Its supervisor is shutting it down, so no restart decision follows.
    by_supervisor: bool,
}

/// The walk over the exits one exit causes, breadth first, collecting the
/// answer as it goes.
struct Walk<'a> {
    sys: &'a System,
    paths: VecMap<Pid, String>,
    sups: BTreeMap<Pid, SupView>,
    /// Each supervised process's supervisor and child id.
    parent_sup: BTreeMap<Pid, (Pid, String)>,
    /// Restarts each supervisor has used of its intensity in its period,
    /// counting the ones this walk predicts.
    used: VecMap<Pid, usize>,
    queue: VecDeque<Exit>,
    dead: BTreeSet<Pid>,
    notified: BTreeSet<Pid>,
    /// Supervisors that are shutting children down themselves.
    terminating: BTreeSet<Pid>,
    /// Children a supervisor has already decided to restart (with a
    /// sibling, by one_for_all or rest_for_one): their own exit, arriving
    /// later, is no longer its child's and changes nothing.
    covered: BTreeSet<Pid>,
    out: FailureImpact,
}

impl<'a> Walk<'a> {
    /// Reads the supervisors and the tree as they are now, and queues the
    /// first exit.
    fn new(sys: &'a System, pid: Pid, reason: Term) -> Walk<'a> {
        let mut sups: BTreeMap<Pid, SupView> = BTreeMap::new();
        let mut parent_sup: BTreeMap<Pid, (Pid, String)> = BTreeMap::new();
        for e in sys.tree() {
            if let (Some(p), Some(par)) = (e.pid, e.parent) {
                parent_sup.insert(p, (par, e.id.clone()));
            }
            let Some(p) = e.pid.filter(|_| e.supervisor) else { continue };
            if let Some(s) = sys.snapshot(p) {
                let children =
                    s.children.iter().map(|c| SupChild { id: c.id.clone(), pid: c.pid, restart: c.restart }).collect();
                sups.insert(
                    p,
                    SupView {
                        strategy: s.flags.strategy,
                        intensity: s.flags.intensity,
                        paused: s.paused,
                        rollback_armed: s.rollback_armed,
                        children,
                    },
                );
            }
        }
        let mut used: VecMap<Pid, usize> = VecMap::new();
        used.extend(sups.keys().map(|s| (*s, restarts_in_period(sys, *s).unwrap_or(0))));
        let mut queue = VecDeque::new();
        queue.push_back(Exit { pid, reason: reason.clone(), rule: "the failing process".into(), by_supervisor: false });
        Walk {
            sys,
            paths: path_map(sys),
            sups,
            parent_sup,
            used,
            queue,
            dead: BTreeSet::new(),
            notified: BTreeSet::new(),
            terminating: BTreeSet::new(),
            covered: BTreeSet::new(),
            out: FailureImpact {
                pid,
                reason: reason.to_string(),
                dies: vec![],
                restarts: vec![],
                notified: vec![],
                escalations: vec![],
                held: vec![],
            },
        }
    }

    /// Follows every exit until none is left.
    fn run(mut self) -> FailureImpact {
        while let Some(e) = self.queue.pop_front() {
            self.exit(e);
        }
        // A process that dies is not also "only notified".
        let dead = &self.dead;
        self.out.notified.retain(|n| !dead.contains(&n.pid));
        self.out
    }

    fn proc_view(&self, p: Pid) -> Option<ProcView> {
        self.sys.runtime().with_proc(p, |x| ProcView {
            links: x.links.iter().copied().collect(),
            monitored_by: x.monitored_by.iter().map(|m| m.other).collect(),
            trap_exit: x.trap_exit,
            gen_server: x.extra().is_some_and(|e| e.gen_server),
            parent: x.parent(),
        })
    }

    fn entry(&self, pid: Pid, reason: String, rule: String) -> ImpactEntry {
        ImpactEntry { pid, path: self.paths.get(&pid).cloned(), reason, rule }
    }

    fn supervisor_of(&self, p: Pid) -> Option<Pid> {
        self.parent_sup.get(&p).map(|x| x.0)
    }

    /// One process exits: it dies, then its children (if a supervisor),
    /// its links and its monitors hear of it, then its supervisor decides.
    fn exit(&mut self, e: Exit) {
        let Exit { pid: p, reason: r, rule, by_supervisor } = e;
        if self.dead.contains(&p) || self.sys.is_system_pid(p) {
            return;
        }
        let Some(view) = self.proc_view(p) else { return };
        self.dead.insert(p);
        let died = self.entry(p, r.to_string(), rule);
        self.out.dies.push(died);
        self.shut_down_children(p);
        self.signal_links(p, &r, &view.links, by_supervisor);
        self.signal_monitors(p, &r, &view.monitored_by);
        if !by_supervisor {
            self.supervisor_decides(p, &r);
        }
    }

    /// A supervisor that dies shuts its children down first, last started first.
    fn shut_down_children(&mut self, p: Pid) {
        let Some(sv) = self.sups.get(&p) else { return };
        self.terminating.insert(p);
        for c in sv.children.iter().rev() {
            if let Some(cp) = c.pid {
                self.queue.push_back(Exit {
                    pid: cp,
                    reason: Term::Atom(Atom::SHUTDOWN),
                    rule: format!("its supervisor {} exits and shuts its children down (child {})", p.short(), c.id),
                    by_supervisor: true,
                });
            }
        }
    }

    /// The exit signal to each linked process: a GenServer child exits with
    /// its parent, a trapping process gets `{:EXIT, ..}`, any other dies
    /// unless the reason is `:normal`. The supervisor is left to
    /// [`Walk::supervisor_decides`].
    fn signal_links(&mut self, p: Pid, r: &Term, links: &[Pid], by_supervisor: bool) {
        for &l in links {
            let sys_pid = self.sys.is_system_pid(l);
            if self.dead.contains(&l) || sys_pid && !self.sups.contains_key(&l) && self.supervisor_of(p) != Some(l) {
                if sys_pid && self.notified.insert(l) {
                    self.out.notified.push(ImpactEntry {
                        pid: l,
                        path: None,
                        reason: r.to_string(),
                        rule: "the application master traps exits: it gets {:EXIT, ..} and records the root's exit"
                            .into(),
                    });
                }
                continue;
            }
            let Some(lv) = self.proc_view(l) else { continue };
            if self.supervisor_of(p) == Some(l) && self.sups.contains_key(&l) {
                continue; // Its supervisor: decided below.
            }
            if lv.parent == Some(p) && lv.gen_server {
                self.queue.push_back(Exit {
                    pid: l,
                    reason: r.clone(),
                    rule: format!("a GenServer whose parent {} exits, exits with the same reason", p.short()),
                    by_supervisor,
                });
            } else if lv.trap_exit {
                if self.notified.insert(l) {
                    let told =
                        self.entry(l, r.to_string(), format!("linked and trapping exits: gets {{:EXIT, {p}, {r}}}"));
                    self.out.notified.push(told);
                }
            } else if r.is_atom(Atom::NORMAL) {
                // A normal exit signal is ignored by a process that does not trap exits.
            } else {
                self.queue.push_back(Exit {
                    pid: l,
                    reason: r.clone(),
                    rule: format!("linked to {} and not trapping exits: dies with the same reason", p.short()),
                    by_supervisor: false,
                });
            }
        }
    }

    /// Each monitor gets `{:DOWN, ..}`.
    fn signal_monitors(&mut self, p: Pid, r: &Term, monitored_by: &[Pid]) {
        for &w in monitored_by {
            if !self.dead.contains(&w) && self.notified.insert(w) {
                let told = self.entry(
                    w,
                    r.to_string(),
                    format!("monitors {}: gets {{:DOWN, ref, :process, {p}, {r}}}", p.short()),
                );
                self.out.notified.push(told);
            }
        }
    }

    /// The exited child's supervisor: holds the exit if paused, drops a
    /// child that is not restarted, gives up (or rolls a strategy change
    /// back) past its intensity, or restarts by its strategy.
    fn supervisor_decides(&mut self, p: Pid, r: &Term) {
        let Some((sup, id)) = self.parent_sup.get(&p).cloned() else { return };
        if self.dead.contains(&sup) || self.terminating.contains(&sup) || self.covered.contains(&p) {
            return;
        }
        let Some(sv) = self.sups.get(&sup) else { return };
        let Some(ci) = sv.children.iter().position(|c| c.pid == Some(p)) else { return };
        let restart = sv.children.get(ci).map_or(RestartType::Temporary, |c| c.restart);
        let needs = match restart {
            RestartType::Permanent => true,
            RestartType::Temporary => false,
            RestartType::Transient => !is_clean_exit(r),
        };
        if sv.paused {
            let rule = format!("supervision of {} is paused: the exit waits until it resumes", sup.short());
            let held = self.entry(p, r.to_string(), rule);
            self.out.held.push(held);
            return;
        }
        if !needs {
            let rule = format!("{} child {id}: not restarted ({} exit), only removed/marked", restart.name(), r);
            let told = self.entry(sup, r.to_string(), rule);
            self.out.notified.push(told);
            self.notified.insert(sup);
            return;
        }
        let (intensity, rollback_armed) = (sv.intensity, sv.rollback_armed);
        let u = self.used.get_or_insert_with(sup, || 0);
        *u += 1;
        let used = *u;
        if used as u32 > intensity {
            self.exceeds_intensity(sup, p, &id, used, intensity, rollback_armed);
        } else {
            self.restart(sup, ci, &id, restart, used);
        }
    }

    /// The restart that exceeds the intensity: within a strategy change's
    /// rollback window the change is rolled back; otherwise the supervisor
    /// gives up and exits with `:shutdown`.
    fn exceeds_intensity(&mut self, sup: Pid, p: Pid, id: &str, used: usize, intensity: u32, rollback_armed: bool) {
        if rollback_armed {
            self.out.restarts.push(ImpactRestart {
                supervisor: sup,
                child: id.to_string(),
                old: Some(p),
                rule: "the intensity would be reached inside a strategy change's rollback window: the change is rolled back and the child restarted".into(),
            });
            return;
        }
        let gives_up = self.entry(
            sup,
            "shutdown".into(),
            format!(
                "restart {used} of {} within its period exceeds intensity {intensity}: it gives up, shuts its children down and exits with :shutdown",
                sup.short(),
            ),
        );
        self.out.escalations.push(gives_up);
        self.queue.push_back(Exit {
            pid: sup,
            reason: Term::Atom(Atom::SHUTDOWN),
            rule: format!("{} exceeded its restart intensity", sup.short()),
            by_supervisor: false,
        });
    }

    /// Restarts child `ci` of `sup` by the strategy: one_for_one the child
    /// alone, one_for_all every child, rest_for_one the child and those
    /// started after it (siblings are shut down first; a temporary sibling
    /// is not restarted).
    fn restart(&mut self, sup: Pid, ci: usize, id: &str, restart: RestartType, used: usize) {
        let Some(sv) = self.sups.get(&sup) else { return };
        let affected = match sv.strategy {
            Strategy::OneForOne | Strategy::SimpleOneForOne => ci..ci + 1,
            Strategy::OneForAll => 0..sv.children.len(),
            Strategy::RestForOne => ci..sv.children.len(),
        };
        for (j, c) in sv.children.iter().enumerate().filter(|(j, _)| affected.contains(j)) {
            if let Some(cp) = c.pid {
                self.covered.insert(cp);
            }
            if j != ci {
                if let Some(cp) = c.pid {
                    self.queue.push_back(Exit {
                        pid: cp,
                        reason: Term::Atom(Atom::SHUTDOWN),
                        rule: format!(
                            "{}: {} terminates sibling {} to restart it with {id}",
                            sv.strategy.name(),
                            sup.short(),
                            c.id
                        ),
                        by_supervisor: true,
                    });
                }
                if c.restart == RestartType::Temporary {
                    continue;
                }
            }
            self.out.restarts.push(ImpactRestart {
                supervisor: sup,
                child: c.id.clone(),
                old: c.pid,
                rule: if j == ci {
                    format!(
                        "{} child of a {} supervisor: restarted ({} of {} restarts allowed in the period)",
                        restart.name(),
                        sv.strategy.name(),
                        used,
                        sv.intensity
                    )
                } else {
                    format!("{}: restarted along with {id}", sv.strategy.name())
                },
            });
        }
    }
}
