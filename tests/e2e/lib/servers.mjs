// HTTPS servers on loopback, one per scenario chain, each logging every request it receives.
// The page at `/` loads a sub-resource (`/sub.png`), so a test can tell whether the page's
// content was delivered: a browser that got the HTML asks for the image.
//
// Each server also answers WebSocket handshakes (a minimal RFC 6455 101 answer, then one text
// frame "hello"; a close frame is answered and ends the connection), logged in `upgrades`. With `plainHttp`, the same port also speaks plain HTTP
// (the first byte of a connection tells a TLS ClientHello, 0x16, from an HTTP request), so a
// test can tell `http://host:port/` served as is from one upgraded to `https://host:port/`.

import { createHash } from 'node:crypto';
import { createServer as createHttpServer } from 'node:http';
import { createServer } from 'node:https';
import { connect, createServer as createTcpServer } from 'node:net';
import { readFileSync } from 'node:fs';

const WS_GUID = '258EAFA5-E914-47DA-95CA-C5AB0DC85B11';

/** An unmasked text frame from the server (payload < 126 bytes). */
function wsTextFrame(text) {
  const payload = Buffer.from(text);
  return Buffer.concat([Buffer.from([0x81, payload.length]), payload]);
}

// A 1×1 transparent PNG.
const PNG = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==', 'base64');

/** Server time of each resource of the login-page profile, as a real application server takes. */
const LOGIN_DELAY_MS = 20;

/**
 * The "login page" profile (tests/e2e/perf.mjs): one document and 30 sub-resources from the same
 * host (10 scripts, 5 style sheets, 14 images, one XHR), each answered after LOGIN_DELAY_MS.
 */
function loginPage() {
  const scripts = Array.from({ length: 10 }, (_, i) => `<script src="/r/s${i}.js"></script>`).join('');
  const styles = Array.from({ length: 5 }, (_, i) => `<link rel="stylesheet" href="/r/c${i}.css">`).join('');
  const images = Array.from({ length: 14 }, (_, i) => `<img src="/r/i${i}.png" alt="" width="1" height="1">`).join('');
  return `<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>login</title>${styles}${scripts}</head>
<body><h1 id="served-page">login</h1>${images}
<script>const x = new XMLHttpRequest(); x.open('GET', '/r/api.json', false); x.send();</script></body></html>`;
}

const LOGIN_TYPES = { js: 'text/javascript', css: 'text/css', png: 'image/png', json: 'application/json' };

function page(name, scheme = 'https') {
  return `<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>${name}</title></head>
<body><h1 id="served-page" data-scheme="${scheme}">${name}</h1><p>Served by the test server over ${scheme}.</p>
<img id="sub" src="/sub.png" alt="" width="1" height="1"></body></html>`;
}

/**
 * Starts one server. `leaf` is a result of pki.makePki().leaves.*; `name` labels its page;
 * `plainHttp` makes the port answer plain HTTP too (requests logged with `scheme: 'http'`).
 * Returns {name, host, port, url, httpUrl, wsUrl, requests, upgrades, subRequests(), close()}.
 */
