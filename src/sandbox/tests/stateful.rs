//! The stateful worker: counting, history and rollback, snapshots,
//! persistence through a `Storage`, memory patterns and crash modes.

use super::harness::{call, call_name, down_reason, harness, rec, start, sup, t};
use crate::otp::gen_server;
use crate::sandbox::{start_fn, storage, MemoryStorage, Storage};
use crate::term::{Atom, Term};
use serde_json::json;

#[test]
fn stateful_counts_and_replies() {
    let out = harness(1, 1_000, |ctx, log| async move {
        let w = start(&ctx, "stateful", json!({"initial": 10}), Some("counter")).await;
        rec(&log, &ctx, "inc", call(&ctx, w, "{:inc, 5}").await);
        rec(&log, &ctx, "dec", call(&ctx, w, ":dec").await);
        gen_server::cast(&ctx, w, t("{:inc, 100}"));
        ctx.send(w, t(":inc"));
        rec(&log, &ctx, "get", call(&ctx, w, ":get").await);
        rec(&log, &ctx, "work", call(&ctx, w, "{:work, {:inc, 1}}").await);
        rec(&log, &ctx, "set", call(&ctx, w, "{:set, :hello}").await);
        rec(&log, &ctx, "inc_atom", call(&ctx, w, ":inc").await);
        let st = call(&ctx, w, ":state").await;
        rec(&log, &ctx, "version", st.map_get(&Term::atom("version")).cloned().unwrap_or(Term::nil()));
    });
    out.is("inc", "{:ok, 15}");
    out.is("dec", "{:ok, 14}");
    out.is("get", "115");
    out.is("work", "{:ok, 116}");
    out.is("set", "{:ok, :hello}");
    assert!(out.get("inc_atom").to_string().contains("not an integer"));
    out.is("version", "6");
}

#[test]
fn stateful_rollback_restores_version_k() {
    let out = harness(1, 1_000, |ctx, log| async move {
        let w = start(&ctx, "stateful", json!({"history": 5}), None).await;
        for i in 1..=10 {
            call(&ctx, w, &format!("{{:set, {}}}", i * 100)).await;
        }
        rec(
            &log,
            &ctx,
            "history_len",
            Term::Int(call(&ctx, w, ":history").await.as_list().map_or(0, |l| l.len() as i64)),
        );
        rec(&log, &ctx, "rollback", call(&ctx, w, "{:rollback, 7}").await);
        rec(&log, &ctx, "get", call(&ctx, w, ":get").await);
        rec(&log, &ctx, "evicted", call(&ctx, w, "{:rollback, 2}").await);
        let st = call(&ctx, w, ":state").await;
        rec(&log, &ctx, "version", st.map_get(&Term::atom("version")).cloned().unwrap_or(Term::nil()));
    });
    out.is("history_len", "5");
    out.is("rollback", "{:ok, 700}");
    out.is("get", "700");
    out.is("evicted", "{:error, {:unknown_version, 2}}");
    // The rollback is itself a new version.
    out.is("version", "11");
}

#[test]
fn stateful_snapshots_restore_by_name() {
    let out = harness(1, 1_000, |ctx, log| async move {
        let w = start(&ctx, "stateful", json!({}), None).await;
        call(&ctx, w, "{:set, 3}").await;
        rec(&log, &ctx, "snap", call(&ctx, w, "{:snapshot, :before}").await);
        call(&ctx, w, "{:inc, 40}").await;
        rec(&log, &ctx, "restore", call(&ctx, w, "{:restore, :before}").await);
        rec(&log, &ctx, "missing", call(&ctx, w, "{:restore, :nope}").await);
        rec(&log, &ctx, "names", call(&ctx, w, ":snapshots").await);
    });
    out.is("snap", "{:ok, 1}");
    out.is("restore", "{:ok, 3}");
    out.is("missing", "{:error, {:unknown_snapshot, :nope}}");
    out.is("names", "[:before]");
}

