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
