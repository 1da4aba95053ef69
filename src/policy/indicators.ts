/**
 * Every SOP-019 §7 indicator as a pure function of a run history (docs/indicators.md gives each formula with a worked
 * example). The engine gathers the facts from the catalog; status, `--json`, `/metrics` and the dashboard show the
 * result. Conventions:
 * - The window is the last `windowDays` days (30), or from the first recorded backup when that is later; drills
 *   count over the last 365 days (one a month gives twelve).
 * - A run that ended other than "success" (partial, failed, interrupted) is a failure: a partial backup left data
 *   out, an interrupted one produced nothing. Runs still running are not counted.
 * - Rates are fractions 0-1; durations are milliseconds; the health score is 0-100.
 */
import { backupHealthScore, compressionRate as compressionOf, KPI_TARGETS, withinObjective } from './kpis.js';

export type IndicatorId = 'backupSuccessRate' | 'validationRate' | 'meanBackupDuration' | 'compressionRate' | 'recoverySuccessRate' | 'rpo' | 'rto' | 'mttr' | 'availability' | 'mtbf' | 'healthScore';

export const INDICATOR_IDS: readonly IndicatorId[] = [
  'backupSuccessRate',
  'validationRate',
  'meanBackupDuration',
  'compressionRate',
  'recoverySuccessRate',
  'rpo',
  'rto',
  'mttr',
  'availability',
  'mtbf',
  'healthScore',
];

export type IndicatorUnit = 'ratio' | 'duration' | 'score';

export interface Indicator {
  readonly id: IndicatorId;
  /** For RPO: the tier ("local", "cloud"); else null. */
  readonly subject: string | null;
  readonly unit: IndicatorUnit;
  /** null: not enough history to say (no runs, no drills, no failures for MTTR). */
  readonly value: number | null;
  /** The SOP-019 objective, null where the SOP sets none. */
  readonly target: number | null;
  /** atLeast: met when value ≥ target; atMost: met when value ≤ target × (1 + tolerance). */
  readonly goal: 'atLeast' | 'atMost' | null;
  readonly tolerance: number;
  /** null when there is no value or no target. */
  readonly met: boolean | null;
}

export type FinishedRunStatus = 'success' | 'partial' | 'failed' | 'interrupted';

export interface RunFact {
  readonly status: FinishedRunStatus | 'running';
  readonly startedAt: string;
  readonly endedAt: string | null;
}

export interface DrillFact {
  readonly status: FinishedRunStatus | 'running';
  readonly startedAt: string;
  readonly recoveryTimeMs: number | null;
}

/** Recovery points of one destination tier: the times of the snapshots it holds. */
export interface TierPoints {
  readonly tier: 'local' | 'cloud';
  /** Snapshot times (ISO) held in this tier. */
  readonly points: readonly string[];
  /** The RPO objective (SOP-019 §5.1: local 15 min … cloud 24 h, or the clinic's schedule). */
  readonly objectiveMs: number;
}

export interface IndicatorFacts {
  readonly now: Date;
  /** Backup runs (any time; the window is applied here). */
  readonly backups: readonly RunFact[];
  /** Verification (check) runs. */
  readonly checks: readonly RunFact[];
  readonly drills: readonly DrillFact[];
  /** Resource bytes of the newest snapshot and bytes stored for the repository (compression). */
  readonly latestBytes: number;
  readonly storedBytes: number;
  /** Recovery points per tier. The local tier's are the successful backups' start times when left out. */
  readonly tiers?: readonly TierPoints[];
  /** RPO objective of the primary repository (local tier); default SOP-019 §5.1's 24 h daily check. */
  readonly localRpoMs?: number;
  /** RTO objective (SOP-019 §5.1 layer 1: 1 h). */
  readonly rtoMs?: number;
  readonly windowDays?: number;
}

const DAY_MS = 24 * 3_600_000;
export const INDICATOR_WINDOW_DAYS = 30;
export const DRILL_WINDOW_DAYS = 365;
/** SOP-019 §5.1, layer 1 (local): RTO 1 h. */
export const DEFAULT_RTO_MS = 3_600_000;
/** SOP-019 §6.3's daily check: a backup older than 24 h is stale. */
export const DEFAULT_LOCAL_RPO_MS = DAY_MS;

const t = (iso: string): number => Date.parse(iso);
const ended = (r: RunFact): boolean => r.status !== 'running' && r.endedAt !== null;

