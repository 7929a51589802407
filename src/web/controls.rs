//! The top bar's controls: play/pause, step, speed on a log scale, seed,
//! scenario picker, reset, chaos mode, theme and report export.

use web_sys::{HtmlInputElement, HtmlSelectElement};
use yew::prelude::*;

/// What the controls show.
#[derive(Clone, PartialEq)]
pub struct ControlsState {
    pub playing: bool,
    pub speed: f64,
    pub seed: u64,
    pub scenario: String,
    pub chaos: f64,
    pub now_ms: f64,
    pub dark: bool,
    /// Restarts made by every supervisor so far.
    pub restarts: u64,
}

#[derive(Properties, PartialEq)]
pub struct ControlsProps {
    pub state: ControlsState,
    pub scenarios: Vec<(String, String)>,
    pub on_toggle: Callback<()>,
    pub on_step: Callback<()>,
    pub on_speed: Callback<f64>,
    pub on_seed: Callback<u64>,
    pub on_scenario: Callback<String>,
    pub on_reset: Callback<()>,
    pub on_chaos: Callback<f64>,
    pub on_theme: Callback<()>,
    pub on_export: Callback<&'static str>,
}

/// Virtual time as `12.345 s`.
fn clock(ms: f64) -> String {
    format!("{:.3} s", ms / 1000.0)
}

fn speed_label(s: f64) -> String {
    if s >= 10.0 {
        format!("{s:.0}×")
    } else if s >= 1.0 {
        format!("{s:.1}×")
    } else {
        format!("{s:.2}×")
    }
}

#[function_component(Controls)]
pub fn controls(p: &ControlsProps) -> Html {
    let s = &p.state;
    let seed_text = use_state(|| s.seed.to_string());
    {
        let seed_text = seed_text.clone();
        use_effect_with(s.seed, move |seed| {
            seed_text.set(seed.to_string());
        });
    }
    let toggle = p.on_toggle.reform(|_: MouseEvent| ());
    let step = p.on_step.reform(|_: MouseEvent| ());
    let reset = p.on_reset.reform(|_: MouseEvent| ());
    let theme = p.on_theme.reform(|_: MouseEvent| ());
    let on_speed = p.on_speed.clone();
    let speed_input = Callback::from(move |e: InputEvent| {
        let v: f64 = e.target_unchecked_into::<HtmlInputElement>().value().parse().unwrap_or(0.0);
        on_speed.emit(10f64.powf(v));
    });
    let on_scenario = p.on_scenario.clone();
    let scenario_change = Callback::from(move |e: Event| {
        on_scenario.emit(e.target_unchecked_into::<HtmlSelectElement>().value());
    });
    let seed_edit = {
        let seed_text = seed_text.clone();
        Callback::from(move |e: InputEvent| seed_text.set(e.target_unchecked_into::<HtmlInputElement>().value()))
    };
    let seed_valid = seed_text.parse::<u64>().is_ok();
    let seed_commit = {
        let on_seed = p.on_seed.clone();
        let seed_text = seed_text.clone();
        let current = s.seed;
        Callback::from(move |_: Event| {
            if let Ok(v) = seed_text.parse::<u64>() {
                if v != current {
                    on_seed.emit(v);
                }
            }
        })
    };
    let on_chaos = p.on_chaos.clone();
    let chaos_on = s.chaos > 0.0;
    let chaos_toggle = {
        let on_chaos = on_chaos.clone();
        Callback::from(move |_: MouseEvent| on_chaos.emit(if chaos_on { 0.0 } else { 1.0 }))
    };
    let chaos_rate = Callback::from(move |e: InputEvent| {
        let v: f64 = e.target_unchecked_into::<HtmlInputElement>().value().parse().unwrap_or(0.0);
        on_chaos.emit(v);
    });
    let export_md = p.on_export.reform(|_: MouseEvent| "md");
    let export_json = p.on_export.reform(|_: MouseEvent| "json");
    let export_rec = p.on_export.reform(|_: MouseEvent| "recording");
    html! {
        <div class="controls" role="toolbar" aria-label="Simulation controls">
            <div class="group">
                <button class={classes!("primary", "icon-btn")} onclick={toggle} aria-label={if s.playing { "Pause" } else { "Play" }}
                    title={if s.playing { "Pause" } else { "Play" }}>
                    { if s.playing { "❚❚" } else { "▶" } }
                </button>
                <button class="icon-btn" onclick={step} aria-label="Step" title="Run one scheduler slice">{"Step"}</button>
                <span class="clock" aria-label="Virtual time" title="Virtual time">{clock(s.now_ms)}</span>
            </div>
            <label class="group speed">
                <span class="lbl">{"Speed"}</span>
                <input type="range" min="-2" max="2" step="0.05" aria-label="Speed"
                    value={s.speed.log10().to_string()} oninput={speed_input} />
                <span class="value">{speed_label(s.speed)}</span>
            </label>
            <label class="group">
                <span class="lbl">{"Scenario"}</span>
                <select aria-label="Scenario" onchange={scenario_change}>
                    { for p.scenarios.iter().map(|(name, title)| html! {
                        <option value={name.clone()} selected={*name == s.scenario}>{title}</option>
                    }) }
                </select>
            </label>
            <label class="group">
                <span class="lbl">{"Seed"}</span>
                <input class={classes!("seed", (!seed_valid).then_some("invalid"))} type="text" inputmode="numeric"
                    aria-label="Seed" aria-invalid={(!seed_valid).to_string()}
                    value={(*seed_text).clone()} oninput={seed_edit} onchange={seed_commit} />
            </label>
            <button onclick={reset} aria-label="Reset" title="Rebuild the scenario with this seed">{"↺ Reset"}</button>
            <div class={classes!("group", "chaos", chaos_on.then_some("on"))}>
                <button aria-pressed={chaos_on.to_string()} onclick={chaos_toggle} aria-label="Chaos mode"
                    title="Seeded random worker failures">{"⚡ Chaos"}</button>
                if chaos_on {
                    <input type="range" min="0.1" max="10" step="0.1" aria-label="Chaos rate"
                        value={s.chaos.to_string()} oninput={chaos_rate} />
                    <span class="value">{format!("{:.1}/s · {} restarts", s.chaos, s.restarts)}</span>
                }
            </div>
            <div class="group end">
                <span class="lbl">{"Report"}</span>
                <button class="ghost" onclick={export_md} aria-label="Export report as Markdown" title="Download the report as Markdown">{"⤓ MD"}</button>
                <button class="ghost" onclick={export_json} aria-label="Export report as JSON" title="Download the report as JSON">{"⤓ JSON"}</button>
                <button class="ghost" onclick={export_rec} aria-label="Export recording" title="Download seed and commands as JSON, to replay">{"⤓ Recording"}</button>
                <button class="ghost icon-btn" onclick={theme} aria-label="Toggle theme" title="Light or dark theme">
                    { if s.dark { "☀" } else { "☾" } }
                </button>
            </div>
        </div>
    }
}
