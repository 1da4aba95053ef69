/**
 * The commit of a backup run (docs/format.md §14.8): decides, key by key, what the new snapshot holds, then writes
 * it as a delta on the parent's tree or as a new checkpoint.
 *
 *  1. The run's key records (one per new line or deletion, sorted on disk) give each key its last event.
 *  2. The parent's rows are streamed in order; each keeps its place unless a later event of the run replaces or
 *     deletes it, or (full listing, or a type listed in full) no line of the run saw it. A parent line seen after
 *     the run's last new line of its key wins over it ("the last line wins").
 *  3. The run's rows are streamed from the spill files; a row stays when its line is its key's last event.
 * Memory: a bit per line of the run, a byte per parent resource, and the run's distinct new keys while a parent
 * exists (16 bytes each: changed resources, not all of them); everything else streams.
 */
import { EngineError, type ProgressListener, throwIfAborted } from '../shared/index.js';
import {
  BlobType,
  compareKeys,
  type DeletedKey,
  FLAG_ALIAS,
  LINE_HASH_BYTES,
  materializeBatches,
  MAX_DELTA_KEYS,
  type Repository,
  type RepoWriter2,
  type ResourceTreeRef,
  type Row,
  type RowSet,
  writeCheckpoint,
  writeDelta,
} from '../repository/index.js';
import { findLine, keyHash } from '../pool/index.js';
import { type ParentState, readAhead } from './parent.js';
import { KEY_DELETE, type KeySpill, type RowSpill, type SpillRow } from './spill.js';
import type { FrameIdLookup } from './frameIds.js';

export interface RunState {
  readonly repo: Repository;
  readonly parent: ParentState | null;
  readonly mode: 'full' | 'incremental';
  /** Types the source listed in full (dropUnseen). */
  readonly drops: ReadonlyMap<string, number>;
  /** Types the source could not read in full (keepUnseen): their parent rows stay even in a full run. */
  readonly keepTypes?: ReadonlySet<string>;
  readonly rows: RowSpill;
  readonly keys: KeySpill;
  readonly frameIds: FrameIdLookup;
  /** One past the highest sequence number used. */
  readonly maxSeq: number;
  /** Upserted keys per delta (default MAX_DELTA_KEYS; tests use fewer). */
  readonly deltaKeys?: number;
  /** The ids of the run's deletions (deleteResource), or null when too many were kept to list (no id filter then). */
  readonly deletedIds?: ReadonlySet<string> | null;
  /** Distinct keys up to which the parent walk filters by id (default KEY_ID_FILTER_MAX; tests use 0 to turn it off). */
  readonly keyIdFilterMax?: number;
}

export interface RunAnalysis {
  readonly counts: Record<string, number>;
  readonly resources: number;
  readonly bytes: number;
  readonly added: number;
  readonly changed: number;
  readonly deleted: number;
  /** Keys this run upserts (new or changed resources). */
  readonly upsertKeys: number;
  readonly deletions: DeletedKey[];
  /** Per sequence number: 1 bit when that line's rows are in the new tree. */
  readonly winners: Uint8Array;
  /** Per parent table position: 1 when the parent's row stays. */
  readonly keep: Uint8Array | null;
  /** The upsert rows, when few enough for one delta blob (null otherwise or when not collected). */
  readonly deltaRows: Row[] | null;
}

const W_DELETED = 1;
const W_IN_PARENT = 2;
const W_LOSER = 4;

function setBit(bits: Uint8Array, i: number): void {
  bits[i >>> 3]! |= 1 << (i & 7);
}

function bit(bits: Uint8Array, i: number): boolean {
  return ((bits[i >>> 3] as number) & (1 << (i & 7))) !== 0;
}

/** Gives the event loop a turn every so many rows (the host process keeps answering while a commit merges). */
class Yielder {
  private n = 0;
  async tick(): Promise<void> {
    if (++this.n % 1024 === 0) await new Promise<void>((r) => setImmediate(r));
  }
}

/** The run's distinct new keys, sorted (only while a parent exists). */
class Winners {
  keys = new Uint32Array(3 * 1024);
  seqs = new Uint32Array(1024);
  flags = new Uint8Array(1024);
  n = 0;

