//! The panic hook: a Rust panic aborts the wasm instance, so instead of a
//! frozen page the hook puts an overlay over it saying that the simulator
//! stopped, with the panic message, a download of the recording (seed,
//! scenario and inputs, as the app last saved it) and a reload button.

use std::cell::RefCell;
use wasm_bindgen::JsCast;

thread_local! {
    /// The latest recording an app saved for the crash overlay. This is the
    /// one piece of state shared by the instances on a page: a panic stops
    /// all of them, and the overlay offers the most recent recording.
    static LAST_RECORDING: RefCell<Option<String>> = const { RefCell::new(None) };
}

/// Keeps `json` as the recording the crash overlay offers.
pub fn remember(json: String) {
    LAST_RECORDING.with(|r| {
        if let Ok(mut r) = r.try_borrow_mut() {
            *r = Some(json);
        }
    });
}

/// Installs the hook, once per page (the hook is the wasm instance's, not an
/// app's: every instance on the page shares it).
pub fn install() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| std::panic::set_hook(Box::new(hook)));
}

fn hook(info: &std::panic::PanicHookInfo<'_>) {
    {
        let msg = info.to_string();
        web_sys::console::error_1(&format!("otpsim: {msg}").into());
        let _ = show_overlay(&msg);
    }
}

fn show_overlay(msg: &str) -> Option<()> {
    let doc = web_sys::window()?.document()?;
    if doc.query_selector(".otpsim-crash").ok().flatten().is_some() {
        return Some(());
    }
    let div: web_sys::HtmlElement = doc.create_element("div").ok()?.dyn_into().ok()?;
    div.set_class_name("otpsim-crash");
    div.set_attribute("role", "alertdialog").ok()?;
    div.set_attribute("aria-label", "The simulator stopped").ok()?;
    let card = doc.create_element("div").ok()?;
    card.set_class_name("card");
    let h = doc.create_element("h2").ok()?;
    h.set_text_content(Some("The simulator stopped"));
    let p = doc.create_element("p").ok()?;
    p.set_text_content(Some("An internal error stopped the simulator. Nothing you did should cause this: please report it with the message below."));
    let pre = doc.create_element("pre").ok()?;
    pre.set_text_content(Some(msg));
    let btn = doc.create_element("button").ok()?;
    btn.set_text_content(Some("Reload"));
    btn.set_attribute("onclick", "location.reload()").ok()?;
    card.append_child(&h).ok()?;
    card.append_child(&p).ok()?;
    card.append_child(&pre).ok()?;
    let recording = LAST_RECORDING.with(|r| r.try_borrow().ok().and_then(|r| r.clone()));
    if let Some(json) = recording {
        // A data: link, so that the download needs no more wasm.
        let a: web_sys::HtmlAnchorElement = doc.create_element("a").ok()?.dyn_into().ok()?;
        let encoded = js_sys::encode_uri_component(&json);
        a.set_href(&format!("data:application/json;charset=utf-8,{}", String::from(encoded)));
        a.set_download("otpsim-recording.json");
        a.set_text_content(Some("Download the recording"));
        a.set_class_name("download");
        card.append_child(&a).ok()?;
    }
    card.append_child(&btn).ok()?;
    div.append_child(&card).ok()?;
    doc.body()?.append_child(&div).ok()?;
    Some(())
}
