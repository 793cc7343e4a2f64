// What the package tests share: where `./build.sh package` puts the Linux packages, and what
// they must hold for the build in this tree.

import { readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { buildIds } from '../../extension/tools/extension-ids.mjs';

export const ROOT = resolve(import.meta.dirname, '..', '..');
export const DIST = join(ROOT, 'dist');
export const HOST = 'dev.pinwatch.companion';
/** The system folders the Chromium-family browsers read (Brave reads Chromium's or Chrome's). */
export const CHROMIUM_FOLDERS = [
  '/etc/chromium/native-messaging-hosts',
  '/etc/opt/chrome/native-messaging-hosts',
  '/etc/opt/edge/native-messaging-hosts',
];

/** The one file in dist/ whose name matches `pattern`; throws if there is none or several. */
export function artefact(pattern) {
  const found = readdirSync(DIST).filter((n) => pattern.test(n));
  if (found.length !== 1) {
    throw new Error(`dist/ holds ${found.length} files matching ${pattern} (${found.join(', ')}): run ./build.sh package`);
  }
  return join(DIST, found[0]);
}

/** The ids the packages must name: those of the build, as ./build.sh package computed them. */
export const ids = () => buildIds(ROOT);
