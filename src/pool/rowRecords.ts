/**
 * The binary form of a backup run's new rows (spill records), shared by the workers that make and sort them and
 * the main thread that merges them at commit:
 *   string patient ‖ string type ‖ string id ‖ u8 flags ‖ varint frame ‖ varint offset ‖ varint length ‖
 *   12-byte line hash ‖ varint seq
 * `frame` is the run's frame number (batch number · 2^20 + frame within the batch); `seq` the line's sequence
 * number in the run (the last line of a key wins).
 */
import { ByteWriter, compareKeys } from '../repository/index.js';

export interface SpillRow {
  readonly patient: string;
  readonly type: string;
  readonly id: string;
  readonly flags: number;
  readonly frame: number;
  readonly offset: number;
  readonly length: number;
  readonly lineHash: Buffer;
  readonly seq: number;
}

/** Frames per batch: a run's frame number is batch · FRAMES_PER_BATCH + frame within the batch. */
export const FRAMES_PER_BATCH = 1 << 20;

/** Largest encoded record: three strings of at most 64 ASCII characters, varints, a hash. */
export const MAX_ROW_RECORD = 1024;

export function compareSpillRows(a: SpillRow, b: SpillRow): number {
  return compareKeys(a.patient, a.type, a.id, b.patient, b.type, b.id) || a.seq - b.seq;
}

export function encodeSpillRows(rows: readonly SpillRow[], w = new ByteWriter(rows.length * 64)): Buffer {
  for (const r of rows) {
    w.string(r.patient);
    w.string(r.type);
    w.string(r.id);
    w.u8(r.flags);
    w.varint(r.frame);
    w.varint(r.offset);
    w.varint(r.length);
    w.bytes(r.lineHash);
    w.varint(r.seq);
  }
  return w.finish();
}

function varint(b: Uint8Array, at: { p: number }): number {
  let value = 0;
  let scale = 1;
  for (;;) {
    const byte = b[at.p++] as number;
    value += (byte & 0x7f) * scale;
    if ((byte & 0x80) === 0) return value;
    scale *= 0x80;
  }
}

function str(b: Buffer, at: { p: number }): string {
  const n = varint(b, at);
  const s = b.toString('latin1', at.p, at.p + n);
  at.p += n;
  return s;
}

/** Decodes one record at `at.p` (advancing it). The bytes must hold a whole record. */
export function decodeSpillRow(b: Buffer, at: { p: number }): SpillRow {
  const patient = str(b, at);
  const type = str(b, at);
  const id = str(b, at);
  const flags = b[at.p++] as number;
  const frame = varint(b, at);
  const offset = varint(b, at);
  const length = varint(b, at);
  const lineHash = Buffer.from(b.subarray(at.p, at.p + 12));
  at.p += 12;
  const seq = varint(b, at);
  return { patient, type, id, flags, frame, offset, length, lineHash, seq };
}

export function decodeSpillRows(b: Buffer): SpillRow[] {
  const out: SpillRow[] = [];
  const at = { p: 0 };
  while (at.p < b.length) out.push(decodeSpillRow(b, at));
  return out;
}

/**
 * The end and sequence number of the record at `p` (written to `out`; no object per record). The record's strings
 * must have one-byte lengths (at most 127 bytes, as compareEncoded needs): a longer one is an error here.
 */
export function scanRecord(b: Uint8Array, p: number, out: { end: number; seq: number }): void {
  const at = { p };
  for (let k = 0; k < 3; k++) {
    const len = b[at.p] as number;
    if (len >= 0x80) throw new RangeError('spill record with a string longer than 127 bytes');
    at.p += 1 + len;
  }
  at.p++;
  varint(b, at);
  varint(b, at);
  varint(b, at);
  at.p += 12;
  out.seq = varint(b, at);
  out.end = at.p;
}

