//! `generate_system_report`: health, bottlenecks, supervisors, the top
//! processes, recent supervision events and the latest metrics in one
//! document, as JSON or Markdown.

use crate::control::analysis::bottlenecks::{detect_bottlenecks, Bottlenecks};
use crate::control::analysis::health::{analyze_system_health, Finding, SystemHealth};
use crate::control::supervisors::{list_supervisors, SupervisorSummary};
use crate::system::{event_json, System};
use serde::Serialize;

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
