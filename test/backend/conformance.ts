/**
 * The backend conformance suite (ARCHITECTURE.md §11): the behaviour every Backend must have,
 * run against LocalBackend, S3Backend and the wrappers, including fault-injecting ones.
 */
import { createHash, randomBytes } from 'node:crypto';
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { isEngineError, type ErrorCode } from '../../src/shared/errors.js';
import { FILE_KINDS, filePath, type Backend, type FileInfo, type FileKind, type FileRef } from '../../src/backend/types.js';

export interface BackendFixture {
  backend: Backend;
  cleanup(): Promise<void>;
  /**
   * Puts raw bytes at a path relative to the repository root, bypassing the backend: used to plant
   * temp files and stray files that list() must ignore. Optional: the test is skipped without it.
   */
  plantRaw?(relPath: string, data: Buffer): Promise<void>;
}

export interface ConformanceOptions {
  /** When set, the concurrent-overwrite test is skipped with this reason (a test server known not to be atomic). */
  readonly skipAtomicOverwrite?: string;
}

const MiB = 1024 * 1024;

export async function expectCode(promise: Promise<unknown>, code: ErrorCode, check?: (details: Record<string, unknown>) => void): Promise<void> {
  await assert.rejects(promise, (err: unknown) => {
    assert.ok(isEngineError(err), `expected EngineError ${code}, got ${String(err)}`);
    assert.equal(err.code, code, `expected ${code}, got ${err.code} ${JSON.stringify(err.details)}`);
    check?.(err.details);
    return true;
  });
}

export async function collect(it: AsyncIterable<FileInfo>): Promise<FileInfo[]> {
  const out: FileInfo[] = [];
  for await (const info of it) out.push(info);
  return out;
}

export function hexName(seed: string): string {
  return createHash('sha256').update(seed).digest('hex');
}

function refFor(kind: FileKind, seed: string): FileRef {
  return { kind, name: kind === 'config' ? 'config' : hexName(`${kind}:${seed}`) };
}

function sha(buf: Buffer): string {
  return createHash('sha256').update(buf).digest('hex');
}

/** Runs `fn` on `items` with at most `limit` in flight. */
async function pool<T>(items: readonly T[], limit: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  let failed = false;
  const workers = Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (!failed && next < items.length) {
      const item = items[next++] as T;
      try {
        await fn(item);
      } catch (err) {
        failed = true;
        throw err;
      }
    }
  });
  // wait for every worker so nothing is still writing when the fixture is cleaned up
  const results = await Promise.allSettled(workers);
  const rejected = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (rejected) throw rejected.reason;
}

