//! The root component: owns one live simulator, drives it from animation
//! frames, and hands plain snapshots to the views. Also the entry points
//! [`start`] (the playground page) and [`mount`] (embedding).

use crate::term::Pid;
use crate::web::controls::{Controls, ControlsState};
use crate::web::dashboard::Dashboard;
use crate::web::embed::SharedSim;
use crate::web::flow::{FlowMsg, FlowView, ReplayState};
use crate::web::inspector::Inspector;
use crate::web::model::{
    self, Action, Details, Findings, FlowRecording, Health, Heatmap, Moving, Sample, Sim, SimError, TreeNode,
};
use crate::web::tree::{Dot, TreeView};
use gloo::render::{request_animation_frame, AnimationFrame};
use serde::Deserialize;
use std::cell::RefMut;
use std::rc::Rc;
use wasm_bindgen::prelude::*;
use yew::prelude::*;

/// Options of an app instance (also the embed options, as a JS object).
#[derive(Properties, Clone, PartialEq, Deserialize)]
#[serde(default)]
pub struct AppProps {
    /// A built-in scenario name.
    #[prop_or_else(|| "demo".to_string())]
    pub scenario: String,
    #[prop_or(42)]
    pub seed: u64,
    /// Start running right away.
    #[prop_or(true)]
    pub autoplay: bool,
    /// `"light"`, `"dark"`, or empty for the system's preference.
    #[prop_or_default]
    pub theme: String,
    /// Virtual seconds per real second.
    #[prop_or(1.0)]
    pub speed: f64,
    /// `"full"`, or the views to show, space-separated: `tree`,
    /// `inspector`, `dashboard`, `flow`.
    #[prop_or_else(|| "full".to_string())]
    pub view: String,
    /// `"full"` shows the top bar; `"minimal"` and `"none"` leave it out
    /// (an embed's own bar stands for `"minimal"`).
    #[prop_or_else(|| "full".to_string())]
    pub controls: String,
    /// A simulation made by the embed API, shown instead of a new one.
    #[serde(skip)]
    #[prop_or_default]
    pub shared: Option<SharedSim>,
    /// Mounted by the embed API (`<otp-sim>`): sized by its host.
    #[serde(skip)]
    #[prop_or_default]
    pub embedded: bool,
}

impl Default for AppProps {
    fn default() -> AppProps {
        AppProps {
            scenario: "demo".into(),
            seed: 42,
            autoplay: true,
            theme: String::new(),
            speed: 1.0,
            view: "full".into(),
            controls: "full".into(),
            shared: None,
            embedded: false,
        }
    }
}

