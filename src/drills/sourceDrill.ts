/**
 * Restore drills for folder and database sources. What a drill proves is said in its report, item by item:
 * - files: a seeded sample of files is restored into a temporary folder; every chunk is verified against its keyed
 *   id while read, every file's size against the snapshot, and where the original is still unchanged on disk
 *   (same size and mtime) its SHA-256 is compared with the restored file's;
 * - databases: the latest dump is restored into a throw-away database (SQLite: a temporary file, checked with
 *   integrity_check; PostgreSQL, when its programs and the server are reachable: a new database, dropped after)
 *   and a sanity query counts its tables and rows.
 */
import { createHash, randomBytes } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { type FileEntry, readFileContent, type Repository, type SnapshotRecord, walkFilesTree } from '../repository/index.js';
import { restoreFiles } from '../restorer/index.js';
import { findTool, restorePostgresToNewDatabase, restoreSqliteFile, runCommand, postgresSpec, type DbCredentials, type PostgresSource } from '../source/index.js';
import { EngineError, isEngineError, throwIfAborted } from '../shared/index.js';
import { seededSample } from './sample.js';

export interface SourceDrillProof {
  /** Stable code of what was checked (drills.proof.<code> in i18n). */
  readonly code: string;
  readonly ok: boolean;
  readonly details: Readonly<Record<string, string | number>>;
}

export interface SourceDrillOutcome {
  readonly kind: 'files' | 'database';
  readonly status: 'success' | 'failed';
  readonly snapshot: { readonly id: string; readonly time: string; readonly source: string };
  readonly startedAt: string;
  readonly endedAt: string;
  readonly recoveryTimeMs: number;
  /** Files restored (files), 1 (database). */
  readonly restored: number;
  readonly bytes: number;
  readonly proofs: readonly SourceDrillProof[];
  readonly seed?: number;
}

async function sha256File(file: string): Promise<string> {
  const h = createHash('sha256');
  for await (const b of createReadStream(file)) h.update(b as Buffer);
  return h.digest('hex');
}

/** The original's path on this machine, from the snapshot path (its first component names a source folder). */
function originalPath(snap: SnapshotRecord, rootEntries: readonly string[], snapPath: string): string | null {
  const paths = snap.manifest.source.paths ?? [];
  const [top, ...rest] = snapPath.split('/');
  const i = rootEntries.indexOf(top ?? '');
  const base = i >= 0 ? paths[i] : undefined;
  return base ? path.join(base, ...rest) : null;
}

/** Restores a sample of a files snapshot into a temporary folder and verifies it. */
export async function filesDrill(repo: Repository, snap: SnapshotRecord, options: { sampleSize?: number; seed: number; signal?: AbortSignal }): Promise<SourceDrillOutcome> {
  const started = Date.now();
  const m = snap.manifest;
  if (m.version !== 2 || m.tree.kind !== 'files') throw new EngineError('INVALID_ARGUMENT', { field: 'snapshot', reason: 'not a files snapshot' });
  await repo.loadIndex(options.signal);
  const files = new Map<string, FileEntry>();
  const rootNames: string[] = [];
  for await (const item of walkFilesTree((id, s) => repo.store.readBlob(id, s), m.tree.root, options.signal ? { signal: options.signal } : {})) {
    if (item.kind !== 'entry') continue;
    if (!item.path.includes('/')) rootNames.push(item.entry.name);
    if (item.entry.type === 'file') files.set(item.path, item.entry);
  }
  const sample = seededSample(files.keys(), options.sampleSize ?? 10, options.seed);
  const temp = await mkdtemp(path.join(os.tmpdir(), 'cb-drill-files-'));
  const proofs: SourceDrillProof[] = [];
  let bytes = 0;
  let restored = 0;
  let sizeOk = 0;
  let compared = 0;
  let equal = 0;
  const failures: string[] = [];
  try {
    for (const [i, p] of sample.entries()) {
      throwIfAborted(options.signal);
      const entry = files.get(p) as FileEntry;
      const into = path.join(temp, String(i));
      try {
        await restoreFiles(repo, snap, into, { path: p, ...(options.signal ? { signal: options.signal } : {}) });
      } catch (err) {
        if (isEngineError(err, 'CANCELLED')) throw err;
        failures.push(p);
        continue;
      }
      restored++;
      const file = path.join(into, entry.name);
      const st = await stat(file);
      bytes += st.size;
      if (st.size === entry.size) sizeOk++;
      else failures.push(p);
      const original = originalPath(snap, rootNames, p);
      if (original === null) continue;
      const live = await stat(original, { bigint: true }).catch(() => null);
      if (!live || live.size !== BigInt(entry.size) || live.mtimeNs !== BigInt(entry.mtimeNs)) continue;
      compared++;
      if ((await sha256File(file)) === (await sha256File(original))) equal++;
      else failures.push(p);
    }
  } finally {
    await rm(temp, { recursive: true, force: true });
  }
  proofs.push({ code: 'filesRestored', ok: restored === sample.length, details: { restored, sampled: sample.length, total: files.size } });
  proofs.push({ code: 'chunksVerified', ok: restored === sample.length, details: { files: restored } });
  proofs.push({ code: 'sizesMatch', ok: sizeOk === restored, details: { files: sizeOk } });
  proofs.push({ code: 'hashesMatchOriginals', ok: equal === compared, details: { compared, equal } });
  const ok = failures.length === 0 && sample.length > 0;
  return {
    kind: 'files',
    status: ok ? 'success' : 'failed',
    snapshot: { id: snap.id, time: m.time, source: m.source.location },
    startedAt: new Date(started).toISOString(),
    endedAt: new Date().toISOString(),
    recoveryTimeMs: Date.now() - started,
    restored,
    bytes,
    proofs,
    seed: options.seed,
  };
}

