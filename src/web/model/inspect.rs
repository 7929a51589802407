//! What the Process Inspector shows about one process ([`Details`]): its
//! `process_info` fields, behaviour state, a StatefulWorker's versions, its
//! probes, and the trace of its events since it was selected.

use super::text::short;
use super::{ProcStatus, Sim, SimError};
use crate::control::probe::{ProbeAction, ProbeSpec};
use crate::control::{self, ControlError};
use crate::runtime::{Event, EventKind, Filter, KindMask};
use crate::term::{Pid, Term};

/// Lines kept for the inspector's trace tab.
const TRACE_KEPT: usize = 200;

/// Everything the inspector shows about one process.
#[derive(Clone, Debug, PartialEq)]
pub struct Details {
    pub info: InfoView,
    /// The behaviour state pretty-printed, or why it could not be read.
    pub state: Result<String, String>,
    pub trace: Vec<String>,
    pub traced: bool,
    pub queue_history: Vec<usize>,
    /// The probes installed on the process.
    pub probes: Vec<ProbeView>,
    /// A StatefulWorker's recent versions, oldest first (empty otherwise).
    pub versions: Vec<VersionView>,
}

/// `process_info` fields, as text, for display.
#[derive(Clone, Debug, PartialEq)]
pub struct InfoView {
    pub pid: Pid,
    pub name: Option<String>,
    /// `None` if the control layer gave no status it names.
    pub status: Option<ProcStatus>,
    pub fields: Vec<(String, String)>,
    pub messages: Vec<String>,
    pub links: Vec<Pid>,
    pub monitors: Vec<Pid>,
    pub monitored_by: Vec<Pid>,
    pub gen_server: bool,
    pub supervisor: bool,
}

/// One probe as the inspector lists it.
#[derive(Clone, Debug, PartialEq)]
pub struct ProbeView {
    pub id: u64,
    pub pattern: String,
    /// `log`, `count`, `pause`, `delay 50 ms` or `drop`.
    pub action: String,
    pub hits: u64,
}

/// One version in a StatefulWorker's history.
#[derive(Clone, Debug, PartialEq)]
pub struct VersionView {
    pub version: u64,
    pub at_ms: i64,
    pub value: String,
    /// Whether this is the version the worker holds now.
    pub current: bool,
}

/// A probe action as the inspector's select names it; `delay` takes `ms`.
pub fn probe_action(name: &str, delay_ms: u64) -> Result<ProbeAction, SimError> {
    Ok(match name {
        "log" => ProbeAction::Log,
        "count" => ProbeAction::Count,
        "pause" => ProbeAction::Pause,
        "delay" => ProbeAction::Delay { ms: delay_ms },
        "drop" => ProbeAction::Drop,
        other => return Err(SimError::UnknownProbeAction(other.to_string())),
    })
}

fn action_text(a: &ProbeAction) -> String {
    match a {
        ProbeAction::Log => "log".into(),
        ProbeAction::Count => "count".into(),
        ProbeAction::Pause => "pause".into(),
        ProbeAction::Delay { ms } => format!("delay {ms} ms"),
        ProbeAction::Drop => "drop".into(),
    }
}

/// The recent versions in a StatefulWorker's state term (its
/// `history.recent` list), or none for any other state.
fn versions_of(state: &Term) -> Vec<VersionView> {
    let key = |t: &Term, k: &str| t.map_get(&Term::atom(k)).cloned();
    let current = key(state, "version").and_then(|v| v.as_int());
    let Some(recent) = key(state, "history").and_then(|h| key(&h, "recent")) else { return Vec::new() };
    let Some(list) = recent.as_list() else { return Vec::new() };
    list.iter()
        .filter_map(|e| {
            let v = key(e, "version")?.as_int()?;
            Some(VersionView {
                version: u64::try_from(v).ok()?,
                at_ms: key(e, "at_ms").and_then(|t| t.as_int()).unwrap_or(0),
                value: key(e, "value").map(|t| t.to_string()).unwrap_or_default(),
                current: current == Some(v),
            })
        })
        .collect()
}

/// `get_process_details`' answer, read as the inspector shows it.
struct Fields<'a>(&'a serde_json::Value);

impl Fields<'_> {
    /// A field as text; a missing or null one is a dash.
    fn text(&self, k: &str) -> String {
        match self.0.get(k) {
            None | Some(serde_json::Value::Null) => "—".to_string(),
            Some(serde_json::Value::String(s)) => s.clone(),
            Some(v) => v.to_string(),
        }
    }

    fn pids(&self, k: &str) -> Vec<Pid> {
        self.0
            .get(k)
            .and_then(|v| v.as_array())
            .map(|a| a.iter().filter_map(|x| x.as_str().and_then(Pid::parse_short)).collect())
            .unwrap_or_default()
    }

    fn flag(&self, k: &str) -> bool {
        self.0.get(k).and_then(|v| v.as_bool()).unwrap_or(false)
    }
}