pub enum Msg {
    Frame(f64),
    TogglePlay,
    Step,
    Speed(f64),
    Seed(u64),
    Scenario(String),
    Reset,
    Chaos(f64),
    Select(Option<(String, Pid)>),
    Act(Action),
    Theme,
    Export(&'static str),
    DismissNotice,
    Flow(FlowMsg),
    Host(Host),
}

/// What an embedding page asks of a mounted app (`Engine::host_do`).
pub enum Host {
    /// 1 runs, 0 pauses, anything else toggles.
    Play(f64),
    Step,
    /// Multiplies the speed.
    Speed(f64),
    Dark(bool),
    /// Stops advancing without owing time (off screen, hidden tab), or goes on.
    Hold(bool),
    /// The simulation changed outside the app: refresh the views.
    Refresh,
}

/// A message shown under the top bar.
#[derive(Clone, PartialEq)]
pub struct Notice {
    pub error: bool,
    pub text: String,
}

impl Notice {
    /// The notice of an action's outcome.
    fn of(r: Result<String, SimError>) -> Notice {
        match r {
            Ok(text) => Notice { error: false, text },
            Err(e) => Notice { error: true, text: e.to_string() },
        }
    }
}

pub struct App {
    /// The simulation, shared with an embed API handle when there is one.
    sim: SharedSim,
    /// Held by the host page (off screen, hidden tab): no time passes.
    held: bool,
    load_error: Option<String>,
    playing: bool,
    speed: f64,
    seed: u64,
    scenario: String,
    chaos: f64,
    dark: bool,
    selected: Option<(String, Pid)>,
    notice: Option<Notice>,
    frame: Option<AnimationFrame>,
    last_ts: Option<f64>,
    /// Virtual time owed to the simulator (fractions of a millisecond).
    owed_ms: f64,
    tree: Option<Rc<TreeNode>>,
    details: Option<Rc<Details>>,
    samples: Rc<Vec<Sample>>,
    health: Rc<Health>,
    findings: Rc<Findings>,
    heatmap: Rc<Heatmap>,
    /// The bottlenecks' processes, highlighted in the tree and heatmap.
    hot: Rc<Vec<Pid>>,
    flows: Rc<Vec<Rc<FlowRecording>>>,
    recording: Option<(usize, f64)>,
    replay: Option<ReplayState>,
    /// When the replay last moved on (animation-frame time).
    replay_last: f64,
    /// Messages in flight in the tree, with when they were added.
    live_dots: std::collections::VecDeque<(Dot, f64)>,
    dots: Rc<Vec<Dot>>,
    frames: u64,
    last_refresh: f64,
    /// When the current frame's work began (performance.now()).
    work_start: f64,
    /// Recent per-frame costs in ms (simulation + snapshots + render).
    costs: std::collections::VecDeque<f64>,
    /// Recent costs of the frames that refreshed the views, in ms.
    refresh_costs: std::collections::VecDeque<f64>,
    refreshing: bool,
    refresh_count: u64,
    /// The views' callbacks, made once: a callback made anew in every
    /// render would differ from the last one and so re-render every view
    /// on every frame, whether or not its data changed.
    on_select: Callback<Option<(String, Pid)>>,
    on_action: Callback<Action>,
    on_flow: Callback<FlowMsg>,
    /// Animation frames seen since the app was made. The dashboard and the
    /// flow view (below the fold) are first rendered after the first paint,
    /// so that the tree and the controls come up as soon as they can.
    frames_seen: u32,
}

/// Real milliseconds between view refreshes while running.
const REFRESH_MS: f64 = 70.0;
/// The moving messages of one tree refresh leave over this many real
/// milliseconds (the time until the next tree refresh), in the rhythm they
/// were sent.
const DOT_SPREAD_MS: f64 = 2.0 * REFRESH_MS;
/// A dot's element is kept this long: its animation (0.7 s in app.css)
/// after its delay.
const DOT_LIFE_MS: f64 = 900.0;
/// At most this many of one refresh's messages are drawn (evenly chosen):
/// a busy system sends thousands a second, and more dots would only blur.
const DOTS_PER_REFRESH: usize = 24;

/// A `performance.mark`, for load-time measurements.
fn mark(name: &str) {
    if let Some(p) = gloo::utils::window().performance() {
        let _ = p.mark(name);
    }
}

/// The loaded simulation, unless none is loaded (or, which the app never
/// does, it is borrowed elsewhere).
fn sim_of(s: &SharedSim) -> Option<RefMut<'_, Sim>> {
    RefMut::filter_map(s.0.sim.try_borrow_mut().ok()?, |s| s.as_mut()).ok()
}

fn now() -> f64 {
    gloo::utils::window().performance().map(|p| p.now()).unwrap_or(0.0)
}

impl App {
    fn load(&mut self) {
        // The same scenario again (a new seed, a reset) is rebuilt from the
        // loaded one, so an embed's own scenario and options carry over.
        let next = match sim_of(&self.sim) {
            Some(s) if s.scenario() == self.scenario => s.rebuild(self.seed),
            _ => Sim::new(&self.scenario, self.seed),
        };
        let cell = &self.sim.0.sim;
        match next {
            Ok(mut s) => {
                if self.chaos > 0.0 {
                    let _ = s.set_chaos(self.chaos);
                }
                if let Ok(mut c) = cell.try_borrow_mut() {
                    *c = Some(s);
                }
                self.load_error = None;
            }
            Err(e) => {
                if let Ok(mut c) = cell.try_borrow_mut() {
                    *c = None;
                }
                self.load_error = Some(e.to_string());
            }
        }
        self.selected = None;
        self.owed_ms = 0.0;
        self.replay = None;
        self.live_dots.clear();
        self.refresh(true);
    }

