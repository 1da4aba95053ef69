/**
 * API latency while a backup runs (`npm run bench:api`): serve (HTTP, as the browser calls it) on a sandbox of
 * `--patients` synthetic patients; a backup starts, and while it runs the dashboard's calls (status, snapshots,
 * listTasks) are made one after another; the table gives p50, p95 and max per call. The bar: < 200 ms p95.
 * test/serve/responsive.test.ts runs the same measure small, with a generous bound, as a smoke check only.
 *
 * Options: --patients N (default 2000), --calls N per method (default 60).
 */
import { mkdir } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { startSandbox } from '../src/index.js';
import { startServeApp } from '../src/serve/index.js';
import { measureDuringBackup } from './apiLatencyMeasure.js';

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : fallback;
}

const patients = arg('patients', 2000);
const calls = arg('calls', 60);
const dir = await mkdtemp(path.join(os.tmpdir(), 'cb-bench-api-'));
try {
  const source = await startSandbox({ port: 0, patients, seed: 5 });
  const repo = path.join(dir, 'repo');
  await mkdir(repo);
  const passwordFile = path.join(dir, 'password');
  await writeFile(passwordFile, 'bench-passphrase-api\n', { mode: 0o600 });
  const app = await startServeApp({ repo, locale: 'pt-BR', engine: { passwordFile, secretsDir: path.join(dir, 'secrets'), stateDir: path.join(dir, 'state') }, rendererDir: dir });
  try {
    const rows = await measureDuringBackup(app, source.url, calls);
    console.log(`API latency while a backup of ${patients} patients runs (HTTP, ms)`);
    console.log('method        calls   p50     p95     max');
    for (const r of rows) console.log(`${r.method.padEnd(13)} ${String(r.count).padEnd(7)} ${r.p50.toFixed(1).padEnd(7)} ${r.p95.toFixed(1).padEnd(7)} ${r.max.toFixed(1)}`);
  } finally {
    await app.close();
    await source.close();
  }
} finally {
  await rm(dir, { recursive: true, force: true });
}
