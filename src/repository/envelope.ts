/**
 * Every encrypted object in the repository (frames, pack headers, index, snapshots, locks, audit entries)
 * is an envelope:
 *
 *   magic "CB" | version u8 (1) | kind u8 | object id (16 bytes) | nonce (12) | ciphertext | tag (16)
 *
 * AES-256-GCM with AAD = "CBv1" | kind | object id, so an object cannot be moved to another kind or
 * passed off as another object: readers check the object id they expect (from the index for frames).
 * The plaintext starts with a codec byte and the uncompressed length (u32 LE), then the payload.
 */
import { randomBytes } from 'node:crypto';
import { open, seal, SEAL_OVERHEAD } from '../crypto/index.js';
import { compress, decompress, type CodecId } from './codec.js';

export const ENVELOPE_VERSION = 1;
export const OBJECT_ID_BYTES = 16;
export const ENVELOPE_HEADER_BYTES = 2 + 1 + 1 + OBJECT_ID_BYTES;
export const ENVELOPE_OVERHEAD = ENVELOPE_HEADER_BYTES + SEAL_OVERHEAD;
const MAGIC = Buffer.from('CB', 'latin1');

export const ObjectKind = {
  frame: 1,
  packHeader: 2,
  index: 3,
  snapshot: 4,
  lock: 5,
  audit: 6,
} as const;
export type ObjectKindName = keyof typeof ObjectKind;
export type ObjectKindId = (typeof ObjectKind)[ObjectKindName];

function aad(kind: number, objectId: Uint8Array): Buffer {
  return Buffer.concat([Buffer.from('CBv1', 'latin1'), Buffer.of(kind), objectId]);
}

export function newObjectId(): Buffer {
  return randomBytes(OBJECT_ID_BYTES);
}

export interface SealedObject {
  readonly bytes: Buffer;
  readonly objectId: Buffer;
  readonly rawLength: number;
  readonly codec: CodecId;
}

/** Compresses (when it helps) and seals a payload. */
export function sealObject(key: Uint8Array, kind: ObjectKindId, payload: Uint8Array, options: { compress?: boolean; level?: number; objectId?: Buffer } = {}): SealedObject {
  const objectId = options.objectId ?? newObjectId();
  const c = options.compress === false ? { codec: 0 as CodecId, data: Buffer.from(payload) } : compress(payload, options.level);
  const plain = Buffer.allocUnsafe(5 + c.data.length);
  plain[0] = c.codec;
  plain.writeUInt32LE(payload.length, 1);
  c.data.copy(plain, 5);
  const header = Buffer.allocUnsafe(ENVELOPE_HEADER_BYTES);
  MAGIC.copy(header, 0);
  header[2] = ENVELOPE_VERSION;
  header[3] = kind;
  objectId.copy(header, 4);
  const bytes = Buffer.concat([header, seal(key, plain, aad(kind, objectId))]);
  return { bytes, objectId, rawLength: payload.length, codec: c.codec };
}

export type OpenFailure = 'bad-header' | 'unsupported-version' | 'wrong-kind' | 'wrong-object' | 'auth-failed' | 'bad-payload';

export class EnvelopeError extends Error {
  constructor(readonly reason: OpenFailure) {
    super(`envelope: ${reason}`);
  }
}

/** Opens an envelope, checking its kind and (when given) the object id the referrer expects. */
export function openObject(key: Uint8Array, kind: ObjectKindId, bytes: Uint8Array, expectedObjectId?: Uint8Array): { payload: Buffer; objectId: Buffer } {
  if (bytes.length < ENVELOPE_OVERHEAD + 5 || bytes[0] !== MAGIC[0] || bytes[1] !== MAGIC[1]) throw new EnvelopeError('bad-header');
  // A later version is refused as such; versions are never guessed (only whole files report this; a frame
  // with another version byte inside a v1 pack is damage).
  if (bytes[2] !== ENVELOPE_VERSION) throw new EnvelopeError(kind === ObjectKind.frame ? 'bad-header' : 'unsupported-version');
  if (bytes[3] !== kind) throw new EnvelopeError('wrong-kind');
  const objectId = Buffer.from(bytes.subarray(4, 4 + OBJECT_ID_BYTES));
  if (expectedObjectId && !objectId.equals(expectedObjectId)) throw new EnvelopeError('wrong-object');
  const plain = open(key, bytes.subarray(ENVELOPE_HEADER_BYTES), aad(kind, objectId));
  if (!plain) throw new EnvelopeError('auth-failed');
  try {
    const codec = plain[0] as number;
    const rawLength = plain.readUInt32LE(1);
    return { payload: decompress(codec, plain.subarray(5), rawLength), objectId };
  } catch {
    throw new EnvelopeError('bad-payload');
  }
}
