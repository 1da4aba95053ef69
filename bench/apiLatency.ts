/**
 * API latency while a backup runs (`npm run bench:api`): serve (HTTP, as the browser calls it) backs up a sandbox of
 * `--patients` synthetic patients. The sandbox runs in a child process (`--serve-sandbox`), as the clinic's server
 * runs on another machine: its work must not be counted as the engine's. While the backup runs, the dashboard's
 * calls (status, snapshots, listTasks) are made in rounds, one round every 100 ms, until the backup ends; the table
 * gives p50, p95 and max per call, the event-loop delay of the engine's process, and the backup's wall and CPU time.
 * The bar: < 200 ms p95. test/serve/responsive.test.ts runs the same measure small, as a smoke check only.
 *
 * Options: --patients N (default 2000), --calls N: at most N rounds (default 2000).
 */
import { spawn } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { startSandbox } from '../src/index.js';
import { startServeApp } from '../src/serve/index.js';
import { measureDuringBackup } from './apiLatencyMeasure.js';

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : fallback;
}

const SELF = fileURLToPath(import.meta.url);
const patients = arg('patients', 2000);
const calls = arg('calls', 2000);

if (process.argv.includes('--serve-sandbox')) {
  // The child: serve the sandbox, print its address, stop when the parent closes stdin.
  const source = await startSandbox({ port: 0, patients, seed: 5 });
  process.stdout.write(JSON.stringify({ url: source.url }) + '\n');
  process.stdin.resume();
  await new Promise<void>((resolve) => process.stdin.once('end', () => resolve()));
  await source.close();
} else {
  const child = spawn(process.execPath, ['--import', 'tsx', SELF, '--serve-sandbox', '--patients', String(patients)], { stdio: ['pipe', 'pipe', 'inherit'] });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const dir = await mkdtemp(path.join(os.tmpdir(), 'cb-bench-api-'));
  try {
    const first = await new Promise<string>((resolve, reject) => {
      const lines = createInterface({ input: child.stdout });
      lines.once('line', resolve);
      child.once('exit', (code) => reject(new Error(`the sandbox child exited (${code})`)));
    });
    const { url } = JSON.parse(first) as { url: string };
    const repo = path.join(dir, 'repo');
    await mkdir(repo);
    const passwordFile = path.join(dir, 'password');
    await writeFile(passwordFile, 'bench-passphrase-api\n', { mode: 0o600 });
    const app = await startServeApp({ repo, locale: 'pt-BR', engine: { passwordFile, secretsDir: path.join(dir, 'secrets'), stateDir: path.join(dir, 'state') }, rendererDir: dir });
    try {
      const { rows, backup, loop } = await measureDuringBackup(app, url, calls, 100);
      console.log(`API latency while a backup of ${patients} patients runs (HTTP, ms; the FHIR server in another process)`);
      console.log('method        calls   p50     p95     max');
      for (const r of rows) console.log(`${r.method.padEnd(13)} ${String(r.count).padEnd(7)} ${r.p50.toFixed(1).padEnd(7)} ${r.p95.toFixed(1).padEnd(7)} ${r.max.toFixed(1)}`);
      console.log(`event-loop delay of the engine's process during the backup: p99 ${loop.p99Ms.toFixed(1)} ms, max ${loop.maxMs.toFixed(1)} ms`);
      console.log(
        `backup: ${(backup.wallMs / 1000).toFixed(1)} s wall, ${(backup.cpuMs / 1000).toFixed(1)} s CPU (user + system of the engine's process, workers included); ${os.cpus().length} cores`,
      );
    } finally {
      await app.close();
    }
  } finally {
    child.stdin.end();
    const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
    await exited;
    clearTimeout(timer);
    await rm(dir, { recursive: true, force: true });
  }
}
