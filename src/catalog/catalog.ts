/**
 * The local catalog: SQLite (better-sqlite3) holding run history, a cache of the repository's
 * snapshots, destinations, drills, alerts, settings and the audit trail.
 *
 * Durability: WAL journal with synchronous=FULL. WAL alone already survives kill -9 of the process
 * (a commit is in the WAL before it returns); FULL also fsyncs the WAL on every commit, so committed
 * history survives a power cut too. Catalog writes are few (a handful per run), so the cost is nil.
 *
 * The repository is the source of truth (ARCHITECTURE.md §4): when the file is not a database or is
 * malformed, open() moves it aside to `<path>.corrupt-<timestamp>` (with its -wal/-shm), creates a
 * fresh catalog and reports { rebuilt: true, reason } so the engine refills it from the repository
 * and records an audit event. Other errors (permissions, busy, newer schema) are thrown untouched.
 */
import { createHash } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import type Database from 'better-sqlite3';
import { EngineError } from '../shared/index.js';
import { DEFAULT_LEGAL_FLOOR_YEARS, validateRetentionPolicy, validateSchedulePolicy } from '../policy/index.js';
import { systemClock, type Clock } from '../scheduler/index.js';
import { canonicalJson, parseJson, type JsonValue } from './canonicalJson.js';
import { openOrRebuild, type CorruptReason } from './database.js';
import { MIGRATIONS, currentVersion } from './migrations.js';
import {
  assertNoCredentials,
  count,
  iso,
  optionalCount,
  RUN_STATUSES,
  runStatsOf,
  scrubMessage,
  SEVERITY_RANK,
  toAlert,
  toDestination,
  toDrill,
  toRun,
  toSnapshot,
  type AlertRow,
  type AuditRow,
  type DestinationRow,
  type DrillRow,
  type RunRow,
  type SnapshotRow,
} from './rows.js';
import type {
  AlertInput,
  AlertRecord,
  AlertUpsert,
  AuditEntry,
  AuditInput,
  AuditVerification,
  CatalogOptions,
  DestinationInput,
  DestinationRecord,
  DestinationStatus,
  DrillRecord,
  DrillResult,
  DrillStart,
  RunRecord,
  RunResult,
  RunStart,
  RunStats,
  RunStatus,
  SettingRecord,
  SettingValidator,
  SnapshotCacheEntry,
} from './types.js';

export type { CorruptReason } from './database.js';
export type { CatalogOptions } from './types.js';

export interface CatalogOpenResult {
  readonly catalog: Catalog;
  readonly rebuilt: boolean;
  readonly reason?: CorruptReason;
  /** SQLite's own words about the damage. */
  readonly detail?: string;
  /** Where the damaged file was moved. */
  readonly movedTo?: string;
}

/** prev_hash of the first audit entry. */
export const AUDIT_GENESIS_HASH = '0'.repeat(64);

/** The audit hash: SHA-256 over prev_hash (hex) followed by the canonical JSON of the entry. */
export function auditHash(prevHash: string, entry: { seq: number; at: string; actor: string; action: string; details: JsonValue }): string {
  return createHash('sha256')
    .update(prevHash + canonicalJson(entry), 'utf8')
    .digest('hex');
}

export class Catalog {
  private readonly validators = new Map<string, SettingValidator>();

  private constructor(
    private readonly db: Database.Database,
    readonly path: string,
    private readonly clock: Clock,
  ) {}

  /** Opens (creating and migrating as needed) the catalog at `file`; see the module comment. */
  static open(file: string, options: CatalogOptions = {}): CatalogOpenResult {
    const clock = options.clock ?? systemClock;
    mkdirSync(path.dirname(path.resolve(file)), { recursive: true, mode: 0o700 });
    const { db, damage, movedTo } = openOrRebuild(file, options.migrations ?? MIGRATIONS, clock);
    const catalog = new Catalog(db, file, clock);
    const floor = options.minimumLegalFloorYears ?? DEFAULT_LEGAL_FLOOR_YEARS;
    catalog.setSettingValidator('retention', (value) => {
      validateRetentionPolicy(value, floor);
    });
    catalog.setSettingValidator('schedule.*', (value) => {
      validateSchedulePolicy(value);
    });
    for (const [pattern, fn] of Object.entries(options.validators ?? {})) catalog.setSettingValidator(pattern, fn);
    if (!damage) return { catalog, rebuilt: false };
    return { catalog, rebuilt: true, reason: damage.reason, detail: damage.detail, movedTo };
  }

