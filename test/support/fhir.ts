/** Helpers for FHIR backup tests: what a snapshot holds versus what the sandbox server holds, byte for byte. */
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:net';
import { after } from 'node:test';
import type { Repository } from '../../src/repository/repository.js';
import type { SnapshotManifest } from '../../src/repository/snapshot.js';
import { readResources, snapshotRows, type ResourceRow } from '../../src/repository/reader.js';
import { startSandbox, type SandboxOptions, type SandboxServer } from '../../src/sandbox/index.js';
import { EngineError, type ErrorCode } from '../../src/shared/errors.js';

/** A sandbox closed after the current test file. */
export async function sandbox(opts: SandboxOptions = {}): Promise<SandboxServer> {
  const s = await startSandbox(opts);
  after(() => s.close());
  return s;
}

/** (type/id) → stored bytes of every resource in a snapshot's tree. */
export async function snapshotResources(repo: Repository, manifest: SnapshotManifest): Promise<Map<string, Buffer>> {
  const out = new Map<string, Buffer>();
  await repo.loadIndex();
  const rows: ResourceRow[] = [];
  for await (const row of snapshotRows(repo, { id: 'snapshot', manifest })) rows.push(row);
  for await (const d of readResources(repo, rows)) {
    const key = `${d.row.type}/${d.row.id}`;
    assert.ok(!out.has(key), `${key} appears once in the tree`);
    if (d.error) throw d.error;
    out.set(key, Buffer.from(d.bytes));
  }
  return out;
}

/** (type/id) → bytes of every live resource on the server, from its own store. */
export function serverResources(server: SandboxServer): Map<string, Buffer> {
  const out = new Map<string, Buffer>();
  for (const r of server.store.all()) out.set(`${r.type}/${r.id}`, Buffer.from(r.text, 'utf8'));
  return out;
}

export function serverCounts(server: SandboxServer): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const r of server.store.all()) counts[r.type] = (counts[r.type] ?? 0) + 1;
  return Object.fromEntries(Object.entries(counts).sort(([a], [b]) => (a < b ? -1 : 1)));
}

/** Asserts that the snapshot holds exactly the server's resources, each byte-identical, and says it is complete. */
export async function assertSnapshotEqualsServer(repo: Repository, manifest: SnapshotManifest, server: SandboxServer, label = ''): Promise<void> {
  const got = await snapshotResources(repo, manifest);
  const want = serverResources(server);
  const missing = [...want.keys()].filter((k) => !got.has(k));
  const extra = [...got.keys()].filter((k) => !want.has(k));
  assert.deepEqual({ missing: missing.slice(0, 10), extra: extra.slice(0, 10) }, { missing: [], extra: [] }, `${label}: same resources (missing ${missing.length}, extra ${extra.length})`);
  let different = 0;
  let firstDifferent = '';
  for (const [k, bytes] of want) {
    if (!(got.get(k) as Buffer).equals(bytes)) {
      different++;
      firstDifferent ||= k;
    }
  }
  assert.equal(different, 0, `${label}: ${different} resources differ, e.g. ${firstDifferent}`);
  assert.deepEqual(manifest.counts, serverCounts(server), `${label}: per-type counts`);
  assert.equal(manifest.totals.resources, want.size, `${label}: total`);
  assert.equal(manifest.partial, false, `${label}: not partial (${JSON.stringify(manifest.problems.slice(0, 3))})`);
}

/** Asserts a promise rejects with an EngineError of this code; returns the error. */
export async function rejectsWithCode(p: Promise<unknown>, code: ErrorCode): Promise<EngineError> {
  let caught: unknown = null;
  try {
    await p;
  } catch (err) {
    caught = err;
  }
  assert.ok(caught instanceof EngineError, `expected EngineError ${code}, got ${caught instanceof Error ? `${caught.name}: ${caught.message}` : String(caught)}`);
  assert.equal(caught.code, code, `expected ${code}, got ${caught.code} ${JSON.stringify(caught.details)}`);
  return caught;
}

/** A port on 127.0.0.1 that nothing listens on (bound, then closed). */
export async function closedPort(): Promise<number> {
  const srv: Server = createServer();
  await new Promise<void>((resolve) => srv.listen(0, '127.0.0.1', resolve));
  const address = srv.address();
  assert.ok(address !== null && typeof address === 'object');
  await new Promise<void>((resolve) => srv.close(() => resolve()));
  return address.port;
}

/** A sleep that records the waits asked for and waits at most `capMs` (keeps long Retry-After values short). */
export function recordingSleep(capMs = 5): { sleep: (ms: number, signal?: AbortSignal) => Promise<void>; waits: number[] } {
  const waits: number[] = [];
  return {
    waits,
    sleep: (ms, signal) =>
      new Promise((resolve, reject) => {
        waits.push(ms);
        if (signal?.aborted) return reject(new EngineError('CANCELLED'));
        setTimeout(resolve, Math.min(ms, capMs));
      }),
  };
}

/** Requests the sandbox logged whose path and query match. */
export function requestsMatching(server: SandboxServer, re: RegExp): number {
  return server.requestLog.filter((r) => re.test(r.target)).length;
}
