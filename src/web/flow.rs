//! The Message Flow view: a sender×receiver frequency heatmap of the
//! busiest processes (bottlenecks highlighted), flow recordings (a traced
//! message and everything it caused, or every message while recording was
//! on), and a sequence diagram of a recording (lifelines and arrows, hover
//! for the full message) replayed along a timeline.

use crate::term::Pid;
use crate::web::model::{short_str, Action, FlowHop, FlowRecording, Heatmap};
use std::rc::Rc;
use web_sys::{HtmlInputElement, HtmlSelectElement};
use yew::prelude::*;

/// What the flow view asks of the app about the replay, which lives in the
/// app because the tree animates the message being replayed. (Recording
/// itself is an [`Action`] on the simulator.)
#[derive(Clone, Debug, PartialEq)]
pub enum FlowMsg {
    /// Shows the recording with this id.
    Show(u64),
    /// Moves the replay cursor: this many messages have been delivered.
    Cursor(usize),
    /// Starts (from the beginning when at the end) or pauses the replay.
    Replay(bool),
}

/// The replay of one recording: which, and how far.
#[derive(Clone, Debug, PartialEq)]
pub struct ReplayState {
    pub flow: Rc<FlowRecording>,
    /// Messages shown: `hops[..cursor]`; the last of them is the current one.
    pub cursor: usize,
    pub playing: bool,
}

#[derive(Properties, PartialEq)]
pub struct FlowProps {
    pub heatmap: Rc<Heatmap>,
    pub hot: Rc<Vec<Pid>>,
    /// The kept recordings, oldest first.
    pub flows: Rc<Vec<Rc<FlowRecording>>>,
    pub replay: Option<ReplayState>,
    /// The recording in progress: messages so far, and since when (ms).
    pub recording: Option<(usize, f64)>,
    pub selected: Option<(String, Pid)>,
    pub on_action: Callback<Action>,
    pub on_flow: Callback<FlowMsg>,
}

/// Rows of the sequence diagram: the latest messages up to the cursor.
const WINDOW: usize = 16;

#[function_component(FlowView)]
pub fn flow_view(p: &FlowProps) -> Html {
    let text = use_state(|| "{:inc, 1}".to_string());
    let parse_err = crate::term::parse(&text).err().map(|e| e.to_string());
    let target = p.selected.clone();
    let send = {
        let a = p.on_action.clone();
        let text = text.clone();
        let target = target.clone();
        let ok = parse_err.is_none();
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            if let (true, Some((_, pid))) = (ok, &target) {
                a.emit(Action::SendTraced { pid: *pid, text: (*text).clone() });
            }
        })
    };
    let oninput = {
        let text = text.clone();
        Callback::from(move |e: InputEvent| text.set(e.target_unchecked_into::<HtmlInputElement>().value()))
    };
    let record = match p.recording {
        Some(_) => p.on_action.reform(|_: MouseEvent| Action::StopRecording),
        None => p.on_action.reform(|_: MouseEvent| Action::StartRecording),
    };
    let on_show = p
        .on_flow
        .reform(|e: Event| FlowMsg::Show(e.target_unchecked_into::<HtmlSelectElement>().value().parse().unwrap_or(0)));
    html! {
        <section class="panel flow" role="region" aria-label="Message flow">
            <h2>{"Message flow"}</h2>
            <div class="flow-grid">
                <div>
                    <h3>{"Sender × receiver"}</h3>
                    { heatmap(&p.heatmap, &p.hot) }
                    if !p.hot.is_empty() {
                        <p class="hint"><span class="hot-key" aria-hidden="true" />{"Bottleneck: outlined here and in the tree."}</p>
                    }
                </div>
                <div>
                    <h3>{"Flows"}</h3>
                    <div class="flow-tools">
                        <form class="send" onsubmit={send}>
                            <input type="text" aria-label="Traced message" spellcheck="false" value={(*text).clone()} {oninput}
                                aria-invalid={parse_err.is_some().to_string()} class={classes!(parse_err.is_some().then_some("invalid"))} />
                            <button type="submit" disabled={parse_err.is_some() || target.is_none()}>{"Send traced"}</button>
                        </form>
                        <button class={classes!(p.recording.is_some().then_some("recording"))} onclick={record}
                            aria-pressed={p.recording.is_some().to_string()}
                            title="Record every message between the system's processes">
                            { if p.recording.is_some() { "■ Stop recording" } else { "● Record flow" } }
                        </button>
                    </div>
                    if let Some(e) = &parse_err {
                        <p class="parse-error" role="alert">{e}</p>
                    } else if let Some((n, since)) = p.recording {
                        <p class="hint recording-status" role="status">{format!("Recording since {since:.0} ms: {n} messages so far.")}</p>
                    } else if let Some((id, _)) = &target {
                        <p class="hint">{format!("Sends to {id} with a trace token and follows every message it causes; or record everything for a while.")}</p>
                    } else {
                        <p class="hint">{"Select a process in the tree and send it a traced message, or record every message for a while."}</p>
                    }
                    if !p.flows.is_empty() {
                        <label class="flow-pick">
                            <span class="lbl">{"Flow"}</span>
                            <select aria-label="Recorded flow" onchange={on_show}>
                                { for p.flows.iter().rev().map(|f| html! {
                                    <option value={f.id.to_string()} selected={p.replay.as_ref().is_some_and(|r| r.flow.id == f.id)}>{&f.title}</option>
                                }) }
                            </select>
                        </label>
                    }
                    { match &p.replay {
                        Some(r) => html! { <>{ timeline(r, &p.on_flow) }{ sequence(r) }</> },
                        None => html! { <p class="empty">{"No recorded flow yet."}</p> },
                    } }
                </div>
            </div>
        </section>
    }
}

