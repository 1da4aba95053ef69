/**
 * The first-run setup wizard in a real browser against `serve` (real sandbox FHIR server, real repository,
 * real SQLite, a real S3 server on loopback for the offsite copy): bad input first (invalid URL, unreachable
 * server, wrong credentials, a bucket key refused — each an inline error with its fix and nothing saved), then
 * the whole wizard to the first backup, which also fills the offsite copy.
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import S3rver from 's3rver';
import type { AppSettings } from '../../src/shared/contract.js';
import { closedPort, sandbox } from '../support/fhir.js';
import { tempDir } from '../support/tmp.js';
import { assertAccessible, assertPlainWords, launchBrowser, openApp, saveScreenshot, startStack } from './support.js';

const SOURCE_PASSWORD = 'Recepcao-Senha-Correta-2026!';
const WRONG_PASSWORD = 'senha-errada-123';
const BUCKET = 'clinica-offsite';
/** s3rver knows the key id S3RVER and does not check the secret; the secret still must never reach the page. */
const S3_SECRET = 'offsite-secret-key-e2e-Qx81';

describe('setup wizard (browser)', () => {
  it('refuses bad input with the fix and saves nothing, then sets up, confirms the kit and makes the first backup', async () => {
    const source = await sandbox({ patients: 6, auth: { basic: { username: 'recepcao', password: SOURCE_PASSWORD } } });
    const s3 = new S3rver({ address: '127.0.0.1', port: 0, silent: true, directory: await tempDir('cb-e2e-s3-'), configureBuckets: [{ name: BUCKET }] });
    const s3port = (await s3.run()).port;
    after(() => s3.close());
    // `serve` without --repo: the wizard creates the repository where the folder picker says.
    const stack = await startStack('pt-BR', { withoutRepo: true });
    const browser = await launchBrowser();
    const { page, bodies, errors } = await openApp(browser, stack);
    const nothingSaved = async (): Promise<void> => {
      const secrets = await stack.app.host.call('listSecrets', []);
      assert.deepEqual(secrets.ok && secrets.value, [], 'no credential stored');
      assert.equal(existsSync(stack.repo), false, 'no repository created');
    };

    await page.getByTestId('start-setup').click();
    await page.getByTestId('setup-wizard').waitFor();
    const next = page.getByTestId('next');

    // What to protect: nothing ticked, nothing to continue with; the records server ticked, its form appears.
    assert.equal(await next.isDisabled(), true);
    await page.getByTestId('protect-fhir').check();

    // 1. An invalid URL: inline error with the fix; nothing was sent anywhere.
    await page.getByTestId('source-url').fill('servidor da clinica');
    await page.getByTestId('test-source').click();
    const error = page.getByTestId('source-error');
    await error.waitFor();
    assert.match(await error.innerText(), /não é válido/);
    assert.match(await error.innerText(), /Como resolver/);
    assert.equal(await page.getByLabel('Endereço do sistema da clínica (servidor FHIR)').getAttribute('aria-invalid'), 'true');
    assert.equal(await next.isDisabled(), true);
    await nothingSaved();

    // 2. An unreachable server.
    await page.getByTestId('source-url').fill(`http://127.0.0.1:${await closedPort()}/fhir`);
    await page.getByTestId('test-source').click();
    await page.locator('[data-testid="source-error"][data-code="SOURCE_UNREACHABLE"]').waitFor({ timeout: 30_000 });
    assert.match(await error.innerText(), /ligado/);
    assert.equal(await next.isDisabled(), true);
    await nothingSaved();

    // The clinic's name, asked once: it is on the kit and in the settings the reports and e-mails use.
    await page.getByTestId('clinic-name').fill('Clínica Sorriso');

    // 3. Wrong credentials. The sandbox answers on http://: the screen warns that patient data would travel unencrypted.
    await page.getByTestId('source-url').fill(source.url);
    assert.match(await page.getByTestId('source-http-warning').innerText(), /sem criptografia/);
    await page.getByTestId('auth-basic').check();
    await page.getByTestId('source-username').fill('recepcao');
    await page.getByTestId('source-password').fill(WRONG_PASSWORD);
    await page.getByTestId('test-source').click();
    await page.locator('[data-testid="source-error"][data-code="SOURCE_AUTH"]').waitFor({ timeout: 30_000 });
    assert.match(await error.innerText(), /Usuário, senha ou chave de acesso incorretos/);
    assert.equal(await next.isDisabled(), true);
    await nothingSaved();

    // 4. The right password: the connection works.
    await page.getByTestId('source-password').fill(SOURCE_PASSWORD);
    await page.getByTestId('test-source').click();
    await page.getByTestId('source-ok').waitFor();
    assert.match(await page.getByTestId('source-ok').innerText(), /versão 4\.0\.1, \d+ tipos de dados/);
    await saveScreenshot(page, 'setup-source');
    await assertPlainWords(page, 'setup-source');
    await assertAccessible(page, 'setup-source');
    await next.click();

    // Destination: chosen with the folder picker, by clicking only (no path typed): the drive, then its folder.
    await page.getByTestId('folder-picker').waitFor();
    const drive = page.locator(`[data-testid="picker-root"][data-path="${path.dirname(stack.repo)}"]`);
    await drive.waitFor();
    assert.match(await drive.innerText(), /livres de/);
    await drive.click();
    await page.getByTestId('picker-here').waitFor();
    assert.equal(await page.getByTestId('picker-here').innerText(), path.dirname(stack.repo));
    assert.doesNotMatch(await page.getByTestId('folder-picker').innerText(), /fotos-da-festa/, 'files are not listed');
    assert.match(await page.getByTestId('picker-target').innerText(), new RegExp(`ficarão em:\\s*${stack.repo.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`));
    await page.getByTestId('picker-use').click();
    assert.equal(await page.getByTestId('dest-chosen').locator('strong').innerText(), stack.repo);
    assert.equal(await page.getByTestId('dest-path').isVisible(), false, 'the typed path stays folded away');
    await saveScreenshot(page, 'setup-destination');
    await assertPlainWords(page, 'setup-destination');
    await assertAccessible(page, 'setup-destination');
    await page.getByTestId('use-destination').click();

    // Offsite: an S3-compatible bucket; a refused key first (inline error with the fix, nothing saved).
    await page.getByTestId('offsite-form').waitFor({ timeout: 60_000 });
    // Providers by name, Amazon S3 in São Paulo first; each named provider fills in its address and regions.
    const providerNames = (await page.locator('.provider-choice label').allInnerTexts()).map((x) => x.trim());
    assert.deepEqual(
      providerNames.map((x) => x.split(/\s+—/)[0]),
      ['Amazon S3', 'Magalu Cloud', 'Backblaze B2', 'Wasabi', 'Outro serviço compatível com S3 (por exemplo um MinIO na clínica)'],
    );
    assert.deepEqual(
      providerNames.map((x) => /tem região no Brasil/.test(x)),
      [true, true, false, false, false],
      'the providers with a region in Brazil say so',
    );
    assert.equal(await page.getByTestId('provider-aws').isChecked(), true);
    assert.match(await page.getByTestId('s3-region').locator('option:checked').innerText(), /^São Paulo — Brasil \(sa-east-1\)$/);
    assert.equal(await page.getByTestId('residency-warning').count(), 0, 'São Paulo needs no authorisation');
    await page.getByTestId('provider-magalu').check();
    assert.match(await page.getByTestId('s3-region').locator('option:checked').innerText(), /^São Paulo \(Sudeste\) — Brasil \(br-se1\)$/);
    assert.match(await page.getByTestId('s3-endpoint-preset').innerText(), /já preenchido para Magalu Cloud: https:\/\/br-se1\.magaluobjects\.com$/);
    await page.getByTestId('s3-region').selectOption('br-ne1');
    assert.match(await page.getByTestId('s3-endpoint-preset').innerText(), /https:\/\/br-ne1\.magaluobjects\.com$/);
    assert.equal(await page.getByTestId('residency-warning').count(), 0, 'both Magalu regions are in Brazil');
    await page.getByTestId('provider-b2').check();
    assert.match(await page.getByTestId('s3-endpoint-preset').innerText(), /https:\/\/s3\.us-west-002\.backblazeb2\.com$/);
    assert.match(await page.getByTestId('residency-warning').innerText(), /fica fora do Brasil/, 'Backblaze has no region in Brazil: the clinic must authorise');
    await page.getByTestId('provider-wasabi').check();
    assert.match(await page.getByTestId('s3-endpoint-preset').innerText(), /https:\/\/s3\.us-east-1\.wasabisys\.com$/);
    assert.match(await page.getByTestId('residency-warning').innerText(), /fica fora do Brasil/);
    // Every field says in one line what it is.
    for (const label of ['Região', 'Nome do espaço na nuvem (bucket)', 'Pasta dentro do espaço na nuvem', 'Chave de acesso (Access key ID)', 'Chave secreta (Secret access key)']) {
      const described = await page.getByLabel(label, { exact: true }).getAttribute('aria-describedby');
      assert.ok(described, `${label} has its one-line explanation`);
    }
    const skipBox = await page.getByTestId('skip-offsite').boundingBox();
    assert.ok(skipBox && skipBox.y >= 0 && skipBox.y + skipBox.height <= 768, `"Pular por agora" in view: ${JSON.stringify(skipBox)}`);
    await page.getByTestId('provider-other').check();
    await page.getByTestId('s3-endpoint').fill(`http://127.0.0.1:${s3port}`);
    await page.getByTestId('s3-bucket').fill(BUCKET);
    await page.getByTestId('s3-access-key').fill('CHAVE-ERRADA');
    await page.getByTestId('s3-secret-key').fill(S3_SECRET);
    await page.getByTestId('offsite-test-save').click();
    const offsiteError = page.locator('[data-testid="offsite-error"][data-code="S3_AUTH"]');
    await offsiteError.waitFor({ timeout: 30_000 });
    assert.match(await offsiteError.innerText(), /Como resolver:.*chave secreta/s);
    const noCopy = await stack.app.host.call('getSettings', []);
    assert.deepEqual(noCopy.ok && (noCopy.value as AppSettings).copies, [], 'no copy saved');
    const onlySource = await stack.app.host.call('listSecrets', []);
    assert.deepEqual(onlySource.ok && onlySource.value, ['source-password'], 'no bucket key stored');
    await page.getByTestId('s3-access-key').fill('S3RVER');
    await saveScreenshot(page, 'setup-offsite');
    await assertPlainWords(page, 'setup-offsite');
    await assertAccessible(page, 'setup-offsite');
    await page.getByTestId('offsite-test-save').click();
    await page.getByTestId('offsite-added').waitFor({ timeout: 30_000 });
    assert.match(await page.getByTestId('offsite-added').innerText(), new RegExp(`s3:http://127\\.0\\.0\\.1:${s3port}/${BUCKET}/clinic-backup`));
    await page.getByTestId('offsite-next').click();

    // Schedule.
    await page.getByTestId('preset-daily').check();
    await page.getByTestId('save-schedule').click();

    // Recovery kit: the words, print, "I stored it", two words typed back (a wrong try first).
    const kit = page.getByTestId('recovery-kit');
    await kit.waitFor();
    const words = (await kit.locator('.kit-word').allInnerTexts()).map((w) => w.trim());
    assert.ok(words.length >= 24, `the recovery key words (${words.length})`);
    await saveScreenshot(page, 'setup-recovery-kit');
    await assertPlainWords(page, 'setup-recovery-kit');
    await assertAccessible(page, 'setup-recovery-kit');
    await page.getByTestId('kit-stored').click();
    const labels = await page.locator('.kit-confirm label').allInnerTexts();
    const positions = labels.map((l) => Number(/(\d+)/.exec(l)?.[1]));
    assert.equal(positions.length, 2);
    // The words are hidden before they are asked for: they are typed from the paper, not copied from the screen.
    assert.equal(await kit.locator('.kit-word').count(), 0);
    assert.match(await page.getByTestId('kit-hidden').innerText(), new RegExp(`digite as palavras ${positions[0]} e ${positions[1]}`));
    assert.doesNotMatch(await kit.innerText(), /[0-9a-f]{16}/, 'no hex id on the kit');
    assert.equal(await page.getByTestId('kit-clinic').innerText(), 'Clínica Sorriso');
    const saved = await stack.app.host.call('getSettings', []);
    assert.equal(saved.ok && (saved.value as { clinicName?: string }).clinicName, 'Clínica Sorriso');
    await page.getByTestId('kit-word-0').fill('errada');
    await page.getByTestId('kit-word-1').fill('tambem');
    await page.getByTestId('kit-confirm').click();
    await page.locator('[data-code="CONFIRMATION_MISMATCH"]').waitFor();
    assert.equal(await page.getByTestId('kit-next').isDisabled(), true);
    await page.getByTestId('kit-word-0').fill(words[(positions[0] as number) - 1] as string);
    await page.getByTestId('kit-word-1').fill(words[(positions[1] as number) - 1] as string);
    await page.getByTestId('kit-confirm').click();
    await page.getByTestId('kit-confirmed').waitFor();
    await page.getByTestId('kit-next').click();

    // Done: the first backup from the last step.
    await page.getByTestId('setup-done').waitFor();
    await page.getByTestId('first-backup').click();
    await page.getByTestId('backup-success').waitFor({ timeout: 60_000 });
    assert.match(await page.getByTestId('backup-success').innerText(), new RegExp(`${source.store.count()} registros`));

    // What the engine holds: the source by secret name, the schedule, the kit confirmed, one snapshot.
    const settings = await stack.app.host.call('getSettings', []);
    assert.ok(settings.ok);
    const s = settings.value as AppSettings;
    assert.equal(s.source?.url, source.url);
    assert.deepEqual(s.source?.auth, { kind: 'basic', username: 'recepcao', passwordSecret: 'source-password' });
    assert.equal(s.schedule.backup.kind, 'daily');
    assert.equal(s.language, 'pt-BR');
    const secrets = await stack.app.host.call('listSecrets', []);
    assert.deepEqual(secrets.ok && secrets.value, [`s3:${BUCKET}:access-key-id`, `s3:${BUCKET}:secret-access-key`, 'source-password'], 'the final credentials, no leftover candidate');
    assert.equal(s.copies?.length, 1);
    assert.equal(JSON.stringify(s).includes(S3_SECRET), false, 'the bucket key is not in settings');
    const status = await stack.app.host.call('status', []);
    assert.ok(status.ok);
    assert.equal((status.value as { snapshots: number }).snapshots, 1);
    assert.equal((status.value as { recoveryKit: { confirmed: boolean } }).recoveryKit.confirmed, true);
    const copies = (status.value as { destinations: { kind: string; lastSuccessAt: string | null }[] }).destinations;
    assert.deepEqual(
      copies.map((d) => d.kind),
      ['s3'],
    );
    assert.ok(copies[0]?.lastSuccessAt, 'the first backup filled the offsite copy');

    // The renderer never received a secret.
    await page.waitForTimeout(200);
    const all = bodies.join('\n');
    for (const secret of [SOURCE_PASSWORD, WRONG_PASSWORD, S3_SECRET, stack.passphrase, stack.app.token])
      assert.equal(all.includes(secret), false, `secret in an API response: ${secret.slice(0, 4)}…`);
    assert.deepEqual(
      errors.filter((e) => !/status of (4\d\d)/.test(e)),
      [],
      'no script errors (expected 4xx answers aside)',
    );
  });
});
