/**
 * SQLite source: an online backup through SQLite's backup API (better-sqlite3), consistent even while the
 * practice software writes. The backup API needs a destination file, so this one source uses a temporary file:
 * created owner-only (0600, in a 0700 folder), streamed, and always removed (end, failure or cancel).
 * The copy is made in one step under one read transaction: it is the database as of one moment. A writer in WAL
 * mode is not blocked; with a rollback journal, writers wait for the copy (their busy timeout).
 */
import { createReadStream, existsSync } from 'node:fs';
import { stat } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import path from 'node:path';
import Database from 'better-sqlite3';
import { EngineError, isEngineError, throwIfAborted } from '../../shared/index.js';
import { privateTemp } from './privateTemp.js';
import type { Dump, SqliteSource } from './types.js';

/** How long the copy waits for a writer holding an exclusive lock before giving up. */
const BUSY_LIMIT_MS = 60_000;

function sqliteFailure(err: unknown): EngineError {
  if (isEngineError(err)) return err;
  const message = err instanceof Error ? err.message : String(err);
  return new EngineError('DUMP_FAILED', { tool: 'sqlite', exitCode: null, signal: null, stderr: message }, { cause: err });
}

export function sqliteVersion(): string {
  const db = new Database(':memory:');
  try {
    return `SQLite ${(db.prepare('select sqlite_version() as v').get() as { v: string }).v}`;
  } finally {
    db.close();
  }
}

function lockedError(busyLimitMs: number): EngineError {
  return new EngineError('DUMP_FAILED', {
    tool: 'sqlite',
    exitCode: null,
    signal: null,
    stderr: `database is locked by another program for more than ${Math.round(busyLimitMs / 1000)} s`,
  });
}

/**
 * Copies the database online into `dest` (an existing empty owner-only file). better-sqlite3 takes a BUSY answer
 * on the very first step (a writer holding the lock) for "no pages left" and reports an empty copy: that is seen
 * (no pages) and the copy is tried again, until `busyLimitMs`.
 */
export async function backupSqlite(source: string, dest: string, signal?: AbortSignal, busyLimitMs = BUSY_LIMIT_MS): Promise<void> {
  let db: Database.Database;
  try {
    db = new Database(source, { readonly: true, fileMustExist: true, timeout: busyLimitMs });
  } catch (err) {
    throw sqliteFailure(err);
  }
  try {
    // A query proves it is a database before any copy (a wrong file fails here with "file is not a database").
    db.prepare('select count(*) from sqlite_schema').get();
    const started = Date.now();
    while (true) {
      let last = -1;
      let since = Date.now();
      const result = await db.backup(dest, {
        progress: ({ remainingPages }) => {
          throwIfAborted(signal);
          if (remainingPages !== last) {
            last = remainingPages;
            since = Date.now();
          } else if (Date.now() - since > busyLimitMs) throw lockedError(busyLimitMs);
          // Everything left in one step: one read transaction, so one consistent moment.
          return 0x7fffffff;
        },
      });
      if (result.totalPages > 0) break;
      if ((await stat(source)).size === 0) break; // an empty file: nothing to copy (the dump is refused as empty)
      if (Date.now() - started > busyLimitMs) throw lockedError(busyLimitMs);
      throwIfAborted(signal);
      await sleep(50);
    }
  } catch (err) {
    throw sqliteFailure(err);
  } finally {
    db.close();
  }
}

export async function sqliteDump(src: SqliteSource, signal?: AbortSignal): Promise<Dump> {
  if (!existsSync(src.path)) throw new EngineError('DB_FILE_NOT_FOUND', { path: src.path });
  const st = await stat(src.path);
  if (!st.isFile()) throw new EngineError('DB_FILE_NOT_FOUND', { path: src.path });
  const fileName = path.basename(src.path);
  async function* stream(): AsyncGenerator<Buffer> {
    const temp = await privateTemp(src.tempDir);
    try {
      const dest = await temp.file('copy.sqlite');
      await backupSqlite(src.path, dest, signal);
      throwIfAborted(signal);
      for await (const piece of createReadStream(dest, { highWaterMark: 1024 * 1024 })) {
        throwIfAborted(signal);
        yield piece as Buffer;
      }
    } finally {
      await temp.dispose();
    }
  }
  return {
    meta: { kind: 'sqlite', fileName, tool: 'sqlite', toolVersion: sqliteVersion(), label: `SQLite ${src.path}` },
    stream: stream(),
  };
}
