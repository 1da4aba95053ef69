import type { ErrorCode } from './errors.js';
import type { OperationKind, ProgressEvent } from './events.js';

/**
 * The one API contract every front end uses (CLI, serve, Electron IPC): plain data in and out.
 * Errors cross it as ErrorInfo values (see errors.ts), never as thrown objects.
 */

export interface InitRequest {
  /** Create a passphrase slot with this passphrase (headless servers, tests). */
  readonly passphrase?: string;
  /** Store a key slot secret in the OS keychain (default for the desktop app and CLI). */
  readonly useKeychain: boolean;
  /** Language of the printed recovery key words. */
  readonly recoveryLanguage?: 'pt-BR' | 'en';
}

export interface KeySlotSummary {
  readonly id: string;
  readonly kind: 'keychain' | 'passphrase' | 'recovery';
  readonly name: string;
  readonly created: string;
  readonly host: string;
}

export interface InitResult {
  readonly repoId: string;
  readonly location: string;
  readonly slots: readonly KeySlotSummary[];
  /** The recovery key, lines of words, shown once to be printed. Null when no recovery slot was made. */
  readonly recoveryKey: readonly (readonly string[])[] | null;
  /** Word positions (1-based) the user types back to confirm the kit was stored. */
  readonly confirmPositions: readonly [number, number] | null;
}

/** A recovery key as printed: 8 lines of 4 words, with the kit's confirmation state. */
export interface RecoveryKitWords {
  readonly repoId: string;
  readonly location: string;
  readonly slot: KeySlotSummary;
  readonly recoveryKey: string[][];
  /** Words to type back while the kit is unconfirmed (1-based positions); null once confirmed. */
  readonly confirmPositions: [number, number] | null;
  readonly confirmed: boolean;
}

export interface SnapshotSummary {
  readonly id: string;
  readonly shortId: string;
  readonly time: string;
  readonly hostname: string;
  readonly source: { readonly kind: string; readonly location: string; readonly strategy: string };
  readonly mode: 'full' | 'incremental';
  readonly parent: string | null;
  readonly serverTransactionTime: string | null;
  readonly counts: Readonly<Record<string, number>>;
  readonly resources: number;
  readonly bytes: number;
  readonly added: number;
  readonly changed: number;
  readonly deleted: number;
  readonly storedBytesAdded: number;
  readonly partial: boolean;
  readonly problemCount: number;
  readonly tags: readonly string[];
  /** Attachment content kept with the snapshot (exam PDFs, images): records, stored, bytes, not stored. */
  readonly attachments?: { readonly count: number; readonly stored: number; readonly bytes: number; readonly external: number; readonly failed: number };
  /** Resource types the source could not be read for in this run (kept from the previous snapshot). */
  readonly notCovered?: readonly string[];
  /** Shrink guard: far fewer resources than the previous snapshot of the same source. */
  readonly suspicious?: { readonly previous: string; readonly previousResources: number; readonly resources: number; readonly dropPercent: number; readonly thresholdPercent: number };
  /** A repaired successor (repair snapshots): the damaged snapshot it repairs, and how many resources were lost. */
  readonly repairedFrom?: string;
  readonly lostCount?: number;
}

/** Something a run tells the clinic although it succeeded (already translated). */
export interface RunWarning {
  readonly code: string;
  readonly message: string;
}

export interface BackupProblem {
  readonly code: string;
  readonly file?: string;
  readonly line?: number;
  readonly reason?: string;
}

/** What happened to one configured copy after a backup. An unplugged drive is "offline", not a failure. */
export interface CopyOutcome {
  readonly location: string;
  readonly state: 'ok' | 'offline' | 'partial' | 'failed';
  readonly copied: number;
  readonly errorCode: string | null;
  readonly ejected: boolean | null;
}

export interface BackupResult {
  readonly snapshot: SnapshotSummary;
  readonly durationMs: number;
  readonly problems: readonly BackupProblem[];
  /** Replication to the configured copies (3-2-1) after the snapshot was committed. */
  readonly copies?: readonly CopyOutcome[];
  readonly warnings?: readonly RunWarning[];
}

