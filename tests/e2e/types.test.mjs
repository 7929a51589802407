// tests/e2e/types.test.mjs — www/embed.d.ts types the API: an example page
// script (tests/types/example.ts) type-checks against it with `tsc --noEmit`,
// and a misuse does not.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const root = path.resolve(import.meta.dirname, '../..');
const tsc = path.join(root, 'node_modules/.bin/tsc');

test('an example page script type-checks against embed.d.ts', () => {
  const r = spawnSync(tsc, ['-p', 'tests/types/tsconfig.json'], { cwd: root, encoding: 'utf8' });
  assert.equal(r.status, 0, r.stdout + r.stderr);
});

test('a misuse of the API does not type-check', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'otpsim-types-'));
  const www = path.join(root, 'www/embed.js');
  fs.writeFileSync(path.join(dir, 'bad.ts'), `import { OtpSim } from ${JSON.stringify(www)};
const sim = await OtpSim.create({ scenario: 'demo', seed: '7' });
const h: number = sim.eventHash();
export {};
`);
  const r = spawnSync(tsc, ['--noEmit', '--strict', '--target', 'ES2022', '--module', 'ES2022', '--moduleResolution', 'bundler',
    '--lib', 'ES2022,DOM', path.join(dir, 'bad.ts')], { cwd: root, encoding: 'utf8' });
  fs.rmSync(dir, { recursive: true, force: true });
  assert.notEqual(r.status, 0);
  assert.match(r.stdout, /TS2322/);
});
