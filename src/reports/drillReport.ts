/**
 * The printable report of one restore drill (ARCHITECTURE.md §8): what was tested, when and by whom,
 * from which snapshot and source; results per resource type; the four checks (counts, content,
 * references, a sample of complete patient records); the integrity score; recovery times against the
 * SOP-019 targets of each criticality tier; bytes read; and failures with plain-language next steps.
 *
 * DrillReportData is what src/drills produces for a finished drill (and can store as the drill's
 * `report` JSON in the catalog).
 */
import { errorText, fhirTypeName, type Locale } from '../i18n/index.js';
import { KPI_TARGETS, restoreOrder, type Tier, TIER_TARGETS, tierOf, TIERS, withinObjective } from '../policy/index.js';
import type { DrillFailure, DrillFailureKind, DrillReport, DrillStatus, DrillTypeResult } from '../shared/index.js';
import { drillFrame, outcomeCell, safeLocation, shortId, translator, type Outcome, type Translate } from './common.js';
import type { Block, Cell, Fact, ReportDocument, Tone } from './document.js';
import { formatBytes, formatCount, formatDateTime, formatDuration, formatPercent, zoneOrDefault, type DateInput } from './format.js';
import { renderHtml } from './html.js';
import { renderPdf, type PdfOptions } from './pdf.js';

export type DrillReportStatus = DrillStatus;
export type { DrillCheckOutcome, DrillChecks, DrillFailure, DrillFailureKind, DrillTypeResult } from '../shared/index.js';

export const DRILL_FAILURE_KINDS: readonly DrillFailureKind[] = [
  'count-mismatch',
  'content-mismatch',
  'unresolved-reference',
  'compartment-incomplete',
  'restore-rejected',
  'repository-error',
  'sandbox-error',
  'rto-exceeded',
  'interrupted',
  'other',
];

/** The drill record as src/drills writes it and the catalog keeps it (src/shared/drill.ts). */
export type DrillReportData = DrillReport;

export type DrillTimeKind = 'firstCritical' | Tier | 'full' | 'mttr';

export interface DrillTimeCheck {
  readonly kind: DrillTimeKind;
  readonly measuredMs: number | null;
  readonly targetMs: number;
  /** Null when nothing was measured. */
  readonly withinTarget: boolean | null;
}

const MINUTE = 60_000;

/**
 * Measured recovery times against the SOP-019 targets: first critical data and each tier against the
 * tier's RTO (§5.1 via TIER_TARGETS), the whole restore against the slowest tier restored, and against
 * the MTTR goal of §7.2 (< 2 h). "Within" allows the ±10% tolerance of §7.2.
 */
export function drillTimeChecks(data: DrillReportData): DrillTimeCheck[] {
  const judge = (kind: DrillTimeKind, measured: number | null | undefined, targetMs: number): DrillTimeCheck => ({
    kind,
    measuredMs: measured ?? null,
    targetMs,
    withinTarget: measured === null || measured === undefined ? null : withinObjective(measured, targetMs, KPI_TARGETS.rtoTolerance),
  });
  const tiersPresent = new Set(data.resources.filter((r) => r.expected > 0).map((r) => tierOf(r.resourceType)));
  const out: DrillTimeCheck[] = [];
  if (tiersPresent.has('critical') || data.timeToFirstCriticalMs !== null) {
    out.push(judge('firstCritical', data.timeToFirstCriticalMs, TIER_TARGETS.critical.rtoMinutes * MINUTE));
  }
  for (const tier of TIERS) {
    const measured = data.tierCompletedMs?.[tier];
    if (measured !== undefined) out.push(judge(tier, measured, TIER_TARGETS[tier].rtoMinutes * MINUTE));
  }
  const slowest = Math.max(...[...tiersPresent].map((tier) => TIER_TARGETS[tier].rtoMinutes), TIER_TARGETS.critical.rtoMinutes);
  out.push(judge('full', data.recoveryTimeMs, slowest * MINUTE));
  out.push(judge('mttr', data.recoveryTimeMs, KPI_TARGETS.mttrMaxMs));
  return out;
}

const STATUS_TONE: Readonly<Record<DrillReportStatus, Tone>> = { success: 'ok', partial: 'warning', failed: 'danger', interrupted: 'warning' };

function failureText(f: DrillFailure, tr: Translate, locale: Locale): { what: string; next: string } {
  const params = {
    type: f.resourceType ? fhirTypeName(f.resourceType, locale) : tr('reports.common.unknown'),
    count: f.count ?? '?',
    example: f.example ?? '—',
  };
  let what = tr(`reports.drill.failure.${f.kind}`, params);
  if (f.errorCode) what += ` ${errorText({ code: f.errorCode, details: f.errorDetails ?? {} }, locale)}`;
  if (f.example) what += ` ${tr('reports.drill.failureExample', { example: f.example })}`;
  return { what, next: tr(`reports.drill.next.${f.kind}`, params) };
}

