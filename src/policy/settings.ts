/**
 * The rules of the application settings, as pure functions: which fields of a settings change are wrong (each
 * named, so INVALID_SETTINGS can say what to fix), the schedules and retention in force by default, and the
 * source's backup options. The engine stores what passes; nothing is saved when anything fails.
 */
import type { AppSettings, ExtraSourceSetting, RetentionSetting } from '../shared/index.js';
import { validateRetentionPolicy, type RetentionPolicy } from './retention.js';
import { SCHEDULE_PRESETS, validateSchedulePolicy, type SchedulePolicy } from './schedule.js';
import { isValidTimeZone } from './zonedTime.js';

/** A preset without its zone, so it follows the clinic's (settings timeZone). */
export function zoneless(policy: SchedulePolicy): SchedulePolicy {
  const { timeZone: _zone, ...rest } = policy;
  return rest as SchedulePolicy;
}

/** A schedule with the clinic's zone when it names none of its own. */
export function inZone(policy: SchedulePolicy, timeZone: string): SchedulePolicy {
  return policy.timeZone ? policy : { ...policy, timeZone };
}

/** The schedules in force until the clinic changes them (on the clinic's clock). */
export const DEFAULT_SCHEDULES = {
  backup: zoneless(SCHEDULE_PRESETS.localIncremental),
  drill: zoneless(SCHEDULE_PRESETS.restoreDrill),
  check: zoneless(SCHEDULE_PRESETS.fullReconciliation),
  /** Retention (forget + prune) every night at 01:30, before the Sunday check; early when the disk passes 90 %. */
  retention: { kind: 'daily', at: '01:30' } as SchedulePolicy,
  /** The weekly summary, Monday 08:00: what the clinic reads first thing in the week. */
  summary: { kind: 'weekly', weekday: 1, at: '08:00' } as SchedulePolicy,
  /** Alert evaluation between runs (stale backups, drills overdue…). */
  alerts: { kind: 'interval', everyMinutes: 15 } as SchedulePolicy,
} as const;

/** Usage of the primary destination at which retention runs early (SOP-019 §9.1 "disk full → rotation"). */
export const EARLY_RETENTION_PERCENT = 90;

/**
 * How many slices the verification rotation reads, so that every byte is read at least once a month: the number
 * of runs of the check schedule that fit in 28 days (weekly → 4; daily → 28; monthly → 1).
 */
export function verificationSlices(policy: SchedulePolicy): number {
  const periodDays = policy.kind === 'interval' ? policy.everyMinutes / (24 * 60) : policy.kind === 'daily' ? 1 : policy.kind === 'weekly' ? 7 : 28;
  return Math.max(1, Math.min(28, Math.floor(28 / periodDays)));
}

/** The default retention: SOP-019 tiers' history plus the 20-year floor for medical records, in the clinic's zone. */
export function defaultRetention(timeZone: string): RetentionPolicy {
  return { keepLast: 10, keepDaily: 30, keepWeekly: 12, keepMonthly: 24, keepYearly: 20, legalFloorYears: 20, timeZone };
}

/** The retention fields the settings screen edits, defaults filled in (a count of 0 means the rule is off). */
export function retentionSettingOf(p: RetentionPolicy): RetentionSetting {
  const { keepLast, keepDaily, keepWeekly, keepMonthly, keepYearly, legalFloorYears, timeZone } = validateRetentionPolicy(p);
  return { keepLast, keepDaily, keepWeekly, keepMonthly, keepYearly, legalFloorYears, timeZone };
}

/** Mistakes in the source's backup options (allowed hosts, stuck-export bound, SMART scopes). */
export function sourceOptionProblems(source: NonNullable<AppSettings['source']>): string[] {
  const bad: string[] = [];
  const hosts = source.allowedHosts;
  if (hosts !== undefined && (!Array.isArray(hosts) || hosts.length > 50 || !hosts.every((h) => typeof h === 'string' && /^(https?:\/\/)?[A-Za-z0-9.\-[\]:]{1,255}\/?$/.test(h.trim()))))
    bad.push('source.allowedHosts (host, host:port or https://host)');
  const m = source.exportStuckMinutes;
  if (m !== undefined && !(Number.isInteger(m) && m >= 1 && m <= 24 * 60)) bad.push('source.exportStuckMinutes (1 to 1440)');
  if (
    source.auth.kind === 'smart' &&
    source.auth.scopes !== undefined &&
    (!Array.isArray(source.auth.scopes) || source.auth.scopes.length === 0 || !source.auth.scopes.every((x) => typeof x === 'string' && /^\s*\S+(\s+\S+)*\s*$/.test(x)))
  )
    bad.push('source.auth.scopes');
  return bad;
}

/** Backup options kept with the source in settings. */
export function sourceOptions(source: NonNullable<AppSettings['source']>): { allowedHosts?: readonly string[]; exportStuckMinutes?: number } {
  return { ...(source.allowedHosts ? { allowedHosts: source.allowedHosts } : {}), ...(source.exportStuckMinutes !== undefined ? { exportStuckMinutes: source.exportStuckMinutes } : {}) };
}

