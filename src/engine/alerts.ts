/**
 * Use cases: alerts — evaluating the rules and delivering what is due (also after every run, as a subscriber of
 * the event bus, and when the audit trail cannot be written), and the "send a test alert" button.
 */
import { type AlertChannel, AlertManager, alertStateOf, EmailChannel, type EmailChannelOptions, WebhookChannel, type WebhookChannelOptions } from '../alerts/index.js';
import { DEFAULT_SHRINK_GUARD_PERCENT } from '../archiver/index.js';
import type { AlertCheckResult } from '../shared/index.js';
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

function evaluateAndDeliver(ctx: EngineContext): Promise<AlertCheckResult> {
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
  if (e.raised.length > 0 || e.cleared.length > 0) ctx.emit({ type: 'status-changed' });
  return { raised: e.raised.length, cleared: e.cleared.length, active: e.active.length, delivered: d.delivered.length, failed: d.failed.length };
}

/** Evaluates the alert rules now and delivers what is due (also done after every run). */
export async function checkAlerts(ctx: EngineContext): Promise<AlertCheckResult> {
  const r = await evaluateAndDeliver(ctx);
  await ctx.audit.mirror();
  return r;
}

/** Sends a test alert through a configured channel ("email" or "webhook"). */
export async function sendTestAlert(ctx: EngineContext, channel: string): Promise<{ channel: string; sentAt: string }> {
  const r = await (await alertManager(ctx)).sendTest(channel);
  await ctx.audit.mirror();
  return r;
}

/**
 * Alerts follow what happens: after every run (an unreachable channel is retried later; a run is never turned into
 * a failure by its alerts) and whenever the audit trail cannot be written or catches up.
 */
export function installAlerts(ctx: EngineContext): void {
  ctx.bus.on('run-finished', 'alerts', async () => void (await evaluateAndDeliver(ctx)));
  ctx.bus.on('audit-state', 'alerts', async () => {
    // Without a catalog (no repository yet) there is nowhere to keep an alert: the audit trail keeps the entries.
    if ((await ctx.catalogIfAvailable()) === null) return;
    await evaluateAndDeliver(ctx);
  });
}
