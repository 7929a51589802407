// The playground's timing figures, printed (not asserted: they depend on the
// machine): page load times for the demo, and frame costs and frame gaps of
// the 1,000-worker scenario. Run against a built and served dist/:
//
//   BASE_URL=http://127.0.0.1:8080/ node bench/playground_frames.mjs [runs]
//
// PLAYGROUND.md's "Measured" table quotes these lines. The end-to-end tests
// check behaviour only.
import { launch, open } from '../tests/e2e/helpers.mjs';

const runs = Number(process.argv[2] || 1);
const browser = await launch();
try {
  for (let run = 1; run <= runs; run++) {
    {
      const { page } = await open(browser);
      // Time from navigation start to the first tree item, as the page saw it.
      const t = await page.evaluate(() => {
        const at = (n) => (performance.getEntriesByName(n)[0] || { startTime: NaN }).startTime;
        const nav = performance.getEntriesByType('navigation')[0];
        const wasm = performance.getEntriesByType('resource').find((r) => r.name.endsWith('.wasm'));
        return { dcl: nav ? nav.domContentLoadedEventEnd : NaN, wasmEnd: wasm ? wasm.responseEnd : NaN, start: at('otpsim-start'), interactive: at('otpsim-interactive') };
      });
      console.log(`load: DOMContentLoaded ${t.dcl.toFixed(0)} ms, wasm fetched ${t.wasmEnd.toFixed(0)} ms, main() ${t.start.toFixed(0)} ms, `
        + `first render (interactive) ${t.interactive.toFixed(0)} ms after navigation start`);
      await page.close();
    }
    const { page } = await open(browser, { query: '?scenario=large' });
    await page.getByRole('treeitem', { name: /^\+ \d+ more/ }).first().waitFor();
    // The app keeps the costs of its last 40 refreshes (about 3 s): after
    // 4.5 s they are the running system's, past the first frames. (A
    // benchmark may wait on the clock; the tests never do.)
    await new Promise((r) => setTimeout(r, 4500));
    const app = page.locator('.otpsim');
    const attr = async (n) => app.getAttribute(n);
    console.log(`large: simulation-only frames median ${await attr('data-frame-ms')} ms, max ${await attr('data-frame-max-ms')} ms `
      + `(${await attr('data-frames')} frames); frames that update the tree (simulate + snapshot + render) median `
      + `${await attr('data-refresh-ms')} ms, max ${await attr('data-refresh-max-ms')} ms (${await attr('data-refreshes')} frames)`);
    // Frame times while the system runs: the gaps between animation frames.
    const gaps = await page.evaluate(() => new Promise((resolve) => {
      const ts = [];
      const tick = (t) => { ts.push(t); if (ts.length < 90) requestAnimationFrame(tick); else resolve(ts.slice(1).map((t, i) => t - ts[i])); };
      requestAnimationFrame(tick);
    }));
    gaps.sort((a, b) => a - b);
    console.log(`large: median frame gap ${gaps[gaps.length >> 1].toFixed(1)} ms, p90 ${gaps[Math.floor(gaps.length * 0.9)].toFixed(1)} ms`);
    await page.close();
  }
} finally {
  await browser.close();
}
