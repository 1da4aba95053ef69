// AlertManager on a real SQLite catalog with real channels: deduplication, clearing, escalation,
// retries across an SMTP outage and a restart, events, test alerts, and secrets kept out of everything.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFile, readdir } from 'node:fs/promises';
import path from 'node:path';
import { Catalog } from '../../src/catalog/catalog.js';
import { AlertManager, worstSeverity, type AlertEvent, type AlertLogEntry } from '../../src/alerts/manager.js';
import { EmailChannel } from '../../src/alerts/email.js';
import { WebhookChannel } from '../../src/alerts/webhook.js';
import type { AlertChannel, AlertNotice } from '../../src/alerts/channel.js';
import type { AlertState } from '../../src/alerts/rules.js';
import { MemorySecretStore } from '../../src/secrets/memoryStore.js';
import { isEngineError } from '../../src/shared/errors.js';
import { toErrorInfo } from '../../src/i18n/index.js';
import { tempDir } from '../support/tmp.js';
import { TestClock, freePort, parseMail, startSmtp, startWebhookReceiver } from './support.js';

const H = 3_600_000;
const MIN = 60_000;
const CONTEXT = { clinicName: 'Clínica Vida', sourceName: 'HAPI' };

async function setup(clockIso = '2026-03-10T15:00:00.000Z'): Promise<{ clock: TestClock; file: string; catalog: Catalog }> {
  const clock = new TestClock(clockIso);
  const file = path.join(await tempDir('cb-alerts-mgr-'), 'catalog.db');
  return { clock, file, catalog: Catalog.open(file, { clock }).catalog };
}

function stale(clock: TestClock, hours: number): AlertState {
  return { destinations: [{ id: 'nas', label: 'NAS', lastSuccessAt: new Date(clock.now().getTime() - hours * H) }] };
}

/** A channel that keeps what it is given (for counting deliveries without a server). */
class Recorder implements AlertChannel {
  readonly notices: AlertNotice[] = [];
  constructor(readonly name: string) {}
  async send(notice: AlertNotice): Promise<void> {
    this.notices.push(notice);
  }
}

