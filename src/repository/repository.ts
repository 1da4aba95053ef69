/**
 * A repository on one backend: opens keys, loads the index, reads and writes blobs, and commits snapshots.
 * Version 2 (docs/format.md) is what `init` writes; its storage lives in store2.ts / writer2.ts. Version 1
 * (docs/format-v1.md) stays readable through the methods marked v1; backups into it are refused (`migrate`).
 * The repository is the source of truth; everything else is a cache of it.
 */
import os from 'node:os';
import type { Backend, FileRef } from '../backend/index.js';
import { hkdf, hmacSha256, randomKey, type ScryptParams, sha256Hex } from '../crypto/index.js';
import type { SecretStore } from '../secrets/index.js';
import { EngineError, isEngineError, isIntegrityCode } from '../shared/index.js';
import { BlobIndex } from './blobIndex.js';
import { defaultParams, encodeConfig, newConfig, readConfig, type RepoConfig, type RepoParams } from './config.js';
import { EnvelopeError, ObjectKind, openObject, sealObject } from './envelope.js';
import { Kind2, open2 } from './envelope2.js';
import { EMPTY_INDEX_STATE, OtherVersionFile, Store2, type IndexState } from './store2.js';
import { RepoWriter2 } from './writer2.js';
import {
  createSlot,
  keptRecoveryKey,
  keychainSecretName,
  listSlots,
  listSlotsDetailed,
  newRecoveryKey,
  openMasterKey,
  slotInfo,
  writeSlot,
  type KeyCredentials,
  type KeySlotFile,
  type KeySlotInfo,
  type KeySlotKind,
} from './keys.js';
import { RepoLock, type LockKind, type LockProblemListener } from './lock.js';
import { decodeIndex, decodePackHeader, encodeIndex, type IndexContent, PACK_TRAILER_BYTES, PACK_TRAILER_MAGIC, type BlobType, type PackHeader, type PackRecord } from './packFormat.js';
import { PackWriter } from './packWriter.js';
import type { SnapshotManifest, SnapshotRecord } from './snapshot.js';

export interface InitOptions {
  /** Creates a passphrase slot. */
  readonly passphrase?: string;
  /** Creates a keychain slot whose secret lives in this store. */
  readonly secretStore?: SecretStore;
  /** Creates a recovery slot and returns the key to print (default true). */
  readonly recovery?: boolean;
  readonly params?: Partial<RepoParams>;
  readonly scrypt?: ScryptParams;
}

interface SubKeys {
  readonly data: Buffer;
  readonly blobId: Buffer;
  readonly audit: Buffer;
  readonly line: Buffer;
  readonly chunk: Buffer;
}

