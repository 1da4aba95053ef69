/**
 * SOP-019 §7: KPI targets and the formulas of §7.3, as pure functions over plain numbers (the
 * catalog supplies the figures: Catalog.runStats, drills, last success). Rates are fractions 0-1.
 */

export const KPI_TARGETS = {
  /** §7.1 backup success rate > 99% (goal 99.9%). */
  backupSuccessRate: 0.99,
  backupSuccessRateGoal: 0.999,
  /** §7.1 mean incremental backup time < 30 min. */
  incrementalBackupMaxMs: 30 * 60_000,
  /** §7.1 compression (storage saving) > 60%. */
  compressionRate: 0.6,
  /** §7.1 100% of backups validated. */
  validationRate: 1,
  /** §7.2 RTO achieved within ±10% of the objective; RPO within ±5%. */
  rtoTolerance: 0.1,
  rpoTolerance: 0.05,
  /** §7.2 recovery success rate > 99.5%. */
  recoverySuccessRate: 0.995,
  /** §7.2 MTTR < 2 h. */
  mttrMaxMs: 2 * 3_600_000,
  /** §7.2 data recovered successfully > 99.9%. */
  dataRecoveredRate: 0.999,
} as const;

const clamp01 = (x: number): number => (Number.isFinite(x) ? Math.min(1, Math.max(0, x)) : 0);

/** §7.3 backupEfficiency: (original − stored) / original; 0 when nothing was read. */
export function compressionRate(originalBytes: number, storedBytes: number): number {
  if (!(originalBytes > 0)) return 0;
  return clamp01((originalBytes - storedBytes) / originalBytes);
}

/** §7.3 actualRPO = now − last successful backup (ms); null when there never was one. */
export function actualRpoMs(lastSuccess: Date | null, now: Date): number | null {
  return lastSuccess === null ? null : Math.max(0, now.getTime() - lastSuccess.getTime());
}

/** §7.2: is an achieved value within the objective plus its tolerance (e.g. RPO +5%)? */
export function withinObjective(achieved: number, objective: number, tolerance: number): boolean {
  return achieved <= objective * (1 + tolerance);
}

export interface HealthInputs {
  readonly backupSuccessRate: number;
  readonly compressionRate: number;
  readonly validationRate: number;
  readonly recoveryTestSuccessRate: number;
}

/** §7.3 backupHealthScore = (success·0.3 + compression·0.2 + validation·0.3 + recovery tests·0.2) × 100, 0-100. */
export function backupHealthScore(k: HealthInputs): number {
  const score = clamp01(k.backupSuccessRate) * 0.3 + clamp01(k.compressionRate) * 0.2 + clamp01(k.validationRate) * 0.3 + clamp01(k.recoveryTestSuccessRate) * 0.2;
  return Math.round(score * 1000) / 10;
}
