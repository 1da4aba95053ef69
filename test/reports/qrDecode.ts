// A small, independent QR reader for the tests (no QR decoder is installed): finds the symbol in a
// rendered page by its three finder patterns, samples the module grid, and decodes it per ISO/IEC
// 18004 (format info, unmasking, zigzag placement, block de-interleaving, numeric/alphanumeric/byte
// segments). No error correction: a clean rendering must read exactly.
import type { GrayImage } from './helpers.js';

// ---- locating and sampling ----------------------------------------------------------------------

interface Finder {
  readonly x: number;
  readonly y: number;
  /** Module size in pixels. */
  readonly unit: number;
}

const isDark = (img: GrayImage, x: number, y: number): boolean => (img.pixels[y * img.width + x] ?? 255) < 128;

/** Runs of equal colour along a line: [dark?, length][]. */
function runs(length: number, dark: (i: number) => boolean): { dark: boolean; start: number; len: number }[] {
  const out: { dark: boolean; start: number; len: number }[] = [];
  for (let i = 0; i < length; i++) {
    const d = dark(i);
    const last = out[out.length - 1];
    if (last && last.dark === d) last.len++;
    else out.push({ dark: d, start: i, len: 1 });
  }
  return out;
}

/** Centre of a 1:1:3:1:1 dark/light/dark/light/dark pattern among the runs, if any window matches. */
function finderWindows(rs: { dark: boolean; start: number; len: number }[], minUnit: number): { center: number; unit: number }[] {
  const out: { center: number; unit: number }[] = [];
  for (let i = 0; i + 4 < rs.length; i++) {
    const w = rs.slice(i, i + 5);
    if (!w[0]!.dark) continue;
    const total = w.reduce((n, r) => n + r.len, 0);
    const u = total / 7;
    if (u < minUnit) continue;
    const ok = [1, 1, 3, 1, 1].every((k, j) => Math.abs(w[j]!.len - k * u) <= Math.max(u * 0.5, 1.5) * (k === 3 ? 1.5 : 1));
    if (ok) out.push({ center: w[2]!.start + w[2]!.len / 2, unit: u });
  }
  return out;
}

function findFinders(img: GrayImage, minUnit: number): Finder[] {
  const hits: { x: number; y: number; unit: number }[] = [];
  for (let y = 0; y < img.height; y++) {
    const rs = runs(img.width, (x) => isDark(img, x, y));
    for (const h of finderWindows(rs, minUnit)) {
      // vertical cross-check through the candidate centre
      const x = Math.round(h.center);
      const col = runs(img.height, (yy) => isDark(img, x, yy));
      const v = finderWindows(col, minUnit).find((c) => Math.abs(c.center - y) <= h.unit * 1.5 && Math.abs(c.unit - h.unit) <= h.unit * 0.3);
      if (v) hits.push({ x: h.center, y: v.center, unit: (h.unit + v.unit) / 2 });
    }
  }
  // cluster hits of the same finder
  const clusters: { xs: number[]; ys: number[]; units: number[] }[] = [];
  for (const h of hits) {
    const c = clusters.find((k) => Math.abs(k.xs[0]! - h.x) <= h.unit * 2 && Math.abs(k.ys[0]! - h.y) <= h.unit * 2);
    if (c) {
      c.xs.push(h.x);
      c.ys.push(h.y);
      c.units.push(h.unit);
    } else clusters.push({ xs: [h.x], ys: [h.y], units: [h.unit] });
  }
  const mean = (a: number[]): number => a.reduce((n, v) => n + v, 0) / a.length;
  return clusters.filter((c) => c.xs.length >= 3).map((c) => ({ x: mean(c.xs), y: mean(c.ys), unit: mean(c.units) }));
}

