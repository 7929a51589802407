//! Scenario files: a supervision tree plus timed steps, as JSON.
//!
//! The conformance format (`../shared/conformance/FORMAT.md`) is the core of
//! it; [`conform`] runs a scenario the way the Erlang reference runner does
//! and prints the same trace. Parsing never panics: every problem in a file
//! is a [`ScenarioError`] that names where it is.

pub mod conform;

use serde::{Deserialize, Serialize};
use std::fmt;

/// A scenario file.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Scenario {
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub description: Option<String>,
    pub tree: Node,
    #[serde(default)]
    pub steps: Vec<Step>,
    #[serde(default = "default_settle")]
    pub settle_ms: u64,
    #[serde(default)]
    pub seed: Option<u64>,
    /// Elixir module sources by name (LANGUAGE.md): `{"Counter": "defmodule
    /// Counter do … end"}`. A worker node names one with `module`.
    #[serde(default, skip_serializing_if = "std::collections::BTreeMap::is_empty")]
    pub modules: std::collections::BTreeMap<String, String>,
}

fn default_settle() -> u64 {
    500
}

/// A node of the tree: a supervisor or a worker.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Node {
    pub id: String,
    #[serde(rename = "type")]
    pub kind: NodeKind,
    #[serde(default)]
    pub strategy: Option<String>,
    #[serde(default)]
    pub intensity: Option<u32>,
    #[serde(default)]
    pub period_s: Option<u64>,
    #[serde(default)]
    pub restart: Option<String>,
    #[serde(default)]
    pub shutdown: Option<ShutdownSpec>,
    #[serde(default)]
    pub children: Vec<Node>,
    #[serde(default)]
    pub template: Option<Box<Node>>,
    #[serde(default)]
    pub trap_exit: bool,
    #[serde(default)]
    pub terminate_ms: Option<TerminateMs>,
    #[serde(default)]
    pub init_fail: Vec<u32>,
    #[serde(default)]
    pub init_ignore: Vec<u32>,
    /// A sandbox worker kind (`"stateful"`, `"resource"`, …) with its
    /// parameters; absent for the plain conformance worker.
    #[serde(default)]
    pub worker: Option<String>,
    #[serde(default)]
    pub params: Option<serde_json::Value>,
    /// A registered name for the process.
    #[serde(default)]
    pub name: Option<String>,
    /// An Elixir module of the scenario's `modules` (with `use GenServer`)
    /// that this worker runs, started with `args`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub module: Option<String>,
    /// The argument of the module's `init/1`, in Elixir literal syntax
    /// (`"0"`, `"%{limit: 3}"`); `nil` when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub args: Option<String>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum NodeKind {
    Supervisor,
    Worker,
}

/// `"infinity"`, `"brutal_kill"` or milliseconds.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(untagged)]
pub enum ShutdownSpec {
    Ms(f64),
    Word(String),
}

/// Milliseconds, or `"infinity"`.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(untagged)]
pub enum TerminateMs {
    Ms(f64),
    Word(String),
}

/// A reason in a scenario: an atom, or `{"shutdown": "atom"}`.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(untagged)]
pub enum ReasonSpec {
    Atom(String),
    Shutdown { shutdown: String },
}

/// One timed step. Exactly one action field must be present.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Step {
    pub at_ms: f64,
    #[serde(default)]
    pub kill: Option<String>,
    #[serde(default)]
    pub exit: Option<String>,
    #[serde(default)]
    pub crash: Option<String>,
    #[serde(default)]
    pub reason: Option<ReasonSpec>,
    #[serde(default)]
    pub stop: Option<String>,
    #[serde(default)]
    pub terminate_child: Option<String>,
    #[serde(default)]
    pub restart_child: Option<String>,
    #[serde(default)]
    pub delete_child: Option<String>,
    #[serde(default)]
    pub start_child: Option<String>,
    #[serde(default)]
    pub spec: Option<Node>,
    /// Send an Elixir term to the process at a path (sandbox scenarios).
    #[serde(default)]
    pub send: Option<String>,
    #[serde(default)]
    pub message: Option<String>,
    /// A narrative note (tutorials).
    #[serde(default)]
    pub note: Option<String>,
}

/// The action of a step, checked.
#[derive(Clone, Debug)]
pub enum Action {
    Kill(String),
    Exit(String, ReasonSpec),
    Crash(String, ReasonSpec),
    Stop(String),
    TerminateChild(String),
    RestartChild(String),
    DeleteChild(String),
    StartChild(String, Option<Box<Node>>),
    Send(String, String),
    Note(String),
}

