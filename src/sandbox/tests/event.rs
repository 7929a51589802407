//! The event hub: topic routing, priorities, drain rate, overflow policies,
//! dead letters and unsubscribing.

use super::harness::{call, collector, harness, rec, start, t};
use crate::otp::gen_server;
use crate::runtime::{Ctx, SpawnOpts};
use crate::term::{Pid, Term};
use serde_json::json;

fn subscribe(ctx: &Ctx, hub: Pid, topic: &str, pid: Pid) {
    gen_server::cast(ctx, hub, Term::tuple(vec![Term::atom("subscribe"), Term::str(topic), Term::Pid(pid)]));
}

#[test]
fn events_route_by_exact_topic_and_prefix_wildcard() {
    let out = harness(1, 2_000, |ctx, log| async move {
        let hub = start(&ctx, "event", json!({"tick_ms": 10}), None).await;
        let exact = collector(&ctx, &log, "exact");
        let wild = collector(&ctx, &log, "wild");
        let all = collector(&ctx, &log, "all");
        subscribe(&ctx, hub, "orders.new", exact);
        subscribe(&ctx, hub, "orders.*", wild);
        subscribe(&ctx, hub, "*", all);
        rec(&log, &ctx, "sub_call", call(&ctx, hub, "{:subscribe, \"mine\"}").await);
        for m in ["{:publish, \"orders.new\", 1}", "{:publish, \"orders.paid\", 2}", "{:publish, \"users.new\", 3}"] {
            rec(&log, &ctx, "pub", call(&ctx, hub, m).await);
        }
        ctx.sleep(50).await;
        rec(&log, &ctx, "subs", call(&ctx, hub, ":subscriptions").await);
    });
    out.is("sub_call", ":ok");
    assert_eq!(out.all("exact"), vec![t("{:event, \"orders.new\", 1}")]);
    assert_eq!(out.all("wild"), vec![t("{:event, \"orders.new\", 1}"), t("{:event, \"orders.paid\", 2}")]);
    assert_eq!(out.all("all").len(), 3);
    assert_eq!(out.get("subs").as_map().map(|m| m.len()), Some(4));
}

#[test]
fn priority_events_are_delivered_before_queued_normal_ones() {
    let out = harness(1, 2_000, |ctx, log| async move {
        let hub = start(&ctx, "event", json!({"tick_ms": 100, "drain_rate": 100}), None).await;
        let c = collector(&ctx, &log, "got");
        subscribe(&ctx, hub, "t", c);
        for i in 1..=3 {
            call(&ctx, hub, &format!("{{:publish, \"t\", {i}}}")).await;
        }
        call(&ctx, hub, "{:publish_priority, \"t\", :urgent}").await;
        ctx.sleep(200).await;
    });
    let payloads: Vec<Term> = out.all("got").iter().filter_map(|e| e.as_tuple().map(|t| t[2].clone())).collect();
    assert_eq!(payloads, vec![t(":urgent"), t("1"), t("2"), t("3")]);
}

#[test]
fn drain_rate_limits_deliveries_per_tick() {
    let out = harness(1, 2_000, |ctx, log| async move {
        let hub = start(&ctx, "event", json!({"tick_ms": 100, "drain_rate": 2}), None).await;
        let c = collector(&ctx, &log, "got");
        subscribe(&ctx, hub, "t", c);
        let t0 = ctx.now().as_ms();
        rec(&log, &ctx, "t0", Term::Int(t0 as i64));
        for i in 1..=5 {
            call(&ctx, hub, &format!("{{:publish, \"t\", {i}}}")).await;
        }
        ctx.sleep(500).await;
    });
    let t0 = out.get("t0").as_int().unwrap_or(0) as u64;
    let times: Vec<u64> = out.0.iter().filter(|(l, _, _)| l == "got").map(|(_, at, _)| (at - t0) / 100).collect();
    assert_eq!(times, vec![1, 1, 2, 2, 3]);
}

#[test]
fn overflow_policies_drop_oldest_drop_newest_or_refuse() {
    let out = harness(1, 2_000, |ctx, log| async move {
        for (label, policy) in [("oldest", "drop_oldest"), ("newest", "drop_newest"), ("block", "block")] {
            let hub = start(&ctx, "event", json!({"tick_ms": 100, "queue_size": 3, "overflow": policy}), None).await;
            let c = collector(&ctx, &log, label);
            subscribe(&ctx, hub, "t", c);
            for i in 1..=5 {
                let r = call(&ctx, hub, &format!("{{:publish, \"t\", {i}}}")).await;
                rec(&log, &ctx, &format!("{label}_reply"), r);
            }
            let st = call(&ctx, hub, ":stats").await;
            rec(&log, &ctx, &format!("{label}_stats"), st);
        }
        ctx.sleep(300).await;
    });
    let payloads =
        |l: &str| -> Vec<Term> { out.all(l).iter().filter_map(|e| e.as_tuple().map(|t| t[2].clone())).collect() };
    assert_eq!(payloads("oldest"), vec![t("3"), t("4"), t("5")]);
    assert_eq!(payloads("newest"), vec![t("1"), t("2"), t("3")]);
    assert_eq!(payloads("block"), vec![t("1"), t("2"), t("3")]);
    assert_eq!(out.all("block_reply")[3], t("{:error, :full}"));
    assert_eq!(out.all("newest_reply")[4], t("{:ok, :dropped}"));
    assert_eq!(out.get("oldest_stats").map_get(&Term::atom("dropped")), Some(&Term::Int(2)));
    assert_eq!(out.get("block_stats").map_get(&Term::atom("refused")), Some(&Term::Int(2)));
}

