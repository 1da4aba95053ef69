/**
 * When the next drill is due (ARCHITECTURE.md §8: monthly by default, configurable), when to start
 * reminding, and whether it is overdue. Pure: the policy, the last drill and an injected `now`.
 *
 * Built on scheduler/nextRunAt: the due date is the first slot of the policy strictly after the last drill.
 * When that slot has already passed, nextRunAt answers "now" (a catch-up run); here the missed slot itself
 * is the due date and the drill is overdue. Never drilled: due now (not overdue) unless `since` (e.g. when
 * backups started) is given, which then counts as the last drill, so a clinic that never drilled becomes
 * overdue one interval after it started backing up.
 */
import { SCHEDULE_PRESETS, type SchedulePolicy } from '../policy/index.js';
import { nextRunInfo } from '../scheduler/index.js';

const DAY_MS = 24 * 3_600_000;

/** Monthly, SOP-019 §6.3 (the restoreDrill preset: day 1 at 12:00). */
export const DEFAULT_DRILL_SCHEDULE: SchedulePolicy = SCHEDULE_PRESETS.restoreDrill;
export const DEFAULT_REMIND_DAYS_BEFORE = 3;

export interface DrillDueOptions {
  /** Reminders start this many days before the due date (default 3). */
  readonly remindDaysBefore?: number;
  /** Baseline when there never was a drill (e.g. the first backup); default none: due now. */
  readonly since?: Date | null;
  /** Overdue only once the due date is this far behind (default 0: as soon as the slot passes). */
  readonly graceMs?: number;
}

export interface DrillDue {
  /** When the next drill is due (the missed slot when overdue). */
  readonly dueAt: Date;
  /** A slot passed without a drill (and the grace period with it). */
  readonly overdue: boolean;
  /** Reminders from here on (dueAt − remindDaysBefore). */
  readonly remindFrom: Date;
  /** now ≥ dueAt. */
  readonly due: boolean;
  /** now ≥ remindFrom: time to remind (also true when due or overdue). */
  readonly remind: boolean;
  /** No drill was ever recorded. */
  readonly neverDrilled: boolean;
}

export function drillDue(lastDrillAt: Date | null, policy: SchedulePolicy = DEFAULT_DRILL_SCHEDULE, now: Date = new Date(), options: DrillDueOptions = {}): DrillDue {
  const remindDays = options.remindDaysBefore ?? DEFAULT_REMIND_DAYS_BEFORE;
  if (!Number.isFinite(remindDays) || remindDays < 0) throw new TypeError('remindDaysBefore must be a non-negative number');
  const baseline = lastDrillAt ?? options.since ?? null;
  const info = nextRunInfo(policy, baseline, now);
  const dueAt = info.missedSlot ?? info.at;
  const remindFrom = new Date(dueAt.getTime() - remindDays * DAY_MS);
  return {
    dueAt,
    overdue: info.missedSlot !== null && now.getTime() - info.missedSlot.getTime() >= (options.graceMs ?? 0),
    remindFrom,
    due: now.getTime() >= dueAt.getTime(),
    remind: now.getTime() >= remindFrom.getTime(),
    neverDrilled: lastDrillAt === null,
  };
}
