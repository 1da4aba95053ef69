/** The public surface of src/crypto: the only file other modules import (ARCHITECTURE.md §3). */
export { DEFAULT_SCRYPT, KEY_BYTES, SEAL_OVERHEAD, hkdf, hmacSha256, open, randomKey, scryptKey, seal, sha256, sha256Hex } from './primitives.js';
export type { ScryptParams } from './primitives.js';
export { RECOVERY_KEY_LINES, RECOVERY_KEY_WORDS_PER_LINE, encodeRecoveryKey, formatRecoveryKey, normalizeRecoveryWord, parseRecoveryKey, pickConfirmationWords } from './recoveryKey.js';
export type { RecoveryKeyLanguage } from './recoveryKey.js';