function deriveKeys(master: Buffer, repoId: string): SubKeys {
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

const FRAME_CACHE_SIZE = 16;

export type { IndexState } from './store2.js';

export class Repository {
  /** v1: the blob index (see loadIndex). */
  private blobIndex = new BlobIndex();
  private indexLoaded = false;
  /** v1: live index files. */
  readonly indexFiles = new Set<string>();
  private state: IndexState = EMPTY_INDEX_STATE;
  private readonly frameCache = new Map<string, Buffer>();
  /**
   * Snapshots already read and checked, by file id. A snapshot file is named by the SHA-256 of its bytes and never
   * rewritten, so listing them again reads only the new ones (status and the snapshot list during a backup).
   */
  private readonly snapshotCache = new Map<string, SnapshotRecord>();
  /** v1: bytes read from the backend for blob data (frames), for restore statistics. */
  private bytesReadV1 = 0;
  private readonly v2: Store2 | null;

  private constructor(
    readonly backend: Backend,
    readonly config: RepoConfig,
    private readonly keys: SubKeys,
    private masterKey: Buffer,
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

  /**
   * `migrate` (§21.4): the same repository seen as version 2 (same backend, master key and subkeys, version 2
   * writer parameters), so version 2 files can be written and read beside the version 1 ones before the config
   * switch. Its listings skip version 1 files, as a version 2 repository's do.
   */
  migrationView(): Repository {
    if (this.version === 2) return this;
    const config: RepoConfig = { ...this.config, version: 2, params: { ...defaultParams(2), compressionLevel: this.config.params.compressionLevel } };
    return new Repository(this.backend, config, this.keys, this.masterKey, this.openedWith);
  }

  /** The subkeys the worker pool needs (version 2). */
  workerKeys(): WorkerKeys {
    return { data: this.keys.data, blobId: this.keys.blobId, line: this.keys.line };
  }

  /** K_chunk, the key of the content-defined chunker's gear table (§15.5). */
  get chunkKey(): Buffer {
    return this.keys.chunk;
  }

  /** Creates a repository on a freshly created backend. Returns the recovery key to print, if one was made. */
  static async init(backend: Backend, options: InitOptions): Promise<{ repo: Repository; recoveryKey: Buffer | null; slots: KeySlotInfo[] }> {
    if (!options.passphrase && !options.secretStore) throw new EngineError('INVALID_ARGUMENT', { field: 'key', reason: 'a keychain or a passphrase is needed' });
    const config = newConfig(options.params);
    const master = randomKey();
    const slots: KeySlotFile[] = [];
    if (options.secretStore) {
      const secret = randomKey();
      const slot = await createSlot(config.id, master, 'keychain', secret, `keychain@${os.hostname()}`);
      await options.secretStore.set(keychainSecretName(config.id, slot.id), secret.toString('base64'));
      slots.push(slot);
    }
    if (options.passphrase) slots.push(await createSlot(config.id, master, 'passphrase', options.passphrase, 'passphrase', options.scrypt));
    let recoveryKey: Buffer | null = null;
    if (options.recovery !== false) {
      recoveryKey = newRecoveryKey(config.id);
      slots.push(await createSlot(config.id, master, 'recovery', recoveryKey, 'recovery kit'));
    }
    for (const slot of slots) await writeSlot(backend, slot);
    // The marker is written last: a crash during init leaves a folder that is not mistaken for a repository.
    await backend.write({ kind: 'config', name: 'config' }, encodeConfig(config));
    const repo = new Repository(backend, config, deriveKeys(master, config.id), master, slots[0] ? slotInfo(slots[0]) : null);
    repo.indexLoaded = true;
    repo.v2?.markLoaded();
    return { repo, recoveryKey, slots: slots.map(slotInfo) };
  }

  static async open(backend: Backend, creds: KeyCredentials): Promise<Repository> {
    const config = await readConfig(backend);
    const { slots, unsupported } = await listSlotsDetailed(backend, config.id);
    if (slots.length === 0 && unsupported > 0) throw new EngineError('REPO_VERSION_UNSUPPORTED', { version: 'key slot' });
    const { masterKey, slot } = await openMasterKey(slots, config.id, creds);
    return new Repository(backend, config, deriveKeys(masterKey, config.id), masterKey, slotInfo(slot));
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

  // ---------------------------------------------------------------- blobs

  blobIdOf(data: Uint8Array): Buffer {
    return hmacSha256(this.keys.blobId, data);
  }

  /** v1: every blob's location (see loadIndex). */
  get index(): BlobIndex {
    return this.blobIndex;
  }

  /** What loadIndex found about the index files (see IndexState), for either format version. */
  get indexState(): IndexState {
    return this.v2 ? this.v2.indexState : this.state;
  }

  /**
   * The packs the index files do not list but whose blobs are in the in-memory index (read from their own headers,
   * e.g. left by a crashed run), now counted as indexed: a writer lists them in its index file so a snapshot that
   * deduplicated against them never references an unindexed pack.
   */
  takeUnindexedPacks(): PackRecord[] {
    if (this.v2) throw new EngineError('INTERNAL', { reason: 'version 1 index on a version 2 repository' });
    if (this.state.unindexedPacks.size === 0) return [];
    const records = this.blobIndex.packs.filter((p) => this.state.unindexedPacks.has(p.id));
    this.state = { ...this.state, unindexedPacks: new Set() };
    return records;
  }

  /** v1: the index files in storage that can be read, and the names of those that cannot. */
  async readIndexFiles(signal?: AbortSignal): Promise<{ readable: { id: string; content: IndexContent }[]; damaged: string[] }> {
    const readable: { id: string; content: IndexContent }[] = [];
    const damaged: string[] = [];
    for await (const f of this.backend.list('index', signal)) {
      try {
        readable.push({ id: f.name, content: decodeIndex(await this.readSealedFile({ kind: 'index', name: f.name }, ObjectKind.index, 'INDEX_CORRUPT')) });
      } catch (err) {
        if (isEngineError(err, 'NOT_FOUND') || err instanceof OtherVersionFile) continue; // gone, or a migration's file (§3.5)
        // Only damage is skipped; an unplugged drive or a permission problem stops the load as itself.
        if (!isEngineError(err) || !isIntegrityCode(err.code)) throw err;
        damaged.push(f.name);
      }
    }
    return { readable, damaged };
  }

  /**
   * Loads the index: the packs the index files list, plus every pack in storage that no readable index file
   * lists, read from its own header (a lost, truncated or damaged index file costs a few reads, never a
   * restore). `refresh` reloads from storage (check, after repairs).
   */
  async loadIndex(signal?: AbortSignal, options: { refresh?: boolean } = {}): Promise<void> {
    if (this.v2) return this.v2.loadIndex(signal, options);
    if (this.indexLoaded && !options.refresh) return;
    const { readable, damaged } = await this.readIndexFiles(signal);
    const present = new Map<string, number>();
    for await (const f of this.backend.list('data', signal)) present.set(f.name, f.size);
    const index = new BlobIndex();
    const live = liveIndexFiles(readable);
    const missing: PackRecord[] = [];
    for (const f of live) {
      for (const p of f.content.packs) {
        if (present.has(p.id)) index.addPack(p);
        else missing.push(p);
      }
    }
    const unindexed = new Set<string>();
    const unreadable: string[] = [];
    for (const [id, size] of present) {
      if (index.hasPack(id)) continue;
      try {
        index.addPack({ id, size, ...(await this.readPackHeaderFromTail(id, size, signal)) });
        unindexed.add(id);
      } catch (err) {
        if (!isEngineError(err) || !isIntegrityCode(err.code)) throw err;
        unreadable.push(id);
      }
    }
    // Listed but absent packs last, so a blob also held by a present pack (repacked) is read from there.
    for (const p of missing) index.addPack(p);
    this.blobIndex = index;
    this.indexFiles.clear();
    for (const f of live) this.indexFiles.add(f.id);
    this.state = { damagedFiles: damaged, unindexedPacks: unindexed, unreadablePacks: unreadable, missingPacks: new Set(missing.map((p) => p.id)) };
    this.frameCache.clear();
    this.indexLoaded = true;
  }

  /** v1: a pack's own header read from its tail (two small range reads), e.g. to rebuild the index. */
  async readPackHeaderFromTail(packId: string, size: number, signal?: AbortSignal): Promise<PackHeader> {
    const ref: FileRef = { kind: 'data', name: packId };
    const file = describeFile(ref);
    if (size < PACK_TRAILER_BYTES) throw new EngineError('PACK_CORRUPT', { file });
    const read = async (offset: number, length: number): Promise<Buffer> => {
      try {
        return await this.backend.read(ref, { offset, length }, signal);
      } catch (err) {
        if (isEngineError(err, 'FILE_TRUNCATED')) throw new EngineError('PACK_CORRUPT', { file });
        throw err;
      }
    };
    const trailer = await read(size - PACK_TRAILER_BYTES, PACK_TRAILER_BYTES);
    if (!trailer.subarray(4).equals(PACK_TRAILER_MAGIC)) throw new EngineError('PACK_CORRUPT', { file });
    const headerLen = trailer.readUInt32LE(0);
    if (headerLen + PACK_TRAILER_BYTES > size) throw new EngineError('PACK_CORRUPT', { file });
    const env = await read(size - PACK_TRAILER_BYTES - headerLen, headerLen);
    try {
      return decodePackHeader(openObject(this.keys.data, ObjectKind.packHeader, env).payload);
    } catch (err) {
      if (err instanceof EnvelopeError || isEngineError(err, 'INTEGRITY_ERROR') || isEngineError(err, 'REPO_VERSION_UNSUPPORTED')) throw new EngineError('PACK_CORRUPT', { file });
      throw err;
    }
  }

  /** v1: reads a sealed whole file, checking that its name is the SHA-256 of its bytes. A version 2 file: OtherVersionFile. */
  async readSealedFile(ref: FileRef, kind: (typeof ObjectKind)[keyof typeof ObjectKind], corruptCode: 'INDEX_CORRUPT' | 'SNAPSHOT_CORRUPT' | 'PACK_CORRUPT' | 'AUDIT_TAMPERED'): Promise<Buffer> {
    const bytes = await this.backend.read(ref);
    if (sha256Hex(bytes) !== ref.name) throw new EngineError(corruptCode, { file: describeFile(ref) });
    if (bytes.length > 3 && bytes[0] === 0x43 && bytes[1] === 0x42 && bytes[2] === 2) throw new OtherVersionFile(describeFile(ref));
    try {
      return openObject(this.keys.data, kind, bytes).payload;
    } catch (err) {
      if (err instanceof EnvelopeError && err.reason === 'unsupported-version') throw new EngineError('REPO_VERSION_UNSUPPORTED', { version: `${ref.kind} envelope` });
      if (err instanceof EnvelopeError) throw new EngineError(corruptCode, { file: describeFile(ref) });
      throw err;
    }
  }

  /** Reads a pack's own header (from its tail), e.g. to rebuild the index or check a pack. */
  async readPackHeader(packId: string, packBytes?: Buffer): Promise<PackHeader> {
    const ref: FileRef = { kind: 'data', name: packId };
    const file = describeFile(ref);
    const bytes = packBytes ?? (await this.backend.read(ref));
    if (bytes.length < PACK_TRAILER_BYTES || !bytes.subarray(bytes.length - 4).equals(PACK_TRAILER_MAGIC)) throw new EngineError('PACK_CORRUPT', { file });
    const headerLen = bytes.readUInt32LE(bytes.length - 8);
    if (headerLen + PACK_TRAILER_BYTES > bytes.length) throw new EngineError('PACK_CORRUPT', { file });
    try {
      const env = bytes.subarray(bytes.length - PACK_TRAILER_BYTES - headerLen, bytes.length - PACK_TRAILER_BYTES);
      return decodePackHeader(openObject(this.keys.data, ObjectKind.packHeader, env).payload);
    } catch (err) {
      if (err instanceof EnvelopeError || isEngineError(err, 'INTEGRITY_ERROR')) throw new EngineError('PACK_CORRUPT', { file });
      throw err;
    }
  }

  /** Opens one frame of a pack from its stored bytes. */
  openFrame(pack: PackRecord, frameNo: number, stored: Buffer): Buffer {
    const frame = pack.frames[frameNo];
    if (!frame) throw new EngineError('PACK_CORRUPT', { file: describeFile({ kind: 'data', name: pack.id }) });
    try {
      return openObject(this.keys.data, ObjectKind.frame, stored, frame.objectId).payload;
    } catch (err) {
      if (err instanceof EnvelopeError) throw new EngineError('PACK_CORRUPT', { file: describeFile({ kind: 'data', name: pack.id }), frame: frameNo });
      throw err;
    }
  }

  private async readFrame(pack: PackRecord, frameNo: number, signal?: AbortSignal): Promise<Buffer> {
    const cacheKey = `${pack.id}:${frameNo}`;
    const cached = this.frameCache.get(cacheKey);
    if (cached) {
      this.frameCache.delete(cacheKey);
      this.frameCache.set(cacheKey, cached);
      return cached;
    }
    const frame = pack.frames[frameNo];
    if (!frame) throw new EngineError('PACK_CORRUPT', { file: describeFile({ kind: 'data', name: pack.id }) });
    let stored: Buffer;
    try {
      stored = await this.backend.read({ kind: 'data', name: pack.id }, { offset: frame.offset, length: frame.storedLength }, signal);
    } catch (err) {
      if (isEngineError(err, 'NOT_FOUND')) throw new EngineError('BLOB_MISSING', { blob: describeFile({ kind: 'data', name: pack.id }), snapshots: [] });
      if (isEngineError(err, 'FILE_TRUNCATED')) throw new EngineError('PACK_CORRUPT', { file: describeFile({ kind: 'data', name: pack.id }) });
      throw err;
    }
    this.bytesReadV1 += stored.length;
    const raw = this.openFrame(pack, frameNo, stored);
    this.frameCache.set(cacheKey, raw);
    if (this.frameCache.size > FRAME_CACHE_SIZE) this.frameCache.delete(this.frameCache.keys().next().value as string);
    return raw;
  }

  /** Reads one blob and verifies it against its keyed id. */
  async readBlob(id: Buffer | string, signal?: AbortSignal): Promise<Buffer> {
    if (this.v2) return this.v2.readBlob(id, signal);
    const idBuf = typeof id === 'string' ? Buffer.from(id, 'hex') : id;
    const loc = this.index.get(idBuf);
    if (!loc) throw new EngineError('BLOB_MISSING', { blob: idBuf.toString('hex'), snapshots: [] });
    const frame = await this.readFrame(loc.pack, loc.frame, signal);
    const data = Buffer.from(frame.subarray(loc.offset, loc.offset + loc.length));
    if (!this.blobIdOf(data).equals(idBuf)) throw new EngineError('PACK_CORRUPT', { file: describeFile({ kind: 'data', name: loc.pack.id }) });
    return data;
  }

  /** v1: a writer for a backup run (prune's repacking of a version 1 repository). */
  writer(): RepoWriter {
    if (this.v2) throw new EngineError('INTERNAL', { reason: 'version 1 writer on a version 2 repository' });
    return new RepoWriter(this, this.keys.data);
  }

  /** A version 2 writer for a backup run. Nothing it writes is visible until a snapshot references it. */
  writer2(): RepoWriter2 {
    return new RepoWriter2(this.store, { packTargetBytes: this.config.params.packTargetBytes, compressionLevel: this.config.params.compressionLevel });
  }

  // ---------------------------------------------------------------- snapshots

  async saveSnapshot(manifest: SnapshotManifest): Promise<string> {
    if (manifest.version !== this.version) throw new EngineError('INTERNAL', { reason: `a version ${manifest.version} snapshot in a version ${this.version} repository` });
    const json = Buffer.from(JSON.stringify(manifest), 'utf8');
    if (this.v2) return (await this.v2.writeSealed('snapshots', Kind2.snapshot, json)).id;
    const bytes = sealObject(this.keys.data, ObjectKind.snapshot, json).bytes;
    const id = sha256Hex(bytes);
    await this.backend.write({ kind: 'snapshots', name: id }, bytes);
    return id;
  }

  /** Reads a snapshot of this repository's version; a file of the other version: OtherVersionFile. */
  async readSnapshot(id: string): Promise<SnapshotRecord> {
    const ref: FileRef = { kind: 'snapshots', name: id };
    const payload = this.v2 ? await this.v2.readSealed(ref, Kind2.snapshot, 'SNAPSHOT_CORRUPT') : await this.readSealedFile(ref, ObjectKind.snapshot, 'SNAPSHOT_CORRUPT');
    let manifest: SnapshotManifest;
    try {
      manifest = JSON.parse(payload.toString('utf8')) as SnapshotManifest;
    } catch {
      throw new EngineError('SNAPSHOT_CORRUPT', { file: `snapshots/${id}` });
    }
    if (typeof manifest !== 'object' || manifest === null || typeof manifest.tree !== 'object' || manifest.tree === null || typeof manifest.time !== 'string')
      throw new EngineError('SNAPSHOT_CORRUPT', { file: `snapshots/${id}` });
    if (manifest.version !== this.version) throw new EngineError('REPO_VERSION_UNSUPPORTED', { version: `snapshot ${String(manifest.version)}` });
    return { id, manifest };
  }

  async listSnapshotIds(signal?: AbortSignal): Promise<string[]> {
    const ids: string[] = [];
    for await (const f of this.backend.list('snapshots', signal)) ids.push(f.name);
    return ids;
  }

  /** Every readable snapshot, oldest first. Damaged ones are skipped here and reported by the checker. */
  async listSnapshots(signal?: AbortSignal): Promise<SnapshotRecord[]> {
    const out: SnapshotRecord[] = [];
    const ids = await this.listSnapshotIds(signal);
    // Forgotten snapshots leave the cache with their files.
    const present = new Set(ids);
    for (const id of this.snapshotCache.keys()) if (!present.has(id)) this.snapshotCache.delete(id);
    for (const id of ids) {
      const cached = this.snapshotCache.get(id);
      if (cached) {
        out.push(cached);
        continue;
      }
      try {
        const record = await this.readSnapshot(id);
        this.snapshotCache.set(id, record);
        out.push(record);
      } catch (err) {
        if (err instanceof OtherVersionFile) continue; // a migration's files (§3.5)
        if (!isEngineError(err, 'SNAPSHOT_CORRUPT')) throw err;
      }
    }
    // A repaired successor keeps its original's time and comes right after it (so "latest" is the repaired one).
    const repairedAfter = (a: SnapshotRecord, b: SnapshotRecord): number => (a.manifest.repairedFrom === b.id ? 1 : b.manifest.repairedFrom === a.id ? -1 : 0);
    return out.sort((a, b) => a.manifest.time.localeCompare(b.manifest.time) || repairedAfter(a, b) || a.id.localeCompare(b.id));
  }

  /** Finds a snapshot by "latest", a full id or a unique id prefix (≥ 4 characters). */
  async findSnapshot(ref: string, filter?: (s: SnapshotRecord) => boolean): Promise<SnapshotRecord> {
    const all = (await this.listSnapshots()).filter((s) => !filter || filter(s));
    if (ref === 'latest') {
      const last = all[all.length - 1];
      if (!last) throw new EngineError('SNAPSHOT_NOT_FOUND', { snapshot: ref, suggestions: [] });
      return last;
    }
    const matches = ref.length >= 4 ? all.filter((s) => s.id.startsWith(ref)) : [];
    if (matches.length === 1) return matches[0] as SnapshotRecord;
    const suggestions = closeMatches(
      ref,
      all.map((s) => s.id.slice(0, 8)),
    );
    throw new EngineError(matches.length > 1 ? 'INVALID_ARGUMENT' : 'SNAPSHOT_NOT_FOUND', {
      snapshot: ref,
      field: 'snapshot',
      reason: `${matches.length} snapshots start with ${ref}`,
      suggestions,
    });
  }

  /** v1: writes an index file listing packs (and the index files it replaces). */
  async writeIndexFile(packs: readonly PackRecord[], supersedes: readonly string[] = []): Promise<{ id: string; size: number }> {
    const bytes = sealObject(this.keys.data, ObjectKind.index, encodeIndex({ supersedes, packs })).bytes;
    const id = sha256Hex(bytes);
    await this.backend.write({ kind: 'index', name: id }, bytes);
    this.indexFiles.add(id);
    return { id, size: bytes.length };
  }

  /** Removes snapshot files (forget). Their data stays until prune. */
  async deleteSnapshots(ids: readonly string[]): Promise<void> {
    for (const id of ids) await this.backend.delete({ kind: 'snapshots', name: id });
  }

  /** The subkey for audit-log MACs (used by the audit trail). */
  get auditKey(): Buffer {
    return this.keys.audit;
  }

  /** Mirrors one audit-trail entry into audit/ (sealed; named by the SHA-256 of its bytes), so it survives the PC. */
  async writeAuditEntry(entry: unknown): Promise<string> {
    if (this.v2) return (await this.v2.writeSealed('audit', Kind2.audit, Buffer.from(JSON.stringify(entry), 'utf8'))).id;
    const bytes = sealObject(this.keys.data, ObjectKind.audit, Buffer.from(JSON.stringify(entry), 'utf8')).bytes;
    const id = sha256Hex(bytes);
    await this.backend.write({ kind: 'audit', name: id }, bytes);
    return id;
  }

  /** Every audit entry stored in the repository; a file that does not match its name or does not open is reported. */
  async readAuditEntries(signal?: AbortSignal): Promise<{ entries: unknown[]; damaged: string[] }> {
    const entries: unknown[] = [];
    const damaged: string[] = [];
    for await (const f of this.backend.list('audit', signal)) {
      try {
        entries.push(JSON.parse((await this.readAuditFile(f.name)).toString('utf8')) as unknown);
      } catch (err) {
        if (!isEngineError(err, 'AUDIT_TAMPERED') && !(err instanceof SyntaxError)) throw err;
        damaged.push(`audit/${f.name}`);
      }
    }
    return { entries, damaged };
  }

  /** One audit entry: version 2 envelopes, or version 1 ones (carried over unchanged by `migrate`, §21.4). */
  private async readAuditFile(name: string): Promise<Buffer> {
    const ref: FileRef = { kind: 'audit', name };
    const bytes = await this.backend.read(ref);
    if (sha256Hex(bytes) !== name) throw new EngineError('AUDIT_TAMPERED', { file: describeFile(ref) });
    try {
      return bytes[2] === 2 ? open2(this.keys.data, Kind2.audit, bytes) : openObject(this.keys.data, ObjectKind.audit, bytes).payload;
    } catch {
      throw new EngineError('AUDIT_TAMPERED', { file: describeFile(ref) });
    }
  }
}

/**
 * Index files still in force: one that a newer index supersedes (prune writes the new one before deleting the
 * old) is ignored, since it may list packs that are gone.
 */
export function liveIndexFiles<T extends { id: string; content: IndexContent }>(files: readonly T[]): T[] {
  const superseded = new Set(files.flatMap((f) => f.content.supersedes));
  return files.filter((f) => !superseded.has(f.id));
}

/** Up to 5 candidates sharing the longest prefix with the input. */
export function closeMatches(input: string, candidates: readonly string[]): string[] {
  const score = (c: string): number => {
    let i = 0;
    while (i < c.length && i < input.length && c[i] === input[i]) i++;
    return i;
  };
  return [...candidates]
    .map((c) => ({ c, s: score(c) }))
    .sort((a, b) => b.s - a.s || a.c.localeCompare(b.c))
    .slice(0, 5)
    .map((x) => x.c);
}

export interface WriterStats {
  newBlobs: number;
  newBlobBytes: number;
  storedBytes: number;
  packs: number;
}

/** Writes blobs into packs (deduplicated against the index and this run) and index files for the new packs. */
export class RepoWriter {
  private readonly writers: Record<BlobType, PackWriter>;
  private readonly newPacks: PackRecord[] = [];
  private indexBytes = 0;
  readonly stats: WriterStats = { newBlobs: 0, newBlobBytes: 0, storedBytes: 0, packs: 0 };
  private static readonly PACKS_PER_INDEX = 64;
  private indexWrite: Promise<void> = Promise.resolve();

  constructor(
    private readonly repo: Repository,
    key: Buffer,
  ) {
    const p = repo.config.params;
    const opts = { frameTargetBytes: p.frameTargetBytes, packTargetBytes: p.packTargetBytes, compressionLevel: p.compressionLevel };
    const onPack = (pack: PackRecord): void => {
      repo.index.addPack(pack);
      this.newPacks.push(pack);
      if (this.newPacks.length >= RepoWriter.PACKS_PER_INDEX) this.indexWrite = this.indexWrite.then(() => this.writeIndex());
    };
    this.writers = {
      data: new PackWriter(repo.backend, key, 'data', opts, onPack),
      tree: new PackWriter(repo.backend, key, 'tree', { ...opts, frameTargetBytes: Math.max(p.frameTargetBytes, 1024 * 1024) }, onPack),
    };
  }

  has(id: Buffer): boolean {
    return this.repo.index.has(id) || this.writers.data.pending.has(id.toString('hex')) || this.writers.tree.pending.has(id.toString('hex'));
  }

  /** Stores a blob unless the repository already has it. Returns its id and whether it was new. */
  async addBlob(type: BlobType, data: Buffer, knownId?: Buffer, options: { force?: boolean } = {}): Promise<{ id: Buffer; isNew: boolean }> {
    const id = knownId ?? this.repo.blobIdOf(data);
    // force: prune repacks blobs the index still lists in packs about to be removed.
    if (options.force ? this.writers.data.pending.has(id.toString('hex')) || this.writers.tree.pending.has(id.toString('hex')) : this.has(id)) return { id, isNew: false };
    await this.writers[type].add(id, data);
    this.stats.newBlobs++;
    this.stats.newBlobBytes += data.length;
    return { id, isNew: true };
  }

  private async writeIndex(): Promise<void> {
    if (this.newPacks.length === 0) return;
    const packs = this.newPacks.splice(0);
    this.indexBytes += (await this.repo.writeIndexFile(packs)).size;
  }

  /** Finishes packs and writes the index for every pack of this run. After flush, a snapshot may reference the blobs. */
  async flush(): Promise<void> {
    await this.writers.data.flush();
    await this.writers.tree.flush();
    await this.indexWrite;
    // Blobs of this run may be deduplicated against packs only their own headers describe: index those too.
    this.newPacks.push(...this.repo.takeUnindexedPacks());
    await this.writeIndex();
    this.stats.storedBytes = this.writers.data.storedBytes + this.writers.tree.storedBytes + this.indexBytes;
    this.stats.packs = this.writers.data.packsWritten + this.writers.tree.packsWritten;
  }
}
