//! The catalogue of bad input (issue 11 §5): each input surface with
//! examples of bad input and the error each gets. The table below is the
//! data; ERRORS.md's catalogue section is written from it
//! (`UPDATE_ERRORS=1 cargo test --test errors_catalogue` rewrites it) and
//! checked against it, so the document cannot drift. Each row is checked
//! for its error, and where a live system takes the input, that the refusal
//! changed nothing (its event hash and input log).

use otpsim::system::{System, SystemOptions};
use std::process::Command;

/// An input surface and one bad input of it, with a fragment of the error
/// it must get.
struct Row {
    surface: &'static str,
    input: &'static str,
    error: &'static str,
}

const fn row(surface: &'static str, input: &'static str, error: &'static str) -> Row {
    Row { surface, input, error }
}

const ROWS: &[Row] = &[
    // The CLI: arguments (its errors go to stderr, exit status non-zero).
    row("CLI", "otpsim run no_such_scenario", "is neither a file nor a built-in scenario"),
    row("CLI", "otpsim bench colour", "invalid value 'colour' for '<WORKLOAD>'"),
    row("CLI", "otpsim run demo --seed minus-one", "invalid value 'minus-one'"),
    row("CLI", "otpsim eval '1 +'", "SyntaxError"),
    // Scenario files.
    row("scenario", r#"{"tree": {"id": "root", "type": "supervisor""#, "EOF while parsing"),
    row("scenario", r#"{"tree": {"id": "root", "type": "gizmo"}}"#, "unknown variant `gizmo`"),
    row(
        "scenario",
        r#"{"tree": {"id": "r", "type": "supervisor", "children": [{"id": "w", "type": "worker", "restart": "sometimes"}]}}"#,
        "unknown restart type \"sometimes\"",
    ),
    row(
        "scenario",
        r#"{"tree": {"id": "r", "type": "supervisor", "strategy": "all_for_none"}}"#,
        "unknown strategy \"all_for_none\"",
    ),
    row(
        "scenario",
        r#"{"tree": {"id": "r", "type": "supervisor", "children": [{"id": "a", "type": "worker"}, {"id": "a", "type": "worker"}]}}"#,
        "two children have the id \"a\"",
    ),
    // Recording files (`otpsim replay`).
    row("recording", r#"{"format": "otpsim-recording/9", "seed": 1, "inputs": []}"#, "is not a recording"),
    row("recording", "[1, 2, 3]", "is not a recording"),
    // The REST API: method, path, body.
    row("API", "GET /api/v1/nowhere", "404 no_route"),
    row("API", "PUT /api/v1/processes", "405 method_not_allowed"),
    row("API", "GET /api/v1/processes?sort=colour", "400 bad_request"),
    row("API", "DELETE /api/v1/processes/nobody", "404 no_proc"),
    row("API", r#"POST /api/v1/processes/cache/message {"message": "{:inc, "}"#, "400 bad_term"),
    row("API", r#"POST /api/v1/system/tick {"ms": 99999999}"#, "400 bad_request"),
    row("API", "POST /api/v1/system/tick {", "400 bad_request"),
    // Elixir terms typed in (messages, reasons, arguments).
    row("term", "{:ok, ", "unexpected end of input"),
    row("term", "%{a: }", "expected a term"),
    row("term", "99999999999999999999999", "integer out of range"),
    // Probe patterns.
    row("pattern", "{:inc, n} when", "expected a guard expression"),
    row("pattern", "{:inc, n} when frobnicate(n)", "frobnicate"),
    // Elixir module sources (scenarios' `modules`, `POST /api/v1/modules`).
    row("module", "defmodule Bad do\n  def f(x do\nend", "nofile:2"),
    row("module", "IO.puts(1)", "only defmodule is allowed"),
];

fn demo() -> System {
    let scen = otpsim::scenario::Scenario::from_json(otpsim::sandbox::builtin("demo").unwrap()).unwrap();
    let mut sys = System::new(scen, SystemOptions { seed: Some(1), hash_events: true, ..Default::default() }).unwrap();
    sys.tick(300);
    sys
}

/// What a row's input gets: its error text (status and code for the API).
fn error_of(r: &Row) -> String {
    match r.surface {
        "CLI" => {
            let args = shell_words(r.input);
            let out = Command::new(env!("CARGO_BIN_EXE_otpsim")).args(&args[1..]).output().unwrap();
            assert!(!out.status.success(), "{}: exit 0", r.input);
            format!("{}{}", String::from_utf8_lossy(&out.stderr), String::from_utf8_lossy(&out.stdout))
        }
        "scenario" => otpsim::scenario::Scenario::from_json(r.input).err().map(|e| e.to_string()).unwrap_or_default(),
        "recording" => {
            let file = std::env::temp_dir().join(format!("otpsim-catalogue-{}.json", std::process::id()));
            std::fs::write(&file, r.input).unwrap();
            let out = Command::new(env!("CARGO_BIN_EXE_otpsim")).arg("replay").arg(&file).output().unwrap();
            let _ = std::fs::remove_file(&file);
            assert!(!out.status.success(), "{}: exit 0", r.input);
            // The temporary file's name changes from run to run.
            String::from_utf8_lossy(&out.stderr).replace(&*file.to_string_lossy(), "FILE")
        }
        "API" => {
            let mut parts = r.input.splitn(3, ' ');
            let (m, p, b) = (parts.next().unwrap(), parts.next().unwrap(), parts.next().unwrap_or(""));
            let mut sys = demo();
            let before = (sys.event_hash(), sys.input_log().len());
            let (status, v) = otpsim::api::handle(&mut sys, m, p, b);
            assert_eq!(
                (sys.event_hash(), sys.input_log().len()),
                before,
                "{}: the refusal changed the system",
                r.input
            );
            format!("{status} {}: {}", v["error"]["code"].as_str().unwrap_or(""), v["error"]["message"])
        }
        "term" => otpsim::term::parse(r.input).err().map(|e| e.to_string()).unwrap_or_default(),
        "pattern" => otpsim::pattern::parse_clause(r.input).err().map(|e| e.to_string()).unwrap_or_default(),
        "module" => otpsim::lang::Code::new().load(r.input).err().map(|e| e.to_string()).unwrap_or_default(),
        s => panic!("unknown surface {s}"),
    }
}

/// Splits a command line on spaces, keeping '…' quoted words whole.
fn shell_words(s: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut rest = s;
    while !rest.is_empty() {
        rest = rest.trim_start();
        if let Some(r) = rest.strip_prefix('\'') {
            let end = r.find('\'').unwrap_or(r.len());
            out.push(r[..end].to_string());
            rest = r.get(end + 1..).unwrap_or("");
        } else {
            let end = rest.find(' ').unwrap_or(rest.len());
            out.push(rest[..end].to_string());
            rest = &rest[end..];
        }
    }
    out
}

#[test]
fn every_bad_input_gets_its_error() {
    for r in ROWS {
        let got = error_of(r);
        assert!(
            got.contains(r.error),
            "{} input {:?}: got {got:?}, want it to contain {:?}",
            r.surface,
            r.input,
            r.error
        );
    }
}

fn md_cell(s: &str) -> String {
    format!("`{}`", s.replace('\n', "\\n").replace('|', "\\|"))
}

/// The catalogue section of ERRORS.md, from [`ROWS`] and what each input
/// gets now.
fn catalogue() -> String {
    let mut out = String::from(
        "<!-- catalogue: written by tests/errors_catalogue.rs (UPDATE_ERRORS=1 rewrites it) -->\n\
         | Surface | Bad input | Error (as given now) |\n|---|---|---|\n",
    );
    for r in ROWS {
        let got = error_of(r);
        let line = got.lines().find(|l| l.contains(r.error)).unwrap_or(r.error).trim();
        let line: String = line.chars().take(160).collect();
        out.push_str(&format!("| {} | {} | {} |\n", r.surface, md_cell(r.input), md_cell(&line)));
    }
    out.push_str("<!-- catalogue end -->\n");
    out
}

#[test]
fn errors_md_lists_the_catalogue() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/ERRORS.md");
    let doc = std::fs::read_to_string(path).unwrap();
    let start = doc.find("<!-- catalogue:").expect("ERRORS.md has the catalogue markers");
    let end = doc.find("<!-- catalogue end -->\n").expect("end marker") + "<!-- catalogue end -->\n".len();
    let want = catalogue();
    if std::env::var_os("UPDATE_ERRORS").is_some() {
        std::fs::write(path, format!("{}{}{}", &doc[..start], want, &doc[end..])).unwrap();
        return;
    }
    assert_eq!(
        &doc[start..end],
        want,
        "ERRORS.md's catalogue is stale: UPDATE_ERRORS=1 cargo test --test errors_catalogue"
    );
}
