/** The reader's compact row store (reader.ts): many rows without an object per row. */
import { LINE_HASH_BYTES, type RowSet } from './rowSet.js';
import type { ResourceRow } from './reader.js';

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

  /** The resource types of the rows, in order of first appearance. */
  get typeNames(): readonly string[] {
    return this.types;
  }

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

  /** The row's type as its position in typeNames. */
  typeIndex(i: number): number {
    return this.typeCol[i] as number;
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

  /** The offsets and sizes of all rows (row i at index i; valid until the next push). */
  get offsetColumn(): Float64Array {
    return this.offsets;
  }

  get sizeColumn(): Float64Array {
    return this.sizes;
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
