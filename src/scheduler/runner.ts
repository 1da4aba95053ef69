/**
 * The job runner: wakes up on a timer, asks nextRunAt what is due, and runs it.
 *
 * - The timer is only an alarm clock. Every wake-up recomputes what is due from the injected
 *   Clock, so a laptop that slept, a process that was stopped or a clock that jumped is handled by
 *   nextRunAt's rules (one catch-up, never a burst). The alarm never sleeps longer than
 *   `heartbeatMs` (default 1 min): Node timers count monotonic time, which may stand still while
 *   the machine sleeps, so a long timeout could fire hours late after a resume.
 * - Never two runs of the same job at once, nor of two jobs sharing a `lockGroup` (e.g. all jobs
 *   writing one repository). A job that becomes due while blocked starts when the group frees up.
 * - A failed run is retried with exponential backoff (base, 2×base, 4×base … up to retryMaxMs),
 *   but never later than the next regular run, which then counts as the retry. Cancelled runs
 *   (AbortError/CANCELLED) are not retried.
 * - `lastRun` is the start time of the last attempt (success or failure).
 * - stop() clears the alarm, aborts running jobs through their AbortSignal and waits for them:
 *   jobs must honour the signal (ARCHITECTURE.md §12.4).
 */
import { EngineError, isAbortError } from '../shared/index.js';
import { type SchedulePolicy, validateSchedulePolicy } from '../policy/index.js';
import { nextRunAt, nextRunInfo, type NextRunInfo } from './nextRunAt.js';
import { systemClock, systemTimer, type Clock, type Timer, type TimerHandle } from './clock.js';

export interface Job {
  readonly name: string;
  readonly policy: SchedulePolicy;
  /** Jobs with the same lockGroup never run at the same time. */
  readonly lockGroup?: string;
  run(signal: AbortSignal): Promise<void>;
}

export type RunReason = 'scheduled' | 'catch-up' | 'retry' | 'manual';

export type RunnerEvent =
  | {
      readonly type: 'started';
      readonly job: string;
      readonly at: Date;
      readonly attempt: number;
      readonly reason: RunReason;
      /** For a catch-up: the regular slot that was missed. */
      readonly missedSlot: Date | null;
    }
  | {
      readonly type: 'finished';
      readonly job: string;
      readonly at: Date;
      readonly startedAt: Date;
      readonly durationMs: number;
      readonly attempt: number;
    }
  | {
      readonly type: 'failed';
      readonly job: string;
      readonly at: Date;
      readonly startedAt: Date;
      readonly durationMs: number;
      readonly attempt: number;
      readonly error: unknown;
      /** Aborted by stop() or by the job itself (AbortError/CANCELLED): no retry. */
      readonly cancelled: boolean;
      /** When the backoff retry is due, or null when the next regular run comes first (or cancelled). */
      readonly retryAt: Date | null;
    };

export type RunnerListener = (event: RunnerEvent) => void;

export interface NextRun {
  readonly name: string;
  readonly at: Date;
  readonly reason: RunReason;
  readonly running: boolean;
  /** Consecutive failed attempts. */
  readonly failures: number;
}

export interface RunnerOptions {
  readonly clock?: Clock;
  readonly timer?: Timer;
  /** Start time of each job's last run (from the catalog), by job name. Missing = never run. */
  readonly lastRuns?: Readonly<Record<string, Date | null | undefined>>;
  /** Longest sleep between wake-ups (default 60 000 ms). */
  readonly heartbeatMs?: number;
  /** First retry delay after a failure (default 60 000 ms); doubles on each consecutive failure. */
  readonly retryBaseMs?: number;
  /** Cap of the retry delay (default 6 h); the next regular run caps it too. */
  readonly retryMaxMs?: number;
}

interface ActiveRun {
  readonly startedAt: Date;
  readonly attempt: number;
  readonly controller: AbortController;
  promise: Promise<void>;
}

interface JobState {
  readonly job: Job;
  /** The job's schedule in force (the job's own until setPolicy changes it). */
  policy: SchedulePolicy;
  readonly index: number;
  lastRun: Date | null;
  failures: number;
  retryAt: Date | null;
  manual: boolean;
  running: ActiveRun | null;
  /** nextRunInfo cache: valid while the clock stays in [computedAt, info.at). */
  cache: { readonly info: NextRunInfo; readonly computedAt: number } | null;
}