/** The module grid of the (single) QR symbol on the image, true = dark. */
export function sampleQr(img: GrayImage, minUnit = 3): boolean[][] {
  const finders = findFinders(img, minUnit);
  if (finders.length < 3) throw new Error(`found ${finders.length} QR finder patterns, need 3`);
  // the three that form a right angle: top-left has one neighbour to the right and one below
  let best: { tl: Finder; tr: Finder; bl: Finder; err: number } | null = null;
  for (const tl of finders)
    for (const tr of finders)
      for (const bl of finders) {
        if (tl === tr || tl === bl || tr === bl) continue;
        if (tr.x <= tl.x || bl.y <= tl.y) continue;
        const err = Math.abs(tr.y - tl.y) + Math.abs(bl.x - tl.x) + Math.abs(tr.x - tl.x - (bl.y - tl.y)) + Math.abs(tl.unit - tr.unit) * 10 + Math.abs(tl.unit - bl.unit) * 10;
        if (!best || err < best.err) best = { tl, tr, bl, err };
      }
  if (!best) throw new Error('QR finder patterns do not form a symbol');
  const { tl, tr, bl } = best;
  const unit = (tl.unit + tr.unit + bl.unit) / 3;
  const modulesBetween = Math.round((tr.x - tl.x) / unit);
  let size = modulesBetween + 7;
  size = Math.round((size - 17) / 4) * 4 + 17;
  const pitchX = (tr.x - tl.x) / (size - 7);
  const pitchY = (bl.y - tl.y) / (size - 7);
  const x0 = tl.x - 3.5 * pitchX;
  const y0 = tl.y - 3.5 * pitchY;
  const grid: boolean[][] = [];
  for (let r = 0; r < size; r++) {
    const row: boolean[] = [];
    for (let c = 0; c < size; c++) {
      const cx = Math.round(x0 + (c + 0.5) * pitchX);
      const cy = Math.round(y0 + (r + 0.5) * pitchY);
      let sum = 0;
      let n = 0;
      for (let dy = -1; dy <= 1; dy++)
        for (let dx = -1; dx <= 1; dx++) {
          sum += img.pixels[(cy + dy) * img.width + (cx + dx)] ?? 255;
          n++;
        }
      row.push(sum / n < 128);
    }
    grid.push(row);
  }
  return grid;
}

// ---- decoding -----------------------------------------------------------------------------------

type Ecl = 'L' | 'M' | 'Q' | 'H';
const ECL_BITS: Readonly<Record<number, Ecl>> = { 0b01: 'L', 0b00: 'M', 0b11: 'Q', 0b10: 'H' };

/** [blocks, data codewords] groups per version for levels M and Q (ISO/IEC 18004 table 9), versions 1-10. */
const BLOCKS: Readonly<Record<'M' | 'Q', readonly (readonly [number, number][])[]>> = {
  M: [
    [],
    [[1, 16]],
    [[1, 28]],
    [[1, 44]],
    [[2, 32]],
    [[2, 43]],
    [[4, 27]],
    [[4, 31]],
    [
      [2, 38],
      [2, 39],
    ],
    [
      [3, 36],
      [2, 37],
    ],
    [
      [4, 43],
      [1, 44],
    ],
  ],
  Q: [
    [],
    [[1, 13]],
    [[1, 22]],
    [[2, 17]],
    [[2, 24]],
    [
      [2, 15],
      [2, 16],
    ],
    [[4, 19]],
    [
      [2, 14],
      [4, 15],
    ],
    [
      [4, 18],
      [2, 19],
    ],
    [
      [4, 16],
      [4, 17],
    ],
    [
      [6, 19],
      [2, 20],
    ],
  ],
};

function formatCodeword(data5: number): number {
  let rem = data5 << 10;
  for (let i = 14; i >= 10; i--) if (rem & (1 << i)) rem ^= 0x537 << (i - 10);
  return ((data5 << 10) | rem) ^ 0x5412;
}

function readFormat(m: boolean[][]): { ecl: Ecl; mask: number } {
  let bits = 0;
  for (let i = 0; i < 15; i++) {
    // copy next to the top-left finder (the layout qrcode and the standard use)
    const dark = i < 6 ? m[i]![8] : i < 8 ? m[i + 1]![8] : i === 8 ? m[8]![7] : m[8]![14 - i];
    if (dark) bits |= 1 << i;
  }
  let best = { data: -1, dist: 99 };
  for (let data = 0; data < 32; data++) {
    let x = formatCodeword(data) ^ bits;
    let dist = 0;
    while (x) {
      dist += x & 1;
      x >>>= 1;
    }
    if (dist < best.dist) best = { data, dist };
  }
  if (best.dist > 3) throw new Error('unreadable format information');
  return { ecl: ECL_BITS[best.data >> 3] as Ecl, mask: best.data & 7 };
}

function alignmentCentres(version: number): number[] {
  if (version === 1) return [];
  const count = Math.floor(version / 7) + 2;
  const size = version * 4 + 17;
  const step = Math.ceil((size - 13) / (2 * count - 2)) * 2;
  const pos = [size - 7];
  for (let i = 1; i < count - 1; i++) pos.push(pos[i - 1]! - step);
  pos.push(6);
  return pos.reverse();
}