    /// Rebuilds the views' snapshots; a snapshot equal to the last one is
    /// kept, so views whose data did not change are not redrawn. While
    /// running, each refresh does one turn, so that no frame pays for two:
    /// the tree and inspector every other refresh, and in between the
    /// dashboard and heatmap, or (every fourth of those, about every 0.5 s)
    /// the findings, the dearest analysis on a large system, which changes
    /// slowly. `full` (after a user action) does everything.
    fn refresh(&mut self, full: bool) {
        let shared = self.sim.clone();
        let Some(mut sim) = sim_of(&shared) else {
            self.tree = None;
            self.details = None;
            return;
        };
        self.refresh_count += 1;
        let tree_turn = full || self.refresh_count % 2 == 1;
        let findings_turn = full || self.refresh_count % 8 == 0;
        let dash_turn = full || (self.refresh_count % 2 == 0 && !findings_turn);
        if tree_turn {
            Self::refresh_tree(&mut sim, &mut self.selected, &mut self.tree, &mut self.details);
        }
        let moving = if tree_turn { sim.take_moving() } else { Vec::new() };
        if dash_turn {
            let samples = sim.samples();
            if full || samples.last() != self.samples.last() || samples.len() != self.samples.len() {
                self.samples = Rc::new(samples);
                self.health = Rc::new(sim.health());
                self.heatmap = Rc::new(sim.heatmap(10));
            }
        }
        // After the health check, whose findings it lists.
        if findings_turn {
            let findings = sim.findings();
            if *self.findings != findings {
                if self.findings.hot != findings.hot {
                    self.hot = Rc::new(findings.hot.clone());
                }
                self.findings = Rc::new(findings);
            }
        }
        self.recording = sim.recording_status();
        let flows = sim.recordings();
        if flows.len() != self.flows.len() || flows.last().map(|f| f.id) != self.flows.last().map(|f| f.id) {
            // A new recording is shown at once, whole.
            if let Some(f) = flows.last().filter(|f| self.flows.last().map(|o| o.id) != Some(f.id)) {
                self.replay = Some(ReplayState { flow: f.clone(), cursor: f.hops.len(), playing: false });
            }
            self.flows = Rc::new(flows);
        }
        self.add_moving(moving, now());
    }

    /// Turns one refresh's moving messages into dots, drops the dots whose
    /// animation is over, and adds the message being replayed.
    fn add_moving(&mut self, moving: Vec<Moving>, now: f64) {
        self.live_dots.retain(|(_, added)| now - added < DOT_LIFE_MS);
        let replaying = self.replay.as_ref().is_some_and(|r| r.playing);
        let n = moving.len();
        if n > 0 && !replaying {
            let take = n.min(DOTS_PER_REFRESH);
            let (t0, t1) = (moving[0].at_ms, moving[n - 1].at_ms);
            let span = t1 - t0;
            for j in 0..take {
                let Some(m) = moving.get(j * n / take) else { continue };
                let delay_ms = if span > 0.0 { (m.at_ms - t0) / span * DOT_SPREAD_MS } else { 0.0 };
                self.live_dots.push_back((Dot { key: m.seq, from: m.from, to: m.to, delay_ms, replay: false }, now));
            }
        }
        self.rebuild_dots();
    }

