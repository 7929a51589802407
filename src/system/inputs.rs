//! The inputs from outside: what they are ([`Input`], [`SupOp`]), how they
//! are checked before they are logged, applied and logged, and how virtual
//! time advances under them (in chunks that end on sample boundaries).

use super::chaos::check_chaos_rate;
use super::probes::ProbeSpec;
use super::{ControlError, System};
use crate::otp::supervisor::Strategy;
use crate::runtime::{Command, Step, VTime};
use crate::scenario::Node;
use crate::term::{Pid, Term};
use serde::{Deserialize, Serialize};

/// An operation on a supervisor, made through the shell.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(tag = "op", rename_all = "snake_case")]
pub enum SupOp {
    Pause,
    Resume,
    SetStrategy {
        #[serde(with = "strategy_name")]
        strategy: Strategy,
        window_s: u64,
    },
    StartChild {
        spec: Box<Node>,
    },
    /// `start_child` of a `simple_one_for_one` supervisor, with extra arguments.
    StartDynamicChild {
        args: Vec<crate::term::TermJson>,
    },
    TerminateChild {
        id: String,
    },
    RestartChild {
        id: String,
    },
}

/// A strategy as its name (`"one_for_all"`), both ways.
mod strategy_name {
    use crate::otp::Strategy;
    use serde::{de::Error, Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(s: &Strategy, ser: S) -> Result<S::Ok, S::Error> {
        ser.serialize_str(s.name())
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Strategy, D::Error> {
        let s = String::deserialize(d)?;
        Strategy::parse(&s).ok_or_else(|| D::Error::custom(format!("unknown strategy {s:?}")))
    }
}

/// One input from outside, logged.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(tag = "input", rename_all = "snake_case")]
pub enum Input {
    /// Let `ms` of virtual time pass.
    Tick {
        ms: u64,
    },
    /// A runtime command (send, exit, suspend, resume, trace flags, traced send).
    Command {
        command: Command,
    },
    /// Kill random workers at this rate (0 turns chaos off).
    Chaos {
        rate_per_s: f64,
    },
    Supervisor {
        sup: Pid,
        op: SupOp,
    },
    InstallProbe {
        pid: Pid,
        spec: ProbeSpec,
    },
    RemoveProbe {
        pid: Pid,
        id: u64,
    },
    /// `GenServer.call(to, request, timeout_ms)` made by the shell.
    Call {
        to: Pid,
        request: crate::term::TermJson,
        timeout_ms: u64,
    },
    /// Loads (or reloads: hot code loading) the Elixir modules of `source`;
    /// running servers of a reloaded module upgrade at their next callback
    /// (LANGUAGE.md).
    LoadModule {
        source: String,
    },
}

impl System {
    /// Applies one input and logs it.
    pub fn apply(&mut self, input: Input) -> Result<Term, ControlError> {
        // An input refused for what it says is refused before it is logged.
        self.validate(&input)?;
        self.inputs.push((self.rt.now(), input.clone()));
        let r = self.apply_inner(input);
        // What the input caused is visible to the analysis at once.
        self.drain();
        r
    }

    pub(super) fn validate(&self, input: &Input) -> Result<(), ControlError> {
        let live = |pid: &Pid| {
            if self.rt.is_alive(*pid) {
                Ok(())
            } else {
                Err(ControlError::NoProc { pid: pid.short() })
            }
        };
        match input {
            Input::Tick { .. } => Ok(()),
            Input::Chaos { rate_per_s } => check_chaos_rate(*rate_per_s),
            Input::Command { command } => match command {
                Command::Send { to, .. } | Command::SendTraced { to, .. } => live(to),
                Command::Exit { pid, .. }
                | Command::Suspend { pid }
                | Command::Resume { pid }
                | Command::Trace { pid, .. } => live(pid),
            },
            Input::Supervisor { sup, .. } => live(sup),
            Input::InstallProbe { pid, spec } => {
                live(pid)?;
                super::probes::compile(spec).map(|_| ())
            }
            Input::RemoveProbe { pid, id } => {
                live(pid)?;
                // Removing a probe that is not there is refused before it
                // is logged, like every other input refused for what it says.
                if self.probes.get(pid).is_some_and(|set| set.contains(*id)) {
                    Ok(())
                } else {
                    Err(ControlError::NotFound { what: format!("probe {id} on {}", pid.short()) })
                }
            }
            Input::Call { to, .. } => live(to),
            // A source that does not compile is refused before it is
            // logged, with Elixir's line, column and message.
            Input::LoadModule { source } => crate::lang::Code::new()
                .load(source)
                .map(|_| ())
                .map_err(|e| ControlError::BadRequest { message: e.to_string() }),
        }
    }

    pub(super) fn apply_inner(&mut self, input: Input) -> Result<Term, ControlError> {
        match input {
            Input::Tick { ms } => {
                self.run_for(ms);
                Ok(Term::ok())
            }
            Input::Command { command } => {
                self.rt.apply(command).map_err(ControlError::from)?;
                self.invalidate();
                Ok(Term::ok())
            }
            Input::Chaos { rate_per_s } => {
                check_chaos_rate(rate_per_s)?;
                self.chaos_rate = rate_per_s;
                self.chaos_acc = 0.0;
                Ok(Term::ok())
            }
            Input::Supervisor { sup, op } => self.sup_op(sup, op),
            Input::InstallProbe { pid, spec } => self.install_probe(pid, spec),
            Input::Call { to, request, timeout_ms } => {
                if !self.rt.is_alive(to) {
                    return Err(ControlError::NoProc { pid: to.short() });
                }
                let req = request.0;
                let r = self.call(timeout_ms.saturating_add(1000), move |c| async move {
                    crate::otp::gen_server::try_call(&c, to, req, Some(timeout_ms)).await
                });
                match r {
                    Err(ControlError::CallFailed { reason }) if reason == ":timeout" => Err(ControlError::Timeout {
                        what: format!("{} did not reply within {timeout_ms} ms", to.short()),
                    }),
                    other => other,
                }
            }
            Input::RemoveProbe { pid, id } => self.remove_probe(pid, id),
            Input::LoadModule { source } => {
                let names = self.code.load(&source).map_err(|e| ControlError::BadRequest { message: e.to_string() })?;
                Ok(Term::list(names.into_iter().map(Term::Atom).collect::<Vec<_>>()))
            }
        }
    }

    /// Loads or reloads Elixir modules (a logged input): the names of the
    /// modules loaded.
    pub fn load_modules(&mut self, source: &str) -> Result<Term, ControlError> {
        self.apply(Input::LoadModule { source: source.to_string() })
    }

    /// The Elixir modules the system runs (the scenario's and those loaded
    /// since).
    pub fn loaded_code(&self) -> &crate::lang::Code {
        &self.code
    }

    /// Every loaded Elixir module: name, version, whether a GenServer.
    pub fn modules(&self) -> Vec<(String, u64, bool)> {
        self.code.loaded()
    }

    /// The loaded version of an Elixir module (`"Counter"`), if loaded.
    pub fn module_version(&self, name: &str) -> Option<u64> {
        self.code.version(crate::scenario::module_atom(name))
    }

    /// Lets `ms` of virtual time pass (a logged input).
    pub fn tick(&mut self, ms: u64) {
        let _ = self.apply(Input::Tick { ms });
    }

    /// Runs one scheduler step (not logged: use [`System::tick`] for
    /// replayable time).
    pub fn step(&mut self) -> Step {
        let s = self.rt.step();
        self.after_progress();
        s
    }

    /// Runs `ms` of virtual time in chunks that end on sample boundaries.
    pub(super) fn run_for(&mut self, ms: u64) {
        let end = self.rt.now() + VTime::from_ms(ms);
        while self.rt.now() < end {
            let chunk_end = self.next_sample.min(end);
            let now = self.rt.now();
            if chunk_end > now {
                self.rt.run_for(chunk_end - now);
            }
            self.after_progress();
        }
        self.rt.run_until_idle(1_000_000);
        self.after_progress();
    }

    /// Samples metrics, applies chaos and drains subscriptions whenever a
    /// sample boundary has passed.
    pub(super) fn after_progress(&mut self) {
        let step = VTime::from_ms(self.sample_ms());
        while self.rt.now() >= self.next_sample {
            self.drain();
            self.chaos_tick();
            self.sample();
            self.next_sample = self.next_sample + step;
        }
    }

    pub(super) fn invalidate(&self) {
        *self.tree_cache.borrow_mut() = None;
    }
}
