/** Reading and writing snapshot trees through a repository (format in tree.ts). */
import { isEngineError, isIntegrityCode } from '../shared/index.js';
import type { Repository, RepoWriter } from './repository.js';
import { collapseDeltas, decodeChunk, decodeDelta, encodeChunk, encodeDelta, mergeRows, rowId, type DeltaChange, type TreeRef } from './tree.js';

/** Largest delta blob before it is split in several. */
const MAX_DELTA_CHANGES = 50_000;

export async function readChunk(repo: Repository, blob: string, signal?: AbortSignal): Promise<{ type: string; rows: string[] }> {
  return decodeChunk(await repo.readBlob(blob, signal));
}

/** The collapsed changes of a tree's delta chain, per type, sorted by id. */
export async function loadOverlay(repo: Repository, tree: TreeRef, signal?: AbortSignal): Promise<Map<string, DeltaChange[]>> {
  const chain: DeltaChange[][] = [];
  for (const d of tree.deltas) chain.push(decodeDelta(await repo.readBlob(d, signal)));
  return collapseDeltas(chain);
}

export function treeTypes(tree: TreeRef, overlay: Map<string, DeltaChange[]>): string[] {
  return [...new Set([...Object.keys(tree.checkpoint), ...overlay.keys()])].sort();
}

/** Rows of one type, sorted by id, with the overlay applied. Streams chunk by chunk. */
export async function* typeRows(repo: Repository, tree: TreeRef, type: string, overlay: Map<string, DeltaChange[]>, signal?: AbortSignal): AsyncGenerator<string> {
  const changes = overlay.get(type) ?? [];
  const chunks = tree.checkpoint[type] ?? [];
  let next = 0;
  for (let c = 0; c < chunks.length; c++) {
    const rows = (await readChunk(repo, chunks[c] as string, signal)).rows;
    // Changes that sort before the first row of the following chunk are merged into this one.
    let end = changes.length;
    if (c + 1 < chunks.length) {
      const following = await firstIdOf(repo, chunks[c + 1] as string, signal);
      end = next;
      while (end < changes.length && (changes[end] as DeltaChange).id < following) end++;
    }
    yield* mergeRows(rows, changes.slice(next, end));
    next = end;
  }
  if (chunks.length === 0) yield* mergeRows([], changes);
}

async function firstIdOf(repo: Repository, chunk: string, signal?: AbortSignal): Promise<string> {
  const rows = (await readChunk(repo, chunk, signal)).rows;
  return rows.length > 0 ? rowId(rows[0] as string) : '';
}

/** Every row of a tree as (type, row), types in order, rows by id. */
export async function* treeRows(repo: Repository, tree: TreeRef, options: { types?: readonly string[]; signal?: AbortSignal } = {}): AsyncGenerator<{ type: string; row: string }> {
  const overlay = await loadOverlay(repo, tree, options.signal);
  for (const type of treeTypes(tree, overlay)) {
    if (options.types && !options.types.includes(type)) continue;
    for await (const row of typeRows(repo, tree, type, overlay, options.signal)) yield { type, row };
  }
}

/**
 * Writes the tree of a new snapshot: a delta on top of the parent's tree when that stays cheap to read,
 * otherwise a fresh checkpoint (parent's rows merged with this run's changes).
 */
