#!/usr/bin/env bash
# Installs what building and testing the playground needs, skipping every
# step whose tool is already present in the right version, so a warm run
# takes seconds. Versions are those of ../shared/TOOLCHAIN.md; the
# wasm-bindgen CLI always matches the wasm-bindgen in Cargo.lock.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$HOME/.cargo/bin:$PATH"

TRUNK_VERSION=0.21.14
WB_VERSION=$(awk '/^name = "wasm-bindgen"$/ { getline; gsub(/[^0-9.]/, ""); print; exit }' Cargo.lock)

say() { printf '[setup] %s\n' "$*"; }

# The wasm target.
if ! rustup target list --installed 2>/dev/null | grep -qx wasm32-unknown-unknown; then
    say "adding the wasm32-unknown-unknown target"
    rustup target add wasm32-unknown-unknown
fi

# clippy and rustfmt, for the suite's style gates (rustup's minimal profile
# leaves them out).
for c in clippy rustfmt; do
    if ! rustup component list --installed 2>/dev/null | grep -q "^$c"; then
        say "adding the $c component"
        rustup component add "$c"
    fi
done

# Trunk (0.22 needs a newer rustc than we pin).
if ! trunk --version 2>/dev/null | grep -q " $TRUNK_VERSION\$"; then
    say "installing trunk $TRUNK_VERSION (about 11 minutes cold)"
    cargo install trunk --version "$TRUNK_VERSION" --locked
fi

# wasm-bindgen-cli: must equal Cargo.lock's wasm-bindgen. Not --locked: its
# lockfile wants a crate version the registry does not have.
if ! wasm-bindgen --version 2>/dev/null | grep -q " $WB_VERSION\$" \
    || ! wasm-bindgen-test-runner --version 2>/dev/null | grep -q " $WB_VERSION\$"; then
    say "installing wasm-bindgen-cli $WB_VERSION (about 4 minutes cold)"
    cargo install wasm-bindgen-cli --version "$WB_VERSION" --force
fi

# Chromium and its driver, for the wasm tests and the end-to-end tests.
if ! command -v chromium >/dev/null || ! command -v chromedriver >/dev/null; then
    say "installing chromium and chromium-driver"
    SUDO=""
    [ "$(id -u)" = 0 ] || SUDO=sudo
    $SUDO apt-get update
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y chromium chromium-driver
fi

# npm packages (binaryen for wasm-opt, playwright-core, typescript for the
# embed types test), reinstalled when
# package.json or package-lock.json is newer than node_modules.
stamp=node_modules/.setup-stamp
if [ ! -f "$stamp" ] || [ package.json -nt "$stamp" ] || { [ -f package-lock.json ] && [ package-lock.json -nt "$stamp" ]; }; then
    say "installing npm packages"
    if [ -f package-lock.json ]; then npm ci --no-audit --no-fund; else npm install --no-audit --no-fund; fi
    touch "$stamp"
fi

say "ready: $(trunk --version), wasm-bindgen $WB_VERSION, $(node_modules/.bin/wasm-opt --version | head -1)"
