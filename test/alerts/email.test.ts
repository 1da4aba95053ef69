// E-mail alerts through nodemailer into a real SMTP server (smtp-server) on 127.0.0.1.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { Catalog } from '../../src/catalog/catalog.js';
import { AlertManager } from '../../src/alerts/manager.js';
import { EmailChannel, renderAlertEmail } from '../../src/alerts/email.js';
import { testNotice, type AlertNotice } from '../../src/alerts/channel.js';
import { MemorySecretStore } from '../../src/secrets/memoryStore.js';
import { isEngineError } from '../../src/shared/errors.js';
import { toErrorInfo } from '../../src/i18n/index.js';
import { tempDir } from '../support/tmp.js';
import { TestClock, freePort, parseMail, startSmtp } from './support.js';

const H = 3_600_000;
const SMTP_PASSWORD = 'smtp-Pa55w0rd-9f3c1e7a';
const CONTEXT = { clinicName: 'Clínica Vida & Saúde', sourceName: 'Prontuário HAPI (10.0.0.5)' };

async function catalogAt(clock: TestClock): Promise<Catalog> {
  return Catalog.open(path.join(await tempDir('cb-alerts-email-'), 'catalog.db'), { clock }).catalog;
}

/** One stale-backup alert (last success 30 h before "now") sent through a fresh manager. */
async function sendStale(locale: 'pt-BR' | 'en'): Promise<{ raw: string; user: string | null; to: readonly string[] }> {
  const smtp = await startSmtp({ login: { user: 'alerts@clinica.test', pass: SMTP_PASSWORD } });
  const clock = new TestClock('2026-03-10T15:00:00.000Z');
  const catalog = await catalogAt(clock);
  const secrets = new MemorySecretStore({ 'smtp-password': SMTP_PASSWORD });
  const email = new EmailChannel({
    host: '127.0.0.1',
    port: smtp.port,
    security: 'none',
    username: 'alerts@clinica.test',
    passwordSecret: 'smtp-password',
    secrets,
    from: 'Clinic Backup <alerts@clinica.test>',
    to: ['dra.ana@clinica.test', 'ti@clinica.test'],
    locale,
    timeZone: 'America/Sao_Paulo',
    timeoutMs: 5000,
  });
  const manager = new AlertManager({ catalog, clock, context: CONTEXT, channels: [{ channel: email }] });
  manager.evaluate({ destinations: [{ id: 'nas', label: 'NAS da recepção', lastSuccessAt: new Date(clock.now().getTime() - 30 * H) }] });
  const result = await manager.deliver();
  assert.equal(result.failed.length, 0, JSON.stringify(result.failed));
  assert.equal(result.delivered.length, 1);
  assert.equal(smtp.mails.length, 1);
  catalog.close();
  const mail = smtp.mails[0]!;
  return { raw: mail.raw, user: mail.user, to: mail.to };
}

