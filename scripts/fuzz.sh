#!/usr/bin/env bash
# Runs one coverage-guided fuzz target (fuzz/fuzz_targets/TARGET.rs) for
# SECONDS (default 60), with its seed corpus from fuzz/seeds/TARGET and
# its growing corpus in fuzz/corpus/TARGET (not committed). FUZZING.md
# lists the targets and what they found.
#
# cargo-fuzz builds with libFuzzer, which needs a nightly compiler's
# `-Z` flags: RUSTC_BOOTSTRAP=1 lets the stable toolchain accept them, and
# `--sanitizer none` leaves out AddressSanitizer (our code has no unsafe; a
# panic is what the targets look for). cargo-fuzz comes from crates.io.
set -euo pipefail
cd "$(dirname "$0")/.."
target=${1:?usage: scripts/fuzz.sh TARGET [SECONDS]}
seconds=${2:-60}
# Recordings are long JSON files; everything else is short text.
max_len=8192
[ "$target" = recording ] && max_len=65536
command -v cargo-fuzz >/dev/null || cargo install cargo-fuzz
mkdir -p "fuzz/corpus/$target"
export RUSTC_BOOTSTRAP=1
cd fuzz
exec cargo fuzz run --sanitizer none "$target" "corpus/$target" "seeds/$target" -- \
    -max_total_time="$seconds" -timeout=1 -rss_limit_mb=2048 -max_len="$max_len" -print_final_stats=1