  push(h0: number, h1: number, h2: number, seq: number, deleted: boolean): void {
    if (this.n === this.seqs.length) {
      const cap = this.seqs.length * 2;
      const k = new Uint32Array(cap * 3);
      k.set(this.keys);
      this.keys = k;
      const s = new Uint32Array(cap);
      s.set(this.seqs);
      this.seqs = s;
      const f = new Uint8Array(cap);
      f.set(this.flags);
      this.flags = f;
    }
    this.keys[this.n * 3] = h0;
    this.keys[this.n * 3 + 1] = h1;
    this.keys[this.n * 3 + 2] = h2;
    this.seqs[this.n] = seq;
    this.flags[this.n] = deleted ? W_DELETED : 0;
    this.n++;
  }

  find(h: Uint32Array): number {
    let lo = 0;
    let hi = this.n - 1;
    const a0 = h[0] as number;
    const a1 = h[1] as number;
    const a2 = h[2] as number;
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      const b0 = this.keys[mid * 3] as number;
      const b1 = this.keys[mid * 3 + 1] as number;
      const b2 = this.keys[mid * 3 + 2] as number;
      const c = b0 !== a0 ? (b0 < a0 ? -1 : 1) : b1 !== a1 ? (b1 < a1 ? -1 : 1) : b2 !== a2 ? (b2 < a2 ? -1 : 1) : 0;
      if (c === 0) return mid;
      if (c < 0) lo = mid + 1;
      else hi = mid - 1;
    }
    return -1;
  }
}

export function toRow(r: SpillRow, frameIds: FrameIdLookup): Row {
  const frame = frameIds.get(r.frame);
  if (!frame) throw new EngineError('INTERNAL', { reason: `frame ${r.frame} was not sealed` });
  return { patient: r.patient, type: r.type, id: r.id, flags: r.flags, frame, offset: frameIds.base(r.frame) + r.offset, length: r.length, lineHash: r.lineHash };
}

/** Up to this many distinct keys, the parent walk tests a row's id against the run's ids before hashing its key. */
export const KEY_ID_FILTER_MAX = 1 << 17;

/**
 * The ids of every key the run touched (its rows' ids and its deletions'), or null when there are too many to keep:
 * a parent row whose id is not among them cannot match a key of the run, so its key is never hashed. A key record
 * comes only with a row of its line or with a deletion, so the set misses none.
 */
async function runKeyIds(state: RunState, keys: number): Promise<Set<string> | null> {
  const max = state.keyIdFilterMax ?? KEY_ID_FILTER_MAX;
  if (keys > max || state.deletedIds === undefined || state.deletedIds === null) return null;
  const ids = new Set<string>(state.deletedIds);
  for await (const batch of state.rows.mergedBatches()) {
    for (const r of batch) ids.add(r.id);
    if (ids.size > max) return null;
  }
  return ids;
}

/** Decides what the new tree holds and counts it (nothing is written). */
/**
 * `countRows: false` skips step 3 (counts, resources and bytes then hold only the parent's kept rows): a run
 * without a parent tree counts its rows while writeRunTree writes them (countRunRows), one merge pass instead of two.
 */
