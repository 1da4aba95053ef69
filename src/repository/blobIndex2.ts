/**
 * The in-memory index of a version 2 repository: blob id (16 bytes) → (type, pack, offset, stored and raw length),
 * held in typed arrays (no JS object per blob). Every entry of every pack is kept in pack order (prune, check and
 * repair walk packs); an open-addressing table maps an id to its first entry.
 */
import { BLOB_ID2_BYTES, type BlobEntry2, type BlobTypeId, type PackRecord2 } from './pack2.js';

export interface BlobLocation2 {
  /** Entry number in the index (stable while the index lives). */
  readonly entry: number;
  readonly type: BlobTypeId;
  readonly pack: string;
  readonly packNo: number;
  readonly offset: number;
  readonly stored: number;
  readonly raw: number;
}

export class BlobIndex2 {
  private ids = Buffer.alloc(0);
  private types = new Uint8Array(0);
  private packOf = new Uint32Array(0);
  private offsets = new Float64Array(0);
  private storedLen = new Uint32Array(0);
  private rawLen = new Uint32Array(0);
  private entries = 0;
  private unique = 0;
  private table = new Int32Array(0);
  private readonly packIds: string[] = [];
  private readonly packSizes: number[] = [];
  private readonly packFirst: number[] = [];
  private readonly packNumbers = new Map<string, number>();

  /** Distinct blob ids. */
  get size(): number {
    return this.unique;
  }

  /** Entries (a blob stored in two packs counts twice). */
  get entryCount(): number {
    return this.entries;
  }

  get packCount(): number {
    return this.packIds.length;
  }

  hasPack(id: string): boolean {
    return this.packNumbers.has(id);
  }

  packNumber(id: string): number {
    return this.packNumbers.get(id) ?? -1;
  }

  packId(packNo: number): string {
    return this.packIds[packNo] as string;
  }

  packSize(packNo: number): number {
    return this.packSizes[packNo] as number;
  }

  /** Entry numbers [start, end) of a pack. */
  packRange(packNo: number): [number, number] {
    const start = this.packFirst[packNo] as number;
    const end = packNo + 1 < this.packFirst.length ? (this.packFirst[packNo + 1] as number) : this.entries;
    return [start, end];
  }

  /** A pack as the index lists it (its blobs as objects: for repair, check and prune, one pack at a time). */
  packRecord(packNo: number): PackRecord2 {
    const [start, end] = this.packRange(packNo);
    const blobs: BlobEntry2[] = [];
    for (let e = start; e < end; e++) blobs.push({ type: this.types[e] as BlobTypeId, id: this.idAt(e), stored: this.storedLen[e] as number, raw: this.rawLen[e] as number });
    return { id: this.packId(packNo), size: this.packSize(packNo), blobs };
  }

  /** Adds a pack's entries. A pack already known is ignored; a blob already known keeps its first location for look-ups. */
  addPack(pack: PackRecord2): void {
    if (this.packNumbers.has(pack.id)) return;
    const p = this.packIds.length;
    this.packIds.push(pack.id);
    this.packSizes.push(pack.size);
    this.packFirst.push(this.entries);
    this.packNumbers.set(pack.id, p);
    this.ensureCapacity(this.entries + pack.blobs.length);
    let offset = 0;
    for (const b of pack.blobs) {
      const e = this.entries++;
      b.id.copy(this.ids, e * BLOB_ID2_BYTES);
      this.types[e] = b.type;
      this.packOf[e] = p;
      this.offsets[e] = offset;
      this.storedLen[e] = b.stored;
      this.rawLen[e] = b.raw;
      offset += b.stored;
      if (this.findId(b.id) < 0) {
        this.insertSlot(e);
        this.unique++;
      }
    }
  }

  /** First entry of a blob id, or -1. */
  find(id: Uint8Array): number {
    return this.findId(id);
  }

  has(id: Uint8Array): boolean {
    return this.findId(id) >= 0;
  }

  get(id: Uint8Array): BlobLocation2 | null {
    const e = this.findId(id);
    return e < 0 ? null : this.at(e);
  }

