//! What the System Dashboard and the heatmap show: metric [`Sample`]s, the
//! [`Health`] score with its reasons, the [`Findings`] (bottlenecks and
//! alerts) and the sender×receiver [`Heatmap`].

use super::Sim;
use crate::control::{analysis, flow};
use crate::term::Pid;
use crate::util::VecMap;
use serde::Serialize;

/// One metrics sample.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct Sample {
    pub t_ms: f64,
    pub processes: usize,
    pub memory_kib: f64,
    pub messages_per_s: f64,
    pub restarts_per_s: f64,
    pub run_queue: usize,
}

/// The health score with its reasons.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Health {
    pub score: u32,
    pub status: &'static str,
    pub reasons: Vec<String>,
}

/// One finding on the dashboard: a short title and its explanation.
#[derive(Clone, Debug, PartialEq)]
pub struct Alert {
    pub title: String,
    pub detail: String,
}

/// The dashboard's bottlenecks and anomaly alerts.
#[derive(Clone, Debug, PartialEq, Default)]
pub struct Findings {
    /// Growing queues, contended servers, call chains and deadlocks.
    pub bottlenecks: Vec<Alert>,
    /// Unusual message activity and supervision anti-patterns.
    pub alerts: Vec<Alert>,
    /// The processes the bottlenecks are about, in pid order: the tree and
    /// the heatmap highlight them.
    pub hot: Vec<Pid>,
}

/// The sender×receiver heatmap: labels and counts (row: sender).
#[derive(Clone, Debug, PartialEq, Default)]
pub struct Heatmap {
    /// The processes of the rows and columns, in pid order.
    pub pids: Vec<Pid>,
    pub labels: Vec<String>,
    pub counts: Vec<Vec<u64>>,
    pub max: u64,
}

impl Sim {
    pub fn samples(&self) -> Vec<Sample> {
        self.sys
            .metrics
            .system
            .iter()
            .map(|s| Sample {
                t_ms: s.at_ms,
                processes: s.processes,
                memory_kib: (s.memory_words * 8) as f64 / 1024.0,
                messages_per_s: s.messages_per_s,
                restarts_per_s: s.restarts_per_s,
                run_queue: s.run_queue,
            })
            .collect()
    }

    /// `analyze_system_health`: the score and every deduction, with findings
    /// (kept for [`Sim::findings`]).
    pub fn health(&mut self) -> Health {
        let h = analysis::analyze_system_health(&self.sys);
        self.health_alerts = h
            .supervision_anti_patterns
            .iter()
            .chain(&h.high_message_queues)
            .chain(&h.high_memory_processes)
            .take(6)
            .map(|a| Alert {
                title: format!("Anti-pattern: {}", a.kind.replace('_', " ")),
                detail: if a.suggestion.is_empty() {
                    a.explanation.clone()
                } else {
                    format!("{} — {}", a.explanation, a.suggestion)
                },
            })
            .collect();
        let mut reasons: Vec<String> = h.penalties.iter().map(|p| format!("−{:.0}: {}", p.points, p.reason)).collect();
        for f in
            h.high_message_queues.iter().chain(&h.high_memory_processes).chain(&h.supervision_anti_patterns).take(4)
        {
            reasons.push(f.explanation.clone());
        }
        if reasons.is_empty() {
            reasons.push(format!(
                "{:.0}% of processes supervised; no long queues, no memory hogs",
                h.supervised_percentage
            ));
        }
        let status = match h.score {
            90..=100 => "healthy",
            60..=89 => "degraded",
            _ => "critical",
        };
        Health { score: h.score, status, reasons }
    }