export async function analyseRun(state: RunState, options: { signal?: AbortSignal; collectDelta?: boolean; countType?: string; countRows?: boolean } = {}): Promise<RunAnalysis> {
  const { signal } = options;
  const parent = state.parent;
  const winners = new Uint8Array((state.maxSeq >>> 3) + 1);
  const changedBits = new Uint8Array((state.maxSeq >>> 3) + 1);
  // 1. Each key's last event, from the sorted key records.
  const list = parent ? new Winners() : null;
  // The records come in (key, seq) order: a key's last record is its last event.
  let has = false;
  let c0 = 0;
  let c1 = 0;
  let c2 = 0;
  let cw = 0;
  const flush = (): void => {
    if (!has) return;
    const seq = cw & 0x7fffffff;
    const deleted = (cw & KEY_DELETE) !== 0;
    if (list) list.push(c0, c1, c2, seq, deleted);
    else if (!deleted) setBit(winners, seq);
  };
  await state.keys.forEach((h0, h1, h2, w3) => {
    if (!has || h0 !== c0 || h1 !== c1 || h2 !== c2) {
      flush();
      has = true;
      c0 = h0;
      c1 = h1;
      c2 = h2;
    }
    cw = w3;
  });
  flush();
  throwIfAborted(signal);

  const counts: Record<string, number> = {};
  let resources = 0;
  let bytes = 0;
  let deleted = 0;
  const deletions: DeletedKey[] = [];
  let keep: Uint8Array | null = null;
  // 2. The parent's rows.
  if (parent && list) {
    keep = new Uint8Array(parent.table.count);
    const full = state.mode === 'full';
    if (list.n === 0 && (full ? parent.seen.every((x) => x > 0) : state.drops.size === 0)) {
      // Nothing new, nothing deleted, every line seen (or an incremental run without a full listing): the
      // parent's rows all stay, counted from its manifest instead of being read again.
      keep.fill(1);
      const m = parent.record.manifest;
      for (const [t, n] of Object.entries(m.counts)) counts[t] = n;
      resources = m.totals.resources;
      bytes = m.totals.bytes;
    } else {
      // Only rows whose key the run touched, and rows whose staying depends on a line seeing them (a full listing, a
      // type listed in full), are looked up; every other parent row stays as it is. An incremental run therefore pays
      // per parent row only for decoding and counting it, not for its key hash and line table look-up.
      keep.fill(1);
      const read = readAhead(state.repo, parent.tree);
      const kh = new Uint32Array(3);
      const ids = list.n > 0 ? await runKeyIds(state, list.n) : null;
      const seenDecides = (type: string): boolean => (full || state.drops.has(type)) && state.keepTypes?.has(type) !== true;
      // An incremental run without a full listing keeps every row its ids do not name: the counts start from the
      // parent's manifest and lose the rows that go, so a row the filter passes over costs one set look-up.
      const fromManifest = ids !== null && !full && state.drops.size === 0;
      if (fromManifest) {
        const m = parent.record.manifest;
        for (const [t, n] of Object.entries(m.counts)) counts[t] = n;
        resources = m.totals.resources;
        bytes = m.totals.bytes;
      }
      for await (const batch of materializeBatches(read, parent.tree, { signal })) {
        for (let k = 0; k < batch.n; k++) {
          const set = batch.sets[k] as RowSet;
          const i = batch.rows[k] as number;
          if (fromManifest && !ids.has(set.id(i))) continue;
          const type = set.type(i);
          let w = -1;
          if (list.n > 0 && (ids === null || ids.has(set.id(i)))) {
            keyHash(type, set.id(i), kh, 0);
            w = list.find(kh);
          }
          if (w < 0 && !seenDecides(type)) {
            // Unseen by this run and not listed in full: the row stays.
            if (!fromManifest && ((set.flags[i] as number) & FLAG_ALIAS) === 0) {
              counts[type] = (counts[type] ?? 0) + 1;
              resources++;
              bytes += set.lengths[i] as number;
            }
            continue;
          }
          const pos = findLine(parent.table, set.hashes, i * LINE_HASH_BYTES);
          if (pos < 0) throw new EngineError('SNAPSHOT_CORRUPT', { file: `snapshots/${parent.record.id}` });
          const seen = parent.seen[pos] as number;
          const primary = ((set.flags[i] as number) & FLAG_ALIAS) === 0;
          let stays: boolean;
          if (w >= 0) {
            if ((list.seqs[w] as number) > seen) {
              stays = false;
              if (primary) {
                if ((list.flags[w] as number) & W_DELETED) {
                  deleted++;
                  deletions.push({ type, id: set.id(i) });
                } else list.flags[w]! |= W_IN_PARENT;
              }
            } else {
              stays = true;
              list.flags[w]! |= W_LOSER;
            }
          } else {
            stays = seen > 0;
            if (!stays && primary) {
              deleted++;
              deletions.push({ type, id: set.id(i) });
            }
          }
          if (stays) {
            if (primary && !fromManifest) {
              counts[type] = (counts[type] ?? 0) + 1;
              resources++;
              bytes += set.lengths[i] as number;
            }
          } else {
            keep[pos] = 0;
            if (primary && fromManifest) {
              counts[type] = (counts[type] ?? 0) - 1;
              resources--;
              bytes -= set.lengths[i] as number;
            }
          }
        }
        // A turn for the event loop per batch (at most a few thousand rows), not an await per row.
        await new Promise<void>((r) => setImmediate(r));
      }
    }
    for (let w = 0; w < list.n; w++) {
      const f = list.flags[w] as number;
      if (f & (W_DELETED | W_LOSER)) continue;
      setBit(winners, list.seqs[w] as number);
      if (f & W_IN_PARENT) setBit(changedBits, list.seqs[w] as number);
    }
  }
  // 3. The run's rows (a first backup counts them while it writes the checkpoint instead: see writeRunTree).
  let added = 0;
  let changed = 0;
  let upsertKeys = 0;
  let deltaRows: Row[] | null = options.collectDelta ? [] : null;
  if (options.countRows !== false) {
    for await (const batch of state.rows.mergedBatches()) {
      throwIfAborted(signal);
      for (const r of batch) {
        if (!bit(winners, r.seq)) continue;
        if ((r.flags & FLAG_ALIAS) === 0) {
          counts[r.type] = (counts[r.type] ?? 0) + 1;
          resources++;
          bytes += r.length;
          upsertKeys++;
          if (bit(changedBits, r.seq)) changed++;
          else added++;
        }
        if (deltaRows) {
          if (upsertKeys > (state.deltaKeys ?? MAX_DELTA_KEYS)) deltaRows = null;
          else deltaRows.push(toRow(r, state.frameIds));
        }
      }
      await new Promise<void>((r) => setImmediate(r));
    }
  }
  return { counts, resources, bytes, added, changed, deleted, upsertKeys, deletions, winners, keep, deltaRows };
}

