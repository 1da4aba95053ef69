import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { readdir, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { checkRepository } from '../../src/checker/checker.js';
import { FilesTreeWriter, readFileContent } from '../../src/repository/filesWriter.js';
import { walkFilesTree, type TreeEntry } from '../../src/repository/fileTree.js';
import { snapshotRows } from '../../src/repository/reader.js';
import { pruneRepository } from '../../src/repository/prune.js';
import { repairIndex, repairSnapshot } from '../../src/repository/repair2.js';
import type { SnapshotManifestV2, SnapshotRecord } from '../../src/repository/snapshot.js';
import { restoreToNdjson } from '../../src/restorer/ndjsonTarget.js';
import { compareNdjsonFolders } from '../../src/restorer/compareNdjson.js';
import { writeNdjsonDataset } from '../../src/sandbox/synthetic.js';
import { backupDir, newRepo, reopen } from '../support/repo.js';
import { tempDir } from '../support/tmp.js';
import { framesByPack, resourcesInFrame } from '../support/v2.js';

test('repair index: with every index file gone, the index is rebuilt from the packs’ own headers; check passes and the data restores', async () => {
  const dir = await tempDir();
  const data = path.join(dir, 'data');
  await writeNdjsonDataset(data, { patients: 10, seed: 21 });
  const { repo, root } = await newRepo(dir, { packTargetBytes: 64 * 1024, frameTargetBytes: 16 * 1024 });
  await backupDir(repo, data);
  for (const f of await readdir(path.join(root, 'index'))) await rm(path.join(root, 'index', f));
  const broken = await reopen(root);
  assert.equal((await checkRepository(broken)).ok, false, 'without an index the snapshot references unknown blobs');
  const r = await repairIndex(await reopen(root));
  assert.ok(r.packs > 2 && r.blobs > r.packs);
  assert.deepEqual(r.unreadable, []);
  assert.deepEqual(await readdir(path.join(root, 'index')), [r.indexFile]);
  const fixed = await reopen(root);
  const check = await checkRepository(fixed, { readData: true });
  assert.deepEqual(check.problems, []);
  const target = path.join(dir, 'out');
  await restoreToNdjson(fixed, (await fixed.listSnapshots())[0] as SnapshotRecord, target, {});
  assert.ok((await compareNdjsonFolders(data, target)).identical);
});

test('repair snapshot: a lost pack gives a successor without the lost resources, naming them; the damaged snapshot stays; the successor checks and restores', async () => {
  const dir = await tempDir();
  const data = path.join(dir, 'data');
  await writeNdjsonDataset(data, { patients: 10, seed: 22 });
  const { repo, root } = await newRepo(dir, { packTargetBytes: 64 * 1024, frameTargetBytes: 16 * 1024 });
  const { snapshotId, manifest } = await backupDir(repo, data);
  const snap: SnapshotRecord = { id: snapshotId, manifest };
  const pack = (await framesByPack(repo))[0];
  assert.ok(pack);
  const gone = new Set<string>();
  for (const f of pack.frames) for (const k of await resourcesInFrame(repo, snap, f.blob)) gone.add(k);
  await rm(path.join(root, 'data', pack.pack.slice(0, 2), pack.pack));
  const r = await repairSnapshot(await reopen(root), snap);
  assert.ok(r.snapshotId);
  assert.equal(r.lostResources, gone.size);
  assert.equal(r.lost.length, gone.size, 'every lost resource named');
  assert.ok(r.lost.every((k) => gone.has(k)));
  const after = await reopen(root);
  const snaps = await after.listSnapshots();
  assert.equal(snaps.length, 2, 'the damaged snapshot is kept');
  const successor = snaps.find((s) => s.id === r.snapshotId) as SnapshotRecord;
  const m = successor.manifest as SnapshotManifestV2;
  assert.equal(m.repairedFrom, snapshotId);
  assert.deepEqual([...(m.lost ?? [])].sort(), [...gone].sort());
  assert.ok(m.tags.includes('repaired'));
  assert.equal(m.totals.resources, manifest.totals.resources - gone.size);
  const check = await checkRepository(after, { readData: true });
  assert.ok(
    check.problems.every((p) => p.snapshots.every((s) => s === snapshotId)),
    'only the damaged snapshot has problems',
  );
  const listed = new Set<string>();
  for await (const row of snapshotRows(after, successor)) listed.add(`${row.type}/${row.id}`);
  assert.ok([...gone].every((k) => !listed.has(k)));
  const out = await restoreToNdjson(after, successor, path.join(dir, 'out'), {});
  assert.deepEqual(out.failures, []);
  assert.equal(out.resources, m.totals.resources);
  assert.equal((await repairSnapshot(after, successor)).snapshotId, null, 'nothing lost: nothing written');
});

test('file trees: chunks and directory nodes written with the primitives read back, check and prune see them, a lost chunk is named by path and repaired away', async () => {
  const dir = await tempDir();
  const { repo, root } = await newRepo(dir, { chunkMinBytes: 4096, chunkAvgBytes: 16384, chunkMaxBytes: 65536, packTargetBytes: 64 * 1024 });
  const writer = repo.writer2();
  const files = new FilesTreeWriter(repo, writer);
  const big = randomBytes(300_000);
  const doc = Buffer.from('laudo '.repeat(20_000));
  const a = await files.addContent([big.subarray(0, 100_000), big.subarray(100_000)]);
  const b = await files.addContent([doc]);
  assert.ok(a.content.length > 5, 'content-defined chunks');
  const again = await files.addContent([big]);
  assert.deepEqual(again.content, a.content, 'the same content, fed differently, gives the same chunks');
  assert.equal(again.newChunks, 0);
  const t = (n: number): string => String(1733304764123456789n + BigInt(n));
  const exames = await files.addDirectory([{ name: 'imagem ç.bin', type: 'file', mode: 0o644, mtimeNs: t(1), size: a.size, content: a.content }]);
  const entries: TreeEntry[] = [
    { name: 'exames', type: 'dir', mode: 0o755, mtimeNs: t(2), subtree: exames },
    { name: 'laudo.txt', type: 'file', mode: 0o600, mtimeNs: t(3), size: b.size, content: b.content },
    { name: 'atalho', type: 'symlink', mode: 0o777, mtimeNs: t(4), target: 'exames' },
  ];
  const rootDir = await files.addDirectory([{ name: 'documentos', type: 'dir', mode: 0o755, mtimeNs: t(5), subtree: await files.addDirectory(entries) }]);
  await writer.flush();
  const manifest: SnapshotManifestV2 = {
    version: 2,
    time: new Date().toISOString(),
    hostname: os.hostname(),
    username: 'test',
    toolVersion: 'test',
    parent: null,
    source: { kind: 'files', location: 'documentos', paths: ['/srv/documentos'] },
    serverTransactionTime: null,
    mode: 'full',
    counts: { dirs: 2, files: 2, symlinks: 1 },
    totals: {
      resources: 0,
      bytes: a.size + b.size,
      added: 0,
      changed: 0,
      deleted: 0,
      unchanged: 0,
      newBlobs: writer.stats.newBlobs,
      newBlobBytes: writer.stats.newBlobBytes,
      storedBytesAdded: writer.stats.storedBytes,
    },
    tree: { kind: 'files', root: rootDir },
    dictionaries: {},
    attachments: null,
    partial: false,
    problems: [],
    problemCount: 0,
    tags: [],
  };
  const id = await repo.saveSnapshot(manifest);
  // An unreferenced chunk (written, never named by a tree) goes with prune; every named one stays.
  const orphanWriter = repo.writer2();
  await new FilesTreeWriter(repo, orphanWriter).addChunk(randomBytes(5000));
  await orphanWriter.flush();
  const pruned = await pruneRepository(await reopen(root));
  assert.equal(pruned.packsDeleted, 1);
  const check = await checkRepository(await reopen(root), { readData: true });
  assert.deepEqual(check.problems, []);
  const r2 = await reopen(root);
  await r2.loadIndex();
  const paths: string[] = [];
  for await (const item of walkFilesTree((x) => r2.store.readBlob(x), rootDir)) if (item.kind === 'entry') paths.push(item.path);
  assert.deepEqual(paths.sort(), ['documentos', 'documentos/atalho', 'documentos/exames', 'documentos/exames/imagem ç.bin', 'documentos/laudo.txt']);
  const back: Buffer[] = [];
  for await (const c of readFileContent(r2, a.content)) back.push(c);
  assert.ok(Buffer.concat(back).equals(big));
  // Lose the pack holding the first chunk of the image: check names the path; repair drops that file only.
  const loc = r2.store.index.get(Buffer.from(a.content[0] as string, 'hex'));
  assert.ok(loc);
  await rm(path.join(root, 'data', loc.pack.slice(0, 2), loc.pack));
  const damaged = await checkRepository(await reopen(root));
  assert.ok(
    damaged.problems.some((p) => p.resources.includes('documentos/exames/imagem ç.bin')),
    JSON.stringify(damaged.problems),
  );
  const rep = await repairSnapshot(await reopen(root), { id, manifest });
  assert.equal(rep.lostFiles, 1);
  assert.deepEqual(rep.lost, ['documentos/exames/imagem ç.bin']);
  const fixed = (await (await reopen(root)).listSnapshots()).find((s) => s.id === rep.snapshotId) as SnapshotRecord;
  assert.deepEqual(fixed.manifest.counts, { files: 1, dirs: 2, symlinks: 1 });
});