/** Where each record of a block starts (and the block's end), and each record's sequence number. */
function scanRecords(b: Uint8Array): { starts: Uint32Array; seqs: Float64Array; count: number } {
  let starts = new Uint32Array(1024);
  let seqs = new Float64Array(1024);
  let count = 0;
  const at = { p: 0 };
  while (at.p < b.length) {
    if (count + 1 >= starts.length) {
      const s2 = new Uint32Array(starts.length * 2);
      s2.set(starts);
      starts = s2;
      const q2 = new Float64Array(seqs.length * 2);
      q2.set(seqs);
      seqs = q2;
    }
    starts[count] = at.p;
    for (let k = 0; k < 3; k++) {
      const len = varint(b, at);
      at.p += len;
    }
    at.p++;
    varint(b, at);
    varint(b, at);
    varint(b, at);
    at.p += 12;
    seqs[count] = varint(b, at);
    count++;
  }
  if (at.p !== b.length) throw new RangeError('spill block ends inside a record');
  starts[count] = b.length;
  return { starts, seqs, count };
}

/**
 * Compares the keys (patient, type, id) of two encoded records byte by byte (ASCII: the order of compareKeys),
 * then their sequence numbers.
 */
export function compareEncoded(a: Uint8Array, ap: number, aSeq: number, b: Uint8Array, bp: number, bSeq: number): number {
  for (let k = 0; k < 3; k++) {
    // Strings are at most 64 characters: their length is one varint byte.
    const la = a[ap++] as number;
    const lb = b[bp++] as number;
    const n = la < lb ? la : lb;
    for (let i = 0; i < n; i++) {
      const x = a[ap + i] as number;
      const y = b[bp + i] as number;
      if (x !== y) return x - y;
    }
    if (la !== lb) return la - lb;
    ap += la;
    bp += lb;
  }
  return aSeq - bSeq;
}

/** True when every string field of every record has a one-byte length (at most 127 bytes), as compareEncoded needs. */
function shortFields(b: Uint8Array, starts: Uint32Array, count: number): boolean {
  for (let r = 0; r < count; r++) {
    let p = starts[r] as number;
    for (let k = 0; k < 3; k++) {
      const len = b[p] as number;
      if (len >= 0x80) return false;
      p += 1 + len;
    }
  }
  return true;
}

/**
 * Merges blocks of records into one sorted block. Blocks that are each sorted (the workers' batches) are merged
 * as they are encoded: records are compared in place and copied whole, never decoded into objects; anything
 * else is decoded and sorted.
 */
export function mergeSpillBlocks(blocks: readonly Uint8Array[]): Buffer {
  const scans = blocks.map(scanRecords);
  let sorted = true;
  for (let k = 0; k < blocks.length && sorted; k++) {
    const b = blocks[k] as Uint8Array;
    const { starts, seqs, count } = scans[k] as ReturnType<typeof scanRecords>;
    if (!shortFields(b, starts, count)) sorted = false;
    for (let r = 1; r < count && sorted; r++) if (compareEncoded(b, starts[r - 1] as number, seqs[r - 1] as number, b, starts[r] as number, seqs[r] as number) > 0) sorted = false;
  }
  if (!sorted) {
    const rows: SpillRow[] = [];
    for (const b of blocks) for (const r of decodeSpillRows(Buffer.from(b.buffer, b.byteOffset, b.byteLength))) rows.push(r);
    rows.sort(compareSpillRows);
    return encodeSpillRows(rows, new ByteWriter(blocks.reduce((n, b) => n + b.length, 16)));
  }
  const out = Buffer.allocUnsafe(blocks.reduce((n, b) => n + b.length, 0));
  let o = 0;
  // A binary min-heap of block numbers, ordered by each block's current record.
  const pos = new Uint32Array(blocks.length);
  const heap: number[] = [];
  const less = (x: number, y: number): boolean => {
    const sx = scans[x] as ReturnType<typeof scanRecords>;
    const sy = scans[y] as ReturnType<typeof scanRecords>;
    const px = pos[x] as number;
    const py = pos[y] as number;
    return compareEncoded(blocks[x] as Uint8Array, sx.starts[px] as number, sx.seqs[px] as number, blocks[y] as Uint8Array, sy.starts[py] as number, sy.seqs[py] as number) < 0;
  };
  const down = (i: number): void => {
    for (;;) {
      const l = 2 * i + 1;
      const r = l + 1;
      let m = i;
      if (l < heap.length && less(heap[l] as number, heap[m] as number)) m = l;
      if (r < heap.length && less(heap[r] as number, heap[m] as number)) m = r;
      if (m === i) return;
      const t = heap[i] as number;
      heap[i] = heap[m] as number;
      heap[m] = t;
      i = m;
    }
  };
  for (let k = 0; k < blocks.length; k++) if ((scans[k] as ReturnType<typeof scanRecords>).count > 0) heap.push(k);
  for (let i = (heap.length >> 1) - 1; i >= 0; i--) down(i);
  while (heap.length > 0) {
    const k = heap[0] as number;
    const s = scans[k] as ReturnType<typeof scanRecords>;
    const b = blocks[k] as Uint8Array;
    const p = pos[k] as number;
    // Records are short (about 100 bytes): a loop copies them without a view object per record.
    for (let i = s.starts[p] as number, end = s.starts[p + 1] as number; i < end; i++) out[o++] = b[i] as number;
    pos[k] = p + 1;
    if (p + 1 >= s.count) {
      const last = heap.pop() as number;
      if (heap.length === 0) break;
      heap[0] = last;
    }
    down(0);
  }
  return out;
}

