/**
 * The renderer's i18n: every visible string comes from messages.ts (pt-BR and en, both complete), through
 * t(key, params). Dates, numbers and sizes are formatted for the current language.
 */
import { zoned } from './clock';
import { createContext, useContext, type ReactNode } from 'react';
import type { Locale } from '../api/client';
import { formatMessage } from '../../../src/shared/portable/messageFormat';

export { fhirTypeName } from '../../../src/shared/portable/fhirTypeNames';
import { MESSAGES, type MessageKey } from './messages';

export type Params = Readonly<Record<string, string | number | null | undefined>>;

export const LOCALES: readonly Locale[] = ['pt-BR', 'en'];

export function translate(locale: Locale, key: MessageKey, params: Params = {}): string {
  const msg = MESSAGES[key];
  return formatMessage(msg ? msg[locale] : key, params, locale);
}

/** A key that may not exist (e.g. built from an error code); falls back to another key. */
export function translateOptional(locale: Locale, key: string, fallback: MessageKey, params: Params = {}): string {
  return key in MESSAGES ? translate(locale, key as MessageKey, params) : translate(locale, fallback, params);
}

export function hasMessage(key: string): key is MessageKey {
  return key in MESSAGES;
}

export interface I18n {
  readonly locale: Locale;
  t(key: MessageKey, params?: Params): string;
  setLocale(locale: Locale): void;
}

const I18nContext = createContext<I18n>({ locale: 'pt-BR', t: (k, p) => translate('pt-BR', k, p), setLocale: () => undefined });

export function I18nProvider({ value, children }: { value: I18n; children: ReactNode }): ReactNode {
  return <I18nContext.Provider value={value}>{children}</I18nContext.Provider>;
}

export function useI18n(): I18n {
  return useContext(I18nContext);
}

export { clinicDayKey, clinicWallClock, fromClinicInput, setClinicTimeZone, toClinicInput } from './clock';

/** Date and time in the clinic's zone, with the zone shown ("20/11/2026 14:03 BRT"). */
export function formatDateTime(iso: string | null | undefined, locale: Locale): string {
  if (!iso) return '—';
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return '—';
  try {
    return new Intl.DateTimeFormat(locale, zoned({ year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', timeZoneName: 'short' })).format(d);
  } catch {
    return new Intl.DateTimeFormat(locale, { dateStyle: 'short', timeStyle: 'short' }).format(d);
  }
}

export function formatDate(iso: string | Date | null | undefined, locale: Locale, style: 'short' | 'long' = 'short'): string {
  if (!iso) return '—';
  const d = typeof iso === 'string' ? new Date(iso) : iso;
  if (Number.isNaN(d.getTime())) return '—';
  return new Intl.DateTimeFormat(locale, zoned({ dateStyle: style })).format(d);
}

export function formatTime(iso: string, locale: Locale): string {
  return new Intl.DateTimeFormat(locale, zoned({ hour: '2-digit', minute: '2-digit' })).format(new Date(iso));
}

export function formatNumber(n: number | null | undefined, locale: Locale): string {
  return n === null || n === undefined ? '—' : new Intl.NumberFormat(locale).format(n);
}

export function formatPercent(x: number | null | undefined, locale: Locale): string {
  return x === null || x === undefined ? '—' : new Intl.NumberFormat(locale, { style: 'percent', maximumFractionDigits: 1 }).format(x);
}

export function formatBytes(n: number | null | undefined, locale: Locale): string {
  if (n === null || n === undefined) return '—';
  const units = ['B', 'KB', 'MB', 'GB', 'TB'];
  let v = n;
  let u = 0;
  while (Math.abs(v) >= 1000 && u < units.length - 1) {
    v /= 1000;
    u++;
  }
  return `${new Intl.NumberFormat(locale, { maximumFractionDigits: u === 0 ? 0 : 1 }).format(v)} ${units[u]}`;
}

/** "3 h 20 min", "45 s". */
export function formatDuration(ms: number | null | undefined, locale: Locale): string {
  if (ms === null || ms === undefined) return '—';
  const s = Math.round(ms / 1000);
  const nf = new Intl.NumberFormat(locale);
  if (s < 60) return `${nf.format(s)} s`;
  const min = Math.round(s / 60);
  if (min < 60) return `${nf.format(min)} min`;
  const h = Math.floor(min / 60);
  if (h < 48) return `${nf.format(h)} h ${nf.format(min % 60)} min`;
  return `${nf.format(Math.floor(h / 24))} d`;
}
