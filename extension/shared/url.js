// Host names from URLs, as the engine and the per-tab state take them. Pure (no browser API).

/**
 * The host of a URL as the engine takes it and returns it in a verdict's `host`: lower case
 * (the URL parser lowers the hosts of http(s) URLs, not of other schemes), an IPv6 address
 * without its brackets, without the trailing dot of a fully qualified name. null when `url` is
 * not a URL or has no host.
 */
export function hostOf(url) {
  try {
    return new URL(url).hostname.toLowerCase().replace(/^\[|\]$/g, '').replace(/\.$/, '') || null;
  } catch {
    return null;
  }
}

const UPGRADES = { 'http:': 'https:', 'ws:': 'wss:' };

/**
 * The TLS form of a plain http:// or ws:// URL, as HSTS upgrades it: the scheme becomes https or
 * wss, the default port 80 becomes the default port 443, any other port, the path, query and
 * fragment stay. null for any other URL (already TLS, another scheme, not a URL).
 */
export function upgradedUrl(url) {
  let u;
  try {
    u = new URL(url);
  } catch {
    return null;
  }
  const scheme = UPGRADES[u.protocol];
  if (!scheme) return null;
  // An absent port is the scheme's default (80), and the URL parser leaves it absent after the
  // change, i.e. 443; an explicit non-default port stays.
  u.protocol = scheme;
  return u.href;
}

const TLS_ORIGIN = { 'wss:': 'https:', 'ws:': 'http:' };

/**
 * The web origin whose storage holds what `url`'s response could leave behind (a WebSocket's is
 * its https or http origin); null for other schemes and for what is not a URL.
 */
export function storageOrigin(url) {
  try {
    const u = new URL(url);
    if (TLS_ORIGIN[u.protocol]) u.protocol = TLS_ORIGIN[u.protocol];
    return u.protocol === 'https:' || u.protocol === 'http:' ? u.origin : null;
  } catch {
    return null;
  }
}
