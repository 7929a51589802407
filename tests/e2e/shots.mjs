// Takes screenshots of the playground for a human to look at:
// node tests/e2e/shots.mjs OUTDIR
import { launch, open } from './helpers.mjs';
const out = process.argv[2] || '/tmp/shots';
const browser = await launch();
for (const [name, width, height, query] of [['wide', 1280, 800, ''], ['narrow', 600, 900, ''], ['dark', 1280, 800, '?theme=dark'], ['large', 1280, 800, '?scenario=large']]) {
  const { page, errors } = await open(browser, { width, height, query });
  await page.waitForTimeout(2500);
  await page.getByRole('treeitem', { name: /^(cache|w0_1) / }).first().click();
  await page.waitForTimeout(500);
  await page.screenshot({ path: `${out}/${name}.png`, fullPage: name !== 'wide' });
  if (name === 'wide') await page.screenshot({ path: `${out}/wide-full.png`, fullPage: true });
  console.log(name, 'errors:', errors);
  await page.close();
}
await browser.close();
