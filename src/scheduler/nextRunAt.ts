/**
 * When is a job due? A pure function of the policy, the last run and the current time.
 *
 * Semantics (ARCHITECTURE.md §7):
 * - Never run → due now (interval with a window: the first instant ≥ now inside the window).
 * - Otherwise the first regular slot strictly after the last run. If that slot is already in the
 *   past (the computer slept, the process was down, the clock jumped forwards) → due now, once:
 *   after that catch-up run the next slot is computed from the catch-up, so missed slots never
 *   turn into a burst.
 * - Last run in the future (the clock moved backwards): a small step (up to 5 minutes, e.g. an NTP
 *   correction) is ignored and the job waits for its slot as usual. A larger step means the clock
 *   was reset and the last-run time cannot be trusted: the job is due now, once, and its schedule
 *   restarts from that run. (Both answers are stable: they do not drift as `now` advances.)
 * - Daily/weekly/monthly times are wall-clock times in the policy's IANA zone. A time that does not
 *   exist (DST gap) runs at the first valid instant after it (the transition); a time that exists
 *   twice (DST overlap) runs once, at the first occurrence.
 * - Intervals count elapsed time (DST does not stretch or shrink them); only their window is in
 *   wall-clock time.
 */
import {
  addDays,
  addMonths,
  daysInMonth,
  type IntervalSchedule,
  type LocalDate,
  localParts,
  localToInstant,
  parseClockTime,
  type SchedulePolicy,
  timeZoneOf,
  validateSchedulePolicy,
  weekdayOf,
} from '../policy/index.js';
import { t, type Locale } from '../i18n/index.js';

export { SCHEDULE_PRESETS, validateSchedulePolicy, type SchedulePolicy, type SchedulePresetName } from '../policy/index.js';

export interface NextRunInfo {
  /** When the job should start. */
  readonly at: Date;
  /** The regular slot that was missed (≤ now) when this is a catch-up run, else null. */
  readonly missedSlot: Date | null;
}

const MINUTE = 60_000;
/** Backward clock steps up to this size are treated as noise (see the module comment). */
export const CLOCK_STEP_TOLERANCE_MS = 5 * MINUTE;

/** The next due time of a job; see the module comment for the rules. */
export function nextRunAt(policy: SchedulePolicy, lastRun: Date | null, now: Date): Date {
  return nextRunInfo(policy, lastRun, now).at;
}

/** nextRunAt plus whether the answer is a catch-up of a missed slot. */
export function nextRunInfo(policy: SchedulePolicy, lastRun: Date | null, now: Date): NextRunInfo {
  checkPolicy(policy);
  assertDate(now, 'now');
  if (lastRun === null) return { at: allowedAtOrAfter(policy, now), missedSlot: null };
  assertDate(lastRun, 'lastRun');
  if (lastRun.getTime() - now.getTime() > CLOCK_STEP_TOLERANCE_MS) return { at: allowedAtOrAfter(policy, now), missedSlot: null };
  const slot = slotAfter(policy, lastRun);
  if (slot.getTime() <= now.getTime()) return { at: allowedAtOrAfter(policy, now), missedSlot: slot };
  return { at: slot, missedSlot: null };
}

const validated = new WeakSet<SchedulePolicy>();

/** Validates each policy object once (policies are treated as immutable values). */
function checkPolicy(policy: SchedulePolicy): void {
  if (validated.has(policy)) return;
  validateSchedulePolicy(policy);
  validated.add(policy);
}

function assertDate(d: Date, name: string): void {
  if (!(d instanceof Date) || Number.isNaN(d.getTime())) throw new TypeError(`${name} must be a valid Date`);
}

