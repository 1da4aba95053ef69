/**
 * What every use case works with: the repository and its catalog (opened once, on first use), the secret stores,
 * the backends of the configured copies (through the backend registry), the event bus and the tasks, the clock,
 * the engine's language and its local state folder. No use case logic lives here.
 */
import type { StorageUsage } from './usage.js';
import { readFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { type Locale, resolveLocale } from '../i18n/index.js';
import { type Backend, bucketOf, canonicalLocation, checkResidency, copyOfLocation, openBackend, parseBackendLocation, type S3Access } from '../backend/index.js';
import { type Catalog, type JsonValue, openRepositoryCatalog, storedCopiesOf } from '../catalog/index.js';
import { type KeyCredentials, Repository } from '../repository/index.js';
import { systemClock, type Clock } from '../scheduler/index.js';
import { assertKeychainUsable, FileSecretStore, KeychainSecretStore, openSecretStore, REPOSITORY_PASSWORD_SECRET, type SecretStore } from '../secrets/index.js';
import { type DestinationConfig, type EngineEvent, isEngineError } from '../shared/index.js';
import { AuditTrail } from './auditTrail.js';
import { EventBus } from './bus.js';
import type { EngineOptions } from './engine.js';
import { ProbedKeychain } from './probedKeychain.js';
import { TaskManager } from './tasks.js';

/** The signed-in OS user, for the audit trail. */
export function osUser(): string {
  try {
    return os.userInfo().username;
  } catch {
    // No user database entry (a container): the trail still says someone did it.
    return 'unknown';
  }
}

export class EngineContext {
  readonly location: string;
  readonly bus = new EventBus();
  readonly tasks: TaskManager;
  readonly audit: AuditTrail;
  /** Runs going on in this process (the status shows the first). */
  readonly runningRuns = new Map<number, { kind: string; since: string }>();
  /** The storage measure under way in the background (engine/usage.ts), awaited by close. */
  usageRefresh: Promise<StorageUsage> | null = null;
  /** The process-wide worker pool's class, once this engine holds the pool (released by close). */
  private readonly poolHold: Promise<{ release(): Promise<void> }>;
  private repoPromise: Promise<Repository> | null = null;
  private catalogPromise: Promise<Catalog> | null = null;
  private storePromise: Promise<SecretStore> | null = null;
  /** Copies added from the user interface (settings "copies"), loaded with the catalog. */
  private storedCopies: DestinationConfig[] = [];
  /** Acknowledgements given at setup for regions outside Brazil, stored in settings once the catalog exists. */
  private readonly pendingResidencyAck = new Map<string, { region: string; by: string; at: string }>();

  constructor(
    readonly options: EngineOptions,
    readonly clock: Clock = systemClock,
  ) {
    this.location = canonicalLocation(options.repo);
    // The process-wide worker pool lives while an engine does (released by the last close).
    // Only the pool's own file (not the pool module's surface, whose worker tasks load the FHIR source code): a
    // command that never starts a worker does not compile them.
    this.poolHold = import('../pool/pool.js').then(({ WorkerPool }) => {
      WorkerPool.retain();
      return WorkerPool;
    });
    this.tasks = new TaskManager(this.bus, () => this.locale, clock);
    this.audit = new AuditTrail({
      bus: this.bus,
      catalog: () => this.catalog(),
      repo: () => this.repo(),
      stateDir: (id) => this.stateDir(id),
      pendingFile: path.join(this.stateBase(), 'pending-audit.json'),
      location: this.location,
      actor: osUser,
    });
  }

  /** The language of the text the engine writes. */
  get locale(): Locale {
    return this.options.locale ?? resolveLocale();
  }

  emit(event: EngineEvent): void {
    this.bus.emit(event);
  }

  /** Publishes an auditable action; the audit trail records it (and raises an alert when it cannot). */
  async record(action: string, details: JsonValue): Promise<void> {
    await this.bus.publish('action', { action, details });
  }

  // --- repository and catalog ---

  repo(): Promise<Repository> {
    this.repoPromise ??= (async () => this.watchLocks(await this.openRepository()))();
    // A failed open is not cached (the caller gets the error): the next call tries again.
    this.repoPromise.catch(() => (this.repoPromise = null));
    return this.repoPromise;
  }

  private async openRepository(): Promise<Repository> {
    const backend = await this.openPrimaryBackend();
    const credentials = await this.credentials();
    try {
      return await Repository.open(backend, credentials);
    } catch (err) {
      // No key from the keychain: when the keychain itself cannot be used, that is the error to show (not a wrong
      // password); the probe runs only now, so an open that works never pays for it.
      if (credentials.secretStore && !this.options.secretStore && isEngineError(err) && (err.code === 'WRONG_PASSWORD' || err.code === 'KEYCHAIN_ENTRY_MISSING')) {
        await this.assertKeychainUsable();
      }
      throw err;
    }
  }

  /** Locks that cannot be refreshed or removed (the destination went away) are logged. */
  private watchLocks(repo: Repository): Repository {
    repo.lockProblems = (p) => this.bus.diagnostic(`lock ${p.what}`, p.error);
    return repo;
  }

  /** Whether the repository was opened (or is being opened) by this engine. */
  get repositoryOpened(): boolean {
    return this.repoPromise !== null;
  }

  /** Uses a repository just created or opened another way (init, connect). */
  adoptRepository(repo: Repository): void {
    this.repoPromise = Promise.resolve(this.watchLocks(repo));
  }

  /** Reopens the repository on next use (its in-memory index changed under it, e.g. after prune). */
  forgetRepository(): void {
    this.repoPromise = null;
  }

  /** Forgets the open repository and catalog so the next call reloads what repairs changed. */
  async resetRepository(): Promise<void> {
    const repo = this.repoPromise;
    const catalog = this.catalogPromise;
    this.repoPromise = null;
    this.catalogPromise = null;
    await this.closeQuietly(repo, catalog);
  }

  /** The local catalog of this repository (cache + history). Rebuilt from the repository when new or damaged. */
  catalog(): Promise<Catalog> {
    this.catalogPromise ??= (async () => {
      const repo = await this.repo();
      const opened = await openRepositoryCatalog(repo, this.stateDir(repo.id), this.location, this.clock);
      this.storedCopies = storedCopiesOf(opened.catalog);
      if (opened.rebuilt) await this.audit.append(opened.catalog, repo, 'catalog.rebuilt', { reason: opened.rebuilt.reason, movedTo: opened.rebuilt.movedTo });
      return opened.catalog;
    })();
    // A failed open is not cached (the caller gets the error): the next call tries again.
    this.catalogPromise.catch(() => (this.catalogPromise = null));
    return this.catalogPromise;
  }

  /** The catalog when the repository can be opened, else null (status of an unreachable or missing repository). */
  async catalogIfAvailable(): Promise<Catalog | null> {
    try {
      return await this.catalog();
    } catch (err) {
      if (isEngineError(err)) return null;
      throw err;
    }
  }

  /** Folder for the local state of one repository: the catalog, journals, export jobs, the scheduler's lock. */
  stateDir(repoId: string): string {
    return path.join(this.stateBase(), repoId);
  }

  private stateBase(): string {
    return this.options.stateDir ?? defaultStateDir();
  }

  // --- secrets ---

  /**
   * The keychain (or host-supplied store). A missing or locked keychain is a clear error, but the probe (an item
   * written, read and removed, in a helper process) runs only when needed: before a write, or when a read did not
   * give the value. Reading the repository's key, what every command does, costs one keychain call instead of two.
   */
  secretStore(): Promise<SecretStore> {
    if (this.options.secretStore) return Promise.resolve(this.options.secretStore);
    this.storePromise ??= Promise.resolve(new ProbedKeychain(new KeychainSecretStore(this.keychainOptions()), () => this.assertKeychainUsable()));
    return this.storePromise;
  }

  /** The store checked first (init, connect, adding or removing a key): a keychain that cannot be used fails before anything changes. */
  async probedSecretStore(): Promise<SecretStore> {
    const store = await this.secretStore();
    if (!this.options.secretStore) await this.assertKeychainUsable();
    return store;
  }

  private keychainProbe: Promise<void> | null = null;

  /** Throws the keychain's KEYCHAIN_UNAVAILABLE / KEYCHAIN_LOCKED error when it cannot be used (probed once). */
  assertKeychainUsable(): Promise<void> {
    this.keychainProbe ??= assertKeychainUsable(this.keychainOptions());
    return this.keychainProbe;
  }

  private keychainOptions(): { service?: string } {
    const service = this.options.keychainService;
    return service ? { service } : {};
  }

  /** Where credentials for sources and destinations live: the host's store, the keychain, or (headless) the user's secrets folder. */
  credentialStore(): Promise<SecretStore> {
    if (this.options.secretStore || !this.options.passwordFile) return this.secretStore();
    return openSecretStore({ kind: 'file', passwordFile: this.options.passwordFile, ...(this.options.secretsDir ? { secretsDir: this.options.secretsDir } : {}) });
  }

  async passphraseFromFile(): Promise<string | null> {
    if (!this.options.passwordFile) return null;
    return new FileSecretStore({ passwordFile: this.options.passwordFile }).get(REPOSITORY_PASSWORD_SECRET);
  }

  /** How this computer opens the repository: the password file's passphrase, else the keychain. */
  async credentials(): Promise<KeyCredentials> {
    const passphrase = await this.passphraseFromFile();
    if (passphrase !== null) return { passphrase };
    return { secretStore: await this.secretStore() };
  }

  /**
   * S3 credentials: in the desktop app (host-supplied store) only from that store; in the CLI the standard AWS
   * environment/profile chain when set, else the stored secrets "s3:<bucket>:access-key-id" / ":secret-access-key".
   */
  async s3Credentials(bucket: string): Promise<{ accessKeyId: string; secretAccessKey: string } | undefined> {
    if (!this.options.secretStore && (process.env['AWS_ACCESS_KEY_ID'] || process.env['AWS_PROFILE'])) return undefined;
    let store: SecretStore;
    try {
      store = await this.credentialStore();
    } catch (err) {
      // No usable store (no keychain on a headless server): the SDK's own chain is the only source left.
      if (isEngineError(err)) return undefined;
      throw err;
    }
    const accessKeyId = await store.get(`s3:${bucket}:access-key-id`);
    const secretAccessKey = await store.get(`s3:${bucket}:secret-access-key`);
    return accessKeyId && secretAccessKey ? { accessKeyId, secretAccessKey } : undefined;
  }

  // --- copies and backends ---

  /**
   * The configured copies: those given to the engine (CLI flags, environment), with kinds inferred from plain
   * locations (s3: offsite; drives under /media etc.: USB), then those added from the user interface, which
   * are known once the catalog is open (callers that may run before it open it first).
   */
  copies(): DestinationConfig[] {
    const given = (this.options.copies ?? []).map((c): DestinationConfig => (typeof c === 'string' ? copyOfLocation(c) : c));
    return [...given, ...this.storedCopies.filter((c) => !given.some((g) => g.location === c.location))];
  }

  /** Replaces the copies added from the user interface (saved in settings by the caller). */
  setStoredCopies(copies: DestinationConfig[]): void {
    this.storedCopies = copies;
  }

  private defaultRegion(): string {
    return this.options.s3Region ?? process.env['AWS_REGION'] ?? process.env['AWS_DEFAULT_REGION'] ?? 'sa-east-1';
  }

  /** The S3 region of a location: the copy's own (added from the user interface), else the engine's. */
  regionFor(location: string): string {
    return this.copies().find((c) => c.location === location)?.region ?? this.defaultRegion();
  }

  /**
   * Opens (or, for init and new replication targets, creates) the backend of a location: a folder, or an S3
   * bucket. S3 credentials come from the secret store or the standard AWS chain (or `given`, when a copy is being
   * tested from the user interface); S3 bandwidth limits apply; retries wrap every backend.
   */
  async backendFor(location: string, mode: 'open' | 'create', given: { region: string; credentials: { accessKeyId: string; secretAccessKey: string } } | null = null): Promise<Backend> {
    const backend = await this.openBackendFor(location, mode, given);
    return this.options.wrapBackend ? this.options.wrapBackend(location, backend) : backend;
  }

  private async openBackendFor(location: string, mode: 'open' | 'create', given: { region: string; credentials: { accessKeyId: string; secretAccessKey: string } } | null): Promise<Backend> {
    const parsed = parseBackendLocation(location);
    if (parsed.type === 'local') return openBackend(location, { mode });
    const region = given?.region ?? this.regionFor(location);
    if (mode === 'create' && !given) {
      const acknowledged = (this.options.residencyAcknowledged ?? false) || (await this.storedResidencyAck(location));
      const decision = checkResidency(region, acknowledged, parsed.endpoint);
      if (decision.basis === 'acknowledged') this.pendingResidencyAck.set(location, { region, by: osUser(), at: this.clock.now().toISOString() });
    }
    const credentials = given?.credentials ?? (await this.s3Credentials(parsed.bucket));
    const { s3UploadBytesPerSecond: up, s3DownloadBytesPerSecond: down } = this.options;
    const s3: S3Access = {
      region,
      ...(credentials ? { credentials } : {}),
      ...(up ? { uploadBytesPerSecond: up } : {}),
      ...(down ? { downloadBytesPerSecond: down } : {}),
      ...(given ? { requestTimeoutMs: 15_000 } : {}),
    };
    return openBackend(location, { mode, s3 });
  }

  openPrimaryBackend(): Promise<Backend> {
    return this.backendFor(this.options.repo, 'open');
  }

  /** A replication target: opened when it holds the repository, created when it is empty. */
  async targetBackend(location: string): Promise<Backend> {
    try {
      return await this.backendFor(location, 'open');
    } catch (err) {
      if (isEngineError(err, 'REPO_MARKER_MISSING') || isEngineError(err, 'DEST_OFFLINE')) {
        try {
          return await this.backendFor(location, 'create');
        } catch (createErr) {
          if (isEngineError(createErr, 'REPO_ALREADY_EXISTS')) throw err; // not empty and not ours: the original error says why
          throw createErr;
        }
      }
      throw err;
    }
  }

  /** The bucket of an S3 location (null for a folder). */
  bucketOf(location: string): string | null {
    return bucketOf(location);
  }

  // --- data residency (LGPD) ---

  private async storedResidencyAck(location: string): Promise<boolean> {
    if (!this.repositoryOpened) return false;
    const catalog = await this.catalogIfAvailable();
    const acks = (catalog?.getSetting('residency.acknowledgements') as Record<string, unknown> | undefined) ?? {};
    return location in acks;
  }

  /** Records acknowledgements of regions outside Brazil in settings (LGPD): who, when, which region. */
  async saveResidencyAcks(): Promise<void> {
    if (this.pendingResidencyAck.size === 0) return;
    const catalog = await this.catalog();
    const acks = { ...((catalog.getSetting('residency.acknowledgements') as Record<string, JsonValue> | undefined) ?? {}) };
    for (const [loc, ack] of this.pendingResidencyAck) acks[loc] = ack;
    catalog.setSetting('residency.acknowledgements', acks, osUser());
    this.pendingResidencyAck.clear();
  }

  // --- files of the local state ---

  /** A small private file of the state folder, or null when it does not exist. */
  async readStateFile(repoId: string, name: string): Promise<string | null> {
    try {
      return await readFile(path.join(this.stateDir(repoId), name), 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw err;
    }
  }

  private closed = false;
  /** Set once close starts: no new background work. */
  closing = false;

  async close(): Promise<void> {
    this.closing = true;
    await this.usageRefresh?.catch(() => undefined);
    const repo = this.repoPromise;
    const catalog = this.catalogPromise;
    this.catalogPromise = null;
    this.repoPromise = null;
    await this.closeQuietly(repo, catalog);
    if (!this.closed) await (await this.poolHold).release();
    this.closed = true;
  }

  /** Closes what was opened; what failed to open has nothing to close. */
  private async closeQuietly(repo: Promise<Repository> | null, catalog: Promise<Catalog> | null): Promise<void> {
    const c = catalog
      ? await catalog.then(
          (x) => x,
          () => null,
        )
      : null;
    c?.close();
    const r = repo
      ? await repo.then(
          (x) => x,
          () => null,
        )
      : null;
    await r?.backend.close();
  }
}

/** The folder for local state when none is given: $XDG_STATE_HOME/clinic-backup or ~/.local/state/clinic-backup. */
export function defaultStateDir(): string {
  return path.join(process.env['XDG_STATE_HOME'] ?? path.join(os.homedir(), '.local', 'state'), 'clinic-backup');
}
