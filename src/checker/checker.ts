/**
 * `check`: proves the repository is readable, like restic's check.
 *  - structure: every index file and snapshot opens, every indexed pack exists with the indexed size,
 *    every tree blob and every resource blob referenced by a snapshot is in the index;
 *  - data (--read-data, or --read-data-subset n/m for a deterministic 1/m slice of the packs): each pack's
 *    SHA-256 equals its name, its own header matches the index, every frame decrypts and every blob matches its keyed id.
 * Problems name the file, the snapshots affected and (bounded) the resources inside the damaged data.
 */
import {
  type BlobOpener,
  describeFile,
  loadOverlay,
  OtherVersionFile,
  type PackHeader,
  type PackRecord,
  readAttachments,
  type Repository,
  rowBlob,
  rowId,
  type SnapshotRecord,
  type TreeRef,
  treeTypes,
  typeRows,
} from '../repository/index.js';
import { sha256Hex } from '../crypto/index.js';
import { isEngineError, isIntegrityCode, throwIfAborted, type ErrorCode } from '../shared/index.js';
import { poolOpener } from '../pool/index.js';
import { checkRepositoryV2 } from './checkV2.js';
import { inSubset, type CheckOptions, type CheckProblem, type CheckReport } from './types.js';

export type { CheckOptions, CheckProblem, CheckReport } from './types.js';
export { inSubset } from './types.js';

const MAX_RESOURCES_PER_PROBLEM = 20;

/** Checks a repository of either format version. */
export async function checkRepository(repo: Repository, options: CheckOptions & { opener?: BlobOpener } = {}): Promise<CheckReport> {
  if (repo.version === 1) return checkRepositoryV1(repo, options);
  // Reading data opens every blob: in the worker pool, so the host stays responsive.
  const pooled = options.opener || !(options.readData || options.readDataSubset) ? null : poolOpener(repo);
  try {
    return await checkRepositoryV2(repo, pooled ? { ...options, opener: pooled } : options);
  } finally {
    pooled?.close();
  }
}

/** Version 1 (docs/format-v1.md). */
async function checkRepositoryV1(repo: Repository, options: CheckOptions = {}): Promise<CheckReport> {
  const { signal, onProgress } = options;
  const problems: CheckProblem[] = [];
  const stats = { snapshots: 0, indexFiles: 0, packs: 0, packsRead: 0, blobs: 0, bytesRead: 0, unreferencedPacks: 0 };
  const add = (code: ErrorCode, file: string, reason: string): CheckProblem => {
    const p: CheckProblem = { code, file, reason, snapshots: [], resources: [], resourceCount: 0 };
    problems.push(p);
    return p;
  };

  // 1. Index files, one by one, so a damaged one is named and the others still count. The in-memory index also
  // covers packs that no index file lists (read from their own headers); those are an index gap, not lost data.
  onProgress?.({ type: 'progress', op: 'check', phase: 'index', done: 0, unit: 'files' });
  await repo.loadIndex(signal, { refresh: true });
  const state = repo.indexState;
  stats.indexFiles = repo.indexFiles.size + state.damagedFiles.length;
  for (const name of state.damagedFiles) add('INDEX_CORRUPT', describeFile({ kind: 'index', name }), 'index file does not match its name or does not decrypt: rebuild the index with "repair index"');
  stats.blobs = repo.index.size;

  // 2. Packs: present with the indexed size.
  const present = new Map<string, number>();
  for await (const f of repo.backend.list('data', signal)) present.set(f.name, f.size);
  const damagedPacks = new Map<string, CheckProblem>();
  for (const pack of repo.index.packs) {
    stats.packs++;
    const size = present.get(pack.id);
    const file = describeFile({ kind: 'data', name: pack.id });
    if (size === undefined) damagedPacks.set(pack.id, add('BLOB_MISSING', file, 'pack file is missing'));
    else if (size !== pack.size) damagedPacks.set(pack.id, add('FILE_TRUNCATED', file, `size ${size}, expected ${pack.size}`));
  }
  // Packs no index file lists: in use by a snapshot, they are an index gap (found in step 4); otherwise leftovers.
  const unindexedInUse: { problem: CheckProblem | null } = { problem: null };
  const gap = (): CheckProblem =>
    (unindexedInUse.problem ??= add('INDEX_INCOMPLETE', 'index/', `the index does not list ${state.unindexedPacks.size} data file(s) that restore points use: rebuild it with "repair index"`));

  // 3. Data: read selected packs whole and verify everything inside.
  if (options.readData || options.readDataSubset) {
    const selected = repo.index.packs.filter((p) => !damagedPacks.has(p.id) && (options.readData || inSubset(p.id, options.readDataSubset!.n, options.readDataSubset!.m)));
    let done = 0;
    for (const pack of selected) {
      throwIfAborted(signal);
      const reason = await verifyPack(repo, pack, stats);
      if (reason) damagedPacks.set(pack.id, add('PACK_CORRUPT', describeFile({ kind: 'data', name: pack.id }), reason));
      onProgress?.({ type: 'progress', op: 'check', phase: 'read-data', done: ++done, total: selected.length, unit: 'files', bytes: stats.bytesRead });
    }
  }

  // 4. Snapshots and their trees: every referenced blob indexed; map damage to snapshots and resources.
  const packOf = (blob: string): PackRecord | null => repo.index.get(Buffer.from(blob, 'hex'))?.pack ?? null;
  const problemOf = (pack: PackRecord): CheckProblem | undefined => damagedPacks.get(pack.id) ?? (state.unindexedPacks.has(pack.id) ? gap() : undefined);
  const ids = await repo.listSnapshotIds(signal);
  let sdone = 0;
  for (const id of ids) {
    throwIfAborted(signal);
    let snap: SnapshotRecord;
    try {
      snap = await repo.readSnapshot(id);
      stats.snapshots++;
    } catch (err) {
      if (err instanceof OtherVersionFile) continue;
      stats.snapshots++;
      if (!isEngineError(err, 'SNAPSHOT_CORRUPT')) throw err;
      add('SNAPSHOT_CORRUPT', `snapshots/${id}`, 'snapshot file does not match its name or does not decrypt').snapshots.push(id);
      continue;
    }
    await checkTree(repo, snap, packOf, problemOf, add, signal);
    onProgress?.({ type: 'progress', op: 'check', phase: 'snapshots', done: ++sdone, total: ids.length, unit: 'steps' });
  }
  // Data files nothing lists or uses (an interrupted backup's leftovers): prune removes them.
  stats.unreferencedPacks = state.unreadablePacks.length + (unindexedInUse.problem ? 0 : state.unindexedPacks.size);
  return { ok: problems.length === 0, problems, stats };
}

