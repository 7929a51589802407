// End-to-end tests of the built playground, driven as a user would: by
// roles and accessible names.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { launch, open, pidOf, itemName, item, button, select } from './helpers.mjs';

let browser;
before(async () => { browser = await launch(); });
after(async () => { await browser?.close(); });

async function waitForName(page, id, pred, what) {
  const deadline = Date.now() + 10000;
  let name;
  while (Date.now() < deadline) {
    name = await itemName(page, id);
    if (pred(name)) return name;
    await page.waitForTimeout(50);
  }
  assert.fail(`${what}: last accessible name of ${id} was ${JSON.stringify(name)}`);
}

test('the page loads running the demo, with no console errors', async () => {
  const { page, errors } = await open(browser);
  // Time from navigation start to the first tree item, as the page saw it.
  const t = await page.evaluate(() => {
    const at = (n) => (performance.getEntriesByName(n)[0] || { startTime: NaN }).startTime;
    const nav = performance.getEntriesByType('navigation')[0];
    const wasm = performance.getEntriesByType('resource').find((r) => r.name.endsWith('.wasm'));
    return { dcl: nav ? nav.domContentLoadedEventEnd : NaN, wasmEnd: wasm ? wasm.responseEnd : NaN, start: at('otpsim-start'), interactive: at('otpsim-interactive') };
  });
  console.log(`load: DOMContentLoaded ${t.dcl.toFixed(0)} ms, wasm fetched ${t.wasmEnd.toFixed(0)} ms, main() ${t.start.toFixed(0)} ms, `
    + `first render (interactive) ${t.interactive.toFixed(0)} ms after navigation start`);
  await page.getByRole('region', { name: 'Process inspector' }).waitFor();
  await page.getByRole('region', { name: 'System dashboard' }).waitFor();
  const clock = page.getByLabel('Virtual time', { exact: true });
  const a = await clock.textContent();
  await page.waitForTimeout(400);
  const b = await clock.textContent();
  assert.notEqual(a, b, 'virtual time advances on its own');
  assert.ok((await page.getByRole('treeitem').count()) >= 11);
  assert.match(await itemName(page, 'root'), /^root #PID<0\.\d+\.0> supervisor one_for_one/);
  await page.waitForTimeout(500);
  assert.deepEqual(errors, []);
  assert.equal(await page.locator('.otpsim-crash').count(), 0, 'no crash overlay');
  await page.close();
});

test('killing a worker restarts it with a new pid and counts the restart', async () => {
  const { page, errors } = await open(browser);
  const before = await itemName(page, 'cache');
  const count = (n) => Number(/(\d+) restarts?\b/.exec(n)[1]);
  await select(page, 'cache');
  await button(page, 'Kill').click();
  const afterName = await waitForName(page, 'cache', (n) => count(n) > count(before), 'restart counter');
  assert.notEqual(pidOf(afterName), pidOf(before), 'a new pid');
  assert.ok(pidOf(afterName));
  assert.deepEqual(errors, []);
  await page.close();
});

test('a message typed in Elixir syntax changes the state; a typo gets an inline error', async () => {
  const { page, errors } = await open(browser);
  await select(page, 'team_red');
  const inspector = page.getByRole('region', { name: 'Process inspector' });
  const input = inspector.getByRole('textbox', { name: 'Message' });
  await input.fill('{:set,');
  await inspector.getByRole('alert').waitFor();
  assert.match(await inspector.getByRole('alert').textContent(), /at 1:\d+/);
  assert.ok(await button(inspector, 'Send').isDisabled());
  await input.fill('{:set, 4242}');
  await button(inspector, 'Send').click();
  await inspector.getByRole('tab', { name: 'State' }).click();
  await inspector.getByLabel('State').filter({ hasText: '4242' }).waitFor({ timeout: 5000 });
  assert.deepEqual(errors, []);
  await page.close();
});

test('suspend and resume', async () => {
  const { page, errors } = await open(browser);
  await select(page, 'team_green');
  await button(page, 'Suspend').click();
  await waitForName(page, 'team_green', (n) => /, suspended,/.test(n), 'suspended');
  const inspector = page.getByRole('region', { name: 'Process inspector' });
  await inspector.getByText('suspended', { exact: true }).waitFor();
  await button(page, 'Resume').click();
  await waitForName(page, 'team_green', (n) => !/suspended/.test(n), 'resumed');
  assert.deepEqual(errors, []);
  await page.close();
});

test('a changed strategy handles the next crash', async () => {
  const { page, errors } = await open(browser);
  // events is one_for_all: a crash of orders_count restarts payments_count too.
  await select(page, 'events');
  await page.getByRole('combobox', { name: 'New strategy' }).selectOption('one_for_one');
  await button(page, 'Change strategy').click();
  await waitForName(page, 'events', (n) => /supervisor one_for_one/.test(n), 'strategy changed');
  const w2 = pidOf(await itemName(page, 'payments_count'));
  await select(page, 'orders_count');
  await button(page, 'Kill').click();
  await waitForName(page, 'orders_count', (n) => /1 restart\b/.test(n), 'orders_count restarted');
  await page.waitForTimeout(300);
  assert.equal(pidOf(await itemName(page, 'payments_count')), w2, 'one_for_one leaves payments_count alone');
  assert.deepEqual(errors, []);
  await page.close();
});

test('the dashboard charts draw', async () => {
  const { page, errors } = await open(browser);
  await page.waitForTimeout(1500);
  const dash = page.getByRole('region', { name: 'System dashboard' });
  const canvases = dash.locator('canvas');
  assert.equal(await canvases.count(), 4);
  const colours = await canvases.evaluateAll((cs) => cs.map((c) => {
    const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
    const seen = new Set();
    for (let i = 0; i < d.length; i += 4 * 7) seen.add((d[i] << 16) | (d[i + 1] << 8) | d[i + 2]);
    return seen.size;
  }));
  for (const n of colours) assert.ok(n > 5, `a chart has only ${n} colours`);
  assert.match(await dash.textContent(), /Health|\/100/);
  assert.deepEqual(errors, []);
  await page.close();
});

test('a traced message shows a sequence diagram', async () => {
  const { page, errors } = await open(browser);
  await select(page, 'bus');
  const flow = page.getByRole('region', { name: 'Message flow' });
  await flow.getByRole('textbox', { name: 'Traced message' }).fill('{:publish, "orders.created", {:inc, 1}}');
  await button(flow, 'Send traced').click();
  const diagram = flow.getByRole('img', { name: /^Sequence diagram of \d+ traced messages/ });
  await diagram.waitFor({ timeout: 5000 });
  assert.ok((await diagram.locator('.hop').count()) >= 1);
  assert.deepEqual(errors, []);
  await page.close();
});

test('keyboard: arrow keys move the selection in the tree', async () => {
  const { page, errors } = await open(browser);
  await page.bringToFront();
  await item(page, 'root').click();
  const selected = async (id) => {
    for (let i = 0; i < 100; i++) {
      if ((await item(page, id).getAttribute('aria-selected')) === 'true') return true;
      await page.waitForTimeout(50);
    }
    return false;
  };
  assert.ok(await selected('root'), 'a click selects the item');
  await item(page, 'root').press('Enter');
  await page.keyboard.press('ArrowDown');
  const now = async () => [await page.locator('[role=treeitem][aria-selected=true]').evaluateAll((e) => e.map((x) => x.getAttribute('aria-label'))),
    await page.evaluate(() => document.activeElement && (document.activeElement.getAttribute('aria-label') || document.activeElement.tagName))];
  assert.ok(await selected('storage'), `ArrowDown selects the next item: ${JSON.stringify(await now())}`);
  assert.deepEqual(errors, []);
  await page.close();
});

test('usable under 700 px: nothing overflows sideways', async () => {
  const { page, errors } = await open(browser, { width: 600, height: 900 });
  await page.waitForTimeout(500);
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  assert.ok(overflow <= 1, `the page is ${overflow}px wider than the window`);
  await select(page, 'cache');
  assert.ok(await button(page, 'Kill').isVisible());
  if (process.env.SHOTS_DIR) await page.screenshot({ path: `${process.env.SHOTS_DIR}/narrow.png`, fullPage: true });
  assert.deepEqual(errors, []);
  await page.close();
});

test('the large scenario (1,000 workers) renders collapsed and keeps frames short', async () => {
  const { page, errors } = await open(browser, { query: '?scenario=large' });
  await page.getByRole('treeitem', { name: /^\+ \d+ more/ }).first().waitFor();
  // The app keeps the costs of its last 40 refreshes (about 3 s): after
  // 4.5 s they are the running system's, past the first frames.
  await page.waitForTimeout(4500);
  const app = page.locator('.otpsim');
  const med = Number(await app.getAttribute('data-frame-ms'));
  const max = Number(await app.getAttribute('data-frame-max-ms'));
  const rmed = Number(await app.getAttribute('data-refresh-ms'));
  const rmax = Number(await app.getAttribute('data-refresh-max-ms'));
  console.log(`large: simulation-only frames median ${med} ms, max ${max} ms (${await app.getAttribute('data-frames')} frames); `
    + `frames that update the tree (simulate + snapshot + render) median ${rmed} ms, max ${rmax} ms (${await app.getAttribute('data-refreshes')} frames)`);
  assert.ok(rmed < 16, `median tree-update frame ${rmed} ms`);
  // Frame times while the system runs: the gaps between animation frames.
  const gaps = await page.evaluate(() => new Promise((resolve) => {
    const ts = [];
    const tick = (t) => { ts.push(t); if (ts.length < 90) requestAnimationFrame(tick); else resolve(ts.slice(1).map((t, i) => t - ts[i])); };
    requestAnimationFrame(tick);
  }));
  gaps.sort((a, b) => a - b);
  console.log(`large: median frame gap ${gaps[gaps.length >> 1].toFixed(1)} ms, p90 ${gaps[Math.floor(gaps.length * 0.9)].toFixed(1)} ms`);
  assert.deepEqual(errors, []);
  await page.close();
});