export async function startServer({ name, leaf, plainHttp = false }) {
  const requests = [];
  const upgrades = [];
  // Raw connections: upgraded WebSockets and the plain-HTTP front's sockets are no longer the
  // HTTP servers' to close.
  const sockets = new Set();
  const track = (socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  };
  const handler = (scheme) => (req, res) => {
    requests.push({ path: req.url, time: Date.now(), scheme });
    const path = req.url.split('?')[0];
    if (path === '/sub.png') {
      res.writeHead(200, { 'content-type': 'image/png', 'cache-control': 'no-store' });
      res.end(PNG);
    } else if (path === '/login') {
      setTimeout(() => {
        res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' });
        res.end(loginPage());
      }, LOGIN_DELAY_MS);
    } else if (path.startsWith('/r/')) {
      const ext = path.split('.').pop();
      setTimeout(() => {
        res.writeHead(200, { 'content-type': LOGIN_TYPES[ext] ?? 'text/plain', 'cache-control': 'no-store' });
        res.end(ext === 'png' ? PNG : ext === 'json' ? '{}' : '');
      }, LOGIN_DELAY_MS);
    } else if (path === '/' || path === '/index.html') {
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' });
      res.end(page(scheme === 'https' ? name : `${name} (plain http)`, scheme));
    } else {
      res.writeHead(404, { 'content-type': 'text/plain' });
      res.end('not found');
    }
  };
  const onUpgrade = (scheme) => (req, socket) => {
    const key = req.headers['sec-websocket-key'];
    upgrades.push({ path: req.url, time: Date.now(), scheme, origin: req.headers.origin ?? null });
    if (req.headers.upgrade?.toLowerCase() !== 'websocket' || !key) {
      socket.end('HTTP/1.1 400 Bad Request\r\n\r\n');
      return;
    }
    const accept = createHash('sha1').update(key + WS_GUID).digest('base64');
    track(socket);
    socket.on('error', () => {});
    socket.write(`HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ${accept}\r\n\r\n`);
    socket.write(wsTextFrame('hello'));
    // The client's close frame (opcode 8) is answered with one, and the connection ends.
    socket.on('data', (frame) => {
      if ((frame[0] & 0x0f) === 0x8) socket.end(Buffer.from([0x88, 0x00]));
    });
  };
  const server = createServer({ key: readFileSync(leaf.key), cert: leaf.chainPem }, handler('https'));
  server.on('upgrade', onUpgrade('https'));
  const servers = [server];
  const listen = (s) => new Promise((resolve, reject) => {
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => resolve(s.address().port));
  });
  let front = server;
  if (plainHttp) {
    const plain = createHttpServer(handler('http'));
    plain.on('upgrade', onUpgrade('http'));
    servers.push(plain);
    const inner = { tls: await listen(server), plain: await listen(plain) };
    // One port for both: a TLS connection starts with a handshake record (0x16); each connection
    // is relayed to the server for its protocol, listening on a port of its own.
    front = createTcpServer((socket) => {
      track(socket);
      socket.on('error', () => {});
      socket.once('data', (first) => {
        const upstream = connect(first[0] === 0x16 ? inner.tls : inner.plain, '127.0.0.1');
        track(upstream);
        upstream.on('error', () => socket.destroy());
        socket.on('close', () => upstream.destroy());
        upstream.on('close', () => socket.destroy());
        upstream.write(first);
        socket.pipe(upstream).pipe(socket);
      });
    });
    servers.push(front);
  }
  const port = await listen(front);
  return {
    name,
    host: leaf.host,
    port,
    url: `https://${leaf.host}:${port}/`,
    httpUrl: plainHttp ? `http://${leaf.host}:${port}/` : null,
    wsUrl: `wss://${leaf.host}:${port}/`,
    requests,
    upgrades,
    subRequests: () => requests.filter((r) => r.path.startsWith('/sub.png')),
    /** Serves `other` (a leaf with its chainPem) from now on, on new connections only: open ones are closed. */
    swapChain(other) {
      server.setSecureContext({ key: readFileSync(other.key), cert: other.chainPem });
      for (const s of servers) s.closeAllConnections?.();
      for (const socket of sockets) socket.destroy();
    },
    async close() {
      for (const s of servers) s.closeAllConnections?.();
      // A server that never listened (the TLS one behind the plain-HTTP front) calls back at once.
      const closed = servers.map((s) => new Promise((resolve) => { s.close(() => resolve()); }));
      for (const socket of sockets) socket.destroy();
      await Promise.all(closed);
    },
  };
}

/** Starts servers for `{key: {name, leaf}}`; returns `{key: server}` and a closer for them all. */
export async function startServers(specs) {
  const servers = {};
  for (const [key, spec] of Object.entries(specs)) servers[key] = await startServer(spec);
  servers.closeAll = () => Promise.all(Object.entries(servers).filter(([k]) => k !== 'closeAll').map(([, s]) => s.close()));
  return servers;
}
