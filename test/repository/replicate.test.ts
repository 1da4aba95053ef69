/**
 * Replication between destinations of one repository (src/repository/replicate.ts), on real folders and a
 * real S3 server (s3rver on loopback, behind a proxy that can cut the connection mid-upload).
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { cp, mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { after, test } from 'node:test';
import S3rver from 's3rver';
import { FaultBackend, faults } from '../../src/backend/fault.js';
import { openLocalDestination } from '../../src/backend/local/identify.js';
import { LocalBackend } from '../../src/backend/local/localBackend.js';
import { S3Backend, type S3BackendOptions } from '../../src/backend/s3/s3Backend.js';
import { FILE_KINDS, filePath, type Backend } from '../../src/backend/types.js';
import { checkRepository } from '../../src/checker/checker.js';
import { sha256Hex } from '../../src/crypto/primitives.js';
import { Repository } from '../../src/repository/repository.js';
import { replicate, replicateToMany, type ReplicateResult } from '../../src/repository/replicate.js';
import { writeNdjsonDataset } from '../../src/sandbox/synthetic.js';
import { isEngineError } from '../../src/shared/errors.js';
import type { ProgressEvent } from '../../src/shared/events.js';
import { expectCode } from '../backend/conformance.js';
import { S3Proxy, s3Error } from '../backend/s3Proxy.js';
import { backupDir, newRepo, TEST_PASSPHRASE, TEST_SCRYPT } from '../support/repo.js';
import { tempDir } from '../support/tmp.js';

// ------------------------------------------------------------------ fixtures

/** One repository with two snapshots and small packs, built once and cloned per test. */
const base = await (async () => {
  const dir = await tempDir('cb-repl-base-');
  await writeNdjsonDataset(path.join(dir, 'data'), { patients: 20, seed: 21 });
  await writeNdjsonDataset(path.join(dir, 'more'), { patients: 6, seed: 22 });
  const { repo, root } = await newRepo(dir, { packTargetBytes: 96 * 1024, frameTargetBytes: 24 * 1024 });
  await backupDir(repo, path.join(dir, 'data'));
  return { root, more: path.join(dir, 'more'), repoId: repo.id };
})();

async function cloneSource(): Promise<{ dir: string; root: string; backend: LocalBackend }> {
  const dir = await tempDir('cb-repl-');
  const root = path.join(dir, 'source');
  await cp(base.root, root, { recursive: true });
  return { dir, root, backend: await LocalBackend.open(root) };
}

async function newDestination(dir: string, name: string): Promise<LocalBackend> {
  return LocalBackend.create(path.join(dir, name));
}

const open = (b: Backend): Promise<Repository> => Repository.open(b, { passphrase: TEST_PASSPHRASE });

/** Path → SHA-256 of every file but locks. */
async function contents(b: Backend): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  for (const kind of FILE_KINDS) {
    if (kind === 'locks') continue;
    for await (const f of b.list(kind)) out.set(filePath(f), sha256Hex(await b.read(f)));
  }
  return out;
}

async function fileCount(b: Backend): Promise<number> {
  return (await contents(b)).size;
}

function assertComplete(r: ReplicateResult): void {
  assert.deepEqual(r.failed, []);
  assert.equal(r.stopped, null);
  assert.equal(r.notAttempted, 0);
  assert.equal(r.complete, true);
}

// ------------------------------------------------------------------ copies

test('a new destination becomes a complete copy that opens and passes check --read-data', async () => {
  const { dir, backend: a } = await cloneSource();
  const b = await newDestination(dir, 'usb');
  const events: ProgressEvent[] = [];
  const r = await replicate(a, b, { onProgress: (e) => events.push(e) });
  assertComplete(r);
  assert.equal(r.createdRepository, true);
  assert.equal(r.repoId, base.repoId);
  assert.equal(r.copied, await fileCount(a));
  assert.equal(r.skipped, 0);
  assert.deepEqual(await contents(b), await contents(a));
  const copy = await open(b);
  assert.equal(copy.id, base.repoId);
  const report = await checkRepository(copy, { readData: true });
  assert.deepEqual(report.problems, []);
  assert.deepEqual(await copy.listSnapshotIds(), await (await open(a)).listSnapshotIds());

  // progress: op, unit, phases in the consistency order, done never past total, bytes growing
  assert.ok(events.every((e) => e.type === 'progress' && e.op === 'replicate' && e.unit === 'files'));
  assert.ok(events.every((e) => e.total === undefined || e.done <= e.total));
  const phases = [...new Set(events.map((e) => e.phase))];
  assert.deepEqual(phases, ['config', 'keys', 'data', 'index', 'snapshots', 'audit']);
  const firstOf = (p: string): number => events.findIndex((e) => e.phase === p);
  const lastOf = (p: string): number => events.map((e) => e.phase).lastIndexOf(p);
  assert.ok(lastOf('data') < firstOf('index') && lastOf('index') < firstOf('snapshots'));
  assert.equal(events[events.length - 1]?.bytes, r.bytes);
});

