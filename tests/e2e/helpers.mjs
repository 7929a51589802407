// Shared set-up for the end-to-end tests: the system Chromium driven by
// playwright-core, with the flags that work as root with no network.
import assert from 'node:assert/strict';
import { chromium } from 'playwright-core';

export const BASE_URL = process.env.BASE_URL || 'http://127.0.0.1:8080/';

export const FLAGS = [
  '--headless', '--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync',
];

export async function launch() {
  return chromium.launch({ executablePath: process.env.CHROMIUM || '/usr/bin/chromium', args: FLAGS });
}

// Opens the playground and collects console errors and page errors.
export async function open(browser, { width = 1280, height = 800, query = '' } = {}) {
  const page = await browser.newPage({ viewport: { width, height } });
  const errors = [];
  page.on('console', (m) => { if (m.type() === 'error') errors.push(m.text()); });
  page.on('pageerror', (e) => errors.push(String(e)));
  await page.goto(BASE_URL + query);
  await page.getByRole('tree', { name: 'Supervision tree' }).waitFor();
  return { page, errors };
}

// The pid in an accessible name like "counter #PID<0.5.0> worker, …".
export function pidOf(name) {
  const m = /#PID<[0-9.]+>/.exec(name || '');
  return m ? m[0] : null;
}

export async function itemName(page, id) {
  const item = page.getByRole('treeitem', { name: new RegExp('^' + id + ' ') });
  return item.getAttribute('aria-label');
}

// A tree item by the start of its accessible name (child id or registered
// name, then the pid), and a button by its exact accessible name.
export const item = (page, id) => page.getByRole('treeitem', { name: new RegExp('^' + id + ' ') });
export const button = (scope, name) => scope.getByRole('button', { name, exact: true });

// Polls until `f` returns a truthy value and returns it, or fails with
// `what` (a string, or a function of the last value). Every wait in the
// suite is one of these, on a condition the page shows: none sleeps for a
// fixed time and hopes the page got there.
export async function until(f, what, ms = 10000) {
  const deadline = Date.now() + ms;
  let last;
  for (;;) {
    last = await f();
    if (last) return last;
    if (Date.now() > deadline) assert.fail(typeof what === 'function' ? what(last) : what);
    await new Promise((r) => setTimeout(r, 50));
  }
}

// Waits for `n` animation frames of the page: the app advances the
// simulator and (every 70 ms) refreshes its views in animation frames, so
// once they have passed, anything that would have changed while running
// has had its chance to. Used to check that something does NOT change.
export async function frames(page, n) {
  await page.evaluate((n) => new Promise((resolve) => {
    let k = 0;
    const tick = () => (++k >= n ? resolve() : requestAnimationFrame(tick));
    requestAnimationFrame(tick);
  }), n);
}

// The virtual time the controls show, in ms ("12.345 s").
export async function virtualMs(page) {
  const text = await page.getByLabel('Virtual time', { exact: true }).textContent();
  return Math.round(parseFloat(text) * 1000);
}

// Clicks a tree item and waits until it is the selection (clicking again if
// the click landed while the page was still settling).
export async function select(page, id) {
  for (let attempt = 0; attempt < 3; attempt++) {
    await item(page, id).click();
    const selected = async () => (await item(page, id).getAttribute('aria-selected')) === 'true';
    try {
      await until(selected, 'not selected', 1000);
      return;
    } catch {
      // Click again.
    }
  }
  assert.fail(`clicking ${id} does not select it`);
}
