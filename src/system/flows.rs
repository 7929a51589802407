//! What the system reads from its own bus subscriptions after every
//! progress: supervision events (counted restarts, kept for analytics),
//! observed message flows between processes with their shapes, and the
//! full event log when asked for.

use super::System;
use crate::runtime::{Event, EventKind};
use crate::term::{Atom, Pid, Term};
use serde::Serialize;
use std::collections::{BTreeMap, VecDeque};

/// One observed sender→receiver edge.
#[derive(Clone, Debug, Default, Serialize)]
pub struct FlowEdge {
    pub count: u64,
    /// Message shapes (`call {:inc, _}`, `cast :ping`, …) and their counts.
    pub shapes: BTreeMap<String, u64>,
    /// Synchronous calls among `count`.
    pub calls: u64,
    /// Counts per sample interval, newest last (bounded).
    #[serde(skip)]
    pub buckets: VecDeque<u64>,
}

/// Interval buckets kept per flow edge.
pub(super) const FLOW_BUCKETS: usize = 100;
/// Flow edges kept at most.
pub(super) const MAX_FLOW_EDGES: usize = 10_000;

impl System {
    /// Takes the events waiting in the system's own subscriptions.
    pub fn drain(&mut self) {
        let sup = self.rt.bus(|b| b.drain(self.sup_sub)).map(|x| x.0).unwrap_or_default();
        for ev in sup {
            if matches!(ev.kind, EventKind::Restart { .. }) {
                self.restarts_total += 1;
            }
            self.keep_sup_event(ev);
            self.invalidate();
        }
        if let Some(fs) = self.flow_sub {
            if let Some((evs, dropped)) = self.rt.bus(|b| b.drain(fs)) {
                self.flow_dropped += dropped;
                for ev in evs {
                    if let EventKind::Send { from, to, msg, .. } = &ev.kind {
                        let key = (*from, *to);
                        if !self.flows.contains_key(&key) && self.flows.len() >= MAX_FLOW_EDGES {
                            continue;
                        }
                        let e = self.flows.entry(key).or_default();
                        e.count += 1;
                        let (shape, is_call) = message_shape(msg);
                        if is_call {
                            e.calls += 1;
                        }
                        if e.shapes.len() < 64 || e.shapes.contains_key(&shape) {
                            *e.shapes.entry(shape).or_insert(0) += 1;
                        }
                        *self.flow_bucket.entry(key).or_insert(0) += 1;
                    }
                }
            }
        }
    }

    /// Takes every event since the last take (with `event_log`), and how
    /// many were dropped because the queue was full.
    pub fn take_events(&mut self) -> (Vec<Event>, u64) {
        match self.all_sub {
            Some(s) => self.rt.bus(|b| b.drain(s)).unwrap_or_default(),
            None => (Vec::new(), 0),
        }
    }

    /// Observed message flows, by (sender, receiver); `None` is the outside.
    pub fn flows(&self) -> &BTreeMap<(Option<Pid>, Pid), FlowEdge> {
        &self.flows
    }

    /// Send events lost because the flow queue was full.
    pub fn flows_dropped(&self) -> u64 {
        self.flow_dropped
    }

    pub fn observing_flows(&self) -> bool {
        self.flow_sub.is_some()
    }

    pub fn restarts_total(&self) -> u64 {
        self.restarts_total
    }
}

/// The shape of a message for flow statistics, and whether it is a call.
pub fn message_shape(m: &Term) -> (String, bool) {
    if let Some(t) = m.tagged(Atom::GEN_CALL) {
        if t.len() == 3 {
            return (format!("call {}", shape(&t[2], 0)), true);
        }
    }
    if let Some(t) = m.tagged(Atom::GEN_CAST) {
        if t.len() == 2 {
            return (format!("cast {}", shape(&t[1], 0)), false);
        }
    }
    if let Some([Term::Ref(_), _]) = m.as_tuple() {
        return ("reply".into(), false);
    }
    (shape(m, 0), false)
}

fn shape(t: &Term, depth: usize) -> String {
    match t {
        Term::Atom(a) => format!(":{}", a.name()),
        Term::Tuple(xs) if depth < 2 => {
            let parts: Vec<String> = xs
                .iter()
                .enumerate()
                .map(|(i, x)| if i == 0 || matches!(x, Term::Atom(_)) { shape(x, depth + 1) } else { "_".into() })
                .collect();
            format!("{{{}}}", parts.join(", "))
        }
        Term::Tuple(_) => "{...}".into(),
        Term::List(_) => "[...]".into(),
        Term::Map(_) => "%{...}".into(),
        _ => "_".into(),
    }
}
