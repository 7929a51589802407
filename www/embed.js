// www/embed.js — what a host page loads to embed otpsim: the `<otp-sim>`
// custom element and the `OtpSim` JS API, over the one wasm the playground
// uses. Everything is found relative to this file's own URL
// (`import.meta.url`), so a copy of `dist/` works under any path, on any
// static server, and from another origin (with CORS). Types: embed.d.ts.
//
// Why it is built this way:
// - One wasm fetch and compile per page (`load()` is memoised); each
//   instance owns its own simulation (a Rust `Engine`), so they share nothing.
// - Each element renders into its own shadow root with the playground's
//   stylesheet adopted there: host CSS cannot break it, and its CSS cannot
//   leak out. No document-wide ids, no position: fixed, and keys are heard on
//   the element itself, so only the focused instance reacts.
// - Data crosses the boundary as JSON text (PLAYGROUND.md has the measure).

import initWasm, * as glue from './playground.js';

const BASE = new URL('.', import.meta.url);
/** The playground's built-in scenarios (src/web/model/scenarios.rs). */
const BUILTINS = ['demo', 'cascade_failure', 'pool_exhaustion', 'pubsub', 'restart_storm', 'large'];
let loading = null;
let sheet = null;
let features = null;
let exports = null;

/** Fetches and compiles the wasm and the stylesheet, once per page. */
function load() {
  loading ??= Promise.all([
    initWasm({ module_or_path: new URL('playground_bg.wasm', BASE) }).then((w) => {
      performance.mark('otpsim-wasm-ready');
      features = JSON.parse(glue.Engine.features());
      exports = w;
      return w;
    }),
    fetch(new URL('embed.css', BASE)).then((r) => r.text()).then((css) => {
      sheet = new CSSStyleSheet();
      sheet.replaceSync(css);
    }),
  ]);
  return loading;
}

/** An error of the API: `code` as the REST API's error bodies have it. */
export class OtpSimError extends Error {
  constructor(code, message) {
    super(message);
    this.name = 'OtpSimError';
    this.code = code;
  }
}

// The engine throws `{"code","message"}` as JSON text (see src/web/embed.rs).
function toError(e) {
  if (e instanceof OtpSimError) return e;
  if (typeof e === 'string') {
    try {
      const o = JSON.parse(e);
      if (o && typeof o.code === 'string') return new OtpSimError(o.code, o.message);
    } catch { /* not ours: below */ }
  }
  return new OtpSimError('internal', String(e && e.message ? e.message : e));
}

function call(f) {
  try {
    return f();
  } catch (e) {
    throw toError(e);
  }
}

const bad = (message) => new OtpSimError('bad_request', message);

/** `[label, json]` of a scenario given as a built-in name or an object. */
function scenarioArgs(scenario) {
  if (scenario === undefined) return ['demo', ''];
  if (typeof scenario === 'string') return [scenario, ''];
  if (scenario && typeof scenario === 'object') {
    return [typeof scenario.name === 'string' && scenario.name ? scenario.name : 'custom', JSON.stringify(scenario)];
  }
  throw bad('scenario must be a built-in name or a scenario object');
}

function seedArg(seed) {
  if (seed === undefined) return 42;
  if (!Number.isSafeInteger(seed) || seed < 0) throw bad(`seed must be a whole number from 0, not ${seed}`);
  return seed;
}

/** One live simulation, for a page script. */
export class OtpSim {
  #e;
  #subs = new Map();
  #view = null;
  #frame = 0;
  #lastNow = -1;

  constructor(engine) {
    this.#e = engine;
  }

  /** Starts a scenario: `{ scenario: 'demo' | {…}, seed: 42 }`. */
  static async create(options = {}) {
    if (!options || typeof options !== 'object') throw bad('options must be an object');
    const [name, json] = scenarioArgs(options.scenario);
    const seed = seedArg(options.seed);
    await load();
    return new OtpSim(call(() => glue.Engine.create(name, json, seed)));
  }

