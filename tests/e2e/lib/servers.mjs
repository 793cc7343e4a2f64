// HTTPS servers on loopback, one per scenario chain, each logging every request it receives.
// The page at `/` loads a sub-resource (`/sub.png`), so a test can tell whether the page's
// content was delivered: a browser that got the HTML asks for the image.

import { createServer } from 'node:https';
import { readFileSync } from 'node:fs';

// A 1×1 transparent PNG.
const PNG = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==', 'base64');

function page(name) {
  return `<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>${name}</title></head>
<body><h1 id="served-page">${name}</h1><p>Served by the test server.</p>
<img id="sub" src="/sub.png" alt="" width="1" height="1"></body></html>`;
}

/**
 * Starts one server. `leaf` is a result of pki.makePki().leaves.*; `name` labels its page.
 * Returns {name, host, port, url, requests, subRequests(), close()}.
 */
export async function startServer({ name, leaf }) {
  const requests = [];
  const server = createServer({ key: readFileSync(leaf.key), cert: leaf.chainPem }, (req, res) => {
    requests.push({ path: req.url, time: Date.now() });
    const path = req.url.split('?')[0];
    if (path === '/sub.png') {
      res.writeHead(200, { 'content-type': 'image/png', 'cache-control': 'no-store' });
      res.end(PNG);
    } else if (path === '/' || path === '/index.html') {
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' });
      res.end(page(name));
    } else {
      res.writeHead(404, { 'content-type': 'text/plain' });
      res.end('not found');
    }
  });
  await new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  const { port } = server.address();
  return {
    name,
    host: leaf.host,
    port,
    url: `https://${leaf.host}:${port}/`,
    requests,
    subRequests: () => requests.filter((r) => r.path.startsWith('/sub.png')),
    close: () => new Promise((resolve) => {
      server.closeAllConnections?.();
      server.close(() => resolve());
    }),
  };
}

/** Starts servers for `{key: {name, leaf}}`; returns `{key: server}` and a closer for them all. */
export async function startServers(specs) {
  const servers = {};
  for (const [key, spec] of Object.entries(specs)) servers[key] = await startServer(spec);
  servers.closeAll = () => Promise.all(Object.entries(servers).filter(([k]) => k !== 'closeAll').map(([, s]) => s.close()));
  return servers;
}
