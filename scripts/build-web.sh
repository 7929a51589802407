#!/usr/bin/env bash
# Builds the playground into dist/ (release: size profile and wasm-opt),
# puts the embed files of www/ beside it (embed.js loads the playground's own
# glue and wasm, playground.js and playground_bg.wasm: Trunk.toml keeps their
# names unhashed), and prints the gzipped sizes of the wasm and embed.js.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/env.sh
start=$(date +%s)
# Trunk runs cargo with --offline (Trunk.toml), so fetch the crates first:
# quick when they are already there, and needed on a fresh machine.
cargo fetch --quiet
# Panic locations (file, line, column) are left out of the wasm: 7.9 KiB
# gzipped of path strings and their tables that only a panic message would
# show (the crash overlay still shows the message itself). The flag is
# unstable, so the stable compiler is told to accept it (RUSTC_BOOTSTRAP,
# for this build only); see PLAYGROUND.md.
RUSTC_BOOTSTRAP=1 CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUSTFLAGS="-Zlocation-detail=none" \
    trunk build --release true index.html
# The embeds: the loader, its types, the iframe page, the examples, and one
# stylesheet for every shadow root (the playground's, then the embed's own).
cp www/embed.js www/embed-frame.js www/embed.d.ts www/embed.html www/favicon.svg dist/
mkdir -p dist/examples
cp www/examples/* dist/examples/
cat static/app.css www/embed.css > dist/embed.css
for f in playground.js playground_bg.wasm; do
    [ -f "dist/$f" ] || { echo "dist/$f is missing: is filehash = false in Trunk.toml?" >&2; exit 1; }
done
wasm=dist/playground_bg.wasm
raw=$(stat -c %s "$wasm")
gz=$(gzip -9 -c "$wasm" | wc -c)
printf '[build] %s: %d KiB raw, %d KiB gzipped (%d bytes) in %ss\n' \
    "$(basename "$wasm")" $((raw / 1024)) $((gz / 1024)) "$gz" $(($(date +%s) - start))
printf '[build] embed.js: %d bytes gzipped (budget 15,360)\n' "$(gzip -9 -c dist/embed.js | wc -c)"
