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

// Clicks a tree item and waits until it is the selection (clicking again if
// the first click landed while the page was still settling).
export async function select(page, id) {
  for (let attempt = 0; attempt < 3; attempt++) {
    await item(page, id).click();
    for (let i = 0; i < 20; i++) {
      if ((await item(page, id).getAttribute('aria-selected')) === 'true') return;
      await page.waitForTimeout(50);
    }
  }
  assert.fail(`clicking ${id} does not select it`);
}
