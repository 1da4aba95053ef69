/**
 * The engine façade: createEngine(options) → Engine, the API every front end (CLI, serve, Electron) uses.
 * Front ends parse input and render output; every decision is made here or below.
 */
import { stat } from 'node:fs/promises';
import path from 'node:path';
import { LocalBackend } from './backend/local/localBackend.js';
import { parseLocation } from './backend/location.js';
import type { Backend } from './backend/types.js';
import { FILE_KINDS } from './backend/types.js';
import { encodeRecoveryKey, type RecoveryKeyLanguage } from './crypto/recoveryKey.js';
import { Archiver } from './archiver/archiver.js';
import { backupFhir } from './archiver/fhirBackup.js';
import type { SourceAuth } from './source/fhir/auth.js';
import type { StrategyName } from './source/fhir/strategies.js';
import { readFile, mkdir } from 'node:fs/promises';
import os from 'node:os';
import { listNdjsonInputs, readNdjsonFile } from './archiver/ndjson.js';
import { checkRepository } from './checker/checker.js';
import { codecName, CODEC_BROTLI, CODEC_ZSTD, zstdAvailable } from './repository/codec.js';
import type { KeyCredentials } from './repository/keys.js';
import { Repository } from './repository/repository.js';
import type { SnapshotRecord } from './repository/snapshot.js';
import { restoreToNdjson, selectRows } from './restorer/ndjsonTarget.js';
import { executeFhirRestore, planFhirRestore, type FhirRestoreOptions } from './restorer/fhirTarget.js';
import { assertPatientExists, resolveSnapshot } from './restorer/select.js';
import { authProvider } from './source/fhir/auth.js';
import { FhirHttp } from './source/fhir/http.js';
import { restoreOrder, TIER_TYPES } from './policy/tiers.js';
import { createHash } from 'node:crypto';
import { loadOverlay, treeTypes, typeRows } from './repository/treeStore.js';
import { decodeRow } from './repository/tree.js';
import { FileSecretStore } from './secrets/fileStore.js';
import { assertKeychainUsable, KeychainSecretStore } from './secrets/keychainStore.js';
import { REPOSITORY_PASSWORD_SECRET } from './secrets/names.js';
import type { SecretStore } from './secrets/types.js';
import type {
  FhirRestoreResult,
  ResourceListing,
  RestorePlan,
  RestoreScopeRequest,
  BackupResult,
  CheckResult,
  InitRequest,
  InitResult,
  KeySlotSummary,
  RepoStats,
  RestoreResult,
  RestoreToFolderRequest,
  SnapshotSummary,
} from './shared/contract.js';
import { EngineError } from './shared/errors.js';
import type { LongOperationOptions } from './shared/events.js';

export { toErrorInfo, t, resolveLocale, errorText, type Locale } from './i18n/index.js';
export { TOOL_VERSION } from './archiver/archiver.js';

export interface EngineOptions {
  /** Repository location: a folder (NAS share, USB drive) for now. */
  readonly repo: string;
  /** Headless use: the repository passphrase is read from this file (mode 0600). */
  readonly passwordFile?: string;
  /** A SecretStore supplied by the host (Electron safeStorage, tests). Otherwise the OS keychain is used. */
  readonly secretStore?: SecretStore;
  /** Keychain service name (tests use their own). */
  readonly keychainService?: string;
  /** Folder for local state (export jobs in progress, catalog). Default: $XDG_STATE_HOME/clinic-backup or ~/.local/state/clinic-backup. */
  readonly stateDir?: string;
}

/** How to authenticate to a FHIR source. Secret values come from files (never from argv) or the keychain. */
export type SourceAuthRequest =
  | { readonly kind: 'none' }
  | { readonly kind: 'bearer'; readonly tokenFile: string }
  | { readonly kind: 'basic'; readonly username: string; readonly passwordFile: string }
  | { readonly kind: 'smart'; readonly clientId: string; readonly keyFile: string; readonly tokenUrl: string; readonly keyId?: string; readonly scope?: string };

export interface ServerRestoreRequest extends RestoreScopeRequest {
  readonly target: string;
  readonly auth: SourceAuthRequest;
}