/** A configured copy of the repository (NAS share, rotating USB drive, S3 bucket). */
export interface DestinationConfig {
  readonly location: string;
  readonly kind: 'nas' | 'usb' | 's3' | 'local';
  readonly label?: string;
  readonly offsite?: boolean;
  /** S3 Object Lock or otherwise write-once. */
  readonly immutable?: boolean;
  /** USB rotation: a drive not updated for this many days is overdue (default 7). */
  readonly rotateDays?: number;
  /** Safely eject a USB drive after it was updated. */
  readonly eject?: boolean;
  /** S3 region of a bucket copy (default: the engine's s3Region). */
  readonly region?: string;
}

/**
 * A copy added from the user interface (setup wizard, destinations screen). S3 credentials travel in once,
 * are tested against the bucket, and are kept in the secret store; settings hold only where the copy is.
 */
export type AddCopyRequest =
  | {
      readonly kind: 's3';
      /** https://host[:port] of an S3-compatible service; absent for AWS. */
      readonly endpoint?: string;
      readonly bucket: string;
      readonly prefix?: string;
      readonly region: string;
      readonly accessKeyId: string;
      readonly secretAccessKey: string;
      /** The clinic accepts storing health data outside Brazil (LGPD); needed for such regions. */
      readonly residencyAcknowledged?: boolean;
      /** The bucket has Object Lock (or put-only credentials with versioning). */
      readonly immutable?: boolean;
      readonly label?: string;
    }
  | { readonly kind: 'nas' | 'usb'; readonly path: string; readonly label?: string; readonly rotateDays?: number };

export interface AddCopyResult {
  readonly location: string;
  readonly kind: DestinationConfig['kind'];
  readonly label: string;
  /** Whether the destination already held this repository (a copy set up before) or was empty. */
  readonly existing: boolean;
  /** Why storing there is allowed (S3): a Brazilian region, a private endpoint, or the clinic's acknowledgement. */
  readonly residency: 'brazilian-region' | 'private-endpoint' | 'acknowledged' | null;
}

/** Retention rules the settings screen edits (GFS counts; the legal floor cannot go below the law). */
export interface RetentionSetting {
  readonly keepLast?: number;
  readonly keepDaily?: number;
  readonly keepWeekly?: number;
  readonly keepMonthly?: number;
  readonly keepYearly?: number;
  readonly legalFloorYears?: number;
  readonly timeZone?: string;
}

/** A patient found in a snapshot by name or id (for the one-patient restore). */
export interface PatientMatch {
  readonly id: string;
  readonly name: string;
  readonly birthDate: string | null;
}

export interface DestinationState {
  readonly location: string;
  readonly kind: DestinationConfig['kind'];
  readonly label: string;
  readonly lastSuccessAt: string | null;
  readonly offline: boolean;
  readonly errorCode: string | null;
  /** The newest snapshot this copy holds (as of its last update). */
  readonly latestSnapshot: string | null;
  readonly overdue: boolean;
}

export interface CheckProblemSummary {
  readonly code: string;
  readonly file: string;
  readonly reason: string;
  readonly snapshots: readonly string[];
  /** The first resources affected (bounded); resourceCount says how many in all. */
  readonly resources: readonly string[];
  readonly resourceCount?: number;
}

export interface CheckResult {
  readonly ok: boolean;
  readonly problems: readonly CheckProblemSummary[];
  readonly stats: Readonly<Record<string, number>>;
  readonly durationMs: number;
}

/** A restore to a folder of NDJSON files: the scope (snapshot, date, types, patient) and where to write. */
export interface RestoreToFolderRequest extends RestoreScopeRequest {
  readonly target: string;
  readonly overwrite?: boolean;
  /** Explicit confirmation; without it nothing is written. */
  readonly confirmed: boolean;
}

export interface RestoreResult {
  readonly snapshotId: string;
  readonly target: string;
  readonly counts: Readonly<Record<string, number>>;
  readonly resources: number;
  readonly bytes: number;
  readonly bytesRead: number;
  readonly failures: readonly { readonly resource: string; readonly code: string; readonly file?: string }[];
  readonly durationMs: number;
  /** Attachments written beside the NDJSON (attachments/ and attachments.ndjson). */
  readonly attachments?: { readonly files: number; readonly bytes: number; readonly listed: number };
  /** Patient scope: compartment resources that also concern other patients (written only when sharedIncluded). */
  readonly shared?: readonly SharedResourceSummary[];
  readonly sharedIncluded?: boolean;
  /** Parts of a damaged snapshot's listing that could not be read (their resources were not restored). */
  readonly listingLost?: readonly ListingLossSummary[];
  /** Types asked for that the snapshot does not hold. */
  readonly missingTypes?: readonly string[];
}

