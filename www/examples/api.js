// www/examples/api.js — the script of api.html: the JS API as a page script
// uses it. What it prints is the same JSON `otpsim api` gives for the same
// scenario, seed and inputs (the e2e test checks that). Results are also
// left on `window.apiExample` for the test to compare.
import { OtpSim, OtpSimError } from '../embed.js';

const log = document.getElementById('log');
const print = (label, value) => {
  log.textContent += `${label}\n${JSON.stringify(value, null, 2)}\n\n`;
};

const out = { samples: [], supervisor: [] };
window.apiExample = out;

const sim = await OtpSim.create({ scenario: 'demo', seed: 7 });
out.features = OtpSim.features;
print('OtpSim.features', out.features);

if (out.features.request) {
  sim.subscribe('system:metrics', (p) => out.samples.push(...p.samples));
  const stop = sim.subscribe('supervisor:storage', (p) => out.supervisor.push(...p.events));
  await sim.run(1000);
  print(`system:metrics, ${out.samples.length} samples in the first second; the last:`, out.samples.at(-1));

  const procs = await sim.request('GET', '/api/v1/processes');
  out.processes = procs;
  print(`GET /api/v1/processes → ${procs.status}`, procs.body);

  const killed = await sim.request('DELETE', '/api/v1/processes/cache');
  print(`DELETE /api/v1/processes/cache → ${killed.status}`, killed.body);
  await sim.run(200);
  print(`supervisor:storage events so far (${out.supervisor.length}), the last:`, out.supervisor.at(-1));
  stop();

  const missing = await sim.request('GET', '/api/v1/processes/nobody');
  print(`GET /api/v1/processes/nobody → ${missing.status}`, missing.body);
} else {
  // This build leaves the in-page REST router out (the 400 KiB wasm budget):
  // request and subscribe say so with an OtpSimError of code `unavailable`.
  try {
    await sim.request('GET', '/api/v1/processes');
  } catch (e) {
    out.unavailable = { name: e.name, code: e.code, message: e.message, isOtpSimError: e instanceof OtpSimError };
    print('request rejects', out.unavailable);
  }
  await sim.run(1000);
}

try {
  await sim.run(-5);
} catch (e) {
  print('run(-5) rejects', { name: e.name, code: e.code, message: e.message, isOtpSimError: e instanceof OtpSimError });
}
out.hash = sim.eventHash();
print('eventHash()', out.hash);
document.getElementById('done').hidden = false;
