/**
 * Use cases: backups (the configured FHIR server, a FHIR server given on the command line, NDJSON files), each a
 * task that can be cancelled and a run in the catalog, followed by replication to the configured copies.
 */
import path from 'node:path';
import { Archiver, backupFhir as runFhirBackup, dedupParent, listNdjsonInputs, readNdjsonChunks } from '../archiver/index.js';
import { refreshSnapshotCache } from '../catalog/index.js';
import { sourceOptions } from '../policy/index.js';
import { summarizeSnapshot } from '../repository/index.js';
import { type StrategyName } from '../source/index.js';
import { type BackupResult, EngineError, ensurePrivateDir, type LongOperationOptions, assertResourceTypes } from '../shared/index.js';
import { sleepOn, type Timer } from '../scheduler/index.js';
import type { EngineContext } from './context.js';
import { replicateCopies } from './copies.js';
import type { FhirBackupRequest } from './engine.js';
import { backupSummary, runWarnings, track } from './runs.js';
import { resolveSourceAuth } from './secrets.js';
import { getSettings } from './settings.js';

export type FhirBackupResult = BackupResult & { strategy: StrategyName; requests: number };

export const BACKUP_TASK = { kind: 'backup', cancelled: 'task.cancelled.backup' } as const;

/** The backup as a run in the catalog, then the copies brought up to date; the snapshot cache follows. */
export async function recordedBackup<T extends BackupResult>(ctx: EngineContext, backup: () => Promise<T>, options: LongOperationOptions): Promise<T> {
  return track(
    ctx,
    'backup',
    async () => {
      const result = await backup();
      if (ctx.copies().length === 0) return result;
      return { ...result, copies: await replicateCopies(ctx, await ctx.repo(), options) };
    },
    backupSummary,
    async () => void (await refreshSnapshotCache(await ctx.catalog(), await ctx.repo(), ctx.location)),
  );
}

/** Backs up NDJSON files; an empty input is EMPTY_SOURCE unless `allowEmpty`. */
export function backupNdjson(ctx: EngineContext, input: string, options: LongOperationOptions & { tags?: readonly string[]; allowEmpty?: boolean } = {}): Promise<BackupResult> {
  return ctx.tasks.run({ ...BACKUP_TASK, title: 'task.title.backupFiles' }, options, (o) =>
    recordedBackup(
      ctx,
      async () => {
        const started = Date.now();
        const files = await listNdjsonInputs(input);
        const location = path.resolve(input);
        const repo = await ctx.repo();
        const shrinkGuardPercent = (await getSettings(ctx)).shrinkGuardPercent;
        const lock = await repo.lock('shared', 'backup');
        try {
          const previous = await repo.listSnapshots(o.signal);
          // The latest snapshot of these files, else any resource snapshot (a moved folder: unchanged lines cost nothing).
          const parent = dedupParent(previous, (s) => s.manifest.source.kind === 'ndjson' && s.manifest.source.location === location);
          const archiver = new Archiver(repo, {
            source: { kind: 'ndjson', location, strategy: 'files' },
            mode: 'full',
            parent,
            tags: options.tags,
            signal: o.signal,
            onProgress: o.onProgress,
            allowEmpty: options.allowEmpty === true,
            shrinkGuardPercent,
            snapshots: previous,
            now: () => ctx.clock.now(),
          });
          await archiver.begin();
          try {
            for (const file of files) for await (const chunk of readNdjsonChunks(file, o.signal)) await archiver.addChunk(chunk);
          } catch (err) {
            await archiver.close();
            throw err;
          }
          const result = await archiver.commit();
          return { snapshot: summarizeSnapshot({ id: result.snapshotId, manifest: result.manifest }), durationMs: Date.now() - started, problems: result.manifest.problems };
        } finally {
          await lock.release();
        }
      },
      o,
    ),
  );
}

async function fhirBackup(ctx: EngineContext, request: FhirBackupRequest, o: LongOperationOptions): Promise<FhirBackupResult> {
  assertResourceTypes(request.types);
  const started = Date.now();
  const auth = await resolveSourceAuth(ctx, request.auth);
  const repo = await ctx.repo();
  const stateDir = ctx.stateDir(repo.id);
  await ensurePrivateDir(stateDir);
  const shrinkGuardPercent = (await getSettings(ctx)).shrinkGuardPercent;
  const lock = await repo.lock('shared', 'backup');
  try {
    const r = await runFhirBackup(repo, {
      allowEmpty: request.allowEmpty === true,
      shrinkGuardPercent,
      baseUrl: request.source,
      auth,
      strategy: request.strategy,
      full: request.full,
      types: request.types,
      allowedHosts: request.allowedHosts,
      ...(request.exportStuckMinutes !== undefined ? { stuckExportMs: request.exportStuckMinutes * 60_000 } : {}),
      tags: request.tags,
      jobStateFile: path.join(stateDir, 'export-job.json'),
      now: () => ctx.clock.now(),
      // Retries and export polling wait on the engine's timer (an injected one in tests follows the fake clock).
      ...(ctx.options.sleep ? { sleep: ctx.options.sleep } : ctx.options.timer ? { sleep: (ms: number, signal?: AbortSignal) => sleepOn(ctx.options.timer as Timer, ms, signal) } : {}),
      signal: o.signal,
      onProgress: o.onProgress,
    });
    return {
      snapshot: summarizeSnapshot({ id: r.snapshotId, manifest: r.manifest }),
      durationMs: Date.now() - started,
      problems: r.manifest.problems,
      ...(r.manifest.warnings ? { warnings: runWarnings(r.manifest.warnings, ctx.locale) } : {}),
      strategy: r.strategy,
      requests: r.requests,
    };
  } finally {
    await lock.release();
  }
}

/** Backs up a FHIR server (given on the command line, or the configured one through backupNow). */
export function backupFhir(ctx: EngineContext, request: FhirBackupRequest, options: LongOperationOptions = {}): Promise<FhirBackupResult> {
  return ctx.tasks.run({ ...BACKUP_TASK, title: 'task.title.backup' }, options, (o) => recordedBackup(ctx, () => fhirBackup(ctx, request, o), o));
}

/** Backs up the configured source now. */
export async function backupNow(ctx: EngineContext, options: LongOperationOptions = {}): Promise<FhirBackupResult> {
  const { source } = await getSettings(ctx);
  if (!source) throw new EngineError('INVALID_SETTINGS', { reason: 'source (no FHIR server configured yet)' });
  return backupFhir(ctx, { source: source.url, auth: source.auth, ...sourceOptions(source) }, options);
}
