/** The reader's byte side (reader.ts): frames and resources read in storage order, opened and verified. */
import { EngineError, isEngineError, isIntegrityCode, throwIfAborted } from '../shared/index.js';
import { LINE_HASH_BYTES } from './rowSet.js';
import type { Repository } from './repository.js';
import { packLabel } from './store2.js';
import type { ResourceData, ResourceRow } from './reader.js';
import { inThreadOpener, type OpenOutcome, type OpenRequest, type ReadOptions } from './blobOpener.js';
import { CompactRows } from './compactRows.js';

// ------------------------------------------------------------------ reading resource bytes

/** A damaged or missing blob, as the error the rows it held get. */
function readError(err: unknown): EngineError {
  if (isEngineError(err) && (isIntegrityCode(err.code) || err.code === 'BLOB_MISSING')) return err;
  throw err;
}

/** One compact row's bytes, or why they could not be read. */
export interface CompactData {
  readonly i: number;
  readonly bytes?: Buffer;
  readonly error?: EngineError;
}

/** One frame's share of a read: its rows (by offset), and the opener's outcome or the error they all get. */
export interface FrameData {
  readonly rows: Uint32Array;
  readonly outcome: OpenOutcome & { readonly ok: true };
  readonly error?: undefined;
}
export interface FrameError {
  readonly rows: Uint32Array;
  readonly outcome?: undefined;
  readonly error: EngineError;
}

/** Frames of one pack read together only when they are adjacent (no byte is read that is not needed). */
const RANGE_GAP = 0;
const RANGE_MAX = 8 * 1024 * 1024;
/** Decompressed bytes in flight per read (bounds memory: a pack holds ~17× its size of NDJSON). */
const RAW_MAX = 16 * 1024 * 1024;
/** Reads in flight: up to 3 × RAW_MAX decompressed bytes, and many when they are small (one patient's scattered frames). */
const RAW_AHEAD = 3 * RAW_MAX;
const READS_AHEAD_MAX = 32;

interface FramePlan {
  readonly entry: number;
  readonly rows: Uint32Array;
}

/**
 * Reads the frames compact rows need (version 2) in storage order: every frame once, neighbouring frames of a
 * pack in one range read, opened and verified by the opener (decrypt, decompress, blob id, each row's line hash or
 * its place on a whole line).
 * Yields one item per frame; a damaged or missing frame gives its rows an error naming it.
 */
