// Match patterns for pinned hosts, shared by the background (its request filters) and the
// assembly tool (the bundled list's patterns, known before the engine is built).
//
// Patterns are made and cached as `https://…/*`; `withScheme` turns them into the same hosts'
// patterns for another scheme (wss: WebSocket handshakes, which webRequest reports under their
// own scheme; http and ws: the plain requests the background upgrades).

/** `[[host, includeSubdomains], …]` → sorted, distinct https match patterns. */
export function hostPatterns(pairs) {
  const patterns = new Set();
  for (const [host, sub] of pairs) {
    if (typeof host !== 'string' || !host) continue;
    const h = host.includes(':') ? `[${host}]` : host;
    // A name's fully qualified spelling (`mail.example.test.`) reaches the same server and
    // session, and match patterns take it as another host: both are watched.
    for (const spelling of host.includes(':') ? [h] : [h, `${h}.`]) {
      patterns.add(`https://${spelling}/*`);
      if (sub) patterns.add(`https://*.${spelling}/*`);
    }
  }
  return [...patterns].sort();
}

/** The same hosts' patterns for `scheme` ('wss', 'http', 'ws'); patterns of other schemes are dropped. */
export function withScheme(patterns, scheme) {
  return patterns.filter((p) => p.startsWith('https://')).map((p) => `${scheme}://${p.slice('https://'.length)}`);
}

/** Both lists, sorted and without repeats. */
export function unionPatterns(a, b) {
  return [...new Set([...a, ...b])].sort();
}
