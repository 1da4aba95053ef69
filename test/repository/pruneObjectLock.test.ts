/**
 * Retention's prune is Object-Lock aware (issue #19): on a bucket whose objects are under S3 Object Lock (retention
 * until a future date), or whose retention the credential may not read, prune leaves those packs where they are,
 * never asks to delete them, and still removes what is not protected; the snapshot kept restores byte-identically.
 * Real parts: s3rver on 127.0.0.1 behind a proxy that answers GetObjectRetention as AWS does (s3rver has no Object
 * Lock), the real S3 SDK, the real repository, prune, checker and restorer.
 */
import assert from 'node:assert/strict';
import path from 'node:path';
import { after, test } from 'node:test';
import S3rver from 's3rver';
import { S3Backend } from '../../src/backend/s3/s3Backend.js';
import { checkRepository } from '../../src/checker/checker.js';
import { pruneRepository } from '../../src/repository/prune.js';
import { Repository } from '../../src/repository/repository.js';
import { compareNdjsonFolders } from '../../src/restorer/compareNdjson.js';
import { restoreToNdjson } from '../../src/restorer/ndjsonTarget.js';
import { mutateNdjsonDataset, writeNdjsonDataset } from '../../src/sandbox/synthetic.js';
import { S3Proxy, s3Error, xmlResponse } from '../backend/s3Proxy.js';
import { backupDir, TEST_PASSPHRASE, TEST_SCRYPT } from '../support/repo.js';
import { tempDir } from '../support/tmp.js';

const BUCKET = 'clinic-locked';
const server = new S3rver({ address: '127.0.0.1', port: 0, silent: true, directory: await tempDir('cb-lock-s3-'), configureBuckets: [{ name: BUCKET }] });
const { port } = await server.run();
after(() => server.close());
const proxy = await S3Proxy.start(`http://127.0.0.1:${port}`);
after(() => proxy.close());

const backendOptions = {
  endpoint: proxy.endpoint,
  bucket: BUCKET,
  prefix: 'clinic',
  forcePathStyle: true,
  credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' },
  listApi: 'v1' as const,
  requestTimeoutMs: 10_000,
};

const packName = (key: string): string => key.split('/').at(-1) ?? '';

test('prune keeps the packs under Object Lock (and those whose lock cannot be read), deletes the rest, and the kept snapshot restores', async () => {
  const dir = await tempDir('cb-lock-');
  const data = path.join(dir, 'data');
  await writeNdjsonDataset(data, { patients: 25, seed: 31 });
  const { repo } = await Repository.init(await S3Backend.create(backendOptions), {
    passphrase: TEST_PASSPHRASE,
    scrypt: TEST_SCRYPT,
    params: { packTargetBytes: 64 * 1024, frameTargetBytes: 16 * 1024 },
  });
  const ids = [(await backupDir(repo, data)).snapshotId];
  const firstPacks: string[] = [];
  for await (const f of repo.backend.list('data')) firstPacks.push(f.name);
  for (const seed of [1, 2]) {
    await mutateNdjsonDataset(data, { fraction: 0.3, seed });
    ids.push((await backupDir(repo, data)).snapshotId);
  }
  await repo.deleteSnapshots(ids.slice(0, 2));
  await repo.backend.close();

  // What prune would remove or rewrite without any lock.
  const plan = await pruneRepository(await Repository.open(await S3Backend.open(backendOptions), { passphrase: TEST_PASSPHRASE }), { dryRun: true, repackThreshold: 0.2 });
  assert.ok(plan.packsDeleted + plan.packsRepacked >= 2, JSON.stringify(plan));
  assert.equal(plan.packsKeptLocked, 0, 's3rver alone has no Object Lock');

  // The first backup's packs were written under the bucket's default retention (COMPLIANCE until 2099), except one
  // whose retention the credential may not read: prune cannot know, so it must keep it too.
  const unreadable = firstPacks[0]!;
  const locked = new Set(firstPacks.slice(1));
  proxy.hook = (r) => {
    const name = packName(r.key);
    if (r.query.has('retention') && name === unreadable) return s3Error(403, 'AccessDenied', 'Access Denied');
    if (r.query.has('retention') && locked.has(name)) {
      return xmlResponse('<Retention xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Mode>COMPLIANCE</Mode><RetainUntilDate>2099-01-01T00:00:00.000Z</RetainUntilDate></Retention>');
    }
    // A delete of a protected object is refused as AWS refuses it (should prune ever try).
    if (r.method === 'DELETE' && (locked.has(name) || name === unreadable)) return s3Error(403, 'AccessDenied', 'Access Denied because object protected by object lock.');
    return undefined;
  };
  const r = await pruneRepository(await Repository.open(await S3Backend.open(backendOptions), { passphrase: TEST_PASSPHRASE }), { repackThreshold: 0.2 });
  assert.ok(r.packsKeptLocked > 0, JSON.stringify(r));
  assert.ok(r.packsDeleted + r.packsRepacked > 0, `the unprotected packs still go: ${JSON.stringify(r)}`);
  assert.deepEqual(
    proxy.seen.filter((x) => x.method === 'DELETE' && (locked.has(packName(x.key)) || packName(x.key) === unreadable)).map((x) => x.key),
    [],
    'no delete of a protected pack was even asked',
  );
  const left = new Set<string>();
  const after = await Repository.open(await S3Backend.open(backendOptions), { passphrase: TEST_PASSPHRASE });
  for await (const f of after.backend.list('data')) left.add(f.name);
  for (const p of firstPacks) assert.ok(left.has(p), `protected pack ${p.slice(0, 8)} is still there`);

  proxy.hook = null;
  const report = await checkRepository(after, { readData: true });
  assert.deepEqual(report.problems, []);
  const target = path.join(dir, 'restored');
  await restoreToNdjson(after, await after.findSnapshot('latest'), target, {});
  assert.ok((await compareNdjsonFolders(data, target)).identical, 'the kept snapshot restores byte-identically');
  await after.backend.close();
});
