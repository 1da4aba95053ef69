/**
 * Row sets (docs/format.md §14.4–14.5): the binary, columnar form of resource-tree rows, used for checkpoint chunks
 * (kind 0) and deltas (kind 1). Rows are sorted by (patient, type, id); all three are ASCII, so JavaScript string
 * order is the UTF-8 byte order the format asks for.
 */
import { ByteReader, ByteWriter, FormatError } from './bytes.js';
import { BLOB_ID2_BYTES } from './pack2.js';

export const ROWSET_MAGIC = Buffer.from('CBR2', 'latin1');
export const LINE_HASH_BYTES = 12;
export const FLAG_SHARED = 1;
export const FLAG_ALIAS = 2;

export const RowSetKind = { checkpoint: 0, delta: 1 } as const;
export type RowSetKindId = (typeof RowSetKind)[keyof typeof RowSetKind];

/** One row of a resource tree. */
export interface Row {
  readonly patient: string;
  readonly type: string;
  readonly id: string;
  readonly flags: number;
  /** Frame blob id (16 bytes). */
  readonly frame: Buffer;
  readonly offset: number;
  readonly length: number;
  readonly lineHash: Buffer;
}

export interface DeletedKey {
  readonly type: string;
  readonly id: string;
}

export function compareKeys(p1: string, t1: string, i1: string, p2: string, t2: string, i2: string): number {
  if (p1 !== p2) return p1 < p2 ? -1 : 1;
  if (t1 !== t2) return t1 < t2 ? -1 : 1;
  if (i1 !== i2) return i1 < i2 ? -1 : 1;
  return 0;
}

export function compareRows(a: Row, b: Row): number {
  return compareKeys(a.patient, a.type, a.id, b.patient, b.type, b.id);
}

/** A decoded row set, column by column (rows are materialised on demand with row(i)). */
export class RowSet {
  constructor(
    readonly kind: RowSetKindId,
    readonly frames: Buffer,
    readonly patients: readonly string[],
    readonly types: readonly string[],
    readonly patientCol: Uint32Array,
    readonly typeCol: Uint32Array,
    readonly ids: readonly string[],
    readonly flags: Uint8Array,
    readonly frameCol: Uint32Array,
    readonly offsets: Float64Array,
    readonly lengths: Float64Array,
    readonly hashes: Buffer,
    readonly deletions: readonly DeletedKey[],
  ) {}

  get length(): number {
    return this.ids.length;
  }

  patient(i: number): string {
    return this.patients[this.patientCol[i] as number] as string;
  }

  type(i: number): string {
    return this.types[this.typeCol[i] as number] as string;
  }

  id(i: number): string {
    return this.ids[i] as string;
  }

  frame(i: number): Buffer {
    const f = this.frameCol[i] as number;
    return this.frames.subarray(f * BLOB_ID2_BYTES, (f + 1) * BLOB_ID2_BYTES);
  }

  lineHash(i: number): Buffer {
    return this.hashes.subarray(i * LINE_HASH_BYTES, (i + 1) * LINE_HASH_BYTES);
  }

  row(i: number): Row {
    return {
      patient: this.patient(i),
      type: this.type(i),
      id: this.id(i),
      flags: this.flags[i] as number,
      frame: this.frame(i),
      offset: this.offsets[i] as number,
      length: this.lengths[i] as number,
      lineHash: this.lineHash(i),
    };
  }

  *rows(): Generator<Row> {
    for (let i = 0; i < this.length; i++) yield this.row(i);
  }
}

/** Encodes sorted rows (and, for a delta, deleted keys) as a row set. */
export function encodeRowSet(kind: RowSetKindId, rows: readonly Row[], deletions: readonly DeletedKey[] = []): Buffer {
  if (kind === RowSetKind.checkpoint && deletions.length > 0) throw new RangeError('a checkpoint chunk has no deletions');
  const frameNo = new Map<string, number>();
  const frameByRef = new Map<Buffer, number>();
  const frames: Buffer[] = [];
  const patientNo = new Map<string, number>();
  const typeNo = new Map<string, number>();
  const intern = (m: Map<string, number>, s: string): number => {
    let n = m.get(s);
    if (n === undefined) m.set(s, (n = m.size));
    return n;
  };
  const pCol: number[] = [];
  const tCol: number[] = [];
  const fCol: number[] = [];
  for (let i = 0; i < rows.length; i++) {
    const r = rows[i] as Row;
    if (i > 0 && compareRows(rows[i - 1] as Row, r) >= 0) throw new RangeError('rows of a row set must be sorted and unique');
    pCol.push(intern(patientNo, r.patient));
    tCol.push(intern(typeNo, r.type));
    // Rows of one frame usually share its Buffer: known by reference first, by bytes otherwise.
    let f = frameByRef.get(r.frame);
    if (f === undefined) {
      const fk = r.frame.toString('latin1');
      f = frameNo.get(fk);
      if (f === undefined) {
        frameNo.set(fk, (f = frames.length));
        frames.push(r.frame);
      }
      frameByRef.set(r.frame, f);
    }
    fCol.push(f);
  }
  for (const d of deletions) intern(typeNo, d.type);
  const w = new ByteWriter(64 + rows.length * 40);
  w.bytes(ROWSET_MAGIC);
  w.u8(kind);
  w.varint(rows.length);
  w.varint(frames.length);
  for (const f of frames) w.bytes(f);
  w.varint(patientNo.size);
  for (const p of patientNo.keys()) w.string(p);
  w.varint(typeNo.size);
  for (const t of typeNo.keys()) w.string(t);
  for (const p of pCol) w.varint(p);
  for (const t of tCol) w.varint(t);
  for (const r of rows) w.string(r.id);
  for (const r of rows) w.u8(r.flags);
  for (const f of fCol) w.varint(f);
  for (const r of rows) w.varint(r.offset);
  for (const r of rows) w.varint(r.length);
  for (const r of rows) {
    if (r.lineHash.length !== LINE_HASH_BYTES) throw new RangeError('line hash must be 12 bytes');
    w.bytes(r.lineHash);
  }
  if (kind === RowSetKind.delta) {
    w.varint(deletions.length);
    for (const d of deletions) {
      w.varint(typeNo.get(d.type) as number);
      w.string(d.id);
    }
  }
  return w.finish();
}

