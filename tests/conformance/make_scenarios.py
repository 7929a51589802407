#!/usr/bin/env python3
"""Writes the conformance scenarios in scenarios/ (one JSON file each).

The scenarios are generated from the compact definitions below so that the
set stays readable; the JSON files are checked in, together with the traces
real Erlang/OTP 25 printed for them (expected/, via
../../../shared/conformance/erlang/run_scenario). Rerun this script after
editing a definition, then re-record that scenario's trace.
"""
import json
import os

HERE = os.path.dirname(os.path.abspath(__file__))
S = {}


def w(id, **kw):
    d = {"id": id, "type": "worker"}
    d.update(kw)
    return d


def sup(id, children=(), **kw):
    d = {"id": id, "type": "supervisor"}
    d.update(kw)
    if "template" not in kw:
        d["children"] = list(children)
    return d


def scen(name, tree, steps, settle_ms=500):
    S[name] = {"name": name, "tree": tree, "steps": steps, "settle_ms": settle_ms}


def at(ms, **kw):
    d = {"at_ms": ms}
    d.update(kw)
    return d


def crash(ms, p, r):
    return at(ms, crash=p, reason=r)


def exit_(ms, p, r):
    return at(ms, exit=p, reason=r)


SX = {"shutdown": "x"}

# --- restart types under each strategy -----------------------------------------
scen("ofo_restart_types",
     sup("root", [w("p"), w("t", restart="transient"), w("t2", restart="transient"),
                  w("tmp", restart="temporary"), w("tmp2", restart="temporary", trap_exit=True)],
         intensity=10),
     [crash(100, "root/p", "normal"), crash(200, "root/t", "normal"), crash(300, "root/t2", "boom"),
      crash(400, "root/tmp", "boom"), crash(500, "root/tmp2", "normal"),
      at(600, restart_child="root/tmp"), at(700, restart_child="root/t"),
      at(800, restart_child="root/tmp2"), at(900, delete_child="root/t2")])

scen("transient_reasons_matrix",
     sup("root", [w("a", restart="transient"), w("b", restart="transient", trap_exit=True),
                  w("c", restart="transient"), w("d", restart="transient"),
                  w("e", restart="transient", trap_exit=True)], intensity=10),
     [crash(100, "root/a", "shutdown"), crash(200, "root/b", SX), at(300, kill="root/c"),
      exit_(400, "root/d", SX), exit_(500, "root/d", "boom"), crash(600, "root/e", {"shutdown": "other"}),
      crash(700, "root/d", "normal")])

scen("temporary_reasons",
     sup("root", [w("a", restart="temporary"), w("b", restart="temporary"), w("c", restart="temporary")],
         intensity=1),
     [at(100, kill="root/a"), crash(200, "root/b", "boom"), crash(300, "root/c", "boom"),
      at(400, terminate_child="root/a"), at(500, delete_child="root/b")])

scen("ofa_restart_types",
     sup("root", [w("a", trap_exit=True), w("t", restart="transient"), w("tmp", restart="temporary", trap_exit=True),
                  w("c")], strategy="one_for_all", intensity=5),
     [crash(100, "root/t", "normal"), crash(200, "root/c", "boom"), at(300, restart_child="root/t"),
      at(400, kill="root/a"), crash(500, "root/tmp", "boom")])

scen("ofa_temporary_dies",
     sup("root", [w("a"), w("tmp", restart="temporary"), w("c", trap_exit=True)],
         strategy="one_for_all", intensity=5),
     [crash(100, "root/tmp", "boom"), at(200, kill="root/c"), at(300, restart_child="root/tmp")])

scen("rfo_restart_types",
     sup("root", [w("a"), w("b", restart="transient", trap_exit=True), w("tmp", restart="temporary"),
                  w("d", trap_exit=True)], strategy="rest_for_one", intensity=5),
     [crash(100, "root/b", "boom"), crash(200, "root/b", {"shutdown": "y"}), at(300, kill="root/a"),
      at(400, kill="root/d"), at(500, restart_child="root/b")])

scen("rfo_first_last",
     sup("root", [w("a", trap_exit=True), w("b"), w("c", trap_exit=True, terminate_ms=100)],
         strategy="rest_for_one", intensity=5),
     [at(100, kill="root/c"), crash(300, "root/a", "boom"), at(700, terminate_child="root/b"),
      at(800, kill="root/a")])

# --- simple_one_for_one ----------------------------------------------------------
scen("sofo_basics",
     sup("root", [sup("pool", strategy="simple_one_for_one", intensity=5, template=w("t"))]),
     [at(100, start_child="root/pool"), at(150, start_child="root/pool"), at(200, start_child="root/pool"),
      crash(300, "root/pool/#2", "boom"), crash(400, "root/pool/#1", "normal"),
      at(500, terminate_child="root/pool/#3"), at(600, terminate_child="root/pool/#1"),
      at(700, restart_child="root/pool/#2"), at(800, delete_child="root/pool/#2"),
      at(900, terminate_child="root/pool/#9"), at(1000, start_child="root/pool")])

scen("sofo_transient_temporary",
     sup("root", [sup("tr", strategy="simple_one_for_one", intensity=5, template=w("t", restart="transient")),
                  sup("tm", strategy="simple_one_for_one", intensity=5, template=w("t", restart="temporary"))]),
     [at(100, start_child="root/tr"), at(150, start_child="root/tr"), at(200, start_child="root/tm"),
      at(250, start_child="root/tm"), crash(300, "root/tr/#1", "normal"), crash(400, "root/tr/#2", "boom"),
      crash(500, "root/tm/#1", "boom"), at(600, kill="root/tr/#2"), at(700, terminate_child="root/tm/#2"),
      at(800, terminate_child="root/tr/#2")])

