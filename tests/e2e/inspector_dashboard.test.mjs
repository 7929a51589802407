// End-to-end tests of the inspector's probes and state history and of the
// dashboard's bottlenecks and alerts, driven by roles and accessible names.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { launch, open, itemName, item, button, select, until } from './helpers.mjs';

let browser;
before(async () => { browser = await launch(); });
after(async () => { await browser?.close(); });

test('probes: a bad pattern gets the inline error; add one, see it hit, remove it', async () => {
  const { page, errors } = await open(browser);
  await select(page, 'team_red');
  const inspector = page.getByRole('region', { name: 'Process inspector' });
  await inspector.getByRole('tab', { name: 'Probes' }).click();
  await inspector.getByText('No probes on this process.').waitFor();
  const pattern = inspector.getByRole('textbox', { name: 'Probe pattern' });
  await pattern.fill('{:inc, n} when');
  const alert = inspector.getByRole('alert');
  await alert.waitFor();
  assert.match(await alert.textContent(), /guard/);
  assert.ok(await button(inspector, 'Add probe').isDisabled());
  await pattern.fill('{:inc, n} when n > 10');
  assert.equal(await alert.count(), 0, 'the error goes once the pattern parses');
  // The control layer's limits show inline too: a delay is at most an hour.
  await inspector.getByRole('combobox', { name: 'Probe action' }).selectOption('delay');
  await inspector.getByRole('spinbutton', { name: 'Delay in ms' }).fill('4000000');
  await alert.waitFor();
  assert.match(await alert.textContent(), /3600000/);
  assert.ok(await button(inspector, 'Add probe').isDisabled());
  await inspector.getByRole('combobox', { name: 'Probe action' }).selectOption('count');
  assert.equal(await alert.count(), 0);
  await button(inspector, 'Add probe').click();
  const table = inspector.getByRole('table', { name: 'Probes' });
  const row = table.getByRole('row').filter({ hasText: '{:inc, n} when n > 10' });
  await row.waitFor();
  assert.match(await row.textContent(), /count/);
  // The load generator sends {:inc, 5}, which the guard rejects: only ours hits.
  await inspector.getByRole('textbox', { name: 'Message' }).fill('{:inc, 11}');
  await button(inspector, 'Send').click();
  await until(async () => (await row.getByRole('cell').nth(2).textContent()) === '1', 'the probe counts one hit');
  await button(row, 'Remove').click();
  await inspector.getByText('No probes on this process.').waitFor();
  assert.equal(await table.count(), 0);
  assert.deepEqual(errors, []);
  await page.close();
});

test('state history: roll a stateful worker back to an earlier version', async () => {
  const { page, errors } = await open(browser);
  // Quiet team_red's load generator, so that only our messages change it.
  await select(page, 'load_teams');
  await button(page, 'Suspend').click();
  await until(async () => /, suspended,/.test(await itemName(page, 'load_teams')), 'load_teams suspended');
  await select(page, 'team_red');
  const inspector = page.getByRole('region', { name: 'Process inspector' });
  const message = inspector.getByRole('textbox', { name: 'Message' });
  const state = inspector.getByLabel('State', { exact: true });
  // The worker's value is the state's top-level `value:` line (the history
  // in the state holds old values too, deeper in).
  const holds = (v) => until(async () => new RegExp(`\\n  value: ${v},?\\n`).test(await state.textContent()),
    `the state's value becomes ${v}`);
  await message.fill('{:set, 111}');
  await button(inspector, 'Send').click();
  await holds(111);
  await message.fill('{:set, 222}');
  await button(inspector, 'Send').click();
  await holds(222);
  // Each version is found by its accessible name ("Version 6: 111 at
  // 1300 ms"), not by searching its text: the visible parts run together
  // ("v6" "111" "1300 ms"), so the text of another version can hold "111"
  // too ("v5" "11" "1000 ms" reads "v5111000 ms"), which made this test
  // fail in about one run in three.
  const history = inspector.getByRole('region', { name: 'Version history' });
  const older = history.getByRole('listitem', { name: /^Version \d+: 111 at \d+ ms$/ });
  assert.equal(await older.count(), 1);
  const current = history.getByRole('listitem', { name: /, current$/ });
  assert.match(await current.getAttribute('aria-label'), /^Version \d+: 222 at /);
  await button(older, 'Roll back').click();
  // The rollback is a new version holding the old value, now the current one.
  await until(async () => /^Version \d+: 111 at /.test(await current.getAttribute('aria-label')), 'the current version holds 111');
  await holds(111);
  assert.deepEqual(errors, []);
  await page.close();
});

