//! `generate_system_report`: health, bottlenecks, supervisors, the top
//! processes, recent supervision events and the latest metrics in one
//! document, as JSON or Markdown; and, when the caller asks
//! ([`ReportExtras`]), the supervision tree and the caller's flow
//! recordings. The one report generator: the API and the playground's
//! download both use it.

use crate::control::analysis::bottlenecks::{detect_bottlenecks, Bottlenecks};
use crate::control::analysis::health::{analyze_system_health, Finding, SystemHealth};
use crate::control::supervisors::{get_supervision_tree, list_supervisors, SupTreeNode, SupervisorSummary};
use crate::otp::supervisor::Strategy;
use crate::system::{event_json, System};
use crate::term::Pid;
use crate::util::VecMap;
use serde::Serialize;
use std::fmt::Write as _;

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
    /// The supervision tree from the root, when asked for
    /// ([`ReportExtras::supervision_tree`]).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub supervision_tree: Option<ReportTreeNode>,
    /// The caller's flow recordings, when given ([`ReportExtras::flows`]).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub flows: Option<Vec<ReportFlow>>,
}

/// What a report takes from its caller beyond the system itself. The
/// default adds nothing: the report the API serves.
#[derive(Clone, Debug, Default)]
pub struct ReportExtras {
    /// Include the supervision tree from the root, each child with its
    /// restarts.
    pub supervision_tree: bool,
    /// Flow recordings the caller kept (the playground's traced sends and
    /// recorded windows), which the system itself does not keep: whole in
    /// the JSON, the first [`MARKDOWN_FLOW_MESSAGES`] messages of each in
    /// the Markdown. `None` leaves the section out.
    pub flows: Option<Vec<ReportFlow>>,
}

/// A flow recording as a report shows it.
#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct ReportFlow {
    pub title: String,
    /// Whether it followed one traced message (else it is a time window).
    pub traced: bool,
    pub from_ms: f64,
    pub to_ms: f64,
    /// Messages past the recording's bound were not kept.
    pub truncated: bool,
    /// In send order.
    pub messages: Vec<ReportMessage>,
}

/// One message of a [`ReportFlow`], with the labels its sender and
/// receiver had when it was recorded.
#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct ReportMessage {
    pub seq: u64,
    pub at_ms: f64,
    /// `None`: sent from outside.
    pub from: Option<Pid>,
    pub from_name: Option<String>,
    pub to: Pid,
    pub to_name: Option<String>,
    /// The message in Elixir syntax.
    pub message: String,
}

/// A node of the report's supervision tree: [`SupTreeNode`] with the
/// child's restarts, counted from its supervisor's (bounded) restart log.
#[derive(Clone, Debug, Serialize)]
pub struct ReportTreeNode {
    pub id: String,
    pub pid: Option<Pid>,
    pub name: Option<String>,
    pub supervisor: bool,
    pub strategy: Option<Strategy>,
    pub state: &'static str,
    pub restarts: u64,
    pub children: Vec<ReportTreeNode>,
}

/// The Markdown shows this many messages of each flow recording.
pub const MARKDOWN_FLOW_MESSAGES: usize = 50;

/// `generate_system_report/0`: everything above in one document (JSON via
/// serde; Markdown via [`SystemReport::to_markdown`]).
pub fn generate_system_report(sys: &System) -> SystemReport {
    generate_system_report_with(sys, ReportExtras::default())
}

/// [`generate_system_report`] with what the caller adds: the supervision
/// tree and flow recordings.
pub fn generate_system_report_with(sys: &System, extras: ReportExtras) -> SystemReport {
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
        supervision_tree: if extras.supervision_tree { report_tree(sys) } else { None },
        flows: extras.flows,
    }
}

/// The supervision tree from the root supervisor (named by its scenario id).
fn report_tree(sys: &System) -> Option<ReportTreeNode> {
    let root = sys.root()?;
    let tree = get_supervision_tree(sys, root).ok()?;
    Some(tree_node(sys, &tree, sys.scenario().tree.id.clone(), 0))
}

fn tree_node(sys: &System, n: &SupTreeNode, id: String, restarts: u64) -> ReportTreeNode {
    let mut per_child: VecMap<&str, u64> = VecMap::new();
    let snap = n.pid.filter(|_| n.supervisor).and_then(|p| sys.snapshot(p));
    if let Some(s) = &snap {
        for r in &s.log {
            *per_child.get_or_insert_with(r.child.as_str(), || 0) += 1;
        }
    }
    let children = n
        .children
        .iter()
        .map(|c| tree_node(sys, c, c.id.clone(), per_child.get(c.id.as_str()).copied().unwrap_or(0)))
        .collect();
    ReportTreeNode {
        id,
        pid: n.pid,
        name: n.name.clone(),
        supervisor: n.supervisor,
        strategy: n.strategy,
        state: n.state,
        restarts,
        children,
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
        if let Some(t) = &self.supervision_tree {
            s.push_str("\n## Supervision tree\n\n");
            tree_lines(t, 0, &mut s);
        }
        if let Some(flows) = self.flows.as_ref().filter(|f| !f.is_empty()) {
            s.push_str("\n## Recorded flows\n");
            for f in flows {
                flow_lines(f, &mut s);
            }
        }
        s
    }
}