/** The first regular slot strictly after `after`. */
function slotAfter(policy: SchedulePolicy, after: Date): Date {
  const tz = timeZoneOf(policy);
  const t0 = after.getTime();
  switch (policy.kind) {
    case 'interval':
      return allowedAtOrAfter(policy, new Date(t0 + policy.everyMinutes * MINUTE));
    case 'daily': {
      const { hour, minute } = clock(policy.at);
      const today = localParts(after, tz);
      for (let i = -1; i <= 3; i++) {
        const at = localToInstant(addDays(today, i), hour, minute, tz);
        if (at.getTime() > t0) return at;
      }
      break;
    }
    case 'weekly': {
      const { hour, minute } = clock(policy.at);
      const today = localParts(after, tz);
      for (let i = -1; i <= 15; i++) {
        const d = addDays(today, i);
        if (weekdayOf(d) !== policy.weekday) continue;
        const at = localToInstant(d, hour, minute, tz);
        if (at.getTime() > t0) return at;
      }
      break;
    }
    case 'monthly': {
      const { hour, minute } = clock(policy.at);
      const today = localParts(after, tz);
      for (let i = -1; i <= 3; i++) {
        const { year, month } = addMonths(today.year, today.month, i);
        const d: LocalDate = { year, month, day: Math.min(policy.day, daysInMonth(year, month)) };
        const at = localToInstant(d, hour, minute, tz);
        if (at.getTime() > t0) return at;
      }
      break;
    }
  }
  /* c8 ignore next */
  throw new Error('nextRunAt: no slot found (unreachable for a valid policy)');
}

function clock(at: string): { hour: number; minute: number } {
  const c = parseClockTime(at);
  if (!c) throw new TypeError(`invalid time ${at}`);
  return c;
}

/** `instant` when the policy allows a start then, else the next window opening. */
function allowedAtOrAfter(policy: SchedulePolicy, instant: Date): Date {
  if (policy.kind !== 'interval' || !policy.window) return new Date(instant.getTime());
  return windowAtOrAfter(policy, instant);
}

function minutesOfDay(hhmm: string): number {
  const c = clock(hhmm);
  return c.hour * 60 + c.minute;
}

function inWindow(policy: IntervalSchedule, instant: Date): boolean {
  const w = policy.window;
  if (!w) return true;
  const p = localParts(instant, timeZoneOf(policy));
  const m = p.hour * 60 + p.minute;
  const from = minutesOfDay(w.from);
  const to = minutesOfDay(w.to);
  return from < to ? m >= from && m < to : m >= from || m < to;
}

function windowAtOrAfter(policy: IntervalSchedule, instant: Date): Date {
  if (inWindow(policy, instant)) return new Date(instant.getTime());
  const w = policy.window;
  /* c8 ignore next */
  if (!w) return new Date(instant.getTime());
  const tz = timeZoneOf(policy);
  const { hour, minute } = clock(w.from);
  const today = localParts(instant, tz);
  // A window that falls entirely inside a DST gap does not open that day: try the next days.
  for (let i = 0; i <= 8; i++) {
    const opening = localToInstant(addDays(today, i), hour, minute, tz);
    if (opening.getTime() > instant.getTime() && inWindow(policy, opening)) return opening;
  }
  /* c8 ignore next */
  throw new Error('nextRunAt: window never opens (unreachable for a valid policy)');
}

/** One line describing a schedule for the UI and CLI, e.g. "Every 15 minutes (America/Sao_Paulo)". */
export function describeSchedule(policy: SchedulePolicy, locale: Locale): string {
  validateSchedulePolicy(policy);
  let text: string;
  switch (policy.kind) {
    case 'interval': {
      const m = policy.everyMinutes;
      if (m === 1) text = t('scheduler.describe.everyMinute', {}, locale);
      else if (m === 60) text = t('scheduler.describe.everyHour', {}, locale);
      else if (m % 60 === 0) text = t('scheduler.describe.everyHours', { hours: m / 60 }, locale);
      else text = t('scheduler.describe.everyMinutes', { minutes: m }, locale);
      if (policy.window) text = t('scheduler.describe.withinWindow', { text, from: policy.window.from, to: policy.window.to }, locale);
      break;
    }
    case 'daily':
      text = t('scheduler.describe.daily', { at: policy.at }, locale);
      break;
    case 'weekly':
      text = t('scheduler.describe.weekly', { on: t(`scheduler.weekdayPlural.${policy.weekday}`, {}, locale), at: policy.at }, locale);
      break;
    case 'monthly':
      text = t(policy.day > 28 ? 'scheduler.describe.monthlyClamped' : 'scheduler.describe.monthly', { day: policy.day, at: policy.at }, locale);
      break;
  }
  return t('scheduler.describe.inZone', { text, timeZone: timeZoneOf(policy) }, locale);
}
