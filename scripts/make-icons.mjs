// Generates the tray and app icons in assets/ (deterministic PNGs: a shield-like disc per state).
// Run: node scripts/make-icons.mjs. The PNGs are committed; this script documents how they were made.
import { writeFileSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { deflateSync } from 'node:zlib';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});
function crc32(buf) {
  let c = 0xffffffff;
  for (const b of buf) c = CRC_TABLE[(c ^ b) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}
function chunk(type, data) {
  const len = Buffer.alloc(4);
  len.writeUInt32BE(data.length);
  const td = Buffer.concat([Buffer.from(type, 'latin1'), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(td));
  return Buffer.concat([len, td, crc]);
}
function png(size, pixel) {
  const raw = Buffer.alloc((size * 4 + 1) * size);
  for (let y = 0; y < size; y++) {
    raw[y * (size * 4 + 1)] = 0;
    for (let x = 0; x < size; x++) {
      const [r, g, b, a] = pixel(x, y, size);
      const o = y * (size * 4 + 1) + 1 + x * 4;
      raw[o] = r;
      raw[o + 1] = g;
      raw[o + 2] = b;
      raw[o + 3] = a;
    }
  }
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(size, 0);
  ihdr.writeUInt32BE(size, 4);
  ihdr[8] = 8;
  ihdr[9] = 6;
  ihdr[10] = 0;
  ihdr[11] = 0;
  ihdr[12] = 0;
  return Buffer.concat([Buffer.from([137, 80, 78, 71, 13, 10, 26, 10]), chunk('IHDR', ihdr), chunk('IDAT', deflateSync(raw, { level: 9 })), chunk('IEND', Buffer.alloc(0))]);
}
/** A filled disc in the state colour with a white inner mark: check (ok), ring (running), bar (warning), cross (error). */
function icon(color, mark) {
  return (x, y, size) => {
    const c = (size - 1) / 2;
    const dx = (x - c) / c;
    const dy = (y - c) / c;
    const d = Math.hypot(dx, dy);
    if (d > 1) return [0, 0, 0, 0];
    const edge = Math.min(1, (1 - d) * size * 0.5);
    const a = Math.round(255 * edge);
    const w = 0.16;
    let inner = false;
    if (mark === 'check') inner = (Math.abs(dy - (dx + 0.15)) < w && dx < -0.05 && dx > -0.45) || (Math.abs(dy + 1.1 * dx - 0.05) < w && dx >= -0.1 && dx < 0.5);
    if (mark === 'ring') inner = d > 0.38 && d < 0.6 && !(dx > 0 && dy < 0 && dx > -dy);
    if (mark === 'bar') inner = (Math.abs(dx) < w && dy > -0.55 && dy < 0.15) || (Math.abs(dx) < w && dy > 0.32 && dy < 0.52);
    if (mark === 'cross') inner = (Math.abs(dx - dy) < w * 1.3 || Math.abs(dx + dy) < w * 1.3) && d < 0.58;
    return inner ? [255, 255, 255, a] : [...color, a];
  };
}
const states = { ok: [[46, 125, 50], 'check'], running: [[21, 101, 192], 'ring'], warning: [[237, 108, 2], 'bar'], error: [[198, 40, 40], 'cross'] };
mkdirSync(path.join(root, 'assets', 'tray'), { recursive: true });
for (const [name, [color, mark]] of Object.entries(states)) {
  for (const size of [16, 32]) {
    const suffix = size === 32 ? '@2x' : '';
    writeFileSync(path.join(root, 'assets', 'tray', `${name}${suffix}.png`), png(size, icon(color, mark)));
  }
}
writeFileSync(path.join(root, 'assets', 'icon.png'), png(512, icon([21, 101, 192], 'check')));
console.log('icons written to assets/');