export async function* readFrames(
  repo: Repository,
  rows: CompactRows,
  options: ReadOptions & {
    readonly mode?: 'content' | 'assemble';
    /**
     * false: rows are taken when they fall on whole lines of their frame, whose blob id the opener verified, without
     * hashing each line again (docs/format.md §19.2); true (default): each row's line hash is checked.
     */
    readonly lineHashes?: boolean;
    /**
     * assemble: where a frame's lines go when the opener writes them itself (see OpenRequest.write); called once per
     * frame, in the order the frames are yielded, before the frame is read.
     */
    readonly writeTarget?: (rows: Uint32Array) => { readonly fd: number; readonly at: number } | null;
  } = {},
): AsyncGenerator<FrameData | FrameError> {
  const { signal } = options;
  const store = repo.store;
  await repo.loadIndex(signal);
  const opener = options.opener ?? inThreadOpener(repo);
  const withHashes = options.lineHashes ?? true;
  const idx = store.index;
  const plans: FramePlan[] = [];
  const offsetCol = rows.offsetColumn;
  const sizeCol = rows.sizeColumn;
  let keys = new Float64Array(64);
  for (const f of rows.byFrame()) {
    const e = idx.find(f.blob);
    if (e < 0) {
      yield { rows: f.rows, error: new EngineError('BLOB_MISSING', { blob: f.blob.toString('hex'), snapshots: [] }) };
      continue;
    }
    // Rows of a frame in offset order (the output keeps the stored order of lines): a native sort of
    // offset · 2^24 + position (exact in a double while offsets stay under 2^29; else a comparator).
    const n = f.rows.length;
    let sorted: Uint32Array;
    if (n < 1 << 24 && idx.rawAt(e) < 2 ** 29) {
      if (keys.length < n) keys = new Float64Array(Math.max(n, keys.length * 2));
      const k = keys.subarray(0, n);
      for (let j = 0; j < n; j++) k[j] = (offsetCol[f.rows[j] as number] as number) * 16777216 + j;
      k.sort();
      sorted = new Uint32Array(n);
      for (let j = 0; j < n; j++) sorted[j] = f.rows[(k[j] as number) % 16777216] as number;
    } else sorted = Uint32Array.from(f.rows).sort((a, b) => rows.offset(a) - rows.offset(b));
    plans.push({ entry: e, rows: sorted });
  }
  plans.sort((a, b) => idx.packNoAt(a.entry) - idx.packNoAt(b.entry) || idx.offsetAt(a.entry) - idx.offsetAt(b.entry));
  const groups: FramePlan[][] = [];
  let raw = 0;
  for (const p of plans) {
    const g = groups[groups.length - 1];
    const last = g?.[g.length - 1];
    if (g && last && idx.packNoAt(last.entry) === idx.packNoAt(p.entry) && raw + idx.rawAt(p.entry) <= RAW_MAX) {
      const start = idx.offsetAt((g[0] as FramePlan).entry);
      const end = idx.offsetAt(last.entry) + idx.storedAt(last.entry);
      if (idx.offsetAt(p.entry) - end <= RANGE_GAP && idx.offsetAt(p.entry) + idx.storedAt(p.entry) - start <= RANGE_MAX) {
        g.push(p);
        raw += idx.rawAt(p.entry);
        continue;
      }
    }
    groups.push([p]);
    raw = idx.rawAt(p.entry);
  }
  type Loaded = { g: FramePlan[]; outcomes: OpenOutcome[] | null; error: EngineError | null };
  const load = async (g: FramePlan[]): Promise<Loaded> => {
    // Output places are given out in yield order, before anything is awaited.
    const targets = options.writeTarget ? g.map((p) => (options.writeTarget as NonNullable<typeof options.writeTarget>)(p.rows)) : null;
    const first = (g[0] as FramePlan).entry;
    const last = (g[g.length - 1] as FramePlan).entry;
    const start = idx.offsetAt(first);
    const length = idx.offsetAt(last) + idx.storedAt(last) - start;
    const pack = idx.packId(idx.packNoAt(first));
    let bytes: Buffer;
    try {
      bytes = await store.backend.read({ kind: 'data', name: pack }, { offset: start, length }, signal);
    } catch (err) {
      if (isEngineError(err, 'NOT_FOUND')) return { g, outcomes: null, error: new EngineError('BLOB_MISSING', { blob: packLabel(pack), snapshots: [] }) };
      if (isEngineError(err, 'FILE_TRUNCATED')) return { g, outcomes: null, error: new EngineError('PACK_CORRUPT', { file: packLabel(pack) }) };
      throw err;
    }
    store.bytesRead += bytes.length;
    const items: OpenRequest[] = g.map((p, k) => {
      const off = idx.offsetAt(p.entry) - start;
      const n = p.rows.length;
      const offsets = new Float64Array(n);
      const lengths = new Float64Array(n);
      const hashes = withHashes ? Buffer.alloc(n * LINE_HASH_BYTES) : null;
      for (let k = 0; k < n; k++) {
        const i = p.rows[k] as number;
        offsets[k] = offsetCol[i] as number;
        lengths[k] = sizeCol[i] as number;
        if (hashes) rows.hash(i).copy(hashes, k * LINE_HASH_BYTES);
      }
      const write = targets?.[k] ?? undefined;
      return {
        id: idx.idAt(p.entry),
        stored: bytes.subarray(off, off + idx.storedAt(p.entry)),
        raw: idx.rawAt(p.entry),
        lines: { offsets, lengths, hashes },
        mode: options.mode ?? 'content',
        ...(write ? { write } : {}),
      };
    });
    return { g, outcomes: await opener.open(items, signal), error: null };
  };
  const ahead: Promise<Loaded>[] = [];
  const groupRaw = (g: FramePlan[]): number => g.reduce((n, p) => n + idx.rawAt(p.entry), 0);
  let rawAhead = 0;
  let next = 0;
  try {
    while (next < groups.length || ahead.length > 0) {
      while (next < groups.length && (ahead.length === 0 || (ahead.length < READS_AHEAD_MAX && rawAhead + groupRaw(groups[next] as FramePlan[]) <= RAW_AHEAD))) {
        const g = groups[next++] as FramePlan[];
        rawAhead += groupRaw(g);
        const pending = load(g);
        pending.catch(() => undefined);
        ahead.push(pending);
      }
      throwIfAborted(signal);
      const { g, outcomes, error } = await (ahead.shift() as Promise<Loaded>);
      rawAhead -= groupRaw(g);
      for (let k = 0; k < g.length; k++) {
        const p = g[k] as FramePlan;
        const o = outcomes?.[k];
        if (error || !o || !o.ok) {
          const pack = idx.packId(idx.packNoAt(p.entry));
          yield { rows: p.rows, error: error ?? new EngineError('PACK_CORRUPT', { file: packLabel(pack), blob: idx.idAt(p.entry).toString('hex') }) };
        } else yield { rows: p.rows, outcome: o };
      }
    }
  } finally {
    // Reads started ahead are awaited so nothing runs after the caller stopped.
    await Promise.allSettled(ahead);
  }
}

