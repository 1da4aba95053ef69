/**
 * The disaster-recovery plan, generated from the configuration: what is protected and where, the
 * SOP-019 recovery targets per tier, schedules, retention with the legal floor, where the recovery kit
 * is, who to call, and step-by-step instructions for each SOP-019 scenario (computer lost or stolen,
 * NAS/USB dead, ransomware, FHIR server corrupted, one patient's record damaged), filled in with this
 * clinic's destinations, server and kit.
 */
import type { DestinationKind } from '../catalog/index.js';
import type { Locale } from '../i18n/index.js';
import { DEFAULT_LEGAL_FLOOR_YEARS, type RecoveryTargets, type RetentionPolicy, type SchedulePolicy, type Tier, TIER_TARGETS, TIER_TYPES, TIERS } from '../policy/index.js';
import { describeSchedule } from '../scheduler/index.js';
import { clinicLabel, safeLocation, shortId, translator, type Translate } from './common.js';
import type { Block, Cell, Fact, ListItem, ReportDocument } from './document.js';
import { formatDate, formatDateTime, formatMinutes, yesNo, zoneOrDefault, type DateInput } from './format.js';
import { renderHtml } from './html.js';
import { renderPdf, type PdfOptions } from './pdf.js';

export interface DrPlanSource {
  /** A FHIR server (default) or a folder of NDJSON files. */
  readonly kind?: 'fhir' | 'files';
  readonly name: string;
  /** FHIR base URL (no credentials). */
  readonly baseUrl: string;
  readonly fhirVersion?: string | null;
}

export interface DrPlanDestination {
  readonly id?: string;
  readonly label?: string | null;
  readonly kind: DestinationKind;
  /** Folder path or s3:… location. Never credentials (removed if present). */
  readonly location: string;
  /** Away from the clinic (cloud, or a USB disk taken home). */
  readonly offsite: boolean;
  /** Cannot be deleted or changed for a while (S3 Object Lock): survives ransomware. */
  readonly immutable: boolean;
  readonly region?: string | null;
  /** Days each object stays locked when immutable. */
  readonly retainDays?: number | null;
  /** A removable disk in rotation (kept disconnected between backups). */
  readonly removable?: boolean;
}

export type DrPlanTask = 'backup' | 'full' | 'replicate' | 'check' | 'drill';

export interface DrPlanSchedule {
  readonly task: DrPlanTask;
  readonly policy: SchedulePolicy;
  /** Destination label or location this task writes to, when it is specific to one. */
  readonly destination?: string | null;
}

/** Known roles are translated (owner, it, dpo, fhirVendor, cloudProvider, support); other text is printed as given. */
export interface DrPlanContact {
  readonly role: string;
  readonly name: string;
  readonly phone?: string | null;
  readonly email?: string | null;
}

/** An incident of the register (LGPD), as the DR plan lists it. */
export interface DrPlanIncident {
  readonly title: string;
  readonly discoveredAt: string;
  readonly dataAffected: string;
  readonly anpdNotifiedAt: string | null;
  readonly closedAt: string | null;
  /** When the ANPD must have been told (3 business days after discovery). */
  readonly anpdDeadline: string;
}

export interface DrPlanData {
  readonly clinicName: string;
  readonly repoId: string;
  readonly sources: readonly DrPlanSource[];
  readonly destinations: readonly DrPlanDestination[];
  readonly schedules: readonly DrPlanSchedule[];
  readonly retention: RetentionPolicy;
  /** The legal minimum the floor is checked against (default 20 years). */
  readonly legalMinimumYears?: number;
  readonly recoveryKit: {
    /** Where the printed kit is kept ("cofre do consultório", "casa da Dra. Ana"); null when unknown. */
    readonly location: string | null;
    readonly createdAt?: DateInput | null;
    readonly confirmedAt?: DateInput | null;
    readonly confirmedBy?: string | null;
  };
  readonly contacts: readonly DrPlanContact[];
  /** The incident register (open ones first matter most); absent in older data: none. */
  readonly incidents?: readonly DrPlanIncident[];
  /** Override of the SOP-019 targets per tier. */
  readonly targets?: Readonly<Partial<Record<Tier, RecoveryTargets>>>;
  readonly lastDrill?: { readonly at: DateInput; readonly passed: boolean } | null;
  readonly timeZone?: string;
  readonly generatedAt?: DateInput;
  readonly toolVersion?: string;
}

