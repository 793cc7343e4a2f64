// "Set by your organisation": the cookie-scope warnings for policy's extra entries. The core
// decides (`cookieScopeGaps`, the lint rule of `pinwatch lint`); it needs the Public Suffix List,
// which only the cold module carries (wasm/cold/), so this page loads that module on demand and
// the background's module, loaded at every wake, stays without it.

import { api } from '../shared/compat.js';
import { el, fill, problemText } from './ui.js';

const COLD_WASM_PATH = 'wasm/cold/pinwatch_bg.wasm';

let cold = null;

/** The cold glue, instantiated once per page. */
function coldModule() {
  cold ??= (async () => {
    const glue = await import('../wasm/cold/pinwatch.js');
    await glue.default({ module_or_path: api.runtime.getURL(COLD_WASM_PATH) });
    return glue;
  })();
  return cold;
}

/**
 * One warning per registrable domain that policy's entries pin only in part. When the cold
 * module cannot run, nothing is shown and the failure is logged: that is our own bug, and an
 * empty list must not read as "checked, all covered".
 */
export async function showCookieScope(policy) {
  const list = document.getElementById('policy-cookie-scope');
  const entries = (policy.managed ?? []).includes('extraEntries') ? policy.extraEntries ?? [] : [];
  list.dataset.checked = 'no';
  if (!entries.length) {
    fill(list);
    return;
  }
  let gaps;
  try {
    const glue = await coldModule();
    gaps = JSON.parse(glue.cookieScopeGaps(JSON.stringify(entries)));
  } catch (e) {
    cold = null;
    fill(list);
    console.error('Pinwatch: the cookie-scope check of policy\'s extra entries could not run', e);
    return;
  }
  fill(list, gaps.map((g) => el('li', { 'data-domain': g.domain }, problemText(g.problem))));
  list.dataset.checked = 'yes';
}
