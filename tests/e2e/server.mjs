// tests/e2e/server.mjs — the static server the end-to-end tests run against:
// serves dist/ on 127.0.0.1 with the right MIME types (application/wasm),
// and adds response headers for paths that ask for them, so a test can load
// a page under a Content-Security-Policy. Usage:
//   node tests/e2e/server.mjs DIR PORT
// It prints "listening" once it accepts connections.
import http from 'node:http';
import fs from 'node:fs/promises';
import path from 'node:path';

const [dir = 'dist', port = '8080'] = process.argv.slice(2);
const root = path.resolve(dir);

const TYPES = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.wasm': 'application/wasm',
  '.json': 'application/json',
  '.ts': 'text/plain; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
};

/** The CSP the README asks hosts to be able to use. */
export const CSP = "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; style-src 'self' 'unsafe-inline'";

http.createServer(async (req, res) => {
  const url = new URL(req.url, 'http://localhost');
  let rel = decodeURIComponent(url.pathname);
  if (rel.endsWith('/')) rel += 'index.html';
  const file = path.join(root, rel);
  if (!file.startsWith(root + path.sep)) {
    res.writeHead(403).end();
    return;
  }
  try {
    const body = await fs.readFile(file);
    const headers = { 'Content-Type': TYPES[path.extname(file)] || 'application/octet-stream', 'Cache-Control': 'no-store' };
    // `?csp` on a page serves it under the strict policy.
    if (url.searchParams.has('csp')) headers['Content-Security-Policy'] = CSP;
    res.writeHead(200, headers).end(body);
  } catch {
    res.writeHead(404, { 'Content-Type': 'text/plain' }).end('not found');
  }
}).listen(Number(port), '127.0.0.1', () => console.log('listening'));