  close(): void {
    if (this.db.open) this.db.close();
  }

  schemaVersion(): number {
    return currentVersion(this.db);
  }

  /** SQLite's full integrity check: ['ok'] when healthy. */
  integrityCheck(): string[] {
    return (this.db.pragma('integrity_check') as { integrity_check: string }[]).map((r) => r.integrity_check);
  }

  // ---------------------------------------------------------------- runs

  /** Records the start of a run (status 'running') and returns its id. */
  startRun(input: RunStart): number {
    if (!input.kind) throw new EngineError('INVALID_ARGUMENT', { field: 'kind', reason: 'empty' });
    const r = this.db.prepare(`INSERT INTO runs (kind, started_at, status, destination) VALUES (?, ?, 'running', ?)`).run(input.kind, iso(input.startedAt, this.clock), input.destination ?? null);
    return Number(r.lastInsertRowid);
  }

  /** Records the outcome of a running run. NOT_FOUND for an unknown id; INVALID_ARGUMENT if already finished. */
  finishRun(id: number, result: RunResult): RunRecord {
    if (result.status === ('running' as string)) throw new EngineError('INVALID_ARGUMENT', { field: 'status', reason: 'running' });
    const params = {
      id,
      status: result.status,
      ended_at: iso(result.endedAt, this.clock),
      snapshot_id: result.snapshotId ?? null,
      resources_new: count(result.resourcesNew, 'resourcesNew'),
      resources_changed: count(result.resourcesChanged, 'resourcesChanged'),
      resources_deleted: count(result.resourcesDeleted, 'resourcesDeleted'),
      resources_total: count(result.resourcesTotal, 'resourcesTotal'),
      bytes_read: count(result.bytesRead, 'bytesRead'),
      bytes_added: count(result.bytesAdded, 'bytesAdded'),
      error_code: result.errorCode ?? null,
      error_message: result.errorMessage ? scrubMessage(result.errorMessage) : null,
    };
    const changed = this.db
      .prepare(
        `UPDATE runs SET status = @status, ended_at = @ended_at, snapshot_id = @snapshot_id,
           resources_new = @resources_new, resources_changed = @resources_changed, resources_deleted = @resources_deleted,
           resources_total = @resources_total, bytes_read = @bytes_read, bytes_added = @bytes_added,
           error_code = @error_code, error_message = @error_message
         WHERE id = @id AND status = 'running'`,
      )
      .run(params).changes;
    const run = this.getRun(id);
    if (!run) throw new EngineError('NOT_FOUND', { what: `run ${id}` });
    if (changed === 0) throw new EngineError('INVALID_ARGUMENT', { field: 'run', reason: `${id} is ${run.status}` });
    return run;
  }

  getRun(id: number): RunRecord | null {
    const row = this.db.prepare('SELECT * FROM runs WHERE id = ?').get(id) as RunRow | undefined;
    return row ? toRun(row) : null;
  }

  /** Newest first. */
  listRuns(filter: { kind?: string; status?: RunStatus; since?: Date; limit?: number } = {}): RunRecord[] {
    const rows = this.db
      .prepare(
        `SELECT * FROM runs WHERE (@kind IS NULL OR kind = @kind) AND (@status IS NULL OR status = @status)
           AND (@since IS NULL OR started_at >= @since) ORDER BY started_at DESC, id DESC LIMIT @limit`,
      )
      .all({ kind: filter.kind ?? null, status: filter.status ?? null, since: filter.since?.toISOString() ?? null, limit: filter.limit ?? 100 }) as RunRow[];
    return rows.map(toRun);
  }

  /** The latest run of a kind, optionally with one of the given statuses (e.g. the last success). */
  lastRun(kind: string, statuses?: readonly RunStatus[]): RunRecord | null {
    const list = statuses && statuses.length > 0 ? statuses : RUN_STATUSES;
    const marks = list.map(() => '?').join(',');
    const row = this.db.prepare(`SELECT * FROM runs WHERE kind = ? AND status IN (${marks}) ORDER BY started_at DESC, id DESC LIMIT 1`).get(kind, ...list) as RunRow | undefined;
    return row ? toRun(row) : null;
  }

