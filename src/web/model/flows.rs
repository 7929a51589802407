//! Messages in motion: the sends the tree animates ([`Moving`]), and flow
//! recordings ([`FlowRecording`]) for the sequence diagram and its replay
//! timeline — everything one traced message caused, or every message
//! between the system's processes while Record is on.

use super::{short_str, Sim, SimError};
use crate::control::flow;
use crate::runtime::EventKind;
use crate::term::{Atom, Pid, Term};
use serde::Serialize;
use std::rc::Rc;

/// How long a traced message is followed, in virtual milliseconds.
const FLOW_MS: u64 = 500;
/// Messages kept by one flow recording; the rest are counted as cut off.
pub const RECORDING_MAX_HOPS: usize = 2000;
/// Flow recordings kept (the oldest goes first).
pub(super) const RECORDINGS_KEPT: usize = 8;
/// Moving messages kept between two looks of the tree (the newest).
pub(super) const MOVING_KEPT: usize = 256;

/// One message of a recorded flow, for the sequence diagram.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct FlowHop {
    pub seq: u64,
    pub at_ms: f64,
    pub from: Option<Pid>,
    pub to: Pid,
    /// The whole message, in Elixir syntax.
    pub msg: String,
    /// What an arrow says: GenServer calls and casts as `call …` and
    /// `cast …` with the request alone, anything else whole.
    pub label: String,
}

impl FlowHop {
    fn new(seq: u64, at_ms: f64, from: Option<Pid>, to: Pid, msg: &Term) -> FlowHop {
        let label = match (msg.tagged(Atom::GEN_CALL), msg.tagged(Atom::GEN_CAST)) {
            (Some([_, _, req]), _) => format!("call {req}"),
            (_, Some([_, req])) => format!("cast {req}"),
            _ => msg.to_string(),
        };
        FlowHop { seq, at_ms, from, to, msg: msg.to_string(), label }
    }

    /// A hop of a traced flow, whose tracer gives messages as text: read
    /// back for the label, or shown as they are if they do not parse.
    fn of_flow_node(n: &flow::FlowNode) -> FlowHop {
        match crate::term::parse(&n.message) {
            Ok(t) => FlowHop::new(n.seq, n.at_ms, n.from, n.to, &t),
            Err(_) => FlowHop {
                seq: n.seq,
                at_ms: n.at_ms,
                from: n.from,
                to: n.to,
                msg: n.message.clone(),
                label: n.message.clone(),
            },
        }
    }
}

/// A message seen going from one process to another since the views last
/// looked: the tree animates it.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Moving {
    pub seq: u64,
    pub at_ms: f64,
    pub from: Option<Pid>,
    pub to: Pid,
}

/// A recorded flow of messages, for the sequence diagram and its replay
/// timeline: either everything one traced message caused, or every message
/// between the processes of the tree while recording was on.
#[derive(Clone, Debug, PartialEq)]
pub struct FlowRecording {
    /// Numbers recordings in the order they were made (from 1).
    pub id: u64,
    pub title: String,
    pub traced: bool,
    pub from_ms: f64,
    pub to_ms: f64,
    /// In send order.
    pub hops: Vec<FlowHop>,
    /// Every participant with its label then, in order of appearance.
    pub labels: Vec<(Pid, String)>,
    /// Messages past [`RECORDING_MAX_HOPS`] were not kept.
    pub truncated: bool,
}

impl FlowRecording {
    /// The label a participant had when the recording was made.
    pub fn label(&self, pid: Pid) -> Option<&str> {
        self.labels.iter().find(|l| l.0 == pid).map(|l| l.1.as_str())
    }
}