function indicator(id: IndicatorId, unit: IndicatorUnit, value: number | null, target: number | null, goal: 'atLeast' | 'atMost' | null, tolerance = 0, subject: string | null = null): Indicator {
  let met: boolean | null = null;
  if (value !== null && target !== null && goal !== null) met = goal === 'atLeast' ? value >= target : withinObjective(value, target, tolerance);
  return { id, subject, unit, value, target, goal, tolerance, met };
}

/** Where the window starts: `windowDays` before now, or the first backup when the history is shorter. */
export function windowStart(facts: Pick<IndicatorFacts, 'now' | 'backups' | 'windowDays'>): number {
  const from = facts.now.getTime() - (facts.windowDays ?? INDICATOR_WINDOW_DAYS) * DAY_MS;
  const first = Math.min(...facts.backups.map((r) => t(r.startedAt)));
  return Number.isFinite(first) ? Math.max(from, first) : from;
}

/** Share of finished runs that succeeded; null when none finished. */
function successRate(runs: readonly RunFact[]): number | null {
  const done = runs.filter(ended);
  return done.length === 0 ? null : done.filter((r) => r.status === 'success').length / done.length;
}

/**
 * Share of the successful backups that a later successful check validated, among those a check could have
 * validated (ended before the last finished check started). Null when no backup was eligible yet.
 */
export function validationRateOf(backups: readonly RunFact[], checks: readonly RunFact[]): number | null {
  const done = checks.filter(ended);
  if (done.length === 0) return null;
  const lastCheckStart = Math.max(...done.map((c) => t(c.startedAt)));
  const okChecks = done.filter((c) => c.status === 'success').map((c) => t(c.startedAt));
  const eligible = backups.filter((b) => b.status === 'success' && b.endedAt !== null && t(b.endedAt) <= lastCheckStart);
  if (eligible.length === 0) return null;
  return eligible.filter((b) => okChecks.some((c) => c >= t(b.endedAt as string))).length / eligible.length;
}

/** The longest gap between consecutive recovery points within [from, now], the open gap up to now included. */
export function worstGapMs(points: readonly number[], from: number, now: number): number | null {
  const sorted = [...points].filter((p) => p <= now).sort((a, b) => a - b);
  if (sorted.length === 0) return null;
  let worst = 0;
  let prev: number | null = null;
  for (const p of sorted) {
    // Gaps that end before the window are not this window's; one straddling its start counts whole.
    if (prev !== null && p >= from) worst = Math.max(worst, p - prev);
    prev = p;
  }
  return Math.max(worst, now - (prev as number));
}

export interface FailureEpisode {
  /** When the first failing run ended. */
  readonly start: number;
  /** When the next successful run ended; null while it goes on. */
  readonly end: number | null;
}

/** Periods without a working backup: from the end of a failing run after a success until the end of the next success. */
export function failureEpisodes(backups: readonly RunFact[]): FailureEpisode[] {
  const runs = backups.filter(ended).sort((a, b) => t(a.startedAt) - t(b.startedAt));
  const out: FailureEpisode[] = [];
  let open: number | null = null;
  for (const r of runs) {
    const end = t(r.endedAt as string);
    if (r.status === 'success') {
      if (open !== null) out.push({ start: open, end });
      open = null;
    } else if (open === null) open = end;
  }
  if (open !== null) out.push({ start: open, end: null });
  return out;
}