#[test]
fn persisted_state_survives_a_crash_and_restart() {
    let out = harness(1, 2_000, |ctx, log| async move {
        let keep = start_fn("stateful", &json!({"persist": "on_change"}), Some("kept")).unwrap();
        let lose = start_fn("stateful", &json!({"persist": "never"}), Some("lost")).unwrap();
        let manual = start_fn("stateful", &json!({"persist": "manual"}), Some("manual")).unwrap();
        sup(&ctx, vec![("kept", keep), ("lost", lose), ("manual", manual)]).await;
        for n in ["kept", "lost", "manual"] {
            call_name(&ctx, n, "{:inc, 7}").await;
            call_name(&ctx, n, "{:snapshot, :s}").await;
        }
        call_name(&ctx, "manual", ":persist").await;
        call_name(&ctx, "manual", "{:inc, 1}").await;
        let old = ctx.whereis(Atom::new("kept"));
        for n in ["kept", "lost", "manual"] {
            let r = call_name(&ctx, n, "{:crash, :boom}").await;
            rec(&log, &ctx, "crash_reply", r);
        }
        ctx.sleep(50).await;
        rec(&log, &ctx, "new_pid", Term::bool(ctx.whereis(Atom::new("kept")) != old));
        for n in ["kept", "lost", "manual"] {
            rec(&log, &ctx, n, call_name(&ctx, n, ":get").await);
        }
        let st = call_name(&ctx, "kept", ":state").await;
        let restored = st.map_get(&Term::atom("persistence")).and_then(|p| p.map_get(&Term::atom("restored"))).cloned();
        rec(&log, &ctx, "restored", restored.unwrap_or(Term::nil()));
        rec(&log, &ctx, "snaps", call_name(&ctx, "kept", ":snapshots").await);
    });
    for r in out.all("crash_reply") {
        assert_eq!(r, t("{:call_failed, :boom}"));
    }
    out.is("new_pid", "true");
    out.is("kept", "7");
    out.is("lost", "0");
    out.is("manual", "7");
    out.is("restored", "true");
    out.is("snaps", "[:s]");
}

fn payload_items(st: &Term) -> i64 {
    st.map_get(&Term::atom("memory"))
        .and_then(|m| m.map_get(&Term::atom("payload_items")))
        .and_then(Term::as_int)
        .unwrap_or(-1)
}

#[test]
fn memory_patterns_grow_leak_and_collect() {
    let out = harness(1, 2_000, |ctx, log| async move {
        let leak =
            start(&ctx, "stateful", json!({"memory": "leak", "memory_step": 10, "memory_limit": 50}), None).await;
        let saw =
            start(&ctx, "stateful", json!({"memory": "sawtooth", "memory_step": 10, "memory_limit": 30}), None).await;
        let ticking = start(
            &ctx,
            "stateful",
            json!({"memory": "leak", "memory_step": 5, "memory_tick_ms": 100, "memory_limit": 1000}),
            None,
        )
        .await;
        let steady = start(&ctx, "stateful", json!({"memory_step": 20}), None).await;
        let words0 = ctx.peek(|k| k.proc(leak).map(crate::runtime::memory_words).unwrap_or(0));
        for i in 0..8 {
            call(&ctx, leak, ":inc").await;
            call(&ctx, saw, ":inc").await;
            call(&ctx, steady, ":inc").await;
            rec(&log, &ctx, "saw", Term::Int(payload_items(&call(&ctx, saw, ":state").await)));
            if i == 2 {
                rec(&log, &ctx, "leak3", Term::Int(payload_items(&call(&ctx, leak, ":state").await)));
            }
        }
        let words1 = ctx.peek(|k| k.proc(leak).map(crate::runtime::memory_words).unwrap_or(0));
        rec(&log, &ctx, "leak_capped", Term::Int(payload_items(&call(&ctx, leak, ":state").await)));
        rec(&log, &ctx, "memory_grew", Term::bool(words1 > words0 + 100));
        rec(&log, &ctx, "steady", Term::Int(payload_items(&call(&ctx, steady, ":state").await)));
        ctx.sleep(1_000).await;
        rec(&log, &ctx, "ticking", Term::Int(payload_items(&call(&ctx, ticking, ":state").await)));
    });
    // Three :inc and one :state request grew it by 10 items each.
    out.is("leak3", "40");
    out.is("leak_capped", "50");
    out.is("memory_grew", "true");
    out.is("steady", "20");
    // Sawtooth: grows by the :inc and the :state requests (two per round)
    // to the limit of 30, then drops to nothing.
    let saw: Vec<i64> = out.all("saw").iter().filter_map(Term::as_int).collect();
    assert_eq!(saw, vec![20, 0, 20, 0, 20, 0, 20, 0]);
    // Timer-driven growth: 5 items per 100 ms tick, 10 ticks by t≈1000ms.
    let ticking = out.get("ticking").as_int().unwrap_or(0);
    assert!((45..=55).contains(&ticking), "{ticking}");
}

