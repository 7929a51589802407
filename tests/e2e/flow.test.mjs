// End-to-end tests of the message-flow features: messages moving in the
// tree, bottleneck highlighting, flow recording with its replay timeline,
// and the report downloads.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { launch, open, item, button, select, until, frames, virtualMs } from './helpers.mjs';

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
  // Paused, no new dots come: over 40 animation frames (which, running,
  // would have refreshed the tree about ten times) neither the dots nor the
  // virtual time change.
  await button(page, 'Pause').click();
  await button(page, 'Play').waitFor();
  await frames(page, 2);
  const keys = await dots.evaluateAll((ds) => ds.map((d) => d.outerHTML).join());
  const t = await virtualMs(page);
  await frames(page, 40);
  assert.equal(await dots.evaluateAll((ds) => ds.map((d) => d.outerHTML).join()), keys);
  assert.equal(await virtualMs(page), t);
  assert.deepEqual(errors, []);
  await page.close();
});

test('a suspended server that keeps receiving is highlighted as a bottleneck', async () => {
  const { page, errors } = await open(browser);
  await select(page, 'bus');
  await button(page.getByRole('toolbar', { name: 'Actions on the selected process' }), 'Suspend').click();
  // The findings are refreshed about every half second; the queue must
  // grow for a while to count.
  await until(async () => /\bhot\b/.test(await item(page, 'bus').getAttribute('class')), 'bus is outlined in the tree', 15000);
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
  const status = flow.getByRole('status').filter({ hasText: /Recording since/ });
  await status.waitFor();
  await until(async () => Number(/(\d+) messages so far/.exec(await status.textContent())?.[1]) > 10,
    'more than 10 messages recorded');
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
  await until(async () => {
    drawn = Math.max(drawn, await page.locator('svg.tree .msg-dot.replay').count());
    return drawn > 0 && Number(await slider.inputValue()) > 3;
  }, () => `the replay moves on past message 3, drawing it in the tree (most drawn at once: ${drawn})`);
  assert.equal(drawn, 1, 'one replayed message in the tree at a time');
  // Paused, the replay stays where it is: a replay steps at most every
  // 700 ms of real time, so give it two such gaps' worth of frames.
  await button(flow, 'Pause replay').click();
  await button(flow, 'Replay').waitFor();
  const paused = await slider.inputValue();
  await frames(page, 90);
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
  assert.ok(r.latest_metrics.processes > 20);
  assert.equal(r.flows[0].traced, true);
  assert.equal(r.flows[0].messages[0].to_name, 'bus');
  const [mdName, md] = await get('Export report as Markdown');
  assert.equal(mdName, 'otpsim-report.md');
  assert.match(md, /^# System report: demo/);
  assert.match(md, /## Supervision tree/);
  assert.match(md, /### Traced \{:publish/);
  assert.deepEqual(errors, []);
  await page.close();
});
