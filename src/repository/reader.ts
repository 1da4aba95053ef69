/**
 * One read interface for both formats (issue 16): the restorer, checker, drills, prune and the façade list a
 * snapshot's resources with rows() and read their bytes with readResources(), whatever the repository's version.
 *
 *  - version 2: rows come from the resource tree (§14); one patient's rows need only the chunks that can hold the
 *    patient; bytes come from frames read once each, in storage order (pack, offset), opened and verified (blob id,
 *    line hash) by a BlobOpener (the worker pool, or this thread);
 *  - version 1: rows come from the text trees (docs/format-v1.md) through treeStore, one blob per resource.
 */
import { EngineError, isEngineError, isIntegrityCode, throwIfAborted } from '../shared/index.js';
import { FormatError } from './bytes.js';
import { countTree, decodeCheckpointDir, encodeCheckpointDir, materialize, materializeBatches, readCheckpointDir, type ResourceTreeRef } from './resourceTree.js';
import { decodeRowSet, FLAG_ALIAS, FLAG_SHARED, RowSetKind, type RowSet } from './rowSet.js';
import type { Repository } from './repository.js';
import type { SnapshotRecord } from './snapshot.js';
import { decodeRow, type TreeRef } from './tree.js';
import { loadOverlay, treeTypes, typeRows, type ListingLoss } from './treeStore.js';
import { CompactRows } from './compactRows.js';

export { DICTIONARY_UNREADABLE, inThreadOpener, onLine, type BlobOpener, type OpenOutcome, type OpenRequest, type OpenWriteError, type ReadOptions } from './blobOpener.js';
export { CompactRows } from './compactRows.js';
export { lineError, readCompact, readFrames, readResource, readResources, type CompactData, type FrameData, type FrameError } from './readFrames.js';

/** One resource of a snapshot (for one patient: one of that patient's rows). */
export interface ResourceRow {
  readonly type: string;
  readonly id: string;
  /**
   * v2: the row's patient ("" none), first the resource's primary patient; v1: the whole compartment. Use
   * rows({ patient }) for a patient's record: it includes resources shared with other patients.
   */
  readonly patients: readonly string[];
  /** The resource is in more than one patient's compartment. */
  readonly shared: boolean;
  readonly size: number;
  /** Hex id of the blob holding the bytes (v2: the frame; v1: the resource's blob). */
  readonly blob: string;
  /** v2: where the line lies in its frame, and its line hash. */
  readonly offset: number;
  readonly lineHash: Buffer | null;
  /** v1 rows record these; v2 rows do not (read the resource). */
  readonly versionId: string | null;
  readonly lastUpdated: string | null;
}

export interface RowSelection {
  readonly types?: readonly string[];
  /** Only this patient's record. */
  readonly patient?: string;
  /** With `patient`: also resources shared with other patients (default true). */
  readonly includeShared?: boolean;
}

/** A resource's bytes, or why they could not be read; `index` is the row's position in the input. */
export type ResourceData =
  | { readonly index: number; readonly row: ResourceRow; readonly bytes: Buffer; readonly error?: undefined }
  | { readonly index: number; readonly row: ResourceRow; readonly bytes?: undefined; readonly error: EngineError };

/** Reads tree blobs of a version 2 repository, mapping damage to SNAPSHOT_CORRUPT naming the snapshot. */
function treeReader(repo: Repository): (id: string, signal?: AbortSignal) => Promise<Buffer> {
  return (id, signal) => repo.store.readBlob(id, signal);
}

function v2Row(r: { patient: string; type: string; id: string; flags: number; frame: Buffer; offset: number; length: number; lineHash: Buffer }): ResourceRow {
  return {
    type: r.type,
    id: r.id,
    patients: r.patient === '' ? [] : [r.patient],
    shared: (r.flags & FLAG_SHARED) !== 0,
    size: r.length,
    blob: r.frame.toString('hex'),
    offset: r.offset,
    lineHash: Buffer.from(r.lineHash),
    versionId: null,
    lastUpdated: null,
  };
}