async function verifyPack(repo: Repository, pack: PackRecord, stats: { packsRead: number; bytesRead: number }): Promise<string | null> {
  let bytes: Buffer;
  try {
    bytes = await repo.backend.read({ kind: 'data', name: pack.id });
  } catch (err) {
    if (isEngineError(err, 'NOT_FOUND')) return 'pack file is missing';
    throw err;
  }
  stats.packsRead++;
  stats.bytesRead += bytes.length;
  if (sha256Hex(bytes) !== pack.id) return 'contents do not match the file name (SHA-256)';
  try {
    const header = await repo.readPackHeader(pack.id, bytes);
    const mismatch = headerMismatch(header, pack);
    if (mismatch) return `pack header differs from the index (${mismatch})`;
    for (let f = 0; f < pack.frames.length; f++) {
      const frame = pack.frames[f]!;
      const raw = repo.openFrame(pack, f, bytes.subarray(frame.offset, frame.offset + frame.storedLength));
      for (const b of pack.blobs) {
        if (b.frame !== f) continue;
        if (!repo.blobIdOf(raw.subarray(b.offset, b.offset + b.length)).equals(b.id)) return `blob ${b.id.toString('hex').slice(0, 16)} does not match its id`;
      }
    }
  } catch (err) {
    // Damage is reported; anything else (e.g. the zstd module missing, I/O errors) is not a finding about the data.
    if (isEngineError(err) && isIntegrityCode(err.code)) return `cannot be decrypted or parsed (${err.code})`;
    throw err;
  }
  return null;
}

/** Compares a pack's own header with its index entry, field by field. */
function headerMismatch(h: PackHeader, p: PackRecord): string | null {
  if (h.blobType !== p.blobType) return 'blob type';
  if (h.frames.length !== p.frames.length || h.blobs.length !== p.blobs.length) return 'counts';
  for (let i = 0; i < h.frames.length; i++) {
    const a = h.frames[i]!;
    const b = p.frames[i]!;
    if (a.offset !== b.offset || a.storedLength !== b.storedLength || a.rawLength !== b.rawLength || !a.objectId.equals(b.objectId)) return `frame ${i}`;
  }
  for (let i = 0; i < h.blobs.length; i++) {
    const a = h.blobs[i]!;
    const b = p.blobs[i]!;
    if (!a.id.equals(b.id) || a.frame !== b.frame || a.offset !== b.offset || a.length !== b.length) return `blob ${i}`;
  }
  return null;
}