export async function writeTree(repo: Repository, writer: RepoWriter, parent: TreeRef | null, changes: Map<string, DeltaChange[]>, totalEntries: number, signal?: AbortSignal): Promise<TreeRef> {
  const p = repo.config.params;
  let changeCount = 0;
  for (const list of changes.values()) changeCount += list.length;
  if (parent && changeCount === 0) return parent;
  const useDelta = parent !== null && parent.deltas.length + 1 < p.checkpointEvery && parent.changesSinceCheckpoint + changeCount <= Math.max(1000, p.checkpointChangeRatio * totalEntries);
  if (useDelta && parent) {
    const flat: DeltaChange[] = [];
    for (const type of [...changes.keys()].sort()) flat.push(...(changes.get(type) as DeltaChange[]));
    const ids: string[] = [];
    for (let i = 0; i < flat.length; i += MAX_DELTA_CHANGES) {
      ids.push((await writer.addBlob('tree', encodeDelta(flat.slice(i, i + MAX_DELTA_CHANGES)))).id.toString('hex'));
    }
    return { checkpoint: parent.checkpoint, deltas: [...parent.deltas, ...ids], changesSinceCheckpoint: parent.changesSinceCheckpoint + changeCount };
  }
  const base: TreeRef = parent ?? { checkpoint: {}, deltas: [], changesSinceCheckpoint: 0 };
  const overlay = await loadOverlay(repo, base, signal);
  for (const [type, list] of changes) {
    const earlier = overlay.get(type);
    // This run's changes are already sorted and unique per id: merge only when earlier deltas exist.
    overlay.set(type, earlier && earlier.length > 0 ? (collapseDeltas([earlier, list]).get(type) ?? []) : list);
  }
  const checkpoint: Record<string, string[]> = {};
  for (const type of treeTypes(base, overlay)) {
    const chunkIds: string[] = [];
    let rows: string[] = [];
    const emit = async (): Promise<void> => {
      chunkIds.push((await writer.addBlob('tree', encodeChunk(type, rows))).id.toString('hex'));
      rows = [];
    };
    for await (const row of typeRows(repo, base, type, overlay, signal)) {
      rows.push(row);
      if (rows.length >= p.treeChunkEntries) await emit();
    }
    if (rows.length > 0) await emit();
    if (chunkIds.length > 0) checkpoint[type] = chunkIds;
  }
  return { checkpoint, deltas: [], changesSinceCheckpoint: 0 };
}

/** A part of a snapshot's listing that could not be read: the type (null when unknown) and how many resources it held (null when unknown). */
export interface ListingLoss {
  readonly type: string | null;
  readonly resources: number | null;
}

function isReadFailure(err: unknown): boolean {
  return isEngineError(err) && (isIntegrityCode(err.code) || err.code === 'NOT_FOUND');
}

/**
 * A snapshot's listing read despite lost or damaged tree blobs (repair snapshots, restore of a damaged
 * snapshot): every readable chunk and delta is used; what could not be read is reported per type, counted
 * against the manifest's counts. Holds one type's rows at a time.
 */
export async function* salvageTreeRows(
  repo: Repository,
  tree: TreeRef,
  counts: Readonly<Record<string, number>>,
  loss: ListingLoss[],
  options: { types?: readonly string[]; signal?: AbortSignal } = {},
): AsyncGenerator<{ type: string; row: string }> {
  const chain: DeltaChange[][] = [];
  let lostDeltas = 0;
  for (const d of tree.deltas) {
    try {
      chain.push(decodeDelta(await repo.readBlob(d, options.signal)));
    } catch (err) {
      if (!isReadFailure(err)) throw err;
      lostDeltas++;
    }
  }
  const overlay = collapseDeltas(chain);
  for (const type of [...new Set([...treeTypes(tree, overlay), ...Object.keys(counts)])].sort()) {
    if (options.types && !options.types.includes(type)) continue;
    const rows: string[] = [];
    let lostChunks = 0;
    for (const chunk of tree.checkpoint[type] ?? []) {
      try {
        rows.push(...(await readChunk(repo, chunk, options.signal)).rows);
      } catch (err) {
        if (!isReadFailure(err)) throw err;
        lostChunks++;
      }
    }
    let n = 0;
    for (const row of mergeRows(rows, overlay.get(type) ?? [])) {
      n++;
      yield { type, row };
    }
    const missing = (counts[type] ?? 0) - n;
    if (lostChunks > 0 || missing > 0) loss.push({ type, resources: missing > 0 ? missing : null });
  }
  // A lost delta hides changes of unknown resources: some may be missing or at an older version.
  if (lostDeltas > 0) loss.push({ type: null, resources: null });
}
