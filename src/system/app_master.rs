//! The application master: the process that starts the scenario's root
//! supervisor and runs the scenario's timed steps from inside the
//! simulation.

use super::tree::resolve_in;
use super::worker;
use crate::otp::supervisor;
use crate::runtime::{Ctx, EventKind, VTime};
use crate::scenario::{Action, ReasonSpec, Scenario};
use crate::term::{Atom, Pid, Term};
use crate::util::VecMap;
use std::cell::Cell;
use std::rc::Rc;

/// A call's result as text: the reply, or `failed: reason`.
fn result_text(r: &Result<Term, Term>) -> String {
    match r {
        Ok(t) => t.to_string(),
        Err(e) => format!("failed: {e}"),
    }
}

fn reason_term(r: &ReasonSpec) -> Term {
    match r {
        ReasonSpec::Atom(a) => Term::atom(a),
        ReasonSpec::Shutdown { shutdown } => Term::tuple(vec![Term::Atom(Atom::SHUTDOWN), Term::atom(shutdown)]),
    }
}

/// The application master: starts the root (trapping exits, so the root's
/// death is observed, not shared), runs the scenario's timed steps, then
/// reports the root's exit if it comes.
pub(super) async fn app_master(
    ctx: Ctx,
    start: supervisor::StartFn,
    root: Rc<Cell<Option<Pid>>>,
    scen: Rc<Scenario>,
    code: Rc<crate::lang::Code>,
) -> Term {
    ctx.trap_exit(true);
    let log = |text: String| ctx.emit(EventKind::Log { pid: Some(ctx.pid()), text: Rc::from(text) });
    match worker::start_root(&ctx, &start).await {
        crate::otp::StartResult::Ok(p) => root.set(Some(p)),
        other => log(format!("the root did not start: {}", other.to_term())),
    }
    let t0 = ctx.now();
    let root_id = scen.tree.id.clone();
    let mut dyn_k: VecMap<String, i64> = VecMap::new();
    for (i, st) in scen.steps.iter().enumerate() {
        ctx.sleep_until(t0 + VTime::from_ms(st.at_ms.round() as u64)).await;
        let Ok(action) = st.action() else { continue };
        let find = |path: &str| -> Option<Pid> {
            let r = root.get()?;
            ctx.peek(|k| resolve_in(k, r, &root_id, path))
        };
        let missing = |path: &str| log(format!("step {}: no live process at {path}", i + 1));
        match action {
            Action::Kill(p) => match find(&p) {
                Some(pid) => ctx.exit_signal(pid, Term::Atom(Atom::KILL)),
                None => missing(&p),
            },
            Action::Exit(p, r) => match find(&p) {
                Some(pid) => ctx.exit_signal(pid, reason_term(&r)),
                None => missing(&p),
            },
            Action::Crash(p, r) => match find(&p) {
                Some(pid) => {
                    crate::otp::gen_server::cast(&ctx, pid, Term::tuple(vec![Term::atom("crash"), reason_term(&r)]))
                }
                None => missing(&p),
            },
            Action::Stop(p) => match find(&p) {
                Some(pid) => ctx.exit_signal(pid, Term::Atom(Atom::SHUTDOWN)),
                None => missing(&p),
            },
            Action::Send(p, m) => match (find(&p), crate::term::parse(&m)) {
                (Some(pid), Ok(msg)) => ctx.send(pid, msg),
                (None, _) => missing(&p),
                (_, Err(e)) => log(format!("step {}: bad message: {e}", i + 1)),
            },
            Action::TerminateChild(p) | Action::RestartChild(p) | Action::DeleteChild(p) => {
                let (sup_path, id) = match p.rfind('/') {
                    Some(j) => (p[..j].to_string(), p[j + 1..].to_string()),
                    None => (String::new(), p.clone()),
                };
                let Some(sup) = find(&sup_path) else {
                    missing(&sup_path);
                    continue;
                };
                let op = if st.terminate_child.is_some() {
                    "terminate_child"
                } else if st.restart_child.is_some() {
                    "restart_child"
                } else {
                    "delete_child"
                };
                let r = crate::otp::gen_server::try_call(
                    &ctx,
                    sup,
                    Term::tuple(vec![Term::atom(op), Term::atom(&id)]),
                    Some(60_000),
                )
                .await;
                log(format!("step {}: {op} {p}: {}", i + 1, result_text(&r)));
            }
            Action::StartChild(sup_path, spec) => {
                let Some(sup) = find(&sup_path) else {
                    missing(&sup_path);
                    continue;
                };
                let r = match spec {
                    Some(node) => match worker::child_spec(&node, &code) {
                        Ok(cs) => supervisor::start_child(&ctx, sup, cs).await,
                        Err(e) => Err(Term::str(&e)),
                    },
                    None => {
                        let k = dyn_k.get_or_insert_with(sup_path.clone(), || 0);
                        *k += 1;
                        supervisor::start_dynamic_child(&ctx, sup, vec![Term::Int(*k)]).await
                    }
                };
                log(format!("step {}: start_child {sup_path}: {}", i + 1, result_text(&r)));
            }
            Action::Note(n) => log(format!("note: {n}")),
        }
    }
    loop {
        let Some(m) = ctx.receive().await else {
            continue;
        };
        if let Some([_, Term::Pid(p), reason]) = m.tagged(Atom::EXIT) {
            if Some(*p) == root.get() {
                log(format!("the root supervisor exited: {reason}"));
            }
        }
    }
}
