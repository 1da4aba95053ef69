/**
 * The one rule behind the dashboard's headline, the tray and `status`: ok, attention or problem, decided from the
 * same facts that produce the health score, the 3-2-1-1-0 tiles and the alerts, so that the three can never
 * contradict each other ("Tudo certo" next to 47/100 and four tiles not met).
 *
 * Every unmet point carries the one action that fixes it (an id the user interface maps to a button).
 * The rule, in order:
 *  - problem: the last backup failed or was incomplete, the last success is older than the RPO, a verification
 *    found damage, a copy has errors, or an alert of high or critical severity is active;
 *  - attention: anything else not met: a 3-2-1-1-0 tile, the recovery kit, a drill overdue or never done, the
 *    backups never verified, a USB drive not rotated, the scheduler stopped, a medium or low alert, or a health
 *    score below 80 (a score below 80 always comes with at least one point that names its cause);
 *  - ok: no point at all. So "ok" implies every tile met, no active alert and a score of 80 or more.
 * A condition reported by an active alert is listed once, with the alert's text, except a failed or incomplete
 * last backup, always worded by the side that failed (the alert's text carries the code for the support).
 * Pure: the facts are gathered by the engine (src/engine/status.ts); texts come from the catalogue.
 */
import { t, type Locale } from '../i18n/index.js';
import type { HeadlineAction, HeadlineLevel, HeadlinePoint } from '../shared/index.js';
import type { CopyRule } from './copies.js';

export type { HeadlineAction, HeadlineLevel, HeadlinePoint } from '../shared/index.js';

/** A health score at or above this is shown as good; below it the headline cannot be ok. */
export const GOOD_SCORE = 80;

export interface HeadlineFacts {
  readonly now: Date;
  readonly rpoMs: number;
  readonly lastBackup: { readonly status: string; readonly failedSide: 'source' | 'destination' | null; readonly errorCode: string | null } | null;
  readonly lastSuccessAt: string | null;
  readonly lastCheckStatus: string | null;
  readonly kitConfirmed: boolean;
  readonly drill: { readonly overdue: boolean; readonly lastAt: string | null };
  readonly alerts: readonly { readonly key: string; readonly rule: string; readonly severity: 'low' | 'medium' | 'high' | 'critical'; readonly message: string }[];
  /** 3-2-1-1-0 rules not met, with their text already worded. */
  readonly copiesMissing: readonly { readonly rule: CopyRule; readonly text: string }[];
  readonly usbOverdue: readonly string[];
  readonly schedulerRunning: boolean;
  readonly kpis: { readonly backupSuccessRate: number | null; readonly validationRate: number | null; readonly recoveryTestSuccessRate: number | null; readonly healthScore: number };
}

export interface Headline {
  readonly level: HeadlineLevel;
  readonly points: readonly HeadlinePoint[];
}

/** Conditions the rule counts as a problem whatever the severity their alert carries. */
const PROBLEM_RULES: ReadonlySet<string> = new Set(['stale', 'failed', 'partial', 'integrity']);

/** The action that fixes what an alert of this rule reports. */
const ALERT_ACTION: Readonly<Record<string, HeadlineAction>> = {
  stale: 'backup-now',
  failed: 'backup-now',
  partial: 'backup-now',
  integrity: 'check-now',
  disk: 'see-destinations',
  offsite: 'add-offsite',
  usb: 'rotate-usb',
  drill: 'run-drill',
  kit: 'confirm-kit',
};

const COPY_ACTION: Readonly<Record<CopyRule, HeadlineAction>> = {
  copies: 'add-copy',
  media: 'add-copy',
  offsite: 'add-offsite',
  immutable: 'add-immutable',
  errors: 'check-now',
};

/** The alert rule that reports the same condition as a 3-2-1-1-0 rule, when there is one. */
const COPY_ALERT: Readonly<Partial<Record<CopyRule, string>>> = { offsite: 'offsite', errors: 'integrity' };