export const DR_SCENARIOS = ['pcLost', 'storageDead', 'ransomware', 'fhirCorrupted', 'patientDamaged'] as const;
export type DrScenario = (typeof DR_SCENARIOS)[number];

/** The SOP-019 §4 roles with a label of their own (reports.plan.role.*); any other role is printed as typed. */
export const KNOWN_ROLES: ReadonlySet<string> = new Set(['owner', 'it', 'dpo', 'fhirVendor', 'cloudProvider', 'support']);

/** The clinic's contacts as a table (role, name, phone, e-mail): the DR plan and the compliance summary print it. */
export function contactsTable(contacts: readonly DrPlanContact[], tr: Translate, empty?: string): Block {
  return {
    kind: 'table',
    columns: [
      { header: tr('reports.plan.col.role'), weight: 2 },
      { header: tr('reports.plan.col.name'), weight: 2.4 },
      { header: tr('reports.plan.col.phone'), weight: 1.8 },
      { header: tr('reports.plan.col.email'), weight: 2.6 },
    ],
    rows: contacts.map((c) => [KNOWN_ROLES.has(c.role) ? tr(`reports.plan.role.${c.role}`) : c.role, { text: c.name, bold: true }, c.phone ?? '—', c.email ?? '—']),
    ...(empty !== undefined ? { empty } : {}),
  };
}

function targetsOf(data: DrPlanData, tier: Tier): RecoveryTargets {
  return data.targets?.[tier] ?? TIER_TARGETS[tier];
}

function destinationName(d: DrPlanDestination, tr: Translate): string {
  const label = d.label?.trim();
  return label ? label : tr(`reports.kind.${d.kind}`);
}

function destinationText(d: DrPlanDestination, tr: Translate): string {
  return `${destinationName(d, tr)} (${safeLocation(d.location)})`;
}

function retentionLines(p: RetentionPolicy, tr: Translate): string[] {
  const lines: string[] = [];
  const count = (field: 'keepLast' | 'keepHourly' | 'keepDaily' | 'keepWeekly' | 'keepMonthly' | 'keepYearly', key: string): void => {
    const n = p[field];
    if (n === undefined || n === 0) return;
    lines.push(n === -1 ? tr(`reports.retention.${key}Unlimited`) : tr(`reports.retention.${key}`, { count: n }));
  };
  count('keepLast', 'last');
  count('keepHourly', 'hourly');
  count('keepDaily', 'daily');
  count('keepWeekly', 'weekly');
  count('keepMonthly', 'monthly');
  count('keepYearly', 'yearly');
  if (p.keepWithin) lines.push(tr('reports.retention.within', { duration: p.keepWithin }));
  if (p.keepTags && p.keepTags.length > 0) lines.push(tr('reports.retention.tags', { tags: p.keepTags }));
  if (lines.length === 0) lines.push(tr('reports.retention.none'));
  return lines;
}

