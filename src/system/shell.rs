//! The shell: a process that makes calls for the outside world (supervisor
//! operations, `GenServer.call`s), run job by job and replaced when a job
//! gets stuck; and the control layer's own seeded choices and tokens.

use super::{worker, ControlError, SupOp, System};
use crate::otp::supervisor;
use crate::runtime::{Ctx, SpawnOpts, Step, VTime};
use crate::term::{Atom, Pid, Term};
use crate::util::VecMap;
use std::cell::RefCell;
use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;

/// A job for the shell: an async closure run inside the shell process.
type Job = Box<dyn FnOnce(Ctx) -> Pin<Box<dyn Future<Output = Result<Term, Term>>>>>;

#[derive(Default)]
pub(super) struct Jobs {
    pending: VecMap<i64, Job>,
    done: VecMap<i64, Result<Term, Term>>,
}

impl System {
    /// Runs `job` inside the shell process and runs the scheduler until it
    /// finishes, at most `limit_ms` of virtual time. Not an input by itself:
    /// the inputs that make calls ([`Input::Supervisor`], [`Input::Call`])
    /// use it, and only they are logged and replayed.
    pub fn call<F, Fut>(&mut self, limit_ms: u64, job: F) -> Result<Term, ControlError>
    where
        F: FnOnce(Ctx) -> Fut + 'static,
        Fut: Future<Output = Result<Term, Term>> + 'static,
    {
        let n = self.next_job;
        self.next_job += 1;
        self.jobs.borrow_mut().pending.insert(n, Box::new(move |c| Box::pin(job(c))));
        self.rt.kernel().deliver(None, self.shell, Term::tuple(vec![Term::atom("$shell"), Term::Int(n)]));
        let deadline = self.rt.now() + VTime::from_ms(limit_ms);
        loop {
            if let Some(r) = self.jobs.borrow_mut().done.remove(&n) {
                self.invalidate();
                return r.map_err(|reason| ControlError::CallFailed { reason: reason.to_string() });
            }
            if self.rt.now() > deadline {
                self.abandon(n);
                return Err(ControlError::Timeout {
                    what: format!("the shell's request did not finish within {limit_ms} ms"),
                });
            }
            if self.step() == Step::Idle {
                self.abandon(n);
                return Err(ControlError::Timeout {
                    what: "the shell's request can never finish (nothing left to run)".into(),
                });
            }
        }
    }

    /// Gives up on a shell job. If the shell is inside it (blocked in a
    /// call that will not return), the shell is killed and a new one
    /// started, so that later requests are not queued behind it forever. As
    /// with an OTP call that times out, a request already delivered may
    /// still be handled later.
    pub(super) fn abandon(&mut self, n: i64) {
        let was_waiting = self.jobs.borrow_mut().pending.remove(&n).is_some();
        if was_waiting {
            return;
        }
        let old = self.shell;
        self.rt.kernel().exit_signal(crate::runtime::WORLD, old, Term::Atom(Atom::KILL), false);
        let jobs = self.jobs.clone();
        self.shell = self.rt.spawn(SpawnOpts::named("otpsim:shell/0"), move |c| shell_loop(c, jobs));
    }

    pub(super) fn sup_op(&mut self, sup: Pid, op: SupOp) -> Result<Term, ControlError> {
        if !self.rt.is_alive(sup) {
            return Err(ControlError::NoProc { pid: sup.short() });
        }
        if self.snapshot(sup).is_none() && !self.is_supervisor(sup) {
            return Err(ControlError::NotSupervisor { pid: sup.short() });
        }
        match op {
            SupOp::Pause => self.call(60_000, move |c| async move { supervisor::set_paused(&c, sup, true).await }),
            SupOp::Resume => self.call(60_000, move |c| async move { supervisor::set_paused(&c, sup, false).await }),
            SupOp::SetStrategy { strategy, window_s } => {
                self.call(60_000, move |c| async move { supervisor::set_strategy(&c, sup, strategy, window_s).await })
            }
            SupOp::StartChild { spec } => {
                let cs =
                    worker::child_spec(&spec, &self.code).map_err(|message| ControlError::BadRequest { message })?;
                self.call(60_000, move |c| async move { supervisor::start_child(&c, sup, cs).await })
            }
            SupOp::StartDynamicChild { args } => {
                let args: Vec<Term> = args.into_iter().map(|a| a.0).collect();
                self.call(60_000, move |c| async move { supervisor::start_dynamic_child(&c, sup, args).await })
            }
            SupOp::TerminateChild { id } => {
                {
                    // A child id typed in is an atom: past the BEAM's limits it is
                    // refused with `system_limit` before anything runs.
                    let id = Term::Atom(
                        crate::term::Atom::try_new(&id)
                            .map_err(|e| ControlError::BadRequest { message: e.to_string() })?,
                    );
                    self.call(60_000, move |c| async move { supervisor::terminate_child(&c, sup, id).await })
                }
            }
            SupOp::RestartChild { id } => {
                {
                    // A child id typed in is an atom: past the BEAM's limits it is
                    // refused with `system_limit` before anything runs.
                    let id = Term::Atom(
                        crate::term::Atom::try_new(&id)
                            .map_err(|e| ControlError::BadRequest { message: e.to_string() })?,
                    );
                    self.call(60_000, move |c| async move { supervisor::restart_child(&c, sup, id).await })
                }
            }
        }
    }

    /// A random integer in `0..n` from the control layer's own generator.
    pub fn control_random(&self, n: u64) -> u64 {
        self.control_rng.borrow_mut().below(n)
    }

    /// A new flow token for a traced send.
    pub fn new_token(&mut self) -> u64 {
        let t = self.next_token;
        self.next_token += 1;
        // Tokens from different systems never collide with the runtime's 0.
        t
    }
}

pub(super) async fn shell_loop(ctx: Ctx, jobs: Rc<RefCell<Jobs>>) -> Term {
    loop {
        let Some(m) = ctx.receive().await else {
            continue;
        };
        let Some([_, Term::Int(n)]) = m.tagged(Atom::new("$shell")) else {
            continue;
        };
        let n = *n;
        let job = jobs.borrow_mut().pending.remove(&n);
        if let Some(job) = job {
            let r = job(ctx.clone()).await;
            jobs.borrow_mut().done.insert(n, r);
        }
    }
}
