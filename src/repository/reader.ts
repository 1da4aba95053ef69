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
import { decodePlain, Envelope2Error, Kind2, openPlain, plainHeader } from './envelope2.js';
import type { Dictionary } from './codec.js';
import { countTree, decodeCheckpointDir, encodeCheckpointDir, materialize, materializeBatches, readCheckpointDir, type ResourceTreeRef } from './resourceTree.js';
import { decodeRowSet, FLAG_ALIAS, FLAG_SHARED, LINE_HASH_BYTES, RowSetKind, type RowSet } from './rowSet.js';
import type { Repository } from './repository.js';
import type { SnapshotRecord } from './snapshot.js';
import { packLabel } from './store2.js';
import { decodeRow, type TreeRef } from './tree.js';
import { loadOverlay, treeTypes, typeRows, type ListingLoss } from './treeStore.js';
import { createHash } from 'node:crypto';

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

/** An item to open: a blob's stored bytes, its id and raw length, and the resources to check inside it. */
export interface OpenRequest {
  readonly id: Buffer;
  readonly stored: Buffer;
  readonly raw: number;
  readonly lines?: { readonly offsets: Float64Array; readonly lengths: Float64Array; readonly hashes: Buffer };
  /** content (default), verify (intact or not, nothing comes back) or assemble (the verified lines, each + LF). */
  readonly mode?: 'content' | 'verify' | 'assemble';
}

export type OpenOutcome = { readonly ok: true; readonly content?: Buffer; readonly out?: Buffer; readonly lineOk?: Uint8Array } | { readonly ok: false; readonly reason: string };

/** Decrypts, decompresses and verifies blobs: the worker pool (pool/opener.ts) or this thread. */
export interface BlobOpener {
  open(items: readonly OpenRequest[], signal?: AbortSignal): Promise<OpenOutcome[]>;
}

/** The reason an opener gives when a blob's dictionary (another blob, maybe in another pack) cannot be read. */
export const DICTIONARY_UNREADABLE = 'dictionary unreadable';

/** Opens blobs in this thread (small reads; tests; no pool). */
export function inThreadOpener(repo: Repository): BlobOpener {
  return {
    async open(items, signal) {
      const store = repo.store;
      const out: OpenOutcome[] = [];
      for (const it of items) {
        try {
          const plain = openPlain(store.keys.data, Kind2.blob, it.stored);
          const h = plainHeader(plain);
          let dict: Dictionary | null = null;
          if (h.dictId) dict = await store.dictionary(h.dictId, signal);
          const content = decodePlain(plain, dict);
          if (content.length !== it.raw || !store.blobId(content).equals(it.id)) {
            out.push({ ok: false, reason: 'content does not match its id' });
            continue;
          }
          let lineOk: Uint8Array | undefined;
          const parts: Buffer[] = [];
          if (it.lines) {
            lineOk = new Uint8Array(it.lines.offsets.length);
            for (let i = 0; i < lineOk.length; i++) {
              const off = it.lines.offsets[i] as number;
              const len = it.lines.lengths[i] as number;
              if (off + len >= content.length || content[off + len] !== 10) continue;
              const hash = createHash('sha256')
                .update(store.keys.line)
                .update(content.subarray(off, off + len))
                .digest();
              if (hash.subarray(0, LINE_HASH_BYTES).equals(it.lines.hashes.subarray(i * LINE_HASH_BYTES, (i + 1) * LINE_HASH_BYTES))) {
                lineOk[i] = 1;
                parts.push(content.subarray(off, off + len + 1));
              }
            }
          }
          const mode = it.mode ?? 'content';
          out.push(mode === 'verify' ? { ok: true, lineOk } : mode === 'assemble' ? { ok: true, out: Buffer.concat(parts), lineOk } : { ok: true, content, lineOk });
        } catch (err) {
          if (err instanceof Envelope2Error || isEngineError(err, 'INTEGRITY_ERROR')) out.push({ ok: false, reason: err instanceof Envelope2Error ? err.reason : 'cannot be decoded' });
          else if (isEngineError(err) && (err.code === 'BLOB_MISSING' || err.code === 'PACK_CORRUPT')) out.push({ ok: false, reason: DICTIONARY_UNREADABLE });
          else throw err;
        }
      }
      return out;
    },
  };
}

