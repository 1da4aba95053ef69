/**
 * The restore side of database sources. Nothing here overwrites: a dump is written as a new file (next to nothing
 * that exists), SQLite is restored as a new, checked database file, and PostgreSQL is restored into a NEW database
 * (refused when the name exists; removed again if the restore fails, since it was created for it).
 * MySQL/MariaDB and Firebird dumps are restored as their file, with the command that loads them (loadHint).
 */
import { randomBytes } from 'node:crypto';
import { link, open, stat, unlink } from 'node:fs/promises';
import path from 'node:path';
import Database from 'better-sqlite3';
import { t, type Locale } from '../../i18n/index.js';
import { EngineError, throwIfAborted } from '../../shared/index.js';
import { commandOutput, runCommand } from './command.js';
import { postgresSpec } from './presets.js';
import { findTool } from './tools.js';
import type { DbCredentials, DbKind, PostgresSource } from './types.js';

export interface RestoreFileOptions {
  readonly signal?: AbortSignal;
  /** Runs on the complete temporary file before it takes its name; throw to refuse it. */
  readonly verify?: (tempPath: string) => Promise<void>;
}

async function exists(p: string): Promise<boolean> {
  return stat(p).then(
    () => true,
    () => false,
  );
}

/**
 * Writes a dump stream to `target`, which must not exist: to a temporary name in the same folder (0600), flushed to
 * disk, then given its name with link() (atomic, and it fails rather than replace a file that appeared meanwhile).
 * Returns the bytes written.
 */
export async function restoreDumpFile(content: AsyncIterable<Uint8Array>, target: string, options: RestoreFileOptions = {}): Promise<number> {
  if (await exists(target)) throw new EngineError('RESTORE_FILE_EXISTS', { path: target });
  const temp = path.join(path.dirname(target), `.${path.basename(target)}.${randomBytes(6).toString('hex')}.partial`);
  const fh = await open(temp, 'wx', 0o600);
  let bytes = 0;
  try {
    try {
      for await (const piece of content) {
        throwIfAborted(options.signal);
        await fh.write(piece);
        bytes += piece.length;
      }
      await fh.sync();
    } finally {
      await fh.close();
    }
    if (options.verify) await options.verify(temp);
    try {
      await link(temp, target);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'EEXIST') throw new EngineError('RESTORE_FILE_EXISTS', { path: target });
      throw err;
    }
  } finally {
    // The temporary name's own files only (SQLite's check may leave an empty -wal/-shm beside it).
    // Best effort: most of these never exist; one that cannot be removed must not hide how the restore ended.
    for (const leftover of [temp, `${temp}-wal`, `${temp}-shm`, `${temp}-journal`]) await unlink(leftover).catch(() => undefined);
  }
  return bytes;
}

/** Opens a restored SQLite file and runs SQLite's own integrity check on it. */
export function checkSqliteFile(file: string): void {
  let db: Database.Database;
  try {
    db = new Database(file, { readonly: true, fileMustExist: true });
  } catch (err) {
    throw new EngineError('DB_RESTORE_FAILED', { tool: 'sqlite', exitCode: null, signal: null, stderr: err instanceof Error ? err.message : String(err) });
  }
  try {
    const rows = db.pragma('integrity_check') as { integrity_check: string }[];
    const result = rows.map((r) => r.integrity_check).join('; ');
    if (result !== 'ok') throw new EngineError('DB_RESTORE_FAILED', { tool: 'sqlite', exitCode: null, signal: null, stderr: `integrity_check: ${result.slice(0, 500)}` });
  } catch (err) {
    if (err instanceof EngineError) throw err;
    throw new EngineError('DB_RESTORE_FAILED', { tool: 'sqlite', exitCode: null, signal: null, stderr: err instanceof Error ? err.message : String(err) });
  } finally {
    db.close();
  }
}

/** Restores a SQLite dump as a new database file at `target`, checked with integrity_check before it gets its name. */
export async function restoreSqliteFile(content: AsyncIterable<Uint8Array>, target: string, options: { signal?: AbortSignal } = {}): Promise<number> {
  return restoreDumpFile(content, target, {
    ...options,
    verify: async (temp) => checkSqliteFile(temp),
  });
}

/** PostgreSQL database names this restore creates: plain identifiers, nothing to quote. */
const NEW_DATABASE = /^[A-Za-z_][A-Za-z0-9_]{0,62}$/;

export interface PostgresRestoreOptions {
  readonly signal?: AbortSignal;
  /**
   * Keep the dump's owners and privileges (the roles must exist on the server). Default false: the new database's
   * objects belong to the restoring user, which always works (a drill, or a copy to look things up in).
   */
  readonly keepOwners?: boolean;
}

/**
 * Restores a `pg_dump --format=custom` stream into a NEW database `newDatabase` on the source's server, never over an
 * existing one: refused with DB_RESTORE_TARGET_EXISTS if the name is taken. The database is created from template0;
 * pg_restore stops at the first error, and then the half-restored database is dropped again.
 */
export async function restorePostgresToNewDatabase(
  src: PostgresSource,
  creds: DbCredentials,
  newDatabase: string,
  dump: AsyncIterable<Uint8Array>,
  options: PostgresRestoreOptions = {},
): Promise<void> {
  if (!NEW_DATABASE.test(newDatabase)) {
    throw new EngineError('INVALID_ARGUMENT', { field: 'database', reason: 'letters, digits and _ only, at most 63, not starting with a digit' });
  }
  const { signal } = options;
  const psql = findTool('psql', src.toolDir);
  const query = Buffer.from(`SELECT count(*) FROM pg_database WHERE datname = :'target';\n`);
  const found = await runCommand(
    postgresSpec('psql', src, creds, psql, ['--no-psqlrc', '--tuples-only', '--no-align', '--set=ON_ERROR_STOP=1', `--set=target=${newDatabase}`, `--dbname=${src.database}`]),
    {
      signal,
      stdin: (async function* () {
        yield query;
      })(),
    },
  );
  if (found.trim() !== '0') throw new EngineError('DB_RESTORE_TARGET_EXISTS', { database: newDatabase });

  const createdb = findTool('createdb', src.toolDir);
  await runCommand(postgresSpec('createdb', src, creds, createdb, ['--template=template0', `--maintenance-db=${src.database}`, newDatabase]), {
    signal,
    failure: 'DB_RESTORE_FAILED',
  });
  const restore = findTool('pg_restore', src.toolDir);
  const args = ['--exit-on-error', ...(options.keepOwners ? [] : ['--no-owner', '--no-privileges']), `--dbname=${newDatabase}`];
  try {
    for await (const _ of commandOutput(postgresSpec('pg_restore', src, creds, restore, args), { signal, stdin: dump, failure: 'DB_RESTORE_FAILED' })) {
      // pg_restore writes nothing to stdout when it restores into a database.
    }
  } catch (err) {
    const dropdb = findTool('dropdb', src.toolDir);
    await runCommand(postgresSpec('dropdb', src, creds, dropdb, ['--if-exists', `--maintenance-db=${src.database}`, newDatabase]), { failure: 'DB_RESTORE_FAILED' }).catch(() => undefined);
    throw err;
  }
}

/** The command that loads a restored dump file, for the restore report (MySQL/MariaDB, Firebird, PostgreSQL). */
export function loadHint(kind: DbKind, file: string, locale?: Locale): string {
  return t(`source.db.loadHint.${kind}`, { file }, locale);
}