scen("sofo_intensity",
     sup("root", [sup("pool", strategy="simple_one_for_one", intensity=2, template=w("t", trap_exit=True)),
                  w("z")], intensity=3),
     [at(100, start_child="root/pool"), at(150, start_child="root/pool"), at(200, kill="root/pool/#1"),
      at(300, kill="root/pool/#2"), at(400, kill="root/pool/#1"), at(500, start_child="root/pool")])

scen("sofo_slow_terminate_killed",
     sup("root", [sup("pool", strategy="simple_one_for_one", intensity=5,
                      template=w("t", trap_exit=True, terminate_ms=600, shutdown=200))]),
     [at(100, start_child="root/pool"), at(150, start_child="root/pool"), at(200, start_child="root/pool"),
      at(300, stop="root")], settle_ms=1500)

scen("sofo_slow_terminate_ok",
     sup("root", [sup("pool", strategy="simple_one_for_one", intensity=5,
                      template=w("t", trap_exit=True, terminate_ms=100, shutdown=1000))]),
     [at(100, start_child="root/pool"), at(150, start_child="root/pool"), at(200, kill="root/pool/#1"),
      at(300, start_child="root/pool"), at(400, stop="root")], settle_ms=1500)

scen("sofo_mixed_trap_shutdown",
     sup("root", [sup("pool", strategy="simple_one_for_one", intensity=5,
                      template=w("t", trap_exit=True, init_ignore=[2]))]),
     [at(100, start_child="root/pool"), at(150, start_child="root/pool"), at(200, start_child="root/pool"),
      crash(300, "root/pool/#1", "boom"), at(400, terminate_child="root/pool/#2"), at(500, stop="root")])

scen("sofo_brutal_kill",
     sup("root", [sup("pool", strategy="simple_one_for_one", intensity=5,
                      template=w("t", trap_exit=True, shutdown="brutal_kill", terminate_ms=100))]),
     [at(100, start_child="root/pool"), at(150, start_child="root/pool"),
      at(200, terminate_child="root/pool/#1"), at(300, stop="root")])

scen("sofo_init_fail_ignore",
     sup("root", [sup("pool", strategy="simple_one_for_one", intensity=5, template=w("t", init_fail=[1, 3], init_ignore=[2]))]),
     [at(100, start_child="root/pool"), at(150, start_child="root/pool"), at(200, start_child="root/pool"),
      at(250, start_child="root/pool"), at(300, kill="root/pool/#4"), at(400, kill="root/pool/#4")])

scen("sofo_restart_fails",
     sup("root", [sup("pool", strategy="simple_one_for_one", intensity=3, template=w("t", init_fail=[2, 3]))]),
     [at(100, start_child="root/pool"), at(200, start_child="root/pool"), at(300, kill="root/pool/#1"),
      at(400, kill="root/pool/#2")])

scen("sofo_restart_fails_exceeds",
     sup("root", [sup("pool", strategy="simple_one_for_one", intensity=2, template=w("t", init_fail=[2, 3, 4])),
                  w("z")], intensity=3),
     [at(100, start_child="root/pool"), at(150, start_child="root/pool"), at(300, kill="root/pool/#1")])

scen("sofo_killed_sup",
     sup("root", [sup("pool", strategy="simple_one_for_one", intensity=5,
                      template=w("t", trap_exit=True, terminate_ms=50))]),
     [at(100, start_child="root/pool"), at(150, start_child="root/pool"), at(200, kill="root/pool"),
      at(400, start_child="root/pool")])

# --- intensity ---------------------------------------------------------------------
scen("nested3_escalation",
     sup("root", [sup("mid", [sup("leaf", [w("w"), w("v", trap_exit=True)], intensity=1), w("m")], intensity=1),
                  w("r")], intensity=1),
     [at(100, kill="root/mid/leaf/w"), at(200, kill="root/mid/leaf/w"), at(300, kill="root/mid/leaf/w"),
      at(400, kill="root/mid/leaf/w"), at(500, kill="root/mid/leaf/w"), at(600, kill="root/mid/leaf/w"),
      at(700, kill="root/mid/leaf/w"), at(800, kill="root/mid/leaf/w"), at(900, kill="root/mid/leaf/w")])

scen("nested3_escalation_ofa",
     sup("root", [w("r0", trap_exit=True),
                  sup("mid", [w("m0"), sup("leaf", [w("w", trap_exit=True), w("v")], intensity=1, strategy="rest_for_one")],
                      intensity=1, strategy="one_for_all"),
                  w("r")], intensity=2, strategy="rest_for_one"),
     [at(100, kill="root/mid/leaf/w"), at(200, kill="root/mid/leaf/w"), at(300, kill="root/mid/leaf/v"),
      at(400, kill="root/mid/leaf/w"), at(500, kill="root/mid/leaf/w"), at(600, kill="root/mid/leaf/w"),
      at(700, kill="root/mid/leaf/w"), at(800, kill="root/mid/leaf/w")])

scen("nested_transient_sup_gives_up",
     sup("root", [sup("mid", [w("a")], intensity=1, restart="transient"), w("b")], intensity=1),
     [at(100, kill="root/mid/a"), at(200, kill="root/mid/a"), at(300, restart_child="root/mid"),
      at(400, kill="root/mid/a"), at(500, kill="root/mid/a"), at(600, terminate_child="root/mid/a"),
      at(700, delete_child="root/mid")])

scen("nested_temporary_sup_gives_up",
     sup("root", [sup("mid", [w("a", trap_exit=True)], intensity=0, restart="temporary"), w("b")], intensity=1),
     [at(100, crash="root/mid/a", reason="boom"), at(200, restart_child="root/mid"),
      at(300, start_child="root/mid", spec=w("c"))])

