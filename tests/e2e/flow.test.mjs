// End-to-end tests of the message-flow features: messages moving in the
// tree, bottleneck highlighting, flow recording with its replay timeline,
// and the report downloads.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { launch, open, item, button, select } from './helpers.mjs';

let browser;
before(async () => { browser = await launch(); });
after(async () => { await browser?.close(); });

test('messages move between the nodes of the tree while the system runs', async () => {
  const { page, errors } = await open(browser);
  const tree = page.getByRole('tree', { name: 'Supervision tree' });
  // The demo's load generators send all the time: dots appear, each with
  // its own offset to travel by.
  const dots = tree.locator('.msg-dot');
  await dots.first().waitFor({ state: 'attached', timeout: 5000 });
  const style = await dots.first().getAttribute('style');
  assert.match(style, /--dx:-?\d+px;--dy:-?\d+px;animation-delay:\d+ms/);
  // Paused, no new dots come, and the old ones are let go.
  await button(page, 'Pause').click();
  await page.waitForTimeout(300);
  const keys = await dots.evaluateAll((ds) => ds.map((d) => d.outerHTML).join());
  await page.waitForTimeout(500);
  assert.equal(await dots.evaluateAll((ds) => ds.map((d) => d.outerHTML).join()), keys);
  assert.deepEqual(errors, []);
  await page.close();
});

test('a suspended server that keeps receiving is highlighted as a bottleneck', async () => {
  const { page, errors } = await open(browser);
  await select(page, 'bus');
  await button(page.getByRole('toolbar', { name: 'Actions on the selected process' }), 'Suspend').click();
  // The findings are refreshed about every half second; the queue must
  // grow for a while to count.
  const deadline = Date.now() + 15000;
  let cls = '';
  while (Date.now() < deadline) {
    cls = await item(page, 'bus').getAttribute('class');
    if (/\bhot\b/.test(cls)) break;
    await page.waitForTimeout(200);
  }
  assert.match(cls, /\bhot\b/, 'bus is outlined in the tree');
  const flow = page.getByRole('region', { name: 'Message flow' });
  assert.match(await flow.textContent(), /Bottleneck: outlined here and in the tree/);
  const dash = page.getByRole('region', { name: 'Bottlenecks' });
  assert.match(await dash.textContent(), /Growing queue: bus/);
  assert.deepEqual(errors, []);
  await page.close();
});

test('a recorded flow replays along its timeline, in the diagram and in the tree', async () => {
  const { page, errors } = await open(browser);
  const flow = page.getByRole('region', { name: 'Message flow' });
  await button(flow, '● Record flow').click();
  await flow.getByRole('status').filter({ hasText: /Recording since/ }).waitFor();
  await page.waitForTimeout(800);
  await button(flow, '■ Stop recording').click();
  const picker = flow.getByRole('combobox', { name: 'Recorded flow' });
  await picker.waitFor();
  const title = await picker.locator('option:checked').textContent();
  const n = Number(/(\d+) messages over/.exec(title)[1]);
  assert.ok(n > 10, title);
  // The whole recording is shown: the slider is at its end, the diagram
  // has its last rows.
  const slider = flow.getByRole('slider', { name: 'Timeline' });
  assert.equal(await slider.inputValue(), String(n));
  const diagram = flow.getByRole('img', { name: /^Sequence diagram of \d+ recorded messages/ });
  assert.equal(await diagram.locator('.hop').count(), 16);
  // Scrubbing shows the messages up to the cursor.
  await slider.fill('3');
  await flow.getByRole('img', { name: 'Sequence diagram of 3 recorded messages' }).waitFor();
  assert.equal(await diagram.locator('.hop.current').count(), 1);
  assert.match(await flow.locator('.timeline-info').textContent(), new RegExp(`^message 3 of ${n} · `));
  await button(flow, 'Previous message').click();
  assert.equal(await slider.inputValue(), '2');
  // Replay starts from the cursor and moves on by itself, drawing the
  // current message in the tree.
  await button(flow, 'Replay').click();
  await flow.getByRole('button', { name: 'Pause replay', exact: true }).waitFor();
  // The message being replayed is drawn in the tree (unless its process
  // has gone since): look for it while the replay moves on.
  let drawn = 0;
  for (let i = 0; i < 15; i++) {
    drawn = Math.max(drawn, await page.locator('svg.tree .msg-dot.replay').count());
    await page.waitForTimeout(100);
  }
  assert.equal(drawn, 1, 'one replayed message in the tree at a time');
  const at = Number(await slider.inputValue());
  assert.ok(at > 3, `replay moved on to ${at}`);
  await button(flow, 'Pause replay').click();
  const paused = await slider.inputValue();
  await page.waitForTimeout(800);
  assert.equal(await slider.inputValue(), paused);
  assert.deepEqual(errors, []);
  await page.close();
});

test('the report downloads as Markdown and as JSON', async () => {
  const { page, errors } = await open(browser);
  await select(page, 'bus');
  const flow = page.getByRole('region', { name: 'Message flow' });
  await flow.getByRole('textbox', { name: 'Traced message' }).fill('{:publish, "orders.created", {:inc, 1}}');
  await button(flow, 'Send traced').click();
  await flow.getByRole('img', { name: /traced messages/ }).waitFor();
  const get = async (name) => {
    const [d] = await Promise.all([page.waitForEvent('download'), button(page, name).click()]);
    return [d.suggestedFilename(), await readFile(await d.path(), 'utf8')];
  };
  const [jsonName, json] = await get('Export report as JSON');
  assert.equal(jsonName, 'otpsim-report.json');
  const r = JSON.parse(json);
  assert.equal(r.scenario, 'demo');
  assert.ok(r.health.score >= 0 && r.health.score <= 100);
  assert.equal(r.supervision_tree.id, 'root');
  assert.ok(r.metrics.processes > 20);
  assert.equal(r.flows[0].traced, true);
  assert.equal(r.flows[0].messages[0].to_name, 'bus');
  const [mdName, md] = await get('Export report as Markdown');
  assert.equal(mdName, 'otpsim-report.md');
  assert.match(md, /^# otpsim report/);
  assert.match(md, /## Supervision tree/);
  assert.match(md, /### Traced \{:publish/);
  assert.deepEqual(errors, []);
  await page.close();
});
