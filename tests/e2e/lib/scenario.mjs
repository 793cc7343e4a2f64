// The end-to-end scenario shared by the browser suites, the demo, the perf run and run-browser: a
// PKI and a pin list made for this run, HTTPS servers on loopback, and test builds of the extension
// whose bundled list is the test list (dist/test-*, never dist/firefox or dist/chromium).

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { assemble } from '../../../extension/tools/assemble.mjs';
import { makePki, makeTestList } from './pki.mjs';
import { startServers } from './servers.mjs';

export const ROOT = resolve(import.meta.dirname, '..', '..', '..');
export const HOSTS = ['mail.example.test', 'warn.example.test', 'plain.example.test', 'blocked.example.test', 'hostile.example.test'];

/** The scenario's servers, one per leaf of pki.makePki(): `{key: {name, leaf}}` for startServers. */
export function scenarioServers(leaves) {
  return {
    mailLegit: { name: 'mail (legit chain)', leaf: leaves.mailLegit },
    mailRogue: { name: 'mail (rogue CA chain)', leaf: leaves.mailRogue },
    warnRogue: { name: 'warn-mode host (rogue CA chain)', leaf: leaves.warnRogue },
    plain: { name: 'unpinned host', leaf: leaves.plain },
    blocked: { name: 'block-listed leaf', leaf: leaves.blocked },
    hostile: { name: 'hostile subject', leaf: leaves.hostile },
  };
}

/**
 * Makes the PKI, the lists, the test builds and starts the servers, in a temporary folder that
 * `cleanup()` removes (callers may keep their own files of the run in `dir`).
 *
 * @param {object} [o]
 * @param {string} [o.browser]   the build to assemble (assemble.mjs BROWSERS): 'firefox' (default),
 *                               'chromium' or 'chromium-full-chain'
 * @param {string} [o.name]      its folder: dist/<name> (default `test-<browser>`)
 * @param {boolean} [o.stale]    also dist/<name>-stale, whose bundled list has expired (default true)
 * @param {(pki) => object} [o.extend]
 *        more certificates for the run, made in `pki.dir`; what it returns is `extra`
 * @param {(list, pki, extra) => void} [o.editList]
 *        changes the test list (both the fresh and the expired one) before it is bundled
 * @param {(specs, pki, extra) => object} [o.servers]
 *        the servers to start (`{key: {name, leaf}}`), from `specs` = scenarioServers(pki.leaves);
 *        default: all of those
 * Returns {dir, pki, extra, list, expiredList, dist, staleDist, servers, cleanup()};
 * `expiredList` and `staleDist` are null without `stale`.
 */
export async function prepare({ browser = 'firefox', name = `test-${browser}`, stale = true, extend, editList, servers: pickServers } = {}) {
  const dir = mkdtempSync(join(tmpdir(), 'pinwatch-e2e-'));
  try {
    const pki = makePki(join(dir, 'pki'));
    const extra = extend?.(pki) ?? {};
    const testList = (options) => {
      const list = makeTestList(pki, options);
      editList?.(list, pki, extra);
      return list;
    };
    const build = (out, list) => assemble({ root: ROOT, browser, out: join(ROOT, 'dist', out), bundledList: JSON.stringify(list, null, 2) });
    const list = testList();
    const expiredList = stale ? testList({ expired: true }) : null;
    const dist = build(name, list);
    const staleDist = stale ? build(`${name}-stale`, expiredList) : null;
    const specs = scenarioServers(pki.leaves);
    const servers = await startServers(pickServers ? pickServers(specs, pki, extra) : specs);
    return {
      dir, pki, extra, list, expiredList, dist, staleDist, servers,
      async cleanup() {
        await servers.closeAll();
        rmSync(dir, { recursive: true, force: true });
      },
    };
  } catch (e) {
    rmSync(dir, { recursive: true, force: true });
    throw e;
  }
}