export interface RepoStats {
  readonly repoId: string;
  readonly location: string;
  readonly snapshots: number;
  readonly packs: number;
  readonly blobs: number;
  readonly storedBytes: number;
  /** Sum of resource bytes in the latest snapshot. */
  readonly latestBytes: number;
  /** Resource bytes of the latest snapshot / bytes stored for the whole repository. */
  readonly compressionRatio: number;
  readonly byKind: Readonly<Record<string, { readonly files: number; readonly bytes: number }>>;
  readonly codec: string;
}

/** A restore into a FHIR server, planned before anything is written (ARCHITECTURE.md §6). */
export interface RestorePlan {
  readonly snapshotId: string;
  readonly snapshotTime: string;
  readonly target: string;
  readonly selection: { readonly types?: readonly string[]; readonly patient?: string };
  /** Types in the order they will be written. */
  readonly order: readonly string[];
  readonly counts: Readonly<Record<string, number>>;
  readonly resources: number;
  readonly bytes: number;
  /** On the target already (will be overwritten with the backup's version). */
  readonly existing: number;
  /**
   * On the target with content that differs from the backup (server-managed meta such as versionId and
   * lastUpdated ignored) and a later lastUpdated: writing would replace newer data (the first 500).
   */
  readonly newerOnTarget: readonly { readonly resource: string; readonly target: string; readonly backup: string | null }[];
  /** How many resources are newer on the target in all. */
  readonly newerOnTargetTotal?: number;
  /** On the target already with the same content as the backup (writing changes nothing). */
  readonly sameOnTarget?: number;
  readonly criticalTypes: readonly string[];
  readonly server: { readonly fhirVersion: string; readonly software: string | null };
  /** References from restored resources to resources outside the selection (patient scope), all of them. */
  readonly danglingReferences?: readonly string[];
  /**
   * Ids: kept (PUT), or assigned by the target (it does not create by PUT: its CapabilityStatement says so, or
   * it refuses when tried), with the old → new map kept per target (`file`; `known` entries from earlier runs).
   */
  readonly ids?: { readonly mode: 'kept' | 'server-assigned'; readonly reason: 'capability' | 'default'; readonly known: number; readonly file: string | null };
  /** Attachments of the restored resources: Binaries to create first, links pointed at them. */
  readonly attachments?: {
    readonly count: number;
    readonly stored: number;
    readonly bytes: number;
    /** Binaries this restore creates (their links are rewritten to the new locations). */
    readonly binaries: number;
    /** Created by an earlier restore into this target (reused). */
    readonly alreadyOnTarget: number;
    /** Links to Binary resources restored with the data (they follow those resources). */
    readonly followResources: number;
    /** Attachments whose content is not in the backup (other hosts, failed downloads): links left as they were. */
    readonly notStored: number;
  };
  /** Server-administration resources (projects, logins, client secrets) in the selection: left out unless included. */
  readonly administration?: { readonly included: boolean; readonly counts: Readonly<Record<string, number>> };
  /**
   * Patient scope: every compartment resource that also concerns other patients (a Group, a shared Encounter …),
   * with those patients. Not written unless sharedIncluded.
   */
  readonly shared?: readonly SharedResourceSummary[];
  readonly sharedIncluded?: boolean;
  /** Parts of a damaged snapshot's listing that could not be read: per type, how many resources (null: unknown). */
  readonly listingLost?: readonly ListingLossSummary[];
  /** Types asked for that the snapshot does not hold. */
  readonly missingTypes?: readonly string[];
}

/** What a restore to a folder would write (planned first, like a server restore). */
export interface FolderRestorePlan {
  readonly snapshotId: string;
  readonly snapshotTime: string;
  readonly counts: Readonly<Record<string, number>>;
  readonly resources: number;
  readonly bytes: number;
  readonly shared: readonly SharedResourceSummary[];
  readonly sharedIncluded: boolean;
  readonly listingLost: readonly ListingLossSummary[];
  /** Types asked for that the snapshot does not hold. */
  readonly missingTypes: readonly string[];
}

export interface SharedResourceSummary {
  readonly resource: string;
  readonly patients: readonly string[];
}

