// One HTTPS origin whose TLS connections are split between two chains, as an interceptor that
// lets some connections through to the genuine server and terminates others does: a TCP front on
// one port hands each new connection to the genuine or the rogue server, whichever `serve()` last
// named. Each server is its own TLS endpoint (own session tickets), so a connection cannot resume
// the other chain's session. Every answer says `Connection: close`: each request opens a new
// connection, and the log tells which chain each request travelled over.

import { createServer } from 'node:https';
import { connect, createServer as createTcpServer } from 'node:net';
import { readFileSync } from 'node:fs';

const PAGE = `<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>split origin</title></head>
<body><h1 id="served-page">split origin</h1></body></html>`;

/**
 * Starts the front and its two servers. `genuine` and `rogue` are leaves with `chainPem` and
 * `key` for the same host. Returns {host, port, origin, url, connections, requests, serve(which),
 * close()}: `connections` lists `{id, chain}` in the order they were opened, `requests` lists
 * `{path, chain, connection}`.
 */
export async function startSplitOrigin({ genuine, rogue }) {
  if (genuine.host !== rogue.host) throw new Error('both chains must name the same host');
  const connections = [];
  const requests = [];
  const sockets = new Set();
  const track = (s) => {
    sockets.add(s);
    s.once('close', () => sockets.delete(s));
    s.on('error', () => {});
  };
  let current = 'genuine';
  // The front's connection id travels to the TLS server as the local port it connected from.
  const idOfPort = new Map();

  const tlsServer = (chain, leaf) => {
    const server = createServer({ key: readFileSync(leaf.key), cert: leaf.chainPem }, (req, res) => {
      requests.push({ path: req.url, chain, connection: idOfPort.get(req.socket.remotePort) ?? null });
      const page = req.url.split('?')[0] === '/';
      res.writeHead(200, {
        'content-type': page ? 'text/html; charset=utf-8' : 'application/json',
        'cache-control': 'no-store',
        connection: 'close',
      });
      res.end(page ? PAGE : JSON.stringify({ chain }));
    });
    server.on('connection', track);
    return server;
  };
  const backends = { genuine: tlsServer('genuine', genuine), rogue: tlsServer('rogue', rogue) };
  const listen = (s) => new Promise((resolve, reject) => {
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => resolve(s.address().port));
  });
  const ports = { genuine: await listen(backends.genuine), rogue: await listen(backends.rogue) };

  const front = createTcpServer((socket) => {
    track(socket);
    const id = connections.length + 1;
    const chain = current;
    connections.push({ id, chain });
    const upstream = connect(ports[chain], '127.0.0.1');
    track(upstream);
    upstream.once('connect', () => idOfPort.set(upstream.localPort, id));
    upstream.on('error', () => socket.destroy());
    socket.on('close', () => upstream.destroy());
    upstream.on('close', () => socket.destroy());
    socket.pipe(upstream).pipe(socket);
  });
  const port = await listen(front);
  const origin = `https://${genuine.host}:${port}`;
  return {
    host: genuine.host,
    port,
    origin,
    url: `${origin}/`,
    connections,
    requests,
    /** New connections get `which` ('genuine' | 'rogue') from now on; open ones keep theirs. */
    serve(which) {
      if (!(which in backends)) throw new Error(`no such chain: ${which}`);
      current = which;
    },
    async close() {
      const servers = [front, backends.genuine, backends.rogue];
      const closed = servers.map((s) => new Promise((resolve) => { s.close(() => resolve()); }));
      for (const s of sockets) s.destroy();
      await Promise.all(closed);
    },
  };
}
