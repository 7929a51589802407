#!/usr/bin/env bash
# The full test suite (CI runs exactly this): native tests, the wasm build,
# wasm tests in headless Chromium, the public conformance check, the release
# site build and the end-to-end tests against it.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
source scripts/env.sh

t0=$(date +%s)
step() { printf '\n=== %s (%ss)\n' "$*" $(($(date +%s) - t0)); }

step "native tests"
cargo test --quiet

step "wasm build of the library"
cargo build --quiet --target wasm32-unknown-unknown --lib
cargo build --quiet --target wasm32-unknown-unknown --lib --features web

step "wasm tests in headless Chromium"
cargo test --manifest-path tests/wasm/Cargo.toml --target wasm32-unknown-unknown

if [ -d ../shared/conformance ]; then
    step "public conformance scenarios"
    python3 ../shared/conformance/check_public
fi

step "release build of the site"
bash scripts/build-web.sh

step "end-to-end tests"
PORT=$((20000 + RANDOM % 20000))
python3 -m http.server "$PORT" --bind 127.0.0.1 --directory dist >/dev/null 2>&1 &
server=$!
trap 'kill "$server" 2>/dev/null || true' EXIT
for _ in $(seq 50); do
    curl -sf "http://127.0.0.1:$PORT/" >/dev/null && break
    sleep 0.1
done
BASE_URL="http://127.0.0.1:$PORT/" node --test --test-concurrency=1 tests/e2e/
kill "$server" 2>/dev/null || true
trap - EXIT

step "all tests passed"
