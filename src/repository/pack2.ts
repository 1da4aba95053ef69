/**
 * Version 2 packs and index files (docs/format.md §10–12).
 *
 *   pack file     = blob envelopes back to back ‖ header envelope (kind 2) ‖ u32 H ‖ "CBP2"
 *   header payload = u8 2 ‖ varint B ‖ B × (u8 type ‖ 16-byte id ‖ varint stored length ‖ varint raw length)
 *   index payload  = u8 2 ‖ varint S ‖ S × 32-byte superseded index id ‖ varint P ‖ P × (32-byte pack id ‖ varint size ‖ varint B ‖ B entries)
 */
import { ByteReader, ByteWriter, FormatError } from './bytes.js';

export const BLOB_ID2_BYTES = 16;
export const PACK2_MAGIC = Buffer.from('CBP2', 'latin1');
export const PACK1_MAGIC = Buffer.from('CBP1', 'latin1');
export const PACK2_TRAILER = 8;

/** Blob types (§10.2). */
export const BlobType = { frame: 0, chunk: 1, tree: 2, dictionary: 3 } as const;
export type BlobTypeId = (typeof BlobType)[keyof typeof BlobType];
export type PackClass = 'data' | 'tree';

export function packClassOf(type: BlobTypeId): PackClass {
  return type === BlobType.frame || type === BlobType.chunk ? 'data' : 'tree';
}

export function blobTypeName(type: number): string {
  return ['resource frame', 'content chunk', 'tree', 'dictionary'][type] ?? `type ${type}`;
}

export interface BlobEntry2 {
  readonly type: BlobTypeId;
  /** 16-byte blob id. */
  readonly id: Buffer;
  /** Size of the blob's envelope in the pack. */
  readonly stored: number;
  /** Length of its content. */
  readonly raw: number;
}

export interface PackRecord2 {
  /** SHA-256 of the pack file, hex: its name. */
  readonly id: string;
  readonly size: number;
  readonly blobs: readonly BlobEntry2[];
}

export interface IndexContent2 {
  readonly supersedes: readonly string[];
  readonly packs: readonly PackRecord2[];
}

function writeEntries(w: ByteWriter, blobs: readonly BlobEntry2[]): void {
  w.varint(blobs.length);
  for (const b of blobs) {
    w.u8(b.type);
    w.bytes(b.id);
    w.varint(b.stored);
    w.varint(b.raw);
  }
}

function readEntries(r: ByteReader): BlobEntry2[] {
  const n = r.count(1 + BLOB_ID2_BYTES + 2);
  const out: BlobEntry2[] = new Array<BlobEntry2>(n);
  for (let i = 0; i < n; i++) {
    const type = r.u8();
    if (type > 3) throw new FormatError(`unknown blob type ${type}`);
    // A view, not a copy: the blob index copies ids into its own table (one small Buffer per blob was most of
    // the time loading an index took).
    const v = r.view(BLOB_ID2_BYTES);
    const id = Buffer.from(v.buffer, v.byteOffset, BLOB_ID2_BYTES);
    const stored = r.varint();
    const raw = r.varint();
    if (stored < 37 || raw > 0xffffffff) throw new FormatError('blob length out of range');
    out[i] = { type: type as BlobTypeId, id, stored, raw };
  }
  return out;
}

export function encodePackHeader2(blobs: readonly BlobEntry2[]): Buffer {
  const w = new ByteWriter(16 + blobs.length * 24);
  w.u8(2);
  writeEntries(w, blobs);
  return w.finish();
}

export function decodePackHeader2(payload: Uint8Array): BlobEntry2[] {
  const r = new ByteReader(payload);
  const version = r.u8();
  if (version !== 2) throw new FormatError(`pack header version ${version}`);
  const blobs = readEntries(r);
  r.end();
  return blobs;
}

export function encodeIndex2(idx: IndexContent2): Buffer {
  let entries = 0;
  for (const p of idx.packs) entries += p.blobs.length;
  const w = new ByteWriter(64 + idx.supersedes.length * 32 + idx.packs.length * 48 + entries * 24);
  w.u8(2);
  w.varint(idx.supersedes.length);
  for (const s of idx.supersedes) w.bytes(Buffer.from(s, 'hex'));
  w.varint(idx.packs.length);
  for (const p of idx.packs) {
    w.bytes(Buffer.from(p.id, 'hex'));
    w.varint(p.size);
    writeEntries(w, p.blobs);
  }
  return w.finish();
}

/** Thrown for an index whose version byte is not 2 (a newer format: never guess). */
export class IndexVersionError extends Error {
  constructor(readonly version: number) {
    super(`index version ${version}`);
  }
}

export function decodeIndex2(payload: Uint8Array): IndexContent2 {
  const r = new ByteReader(payload);
  const version = r.u8();
  if (version !== 2) throw new IndexVersionError(version);
  const supersedes: string[] = [];
  for (let n = r.count(32), i = 0; i < n; i++) supersedes.push(r.bytes(32).toString('hex'));
  const packs: PackRecord2[] = [];
  for (let n = r.count(34), i = 0; i < n; i++) {
    const id = r.bytes(32).toString('hex');
    const size = r.varint();
    const blobs = readEntries(r);
    let sum = 0;
    for (const b of blobs) sum += b.stored;
    if (sum + PACK2_TRAILER > size) throw new FormatError('pack record larger than its pack');
    packs.push({ id, size, blobs });
  }
  r.end();
  return { supersedes, packs };
}

/** Where the header envelope of a pack lies, from its last 8 bytes; null when the trailer is not "CBP2". */
export function packHeaderRange(size: number, tail: Uint8Array): { offset: number; length: number } | null {
  if (size < PACK2_TRAILER || tail.length < PACK2_TRAILER) return null;
  const t = tail.subarray(tail.length - PACK2_TRAILER);
  if (!Buffer.from(t.subarray(4)).equals(PACK2_MAGIC)) return null;
  const h = Buffer.from(t).readUInt32LE(0);
  if (h + PACK2_TRAILER > size) return null;
  return { offset: size - PACK2_TRAILER - h, length: h };
}

/** The pack's trailer for a header envelope of `headerLength` bytes. */
export function packTrailer(headerLength: number): Buffer {
  const t = Buffer.allocUnsafe(PACK2_TRAILER);
  t.writeUInt32LE(headerLength, 0);
  PACK2_MAGIC.copy(t, 4);
  return t;
}
