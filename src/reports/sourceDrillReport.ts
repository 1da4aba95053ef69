/**
 * The printable report of a drill of a folder source or a database source (src/drills/sourceDrill.ts): what was
 * restored, from which snapshot, and what that proves, item by item, in words a receptionist can sign:
 * - folders: a sample of files restored into a temporary folder; every piece verified against its fingerprint;
 *   sizes exact; SHA-256 equal to the originals still unchanged on disk;
 * - databases: the latest dump restored into a throw-away database (dropped after) and a sanity query's result; or,
 *   where the database's programs or server are not here, the dump read in full and verified.
 * SourceDrillReportData is the drill's `report` JSON as the engine stores it in the catalog.
 */
import { t, type Locale } from '../i18n/index.js';
import { drillFrame, outcomeCell, safeLocation, shortId, translator } from './common.js';
import type { Block, Cell, Fact, ReportDocument } from './document.js';
import { formatBytes, formatCount, formatDateTime, formatDuration, zoneOrDefault } from './format.js';
import { renderHtml } from './html.js';
import { renderPdf, type PdfOptions } from './pdf.js';

export interface SourceDrillProofData {
  readonly code: string;
  readonly ok: boolean;
  /** The proof's figures (files, tables, rows…): the text is made from them in the report's language. */
  readonly details?: Readonly<Record<string, string | number>>;
  /** The text in the language of the drill (used when no details were kept). */
  readonly text?: string;
}

export interface SourceDrillReportData {
  readonly id?: number | null;
  readonly kind: 'files' | 'database';
  readonly status: 'success' | 'failed' | 'interrupted';
  readonly snapshot: { readonly id: string; readonly time: string; readonly source: string };
  readonly startedAt: string;
  readonly endedAt: string | null;
  readonly recoveryTimeMs: number | null;
  /** Files restored (folders), 1 (database). */
  readonly restored: number;
  readonly bytes: number;
  readonly proofs: readonly SourceDrillProofData[];
  readonly seed?: number;
  readonly operator?: string | null;
  readonly clinicName?: string | null;
  readonly timeZone?: string | null;
  readonly toolVersion?: string | null;
  readonly generatedAt?: string | null;
}

/** True for the `report` JSON of a folder or database drill (a FHIR drill's report has resource types instead). */
export function isSourceDrillReport(report: unknown): report is SourceDrillReportData {
  if (typeof report !== 'object' || report === null) return false;
  const r = report as { kind?: unknown; proofs?: unknown };
  return (r.kind === 'files' || r.kind === 'database') && Array.isArray(r.proofs);
}

function proofText(p: SourceDrillProofData, locale: Locale): string {
  if (p.details) return t(`drills.proof.${p.code}`, p.details, locale);
  return p.text ?? p.code;
}

export function sourceDrillReportDocument(data: SourceDrillReportData, locale: Locale): ReportDocument {
  const tr = translator(locale);
  const tz = zoneOrDefault(data.timeZone ?? undefined);
  const when = (d: string): string => formatDateTime(d, locale, tz);
  const kind = data.kind;
  const facts: Fact[] = [
    { label: tr('reports.drill.when'), value: data.endedAt ? tr('reports.drill.fromTo', { from: when(data.startedAt), to: when(data.endedAt) }) : when(data.startedAt) },
    { label: tr('reports.drill.who'), value: data.operator ?? tr('reports.common.unknown') },
    { label: tr('reports.sourceDrill.kind'), value: tr(`reports.sourceDrill.kind.${kind}`) },
    { label: tr('reports.drill.source'), value: safeLocation(data.snapshot.source) },
    { label: tr('reports.drill.snapshot'), value: `${shortId(data.snapshot.id)} (${when(data.snapshot.time)})` },
    { label: tr('reports.drill.target'), value: tr(`reports.sourceDrill.target.${kind}`) },
    { label: tr(`reports.sourceDrill.restored.${kind}`), value: formatCount(data.restored, locale) },
    { label: tr('reports.drill.bytesRead'), value: formatBytes(data.bytes, locale) },
  ];
  if (data.recoveryTimeMs !== null) facts.push({ label: tr('reports.drill.duration'), value: formatDuration(data.recoveryTimeMs, locale) });
  if (kind === 'files' && data.seed !== undefined) facts.push({ label: tr('reports.sourceDrill.seed'), value: String(data.seed) });

  const rows: Cell[][] = data.proofs.map((p) => [tr(`reports.sourceDrill.proof.${p.code}`), outcomeCell(p.ok ? 'passed' : 'failed', tr), proofText(p, locale)]);
  const status = data.status;
  const blocks: Block[] = [
    {
      kind: 'callout',
      tone: status === 'success' ? 'ok' : status === 'failed' ? 'danger' : 'warning',
      title: tr(`reports.sourceDrill.verdict.${kind}.${status}`),
      lines: [
        tr(`reports.sourceDrill.summary.${kind}`, {
          restored: formatCount(data.restored, locale),
          bytes: formatBytes(data.bytes, locale),
          time: data.recoveryTimeMs === null ? tr('reports.drill.notMeasured') : formatDuration(data.recoveryTimeMs, locale),
        }),
      ],
    },
    { kind: 'heading', level: 2, text: tr('reports.drill.whatHeading') },
    { kind: 'paragraph', text: tr(`reports.sourceDrill.what.${kind}`) },
    { kind: 'facts', rows: facts },
    { kind: 'heading', level: 2, text: tr('reports.sourceDrill.provenHeading') },
    {
      kind: 'table',
      columns: [
        { header: tr('reports.drill.col.check'), weight: 2.2 },
        { header: tr('reports.drill.col.result'), weight: 1.1 },
        { header: tr('reports.drill.col.details'), weight: 4 },
      ],
      rows,
      empty: tr('reports.sourceDrill.noProofs'),
    },
    { kind: 'paragraph', text: tr(`reports.sourceDrill.meaning.${kind}.${status === 'success' ? 'success' : 'failed'}`), tone: status === 'success' ? 'ok' : 'danger' },
    { kind: 'writeIn', title: tr('reports.drill.signTitle'), fields: [tr('reports.drill.signName'), tr('reports.drill.signDate')] },
  ];
  return drillFrame(data, locale, tz, tr(`reports.sourceDrill.title.${kind}`), blocks);
}

export function sourceDrillReportHtml(data: SourceDrillReportData, locale: Locale): string {
  return renderHtml(sourceDrillReportDocument(data, locale));
}

export function sourceDrillReportPdf(data: SourceDrillReportData, locale: Locale, options: PdfOptions = {}): Promise<Buffer> {
  return renderPdf(sourceDrillReportDocument(data, locale), { ...options, ...(data.generatedAt ? { creationDate: new Date(data.generatedAt) } : {}) });
}
