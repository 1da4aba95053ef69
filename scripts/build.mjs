// Builds what ships: the compiled JavaScript in dist/ (tsc over tsconfig.build.json: src/ and main/) and the
// renderer in renderer/dist/ (vite). `ensureBuilt()` builds each one only when it is missing or older than its
// sources; the README's set-up commands (`npm run demo`, `npm test`) call it through ensure-deps.mjs.
//   node scripts/build.mjs             build dist/ now (npm run build)
//   node scripts/build.mjs --if-stale  build dist/ and the renderer when missing or older than their sources
//   node scripts/build.mjs --dist-if-stale  the same for dist/ only
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const DIST = path.join(root, 'dist');
/** Written after a successful build of dist/: its time is the build's. */
const DIST_STAMP = path.join(DIST, '.build-stamp');
const RENDERER_OUT = path.join(root, 'renderer', 'dist', 'index.html');

function log(msg) {
  process.stderr.write(`[setup] ${msg}\n`);
}

/** The newest modification time among files under `entries` (folders walked; `skip` folders left out). */
function newest(entries, skip = new Set()) {
  let max = 0;
  const visit = (p) => {
    if (!existsSync(p)) return;
    const st = statSync(p);
    if (st.isDirectory()) {
      if (skip.has(p)) return;
      for (const name of readdirSync(p)) visit(path.join(p, name));
    } else max = Math.max(max, st.mtimeMs);
  };
  for (const e of entries) visit(path.join(root, e));
  return max;
}

function mtime(file) {
  return existsSync(file) ? statSync(file).mtimeMs : 0;
}

/** True when dist/ is missing or older than src/, main/ or the TypeScript settings. */
export function distStale() {
  return mtime(DIST_STAMP) < newest(['src', 'main', 'tsconfig.json', 'tsconfig.build.json', 'package.json']);
}

/** True when renderer/dist is missing or older than the renderer's sources (or the shared types it uses). */
export function rendererStale() {
  if (!existsSync(path.join(root, 'renderer', 'vite.config.ts'))) return false;
  return mtime(RENDERER_OUT) < newest(['renderer', 'src/shared', 'package.json'], new Set([path.join(root, 'renderer', 'dist')]));
}

function run(label, args) {
  const started = Date.now();
  const r = spawnSync(process.execPath, args, { cwd: root, stdio: ['ignore', 'inherit', 'inherit'] });
  if (r.status !== 0) {
    log(`${label} failed`);
    process.exit(r.status ?? 1);
  }
  log(`${label}: done in ${((Date.now() - started) / 1000).toFixed(1)} s`);
}

/** Compiles src/ and main/ into dist/ from scratch (no file of a removed source is left behind). */
export function buildDist() {
  log('compiling the TypeScript sources into dist/ (tsc)…');
  rmSync(DIST, { recursive: true, force: true });
  run('dist/', [path.join(root, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', 'tsconfig.build.json']);
  writeFileSync(DIST_STAMP, `${new Date().toISOString()}\n`);
}

export function buildRenderer() {
  log('building the interface into renderer/dist (vite)…');
  run('renderer/dist', [path.join(root, 'node_modules', 'vite', 'bin', 'vite.js'), 'build', '--config', 'renderer/vite.config.ts', '--logLevel', 'warn']);
}

/** Builds dist/ (and the renderer unless `renderer` is false) when missing or older than the sources. */
export function ensureBuilt({ renderer = true } = {}) {
  if (distStale()) buildDist();
  if (renderer && rendererStale()) buildRenderer();
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  if (process.argv.includes('--if-stale')) ensureBuilt();
  else if (process.argv.includes('--dist-if-stale')) ensureBuilt({ renderer: false });
  else buildDist();
}
