/**
 * Use cases: the schedules — backups, the verification rotation (every byte of every copy read monthly), the monthly
 * restore drill (quiet hour, mains power, never overlapping a backup, caught up after the PC was off), retention
 * (forget + prune, early when the disk passes 90 %), the weekly summary and alert evaluation — and the scheduler that
 * runs them in the foreground, one per repository and machine (run-scheduler and the desktop app).
 */
import { acquireSchedulerLock, describeSchedule, type Job, JobRunner, nextRunAt, type RunnerEvent } from '../scheduler/index.js';
import { DEFAULT_SCHEDULES, EARLY_RETENTION_PERCENT, inZone, type SchedulePolicy, verificationSlices } from '../policy/index.js';
import type { Catalog } from '../catalog/index.js';
import { EngineError, isEngineError } from '../shared/index.js';
import { capacityOf } from './copies.js';
import { drill, drillSource } from './drills.js';
import { forget, prune } from './maintenance.js';
import { track } from './runs.js';
import { sendWeeklySummary } from './summary.js';
import { verificationRotation } from './verification.js';
import type { EngineContext } from './context.js';
import { checkAlerts } from './alerts.js';
import { backupAllSources } from './sources.js';
import { getSettings, scheduleSetting } from './settings.js';

/** The scheduler's jobs, in the order `schedule show` lists them. */
export const JOB_NAMES = ['backup', 'check', 'drill', 'retention', 'summary', 'alerts'] as const;
export type JobName = (typeof JOB_NAMES)[number];

interface ScheduledJob {
  readonly name: JobName;
  readonly policy: SchedulePolicy;
  /** Jobs of one group never run at once (everything that reads or writes the repository). */
  readonly lockGroup: string;
  readonly run: (signal: AbortSignal) => Promise<unknown>;
}

/**
 * The drill of each kind of source: FHIR (and NDJSON) sources restore into the embedded sandbox; folders into a
 * temporary folder and databases into a throw-away database (both removed after the drill).
 */
export type SourceDriller = (ctx: EngineContext, snapshotId: string, signal: AbortSignal) => Promise<{ status: string }>;
const fhirDriller: SourceDriller = (ctx, snapshot, signal) => drill(ctx, { snapshot }, { signal });
const filesOrDatabaseDriller: SourceDriller = (ctx, snapshot, signal) => drillSource(ctx, { snapshot }, { signal });
export const SOURCE_DRILLERS: Record<string, SourceDriller> = { fhir: fhirDriller, ndjson: fhirDriller, files: filesOrDatabaseDriller, database: filesOrDatabaseDriller };

/** The newest drill recorded (by id: the clock may be set back). */
function newestDrillId(catalog: Catalog): number {
  return catalog.listDrills(1_000).reduce((max, d) => Math.max(max, d.id), 0);
}

/**
 * The monthly drill: the newest snapshot of every source the engine can drill, on mains power only. A drill that
 * failed is a result (recorded, alerted, in its report), not a job failure: the runner does not repeat it. A source
 * whose drill could not even start is tried again by the runner (after the other sources had theirs).
 */
export async function scheduledDrill(ctx: EngineContext, signal: AbortSignal): Promise<{ source: string; status: string }[]> {
  if (ctx.options.onBatteryPower?.() === true) throw new EngineError('ON_BATTERY', {}, { transient: true });
  const repo = await ctx.repo();
  const catalog = await ctx.catalog();
  const newest = new Map<string, { id: string; kind: string }>();
  for (const s of await repo.listSnapshots(signal)) newest.set(`${s.manifest.source.kind}:${s.manifest.source.location}`, { id: s.id, kind: s.manifest.source.kind });
  const out: { source: string; status: string }[] = [];
  let notStarted: unknown = null;
  for (const [source, snap] of newest) {
    const driller = SOURCE_DRILLERS[snap.kind];
    if (!driller) {
      ctx.bus.diagnostic(`no drill for ${snap.kind} sources yet`, new EngineError('INVALID_ARGUMENT', { field: 'source.kind', reason: snap.kind }));
      continue;
    }
    const before = newestDrillId(catalog);
    try {
      out.push({ source, status: (await driller(ctx, snap.id, signal)).status });
    } catch (err) {
      if (signal.aborted || isEngineError(err, 'CANCELLED')) throw err;
      if (newestDrillId(catalog) > before) {
        ctx.bus.diagnostic(`drill of ${source} failed`, err);
        out.push({ source, status: 'failed' });
      } else {
        notStarted ??= err;
      }
    }
  }
  if (notStarted) throw notStarted;
  return out;
}

/** Retention: forget with the clinic's policy (never below the legal floor), then prune; recorded as a run. */
export function scheduledRetention(ctx: EngineContext, signal: AbortSignal): Promise<{ removed: number; bytesFreed: number }> {
  return track(
    ctx,
    'retention',
    async () => {
      const f = await forget(ctx, { dryRun: false });
      const p = await prune(ctx, {}, { signal });
      return { removed: f.removed.length, bytesFreed: p.bytesFreed };
    },
    (r) => ({ status: 'success', resourcesDeleted: r.removed }),
  );
}

function policyOf(catalog: Catalog, key: string, fallback: SchedulePolicy, zone: string): SchedulePolicy {
  return inZone(scheduleSetting(catalog.getSetting(key), fallback), zone);
}