/** Gaps of the 3-2-1 rule and other weak points of the configuration, as warnings. */
export function drPlanGaps(data: DrPlanData): string[] {
  const gaps: string[] = [];
  if (data.destinations.length === 0) gaps.push('noDestination');
  else if (data.destinations.length < 2) gaps.push('singleCopy');
  if (data.destinations.length > 0 && !data.destinations.some((d) => d.offsite)) gaps.push('noOffsite');
  if (data.destinations.length > 0 && !data.destinations.some((d) => d.immutable || d.removable)) gaps.push('noImmutable');
  if (!data.recoveryKit.location) gaps.push('kitUnknown');
  else if (!data.recoveryKit.confirmedAt) gaps.push('kitUnconfirmed');
  if (data.contacts.length === 0) gaps.push('noContacts');
  if ((data.retention.legalFloorYears ?? DEFAULT_LEGAL_FLOOR_YEARS) < (data.legalMinimumYears ?? DEFAULT_LEGAL_FLOOR_YEARS)) gaps.push('floorBelowLaw');
  if (!data.lastDrill) gaps.push('noDrill');
  else if (!data.lastDrill.passed) gaps.push('drillFailed');
  return gaps;
}

interface ScenarioContext {
  readonly tr: Translate;
  readonly locale: Locale;
  readonly fhir: string;
  readonly kit: string;
  readonly any: DrPlanDestination | undefined;
  readonly data: DrPlanData;
}

function step(text: string, command?: string): ListItem {
  return command === undefined ? { text } : { text, command };
}

