import assert from 'node:assert/strict';
import { cp, readdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { test } from 'node:test';
import { checkRepository } from '../../src/checker/checker.js';
import type { CheckProblem } from '../../src/checker/types.js';
import { BlobType } from '../../src/repository/pack2.js';
import { snapshotTreeBlobs } from '../../src/repository/reader.js';
import type { SnapshotRecord } from '../../src/repository/snapshot.js';
import { mutateNdjsonDataset, writeNdjsonDataset } from '../../src/sandbox/synthetic.js';
import { backupDir, newRepo, reopen } from '../support/repo.js';
import { tempDir } from '../support/tmp.js';
import { storedBlobs, type StoredBlob } from '../support/v2.js';

/** A repository with a checkpoint and a delta, dictionaries, several data and tree packs. */
const base = await (async () => {
  const dir = await tempDir();
  const data = path.join(dir, 'data');
  await writeNdjsonDataset(data, { patients: 12, seed: 31 });
  const { repo, root } = await newRepo(dir, { packTargetBytes: 48 * 1024, frameTargetBytes: 8 * 1024, dictionaryBytes: 8 * 1024, treeChunkRows: 200 });
  const first = await backupDir(repo, data);
  await mutateNdjsonDataset(data, { fraction: 0.05, seed: 3 });
  const second = await backupDir(repo, data);
  return { root, snapshots: [first.snapshotId, second.snapshotId] };
})();

async function copyOfBase(): Promise<string> {
  const dir = await tempDir();
  const root = path.join(dir, 'repo');
  await cp(base.root, root, { recursive: true });
  return root;
}

async function flip(file: string, at: number): Promise<void> {
  const b = await readFile(file);
  b[at] = (b[at] as number) ^ 0x20;
  await writeFile(file, b);
}

const packFile = (root: string, pack: string): string => path.join(root, 'data', pack.slice(0, 2), pack);

/** The stored blob of a given kind, and whether it is a delta/chunk/directory of the second snapshot's tree. */
async function blobOf(root: string, pick: (b: StoredBlob, treeIds: Map<string, string>) => boolean): Promise<StoredBlob> {
  const repo = await reopen(root);
  const snap = (await repo.listSnapshots()).at(-1) as SnapshotRecord;
  const ids = await snapshotTreeBlobs(repo, snap);
  const m = snap.manifest;
  const tree = m.version === 2 && m.tree.kind === 'resources' ? m.tree : null;
  const kinds = new Map<string, string>();
  for (const id of ids) kinds.set(id, id === tree?.checkpoint ? 'directory' : tree?.deltas.includes(id) ? 'delta' : 'chunk');
  const b = (await storedBlobs(repo)).find((x) => pick(x, kinds));
  assert.ok(b, 'a blob of that kind');
  return b;
}

function names(problems: readonly CheckProblem[]): string[] {
  return problems.map((p) => `${p.code} ${p.file}`);
}

test('a flipped byte in every kind of structure is found and named: frame, row chunk, delta, directory, dictionary, pack header, index, snapshot, audit', async () => {
  const cases: { kind: string; damage: (root: string) => Promise<string>; readData: boolean; expect: (problems: CheckProblem[], file: string) => void }[] = [
    {
      kind: 'resource frame',
      readData: true,
      damage: async (root) => {
        const b = await blobOf(root, (x) => x.type === BlobType.frame);
        await flip(packFile(root, b.pack), b.offset + Math.floor(b.stored / 2));
        return `data/${b.pack.slice(0, 2)}/${b.pack}`;
      },
      expect: (problems, file) => {
        const p = problems.find((x) => x.file === file);
        assert.ok(p && p.code === 'PACK_CORRUPT' && p.snapshots.length > 0 && p.resources.length > 0, JSON.stringify(problems));
        assert.ok(p.resourceCount >= p.resources.length && problems.length === 1, JSON.stringify(problems));
      },
    },
    // With --read-data the snapshots' trees are read while the packs are verified: a damaged tree blob is still
    // named as its pack's damage, on the snapshots that use it, and nothing read before the damage was known leaks.
    ...(['chunk', 'delta'] as const).map((part) => ({
      kind: `row ${part}, reading data`,
      readData: true,
      damage: async (root: string) => {
        const b = await blobOf(root, (x, kinds) => kinds.get(x.blob) === part);
        await flip(packFile(root, b.pack), b.offset + Math.floor(b.stored / 2));
        return `data/${b.pack.slice(0, 2)}/${b.pack}`;
      },
      expect: (problems: CheckProblem[], file: string) => {
        const p = problems.find((x) => x.file === file);
        assert.ok(p && p.code === 'PACK_CORRUPT' && p.snapshots.length > 0, JSON.stringify(problems));
        assert.ok(!problems.some((x) => x.code === 'SNAPSHOT_CORRUPT'), JSON.stringify(problems));
      },
    })),
    ...(['chunk', 'delta', 'directory'] as const).map((part) => ({
      kind: `row ${part}`,
      readData: false,
      damage: async (root: string) => {
        const b = await blobOf(root, (x, kinds) => kinds.get(x.blob) === part);
        await flip(packFile(root, b.pack), b.offset + Math.floor(b.stored / 2));
        return `data/${b.pack.slice(0, 2)}/${b.pack}`;
      },
      expect: (problems: CheckProblem[]) => {
        // Without reading data the tree read itself fails and names the snapshot(s) whose tree it is.
        const p = problems.find((x) => x.code === 'SNAPSHOT_CORRUPT' || x.code === 'PACK_CORRUPT');
        assert.ok(p && p.snapshots.length > 0, JSON.stringify(problems));
      },
    })),
    {
      kind: 'dictionary',
      readData: true,
      damage: async (root) => {
        const b = await blobOf(root, (x) => x.type === BlobType.dictionary);
        await flip(packFile(root, b.pack), b.offset + Math.floor(b.stored / 2));
        return `data/${b.pack.slice(0, 2)}/${b.pack}`;
      },
      expect: (problems, file) => {
        assert.ok(
          problems.some((x) => x.file === file && x.code === 'PACK_CORRUPT' && x.resources.some((r) => r.endsWith(' dictionary'))),
          JSON.stringify(problems),
        );
      },
    },
    {
      kind: 'pack header',
      readData: true,
      damage: async (root) => {
        const b = await blobOf(root, (x) => x.type === BlobType.frame);
        const file = packFile(root, b.pack);
        const size = (await readFile(file)).length;
        await flip(file, size - 20);
        return `data/${b.pack.slice(0, 2)}/${b.pack}`;
      },
      expect: (problems, file) => {
        const p = problems.find((x) => x.file === file);
        assert.ok(p && p.code === 'PACK_CORRUPT', JSON.stringify(problems));
      },
    },
    {
      kind: 'index file',
      readData: false,
      damage: async (root) => {
        const f = (await readdir(path.join(root, 'index')))[0] as string;
        await flip(path.join(root, 'index', f), 40);
        return `index/${f}`;
      },
      expect: (problems, file) =>
        assert.ok(
          problems.some((x) => x.code === 'INDEX_CORRUPT' && x.file === file),
          JSON.stringify(problems),
        ),
    },
    {
      kind: 'snapshot file',
      readData: false,
      damage: async (root) => {
        const f = base.snapshots[1] as string;
        await flip(path.join(root, 'snapshots', f), 40);
        return `snapshots/${f}`;
      },
      expect: (problems, file) =>
        assert.ok(
          problems.some((x) => x.code === 'SNAPSHOT_CORRUPT' && x.file === file),
          JSON.stringify(problems),
        ),
    },
  ];
  for (const c of cases) {
    const root = await copyOfBase();
    const file = await c.damage(root);
    const r = await checkRepository(await reopen(root), { readData: c.readData });
    assert.equal(r.ok, false, `${c.kind}: found (${names(r.problems).join('; ')})`);
    c.expect(r.problems, file);
  }
  // Audit entries are checked by the engine's check (named file by file).
  const root = await copyOfBase();
  const repo = await reopen(root);
  await repo.writeAuditEntry({ seq: 1, action: 'test' });
  const f = (await readdir(path.join(root, 'audit')))[0] as string;
  await flip(path.join(root, 'audit', f), 40);
  assert.deepEqual((await repo.readAuditEntries()).damaged, [`audit/${f}`]);
});

test('the clean base repository passes the full check', async () => {
  const r = await checkRepository(await reopen(await copyOfBase()), { readData: true });
  assert.deepEqual(r.problems, []);
  assert.equal(r.stats.snapshots, 2);
});
