/**
 * Resource trees (docs/format.md §14.6–14.9): a checkpoint (a JSON directory of row chunks) plus a chain of row
 * deltas. Reading materialises the rows in (patient, type, id) order by merging the checkpoint with the deltas,
 * streaming chunk by chunk; one patient's rows need only the chunks whose key range can hold the patient.
 */
import { throwIfAborted } from '../shared/index.js';
import { FormatError } from './bytes.js';
import { compareKeys, decodeRowSet, encodeRowSet, FLAG_ALIAS, RowSetKind, type DeletedKey, type Row, type RowSet } from './rowSet.js';

export const DIR_FORMAT = 'CBDIR2';
/** Upserted keys per delta blob (§23). */
export const MAX_DELTA_KEYS = 65_536;

export interface ResourceTreeRef {
  readonly kind: 'resources';
  /** Blob id (32 hex) of the checkpoint directory, or null. */
  readonly checkpoint: string | null;
  /** Delta blob ids, applied in order. */
  readonly deltas: readonly string[];
  readonly changesSinceCheckpoint: number;
}

export const EMPTY_RESOURCE_TREE: ResourceTreeRef = { kind: 'resources', checkpoint: null, deltas: [], changesSinceCheckpoint: 0 };

export type RowKey = readonly [string, string, string];

export interface ChunkEntry {
  readonly blob: string;
  readonly rows: number;
  readonly first: RowKey;
  readonly last: RowKey;
}

export interface CheckpointDir {
  readonly format: typeof DIR_FORMAT;
  readonly rows: number;
  readonly chunks: readonly ChunkEntry[];
}

const HEX32 = /^[0-9a-f]{32}$/;

function isKey(v: unknown): v is RowKey {
  return Array.isArray(v) && v.length === 3 && v.every((x) => typeof x === 'string');
}

export function encodeCheckpointDir(dir: CheckpointDir): Buffer {
  return Buffer.from(JSON.stringify(dir), 'utf8');
}

/** Parses and validates a checkpoint directory: format, ids, counts, chunks in order without overlap. */
export function decodeCheckpointDir(bytes: Buffer): CheckpointDir {
  let v: unknown;
  try {
    v = JSON.parse(bytes.toString('utf8'));
  } catch {
    throw new FormatError('checkpoint directory is not JSON');
  }
  const o = v as Partial<CheckpointDir> | null;
  if (!o || typeof o !== 'object' || o.format !== DIR_FORMAT || !Array.isArray(o.chunks) || typeof o.rows !== 'number') throw new FormatError('not a checkpoint directory');
  let total = 0;
  let prev: RowKey | null = null;
  for (const c of o.chunks as unknown[]) {
    const e = c as Partial<ChunkEntry> | null;
    if (!e || typeof e.blob !== 'string' || !HEX32.test(e.blob) || typeof e.rows !== 'number' || e.rows < 1 || !isKey(e.first) || !isKey(e.last)) throw new FormatError('bad chunk entry');
    if (compareKeys(...e.first, ...e.last) > 0) throw new FormatError('chunk range reversed');
    if (prev && compareKeys(...prev, ...e.first) >= 0) throw new FormatError('chunks overlap or are out of order');
    prev = e.last;
    total += e.rows;
  }
  if (total !== o.rows) throw new FormatError('row count differs from its chunks');
  return o as CheckpointDir;
}

/** Reads a tree blob by its hex id (verified against the id by the caller's repository). */
export type ReadTreeBlob = (id: string, signal?: AbortSignal) => Promise<Buffer>;

export interface MaterializeOptions {
  /** Only this patient's rows. */
  readonly patient?: string;
  readonly signal?: AbortSignal;
  /** Called with the id of every tree blob read (for marking, checking and statistics). */
  readonly onBlob?: (id: string, kind: 'directory' | 'chunk' | 'delta') => void;
}

/** The deltas of a tree, decoded, with the latest delta that mentions each key. */
export interface DeltaChain {
  readonly deltas: readonly RowSet[];
  /** "type\u0000id" → index of the last delta mentioning the key. */
  readonly latest: ReadonlyMap<string, number>;
}

export function keyOf(type: string, id: string): string {
  return `${type}\u0000${id}`;
}

export async function loadDeltaChain(read: ReadTreeBlob, tree: ResourceTreeRef, options: MaterializeOptions = {}): Promise<DeltaChain> {
  const deltas: RowSet[] = [];
  const latest = new Map<string, number>();
  for (let d = 0; d < tree.deltas.length; d++) {
    throwIfAborted(options.signal);
    const id = tree.deltas[d] as string;
    options.onBlob?.(id, 'delta');
    const set = decodeRowSet(await read(id, options.signal), RowSetKind.delta);
    deltas.push(set);
    for (let i = 0; i < set.length; i++) latest.set(keyOf(set.type(i), set.id(i)), d);
    for (const del of set.deletions) latest.set(keyOf(del.type, del.id), d);
  }
  return { deltas, latest };
}

