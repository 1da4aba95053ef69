/**
 * prune: removes data no snapshot references (after forget, or left by interrupted backups), like restic's.
 * Under an exclusive lock:
 *  1. mark every blob referenced by a snapshot (tree blobs and the resources they list, attachment listings
 *     and the content chunks they list);
 *  2. packs with no used blob are deleted; packs where unused data exceeds `repackThreshold` have their used
 *     blobs copied into new packs (written and indexed first);
 *  3. one new index listing every pack that stays is written, superseding all old index files;
 *  4. only then are old index files and the removed packs deleted.
 * A crash at any point leaves a readable repository: before 3 the old index still holds; after 3 the new
 * one does; leftovers are unreferenced files that the next prune removes. Object-locked files are kept.
 */
import { isLockedFile, isPutOnly } from '../backend/index.js';
import { EngineError, type LongOperationOptions, throwIfAborted } from '../shared/index.js';
import type { PackRecord } from './packFormat.js';
import type { Repository } from './repository.js';
import { readAttachments } from './attachments.js';
import { pruneRepositoryV2 } from './prune2.js';
import { rowBlob } from './tree.js';
import { loadOverlay, treeTypes, typeRows } from './treeStore.js';

export interface PruneOptions extends LongOperationOptions {
  /** Repack a pack when this fraction of its bytes is unused (default 0.5). */
  readonly repackThreshold?: number;
  /** Compute and report only. */
  readonly dryRun?: boolean;
}

export interface PruneResult {
  readonly packsDeleted: number;
  readonly packsRepacked: number;
  readonly packsKeptLocked: number;
  readonly unindexedPacksDeleted: number;
  readonly bytesFreed: number;
  readonly blobsUsed: number;
  readonly blobsUnused: number;
  readonly indexFilesReplaced: number;
  readonly dryRun: boolean;
}

/** prune for either format version. */
export async function pruneRepository(repo: Repository, options: PruneOptions = {}): Promise<PruneResult> {
  if (repo.version === 2) return pruneRepositoryV2(repo, options);
  return pruneRepositoryV1(repo, options);
}

