//! The recording the Controls offer for download: scenario, seed and every
//! input applied, as JSON with terms in Elixir syntax, to replay the run.

use super::Sim;
use crate::system::{Input, SupOp};

impl Sim {
    /// The recording: scenario, seed and every input applied (consecutive
    /// ticks merged), as JSON with terms in Elixir syntax.
    pub fn recording_json(&self) -> String {
        let mut inputs: Vec<serde_json::Value> = Vec::new();
        let mut pending_tick = 0u64;
        for (t, i) in self.sys.input_log() {
            match i {
                Input::Tick { ms } => pending_tick += ms,
                other => {
                    if pending_tick > 0 {
                        inputs.push(serde_json::json!({"input": "tick", "ms": pending_tick}));
                        pending_tick = 0;
                    }
                    let mut v = input_json(other);
                    if let serde_json::Value::Object(m) = &mut v {
                        m.insert("at_ms".into(), serde_json::json!(t.as_ms_f64()));
                    }
                    inputs.push(v);
                }
            }
        }
        if pending_tick > 0 {
            inputs.push(serde_json::json!({"input": "tick", "ms": pending_tick}));
        }
        serde_json::json!({"scenario": self.scenario, "seed": self.seed(), "now_ms": self.now_ms(), "inputs": inputs})
            .to_string()
    }
}

/// An input of the recording as JSON, terms in Elixir syntax. (Written by
/// hand rather than with the inputs' serde form, whose serializers would add
/// to the wasm for one download.)
fn input_json(i: &Input) -> serde_json::Value {
    use crate::runtime::Command;
    use serde_json::json;
    match i {
        Input::Tick { ms } => json!({"input": "tick", "ms": ms}),
        Input::Chaos { rate_per_s } => json!({"input": "chaos", "rate_per_s": rate_per_s}),
        Input::Command { command } => match command {
            Command::Send { to, msg } => json!({"input": "send", "to": to.short(), "msg": msg.to_string()}),
            Command::SendTraced { to, msg, token } => {
                json!({"input": "send_traced", "to": to.short(), "msg": msg.to_string(), "token": token})
            }
            Command::Exit { pid, reason } => json!({"input": "exit", "pid": pid.short(), "reason": reason.to_string()}),
            Command::Suspend { pid } => json!({"input": "suspend", "pid": pid.short()}),
            Command::Resume { pid } => json!({"input": "resume", "pid": pid.short()}),
            Command::Trace { pid, kinds } => json!({"input": "trace", "pid": pid.short(), "kinds": kinds}),
        },
        Input::Supervisor { sup, op } => {
            let (name, arg) = match op {
                SupOp::Pause => ("pause", String::new()),
                SupOp::Resume => ("resume", String::new()),
                SupOp::SetStrategy { strategy, window_s } => {
                    ("set_strategy", format!("{} {window_s}", strategy.name()))
                }
                SupOp::TerminateChild { id } => ("terminate_child", id.clone()),
                SupOp::RestartChild { id } => ("restart_child", id.clone()),
                SupOp::StartChild { spec } => ("start_child", spec.id.clone()),
                SupOp::StartDynamicChild { .. } => ("start_dynamic_child", String::new()),
            };
            json!({"input": "supervisor", "sup": sup.short(), "op": name, "arg": arg})
        }
        Input::InstallProbe { pid, .. } => json!({"input": "install_probe", "pid": pid.short()}),
        Input::RemoveProbe { pid, id } => json!({"input": "remove_probe", "pid": pid.short(), "id": id}),
        Input::Call { to, timeout_ms, .. } => json!({"input": "call", "to": to.short(), "timeout_ms": timeout_ms}),
        Input::LoadModule { source } => json!({"input": "load_module", "source": source}),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chaos_is_deterministic() {
        let run = || {
            let mut sim = Sim::new("demo", 11).unwrap();
            sim.set_chaos(3.0).unwrap();
            sim.advance(3000);
            (sim.restarts_total(), sim.recording_json())
        };
        let (a, ra) = run();
        let (b, rb) = run();
        assert!(a > 0);
        assert_eq!(a, b);
        assert_eq!(ra, rb);
    }
}