export function backendConformanceSuite(name: string, makeBackend: () => Promise<BackendFixture>, options: ConformanceOptions = {}): void {
  async function withBackend(fn: (b: Backend, fx: BackendFixture) => Promise<void>): Promise<void> {
    const fx = await makeBackend();
    let failure: { err: unknown } | undefined;
    try {
      await fn(fx.backend, fx);
    } catch (err) {
      failure = { err };
    }
    try {
      await fx.backend.close();
      await fx.cleanup();
    } catch (err) {
      if (!failure) throw err;
    }
    if (failure) throw failure.err;
  }

  describe(`backend conformance: ${name}`, () => {
    test('location is a non-empty string', () =>
      withBackend(async (b) => {
        assert.equal(typeof b.location, 'string');
        assert.ok(b.location.length > 0);
      }));

    test('write, read, stat, list and delete a file of every kind', () =>
      withBackend(async (b) => {
        for (const kind of FILE_KINDS) {
          const ref = refFor(kind, 'one');
          const data = randomBytes(1000 + kind.length);
          assert.equal(await b.stat(ref), null, `${kind}: absent before write`);
          await b.write(ref, data);
          assert.deepEqual(await b.read(ref), data, `${kind}: read back`);
          assert.deepEqual(await b.stat(ref), { kind, name: ref.name, size: data.length });
          assert.deepEqual(await collect(b.list(kind)), [{ kind, name: ref.name, size: data.length }]);
          await b.delete(ref);
          assert.equal(await b.stat(ref), null, `${kind}: gone after delete`);
          assert.deepEqual(await collect(b.list(kind)), []);
          await expectCode(b.read(ref), 'NOT_FOUND', (d) => assert.equal(d['what'], filePath(ref)));
        }
      }));

    test('kinds are separate namespaces', () =>
      withBackend(async (b) => {
        const name = hexName('shared');
        await b.write({ kind: 'index', name }, Buffer.from('index'));
        await b.write({ kind: 'snapshots', name }, Buffer.from('snapshot'));
        assert.equal((await b.read({ kind: 'index', name })).toString(), 'index');
        assert.equal((await b.read({ kind: 'snapshots', name })).toString(), 'snapshot');
        assert.deepEqual(
          (await collect(b.list('index'))).map((f) => f.name),
          [name],
        );
        assert.deepEqual(await collect(b.list('data')), []);
        assert.deepEqual(await collect(b.list('locks')), []);
      }));

    test('range reads at the start, middle and end; past the end is FILE_TRUNCATED', () =>
      withBackend(async (b) => {
        const ref = refFor('data', 'range');
        const data = Buffer.from(Array.from({ length: 1000 }, (_, i) => (i * 7 + 3) % 256));
        await b.write(ref, data);
        assert.deepEqual(await b.read(ref, { offset: 0, length: 10 }), data.subarray(0, 10));
        assert.deepEqual(await b.read(ref, { offset: 495, length: 17 }), data.subarray(495, 512));
        assert.deepEqual(await b.read(ref, { offset: 990, length: 10 }), data.subarray(990, 1000));
        assert.deepEqual(await b.read(ref, { offset: 0, length: 1000 }), data);
        assert.equal((await b.read(ref, { offset: 1000, length: 0 })).length, 0);
        await expectCode(b.read(ref, { offset: 995, length: 10 }), 'FILE_TRUNCATED');
        await expectCode(b.read(ref, { offset: 1001, length: 0 }), 'FILE_TRUNCATED');
        await expectCode(b.read(ref, { offset: 5000, length: 5 }), 'FILE_TRUNCATED');
        await expectCode(b.read(ref, { offset: -1, length: 5 }), 'INVALID_ARGUMENT');
        await expectCode(b.read(ref, { offset: 0, length: 1.5 }), 'INVALID_ARGUMENT');
      }));

    test('a missing file: read is NOT_FOUND, stat is null', () =>
      withBackend(async (b) => {
        for (const kind of FILE_KINDS) {
          const ref = refFor(kind, 'missing');
          await expectCode(b.read(ref), 'NOT_FOUND', (d) => assert.equal(d['what'], filePath(ref)));
          await expectCode(b.read(ref, { offset: 0, length: 1 }), 'NOT_FOUND');
          assert.equal(await b.stat(ref), null);
        }
      }));

    test('overwrite replaces the whole content, also with a shorter one', () =>
      withBackend(async (b) => {
        const ref = refFor('locks', 'over');
        await b.write(ref, Buffer.alloc(5000, 1));
        await b.write(ref, Buffer.from('short'));
        assert.equal((await b.read(ref)).toString(), 'short');
        assert.equal((await b.stat(ref))?.size, 5);
        assert.equal((await collect(b.list('locks'))).length, 1);
      }));

    test('overwrite is atomic: a concurrent reader sees the old or the new content, never a part', options.skipAtomicOverwrite ? { skip: options.skipAtomicOverwrite } : {}, () =>
      withBackend(async (b) => {
        const ref = refFor('index', 'atomic');
        const sizeFor = (v: number): number => 2 * MiB + (v % 3) * 512 * 1024;
        const content = (v: number): Buffer => Buffer.alloc(sizeFor(v), v);
        await b.write(ref, content(0));
        const rewrites = 12;
        let done = false;
        let reads = 0;
        const seen = new Set<number>();
        const reader = (async () => {
          // bounded: stops when the writer is done or after 400 reads
          while (!done && reads < 400) {
            const got = await b.read(ref);
            reads++;
            const v = got[0] ?? -1;
            assert.equal(got.length, sizeFor(v), `read ${reads}: size ${got.length} does not match version ${v}`);
            assert.ok(got.equals(content(v)), `read ${reads}: mixed content`);
            seen.add(v);
          }
        })();
        try {
          for (let v = 1; v <= rewrites; v++) await b.write(ref, content(v));
        } finally {
          done = true;
        }
        await reader;
        assert.ok(reads > 0, 'the reader ran');
        assert.ok(seen.size >= 1);
        assert.ok((await b.read(ref)).equals(content(rewrites)), 'the last write wins');
      }),
    );

    test('list skips temp files and stray files with invalid names', (t) =>
      withBackend(async (b, fx) => {
        if (!fx.plantRaw) {
          t.skip('backend fixture cannot plant raw files');
          return;
        }
        const snap = refFor('snapshots', 'real');
        const pack = { kind: 'data', name: `ab${hexName('pack').slice(2)}` } as const;
        await b.write(snap, Buffer.from('s'));
        await b.write(pack, Buffer.from('pack'));
        await fx.plantRaw('snapshots/.tmp-123abc', Buffer.from('partial'));
        await fx.plantRaw('snapshots/.hidden', Buffer.from('x'));
        await fx.plantRaw('snapshots/bad name', Buffer.from('x'));
        await fx.plantRaw('snapshots/sub/deeper', Buffer.from('x'));
        await fx.plantRaw('data/ab/.tmp-456def', Buffer.from('partial'));
        await fx.plantRaw('data/ab/cd0000', Buffer.from('wrong prefix folder'));
        await fx.plantRaw('data/.tmp-789', Buffer.from('x'));
        await fx.plantRaw('data/stray', Buffer.from('x'));
        await fx.plantRaw('.tmp-root', Buffer.from('x'));
        assert.deepEqual(await collect(b.list('snapshots')), [{ kind: 'snapshots', name: snap.name, size: 1 }]);
        assert.deepEqual(await collect(b.list('data')), [{ kind: 'data', name: pack.name, size: 4 }]);
        assert.deepEqual(await collect(b.list('config')), []);
      }));

    test('zero-byte files', () =>
      withBackend(async (b) => {
        const ref = refFor('locks', 'empty');
        await b.write(ref, Buffer.alloc(0));
        assert.equal((await b.read(ref)).length, 0);
        assert.deepEqual(await b.stat(ref), { kind: 'locks', name: ref.name, size: 0 });
        assert.deepEqual(await collect(b.list('locks')), [{ kind: 'locks', name: ref.name, size: 0 }]);
        assert.equal((await b.read(ref, { offset: 0, length: 0 })).length, 0);
        await expectCode(b.read(ref, { offset: 0, length: 1 }), 'FILE_TRUNCATED');
      }));

    test('a large file (20 MiB) round-trips, with ranges near its end', () =>
      withBackend(async (b) => {
        const ref = refFor('data', 'large');
        const data = randomBytes(20 * MiB);
        await b.write(ref, data);
        assert.equal((await b.stat(ref))?.size, data.length);
        assert.equal(sha(await b.read(ref)), sha(data));
        const off = 19 * MiB + 12345;
        assert.deepEqual(await b.read(ref, { offset: off, length: 4096 }), data.subarray(off, off + 4096));
        assert.deepEqual(await b.read(ref, { offset: data.length - 1, length: 1 }), data.subarray(data.length - 1));
        await expectCode(b.read(ref, { offset: data.length - 1, length: 2 }), 'FILE_TRUNCATED');
      }));

    test('names are validated: no path traversal, no temp names, no unknown kinds', () =>
      withBackend(async (b) => {
        const bad: FileRef[] = [
          { kind: 'data', name: '../x' },
          { kind: 'snapshots', name: '../../etc/passwd' },
          { kind: 'index', name: 'a/b' },
          { kind: 'index', name: 'a\\b' },
          { kind: 'keys', name: '' },
          { kind: 'locks', name: '.tmp-x' },
          { kind: 'locks', name: '..' },
          { kind: 'config', name: 'other' },
          { kind: 'data', name: 'ab' },
          { kind: 'bogus' as FileKind, name: 'x1234' },
        ];
        for (const ref of bad) {
          await expectCode(b.write(ref, Buffer.from('x')), 'INVALID_ARGUMENT');
          await expectCode(b.read(ref), 'INVALID_ARGUMENT');
          await expectCode(b.stat(ref), 'INVALID_ARGUMENT');
          await expectCode(b.delete(ref), 'INVALID_ARGUMENT');
        }
        await expectCode(collect(b.list('bogus' as FileKind)), 'INVALID_ARGUMENT');
        for (const kind of FILE_KINDS) assert.deepEqual(await collect(b.list(kind)), [], `${kind} stays empty`);
      }));

    test('delete is idempotent', () =>
      withBackend(async (b) => {
        const ref = refFor('snapshots', 'del');
        await b.delete(ref);
        await b.write(ref, Buffer.from('x'));
        await b.delete(ref);
        await b.delete(ref);
        assert.equal(await b.stat(ref), null);
      }));

    test('lists 1,200 data files across prefixes', () =>
      withBackend(async (b) => {
        const refs = Array.from({ length: 1200 }, (_, i) => ({ kind: 'data' as const, name: hexName(`many:${i}`), size: i % 13 }));
        await pool(refs, 16, (r) => b.write({ kind: r.kind, name: r.name }, Buffer.alloc(r.size, 7)));
        const listed = await collect(b.list('data'));
        assert.equal(listed.length, refs.length);
        const byName = new Map(listed.map((f) => [f.name, f]));
        assert.equal(byName.size, refs.length, 'no duplicates');
        for (const r of refs) assert.deepEqual(byName.get(r.name), { kind: 'data', name: r.name, size: r.size });
        assert.ok(new Set(refs.map((r) => r.name.slice(0, 2))).size > 200, 'names spread over many prefixes');
        assert.deepEqual(await collect(b.list('index')), []);
      }));

    test('an aborted signal cancels every operation and writes nothing', () =>
      withBackend(async (b) => {
        const ref = refFor('snapshots', 'abort');
        const existing = refFor('index', 'abort');
        await b.write(existing, Buffer.from('keep'));
        const ac = new AbortController();
        ac.abort();
        const s = ac.signal;
        await expectCode(b.write(ref, Buffer.from('x'), {}, s), 'CANCELLED');
        await expectCode(b.read(existing, undefined, s), 'CANCELLED');
        await expectCode(b.read(existing, { offset: 0, length: 2 }, s), 'CANCELLED');
        await expectCode(b.stat(existing, s), 'CANCELLED');
        await expectCode(b.delete(existing, s), 'CANCELLED');
        await expectCode(collect(b.list('index', s)), 'CANCELLED');
        await expectCode(b.capacity(s), 'CANCELLED');
        assert.equal(await b.stat(ref), null, 'nothing written');
        assert.equal((await b.read(existing)).toString(), 'keep', 'nothing deleted');
      }));

    test('capacity is null or consistent numbers', () =>
      withBackend(async (b) => {
        const c = await b.capacity();
        if (c === null) return;
        assert.ok(Number.isFinite(c.totalBytes) && c.totalBytes > 0);
        assert.ok(c.freeBytes >= 0 && c.freeBytes <= c.totalBytes);
      }));
  });
}
