//! The Process Inspector: tabs for overview (process_info fields), state
//! (pretty-printed Elixir terms), messages (the mailbox and its length over
//! time), links and monitors, trace and probes; a StatefulWorker's recent
//! versions with rollback; and a message box that parses Elixir syntax as
//! you type and shows where it fails.

use crate::term::Pid;
use crate::web::model::{Action, Details, Sim};
use std::rc::Rc;
use web_sys::{HtmlInputElement, HtmlSelectElement};
use yew::prelude::*;

#[derive(Properties, PartialEq)]
pub struct InspectorProps {
    pub details: Option<Rc<Details>>,
    pub selected: Option<(String, Pid)>,
    pub on_action: Callback<Action>,
}

#[derive(Clone, Copy, PartialEq)]
enum Tab {
    Overview,
    State,
    Messages,
    Links,
    Trace,
    Probes,
}

const TABS: [(Tab, &str); 6] = [
    (Tab::Overview, "Overview"),
    (Tab::State, "State"),
    (Tab::Messages, "Messages"),
    (Tab::Links, "Links & monitors"),
    (Tab::Trace, "Trace"),
    (Tab::Probes, "Probes"),
];

#[function_component(Inspector)]
pub fn inspector(p: &InspectorProps) -> Html {
    let tab = use_state(|| Tab::State);
    let text = use_state(|| "{:inc, 5}".to_string());

    let body = match (&p.details, &p.selected) {
        (None, None) => {
            html! { <p class="empty">{"Select a process in the supervision tree to inspect it."}</p> }
        }
        (None, Some((id, pid))) => {
            html! { <p class="empty">{format!("{id} ({pid}) is not alive.")}</p> }
        }
        (Some(d), _) => {
            let pid = d.info.pid;
            let tabs = TABS.iter().map(|(t, label)| {
                let sel = *tab == *t;
                let onclick = {
                    let tab = tab.clone();
                    let t = *t;
                    Callback::from(move |_: MouseEvent| tab.set(t))
                };
                html! {
                    <button role="tab" class={classes!("tab", sel.then_some("active"))} aria-selected={sel.to_string()}
                        tabindex={if sel { "0" } else { "-1" }} {onclick}>{*label}</button>
                }
            });
            let panel = match *tab {
                Tab::Overview => html! {
                    <dl class="fields">
                        { for d.info.fields.iter().map(|(k, v)| html! { <><dt>{k}</dt><dd>{v}</dd></> }) }
                    </dl>
                },
                Tab::State => match &d.state {
                    Ok(s) => html! {
                        <>
                            if !d.versions.is_empty() {
                                <Versions {pid} versions={d.versions.clone()} on_action={p.on_action.clone()} />
                            }
                            <pre class="term" aria-label="State">{s}</pre>
                        </>
                    },
                    Err(e) => html! { <p class="empty">{e}</p> },
                },
                Tab::Probes => html! { <Probes {pid} probes={d.probes.clone()} on_action={p.on_action.clone()} /> },
                Tab::Messages => html! {
                    <>
                        <Sparkline values={d.queue_history.clone()} label="Queue length over time" />
                        if d.info.messages.is_empty() {
                            <p class="empty">{"The mailbox is empty."}</p>
                        } else {
                            <ol class="mailbox">{ for d.info.messages.iter().map(|m| html! { <li><code>{m}</code></li> }) }</ol>
                        }
                    </>
                },
                Tab::Links => html! {
                    <div class="links">
                        <PidList title="Links" pids={d.info.links.clone()} />
                        <PidList title="Monitors" pids={d.info.monitors.clone()} />
                        <PidList title="Monitored by" pids={d.info.monitored_by.clone()} />
                    </div>
                },
                Tab::Trace => {
                    let on = !d.traced;
                    let toggle = {
                        let a = p.on_action.clone();
                        Callback::from(move |_: MouseEvent| a.emit(Action::Trace(pid, on)))
                    };
                    html! {
                        <>
                            <div class="row">
                                <button onclick={toggle} aria-pressed={d.traced.to_string()}>
                                    { if d.traced { "Stop tracing" } else { "Trace" } }
                                </button>
                                <span class="hint">{ if d.traced { "Traced: its messages, callbacks and states also go to the recorder (process history)." } else { "Events of this process since you selected it, newest first. Trace also keeps them in the recorder." } }</span>
                            </div>
                            if d.trace.is_empty() {
                                <p class="empty">{"No events yet."}</p>
                            } else {
                                <pre class="trace">{ d.trace.join("\n") }</pre>
                            }
                        </>
                    }
                }
            };
            let status = d.info.status.map(|s| s.name()).unwrap_or("—");
            let parse_err = crate::term::parse(&text).err().map(|e| e.to_string());
            let send = {
                let a = p.on_action.clone();
                let text = text.clone();
                let ok = parse_err.is_none();
                Callback::from(move |e: SubmitEvent| {
                    e.prevent_default();
                    if ok {
                        a.emit(Action::Send { pid, text: (*text).clone() });
                    }
                })
            };
            let oninput = {
                let text = text.clone();
                Callback::from(move |e: InputEvent| text.set(e.target_unchecked_into::<HtmlInputElement>().value()))
            };
            html! {
                <>
                    <div class="proc-head">
                        <span class={classes!("status-pill", format!("st-{status}"))}>{status}</span>
                        <strong>{ d.info.name.clone().unwrap_or_else(|| p.selected.as_ref().map(|s| s.0.clone()).unwrap_or_default()) }</strong>
                        <code>{pid.to_string()}</code>
                        if d.info.supervisor { <span class="tag">{"supervisor"}</span> }
                        else if d.info.gen_server { <span class="tag">{"gen_server"}</span> }
                    </div>
                    <div role="tablist" aria-label="Inspector tabs" class="tabs">{ for tabs }</div>
                    <div role="tabpanel" class="tabpanel">{panel}</div>
                    <form class="send" onsubmit={send}>
                        <input type="text" aria-label="Message" spellcheck="false" value={(*text).clone()} {oninput}
                            aria-invalid={parse_err.is_some().to_string()} class={classes!(parse_err.is_some().then_some("invalid"))} />
                        <button type="submit" class="primary" disabled={parse_err.is_some()}>{"Send"}</button>
                    </form>
                    if let Some(e) = parse_err {
                        <p class="parse-error" role="alert">{e}</p>
                    } else {
                        <p class="hint">{"Elixir syntax, for example {:inc, 5}, {:set, 42}, {:crash, :boom}"}</p>
                    }
                </>
            }
        }
    };
    html! {
        <section class="panel inspector" role="region" aria-label="Process inspector">
            <h2>{"Process inspector"}</h2>
            {body}
        </section>
    }
}