export interface FhirBackupRequest {
  readonly source: string;
  readonly auth: SourceAuthRequest;
  readonly strategy?: StrategyName;
  readonly full?: boolean;
  readonly types?: readonly string[];
  readonly allowedOrigins?: readonly string[];
  readonly tags?: readonly string[];
}

export interface Engine {
  readonly location: string;
  init(request: InitRequest): Promise<InitResult>;
  backupNdjson(input: string, options?: LongOperationOptions & { tags?: readonly string[] }): Promise<BackupResult>;
  backupFhir(request: FhirBackupRequest, options?: LongOperationOptions): Promise<BackupResult & { strategy: StrategyName; requests: number }>;
  snapshots(): Promise<SnapshotSummary[]>;
  snapshot(ref: string): Promise<{ summary: SnapshotSummary; manifest: SnapshotRecord['manifest'] }>;
  check(options?: LongOperationOptions & { readData?: boolean; readDataSubset?: { n: number; m: number } }): Promise<CheckResult>;
  restoreToFolder(request: RestoreToFolderRequest & { asOf?: string }, options?: LongOperationOptions): Promise<RestoreResult>;
  /** What a restore into a FHIR server would do, including resources newer on the target. Writes nothing. */
  planRestoreToServer(request: ServerRestoreRequest, options?: LongOperationOptions): Promise<RestorePlan>;
  /** Restores into a FHIR server; needs `confirmed`. Resumes an interrupted restore of the same scope. */
  restoreToServer(request: ServerRestoreRequest & { confirmed: boolean; verify?: 'none' | 'sample' | 'all' }, options?: LongOperationOptions): Promise<FhirRestoreResult & { plan: RestorePlan }>;
  /** Lists the resources of a snapshot (optionally one type or one patient's compartment). */
  ls(request: RestoreScopeRequest): Promise<{ snapshotId: string; resources: ResourceListing[] }>;
  /** One resource's stored bytes. */
  dump(snapshot: string, reference: string): Promise<{ snapshotId: string; bytes: Buffer }>;
  stats(): Promise<RepoStats>;
  listKeys(): Promise<KeySlotSummary[]>;
  addKey(kind: 'keychain' | 'passphrase' | 'recovery', options?: { passphrase?: string; name?: string; language?: RecoveryKeyLanguage }): Promise<{ slot: KeySlotSummary; recoveryKey: string[][] | null }>;
  removeKey(slotId: string): Promise<void>;
  /** A new recovery key: the new slot is verified before older recovery slots are removed. */
  rotateRecoveryKey(language?: RecoveryKeyLanguage): Promise<{ repoId: string; location: string; slot: KeySlotSummary; recoveryKey: string[][] }>;
  close(): Promise<void>;
}

export function summarizeSnapshot(s: SnapshotRecord): SnapshotSummary {
  const m = s.manifest;
  return {
    id: s.id,
    shortId: s.id.slice(0, 8),
    time: m.time,
    hostname: m.hostname,
    source: { kind: m.source.kind, location: m.source.location, strategy: m.source.strategy },
    mode: m.mode,
    parent: m.parent,
    serverTransactionTime: m.serverTransactionTime,
    counts: m.counts,
    resources: m.totals.resources,
    bytes: m.totals.bytes,
    added: m.totals.added,
    changed: m.totals.changed,
    deleted: m.totals.deleted,
    storedBytesAdded: m.totals.storedBytesAdded,
    partial: m.partial,
    problemCount: m.problemCount,
    tags: m.tags,
  };
}

class EngineImpl implements Engine {
  private repoPromise: Promise<Repository> | null = null;
  private storePromise: Promise<SecretStore> | null = null;
  readonly location: string;

  constructor(private readonly options: EngineOptions) {
    const loc = parseLocation(options.repo);
    if (loc.type !== 'local') throw new EngineError('INVALID_ARGUMENT', { field: 'repo', reason: 'S3 repositories are not supported yet; use a folder path' });
    this.location = path.resolve(loc.path);
  }

