#!/usr/bin/env bash
# The full test suite (CI runs exactly this): formatting and lints (native
# and wasm), native tests, the wasm build,
# wasm tests in headless Chromium, the public conformance check, the release
# site build and the end-to-end tests against it. Every step runs even when
# an earlier one failed (except those that need the site when it did not
# build); the summary at the end lists the failures, and the exit status is
# non-zero if there was any.
set -uo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh || exit 1
source scripts/env.sh
# Property tests run from a fixed seed, so a CI run is reproducible; set
# PROPTEST_RNG_SEED yourself to explore others.
export PROPTEST_RNG_SEED="${PROPTEST_RNG_SEED:-20261127}"

t0=$(date +%s)
failed=()
step() {
    local name=$1
    shift
    printf '\n=== %s (at %ss)\n' "$name" $(($(date +%s) - t0))
    if "$@"; then
        printf '=== %s: ok\n' "$name"
    else
        printf '=== %s: FAILED\n' "$name"
        failed+=("$name")
        return 1
    fi
}

e2e() {
    local port=$((20000 + RANDOM % 20000))
    # Our own static server: application/wasm, and a CSP header on request
    # (tests/e2e/server.mjs), which python's http.server cannot add.
    node tests/e2e/server.mjs dist "$port" >/dev/null 2>&1 &
    local server=$!
    for _ in $(seq 50); do
        curl -sf "http://127.0.0.1:$port/" >/dev/null && break
        sleep 0.1
    done
    BASE_URL="http://127.0.0.1:$port/" node --test --test-concurrency=1 tests/e2e/
    local rc=$?
    kill "$server" 2>/dev/null
    wait "$server" 2>/dev/null
    return $rc
}

step "formatting (cargo fmt --check)" cargo fmt --check
step "lints, native (clippy -D warnings)" cargo clippy --quiet --all-targets -- -D warnings
step "lints, wasm (clippy -D warnings)" \
    cargo clippy --quiet --target wasm32-unknown-unknown --lib --bin playground --features web -- -D warnings
step "native tests" cargo test --quiet --no-fail-fast
step "wasm build of the library" bash -c 'cargo build --quiet --target wasm32-unknown-unknown --lib &&
    cargo build --quiet --target wasm32-unknown-unknown --lib --features web'
step "wasm tests in headless Chromium" \
    cargo test --manifest-path tests/wasm/Cargo.toml --target wasm32-unknown-unknown
if [ -d ../shared/conformance ]; then
    step "public conformance scenarios" python3 ../shared/conformance/check_public
fi
if step "release build of the site" bash scripts/build-web.sh; then
    step "end-to-end tests" e2e
fi

printf '\n=== done in %ss\n' $(($(date +%s) - t0))
if [ ${#failed[@]} -gt 0 ]; then
    printf '=== FAILED: %s\n' "${failed[@]}"
    exit 1
fi
echo "=== all tests passed"
