/** Data shapes of the doctor (SOP-019 §9 troubleshooting checklist as code). */
import type { AlertSeverity } from '../catalog/index.js';
import type { S3BackendOptions } from '../backend/index.js';
import type { SourceAuth } from '../source/index.js';
import type { KeychainOptions, KeychainProbeResult } from '../secrets/index.js';
import type { Clock } from '../scheduler/index.js';

export type DoctorCheckId =
  | 'source.reachable'
  | 'source.authorised'
  | 'source.export'
  | 'source.clock'
  | 'destination.mounted'
  | 'destination.writable'
  | 'destination.space'
  | 'destination.s3.reachable'
  | 'destination.s3.region'
  | 'keychain'
  | 'schedule'
  | 'drill'
  | 'recoveryKit';

/** pass: fine. warn: works, but needs attention. fail: broken. skip: could not be checked (an earlier check failed). */
export type DoctorStatus = 'pass' | 'warn' | 'fail' | 'skip';

/** "info" for passes and skips; otherwise how bad the problem is (same scale as alerts). */
export type DoctorSeverity = 'info' | AlertSeverity;

export type DoctorParams = Readonly<Record<string, string | number | boolean | null>>;

export interface DoctorCheck {
  readonly id: DoctorCheckId;
  /** The destination id for destination checks. */
  readonly subject?: string;
  /** True only for status "pass". */
  readonly ok: boolean;
  readonly status: DoctorStatus;
  readonly severity: DoctorSeverity;
  /** i18n key of the check's name. */
  readonly titleKey: string;
  /** i18n key of what was found (filled from params). */
  readonly detailKey: string;
  /** Plain values; "…At" ISO times, "…Minutes"/"…Days" durations, "…Bytes" sizes (formatted by renderDoctorCheck). Never secrets. */
  readonly params: DoctorParams;
  /** i18n key of the fix in plain language; null when there is nothing to do. */
  readonly fixKey: string | null;
}

export interface DoctorReport {
  readonly at: string;
  /** No check failed (warnings and skips allowed). */
  readonly ok: boolean;
  /** The worst severity among the checks, "info" when all is well. */
  readonly worst: DoctorSeverity;
  readonly checks: readonly DoctorCheck[];
}

export type TimeInput = Date | string;

export interface DoctorSourceInput {
  /** FHIR base URL (no credentials in it). */
  readonly url: string;
  /** Credentials already read from the SecretStore by the caller. */
  readonly auth?: SourceAuth;
  /** Per request, default 10 s. */
  readonly timeoutMs?: number;
}

export interface DoctorLocalDestination {
  readonly id: string;
  readonly label?: string;
  readonly kind: 'local';
  readonly path: string;
}

export interface DoctorS3Destination {
  readonly id: string;
  readonly label?: string;
  readonly kind: 's3';
  /** As the engine opens it (credentials read from the SecretStore by the caller). */
  readonly options: S3BackendOptions;
}

export type DoctorDestinationInput = DoctorLocalDestination | DoctorS3Destination;

export interface DoctorScheduleInput {
  /** Folder of the scheduler lock files (see src/scheduler/schedulerLock.ts). */
  readonly lockDir: string;
  readonly repoId: string;
  /** The runner's next runs (Runner.nextRuns()), when known. An empty list means nothing is scheduled. */
  readonly nextRuns?: readonly { readonly name: string; readonly at: TimeInput }[];
  /** Automatic backups paused by the user. */
  readonly paused?: boolean;
}

export type DoctorSecretStoreInput =
  | { readonly kind: 'keychain'; readonly service?: string; readonly timeoutMs?: number }
  /** A password file, Electron safeStorage or memory: the OS keychain is not needed. */
  | { readonly kind: 'file' | 'safeStorage' | 'memory' };

export interface DoctorLimits {
  /** Clock difference with the FHIR server above which to warn (default 5 min). */
  readonly maxClockSkewMs: number;
  /** Disk usage above which to warn (default 80 %). */
  readonly diskWarnPercent: number;
  /** Disk usage above which the check fails (default 95 %). */
  readonly diskFailPercent: number;
  /** Free space below which the check fails (default 1 GiB). */
  readonly minFreeBytes: number;
  /** A scheduled run this late means the scheduler is stuck (default 15 min). */
  readonly overdueGraceMs: number;
  /** Default drill interval (30 days). */
  readonly drillIntervalDays: number;
}

export interface DoctorInput {
  readonly source?: DoctorSourceInput;
  readonly destinations?: readonly DoctorDestinationInput[];
  readonly secretStore?: DoctorSecretStoreInput;
  readonly schedule?: DoctorScheduleInput;
  /** Last successful drill (null = never). */
  readonly drill?: { readonly lastAt: TimeInput | null; readonly intervalDays?: number };
  readonly recoveryKit?: { readonly confirmed: boolean; readonly confirmedAt?: TimeInput | null };
  readonly limits?: Partial<DoctorLimits>;
}

export interface DoctorDeps {
  readonly clock?: Clock;
  /** Default: the real keychain probe of src/secrets. */
  readonly probeKeychain?: (options: KeychainOptions) => Promise<KeychainProbeResult>;
  /** Default: S3 GetBucketLocation with the destination's own options ("" means us-east-1). */
  readonly bucketRegion?: (options: S3BackendOptions, signal?: AbortSignal) => Promise<string | null>;
  /** Default: a signal-0 probe of the pid. */
  readonly isProcessAlive?: (pid: number) => boolean;
  readonly signal?: AbortSignal;
  /** Called as each check finishes (progress for the CLI and UI). */
  readonly onCheck?: (check: DoctorCheck) => void;
}
