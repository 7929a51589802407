//! The embed API's engine: one live simulation behind a JS `OtpSim` handle
//! (`www/embed.js`), and the app that shows it once mounted. The handle and
//! the app share one [`Shared`] cell, so a request from a page script and a
//! click in the view act on the same `System`.
//!
//! Data crosses the boundary as JSON text (see PLAYGROUND.md for the
//! measurement against serde-wasm-bindgen): serde_json is in the wasm anyway.
//! Errors cross as the API's error body, `{"code", "message"}` as JSON text,
//! which `embed.js` turns into an `OtpSimError`.

#[cfg(feature = "browser-api")]
use crate::api::ApiError;
use crate::scenario::Scenario;
#[cfg(feature = "browser-api")]
use crate::system::Recording;
use crate::web::app::{App, AppProps, Host};
use crate::web::model::{self, Sim};
use std::cell::{Cell, RefCell};
use std::rc::Rc;
use wasm_bindgen::prelude::*;

/// What the JS handle and a mounted app share.
pub struct Shared {
    /// The live simulation (`None` while a scenario failed to load).
    pub sim: RefCell<Option<Sim>>,
    /// Whether the app is running (kept by the app, read by the handle).
    pub playing: Cell<bool>,
    /// The app's speed, virtual seconds per real second.
    pub speed: Cell<f64>,
}

/// A shared cell as a property: equal when it is the same cell.
#[derive(Clone)]
pub struct SharedSim(pub Rc<Shared>);

impl SharedSim {
    pub fn new(sim: Option<Sim>) -> SharedSim {
        SharedSim(Rc::new(Shared { sim: RefCell::new(sim), playing: Cell::new(false), speed: Cell::new(1.0) }))
    }
}

impl PartialEq for SharedSim {
    fn eq(&self, other: &SharedSim) -> bool {
        Rc::ptr_eq(&self.0, &other.0)
    }
}

impl Default for SharedSim {
    fn default() -> SharedSim {
        SharedSim::new(None)
    }
}

/// An error for JS: `{"code", "message"}` as JSON text, as in the API's
/// error bodies.
fn fail(code: &str, message: String) -> JsValue {
    JsValue::from_str(&serde_json::json!({ "code": code, "message": message }).to_string())
}

/// An error of the control layer, with the code the API gives it.
#[cfg(feature = "browser-api")]
fn js_err(e: ApiError) -> JsValue {
    fail(e.code(), e.message())
}

/// A call this build leaves out (the `browser-api` feature): `request`
/// (the in-page REST router, which `subscribe` uses too) or `replay`.
#[cfg(not(feature = "browser-api"))]
fn unavailable(call: &str) -> JsValue {
    let what = match call {
        "replay" => "replaying a recording",
        _ => "the in-page REST router",
    };
    fail(
        "unavailable",
        format!(
            "{call}: {what} is not in this build: it does not fit the playground's 400 KiB wasm budget yet \
             (the native CLI has it: `otpsim api`, `otpsim replay`)"
        ),
    )
}

fn bad(message: String) -> JsValue {
    fail("bad_request", message)
}

/// A seed from JS: a whole number from 0 to 2^53 (what a JS number holds
/// exactly).
fn seed_of(seed: f64) -> Result<u64, JsValue> {
    if seed.is_finite() && seed >= 0.0 && seed.fract() == 0.0 && seed <= 9_007_199_254_740_992.0 {
        Ok(seed as u64)
    } else {
        Err(bad(format!("seed must be a whole number from 0 to 2^53, not {seed}")))
    }
}

/// One live simulation for a page script (`OtpSim` wraps it in JS).
#[wasm_bindgen]
pub struct Engine {
    shared: SharedSim,
    app: Option<yew::AppHandle<App>>,
}

impl Engine {
    fn of(sim: Sim) -> Engine {
        Engine { shared: SharedSim::new(Some(sim)), app: None }
    }

    /// Runs `f` on the simulation, then lets a mounted app show the change.
    fn with<R>(&self, f: impl FnOnce(&mut Sim) -> R) -> Result<R, JsValue> {
        let r = {
            let mut cell =
                self.shared.0.sim.try_borrow_mut().map_err(|_| fail("busy", "the simulation is busy".into()))?;
            let sim = cell.as_mut().ok_or_else(|| fail("no_system", "no system is loaded".into()))?;
            f(sim)
        };
        self.host(Host::Refresh);
        Ok(r)
    }

    fn host(&self, h: Host) {
        if let Some(app) = &self.app {
            app.send_message(crate::web::app::Msg::Host(h));
        }
    }
}

#[wasm_bindgen]
impl Engine {
    /// Starts a built-in scenario (`name`), or the scenario in
    /// `scenario_json` when that is not empty (then `name` is its label).
    pub fn create(name: &str, scenario_json: &str, seed: f64) -> Result<Engine, JsValue> {
        crate::web::panic::install();
        let seed = seed_of(seed)?;
        let (scen, label) = if scenario_json.is_empty() {
            let json = model::scenario_json(name)
                .ok_or_else(|| fail("no_scenario", format!("no built-in scenario is called {name:?}")))?;
            (Scenario::from_json(&json), name)
        } else {
            (Scenario::from_json(scenario_json), if name.is_empty() { "custom" } else { name })
        };
        let scen = scen.map_err(|e| fail("bad_scenario", e.to_string()))?;
        let sim = Sim::from_scenario(scen, label, model::embed_options(seed))
            .map_err(|e| fail("bad_scenario", e.to_string()))?;
        Ok(Engine::of(sim))
    }

