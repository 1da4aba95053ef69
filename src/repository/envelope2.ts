/**
 * Version 2 envelopes (docs/format.md §8): every encrypted object of a version 2 repository.
 *
 *   "CB" | u8 version (2) | u8 kind | nonce (12) | AES-256-GCM ciphertext | tag (16)        AAD = "CBv2" ‖ u8 kind
 *   plaintext = u8 codec | u32 raw length | [16-byte dictionary id, codec 3 only] | payload
 *
 * Which blob an envelope holds is proven after opening, by hashing its content to the blob id (§10.1).
 */
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { CODEC_NONE, CODEC_ZSTD_DICT, compressV2, decompressV2, type CodecIdV2, type Dictionary } from './codec.js';

export const ENVELOPE2_VERSION = 2;
export const ENVELOPE2_HEADER = 4;
export const NONCE2 = 12;
export const TAG2 = 16;
/** Bytes an envelope adds to its plaintext. */
export const ENVELOPE2_OVERHEAD = ENVELOPE2_HEADER + NONCE2 + TAG2;
/** Smallest valid envelope: overhead + codec byte + u32 length. */
export const ENVELOPE2_MIN = ENVELOPE2_OVERHEAD + 5;
export const DICT_ID_BYTES = 16;

export const Kind2 = {
  blob: 1,
  packHeader: 2,
  index: 3,
  snapshot: 4,
  lock: 5,
  audit: 6,
  keyMaterial: 7,
} as const;
export type Kind2Id = (typeof Kind2)[keyof typeof Kind2];

const AAD_PREFIX = Buffer.from('CBv2', 'latin1');
const AADS = new Map<number, Buffer>();
function aadOf(kind: number): Buffer {
  let a = AADS.get(kind);
  if (!a) AADS.set(kind, (a = Buffer.concat([AAD_PREFIX, Buffer.of(kind)])));
  return a;
}

export type Open2Failure = 'bad-header' | 'version-1' | 'unsupported-version' | 'wrong-kind' | 'auth-failed' | 'bad-payload';

export class Envelope2Error extends Error {
  constructor(
    readonly reason: Open2Failure,
    readonly detail = '',
  ) {
    super(`envelope: ${reason}${detail ? ` (${detail})` : ''}`);
    this.name = 'Envelope2Error';
  }
}

/** Seals a plaintext given as parts (so the codec header and the payload are never concatenated first). */
export function sealParts(key: Uint8Array, kind: Kind2Id, parts: readonly Uint8Array[]): Buffer {
  let n = 0;
  for (const p of parts) n += p.length;
  const out = Buffer.allocUnsafe(ENVELOPE2_OVERHEAD + n);
  out[0] = 0x43;
  out[1] = 0x42;
  out[2] = ENVELOPE2_VERSION;
  out[3] = kind;
  const nonce = randomBytes(NONCE2);
  nonce.copy(out, ENVELOPE2_HEADER);
  const cipher = createCipheriv('aes-256-gcm', key, nonce);
  cipher.setAAD(aadOf(kind));
  let at = ENVELOPE2_HEADER + NONCE2;
  for (const p of parts) {
    const c = cipher.update(p);
    c.copy(out, at);
    at += c.length;
  }
  const fin = cipher.final();
  fin.copy(out, at);
  at += fin.length;
  cipher.getAuthTag().copy(out, at);
  return out;
}

/** Opens an envelope and returns its plaintext (codec header included). */
export function openPlain(key: Uint8Array, kind: Kind2Id, bytes: Uint8Array): Buffer {
  if (bytes.length < ENVELOPE2_MIN || bytes[0] !== 0x43 || bytes[1] !== 0x42) throw new Envelope2Error('bad-header');
  if (bytes[2] === 1) throw new Envelope2Error('version-1');
  if (bytes[2] !== ENVELOPE2_VERSION) throw new Envelope2Error('unsupported-version');
  if (bytes[3] !== kind) throw new Envelope2Error('wrong-kind');
  const nonce = bytes.subarray(ENVELOPE2_HEADER, ENVELOPE2_HEADER + NONCE2);
  const tag = bytes.subarray(bytes.length - TAG2);
  try {
    const decipher = createDecipheriv('aes-256-gcm', key, nonce);
    decipher.setAAD(aadOf(kind));
    decipher.setAuthTag(tag);
    const body = decipher.update(bytes.subarray(ENVELOPE2_HEADER + NONCE2, bytes.length - TAG2));
    const fin = decipher.final();
    return fin.length === 0 ? body : Buffer.concat([body, fin]);
  } catch {
    throw new Envelope2Error('auth-failed');
  }
}