  /**
   * Which calls this build has: `{ request, replay }` (`request` also covers
   * `subscribe`). The shipped playground wasm leaves both out (the Cargo
   * feature `browser-api`: they do not fit its 400 KiB budget yet), and then
   * they reject with code `unavailable`. `null` until the wasm has loaded
   * (after the first `create`, `replay` or `<otp-sim>`).
   */
  static get features() {
    return loading && glue.Engine && features ? { ...features } : null;
  }

  /**
   * The bytes of the wasm's linear memory, shared by every instance on the
   * page (it grows and never shrinks); `null` until the wasm has loaded.
   */
  static get memoryBytes() {
    return exports ? exports.memory.buffer.byteLength : null;
  }

  /** Replays a recording (the object `recording()` returns, or `--record` writes). */
  static async replay(recording) {
    if (!recording || typeof recording !== 'object') throw bad('recording must be an object');
    await load();
    return new OtpSim(call(() => glue.Engine.replay(JSON.stringify(recording))));
  }

  #alive() {
    if (!this.#e) throw new OtpSimError('destroyed', 'this simulation was destroyed');
    return this.#e;
  }

  /** The REST API's router, in the page: `{ status, body }`. */
  async request(method, path, body) {
    if (typeof method !== 'string' || typeof path !== 'string') throw bad('method and path must be strings');
    let text = '';
    if (body !== undefined) {
      try {
        text = JSON.stringify(body);
      } catch (e) {
        throw bad(`body is not JSON: ${e.message}`);
      }
    }
    const e = this.#alive();
    const r = JSON.parse(call(() => e.request(method, path, text)));
    this.#deliver();
    return r;
  }