#[derive(Properties, PartialEq)]
struct VersionsProps {
    pid: Pid,
    versions: Vec<crate::web::model::VersionView>,
    on_action: Callback<Action>,
}

/// A StatefulWorker's recent versions, newest first, each with a button
/// that rolls the worker back to it.
#[function_component(Versions)]
fn versions(p: &VersionsProps) -> Html {
    let rows = p.versions.iter().rev().map(|v| {
        let onclick = {
            let a = p.on_action.clone();
            let (pid, version) = (p.pid, v.version);
            Callback::from(move |_: MouseEvent| a.emit(Action::Rollback { pid, version }))
        };
        html! {
            // The accessible name says each part apart: the visible
            // spans run together as text ("v5" "11" "1000 ms" read
            // "v5111000 ms"), so a search of the text for a value would
            // find it in other versions too.
            <li class={classes!(v.current.then_some("current"))}
                aria-label={format!("Version {}: {} at {} ms{}", v.version, v.value, v.at_ms, if v.current { ", current" } else { "" })}>
                <span class="ver">{format!("v{}", v.version)}</span>
                <code class="val">{&v.value}</code>
                <span class="at">{format!("{} ms", v.at_ms)}</span>
                if v.current {
                    <span class="tag">{"current"}</span>
                } else {
                    <button class="small" {onclick}>{"Roll back"}</button>
                }
            </li>
        }
    });
    html! {
        <section class="versions" aria-label="Version history">
            <h3>{"Version history"}</h3>
            <ol class="version-list">{ for rows }</ol>
        </section>
    }
}

#[derive(Properties, PartialEq)]
struct ProbesProps {
    pid: Pid,
    probes: Vec<crate::web::model::ProbeView>,
    on_action: Callback<Action>,
}

const PROBE_ACTIONS: [(&str, &str); 5] =
    [("log", "log"), ("count", "count"), ("pause", "pause"), ("delay", "delay (ms)"), ("drop", "drop")];