scen("intensity_zero",
     sup("root", [w("a"), w("b", trap_exit=True, terminate_ms=50)], intensity=0),
     [at(100, crash="root/a", reason="boom")])

scen("intensity_period_expiry",
     sup("root", [w("a"), w("b")], intensity=1, period_s=1),
     [at(100, kill="root/a"), at(2300, kill="root/a"), at(4500, kill="root/b"), at(6700, kill="root/a"),
      at(6800, kill="root/b")])

scen("intensity_at_limit",
     sup("root", [w("a"), w("b", restart="transient")], intensity=3, period_s=10),
     [at(100, kill="root/a"), crash(200, "root/b", "normal"), crash(300, "root/a", "boom"),
      at(400, restart_child="root/b"), at(500, kill="root/b"), at(600, kill="root/a")])

# --- shutdown timeouts -------------------------------------------------------------
scen("shutdown_timeouts",
     sup("root", [w("fast", trap_exit=True, shutdown=500, terminate_ms=100),
                  w("slow", trap_exit=True, shutdown=100, terminate_ms=500),
                  w("inf", trap_exit=True, shutdown="infinity", terminate_ms=300),
                  w("bk", trap_exit=True, shutdown="brutal_kill", terminate_ms=100),
                  w("plain", shutdown=100)], intensity=5),
     [at(100, terminate_child="root/fast"), at(400, terminate_child="root/slow"),
      at(800, terminate_child="root/inf"), at(1300, terminate_child="root/bk"),
      at(1400, terminate_child="root/plain"), at(1500, restart_child="root/slow")], settle_ms=800)

scen("root_stop_slow_children",
     sup("root", [w("a", trap_exit=True, shutdown=100, terminate_ms=400),
                  w("b", trap_exit=True, shutdown="infinity", terminate_ms=200),
                  w("c", shutdown="brutal_kill"),
                  w("d", trap_exit=True, shutdown=1000, terminate_ms=50)]),
     [at(100, stop="root")], settle_ms=1500)

scen("ofa_slow_sibling",
     sup("root", [w("a", trap_exit=True, shutdown=200, terminate_ms=600),
                  w("b", trap_exit=True, shutdown=1000, terminate_ms=100),
                  w("c")], strategy="one_for_all", intensity=3),
     [at(100, kill="root/c"), at(1200, crash="root/a", reason="boom")], settle_ms=1500)

scen("nested_sup_shutdown_timeout",
     sup("root", [sup("sub", [w("x", trap_exit=True, terminate_ms=600, shutdown=2000), w("y")], shutdown=200),
                  sup("sub2", [w("x", trap_exit=True, terminate_ms=100)], shutdown="brutal_kill")]),
     [at(100, terminate_child="root/sub2"), at(300, terminate_child="root/sub"),
      at(1200, restart_child="root/sub"), at(1300, stop="root")], settle_ms=2000)

scen("nested_sup_infinity_slow",
     sup("root", [sup("sub", [w("x", trap_exit=True, terminate_ms=300), w("y", trap_exit=True, terminate_ms=100)]),
                  w("z", trap_exit=True)], strategy="one_for_all", intensity=2),
     [at(100, kill="root/z"), at(800, stop="root")], settle_ms=1200)

# --- failed and ignored starts ---------------------------------------------------------
scen("init_fail_first_start",
     sup("root", [w("a", trap_exit=True), w("b", init_fail=[1]), w("c")]),
     [at(100, kill="root/a")])

scen("init_fail_first_start_nested",
     sup("root", [w("a"), sup("sub", [w("x", trap_exit=True), sup("leaf", [w("y"), w("z", init_fail=[1])])]), w("b")]),
     [])

scen("init_ignore_first_start",
     sup("root", [w("a", init_ignore=[1]), w("tmp", restart="temporary", init_ignore=[1]), w("b")], intensity=3),
     [at(100, restart_child="root/tmp"), at(200, restart_child="root/a"), at(300, restart_child="root/a"),
      at(400, terminate_child="root/a"), at(500, delete_child="root/a"), at(600, delete_child="root/a")])

scen("init_ignore_first_start_ofa",
     sup("root", [w("a"), w("b", init_ignore=[1, 2]), w("c")], strategy="one_for_all", intensity=3),
     [at(100, kill="root/c"), at(200, restart_child="root/b"), at(300, kill="root/a")])

scen("ofo_restart_fail_retry",
     sup("root", [w("a", init_fail=[2, 3]), w("b")], intensity=3),
     [at(100, kill="root/a"), at(200, kill="root/a")])

scen("ofo_restart_fail_exceeds",
     sup("root", [w("a", trap_exit=True), w("b", init_fail=[2, 3, 4, 5]), w("c", trap_exit=True)], intensity=2),
     [at(100, kill="root/b")])

scen("rfo_restart_fail",
     sup("root", [w("a"), w("b", trap_exit=True), w("c", init_fail=[2]), w("d", trap_exit=True)],
         strategy="rest_for_one", intensity=4),
     [at(100, kill="root/b"), at(200, kill="root/a")])

scen("ofa_restart_fail",
     sup("root", [w("a", trap_exit=True), w("b"), w("c", init_fail=[2], trap_exit=True), w("d")],
         strategy="one_for_all", intensity=4),
     [at(100, kill="root/d"), at(200, crash="root/a", reason="boom")])

scen("ofa_restart_fail_exceeds",
     sup("root", [w("a", trap_exit=True), w("b", init_fail=[2, 3, 4]), w("c")], strategy="one_for_all", intensity=2),
     [at(100, kill="root/c")])