  /** Follows a topic; the callback gets the API's payloads as time advances. */
  subscribe(topic, callback) {
    if (typeof topic !== 'string') throw bad('topic must be a string');
    if (typeof callback !== 'function') throw bad('callback must be a function');
    const e = this.#alive();
    const r = JSON.parse(call(() => e.request('POST', '/api/v1/subscriptions', JSON.stringify({ topic }))));
    if (r.status !== 200) throw new OtpSimError(r.body.error.code, r.body.error.message);
    const id = r.body.id;
    this.#subs.set(id, callback);
    this.#follow();
    return () => {
      if (this.#subs.delete(id) && this.#e) this.#e.request('DELETE', `/api/v1/subscriptions/${id}`, '');
    };
  }

  /** Hands each subscriber what arrived since the last look. */
  #deliver() {
    if (!this.#e) return;
    this.#lastNow = this.#e.now();
    this.#view?.tickBar();
    for (const [id, cb] of [...this.#subs]) {
      const r = JSON.parse(this.#e.request('GET', `/api/v1/subscriptions/${id}`, ''));
      const p = r.body;
      if (r.status !== 200 || !((p.events && p.events.length) || (p.samples && p.samples.length) || p.dropped)) continue;
      try {
        cb(p);
      } catch (err) {
        console.error('otpsim: a subscriber threw', err);
      }
    }
  }

  // While a view runs the simulation, deliver as its time moves.
  #follow() {
    if (this.#frame || !this.#view || !this.#subs.size) return;
    const tick = () => {
      this.#frame = 0;
      if (!this.#e || !this.#view || !this.#subs.size) return;
      if (this.#e.now() !== this.#lastNow) this.#deliver();
      this.#frame = requestAnimationFrame(tick);
    };
    this.#frame = requestAnimationFrame(tick);
  }

  /** Lets `ms` of virtual time pass. */
  async run(ms) {
    if (!Number.isSafeInteger(ms) || ms < 0) throw bad(`ms must be a whole number from 0, not ${ms}`);
    const e = this.#alive();
    call(() => e.run(ms));
    this.#deliver();
    return e.now();
  }

  /** One scheduler step (not part of the recording: use run(ms) for that). */
  async step() {
    const e = this.#alive();
    call(() => e.step());
    this.#deliver();
    return e.now();
  }

  /** Virtual time, ms. */
  now() {
    return this.#alive().now();
  }

  /** The event-stream hash: 16 hex digits, as `otpsim run … --hash` prints. */
  eventHash() {
    const e = this.#alive();
    return call(() => e.event_hash());
  }

  /** The recording (seed, scenario, inputs), as `otpsim api --record` writes it. */
  recording() {
    const e = this.#alive();
    return JSON.parse(call(() => e.recording()));
  }

  get scenario() {
    return this.#alive().scenario();
  }

  get seed() {
    return this.#alive().seed();
  }

  get playing() {
    return !!this.#e && this.#e.playing();
  }

  /** @internal The mounted view's speed. */
  _speed() {
    return this.#e ? this.#e.speed() : 1;
  }

  /** Shows the simulation in `element` (in a shadow root of its own). */
  mount(element, options = {}) {
    if (!(element instanceof Element)) throw bad('mount needs an element');
    if (!options || typeof options !== 'object') throw bad('options must be an object');
    const holder = document.createElement('div');
    element.replaceChildren(holder);
    const root = holder.attachShadow({ mode: 'open' });
    const frame = new Frame(root, this, options);
    frame.show();
    this.#e && this.#attach(frame.app, options, frame);
    return this;
  }

  // Used by mount() and by <otp-sim>: puts the app into `where`.
  #attach(where, options, view) {
    const e = this.#alive();
    const opts = {
      view: options.view || 'full',
      controls: options.controls === 'full' || !options.controls ? 'full' : options.controls,
      autoplay: !!options.autoplay,
      theme: options.theme === 'dark' || options.theme === 'light' ? options.theme : hostDark() ? 'dark' : 'light',
      speed: Number.isFinite(options.speed) && options.speed > 0 ? options.speed : 1,
    };
    call(() => e.mount(where, JSON.stringify(opts)));
    this.#view = view;
    this.#follow();
  }

  /** @internal The element's way in. */
  _attach(where, options, view) {
    this.#attach(where, options, view);
  }

  /** @internal Host actions on a mounted view: play, step, speed, dark, hold. */
  _host(what, value = 0) {
    if (this.#e && this.#view) call(() => this.#e.host_do(what, value));
  }

  /** Ends the simulation and takes its view away. */
  destroy() {
    if (this.#frame) cancelAnimationFrame(this.#frame);
    this.#frame = 0;
    this.#subs.clear();
    if (this.#e) {
      this.#e.destroy();
      this.#e.free();
    }
    this.#e = null;
    this.#view?.detach?.();
    this.#view = null;
  }

  /** @internal The playground link for the current state. */
  _link() {
    const e = this.#e;
    const url = new URL('index.html', BASE);
    if (!e) return url.href;
    // Shareable links (issue 9, §3) put the whole state in the hash; until
    // that lands, the query carries scenario and seed.
    if (typeof glue.hash_of_state === 'function') {
      try {
        url.hash = glue.hash_of_state(e);
        return url.href;
      } catch { /* fall back to the query */ }
    }
    // The playground's query takes built-in scenarios only: a custom one
    // has no link until the hash state lands (the caller hides it).
    if (!BUILTINS.includes(e.scenario())) return null;
    url.search = new URLSearchParams({ scenario: e.scenario(), seed: String(e.seed()) }).toString();
    return url.href;
  }
}

// --- theme ---------------------------------------------------------------

/** The host page's theme: Docusaurus, class-based sites, mdBook, else the OS. */
export function hostDark() {
  const h = document.documentElement;
  const dt = h.getAttribute('data-theme');
  if (dt) return /dark/i.test(dt);
  const c = h.classList;
  if (c.contains('dark')) return true;
  if (c.contains('light') || c.contains('rust')) return false;
  if (c.contains('coal') || c.contains('navy') || c.contains('ayu')) return true;
  return matchMedia('(prefers-color-scheme: dark)').matches;
}

// One observer of the host's theme for every `theme="auto"` frame.
const themed = new Set();
let themeWatch = null;
function watchTheme(frame) {
  themed.add(frame);
  if (themeWatch) return;
  const all = () => themed.forEach((f) => f.theme());
  themeWatch = new MutationObserver(all);
  themeWatch.observe(document.documentElement, { attributes: true, attributeFilter: ['class', 'data-theme'] });
  matchMedia('(prefers-color-scheme: dark)').addEventListener('change', all);
}

// --- on screen and visible ---------------------------------------------------

const visible = new WeakMap();
let io = null;
function watchVisible(frame) {
  io ??= new IntersectionObserver((entries) => {
    for (const en of entries) {
      const f = visible.get(en.target);
      if (f) f.onScreen(en.isIntersecting);
    }
  });
  visible.set(frame.root.host, frame);
  io.observe(frame.root.host);
}
const frames = new Set();
document.addEventListener('visibilitychange', () => frames.forEach((f) => f.hold()));

// --- the frame around an app: bar, help, placeholder ---------------------------

const SHORTCUTS = [
  ['Space', 'play or pause'],
  ['→', 'one step'],
  ['←', 'step back'],
  ['+ / -', 'faster / slower'],
  ['?', 'this help'],
];

function el(tag, attrs = {}, ...kids) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (k === 'text') e.textContent = v;
    else e.setAttribute(k, v);
  }
  e.append(...kids);
  return e;
}

function heightOf(options) {
  const h = options.height;
  if (h !== undefined && h !== null && h !== '') return /^\d+$/.test(String(h)) ? `${h}px` : String(h);
  const views = String(options.view || 'full').trim().split(/\s+/);
  if (views.length === 1 && views[0] !== 'full') return '380px';
  return views[0] === 'full' ? '640px' : '520px';
}

/** The parts of one instance inside its shadow root. */
class Frame {
  constructor(root, sim, options) {
    this.root = root;
    this.sim = sim;
    this.options = options;
    this.onscreen = true;
    this.loop = 0;
    this.box = el('div', { class: 'frame', part: 'frame' });
    this.root.replaceChildren(this.box);
    this.sized();
    this.theme();
  }

  sized() {
    this.box.style.height = heightOf(this.options);
  }

  /** The placeholder, as tall as the instance will be. */
  placeholder(text = 'Loading the simulation…') {
    this.box.replaceChildren(el('div', { class: 'placeholder', role: 'status', text }));
  }

  show() {
    if (sheet) this.root.adoptedStyleSheets = [sheet];
    const o = this.options;
    const controls = o.controls || 'full';
    this.app = el('div', { class: 'app' });
    const bar = el('div', { class: 'bar' });
    if (controls === 'minimal') {
      this.playBtn = el('button', { type: 'button', class: 'play', 'aria-label': 'Play', text: '▶' });
      this.playBtn.onclick = () => this.sim._host('play', -1);
      const step = el('button', { type: 'button', 'aria-label': 'Step', text: 'Step' });
      step.onclick = () => this.sim._host('step');
      this.clock = el('span', { class: 'clock', 'aria-label': 'Virtual time', text: '0 ms' });
      bar.append(this.playBtn, step, this.clock);
    }
    const help = el('button', { type: 'button', class: 'ghost', 'aria-label': 'Keyboard shortcuts', text: '?' });
    help.onclick = () => this.help();
    this.open = el('a', { class: 'open', target: '_blank', rel: 'noopener', text: 'Open in playground ↗' });
    const refresh = () => {
      const href = this.sim._link();
      this.open.hidden = !href;
      if (href) this.open.href = href;
    };
    refresh();
    this.open.addEventListener('pointerenter', refresh);
    this.open.addEventListener('focus', refresh);
    this.open.addEventListener('click', refresh);
    bar.append(el('span', { class: 'grow' }), help, this.open);
    this.helpBox = el('div', { class: 'help', role: 'dialog', 'aria-label': 'Keyboard shortcuts', hidden: '' },
      el('div', { class: 'card' },
        el('h2', { text: 'Keyboard shortcuts' }),
        el('dl', {}, ...SHORTCUTS.filter(([k]) => k !== '←' || typeof glue.step_back === 'function')
          .flatMap(([k, v]) => [el('dt', {}, el('kbd', { text: k })), el('dd', { text: v })])),
        el('p', { class: 'hint', text: 'They work while this simulation has the focus. Esc closes this help.' })));
    this.box.replaceChildren(this.app, bar, this.helpBox);
    frames.add(this);
    watchVisible(this);
    if ((o.theme || 'auto') === 'auto') watchTheme(this);
    this.tickBar();
  }

  help(on) {
    if (!this.helpBox) return;
    const show = on ?? this.helpBox.hidden;
    this.helpBox.hidden = !show;
  }

  theme() {
    const t = this.options.theme || 'auto';
    const dark = t === 'dark' || (t !== 'light' && hostDark());
    this.box.classList.toggle('dark', dark);
    this.sim?._host('dark', dark ? 1 : 0);
  }

  onScreen(on) {
    this.onscreen = on;
    this.hold();
  }

  /** Off screen or in a hidden tab nothing runs, and no time is owed. */
  hold() {
    const held = !this.onscreen || document.hidden;
    this.sim?._host('hold', held ? 1 : 0);
    if (!held) this.tickBar();
  }

  // The minimal bar's clock and play button follow the app.
  tickBar() {
    if (this.loop || !this.clock) return;
    const tick = () => {
      this.loop = 0;
      let now;
      try {
        now = this.sim.now();
      } catch {
        return;
      }
      const playing = this.sim.playing;
      this.clock.textContent = `${now.toFixed(0)} ms`;
      if (this.shownPlaying !== playing) {
        this.shownPlaying = playing;
        this.playBtn.textContent = playing ? '❚❚' : '▶';
        this.playBtn.setAttribute('aria-label', playing ? 'Pause' : 'Play');
      }
      if (this.onscreen && !document.hidden) this.loop = requestAnimationFrame(tick);
    };
    this.loop = requestAnimationFrame(tick);
  }

  detach() {
    frames.delete(this);
    themed.delete(this);
    if (this.loop) cancelAnimationFrame(this.loop);
    this.loop = 0;
    io?.unobserve(this.root.host);
  }
}

// --- <otp-sim> ---------------------------------------------------------------

const REBUILD = ['scenario', 'src', 'seed'];
const REMOUNT = ['view', 'controls'];

/** `<otp-sim scenario="demo" view="tree" controls="minimal">`: an embedded simulation. */
export class OtpSimElement extends HTMLElement {
  static observedAttributes = ['scenario', 'src', 'seed', 'view', 'controls', 'theme', 'autoplay', 'speed', 'height'];

  #sim = null;
  #frame = null;
  #gen = 0;

  constructor() {
    super();
    this.attachShadow({ mode: 'open' });
    // Keys are heard here, on the element: only the focused instance reacts.
    this.addEventListener('keydown', (e) => this.#key(e));
  }

  /** The JS API handle of this instance (set once it is ready). */
  get sim() {
    return this.#sim;
  }

  #options() {
    const a = (n) => this.getAttribute(n);
    return {
      view: a('view') || 'full',
      controls: a('controls') || 'full',
      theme: a('theme') || 'auto',
      autoplay: this.hasAttribute('autoplay') && a('autoplay') !== 'false',
      speed: a('speed') ? Number(a('speed')) : 1,
      height: a('height'),
    };
  }

  connectedCallback() {
    if (!this.hasAttribute('tabindex')) this.tabIndex = 0;
    if (!this.hasAttribute('role')) this.setAttribute('role', 'group');
    if (!this.hasAttribute('aria-label')) this.setAttribute('aria-label', 'otpsim simulation');
    if (!this.#sim) this.#build();
  }

  disconnectedCallback() {
    // Moved elements come back at once; removed ones are destroyed.
    queueMicrotask(() => {
      if (!this.isConnected) this.#teardown();
    });
  }

  attributeChangedCallback(name, old, now) {
    if (old === now || !this.isConnected) return;
    if (REBUILD.includes(name)) return this.#build();
    if (!this.#sim) return;
    const o = this.#options();
    if (REMOUNT.includes(name)) return this.#mount(o);
    if (name === 'height') {
      this.#frame.options = o;
      this.#frame.sized();
    } else if (name === 'theme') {
      this.#frame.options = o;
      if (o.theme === 'auto') watchTheme(this.#frame);
      this.#frame.theme();
    } else if (name === 'autoplay') {
      this.#sim._host('play', o.autoplay ? 1 : 0);
    } else if (name === 'speed' && Number.isFinite(o.speed) && o.speed > 0) {
      this.#sim._host('speed', o.speed / this.#sim._speed());
    }
  }

  #teardown() {
    this.#frame?.detach();
    this.#frame = null;
    this.#sim?.destroy();
    this.#sim = null;
  }

  /** The scenario: `src`, else an inline JSON child, else `scenario`. */
  async #scenario() {
    const src = this.getAttribute('src');
    if (src) {
      const r = await fetch(new URL(src, document.baseURI));
      if (!r.ok) throw new OtpSimError('bad_scenario', `${src}: HTTP ${r.status}`);
      return JSON.parse(await r.text());
    }
    const inline = this.querySelector('script[type="application/json"]');
    if (inline) {
      try {
        return JSON.parse(inline.textContent);
      } catch (e) {
        throw new OtpSimError('bad_scenario', `the inline scenario is not JSON: ${e.message}`);
      }
    }
    return this.getAttribute('scenario') || 'demo';
  }

  async #build() {
    const gen = ++this.#gen;
    this.#teardown();
    const o = this.#options();
    const frame = new Frame(this.shadowRoot, null, o);
    this.#frame = frame;
    frame.placeholder();
    try {
      const seedAttr = this.getAttribute('seed');
      const seed = seedAttr === null || seedAttr === '' ? 42 : Number(seedAttr);
      const sim = await OtpSim.create({ scenario: await this.#scenario(), seed });
      if (gen !== this.#gen || !this.isConnected) return sim.destroy();
      this.#sim = sim;
      this.#mount(o);
      this.dispatchEvent(new CustomEvent('otp-sim-ready', { bubbles: true, composed: true, detail: { sim } }));
    } catch (e) {
      if (gen !== this.#gen) return;
      const err = toError(e);
      frame.placeholder(`The simulation could not start: ${err.message}`);
      frame.box.firstChild.setAttribute('role', 'alert');
    }
  }

  #mount(o) {
    this.#frame?.detach();
    const frame = new Frame(this.shadowRoot, this.#sim, o);
    this.#frame = frame;
    frame.show();
    this.#sim._attach(frame.app, o, frame);
    frame.theme();
    frame.hold();
  }

  #key(e) {
    if (!this.#sim || e.ctrlKey || e.metaKey || e.altKey) return;
    const t = e.composedPath()[0];
    const inField = t instanceof Element && t.closest('input, textarea, select, [contenteditable]');
    if (inField) return;
    // Buttons and tree items keep Space and the arrows for themselves.
    const control = t instanceof Element && t !== this && t.closest('button, a, [role=treeitem], [role=tab], summary');
    switch (e.key) {
      case ' ':
        if (control) return;
        this.#sim._host('play', -1);
        break;
      case 'ArrowRight':
        if (control) return;
        this.#sim._host('step');
        break;
      case 'ArrowLeft':
        // Step back needs the timeline of issue 9 §3 (the links branch):
        // until the wasm exports it, ← is left alone (and not in the help).
        if (control || typeof glue.step_back !== 'function') return;
        glue.step_back(this.#sim);
        break;
      case '+':
      case '=':
        this.#sim._host('speed', 2);
        break;
      case '-':
      case '_':
        this.#sim._host('speed', 0.5);
        break;
      case '?':
        this.#frame?.help();
        break;
      case 'Escape':
        this.#frame?.help(false);
        break;
      default:
        return;
    }
    e.preventDefault();
    e.stopPropagation();
  }
}

if (!customElements.get('otp-sim')) customElements.define('otp-sim', OtpSimElement);