test('resumable: a second run copies nothing; after another backup only the new files are copied', async () => {
  const { dir, root, backend: a } = await cloneSource();
  const b = await newDestination(dir, 'nas');
  const first = await replicate(a, b);
  const again = await replicate(a, b);
  assertComplete(again);
  assert.equal(again.copied, 0);
  assert.equal(again.skipped, first.copied - 1, 'everything but the marker is listed and skipped');
  assert.equal(again.createdRepository, false);

  const before = await contents(a);
  const repo = await Repository.open(await LocalBackend.open(root), { passphrase: TEST_PASSPHRASE });
  await backupDir(repo, base.more, null);
  const added = [...(await contents(a)).keys()].filter((f) => !before.has(f));
  assert.ok(added.length >= 3, 'packs, an index and a snapshot');
  const incr = await replicate(a, b);
  assertComplete(incr);
  assert.equal(incr.copied, added.length);
  assert.deepEqual(await contents(b), await contents(a));
});

test('a destination holding another repository is refused before anything is written (REPO_MARKER_MISMATCH)', async () => {
  const { dir, backend: a } = await cloneSource();
  const other = await newRepo(path.join(dir));
  const before = await contents(other.backend);
  await expectCode(replicate(a, other.backend), 'REPO_MARKER_MISMATCH', (d) => {
    assert.deepEqual([d['location'], d['found'], d['expected']], [other.backend.location, other.repo.id, base.repoId]);
  });
  assert.deepEqual(await contents(other.backend), before);
});

test('a destination with files but no marker is refused (REPO_MARKER_MISSING); so is a source without one', async () => {
  const { dir, backend: a } = await cloneSource();
  const b = await newDestination(dir, 'strange');
  await b.write({ kind: 'data', name: 'ab'.repeat(32) }, Buffer.from('someone else'));
  await expectCode(replicate(a, b), 'REPO_MARKER_MISSING', (d) => assert.equal(d['location'], b.location));
  await expectCode(replicate(await newDestination(dir, 'blank'), await newDestination(dir, 'blank2')), 'REPO_MARKER_MISSING');
  await expectCode(replicate(a, a), 'INVALID_ARGUMENT');
});

test('a crash at any write, or a cancellation, leaves the copy consistent; the next run completes it', async () => {
  const { dir, backend: a } = await cloneSource();
  const total = await fileCount(a);
  const points = [...new Set([1, 2, 3, 4, 5, Math.floor(total / 3), Math.floor(total / 2), total - 4, total - 2, total])];
  for (const nth of points) {
    const plain = await newDestination(dir, `crash-${nth}`);
    const b = new FaultBackend(plain, { rules: [faults.crashMidWrite({ nth })] });
    const r = await replicate(a, b, { concurrency: 3 });
    assert.equal(r.complete, false, `crash at write ${nth}`);
    assert.equal(r.failed.filter((f) => f.side === 'to').length, 1);
    const crashedOn = r.failed[0]?.file ?? '';
    if (nth > 1 && !crashedOn.startsWith('keys/')) {
      // every destination state reachable by a crash is a repository that check accepts
      const report = await checkRepository(await open(plain));
      assert.deepEqual(report.problems, [], `crash at write ${nth} (${crashedOn})`);
    }
    const resumed = await replicate(a, plain);
    assertComplete(resumed);
    assert.deepEqual(await contents(plain), await contents(a), `after crash at ${nth}`);
  }

  // cancellation after a few files
  const c = await newDestination(dir, 'cancelled');
  const ac = new AbortController();
  let seen = 0;
  await assert.rejects(replicate(a, c, { signal: ac.signal, onProgress: (e) => e.phase === 'data' && ++seen === 4 && ac.abort() }), (err: unknown) => isEngineError(err, 'CANCELLED'));
  assert.deepEqual((await checkRepository(await open(c))).problems, []);
  assertComplete(await replicate(a, c));
});