async function scheduledJobs(ctx: EngineContext): Promise<ScheduledJob[]> {
  const settings = await getSettings(ctx);
  const catalog = await ctx.catalog();
  const zone = settings.timeZone as string;
  const checkPolicy = policyOf(catalog, 'schedule.check', DEFAULT_SCHEDULES.check, zone);
  const slices = verificationSlices(checkPolicy);
  return [
    { name: 'backup', policy: inZone(settings.schedule.backup as SchedulePolicy, zone), lockGroup: 'repository', run: (signal) => backupAllSources(ctx, { signal }) },
    // Every byte of every copy is read at least once a month: a slice of it at each run (restic's --read-data-subset).
    { name: 'check', policy: checkPolicy, lockGroup: 'repository', run: (signal) => verificationRotation(ctx, slices, signal) },
    { name: 'drill', policy: inZone(settings.schedule.drill as SchedulePolicy, zone), lockGroup: 'repository', run: (signal) => scheduledDrill(ctx, signal) },
    { name: 'retention', policy: policyOf(catalog, 'schedule.retention', DEFAULT_SCHEDULES.retention, zone), lockGroup: 'repository', run: (signal) => scheduledRetention(ctx, signal) },
    { name: 'summary', policy: policyOf(catalog, 'schedule.summary', DEFAULT_SCHEDULES.summary, zone), lockGroup: 'summary', run: (signal) => sendWeeklySummary(ctx, signal) },
    { name: 'alerts', policy: policyOf(catalog, 'schedule.alerts', DEFAULT_SCHEDULES.alerts, zone), lockGroup: 'alerts', run: () => checkAlerts(ctx) },
  ];
}

/** When each job last started, from the catalog (the drill from the drills table; the alert job is not recorded). */
function lastStart(catalog: Catalog, name: JobName): Date | null {
  if (name === 'alerts') return null;
  if (name === 'drill') {
    const d = catalog.lastDrill();
    return d ? new Date(d.startedAt) : null;
  }
  const r = catalog.lastRun(name);
  return r ? new Date(r.startedAt) : null;
}

/** The schedules with their text and next run. */
export async function schedules(ctx: EngineContext): Promise<{ name: string; policy: SchedulePolicy; description: string; nextAt: string }[]> {
  const catalog = await ctx.catalog();
  const now = ctx.clock.now();
  return (await scheduledJobs(ctx)).map((j) => ({
    name: j.name,
    policy: j.policy,
    description: describeSchedule(j.policy, ctx.locale),
    nextAt: nextRunAt(j.policy, lastStart(catalog, j.name) ?? (j.name === 'summary' ? now : null), now).toISOString(),
  }));
}

/**
 * Runs the scheduler in the foreground until the signal fires: backups, a weekly data-check slice and alert
 * evaluation. One scheduler per repository and machine (a second refuses). Jobs run as tasks: the user interface
 * can cancel one, and stopping the scheduler cancels what runs.
 */
export async function runScheduler(ctx: EngineContext, options: { signal: AbortSignal; onEvent?: (event: RunnerEvent) => void }): Promise<void> {
  const repo = await ctx.repo();
  const lock = await acquireSchedulerLock(ctx.stateDir(repo.id), repo.id);
  try {
    const catalog = await ctx.catalog();
    // Runs that were in progress when a previous scheduler died are closed as interrupted.
    catalog.interruptRunningRuns();
    const defs = await scheduledJobs(ctx);
    const jobs: Job[] = defs.map((d) => ({ name: d.name, policy: d.policy, lockGroup: d.lockGroup, run: async (signal) => void (await d.run(signal)) }));
    const lastRuns: Record<string, Date | null> = {};
    // A summary never sent waits for its first slot (a new installation is not greeted with an empty week).
    for (const d of defs) lastRuns[d.name] = lastStart(catalog, d.name) ?? (d.name === 'summary' ? ctx.clock.now() : null);
    const runner = new JobRunner(jobs, { lastRuns, clock: ctx.clock, ...(ctx.options.timer ? { timer: ctx.options.timer } : {}) });
    const off = options.onEvent ? runner.on(options.onEvent) : () => undefined;
    // SOP-019 §9.1 "disk full → rotation": past 90 % after a backup, retention runs now rather than tonight.
    const offEarly = ctx.bus.on('run-finished', 'early-retention', async (e) => {
      if (e.kind !== 'backup') return;
      const cap = await capacityOf(ctx, (await ctx.repo()).backend);
      if (cap && cap.totalBytes > 0 && ((cap.totalBytes - cap.freeBytes) / cap.totalBytes) * 100 >= EARLY_RETENTION_PERCENT && !runner.isRunning('retention')) runner.trigger('retention');
    });
    // Schedules edited while the scheduler runs take effect at once (no restart, a run in progress goes on).
    const offSettings = ctx.bus.on('settings-changed', 'scheduler', async () => {
      for (const d of await scheduledJobs(ctx)) runner.setPolicy(d.name, d.policy);
    });
    runner.start();
    await new Promise<void>((resolve) => {
      if (options.signal.aborted) resolve();
      options.signal.addEventListener('abort', () => resolve(), { once: true });
    });
    offEarly();
    offSettings();
    // Jobs cut short by the stop still report how they ended (cancelled), then the listener goes.
    await runner.stop();
    off();
  } finally {
    await lock.release();
  }
}
