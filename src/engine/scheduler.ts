/**
 * Use cases: the schedules (backups, a weekly data-check slice, alert evaluation) and the scheduler that runs them
 * in the foreground, one per repository and machine.
 */
import { describeSchedule, nextRunAt } from '../scheduler/nextRunAt.js';
import { JobRunner, type Job, type RunnerEvent } from '../scheduler/runner.js';
import { acquireSchedulerLock } from '../scheduler/schedulerLock.js';
import type { SchedulePolicy } from '../policy/schedule.js';
import { DEFAULT_SCHEDULES, inZone } from '../policy/settings.js';
import type { EngineContext } from './context.js';
import { checkAlerts } from './alerts.js';
import { backupAllSources } from './sources.js';
import { check } from './maintenance.js';
import { getSettings, scheduleSetting } from './settings.js';

interface ScheduledJob {
  readonly name: string;
  readonly policy: SchedulePolicy;
  readonly run: (signal: AbortSignal) => Promise<unknown>;
}

async function scheduledJobs(ctx: EngineContext): Promise<ScheduledJob[]> {
  const settings = await getSettings(ctx);
  const zone = settings.timeZone as string;
  const checkPolicy = inZone(scheduleSetting((await ctx.catalog()).getSetting('schedule.check'), DEFAULT_SCHEDULES.check), zone);
  let slice = 0;
  return [
    { name: 'backup', policy: inZone(settings.schedule.backup as SchedulePolicy, zone), run: (signal) => backupAllSources(ctx, { signal }) },
    // A tenth of the data is read back every week: all of it every ten weeks, like restic's --read-data-subset.
    { name: 'check', policy: checkPolicy, run: (signal) => check(ctx, { signal, readDataSubset: { n: (slice++ % 10) + 1, m: 10 } }) },
    { name: 'alerts', policy: { kind: 'interval', everyMinutes: 15 }, run: () => checkAlerts(ctx) },
  ];
}

/** The schedules with their text and next run. */
export async function schedules(ctx: EngineContext): Promise<{ name: string; policy: SchedulePolicy; description: string; nextAt: string }[]> {
  const catalog = await ctx.catalog();
  const now = ctx.clock.now();
  return (await scheduledJobs(ctx)).map((j) => {
    const last = j.name === 'alerts' ? null : catalog.lastRun(j.name);
    return { name: j.name, policy: j.policy, description: describeSchedule(j.policy, ctx.locale), nextAt: nextRunAt(j.policy, last ? new Date(last.startedAt) : null, now).toISOString() };
  });
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
    const jobs: Job[] = defs.map((d) => ({ name: d.name, policy: d.policy, lockGroup: d.name === 'alerts' ? 'alerts' : 'repository', run: async (signal) => void (await d.run(signal)) }));
    const lastRuns: Record<string, Date | null> = {};
    for (const d of defs) {
      const last = d.name === 'alerts' ? null : catalog.lastRun(d.name);
      lastRuns[d.name] = last ? new Date(last.startedAt) : null;
    }
    const runner = new JobRunner(jobs, { lastRuns });
    const off = options.onEvent ? runner.on(options.onEvent) : () => undefined;
    runner.start();
    await new Promise<void>((resolve) => {
      if (options.signal.aborted) resolve();
      options.signal.addEventListener('abort', () => resolve(), { once: true });
    });
    off();
    await runner.stop();
  } finally {
    await lock.release();
  }
}