/// Everything that can be wrong with a scenario file.
#[derive(Clone, Debug, PartialEq)]
pub enum ScenarioError {
    Json { line: usize, column: usize, message: String },
    Invalid { at: String, message: String },
}

impl fmt::Display for ScenarioError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ScenarioError::Json { line, column, message } => {
                write!(f, "scenario is not valid: {message} (at {line}:{column})")
            }
            ScenarioError::Invalid { at, message } => {
                write!(f, "scenario is not valid at {at}: {message}")
            }
        }
    }
}

impl std::error::Error for ScenarioError {}

/// The largest scenario file accepted, in bytes.
pub const MAX_SCENARIO_BYTES: usize = 4 << 20;
const MAX_NODES: usize = 20_000;
const MAX_DEPTH: usize = 32;

impl Scenario {
    /// Parses and validates a scenario.
    pub fn from_json(text: &str) -> Result<Scenario, ScenarioError> {
        if text.len() > MAX_SCENARIO_BYTES {
            return Err(ScenarioError::Invalid {
                at: "file".into(),
                message: format!("{} bytes is over the limit of {MAX_SCENARIO_BYTES}", text.len()),
            });
        }
        let s: Scenario = serde_json::from_str(text).map_err(|e| ScenarioError::Json {
            line: e.line(),
            column: e.column(),
            message: e.to_string(),
        })?;
        s.validate()?;
        Ok(s)
    }

    pub fn validate(&self) -> Result<(), ScenarioError> {
        self.validate_with(&*self.load_modules()?)
    }

    /// Checks the scenario with `code` as the modules its nodes may name
    /// (its own, or those a running system has loaded since it started).
    pub fn validate_with(&self, code: &crate::lang::Code) -> Result<(), ScenarioError> {
        let mut count = 0;
        validate_node(&self.tree, &self.tree.id, 0, &mut count)?;
        validate_modules(&self.tree, &self.tree.id, code)?;
        for (i, st) in self.steps.iter().enumerate() {
            st.action().map_err(|m| ScenarioError::Invalid { at: format!("steps[{i}]"), message: m })?;
            if !(st.at_ms.is_finite() && st.at_ms >= 0.0) {
                return Err(ScenarioError::Invalid {
                    at: format!("steps[{i}].at_ms"),
                    message: "must be a number ≥ 0".into(),
                });
            }
        }
        Ok(())
    }

    /// A code server with the scenario's modules loaded; a compile error
    /// names the module and the line and column in its source.
    pub fn load_modules(&self) -> Result<std::rc::Rc<crate::lang::Code>, ScenarioError> {
        let code = crate::lang::Code::new();
        for (name, src) in &self.modules {
            code.load(src).map_err(|e| invalid(&format!("modules.{name}"), e.to_string()))?;
        }
        Ok(code)
    }

    /// The time of the last step.
    pub fn last_at_ms(&self) -> u64 {
        self.steps.iter().map(|s| s.at_ms.round() as u64).max().unwrap_or(0)
    }
}

fn invalid(at: &str, message: impl Into<String>) -> ScenarioError {
    ScenarioError::Invalid { at: at.to_string(), message: message.into() }
}

fn validate_node(n: &Node, path: &str, depth: usize, count: &mut usize) -> Result<(), ScenarioError> {
    *count += 1;
    if *count > MAX_NODES {
        return Err(invalid(path, format!("more than {MAX_NODES} nodes")));
    }
    if depth > MAX_DEPTH {
        return Err(invalid(path, format!("tree deeper than {MAX_DEPTH} levels")));
    }
    if n.id.is_empty() || n.id.contains('/') {
        return Err(invalid(path, "an id must be non-empty and must not contain '/'"));
    }
    if let Some(r) = &n.restart {
        if crate::otp::RestartType::parse(r).is_none() {
            return Err(invalid(path, format!("unknown restart type {r:?} (permanent, transient, temporary)")));
        }
    }
    if let Some(sh) = &n.shutdown {
        if shutdown_of(sh).is_none() {
            return Err(invalid(path, "shutdown must be \"infinity\", \"brutal_kill\" or milliseconds ≥ 0"));
        }
    }
    match n.kind {
        NodeKind::Supervisor => {
            if let Some(s) = &n.strategy {
                if crate::otp::Strategy::parse(s).is_none() {
                    return Err(invalid(
                        path,
                        format!("unknown strategy {s:?} (one_for_one, one_for_all, rest_for_one, simple_one_for_one)"),
                    ));
                }
            }
            if n.strategy.as_deref() == Some("simple_one_for_one") {
                let Some(t) = &n.template else {
                    return Err(invalid(path, "a simple_one_for_one supervisor needs a template"));
                };
                validate_node(t, &format!("{path}/template"), depth + 1, count)?;
            }
            let mut seen = crate::util::VecMap::new();
            for c in &n.children {
                if seen.insert(c.id.as_str(), ()).is_some() {
                    return Err(invalid(path, format!("two children have the id {:?}", c.id)));
                }
                validate_node(c, &format!("{path}/{}", c.id), depth + 1, count)?;
            }
        }
        NodeKind::Worker => {
            if !n.children.is_empty() {
                return Err(invalid(path, "a worker has no children"));
            }
        }
    }
    Ok(())
}

