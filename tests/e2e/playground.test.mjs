// End-to-end tests of the built playground, driven as a user would: by
// roles and accessible names.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { launch, open, pidOf, itemName, item, button, select, until, virtualMs } from './helpers.mjs';

let browser;
before(async () => { browser = await launch(); });
after(async () => { await browser?.close(); });

async function waitForName(page, id, pred, what) {
  return until(async () => {
    const name = await itemName(page, id);
    return pred(name) && name;
  }, `${what}: the accessible name of ${id} never matched`);
}

test('the page loads running the demo, with no console errors', async () => {
  const { page, errors } = await open(browser);
  await page.getByRole('region', { name: 'Process inspector' }).waitFor();
  await page.getByRole('region', { name: 'System dashboard' }).waitFor();
  const t0 = await virtualMs(page);
  await until(async () => (await virtualMs(page)) > t0, 'virtual time advances on its own');
  assert.ok((await page.getByRole('treeitem').count()) >= 11);
  assert.match(await itemName(page, 'root'), /^root #PID<0\.\d+\.0> supervisor one_for_one/);
  // Let it run a while (a second of virtual time) before looking for errors.
  await until(async () => (await virtualMs(page)) > t0 + 1000, 'a second of virtual time passes');
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
  // The tree that shows the restart is read after the supervisor handled
  // the exit whole: under one_for_all payments_count would have a new pid
  // in it already.
  await waitForName(page, 'orders_count', (n) => /1 restart\b/.test(n), 'orders_count restarted');
  assert.equal(pidOf(await itemName(page, 'payments_count')), w2, 'one_for_one leaves payments_count alone');
  assert.deepEqual(errors, []);
  await page.close();
});

test('the dashboard charts draw', async () => {
  const { page, errors } = await open(browser);
  const dash = page.getByRole('region', { name: 'System dashboard' });
  const canvases = dash.locator('canvas');
  // Each chart draws its axes and a line once there are samples.
  const colours = () => canvases.evaluateAll((cs) => cs.map((c) => {
    const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
    const seen = new Set();
    for (let i = 0; i < d.length; i += 4 * 7) seen.add((d[i] << 16) | (d[i + 1] << 8) | d[i + 2]);
    return seen.size;
  }));
  let last = [];
  await until(async () => {
    last = await colours();
    return last.length === 4 && last.every((n) => n > 5);
  }, () => `four charts with more than 5 colours each: ${JSON.stringify(last)}`);
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
  const selected = (id) => until(async () => (await item(page, id).getAttribute('aria-selected')) === 'true', `${id} selected`, 5000)
    .then(() => true, () => false);
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
  // Measured once everything is on the page: the dashboard and the flow
  // view come after the first paint, and the charts when they have data.
  await until(async () => (await page.locator('[aria-busy=true]').count()) === 0, 'every view rendered');
  await page.getByRole('region', { name: 'System dashboard' }).locator('canvas').first().waitFor();
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  assert.ok(overflow <= 1, `the page is ${overflow}px wider than the window`);
  await select(page, 'cache');
  assert.ok(await button(page, 'Kill').isVisible());
  if (process.env.SHOTS_DIR) await page.screenshot({ path: `${process.env.SHOTS_DIR}/narrow.png`, fullPage: true });
  assert.deepEqual(errors, []);
  await page.close();
});

test('the large scenario (1,000 workers) renders collapsed and runs', async () => {
  // Its frame costs are measured by bench/playground_frames.mjs: a test
  // checks behaviour only, and timing figures depend on the machine.
  const { page, errors } = await open(browser, { query: '?scenario=large' });
  await page.getByRole('treeitem', { name: /^\+ \d+ more/ }).first().waitFor();
  assert.match(await page.getByRole('region', { name: 'Supervision tree explorer' }).textContent(), /1011 nodes/);
  const t0 = await virtualMs(page);
  await until(async () => (await virtualMs(page)) > t0 + 500, 'the large system runs');
  assert.deepEqual(errors, []);
  await page.close();
});
