//! The runtime tests' harness: a runtime with a lifecycle recorder,
//! scriptable "actor" processes that log what they receive, helpers to
//! read exit reasons back from the event stream, and term builders.

use otpsim::runtime::{Ctx, EventKind, Filter, KindMask, Runtime, SpawnOpts};
use otpsim::term::{parse, Atom, Pid, Term};
use std::cell::RefCell;
use std::collections::BTreeMap;
use std::rc::Rc;

/// Messages each process took out of its mailbox, in order.
pub type Inbox = Rc<RefCell<BTreeMap<Pid, Vec<Term>>>>;

/// A runtime with a recorder on the lifecycle kinds, so that exit reasons
/// can be read back after the fact without a watcher process.
pub struct Sys {
    pub rt: Runtime,
    pub inbox: Inbox,
}

impl Sys {
    pub fn new(seed: u64) -> Sys {
        let rt = Runtime::with_seed(seed);
        rt.bus(|b| b.set_recorder(Some((Filter::kinds(KindMask::PROCS), 1 << 20))));
        Sys { rt, inbox: Rc::new(RefCell::new(BTreeMap::new())) }
    }

    /// The reason `pid` exited with, if it did.
    pub fn exit_reason(&self, pid: Pid) -> Option<Term> {
        self.rt.bus(|b| {
            b.recorder()?.events().find_map(|e| match &e.kind {
                EventKind::Exit { pid: p, reason } if *p == pid => Some(reason.clone()),
                _ => None,
            })
        })
    }

    /// Every `(pid, reason)` exit in the order they happened.
    pub fn exits(&self) -> Vec<(Pid, Term)> {
        self.rt.bus(|b| match b.recorder() {
            Some(r) => r
                .events()
                .filter_map(|e| match &e.kind {
                    EventKind::Exit { pid, reason } => Some((*pid, reason.clone())),
                    _ => None,
                })
                .collect(),
            None => Vec::new(),
        })
    }

    /// What `pid` received so far.
    pub fn received(&self, pid: Pid) -> Vec<Term> {
        self.inbox.borrow().get(&pid).cloned().unwrap_or_default()
    }

    /// Spawns an actor: it sets `trap_exit`, then obeys control messages
    /// (see [`actor_loop`]) and logs every other message it receives.
    pub fn actor(&mut self, trap: bool) -> Pid {
        let inbox = self.inbox.clone();
        self.rt.spawn(SpawnOpts { trap_exit: trap, ..Default::default() }, move |ctx| actor_loop(ctx, inbox))
    }

    /// Spawns a process that waits for any message, then exits with `reason`.
    pub fn exits_on_message(&mut self, reason: Term) -> Pid {
        self.rt.spawn(SpawnOpts::default(), move |ctx| async move {
            ctx.receive().await;
            reason
        })
    }

    /// Sends `msg` from outside the system.
    pub fn send(&mut self, to: Pid, msg: Term) {
        let _ = self.rt.apply(otpsim::runtime::Command::Send { to, msg });
    }

    /// Runs until nothing at all is left to do (timers included).
    pub fn settle(&mut self) {
        assert!(self.rt.run_to_completion(1_000_000), "the system did not settle");
    }
}

/// Control messages an actor obeys instead of logging:
/// `{:"$link", pid}`, `{:"$unlink", pid}`, `{:"$exit", pid, reason}`
/// (`exit/2`), `{:"$die", reason}` (returns from the body with `reason`).
pub async fn actor_loop(ctx: Ctx, inbox: Inbox) -> Term {
    loop {
        let Some(m) = ctx.receive().await else { continue };
        if let Some(t) = m.as_tuple() {
            if let Some(Term::Atom(tag)) = t.first() {
                let tag = tag.name();
                match (&*tag, &t[1..]) {
                    ("$link", [Term::Pid(p)]) => {
                        ctx.link(*p);
                        continue;
                    }
                    ("$unlink", [Term::Pid(p)]) => {
                        ctx.unlink(*p);
                        continue;
                    }
                    ("$exit", [Term::Pid(p), r]) => {
                        ctx.exit_signal(*p, r.clone());
                        continue;
                    }
                    ("$die", [r]) => return r.clone(),
                    _ => {}
                }
            }
        }
        inbox.borrow_mut().entry(ctx.pid()).or_default().push(m);
    }
}

/// Parses an Elixir literal, with `$name` placeholders replaced by the
/// given pids first (`"{:EXIT, $from, :normal}"`).
pub fn term(src: &str, pids: &[(&str, Pid)]) -> Term {
    let mut s = src.to_string();
    // Longest names first, so that `$a1` is not clobbered by `$a`.
    let mut ps = pids.to_vec();
    ps.sort_by_key(|(n, _)| std::cmp::Reverse(n.len()));
    for (name, pid) in ps {
        s = s.replace(&format!("${name}"), &pid.to_string());
    }
    match parse(&s) {
        Ok(t) => t,
        Err(e) => panic!("bad test term {s:?}: {e:?}"),
    }
}

pub fn atom(a: &str) -> Term {
    Term::Atom(Atom::new(a))
}

pub fn ctl(tag: &str, args: Vec<Term>) -> Term {
    let mut v = vec![atom(tag)];
    v.extend(args);
    Term::tuple(v)
}
