//! The native CLI: `conform`, `run`, `bench`, `api` and `report` over the
//! library. Errors here are `anyhow` errors: this is the edge.

use anyhow::Context as _;
use clap::{Parser, Subcommand};
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
    }
    Ok(())
}