/// The probes on a process (pattern, action, hits), a form that adds one
/// and checks its pattern as you type, and a Remove button on each.
#[function_component(Probes)]
fn probes(p: &ProbesProps) -> Html {
    let pattern = use_state(|| "{:inc, n} when n > 10".to_string());
    let action = use_state(|| "log".to_string());
    let delay = use_state(|| "100".to_string());
    let delay_ms = delay.trim().parse::<u64>().ok();
    let pat_err = crate::web::model::probe_action(&action, delay_ms.unwrap_or(0))
        .and_then(|a| Sim::check_probe(&pattern, a))
        .err()
        .map(|e| e.to_string());
    let delay_err = (*action == "delay" && delay_ms.is_none()).then_some("the delay is a whole number of milliseconds");
    let ok = pat_err.is_none() && delay_err.is_none();
    let onsubmit = {
        let a = p.on_action.clone();
        let (pattern, action, pid) = (pattern.clone(), action.clone(), p.pid);
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            if ok {
                a.emit(Action::AddProbe {
                    pid,
                    pattern: (*pattern).clone(),
                    action: (*action).clone(),
                    delay_ms: delay_ms.unwrap_or(0),
                });
            }
        })
    };
    let on_pattern = {
        let s = pattern.clone();
        Callback::from(move |e: InputEvent| s.set(e.target_unchecked_into::<HtmlInputElement>().value()))
    };
    let on_delay = {
        let s = delay.clone();
        Callback::from(move |e: InputEvent| s.set(e.target_unchecked_into::<HtmlInputElement>().value()))
    };
    let on_action = {
        let s = action.clone();
        Callback::from(move |e: Event| s.set(e.target_unchecked_into::<HtmlSelectElement>().value()))
    };
    let rows = p.probes.iter().map(|pr| {
        let onclick = {
            let a = p.on_action.clone();
            let (pid, id) = (p.pid, pr.id);
            Callback::from(move |_: MouseEvent| a.emit(Action::RemoveProbe { pid, id }))
        };
        html! {
            <tr>
                <td><code>{&pr.pattern}</code></td>
                <td>{&pr.action}</td>
                <td class="num">{pr.hits}</td>
                <td><button class="small" {onclick}>{"Remove"}</button></td>
            </tr>
        }
    });
    html! {
        <div class="probes">
            if p.probes.is_empty() {
                <p class="empty">{"No probes on this process."}</p>
            } else {
                <table class="probe-table" aria-label="Probes">
                    <thead><tr><th>{"Pattern"}</th><th>{"Action"}</th><th class="num">{"Hits"}</th><th></th></tr></thead>
                    <tbody>{ for rows }</tbody>
                </table>
            }
            <form class="probe-form" {onsubmit}>
                <input type="text" aria-label="Probe pattern" spellcheck="false" value={(*pattern).clone()} oninput={on_pattern}
                    aria-invalid={pat_err.is_some().to_string()} class={classes!(pat_err.is_some().then_some("invalid"))} />
                <select aria-label="Probe action" onchange={on_action}>
                    { for PROBE_ACTIONS.iter().map(|(v, l)| html! { <option value={*v} selected={*action == *v}>{*l}</option> }) }
                </select>
                if *action == "delay" {
                    <input type="number" class="delay" aria-label="Delay in ms" min="0" value={(*delay).clone()} oninput={on_delay} />
                }
                <button type="submit" class="primary" disabled={!ok}>{"Add probe"}</button>
            </form>
            if let Some(e) = pat_err.as_deref().or(delay_err) {
                <p class="parse-error" role="alert">{e}</p>
            } else {
                <p class="hint">{"A pattern in Elixir syntax with an optional guard, e.g. {:inc, n} when n > 10"}</p>
            }
        </div>
    }
}

#[derive(Properties, PartialEq)]
struct PidListProps {
    title: &'static str,
    pids: Vec<Pid>,
}

#[function_component(PidList)]
fn pid_list(p: &PidListProps) -> Html {
    html! {
        <div>
            <h3>{format!("{} ({})", p.title, p.pids.len())}</h3>
            if p.pids.is_empty() {
                <p class="empty">{"none"}</p>
            } else {
                <ul class="pids">{ for p.pids.iter().map(|pid| html! { <li><code>{pid.to_string()}</code></li> }) }</ul>
            }
        </div>
    }
}

#[derive(Properties, PartialEq)]
pub struct SparklineProps {
    pub values: Vec<usize>,
    pub label: &'static str,
}

/// A small SVG line of recent values.
#[function_component(Sparkline)]
pub fn sparkline(p: &SparklineProps) -> Html {
    let w = 280.0;
    let h = 40.0;
    let max = p.values.iter().copied().max().unwrap_or(0).max(1) as f64;
    let n = p.values.len().max(2) as f64 - 1.0;
    let pts: Vec<String> = p
        .values
        .iter()
        .enumerate()
        .map(|(i, v)| format!("{:.1},{:.1}", i as f64 * w / n, h - 2.0 - (*v as f64 / max) * (h - 4.0)))
        .collect();
    html! {
        <figure class="sparkline">
            <svg width={w.to_string()} height={h.to_string()} role="img" aria-label={p.label}>
                <polyline points={pts.join(" ")} />
            </svg>
            <figcaption>{format!("{} (max {})", p.label, max as u64)}</figcaption>
        </figure>
    }
}