scen("restart_ignore_each_strategy",
     sup("root", [sup("o1", [w("a", init_ignore=[2]), w("b")], intensity=5),
                  sup("oa", [w("a"), w("b", init_ignore=[2]), w("c")], strategy="one_for_all", intensity=5),
                  sup("rf", [w("a"), w("b", init_ignore=[2]), w("c")], strategy="rest_for_one", intensity=5)],
         intensity=5),
     [at(100, kill="root/o1/a"), at(200, kill="root/oa/a"), at(300, kill="root/rf/a"),
      at(400, restart_child="root/o1/a"), at(500, restart_child="root/oa/b"), at(600, kill="root/rf/c"),
      at(700, restart_child="root/rf/b")])

scen("nested_sup_fails_at_restart",
     sup("root", [w("a"), sup("sub", [w("x"), w("y", init_fail=[2])]), w("b")], intensity=3),
     [at(100, kill="root/sub"), at(300, kill="root/sub/x")])

scen("nested_sup_fails_at_restart_exceeds",
     sup("root", [w("a", trap_exit=True), sup("sub", [w("x", trap_exit=True), w("y", init_fail=[2, 3, 4])])],
         intensity=2),
     [at(100, kill="root/sub/y")])

scen("start_child_spec_failures",
     sup("root", [w("a")], intensity=3),
     [at(100, start_child="root", spec=w("f", init_fail=[1])),
      at(200, start_child="root", spec=w("g", init_ignore=[1])),
      at(300, start_child="root", spec=w("h", init_ignore=[1], restart="temporary")),
      at(400, start_child="root", spec=sup("s", [w("x"), w("y", init_fail=[1])])),
      at(500, start_child="root", spec=sup("s2", [w("x", init_ignore=[1])])),
      at(600, restart_child="root/g"), at(700, restart_child="root/f"), at(800, start_child="root", spec=w("f")),
      at(900, start_child="root", spec=w("g"))])

# --- child management errors ---------------------------------------------------------
scen("mgmt_errors",
     sup("root", [w("a"), w("b", trap_exit=True, terminate_ms=50)], intensity=3),
     [at(100, start_child="root", spec=w("a")), at(200, restart_child="root/a"), at(300, delete_child="root/a"),
      at(400, terminate_child="root/b"), at(500, start_child="root", spec=w("b")),
      at(600, terminate_child="root/b"), at(700, terminate_child="root/nope"), at(800, restart_child="root/nope"),
      at(900, delete_child="root/nope"), at(1000, start_child="root", spec=w("c", restart="temporary")),
      at(1100, terminate_child="root/c"), at(1200, restart_child="root/c"), at(1300, delete_child="root/b"),
      at(1400, start_child="root", spec=w("b")), at(1500, kill="root/b")])

scen("mgmt_noproc",
     sup("root", [sup("mid", [w("a")], intensity=0, restart="temporary"),
                  sup("pool", strategy="simple_one_for_one", template=w("t"), restart="transient", intensity=0)]),
     [at(100, kill="root/mid/a"), at(200, terminate_child="root/mid/a"), at(300, restart_child="root/mid/a"),
      at(400, delete_child="root/mid/a"), at(500, start_child="root/mid", spec=w("b")),
      at(600, start_child="root/pool"), at(700, kill="root/pool/#1"), at(800, start_child="root/pool"),
      at(900, terminate_child="root/pool/#1"), at(1000, stop="root"), at(1100, start_child="root", spec=w("z")),
      at(1200, terminate_child="root/mid")])

scen("mgmt_nested_sup_children",
     sup("root", [sup("sub", [w("x", trap_exit=True), w("y")], strategy="one_for_all"), w("b")], intensity=3),
     [at(100, terminate_child="root/sub"), at(200, start_child="root/sub", spec=w("z")),
      at(300, restart_child="root/sub"), at(400, start_child="root/sub", spec=w("z")),
      at(500, terminate_child="root/sub/x"), at(600, kill="root/sub/y"), at(700, restart_child="root/sub/x"),
      at(800, delete_child="root/sub"), at(900, terminate_child="root/sub"), at(1000, delete_child="root/sub")])

# --- exit steps ------------------------------------------------------------------------
scen("exit_worker_reasons",
     sup("root", [w("a"), w("t", restart="transient"), w("tr", trap_exit=True), w("c")], intensity=10),
     [exit_(100, "root/a", "normal"), exit_(200, "root/a", "boom"), exit_(300, "root/t", SX),
      exit_(400, "root/tr", "boom"), exit_(500, "root/tr", "normal"), exit_(600, "root/tr", "shutdown"),
      exit_(700, "root/tr", "kill"), exit_(800, "root/c", "shutdown"), exit_(900, "root/c", "killed")])

scen("exit_nested_sup_ignored",
     sup("root", [sup("sub", [w("x"), w("y", trap_exit=True)]), w("b")]),
     [exit_(100, "root/sub", "boom"), exit_(200, "root/sub", "normal"), exit_(300, "root/sub", SX),
      at(400, stop="root/sub"), exit_(500, "root/sub", "kill")])

scen("exit_root_boom",
     sup("root", [w("a", trap_exit=True), sup("sub", [w("x", trap_exit=True)]), w("b")]),
     [exit_(100, "root", "boom")])

scen("exit_root_normal",
     sup("root", [w("a", trap_exit=True), w("b")]),
     [exit_(100, "root", "normal")])

scen("exit_root_shutdown_x",
     sup("root", [sup("pool", strategy="simple_one_for_one", template=w("t", trap_exit=True)), w("b", trap_exit=True)]),
     [at(100, start_child="root/pool"), at(150, start_child="root/pool"), exit_(200, "root", SX)])