function asSnapshotError(err: unknown, snap: SnapshotRecord): unknown {
  if (err instanceof FormatError) return new EngineError('SNAPSHOT_CORRUPT', { file: `snapshots/${snap.id}`, reason: err.reason });
  return err;
}

/**
 * The resources of a snapshot. Without `patient`: every resource once (v2 in tree order, v1 by type then id).
 * With `patient`: that patient's record (v2: its rows; v1: rows whose compartment names the patient).
 */
export async function* snapshotRows(repo: Repository, snap: SnapshotRecord, sel: RowSelection = {}, signal?: AbortSignal): AsyncGenerator<ResourceRow> {
  const m = snap.manifest;
  if (m.version === 1) {
    yield* v1Rows(repo, m.tree, sel, signal);
    return;
  }
  if (m.tree.kind !== 'resources') return;
  await repo.loadIndex(signal);
  const types = sel.types ? new Set(sel.types) : null;
  try {
    for await (const r of materialize(treeReader(repo), m.tree, { patient: sel.patient, signal })) {
      if (types && !types.has(r.type)) continue;
      if (sel.patient === undefined) {
        if (r.flags & FLAG_ALIAS) continue;
      } else if (sel.includeShared === false && r.flags & FLAG_SHARED) continue;
      yield v2Row(r);
    }
  } catch (err) {
    throw asSnapshotError(err, snap);
  }
}

/**
 * The rows of a version 2 snapshot whose tree is partly unreadable (restore of a damaged snapshot): every
 * readable part is listed and each lost part is added to `loss` (a lost checkpoint chunk with its row count; a
 * lost delta with unknown count, since its changes are gone and older versions of those resources may show).
 * Nothing is written: the readable directory is rebuilt in memory.
 */
export async function* salvageRows(repo: Repository, snap: SnapshotRecord, sel: RowSelection, loss: ListingLoss[], signal?: AbortSignal): AsyncGenerator<ResourceRow> {
  const m = snap.manifest;
  if (m.version !== 2 || m.tree.kind !== 'resources') return;
  await repo.loadIndex(signal);
  const store = repo.store;
  const tree = m.tree;
  const tryRead = async (id: string, kind?: 0 | 1): Promise<Buffer | null> => {
    try {
      const b = await store.readBlob(id, signal);
      if (kind !== undefined) decodeRowSet(b, kind);
      return b;
    } catch (err) {
      if (err instanceof FormatError || (isEngineError(err) && (isIntegrityCode(err.code) || err.code === 'BLOB_MISSING'))) return null;
      throw err;
    }
  };
  let dir: Buffer | null = null;
  if (tree.checkpoint) {
    const bytes = await tryRead(tree.checkpoint);
    let decoded: ReturnType<typeof decodeCheckpointDir> | null = null;
    try {
      decoded = bytes ? decodeCheckpointDir(bytes) : null;
    } catch (err) {
      if (!(err instanceof FormatError)) throw err;
    }
    if (!decoded) {
      loss.push({ type: null, resources: m.totals.resources });
      return;
    }
    const chunks = [];
    for (const c of decoded.chunks) {
      throwIfAborted(signal);
      if (await tryRead(c.blob, RowSetKind.checkpoint)) chunks.push(c);
      else loss.push({ type: c.first[1] === c.last[1] ? c.first[1] : null, resources: c.rows });
    }
    dir = encodeCheckpointDir({ ...decoded, rows: chunks.reduce((n, c) => n + c.rows, 0), chunks });
  }
  const deltas: string[] = [];
  for (const d of tree.deltas) {
    if (await tryRead(d, RowSetKind.delta)) deltas.push(d);
    else loss.push({ type: null, resources: null });
  }
  const partial: ResourceTreeRef = { ...tree, deltas };
  const read = (id: string, s?: AbortSignal): Promise<Buffer> => (dir && id === tree.checkpoint ? Promise.resolve(dir) : store.readBlob(id, s));
  const types = sel.types ? new Set(sel.types) : null;
  try {
    for await (const r of materialize(read, partial, { patient: sel.patient, signal })) {
      if (types && !types.has(r.type)) continue;
      if (sel.patient === undefined) {
        if (r.flags & FLAG_ALIAS) continue;
      } else if (sel.includeShared === false && r.flags & FLAG_SHARED) continue;
      yield v2Row(r);
    }
  } catch (err) {
    throw asSnapshotError(err, snap);
  }
}