export interface ListingLossSummary {
  readonly type: string | null;
  readonly resources: number | null;
}

export interface ResourceOutcome {
  readonly resource: string;
  readonly status: 'created' | 'updated' | 'failed' | 'unreadable';
  readonly code?: ErrorCode | string;
  readonly outcome?: string;
}

export interface FhirRestoreResult {
  readonly snapshotId: string;
  readonly target: string;
  readonly restored: number;
  readonly skippedFromJournal: number;
  readonly counts: Readonly<Record<string, number>>;
  readonly failures: readonly ResourceOutcome[];
  readonly bytes: number;
  readonly bytesRead: number;
  /** Time until the Critical tier (patients, allergies) was fully restored: when the clinic can work again. */
  readonly timeToCriticalMs: number | null;
  readonly durationMs: number;
  readonly verification: { readonly checked: number; readonly mismatches: readonly string[] } | null;
  readonly requests: number;
  /** How ids were handled; with server-assigned ids, the old → new map (kept in `file`; a sample here). */
  readonly ids?: {
    readonly mode: 'kept' | 'server-assigned';
    /** The first resource whose PUT the target refused, when the switch to server-assigned ids happened mid-way. */
    readonly detectedAt?: string;
    /** New mappings made by this restore. */
    readonly assigned: number;
    readonly known: number;
    readonly file: string | null;
    readonly sample: readonly { readonly from: string; readonly to: string }[];
    /** Resources rewritten after the fact because they pointed at resources created later. */
    readonly fixedReferences: number;
  };
  readonly attachments?: { readonly binariesCreated: number; readonly alreadyOnTarget: number; readonly bytes: number; readonly failed: number; readonly notStored: number };
  /** Server-administration resources left out (by default), and those the target refused when included. */
  readonly administration?: { readonly excluded: readonly { readonly type: string; readonly count: number }[]; readonly refused: readonly { readonly resource: string; readonly code: string }[] };
}


export interface RestoreScopeRequest {
  /** Snapshot id, unique prefix or "latest" (default). */
  readonly snapshot?: string;
  /** The latest snapshot taken at or before this date/time. */
  readonly asOf?: string;
  readonly types?: readonly string[];
  readonly patient?: string;
  /** Patient scope: also write the resources that concern other patients too (listed in the plan). */
  readonly includeShared?: boolean;
}

export interface ResourceListing {
  readonly type: string;
  readonly id: string;
  readonly versionId: string | null;
  readonly lastUpdated: string | null;
  readonly size: number;
  readonly patients: readonly string[];
}

/** A long operation in progress (backup, restore, check, drill, replication, prune, report), which can be cancelled. */
export interface TaskInfo {
  readonly id: string;
  readonly kind: OperationKind;
  /** What the task is, in plain words ("Backup of the FHIR server"). */
  readonly title: string;
  readonly startedAt: string;
  /** The latest progress, null before the first. */
  readonly progress: ProgressEvent | null;
  /** Cancel was asked for; the task stops at its next safe point. */
  readonly cancelling: boolean;
}

export type TaskStatus = 'success' | 'failed' | 'cancelled';

/** Events the engine emits for front ends (tray, notifications, UI, SSE). Never carry secrets. */
export type EngineEvent =
  | ProgressEvent
  | { readonly type: 'run-started'; readonly runId: number; readonly kind: string }
  | { readonly type: 'run-finished'; readonly runId: number; readonly kind: string; readonly status: 'success' | 'partial' | 'failed' | 'interrupted'; readonly errorCode: string | null }
  | { readonly type: 'task-started'; readonly task: TaskInfo }
  | {
      readonly type: 'task-finished';
      readonly taskId: string;
      readonly kind: OperationKind;
      readonly status: TaskStatus;
      readonly errorCode: string | null;
      /** For a cancelled task: in what state it left the repository and the target (plain words). */
      readonly message: string | null;
    }
  /** Something went wrong that did not stop the work (a subscriber failed): for logs. Code only, never a message. */
  | { readonly type: 'diagnostic'; readonly level: 'warning'; readonly what: string; readonly errorCode: string }
  | { readonly type: 'status-changed' };

export type HealthState = 'ok' | 'running' | 'warning' | 'error';

export interface StatusAlert {
  readonly key: string;
  readonly rule: string;
  readonly severity: 'low' | 'medium' | 'high' | 'critical';
  readonly message: string;
  readonly since: string;
}

