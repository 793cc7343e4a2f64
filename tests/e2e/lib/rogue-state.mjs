// An interceptor's page that leaves state behind: served with `leaf`, its document registers a
// service worker (which answers `/check` with a poisoned page from then on) and fills Cache
// Storage, then tells the server it is done (`filled`). `useChain(other)` serves another leaf on
// new connections, so that the genuine site can follow under the same origin.

import { createServer } from 'node:https';
import { readFileSync } from 'node:fs';

const PAGE = `<!doctype html><html><head><meta charset="utf-8"><title>rogue</title></head>
<body><h1 id="rogue-page">rogue</h1><script>
navigator.serviceWorker.register('/sw.js')
  .then(() => navigator.serviceWorker.ready)
  .then(() => caches.open('rogue'))
  .then((cache) => cache.put('/check', new Response('<h1 id="poisoned">poisoned</h1>', { headers: { 'content-type': 'text/html' } })))
  .then(() => fetch('/filled', { cache: 'no-store' }));
</script></body></html>`;

// Answers every later visit to /check from the rogue cache: what the genuine site would get.
const WORKER = `self.addEventListener('install', () => self.skipWaiting());
self.addEventListener('activate', (e) => e.waitUntil(self.clients.claim()));
self.addEventListener('fetch', (e) => {
  if (new URL(e.request.url).pathname === '/check') e.respondWith(caches.match('/check').then((r) => r ?? fetch(e.request)));
});`;

const GENUINE = '<!doctype html><html><head><meta charset="utf-8"><title>genuine</title></head><body><h1 id="served-page">genuine</h1></body></html>';

export async function startRogueStateServer(leaf) {
  let filled;
  const filledOnce = new Promise((resolve) => { filled = resolve; });
  const sockets = new Set();
  const server = createServer({ key: readFileSync(leaf.key), cert: leaf.chainPem }, (req, res) => {
    const path = req.url.split('?')[0];
    const send = (type, body) => res.writeHead(200, { 'content-type': type, 'cache-control': 'no-store' }).end(body);
    if (path === '/') send('text/html', PAGE);
    else if (path === '/sw.js') send('text/javascript', WORKER);
    else if (path === '/check') send('text/html', GENUINE);
    else if (path === '/filled') {
      res.writeHead(204).end();
      filled();
    } else res.writeHead(404).end();
  });
  server.on('secureConnection', (socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address();
  return {
    port,
    origin: `https://${leaf.host}:${port}`,
    url: `https://${leaf.host}:${port}/`,
    filled: filledOnce,
    useChain(other) {
      server.setSecureContext({ key: readFileSync(other.key), cert: other.chainPem });
      for (const socket of sockets) socket.destroy();
    },
    close() {
      for (const socket of sockets) socket.destroy();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}
