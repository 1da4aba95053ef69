/**
 * `repair index`: rebuilds the index from the packs' own headers, like restic's `repair index`. No other copy
 * is needed: every pack ends with its sealed header (docs/format.md §11.2), which lists its frames and blobs.
 *
 *  1. read the tail header of every pack in storage;
 *  2. packs whose header cannot be read keep the listing a readable index file gives them, and packs a readable
 *     index lists but storage lacks keep theirs too (so `check` still names the missing file and `check --repair`
 *     can fetch it from another copy);
 *  3. write ONE new index file listing all of them that supersedes every index file in storage;
 *  4. only then delete the old index files.
 * A crash before 3 leaves the old index (and the in-memory fallback to pack headers); after 3 the new index is in
 * force and the old files are ignored (superseded) until the next repair or prune deletes them.
 */
import { EngineError, isEngineError, isIntegrityCode, type LongOperationOptions, throwIfAborted } from '../shared/index.js';
import type { PackRecord } from './packFormat.js';
import { repairIndex as repairIndexV2 } from './repair2.js';
import { describeFile, liveIndexFiles, type Repository } from './repository.js';

export interface RepairIndexResult {
  /** Packs listed by the new index. */
  readonly packs: number;
  readonly blobs: number;
  /** Packs whose listing came from their own header. */
  readonly fromHeaders: number;
  /** Packs whose header could not be read but a readable index file still described (kept from there). */
  readonly keptFromOldIndex: readonly string[];
  /** Packs in storage whose header cannot be read and that no index describes: their data is lost unless another copy has it. */
  readonly unreadable: readonly string[];
  /** Packs a readable index file lists that are not in storage (kept, so `check --repair` can fetch them). */
  readonly missing: readonly string[];
  /** Old index files replaced (damaged ones included). */
  readonly indexFilesReplaced: number;
  /** The new index file, or null when the repository holds no data at all. */
  readonly indexFile: string | null;
}

export async function repairIndex(repo: Repository, options: LongOperationOptions = {}): Promise<RepairIndexResult> {
  if (repo.version === 2) {
    const r = await repairIndexV2(repo, options);
    await repo.loadIndex(options.signal, { refresh: true });
    const missing = [...repo.indexState.missingPacks].map((id) => describeFile({ kind: 'data', name: id }));
    return {
      packs: r.packs,
      blobs: r.blobs,
      fromHeaders: r.packs - r.keptFromOldIndex.length - missing.length,
      keptFromOldIndex: r.keptFromOldIndex,
      unreadable: r.unreadable.map((u) => u.file),
      missing,
      indexFilesReplaced: r.indexFilesReplaced,
      indexFile: r.indexFile,
    };
  }
  const { signal, onProgress } = options;
  const oldFiles: string[] = [];
  for await (const f of repo.backend.list('index', signal)) oldFiles.push(f.name);
  const { readable } = await repo.readIndexFiles(signal);
  const described = new Map<string, PackRecord>();
  for (const f of liveIndexFiles(readable)) for (const p of f.content.packs) if (!described.has(p.id)) described.set(p.id, p);

  const stored: { id: string; size: number }[] = [];
  for await (const f of repo.backend.list('data', signal)) stored.push({ id: f.name, size: f.size });
  const packs: PackRecord[] = [];
  const keptFromOldIndex: string[] = [];
  const unreadable: string[] = [];
  let done = 0;
  for (const { id, size } of stored) {
    throwIfAborted(signal);
    try {
      packs.push({ id, size, ...(await repo.readPackHeaderFromTail(id, size, signal)) });
    } catch (err) {
      if (!isEngineError(err) || !isIntegrityCode(err.code)) throw err;
      const old = described.get(id);
      if (old && old.size === size) {
        packs.push(old);
        keptFromOldIndex.push(describeFile({ kind: 'data', name: id }));
      } else unreadable.push(describeFile({ kind: 'data', name: id }));
    }
    onProgress?.({ type: 'progress', op: 'repair', phase: 'read-headers', done: ++done, total: stored.length, unit: 'files' });
  }
  const inStorage = new Set(stored.map((p) => p.id));
  const missing = [...described.values()].filter((p) => !inStorage.has(p.id));
  packs.push(...missing);
  if (packs.length === 0 && oldFiles.length === 0) {
    return { packs: 0, blobs: 0, fromHeaders: 0, keptFromOldIndex, unreadable, missing: [], indexFilesReplaced: 0, indexFile: null };
  }
  throwIfAborted(signal);
  const fresh = await repo.writeIndexFile(
    packs,
    oldFiles.filter((f) => /^[0-9a-f]{64}$/.test(f)),
  );
  for (const id of oldFiles) if (id !== fresh.id) await repo.backend.delete({ kind: 'index', name: id });
  await repo.loadIndex(signal, { refresh: true });
  if (repo.indexState.unindexedPacks.size > 0) throw new EngineError('INTERNAL', { reason: 'the rebuilt index does not list every readable pack' });
  return {
    packs: packs.length,
    blobs: packs.reduce((n, p) => n + p.blobs.length, 0),
    fromHeaders: packs.length - keptFromOldIndex.length - missing.length,
    keptFromOldIndex,
    unreadable,
    missing: missing.map((p) => describeFile({ kind: 'data', name: p.id })),
    indexFilesReplaced: oldFiles.length,
    indexFile: fresh.id,
  };
}
