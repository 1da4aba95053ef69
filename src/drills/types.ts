/**
 * What a restore drill takes and produces (ARCHITECTURE.md §8, SOP-019 §6.3: recoveryTime, integrityScore,
 * resourcesRestored). The record itself (checks, failures, copies, the report) is defined once in
 * src/shared/drill.ts, which src/reports prints; the drill always fills the fields older records may lack.
 */
import type { Repository } from '../repository/index.js';
import type { AuthProvider } from '../source/index.js';
import type {
  DrillChecks as RecordedChecks,
  DrillCopy,
  DrillFailure as RecordedFailure,
  DrillProblem,
  DrillReport,
  DrillStatus,
  DrillTypeResult as RecordedTypeResult,
  ErrorCode,
  ErrorDetails,
  LongOperationOptions,
} from '../shared/index.js';
import type { Tier } from '../policy/index.js';

export type { DrillCheckOutcome, DrillCopy, DrillCopyAttempt, DrillFailureKind, DrillProblem, DrillProblemKind, DrillStatus } from '../shared/index.js';

/** Per type, as the drill measures it (mismatches always counted). */
export type DrillTypeResult = RecordedTypeResult & { readonly contentMismatches: number };
/** The four checks, as the drill runs them (references outside the restored set always counted). */
export type DrillChecks = RecordedChecks & { readonly references: RecordedChecks['references'] & { readonly external: number } };
/** A failure with its plain-language next step (i18n key in src/i18n/messages/drills.ts). */
export type DrillFailure = RecordedFailure & { readonly nextStep: string };
/** The report data the drill writes (what the catalog stores and src/reports prints). */
export type DrillReportShape = DrillReport;

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

/** `now`: the clock of the drill's start and end times (the engine's, so an injected clock is followed). */
export type DrillOptions = LongOperationOptions & { readonly now?: () => Date };

/** At most this many damaged resources are named. */
export const MAX_PROBLEMS = 200;

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