test('dashboard: bottlenecks and alerts are labelled regions that say when nothing was found', async () => {
  const { page, errors } = await open(browser);
  const dash = page.getByRole('region', { name: 'System dashboard' });
  const bottlenecks = dash.getByRole('region', { name: 'Bottlenecks' });
  const alerts = dash.getByRole('region', { name: 'Alerts' });
  await bottlenecks.getByRole('heading', { name: /^Bottlenecks/ }).waitFor();
  await alerts.getByRole('heading', { name: /^Alerts/ }).waitFor();
  // Each panel lists findings or says plainly that there are none.
  for (const [panel, none] of [[bottlenecks, 'No bottlenecks found'], [alerts, 'No alerts']]) {
    const items = await panel.getByRole('listitem').count();
    const empty = await panel.getByText(none).count();
    assert.ok((items > 0) !== (empty > 0), `one of a list or "${none}"`);
  }
  // A suspended worker that keeps receiving has a growing queue.
  await select(page, 'team_red');
  await button(page, 'Suspend').click();
  const finding = bottlenecks.getByRole('listitem').filter({ hasText: /Growing queue: team_red/ });
  await finding.waitFor({ timeout: 15000 });
  assert.match(await finding.textContent(), /messages\/s/);
  assert.equal(await bottlenecks.getByText('No bottlenecks found').count(), 0);
  assert.deepEqual(errors, []);
  await page.close();
});

test('tree: dragging the viewport pans it; clicks and arrow keys still select', async () => {
  const { page, errors } = await open(browser);
  for (let i = 0; i < 3; i++) await button(page, 'Zoom in').click();
  const tree = page.getByRole('tree', { name: 'Supervision tree' });
  const view = await tree.evaluate((svg) => {
    const v = svg.parentElement;
    v.scrollLeft = 0;
    v.scrollTop = 0;
    const r = v.getBoundingClientRect();
    return { x: r.x, y: r.y, w: r.width, h: r.height, canX: v.scrollWidth > v.clientWidth, canY: v.scrollHeight > v.clientHeight };
  });
  assert.ok(view.canX || view.canY, 'zoomed in, the tree overflows its viewport');
  const cx = view.x + view.w / 2;
  const cy = view.y + view.h / 2;
  await page.mouse.move(cx, cy);
  await page.mouse.down();
  await page.mouse.move(cx - 60, cy - 60, { steps: 4 });
  await page.mouse.move(cx - 160, cy - 120, { steps: 6 });
  await page.mouse.up();
  const after = await tree.evaluate((svg) => ({ left: svg.parentElement.scrollLeft, top: svg.parentElement.scrollTop }));
  if (view.canX) assert.ok(after.left > 100, `panned right: scrollLeft ${after.left}`);
  if (view.canY) assert.ok(after.top > 60, `panned down: scrollTop ${after.top}`);
  // A plain click still selects, and the keyboard still moves the selection.
  await select(page, 'team_red');
  await item(page, 'team_red').press('ArrowDown');
  await until(async () => (await item(page, 'team_red').getAttribute('aria-selected')) === 'false',
    'ArrowDown moves the selection off team_red');
  assert.equal(await page.getByRole('treeitem', { selected: true }).count(), 1);
  assert.deepEqual(errors, []);
  await page.close();
});
