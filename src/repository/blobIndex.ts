/**
 * The in-memory index of every blob in the repository: blob id → (pack, frame, offset, length).
 * Blob ids are keyed HMACs, uniformly distributed, so the first 4 bytes hash well. Open addressing over
 * typed arrays keeps it at ~50 bytes per blob (a Map of objects would cost several hundred).
 */
import { BLOB_ID_BYTES, type BlobType, type PackRecord } from './packFormat.js';

export interface BlobLocation {
  readonly pack: PackRecord;
  readonly frame: number;
  readonly offset: number;
  readonly length: number;
}

export class BlobIndex {
  private ids = Buffer.alloc(0);
  private packOf: Uint32Array = new Uint32Array(0);
  private frameOf: Uint32Array = new Uint32Array(0);
  private offsetOf: Uint32Array = new Uint32Array(0);
  private lengthOf: Uint32Array = new Uint32Array(0);
  private table = new Int32Array(0);
  private count = 0;
  readonly packs: PackRecord[] = [];
  private readonly packIds = new Map<string, number>();

  get size(): number {
    return this.count;
  }

  get packCount(): number {
    return this.packs.length;
  }

  hasPack(id: string): boolean {
    return this.packIds.has(id);
  }

  /** Adds every blob of a pack. A blob already known keeps its first location. */
  addPack(pack: PackRecord): void {
    if (this.packIds.has(pack.id)) return;
    const p = this.packs.length;
    this.packs.push(pack);
    this.packIds.set(pack.id, p);
    this.ensureCapacity(this.count + pack.blobs.length);
    for (const b of pack.blobs) {
      if (this.find(b.id) >= 0) continue;
      const i = this.count++;
      b.id.copy(this.ids, i * BLOB_ID_BYTES);
      this.packOf[i] = p;
      this.frameOf[i] = b.frame;
      this.offsetOf[i] = b.offset;
      this.lengthOf[i] = b.length;
      this.insertSlot(i);
    }
  }

  /** Internal position of a blob (0 … size-1), or -1; lets callers mark blobs in a compact bitmap. */
  position(id: Buffer): number {
    return this.find(id);
  }

  /** The pack of the blob at a position. */
  packAt(position: number): PackRecord {
    return this.packs[this.packOf[position] as number] as PackRecord;
  }

  has(id: Buffer): boolean {
    return this.find(id) >= 0;
  }

  get(id: Buffer): BlobLocation | null {
    const i = this.find(id);
    if (i < 0) return null;
    return { pack: this.packs[this.packOf[i] as number] as PackRecord, frame: this.frameOf[i] as number, offset: this.offsetOf[i] as number, length: this.lengthOf[i] as number };
  }

  blobType(id: Buffer): BlobType | null {
    const i = this.find(id);
    return i < 0 ? null : (this.packs[this.packOf[i] as number] as PackRecord).blobType;
  }

  /** Iterates blob ids (copies) with their locations. */
  *entries(): Generator<[Buffer, BlobLocation]> {
    for (let i = 0; i < this.count; i++) {
      const id = Buffer.from(this.ids.subarray(i * BLOB_ID_BYTES, (i + 1) * BLOB_ID_BYTES));
      yield [id, { pack: this.packs[this.packOf[i] as number] as PackRecord, frame: this.frameOf[i] as number, offset: this.offsetOf[i] as number, length: this.lengthOf[i] as number }];
    }
  }

  private hashOf(id: Buffer, mask: number): number {
    return id.readUInt32LE(0) & mask;
  }

  private find(id: Buffer): number {
    if (this.table.length === 0) return -1;
    const mask = this.table.length - 1;
    for (let s = this.hashOf(id, mask); ; s = (s + 1) & mask) {
      const v = this.table[s] as number;
      if (v === 0) return -1;
      const i = v - 1;
      if (this.ids.compare(id, 0, BLOB_ID_BYTES, i * BLOB_ID_BYTES, (i + 1) * BLOB_ID_BYTES) === 0) return i;
    }
  }

  private insertSlot(i: number): void {
    const mask = this.table.length - 1;
    const id = this.ids.subarray(i * BLOB_ID_BYTES, (i + 1) * BLOB_ID_BYTES);
    let s = id.readUInt32LE(0) & mask;
    while (this.table[s] !== 0) s = (s + 1) & mask;
    this.table[s] = i + 1;
  }

  private ensureCapacity(n: number): void {
    if (n > this.packOf.length) {
      const cap = Math.max(1024, n, this.packOf.length * 2);
      const grow = (a: Uint32Array): Uint32Array<ArrayBuffer> => {
        const b = new Uint32Array(cap);
        b.set(a.subarray(0, this.count));
        return b;
      };
      const ids = Buffer.alloc(cap * BLOB_ID_BYTES);
      this.ids.copy(ids, 0, 0, this.count * BLOB_ID_BYTES);
      this.ids = ids;
      this.packOf = grow(this.packOf);
      this.frameOf = grow(this.frameOf);
      this.offsetOf = grow(this.offsetOf);
      this.lengthOf = grow(this.lengthOf);
    }
    if (n * 2 > this.table.length) {
      let size = Math.max(2048, this.table.length);
      while (size < n * 2) size *= 2;
      this.table = new Int32Array(size);
      for (let i = 0; i < this.count; i++) this.insertSlot(i);
    }
  }
}
