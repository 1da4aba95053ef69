/**
 * People and incidents in a real browser against `serve`: contacts by SOP-019 §4 role, where the kit is kept and an
 * incident entered in the UI appear in the disaster-recovery plan PDF (read back with pdftotext) and the incident in
 * the compliance summary; the ANPD 3-business-day clock is shown while the incident is open.
 * Screenshots are written only with UPDATE_SCREENSHOTS=1.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { describe, it } from 'node:test';
import type { Page } from 'playwright-core';
import { sandbox } from '../support/fhir.js';
import { assertAccessible, launchBrowser, openApp, saveScreenshot, SCREENSHOTS, startStack } from './support.js';

const stack = await startStack('pt-BR');
const source = await sandbox({ patients: 4, seed: 5 });
for (const [method, args] of [
  ['init', [{ useKeychain: false, recoveryLanguage: 'pt-BR' }]],
  ['updateSettings', [{ source: { url: source.url, auth: { kind: 'none' } } }]],
  ['backupNow', []],
  ['backupNow', []],
] as const) {
  const r = await stack.app.host.call(method, [...args]);
  if (!r.ok) throw new Error(`${method}: ${r.error.message}`);
}
const browser = await launchBrowser();
const { page, errors } = await openApp(browser, stack);

async function pdfText(p: Page, testId: string, file: string): Promise<string> {
  const [download] = await Promise.all([p.waitForEvent('download', { timeout: 60_000 }), p.getByTestId(testId).click()]);
  const target = path.join(stack.dir, file);
  await download.saveAs(target);
  return execFileSync('pdftotext', ['-layout', target, '-'], { encoding: 'utf8' }).replace(/\s+/g, ' ');
}

describe('people and incidents (browser)', () => {
  it('dashboard: every SOP-019 indicator with its target, partial runs counted as failures', async () => {
    await page.getByTestId('dashboard').waitFor();
    const panel = page.getByTestId('indicators');
    await panel.waitFor();
    const ids = await panel.locator('tr[data-indicator]').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-indicator')));
    assert.deepEqual(ids, ['backupSuccessRate', 'validationRate', 'meanBackupDuration', 'compressionRate', 'recoverySuccessRate', 'rpo:local', 'rto', 'mttr', 'availability', 'mtbf', 'healthScore']);
    assert.match(await panel.locator('tr[data-indicator="backupSuccessRate"]').innerText(), /Backups que deram certo \(30 dias\)\s+100 %\s+meta: pelo menos 99 %/);
    assert.match(await panel.locator('tr[data-indicator="mttr"]').innerText(), /nenhuma falha no período/);
    await assertAccessible(page, 'dashboard with indicators');
    if (process.env['UPDATE_SCREENSHOTS'] === '1') {
      await page.evaluate(`document.querySelector('[data-testid="indicators"]').scrollIntoView({ block: 'start' })`);
      await page.screenshot({ path: path.join(SCREENSHOTS, 'dashboard-indicators.png') });
    }
  });

  it("contacts, the kit's place and an incident entered in the UI are printed in the DR plan and the compliance summary", async () => {
    await page.locator('nav a[href="#/people"]').click();
    await page.getByTestId('contacts').waitFor();
    await page.getByTestId('contact-name-0').fill('Dra. Ana Souza');
    await page.getByTestId('contact-phone-0').fill('(11) 98888-1234');
    await page.getByTestId('contact-name-1').fill('Carlos Lima');
    await page.getByTestId('contact-email-1').fill('carlos@clinica.test');
    await page.getByTestId('contact-name-2').fill('Beatriz Rocha');
    await page.getByTestId('kit-location').fill('Cofre do consultório');
    await page.getByTestId('people-save').click();
    await page.getByTestId('people-saved').waitFor();

    await page.getByTestId('incident-new').click();
    await page.getByTestId('incident-title').fill('Notebook da recepção furtado');
    await page.getByTestId('incident-data').fill('agenda de 40 pacientes');
    await page.getByTestId('incident-save').click();
    await page.getByTestId('incidents').waitFor();
    const clock = await page.getByTestId('anpd-clock').first().innerText();
    assert.match(clock, /ANPD ainda não avisada: faltam 3 dias úteis/);
    await assertAccessible(page, 'people');
    if (process.env['UPDATE_SCREENSHOTS'] === '1') await page.screenshot({ path: path.join(SCREENSHOTS, 'people.png'), fullPage: true });

    const plan = await pdfText(page, 'download-dr-plan', 'plano.pdf');
    for (const text of [
      'Dra. Ana Souza',
      '(11) 98888-1234',
      'Carlos Lima',
      'carlos@clinica.test',
      'Beatriz Rocha',
      'Cofre do consultório',
      'Notebook da recepção furtado',
      'agenda de 40 pacientes',
      'NÃO comunicada',
    ]) {
      assert.ok(plan.includes(text), `the DR plan prints "${text}"`);
    }
    assert.match(plan, /Encarregado|DPO/);
    const compliance = await pdfText(page, 'download-compliance', 'conformidade.pdf');
    for (const text of ['Notebook da recepção furtado', 'Dra. Ana Souza', 'Carlos Lima', 'Beatriz Rocha', 'Cofre do consultório']) {
      assert.ok(compliance.includes(text), `the compliance summary prints "${text}"`);
    }
    // The role column wraps in the PDF's layout (as in the plan): its first word is enough.
    assert.match(compliance, /Encarregado/);
    assert.deepEqual(errors, []);
  });

  it('settings show what the next cleanup would remove: nothing while the two restore points are within the policy, then the older one, by name, once the policy keeps one', async () => {
    await page.locator('nav a[href="#/settings"]').click();
    const preview = page.getByTestId('retention-preview');
    await preview.waitFor();
    assert.equal(await preview.getAttribute('data-removed'), '0');
    assert.match(await preview.innerText(), /Nada: os 2 pontos de restauração ficam/);

    // The clinic keeps only the newest point by its rules: the preview names the one the next cleanup would remove
    // (the legal floor keeps the month's last point, the newest), and the preview itself removes nothing.
    for (const [field, value] of [
      ['keepLast', '1'],
      ['keepDaily', '0'],
      ['keepWeekly', '0'],
      ['keepMonthly', '0'],
      ['keepYearly', '0'],
    ] as const) {
      await page.getByTestId(`retention-${field}`).fill(value);
    }
    await page.getByTestId('save-retention').click();
    await page.getByTestId('retention-saved').waitFor();
    await page.locator('[data-testid="retention-preview"][data-removed="1"]').waitFor();
    const text = await page.getByTestId('retention-preview').innerText();
    assert.match(text, /1 ponto de restauração sairá; 1 fica\./);
    assert.match(text, /\d{2}\/\d{2}\/\d{4}, \d{2}:\d{2} BRT — um ponto mais novo já o substitui/, 'the point that would go, on the clinic clock, with why in plain words');
    const snapshots = await stack.app.host.call('snapshots', []);
    assert.equal(snapshots.ok && (snapshots.value as unknown[]).length, 2, 'the preview removed nothing');
    await page.evaluate(`document.querySelector('[data-testid="retention-preview"]').scrollIntoView({ block: 'center' })`);
    await saveScreenshot(page, 'settings-retention-preview');
    // Settings asks for the desktop options, which `serve` answers 404 (NOT_FOUND): an expected refusal, no script error.
    assert.deepEqual(
      errors.filter((e) => !/status of 4\d\d/.test(e)),
      [],
    );
  });
});
