/**
 * Compliance summary for LGPD / HIPAA-style audits: encryption and keys, data residency, retention
 * against the legal floor, restore drills of the last 12 months, alerts and incidents, and whether the
 * audit log's hash chain verifies. Starts with a list of findings (ok / attention / problem).
 */
import type { AlertParams, AlertSeverity, AuditVerification, DestinationKind } from '../catalog/index.js';
import type { Locale } from '../i18n/index.js';
import { DEFAULT_LEGAL_FLOOR_YEARS, KPI_TARGETS } from '../policy/index.js';
import type { KeySlotKind } from '../repository/index.js';
import { clinicLabel, safeLocation, shortId, translator, type Translate } from './common.js';
import { contactsTable, type DrPlanContact } from './drPlan.js';
import type { Block, Cell, Fact, ReportDocument, Tone } from './document.js';
import { formatCount, formatDate, formatDateTime, formatDuration, formatPercent, yesNo, zoneOrDefault, type DateInput } from './format.js';
import { renderHtml } from './html.js';
import { renderPdf, type PdfOptions } from './pdf.js';

export interface ComplianceKeySlot {
  readonly id?: string;
  readonly kind: KeySlotKind;
  readonly name: string;
  readonly created: DateInput;
  readonly host?: string | null;
}

export type ResidencyStatus = 'brazilian-region' | 'private-endpoint' | 'local' | 'acknowledged' | 'unknown';

export interface ComplianceDestination {
  readonly label?: string | null;
  readonly kind: DestinationKind;
  readonly location: string;
  readonly region?: string | null;
  /** How the destination satisfies residency (backend/s3/residency.ts basis, or 'local' for a folder). */
  readonly residency: ResidencyStatus;
  /** Who acknowledged storage abroad, and when (residency = 'acknowledged'). */
  readonly acknowledgedBy?: string | null;
  readonly acknowledgedAt?: DateInput | null;
  readonly immutable?: boolean;
  readonly retainDays?: number | null;
  readonly offsite?: boolean;
}

export interface ComplianceDrill {
  readonly startedAt: DateInput;
  /** Catalog run status: success, partial, failed, interrupted, running. */
  readonly status: string;
  readonly integrityScore?: number | null;
  readonly recoveryTimeMs?: number | null;
}

export interface ComplianceAlert {
  readonly rule: string;
  readonly severity: AlertSeverity;
  /** i18n key of the alert text (alerts module) with its params; used when `text` is absent. */
  readonly messageKey: string;
  readonly params?: AlertParams;
  /** The alert already rendered by the alerts module (preferred: it formats dates and sizes). */
  readonly text?: string | null;
  readonly firstAt: DateInput;
  readonly clearedAt: DateInput | null;
}

export interface ComplianceIncident {
  readonly at: DateInput;
  /** Plain description as recorded by the clinic (no patient data). */
  readonly summary: string;
  readonly resolvedAt?: DateInput | null;
  /** Communicated to the authority (ANPD) and data subjects when required. */
  readonly reported?: boolean | null;
}

export interface ComplianceData {
  readonly clinicName: string;
  readonly repoId: string;
  readonly generatedAt?: DateInput;
  readonly timeZone?: string;
  /** Default: the 12 months before generatedAt. */
  readonly period?: { readonly from: DateInput; readonly to: DateInput };
  readonly encryption: {
    /** Default "AES-256-GCM". */
    readonly algorithm?: string;
    readonly keySlots: readonly ComplianceKeySlot[];
    /**
     * How this computer opens the repository: the OS keychain, a password file (headless servers) or the
     * desktop app's protected storage. Unknown (undefined) when the report is made elsewhere.
     */
    readonly opensWith?: 'keychain' | 'password-file' | 'app' | null;
    readonly recoveryKitConfirmedAt?: DateInput | null;
  };
  readonly destinations: readonly ComplianceDestination[];
  readonly retention: {
    readonly legalFloorYears: number;
    /** Default 20 (CFM Res. 1.821/2007, Lei 13.787/2018). */
    readonly legalMinimumYears?: number;
    readonly oldestSnapshot?: DateInput | null;
    readonly snapshotCount?: number | null;
  };
  /** Drills (any period; those outside the period are ignored). DrillRecord from the catalog fits. */
  readonly drills: readonly ComplianceDrill[];
  /** Alerts (any period; AlertRecord from the catalog fits). */
  readonly alerts: readonly ComplianceAlert[];
  readonly incidents?: readonly ComplianceIncident[];
  /** The clinic's people by SOP-019 §4 role (responsible, IT helper, DPO …) and where the printed kit is kept. */
  readonly contacts?: readonly DrPlanContact[];
  readonly kitLocation?: string | null;
  readonly audit: AuditVerification & { readonly firstAt?: DateInput | null; readonly lastAt?: DateInput | null };
  readonly backups?: { readonly total: number; readonly succeeded: number; readonly lastSuccessAt?: DateInput | null } | null;
  readonly toolVersion?: string;
}