test('a file damaged on the source is not spread: reported, the rest is copied', async () => {
  const { dir, root, backend: a } = await cloneSource();
  const packs: string[] = [];
  for await (const f of a.list('data')) packs.push(filePath(f));
  const victim = packs.sort()[1] as string;
  const bytes = await readFile(path.join(root, victim));
  bytes[50] = (bytes[50] as number) ^ 0x01;
  await writeFile(path.join(root, victim), bytes);
  const b = await newDestination(dir, 'usb');
  const r = await replicate(a, b);
  assert.deepEqual(r.failed, [{ file: victim, code: 'INTEGRITY_ERROR', side: 'from' }]);
  assert.equal(r.complete, false);
  assert.equal(r.stopped, null);
  assert.equal(await b.stat({ kind: 'data', name: path.basename(victim) }), null, 'the damaged bytes were not copied');
  // index and snapshots still came: the copy is exactly as complete as the source's good files
  const copy = await contents(b);
  assert.equal(copy.size, (await fileCount(a)) - 1);
  assert.ok([...copy.keys()].some((f) => f.startsWith('snapshots/')));
});

test('a damaged copy on the destination is found by the sampled hash and replaced; wrong sizes always are', async () => {
  const { dir, backend: a } = await cloneSource();
  const b = await newDestination(dir, 'usb');
  await replicate(a, b);
  const packs: string[] = [];
  for await (const f of b.list('data')) packs.push(filePath(f));
  packs.sort();
  const flipped = path.join(b.location, packs[0] as string);
  const buf = await readFile(flipped);
  buf[10] = (buf[10] as number) ^ 0x80;
  await writeFile(flipped, buf);
  const truncated = path.join(b.location, packs[1] as string);
  await writeFile(truncated, (await readFile(truncated)).subarray(0, 100));

  const sizesOnly = await replicate(a, b, { verify: false });
  assert.equal(sizesOnly.replaced, 1, 'the truncated file, by its size');
  assert.equal(sizesOnly.copied, 1);
  const sampled = await replicate(a, b, { sampleRate: 1 });
  assertComplete(sampled);
  assert.equal(sampled.replaced, 1, 'the flipped byte, by the sampled hash');
  assert.deepEqual(await contents(b), await contents(a));
  const never = await replicate(a, b, { random: () => 0.999 });
  assert.equal(never.copied, 0);
});

test('key slots: new ones are copied, ones rewritten in place are updated, removed ones are reported and kept', async () => {
  const { dir, root, backend: a } = await cloneSource();
  const b = await newDestination(dir, 'nas');
  await replicate(a, b);
  const repo = await Repository.open(a, { passphrase: TEST_PASSPHRASE });
  const added = await repo.addKey('passphrase', { passphrase: 'nova senha', name: 'reception', scrypt: TEST_SCRYPT });
  const r1 = await replicate(a, b);
  assertComplete(r1);
  assert.equal(r1.copied, 1);
  assert.ok(await Repository.open(b, { passphrase: 'nova senha' }), 'the new key opens the copy');

  // a slot rewritten in place on the source (same id, new content)
  const slotPath = path.join(root, 'keys', added.slot.id);
  const slot = JSON.parse(await readFile(slotPath, 'utf8')) as Record<string, unknown>;
  await writeFile(slotPath, JSON.stringify({ ...slot, name: 'front desk' }, null, 2) + '\n');
  const r2 = await replicate(a, b);
  assert.deepEqual([r2.copied, r2.replaced], [1, 1]);
  assert.equal((await Repository.open(b, { passphrase: 'nova senha' })).openedWith?.name, 'front desk');

  // a slot removed on the source stays on the copy and is reported
  await repo.removeKey(added.slot.id);
  const r3 = await replicate(a, b);
  assertComplete(r3);
  assert.deepEqual(r3.extraKeySlots, [added.slot.id]);
  assert.ok(await b.stat({ kind: 'keys', name: added.slot.id }));

  // a slot of another repository (or garbage) on the source is not copied
  await writeFile(path.join(root, 'keys', 'feedfacefeedface'), '{"format":"clinic-backup-key","version":1,"id":"feedfacefeedface","repoId":"00","kind":"passphrase","wrappedKey":"x"}');
  const r4 = await replicate(a, b);
  assert.deepEqual(r4.failed, [{ file: 'keys/feedfacefeedface', code: 'INTEGRITY_ERROR', side: 'from' }]);
  assert.equal(await b.stat({ kind: 'keys', name: 'feedfacefeedface' }), null);
});