async function* v1Rows(repo: Repository, tree: TreeRef, sel: RowSelection, signal?: AbortSignal): AsyncGenerator<ResourceRow> {
  await repo.loadIndex(signal);
  const overlay = await loadOverlay(repo, tree, signal);
  for (const type of treeTypes(tree, overlay)) {
    if (sel.types && !sel.types.includes(type)) continue;
    for await (const row of typeRows(repo, tree, type, overlay, signal)) {
      if (sel.patient !== undefined && !row.includes(sel.patient)) continue;
      const e = decodeRow(row);
      const patients = e.patient ? e.patient.split(',') : [];
      if (sel.patient !== undefined && !patients.includes(sel.patient)) continue;
      if (sel.patient !== undefined && sel.includeShared === false && patients.length > 1) continue;
      yield { type, id: e.id, patients, shared: patients.length > 1, size: e.size, blob: e.blob, offset: 0, lineHash: null, versionId: e.versionId, lastUpdated: e.lastUpdated };
    }
  }
}

/** snapshotRows() straight into compact form (a whole snapshot's restore makes no object per row). */
export async function compactRows(repo: Repository, snap: SnapshotRecord, sel: RowSelection = {}, signal?: AbortSignal): Promise<CompactRows> {
  const out = new CompactRows();
  const m = snap.manifest;
  if (m.version !== 2) {
    for await (const r of snapshotRows(repo, snap, sel, signal)) out.push(r);
    return out;
  }
  if (m.tree.kind !== 'resources') return out;
  await repo.loadIndex(signal);
  const types = sel.types ? new Set(sel.types) : null;
  try {
    for await (const b of materializeBatches(treeReader(repo), m.tree, { patient: sel.patient, signal })) {
      for (let k = 0; k < b.n; k++) {
        const set = b.sets[k] as RowSet;
        const i = b.rows[k] as number;
        const flags = set.flags[i] as number;
        if (types && !types.has(set.type(i))) continue;
        if (sel.patient === undefined) {
          if (flags & FLAG_ALIAS) continue;
        } else if (sel.includeShared === false && flags & FLAG_SHARED) continue;
        out.pushRef(set, i);
      }
    }
  } catch (err) {
    throw asSnapshotError(err, snap);
  }
  return out;
}

/** Resources per type (rows without the alias flag), computed from the tree, not the manifest. */
export async function snapshotCounts(repo: Repository, snap: SnapshotRecord, signal?: AbortSignal): Promise<Record<string, number>> {
  const m = snap.manifest;
  if (m.version === 2) {
    if (m.tree.kind !== 'resources') return {};
    await repo.loadIndex(signal);
    try {
      return (await countTree(treeReader(repo), m.tree, signal)).counts;
    } catch (err) {
      throw asSnapshotError(err, snap);
    }
  }
  const counts: Record<string, number> = {};
  for await (const r of v1Rows(repo, m.tree, {}, signal)) counts[r.type] = (counts[r.type] ?? 0) + 1;
  return counts;
}

/** The blob ids (hex) of a snapshot's own tree: directory, chunks and deltas (v2) or chunks and deltas (v1). */
export async function snapshotTreeBlobs(repo: Repository, snap: SnapshotRecord, signal?: AbortSignal): Promise<string[]> {
  const m = snap.manifest;
  if (m.version === 1) return [...Object.values(m.tree.checkpoint).flat(), ...m.tree.deltas];
  if (m.tree.kind !== 'resources') return [m.tree.root];
  await repo.loadIndex(signal);
  const tree: ResourceTreeRef = m.tree;
  const out: string[] = [];
  if (tree.checkpoint) {
    out.push(tree.checkpoint);
    const dir = await readCheckpointDir(treeReader(repo), tree, { signal }).catch((err: unknown) => {
      throw asSnapshotError(err, snap);
    });
    for (const c of dir?.chunks ?? []) out.push(c.blob);
  }
  out.push(...tree.deltas);
  return out;
}
