// Match patterns for pinned hosts, shared by the background (its request filter) and the
// assembly tool (the bundled list's patterns, known before the engine is built).

/** `[[host, includeSubdomains], …]` → sorted, distinct https match patterns. */
export function hostPatterns(pairs) {
  const patterns = new Set();
  for (const [host, sub] of pairs) {
    if (typeof host !== 'string' || !host) continue;
    const h = host.includes(':') ? `[${host}]` : host;
    patterns.add(`https://${h}/*`);
    if (sub) patterns.add(`https://*.${h}/*`);
  }
  return [...patterns].sort();
}

/** Both lists, sorted and without repeats. */
export function unionPatterns(a, b) {
  return [...new Set([...a, ...b])].sort();
}