async function checkTree(
  repo: Repository,
  snap: SnapshotRecord,
  packOf: (blob: string) => PackRecord | null,
  problemOf: (pack: PackRecord) => CheckProblem | undefined,
  add: (code: ErrorCode, file: string, reason: string) => CheckProblem,
  signal?: AbortSignal,
): Promise<void> {
  if (snap.manifest.version !== 1) return;
  const tree: TreeRef = snap.manifest.tree;
  const treeBlobs = [...Object.values(tree.checkpoint).flat(), ...tree.deltas];
  const touched = new Set<CheckProblem>();
  for (const b of treeBlobs) {
    const pack = packOf(b);
    if (!pack) {
      const p = add('BLOB_MISSING', `snapshots/${snap.id}`, `tree blob ${b.slice(0, 16)} is not in the index`);
      p.snapshots.push(snap.id);
      return;
    }
    const d = problemOf(pack);
    if (d && d.code !== 'INDEX_INCOMPLETE') {
      if (!d.snapshots.includes(snap.id)) d.snapshots.push(snap.id);
      return; // the listing itself is damaged; resources cannot be enumerated from this snapshot
    }
    if (d) touched.add(d);
  }
  let missing: CheckProblem | null = null;
  const counts: Record<string, number> = {};
  try {
    const overlay = await loadOverlay(repo, tree, signal);
    for (const type of treeTypes(tree, overlay)) {
      for await (const row of typeRows(repo, tree, type, overlay, signal)) {
        counts[type] = (counts[type] ?? 0) + 1;
        const blob = rowBlob(row);
        const pack = packOf(blob);
        const problem = pack
          ? problemOf(pack)
          : (missing ??= add('BLOB_MISSING', `snapshots/${snap.id}`, 'resources reference data that is in no data file (lost): "repair snapshots" writes a repaired restore point listing them'));
        if (!problem) continue;
        touched.add(problem);
        problem.resourceCount++;
        if (problem.resources.length < MAX_RESOURCES_PER_PROBLEM) problem.resources.push(`${type}/${rowId(row)}`);
      }
    }
  } catch (err) {
    if (!isEngineError(err)) throw err;
    add('SNAPSHOT_CORRUPT', `snapshots/${snap.id}`, `tree cannot be read (${err.code})`).snapshots.push(snap.id);
    return;
  }
  // Attachment content: the listing indexed and readable, every chunk indexed and in an undamaged pack.
  let listingOk = true;
  for (const b of snap.manifest.attachments?.listing ?? []) {
    const pack = packOf(b);
    const problem = pack ? problemOf(pack) : add('BLOB_MISSING', `snapshots/${snap.id}`, `attachment listing blob ${b.slice(0, 16)} is not in the index`);
    if (problem) {
      touched.add(problem);
      listingOk = false;
    }
  }
  if (listingOk) {
    try {
      for (const a of await readAttachments(repo, snap.manifest.attachments, signal)) {
        for (const blob of a.blobs) {
          const pack = packOf(blob);
          const problem = pack ? problemOf(pack) : (missing ??= add('BLOB_MISSING', `snapshots/${snap.id}`, 'resources reference data that is not in the index'));
          if (!problem) continue;
          touched.add(problem);
          // Named even when resources filled the list: an exam PDF is what cannot be rebuilt from elsewhere.
          const what = `${a.owner} (attachment)`;
          if (problem.resources.filter((x) => x.endsWith(' (attachment)')).length < MAX_RESOURCES_PER_PROBLEM && !problem.resources.includes(what)) problem.resources.push(what);
        }
      }
    } catch (err) {
      if (!isEngineError(err)) throw err;
      add('SNAPSHOT_CORRUPT', `snapshots/${snap.id}`, `attachment listing cannot be read (${err.code})`).snapshots.push(snap.id);
    }
  }
  for (const p of touched) if (!p.snapshots.includes(snap.id)) p.snapshots.push(snap.id);
  const expected = snap.manifest.counts;
  const mismatch = [...new Set([...Object.keys(expected), ...Object.keys(counts)])].filter((t) => (expected[t] ?? 0) !== (counts[t] ?? 0));
  if (mismatch.length > 0) add('SNAPSHOT_CORRUPT', `snapshots/${snap.id}`, `resource counts differ from the manifest for ${mismatch.join(', ')}`).snapshots.push(snap.id);
}