/** The codec header of a plaintext, for a payload of the given raw length. */
function codecHeader(codec: CodecIdV2, rawLength: number, dictId: Buffer | null): Buffer {
  const h = Buffer.allocUnsafe(codec === CODEC_ZSTD_DICT ? 5 + DICT_ID_BYTES : 5);
  h[0] = codec;
  h.writeUInt32LE(rawLength, 1);
  if (codec === CODEC_ZSTD_DICT) (dictId as Buffer).copy(h, 5);
  return h;
}

export interface SealOptions {
  /** zstd level (default 3). */
  readonly level?: number;
  /** Compress with this dictionary (codec 3). */
  readonly dict?: Dictionary | null;
  /** Store uncompressed (codec 0). */
  readonly raw?: boolean;
}

/** Compresses and seals a payload: the whole version 2 write path of one object. */
export function seal2(key: Uint8Array, kind: Kind2Id, payload: Uint8Array, options: SealOptions = {}): Buffer {
  if (payload.length > 0xffffffff) throw new RangeError('object larger than 4 GiB');
  const c = options.raw ? { codec: CODEC_NONE as CodecIdV2, data: payload } : compressV2(payload, options.level ?? 3, options.dict ?? null);
  return sealParts(key, kind, [codecHeader(c.codec, payload.length, c.codec === CODEC_ZSTD_DICT ? (options.dict as Dictionary).id : null), c.data]);
}

/** What a plaintext says about its payload, before decompressing it. */
export interface PlainHeader {
  readonly codec: number;
  readonly rawLength: number;
  /** Codec 3: the dictionary's blob id. */
  readonly dictId: Buffer | null;
  readonly payloadOffset: number;
}

export function plainHeader(plain: Buffer): PlainHeader {
  if (plain.length < 5) throw new Envelope2Error('bad-payload', 'plaintext shorter than its header');
  const codec = plain[0] as number;
  const rawLength = plain.readUInt32LE(1);
  if (codec === CODEC_ZSTD_DICT) {
    if (plain.length < 5 + DICT_ID_BYTES) throw new Envelope2Error('bad-payload', 'dictionary id cut short');
    return { codec, rawLength, dictId: Buffer.from(plain.subarray(5, 5 + DICT_ID_BYTES)), payloadOffset: 5 + DICT_ID_BYTES };
  }
  if (codec > CODEC_ZSTD_DICT) throw new Envelope2Error('bad-payload', `unknown codec ${codec}`);
  return { codec, rawLength, dictId: null, payloadOffset: 5 };
}

/** Decompresses an opened plaintext; `dict` must be given for codec 3 (its id is in the header). */
export function decodePlain(plain: Buffer, dict: Dictionary | null = null): Buffer {
  const h = plainHeader(plain);
  if (h.dictId && (!dict || !dict.id.equals(h.dictId))) throw new Envelope2Error('bad-payload', 'wrong or missing dictionary');
  try {
    return decompressV2(h.codec, plain.subarray(h.payloadOffset), h.rawLength, dict);
  } catch (err) {
    if (err instanceof Error && (err as { code?: unknown }).code === 'INTERNAL') throw err;
    throw new Envelope2Error('bad-payload', err instanceof Error ? ((err as { details?: { reason?: string } }).details?.reason ?? err.message) : 'decompression failed');
  }
}

/** Opens and decompresses an object that never uses a dictionary (headers, index, snapshots, locks, audit). */
export function open2(key: Uint8Array, kind: Kind2Id, bytes: Uint8Array): Buffer {
  return decodePlain(openPlain(key, kind, bytes));
}