    fn rebuild_dots(&mut self) {
        let replaying = self.replay.as_ref().is_some_and(|r| r.playing);
        let mut v: Vec<Dot> =
            if replaying { Vec::new() } else { self.live_dots.iter().map(|(d, _)| d.clone()).collect() };
        if let Some(r) = &self.replay {
            if let Some(h) = r.cursor.checked_sub(1).and_then(|i| r.flow.hops.get(i)) {
                v.push(Dot { key: h.seq, from: h.from, to: h.to, delay_ms: 0.0, replay: true });
            }
        }
        if *self.dots != v {
            self.dots = Rc::new(v);
        }
    }

    /// Moves a playing replay on when its next message is due: the gap
    /// to it in virtual time, stretched so that each arrow can be read.
    /// Returns whether anything changed.
    fn step_replay(&mut self, ts: f64) -> bool {
        let Some(r) = self.replay.as_mut() else { return false };
        if !r.playing {
            return false;
        }
        let hops = &r.flow.hops;
        if r.cursor >= hops.len() {
            r.playing = false;
            self.rebuild_dots();
            return true;
        }
        let gap = match (r.cursor.checked_sub(1).and_then(|i| hops.get(i)), hops.get(r.cursor)) {
            (Some(a), Some(b)) => b.at_ms - a.at_ms,
            _ => 0.0,
        };
        if ts - self.replay_last < (gap * 10.0).clamp(180.0, 700.0) {
            return false;
        }
        r.cursor += 1;
        self.replay_last = ts;
        self.rebuild_dots();
        true
    }

    fn flow_msg(&mut self, m: FlowMsg) {
        match m {
            FlowMsg::Show(id) => {
                if let Some(f) = self.flows.iter().find(|f| f.id == id) {
                    self.replay = Some(ReplayState { flow: f.clone(), cursor: f.hops.len(), playing: false });
                }
            }
            FlowMsg::Cursor(k) => {
                if let Some(r) = self.replay.as_mut() {
                    r.cursor = k.min(r.flow.hops.len());
                    r.playing = false;
                }
            }
            FlowMsg::Replay(on) => {
                if let Some(r) = self.replay.as_mut() {
                    if on && r.cursor >= r.flow.hops.len() {
                        r.cursor = 0;
                    }
                    r.playing = on;
                    self.replay_last = now();
                }
            }
        }
        self.rebuild_dots();
    }

    fn refresh_tree(
        sim: &mut Sim,
        selected: &mut Option<(String, Pid)>,
        tree_out: &mut Option<Rc<TreeNode>>,
        details_out: &mut Option<Rc<Details>>,
    ) {
        let tree = sim.tree();
        // Keep the selection on the same child across restarts.
        if let (Some((id, pid)), Some(t)) = (selected.as_ref(), &tree) {
            if t.find(*pid).is_none() {
                if let Some(n) = t.find_id(id).and_then(|n| n.pid.map(|p| (n.id.clone(), p))) {
                    *selected = Some(n);
                }
            }
        }
        sim.select(selected.as_ref().map(|s| s.1));
        match (tree_out.as_ref(), tree) {
            (Some(old), Some(new)) if **old == new => {}
            (_, new) => *tree_out = new.map(Rc::new),
        }
        let details = selected.as_ref().and_then(|(_, p)| sim.details(*p));
        if details_out.as_deref() != details.as_ref() {
            *details_out = details.map(Rc::new);
        }
    }

    /// Records the cost of the frame that began at `work_start`.
    fn note_cost(&mut self) {
        if self.work_start > 0.0 {
            let cost = now() - self.work_start;
            // The last 40 refreshes (about 3 s): the figure is the running
            // system's, not the first frames' (which compile the wasm's
            // code paths and lay everything out for the first time).
            let (q, cap) = if self.refreshing { (&mut self.refresh_costs, 40) } else { (&mut self.costs, 120) };
            if q.len() >= cap {
                q.pop_front();
            }
            q.push_back(cost);
            self.work_start = 0.0;
            self.refreshing = false;
        }
    }

