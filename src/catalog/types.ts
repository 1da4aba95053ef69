/** Plain data shapes of the catalog (times are ISO 8601 strings in UTC). */
import type { Clock } from '../scheduler/index.js';
import type { JsonValue } from './canonicalJson.js';
import type { Migration } from './migrations.js';

export type RunStatus = 'running' | 'success' | 'partial' | 'failed' | 'interrupted';
export type FinishedStatus = Exclude<RunStatus, 'running'>;

export interface RunCounts {
  readonly resourcesNew?: number;
  readonly resourcesChanged?: number;
  readonly resourcesDeleted?: number;
  readonly resourcesTotal?: number;
  readonly bytesRead?: number;
  readonly bytesAdded?: number;
}

export interface RunStart {
  /** backup, check, replicate, prune, restore … */
  readonly kind: string;
  readonly destination?: string | null;
  readonly startedAt?: Date;
}

export interface RunResult extends RunCounts {
  readonly status: FinishedStatus;
  readonly endedAt?: Date;
  readonly snapshotId?: string | null;
  readonly errorCode?: string | null;
  /** Stored with credentials scrubbed. */
  readonly errorMessage?: string | null;
}

export interface RunRecord {
  readonly id: number;
  readonly kind: string;
  readonly startedAt: string;
  readonly endedAt: string | null;
  readonly status: RunStatus;
  readonly snapshotId: string | null;
  readonly destination: string | null;
  readonly resourcesNew: number;
  readonly resourcesChanged: number;
  readonly resourcesDeleted: number;
  readonly resourcesTotal: number;
  readonly bytesRead: number;
  readonly bytesAdded: number;
  readonly errorCode: string | null;
  readonly errorMessage: string | null;
}

export interface RunStats {
  readonly total: number;
  readonly byStatus: Readonly<Record<RunStatus, number>>;
  /** (success + partial) / finished runs, 0-1; null when nothing finished. */
  readonly successRate: number | null;
  readonly bytesRead: number;
  readonly bytesAdded: number;
  /** Mean duration of successful runs, ms; null when none. */
  readonly meanDurationMs: number | null;
}

export interface SnapshotCacheEntry {
  readonly id: string;
  readonly time: string;
  readonly parent: string | null;
  readonly source: string;
  /** Resources per type. */
  readonly counts: Readonly<Record<string, number>>;
  /** Destination ids holding the snapshot. */
  readonly destinations: readonly string[];
}

export type DestinationKind = 'local' | 's3';

export interface DestinationInput {
  readonly id: string;
  /** Folder path or s3 endpoint/bucket/prefix. Never credentials. */
  readonly location: string;
  readonly kind: DestinationKind;
  readonly label?: string;
  readonly repoId?: string | null;
}

export interface DestinationStatus {
  readonly ok: boolean;
  readonly at?: Date;
  readonly errorCode?: string | null;
  readonly capacityTotal?: number | null;
  readonly capacityFree?: number | null;
  readonly offline?: boolean;
}

export interface DestinationRecord {
  readonly id: string;
  readonly location: string;
  readonly kind: DestinationKind;
  readonly label: string;
  readonly repoId: string | null;
  readonly lastSuccessAt: string | null;
  readonly lastErrorCode: string | null;
  readonly capacityTotal: number | null;
  readonly capacityFree: number | null;
  readonly offline: boolean;
}

export interface DrillStart {
  readonly snapshotId: string | null;
  readonly operator?: string | null;
  readonly startedAt?: Date;
}

export interface DrillResult {
  readonly status: FinishedStatus;
  readonly endedAt?: Date;
  readonly recoveryTimeMs?: number | null;
  readonly timeToFirstCriticalMs?: number | null;
  /** 0-1 */
  readonly integrityScore?: number | null;
  readonly resourcesRestored?: number;
  readonly bytesRead?: number;
  readonly report?: JsonValue;
}

export interface DrillRecord {
  readonly id: number;
  readonly startedAt: string;
  readonly endedAt: string | null;
  readonly status: RunStatus;
  readonly snapshotId: string | null;
  readonly recoveryTimeMs: number | null;
  readonly timeToFirstCriticalMs: number | null;
  readonly integrityScore: number | null;
  readonly resourcesRestored: number;
  readonly bytesRead: number;
  readonly report: JsonValue | null;
  readonly operator: string | null;
}

export type AlertSeverity = 'low' | 'medium' | 'high' | 'critical';

export type AlertParams = Readonly<Record<string, string | number | boolean | null>>;

export interface AlertInput {
  /** Rule name, e.g. "stale", "integrity", "disk". */
  readonly rule: string;
  readonly severity: AlertSeverity;
  /** Deduplication key: one active alert per key, e.g. "stale:nas". */
  readonly key: string;
  /** i18n key of the message. */
  readonly messageKey: string;
  readonly params?: AlertParams;
  readonly at?: Date;
}

export interface AlertRecord {
  readonly id: number;
  readonly rule: string;
  readonly severity: AlertSeverity;
  readonly key: string;
  readonly firstAt: string;
  readonly lastAt: string;
  readonly clearedAt: string | null;
  readonly messageKey: string;
  readonly params: AlertParams;
  readonly notifiedChannels: readonly string[];
  readonly deliveryAttempts: number;
  readonly nextAttemptAt: string | null;
  /** Channels told that this (cleared) alert is resolved. */
  readonly resolvedChannels: readonly string[];
  /** When the next attempt to send a resolution that failed is due (null: due now, or nothing owed). */
  readonly resolutionNextAt: string | null;
  readonly resolutionAttempts: number;
}

export interface AlertUpsert {
  readonly alert: AlertRecord;
  /** A new alert (nobody was told yet). */
  readonly created: boolean;
  /** An active alert whose severity went up: worth notifying again. */
  readonly escalated: boolean;
}

export interface AuditInput {
  readonly actor: string;
  readonly action: string;
  readonly details?: JsonValue;
  readonly at?: Date;
}

export interface AuditEntry {
  readonly seq: number;
  readonly at: string;
  readonly actor: string;
  readonly action: string;
  readonly details: JsonValue;
  readonly prevHash: string;
  readonly hash: string;
}

export type AuditVerification =
  | { readonly ok: true; readonly count: number; readonly lastHash: string }
  | {
      readonly ok: false;
      readonly count: number;
      /** The first entry that is wrong (or missing). */
      readonly firstBadSeq: number;
      readonly problem: 'hash-mismatch' | 'chain-broken' | 'missing' | 'unreadable';
    };

export interface SettingRecord {
  readonly key: string;
  readonly value: JsonValue;
  readonly updatedAt: string;
}

/** Checks a setting's value before it is saved; throws an EngineError (e.g. FieldValidationError) to refuse. */
export type SettingValidator = (value: JsonValue, key: string) => void;

export interface CatalogOptions {
  readonly clock?: Clock;
  /**
   * Extra setting validators by exact key or by prefix ending in ".*" (e.g. "schedule.*").
   * Built in: "retention" (legal floor, see minimumLegalFloorYears) and "schedule.*".
   */
  readonly validators?: Readonly<Record<string, SettingValidator>>;
  /** Minimum legal floor the "retention" setting may declare (default 20 years). */
  readonly minimumLegalFloorYears?: number;
  /** For tests of the migration machinery only. */
  readonly migrations?: readonly Migration[];
}
