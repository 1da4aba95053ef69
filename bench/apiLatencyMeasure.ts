/** The measure shared by bench/apiLatency.ts and its smoke test: API calls over HTTP while a backup runs. */
import http from 'node:http';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import type { ServeApp } from '../src/serve/index.js';

function call(app: ServeApp, method: string, args: unknown[] = []): Promise<{ ms: number; status: number; body: string }> {
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const body = JSON.stringify({ args });
    const req = http.request(
      {
        host: '127.0.0.1',
        port: app.port,
        method: 'POST',
        path: `/api/${method}`,
        headers: { Host: `127.0.0.1:${app.port}`, Authorization: `Bearer ${app.token}`, 'Content-Type': 'application/json' },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ ms: performance.now() - started, status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

const pct = (sorted: number[], p: number): number => sorted[Math.min(sorted.length - 1, Math.ceil(p * sorted.length) - 1)] ?? 0;

export interface LatencyRow {
  readonly method: string;
  readonly count: number;
  readonly p50: number;
  readonly p95: number;
  readonly max: number;
}

export interface BackupMeasure {
  readonly rows: LatencyRow[];
  /** The backup's wall time and the CPU time of this process meanwhile (user + system, worker threads included). */
  readonly backup: { wallMs: number; cpuMs: number };
  /** Event-loop delay of this process while the backup ran. */
  readonly loop: { p99Ms: number; maxMs: number };
}

/**
 * Sets the source, starts a backup (not awaited), and while it runs calls each dashboard method in turn, up to
 * `calls` rounds, `pauseMs` apart (bounded: it stops when the backup ends). Returns the latency per method; the
 * backup's result is awaited before returning.
 */
export async function measureDuringBackup(app: ServeApp, sourceUrl: string, calls: number, pauseMs = 0): Promise<BackupMeasure> {
  const setup = [await call(app, 'init', [{ useKeychain: false }]), await call(app, 'updateSettings', [{ source: { url: sourceUrl, auth: { kind: 'none' } } }])];
  for (const s of setup) if (s.status !== 200) throw new Error(`setup failed: ${s.body.slice(0, 200)}`);
  let running = true;
  const delay = monitorEventLoopDelay({ resolution: 10 });
  delay.enable();
  const cpu0 = process.cpuUsage();
  const wall0 = performance.now();
  const backup = call(app, 'backupNow').finally(() => (running = false));
  // Wait until the backup runs (its task is listed), bounded.
  for (let i = 0; i < 200 && running; i++) {
    const tasks = await call(app, 'listTasks');
    if (tasks.body.includes('"backup"')) break;
    await new Promise((r) => setTimeout(r, 25));
  }
  const methods = ['status', 'snapshots', 'listTasks'];
  const times = new Map<string, number[]>(methods.map((m) => [m, []]));
  for (let i = 0; i < calls && running; i++) {
    for (const m of methods) {
      const r = await call(app, m);
      if (r.status !== 200) throw new Error(`${m}: HTTP ${r.status} ${r.body.slice(0, 200)}`);
      if (running) times.get(m)?.push(r.ms);
    }
    if (pauseMs > 0 && running) await new Promise((r) => setTimeout(r, pauseMs));
  }
  const done = await backup;
  const wallMs = performance.now() - wall0;
  const cpu = process.cpuUsage(cpu0);
  delay.disable();
  if (done.status !== 200) throw new Error(`backup failed: ${done.body.slice(0, 200)}`);
  const rows = methods.map((method) => {
    const sorted = [...(times.get(method) ?? [])].sort((a, b) => a - b);
    return { method, count: sorted.length, p50: pct(sorted, 0.5), p95: pct(sorted, 0.95), max: sorted.at(-1) ?? 0 };
  });
  return { rows, backup: { wallMs, cpuMs: (cpu.user + cpu.system) / 1000 }, loop: { p99Ms: delay.percentile(99) / 1e6, maxMs: delay.max / 1e6 } };
}