scen("exit_root_kill",
     sup("root", [w("a", trap_exit=True), sup("sub", [w("x", trap_exit=True), w("y")]), w("b")]),
     [exit_(100, "root", "kill")])

# --- stop and killed supervisors ---------------------------------------------------------
scen("stop_nested_levels",
     sup("root", [sup("mid", [sup("leaf", [w("x", trap_exit=True)]), w("m", trap_exit=True)]), w("r")]),
     [at(100, stop="root/mid/leaf"), at(200, stop="root/mid"), at(300, stop="root")])

scen("killed_sup_trapping_children",
     sup("root", [w("a"), sup("sub", [w("x", trap_exit=True, terminate_ms=100), w("y"), w("z", trap_exit=True)]), w("b")],
         intensity=3),
     [at(100, kill="root/sub"), at(500, kill="root/sub")])

scen("killed_sup_ofa_rfo",
     sup("root", [sup("s1", [w("x")], strategy="one_for_all"), w("m", trap_exit=True),
                  sup("s2", [w("y", trap_exit=True), w("z")])], strategy="rest_for_one", intensity=3),
     [at(100, kill="root/s2"), at(200, kill="root/s1"), at(400, kill="root/m")])

scen("killed_mid_of_three",
     sup("root", [sup("mid", [sup("leaf", [w("x"), w("y", trap_exit=True)]), w("m")]), w("r", trap_exit=True)],
         strategy="one_for_all", intensity=2),
     [at(100, kill="root/mid"), at(300, kill="root/mid/leaf")])

# --- batch 2: link order, first abnormal stop, more shapes ------------------------------
scen("killed_sup_six_children",
     sup("root", [sup("sub", [w("c1"), w("c2", trap_exit=True), w("c3"), w("c4", trap_exit=True), w("c5"), w("c6")],
                      intensity=10), w("r")], intensity=3),
     [at(100, kill="root/sub/c2"), at(200, kill="root/sub/c5"), at(300, crash="root/sub/c1", reason="boom"),
      at(400, kill="root/sub"), at(600, kill="root/sub")])

scen("killed_sup_after_deletes",
     sup("root", [sup("sub", [w("c1"), w("c2"), w("c3", trap_exit=True), w("c4"), w("c5")], intensity=10)], intensity=3),
     [at(100, terminate_child="root/sub/c2"), at(200, delete_child="root/sub/c2"),
      at(300, start_child="root/sub", spec=w("c7", trap_exit=True)), at(400, kill="root/sub/c4"),
      at(500, terminate_child="root/sub/c1"), at(600, kill="root/sub")])

scen("sofo_killed_many",
     sup("root", [sup("pool", strategy="simple_one_for_one", intensity=10,
                      template=w("t", trap_exit=True))], intensity=3),
     [at(100, start_child="root/pool"), at(150, start_child="root/pool"), at(200, start_child="root/pool"),
      at(250, start_child="root/pool"), at(300, start_child="root/pool"), at(350, kill="root/pool/#2"),
      at(400, kill="root/pool")])

scen("sofo_stop_many_restarted",
     sup("root", [sup("pool", strategy="simple_one_for_one", intensity=10,
                      template=w("t", trap_exit=True, terminate_ms=100, shutdown=500))]),
     [at(100, start_child="root/pool"), at(150, start_child="root/pool"), at(200, start_child="root/pool"),
      at(250, start_child="root/pool"), at(300, kill="root/pool/#1"), at(350, crash="root/pool/#3", reason="boom"),
      at(400, stop="root")], settle_ms=1000)

scen("first_abnormal_cached_early",
     sup("root", [w("a"), sup("sub", [w("x", trap_exit=True), w("y", trap_exit=True)]), w("b")], intensity=5),
     [crash(100, "root/a", "boom"), at(200, kill="root/sub"), at(400, kill="root")])

scen("exit_root_boom_trapping_mix",
     sup("root", [w("a", trap_exit=True, terminate_ms=100), w("b"), sup("sub", [w("x", trap_exit=True), w("y")]),
                  w("c", trap_exit=True)]),
     [exit_(100, "root", "boom")], settle_ms=800)

scen("kill_root_sofo",
     sup("root", [sup("pool", strategy="simple_one_for_one", template=w("t", trap_exit=True)), w("b")]),
     [at(100, start_child="root/pool"), at(150, start_child="root/pool"), at(200, kill="root")])

scen("kill_during_slow_terminate",
     sup("root", [w("a", trap_exit=True, terminate_ms=500, shutdown="infinity"), w("b", trap_exit=True, terminate_ms=300)]),
     [at(100, terminate_child="root/a"), at(300, kill="root/b"), at(700, stop="root"), at(800, kill="root/b")],
     settle_ms=800)

scen("ofa_init_fail_positions",
     sup("root", [sup("s1", [w("a", init_fail=[2]), w("b"), w("c")], strategy="one_for_all", intensity=5),
                  sup("s2", [w("a"), w("b"), w("c", init_fail=[2], init_ignore=[3])], strategy="one_for_all", intensity=5),
                  sup("s3", [w("a"), w("b", init_ignore=[2]), w("c", init_fail=[2])], strategy="rest_for_one", intensity=5)],
         intensity=5),
     [at(100, kill="root/s1/c"), at(200, kill="root/s2/a"), at(300, kill="root/s3/a"), at(400, kill="root/s3/c")])

