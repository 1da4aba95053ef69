/**
 * Key slots (keys/<slot id>): the repository's random 256-bit master key, wrapped by several independent
 * secrets. Changing or removing a slot never touches the data. Slot kinds:
 *  - keychain: a random 32-byte slot secret kept in the OS keychain (SecretStore), wrap key = HKDF(secret)
 *  - recovery: the printed recovery key (32 bytes, the last 4 bytes = first 4 bytes of the repo id), HKDF
 *  - passphrase: scrypt(passphrase)
 * wrapped = AES-256-GCM(wrap key, master key, AAD = "CBv1 key" | repo id | slot id).
 */
import { randomBytes } from 'node:crypto';
import os from 'node:os';
import type { Backend } from '../backend/index.js';
import { DEFAULT_SCRYPT, hkdf, KEY_BYTES, open, randomKey, scryptKey, seal, type ScryptParams } from '../crypto/index.js';
import type { SecretStore } from '../secrets/index.js';
import { EngineError } from '../shared/index.js';

export type KeySlotKind = 'keychain' | 'passphrase' | 'recovery';

type Kdf = { readonly name: 'scrypt'; readonly N: number; readonly r: number; readonly p: number; readonly salt: string } | { readonly name: 'hkdf'; readonly salt: string };

export interface KeySlotFile {
  readonly format: 'clinic-backup-key';
  readonly version: 1;
  readonly id: string;
  readonly repoId: string;
  readonly kind: KeySlotKind;
  readonly name: string;
  readonly created: string;
  readonly host: string;
  readonly kdf: Kdf;
  readonly wrappedKey: string;
  /**
   * Recovery slots only: the recovery key itself, sealed under a subkey of the master key, so whoever can open
   * the repository can print the same kit again (docs/format.md, "Recovery key copy"). Absent in slots made
   * before reprinting existed.
   */
  readonly keptKey?: string;
}

/** What a caller can offer to open a repository. */
export interface KeyCredentials {
  readonly passphrase?: string;
  readonly recoveryKey?: Uint8Array;
  readonly secretStore?: SecretStore;
}

export interface KeySlotInfo {
  readonly id: string;
  readonly kind: KeySlotKind;
  readonly name: string;
  readonly created: string;
  readonly host: string;
}

export const RECOVERY_KEY_BYTES = 32;
const REPO_TAG_BYTES = 4;

/** Name of the keychain entry that holds a keychain slot's secret. */
export function keychainSecretName(repoId: string, slotId: string): string {
  return `repo-${repoId}-slot-${slotId}`;
}

/** A fresh recovery key: 28 random bytes + 4 bytes of the repository id, so a key for another repository is recognised. */
export function newRecoveryKey(repoId: string): Buffer {
  return Buffer.concat([randomBytes(RECOVERY_KEY_BYTES - REPO_TAG_BYTES), Buffer.from(repoId, 'hex').subarray(0, REPO_TAG_BYTES)]);
}

export function recoveryKeyRepoTag(key: Uint8Array): string {
  return Buffer.from(key.subarray(key.length - REPO_TAG_BYTES)).toString('hex');
}

function slotAad(repoId: string, slotId: string): Buffer {
  return Buffer.from(`CBv1 key|${repoId}|${slotId}`, 'utf8');
}

/** The subkey that seals the copy of a recovery key kept in its slot. */
function keptKeyKey(masterKey: Uint8Array, repoId: string): Buffer {
  return hkdf(masterKey, Buffer.from(repoId, 'hex'), 'clinic-backup v1 recovery key copy');
}

function keptKeyAad(repoId: string, slotId: string): Buffer {
  return Buffer.from(`CBv1 recovery copy|${repoId}|${slotId}`, 'utf8');
}

async function wrapKeyFor(kdf: Kdf, secret: Uint8Array | string): Promise<Buffer> {
  const salt = Buffer.from(kdf.salt, 'base64');
  if (kdf.name === 'scrypt') {
    if (typeof secret !== 'string') throw new TypeError('scrypt slot needs a passphrase');
    return scryptKey(secret, salt, kdf);
  }
  if (typeof secret === 'string') throw new TypeError('hkdf slot needs a key');
  return hkdf(secret, salt, 'clinic-backup v1 key slot wrap');
}

export async function createSlot(
  repoId: string,
  masterKey: Uint8Array,
  kind: KeySlotKind,
  secret: Uint8Array | string,
  name: string,
  scrypt: ScryptParams = DEFAULT_SCRYPT,
  now = new Date(),
): Promise<KeySlotFile> {
  const id = randomBytes(8).toString('hex');
  const salt = randomBytes(16).toString('base64');
  const kdf: Kdf = kind === 'passphrase' ? { name: 'scrypt', N: scrypt.N, r: scrypt.r, p: scrypt.p, salt } : { name: 'hkdf', salt };
  const wrapKey = await wrapKeyFor(kdf, secret);
  const kept = kind === 'recovery' && typeof secret !== 'string' ? seal(keptKeyKey(masterKey, repoId), secret, keptKeyAad(repoId, id)).toString('base64') : null;
  return {
    format: 'clinic-backup-key',
    version: 1,
    id,
    repoId,
    kind,
    name,
    created: now.toISOString(),
    host: os.hostname(),
    kdf,
    wrappedKey: seal(wrapKey, masterKey, slotAad(repoId, id)).toString('base64'),
    ...(kept ? { keptKey: kept } : {}),
  };
}

/**
 * The recovery key kept (sealed under the master key) in a recovery slot, checked against the slot: it must
 * unwrap the slot to this master key. Null when the slot keeps no copy or the copy does not verify.
 */
