/**
 * The base of Repository (repository.ts): its state, keys and subkeys, key slots and locks. Blob reading is in
 * repositoryBlobs.ts, opening, snapshots and the audit copy in repository.ts.
 */
import os from 'node:os';
import type { Backend, FileRef } from '../backend/index.js';
import { hkdf, randomKey, type ScryptParams } from '../crypto/index.js';
import type { SecretStore } from '../secrets/index.js';
import { EngineError } from '../shared/index.js';
import { BlobIndex } from './blobIndex.js';
import { type RepoConfig } from './config.js';
import { EMPTY_INDEX_STATE, Store2, type IndexState } from './store2.js';
import { createSlot, keptRecoveryKey, keychainSecretName, listSlots, newRecoveryKey, slotInfo, writeSlot, type KeySlotFile, type KeySlotInfo, type KeySlotKind } from './keys.js';
import { RepoLock, type LockKind, type LockProblemListener } from './lock.js';

export interface SubKeys {
  readonly data: Buffer;
  readonly blobId: Buffer;
  readonly audit: Buffer;
  readonly line: Buffer;
  readonly chunk: Buffer;
}

export function deriveKeys(master: Buffer, repoId: string): SubKeys {
  const salt = Buffer.from(repoId, 'hex');
  return {
    data: hkdf(master, salt, 'clinic-backup v1 encryption'),
    blobId: hkdf(master, salt, 'clinic-backup v1 blob id'),
    audit: hkdf(master, salt, 'clinic-backup v1 audit'),
    line: hkdf(master, salt, 'clinic-backup v2 line hash'),
    chunk: hkdf(master, salt, 'clinic-backup v2 chunker'),
  };
}

/** The subkeys workers need to seal, open and hash (never logged, never sent outside this process). */
export interface WorkerKeys {
  readonly data: Buffer;
  readonly blobId: Buffer;
  readonly line: Buffer;
}

/** Where a file lives, for messages: "data/ab/ab12…". */
export function describeFile(ref: FileRef): string {
  return ref.kind === 'config' ? 'config' : ref.kind === 'data' ? `data/${ref.name.slice(0, 2)}/${ref.name}` : `${ref.kind}/${ref.name}`;
}

export const FRAME_CACHE_SIZE = 16;

export class RepositoryCore {
  /** v1: the blob index (see loadIndex). */
  protected blobIndex = new BlobIndex();
  protected indexLoaded = false;
  /** v1: live index files. */
  readonly indexFiles = new Set<string>();
  protected state: IndexState = EMPTY_INDEX_STATE;
  protected readonly frameCache = new Map<string, Buffer>();
  /** v1: bytes read from the backend for blob data (frames), for restore statistics. */
  protected bytesReadV1 = 0;
  protected readonly v2: Store2 | null;

  protected constructor(
    readonly backend: Backend,
    readonly config: RepoConfig,
    protected readonly keys: SubKeys,
    protected masterKey: Buffer,
    readonly openedWith: KeySlotInfo | null,
  ) {
    this.v2 = config.version === 2 ? new Store2(backend, { data: keys.data, blobId: keys.blobId, line: keys.line, chunk: keys.chunk }) : null;
  }

  get id(): string {
    return this.config.id;
  }

  /** The repository's format version (config.version). */
  get version(): 1 | 2 {
    return this.config.version;
  }

  /** Bytes of blob data read from the backend so far (restore statistics). */
  get bytesRead(): number {
    return this.v2 ? this.v2.bytesRead : this.bytesReadV1;
  }

  /** The version 2 storage; throws REPO_NEEDS_MIGRATION for a version 1 repository. */
  get store(): Store2 {
    if (!this.v2) throw new EngineError('REPO_NEEDS_MIGRATION', { location: this.backend.location });
    return this.v2;
  }

  /** The subkeys the worker pool needs (version 2). */
  workerKeys(): WorkerKeys {
    return { data: this.keys.data, blobId: this.keys.blobId, line: this.keys.line };
  }

