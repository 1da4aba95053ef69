/**
 * Chunker benchmark: `node --import tsx bench/chunker.ts [--size 512MB] [--edit-size 64MB]`.
 *
 * 1. Speed: the boundary search alone (one in-memory buffer) and the streaming chunker (1 MiB pieces in, fresh
 *    chunk Buffers out), on random bytes, with the default parameters: MB/s (wall) and CPU seconds.
 * 2. The chunk size distribution of the default parameters.
 * 3. Parameter choice: for candidate (min/avg/max) sets, what typical clinic edits cost: the bytes of chunks not
 *    already stored after the edit (what the next backup adds before compression) against the chunk count per
 *    100 GB (each chunk costs an index entry, a blob header and an id in its file's entry).
 *    - document: a 64 MB binary file with 100 bytes inserted at 5 places;
 *    - SQLite pages: a 64 MB file of 4 KiB pages with 1 % of the pages rewritten in place, scattered
 *      (what a database file or an online SQLite copy looks like after a day of work);
 *    - SQL dump: a 64 MB text dump (INSERT lines) with 1 % new rows at the end of a table in the middle, or with
 *      0.01 % of the rows updated, scattered (mysqldump after a day);
 *    - append: 1 MB appended to a 64 MB file (logs, growing archives).
 * Everything is generated from a fixed seed; MB = 10^6 bytes. Not a test: nothing here asserts a time.
 */
import { createCipheriv, createHash } from 'node:crypto';
import { parseArgs } from 'node:util';
import { chunkerConfig, chunkLengths, chunkStream, DEFAULT_CHUNKER_PARAMS, type ChunkerParams } from '../src/repository/chunker.js';
import { machine, parseSize } from './common.js';

const KEY = createHash('sha256').update('bench chunker key').digest();
const KiB = 1024;
const MiB = 1024 * 1024;

const { values } = parseArgs({
  options: {
    size: { type: 'string', default: '512MB' },
    'edit-size': { type: 'string', default: '64MB' },
  },
});
const SIZE = parseSize(values.size!);
const EDIT_SIZE = parseSize(values['edit-size']!);

function random(bytes: number, seed: string): Buffer {
  const key = createHash('sha256').update(seed).digest();
  return createCipheriv('aes-256-ctr', key, Buffer.alloc(16)).update(Buffer.alloc(bytes));
}

/** A deterministic sequence of numbers in [0, n). */
function picker(seed: string): (n: number) => number {
  const bytes = random(1 << 20, seed);
  let at = 0;
  return (n) => {
    if (at + 4 > bytes.length) at = 0;
    const v = bytes.readUInt32LE(at);
    at += 4;
    return v % n;
  };
}

function timed<T>(fn: () => T): { value: T; wall: number; cpu: number } {
  const c0 = process.cpuUsage();
  const t0 = process.hrtime.bigint();
  const value = fn();
  const wall = Number(process.hrtime.bigint() - t0) / 1e9;
  const c = process.cpuUsage(c0);
  return { value, wall, cpu: (c.user + c.system) / 1e6 };
}

async function timedAsync<T>(fn: () => Promise<T>): Promise<{ value: T; wall: number; cpu: number }> {
  const c0 = process.cpuUsage();
  const t0 = process.hrtime.bigint();
  const value = await fn();
  const wall = Number(process.hrtime.bigint() - t0) / 1e9;
  const c = process.cpuUsage(c0);
  return { value, wall, cpu: (c.user + c.system) / 1e6 };
}

async function* pieces(data: Buffer, size: number): AsyncGenerator<Buffer> {
  for (let off = 0; off < data.length; off += size) yield data.subarray(off, Math.min(off + size, data.length));
}

const fmtMiB = (b: number): string => `${(b / MiB).toFixed(2)} MiB`;
const fmtParams = (p: ChunkerParams): string => `${p.minBytes / KiB} K / ${p.avgBytes / KiB} K / ${p.maxBytes / KiB} K`;

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((sorted.length - 1) * p))]!;
}

