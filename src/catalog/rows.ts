/** Rows of the catalog's tables and their mapping to the records the catalog returns; small value checks. */
import { EngineError } from '../shared/index.js';
import { scrubSecrets } from '../i18n/index.js';
import { FieldValidationError } from '../policy/index.js';
import type { Clock } from '../scheduler/index.js';
import { parseJson } from './canonicalJson.js';
import type { AlertParams, AlertRecord, AlertSeverity, DestinationRecord, DrillRecord, RunRecord, RunStats, RunStatus, SnapshotCacheEntry } from './types.js';

export const SEVERITY_RANK: Readonly<Record<AlertSeverity, number>> = { low: 0, medium: 1, high: 2, critical: 3 };
export const RUN_STATUSES: readonly RunStatus[] = ['running', 'success', 'partial', 'failed', 'interrupted'];

/** Rejects locations that embed credentials: user:password@host, or secrets in a query string. */
export function assertNoCredentials(location: string): void {
  const userinfo = /^[a-z][a-z0-9+.-]*:\/\/[^/?#]*@/i.test(location);
  const query = /[?&](?:[^=&]*(?:secret|password|passwd|token|signature|credential|access[_-]?key)[^=&]*)=/i.test(location);
  if (userinfo || query) throw new FieldValidationError('INVALID_SETTINGS', [{ field: 'location', key: 'catalog.location.credentials' }]);
}

/** scrubSecrets plus HTTP auth schemes ("Authorization: Bearer <token>" keeps the token otherwise). */
export function scrubMessage(text: string): string {
  return scrubSecrets(text.replace(/\b(Bearer|Basic|Digest)\s+[^\s"',;]+/gi, '$1 ***'));
}

export function iso(d: Date | undefined, clock: Clock): string {
  return (d ?? clock.now()).toISOString();
}

export function count(v: number | undefined, field: string): number {
  const n = v ?? 0;
  if (!Number.isSafeInteger(n) || n < 0) throw new EngineError('INVALID_ARGUMENT', { field, reason: 'must be an integer ≥ 0' });
  return n;
}

export function optionalCount(v: number | null | undefined, field: string): number | null {
  return v === null || v === undefined ? null : count(v, field);
}

export interface RunRow {
  id: number;
  kind: string;
  started_at: string;
  ended_at: string | null;
  status: RunStatus;
  snapshot_id: string | null;
  destination: string | null;
  resources_new: number;
  resources_changed: number;
  resources_deleted: number;
  resources_total: number;
  bytes_read: number;
  bytes_added: number;
  error_code: string | null;
  error_message: string | null;
}

export interface SnapshotRow {
  id: string;
  time: string;
  parent: string | null;
  source: string;
  counts_json: string;
  destinations: string;
}

export interface DestinationRow {
  id: string;
  location: string;
  kind: 'local' | 's3';
  last_success_at: string | null;
  last_error_code: string | null;
  capacity_total: number | null;
  capacity_free: number | null;
  repo_id: string | null;
  label: string;
  offline: number;
}

export interface DrillRow {
  id: number;
  started_at: string;
  ended_at: string | null;
  status: RunStatus;
  snapshot_id: string | null;
  recovery_time_ms: number | null;
  time_to_first_critical_ms: number | null;
  integrity_score: number | null;
  resources_restored: number;
  bytes_read: number;
  report_json: string | null;
  operator: string | null;
}

export interface AlertRow {
  id: number;
  rule: string;
  severity: AlertSeverity;
  key: string;
  first_at: string;
  last_at: string;
  cleared_at: string | null;
  message_key: string;
  params_json: string;
  notified_channels_json: string;
  delivery_attempts: number;
  next_attempt_at: string | null;
  resolved_channels_json: string;
  resolution_attempts: number;
  resolution_next_at: string | null;
}

export interface AuditRow {
  seq: number;
  at: string;
  actor: string;
  action: string;
  details_json: string;
  prev_hash: string;
  hash: string;
}

export const toRun = (r: RunRow): RunRecord => ({
  id: r.id,
  kind: r.kind,
  startedAt: r.started_at,
  endedAt: r.ended_at,
  status: r.status,
  snapshotId: r.snapshot_id,
  destination: r.destination,
  resourcesNew: r.resources_new,
  resourcesChanged: r.resources_changed,
  resourcesDeleted: r.resources_deleted,
  resourcesTotal: r.resources_total,
  bytesRead: r.bytes_read,
  bytesAdded: r.bytes_added,
  errorCode: r.error_code,
  errorMessage: r.error_message,
});

export const toSnapshot = (r: SnapshotRow): SnapshotCacheEntry => ({
  id: r.id,
  time: r.time,
  parent: r.parent,
  source: r.source,
  counts: parseJson(r.counts_json) as Record<string, number>,
  destinations: parseJson(r.destinations) as string[],
});

export const toDestination = (r: DestinationRow): DestinationRecord => ({
  id: r.id,
  location: r.location,
  kind: r.kind,
  label: r.label,
  repoId: r.repo_id,
  lastSuccessAt: r.last_success_at,
  lastErrorCode: r.last_error_code,
  capacityTotal: r.capacity_total,
  capacityFree: r.capacity_free,
  offline: r.offline === 1,
});

export const toDrill = (r: DrillRow): DrillRecord => ({
  id: r.id,
  startedAt: r.started_at,
  endedAt: r.ended_at,
  status: r.status,
  snapshotId: r.snapshot_id,
  recoveryTimeMs: r.recovery_time_ms,
  timeToFirstCriticalMs: r.time_to_first_critical_ms,
  integrityScore: r.integrity_score,
  resourcesRestored: r.resources_restored,
  bytesRead: r.bytes_read,
  report: r.report_json === null ? null : parseJson(r.report_json),
  operator: r.operator,
});

export const toAlert = (r: AlertRow): AlertRecord => ({
  id: r.id,
  rule: r.rule,
  severity: r.severity,
  key: r.key,
  firstAt: r.first_at,
  lastAt: r.last_at,
  clearedAt: r.cleared_at,
  messageKey: r.message_key,
  params: parseJson(r.params_json) as AlertParams,
  notifiedChannels: parseJson(r.notified_channels_json) as string[],
  deliveryAttempts: r.delivery_attempts,
  nextAttemptAt: r.next_attempt_at,
  resolvedChannels: parseJson(r.resolved_channels_json ?? '[]') as string[],
  resolutionNextAt: r.resolution_next_at ?? null,
  resolutionAttempts: r.resolution_attempts ?? 0,
});

/** Run statistics from the per-status totals of a period. */
export function runStatsOf(rows: readonly { status: RunStatus; n: number; br: number | null; ba: number | null; dur: number | null }[]): RunStats {
  const byStatus: Record<RunStatus, number> = { running: 0, success: 0, partial: 0, failed: 0, interrupted: 0 };
  let bytesRead = 0;
  let bytesAdded = 0;
  let meanDurationMs: number | null = null;
  for (const r of rows) {
    byStatus[r.status] = r.n;
    bytesRead += r.br ?? 0;
    bytesAdded += r.ba ?? 0;
    if (r.status === 'success' && r.dur !== null) meanDurationMs = Math.round(r.dur);
  }
  const finished = byStatus.success + byStatus.partial + byStatus.failed + byStatus.interrupted;
  const total = finished + byStatus.running;
  return {
    total,
    byStatus,
    // A partial run (some data left out) is not a success (SOP-019 §7: the rate is of complete runs).
    successRate: finished === 0 ? null : byStatus.success / finished,
    bytesRead,
    bytesAdded,
    meanDurationMs,
  };
}
