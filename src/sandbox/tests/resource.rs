//! The resource pool: checkout and checkin, queueing with deadlines,
//! reclaiming a dead borrower's resource, leaks and overload.

use super::harness::{call, harness, rec, start, t};
use crate::otp::gen_server;
use crate::runtime::SpawnOpts;
use crate::term::Term;
use serde_json::json;

#[test]
fn checkout_within_capacity_and_checkin() {
    let out = harness(1, 1_000, |ctx, log| async move {
        let p = start(&ctx, "resource", json!({"size": 2}), None).await;
        rec(&log, &ctx, "a", call(&ctx, p, "{:checkout, 100}").await);
        rec(&log, &ctx, "b", call(&ctx, p, ":checkout").await);
        rec(&log, &ctx, "work", call(&ctx, p, "{:work, :x}").await);
        gen_server::cast(&ctx, p, t("{:checkin, :conn_1}"));
        rec(&log, &ctx, "c", call(&ctx, p, "{:checkout, 100}").await);
        rec(&log, &ctx, "bad_checkin", call(&ctx, p, "{:checkin, :conn_9}").await);
        let st = call(&ctx, p, ":stats").await;
        rec(&log, &ctx, "checkouts", st.map_get(&Term::atom("checkouts")).cloned().unwrap_or(Term::nil()));
    });
    out.is("a", "{:ok, :conn_1}");
    out.is("b", "{:ok, :conn_2}");
    out.is("work", "{:error, :exhausted}");
    out.is("c", "{:ok, :conn_1}");
    out.is("bad_checkin", "{:error, {:not_checked_out, :conn_9}}");
    out.is("checkouts", "3");
}

#[test]
fn checkout_beyond_capacity_queues_then_times_out_at_the_deadline() {
    let out = harness(1, 5_000, |ctx, log| async move {
        let p = start(&ctx, "resource", json!({"size": 1}), None).await;
        call(&ctx, p, ":checkout").await;
        let t0 = ctx.now().as_ms();
        rec(&log, &ctx, "t0", Term::Int(t0 as i64));
        rec(&log, &ctx, "timed_out", call(&ctx, p, "{:checkout, 250}").await);
        // A waiter that is served when the resource comes back.
        let l2 = log.clone();
        ctx.spawn(SpawnOpts::default(), move |c| async move {
            let r = call(&c, p, "{:checkout, 1000}").await;
            rec(&l2, &c, "served", r);
            Term::atom("normal")
        });
        ctx.sleep(100).await;
        rec(
            &log,
            &ctx,
            "waiting",
            call(&ctx, p, ":state").await.map_get(&Term::atom("waiting")).cloned().unwrap_or(Term::nil()),
        );
        gen_server::cast(&ctx, p, t("{:checkin, :conn_1}"));
        ctx.sleep(10).await;
        let st = call(&ctx, p, ":stats").await;
        rec(&log, &ctx, "timeouts", st.map_get(&Term::atom("timeouts")).cloned().unwrap_or(Term::nil()));
    });
    out.is("timed_out", "{:error, :timeout}");
    let t0 = out.get("t0").as_int().unwrap_or(0) as u64;
    assert_eq!(out.at("timed_out") - t0, 250, "the waiter times out exactly at its deadline");
    assert_eq!(out.get("waiting").as_list().map(|l| l.len()), Some(1));
    out.is("served", "{:ok, :conn_1}");
    assert!(out.at("served") >= out.at("waiting"));
    out.is("timeouts", "1");
}

#[test]
fn a_dead_borrowers_resource_is_reclaimed() {
    let out = harness(1, 2_000, |ctx, log| async move {
        let p = start(&ctx, "resource", json!({"size": 1}), None).await;
        let borrower = ctx.spawn(SpawnOpts::default(), move |c| async move {
            call(&c, p, ":checkout").await;
            c.sleep(100).await;
            Term::atom("crashed_holding_it")
        });
        ctx.sleep(10).await;
        rec(&log, &ctx, "held", call(&ctx, p, "{:checkout, 0}").await);
        let _ = borrower;
        ctx.sleep(200).await;
        rec(&log, &ctx, "after", call(&ctx, p, "{:checkout, 0}").await);
        let st = call(&ctx, p, ":stats").await;
        rec(&log, &ctx, "reclaimed", st.map_get(&Term::atom("reclaimed")).cloned().unwrap_or(Term::nil()));
    });
    out.is("held", "{:error, :timeout}");
    out.is("after", "{:ok, :conn_1}");
    out.is("reclaimed", "1");
}

#[test]
fn every_nth_checkout_leaks_until_repaired() {
    let out = harness(1, 2_000, |ctx, log| async move {
        let p = start(&ctx, "resource", json!({"size": 2, "leak_every": 2}), None).await;
        for i in 0..4 {
            let r = call(&ctx, p, "{:checkout, 0}").await;
            rec(&log, &ctx, "co", r.clone());
            if let Some([_, res]) = r.as_tuple() {
                if i % 2 == 0 {
                    gen_server::cast(&ctx, p, Term::tuple(vec![Term::atom("checkin"), res.clone()]));
                }
            }
        }
        rec(&log, &ctx, "exhausted", call(&ctx, p, "{:checkout, 0}").await);
        rec(
            &log,
            &ctx,
            "leaked",
            call(&ctx, p, ":state").await.map_get(&Term::atom("leaked")).cloned().unwrap_or(Term::nil()),
        );
        rec(&log, &ctx, "repair", call(&ctx, p, ":repair").await);
        rec(&log, &ctx, "after", call(&ctx, p, "{:checkout, 0}").await);
    });
    assert_eq!(out.all("co"), vec![t("{:ok, :conn_1}"), t("{:ok, :conn_2}"), t("{:ok, :conn_1}"), t("{:ok, :conn_1}")]);
    out.is("exhausted", "{:error, :timeout}");
    out.is("leaked", "[:conn_2, :conn_1]");
    out.is("repair", "{:ok, 2}");
    out.is("after", "{:ok, :conn_2}");
}

#[test]
fn a_full_wait_queue_answers_overloaded() {
    let out = harness(1, 2_000, |ctx, log| async move {
        let p = start(&ctx, "resource", json!({"size": 1, "max_waiting": 2}), None).await;
        call(&ctx, p, ":checkout").await;
        for _ in 0..2 {
            let l2 = log.clone();
            ctx.spawn(SpawnOpts::default(), move |c| async move {
                let r = call(&c, p, "{:checkout, 500}").await;
                rec(&l2, &c, "waiter", r);
                Term::atom("normal")
            });
        }
        ctx.sleep(10).await;
        rec(&log, &ctx, "third", call(&ctx, p, "{:checkout, 500}").await);
        let st = call(&ctx, p, ":stats").await;
        rec(&log, &ctx, "overloaded", st.map_get(&Term::atom("overloaded")).cloned().unwrap_or(Term::nil()));
        rec(&log, &ctx, "peak", st.map_get(&Term::atom("peak_waiting")).cloned().unwrap_or(Term::nil()));
        // Keep holding the resource until the waiters have timed out (the
        // driver's exit would hand it to them).
        ctx.sleep(600).await;
    });
    out.is("third", "{:error, :overloaded}");
    out.is("overloaded", "1");
    out.is("peak", "2");
    assert_eq!(out.all("waiter"), vec![t("{:error, :timeout}"), t("{:error, :timeout}")]);
}
