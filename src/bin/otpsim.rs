//! The native CLI: `conform`, `run`, `bench`, `api` and `report` over the
//! library. Errors here are `anyhow` errors: this is the edge.

use anyhow::Context as _;
use clap::{Parser, Subcommand};
use otpsim::bench;
use otpsim::scenario::{conform, Scenario};

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
    /// Run a benchmark workload (../shared/bench/WORKLOADS.md) and print one
    /// JSON line, as the BEAM side does.
    Bench(BenchArgs),
}

#[derive(clap::Args)]
struct BenchArgs {
    /// ring, spawn, call, restart or idle.
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
            print!("{out}");
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
    }
    Ok(())
}
