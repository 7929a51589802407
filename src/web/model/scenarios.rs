//! The built-in scenarios the playground offers: the sandbox's ready ones,
//! and a generated tree of 1,000 workers for the explorer's scale.

/// The built-in scenarios: name and title, the default first.
pub const SCENARIOS: &[(&str, &str)] = &[
    ("demo", "Demo system"),
    ("cascade_failure", "Cascade failure"),
    ("pool_exhaustion", "Pool exhaustion"),
    ("pubsub", "Pub/sub bus"),
    ("restart_storm", "Restart storm"),
    ("large", "Large (1,000 workers)"),
];

/// The JSON of a built-in scenario: the sandbox's ready scenarios, and a
/// generated one of 1,000 workers for the explorer's scale.
pub fn scenario_json(name: &str) -> Option<String> {
    if name == "large" {
        return Some(large_scenario(10, 100));
    }
    crate::sandbox::builtin(name).map(str::to_string)
}

/// A tree of `sups` supervisors with `per` generic workers each; one worker
/// in ten sends a cast to a peer every few hundred milliseconds.
fn large_scenario(sups: usize, per: usize) -> String {
    let mut groups = Vec::new();
    for s in 0..sups {
        let mut ws = Vec::new();
        for w in 0..per {
            let load = if w % 10 == 0 {
                let peer = format!("w{}_{}", (s + 1) % sups, (w * 7 + 3) % per);
                format!(
                    r#", "params": {{"load": {{"to": "{peer}", "every_ms": {}, "message": "{{:inc, 1}}", "mode": "cast"}}}}"#,
                    300 + 17 * w
                )
            } else {
                String::new()
            };
            ws.push(format!(r#"{{"id": "w{s}_{w}", "type": "worker", "name": "w{s}_{w}"{load}}}"#));
        }
        groups.push(format!(
            r#"{{"id": "group_{s}", "type": "supervisor", "strategy": "one_for_one", "intensity": 50, "period_s": 5, "children": [{}]}}"#,
            ws.join(",")
        ));
    }
    format!(
        r#"{{"name": "large", "seed": 1, "tree": {{"id": "large_sup", "type": "supervisor", "strategy": "one_for_one", "intensity": 50, "period_s": 5, "children": [{}]}}}}"#,
        groups.join(",")
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::web::model::Sim;

    #[test]
    fn every_builtin_scenario_starts() {
        for (name, _) in SCENARIOS {
            let mut sim = Sim::new(name, 1).unwrap();
            sim.advance(1000);
            let t = sim.tree().unwrap();
            assert!(t.count() > 3, "{name}: {}", t.count());
        }
    }

    #[test]
    fn large_has_a_thousand_workers() {
        let mut sim = Sim::new("large", 1).unwrap();
        sim.advance(500);
        let t = sim.tree().unwrap();
        assert_eq!(t.count(), 1 + 10 + 1000);
    }
}
