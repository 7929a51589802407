//! The chaos soak (issue 11 §2): a scenario run for a long virtual time
//! under chaos and seeded random user inputs, with the system's invariants
//! checked after every input, its memory sampled at 1x and 10x the time,
//! and its recording replayed to the same event hash. `otpsim soak` and
//! `tests/soak.rs` drive it.

use crate::control::supervisors::{get_supervisor, list_supervisors};
use crate::runtime::{Command, Rng};
use crate::scenario::Scenario;
use crate::system::{Input, System, SystemOptions};
use crate::term::{Pid, Term};

/// What one soak did and found.
#[derive(Clone, Debug, PartialEq)]
pub struct SoakReport {
    pub virtual_ms: u64,
    /// User inputs made (chaos kills are not counted: they are the
    /// system's own).
    pub inputs: u64,
    /// Invariant checks run, one after every input.
    pub checks: u64,
    /// The first broken invariant, if any.
    pub violation: Option<String>,
    /// Live processes and their accounted memory (words) after a tenth of
    /// the time, and at the end.
    pub procs: (usize, usize),
    pub memory_words: (usize, usize),
    /// Entries in the input log at the end (it grows by one per input and
    /// per tick: the price of exact replay).
    pub input_log: usize,
    /// Systems run: when random kills and chaos exhaust the root
    /// supervisor's restart intensity, the application ends as OTP ends it
    /// (every process gone), and the soak starts the scenario again (seed
    /// + 1) for the rest of the time.
    pub epochs: u64,
    /// The event hash of the last system.
    pub event_hash: u64,
    /// Whether replaying every system's recording gave its event hash.
    pub replay_matches: bool,
}

/// The options a soak starts its system with: every event hashed.
fn options(seed: u64) -> SystemOptions {
    SystemOptions { seed: Some(seed), hash_events: true, ..SystemOptions::default() }
}

/// Checks what must hold between inputs, in OTP's terms:
/// - every child a supervisor lists as running is alive (a child that died
///   is restarted, or marked `undefined`/`restarting`, before the
///   supervisor handles another message, and the scheduler has run every
///   signal due by now);
/// - links are symmetric between live processes.
pub fn check_invariants(sys: &System) -> Result<(), String> {
    let rt = sys.runtime();
    for s in list_supervisors(sys) {
        let Ok(d) = get_supervisor(sys, s.pid) else { continue };
        for c in &d.snapshot.children {
            if let (Some(pid), "running") = (c.pid, c.state) {
                if !rt.is_alive(pid) {
                    return Err(format!(
                        "supervisor {} lists child {} as running at {}, which is dead",
                        s.pid.short(),
                        c.id,
                        pid.short()
                    ));
                }
            }
        }
    }
    let mut links: Vec<(Pid, Vec<Pid>)> = Vec::new();
    rt.for_each_proc(|p| links.push((p.pid, p.links.iter().copied().collect())));
    for (p, ls) in &links {
        for l in ls {
            if let Some((_, back)) = links.iter().find(|(q, _)| q == l) {
                if !back.contains(p) {
                    return Err(format!("{} links to {} but not back", p.short(), l.short()));
                }
            }
        }
    }
    Ok(())
}

fn totals(sys: &System) -> (usize, usize) {
    let mut procs = 0;
    let mut words = 0;
    sys.runtime().for_each_proc(|p| {
        procs += 1;
        words += crate::runtime::memory_words(p);
    });
    (procs, words)
}

/// Runs `scenario` for `virtual_ms` with chaos at `chaos_rate` kills a
/// second and a random user input every 20–200 virtual ms (a kill, a
/// message, a suspend and resume), all drawn from `seed`.
pub fn soak(scenario: Scenario, seed: u64, virtual_ms: u64, chaos_rate: f64) -> Result<SoakReport, String> {
    let mut sys = System::new(scenario.clone(), options(seed)).map_err(|e| e.to_string())?;
    let _ = sys.apply(Input::Chaos { rate_per_s: chaos_rate });
    // The inputs' own generator, apart from the system's, so that a soak's
    // inputs are a function of its seed alone.
    let mut rng = Rng::new(seed ^ 0x50a4_50a4);
    let mut r = SoakReport {
        virtual_ms,
        inputs: 0,
        checks: 0,
        violation: None,
        procs: (0, 0),
        memory_words: (0, 0),
        input_log: 0,
        epochs: 1,
        event_hash: 0,
        replay_matches: true,
    };
    let mut epoch_seed = seed;
    // Virtual time already spent by the systems before this one.
    let mut before_ms = 0u64;
    let tenth = virtual_ms / 10;
    let mut sampled = false;
    while before_ms + (sys.now_ms() as u64) < virtual_ms {
        sys.tick(20 + rng.below(180));
        if sys.runtime().pids().is_empty() {
            r.replay_matches &= replays(&sys, epoch_seed)?;
            r.input_log += sys.input_log().len();
            before_ms += sys.now_ms() as u64;
            epoch_seed = epoch_seed.wrapping_add(1);
            r.epochs += 1;
            sys = System::new(scenario.clone(), options(epoch_seed)).map_err(|e| e.to_string())?;
            let _ = sys.apply(Input::Chaos { rate_per_s: chaos_rate });
            continue;
        }
        // Supervisors are left to chaos and escalation: a user kill of the
        // root ends the application at once, and the rest of the soak would
        // test an empty system.
        let pids: Vec<Pid> = sys
            .runtime()
            .pids()
            .into_iter()
            .filter(|p| sys.runtime().with_proc(*p, |x| !x.extra().is_some_and(|e| e.supervisor)).unwrap_or(false))
            .collect();
        if !pids.is_empty() {
            let pid = pids[rng.below(pids.len() as u64) as usize];
            // Every input may be refused (the process may be gone): that is
            // part of the run, and must change nothing.
            match rng.below(3) {
                0 => {
                    let reason = if rng.below(2) == 0 { Term::atom("kill") } else { Term::atom("boom") };
                    let _ = sys.apply(Input::Command { command: Command::Exit { pid, reason } });
                }
                1 => {
                    let msg = Term::tuple(vec![Term::atom("soak"), Term::Int(r.inputs as i64)]);
                    let _ = sys.apply(Input::Command { command: Command::Send { to: pid, msg } });
                }
                _ => {
                    let _ = sys.apply(Input::Command { command: Command::Suspend { pid } });
                    sys.tick(10);
                    let _ = sys.apply(Input::Command { command: Command::Resume { pid } });
                }
            }
            r.inputs += 1;
        }
        r.checks += 1;
        if let Err(v) = check_invariants(&sys) {
            r.violation = Some(format!("at {} ms: {v}", sys.now_ms()));
            break;
        }
        if !sampled && before_ms + sys.now_ms() as u64 >= tenth {
            sampled = true;
            let (p, w) = totals(&sys);
            r.procs.0 = p;
            r.memory_words.0 = w;
        }
    }
    let (p, w) = totals(&sys);
    r.procs.1 = p;
    r.memory_words.1 = w;
    r.input_log += sys.input_log().len();
    r.event_hash = sys.event_hash();
    r.replay_matches &= replays(&sys, epoch_seed)?;
    Ok(r)
}

/// Whether `sys`'s recording replays to its event hash.
fn replays(sys: &System, seed: u64) -> Result<bool, String> {
    let replayed = System::from_recording(&sys.recording(), options(seed)).map_err(|e| e.to_string())?;
    Ok(replayed.event_hash() == sys.event_hash())
}