    /// Which of the calls that are behind the `browser-api` feature this
    /// build has: `{"request", "replay"}` as JSON text.
    pub fn features() -> String {
        let on = cfg!(feature = "browser-api");
        serde_json::json!({ "request": on, "replay": on }).to_string()
    }

    /// Replays a recording (the JSON `recording()` and `--record` write).
    #[cfg(feature = "browser-api")]
    pub fn replay(recording_json: &str) -> Result<Engine, JsValue> {
        crate::web::panic::install();
        let rec: Recording = serde_json::from_str(recording_json).map_err(|e| bad(format!("not a recording: {e}")))?;
        let opts = model::embed_options(rec.seed);
        let sys = crate::system::System::from_recording(&rec, opts.clone()).map_err(|e| js_err(e.into()))?;
        let label = rec.scenario.name.clone();
        Ok(Engine::of(Sim::from_system(sys, &label, opts)))
    }

    /// Without `browser-api`: the recording's Deserialize is not in the wasm.
    #[cfg(not(feature = "browser-api"))]
    pub fn replay(_recording_json: &str) -> Result<Engine, JsValue> {
        Err(unavailable("replay"))
    }

    /// One API request; returns `{"status", "body"}` as JSON text.
    #[cfg(feature = "browser-api")]
    pub fn request(&self, method: &str, path: &str, body: &str) -> Result<String, JsValue> {
        let (status, v) = self.with(|s| s.request(method, path, body))?;
        Ok(serde_json::json!({ "status": status, "body": v }).to_string())
    }

    /// Without `browser-api`: the REST router is not in the wasm.
    #[cfg(not(feature = "browser-api"))]
    pub fn request(&self, _method: &str, _path: &str, _body: &str) -> Result<String, JsValue> {
        Err(unavailable("request"))
    }

    /// Lets `ms` of virtual time pass (a logged input, as the API's tick).
    pub fn run(&self, ms: f64) -> Result<(), JsValue> {
        let max = crate::api::MAX_TICK_MS as f64;
        if !(ms.is_finite() && (0.0..=max).contains(&ms) && ms.fract() == 0.0) {
            return Err(bad(format!("ms must be a whole number from 0 to {max}, not {ms}")));
        }
        self.with(|s| s.advance(ms as u64))
    }

    /// One scheduler step.
    pub fn step(&self) -> Result<(), JsValue> {
        self.with(|s| s.step())
    }

    /// Virtual time in ms.
    pub fn now(&self) -> f64 {
        self.shared.0.sim.try_borrow().ok().and_then(|s| s.as_ref().map(|s| s.now_ms())).unwrap_or(0.0)
    }

    /// The event-stream hash, 16 hex digits, as `otpsim run --hash` prints.
    pub fn event_hash(&self) -> Result<String, JsValue> {
        self.with(|s| model::hash_hex(s.event_hash()))
    }

    /// The recording as JSON text.
    pub fn recording(&self) -> Result<String, JsValue> {
        let rec = self.with(|s| s.recording())?;
        serde_json::to_string(&rec).map_err(|e| bad(e.to_string()))
    }

    /// The scenario's label (a built-in name, or "custom").
    pub fn scenario(&self) -> String {
        self.shared
            .0
            .sim
            .try_borrow()
            .ok()
            .and_then(|s| s.as_ref().map(|s| s.scenario().to_string()))
            .unwrap_or_default()
    }

    pub fn seed(&self) -> f64 {
        self.shared.0.sim.try_borrow().ok().and_then(|s| s.as_ref().map(|s| s.seed() as f64)).unwrap_or(0.0)
    }

    pub fn playing(&self) -> bool {
        self.shared.0.playing.get()
    }

    pub fn speed(&self) -> f64 {
        self.shared.0.speed.get()
    }

    /// Shows the simulation in `element` (replacing an earlier mount).
    /// `options_json`: the app's options (`view`, `controls`, `autoplay`,
    /// `theme`, `speed`) as JSON text.
    pub fn mount(&mut self, element: web_sys::Element, options_json: &str) -> Result<(), JsValue> {
        let mut props: AppProps = if options_json.trim().is_empty() {
            AppProps::default()
        } else {
            serde_json::from_str(options_json).map_err(|e| bad(format!("bad options: {e}")))?
        };
        props.scenario = self.scenario();
        props.seed = self.seed() as u64;
        props.shared = Some(self.shared.clone());
        props.embedded = true;
        self.unmount();
        self.app = Some(yew::Renderer::<App>::with_root_and_props(element, props).render());
        Ok(())
    }

    /// Takes the app away; the simulation stays.
    pub fn unmount(&mut self) {
        if let Some(app) = self.app.take() {
            app.destroy();
        }
    }

    /// Tells a mounted app what the host wants: `play` (1 on, 0 off, -1
    /// toggle), `step`, `speed` (a factor on the current speed), `dark` (1
    /// or 0), `hold` (1: stop without losing time, as off screen; 0: go on).
    pub fn host_do(&self, what: &str, value: f64) -> Result<(), JsValue> {
        let h = match what {
            "play" => Host::Play(value),
            "step" => Host::Step,
            "speed" if value.is_finite() && value > 0.0 => Host::Speed(value),
            "dark" => Host::Dark(value != 0.0),
            "hold" => Host::Hold(value != 0.0),
            _ => return Err(bad(format!("unknown host action {what:?}"))),
        };
        if self.app.is_none() {
            return Err(fail("not_mounted", "the simulation is not mounted".into()));
        }
        self.host(h);
        Ok(())
    }

    /// Ends the simulation and takes away its app.
    pub fn destroy(&mut self) {
        self.unmount();
        if let Ok(mut s) = self.shared.0.sim.try_borrow_mut() {
            *s = None;
        }
    }
}
