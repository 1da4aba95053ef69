/**
 * Runs: operations recorded in the catalog (start, end, status, counts, error code) for the history, the KPIs
 * and the alert rules. A finished run is published on the bus: the alerts and the audit trail react to it.
 */
import type { FinishedStatus, RunCounts } from '../catalog/index.js';
import { scrubSecrets, t, type Locale } from '../i18n/index.js';
import { type BackupResult, type ErrorCode, isEngineError, type RunWarning } from '../shared/index.js';
import type { EngineContext } from './context.js';

export interface RunSummary extends RunCounts {
  readonly status?: FinishedStatus;
  readonly snapshotId?: string | null;
  /** The run's note in the log (warnings of a run that succeeded). */
  readonly errorMessage?: string;
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