  at(e: number): BlobLocation2 {
    const packNo = this.packOf[e] as number;
    return {
      entry: e,
      type: this.types[e] as BlobTypeId,
      pack: this.packIds[packNo] as string,
      packNo,
      offset: this.offsets[e] as number,
      stored: this.storedLen[e] as number,
      raw: this.rawLen[e] as number,
    };
  }

  typeAt(e: number): BlobTypeId {
    return this.types[e] as BlobTypeId;
  }

  packNoAt(e: number): number {
    return this.packOf[e] as number;
  }

  offsetAt(e: number): number {
    return this.offsets[e] as number;
  }

  storedAt(e: number): number {
    return this.storedLen[e] as number;
  }

  rawAt(e: number): number {
    return this.rawLen[e] as number;
  }

  /** The id of an entry (a copy). */
  idAt(e: number): Buffer {
    return Buffer.from(this.ids.subarray(e * BLOB_ID2_BYTES, (e + 1) * BLOB_ID2_BYTES));
  }

  /** True when entry e is the one look-ups find for its id. */
  isPrimary(e: number): boolean {
    return this.findId(this.ids.subarray(e * BLOB_ID2_BYTES, (e + 1) * BLOB_ID2_BYTES)) === e;
  }

  private hashOf(id: Uint8Array, mask: number): number {
    return ((id[0] as number) | ((id[1] as number) << 8) | ((id[2] as number) << 16) | ((id[3] as number) << 24)) & mask;
  }

  private findId(id: Uint8Array): number {
    if (this.table.length === 0 || id.length !== BLOB_ID2_BYTES) return -1;
    const mask = this.table.length - 1;
    for (let s = this.hashOf(id, mask); ; s = (s + 1) & mask) {
      const v = this.table[s] as number;
      if (v === 0) return -1;
      const e = v - 1;
      const o = e * BLOB_ID2_BYTES;
      let same = true;
      for (let i = 0; i < BLOB_ID2_BYTES; i++) {
        if (this.ids[o + i] !== id[i]) {
          same = false;
          break;
        }
      }
      if (same) return e;
    }
  }

  private insertSlot(e: number): void {
    const mask = this.table.length - 1;
    let s = this.hashOf(this.ids.subarray(e * BLOB_ID2_BYTES, (e + 1) * BLOB_ID2_BYTES), mask);
    while (this.table[s] !== 0) s = (s + 1) & mask;
    this.table[s] = e + 1;
  }

  /** Makes room for n entries at once (loading many index files grows the tables once). */
  reserve(n: number): void {
    this.ensureCapacity(n);
  }

  private ensureCapacity(n: number): void {
    if (n > this.types.length) {
      const cap = Math.max(1024, n, this.types.length * 2);
      const ids = Buffer.alloc(cap * BLOB_ID2_BYTES);
      this.ids.copy(ids, 0, 0, this.entries * BLOB_ID2_BYTES);
      this.ids = ids;
      const types = new Uint8Array(cap);
      types.set(this.types.subarray(0, this.entries));
      this.types = types;
      const grow32 = (a: Uint32Array<ArrayBuffer>): Uint32Array<ArrayBuffer> => {
        const b = new Uint32Array(cap);
        b.set(a.subarray(0, this.entries));
        return b;
      };
      this.packOf = grow32(this.packOf);
      this.storedLen = grow32(this.storedLen);
      this.rawLen = grow32(this.rawLen);
      const offsets = new Float64Array(cap);
      offsets.set(this.offsets.subarray(0, this.entries));
      this.offsets = offsets;
    }
    if (n * 2 > this.table.length) {
      let size = Math.max(2048, this.table.length);
      while (size < n * 2) size *= 2;
      this.table = new Int32Array(size);
      for (let e = 0; e < this.entries; e++) if (this.isPrimaryByScan(e)) this.insertSlot(e);
    }
  }

  /** During a rehash: entry e is inserted unless an earlier entry has the same id. */
  private isPrimaryByScan(e: number): boolean {
    return this.findId(this.ids.subarray(e * BLOB_ID2_BYTES, (e + 1) * BLOB_ID2_BYTES)) < 0;
  }
}