/** Restores a database snapshot's dump into a throw-away database and runs a sanity query. */
export async function databaseDrill(repo: Repository, snap: SnapshotRecord, options: { connection?: PostgresSource; credentials?: DbCredentials; signal?: AbortSignal }): Promise<SourceDrillOutcome> {
  const started = Date.now();
  const m = snap.manifest;
  if (m.version !== 2 || m.tree.kind !== 'files' || m.source.kind !== 'database') throw new EngineError('INVALID_ARGUMENT', { field: 'snapshot', reason: 'not a database snapshot' });
  await repo.loadIndex(options.signal);
  let dump: FileEntry | null = null;
  for await (const item of walkFilesTree((id, s) => repo.store.readBlob(id, s), m.tree.root)) if (item.kind === 'entry' && item.entry.type === 'file') dump = item.entry;
  if (!dump) throw new EngineError('RESTORE_PATH_NOT_FOUND', { path: '(dump)' });
  const proofs: SourceDrillProof[] = [];
  const engine = m.source.engine ?? '';
  const finish = (ok: boolean): SourceDrillOutcome => ({
    kind: 'database',
    status: ok ? 'success' : 'failed',
    snapshot: { id: snap.id, time: m.time, source: m.source.location },
    startedAt: new Date(started).toISOString(),
    endedAt: new Date().toISOString(),
    recoveryTimeMs: Date.now() - started,
    restored: ok ? 1 : 0,
    bytes: dump?.size ?? 0,
    proofs,
  });
  const stream = readFileContent(repo, dump.content, options.signal);
  if (engine === 'sqlite') {
    const temp = await mkdtemp(path.join(os.tmpdir(), 'cb-drill-db-'));
    try {
      const file = path.join(temp, dump.name);
      try {
        await restoreSqliteFile(stream, file, options.signal ? { signal: options.signal } : {});
      } catch (err) {
        if (isEngineError(err, 'CANCELLED')) throw err;
        proofs.push({ code: 'dbRestored', ok: false, details: { engine, code: isEngineError(err) ? err.code : 'INTERNAL' } });
        return finish(false);
      }
      proofs.push({ code: 'dbRestored', ok: true, details: { engine, bytes: dump.size } });
      proofs.push({ code: 'dbIntegrity', ok: true, details: { engine } });
      const db = new Database(file, { readonly: true });
      try {
        const tables = (db.prepare("select name from sqlite_master where type = 'table' and name not like 'sqlite_%' order by name").all() as { name: string }[]).map((r) => r.name);
        let rows = 0;
        for (const t of tables) rows += (db.prepare(`select count(*) as c from "${t.replace(/"/g, '""')}"`).get() as { c: number }).c;
        proofs.push({ code: 'dbSanityQuery', ok: tables.length > 0, details: { tables: tables.length, rows } });
        return finish(tables.length > 0);
      } finally {
        db.close();
      }
    } finally {
      await rm(temp, { recursive: true, force: true });
    }
  }
  if (engine === 'postgres') {
    const conn = options.connection;
    let psql: string;
    try {
      psql = findTool('psql', conn?.toolDir);
      findTool('pg_restore', conn?.toolDir);
    } catch {
      proofs.push({ code: 'dbToolsMissing', ok: true, details: { engine } });
      return finish(false);
    }
    if (!conn) {
      proofs.push({ code: 'dbNoServer', ok: false, details: { engine } });
      return finish(false);
    }
    const creds = options.credentials ?? {};
    const name = `cb_drill_${randomBytes(5).toString('hex')}`;
    try {
      await restorePostgresToNewDatabase(conn, creds, name, stream, options.signal ? { signal: options.signal } : {});
    } catch (err) {
      if (isEngineError(err, 'CANCELLED')) throw err;
      proofs.push({ code: 'dbRestored', ok: false, details: { engine, code: isEngineError(err) ? err.code : 'INTERNAL' } });
      return finish(false);
    }
    proofs.push({ code: 'dbRestored', ok: true, details: { engine, bytes: dump.size } });
    try {
      const sql = Buffer.from('select count(*), coalesce(sum(n_live_tup), 0) from pg_stat_user_tables;\n');
      const out = await runCommand(postgresSpec('psql', conn, creds, psql, ['--no-psqlrc', '--tuples-only', '--no-align', '--set=ON_ERROR_STOP=1', `--dbname=${name}`]), {
        stdin: (async function* () {
          yield sql;
        })(),
      });
      const [tables, rows] = out.trim().split('|').map(Number);
      proofs.push({ code: 'dbSanityQuery', ok: (tables ?? 0) > 0, details: { tables: tables ?? 0, rows: rows ?? 0 } });
      return finish((tables ?? 0) > 0);
    } finally {
      const dropdb = findTool('dropdb', conn.toolDir);
      await runCommand(postgresSpec('dropdb', conn, creds, dropdb, ['--if-exists', `--maintenance-db=${conn.database}`, name])).catch(() => undefined);
    }
  }
  proofs.push({ code: 'dbDumpReadable', ok: true, details: { engine, bytes: dump.size } });
  let n = 0;
  for await (const b of stream) n += b.length;
  return finish(n === dump.size);
}
