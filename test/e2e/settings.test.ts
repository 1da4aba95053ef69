/**
 * Settings → retention and alert channels, in a real browser against `serve` with a real repository, SQLite and
 * file secret store, a real SMTP server (smtp-server) and a real HTTP webhook receiver on 127.0.0.1:
 * retention saved and kept across a reload; a legal floor below the law refused in the card with nothing saved;
 * e-mail and webhook channels set up in the browser with their secrets (which never come back out), tests sent
 * and received; a channel removed; a screenshot of the screen (pt-BR, 1366×768) into docs/screenshots/.
 */
import assert from 'node:assert/strict';
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { before, describe, it } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import type { AppSettings } from '../../src/shared/contract.js';
import { verifyWebhookSignature, SIGNATURE_HEADER } from '../../src/alerts/webhook.js';
import { parseMail, startSmtp, startWebhookReceiver } from '../alerts/support.js';
import { closedPort } from '../support/fhir.js';
import { assertAccessible, assertPlainWords, launchBrowser, openApp, saveScreenshot, startStack, type Stack } from './support.js';

const SMTP_USER = 'alertas@clinica.test';
const SMTP_PASSWORD = 'smtp-pass-e2e-4b9d2f7e';
const SIGNING_KEY = 'webhook-signing-key-e2e-91c3a8';

async function call<T>(stack: Stack, method: string, ...args: unknown[]): Promise<T> {
  const r = await stack.app.host.call(method, args);
  if (!r.ok) throw new Error(`${method}: ${r.error.code} ${r.error.message}`);
  return r.value as T;
}

/** Every file under a folder, as bytes (the catalog, its WAL, the settings kept on disk). */
async function filesUnder(dir: string): Promise<{ file: string; bytes: Buffer }[]> {
  const out: { file: string; bytes: Buffer }[] = [];
  for (const e of await readdir(dir, { withFileTypes: true }).catch(() => [])) {
    const full = path.join(dir, e.name);
    if (e.isDirectory()) out.push(...(await filesUnder(full)));
    else if (e.isFile()) out.push({ file: full, bytes: await readFile(full) });
  }
  return out;
}

const smtp = await startSmtp({ login: { user: SMTP_USER, pass: SMTP_PASSWORD } });
const receiver = await startWebhookReceiver();
const stack: Stack = await startStack('pt-BR');
const initResult = await call<{ recoveryKey: string[][] }>(stack, 'init', { useKeychain: false, recoveryLanguage: 'pt-BR' });
await call(stack, 'updateSettings', { language: 'pt-BR', clinicName: 'Clínica Boa Saúde' });
const browser: Browser = await launchBrowser();
const { page, bodies, errors }: { page: Page; bodies: string[]; errors: string[] } = await openApp(browser, stack);