impl Sim {
    /// Selects the process the inspector follows: its events are collected
    /// from a `process:<pid>` topic, and its queue length is sampled.
    pub fn select(&mut self, pid: Option<Pid>) {
        if self.selected == pid {
            return;
        }
        if let Some(t) = self.topic.take() {
            self.sys.runtime().bus(|b| b.unsubscribe(t));
        }
        if let Some(old) = self.selected {
            self.sys.unwatch(old);
        }
        self.selected = pid;
        self.trace.clear();
        if let Some(p) = pid {
            self.topic = Some(self.sys.runtime().bus(|b| b.subscribe(Filter::process(p, KindMask::ALL), 4096)));
            self.sys.watch(p);
        }
    }

    pub fn selected(&self) -> Option<Pid> {
        self.selected
    }

    /// Drains the selected process's events into the trace tab's lines.
    pub(super) fn poll_trace(&mut self) {
        let Some(t) = self.topic else { return };
        let Some((evs, _dropped)) = self.sys.runtime().bus(|b| b.drain(t)) else { return };
        for e in &evs {
            if self.trace.len() >= TRACE_KEPT {
                self.trace.pop_front();
            }
            self.trace.push_back(describe_event(e));
        }
    }

    /// What the inspector shows about a process; `None` once it is dead.
    pub fn details(&self, pid: Pid) -> Option<Details> {
        let d = control::get_process_details(&self.sys, pid, None).ok()?;
        let f = Fields(&d);
        let (state, versions) = self.state_and_versions(pid);
        Some(Details {
            info: self.info(pid, &f),
            state,
            trace: if self.selected == Some(pid) {
                self.trace.iter().rev().take(100).cloned().collect()
            } else {
                Vec::new()
            },
            traced: f.flag("tracing"),
            queue_history: self
                .sys
                .metrics
                .procs
                .get(&pid)
                .map(|r| r.iter().map(|s| s.queue_len).collect())
                .unwrap_or_default(),
            probes: self.probes_of(pid),
            versions,
        })
    }

    /// The Overview tab and the inspector's heading.
    fn info(&self, pid: Pid, f: &Fields) -> InfoView {
        let memory = f.0.get("memory").and_then(|m| m.get("words")).and_then(|w| w.as_u64()).unwrap_or(0);
        let path = self.sys.pid_path(pid);
        let fields = vec![
            ("pid".to_string(), pid.to_string()),
            ("registered_name".into(), f.text("registered_name")),
            ("path".into(), path.unwrap_or_else(|| "—".into())),
            ("status".into(), f.text("status")),
            ("initial_call".into(), f.text("initial_call")),
            ("current_function".into(), f.text("current_function")),
            ("module".into(), f.text("module")),
            ("message_queue_len".into(), f.text("message_queue_len")),
            ("reductions".into(), f.text("reductions")),
            ("memory".into(), format!("{memory} words ({} bytes)", memory * 8)),
            ("messages_in / out".into(), format!("{} / {}", f.text("messages_in"), f.text("messages_out"))),
            ("trap_exit".into(), f.text("trap_exit")),
            ("parent".into(), f.text("parent")),
            ("spawned_at".into(), format!("{} ms", f.text("spawned_at_ms"))),
        ];
        let messages =
            f.0.get("messages")
                .and_then(|v| v.as_array())
                .map(|a| a.iter().take(100).filter_map(|m| m.as_str().map(str::to_string)).collect())
                .unwrap_or_default();
        InfoView {
            pid,
            name: f.0.get("registered_name").and_then(|v| v.as_str()).map(str::to_string),
            status: f.0.get("status").and_then(|v| v.as_str()).and_then(ProcStatus::of_name),
            fields,
            messages,
            links: f.pids("links"),
            monitors: f.pids("monitors"),
            monitored_by: f.pids("monitored_by"),
            gen_server: f.flag("gen_server"),
            supervisor: f.flag("supervisor"),
        }
    }

    /// The behaviour state pretty-printed (or why it cannot be read), and a
    /// StatefulWorker's versions found in it.
    fn state_and_versions(&self, pid: Pid) -> (Result<String, String>, Vec<VersionView>) {
        match control::get_genserver_state(&self.sys, pid) {
            Ok(g) => match crate::term::parse(&g.state) {
                Ok(t) => (Ok(t.pretty(60)), versions_of(&t)),
                Err(_) => (Ok(g.state), Vec::new()),
            },
            Err(e) => (Err(e.to_string()), Vec::new()),
        }
    }

    fn probes_of(&self, pid: Pid) -> Vec<ProbeView> {
        control::list_probes(&self.sys, pid)
            .unwrap_or_default()
            .into_iter()
            .map(|p| ProbeView { id: p.id, pattern: p.pattern, action: action_text(&p.action), hits: p.hits })
            .collect()
    }

    /// Checks a probe as the control layer would install it, without
    /// installing it (the inline error): the pattern, its guard, the delay.
    pub fn check_probe(pattern: &str, action: ProbeAction) -> Result<(), SimError> {
        control::probe::compile(&ProbeSpec { pattern: pattern.to_string(), action })
            .map(|_| ())
            .map_err(|e: ControlError| SimError::Control(e))
    }
}