  /**
   * Marks runs and drills left 'running' by a process that died as 'interrupted'. Call once at
   * start-up, after taking the scheduler lock (so no live process owns them). Returns how many.
   */
  interruptRunningRuns(at?: Date): number {
    const when = iso(at, this.clock);
    const tx = this.db.transaction(() => {
      const a = this.db.prepare(`UPDATE runs SET status = 'interrupted', ended_at = ? WHERE status = 'running'`).run(when).changes;
      const b = this.db.prepare(`UPDATE drills SET status = 'interrupted', ended_at = ? WHERE status = 'running'`).run(when).changes;
      return a + b;
    });
    return tx.immediate();
  }

  /** Figures for SOP-019 §7 KPIs over runs of a kind started since a time. */
  runStats(kind: string, since: Date): RunStats {
    const rows = this.db
      .prepare(
        `SELECT status, COUNT(*) AS n, SUM(bytes_read) AS br, SUM(bytes_added) AS ba,
                AVG(CASE WHEN status = 'success' AND ended_at IS NOT NULL
                    THEN (julianday(ended_at) - julianday(started_at)) * 86400000.0 END) AS dur
           FROM runs WHERE kind = ? AND started_at >= ? GROUP BY status`,
      )
      .all(kind, since.toISOString()) as { status: RunStatus; n: number; br: number | null; ba: number | null; dur: number | null }[];
    return runStatsOf(rows);
  }

  // ----------------------------------------------------------- snapshots

  upsertSnapshot(s: SnapshotCacheEntry): void {
    this.db
      .prepare(
        `INSERT INTO snapshots (id, time, parent, source, counts_json, destinations) VALUES (@id, @time, @parent, @source, @counts, @destinations)
         ON CONFLICT (id) DO UPDATE SET time = excluded.time, parent = excluded.parent, source = excluded.source,
           counts_json = excluded.counts_json, destinations = excluded.destinations`,
      )
      .run(this.snapshotParams(s));
  }

  /** Replaces the whole cache in one transaction (rebuild from the repository). */
  replaceSnapshots(entries: readonly SnapshotCacheEntry[]): void {
    const params = entries.map((e) => this.snapshotParams(e));
    const insert = this.db.prepare(`INSERT INTO snapshots (id, time, parent, source, counts_json, destinations) VALUES (@id, @time, @parent, @source, @counts, @destinations)`);
    this.db
      .transaction(() => {
        this.db.prepare('DELETE FROM snapshots').run();
        for (const p of params) insert.run(p);
      })
      .immediate();
  }

  removeSnapshots(ids: readonly string[]): number {
    const del = this.db.prepare('DELETE FROM snapshots WHERE id = ?');
    return this.db.transaction(() => ids.reduce((n, id) => n + del.run(id).changes, 0)).immediate();
  }

  getSnapshot(id: string): SnapshotCacheEntry | null {
    const row = this.db.prepare('SELECT * FROM snapshots WHERE id = ?').get(id) as SnapshotRow | undefined;
    return row ? toSnapshot(row) : null;
  }

  /** Newest first. */
  listSnapshots(limit = 10_000): SnapshotCacheEntry[] {
    return (this.db.prepare('SELECT * FROM snapshots ORDER BY time DESC, id DESC LIMIT ?').all(limit) as SnapshotRow[]).map(toSnapshot);
  }

  private snapshotParams(s: SnapshotCacheEntry): Record<string, string | null> {
    if (!s.id) throw new EngineError('INVALID_ARGUMENT', { field: 'snapshot.id', reason: 'empty' });
    const t = Date.parse(s.time);
    if (!Number.isFinite(t)) throw new EngineError('INVALID_ARGUMENT', { field: 'snapshot.time', reason: String(s.time) });
    return {
      id: s.id,
      time: new Date(t).toISOString(),
      parent: s.parent,
      source: s.source,
      counts: canonicalJson(s.counts, 'snapshot.counts'),
      destinations: canonicalJson([...s.destinations], 'snapshot.destinations'),
    };
  }

  // -------------------------------------------------------- destinations

  upsertDestination(d: DestinationInput): DestinationRecord {
    if (!d.id) throw new EngineError('INVALID_ARGUMENT', { field: 'id', reason: 'empty' });
    if (d.kind !== 'local' && d.kind !== 's3') throw new EngineError('INVALID_ARGUMENT', { field: 'kind', reason: String(d.kind) });
    assertNoCredentials(d.location);
    this.db
      .prepare(
        `INSERT INTO destinations (id, location, kind, label, repo_id) VALUES (@id, @location, @kind, @label, @repo_id)
         ON CONFLICT (id) DO UPDATE SET location = excluded.location, kind = excluded.kind, label = excluded.label, repo_id = excluded.repo_id`,
      )
      .run({ id: d.id, location: d.location, kind: d.kind, label: d.label ?? '', repo_id: d.repoId ?? null });
    return this.mustGetDestination(d.id);
  }