scen("rfo_fail_exceeds_nested",
     sup("root", [w("a"), sup("mid", [w("x"), w("y", init_fail=[2, 3, 4]), w("z", trap_exit=True)],
                              strategy="rest_for_one", intensity=2), w("b", trap_exit=True)],
         strategy="rest_for_one", intensity=1),
     [at(100, kill="root/mid/x")])

scen("restart_child_failures",
     sup("root", [w("a", init_fail=[2]), w("b", init_ignore=[2]), w("c", restart="transient")], intensity=5),
     [at(100, terminate_child="root/a"), at(200, restart_child="root/a"), at(300, restart_child="root/a"),
      at(400, terminate_child="root/b"), at(500, restart_child="root/b"), at(600, restart_child="root/b"),
      crash(700, "root/c", "normal"), at(800, restart_child="root/c"), at(900, restart_child="root/c")])

scen("start_child_nested_failures",
     sup("root", [w("a")], intensity=3),
     [at(100, start_child="root", spec=sup("s", [w("x", trap_exit=True), sup("t", [w("y", init_fail=[1])])])),
      at(200, start_child="root", spec=sup("s", [w("x")], strategy="one_for_all")),
      at(300, start_child="root", spec=w("s")), at(400, terminate_child="root/s"),
      at(500, start_child="root", spec=w("s")), at(600, kill="root/s/x"), at(700, delete_child="root/s"),
      at(800, start_child="root", spec=w("s", restart="temporary", init_fail=[1]))])

scen("transient_sup_reasons",
     sup("root", [sup("t1", [w("a", trap_exit=True)], intensity=0, restart="transient"),
                  sup("t2", [w("a")], restart="transient"), w("z")], intensity=5),
     [crash(100, "root/t1/a", "boom"), at(200, kill="root/t2"), at(300, restart_child="root/t1"),
      exit_(400, "root/t2", "kill")])

scen("nested_brutal_kill_sup",
     sup("root", [sup("sub", [w("x", trap_exit=True, terminate_ms=50), w("y", trap_exit=True)], shutdown="brutal_kill"),
                  w("b", trap_exit=True)], strategy="one_for_all", intensity=3),
     [at(100, kill="root/b"), at(300, terminate_child="root/sub"), at(400, restart_child="root/sub"),
      at(500, stop="root")])

scen("nested_sup_timeout_kills",
     sup("root", [w("a", trap_exit=True, terminate_ms=100),
                  sup("sub", [w("x", trap_exit=True, terminate_ms=800, shutdown="infinity"), w("y", trap_exit=True)],
                      shutdown=300)]),
     [at(100, stop="root")], settle_ms=1500)

scen("ofa_shutdown_x_permanent",
     sup("root", [w("a", trap_exit=True), w("b", restart="transient"), w("c")], strategy="one_for_all", intensity=3),
     [crash(100, "root/c", SX), crash(200, "root/b", SX), crash(300, "root/b", "boom"), crash(400, "root/a", "normal")])

scen("period_expiry_nested",
     sup("root", [sup("mid", [w("a"), w("b", trap_exit=True)], intensity=1, period_s=1)], intensity=1, period_s=1),
     [at(100, kill="root/mid/a"), at(2300, kill="root/mid/a"), at(2400, kill="root/mid/b"),
      at(4600, kill="root/mid/a"), at(4700, kill="root/mid/a")])

scen("exit_reasons_to_sofo_children",
     sup("root", [sup("pool", strategy="simple_one_for_one", intensity=10, template=w("t", restart="transient"))]),
     [at(100, start_child="root/pool"), at(150, start_child="root/pool"), at(200, start_child="root/pool"),
      exit_(300, "root/pool/#1", "normal"), exit_(400, "root/pool/#1", SX), exit_(500, "root/pool/#2", "boom"),
      exit_(600, "root/pool/#3", "shutdown"), exit_(700, "root/pool", "kill")])

scen("ignore_then_stop_ofo",
     sup("root", [w("a", init_ignore=[2]), w("b", trap_exit=True, terminate_ms=50)], strategy="one_for_all", intensity=5),
     [at(100, kill="root/a"), at(200, stop="root")])

scen("sofo_ignore_restart_killed",
     sup("root", [sup("pool", strategy="simple_one_for_one", intensity=5,
                      template=w("t", init_ignore=[2]))], intensity=3),
     [at(100, start_child="root/pool"), at(150, start_child="root/pool"), at(200, kill="root/pool/#1"),
      at(300, kill="root/pool/#2")])

# --- batch 3: strategies x restart types, escalation variants, management -----------------
scen("rfo_temporary_abnormal",
     sup("root", [w("a"), w("tmp", restart="temporary", trap_exit=True), w("c"), w("d", restart="transient")],
         strategy="rest_for_one", intensity=5),
     [crash(100, "root/tmp", "boom"), crash(200, "root/d", "normal"), at(300, kill="root/a"),
      at(400, restart_child="root/d"), crash(500, "root/c", {"shutdown": "z"})])

scen("ofa_management",
     sup("root", [w("a"), w("b", trap_exit=True, terminate_ms=50), w("c")], strategy="one_for_all", intensity=5),
     [at(100, terminate_child="root/b"), at(200, kill="root/a"), at(300, restart_child="root/b"),
      at(400, start_child="root", spec=w("d", trap_exit=True)), at(500, kill="root/c"),
      at(700, terminate_child="root/d"), at(800, delete_child="root/d"), at(900, kill="root/b")])

scen("rfo_start_child_appends",
     sup("root", [w("a"), w("b")], strategy="rest_for_one", intensity=5),
     [at(100, start_child="root", spec=w("c", trap_exit=True)), at(200, start_child="root", spec=w("d")),
      at(300, kill="root/b"), at(400, terminate_child="root/c"), at(500, kill="root/a"),
      at(600, restart_child="root/c")])

