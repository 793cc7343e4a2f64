// Reads the extension's own state from one of its pages (badges, storage, tabs), the same way in
// both browsers: evaluated code takes `browser` where it exists and `chrome` otherwise.

export const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** Polls `fn` until it returns a truthy value or `timeout` ms pass; returns the last value. */
export async function waitFor(fn, { timeout = 10_000, interval = 100 } = {}) {
  const end = Date.now() + timeout;
  let value;
  for (;;) {
    try {
      value = await fn();
    } catch {
      value = undefined;
    }
    if (value || Date.now() > end) return value;
    await sleep(interval);
  }
}

export class ExtensionInspector {
  /** @param {import('puppeteer-core').Page} page  an extension page of the build under test */
  constructor(page) {
    this.page = page;
  }

  eval(fn, ...args) {
    return this.page.evaluate(fn, ...args);
  }

  /** The id of the tab showing `page` (matched by its address). */
  async tabId(page) {
    const href = await page.evaluate(() => location.href);
    return waitFor(() => this.eval(async (h) => {
      const tabs = await (globalThis.browser ?? globalThis.chrome).tabs.query({});
      return tabs.find((t) => t.url === h)?.id ?? null;
    }, href), { timeout: 5000 });
  }

  badge(tabId) {
    return this.eval(async (id) => {
      const { action } = globalThis.browser ?? globalThis.chrome;
      return { text: await action.getBadgeText({ tabId: id }), title: await action.getTitle({ tabId: id }) };
    }, tabId);
  }

  /** Waits until the badge text of `tabId` is `text` (a first launch can be slow); returns the last badge seen. */
  async waitBadge(tabId, text, timeout = 15_000) {
    let last;
    await waitFor(async () => {
      last = await this.badge(tabId);
      return last.text === text;
    }, { timeout });
    return last;
  }

  session(key) {
    return this.eval(async (k) => (await (globalThis.browser ?? globalThis.chrome).storage.session.get(k))[k], key);
  }

  local(key) {
    return this.eval(async (k) => (await (globalThis.browser ?? globalThis.chrome).storage.local.get(k))[k], key);
  }
}