async function speed(): Promise<void> {
  const cfg = chunkerConfig(KEY, DEFAULT_CHUNKER_PARAMS);
  const data = random(SIZE, 'speed');
  chunkLengths(cfg, data.subarray(0, 64 * MiB)); // warm the JIT
  console.log(`\n## Speed (${(SIZE / 1e6).toFixed(0)} MB of random bytes, parameters ${fmtParams(DEFAULT_CHUNKER_PARAMS)})\n`);
  console.log('| what | MB/s (wall) | CPU s | wall s |');
  console.log('| --- | ---: | ---: | ---: |');
  const search = timed(() => chunkLengths(cfg, data));
  console.log(`| boundary search (skips the first min bytes of each chunk) | ${(SIZE / 1e6 / search.wall).toFixed(0)} | ${search.cpu.toFixed(2)} | ${search.wall.toFixed(2)} |`);
  const every = chunkerConfig(KEY, { minBytes: 64, avgBytes: MiB, maxBytes: 8 * MiB });
  const full = timed(() => chunkLengths(every, data));
  console.log(`| gear hash over every byte (min = 64 B) | ${(SIZE / 1e6 / full.wall).toFixed(0)} | ${full.cpu.toFixed(2)} | ${full.wall.toFixed(2)} |`);
  const stream = await timedAsync(async () => {
    let n = 0;
    for await (const c of chunkStream(pieces(data, MiB), cfg)) n += c.length;
    return n;
  });
  console.log(`| streaming chunker, 1 MiB reads, chunks copied out | ${(SIZE / 1e6 / stream.wall).toFixed(0)} | ${stream.cpu.toFixed(2)} | ${stream.wall.toFixed(2)} |`);

  const sizes = [...search.value.slice(0, -1)].sort((a, b) => a - b);
  const mean = sizes.reduce((a, b) => a + b, 0) / sizes.length;
  const atMax = sizes.filter((s) => s === DEFAULT_CHUNKER_PARAMS.maxBytes).length;
  console.log(`\n## Chunk sizes (${sizes.length} chunks, last one excluded)\n`);
  console.log('| mean | min | p10 | p50 | p90 | p99 | max | cut at max |');
  console.log('| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |');
  console.log(
    `| ${fmtMiB(mean)} | ${fmtMiB(sizes[0]!)} | ${fmtMiB(percentile(sizes, 0.1))} | ${fmtMiB(percentile(sizes, 0.5))} | ${fmtMiB(percentile(sizes, 0.9))} | ${fmtMiB(percentile(sizes, 0.99))} | ${fmtMiB(sizes[sizes.length - 1]!)} | ${atMax} |`,
  );
}

interface Scenario {
  readonly name: string;
  readonly before: Buffer;
  readonly after: Buffer;
  /** Bytes the edit itself touched. */
  readonly changed: number;
}

function scenarios(): Scenario[] {
  const out: Scenario[] = [];
  const pick = picker('edits');

  const doc = random(EDIT_SIZE, 'document');
  const spots = Array.from({ length: 5 }, () => pick(doc.length)).sort((a, b) => a - b);
  const parts: Buffer[] = [];
  let prev = 0;
  for (const [i, s] of spots.entries()) {
    parts.push(doc.subarray(prev, s), random(100, `insert${i}`));
    prev = s;
  }
  parts.push(doc.subarray(prev));
  out.push({ name: 'document: 5 × 100 B inserted', before: doc, after: Buffer.concat(parts), changed: 500 });

  const PAGE = 4096;
  const db = random(EDIT_SIZE - (EDIT_SIZE % PAGE), 'sqlite');
  const pages = db.length / PAGE;
  const edited = Buffer.from(db);
  const touched = new Set<number>();
  while (touched.size < Math.ceil(pages / 100)) touched.add(pick(pages));
  for (const p of touched) random(PAGE, `page${p}`).copy(edited, p * PAGE);
  out.push({ name: 'SQLite: 1 % of 4 KiB pages rewritten', before: db, after: edited, changed: touched.size * PAGE });

  const lines: string[] = [];
  let bytes = 0;
  const letters = random(EDIT_SIZE, 'sql');
  const row = (i: number, extra = 0): string => {
    const at = (i * 40) % (letters.length - 40);
    const name = Array.from(letters.subarray(at, at + 24), (b) => String.fromCharCode(97 + (b % 26))).join('');
    return `INSERT INTO paciente VALUES (${i},'${name}','19${10 + (i % 90)}-0${1 + (i % 9)}-1${i % 10}',${((i * 7919) % 100000) + extra});\n`;
  };
  for (let i = 0; bytes < EDIT_SIZE; i++) {
    lines.push(row(i));
    bytes += lines[i]!.length;
  }
  const dump = Buffer.from(lines.join(''));
  // A day of work: 1 % new rows at the end of a table in the middle of the dump, and 0.01 % of rows updated.
  const tableEnd = Math.floor(lines.length / 2);
  const added = Array.from({ length: Math.ceil(lines.length / 100) }, (_, k) => row(lines.length + k));
  const inserted = [...lines.slice(0, tableEnd), ...added, ...lines.slice(tableEnd)];
  out.push({ name: 'SQL dump: 1 % new rows', before: dump, after: Buffer.from(inserted.join('')), changed: added.join('').length });
  const updated = new Set<number>();
  while (updated.size < Math.ceil(lines.length / 10_000)) updated.add(pick(lines.length));
  let updatedBytes = 0;
  const withUpdates = lines.map((l, i) => {
    if (!updated.has(i)) return l;
    const n = row(i, 1234567);
    updatedBytes += n.length;
    return n;
  });
  out.push({ name: 'SQL dump: 0.01 % rows updated', before: dump, after: Buffer.from(withUpdates.join('')), changed: updatedBytes });

  const log = random(EDIT_SIZE, 'append');
  out.push({ name: 'append: 1 MB added', before: log, after: Buffer.concat([log, random(1e6, 'appended')]), changed: 1e6 });
  return out;
}

