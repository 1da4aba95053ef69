/** Helpers for serve tests: raw HTTP requests (with any Host/Origin), API calls, an SSE reader and a headless setup. */
import http from 'node:http';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { after } from 'node:test';
import { startServeApp, type ServeApp } from '../../src/serve/index.js';
import { writePasswordFile } from '../support/repo.js';
import { tempDir } from '../support/tmp.js';

export interface RawResponse {
  readonly status: number;
  readonly headers: http.IncomingHttpHeaders;
  readonly text: string;
}

export function raw(port: number, options: { method?: string; path?: string; headers?: Record<string, string>; body?: string }): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, method: options.method ?? 'GET', path: options.path ?? '/', headers: { Host: `127.0.0.1:${port}`, ...options.headers } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, text: Buffer.concat(chunks).toString('utf8') }));
    });
    req.on('error', reject);
    if (options.body !== undefined) req.write(options.body);
    req.end();
  });
}

/** Every API response body seen by `api()`, for "no secret ever crosses" assertions. */
export const seenBodies: string[] = [];

export async function api<T = unknown>(
  app: ServeApp,
  method: string,
  args: unknown[] = [],
  locale = 'en',
): Promise<{ status: number; value: T; error: { code: string; message: string; details?: Record<string, unknown> } | undefined }> {
  const r = await raw(app.port, {
    method: 'POST',
    path: `/api/${method}`,
    headers: { Authorization: `Bearer ${app.token}`, 'Content-Type': 'application/json', 'X-Clinic-Locale': locale },
    body: JSON.stringify({ args }),
  });
  seenBodies.push(r.text);
  const body = JSON.parse(r.text) as { value: T; error?: { code: string; message: string } };
  return { status: r.status, value: body.value, error: body.error };
}

/** Collects SSE frames from /api/events until closed. */
export function sse(app: ServeApp): {
  events: Record<string, unknown>[];
  rawText: () => string;
  close: () => void;
  waitFor: (pred: (e: Record<string, unknown>) => boolean, timeoutMs?: number) => Promise<Record<string, unknown>>;
} {
  const events: Record<string, unknown>[] = [];
  let text = '';
  let buffer = '';
  const waiters: { pred: (e: Record<string, unknown>) => boolean; resolve: (e: Record<string, unknown>) => void }[] = [];
  const req = http.request({ host: '127.0.0.1', port: app.port, path: '/api/events', headers: { Host: `127.0.0.1:${app.port}`, Authorization: `Bearer ${app.token}` } }, (res) => {
    res.on('data', (c: Buffer) => {
      text += c.toString('utf8');
      buffer += c.toString('utf8');
      let i: number;
      while ((i = buffer.indexOf('\n\n')) >= 0) {
        const frame = buffer.slice(0, i);
        buffer = buffer.slice(i + 2);
        for (const line of frame.split('\n')) {
          if (!line.startsWith('data: ')) continue;
          const e = JSON.parse(line.slice(6)) as Record<string, unknown>;
          events.push(e);
          for (const w of [...waiters])
            if (w.pred(e)) {
              waiters.splice(waiters.indexOf(w), 1);
              w.resolve(e);
            }
        }
      }
    });
  });
  req.on('error', () => undefined);
  req.end();
  return {
    events,
    rawText: () => text,
    close: () => req.destroy(),
    waitFor: (pred, timeoutMs = 30_000) => {
      const found = events.find(pred);
      if (found) return Promise.resolve(found);
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error('event not received in time')), timeoutMs);
        waiters.push({ pred, resolve: (e) => (clearTimeout(timer), resolve(e)) });
      });
    },
  };
}

/** A serve app on a fresh, not yet initialised repository folder (password file, file secret store, temp state). */
export async function headlessServe(options: { rendererDir?: string; locale?: 'en' | 'pt-BR' } = {}): Promise<{ app: ServeApp; dir: string; passphrase: string }> {
  const dir = await tempDir('cb-serve-');
  const passphrase = `serve-test-passphrase-${Math.random().toString(36).slice(2)}`;
  const passwordFile = await writePasswordFile(dir, passphrase);
  const secretsDir = path.join(dir, 'secrets');
  await mkdir(secretsDir, { recursive: true, mode: 0o700 });
  await mkdir(path.join(dir, 'repo'));
  const app = await startServeApp({
    repo: path.join(dir, 'repo'),
    locale: options.locale ?? 'en',
    engine: { passwordFile, secretsDir, stateDir: path.join(dir, 'state') },
    rendererDir: options.rendererDir ?? path.join(dir, 'no-renderer'),
  });
  after(() => app.close());
  return { app, dir, passphrase };
}
