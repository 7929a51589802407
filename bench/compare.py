#!/usr/bin/env python3
"""Runs the benchmark workloads side by side on otpsim and on the BEAM and
prints the BENCHMARKS.md table (medians of interleaved runs).

usage: bench/compare.py [--runs N] [--quiet] [--otpsim PATH] [--beam PATH] [--raw FILE] [WORKLOAD ...]

Each round runs, for one workload: otpsim, otpsim --trace, then the BEAM, so
that all three see the same background load. Defaults: 5 runs, the release
binary under $CARGO_TARGET_DIR (or target/), ../shared/bench/erlang/run, all
five workloads. --raw appends every JSON line (tagged with its side) to FILE.
--quiet (Linux) starts each round only when the machine is otherwise idle (at
most one other runnable task in five samples of /proc/loadavg), and runs the
round again if it was not idle at its end either: on a shared machine this
keeps other people's builds out of the figures.
"""
import argparse
import json
import os
import statistics
import subprocess
import sys
import time

WORKLOADS = ["ring", "spawn", "call", "restart", "idle"]


def busy():
    for _ in range(5):
        with open("/proc/loadavg") as f:
            if int(f.read().split()[3].split("/")[0]) > 2:
                return True
        time.sleep(0.1)
    return False


def run(cmd):
    out = subprocess.run(cmd, check=True, capture_output=True, text=True, cwd="/tmp").stdout
    return json.loads(out.strip().splitlines()[-1])


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    root = os.path.dirname(here)
    target = os.environ.get("CARGO_TARGET_DIR", os.path.join(root, "target"))
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--otpsim", default=os.path.join(target, "release", "otpsim"))
    ap.add_argument("--beam", default=os.path.join(root, "..", "shared", "bench", "erlang", "run"))
    ap.add_argument("--raw")
    ap.add_argument("--quiet", action="store_true")
    ap.add_argument("workloads", nargs="*", default=WORKLOADS)
    a = ap.parse_args()
    raw = open(a.raw, "a") if a.raw else None
    rows = []
    for w in a.workloads:
        got = {"ours": [], "trace": [], "beam": []}
        done = 0
        while done < a.runs:
            while a.quiet and busy():
                time.sleep(0.5)
            round_ = [
                (side, run(cmd))
                for side, cmd in [
                    ("ours", [a.otpsim, "bench", w]),
                    ("trace", [a.otpsim, "bench", w, "--trace"]),
                    ("beam", [a.beam, w]),
                ]
            ]
            if a.quiet and busy():
                continue
            done += 1
            for side, r in round_:
                got[side].append(r)
                if raw:
                    raw.write(json.dumps({"side": side, "r": r}) + "\n")
        med = {s: statistics.median(x["ops_per_sec"] for x in v) for s, v in got.items()}
        by = {s: v[0]["bytes_per_proc"] for s, v in got.items()}
        if by["ours"] is not None:
            by = {s: statistics.median(x["bytes_per_proc"] for x in v) for s, v in got.items()}
        rows.append((w, med, by))
    print("| workload | BEAM ops/s | otpsim ops/s | ratio | --trace ops/s | trace slowdown | bytes/proc (BEAM / otpsim) |")
    print("| --- | ---: | ---: | ---: | ---: | ---: | ---: |")
    for w, m, b in rows:
        bytes_ = f"{b['beam']:.0f} / {b['ours']:.0f}" if b["ours"] is not None else "–"
        print(
            f"| {w} | {m['beam']:,.0f} | {m['ours']:,.0f} | {m['ours'] / m['beam']:.2f}× "
            f"| {m['trace']:,.0f} | {m['ours'] / m['trace']:.2f}× | {bytes_} |"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
