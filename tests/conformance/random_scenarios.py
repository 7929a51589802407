#!/usr/bin/env python3
"""Random conformance scenarios, for hunting differences from real OTP.

usage: random_scenarios.py FIRST_SEED END_SEED [--aggressive] [OUTDIR]

Writes random_SEED.json (random_aggr_SEED.json with --aggressive: more
trapping workers, nested supervisors and supervisor kills) for each seed.
Steps are 100 ms apart and slow terminates short, so real OTP is
deterministic on them; record each with ../shared/conformance/erlang/
run_scenario twice and keep it only if both traces agree. The random_*
scenarios checked in here were made this way and all matched otpsim when
they were added (two aggressive ones are known mismatches, see
tests/conformance.rs).
"""
import json, os, random, sys

AGGR = "--aggressive" in sys.argv


def gen(seed):
    r = random.Random(seed)
    paths = []   # (path, kind)
    def worker(id, path):
        d = {"id": id, "type": "worker"}
        if r.random() < (0.6 if AGGR else 0.4): d["trap_exit"] = True
        rt = r.choice(["permanent", "permanent", "transient", "temporary"])
        if rt != "permanent": d["restart"] = rt
        if r.random() < 0.2: d["init_fail"] = sorted(r.sample(range(2, 6), r.randint(1, 2)))
        elif r.random() < 0.15: d["init_ignore"] = [r.randint(2, 4)]
        if d.get("trap_exit") and r.random() < 0.3:
            d["terminate_ms"] = r.choice([0, 20]); d["shutdown"] = r.choice([1000, "infinity", "brutal_kill"])
        paths.append((path, "worker"))
        return d
    def sup(id, path, depth):
        strat = r.choice(["one_for_one", "one_for_all", "rest_for_one"] + (["simple_one_for_one"] if depth > 0 else []))
        d = {"id": id, "type": "supervisor", "strategy": strat, "intensity": r.choice([1, 2, 3, 5]), "period_s": 5}
        if depth > 0 and r.random() < 0.3: d["restart"] = r.choice(["transient", "temporary"])
        paths.append((path, "sup:" + strat))
        if strat == "simple_one_for_one":
            t = worker("t", path + "/t"); paths.pop()
            t.pop("init_fail", None) if r.random() < 0.5 else None
            d["template"] = t
        else:
            kids = []
            for i in range(r.randint(1, 3)):
                cid = "c%d" % i
                if depth < 2 and r.random() < (0.45 if AGGR else 0.3): kids.append(sup(cid, path + "/" + cid, depth + 1))
                else: kids.append(worker(cid, path + "/" + cid))
            d["children"] = kids
        return d
    tree = sup("root", "root", 0)
    steps = []
    t = 100
    sofo_n = {}
    for i in range(r.randint(3, 8)):
        p, kind = r.choice(paths)
        if kind.startswith("sup:simple") and r.random() < 0.7:
            steps.append({"at_ms": t, "start_child": p}); sofo_n[p] = sofo_n.get(p, 0) + 1
        elif kind == "worker" or (kind.startswith("sup:simple") and sofo_n.get(p)):
            if kind.startswith("sup:simple"): p = p + "/#%d" % r.randint(1, sofo_n[p])
            a = r.choice(["kill", "crash", "exit", "terminate_child", "restart_child", "delete_child", "crash"])
            if a == "kill": steps.append({"at_ms": t, "kill": p})
            elif a == "crash": steps.append({"at_ms": t, "crash": p, "reason": r.choice(["boom", "normal", "shutdown", {"shutdown": "x"}])})
            elif a == "exit": steps.append({"at_ms": t, "exit": p, "reason": r.choice(["boom", "normal", "kill", {"shutdown": "x"}])})
            else: steps.append({"at_ms": t, a: p})
        else:
            a = r.choice(["kill", "kill", "kill", "stop", "terminate_child", "restart_child", "start_child"] if AGGR
                         else ["kill", "stop", "terminate_child", "restart_child", "delete_child", "start_child"])
            if a == "start_child":
                if kind.startswith("sup:simple"): steps.append({"at_ms": t, "start_child": p})
                else: steps.append({"at_ms": t, "start_child": p, "spec": {"id": "n%d" % i, "type": "worker", "trap_exit": r.random() < 0.5}})
            elif a in ("kill", "stop"): steps.append({"at_ms": t, a: p})
            else:
                if p == "root": continue
                steps.append({"at_ms": t, a: p})
        t += 100
    name = ("random_aggr_%d" if AGGR else "random_%d") % seed
    return {"name": name, "tree": tree, "steps": steps, "settle_ms": 300}


if __name__ == "__main__":
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    out = args[2] if len(args) > 2 else os.path.join(os.path.dirname(os.path.abspath(__file__)), "scenarios")
    for s in range(int(args[0]), int(args[1])):
        scen = gen(s)
        with open(os.path.join(out, scen["name"] + ".json"), "w") as f:
            json.dump(scen, f, indent=1)
            f.write("\n")
