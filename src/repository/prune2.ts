/**
 * prune of a version 2 repository (docs/format.md §21.2), under an exclusive lock:
 *  1. mark every blob a remaining snapshot reaches: its tree blobs (checkpoint directory, row chunks, deltas,
 *     directory nodes, attachment lists), the frames its row sets name, the chunks its files and attachments
 *     name; dictionaries are always kept;
 *  2. packs with nothing live are deleted; packs mostly dead (by bytes) have their live blobs copied, envelope by
 *     envelope after verifying each, into new packs (written and indexed first);
 *  3. one index file listing every pack that stays and superseding every index file present is written;
 *  4. only then are the superseded index files and the packs nothing references deleted.
 * A crash at any point leaves a readable repository. Object-locked files are kept; a put-only copy refuses.
 */
import { isLockedFile, isPutOnly } from '../backend/index.js';
import { EngineError, throwIfAborted } from '../shared/index.js';
import { FormatError } from './bytes.js';
import { readAttachments } from './attachments.js';
import { walkFilesTree } from './fileTree.js';
import { BlobType, type BlobTypeId, type PackRecord2 } from './pack2.js';
import type { PruneOptions, PruneResult } from './prune.js';
import { readCheckpointDir } from './resourceTree.js';
import type { Repository } from './repository.js';
import { rowSetFrames } from './rowSet.js';
import type { SnapshotManifestV2, SnapshotRecord } from './snapshot.js';
import { OtherVersionFile } from './store2.js';

/** Marks what the snapshots reach; returns the live bitmap over index entries. */
export async function markLive(repo: Repository, snaps: readonly SnapshotRecord[], options: PruneOptions = {}): Promise<Uint8Array> {
  const { signal, onProgress } = options;
  const store = repo.store;
  const idx = store.index;
  const used = new Uint8Array(idx.entryCount);
  const mark = (id: Buffer | string): void => {
    const e = idx.find(typeof id === 'string' ? Buffer.from(id, 'hex') : id);
    if (e >= 0) used[e] = 1;
  };
  for (let e = 0; e < idx.entryCount; e++) if (idx.typeAt(e) === BlobType.dictionary && idx.isPrimary(e)) used[e] = 1;
  const seenTree = new Set<string>();
  const read = (id: string, s?: AbortSignal): Promise<Buffer> => store.readBlob(id, s);
  let done = 0;
  for (const snap of snaps) {
    throwIfAborted(signal);
    const m = snap.manifest as SnapshotManifestV2;
    try {
      if (m.tree.kind === 'resources') {
        const tree = m.tree;
        const rowSets: string[] = [...tree.deltas];
        if (tree.checkpoint) {
          mark(tree.checkpoint);
          if (!seenTree.has(tree.checkpoint)) {
            const dir = await readCheckpointDir(read, tree, { signal });
            for (const c of dir?.chunks ?? []) rowSets.push(c.blob);
          }
          seenTree.add(tree.checkpoint);
        }
        for (const id of rowSets) {
          mark(id);
          if (seenTree.has(id)) continue;
          seenTree.add(id);
          for (const f of rowSetFrames(await read(id, signal))) mark(f);
        }
      } else {
        for await (const item of walkFilesTree(read, m.tree.root, { signal })) {
          if (item.kind === 'node') mark(item.blob);
          else if (item.entry.type === 'file') for (const c of item.entry.content) mark(c);
        }
      }
      for (const b of m.attachments?.listing ?? []) mark(b);
      for (const a of await readAttachments(repo, m.attachments, signal)) for (const c of a.blobs) mark(c);
    } catch (err) {
      // A snapshot whose tree cannot be read might reference anything: never delete data on a guess.
      if (err instanceof FormatError || (err instanceof EngineError && (err.code === 'PACK_CORRUPT' || err.code === 'BLOB_MISSING'))) {
        throw new EngineError('SNAPSHOT_CORRUPT', { file: `snapshots/${snap.id} (run check; prune refuses while a snapshot's tree is unreadable)` });
      }
      throw err;
    }
    onProgress?.({ type: 'progress', op: 'prune', phase: 'mark', done: ++done, total: snaps.length, unit: 'steps' });
  }
  return used;
}

/** Every version 2 snapshot; refuses when one cannot be read (version 1 files left by migrate are skipped). */
export async function readAllSnapshots(repo: Repository, signal?: AbortSignal): Promise<SnapshotRecord[]> {
  const out: SnapshotRecord[] = [];
  for (const id of await repo.listSnapshotIds(signal)) {
    try {
      out.push(await repo.readSnapshot(id));
    } catch (err) {
      if (err instanceof OtherVersionFile) continue;
      if (err instanceof EngineError && (err.code === 'SNAPSHOT_CORRUPT' || err.code === 'REPO_VERSION_UNSUPPORTED')) {
        throw new EngineError('SNAPSHOT_CORRUPT', { file: `snapshots/${id} (run check; prune refuses while a snapshot is unreadable)` });
      }
      throw err;
    }
  }
  return out;
}