  /** The keychain (or host-supplied store), probed once so a missing/locked keychain is a clear error. */
  private secretStore(): Promise<SecretStore> {
    if (this.options.secretStore) return Promise.resolve(this.options.secretStore);
    this.storePromise ??= (async () => {
      const service = this.options.keychainService;
      await assertKeychainUsable(service ? { service } : {});
      return new KeychainSecretStore(service ? { service } : {});
    })();
    return this.storePromise;
  }

  private async passphraseFromFile(): Promise<string | null> {
    if (!this.options.passwordFile) return null;
    return new FileSecretStore({ passwordFile: this.options.passwordFile }).get(REPOSITORY_PASSWORD_SECRET);
  }

  private async credentials(): Promise<KeyCredentials> {
    const passphrase = await this.passphraseFromFile();
    if (passphrase !== null) return { passphrase };
    return { secretStore: await this.secretStore() };
  }

  private async openBackend(): Promise<Backend> {
    return LocalBackend.open(this.location);
  }

  private repo(): Promise<Repository> {
    this.repoPromise ??= (async () => Repository.open(await this.openBackend(), await this.credentials()))();
    this.repoPromise.catch(() => (this.repoPromise = null));
    return this.repoPromise;
  }

  async init(request: InitRequest): Promise<InitResult> {
    const passphrase = request.passphrase ?? (await this.passphraseFromFile()) ?? undefined;
    const secretStore = request.useKeychain ? await this.secretStore() : undefined;
    if (!passphrase && !secretStore) throw new EngineError('INVALID_ARGUMENT', { field: 'key', reason: 'use the keychain or a password file' });
    const backend = await LocalBackend.create(this.location);
    const { repo, recoveryKey, slots } = await Repository.init(backend, { passphrase, secretStore });
    this.repoPromise = Promise.resolve(repo);
    return {
      repoId: repo.id,
      location: this.location,
      slots,
      recoveryKey: recoveryKey ? encodeRecoveryKey(recoveryKey, request.recoveryLanguage ?? 'pt-BR') : null,
    };
  }

  async backupNdjson(input: string, options: LongOperationOptions & { tags?: readonly string[] } = {}): Promise<BackupResult> {
    const started = Date.now();
    const files = await listNdjsonInputs(input);
    const location = path.resolve(input);
    const repo = await this.repo();
    const lock = await repo.lock('shared', 'backup');
    try {
      const previous = await repo.listSnapshots(options.signal);
      const parent = [...previous].reverse().find((s) => s.manifest.source.kind === 'ndjson' && s.manifest.source.location === location) ?? null;
      const archiver = new Archiver(repo, {
        source: { kind: 'ndjson', location, strategy: 'files' },
        mode: 'full',
        parent,
        tags: options.tags,
        signal: options.signal,
        onProgress: options.onProgress,
      });
      await archiver.begin();
      for (const file of files) {
        for await (const line of readNdjsonFile(file, options.signal)) await archiver.addLine(line.bytes, line);
      }
      const result = await archiver.commit();
      return {
        snapshot: summarizeSnapshot({ id: result.snapshotId, manifest: result.manifest }),
        durationMs: Date.now() - started,
        problems: result.manifest.problems,
      };
    } finally {
      await lock.release();
    }
  }

  private stateDir(repoId: string): string {
    const base = this.options.stateDir ?? path.join(process.env['XDG_STATE_HOME'] ?? path.join(os.homedir(), '.local', 'state'), 'clinic-backup');
    return path.join(base, repoId);
  }

  async backupFhir(request: FhirBackupRequest, options: LongOperationOptions = {}): Promise<BackupResult & { strategy: StrategyName; requests: number }> {
    const started = Date.now();
    const auth = await resolveSourceAuth(request.auth);
    const repo = await this.repo();
    const stateDir = this.stateDir(repo.id);
    await mkdir(stateDir, { recursive: true });
    const lock = await repo.lock('shared', 'backup');
    try {
      const r = await backupFhir(repo, {
        baseUrl: request.source,
        auth,
        strategy: request.strategy,
        full: request.full,
        types: request.types,
        allowedOrigins: request.allowedOrigins,
        tags: request.tags,
        jobStateFile: path.join(stateDir, 'export-job.json'),
        signal: options.signal,
        onProgress: options.onProgress,
      });
      return {
        snapshot: summarizeSnapshot({ id: r.snapshotId, manifest: r.manifest }),
        durationMs: Date.now() - started,
        problems: r.manifest.problems,
        strategy: r.strategy,
        requests: r.requests,
      };
    } finally {
      await lock.release();
    }
  }