export type FindingLevel = 'ok' | 'attention' | 'problem';
export type FindingArea = 'encryption' | 'residency' | 'retention' | 'drills' | 'alerts' | 'audit' | 'backups';

export interface ComplianceFinding {
  readonly area: FindingArea;
  readonly level: FindingLevel;
  /** i18n key (reports.compliance.finding.*) and params. */
  readonly key: string;
  readonly params: Readonly<Record<string, string | number>>;
}

const LEVEL_TONE: Readonly<Record<FindingLevel, Tone>> = { ok: 'ok', attention: 'warning', problem: 'danger' };
const SEVERITIES: readonly AlertSeverity[] = ['critical', 'high', 'medium', 'low'];
const DRILL_PASSED = new Set(['success']);

function time(d: DateInput): number {
  return (d instanceof Date ? d : new Date(d)).getTime();
}

/** The audited period: given, or the 12 months before generation. */
export function compliancePeriod(data: ComplianceData): { from: Date; to: Date } {
  if (data.period) return { from: new Date(data.period.from), to: new Date(data.period.to) };
  const to = new Date(data.generatedAt ?? Date.now());
  const from = new Date(to);
  from.setUTCFullYear(from.getUTCFullYear() - 1);
  return { from, to };
}

function inPeriod(d: DateInput, period: { from: Date; to: Date }): boolean {
  const x = time(d);
  return x >= period.from.getTime() && x <= period.to.getTime();
}

/** Distinct calendar months (UTC) with at least one passed drill. */
function monthsWithPassedDrill(drills: readonly ComplianceDrill[]): number {
  return new Set(drills.filter((d) => DRILL_PASSED.has(d.status)).map((d) => new Date(d.startedAt).toISOString().slice(0, 7))).size;
}

/** The findings at the top of the summary (also usable by the UI and `doctor`). */
export function complianceFindings(data: ComplianceData): ComplianceFinding[] {
  const period = compliancePeriod(data);
  const out: ComplianceFinding[] = [];
  const add = (area: FindingArea, level: FindingLevel, key: string, params: Record<string, string | number> = {}): void => {
    out.push({ area, level, key: `reports.compliance.finding.${key}`, params });
  };

  const slots = data.encryption.keySlots;
  if (!slots.some((s) => s.kind === 'recovery')) add('encryption', 'problem', 'noRecoverySlot');
  else if (!data.encryption.recoveryKitConfirmedAt) add('encryption', 'attention', 'kitUnconfirmed');
  else add('encryption', 'ok', 'encryptionOk', { algorithm: data.encryption.algorithm ?? 'AES-256-GCM', slots: slots.length });

  const unknown = data.destinations.filter((d) => d.residency === 'unknown');
  const abroad = data.destinations.filter((d) => d.residency === 'acknowledged');
  if (unknown.length > 0) add('residency', 'problem', 'residencyUnknown', { count: unknown.length });
  else if (abroad.length > 0) add('residency', 'attention', 'residencyAbroad', { count: abroad.length });
  else add('residency', 'ok', 'residencyOk');

  const minimum = data.retention.legalMinimumYears ?? DEFAULT_LEGAL_FLOOR_YEARS;
  if (data.retention.legalFloorYears < minimum) add('retention', 'problem', 'floorBelow', { years: data.retention.legalFloorYears, minimum });
  else add('retention', 'ok', 'floorOk', { years: data.retention.legalFloorYears, minimum });

  const drills = data.drills.filter((d) => inPeriod(d.startedAt, period)).sort((a, b) => time(a.startedAt) - time(b.startedAt));
  const last = drills[drills.length - 1];
  const months = monthsWithPassedDrill(drills);
  if (!last) add('drills', 'problem', 'noDrills');
  else if (!DRILL_PASSED.has(last.status)) add('drills', 'problem', 'lastDrillFailed', { date: new Date(last.startedAt).toISOString() });
  else if (months < 12) add('drills', 'attention', 'drillsMissing', { months });
  else add('drills', 'ok', 'drillsOk', { count: drills.length });

  const open = data.alerts.filter((a) => a.clearedAt === null);
  const openSerious = open.filter((a) => a.severity === 'critical' || a.severity === 'high');
  if (openSerious.length > 0) add('alerts', 'problem', 'alertsOpen', { count: openSerious.length });
  else if (open.length > 0) add('alerts', 'attention', 'alertsOpenMinor', { count: open.length });
  else add('alerts', 'ok', 'alertsOk');

  if (data.audit.ok) add('audit', 'ok', 'auditOk', { count: data.audit.count });
  else add('audit', 'problem', 'auditBroken', { seq: data.audit.firstBadSeq });

  if (data.backups && data.backups.total > 0) {
    const rate = data.backups.succeeded / data.backups.total;
    if (rate < KPI_TARGETS.backupSuccessRate) add('backups', 'attention', 'backupsBelow', { rate: Math.round(rate * 1000) / 10 });
    else add('backups', 'ok', 'backupsOk', { rate: Math.round(rate * 1000) / 10 });
  }
  return out;
}

