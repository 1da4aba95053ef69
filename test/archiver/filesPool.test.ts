// Folder and database backups hash, compress and encrypt their chunks in the worker pool (like FHIR backups), not
// on the thread hosting the engine: a real pool counted from outside, the same repository content as the
// main-thread path (byte-identical trees), only new chunks sealed on a re-run, and a worker that dies mid-backup
// failing the run cleanly (nothing committed; the next run completes and check passes).
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdir, readdir, utimes, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { after, test } from 'node:test';
import { backupDatabase } from '../../src/archiver/dbBackup.js';
import { backupFolders, folderParent } from '../../src/archiver/filesBackup.js';
import { checkRepository } from '../../src/checker/checker.js';
import { WorkerPool } from '../../src/pool/pool.js';
import type { SnapshotRecord } from '../../src/repository/snapshot.js';
import { restoreFiles } from '../../src/restorer/filesTarget.js';
import { isEngineError } from '../../src/shared/errors.js';
import { newRepo, reopen } from '../support/repo.js';
import { tempDir } from '../support/tmp.js';

const CHUNKS = { chunkMinBytes: 16 * 1024, chunkAvgBytes: 64 * 1024, chunkMaxBytes: 256 * 1024, packTargetBytes: 1024 * 1024 };

/** A real pool that counts the chunk tasks it runs and the bytes they carry. */
class CountingPool extends WorkerPool {
  readonly counts = { chunkIds: 0, sealChunks: 0, sealedChunks: 0, bytes: 0 };
  override run<R>(name: string, ctx: number, payload: unknown, transfer: readonly ArrayBuffer[] = []): Promise<R> {
    if (name === 'chunkIds') {
      this.counts.chunkIds++;
      this.counts.bytes += (payload as { data: Uint8Array }).data.byteLength;
    }
    if (name === 'sealChunks') {
      this.counts.sealChunks++;
      this.counts.sealedChunks += (payload as { pick: number[] }).pick.length;
    }
    return super.run<R>(name, ctx, payload, transfer);
  }
}

async function tree(root: string): Promise<void> {
  await mkdir(path.join(root, 'exames', '2026'), { recursive: true });
  await mkdir(path.join(root, 'documentos'), { recursive: true });
  for (let i = 0; i < 4; i++) await writeFile(path.join(root, 'exames', '2026', `us-${i}.jpg`), randomBytes(1_500_000 + i * 300_000));
  for (let i = 0; i < 20; i++) await writeFile(path.join(root, 'documentos', `laudo-${i}.txt`), `Laudo ${i}: evolução estável.\n`.repeat(2000 + i * 50));
  // Older than the files cache's racy window (2 s), as a clinic's files mostly are: a re-run may skip them.
  const old = new Date('2025-03-04T05:06:07Z');
  for (const d of [path.join(root, 'exames', '2026'), path.join(root, 'documentos')]) for (const f of await readdir(d)) await utimes(path.join(d, f), old, old);
}

test('folder chunks are hashed, compressed and encrypted in the worker pool; the repository holds the same tree as from the main thread', async () => {
  const dir = await tempDir('cb-files-pool-');
  const src = path.join(dir, 'Clínica');
  await tree(src);
  const pool = new CountingPool(2, true);
  after(() => pool.close());

  await mkdir(path.join(dir, 'a'));
  await mkdir(path.join(dir, 'b'));
  const a = await newRepo(path.join(dir, 'a'), CHUNKS);
  const pooled = await backupFolders(a.repo, { folders: [{ path: src }], location: src, parent: null, pool });
  const total = pooled.manifest.totals.bytes;
  assert.ok(total > 7_000_000, `${total}`);
  assert.equal(pool.counts.bytes, total, 'every byte of every file went through the pool');
  assert.ok(pool.counts.chunkIds >= 4, `${pool.counts.chunkIds} batches`);
  assert.equal(pool.counts.sealedChunks, pooled.stats.newChunks, 'every new chunk was sealed there, and only the new ones');

  // The same tree, sealed on this thread, in a repository with the same keys: byte-identical directory nodes.
  const b = await newRepo(path.join(dir, 'b'), CHUNKS);
  const plainA = await backupFolders(a.repo, { folders: [{ path: src }], location: 'outra', parent: null, pool: null });
  assert.equal(plainA.manifest.tree.kind === 'files' && plainA.manifest.tree.root, pooled.manifest.tree.kind === 'files' && pooled.manifest.tree.root, 'same chunk ids and nodes');
  assert.equal(plainA.manifest.totals.newBlobs, 0, 'the main-thread run found every chunk stored by the pooled one');
  const plainB = await backupFolders(b.repo, { folders: [{ path: src }], location: src, parent: null, pool: null });
  assert.equal(plainB.manifest.counts['files'], pooled.manifest.counts['files']);

  const again = await reopen(a.root);
  assert.deepEqual((await checkRepository(again, { readData: true })).problems, []);
  const snap = (await again.listSnapshots()).find((s) => s.id === pooled.snapshotId) as SnapshotRecord;
  const out = path.join(dir, 'restaurado');
  await restoreFiles(again, snap, out);
  execFileSync('diff', ['-r', src, path.join(out, 'Clínica')]);

  // An edit inside one image: the re-read file goes through the pool again, and only its changed chunks are sealed.
  const before = { ...pool.counts };
  const img = path.join(src, 'exames', '2026', 'us-2.jpg');
  const fh = await import('node:fs/promises').then((f) => f.open(img, 'r+'));
  await fh.write(randomBytes(1000), 0, 1000, 900_000);
  await fh.close();
  const parent = folderParent(await again.listSnapshots(), src);
  const edited = await backupFolders(again, { folders: [{ path: src }], location: src, parent, pool });
  assert.equal(edited.stats.filesRead, 1);
  assert.ok(pool.counts.sealedChunks - before.sealedChunks <= 3, `${pool.counts.sealedChunks - before.sealedChunks} chunks sealed for a 1 kB edit`);
  assert.ok(pool.counts.sealedChunks - before.sealedChunks >= 1);
});

test('a database dump streams through the pool too; a worker that dies mid-backup fails the run, commits nothing, and the next run completes', async () => {
  const dir = await tempDir('cb-db-pool-');
  const { default: Database } = await import('better-sqlite3');
  const file = path.join(dir, 'clinica.db');
  const db = new Database(file);
  db.exec('create table exames (id integer primary key, imagem blob)');
  const ins = db.prepare('insert into exames (imagem) values (?)');
  for (let i = 0; i < 200; i++) ins.run(randomBytes(20_000));
  db.close();
  const pool = new CountingPool(2, true);
  after(() => pool.close());
  const { repo, root } = await newRepo(dir, CHUNKS);

  pool.crashOnNextTask();
  await assert.rejects(backupDatabase(repo, { source: { kind: 'sqlite', path: file }, credentials: {}, parent: null, pool }), (e: unknown) => isEngineError(e, 'WORKER_FAILED'));
  assert.equal((await repo.listSnapshots()).length, 0, 'nothing committed');

  const r = await backupDatabase(repo, { source: { kind: 'sqlite', path: file }, credentials: {}, parent: null, pool });
  assert.equal(r.meta.fileName, 'clinica.db');
  assert.ok(pool.counts.bytes >= r.manifest.totals.bytes, 'the dump went through the pool');
  assert.ok(r.newChunks > 10);
  assert.deepEqual((await checkRepository(await reopen(root), { readData: true })).problems, []);
});