/// Checks that every node naming a module names a loaded GenServer module
/// and gives it arguments that parse.
fn validate_modules(n: &Node, path: &str, code: &crate::lang::Code) -> Result<(), ScenarioError> {
    if let Some(m) = &n.module {
        if n.kind != NodeKind::Worker || n.worker.is_some() {
            return Err(invalid(path, "only a worker without a `worker` kind may run a module"));
        }
        if !code.is_gen_server(module_atom(m)) {
            return Err(invalid(path, format!("module {m} is not among the scenario's modules with `use GenServer`")));
        }
        n.init_arg().map_err(|e| invalid(&format!("{path}.args"), e))?;
    } else if n.args.is_some() {
        return Err(invalid(path, "args are for a node with a module"));
    }
    for c in n.children.iter().chain(n.template.as_deref()) {
        validate_modules(c, &format!("{path}/{}", c.id), code)?;
    }
    Ok(())
}

/// The atom a module name stands for: `Counter` is `:"Elixir.Counter"`.
pub fn module_atom(name: &str) -> crate::term::Atom {
    crate::term::Atom::new(&format!("Elixir.{}", name.strip_prefix("Elixir.").unwrap_or(name)))
}

impl Node {
    /// The argument a module node's `init/1` gets: its `args` parsed, or
    /// `nil`.
    pub fn init_arg(&self) -> Result<crate::term::Term, String> {
        match &self.args {
            Some(a) => crate::term::parse(a).map_err(|e| e.to_string()),
            None => Ok(crate::term::Term::nil()),
        }
    }

    /// The node's restart type (default `permanent`).
    pub fn restart_type(&self) -> crate::otp::RestartType {
        self.restart.as_deref().and_then(crate::otp::RestartType::parse).unwrap_or(crate::otp::RestartType::Permanent)
    }

    /// The node's shutdown, with FORMAT.md's defaults: `infinity` for a
    /// supervisor, 5000 ms for a worker.
    pub fn shutdown(&self) -> crate::otp::Shutdown {
        let default = match self.kind {
            NodeKind::Supervisor => crate::otp::Shutdown::Infinity,
            NodeKind::Worker => crate::otp::Shutdown::Timeout(5000),
        };
        self.shutdown.as_ref().and_then(shutdown_of).unwrap_or(default)
    }

    /// The supervisor flags of a supervisor node, with the format's defaults.
    pub fn flags(&self) -> crate::otp::Flags {
        let strategy =
            self.strategy.as_deref().and_then(crate::otp::Strategy::parse).unwrap_or(crate::otp::Strategy::OneForOne);
        crate::otp::Flags { strategy, intensity: self.intensity.unwrap_or(1), period_s: self.period_s.unwrap_or(5) }
    }

    /// The child spec of this node, given how it starts: everything else
    /// (id, restart, shutdown, type) comes from the node.
    pub fn child_spec(
        &self,
        start: crate::otp::supervisor::StartFn,
        args: Vec<crate::term::Term>,
        module: &str,
    ) -> crate::otp::ChildSpec {
        crate::otp::ChildSpec {
            id: crate::term::Term::atom(&self.id),
            start,
            args,
            restart: self.restart_type(),
            shutdown: self.shutdown(),
            child_type: match self.kind {
                NodeKind::Supervisor => crate::otp::ChildType::Supervisor,
                NodeKind::Worker => crate::otp::ChildType::Worker,
            },
            modules: vec![std::rc::Rc::from(module)],
        }
    }
}

