/**
 * The incident register's rules (LGPD; ANPD Resolution CD/ANPD nº 15/2024): a security incident that may bring
 * relevant risk or harm to the data subjects is reported to the ANPD within 3 business days of the clinic learning of
 * it. Pure: times and the clinic's time zone come in.
 *
 * Business days are Monday to Friday in the clinic's time zone (national holidays are not known here: the clock is
 * never longer than the law's, only possibly one day shorter around a holiday). The discovery day does not count;
 * the deadline is the end (23:59) of the third business day after it.
 */
import { EngineError } from '../shared/index.js';
import { addDays, localParts, localToInstant, weekdayOf, type LocalDate } from './zonedTime.js';

export const ANPD_BUSINESS_DAYS = 3;

const isBusinessDay = (d: LocalDate): boolean => {
  const w = weekdayOf(d);
  return w !== 0 && w !== 6;
};

function dateOf(instant: Date, timeZone: string): LocalDate {
  const p = localParts(instant, timeZone);
  return { year: p.year, month: p.month, day: p.day };
}

/** The end of the 3rd business day after the discovery (23:59:59.999 local of that day). */
export function anpdDeadline(discoveredAt: Date, timeZone: string): Date {
  if (!Number.isFinite(discoveredAt.getTime())) throw new EngineError('INVALID_ARGUMENT', { field: 'discoveredAt', reason: 'not a valid time' });
  let d = dateOf(discoveredAt, timeZone);
  for (let counted = 0; counted < ANPD_BUSINESS_DAYS;) {
    d = addDays(d, 1);
    if (isBusinessDay(d)) counted++;
  }
  return new Date(localToInstant(addDays(d, 1), 0, 0, timeZone).getTime() - 1);
}

/** Business days from `now`'s day to the deadline's last day (0: today is the last day; negative: late). */
export function businessDaysLeft(deadline: Date, now: Date, timeZone: string): number {
  const last = dateOf(deadline, timeZone);
  const today = dateOf(now, timeZone);
  const key = (d: LocalDate): number => d.year * 10_000 + d.month * 100 + d.day;
  if (key(today) === key(last)) return 0;
  const forward = key(today) < key(last);
  let n = 0;
  let d = today;
  for (let i = 0; i < 400 && key(d) !== key(last); i++) {
    d = addDays(d, forward ? 1 : -1);
    if (isBusinessDay(d)) n++;
  }
  return forward ? n : -n;
}

export interface IncidentClock {
  readonly anpdDeadline: string;
  readonly anpdOverdue: boolean;
  readonly anpdBusinessDaysLeft: number | null;
}

/** The 3-business-day clock of one incident: counting while the ANPD has not been told. */
export function incidentClock(incident: { readonly discoveredAt: string; readonly anpdNotifiedAt: string | null }, now: Date, timeZone: string): IncidentClock {
  const deadline = anpdDeadline(new Date(incident.discoveredAt), timeZone);
  const told = incident.anpdNotifiedAt !== null;
  return {
    anpdDeadline: deadline.toISOString(),
    anpdOverdue: !told && now.getTime() > deadline.getTime(),
    anpdBusinessDaysLeft: told ? null : businessDaysLeft(deadline, now, timeZone),
  };
}
