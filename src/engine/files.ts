/**
 * Use cases for folder sources: back up folders (one snapshot per source, the previous snapshot of the same source
 * as the files cache), list a files snapshot, plan a restore and restore the whole source, a folder or one file.
 */
import path from 'node:path';
import { backupFolders as runFolderBackup, folderParent } from '../archiver/index.js';
import { type Repository, type SnapshotRecord, summarizeSnapshot, walkFilesTree } from '../repository/index.js';
import { locatePath, planFilesRestore, restoreFiles as runFilesRestore, type FilesRestorePlan } from '../restorer/index.js';
import { nameChangeText } from '../source/index.js';
import {
  EngineError,
  type FileListEntry,
  type FileListResult,
  type FilesRestorePlanResult,
  type FilesRestoreRequest,
  type FilesRestoreResultSummary,
  type FilesScopeRequest,
  type FolderBackupRequest,
  type FolderBackupResult,
  type LongOperationOptions,
} from '../shared/index.js';
import { BACKUP_TASK, recordedBackup } from './backup.js';
import type { EngineContext } from './context.js';
import { restoreRun } from './runs.js';
import { getSettings } from './settings.js';

/** The label a folder source's snapshots share: its name, else its folders' absolute paths. */
export function folderSourceLocation(request: Pick<FolderBackupRequest, 'paths' | 'name'>): string {
  return request.name ?? request.paths.map((p) => path.resolve(p)).join(', ');
}

/** Backs up one folder source into a new snapshot, then the copies. */
export function backupFolders(ctx: EngineContext, request: FolderBackupRequest, options: LongOperationOptions = {}): Promise<FolderBackupResult> {
  if (request.paths.length === 0) return Promise.reject(new EngineError('INVALID_ARGUMENT', { field: 'paths', reason: 'give at least one folder' }));
  return ctx.tasks.run({ ...BACKUP_TASK, title: 'task.title.backupFolders' }, options, (o) =>
    recordedBackup(
      ctx,
      async () => {
        const started = Date.now();
        const repo = await ctx.repo();
        const location = folderSourceLocation(request);
        const shrinkGuardPercent = (await getSettings(ctx)).shrinkGuardPercent;
        const lock = await repo.lock('shared', 'backup');
        try {
          const parent = folderParent(await repo.listSnapshots(o.signal), location);
          const r = await runFolderBackup(repo, {
            folders: request.paths.map((p) => ({ path: path.resolve(p), exclude: request.exclude ?? [] })),
            location,
            parent,
            tags: request.tags ?? [],
            allowEmpty: request.allowEmpty === true,
            shrinkGuardPercent,
            ...(o.signal ? { signal: o.signal } : {}),
            ...(o.onProgress ? { onProgress: o.onProgress } : {}),
          });
          return {
            snapshot: summarizeSnapshot({ id: r.snapshotId, manifest: r.manifest }),
            durationMs: Date.now() - started,
            problems: r.manifest.problems,
            files: { read: r.stats.filesRead, unchanged: r.stats.filesUnchanged, bytesRead: r.stats.bytesRead },
          };
        } finally {
          await lock.release();
        }
      },
      o,
    ),
  );
}

function isFiles(s: SnapshotRecord, source?: string, kind?: 'files' | 'database'): boolean {
  return s.manifest.version === 2 && s.manifest.tree.kind === 'files' && (source === undefined || s.manifest.source.location === source) && (kind === undefined || s.manifest.source.kind === kind);
}

/** The files snapshot a request names: an id, else the latest (as of a date) of the source, else of any folder source. */
export async function resolveFilesSnapshot(repo: Repository, request: FilesScopeRequest, kind?: 'files' | 'database'): Promise<SnapshotRecord> {
  if (request.snapshot && request.snapshot !== 'latest') {
    const s = await repo.findSnapshot(request.snapshot);
    if (!isFiles(s)) throw new EngineError('INVALID_ARGUMENT', { field: 'snapshot', reason: `${s.id.slice(0, 8)} is not a backup of folders or a database` });
    return s;
  }
  const all = (await repo.listSnapshots()).filter((s) => isFiles(s, request.source, kind));
  let pool = all;
  if (request.asOf) {
    const text = request.asOf;
    const at = /^\d{4}-\d{2}-\d{2}$/.test(text) ? new Date(`${text}T23:59:59.999`) : new Date(text);
    if (Number.isNaN(at.getTime())) throw new EngineError('INVALID_ARGUMENT', { field: 'as-of', reason: 'use a date like 2026-11-20 or an ISO time' });
    pool = all.filter((s) => Date.parse(s.manifest.time) <= at.getTime());
  }
  const pick = pool[pool.length - 1];
  if (!pick)
    throw new EngineError('SNAPSHOT_NOT_FOUND', {
      snapshot: request.asOf ?? 'latest',
      ...(request.asOf ? { asOf: request.asOf } : {}),
      suggestions: all.slice(-5).map((s) => `${s.id.slice(0, 8)} (${s.manifest.time})`),
    });
  return pick;
}

function mtimeIso(ns: string): string {
  return new Date(Number(BigInt(ns) / 1_000_000n)).toISOString();
}

/**
 * Lists a files snapshot below a path (everything under it, depth first; only `depth` levels below it when given),
 * optionally only names containing `query` (case and accents ignored), at most `limit` entries (default 10,000).
 */
