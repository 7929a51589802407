// tests/e2e/embed-shots.mjs — screenshots of the docs example (light and
// dark, wide and 390 px) for a human to look at: node tests/e2e/embed-shots.mjs DIR
import { launch, BASE_URL } from './helpers.mjs';

const dir = process.argv[2] || '/tmp/otpsim-embed-shots';
await import('node:fs').then((fs) => fs.mkdirSync(dir, { recursive: true }));
const browser = await launch();
for (const [name, width, theme] of [['docs-light', 1100, 'light'], ['docs-dark', 1100, 'dark'], ['docs-narrow', 390, 'light']]) {
  const page = await browser.newPage({ viewport: { width, height: 900 } });
  await page.goto(BASE_URL + 'examples/docs.html');
  await page.waitForFunction(() => [...document.querySelectorAll('otp-sim')].every((e) => e.sim));
  if (theme === 'dark') await page.getByRole('button', { name: 'Dark theme' }).click();
  for (const e of await page.locator('otp-sim').all()) {
    await e.evaluate((el) => el.sim.run(1500));
  }
  await page.locator('#tree-demo').getByRole('treeitem', { name: /^cache / }).click();
  await page.locator('#bus').getByRole('region', { name: 'Message flow' }).waitFor();
  await page.screenshot({ path: `${dir}/${name}.png`, fullPage: true });
  await page.close();
}
await browser.close();
console.log(dir);
