//! The native CLI: `conform`, `run`, `bench`, `api`, `report` and `eval` over the
//! library. Errors here are `anyhow` errors: this is the edge.

use anyhow::Context as _;
use clap::{Parser, Subcommand};
use otpsim::bench;
use otpsim::runtime::VTime;
use otpsim::scenario::{conform, Scenario};
use otpsim::system::{event_json, System, SystemOptions};

#[derive(Parser)]
#[command(name = "otpsim", version, about = "Erlang/OTP's process model as a deterministic simulator")]
struct Cli {
    #[command(subcommand)]
    cmd: Cmd,
}

#[derive(Subcommand)]
enum Cmd {
    /// Run a conformance scenario and print its trace (FORMAT.md).
    Conform { scenario: std::path::PathBuf },
    /// Run a scenario and print its event stream.
    Run {
        /// A scenario file, or a built-in scenario's name (`demo`, …).
        scenario: String,
        /// JSON Lines instead of readable lines.
        #[arg(long)]
        json: bool,
        /// Virtual ms to run (default: the last step plus the settle time).
        #[arg(long)]
        run_ms: Option<u64>,
        #[arg(long)]
        seed: Option<u64>,
        /// Print only the hash of the event stream (16 hex digits): the
        /// value the JS API's `sim.eventHash()` gives for the same scenario,
        /// seed and inputs.
        #[arg(long)]
        hash: bool,
    },
    /// Run a scenario, then answer one API request; prints the JSON body and
    /// exits 0 for a 2xx answer, 1 otherwise.
    Api {
        method: String,
        path: String,
        body: Option<String>,
        /// A scenario file, or a built-in scenario's name.
        #[arg(long, default_value = "demo")]
        scenario: String,
        /// Virtual ms to run before the request.
        #[arg(long, default_value_t = 1000)]
        run_ms: u64,
        #[arg(long)]
        seed: Option<u64>,
        /// Save the run (scenario, seed, inputs, the request's included) as
        /// a recording for `otpsim replay`.
        #[arg(long)]
        record: Option<std::path::PathBuf>,
    },
    /// Replay a recording exactly and print its event stream.
    Replay {
        recording: std::path::PathBuf,
        /// JSON Lines instead of readable lines.
        #[arg(long)]
        json: bool,
    },
    /// Soak scenarios under chaos and random kills, messages and
    /// suspensions, checking the invariants after every input; one line
    /// per scenario; exit 1 if an invariant broke or a replay differed.
    Soak {
        /// A scenario file or built-in name; every built-in when absent.
        #[arg(long)]
        scenario: Option<String>,
        #[arg(long, default_value_t = 1)]
        seed: u64,
        /// Virtual ms for each scenario.
        #[arg(long, default_value_t = 1_000_000)]
        virtual_ms: u64,
        /// Chaos kills per virtual second.
        #[arg(long, default_value_t = 5.0)]
        chaos: f64,
    },
    /// Run a scenario, then print the system report.
    Report {
        #[arg(long, default_value = "demo")]
        scenario: String,
        #[arg(long, default_value_t = 5000)]
        run_ms: u64,
        /// `md` or `json`.
        #[arg(long, default_value = "md")]
        format: String,
        #[arg(long)]
        seed: Option<u64>,
    },
    /// Run a benchmark workload (../shared/bench/WORKLOADS.md) and print one
    /// JSON line, as the BEAM side does.
    Bench(BenchArgs),
    /// Evaluate Elixir (the subset of LANGUAGE.md; several expressions
    /// separated by `;` or newlines) and print the last value as `inspect/1`
    /// does; an exception prints as Elixir 1.14 shows it, with exit status 1.
    Eval { expr: String },
}

#[derive(clap::Args)]
struct BenchArgs {
    /// The workload.
    #[arg(value_parser = ["ring", "spawn", "call", "restart", "idle"])]
    workload: String,
    /// Processes (ring: 1000; spawn, idle: 100000).
    #[arg(long, value_parser = clap::value_parser!(u64).range(1..))]
    procs: Option<u64>,
    /// Rounds of the token round the ring (1000).
    #[arg(long, value_parser = clap::value_parser!(u64).range(1..))]
    rounds: Option<u64>,
    /// Calls the client makes (200000).
    #[arg(long, value_parser = clap::value_parser!(u64).range(1..))]
    calls: Option<u64>,
    /// Child restarts (2000).
    #[arg(long, value_parser = clap::value_parser!(u64).range(1..))]
    restarts: Option<u64>,
    /// Run with full tracing on (a recorder keeping every event kind).
    #[arg(long)]
    trace: bool,
}

