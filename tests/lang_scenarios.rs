//! Elixir modules in scenarios: a scenario's `modules` run as supervised
//! workers of a `System` (calls from outside, a crash and the supervisor's
//! restart, all through the control API), and broken modules are refused
//! with their position.

mod common;

use otpsim::control::{send_message, SendOpts};
use otpsim::system::{System, SystemOptions};

const SCENARIO: &str = r#"{
  "name": "elixir counter",
  "modules": {
    "Counter": "defmodule Counter do\n  use GenServer\n  def init(n), do: {:ok, n}\n  def handle_call(:inc, _from, n), do: {:reply, n + 1, n + 1}\n  def handle_call({:div, d}, _from, n), do: {:reply, div(n, d), n}\nend"
  },
  "tree": {"id": "root", "type": "supervisor", "strategy": "one_for_one", "intensity": 3,
    "children": [{"id": "counter", "type": "worker", "module": "Counter", "args": "41", "name": "counter"}]}
}"#;

fn call(sys: &mut System, to: &str, msg: &str) -> Result<String, String> {
    let pid = sys.resolve(to).map_err(|e| e.to_string())?;
    let opts = SendOpts { call_timeout_ms: Some(1000), ..SendOpts::default() };
    send_message(sys, pid, msg, &opts).map(|s| s.reply.unwrap_or_default()).map_err(|e| e.to_string())
}

#[test]
fn a_scenario_module_runs_supervised_and_is_restarted_after_a_crash() {
    let mut sys = common::system(SCENARIO);
    sys.tick(10);
    let first = sys.resolve("counter").expect("the module's worker runs, registered");
    assert_eq!(call(&mut sys, "counter", ":inc"), Ok("42".into()));
    assert_eq!(call(&mut sys, "counter", ":inc"), Ok("43".into()));
    // A division by zero crashes the server; its supervisor restarts it
    // with the scenario's args.
    assert!(call(&mut sys, "counter", "{:div, 0}").is_err());
    sys.tick(10);
    let second = sys.resolve("counter").expect("restarted");
    assert_ne!(first, second);
    assert_eq!(call(&mut sys, "counter", ":inc"), Ok("42".into()));
    let info = sys.runtime().info(second).expect("alive");
    assert_eq!(info.initial_call.as_deref(), Some("Elixir.Counter:init/1"));
}

#[test]
fn broken_modules_and_module_nodes_are_refused_with_where() {
    let cases: &[(&str, &str)] = &[
        (
            r#"{"modules": {"Bad": "defmodule Bad do\n  def f(x do\nend"}, "tree": {"id": "w", "type": "worker", "module": "Bad"}}"#,
            "modules.Bad",
        ),
        (
            r#"{"modules": {}, "tree": {"id": "w", "type": "worker", "module": "Missing"}}"#,
            "module Missing is not among",
        ),
        (
            r#"{"modules": {"P": "defmodule P do\n  def f, do: 1\nend"}, "tree": {"id": "w", "type": "worker", "module": "P"}}"#,
            "module P is not among",
        ),
        (
            r#"{"modules": {"C": "defmodule C do\n  use GenServer\nend"}, "tree": {"id": "w", "type": "worker", "module": "C", "args": "{1,"}}"#,
            "w.args",
        ),
    ];
    for (json, want) in cases {
        let err = otpsim::scenario::Scenario::from_json(json).err().map(|e| e.to_string()).unwrap_or_default();
        assert!(err.contains(want), "{json}: {err}");
    }
    let ok = otpsim::scenario::Scenario::from_json(SCENARIO).expect("valid");
    assert!(System::new(ok, SystemOptions::default()).is_ok());
}
