//! Topic subscriptions (`process:<pid>`, `supervisor:*`, `system:metrics`,
//! …) that tools poll, and the readable JSON shape of an event.

use super::metrics::SystemSample;
use super::{ControlError, System};
use crate::runtime::{Event, Filter, KindMask, SubId};
use crate::term::Term;

/// What a topic subscription is.
pub(super) enum TopicSub {
    Events(SubId),
    Metrics { next: u64 },
}

impl System {
    /// Subscribes to a topic: `process:<pid>`, `process:*`,
    /// `supervisor:<name>`, `supervisor:*` or `system:metrics`.
    pub fn subscribe(&mut self, topic: &str) -> Result<u64, ControlError> {
        let sub = match topic {
            "system:metrics" => TopicSub::Metrics { next: self.metrics.taken },
            "process:*" => TopicSub::Events(self.rt.bus(|b| {
                b.subscribe(Filter::kinds(KindMask(KindMask::PROCS.0 | KindMask::CONTROL.0 | KindMask::PROBES.0)), 4096)
            })),
            "supervisor:*" => {
                TopicSub::Events(self.rt.bus(|b| b.subscribe(Filter::kinds(KindMask::SUPERVISION), 4096)))
            }
            t => {
                if let Some(p) = t.strip_prefix("process:") {
                    let pid = self.resolve(p)?;
                    TopicSub::Events(self.rt.bus(|b| b.subscribe(Filter::process(pid, KindMask::ALL), 4096)))
                } else if let Some(s) = t.strip_prefix("supervisor:") {
                    let pid = self.resolve(s)?;
                    if !self.is_supervisor(pid) {
                        return Err(ControlError::NotSupervisor { pid: pid.short() });
                    }
                    TopicSub::Events(self.rt.bus(|b| {
                        b.subscribe(Filter::process(pid, KindMask(KindMask::SUPERVISION.0 | KindMask::PROCS.0)), 4096)
                    }))
                } else {
                    return Err(ControlError::BadRequest {
                        message: format!(
                            "unknown topic {t:?} (process:<pid>, process:*, supervisor:<name>, supervisor:*, system:metrics)"
                        ),
                    });
                }
            }
        };
        let id = self.next_topic;
        self.next_topic += 1;
        self.topics.insert(id, sub);
        Ok(id)
    }

    pub fn unsubscribe(&mut self, id: u64) -> bool {
        match self.topics.remove(&id) {
            Some(TopicSub::Events(s)) => self.rt.bus(|b| b.unsubscribe(s)),
            Some(TopicSub::Metrics { .. }) => true,
            None => false,
        }
    }

    /// Takes what a subscription has received since the last poll, as JSON.
    pub fn poll(&mut self, id: u64) -> Option<serde_json::Value> {
        match self.topics.get_mut(&id)? {
            TopicSub::Events(s) => {
                let s = *s;
                let (evs, dropped) = self.rt.bus(|b| b.drain(s))?;
                Some(
                    serde_json::json!({ "events": evs.iter().map(event_json).collect::<Vec<_>>(), "dropped": dropped }),
                )
            }
            TopicSub::Metrics { next } => {
                let taken = self.metrics.taken;
                let have = self.metrics.system.len() as u64;
                let first = taken - have;
                let from = (*next).max(first);
                let skip = (from - first) as usize;
                let samples: Vec<SystemSample> = self.metrics.system.iter().skip(skip).copied().collect();
                let dropped = from - *next;
                *next = taken;
                Some(serde_json::json!({ "samples": samples, "dropped": dropped }))
            }
        }
    }
}

/// An event as readable JSON: terms in Elixir syntax.
pub fn event_json(e: &Event) -> serde_json::Value {
    let mut v = serde_json::to_value(&e.kind).unwrap_or(serde_json::Value::Null);
    if let serde_json::Value::Object(m) = &mut v {
        for (_, x) in m.iter_mut() {
            if let serde_json::Value::Object(inner) = x {
                if inner.len() == 1 {
                    if let Ok(t) = Term::from_json_value(&serde_json::Value::Object(inner.clone())) {
                        *x = serde_json::Value::String(crate::term::clip(&t, 16_384));
                    }
                }
            }
        }
        m.insert("seq".into(), e.seq.into());
        m.insert("at_ms".into(), serde_json::json!(e.at.as_ms_f64()));
    }
    v
}
