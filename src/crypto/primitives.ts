/**
 * The few primitives the repository format uses (docs/format.md §Cryptography), all from Node's OpenSSL:
 * SHA-256 file ids, HMAC-SHA256 keyed blob ids, HKDF-SHA256 subkeys, AES-256-GCM sealing, scrypt for passphrases.
 */
import { createCipheriv, createDecipheriv, createHash, createHmac, hkdfSync, randomBytes, scrypt, timingSafeEqual } from 'node:crypto';

export const KEY_BYTES = 32;
export const NONCE_BYTES = 12;
export const TAG_BYTES = 16;
/** Bytes sealing adds to a plaintext: nonce + tag. */
export const SEAL_OVERHEAD = NONCE_BYTES + TAG_BYTES;

export function randomKey(): Buffer {
  return randomBytes(KEY_BYTES);
}

export function sha256(...parts: readonly Uint8Array[]): Buffer {
  const h = createHash('sha256');
  for (const p of parts) h.update(p);
  return h.digest();
}

export function sha256Hex(data: Uint8Array): string {
  return createHash('sha256').update(data).digest('hex');
}

export function hmacSha256(key: Uint8Array, ...parts: readonly Uint8Array[]): Buffer {
  const h = createHmac('sha256', key);
  for (const p of parts) h.update(p);
  return h.digest();
}

/** HKDF-SHA256 (RFC 5869). `info` names the purpose so each subkey is independent. */
export function hkdf(ikm: Uint8Array, salt: Uint8Array, info: string, length = KEY_BYTES): Buffer {
  return Buffer.from(hkdfSync('sha256', ikm, salt, Buffer.from(info, 'utf8'), length));
}

/** AES-256-GCM: returns nonce(12) || ciphertext || tag(16). A fresh random nonce per call. */
export function seal(key: Uint8Array, plaintext: Uint8Array, aad: Uint8Array): Buffer {
  const nonce = randomBytes(NONCE_BYTES);
  const cipher = createCipheriv('aes-256-gcm', key, nonce);
  cipher.setAAD(aad);
  const body = cipher.update(plaintext);
  const final = cipher.final();
  return Buffer.concat([nonce, body, final, cipher.getAuthTag()], NONCE_BYTES + plaintext.length + TAG_BYTES);
}

/** Opens what seal() produced; returns null when the key, AAD or bytes are wrong (never a partial plaintext). */
export function open(key: Uint8Array, sealed: Uint8Array, aad: Uint8Array): Buffer | null {
  if (sealed.length < SEAL_OVERHEAD) return null;
  const nonce = sealed.subarray(0, NONCE_BYTES);
  const tag = sealed.subarray(sealed.length - TAG_BYTES);
  const body = sealed.subarray(NONCE_BYTES, sealed.length - TAG_BYTES);
  try {
    const decipher = createDecipheriv('aes-256-gcm', key, nonce);
    decipher.setAAD(aad);
    decipher.setAuthTag(tag);
    const out = decipher.update(body);
    return Buffer.concat([out, decipher.final()]);
  } catch {
    return null;
  }
}

export interface ScryptParams {
  readonly N: number;
  readonly r: number;
  readonly p: number;
}

/** Default cost for passphrase slots: 64 MiB and roughly 0.2 s on a small PC. */
export const DEFAULT_SCRYPT: ScryptParams = { N: 1 << 16, r: 8, p: 1 };

export function scryptKey(passphrase: string, salt: Uint8Array, params: ScryptParams): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    scrypt(passphrase.normalize('NFC'), salt, KEY_BYTES, { N: params.N, r: params.r, p: params.p, maxmem: 256 * params.N * params.r + 1024 * 1024 }, (err, key) => (err ? reject(err) : resolve(key)));
  });
}

export function constantTimeEqual(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && timingSafeEqual(a, b);
}

export { randomBytes };
