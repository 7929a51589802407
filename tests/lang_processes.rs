//! Interpreted modules as otpsim processes: a supervised module that raises
//! is restarted with the reason OTP reports, reductions preempt an endless
//! `loop/0`, and hot loading carries a server's state through
//! `code_change/3`.

use std::cell::RefCell;
use std::rc::Rc;

use otpsim::lang::{spawn_call, start_fn, Code};
use otpsim::otp::gen_server::{self, try_call};
use otpsim::otp::supervisor::{self, ChildSpec, ChildType, Flags, InitFn, RestartType, Shutdown, Strategy, SupInit};
use otpsim::otp::StartResult;
use otpsim::runtime::{Ctx, Runtime, SpawnOpts, VTime};
use otpsim::term::{Atom, Term};

const CRASHER: &str = r#"
defmodule Crasher do
  use GenServer

  def init(n), do: {:ok, n}

  def handle_call(:ping, _from, n), do: {:reply, {:pong, n}, n}
  def handle_call({:div, d}, _from, n), do: {:reply, div(n, d), n}
  def handle_call(:raise, _from, _n), do: raise("boom")
end
"#;

fn load(src: &str) -> Rc<Code> {
    let code = Code::new();
    code.load(src).unwrap_or_else(|e| panic!("{e}"));
    code
}

/// Runs `body` as a process and returns what it stored.
fn run(
    rt: &mut Runtime,
    body: impl FnOnce(Ctx, Rc<RefCell<Vec<Term>>>) -> std::pin::Pin<Box<dyn std::future::Future<Output = ()>>> + 'static,
) -> Vec<Term> {
    let out: Rc<RefCell<Vec<Term>>> = Rc::default();
    let o = out.clone();
    rt.spawn(SpawnOpts::default(), move |ctx| async move {
        body(ctx, o).await;
        Term::atom("normal")
    });
    rt.run_until(rt.now() + VTime::from_ms(60_000));
    let v = out.borrow().clone();
    v
}

async fn supervise(ctx: &Ctx, code: Rc<Code>) -> otpsim::term::Pid {
    let spec = ChildSpec {
        id: Term::atom("crasher"),
        start: start_fn(code, Atom::new("Elixir.Crasher"), Term::Int(10), Some(Atom::new("crasher"))),
        args: vec![],
        restart: RestartType::Permanent,
        shutdown: Shutdown::Timeout(1000),
        child_type: ChildType::Worker,
        modules: vec![],
    };
    let init: InitFn = Box::new(move |_ctx| {
        Box::pin(
            async move { SupInit::Ok(Flags { strategy: Strategy::OneForOne, intensity: 5, period_s: 5 }, vec![spec]) },
        )
    });
    match supervisor::start_link(ctx, None, init).await {
        StartResult::Ok(p) => p,
        other => panic!("supervisor failed: {other:?}"),
    }
}

#[test]
fn a_supervised_module_that_raises_is_restarted() {
    let code = load(CRASHER);
    let mut rt = Runtime::with_seed(7);
    // Each case: the request that crashes the server, and the reason its
    // DOWN must carry (the first element of OTP's `{reason, stacktrace}`).
    let cases: Vec<(Term, Term)> = vec![
        (
            Term::atom("raise"),
            otpsim::term::parse("%{__exception__: true, __struct__: RuntimeError, message: \"boom\"}").unwrap(),
        ),
        (Term::tuple(vec![Term::atom("div"), Term::Int(0)]), Term::atom("badarith")),
    ];
    let cases2 = cases.clone();
    let out = run(&mut rt, move |ctx, out| {
        Box::pin(async move {
            ctx.trap_exit(true);
            supervise(&ctx, code).await;
            let name = Atom::new("crasher");
            for (req, _) in cases2 {
                let before = ctx.whereis(name).expect("the server is registered");
                let mref = ctx.monitor(before);
                let r = try_call(&ctx, before, req, Some(1000)).await;
                out.borrow_mut().push(Term::bool(r.is_err()));
                let down = ctx
                    .receive_match(
                        move |m| m.as_tuple().is_some_and(|t| t.len() == 5 && t[1] == Term::Ref(mref)),
                        Some(1000),
                    )
                    .await;
                let reason = down.and_then(|d| d.as_tuple().and_then(|t| t[4].as_tuple().map(|r| r[0].clone())));
                out.borrow_mut().push(reason.unwrap_or_else(Term::nil));
                ctx.sleep(10).await;
                let after = ctx.whereis(name).expect("the server was restarted");
                out.borrow_mut().push(Term::bool(after != before));
                let pong = gen_server::call(&ctx, after, Term::atom("ping"), Some(1000)).await;
                out.borrow_mut().push(pong);
            }
        })
    });
    let mut want = Vec::new();
    for (_, reason) in cases {
        want.extend([Term::bool(true), reason, Term::bool(true), otpsim::term::parse("{:pong, 10}").unwrap()]);
    }
    assert_eq!(out, want);
}