/** One screen of status (SOP-019 §6.3 daily check and §7 KPIs), for `status`, the dashboard and the tray. */
export interface StatusSummary {
  readonly repoId: string;
  readonly location: string;
  readonly state: HealthState;
  /** Short reasons for the state, already translated. */
  readonly reasons: readonly string[];
  readonly lastBackup: { readonly at: string; readonly status: string; readonly snapshotId: string | null; readonly errorCode: string | null } | null;
  readonly lastSuccessAt: string | null;
  /** When the scheduler will run the next backup; null when no scheduler is running. */
  readonly nextBackupAt: string | null;
  /** The scheduler of this repository, read from its lock as doctor reads it. */
  readonly scheduler: { readonly running: boolean; readonly state: 'running' | 'other-host' | 'stale' | 'not-running' | 'unreadable'; readonly pid: number | null; readonly since: string | null; readonly host: string | null };
  /** The clinic's time zone, in which every time is shown. */
  readonly timeZone: string;
  readonly running: { readonly kind: string; readonly since: string } | null;
  readonly snapshots: number;
  readonly alerts: readonly StatusAlert[];
  readonly kpis: {
    readonly backupSuccessRate: number | null;
    readonly compressionRate: number | null;
    readonly validationRate: number | null;
    readonly recoveryTestSuccessRate: number | null;
    readonly rpoAchievedMs: number | null;
    readonly rpoTargetMs: number;
    readonly mttrMs: number | null;
    readonly healthScore: number;
  };
  readonly recoveryKit: { readonly confirmed: boolean };
  /** The 3-2-1-1-0 rule from the configured copies: "3 copies · 2 media · 1 offsite · 1 immutable · 0 errors". */
  readonly copies: { readonly copies: number; readonly media: number; readonly offsite: number; readonly immutable: number; readonly errors: number; readonly ok: boolean; readonly text: string };
  readonly destinations: readonly DestinationState[];
  readonly drill: { readonly lastAt: string | null; readonly dueAt: string | null; readonly overdue: boolean };
  readonly history: readonly { readonly at: string; readonly status: string; readonly resources: number; readonly bytesAdded: number }[];
}

/** The FHIR server backed up, and how. */
export interface SourceSetting {
  readonly url: string;
  readonly auth: SourceAuthSetting;
  /**
   * Other addresses the clinic trusts with the server's credentials and files ("Other allowed addresses"): a file
   * server or bucket holding export files or attachments. "host", "host:port" or "https://host".
   */
  readonly allowedHosts?: readonly string[];
  /** Minutes a resumed server export may show no progress before it is replaced by a fresh one (default 10). */
  readonly exportStuckMinutes?: number;
}

/** How the app reaches the FHIR source. Credentials appear only as names of stored secrets (or files for the CLI). */
export type SourceAuthSetting =
  | { readonly kind: 'none' }
  | { readonly kind: 'bearer'; readonly tokenSecret?: string; readonly tokenFile?: string }
  | { readonly kind: 'basic'; readonly username: string; readonly passwordSecret?: string; readonly passwordFile?: string }
  | {
      readonly kind: 'smart';
      readonly clientId: string;
      readonly tokenUrl: string;
      readonly keySecret?: string;
      readonly keyFile?: string;
      readonly keyId?: string;
      /** One scope to ask for (default: "system/*.rs", then "system/*.read"). */
      readonly scope?: string;
      /** Scopes tried in turn (e.g. ["system/*.rs", "system/*.*"]); each entry may hold several, space-separated. */
      readonly scopes?: readonly string[];
    };

/** A schedule as stored in settings (see policy/schedule.ts for the full validation). */
export type ScheduleSetting =
  | { readonly kind: 'interval'; readonly everyMinutes: number; readonly timeZone?: string; readonly window?: { readonly from: string; readonly to: string } }
  | { readonly kind: 'daily'; readonly at: string; readonly timeZone?: string }
  | { readonly kind: 'weekly'; readonly weekday: number; readonly at: string; readonly timeZone?: string }
  | { readonly kind: 'monthly'; readonly day: number; readonly at: string; readonly timeZone?: string };

/** E-mail alerts (SMTP). The password is the name of a stored secret. */
export interface EmailAlertSetting {
  readonly host: string;
  readonly port?: number;
  readonly security?: 'tls' | 'starttls' | 'none';
  readonly username?: string;
  readonly passwordSecret?: string;
  readonly from: string;
  readonly to: readonly string[];
}