  /** K_chunk, the key of the content-defined chunker's gear table (§15.5). */
  get chunkKey(): Buffer {
    return this.keys.chunk;
  }

  // ---------------------------------------------------------------- keys

  async listKeys(): Promise<KeySlotInfo[]> {
    return (await listSlots(this.backend, this.id)).map(slotInfo);
  }

  /** Adds a key slot. For a recovery slot the returned key must be printed; it is not stored anywhere. */
  async addKey(kind: KeySlotKind, opts: { passphrase?: string; secretStore?: SecretStore; name?: string; scrypt?: ScryptParams }): Promise<{ slot: KeySlotInfo; recoveryKey: Buffer | null }> {
    const existing = await listSlots(this.backend, this.id);
    const name = opts.name ?? (kind === 'keychain' ? `keychain@${os.hostname()}` : kind === 'recovery' ? 'recovery kit' : 'passphrase');
    if (opts.name && existing.some((s) => s.name === name)) throw new EngineError('KEY_SLOT_DUPLICATE', { name });
    let slot: KeySlotFile;
    let recoveryKey: Buffer | null = null;
    if (kind === 'keychain') {
      if (!opts.secretStore) throw new EngineError('INVALID_ARGUMENT', { field: 'keychain', reason: 'no keychain' });
      const secret = randomKey();
      slot = await createSlot(this.id, this.masterKey, 'keychain', secret, name);
      await opts.secretStore.set(keychainSecretName(this.id, slot.id), secret.toString('base64'));
    } else if (kind === 'passphrase') {
      if (!opts.passphrase) throw new EngineError('INVALID_ARGUMENT', { field: 'passphrase', reason: 'empty' });
      slot = await createSlot(this.id, this.masterKey, 'passphrase', opts.passphrase, name, opts.scrypt);
    } else {
      recoveryKey = newRecoveryKey(this.id);
      slot = await createSlot(this.id, this.masterKey, 'recovery', recoveryKey, name);
    }
    await writeSlot(this.backend, slot);
    return { slot: slotInfo(slot), recoveryKey };
  }

  /**
   * The current recovery key (the newest recovery slot's), read back from the copy sealed in its slot, so the
   * same kit can be printed again. RECOVERY_KEY_NOT_KEPT when that slot was made without a copy (older
   * versions); NOT_FOUND when the repository has no recovery slot.
   */
  async currentRecoveryKey(): Promise<{ slot: KeySlotInfo; key: Buffer }> {
    const recovery = (await listSlots(this.backend, this.id)).filter((s) => s.kind === 'recovery');
    const newest = recovery[recovery.length - 1];
    if (!newest) throw new EngineError('NOT_FOUND', { what: 'recovery key (make one with "recovery-kit rotate --yes")' });
    const key = await keptRecoveryKey(newest, this.masterKey);
    if (!key) throw new EngineError('RECOVERY_KEY_NOT_KEPT', { slot: newest.id });
    return { slot: slotInfo(newest), key };
  }

  /** Removes a key slot; refuses to remove the last one. */
  async removeKey(slotId: string, secretStore?: SecretStore): Promise<void> {
    const slots = await listSlots(this.backend, this.id);
    const slot = slots.find((s) => s.id === slotId);
    if (!slot) throw new EngineError('KEY_SLOT_NOT_FOUND', { slot: slotId });
    if (slots.length <= 1) throw new EngineError('KEY_SLOT_LAST');
    await this.backend.delete({ kind: 'keys', name: slot.id });
    // Best effort: the slot is gone from the repository, so a keychain entry left behind (keychain locked) opens nothing.
    if (slot.kind === 'keychain' && secretStore) await secretStore.delete(keychainSecretName(this.id, slot.id)).catch(() => false);
  }

  // ---------------------------------------------------------------- locks

  /** Told when a lock of this repository could not be refreshed or removed (set by the engine, for its logs). */
  lockProblems: LockProblemListener | null = null;

  lock(kind: LockKind, operation: string): Promise<RepoLock> {
    return RepoLock.acquire(this.backend, this.keys.data, kind, operation, new Date(), this.version, this.lockProblems);
  }
}