  async snapshots(): Promise<SnapshotSummary[]> {
    return (await (await this.repo()).listSnapshots()).map(summarizeSnapshot);
  }

  async snapshot(ref: string): Promise<{ summary: SnapshotSummary; manifest: SnapshotRecord['manifest'] }> {
    const s = await (await this.repo()).findSnapshot(ref);
    return { summary: summarizeSnapshot(s), manifest: s.manifest };
  }

  async check(options: LongOperationOptions & { readData?: boolean; readDataSubset?: { n: number; m: number } } = {}): Promise<CheckResult> {
    const started = Date.now();
    const repo = await this.repo();
    const lock = await repo.lock('shared', 'check');
    try {
      const report = await checkRepository(repo, options);
      return { ok: report.ok, problems: report.problems, stats: report.stats, durationMs: Date.now() - started };
    } finally {
      await lock.release();
    }
  }

  async restoreToFolder(request: RestoreToFolderRequest & { asOf?: string }, options: LongOperationOptions = {}): Promise<RestoreResult> {
    if (!request.confirmed) throw new EngineError('RESTORE_NOT_CONFIRMED');
    const started = Date.now();
    const repo = await this.repo();
    const lock = await repo.lock('shared', 'restore');
    try {
      const snap = await resolveSnapshot(repo, { snapshot: request.snapshot, ...(request.asOf ? { asOf: request.asOf } : {}) });
      await repo.loadIndex(options.signal);
      if (request.patient) await assertPatientExists(repo, snap, request.patient, options.signal);
      const r = await restoreToNdjson(repo, snap, path.resolve(request.target), request, options);
      return { ...r, durationMs: Date.now() - started };
    } finally {
      await lock.release();
    }
  }

  private async serverRestoreSetup(request: ServerRestoreRequest, options: LongOperationOptions): Promise<{ repo: Repository; snap: SnapshotRecord; opts: FhirRestoreOptions; journalFile: string }> {
    const repo = await this.repo();
    const snap = await resolveSnapshot(repo, request);
    await repo.loadIndex(options.signal);
    if (request.patient) await assertPatientExists(repo, snap, request.patient, options.signal);
    const http = new FhirHttp({ baseUrl: request.target, auth: authProvider(await resolveSourceAuth(request.auth)) });
    const scope = JSON.stringify([snap.id, http.base.href, [...(request.types ?? [])].sort(), request.patient ?? null]);
    const stateDir = this.stateDir(repo.id);
    await mkdir(stateDir, { recursive: true });
    const journalFile = path.join(stateDir, `restore-${createHash('sha256').update(scope).digest('hex').slice(0, 16)}.journal`);
    const opts: FhirRestoreOptions = { http, orderTypes: (types) => restoreOrder(types), criticalTypes: TIER_TYPES.critical, journalFile, signal: options.signal, onProgress: options.onProgress };
    return { repo, snap, opts, journalFile };
  }

  private selection(request: RestoreScopeRequest): { types?: readonly string[]; patient?: string } {
    return { ...(request.types ? { types: request.types } : {}), ...(request.patient ? { patient: request.patient } : {}) };
  }

  async planRestoreToServer(request: ServerRestoreRequest, options: LongOperationOptions = {}): Promise<RestorePlan> {
    const repo = await this.repo();
    const lock = await repo.lock('shared', 'restore plan');
    try {
      const { snap, opts } = await this.serverRestoreSetup(request, options);
      return (await planFhirRestore(repo, snap, this.selection(request), opts)).plan;
    } finally {
      await lock.release();
    }
  }

