/**
 * The Engine: the API every front end uses (CLI, serve, Electron), and the options it is created with.
 * createEngine (src/index.ts) builds it from the use cases of this folder.
 */
import type {
  AddCopyRequest,
  AddCopyResult,
  AlertCheckResult,
  AppSettings,
  AuditLogEntry,
  BackupResult,
  CheckResult,
  ConnectResult,
  DatabaseBackupRequest,
  DatabaseBackupResult,
  DatabaseDumpTestResult,
  DatabaseRestoreRequest,
  DatabaseRestoreResult,
  DatabaseSourceSetting,
  DestinationConfig,
  DestinationState,
  DetectedDestination,
  OffsiteProvider,
  AlertChannelHealth,
  DoctorReportView,
  DrillRunResult,
  DrillSummary,
  EngineEvent,
  ExtraSourceSetting,
  FhirRestoreResult,
  FileListResult,
  FilesRestorePlanResult,
  FilesRestoreRequest,
  FilesRestoreResultSummary,
  FilesScopeRequest,
  FolderBackupRequest,
  FolderBackupResult,
  FolderListing,
  FolderRestorePlan,
  ForgetResult,
  IncidentInput,
  IncidentView,
  InitRequest,
  InitResult,
  KeySlotSummary,
  LongOperationOptions,
  PatientSearchResult,
  PeopleSettings,
  RecoveryKitStatus,
  RecoveryKitWords,
  RepoStats,
  ResourceListResult,
  RestorePlan,
  RestoreResult,
  RestoreScopeRequest,
  RestoreToFolderRequest,
  ServerRestoreRequest,
  SnapshotSummary,
  SourceAuthSetting,
  SourceDrillResult,
  SourceProbe,
  StatusSummary,
  TaskInfo,
} from '../shared/index.js';
import type { Locale } from '../i18n/index.js';
import type { RecoveryKeyLanguage } from '../crypto/index.js';
import type { RetentionPolicy, SchedulePolicy } from '../policy/index.js';
import type { MigrateResult } from '../archiver/index.js';
import type { PruneResult, RepairIndexResult, RepairSnapshotsResult, ReplicateResult, SnapshotRecord } from '../repository/index.js';
import type { Clock, RunnerEvent, Timer } from '../scheduler/index.js';
import type { Backend } from '../backend/index.js';
import type { SecretStore } from '../secrets/index.js';
import type { StrategyName } from '../source/index.js';
import type { SourceListItem, SourceRunOutcome } from './sources.js';

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
  /**
   * Folders the folder picker offers besides the detected drives and shares (set by whoever installs the product,
   * e.g. a share mounted elsewhere). Only folders inside a root can be listed or chosen.
   */
  readonly browseRoots?: readonly string[];
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
  /** The time the engine reads: runs, alerts, indicators and the scheduler (tests inject a fake clock). Default the system's. */
  readonly clock?: Clock;
  /** The scheduler's alarm clock (tests drive it together with `clock`). Default Node's timers. */
  readonly timer?: Timer;
  /**
   * Wraps every destination the engine opens (the primary and the copies), e.g. to inject faults in tests
   * (a full or read-only drive) or to add logging in a host. Default: none.
   */
  readonly wrapBackend?: (location: string, backend: Backend) => Backend;
  /** How the engine waits between retries of the source (tests make it follow a fake clock). Default: the timer's. */
  readonly sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
  /** The desktop host says whether the computer runs on battery: the scheduled drill then waits for mains power. */
  readonly onBatteryPower?: () => boolean;
}

/** How to authenticate to a FHIR source. Secret values come from files (never from argv) or named secrets. */
export type SourceAuthRequest = SourceAuthSetting;

