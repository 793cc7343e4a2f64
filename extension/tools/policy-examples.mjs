// The policy examples of docs/policy/, written for one organisation's build: the Chromium id the
// manifest's key gives is replaced by the organisation's (--id, as ./build.sh package --crx-key
// prints it) and the examples' update folder by the one it hosts (--update-base).
//
//   node extension/tools/policy-examples.mjs <outdir> [--id ID] [--update-base URL]

import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { checkedId } from './admx.mjs';
import { buildIds } from './extension-ids.mjs';
import { updateBase } from './package.mjs';

const HERE = dirname(fileURLToPath(import.meta.url));
const ROOT = join(HERE, '..', '..');
/** Where the examples say the organisation serves updates.xml, the .crx and the .xpi. */
export const EXAMPLE_BASE = 'https://extensions.corp.example/pinwatch/';

/** `[[name, text], …]`: every example with the ids and update folder of this build. */
export function examples({ id, base } = {}, root = ROOT) {
  const from = buildIds(root).chromium;
  const dir = join(root, 'docs', 'policy');
  return readdirSync(dir).sort().map((name) => {
    let text = readFileSync(join(dir, name), 'utf8');
    if (id) text = text.replaceAll(from, checkedId(id));
    if (base) text = text.replaceAll(EXAMPLE_BASE, base);
    return [name, text];
  });
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const [outDir, ...args] = process.argv.slice(2);
  const o = {};
  try {
    if (!outDir) throw new Error('usage: policy-examples.mjs <outdir> [--id ID] [--update-base URL]');
    for (let i = 0; i < args.length; i += 2) {
      if (args[i] === '--id' && args[i + 1]) o.id = args[i + 1];
      else if (args[i] === '--update-base' && args[i + 1]) o.base = updateBase(args[i + 1]);
      else throw new Error(`unknown or incomplete option ${args[i]} (--id ID, --update-base URL)`);
    }
    mkdirSync(outDir, { recursive: true });
    for (const [name, text] of examples(o)) {
      writeFileSync(join(outDir, name), text);
      console.log(join(outDir, name));
    }
  } catch (e) {
    console.error(`policy-examples: ${e.message}`);
    process.exit(2);
  }
}