  /** Records the result of using a destination (success clears the last error). */
  recordDestinationStatus(id: string, status: DestinationStatus): DestinationRecord {
    const at = iso(status.at, this.clock);
    const changes = this.db
      .prepare(
        `UPDATE destinations SET
           last_success_at = CASE WHEN @ok = 1 THEN @at ELSE last_success_at END,
           last_error_code = CASE WHEN @ok = 1 THEN NULL ELSE @error_code END,
           capacity_total = COALESCE(@capacity_total, capacity_total),
           capacity_free = COALESCE(@capacity_free, capacity_free),
           offline = COALESCE(@offline, offline)
         WHERE id = @id`,
      )
      .run({
        id,
        ok: status.ok ? 1 : 0,
        at,
        error_code: status.errorCode ?? 'UNKNOWN',
        capacity_total: optionalCount(status.capacityTotal, 'capacityTotal'),
        capacity_free: optionalCount(status.capacityFree, 'capacityFree'),
        offline: status.offline === undefined ? null : status.offline ? 1 : 0,
      }).changes;
    if (changes === 0) throw new EngineError('NOT_FOUND', { what: `destination ${id}` });
    return this.mustGetDestination(id);
  }

  getDestination(id: string): DestinationRecord | null {
    const row = this.db.prepare('SELECT * FROM destinations WHERE id = ?').get(id) as DestinationRow | undefined;
    return row ? toDestination(row) : null;
  }

  listDestinations(): DestinationRecord[] {
    return (this.db.prepare('SELECT * FROM destinations ORDER BY id').all() as DestinationRow[]).map(toDestination);
  }

  removeDestination(id: string): boolean {
    return this.db.prepare('DELETE FROM destinations WHERE id = ?').run(id).changes > 0;
  }

  private mustGetDestination(id: string): DestinationRecord {
    const d = this.getDestination(id);
    if (!d) throw new EngineError('NOT_FOUND', { what: `destination ${id}` });
    return d;
  }

  // -------------------------------------------------------------- drills

  startDrill(input: DrillStart): number {
    const r = this.db
      .prepare(`INSERT INTO drills (started_at, status, snapshot_id, operator) VALUES (?, 'running', ?, ?)`)
      .run(iso(input.startedAt, this.clock), input.snapshotId, input.operator ?? null);
    return Number(r.lastInsertRowid);
  }

  finishDrill(id: number, result: DrillResult): DrillRecord {
    const score = result.integrityScore ?? null;
    if (score !== null && !(score >= 0 && score <= 1)) throw new EngineError('INVALID_ARGUMENT', { field: 'integrityScore', reason: '0-1' });
    const changed = this.db
      .prepare(
        `UPDATE drills SET status = @status, ended_at = @ended_at, recovery_time_ms = @rt, time_to_first_critical_ms = @ttfc,
           integrity_score = @score, resources_restored = @restored, bytes_read = @bytes_read, report_json = @report
         WHERE id = @id AND status = 'running'`,
      )
      .run({
        id,
        status: result.status,
        ended_at: iso(result.endedAt, this.clock),
        rt: optionalCount(result.recoveryTimeMs, 'recoveryTimeMs'),
        ttfc: optionalCount(result.timeToFirstCriticalMs, 'timeToFirstCriticalMs'),
        score,
        restored: count(result.resourcesRestored, 'resourcesRestored'),
        bytes_read: count(result.bytesRead, 'bytesRead'),
        report: result.report === undefined ? null : canonicalJson(result.report, 'report'),
      }).changes;
    const drill = this.getDrill(id);
    if (!drill) throw new EngineError('NOT_FOUND', { what: `drill ${id}` });
    if (changed === 0) throw new EngineError('INVALID_ARGUMENT', { field: 'drill', reason: `${id} is ${drill.status}` });
    return drill;
  }

  getDrill(id: number): DrillRecord | null {
    const row = this.db.prepare('SELECT * FROM drills WHERE id = ?').get(id) as DrillRow | undefined;
    return row ? toDrill(row) : null;
  }

  /** Newest first. */
  listDrills(limit = 100): DrillRecord[] {
    return (this.db.prepare('SELECT * FROM drills ORDER BY started_at DESC, id DESC LIMIT ?').all(limit) as DrillRow[]).map(toDrill);
  }