export interface ReadOptions {
  readonly signal?: AbortSignal;
  readonly opener?: BlobOpener;
}

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

// ------------------------------------------------------------------ reading resource bytes

/** A damaged or missing blob, as the error the rows it held get. */
function readError(err: unknown): EngineError {
  if (isEngineError(err) && (isIntegrityCode(err.code) || err.code === 'BLOB_MISSING')) return err;
  throw err;
}

/** Rows held compactly (typed arrays, ids in one buffer): a whole snapshot's restore without an object per row. */
export class CompactRows {
  private readonly frames: Buffer[] = [];
  private readonly frameNo = new Map<string, number>();
  private readonly types: string[] = [];
  private readonly typeNo = new Map<string, number>();
  private frameCol = new Uint32Array(1024);
  private offsets = new Float64Array(1024);
  private sizes = new Float64Array(1024);
  private typeCol = new Uint16Array(1024);
  private hashes = Buffer.alloc(1024 * LINE_HASH_BYTES);
  private ids = Buffer.alloc(16 * 1024);
  private idEnds = new Uint32Array(1024);
  private idUsed = 0;
  n = 0;

  /** Distinct frames (blobs) the rows read. */
  get frameCount(): number {
    return this.frames.length;
  }

  push(r: ResourceRow): void {
    this.add(this.frameNumber(Buffer.from(r.blob, 'hex')), r.type, r.id, r.offset, r.size, r.lineHash, 0);
  }

  /** Row set frame index → this object's frame number, per row set (no key string per row). */
  private readonly setFrames = new WeakMap<RowSet, Int32Array>();

  /** A row of a decoded row set, without making a row object. */
  pushRef(set: RowSet, i: number): void {
    let map = this.setFrames.get(set);
    if (!map) this.setFrames.set(set, (map = new Int32Array(set.frames.length / 16).fill(-1)));
    const local = set.frameCol[i] as number;
    let f = map[local] as number;
    if (f < 0) map[local] = f = this.frameNumber(set.frame(i));
    this.add(f, set.type(i), set.id(i), set.offsets[i] as number, set.lengths[i] as number, set.hashes, i * LINE_HASH_BYTES);
  }

  private frameNumber(frame: Buffer): number {
    const key = frame.toString('latin1');
    let f = this.frameNo.get(key);
    if (f === undefined) {
      this.frameNo.set(key, (f = this.frames.length));
      this.frames.push(Buffer.from(frame));
    }
    return f;
  }

  private add(f: number, type: string, id: string, offset: number, size: number, hashes: Buffer | null, hashAt: number): void {
    if (this.n === this.frameCol.length) this.grow();
    let t = this.typeNo.get(type);
    if (t === undefined) {
      this.typeNo.set(type, (t = this.types.length));
      this.types.push(type);
    }
    const i = this.n++;
    this.frameCol[i] = f;
    this.offsets[i] = offset;
    this.sizes[i] = size;
    this.typeCol[i] = t;
    if (hashes) for (let k = 0; k < LINE_HASH_BYTES; k++) this.hashes[i * LINE_HASH_BYTES + k] = hashes[hashAt + k] as number;
    const idLen = Buffer.byteLength(id, 'latin1');
    if (this.idUsed + idLen > this.ids.length) {
      const grown = Buffer.alloc(Math.max(this.ids.length * 2, this.idUsed + idLen));
      this.ids.copy(grown, 0, 0, this.idUsed);
      this.ids = grown;
    }
    this.ids.write(id, this.idUsed, 'latin1');
    this.idUsed += idLen;
    this.idEnds[i] = this.idUsed;
  }

