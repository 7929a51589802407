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

const V2: &str = "defmodule Counter do\n  use GenServer\n  def init(n), do: {:ok, %{n: n}}\n  def code_change(1, n, _extra), do: {:ok, %{n: n}}\n  def handle_call(:inc, _from, s), do: {:reply, {:v2, s.n + 100}, %{s | n: s.n + 100}}\nend";

#[test]
fn hot_loading_is_a_logged_input_that_replays() {
    let mut sys = common::system(SCENARIO);
    sys.tick(10);
    assert_eq!(call(&mut sys, "counter", ":inc"), Ok("42".into()));
    // A source that does not compile is refused, with where, and not logged.
    let logged = sys.input_log().len();
    let bad = sys.load_modules("defmodule Counter do\n  def f(\nend").expect_err("refused");
    assert!(bad.to_string().contains("nofile:"), "{bad}");
    assert_eq!(sys.input_log().len(), logged);
    assert_eq!(sys.load_modules(V2).map(|t| t.to_string()), Ok("[Counter]".into()));
    assert_eq!(sys.module_version("Counter"), Some(2));
    // The running server upgrades at its next call, keeping its state.
    assert_eq!(call(&mut sys, "counter", ":inc"), Ok("{:v2, 142}".into()));
    let rec = sys.recording();
    let replayed = System::from_recording(&rec, SystemOptions::default()).expect("replays");
    assert_eq!(replayed.module_version("Counter"), Some(2));
    let pid = replayed.resolve("counter").expect("alive");
    let state = replayed.runtime().introspect(pid).and_then(|i| i.state().ok()).map(|t| t.to_string());
    assert_eq!(state.as_deref(), Some("%{n: 142}"));
}