/** Webhook alerts (JSON POST, optionally HMAC-signed with a stored secret). */
export interface WebhookAlertSetting {
  readonly url?: string;
  readonly urlSecret?: string;
  readonly signingSecret?: string;
}

export interface AppSettings {
  readonly language: 'pt-BR' | 'en';
  readonly clinicName?: string;
  readonly source: SourceSetting | null;
  readonly schedule: { readonly backup: ScheduleSetting; readonly drill: ScheduleSetting };
  readonly alerts?: { readonly email?: EmailAlertSetting | null; readonly webhook?: WebhookAlertSetting | null };
  /** Retention in force (the default until changed). */
  readonly retention?: RetentionSetting;
  /** Copies added from the user interface (read-only here: addCopy/removeCopy change them). */
  readonly copies?: readonly DestinationConfig[];
  /**
   * Shrink guard: a backup holding more than this percentage fewer resources than the previous one of the same
   * source is kept but marked suspicious, with a high alert (default 30; 0 turns it off).
   */
  readonly shrinkGuardPercent?: number;
  /** The clinic's IANA time zone; every time shown is in it (default America/Sao_Paulo). */
  readonly timeZone?: string;
}

export interface SourceProbe {
  readonly fhirVersion: string;
  readonly software: string | null;
  readonly systemExport: boolean;
  readonly systemHistory: boolean;
  readonly types: number;
}

export interface DetectedDestination {
  readonly path: string;
  readonly state: 'offline' | 'empty' | 'repository' | 'foreign';
  readonly repoId: string | null;
  readonly freeBytes: number | null;
  readonly totalBytes: number | null;
}

export interface AuditLogEntry {
  readonly seq: number;
  readonly at: string;
  readonly actor: string;
  readonly action: string;
  readonly details: unknown;
}

/** A restore into a FHIR server: the scope, the server and how to sign in to it. */
export interface ServerRestoreRequest extends RestoreScopeRequest {
  readonly target: string;
  readonly auth: SourceAuthSetting;
  /** Also write server-administration resources (projects, logins, client applications); default: left out. */
  readonly includeAdministration?: boolean;
}

/** Where the user interface's repository is and which front end serves it. */
export interface HostInfo {
  readonly location: string;
  readonly mode: 'serve' | 'electron';
  readonly version: string;
  readonly locale: 'pt-BR' | 'en';
  /** Whether a new repository keeps its key in the keychain (desktop, CLI default) or in the password file. */
  readonly useKeychain: boolean;
}

/** The desktop app's own settings (Electron only). */
export interface DesktopSettings {
  readonly startAtLogin: boolean;
  readonly pauseOnBattery: boolean;
}

/** Whether the printed recovery kit was confirmed (the user typed back two of its words). */
export interface RecoveryKitStatus {
  readonly confirmed: boolean;
  readonly confirmedAt: string | null;
  readonly createdAt: string | null;
  /** Word positions (1-based) asked for while unconfirmed. */
  readonly positions: [number, number] | null;
}

export interface PatientSearchResult {
  readonly snapshotId: string;
  readonly patients: PatientMatch[];
  /** How many patients match in all (more than listed when over the limit). */
  readonly total: number;
}

export interface ResourceListResult {
  readonly snapshotId: string;
  readonly resources: ResourceListing[];
  readonly missingTypes: string[];
}

export interface ForgetDecision {
  readonly id: string;
  readonly time: string;
  readonly keep: boolean;
  readonly explanation: string;
}

export interface ForgetResult {
  readonly decisions: ForgetDecision[];
  readonly removed: string[];
}

export interface AlertCheckResult {
  readonly raised: number;
  readonly cleared: number;
  readonly active: number;
  readonly delivered: number;
  readonly failed: number;
}

export interface DoctorCheckView {
  readonly id: string;
  readonly subject: string | null;
  readonly status: string;
  readonly severity: string;
  readonly title: string;
  readonly detail: string;
  readonly fix: string | null;
}

export interface DoctorReportView {
  readonly ok: boolean;
  readonly checks: DoctorCheckView[];
}

export interface ConnectResult {
  readonly repoId: string;
  readonly location: string;
  readonly slot: KeySlotSummary;
  readonly snapshots: number;
}