/** A line whose hash did not match: the row's error, naming the pack. */
export function lineError(repo: Repository, rows: CompactRows, i: number): EngineError {
  const loc = repo.store.index.get(Buffer.from(rows.blob(i), 'hex'));
  return new EngineError('PACK_CORRUPT', { file: loc ? packLabel(loc.pack) : rows.blob(i), blob: rows.blob(i), resource: `${rows.type(i)}/${rows.id(i)}` });
}

/** Per-row bytes of compact rows (version 2), frame by frame in storage order (see readFrames). */
export async function* readCompact(repo: Repository, rows: CompactRows, options: ReadOptions = {}): AsyncGenerator<CompactData> {
  for await (const f of readFrames(repo, rows, { ...options, mode: 'content' })) {
    if (f.error) {
      for (const i of f.rows) yield { i, error: f.error };
      continue;
    }
    const content = f.outcome.content as Buffer;
    for (let j = 0; j < f.rows.length; j++) {
      const i = f.rows[j] as number;
      if (!f.outcome.lineOk || !f.outcome.lineOk[j]) yield { i, error: lineError(repo, rows, i) };
      else yield { i, bytes: content.subarray(rows.offset(i), rows.offset(i) + rows.size(i)) };
    }
  }
}

/**
 * Reads the bytes of resources in storage order (see readCompact for version 2; version 1 reads one blob per
 * resource, sorted by pack and frame). Yields one item per row with its position in the input.
 */
export async function* readResources(repo: Repository, rows: readonly ResourceRow[], options: ReadOptions = {}): AsyncGenerator<ResourceData> {
  if (repo.version === 1) {
    yield* readResourcesV1(repo, rows, options.signal);
    return;
  }
  const compact = new CompactRows();
  for (const r of rows) compact.push(r);
  for await (const d of readCompact(repo, compact, options)) {
    const row = rows[d.i] as ResourceRow;
    if (d.error) yield { index: d.i, row, error: d.error };
    else yield { index: d.i, row, bytes: d.bytes as Buffer };
  }
}

async function* readResourcesV1(repo: Repository, rows: readonly ResourceRow[], signal?: AbortSignal): AsyncGenerator<ResourceData> {
  await repo.loadIndex(signal);
  const keyed = rows.map((r, i) => {
    const loc = repo.index.get(Buffer.from(r.blob, 'hex'));
    return { i, pack: loc ? loc.pack.id : '', frame: loc?.frame ?? 0, offset: loc?.offset ?? 0 };
  });
  keyed.sort((a, b) => (a.pack < b.pack ? -1 : a.pack > b.pack ? 1 : a.frame - b.frame || a.offset - b.offset));
  for (const k of keyed) {
    throwIfAborted(signal);
    const row = rows[k.i] as ResourceRow;
    try {
      yield { index: k.i, row, bytes: await repo.readBlob(row.blob, signal) };
    } catch (err) {
      yield { index: k.i, row, error: readError(err) };
    }
  }
}

/** Reads one resource (small look-ups: dump, a drill's comparison; frames are cached); throws its read error. */
export async function readResource(repo: Repository, row: ResourceRow, options: ReadOptions = {}): Promise<Buffer> {
  if (repo.version === 2) {
    const store = repo.store;
    await repo.loadIndex(options.signal);
    const frame = await store.readBlobCached(row.blob, options.signal);
    const end = row.offset + row.size;
    const line = frame.subarray(row.offset, end);
    if (end >= frame.length || frame[end] !== 10 || !row.lineHash || !store.lineHash(line).equals(row.lineHash)) {
      const loc = store.index.get(Buffer.from(row.blob, 'hex'));
      throw new EngineError('PACK_CORRUPT', { file: loc ? packLabel(loc.pack) : row.blob, resource: `${row.type}/${row.id}` });
    }
    return line;
  }
  for await (const d of readResources(repo, [row], options)) {
    if (d.error) throw d.error;
    return d.bytes;
  }
  throw new EngineError('RESOURCE_NOT_FOUND', { resource: `${row.type}/${row.id}`, snapshot: '' });
}
