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
import { MIGRATIONS } from './migrations.js';
import { iso, type AuditRow } from './rows.js';
import type { AuditEntry, AuditInput, AuditVerification, CatalogOptions, SettingRecord, SettingValidator } from './types.js';

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
import { CatalogEvents } from './catalogEvents.js';

export type { IncidentRecord, IncidentRecordInput } from './catalogEvents.js';

export class Catalog extends CatalogEvents {
  private readonly validators = new Map<string, SettingValidator>();

  private constructor(db: Database.Database, file: string, clock: Clock) {
    super(db, file, clock);
  }

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
