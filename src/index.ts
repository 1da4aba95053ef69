/**
 * The engine façade: createEngine(options) → Engine, the API every front end (CLI, serve, Electron) uses.
 * Front ends parse input and render output; every decision is made here or below.
 */
import { stat } from 'node:fs/promises';
import type { Locale } from './i18n/types.js';
import path from 'node:path';
import { LocalBackend } from './backend/local/localBackend.js';
import { S3Backend } from './backend/s3/s3Backend.js';
import { RetryBackend } from './backend/retry.js';
import { RateLimitBackend } from './backend/rateLimit.js';
import { checkResidency } from './backend/s3/residency.js';
import { prepareTarget, replicate as replicateFiles, type ReplicateResult } from './repository/replicate.js';
import { healFromCopy } from './repository/heal.js';
import { pruneRepository, type PruneResult } from './repository/prune.js';
import { applyRetention, assertForgetAllowed, explainForget, validateRetentionPolicy, type RetentionPolicy } from './policy/retention.js';
import { ejectDrive } from './backend/local/eject.js';
import { recoveryKitHtml, recoveryKitPdf } from './reports/recoveryKit.js';
import { AlertManager } from './alerts/manager.js';
import { renderAlert } from './alerts/render.js';
import { EmailChannel, type EmailChannelOptions } from './alerts/email.js';
import { WebhookChannel, type WebhookChannelOptions } from './alerts/webhook.js';
import type { AlertChannel } from './alerts/channel.js';
import type { AlertState, DestinationAlertState } from './alerts/rules.js';
import { runDoctor } from './doctor/doctor.js';
import { recordedDrill } from './drills/record.js';
import { drillDue } from './drills/schedule.js';
import { drillReportHtml, drillReportPdf, type DrillReportData } from './reports/drillReport.js';
import { drPlanHtml, drPlanPdf, type DrPlanData } from './reports/drPlan.js';
import { complianceHtml, compliancePdf, type ComplianceData } from './reports/compliance.js';
import { isBrazilianRegion, isPrivateEndpoint } from './backend/s3/residency.js';
import { renderDoctorCheck } from './doctor/render.js';
import type { DoctorDestinationInput } from './doctor/types.js';
import { copiesStatus } from './policy/copies.js';
import { parseLocation } from './backend/location.js';
import type { Backend } from './backend/types.js';
import { FILE_KINDS } from './backend/types.js';
import { encodeRecoveryKey, normalizeRecoveryWord, parseRecoveryKey, pickConfirmationWords, type RecoveryKeyLanguage } from './crypto/recoveryKey.js';
import { openSecretStore } from './secrets/index.js';
import { assertSecretName } from './secrets/names.js';
import { chmod, writeFile, unlink } from 'node:fs/promises';
import { Archiver, dedupParent, TOOL_VERSION } from './archiver/archiver.js';
import { backupFhir } from './archiver/fhirBackup.js';
import { migrateRepository, type MigrateResult } from './archiver/migrate.js';
import type { SourceAuth } from './source/fhir/auth.js';
import type { StrategyName } from './source/fhir/strategies.js';
import { readFile, mkdir } from 'node:fs/promises';
import os from 'node:os';
import { listNdjsonInputs, readNdjsonChunks } from './archiver/ndjson.js';
import { checkRepository } from './checker/checker.js';
import { codecName, CODEC_BROTLI, CODEC_ZSTD, zstdAvailable } from './repository/codec.js';
import type { KeyCredentials } from './repository/keys.js';
import { Repository } from './repository/repository.js';
import type { SnapshotRecord } from './repository/snapshot.js';
import { restoreToNdjson } from './restorer/ndjsonTarget.js';
import { listResources } from './restorer/listing.js';
import { readResource, readResources, snapshotRows, type ResourceRow } from './repository/reader.js';
import { executeFhirRestore, planFhirRestore, type FhirRestoreOptions } from './restorer/fhirTarget.js';
import { assertPatientExists, resolveSnapshot } from './restorer/select.js';
import { authProvider } from './source/fhir/auth.js';
import { FhirHttp } from './source/fhir/http.js';
import { probeCapabilities } from './source/fhir/capabilities.js';
import { restoreOrder, TIER_TYPES } from './policy/tiers.js';
import { backupHealthScore, compressionRate as compressionRateOf } from './policy/kpis.js';
import { SCHEDULE_PRESETS, validateSchedulePolicy, type SchedulePolicy } from './policy/schedule.js';
import { identifyDestination, mountedVolumes } from './backend/local/identify.js';
import { statfs } from 'node:fs/promises';
import { nextRunAt, describeSchedule } from './scheduler/nextRunAt.js';
import { JobRunner, type Job, type RunnerEvent } from './scheduler/runner.js';
import { acquireSchedulerLock } from './scheduler/schedulerLock.js';
import { createHash } from 'node:crypto';
import { Catalog } from './catalog/catalog.js';
import { verifyStoredAuditChain, type StoredAuditEntry } from './catalog/auditTrail.js';
import type { JsonValue } from './catalog/canonicalJson.js';
import type { FinishedStatus, RunCounts } from './catalog/types.js';
import { isEngineError, type ErrorCode } from './shared/errors.js';
import { resolveLocale, scrubSecrets, t } from './i18n/index.js';
import { FileSecretStore } from './secrets/fileStore.js';
import { assertKeychainUsable, KeychainSecretStore } from './secrets/keychainStore.js';
import { REPOSITORY_PASSWORD_SECRET } from './secrets/names.js';
import type { SecretStore } from './secrets/types.js';
import type {
  AddCopyRequest,
  AddCopyResult,
  PatientMatch,
  RetentionSetting,
  CopyOutcome,
  DestinationConfig,
  DestinationState,
  SourceAuthSetting,
  AppSettings,
  AuditLogEntry,
  DetectedDestination,
  SourceProbe,
  EngineEvent,
  StatusSummary,
  StatusAlert,
  HealthState,
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
import { Listeners } from './shared/listeners.js';
import { WorkerPool } from './pool/index.js';

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
  /** Headless use with a password file: folder holding other credentials, one 0600 file each. */
  readonly secretsDir?: string;
  /** Language of the text the engine writes (status reasons, alerts); pt-BR by default. */
  readonly locale?: Locale;
  /** S3 region for `s3:` locations (default: AWS_REGION, AWS_DEFAULT_REGION, else sa-east-1). */
  readonly s3Region?: string;
  /** The clinic accepted storing health data outside Brazil (LGPD); needed for such S3 regions. */
  readonly residencyAcknowledged?: boolean;
  /** Bandwidth limits for S3 destinations (bytes per second), so backups do not saturate the clinic's link. */
  readonly s3UploadBytesPerSecond?: number;
  readonly s3DownloadBytesPerSecond?: number;
  /** Other copies of this repository: replicated after every backup, used by `check --repair`. */
  readonly copies?: readonly (string | DestinationConfig)[];
  /** Folder for local state (export jobs in progress, catalog). Default: $XDG_STATE_HOME/clinic-backup or ~/.local/state/clinic-backup. */
  readonly stateDir?: string;
}

/** How to authenticate to a FHIR source. Secret values come from files (never from argv) or named secrets. */
export type SourceAuthRequest = SourceAuthSetting;

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
  rotateRecoveryKey(language?: RecoveryKeyLanguage): Promise<{ repoId: string; location: string; slot: KeySlotSummary; recoveryKey: string[][]; confirmPositions: [number, number] }>;
  /** A new recovery key (old ones stop working) with its printable kit as HTML and PDF. */
  makeRecoveryKit(language?: RecoveryKeyLanguage): Promise<{ repoId: string; slot: KeySlotSummary; recoveryKey: string[][]; confirmPositions: [number, number]; html: string; pdf: Buffer }>;
  recoveryKitStatus(): Promise<{ confirmed: boolean; confirmedAt: string | null; createdAt: string | null; positions: [number, number] | null }>;
  /** The confirmation ceremony: the user types back the two words asked for. */
  confirmRecoveryKit(answers: readonly { position: number; word: string }[]): Promise<{ confirmedAt: string }>;
  /** Recovery on a new machine with the printed recovery key alone. */
  connect(request: { recoveryKey: string; useKeychain: boolean }): Promise<{ repoId: string; location: string; slot: KeySlotSummary; snapshots: number }>;
  /** Names of stored credentials (never values). */
  listSecrets(): Promise<string[]>;
  /** Stores or rotates a credential; takes effect on the next run. */
  setSecret(name: string, value: string): Promise<void>;
  deleteSecret(name: string): Promise<boolean>;
  /** Recreates the local catalog's snapshot cache from the repository (the source of truth). */
  rebuildCatalog(): Promise<{ snapshots: number }>;
  replicate(request: { to: string; from?: string }, options?: LongOperationOptions): Promise<ReplicateResult>;
  /** State of the configured copies (last update, newest snapshot held, USB rotation overdue). */
  destinations(): Promise<DestinationState[]>;
  /** Adds a copy (bucket, NAS, USB drive) after testing it with the credentials given; nothing is saved on failure. */
  addCopy(request: AddCopyRequest, options?: LongOperationOptions): Promise<AddCopyResult>;
  /** Stops keeping a copy added with addCopy (its data is left in place). */
  removeCopy(location: string): Promise<{ removed: boolean }>;
  /** Patients of a snapshot matching a name or id, for the one-patient restore. */
  findPatients(request: { snapshot?: string; query: string; limit?: number }): Promise<{ snapshotId: string; patients: PatientMatch[]; total: number }>;
  checkAndRepair(request: { from?: readonly string[]; readData?: boolean }, options?: LongOperationOptions): Promise<CheckResult & { repaired: string[]; unrepaired: { file: string; reason: string }[] }>;
  /** Status, KPIs and health for the status command, the dashboard and the tray. */
  status(): Promise<StatusSummary>;
  /** Subscribes to engine events (progress, runs); returns the unsubscribe function. */
  subscribe(listener: (event: EngineEvent) => void): () => void;
  /** Tests a FHIR source (reachable, authorised, R4) without backing it up. */
  probeSource(request: { source: string; auth: SourceAuthRequest }): Promise<SourceProbe>;
  /** Candidate local destinations (mounted drives and shares) and what each holds. */
  detectDestinations(): Promise<DetectedDestination[]>;
  getSettings(): Promise<AppSettings>;
  /** Validates and stores settings; INVALID_SETTINGS names the fields at fault and nothing is saved. */
  updateSettings(patch: Partial<AppSettings>): Promise<AppSettings>;
  /** Backs up the configured source now. */
  backupNow(options?: LongOperationOptions): Promise<BackupResult & { strategy: StrategyName; requests: number }>;
  auditLog(limit?: number): Promise<AuditLogEntry[]>;
  /**
   * Applies the retention policy (GFS with the legal floor for medical records). With dryRun, only explains
   * each snapshot's fate. A policy below the legal floor is refused.
   */
  forget(request: { policy?: RetentionPolicy; dryRun: boolean }): Promise<{ decisions: { id: string; time: string; keep: boolean; explanation: string }[]; removed: string[] }>;
  /** Removes data no snapshot references (exclusive lock, crash-safe, Object-Lock aware). */
  prune(request?: { dryRun?: boolean }, options?: LongOperationOptions): Promise<PruneResult>;
  /** Converts a version 1 repository to format version 2 in place (resumable; docs/format.md §21.4). */
  migrate(options?: LongOperationOptions): Promise<MigrateResult>;
  /**
   * The monthly restore test: restores a snapshot (from the offsite copy when one is configured, since that is
   * what a disaster leaves) into a fresh sandbox FHIR server, validates it and records the result.
   */
  drill(request?: { snapshot?: string; target?: string; allowFallback?: boolean }, options?: LongOperationOptions): Promise<{ id: number; status: string; integrityScore: number | null; recoveryTimeMs: number | null; resourcesRestored: number; usedCopy: string | null }>;
  listDrills(): Promise<{ id: number; startedAt: string; status: string; integrityScore: number | null; recoveryTimeMs: number | null; resourcesRestored: number }[]>;
  /** The disaster-recovery plan or the compliance summary, generated from the actual configuration. */
  configurationReport(kind: 'dr-plan' | 'compliance'): Promise<{ html: string; pdf: Buffer }>;
  /** A drill's report as HTML and PDF. */
  drillReport(id: number): Promise<{ html: string; pdf: Buffer }>;
  /** The schedules with their text and next run. */
  schedules(): Promise<{ name: string; policy: SchedulePolicy; description: string; nextAt: string }[]>;
  /**
   * Runs the scheduler in the foreground until the signal fires: backups, a weekly data-check slice, monthly
   * drills when available, and alert evaluation. One scheduler per repository and machine (a second refuses).
   */
  runScheduler(options: { signal: AbortSignal; onEvent?: (event: RunnerEvent) => void }): Promise<void>;
  /** Evaluates the alert rules now and delivers what is due (also done after every run). */
  checkAlerts(): Promise<{ raised: number; cleared: number; active: number; delivered: number; failed: number }>;
  /** Sends a test alert through a configured channel ("email" or "webhook"). */
  sendTestAlert(channel: string): Promise<{ channel: string; sentAt: string }>;
  /** The SOP-019 §9 checklist, each check with plain-language text and a fix. */
  doctor(): Promise<{ ok: boolean; checks: { id: string; subject: string | null; status: string; severity: string; title: string; detail: string; fix: string | null }[] }>;
  close(): Promise<void>;
}