describe('AlertManager.evaluate: deduplication, escalation, clearing', () => {
  it('the same condition twice raises one alert and delivers it once', async () => {
    const { clock, catalog } = await setup();
    const rec = new Recorder('rec');
    const m = new AlertManager({ catalog, clock, context: CONTEXT, channels: [{ channel: rec }] });
    const first = m.evaluate(stale(clock, 30));
    assert.equal(first.raised.length, 1);
    assert.equal((await m.deliver()).delivered.length, 1);
    clock.advance(H);
    const second = m.evaluate(stale(clock, 31));
    assert.deepEqual(second.raised, []);
    assert.deepEqual(second.cleared, []);
    assert.equal(second.active.length, 1);
    assert.equal(second.active[0]!.id, first.raised[0]!.id);
    assert.equal(second.active[0]!.params['ageMinutes'], 31 * 60, 'params follow the current state');
    assert.equal((await m.deliver()).delivered.length, 0);
    assert.equal(rec.notices.length, 1);
    assert.equal(catalog.listAlerts().length, 1);
    catalog.close();
  });

  it('clears the alert when the cause is gone, and a new occurrence is a new alert', async () => {
    const { clock, catalog } = await setup();
    const rec = new Recorder('rec');
    const events: AlertEvent[] = [];
    const m = new AlertManager({ catalog, clock, context: CONTEXT, channels: [{ channel: rec }] });
    m.on((e) => events.push(e));
    const raised = m.evaluate(stale(clock, 30)).raised[0]!;
    await m.deliver();
    clock.advance(MIN);
    const fixed = m.evaluate(stale(clock, 0.1));
    assert.equal(fixed.cleared.length, 1);
    assert.equal(fixed.cleared[0]!.clearedAt, clock.now().toISOString());
    assert.deepEqual(fixed.active, []);
    clock.advance(2 * 24 * H);
    const again = m.evaluate(stale(clock, 30));
    assert.equal(again.raised.length, 1);
    assert.notEqual(again.raised[0]!.id, raised.id);
    await m.deliver();
    // The alert; then, in the next round, the new occurrence and the first one's single "resolved" message.
    assert.deepEqual(
      rec.notices.map((n) => `${n.kind}:${n.alert.id}`),
      [`alert:${raised.id}`, `alert:${again.raised[0]!.id}`, `resolved:${raised.id}`],
    );
    await m.deliver();
    assert.equal(rec.notices.length, 3, 'a resolution is sent once');
    assert.deepEqual(
      events.map((e) => e.type),
      ['raised', 'delivered', 'cleared', 'raised', 'delivered', 'resolution-delivered'],
    );
    const audit = catalog.listAudit().map((a) => a.action);
    assert.deepEqual(audit, ['alert.raised', 'alert.cleared', 'alert.raised']);
    catalog.close();
  });

  it('an escalation is delivered again; a de-escalation is not', async () => {
    const { clock, catalog } = await setup();
    const rec = new Recorder('rec');
    const m = new AlertManager({ catalog, clock, context: CONTEXT, channels: [{ channel: rec }] });
    const disk = (free: number): AlertState => ({ destinations: [{ id: 'nas', capacity: { totalBytes: 1000, freeBytes: free } }] });
    m.evaluate(disk(150));
    await m.deliver();
    const up = m.evaluate(disk(30));
    assert.equal(up.escalated.length, 1);
    assert.equal(up.escalated[0]!.severity, 'high');
    await m.deliver();
    m.evaluate(disk(150));
    await m.deliver();
    assert.deepEqual(
      rec.notices.map((n) => n.alert.severity),
      ['medium', 'high'],
    );
    assert.equal(m.active()[0]!.severity, 'high', 'severity only goes up while active');
    catalog.close();
  });

  it('leaves alone what the state does not speak about and alerts of other rules', async () => {
    const { clock, catalog } = await setup();
    const m = new AlertManager({ catalog, clock, context: CONTEXT });
    catalog.upsertAlert({ rule: 'engine', key: 'engine:catalog-rebuilt', severity: 'low', messageKey: 'catalog.rebuilt.malformed' });
    m.evaluate({ recoveryKit: { confirmed: false }, destinations: [{ id: 'nas', capacity: { totalBytes: 10, freeBytes: 1 } }] });
    assert.equal(m.active().length, 3);
    const r = m.evaluate({ destinations: [{ id: 'nas', capacity: null }] });
    assert.deepEqual(r.cleared, [], 'kit unknown and capacity unknown: nothing cleared');
    const r2 = m.evaluate({ destinations: [], recoveryKit: { confirmed: true } });
    assert.deepEqual(r2.cleared.map((a) => a.key).sort(), ['disk:nas', 'kit']);
    assert.deepEqual(
      m.active().map((a) => a.key),
      ['engine:catalog-rebuilt'],
    );
    catalog.close();
  });

  it('listeners that throw do not break evaluation; unsubscribe works', async () => {
    const { clock, catalog } = await setup();
    const logs: AlertLogEntry[] = [];
    const m = new AlertManager({ catalog, clock, context: CONTEXT, log: (e) => logs.push(e) });
    const seen: string[] = [];
    m.on(() => {
      throw new Error('broken listener');
    });
    const off = m.on((e) => seen.push(e.type));
    m.evaluate({ recoveryKit: { confirmed: false } });
    off();
    m.evaluate({ recoveryKit: { confirmed: true } });
    assert.deepEqual(seen, ['raised']);
    assert.ok(logs.some((l) => l.event === 'listener-failed'));
    catalog.close();
  });

  it('worstSeverity gives the tray state', () => {
    assert.equal(worstSeverity([]), null);
    assert.equal(worstSeverity([{ severity: 'medium' }, { severity: 'critical' }, { severity: 'high' }]), 'critical');
  });
});