export async function readCheckpointDir(read: ReadTreeBlob, tree: ResourceTreeRef, options: MaterializeOptions = {}): Promise<CheckpointDir | null> {
  if (!tree.checkpoint) return null;
  options.onBlob?.(tree.checkpoint, 'directory');
  return decodeCheckpointDir(await read(tree.checkpoint, options.signal));
}

/** The chunks of a checkpoint that can hold a patient's rows. */
export function chunksForPatient(dir: CheckpointDir, patient: string): ChunkEntry[] {
  return dir.chunks.filter((c) => c.first[0] <= patient && patient <= c.last[0]);
}

interface Cursor {
  readonly source: number;
  set: RowSet | null;
  i: number;
  /** Loads the next row set of this source, or null when done. */
  next: () => Promise<RowSet | null>;
}

/**
 * The rows of a tree in (patient, type, id) order: the checkpoint's rows merged with the deltas (§14.8).
 * Streams: one checkpoint chunk at a time, the deltas decoded once.
 */
export async function* materialize(read: ReadTreeBlob, tree: ResourceTreeRef, options: MaterializeOptions = {}): AsyncGenerator<Row> {
  for await (const [set, i] of materializeRefs(read, tree, options)) yield set.row(i);
}

/** materialize() without a row object per row: (row set, row number) pairs, valid until the next step. */
export async function* materializeRefs(read: ReadTreeBlob, tree: ResourceTreeRef, options: MaterializeOptions = {}): AsyncGenerator<readonly [RowSet, number]> {
  for await (const b of materializeBatches(read, tree, options)) for (let k = 0; k < b.n; k++) yield [b.sets[k] as RowSet, b.rows[k] as number];
}

/** A batch of materialised rows: row k is row `rows[k]` of `sets[k]`. */
export interface RowBatch {
  readonly sets: readonly RowSet[];
  readonly rows: Uint32Array;
  readonly n: number;
}

const BATCH_ROWS = 4096;

/**
 * The materialised rows in batches (the hot paths of backups, restores and checks: no object and no promise per
 * row). A checkpoint without deltas streams its chunks as they are; with deltas the sources are merged by key.
 */
export async function* materializeBatches(read: ReadTreeBlob, tree: ResourceTreeRef, options: MaterializeOptions = {}): AsyncGenerator<RowBatch> {
  const { signal, patient } = options;
  const dir = await readCheckpointDir(read, tree, options);
  const chain = await loadDeltaChain(read, tree, options);
  const chunks = dir ? (patient === undefined ? dir.chunks : chunksForPatient(dir, patient)) : [];
  let chunkNo = 0;
  let prevLast: RowKey | null = null;
  const nextChunk = async (): Promise<RowSet | null> => {
    const c = chunks[chunkNo++];
    if (!c) return null;
    throwIfAborted(signal);
    options.onBlob?.(c.blob, 'chunk');
    const set = decodeRowSet(await read(c.blob, signal), RowSetKind.checkpoint);
    // The directory's ranges are what one-patient reads rely on: a chunk must hold what it claims.
    if (set.length !== c.rows || set.length === 0) throw new FormatError('chunk row count differs from the directory');
    const first = [set.patient(0), set.type(0), set.id(0)] as const;
    const l = set.length - 1;
    const last = [set.patient(l), set.type(l), set.id(l)] as const;
    if (compareKeys(...first, ...c.first) !== 0 || compareKeys(...last, ...c.last) !== 0) throw new FormatError('chunk keys differ from the directory');
    if (prevLast && compareKeys(...prevLast, ...first) >= 0) throw new FormatError('chunks out of order');
    prevLast = last;
    return set;
  };
  if (chain.deltas.length === 0) {
    for (let set = await nextChunk(); set; set = await nextChunk()) {
      const rows = new Uint32Array(set.length);
      let n = 0;
      for (let i = 0; i < set.length; i++) if (patient === undefined || set.patient(i) === patient) rows[n++] = i;
      if (n > 0) yield { sets: new Array<RowSet>(n).fill(set), rows, n };
    }
    return;
  }
  // The latest delta mentioning each key, by type then id (no key string per row).
  const latest = new Map<string, Map<string, number>>();
  for (const [key, d] of chain.latest) {
    const sep = key.indexOf('\u0000');
    const t = key.slice(0, sep);
    let m = latest.get(t);
    if (!m) latest.set(t, (m = new Map()));
    m.set(key.slice(sep + 1), d);
  }
  const cursors: Cursor[] = [{ source: -1, set: null, i: 0, next: nextChunk }];
  chain.deltas.forEach((set, d) => {
    let used = false;
    cursors.push({
      source: d,
      set: null,
      i: 0,
      next: async () => {
        if (used) return null;
        used = true;
        return set;
      },
    });
  });
  /** Moves a cursor to its next row of the patient (if any); false when it has no more rows. */
  const advance = async (c: Cursor): Promise<boolean> => {
    for (;;) {
      if (c.set && c.i < c.set.length) {
        if (patient === undefined || c.set.patient(c.i) === patient) return true;
        c.i++;
        continue;
      }
      c.set = await c.next();
      c.i = 0;
      if (!c.set) return false;
    }
  };
  const live: Cursor[] = [];
  for (const c of cursors) if (await advance(c)) live.push(c);
  let sets: RowSet[] = [];
  let rows = new Uint32Array(BATCH_ROWS);
  let n = 0;
  while (live.length > 0) {
    let best = 0;
    for (let k = 1; k < live.length; k++) {
      const a = live[k] as Cursor;
      const b = live[best] as Cursor;
      const sa = a.set as RowSet;
      const sb = b.set as RowSet;
      const c = compareKeys(sa.patient(a.i), sa.type(a.i), sa.id(a.i), sb.patient(b.i), sb.type(b.i), sb.id(b.i));
      // Equal keys: the later source decides; the earlier row is dropped below by the latest-delta rule.
      if (c < 0 || (c === 0 && a.source > b.source)) best = k;
    }
    const cur = live[best] as Cursor;
    const set = cur.set as RowSet;
    const i = cur.i;
    const owner = latest.get(set.type(i))?.get(set.id(i)) ?? -1;
    if (owner === cur.source) {
      sets.push(set);
      rows[n++] = i;
      if (n === BATCH_ROWS) {
        yield { sets, rows, n };
        sets = [];
        rows = new Uint32Array(BATCH_ROWS);
        n = 0;
      }
    }
    cur.i++;
    // Only loading the next chunk waits; a row of the same chunk is taken synchronously.
    if (cur.set && cur.i < cur.set.length && (patient === undefined || cur.set.patient(cur.i) === patient)) continue;
    if (!(await advance(cur))) live.splice(best, 1);
  }
  if (n > 0) yield { sets, rows, n };
}