const settingsNow = (): Promise<AppSettings> => call<AppSettings>(stack, 'getSettings');
const openSettings = async (): Promise<void> => {
  await page.locator('nav a[href="#/settings"]').click();
  await page.getByTestId('settings').waitFor();
  await page.getByTestId('retention-form').waitFor();
};
describe('settings: retention and alert channels (browser)', () => {
  before(async () => {
    await page.getByTestId('dashboard').waitFor();
    await openSettings();
  });

  it('shows editable forms instead of the old notices, every control labelled', async () => {
    assert.equal(await page.getByTestId('retention-keepDaily').inputValue(), String((await settingsNow()).retention?.keepDaily));
    assert.equal(await page.getByTestId('retention-legalFloorYears').inputValue(), '20');
    assert.match(await page.getByTestId('retention-legal').innerText(), /CFM 1\.821\/2007.*13\.787\/2018/s);
    assert.match(await page.getByTestId('alert-email-state').innerText(), /Desligado/);
    assert.equal(await page.getByTestId('alert-email-test').isDisabled(), true, 'no test before a channel is saved');
    await assertAccessible(page, 'settings');
  });

  it('retention: a new value is saved (by keyboard), stored, and still there after a reload', async () => {
    const input = page.getByTestId('retention-keepDaily');
    await input.focus();
    await page.keyboard.press('ControlOrMeta+a');
    await page.keyboard.type('45');
    await page.keyboard.press('Enter');
    await page.getByTestId('retention-saved').waitFor();
    assert.match(await page.getByTestId('retention-saved').innerText(), /Salvo: Por quanto tempo guardar/);
    const s = await settingsNow();
    assert.equal(s.retention?.keepDaily, 45);
    assert.equal(s.retention?.legalFloorYears, 20);

    await page.reload();
    await page.getByTestId('settings').waitFor();
    await page.getByTestId('retention-form').waitFor();
    assert.equal(await page.getByTestId('retention-keepDaily').inputValue(), '45');
  });

  it('retention: a legal floor of 10 years is refused in the card, naming the legal minimum; nothing is saved', async () => {
    const before = (await settingsNow()).retention;
    await page.getByTestId('retention-keepWeekly').fill('13');
    await page.getByTestId('retention-legalFloorYears').fill('10');
    await page.getByTestId('save-retention').click();
    const err = page.locator('[data-testid="retention-error"][data-code="RETENTION_LEGAL_FLOOR"]');
    await err.waitFor();
    const text = await err.innerText();
    assert.match(text, /20 anos/);
    assert.match(text, /CFM 1\.821\/2007/);
    // Inside the retention card, and the field itself is marked.
    assert.equal(await page.locator('.settings-retention [data-testid="retention-error"]').count(), 1);
    assert.equal(await page.getByTestId('retention-legalFloorYears').getAttribute('aria-invalid'), 'true');
    assert.equal(await page.getByTestId('retention-saved').count(), 0);
    assert.deepEqual((await settingsNow()).retention, before, 'nothing saved');

    // Back to the law's minimum: saved, the error is gone.
    await page.getByTestId('retention-legalFloorYears').fill('20');
    await page.getByTestId('retention-keepWeekly').fill(String(before?.keepWeekly));
    await page.getByTestId('save-retention').click();
    await page.getByTestId('retention-saved').waitFor();
    assert.equal(await page.getByTestId('retention-error').count(), 0);
  });

  it('e-mail: a mistake is shown on the field with nothing stored; then set up with a password, tested, received', async () => {
    await page.getByTestId('alert-email-host').fill('127.0.0.1');
    await page.getByTestId('alert-email-port').fill(String(smtp.port));
    await page.getByTestId('alert-email-security').selectOption('none');
    await page.getByTestId('alert-email-username').fill(SMTP_USER);
    await page.getByTestId('alert-email-password').fill(SMTP_PASSWORD);
    await page.getByTestId('alert-email-from').fill('backup@clinica.test');
    await page.getByTestId('alert-email-to').fill('gerente@clinica.test, sem-arroba');
    await page.getByTestId('alert-email-save').click();
    await page.getByTestId('alert-email-error').waitFor();
    assert.equal(await page.getByTestId('alert-email-to').getAttribute('aria-invalid'), 'true');
    assert.equal((await settingsNow()).alerts?.email ?? null, null, 'nothing saved');
    assert.equal((await call<string[]>(stack, 'listSecrets')).includes('alerts:smtp-password'), false, 'no password stored');

    await page.getByTestId('alert-email-to').fill('gerente@clinica.test, ti@clinica.test');
    await page.getByTestId('alert-email-save').click();
    await page.getByTestId('alert-email-saved').waitFor();
    const email = (await settingsNow()).alerts?.email;
    assert.deepEqual(email, {
      host: '127.0.0.1',
      port: smtp.port,
      security: 'none',
      username: SMTP_USER,
      passwordSecret: 'alerts:smtp-password',
      from: 'backup@clinica.test',
      to: ['gerente@clinica.test', 'ti@clinica.test'],
    });
    // The password field is empty again and says one is stored.
    assert.equal(await page.getByTestId('alert-email-password').inputValue(), '');
    assert.match(await page.getByTestId('alert-email').innerText(), /Uma senha já está guardada/);

    await page.getByTestId('alert-email-test').click();
    await page.getByTestId('alert-email-tested').waitFor({ timeout: 60_000 });
    assert.match(await page.getByTestId('alert-email-tested').innerText(), /gerente@clinica\.test/);
    // Only test messages count (the engine may also deliver real alerts, e.g. "no backup yet").
    const testMails = (): typeof smtp.mails => smtp.mails.filter((m) => /Alerta de teste|Test alert/.test(parseMail(m.raw).subject));
    const tests = testMails();
    assert.equal(tests.length, 1, `one test e-mail received (subjects: ${smtp.mails.map((m) => parseMail(m.raw).subject).join(' | ')})`);
    const mail = tests[0]!;
    assert.equal(mail.user, SMTP_USER, 'logged in with the stored password');
    assert.deepEqual([...mail.to].sort(), ['gerente@clinica.test', 'ti@clinica.test']);
    assert.equal(smtp.authFailures, 0);

    // Saving again with the password field empty keeps the stored password.
    await page.getByTestId('alert-email-to').fill('gerente@clinica.test');
    await page.getByTestId('alert-email-save').click();
    await page.getByTestId('alert-email-saved').waitFor();
    assert.equal((await settingsNow()).alerts?.email?.passwordSecret, 'alerts:smtp-password');
    await page.getByTestId('alert-email-test').click();
    await page.getByTestId('alert-email-tested').waitFor({ timeout: 60_000 });
    assert.equal(testMails().filter((m) => m.user === SMTP_USER && m.to.join() === 'gerente@clinica.test').length, 1);
    assert.equal(smtp.authFailures, 0);

    // The password is in no API answer, not in the settings and not in the catalog's files.
    assert.equal(bodies.join('\n').includes(SMTP_PASSWORD), false, 'password in an API response');
    assert.equal(JSON.stringify(await settingsNow()).includes(SMTP_PASSWORD), false, 'password in the settings');
    for (const f of await filesUnder(path.join(stack.dir, 'state'))) assert.equal(f.bytes.includes(SMTP_PASSWORD), false, `password in ${f.file}`);
  });

  it('webhook: a channel whose test failed is not shown as working', async () => {
    await page.getByTestId('alert-webhook-url').fill(`http://127.0.0.1:${await closedPort()}/hooks/clinic`);
    await page.getByTestId('alert-webhook-save').click();
    await page.getByTestId('alert-webhook-saved').waitFor();
    assert.match(await page.getByTestId('alert-webhook-state').innerText(), /^Ligado/);
    await page.getByTestId('alert-webhook-test').click();
    await page.locator('[data-testid="alert-webhook-state"][data-working="no"]').waitFor({ timeout: 60_000 });
    assert.match(await page.getByTestId('alert-webhook-state').innerText(), /Com problema: o último teste não chegou/);
    assert.doesNotMatch(await page.getByTestId('alert-webhook-state').innerText(), /Ligado/);
    await assertAccessible(page, 'webhook test failed');
  });

  it('webhook: set up with a signing key; the test arrives as a signed POST; the key never comes back', async () => {
    await page.getByTestId('alert-webhook-url').fill(receiver.url);
    await page.getByTestId('alert-webhook-key').fill(SIGNING_KEY);
    await page.getByTestId('alert-webhook-save').click();
    await page.getByTestId('alert-webhook-saved').waitFor();
    assert.deepEqual((await settingsNow()).alerts?.webhook, { url: receiver.url, signingSecret: 'alerts:webhook-signing-key' });
    assert.equal(await page.getByTestId('alert-webhook-key').inputValue(), '');
    assert.match(await page.getByTestId('alert-webhook').innerText(), /Uma chave já está guardada/);

    await page.getByTestId('alert-webhook-test').click();
    await page.getByTestId('alert-webhook-tested').waitFor({ timeout: 60_000 });
    assert.equal(await page.getByTestId('alert-webhook-state').getAttribute('data-working'), 'yes', 'working again once a test passed');
    const posts = receiver.requests.filter((r) => r.method === 'POST' && r.headers['x-clinic-backup-event'] === 'test');
    assert.equal(posts.length, 1, 'one test POST received');
    const req = posts[0]!;
    assert.equal(new URL(req.url, 'http://x').pathname, '/hooks/clinic');
    const signature = req.headers[SIGNATURE_HEADER.toLowerCase()];
    assert.equal(typeof signature, 'string', `${SIGNATURE_HEADER} header sent`);
    assert.ok(verifyWebhookSignature(req.body, signature as string, SIGNING_KEY), 'signed with the key typed in the browser');
    const payload = JSON.parse(req.body.toString('utf8')) as { event: string; clinic: { name: string } };
    assert.equal(payload.event, 'test');
    assert.equal(payload.clinic.name, 'Clínica Boa Saúde');

    assert.equal(bodies.join('\n').includes(SIGNING_KEY), false, 'signing key in an API response');
    assert.equal(JSON.stringify(await settingsNow()).includes(SIGNING_KEY), false, 'signing key in the settings');
  });

  it('screenshot: the retention and alert forms (pt-BR, 1366×768)', async () => {
    await page.reload();
    await page.getByTestId('settings').waitFor();
    await page.getByTestId('retention-form').waitFor();
    await page.evaluate(`document.querySelector('.settings-retention').scrollIntoView({ block: 'start' })`);
    assert.deepEqual(page.viewportSize(), { width: 1366, height: 768 });
    // Both forms are on screen.
    for (const id of ['retention-keepDaily', 'save-retention', 'alert-email-host', 'alert-email-username']) assert.equal(await page.getByTestId(id).isVisible(), true, id);
    await saveScreenshot(page, 'settings');
    await assertPlainWords(page, 'settings');
    const inView = (await page.evaluate(
      `(() => { const r = document.querySelector('[data-testid="alert-email-host"]').getBoundingClientRect(); return r.bottom <= window.innerHeight; })()`,
    )) as boolean;
    assert.equal(inView, true, 'the e-mail form starts within the screenshot');
    await assertAccessible(page, 'settings with channels');
  });

  it('removing the e-mail channel: gone from the settings, its password deleted, the webhook kept', async () => {
    await page.getByTestId('alert-email-remove').click();
    await page.getByTestId('alert-email-removed').waitFor();
    const s = await settingsNow();
    assert.equal(s.alerts?.email ?? null, null);
    assert.deepEqual(s.alerts?.webhook, { url: receiver.url, signingSecret: 'alerts:webhook-signing-key' });
    assert.equal((await call<string[]>(stack, 'listSecrets')).includes('alerts:smtp-password'), false, 'the SMTP password is deleted');
    assert.match(await page.getByTestId('alert-email-state').innerText(), /Desligado/);
    assert.equal(await page.getByTestId('alert-email-host').inputValue(), '');
    assert.equal(await page.getByTestId('alert-email-remove').count(), 0);
    assert.equal(await page.getByTestId('alert-email-test').isDisabled(), true);
  });

  it('other allowed addresses of the FHIR source: typed one per line, saved with the source, labelled', async () => {
    await call(stack, 'updateSettings', { source: { url: 'https://fhir.clinica.test/fhir', auth: { kind: 'none' }, exportStuckMinutes: 12 } });
    await page.reload();
    await page.getByTestId('settings').waitFor();
    const box = page.getByTestId('allowed-hosts');
    await box.waitFor();
    assert.equal(await box.inputValue(), '');
    await box.fill('arquivos.clinica.test\nhttps://bucket.clinica.test:9000');
    await page.getByTestId('save-allowed-hosts').click();
    await page.getByTestId('settings-saved').waitFor();
    assert.match(await page.getByTestId('settings-saved').innerText(), /Outros endereços permitidos/);
    const s = await settingsNow();
    assert.deepEqual(s.source?.allowedHosts, ['arquivos.clinica.test', 'https://bucket.clinica.test:9000']);
    assert.equal(s.source?.exportStuckMinutes, 12, 'the other source options are kept');
    await assertAccessible(page, 'settings with allowed addresses');
  });

  it('recovery kit: "print" shows the words given at set-up (nothing replaced); replacing needs the typed word and makes new ones', async () => {
    await openSettings();
    const printedWords = async (): Promise<string[]> => {
      await page.getByTestId('recovery-kit').locator('.kit-word').first().waitFor();
      return (await page.getByTestId('recovery-kit').locator('.kit-word').allInnerTexts()).map((w) => w.trim());
    };
    await page.getByTestId('kit-print').click();
    assert.deepEqual(await printedWords(), initResult.recoveryKey.flat(), 'the same words as at set-up');
    assert.equal((await call<{ kind: string }[]>(stack, 'listKeys')).filter((k) => k.kind === 'recovery').length, 1, 'no new key made');
    // Printing again from a fresh screen shows them again.
    await page.reload();
    await openSettings();
    await page.getByTestId('kit-print').click();
    assert.deepEqual(await printedWords(), initResult.recoveryKey.flat());

    // Replacing: refused until the confirmation word is typed.
    await page.getByTestId('kit-rotate').click();
    await page.getByTestId('kit-rotate-form').waitFor();
    assert.equal(await page.getByTestId('kit-rotate-confirm').isDisabled(), true);
    await page.getByTestId('kit-rotate-text').fill('sim');
    assert.equal(await page.getByTestId('kit-rotate-confirm').isDisabled(), true);
    await assertAccessible(page, 'settings kit rotation');
    await page.getByTestId('kit-rotate-text').fill('TROCAR');
    await page.getByTestId('kit-rotate-confirm').click();
    await page.getByTestId('kit-rotated').waitFor();
    const fresh = await printedWords();
    assert.equal(fresh.length, 32);
    assert.notDeepEqual(fresh, initResult.recoveryKey.flat(), 'new words');
    const audit = await call<{ action: string }[]>(stack, 'auditLog');
    assert.ok(audit.some((a) => a.action === 'key.rotate-recovery'));
    assert.equal((await call<{ confirmed: boolean }>(stack, 'recoveryKitStatus')).confirmed, false, 'the confirmation starts again');
  });

  it('never sent a secret to the renderer and had no script errors', () => {
    const all = bodies.join('\n');
    assert.ok(all.length > 500, 'API responses were collected');
    for (const secret of [SMTP_PASSWORD, SIGNING_KEY, stack.passphrase, stack.app.token]) assert.equal(all.includes(secret), false, `secret in an API response: ${secret.slice(0, 4)}…`);
    assert.deepEqual(
      errors.filter((e) => !/status of 4\d\d/.test(e)),
      [],
    );
  });
});