// ------------------------------------------------------------------ faults across destinations

test('disk full on one destination while the other succeeds: the run is partial, nothing is lost', async () => {
  const { dir, backend: a } = await cloneSource();
  const sourceBefore = await contents(a);
  const usbPlain = await newDestination(dir, 'usb');
  const usb = new FaultBackend(usbPlain, { rules: [faults.diskFull({ kind: 'data', nth: 3 })] });
  const nas = await newDestination(dir, 'nas');
  const events: ProgressEvent[] = [];
  const run = await replicateToMany(
    a,
    [
      { id: 'usb', backend: usb },
      { id: 'nas', backend: nas },
    ],
    { onProgress: (e) => events.push(e) },
  );
  assert.equal(run.status, 'partial');
  const [u, n] = run.outcomes;
  assert.equal(u?.complete, false);
  assert.equal(u?.error?.code, 'DEST_FULL');
  assert.deepEqual(u?.result?.stopped, { phase: 'data', code: 'DEST_FULL', side: 'to', location: usbPlain.location });
  assert.ok((u?.result?.notAttempted ?? 0) > 0);
  assert.equal(n?.complete, true);
  assert.equal(n?.error, null);
  assert.deepEqual(await contents(nas), sourceBefore);
  assert.ok(events.some((e) => e.subject === 'usb') && events.some((e) => e.subject === 'nas'));

  // nothing lost: the source is untouched, the full drive holds a consistent (older) repository
  assert.deepEqual(await contents(a), sourceBefore);
  const partial = await open(usbPlain);
  assert.deepEqual((await checkRepository(partial)).problems, []);
  assert.deepEqual(await partial.listSnapshotIds(), [], 'no snapshot refers to packs that did not fit');
  // space freed: the next run completes it
  usb.clearRules();
  const again = await replicateToMany(a, [{ id: 'usb', backend: usb }]);
  assert.equal(again.status, 'ok');
  assert.deepEqual(await contents(usbPlain), sourceBefore);
});

test('a destination that cannot start (another repository on the USB drive) does not stop the others', async () => {
  const { dir, backend: a } = await cloneSource();
  const foreign = await newRepo(path.join(dir));
  const nas = await newDestination(dir, 'nas');
  const run = await replicateToMany(a, [
    { id: 'usb', backend: foreign.backend },
    { id: 'nas', backend: nas },
  ]);
  assert.equal(run.status, 'partial');
  assert.equal(run.outcomes[0]?.result, null);
  assert.equal(run.outcomes[0]?.error?.code, 'REPO_MARKER_MISMATCH');
  assert.equal(run.outcomes[1]?.complete, true);
});

test('the same USB drive mounted at a new path is recognised and the copy resumes without re-copying', async () => {
  const { dir, backend: a } = await cloneSource();
  const b = await newDestination(dir, 'E-drive');
  const first = await replicate(a, b);
  assertComplete(first);
  const moved = path.join(dir, 'F-drive');
  await cp(b.location, moved, { recursive: true });
  const reopened = await openLocalDestination(moved, base.repoId);
  const again = await replicate(a, reopened);
  assertComplete(again);
  assert.equal(again.copied, 0);
  // and a drive with another repository at that path is refused
  await mkdir(path.join(dir, 'x'));
  const other = await newRepo(path.join(dir, 'x'));
  await expectCode(openLocalDestination(path.join(dir, 'x', 'repo'), base.repoId), 'REPO_MARKER_MISMATCH', (d) => assert.equal(d['found'], other.repo.id));
});

// ------------------------------------------------------------------ offsite (S3)

const BUCKET = 'clinic-replica';
const s3dir = await tempDir('cb-repl-s3-');
const server = new S3rver({ address: '127.0.0.1', port: 0, silent: true, directory: s3dir, configureBuckets: [{ name: BUCKET }] });
const { port } = await server.run();
after(() => server.close());
const proxy = await S3Proxy.start(`http://127.0.0.1:${port}`);
after(() => proxy.close());
let prefixes = 0;
function s3Options(extra: Partial<S3BackendOptions> = {}): S3BackendOptions {
  return {
    endpoint: proxy.endpoint,
    bucket: BUCKET,
    prefix: `replica-${++prefixes}`,
    forcePathStyle: true,
    credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' },
    listApi: 'v1',
    requestTimeoutMs: 10_000,
    multipartThresholdBytes: 5 * 1024 * 1024,
    partSizeBytes: 5 * 1024 * 1024,
    ...extra,
  };
}

