#!/usr/bin/env node
// Where a first backup's memory goes, over the run (docs/benchmarks.md, "Peak RSS"): the engine hosted in this
// process (compiled code, dist/), a first backup of DATA_DIR into a fresh repository, sampled every 0.5 s: resident
// memory, the host's V8 heap spaces (new, old), the pool worker's heap, array buffers, and glibc's main heap from
// /proc/self/smaps (Linux). Prints the samples at 1/3 and 2/3 of the resources, at the end of the ingest and the
// commit's peak, and the growth in MB per 100k resources between the first and the last of those.
// Usage: MALLOC_ARENA_MAX=2 node bench/memTrace.mjs DATA_DIR|FHIR_URL [--trace FILE.json] [--smaps] (--smaps: resident memory by kind of mapping; a URL: a bulk-export backup
// over HTTP, e.g. of `node --experimental-websocket --import tsx bench/fhir.ts --serve-sandbox --patients 8084`)
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { closeSync, openSync, readFileSync, readSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import v8 from 'node:v8';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const { createEngine } = await import(path.join(root, 'dist', 'src', 'index.js'));
const { WorkerPool } = await import(path.join(root, 'dist', 'src', 'pool', 'index.js'));
const args = process.argv.slice(2);
const data = args[0];
if (!data) throw new Error('usage: node bench/memTrace.mjs DATA_DIR [--trace FILE.json]');
const traceFile = args.indexOf('--trace') >= 0 ? args[args.indexOf('--trace') + 1] : null;
const MB = 1048576;

/**
 * /proc/self/smaps read into one reused buffer: read as a string every half second it made hundreds of KB of
 * large-object garbage per sample in the very heap being measured (the earlier "growth over HTTP" was partly that).
 */
let smapsBuf = Buffer.alloc(4 * MB);
function readSmaps() {
  try {
    const fd = openSync('/proc/self/smaps', 'r');
    try {
      let len = 0;
      for (;;) {
        if (len === smapsBuf.length) {
          const grown = Buffer.alloc(smapsBuf.length * 2);
          smapsBuf.copy(grown);
          smapsBuf = grown;
        }
        const n = readSync(fd, smapsBuf, len, smapsBuf.length - len, null);
        if (n === 0) return smapsBuf.subarray(0, len);
        len += n;
      }
    } finally {
      closeSync(fd);
    }
  } catch {
    return null; // no /proc
  }
}

const RSS_KB = /Rss:\s+(\d+) kB/;

/** Resident MB of glibc's main heap ([heap]); 0 where /proc is missing. */
function brkMb() {
  const smaps = readSmaps();
  const at = smaps ? smaps.indexOf('[heap]') : -1;
  if (at < 0) return 0;
  const m = RSS_KB.exec(smaps.toString('latin1', at, Math.min(smaps.length, at + 400)));
  return m ? Math.round(Number(m[1]) / 1024) : 0;
}

/** Resident KB per kind of mapping of this process (for --smaps: what grew). */
function mappings() {
  const out = new Map();
  const smaps = readSmaps();
  if (!smaps) return out;
  let key = '';
  for (let start = 0; start < smaps.length;) {
    let nl = smaps.indexOf(10, start);
    if (nl < 0) nl = smaps.length;
    const line = smaps.toString('latin1', start, nl);
    start = nl + 1;
    const head = /^([0-9a-f]+-[0-9a-f]+) \S+ \S+ \S+ \S+\s*(.*)$/.exec(line);
    if (head) {
      const [lo, hi] = head[1].split('-').map((h) => parseInt(h, 16));
      const kb = Math.round((hi - lo) / 1024);
      const name = head[2] || '(anon)';
      // One category per kind: the main heap, the file mappings, and anonymous mappings by reserved size.
      key = name.startsWith('[') ? name : name !== '(anon)' ? 'files' : kb <= 1024 ? 'anon ≤ 1 MiB (V8 pages, buffers)' : kb < 60000 ? 'anon 1–60 MiB' : 'anon ≥ 60 MiB (malloc arenas)';
      continue;
    }
    const rss = /^Rss:\s+(\d+) kB/.exec(line);
    if (rss && key) out.set(key, (out.get(key) ?? 0) + Number(rss[1]));
  }
  return out;
}
const smapsAt = args.includes('--smaps') ? [] : null;

const state = await mkdtemp(path.join(os.tmpdir(), 'mem-trace-'));
try {
  const passwordFile = path.join(state, 'password');
  await writeFile(passwordFile, 'mem-trace-bench\n', { mode: 0o600 });
  const engine = createEngine({ repo: path.join(state, 'repo'), passwordFile, stateDir: state });
  await engine.init({ useKeychain: false });
  let done = 0;
  let phase = '';
  engine.subscribe((e) => {
    if (e.type !== 'progress') return;
    if (e.unit === 'resources') done = e.done;
    phase = e.phase;
  });
  let worker = { heapTotal: 0, external: 0 };
  const samples = [];
  const t0 = Date.now();
  const timer = setInterval(() => {
    const m = process.memoryUsage();
    const spaces = Object.fromEntries(v8.getHeapSpaceStatistics().map((s) => [s.space_name, Math.round(s.space_size / MB)]));
    samples.push({
      s: (Date.now() - t0) / 1000,
      phase,
      done,
      rss: Math.round(m.rss / MB),
      hostNew: spaces.new_space ?? 0,
      hostOld: spaces.old_space ?? 0,
      arrayBuffers: Math.round(m.arrayBuffers / MB),
      workerHeap: Math.round(worker.heapTotal / MB),
      workerExternal: Math.round(worker.external / MB),
      brk: brkMb(),
    });
    if (smapsAt && phase !== 'commit') smapsAt.push({ done, map: mappings() });
    WorkerPool.background()
      .run('stats', 0, {})
      .then(
        (r) => (worker = r),
        () => undefined,
      );
  }, 500);
  const cpu0 = process.cpuUsage();
  // A FHIR server's URL: a bulk-export backup over HTTP (the FHIR benchmark's path); otherwise a folder of NDJSON.
  if (/^https?:\/\//.test(data)) await engine.backupFhir({ source: data, auth: { kind: 'none' }, strategy: 'bulk-export' });
  else await engine.backupNdjson(data);
  clearInterval(timer);
  const cpu = process.cpuUsage(cpu0);
  await engine.close();
  const hwm = Number(/VmHWM:\s+(\d+)/.exec(readFileSync('/proc/self/status', 'utf8'))?.[1] ?? 0) / 1024;
  if (traceFile) writeFileSync(traceFile, JSON.stringify(samples));
  const total = done;
  const ingest = samples.filter((x) => x.phase !== 'commit' && x.done > 0);
  const at = (f) => ingest.find((x) => x.done >= f * total) ?? ingest[ingest.length - 1];
  const commit = samples.filter((x) => x.phase === 'commit');
  const peak = commit.reduce((a, x) => (x.rss > (a?.rss ?? -1) ? x : a), null);
  const rows = [
    ['1/3', at(1 / 3)],
    ['2/3', at(2 / 3)],
    ['end of ingest', ingest[ingest.length - 1]],
    ['commit peak', peak],
  ];
  console.log('| when | resources | RSS MB | host new / old space MB | worker heap MB | array buffers MB | glibc main heap MB |');
  console.log('|---|---|---|---|---|---|---|');
  for (const [label, x] of rows) if (x) console.log(`| ${label} | ${x.done} | ${x.rss} | ${x.hostNew} / ${x.hostOld} | ${x.workerHeap} | ${x.arrayBuffers} | ${x.brk} |`);
  const a = at(1 / 3);
  const b = ingest[ingest.length - 1];
  if (a && b && b.done > a.done) console.log(`RSS growth from 1/3 to the end of the ingest: ${(((b.rss - a.rss) * 1e5) / (b.done - a.done)).toFixed(2)} MB per 100k resources`);
  if (smapsAt && a && b) {
    // What grew between 1/3 and the end of the ingest, mapping by mapping (resident KB).
    const near = (d) => smapsAt.reduce((best, x) => (Math.abs(x.done - d) < Math.abs(best.done - d) ? x : best), smapsAt[0]);
    const m0 = near(a.done).map;
    const m1 = near(b.done).map;
    const grew = [...new Set([...m0.keys(), ...m1.keys()])].map((k) => [k, (m1.get(k) ?? 0) - (m0.get(k) ?? 0)]).sort((x, y) => Math.abs(y[1]) - Math.abs(x[1]));
    console.log('resident memory by kind of mapping, 1/3 → end of ingest (MB):');
    for (const [k, d] of grew.slice(0, 8))
      console.log(`  ${((m0.get(k) ?? 0) / 1024).toFixed(1).padStart(7)} → ${((m1.get(k) ?? 0) / 1024).toFixed(1).padStart(7)}  ${d >= 0 ? '+' : ''}${(d / 1024).toFixed(1)}  ${k}`);
  }
  console.log(`peak RSS (VmHWM) ${hwm.toFixed(0)} MB; ${total} resources; ${((cpu.user + cpu.system) / 1e6).toFixed(2)} CPU s of this process`);
} finally {
  await rm(state, { recursive: true, force: true });
}