describe('AlertManager.deliver: channels, severities and retries', () => {
  it('respects minSeverity per channel', async () => {
    const { clock, catalog } = await setup();
    const all = new Recorder('all');
    const urgent = new Recorder('urgent');
    const m = new AlertManager({ catalog, clock, context: CONTEXT, channels: [{ channel: all }, { channel: urgent, minSeverity: 'high' }] });
    m.evaluate({ recoveryKit: { confirmed: false }, destinations: [{ id: 'nas', integrity: { ok: false, checkedAt: clock.now() } }] });
    await m.deliver();
    assert.deepEqual(all.notices.map((n) => n.alert.key).sort(), ['integrity:nas', 'kit']);
    assert.deepEqual(
      urgent.notices.map((n) => n.alert.key),
      ['integrity:nas'],
    );
    assert.equal(m.nextDeliveryAt(), null, 'nothing owed');
  });

  it('SMTP down: the alert is kept, retried with growing delays, delivered when the server is back, even after a restart', async () => {
    const { clock, file, catalog } = await setup();
    const port = await freePort();
    const mkEmail = (): EmailChannel => new EmailChannel({ host: '127.0.0.1', port, security: 'none', from: 'a@clinica.test', to: ['dra@clinica.test'], timeoutMs: 3000 });
    const events: AlertEvent[] = [];
    let m = new AlertManager({ catalog, clock, context: CONTEXT, channels: [{ channel: mkEmail() }], retry: { baseDelayMs: MIN, maxDelayMs: 10 * MIN } });
    m.on((e) => events.push(e));
    m.evaluate(stale(clock, 30));

    const r1 = await m.deliver();
    assert.equal(r1.failed.length, 1);
    assert.match(r1.failed[0]!.reason, /SMTP server unreachable \(ECONNREFUSED\)/);
    let a = catalog.listActiveAlerts()[0]!;
    assert.equal(a.deliveryAttempts, 1);
    assert.equal(a.nextAttemptAt, '2026-03-10T15:01:00.000Z');
    assert.deepEqual(a.notifiedChannels, []);
    assert.equal(m.nextDeliveryAt()?.toISOString(), '2026-03-10T15:01:00.000Z');

    const early = await m.deliver();
    assert.deepEqual({ d: early.delivered.length, f: early.failed.length, w: early.waiting }, { d: 0, f: 0, w: 1 }, 'not before next_attempt_at');

    clock.set('2026-03-10T15:01:00.000Z');
    await m.deliver();
    a = catalog.listActiveAlerts()[0]!;
    assert.equal(a.deliveryAttempts, 2);
    assert.equal(a.nextAttemptAt, '2026-03-10T15:03:00.000Z', 'second retry after 2 min');
    clock.set('2026-03-10T15:03:00.000Z');
    await m.deliver();
    clock.set(catalog.listActiveAlerts()[0]!.nextAttemptAt!);
    await m.deliver();
    a = catalog.listActiveAlerts()[0]!;
    assert.equal(a.deliveryAttempts, 4);
    assert.equal(a.nextAttemptAt, '2026-03-10T15:15:00.000Z', '1, 2, 4, then 8 min');
    for (let i = 0; i < 6; i++) {
      clock.set(catalog.listActiveAlerts()[0]!.nextAttemptAt!);
      await m.deliver();
    }
    a = catalog.listActiveAlerts()[0]!;
    assert.equal(Date.parse(a.nextAttemptAt!) - clock.now().getTime(), 10 * MIN, 'capped at maxDelayMs');
    assert.equal(events.filter((e) => e.type === 'delivery-failed').length, 10);

    // The process restarts: a new catalog handle and manager find the alert still owed.
    catalog.close();
    const reopened = Catalog.open(file, { clock }).catalog;
    m = new AlertManager({ catalog: reopened, clock, context: CONTEXT, channels: [{ channel: mkEmail() }], retry: { baseDelayMs: MIN, maxDelayMs: 10 * MIN } });
    const smtp = await startSmtp({ port });
    clock.set(reopened.listActiveAlerts()[0]!.nextAttemptAt!);
    const r = await m.deliver();
    assert.equal(r.delivered.length, 1);
    assert.equal(smtp.mails.length, 1);
    assert.match(parseMail(smtp.mails[0]!.raw).subject, /^\[Clinic Backup\] ALTA: Backup atrasado em NAS/);
    a = reopened.listActiveAlerts()[0]!;
    assert.deepEqual(a.notifiedChannels, ['email']);
    assert.equal(a.nextAttemptAt, null);
    assert.equal((await m.deliver()).delivered.length, 0, 'delivered once');
    reopened.close();
  });

  it('one channel failing does not resend on the one that worked', async () => {
    const { clock, catalog } = await setup();
    const rx = await startWebhookReceiver();
    rx.script([], 503);
    const rec = new Recorder('rec');
    const hook = new WebhookChannel({ url: rx.url, maxAttempts: 1, timeoutMs: 2000 });
    const m = new AlertManager({ catalog, clock, context: CONTEXT, channels: [{ channel: rec }, { channel: hook }] });
    m.evaluate({ recoveryKit: { confirmed: false } });
    const r1 = await m.deliver();
    assert.deepEqual([r1.delivered.map((d) => d.channel), r1.failed.map((f) => f.channel)], [['rec'], ['webhook']]);
    let a = catalog.listActiveAlerts()[0]!;
    assert.deepEqual(a.notifiedChannels, ['rec']);
    assert.ok(a.nextAttemptAt !== null, 'the failure keeps a retry time even though another channel succeeded');
    rx.script([], 204);
    clock.set(a.nextAttemptAt);
    const r2 = await m.deliver();
    assert.deepEqual(
      r2.delivered.map((d) => d.channel),
      ['webhook'],
    );
    assert.equal(rec.notices.length, 1);
    a = catalog.listActiveAlerts()[0]!;
    assert.deepEqual([...a.notifiedChannels].sort(), ['rec', 'webhook']);
    catalog.close();
  });

  it('concurrent deliver() calls share one round', async () => {
    const { clock, catalog } = await setup();
    const rx = await startWebhookReceiver();
    const m = new AlertManager({ catalog, clock, context: CONTEXT, channels: [{ channel: new WebhookChannel({ url: rx.url, timeoutMs: 2000 }) }] });
    m.evaluate({ recoveryKit: { confirmed: false } });
    const [a, b] = await Promise.all([m.deliver(), m.deliver()]);
    assert.equal(a, b);
    assert.equal(rx.requests.length, 1);
    catalog.close();
  });

  it('sendTest sends through one channel and is audited; failures and unknown channels are errors', async () => {
    const { clock, catalog } = await setup();
    const smtp = await startSmtp();
    const email = new EmailChannel({ host: '127.0.0.1', port: smtp.port, security: 'none', from: 'a@clinica.test', to: ['dra@clinica.test'], locale: 'en', timeoutMs: 3000 });
    const broken = new EmailChannel({ name: 'email-old', host: '127.0.0.1', port: await freePort(), security: 'none', from: 'a@clinica.test', to: ['x@clinica.test'], timeoutMs: 3000 });
    const m = new AlertManager({ catalog, clock, context: CONTEXT, channels: [{ channel: email }, { channel: broken }] });
    assert.deepEqual(await m.sendTest('email'), { channel: 'email', sentAt: clock.now().toISOString() });
    const mail = parseMail(smtp.mails[0]!.raw);
    assert.equal(mail.subject, '[Clinic Backup] Test alert — Clínica Vida');
    assert.match(mail.text, /alerts are getting through/);
    await assert.rejects(m.sendTest('email-old'), (e: unknown) => isEngineError(e, 'SMTP_UNREACHABLE') && e.details['channel'] === 'email-old');
    await assert.rejects(m.sendTest('pager'), (e: unknown) => isEngineError(e, 'NOT_FOUND'));
    assert.deepEqual(
      catalog.listAudit().map((a) => [a.action, (a.details as { ok?: boolean }).ok]),
      [
        ['alert.test', true],
        ['alert.test', false],
      ],
    );
    assert.deepEqual(catalog.listAlerts(), [], 'a test stores no alert');
    catalog.close();
  });

  it('refuses duplicate channel names and a bad retry policy', async () => {
    const { catalog } = await setup();
    assert.throws(
      () => new AlertManager({ catalog, context: CONTEXT, channels: [{ channel: new Recorder('a') }, { channel: new Recorder('a') }] }),
      (e: unknown) => isEngineError(e, 'INVALID_ARGUMENT'),
    );
    assert.throws(
      () => new AlertManager({ catalog, context: CONTEXT, retry: { baseDelayMs: 10, maxDelayMs: 5 } }),
      (e: unknown) => isEngineError(e, 'INVALID_ARGUMENT'),
    );
    catalog.close();
  });
});

