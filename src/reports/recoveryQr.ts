/**
 * The QR code of the printed recovery kit.
 *
 * Payload (decided here, documented in the kit): `CLINIC-BACKUP-RECOVERY:V1:<REPO ID>:<KEY>` where
 * REPO ID is the repository id in upper-case hex and KEY is the 32-byte recovery key in RFC 4648
 * base32 without padding (52 characters). Everything is upper case so the whole text fits QR
 * "alphanumeric" mode (5.5 bits a character instead of 8): 111 characters → a version 7 symbol
 * (45×45 modules) at error correction level Q (25% of the symbol may be smudged or torn).
 *
 * Why not the 32 words: the words are printed right next to the code for a person to type; the QR is
 * for a machine (a webcam or phone in "Recover from kit"), which also gets the repository id, so it
 * can tell at once whether a kit belongs to the repository it is opening. The words are derived from
 * the same bytes (encodeRecoveryKey), so both routes yield the same key.
 */
import { createRequire } from 'node:module';
import type * as QRCodeLib from 'qrcode';
import { EngineError } from '../shared/index.js';
import { RECOVERY_KEY_BYTES, recoveryKeyRepoTag } from '../repository/index.js';

export const RECOVERY_QR_PREFIX = 'CLINIC-BACKUP-RECOVERY:V1:';
export const RECOVERY_QR_ERROR_CORRECTION = 'Q' as const;

const BASE32_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';

/** RFC 4648 base32, upper case, no padding. */
export function base32Encode(bytes: Uint8Array): string {
  let out = '';
  let buffer = 0;
  let bits = 0;
  for (const byte of bytes) {
    buffer = (buffer << 8) | byte;
    bits += 8;
    while (bits >= 5) {
      out += BASE32_ALPHABET[(buffer >>> (bits - 5)) & 31];
      bits -= 5;
    }
    buffer &= (1 << bits) - 1;
  }
  if (bits > 0) out += BASE32_ALPHABET[(buffer << (5 - bits)) & 31];
  return out;
}

/** Inverse of base32Encode (any case); null for characters outside the alphabet or non-zero padding bits. */
export function base32Decode(text: string): Uint8Array | null {
  const bytes: number[] = [];
  let buffer = 0;
  let bits = 0;
  for (const ch of text.toUpperCase()) {
    const v = BASE32_ALPHABET.indexOf(ch);
    if (v < 0) return null;
    buffer = (buffer << 5) | v;
    bits += 5;
    if (bits >= 8) {
      bytes.push((buffer >>> (bits - 8)) & 0xff);
      bits -= 8;
    }
    buffer &= (1 << bits) - 1;
  }
  if (bits >= 5 || buffer !== 0) return null;
  return Uint8Array.from(bytes);
}

function invalid(reason: string): EngineError {
  return new EngineError('INVALID_ARGUMENT', { field: 'recoveryQr', reason });
}

function checkRepoId(repoId: string): string {
  if (!/^(?:[0-9a-fA-F]{2}){4,32}$/.test(repoId)) throw invalid('repository id must be hex (8-64 digits)');
  return repoId.toLowerCase();
}

function checkTag(repoId: string, key: Uint8Array): void {
  const tag = recoveryKeyRepoTag(key);
  if (tag !== repoId.slice(0, tag.length)) throw new EngineError('RECOVERY_KEY_OTHER_REPO', { found: tag, expected: repoId.slice(0, 8) });
}

/**
 * The QR text of a recovery key. Throws RECOVERY_KEY_OTHER_REPO when the key's repository tag does not
 * match the repository id (a kit must never pair a key with another repository).
 */
export function recoveryQrPayload(repoId: string, recoveryKey: Uint8Array): string {
  const id = checkRepoId(repoId);
  if (recoveryKey.length !== RECOVERY_KEY_BYTES) throw invalid(`recovery key must be ${RECOVERY_KEY_BYTES} bytes`);
  checkTag(id, recoveryKey);
  return `${RECOVERY_QR_PREFIX}${id.toUpperCase()}:${base32Encode(recoveryKey)}`;
}

export interface RecoveryQrContent {
  /** Lower-case hex, as the repository writes it. */
  readonly repoId: string;
  readonly recoveryKey: Uint8Array;
}

/**
 * Reads a scanned QR text back (any case, surrounding spaces ignored). Throws INVALID_ARGUMENT for
 * anything that is not a v1 kit code, RECOVERY_KEY_OTHER_REPO when the key's repository tag (its last
 * 4 bytes) does not match the repository id in the same code.
 */
export function parseRecoveryQrPayload(text: string): RecoveryQrContent {
  const trimmed = text.trim();
  if (!trimmed.toUpperCase().startsWith(RECOVERY_QR_PREFIX)) throw invalid('not a Clinic Backup recovery kit code (v1)');
  const parts = trimmed.slice(RECOVERY_QR_PREFIX.length).split(':');
  if (parts.length !== 2) throw invalid('expected <repository id>:<key>');
  const repoId = checkRepoId(parts[0] as string);
  const key = base32Decode(parts[1] as string);
  if (!key || key.length !== RECOVERY_KEY_BYTES) throw invalid(`key must be ${RECOVERY_KEY_BYTES} bytes in base32`);
  checkTag(repoId, key);
  return { repoId, recoveryKey: key };
}

/** The QR symbol of a text as rows of modules (true = dark), without the quiet zone. */
export function qrModules(text: string): boolean[][] {
  // qrcode loads when the first QR code is drawn (the recovery kit), never for other commands.
  const QRCode = createRequire(import.meta.url)('qrcode') as typeof QRCodeLib;
  const code = QRCode.create(text, { errorCorrectionLevel: RECOVERY_QR_ERROR_CORRECTION });
  const n = code.modules.size;
  const rows: boolean[][] = [];
  for (let r = 0; r < n; r++) {
    const row: boolean[] = [];
    for (let c = 0; c < n; c++) row.push(code.modules.get(r, c) === 1);
    rows.push(row);
  }
  return rows;
}
