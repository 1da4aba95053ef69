#!/usr/bin/env node
// Lists the longest busy stretches of one thread in a V8 CPU profile (node --cpu-prof --cpu-prof-interval 1000):
// runs of consecutive samples outside "(idle)" / "(program)", with the wall milliseconds they cover and their top
// frames (the self frames of the stretch's samples, and the application frames they ran under), so a long
// synchronous stretch of the host thread (what makes its event loop wait) is named.
// A busy stretch may hold event-loop turns (setImmediate yields leave no idle sample), so with LATE_FILE (written by
// bench/hostLoop.mjs, HOST_LOOP_LATE) it also lists, for the latest timer ticks, what the thread ran while the tick
// waited: the exact cause of each long delay.
// Usage: node bench/cpuStretches.mjs PROFILE.cpuprofile [N=10] [LATE_FILE]
import { readFileSync } from 'node:fs';

const [file, nText, lateFile] = process.argv.slice(2);
if (!file) {
  process.stderr.write('usage: node bench/cpuStretches.mjs PROFILE.cpuprofile [N]\n');
  process.exit(2);
}
const n = Number(nText ?? 10);
const prof = JSON.parse(readFileSync(file, 'utf8'));
const byId = new Map(prof.nodes.map((x) => [x.id, x]));
const parent = new Map();
for (const x of prof.nodes) for (const c of x.children ?? []) parent.set(c, x.id);
const name = (x) => `${x.callFrame.functionName || '(anon)'} ${(x.callFrame.url || '').replace(/^.*\/(src|dist|node_modules)\//, '$1/')}:${x.callFrame.lineNumber + 1}`;
const idle = (x) => x.callFrame.functionName === '(idle)' || x.callFrame.functionName === '(program)';
// The deepest application frame of a sample (outside node: internals and node_modules), for "where in our code".
function appFrame(id) {
  for (let cur = id; cur !== undefined; cur = parent.get(cur)) {
    const x = byId.get(cur);
    const url = x.callFrame.url || '';
    if (url.includes('/src/') && !url.includes('node_modules')) return name(x);
  }
  return name(byId.get(id));
}
const times = new Float64Array(prof.samples.length);
{
  let at = prof.startTime;
  for (let i = 0; i < prof.samples.length; i++) times[i] = at += prof.timeDeltas[i] ?? 0;
}
const stretches = [];
let t = prof.startTime;
let cur = null;
for (let i = 0; i < prof.samples.length; i++) {
  const dt = prof.timeDeltas[i] ?? 0;
  t += dt;
  const x = byId.get(prof.samples[i]);
  if (idle(x)) {
    if (cur) stretches.push(cur);
    cur = null;
    continue;
  }
  if (!cur) cur = { start: t, end: t, samples: 0, self: new Map(), app: new Map() };
  cur.end = t;
  cur.samples++;
  const s = name(x);
  cur.self.set(s, (cur.self.get(s) ?? 0) + 1);
  const a = appFrame(x.id);
  cur.app.set(a, (cur.app.get(a) ?? 0) + 1);
}
if (cur) stretches.push(cur);
stretches.sort((a, b) => b.samples - a.samples);
const top = (m, k) =>
  [...m.entries()]
    .sort((a, b) => b[1] - a[1])
    .slice(0, k)
    .map(([f, c]) => `${c}× ${f}`);
const total = prof.samples.filter((id) => !idle(byId.get(id))).length;
process.stdout.write(`busy samples ${total}, stretches ${stretches.length}\n`);
for (const s of stretches.slice(0, n)) {
  process.stdout.write(`\n${s.samples} samples, ${((s.end - s.start) / 1000).toFixed(1)} ms wall, at ${((s.start - prof.startTime) / 1e6).toFixed(2)} s\n`);
  for (const l of top(s.self, 4)) process.stdout.write(`   self ${l}\n`);
  for (const l of top(s.app, 4)) process.stdout.write(`   app  ${l}\n`);
}

if (lateFile) {
  const late = JSON.parse(readFileSync(lateFile, 'utf8')).sort((a, b) => b.delayMs - a.delayMs);
  process.stdout.write(`\nlate ticks (> 20 ms): ${late.length}\n`);
  for (const l of late.slice(0, n)) {
    const from = l.atUs - l.delayMs * 1000;
    const self = new Map();
    const app = new Map();
    let count = 0;
    for (let i = 0; i < times.length; i++) {
      if (times[i] < from || times[i] > l.atUs) continue;
      const x = byId.get(prof.samples[i]);
      if (idle(x)) continue;
      count++;
      const s = name(x);
      self.set(s, (self.get(s) ?? 0) + 1);
      const a = appFrame(x.id);
      app.set(a, (app.get(a) ?? 0) + 1);
    }
    process.stdout.write(`\n${l.delayMs} ms late (${l.phase}) at ${((from - prof.startTime) / 1e6).toFixed(2)} s: ${count} busy samples\n`);
    for (const t of top(self, 5)) process.stdout.write(`   self ${t}\n`);
    for (const t of top(app, 5)) process.stdout.write(`   app  ${t}\n`);
  }
}
