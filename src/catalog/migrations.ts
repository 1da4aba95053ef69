/**
 * Versioned schema of the catalog. Migrations are an ordered array (versions 1, 2, 3 …); each is
 * applied in its own IMMEDIATE transaction together with its schema_version row, so a crash leaves
 * the database at the previous version, never half-migrated, and two processes opening the same
 * catalog at once do not apply a migration twice. Never edit a released migration: append one.
 */
import type Database from 'better-sqlite3';
import { EngineError } from '../shared/index.js';

export interface Migration {
  readonly version: number;
  readonly description: string;
  readonly up: (db: Database.Database) => void;
}

const RUN_STATUSES = `'running','success','partial','failed','interrupted'`;

const V1 = `
CREATE TABLE runs (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  kind TEXT NOT NULL,
  started_at TEXT NOT NULL,
  ended_at TEXT,
  status TEXT NOT NULL CHECK (status IN (${RUN_STATUSES})),
  snapshot_id TEXT,
  destination TEXT,
  resources_new INTEGER NOT NULL DEFAULT 0,
  resources_changed INTEGER NOT NULL DEFAULT 0,
  resources_deleted INTEGER NOT NULL DEFAULT 0,
  resources_total INTEGER NOT NULL DEFAULT 0,
  bytes_read INTEGER NOT NULL DEFAULT 0,
  bytes_added INTEGER NOT NULL DEFAULT 0,
  error_code TEXT,
  error_message TEXT
);
CREATE INDEX runs_kind_started ON runs (kind, started_at);
CREATE INDEX runs_status ON runs (status);

CREATE TABLE snapshots (
  id TEXT PRIMARY KEY,
  time TEXT NOT NULL,
  parent TEXT,
  source TEXT NOT NULL DEFAULT '',
  counts_json TEXT NOT NULL DEFAULT '{}',
  destinations TEXT NOT NULL DEFAULT '[]'
);
CREATE INDEX snapshots_time ON snapshots (time);

CREATE TABLE destinations (
  id TEXT PRIMARY KEY,
  location TEXT NOT NULL,
  kind TEXT NOT NULL,
  last_success_at TEXT,
  last_error_code TEXT,
  capacity_total INTEGER,
  capacity_free INTEGER,
  repo_id TEXT,
  label TEXT NOT NULL DEFAULT '',
  offline INTEGER NOT NULL DEFAULT 0 CHECK (offline IN (0, 1))
);

CREATE TABLE drills (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  started_at TEXT NOT NULL,
  ended_at TEXT,
  status TEXT NOT NULL CHECK (status IN (${RUN_STATUSES})),
  snapshot_id TEXT,
  recovery_time_ms INTEGER,
  time_to_first_critical_ms INTEGER,
  integrity_score REAL CHECK (integrity_score IS NULL OR (integrity_score >= 0 AND integrity_score <= 1)),
  resources_restored INTEGER NOT NULL DEFAULT 0,
  bytes_read INTEGER NOT NULL DEFAULT 0,
  report_json TEXT,
  operator TEXT
);
CREATE INDEX drills_started ON drills (started_at);

CREATE TABLE alerts (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  rule TEXT NOT NULL,
  severity TEXT NOT NULL CHECK (severity IN ('low','medium','high','critical')),
  key TEXT NOT NULL,
  first_at TEXT NOT NULL,
  last_at TEXT NOT NULL,
  cleared_at TEXT,
  message_key TEXT NOT NULL,
  params_json TEXT NOT NULL DEFAULT '{}',
  notified_channels_json TEXT NOT NULL DEFAULT '[]',
  delivery_attempts INTEGER NOT NULL DEFAULT 0,
  next_attempt_at TEXT
);
-- At most one active alert per key (deduplication); cleared ones stay as history.
CREATE UNIQUE INDEX alerts_active_key ON alerts (key) WHERE cleared_at IS NULL;

CREATE TABLE settings (
  key TEXT PRIMARY KEY,
  value_json TEXT NOT NULL,
  updated_at TEXT NOT NULL
);

CREATE TABLE audit (
  seq INTEGER PRIMARY KEY,
  at TEXT NOT NULL,
  actor TEXT NOT NULL,
  action TEXT NOT NULL,
  details_json TEXT NOT NULL,
  prev_hash TEXT NOT NULL,
  hash TEXT NOT NULL
);
-- Append-only through the API; the hash chain detects edits made around these triggers.
CREATE TRIGGER audit_no_update BEFORE UPDATE ON audit BEGIN SELECT RAISE(ABORT, 'audit is append-only'); END;
CREATE TRIGGER audit_no_delete BEFORE DELETE ON audit BEGIN SELECT RAISE(ABORT, 'audit is append-only'); END;
`;

