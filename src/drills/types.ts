/**
 * What a restore drill produces (ARCHITECTURE.md §8, SOP-019 §6.3: recoveryTime, integrityScore,
 * resourcesRestored). Plain JSON-able data: it is stored in the catalog and printed by src/reports.
 *
 * The report shapes (DrillTypeResult, DrillChecks, DrillFailure, DrillReportShape) mirror
 * src/reports/drillReport.ts's DrillReportData field for field; src/drills sits below src/reports in the
 * layer order, so it cannot import them, and the test in test/drills checks that they stay assignable.
 */
import type { Repository } from '../repository/repository.js';
import type { AuthProvider } from '../source/fhir/http.js';
import type { ErrorCode, ErrorDetails } from '../shared/errors.js';
import type { LongOperationOptions } from '../shared/events.js';
import type { Tier } from '../policy/tiers.js';

export type DrillStatus = 'success' | 'partial' | 'failed' | 'interrupted';
export type DrillCheckOutcome = 'passed' | 'failed' | 'skipped';

/** One copy of the repository the drill may read, in preference order (the offsite copy first when configured). */
export interface DrillCandidate {
  /** 'offsite', 'local', or a destination label. */
  readonly label: string;
  /** Opens the repository (keys included). A throw (e.g. DEST_OFFLINE) makes the drill try the next copy, if allowed. */
  open(): Promise<Repository>;
  /** Releases what open() made (e.g. closes the backend); called once at the end, also on failure or cancel. */
  close?(repo: Repository): Promise<void>;
}

/** A FHIR server to restore into instead of a fresh in-process sandbox (it should be empty). */
export interface DrillTargetServer {
  readonly baseUrl: string;
  readonly auth?: AuthProvider;
}

export interface DrillInput {
  /** Copies in preference order; at least one. */
  readonly candidates: readonly DrillCandidate[];
  /** May the drill use the next copy when the first cannot be opened? (A user setting; default false.) */
  readonly allowFallback?: boolean;
  /** Snapshot id, unique prefix or "latest" (default). */
  readonly snapshot?: string;
  /** The latest snapshot taken at or before this date/time (instead of `snapshot`). */
  readonly asOf?: string;
  /** Default: a fresh in-process sandbox (startSandbox({ patients: 0 })), closed at the end whatever happens. */
  readonly target?: DrillTargetServer;
  /** Orders resource types for the restore (policy/tiers restoreOrder). */
  readonly orderTypes: (types: readonly string[]) => string[];
  /** Critical tier types (policy/tiers TIER_TYPES.critical). */
  readonly criticalTypes: readonly string[];
  /** Patients whose compartment is checked completely (default 10). */
  readonly sampleSize?: number;
  /** Seed of the patient sample (default: random; always recorded). */
  readonly seed?: number;
  /** RTO target for the whole restore; default the slowest tier target among the types restored (TIER_TARGETS). */
  readonly rtoTargetMs?: number;
  /** RTO target for the Critical tier; default TIER_TARGETS.critical. */
  readonly criticalRtoTargetMs?: number;
  /** Who runs the drill; default the signed-in OS user (os.userInfo().username). */
  readonly operator?: string | null;
  /** Take a shared repository lock while reading (default true; a read-only copy is read without one). */
  readonly lock?: boolean;
}

export type DrillOptions = LongOperationOptions;

export interface DrillTypeResult {
  readonly resourceType: string;
  /** Resources of this type in the snapshot (manifest counts). */
  readonly expected: number;
  /** Resources of this type on the target after the restore (the server's own count). */
  readonly restored: number;
  /** Restored resources whose content differs from the backup (server meta ignored). */
  readonly contentMismatches: number;
}

export interface DrillChecks {
  /** Resources per type on the target = counts in the snapshot manifest. */
  readonly counts: { readonly outcome: DrillCheckOutcome; readonly typesChecked: number; readonly typesMismatched: number };
  /** Each restored resource read back = the backed-up resource, ignoring server-assigned meta. */
  readonly content: { readonly outcome: DrillCheckOutcome; readonly checked: number; readonly mismatched: number };
  /** Every reference (Type/id) inside restored resources points to a resource of the restored set. */
  readonly references: { readonly outcome: DrillCheckOutcome; readonly checked: number; readonly unresolved: number; readonly external: number };
  /** A seeded random sample of patients: every resource of their compartment in the snapshot is on the target. */
  readonly compartment: {
    readonly outcome: DrillCheckOutcome;
    readonly patientsSampled: number;
    readonly patientsComplete: number;
    readonly resourcesChecked: number;
  };
  /** Every attachment restored (exam PDFs, images) read back from the target with the backed-up SHA-256. */
  readonly attachments?: { readonly outcome: DrillCheckOutcome; readonly checked: number; readonly mismatched: number };
}

export type DrillFailureKind =
  | 'count-mismatch'
  | 'content-mismatch'
  | 'unresolved-reference'
  | 'compartment-incomplete'
  | 'restore-rejected'
  | 'repository-error'
  | 'sandbox-error'
  | 'rto-exceeded'
  | 'interrupted'
  | 'other';

/** One line of the report's "failures and what to do" (grouped: per kind and resource type). */
export interface DrillFailure {
  readonly kind: DrillFailureKind;
  readonly resourceType?: string | null;
  readonly count?: number | null;
  /** Identifiers only ("Observation/123 -> Patient/9", "data/ab/ab12…"); never clinical content. */
  readonly example?: string | null;
  readonly errorCode?: ErrorCode | null;
  readonly errorDetails?: ErrorDetails | null;
  /** i18n key (src/i18n/messages/drills.ts) of the plain-language next step. */
  readonly nextStep: string;
}