  /** The latest drill, optionally with one of the given statuses. */
  lastDrill(statuses?: readonly RunStatus[]): DrillRecord | null {
    const list = statuses && statuses.length > 0 ? statuses : RUN_STATUSES;
    const row = this.db.prepare(`SELECT * FROM drills WHERE status IN (${list.map(() => '?').join(',')}) ORDER BY started_at DESC, id DESC LIMIT 1`).get(...list) as DrillRow | undefined;
    return row ? toDrill(row) : null;
  }

  // -------------------------------------------------------------- alerts

  /**
   * Raises an alert or refreshes the active one with the same key (deduplication): last_at, message
   * and params are updated; severity only goes up while active. `escalated` tells the caller to
   * notify again; delivery bookkeeping is reset then.
   */
  upsertAlert(input: AlertInput): AlertUpsert {
    if (!input.key || !input.rule || !input.messageKey) throw new EngineError('INVALID_ARGUMENT', { field: 'alert', reason: 'rule, key and messageKey are required' });
    if (!(input.severity in SEVERITY_RANK)) throw new EngineError('INVALID_ARGUMENT', { field: 'severity', reason: String(input.severity) });
    const at = iso(input.at, this.clock);
    const params = canonicalJson(input.params ?? {}, 'params');
    return this.db
      .transaction((): AlertUpsert => {
        const active = this.db.prepare('SELECT * FROM alerts WHERE key = ? AND cleared_at IS NULL').get(input.key) as AlertRow | undefined;
        if (!active) {
          const r = this.db
            .prepare(`INSERT INTO alerts (rule, severity, key, first_at, last_at, message_key, params_json) VALUES (?, ?, ?, ?, ?, ?, ?)`)
            .run(input.rule, input.severity, input.key, at, at, input.messageKey, params);
          return { alert: this.mustGetAlert(Number(r.lastInsertRowid)), created: true, escalated: false };
        }
        const escalated = SEVERITY_RANK[input.severity] > SEVERITY_RANK[active.severity];
        this.db
          .prepare(
            `UPDATE alerts SET last_at = @at, message_key = @message_key, params_json = @params, rule = @rule,
               severity = CASE WHEN @escalated = 1 THEN @severity ELSE severity END,
               notified_channels_json = CASE WHEN @escalated = 1 THEN '[]' ELSE notified_channels_json END,
               next_attempt_at = CASE WHEN @escalated = 1 THEN NULL ELSE next_attempt_at END
             WHERE id = @id`,
          )
          .run({ id: active.id, at, message_key: input.messageKey, params, rule: input.rule, severity: input.severity, escalated: escalated ? 1 : 0 });
        return { alert: this.mustGetAlert(active.id), created: false, escalated };
      })
      .immediate();
  }

  /** Clears the active alert with this key (its cause is gone). Returns it, or null if none was active. */
  clearAlert(key: string, at?: Date): AlertRecord | null {
    const active = this.db.prepare('SELECT id FROM alerts WHERE key = ? AND cleared_at IS NULL').get(key) as { id: number } | undefined;
    if (!active) return null;
    this.db.prepare('UPDATE alerts SET cleared_at = ? WHERE id = ? AND cleared_at IS NULL').run(iso(at, this.clock), active.id);
    return this.mustGetAlert(active.id);
  }

  /** Active alerts, most severe first, then oldest first. */
  listActiveAlerts(): AlertRecord[] {
    const rows = this.db.prepare('SELECT * FROM alerts WHERE cleared_at IS NULL ORDER BY first_at, id').all() as AlertRow[];
    return rows.map(toAlert).sort((a, b) => SEVERITY_RANK[b.severity] - SEVERITY_RANK[a.severity]);
  }

  /** History, newest first. */
  listAlerts(limit = 100): AlertRecord[] {
    return (this.db.prepare('SELECT * FROM alerts ORDER BY last_at DESC, id DESC LIMIT ?').all(limit) as AlertRow[]).map(toAlert);
  }

  /**
   * Records one delivery attempt on a channel (email, webhook, os …). Success adds the channel to
   * notified_channels; failure schedules the next attempt (the caller computes the backoff).
   */
  recordAlertDelivery(id: number, attempt: { channel: string; ok: boolean; nextAttemptAt?: Date | null }): AlertRecord {
    const alert = this.getAlert(id);
    if (!alert) throw new EngineError('NOT_FOUND', { what: `alert ${id}` });
    const channels = attempt.ok && !alert.notifiedChannels.includes(attempt.channel) ? [...alert.notifiedChannels, attempt.channel] : [...alert.notifiedChannels];
    this.db
      .prepare('UPDATE alerts SET notified_channels_json = ?, delivery_attempts = delivery_attempts + 1, next_attempt_at = ? WHERE id = ?')
      .run(canonicalJson(channels), attempt.ok ? null : (attempt.nextAttemptAt?.toISOString() ?? null), id);
    return this.mustGetAlert(id);
  }