/// One line of the inspector's trace tab.
fn describe_event(e: &Event) -> String {
    let what = match &e.kind {
        EventKind::Spawn { pid, initial_call, .. } => format!("spawn {pid} {initial_call}"),
        EventKind::Exit { pid, reason } => format!("exit {pid} {reason}"),
        EventKind::Link { a, b } => format!("link {a} {b}"),
        EventKind::Unlink { a, b } => format!("unlink {a} {b}"),
        EventKind::Monitor { watcher, target, .. } => format!("monitor {watcher} → {target}"),
        EventKind::Demonitor { watcher, target, .. } => format!("demonitor {watcher} → {target}"),
        EventKind::ExitSignal { from, to, reason, .. } => format!("exit signal {from} → {to} {reason}"),
        EventKind::Send { from, to, msg, .. } => {
            format!("send {} → {to} {}", from.map(|p| p.to_string()).unwrap_or_else(|| "outside".into()), short(msg))
        }
        EventKind::Receive { pid, msg, .. } => format!("receive {pid} {}", short(msg)),
        EventKind::Register { pid, name } => format!("register {pid} as {}", name.name()),
        EventKind::Unregister { pid, name } => format!("unregister {pid} {}", name.name()),
        EventKind::Suspend { pid } => format!("suspend {pid}"),
        EventKind::Resume { pid } => format!("resume {pid}"),
        EventKind::TrapExit { pid, on } => format!("trap_exit {pid} {on}"),
        EventKind::Callback { pid, callback, reductions, .. } => {
            format!("{} {pid} ({reductions} reductions)", callback.name())
        }
        EventKind::Restart { child, old, new, reason, .. } => format!(
            "restart {child} {} → {} ({reason})",
            old.map(|p| p.to_string()).unwrap_or_default(),
            new.map(|p| p.to_string()).unwrap_or_else(|| "failed".into())
        ),
        EventKind::ChildStarted { child, pid, .. } => format!("child started {child} {pid}"),
        EventKind::ChildTerminated { child, pid, reason, .. } => format!("child terminated {child} {pid} ({reason})"),
        EventKind::MaxIntensity { sup, restarts, .. } => {
            format!("max intensity reached by {sup} ({restarts} restarts)")
        }
        EventKind::ProbeHit { pid, msg, action, .. } => format!("probe on {pid}: {} ({action})", short(msg)),
        EventKind::Command { text } => format!("command {text}"),
        EventKind::Log { text, .. } => format!("log {text}"),
    };
    format!("{:>10.1} ms  #{:<6} {what}", e.at.as_ms_f64(), e.seq)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::web::model::test_pid_of as pid_of;

    #[test]
    fn probes_are_added_listed_counted_and_removed() {
        let mut sim = Sim::new("demo", 7).unwrap();
        let p = pid_of(&sim, "team_red");
        assert!(Sim::check_probe("{:inc, n} when n > 10", ProbeAction::Log).is_ok());
        assert!(Sim::check_probe("{:inc, n} when", ProbeAction::Log).is_err());
        assert!(Sim::check_probe(":x", ProbeAction::Delay { ms: 4_000_000 }).is_err());
        assert!(sim.add_probe(p, "{:inc,", ProbeAction::Log).is_err());
        let id = sim.add_probe(p, "{:inc, n} when n > 10", ProbeAction::Count).unwrap();
        sim.send_text(p, "{:inc, 11}").unwrap();
        sim.send_text(p, "{:inc, 1}").unwrap();
        sim.advance(50);
        let d = sim.details(p).unwrap();
        assert_eq!(
            d.probes,
            vec![ProbeView { id, pattern: "{:inc, n} when n > 10".into(), action: "count".into(), hits: 1 }]
        );
        sim.remove_probe(p, id).unwrap();
        assert!(sim.details(p).unwrap().probes.is_empty());
        assert_eq!(probe_action("delay", 5), Ok(ProbeAction::Delay { ms: 5 }));
        assert!(probe_action("explode", 0).is_err());
    }

    #[test]
    fn a_stateful_worker_shows_its_versions_and_rolls_back() {
        let mut sim = Sim::new("demo", 7).unwrap();
        let p = pid_of(&sim, "team_red");
        sim.send_text(p, "{:set, 100}").unwrap();
        sim.send_text(p, "{:set, 200}").unwrap();
        sim.advance(50);
        let v = sim.details(p).unwrap().versions;
        assert!(v.len() >= 2, "{v:?}");
        let last = v.last().unwrap();
        assert!(last.current && last.value == "200", "{v:?}");
        let old = v.iter().find(|x| x.value == "100").unwrap().version;
        sim.rollback(p, old).unwrap();
        sim.advance(50);
        let d = sim.details(p).unwrap();
        assert_eq!(d.versions.last().map(|x| x.value.as_str()), Some("100"));
        assert!(d.state.unwrap().contains("value: 100"));
    }
}