/** Decodes and validates a row set: magic, kind, index ranges, flags, sort order, no byte left over. */
export function decodeRowSet(buf: Uint8Array, expectedKind?: RowSetKindId): RowSet {
  const r = new ByteReader(buf);
  if (buf.length < 5 || !Buffer.from(r.view(4)).equals(ROWSET_MAGIC)) throw new FormatError('not a row set (magic)');
  const kind = r.u8();
  if (kind !== 0 && kind !== 1) throw new FormatError(`row set kind ${kind}`);
  if (expectedKind !== undefined && kind !== expectedKind) throw new FormatError(`row set of kind ${kind}, expected ${expectedKind}`);
  // Each row takes at least 1+1+1+1+1+1+1+12 bytes: bounds the count before any allocation.
  const n = r.count(19);
  const f = r.count(BLOB_ID2_BYTES);
  const frames = r.bytes(f * BLOB_ID2_BYTES);
  const patients: string[] = [];
  for (let c = r.count(1), i = 0; i < c; i++) patients.push(r.string());
  const types: string[] = [];
  for (let c = r.count(1), i = 0; i < c; i++) types.push(r.string());
  const pCol = new Uint32Array(n);
  for (let i = 0; i < n; i++) {
    const v = r.varint();
    if (v >= patients.length) throw new FormatError('patient index out of range');
    pCol[i] = v;
  }
  const tCol = new Uint32Array(n);
  for (let i = 0; i < n; i++) {
    const v = r.varint();
    if (v >= types.length) throw new FormatError('type index out of range');
    tCol[i] = v;
  }
  const ids: string[] = new Array<string>(n);
  for (let i = 0; i < n; i++) ids[i] = r.string();
  const flags = Buffer.from(r.view(n));
  for (let i = 0; i < n; i++) {
    const fl = flags[i] as number;
    if (fl > 3 || fl === FLAG_ALIAS) throw new FormatError('invalid row flags');
  }
  const fCol = new Uint32Array(n);
  for (let i = 0; i < n; i++) {
    const v = r.varint();
    if (v >= f) throw new FormatError('frame index out of range');
    fCol[i] = v;
  }
  const offsets = new Float64Array(n);
  for (let i = 0; i < n; i++) offsets[i] = r.varint();
  const lengths = new Float64Array(n);
  for (let i = 0; i < n; i++) lengths[i] = r.varint();
  const hashes = r.bytes(n * LINE_HASH_BYTES);
  const deletions: DeletedKey[] = [];
  if (kind === RowSetKind.delta) {
    for (let c = r.count(2), i = 0; i < c; i++) {
      const t = r.varint();
      if (t >= types.length) throw new FormatError('type index out of range');
      deletions.push({ type: types[t] as string, id: r.string() });
    }
  }
  r.end();
  for (let i = 1; i < n; i++) {
    const c = compareKeys(
      patients[pCol[i - 1] as number] as string,
      types[tCol[i - 1] as number] as string,
      ids[i - 1] as string,
      patients[pCol[i] as number] as string,
      types[tCol[i] as number] as string,
      ids[i] as string,
    );
    if (c >= 0) throw new FormatError('rows not sorted');
  }
  return new RowSet(kind as RowSetKindId, frames, patients, types, pCol, tCol, ids, flags, fCol, offsets, lengths, hashes, deletions);
}

/** Only the frame ids a row set uses (prune marks them without decoding the rows). */
export function rowSetFrames(buf: Uint8Array): Buffer[] {
  const r = new ByteReader(buf);
  if (buf.length < 5 || !Buffer.from(r.view(4)).equals(ROWSET_MAGIC)) throw new FormatError('not a row set (magic)');
  const kind = r.u8();
  if (kind !== 0 && kind !== 1) throw new FormatError(`row set kind ${kind}`);
  r.count(19);
  const f = r.count(BLOB_ID2_BYTES);
  const out: Buffer[] = [];
  for (let i = 0; i < f; i++) out.push(r.bytes(BLOB_ID2_BYTES));
  return out;
}

/**
 * Only the flags and line hashes of a row set (a backup's look-up table needs nothing else): the other columns
 * are skipped without making strings. The row set must be valid (it was decoded or checked before).
 */
export function rowSetFlagsAndHashes(buf: Uint8Array): { flags: Uint8Array; hashes: Uint8Array } {
  const r = new ByteReader(buf);
  if (buf.length < 5 || !Buffer.from(r.view(4)).equals(ROWSET_MAGIC)) throw new FormatError('not a row set (magic)');
  r.u8();
  const n = r.count(19);
  // Skipped, not read: no view object per id (a backup's parent has one row per resource).
  r.skip(r.count(BLOB_ID2_BYTES) * BLOB_ID2_BYTES);
  for (let c = r.count(1), i = 0; i < c; i++) r.skip(r.varint());
  for (let c = r.count(1), i = 0; i < c; i++) r.skip(r.varint());
  r.skipVarints(2 * n);
  for (let i = 0; i < n; i++) r.skip(r.varint());
  const flags = r.view(n);
  r.skipVarints(3 * n);
  return { flags, hashes: r.view(n * LINE_HASH_BYTES) };
}
