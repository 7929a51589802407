// www/embed-frame.js — the script of embed.html (the iframe page): makes one
// <otp-sim> from the page's query and fills the frame with it. A file of its
// own rather than an inline script, so the page works under a CSP without
// 'unsafe-inline' for scripts.
import './embed.js';

const q = new URLSearchParams(location.search);
const sim = document.createElement('otp-sim');
for (const name of ['scenario', 'seed', 'view', 'controls', 'theme', 'speed', 'src']) {
  const v = q.get(name);
  if (v !== null) sim.setAttribute(name, v);
}
if (q.has('autoplay')) sim.setAttribute('autoplay', '');
// The frame's height is the iframe's: fill it.
sim.setAttribute('height', '100%');
document.body.append(sim);
