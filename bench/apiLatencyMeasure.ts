/** The measure shared by bench/apiLatency.ts and its smoke test: API calls over HTTP while a backup runs. */
import http from 'node:http';
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

/**
 * Sets the source, starts a backup (not awaited), and while it runs calls each dashboard method in turn, up to
 * `calls` times each (bounded: it stops when the backup ends). Returns the latency per method; the backup's
 * result is awaited before returning.
 */
export async function measureDuringBackup(app: ServeApp, sourceUrl: string, calls: number): Promise<LatencyRow[]> {
  const setup = [await call(app, 'init', [{ useKeychain: false }]), await call(app, 'updateSettings', [{ source: { url: sourceUrl, auth: { kind: 'none' } } }])];
  for (const s of setup) if (s.status !== 200) throw new Error(`setup failed: ${s.body.slice(0, 200)}`);
  let running = true;
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
  }
  const done = await backup;
  if (done.status !== 200) throw new Error(`backup failed: ${done.body.slice(0, 200)}`);
  return methods.map((method) => {
    const sorted = [...(times.get(method) ?? [])].sort((a, b) => a - b);
    return { method, count: sorted.length, p50: pct(sorted, 0.5), p95: pct(sorted, 0.95), max: sorted.at(-1) ?? 0 };
  });
}