    /// The median and worst of the recent frame costs, in ms.
    fn cost_stats(q: &std::collections::VecDeque<f64>) -> (f64, f64) {
        let mut v: Vec<f64> = q.iter().copied().collect();
        crate::util::sort_by(&mut v, |a, b| a.total_cmp(b));
        let med = v.get(v.len() / 2).copied().unwrap_or(0.0);
        let max = v.last().copied().unwrap_or(0.0);
        (med, max)
    }

    fn schedule(&mut self, ctx: &Context<Self>) {
        let link = ctx.link().clone();
        self.frame = Some(request_animation_frame(move |ts| link.send_message(Msg::Frame(ts))));
    }

    fn download(&mut self, kind: &str) {
        let Some(mut sim) = sim_of(&self.sim) else { return };
        let (text, name, mime) = match kind {
            "md" => (sim.report_markdown(), "otpsim-report.md", "text/markdown"),
            "json" => (sim.report_json(), "otpsim-report.json", "application/json"),
            _ => (sim.recording_json(), "otpsim-recording.json", "application/json"),
        };
        let _ = download_text(&text, name, mime);
    }
}

/// Offers `text` as a file download.
pub fn download_text(text: &str, name: &str, mime: &str) -> Result<(), JsValue> {
    let parts = js_sys::Array::of1(&JsValue::from_str(text));
    let opts = web_sys::BlobPropertyBag::new();
    opts.set_type(mime);
    let blob = web_sys::Blob::new_with_str_sequence_and_options(&parts, &opts)?;
    let url = web_sys::Url::create_object_url_with_blob(&blob)?;
    let doc = gloo::utils::document();
    let a: web_sys::HtmlAnchorElement = doc.create_element("a")?.dyn_into()?;
    a.set_href(&url);
    a.set_download(name);
    a.click();
    web_sys::Url::revoke_object_url(&url)?;
    Ok(())
}

impl Component for App {
    type Message = Msg;
    type Properties = AppProps;

    fn create(ctx: &Context<Self>) -> Self {
        let p = ctx.props();
        let dark = match p.theme.as_str() {
            "dark" => true,
            "light" => false,
            _ => gloo::utils::window()
                .match_media("(prefers-color-scheme: dark)")
                .ok()
                .flatten()
                .is_some_and(|m| m.matches()),
        };
        let given = p.shared.clone();
        let mut app = App {
            sim: given.clone().unwrap_or_default(),
            held: false,
            load_error: None,
            playing: p.autoplay,
            speed: if p.speed.is_finite() { p.speed.clamp(0.01, 100.0) } else { 1.0 },
            seed: p.seed,
            scenario: p.scenario.clone(),
            chaos: 0.0,
            dark,
            selected: None,
            notice: None,
            frame: None,
            last_ts: None,
            owed_ms: 0.0,
            tree: None,
            details: None,
            samples: Rc::new(Vec::new()),
            health: Rc::new(Health { score: 100, status: "healthy", reasons: vec![] }),
            findings: Rc::default(),
            heatmap: Rc::new(Heatmap::default()),
            hot: Rc::default(),
            flows: Rc::default(),
            recording: None,
            replay: None,
            replay_last: 0.0,
            live_dots: Default::default(),
            dots: Rc::default(),
            frames: 0,
            last_refresh: 0.0,
            work_start: 0.0,
            costs: std::collections::VecDeque::new(),
            refresh_costs: std::collections::VecDeque::new(),
            refreshing: false,
            refresh_count: 0,
            on_select: ctx.link().callback(Msg::Select),
            on_action: ctx.link().callback(Msg::Act),
            on_flow: ctx.link().callback(Msg::Flow),
            frames_seen: 0,
        };
        // An embed's simulation is there already; the playground makes its own.
        if given.is_some() {
            app.refresh(true);
        } else {
            app.load();
        }
        app.sim.0.playing.set(app.playing);
        app.sim.0.speed.set(app.speed);
        mark("otpsim-loaded");
        app.schedule(ctx);
        app
    }