function chunkIds(params: ChunkerParams, data: Buffer): Map<string, number> {
  const cfg = chunkerConfig(KEY, params);
  const out = new Map<string, number>();
  let off = 0;
  for (const l of chunkLengths(cfg, data)) {
    out.set(
      createHash('sha256')
        .update(data.subarray(off, off + l))
        .digest('hex'),
      l,
    );
    off += l;
  }
  return out;
}

function parameterChoice(): void {
  const candidates: ChunkerParams[] = [
    { minBytes: 64 * KiB, avgBytes: 128 * KiB, maxBytes: 1 * MiB },
    { minBytes: 128 * KiB, avgBytes: 256 * KiB, maxBytes: 2 * MiB },
    { minBytes: 256 * KiB, avgBytes: 512 * KiB, maxBytes: 4 * MiB },
    { minBytes: 512 * KiB, avgBytes: 1 * MiB, maxBytes: 8 * MiB },
    { minBytes: 1 * MiB, avgBytes: 2 * MiB, maxBytes: 16 * MiB },
  ];
  const cases = scenarios();
  console.log(`\n## Parameters: bytes a change adds (new chunks) against chunk count\n`);
  console.log(`Files of ${(EDIT_SIZE / 1e6).toFixed(0)} MB. "adds" = bytes of chunks not in the first version (before compression).\n`);
  const changed = (b: number): string => (b < 1e6 ? `${(b / 1e3).toFixed(1)} kB` : `${(b / 1e6).toFixed(2)} MB`);
  console.log(`| min / avg / max | mean chunk | chunks per 100 GB | ${cases.map((c) => `${c.name} (${changed(c.changed)} changed): adds`).join(' | ')} |`);
  console.log(`| --- | ---: | ---: | ${cases.map(() => '---:').join(' | ')} |`);
  for (const p of candidates) {
    const cells: string[] = [];
    let count = 0;
    let total = 0;
    for (const c of cases) {
      const before = chunkIds(p, c.before);
      const after = chunkIds(p, c.after);
      let added = 0;
      for (const [id, l] of after) if (!before.has(id)) added += l;
      count += before.size;
      total += c.before.length;
      cells.push(`${(added / 1e6).toFixed(2)} MB (${((100 * added) / c.after.length).toFixed(1)} %)`);
    }
    const mean = total / count;
    console.log(`| ${fmtParams(p)} | ${fmtMiB(mean)} | ${Math.round(100e9 / mean).toLocaleString('en')} | ${cells.join(' | ')} |`);
  }
}

console.log('# Chunker benchmark (bench/chunker.ts)\n');
console.log(machine([]).join('\n'));
await speed();
parameterChoice();
