/**
 * Wall-clock arithmetic in IANA time zones with nothing but Intl.DateTimeFormat.
 * Instants are Dates (UTC milliseconds); local times are plain numbers in a zone.
 */

export const DEFAULT_TIME_ZONE = 'America/Sao_Paulo';

export interface LocalDate {
  readonly year: number;
  /** 1-12 */
  readonly month: number;
  /** 1-31 */
  readonly day: number;
}

export interface LocalDateTime extends LocalDate {
  readonly hour: number;
  readonly minute: number;
  readonly second: number;
  /** 0 = Sunday … 6 = Saturday */
  readonly weekday: number;
}

const formatters = new Map<string, Intl.DateTimeFormat>();
const validity = new Map<string, boolean>();

function formatterFor(timeZone: string): Intl.DateTimeFormat {
  let f = formatters.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
      era: 'short',
    });
    formatters.set(timeZone, f);
  }
  return f;
}

/** True when the runtime knows the IANA zone name. */
export function isValidTimeZone(timeZone: unknown): timeZone is string {
  if (typeof timeZone !== 'string' || timeZone.length === 0) return false;
  const known = validity.get(timeZone);
  if (known !== undefined) return known;
  let ok: boolean;
  try {
    formatterFor(timeZone);
    ok = true;
  } catch {
    ok = false;
  }
  validity.set(timeZone, ok);
  return ok;
}

/** The wall-clock reading of an instant in a zone. */
export function localParts(instant: Date, timeZone: string): LocalDateTime {
  const values: Record<string, string> = {};
  for (const p of formatterFor(timeZone).formatToParts(instant)) values[p.type] = p.value;
  let year = Number(values['year']);
  if (values['era'] === 'BC' || values['era'] === 'B') year = 1 - year;
  const month = Number(values['month']);
  const day = Number(values['day']);
  return {
    year,
    month,
    day,
    hour: Number(values['hour']) % 24,
    minute: Number(values['minute']),
    second: Number(values['second']),
    weekday: weekdayOf({ year, month, day }),
  };
}

/** Offset of the zone from UTC at an instant, in milliseconds (local = UTC + offset). */
export function zoneOffsetMs(instant: Date, timeZone: string): number {
  const p = localParts(instant, timeZone);
  const asUtc = Date.UTC(p.year, p.month - 1, p.day, p.hour, p.minute, p.second);
  const truncated = Math.floor(instant.getTime() / 1000) * 1000;
  return asUtc - truncated;
}

function utcMs(d: LocalDate, hour: number, minute: number): number {
  const ms = Date.UTC(d.year, d.month - 1, d.day, hour, minute);
  // Date.UTC maps years 0-99 to 1900-1999; not relevant for backups but keep it exact.
  if (d.year >= 0 && d.year < 100) return new Date(ms).setUTCFullYear(d.year);
  return ms;
}

function readsAs(instant: number, d: LocalDate, hour: number, minute: number, timeZone: string): boolean {
  const p = localParts(new Date(instant), timeZone);
  return p.year === d.year && p.month === d.month && p.day === d.day && p.hour === hour && p.minute === minute && p.second === 0;
}

/**
 * The instant at which the wall clock of `timeZone` reads date + hour:minute.
 * - Overlap (clocks turned back; the reading happens twice): the first occurrence.
 * - Gap (clocks turned forward; the reading never happens): the first valid instant after it,
 *   i.e. the moment of the transition (02:30 in a 02:00→03:00 jump gives 03:00).
 */
export function localToInstant(date: LocalDate, hour: number, minute: number, timeZone: string): Date {
  const wall = utcMs(date, hour, minute);
  const day = 86_400_000;
  const offsets = [...new Set([-day, 0, day].map((d) => zoneOffsetMs(new Date(wall + d), timeZone)))];
  const valid = offsets.map((o) => wall - o).filter((inst) => readsAs(inst, date, hour, minute, timeZone));
  if (valid.length > 0) return new Date(Math.min(...valid));

  // A gap: find the transition between the earliest and latest candidate instants.
  const candidates = offsets.map((o) => wall - o);
  let lo = Math.min(...candidates);
  let hi = Math.max(...candidates);
  const before = zoneOffsetMs(new Date(lo), timeZone);
  for (let i = 0; i < 64 && hi - lo > 1; i++) {
    const mid = Math.floor((lo + hi) / 2);
    if (zoneOffsetMs(new Date(mid), timeZone) === before) lo = mid;
    else hi = mid;
  }
  // Offsets are measured on whole seconds; transitions happen on whole seconds.
  return new Date(Math.ceil(hi / 1000) * 1000);
}

export function isLeapYear(year: number): boolean {
  return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
}

export function daysInMonth(year: number, month: number): number {
  return [31, isLeapYear(year) ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][month - 1] ?? 30;
}

/** Calendar arithmetic on plain dates (no zone involved). */
export function addDays(d: LocalDate, days: number): LocalDate {
  const x = new Date((dayNumber(d) + days) * 86_400_000);
  return { year: x.getUTCFullYear(), month: x.getUTCMonth() + 1, day: x.getUTCDate() };
}

export function addMonths(year: number, month: number, months: number): { year: number; month: number } {
  const index = year * 12 + (month - 1) + months;
  return { year: Math.floor(index / 12), month: (index % 12) + 1 };
}

/** 0 = Sunday … 6 = Saturday. */
export function weekdayOf(d: LocalDate): number {
  const x = new Date(Date.UTC(2000, d.month - 1, d.day));
  x.setUTCFullYear(d.year);
  return x.getUTCDay();
}

/** ISO 8601 week-numbering year and week (weeks start on Monday; week 1 holds the first Thursday). */
export function isoWeek(d: LocalDate): { year: number; week: number } {
  const weekday = (weekdayOf(d) + 6) % 7; // Monday = 0
  const thursday = addDays(d, 3 - weekday);
  const jan1 = { year: thursday.year, month: 1, day: 1 };
  const dayOfYear = dayNumber(thursday) - dayNumber(jan1) + 1;
  return { year: thursday.year, week: Math.floor((dayOfYear - 1) / 7) + 1 };
}

function dayNumber(d: LocalDate): number {
  const x = new Date(Date.UTC(2000, d.month - 1, d.day));
  x.setUTCFullYear(d.year);
  return Math.floor(x.getTime() / 86_400_000);
}

const pad = (n: number, width = 2): string => String(n).padStart(width, '0');

export function formatLocalDate(d: LocalDate): string {
  return `${pad(d.year, 4)}-${pad(d.month)}-${pad(d.day)}`;
}

/** "YYYY-MM-DD HH:MM" in the zone. */
export function formatLocalDateTime(instant: Date, timeZone: string): string {
  const p = localParts(instant, timeZone);
  return `${formatLocalDate(p)} ${pad(p.hour)}:${pad(p.minute)}`;
}

/** Parses "HH:MM" (00:00-23:59) into numbers, or null. */
export function parseClockTime(value: unknown): { hour: number; minute: number } | null {
  if (typeof value !== 'string') return null;
  const m = /^([01]\d|2[0-3]):([0-5]\d)$/.exec(value);
  if (!m) return null;
  return { hour: Number(m[1]), minute: Number(m[2]) };
}