  private grow(): void {
    const cap = this.frameCol.length * 2;
    const f = new Uint32Array(cap);
    f.set(this.frameCol);
    this.frameCol = f;
    const o = new Float64Array(cap);
    o.set(this.offsets);
    this.offsets = o;
    const z = new Float64Array(cap);
    z.set(this.sizes);
    this.sizes = z;
    const t = new Uint16Array(cap);
    t.set(this.typeCol);
    this.typeCol = t;
    const h = Buffer.alloc(cap * LINE_HASH_BYTES);
    this.hashes.copy(h);
    this.hashes = h;
    const e = new Uint32Array(cap);
    e.set(this.idEnds);
    this.idEnds = e;
  }

  type(i: number): string {
    return this.types[this.typeCol[i] as number] as string;
  }

  id(i: number): string {
    return this.ids.toString('latin1', i === 0 ? 0 : (this.idEnds[i - 1] as number), this.idEnds[i] as number);
  }

  blob(i: number): string {
    return (this.frames[this.frameCol[i] as number] as Buffer).toString('hex');
  }

  offset(i: number): number {
    return this.offsets[i] as number;
  }

  size(i: number): number {
    return this.sizes[i] as number;
  }

  hash(i: number): Buffer {
    return this.hashes.subarray(i * LINE_HASH_BYTES, (i + 1) * LINE_HASH_BYTES);
  }

  /** Frame ids in use, and for each the row numbers that read it. */
  byFrame(): { blob: Buffer; rows: Uint32Array }[] {
    const counts = new Uint32Array(this.frames.length + 1);
    for (let i = 0; i < this.n; i++) counts[(this.frameCol[i] as number) + 1]!++;
    for (let f = 0; f < this.frames.length; f++) counts[f + 1]! += counts[f] as number;
    const order = new Uint32Array(this.n);
    const fill = counts.slice(0, this.frames.length);
    for (let i = 0; i < this.n; i++) order[fill[this.frameCol[i] as number]!++] = i;
    return this.frames.map((blob, f) => ({ blob, rows: order.subarray(counts[f] as number, counts[f + 1] as number) }));
  }
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
 * pack in one range read, opened and verified by the opener (decrypt, decompress, blob id, each row's line hash).
 * Yields one item per frame; a damaged or missing frame gives its rows an error naming it.
 */
export async function* readFrames(repo: Repository, rows: CompactRows, options: ReadOptions & { readonly mode?: 'content' | 'assemble' } = {}): AsyncGenerator<FrameData | FrameError> {
  const { signal } = options;
  const store = repo.store;
  await repo.loadIndex(signal);
  const opener = options.opener ?? inThreadOpener(repo);
  const idx = store.index;
  const plans: FramePlan[] = [];
  for (const f of rows.byFrame()) {
    const e = idx.find(f.blob);
    if (e < 0) {
      yield { rows: f.rows, error: new EngineError('BLOB_MISSING', { blob: f.blob.toString('hex'), snapshots: [] }) };
      continue;
    }
    // Rows of a frame in offset order (the output keeps the stored order of lines).
    plans.push({ entry: e, rows: Uint32Array.from(f.rows).sort((a, b) => rows.offset(a) - rows.offset(b)) });
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
    const items: OpenRequest[] = g.map((p) => {
      const off = idx.offsetAt(p.entry) - start;
      const n = p.rows.length;
      const offsets = new Float64Array(n);
      const lengths = new Float64Array(n);
      const hashes = Buffer.alloc(n * LINE_HASH_BYTES);
      for (let k = 0; k < n; k++) {
        const i = p.rows[k] as number;
        offsets[k] = rows.offset(i);
        lengths[k] = rows.size(i);
        rows.hash(i).copy(hashes, k * LINE_HASH_BYTES);
      }
      return { id: idx.idAt(p.entry), stored: bytes.subarray(off, off + idx.storedAt(p.entry)), raw: idx.rawAt(p.entry), lines: { offsets, lengths, hashes }, mode: options.mode ?? 'content' };
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
