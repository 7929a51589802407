// tests/e2e/soak.test.mjs — the 60-second browser soak (issue 11 §3; the
// long run is bench/browser_soak.mjs): the playground with chaos at 10/s and
// the three-instance docs page, both at 100x speed, keep their DOM, JS heap
// and wasm memory flat after warming up, advance virtual time, and log no
// console error.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { launch } from './helpers.mjs';
import { soak } from './soak-lib.mjs';

let browser;
before(async () => { browser = await launch(); });
after(async () => { await browser?.close(); });

// 30 s for each page: the first sample is taken after 10 s of warming up
// (the histories the tools keep fill to their capacities first).
for (const kind of ['playground', 'docs']) {
  test(`soak: the ${kind} page stays flat while it runs`, { timeout: 90000 }, async () => {
    const r = await soak(browser, kind, [10, 30]);
    const [a, b] = r.samples;
    console.log(JSON.stringify(r));
    assert.deepEqual(r.errors, []);
    assert.ok(b.virtualMs > a.virtualMs + 5000, `virtual time advances (${a.virtualMs} -> ${b.virtualMs})`);
    // Bounds, not equality: a live page's node count and heap move with what
    // is on screen; wasm memory grows in steps (a vector doubling) and with
    // the input log (a tick per frame, ~0.4 MB a minute: PLAYGROUND.md). A
    // leak of views or DOM grows past these within 20 s at 100x.
    assert.ok(b.nodes <= a.nodes * 1.25 + 20, `DOM nodes ${a.nodes} -> ${b.nodes}`);
    assert.ok(b.heap <= Math.max(a.heap * 1.5, a.heap + 4e6), `JS heap ${a.heap} -> ${b.heap}`);
    assert.ok(a.wasm > 0 && b.wasm <= a.wasm + 8e6, `wasm memory ${a.wasm} -> ${b.wasm}`);
  });
}