/// `- id pid [strategy] state (restarts: n)`, children indented under it.
fn tree_lines(n: &ReportTreeNode, depth: usize, s: &mut String) {
    let pid = n.pid.map(|p| p.to_string()).unwrap_or_else(|| "undefined".into());
    let strategy = n.strategy.map(|x| format!(" [{}]", x.name())).unwrap_or_default();
    let _ = writeln!(s, "{}- {} {pid}{strategy} {} (restarts: {})", "  ".repeat(depth), n.id, n.state, n.restarts);
    for c in &n.children {
        tree_lines(c, depth + 1, s);
    }
}

/// A recording's title, then its first messages as `- t ms: from → to: msg`.
fn flow_lines(f: &ReportFlow, s: &mut String) {
    let _ = write!(s, "\n### {}\n\n", f.title);
    for m in f.messages.iter().take(MARKDOWN_FLOW_MESSAGES) {
        let from = match (&m.from_name, m.from) {
            (Some(n), _) => n.clone(),
            (None, Some(p)) => p.to_string(),
            (None, None) => "outside".into(),
        };
        let to = m.to_name.clone().unwrap_or_else(|| m.to.to_string());
        let _ = writeln!(s, "- {:.3} ms: {from} → {to}: `{}`", m.at_ms, m.message);
    }
    if f.messages.len() > MARKDOWN_FLOW_MESSAGES {
        let _ = writeln!(s, "- … and {} more", f.messages.len() - MARKDOWN_FLOW_MESSAGES);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::control::{kill_process, parse_term};
    use crate::scenario::Scenario;
    use crate::system::SystemOptions;

    fn system() -> System {
        let json = r#"{"name":"rep","tree":{"id":"root","type":"supervisor","name":"top","children":[
            {"id":"a","type":"worker","name":"a"},
            {"id":"s","type":"supervisor","strategy":"one_for_all","children":[{"id":"c","type":"worker","name":"c"}]}]}}"#;
        let scenario = Scenario::from_json(json).expect("scenario");
        System::new(scenario, SystemOptions::default()).expect("system")
    }

    #[test]
    fn the_default_report_adds_no_tree_and_no_flows() {
        let mut sys = system();
        sys.tick(100);
        let r = generate_system_report(&sys);
        let v = serde_json::to_value(&r).expect("json");
        assert!(v.get("supervision_tree").is_none() && v.get("flows").is_none(), "{v}");
        let md = r.to_markdown();
        assert!(md.starts_with("# System report: rep"));
        assert!(!md.contains("## Supervision tree") && !md.contains("## Recorded flows"), "{md}");
    }

    #[test]
    fn extras_add_the_tree_with_restarts_and_the_callers_flows() {
        let mut sys = system();
        sys.tick(100);
        let a = sys.resolve("a").expect("a");
        let c = sys.resolve("c").expect("c");
        kill_process(&mut sys, c, parse_term(":boom").expect("term")).expect("kill");
        sys.tick(100);
        let message = |seq, from: Option<Pid>, from_name: Option<&str>| ReportMessage {
            seq,
            at_ms: 1.5,
            from,
            from_name: from_name.map(str::to_string),
            to: a,
            to_name: Some("a".into()),
            message: "{:inc, 1}".into(),
        };
        let mut messages = vec![message(1, None, None)];
        messages.extend((2..60).map(|i| message(i, Some(a), Some("a"))));
        let flow = ReportFlow {
            title: "Traced {:inc, 1}".into(),
            traced: true,
            from_ms: 1.0,
            to_ms: 20.0,
            truncated: false,
            messages,
        };
        let r = generate_system_report_with(&sys, ReportExtras { supervision_tree: true, flows: Some(vec![flow]) });
        let v = serde_json::to_value(&r).expect("json");
        let tree = &v["supervision_tree"];
        assert_eq!(tree["id"], "root");
        assert_eq!(tree["strategy"], "one_for_one");
        assert_eq!(tree["children"][1]["id"], "s");
        assert_eq!(tree["children"][1]["restarts"], 0);
        assert_eq!(tree["children"][1]["children"][0]["restarts"], 1, "{tree}");
        assert_eq!(v["flows"][0]["messages"][0]["to_name"], "a");
        assert_eq!(v["flows"][0]["messages"][0]["from"], serde_json::Value::Null);
        assert_eq!(v["flows"][0]["messages"].as_array().map(Vec::len), Some(59));
        let md = r.to_markdown();
        assert!(md.contains("## Supervision tree\n\n- root "), "{md}");
        assert!(md.contains("\n    - c "), "{md}");
        assert!(md.contains("### Traced {:inc, 1}\n\n- 1.500 ms: outside → a: `{:inc, 1}`\n"), "{md}");
        assert!(md.contains("- … and 9 more\n"), "{md}");
    }
}
