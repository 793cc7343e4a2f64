// A fake of the WebExtension APIs the background glue calls, shaped like Firefox MV3 (blocking
// webRequest, getSecurityInfo, storage.session; no debugger). For unit tests of the glue only:
// what the extension does in a real browser is tested in tests/e2e/.

import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { fakeI18n } from './i18n.mjs';

const SOURCE_LOCALES = fileURLToPath(new URL('../../../extension/_locales/', import.meta.url));

function event() {
  const listeners = [];
  return {
    listeners,
    addListener(fn, ...args) { listeners.push({ fn, args }); },
    removeListener(fn) {
      const i = listeners.findIndex((l) => l.fn === fn);
      if (i >= 0) listeners.splice(i, 1);
    },
    hasListener(fn) { return listeners.some((l) => l.fn === fn); },
  };
}

function storageArea(name, faults) {
  let data = {};
  const check = (op) => {
    if (faults[`${name}.${op}`]) throw new Error(`fake: storage.${name}.${op} failed`);
  };
  return {
    async get(keys) {
      // `faults['local.get'] = 'hang'`: a read that never answers (a build that never ends).
      if (faults[`${name}.get`] === 'hang') return new Promise(() => {});
      check('get');
      if (keys === null || keys === undefined) return structuredClone(data);
      const list = typeof keys === 'string' ? [keys] : Array.isArray(keys) ? keys : Object.keys(keys);
      const out = {};
      for (const k of list) if (k in data) out[k] = structuredClone(data[k]);
      return out;
    },
    async set(items) {
      check('set');
      const next = { ...data, ...structuredClone(items) };
      // A quota in bytes of JSON, as `faults['session.quota'] = n` sets it.
      const quota = faults[`${name}.quota`];
      if (quota && JSON.stringify(next).length > quota) throw new Error(`fake: storage.${name} quota exceeded`);
      data = next;
    },
    async remove(keys) {
      check('remove');
      for (const k of [keys].flat()) delete data[k];
    },
    async clear() { data = {}; },
    peek: () => data,
  };
}

/**
 * Whether a WebExtension match pattern matches `url`: the schemes the extension uses (https, wss,
 * http, ws; no `*` scheme), a host of `*`, `*.name` or a name, and the path `/*`.
 */
