//! The Control API's message-flow functions: `trace_message_flow` and
//! `analyze_message_patterns`.

use crate::control::ControlError;
use crate::runtime::{Command, EventKind, Filter, KindMask};
use crate::system::{Input, System};
use crate::term::{Pid, Term};
use serde::Serialize;
use std::collections::BTreeMap;

/// One message in a traced flow, and the messages it caused.
#[derive(Clone, Debug, Serialize)]
pub struct FlowNode {
    pub seq: u64,
    pub at_ms: f64,
    pub from: Option<Pid>,
    pub to: Pid,
    pub message: String,
    /// The receiver was dead: the message was dropped.
    pub dropped: bool,
    pub caused: Vec<FlowNode>,
}

/// The answer of [`trace_message_flow`].
#[derive(Clone, Debug, Serialize)]
pub struct MessageFlow {
    pub token: u64,
    pub root: FlowNode,
    pub messages: usize,
    /// Processes the flow reached, in pid order.
    pub processes: Vec<Pid>,
    pub duration_ms: u64,
}

/// `trace_message_flow/1`: sends `message` to `to` from outside with a
/// seq_trace-style token, lets `duration_ms` of virtual time pass, and
/// returns the causal tree: every message sent by a process while it
/// carried the token hangs under the message that gave it the token.
pub fn trace_message_flow(
    sys: &mut System,
    to: Pid,
    message: &str,
    duration_ms: u64,
) -> Result<MessageFlow, ControlError> {
    let msg = crate::control::parse_term(message)?;
    if !sys.runtime().is_alive(to) {
        return Err(ControlError::NoProc { pid: to.short() });
    }
    if duration_ms == 0 || duration_ms > 600_000 {
        return Err(ControlError::BadRequest { message: "duration_ms must be between 1 and 600000".into() });
    }
    let token = sys.new_token();
    let sub =
        sys.runtime().bus(|b| b.subscribe(Filter::kinds(KindMask(KindMask::SEND.0 | KindMask::RECEIVE.0)), 1 << 18));
    let r = sys.apply(Input::Command { command: Command::SendTraced { to, msg, token } });
    if let Err(e) = r {
        sys.runtime().bus(|b| b.unsubscribe(sub));
        return Err(e);
    }
    sys.apply(Input::Tick { ms: duration_ms })?;
    let evs = sys.runtime().bus(|b| b.drain(sub)).map(|x| x.0).unwrap_or_default();
    sys.runtime().bus(|b| b.unsubscribe(sub));
    // Flat nodes, then parent links.
    struct Flat {
        seq: u64,
        at_ms: f64,
        from: Option<Pid>,
        to: Pid,
        msg: Term,
        dropped: bool,
        received: bool,
        parent: Option<usize>,
    }
    let mut flat: Vec<Flat> = Vec::new();
    // The node whose message each process received last (its cause).
    let mut current: crate::util::VecMap<Pid, usize> = crate::util::VecMap::new();
    for e in &evs {
        match &e.kind {
            EventKind::Send { from, to, msg, token: Some(t), dropped } if *t == token => {
                let parent = from.and_then(|f| current.get(&f).copied());
                flat.push(Flat {
                    seq: e.seq,
                    at_ms: e.at.as_ms_f64(),
                    from: *from,
                    to: *to,
                    msg: msg.clone(),
                    dropped: *dropped,
                    received: false,
                    parent,
                });
            }
            EventKind::Receive { pid, msg, token: Some(t) } if *t == token => {
                if let Some(i) = flat.iter().position(|f| f.to == *pid && !f.received && f.msg == *msg) {
                    flat[i].received = true;
                    current.insert(*pid, i);
                }
            }
            _ => {}
        }
    }
    if flat.is_empty() {
        return Err(ControlError::NotFound { what: "no traced message was observed".into() });
    }
    fn build(i: usize, flat: &[Flat], kids: &BTreeMap<usize, Vec<usize>>, depth: usize) -> FlowNode {
        let f = &flat[i];
        FlowNode {
            seq: f.seq,
            at_ms: f.at_ms,
            from: f.from,
            to: f.to,
            message: f.msg.to_string(),
            dropped: f.dropped,
            caused: if depth < 256 {
                kids.get(&i).map(|v| v.iter().map(|c| build(*c, flat, kids, depth + 1)).collect()).unwrap_or_default()
            } else {
                vec![]
            },
        }
    }
    let mut kids: BTreeMap<usize, Vec<usize>> = BTreeMap::new();
    for (i, f) in flat.iter().enumerate() {
        if let Some(p) = f.parent {
            kids.entry(p).or_default().push(i);
        }
    }
    let mut procs: Vec<Pid> = flat.iter().flat_map(|f| [f.from, Some(f.to)]).flatten().collect();
    crate::util::sort(&mut procs);
    procs.dedup();
    Ok(MessageFlow { token, root: build(0, &flat, &kids, 0), messages: flat.len(), processes: procs, duration_ms })
}