/**
 * v2: the channels that were told an alert is resolved (one "resolvido" per channel that carried it), and the
 * clinic's incident register (SOP-019 §4/§8: what happened, when it was discovered, data affected, ANPD notice).
 */
const V2 = `
ALTER TABLE alerts ADD COLUMN resolved_channels_json TEXT NOT NULL DEFAULT '[]';
ALTER TABLE alerts ADD COLUMN resolution_attempts INTEGER NOT NULL DEFAULT 0;
ALTER TABLE alerts ADD COLUMN resolution_next_at TEXT;

CREATE TABLE incidents (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  title TEXT NOT NULL,
  description TEXT NOT NULL DEFAULT '',
  discovered_at TEXT NOT NULL,
  occurred_at TEXT,
  data_affected TEXT NOT NULL DEFAULT '',
  anpd_notified_at TEXT,
  holders_notified_at TEXT,
  closed_at TEXT,
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL
);
CREATE INDEX incidents_discovered ON incidents (discovered_at);
`;

export const MIGRATIONS: readonly Migration[] = [
  { version: 1, description: 'initial schema', up: (db) => db.exec(V1) },
  { version: 2, description: 'alert resolutions, incident register', up: (db) => db.exec(V2) },
];

export function latestVersion(migrations: readonly Migration[] = MIGRATIONS): number {
  return migrations.at(-1)?.version ?? 0;
}

function checkOrder(migrations: readonly Migration[]): void {
  migrations.forEach((m, i) => {
    if (m.version !== i + 1) throw new EngineError('INVALID_ARGUMENT', { field: 'migrations', reason: `version ${m.version} at position ${i + 1}` });
  });
}

export function currentVersion(db: Database.Database): number {
  const table = db.prepare(`SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'schema_version'`).get();
  if (!table) return 0;
  const row = db.prepare('SELECT MAX(version) AS v FROM schema_version').get() as { v: number | null };
  return row.v ?? 0;
}

/**
 * Brings the schema up to the last migration. Idempotent. A catalog written by a newer version of
 * the program is refused (REPO_VERSION_UNSUPPORTED { version, what: 'catalog' }) and left untouched.
 */
export function migrate(db: Database.Database, migrations: readonly Migration[] = MIGRATIONS, now: () => Date = () => new Date()): { from: number; to: number; applied: number[] } {
  checkOrder(migrations);
  db.exec('CREATE TABLE IF NOT EXISTS schema_version (version INTEGER PRIMARY KEY, description TEXT NOT NULL, applied_at TEXT NOT NULL)');
  const from = currentVersion(db);
  const target = latestVersion(migrations);
  if (from > target) throw new EngineError('REPO_VERSION_UNSUPPORTED', { version: from, what: 'catalog' });
  const applied: number[] = [];
  for (const m of migrations) {
    const apply = db.transaction(() => {
      if (currentVersion(db) >= m.version) return false; // another process got here first
      m.up(db);
      db.prepare('INSERT INTO schema_version (version, description, applied_at) VALUES (?, ?, ?)').run(m.version, m.description, now().toISOString());
      return true;
    });
    if (m.version > from && apply.immediate()) applied.push(m.version);
  }
  return { from, to: Math.max(from, currentVersion(db)), applied };
}