    fn update(&mut self, ctx: &Context<Self>, msg: Msg) -> bool {
        match msg {
            Msg::Frame(ts) => {
                // Held: no frames and no time owed, so nothing jumps on return.
                if self.held {
                    self.frame = None;
                    self.last_ts = None;
                    return false;
                }
                self.schedule(ctx);
                let dt = self.last_ts.map(|l| (ts - l).clamp(0.0, 100.0)).unwrap_or(0.0);
                self.last_ts = Some(ts);
                self.frames += 1;
                // The first frame's callback runs before the first paint;
                // the second's comes after it.
                self.frames_seen = self.frames_seen.saturating_add(1);
                if self.frames_seen == 2 {
                    return true;
                }
                // A replay runs whether or not the simulation does.
                let replayed = self.step_replay(ts);
                if !self.playing || self.sim.0.sim.try_borrow().map_or(true, |s| s.is_none()) {
                    return replayed;
                }
                self.owed_ms += dt * self.speed;
                let whole = self.owed_ms.floor();
                if whole < 1.0 {
                    return replayed;
                }
                self.work_start = now();
                self.owed_ms -= whole;
                if let Some(mut sim) = sim_of(&self.sim) {
                    sim.advance(whole as u64);
                }
                // The views follow at most every REFRESH_MS of real time: the
                // simulator runs smoothly every frame, the DOM changes less.
                if ts - self.last_refresh < REFRESH_MS {
                    self.note_cost();
                    return replayed;
                }
                self.last_refresh = ts;
                self.refreshing = true;
                self.refresh(false);
                // Every 2 s, save the recording for the crash overlay.
                if self.frames % 120 < 6 {
                    if let Some(sim) = sim_of(&self.sim) {
                        crate::web::panic::remember(sim.recording_json());
                    }
                }
                true
            }
            Msg::TogglePlay => {
                self.playing = !self.playing;
                true
            }
            Msg::Step => {
                self.playing = false;
                if let Some(mut sim) = sim_of(&self.sim) {
                    sim.step();
                }
                self.refresh(true);
                true
            }
            Msg::Speed(s) => {
                self.speed = if s.is_finite() { s.clamp(0.01, 100.0) } else { 1.0 };
                true
            }
            Msg::Seed(s) => {
                self.seed = s;
                self.load();
                true
            }
            Msg::Scenario(s) => {
                self.scenario = s;
                self.load();
                true
            }
            Msg::Reset => {
                self.load();
                self.notice =
                    Some(Notice { error: false, text: format!("reset {} with seed {}", self.scenario, self.seed) });
                true
            }
            Msg::Chaos(rate) => {
                self.chaos = rate;
                let r = sim_of(&self.sim).map(|mut sim| sim.set_chaos(rate));
                if let Some(Err(e)) = r {
                    self.notice = Some(Notice { error: true, text: e.to_string() });
                }
                true
            }
            Msg::Select(sel) => {
                self.selected = sel;
                self.refresh(true);
                true
            }
            Msg::Act(a) => {
                let Some(r) = sim_of(&self.sim).map(|mut sim| sim.act(a)) else {
                    self.notice = Some(Notice { error: true, text: "no system is loaded".into() });
                    return true;
                };
                self.notice = Some(Notice::of(r));
                self.refresh(true);
                true
            }
            Msg::Theme => {
                self.dark = !self.dark;
                true
            }
            Msg::Export(kind) => {
                self.download(kind);
                false
            }
            Msg::DismissNotice => {
                self.notice = None;
                true
            }
            Msg::Flow(m) => {
                self.flow_msg(m);
                true
            }
            Msg::Host(h) => match h {
                Host::Play(v) => {
                    self.playing = if v == 1.0 {
                        true
                    } else if v == 0.0 {
                        false
                    } else {
                        !self.playing
                    };
                    true
                }
                Host::Step => {
                    ctx.link().send_message(Msg::Step);
                    false
                }
                Host::Speed(f) => {
                    self.speed = (self.speed * f).clamp(0.01, 100.0);
                    true
                }
                Host::Dark(d) => {
                    let changed = self.dark != d;
                    self.dark = d;
                    changed
                }
                Host::Hold(h) => {
                    self.held = h;
                    if !h && self.frame.is_none() {
                        self.last_ts = None;
                        self.schedule(ctx);
                    }
                    false
                }
                Host::Refresh => {
                    self.refresh(true);
                    true
                }
            },
        }
    }

