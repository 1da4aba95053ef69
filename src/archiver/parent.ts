/** The parent snapshot a backup compares against: finding it, loading its line hashes, the shrink guard. */
import {
  decodeCheckpointDir,
  FLAG_ALIAS,
  materializeBatches,
  type ReadTreeBlob,
  readCheckpointDir,
  type Repository,
  type ResourceTreeRef,
  type RowSet,
  rowSetFlagsAndHashes,
  type SnapshotRecord,
  type SnapshotSource,
  type SuspiciousShrink,
} from '../repository/index.js';
import { buildLineTable, type LineTable } from '../pool/index.js';
import { DEFAULT_SHRINK_GUARD_PERCENT } from '../shared/index.js';

/** Defined in src/shared (the engine's settings default it without loading the archiver). */
export { DEFAULT_SHRINK_GUARD_PERCENT };

/** The shrink guard's verdict on a new snapshot's resource count against the previous one of the same source. */
export function shrinkVerdict(previous: SnapshotRecord | null, resources: number, thresholdPercent: number): SuspiciousShrink | null {
  if (!previous || thresholdPercent <= 0) return null;
  const before = previous.manifest.totals.resources;
  if (before <= 0 || resources >= before) return null;
  const drop = ((before - resources) / before) * 100;
  if (drop <= thresholdPercent) return null;
  return { previous: previous.id, previousResources: before, resources, dropPercent: Math.round(drop * 10) / 10, thresholdPercent };
}

export function sameSource(a: SnapshotSource, b: SnapshotSource): boolean {
  return a.kind === b.kind && a.location === b.location;
}

/** The parent snapshot, as the run compares against it. */
export interface ParentState {
  readonly record: SnapshotRecord;
  readonly tree: ResourceTreeRef;
  readonly table: LineTable;
  /** Per table position: the sequence number of the last line that matched it (0: not seen). */
  readonly seen: Uint32Array;
}

/**
 * The parent a backup compares against: the latest snapshot of the same source, else the latest resource
 * snapshot of any source (a moved export folder or a renamed server: unchanged lines still cost nothing).
 */
export function dedupParent(snaps: readonly SnapshotRecord[], sameSource: (s: SnapshotRecord) => boolean): SnapshotRecord | null {
  const resources = snaps.filter((s) => s.manifest.version === 2 && s.manifest.tree.kind === 'resources');
  for (let i = resources.length - 1; i >= 0; i--) if (sameSource(resources[i] as SnapshotRecord)) return resources[i] as SnapshotRecord;
  return resources[resources.length - 1] ?? null;
}

/** Builds the line table elsewhere (the worker pool); `hashes` (its own ArrayBuffer) may be moved there. */
export type BuildLineTable = (hashes: Uint8Array, count: number) => Promise<LineTable>;

/**
 * Reads the parent's rows once: their line hashes become the shared look-up table, sorted by `build` when given
 * (the pool: sorting a gigabyte's 1.7 million hashes holds a thread for a few hundred milliseconds), else here.
 */
export async function loadParent(repo: Repository, record: SnapshotRecord, tree: ResourceTreeRef, signal?: AbortSignal, build?: BuildLineTable): Promise<ParentState> {
  const read = readAhead(repo, tree);
  // allocUnsafeSlow: never a slice of Node's shared allocation pool, so the buffer can be moved to a worker.
  let hashes = Buffer.allocUnsafeSlow(Math.max(1024, (record.manifest.totals.resources + 16) * 12));
  let n = 0;
  const add = (flags: number, src: Uint8Array, at: number): void => {
    if (flags & FLAG_ALIAS) return;
    if ((n + 1) * 12 > hashes.length) {
      const grown = Buffer.allocUnsafeSlow(hashes.length * 2);
      hashes.copy(grown, 0, 0, n * 12);
      hashes = grown;
    }
    hashes.set(src.subarray(at, at + 12), n * 12);
    n++;
  };
  if (tree.deltas.length === 0) {
    // A checkpoint alone: its chunks' flag and hash columns are all that is needed.
    const dir = await readCheckpointDir(read, tree, { signal });
    for (const c of dir?.chunks ?? []) {
      const { flags, hashes: h } = rowSetFlagsAndHashes(await read(c.blob, signal));
      for (let i = 0; i < flags.length; i++) add(flags[i] as number, h, i * 12);
    }
  } else {
    for await (const b of materializeBatches(read, tree, { signal }))
      for (let k = 0; k < b.n; k++) add((b.sets[k] as RowSet).flags[b.rows[k] as number] as number, (b.sets[k] as RowSet).hashes, (b.rows[k] as number) * 12);
  }
  const table = build ? await build(hashes, n) : buildLineTable(hashes, n);
  return { record, tree, table, seen: new Uint32Array(n) };
}

/** Checkpoint chunks read ahead of the one being decoded. */
const READ_AHEAD = 2;

/**
 * A reader of a parent tree's blobs (for the backup's passes over every row) that starts reading the next
 * checkpoint chunks while the current one is decoded, so the file reads overlap the work instead of waiting in
 * turn. It learns the chunks' order from the checkpoint directory when that is read; other blobs are read as asked.
 * A chunk read ahead but never asked for is dropped (its failure too: the pass that asks gets its own).
 */
export function readAhead(repo: Repository, tree: ResourceTreeRef, depth = READ_AHEAD): ReadTreeBlob {
  const read = (id: string, s?: AbortSignal): Promise<Buffer> => repo.store.readBlob(id, s);
  let order: readonly string[] = [];
  let at = new Map<string, number>();
  const started = new Map<string, Promise<Buffer>>();
  return async (id: string, signal?: AbortSignal): Promise<Buffer> => {
    if (id === tree.checkpoint && order.length === 0) {
      const content = await read(id, signal);
      try {
        order = decodeCheckpointDir(content).chunks.map((c) => c.blob);
        at = new Map(order.map((b, k) => [b, k]));
      } catch {
        // A damaged directory is the caller's to report (it decodes it again).
      }
      return content;
    }
    const k = at.get(id);
    if (k === undefined) return read(id, signal);
    const mine = started.get(id) ?? read(id, signal);
    started.delete(id);
    for (let j = k + 1; j <= k + depth && j < order.length; j++) {
      const next = order[j] as string;
      if (started.has(next)) continue;
      const p = read(next, signal);
      p.catch(() => undefined);
      started.set(next, p);
    }
    return mine;
  };
}
