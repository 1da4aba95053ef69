import assert from 'node:assert/strict';
import { readdir, readFile, rm, truncate, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { test } from 'node:test';
import { checkRepository, inSubset } from '../../src/checker/checker.js';
import { writeNdjsonDataset } from '../../src/sandbox/synthetic.js';
import { backupDir, newRepo, reopen } from '../support/repo.js';
import { tempDir } from '../support/tmp.js';
import { dataPackPaths } from '../support/v2.js';

async function fixture(): Promise<{ root: string; snapshots: string[] }> {
  const dir = await tempDir();
  const data = path.join(dir, 'data');
  await writeNdjsonDataset(data, { patients: 25, seed: 9 });
  // Small packs so damage to one pack leaves others intact.
  const { repo, root } = await newRepo(dir, { packTargetBytes: 96 * 1024, frameTargetBytes: 24 * 1024 });
  const a = await backupDir(repo, data);
  await writeNdjsonDataset(path.join(dir, 'more'), { patients: 5, seed: 10 });
  const b = await backupDir(repo, path.join(dir, 'more'), null);
  return { root, snapshots: [a.snapshotId, b.snapshotId] };
}

async function files(root: string, kind: string): Promise<string[]> {
  const out: string[] = [];
  const base = path.join(root, kind);
  for (const e of await readdir(base, { withFileTypes: true })) {
    if (e.isDirectory()) for (const f of await readdir(path.join(base, e.name))) out.push(path.join(kind, e.name, f));
    else out.push(path.join(kind, e.name));
  }
  return out.sort();
}

/** Paths of packs holding resource data (not snapshot listings), from the index. */
async function dataPacks(root: string): Promise<string[]> {
  return dataPackPaths(await reopen(root));
}

async function flipByte(file: string, at: number): Promise<void> {
  const b = await readFile(file);
  const i = at < 0 ? b.length + at : at;
  b[i] = (b[i] as number) ^ 0x40;
  await writeFile(file, b);
}

test('a clean repository passes structure and full data checks', async () => {
  const { root } = await fixture();
  const r = await checkRepository(await reopen(root), { readData: true });
  assert.deepEqual(r.problems, []);
  assert.ok(r.ok);
  assert.equal(r.stats.snapshots, 2);
  assert.equal(r.stats.packsRead, r.stats.packs);
});

test('a flipped byte in a pack is found by --read-data and named with its snapshots and resources', async () => {
  const { root, snapshots } = await fixture();
  const victim = (await dataPacks(root))[0] as string;
  await flipByte(path.join(root, victim), 100);
  const structural = await checkRepository(await reopen(root));
  assert.ok(structural.ok, 'a byte flip inside a pack is only visible when data is read');
  const r = await checkRepository(await reopen(root), { readData: true });
  assert.equal(r.ok, false);
  assert.equal(r.problems.length, 1);
  const p = r.problems[0]!;
  assert.equal(p.code, 'PACK_CORRUPT');
  assert.equal(p.file, victim);
  assert.ok(p.snapshots.length >= 1 && p.snapshots.every((s) => snapshots.includes(s)));
  assert.ok(p.resources.length >= 1 && p.resources.every((x) => /^[A-Z]\w+\/[\w.-]+$/.test(x)));
});

test('subset checks are deterministic slices that together cover every pack', async () => {
  const { root } = await fixture();
  const repo = await reopen(root);
  let total = 0;
  for (let n = 1; n <= 3; n++) total += (await checkRepository(repo, { readDataSubset: { n, m: 3 } })).stats.packsRead;
  const all = (await checkRepository(await reopen(root), { readData: true })).stats.packsRead;
  assert.equal(total, all);
  assert.equal(inSubset('00000003', 1, 3), true);
  assert.equal(inSubset('00000003', 2, 3), false);
});

test('damaged index and snapshot files, truncated and missing packs are each named', async () => {
  const { root, snapshots } = await fixture();
  const indexFiles = await files(root, 'index');
  for (const f of indexFiles) await flipByte(path.join(root, f), -5);
  await flipByte(path.join(root, 'snapshots', snapshots[1] as string), 60);
  const r1 = await checkRepository(await reopen(root));
  const byCode = (code: string) => r1.problems.filter((p) => p.code === code);
  assert.deepEqual(
    byCode('INDEX_CORRUPT')
      .map((p) => p.file)
      .sort(),
    indexFiles,
  );
  assert.deepEqual(
    byCode('SNAPSHOT_CORRUPT').map((p) => p.file),
    [`snapshots/${snapshots[1]}`],
  );
  // The first snapshot's data is no longer listed by any index file, but it is all still in the packs: an index
  // gap that names "repair index", not lost data.
  assert.ok(r1.problems.some((p) => p.code === 'INDEX_INCOMPLETE' && p.snapshots.includes(snapshots[0] as string) && /repair index/.test(p.reason)));
  assert.deepEqual(byCode('BLOB_MISSING'), []);

  const fresh = await fixture();
  const fpacks = await dataPacks(fresh.root);
  await truncate(path.join(fresh.root, fpacks[0] as string), 50);
  await rm(path.join(fresh.root, fpacks[1] as string));
  const r2 = await checkRepository(await reopen(fresh.root));
  assert.deepEqual(
    r2.problems
      .filter((p) => p.code === 'FILE_TRUNCATED' || p.code === 'BLOB_MISSING')
      .map((p) => [p.code, p.file])
      .sort(),
    [
      ['BLOB_MISSING', fpacks[1]],
      ['FILE_TRUNCATED', fpacks[0]],
    ].sort(),
  );
  assert.ok(r2.problems.every((p) => p.snapshots.length > 0));
});
