//! The scheduler: picks the next runnable process, polls its body for one
//! slice, and handles what the slice left behind (an exit, a yield).
//!
//! Bodies are polled with a no-op waker: the kernel itself knows why a
//! process is blocked (a receive, a sleep) and makes it runnable when a
//! message or timer arrives, so wakers would only duplicate that state.
//! The kernel borrow is released around every poll, because the body calls
//! back into the kernel through its `Ctx`.

use crate::runtime::kernel::Kernel;
use crate::runtime::process::Status;
use crate::runtime::time::VTime;
use crate::term::{Atom, Pid, Term};
use std::cell::RefCell;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::rc::Rc;
use std::task::{Context, Poll, Waker};

/// What one call to [`step`] did.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Step {
    /// Ran one slice of this process (or handled its exit).
    Ran(Pid),
    /// Nothing was runnable; virtual time jumped to the next timer.
    Timer(VTime),
    /// Nothing is runnable and no timer is pending.
    Idle,
}

/// Runs one slice. `limit` caps a jump to the next timer: a timer later
/// than `limit` is left alone and [`Step::Idle`] returned.
pub fn step(k: &Rc<RefCell<Kernel>>, limit: Option<VTime>) -> Step {
    let (pid, mut body) = {
        let mut kb = k.borrow_mut();
        kb.fire_due_timers();
        loop {
            if kb.run_queue.is_empty() && kb.persistent_terms.pending.is_some() {
                // Nothing to run: the scheduler goes idle, which lets thread
                // progress (and a pending persistent_term update) complete.
                kb.pt_tick(true);
            }
            let Some(pid) = kb.run_queue.pop_front() else {
                let Some(at) = kb.next_timer() else {
                    return Step::Idle;
                };
                if limit.is_some_and(|l| at > l) {
                    return Step::Idle;
                }
                if at > kb.now {
                    kb.now = at;
                }
                kb.fire_due_timers();
                return Step::Timer(at);
            };
            // Field-level borrows: the record and the counters together,
            // with one lookup of the record.
            let kr = &mut *kb;
            let Some(p) = kr.procs.get_mut(pid.0 as usize).and_then(|p| p.as_deref_mut()).filter(|p| p.is_alive())
            else {
                continue;
            };
            p.queued = false;
            if let Some(reason) = p.pending_exit.take() {
                kb.terminate(pid, reason);
                kb.pt_tick(false);
                let graves = std::mem::take(&mut kb.graveyard);
                drop(kb);
                drop(graves);
                return Step::Ran(pid);
            }
            if p.suspended > 0 || p.status == Status::Waiting {
                continue;
            }
            let Some(body) = p.body.take() else { continue };
            p.status = Status::Running;
            // A context switch costs one reduction, so time always moves.
            p.reductions += 1;
            kr.current = Some(pid);
            kr.slice_reds = 1;
            kr.total_reductions += 1;
            kr.now = kr.now + VTime(kr.cfg.ns_per_reduction);
            break (pid, body);
        }
    };
    let waker = Waker::noop();
    let mut cx = Context::from_waker(waker);
    let res = catch_unwind(AssertUnwindSafe(|| body.as_mut().poll(&mut cx)));
    let mut kb = k.borrow_mut();
    kb.current = None;
    let exit = match res {
        Ok(Poll::Ready(reason)) => Some(reason),
        Ok(Poll::Pending) => None,
        Err(payload) => Some(panic_reason(payload)),
    };
    let kr = &mut *kb;
    let slot = kr.procs.get_mut(pid.0 as usize).and_then(|p| p.as_deref_mut()).filter(|p| p.is_alive());
    let reason = match slot {
        None => {
            kr.graveyard.push(body);
            None
        }
        Some(p) => match (p.pending_exit.take(), exit) {
            (Some(reason), _) | (None, Some(reason)) => {
                kr.graveyard.push(body);
                Some(reason)
            }
            (None, None) => {
                p.body = Some(body);
                if p.status == Status::Running {
                    p.status = Status::Runnable;
                    if p.suspended == 0 && !p.queued {
                        p.queued = true;
                        kr.run_queue.push_back(pid);
                    }
                }
                None
            }
        },
    };
    if let Some(reason) = reason {
        kb.terminate(pid, reason);
    }
    kb.pt_tick(false);
    if !kb.graveyard.is_empty() {
        // Bodies are dropped outside the kernel borrow: their destructors
        // may touch the kernel.
        let graves = std::mem::take(&mut kb.graveyard);
        drop(kb);
        drop(graves);
    }
    Step::Ran(pid)
}

/// `{:panic, "message"}` from a caught panic's payload.
fn panic_reason(payload: Box<dyn std::any::Any + Send>) -> Term {
    let msg = if let Some(s) = payload.downcast_ref::<&str>() {
        (*s).to_string()
    } else if let Some(s) = payload.downcast_ref::<String>() {
        s.clone()
    } else {
        "panic".to_string()
    };
    Term::tuple(vec![Term::Atom(Atom::PANIC), Term::str(&msg)])
}

/// Runs until virtual time reaches `now + d` (slices in progress finish).
pub fn run_for(k: &Rc<RefCell<Kernel>>, d: VTime) -> u64 {
    let end = k.borrow().now + d;
    let mut slices = 0;
    loop {
        if k.borrow().now >= end {
            break;
        }
        match step(k, Some(end)) {
            Step::Ran(_) => slices += 1,
            Step::Timer(_) => {}
            Step::Idle => {
                let mut kb = k.borrow_mut();
                if kb.now < end {
                    kb.now = end;
                }
                kb.fire_due_timers();
                break;
            }
        }
    }
    slices
}

/// Runs until virtual time reaches `at`, exactly: every timer due by then
/// has fired and every process it woke has run.
pub fn run_until(k: &Rc<RefCell<Kernel>>, at: VTime) {
    let now = k.borrow().now;
    if at > now {
        run_for(k, at - now);
    }
    // Let whatever the last timers woke run to quiescence at `at`.
    run_until_idle(k, u64::MAX);
}

/// Runs slices until no process is runnable, without firing timers in the
/// future. Returns false if `max_slices` ran out first.
pub fn run_until_idle(k: &Rc<RefCell<Kernel>>, max_slices: u64) -> bool {
    let mut n = 0;
    loop {
        {
            let mut kb = k.borrow_mut();
            kb.fire_due_timers();
            // A pending persistent_term update completes when the scheduler
            // would go idle (in `step`), resuming its updater: not idle yet.
            if kb.run_queue.is_empty() && kb.persistent_terms.pending.is_none() {
                return true;
            }
        }
        if n >= max_slices {
            return false;
        }
        let now = k.borrow().now;
        step(k, Some(now));
        n += 1;
    }
}
