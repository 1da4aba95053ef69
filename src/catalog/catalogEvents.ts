/**
 * The catalog's drills, alerts and incident register (see catalog.ts for the whole). Catalog extends this class.
 */
import { EngineError } from '../shared/index.js';
import { canonicalJson } from './canonicalJson.js';
import { count, iso, optionalCount, RUN_STATUSES, SEVERITY_RANK, toAlert, toDrill, type AlertRow, type DrillRow } from './rows.js';
import type { AlertInput, AlertRecord, AlertUpsert, DrillRecord, DrillResult, DrillStart, RunStatus } from './types.js';
import { CatalogRecords } from './catalogRecords.js';

export class CatalogEvents extends CatalogRecords {
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
