//! GenServer modules under a supervisor, against real Elixir: every
//! scenario of `tests/elixir/genserver_scenarios.exs` (a module, its
//! argument, restart type, intensity and steps from outside) runs here as
//! `tests/elixir/record_genservers.exs` ran it on Elixir 1.14 / OTP 25, and
//! each step's line (what the caller got, whether the child was restarted,
//! is alive, and whether the supervisor is) must be the recorded one.

use std::cell::RefCell;
use std::rc::Rc;

use otpsim::lang::{eval_source, exception_line, inspect, start_fn, Code};
use otpsim::otp::gen_server::{cast, try_call, Server};
use otpsim::otp::supervisor::{self, ChildSpec, ChildType, Flags, InitFn, RestartType, Shutdown, Strategy, SupInit};
use otpsim::otp::StartResult;
use otpsim::runtime::{Ctx, Runtime, SpawnOpts, VTime};
use otpsim::term::{Atom, Term};

struct Scenario {
    name: String,
    arg: Term,
    restart: RestartType,
    intensity: u32,
    module: String,
    steps: Vec<Term>,
}

fn field<'a>(m: &'a Term, k: &str) -> &'a Term {
    m.map_get(&Term::atom(k)).unwrap_or_else(|| panic!("scenario without {k}: {m}"))
}

fn scenarios() -> Vec<Scenario> {
    let (list, _) = eval_source(include_str!("elixir/genserver_scenarios.exs")).expect("the scenarios parse");
    let list = list.unwrap_or_else(|e| panic!("the scenarios evaluate: {}", otpsim::lang::describe(&e)));
    list.as_list()
        .expect("a list of scenarios")
        .iter()
        .map(|m| Scenario {
            name: field(m, "name").as_str().unwrap_or_default().to_string(),
            arg: field(m, "arg").clone(),
            restart: match field(m, "restart").as_atom().map(|a| a.name().to_string()).as_deref() {
                Some("temporary") => RestartType::Temporary,
                Some("transient") => RestartType::Transient,
                _ => RestartType::Permanent,
            },
            intensity: field(m, "intensity").as_int().unwrap_or(3) as u32,
            module: field(m, "module").as_str().unwrap_or_default().to_string(),
            steps: field(m, "steps").as_list().unwrap_or(&[]).to_vec(),
        })
        .collect()
}

/// A failed call's reason as the recorder shows it.
fn short(reason: &Term) -> String {
    if let Some([e, Term::List(_)]) = reason.as_tuple() {
        return exception_line(e).unwrap_or_else(|| inspect(e));
    }
    inspect(reason)
}

async fn run_steps(ctx: &Ctx, s: &Scenario, code: Rc<Code>) -> Vec<String> {
    ctx.trap_exit(true);
    let w = Atom::new("w");
    let spec = ChildSpec {
        id: Term::atom("w"),
        start: start_fn(code, Atom::new("Elixir.W"), s.arg.clone(), Some(w)),
        args: vec![],
        restart: s.restart,
        shutdown: Shutdown::Timeout(5000),
        child_type: ChildType::Worker,
        modules: vec![],
    };
    let flags = Flags { strategy: Strategy::OneForOne, intensity: s.intensity, period_s: 5 };
    let init: InitFn = Box::new(move |_ctx| Box::pin(async move { SupInit::Ok(flags, vec![spec]) }));
    let StartResult::Ok(sup) = supervisor::start_link(ctx, None, init).await else {
        return vec!["the supervisor did not start".into()];
    };
    ctx.sleep(10).await;
    let mut lines = Vec::new();
    for step in &s.steps {
        let before = ctx.whereis(w);
        let got = match step.as_tuple() {
            Some([k, req]) if k.is_atom(Atom::new("call")) => {
                match try_call(ctx, Server::Name(w), req.clone(), Some(1000)).await {
                    Ok(r) => format!("reply {}", inspect(&r)),
                    Err(reason) => format!("exit {}", short(&reason)),
                }
            }
            Some([k, msg]) if k.is_atom(Atom::new("cast")) => {
                if let Some(p) = before {
                    cast(ctx, p, msg.clone());
                }
                "ok".into()
            }
            Some([k, msg]) if k.is_atom(Atom::new("send")) => {
                if let Some(p) = before {
                    ctx.send(p, msg.clone());
                }
                "ok".into()
            }
            Some([k, Term::Int(ms)]) if k.is_atom(Atom::new("sleep")) => {
                ctx.sleep(*ms as u64).await;
                "ok".into()
            }
            Some([k, reason]) if k.is_atom(Atom::new("kill")) => {
                if let Some(p) = before {
                    ctx.exit_signal(p, reason.clone());
                }
                "ok".into()
            }
            _ => format!("unknown step {step}"),
        };
        ctx.sleep(20).await;
        let now = ctx.whereis(w);
        let restarted = before.is_some() && now.is_some() && before != now;
        lines.push(format!(
            "{} -> {got} | restarted: {restarted} | alive: {} | supervisor: {}",
            inspect(step),
            now.is_some(),
            ctx.is_alive(sup)
        ));
    }
    lines
}

#[test]
fn genserver_scenarios_match_elixir() {
    let recorded = include_str!("elixir/genserver_scenarios.txt");
    let mut want: Vec<(String, Vec<String>)> = Vec::new();
    for line in recorded.lines() {
        match line.strip_prefix("## ") {
            Some(name) => want.push((name.to_string(), Vec::new())),
            None => {
                if let Some((_, lines)) = want.last_mut() {
                    lines.push(line.to_string());
                }
            }
        }
    }
    let all = scenarios();
    assert!(all.len() >= 20, "only {} scenarios", all.len());
    assert_eq!(all.len(), want.len(), "the recording is out of date: run elixir tests/elixir/record_genservers.exs");
    let mut failures = Vec::new();
    for (s, (name, expected)) in all.iter().zip(&want) {
        assert_eq!(&s.name, name, "the recording is out of date");
        let code = Code::new();
        if let Err(e) = code.load(&s.module) {
            failures.push(format!("## {name}\n    does not compile: {e}"));
            continue;
        }
        let mut rt = Runtime::with_seed(1);
        let out: Rc<RefCell<Vec<String>>> = Rc::default();
        let o = out.clone();
        let scenario =
            Scenario { steps: s.steps.clone(), module: String::new(), name: s.name.clone(), arg: s.arg.clone(), ..*s };
        rt.spawn(SpawnOpts::default(), move |ctx| async move {
            let lines = run_steps(&ctx, &scenario, code).await;
            *o.borrow_mut() = lines;
            Term::atom("normal")
        });
        rt.run_until(rt.now() + VTime::from_ms(60_000));
        let got = out.borrow().clone();
        if &got != expected {
            let mut report = format!("## {name}");
            for i in 0..got.len().max(expected.len()) {
                let (g, w) = (got.get(i).map_or("", String::as_str), expected.get(i).map_or("", String::as_str));
                if g != w {
                    report.push_str(&format!("\n    elixir: {w}\n    otpsim: {g}"));
                }
            }
            failures.push(report);
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} scenarios differ from Elixir:\n{}",
        failures.len(),
        all.len(),
        failures.join("\n")
    );
}