async function* parentKept(state: RunState, keep: Uint8Array, signal?: AbortSignal): AsyncGenerator<Row> {
  const parent = state.parent as ParentState;
  const read = readAhead(state.repo, parent.tree);
  for await (const b of materializeBatches(read, parent.tree, { signal })) {
    for (let k = 0; k < b.n; k++) {
      const set = b.sets[k] as RowSet;
      const i = b.rows[k] as number;
      if (keep[findLine(parent.table, set.hashes, i * LINE_HASH_BYTES)]) yield set.row(i);
    }
  }
}

async function* runKept(state: RunState, winners: Uint8Array): AsyncGenerator<Row> {
  for await (const rows of runKeptBatches(state, winners)) yield* rows;
}

/**
 * The run's winning rows in order, in batches (one await per batch, not per row). The rows are read from the spill
 * files, then encoded and sealed by the consumer in this thread: each batch (up to 1,024 rows) gives the host's
 * event loop a turn first (a spill block holds tens of thousands of rows).
 */
async function* runKeptBatches(state: RunState, winners: Uint8Array): AsyncGenerator<Row[]> {
  for await (const batch of state.rows.mergedBatches()) {
    await new Promise<void>((r) => setImmediate(r));
    const out: Row[] = [];
    for (const r of batch) if (bit(winners, r.seq)) out.push(toRow(r, state.frameIds));
    if (out.length > 0) yield out;
  }
}

/**
 * How many deltas a large change needs: the fewest parts, by key hash, none of which upserts more than maxKeys
 * keys (counted, not assumed: hashing spreads keys evenly, but not exactly).
 */
async function deltaParts(state: RunState, winners: Uint8Array, upsertKeys: number, maxKeys: number): Promise<number> {
  const kh = new Uint32Array(3);
  for (let parts = Math.ceil(upsertKeys / Math.max(1, Math.floor(maxKeys * 0.75))); ; parts++) {
    const perPart = new Uint32Array(parts);
    for await (const r of runKept(state, winners)) {
      if (r.flags & FLAG_ALIAS) continue;
      keyHash(r.type, r.id, kh, 0);
      perPart[(kh[0] as number) % parts]!++;
    }
    if (perPart.every((n) => n <= maxKeys)) return parts;
  }
}