#[test]
fn reductions_preempt_an_endless_loop() {
    let code = load("defmodule Spin do\n  def loop, do: loop()\n  def count(n), do: count(n + 1)\nend");
    let mut rt = Runtime::with_seed(1);
    let spinner = rt.spawn(SpawnOpts::default(), {
        let code = code.clone();
        move |ctx| async move {
            spawn_call(&ctx, code, Atom::new("Elixir.Spin"), Atom::new("loop"), vec![]);
            ctx.receive().await;
            Term::atom("normal")
        }
    });
    // A plain process that ticks every millisecond must keep its pace
    // beside the spinning one.
    let ticks = Rc::new(RefCell::new(0u32));
    let t = ticks.clone();
    rt.spawn(SpawnOpts::default(), move |ctx| async move {
        loop {
            ctx.sleep(1).await;
            *t.borrow_mut() += 1;
        }
    });
    let start = rt.now();
    rt.run_for(VTime::from_ms(50));
    assert!(rt.now() >= start + VTime::from_ms(50), "virtual time moved");
    let n = *ticks.borrow();
    assert!(n >= 10, "the ticking process ran only {n} times in 50 ms beside an endless loop");
    let looping = rt
        .pids()
        .into_iter()
        .filter(|p| *p != spinner)
        .find(|p| rt.info(*p).is_some_and(|i| i.initial_call.as_deref() == Some("Elixir.Spin:loop/0")));
    let looping = looping.expect("the loop process is alive");
    let reds = rt.info(looping).map(|i| i.reductions).unwrap_or(0);
    assert!(reds > 100_000, "the loop burned {reds} reductions");
}

#[test]
fn hot_loading_keeps_state_through_code_change() {
    let v1 = r#"
defmodule Counter do
  use GenServer
  def init(n), do: {:ok, n}
  def handle_call(:inc, _from, n), do: {:reply, n + 1, n + 1}
end
"#;
    let v2 = r#"
defmodule Counter do
  use GenServer
  def init(n), do: {:ok, %{count: n}}
  def code_change(1, n, _extra), do: {:ok, %{count: n, upgraded: true}}
  def handle_call(:inc, _from, s), do: {:reply, {:v2, s.count + 10}, %{s | count: s.count + 10}}
end
"#;
    let code = load(v1);
    let mut rt = Runtime::with_seed(3);
    let c2 = code.clone();
    let out = run(&mut rt, move |ctx, out| {
        Box::pin(async move {
            let start = start_fn(c2.clone(), Atom::new("Elixir.Counter"), Term::Int(0), None);
            let StartResult::Ok(pid) = start(ctx.clone(), vec![]).await else { panic!("start failed") };
            for _ in 0..2 {
                let r = gen_server::call(&ctx, pid, Term::atom("inc"), None).await;
                out.borrow_mut().push(r);
            }
            c2.load(v2).expect("v2 compiles");
            let r = gen_server::call(&ctx, pid, Term::atom("inc"), None).await;
            out.borrow_mut().push(r);
            let state = gen_server::system_call(&ctx, pid, Term::atom("get_state"), None).await;
            out.borrow_mut().push(state.unwrap_or_else(|e| e));
        })
    });
    let want: Vec<Term> = ["1", "2", "{:v2, 12}", "%{count: 12, upgraded: true}"]
        .iter()
        .map(|s| otpsim::term::parse(s).unwrap())
        .collect();
    assert_eq!(out, want);
    assert_eq!(code.version(Atom::new("Elixir.Counter")), Some(2));
}

/// Evaluates on a thread with a 2 MiB stack, the least a native thread
/// gets (the stack guard's native budget assumes it; see `lang/stack.rs`).
fn eval_small_stack(src: &'static str) -> String {
    std::thread::Builder::new()
        .stack_size(2 << 20)
        .spawn(move || match otpsim::lang::eval_source(src) {
            Ok((Ok(v), _)) => otpsim::lang::inspect(&v),
            Ok((Err(r), _)) => otpsim::lang::describe(&r),
            Err(e) => e.to_string(),
        })
        .expect("thread")
        .join()
        .expect("no stack overflow")
}

#[test]
fn deep_recursion_and_nesting_end_in_errors_not_stack_overflows() {
    let cases: &[(&str, &str)] = &[
        ("defmodule D do\n  def f(0), do: 0\n  def f(n), do: 1 + f(n - 1)\nend\nD.f(50)", "50"),
        (
            "defmodule D do\n  def f(0), do: 0\n  def f(n), do: 1 + f(n - 1)\nend\nD.f(100000)",
            "** (SystemLimitError) a system limit has been reached",
        ),
        (
            "f = fn g, 0 -> 0; g, n -> 1 + g.(g, n - 1) end\nf.(f, 100000)",
            "** (SystemLimitError) a system limit has been reached",
        ),
    ];
    for (src, want) in cases {
        assert_eq!(&eval_small_stack(src), want, "{src}");
    }
    let deep: &'static str = Box::leak(format!("{}1{}", "[".repeat(5000), "]".repeat(5000)).into_boxed_str());
    let got = eval_small_stack(deep);
    assert!(got.starts_with("nofile:1:") && got.ends_with(": expression nests too deeply for otpsim"), "{got}");
}