function timeRow(c: DrillTimeCheck, tr: Translate, locale: Locale): Cell[] {
  const outcome: Outcome = c.withinTarget === null ? 'skipped' : c.withinTarget ? 'passed' : 'failed';
  return [
    tr(`reports.drill.time.${c.kind}`),
    c.measuredMs === null ? tr('reports.drill.notMeasured') : formatDuration(c.measuredMs, locale),
    formatDuration(c.targetMs, locale),
    outcomeCell(outcome, tr),
  ];
}

/** The document both renderers print. */
export function drillReportDocument(data: DrillReportData, locale: Locale): ReportDocument {
  const tr = translator(locale);
  const tz = zoneOrDefault(data.timeZone);
  const when = (d: DateInput): string => formatDateTime(d, locale, tz);

  const byType = new Map(data.resources.map((r) => [r.resourceType, r]));
  const ordered = restoreOrder(byType.keys()).map((type) => byType.get(type) as DrillTypeResult);
  const expected = ordered.reduce((n, r) => n + r.expected, 0);
  const restored = ordered.reduce((n, r) => n + Math.min(r.restored, r.expected), 0);

  const duration = data.endedAt !== null ? new Date(data.endedAt).getTime() - new Date(data.startedAt).getTime() : null;
  const who = data.operator ? (data.host ? tr('reports.drill.operatorAt', { user: data.operator, host: data.host }) : data.operator) : tr('reports.common.unknown');

  const facts: Fact[] = [
    { label: tr('reports.drill.when'), value: data.endedAt !== null ? tr('reports.drill.fromTo', { from: when(data.startedAt), to: when(data.endedAt) }) : when(data.startedAt) },
    { label: tr('reports.drill.who'), value: who },
    { label: tr('reports.drill.trigger'), value: tr(`reports.drill.trigger.${data.trigger ?? 'manual'}`) },
    { label: tr('reports.drill.snapshot'), value: `${shortId(data.snapshot.id)} (${when(data.snapshot.time)})`, mono: false },
    { label: tr('reports.drill.source'), value: safeLocation(data.snapshot.source) },
  ];
  if (data.repository) facts.push({ label: tr('reports.drill.readFrom'), value: safeLocation(data.repository.location) });
  facts.push({ label: tr('reports.drill.target'), value: data.target ? safeLocation(data.target) : tr('reports.drill.sandbox') });
  facts.push({ label: tr('reports.drill.bytesRead'), value: formatBytes(data.bytesRead, locale) });
  if (duration !== null && Number.isFinite(duration)) facts.push({ label: tr('reports.drill.duration'), value: formatDuration(duration, locale) });

  const c = data.checks;
  const checkRows: Cell[][] = [
    [tr('reports.drill.check.counts'), outcomeCell(c.counts.outcome, tr), tr('reports.drill.check.countsDetail', { checked: c.counts.typesChecked, bad: c.counts.typesMismatched })],
    [
      tr('reports.drill.check.content'),
      outcomeCell(c.content.outcome, tr),
      tr('reports.drill.check.contentDetail', { checked: formatCount(c.content.checked, locale), bad: formatCount(c.content.mismatched, locale) }),
    ],
    [
      tr('reports.drill.check.references'),
      outcomeCell(c.references.outcome, tr),
      tr('reports.drill.check.referencesDetail', { checked: formatCount(c.references.checked, locale), bad: formatCount(c.references.unresolved, locale) }),
    ],
    [
      tr('reports.drill.check.compartment'),
      outcomeCell(c.compartment.outcome, tr),
      tr('reports.drill.check.compartmentDetail', {
        sampled: c.compartment.patientsSampled,
        complete: c.compartment.patientsComplete,
        resources: formatCount(c.compartment.resourcesChecked, locale),
      }),
    ],
  ];
  if (c.attachments) {
    checkRows.push([
      tr('reports.drill.check.attachments'),
      outcomeCell(c.attachments.outcome, tr),
      tr('reports.drill.check.attachmentsDetail', { checked: formatCount(c.attachments.checked, locale), bad: formatCount(c.attachments.mismatched, locale) }),
    ]);
  }
  const score = data.integrityScore;
  const scoreOutcome: Outcome = score === null ? 'skipped' : score >= KPI_TARGETS.dataRecoveredRate ? 'passed' : 'failed';
  checkRows.push([
    tr('reports.drill.check.score'),
    outcomeCell(scoreOutcome, tr),
    tr('reports.drill.check.scoreDetail', { score: formatPercent(score, locale), goal: formatPercent(KPI_TARGETS.dataRecoveredRate, locale) }),
  ]);

  const typeRows: Cell[][] = ordered.map((r) => {
    const mismatches = r.contentMismatches ?? 0;
    const outcome: Outcome = r.restored < r.expected ? 'failed' : mismatches > 0 ? 'failed' : r.restored > r.expected ? 'warning' : 'passed';
    return [
      fhirTypeName(r.resourceType, locale),
      tr(`reports.tier.${tierOf(r.resourceType)}`),
      formatCount(r.expected, locale),
      formatCount(r.restored, locale),
      formatCount(mismatches, locale),
      outcomeCell(outcome, tr),
    ];
  });
  typeRows.push([
    { text: tr('reports.drill.total'), bold: true },
    '',
    { text: formatCount(expected, locale), bold: true },
    { text: formatCount(restored, locale), bold: true },
    {
      text: formatCount(
        ordered.reduce((n, r) => n + (r.contentMismatches ?? 0), 0),
        locale,
      ),
      bold: true,
    },
    '',
  ]);

  const failureBlocks: Block[] =
    data.failures.length === 0
      ? [{ kind: 'paragraph', text: tr('reports.drill.noFailures'), tone: 'ok' }]
      : data.failures.map((f): Block => {
          const { what, next } = failureText(f, tr, locale);
          return { kind: 'callout', tone: 'danger', title: what, lines: [tr('reports.drill.nextStep', { step: next })] };
        });

  const blocks: Block[] = [
    {
      kind: 'callout',
      tone: STATUS_TONE[data.status],
      title: tr(`reports.drill.verdict.${data.status}`),
      lines: [
        tr('reports.drill.summary', {
          restored: formatCount(restored, locale),
          expected: formatCount(expected, locale),
          score: formatPercent(score, locale),
          time: data.recoveryTimeMs === null ? tr('reports.drill.notMeasured') : formatDuration(data.recoveryTimeMs, locale),
        }),
      ],
    },
    { kind: 'heading', level: 2, text: tr('reports.drill.whatHeading') },
    { kind: 'paragraph', text: tr('reports.drill.whatText') },
    { kind: 'facts', rows: facts },
    { kind: 'heading', level: 2, text: tr('reports.drill.timesHeading') },
    {
      kind: 'table',
      columns: [
        { header: tr('reports.drill.col.measure'), weight: 3 },
        { header: tr('reports.drill.col.measured'), weight: 1.3 },
        { header: tr('reports.drill.col.target'), weight: 1.3 },
        { header: tr('reports.drill.col.result'), weight: 1.2 },
      ],
      rows: drillTimeChecks(data).map((row) => timeRow(row, tr, locale)),
    },
    { kind: 'paragraph', text: tr('reports.drill.timesNote', { tolerance: formatPercent(KPI_TARGETS.rtoTolerance, locale) }), small: true },
    { kind: 'heading', level: 2, text: tr('reports.drill.checksHeading') },
    {
      kind: 'table',
      columns: [
        { header: tr('reports.drill.col.check'), weight: 2.2 },
        { header: tr('reports.drill.col.result'), weight: 1.1 },
        { header: tr('reports.drill.col.details'), weight: 3.5 },
      ],
      rows: checkRows,
    },
    { kind: 'heading', level: 2, text: tr('reports.drill.typesHeading') },
    {
      kind: 'table',
      columns: [
        { header: tr('reports.drill.col.type'), weight: 2.4 },
        { header: tr('reports.drill.col.tier'), weight: 1.4 },
        { header: tr('reports.drill.col.expected'), weight: 1.2, align: 'right' },
        { header: tr('reports.drill.col.restored'), weight: 1.2, align: 'right' },
        { header: tr('reports.drill.col.mismatches'), weight: 1.2, align: 'right' },
        { header: tr('reports.drill.col.result'), weight: 1.2 },
      ],
      rows: typeRows,
      empty: tr('reports.drill.noResources'),
    },
    { kind: 'heading', level: 2, text: tr('reports.drill.failuresHeading') },
    ...failureBlocks,
    { kind: 'writeIn', title: tr('reports.drill.signTitle'), fields: [tr('reports.drill.signName'), tr('reports.drill.signDate')] },
  ];

  return drillFrame(data, locale, tz, tr('reports.drill.title'), blocks);
}

export function drillReportHtml(data: DrillReportData, locale: Locale): string {
  return renderHtml(drillReportDocument(data, locale));
}

export function drillReportPdf(data: DrillReportData, locale: Locale, options: PdfOptions = {}): Promise<Buffer> {
  return renderPdf(drillReportDocument(data, locale), { ...options, ...(data.generatedAt ? { creationDate: new Date(data.generatedAt) } : {}) });
}