  async restoreToServer(request: ServerRestoreRequest & { confirmed: boolean; verify?: 'none' | 'sample' | 'all' }, options: LongOperationOptions = {}): Promise<FhirRestoreResult & { plan: RestorePlan }> {
    if (!request.confirmed) throw new EngineError('RESTORE_NOT_CONFIRMED');
    const repo = await this.repo();
    const lock = await repo.lock('shared', 'restore');
    try {
      const { snap, opts } = await this.serverRestoreSetup(request, options);
      const { plan, rows } = await planFhirRestore(repo, snap, this.selection(request), { ...opts, preview: false });
      const result = await executeFhirRestore(repo, snap, plan, rows, { ...opts, confirmed: true, ...(request.verify ? { verify: request.verify } : {}) });
      return { ...result, plan };
    } finally {
      await lock.release();
    }
  }

  async ls(request: RestoreScopeRequest): Promise<{ snapshotId: string; resources: ResourceListing[] }> {
    const repo = await this.repo();
    const snap = await resolveSnapshot(repo, request);
    if (request.patient) {
      await repo.loadIndex();
      await assertPatientExists(repo, snap, request.patient);
    }
    const resources: ResourceListing[] = [];
    const overlay = await loadOverlay(repo, snap.manifest.tree);
    for (const type of treeTypes(snap.manifest.tree, overlay)) {
      if (request.types && !request.types.includes(type)) continue;
      for await (const row of typeRows(repo, snap.manifest.tree, type, overlay)) {
        const e = decodeRow(row);
        const patients = e.patient ? e.patient.split(',') : [];
        if (request.patient && !patients.includes(request.patient)) continue;
        resources.push({ type, id: e.id, versionId: e.versionId, lastUpdated: e.lastUpdated, size: e.size, patients });
      }
    }
    return { snapshotId: snap.id, resources };
  }

  async dump(snapshot: string, reference: string): Promise<{ snapshotId: string; bytes: Buffer }> {
    const m = /^([A-Z][A-Za-z]+)\/([A-Za-z0-9\-.]{1,64})$/.exec(reference);
    if (!m) throw new EngineError('INVALID_ARGUMENT', { field: 'resource', reason: 'use Type/id, e.g. Patient/123' });
    const repo = await this.repo();
    const snap = await resolveSnapshot(repo, { snapshot });
    await repo.loadIndex();
    const row = ((await selectRows(repo, snap, { types: [m[1] as string] })).get(m[1] as string) ?? []).find((r) => r.id === m[2]);
    if (!row) throw new EngineError('RESOURCE_NOT_FOUND', { resource: reference, snapshot: snap.id.slice(0, 8) });
    return { snapshotId: snap.id, bytes: await repo.readBlob(row.blob) };
  }

  async stats(): Promise<RepoStats> {
    const repo = await this.repo();
    await repo.loadIndex();
    const byKind: Record<string, { files: number; bytes: number }> = {};
    let storedBytes = 0;
    for (const kind of FILE_KINDS) {
      if (kind === 'config') continue;
      const entry = { files: 0, bytes: 0 };
      for await (const f of repo.backend.list(kind)) {
        entry.files++;
        entry.bytes += f.size;
      }
      byKind[kind] = entry;
      storedBytes += entry.bytes;
    }
    const snaps = await repo.listSnapshots();
    const latest = snaps[snaps.length - 1];
    const latestBytes = latest?.manifest.totals.bytes ?? 0;
    return {
      repoId: repo.id,
      location: this.location,
      snapshots: snaps.length,
      packs: repo.index.packCount,
      blobs: repo.index.size,
      storedBytes,
      latestBytes,
      compressionRatio: storedBytes > 0 ? latestBytes / storedBytes : 0,
      byKind,
      codec: codecName(zstdAvailable() ? CODEC_ZSTD : CODEC_BROTLI),
    };
  }

  async listKeys(): Promise<KeySlotSummary[]> {
    return (await this.repo()).listKeys();
  }