  /**
   * Cleared alerts (since `since`) that some channel carried and was not yet told are resolved: the
   * "resolvido" messages still owed. Oldest first.
   */
  listResolutionsOwed(since: Date): AlertRecord[] {
    const rows = this.db
      .prepare(`SELECT * FROM alerts WHERE cleared_at IS NOT NULL AND cleared_at >= ? AND notified_channels_json <> '[]' ORDER BY cleared_at, id`)
      .all(since.toISOString()) as AlertRow[];
    return rows.map(toAlert).filter((a) => a.notifiedChannels.some((c) => !a.resolvedChannels.includes(c)));
  }

  /** Records one attempt to tell a channel that an alert is resolved (failure: when to try again). */
  recordResolutionDelivery(id: number, attempt: { channel: string; ok: boolean; nextAttemptAt?: Date | null }): AlertRecord {
    const alert = this.getAlert(id);
    if (!alert) throw new EngineError('NOT_FOUND', { what: `alert ${id}` });
    const channels = attempt.ok && !alert.resolvedChannels.includes(attempt.channel) ? [...alert.resolvedChannels, attempt.channel] : [...alert.resolvedChannels];
    this.db
      .prepare('UPDATE alerts SET resolved_channels_json = ?, resolution_attempts = resolution_attempts + 1, resolution_next_at = ? WHERE id = ?')
      .run(canonicalJson(channels), attempt.ok ? null : (attempt.nextAttemptAt?.toISOString() ?? null), id);
    return this.mustGetAlert(id);
  }

  getAlert(id: number): AlertRecord | null {
    const row = this.db.prepare('SELECT * FROM alerts WHERE id = ?').get(id) as AlertRow | undefined;
    return row ? toAlert(row) : null;
  }

  private mustGetAlert(id: number): AlertRecord {
    const a = this.getAlert(id);
    if (!a) throw new EngineError('NOT_FOUND', { what: `alert ${id}` });
    return a;
  }

  // ------------------------------------------------------------ incidents

  /** Records an incident (the register of SOP-019 / LGPD); returns it. */
  addIncident(input: IncidentRecordInput): IncidentRecord {
    const at = this.clock.now().toISOString();
    const r = this.db
      .prepare(
        `INSERT INTO incidents (title, description, discovered_at, occurred_at, data_affected, anpd_notified_at, holders_notified_at, closed_at, created_at, updated_at)
         VALUES (@title, @description, @discovered_at, @occurred_at, @data_affected, @anpd, @holders, @closed, @at, @at)`,
      )
      .run({ ...incidentRow(input), at });
    return this.mustGetIncident(Number(r.lastInsertRowid));
  }

  /** Replaces an incident's fields (NOT_FOUND for an unknown id). */
  updateIncident(id: number, input: IncidentRecordInput): IncidentRecord {
    const changes = this.db
      .prepare(
        `UPDATE incidents SET title = @title, description = @description, discovered_at = @discovered_at, occurred_at = @occurred_at,
           data_affected = @data_affected, anpd_notified_at = @anpd, holders_notified_at = @holders, closed_at = @closed, updated_at = @at WHERE id = @id`,
      )
      .run({ ...incidentRow(input), at: this.clock.now().toISOString(), id }).changes;
    if (changes === 0) throw new EngineError('NOT_FOUND', { what: `incident ${id}` });
    return this.mustGetIncident(id);
  }

  /** Newest discovered first. */
  listIncidents(limit = 500): IncidentRecord[] {
    return (this.db.prepare('SELECT * FROM incidents ORDER BY discovered_at DESC, id DESC LIMIT ?').all(limit) as IncidentRow[]).map(toIncident);
  }

  private mustGetIncident(id: number): IncidentRecord {
    const row = this.db.prepare('SELECT * FROM incidents WHERE id = ?').get(id) as IncidentRow | undefined;
    if (!row) throw new EngineError('NOT_FOUND', { what: `incident ${id}` });
    return toIncident(row);
  }

  // ------------------------------------------------------------ settings