function functionModules(version: number): boolean[][] {
  const n = version * 4 + 17;
  const f = Array.from({ length: n }, () => new Array<boolean>(n).fill(false));
  const mark = (r0: number, c0: number, h: number, w: number): void => {
    for (let r = Math.max(0, r0); r < Math.min(n, r0 + h); r++) for (let c = Math.max(0, c0); c < Math.min(n, c0 + w); c++) f[r]![c] = true;
  };
  mark(0, 0, 9, 9); // finder, separator, format
  mark(0, n - 8, 9, 8);
  mark(n - 8, 0, 8, 9);
  mark(6, 0, 1, n); // timing
  mark(0, 6, n, 1);
  const centres = alignmentCentres(version);
  for (const r of centres)
    for (const c of centres) {
      if ((r === 6 && c === 6) || (r === 6 && c === n - 7) || (r === n - 7 && c === 6)) continue;
      mark(r - 2, c - 2, 5, 5);
    }
  if (version >= 7) {
    mark(0, n - 11, 6, 3);
    mark(n - 11, 0, 3, 6);
  }
  return f;
}

const MASKS: readonly ((i: number, j: number) => boolean)[] = [
  (i, j) => (i + j) % 2 === 0,
  (i) => i % 2 === 0,
  (_i, j) => j % 3 === 0,
  (i, j) => (i + j) % 3 === 0,
  (i, j) => (Math.floor(i / 2) + Math.floor(j / 3)) % 2 === 0,
  (i, j) => ((i * j) % 2) + ((i * j) % 3) === 0,
  (i, j) => (((i * j) % 2) + ((i * j) % 3)) % 2 === 0,
  (i, j) => (((i + j) % 2) + ((i * j) % 3)) % 2 === 0,
];

const ALNUM = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:';

/** The text of a QR module grid (true = dark), versions 1-10, levels M and Q. */
export function decodeQr(m: readonly (readonly boolean[])[]): { text: string; version: number; ecl: Ecl } {
  const n = m.length;
  const version = (n - 17) / 4;
  if (!Number.isInteger(version) || version < 1 || version > 10) throw new Error(`unsupported symbol size ${n}`);
  const grid = m.map((r) => [...r]);
  const { ecl, mask } = readFormat(grid);
  if (ecl !== 'M' && ecl !== 'Q') throw new Error(`unsupported error correction level ${ecl}`);
  const fn = functionModules(version);
  const maskFn = MASKS[mask]!;
  const bits: number[] = [];
  let upward = true;
  for (let col = n - 1; col > 0; col -= 2) {
    if (col === 6) col = 5;
    for (let i = 0; i < n; i++) {
      const row = upward ? n - 1 - i : i;
      for (let k = 0; k < 2; k++) {
        const c = col - k;
        if (fn[row]![c]) continue;
        bits.push((grid[row]![c] ? 1 : 0) ^ (maskFn(row, c) ? 1 : 0));
      }
    }
    upward = !upward;
  }
  const codewords: number[] = [];
  for (let i = 0; i + 8 <= bits.length; i += 8) codewords.push(bits.slice(i, i + 8).reduce((v, b) => (v << 1) | b, 0));
  // de-interleave data codewords
  const blocks: number[][] = [];
  for (const [count, data] of BLOCKS[ecl][version]!) for (let b = 0; b < count; b++) blocks.push(new Array<number>(data));
  let k = 0;
  const maxData = Math.max(...blocks.map((b) => b.length));
  for (let i = 0; i < maxData; i++)
    for (const b of blocks) {
      if (i < b.length) b[i] = codewords[k++]!;
    }
  const data = blocks.flat();
  // segments
  let pos = 0;
  const dataBits = data.flatMap((byte) => [7, 6, 5, 4, 3, 2, 1, 0].map((s) => (byte >> s) & 1));
  const read = (count: number): number => {
    let v = 0;
    for (let i = 0; i < count; i++) v = (v << 1) | (dataBits[pos++] ?? 0);
    return v;
  };
  const small = version <= 9;
  let text = '';
  while (pos + 4 <= dataBits.length) {
    const mode = read(4);
    if (mode === 0) break;
    if (mode === 0b0001) {
      let count = read(small ? 10 : 12);
      while (count >= 3) {
        text += String(read(10)).padStart(3, '0');
        count -= 3;
      }
      if (count === 2) text += String(read(7)).padStart(2, '0');
      else if (count === 1) text += String(read(4));
    } else if (mode === 0b0010) {
      let count = read(small ? 9 : 11);
      while (count >= 2) {
        const v = read(11);
        text += ALNUM[Math.floor(v / 45)]! + ALNUM[v % 45]!;
        count -= 2;
      }
      if (count === 1) text += ALNUM[read(6)]!;
    } else if (mode === 0b0100) {
      const count = read(small ? 8 : 16);
      const bytes: number[] = [];
      for (let i = 0; i < count; i++) bytes.push(read(8));
      text += Buffer.from(bytes).toString('utf8');
    } else throw new Error(`unsupported segment mode ${mode.toString(2)}`);
  }
  return { text, version, ecl };
}
