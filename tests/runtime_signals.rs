//! One test per signal rule of the runtime, each checked against what
//! Erlang/OTP documents (and does): exit signals through `exit/2` and
//! links, `trap_exit`, monitors, names, suspension, receive, time,
//! preemption, GenServer call failures and panics in process bodies.

mod common;

use common::{atom, ctl, term, Sys};
use otpsim::otp::gen_server::{self, CallReply, From, GenServer, Init};
use otpsim::runtime::{Command, Ctx, SpawnOpts, VTime, WORLD};
use otpsim::term::{Pid, Term};
use std::cell::RefCell;
use std::rc::Rc;

/// How the exit signal reaches the victim.
#[derive(Clone, Copy, Debug)]
enum Via {
    /// Another process calls `exit(Victim, Reason)`.
    ExitFromOther,
    /// The victim calls `exit(self(), Reason)`.
    ExitFromSelf,
    /// `exit(Victim, Reason)` from outside the system (the UI, the CLI).
    ExitFromWorld,
    /// A linked process returns from its body with `Reason`.
    LinkedPeerExits,
    /// A linked process is killed with `exit(Peer, kill)`; the signal the
    /// victim gets carries `killed`.
    LinkedPeerKilled,
}

/// What happens to the victim.
#[derive(Clone, Copy, Debug)]
enum Expect {
    /// Survives and receives nothing.
    Alive,
    /// Dies with this reason.
    Dies(&'static str),
    /// Survives and receives `{:EXIT, From, Reason}` with this reason.
    Msg(&'static str),
}

struct Case {
    trap: bool,
    via: Via,
    reason: &'static str,
    expect: Expect,
}

const fn case(trap: bool, via: Via, reason: &'static str, expect: Expect) -> Case {
    Case { trap, via, reason, expect }
}

use Expect::*;
use Via::*;

/// The exit-signal rules of the Erlang reference manual ("Processes:
/// Receiving Exit Signals") and `erlang:exit/2`, one row each.
const EXIT_RULES: &[Case] = &[
    // `normal` from another process is ignored unless trapped...
    case(false, ExitFromOther, ":normal", Alive),
    case(true, ExitFromOther, ":normal", Msg(":normal")),
    case(false, ExitFromWorld, ":normal", Alive),
    // ...but exit(self(), normal) kills the caller (since OTP 18).
    case(false, ExitFromSelf, ":normal", Dies(":normal")),
    case(true, ExitFromSelf, ":normal", Msg(":normal")),
    // `kill` by exit/2 is untrappable and becomes `killed`.
    case(false, ExitFromOther, ":kill", Dies(":killed")),
    case(true, ExitFromOther, ":kill", Dies(":killed")),
    case(true, ExitFromSelf, ":kill", Dies(":killed")),
    case(true, ExitFromWorld, ":kill", Dies(":killed")),
    // Any other reason kills a non-trapping process and is a message to a
    // trapping one; `killed` sent with exit/2 is such an ordinary reason.
    case(true, ExitFromOther, ":killed", Msg(":killed")),
    case(false, ExitFromOther, ":killed", Dies(":killed")),
    case(false, ExitFromOther, ":shutdown", Dies(":shutdown")),
    case(true, ExitFromOther, ":shutdown", Msg(":shutdown")),
    case(false, ExitFromOther, "{:custom, 1}", Dies("{:custom, 1}")),
    case(true, ExitFromWorld, "{:shutdown, :bye}", Msg("{:shutdown, :bye}")),
    // Through links: `normal` is ignored unless trapped.
    case(false, LinkedPeerExits, ":normal", Alive),
    case(true, LinkedPeerExits, ":normal", Msg(":normal")),
    case(false, LinkedPeerExits, ":boom", Dies(":boom")),
    case(true, LinkedPeerExits, ":boom", Msg(":boom")),
    // A killed peer propagates `killed` (not `kill`), which is trappable.
    case(false, LinkedPeerKilled, ":killed", Dies(":killed")),
    case(true, LinkedPeerKilled, ":killed", Msg(":killed")),
    // A peer that exits with reason `kill` itself sends a link signal with
    // reason `kill`, which is an ordinary, trappable reason (not `killed`).
    case(false, LinkedPeerExits, ":kill", Dies(":kill")),
    case(true, LinkedPeerExits, ":kill", Msg(":kill")),
];

#[test]
fn exit_signal_rules() {
    for (i, c) in EXIT_RULES.iter().enumerate() {
        let mut s = Sys::new(i as u64);
        let victim = s.actor(c.trap);
        let reason = term(c.reason, &[]);
        s.rt.run_until_idle(1000);
        let from = match c.via {
            ExitFromOther => {
                let sender = s.actor(false);
                s.send(sender, ctl("$exit", vec![Term::Pid(victim), reason.clone()]));
                sender
            }
            ExitFromSelf => {
                s.send(victim, ctl("$exit", vec![Term::Pid(victim), reason.clone()]));
                victim
            }
            ExitFromWorld => {
                s.rt.apply(Command::Exit { pid: victim, reason: reason.clone() }).unwrap();
                WORLD
            }
            LinkedPeerExits => {
                let peer = s.exits_on_message(reason.clone());
                s.send(victim, ctl("$link", vec![Term::Pid(peer)]));
                s.rt.run_until_idle(1000);
                s.send(peer, atom("go"));
                peer
            }
            LinkedPeerKilled => {
                let peer = s.actor(false);
                s.send(victim, ctl("$link", vec![Term::Pid(peer)]));
                s.rt.run_until_idle(1000);
                s.rt.apply(Command::Exit { pid: peer, reason: atom("kill") }).unwrap();
                peer
            }
        };
        s.settle();
        let ctx = format!("rule {i}: trap={} via={:?} reason={}", c.trap, c.via, c.reason);
        match c.expect {
            Alive => {
                assert!(s.rt.is_alive(victim), "{ctx}: victim died with {:?}", s.exit_reason(victim));
                assert_eq!(s.received(victim), vec![], "{ctx}");
            }
            Dies(r) => {
                assert!(!s.rt.is_alive(victim), "{ctx}: victim survived");
                assert_eq!(s.exit_reason(victim), Some(term(r, &[])), "{ctx}");
            }
            Msg(r) => {
                assert!(s.rt.is_alive(victim), "{ctx}: victim died with {:?}", s.exit_reason(victim));
                let want = term(&format!("{{:EXIT, $from, {r}}}"), &[("from", from)]);
                assert_eq!(s.received(victim), vec![want], "{ctx}");
            }
        }
    }
}

#[test]
fn monitor_delivers_down_exactly_once() {
    let mut s = Sys::new(1);
    let target = s.exits_on_message(atom("bye"));
    let refs = Rc::new(RefCell::new(Vec::new()));
    let inbox = s.inbox.clone();
    let r2 = refs.clone();
    let watcher = s.rt.spawn(SpawnOpts::default(), move |ctx| async move {
        // Two monitors on the same target are two DOWNs, one per ref.
        r2.borrow_mut().push(ctx.monitor(target));
        r2.borrow_mut().push(ctx.monitor(target));
        common::actor_loop(ctx, inbox).await
    });
    s.rt.run_until_idle(1000);
    s.send(target, atom("go"));
    s.settle();
    // Nothing more arrives later, however long we wait.
    s.rt.run_for(VTime::from_ms(1000));
    let refs = refs.borrow();
    let got = s.received(watcher);
    assert_eq!(got.len(), 2, "{got:?}");
    for (r, m) in refs.iter().zip(&got) {
        let want = Term::tuple(vec![atom("DOWN"), Term::Ref(*r), atom("process"), Term::Pid(target), atom("bye")]);
        assert_eq!(*m, want);
    }
    // The monitor tables are empty on both sides.
    assert_eq!(s.rt.info(watcher).unwrap().monitors, Vec::<Pid>::new());
}

#[test]
fn monitor_of_a_dead_pid_is_an_immediate_noproc_down() {
    let mut s = Sys::new(2);
    let dead = s.exits_on_message(atom("normal"));
    let mut s = s;
    s.send(dead, atom("go"));
    s.settle();
    assert!(!s.rt.is_alive(dead));
    let got = Rc::new(RefCell::new(None));
    let g = got.clone();
    s.rt.spawn(SpawnOpts::default(), move |ctx| async move {
        let r = ctx.monitor(dead);
        // Already in the mailbox: a zero timeout finds it.
        let m = ctx.receive_timeout(0).await;
        *g.borrow_mut() = Some((r, m));
        Term::atom("normal")
    });
    s.settle();
    let (r, m) = got.borrow().clone().unwrap();
    let want = Term::tuple(vec![atom("DOWN"), Term::Ref(r), atom("process"), Term::Pid(dead), atom("noproc")]);
    assert_eq!(m, Some(want));
}

#[test]
fn link_to_a_dead_pid_is_a_noproc_exit_signal() {
    for trap in [false, true] {
        let mut s = Sys::new(3);
        let dead = s.exits_on_message(atom("normal"));
        s.send(dead, atom("go"));
        s.settle();
        let p = s.actor(trap);
        s.send(p, ctl("$link", vec![Term::Pid(dead)]));
        s.settle();
        if trap {
            assert!(s.rt.is_alive(p));
            assert_eq!(s.received(p), vec![term("{:EXIT, $d, :noproc}", &[("d", dead)])]);
        } else {
            assert_eq!(s.exit_reason(p), Some(atom("noproc")));
        }
    }
}

#[test]
fn demonitor_flush_removes_a_delivered_down() {
    let mut s = Sys::new(4);
    let target = s.exits_on_message(atom("bye"));
    let out = Rc::new(RefCell::new(None));
    let o = out.clone();
    s.rt.spawn(SpawnOpts::default(), move |ctx| async move {
        let r = ctx.monitor(target);
        // Let the target die while we do not receive.
        ctx.sleep(10).await;
        let queued = ctx.peek(|k| k.proc(ctx.pid()).map(|p| p.mailbox.len()));
        let active = ctx.demonitor(r, true);
        let after = ctx.receive_timeout(0).await;
        *o.borrow_mut() = Some((queued, active, after));
        Term::atom("normal")
    });
    s.rt.run_until_idle(1000);
    s.send(target, atom("go"));
    s.settle();
    let (queued, active, after) = out.borrow().clone().unwrap();
    assert_eq!(queued, Some(1), "the DOWN was delivered before the demonitor");
    assert!(!active, "the monitor had already fired");
    assert_eq!(after, None, "flush removed the DOWN");
}

#[test]
fn registered_names_are_freed_at_exit() {
    let mut s = Sys::new(5);
    let p = s.rt.spawn(SpawnOpts::default(), |ctx| async move {
        ctx.register(otpsim::term::Atom::new("svc")).unwrap();
        ctx.receive().await;
        Term::atom("normal")
    });
    s.rt.run_until_idle(1000);
    assert_eq!(s.rt.whereis("svc"), Some(p));
    s.send(p, atom("go"));
    s.settle();
    assert_eq!(s.rt.whereis("svc"), None);
    assert!(s.rt.registered().is_empty());
    // The name can be taken again.
    let q = s.rt.spawn(SpawnOpts::default(), |ctx| async move {
        ctx.register(otpsim::term::Atom::new("svc")).map(|_| Term::atom("normal")).unwrap_or(Term::atom("taken"))
    });
    s.rt.run_until_idle(1000);
    assert_eq!(s.exit_reason(q), Some(atom("normal")));
}

#[test]
fn suspended_process_queues_messages_but_does_not_run_and_kill_still_kills() {
    let mut s = Sys::new(6);
    let p = s.actor(false);
    s.rt.run_until_idle(1000);
    s.rt.apply(Command::Suspend { pid: p }).unwrap();
    s.send(p, atom("a"));
    s.send(p, atom("b"));
    s.settle();
    assert_eq!(s.received(p), vec![], "a suspended process does not run");
    let info = s.rt.info(p).unwrap();
    assert_eq!(info.message_queue_len, 2, "but its mailbox fills");
    assert_eq!(info.status, "suspended");
    // Suspension nests, as erlang:suspend_process counts.
    s.rt.apply(Command::Suspend { pid: p }).unwrap();
    s.rt.apply(Command::Resume { pid: p }).unwrap();
    s.settle();
    assert_eq!(s.received(p), vec![]);
    s.rt.apply(Command::Resume { pid: p }).unwrap();
    s.settle();
    assert_eq!(s.received(p), vec![atom("a"), atom("b")]);
    assert!(s.rt.apply(Command::Resume { pid: p }).is_err(), "not suspended any more");
    // A suspended process still dies of a kill, and of a fatal link signal.
    s.rt.apply(Command::Suspend { pid: p }).unwrap();
    s.rt.apply(Command::Exit { pid: p, reason: atom("kill") }).unwrap();
    s.settle();
    assert_eq!(s.exit_reason(p), Some(atom("killed")));
    let q = s.actor(false);
    let peer = s.exits_on_message(atom("boom"));
    s.send(q, ctl("$link", vec![Term::Pid(peer)]));
    s.settle();
    s.rt.apply(Command::Suspend { pid: q }).unwrap();
    s.send(peer, atom("go"));
    s.settle();
    assert_eq!(s.exit_reason(q), Some(atom("boom")));
}

#[test]
fn selective_receive_leaves_other_messages_in_order() {
    let mut s = Sys::new(7);
    let got = Rc::new(RefCell::new(Vec::new()));
    let g = got.clone();
    let p = s.rt.spawn(SpawnOpts::default(), move |ctx| async move {
        // Wait until all four are in, then pick `c` first.
        let c = ctx.receive_match(|m| *m == Term::atom("c"), None).await;
        g.borrow_mut().push(c.unwrap_or(Term::nil()));
        for _ in 0..3 {
            let m = ctx.receive().await.unwrap_or(Term::nil());
            g.borrow_mut().push(m);
        }
        Term::atom("normal")
    });
    s.rt.run_until_idle(1000);
    for m in ["a", "b", "c", "d"] {
        s.send(p, atom(m));
    }
    s.settle();
    assert_eq!(*got.borrow(), vec![atom("c"), atom("a"), atom("b"), atom("d")]);
}

#[test]
fn receive_timeout_fires_in_virtual_time() {
    let mut s = Sys::new(8);
    let out = Rc::new(RefCell::new(None));
    let o = out.clone();
    s.rt.spawn(SpawnOpts::default(), move |ctx| async move {
        let t0 = ctx.now();
        // An hour of virtual time: a wall clock would make this test hang.
        let m = ctx.receive_timeout(3_600_000).await;
        *o.borrow_mut() = Some((m, ctx.now() - t0));
        Term::atom("normal")
    });
    let wall = std::time::Instant::now();
    s.settle();
    let (m, waited) = out.borrow().clone().unwrap();
    assert_eq!(m, None);
    assert!(waited >= VTime::from_ms(3_600_000) && waited < VTime::from_ms(3_600_001), "{waited:?}");
    assert!(wall.elapsed().as_secs() < 5);
}

#[test]
fn a_message_before_the_timeout_wins() {
    let mut s = Sys::new(9);
    let out = Rc::new(RefCell::new(None));
    let o = out.clone();
    let p = s.rt.spawn(SpawnOpts::default(), move |ctx| async move {
        *o.borrow_mut() = Some(ctx.receive_timeout(1000).await);
        Term::atom("normal")
    });
    s.rt.run_for(VTime::from_ms(500));
    s.send(p, atom("hi"));
    s.settle();
    assert_eq!(*out.borrow(), Some(Some(atom("hi"))));
    assert!(s.rt.now() < VTime::from_ms(1000), "the cancelled timer did not move time");
}

#[test]
fn sleepers_wake_in_deadline_order() {
    let mut s = Sys::new(10);
    let order = Rc::new(RefCell::new(Vec::new()));
    for ms in [300u64, 100, 200] {
        let o = order.clone();
        s.rt.spawn(SpawnOpts::default(), move |ctx| async move {
            ctx.sleep(ms).await;
            o.borrow_mut().push((ms, ctx.now().as_ms()));
            Term::atom("normal")
        });
    }
    s.settle();
    let got = order.borrow();
    assert_eq!(got.iter().map(|x| x.0).collect::<Vec<_>>(), vec![100, 200, 300]);
    for (ms, at) in got.iter() {
        assert_eq!(ms, at, "woke at its deadline");
    }
}

#[test]
fn work_is_preempted_by_the_reduction_budget() {
    let mut s = Sys::new(11);
    let order = Rc::new(RefCell::new(Vec::new()));
    let o = order.clone();
    let busy = s.rt.spawn(SpawnOpts::default(), move |ctx| async move {
        ctx.work(100_000).await;
        o.borrow_mut().push("busy done");
        Term::atom("normal")
    });
    let o = order.clone();
    s.rt.spawn(SpawnOpts::default(), move |_ctx| async move {
        o.borrow_mut().push("other ran");
        Term::atom("normal")
    });
    // The first slice runs the busy process up to its budget only.
    s.rt.step();
    assert!(order.borrow().is_empty());
    let reds = s.rt.info(busy).unwrap().reductions;
    assert!(reds <= 4000 + 2, "one slice used {reds} reductions");
    s.settle();
    assert_eq!(*order.borrow(), vec!["other ran", "busy done"]);
}

/// A server that replies to `:ping` and never to anything else.
struct Mute;

#[async_trait::async_trait(?Send)]
impl GenServer for Mute {
    fn module(&self) -> &str {
        "Elixir.Mute"
    }
    async fn init(&mut self, _ctx: &Ctx) -> Init {
        Init::Ok
    }
    async fn handle_call(&mut self, _ctx: &Ctx, req: Term, _from: From) -> CallReply {
        if req == Term::atom("ping") {
            CallReply::Reply(Term::atom("pong"))
        } else {
            CallReply::NoReply
        }
    }
    fn state(&self) -> Term {
        Term::nil()
    }
}

/// Starts a `Mute` server from a client process that then runs `then`.
fn client_of_mute<F>(s: &mut Sys, then: F) -> (Pid, Rc<RefCell<Option<Pid>>>)
where
    F: FnOnce(Ctx, Pid) -> std::pin::Pin<Box<dyn std::future::Future<Output = Term>>> + 'static,
{
    let server = Rc::new(RefCell::new(None));
    let sv = server.clone();
    let client = s.rt.spawn(SpawnOpts::default(), move |ctx| async move {
        let gen_server::StartResult::Ok(pid) = gen_server::start(&ctx, Box::new(Mute), Default::default()).await else {
            return Term::atom("start_failed");
        };
        *sv.borrow_mut() = Some(pid);
        then(ctx, pid).await
    });
    (client, server)
}

#[test]
fn gen_server_call_timeout_exits_the_caller() {
    let mut s = Sys::new(12);
    let (client, server) = client_of_mute(&mut s, |ctx, pid| {
        Box::pin(async move {
            assert_eq!(gen_server::call(&ctx, pid, Term::atom("ping"), Some(100)).await, Term::atom("pong"));
            gen_server::call(&ctx, pid, Term::atom("hang"), Some(100)).await;
            Term::atom("unreachable")
        })
    });
    s.settle();
    let server = server.borrow().unwrap();
    let want = term("{:timeout, {:gen_server, :call, [$s, :hang, 100]}}", &[("s", server)]);
    assert_eq!(s.exit_reason(client), Some(want));
    assert!(s.rt.is_alive(server), "the server is not affected");
    assert_eq!(s.rt.info(server).unwrap().monitored_by, Vec::<Pid>::new(), "the call's monitor is gone");
}

#[test]
fn gen_server_call_to_a_dead_server_is_noproc() {
    let mut s = Sys::new(13);
    let (client, server) = client_of_mute(&mut s, |ctx, pid| {
        Box::pin(async move {
            ctx.exit_signal(pid, Term::atom("kill"));
            ctx.sleep(1).await;
            gen_server::call(&ctx, pid, Term::atom("ping"), None).await;
            Term::atom("unreachable")
        })
    });
    s.settle();
    let server = server.borrow().unwrap();
    let want = term("{:noproc, {:gen_server, :call, [$s, :ping, :infinity]}}", &[("s", server)]);
    assert_eq!(s.exit_reason(client), Some(want));
}

#[test]
fn gen_server_call_to_a_server_that_dies_meanwhile_exits_with_its_reason() {
    let mut s = Sys::new(14);
    let (client, server) = client_of_mute(&mut s, |ctx, pid| {
        Box::pin(async move {
            // Another process crashes the server while the call waits.
            ctx.spawn(SpawnOpts::default(), move |c| async move {
                c.sleep(5).await;
                c.exit_signal(pid, Term::atom("crash"));
                Term::atom("normal")
            });
            gen_server::call(&ctx, pid, Term::atom("hang"), None).await;
            Term::atom("unreachable")
        })
    });
    s.settle();
    let server = server.borrow().unwrap();
    let want = term("{:crash, {:gen_server, :call, [$s, :hang, :infinity]}}", &[("s", server)]);
    assert_eq!(s.exit_reason(client), Some(want));
}

#[test]
fn a_panic_in_a_body_is_an_exit_and_the_runtime_goes_on() {
    let mut s = Sys::new(15);
    let bad = s.rt.spawn(SpawnOpts::default(), |ctx| async move {
        ctx.sleep(1).await;
        if ctx.pid().0 > 0 {
            panic!("deliberate test panic");
        }
        Term::atom("normal")
    });
    let watcher_saw = Rc::new(RefCell::new(None));
    let w = watcher_saw.clone();
    s.rt.spawn(SpawnOpts { trap_exit: true, ..Default::default() }, move |ctx| async move {
        ctx.link(bad);
        *w.borrow_mut() = ctx.receive().await;
        // This process keeps running after the panic.
        ctx.sleep(10).await;
        Term::atom("done")
    });
    s.settle();
    let reason = term("{:panic, \"deliberate test panic\"}", &[]);
    assert_eq!(s.exit_reason(bad), Some(reason.clone()));
    assert_eq!(*watcher_saw.borrow(), Some(term("{:EXIT, $b, {:panic, \"deliberate test panic\"}}", &[("b", bad)])));
    assert_eq!(s.exits().last().map(|e| e.1.clone()), Some(atom("done")));
}

#[test]
fn pids_are_never_reused() {
    let mut s = Sys::new(16);
    let a = s.exits_on_message(atom("normal"));
    s.send(a, atom("go"));
    s.settle();
    let b = s.actor(false);
    assert!(b.0 > a.0);
    assert!(s.rt.info(a).is_none());
    assert!(s.rt.apply(Command::Send { to: a, msg: atom("x") }).is_err());
}

#[test]
fn a_receive_timeout_survives_a_non_matching_wakeup() {
    // Regression: a non-matching message made the waiting process runnable;
    // the timer then fired before it was polled (here: it was suspended)
    // and was ignored, so the receive waited forever.
    let mut s = Sys::new(17);
    let out = Rc::new(RefCell::new(None));
    let o = out.clone();
    let p = s.rt.spawn(SpawnOpts::default(), move |ctx| async move {
        let got = ctx.receive_match(|m| *m == Term::atom("wanted"), Some(10)).await;
        *o.borrow_mut() = Some(got);
        Term::atom("normal")
    });
    s.rt.run_until_idle(1000);
    s.rt.apply(Command::Suspend { pid: p }).unwrap();
    s.send(p, atom("other"));
    s.rt.run_for(VTime::from_ms(20));
    s.rt.apply(Command::Resume { pid: p }).unwrap();
    s.settle();
    assert_eq!(*out.borrow(), Some(None), "the receive timed out");
    assert_eq!(s.exit_reason(p), Some(atom("normal")));
}

#[test]
fn trace_flags_die_with_the_process() {
    let mut s = Sys::new(18);
    let p = s.exits_on_message(atom("normal"));
    s.rt.apply(Command::Trace { pid: p, kinds: u32::MAX }).unwrap();
    s.send(p, atom("go"));
    s.settle();
    assert_eq!(s.rt.bus(|b| b.trace_flags(p)), otpsim::runtime::KindMask::NONE);
}

#[test]
fn a_dead_wait_leaves_no_timer_behind() {
    let mut s = Sys::new(19);
    let p = s.rt.spawn(SpawnOpts::default(), |ctx| async move {
        ctx.receive_timeout(60_000).await;
        Term::atom("normal")
    });
    s.rt.run_until_idle(1000);
    s.rt.apply(Command::Exit { pid: p, reason: atom("kill") }).unwrap();
    s.settle();
    // Had the minute-long timer stayed, settling would have jumped there.
    assert!(s.rt.now() < VTime::from_ms(1), "{:?}", s.rt.now());
    assert!(s.rt.kernel_ref().next_timer().is_none());
}

#[test]
fn spawning_for_a_dead_parent_leaves_no_half_link_or_monitor() {
    let mut s = Sys::new(20);
    let parent = s.exits_on_message(atom("normal"));
    s.send(parent, atom("go"));
    s.settle();
    // A linked child of a dead parent learns of it as a link to it would:
    // a `noproc` exit signal.
    let child = s.rt.spawn_child(parent, SpawnOpts::linked(), |ctx| async move {
        ctx.receive().await;
        Term::atom("normal")
    });
    s.settle();
    assert_eq!(s.exit_reason(child), Some(atom("noproc")));
    // A monitored child of a dead parent keeps no entry for it.
    let opts = SpawnOpts { monitor: true, ..Default::default() };
    let child = s.rt.spawn_child(parent, opts, |ctx| async move {
        ctx.receive().await;
        Term::atom("normal")
    });
    s.settle();
    let info = s.rt.info(child).unwrap();
    assert!(info.links.is_empty() && info.monitored_by.is_empty(), "{info:?}");
}

#[test]
fn demonitor_and_unlink_before_death_stop_the_signal() {
    // A removed monitor delivers no DOWN; a removed link carries no exit.
    let mut s = Sys::new(21);
    let target = s.exits_on_message(atom("boom"));
    let inbox = s.inbox.clone();
    let watcher = s.rt.spawn(SpawnOpts { trap_exit: true, ..Default::default() }, move |ctx| async move {
        let r = ctx.monitor(target);
        ctx.link(target);
        ctx.demonitor(r, false);
        ctx.unlink(target);
        common::actor_loop(ctx, inbox).await
    });
    let bystander = s.actor(false);
    s.send(bystander, ctl("$link", vec![Term::Pid(target)]));
    s.send(bystander, ctl("$unlink", vec![Term::Pid(target)]));
    s.settle();
    s.send(target, atom("go"));
    s.settle();
    assert_eq!(s.exit_reason(target), Some(atom("boom")));
    assert_eq!(s.received(watcher), vec![]);
    assert!(s.rt.is_alive(bystander), "an unlinked process is not taken down");
}