/** Merges two sorted row streams (their keys never collide: a key is either kept from the parent or upserted). */
async function* mergeRows(a: AsyncGenerator<Row>, b: AsyncGenerator<Row>): AsyncGenerator<Row> {
  const y = new Yielder();
  let x = await a.next();
  let z = await b.next();
  while (!x.done || !z.done) {
    await y.tick();
    if (z.done || (!x.done && compareKeys(x.value.patient, x.value.type, x.value.id, z.value.patient, z.value.type, z.value.id) < 0)) {
      yield (x as IteratorYieldResult<Row>).value;
      x = await a.next();
    } else if (x.done || compareKeys(x.value.patient, x.value.type, x.value.id, z.value.patient, z.value.type, z.value.id) > 0) {
      yield z.value;
      z = await b.next();
    } else throw new EngineError('INTERNAL', { reason: `key ${x.value.type}/${x.value.id} both kept and upserted` });
  }
}

/**
 * The tree of a run without a parent tree (a first backup): a checkpoint of the run's winning rows, counted while
 * they are written (after analyseRun with countRows: false), so the spill runs are merged once, not twice.
 * Returns the analysis completed with the counts. Nothing is written when no row won (an empty source).
 */
export async function writeFirstTree(
  state: RunState,
  analysis: RunAnalysis,
  writer: RepoWriter2,
  options: { signal?: AbortSignal; seal?: SealTreeBlob } = {},
): Promise<{ tree: ResourceTreeRef; analysis: RunAnalysis }> {
  if (state.parent) throw new Error('writeFirstTree: the run has a parent tree');
  const counts: Record<string, number> = {};
  let resources = 0;
  let bytes = 0;
  async function* counted(): AsyncGenerator<Row[]> {
    for await (const rows of runKeptBatches(state, analysis.winners)) {
      for (const r of rows) {
        if ((r.flags & FLAG_ALIAS) !== 0) continue;
        counts[r.type] = (counts[r.type] ?? 0) + 1;
        resources++;
        bytes += r.length;
      }
      yield rows;
    }
  }
  const rows = counted();
  const first = await rows.next();
  const done = (tree: ResourceTreeRef): { tree: ResourceTreeRef; analysis: RunAnalysis } => ({
    tree,
    analysis: { ...analysis, counts, resources, bytes, added: resources, changed: 0, upsertKeys: resources, deltaRows: null },
  });
  if (first.done) return done({ kind: 'resources', checkpoint: null, deltas: [], changesSinceCheckpoint: 0 });
  async function* all(): AsyncGenerator<Row[]> {
    yield first.value as Row[];
    yield* rows;
  }
  const trees = options.seal ? new PooledTreeWrites(state, writer, options.seal) : null;
  const write = trees ? (content: Buffer): Promise<string> => trees.write(content) : async (content: Buffer): Promise<string> => (await writer.addBlob(BlobType.tree, content)).id.toString('hex');
  try {
    const cp = await writeCheckpoint(all(), state.repo.config.params.treeChunkRows, write, options.signal);
    await trees?.done();
    return done({ kind: 'resources', checkpoint: cp.id, deltas: [], changesSinceCheckpoint: 0 });
  } finally {
    await trees?.settle();
  }
}

/** Seals a tree blob elsewhere (the worker pool): its envelope and raw length. */
export type SealTreeBlob = (content: Buffer) => Promise<{ envelope: Buffer; raw: number }>;

/**
 * Tree blobs sealed (compressed, encrypted) in the worker pool while this thread merges and encodes the next rows;
 * the blob id is computed here (the checkpoint directory needs it at once). At most a few seals are in flight;
 * sealed blobs reach the packs in the order they were written.
 */
class PooledTreeWrites {
  private readonly inFlight: Promise<void>[] = [];
  private chain: Promise<void> = Promise.resolve();
  private readonly started = new Set<string>();
  private failure: unknown = null;

  constructor(
    private readonly state: RunState,
    private readonly writer: RepoWriter2,
    private readonly seal: SealTreeBlob,
  ) {}

