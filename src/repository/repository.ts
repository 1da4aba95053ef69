/**
 * A repository on one backend: opens keys, loads the index, reads and writes blobs, and commits snapshots.
 * Version 2 (docs/format.md) is what `init` writes; its storage lives in store2.ts / writer2.ts. Version 1
 * (docs/format-v1.md) stays readable through the methods marked v1; backups into it are refused (`migrate`).
 * The repository is the source of truth; everything else is a cache of it.
 */
import os from 'node:os';
import type { Backend, FileRef } from '../backend/index.js';
import { randomKey, type ScryptParams, sha256Hex } from '../crypto/index.js';
import type { SecretStore } from '../secrets/index.js';
import { EngineError, isEngineError } from '../shared/index.js';
import { defaultParams, encodeConfig, newConfig, readConfig, type RepoConfig, type RepoParams } from './config.js';
import { ObjectKind, openObject, sealObject } from './envelope.js';
import { Kind2, open2 } from './envelope2.js';
import { OtherVersionFile } from './store2.js';
import { RepoWriter2 } from './writer2.js';
import { createSlot, keychainSecretName, listSlotsDetailed, newRecoveryKey, openMasterKey, slotInfo, writeSlot, type KeyCredentials, type KeySlotFile, type KeySlotInfo } from './keys.js';
import { encodeIndex, type PackRecord } from './packFormat.js';
import type { SnapshotManifest, SnapshotRecord } from './snapshot.js';
import { deriveKeys, describeFile, type SubKeys } from './repositoryCore.js';
import { RepositoryBlobs } from './repositoryBlobs.js';
import { RepoWriter } from './repoWriter.js';

export { describeFile, type WorkerKeys } from './repositoryCore.js';
export { liveIndexFiles } from './repositoryBlobs.js';
export { RepoWriter, type WriterStats } from './repoWriter.js';
export type { IndexState } from './store2.js';

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
export class Repository extends RepositoryBlobs {
  /**
   * Snapshots already read and checked, by file id. A snapshot file is named by the SHA-256 of its bytes and never
   * rewritten, so listing them again reads only the new ones (status and the snapshot list during a backup).
   */
  private readonly snapshotCache = new Map<string, SnapshotRecord>();

  private constructor(backend: Backend, config: RepoConfig, keys: SubKeys, masterKey: Buffer, openedWith: KeySlotInfo | null) {
    super(backend, config, keys, masterKey, openedWith);
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
