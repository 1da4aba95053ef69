/**
 * OS notifications for what needs a person: a failed backup, a backup older than its RPO, a restore drill
 * due, an integrity problem (and the engine's other alerts). Each condition notifies once while it lasts;
 * clicking opens the screen where it is fixed. What counts as stale, due or failed is the engine's decision
 * (status(), alerts, call results); this file only turns changes into notices.
 */
import { t, type Locale } from '../src/index.js';
import type { StatusSummary } from '../src/shared/contract.js';
import type { CallResult } from '../src/api/host.js';

export interface Notice {
  /** Condition key: a notice is shown once until its condition clears. */
  readonly key: string;
  readonly title: string;
  readonly body: string;
  /** Screen to open on click, e.g. "dashboard", "drills". */
  readonly route: string;
  readonly urgency: 'normal' | 'critical';
}

/** The screen where each alert is fixed (every rule of src/alerts). */
export const ALERT_ROUTES: Readonly<Record<string, string>> = {
  stale: 'dashboard',
  failed: 'dashboard',
  partial: 'dashboard',
  shrink: 'restore',
  integrity: 'dashboard',
  disk: 'destinations',
  offsite: 'destinations',
  copy: 'destinations',
  usb: 'destinations',
  drill: 'drills',
  drillfail: 'drills',
  kit: 'settings',
  audit: 'audit',
};

const DAY_MS = 24 * 3_600_000;

function alertTitle(rule: string, locale: Locale): string {
  if (rule === 'integrity') return t('notify.integrity.title', {}, locale);
  if (rule === 'drill') return t('notify.drill.title', {}, locale);
  if (rule === 'drillfail') return t('notify.drill.failed', {}, locale);
  if (rule === 'copy') return t('notify.copy.title', {}, locale);
  if (rule === 'stale') return t('notify.stale.title', {}, locale);
  if (rule === 'failed') return t('notify.failed.title', {}, locale);
  return t('notify.alert.title', {}, locale);
}

/** The conditions a status shows that deserve a notification, each with its key. Pure. */
export function noticesFor(status: StatusSummary, locale: Locale): Notice[] {
  const out: Notice[] = [];
  const k = status.kpis;
  if (k.rpoAchievedMs !== null && k.rpoAchievedMs > k.rpoTargetMs && !status.alerts.some((a) => a.rule === 'stale')) {
    out.push({ key: 'status:stale', title: t('notify.stale.title', {}, locale), body: status.reasons.find((r) => r.length > 0) ?? '', route: 'dashboard', urgency: 'critical' });
  }
  if (status.drill.overdue && !status.alerts.some((a) => a.rule === 'drill')) {
    out.push({ key: 'status:drill', title: t('notify.drill.title', {}, locale), body: t('notify.drill.body', {}, locale), route: 'drills', urgency: 'normal' });
  }
  for (const a of status.alerts) {
    out.push({
      key: `alert:${a.key}`,
      title: alertTitle(a.rule, locale),
      body: a.message,
      route: ALERT_ROUTES[a.rule] ?? 'dashboard',
      urgency: a.severity === 'critical' || a.severity === 'high' ? 'critical' : 'normal',
    });
  }
  return out;
}

/** A failed backup (started from the tray, the window or the schedule) as a notice with the engine's message. */
export function noticeForCall(method: string, result: CallResult, locale: Locale): Notice | null {
  if (result.ok || (method !== 'backupNow' && method !== 'check' && method !== 'runDrill')) return null;
  if (method === 'runDrill') {
    if (result.error.code === 'NOT_FOUND') return null;
    return {
      key: `call:${method}:${result.error.code}:${Date.now()}`,
      title: t('notify.drill.failed', {}, locale),
      body: t('notify.failed.body', { message: result.error.message }, locale),
      route: 'drills',
      urgency: 'critical',
    };
  }
  const title = method === 'check' && result.error.code.match(/INTEGRITY|CORRUPT|MISSING|TRUNCATED|TAMPERED/) ? t('notify.integrity.title', {}, locale) : t('notify.failed.title', {}, locale);
  return { key: `call:${method}:${result.error.code}:${Date.now()}`, title, body: t('notify.failed.body', { message: result.error.message }, locale), route: 'dashboard', urgency: 'critical' };
}

/**
 * Shows each condition at most once a day: when it appears, and as a daily reminder while it lasts. A condition that
 * clears and comes back within the day (a flapping network drive) is not shown again until the day has passed.
 */
export class NotificationService {
  private readonly lastShown = new Map<string, number>();

  constructor(
    private readonly show: (notice: Notice) => void,
    private readonly now: () => Date = () => new Date(),
  ) {}

  onStatus(status: StatusSummary, locale: Locale): Notice[] {
    const now = this.now().getTime();
    const notices = noticesFor(status, locale);
    const fresh = notices.filter((n) => {
      const last = this.lastShown.get(n.key);
      return last === undefined || now - last >= DAY_MS;
    });
    for (const n of fresh) this.lastShown.set(n.key, now);
    // Conditions gone for more than a day are forgotten (the map stays small).
    const current = new Set(notices.map((n) => n.key));
    for (const [key, at] of this.lastShown) if (!current.has(key) && now - at >= DAY_MS) this.lastShown.delete(key);
    for (const n of fresh) this.show(n);
    return fresh;
  }

  onCallResult(method: string, result: CallResult, locale: Locale): Notice | null {
    const n = noticeForCall(method, result, locale);
    if (n) this.show(n);
    return n;
  }
}