/// The shutdown of a node, with the format's defaults.
pub fn shutdown_of(s: &ShutdownSpec) -> Option<crate::otp::Shutdown> {
    use crate::otp::Shutdown;
    match s {
        ShutdownSpec::Word(w) if w == "infinity" => Some(Shutdown::Infinity),
        ShutdownSpec::Word(w) if w == "brutal_kill" => Some(Shutdown::BrutalKill),
        ShutdownSpec::Ms(ms) if ms.is_finite() && *ms >= 0.0 => Some(Shutdown::Timeout(ms.round() as u64)),
        _ => None,
    }
}

impl Step {
    /// The one action of this step.
    pub fn action(&self) -> Result<Action, String> {
        let mut actions = Vec::new();
        let reason = || self.reason.clone().ok_or_else(|| "this action needs a \"reason\"".to_string());
        if let Some(p) = &self.kill {
            actions.push(Action::Kill(p.clone()));
        }
        if let Some(p) = &self.exit {
            actions.push(Action::Exit(p.clone(), reason()?));
        }
        if let Some(p) = &self.crash {
            actions.push(Action::Crash(p.clone(), reason()?));
        }
        if let Some(p) = &self.stop {
            actions.push(Action::Stop(p.clone()));
        }
        if let Some(p) = &self.terminate_child {
            actions.push(Action::TerminateChild(p.clone()));
        }
        if let Some(p) = &self.restart_child {
            actions.push(Action::RestartChild(p.clone()));
        }
        if let Some(p) = &self.delete_child {
            actions.push(Action::DeleteChild(p.clone()));
        }
        if let Some(p) = &self.start_child {
            actions.push(Action::StartChild(p.clone(), self.spec.clone().map(Box::new)));
        }
        if let Some(p) = &self.send {
            let m = self.message.clone().ok_or_else(|| "send needs a \"message\"".to_string())?;
            actions.push(Action::Send(p.clone(), m));
        }
        if actions.is_empty() {
            if let Some(n) = &self.note {
                return Ok(Action::Note(n.clone()));
            }
        }
        match actions.len() {
            1 => Ok(actions.remove(0)),
            0 => Err("a step needs one action (kill, exit, crash, stop, terminate_child, restart_child, delete_child, start_child, send)".into()),
            _ => Err("a step has more than one action".into()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check_err(text: &str, want: &str) {
        let e = Scenario::from_json(text).unwrap_err().to_string();
        assert!(e.contains(want), "{e:?} does not contain {want:?}");
    }

    #[test]
    fn broken_scenarios_get_specific_errors() {
        check_err("{", "at 1:1");
        check_err(r#"{"tree": {"id": "r", "type": "supervisor", "strategy": "one_for_two"}}"#, "unknown strategy");
        check_err(r#"{"tree": {"id": "r", "type": "gadget"}}"#, "unknown variant");
        check_err(
            r#"{"tree": {"id": "r", "type": "supervisor", "children": [{"id":"a","type":"worker"},{"id":"a","type":"worker"}]}}"#,
            "two children have the id",
        );
        check_err(r#"{"tree": {"id": "r", "type": "supervisor"}, "steps": [{"at_ms": 1}]}"#, "needs one action");
        check_err(
            r#"{"tree": {"id": "r", "type": "supervisor"}, "steps": [{"at_ms": 1, "crash": "r/a"}]}"#,
            "needs a \"reason\"",
        );
        check_err(
            r#"{"tree": {"id": "r", "type": "supervisor", "strategy": "simple_one_for_one"}}"#,
            "needs a template",
        );
        check_err(r#"{"tree": {"id": "a/b", "type": "worker"}}"#, "must not contain");
    }

    #[test]
    fn the_public_format_parses() {
        let s = Scenario::from_json(
            r#"{"name":"x","tree":{"id":"root","type":"supervisor","children":[{"id":"a","type":"worker","shutdown":"brutal_kill"}]},
                "steps":[{"at_ms":100,"crash":"root/a","reason":{"shutdown":"x"}}],"settle_ms":10}"#,
        )
        .unwrap();
        assert_eq!(s.settle_ms, 10);
        assert!(matches!(s.steps[0].action(), Ok(Action::Crash(_, ReasonSpec::Shutdown { .. }))));
    }
}
