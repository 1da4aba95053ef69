/**
 * The data of the contract every front end uses (CLI, serve, Electron IPC; the UI's methods are in api.ts):
 * plain data in and out. Errors cross it as ErrorInfo values (see errors.ts), never as thrown objects.
 * Restores, settings, status, people and the folder and database sources have their own files, re-exported here.
 */
import type { OperationKind, ProgressEvent } from './events.js';
import type { DestinationConfig } from './settings.js';

export type * from './restore.js';
export type * from './settings.js';
export type * from './status.js';
export type * from './people.js';
export type * from './sources.js';
export type * from './dumpTest.js';

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
  /** The verification rotation's last reading of this copy: when, whether it was sound, the slice read ("2/4"). */
  readonly verification?: { readonly at: string; readonly ok: boolean; readonly slice: string | null; readonly errorCode: string | null } | null;
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

/** How an alert channel last fared (its test or a real alert): a channel that failed is not shown as working. */
export interface AlertChannelHealth {
  readonly ok: boolean;
  readonly at: string;
  /** The error's code and its message in the user's language (the field it concerns, never a secret); null when ok. */
  readonly code: string | null;
  readonly message: string | null;
}

/** A region of an offsite provider, with the service address to use there (none for Amazon S3: the SDK knows it). */
export interface OffsiteRegion {
  /** The region name the service expects (sa-east-1, br-se1, us-west-004…). */
  readonly region: string;
  /** The city or area, as the provider names it (a proper noun: shown as is). */
  readonly city: string;
  /** ISO 3166 country code of the data centre; the screen names the country in the user's language. */
  readonly country: string;
  readonly endpoint: string | null;
  /** The data stays in Brazil (no LGPD authorisation needed). */
  readonly inBrazil: boolean;
}

/** An offsite storage provider offered by name in the setup (endpoint and regions filled in); "other" has none. */
export interface OffsiteProvider {
  readonly id: 'aws' | 'b2' | 'wasabi' | 'magalu' | 'other';
  /** The provider's own name (a brand: not translated); empty for "other". */
  readonly name: string;
  /** The region offered first (in Brazil when the provider has one). */
  readonly defaultRegion: string | null;
  readonly regions: readonly OffsiteRegion[];
}

/** One place the folder picker offers at the top: a drive, a network share, or a folder the installer allowed. */
export interface FolderRoot {
  readonly path: string;
  readonly freeBytes: number | null;
  readonly totalBytes: number | null;
}

/**
 * The server-side folder picker (serve mode): the roots when no folder is given, else the folders inside one
 * (never files). `state` says what the folder holds (a repository of this product, nothing, other files);
 * `suggested` is where a new repository would go (a "ClinicBackup" folder inside it, or the folder itself when
 * it already is one or is empty).
 */
export interface FolderListing {
  readonly path: string | null;
  readonly parent: string | null;
  readonly roots: readonly FolderRoot[];
  readonly folders: readonly { readonly name: string; readonly path: string }[];
  readonly state: DetectedDestination['state'] | null;
  readonly suggested: string | null;
  /** More folders than listed (the listing is bounded). */
  readonly truncated: boolean;
}

export interface AuditLogEntry {
  readonly seq: number;
  readonly at: string;
  readonly actor: string;
  readonly action: string;
  readonly details: unknown;
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
