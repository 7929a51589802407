// End-to-end tests of the built playground, driven as a user would: by
// roles and accessible names.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { launch, open, pidOf, itemName } from './helpers.mjs';

let browser;
before(async () => { browser = await launch(); });
after(async () => { await browser?.close(); });

const item = (page, id) => page.getByRole('treeitem', { name: new RegExp('^' + id + ' ') });
const button = (scope, name) => scope.getByRole('button', { name, exact: true });

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
  const t0 = Date.now();
  const { page, errors } = await open(browser);
  const interactive = Date.now() - t0;
  console.log(`interactive (tree shown) ${interactive} ms after navigation`);
  await page.getByRole('region', { name: 'Process inspector' }).waitFor();
  await page.getByRole('region', { name: 'System dashboard' }).waitFor();
  const clock = page.getByLabel('Virtual time', { exact: true });
  const a = await clock.textContent();
  await page.waitForTimeout(400);
  const b = await clock.textContent();
  assert.notEqual(a, b, 'virtual time advances on its own');
  assert.ok((await page.getByRole('treeitem').count()) >= 11);
  assert.match(await itemName(page, 'app_sup'), /^app_sup #PID<0\.\d+\.0> supervisor one_for_one/);
  await page.waitForTimeout(500);
  assert.deepEqual(errors, []);
  assert.equal(await page.locator('.otpsim-crash').count(), 0, 'no crash overlay');
  await page.close();
});

test('killing a worker restarts it with a new pid and counts the restart', async () => {
  const { page, errors } = await open(browser);
  const before = await itemName(page, 'cache');
  assert.match(before, /0 restarts/);
  await item(page, 'cache').click();
  await button(page, 'Kill').click();
  const afterName = await waitForName(page, 'cache', (n) => /1 restart\b/.test(n), 'restart counter');
  assert.notEqual(pidOf(afterName), pidOf(before), 'a new pid');
  assert.ok(pidOf(afterName));
  assert.deepEqual(errors, []);
  await page.close();
});

test('a message typed in Elixir syntax changes the state; a typo gets an inline error', async () => {
  const { page, errors } = await open(browser);
  await item(page, 'logger').click();
  const inspector = page.getByRole('region', { name: 'Process inspector' });
  const input = inspector.getByRole('textbox', { name: 'Message' });
  await input.fill('{:put, :mode,');
  await inspector.getByRole('alert').waitFor();
  assert.match(await inspector.getByRole('alert').textContent(), /at 1:\d+/);
  assert.ok(await button(inspector, 'Send').isDisabled());
  await input.fill('{:put, :mode, "fast"}');
  await button(inspector, 'Send').click();
  await inspector.getByRole('tab', { name: 'State' }).click();
  await inspector.getByLabel('State').filter({ hasText: 'mode: "fast"' }).waitFor({ timeout: 5000 });
  assert.deepEqual(errors, []);
  await page.close();
});

test('suspend and resume', async () => {
  const { page, errors } = await open(browser);
  await item(page, 'worker_1').click();
  await button(page, 'Suspend').click();
  await waitForName(page, 'worker_1', (n) => /, suspended,/.test(n), 'suspended');
  const inspector = page.getByRole('region', { name: 'Process inspector' });
  await inspector.getByText('suspended', { exact: true }).waitFor();
  await button(page, 'Resume').click();
  await waitForName(page, 'worker_1', (n) => !/suspended/.test(n), 'resumed');
  assert.deepEqual(errors, []);
  await page.close();
});

test('a changed strategy handles the next crash', async () => {
  const { page, errors } = await open(browser);
  // pool_sup is one_for_all: a crash of worker_1 restarts worker_2 too.
  await item(page, 'pool_sup').click();
  await page.getByRole('combobox', { name: 'New strategy' }).selectOption('one_for_one');
  await button(page, 'Change strategy').click();
  await waitForName(page, 'pool_sup', (n) => /supervisor one_for_one/.test(n), 'strategy changed');
  const w2 = pidOf(await itemName(page, 'worker_2'));
  await item(page, 'worker_1').click();
  await button(page, 'Kill').click();
  await waitForName(page, 'worker_1', (n) => /1 restart\b/.test(n), 'worker_1 restarted');
  await page.waitForTimeout(300);
  assert.equal(pidOf(await itemName(page, 'worker_2')), w2, 'one_for_one leaves worker_2 alone');
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
  await item(page, 'producer').click();
  const flow = page.getByRole('region', { name: 'Message flow' });
  await flow.getByRole('textbox', { name: 'Traced message' }).fill('{:inc, 1}');
  await button(flow, 'Send traced').click();
  const diagram = flow.getByRole('img', { name: /^Sequence diagram of \d+ traced messages/ });
  await diagram.waitFor({ timeout: 5000 });
  assert.ok((await diagram.locator('.hop').count()) >= 1);
  assert.deepEqual(errors, []);
  await page.close();
});

test('keyboard: arrow keys move the selection in the tree', async () => {
  const { page, errors } = await open(browser);
  await item(page, 'app_sup').focus();
  await page.keyboard.press('Enter');
  await page.keyboard.press('ArrowDown');
  await waitForName(page, 'counter', () => true, 'counter');
  assert.equal(await item(page, 'counter').getAttribute('aria-selected'), 'true');
  assert.deepEqual(errors, []);
  await page.close();
});

test('usable under 700 px: nothing overflows sideways', async () => {
  const { page, errors } = await open(browser, { width: 600, height: 900 });
  await page.waitForTimeout(500);
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  assert.ok(overflow <= 1, `the page is ${overflow}px wider than the window`);
  await item(page, 'cache').click();
  assert.ok(await button(page, 'Kill').isVisible());
  if (process.env.SHOTS_DIR) await page.screenshot({ path: `${process.env.SHOTS_DIR}/narrow.png`, fullPage: true });
  assert.deepEqual(errors, []);
  await page.close();
});

test('the large scenario (1,000 workers) renders collapsed and keeps frames short', async () => {
  const { page, errors } = await open(browser, { query: '?scenario=large' });
  await page.getByRole('treeitem', { name: /^\+ \d+ more/ }).first().waitFor();
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
