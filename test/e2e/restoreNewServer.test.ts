/**
 * Issue 14 in the restore wizard (a real browser against `serve`, real sandboxes): everything restored into a new
 * server that chooses its own ids and refuses the old server's administration records (a project administrator
 * may not write the shared Project). The preview says the ids will be new, that the attachments go back, and that
 * the administration records are left out, with an opt-in; opted in, the restore still ends as a success, says
 * where the old → new map is kept and lists what the server refused. The records, their links and the exam
 * files arrive.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { sandbox } from '../support/fhir.js';
import { assertAttachmentsOpen, assertMappedCopy, readIdMap } from '../support/wild.js';
import { assertAccessible, assertPlainWords, launchBrowser, openApp, previewIntoOtherServer, startStack } from './support.js';

const ADMIN = ['Project', 'ProjectMembership', 'ClientApplication', 'User'];
const stack = await startStack('pt-BR');
const source = await sandbox({ patients: 3, seed: 14, documents: { patients: 2 }, administration: true });
for (const [method, args] of [
  ['init', [{ useKeychain: false, recoveryLanguage: 'pt-BR' }]],
  ['updateSettings', [{ language: 'pt-BR', source: { url: source.url, auth: { kind: 'none' } } }]],
  ['backupNow', []],
] as const) {
  const r = await stack.app.host.call(method, [...args]);
  if (!r.ok) throw new Error(`${method}: ${r.error.message}`);
}
const target = await sandbox({
  patients: 0,
  createGroup: false,
  faults: { noUpdateCreate: { status: 405 }, rejectResources: { match: '^(Project|ProjectMembership|ClientApplication|User)/', status: 403, diagnostics: 'Forbidden: shared project' } },
});
const browser = await launchBrowser();
const { page, errors } = await openApp(browser, stack);

describe('restore into a new server (browser)', () => {
  it('the preview tells about new ids, attachments and administration records (opt-in); the restore succeeds and shows the id map and what was refused', async () => {
    await page.getByTestId('dashboard').waitFor();
    await page.locator('nav a[href="#/restore"]').click();
    await page.getByTestId('restore-wizard').waitFor();
    await page.getByTestId('situation-server').check();
    await page.getByTestId('next').click();
    assert.equal(await page.getByTestId('scope-everything').isChecked(), true);
    await page.getByTestId('next').click();
    await previewIntoOtherServer(page, target.url);

    assert.match(await page.getByTestId('preview-ids').innerText(), /escolhe os próprios números .* correspondência antigo → novo fica guardada/);
    assert.match(await page.getByTestId('preview-attachments').innerText(), new RegExp(`Anexos \\(PDFs, imagens\\): ${source.documents.length} voltam ao servidor`));
    const admin = page.getByTestId('preview-administration');
    assert.match(await admin.innerText(), /ficam de fora: .*Aplicativo conectado \(1\), Projeto do servidor \(1\), Acesso ao projeto \(2\), Login de usuário \(1\)/);
    assert.equal(await page.getByTestId('include-admin').isChecked(), false, 'left out unless asked for');
    await assertAccessible(page, 'restore preview into a new server');
    await assertPlainWords(page, 'restore preview into a new server');
    // Opted in: planned again, now included (with the warning that a new server usually refuses them).
    await page.getByTestId('include-admin').check();
    await page.locator('[data-testid="preview-administration"]', { hasText: 'serão incluídos' }).waitFor({ timeout: 30_000 });
    assert.equal(await page.getByTestId('include-admin').isChecked(), true);

    await page.getByTestId('next').click();
    await page.getByTestId('confirm-text').fill('RESTAURAR');
    await page.getByTestId('restore-now').click();
    await page.getByTestId('restore-success').waitFor({ timeout: 120_000 });
    assert.match(await page.getByTestId('restore-success').innerText(), /Restauração concluída\./);
    assert.doesNotMatch(await page.getByTestId('restore-success').innerText(), /com falhas/);
    const ids = await page.getByTestId('outcome-ids').innerText();
    assert.match(ids, /O servidor deu números novos a \d+ registros/);
    assert.match(await page.getByTestId('outcome-administration').innerText(), /não restaurados .*Project\/clinic-project/);
    await assertAccessible(page, 'restore outcome into a new server');
    await assertPlainWords(page, 'restore outcome into a new server');

    // What arrived: every clinical record once under its new id, references and exam links working.
    const file = (await page.getByTestId('outcome-ids').locator('[data-verbatim]').innerText()).trim();
    const map = await readIdMap(file);
    assert.ok(map.size > 0);
    assertMappedCopy(source, target, map, ADMIN);
    assertAttachmentsOpen(target, source.documents, map);
    assert.equal([...target.store.all()].filter((x) => ADMIN.includes(x.type)).length, 0);
    assert.deepEqual(errors, []);
  });
});