function findingText(f: ComplianceFinding, tr: Translate, locale: Locale, timeZone: string): string {
  const params: Record<string, string | number> = { ...f.params };
  if (typeof params['rate'] === 'number') params['rate'] = formatPercent(params['rate'] / 100, locale);
  if (typeof params['date'] === 'string') params['date'] = formatDate(params['date'], locale, timeZone);
  for (const k of ['count', 'slots']) if (typeof params[k] === 'number') params[k] = formatCount(params[k], locale);
  return tr(f.key, params);
}

/** The document both renderers print. */
export function complianceDocument(data: ComplianceData, locale: Locale): ReportDocument {
  const tr = translator(locale);
  const tz = zoneOrDefault(data.timeZone);
  const when = (d: DateInput): string => formatDateTime(d, locale, tz);
  const day = (d: DateInput): string => formatDate(d, locale, tz);
  const period = compliancePeriod(data);
  const generated = when(data.generatedAt ?? new Date());
  const findings = complianceFindings(data);
  const minimum = data.retention.legalMinimumYears ?? DEFAULT_LEGAL_FLOOR_YEARS;

  // encryption
  const slotRows: Cell[][] = data.encryption.keySlots.map((s) => [tr(`reports.compliance.slot.${s.kind}`), s.name, s.host ?? '—', day(s.created)]);
  // Every statement about keys comes from the key slots and how this computer opens the repository.
  const kinds = (['keychain', 'passphrase', 'recovery'] as const).filter((k) => data.encryption.keySlots.some((x) => x.kind === k));
  const encryptionFacts: Fact[] = [
    { label: tr('reports.compliance.algorithm'), value: tr('reports.compliance.algorithmValue', { algorithm: data.encryption.algorithm ?? 'AES-256-GCM' }) },
    {
      label: tr('reports.compliance.keys'),
      value: kinds.length > 0 ? tr('reports.compliance.keysValue', { kinds: kinds.map((k) => tr(`reports.compliance.keyKind.${k}`)).join(' + ') }) : tr('reports.compliance.noSlots'),
    },
    {
      label: tr('reports.compliance.opensWith'),
      value: data.encryption.opensWith ? tr(`reports.compliance.opensWith.${data.encryption.opensWith}`) : tr('reports.common.unknown'),
      tone: data.encryption.opensWith === 'password-file' ? 'warning' : 'neutral',
    },
    {
      label: tr('reports.compliance.kitConfirmed'),
      value: data.encryption.recoveryKitConfirmedAt ? day(data.encryption.recoveryKitConfirmedAt) : tr('reports.compliance.kitNotConfirmed'),
      tone: data.encryption.recoveryKitConfirmedAt ? 'neutral' : 'warning',
    },
  ];

  // residency
  const residencyRows: Cell[][] = data.destinations.map((d) => {
    const tone: Tone = d.residency === 'unknown' ? 'danger' : d.residency === 'acknowledged' ? 'warning' : 'ok';
    const ack = d.residency === 'acknowledged' ? tr('reports.compliance.ackBy', { by: d.acknowledgedBy ?? '—', date: d.acknowledgedAt ? day(d.acknowledgedAt) : '—' }) : '—';
    return [
      d.label?.trim() ? (d.label as string) : tr(`reports.kind.${d.kind}`),
      { text: safeLocation(d.location), mono: true },
      d.region ?? '—',
      { text: tr(`reports.compliance.residency.${d.residency}`), tone },
      ack,
      d.immutable ? (d.retainDays ? tr('reports.plan.lockedDays', { days: d.retainDays }) : yesNo(true, locale)) : yesNo(false, locale),
    ];
  });

  // retention
  const retentionFacts: Fact[] = [
    {
      label: tr('reports.compliance.floor'),
      value: tr('reports.plan.legalFloorValue', { years: data.retention.legalFloorYears, minimum }),
      tone: data.retention.legalFloorYears >= minimum ? 'ok' : 'danger',
    },
    ...(data.retention.oldestSnapshot ? [{ label: tr('reports.compliance.oldest'), value: day(data.retention.oldestSnapshot) }] : []),
    ...(data.retention.snapshotCount !== undefined && data.retention.snapshotCount !== null
      ? [{ label: tr('reports.compliance.snapshots'), value: formatCount(data.retention.snapshotCount, locale) }]
      : []),
  ];

  // drills
  const drills = data.drills.filter((d) => inPeriod(d.startedAt, period)).sort((a, b) => time(a.startedAt) - time(b.startedAt));
  const passed = drills.filter((d) => DRILL_PASSED.has(d.status)).length;
  const timed = drills.filter((d) => typeof d.recoveryTimeMs === 'number') as (ComplianceDrill & { recoveryTimeMs: number })[];
  const mttr = timed.length > 0 ? timed.reduce((n, d) => n + d.recoveryTimeMs, 0) / timed.length : null;
  const drillFacts: Fact[] = [
    { label: tr('reports.compliance.drillCount'), value: tr('reports.compliance.drillCountValue', { count: drills.length, passed, failed: drills.length - passed }) },
    { label: tr('reports.compliance.drillMonths'), value: tr('reports.compliance.drillMonthsValue', { months: monthsWithPassedDrill(drills) }) },
    {
      label: tr('reports.compliance.mttr'),
      value: mttr === null ? tr('reports.common.unknown') : tr('reports.compliance.mttrValue', { mttr: formatDuration(mttr, locale), goal: formatDuration(KPI_TARGETS.mttrMaxMs, locale) }),
      tone: mttr === null ? 'neutral' : mttr <= KPI_TARGETS.mttrMaxMs ? 'ok' : 'warning',
    },
  ];
  const drillRows: Cell[][] = drills.map((d) => {
    const ok = DRILL_PASSED.has(d.status);
    return [
      when(d.startedAt),
      { text: tr(ok ? 'reports.outcome.passed' : 'reports.outcome.failed'), tone: ok ? 'ok' : 'danger', bold: true },
      formatPercent(d.integrityScore ?? null, locale),
      typeof d.recoveryTimeMs === 'number' ? formatDuration(d.recoveryTimeMs, locale) : '—',
    ];
  });

  // alerts and incidents
  const alerts = data.alerts.filter((a) => inPeriod(a.firstAt, period) || a.clearedAt === null);
  const severityCounts = SEVERITIES.map((s) => tr('reports.compliance.severityCount', { severity: tr(`reports.severity.${s}`), count: alerts.filter((a) => a.severity === s).length }));
  const alertRows: Cell[][] = alerts
    .filter((a) => a.severity === 'critical' || a.severity === 'high' || a.clearedAt === null)
    .sort((a, b) => time(b.firstAt) - time(a.firstAt))
    .map((a) => [
      when(a.firstAt),
      { text: tr(`reports.severity.${a.severity}`), tone: a.severity === 'critical' || a.severity === 'high' ? 'danger' : 'warning', bold: true },
      a.text ?? tr(a.messageKey, a.params ?? {}),
      a.clearedAt === null ? { text: tr('reports.compliance.open'), tone: 'warning' } : when(a.clearedAt),
    ]);
  const incidents = (data.incidents ?? []).filter((i) => inPeriod(i.at, period));
  const incidentRows: Cell[][] = incidents.map((i) => [
    when(i.at),
    i.summary,
    i.resolvedAt ? when(i.resolvedAt) : { text: tr('reports.compliance.open'), tone: 'warning' },
    i.reported === null || i.reported === undefined ? '—' : yesNo(i.reported, locale),
  ]);

  // audit
  const audit = data.audit;
  const auditFacts: Fact[] = audit.ok
    ? [
        { label: tr('reports.compliance.auditStatus'), value: tr('reports.compliance.auditOk', { count: formatCount(audit.count, locale) }), tone: 'ok' },
        { label: tr('reports.compliance.auditLastHash'), value: audit.lastHash.slice(0, 16), mono: true },
      ]
    : [
        { label: tr('reports.compliance.auditStatus'), value: tr('reports.compliance.auditBad', { seq: audit.firstBadSeq, count: formatCount(audit.count, locale) }), tone: 'danger' },
        { label: tr('reports.compliance.auditProblem'), value: tr(`reports.compliance.auditProblem.${audit.problem}`), tone: 'danger' },
      ];
  if (data.audit.firstAt && data.audit.lastAt)
    auditFacts.push({ label: tr('reports.compliance.auditSpan'), value: tr('reports.drill.fromTo', { from: when(data.audit.firstAt), to: when(data.audit.lastAt) }) });

  const backups = data.backups;
  const backupBlocks: Block[] =
    backups && backups.total > 0
      ? [
          { kind: 'heading', level: 2, text: tr('reports.compliance.h.backups') },
          {
            kind: 'facts',
            rows: [
              {
                label: tr('reports.compliance.backupRuns'),
                value: tr('reports.compliance.backupRunsValue', {
                  total: formatCount(backups.total, locale),
                  succeeded: formatCount(backups.succeeded, locale),
                  rate: formatPercent(backups.succeeded / backups.total, locale),
                }),
                tone: backups.succeeded / backups.total >= KPI_TARGETS.backupSuccessRate ? 'ok' : 'warning',
              },
              { label: tr('reports.compliance.lastBackup'), value: backups.lastSuccessAt ? when(backups.lastSuccessAt) : tr('reports.common.unknown') },
            ],
          },
        ]
      : [];

  const blocks: Block[] = [
    { kind: 'heading', level: 2, text: tr('reports.compliance.h.findings') },
    {
      kind: 'table',
      columns: [
        { header: tr('reports.compliance.col.area'), weight: 1.6 },
        { header: tr('reports.compliance.col.status'), weight: 1.3 },
        { header: tr('reports.compliance.col.finding'), weight: 5 },
      ],
      rows: findings.map((f) => [tr(`reports.compliance.area.${f.area}`), { text: tr(`reports.compliance.level.${f.level}`), tone: LEVEL_TONE[f.level], bold: true }, findingText(f, tr, locale, tz)]),
    },
    { kind: 'heading', level: 2, text: tr('reports.compliance.h.encryption') },
    { kind: 'paragraph', text: tr('reports.compliance.encryptionText', { kinds: kinds.map((k) => tr(`reports.compliance.keyKind.${k}`)).join(', ') || '—' }) },
    { kind: 'facts', rows: encryptionFacts },
    {
      kind: 'table',
      columns: [
        { header: tr('reports.compliance.col.slot'), weight: 1.6 },
        { header: tr('reports.compliance.col.name'), weight: 2.6 },
        { header: tr('reports.compliance.col.host'), weight: 1.8 },
        { header: tr('reports.compliance.col.created'), weight: 1.3 },
      ],
      rows: slotRows,
      empty: tr('reports.compliance.noSlots'),
    },
    { kind: 'heading', level: 2, text: tr('reports.compliance.h.residency') },
    { kind: 'paragraph', text: tr('reports.compliance.residencyText') },
    {
      kind: 'table',
      columns: [
        { header: tr('reports.plan.col.copy'), weight: 1.5 },
        { header: tr('reports.plan.col.location'), weight: 3.8 },
        { header: tr('reports.plan.col.region'), weight: 1.2 },
        { header: tr('reports.compliance.col.residency'), weight: 1.7 },
        { header: tr('reports.compliance.col.ack'), weight: 1.7 },
        { header: tr('reports.compliance.col.immutable'), weight: 1.3 },
      ],
      rows: residencyRows,
      empty: tr('reports.plan.noCopy'),
    },
    { kind: 'heading', level: 2, text: tr('reports.compliance.h.retention') },
    { kind: 'facts', rows: retentionFacts },
    { kind: 'paragraph', text: tr('reports.plan.legalFloorText', { years: data.retention.legalFloorYears, minimum }), small: true },
    ...backupBlocks,
    { kind: 'heading', level: 2, text: tr('reports.compliance.h.drills') },
    { kind: 'facts', rows: drillFacts },
    {
      kind: 'table',
      columns: [
        { header: tr('reports.compliance.col.date'), weight: 2 },
        { header: tr('reports.drill.col.result'), weight: 1.4 },
        { header: tr('reports.compliance.col.integrity'), weight: 1.4 },
        { header: tr('reports.compliance.col.recoveryTime'), weight: 1.6 },
      ],
      rows: drillRows,
      empty: tr('reports.compliance.noDrills'),
    },
    { kind: 'heading', level: 2, text: tr('reports.compliance.h.people') },
    contactsTable(data.contacts ?? [], tr, tr('reports.compliance.noContacts')),
    {
      kind: 'facts',
      rows: [
        data.kitLocation?.trim()
          ? { label: tr('reports.plan.kitWhere'), value: data.kitLocation.trim() }
          : { label: tr('reports.plan.kitWhere'), value: tr('reports.plan.kitUnknownShort'), tone: 'danger' as const },
      ],
    },
    { kind: 'heading', level: 2, text: tr('reports.compliance.h.alerts') },
    { kind: 'paragraph', text: tr('reports.compliance.alertCounts', { counts: severityCounts.join('; ') }) },
    {
      kind: 'table',
      columns: [
        { header: tr('reports.compliance.col.date'), weight: 1.7 },
        { header: tr('reports.compliance.col.severity'), weight: 1.2 },
        { header: tr('reports.compliance.col.alert'), weight: 4 },
        { header: tr('reports.compliance.col.cleared'), weight: 1.7 },
      ],
      rows: alertRows,
      empty: tr('reports.compliance.noAlerts'),
    },
    {
      kind: 'table',
      columns: [
        { header: tr('reports.compliance.col.date'), weight: 1.7 },
        { header: tr('reports.compliance.col.incident'), weight: 4 },
        { header: tr('reports.compliance.col.resolved'), weight: 1.7 },
        { header: tr('reports.compliance.col.reported'), weight: 1.3 },
      ],
      rows: incidentRows,
      empty: tr('reports.compliance.noIncidents'),
    },
    { kind: 'heading', level: 2, text: tr('reports.compliance.h.audit') },
    { kind: 'paragraph', text: tr('reports.compliance.auditText') },
    { kind: 'facts', rows: auditFacts },
    { kind: 'writeIn', title: tr('reports.compliance.signTitle'), fields: [tr('reports.compliance.signName'), tr('reports.drill.signDate')] },
  ];
  return {
    locale,
    title: tr('reports.compliance.title'),
    subtitle: clinicLabel(data.clinicName, tr),
    meta: [
      { label: tr('reports.compliance.period'), value: tr('reports.drill.fromTo', { from: day(period.from), to: day(period.to) }) },
      { label: tr('reports.common.generated'), value: generated },
      { label: tr('reports.common.repository'), value: shortId(data.repoId), mono: true },
    ],
    blocks,
    footer: tr('reports.compliance.footer', { clinic: clinicLabel(data.clinicName, tr), version: data.toolVersion ?? '', generated }),
    pageLabel: tr('reports.common.pageLabel'),
    pdfInfo: { subject: tr('reports.compliance.title'), keywords: 'Clinic Backup LGPD HIPAA compliance' },
  };
}

export function complianceHtml(data: ComplianceData, locale: Locale): string {
  return renderHtml(complianceDocument(data, locale));
}

export function compliancePdf(data: ComplianceData, locale: Locale, options: PdfOptions = {}): Promise<Buffer> {
  return renderPdf(complianceDocument(data, locale), { ...options, ...(data.generatedAt ? { creationDate: new Date(data.generatedAt) } : {}) });
}
