/**
 * The app after setup, in a real browser against `serve` with real sandboxes, repository and SQLite:
 * backup now shows progress then success; a source failure shows the error state with its fix; the restore
 * wizard restores one patient into a second sandbox (a wrong confirmation writes nothing); drills; settings;
 * the audit log; a screenshot of every main screen (pt-BR, 1366×768) into docs/screenshots/.
 */
import assert from 'node:assert/strict';
import { mkdir, readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { before, describe, it } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { patientOf, type SandboxServer } from '../../src/sandbox/index.js';
import { sandbox } from '../support/fhir.js';
import { assertAccessible, assertPlainWords, launchBrowser, openApp, saveScreenshot, startStack, type Stack } from './support.js';

const SOURCE_TOKEN = 'clinic-bearer-token-e2e-7f3a9c';

async function call<T>(stack: Stack, method: string, ...args: unknown[]): Promise<T> {
  const r = await stack.app.host.call(method, args);
  if (!r.ok) throw new Error(`${method}: ${r.error.code} ${r.error.message}`);
  return r.value as T;
}

// The clinic's server is slow to prepare its export (2 polls, 1 s apart), so progress is visible.
const source: SandboxServer = await sandbox({ patients: 8, seed: 21, auth: { bearerTokens: [SOURCE_TOKEN] }, exportPollsBeforeReady: 2, exportRetryAfterSeconds: 1 });
const target: SandboxServer = await sandbox({ patients: 0 });
const stack: Stack = await startStack('pt-BR');
await call(stack, 'init', { useKeychain: false, recoveryLanguage: 'pt-BR' });
await call(stack, 'setSecret', 'source-token', SOURCE_TOKEN);
await call(stack, 'updateSettings', {
  language: 'pt-BR',
  source: { url: source.url, auth: { kind: 'bearer', tokenSecret: 'source-token' } },
  schedule: { backup: { kind: 'interval', everyMinutes: 15 }, drill: { kind: 'monthly', day: 1, at: '12:00' } },
});
await call(stack, 'backupNow');
// Some work at the clinic between backups, for the history.
const firstObservation = [...source.store.all()].find((r) => r.type === 'Observation');
if (firstObservation) source.store.put('Observation', firstObservation.id, firstObservation.text.replace(/"status":"[a-z]+"/, '"status":"amended"'));
await call(stack, 'backupNow');
const browser: Browser = await launchBrowser();
const { page, bodies, errors }: { page: Page; bodies: string[]; errors: string[] } = await openApp(browser, stack);

/** A screenshot of a main screen, which must also pass the accessibility check as shown. */
const shot = async (name: string): Promise<void> => {
  await saveScreenshot(page, name);
  await assertAccessible(page, name);
  await assertPlainWords(page, name);
};
const go = async (route: string, testId: string): Promise<void> => {
  await page.locator(`nav a[href="#/${route}"]`).click();
  await page.getByTestId(testId).waitFor();
};
describe('the app after setup (browser)', () => {
  before(async () => {
    await page.getByTestId('dashboard').waitFor();
  });

  it('dashboard: "Back up now" shows live progress, then success', async () => {
    assert.match(await page.getByTestId('meter-32110').innerText(), /cópias/);
    await page.getByTestId('history-chart').waitFor();
    await page.getByTestId('backup-now').click();
    await page.getByTestId('progress').waitFor({ timeout: 10_000 });
    assert.equal(await page.getByTestId('hero').getAttribute('data-state'), 'running');
    assert.equal(await page.getByTestId('backup-now').isDisabled(), true);
    await page.getByTestId('backup-success').waitFor({ timeout: 60_000 });
    assert.match(await page.getByTestId('backup-success').innerText(), new RegExp(`Backup concluído: ${source.store.count()} registros`));
    await page.getByTestId('progress').waitFor({ state: 'detached' });
    await shot('dashboard');
  });

  it('a source failure shows the error state with its fix', async () => {
    source.faults.set({ auth: { bearerTokens: ['the-token-was-rotated-on-the-server'] } });
    try {
      await page.getByTestId('backup-now').click();
      const err = page.locator('[data-testid="backup-error"][data-code="SOURCE_AUTH"]');
      await err.waitFor({ timeout: 60_000 });
      assert.match(await err.innerText(), /Como resolver:.*credenciais/s);
      await page.locator('[data-testid="hero"][data-state="error"]').waitFor();
      assert.match(await page.getByTestId('hero').innerText(), /falh(ou|aram)/);
      assert.equal(await page.getByTestId('state-pill').innerText(), 'Problema');
      await shot('dashboard-error');
    } finally {
      source.faults.set({ auth: { bearerTokens: [SOURCE_TOKEN] } });
    }
  });

  it('restore wizard: one patient into a second server; a wrong confirmation writes nothing', async () => {
    const patient = [...source.store.all()].find((r) => r.type === 'Patient') as { id: string; text: string };
    const family = (JSON.parse(patient.text) as { name: { family: string; given: string[] }[] }).name[0] as { family: string; given: string[] };
    // What the engine says belongs to the patient (the compartment, as backed up).
    const compartment = (await call<{ resources: { type: string; id: string }[] }>(stack, 'ls', { snapshot: 'latest', patient: patient.id })).resources;
    assert.ok(compartment.length > 1);
    assert.ok(compartment.every((r) => r.type === 'Group' || patientOf(JSON.parse(source.store.get(r.type, r.id) as string)) === patient.id));
    // Group/all-patients lists every patient: it is not written by default, and the preview says so.
    const own = compartment.filter((r) => r.type !== 'Group');
    assert.equal(own.length, compartment.length - 1);

    await go('restore', 'restore-wizard');
    await page.getByTestId('situation-patient').check();
    await page.getByTestId('next').click();
    await page.getByTestId('patient-search').fill(family.family.slice(0, 4).toLowerCase());
    await page.getByTestId(`patient-${patient.id}`).check();
    assert.equal(await page.getByTestId('include-shared').isChecked(), false, 'shared records are left out unless asked for');
    await shot('restore-scope');
    await page.getByTestId('next').click();
    await page.getByTestId('calendar').waitFor();
    assert.match(await page.getByTestId('chosen-snapshot').innerText(), /Ponto de restauração escolhido/);
    await shot('restore-calendar');
    await page.getByTestId('next').click();
    // No default target: the live server is never pre-selected, and nothing can be previewed before a choice.
    for (const id of ['target-original', 'target-other', 'target-folder']) assert.equal(await page.getByTestId(id).isChecked(), false, id);
    assert.equal(await page.getByTestId('preview').isDisabled(), true);
    await page.getByTestId('target-other').check();
    await page.getByTestId('target-url').fill(target.url);
    await page.getByTestId('preview').click();
    await page.getByTestId('restore-preview').waitFor({ timeout: 30_000 });
    assert.match(await page.getByTestId('preview-totals').innerText(), new RegExp(`Total: ${own.length} registros`));
    assert.match(await page.getByTestId('shared-resources').innerText(), /1 registro deste paciente também é de outros pacientes e NÃO será gravado[\s\S]*Group\/all-patients/);
    await shot('restore-preview');
    await page.getByTestId('next').click();

    // A confirmation typed wrong: refused in place, and the target server received nothing.
    const writesBefore = target.requestLog.filter((r) => r.method !== 'GET').length;
    await page.getByTestId('confirm-text').fill('restaura');
    await page.getByTestId('restore-now').click();
    await page.getByTestId('confirm-error').waitFor();
    assert.match(await page.getByTestId('confirm-error').innerText(), /Nada foi gravado/);
    assert.equal(target.store.count(), 0);
    assert.equal(target.requestLog.filter((r) => r.method !== 'GET').length, writesBefore, 'no write request reached the target');

    await page.getByTestId('confirm-text').fill('RESTAURAR');
    await page.getByTestId('restore-now').click();
    await page.getByTestId('restore-success').waitFor({ timeout: 60_000 });
    assert.match(await page.getByTestId('restore-success').innerText(), new RegExp(`${own.length} registros gravados`));
    await shot('restore-outcome');

    // The data arrived: the patient and every resource of its compartment, nothing else (not the shared Group).
    assert.equal(target.store.count(), own.length);
    assert.equal(target.store.get('Group', 'all-patients'), undefined);
    const restored = JSON.parse(target.store.get('Patient', patient.id) as string) as { name: unknown };
    assert.deepEqual(restored.name, (JSON.parse(patient.text) as { name: unknown }).name);
    for (const r of own) assert.ok(target.store.get(r.type, r.id) !== undefined, `${r.type}/${r.id} restored`);
  });

  it('restore wizard: everything into a folder, by keyboard', async () => {
    const folder = path.join(stack.dir, 'restored');
    await go('restore', 'restore-wizard');
    if (await page.getByTestId('restore-again').isVisible()) await page.getByTestId('restore-again').click();
    await page.getByTestId('situation-copy').focus();
    await page.keyboard.press('Space');
    await page.locator('[data-testid="next"]:not([disabled])').waitFor();
    await page.getByTestId('next').focus();
    await page.keyboard.press('Enter');
    assert.equal(await page.getByTestId('scope-everything').isChecked(), true);
    await page.getByTestId('next').click();
    await page.getByTestId('calendar').waitFor();
    await page.getByTestId('next').click();
    assert.equal(await page.getByTestId('target-folder').isChecked(), true, 'a copy goes to a folder');
    await page.getByTestId('target-folder-path').fill(folder);
    await page.getByTestId('preview').click();
    await page.getByTestId('restore-preview').waitFor({ timeout: 30_000 });
    await page.getByTestId('next').click();
    await page.getByTestId('confirm-text').fill('RESTAURAR');
    await page.getByTestId('confirm-text').press('Enter');
    await page.getByTestId('restore-success').waitFor({ timeout: 60_000 });
    const files = await readdir(folder);
    assert.ok(
      files.some((f) => f.startsWith('Patient')),
      files.join(', '),
    );
  });

  it('drills: the due date, run now, the history, and the report opens', async () => {
    await go('drills', 'drills');
    assert.notEqual(await page.getByTestId('drill-due').innerText(), '—');
    await page.getByTestId('run-drill').click();
    const done = page.getByTestId('drill-done');
    await done.waitFor({ timeout: 120_000 });
    assert.match(await done.innerText(), /Teste concluído: sucesso/);
    assert.match(await done.innerText(), new RegExp(`${source.store.count()} registros restaurados`));
    await page.getByTestId('open-latest-report').click();
    const report = page.frameLocator('[data-testid="drill-report"]');
    await report.locator('body').waitFor();
    const text = await report.locator('body').innerText();
    assert.match(text, /Paciente/);
    assert.ok(text.length > 200, 'the report has content');
    await page.getByTestId('drill-report').scrollIntoViewIfNeeded();
    await shot('drill-report');
    // "Salvar PDF": the same report as a PDF file.
    const [download] = await Promise.all([page.waitForEvent('download'), page.getByTestId('save-pdf').click()]);
    assert.match(download.suggestedFilename(), /^teste-de-restauracao-\d+\.pdf$/);
    const pdfPath = await download.path();
    assert.ok(pdfPath);
    assert.equal((await readFile(pdfPath)).subarray(0, 5).toString('latin1'), '%PDF-');
    await page.locator('.table td button', { hasText: 'Abrir relatório' }).first().waitFor();
    await page.evaluate('document.querySelector("main").scrollTo(0, 0)');
    await shot('drills');
  });

  it('destinations, settings (language) and the audit log', async () => {
    await go('destinations', 'destinations');
    assert.match(await page.getByTestId('destinations').innerText(), new RegExp(stack.repo.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')));

    // A rotating USB drive added as another copy: tested, listed, filled by the next backup, then removed.
    const usb = path.join(stack.dir, 'usb-drive');
    await mkdir(usb);
    await page.getByTestId('add-drive').click();
    await page.getByTestId('drive-path').fill(path.join(stack.dir, 'no-such-drive', 'x'));
    await page.getByTestId('drive-add').click();
    await page.getByTestId('drive-error').waitFor();
    assert.deepEqual((await call<{ copies: unknown[] }>(stack, 'getSettings')).copies, [], 'nothing saved');
    await page.getByTestId('drive-path').fill(usb);
    await page.getByTestId('drive-add').click();
    await page.getByTestId('copy-added').waitFor();
    assert.match(await page.getByTestId('destinations').innerText(), /aguardando o próximo backup/);
    await call(stack, 'backupNow');
    await page.reload();
    await page.getByTestId('destinations').waitFor();
    await page.locator('[data-testid="destinations"] td', { hasText: 'em dia' }).nth(1).waitFor();
    assert.ok((await readdir(usb)).includes('config'), 'the drive holds the repository');
    await page.getByTestId('add-offsite').click();
    await page.getByTestId('offsite-form').waitFor();
    await shot('destinations');
    await page.getByRole('button', { name: 'Cancelar' }).click();
    await page.getByTestId('remove-copy').click();
    await page.getByTestId('remove-copy-confirm').click();
    await page.getByTestId('copy-removed').waitFor();
    assert.deepEqual((await call<{ copies: unknown[] }>(stack, 'getSettings')).copies, []);
    assert.ok((await readdir(usb)).includes('config'), 'removing a copy leaves its files in place');

    await go('settings', 'settings');
    await assertAccessible(page, 'settings');
    await page.getByTestId('language').selectOption('en');
    await page.getByTestId('settings-saved').waitFor();
    assert.equal(await page.locator('nav a[href="#/settings"]').innerText(), 'Settings');
    assert.equal((await call<{ language: string }>(stack, 'getSettings')).language, 'en');
    await page.getByTestId('language').selectOption('pt-BR');
    await page.locator('nav a[href="#/settings"]', { hasText: 'Configurações' }).waitFor();

    await go('audit', 'audit');
    await page.locator('.audit-table td', { hasText: 'criou o local dos backups' }).first().waitFor();
    const audit = await page.getByTestId('audit').innerText();
    // Sentences, not fields: who did what, in words.
    assert.match(audit, /criou o local dos backups às \d\d:\d\d\./);
    assert.match(audit, /restaurou 1 paciente \(\d+ registros\) no sistema http:\/\/127\.0\.0\.1:\d+\S* às \d\d:\d\d\./);
    assert.doesNotMatch(audit, /snapshot:|resources:|patient:/);
    await shot('audit-log');
  });

  it('never sent a secret to the renderer and had no script errors', async () => {
    const all = bodies.join('\n');
    assert.ok(all.length > 1000, 'API responses were collected');
    for (const secret of [SOURCE_TOKEN, stack.passphrase, stack.app.token]) assert.equal(all.includes(secret), false, `secret in an API response: ${secret.slice(0, 4)}…`);
    assert.deepEqual(
      errors.filter((e) => !/status of 4\d\d/.test(e)),
      [],
    );
  });
});
