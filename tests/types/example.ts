// tests/types/example.ts — a page script written against www/embed.d.ts,
// type-checked (never run) by tests/e2e/types.test.mjs with `tsc --noEmit`:
// if the types drift from what the API offers, this stops compiling.
import { OtpSim, OtpSimError, type ApiResponse, type TopicPayload, type Recording, type Features } from '../../www/embed.js';

async function main(): Promise<void> {
  const sim: OtpSim = await OtpSim.create({ scenario: 'demo', seed: 7 });
  const f: Features | null = OtpSim.features;
  if (!f?.request || !f.replay) console.log('request/replay reject with code unavailable in this build');
  const stop: () => void = sim.subscribe('system:metrics', (p: TopicPayload) => {
    if ('samples' in p) console.log(p.samples.length, p.samples[0]?.processes);
    else console.log(p.events.map((e) => e.type));
  });
  const t: number = await sim.run(1000);
  const r: ApiResponse = await sim.request('GET', '/api/v1/processes');
  const k = await sim.request<{ error?: { code: string } }>('DELETE', '/api/v1/processes/cache', {});
  console.log(t, r.status, r.body, k.body.error?.code);
  await sim.step();
  const now: number = sim.now();
  const hash: string = sim.eventHash();
  const rec: Recording = sim.recording();
  const again = await OtpSim.replay(rec);
  console.log(now, hash === again.eventHash(), sim.scenario, sim.seed, sim.playing);
  stop();
  try {
    await sim.run(-1);
  } catch (e) {
    if (e instanceof OtpSimError) console.log(e.code, e.message);
  }
  const host = document.createElement('div');
  sim.mount(host, { view: 'tree inspector', controls: 'minimal', theme: 'auto', autoplay: false, speed: 2, height: 400 });
  const el = document.querySelector('otp-sim');
  el?.addEventListener('otp-sim-ready', (e) => console.log(e.detail.sim.now()));
  console.log(el?.sim?.eventHash());
  sim.destroy();
  again.destroy();
}

void main();
