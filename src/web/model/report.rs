//! The playground's report of the system now, as Markdown for people and
//! as JSON for tools: health with its reasons, bottlenecks and alerts, the
//! latest metrics, the supervision tree and the flow recordings.

use super::{Alert, Findings, FlowRecording, Health, Sample, Sim, TreeNode};
use crate::term::Pid;
use std::rc::Rc;

/// The contents of a report, in either form.
struct Report {
    health: Health,
    findings: Findings,
    last: Option<Sample>,
    restarts: u64,
    tree: Option<TreeNode>,
    recordings: Vec<Rc<FlowRecording>>,
}

impl Sim {
    /// What the reports say, gathered once for both forms. Built from the
    /// data the views already read, not by control's
    /// `generate_system_report_with` (which can carry the same tree and
    /// flows): that generator's supervisor and top-process tables and their
    /// serializers add 11,025 bytes to the gzipped wasm (measured: 399,996
    /// bytes with this builder, 411,021 with control's), past the 400 KiB
    /// budget. The API, the CLI and native tools use control's.
    fn report(&mut self) -> Report {
        let health = self.health();
        Report {
            health,
            findings: self.findings(),
            last: self.samples().last().copied(),
            restarts: self.restarts_total(),
            tree: self.tree(),
            recordings: self.recordings.clone(),
        }
    }

    /// A Markdown report of the system now: health with its reasons,
    /// bottlenecks and alerts, the latest metrics, the supervision tree and
    /// the flow recordings.
    pub fn report_markdown(&mut self) -> String {
        use std::fmt::Write as _;
        let r = self.report();
        let h = &r.health;
        let mut s = String::new();
        let _ = write!(
            s,
            "# otpsim report\n\nScenario `{}`, seed {}, at {:.0} ms of virtual time.\n\n## Health: {}/100 ({})\n\n",
            self.scenario,
            self.seed(),
            self.now_ms(),
            h.score,
            h.status
        );
        for r in &h.reasons {
            let _ = writeln!(s, "- {r}");
        }
        for (title, list) in [("Bottlenecks", &r.findings.bottlenecks), ("Alerts", &r.findings.alerts)] {
            let _ = write!(s, "\n## {title}\n\n");
            if list.is_empty() {
                s.push_str("None found.\n");
            }
            for a in list {
                let _ = writeln!(s, "- **{}**: {}", a.title, a.detail);
            }
        }
        if let Some(m) = r.last {
            let _ = write!(
                s,
                "\n## Metrics\n\n- processes: {}\n- memory: {:.1} KiB\n- messages/s: {:.1}\n- restarts/s: {:.2}\n- run queue: {}\n- restarts in total: {}\n",
                m.processes,
                m.memory_kib,
                m.messages_per_s,
                m.restarts_per_s,
                m.run_queue,
                r.restarts
            );
        }
        if let Some(t) = &r.tree {
            s.push_str("\n## Supervision tree\n\n");
            fn line(n: &TreeNode, depth: usize, s: &mut String) {
                let pid = n.pid.map(|p| p.to_string()).unwrap_or_else(|| "undefined".into());
                let strat = n.strategy.as_deref().map(|x| format!(" [{x}]")).unwrap_or_default();
                let _ = writeln!(
                    s,
                    "{}- {} {pid}{strat} {} (restarts: {})",
                    "  ".repeat(depth),
                    n.id,
                    n.status,
                    n.restarts
                );
                for c in &n.children {
                    line(c, depth + 1, s);
                }
            }
            line(t, 0, &mut s);
        }
        if !r.recordings.is_empty() {
            s.push_str("\n## Recorded flows\n");
            for f in &r.recordings {
                let _ = write!(s, "\n### {}\n\n", f.title);
                let name = |p: Pid| f.label(p).map(str::to_string).unwrap_or(p.to_string());
                for h in f.hops.iter().take(50) {
                    let from = h.from.map(name).unwrap_or_else(|| "outside".into());
                    let _ = writeln!(s, "- {:.3} ms: {from} → {}: `{}`", h.at_ms, name(h.to), h.msg);
                }
                if f.hops.len() > 50 {
                    let _ = writeln!(s, "- … and {} more", f.hops.len() - 50);
                }
            }
        }
        s
    }