test('network cut in the middle of a multipart upload: reported, nothing partial visible, the next run resumes', async () => {
  proxy.reset();
  const { backend: a } = await cloneSource();
  // two large packs (6 MiB: two parts each), named by their hash like every pack
  const big = [randomBytes(6 * 1024 * 1024), randomBytes(6 * 1024 * 1024)].map((bytes) => ({ bytes, name: sha256Hex(bytes) }));
  for (const f of big) await a.write({ kind: 'data', name: f.name }, f.bytes);
  const [firstBig, secondBig] = big.sort((x, y) => x.name.localeCompare(y.name));
  assert.ok(firstBig && secondBig);
  const opts = s3Options();
  const b = await S3Backend.create(opts);
  let cut = false;
  proxy.hook = (r) => {
    if (!cut && r.method === 'PUT' && r.query.get('partNumber') === '2' && r.key.endsWith(secondBig.name)) {
      cut = true;
      return { type: 'cut', afterBytes: 1024 * 1024 };
    }
    return undefined;
  };
  const r1 = await replicate(a, b, { concurrency: 1 });
  assert.ok(cut, 'the connection was cut');
  assert.equal(r1.complete, false);
  assert.deepEqual(r1.failed, [{ file: `data/${secondBig.name.slice(0, 2)}/${secondBig.name}`, code: 'DEST_OFFLINE', side: 'to' }]);
  assert.equal(r1.stopped?.code, 'DEST_OFFLINE');
  assert.equal(await b.stat({ kind: 'data', name: secondBig.name }), null, 'no partial object');
  assert.ok(proxy.count((x) => x.method === 'DELETE' && x.query.has('uploadId')) >= 1, 'the multipart upload was aborted');
  const firstCopied = r1.copied;
  assert.ok(firstCopied > 2);

  proxy.reset();
  const r2 = await replicate(a, b, { concurrency: 2 });
  assertComplete(r2);
  assert.equal(r2.copied + firstCopied, await fileCount(a), 'each file copied exactly once over the two runs');
  assert.equal(
    proxy.count((x) => x.method === 'PUT' && x.key.endsWith(firstBig.name)),
    0,
    'the finished large file was not sent again',
  );
  assert.equal(
    proxy.count((x) => x.method === 'PUT' && x.key.endsWith(secondBig.name)),
    2,
    'the cut one was sent whole (two parts)',
  );
  await b.close();

  const reopened = await S3Backend.open({ ...opts, endpoint: `http://127.0.0.1:${port}` });
  const copy = await open(reopened);
  const report = await checkRepository(copy, { readData: true });
  assert.deepEqual(report.problems, []);
  assert.equal(report.stats.unreferencedPacks, 2, 'the two large test files are not in any index');
  await reopened.close();
});

test('put-only offsite bucket: replicates with conditional writes, never deletes, and lock deletes denied are fine', async () => {
  proxy.reset();
  proxy.conditionalWrites = true;
  const { backend: a } = await cloneSource();
  const skipped: string[] = [];
  const b = await S3Backend.create(s3Options({ putOnly: true, onSkippedDelete: (s) => skipped.push(`${s.reason}:${s.file}`) }));
  const r1 = await replicate(a, b);
  assertComplete(r1);
  const r2 = await replicate(a, b);
  assert.equal(r2.copied, 0);
  assert.ok(proxy.seen.filter((x) => x.method === 'PUT').every((x) => x.headers['if-none-match'] === '*'));

  // the engine working on the copy: a lock taken and released with a credential that may not delete
  proxy.hook = (x) => (x.method === 'DELETE' ? s3Error(403, 'AccessDenied', 'Access Denied') : undefined);
  const repo = await open(b);
  const lock = await repo.lock('shared', 'check');
  await lock.release();
  assert.equal(skipped.length, 1);
  assert.match(skipped[0] ?? '', /^access-denied:locks\//);
  assert.equal(
    proxy.count((x) => x.method === 'DELETE' && !x.key.includes('/locks/')),
    0,
    'no delete outside locks/ was ever sent',
  );
  await b.close();
});
