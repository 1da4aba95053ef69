/**
 * The tree of a first backup (no parent tree), made with the worker pool: this thread merges the spill runs byte
 * by byte (RowSpill.mergedRecordChunks: no object per row) and hands each checkpoint chunk's records to a worker,
 * which encodes the row set, names it and seals it (pool/treeChunk.ts); this thread then writes the sealed blobs
 * in order and the checkpoint directory. The blobs are those writeFirstTree (treeCommit.ts) makes on this thread,
 * byte for byte; the host's event loop (the tray and the UI) is only busy for the merge's short turns.
 */
import { BlobType, DIR_FORMAT, encodeCheckpointDir, type ChunkEntry, type RepoWriter2, type ResourceTreeRef } from '../repository/index.js';
import type { FrameTable, TreeChunkOut } from '../pool/index.js';
import type { FrameIds } from './frameIds.js';
import type { RunAnalysis, RunState } from './treeCommit.js';

/** Runs one chunk in the pool (its records' buffer moves there). */
export type TreeChunkTask = (records: Uint8Array, count: number) => Promise<TreeChunkOut>;

/** Chunks in flight in the pool while this thread merges the next ones. */
const IN_FLIGHT = 4;

/** The run's frame numbers, blob ids and bases, in shared memory (every chunk task reads it; nothing is copied). */
export function frameTable(frameIds: FrameIds): FrameTable {
  const n = frameIds.size;
  const nums = new Float64Array(new SharedArrayBuffer(Math.max(8, n * 8)), 0, n);
  const ids = new Uint8Array(new SharedArrayBuffer(Math.max(16, n * 16)), 0, n * 16);
  const bases = new Uint32Array(new SharedArrayBuffer(Math.max(4, n * 4)), 0, n);
  if (frameIds.copyOrdered(nums, ids, bases) !== n) throw new RangeError('frame table: count changed while copying');
  return { nums, ids, bases };
}

function bit(bits: Uint8Array, i: number): boolean {
  return ((bits[i >>> 3] as number) & (1 << (i & 7))) !== 0;
}

export async function writeFirstTreeInPool(
  state: RunState,
  analysis: RunAnalysis,
  writer: RepoWriter2,
  runChunk: TreeChunkTask,
  signal?: AbortSignal,
): Promise<{ tree: ResourceTreeRef; analysis: RunAnalysis }> {
  if (state.parent) throw new Error('writeFirstTreeInPool: the run has a parent tree');
  const counts: Record<string, number> = {};
  let resources = 0;
  let bytes = 0;
  let total = 0;
  const chunks: ChunkEntry[] = [];
  const pending: { result: Promise<TreeChunkOut>; count: number }[] = [];
  const store = async (out: TreeChunkOut, count: number): Promise<void> => {
    const id = Buffer.from(out.id.buffer, out.id.byteOffset, out.id.byteLength);
    await writer.addSealed(BlobType.tree, id, Buffer.from(out.envelope.buffer, out.envelope.byteOffset, out.envelope.byteLength), out.raw);
    chunks.push({ blob: id.toString('hex'), rows: count, first: out.first, last: out.last });
    total += count;
    out.types.forEach((t, i) => (counts[t] = (counts[t] ?? 0) + (out.typeCounts[i] as number)));
    resources += out.resources;
    bytes += out.bytes;
  };
  try {
    for await (const { records, count } of state.rows.mergedRecordChunks((seq) => bit(analysis.winners, seq), state.repo.config.params.treeChunkRows, signal)) {
      const result = runChunk(records, count);
      result.catch(() => undefined);
      pending.push({ result, count });
      while (pending.length > IN_FLIGHT) {
        const next = pending.shift() as { result: Promise<TreeChunkOut>; count: number };
        await store(await next.result, next.count);
      }
    }
    for (let next = pending.shift(); next; next = pending.shift()) await store(await next.result, next.count);
  } finally {
    // A failed run leaves no task behind.
    await Promise.all(pending.splice(0).map((p) => p.result.catch(() => undefined)));
  }
  const done = (tree: ResourceTreeRef): { tree: ResourceTreeRef; analysis: RunAnalysis } => ({
    tree,
    analysis: { ...analysis, counts, resources, bytes, added: resources, changed: 0, upsertKeys: resources, deltaRows: null },
  });
  if (total === 0) return done({ kind: 'resources', checkpoint: null, deltas: [], changesSinceCheckpoint: 0 });
  const dir = await writer.addBlob(BlobType.tree, encodeCheckpointDir({ format: DIR_FORMAT, rows: total, chunks }));
  return done({ kind: 'resources', checkpoint: dir.id.toString('hex'), deltas: [], changesSinceCheckpoint: 0 });
}
