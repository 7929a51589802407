#!/usr/bin/env bash
# Builds the playground into dist/ (release: size profile and wasm-opt) and
# prints the gzipped size of the wasm.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/env.sh
start=$(date +%s)
# Trunk runs cargo with --offline (Trunk.toml), so fetch the crates first:
# quick when they are already there, and needed on a fresh machine.
cargo fetch --quiet
trunk build --release true index.html
wasm=$(ls dist/*.wasm | head -1)
raw=$(stat -c %s "$wasm")
gz=$(gzip -9 -c "$wasm" | wc -c)
printf '[build] %s: %d KiB raw, %d KiB gzipped (%d bytes) in %ss\n' \
    "$(basename "$wasm")" $((raw / 1024)) $((gz / 1024)) "$gz" $(($(date +%s) - start))