export type DrillProblemKind =
  /** The backup could not be read (damaged or missing pack). */
  | 'unreadable'
  /** The target refused it. */
  | 'rejected'
  /** Not on the target after the restore, with no error reported for it. */
  | 'missing'
  | 'content-mismatch'
  | 'unresolved-reference'
  /** On the target but not in the snapshot (a target that was not empty). */
  | 'unexpected';

/** One damaged resource, by name (Type/id); at most MAX_PROBLEMS are kept. */
export interface DrillProblem {
  readonly kind: DrillProblemKind;
  readonly resource: string;
  readonly code?: string;
  /** The repository file at fault (data/xx/…), for unreadable resources. */
  readonly file?: string;
  /** For references: the reference that does not resolve. */
  readonly reference?: string;
}

export const MAX_PROBLEMS = 200;

export interface DrillCopyAttempt {
  readonly label: string;
  /** Backend location (never credentials) when the copy opened. */
  readonly location: string | null;
  readonly ok: boolean;
  readonly errorCode: ErrorCode | null;
  readonly errorDetails: ErrorDetails | null;
}

export interface DrillCopy {
  /** The copy that was read (null when none could be opened). */
  readonly label: string | null;
  readonly location: string | null;
  readonly repoId: string | null;
  /** True when the first copy failed and a later one was used (only with allowFallback). */
  readonly usedFallback: boolean;
  /** Why the first copy was not used. */
  readonly fallbackReason: { readonly label: string; readonly errorCode: ErrorCode; readonly errorDetails: ErrorDetails } | null;
  readonly attempts: readonly DrillCopyAttempt[];
  /** Whether a shared repository lock was held (false on a read-only copy). */
  readonly locked: boolean;
}

export interface DrillOutcome {
  readonly status: DrillStatus;
  /** ISO times. */
  readonly startedAt: string;
  readonly endedAt: string;
  readonly operator: string | null;
  readonly host: string;
  readonly snapshot: { readonly id: string; readonly time: string; readonly source: string } | null;
  readonly copy: DrillCopy;
  /** Where the data was restored: the sandbox's URL (gone after the drill) or the configured server. */
  readonly target: { readonly url: string | null; readonly sandbox: boolean; readonly existingBefore: number };
  /** Snapshot resources (manifest totals). */
  readonly resourcesExpected: number;
  /** Resources the target accepted (bundle entries answered 200/201). */
  readonly resourcesRestored: number;
  /** Restore start (plan: index, tree, target probe) → last resource written. Null when the restore did not finish. */
  readonly recoveryTimeMs: number | null;
  /** Restore start → every Critical-tier type written (null: none in the snapshot, or not reached). */
  readonly timeToCriticalMs: number | null;
  /** Restore start → every type of the tier written. */
  readonly tierCompletedMs: Readonly<Partial<Record<Tier, number>>>;
  /** Bytes read from the repository's backend by the restore (tree and resource frames; validation excluded). */
  readonly bytesRead: number;
  /** Bytes read again from the repository to validate. */
  readonly validationBytesRead: number;
  /**
   * 0-1 (catalog and reports use fractions): resources of the snapshot that passed every per-resource
   * check ÷ resources in the snapshot (manifest totals). Null when validation did not run.
   */
  readonly integrityScore: number | null;
  readonly rto: {
    readonly targetMs: number;
    readonly met: boolean | null;
    readonly criticalTargetMs: number;
    readonly criticalMet: boolean | null;
  };
  readonly checks: DrillChecks;
  readonly resources: readonly DrillTypeResult[];
  readonly sample: { readonly seed: number; readonly patients: readonly string[] };
  readonly failures: readonly DrillFailure[];
  /** Damaged resources by name, at most MAX_PROBLEMS. */
  readonly problems: readonly DrillProblem[];
  readonly problemCount: number;
  /** What stopped the drill early, if anything. */
  readonly error: { readonly code: ErrorCode; readonly details: ErrorDetails } | null;
}

/** Mirror of src/reports/drillReport.ts DrillReportData (JSON-able: times as ISO strings). */
export interface DrillReportShape {
  readonly id?: number | string | null;
  readonly clinicName?: string | null;
  readonly status: DrillStatus;
  readonly trigger?: 'scheduled' | 'manual' | null;
  readonly startedAt: string;
  readonly endedAt: string | null;
  readonly operator: string | null;
  readonly host?: string | null;
  readonly snapshot: { readonly id: string; readonly time: string; readonly source: string };
  readonly repository?: { readonly id: string; readonly location: string } | null;
  readonly target?: string | null;
  readonly resources: readonly DrillTypeResult[];
  readonly checks: DrillChecks;
  readonly integrityScore: number | null;
  readonly recoveryTimeMs: number | null;
  readonly timeToFirstCriticalMs: number | null;
  readonly tierCompletedMs?: Readonly<Partial<Record<Tier, number>>> | null;
  readonly bytesRead: number;
  readonly failures: readonly DrillFailure[];
  readonly timeZone?: string;
  readonly toolVersion?: string;
  readonly generatedAt?: string;
  /** Not (yet) printed by the report: which copy was read and why a fallback happened; the named damage. */
  readonly copy?: DrillCopy;
  readonly sample?: { readonly seed: number; readonly patients: readonly string[] };
  readonly problems?: readonly DrillProblem[];
  readonly problemCount?: number;
}