fn heatmap(h: &Heatmap, hot: &[Pid]) -> Html {
    if h.labels.is_empty() {
        return html! { <p class="empty">{"No messages between processes yet."}</p> };
    }
    let cell = 22.0;
    let left = 92.0;
    let top = 84.0;
    let n = h.labels.len() as f64;
    let w = left + n * cell + 60.0;
    let hh = top + n * cell + 4.0;
    let max = h.max.max(1) as f64;
    let is_hot = |i: usize| h.pids.get(i).is_some_and(|p| hot.contains(p));
    let cells = h.counts.iter().enumerate().flat_map(|(r, row)| row.iter().enumerate().map(move |(c, v)| (r, c, *v)));
    html! {
        <svg class="heatmap" width={format!("{w:.0}")} height={format!("{hh:.0}")} role="img"
            aria-label={format!("Message counts between the {} busiest processes", h.labels.len())}>
            { for h.labels.iter().enumerate().map(|(i, l)| html! {
                <g class={classes!(is_hot(i).then_some("hot"))}>
                    <text class="lbl" x={format!("{:.0}", left - 6.0)} y={format!("{:.0}", top + i as f64 * cell + cell * 0.68)} text-anchor="end">{short_str(l, 12)}</text>
                    <text class="lbl" transform={format!("translate({:.0},{:.0}) rotate(-55)", left + i as f64 * cell + cell * 0.6, top - 6.0)}>{short_str(l, 12)}</text>
                </g>
            }) }
            { for cells.map(|(r, c, v)| {
                let a = if v == 0 { 0.0 } else { 0.12 + 0.88 * (v as f64 / max).sqrt() };
                html! {
                    <rect class={classes!("cell", (v == 0).then_some("zero"), (is_hot(c) && v > 0).then_some("hot"))} x={format!("{:.0}", left + c as f64 * cell)} y={format!("{:.0}", top + r as f64 * cell)}
                        width={format!("{:.0}", cell - 2.0)} height={format!("{:.0}", cell - 2.0)} rx="3" fill-opacity={format!("{a:.2}")}>
                        <title>{format!("{} → {}: {v} messages", h.labels[r], h.labels[c])}</title>
                    </rect>
                }
            }) }
        </svg>
    }
}

/// The replay controls: a strip with a tick per message at its time, the
/// cursor, a slider over the messages, and play, previous and next.
fn timeline(r: &ReplayState, on_flow: &Callback<FlowMsg>) -> Html {
    let f = &r.flow;
    let n = f.hops.len();
    if n == 0 {
        return html! { <p class="empty">{"This recording holds no messages."}</p> };
    }
    let (t0, t1) = (f.hops[0].at_ms, f.hops[n - 1].at_ms);
    let span = (t1 - t0).max(1e-9);
    let w = 600.0;
    let x = |t: f64| 6.0 + (w - 12.0) * (t - t0) / span;
    let current = r.cursor.checked_sub(1).and_then(|i| f.hops.get(i));
    let cursor = r.cursor;
    let on_range = on_flow.reform(|e: InputEvent| {
        FlowMsg::Cursor(e.target_unchecked_into::<HtmlInputElement>().value().parse().unwrap_or(0))
    });
    let prev = on_flow.reform(move |_: MouseEvent| FlowMsg::Cursor(cursor.saturating_sub(1)));
    let next = on_flow.reform(move |_: MouseEvent| FlowMsg::Cursor((cursor + 1).min(n)));
    let playing = r.playing;
    let play = on_flow.reform(move |_: MouseEvent| FlowMsg::Replay(!playing));
    let where_ = match current {
        Some(h) => format!("message {cursor} of {n} · {:.3} ms", h.at_ms),
        None => format!("before the first of {n} messages"),
    };
    html! {
        <div class="timeline" role="group" aria-label="Replay">
            <div class="timeline-bar">
                <button class="icon-btn" onclick={play} aria-label={if playing { "Pause replay" } else { "Replay" }}
                    title={if playing { "Pause the replay" } else { "Replay the flow message by message" }}>
                    { if playing { "❚❚" } else { "▶" } }
                </button>
                <button class="icon-btn ghost" onclick={prev} aria-label="Previous message" disabled={cursor == 0}>{"‹"}</button>
                <input type="range" min="0" max={n.to_string()} step="1" value={cursor.to_string()} aria-label="Timeline"
                    aria-valuetext={where_.clone()} oninput={on_range} />
                <button class="icon-btn ghost" onclick={next} aria-label="Next message" disabled={cursor >= n}>{"›"}</button>
            </div>
            <svg class="ticks" viewBox={format!("0 0 {w} 14")} preserveAspectRatio="none" aria-hidden="true">
                { for f.hops.iter().enumerate().map(|(i, h)| {
                    let tx = format!("{:.1}", x(h.at_ms));
                    html! { <line class={classes!("tick", (i < cursor).then_some("done"))} x1={tx.clone()} x2={tx} y1="2" y2="12" /> }
                }) }
                if let Some(h) = current {
                    <line class="cursor" x1={format!("{:.1}", x(h.at_ms))} x2={format!("{:.1}", x(h.at_ms))} y1="0" y2="14" />
                }
            </svg>
            <p class="timeline-info mono">{where_}{format!(" · recorded {:.0}–{:.0} ms", f.from_ms, f.to_ms)}
                {if f.truncated { " · cut off" } else { "" }}</p>
        </div>
    }
}