#[test]
fn dead_letters_collect_undeliverable_events_and_dead_subscribers_are_removed() {
    let out = harness(1, 2_000, |ctx, log| async move {
        let hub = start(&ctx, "event", json!({"tick_ms": 10, "dead_letter_size": 3}), None).await;
        call(&ctx, hub, "{:publish, \"nobody\", 1}").await;
        // A subscriber that dies before the event is drained: its event is
        // dead-lettered, and its DOWN removes its subscription.
        let short = ctx.spawn(SpawnOpts::default(), |c| async move {
            c.sleep(5).await;
            Term::atom("normal")
        });
        subscribe(&ctx, hub, "short", short);
        call(&ctx, hub, "{:publish, \"short\", 2}").await;
        ctx.sleep(50).await;
        rec(&log, &ctx, "dl", call(&ctx, hub, ":dead_letters").await);
        rec(&log, &ctx, "subs", call(&ctx, hub, ":subscriptions").await);
        for i in 3..=6 {
            call(&ctx, hub, &format!("{{:publish, \"nobody\", {i}}}")).await;
        }
        ctx.sleep(50).await;
        rec(&log, &ctx, "bounded", call(&ctx, hub, ":dead_letters").await);
        rec(&log, &ctx, "clear", call(&ctx, hub, ":clear_dead_letters").await);
    });
    let dl = out.get("dl");
    let reasons: Vec<Term> =
        dl.as_list().unwrap_or(&[]).iter().filter_map(|d| d.map_get(&Term::atom("reason")).cloned()).collect();
    // The subscriber died at 5 ms, before the first drain tick at 10 ms:
    // its DOWN arrived first and removed it, so nobody is subscribed.
    assert_eq!(reasons, vec![t(":no_subscribers"), t(":no_subscribers")]);
    out.is("subs", "%{}");
    let payloads: Vec<Term> = out
        .get("bounded")
        .as_list()
        .unwrap_or(&[])
        .iter()
        .filter_map(|d| d.map_get(&Term::atom("payload")).cloned())
        .collect();
    assert_eq!(payloads, vec![t("4"), t("5"), t("6")]);
    out.is("clear", "{:ok, 3}");
}

#[test]
fn dead_and_unregistered_subscribers_are_dead_lettered() {
    let out = harness(1, 2_000, |ctx, log| async move {
        let hub = start(&ctx, "event", json!({"tick_ms": 100}), None).await;
        // Subscribe a pid that is already dead: the monitor's DOWN
        // (noproc) removes it, and the event finds nobody.
        let dead = ctx.spawn(SpawnOpts::default(), |_c| async move { Term::atom("normal") });
        ctx.sleep(1).await;
        subscribe(&ctx, hub, "x", dead);
        call(&ctx, hub, "{:publish, \"x\", 1}").await;
        ctx.sleep(200).await;
        rec(&log, &ctx, "dl", call(&ctx, hub, ":dead_letters").await);
        let named = start(&ctx, "event", json!({"tick_ms": 10, "subscriptions": {"y": ["ghost"]}}), None).await;
        call(&ctx, named, "{:publish, \"y\", 2}").await;
        ctx.sleep(50).await;
        rec(&log, &ctx, "named", call(&ctx, named, ":dead_letters").await);
    });
    let reason = |l: &str| {
        out.get(l).as_list().and_then(|l| l.first().cloned()).and_then(|d| d.map_get(&Term::atom("reason")).cloned())
    };
    assert_eq!(reason("dl"), Some(t(":no_subscribers")));
    assert_eq!(reason("named"), Some(t("{:noproc, :ghost}")));
}

#[test]
fn unsubscribe_stops_delivery() {
    let out = harness(1, 2_000, |ctx, log| async move {
        let hub = start(&ctx, "event", json!({"tick_ms": 10}), None).await;
        let c = collector(&ctx, &log, "got");
        subscribe(&ctx, hub, "a.*", c);
        call(&ctx, hub, "{:publish, \"a.1\", 1}").await;
        ctx.sleep(50).await;
        gen_server::cast(&ctx, hub, Term::tuple(vec![Term::atom("unsubscribe"), Term::str("a.*"), Term::Pid(c)]));
        call(&ctx, hub, "{:publish, \"a.2\", 2}").await;
        ctx.sleep(50).await;
        rec(&log, &ctx, "dl", call(&ctx, hub, ":dead_letters").await);
    });
    assert_eq!(out.all("got"), vec![t("{:event, \"a.1\", 1}")]);
    assert_eq!(out.get("dl").as_list().map(|l| l.len()), Some(1));
}