function scenarioBlocks(id: DrScenario, ctx: ScenarioContext): Block[] {
  const { tr, data } = ctx;
  const p = `reports.plan.sc.${id}`;
  const crit = formatMinutes(targetsOf(data, 'critical').rtoMinutes, ctx.locale);
  const ess = formatMinutes(targetsOf(data, 'essential').rtoMinutes, ctx.locale);
  const rest = formatMinutes(targetsOf(data, 'important').rtoMinutes, ctx.locale);
  const rpo = formatMinutes(targetsOf(data, 'critical').rpoMinutes, ctx.locale);
  const dests = data.destinations;
  const connect = (d: DrPlanDestination | undefined): string => `clinic-backup connect --repo ${d ? safeLocation(d.location) : tr('reports.plan.placeholder.location')}`;
  const restoreServer = `clinic-backup restore <snapshot> --target-url ${ctx.fhir}`;

  const blocks: Block[] = [
    { kind: 'heading', level: 3, text: tr(`${p}.title`) },
    { kind: 'paragraph', text: tr(`${p}.when`) },
  ];
  const facts: Fact[] = [];
  let steps: ListItem[] = [];
  const warnings: Block[] = [];

  switch (id) {
    case 'pcLost': {
      const copy = dests.find((d) => d.kind === 'local') ?? ctx.any;
      facts.push({ label: tr('reports.plan.goal'), value: tr(`${p}.goal`, { critical: crit, rest }) });
      facts.push({ label: tr('reports.plan.useCopy'), value: dests.length > 0 ? dests.map((d) => destinationText(d, tr)).join('; ') : tr('reports.plan.noCopy') });
      steps = [
        step(tr(`${p}.s1`)),
        step(tr(`${p}.s2`)),
        step(tr(`${p}.s3`)),
        step(tr(`${p}.s4`)),
        step(tr(`${p}.s5`, { kit: ctx.kit }), connect(copy)),
        step(tr(`${p}.s6`), 'clinic-backup snapshots'),
        step(tr(`${p}.s7`), 'clinic-backup check'),
        step(tr(`${p}.s8`)),
        step(tr(`${p}.s9`), 'clinic-backup key list'),
        step(tr(`${p}.s10`), 'clinic-backup drill'),
      ];
      break;
    }
    case 'storageDead': {
      const local = dests.filter((d) => d.kind === 'local');
      const others = dests.filter((d) => d.kind !== 'local' || d.offsite);
      const survivor = others.find((d) => d.kind === 's3') ?? others[0];
      facts.push({ label: tr('reports.plan.goal'), value: tr(`${p}.goal`, { rest }) });
      facts.push({ label: tr('reports.plan.useCopy'), value: others.length > 0 ? others.map((d) => destinationText(d, tr)).join('; ') : tr('reports.plan.noCopy') });
      if (others.length === 0) warnings.push({ kind: 'callout', tone: 'danger', title: tr(`${p}.noOtherTitle`), lines: [tr(`${p}.noOtherText`)] });
      const replaced = local[0] ? safeLocation(local[0].location) : tr('reports.plan.placeholder.location');
      steps = [
        step(tr(`${p}.s1`)),
        step(tr(`${p}.s2`)),
        step(tr(`${p}.s3`, { location: replaced })),
        step(
          tr(`${p}.s4`, { copy: survivor ? destinationName(survivor, tr) : tr('reports.plan.placeholder.copy') }),
          `clinic-backup replicate --from ${survivor ? safeLocation(survivor.location) : tr('reports.plan.placeholder.location')} --to ${replaced}`,
        ),
        step(tr(`${p}.s5`), `clinic-backup check --read-data --repo ${replaced}`),
        step(tr(`${p}.s6`)),
      ];
      break;
    }
    case 'ransomware': {
      const immutable = dests.filter((d) => d.immutable);
      const fallback = dests.filter((d) => !d.immutable && (d.removable || d.offsite));
      const safe = immutable[0] ?? fallback[0] ?? ctx.any;
      facts.push({ label: tr('reports.plan.goal'), value: tr(`${p}.goal`, { critical: crit, essential: ess, rest }) });
      facts.push({
        label: tr('reports.plan.useCopy'),
        value:
          immutable.length > 0
            ? immutable.map((d) => destinationText(d, tr)).join('; ')
            : fallback.length > 0
              ? tr(`${p}.fallbackCopy`, { copies: fallback.map((d) => destinationText(d, tr)).join('; ') })
              : tr('reports.plan.noCopy'),
      });
      if (immutable.length === 0) warnings.push({ kind: 'callout', tone: 'warning', title: tr(`${p}.noImmutableTitle`), lines: [tr(`${p}.noImmutableText`)] });
      steps = [
        step(tr(`${p}.s1`)),
        step(tr(`${p}.s2`)),
        step(tr(`${p}.s3`)),
        step(tr(`${p}.s4`)),
        step(tr(`${p}.s5`, { kit: ctx.kit, copy: safe ? destinationName(safe, tr) : tr('reports.plan.placeholder.copy') }), connect(safe)),
        step(tr(`${p}.s6`), 'clinic-backup snapshots'),
        step(tr(`${p}.s7`), 'clinic-backup check --read-data'),
        step(tr(`${p}.s8`), restoreServer),
        step(tr(`${p}.s9`), 'clinic-backup recovery-kit rotate --yes'),
        step(tr(`${p}.s10`), 'clinic-backup drill'),
      ];
      break;
    }
    case 'fhirCorrupted': {
      facts.push({ label: tr('reports.plan.goal'), value: tr(`${p}.goal`, { critical: crit, essential: ess, rest, rpo }) });
      facts.push({ label: tr('reports.plan.server'), value: ctx.fhir });
      steps = [
        step(tr(`${p}.s1`)),
        step(tr(`${p}.s2`, { rpo })),
        step(tr(`${p}.s3`), 'clinic-backup snapshots'),
        step(tr(`${p}.s4`)),
        step(tr(`${p}.s5`), restoreServer),
        step(tr(`${p}.s6`)),
        step(tr(`${p}.s7`), `clinic-backup backup --source ${ctx.fhir} --full`),
      ];
      break;
    }
    case 'patientDamaged': {
      facts.push({ label: tr('reports.plan.goal'), value: tr(`${p}.goal`, { critical: crit }) });
      facts.push({ label: tr('reports.plan.server'), value: ctx.fhir });
      steps = [
        step(tr(`${p}.s1`)),
        step(tr(`${p}.s2`), 'clinic-backup snapshots'),
        step(tr(`${p}.s3`), `clinic-backup restore <snapshot> --patient <id> --target ${tr('reports.plan.placeholder.folder')}`),
        step(tr(`${p}.s4`)),
        step(tr(`${p}.s5`), `clinic-backup restore <snapshot> --patient <id> --target-url ${ctx.fhir}`),
        step(tr(`${p}.s6`)),
      ];
      break;
    }
  }
  blocks.push({ kind: 'facts', rows: facts }, ...warnings, { kind: 'list', ordered: true, items: steps });
  return blocks;
}