/// One sender→receiver pattern.
#[derive(Clone, Debug, Serialize)]
pub struct FlowPattern {
    pub from: Option<Pid>,
    pub to: Pid,
    pub from_name: Option<String>,
    pub to_name: Option<String>,
    pub count: u64,
    pub calls: u64,
    /// The most common shapes, most first (at most 5).
    pub top_shapes: Vec<(String, u64)>,
    /// Messages per second over the last second.
    pub current_rate: f64,
    /// Mean messages per second before that (the moving baseline).
    pub baseline_rate: f64,
    pub unusual: Option<String>,
}

/// The answer of [`analyze_message_patterns`].
#[derive(Clone, Debug, Serialize)]
pub struct MessagePatterns {
    pub observing: bool,
    pub total_messages: u64,
    /// Send events lost because the observer's queue was full.
    pub dropped_observations: u64,
    pub top_shapes: Vec<(String, u64)>,
    pub patterns: Vec<FlowPattern>,
    pub unusual: Vec<FlowPattern>,
}

/// Orders (shape, count) pairs by count, most first, then by shape. (One
/// function for both sorts, so the wasm has one copy of the sort.)
fn most_first(a: &(String, u64), b: &(String, u64)) -> std::cmp::Ordering {
    b.1.cmp(&a.1).then(a.0.cmp(&b.0))
}

/// `analyze_message_patterns/0`: message shapes by sender→receiver, rates,
/// and unusual activity against a moving baseline. Each edge keeps a count
/// per sample interval (the last 100); the current rate is the mean of the
/// last second's intervals, the baseline the mean and standard deviation of
/// the intervals before. A rate above baseline + 3σ and above twice the
/// baseline is a spike; a flow of at least 1 msg/s that stopped is a silence.
pub fn analyze_message_patterns(sys: &System) -> MessagePatterns {
    let interval_s = sys.sample_ms() as f64 / 1000.0;
    let recent_n = ((1.0 / interval_s).round() as usize).max(1);
    let name = |p: Option<Pid>| {
        p.and_then(|p| sys.runtime().with_proc(p, |x| x.name().map(|a| a.name().to_string())).flatten())
    };
    let mut shapes: BTreeMap<String, u64> = BTreeMap::new();
    let mut patterns = Vec::new();
    let mut total = 0;
    for ((from, to), e) in sys.flows() {
        total += e.count;
        for (s, n) in &e.shapes {
            *shapes.entry(s.clone()).or_insert(0) += n;
        }
        let b: Vec<f64> = e.buckets.iter().map(|x| *x as f64 / interval_s).collect();
        let (before, recent) = if b.len() > recent_n { b.split_at(b.len() - recent_n) } else { (&[][..], &b[..]) };
        let cur = if recent.is_empty() { 0.0 } else { recent.iter().sum::<f64>() / recent.len() as f64 };
        let base = if before.is_empty() { 0.0 } else { before.iter().sum::<f64>() / before.len() as f64 };
        let sd = if before.len() < 2 {
            0.0
        } else {
            (before.iter().map(|x| (x - base) * (x - base)).sum::<f64>() / (before.len() - 1) as f64).sqrt()
        };
        let unusual = if before.len() >= 3 * recent_n && cur > base + 3.0 * sd && cur > 2.0 * base + 1.0 {
            Some(format!("spike: {cur:.1} msg/s against a baseline of {base:.1} ± {sd:.1}"))
        } else if before.len() >= 3 * recent_n && base >= 1.0 && cur == 0.0 {
            Some(format!("silence: this flow carried {base:.1} msg/s and stopped"))
        } else {
            None
        };
        let mut top: Vec<(String, u64)> = e.shapes.iter().map(|(k, v)| (k.clone(), *v)).collect();
        crate::util::sort_by(&mut top, most_first);
        top.truncate(5);
        patterns.push(FlowPattern {
            from: *from,
            to: *to,
            from_name: name(*from),
            to_name: name(Some(*to)),
            count: e.count,
            calls: e.calls,
            top_shapes: top,
            current_rate: cur,
            baseline_rate: base,
            unusual,
        });
    }
    crate::util::sort_by(&mut patterns, |a, b| b.count.cmp(&a.count).then(a.from.cmp(&b.from)).then(a.to.cmp(&b.to)));
    let unusual = patterns.iter().filter(|p| p.unusual.is_some()).cloned().collect();
    let mut top_shapes: Vec<(String, u64)> = shapes.into_iter().collect();
    crate::util::sort_by(&mut top_shapes, most_first);
    top_shapes.truncate(20);
    MessagePatterns {
        observing: sys.observing_flows(),
        total_messages: total,
        dropped_observations: sys.flows_dropped(),
        top_shapes,
        patterns,
        unusual,
    }
}
