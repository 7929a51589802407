//! The Message Flow view: a sender×receiver frequency heatmap of the
//! busiest processes, and a sequence diagram (lifelines and arrows, hover
//! for the full message) of one traced message and everything it caused.

use crate::term::Pid;
use crate::web::app::Action;
use crate::web::model::{FlowHop, Heatmap};
use std::rc::Rc;
use web_sys::HtmlInputElement;
use yew::prelude::*;

#[derive(Properties, PartialEq)]
pub struct FlowProps {
    pub heatmap: Rc<Heatmap>,
    pub flow: Rc<Vec<FlowHop>>,
    /// Every participant of the flow with its label, in order of appearance.
    pub labels: Rc<Vec<(Pid, String)>>,
    pub selected: Option<(String, Pid)>,
    pub on_action: Callback<Action>,
}

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
    html! {
        <section class="panel flow" role="region" aria-label="Message flow">
            <h2>{"Message flow"}</h2>
            <div class="flow-grid">
                <div>
                    <h3>{"Sender × receiver"}</h3>
                    { heatmap(&p.heatmap) }
                </div>
                <div>
                    <h3>{"Sequence diagram"}</h3>
                    <form class="send" onsubmit={send}>
                        <input type="text" aria-label="Traced message" spellcheck="false" value={(*text).clone()} {oninput}
                            aria-invalid={parse_err.is_some().to_string()} class={classes!(parse_err.is_some().then_some("invalid"))} />
                        <button type="submit" disabled={parse_err.is_some() || target.is_none()}>{"Send traced"}</button>
                    </form>
                    if let Some(e) = &parse_err {
                        <p class="parse-error" role="alert">{e}</p>
                    } else if let Some((id, _)) = &target {
                        <p class="hint">{format!("Sends to {id} with a trace token and follows every message it causes.")}</p>
                    } else {
                        <p class="hint">{"Select a process in the tree, then send it a traced message."}</p>
                    }
                    { sequence(&p.flow, &p.labels) }
                </div>
            </div>
        </section>
    }
}

fn heatmap(h: &Heatmap) -> Html {
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
    let cells = h.counts.iter().enumerate().flat_map(|(r, row)| row.iter().enumerate().map(move |(c, v)| (r, c, *v)));
    html! {
        <svg class="heatmap" width={format!("{w:.0}")} height={format!("{hh:.0}")} role="img"
            aria-label={format!("Message counts between the {} busiest processes", h.labels.len())}>
            { for h.labels.iter().enumerate().map(|(i, l)| html! {
                <>
                    <text class="lbl" x={format!("{:.0}", left - 6.0)} y={format!("{:.0}", top + i as f64 * cell + cell * 0.68)} text-anchor="end">{short(l, 12)}</text>
                    <text class="lbl" transform={format!("translate({:.0},{:.0}) rotate(-55)", left + i as f64 * cell + cell * 0.6, top - 6.0)}>{short(l, 12)}</text>
                </>
            }) }
            { for cells.map(|(r, c, v)| {
                let a = if v == 0 { 0.0 } else { 0.12 + 0.88 * (v as f64 / max).sqrt() };
                html! {
                    <rect class={classes!("cell", (v == 0).then_some("zero"))} x={format!("{:.0}", left + c as f64 * cell)} y={format!("{:.0}", top + r as f64 * cell)}
                        width={format!("{:.0}", cell - 2.0)} height={format!("{:.0}", cell - 2.0)} rx="3" fill-opacity={format!("{a:.2}")}>
                        <title>{format!("{} → {}: {v} messages", h.labels[r], h.labels[c])}</title>
                    </rect>
                }
            }) }
        </svg>
    }
}

fn short(s: &str, n: usize) -> String {
    if s.chars().count() > n {
        let t: String = s.chars().take(n - 1).collect();
        format!("{t}…")
    } else {
        s.to_string()
    }
}

fn sequence(flow: &[FlowHop], labels: &[(Pid, String)]) -> Html {
    if flow.is_empty() {
        return html! { <p class="empty">{"No traced flow yet."}</p> };
    }
    let lane = 120.0;
    let left = 70.0;
    let top = 40.0;
    let step = 30.0;
    let idx = |p: Pid| labels.iter().position(|l| l.0 == p).map(|i| i + 1).unwrap_or(0);
    let w = left + labels.len() as f64 * lane + 20.0;
    let h = top + flow.len() as f64 * step + 20.0;
    let x = |i: usize| {
        if i == 0 {
            20.0
        } else {
            left + (i - 1) as f64 * lane + lane / 2.0
        }
    };
    html! {
        <svg class="sequence" width={format!("{w:.0}")} height={format!("{h:.0}")} role="img"
            aria-label={format!("Sequence diagram of {} traced messages", flow.len())}>
            <defs>
                <marker id="seq-arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse">
                    <path d="M0,0 L10,5 L0,10 z" class="arrowhead" />
                </marker>
            </defs>
            <text class="lane-label" x="20" y="18" text-anchor="middle">{"outside"}</text>
            <line class="lifeline" x1="20" x2="20" y1="26" y2={format!("{:.0}", h - 10.0)} />
            { for labels.iter().enumerate().map(|(i, (pid, l))| {
                let cx = x(i + 1);
                html! {
                    <g>
                        <rect class="lane-box" x={format!("{:.0}", cx - lane / 2.0 + 6.0)} y="4" width={format!("{:.0}", lane - 12.0)} height="22" rx="5" />
                        <text class="lane-label" x={format!("{cx:.0}")} y="19" text-anchor="middle">
                            {short(l, 14)}<title>{pid.to_string()}</title>
                        </text>
                        <line class="lifeline" x1={format!("{cx:.0}")} x2={format!("{cx:.0}")} y1="26" y2={format!("{:.0}", h - 10.0)} />
                    </g>
                }
            }) }
            { for flow.iter().enumerate().map(|(k, hop)| {
                let y = top + k as f64 * step + 10.0;
                let x1 = x(hop.from.map(idx).unwrap_or(0));
                let x2 = x(idx(hop.to));
                let (x1, x2) = if (x1 - x2).abs() < 1.0 { (x1, x1 + 30.0) } else { (x1, x2) };
                let mid = (x1 + x2) / 2.0;
                html! {
                    <g class="hop">
                        <title>{format!("#{} at {:.3} ms: {}", hop.seq, hop.at_ms, hop.msg)}</title>
                        <line class="arrow" x1={format!("{x1:.0}")} x2={format!("{x2:.0}")} y1={format!("{y:.0}")} y2={format!("{y:.0}")} marker-end="url(#seq-arrow)" />
                        <text class="msg" x={format!("{mid:.0}")} y={format!("{:.0}", y - 5.0)} text-anchor="middle">{short(&hop.msg, 22)}</text>
                    </g>
                }
            }) }
        </svg>
    }
}