interface Due {
  readonly at: Date;
  readonly reason: RunReason;
  readonly missedSlot: Date | null;
}

const DEFAULT_HEARTBEAT_MS = 60_000;
const DEFAULT_RETRY_BASE_MS = 60_000;
const DEFAULT_RETRY_MAX_MS = 6 * 3_600_000;

export class JobRunner {
  private readonly clock: Clock;
  private readonly timer: Timer;
  private readonly heartbeatMs: number;
  private readonly retryBaseMs: number;
  private readonly retryMaxMs: number;
  private readonly states: JobState[];
  private readonly listeners = new Set<RunnerListener>();
  private handle: TimerHandle | null = null;
  private started = false;
  private stopped = false;
  private ticking = false;
  private tickAgain = false;

  constructor(jobs: readonly Job[], options: RunnerOptions = {}) {
    this.clock = options.clock ?? systemClock;
    this.timer = options.timer ?? systemTimer;
    this.heartbeatMs = positive(options.heartbeatMs ?? DEFAULT_HEARTBEAT_MS, 'heartbeatMs');
    this.retryBaseMs = positive(options.retryBaseMs ?? DEFAULT_RETRY_BASE_MS, 'retryBaseMs');
    this.retryMaxMs = positive(options.retryMaxMs ?? DEFAULT_RETRY_MAX_MS, 'retryMaxMs');
    const names = new Set<string>();
    this.states = jobs.map((job, index) => {
      if (!job.name || names.has(job.name)) throw new EngineError('INVALID_ARGUMENT', { field: 'jobs.name', reason: job.name ? `duplicate ${job.name}` : 'empty' });
      names.add(job.name);
      validateSchedulePolicy(job.policy);
      return {
        job,
        policy: job.policy,
        index,
        lastRun: options.lastRuns?.[job.name] ?? null,
        failures: 0,
        retryAt: null,
        manual: false,
        running: null,
        cache: null,
      };
    });
  }

  /** Starts waking up. Jobs already due (never run, or missed) start at once. */
  start(): void {
    if (this.started || this.stopped) return;
    this.started = true;
    this.tick();
  }

  /** Stops the alarm, aborts running jobs and waits until they have returned. */
  async stop(): Promise<void> {
    this.stopped = true;
    this.clearAlarm();
    const active = this.states.map((s) => s.running).filter((r): r is ActiveRun => r !== null);
    for (const r of active) r.controller.abort(new EngineError('CANCELLED'));
    await Promise.allSettled(active.map((r) => r.promise));
  }

