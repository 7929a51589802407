// tests/e2e/embed.test.mjs — the embeds (www/): the docs example with three
// <otp-sim> instances, the JS API page against the native CLI's answers, the
// pages under a strict CSP, the iframe page, keyboard shortcuts reaching only
// the focused instance, the theme following the host, attribute changes and
// removal, and bad arguments. Waits poll for conditions; no fixed sleeps.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { launch, BASE_URL } from './helpers.mjs';

const root = path.resolve(import.meta.dirname, '../..');
let browser;
before(async () => { browser = await launch(); });
after(async () => { await browser?.close(); });

async function openPage(rel, { width = 1100, height = 900 } = {}) {
  const page = await browser.newPage({ viewport: { width, height } });
  const errors = [];
  page.on('console', (m) => { if (m.type() === 'error') errors.push(m.text()); });
  page.on('pageerror', (e) => errors.push(String(e)));
  await page.goto(BASE_URL + rel);
  return { page, errors };
}

// Waits until every <otp-sim> on the page has its API handle.
async function ready(page, n) {
  await page.waitForFunction((n) => {
    const els = [...document.querySelectorAll('otp-sim')];
    return els.length === n && els.every((e) => e.sim);
  }, n, { timeout: 20000 });
}

// The native CLI's answer to one request (the same router, natively).
function cli(...args) {
  const r = spawnSync('cargo', ['run', '--quiet', '--bin', 'otpsim', '--', ...args], { cwd: root, encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  return JSON.parse(r.stdout);
}

test('docs page: three instances, one wasm; a kill in one leaves the others as a run without it', async () => {
  const { page, errors } = await openPage('examples/docs.html');
  await ready(page, 3);
  const wasm = await page.evaluate(() => performance.getEntriesByType('resource').filter((r) => r.name.endsWith('.wasm')).length);
  assert.equal(wasm, 1, 'one wasm fetch for three instances');
  const runAll = (ms) => page.evaluate(async (ms) => {
    for (const e of document.querySelectorAll('otp-sim')) await e.sim.run(ms);
  }, ms);
  await runAll(400);
  // Kill a worker in the first instance, through its own view.
  const first = page.locator('#tree-demo');
  const before = await page.evaluate(() => document.getElementById('tree-demo').sim.eventHash());
  await first.getByRole('treeitem', { name: /^cache / }).click();
  await first.getByRole('button', { name: 'Kill', exact: true }).click();
  await page.waitForFunction((h) => document.getElementById('tree-demo').sim.eventHash() !== h, before);
  await runAll(400);
  const got = await page.evaluate(async () => {
    const { OtpSim } = await import('../embed.js');
    const out = {};
    for (const e of document.querySelectorAll('otp-sim')) {
      const ref = await OtpSim.create({ scenario: e.getAttribute('scenario'), seed: Number(e.getAttribute('seed')) });
      await ref.run(400);
      await ref.run(400);
      out[e.id] = { hash: e.sim.eventHash(), ref: ref.eventHash() };
      ref.destroy();
    }
    return out;
  });
  assert.notEqual(got['tree-demo'].hash, got['tree-demo'].ref, 'the kill changed the first instance');
  const href = await page.locator('#storm').getByRole('link', { name: /Open in playground/ }).getAttribute('href');
  assert.match(href, /index\.html\?scenario=restart_storm&seed=2$/);
  assert.equal(got.storm.hash, got.storm.ref, 'the second instance is as if nothing happened');
  assert.equal(got.bus.hash, got.bus.ref, 'the third instance is as if nothing happened');
  assert.deepEqual(errors, []);
  await page.close();
});

test('figures: time to the first tree after the wasm compiled; frame rate with three instances running', async () => {
  const { page } = await openPage('examples/docs.html', { width: 1100, height: 2600 });
  await ready(page, 3);
  await page.locator('#tree-demo').getByRole('treeitem').first().waitFor();
  const t = await page.evaluate(() => {
    const at = (n) => performance.getEntriesByName(n).map((e) => e.startTime);
    const wasm = performance.getEntriesByType('resource').find((r) => r.name.endsWith('.wasm'));
    return { fetched: wasm.responseEnd, compiled: at('otpsim-wasm-ready')[0], shown: at('otpsim-interactive') };
  });
  // All three on screen and running, then frames counted for two seconds.
  await page.evaluate(() => document.querySelectorAll('otp-sim').forEach((e) => e.sim._host('play', 1)));
  await page.waitForFunction(() => [...document.querySelectorAll('otp-sim')].every((e) => e.sim.playing));
  const fps = await page.evaluate(() => new Promise((done) => {
    let n = 0;
    const t0 = performance.now();
    const gaps = [];
    let last = t0;
    const f = (ts) => {
      n++;
      gaps.push(ts - last);
      last = ts;
      if (ts - t0 < 2000) requestAnimationFrame(f);
      else done({ fps: (n * 1000) / (ts - t0), median: gaps.sort((a, b) => a - b)[gaps.length >> 1] });
    };
    requestAnimationFrame(f);
  }));
  const times = await page.evaluate(() => [...document.querySelectorAll('otp-sim')].map((e) => e.sim.now()));
  assert.ok(times.every((x) => x > 0), 'all three ran');
  console.log(`embed: wasm fetched ${t.fetched.toFixed(0)} ms, compiled ${t.compiled.toFixed(0)} ms, first tree `
    + `${(t.shown[0] - t.compiled).toFixed(0)} ms after compile (all three rendered ${(Math.max(...t.shown) - t.compiled).toFixed(0)} ms after); `
    + `three running: ${fps.fps.toFixed(1)} fps, median frame gap ${fps.median.toFixed(1)} ms`);
  await page.close();
});

test('the eventHash of a run equals `otpsim run --hash`', async () => {
  const { page } = await openPage('examples/api.html');
  const hash = await page.evaluate(async () => {
    const { OtpSim } = await import('../embed.js');
    const sim = await OtpSim.create({ scenario: 'pubsub', seed: 11 });
    await sim.run(1500);
    return sim.eventHash();
  });
  const r = spawnSync('cargo', ['run', '--quiet', '--bin', 'otpsim', '--', 'run', 'pubsub', '--seed', '11', '--run-ms', '1500', '--hash'],
    { cwd: root, encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  assert.equal(hash, r.stdout.trim());
  await page.close();
});

// Memory figures are measured, not modelled: a process record is smaller
// where pointers are 4 bytes (wasm32) than 8 (the native CLI). Everything
// else must be equal; memory must be there and positive.
function sansMemory(v) {
  if (Array.isArray(v)) return v.map(sansMemory);
  if (v && typeof v === 'object') {
    const o = {};
    for (const [k, x] of Object.entries(v)) {
      if (/memory/.test(k)) assert.ok(typeof x === 'number' && x > 0, `${k} is a positive number`);
      else o[k] = sansMemory(x);
    }
    return o;
  }
  return v;
}

test('api page: request and a system:metrics subscription give what the native API gives (without browser-api: unavailable)', async () => {
  const { page, errors } = await openPage('examples/api.html');
  await page.locator('#done').waitFor({ timeout: 20000 });
  const out = await page.evaluate(() => window.apiExample);
  assert.equal(typeof out.features.request, 'boolean');
  if (!out.features.request) {
    // The shipped build leaves the router out (the wasm size budget): what a
    // page gets is an OtpSimError saying so.
    assert.deepEqual([out.unavailable.isOtpSimError, out.unavailable.name, out.unavailable.code], [true, 'OtpSimError', 'unavailable']);
    assert.match(out.unavailable.message, /not in this build[\s\S]*400 KiB/);
    assert.match(await page.locator('#log').textContent(), /run\(-5\) rejects[\s\S]*"code": "bad_request"/);
    assert.deepEqual(errors, []);
    await page.close();
    return;
  }
  assert.equal(out.processes.status, 200);
  const procs = cli('api', 'GET', '/api/v1/processes', '--scenario', 'demo', '--seed', '7', '--run-ms', '1000');
  assert.ok(procs.processes.length > 5);
  assert.deepEqual(sansMemory(out.processes.body), sansMemory(procs));
  const metrics = cli('api', 'GET', '/api/v1/system/metrics', '--scenario', 'demo', '--seed', '7', '--run-ms', '1000');
  assert.ok(metrics.system.length > 0);
  assert.deepEqual(sansMemory(out.samples.slice(0, metrics.system.length)), sansMemory(metrics.system));
  assert.ok(out.supervisor.some((e) => /restart|child/.test(e.type)), 'the kill reached supervisor:storage');
  assert.match(await page.locator('#log').textContent(), /run\(-5\) rejects[\s\S]*"code": "bad_request"/);
  assert.deepEqual(errors, []);
  await page.close();
});

test('a scenario from src= and from an inline JSON child; a bad one shows its error in place', async () => {
  const { page, errors } = await openPage('examples/api.html');
  await page.evaluate(() => {
    const a = document.createElement('otp-sim');
    a.id = 'from-src';
    a.setAttribute('src', 'two-workers.json');
    a.setAttribute('view', 'tree');
    const b = document.createElement('otp-sim');
    b.id = 'inline';
    b.setAttribute('view', 'tree');
    const s = document.createElement('script');
    s.type = 'application/json';
    s.textContent = JSON.stringify({ name: 'inline', tree: { id: 'top', type: 'supervisor', children: [{ id: 'solo', type: 'worker' }] } });
    b.append(s);
    const c = document.createElement('otp-sim');
    c.id = 'broken';
    const t = document.createElement('script');
    t.type = 'application/json';
    t.textContent = '{"tree": {"id": "r", "type": "sometimes"}}';
    c.append(t);
    document.body.prepend(a, b, c);
  });
  await page.locator('#from-src').getByRole('treeitem', { name: /^beta / }).waitFor({ timeout: 20000 });
  await page.locator('#inline').getByRole('treeitem', { name: /^solo / }).waitFor();
  assert.equal(await page.evaluate(() => document.getElementById('from-src').sim.scenario), 'two_workers');
  // The playground's query takes built-in scenarios only: no link for this one yet.
  assert.equal(await page.locator('#from-src').getByRole('link', { name: /Open in playground/ }).count(), 0);
  await page.locator('#broken').getByRole('alert').waitFor();
  assert.match(await page.locator('#broken').getByRole('alert').textContent(), /could not start/);
  assert.deepEqual(errors, []);
  await page.close();
});

test('bad arguments reject with OtpSimError and change nothing', async () => {
  const { page } = await openPage('examples/api.html');
  const r = await page.evaluate(async () => {
    const { OtpSim, OtpSimError } = await import('../embed.js');
    const out = {};
    try { await OtpSim.create({ scenario: 'nope' }); } catch (e) { out.create = [e instanceof OtpSimError, e.code]; }
    try { await OtpSim.create({ scenario: { tree: { id: 'r', type: 'nonsense' } } }); } catch (e) { out.custom = [e instanceof OtpSimError, e.code]; }
    const sim = await OtpSim.create({ scenario: 'demo', seed: 1 });
    out.features = OtpSim.features;
    await sim.run(100);
    const before = [sim.now(), sim.eventHash(), sim.recording().inputs.length];
    for (const [name, f] of [['run', () => sim.run(-1)], ['runNaN', () => sim.run(NaN)], ['request', () => sim.request(5, '/x')],
      ['body', () => { const o = {}; o.o = o; return sim.request('POST', '/api/v1/system/tick', o); }]]) {
      try { await f(); out[name] = 'resolved'; } catch (e) { out[name] = [e instanceof OtpSimError, e.code]; }
    }
    try { sim.subscribe('nonsense', () => {}); out.topic = 'returned'; } catch (e) { out.topic = [e instanceof OtpSimError, e.code]; }
    try {
      const missing = await sim.request('GET', '/api/v1/processes/nobody');
      out.missing = [missing.status, missing.body.error.code];
    } catch (e) { out.missing = [e instanceof OtpSimError, e.code]; }
    out.unchanged = JSON.stringify(before) === JSON.stringify([sim.now(), sim.eventHash(), sim.recording().inputs.length]);
    return out;
  });
  assert.deepEqual(r.create, [true, 'no_scenario']);
  assert.deepEqual(r.custom, [true, 'bad_scenario']);
  // Argument checks come first, in embed.js, whatever the build has.
  for (const k of ['run', 'runNaN', 'request', 'body']) assert.deepEqual(r[k], [true, 'bad_request'], k);
  assert.equal(r.unchanged, true);
  if (r.features.request) {
    assert.deepEqual(r.topic, [true, 'bad_request']);
    assert.deepEqual(r.missing, [404, 'no_proc']);
  } else {
    assert.deepEqual(r.topic, [true, 'unavailable']);
    assert.deepEqual(r.missing, [true, 'unavailable']);
  }
  await page.close();
});

test('a recording replays to the same eventHash (without browser-api: unavailable)', async () => {
  const { page } = await openPage('examples/api.html');
  const r = await page.evaluate(async () => {
    const { OtpSim, OtpSimError } = await import('../embed.js');
    const sim = await OtpSim.create({ scenario: 'demo', seed: 4 });
    const features = OtpSim.features;
    await sim.run(300);
    if (features.request) await sim.request('DELETE', '/api/v1/processes/cache');
    await sim.run(300);
    let again;
    try {
      again = (await OtpSim.replay(sim.recording())).eventHash();
    } catch (e) {
      again = [e instanceof OtpSimError, e.code, e.message];
    }
    return { features, hash: sim.eventHash(), again, format: sim.recording().format };
  });
  assert.match(r.format, /^otpsim-recording/);
  if (r.features.replay) {
    assert.equal(r.again, r.hash);
  } else {
    // The shipped build leaves replay out (the wasm size budget).
    assert.deepEqual(r.again.slice(0, 2), [true, 'unavailable']);
    assert.match(r.again[2], /not in this build[\s\S]*otpsim replay/);
  }
  await page.close();
});

test('the docs and API pages work under the strict CSP', async () => {
  for (const [rel, n] of [['examples/docs.html?csp', 3], ['examples/api.html?csp', 0], ['embed.html?csp&scenario=pubsub&view=tree', 1]]) {
    const { page, errors } = await openPage(rel);
    const csp = await page.evaluate(async () => (await fetch(location.href)).headers.get('content-security-policy'));
    assert.match(csp || '', /wasm-unsafe-eval/, `${rel} is served with the CSP`);
    if (n) await ready(page, n);
    else await page.locator('#done').waitFor({ timeout: 20000 });
    if (n) await page.getByRole('tree', { name: 'Supervision tree' }).first().waitFor();
    assert.deepEqual(errors, [], rel);
    await page.close();
  }
});

test('the iframe page shows one instance from its query', async () => {
  const { page, errors } = await openPage('examples/api.html');
  await page.evaluate((src) => {
    const f = document.createElement('iframe');
    f.src = src;
    f.title = 'otpsim';
    f.style.cssText = 'width: 420px; height: 480px';
    document.body.append(f);
  }, BASE_URL + 'embed.html?scenario=pubsub&view=tree&seed=3&controls=minimal');
  const frame = page.frameLocator('iframe[title=otpsim]');
  await frame.getByRole('tree', { name: 'Supervision tree' }).waitFor({ timeout: 20000 });
  const inner = page.frames().find((f) => f.url().includes('embed.html'));
  const info = await inner.evaluate(() => {
    const e = document.querySelector('otp-sim');
    return [e.sim.scenario, e.sim.seed, document.documentElement.scrollWidth <= innerWidth];
  });
  assert.deepEqual(info, ['pubsub', 3, true]);
  assert.equal(await frame.getByRole('region', { name: 'System dashboard' }).count(), 0, 'only the tree view');
  assert.deepEqual(errors, []);
  await page.close();
});

test('autoplay runs on screen; off screen the instance holds its time, and goes on when back', async () => {
  const { page, errors } = await openPage('examples/api.html', { width: 900, height: 700 });
  await page.evaluate(() => {
    const e = document.createElement('otp-sim');
    e.id = 'auto';
    e.setAttribute('view', 'tree');
    e.setAttribute('autoplay', '');
    document.body.prepend(e);
    const spacer = document.createElement('div');
    spacer.style.height = '5000px';
    document.body.append(spacer);
  });
  await page.waitForFunction(() => document.getElementById('auto').sim?.now() > 0);
  // Counts animation frames, not time: after ten frames off screen, virtual
  // time has not moved.
  const frames = (n) => page.evaluate((n) => new Promise((r) => {
    const f = () => (--n ? requestAnimationFrame(f) : r());
    requestAnimationFrame(f);
  }), n);
  await page.evaluate(() => window.scrollTo(0, document.body.scrollHeight));
  let still = false;
  for (let i = 0; i < 50 && !still; i++) {
    const a = await page.evaluate(() => document.getElementById('auto').sim.now());
    await frames(10);
    still = a === await page.evaluate(() => document.getElementById('auto').sim.now());
  }
  assert.ok(still, 'off screen, virtual time holds');
  const held = await page.evaluate(() => document.getElementById('auto').sim.now());
  await page.evaluate(() => window.scrollTo(0, 0));
  await page.waitForFunction((t) => document.getElementById('auto').sim.now() > t, held);
  assert.deepEqual(errors, []);
  await page.close();
});

test('a keyboard shortcut reaches only the focused instance', async () => {
  const { page } = await openPage('examples/docs.html');
  await ready(page, 3);
  const state = () => page.evaluate(() => [...document.querySelectorAll('otp-sim')].map((e) => e.sim.playing));
  assert.deepEqual(await state(), [false, false, false], 'paused unless autoplay');
  await page.locator('#storm').focus();
  await page.keyboard.press('Space');
  await page.waitForFunction(() => document.getElementById('storm').sim.playing);
  assert.deepEqual(await state(), [false, true, false]);
  await page.keyboard.press('Space');
  await page.waitForFunction(() => !document.getElementById('storm').sim.playing);
  // The help overlay opens in the focused instance only.
  await page.keyboard.press('?');
  await page.locator('#storm').getByRole('dialog', { name: 'Keyboard shortcuts' }).waitFor();
  assert.equal(await page.locator('#bus').getByRole('dialog', { name: 'Keyboard shortcuts' }).count(), 0);
  assert.equal(await page.locator('#tree-demo').getByRole('dialog', { name: 'Keyboard shortcuts' }).count(), 0);
  await page.keyboard.press('Escape');
  await page.locator('#storm').getByRole('dialog', { name: 'Keyboard shortcuts' }).waitFor({ state: 'hidden' });
  await page.close();
});

test('theme="auto" follows the host page\'s data-theme', async () => {
  const { page } = await openPage('examples/docs.html');
  await ready(page, 3);
  const dark = () => page.evaluate(() => [...document.querySelectorAll('otp-sim')].map((e) =>
    !!e.shadowRoot.querySelector('.otpsim.theme-dark')));
  await page.waitForFunction(() => [...document.querySelectorAll('otp-sim')].every((e) => e.shadowRoot.querySelector('.otpsim.theme-light')));
  // The dashboard's charts are canvases: they must be drawn again in the
  // new colours. (Off screen an instance holds, and its dashboard waits to
  // be seen, so bring it on screen first.) The corner pixel is the chart's
  // background: white in light, #161b22 in dark.
  await page.locator('#storm').scrollIntoViewIfNeeded();
  const corner = (rgb) => page.waitForFunction((rgb) => {
    const c = document.getElementById('storm').shadowRoot.querySelector('canvas');
    if (!c) return false;
    const px = c.getContext('2d').getImageData(1, 1, 1, 1).data;
    return px[0] === rgb[0] && px[1] === rgb[1] && px[2] === rgb[2];
  }, rgb);
  await corner([0xff, 0xff, 0xff]);
  await page.getByRole('button', { name: 'Dark theme' }).click();
  await page.waitForFunction(() => [...document.querySelectorAll('otp-sim')].every((e) => e.shadowRoot.querySelector('.otpsim.theme-dark')));
  assert.deepEqual(await dark(), [true, true, true]);
  await corner([0x16, 0x1b, 0x22]);
  await page.getByRole('button', { name: 'Light theme' }).click();
  await page.waitForFunction(() => [...document.querySelectorAll('otp-sim')].every((e) => e.shadowRoot.querySelector('.otpsim.theme-light')));
  await page.close();
});

test('attribute changes rebuild or restyle; removing the element destroys it; 360 px fits', async () => {
  const { page, errors } = await openPage('examples/api.html', { width: 360, height: 800 });
  await page.evaluate(() => {
    const e = document.createElement('otp-sim');
    e.id = 'x';
    e.setAttribute('scenario', 'demo');
    e.setAttribute('view', 'tree');
    e.setAttribute('seed', '5');
    document.body.prepend(e);
  });
  await page.waitForFunction(() => document.getElementById('x').sim);
  const h0 = await page.evaluate(() => document.getElementById('x').getBoundingClientRect().height);
  assert.ok(h0 > 100);
  const fits = await page.evaluate(() => {
    const e = document.getElementById('x');
    const frame = e.shadowRoot.querySelector('.frame');
    return e.getBoundingClientRect().right <= innerWidth && frame.scrollWidth <= frame.clientWidth;
  });
  assert.ok(fits, 'the instance fits 360 px without sideways overflow');
  const old = await page.evaluate(() => { window.oldSim = document.getElementById('x').sim; return window.oldSim.seed; });
  assert.equal(old, 5);
  await page.evaluate(() => document.getElementById('x').setAttribute('seed', '6'));
  await page.waitForFunction(() => document.getElementById('x').sim && document.getElementById('x').sim.seed === 6);
  const gone = await page.evaluate(() => { try { window.oldSim.now(); return false; } catch (e) { return e.code; } });
  assert.equal(gone, 'destroyed', 'the old instance is destroyed on rebuild');
  await page.evaluate(() => document.getElementById('x').setAttribute('view', 'dashboard'));
  await page.locator('#x').getByRole('region', { name: 'System dashboard' }).waitFor();
  await page.evaluate(() => document.getElementById('x').setAttribute('height', '300'));
  await page.waitForFunction(() => Math.round(document.getElementById('x').getBoundingClientRect().height) === 300);
  const removed = await page.evaluate(async () => {
    const e = document.getElementById('x');
    const sim = e.sim;
    e.remove();
    await null; // the element tears down in a microtask (a move is not a removal)
    try { sim.now(); return false; } catch (err) { return err.code; }
  });
  assert.equal(removed, 'destroyed');
  assert.deepEqual(errors, []);
  await page.close();
});
