/**
 * The catalog's records of what happened (see catalog.ts for the whole): runs, the snapshot cache and
 * destinations, over the open database. Catalog extends this class.
 */
import type Database from 'better-sqlite3';
import { EngineError } from '../shared/index.js';
import type { Clock } from '../scheduler/index.js';
import { canonicalJson } from './canonicalJson.js';
import { currentVersion } from './migrations.js';
import {
  assertNoCredentials,
  count,
  iso,
  optionalCount,
  RUN_STATUSES,
  runStatsOf,
  scrubMessage,
  toDestination,
  toRun,
  toSnapshot,
  type DestinationRow,
  type RunRow,
  type SnapshotRow,
} from './rows.js';
import type { DestinationInput, DestinationRecord, DestinationStatus, RunRecord, RunResult, RunStart, RunStats, RunStatus, SnapshotCacheEntry } from './types.js';

export class CatalogRecords {
  protected constructor(
    protected readonly db: Database.Database,
    readonly path: string,
    protected readonly clock: Clock,
  ) {}

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
}
