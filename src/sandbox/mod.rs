//! Sandbox workers: the demo GenServers (stateful, resource, event, cascade,
//! load) that scenarios build live systems from, the checking of their
//! parameters, and the ready scenarios shipped with the tool.
//!
//! [`start_fn`] is the one entry point the rest of the system needs: it
//! checks a worker's kind and parameters up front (every problem is a
//! [`SandboxError`]) and returns a supervisor start function that builds a
//! fresh worker on every (re)start. All workers accept their requests as
//! calls, casts or plain messages alike; a request they do not understand
//! is answered with `{:error, {:bad_request, text}}` when it is a call and
//! counted and ignored otherwise.

pub mod cascade;
pub mod catalog;
pub mod event;
pub mod load;
pub mod params;
pub mod resource;
pub mod stateful;
pub mod storage;

#[cfg(test)]
mod tests;

use crate::otp::gen_server::{self, GenServer, StartOpts};
use crate::otp::supervisor::StartFn;
use crate::term::{Atom, Term};
use std::fmt;
use std::rc::Rc;

pub use cascade::CascadeWorker;
pub use catalog::{catalog, describe, KindInfo, ParamInfo, RequestInfo};
pub use event::EventWorker;
pub use load::LoadGenerator;
pub use resource::ResourceWorker;
pub use stateful::StatefulWorker;
pub use storage::{MemoryStorage, Storage};

/// Everything that can be wrong with a sandbox worker's kind or parameters.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SandboxError {
    /// The worker kind is not one of [`kinds`].
    UnknownKind(String),
    /// A parameter has the wrong type, an out-of-range value or is unknown.
    BadParam { kind: String, param: String, message: String },
    /// The registered name is not usable.
    BadName(String),
}

impl fmt::Display for SandboxError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SandboxError::UnknownKind(k) => {
                write!(f, "unknown sandbox worker kind {k:?} (known: {})", kinds().join(", "))
            }
            SandboxError::BadParam { kind, param, message } => {
                write!(f, "bad parameter {param:?} for the {kind} worker: {message}")
            }
            SandboxError::BadName(n) => {
                write!(f, "bad registered name {n:?}: it must be 1 to 255 characters")
            }
        }
    }
}

impl std::error::Error for SandboxError {}

const KINDS: &[&str] = &["stateful", "resource", "event", "cascade", "load"];

/// The sandbox worker kinds that [`start_fn`] accepts.
pub fn kinds() -> &'static [&'static str] {
    KINDS
}

/// Builds a fresh server each time the worker (re)starts.
type MakeFn = Rc<dyn Fn() -> Box<dyn GenServer>>;

/// A start function for a sandbox worker of `kind` with `params`: it starts
/// the worker with `gen_server::start_link`, registered under `name` if
/// given. Bad kinds and parameters are reported here, never at start time.
/// A stateful worker persists into a storage private to this start
/// function, so that its restarts find what it saved.
pub fn start_fn(kind: &str, params: &serde_json::Value, name: Option<&str>) -> Result<StartFn, SandboxError> {
    start_fn_with_storage(kind, params, name, Rc::new(MemoryStorage::new()))
}

/// As [`start_fn`], with the storage that stateful workers persist into
/// given by the caller (a whole system can share one).
pub fn start_fn_with_storage(
    kind: &str,
    params: &serde_json::Value,
    name: Option<&str>,
    storage: Rc<dyn Storage>,
) -> Result<StartFn, SandboxError> {
    if let Some(n) = name {
        if n.is_empty() || n.chars().count() > 255 {
            return Err(SandboxError::BadName(n.to_string()));
        }
    }
    let make: MakeFn = match kind {
        "stateful" => {
            let cfg = Rc::new(stateful::Config::parse(params)?);
            let key: Rc<str> =
                Rc::from(cfg.storage_key.clone().or(name.map(str::to_string)).unwrap_or_else(|| "stateful".into()));
            Rc::new(move || {
                Box::new(StatefulWorker::new(cfg.clone(), storage.clone(), key.clone())) as Box<dyn GenServer>
            })
        }
        "resource" => {
            let cfg = Rc::new(resource::Config::parse(params)?);
            Rc::new(move || Box::new(ResourceWorker::new(cfg.clone())) as Box<dyn GenServer>)
        }
        "event" => {
            let cfg = Rc::new(event::Config::parse(params)?);
            Rc::new(move || Box::new(EventWorker::new(cfg.clone())) as Box<dyn GenServer>)
        }
        "cascade" => {
            let cfg = Rc::new(cascade::Config::parse(params)?);
            Rc::new(move || Box::new(CascadeWorker::new(cfg.clone())) as Box<dyn GenServer>)
        }
        "load" => {
            let cfg = Rc::new(load::Config::parse(params)?);
            Rc::new(move || Box::new(LoadGenerator::new(cfg.clone())) as Box<dyn GenServer>)
        }
        other => return Err(SandboxError::UnknownKind(other.to_string())),
    };
    let name = name.map(Atom::new);
    Ok(Rc::new(move |ctx, _args| {
        let make = make.clone();
        Box::pin(async move {
            let opts = StartOpts { name, ..StartOpts::default() };
            gen_server::start_link(&ctx, make(), opts).await
        })
    }))
}