  /**
   * Registers a validator for an exact key, or for every key under a prefix with "prefix.*".
   * Replaces an earlier validator for the same pattern.
   */
  setSettingValidator(pattern: string, validator: SettingValidator): void {
    this.validators.set(pattern, validator);
  }

  getSetting(key: string): JsonValue | undefined {
    const row = this.db.prepare('SELECT value_json FROM settings WHERE key = ?').get(key) as { value_json: string } | undefined;
    return row ? parseJson(row.value_json) : undefined;
  }

  listSettings(): SettingRecord[] {
    return (this.db.prepare('SELECT * FROM settings ORDER BY key').all() as { key: string; value_json: string; updated_at: string }[]).map((r) => ({
      key: r.key,
      value: parseJson(r.value_json),
      updatedAt: r.updated_at,
    }));
  }

  /**
   * Validates and saves a setting, appending a "settings.set" audit entry in the same transaction.
   * Validators throw (INVALID_SETTINGS / RETENTION_LEGAL_FLOOR with field-level errors) to refuse;
   * nothing is written then. Settings never hold secrets (ARCHITECTURE.md §9).
   */
  setSetting(key: string, value: JsonValue, actor = 'system'): void {
    if (!key) throw new EngineError('INVALID_ARGUMENT', { field: 'key', reason: 'empty' });
    const json = canonicalJson(value, key);
    const normalized = parseJson(json);
    for (const [pattern, validate] of this.validators) {
      const matches = pattern.endsWith('.*') ? key.startsWith(pattern.slice(0, -1)) : key === pattern;
      if (matches) validate(normalized, key);
    }
    const at = this.clock.now().toISOString();
    this.db
      .transaction(() => {
        this.db
          .prepare(`INSERT INTO settings (key, value_json, updated_at) VALUES (?, ?, ?) ON CONFLICT (key) DO UPDATE SET value_json = excluded.value_json, updated_at = excluded.updated_at`)
          .run(key, json, at);
        this.appendAuditInTx({ actor, action: 'settings.set', details: { key, value: normalized } }, at);
      })
      .immediate();
  }

  deleteSetting(key: string, actor = 'system'): boolean {
    const at = this.clock.now().toISOString();
    return this.db
      .transaction(() => {
        const gone = this.db.prepare('DELETE FROM settings WHERE key = ?').run(key).changes > 0;
        if (gone) this.appendAuditInTx({ actor, action: 'settings.delete', details: { key } }, at);
        return gone;
      })
      .immediate();
  }

  // --------------------------------------------------------------- audit

  /** Appends an entry to the hash-chained audit trail. */
  appendAudit(input: AuditInput): AuditEntry {
    const at = iso(input.at, this.clock);
    return this.db.transaction(() => this.appendAuditInTx(input, at)).immediate();
  }

  private appendAuditInTx(input: AuditInput, at: string): AuditEntry {
    if (!input.actor || !input.action) throw new EngineError('INVALID_ARGUMENT', { field: 'audit', reason: 'actor and action are required' });
    const details = parseJson(canonicalJson(input.details ?? {}, 'details'));
    const last = this.db.prepare('SELECT seq, hash FROM audit ORDER BY seq DESC LIMIT 1').get() as { seq: number; hash: string } | undefined;
    const seq = (last?.seq ?? 0) + 1;
    const prevHash = last?.hash ?? AUDIT_GENESIS_HASH;
    const hash = auditHash(prevHash, { seq, at, actor: input.actor, action: input.action, details });
    this.db
      .prepare('INSERT INTO audit (seq, at, actor, action, details_json, prev_hash, hash) VALUES (?, ?, ?, ?, ?, ?, ?)')
      .run(seq, at, input.actor, input.action, canonicalJson(details), prevHash, hash);
    return { seq, at, actor: input.actor, action: input.action, details, prevHash, hash };
  }

