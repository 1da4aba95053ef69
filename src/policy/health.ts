/**
 * The headline of the status (SOP-019 §6.3 daily check): one state (ok, running, warning, error) and the short
 * reasons behind it, and the §7 KPIs, as pure functions of plain facts gathered by the engine from the catalog.
 * A condition with an active alert is reported once, by the alert.
 */
import { t, type Locale } from '../i18n/index.js';
import type { HealthState } from '../shared/contract.js';
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

export interface HealthFacts {
  readonly now: Date;
  readonly timeZone: string;
  readonly lastBackup: { readonly status: string; readonly startedAt: string; readonly endedAt: string | null; readonly errorCode: string | null } | null;
  readonly lastSuccessAt: string | null;
  readonly lastCheckStatus: string | null;
  readonly kitConfirmed: boolean;
  readonly drill: { readonly overdue: boolean; readonly remind: boolean; readonly dueAt: Date };
  /** Active alerts, already worded. */
  readonly alerts: readonly { readonly rule: string; readonly severity: 'low' | 'medium' | 'high' | 'critical'; readonly message: string }[];
  /** Labels of USB drives whose rotation is overdue. */
  readonly usbOverdue: readonly string[];
  readonly schedulerRunning: boolean;
  /** Something runs now (a backup, a restore…). */
  readonly running: boolean;
}

const RANK: Readonly<Record<HealthState, number>> = { ok: 0, running: 1, warning: 2, error: 3 };

/** The state and its reasons, in the user's words. */
export function healthOf(f: HealthFacts, locale: Locale): { state: HealthState; reasons: string[] } {
  const alerted = new Set(f.alerts.map((a) => a.rule));
  const reasons: string[] = [];
  let state: HealthState = 'ok';
  const worsen = (to: HealthState, reason: string | null): void => {
    if (RANK[to] > RANK[state]) state = to;
    if (reason) reasons.push(reason);
  };
  /** The state follows the condition; its text is left to the alert when one reports it. */
  const unlessAlerted = (rule: string, text: string): string | null => (alerted.has(rule) ? null : text);
  const rpoAchievedMs = f.lastSuccessAt ? f.now.getTime() - Date.parse(f.lastSuccessAt) : null;
  if (!f.lastSuccessAt) worsen('warning', t('status.reason.never', {}, locale));
  else if ((rpoAchievedMs ?? 0) > DEFAULT_RPO_MS) worsen('error', unlessAlerted('stale', t('status.reason.stale', { hours: Math.floor((rpoAchievedMs ?? 0) / 3600_000) }, locale)));
  const last = f.lastBackup;
  if (last && last.status === 'failed') worsen('error', unlessAlerted('failed', t('status.reason.failed', { code: last.errorCode ?? '' }, locale)));
  if (last && last.status === 'partial') worsen('error', unlessAlerted('partial', t('status.reason.partial', { at: `${formatZonedTime(last.endedAt ?? last.startedAt, f.timeZone)} (${f.timeZone})` }, locale)));
  if (f.lastCheckStatus === 'failed') worsen('error', unlessAlerted('integrity', t('status.reason.integrity', {}, locale)));
  if (!f.kitConfirmed) worsen('warning', unlessAlerted('kit', t('status.reason.kit', {}, locale)));
  if (f.drill.overdue) worsen('warning', unlessAlerted('drill', t('status.reason.drill', {}, locale)));
  else if (f.drill.remind) reasons.push(t('status.reason.drillSoon', { days: Math.max(0, Math.ceil((f.drill.dueAt.getTime() - f.now.getTime()) / DAY_MS)) }, locale));
  for (const a of f.alerts) worsen(a.severity === 'critical' || a.severity === 'high' ? 'error' : 'warning', a.message);
  for (const label of f.usbOverdue) worsen('warning', t('status.reason.usb', { label }, locale));
  // Not running means no automatic backups.
  if (!f.schedulerRunning) worsen('warning', t('status.reason.scheduler', {}, locale));
  // While something runs it is shown (progress), unless there is an error to see first.
  if (f.running && (state as HealthState) !== 'error') state = 'running';
  return { state, reasons };
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
