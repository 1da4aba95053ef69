#!/usr/bin/env node
// The engine hosted in this process, as the desktop app hosts it: a first backup through the engine API while
// perf_hooks measures this process's event-loop delay (the tray and the UI would wait that long). Compiled code.
// One histogram for the whole backup and one per phase: "ingest" (reading, hashing, sealing the data) until the
// first commit progress event, then "commit" (merging the run's rows, writing the tree and the snapshot).
// Also prints the process's CPU seconds (all threads) and the longest loop turn seen by a 1 ms timer.
// With HOST_LOOP_LATE=FILE, every tick later than 20 ms is written to FILE (monotonic µs of the tick, delay ms,
// phase), for bench/cpuStretches.mjs to name what ran meanwhile in a --cpu-prof profile of this process.
// With CHANGED_DIR (the same files after a change), DATA_DIR is backed up first, unmeasured, and the measured backup
// is the one of CHANGED_DIR with it as parent (a daily backup's commit: the parent's rows are analysed).
// Usage: node bench/hostLoop.mjs DATA_DIR REPO_DIR [CHANGED_DIR]
//   → {"p99":…,"max":…,"mean":…,"wallS":…,"cpuS":…,"ingest":{p99,max,mean},"commit":{…}} (milliseconds)
import { mkdtemp, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { createHistogram, monitorEventLoopDelay } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const { createEngine } = await import(path.join(root, 'dist', 'src', 'index.js'));
const [data, repo, changed] = process.argv.slice(2);
const state = await mkdtemp(path.join(os.tmpdir(), 'host-loop-'));
const passwordFile = path.join(state, 'password');
await writeFile(passwordFile, 'host-loop-bench\n', { mode: 0o600 });
const engine = createEngine({ repo, passwordFile, stateDir: state });
await engine.init({ useKeychain: false });
if (changed) await engine.backupNdjson(data);
const h = monitorEventLoopDelay({ resolution: 10 });
// Per phase: the delay of a 10 ms interval timer (how late each tick fired), recorded into the phase's histogram.
const phases = { ingest: createHistogram(), commit: createHistogram() };
let phase = 'ingest';
const late = [];
let expected = performance.now() + 10;
const timer = setInterval(() => {
  const now = performance.now();
  const delay = now - expected;
  phases[phase].record(Math.max(1, Math.round(delay * 1e6)));
  if (delay > 20) late.push({ atUs: Number(process.hrtime.bigint() / 1000n), delayMs: Math.round(delay * 10) / 10, phase });
  expected = now + 10;
}, 10);
h.enable();
const started = Date.now();
const cpu0 = process.cpuUsage();
await engine.backupNdjson(changed ?? data, {
  onProgress: (e) => {
    if (e.phase === 'commit') phase = 'commit';
  },
});
const cpu = process.cpuUsage(cpu0);
h.disable();
clearInterval(timer);
const wallS = (Date.now() - started) / 1000;
await engine.close();
if (process.env['HOST_LOOP_LATE']) await writeFile(process.env['HOST_LOOP_LATE'], JSON.stringify(late));
const ms = (x) => Math.round(x * 10) / 10;
const summary = (x) => ({ p99: ms(x.percentile(99) / 1e6), max: ms(x.max / 1e6), mean: ms(x.mean / 1e6), n: x.count });
process.stdout.write(
  JSON.stringify({
    p99: ms(h.percentile(99) / 1e6),
    max: ms(h.max / 1e6),
    mean: ms(h.mean / 1e6),
    wallS,
    cpuS: ms((cpu.user + cpu.system) / 1e6),
    ingest: summary(phases.ingest),
    commit: summary(phases.commit),
  }) + '\n',
);
