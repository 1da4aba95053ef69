// Webhook alerts into a real HTTP receiver on 127.0.0.1: payload, HMAC signature, retries and their limits.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import path from 'node:path';
import { Catalog } from '../../src/catalog/catalog.js';
import { AlertManager } from '../../src/alerts/manager.js';
import { SIGNATURE_HEADER, WEBHOOK_SCHEMA, WebhookChannel, signWebhookBody, verifyWebhookSignature, type WebhookPayload } from '../../src/alerts/webhook.js';
import { testNotice } from '../../src/alerts/channel.js';
import { MemorySecretStore } from '../../src/secrets/memoryStore.js';
import { isEngineError } from '../../src/shared/errors.js';
import { tempDir } from '../support/tmp.js';
import { TestClock, freePort, startWebhookReceiver } from './support.js';

const H = 3_600_000;
const SIGNING_KEY = 'whsec_4c1f0b9e7a2d6358';
const CONTEXT = { clinicName: 'Clínica Vida', sourceName: 'HAPI' };

async function newCatalog(clock: TestClock): Promise<Catalog> {
  return Catalog.open(path.join(await tempDir('cb-alerts-webhook-'), 'catalog.db'), { clock }).catalog;
}

describe('WebhookChannel with a real HTTP receiver', () => {
  it('POSTs the documented JSON with a valid HMAC-SHA256 signature of the exact body', async () => {
    const rx = await startWebhookReceiver();
    const clock = new TestClock('2026-03-10T15:00:00.000Z');
    const catalog = await newCatalog(clock);
    const channel = new WebhookChannel({ url: rx.url, signingSecret: 'webhook-signing', secrets: new MemorySecretStore({ 'webhook-signing': SIGNING_KEY }), locale: 'en', timeoutMs: 3000 });
    const manager = new AlertManager({ catalog, clock, context: CONTEXT, channels: [{ channel }] });
    manager.evaluate({ destinations: [{ id: 'nas', label: 'NAS', lastSuccessAt: new Date(clock.now().getTime() - 30 * H) }] });
    const r = await manager.deliver();
    assert.deepEqual(r.failed, []);
    assert.equal(rx.requests.length, 1);
    const req = rx.requests[0]!;
    assert.equal(req.method, 'POST');
    assert.equal(req.url, '/hooks/clinic');
    assert.match(String(req.headers['content-type']), /^application\/json/);
    assert.equal(req.headers['x-clinic-backup-event'], 'alert');

    const header = req.headers[SIGNATURE_HEADER.toLowerCase()];
    assert.equal(typeof header, 'string');
    const independent = `sha256=${createHmac('sha256', SIGNING_KEY).update(req.body).digest('hex')}`;
    assert.equal(header, independent);
    assert.ok(verifyWebhookSignature(req.body, String(header), SIGNING_KEY));
    assert.ok(!verifyWebhookSignature(Buffer.concat([req.body, Buffer.from(' ')]), String(header), SIGNING_KEY), 'a changed body fails');
    assert.ok(!verifyWebhookSignature(req.body, String(header), 'another-key'));

    const p = JSON.parse(req.body.toString('utf8')) as WebhookPayload;
    assert.equal(p.schema, WEBHOOK_SCHEMA);
    assert.equal(p.event, 'alert');
    assert.equal(p.deliveryId, req.headers['x-clinic-backup-delivery']);
    assert.equal(p.sentAt, '2026-03-10T15:00:00.000Z');
    assert.deepEqual(p.clinic, { name: 'Clínica Vida', source: 'HAPI' });
    assert.equal(p.alert.key, 'stale:nas');
    assert.equal(p.alert.rule, 'stale');
    assert.equal(p.alert.severity, 'high');
    assert.equal(p.alert.messageKey, 'alerts.stale.message');
    assert.deepEqual(p.alert.params, { ageMinutes: 1800, destination: 'NAS', lastSuccessAt: '2026-03-09T09:00:00.000Z', rpoMinutes: 1440 });
    assert.equal(p.alert.locale, 'en');
    assert.equal(p.alert.title, 'Backup overdue on NAS');
    assert.match(p.alert.message, /30 hours ago/);
    assert.match(p.alert.fix, /Back up now/);
    assert.ok(!req.body.toString('utf8').includes(SIGNING_KEY));
    assert.deepEqual(catalog.listActiveAlerts()[0]!.notifiedChannels, ['webhook']);
    catalog.close();
  });

  it('a 500 is retried with growing delays, bounded, then the send fails and the manager records it', async () => {
    const rx = await startWebhookReceiver();
    rx.script([], 500);
    const clock = new TestClock('2026-03-10T15:00:00.000Z');
    const catalog = await newCatalog(clock);
    const channel = new WebhookChannel({ url: rx.url, maxAttempts: 4, baseDelayMs: 40, maxDelayMs: 100, timeoutMs: 3000 });
    const manager = new AlertManager({ catalog, clock, context: CONTEXT, channels: [{ channel }], retry: { baseDelayMs: 60_000, maxDelayMs: 3_600_000 } });
    manager.evaluate({ recoveryKit: { confirmed: false } });
    const r = await manager.deliver();
    assert.equal(rx.requests.length, 4, 'maxAttempts requests, no more');
    const gaps = rx.requests.slice(1).map((q, i) => q.at - rx.requests[i]!.at);
    assert.ok(gaps[0]! >= 35 && gaps[1]! >= 75 && gaps[2]! >= 95, `backoff 40, 80, 100 (capped): ${gaps.join(', ')}`);
    assert.ok(gaps[2]! < 1000, 'capped at maxDelayMs');
    const ids = new Set(rx.requests.map((q) => q.headers['x-clinic-backup-delivery']));
    assert.equal(ids.size, 1, 'one delivery id across the retries of one send');

    assert.equal(r.delivered.length, 0);
    assert.equal(r.failed.length, 1);
    assert.equal(r.failed[0]!.code, 'ALERT_CHANNEL_FAILED');
    assert.match(r.failed[0]!.reason, /HTTP 500 from http:\/\/127\.0\.0\.1:\d+$/);
    const stored = catalog.listActiveAlerts()[0]!;
    assert.equal(stored.deliveryAttempts, 1);
    assert.deepEqual(stored.notifiedChannels, []);
    assert.equal(stored.nextAttemptAt, '2026-03-10T15:01:00.000Z', 'the next round in one base delay');
    catalog.close();
  });

  it('a 500 then a 200 is delivered on the retry', async () => {
    const rx = await startWebhookReceiver();
    rx.script([500, 503], 200);
    const channel = new WebhookChannel({ url: rx.url, baseDelayMs: 5, timeoutMs: 3000 });
    await channel.send(testNotice(CONTEXT, new Date()));
    assert.equal(rx.requests.length, 3);
  });

  it('a 4xx is not retried and is not transient; the manager waits the longest delay', async () => {
    const rx = await startWebhookReceiver();
    rx.script([400], 200);
    const clock = new TestClock('2026-03-10T15:00:00.000Z');
    const catalog = await newCatalog(clock);
    const channel = new WebhookChannel({ url: rx.url, baseDelayMs: 5, timeoutMs: 3000 });
    await assert.rejects(channel.send(testNotice(CONTEXT, clock.now())), (e: unknown) => isEngineError(e, 'ALERT_CHANNEL_FAILED') && !e.transient && /HTTP 400/.test(String(e.details['reason'])));
    assert.equal(rx.requests.length, 1);

    rx.script([404], 200);
    const manager = new AlertManager({ catalog, clock, context: CONTEXT, channels: [{ channel }], retry: { baseDelayMs: 60_000, maxDelayMs: 2 * H } });
    manager.evaluate({ recoveryKit: { confirmed: false } });
    const r = await manager.deliver();
    assert.equal(r.failed.length, 1);
    assert.equal(rx.requests.length, 2);
    assert.equal(catalog.listActiveAlerts()[0]!.nextAttemptAt, '2026-03-10T17:00:00.000Z');
    catalog.close();
  });

  it('redirects are neither followed nor retried', async () => {
    const rx = await startWebhookReceiver();
    rx.script([302], 200);
    const channel = new WebhookChannel({ url: rx.url, baseDelayMs: 5, timeoutMs: 3000 });
    await assert.rejects(channel.send(testNotice(CONTEXT, new Date())), (e: unknown) => isEngineError(e, 'ALERT_CHANNEL_FAILED') && /HTTP 302/.test(String(e.details['reason'])));
    assert.equal(rx.requests.length, 1);
  });

  it('a receiver that does not answer times out, is retried, then fails', async () => {
    const rx = await startWebhookReceiver();
    rx.script([-1, -1], -1);
    const channel = new WebhookChannel({ url: rx.url, maxAttempts: 2, baseDelayMs: 5, timeoutMs: 200 });
    const started = Date.now();
    await assert.rejects(
      channel.send(testNotice(CONTEXT, new Date())),
      (e: unknown) => isEngineError(e, 'ALERT_CHANNEL_FAILED') && /no answer .* within 200 ms/.test(String(e.details['reason'])) && e.transient,
    );
    assert.equal(rx.requests.length, 2);
    assert.ok(Date.now() - started < 5000);
  });

  it('a closed port is a transient failure naming only the origin', async () => {
    const port = await freePort();
    const channel = new WebhookChannel({ url: `http://127.0.0.1:${port}/x`, maxAttempts: 2, baseDelayMs: 5, timeoutMs: 2000 });
    await assert.rejects(
      channel.send(testNotice(CONTEXT, new Date())),
      (e: unknown) => isEngineError(e, 'ALERT_CHANNEL_FAILED') && e.transient && String(e.details['reason']) === `http://127.0.0.1:${port} unreachable (ECONNREFUSED)`,
    );
  });

  it('a URL kept in the SecretStore is used and never shown in errors', async () => {
    const rx = await startWebhookReceiver();
    const token = 'T0KEN-in-path-8c2e';
    const secretUrl = `${rx.url}/${token}`;
    const secrets = new MemorySecretStore({ 'webhook-url': secretUrl });
    const channel = new WebhookChannel({ urlSecret: 'webhook-url', secrets, baseDelayMs: 5, maxAttempts: 2, timeoutMs: 3000 });
    await channel.send(testNotice(CONTEXT, new Date()));
    assert.equal(rx.requests[0]!.url, `/hooks/clinic/${token}`);
    rx.script([], 500);
    const err = await channel.send(testNotice(CONTEXT, new Date())).then(
      () => assert.fail('should fail'),
      (e: unknown) => e,
    );
    assert.ok(isEngineError(err, 'ALERT_CHANNEL_FAILED'));
    assert.ok(!JSON.stringify(err.details).includes(token) && !err.message.includes(token));
    await secrets.delete('webhook-url');
    await assert.rejects(
      channel.send(testNotice(CONTEXT, new Date())),
      (e: unknown) => isEngineError(e, 'ALERT_CHANNEL_FAILED') && String(e.details['reason']) === 'no webhook URL stored under "webhook-url"',
    );
  });

  it('refuses bad configuration', () => {
    const bad = [
      {},
      { url: 'ftp://example.test/x' },
      { url: 'http://user:pw@127.0.0.1/x' },
      { url: 'not a url' },
      { url: 'http://127.0.0.1/x', signingSecret: 'k' },
      { url: 'http://127.0.0.1/x', maxAttempts: 0 },
    ];
    for (const o of bad)
      assert.throws(
        () => new WebhookChannel(o),
        (e: unknown) => isEngineError(e, 'INVALID_ARGUMENT') && !JSON.stringify(e.details).includes('pw@'),
        JSON.stringify(o),
      );
  });

  it('signWebhookBody is HMAC-SHA256 in hex with the sha256= prefix', () => {
    assert.equal(signWebhookBody('{"a":1}', 'k'), `sha256=${createHmac('sha256', 'k').update('{"a":1}').digest('hex')}`);
    assert.equal(verifyWebhookSignature('x', undefined, 'k'), false);
    assert.equal(verifyWebhookSignature('x', 'sha256=00', 'k'), false);
  });
});