/// The sequence diagram of the messages up to the cursor (the latest
/// [`WINDOW`] of them), the current one highlighted.
fn sequence(r: &ReplayState) -> Html {
    let f = &r.flow;
    let end = r.cursor.min(f.hops.len());
    let start = end.saturating_sub(WINDOW);
    let shown: &[FlowHop] = &f.hops[start..end];
    if shown.is_empty() {
        return html! { <p class="empty">{"Move the timeline or press Replay to show the messages."}</p> };
    }
    // Lanes: the participants of the rows shown, in order of appearance
    // there, so that the diagram reads left to right and stays narrow.
    let mut lanes: Vec<(Pid, &str)> = Vec::new();
    for p in shown.iter().flat_map(|h| h.from.into_iter().chain(std::iter::once(h.to))) {
        if !lanes.iter().any(|l| l.0 == p) {
            let label = f.label(p).unwrap_or("?");
            lanes.push((p, label));
        }
    }
    let lane = 120.0;
    let left = 70.0;
    let top = 40.0;
    let step = 30.0;
    let idx = |p: Pid| lanes.iter().position(|l| l.0 == p).map(|i| i + 1).unwrap_or(0);
    let w = left + lanes.len() as f64 * lane + 20.0;
    let h = top + shown.len() as f64 * step + 20.0;
    let x = |i: usize| {
        if i == 0 {
            20.0
        } else {
            left + (i - 1) as f64 * lane + lane / 2.0
        }
    };
    let kind = if f.traced { "traced" } else { "recorded" };
    html! {
        <svg class="sequence" width={format!("{w:.0}")} height={format!("{h:.0}")} role="img"
            aria-label={format!("Sequence diagram of {} {kind} messages", shown.len())}>
            <text class="lane-label" x="20" y="18" text-anchor="middle">{"outside"}</text>
            <line class="lifeline" x1="20" x2="20" y1="26" y2={format!("{:.0}", h - 10.0)} />
            { for lanes.iter().enumerate().map(|(i, (pid, l))| {
                let cx = x(i + 1);
                html! {
                    <g>
                        <rect class="lane-box" x={format!("{:.0}", cx - lane / 2.0 + 6.0)} y="4" width={format!("{:.0}", lane - 12.0)} height="22" rx="5" />
                        <text class="lane-label" x={format!("{cx:.0}")} y="19" text-anchor="middle">
                            {short_str(l, 14)}<title>{pid.to_string()}</title>
                        </text>
                        <line class="lifeline" x1={format!("{cx:.0}")} x2={format!("{cx:.0}")} y1="26" y2={format!("{:.0}", h - 10.0)} />
                    </g>
                }
            }) }
            { for shown.iter().enumerate().map(|(k, hop)| {
                let y = top + k as f64 * step + 10.0;
                let x1 = x(hop.from.map(idx).unwrap_or(0));
                let x2 = x(idx(hop.to));
                let (x1, x2) = if (x1 - x2).abs() < 1.0 { (x1, x1 + 30.0) } else { (x1, x2) };
                let mid = (x1 + x2) / 2.0;
                // The arrowhead is drawn per arrow rather than as a shared
                // <marker>: a marker needs a document-wide id, and two
                // playgrounds on one page must not share anything.
                let dir = if x2 >= x1 { 1.0 } else { -1.0 };
                let head = format!("M{x2:.1},{y:.1} L{:.1},{:.1} L{:.1},{:.1} z", x2 - dir * 7.0, y - 3.5, x2 - dir * 7.0, y + 3.5);
                let current = start + k + 1 == end;
                html! {
                    <g class={classes!("hop", current.then_some("current"))}>
                        <title>{format!("#{} at {:.3} ms: {}", hop.seq, hop.at_ms, hop.msg)}</title>
                        <line class="arrow" x1={format!("{x1:.0}")} x2={format!("{:.1}", x2 - dir * 6.0)} y1={format!("{y:.0}")} y2={format!("{y:.0}")} />
                        <path class="arrowhead" d={head} />
                        <text class="msg" x={format!("{mid:.0}")} y={format!("{:.0}", y - 5.0)} text-anchor="middle">{short_str(&hop.label, 24)}</text>
                    </g>
                }
            }) }
        </svg>
    }
}
