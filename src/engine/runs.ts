/**
 * Runs: operations recorded in the catalog (start, end, status, counts, error code) for the history, the KPIs
 * and the alert rules. A finished run is published on the bus: the alerts and the audit trail react to it.
 */
import { errnoCode } from '../backend/index.js';
import type { FinishedStatus, JsonValue, RunCounts } from '../catalog/index.js';
import { scrubSecrets, t, type Locale } from '../i18n/index.js';
import type { Repository } from '../repository/index.js';
import { type BackupResult, EngineError, type ErrorCode, isEngineError, type LongOperationOptions, type RunWarning } from '../shared/index.js';
import type { EngineContext } from './context.js';
import type { TaskSpec } from './tasks.js';

export interface RunSummary extends RunCounts {
  readonly status?: FinishedStatus;
  readonly snapshotId?: string | null;
  /** The run's note in the log (warnings of a run that succeeded). */
  readonly errorMessage?: string;
}

/** How a restore use case is run, recorded and audited (see restoreRun). */
export interface RestoreRunSpec<T> {
  readonly task: TaskSpec;
  /** The run's counts and status in the catalog. */
  readonly summary: (value: T) => RunSummary;
  /** The audit trail's entry: its action and details. */
  readonly audit: (value: T) => readonly [action: string, details: JsonValue];
  /** The folder or file the restore writes to, named when its disk runs out of space. */
  readonly target?: string;
}

/**
 * A restore use case: a cancellable task, recorded as a "restore" run, with the repository under a shared lock
 * (released however `work` ends), then one audit entry once the run is recorded. A full disk at the target is
 * RESTORE_TARGET_FULL naming it, not an internal error. `work` is given the time the run
 * started (before the repository was opened), for the result's duration.
 */
export function restoreRun<T>(
  ctx: EngineContext,
  spec: RestoreRunSpec<T>,
  options: LongOperationOptions,
  work: (repo: Repository, o: LongOperationOptions, startedMs: number) => Promise<T>,
): Promise<T> {
  return ctx.tasks.run(spec.task, options, async (o) => {
    const r = await trackUnderSharedLock(
      ctx,
      'restore',
      async (repo, started) => {
        try {
          return await work(repo, o, started);
        } catch (err) {
          const code = errnoCode(err);
          if (code === 'ENOSPC' || code === 'EDQUOT') throw new EngineError('RESTORE_TARGET_FULL', { location: spec.target ?? '' }, { cause: err });
          throw err;
        }
      },
      spec.summary,
    );
    const [action, details] = spec.audit(r);
    await ctx.record(action, details);
    return r;
  });
}

/**
 * A reading operation (restore, check) recorded as a run of its kind, with the repository under a shared lock named
 * after it, released however `work` ends; `work` is given the time the run started, before the repository opened.
 */
export function trackUnderSharedLock<T>(ctx: EngineContext, kind: 'restore' | 'check', work: (repo: Repository, startedMs: number) => Promise<T>, summary: (value: T) => RunSummary): Promise<T> {
  return track(
    ctx,
    kind,
    async () => {
      const started = Date.now();
      const repo = await ctx.repo();
      const lock = await repo.lock('shared', kind);
      try {
        return await work(repo, started);
      } finally {
        await lock.release();
      }
    },
    summary,
  );
}

/** Records an operation as a run in the catalog; `afterwards` runs once the run is recorded (e.g. cache refresh). */
export async function track<T>(ctx: EngineContext, kind: string, fn: () => Promise<T>, summary: (value: T) => RunSummary, afterwards?: () => Promise<void>): Promise<T> {
  const catalog = await ctx.catalog();
  const id = catalog.startRun({ kind, destination: ctx.location });
  const live = ctx.runningRuns;
  live.set(id, { kind, since: ctx.clock.now().toISOString() });
  ctx.emit({ type: 'run-started', runId: id, kind });
  let value: T;
  try {
    value = await fn();
  } catch (err) {
    const code: ErrorCode = isEngineError(err) ? err.code : 'INTERNAL';
    const status = code === 'CANCELLED' ? 'interrupted' : 'failed';
    catalog.finishRun(id, { status, errorCode: code, errorMessage: scrubSecrets(err instanceof Error ? err.message : String(err)).slice(0, 500) });
    live.delete(id);
    ctx.emit({ type: 'run-finished', runId: id, kind, status, errorCode: code });
    await ctx.bus.publish('run-finished', { runId: id, kind, status });
    throw err;
  }
  const s = summary(value);
  catalog.finishRun(id, { status: s.status ?? 'success', ...s });
  live.delete(id);
  ctx.emit({ type: 'run-finished', runId: id, kind, status: s.status ?? 'success', errorCode: null });
  if (afterwards) await afterwards();
  await ctx.bus.publish('run-finished', { runId: id, kind, status: s.status ?? 'success' });
  return value;
}

export function backupSummary(r: BackupResult): RunSummary {
  const s = r.snapshot;
  const copyFailed = (r.copies ?? []).some((c) => c.state === 'failed' || c.state === 'partial');
  // The run log keeps what the clinic should know although the run succeeded (a stuck export replaced…).
  const note = (r.warnings ?? [])
    .map((w) => w.message)
    .join(' ')
    .slice(0, 500);
  return {
    status: s.partial || copyFailed ? 'partial' : 'success',
    snapshotId: s.id,
    resourcesNew: s.added,
    resourcesChanged: s.changed,
    resourcesDeleted: s.deleted,
    resourcesTotal: s.resources,
    bytesAdded: s.storedBytesAdded,
    ...(note ? { errorMessage: note } : {}),
  };
}

/** Snapshot warnings in the user's words. */
export function runWarnings(warnings: readonly { code: string; details: Readonly<Record<string, string | number>> }[], locale: Locale): RunWarning[] {
  return warnings.map((w) => ({ code: w.code, message: t(`archiver.warning.${w.code}`, w.details, locale) }));
}
