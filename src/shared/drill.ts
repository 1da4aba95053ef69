/**
 * A restore drill's record (ARCHITECTURE.md §8, SOP-019 §6.3: recovery time, integrity score, resources restored):
 * what src/drills produces, what the catalog stores as the drill's report (plain JSON, times as ISO strings) and
 * what src/reports prints. Defined once here. Fields marked optional may be missing from records written by older
 * versions; the drills module always fills them.
 */
import type { ErrorCode, ErrorDetails } from './errors.js';

/** SOP-019 criticality tiers (the restore order: critical data first). */
export type Tier = 'critical' | 'essential' | 'important' | 'auxiliary';

export type DrillStatus = 'success' | 'partial' | 'failed' | 'interrupted';
export type DrillCheckOutcome = 'passed' | 'failed' | 'skipped';

export interface DrillTypeResult {
  readonly resourceType: string;
  /** Resources of this type in the snapshot (manifest counts). */
  readonly expected: number;
  /** Resources of this type on the target after the restore (the server's own count). */
  readonly restored: number;
  /** Restored resources whose content differs from the backup (server meta ignored). */
  readonly contentMismatches?: number;
}

export interface DrillChecks {
  /** Resources per type on the target = counts in the snapshot manifest. */
  readonly counts: { readonly outcome: DrillCheckOutcome; readonly typesChecked: number; readonly typesMismatched: number };
  /** Each restored resource read back = the backed-up resource, ignoring server-assigned meta. */
  readonly content: { readonly outcome: DrillCheckOutcome; readonly checked: number; readonly mismatched: number };
  /** Every reference (Type/id) inside restored resources points to a resource of the restored set. */
  readonly references: { readonly outcome: DrillCheckOutcome; readonly checked: number; readonly unresolved: number; readonly external?: number };
  /** A seeded random sample of patients: every resource of their compartment in the snapshot is on the target. */
  readonly compartment: {
    readonly outcome: DrillCheckOutcome;
    readonly patientsSampled: number;
    readonly patientsComplete: number;
    readonly resourcesChecked: number;
  };
  /** Every attachment restored (exam PDFs, images) read back with the backed-up SHA-256; absent when there were none. */
  readonly attachments?: { readonly outcome: DrillCheckOutcome; readonly checked: number; readonly mismatched: number };
}

export type DrillFailureKind =
  'count-mismatch' | 'content-mismatch' | 'unresolved-reference' | 'compartment-incomplete' | 'restore-rejected' | 'repository-error' | 'sandbox-error' | 'rto-exceeded' | 'interrupted' | 'other';

/** One line of the report's "failures and what to do" (grouped: per kind and resource type). */
export interface DrillFailure {
  readonly kind: DrillFailureKind;
  readonly resourceType?: string | null;
  readonly count?: number | null;
  /** Identifiers only ("Observation/123 -> Patient/9", "data/ab/ab12…"); never clinical content. */
  readonly example?: string | null;
  /** The engine error behind the failure, if any (an ErrorCode); its text comes from the error catalogue. */
  readonly errorCode?: ErrorCode | null;
  readonly errorDetails?: ErrorDetails | null;
  /** i18n key of the plain-language next step. */
  readonly nextStep?: string;
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

/** One damaged resource, by name (Type/id). */
export interface DrillProblem {
  readonly kind: DrillProblemKind;
  readonly resource: string;
  readonly code?: string;
  /** The repository file at fault (data/xx/…), for unreadable resources. */
  readonly file?: string;
  /** For references: the reference that does not resolve. */
  readonly reference?: string;
}

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

/** A finished drill's report: what the catalog keeps and the printed report shows. */
export interface DrillReport {
  readonly id?: number | string | null;
  readonly clinicName?: string | null;
  readonly status: DrillStatus;
  readonly trigger?: 'scheduled' | 'manual' | null;
  readonly startedAt: string;
  readonly endedAt: string | null;
  /** OS user who ran or confirmed the drill. */
  readonly operator: string | null;
  readonly host?: string | null;
  /** The snapshot restored, and the FHIR server (base URL) or folder it was taken from. */
  readonly snapshot: { readonly id: string; readonly time: string; readonly source: string };
  /** Which copy was read. */
  readonly repository?: { readonly id: string; readonly location: string } | null;
  /** Where it was restored to (null: the embedded sandbox, gone after the drill). */
  readonly target?: string | null;
  readonly resources: readonly DrillTypeResult[];
  readonly checks: DrillChecks;
  /** 0-1 */
  readonly integrityScore: number | null;
  /** Whole restore, from start until the last resource was on the target. */
  readonly recoveryTimeMs: number | null;
  /** From start until the critical tier (Patient, AllergyIntolerance) was usable. */
  readonly timeToFirstCriticalMs: number | null;
  /** From start until every resource of the tier was restored. */
  readonly tierCompletedMs?: Readonly<Partial<Record<Tier, number>>> | null;
  readonly bytesRead: number;
  readonly failures: readonly DrillFailure[];
  readonly timeZone?: string;
  readonly toolVersion?: string;
  readonly generatedAt?: string;
  /** Not (yet) printed: which copy was read and why a fallback happened; the named damage. */
  readonly copy?: DrillCopy;
  readonly sample?: { readonly seed: number; readonly patients: readonly string[] };
  readonly problems?: readonly DrillProblem[];
  readonly problemCount?: number;
}

/** A drill as the history lists it. */
export interface DrillSummary {
  readonly id: number;
  readonly startedAt: string;
  readonly status: string;
  readonly integrityScore: number | null;
  readonly recoveryTimeMs: number | null;
  readonly resourcesRestored: number;
}

/** What running a drill answers (the full record is in the catalog and its report). */
export interface DrillRunResult {
  readonly id: number;
  readonly status: string;
  readonly integrityScore: number | null;
  readonly recoveryTimeMs: number | null;
  readonly resourcesRestored: number;
  /** The copy read ("offsite", "local"), null when none could be opened. */
  readonly usedCopy: string | null;
}

/** A drill of a folder or database source: what was restored and, item by item, what that proved. */
export interface SourceDrillResult {
  readonly id: number;
  readonly kind: 'files' | 'database';
  readonly status: 'success' | 'failed';
  readonly snapshotId: string;
  readonly source: string;
  readonly recoveryTimeMs: number;
  readonly restored: number;
  readonly bytes: number;
  /** Each check in the user's words, and whether it held. */
  readonly proofs: readonly { readonly code: string; readonly ok: boolean; readonly text: string }[];
}