/**
 * Encodes a batch's rows as they come (no object per row) and hands them back sorted: the records are sorted by
 * comparing their encoded keys in place, then copied in that order. Strings must be ASCII of at most 64 characters
 * (validated resource types, ids and patient ids).
 */
export class SpillRowWriter {
  private buf = Buffer.allocUnsafe(64 * 1024);
  private pos = 0;
  private starts = new Uint32Array(1024);
  private seqs = new Float64Array(1024);
  count = 0;

  private ensure(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    const next = Buffer.allocUnsafe(Math.max(this.buf.length * 2, this.pos + n));
    this.buf.copy(next, 0, 0, this.pos);
    this.buf = next;
  }

  private ascii(s: string): void {
    const b = this.buf;
    let p = this.pos;
    b[p++] = s.length;
    for (let i = 0; i < s.length; i++) b[p++] = s.charCodeAt(i);
    this.pos = p;
  }

  private varint(v: number): void {
    const b = this.buf;
    while (v >= 0x80) {
      b[this.pos++] = (v % 0x80) | 0x80;
      v = Math.floor(v / 0x80);
    }
    b[this.pos++] = v;
  }

  /** One record; `hash` holds the 12-byte line hash at `hashAt`. */
  add(patient: string, type: string, id: string, flags: number, frame: number, offset: number, length: number, hash: Uint8Array, hashAt: number, seq: number): void {
    if (patient.length > 64 || type.length > 64 || id.length > 64) throw new RangeError('spill row string longer than 64 characters');
    this.ensure(MAX_ROW_RECORD);
    if (this.count + 1 >= this.starts.length) {
      const s2 = new Uint32Array(this.starts.length * 2);
      s2.set(this.starts);
      this.starts = s2;
      const q2 = new Float64Array(this.seqs.length * 2);
      q2.set(this.seqs);
      this.seqs = q2;
    }
    this.starts[this.count] = this.pos;
    this.seqs[this.count] = seq;
    this.count++;
    this.ascii(patient);
    this.ascii(type);
    this.ascii(id);
    this.buf[this.pos++] = flags;
    this.varint(frame);
    this.varint(offset);
    this.varint(length);
    for (let i = 0; i < 12; i++) this.buf[this.pos++] = hash[hashAt + i] as number;
    this.varint(seq);
  }

  /** The records sorted by (patient, type, id, seq), in a buffer of their own. */
  sorted(): Uint8Array {
    const { buf, starts, seqs, count } = this;
    starts[count] = this.pos;
    const order = new Array<number>(count);
    for (let i = 0; i < count; i++) order[i] = i;
    order.sort((a, b) => compareEncoded(buf, starts[a] as number, seqs[a] as number, buf, starts[b] as number, seqs[b] as number));
    const out = new Uint8Array(this.pos);
    let o = 0;
    for (const r of order) for (let i = starts[r] as number, end = starts[r + 1] as number; i < end; i++) out[o++] = buf[i] as number;
    return out;
  }
}