export async function keptRecoveryKey(slot: KeySlotFile, masterKey: Uint8Array): Promise<Buffer | null> {
  if (slot.kind !== 'recovery' || typeof slot.keptKey !== 'string') return null;
  let key: Buffer | null;
  try {
    key = open(keptKeyKey(masterKey, slot.repoId), Buffer.from(slot.keptKey, 'base64'), keptKeyAad(slot.repoId, slot.id));
  } catch {
    return null;
  }
  if (!key || key.length !== RECOVERY_KEY_BYTES) return null;
  const unwrapped = await unwrap(slot, key);
  return unwrapped && unwrapped.equals(Buffer.from(masterKey)) ? key : null;
}

/** The master key from one slot, or null when this secret does not open it (never throws for a bad slot). */
async function unwrap(slot: KeySlotFile, secret: Uint8Array | string): Promise<Buffer | null> {
  try {
    const key = open(await wrapKeyFor(slot.kdf, secret), Buffer.from(slot.wrappedKey, 'base64'), slotAad(slot.repoId, slot.id));
    return key && key.length === KEY_BYTES ? key : null;
  } catch {
    return null;
  }
}

/** Upper bounds on scrypt cost read from a slot file, so an edited slot cannot demand gigabytes of memory. */
const MAX_SCRYPT = { N: 1 << 20, r: 32, p: 16 };

/** A slot file this version can use; 'unsupported' for a newer format version; null for anything malformed. */
function parseSlot(bytes: Buffer, repoId: string): KeySlotFile | 'unsupported' | null {
  let v: KeySlotFile;
  try {
    v = JSON.parse(bytes.toString('utf8')) as KeySlotFile;
  } catch {
    return null;
  }
  if (typeof v !== 'object' || v === null || v.format !== 'clinic-backup-key' || v.repoId !== repoId) return null;
  if (v.version !== 1) return 'unsupported';
  if (typeof v.id !== 'string' || typeof v.wrappedKey !== 'string' || typeof v.kdf !== 'object' || v.kdf === null || typeof v.kdf.salt !== 'string') return null;
  if (v.kind === 'passphrase') {
    const k = v.kdf;
    if (k.name !== 'scrypt' || ![k.N, k.r, k.p].every(Number.isInteger)) return null;
    if (k.N < 2 || (k.N & (k.N - 1)) !== 0 || k.N > MAX_SCRYPT.N || k.r < 1 || k.r > MAX_SCRYPT.r || k.p < 1 || k.p > MAX_SCRYPT.p) return null;
  } else if (v.kind === 'keychain' || v.kind === 'recovery') {
    if (v.kdf.name !== 'hkdf') return null;
  } else return null;
  return v;
}

/** Usable key slots, and how many were written by a newer format version (to explain a failure to open). */
export async function listSlotsDetailed(backend: Backend, repoId: string): Promise<{ slots: KeySlotFile[]; unsupported: number }> {
  const slots: KeySlotFile[] = [];
  let unsupported = 0;
  for await (const f of backend.list('keys')) {
    const slot = parseSlot(await backend.read(f), repoId);
    if (slot === 'unsupported') unsupported++;
    else if (slot && slot.id === f.name) slots.push(slot);
  }
  return { slots: slots.sort((a, b) => a.created.localeCompare(b.created) || a.id.localeCompare(b.id)), unsupported };
}

export async function listSlots(backend: Backend, repoId: string): Promise<KeySlotFile[]> {
  return (await listSlotsDetailed(backend, repoId)).slots;
}

export async function writeSlot(backend: Backend, slot: KeySlotFile): Promise<void> {
  await backend.write({ kind: 'keys', name: slot.id }, Buffer.from(JSON.stringify(slot, null, 2) + '\n', 'utf8'));
}

export function slotInfo(slot: KeySlotFile): KeySlotInfo {
  return { id: slot.id, kind: slot.kind, name: slot.name, created: slot.created, host: slot.host };
}

/**
 * Opens the master key with whatever the caller offers: keychain slots first (no typing), then the recovery key,
 * then the passphrase. Errors say which credential failed, never its value.
 */
export async function openMasterKey(slots: readonly KeySlotFile[], repoId: string, creds: KeyCredentials): Promise<{ masterKey: Buffer; slot: KeySlotFile }> {
  let keychainEntryMissing = false;
  if (creds.secretStore) {
    for (const slot of slots.filter((s) => s.kind === 'keychain')) {
      const stored = await creds.secretStore.get(keychainSecretName(repoId, slot.id));
      if (stored === null) {
        keychainEntryMissing = true;
        continue;
      }
      const key = await unwrap(slot, Buffer.from(stored, 'base64'));
      if (key) return { masterKey: key, slot };
    }
  }
  if (creds.recoveryKey) {
    const tag = recoveryKeyRepoTag(creds.recoveryKey);
    for (const slot of slots.filter((s) => s.kind === 'recovery')) {
      const key = await unwrap(slot, creds.recoveryKey);
      if (key) return { masterKey: key, slot };
    }
    if (tag !== repoId.slice(0, REPO_TAG_BYTES * 2)) throw new EngineError('RECOVERY_KEY_OTHER_REPO', { found: tag, expected: repoId.slice(0, 8) });
    throw new EngineError('WRONG_RECOVERY_KEY');
  }
  if (creds.passphrase !== undefined) {
    for (const slot of slots.filter((s) => s.kind === 'passphrase')) {
      const key = await unwrap(slot, creds.passphrase);
      if (key) return { masterKey: key, slot };
    }
    throw new EngineError('WRONG_PASSWORD');
  }
  if (keychainEntryMissing) throw new EngineError('KEYCHAIN_ENTRY_MISSING');
  throw new EngineError('WRONG_PASSWORD');
}

export { randomKey };
