// Where the module's bytes go, by part of the core (its folders and files) and by dependency.
//
//   wasm-pack build crate/wasm --mode no-install --release --target web --out-dir "$PWD/target/pkg-size" --out-name pinwatch
//   node tests/bench/wasm-sizes.mjs target/pkg-size/pinwatch_bg.wasm [part]
//
// Takes the module as wasm-pack leaves it, with its name section and before build.sh's wasm-opt
// (which takes ~9 % off the code and merges functions across parts, so their names no longer say
// where code came from), and sums each function's body by the part its name belongs to. "gzip alone" is gzip -9 of that part's bodies on their own: parts share
// little, so it is close to what removing the part would save. With a part name, lists its
// largest functions.

import { readdirSync, readFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';

const SRC = new URL('../../crate/core/src/', import.meta.url);
const LAYERS = new Set(['x509', 'crypto', 'list', 'judge']);
/** Each layer's files, so that `judge::Judge::…` counts as judge/mod and `judge::engine::…` as judge/engine. */
const FILES = new Map([...LAYERS].map((l) =>
  [l, new Set(readdirSync(new URL(`${l}/`, SRC)).filter((f) => f.endsWith('.rs')).map((f) => f.slice(0, -3)))]));

/** Function bodies with their names, and the data section's bytes. */
function read(buf) {
  let p = 8;
  const leb = () => {
    let r = 0, s = 0, b;
    do { b = buf[p++]; r += (b & 0x7f) * 2 ** s; s += 7; } while (b & 0x80);
    return r;
  };
  let imports = 0;
  const bodies = [], names = new Map();
  let data = Buffer.alloc(0);
  while (p < buf.length) {
    const id = buf[p++];
    const size = leb();
    const end = p + size;
    if (id === 0) {
      const nl = leb();
      const name = buf.subarray(p, p + nl).toString();
      p += nl;
      while (name === 'name' && p < end) {
        const sub = buf[p++];
        const subEnd = leb() + p;
        if (sub === 1) {
          for (let n = leb(); n > 0; n--) {
            const idx = leb();
            const l = leb();
            names.set(idx, buf.subarray(p, p + l).toString());
            p += l;
          }
        }
        p = subEnd;
      }
    } else if (id === 2) {
      for (let n = leb(); n > 0; n--) {
        // Module and field names: `p += leb()` would add to p as it was before the length.
        for (let k = 0; k < 2; k++) { const l = leb(); p += l; }
        const kind = buf[p++];
        if (kind === 0) { leb(); imports++; }
        else if (kind === 1) { p++; if (buf[p++] & 1) { leb(); } leb(); }
        else if (kind === 2) { if (buf[p++] & 1) { leb(); } leb(); }
        else if (kind === 3) { p += 2; }
      }
    } else if (id === 10) {
      for (let n = leb(); n > 0; n--) {
        const s = leb();
        bodies.push(buf.subarray(p, p + s));
        p += s;
      }
    } else if (id === 11) {
      data = buf.subarray(p, end);
    }
    p = end;
  }
  if (names.size === 0) throw new Error('the module has no name section: give the one wasm-pack built, before wasm-opt');
  return { fns: bodies.map((body, i) => ({ name: names.get(imports + i) ?? `#${imports + i}`, body })), data };
}

/** The part a function belongs to, from its (possibly generic) symbol name. */
function part(name) {
  const core = name.match(/pinwatch_core::([a-z_0-9]+)(?:::([a-z_0-9]+))?/);
  if (core && LAYERS.has(core[1])) return `core ${core[1]}/${FILES.get(core[1]).has(core[2]) ? core[2] : 'mod'}`;
  if (core) return `core ${core[1]}`;
  if (name.includes('pinwatch_wasm')) return 'binding (pinwatch-wasm)';
  if (name.includes('serde_json')) return 'serde_json';
  if (/serde/.test(name)) return 'serde (generic glue)';
  if (/flt2dec|dec2flt|diy_float|f64|f32/.test(name)) return 'float formatting/parsing';
  if (name.includes('sha2::')) return 'sha2';
  if (name.includes('base64')) return 'base64';
  if (name.includes('dlmalloc')) return 'allocator';
  if (/^wasm_bindgen|__wbg|__wbindgen|externref/.test(name)) return 'wasm-bindgen glue';
  if (/fmt|panic/.test(name)) return 'core::fmt and panics';
  if (/btree|hash/i.test(name)) return 'collections';
  if (/unicode|case|char/.test(name)) return 'unicode';
  return 'other std';
}

const [input, only] = process.argv.slice(2);
const { fns, data } = read(readFileSync(input));

const groups = new Map();
for (const f of fns) {
  const g = groups.get(part(f.name)) ?? { bytes: 0, bodies: [], fns: [] };
  g.bytes += f.body.length;
  g.bodies.push(f.body);
  g.fns.push(f);
  groups.set(part(f.name), g);
}
if (only) {
  const g = groups.get(only) ?? { fns: [] };
  for (const f of g.fns.sort((a, b) => b.body.length - a.body.length).slice(0, 40)) {
    console.log(String(f.body.length).padStart(7), f.name);
  }
} else {
  const code = fns.reduce((n, f) => n + f.body.length, 0);
  console.log('| part | code bytes | gzip alone |');
  console.log('|---|---:|---:|');
  for (const [name, g] of [...groups].sort((a, b) => b[1].bytes - a[1].bytes)) {
    console.log(`| ${name} | ${g.bytes} | ${gzipSync(Buffer.concat(g.bodies), { level: 9 }).length} |`);
  }
  console.log(`| data (strings, tables) | ${data.length} | ${gzipSync(data, { level: 9 }).length} |`);
  console.log(`code ${code} bytes in ${fns.length} functions`);
}