export function matches(pattern, url) {
  const m = /^(https|wss|http|ws):\/\/(\*|\*\.[^/]+|[^/*]+)\/\*$/.exec(pattern);
  if (!m) throw new Error(`fake: unsupported pattern ${pattern}`);
  const u = new URL(url);
  if (u.protocol !== `${m[1]}:`) return false;
  const host = u.hostname;
  if (m[2] === '*') return true;
  if (m[2].startsWith('*.')) {
    const base = m[2].slice(2);
    return host === base || host.endsWith(`.${base}`);
  }
  return host === m[2];
}

/** The listeners of `event` whose filter matches a request, as the browser picks them. */
function hitsOf(event, url, type) {
  return event.listeners.filter(({ args: [filter] }) => (
    filter.urls.some((p) => matches(p, url)) && (!filter.types || filter.types.includes(type))));
}

/**
 * `base`: the file: URL of the assembled extension folder (ending in '/').
 * Returns {api, faults, chains, tabs, badges, updates, notifications, request(), message(), completeTab(), setManaged()}.
 */
export function fakeBrowser({ base, manifest }) {
  const faults = {};
  const chains = new Map(); // requestId -> Uint8Array[] | 'reject' | 'hang'
  const states = new Map(); // requestId -> securityInfo.state (default 'secure')
  const tabs = new Map(); // id -> {id, url}
  const badges = new Map(); // tabId -> {text, title, color}
  const updates = []; // tabs.update calls
  const notifications = [];
  const badge = (tabId) => {
    if (!badges.has(tabId)) badges.set(tabId, { text: '', title: '', color: '' });
    return badges.get(tabId);
  };
  const storage = { local: storageArea('local', faults), session: storageArea('session', faults), onChanged: event() };
  // No policy until `setManaged`: storage.managed rejects, as Firefox does for an unmanaged install.
  let managed = null;
  storage.managed = {
    async get() {
      if (!managed) throw new Error('Managed storage manifest not found');
      return structuredClone(managed);
    },
  };
  const action = {
    async setBadgeText({ tabId, text }) { badge(tabId).text = text; },
    async setTitle({ tabId, title }) { badge(tabId).title = title; },
    async setBadgeBackgroundColor({ tabId, color }) { badge(tabId).color = color; },
    async getBadgeText({ tabId }) { return badge(tabId).text; },
  };
  const api = {
    runtime: {
      id: manifest.browser_specific_settings?.gecko?.id ?? 'fake@test',
      getManifest: () => manifest,
      getURL: (path) => new URL(path, base).href,
      onMessage: event(),
      onInstalled: event(),
      onStartup: event(),
      sendMessage: async () => undefined,
    },
    webRequest: {
      onHeadersReceived: event(),
      onBeforeRequest: event(),
      onErrorOccurred: event(),
      ResourceType: Object.fromEntries(['main_frame', 'sub_frame', 'stylesheet', 'script', 'image', 'font', 'object',
        'xmlhttprequest', 'ping', 'media', 'websocket', 'other'].map((t) => [t.toUpperCase(), t])),
      async getSecurityInfo(requestId) {
        const chain = chains.get(requestId);
        if (chain === 'reject') throw new Error('fake: no security info');
        if (chain === 'hang') return new Promise(() => {});
        return { state: states.get(requestId) ?? 'secure', certificates: (chain ?? []).map((der) => ({ rawDER: Array.from(der), isBuiltInRoot: false })) };
      },
    },
    tabs: {
      onRemoved: event(),
      onUpdated: event(),
      async get(id) {
        if (!tabs.has(id)) throw new Error(`fake: no tab ${id}`);
        return { ...tabs.get(id) };
      },
      async query() { return [...tabs.values()].map((t) => ({ ...t })); },
      async update(id, { url }) {
        updates.push({ id, url });
        tabs.set(id, { id, url });
        return { id, url };
      },
      async getCurrent() { return undefined; },
    },
    storage,
    action,
    // English from the extension's own messages (the build's, else the source tree's), as a
    // browser in English gives them.
    i18n: fakeI18n(base.startsWith('file:') ? fileURLToPath(new URL('_locales/', base)) : SOURCE_LOCALES, 'en', manifest.default_locale ?? 'en'),
    notifications: {
      async create(id, options) { notifications.push({ id, ...options }); return id; },
      async getAll() { return Object.fromEntries(notifications.map((n) => [n.id, n])); },
    },
    permissions: { async contains() { return true; }, async request() { return true; } },
    alarms: {
      onAlarm: event(),
      async create() {},
      async get() { return undefined; },
      async getAll() { return []; },
      async clear() { return true; },
    },
  };

  let nextRequest = 1;
  return {
    api,
    faults,
    chains,
    tabs,
    badges,
    updates,
    notifications,
    /**
     * A response arriving: calls every onHeadersReceived listener whose filter matches, as the
     * browser does, and returns their answers (`[]` when none listens).
     */
    async request({ url, type = 'main_frame', tabId = 1, chain, state }) {
      const requestId = String(nextRequest++);
      chains.set(requestId, chain);
      if (state !== undefined) states.set(requestId, state);
      if (type === 'main_frame' && tabId >= 0) tabs.set(tabId, { id: tabId, url });
      const details = { requestId, url, type, tabId, method: 'GET', timeStamp: Date.now() };
      return Promise.all(hitsOf(api.webRequest.onHeadersReceived, url, type).map(({ fn }) => fn(details)));
    },
    /**
     * A request about to be sent: calls every onBeforeRequest listener whose filter matches and
     * returns their answers (`[]` when none listens).
     */
    async beforeRequest({ url, type = 'main_frame', tabId = 1 }) {
      const details = { requestId: String(nextRequest++), url, type, tabId, method: 'GET', timeStamp: Date.now() };
      return Promise.all(hitsOf(api.webRequest.onBeforeRequest, url, type).map(({ fn }) => fn(details)));
    },
    /** A message from one of the extension's pages (or from `senderUrl`). */
    message(msg, { tabId, senderUrl = new URL('pages/warning.html', base).href } = {}) {
      return new Promise((resolve) => {
        const sender = { id: api.runtime.id, url: senderUrl, tab: tabId === undefined ? undefined : { id: tabId } };
        let answered = false;
        const results = api.runtime.onMessage.listeners.map(({ fn }) => fn(msg, sender, (r) => { answered = true; resolve(r); }));
        if (!results.includes(true) && !answered) resolve(undefined);
      });
    },
    /**
     * Policy arrives or changes (`null`: no policy again): what Chromium tells storage.onChanged
     * listeners (area "managed") when managed values change.
     */
    setManaged(values) {
      const old = managed;
      managed = values === null ? null : structuredClone(values);
      const keys = new Set([...Object.keys(old ?? {}), ...Object.keys(managed ?? {})]);
      const changes = Object.fromEntries([...keys].map((k) => [k, { oldValue: old?.[k], newValue: managed?.[k] }]));
      for (const { fn } of storage.onChanged.listeners) fn(changes, 'managed');
    },
    /** The tab finished loading: what the browser tells tabs.onUpdated listeners. */
    completeTab(tabId) {
      const tab = tabs.get(tabId);
      for (const { fn } of api.tabs.onUpdated.listeners) fn(tabId, { status: 'complete' }, { ...tab });
    },
  };
}

/** fetch() that also reads file: URLs (the assembled extension's files), as extension URLs resolve in a browser. */
export function fileFetch(realFetch = globalThis.fetch) {
  return async (input, init) => {
    const url = typeof input === 'string' ? input : input instanceof URL ? input.href : input.url;
    if (!url.startsWith('file:')) return realFetch(input, init);
    const path = fileURLToPath(url);
    let body;
    try {
      body = readFileSync(path);
    } catch {
      return new Response('not found', { status: 404 });
    }
    const type = path.endsWith('.wasm') ? 'application/wasm' : path.endsWith('.json') ? 'application/json' : 'text/plain';
    return new Response(body, { status: 200, headers: { 'content-type': type } });
  };
}