export function headlineOf(f: HeadlineFacts, locale: Locale): Headline {
  const alerted = new Set(f.alerts.map((a) => a.rule));
  const points: HeadlinePoint[] = [];
  const add = (id: string, level: HeadlinePoint['level'], text: string, action: HeadlineAction, alertRule?: string): void => {
    if (alertRule && alerted.has(alertRule)) return;
    points.push({ id, level, text, action });
  };

  const ageMs = f.lastSuccessAt ? f.now.getTime() - Date.parse(f.lastSuccessAt) : null;
  const last = f.lastBackup;
  if (last?.status === 'failed') {
    const side = last.failedSide ?? 'unknown';
    add('backup-failed', 'problem', t(`status.reason.failed.${side}`, {}, locale), side === 'destination' ? 'see-destinations' : 'backup-now');
  } else if (last?.status === 'partial') {
    // Its alert names what is missing (the failed export files, the unreadable lines): say that, not only "part of the data".
    const alert = f.alerts.find((a) => a.rule === 'partial');
    add('backup-partial', 'problem', alert ? alert.message : t('status.reason.partialShort', {}, locale), 'backup-now');
  }
  if (ageMs === null) add('never', 'attention', t('status.reason.never', {}, locale), 'backup-now');
  else if (ageMs > f.rpoMs) add('stale', 'problem', t('status.reason.stale', { hours: Math.floor(ageMs / 3600_000) }, locale), 'backup-now', 'stale');
  if (f.lastCheckStatus === 'failed') add('integrity', 'problem', t('status.reason.integrity', {}, locale), 'check-now', 'integrity');

  for (const a of f.alerts) {
    // A failed or incomplete last backup is already a point above, worded by the side that failed (no code).
    if ((a.rule === 'failed' && last?.status === 'failed') || (a.rule === 'partial' && last?.status === 'partial')) continue;
    add(`alert:${a.key}`, a.severity === 'high' || a.severity === 'critical' || PROBLEM_RULES.has(a.rule) ? 'problem' : 'attention', a.message, ALERT_ACTION[a.rule] ?? 'see-alerts');
  }

  for (const m of f.copiesMissing) add(`copies:${m.rule}`, m.rule === 'errors' ? 'problem' : 'attention', m.text, COPY_ACTION[m.rule], COPY_ALERT[m.rule]);
  if (!f.kitConfirmed) add('kit', 'attention', t('status.reason.kit', {}, locale), 'confirm-kit', 'kit');
  if (f.drill.overdue) add('drill', 'attention', t('status.reason.drill', {}, locale), 'run-drill', 'drill');
  else if (f.drill.lastAt === null && f.kpis.recoveryTestSuccessRate === null) add('drill-never', 'attention', t('status.reason.drillNever', {}, locale), 'run-drill', 'drill');
  if (f.kpis.validationRate === null && ageMs !== null) add('never-checked', 'attention', t('status.reason.neverChecked', {}, locale), 'check-now', 'integrity');
  for (const label of f.usbOverdue) add(`usb:${label}`, 'attention', t('status.reason.usb', { label }, locale), 'rotate-usb', 'usb');
  if (!f.schedulerRunning) add('scheduler', 'attention', t('status.reason.scheduler', {}, locale), 'start-scheduler');

  // A score below "good" is never shown next to "ok": when no point above explains it, name its weakest part.
  if (f.kpis.healthScore < GOOD_SCORE && points.length === 0) {
    const parts: { share: number; action: HeadlineAction }[] = [
      { share: f.kpis.backupSuccessRate ?? 0, action: 'backup-now' },
      { share: f.kpis.validationRate ?? 0, action: 'check-now' },
      { share: f.kpis.recoveryTestSuccessRate ?? 0, action: 'run-drill' },
    ];
    const weakest = parts.reduce((a, b) => (b.share < a.share ? b : a));
    add('score', 'attention', t('status.reason.score', { score: Math.round(f.kpis.healthScore), good: GOOD_SCORE }, locale), weakest.action);
  }

  const level: HeadlineLevel = points.some((p) => p.level === 'problem') ? 'problem' : points.length > 0 ? 'attention' : 'ok';
  // Problems first, then in the order above.
  return { level, points: [...points.filter((p) => p.level === 'problem'), ...points.filter((p) => p.level !== 'problem')] };
}
