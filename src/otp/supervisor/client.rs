//! The client API: the calls other processes make to a supervisor
//! (`supervisor:start_child/2`, `which_children/1`, … and this tool's
//! pause and strategy-change extensions), and the handle table that lets a
//! child spec, which holds a start function, travel inside a call.

use super::child_spec::ChildSpec;
use super::flags::Strategy;
use crate::otp::gen_server;
use crate::runtime::Ctx;
use crate::term::{Atom, Pid, Term};
use crate::util::VecMap;

thread_local! {
    /// Child specs travelling inside a `start_child` call: a spec holds a
    /// start function, which no term can carry, so the call carries a
    /// handle into this table instead. Entries are taken by the supervisor.
    /// Keyed by the runtime (its kernel's address, never shown) and a
    /// number from that runtime's own reference counter, so that the
    /// handle a call carries is the same in every run of the same system:
    /// a counter shared by every runtime on the thread would make a
    /// replay's messages, and so its event stream, differ.
    /// A `VecMap`, not a `BTreeMap`: 4 KB less wasm (see crate::util).
    static PENDING_SPECS: std::cell::RefCell<VecMap<(usize, u64), ChildSpec>> = const { std::cell::RefCell::new(VecMap::new()) };
}

/// The runtime a context belongs to, as a key into `PENDING_SPECS`.
fn runtime_key(ctx: &Ctx) -> usize {
    std::rc::Rc::as_ptr(&ctx.k) as usize
}

/// Parks `spec` and returns the handle a `start_child` call carries.
fn park_spec(ctx: &Ctx, spec: ChildSpec) -> Term {
    let n = ctx.k.borrow_mut().make_ref().0;
    PENDING_SPECS.with(|m| m.borrow_mut().insert((runtime_key(ctx), n), spec));
    Term::tuple(vec![Term::atom("spec_handle"), Term::Int(n as i64)])
}

/// Takes the spec parked under handle `t`, if it is still there.
pub(super) fn take_spec(ctx: &Ctx, t: &Term) -> Option<ChildSpec> {
    let n = t.tagged(Atom::new("spec_handle"))?.get(1)?.as_int()?;
    PENDING_SPECS.with(|m| m.borrow_mut().remove(&(runtime_key(ctx), n as u64)))
}

/// `supervisor:start_child/2` with a full child spec.
pub async fn start_child(ctx: &Ctx, sup: Pid, spec: ChildSpec) -> Result<Term, Term> {
    let handle = park_spec(ctx, spec);
    let r = gen_server::try_call(ctx, sup, Term::tuple(vec![Term::atom("start_child"), handle.clone()]), None).await;
    // If the supervisor never took it (dead), drop the parked spec.
    take_spec(ctx, &handle);
    r
}

/// `supervisor:start_child/2` under `simple_one_for_one`: extra arguments.
pub async fn start_dynamic_child(ctx: &Ctx, sup: Pid, extra: Vec<Term>) -> Result<Term, Term> {
    gen_server::try_call(ctx, sup, Term::tuple(vec![Term::atom("start_child"), Term::list(extra)]), None).await
}

/// A call `{op, arg}` to the supervisor, waiting as long as it takes.
async fn simple_call(ctx: &Ctx, sup: Pid, op: &str, arg: Term) -> Result<Term, Term> {
    gen_server::try_call(ctx, sup, Term::tuple(vec![Term::atom(op), arg]), None).await
}

/// `supervisor:terminate_child/2`.
pub async fn terminate_child(ctx: &Ctx, sup: Pid, id: Term) -> Result<Term, Term> {
    simple_call(ctx, sup, "terminate_child", id).await
}

/// `supervisor:restart_child/2`.
pub async fn restart_child(ctx: &Ctx, sup: Pid, id: Term) -> Result<Term, Term> {
    simple_call(ctx, sup, "restart_child", id).await
}

/// `supervisor:delete_child/2`.
pub async fn delete_child(ctx: &Ctx, sup: Pid, id: Term) -> Result<Term, Term> {
    simple_call(ctx, sup, "delete_child", id).await
}

/// `supervisor:which_children/1`.
pub async fn which_children(ctx: &Ctx, sup: Pid) -> Result<Term, Term> {
    gen_server::try_call(ctx, sup, Term::atom("which_children"), None).await
}

/// `supervisor:count_children/1`.
pub async fn count_children(ctx: &Ctx, sup: Pid) -> Result<Term, Term> {
    gen_server::try_call(ctx, sup, Term::atom("count_children"), None).await
}

/// Extension: pause or resume supervision.
pub async fn set_paused(ctx: &Ctx, sup: Pid, paused: bool) -> Result<Term, Term> {
    let op = if paused { "pause" } else { "resume" };
    gen_server::try_call(ctx, sup, Term::tuple(vec![Term::atom("otpsim"), Term::atom(op)]), None).await
}

/// Extension: change strategy; rolled back if the intensity is reached
/// within `window_s` seconds. Answers `{:ok, old}` or `{:error, why}`.
pub async fn set_strategy(ctx: &Ctx, sup: Pid, s: Strategy, window_s: u64) -> Result<Term, Term> {
    let req = Term::tuple(vec![
        Term::atom("otpsim"),
        Term::atom("set_strategy"),
        Term::atom(s.name()),
        Term::Int(window_s as i64),
    ]);
    gen_server::try_call(ctx, sup, req, None).await
}
