/**
 * The facts behind SOP-019 §7's indicators, read from the catalog (runs, drills, the snapshot cache) and the
 * configured copies; policy/indicators.ts computes them. Used by status (and so `--json`, /metrics, the dashboard
 * and the weekly summary).
 */
import type { Catalog } from '../catalog/index.js';
import { type Indicator, INDICATOR_WINDOW_DAYS, type IndicatorFacts, indicatorsOf, LAYER_TARGETS, type RunFact, type TierPoints } from '../policy/index.js';
import type { DestinationConfig, IndicatorView } from '../shared/index.js';
import { formatDuration } from '../alerts/index.js';
import { t, type Locale } from '../i18n/index.js';

const DAY_MS = 24 * 3_600_000;

export interface IndicatorInputs {
  readonly catalog: Catalog;
  readonly now: Date;
  /** The configured copies: offsite ones (cloud tier) get their own RPO. */
  readonly copies: readonly DestinationConfig[];
  readonly latestBytes: number;
  readonly storedBytes: number;
  /** The clinic's RPO for the primary repository (the stale-backup alert's). */
  readonly localRpoMs: number;
}

/** What indicatorsOf needs, from the catalog: two windows of runs (an outage may have begun before this one). */
export function indicatorFacts(input: IndicatorInputs): IndicatorFacts {
  const since = new Date(input.now.getTime() - 2 * INDICATOR_WINDOW_DAYS * DAY_MS);
  const runs = (kind: string): RunFact[] => input.catalog.listRuns({ kind, since, limit: 1_000_000 }).map((r) => ({ status: r.status, startedAt: r.startedAt, endedAt: r.endedAt }));
  const snaps = input.catalog.listSnapshots();
  const tiers: TierPoints[] = input.copies
    .filter((c) => c.kind !== 'usb' && (c.kind === 's3' || c.offsite === true))
    .map((c) => ({ tier: 'cloud', points: snaps.filter((s) => s.destinations.includes(c.location)).map((s) => s.time), objectiveMs: LAYER_TARGETS.cloud.rpoMinutes * 60_000 }));
  return {
    now: input.now,
    backups: runs('backup'),
    checks: runs('check'),
    drills: input.catalog.listDrills(1000).map((d) => ({ status: d.status, startedAt: d.startedAt, recoveryTimeMs: d.recoveryTimeMs })),
    latestBytes: input.latestBytes,
    storedBytes: input.storedBytes,
    tiers,
    localRpoMs: input.localRpoMs,
    rtoMs: LAYER_TARGETS.local.rtoMinutes * 60_000,
  };
}

export function indicatorsFromCatalog(input: IndicatorInputs): Indicator[] {
  return indicatorsOf(indicatorFacts(input));
}

/** The indicators in the reader's words (status, dashboard, CLI, weekly summary). */
export function indicatorViews(list: readonly Indicator[], locale: Locale): IndicatorView[] {
  const number = (v: number, digits: number): string => new Intl.NumberFormat(locale, { maximumFractionDigits: digits }).format(v);
  const show = (unit: Indicator['unit'], v: number): string =>
    unit === 'ratio' ? t('indicators.percent', { value: number(v * 100, 1) }, locale) : unit === 'score' ? t('indicators.score', { value: number(v, 1) }, locale) : formatDuration(v, locale);
  return list.map((i) => {
    const label = t(i.id === 'rpo' ? `indicators.rpo.${i.subject ?? 'local'}` : `indicators.${i.id}`, {}, locale);
    const valueText = i.value === null ? t(i.id === 'mttr' || i.id === 'mtbf' ? 'indicators.noFailures' : 'indicators.noData', {}, locale) : show(i.unit, i.value);
    let targetText: string | null = null;
    if (i.target !== null && i.goal !== null) {
      const target = show(i.unit, i.target);
      targetText =
        i.goal === 'atLeast'
          ? t('indicators.target.atLeast', { target }, locale)
          : i.tolerance > 0
            ? t('indicators.target.atMostTolerance', { target, tolerance: number(i.tolerance * 100, 0) }, locale)
            : t('indicators.target.atMost', { target }, locale);
    }
    return { id: i.id, subject: i.subject, unit: i.unit, value: i.value, target: i.target, goal: i.goal, tolerance: i.tolerance, met: i.met, label, valueText, targetText };
  });
}
