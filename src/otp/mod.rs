//! OTP behaviours over the runtime: [`gen_server`] and [`supervisor`].
//!
//! Both are plain process bodies written against `runtime::Ctx`, exactly as
//! OTP's are plain Erlang over the BIFs, so every message they exchange is
//! visible in mailboxes and traces.

pub mod gen_server;
pub mod supervisor;

pub use gen_server::{CallReply, From, GenServer, Init, NoReply, StartOpts, StartResult};
pub use supervisor::{ChildSpec, ChildType, Flags, RestartType, Shutdown, Strategy, SupInit, Supervisor};