scen("empty_sup_start_child",
     sup("root", [], strategy="one_for_all", intensity=2),
     [at(100, start_child="root", spec=w("a")), at(200, start_child="root", spec=w("b", restart="temporary")),
      at(300, kill="root/a"), at(400, kill="root/a"), at(500, kill="root/a")])

scen("ofa_intensity_slow_siblings",
     sup("root", [w("a", trap_exit=True, terminate_ms=200, shutdown=1000), w("b"),
                  w("c", trap_exit=True, terminate_ms=400, shutdown=100)], strategy="one_for_all", intensity=1),
     [at(100, kill="root/b"), at(1000, kill="root/b")], settle_ms=1500)

scen("double_kill_quick",
     sup("root", [w("a"), w("b", trap_exit=True)], intensity=3),
     [at(100, kill="root/a"), at(150, kill="root/a"), at(200, kill="root/b"), at(250, kill="root/b")])

scen("ignore_first_start_each_strategy",
     sup("root", [sup("o1", [w("a", init_ignore=[1]), w("b")]),
                  sup("oa", [w("a"), w("b", init_ignore=[1]), w("c")], strategy="one_for_all", intensity=3),
                  sup("rf", [w("a", init_ignore=[1]), w("b"), w("c")], strategy="rest_for_one", intensity=3),
                  sup("so", strategy="simple_one_for_one", template=w("t", init_ignore=[1]))], intensity=3),
     [at(100, kill="root/oa/a"), at(200, restart_child="root/oa/b"), at(300, kill="root/rf/b"),
      at(400, restart_child="root/rf/a"), at(500, kill="root/rf/b"), at(600, start_child="root/so"),
      at(700, start_child="root/so"), at(800, restart_child="root/o1/a")])

scen("init_fail_first_start_ofa",
     sup("root", [w("a", trap_exit=True, terminate_ms=50), w("b"), w("c", init_fail=[1])], strategy="one_for_all"),
     [])

scen("init_fail_first_start_rfo_nested",
     sup("root", [w("a"), sup("s", [w("x", trap_exit=True), w("y", init_fail=[1])], strategy="rest_for_one"),
                  w("b")], strategy="rest_for_one"),
     [])

scen("sofo_root",
     sup("root", strategy="simple_one_for_one", intensity=2, template=w("t", trap_exit=True, terminate_ms=50)),
     [at(100, start_child="root"), at(150, start_child="root"), at(200, kill="root/#1"),
      at(300, crash="root/#2", reason="boom"), at(400, terminate_child="root/#1"), at(500, kill="root/#2"),
      at(600, start_child="root")])

scen("escalation_transient_mid",
     sup("root", [sup("mid", [sup("leaf", [w("w")], intensity=0)], intensity=0, restart="transient"),
                  w("r", trap_exit=True)], strategy="rest_for_one", intensity=2),
     [at(100, kill="root/mid/leaf/w"), at(200, restart_child="root/mid"), at(300, kill="root/mid/leaf/w"),
      at(400, kill="root/r")])

scen("escalation_ofa_root_sofo_leaf",
     sup("root", [w("a", trap_exit=True),
                  sup("mid", [sup("pool", strategy="simple_one_for_one", intensity=1, template=w("t")), w("m")],
                      strategy="one_for_all", intensity=1)], strategy="one_for_all", intensity=1),
     [at(100, start_child="root/mid/pool"), at(150, start_child="root/mid/pool"), at(200, kill="root/mid/pool/#1"),
      at(300, kill="root/mid/pool/#2"), at(400, start_child="root/mid/pool"), at(500, kill="root/mid/pool/#3"),
      at(600, kill="root/mid/m")])

scen("exit_trapping_worker_kill_and_shutdown",
     sup("root", [w("a", trap_exit=True, terminate_ms=100), w("b", trap_exit=True, restart="transient")], intensity=5),
     [exit_(100, "root/a", SX), exit_(200, "root/a", "kill"), exit_(300, "root/b", "shutdown"),
      exit_(400, "root/b", "kill"), at(500, restart_child="root/b")])

scen("stop_root_with_failed_restart_pending",
     sup("root", [w("a", init_fail=[2]), w("b", trap_exit=True)], intensity=5),
     [at(100, kill="root/a"), at(200, stop="root")])

scen("crash_normal_permanent_everywhere",
     sup("root", [w("a"), sup("s", [w("x")], strategy="rest_for_one"),
                  sup("p", strategy="simple_one_for_one", template=w("t"))], intensity=5),
     [crash(100, "root/a", "normal"), crash(200, "root/s/x", "normal"), at(300, start_child="root/p"),
      crash(400, "root/p/#1", "normal"), crash(500, "root/p/#1", "shutdown")])

# --- batch 4 -------------------------------------------------------------------------------
scen("restart_child_nested_sup_fails",
     sup("root", [w("a"), sup("s", [w("x", trap_exit=True), w("y", init_fail=[2])]), w("b")], intensity=3),
     [at(100, terminate_child="root/s"), at(200, restart_child="root/s"), at(300, restart_child="root/s"),
      at(400, kill="root/s/y")])

scen("rfo_temporary_later_removed",
     sup("root", [w("a"), w("tmp", restart="temporary", trap_exit=True, terminate_ms=50), w("c")],
         strategy="rest_for_one", intensity=5),
     [at(100, kill="root/a"), at(300, restart_child="root/tmp"),
      at(400, start_child="root", spec=w("tmp", restart="temporary")), at(500, kill="root/a")])