impl Sim {
    /// Drains the sends since the last look into the moving messages and
    /// the recording in progress.
    pub(super) fn poll_sends(&mut self) {
        let Some((evs, _)) = self.sys.runtime().bus(|b| b.drain(self.sends)) else { return };
        for e in &evs {
            let EventKind::Send { from, to, msg, .. } = &e.kind else { continue };
            // The shell and the application master are the simulator's own
            // machinery, not part of the user's system.
            if self.sys.is_system_pid(*to) || from.is_some_and(|f| self.sys.is_system_pid(f)) {
                continue;
            }
            let at_ms = e.at.as_ms_f64();
            if self.moving.len() >= MOVING_KEPT {
                self.moving.pop_front();
            }
            self.moving.push_back(Moving { seq: e.seq, at_ms, from: *from, to: *to });
            if let Some(r) = &mut self.recording {
                if r.hops.len() < RECORDING_MAX_HOPS {
                    r.hops.push(FlowHop::new(e.seq, at_ms, *from, *to, msg));
                } else {
                    r.truncated = true;
                }
            }
        }
    }

    /// The messages sent since the last call, oldest first (at most the
    /// newest [`MOVING_KEPT`]).
    pub fn take_moving(&mut self) -> Vec<Moving> {
        self.moving.drain(..).collect()
    }

    /// Starts recording every message between the user's processes.
    pub fn start_recording(&mut self) -> Result<(), SimError> {
        if self.recording.is_some() {
            return Err(SimError::AlreadyRecording);
        }
        self.recorded += 1;
        self.recording = Some(FlowRecording {
            id: self.recorded,
            title: format!("Recording {}", self.recorded),
            traced: false,
            from_ms: self.now_ms(),
            to_ms: self.now_ms(),
            hops: Vec::new(),
            labels: Vec::new(),
            truncated: false,
        });
        Ok(())
    }

    /// Stops the recording and keeps it; returns how many messages it holds.
    pub fn stop_recording(&mut self) -> Result<usize, SimError> {
        let mut r = self.recording.take().ok_or(SimError::NotRecording)?;
        r.to_ms = self.now_ms();
        r.title = format!(
            "Recording {}: {} messages over {:.0} ms{}",
            r.id,
            r.hops.len(),
            r.to_ms - r.from_ms,
            if r.truncated { " (cut off)" } else { "" }
        );
        r.labels = self.labels_of(&r.hops);
        let n = r.hops.len();
        self.keep_recording(r);
        Ok(n)
    }

    /// The recording in progress: messages so far and since when.
    pub fn recording_status(&self) -> Option<(usize, f64)> {
        self.recording.as_ref().map(|r| (r.hops.len(), r.from_ms))
    }

    /// The kept flow recordings, oldest first.
    pub fn recordings(&self) -> Vec<Rc<FlowRecording>> {
        self.recordings.clone()
    }

    fn keep_recording(&mut self, r: FlowRecording) {
        if self.recordings.len() >= RECORDINGS_KEPT {
            self.recordings.remove(0);
        }
        self.recordings.push(Rc::new(r));
    }

    fn labels_of(&self, hops: &[FlowHop]) -> Vec<(Pid, String)> {
        let mut labels: Vec<(Pid, String)> = Vec::new();
        for h in hops {
            for p in h.from.iter().chain(std::iter::once(&h.to)) {
                if !labels.iter().any(|l| l.0 == *p) {
                    labels.push((*p, self.label(*p)));
                }
            }
        }
        labels
    }

