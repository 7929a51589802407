//! The System Dashboard: key metrics, the health score with its reasons,
//! bottlenecks and anomaly alerts, and trend charts of process count,
//! memory, messages/s and restarts/s.

use crate::web::charts::{fmt_num, Chart};
use crate::web::model::{Alert, Findings, Health, Sample};
use std::rc::Rc;
use yew::prelude::*;

#[derive(Properties, PartialEq)]
pub struct DashboardProps {
    pub samples: Rc<Vec<Sample>>,
    pub health: Rc<Health>,
    pub findings: Rc<Findings>,
}

/// A region listing findings under a heading, or saying plainly that there
/// are none.
fn findings_panel(title: &'static str, class: &'static str, items: &[Alert], none: &'static str) -> Html {
    html! {
        <section class={classes!("findings", class, (!items.is_empty()).then_some("has"))} role="region" aria-label={title}>
            <h3>{title}{ if items.is_empty() { String::new() } else { format!(" ({})", items.len()) } }</h3>
            if items.is_empty() {
                <p class="empty">{none}</p>
            } else {
                <ul>{ for items.iter().map(|a| html! { <li><strong>{&a.title}</strong><span>{&a.detail}</span></li> }) }</ul>
            }
        </section>
    }
}

#[function_component(Dashboard)]
pub fn dashboard(p: &DashboardProps) -> Html {
    // The theme is read from the nearest themed ancestor at draw time; the
    // chart colours follow the page's scheme class.
    let dark = use_context::<bool>().unwrap_or(false);
    let series = |f: fn(&Sample) -> f64| Rc::new(p.samples.iter().map(|s| (s.t_ms / 1000.0, f(s))).collect::<Vec<_>>());
    let procs = use_memo(p.samples.clone(), |_| series(|s| s.processes as f64));
    let mem = use_memo(p.samples.clone(), |_| series(|s| s.memory_kib));
    let msgs = use_memo(p.samples.clone(), |_| series(|s| s.messages_per_s));
    let rest = use_memo(p.samples.clone(), |_| series(|s| s.restarts_per_s));
    let last = p.samples.last().copied();
    let h = &p.health;
    // Before the first sample (a paused embed at 0 ms), a dash rather than
    // an empty tile.
    let metric = |label: &str, value: String| {
        let value = if value.is_empty() { "—".to_string() } else { value };
        html! { <div class="metric"><span class="m-label">{label.to_string()}</span><span class="m-value">{value}</span></div> }
    };
    html! {
        <section class="panel dashboard" role="region" aria-label="System dashboard">
            <h2>{"System dashboard"}</h2>
            <div class="dash-top">
                <div class={classes!("health", format!("h-{}", h.status))} aria-label={format!("Health score {} of 100, {}", h.score, h.status)}>
                    <div class="score"><span class="num">{h.score}</span><span class="of">{"/100"}</span></div>
                    <div class="h-status">{h.status}</div>
                    <ul class="reasons">{ for h.reasons.iter().map(|r| html! { <li>{r}</li> }) }</ul>
                </div>
                <div class="metrics">
                    { metric("Processes", last.map(|s| s.processes.to_string()).unwrap_or_default()) }
                    { metric("Memory", last.map(|s| format!("{} KiB", fmt_num(s.memory_kib))).unwrap_or_default()) }
                    { metric("Messages/s", last.map(|s| fmt_num(s.messages_per_s)).unwrap_or_default()) }
                    { metric("Restarts/s", last.map(|s| fmt_num(s.restarts_per_s)).unwrap_or_default()) }
                    { metric("Run queue", last.map(|s| s.run_queue.to_string()).unwrap_or_default()) }
                    { metric("Virtual time", last.map(|s| format!("{:.1} s", s.t_ms / 1000.0)).unwrap_or_default()) }
                </div>
            </div>
            <div class="dash-findings">
                { findings_panel("Bottlenecks", "f-bottlenecks", &p.findings.bottlenecks,
                    "No bottlenecks found: no growing queues, contended servers, blocked call chains or deadlocks.") }
                { findings_panel("Alerts", "f-alerts", &p.findings.alerts,
                    "No alerts: no unusual message activity and no supervision anti-patterns.") }
            </div>
            <div class="charts">
                <Chart title="Processes" points={(*procs).clone()} color={(0x3b, 0x82, 0xf6)} {dark} unit="" />
                <Chart title="Memory" points={(*mem).clone()} color={(0x8b, 0x5c, 0xf6)} {dark} unit="KiB" />
                <Chart title="Messages/s" points={(*msgs).clone()} color={(0x10, 0xb9, 0x81)} {dark} unit="/s" />
                <Chart title="Restarts/s" points={(*rest).clone()} color={(0xef, 0x44, 0x44)} {dark} unit="/s" />
            </div>
        </section>
    }
}
