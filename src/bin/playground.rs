//! The playground's entry point for Trunk: mounts the app on the page body.

#[cfg(all(target_arch = "wasm32", feature = "web"))]
fn main() {
    otpsim::web::start();
}

#[cfg(not(all(target_arch = "wasm32", feature = "web")))]
fn main() {
    eprintln!("the playground runs in a browser: build it with `trunk build` (see scripts/serve.sh)");
}