    fn rendered(&mut self, _ctx: &Context<Self>, first_render: bool) {
        if first_render {
            mark("otpsim-interactive");
        }
        self.note_cost();
    }

    fn view(&self, ctx: &Context<Self>) -> Html {
        let (med, max) = Self::cost_stats(&self.costs);
        let (rmed, rmax) = Self::cost_stats(&self.refresh_costs);
        let link = ctx.link();
        let state = ControlsState {
            playing: self.playing,
            speed: self.speed,
            seed: self.seed,
            scenario: self.scenario.clone(),
            chaos: self.chaos,
            now_ms: sim_of(&self.sim).map(|s| s.now_ms()).unwrap_or(0.0),
            dark: self.dark,
            restarts: sim_of(&self.sim).map(|s| s.restarts_total()).unwrap_or(0),
        };
        let (on_select, on_action) = (self.on_select.clone(), self.on_action.clone());
        let selected_pid = self.selected.as_ref().map(|s| s.1);
        let theme = if self.dark { "theme-dark" } else { "theme-light" };
        // What the embed handle reads (`sim.playing`, the speed shown).
        self.sim.0.playing.set(self.playing);
        self.sim.0.speed.set(self.speed);
        let p = ctx.props();
        let all = p.view.trim().is_empty() || p.view == "full";
        let shows = |v: &str| all || p.view.split_whitespace().any(|w| w == v);
        let one = !all && p.view.split_whitespace().count() == 1;
        let layout = classes!("layout", (!all).then_some("views"), one.then_some("one"));
        html! {
            <div class={classes!("otpsim", theme, p.embedded.then_some("embedded"))} data-frame-ms={format!("{med:.2}")} data-frame-max-ms={format!("{max:.2}")}
                data-frames={self.costs.len().to_string()} data-refresh-ms={format!("{rmed:.2}")}
                data-refresh-max-ms={format!("{rmax:.2}")} data-refreshes={self.refresh_costs.len().to_string()}>
                if p.controls == "full" {
                <header class="topbar">
                    <div class="brand" aria-label="otpsim playground">
                        <span class="logo" aria-hidden="true">{"◉"}</span>
                        <span class="brand-name">{"otpsim"}</span>
                        <span class="brand-sub">{"playground"}</span>
                    </div>
                    <Controls
                        state={state}
                        scenarios={model::SCENARIOS.iter().map(|s| (s.0.to_string(), s.1.to_string())).collect::<Vec<_>>()}
                        on_toggle={link.callback(|_| Msg::TogglePlay)}
                        on_step={link.callback(|_| Msg::Step)}
                        on_speed={link.callback(Msg::Speed)}
                        on_seed={link.callback(Msg::Seed)}
                        on_scenario={link.callback(Msg::Scenario)}
                        on_reset={link.callback(|_| Msg::Reset)}
                        on_chaos={link.callback(Msg::Chaos)}
                        on_theme={link.callback(|_| Msg::Theme)}
                        on_export={link.callback(Msg::Export)}
                    />
                </header>
                }
                if let Some(n) = &self.notice {
                    <div class={classes!("notice", n.error.then_some("error"))} role={if n.error { "alert" } else { "status" }}>
                        <span>{&n.text}</span>
                        <button class="ghost" aria-label="Dismiss" onclick={link.callback(|_| Msg::DismissNotice)}>{"×"}</button>
                    </div>
                }
                if let Some(e) = &self.load_error {
                    <div class="notice error" role="alert">{format!("Could not load the scenario: {e}")}</div>
                }
                <ContextProvider<bool> context={self.dark}>
                <main class={layout}>
                    if shows("tree") {
                    <TreeView tree={self.tree.clone()} selected={selected_pid} on_select={on_select.clone()} on_action={on_action.clone()}
                        dots={self.dots.clone()} hot={self.hot.clone()} />
                    }
                    if shows("inspector") {
                    <Inspector details={self.details.clone()} selected={self.selected.clone()} on_action={on_action.clone()} />
                    }
                    if self.frames_seen < 2 {
                        if shows("dashboard") {
                        <section class="panel dashboard" role="region" aria-label="System dashboard" aria-busy="true" />
                        }
                        if shows("flow") {
                        <section class="panel flow" role="region" aria-label="Message flow" aria-busy="true" />
                        }
                    } else {
                    if shows("dashboard") {
                    <Dashboard samples={self.samples.clone()} health={self.health.clone()} findings={self.findings.clone()} />
                    }
                    if shows("flow") {
                    <FlowView heatmap={self.heatmap.clone()} hot={self.hot.clone()} flows={self.flows.clone()}
                        replay={self.replay.clone()} recording={self.recording}
                        selected={self.selected.clone()} on_action={on_action} on_flow={self.on_flow.clone()} />
                    }
                    }
                </main>
                </ContextProvider<bool>>
            </div>
        }
    }
}

