// The one module for browser differences. Everything here is feature detection on the API
// objects and the manifest, never user-agent sniffing; other modules ask this one.

export const api = globalThis.browser ?? globalThis.chrome;

const manifest = api.runtime.getManifest();

/** The toolbar button API (MV3 `action`; `browserAction` only on old builds). */
export const action = api.action ?? api.browserAction;

const blockingDeclared = (manifest.permissions ?? []).includes('webRequestBlocking');

/** Values onHeadersReceived's extraInfoSpec accepts (Chromium names them in an enum). */
const headersOptions = Object.values(api.webRequest?.OnHeadersReceivedOptions ?? {});

export const features = Object.freeze({
  /** Firefox: the full built chain from `webRequest.getSecurityInfo` inside onHeadersReceived. */
  securityInfo: typeof api.webRequest?.getSecurityInfo === 'function',
  /**
   * Chromium: the browser knows extraInfoSpec "securityInfoRawDer" (`details.securityInfo`, the
   * leaf certificate only). Knowing the option is not delivering it: Chromium 156 accepts it and
   * sends nothing unless it runs with --enable-features=WebRequestSecurityInfo (Chrome 144+ ships
   * it on). Whether it is delivered is seen at run time (capture.js).
   */
  leafSecurityInfo: typeof api.webRequest?.getSecurityInfo !== 'function' && headersOptions.includes('securityInfoRawDer'),
  /** Chromium: `chrome.debugger` is there (the permission is granted); full chains via CDP. */
  debuggerApi: typeof api.debugger?.attach === 'function' && typeof api.debugger?.sendCommand === 'function',
  /** Blocking webRequest listeners that always work: Firefox MV3 (declared, and always granted). */
  blockingWebRequest: blockingDeclared && typeof api.webRequest?.getSecurityInfo === 'function',
  /**
   * Chromium builds declare blocking webRequest, which MV3 Chromium grants only to extensions
   * installed by policy: whether it is granted is `blockingGranted()`. Elsewhere a "blocking"
   * listener registers without an error and never fires (docs/design.md#capture-tiers).
   */
  blockingIfGranted: blockingDeclared && typeof api.webRequest?.getSecurityInfo !== 'function',
  /** `storage.session`: in-memory, survives the event page being unloaded, gone at browser exit. */
  sessionStorage: Boolean(api.storage?.session),
  notifications: typeof api.notifications?.create === 'function',
});

/** Resource types the browser knows, minus the ones in `exclude`; `undefined` when it does not say. */
export function resourceTypes(exclude = []) {
  const known = api.webRequest?.ResourceType;
  if (!known) return undefined;
  return Object.values(known).filter((t) => !exclude.includes(t));
}

/**
 * extraInfoSpec for onHeadersReceived: blocking where the browser lets us stop a response
 * before the page gets it. The Chromium capture tier adds its own entries (see capture.js).
 */
export function headersSpec(extra = []) {
  return [...(features.blockingWebRequest ? ['blocking'] : []), ...extra];
}

/**
 * tabs.onUpdated for status changes only. Firefox takes a filter that spares us most events;
 * browsers whose addListener refuses the second argument get the plain listener.
 */
export function onTabStatus(listener) {
  const wrapped = (tabId, changeInfo, tab) => {
    if (changeInfo.status) listener(tabId, changeInfo.status, tab);
  };
  try {
    api.tabs.onUpdated.addListener(wrapped, { properties: ['status'] });
  } catch {
    api.tabs.onUpdated.addListener(wrapped);
  }
}

/**
 * A small synchronous store for what must be known before the first await of a wake: Firefox's
 * event page has `localStorage`; a service worker has none (then `null`, and callers wait for
 * `storage`). Values are JSON; a damaged or unreadable value reads as `undefined`.
 */
export const syncCache = (() => {
  let store;
  try {
    store = globalThis.localStorage;
  } catch {
    store = undefined;
  }
  if (!store) return null;
  return {
    get(key) {
      try {
        const text = store.getItem(`pinwatch:${key}`);
        return text === null ? undefined : JSON.parse(text);
      } catch {
        return undefined;
      }
    },
    set(key, value) {
      try {
        store.setItem(`pinwatch:${key}`, JSON.stringify(value));
      } catch {
        // Quota or privacy settings: the next wake falls back to the asynchronous path.
      }
    },
  };
})();

/** The extension's own origin, to recognise its pages and its senders. */
export const ownOrigin = api.runtime.getURL('');

/**
 * How the manifest declares the debugger permission: 'required' (granted at install), 'optional'
 * (a browser that lets it be requested at run time), or 'absent' (Firefox; no such API).
 * Chromium 156 refuses "debugger" in optional_permissions ("Only permissions specified in the
 * manifest may be requested"), so the Chromium build declares it and keeps the tier off until
 * the user or policy turns it on.
 */
export const debuggerPermission = (manifest.permissions ?? []).includes('debugger') ? 'required'
  : (manifest.optional_permissions ?? []).includes('debugger') ? 'optional' : 'absent';

let granted = null;
/**
 * Whether blocking webRequest works here: always in Firefox; in Chromium when the extension was
 * installed by policy (`management.getSelf().installType === "admin"`, which needs no
 * permission). Asked once per wake; a held listener that fires is proof too (`noteGranted`).
 */
export async function blockingGranted() {
  if (features.blockingWebRequest) return true;
  if (!features.blockingIfGranted) return false;
  granted ??= Promise.resolve(api.management?.getSelf?.())
    .then((self) => self?.installType === 'admin', () => false);
  return granted;
}

/** A blocking listener fired: the browser grants blocking to this install. */
export function noteGranted() {
  granted = Promise.resolve(true);
}