/** The document both renderers print. */
export function drPlanDocument(data: DrPlanData, locale: Locale): ReportDocument {
  const tr = translator(locale);
  const tz = zoneOrDefault(data.timeZone);
  const when = (d: DateInput): string => formatDateTime(d, locale, tz);
  const generated = when(data.generatedAt ?? new Date());
  const legalMinimum = data.legalMinimumYears ?? DEFAULT_LEGAL_FLOOR_YEARS;
  const floor = data.retention.legalFloorYears ?? DEFAULT_LEGAL_FLOOR_YEARS;
  const dests = data.destinations;
  const kit = data.recoveryKit.location?.trim() || tr('reports.plan.kitUnknownShort');
  // Restore commands need a FHIR server: never a folder that was backed up.
  const server = data.sources.find((x) => (x.kind ?? 'fhir') === 'fhir');
  const fhir = server ? safeLocation(server.baseUrl) : tr('reports.plan.placeholder.fhir');
  const gaps = drPlanGaps(data);

  const summary: Fact[] = [
    { label: tr('reports.plan.sources'), value: data.sources.length > 0 ? data.sources.map((s) => `${s.name} (${safeLocation(s.baseUrl)})`).join('; ') : tr('reports.plan.noSources') },
    {
      label: tr('reports.plan.copies'),
      value: tr('reports.plan.copiesValue', { count: dests.length, offsite: dests.filter((d) => d.offsite).length, immutable: dests.filter((d) => d.immutable).length }),
    },
    { label: tr('reports.plan.kit'), value: kit, tone: data.recoveryKit.location ? 'neutral' : 'danger' },
    {
      label: tr('reports.plan.lastDrill'),
      value: data.lastDrill ? tr(data.lastDrill.passed ? 'reports.plan.drillPassed' : 'reports.plan.drillFailed', { date: when(data.lastDrill.at) }) : tr('reports.plan.drillNever'),
      tone: data.lastDrill?.passed ? 'ok' : 'warning',
    },
    { label: tr('reports.plan.legalFloor'), value: tr('reports.plan.legalFloorValue', { years: floor, minimum: legalMinimum }), tone: floor >= legalMinimum ? 'neutral' : 'danger' },
  ];

  const destRows: Cell[][] = dests.map((d) => [
    destinationName(d, tr),
    tr(`reports.kind.${d.kind}`),
    { text: safeLocation(d.location), mono: true },
    yesNo(d.offsite, locale),
    d.immutable ? (d.retainDays ? tr('reports.plan.lockedDays', { days: d.retainDays }) : yesNo(true, locale)) : d.removable ? tr('reports.plan.removable') : yesNo(false, locale),
    d.region ?? '—',
  ]);

  const tierRows: Cell[][] = TIERS.map((tier) => [
    { text: tr(`reports.tier.${tier}`), bold: true },
    TIER_TYPES[tier].slice(0, 4).join(', ') + (TIER_TYPES[tier].length > 4 ? ', …' : ''),
    formatMinutes(targetsOf(data, tier).rpoMinutes, locale),
    formatMinutes(targetsOf(data, tier).rtoMinutes, locale),
  ]);

  const scheduleRows: Cell[][] = data.schedules.map((s) => [
    tr(`reports.plan.task.${s.task}`),
    describeSchedule(s.policy, locale),
    s.destination ? safeLocation(s.destination) : tr('reports.plan.allCopies'),
  ]);

  const kitFacts: Fact[] = [
    { label: tr('reports.plan.kitWhere'), value: kit, tone: data.recoveryKit.location ? 'neutral' : 'danger' },
    ...(data.recoveryKit.createdAt ? [{ label: tr('reports.plan.kitCreated'), value: when(data.recoveryKit.createdAt) }] : []),
    {
      label: tr('reports.plan.kitConfirmed'),
      value: data.recoveryKit.confirmedAt
        ? tr('reports.plan.kitConfirmedValue', { date: formatDate(data.recoveryKit.confirmedAt, locale, tz), by: data.recoveryKit.confirmedBy ?? '—' })
        : tr('reports.plan.kitNotConfirmed'),
      tone: data.recoveryKit.confirmedAt ? 'neutral' : 'warning',
    },
  ];

  const incidentRows: Cell[][] = (data.incidents ?? []).map((i) => [
    when(i.discoveredAt),
    { text: i.dataAffected ? `${i.title} — ${i.dataAffected}` : i.title, bold: true },
    i.anpdNotifiedAt ? tr('reports.plan.anpdTold', { date: when(i.anpdNotifiedAt) }) : { text: tr('reports.plan.anpdDue', { date: when(i.anpdDeadline) }), tone: 'danger' },
    i.closedAt ? when(i.closedAt) : { text: tr('reports.plan.incidentOpen'), tone: 'warning' },
  ]);

  const ctx: ScenarioContext = { tr, locale, fhir, kit, any: dests.find((d) => d.offsite) ?? dests[0], data };

  const blocks: Block[] = [
    { kind: 'callout', tone: 'info', title: tr('reports.plan.howToUseTitle'), lines: [tr('reports.plan.howToUse1'), tr('reports.plan.howToUse2', { date: generated })] },
    { kind: 'heading', level: 2, text: tr('reports.plan.h.summary') },
    { kind: 'facts', rows: summary },
    gaps.length === 0
      ? { kind: 'callout', tone: 'ok', title: tr('reports.plan.gapsNoneTitle'), lines: [tr('reports.plan.gapsNone')] }
      : { kind: 'callout', tone: 'warning', title: tr('reports.plan.gapsTitle'), lines: gaps.map((g) => tr(`reports.plan.gap.${g}`, { minimum: legalMinimum })) },
    { kind: 'heading', level: 2, text: tr('reports.plan.h.where') },
    {
      kind: 'table',
      columns: [
        { header: tr('reports.plan.col.source'), weight: 2 },
        { header: tr('reports.plan.col.url'), weight: 4 },
        { header: tr('reports.plan.col.fhirVersion'), weight: 1.2 },
      ],
      rows: data.sources.map((s) => [s.name, { text: safeLocation(s.baseUrl), mono: true }, s.fhirVersion ?? '—']),
      empty: tr('reports.plan.noSources'),
    },
    {
      kind: 'table',
      columns: [
        { header: tr('reports.plan.col.copy'), weight: 2 },
        { header: tr('reports.plan.col.kind'), weight: 1.3 },
        { header: tr('reports.plan.col.location'), weight: 3.6 },
        { header: tr('reports.plan.col.offsite'), weight: 1.1 },
        { header: tr('reports.plan.col.immutable'), weight: 1.5 },
        { header: tr('reports.plan.col.region'), weight: 1.3 },
      ],
      rows: destRows,
      empty: tr('reports.plan.noCopy'),
    },
    { kind: 'heading', level: 2, text: tr('reports.plan.h.targets') },
    { kind: 'paragraph', text: tr('reports.plan.targetsText') },
    {
      kind: 'table',
      columns: [
        { header: tr('reports.plan.col.tier'), weight: 1.4 },
        { header: tr('reports.plan.col.types'), weight: 4.2 },
        { header: 'RPO', weight: 1 },
        { header: 'RTO', weight: 1 },
      ],
      rows: tierRows,
    },
    { kind: 'heading', level: 2, text: tr('reports.plan.h.schedules') },
    {
      kind: 'table',
      columns: [
        { header: tr('reports.plan.col.task'), weight: 2 },
        { header: tr('reports.plan.col.when'), weight: 3.5 },
        { header: tr('reports.plan.col.copy'), weight: 2.2 },
      ],
      rows: scheduleRows,
      empty: tr('reports.plan.noSchedules'),
    },
    { kind: 'heading', level: 2, text: tr('reports.plan.h.retention') },
    { kind: 'list', items: retentionLines(data.retention, tr) },
    { kind: 'paragraph', text: tr('reports.plan.legalFloorText', { years: floor, minimum: legalMinimum }) },
    { kind: 'heading', level: 2, text: tr('reports.plan.h.kit') },
    { kind: 'facts', rows: kitFacts },
    { kind: 'paragraph', text: tr('reports.plan.kitText') },
    { kind: 'heading', level: 2, text: tr('reports.plan.h.contacts') },
    ...(data.contacts.length > 0
      ? [contactsTable(data.contacts, tr)]
      : [{ kind: 'writeIn', title: tr('reports.plan.noContacts'), fields: [tr('reports.plan.role.it'), tr('reports.plan.role.dpo'), tr('reports.plan.role.fhirVendor')] } satisfies Block]),
    { kind: 'heading', level: 2, text: tr('reports.plan.h.incidents') },
    { kind: 'paragraph', text: tr('reports.plan.incidentsText') },
    {
      kind: 'table',
      columns: [
        { header: tr('reports.plan.col.discovered'), weight: 1.8 },
        { header: tr('reports.plan.col.incident'), weight: 3.4 },
        { header: tr('reports.plan.col.anpd'), weight: 2.4 },
        { header: tr('reports.plan.col.closed'), weight: 1.6 },
      ],
      rows: incidentRows,
      empty: tr('reports.plan.noIncidents'),
    },
    { kind: 'pageBreak' },
    { kind: 'heading', level: 2, text: tr('reports.plan.h.scenarios') },
    { kind: 'paragraph', text: tr('reports.plan.scenariosIntro') },
    { kind: 'list', items: [tr('reports.plan.need.kit', { kit }), tr('reports.plan.need.computer'), tr('reports.plan.need.contacts')] },
    { kind: 'paragraph', text: tr('reports.plan.commandsNote'), small: true },
    ...DR_SCENARIOS.flatMap((id) => scenarioBlocks(id, ctx)),
    { kind: 'heading', level: 2, text: tr('reports.plan.h.after') },
    { kind: 'list', items: [tr('reports.plan.after1'), tr('reports.plan.after2'), tr('reports.plan.after3'), tr('reports.plan.after4')] },
    { kind: 'writeIn', title: tr('reports.plan.reviewTitle'), fields: [tr('reports.plan.reviewBy'), tr('reports.plan.reviewNext')] },
  ];

  return {
    locale,
    title: tr('reports.plan.title'),
    subtitle: clinicLabel(data.clinicName, tr),
    meta: [
      { label: tr('reports.common.generated'), value: generated },
      { label: tr('reports.common.repository'), value: shortId(data.repoId), mono: true },
      { label: tr('reports.common.timeZone'), value: tz },
    ],
    blocks,
    footer: tr('reports.plan.footer', { clinic: clinicLabel(data.clinicName, tr), version: data.toolVersion ?? '', generated }),
    pageLabel: tr('reports.common.pageLabel'),
    pdfInfo: { subject: tr('reports.plan.title'), keywords: 'Clinic Backup disaster recovery plan SOP-019' },
  };
}

export function drPlanHtml(data: DrPlanData, locale: Locale): string {
  return renderHtml(drPlanDocument(data, locale));
}

export function drPlanPdf(data: DrPlanData, locale: Locale, options: PdfOptions = {}): Promise<Buffer> {
  return renderPdf(drPlanDocument(data, locale), { ...options, ...(data.generatedAt ? { creationDate: new Date(data.generatedAt) } : {}) });
}