/** Mistakes in the folder and database sources (each named); names must be unique and no password may be given. */
export function sourcesProblems(sources: readonly ExtraSourceSetting[]): string[] {
  const bad: string[] = [];
  if (!Array.isArray(sources) || sources.length > 50) return ['sources (a list of at most 50)'];
  const names = new Set<string>();
  sources.forEach((src, i) => {
    const at = `sources[${i}]`;
    const name = (src as { name?: unknown }).name;
    if (typeof name !== 'string' || name.trim().length === 0 || name.length > 100) bad.push(`${at}.name`);
    else if (names.has(name.toLowerCase())) bad.push(`${at}.name (another source has this name)`);
    else names.add(name.toLowerCase());
    if (src.kind === 'folders') {
      if (!Array.isArray(src.paths) || src.paths.length === 0 || !src.paths.every((p: unknown) => typeof p === 'string' && p.length > 0)) bad.push(`${at}.paths (at least one folder)`);
      if (src.exclude !== undefined && (!Array.isArray(src.exclude) || !src.exclude.every((p: unknown) => typeof p === 'string' && p.length > 0))) bad.push(`${at}.exclude`);
    } else if (src.kind === 'database') {
      const d = src.database as unknown as Record<string, unknown> | undefined;
      if (!d || !['postgres', 'mysql', 'firebird', 'sqlite'].includes(String(d['kind']))) bad.push(`${at}.database.kind (postgres, mysql, firebird or sqlite)`);
      else if (d['kind'] === 'sqlite') {
        if (typeof d['path'] !== 'string' || !d['path']) bad.push(`${at}.database.path`);
      } else {
        if (typeof d['user'] !== 'string' || !d['user']) bad.push(`${at}.database.user`);
        if (typeof d['database'] !== 'string' || !d['database']) bad.push(`${at}.database.database`);
        if (d['kind'] !== 'firebird' && (typeof d['host'] !== 'string' || !d['host'])) bad.push(`${at}.database.host`);
        if (d['port'] !== undefined && !(Number.isInteger(d['port']) && (d['port'] as number) > 0 && (d['port'] as number) < 65536)) bad.push(`${at}.database.port`);
      }
      if (d) for (const k of Object.keys(d)) if (/^(password|secret|token)$/i.test(k)) bad.push(`${at}.database.${k} (store it with setSecret and give its name in passwordSecret)`);
    } else bad.push(`${at}.kind (folders or database)`);
  });
  return bad;
}

const SECRET_FIELD = /^(password|token|secret|signingKey|key)$/i;
const ADDRESS = /^[^@\s]+@[^@\s]+$/;

/**
 * The fields of a settings change that are wrong, each named with a hint (empty when it may be saved). The
 * retention policy is checked by the engine (RETENTION_LEGAL_FLOOR names the law's minimum).
 */
export function settingsProblems(patch: Partial<AppSettings>, context: { readonly copiesChanged: boolean }): string[] {
  const bad: string[] = [];
  if (patch.language !== undefined && patch.language !== 'pt-BR' && patch.language !== 'en') bad.push('language');
  if (patch.source) {
    try {
      const u = new URL(patch.source.url);
      if (u.protocol !== 'http:' && u.protocol !== 'https:') bad.push('source.url');
      if (u.username || u.password) bad.push('source.url (no credentials in the URL)');
    } catch {
      bad.push('source.url');
    }
    const a: Record<string, unknown> = { ...patch.source.auth };
    if (!['none', 'bearer', 'basic', 'smart'].includes(String(a['kind']))) bad.push('source.auth.kind');
    bad.push(...sourceOptionProblems(patch.source));
    for (const k of Object.keys(a)) if (/^(token|password|privateKey|secret|key)$/i.test(k)) bad.push(`source.auth.${k} (store it with setSecret and give its name)`);
  }
  if (patch.sources !== undefined) bad.push(...sourcesProblems(patch.sources));
  if (patch.schedule) {
    const optional = (['check', 'retention', 'summary', 'alerts'] as const).filter((k) => patch.schedule?.[k] !== undefined).map((k) => [`schedule.${k}`, patch.schedule?.[k]] as const);
    for (const [field, value] of [['schedule.backup', patch.schedule.backup], ['schedule.drill', patch.schedule.drill], ...optional] as const) {
      try {
        validateSchedulePolicy(value);
      } catch {
        bad.push(field);
      }
    }
  }
  const noSecretValues = (prefix: string, o: object): void => {
    for (const k of Object.keys(o)) if (SECRET_FIELD.test(k)) bad.push(`${prefix}.${k} (store it with setSecret and give its name)`);
  };
  if (patch.clinicName !== undefined && (typeof patch.clinicName !== 'string' || patch.clinicName.length > 200)) bad.push('clinicName');
  if (patch.timeZone !== undefined && !isValidTimeZone(patch.timeZone)) bad.push('timeZone (an IANA zone such as America/Sao_Paulo)');
  if (patch.shrinkGuardPercent !== undefined && !(Number.isInteger(patch.shrinkGuardPercent) && patch.shrinkGuardPercent >= 0 && patch.shrinkGuardPercent <= 100))
    bad.push('shrinkGuardPercent (0-100)');
  // Copies change through addCopy/removeCopy (they test the destination); an unchanged list (settings read back) is fine.
  if (context.copiesChanged) bad.push('copies (add or remove a copy on the destinations screen or with addCopy/removeCopy)');
  const email = patch.alerts?.email;
  if (email) {
    noSecretValues('alerts.email', email);
    if (typeof email.host !== 'string' || !email.host) bad.push('alerts.email.host');
    if (typeof email.from !== 'string' || !ADDRESS.test(email.from)) bad.push('alerts.email.from');
    if (!Array.isArray(email.to) || email.to.length === 0 || !email.to.every((a) => ADDRESS.test(a))) bad.push('alerts.email.to');
    if (email.port !== undefined && !(Number.isInteger(email.port) && email.port > 0 && email.port < 65536)) bad.push('alerts.email.port');
  }
  const webhook = patch.alerts?.webhook;
  if (webhook) {
    noSecretValues('alerts.webhook', webhook);
    if (!webhook.url && !webhook.urlSecret) bad.push('alerts.webhook.url');
    if (webhook.url && !/^https?:\/\//.test(webhook.url)) bad.push('alerts.webhook.url');
  }
  return bad;
}
