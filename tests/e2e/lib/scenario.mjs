// The end-to-end scenario shared by the Firefox tests, the demo and the perf run: a PKI and a
// pin list made for this run, HTTPS servers on loopback, and test builds of the extension whose
// bundled list is the test list (dist/test-firefox*, never dist/firefox).

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { assemble } from '../../../extension/tools/assemble.mjs';
import { makePki, makeTestList } from './pki.mjs';
import { startServers } from './servers.mjs';

export const ROOT = resolve(import.meta.dirname, '..', '..', '..');
export const HOSTS = ['mail.example.test', 'warn.example.test', 'plain.example.test', 'blocked.example.test', 'hostile.example.test'];

/**
 * Makes the PKI, the lists, the test builds for `browser` and starts the servers.
 * Returns {dir, pki, list, expiredList, dist, staleDist, servers, cleanup()}.
 */
export async function prepare({ browser = 'firefox' } = {}) {
  const dir = mkdtempSync(join(tmpdir(), 'pinwatch-e2e-'));
  const pki = makePki(join(dir, 'pki'));
  const list = makeTestList(pki);
  const expiredList = makeTestList(pki, { expired: true });
  const dist = assemble({ root: ROOT, browser, out: join(ROOT, 'dist', `test-${browser}`), bundledList: JSON.stringify(list, null, 2) });
  const staleDist = assemble({ root: ROOT, browser, out: join(ROOT, 'dist', `test-${browser}-stale`), bundledList: JSON.stringify(expiredList, null, 2) });
  const L = pki.leaves;
  const servers = await startServers({
    mailLegit: { name: 'mail (legit chain)', leaf: L.mailLegit },
    mailRogue: { name: 'mail (rogue CA chain)', leaf: L.mailRogue },
    warnRogue: { name: 'warn-mode host (rogue CA chain)', leaf: L.warnRogue },
    plain: { name: 'unpinned host', leaf: L.plain },
    blocked: { name: 'block-listed leaf', leaf: L.blocked },
    hostile: { name: 'hostile subject', leaf: L.hostile },
  });
  return {
    dir, pki, list, expiredList, dist, staleDist, servers,
    async cleanup() {
      await servers.closeAll();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
