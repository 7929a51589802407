// tests/e2e/hostile.test.mjs — hostile input in the page (issue 11 §4):
// strings from an embedded scenario (process names with markup, a
// `</script>` inside an inline scenario, right-to-left overrides, a
// 100,000-character name) and from a typed message are shown as text and
// never run; no request leaves the page's origin; the layout holds. Waits
// poll for conditions; no fixed sleeps.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { launch, BASE_URL } from './helpers.mjs';

let browser;
before(async () => { browser = await launch(); });
after(async () => { await browser?.close(); });

const MARKUP = '<img src=x onerror="window.__pwned=1">';
const RLO = 'evil\u202Egnp.exe';

// A scenario whose worker ids carry the payloads. Ids may hold anything but
// `/`, so each is a string the views must print, never parse.
function scenario(ids, description = 'hostile') {
  return {
    name: 'hostile',
    description,
    tree: {
      id: 'root',
      type: 'supervisor',
      strategy: 'one_for_one',
      children: ids.map((id) => ({ id, type: 'worker' })),
    },
  };
}

// Opens a same-origin page, records every request and error, and plants a
// tripwire that any script run by the payloads would set.
async function hostPage() {
  const page = await browser.newPage({ viewport: { width: 900, height: 900 } });
  const requests = [];
  const errors = [];
  page.on('request', (r) => requests.push(r.url()));
  page.on('pageerror', (e) => errors.push(String(e)));
  page.on('dialog', (d) => { errors.push(`dialog: ${d.message()}`); d.dismiss(); });
  await page.goto(BASE_URL + 'examples/api.html');
  await page.evaluate(() => { window.__pwned = 0; });
  return { page, requests, errors };
}

// Adds an <otp-sim> whose inline scenario is `json` (HTML text, so that
// `<\/script>` is parsed as the HTML parser parses a page), in a 600 px box.
async function embed(page, json, attrs = 'view="tree inspector"') {
  await page.evaluate(async ({ json, attrs }) => {
    await import('../embed.js');
    const box = document.createElement('div');
    box.id = 'box';
    box.style.width = '600px';
    // innerHTML does not run scripts, but it parses the markup as a page
    // would: the inline scenario's `<\/script>` escape must survive it.
    box.innerHTML = `<otp-sim id="hostile" ${attrs}><script type="application/json">${json}</script></otp-sim>`;
    document.body.append(box);
  }, { json, attrs });
}

function sameOrigin(requests) {
  const origin = new URL(BASE_URL).origin;
  return requests.filter((u) => !u.startsWith(origin) && !u.startsWith('data:') && !u.startsWith('blob:'));
}

test('names with markup, a </script> inside an inline scenario and a right-to-left override are shown as text', async () => {
  const { page, requests, errors } = await hostPage();
  // In JSON, `\/` is `/`: this is how a page writes `</script>` inside an
  // inline JSON script without ending it.
  // An id may not hold `/`, so the `</script>` rides in the description: if
  // the page's parser ended the inline script there, the JSON would be cut
  // and the embed would not start.
  const ids = [MARKUP, RLO, 'javascript:alert(1)'];
  const json = JSON.stringify(scenario(ids, '</script><script>window.__pwned=2</script>')).replaceAll('</', '<\\/');
  await embed(page, json);
  await page.waitForFunction(() => document.getElementById('hostile')?.sim, null, { timeout: 20000 });
  await page.evaluate(() => document.getElementById('hostile').sim.run(500));
  const r = await page.evaluate(() => {
    const el = document.getElementById('hostile');
    const root = el.shadowRoot;
    const text = root.textContent;
    return {
      pwned: window.__pwned,
      imgs: root.querySelectorAll('img').length + document.querySelectorAll('img').length,
      scripts: root.querySelectorAll('script').length,
      hrefs: [...root.querySelectorAll('a[href]')].map((a) => a.getAttribute('href')),
      markupShown: text.includes('<img src=x onerror="window.__pwned=1">'),
      rloShown: text.includes('evil\u202Egnp.exe'),
      width: el.getBoundingClientRect().width,
      box: document.getElementById('box').getBoundingClientRect().width,
    };
  });
  assert.equal(r.pwned, 0, 'no payload ran');
  assert.equal(r.imgs, 0, 'no <img> was made from a name');
  assert.equal(r.scripts, 0, 'no <script> was made from a name');
  assert.ok(r.hrefs.every((h) => !/^\s*javascript:/i.test(h)), `no javascript: link (${r.hrefs})`);
  assert.ok(r.markupShown, 'the markup name is shown as text');
  assert.ok(r.rloShown, 'the right-to-left override name is shown as text');
  assert.ok(r.width <= r.box + 1, `the embed stays in its box (${r.width} > ${r.box})`);
  // Select the markup-named worker: the inspector prints it as text too.
  const host = page.locator('#hostile');
  await host.getByRole('treeitem', { name: /^<img src=x/ }).click();
  await page.waitForFunction(() => document.getElementById('hostile').shadowRoot.querySelector('.inspector')?.textContent.includes('onerror'));
  assert.equal(await page.evaluate(() => window.__pwned), 0);
  assert.deepEqual(sameOrigin(requests), [], 'no request left the page');
  assert.ok(!requests.some((u) => /\/x$/.test(u)), 'the <img src=x> was never fetched');
  assert.deepEqual(errors, []);
  await page.close();
});

test('a 100,000-character name and a typed hostile message keep the layout and run nothing', async () => {
  const { page, requests, errors } = await hostPage();
  const long = 'n'.repeat(100000);
  await embed(page, JSON.stringify(scenario([long, 'echo'])));
  // Either the system starts (and must show the name within its box) or the
  // scenario is refused with a message shown in place: both are fine, a
  // frozen tab or a layout pushed 100,000 characters wide is not.
  await page.waitForFunction(() => {
    const el = document.getElementById('hostile');
    return el?.sim || el?.shadowRoot?.querySelector('[role=alert]');
  }, null, { timeout: 20000 });
  const started = await page.evaluate(() => !!document.getElementById('hostile').sim);
  const widths = await page.evaluate(() => ({
    el: document.getElementById('hostile').getBoundingClientRect().width,
    doc: document.documentElement.scrollWidth,
    view: window.innerWidth,
  }));
  assert.ok(widths.el <= 601, `the embed stays 600 px wide (${widths.el})`);
  assert.ok(widths.doc <= widths.view, `the page does not scroll sideways (${widths.doc} > ${widths.view})`);
  if (started) {
    // A message of hostile text, typed into the inspector as a term.
    const host = page.locator('#hostile');
    await host.getByRole('treeitem', { name: /^echo / }).click();
    const field = host.getByRole('textbox', { name: /message/i });
    await field.fill('"<img src=x onerror=\\"window.__pwned=3\\">"');
    await field.press('Enter');
    await page.evaluate(() => document.getElementById('hostile').sim.run(200));
  }
  assert.equal(await page.evaluate(() => window.__pwned), 0, 'no payload ran');
  assert.deepEqual(sameOrigin(requests), [], 'no request left the page');
  assert.ok(!requests.some((u) => /\/x$/.test(u)), 'the <img src=x> was never fetched');
  assert.deepEqual(errors, []);
  await page.close();
});
