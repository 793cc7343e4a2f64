// The least any extension can do to hold a host's responses in Firefox, for the page-load
// benchmark: what is left of Pinwatch's cost beyond these is Pinwatch's own.
//   - "hold": a blocking onHeadersReceived listener that answers at once, synchronously;
//   - "read": the same, after reading the chain's digests with one getSecurityInfo call (the
//     least a pin check needs: Firefox answers only while the response is held).
// Written at run time into a temporary folder; loaded as a temporary add-on.

import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const LISTENERS = {
  hold: '() => ({})',
  read: `async (details) => {
    await browser.webRequest.getSecurityInfo(details.requestId, { certificateChain: true, rawDER: false });
    return {};
  }`,
};

/** A folder holding the floor extension of `kind` ("hold" or "read") for `hosts`' responses. */
export function floorExtension(kind, hosts) {
  const listener = LISTENERS[kind];
  if (!listener) throw new Error(`no floor extension "${kind}"`);
  const dir = mkdtempSync(join(tmpdir(), `pinwatch-floor-${kind}-`));
  const urls = hosts.map((h) => `https://${h}/*`);
  writeFileSync(join(dir, 'manifest.json'), JSON.stringify({
    manifest_version: 3,
    name: `floor (${kind})`,
    version: '1.0',
    browser_specific_settings: { gecko: { id: `floor-${kind}@pinwatch.test` } },
    background: { scripts: ['background.js'] },
    permissions: ['webRequest', 'webRequestBlocking'],
    host_permissions: urls,
  }));
  writeFileSync(join(dir, 'background.js'),
    `browser.webRequest.onHeadersReceived.addListener(${listener}, { urls: ${JSON.stringify(urls)} }, ['blocking']);\n`);
  return dir;
}