  async write(content: Buffer): Promise<string> {
    if (this.failure !== null) throw this.failure;
    const id = this.state.repo.store.blobId(content);
    const key = id.toString('latin1');
    if (!this.writer.has(id) && !this.started.has(key)) {
      this.started.add(key);
      const sealed = this.seal(content);
      sealed.catch(() => undefined);
      const stored = (this.chain = this.chain.then(async () => {
        const s = await sealed;
        await this.writer.addSealed(BlobType.tree, id, s.envelope, s.raw);
      }));
      stored.catch((err: unknown) => {
        this.failure ??= err;
      });
      this.inFlight.push(stored);
      while (this.inFlight.length > 4) await (this.inFlight.shift() as Promise<void>).catch(() => undefined);
    }
    if (this.failure !== null) throw this.failure;
    return id.toString('hex');
  }

  /** Every blob stored (or the first failure thrown). */
  async done(): Promise<void> {
    await this.chain.catch(() => undefined);
    if (this.failure !== null) throw this.failure;
  }

  /** Waits for what is in flight, whatever its outcome (a failed run still leaves no task behind). */
  async settle(): Promise<void> {
    await Promise.all(this.inFlight.splice(0).map((p) => p.catch(() => undefined)));
  }
}

/** Writes the new tree: the parent's unchanged, a delta on it, or a new checkpoint (§14.8). */
export async function writeRunTree(state: RunState, analysis: RunAnalysis, writer: RepoWriter2, options: { signal?: AbortSignal; onProgress?: ProgressListener } = {}): Promise<ResourceTreeRef> {
  const p = state.repo.config.params;
  const parentTree = state.parent?.tree ?? null;
  const changes = analysis.upsertKeys + analysis.deletions.length;
  if (parentTree && changes === 0) return parentTree;
  const write = async (content: Buffer): Promise<string> => (await writer.addBlob(BlobType.tree, content)).id.toString('hex');
  const maxKeys = state.deltaKeys ?? MAX_DELTA_KEYS;
  // A change larger than one delta holds is split by key into several (§14.8): a key's rows, alias rows included,
  // stay in one delta, and the deltas' keys are disjoint, so their order does not matter.
  const fits = (parts: number): boolean =>
    parentTree !== null && parentTree.deltas.length + parts < p.checkpointEvery && parentTree.changesSinceCheckpoint + changes <= Math.max(1000, p.checkpointChangeRatio * analysis.resources);
  const parts = analysis.upsertKeys <= maxKeys || !fits(Math.ceil(analysis.upsertKeys / maxKeys)) ? 1 : await deltaParts(state, analysis.winners, analysis.upsertKeys, maxKeys);
  const canDelta = fits(parts) && (parts > 1 || analysis.upsertKeys <= maxKeys);
  if (canDelta && parentTree) {
    const ids: string[] = [];
    if (parts === 1) {
      let rows = analysis.deltaRows;
      if (!rows) {
        rows = [];
        for await (const r of runKept(state, analysis.winners)) rows.push(r);
      }
      ids.push(await writeDelta(rows, analysis.deletions, write));
    } else {
      const kh = new Uint32Array(3);
      for (let k = 0; k < parts; k++) {
        const rows: Row[] = [];
        for await (const r of runKept(state, analysis.winners)) {
          keyHash(r.type, r.id, kh, 0);
          if ((kh[0] as number) % parts === k) rows.push(r);
        }
        ids.push(await writeDelta(rows, k === parts - 1 ? analysis.deletions : [], write));
      }
    }
    return { kind: 'resources', checkpoint: parentTree.checkpoint, deltas: [...parentTree.deltas, ...ids], changesSinceCheckpoint: parentTree.changesSinceCheckpoint + changes };
  }
  if (analysis.resources === 0) return { kind: 'resources', checkpoint: null, deltas: [], changesSinceCheckpoint: 0 };
  if (!state.parent) {
    const cp = await writeCheckpoint(runKeptBatches(state, analysis.winners), p.treeChunkRows, write, options.signal);
    return { kind: 'resources', checkpoint: cp.id, deltas: [], changesSinceCheckpoint: 0 };
  }
  const base: AsyncGenerator<Row> = state.parent && analysis.keep ? parentKept(state, analysis.keep, options.signal) : (async function* () {})();
  const cp = await writeCheckpoint(mergeRows(base, runKept(state, analysis.winners)), p.treeChunkRows, write, options.signal);
  return { kind: 'resources', checkpoint: cp.id, deltas: [], changesSinceCheckpoint: 0 };
}
