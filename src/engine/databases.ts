/**
 * Use cases for database sources: dump one database into a snapshot (credentials from the secret store by name),
 * and restore a dump into a new database (PostgreSQL on the source's server, SQLite as a new file). A dump restores
 * as its file through the files use cases (restoreFiles with the dump's path).
 */
import path from 'node:path';
import { backupDatabase as runDatabaseBackup, databaseLocation } from '../archiver/index.js';
import { readFileContent, type SnapshotRecord, summarizeSnapshot } from '../repository/index.js';
import { locatePath } from '../restorer/index.js';
import { restorePostgresToNewDatabase, restoreSqliteFile, type DbCredentials, type DbSource } from '../source/index.js';
import {
  type DatabaseBackupRequest,
  type DatabaseBackupResult,
  type DatabaseRestoreRequest,
  type DatabaseRestoreResult,
  type DatabaseSourceSetting,
  EngineError,
  type LongOperationOptions,
} from '../shared/index.js';
import { BACKUP_TASK, recordedBackup } from './backup.js';
import type { EngineContext } from './context.js';
import { resolveFilesSnapshot } from './files.js';
import { getSettings } from './settings.js';
import { restoreRun } from './runs.js';

/** The password named by the source, read now from the secret store (never kept, never logged). */
export async function databaseCredentials(ctx: EngineContext, source: DatabaseSourceSetting): Promise<DbCredentials> {
  if (source.kind === 'sqlite' || !source.passwordSecret) return {};
  const value = await (await ctx.credentialStore()).get(source.passwordSecret);
  if (value === null) throw new EngineError('SECRET_NOT_FOUND', { name: source.passwordSecret });
  return { password: value };
}

/** The source module's form of a database setting (an SQLite path made absolute). */
export function dbSource(s: DatabaseSourceSetting): DbSource {
  return s.kind === 'sqlite' ? { kind: 'sqlite', path: path.resolve(s.path) } : s;
}

/** The label a database source's snapshots share. */
export function databaseSourceLocation(request: DatabaseBackupRequest): string {
  return request.name ?? databaseLocation(dbSource(request.source));
}

function latestOf(snaps: readonly SnapshotRecord[], location: string): SnapshotRecord | null {
  for (let i = snaps.length - 1; i >= 0; i--) {
    const s = snaps[i] as SnapshotRecord;
    if (s.manifest.source.kind === 'database' && s.manifest.source.location === location) return s;
  }
  return null;
}

/** Dumps one database into a new snapshot, then the copies. A failing dump fails the run with its message. */
export function backupDatabase(ctx: EngineContext, request: DatabaseBackupRequest, options: LongOperationOptions = {}): Promise<DatabaseBackupResult> {
  return ctx.tasks.run({ ...BACKUP_TASK, title: 'task.title.backupDatabase' }, options, (o) =>
    recordedBackup(
      ctx,
      async () => {
        const started = Date.now();
        const credentials = await databaseCredentials(ctx, request.source);
        const repo = await ctx.repo();
        const location = databaseSourceLocation(request);
        const lock = await repo.lock('shared', 'backup');
        try {
          const parent = latestOf(await repo.listSnapshots(o.signal), location);
          const r = await runDatabaseBackup(repo, {
            source: dbSource(request.source),
            credentials,
            location,
            parent,
            tags: request.tags ?? [],
            ...(o.signal ? { signal: o.signal } : {}),
            ...(o.onProgress ? { onProgress: o.onProgress } : {}),
          });
          return {
            snapshot: summarizeSnapshot({ id: r.snapshotId, manifest: r.manifest }),
            durationMs: Date.now() - started,
            problems: [],
            dump: { fileName: r.meta.fileName, tool: r.meta.tool, toolVersion: r.meta.toolVersion, label: r.meta.label, bytes: r.manifest.totals.bytes },
          };
        } finally {
          await lock.release();
        }
      },
      o,
    ),
  );
}

/** The connection of the configured database source with this name, if any. */
async function configuredConnection(ctx: EngineContext, name: string): Promise<DatabaseSourceSetting | undefined> {
  const s = ((await getSettings(ctx)).sources ?? []).find((x) => x.name === name);
  return s?.kind === 'database' ? s.database : undefined;
}

/** The dump file entry of a database snapshot (its root holds exactly one file). */
async function dumpEntry(ctx: EngineContext, request: DatabaseRestoreRequest): Promise<{ snap: SnapshotRecord; content: readonly string[]; size: number; engine: string }> {
  const repo = await ctx.repo();
  const snap = await resolveFilesSnapshot(repo, request, 'database');
  if (snap.manifest.source.kind !== 'database') throw new EngineError('INVALID_ARGUMENT', { field: 'snapshot', reason: `${snap.id.slice(0, 8)} is not a database backup` });
  await repo.loadIndex();
  const loc = await locatePath(repo, snap, request.path);
  const file = loc.entries.find((e) => e.type === 'file');
  if (!file || file.type !== 'file') throw new EngineError('RESTORE_PATH_NOT_FOUND', { path: request.path ?? '' });
  return { snap, content: file.content, size: file.size, engine: snap.manifest.source.engine ?? '' };
}

/** Restores a PostgreSQL or SQLite dump into a new database (never over an existing one). */
export function restoreDatabase(ctx: EngineContext, request: DatabaseRestoreRequest, options: LongOperationOptions = {}): Promise<DatabaseRestoreResult> {
  return restoreRun(
    ctx,
    {
      task: { kind: 'restore', title: 'task.title.restoreDatabase', cancelled: 'task.cancelled.restoreFolder' },
      target: request.into,
      summary: (x) => ({ status: 'success', snapshotId: x.snapshotId, resourcesTotal: 1, bytesRead: x.bytes }),
      audit: (r) => ['restore.database', { snapshot: r.snapshotId, kind: r.kind, into: r.into }],
    },
    options,
    async (repo, o, started) => {
      const { snap, content, size, engine } = await dumpEntry(ctx, request);
      const stream = readFileContent(repo, content, o.signal);
      if (engine === 'sqlite') {
        const into = path.resolve(request.into);
        await restoreSqliteFile(stream, into, o.signal ? { signal: o.signal } : {});
        return { snapshotId: snap.id, snapshotTime: snap.manifest.time, kind: 'sqlite' as const, into, bytes: size, durationMs: Date.now() - started };
      }
      if (engine === 'postgres') {
        // The connection given, else the configured source's own (the restore wizard names the source only).
        const conn = request.connection ?? (request.source ? await configuredConnection(ctx, request.source) : undefined);
        if (!conn || conn.kind !== 'postgres') throw new EngineError('INVALID_ARGUMENT', { field: 'connection', reason: 'a PostgreSQL server to create the new database on' });
        await restorePostgresToNewDatabase({ ...conn, kind: 'postgres' }, await databaseCredentials(ctx, conn), request.into, stream, o.signal ? { signal: o.signal } : {});
        return { snapshotId: snap.id, snapshotTime: snap.manifest.time, kind: 'postgres' as const, into: request.into, bytes: size, durationMs: Date.now() - started };
      }
      throw new EngineError('INVALID_ARGUMENT', { field: 'snapshot', reason: `a ${engine} dump restores as its file (restore --path); load it with the database's own tools` });
    },
  );
}
