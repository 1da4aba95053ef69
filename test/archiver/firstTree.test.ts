import assert from 'node:assert/strict';
import { appendFile, readFile } from 'node:fs/promises';
import path from 'node:path';
import { test } from 'node:test';
import { Archiver, type ArchiveOptions } from '../../src/archiver/archiver.js';
import { listNdjsonInputs, readNdjsonChunks } from '../../src/archiver/ndjson.js';
import { WorkerPool } from '../../src/pool/index.js';
import { writeNdjsonDataset } from '../../src/sandbox/synthetic.js';
import { snapshotRows } from '../../src/repository/reader.js';
import type { ResourceTreeRef } from '../../src/repository/resourceTree.js';
import type { Repository } from '../../src/repository/repository.js';
import { newRepo } from '../support/repo.js';
import { tempDir } from '../support/tmp.js';

/** A first backup of `data` through the given pool (the archiver closed after its commit, whatever the outcome). */
async function firstBackup(repo: Repository, data: string, pool: WorkerPool, extra: Partial<ArchiveOptions> = {}): Promise<Awaited<ReturnType<Archiver['commit']>>> {
  const a = new Archiver(repo, {
    source: { kind: 'ndjson', location: data, strategy: 'files' },
    mode: 'full',
    parent: null,
    pool,
    spillRows: 200,
    ...extra,
  });
  await a.begin();
  try {
    for (const f of await listNdjsonInputs(data)) for await (const c of readNdjsonChunks(f)) await a.addChunk(c);
    return await a.commit();
  } finally {
    await a.close();
  }
}

test('a first backup’s checkpoint made in the pool is the one made on the host thread, byte for byte (the same blob ids), with the same counts; a key’s last line wins', async () => {
  const dir = await tempDir();
  const data = path.join(dir, 'in');
  await writeNdjsonDataset(data, { patients: 40, seed: 7 });
  // Later lines of existing keys (a changed version, and an exact repeat): the last one of each key wins.
  const patients = (await readFile(path.join(data, 'Patient.ndjson'), 'utf8')).split('\n').filter(Boolean);
  const changed = patients.slice(0, 5).map((l) => l.replace('"resourceType":"Patient"', '"resourceType":"Patient","active":false'));
  await appendFile(path.join(data, 'Patient.ndjson'), [...changed, patients[7]].join('\n') + '\n');
  // Chunks of 64 rows: many chunks, several in flight at once.
  const { repo } = await newRepo(dir, { treeChunkRows: 64 });
  const pool = new WorkerPool(2, false, Infinity);
  try {
    const pooled = await firstBackup(repo, data, pool, { firstTreeOnThisThread: false });
    const host = await firstBackup(repo, data, pool, { firstTreeOnThisThread: true });
    const tp = pooled.manifest.tree as ResourceTreeRef;
    const th = host.manifest.tree as ResourceTreeRef;
    assert.ok(tp.checkpoint, 'a checkpoint was written');
    assert.equal(tp.checkpoint, th.checkpoint, 'the same checkpoint directory blob, so the same chunk blobs');
    assert.deepEqual(pooled.manifest.counts, host.manifest.counts);
    const { resources, bytes, added } = pooled.manifest.totals;
    assert.deepEqual({ resources, bytes, added }, { resources: host.manifest.totals.resources, bytes: host.manifest.totals.bytes, added: host.manifest.totals.added });
    const distinct = new Set<string>();
    for (const f of await listNdjsonInputs(data))
      for (const l of (await readFile(f, 'utf8')).split('\n').filter(Boolean)) {
        const r = JSON.parse(l) as { resourceType: string; id: string };
        distinct.add(`${r.resourceType}/${r.id}`);
      }
    assert.equal(pooled.manifest.totals.resources, distinct.size);
    // Read back: every resource once.
    const seen = new Set<string>();
    for await (const row of snapshotRows(repo, { id: pooled.snapshotId, manifest: pooled.manifest })) {
      assert.ok(!seen.has(`${row.type}/${row.id}`), 'each resource once');
      seen.add(`${row.type}/${row.id}`);
    }
    assert.equal(seen.size, distinct.size);
  } finally {
    await pool.close();
  }
});

test('a first backup cancelled at its commit fails with CANCELLED, commits nothing and leaves no task in the pool', async () => {
  const dir = await tempDir();
  const data = path.join(dir, 'in');
  await writeNdjsonDataset(data, { patients: 40, seed: 8 });
  const { repo } = await newRepo(dir, { treeChunkRows: 16 });
  const pool = new WorkerPool(1, false, Infinity);
  const ac = new AbortController();
  try {
    const run = firstBackup(repo, data, pool, { signal: ac.signal, onProgress: (e) => e.phase === 'commit' && ac.abort() });
    await assert.rejects(run, (err: unknown) => (err as { code?: string }).code === 'CANCELLED');
    assert.equal(pool.busy, 0, 'no chunk task left in the pool');
    assert.equal((await repo.listSnapshots()).length, 0, 'nothing committed');
  } finally {
    await pool.close();
  }
});