/// Checks a worker's kind and parameters without building anything.
pub fn validate(kind: &str, params: &serde_json::Value) -> Result<(), SandboxError> {
    start_fn(kind, params, None).map(|_| ())
}

const BUILTINS: &[(&str, &str)] = &[
    ("demo", include_str!("../../scenarios/demo.json")),
    ("cascade_failure", include_str!("../../scenarios/cascade_failure.json")),
    ("pool_exhaustion", include_str!("../../scenarios/pool_exhaustion.json")),
    ("pubsub", include_str!("../../scenarios/pubsub.json")),
    ("restart_storm", include_str!("../../scenarios/restart_storm.json")),
];

const BUILTIN_NAMES: &[&str] = &["demo", "cascade_failure", "pool_exhaustion", "pubsub", "restart_storm"];

/// The JSON text of a ready scenario (`"demo"`, `"cascade_failure"`, …).
pub fn builtin(name: &str) -> Option<&'static str> {
    BUILTINS.iter().find(|(n, _)| *n == name).map(|(_, text)| *text)
}

/// The names of the ready scenarios, the default (`"demo"`) first.
pub fn builtin_names() -> &'static [&'static str] {
    BUILTIN_NAMES
}

// --- helpers shared by the workers -------------------------------------

/// `{:error, {:bad_request, text}}`: the answer to a request a worker does
/// not understand.
pub(crate) fn bad_request(text: impl AsRef<str>) -> Term {
    Term::error_tuple(Term::tuple(vec![Term::atom("bad_request"), Term::str(text.as_ref())]))
}

/// Splits a request into its tag and arguments: `:get` is `("get", [])`,
/// `{:inc, 5}` is `("inc", [5])`. Anything else has no tag.
pub(crate) fn op(msg: &Term) -> Option<(Rc<str>, &[Term])> {
    match msg {
        Term::Atom(a) => Some((a.name(), &[])),
        Term::Tuple(t) => match t.first() {
            Some(Term::Atom(a)) => Some((a.name(), &t[1..])),
            _ => None,
        },
        _ => None,
    }
}

/// A key-value map term from atom keys.
pub(crate) fn amap(entries: Vec<(&str, Term)>) -> Term {
    Term::map(entries.into_iter().map(|(k, v)| (Term::atom(k), v)))
}

/// A count as a term, saturating at `i64::MAX`.
pub(crate) fn int(n: impl TryInto<i64>) -> Term {
    Term::Int(n.try_into().unwrap_or(i64::MAX))
}

/// A topic or name given as a string or an atom.
pub(crate) fn text_of(t: &Term) -> Option<String> {
    match t {
        Term::Str(s) => Some(s.to_string()),
        Term::Atom(a) => Some(a.name().to_string()),
        _ => None,
    }
}

/// Whether `msg` matches `pattern`, where the atom `:_` matches anything
/// and tuples, lists and maps match element by element.
pub(crate) fn matches_pattern(pattern: &Term, msg: &Term) -> bool {
    if let Term::Atom(a) = pattern {
        if a.with_name(|n| n == "_") {
            return true;
        }
    }
    match (pattern, msg) {
        (Term::Tuple(p), Term::Tuple(m)) | (Term::List(p), Term::List(m)) => {
            p.len() == m.len() && p.iter().zip(m.iter()).all(|(a, b)| matches_pattern(a, b))
        }
        (Term::Map(p), Term::Map(_)) => p.iter().all(|(k, v)| msg.map_get(k).is_some_and(|mv| matches_pattern(v, mv))),
        _ => pattern == msg,
    }
}

/// A worker's timer chain that only its own ticks drive. Each tick message
/// `{:tick, kind, ref}` carries a fresh reference, so a tick sent by anyone
/// else (or a stale one) is told apart and cannot start a second chain:
/// at most one tick is ever outstanding.
pub(crate) struct Ticker {
    kind: &'static str,
    pending: Option<crate::term::Ref>,
}

/// What a message is to a [`Ticker`].
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum TickMsg {
    /// The outstanding tick: act on it.
    Ours,
    /// A tick of this kind that is not the outstanding one: ignore it.
    Stale,
    /// Not a tick of this kind.
    Other,
}

impl Ticker {
    pub(crate) fn new(kind: &'static str) -> Ticker {
        Ticker { kind, pending: None }
    }

    /// Schedules a tick in `ms` unless one is outstanding.
    pub(crate) fn schedule(&mut self, ctx: &crate::runtime::Ctx, ms: u64) {
        if self.pending.is_none() {
            let r = ctx.make_ref();
            self.pending = Some(r);
            ctx.send_after(ms, ctx.pid(), Term::tuple(vec![Term::atom("tick"), Term::atom(self.kind), Term::Ref(r)]));
        }
    }

    /// Classifies `msg`; the outstanding tick is consumed.
    pub(crate) fn take(&mut self, msg: &Term) -> TickMsg {
        let Some([tag, kind, rest @ ..]) = msg.as_tuple() else { return TickMsg::Other };
        if !tag.as_atom().is_some_and(|a| a.with_name(|n| n == "tick"))
            || !kind.as_atom().is_some_and(|a| a.with_name(|n| n == self.kind))
        {
            return TickMsg::Other;
        }
        match rest {
            [Term::Ref(r)] if self.pending == Some(*r) => {
                self.pending = None;
                TickMsg::Ours
            }
            _ => TickMsg::Stale,
        }
    }
}
