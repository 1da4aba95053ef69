/**
 * Use cases: alerts — evaluating the rules and delivering what is due (also after every run, as a subscriber of
 * the event bus, and when the audit trail cannot be written), and the "send a test alert" button.
 */
import { type AlertChannel, AlertManager, alertStateOf, EmailChannel, type EmailChannelOptions, WebhookChannel, type WebhookChannelOptions } from '../alerts/index.js';
import { type AlertChannelHealth, type AlertCheckResult, DEFAULT_SHRINK_GUARD_PERCENT, EngineError, type ErrorCode, type ErrorDetails, isEngineError } from '../shared/index.js';
import type { JsonValue } from '../catalog/index.js';
import { toErrorInfo } from '../i18n/index.js';
import type { EngineContext } from './context.js';
import { capacityOf, destinations } from './copies.js';
import { recoveryKitStatus } from './keys.js';
import { clinicTimeZone, getSettings } from './settings.js';

/** Alert channels from settings; secret values are looked up by name in the credential store at send time. */
async function alertManager(ctx: EngineContext): Promise<AlertManager> {
  const catalog = await ctx.catalog();
  const locale = ctx.locale;
  const channels: { channel: AlertChannel }[] = [];
  const email = catalog.getSetting('alerts.email') as Omit<EmailChannelOptions, 'secrets'> | undefined;
  const webhook = catalog.getSetting('alerts.webhook') as Omit<WebhookChannelOptions, 'secrets'> | undefined;
  const secrets = email?.passwordSecret || webhook?.signingSecret || webhook?.urlSecret ? await ctx.credentialStore() : undefined;
  const timeZone = await clinicTimeZone(ctx);
  if (email) channels.push({ channel: new EmailChannel({ ...email, locale, timeZone, ...(secrets ? { secrets } : {}) }) });
  if (webhook) channels.push({ channel: new WebhookChannel({ ...webhook, locale, timeZone, ...(secrets ? { secrets } : {}) }) });
  const clinicName = (catalog.getSetting('clinic.name') as string | undefined) ?? 'Clinic Backup';
  return new AlertManager({ catalog, channels, clock: ctx.clock, context: { clinicName, sourceName: (await getSettings(ctx)).source?.url ?? ctx.location } });
}

/**
 * One evaluation and delivery at a time per engine: the alert job, a finished run and a manual check may come
 * together, and two rounds reading the same "not yet sent" alert would each send it.
 */
const rounds = new WeakMap<EngineContext, Promise<unknown>>();

export function evaluateAndDeliver(ctx: EngineContext): Promise<AlertCheckResult> {
  const previous = rounds.get(ctx) ?? Promise.resolve();
  const next = previous.catch(() => undefined).then(() => evaluateAndDeliverNow(ctx));
  rounds.set(ctx, next);
  return next;
}

/** Evaluates the rules against the current state and delivers what is due (without mirroring the audit trail). */
async function evaluateAndDeliverNow(ctx: EngineContext): Promise<AlertCheckResult> {
  const manager = await alertManager(ctx);
  const repo = await ctx.repo();
  const catalog = await ctx.catalog();
  const state = alertStateOf({
    catalog,
    location: ctx.location,
    manifests: await repo.listSnapshots(),
    capacity: await capacityOf(ctx, repo.backend),
    destinations: await destinations(ctx),
    since: (catalog.getSetting('recoveryKit.createdAt') as string | undefined) ?? repo.config.created,
    kitConfirmed: (await recoveryKitStatus(ctx)).confirmed,
    shrinkGuardPercent: (await getSettings(ctx)).shrinkGuardPercent ?? DEFAULT_SHRINK_GUARD_PERCENT,
    audit: ctx.audit.state(),
  });
  const e = manager.evaluate(state);
  const d = await manager.deliver();
  // Real deliveries tell how a channel fares too: a failed one is not shown as working.
  for (const f of d.failed) await recordHealth(ctx, f.channel, new EngineError(f.code, { ...f.details, channel: f.channel, reason: f.reason }));
  for (const ok of d.delivered) await recordHealth(ctx, ok.channel, null);
  if (e.raised.length > 0 || e.cleared.length > 0) ctx.emit({ type: 'status-changed' });
  return { raised: e.raised.length, cleared: e.cleared.length, active: e.active.length, delivered: d.delivered.length, failed: d.failed.length };
}

/** Evaluates the alert rules now and delivers what is due (also done after every run). */
export async function checkAlerts(ctx: EngineContext): Promise<AlertCheckResult> {
  const r = await evaluateAndDeliver(ctx);
  await ctx.audit.mirror();
  return r;
}

interface StoredHealth {
  readonly ok: boolean;
  readonly at: string;
  readonly code: ErrorCode | null;
  readonly details: ErrorDetails;
}

const HEALTH_CHANNELS = ['email', 'webhook'] as const;

/** Keeps how a channel last fared (secret-free: the error's code and its details, which never carry one). */
async function recordHealth(ctx: EngineContext, channel: string, err: unknown): Promise<void> {
  if (!(HEALTH_CHANNELS as readonly string[]).includes(channel)) return;
  const catalog = await ctx.catalog();
  const at = ctx.clock.now().toISOString();
  const health: StoredHealth =
    err === null
      ? { ok: true, at, code: null, details: {} }
      : isEngineError(err)
        ? { ok: false, at, code: err.code, details: err.details }
        : { ok: false, at, code: 'ALERT_CHANNEL_FAILED', details: { channel, reason: 'error' } };
  catalog.setSetting(`alerts.health.${channel}`, health as unknown as JsonValue);
}

/** Sends a test alert through a configured channel ("email" or "webhook"); the outcome is kept (alertChannelHealth). */
export async function sendTestAlert(ctx: EngineContext, channel: string): Promise<{ channel: string; sentAt: string }> {
  let r: { channel: string; sentAt: string };
  try {
    r = await (await alertManager(ctx)).sendTest(channel);
  } catch (err) {
    if (!isEngineError(err, 'NOT_FOUND')) await recordHealth(ctx, channel, err);
    throw err;
  }
  await recordHealth(ctx, channel, null);
  await ctx.audit.mirror();
  return r;
}

/** How each channel last fared, its error in the user's words: a channel whose test failed is not shown as working. */
export async function alertChannelHealth(ctx: EngineContext): Promise<{ email: AlertChannelHealth | null; webhook: AlertChannelHealth | null }> {
  const catalog = await ctx.catalog();
  const read = (channel: (typeof HEALTH_CHANNELS)[number]): AlertChannelHealth | null => {
    const h = catalog.getSetting(`alerts.health.${channel}`) as StoredHealth | undefined;
    if (!h || typeof h.ok !== 'boolean') return null;
    if (h.ok || h.code === null) return { ok: true, at: h.at, code: null, message: null };
    return { ok: false, at: h.at, code: h.code, message: toErrorInfo(new EngineError(h.code, h.details), ctx.locale).message };
  };
  return { email: read('email'), webhook: read('webhook') };
}
