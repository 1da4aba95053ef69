/**
 * Schedule policies (what the user configures) and the presets derived from SOP-019 §5.1.
 * The arithmetic lives in src/scheduler/nextRunAt.ts; this file holds only the data shapes,
 * their validation and the presets, so settings can be checked without the scheduler.
 */
import { type FieldError, isInteger, isRecord, throwIfFieldErrors } from './fieldErrors.js';
import { DEFAULT_TIME_ZONE, isValidTimeZone, parseClockTime } from './zonedTime.js';

/** "HH:MM", 24-hour clock, 00:00-23:59, wall time in the policy's time zone. */
export type ClockTime = string;

/** Local time window in which interval runs may start: from ≤ t < to (may cross midnight, e.g. 22:00-06:00). */
export interface TimeWindow {
  readonly from: ClockTime;
  readonly to: ClockTime;
}

interface ZonedPolicy {
  /** IANA zone; default America/Sao_Paulo. */
  readonly timeZone?: string;
}

export interface IntervalSchedule extends ZonedPolicy {
  readonly kind: 'interval';
  readonly everyMinutes: number;
  readonly window?: TimeWindow;
}

export interface DailySchedule extends ZonedPolicy {
  readonly kind: 'daily';
  readonly at: ClockTime;
}

export interface WeeklySchedule extends ZonedPolicy {
  readonly kind: 'weekly';
  /** 0 = Sunday … 6 = Saturday */
  readonly weekday: number;
  readonly at: ClockTime;
}

export interface MonthlySchedule extends ZonedPolicy {
  readonly kind: 'monthly';
  /** 1-31; clamps to the last day of shorter months (31 → 30 Apr, 28/29 Feb). */
  readonly day: number;
  readonly at: ClockTime;
}

export type SchedulePolicy = IntervalSchedule | DailySchedule | WeeklySchedule | MonthlySchedule;

/** Longest interval accepted: one week. Longer cadences are weekly or monthly schedules. */
export const MAX_INTERVAL_MINUTES = 7 * 24 * 60;

export function timeZoneOf(policy: SchedulePolicy): string {
  return policy.timeZone ?? DEFAULT_TIME_ZONE;
}

/** Field-level problems of a schedule policy read from settings (unknown input). Empty = valid. */
export function scheduleFieldErrors(value: unknown, prefix = ''): FieldError[] {
  const errors: FieldError[] = [];
  const field = (name: string): string => (prefix ? `${prefix}.${name}` : name);
  if (!isRecord(value)) return [{ field: prefix || 'schedule', key: 'policy.schedule.notObject' }];
  if (value['timeZone'] !== undefined && !isValidTimeZone(value['timeZone'])) errors.push({ field: field('timeZone'), key: 'policy.schedule.timeZone', params: { value: String(value['timeZone']) } });
  const checkAt = (): void => {
    if (!parseClockTime(value['at'])) errors.push({ field: field('at'), key: 'policy.schedule.clockTime', params: { value: String(value['at']) } });
  };
  switch (value['kind']) {
    case 'interval': {
      const every = value['everyMinutes'];
      if (!isInteger(every) || every < 1 || every > MAX_INTERVAL_MINUTES) errors.push({ field: field('everyMinutes'), key: 'policy.schedule.everyMinutes', params: { max: MAX_INTERVAL_MINUTES } });
      const w = value['window'];
      if (w !== undefined) {
        if (!isRecord(w)) errors.push({ field: field('window'), key: 'policy.schedule.notObject' });
        else {
          const from = parseClockTime(w['from']);
          const to = parseClockTime(w['to']);
          if (!from) errors.push({ field: field('window.from'), key: 'policy.schedule.clockTime', params: { value: String(w['from']) } });
          if (!to) errors.push({ field: field('window.to'), key: 'policy.schedule.clockTime', params: { value: String(w['to']) } });
          if (from && to && w['from'] === w['to']) errors.push({ field: field('window'), key: 'policy.schedule.emptyWindow' });
        }
      }
      break;
    }
    case 'daily':
      checkAt();
      break;
    case 'weekly': {
      const wd = value['weekday'];
      if (!isInteger(wd) || wd < 0 || wd > 6) errors.push({ field: field('weekday'), key: 'policy.schedule.weekday' });
      checkAt();
      break;
    }
    case 'monthly': {
      const day = value['day'];
      if (!isInteger(day) || day < 1 || day > 31) errors.push({ field: field('day'), key: 'policy.schedule.dayOfMonth' });
      checkAt();
      break;
    }
    default:
      errors.push({ field: field('kind'), key: 'policy.schedule.kind', params: { value: String(value['kind']) } });
  }
  return errors;
}

/** Returns the value typed as a SchedulePolicy, or throws INVALID_SETTINGS with field-level errors. */
export function validateSchedulePolicy(value: unknown): SchedulePolicy {
  throwIfFieldErrors(scheduleFieldErrors(value));
  return value as SchedulePolicy;
}

export type SchedulePresetName = 'localIncremental' | 'offsiteReplication' | 'fullReconciliation' | 'restoreDrill';

/**
 * Presets from SOP-019 §5.1 (multi-layer backup) and §8 of ARCHITECTURE.md:
 * - localIncremental: layer 1 (local) has RPO 15 min → an incremental every 15 minutes.
 * - offsiteReplication: layer 2 (regional/offsite) has RPO 1 h → replicate every hour.
 * - fullReconciliation: layer 3 takes a weekly full backup → a weekly full pass that also
 *   reconciles deletions the server cannot report (Sunday 02:00, little clinic activity;
 *   if the computer is off, the catch-up runs once when it wakes).
 * - restoreDrill: SOP-019 §7 asks that 100% of backups be validated and recovery be measured
 *   (MTTR) → a monthly restore drill, day 1 at 12:00 (lunch break: the machine is usually on).
 */
export const SCHEDULE_PRESETS: Readonly<Record<SchedulePresetName, SchedulePolicy>> = {
  localIncremental: { kind: 'interval', everyMinutes: 15, timeZone: DEFAULT_TIME_ZONE },
  offsiteReplication: { kind: 'interval', everyMinutes: 60, timeZone: DEFAULT_TIME_ZONE },
  fullReconciliation: { kind: 'weekly', weekday: 0, at: '02:00', timeZone: DEFAULT_TIME_ZONE },
  restoreDrill: { kind: 'monthly', day: 1, at: '12:00', timeZone: DEFAULT_TIME_ZONE },
};
