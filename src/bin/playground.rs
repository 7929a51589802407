//! The playground's entry point for Trunk: mounts the app on the page body.
//!
//! wasm-bindgen runs `main` whenever the module is initialised, also when
//! `www/embed.js` loads this same wasm into a host page: so the playground
//! starts only on its own page, whose body says `data-otpsim="playground"`.

#[cfg(all(target_arch = "wasm32", feature = "web"))]
fn main() {
    let ours =
        gloo::utils::document().body().and_then(|b| b.get_attribute("data-otpsim")).is_some_and(|v| v == "playground");
    if ours {
        otpsim::web::start();
    }
}

#[cfg(not(all(target_arch = "wasm32", feature = "web")))]
fn main() {
    eprintln!("the playground runs in a browser: build it with `trunk build` (see scripts/serve.sh)");
}