/** All of SOP-019 §7's indicators, in a fixed order (RPO once per tier). */
export function indicatorsOf(facts: IndicatorFacts): Indicator[] {
  const now = facts.now.getTime();
  const from = windowStart(facts);
  const inWindow = (r: { startedAt: string }): boolean => t(r.startedAt) >= from && t(r.startedAt) <= now;
  const backups = facts.backups.filter(inWindow);
  const checks = facts.checks.filter(inWindow);
  const drills = facts.drills.filter((d) => d.status !== 'running' && t(d.startedAt) >= now - DRILL_WINDOW_DAYS * DAY_MS && t(d.startedAt) <= now);

  const backupSuccessRate = successRate(backups);
  const validationRate = validationRateOf(backups, checks);
  const okDurations = backups.filter((b) => b.status === 'success' && b.endedAt !== null).map((b) => t(b.endedAt as string) - t(b.startedAt));
  const meanBackupDuration = okDurations.length === 0 ? null : okDurations.reduce((a, b) => a + b, 0) / okDurations.length;
  const compression = facts.latestBytes > 0 ? compressionOf(facts.latestBytes, facts.storedBytes) : null;
  const recoverySuccessRate = drills.length === 0 ? null : drills.filter((d) => d.status === 'success').length / drills.length;

  // Local tier: the primary repository's recovery points (successful backups). Other tiers: each copy on its own,
  // the tier as good as its worst copy (a copy that holds nothing yet: no value). Rotating drives are left out by
  // the caller (a drive kept in a drawer for a week is the plan, not a gap).
  const localPoints = facts.backups.filter((b) => b.status === 'success').map((b) => t(b.startedAt));
  const localGap = worstGapMs(localPoints, from, now);
  const rpo = [indicator('rpo', 'duration', localGap, facts.localRpoMs ?? DEFAULT_LOCAL_RPO_MS, 'atMost', KPI_TARGETS.rpoTolerance, 'local')];
  for (const tier of [...new Set((facts.tiers ?? []).map((x) => x.tier))].filter((x) => x !== 'local')) {
    const copies = (facts.tiers ?? []).filter((x) => x.tier === tier);
    const gaps = copies.map((c) => worstGapMs(c.points.map(t), from, now));
    const value = gaps.some((g) => g === null) ? null : Math.max(...(gaps as number[]));
    rpo.push(indicator('rpo', 'duration', value, Math.max(...copies.map((c) => c.objectiveMs)), 'atMost', KPI_TARGETS.rpoTolerance, tier));
  }

  const lastOkDrill = drills.filter((d) => d.status === 'success' && d.recoveryTimeMs !== null).sort((a, b) => t(b.startedAt) - t(a.startedAt))[0];
  const rto = indicator('rto', 'duration', lastOkDrill?.recoveryTimeMs ?? null, facts.rtoMs ?? DEFAULT_RTO_MS, 'atMost', KPI_TARGETS.rtoTolerance);

  const episodes = failureEpisodes(facts.backups);
  const total = Math.max(0, now - from);
  let downtime = 0;
  for (const e of episodes) downtime += Math.max(0, Math.min(e.end ?? now, now) - Math.max(e.start, from));
  const repaired = episodes.filter((e) => e.end !== null && (e.end as number) >= from && (e.end as number) <= now);
  const mttr = repaired.length === 0 ? null : repaired.reduce((a, e) => a + ((e.end as number) - e.start), 0) / repaired.length;
  const failures = episodes.filter((e) => e.start >= from && e.start <= now).length;
  const availability = total > 0 && facts.backups.some(ended) ? (total - downtime) / total : null;
  const mtbf = failures === 0 || total === 0 ? null : (total - downtime) / failures;

  const healthScore = backupHealthScore({
    backupSuccessRate: backupSuccessRate ?? 0,
    compressionRate: compression ?? 0,
    validationRate: validationRate ?? 0,
    recoveryTestSuccessRate: recoverySuccessRate ?? 0,
  });

  return [
    indicator('backupSuccessRate', 'ratio', backupSuccessRate, KPI_TARGETS.backupSuccessRate, 'atLeast'),
    indicator('validationRate', 'ratio', validationRate, KPI_TARGETS.validationRate, 'atLeast'),
    indicator('meanBackupDuration', 'duration', meanBackupDuration, KPI_TARGETS.incrementalBackupMaxMs, 'atMost'),
    indicator('compressionRate', 'ratio', compression, KPI_TARGETS.compressionRate, 'atLeast'),
    indicator('recoverySuccessRate', 'ratio', recoverySuccessRate, KPI_TARGETS.recoverySuccessRate, 'atLeast'),
    ...rpo,
    rto,
    indicator('mttr', 'duration', mttr, KPI_TARGETS.mttrMaxMs, 'atMost'),
    indicator('availability', 'ratio', availability, null, null),
    indicator('mtbf', 'duration', mtbf, null, null),
    indicator('healthScore', 'score', healthScore, 80, 'atLeast'),
  ];
}

/** One indicator by id (and subject), or undefined. */
export function findIndicator(list: readonly Indicator[], id: IndicatorId, subject: string | null = null): Indicator | undefined {
  return list.find((i) => i.id === id && (subject === null || i.subject === subject));
}