  /**
   * Restores audit entries kept elsewhere (the repository's audit/ copy) into an empty audit table, verbatim,
   * after checking their chain from the genesis hash, so a rebuilt catalog continues the same chain.
   * Returns how many were imported; a broken chain is refused (nothing imported).
   */
  importAudit(entries: readonly AuditEntry[]): number {
    const sorted = [...entries].sort((a, b) => a.seq - b.seq);
    let prev = AUDIT_GENESIS_HASH;
    sorted.forEach((e, i) => {
      if (e.seq !== i + 1 || e.prevHash !== prev || auditHash(e.prevHash, { seq: e.seq, at: e.at, actor: e.actor, action: e.action, details: e.details }) !== e.hash) {
        throw new EngineError('AUDIT_TAMPERED', { entry: e.seq });
      }
      prev = e.hash;
    });
    return this.db
      .transaction(() => {
        const existing = this.db.prepare('SELECT COUNT(*) AS n FROM audit').get() as { n: number };
        if (existing.n > 0) throw new EngineError('INVALID_ARGUMENT', { field: 'audit', reason: 'import needs an empty audit log' });
        const insert = this.db.prepare('INSERT INTO audit (seq, at, actor, action, details_json, prev_hash, hash) VALUES (?, ?, ?, ?, ?, ?, ?)');
        for (const e of sorted) insert.run(e.seq, e.at, e.actor, e.action, canonicalJson(e.details), e.prevHash, e.hash);
        return sorted.length;
      })
      .immediate();
  }

  /** Entries in order, after a sequence number. */
  listAudit(options: { afterSeq?: number; limit?: number } = {}): AuditEntry[] {
    const rows = this.db.prepare('SELECT * FROM audit WHERE seq > ? ORDER BY seq LIMIT ?').all(options.afterSeq ?? 0, options.limit ?? 1000) as AuditRow[];
    return rows.map((r) => ({ seq: r.seq, at: r.at, actor: r.actor, action: r.action, details: parseJson(r.details_json), prevHash: r.prev_hash, hash: r.hash }));
  }

  /**
   * Recomputes the chain from the first entry. Returns the first bad seq: an entry whose content no
   * longer matches its hash (edited), whose prev_hash does not match the entry before (replaced or
   * re-hashed), or a missing seq (deleted). Truncation of the newest entries is not visible from the
   * chain alone: compare lastHash with a copy kept elsewhere (the repository's audit files).
   */
  verifyAuditChain(): AuditVerification {
    let expectedSeq = 1;
    let prevHash = AUDIT_GENESIS_HASH;
    let checked = 0;
    for (const row of this.db.prepare('SELECT * FROM audit ORDER BY seq').iterate() as IterableIterator<AuditRow>) {
      if (row.seq !== expectedSeq) return { ok: false, count: checked, firstBadSeq: expectedSeq, problem: 'missing' };
      if (row.prev_hash !== prevHash) return { ok: false, count: checked, firstBadSeq: row.seq, problem: 'chain-broken' };
      let details: JsonValue;
      try {
        details = parseJson(row.details_json);
      } catch {
        return { ok: false, count: checked, firstBadSeq: row.seq, problem: 'unreadable' };
      }
      const hash = auditHash(row.prev_hash, { seq: row.seq, at: row.at, actor: row.actor, action: row.action, details });
      if (hash !== row.hash) return { ok: false, count: checked, firstBadSeq: row.seq, problem: 'hash-mismatch' };
      prevHash = row.hash;
      expectedSeq += 1;
      checked += 1;
    }
    return { ok: true, count: checked, lastHash: prevHash };
  }
}

export interface IncidentRecordInput {
  readonly title: string;
  readonly description: string;
  readonly discoveredAt: string;
  readonly occurredAt: string | null;
  readonly dataAffected: string;
  readonly anpdNotifiedAt: string | null;
  readonly holdersNotifiedAt: string | null;
  readonly closedAt: string | null;
}

export interface IncidentRecord extends IncidentRecordInput {
  readonly id: number;
  readonly createdAt: string;
  readonly updatedAt: string;
}

interface IncidentRow {
  id: number;
  title: string;
  description: string;
  discovered_at: string;
  occurred_at: string | null;
  data_affected: string;
  anpd_notified_at: string | null;
  holders_notified_at: string | null;
  closed_at: string | null;
  created_at: string;
  updated_at: string;
}

function incidentRow(i: IncidentRecordInput): Record<string, string | null> {
  return {
    title: i.title,
    description: i.description,
    discovered_at: i.discoveredAt,
    occurred_at: i.occurredAt,
    data_affected: i.dataAffected,
    anpd: i.anpdNotifiedAt,
    holders: i.holdersNotifiedAt,
    closed: i.closedAt,
  };
}

function toIncident(r: IncidentRow): IncidentRecord {
  return {
    id: r.id,
    title: r.title,
    description: r.description,
    discoveredAt: r.discovered_at,
    occurredAt: r.occurred_at,
    dataAffected: r.data_affected,
    anpdNotifiedAt: r.anpd_notified_at,
    holdersNotifiedAt: r.holders_notified_at,
    closedAt: r.closed_at,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
  };
}
