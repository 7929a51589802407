// Takes screenshots of the playground for a human to look at:
// BASE_URL=http://127.0.0.1:8080/ node tests/e2e/shots.mjs OUTDIR
import { launch, open } from './helpers.mjs';
const out = process.argv[2] || '/tmp/shots';
const browser = await launch();
const shots = [
  ['wide', 1280, 800, ''], ['narrow', 600, 900, ''], ['dark', 1280, 800, '?theme=dark'],
  ['large', 1280, 800, '?scenario=large'], ['storm', 1280, 800, '?scenario=restart_storm'],
];
for (const [name, width, height, query] of shots) {
  const { page, errors } = await open(browser, { width, height, query });
  await page.waitForTimeout(name === 'storm' ? 6000 : 2500);
  await page.getByRole('treeitem', { name: /^(cache|w0_1|root) / }).first().click();
  await page.waitForTimeout(500);
  await page.screenshot({ path: `${out}/${name}.png`, fullPage: name !== 'wide' });
  if (name === 'wide') {
    await page.screenshot({ path: `${out}/wide-full.png`, fullPage: true });
    await page.getByRole('treeitem', { name: /^bus / }).click();
    const flow = page.getByRole('region', { name: 'Message flow' });
    await flow.getByRole('textbox', { name: 'Traced message' }).fill('{:publish, "orders.created", {:inc, 1}}');
    await flow.getByRole('button', { name: 'Send traced', exact: true }).click();
    await flow.getByRole('img', { name: /^Sequence diagram/ }).waitFor();
    await flow.screenshot({ path: `${out}/flow.png` });
    // A recording, scrubbed to its middle, then replayed: the flow view and
    // the tree with the replayed message.
    await flow.getByRole('button', { name: '● Record flow', exact: true }).click();
    await page.waitForTimeout(1000);
    await flow.getByRole('button', { name: '■ Stop recording', exact: true }).click();
    const slider = flow.getByRole('slider', { name: 'Timeline' });
    await slider.fill(String(Math.floor(Number(await slider.getAttribute('max')) / 2)));
    await page.waitForTimeout(200);
    await flow.screenshot({ path: `${out}/flow-recording.png` });
    await flow.getByRole('button', { name: 'Replay', exact: true }).click();
    await page.waitForTimeout(700);
    await page.getByRole('region', { name: 'Supervision tree explorer' }).screenshot({ path: `${out}/tree-replay.png` });
    await flow.getByRole('button', { name: 'Pause replay', exact: true }).click();
    const inspector = page.getByRole('region', { name: 'Process inspector' });
    await inspector.getByRole('tab', { name: 'Trace' }).click();
    await page.waitForTimeout(300);
    await inspector.screenshot({ path: `${out}/inspector-trace.png` });
    // The state history and the probes of a stateful worker, and the
    // dashboard's bottlenecks and alerts.
    await page.getByRole('treeitem', { name: /^team_red / }).click();
    await inspector.getByRole('tab', { name: 'State' }).click();
    await page.waitForTimeout(800);
    await inspector.screenshot({ path: `${out}/inspector-history.png` });
    await inspector.getByRole('tab', { name: 'Probes' }).click();
    await inspector.getByRole('button', { name: 'Add probe', exact: true }).click();
    await inspector.getByRole('textbox', { name: 'Probe pattern' }).fill('{:inc, n} when');
    await page.waitForTimeout(300);
    await inspector.screenshot({ path: `${out}/inspector-probes.png` });
    await page.getByRole('region', { name: 'System dashboard' }).screenshot({ path: `${out}/dashboard.png` });
  }
  if (name === 'narrow') {
    await page.getByRole('region', { name: 'System dashboard' }).screenshot({ path: `${out}/narrow-dashboard.png` });
    const inspector = page.getByRole('region', { name: 'Process inspector' });
    await inspector.getByRole('tab', { name: 'Probes' }).click();
    await inspector.screenshot({ path: `${out}/narrow-probes.png` });
  }
  console.log(name, 'errors:', errors);
  await page.close();
}
await browser.close();
