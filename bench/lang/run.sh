#!/usr/bin/env bash
# Times the interpreted-Elixir workloads (call_loop.exs, ring.exs) on the
# BEAM (real Elixir, the modules compiled) and on otpsim's interpreter
# (`otpsim eval`, release build), wall clock, best of three each.
set -euo pipefail
cd "$(dirname "$0")/../.."
cargo build --release --quiet --bin otpsim
best() { sort -n | head -1; }
for w in call_loop ring; do
  src="bench/lang/$w.exs"
  beam=$(for i in 1 2 3; do elixir -e "
    {t, v} = :timer.tc(fn -> Code.eval_file(\"$src\") end)
    IO.puts(t / 1000)" ; done | best)
  ours=$(for i in 1 2 3; do
    s=$(date +%s%N); target/release/otpsim eval "$(cat "$src")" > /dev/null; e=$(date +%s%N)
    echo "scale=1; ($e - $s) / 1000000" | bc; done | best)
  echo "$w: BEAM ${beam} ms, otpsim ${ours} ms"
done