fn read_scenario(path: &std::path::Path) -> anyhow::Result<Scenario> {
    let text = std::fs::read_to_string(path).with_context(|| format!("cannot read {}", path.display()))?;
    Scenario::from_json(&text).with_context(|| format!("in {}", path.display()))
}

/// A built-in scenario by name, or a scenario file.
fn load_scenario(name_or_file: &str) -> anyhow::Result<Scenario> {
    if let Some(text) = otpsim::sandbox::builtin(name_or_file) {
        return Scenario::from_json(text).with_context(|| format!("in the built-in scenario {name_or_file}"));
    }
    let p = std::path::Path::new(name_or_file);
    if !p.exists() {
        anyhow::bail!(
            "{name_or_file:?} is neither a file nor a built-in scenario ({})",
            otpsim::sandbox::builtin_names().join(", ")
        );
    }
    read_scenario(p)
}

fn start(scenario: &str, seed: Option<u64>) -> anyhow::Result<System> {
    let s = load_scenario(scenario)?;
    System::new(s, SystemOptions { seed, ..Default::default() }).map_err(|e| anyhow::anyhow!("{e}"))
}

/// One event as a readable line: time, sequence, type, then its fields.
fn readable(v: &serde_json::Value) -> String {
    let at = v["at_ms"].as_f64().unwrap_or(0.0);
    let seq = v["seq"].as_u64().unwrap_or(0);
    let ty = v["type"].as_str().unwrap_or("?");
    let mut fields = Vec::new();
    if let Some(m) = v.as_object() {
        for (k, x) in m {
            if matches!(k.as_str(), "at_ms" | "seq" | "type") {
                continue;
            }
            let s = match x {
                serde_json::Value::String(s) => s.clone(),
                serde_json::Value::Null => continue,
                other => other.to_string(),
            };
            fields.push(format!("{k}={s}"));
        }
    }
    format!("{at:>12.3} ms  #{seq:<6} {ty:<16} {}", fields.join(" "))
}

/// Prints to stdout; a closed pipe (`| head`) ends the program quietly.
/// The events the system queued since the last call, one per line: JSON
/// Lines with `json`, else the readable form.
fn drain_events(sys: &mut System, json: bool) -> String {
    let (evs, dropped) = sys.take_events();
    let mut out = String::new();
    if dropped > 0 {
        out.push_str(&format!("# {dropped} events dropped (queue full)\n"));
    }
    for e in evs {
        let v = event_json(&e);
        if json {
            out.push_str(&format!("{v}\n"));
        } else {
            out.push_str(&readable(&v));
            out.push('\n');
        }
    }
    out
}

fn emit(text: &str) {
    use std::io::Write;
    let mut out = std::io::stdout().lock();
    if out.write_all(text.as_bytes()).and_then(|_| out.flush()).is_err() {
        std::process::exit(0);
    }
}

fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    match cli.cmd {
        Cmd::Conform { scenario } => {
            let s = read_scenario(&scenario)?;
            let mut out = String::new();
            for ev in conform::run(&s) {
                out.push_str(&ev.to_json_line());
                out.push('\n');
            }
            emit(&out);
        }
        Cmd::Run { scenario, json, run_ms, seed, hash } => {
            let s = load_scenario(&scenario)?;
            let total = run_ms.unwrap_or(s.last_at_ms() + s.settle_ms);
            if hash {
                // The embed's options and one tick, as `sim.run(ms)` does.
                let seed = seed.or(s.seed).unwrap_or(0);
                let mut sys =
                    System::new(s, otpsim::web::model::embed_options(seed)).map_err(|e| anyhow::anyhow!("{e}"))?;
                sys.tick(total);
                emit(&format!("{}\n", otpsim::web::model::hash_hex(sys.event_hash())));
                return Ok(());
            }
            // The event log starts before the tree does, so its starts show.
            let mut sys = System::new(s, SystemOptions { seed, event_log: true, ..Default::default() })
                .map_err(|e| anyhow::anyhow!("{e}"))?;
            let end = sys.now() + VTime::from_ms(total);
            let mut out = String::new();
            loop {
                out.push_str(&drain_events(&mut sys, json));
                let left = (end - sys.now()).as_ms();
                if left == 0 {
                    break;
                }
                emit(&out);
                out.clear();
                sys.tick(left.min(100));
            }
            emit(&out);
        }
        Cmd::Api { method, path, body, scenario, run_ms, seed, record } => {
            let mut sys = start(&scenario, seed)?;
            sys.tick(run_ms);
            let (status, v) = otpsim::api::handle(&mut sys, &method, &path, body.as_deref().unwrap_or(""));
            if let Some(file) = record {
                let text = serde_json::to_string_pretty(&sys.recording())?;
                std::fs::write(&file, text).with_context(|| format!("cannot write {}", file.display()))?;
            }
            emit(&format!("{}\n", serde_json::to_string_pretty(&v)?));
            if !(200..300).contains(&status) {
                std::process::exit(1);
            }
        }
        Cmd::Replay { recording, json } => {
            let text =
                std::fs::read_to_string(&recording).with_context(|| format!("cannot read {}", recording.display()))?;
            let rec: otpsim::system::Recording =
                serde_json::from_str(&text).with_context(|| format!("{} is not a recording", recording.display()))?;
            let opts = SystemOptions { event_log: true, ..Default::default() };
            let mut sys = System::for_recording(&rec, opts).map_err(|e| anyhow::anyhow!("{e}"))?;
            let print = |sys: &mut System| emit(&drain_events(sys, json));
            print(&mut sys);
            for (i, r) in rec.inputs.iter().enumerate() {
                sys.replay_next(i, r).map_err(|e| anyhow::anyhow!("{e}"))?;
                print(&mut sys);
            }
        }
        Cmd::Soak { scenario, seed, virtual_ms, chaos } => {
            let names: Vec<String> = match scenario {
                Some(s) => vec![s],
                None => otpsim::sandbox::builtin_names().iter().map(|s| s.to_string()).collect(),
            };
            let mut failed = false;
            for name in names {
                let scen = load_scenario(&name)?;
                let t0 = std::time::Instant::now();
                let r =
                    otpsim::control::soak::soak(scen, seed, virtual_ms, chaos).map_err(|e| anyhow::anyhow!("{e}"))?;
                failed |= r.violation.is_some() || !r.replay_matches;
                emit(&format!(
                    "soak {name}: {} virtual ms, {} inputs, {} checks, {} systems, processes {} -> {}, memory {} -> {} words, \
                     input log {} entries, replay {}, {} ({:.1} s)\n",
                    r.virtual_ms,
                    r.inputs,
                    r.checks,
                    r.epochs,
                    r.procs.0,
                    r.procs.1,
                    r.memory_words.0,
                    r.memory_words.1,
                    r.input_log,
                    if r.replay_matches { "matches" } else { "DIFFERS" },
                    r.violation.as_deref().unwrap_or("invariants held"),
                    t0.elapsed().as_secs_f64()
                ));
            }
            if failed {
                std::process::exit(1);
            }
        }
        Cmd::Report { scenario, run_ms, format, seed } => {
            let mut sys = start(&scenario, seed)?;
            sys.tick(run_ms);
            let r = otpsim::control::generate_system_report(&sys);
            match format.as_str() {
                "md" | "markdown" => emit(&r.to_markdown()),
                "json" => emit(&format!("{}\n", serde_json::to_string_pretty(&r)?)),
                f => anyhow::bail!("unknown format {f:?} (md or json)"),
            }
        }
        Cmd::Bench(a) => {
            let w = bench::Workload::parse(&a.workload).with_context(|| {
                format!("unknown workload {:?} (expected ring, spawn, call, restart or idle)", a.workload)
            })?;
            let opts = bench::Options {
                procs: a.procs,
                rounds: a.rounds,
                calls: a.calls,
                restarts: a.restarts,
                trace: a.trace,
            };
            let out = bench::run(w, &opts, bench::native_clock)?;
            println!("{}", out.to_json_line());
        }
        Cmd::Eval { expr } => match otpsim::lang::eval_source(&expr) {
            Ok((r, printed)) => {
                let mut out = String::new();
                for line in printed {
                    out.push_str(&line);
                    out.push('\n');
                }
                match r {
                    Ok(v) => {
                        out.push_str(&otpsim::lang::inspect(&v));
                        out.push('\n');
                        emit(&out);
                    }
                    Err(raise) => {
                        emit(&out);
                        eprintln!("{}", otpsim::lang::describe(&raise));
                        std::process::exit(1);
                    }
                }
            }
            Err(e) => {
                eprintln!("** (SyntaxError) {e}");
                std::process::exit(1);
            }
        },
    }
    Ok(())
}