    /// The same report as JSON, for tools: every flow recording whole.
    pub fn report_json(&mut self) -> String {
        use serde_json::{json, Value};
        let r = self.report();
        fn node(n: &TreeNode) -> Value {
            json!({
                "id": n.id, "pid": n.pid.map(|p| p.to_string()), "name": n.name, "supervisor": n.supervisor,
                "status": n.status.name(), "strategy": n.strategy, "restarts": n.restarts,
                "total_restarts": n.total_restarts, "paused": n.paused, "message_queue_len": n.queue_len,
                "memory_words": n.memory_words, "children": n.children.iter().map(node).collect::<Vec<_>>(),
            })
        }
        let alerts = |l: &[Alert]| l.iter().map(|a| json!({"title": a.title, "detail": a.detail})).collect::<Vec<_>>();
        let flows: Vec<Value> = r
            .recordings
            .iter()
            .map(|f| {
                let name = |p: Pid| f.label(p);
                json!({
                    "title": f.title, "traced": f.traced, "from_ms": f.from_ms, "to_ms": f.to_ms,
                    "truncated": f.truncated,
                    "messages": f.hops.iter().map(|h| json!({
                        "seq": h.seq, "at_ms": h.at_ms, "from": h.from.map(|p| p.to_string()),
                        "from_name": h.from.and_then(name), "to": h.to.to_string(), "to_name": name(h.to),
                        "message": h.msg,
                    })).collect::<Vec<_>>(),
                })
            })
            .collect();
        json!({
            "scenario": self.scenario, "seed": self.seed(), "now_ms": self.now_ms(),
            "health": {"score": r.health.score, "status": r.health.status, "reasons": r.health.reasons},
            "bottlenecks": alerts(&r.findings.bottlenecks),
            "alerts": alerts(&r.findings.alerts),
            "metrics": r.last.map(|m| json!({
                "processes": m.processes, "memory_kib": m.memory_kib, "messages_per_s": m.messages_per_s,
                "restarts_per_s": m.restarts_per_s, "run_queue": m.run_queue, "restarts_total": r.restarts,
            })),
            "supervision_tree": r.tree.as_ref().map(node),
            "flows": flows,
        })
        .to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::web::model::test_pid_of as pid_of;

    #[test]
    fn metrics_heatmap_health_flow_and_report() {
        let mut sim = Sim::new("demo", 3).unwrap();
        sim.advance(3000);
        let s = sim.samples();
        assert!(s.len() >= 10, "{}", s.len());
        assert!(s.iter().any(|x| x.messages_per_s > 0.0));
        assert!(sim.heatmap(8).max > 0);
        assert!(sim.health().score > 0);
        let bus = pid_of(&sim, "bus");
        let n = sim.send_traced(bus, "{:publish, \"orders.created\", {:inc, 1}}").unwrap();
        assert!(n >= 2, "{n}");
        // The traced flow is kept as a recording, in send order, with a
        // label for every participant.
        let flows = sim.recordings();
        let f = flows.last().unwrap();
        assert!(f.traced && f.hops.len() >= 2 && f.title.starts_with("Traced {:publish"), "{}", f.title);
        assert!(f.hops.windows(2).all(|w| w[0].seq < w[1].seq));
        assert_eq!(f.hops[0].from, None);
        assert!(f.labels.iter().any(|l| l.1 == "bus"), "{:?}", f.labels);
        let md = sim.report_markdown();
        assert!(
            md.contains("## Health: ") && md.contains("## Bottlenecks") && md.contains("### Traced {:publish"),
            "{md}"
        );
        sim.select(Some(bus));
        sim.advance(500);
        assert!(!sim.details(bus).unwrap().trace.is_empty());
    }

    #[test]
    fn the_json_report_has_every_section() {
        let mut sim = Sim::new("demo", 3).unwrap();
        sim.advance(1500);
        let bus = pid_of(&sim, "bus");
        sim.send_traced(bus, "{:publish, \"orders.created\", {:inc, 1}}").unwrap();
        let v: serde_json::Value = serde_json::from_str(&sim.report_json()).unwrap();
        assert_eq!(v["scenario"], "demo");
        assert_eq!(v["seed"], 3);
        assert!(v["health"]["score"].as_u64().unwrap() <= 100);
        assert!(v["bottlenecks"].is_array() && v["alerts"].is_array());
        assert!(v["metrics"]["processes"].as_u64().unwrap() > 20);
        assert_eq!(v["supervision_tree"]["supervisor"], true);
        assert!(!v["supervision_tree"]["children"].as_array().unwrap().is_empty());
        let flow = &v["flows"][0];
        assert_eq!(flow["traced"], true);
        assert_eq!(flow["messages"][0]["to_name"], "bus");
        assert_eq!(flow["messages"][0]["from"], serde_json::Value::Null);
    }
}