  async addKey(kind: 'keychain' | 'passphrase' | 'recovery', options: { passphrase?: string; name?: string; language?: RecoveryKeyLanguage } = {}): Promise<{ slot: KeySlotSummary; recoveryKey: string[][] | null }> {
    const repo = await this.repo();
    const lock = await repo.lock('exclusive', 'key add');
    try {
      const secretStore = kind === 'keychain' ? await this.secretStore() : undefined;
      const r = await repo.addKey(kind, { passphrase: options.passphrase, name: options.name, secretStore });
      return { slot: r.slot, recoveryKey: r.recoveryKey ? encodeRecoveryKey(r.recoveryKey, options.language ?? 'pt-BR') : null };
    } finally {
      await lock.release();
    }
  }

  async removeKey(slotId: string): Promise<void> {
    const repo = await this.repo();
    const lock = await repo.lock('exclusive', 'key remove');
    try {
      const slots = await repo.listKeys();
      const target = slots.find((s) => s.id === slotId || (slotId.length >= 4 && s.id.startsWith(slotId)));
      if (!target) throw new EngineError('KEY_SLOT_NOT_FOUND', { slot: slotId });
      const secretStore = target.kind === 'keychain' ? await this.secretStore().catch(() => undefined) : undefined;
      await repo.removeKey(target.id, secretStore);
    } finally {
      await lock.release();
    }
  }

  async rotateRecoveryKey(language: RecoveryKeyLanguage = 'pt-BR'): Promise<{ repoId: string; location: string; slot: KeySlotSummary; recoveryKey: string[][] }> {
    const repo = await this.repo();
    const lock = await repo.lock('exclusive', 'recovery key');
    try {
      const before = (await repo.listKeys()).filter((s) => s.kind === 'recovery');
      const { slot, recoveryKey } = await repo.addKey('recovery', { name: `recovery kit ${new Date().toISOString().slice(0, 10)}` });
      if (!recoveryKey) throw new EngineError('INTERNAL', { reason: 'no recovery key made' });
      // Prove the new key opens the repository before the old ones go.
      const check = await Repository.open(repo.backend, { recoveryKey });
      if (check.openedWith?.id !== slot.id) throw new EngineError('INTERNAL', { reason: 'new recovery key did not verify' });
      for (const old of before) await repo.removeKey(old.id);
      return { repoId: repo.id, location: this.location, slot, recoveryKey: encodeRecoveryKey(recoveryKey, language) };
    } finally {
      await lock.release();
    }
  }

  async close(): Promise<void> {
    const repo = await this.repoPromise?.catch(() => null);
    await repo?.backend.close();
    this.repoPromise = null;
  }
}

async function readSecretFile(file: string, field: string): Promise<string> {
  const text = await readFile(file, 'utf8').catch(() => {
    throw new EngineError('PASSWORD_FILE_UNREADABLE', { path: file });
  });
  const value = text.replace(/[\r\n]+$/, '');
  if (!value) throw new EngineError('INVALID_ARGUMENT', { field, reason: 'the file is empty' });
  return value;
}

async function resolveSourceAuth(a: SourceAuthRequest): Promise<SourceAuth> {
  switch (a.kind) {
    case 'none':
      return { kind: 'none' };
    case 'bearer':
      return { kind: 'bearer', token: await readSecretFile(a.tokenFile, 'token') };
    case 'basic':
      return { kind: 'basic', username: a.username, password: await readSecretFile(a.passwordFile, 'password') };
    case 'smart':
      return { kind: 'smart', clientId: a.clientId, tokenUrl: a.tokenUrl, privateKeyPem: await readSecretFile(a.keyFile, 'SMART key'), ...(a.keyId ? { keyId: a.keyId } : {}), ...(a.scope ? { scope: a.scope } : {}) };
  }
}

export function createEngine(options: EngineOptions): Engine {
  return new EngineImpl(options);
}

/** True when a path exists (used by front ends to word messages; no decisions). */
export async function pathExists(p: string): Promise<boolean> {
  return (await stat(p).catch(() => null)) !== null;
}

export { compareNdjsonFolders, type NdjsonComparison } from './restorer/compareNdjson.js';
export { writeNdjsonDataset as createSampleDataset, mutateNdjsonDataset as mutateSampleDataset } from './sandbox/synthetic.js';
export { startSandbox, runSandboxCommand, type SandboxServer, type SandboxOptions } from './sandbox/index.js';
export type { StrategyName } from './source/fhir/strategies.js';
