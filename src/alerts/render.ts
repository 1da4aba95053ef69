/**
 * User text of an alert in one language: title, message, what to do, severity label. Every front end
 * (tray, OS notification, e-mail, webhook, CLI status) renders through here, so the wording is one.
 *
 * Params follow the convention of rules.ts; each gets a formatted twin the templates use:
 *   "…At" (ISO time) → "…" as a local date and time (e.g. lastSuccessAt → {lastSuccess})
 *   "…Minutes" / "…Days" → "…" as a duration ("30 horas", "2 days")
 *   "…Bytes" → "…" as a size ("12,5 GB")
 */
import { DEFAULT_LOCALE, hasMessage, t, type Locale, type Params } from '../i18n/index.js';
import type { AlertParams, AlertSeverity } from '../catalog/index.js';

/** Default time zone of dates in alerts (the clinic's, as in the schedule policy). */
export const DEFAULT_ALERT_TIME_ZONE = 'America/Sao_Paulo';

export interface RenderOptions {
  readonly locale?: Locale;
  readonly timeZone?: string;
}

export interface RenderedAlert {
  readonly severity: AlertSeverity;
  readonly severityLabel: string;
  readonly title: string;
  /** What happened. */
  readonly message: string;
  /** What to do about it. */
  readonly fix: string;
}

/** The parts of an alert needed to render it (an AlertRecord or a candidate). */
export interface RenderableAlert {
  readonly rule: string;
  readonly severity: AlertSeverity;
  readonly messageKey: string;
  readonly params: AlertParams;
}

const MINUTE = 60_000;

/** "45 minutos", "30 horas", "3 dias" (rounded down to the unit). */
export function formatDuration(milliseconds: number, locale: Locale = DEFAULT_LOCALE): string {
  const minutes = Math.max(0, Math.floor(milliseconds / MINUTE));
  if (minutes < 120) return t(minutes === 1 ? 'alerts.duration.minute' : 'alerts.duration.minutes', { n: minutes }, locale);
  const hours = Math.floor(minutes / 60);
  if (hours < 48) return t('alerts.duration.hours', { n: hours }, locale);
  const days = Math.floor(hours / 24);
  return t('alerts.duration.days', { n: days }, locale);
}

export function formatDateTime(value: Date | string, locale: Locale = DEFAULT_LOCALE, timeZone: string = DEFAULT_ALERT_TIME_ZONE): string {
  const d = value instanceof Date ? value : new Date(value);
  if (!Number.isFinite(d.getTime())) return String(value);
  try {
    return new Intl.DateTimeFormat(locale, {
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      timeZone,
      timeZoneName: 'short',
    }).format(d);
  } catch {
    return d.toISOString();
  }
}

export function formatBytes(bytes: number, locale: Locale = DEFAULT_LOCALE): string {
  const units = ['B', 'KB', 'MB', 'GB', 'TB', 'PB'];
  let v = Math.max(0, bytes);
  let i = 0;
  while (v >= 1000 && i < units.length - 1) {
    v /= 1000;
    i++;
  }
  const n = new Intl.NumberFormat(locale, { maximumFractionDigits: v < 10 && i > 0 ? 1 : 0 }).format(v);
  return `${n} ${units[i]}`;
}

/** Params plus their formatted twins (see the module comment). */
export function renderParams(params: AlertParams, options: RenderOptions = {}): Params {
  const locale = options.locale ?? DEFAULT_LOCALE;
  const out: Record<string, string | number | boolean | null> = { ...params };
  for (const [name, value] of Object.entries(params)) {
    let m: RegExpExecArray | null;
    if ((m = /^(\w+)At$/.exec(name)) && typeof value === 'string') out[m[1]!] = formatDateTime(value, locale, options.timeZone);
    else if ((m = /^(\w+)Minutes$/.exec(name)) && typeof value === 'number') out[m[1]!] = formatDuration(value * MINUTE, locale);
    else if ((m = /^(\w+)Days$/.exec(name)) && typeof value === 'number') out[m[1]!] = formatDuration(value * 24 * 60 * MINUTE, locale);
    else if ((m = /^(\w+)Bytes$/.exec(name)) && typeof value === 'number') out[m[1]!] = formatBytes(value, locale);
    else if (name === 'usedPercent' && typeof value === 'number') out['used'] = `${new Intl.NumberFormat(locale, { maximumFractionDigits: 1 }).format(value)}%`;
  }
  return out;
}

/** Params that mark when the problem began, by rule (the last good moment), most telling first. */
const SINCE_PARAMS = ['sinceAt', 'lastSuccessAt', 'newestCopiedAt', 'lastDrillAt', 'lastRotatedAt', 'checkedAt'] as const;

/**
 * Since when the problem exists, as an ISO time: the last good moment the alert names (last successful
 * backup, newest off-site copy, last drill …), else when the alert was first raised.
 */
export function alertSince(alert: { readonly firstAt: string; readonly params: AlertParams }): string {
  for (const name of SINCE_PARAMS) {
    const v = alert.params[name];
    if (typeof v === 'string' && Number.isFinite(Date.parse(v))) return v;
  }
  return alert.firstAt;
}

export function severityLabel(severity: AlertSeverity, locale: Locale = DEFAULT_LOCALE): string {
  return t(`alerts.severity.${severity}`, {}, locale);
}

export function renderAlert(alert: RenderableAlert, options: RenderOptions = {}): RenderedAlert {
  const locale = options.locale ?? DEFAULT_LOCALE;
  const params = renderParams(alert.params, options);
  return {
    severity: alert.severity,
    severityLabel: severityLabel(alert.severity, locale),
    title: t(`alerts.${alert.rule}.title`, params, locale),
    message: t(alert.messageKey, params, locale),
    // A message may carry its own fix (a copy that is full is fixed differently from one that is read-only).
    fix: t(hasMessage(`${alert.messageKey}.fix`) ? `${alert.messageKey}.fix` : `alerts.${alert.rule}.fix`, params, locale),
  };
}
