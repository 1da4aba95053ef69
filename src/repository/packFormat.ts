/**
 * Binary layout of a pack's header and of index files (docs/format.md §Packs, §Index). Little-endian.
 *
 * pack header payload:
 *   u8 version (1) | u8 blob type (0 data, 1 tree)
 *   u32 frame count | frame × (u32 offset, u32 stored length, u32 raw length, 16-byte object id)
 *   u32 blob count  | blob  × (32-byte blob id, u32 frame number, u32 offset in frame, u32 length)
 *
 * pack file: frame envelopes back to back | header envelope | u32 header envelope length | "CBP1"
 *
 * index payload:
 *   u8 version (1) | u32 superseded count | superseded × 32-byte index file id
 *   u32 pack count | pack × (32-byte pack id, u32 pack size, pack header payload)
 */
import { EngineError } from '../shared/index.js';
import { OBJECT_ID_BYTES } from './envelope.js';

export const BLOB_ID_BYTES = 32;
export const PACK_TRAILER_MAGIC = Buffer.from('CBP1', 'latin1');
export const PACK_TRAILER_BYTES = 8;

export type BlobType = 'data' | 'tree';
export const BLOB_TYPE_CODE: Readonly<Record<BlobType, number>> = { data: 0, tree: 1 };

export interface FrameInfo {
  readonly offset: number;
  readonly storedLength: number;
  readonly rawLength: number;
  readonly objectId: Buffer;
}

export interface BlobEntry {
  readonly id: Buffer;
  readonly frame: number;
  readonly offset: number;
  readonly length: number;
}

export interface PackHeader {
  readonly blobType: BlobType;
  readonly frames: readonly FrameInfo[];
  readonly blobs: readonly BlobEntry[];
}

export interface PackRecord extends PackHeader {
  /** SHA-256 of the pack file, hex: its name. */
  readonly id: string;
  readonly size: number;
}

export function packHeaderSize(h: PackHeader): number {
  return 2 + 4 + h.frames.length * (12 + OBJECT_ID_BYTES) + 4 + h.blobs.length * (BLOB_ID_BYTES + 12);
}

export function writePackHeader(h: PackHeader, out: Buffer, at: number): number {
  let p = at;
  out[p++] = 1;
  out[p++] = BLOB_TYPE_CODE[h.blobType];
  out.writeUInt32LE(h.frames.length, p);
  p += 4;
  for (const f of h.frames) {
    out.writeUInt32LE(f.offset, p);
    out.writeUInt32LE(f.storedLength, p + 4);
    out.writeUInt32LE(f.rawLength, p + 8);
    f.objectId.copy(out, p + 12);
    p += 12 + OBJECT_ID_BYTES;
  }
  out.writeUInt32LE(h.blobs.length, p);
  p += 4;
  for (const b of h.blobs) {
    b.id.copy(out, p);
    out.writeUInt32LE(b.frame, p + 32);
    out.writeUInt32LE(b.offset, p + 36);
    out.writeUInt32LE(b.length, p + 40);
    p += BLOB_ID_BYTES + 12;
  }
  return p;
}

export function encodePackHeader(h: PackHeader): Buffer {
  const out = Buffer.allocUnsafe(packHeaderSize(h));
  writePackHeader(h, out, 0);
  return out;
}

class Reader {
  constructor(
    private readonly buf: Buffer,
    public pos = 0,
  ) {}
  need(n: number): void {
    if (this.pos + n > this.buf.length) throw new EngineError('INTEGRITY_ERROR', { problems: 1, reason: 'structure ends early' });
  }
  u8(): number {
    this.need(1);
    return this.buf[this.pos++] as number;
  }
  u32(): number {
    this.need(4);
    const v = this.buf.readUInt32LE(this.pos);
    this.pos += 4;
    return v;
  }
  bytes(n: number): Buffer {
    this.need(n);
    const v = Buffer.from(this.buf.subarray(this.pos, this.pos + n));
    this.pos += n;
    return v;
  }
  done(): boolean {
    return this.pos === this.buf.length;
  }
}

function readPackHeader(r: Reader): PackHeader {
  const version = r.u8();
  if (version !== 1) throw new EngineError('REPO_VERSION_UNSUPPORTED', { version });
  const typeCode = r.u8();
  if (typeCode !== 0 && typeCode !== 1) throw new EngineError('INTEGRITY_ERROR', { problems: 1, reason: `blob type ${typeCode}` });
  const frameCount = r.u32();
  const frames: FrameInfo[] = [];
  for (let i = 0; i < frameCount; i++) {
    const offset = r.u32();
    const storedLength = r.u32();
    const rawLength = r.u32();
    frames.push({ offset, storedLength, rawLength, objectId: r.bytes(OBJECT_ID_BYTES) });
  }
  const blobCount = r.u32();
  const blobs: BlobEntry[] = [];
  for (let i = 0; i < blobCount; i++) {
    const id = r.bytes(BLOB_ID_BYTES);
    const frame = r.u32();
    const offset = r.u32();
    const length = r.u32();
    const f = frames[frame];
    if (!f || offset + length > f.rawLength) throw new EngineError('INTEGRITY_ERROR', { problems: 1, reason: 'blob outside its frame' });
    blobs.push({ id, frame, offset, length });
  }
  return { blobType: typeCode === 0 ? 'data' : 'tree', frames, blobs };
}

export function decodePackHeader(buf: Buffer): PackHeader {
  const r = new Reader(buf);
  const h = readPackHeader(r);
  if (!r.done()) throw new EngineError('INTEGRITY_ERROR', { problems: 1, reason: 'trailing bytes in pack header' });
  return h;
}

export interface IndexContent {
  readonly supersedes: readonly string[];
  readonly packs: readonly PackRecord[];
}

export function encodeIndex(idx: IndexContent): Buffer {
  let size = 1 + 4 + idx.supersedes.length * 32 + 4;
  for (const p of idx.packs) size += 32 + 4 + packHeaderSize(p);
  const out = Buffer.allocUnsafe(size);
  let pos = 0;
  out[pos++] = 1;
  out.writeUInt32LE(idx.supersedes.length, pos);
  pos += 4;
  for (const s of idx.supersedes) {
    Buffer.from(s, 'hex').copy(out, pos);
    pos += 32;
  }
  out.writeUInt32LE(idx.packs.length, pos);
  pos += 4;
  for (const p of idx.packs) {
    Buffer.from(p.id, 'hex').copy(out, pos);
    out.writeUInt32LE(p.size, pos + 32);
    pos = writePackHeader(p, out, pos + 36);
  }
  return out;
}

export function decodeIndex(buf: Buffer): IndexContent {
  const r = new Reader(buf);
  const version = r.u8();
  if (version !== 1) throw new EngineError('REPO_VERSION_UNSUPPORTED', { version });
  const supersedes: string[] = [];
  for (let n = r.u32(), i = 0; i < n; i++) supersedes.push(r.bytes(32).toString('hex'));
  const packs: PackRecord[] = [];
  for (let n = r.u32(), i = 0; i < n; i++) {
    const id = r.bytes(32).toString('hex');
    const size = r.u32();
    packs.push({ id, size, ...readPackHeader(r) });
  }
  if (!r.done()) throw new EngineError('INTEGRITY_ERROR', { problems: 1, reason: 'trailing bytes in index' });
  return { supersedes, packs };
}
