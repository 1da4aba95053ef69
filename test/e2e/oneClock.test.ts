/**
 * One clock (issue #18): with the browser in Tokyo and the clinic in São Paulo (settings), a failed backup shows the
 * same time on the dashboard (the alert's "desde"), in the audit log and in the alert e-mail — the clinic's time,
 * never the browser's. Real parts: the sandbox FHIR server refusing the backup, `serve` with a real repository, a
 * real SMTP server on loopback, real Chromium at 1366×768 in pt-BR with timezoneId Asia/Tokyo.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseMail, startSmtp } from '../alerts/support.js';
import { sandbox } from '../support/fhir.js';
import { launchBrowser, openApp, startStack, type Stack } from './support.js';

async function call<T>(stack: Stack, method: string, ...args: unknown[]): Promise<T> {
  const r = await stack.app.host.call(method, args);
  if (!r.ok) throw new Error(`${method}: ${r.error.code} ${r.error.message}`);
  return r.value as T;
}

const hhmm = (iso: string, timeZone: string): string => new Intl.DateTimeFormat('pt-BR', { timeZone, hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }).format(new Date(iso));

describe('one clock: the clinic time zone on every screen and e-mail (browser in another zone)', () => {
  it('a failed backup shows the same São Paulo time on the dashboard, the audit log and the e-mail', async () => {
    const source = await sandbox({ patients: 2, seed: 61, auth: { bearerTokens: ['right-token'] } });
    const smtp = await startSmtp();
    const stack = await startStack('pt-BR');
    await call(stack, 'init', { useKeychain: false, recoveryLanguage: 'pt-BR' });
    await call(stack, 'setSecret', 'source-token', 'wrong-token');
    await call(stack, 'updateSettings', {
      language: 'pt-BR',
      clinicName: 'Clínica Relógio',
      timeZone: 'America/Sao_Paulo',
      source: { url: source.url, auth: { kind: 'bearer', tokenSecret: 'source-token' } },
      alerts: { email: { host: '127.0.0.1', port: smtp.port, security: 'none', from: 'backup@clinica.test', to: ['ti@clinica.test'] } },
    });
    await stack.app.host.call('backupNow', []);
    // The failed-backup alert goes out by e-mail (bounded wait).
    for (let i = 0; i < 400 && !smtp.mails.some((m) => /x-clinic-backup-event: alert/i.test(m.raw)); i++) await new Promise((r) => setTimeout(r, 50));
    const mail = smtp.mails.map((m) => parseMail(m.raw)).find((m) => m.headers.get('x-clinic-backup-event') === 'alert');
    assert.ok(mail, 'the alert e-mail was sent');

    const status = await call<{ alerts: { since: string; key: string }[] }>(stack, 'status');
    const alert = status.alerts[0];
    assert.ok(alert, 'an active alert');
    const clinic = hhmm(alert.since, 'America/Sao_Paulo');
    assert.notEqual(clinic, hhmm(alert.since, 'Asia/Tokyo'), 'the two zones read differently');
    // The e-mail says when, on the clinic's clock.
    assert.match(mail.text, new RegExp(`${clinic} BRT`), 'e-mail: the clinic time');

    const browser = await launchBrowser();
    try {
      const { page } = await openApp(browser, stack, 'pt-BR', 'Asia/Tokyo');
      assert.equal(await page.evaluate('Intl.DateTimeFormat().resolvedOptions().timeZone'), 'Asia/Tokyo');
      await page.getByTestId('dashboard').waitFor();
      const since = await page.locator('.alert-since').first().innerText();
      assert.match(since, new RegExp(`${clinic} BRT`), `dashboard: ${since}`);
      await page
        .getByRole('link', { name: 'Registro de auditoria' })
        .or(page.getByRole('button', { name: 'Registro de auditoria' }))
        .first()
        .click();
      await page.getByTestId('audit').waitFor();
      const audit = await page.getByTestId('audit').innerText();
      assert.match(audit, new RegExp(`${clinic} BRT`), 'audit log: the clinic time');
      assert.doesNotMatch(audit, new RegExp(`${hhmm(alert.since, 'Asia/Tokyo')} `), "never the browser's time");
    } finally {
      await browser.close();
      await source.close();
    }
  });
});
