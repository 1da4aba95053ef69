/** Small pieces shared by the reports: message lookup bound to a locale, locations without secrets, outcomes. */
import { scrubSecrets, t, type Locale, type Params } from '../i18n/index.js';
import type { Block, Cell, ReportDocument, Tone } from './document.js';
import { formatDateTime } from './format.js';

/** t() bound to one locale. */
export type Translate = (key: string, params?: Params) => string;

export function translator(locale: Locale): Translate {
  return (key, params = {}) => t(key, params, locale);
}

/**
 * A destination as it may be printed: credentials typed into a URL by mistake (user:password@),
 * query strings (pre-signed URLs carry signatures there) and fragments are removed.
 */
export function safeLocation(location: string): string {
  let out = location.trim().replace(/(\/\/)[^/@\s]*@/g, '$1');
  out = out.replace(/^(s3:)[^/@\s]*:[^/@\s]*@/i, '$1');
  out = out.replace(/[?#].*$/s, '');
  return scrubSecrets(out);
}

export type LocationKind = 'local' | 's3';

export function locationKind(location: string): LocationKind {
  return /^s3:/i.test(location.trim()) ? 's3' : 'local';
}

/** First 8 characters of an id, as the CLI shows snapshot ids. */
export function shortId(id: string): string {
  return id.slice(0, 8);
}

export type Outcome = 'passed' | 'failed' | 'warning' | 'skipped';

export const OUTCOME_TONE: Readonly<Record<Outcome, Tone>> = { passed: 'ok', failed: 'danger', warning: 'warning', skipped: 'neutral' };

export function outcomeCell(outcome: Outcome, tr: Translate): Cell {
  return { text: tr(`reports.outcome.${outcome}`), tone: OUTCOME_TONE[outcome], bold: outcome !== 'skipped' };
}

export function clinicLabel(name: string | null | undefined, tr: Translate): string {
  const trimmed = name?.trim() ?? '';
  return trimmed.length > 0 ? trimmed : tr('reports.common.clinicUnnamed');
}

/** What the frame of a drill report (FHIR, folders or a database) is made from. */
export interface DrillFrameData {
  readonly id?: number | string | null;
  readonly clinicName?: string | null;
  readonly snapshot: { readonly id: string };
  readonly toolVersion?: string | null;
  readonly generatedAt?: string | null;
}

/** A drill report's document around its blocks: its title, the clinic, the drill id, when and in which zone it was made, the footer. */
export function drillFrame(data: DrillFrameData, locale: Locale, tz: string, title: string, blocks: Block[]): ReportDocument {
  const tr = translator(locale);
  const generated = formatDateTime(data.generatedAt ?? new Date(), locale, tz);
  return {
    locale,
    title,
    subtitle: clinicLabel(data.clinicName, tr),
    meta: [
      ...(data.id !== undefined && data.id !== null ? [{ label: tr('reports.drill.id'), value: String(data.id) }] : []),
      { label: tr('reports.common.generated'), value: generated },
      { label: tr('reports.common.timeZone'), value: tz },
    ],
    blocks,
    footer: tr('reports.drill.footer', { version: data.toolVersion ?? '', snapshot: shortId(data.snapshot.id), generated }),
    pageLabel: tr('reports.common.pageLabel'),
    pdfInfo: { subject: title, keywords: 'Clinic Backup drill SOP-019' },
  };
}
