// Draws the toolbar and add-on icons (a shield with a key hole) as PNG files in extension/icons/.
// Run once after changing the drawing: node extension/tools/make-icons.mjs
import { writeFileSync } from 'node:fs';
import { deflateSync } from 'node:zlib';
import { join } from 'node:path';

const SIZES = [16, 32, 48, 96, 128];
const FILL = [0x1f, 0x5f, 0x7a];
const OUT = join(import.meta.dirname, '..', 'icons');

// Unit-square shapes: a shield (flat top, pointed bottom) and a key hole inside it.
function inShield(x, y) {
  if (y < 0.06 || y > 0.96 || x < 0.1 || x > 0.9) return false;
  if (y <= 0.55) return true;
  const half = 0.4 * Math.sqrt(Math.max(0, 1 - ((y - 0.55) / 0.41) ** 2));
  return Math.abs(x - 0.5) <= half;
}
function inHole(x, y) {
  const circle = (x - 0.5) ** 2 + (y - 0.4) ** 2 <= 0.11 ** 2;
  const stem = Math.abs(x - 0.5) <= 0.05 + (y - 0.4) * 0.08 && y >= 0.4 && y <= 0.72;
  return circle || stem;
}

function crc32(buf) {
  let c, crc = 0xffffffff;
  for (const b of buf) {
    c = (crc ^ b) & 0xff;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    crc = (crc >>> 8) ^ c;
  }
  return (crc ^ 0xffffffff) >>> 0;
}
function chunk(type, data) {
  const len = Buffer.alloc(4); len.writeUInt32BE(data.length);
  const body = Buffer.concat([Buffer.from(type, 'ascii'), data]);
  const crc = Buffer.alloc(4); crc.writeUInt32BE(crc32(body));
  return Buffer.concat([len, body, crc]);
}

function png(size) {
  const ss = 4; // supersampling per axis, for smooth edges
  const rows = [];
  for (let py = 0; py < size; py++) {
    const row = Buffer.alloc(1 + size * 4);
    for (let px = 0; px < size; px++) {
      let cover = 0;
      for (let sy = 0; sy < ss; sy++) for (let sx = 0; sx < ss; sx++) {
        const x = (px + (sx + 0.5) / ss) / size, y = (py + (sy + 0.5) / ss) / size;
        if (inShield(x, y) && !inHole(x, y)) cover++;
      }
      const o = 1 + px * 4;
      row[o] = FILL[0]; row[o + 1] = FILL[1]; row[o + 2] = FILL[2];
      row[o + 3] = Math.round((255 * cover) / (ss * ss));
    }
    rows.push(row);
  }
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(size, 0); ihdr.writeUInt32BE(size, 4);
  ihdr[8] = 8; ihdr[9] = 6; // 8-bit RGBA
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', ihdr),
    chunk('IDAT', deflateSync(Buffer.concat(rows))),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

for (const size of SIZES) writeFileSync(join(OUT, `icon-${size}.png`), png(size));
console.log(`wrote ${SIZES.length} icons to ${OUT}`);
