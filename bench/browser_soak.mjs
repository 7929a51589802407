// bench/browser_soak.mjs — the long browser soak (issue 11 §3), on demand:
//   BASE_URL=http://127.0.0.1:PORT/ node bench/browser_soak.mjs [MINUTES]
// runs the playground (chaos at 10/s) and the docs page (three instances),
// each at 100x speed for MINUTES (default 10) of real time, one after the
// other, and prints the samples at 1, 5 and 10 minutes (scaled to MINUTES)
// as JSON lines: JS heap, DOM nodes, wasm memory, virtual time, frames.
import { launch } from '../tests/e2e/helpers.mjs';
import { soak } from '../tests/e2e/soak-lib.mjs';

const minutes = Number(process.argv[2] || 10);
const at = [...new Set([1, minutes / 2, minutes].map((m) => Math.max(1, Math.round(m * 60))))];
const browser = await launch();
for (const kind of ['playground', 'docs']) {
  const r = await soak(browser, kind, at);
  for (const s of r.samples) console.log(JSON.stringify({ page: kind, ...s }));
  console.log(JSON.stringify({ page: kind, console_errors: r.errors }));
}
await browser.close();
