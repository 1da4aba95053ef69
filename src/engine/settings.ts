/**
 * Use case: the application settings (language, clinic, source, schedules, retention, alert channels, shrink
 * guard, time zone). The rules are in policy/settings; changes are audited by the catalog itself and mirrored.
 */
import { type JsonValue, storedCopiesOf } from '../catalog/index.js';
import {
  DEFAULT_SCHEDULES,
  DEFAULT_TIME_ZONE,
  defaultRetention,
  isValidTimeZone,
  type RetentionPolicy,
  retentionSettingOf,
  type SchedulePolicy,
  settingsProblems,
  validateRetentionPolicy,
} from '../policy/index.js';
import { type AppSettings, DEFAULT_SHRINK_GUARD_PERCENT, EngineError } from '../shared/index.js';
import { osUser, type EngineContext } from './context.js';

/** The clinic's time zone: every time the product shows is in it. */
export async function clinicTimeZone(ctx: EngineContext): Promise<string> {
  const v = (await ctx.catalog()).getSetting('clinic.timeZone');
  return isValidTimeZone(v) ? v : DEFAULT_TIME_ZONE;
}

/** The retention in force: the stored one, else the default with its calendar buckets in the clinic's zone. */
export async function retentionPolicy(ctx: EngineContext): Promise<RetentionPolicy> {
  const stored = (await ctx.catalog()).getSetting('retention') as RetentionPolicy | undefined;
  return stored ?? defaultRetention(await clinicTimeZone(ctx));
}

/** A stored schedule, else its default. */
export function scheduleSetting(value: JsonValue | undefined, fallback: SchedulePolicy): SchedulePolicy {
  return (value as SchedulePolicy | undefined) ?? fallback;
}

export async function getSettings(ctx: EngineContext): Promise<AppSettings> {
  const c = await ctx.catalog();
  const email = c.getSetting('alerts.email') as NonNullable<AppSettings['alerts']>['email'] | undefined;
  const webhook = c.getSetting('alerts.webhook') as NonNullable<AppSettings['alerts']>['webhook'] | undefined;
  const shrink = c.getSetting('backup.shrinkGuardPercent');
  return {
    language: (c.getSetting('language') as AppSettings['language'] | undefined) ?? 'pt-BR',
    ...(typeof c.getSetting('clinic.name') === 'string' ? { clinicName: c.getSetting('clinic.name') as string } : {}),
    alerts: { email: email ?? null, webhook: webhook ?? null },
    retention: retentionSettingOf(await retentionPolicy(ctx)),
    copies: storedCopiesOf(c),
    source: (c.getSetting('source') as AppSettings['source'] | undefined) ?? null,
    sources: (c.getSetting('sources') as AppSettings['sources'] | undefined) ?? [],
    schedule: {
      backup: scheduleSetting(c.getSetting('schedule.backup'), DEFAULT_SCHEDULES.backup) as AppSettings['schedule']['backup'],
      drill: scheduleSetting(c.getSetting('schedule.drill'), DEFAULT_SCHEDULES.drill) as AppSettings['schedule']['drill'],
      check: scheduleSetting(c.getSetting('schedule.check'), DEFAULT_SCHEDULES.check) as NonNullable<AppSettings['schedule']['check']>,
      retention: scheduleSetting(c.getSetting('schedule.retention'), DEFAULT_SCHEDULES.retention) as NonNullable<AppSettings['schedule']['retention']>,
      summary: scheduleSetting(c.getSetting('schedule.summary'), DEFAULT_SCHEDULES.summary) as NonNullable<AppSettings['schedule']['summary']>,
      alerts: scheduleSetting(c.getSetting('schedule.alerts'), DEFAULT_SCHEDULES.alerts) as NonNullable<AppSettings['schedule']['alerts']>,
    },
    shrinkGuardPercent: typeof shrink === 'number' ? shrink : DEFAULT_SHRINK_GUARD_PERCENT,
    // The clinic's time zone: every time the product shows is in it (with the zone shown).
    timeZone: await clinicTimeZone(ctx),
  };
}

/** Validates and stores settings; INVALID_SETTINGS names the fields at fault and nothing is saved. */
export async function updateSettings(ctx: EngineContext, patch: Partial<AppSettings>): Promise<AppSettings> {
  const c = await ctx.catalog();
  const copiesChanged = patch.copies !== undefined && JSON.stringify(patch.copies) !== JSON.stringify(storedCopiesOf(c));
  // Below the legal floor: RETENTION_LEGAL_FLOOR with the law's minimum; other mistakes name the field.
  const retention: RetentionPolicy | undefined = patch.retention === undefined ? undefined : { ...(await retentionPolicy(ctx)), ...patch.retention };
  const bad = settingsProblems(patch, { copiesChanged });
  if (retention) validateRetentionPolicy(retention);
  if (bad.length > 0) throw new EngineError('INVALID_SETTINGS', { reason: bad.join(', ') });
  const actor = osUser();
  if (patch.clinicName !== undefined) c.setSetting('clinic.name', patch.clinicName, actor);
  if (patch.shrinkGuardPercent !== undefined) c.setSetting('backup.shrinkGuardPercent', patch.shrinkGuardPercent, actor);
  if (patch.timeZone !== undefined) c.setSetting('clinic.timeZone', patch.timeZone, actor);
  // A channel saved again is untried: its last outcome (alertChannelHealth) no longer says how it fares.
  if (patch.alerts && 'email' in patch.alerts) c.deleteSetting('alerts.health.email', actor);
  if (patch.alerts && 'webhook' in patch.alerts) c.deleteSetting('alerts.health.webhook', actor);
  if (patch.alerts && 'email' in patch.alerts) {
    if (patch.alerts.email) c.setSetting('alerts.email', patch.alerts.email as unknown as JsonValue, actor);
    else c.deleteSetting('alerts.email', actor);
  }
  if (patch.alerts && 'webhook' in patch.alerts) {
    if (patch.alerts.webhook) c.setSetting('alerts.webhook', patch.alerts.webhook as unknown as JsonValue, actor);
    else c.deleteSetting('alerts.webhook', actor);
  }
  if (patch.language !== undefined) c.setSetting('language', patch.language, actor);
  if (retention) c.setSetting('retention', retention as unknown as JsonValue, actor);
  if (patch.source !== undefined) c.setSetting('source', patch.source as unknown as JsonValue, actor);
  if (patch.sources !== undefined) c.setSetting('sources', patch.sources as unknown as JsonValue, actor);
  if (patch.schedule) {
    c.setSetting('schedule.backup', patch.schedule.backup as unknown as JsonValue, actor);
    c.setSetting('schedule.drill', patch.schedule.drill as unknown as JsonValue, actor);
    for (const k of ['check', 'retention', 'summary', 'alerts'] as const) {
      const v = patch.schedule[k];
      if (v !== undefined) c.setSetting(`schedule.${k}`, v as unknown as JsonValue, actor);
    }
  }
  await ctx.bus.publish('settings-changed', {});
  ctx.emit({ type: 'status-changed' });
  return getSettings(ctx);
}