export function summarizeSnapshot(s: SnapshotRecord): SnapshotSummary {
  const m = s.manifest;
  return {
    id: s.id,
    shortId: s.id.slice(0, 8),
    time: m.time,
    hostname: m.hostname,
    source: { kind: m.source.kind, location: m.source.location, strategy: m.source.strategy ?? m.source.kind },
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

function osUser(): string {
  try {
    return os.userInfo().username;
  } catch {
    return 'unknown';
  }
}

interface RunSummary extends RunCounts {
  readonly status?: FinishedStatus;
  readonly snapshotId?: string | null;
}

const DAY_MS = 24 * 3600_000;
/** Default RPO of the daily status check (SOP-019 §6.3, ARCHITECTURE §7): last success older than this is stale. */
export const DEFAULT_RPO_MS = DAY_MS;

class EngineImpl implements Engine {
  private readonly listeners = new Listeners<EngineEvent>();
  private readonly runningRuns = new Map<number, { kind: string; since: string }>();
  /** Acknowledgements given at setup for regions outside Brazil, stored in settings once the catalog exists. */
  private readonly pendingResidencyAck = new Map<string, { region: string; by: string; at: string }>();
  private repoPromise: Promise<Repository> | null = null;
  private catalogPromise: Promise<Catalog> | null = null;
  /** Copies added from the user interface (settings "copies"), loaded with the catalog. */
  private storedCopies: DestinationConfig[] = [];
  private storePromise: Promise<SecretStore> | null = null;
  private closed = false;
  readonly location: string;

  constructor(private readonly options: EngineOptions) {
    const loc = parseLocation(options.repo);
    this.location = loc.type === 'local' ? path.resolve(loc.path) : options.repo;
    WorkerPool.retain();
  }

  /**
   * Opens (or, for init and new replication targets, creates) the backend of a location: a folder, or an S3
   * bucket (`s3:https://host[:port]/bucket/prefix`, `s3:bucket/prefix` for AWS). S3 credentials come from the
   * standard AWS environment/profile chain; retries wrap every backend.
   */
  private async backendFor(location: string, mode: 'open' | 'create', given: { region: string; credentials: { accessKeyId: string; secretAccessKey: string } } | null = null): Promise<Backend> {
    const loc = parseLocation(location);
    if (loc.type === 'local') {
      const p = path.resolve(loc.path);
      return new RetryBackend(mode === 'create' ? await LocalBackend.create(p) : await LocalBackend.open(p));
    }
    const region = given?.region ?? this.regionFor(location);
    if (mode === 'create' && !given) {
      const acknowledged = (this.options.residencyAcknowledged ?? false) || (await this.storedResidencyAck(location));
      const decision = checkResidency(region, acknowledged, loc.endpoint);
      if (decision.basis === 'acknowledged') this.pendingResidencyAck.set(location, { region, by: osUser(), at: new Date().toISOString() });
    }
    const credentials = given?.credentials ?? (await this.s3Credentials(loc.bucket));
    // A destination being tested from the user interface answers within seconds or is reported unreachable.
    const opts = { bucket: loc.bucket, prefix: loc.prefix, region, ...(loc.endpoint ? { endpoint: loc.endpoint, forcePathStyle: true } : {}), ...(credentials ? { credentials } : {}), ...(given ? { requestTimeoutMs: 15_000 } : {}) };
    const s3 = mode === 'create' ? await S3Backend.create(opts) : await S3Backend.open(opts);
    const { s3UploadBytesPerSecond: up, s3DownloadBytesPerSecond: down } = this.options;
    const limited = up || down ? new RateLimitBackend(s3, { ...(up ? { writeBytesPerSecond: up } : {}), ...(down ? { readBytesPerSecond: down } : {}) }) : s3;
    return new RetryBackend(limited);
  }

  /**
   * The configured copies: those given to the engine (CLI flags, environment), with kinds inferred from plain
   * locations (s3: offsite; drives under /media etc.: USB), then those added from the user interface, which
   * are known once the catalog is open (callers that may run before it open it first).
   */
  private copies(): DestinationConfig[] {
    const given = (this.options.copies ?? []).map((c): DestinationConfig => {
      if (typeof c !== 'string') return c;
      if (c.startsWith('s3:')) return { location: c, kind: 's3', offsite: true };
      const usb = /^(\/media\/|\/run\/media\/|\/Volumes\/|[D-Z]:\\)/.test(path.resolve(c));
      return { location: path.resolve(c), kind: usb ? 'usb' : 'nas', eject: false };
    });
    return [...given, ...this.storedCopies.filter((c) => !given.some((g) => g.location === c.location))];
  }

  private defaultRegion(): string {
    return this.options.s3Region ?? process.env['AWS_REGION'] ?? process.env['AWS_DEFAULT_REGION'] ?? 'sa-east-1';
  }

  /** The S3 region of a location: the copy's own (added from the user interface), else the engine's. */
  private regionFor(location: string): string {
    return this.copies().find((c) => c.location === location)?.region ?? this.defaultRegion();
  }

  /**
   * After a snapshot is committed: brings every configured copy up to date. An unplugged drive is offline
   * (reported, not a failure); a full or failing destination makes the run partial while the others complete.
   */
  private async replicateCopies(repo: Repository, options: LongOperationOptions): Promise<CopyOutcome[]> {
    const catalog = await this.catalog();
    await this.refreshSnapshotCache(catalog, repo);
    const outcomes: CopyOutcome[] = [];
    for (const copy of this.copies()) {
      const id = createHash('sha256').update(copy.location).digest('hex').slice(0, 16);
      catalog.upsertDestination({ id, location: copy.location, kind: copy.kind === 's3' ? 's3' : 'local', label: copy.label ?? `${copy.kind}:${copy.location}`, repoId: repo.id });
      let backend: Backend;
      try {
        backend = await this.targetBackend(copy.location);
      } catch (err) {
        const code = isEngineError(err) ? err.code : 'INTERNAL';
        const offline = code === 'DEST_OFFLINE' || code === 'REPO_MARKER_MISSING';
        catalog.recordDestinationStatus(id, { ok: false, errorCode: code, offline });
        outcomes.push({ location: copy.location, state: offline ? 'offline' : 'failed', copied: 0, errorCode: code, ejected: null });
        continue;
      }
      try {
        const r = await replicateFiles(repo.backend, backend, { signal: options.signal, onProgress: options.onProgress });
        const cap = await backend.capacity().catch(() => null);
        catalog.recordDestinationStatus(id, { ok: r.complete, errorCode: r.stopped?.code ?? r.failed[0]?.code ?? null, capacityTotal: cap?.totalBytes ?? null, capacityFree: cap?.freeBytes ?? null, offline: false });
        let ejected: boolean | null = null;
        if (r.complete) {
          const snaps = catalog.listSnapshots();
          catalog.replaceSnapshots(snaps.map((s) => ({ ...s, destinations: [...new Set([...s.destinations, copy.location])] })));
          if (copy.kind === 'usb' && copy.eject) ejected = (await ejectDrive(copy.location)).ejected;
        }
        outcomes.push({ location: copy.location, state: r.complete ? 'ok' : 'partial', copied: r.copied, errorCode: r.complete ? null : (r.stopped?.code ?? r.failed[0]?.code ?? null), ejected });
      } catch (err) {
        if (isEngineError(err, 'CANCELLED')) throw err;
        const code = isEngineError(err) ? err.code : 'INTERNAL';
        catalog.recordDestinationStatus(id, { ok: false, errorCode: code, offline: code === 'DEST_OFFLINE' });
        outcomes.push({ location: copy.location, state: code === 'DEST_OFFLINE' ? 'offline' : 'failed', copied: 0, errorCode: code, ejected: null });
      } finally {
        await backend.close();
      }
    }
    return outcomes;
  }

  /** State of every configured copy: last update, newest snapshot held, USB rotation overdue. */
  async destinations(): Promise<DestinationState[]> {
    const catalog = await this.catalog();
    const now = Date.now();
    const snaps = catalog.listSnapshots();
    return this.copies().map((copy) => {
      const id = createHash('sha256').update(copy.location).digest('hex').slice(0, 16);
      const rec = catalog.getDestination(id);
      const held = snaps.filter((s) => s.destinations.includes(copy.location)).sort((a, b) => b.time.localeCompare(a.time))[0];
      const rotateMs = (copy.rotateDays ?? 7) * DAY_MS;
      const overdue = copy.kind === 'usb' ? !rec?.lastSuccessAt || now - Date.parse(rec.lastSuccessAt) > rotateMs : false;
      return { location: copy.location, kind: copy.kind, label: copy.label ?? copy.location, lastSuccessAt: rec?.lastSuccessAt ?? null, offline: rec?.offline ?? false, errorCode: rec?.lastErrorCode ?? null, latestSnapshot: held?.id ?? null, overdue };
    });
  }

  /**
   * Adds a copy of this repository from the user interface (setup wizard, destinations screen). The
   * destination is tested first with the credentials given (reach, permission, region, residency, holds this
   * repository or nothing) and its marker written; only then are the credentials stored in the secret store
   * and the copy saved in settings. On any failure nothing is saved. The content follows with the next backup.
   */
  async addCopy(request: AddCopyRequest, options: LongOperationOptions = {}): Promise<AddCopyResult> {
    const repo = await this.repo();
    const catalog = await this.catalog();
    const { config, given, residency } = copyConfigOf(request);
    if (config.location === this.location || this.copies().some((c) => c.location === config.location)) {
      throw new EngineError('INVALID_ARGUMENT', { field: request.kind === 's3' ? 'bucket' : 'path', reason: 'already a copy of this repository' });
    }
    let backend: Backend;
    try {
      backend = await this.backendFor(config.location, 'open', given);
    } catch (err) {
      if (!isEngineError(err, 'REPO_MARKER_MISSING') && !(request.kind !== 's3' && isEngineError(err, 'DEST_OFFLINE'))) throw err;
      backend = await this.backendFor(config.location, 'create', given);
    }
    let existing: boolean;
    try {
      existing = (await prepareTarget(repo.backend, backend, options.signal)).existing;
    } finally {
      await backend.close();
    }
    if (given && request.kind === 's3') {
      const store = await this.credentialStore();
      await store.set(`s3:${request.bucket}:access-key-id`, given.credentials.accessKeyId);
      await store.set(`s3:${request.bucket}:secret-access-key`, given.credentials.secretAccessKey);
    }
    const actor = osUser();
    if (residency === 'acknowledged' && given) {
      const acks = { ...((catalog.getSetting('residency.acknowledgements') as Record<string, JsonValue> | undefined) ?? {}) };
      acks[config.location] = { region: given.region, by: actor, at: new Date().toISOString() };
      catalog.setSetting('residency.acknowledgements', acks, actor);
    }
    this.storedCopies = [...storedCopiesOf(catalog), config];
    catalog.setSetting('copies', this.storedCopies as unknown as JsonValue, actor);
    await this.auditTo(catalog, repo, 'copy.added', { location: config.location, kind: config.kind, existing, residency });
    this.emit({ type: 'status-changed' });
    return { location: config.location, kind: config.kind, label: config.label ?? config.location, existing, residency };
  }

  /** Stops keeping a copy added from the user interface. Its data stays where it is; its credentials are forgotten. */
  async removeCopy(location: string): Promise<{ removed: boolean }> {
    const repo = await this.repo();
    const catalog = await this.catalog();
    const stored = storedCopiesOf(catalog);
    const copy = stored.find((c) => c.location === location);
    if (!copy) {
      if (this.copies().some((c) => c.location === location)) throw new EngineError('INVALID_ARGUMENT', { field: 'location', reason: 'this copy is given on the command line or in the environment' });
      return { removed: false };
    }
    this.storedCopies = stored.filter((c) => c.location !== location);
    catalog.setSetting('copies', this.storedCopies as unknown as JsonValue, osUser());
    const parsed = parseLocation(location);
    if (parsed.type === 's3' && !this.storedCopies.some((c) => c.location.startsWith('s3:') && (parseLocation(c.location) as { bucket?: string }).bucket === parsed.bucket)) {
      const store = await this.credentialStore().catch(() => null);
      await store?.delete(`s3:${parsed.bucket}:access-key-id`).catch(() => false);
      await store?.delete(`s3:${parsed.bucket}:secret-access-key`).catch(() => false);
    }
    await this.auditTo(catalog, repo, 'copy.removed', { location });
    this.emit({ type: 'status-changed' });
    return { removed: true };
  }

  /** The patients of the snapshot searched last, with their names folded for matching (read once per snapshot). */
  private readonly patientCache = new Map<string, { patient: PatientMatch; words: string[] }[]>();

  /**
   * Patients of a snapshot whose name (accents and case ignored, each word a prefix) or id matches the
   * query, sorted by name. Names are read from the backed-up Patient resources once per snapshot.
   */
  async findPatients(request: { snapshot?: string; query: string; limit?: number }): Promise<{ snapshotId: string; patients: PatientMatch[]; total: number }> {
    const repo = await this.repo();
    const snap = await resolveSnapshot(repo, { snapshot: request.snapshot ?? 'latest' });
    let all = this.patientCache.get(snap.id);
    if (!all) {
      await repo.loadIndex();
      const rows: ResourceRow[] = [];
      for await (const row of snapshotRows(repo, snap, { types: ['Patient'] })) rows.push(row);
      all = [];
      for await (const d of readResources(repo, rows)) {
        if (d.error) throw d.error;
        let resource: { name?: unknown; birthDate?: unknown } = {};
        try {
          resource = JSON.parse(d.bytes.toString('utf8')) as typeof resource;
        } catch (err) {
          if (!(err instanceof SyntaxError)) throw err;
        }
        const name = patientName(resource.name);
        all.push({ patient: { id: d.row.id, name, birthDate: typeof resource.birthDate === 'string' ? resource.birthDate : null }, words: foldText(name).split(/\s+/) });
      }
      all.sort((a, b) => a.patient.name.localeCompare(b.patient.name) || a.patient.id.localeCompare(b.patient.id));
      this.patientCache.clear();
      this.patientCache.set(snap.id, all);
    }
    const words = foldText(request.query).split(/\s+/).filter(Boolean);
    const limit = Math.max(1, Math.min(100, request.limit ?? 20));
    const matches = words.length === 0 ? all : all.filter((p) => (words.length === 1 && p.patient.id.toLowerCase().includes(words[0] as string)) || words.every((w) => p.words.some((n) => n.startsWith(w))));
    return { snapshotId: snap.id, patients: matches.slice(0, limit).map((m) => m.patient), total: matches.length };
  }

  /**
   * S3 credentials: in the desktop app (host-supplied store) only from that store; in the CLI the standard AWS
   * environment/profile chain when set, else the stored secrets "s3:<bucket>:access-key-id" / ":secret-access-key".
   */
  private async s3Credentials(bucket: string): Promise<{ accessKeyId: string; secretAccessKey: string } | undefined> {
    if (!this.options.secretStore && (process.env['AWS_ACCESS_KEY_ID'] || process.env['AWS_PROFILE'])) return undefined;
    const store = await this.credentialStore().catch(() => null);
    const accessKeyId = await store?.get(`s3:${bucket}:access-key-id`).catch(() => null);
    const secretAccessKey = await store?.get(`s3:${bucket}:secret-access-key`).catch(() => null);
    return accessKeyId && secretAccessKey ? { accessKeyId, secretAccessKey } : undefined;
  }

  private async storedResidencyAck(location: string): Promise<boolean> {
    if (!this.repoPromise) return false;
    const acks = ((await this.catalog().catch(() => null))?.getSetting('residency.acknowledgements') as Record<string, unknown> | undefined) ?? {};
    return location in acks;
  }

  /** Records acknowledgements of regions outside Brazil in settings (LGPD): who, when, which region. */
  private async saveResidencyAcks(): Promise<void> {
    if (this.pendingResidencyAck.size === 0) return;
    const catalog = await this.catalog();
    const acks = { ...((catalog.getSetting('residency.acknowledgements') as Record<string, JsonValue> | undefined) ?? {}) };
    for (const [loc, ack] of this.pendingResidencyAck) acks[loc] = ack;
    catalog.setSetting('residency.acknowledgements', acks, osUser());
    this.pendingResidencyAck.clear();
  }

  /** A replication target: opened when it holds the repository, created when it is empty. */
  private async targetBackend(location: string): Promise<Backend> {
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

  /** Where credentials for sources and destinations live: the host's store, the keychain, or (headless) the user's secrets folder. */
  private credentialStore(): Promise<SecretStore> {
    if (this.options.secretStore || !this.options.passwordFile) return this.secretStore();
    return openSecretStore({ kind: 'file', passwordFile: this.options.passwordFile, ...(this.options.secretsDir ? { secretsDir: this.options.secretsDir } : {}) });
  }

  async listSecrets(): Promise<string[]> {
    return (await (await this.credentialStore()).list()).filter((n) => !n.startsWith('repo-') && n !== REPOSITORY_PASSWORD_SECRET).sort();
  }

  async setSecret(name: string, value: string): Promise<void> {
    assertSecretName(name);
    if (name.startsWith('repo-')) throw new EngineError('INVALID_ARGUMENT', { field: 'secret name', reason: 'names starting with "repo-" are reserved' });
    const existed = (await (await this.credentialStore()).get(name)) !== null;
    await (await this.credentialStore()).set(name, value);
    await this.audit(existed ? 'secret.rotate' : 'secret.set', { name }).catch(() => undefined);
  }

  async deleteSecret(name: string): Promise<boolean> {
    assertSecretName(name);
    const deleted = await (await this.credentialStore()).delete(name);
    if (deleted) await this.audit('secret.delete', { name }).catch(() => undefined);
    return deleted;
  }

  private challengeName(repoId: string): string {
    return `repo-${repoId}-kit-challenge`;
  }

  /** Remembers two words of a freshly shown recovery key so the user can prove the kit was written down. */
  private async storeKitChallenge(repoId: string, lines: string[][]): Promise<[number, number]> {
    const { positions } = pickConfirmationWords(lines);
    const words = lines.flat();
    const challenge = JSON.stringify({ positions, words: positions.map((p) => normalizeRecoveryWord(words[p - 1] as string)) });
    const store = await this.credentialStore();
    try {
      await store.set(this.challengeName(repoId), challenge);
    } catch (err) {
      // A password-file store without a secrets folder cannot hold it: a 0600 file in the local state folder does.
      if (!isEngineError(err)) throw err;
      const file = path.join(this.stateDir(repoId), 'kit-challenge.json');
      await mkdir(path.dirname(file), { recursive: true });
      await writeFile(file, challenge, { mode: 0o600 });
      await chmod(file, 0o600);
    }
    const catalog = await this.catalog();
    catalog.setSetting('recoveryKit.confirmedAt', null);
    catalog.setSetting('recoveryKit.createdAt', new Date().toISOString());
    await this.mirrorAudit(catalog, await this.repo());
    return positions;
  }

  async makeRecoveryKit(language: RecoveryKeyLanguage = 'pt-BR'): Promise<{ repoId: string; slot: KeySlotSummary; recoveryKey: string[][]; confirmPositions: [number, number]; html: string; pdf: Buffer }> {
    const r = await this.rotateRecoveryKey(language);
    const data = {
      repoId: r.repoId,
      locations: [this.location, ...this.copies().map((c) => c.location)],
      createdAt: r.slot.created,
      recoveryKey: r.recoveryKey,
      slotId: r.slot.id,
      toolVersion: TOOL_VERSION,
    };
    return { repoId: r.repoId, slot: r.slot, recoveryKey: r.recoveryKey, confirmPositions: r.confirmPositions, html: recoveryKitHtml(data, language), pdf: await recoveryKitPdf(data, language) };
  }

  async recoveryKitStatus(): Promise<{ confirmed: boolean; confirmedAt: string | null; createdAt: string | null; positions: [number, number] | null }> {
    const repo = await this.repo();
    const catalog = await this.catalog();
    const confirmedAt = (catalog.getSetting('recoveryKit.confirmedAt') as string | null | undefined) ?? null;
    const createdAt = (catalog.getSetting('recoveryKit.createdAt') as string | null | undefined) ?? null;
    const challenge = await this.loadKitChallenge(repo.id);
    return { confirmed: confirmedAt !== null, confirmedAt, createdAt, positions: challenge?.positions ?? null };
  }

  private async loadKitChallenge(repoId: string): Promise<{ positions: [number, number]; words: string[] } | null> {
    const fromStore = await (await this.credentialStore()).get(this.challengeName(repoId)).catch(() => null);
    const text = fromStore ?? (await readFile(path.join(this.stateDir(repoId), 'kit-challenge.json'), 'utf8').catch(() => null));
    return text ? (JSON.parse(text) as { positions: [number, number]; words: string[] }) : null;
  }

  async confirmRecoveryKit(answers: readonly { position: number; word: string }[]): Promise<{ confirmedAt: string }> {
    const repo = await this.repo();
    const challenge = await this.loadKitChallenge(repo.id);
    if (!challenge) throw new EngineError('NOT_FOUND', { what: 'recovery kit to confirm (make one with "recovery-kit")' });
    const ok =
      answers.length === challenge.positions.length &&
      challenge.positions.every((p, i) => answers.some((a) => a.position === p && normalizeRecoveryWord(a.word) === challenge.words[i]));
    if (!ok) throw new EngineError('CONFIRMATION_MISMATCH');
    const confirmedAt = new Date().toISOString();
    (await this.catalog()).setSetting('recoveryKit.confirmedAt', confirmedAt);
    await (await this.credentialStore()).delete(this.challengeName(repo.id)).catch(() => false);
    await unlink(path.join(this.stateDir(repo.id), 'kit-challenge.json')).catch(() => undefined);
    await this.audit('recovery-kit.confirmed', { positions: [...challenge.positions] });
    return { confirmedAt };
  }

  /**
   * Recovery on a new machine: opens the repository with the printed recovery key alone, adds a key slot for
   * this machine (keychain, or the password file's passphrase when headless), and rebuilds the local catalog.
   */
  async connect(request: { recoveryKey: string; useKeychain: boolean }): Promise<{ repoId: string; location: string; slot: KeySlotSummary; snapshots: number }> {
    const key = parseRecoveryKey(request.recoveryKey);
    const backend = await this.openBackend();
    const repo = await Repository.open(backend, { recoveryKey: Buffer.from(key) });
    this.repoPromise = Promise.resolve(repo);
    const lock = await repo.lock('exclusive', 'connect');
    try {
      const passphrase = await this.passphraseFromFile();
      let slot: KeySlotSummary;
      if (request.useKeychain) slot = (await repo.addKey('keychain', { secretStore: await this.secretStore() })).slot;
      else if (passphrase) {
        const opens = await Repository.open(backend, { passphrase }).then(() => true, () => false);
        slot = opens ? ((await repo.listKeys()).find((k) => k.kind === 'passphrase') as KeySlotSummary) : (await repo.addKey('passphrase', { passphrase })).slot;
      } else throw new EngineError('INVALID_ARGUMENT', { field: 'key', reason: 'use the keychain or a password file' });
      const { snapshots } = await this.rebuildCatalog();
      await this.audit('repository.connect', { slot: slot.id, kind: slot.kind });
      return { repoId: repo.id, location: this.location, slot, snapshots };
    } finally {
      await lock.release();
    }
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
    return this.backendFor(this.options.repo, 'open');
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
    const backend = await this.backendFor(this.options.repo, 'create');
    const { repo, recoveryKey, slots } = await Repository.init(backend, { passphrase, secretStore });
    this.repoPromise = Promise.resolve(repo);
    await this.audit('repository.init', { repoId: repo.id, location: this.location, slots: slots.map((s) => `${s.kind}:${s.id}`) });
    await this.saveResidencyAcks();
    const lines = recoveryKey ? encodeRecoveryKey(recoveryKey, request.recoveryLanguage ?? 'pt-BR') : null;
    const confirmPositions = lines ? await this.storeKitChallenge(repo.id, lines) : null;
    return { repoId: repo.id, location: this.location, slots, recoveryKey: lines, confirmPositions };
  }

  backupNdjson(input: string, options: LongOperationOptions & { tags?: readonly string[] } = {}): Promise<BackupResult> {
    return this.track('backup', () => this.withCopies(this.runBackupNdjson(input, options), options), backupSummary);
  }

  private async withCopies<T extends BackupResult>(backup: Promise<T>, options: LongOperationOptions): Promise<T> {
    const result = await backup;
    if (this.copies().length === 0) return result;
    return { ...result, copies: await this.replicateCopies(await this.repo(), options) };
  }

  private async runBackupNdjson(input: string, options: LongOperationOptions & { tags?: readonly string[] }): Promise<BackupResult> {
    const started = Date.now();
    const files = await listNdjsonInputs(input);
    const location = path.resolve(input);
    const repo = await this.repo();
    const lock = await repo.lock('shared', 'backup');
    try {
      const previous = await repo.listSnapshots(options.signal);
      const parent = dedupParent(previous, (s) => s.manifest.source.kind === 'ndjson' && s.manifest.source.location === location);
      const archiver = new Archiver(repo, {
        source: { kind: 'ndjson', location, strategy: 'files' },
        mode: 'full',
        parent,
        tags: options.tags,
        signal: options.signal,
        onProgress: options.onProgress,
        snapshots: previous,
      });
      await archiver.begin();
      try {
        for (const file of files) for await (const chunk of readNdjsonChunks(file, options.signal)) await archiver.addChunk(chunk);
      } catch (err) {
        await archiver.close();
        throw err;
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

  /** The local catalog of this repository (cache + history). Rebuilt from the repository when new or damaged. */
  private catalog(): Promise<Catalog> {
    this.catalogPromise ??= (async () => {
      const repo = await this.repo();
      const dir = this.stateDir(repo.id);
      await mkdir(dir, { recursive: true });
      const opened = Catalog.open(path.join(dir, 'catalog.sqlite'));
      this.storedCopies = storedCopiesOf(opened.catalog);
      if (opened.rebuilt || opened.catalog.listSnapshots(1).length === 0) await this.refreshSnapshotCache(opened.catalog, repo);
      // A new or rebuilt catalog continues the audit trail kept in the repository (the source of truth).
      if (opened.catalog.listAudit({ limit: 1 }).length === 0) {
        const stored = await repo.readAuditEntries();
        if (stored.entries.length > 0 && stored.damaged.length === 0 && verifyStoredAuditChain(stored.entries).ok) {
          const imported = opened.catalog.importAudit(dedupeAudit(stored.entries as StoredAuditEntry[]));
          await this.saveMirroredSeq(repo, imported);
        } else await this.saveMirroredSeq(repo, 0);
      }
      if (opened.rebuilt) await this.auditTo(opened.catalog, repo, 'catalog.rebuilt', { reason: opened.reason ?? 'unknown', movedTo: opened.movedTo ?? null });
      return opened.catalog;
    })();
    this.catalogPromise.catch(() => (this.catalogPromise = null));
    return this.catalogPromise;
  }

  private async refreshSnapshotCache(catalog: Catalog, repo: Repository): Promise<number> {
    const snaps = await repo.listSnapshots();
    // Which copies hold a snapshot is local knowledge: keep it for snapshots already known.
    const known = new Map(catalog.listSnapshots().map((s) => [s.id, s.destinations]));
    catalog.replaceSnapshots(
      snaps.map((s) => ({ id: s.id, time: s.manifest.time, parent: s.manifest.parent, source: s.manifest.source.location, counts: s.manifest.counts, destinations: [...new Set([this.location, ...(known.get(s.id) ?? [])])] })),
    );
    return snaps.length;
  }

  private async auditTo(catalog: Catalog, repo: Repository, action: string, details: JsonValue): Promise<void> {
    catalog.appendAudit({ actor: osUser(), action, details });
    await this.mirrorAudit(catalog, repo);
  }

  /** How far the audit trail was mirrored, per copy of the repository (each destination receives every entry). */
  private mirrorStateFile(repoId: string, location: string): string {
    return path.join(this.stateDir(repoId), `audit-mirror-${createHash('sha256').update(location).digest('hex').slice(0, 16)}.json`);
  }

  private async saveMirroredSeq(repo: Repository, seq: number): Promise<void> {
    await writeFile(this.mirrorStateFile(repo.id, repo.backend.location), JSON.stringify({ mirroredSeq: seq, location: repo.backend.location }));
  }

  /**
   * Copies every catalog audit entry not yet in the repository into audit/ (the catalog also audits its own
   * settings changes). A crash between the copy and the bookkeeping only duplicates an identical entry.
   */
  private async mirrorAudit(catalog: Catalog, repo: Repository): Promise<void> {
    // A copy not seen before gets the whole trail; entries it already holds (e.g. replicated) are identical duplicates.
    const text = await readFile(this.mirrorStateFile(repo.id, repo.backend.location), 'utf8').catch(() => '{"mirroredSeq":0}');
    let seq = (JSON.parse(text) as { mirroredSeq?: number }).mirroredSeq ?? 0;
    for (;;) {
      const batch = catalog.listAudit({ afterSeq: seq, limit: 500 });
      if (batch.length === 0) break;
      for (const e of batch) await repo.writeAuditEntry(e);
      seq = (batch[batch.length - 1] as { seq: number }).seq;
      await this.saveMirroredSeq(repo, seq);
    }
  }

  /** Appends to the audit trail: the local catalog and the repository's audit/ (so it survives the PC). */
  private async audit(action: string, details: JsonValue): Promise<void> {
    await this.auditTo(await this.catalog(), await this.repo(), action, details);
  }

  subscribe(listener: (event: EngineEvent) => void): () => void {
    return this.listeners.add(listener);
  }

  private emit(event: EngineEvent): void {
    this.listeners.emit(event);
  }

  /** After every run: alerts evaluated and delivered (an unreachable channel is retried later), audit mirrored. */
  private async afterRun(): Promise<void> {
    try {
      await this.checkAlerts();
    } catch {
      // Alerts must never turn a finished run into a failure; undelivered alerts stay in the catalog for retry.
    }
    await this.mirrorAudit(await this.catalog(), await this.repo()).catch(() => undefined);
  }

  /** Records an operation as a run in the catalog (start, end, status, counts, error code). */
  private async track<T>(kind: string, fn: () => Promise<T>, summary: (value: T) => RunSummary): Promise<T> {
    const catalog = await this.catalog();
    const id = catalog.startRun({ kind, destination: this.location });
    this.runningRuns.set(id, { kind, since: new Date().toISOString() });
    this.emit({ type: 'run-started', runId: id, kind });
    try {
      const value = await fn();
      const s = summary(value);
      catalog.finishRun(id, { status: s.status ?? 'success', ...s });
      this.runningRuns.delete(id);
      this.emit({ type: 'run-finished', runId: id, kind, status: s.status ?? 'success', errorCode: null });
      if (kind === 'backup') await this.refreshSnapshotCache(catalog, await this.repo());
      await this.afterRun();
      return value;
    } catch (err) {
      const code: ErrorCode = isEngineError(err) ? err.code : 'INTERNAL';
      const status = code === 'CANCELLED' ? 'interrupted' : 'failed';
      catalog.finishRun(id, { status, errorCode: code, errorMessage: scrubSecrets(err instanceof Error ? err.message : String(err)).slice(0, 500) });
      this.runningRuns.delete(id);
      this.emit({ type: 'run-finished', runId: id, kind, status, errorCode: code });
      await this.afterRun();
      throw err;
    }
  }

  async status(): Promise<StatusSummary> {
    const repo = await this.repo();
    const catalog = await this.catalog();
    const now = new Date();
    const locale = this.options.locale ?? resolveLocale();
    const since = new Date(now.getTime() - 30 * DAY_MS);
    const last = catalog.lastRun('backup');
    const lastOk = catalog.lastRun('backup', ['success', 'partial']);
    const lastSuccessAt = lastOk?.endedAt ?? null;
    const backups = catalog.runStats('backup', since);
    const checks = catalog.runStats('check', since);
    const snaps = catalog.listSnapshots();
    const stats = await this.stats();
    const drills = catalog.listDrills(100).filter((d) => Date.parse(d.startedAt) > now.getTime() - 365 * DAY_MS);
    const finishedDrills = drills.filter((d) => d.status !== 'running');
    const recoveryTestSuccessRate = finishedDrills.length > 0 ? finishedDrills.filter((d) => d.status === 'success').length / finishedDrills.length : null;
    const mttrValues = finishedDrills.filter((d) => d.status === 'success' && d.recoveryTimeMs !== null).map((d) => d.recoveryTimeMs as number);
    const compression = stats.latestBytes > 0 ? compressionRateOf(stats.latestBytes, stats.storedBytes) : null;
    const rpoAchievedMs = lastSuccessAt ? now.getTime() - Date.parse(lastSuccessAt) : null;
    const kit = await this.recoveryKitStatus();
    const lastDrill = catalog.lastDrill(['success', 'partial', 'failed']);
    const drillPolicy = (catalog.getSetting('schedule.drill') as SchedulePolicy | undefined) ?? SCHEDULE_PRESETS.restoreDrill;
    const due = drillDue(lastDrill ? new Date(lastDrill.startedAt) : null, drillPolicy, now, { since: new Date(repo.config.created) });
    const drillDueAt = due.dueAt;
    const drillOverdue = due.overdue;
    const backupPolicy = (catalog.getSetting('schedule.backup') as SchedulePolicy | undefined) ?? SCHEDULE_PRESETS.localIncremental;
    const alerts: StatusAlert[] = catalog.listActiveAlerts().map((a) => ({ key: a.key, rule: a.rule, severity: a.severity, message: renderAlert(a, { locale }).message, since: a.firstAt }));
    // A condition with an active alert is reported once, by the alert.
    const alerted = new Set(alerts.map((a) => a.rule));
    const reasons: string[] = [];
    let state: HealthState = 'ok';
    const worsen = (to: HealthState, reason: string | null): void => {
      const rank: Record<HealthState, number> = { ok: 0, running: 1, warning: 2, error: 3 };
      if (rank[to] > rank[state]) state = to;
      if (reason) reasons.push(reason);
    };
    /** The state follows the condition; its text is left to the alert when one reports it. */
    const unlessAlerted = (rule: string, text: string): string | null => (alerted.has(rule) ? null : text);
    if (!lastSuccessAt) worsen('warning', t('status.reason.never', {}, locale));
    else if ((rpoAchievedMs ?? 0) > DEFAULT_RPO_MS) worsen('error', unlessAlerted('stale', t('status.reason.stale', { hours: Math.floor((rpoAchievedMs ?? 0) / 3600_000) }, locale)));
    if (last && last.status === 'failed') worsen('error', unlessAlerted('failed', t('status.reason.failed', { code: last.errorCode ?? '' }, locale)));
    const lastCheck = catalog.lastRun('check');
    if (lastCheck && lastCheck.status === 'failed') worsen('error', unlessAlerted('integrity', t('status.reason.integrity', {}, locale)));
    if (!kit.confirmed) worsen('warning', unlessAlerted('kit', t('status.reason.kit', {}, locale)));
    if (drillOverdue) worsen('warning', unlessAlerted('drill', t('status.reason.drill', {}, locale)));
    else if (due.remind) reasons.push(t('status.reason.drillSoon', { days: Math.max(0, Math.ceil((due.dueAt.getTime() - now.getTime()) / DAY_MS)) }, locale));
    for (const a of alerts) worsen(a.severity === 'critical' || a.severity === 'high' ? 'error' : 'warning', a.message);
    const destinations = await this.destinations();
    const copies = copiesStatus(
      destinations.map((d) => ({
        id: d.location,
        kind: d.kind === 'local' ? 'nas' : d.kind,
        medium: d.kind === 's3' ? 'cloud' : d.kind === 'usb' ? 'usb' : 'disk',
        offsite: this.copies().find((c) => c.location === d.location)?.offsite ?? d.kind === 's3',
        immutable: this.copies().find((c) => c.location === d.location)?.immutable ?? false,
        offline: d.offline,
        lastSuccessAt: d.lastSuccessAt,
        lastCheckErrors: d.errorCode ? 1 : 0,
      })),
      now,
      DEFAULT_RPO_MS,
    );
    for (const d of destinations) if (d.overdue) worsen('warning', t('status.reason.usb', { label: d.label }, locale));
    const running = [...this.runningRuns.values()][0] ?? null;
    if (running && state === 'ok') state = 'running';
    const score = backupHealthScore({
      backupSuccessRate: backups.successRate ?? 0,
      compressionRate: compression ?? 0,
      validationRate: checks.successRate ?? 0,
      recoveryTestSuccessRate: recoveryTestSuccessRate ?? 0,
    });
    return {
      repoId: repo.id,
      location: this.location,
      state,
      reasons,
      lastBackup: last ? { at: last.endedAt ?? last.startedAt, status: last.status, snapshotId: last.snapshotId, errorCode: last.errorCode } : null,
      lastSuccessAt,
      nextBackupAt: nextRunAt(backupPolicy, lastOk?.startedAt ? new Date(lastOk.startedAt) : null, now).toISOString(),
      running,
      snapshots: snaps.length,
      alerts,
      kpis: {
        backupSuccessRate: backups.successRate,
        compressionRate: compression,
        validationRate: checks.successRate,
        recoveryTestSuccessRate,
        rpoAchievedMs,
        rpoTargetMs: DEFAULT_RPO_MS,
        mttrMs: mttrValues.length > 0 ? mttrValues.reduce((a, b) => a + b, 0) / mttrValues.length : null,
        healthScore: score,
      },
      recoveryKit: { confirmed: kit.confirmed },
      copies: { copies: copies.copies, media: copies.media, offsite: copies.offsite, immutable: copies.immutable, errors: copies.errors, ok: copies.ok, text: t(copies.text.key, copies.text.params, locale) },
      destinations,
      drill: { lastAt: lastDrill?.startedAt ?? null, dueAt: drillDueAt.toISOString(), overdue: drillOverdue },
      history: catalog
        .listRuns({ kind: 'backup', limit: 30 })
        .map((r) => ({ at: r.startedAt, status: r.status, resources: r.resourcesTotal, bytesAdded: r.bytesAdded })),
    };
  }

  async probeSource(request: { source: string; auth: SourceAuthRequest }): Promise<SourceProbe> {
    const http = new FhirHttp({ baseUrl: request.source, auth: authProvider(await resolveSourceAuth(request.auth, () => this.credentialStore())), maxAttempts: 2, timeoutMs: 15_000 });
    const caps = await probeCapabilities(http);
    // An authorised read, not only /metadata (which many servers answer without credentials).
    if (caps.searchTypes.includes('Patient')) await http.getJson('Patient?_count=1&_summary=count');
    return { fhirVersion: caps.fhirVersion, software: caps.software, systemExport: caps.systemExport, systemHistory: caps.systemHistory, types: caps.searchTypes.length };
  }

  async detectDestinations(): Promise<DetectedDestination[]> {
    const out: DetectedDestination[] = [];
    for (const p of await mountedVolumes()) {
      const id = await identifyDestination(p);
      const fs = await statfs(p).catch(() => null);
      out.push({ path: id.path, state: id.state, repoId: id.repoId, freeBytes: fs ? fs.bavail * fs.bsize : null, totalBytes: fs ? fs.blocks * fs.bsize : null });
    }
    return out;
  }

  async getSettings(): Promise<AppSettings> {
    const c = await this.catalog();
    const email = c.getSetting('alerts.email') as NonNullable<AppSettings['alerts']>['email'] | undefined;
    const webhook = c.getSetting('alerts.webhook') as NonNullable<AppSettings['alerts']>['webhook'] | undefined;
    return {
      language: (c.getSetting('language') as AppSettings['language'] | undefined) ?? 'pt-BR',
      ...(typeof c.getSetting('clinic.name') === 'string' ? { clinicName: c.getSetting('clinic.name') as string } : {}),
      alerts: { email: email ?? null, webhook: webhook ?? null },
      retention: retentionSettingOf(await this.retentionPolicy()),
      copies: storedCopiesOf(c),
      source: (c.getSetting('source') as AppSettings['source'] | undefined) ?? null,
      schedule: {
        backup: ((c.getSetting('schedule.backup') as SchedulePolicy | undefined) ?? SCHEDULE_PRESETS.localIncremental) as AppSettings['schedule']['backup'],
        drill: ((c.getSetting('schedule.drill') as SchedulePolicy | undefined) ?? SCHEDULE_PRESETS.restoreDrill) as AppSettings['schedule']['drill'],
      },
    };
  }

  async updateSettings(patch: Partial<AppSettings>): Promise<AppSettings> {
    const bad: string[] = [];
    if (patch.language !== undefined && patch.language !== 'pt-BR' && patch.language !== 'en') bad.push('language');
    if (patch.source) {
      try {
        const u = new URL(patch.source.url);
        if (u.protocol !== 'http:' && u.protocol !== 'https:') bad.push('source.url');
        if (u.username || u.password) bad.push('source.url (no credentials in the URL)');
      } catch {
        bad.push('source.url');
      }
      const a = patch.source.auth as Record<string, unknown>;
      if (!['none', 'bearer', 'basic', 'smart'].includes(String(a['kind']))) bad.push('source.auth.kind');
      for (const k of Object.keys(a)) if (/^(token|password|privateKey|secret|key)$/i.test(k)) bad.push(`source.auth.${k} (store it with setSecret and give its name)`);
    }
    const schedules: [string, unknown][] = patch.schedule ? [['schedule.backup', patch.schedule.backup], ['schedule.drill', patch.schedule.drill]] : [];
    for (const [field, value] of schedules) {
      try {
        validateSchedulePolicy(value);
      } catch {
        bad.push(field);
      }
    }
    const noSecretValues = (prefix: string, o: object): void => {
      for (const k of Object.keys(o)) if (/^(password|token|secret|signingKey|key)$/i.test(k)) bad.push(`${prefix}.${k} (store it with setSecret and give its name)`);
    };
    if (patch.clinicName !== undefined && (typeof patch.clinicName !== 'string' || patch.clinicName.length > 200)) bad.push('clinicName');
    // Copies change through addCopy/removeCopy (they test the destination); an unchanged list (settings read back) is fine.
    if (patch.copies !== undefined && JSON.stringify(patch.copies) !== JSON.stringify(storedCopiesOf(await this.catalog()))) bad.push('copies (add or remove a copy on the destinations screen or with addCopy/removeCopy)');
    // Below the legal floor: RETENTION_LEGAL_FLOOR with the law's minimum; other mistakes name the field.
    const retention: RetentionPolicy | undefined = patch.retention === undefined ? undefined : { ...(await this.retentionPolicy()), ...patch.retention };
    if (retention) validateRetentionPolicy(retention);
    const email = patch.alerts?.email;
    if (email) {
      noSecretValues('alerts.email', email);
      if (typeof email.host !== 'string' || !email.host) bad.push('alerts.email.host');
      if (typeof email.from !== 'string' || !/^[^@\s]+@[^@\s]+$/.test(email.from)) bad.push('alerts.email.from');
      if (!Array.isArray(email.to) || email.to.length === 0 || !email.to.every((a) => /^[^@\s]+@[^@\s]+$/.test(a))) bad.push('alerts.email.to');
      if (email.port !== undefined && !(Number.isInteger(email.port) && email.port > 0 && email.port < 65536)) bad.push('alerts.email.port');
    }
    const webhook = patch.alerts?.webhook;
    if (webhook) {
      noSecretValues('alerts.webhook', webhook);
      if (!webhook.url && !webhook.urlSecret) bad.push('alerts.webhook.url');
      if (webhook.url && !/^https?:\/\//.test(webhook.url)) bad.push('alerts.webhook.url');
    }
    if (bad.length > 0) throw new EngineError('INVALID_SETTINGS', { reason: bad.join(', ') });
    const c = await this.catalog();
    const actor = osUser();
    if (patch.clinicName !== undefined) c.setSetting('clinic.name', patch.clinicName, actor);
    if (patch.alerts && 'email' in patch.alerts) {
      if (patch.alerts.email) c.setSetting('alerts.email', patch.alerts.email as unknown as JsonValue, actor);
      else c.deleteSetting('alerts.email', actor);
    }
    if (patch.alerts && 'webhook' in patch.alerts) {
      if (patch.alerts.webhook) c.setSetting('alerts.webhook', patch.alerts.webhook as unknown as JsonValue, actor);
      else c.deleteSetting('alerts.webhook', actor);
    }
    if (patch.language !== undefined) c.setSetting('language', patch.language, actor);
    if (retention) c.setSetting('retention', retention as unknown as JsonValue, actor);
    if (patch.source !== undefined) c.setSetting('source', patch.source as unknown as JsonValue, actor);
    for (const [field, value] of schedules) c.setSetting(field, value as JsonValue, actor);
    await this.mirrorAudit(c, await this.repo());
    this.emit({ type: 'status-changed' });
    return this.getSettings();
  }

  async backupNow(options: LongOperationOptions = {}): Promise<BackupResult & { strategy: StrategyName; requests: number }> {
    const { source } = await this.getSettings();
    if (!source) throw new EngineError('INVALID_SETTINGS', { reason: 'source (no FHIR server configured yet)' });
    return this.backupFhir({ source: source.url, auth: source.auth }, options);
  }

  async auditLog(limit = 200): Promise<AuditLogEntry[]> {
    const c = await this.catalog();
    const all = c.listAudit({ limit: 100_000 });
    return all.slice(-limit).reverse().map((e) => ({ seq: e.seq, at: e.at, actor: e.actor, action: e.action, details: e.details }));
  }

  /** Copies what another destination lacks (resumable; verifies ids on arrival). From this repository unless `from` is given. */
  async replicate(request: { to: string; from?: string }, options: LongOperationOptions = {}): Promise<ReplicateResult> {
    const repo = await this.repo();
    const lock = await repo.lock('shared', 'replicate');
    try {
      const from = request.from ? await this.backendFor(request.from, 'open') : repo.backend;
      const to = await this.targetBackend(request.to);
      const result = await this.track(
        'replicate',
        () => replicateFiles(from, to, { signal: options.signal, onProgress: options.onProgress }),
        (r) => ({ status: r.complete ? 'success' : 'partial', bytesAdded: r.bytes }),
      );
      await this.audit('replicate', { from: from.location, to: to.location, copied: result.copied, complete: result.complete });
      await this.saveResidencyAcks();
      return result;
    } finally {
      await lock.release();
    }
  }

  /**
   * check --repair: replaces damaged or missing files with verified copies from the other destinations,
   * then checks again (a damaged index hides the packs it lists, so this repeats, at most three times).
   */
  async checkAndRepair(request: { from?: readonly string[]; readData?: boolean }, options: LongOperationOptions = {}): Promise<CheckResult & { repaired: string[]; unrepaired: { file: string; reason: string }[] }> {
    const sources: Backend[] = [];
    if (!request.from) await this.catalog().catch(() => undefined); // copies added from the user interface
    for (const loc of request.from ?? this.copies().map((c) => c.location)) sources.push(await this.backendFor(loc, 'open'));
    if (sources.length === 0) throw new EngineError('INVALID_ARGUMENT', { field: 'from', reason: 'give another copy of the repository to repair from' });
    const repaired: string[] = [];
    let unrepaired: { file: string; reason: string }[] = [];
    let result = await this.check({ readData: request.readData ?? true, ...options });
    for (let pass = 0; pass < 3 && !result.ok; pass++) {
      const repo = await this.repo();
      const healable = result.problems.filter((p) => p.file.startsWith('data/') || p.file.startsWith('index/') || p.file.startsWith('snapshots/') || p.file.startsWith('audit/'));
      if (healable.length === 0) break;
      const heal = await healFromCopy(healable, repo.backend, sources, options);
      repaired.push(...heal.repaired);
      unrepaired = heal.unrepaired.map((u) => ({ file: u.file, reason: u.reason }));
      if (heal.repaired.length > 0) await this.audit('repair', { repaired: heal.repaired, from: heal.details.map((d) => d.source) });
      if (heal.repaired.length === 0) break;
      // Reopen so the index reflects the repaired files.
      this.repoPromise = null;
      this.catalogPromise?.then((c) => c.close()).catch(() => undefined);
      this.catalogPromise = null;
      result = await this.check({ readData: request.readData ?? true, ...options });
    }
    return { ...result, repaired, unrepaired };
  }

  /** Alert channels from settings; secret values are looked up by name in the credential store at send time. */
  private async alertManager(): Promise<AlertManager> {
    const catalog = await this.catalog();
    const locale = this.options.locale ?? resolveLocale();
    const channels: { channel: AlertChannel }[] = [];
    const email = catalog.getSetting('alerts.email') as Omit<EmailChannelOptions, 'secrets'> | undefined;
    const webhook = catalog.getSetting('alerts.webhook') as Omit<WebhookChannelOptions, 'secrets'> | undefined;
    const secrets = email?.passwordSecret || webhook?.signingSecret || webhook?.urlSecret ? await this.credentialStore() : undefined;
    if (email) channels.push({ channel: new EmailChannel({ ...email, locale, ...(secrets ? { secrets } : {}) }) });
    if (webhook) channels.push({ channel: new WebhookChannel({ ...webhook, locale, ...(secrets ? { secrets } : {}) }) });
    const clinicName = (catalog.getSetting('clinic.name') as string | undefined) ?? 'Clinic Backup';
    return new AlertManager({ catalog, channels, context: { clinicName, sourceName: (await this.getSettings()).source?.url ?? this.location } });
  }

  /** What the alert rules look at, from the catalog and the configuration. */
  private async alertState(): Promise<AlertState> {
    const catalog = await this.catalog();
    const last = catalog.lastRun('backup');
    const lastOk = catalog.lastRun('backup', ['success', 'partial']);
    const lastCheck = catalog.lastRun('check');
    const repo = await this.repo();
    const cap = await repo.backend.capacity().catch(() => null);
    const snaps = catalog.listSnapshots();
    const newest = snaps.map((x) => x.time).sort().at(-1) ?? null;
    const primary: DestinationAlertState = {
      id: 'primary',
      label: this.location,
      lastSuccessAt: lastOk?.endedAt ?? null,
      lastRun: last && last.status !== 'running' ? { status: last.status, at: last.endedAt ?? last.startedAt, errorCode: last.errorCode } : null,
      integrity: lastCheck && lastCheck.status !== 'running' ? { ok: lastCheck.status === 'success', checkedAt: lastCheck.endedAt ?? lastCheck.startedAt, errorCode: lastCheck.errorCode } : null,
      capacity: cap,
    };
    const dests = await this.destinations();
    const copies: DestinationAlertState[] = dests
      .filter((d) => d.kind !== 'usb')
      .map((d) => ({ id: d.location, label: d.label, offsite: { newestCopiedAt: snaps.filter((x) => x.destinations.includes(d.location)).map((x) => x.time).sort().at(-1) ?? null, newestSourceAt: newest } }));
    const lastDrill = catalog.lastDrill(['success']);
    return {
      since: (catalog.getSetting('recoveryKit.createdAt') as string | undefined) ?? repo.config.created,
      destinations: [primary, ...copies],
      drill: { lastAt: lastDrill?.startedAt ?? null },
      usbDrives: dests.filter((d) => d.kind === 'usb').map((d) => ({ id: d.location, label: d.label, lastRotatedAt: d.lastSuccessAt })),
      recoveryKit: { confirmed: (await this.recoveryKitStatus()).confirmed },
    };
  }

  /** The default retention: SOP-019 tiers' history plus the 20-year floor for medical records. */
  private async retentionPolicy(): Promise<RetentionPolicy> {
    const stored = (await this.catalog()).getSetting('retention') as RetentionPolicy | undefined;
    return stored ?? { keepLast: 10, keepDaily: 30, keepWeekly: 12, keepMonthly: 24, keepYearly: 20, legalFloorYears: 20, timeZone: 'America/Sao_Paulo' };
  }

  async forget(request: { policy?: RetentionPolicy; dryRun: boolean }): Promise<{ decisions: { id: string; time: string; keep: boolean; explanation: string }[]; removed: string[] }> {
    const locale = this.options.locale ?? resolveLocale();
    const policy = request.policy ?? (await this.retentionPolicy());
    validateRetentionPolicy(policy); // RETENTION_LEGAL_FLOOR when it would keep less than the law requires
    const repo = await this.repo();
    const lock = request.dryRun ? null : await repo.lock('exclusive', 'forget');
    try {
      const snaps = await repo.listSnapshots();
      const infos = snaps.map((x) => ({ id: x.id, time: x.manifest.time, tags: x.manifest.tags }));
      const now = new Date();
      const decisions = applyRetention(infos, policy, now);
      const explanations = explainForget(decisions, locale);
      const removed = decisions.filter((d) => !d.keep).map((d) => d.id);
      assertForgetAllowed(infos, removed, policy, now);
      if (!request.dryRun && removed.length > 0) {
        await repo.deleteSnapshots(removed);
        await this.refreshSnapshotCache(await this.catalog(), repo);
        (await this.catalog()).removeSnapshots(removed);
        await this.audit('forget', { removed, kept: decisions.length - removed.length });
      }
      return { decisions: decisions.map((d, i) => ({ id: d.id, time: d.time, keep: d.keep, explanation: explanations[i] ?? '' })), removed: request.dryRun ? [] : removed };
    } finally {
      await lock?.release();
    }
  }

  async migrate(options: LongOperationOptions = {}): Promise<MigrateResult> {
    const repo = await this.repo();
    const lock = await repo.lock('exclusive', 'migrate');
    let r: MigrateResult;
    try {
      r = await migrateRepository(repo, options);
    } finally {
      await lock.release();
      // The repository changed format under the repository object: reopen for what follows.
      this.repoPromise = null;
    }
    await this.audit('repository.migrated', { migrated: r.migrated, alreadyMigrated: r.alreadyMigrated, deletedFiles: r.deletedFiles });
    return r;
  }

  async prune(request: { dryRun?: boolean } = {}, options: LongOperationOptions = {}): Promise<PruneResult> {
    const repo = await this.repo();
    const lock = await repo.lock('exclusive', 'prune');
    try {
      const r = await this.track('prune', () => pruneRepository(repo, { ...options, dryRun: request.dryRun === true }), (x) => ({ status: 'success', bytesAdded: -x.bytesFreed }));
      if (!request.dryRun) await this.audit('prune', { packsDeleted: r.packsDeleted, packsRepacked: r.packsRepacked, bytesFreed: r.bytesFreed, keptLocked: r.packsKeptLocked });
      // The in-memory index changed under the repository object: reopen for what follows.
      this.repoPromise = null;
      return r;
    } finally {
      await lock.release();
    }
  }

  async drill(request: { snapshot?: string; target?: string; allowFallback?: boolean } = {}, options: LongOperationOptions = {}): Promise<{ id: number; status: string; integrityScore: number | null; recoveryTimeMs: number | null; resourcesRestored: number; usedCopy: string | null }> {
    const catalog = await this.catalog();
    const offsite = this.copies().filter((c) => c.offsite || c.kind === 's3');
    const creds = await this.credentials();
    const candidates = [
      ...offsite.map((c) => ({ label: 'offsite', open: async () => Repository.open(await this.backendFor(c.location, 'open'), creds), close: async (r: Repository) => r.backend.close() })),
      { label: 'local', open: async () => this.repo() },
    ];
    let drillId = 0;
    const { outcome, record } = await recordedDrill(
      catalog,
      {
        candidates,
        allowFallback: request.allowFallback ?? offsite.length === 0,
        ...(request.snapshot ? { snapshot: request.snapshot } : {}),
        ...(request.target ? { target: { baseUrl: request.target } } : {}),
        orderTypes: (types) => restoreOrder(types),
        criticalTypes: TIER_TYPES.critical,
      },
      { ...options, extras: { clinicName: (await this.getSettings()).clinicName ?? null, toolVersion: TOOL_VERSION }, onStarted: (id) => (drillId = id) },
    );
    await this.audit('drill', { id: drillId, status: outcome.status, integrityScore: outcome.integrityScore });
    this.emit({ type: 'status-changed' });
    return { id: record.id, status: record.status, integrityScore: record.integrityScore, recoveryTimeMs: record.recoveryTimeMs, resourcesRestored: record.resourcesRestored, usedCopy: outcome.copy?.label ?? null };
  }

  async listDrills(): Promise<{ id: number; startedAt: string; status: string; integrityScore: number | null; recoveryTimeMs: number | null; resourcesRestored: number }[]> {
    return (await this.catalog()).listDrills(100).map((d) => ({ id: d.id, startedAt: d.startedAt, status: d.status, integrityScore: d.integrityScore, recoveryTimeMs: d.recoveryTimeMs, resourcesRestored: d.resourcesRestored }));
  }

  async configurationReport(kind: 'dr-plan' | 'compliance'): Promise<{ html: string; pdf: Buffer }> {
    const locale = this.options.locale ?? resolveLocale();
    const repo = await this.repo();
    const catalog = await this.catalog();
    const settings = await this.getSettings();
    const clinicName = settings.clinicName ?? 'Clinic Backup';
    const all = [{ location: this.location, kind: (this.location.startsWith('s3:') ? 's3' : 'nas') as DestinationConfig['kind'], offsite: this.location.startsWith('s3:'), immutable: false }, ...this.copies()];
    const kindOf = (d: { location: string }): 'local' | 's3' => (d.location.startsWith('s3:') ? 's3' : 'local');
    const retention = await this.retentionPolicy();
    const kit = await this.recoveryKitStatus();
    const drills = catalog.listDrills(100);
    if (kind === 'dr-plan') {
      const data: DrPlanData = {
        clinicName,
        repoId: repo.id,
        sources: settings.source ? [{ name: clinicName, baseUrl: settings.source.url }] : [],
        destinations: all.map((d) => ({ kind: kindOf(d), location: d.location, offsite: d.offsite ?? false, immutable: d.immutable ?? false, removable: d.kind === 'usb', ...(kindOf(d) === 's3' ? { region: this.regionFor(d.location) } : {}) })),
        schedules: [
          { task: 'backup', policy: settings.schedule.backup as SchedulePolicy },
          { task: 'drill', policy: settings.schedule.drill as SchedulePolicy },
        ],
        retention,
        recoveryKit: { location: (catalog.getSetting('recoveryKit.location') as string | undefined) ?? null, createdAt: kit.createdAt, confirmedAt: kit.confirmedAt },
        contacts: (catalog.getSetting('contacts') as DrPlanData['contacts'] | undefined) ?? [],
        lastDrill: drills[0] ? { at: drills[0].startedAt, passed: drills[0].status === 'success' } : null,
        toolVersion: TOOL_VERSION,
      };
      return { html: drPlanHtml(data, locale), pdf: await drPlanPdf(data, locale) };
    }
    const chain = catalog.verifyAuditChain();
    const audit = catalog.listAudit({ limit: 100_000 });
    const stats = catalog.runStats('backup', new Date(Date.now() - 365 * DAY_MS));
    const data: ComplianceData = {
      clinicName,
      repoId: repo.id,
      encryption: { algorithm: 'AES-256-GCM', keySlots: await repo.listKeys(), keychain: this.options.passwordFile ? null : 'OS keychain', recoveryKitConfirmedAt: kit.confirmedAt },
      destinations: all.map((d) => {
        const s3 = kindOf(d) === 's3';
        const endpoint = s3 ? (parseLocation(d.location) as { endpoint?: string }).endpoint : undefined;
        const acks = (catalog.getSetting('residency.acknowledgements') as Record<string, { by?: string; at?: string }> | undefined) ?? {};
        const ack = acks[d.location];
        const region = this.regionFor(d.location);
        const residency = !s3 ? 'local' : isPrivateEndpoint(endpoint) ? 'private-endpoint' : isBrazilianRegion(region) ? 'brazilian-region' : ack || this.options.residencyAcknowledged ? 'acknowledged' : 'unknown';
        return { kind: kindOf(d), location: d.location, residency, offsite: d.offsite ?? false, immutable: d.immutable ?? false, ...(s3 ? { region } : {}), ...(ack ? { acknowledgedBy: ack.by ?? null, acknowledgedAt: ack.at ?? null } : {}) };
      }),
      retention: { legalFloorYears: retention.legalFloorYears ?? 20, snapshotCount: catalog.listSnapshots().length, oldestSnapshot: catalog.listSnapshots().map((x) => x.time).sort()[0] ?? null },
      drills: drills.map((d) => ({ startedAt: d.startedAt, status: d.status, integrityScore: d.integrityScore, recoveryTimeMs: d.recoveryTimeMs })),
      alerts: catalog.listAlerts(200).map((a) => ({ rule: a.rule, severity: a.severity, messageKey: a.messageKey, params: a.params, firstAt: a.firstAt, clearedAt: a.clearedAt })),
      audit: { ...chain, firstAt: audit[0]?.at ?? null, lastAt: audit.at(-1)?.at ?? null },
      backups: { total: stats.total, succeeded: stats.byStatus.success + stats.byStatus.partial, lastSuccessAt: catalog.lastRun('backup', ['success', 'partial'])?.endedAt ?? null },
      toolVersion: TOOL_VERSION,
    };
    return { html: complianceHtml(data, locale), pdf: await compliancePdf(data, locale) };
  }

  async drillReport(id: number): Promise<{ html: string; pdf: Buffer }> {
    const d = (await this.catalog()).getDrill(id);
    if (!d || !d.report) throw new EngineError('NOT_FOUND', { what: `drill ${id}` });
    const locale = this.options.locale ?? resolveLocale();
    const data = d.report as unknown as DrillReportData;
    return { html: drillReportHtml(data, locale), pdf: await drillReportPdf(data, locale) };
  }

  private async schedulePolicies(): Promise<{ name: string; policy: SchedulePolicy; run: (signal: AbortSignal) => Promise<unknown> }[]> {
    const settings = await this.getSettings();
    const checkPolicy = ((await this.catalog()).getSetting('schedule.check') as SchedulePolicy | undefined) ?? SCHEDULE_PRESETS.fullReconciliation;
    let slice = 0;
    return [
      { name: 'backup', policy: settings.schedule.backup as SchedulePolicy, run: (signal) => this.backupNow({ signal }) },
      // A tenth of the data is read back every week: all of it every ten weeks, like restic's --read-data-subset.
      { name: 'check', policy: checkPolicy, run: (signal) => this.check({ signal, readDataSubset: { n: (slice++ % 10) + 1, m: 10 } }) },
      { name: 'alerts', policy: { kind: 'interval', everyMinutes: 15 } as SchedulePolicy, run: () => this.checkAlerts() },
    ];
  }

  async schedules(): Promise<{ name: string; policy: SchedulePolicy; description: string; nextAt: string }[]> {
    const locale = this.options.locale ?? resolveLocale();
    const catalog = await this.catalog();
    const now = new Date();
    return (await this.schedulePolicies()).map((j) => {
      const last = j.name === 'alerts' ? null : catalog.lastRun(j.name);
      return { name: j.name, policy: j.policy, description: describeSchedule(j.policy, locale), nextAt: nextRunAt(j.policy, last ? new Date(last.startedAt) : null, now).toISOString() };
    });
  }

  async runScheduler(options: { signal: AbortSignal; onEvent?: (event: RunnerEvent) => void }): Promise<void> {
    const repo = await this.repo();
    const lock = await acquireSchedulerLock(this.stateDir(repo.id), repo.id);
    try {
      const catalog = await this.catalog();
      // Runs that were in progress when a previous scheduler died are closed as interrupted.
      catalog.interruptRunningRuns();
      const defs = await this.schedulePolicies();
      const jobs: Job[] = defs.map((d) => ({ name: d.name, policy: d.policy, lockGroup: d.name === 'alerts' ? 'alerts' : 'repository', run: async (signal) => void (await d.run(signal)) }));
      const lastRuns: Record<string, Date | null> = {};
      for (const d of defs) {
        const last = d.name === 'alerts' ? null : catalog.lastRun(d.name);
        lastRuns[d.name] = last ? new Date(last.startedAt) : null;
      }
      const runner = new JobRunner(jobs, { lastRuns });
      const off = options.onEvent ? runner.on(options.onEvent) : () => undefined;
      runner.start();
      await new Promise<void>((resolve) => {
        if (options.signal.aborted) resolve();
        options.signal.addEventListener('abort', () => resolve(), { once: true });
      });
      off();
      await runner.stop();
    } finally {
      await lock.release();
    }
  }

  async checkAlerts(): Promise<{ raised: number; cleared: number; active: number; delivered: number; failed: number }> {
    const manager = await this.alertManager();
    const e = manager.evaluate(await this.alertState());
    const d = await manager.deliver();
    await this.mirrorAudit(await this.catalog(), await this.repo());
    if (e.raised.length > 0 || e.cleared.length > 0) this.emit({ type: 'status-changed' });
    return { raised: e.raised.length, cleared: e.cleared.length, active: e.active.length, delivered: d.delivered.length, failed: d.failed.length };
  }

  async sendTestAlert(channel: string): Promise<{ channel: string; sentAt: string }> {
    const r = await (await this.alertManager()).sendTest(channel);
    await this.mirrorAudit(await this.catalog(), await this.repo());
    return r;
  }

  async doctor(): Promise<{ ok: boolean; checks: { id: string; subject: string | null; status: string; severity: string; title: string; detail: string; fix: string | null }[] }> {
    const locale = this.options.locale ?? resolveLocale();
    const settings = await this.getSettings().catch(() => null);
    const repo = await this.repo().catch(() => null);
    const catalog = repo ? await this.catalog() : null;
    const destinations: DoctorDestinationInput[] = [];
    for (const loc of [this.options.repo, ...this.copies().map((c) => c.location)]) {
      const parsed = parseLocation(loc);
      if (parsed.type === 'local') destinations.push({ id: loc, kind: 'local', path: path.resolve(parsed.path) });
      else {
        const credentials = await this.s3Credentials(parsed.bucket);
        const region = this.regionFor(loc);
        destinations.push({ id: loc, kind: 's3', options: { bucket: parsed.bucket, prefix: parsed.prefix, region, ...(parsed.endpoint ? { endpoint: parsed.endpoint, forcePathStyle: true } : {}), ...(credentials ? { credentials } : {}) } });
      }
    }
    const report = await runDoctor({
      ...(settings?.source ? { source: { url: settings.source.url, auth: await resolveSourceAuth(settings.source.auth, () => this.credentialStore()) } } : {}),
      destinations,
      secretStore: this.options.secretStore ? { kind: 'safeStorage' } : this.options.passwordFile ? { kind: 'file' } : { kind: 'keychain', ...(this.options.keychainService ? { service: this.options.keychainService } : {}) },
      ...(repo ? { schedule: { lockDir: this.stateDir(repo.id), repoId: repo.id } } : {}),
      ...(catalog ? { drill: { lastAt: catalog.lastDrill(['success'])?.startedAt ?? null }, recoveryKit: { confirmed: (await this.recoveryKitStatus()).confirmed } } : {}),
    });
    return {
      ok: report.ok,
      checks: report.checks.map((c) => {
        const r = renderDoctorCheck(c, { locale });
        return { id: c.id, subject: c.subject ?? null, status: c.status, severity: c.severity, title: r.title, detail: r.detail, fix: r.fix };
      }),
    };
  }

  async rebuildCatalog(): Promise<{ snapshots: number }> {
    const catalog = await this.catalog();
    return { snapshots: await this.refreshSnapshotCache(catalog, await this.repo()) };
  }

  private stateDir(repoId: string): string {
    const base = this.options.stateDir ?? path.join(process.env['XDG_STATE_HOME'] ?? path.join(os.homedir(), '.local', 'state'), 'clinic-backup');
    return path.join(base, repoId);
  }

  backupFhir(request: FhirBackupRequest, options: LongOperationOptions = {}): Promise<BackupResult & { strategy: StrategyName; requests: number }> {
    return this.track('backup', () => this.withCopies(this.runBackupFhir(request, options), options), backupSummary);
  }

  private async runBackupFhir(request: FhirBackupRequest, options: LongOperationOptions): Promise<BackupResult & { strategy: StrategyName; requests: number }> {
    const started = Date.now();
    const auth = await resolveSourceAuth(request.auth, () => this.credentialStore());
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

  check(options: LongOperationOptions & { readData?: boolean; readDataSubset?: { n: number; m: number } } = {}): Promise<CheckResult> {
    return this.track('check', () => this.runCheck(options), (r) => ({ status: r.ok ? 'success' : 'failed', bytesRead: r.stats['bytesRead'] ?? 0 }));
  }

  private async runCheck(options: LongOperationOptions & { readData?: boolean; readDataSubset?: { n: number; m: number } }): Promise<CheckResult> {
    const started = Date.now();
    const repo = await this.repo();
    const lock = await repo.lock('shared', 'check');
    try {
      const report = await checkRepository(repo, options);
      const problems = [...report.problems];
      // The audit trail: the repository's copy and the local catalog's, each a hash chain.
      const stored = await repo.readAuditEntries(options.signal);
      for (const file of stored.damaged) problems.push({ code: 'AUDIT_TAMPERED', file, reason: 'audit entry does not match its name or does not decrypt', snapshots: [], resources: [] });
      const chain = verifyStoredAuditChain(stored.entries);
      if (!chain.ok) problems.push({ code: 'AUDIT_TAMPERED', file: 'audit/', reason: `audit trail in the repository: ${chain.problem} at entry ${chain.firstBadSeq}`, snapshots: [], resources: [] });
      const local = (await this.catalog()).verifyAuditChain();
      if (!local.ok) problems.push({ code: 'AUDIT_TAMPERED', file: 'catalog.sqlite', reason: `local audit log: entry ${local.firstBadSeq} was altered`, snapshots: [], resources: [] });
      return { ok: problems.length === 0, problems, stats: report.stats, durationMs: Date.now() - started };
    } finally {
      await lock.release();
    }
  }

  async restoreToFolder(request: RestoreToFolderRequest & { asOf?: string }, options: LongOperationOptions = {}): Promise<RestoreResult> {
    if (!request.confirmed) throw new EngineError('RESTORE_NOT_CONFIRMED');
    const r = await this.track('restore', () => this.runRestoreToFolder(request, options), (x) => ({ status: x.failures.length > 0 ? 'partial' : 'success', snapshotId: x.snapshotId, resourcesTotal: x.resources, bytesRead: x.bytesRead }));
    await this.audit('restore.folder', { snapshot: r.snapshotId, target: r.target, resources: r.resources, types: [...(request.types ?? [])], patient: request.patient ?? null });
    return r;
  }

  private async runRestoreToFolder(request: RestoreToFolderRequest & { asOf?: string }, options: LongOperationOptions): Promise<RestoreResult> {
    const started = Date.now();
    const repo = await this.repo();
    const lock = await repo.lock('shared', 'restore');
    try {
      const readBefore = repo.bytesRead;
      const snap = await resolveSnapshot(repo, { snapshot: request.snapshot, ...(request.asOf ? { asOf: request.asOf } : {}) });
      await repo.loadIndex(options.signal);
      if (request.patient) await assertPatientExists(repo, snap, request.patient, options.signal);
      const r = await restoreToNdjson(repo, snap, path.resolve(request.target), request, options);
      // Everything this restore read from packs, the patient check's tree reads included.
      return { ...r, bytesRead: repo.bytesRead - readBefore, durationMs: Date.now() - started };
    } finally {
      await lock.release();
    }
  }

  private async serverRestoreSetup(request: ServerRestoreRequest, options: LongOperationOptions): Promise<{ repo: Repository; snap: SnapshotRecord; opts: FhirRestoreOptions; journalFile: string }> {
    const repo = await this.repo();
    const snap = await resolveSnapshot(repo, request);
    await repo.loadIndex(options.signal);
    if (request.patient) await assertPatientExists(repo, snap, request.patient, options.signal);
    const http = new FhirHttp({ baseUrl: request.target, auth: authProvider(await resolveSourceAuth(request.auth, () => this.credentialStore())) });
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
    const r = await this.track('restore', () => this.runRestoreToServer(request, options), (x) => ({ status: x.failures.length > 0 ? 'partial' : 'success', snapshotId: x.snapshotId, resourcesTotal: x.restored, bytesRead: x.bytesRead }));
    await this.audit('restore.server', { snapshot: r.snapshotId, target: r.target, resources: r.restored, failures: r.failures.length, types: [...(request.types ?? [])], patient: request.patient ?? null });
    return r;
  }

  private async runRestoreToServer(request: ServerRestoreRequest & { confirmed: boolean; verify?: 'none' | 'sample' | 'all' }, options: LongOperationOptions): Promise<FhirRestoreResult & { plan: RestorePlan }> {
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
    await repo.loadIndex();
    const rows: ResourceRow[] = [];
    for await (const row of snapshotRows(repo, snap, { types: request.types, patient: request.patient })) rows.push(row);
    return { snapshotId: snap.id, resources: await listResources(repo, rows) };
  }

  async dump(snapshot: string, reference: string): Promise<{ snapshotId: string; bytes: Buffer }> {
    const m = /^([A-Z][A-Za-z]+)\/([A-Za-z0-9\-.]{1,64})$/.exec(reference);
    if (!m) throw new EngineError('INVALID_ARGUMENT', { field: 'resource', reason: 'use Type/id, e.g. Patient/123' });
    const repo = await this.repo();
    const snap = await resolveSnapshot(repo, { snapshot });
    await repo.loadIndex();
    let row: ResourceRow | null = null;
    for await (const r of snapshotRows(repo, snap, { types: [m[1] as string] })) if (r.id === m[2]) row = r;
    if (!row) throw new EngineError('RESOURCE_NOT_FOUND', { resource: reference, snapshot: snap.id.slice(0, 8) });
    return { snapshotId: snap.id, bytes: await readResource(repo, row) };
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
      packs: repo.version === 2 ? repo.store.index.packCount : repo.index.packCount,
      blobs: repo.version === 2 ? repo.store.index.size : repo.index.size,
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
      await this.audit('key.add', { slot: r.slot.id, kind: r.slot.kind, name: r.slot.name });
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
      await this.audit('key.remove', { slot: target.id, kind: target.kind });
    } finally {
      await lock.release();
    }
  }

  async rotateRecoveryKey(language: RecoveryKeyLanguage = 'pt-BR'): Promise<{ repoId: string; location: string; slot: KeySlotSummary; recoveryKey: string[][]; confirmPositions: [number, number] }> {
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
      await this.audit('key.rotate-recovery', { slot: slot.id, removed: before.map((b) => b.id) });
      const lines = encodeRecoveryKey(recoveryKey, language);
      const confirmPositions = await this.storeKitChallenge(repo.id, lines);
      return { repoId: repo.id, location: this.location, slot, recoveryKey: lines, confirmPositions };
    } finally {
      await lock.release();
    }
  }

  async close(): Promise<void> {
    const catalog = await this.catalogPromise?.catch(() => null);
    catalog?.close();
    this.catalogPromise = null;
    const repo = await this.repoPromise?.catch(() => null);
    await repo?.backend.close();
    this.repoPromise = null;
    if (!this.closed) await WorkerPool.release();
    this.closed = true;
  }
}

/** Copies added from the user interface, as stored in settings (malformed entries are ignored). */
function storedCopiesOf(catalog: Catalog): DestinationConfig[] {
  const v = catalog.getSetting('copies');
  if (!Array.isArray(v)) return [];
  return v.filter((c): c is DestinationConfig & JsonValue => typeof c === 'object' && c !== null && !Array.isArray(c) && typeof c['location'] === 'string' && typeof c['kind'] === 'string') as unknown as DestinationConfig[];
}

const BUCKET_RE = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;
const REGION_RE = /^[a-z0-9][a-z0-9-]{0,31}$/;
const PREFIX_RE = /^[A-Za-z0-9._-]+(\/[A-Za-z0-9._-]+)*$/;

/** Checks a copy request field by field (INVALID_ARGUMENT names the field) and builds its configuration. */
function copyConfigOf(request: AddCopyRequest): {
  config: DestinationConfig;
  given: { region: string; credentials: { accessKeyId: string; secretAccessKey: string } } | null;
  residency: AddCopyResult['residency'];
} {
  const invalid = (field: string, reason: string): EngineError => new EngineError('INVALID_ARGUMENT', { field, reason });
  const label = request.label?.trim() ? request.label.trim().slice(0, 100) : undefined;
  if (request.kind !== 's3') {
    if (typeof request.path !== 'string' || request.path.trim() === '') throw invalid('path', 'choose a folder or drive');
    if (request.rotateDays !== undefined && !(Number.isInteger(request.rotateDays) && request.rotateDays >= 1 && request.rotateDays <= 90)) throw invalid('rotateDays', '1-90');
    const location = path.resolve(request.path.trim());
    // A rotating USB drive is taken out of the clinic: it counts as the offsite copy (and, unplugged, as the air-gapped one).
    return { config: { location, kind: request.kind, offsite: request.kind === 'usb', ...(label ? { label } : {}), ...(request.rotateDays ? { rotateDays: request.rotateDays } : {}), ...(request.kind === 'usb' ? { eject: false } : {}) }, given: null, residency: null };
  }
  let endpoint: string | undefined;
  if (request.endpoint !== undefined && request.endpoint.trim() !== '') {
    let u: URL;
    try {
      u = new URL(request.endpoint.trim());
    } catch {
      throw invalid('endpoint', 'use https://host[:port]');
    }
    if ((u.protocol !== 'https:' && u.protocol !== 'http:') || u.username || u.password || (u.pathname !== '/' && u.pathname !== '') || u.search) throw invalid('endpoint', 'use https://host[:port] without a path or credentials');
    endpoint = `${u.protocol}//${u.host}`;
  }
  const bucket = request.bucket.trim();
  if (!BUCKET_RE.test(bucket)) throw invalid('bucket', '3-63 lowercase letters, digits, dots or hyphens');
  const prefix = (request.prefix ?? '').trim().replace(/^\/+|\/+$/g, '');
  if (prefix !== '' && (!PREFIX_RE.test(prefix) || prefix.length > 200)) throw invalid('prefix', 'letters, digits, ".", "_", "-" separated by "/"');
  const region = request.region.trim();
  if (!REGION_RE.test(region)) throw invalid('region', 'e.g. sa-east-1');
  const accessKeyId = request.accessKeyId.trim();
  if (accessKeyId === '' || accessKeyId.length > 128) throw invalid('accessKeyId', 'required');
  if (request.secretAccessKey === '' || request.secretAccessKey.length > 256) throw invalid('secretAccessKey', 'required');
  const location = `s3:${endpoint ? `${endpoint}/` : ''}${bucket}${prefix ? `/${prefix}` : ''}`;
  parseLocation(location);
  // Before any request: a region outside Brazil needs the clinic's acknowledgement (LGPD).
  const residency = checkResidency(region, request.residencyAcknowledged === true, endpoint).basis;
  return {
    config: { location, kind: 's3', offsite: true, immutable: request.immutable === true, region, ...(label ? { label } : {}) },
    given: { region, credentials: { accessKeyId, secretAccessKey: request.secretAccessKey } },
    residency,
  };
}

/** The retention fields the settings screen edits, defaults filled in (a count of 0 means the rule is off). */
function retentionSettingOf(p: RetentionPolicy): RetentionSetting {
  const { keepLast, keepDaily, keepWeekly, keepMonthly, keepYearly, legalFloorYears, timeZone } = validateRetentionPolicy(p);
  return { keepLast, keepDaily, keepWeekly, keepMonthly, keepYearly, legalFloorYears, timeZone };
}

/** A patient's display name: the first name's text, else given names and family name. */
function patientName(names: unknown): string {
  if (!Array.isArray(names)) return '';
  const n = names.find((x): x is Record<string, unknown> => typeof x === 'object' && x !== null) ?? {};
  if (typeof n['text'] === 'string' && n['text'].trim()) return n['text'].trim();
  const given = Array.isArray(n['given']) ? n['given'].filter((g): g is string => typeof g === 'string') : [];
  return [...given, typeof n['family'] === 'string' ? n['family'] : ''].join(' ').trim();
}

/** Lowercase without accents, for matching names typed without them ("Joao" finds "João"). */
function foldText(s: string): string {
  return s.normalize('NFD').replace(/[\u0300-\u036f]/g, '').toLowerCase().trim();
}

/** Identical copies of an entry (a crash between mirroring and bookkeeping) count once. */
function dedupeAudit(entries: readonly StoredAuditEntry[]): StoredAuditEntry[] {
  const bySeq = new Map<number, StoredAuditEntry>();
  for (const e of entries) if (!bySeq.has(e.seq) || bySeq.get(e.seq)?.hash === e.hash) bySeq.set(e.seq, e);
  return [...bySeq.values()];
}

function backupSummary(r: BackupResult): RunSummary {
  const s = r.snapshot;
  const copyFailed = (r.copies ?? []).some((c) => c.state === 'failed' || c.state === 'partial');
  return { status: s.partial || copyFailed ? 'partial' : 'success', snapshotId: s.id, resourcesNew: s.added, resourcesChanged: s.changed, resourcesDeleted: s.deleted, resourcesTotal: s.resources, bytesAdded: s.storedBytesAdded };
}

async function readSecretFile(file: string, field: string): Promise<string> {
  const text = await readFile(file, 'utf8').catch(() => {
    throw new EngineError('PASSWORD_FILE_UNREADABLE', { path: file });
  });
  const value = text.replace(/[\r\n]+$/, '');
  if (!value) throw new EngineError('INVALID_ARGUMENT', { field, reason: 'the file is empty' });
  return value;
}

/** A credential from a file or from a named secret in the SecretStore. */
async function secretValue(field: string, file: string | undefined, name: string | undefined, store: () => Promise<SecretStore>): Promise<string> {
  if (file) return readSecretFile(file, field);
  if (name) {
    const value = await (await store()).get(name);
    if (value === null) throw new EngineError('SECRET_NOT_FOUND', { name });
    return value;
  }
  throw new EngineError('INVALID_ARGUMENT', { field, reason: 'give a file or the name of a stored secret' });
}

async function resolveSourceAuth(a: SourceAuthRequest, store: () => Promise<SecretStore>): Promise<SourceAuth> {
  switch (a.kind) {
    case 'none':
      return { kind: 'none' };
    case 'bearer':
      return { kind: 'bearer', token: await secretValue('token', a.tokenFile, a.tokenSecret, store) };
    case 'basic':
      return { kind: 'basic', username: a.username, password: await secretValue('password', a.passwordFile, a.passwordSecret, store) };
    case 'smart':
      return { kind: 'smart', clientId: a.clientId, tokenUrl: a.tokenUrl, privateKeyPem: await secretValue('SMART key', a.keyFile, a.keySecret, store), ...(a.keyId ? { keyId: a.keyId } : {}), ...(a.scope ? { scope: a.scope } : {}) };
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
