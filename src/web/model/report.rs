//! The playground's report download: control's one report generator
//! (`generate_system_report_with`) given the supervision tree and the flow
//! recordings the playground keeps, as Markdown for people and as JSON for
//! tools.

use super::{FlowRecording, Sim};
use crate::control::{generate_system_report_with, ReportExtras, ReportFlow, ReportMessage, SystemReport};
use crate::term::Pid;

/// A playground recording as the report shows it, with the labels its
/// participants had when it was made.
fn report_flow(f: &FlowRecording) -> ReportFlow {
    let name = |p: Pid| f.label(p).map(str::to_string);
    ReportFlow {
        title: f.title.clone(),
        traced: f.traced,
        from_ms: f.from_ms,
        to_ms: f.to_ms,
        truncated: f.truncated,
        messages: f
            .hops
            .iter()
            .map(|h| ReportMessage {
                seq: h.seq,
                at_ms: h.at_ms,
                from: h.from,
                from_name: h.from.and_then(name),
                to: h.to,
                to_name: name(h.to),
                message: h.msg.clone(),
            })
            .collect(),
    }
}

impl Sim {
    /// The system's report now, with the tree and every flow recording.
    fn report(&self) -> SystemReport {
        let flows = self.recordings.iter().map(|f| report_flow(f)).collect();
        generate_system_report_with(&self.sys, ReportExtras { supervision_tree: true, flows: Some(flows) })
    }

    /// The report as Markdown: health with its reasons, bottlenecks,
    /// supervisors, the top processes, the latest metrics, the supervision
    /// tree and the flow recordings.
    pub fn report_markdown(&mut self) -> String {
        self.report().to_markdown()
    }

    /// The same report as JSON, for tools: every flow recording whole.
    pub fn report_json(&mut self) -> String {
        // A report is plain data (strings, numbers, pids as text), so
        // serializing it cannot fail; an empty object would still be valid
        // JSON for the download if it ever did.
        serde_json::to_string(&self.report()).unwrap_or_else(|_| "{}".into())
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
            md.starts_with("# System report: demo")
                && md.contains("## Health: ")
                && md.contains("## Bottlenecks")
                && md.contains("## Supervision tree")
                && md.contains("### Traced {:publish"),
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
        assert!(v["bottlenecks"]["growing_queues"].is_array());
        assert!(v["latest_metrics"]["processes"].as_u64().unwrap() > 20);
        assert_eq!(v["supervision_tree"]["id"], "root");
        assert_eq!(v["supervision_tree"]["supervisor"], true);
        assert!(!v["supervision_tree"]["children"].as_array().unwrap().is_empty());
        let flow = &v["flows"][0];
        assert_eq!(flow["traced"], true);
        assert_eq!(flow["messages"][0]["to_name"], "bus");
        assert_eq!(flow["messages"][0]["from"], serde_json::Value::Null);
    }
}
