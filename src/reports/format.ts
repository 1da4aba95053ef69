/**
 * Locale-aware formatting of dates, durations, sizes and rates for the printed reports.
 * Dates are wall-clock times in the clinic's zone (default America/Sao_Paulo), written
 * "23/11/2026 08:57" in pt-BR and "2026-11-23 08:57" in English.
 */
import { t, type Locale } from '../i18n/index.js';
import { DEFAULT_TIME_ZONE, isValidTimeZone, localParts } from '../policy/index.js';

const pad = (n: number, width = 2): string => String(n).padStart(width, '0');

export type DateInput = string | Date;

function toDate(value: DateInput): Date | null {
  const d = value instanceof Date ? value : new Date(value);
  return Number.isNaN(d.getTime()) ? null : d;
}

export function zoneOrDefault(timeZone: string | undefined): string {
  return timeZone !== undefined && isValidTimeZone(timeZone) ? timeZone : DEFAULT_TIME_ZONE;
}

/** "23/11/2026" (pt-BR) or "2026-11-23" (en); the input as given when it is not a date. */
export function formatDate(value: DateInput, locale: Locale, timeZone = DEFAULT_TIME_ZONE): string {
  const d = toDate(value);
  if (!d) return String(value);
  const p = localParts(d, zoneOrDefault(timeZone));
  return locale === 'pt-BR' ? `${pad(p.day)}/${pad(p.month)}/${pad(p.year, 4)}` : `${pad(p.year, 4)}-${pad(p.month)}-${pad(p.day)}`;
}

/** Date and time to the minute in the zone. */
export function formatDateTime(value: DateInput, locale: Locale, timeZone = DEFAULT_TIME_ZONE): string {
  const d = toDate(value);
  if (!d) return String(value);
  const p = localParts(d, zoneOrDefault(timeZone));
  return `${formatDate(d, locale, timeZone)} ${pad(p.hour)}:${pad(p.minute)}`;
}

/** "45 s", "12 min 30 s", "1 h 05 min", "2 d 3 h". */
export function formatDuration(ms: number, locale: Locale): string {
  if (!Number.isFinite(ms) || ms < 0) return t('reports.common.unknown', {}, locale);
  const totalSeconds = Math.round(ms / 1000);
  if (totalSeconds < 60) return ms > 0 && totalSeconds === 0 ? '< 1 s' : `${totalSeconds} s`;
  const totalMinutes = Math.floor(totalSeconds / 60);
  if (totalMinutes < 60) {
    const s = totalSeconds % 60;
    return s === 0 ? `${totalMinutes} min` : `${totalMinutes} min ${pad(s)} s`;
  }
  const totalHours = Math.floor(totalMinutes / 60);
  if (totalHours < 48) {
    const m = totalMinutes % 60;
    return m === 0 ? `${totalHours} h` : `${totalHours} h ${pad(m)} min`;
  }
  const days = Math.floor(totalHours / 24);
  const h = totalHours % 24;
  return h === 0 ? `${days} d` : `${days} d ${h} h`;
}

/** Minutes as a target ("15 min", "1 h", "24 h"). */
export function formatMinutes(minutes: number, locale: Locale): string {
  return formatDuration(minutes * 60_000, locale);
}

const numberFormats = new Map<string, Intl.NumberFormat>();

function numberFormat(locale: Locale, digits: number): Intl.NumberFormat {
  const key = `${locale}|${digits}`;
  let f = numberFormats.get(key);
  if (!f) {
    f = new Intl.NumberFormat(locale, { maximumFractionDigits: digits, minimumFractionDigits: 0 });
    numberFormats.set(key, f);
  }
  return f;
}

/** 12345 → "12.345" (pt-BR) or "12,345" (en). */
export function formatCount(n: number, locale: Locale): string {
  return Number.isFinite(n) ? numberFormat(locale, 0).format(n) : t('reports.common.unknown', {}, locale);
}

/** Fraction 0-1 → "99,5%" / "99.5%"; one decimal at most. */
export function formatPercent(fraction: number | null | undefined, locale: Locale): string {
  if (fraction === null || fraction === undefined || !Number.isFinite(fraction)) return t('reports.common.unknown', {}, locale);
  const value = Math.floor(fraction * 1000) / 10; // never round 99.96% up to 100%
  return `${numberFormat(locale, 1).format(value)}%`;
}

const UNITS = ['B', 'KB', 'MB', 'GB', 'TB'] as const;

/** Decimal units (1 KB = 1000 B), as storage vendors and operating systems show them. */
export function formatBytes(bytes: number, locale: Locale): string {
  if (!Number.isFinite(bytes) || bytes < 0) return t('reports.common.unknown', {}, locale);
  let value = bytes;
  let unit = 0;
  while (value >= 1000 && unit < UNITS.length - 1) {
    value /= 1000;
    unit++;
  }
  return `${numberFormat(locale, unit === 0 ? 0 : 1).format(value)} ${UNITS[unit]}`;
}

export function yesNo(value: boolean, locale: Locale): string {
  return t(value ? 'reports.common.yes' : 'reports.common.no', {}, locale);
}
