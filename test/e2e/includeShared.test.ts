/**
 * The restore wizard's "include records shared with other patients" checkbox (issue #13 §4), in a real browser
 * against `serve` with real sandboxes: ticked, the preview says the shared Group WILL be written and counts it, and
 * the restore writes it; the default (unticked) is proven by app.test.ts.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { SandboxServer } from '../../src/sandbox/index.js';
import { sandbox } from '../support/fhir.js';
import { launchBrowser, openApp, previewIntoOtherServer, startStack, type Stack } from './support.js';

async function call<T>(stack: Stack, method: string, ...args: unknown[]): Promise<T> {
  const r = await stack.app.host.call(method, args);
  if (!r.ok) throw new Error(`${method}: ${r.error.code} ${r.error.message}`);
  return r.value as T;
}

const source: SandboxServer = await sandbox({ patients: 4, seed: 23 });
const target: SandboxServer = await sandbox({ patients: 0, createGroup: false });
const stack: Stack = await startStack('pt-BR');
await call(stack, 'init', { useKeychain: false, recoveryLanguage: 'pt-BR' });
await call(stack, 'updateSettings', { language: 'pt-BR', source: { url: source.url, auth: { kind: 'none' } } });
await call(stack, 'backupNow');
const browser = await launchBrowser();
const { page } = await openApp(browser, stack);

describe('restore wizard: shared records (browser)', () => {
  it('ticking "include shared" previews the Group as WILL be written and restores it with the patient', async () => {
    const patient = [...source.store.all()].find((r) => r.type === 'Patient') as { id: string; text: string };
    const family = (JSON.parse(patient.text) as { name: { family: string }[] }).name[0]?.family as string;
    const compartment = (await call<{ resources: { type: string; id: string }[] }>(stack, 'ls', { snapshot: 'latest', patient: patient.id })).resources;
    assert.ok(compartment.some((r) => r.type === 'Group' && r.id === 'all-patients'));

    await page.getByTestId('dashboard').waitFor();
    await page.locator('nav a[href="#/restore"]').click();
    await page.getByTestId('restore-wizard').waitFor();
    await page.getByTestId('situation-patient').check();
    await page.getByTestId('next').click();
    await page.getByTestId('patient-search').fill(family.slice(0, 4).toLowerCase());
    await page.getByTestId(`patient-${patient.id}`).check();
    assert.equal(await page.getByTestId('include-shared').isChecked(), false);
    await page.getByTestId('include-shared').check();
    await page.getByTestId('next').click();
    await previewIntoOtherServer(page, target.url);
    assert.match(await page.getByTestId('preview-totals').innerText(), new RegExp(`Total: ${compartment.length} registros`));
    assert.match(await page.getByTestId('shared-resources').innerText(), /1 registro que também é de outros pacientes SERÁ gravado[\s\S]*Group\/all-patients/);
    await page.getByTestId('next').click();
    await page.getByTestId('confirm-text').fill('RESTAURAR');
    await page.getByTestId('restore-now').click();
    await page.getByTestId('restore-success').waitFor({ timeout: 60_000 });
    assert.equal(target.store.count(), compartment.length);
    assert.ok(target.store.get('Group', 'all-patients'), 'the shared Group was written, as asked');
  });
});
