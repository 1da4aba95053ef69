/**
 * The §7 KPIs of the status (SOP-019 §6.3 daily check) as pure functions of plain facts gathered by the engine from
 * the catalog. The headline (ok, attention, problem) is decided by headline.ts from the same facts.
 */
import { backupHealthScore, compressionRate } from './kpis.js';
import { DEFAULT_TIME_ZONE, formatLocalDateTime, isValidTimeZone } from './zonedTime.js';

const DAY_MS = 24 * 3600_000;
/** Default RPO of the daily status check (SOP-019 §6.3, ARCHITECTURE §7): last success older than this is stale. */
export const DEFAULT_RPO_MS = DAY_MS;

/** "2026-05-01 14:03": an instant as the clock on the wall shows it in a time zone (the clinic's). */
export function formatZonedTime(iso: string, timeZone: string): string {
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? iso : formatLocalDateTime(d, isValidTimeZone(timeZone) ? timeZone : DEFAULT_TIME_ZONE);
}

export interface KpiFacts {
  readonly now: Date;
  readonly lastSuccessAt: string | null;
  /** Success rates (0-1) of the runs of the last 30 days, null when none finished. */
  readonly backupSuccessRate: number | null;
  readonly validationRate: number | null;
  /** Drills of the last year. */
  readonly drills: readonly { readonly status: string; readonly recoveryTimeMs: number | null }[];
  /** Resource bytes of the latest snapshot and bytes stored for the whole repository. */
  readonly latestBytes: number;
  readonly storedBytes: number;
}

export interface Kpis {
  readonly backupSuccessRate: number | null;
  readonly compressionRate: number | null;
  readonly validationRate: number | null;
  readonly recoveryTestSuccessRate: number | null;
  readonly rpoAchievedMs: number | null;
  readonly rpoTargetMs: number;
  readonly mttrMs: number | null;
  readonly healthScore: number;
}

/** SOP-019 §7 indicators from the catalog's figures. */
export function kpisOf(f: KpiFacts): Kpis {
  const finished = f.drills.filter((d) => d.status !== 'running');
  const recoveryTestSuccessRate = finished.length > 0 ? finished.filter((d) => d.status === 'success').length / finished.length : null;
  const mttrValues = finished.filter((d) => d.status === 'success' && d.recoveryTimeMs !== null).map((d) => d.recoveryTimeMs as number);
  const compression = f.latestBytes > 0 ? compressionRate(f.latestBytes, f.storedBytes) : null;
  return {
    backupSuccessRate: f.backupSuccessRate,
    compressionRate: compression,
    validationRate: f.validationRate,
    recoveryTestSuccessRate,
    rpoAchievedMs: f.lastSuccessAt ? f.now.getTime() - Date.parse(f.lastSuccessAt) : null,
    rpoTargetMs: DEFAULT_RPO_MS,
    mttrMs: mttrValues.length > 0 ? mttrValues.reduce((a, b) => a + b, 0) / mttrValues.length : null,
    healthScore: backupHealthScore({
      backupSuccessRate: f.backupSuccessRate ?? 0,
      compressionRate: compression ?? 0,
      validationRate: f.validationRate ?? 0,
      recoveryTestSuccessRate: recoveryTestSuccessRate ?? 0,
    }),
  };
}
