//! The cascade worker: calls through its dependencies, the circuit breaker,
//! retries with backoff, fallbacks, and link versus monitor mode.

use super::harness::{call, call_name, down_reason, field, harness, rec, start, t};
use crate::term::Term;
use serde_json::json;

#[test]
fn cascade_chain_calls_through_its_dependencies() {
    let out = harness(1, 2_000, |ctx, log| async move {
        start(&ctx, "stateful", json!({}), Some("store")).await;
        start(&ctx, "cascade", json!({"deps": ["store"]}), Some("mid")).await;
        let top = start(&ctx, "cascade", json!({"deps": ["mid"]}), Some("top")).await;
        rec(&log, &ctx, "work", call(&ctx, top, "{:work, {:inc, 2}}").await);
        rec(&log, &ctx, "store", call_name(&ctx, "store", ":get").await);
    });
    out.is("work", "{:ok, [{:ok, [{:ok, 2}]}]}");
    out.is("store", "2");
}

#[test]
fn breaker_opens_after_threshold_and_half_opens_after_reset_time() {
    let out = harness(1, 10_000, |ctx, log| async move {
        let c =
            start(&ctx, "cascade", json!({"deps": ["flaky"], "breaker_threshold": 3, "breaker_reset_ms": 1000}), None)
                .await;
        for i in 0..3 {
            let r = call(&ctx, c, "{:work, :x}").await;
            rec(&log, &ctx, "fail", r);
            let st = call(&ctx, c, ":status").await;
            rec(&log, &ctx, &format!("breaker{i}"), field(&st, &["flaky", "breaker"]));
        }
        rec(&log, &ctx, "opened_at", Term::Int(ctx.now().as_ms() as i64));
        rec(&log, &ctx, "short", call(&ctx, c, "{:work, :x}").await);
        ctx.sleep(999).await;
        rec(&log, &ctx, "before_reset", field(&call(&ctx, c, ":status").await, &["flaky", "breaker"]));
        ctx.sleep(2).await;
        rec(&log, &ctx, "after_reset", field(&call(&ctx, c, ":status").await, &["flaky", "breaker"]));
        // The trial call fails (still no such process): open again.
        call(&ctx, c, "{:work, :x}").await;
        rec(&log, &ctx, "trial_failed", field(&call(&ctx, c, ":status").await, &["flaky", "breaker"]));
        // Now the dependency appears; after the reset the trial succeeds.
        start(&ctx, "stateful", json!({}), Some("flaky")).await;
        ctx.sleep(1_001).await;
        rec(&log, &ctx, "trial", call(&ctx, c, "{:work, :get}").await);
        rec(&log, &ctx, "closed", field(&call(&ctx, c, ":status").await, &["flaky", "breaker"]));
        rec(&log, &ctx, "stats", call(&ctx, c, ":stats").await);
    });
    for r in out.all("fail") {
        assert_eq!(r, t("{:error, {:dep_failed, :flaky, :noproc}}"));
    }
    out.is("breaker0", ":closed");
    out.is("breaker1", ":closed");
    out.is("breaker2", ":open");
    out.is("short", "{:error, {:dep_failed, :flaky, :circuit_open}}");
    out.is("before_reset", ":open");
    out.is("after_reset", ":half_open");
    out.is("trial_failed", ":open");
    out.is("trial", "{:ok, [0]}");
    out.is("closed", ":closed");
    assert_eq!(field(&out.get("stats"), &["short_circuited"]), Term::Int(1));
}

#[test]
fn retry_backs_off_exponentially_in_virtual_time() {
    let out = harness(1, 10_000, |ctx, log| async move {
        let c = start(
            &ctx,
            "cascade",
            json!({"deps": ["missing"], "recovery": "retry", "retries": 3, "backoff_ms": 100, "breaker_threshold": 100}),
            None,
        )
        .await;
        let t0 = ctx.now().as_ms();
        rec(&log, &ctx, "t0", Term::Int(t0 as i64));
        rec(&log, &ctx, "result", call(&ctx, c, "{:work, 1}").await);
        rec(&log, &ctx, "stats", call(&ctx, c, ":stats").await);
    });
    out.is("result", "{:error, {:dep_failed, :missing, :noproc}}");
    let t0 = out.get("t0").as_int().unwrap_or(0) as u64;
    // 100 + 200 + 400 ms of backoff between four attempts.
    assert_eq!(out.at("result") - t0, 700);
    assert_eq!(field(&out.get("stats"), &["retries"]), Term::Int(3));
}

#[test]
fn fallback_replaces_a_failed_dependency() {
    let out = harness(1, 2_000, |ctx, log| async move {
        let c = start(
            &ctx,
            "cascade",
            json!({"deps": ["missing"], "recovery": "fallback", "fallback": "{:cached, 0}"}),
            None,
        )
        .await;
        rec(&log, &ctx, "r", call(&ctx, c, "{:work, 1}").await);
    });
    out.is("r", "{:ok, [{:cached, 0}]}");
}

#[test]
fn link_mode_propagates_failure_and_monitor_mode_opens_the_breaker() {
    let out = harness(1, 5_000, |ctx, log| async move {
        let dep = start(&ctx, "stateful", json!({}), Some("dep")).await;
        let linked = start(&ctx, "cascade", json!({"deps": ["dep"], "mode": "link"}), None).await;
        let watching =
            start(&ctx, "cascade", json!({"deps": ["dep"], "mode": "monitor", "breaker_reset_ms": 500}), None).await;
        let mref = ctx.monitor(linked);
        let _ = mref;
        ctx.exit_signal(dep, t(":boom"));
        rec(&log, &ctx, "linked", down_reason(&ctx, linked).await);
        ctx.sleep(10).await;
        rec(&log, &ctx, "watching_alive", Term::bool(ctx.is_alive(watching)));
        let st = call(&ctx, watching, ":status").await;
        rec(&log, &ctx, "breaker", field(&st, &["dep", "breaker"]));
        rec(&log, &ctx, "down", field(&st, &["dep", "down"]));
        // The dependency comes back; the watcher ties itself to the new pid.
        let dep2 = start(&ctx, "stateful", json!({}), Some("dep")).await;
        ctx.sleep(600).await;
        let st = call(&ctx, watching, ":status").await;
        rec(&log, &ctx, "repid", Term::bool(field(&st, &["dep", "pid"]) == Term::Pid(dep2)));
        rec(&log, &ctx, "work", call(&ctx, watching, "{:work, :get}").await);
    });
    out.is("linked", ":boom");
    out.is("watching_alive", "true");
    out.is("breaker", ":open");
    out.is("down", "1");
    out.is("repid", "true");
    out.is("work", "{:ok, [0]}");
}
