// The signed-list module (crate/wasm-lists, target/pkg-web-lists) for node tests and benchmarks,
// called as the background's lists-wasm.js calls it: objects in, JSON text across, objects out.
// It also checks extra entries and channels' keys (the options page's save) and compiles the
// engine's sources (what `Engine.fromCompiled` of the per-wake module takes).
//
//   const lists = await listsModule();   // null when the package is not built
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

export const LISTS_PKG = join(import.meta.dirname, '..', '..', 'target', 'pkg-web-lists');

export async function listsModule(pkg = LISTS_PKG) {
  if (!existsSync(join(pkg, 'pinwatch_bg.wasm'))) return null;
  const glue = await import(pathToFileURL(join(pkg, 'pinwatch.js')).href);
  const exports = await glue.default({ module_or_path: readFileSync(join(pkg, 'pinwatch_bg.wasm')) });
  return {
    acceptList: (bytes, trust, channel, nowSecs) =>
      JSON.parse(glue.acceptList(bytes, JSON.stringify(trust), JSON.stringify(channel ?? null), nowSecs)),
    readPayload: (text) => JSON.parse(glue.readPayload(text)),
    parsePublicKey: (text) => JSON.parse(glue.parsePublicKey(text)),
    checkExtraEntries: (values) => JSON.parse(glue.checkExtraEntries(JSON.stringify(Array.isArray(values) ? values : null))),
    // Extra entries cross as their JSON texts, as background/lists-wasm.js sends them.
    compileSources: (sources) => JSON.parse(glue.compileSources(JSON.stringify(sources.map((s) => (s.extraEntries ? { ...s, extraEntries: s.extraEntries.map((v) => JSON.stringify(v)) } : s))))),
    memoryBytes: () => exports.memory.buffer.byteLength,
  };
}
