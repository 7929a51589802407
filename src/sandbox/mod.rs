//! Sandbox workers: the demo GenServers (stateful, resource, event, cascade,
//! load) that scenarios build live systems from, their parameter parsing,
//! and the ready scenarios shipped with the tool.

use crate::otp::gen_server::{self, GenServer, StartOpts};
use crate::otp::supervisor::StartFn;
use crate::term::{Atom, Term};
use async_trait::async_trait;
use std::fmt;
use std::rc::Rc;

/// Everything that can be wrong with a sandbox worker's kind or parameters.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SandboxError {
    /// The worker kind is not one of [`kinds`].
    UnknownKind(String),
    /// A parameter has the wrong type, an out-of-range value or is unknown.
    BadParam {
        kind: String,
        param: String,
        message: String,
    },
    /// The registered name is not usable.
    BadName(String),
}

impl fmt::Display for SandboxError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SandboxError::UnknownKind(k) => {
                write!(
                    f,
                    "unknown sandbox worker kind {k:?} (known: {})",
                    kinds().join(", ")
                )
            }
            SandboxError::BadParam {
                kind,
                param,
                message,
            } => {
                write!(f, "bad parameter {param:?} for {kind} worker: {message}")
            }
            SandboxError::BadName(n) => write!(f, "bad registered name {n:?}"),
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
pub fn start_fn(
    kind: &str,
    params: &serde_json::Value,
    name: Option<&str>,
) -> Result<StartFn, SandboxError> {
    if let Some(n) = name {
        if n.is_empty() || n.len() > 255 {
            return Err(SandboxError::BadName(n.to_string()));
        }
    }
    let make: MakeFn = match kind {
        "stateful" | "resource" | "event" | "cascade" | "load" => {
            let k: &'static str = KINDS
                .iter()
                .copied()
                .find(|x| *x == kind)
                .unwrap_or("stateful");
            Rc::new(move || Box::new(Placeholder { kind: k }) as Box<dyn GenServer>)
        }
        other => return Err(SandboxError::UnknownKind(other.to_string())),
    };
    let _ = params;
    let name = name.map(Atom::new);
    Ok(Rc::new(move |ctx, _args| {
        let make = make.clone();
        Box::pin(async move {
            let opts = StartOpts {
                name,
                ..StartOpts::default()
            };
            gen_server::start_link(&ctx, make(), opts).await
        })
    }))
}

/// A stand-in server until each kind's real worker lands.
struct Placeholder {
    kind: &'static str,
}

#[async_trait(?Send)]
impl GenServer for Placeholder {
    fn module(&self) -> &str {
        "Elixir.Sandbox.Placeholder"
    }

    async fn handle_call(
        &mut self,
        _ctx: &crate::runtime::Ctx,
        _req: Term,
        _from: gen_server::From,
    ) -> gen_server::CallReply {
        gen_server::CallReply::Reply(Term::error_tuple(Term::atom("not_implemented")))
    }

    async fn handle_cast(&mut self, _ctx: &crate::runtime::Ctx, _msg: Term) -> gen_server::NoReply {
        gen_server::NoReply::Continue
    }

    fn state(&self) -> Term {
        Term::map(vec![(Term::atom("kind"), Term::atom(self.kind))])
    }
}