describe('EmailChannel with a real SMTP server', () => {
  it('delivers the stale-backup alert in pt-BR: severity in the subject, what, since when, what to do, clinic and source', async () => {
    const { raw, user, to } = await sendStale('pt-BR');
    assert.equal(user, 'alerts@clinica.test', 'logged in with the password from the SecretStore');
    assert.deepEqual([...to].sort(), ['dra.ana@clinica.test', 'ti@clinica.test']);
    const mail = parseMail(raw);
    assert.equal(mail.subject, '[Clinic Backup] ALTA: Backup atrasado em NAS da recepção — Clínica Vida & Saúde');
    assert.equal(mail.headers.get('x-clinic-backup-severity'), 'high');
    assert.equal(mail.headers.get('x-clinic-backup-alert'), 'stale:nas');
    for (const body of [mail.text, mail.html]) {
      assert.match(body, /há 30 horas/);
      assert.match(body, /09\/03\/2026,? 06:00 BRT \(há 30 horas\)/, 'since when: the last success in the clinic time zone (15:00Z − 30 h = 09:00Z = 06:00 BRT)');
      assert.match(body, /O limite combinado \(RPO\) é de 24 horas/);
      assert.match(body, /O que aconteceu/);
      assert.match(body, /Desde quando/);
      assert.match(body, /O que fazer/);
      assert.match(body, /Fazer backup agora/);
      assert.match(body, /Prontuário HAPI \(10\.0\.0\.5\)/);
    }
    assert.match(mail.text, /Clínica Vida & Saúde/);
    assert.match(mail.html, /Clínica Vida &amp; Saúde/, 'HTML is escaped');
    assert.match(mail.html, /<html lang="pt-BR">/);
    assert.ok(!raw.includes(SMTP_PASSWORD));
  });

  it('delivers the same alert in English', async () => {
    const { raw } = await sendStale('en');
    const mail = parseMail(raw);
    assert.equal(mail.subject, '[Clinic Backup] HIGH: Backup overdue on NAS da recepção — Clínica Vida & Saúde');
    for (const body of [mail.text, mail.html]) {
      assert.match(body, /30 hours ago/);
      assert.match(body, /03\/09\/2026,? 06:00\sAM GMT-3 \(30 hours ago\)/, 'since when: the last success, in the clinic time zone');
      assert.match(body, /The agreed limit \(RPO\) is 24 hours/);
      assert.match(body, /What happened/);
      assert.match(body, /What to do/);
      assert.match(body, /Back up now/);
    }
    assert.match(mail.html, /<html lang="en">/);
  });

  it('uses STARTTLS when asked, and refuses an untrusted certificate unless told otherwise', async () => {
    const smtp = await startSmtp({ tls: true });
    const clock = new TestClock('2026-03-10T15:00:00.000Z');
    const notice = testNotice(CONTEXT, clock.now());
    const strict = new EmailChannel({ host: '127.0.0.1', port: smtp.port, security: 'starttls', from: 'a@clinica.test', to: ['b@clinica.test'], timeoutMs: 5000 });
    await assert.rejects(strict.send(notice), (e: unknown) => isEngineError(e, 'SMTP_TLS') && /TLS/.test(String(e.details['reason'])) && e.details['port'] === smtp.port && !e.transient);
    const relaxed = new EmailChannel({ host: '127.0.0.1', port: smtp.port, security: 'starttls', rejectUnauthorized: false, from: 'a@clinica.test', to: ['b@clinica.test'], timeoutMs: 5000 });
    await relaxed.send(notice);
    assert.equal(smtp.mails.length, 1);
    assert.equal(parseMail(smtp.mails[0]!.raw).subject, '[Clinic Backup] Alerta de teste — Clínica Vida & Saúde');
  });

  it('a wrong password is SMTP_AUTH naming the user, without the password in the error, in any language', async () => {
    const smtp = await startSmtp({ login: { user: 'alerts', pass: 'the-right-one' } });
    const wrong = 'wr0ng-S3cret-b7d2';
    const ch = new EmailChannel({
      host: '127.0.0.1',
      port: smtp.port,
      security: 'none',
      username: 'alerts',
      passwordSecret: 'smtp-password',
      secrets: new MemorySecretStore({ 'smtp-password': wrong }),
      from: 'a@clinica.test',
      to: ['b@clinica.test'],
      timeoutMs: 5000,
    });
    const err = await ch.send(testNotice(CONTEXT, new Date())).then(
      () => assert.fail('should fail'),
      (e: unknown) => e,
    );
    assert.ok(isEngineError(err, 'SMTP_AUTH'));
    assert.match(String(err.details['reason']), /authentication failed \(SMTP 535\)/);
    assert.equal(err.details['username'], 'alerts');
    assert.equal(toErrorInfo(err, 'pt-BR').message, `O servidor de e-mail 127.0.0.1 recusou o usuário 'alerts' com essa senha. Confira os campos "Usuário" e "Senha do e-mail".`);
    assert.equal(err.transient, false);
    assert.equal(smtp.authFailures, 1);
    const texts = [err.message, JSON.stringify(err.details), String(err.stack), JSON.stringify(toErrorInfo(err, 'pt-BR')), JSON.stringify(toErrorInfo(err, 'en'))];
    for (const text of texts) assert.ok(!text.includes(wrong), text);
    assert.equal(err.cause, undefined, 'no cause attached (the library error could carry anything)');
  });

  it('a missing password secret or a closed port fail with a plain reason', async () => {
    const missing = new EmailChannel({
      host: '127.0.0.1',
      port: await freePort(),
      security: 'none',
      username: 'alerts',
      passwordSecret: 'smtp-password',
      secrets: new MemorySecretStore(),
      from: 'a@clinica.test',
      to: ['b@clinica.test'],
    });
    await assert.rejects(
      missing.send(testNotice(CONTEXT, new Date())),
      (e: unknown) => isEngineError(e, 'ALERT_CHANNEL_FAILED') && /^no SMTP login stored under "smtp-password"$/.test(String(e.details['reason'])),
    );
    const port = await freePort();
    const closed = new EmailChannel({ host: '127.0.0.1', port, security: 'none', from: 'a@clinica.test', to: ['b@clinica.test'], timeoutMs: 3000 });
    const err = await closed.send(testNotice(CONTEXT, new Date())).then(
      () => assert.fail('should fail'),
      (e: unknown) => e,
    );
    assert.ok(isEngineError(err, 'SMTP_UNREACHABLE') && /ECONNREFUSED/.test(String(err.details['reason'])) && err.transient);
    assert.equal(toErrorInfo(err, 'pt-BR').message, `O servidor de e-mail 127.0.0.1 não respondeu na porta ${port}. Confira os campos "Servidor de e-mail (SMTP)" e "Porta" e a internet da clínica.`);
    assert.match(toErrorInfo(err, 'en').message, new RegExp(`did not answer on port ${port}`));
  });

  it('an address the server does not know is named: the recipient, or the sender', async () => {
    const smtp = await startSmtp({ unknownRecipients: ['recepcao@clinica.test', 'dr.joao@clinica.test'], refusedSenders: ['outro@clinica.test'] });
    const send = (from: string, to: string[]) =>
      new EmailChannel({ host: '127.0.0.1', port: smtp.port, security: 'none', from, to, timeoutMs: 5000 }).send(testNotice(CONTEXT, new Date())).then(
        () => assert.fail('should fail'),
        (e: unknown) => e,
      );
    const only = await send('backup@clinica.test', ['recepcao@clinica.test']);
    assert.ok(isEngineError(only, 'SMTP_RECIPIENT_UNKNOWN'), String(only));
    assert.equal(only.details['address'], 'recepcao@clinica.test');
    assert.equal(only.details['field'], 'email.to');
    assert.equal(only.transient, false, 'a 5xx answer is not retried');
    assert.equal(toErrorInfo(only, 'pt-BR').message, `O endereço de e-mail 'recepcao@clinica.test' não existe: o servidor de e-mail recusou entregar para ele. Confira o campo "Enviar para".`);
    assert.match(toErrorInfo(only, 'en').message, /^The e-mail address 'recepcao@clinica\.test' does not exist/);
    // One good address and one unknown: the test still fails and names the unknown one (the good one got the message).
    const mixed = await send('backup@clinica.test', ['ti@clinica.test', 'dr.joao@clinica.test']);
    assert.ok(isEngineError(mixed, 'SMTP_RECIPIENT_UNKNOWN') && mixed.details['address'] === 'dr.joao@clinica.test', String(mixed));
    assert.deepEqual(
      smtp.mails.map((m) => m.to),
      [['ti@clinica.test']],
    );
    const sender = await send('outro@clinica.test', ['ti@clinica.test']);
    assert.ok(isEngineError(sender, 'SMTP_SENDER_REFUSED') && sender.details['address'] === 'outro@clinica.test', String(sender));
    assert.match(toErrorInfo(sender, 'pt-BR').message, /em nome de 'outro@clinica\.test'.*"Remetente"/);
  });

  it('a server name that does not resolve is SMTP_DNS naming the server field', async () => {
    const ch = new EmailChannel({ host: 'smtp.invalid', port: 2525, security: 'none', from: 'a@clinica.test', to: ['b@clinica.test'], timeoutMs: 5000 });
    const err = await ch.send(testNotice(CONTEXT, new Date())).then(
      () => assert.fail('should fail'),
      (e: unknown) => e,
    );
    assert.ok(isEngineError(err, 'SMTP_DNS') && err.details['host'] === 'smtp.invalid', String(err));
    assert.match(toErrorInfo(err, 'pt-BR').message, /smtp\.invalid não foi encontrado\. Confira o campo "Servidor de e-mail \(SMTP\)"/);
  });

  it('refuses incomplete configuration', () => {
    assert.throws(
      () => new EmailChannel({ host: '', from: 'a@b', to: ['c@d'] }),
      (e: unknown) => isEngineError(e, 'INVALID_ARGUMENT'),
    );
    assert.throws(
      () => new EmailChannel({ host: 'h', from: 'a@b', to: [] }),
      (e: unknown) => isEngineError(e, 'INVALID_ARGUMENT'),
    );
    assert.throws(
      () => new EmailChannel({ host: 'h', from: 'a@b', to: ['c@d'], passwordSecret: 'x' }),
      (e: unknown) => isEngineError(e, 'INVALID_ARGUMENT'),
    );
    const secrets = new MemorySecretStore({ x: 'pw' });
    assert.throws(
      () => new EmailChannel({ host: 'smtp.clinica.test', security: 'none', username: 'u', passwordSecret: 'x', secrets, from: 'a@b', to: ['c@d'] }),
      (e: unknown) => isEngineError(e, 'INVALID_ARGUMENT') && e.details['field'] === 'email.security',
      'a password is never sent in clear over the network',
    );
    assert.doesNotThrow(() => new EmailChannel({ host: 'smtp.clinica.test', security: 'starttls', username: 'u', passwordSecret: 'x', secrets, from: 'a@b', to: ['c@d'] }));
  });

  it('renders every severity with its label and escapes HTML in params', () => {
    const now = new Date('2026-03-10T15:00:00.000Z');
    const base = testNotice({ clinicName: '<b>Clínica</b>' }, now);
    for (const [severity, pt, en] of [
      ['low', 'BAIXA', 'LOW'],
      ['medium', 'MÉDIA', 'MEDIUM'],
      ['high', 'ALTA', 'HIGH'],
      ['critical', 'CRÍTICA', 'CRITICAL'],
    ] as const) {
      const notice: AlertNotice = {
        ...base,
        kind: 'alert',
        alert: {
          ...base.alert,
          rule: 'disk',
          key: 'disk:nas',
          severity,
          messageKey: 'alerts.disk.message',
          params: { destination: 'NAS <1>', usedPercent: 91.5, freeBytes: 85_000_000_000, totalBytes: 1_000_000_000_000, limitPercent: 80 },
        },
      };
      const p = renderAlertEmail(notice, { locale: 'pt-BR' });
      assert.ok(p.subject.startsWith(`[Clinic Backup] ${pt}: `), p.subject);
      assert.match(p.text, /91,5% de uso \(livre: 85 GB de 1 TB\)/);
      assert.ok(p.html.includes('NAS &lt;1&gt;') && !p.html.includes('NAS <1>'));
      assert.ok(p.html.includes('&lt;b&gt;Clínica&lt;/b&gt;'));
      const e = renderAlertEmail(notice, { locale: 'en' });
      assert.ok(e.subject.startsWith(`[Clinic Backup] ${en}: `), e.subject);
      assert.match(e.text, /91\.5% full \(85 GB free of 1 TB\)/);
    }
  });
});
