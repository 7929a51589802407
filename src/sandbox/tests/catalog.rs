//! What every worker kind accepts: its parameters (bad ones reported by
//! name), its requests (bad ones answered, never a crash), the crash request
//! scenario steps send, and the catalog that describes them.

use super::harness::{call, down_reason, harness, rec, start, t};
use crate::otp::gen_server;
use crate::sandbox::{cascade, catalog, describe, event, kinds, load, resource, start_fn, stateful, SandboxError};
use crate::term::{Atom, Term};
use serde_json::{json, Value};

#[test]
fn kinds_and_bad_params_are_reported_by_name() {
    assert_eq!(kinds(), &["stateful", "resource", "event", "cascade", "load"]);
    for k in kinds() {
        let params = if *k == "load" { json!({"target": "x"}) } else { Value::Null };
        assert!(start_fn(k, &params, Some("w")).is_ok(), "{k}");
    }
    let e = start_fn("gadget", &Value::Null, None).err().map(|e| e.to_string()).unwrap_or_default();
    assert!(e.contains("gadget") && e.contains("stateful"), "{e}");
    let cases = [
        ("stateful", json!({"histroy": 5}), "histroy"),
        ("stateful", json!({"history": 0}), "history"),
        ("stateful", json!({"memory": "balloon"}), "memory"),
        ("stateful", json!({"crash_reason": "not a term"}), "crash_reason"),
        ("resource", json!({"size": -1}), "size"),
        ("event", json!({"overflow": "explode"}), "overflow"),
        ("event", json!({"subscriptions": {"a": [1]}}), "subscriptions"),
        ("cascade", json!({"deps": "a"}), "deps"),
        ("cascade", json!({"retries": 100}), "retries"),
        ("load", json!({}), "target"),
        ("load", json!({"target": "x", "messages": ["{:inc"]}), "messages"),
        ("load", json!({"target": "x", "interval_ms": 0}), "interval_ms"),
        ("resource", json!([1, 2]), "params"),
    ];
    for (kind, params, param) in cases {
        match start_fn(kind, &params, None) {
            Err(SandboxError::BadParam { param: p, kind: k, .. }) => {
                assert_eq!(p, param, "{params}");
                assert_eq!(k, kind);
            }
            Err(e) => panic!("{kind} {params}: wrong error {e}"),
            Ok(_) => panic!("{kind} {params} was accepted"),
        }
    }
    assert!(matches!(start_fn("stateful", &Value::Null, Some("")), Err(SandboxError::BadName(_))));
}

#[test]
fn bad_requests_get_error_replies_and_never_crash() {
    let out = harness(1, 1_000, |ctx, log| async move {
        for (kind, params) in [
            ("stateful", json!({})),
            ("resource", json!({})),
            ("event", json!({})),
            ("cascade", json!({})),
            ("load", json!({"target": "nobody"})),
        ] {
            let pid = start(&ctx, kind, params, None).await;
            rec(&log, &ctx, kind, call(&ctx, pid, "{:frobnicate, 1, 2}").await);
            rec(&log, &ctx, kind, call(&ctx, pid, "42").await);
            gen_server::cast(&ctx, pid, t("[:junk]"));
            ctx.send(pid, t("%{weird: :message}"));
            ctx.sleep(10).await;
            rec(&log, &ctx, "alive", Term::bool(ctx.is_alive(pid)));
        }
    });
    for kind in kinds() {
        for r in out.all(kind) {
            assert!(
                matches!(r.as_tuple(), Some([e, b]) if e.is_atom(Atom::ERROR) && b.tagged(Atom::new("bad_request")).is_some()),
                "{kind}: {r}"
            );
        }
        assert_eq!(out.all(kind).len(), 2);
    }
    assert!(out.all("alive").iter().all(|a| *a == Term::bool(true)));
}

#[test]
fn every_worker_crashes_on_the_crash_request_that_scenario_steps_send() {
    let out = harness(1, 2_000, |ctx, log| async move {
        for (kind, params) in [
            ("stateful", json!({})),
            ("resource", json!({})),
            ("event", json!({})),
            ("cascade", json!({})),
            ("load", json!({"target": "nobody"})),
        ] {
            let pid = start(&ctx, kind, params, None).await;
            gen_server::cast(&ctx, pid, t("{:crash, {:injected, 1}}"));
            rec(&log, &ctx, kind, down_reason(&ctx, pid).await);
        }
    });
    for kind in kinds() {
        out.is(kind, "{:injected, 1}");
    }
}

#[test]
fn the_catalog_matches_what_the_workers_accept() {
    let known: [(&str, &[&str]); 5] = [
        ("stateful", stateful::KNOWN),
        ("resource", resource::KNOWN),
        ("event", event::KNOWN),
        ("cascade", cascade::KNOWN),
        ("load", load::KNOWN),
    ];
    assert_eq!(catalog().iter().map(|k| k.kind).collect::<Vec<_>>(), kinds());
    for (kind, params) in known {
        let info = describe(kind).unwrap_or_else(|| panic!("{kind} is not described"));
        let mut a: Vec<&str> = info.params.iter().map(|p| p.name).collect();
        let mut b: Vec<&str> = params.to_vec();
        a.sort();
        b.sort();
        assert_eq!(a, b, "{kind}: the catalog's parameters");
    }
    assert!(describe("gadget").is_none());
    // Every example request parses and is understood by a running worker.
    let out = harness(1, 5_000, |ctx, log| async move {
        for info in catalog() {
            let params = if info.kind == "load" { json!({"target": "nobody"}) } else { Value::Null };
            let pid = start(&ctx, info.kind, params, None).await;
            for req in info.requests {
                if req.example.starts_with("{:crash") {
                    continue;
                }
                let r = call(&ctx, pid, req.example).await;
                rec(&log, &ctx, &format!("{} {}", info.kind, req.example), r);
            }
        }
    });
    assert!(out.0.len() > 30);
    for (label, _, r) in &out.0 {
        let bad = r.as_tuple().is_some_and(|t| t.len() == 2 && t[1].tagged(Atom::new("bad_request")).is_some());
        assert!(!bad, "{label}: {r}");
        assert!(r.tagged(Atom::new("call_failed")).is_none(), "{label}: {r}");
    }
}