#[test]
fn crash_modes_crash_with_the_chosen_reason() {
    let out = harness(1, 2_000, |ctx, log| async move {
        let on_value =
            start(&ctx, "stateful", json!({"crash_on_value": 3, "crash_reason": "{:bad_value, 3}"}), None).await;
        for _ in 0..3 {
            gen_server::cast(&ctx, on_value, t(":inc"));
        }
        rec(&log, &ctx, "on_value", down_reason(&ctx, on_value).await);

        let every = start(&ctx, "stateful", json!({"crash_every": 4}), None).await;
        for _ in 0..3 {
            call(&ctx, every, ":inc").await;
        }
        rec(&log, &ctx, "every_alive_after_3", Term::bool(ctx.is_alive(every)));
        ctx.send(every, t(":inc"));
        rec(&log, &ctx, "every", down_reason(&ctx, every).await);

        let pattern =
            start(&ctx, "stateful", json!({"crash_on_message": "{:poison, :_}", "crash_reason": ":poisoned"}), None)
                .await;
        call(&ctx, pattern, "{:poison}").await;
        rec(&log, &ctx, "pattern_alive", Term::bool(ctx.is_alive(pattern)));
        gen_server::cast(&ctx, pattern, t("{:poison, 42}"));
        rec(&log, &ctx, "pattern", down_reason(&ctx, pattern).await);

        let runtime_set = start(&ctx, "stateful", json!({}), None).await;
        call(&ctx, runtime_set, "{:crash_reason, :late}").await;
        call(&ctx, runtime_set, "{:crash_on_value, 2}").await;
        call(&ctx, runtime_set, ":inc").await;
        ctx.send(runtime_set, t(":inc"));
        rec(&log, &ctx, "runtime_set", down_reason(&ctx, runtime_set).await);
    });
    out.is("on_value", "{:bad_value, 3}");
    out.is("every_alive_after_3", "true");
    out.is("every", ":simulated_crash");
    out.is("pattern_alive", "true");
    out.is("pattern", ":poisoned");
    out.is("runtime_set", ":late");
}

#[test]
fn stateful_replace_state_sets_the_value() {
    let out = harness(1, 1_000, |ctx, log| async move {
        let w = start(&ctx, "stateful", json!({}), None).await;
        let r = gen_server::system_call(&ctx, w, t("{:replace_state, %{value: 42}}"), Some(1000)).await;
        rec(&log, &ctx, "replaced", Term::bool(r.is_ok()));
        rec(&log, &ctx, "get", call(&ctx, w, ":get").await);
        gen_server::system_call(&ctx, w, t("{:replace_state, :plain}"), Some(1000)).await.ok();
        rec(&log, &ctx, "plain", call(&ctx, w, ":get").await);
        rec(&log, &ctx, "rollback", call(&ctx, w, "{:rollback, 1}").await);
    });
    out.is("replaced", "true");
    out.is("get", "42");
    out.is("plain", ":plain");
    out.is("rollback", "{:ok, 42}");
}

#[test]
fn history_is_stamped_with_virtual_time() {
    let out = harness(1, 2_000, |ctx, log| async move {
        let w = start(&ctx, "stateful", json!({}), None).await;
        ctx.sleep(100).await;
        call(&ctx, w, "{:set, 1}").await;
        ctx.sleep(250).await;
        call(&ctx, w, "{:set, 2}").await;
        rec(&log, &ctx, "h", call(&ctx, w, ":history").await);
    });
    let h = out.get("h");
    let stamps: Vec<i64> = h
        .as_list()
        .unwrap_or(&[])
        .iter()
        .filter_map(|e| e.map_get(&Term::atom("at_ms")).and_then(Term::as_int))
        .collect();
    assert_eq!(stamps, vec![0, 100, 350]);
    let versions: Vec<i64> = h
        .as_list()
        .unwrap_or(&[])
        .iter()
        .filter_map(|e| e.map_get(&Term::atom("version")).and_then(Term::as_int))
        .collect();
    assert_eq!(versions, vec![0, 1, 2]);
}

#[test]
fn memory_storage_keeps_records_across_workers() {
    let s = MemoryStorage::new();
    assert!(s.save("a", Term::Int(1)));
    assert_eq!(s.load("a"), Some(Term::Int(1)));
    s.delete("a");
    assert_eq!(s.load("a"), None);
    for i in 0..storage::MAX_KEYS {
        assert!(s.save(&format!("k{i}"), Term::Int(0)));
    }
    assert!(!s.save("one_more", Term::Int(0)), "the store is bounded");
    assert!(s.save("k0", Term::Int(5)), "overwriting is always allowed");
}