scen("nested3_rfo_mid_fails_restart",
     sup("root", [w("a"), sup("mid", [w("m1"), sup("leaf", [w("x"), w("y", init_fail=[2, 3])], intensity=1),
                                      w("m2", trap_exit=True)], strategy="rest_for_one", intensity=2),
                  w("b", trap_exit=True)], strategy="rest_for_one", intensity=3),
     [at(100, kill="root/mid/leaf"), at(300, kill="root/mid/m1")])

scen("sofo_intensity_zero_root",
     sup("root", strategy="simple_one_for_one", intensity=0, template=w("t", trap_exit=True)),
     [at(100, start_child="root"), at(150, start_child="root"), at(200, crash="root/#2", reason="boom")])

scen("two_siblings_escalate",
     sup("root", [sup("s1", [w("a")], intensity=0), sup("s2", [w("b", trap_exit=True)], intensity=0), w("c")],
         intensity=3),
     [at(100, kill="root/s1/a"), at(200, kill="root/s2/b"), at(300, kill="root/s1/a"), at(400, kill="root/s2/b")])

scen("kill_root_slow_trapping_child",
     sup("root", [w("a", trap_exit=True, terminate_ms=200), w("b"), w("c", trap_exit=True)]),
     [at(100, kill="root")])

scen("terminate_child_nested_sofo",
     sup("root", [sup("pool", strategy="simple_one_for_one", shutdown=300,
                      template=w("t", trap_exit=True, terminate_ms=100, shutdown=1000)), w("b")], intensity=3),
     [at(100, start_child="root/pool"), at(150, start_child="root/pool"), at(200, terminate_child="root/pool"),
      at(600, restart_child="root/pool"), at(700, start_child="root/pool")], settle_ms=800)

scen("terminate_child_nested_sofo_timeout",
     sup("root", [sup("pool", strategy="simple_one_for_one", shutdown=150,
                      template=w("t", trap_exit=True, terminate_ms=500, shutdown=1000)), w("b")], intensity=3),
     [at(100, start_child="root/pool"), at(150, start_child="root/pool"), at(200, terminate_child="root/pool"),
      at(1000, restart_child="root/pool")], settle_ms=800)

scen("sofo_transient_shutdown_reasons",
     sup("root", [sup("pool", strategy="simple_one_for_one", intensity=5,
                      template=w("t", restart="transient", trap_exit=True))]),
     [at(100, start_child="root/pool"), at(150, start_child="root/pool"), at(200, start_child="root/pool"),
      crash(300, "root/pool/#1", SX), crash(400, "root/pool/#2", "shutdown"), crash(500, "root/pool/#3", "killed"),
      at(600, stop="root")])

scen("crash_during_ofa_restart_storm",
     sup("root", [w("a", trap_exit=True, terminate_ms=100), w("b"), w("c", trap_exit=True)],
         strategy="one_for_all", intensity=4),
     [at(100, kill="root/b"), at(400, crash="root/c", reason="boom"), at(700, kill="root/a"),
      at(1000, crash="root/b", reason={"shutdown": "q"})], settle_ms=800)

# --- batch 5: a delayed first abnormal stop racing supervisor and worker starts -------------
scen("race_killed_sup_one_trapping",
     sup("root", [sup("s", [w("z", trap_exit=True)]), w("w")], intensity=3),
     [at(100, kill="root/s")])

scen("race_rfo_worker_restarts",
     sup("root", [sup("s", [w("p", trap_exit=True), w("q")]), w("r"), w("r2", trap_exit=True)],
         strategy="rest_for_one", intensity=3),
     [at(100, kill="root/s")])

scen("race_ofa_sup_and_workers",
     sup("root", [w("a"), sup("s", [w("z", trap_exit=True)]), w("w"), w("w2")], strategy="one_for_all", intensity=3),
     [at(100, kill="root/s")])

scen("race_two_trapping_restarting_worker",
     sup("root", [w("k"), sup("s", [w("y1", trap_exit=True), w("y2", trap_exit=True)]), w("m")], intensity=3),
     [at(100, kill="root/s"), at(300, kill="root/k")])

scen("killed_mid_with_sub_sup",
     sup("root", [sup("mid", [sup("sub", [w("x")]), w("m")])], intensity=3),
     [at(100, kill="root/mid")])

scen("killed_mid_with_two_sub_sups",
     sup("root", [w("a"), sup("mid", [sup("s1", [w("x")]), sup("s2", [w("y")])]), w("b")], intensity=3),
     [at(100, kill="root/mid"), at(300, kill="root/mid")])

scen("killed_mid_rfo_parent",
     sup("root", [sup("mid", [w("m"), sup("sub", [w("x"), w("y")])]), w("r")], strategy="rest_for_one", intensity=3),
     [at(100, kill="root/mid")])

scen("killed_top_of_three_levels",
     sup("root", [sup("top", [sup("mid", [sup("leaf", [w("x")])])])], intensity=3),
     [at(100, kill="root/top"), at(300, kill="root/top/mid")])

scen("mgmt_odd_targets",
     sup("root", [w("a"), sup("p", strategy="simple_one_for_one", template=w("t"))]),
     [at(100, start_child="root"), at(200, start_child="root/a"), at(300, terminate_child="root/a/#1"),
      at(400, restart_child="root/a/x"), at(500, start_child="root/p"), at(600, terminate_child="root/p/t"),
      at(700, delete_child="root/p/#1"), at(800, restart_child="root/p/#1"), at(900, start_child="root")])

if __name__ == "__main__":
    out = os.path.join(HERE, "scenarios")
    os.makedirs(out, exist_ok=True)
    for name, s in S.items():
        with open(os.path.join(out, name + ".json"), "w") as f:
            json.dump(s, f, indent=1)
            f.write("\n")
    print(len(S), "scenarios")
