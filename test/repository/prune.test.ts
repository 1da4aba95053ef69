import assert from 'node:assert/strict';
import path from 'node:path';
import { test } from 'node:test';
import { FaultBackend } from '../../src/backend/fault.js';
import { LocalBackend } from '../../src/backend/local/localBackend.js';
import { checkRepository } from '../../src/checker/checker.js';
import { pruneRepository } from '../../src/repository/prune.js';
import { Repository } from '../../src/repository/repository.js';
import { restoreToNdjson } from '../../src/restorer/ndjsonTarget.js';
import { compareNdjsonFolders } from '../../src/restorer/compareNdjson.js';
import { writeNdjsonDataset, mutateNdjsonDataset } from '../../src/sandbox/synthetic.js';
import { isEngineError } from '../../src/shared/errors.js';
import { backupDir, newRepo, reopen, TEST_PASSPHRASE } from '../support/repo.js';
import { tempDir } from '../support/tmp.js';

async function threeBackups(): Promise<{ root: string; data: string; dir: string; ids: string[] }> {
  const dir = await tempDir();
  const data = path.join(dir, 'data');
  await writeNdjsonDataset(data, { patients: 25, seed: 31 });
  const { repo, root } = await newRepo(dir, { packTargetBytes: 64 * 1024, frameTargetBytes: 16 * 1024 });
  const ids = [(await backupDir(repo, data)).snapshotId];
  for (const seed of [1, 2]) {
    await mutateNdjsonDataset(data, { fraction: 0.3, seed });
    ids.push((await backupDir(repo, data)).snapshotId);
  }
  return { root, data, dir, ids };
}

test('prune after forgetting old snapshots frees space; the remaining snapshot checks clean and restores byte-identically', async () => {
  const { root, data, dir, ids } = await threeBackups();
  const repo = await reopen(root);
  await repo.deleteSnapshots(ids.slice(0, 2));
  const dry = await pruneRepository(await reopen(root), { dryRun: true });
  assert.ok(dry.bytesFreed > 0 && dry.blobsUnused > 0);
  const r = await pruneRepository(await reopen(root), { repackThreshold: 0.2 });
  assert.ok(r.packsDeleted + r.packsRepacked > 0, JSON.stringify(r));
  const after = await reopen(root);
  const report = await checkRepository(after, { readData: true });
  assert.deepEqual(report.problems, []);
  assert.equal(report.stats.unreferencedPacks, 0);
  const again = await pruneRepository(await reopen(root));
  assert.equal(again.packsDeleted + again.packsRepacked + again.unindexedPacksDeleted, 0, 'nothing left to prune');
  const target = path.join(dir, 'restored');
  await restoreToNdjson(after, await after.findSnapshot('latest'), target, {});
  assert.ok((await compareNdjsonFolders(data, target)).identical);
});

test('a prune interrupted after its new index was written leaves a readable repository, and the next prune finishes', async () => {
  const { root, data, dir, ids } = await threeBackups();
  await (await reopen(root)).deleteSnapshots(ids.slice(0, 2));
  // Deleting the superseded index files fails: the crash window between the new index and the deletions.
  const faulty = new FaultBackend(await LocalBackend.open(root), { rules: [{ op: 'delete', kind: 'index', effect: { type: 'error', error: 'EIO' } }] });
  await assert.rejects(pruneRepository(await Repository.open(faulty, { passphrase: TEST_PASSPHRASE })), (e) => isEngineError(e));
  const mid = await reopen(root);
  assert.deepEqual((await checkRepository(mid, { readData: true })).problems, [], 'superseded index files are ignored');
  const target = path.join(dir, 'restored');
  await restoreToNdjson(mid, await mid.findSnapshot('latest'), target, {});
  assert.ok((await compareNdjsonFolders(data, target)).identical);
  await pruneRepository(await reopen(root));
  assert.deepEqual((await checkRepository(await reopen(root), { readData: true })).problems, []);
});

test('prune refuses while a snapshot is unreadable (it could reference anything)', async () => {
  const { root, ids } = await threeBackups();
  const { writeFile } = await import('node:fs/promises');
  await writeFile(path.join(root, 'snapshots', ids[0] as string), 'garbage');
  await assert.rejects(pruneRepository(await reopen(root)), (e) => isEngineError(e, 'SNAPSHOT_CORRUPT'));
});