async function pruneRepositoryV1(repo: Repository, options: PruneOptions = {}): Promise<PruneResult> {
  const { signal, onProgress } = options;
  if (isPutOnly(repo.backend)) throw new EngineError('S3_ACCESS_DENIED', { bucket: repo.backend.location, operation: 'prune (this copy is put-only; run prune with the admin credential)' });
  await repo.loadIndex(signal);
  const index = repo.index;
  const used = new Uint8Array(index.size);
  const mark = (hex: string): void => {
    const pos = index.position(Buffer.from(hex, 'hex'));
    if (pos >= 0) used[pos] = 1;
  };
  const snaps = await repo.listSnapshots(signal);
  if ((await repo.listSnapshotIds(signal)).length !== snaps.length) {
    // A snapshot that cannot be read might reference anything: never delete data on a guess.
    throw new EngineError('SNAPSHOT_CORRUPT', { file: 'snapshots/ (run check; prune refuses while a snapshot is unreadable)' });
  }
  let done = 0;
  for (const snap of snaps) {
    throwIfAborted(signal);
    if (snap.manifest.version !== 1) continue;
    const tree = snap.manifest.tree;
    for (const b of [...Object.values(tree.checkpoint).flat(), ...tree.deltas]) mark(b);
    const overlay = await loadOverlay(repo, tree, signal);
    for (const type of treeTypes(tree, overlay)) for await (const row of typeRows(repo, tree, type, overlay, signal)) mark(rowBlob(row));
    // Attachment listings and the content chunks they list.
    for (const b of snap.manifest.attachments?.listing ?? []) mark(b);
    for (const a of await readAttachments(repo, snap.manifest.attachments, signal)) for (const b of a.blobs) mark(b);
    onProgress?.({ type: 'progress', op: 'prune', phase: 'mark', done: ++done, total: snaps.length, unit: 'steps' });
  }

  // Per pack: used bytes vs total.
  const usedBytes = new Map<string, number>();
  let blobsUsed = 0;
  for (let i = 0; i < index.size; i++) {
    if (!used[i]) continue;
    blobsUsed++;
    const pack = index.packAt(i);
    usedBytes.set(pack.id, (usedBytes.get(pack.id) ?? 0) + 1);
  }
  const threshold = options.repackThreshold ?? 0.5;
  const remove: PackRecord[] = [];
  const repack: PackRecord[] = [];
  const keep: PackRecord[] = [];
  for (const pack of index.packs) {
    const usedCount = usedBytes.get(pack.id) ?? 0;
    if (usedCount === 0) remove.push(pack);
    else if (usedCount < pack.blobs.length && 1 - usedCount / pack.blobs.length >= threshold) repack.push(pack);
    else keep.push(pack);
  }
  // Packs in storage that no index lists (an interrupted backup before its index was written).
  const indexed = new Set(index.packs.map((p) => p.id));
  const unindexed: string[] = [];
  for await (const f of repo.backend.list('data', signal)) if (!indexed.has(f.name)) unindexed.push(f.name);

  const locked = new Set<string>();
  // A pack whose lock state cannot be read is kept as if locked: prune never deletes what it is unsure of.
  for (const p of [...remove, ...repack]) if (await isLockedFile(repo.backend, { kind: 'data', name: p.id }).catch(() => true)) locked.add(p.id);
  const bytesFreed = [...remove, ...repack].filter((p) => !locked.has(p.id)).reduce((n, p) => n + p.size, 0);
  const base = { packsKeptLocked: locked.size, blobsUsed, blobsUnused: index.size - blobsUsed, dryRun: options.dryRun === true };
  if (options.dryRun) {
    return {
      ...base,
      packsDeleted: remove.length - [...remove].filter((p) => locked.has(p.id)).length,
      packsRepacked: repack.filter((p) => !locked.has(p.id)).length,
      unindexedPacksDeleted: unindexed.length,
      bytesFreed,
      indexFilesReplaced: repo.indexFiles.size,
    };
  }

  // 2. Copy the used blobs of packs to repack into new packs (and their index), before anything goes.
  const writer = repo.writer();
  const toRepack = repack.filter((p) => !locked.has(p.id));
  for (const pack of toRepack) {
    for (const b of pack.blobs) {
      throwIfAborted(signal);
      const pos = index.position(b.id);
      if (pos < 0 || !used[pos] || index.packAt(pos).id !== pack.id) continue;
      await writer.addBlob(pack.blobType, await repo.readBlob(b.id, signal), b.id, { force: true });
    }
  }
  await writer.flush();
  const newPacks = index.packs.filter((p) => !indexed.has(p.id));
  // 3. One index for everything that stays, superseding every earlier index file.
  const gone = new Set([...remove, ...toRepack].filter((p) => !locked.has(p.id)).map((p) => p.id));
  const staying = [...keep, ...remove.filter((p) => locked.has(p.id)), ...repack.filter((p) => locked.has(p.id)), ...newPacks].filter((p) => !gone.has(p.id));
  // Every index file in storage, including ones already superseded whose deletion an earlier prune did not
  // finish: if the new index did not name them, they would come back to life once their superseder is gone.
  const oldIndexFiles: string[] = [];
  for await (const f of repo.backend.list('index', signal)) oldIndexFiles.push(f.name);
  const fresh = await repo.writeIndexFile(staying, oldIndexFiles);
  // 4. Delete superseded index files, then the packs nothing references any more.
  for (const id of oldIndexFiles) if (id !== fresh.id) await repo.backend.delete({ kind: 'index', name: id });
  let deleted = 0;
  for (const id of gone) {
    await repo.backend.delete({ kind: 'data', name: id });
    deleted++;
  }
  // As above: unsure means kept.
  for (const id of unindexed) if (!(await isLockedFile(repo.backend, { kind: 'data', name: id }).catch(() => true))) await repo.backend.delete({ kind: 'data', name: id });
  onProgress?.({ type: 'progress', op: 'prune', phase: 'delete', done: deleted, total: gone.size, unit: 'files' });
  return {
    ...base,
    packsDeleted: remove.filter((p) => !locked.has(p.id)).length,
    packsRepacked: toRepack.length,
    unindexedPacksDeleted: unindexed.length,
    bytesFreed,
    indexFilesReplaced: oldIndexFiles.length,
  };
}
