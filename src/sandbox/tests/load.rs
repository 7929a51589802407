//! The load generator: rate, seeded random choice and bursts, pause and
//! resume, call mode with its error counts, and ticks it did not schedule.

use super::harness::{call, call_name, field, harness, named_collector, rec, start, stat, t};
use crate::term::Term;
use serde_json::json;

#[test]
fn load_generator_sends_at_the_configured_rate() {
    let out = harness(1, 1_050, |ctx, log| async move {
        named_collector(&ctx, &log, "sink", "got");
        start(
            &ctx,
            "load",
            json!({"target": "sink", "interval_ms": 100, "mode": "send", "messages": [":a", "{:b, 1}"]}),
            None,
        )
        .await;
    });
    let got = out.all("got");
    assert_eq!(got.len(), 10, "{got:?}");
    assert_eq!(got[0], t(":a"));
    assert_eq!(got[1], t("{:b, 1}"));
    let times: Vec<u64> = out.0.iter().filter(|(l, _, _)| l == "got").map(|(_, at, _)| *at / 100).collect();
    assert_eq!(times, (1..=10).collect::<Vec<u64>>());
}

#[test]
fn load_generator_random_choice_is_seeded_and_bursts() {
    let run = |seed| {
        harness(seed, 1_050, |ctx, log| async move {
            named_collector(&ctx, &log, "sink", "got");
            start(
                &ctx,
                "load",
                json!({"target": "sink", "interval_ms": 100, "mode": "send", "random": true,
                       "messages": [":a", ":b", ":c"], "burst_every": 5, "burst_size": 4}),
                None,
            )
            .await;
        })
        .all("got")
    };
    let a = run(7);
    assert_eq!(a, run(7), "same seed, same messages");
    // 10 ticks, two of them bursts of 4: 8 + 8 messages.
    assert_eq!(a.len(), 16);
    assert!(a.iter().all(|m| [t(":a"), t(":b"), t(":c")].contains(m)));
    assert!(a.iter().any(|m| *m != a[0]), "random choice varies");
}

#[test]
fn load_generator_pauses_resumes_and_casts_to_workers() {
    let out = harness(1, 3_000, |ctx, log| async move {
        start(&ctx, "stateful", json!({}), Some("counter")).await;
        let g = start(&ctx, "load", json!({"target": "counter", "interval_ms": 100, "messages": ["{:inc, 2}"]}), None)
            .await;
        ctx.sleep(1_050).await;
        rec(&log, &ctx, "count1", call_name(&ctx, "counter", ":get").await);
        call(&ctx, g, ":pause").await;
        ctx.sleep(500).await;
        rec(&log, &ctx, "count2", call_name(&ctx, "counter", ":get").await);
        call(&ctx, g, ":resume").await;
        call(&ctx, g, ":resume").await;
        ctx.sleep(1_050).await;
        rec(&log, &ctx, "count3", call_name(&ctx, "counter", ":get").await);
        rec(&log, &ctx, "stats", call(&ctx, g, ":stats").await);
    });
    out.is("count1", "20");
    out.is("count2", "20");
    out.is("count3", "40");
    assert_eq!(field(&out.get("stats"), &["sent"]), Term::Int(20));
}

#[test]
fn load_generator_in_call_mode_counts_error_replies_and_missing_targets() {
    let out = harness(1, 1_050, |ctx, log| async move {
        start(&ctx, "resource", json!({"size": 1}), Some("tiny")).await;
        let g = start(
            &ctx,
            "load",
            json!({"target": "tiny", "mode": "call", "interval_ms": 100, "messages": ["{:checkout, 10}"]}),
            None,
        )
        .await;
        let lost = start(&ctx, "load", json!({"target": "nobody", "interval_ms": 100}), None).await;
        ctx.sleep(1_020).await;
        rec(&log, &ctx, "g", call(&ctx, g, ":stats").await);
        rec(&log, &ctx, "lost", call(&ctx, lost, ":stats").await);
    });
    // The first checkout succeeds and is never returned; the other nine
    // time out.
    assert_eq!(stat(&out.get("g"), &["sent"]), 10);
    assert_eq!(stat(&out.get("g"), &["errors"]), 9);
    assert_eq!(stat(&out.get("lost"), &["no_target"]), 10);
    assert_eq!(stat(&out.get("lost"), &["sent"]), 0);
}

#[test]
fn forged_ticks_cannot_start_a_second_timer_chain() {
    let out = harness(1, 1_050, |ctx, log| async move {
        named_collector(&ctx, &log, "sink", "got");
        let g = start(&ctx, "load", json!({"target": "sink", "interval_ms": 100, "mode": "send"}), None).await;
        let w = start(&ctx, "stateful", json!({"memory": "leak", "memory_tick_ms": 100, "memory_step": 1}), None).await;
        for _ in 0..5 {
            let r = Term::Ref(ctx.make_ref());
            ctx.send(g, Term::tuple(vec![Term::atom("tick"), Term::atom("load"), r.clone()]));
            ctx.send(g, t("{:tick, :load}"));
            ctx.send(w, Term::tuple(vec![Term::atom("tick"), Term::atom("memory"), r]));
        }
        ctx.sleep(1_020).await;
        rec(&log, &ctx, "w", call(&ctx, w, ":state").await);
    });
    assert_eq!(out.all("got").len(), 10);
    // Ten ticks of one item each (with a tick, requests do not grow it).
    assert_eq!(stat(&out.get("w"), &["memory", "payload_items"]), 10);
}