export async function listFiles(ctx: EngineContext, request: FilesScopeRequest & { query?: string; limit?: number; depth?: number }): Promise<FileListResult> {
  const repo = await ctx.repo();
  const snap = await resolveFilesSnapshot(repo, request);
  await repo.loadIndex();
  const limit = Math.max(1, Math.min(request.limit ?? 10_000, 1_000_000));
  const fold = (s: string): string => s.normalize('NFD').replace(/\p{M}/gu, '').toLowerCase();
  const query = request.query ? fold(request.query) : null;
  const loc = await locatePath(repo, snap, request.path);
  const entries: FileListEntry[] = [];
  let truncated = false;
  const add = (p: string, e: Parameters<typeof toListEntry>[1]): boolean => {
    if (query !== null && !fold(p.slice(p.lastIndexOf('/') + 1)).includes(query)) return true;
    if (entries.length >= limit) {
      truncated = true;
      return false;
    }
    entries.push(toListEntry(p, e));
    return true;
  };
  const base = loc.prefix;
  // `depth`: how many levels below the path asked for (the path itself is level 0; the restore wizard browses with 1).
  const asked = (request.path ?? '').split('/').filter((x) => x !== '').length;
  const levelOf = (p: string): number => p.split('/').filter((x) => x !== '').length - asked;
  const maxLevel = request.depth ?? Number.POSITIVE_INFINITY;
  for (const e of loc.entries) {
    const p = base ? `${base}/${e.name}` : e.name;
    if (!add(p, e)) break;
    if (e.type !== 'dir' || levelOf(p) >= maxLevel) continue;
    let go = true;
    for await (const item of walkFilesTree((id, s) => repo.store.readBlob(id, s), e.subtree)) {
      if (item.kind !== 'entry') continue;
      if (levelOf(`${p}/${item.path}`) > maxLevel) continue;
      if (!(go = add(`${p}/${item.path}`, item.entry))) break;
    }
    if (!go) break;
  }
  return { snapshotId: snap.id, snapshotTime: snap.manifest.time, entries, truncated };
}

function toListEntry(p: string, e: { type: 'file' | 'dir' | 'symlink'; mode: number; mtimeNs: string; size?: number; target?: string; changedDuringBackup?: boolean }): FileListEntry {
  return {
    path: p,
    type: e.type,
    size: e.type === 'file' ? (e.size ?? 0) : 0,
    mode: e.mode,
    mtime: mtimeIso(e.mtimeNs),
    ...(e.type === 'symlink' && e.target !== undefined ? { target: e.target } : {}),
    ...(e.changedDuringBackup ? { changedDuringBackup: true } : {}),
  };
}

function planResult(ctx: EngineContext, snap: SnapshotRecord, plan: FilesRestorePlan): FilesRestorePlanResult {
  return {
    snapshotId: snap.id,
    snapshotTime: snap.manifest.time,
    path: plan.path,
    target: plan.target,
    files: plan.files,
    dirs: plan.dirs,
    symlinks: plan.symlinks,
    bytes: plan.bytes,
    targetExists: plan.targetExists,
    existing: plan.existing,
    existingCount: plan.existingCount,
    renamed: plan.renamed.map((c) => `${c.folder ? `${c.folder}/` : ''}${nameChangeText(c, ctx.locale)}`),
  };
}

/** What restoring files would write, and what exists at the target already. Writes nothing. */
export async function planRestoreFiles(ctx: EngineContext, request: FilesRestoreRequest): Promise<FilesRestorePlanResult> {
  const repo = await ctx.repo();
  const snap = await resolveFilesSnapshot(repo, request);
  const target = path.resolve(request.target);
  return planResult(ctx, snap, await planFilesRestore(repo, snap, target, request.path !== undefined ? { path: request.path } : {}));
}

/** Restores the whole source, a folder or one file to a folder; existing files only with `overwrite`. */
export function restoreFiles(ctx: EngineContext, request: FilesRestoreRequest, options: LongOperationOptions = {}): Promise<FilesRestoreResultSummary> {
  return restoreRun(
    ctx,
    {
      task: { kind: 'restore', title: 'task.title.restoreFiles', cancelled: 'task.cancelled.restoreFolder' },
      target: path.resolve(request.target),
      summary: (x) => ({ status: 'success', snapshotId: x.snapshotId, resourcesTotal: x.written, bytesRead: x.bytesWritten }),
      audit: (r) => ['restore.files', { snapshot: r.snapshotId, target: r.target, path: r.path, files: r.written }],
    },
    options,
    async (repo, o, started) => {
      const snap = await resolveFilesSnapshot(repo, request);
      const target = path.resolve(request.target);
      const res = await runFilesRestore(repo, snap, target, {
        ...(request.path !== undefined ? { path: request.path } : {}),
        overwrite: request.overwrite === true,
        ...(o.signal ? { signal: o.signal } : {}),
        ...(o.onProgress ? { onProgress: o.onProgress } : {}),
      });
      return { ...planResult(ctx, snap, res), written: res.written, bytesWritten: res.bytesWritten, changedDuringBackup: res.changedDuringBackup, durationMs: Date.now() - started };
    },
  );
}