    /// `detect_bottlenecks` over the last five seconds, and the alerts:
    /// `analyze_message_patterns`' unusual flows and the health check's
    /// supervision anti-patterns and long queues.
    pub fn findings(&self) -> Findings {
        let mut f = Findings::default();
        let b = analysis::detect_bottlenecks(&self.sys, 5000);
        let who = |pid: Pid, name: &Option<String>| name.clone().unwrap_or_else(|| self.label(pid));
        for g in b.growing_queues.iter().take(5) {
            f.bottlenecks.push(Alert {
                title: format!("Growing queue: {}", who(g.pid, &g.name)),
                detail: format!(
                    "{} ({}) queue grows by {:.1} messages/s; {} waiting now",
                    who(g.pid, &g.name),
                    g.pid,
                    g.slope_per_s,
                    g.queue_len
                ),
            });
        }
        for c in b.contended_servers.iter().take(5) {
            f.bottlenecks.push(Alert {
                title: format!("Contended server: {}", who(c.pid, &c.name)),
                detail: format!(
                    "callers were blocked on it in {:.0}% of samples ({:.1} callers on average, {} in all)",
                    c.blocked_fraction * 100.0,
                    c.mean_blocked_callers,
                    c.callers.len()
                ),
            });
        }
        for d in b.deadlocks.iter().take(5) {
            f.bottlenecks.push(Alert { title: "Deadlock".into(), detail: d.explanation.clone() });
        }
        for c in b.call_chains.iter().take(5) {
            f.bottlenecks.push(Alert { title: "Call chain".into(), detail: c.explanation.clone() });
        }
        let m = flow::analyze_message_patterns(&self.sys);
        for u in m.unusual.iter().take(5) {
            let end = |p: Option<Pid>, n: &Option<String>| match (n, p) {
                (Some(n), _) => n.clone(),
                // A process with neither name nor place in the tree shows as its pid.
                (None, Some(p)) => Some(self.label(p)).filter(|l| *l != p.short()).unwrap_or_else(|| p.to_string()),
                (None, None) => "outside".into(),
            };
            f.alerts.push(Alert {
                title: format!("Unusual activity: {} → {}", end(u.from, &u.from_name), end(Some(u.to), &u.to_name)),
                detail: u.unusual.clone().unwrap_or_default(),
            });
        }
        // The health check's findings as of the last `health()`: the
        // dashboard computes both, and checking health twice would double
        // the dearest part of a refresh.
        f.alerts.extend(self.health_alerts.iter().cloned());
        let chains = b.deadlocks.iter().flat_map(|d| d.pids.iter().copied());
        for p in b.growing_queues.iter().map(|g| g.pid).chain(b.contended_servers.iter().map(|c| c.pid)).chain(chains) {
            if let Err(i) = f.hot.binary_search(&p) {
                f.hot.insert(i, p);
            }
        }
        f
    }

    /// The sender×receiver counts among the processes of the busiest pairs.
    pub fn heatmap(&self, n: usize) -> Heatmap {
        let flows = self.sys.flows();
        let rt = self.sys.runtime();
        let mut pairs: Vec<((Pid, Pid), u64)> = flows
            .iter()
            .filter_map(|((f, t), e)| f.map(|f| ((f, *t), e.count)))
            // Live processes only: a restarted worker's old pid is history.
            .filter(|(p, _)| !self.sys.is_system_pid(p.0) && rt.is_alive(p.0) && rt.is_alive(p.1))
            .collect();
        crate::util::sort_by(&mut pairs, |a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
        let mut pids: Vec<Pid> = Vec::new();
        for ((f, t), _) in &pairs {
            for p in [*f, *t] {
                if pids.len() < n && !pids.contains(&p) {
                    pids.push(p);
                }
            }
            if pids.len() >= n {
                break;
            }
        }
        crate::util::sort(&mut pids);
        let mut counts_of: VecMap<(Pid, Pid), u64> = VecMap::default();
        counts_of.extend(pairs);
        let labels = pids.iter().map(|p| self.label(*p)).collect();
        let mut max = 0;
        let counts = pids
            .iter()
            .map(|f| {
                pids.iter()
                    .map(|t| {
                        let c = counts_of.get(&(*f, *t)).copied().unwrap_or(0);
                        max = max.max(c);
                        c
                    })
                    .collect()
            })
            .collect();
        Heatmap { pids, labels, counts, max }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::web::model::test_pid_of as pid_of;

    #[test]
    fn findings_report_a_growing_queue() {
        let mut sim = Sim::new("demo", 7).unwrap();
        sim.advance(2000);
        let quiet = sim.findings();
        assert!(!quiet.bottlenecks.iter().any(|a| a.title.starts_with("Growing queue")), "{quiet:?}");
        // A suspended worker that keeps receiving has a growing queue.
        let p = pid_of(&sim, "team_red");
        sim.select(Some(p));
        sim.suspend(p).unwrap();
        for i in 0..40 {
            sim.send_text(p, "{:inc, 1}").unwrap();
            sim.advance(100 + i % 2);
        }
        let f = sim.findings();
        assert!(f.bottlenecks.iter().any(|a| a.title.starts_with("Growing queue")), "{f:?}");
        assert_eq!(f.hot, vec![p], "the tree highlights it");
    }
}