export async function pruneRepositoryV2(repo: Repository, options: PruneOptions = {}): Promise<PruneResult> {
  const { signal, onProgress } = options;
  if (isPutOnly(repo.backend)) throw new EngineError('S3_ACCESS_DENIED', { bucket: repo.backend.location, operation: 'prune (this copy is put-only; run prune with the admin credential)' });
  const store = repo.store;
  await repo.loadIndex(signal);
  const idx = store.index;
  const snaps = await readAllSnapshots(repo, signal);
  const used = await markLive(repo, snaps, options);

  let blobsUsed = 0;
  const threshold = options.repackThreshold ?? 0.5;
  const remove: number[] = [];
  const repack: number[] = [];
  const keep: number[] = [];
  for (let p = 0; p < idx.packCount; p++) {
    const [start, end] = idx.packRange(p);
    let live = 0;
    let all = 0;
    for (let e = start; e < end; e++) {
      all += idx.storedAt(e);
      if (used[e]) {
        live += idx.storedAt(e);
        blobsUsed++;
      }
    }
    if (live === 0) remove.push(p);
    else if (live < all && 1 - live / all >= threshold) repack.push(p);
    else keep.push(p);
  }
  // Packs in storage that no index lists (an interrupted backup; version 1 packs after a migration).
  const unindexed: string[] = [];
  for await (const f of store.backend.list('data', signal)) if (!idx.hasPack(f.name)) unindexed.push(f.name);
  const locked = new Set<number>();
  for (const p of [...remove, ...repack]) if (await isLockedFile(store.backend, { kind: 'data', name: idx.packId(p) }).catch(() => true)) locked.add(p);
  const bytesFreed = [...remove, ...repack].filter((p) => !locked.has(p)).reduce((n, p) => n + idx.packSize(p), 0);
  const base = { packsKeptLocked: locked.size, blobsUsed, blobsUnused: idx.entryCount - blobsUsed, dryRun: options.dryRun === true };
  const indexFilesBefore: string[] = [];
  for await (const f of store.backend.list('index', signal)) indexFilesBefore.push(f.name);
  if (options.dryRun) {
    return {
      ...base,
      packsDeleted: remove.filter((p) => !locked.has(p)).length,
      packsRepacked: repack.filter((p) => !locked.has(p)).length,
      unindexedPacksDeleted: unindexed.length,
      bytesFreed,
      indexFilesReplaced: indexFilesBefore.length,
    };
  }

  // 2. Live blobs of mostly-dead packs into new packs, each verified before it is copied.
  const writer = repo.writer2();
  const toRepack = repack.filter((p) => !locked.has(p));
  let done = 0;
  for (const p of toRepack) {
    throwIfAborted(signal);
    const bytes = await store.backend.read({ kind: 'data', name: idx.packId(p) }, undefined, signal);
    const [start, end] = idx.packRange(p);
    for (let e = start; e < end; e++) {
      if (!used[e]) continue;
      const at = idx.offsetAt(e);
      const envelope = bytes.subarray(at, at + idx.storedAt(e));
      const id = idx.idAt(e);
      await store.openBlob(id, envelope, idx.rawAt(e), idx.packId(p), signal);
      await writer.addSealed(idx.typeAt(e) as BlobTypeId, id, Buffer.from(envelope), idx.rawAt(e), { force: true });
    }
    onProgress?.({ type: 'progress', op: 'prune', phase: 'repack', done: ++done, total: toRepack.length, unit: 'files' });
  }
  await writer.flush();
  // 3. One index for everything that stays (and the packs just written), superseding every index file present.
  const gone = new Set([...remove, ...toRepack].filter((p) => !locked.has(p)));
  const staying: PackRecord2[] = [];
  for (let p = 0; p < idx.packCount; p++) if (!gone.has(p)) staying.push(idx.packRecord(p));
  const present: string[] = [];
  for await (const f of store.backend.list('index', signal)) present.push(f.name);
  const fresh = await store.writeIndexFile(staying, present);
  // 4. Delete the superseded index files, then what nothing references.
  for (const id of present) if (id !== fresh.id) await store.backend.delete({ kind: 'index', name: id });
  let deleted = 0;
  for (const p of gone) {
    await store.backend.delete({ kind: 'data', name: idx.packId(p) });
    deleted++;
  }
  let unindexedDeleted = 0;
  for (const id of unindexed) {
    if (await isLockedFile(store.backend, { kind: 'data', name: id }).catch(() => true)) continue;
    await store.backend.delete({ kind: 'data', name: id });
    unindexedDeleted++;
  }
  onProgress?.({ type: 'progress', op: 'prune', phase: 'delete', done: deleted, total: gone.size, unit: 'files' });
  return {
    ...base,
    packsDeleted: remove.filter((p) => !locked.has(p)).length,
    packsRepacked: toRepack.length,
    unindexedPacksDeleted: unindexedDeleted,
    bytesFreed,
    indexFilesReplaced: present.length,
  };
}