/// Starts the playground on the page: the app fills the body.
pub fn start() {
    mark("otpsim-start");
    crate::web::panic::install();
    let opts = options_from_query();
    let body = gloo::utils::body();
    yew::Renderer::<App>::with_root_and_props(body.into(), opts).render();
}

/// Reads `?scenario=…&seed=…&paused&theme=…` from the page address.
fn options_from_query() -> AppProps {
    let mut p = AppProps::default();
    let Ok(search) = gloo::utils::window().location().search() else {
        return p;
    };
    for pair in search.trim_start_matches('?').split('&') {
        let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
        match k {
            "scenario" if model::scenario_json(v).is_some() => p.scenario = v.to_string(),
            "seed" => p.seed = v.parse().unwrap_or(p.seed),
            "paused" => p.autoplay = false,
            "theme" => p.theme = v.to_string(),
            "speed" => p.speed = v.parse().unwrap_or(p.speed),
            _ => {}
        }
    }
    p
}

/// A mounted playground; dropping it (or calling `destroy`) unmounts it.
#[wasm_bindgen]
pub struct Playground {
    handle: Option<yew::AppHandle<App>>,
}

#[wasm_bindgen]
impl Playground {
    /// Unmounts the app from its element.
    pub fn destroy(&mut self) {
        if let Some(h) = self.handle.take() {
            h.destroy();
        }
    }
}

/// Embeds a playground into `element`. `options` is an object with any of
/// `scenario`, `seed`, `autoplay`, `theme`, `speed`. Instances share no
/// state, so several can live on one page.
#[wasm_bindgen]
pub fn mount(element: web_sys::Element, options: JsValue) -> Result<Playground, JsValue> {
    crate::web::panic::install();
    let props: AppProps = if options.is_undefined() || options.is_null() {
        AppProps::default()
    } else {
        // Through JSON text rather than serde-wasm-bindgen: serde_json is in
        // the binary anyway, and this keeps the wasm smaller.
        let text = js_sys::JSON::stringify(&options)
            .ok()
            .and_then(|s| s.as_string())
            .ok_or_else(|| JsValue::from_str("bad options: not an object"))?;
        serde_json::from_str(&text).map_err(|e| JsValue::from_str(&format!("bad options: {e}")))?
    };
    if model::scenario_json(&props.scenario).is_none() {
        return Err(JsValue::from_str(&format!("no built-in scenario is called {:?}", props.scenario)));
    }
    let handle = yew::Renderer::<App>::with_root_and_props(element, props).render();
    Ok(Playground { handle: Some(handle) })
}