/** Counts per type and total bytes of a tree's resources (rows without the alias flag, §14.9). */
export async function countTree(read: ReadTreeBlob, tree: ResourceTreeRef, signal?: AbortSignal): Promise<{ counts: Record<string, number>; resources: number; bytes: number }> {
  const counts: Record<string, number> = {};
  let resources = 0;
  let bytes = 0;
  for await (const r of materialize(read, tree, { signal })) {
    if (r.flags & FLAG_ALIAS) continue;
    counts[r.type] = (counts[r.type] ?? 0) + 1;
    resources++;
    bytes += r.length;
  }
  return { counts, resources, bytes };
}

/** Stores a tree blob and returns its id (hex). */
export type WriteTreeBlob = (content: Buffer) => Promise<string>;

/** Cuts sorted rows into checkpoint chunks and writes them with their directory; returns the directory's id. */
export async function writeCheckpoint(
  rows: AsyncIterable<Row | readonly Row[]> | Iterable<Row>,
  chunkRows: number,
  write: WriteTreeBlob,
  signal?: AbortSignal,
): Promise<{ id: string; rows: number; chunks: number }> {
  const chunks: ChunkEntry[] = [];
  let buf: Row[] = [];
  let total = 0;
  let prev: Row | null = null;
  const emit = async (): Promise<void> => {
    const first = buf[0] as Row;
    const last = buf[buf.length - 1] as Row;
    const blob = await write(encodeRowSet(RowSetKind.checkpoint, buf));
    chunks.push({ blob, rows: buf.length, first: [first.patient, first.type, first.id], last: [last.patient, last.type, last.id] });
    buf = [];
  };
  const add = (r: Row): void => {
    if (prev && compareKeys(prev.patient, prev.type, prev.id, r.patient, r.type, r.id) >= 0) throw new RangeError('checkpoint rows must be sorted and unique');
    prev = r;
    buf.push(r);
    total++;
  };
  // Rows one by one, or in batches (a backup's merge hands them over a thousand at a time).
  for await (const item of rows) {
    if (Array.isArray(item)) {
      for (const r of item as readonly Row[]) {
        add(r);
        if (buf.length >= chunkRows) {
          throwIfAborted(signal);
          await emit();
        }
      }
    } else {
      add(item as Row);
      if (buf.length >= chunkRows) {
        throwIfAborted(signal);
        await emit();
      }
    }
  }
  if (buf.length > 0) await emit();
  const dir: CheckpointDir = { format: DIR_FORMAT, rows: total, chunks };
  return { id: await write(encodeCheckpointDir(dir)), rows: total, chunks: chunks.length };
}

/** Writes one delta blob (every row of each upserted key, sorted; deleted keys); returns its id. */
export async function writeDelta(upserts: readonly Row[], deletions: readonly DeletedKey[], write: WriteTreeBlob): Promise<string> {
  return write(encodeRowSet(RowSetKind.delta, upserts, deletions));
}