  /** Subscribes to started/finished/failed events; returns the unsubscribe function. */
  on(listener: RunnerListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Runs a job as soon as it (and its lock group) is free, e.g. "back up now". */
  trigger(name: string): void {
    const s = this.states.find((x) => x.job.name === name);
    if (!s) throw new EngineError('NOT_FOUND', { what: name });
    s.manual = true;
    if (this.started) this.tick();
  }

  /**
   * Changes a job's schedule (the clinic edited it): the next run is computed anew from the same last run; a run in
   * progress goes on. Throws NOT_FOUND for an unknown job and INVALID_SETTINGS for a bad policy.
   */
  setPolicy(name: string, policy: SchedulePolicy): void {
    const s = this.states.find((x) => x.job.name === name);
    if (!s) throw new EngineError('NOT_FOUND', { what: name });
    validateSchedulePolicy(policy);
    if (JSON.stringify(s.policy) === JSON.stringify(policy)) return;
    s.policy = policy;
    s.cache = null;
    s.retryAt = null;
    if (this.started) this.tick();
  }

  /** When each job runs next (for a running job: the run after the current one). */
  nextRuns(): NextRun[] {
    const now = this.clock.now();
    return this.states.map((s) => {
      const due = this.due(s, now);
      return { name: s.job.name, at: due.at, reason: due.reason, running: s.running !== null, failures: s.failures };
    });
  }

  isRunning(name: string): boolean {
    return this.states.some((s) => s.job.name === name && s.running !== null);
  }

  private due(s: JobState, now: Date): Due {
    if (s.manual) return { at: now, reason: 'manual', missedSlot: null };
    const info = this.regular(s, now);
    if (s.retryAt && s.retryAt.getTime() < info.at.getTime()) return { at: s.retryAt, reason: 'retry', missedSlot: null };
    const late = info.missedSlot !== null && now.getTime() - info.missedSlot.getTime() > this.heartbeatMs;
    return { at: info.at, reason: late ? 'catch-up' : 'scheduled', missedSlot: late ? info.missedSlot : null };
  }

  private regular(s: JobState, now: Date): NextRunInfo {
    const t = now.getTime();
    const c = s.cache;
    if (c && t >= c.computedAt && t < c.info.at.getTime()) return c.info;
    const info = nextRunInfo(s.policy, s.lastRun, now);
    s.cache = { info, computedAt: t };
    return info;
  }

  private tick(): void {
    if (!this.started || this.stopped) return;
    if (this.ticking) {
      this.tickAgain = true;
      return;
    }
    this.ticking = true;
    try {
      do {
        this.tickAgain = false;
        this.evaluate();
      } while (this.tickAgain && !this.stopped);
    } finally {
      this.ticking = false;
    }
  }

  private evaluate(): void {
    this.clearAlarm();
    const now = this.clock.now();
    const busy = new Set<string>();
    for (const s of this.states) if (s.running && s.job.lockGroup !== undefined) busy.add(s.job.lockGroup);
    const waiting = this.states
      .filter((s) => s.running === null)
      .map((s) => ({ s, due: this.due(s, now) }))
      .sort((a, b) => a.due.at.getTime() - b.due.at.getTime() || a.s.index - b.s.index);
    let earliest = Number.POSITIVE_INFINITY;
    for (const { s, due } of waiting) {
      if (due.at.getTime() <= now.getTime()) {
        const group = s.job.lockGroup;
        if (group !== undefined && busy.has(group)) continue; // starts when the group frees up
        if (group !== undefined) busy.add(group);
        this.launch(s, due, now);
      } else {
        earliest = Math.min(earliest, due.at.getTime());
      }
    }
    const delay = Math.max(0, Math.min(this.heartbeatMs, earliest - now.getTime()));
    this.handle = this.timer.setTimeout(() => {
      this.handle = null;
      this.tick();
    }, delay);
  }

  private clearAlarm(): void {
    if (this.handle !== null) {
      this.timer.clearTimeout(this.handle);
      this.handle = null;
    }
  }

  private launch(s: JobState, due: Due, now: Date): void {
    const run: ActiveRun = { startedAt: now, attempt: s.failures + 1, controller: new AbortController(), promise: Promise.resolve() };
    s.running = run;
    s.manual = false;
    s.retryAt = null;
    s.lastRun = now;
    s.cache = null;
    this.emit({ type: 'started', job: s.job.name, at: now, attempt: run.attempt, reason: due.reason, missedSlot: due.missedSlot });
    run.promise = this.execute(s, run);
  }

  private async execute(s: JobState, run: ActiveRun): Promise<void> {
    // Yield first: the job body never runs inside evaluate(), even if it throws synchronously.
    await Promise.resolve();
    let error: unknown = null;
    let failed = false;
    try {
      if (run.controller.signal.aborted) throw new EngineError('CANCELLED');
      await s.job.run(run.controller.signal);
    } catch (err) {
      failed = true;
      error = err;
    }
    const end = this.clock.now();
    if (s.running === run) s.running = null;
    const base = { job: s.job.name, at: end, startedAt: run.startedAt, durationMs: end.getTime() - run.startedAt.getTime(), attempt: run.attempt };
    if (!failed) {
      s.failures = 0;
      this.emit({ type: 'finished', ...base });
    } else {
      const cancelled = run.controller.signal.aborted || isAbortError(error);
      let retryAt: Date | null = null;
      if (!cancelled) {
        s.failures += 1;
        const delay = Math.min(this.retryMaxMs, this.retryBaseMs * 2 ** Math.min(s.failures - 1, 40));
        const candidate = new Date(end.getTime() + delay);
        const regular = nextRunAt(s.policy, run.startedAt, end);
        retryAt = candidate.getTime() < regular.getTime() ? candidate : null;
      }
      s.retryAt = retryAt;
      this.emit({ type: 'failed', ...base, error, cancelled, retryAt });
    }
    this.tick();
  }

  private emit(event: RunnerEvent): void {
    for (const l of this.listeners) {
      try {
        l(event);
      } catch {
        // A faulty listener must not stop the scheduler.
      }
    }
  }
}

function positive(value: number, field: string): number {
  if (!Number.isFinite(value) || value <= 0) throw new EngineError('INVALID_ARGUMENT', { field, reason: 'must be > 0' });
  return value;
}