describe('secrets never leave the SecretStore', () => {
  it('the SMTP password, signing key and secret URL appear in no mail, webhook, log, event, error, audit or catalog file', async () => {
    const SMTP_PASSWORD = 'smtp-PW-e81b44c0d9';
    const SIGNING_KEY = 'sign-KEY-0f9a7c3b21';
    const URL_TOKEN = 'url-TOKEN-5d6e7f8091';
    const secretValues = [SMTP_PASSWORD, SIGNING_KEY, URL_TOKEN];
    const { clock, file, catalog } = await setup();
    const smtp = await startSmtp({ login: { user: 'alerts', pass: SMTP_PASSWORD } });
    const rx = await startWebhookReceiver();
    const secrets = new MemorySecretStore({ 'smtp-password': SMTP_PASSWORD, 'hook-sign': SIGNING_KEY, 'hook-url': `${rx.url}/${URL_TOKEN}` });
    const logs: AlertLogEntry[] = [];
    const events: AlertEvent[] = [];
    const errors: unknown[] = [];
    const email = new EmailChannel({
      host: '127.0.0.1',
      port: smtp.port,
      security: 'none',
      username: 'alerts',
      passwordSecret: 'smtp-password',
      secrets,
      from: 'a@clinica.test',
      to: ['dra@clinica.test'],
      timeoutMs: 3000,
    });
    const hook = new WebhookChannel({ urlSecret: 'hook-url', signingSecret: 'hook-sign', secrets, maxAttempts: 2, baseDelayMs: 5, timeoutMs: 3000 });
    const m = new AlertManager({ catalog, clock, context: CONTEXT, channels: [{ channel: email }, { channel: hook }], log: (e) => logs.push(e) });
    m.on((e) => events.push(e));

    // Success on both channels.
    m.evaluate({ destinations: [{ id: 'nas', lastSuccessAt: new Date(clock.now().getTime() - 30 * H), integrity: { ok: false, checkedAt: clock.now() } }], recoveryKit: { confirmed: false } });
    const ok = await m.deliver();
    assert.equal(ok.delivered.length, 6);
    await m.sendTest('email');
    await m.sendTest('webhook');

    // Failures on both: wrong password at the server, receiver erroring.
    await secrets.set('smtp-password', `${SMTP_PASSWORD}-but-wrong`);
    secretValues.push(`${SMTP_PASSWORD}-but-wrong`);
    rx.script([], 500);
    clock.advance(H);
    m.evaluate({ destinations: [{ id: 'nas', lastSuccessAt: new Date(clock.now().getTime() - 30 * H), capacity: { totalBytes: 10, freeBytes: 1 } }], recoveryKit: { confirmed: false } });
    const bad = await m.deliver();
    assert.equal(bad.failed.length, 2);
    for (const ch of ['email', 'webhook']) await m.sendTest(ch).catch((e: unknown) => errors.push(e));
    assert.equal(errors.length, 2);
    catalog.close();

    const catalogBytes = await Promise.all((await readdir(path.dirname(file))).filter((f) => f.startsWith('catalog.db')).map((f) => readFile(path.join(path.dirname(file), f))));
    const outputs: [string, string][] = [
      ...smtp.mails.map((x, i): [string, string] => [`mail ${i}`, x.raw]),
      ...rx.requests.map((q, i): [string, string] => [`webhook ${i}`, `${JSON.stringify(q.headers)}\n${q.body.toString('utf8')}`]),
      ['logs', JSON.stringify(logs)],
      ['events', JSON.stringify(events)],
      ['results', JSON.stringify([ok, bad])],
      ...errors.flatMap((e, i): [string, string][] => [
        [`error ${i}`, `${String(e)} ${JSON.stringify(e)} ${(e as Error).stack ?? ''}`],
        [`errorInfo ${i}`, JSON.stringify([toErrorInfo(e, 'pt-BR'), toErrorInfo(e, 'en')])],
      ]),
      ...catalogBytes.map((b, i): [string, string] => [`catalog file ${i}`, b.toString('latin1')]),
    ];
    assert.ok(smtp.mails.length >= 4 && rx.requests.length >= 4, 'there was traffic to inspect');
    for (const [where, text] of outputs) {
      for (const s of secretValues) assert.ok(!text.includes(s), `${where} contains a secret`);
    }
    // The webhook URL token was used (it is the receiver's path), but only on the wire to the receiver itself.
    assert.ok(rx.requests.every((q) => q.url.endsWith(URL_TOKEN)));
  });
});
