// tests/e2e/soak-lib.mjs — the browser soak (issue 11 §3), shared by the
// 60-second e2e test (soak.test.mjs) and the on-demand long run
// (bench/browser_soak.mjs): the playground and the three-instance docs page,
// running with crashes at 100x speed, sampled for JS heap, DOM nodes, wasm
// memory, virtual time and frame times, and watched for console errors.
import { BASE_URL } from './helpers.mjs';

/** DOM nodes on the page, shadow roots included. */
function countNodes() {
  let n = 0;
  const walk = (root) => {
    for (const el of root.querySelectorAll('*')) {
      n += 1;
      if (el.shadowRoot) walk(el.shadowRoot);
    }
  };
  walk(document);
  return n;
}

async function sample(page, cdp, kind, t0) {
  // After a full collection, so that the heap figure is what is live, not
  // when the collector last ran.
  await cdp.send('HeapProfiler.collectGarbage');
  const { usedSize } = await cdp.send('Runtime.getHeapUsage');
  const s = await page.evaluate(async ({ kind, count }) => {
    const nodes = new Function(`return (${count})()`)();
    if (kind === 'playground') {
      const root = document.querySelector('.otpsim');
      return {
        nodes,
        wasm: window.__otpsimMemory ? window.__otpsimMemory.buffer.byteLength : null,
        virtualMs: Math.round(parseFloat(document.querySelector('[aria-label="Virtual time"]')?.textContent ?? 'NaN') * 1000),
        frameMaxMs: Number(root?.dataset.frameMaxMs ?? NaN),
        frameMedMs: Number(root?.dataset.frameMs ?? NaN),
      };
    }
    const { OtpSim } = await import('../embed.js');
    const sims = [...document.querySelectorAll('otp-sim')].map((e) => e.sim).filter(Boolean);
    return { nodes, wasm: OtpSim.memoryBytes, virtualMs: Math.min(...sims.map((s) => s.now())), instances: sims.length };
  }, { kind, count: countNodes.toString() });
  return { at_s: Math.round((Date.now() - t0) / 1000), heap: usedSize, ...s };
}

/**
 * Opens one page and runs it: `kind` is `playground` (the demo with chaos
 * at its highest rate, speed 100) or `docs` (the docs example, every
 * instance playing at speed 100; its second instance is a restart storm).
 * Samples at each second of `at` (seconds from the start); returns the
 * samples and the console errors.
 */
export async function soak(browser, kind, at) {
  // Tall enough that all three docs instances are on screen: an embed
  // scrolled out of view pauses, and a soak wants every one running.
  const page = await browser.newPage({ viewport: { width: 1280, height: 2600 } });
  const errors = [];
  page.on('console', (m) => { if (m.type() === 'error') errors.push(m.text()); });
  page.on('pageerror', (e) => errors.push(String(e)));
  // The playground's wasm memory, from Trunk's start event.
  await page.addInitScript(() => {
    addEventListener('TrunkApplicationStarted', (e) => { window.__otpsimMemory = e.detail.wasm.memory; });
  });
  const cdp = await page.context().newCDPSession(page);
  if (kind === 'playground') {
    await page.goto(BASE_URL + '?scenario=demo&seed=7&speed=100');
    await page.getByRole('button', { name: 'Chaos mode' }).click();
    await page.getByRole('slider', { name: 'Chaos rate' }).fill('10');
  } else {
    await page.goto(BASE_URL + 'examples/docs.html');
    await page.waitForFunction(() => [...document.querySelectorAll('otp-sim')].every((e) => e.sim), null, { timeout: 20000 });
    await page.evaluate(() => {
      for (const e of document.querySelectorAll('otp-sim')) {
        e.setAttribute('speed', '100');
        e.sim._host('play', 1);
      }
    });
  }
  const t0 = Date.now();
  const samples = [];
  for (const s of at) {
    const wait = t0 + s * 1000 - Date.now();
    // Real time is what a soak measures: the wait is the test's subject.
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    samples.push(await sample(page, cdp, kind, t0));
  }
  await page.close();
  return { kind, samples, errors };
}