export interface FhirBackupRequest {
  readonly source: string;
  readonly auth: SourceAuthRequest;
  readonly strategy?: StrategyName;
  readonly full?: boolean;
  readonly types?: readonly string[];
  /** Other hosts trusted with the source's credentials and files (settings: source.allowedHosts). */
  readonly allowedHosts?: readonly string[];
  /** Minutes a resumed export may show no progress before a fresh one replaces it (settings: source.exportStuckMinutes). */
  readonly exportStuckMinutes?: number;
  readonly tags?: readonly string[];
  /** A server with no resources at all is an error (EMPTY_SOURCE) unless this is set. */
  readonly allowEmpty?: boolean;
}

export interface Engine {
  readonly location: string;
  init(request: InitRequest): Promise<InitResult>;
  /** Backs up NDJSON files; an empty input is EMPTY_SOURCE unless `allowEmpty`. */
  backupNdjson(input: string, options?: LongOperationOptions & { tags?: readonly string[]; allowEmpty?: boolean }): Promise<BackupResult>;
  backupFhir(request: FhirBackupRequest, options?: LongOperationOptions): Promise<BackupResult & { strategy: StrategyName; requests: number }>;
  /** Backs up one folder source (its folders, with exclusions) into a files snapshot, then the copies. */
  backupFolders(request: FolderBackupRequest, options?: LongOperationOptions): Promise<FolderBackupResult>;
  /** Dumps one database (credentials from the secret store by name) into a snapshot, then the copies. */
  backupDatabase(request: DatabaseBackupRequest, options?: LongOperationOptions): Promise<DatabaseBackupResult>;
  /** Restores a PostgreSQL or SQLite dump into a new database (never over an existing one). */
  restoreDatabase(request: DatabaseRestoreRequest, options?: LongOperationOptions): Promise<DatabaseRestoreResult>;
  /** "Test the dump": runs a database source's dump into nothing (password from the secret store); size and time, or the cause. */
  testDatabaseDump(request: { readonly database: DatabaseSourceSetting }, options?: LongOperationOptions): Promise<DatabaseDumpTestResult>;
  /** The sources: the FHIR server (settings.source) and the folder and database sources (settings.sources). */
  listSources(): Promise<SourceListItem[]>;
  /** Adds a folder or database source (validated; nothing saved on a mistake). */
  addSource(source: ExtraSourceSetting): Promise<SourceListItem[]>;
  /** Removes a folder or database source by name; its snapshots stay. */
  removeSource(name: string): Promise<SourceListItem[]>;
  /** Backs up one configured folder or database source by name. */
  backupSource(name: string, options?: LongOperationOptions): Promise<BackupResult>;
  /** Backs up every source (what the schedule runs); one failing does not stop the others. */
  backupAllSources(options?: LongOperationOptions): Promise<SourceRunOutcome[]>;
  /** A drill of a folder source (sample of files restored and verified) or a database source (dump restored into a throw-away database). */
  drillSource(request?: { snapshot?: string; source?: string; kind?: 'files' | 'database'; sampleSize?: number }, options?: LongOperationOptions): Promise<SourceDrillResult>;
  /** Lists a files snapshot below a path, optionally only names containing `query`. */
  listFiles(request: FilesScopeRequest & { query?: string; limit?: number; depth?: number }): Promise<FileListResult>;
  /** What restoring files would write and what exists at the target already. Writes nothing. */
  planRestoreFiles(request: FilesRestoreRequest): Promise<FilesRestorePlanResult>;
  /** Restores a whole folder source, a folder or one file to a folder; existing files only with `overwrite`. */
  restoreFiles(request: FilesRestoreRequest, options?: LongOperationOptions): Promise<FilesRestoreResultSummary>;
  snapshots(): Promise<SnapshotSummary[]>;
  snapshot(ref: string): Promise<{ summary: SnapshotSummary; manifest: SnapshotRecord['manifest'] }>;
  check(options?: LongOperationOptions & { readData?: boolean; readDataSubset?: { n: number; m: number } }): Promise<CheckResult>;
  restoreToFolder(request: RestoreToFolderRequest & { asOf?: string }, options?: LongOperationOptions): Promise<RestoreResult>;
  /** What a restore to a folder would write (counts per type; one patient: the shared resources left out). Writes nothing. */
  planRestoreToFolder(request: RestoreScopeRequest, options?: LongOperationOptions): Promise<FolderRestorePlan>;
  /** What a restore into a FHIR server would do, including resources newer on the target. Writes nothing. */
  planRestoreToServer(request: ServerRestoreRequest, options?: LongOperationOptions): Promise<RestorePlan>;
  /** Restores into a FHIR server; needs `confirmed`. Resumes an interrupted restore of the same scope. */
  restoreToServer(request: ServerRestoreRequest & { confirmed: boolean; verify?: 'none' | 'sample' | 'all' }, options?: LongOperationOptions): Promise<FhirRestoreResult & { plan: RestorePlan }>;
  /** Lists the resources of a snapshot (optionally one type or one patient's compartment). */
  ls(request: RestoreScopeRequest): Promise<ResourceListResult>;
  /** One resource's stored bytes. */
  dump(snapshot: string, reference: string): Promise<{ snapshotId: string; bytes: Buffer }>;
  stats(): Promise<RepoStats>;
  listKeys(): Promise<KeySlotSummary[]>;
  addKey(
    kind: 'keychain' | 'passphrase' | 'recovery',
    options?: { passphrase?: string; name?: string; language?: RecoveryKeyLanguage },
  ): Promise<{ slot: KeySlotSummary; recoveryKey: string[][] | null }>;
  removeKey(slotId: string): Promise<void>;
  /**
   * Replaces the recovery key: the printed kit stops working. Needs `confirmed` (the user typed the confirmation);
   * the new slot is verified before older recovery slots are removed; the confirmation ceremony starts again.
   */
  rotateRecoveryKey(request: { confirmed: boolean; language?: RecoveryKeyLanguage }): Promise<RecoveryKitWords>;
  /** The current recovery key's words, to print the same kit again (any number of times; nothing changes). */
  recoveryKit(language?: RecoveryKeyLanguage): Promise<RecoveryKitWords>;
  /** The current recovery key's printable kit as HTML and PDF (the same words every time). */
  recoveryKitDocuments(language?: RecoveryKeyLanguage, options?: LongOperationOptions): Promise<RecoveryKitWords & { html: string; pdf: Buffer }>;
  recoveryKitStatus(): Promise<RecoveryKitStatus>;
  /** The confirmation ceremony: the user types back the two words asked for. */
  confirmRecoveryKit(answers: readonly { position: number; word: string }[]): Promise<{ confirmedAt: string }>;
  /** Recovery on a new machine with the printed recovery key alone. */
  connect(request: { recoveryKey: string; useKeychain: boolean }): Promise<ConnectResult>;
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
  findPatients(request: { snapshot?: string; query: string; limit?: number }): Promise<PatientSearchResult>;
  /**
   * check --repair: damaged or missing files are replaced with verified copies from the other destinations, and a
   * missing or damaged index is rebuilt from the packs' own headers (no other copy needed); then checks again.
   */
  checkAndRepair(
    request: { from?: readonly string[]; readData?: boolean },
    options?: LongOperationOptions,
  ): Promise<CheckResult & { repaired: string[]; unrepaired: { file: string; reason: string }[] }>;
  /** Rebuilds the index from the packs' own headers (like `restic repair index`); no other copy needed. */
  repairIndex(options?: LongOperationOptions): Promise<RepairIndexResult>;
  /** A repaired successor for each snapshot whose data is gone, listing every lost resource (history is never rewritten). */
  repairSnapshots(options?: LongOperationOptions): Promise<RepairSnapshotsResult>;
  /** Status, KPIs and health for the status command, the dashboard and the tray. */
  status(): Promise<StatusSummary>;
  /** Subscribes to engine events (progress, tasks, runs); returns the unsubscribe function. */
  subscribe(listener: (event: EngineEvent) => void): () => void;
  /** The long operations running now (backups, restores, checks, drills, replication, prune, reports). */
  tasks(): TaskInfo[];
  /**
   * Cancels a running task: it stops at its next safe point and leaves the repository and the target as after a
   * crash (nothing half-committed, locks released, a restore resumable); its call fails with CANCELLED saying so.
   */
  cancelTask(id: string): { cancelled: boolean };
  /** Tests a FHIR source (reachable, authorised, R4) without backing it up. */
  probeSource(request: { source: string; auth: SourceAuthRequest }): Promise<SourceProbe>;
  /** Candidate local destinations (mounted drives and shares) and what each holds. */
  detectDestinations(): Promise<DetectedDestination[]>;
  /** Offsite providers by name with their service addresses and regions (Brazilian ones first). */
  offsiteProviders(): OffsiteProvider[];
  /** Whether the OS keychain can be used here ('not-used' with a passphrase file or a host-supplied store counts as available). */
  keychainStatus(): Promise<'available' | 'unavailable' | 'not-used'>;
  /** The folder picker of the setup: roots (drives, shares) with free space, or the folders inside one. */
  browseFolders(request: { path?: string }): Promise<FolderListing>;
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
  forget(request: { policy?: RetentionPolicy; dryRun: boolean }): Promise<ForgetResult>;
  /** Removes data no snapshot references (exclusive lock, crash-safe, Object-Lock aware). */
  prune(request?: { dryRun?: boolean }, options?: LongOperationOptions): Promise<PruneResult>;
  /** Converts a version 1 repository to format version 2 in place (resumable; docs/format.md §21.4). */
  migrate(options?: LongOperationOptions): Promise<MigrateResult>;
  /**
   * The monthly restore test: restores a snapshot (from the offsite copy when one is configured, since that is
   * what a disaster leaves) into a fresh sandbox FHIR server, validates it and records the result.
   */
  drill(request?: { snapshot?: string; target?: string; allowFallback?: boolean }, options?: LongOperationOptions): Promise<DrillRunResult>;
  listDrills(): Promise<DrillSummary[]>;
  /** The disaster-recovery plan or the compliance summary, generated from the actual configuration. */
  configurationReport(kind: 'dr-plan' | 'compliance', options?: LongOperationOptions): Promise<{ html: string; pdf: Buffer }>;
  /** The clinic's contacts (SOP-019 §4 roles) and where the printed recovery kit is kept. */
  getPeople(): Promise<PeopleSettings>;
  updatePeople(patch: Partial<PeopleSettings>): Promise<PeopleSettings>;
  /** The incident register, newest first, each with its ANPD 3-business-day clock. */
  listIncidents(): Promise<IncidentView[]>;
  recordIncident(input: IncidentInput): Promise<IncidentView>;
  updateIncident(id: number, input: IncidentInput): Promise<IncidentView>;
  /** A drill's report as HTML and PDF. */
  drillReport(id: number, options?: LongOperationOptions): Promise<{ html: string; pdf: Buffer }>;
  /** The schedules with their text and next run. */
  schedules(): Promise<{ name: string; policy: SchedulePolicy; description: string; nextAt: string }[]>;
  /**
   * Runs the scheduler in the foreground until the signal fires: backups, a weekly data-check slice, monthly
   * drills when available, and alert evaluation. One scheduler per repository and machine (a second refuses).
   */
  runScheduler(options: { signal: AbortSignal; onEvent?: (event: RunnerEvent) => void }): Promise<void>;
  /** Evaluates the alert rules now and delivers what is due (also done after every run). */
  checkAlerts(): Promise<AlertCheckResult>;
  /** Sends a test alert through a configured channel ("email" or "webhook"). */
  sendTestAlert(channel: string): Promise<{ channel: string; sentAt: string }>;
  /** How each alert channel last fared (its test or a real alert). */
  alertChannelHealth(): Promise<{ email: AlertChannelHealth | null; webhook: AlertChannelHealth | null }>;
  /** The SOP-019 §9 checklist, each check with plain-language text and a fix. */
  doctor(): Promise<DoctorReportView>;
  close(): Promise<void>;
}
