// The browser's own proxy, as Chromium's `proxy.settings` says it, so that the companion's second
// connection takes the browser's path (companion.js): through the same HTTP proxy with CONNECT,
// where a TLS-inspecting proxy shows the companion what it shows the browser.
//
// Only fixed proxies are followed. A PAC script is not evaluated and the system's settings are
// not read here (`proxyFor` then says so in `note`): the companion connects directly, which is
// what docs/companion.md lists among what a second connection cannot see.

import { api } from '../shared/compat.js';

let settings = null; // the last ProxyConfig value read, or null before the first read

/** Reads the browser's proxy settings now and whenever they change; never throws. */
export function watch() {
  const area = api.proxy?.settings;
  if (!area) return;
  const read = () => Promise.resolve(area.get({})).then((d) => { settings = d?.value ?? { mode: 'direct' }; }, () => {});
  read();
  area.onChange?.addListener(() => { read(); });
}

/** Default ports of the proxy schemes Chromium knows (ProxyServer.port is optional). */
const DEFAULT_PORTS = { http: 80, https: 443, socks4: 1080, socks5: 1080, quic: 443 };

/**
 * Whether `host` is in a Chromium bypass list: exact names and addresses, `*.suffix` or `.suffix`
 * for subdomains, `<local>` for names without a dot. Other forms (CIDR, schemes, ports) are not
 * matched: the proxy is then used, as the stricter choice.
 */
export function bypassed(host, list = []) {
  return list.some((raw) => {
    const p = String(raw).trim().toLowerCase();
    if (p === '<local>') return !host.includes('.') && !host.includes(':');
    if (p.startsWith('*.')) return host.endsWith(p.slice(1));
    if (p.startsWith('.')) return host.endsWith(p);
    return host === p;
  });
}

/**
 * The proxy the browser sends an https request for `host` through: `{proxy: {scheme, host, port}}`,
 * `{proxy: null}` for a direct connection, with `note` when the browser's choice is not known to
 * Pinwatch (a PAC script, the system's settings, auto-detection).
 */
export function proxyFor(host, value = settings) {
  const mode = value?.mode ?? 'direct';
  if (mode === 'direct' || !value) return { proxy: null };
  if (mode !== 'fixed_servers') return { proxy: null, note: `the browser's proxy comes from ${mode === 'pac_script' ? 'a PAC script' : mode === 'system' ? 'the system settings' : 'auto-detection'}, which the companion does not follow: it connected directly` };
  const rules = value.rules ?? {};
  if (bypassed(host, rules.bypassList)) return { proxy: null };
  const server = rules.singleProxy ?? rules.proxyForHttps ?? rules.fallbackProxy;
  if (!server?.host) return { proxy: null };
  const scheme = server.scheme ?? 'http';
  return { proxy: { scheme, host: server.host, port: server.port ?? DEFAULT_PORTS[scheme] ?? 80 } };
}