    /// Sends a message with a flow token, follows it for a moment of virtual
    /// time, and keeps the messages it caused for the sequence diagram.
    pub fn send_traced(&mut self, pid: Pid, text: &str) -> Result<usize, SimError> {
        let f = flow::trace_message_flow(&mut self.sys, pid, text, FLOW_MS)?;
        let mut hops = Vec::new();
        fn walk(n: &flow::FlowNode, out: &mut Vec<FlowHop>) {
            out.push(FlowHop::of_flow_node(n));
            for c in &n.caused {
                walk(c, out);
            }
        }
        walk(&f.root, &mut hops);
        crate::util::sort_by_key(&mut hops, |h| h.seq);
        let truncated = hops.len() > RECORDING_MAX_HOPS;
        hops.truncate(RECORDING_MAX_HOPS);
        self.recorded += 1;
        let r = FlowRecording {
            id: self.recorded,
            title: format!("Traced {} → {}: {} messages", short_str(text.trim(), 24), self.label(pid), f.messages),
            traced: true,
            from_ms: hops.first().map(|h| h.at_ms).unwrap_or(0.0),
            to_ms: hops.last().map(|h| h.at_ms).unwrap_or(0.0),
            labels: self.labels_of(&hops),
            hops,
            truncated,
        };
        self.keep_recording(r);
        self.poll();
        Ok(f.messages)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::web::model::test_pid_of as pid_of;

    #[test]
    fn recording_keeps_the_messages_between_user_processes() {
        let mut sim = Sim::new("demo", 5).unwrap();
        sim.advance(500);
        assert!(sim.stop_recording().is_err());
        sim.start_recording().unwrap();
        assert!(sim.start_recording().is_err(), "one recording at a time");
        sim.advance(400);
        let (so_far, since) = sim.recording_status().unwrap();
        assert!(so_far > 0 && (500.0..501.0).contains(&since), "{so_far} {since}");
        let n = sim.stop_recording().unwrap();
        assert!(sim.recording_status().is_none());
        let r = sim.recordings().last().cloned().unwrap();
        assert_eq!(r.hops.len(), n);
        assert!(!r.traced && r.from_ms == since && (r.to_ms - r.from_ms - 400.0).abs() < 1.0);
        assert!(r.title.starts_with("Recording 1: ") && r.title.contains(" messages over 400 ms"), "{}", r.title);
        // In send order, inside the window, and none from or to the
        // simulator's own shell and application master.
        assert!(r.hops.windows(2).all(|w| w[0].seq < w[1].seq));
        assert!(r.hops.iter().all(|h| h.at_ms >= r.from_ms && h.at_ms <= r.to_ms));
        assert!(r
            .hops
            .iter()
            .all(|h| !sim.sys.is_system_pid(h.to) && !h.from.is_some_and(|f| sim.sys.is_system_pid(f))));
        for h in &r.hops {
            assert!(r.labels.iter().any(|l| l.0 == h.to));
        }
        // GenServer protocol messages are labelled by what they ask.
        let cast = r.hops.iter().find(|h| h.msg.starts_with("{:\"$gen_cast\", ")).unwrap();
        assert_eq!(cast.label, format!("cast {}", &cast.msg[15..cast.msg.len() - 1]));
        let call = r.hops.iter().find(|h| h.msg.starts_with("{:\"$gen_call\", ")).unwrap();
        assert!(call.label.starts_with("call ") && !call.label.contains("#Reference"), "{}", call.label);
    }

    #[test]
    fn recordings_are_bounded() {
        let mut sim = Sim::new("large", 1).unwrap();
        sim.start_recording().unwrap();
        sim.advance(60_000);
        let n = sim.stop_recording().unwrap();
        assert_eq!(n, RECORDING_MAX_HOPS);
        assert!(sim.recordings()[0].truncated && sim.recordings()[0].title.ends_with("(cut off)"));
        for _ in 0..RECORDINGS_KEPT + 2 {
            sim.start_recording().unwrap();
            sim.advance(10);
            sim.stop_recording().unwrap();
        }
        let kept = sim.recordings();
        assert_eq!(kept.len(), RECORDINGS_KEPT);
        assert_eq!(kept.last().unwrap().id, RECORDINGS_KEPT as u64 + 3, "numbered on, the oldest dropped");
    }

    #[test]
    fn moving_messages_are_the_sends_since_the_last_look() {
        let mut sim = Sim::new("demo", 9).unwrap();
        sim.advance(300);
        let first = sim.take_moving();
        assert!(!first.is_empty() && first.len() <= MOVING_KEPT);
        assert!(sim.take_moving().is_empty(), "taken once");
        sim.advance(50);
        let next = sim.take_moving();
        assert!(next.iter().all(|m| m.seq > first.last().unwrap().seq && m.at_ms > 300.0));
        let p = pid_of(&sim, "team_red");
        sim.send_text(p, "{:inc, 1}").unwrap();
        sim.advance(1);
        assert!(sim.take_moving().iter().any(|m| m.from.is_none() && m.to == p), "a message from outside moves too");
    }
}
