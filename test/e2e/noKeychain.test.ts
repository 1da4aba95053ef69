/**
 * Setup on a computer without a keychain (no Secret Service on the bus), in a real browser at 1366×768 in pt-BR
 * against `serve` started without --repo and without a password file: the wizard explains the alternative in
 * plain Portuguese (never a D-Bus error), takes a passphrase the clinic chooses (too short or typed differently is
 * refused in place), keeps it in an owner-only file, and the setup goes on: the source's password and the
 * repository key are kept with it.
 */
import assert from 'node:assert/strict';
import { stat } from 'node:fs/promises';
import path from 'node:path';
import { describe, it } from 'node:test';
import { sandbox } from '../support/fhir.js';
import { assertAccessible, assertPlainWords, launchBrowser, openApp, startStack } from './support.js';

// No keychain for this process and the helpers it starts: a session bus address that leads nowhere.
process.env['DBUS_SESSION_BUS_ADDRESS'] = 'unix:path=/nonexistent/clinic-backup/bus';
delete process.env['CLINIC_BACKUP_PASSWORD_FILE'];

const SOURCE_PASSWORD = 'senha-da-recepcao-77';
const PASSPHRASE = 'girassol azul na janela da clinica';

describe('setup without a keychain (browser, 1366×768, pt-BR)', () => {
  it('offers a passphrase kept in an owner-only file, in plain words, and the setup completes with it', async () => {
    const source = await sandbox({ patients: 3, auth: { basic: { username: 'recepcao', password: SOURCE_PASSWORD } } });
    const stack = await startStack('pt-BR', { withoutRepo: true, noPasswordFile: true });
    assert.equal((await stack.app.host.call('keychainStatus', [])).ok, true);
    const browser = await launchBrowser();
    const { page } = await openApp(browser, stack);
    await page.getByTestId('start-setup').click();
    const panel = page.getByTestId('no-keychain');
    await panel.waitFor({ timeout: 30_000 });
    const text = await panel.innerText();
    assert.match(text, /não tem um cofre de senhas/);
    assert.match(text, /só o seu usuário deste computador pode abrir/);
    assert.doesNotMatch(await page.locator('body').innerText(), /D-Bus|dbus|Secret Service|KEYCHAIN_/i);
    assert.equal(await page.getByTestId('protect-step').count(), 0, 'nothing to keep a password in yet: the sources wait');
    await assertPlainWords(page, 'no keychain');
    await assertAccessible(page, 'no keychain');

    await page.getByTestId('clinic-passphrase').fill('curta');
    await page.getByTestId('clinic-passphrase-repeat').fill('curta');
    await page.getByTestId('use-passphrase').click();
    await page.getByText('Use pelo menos 12 letras.').waitFor();
    await page.getByTestId('clinic-passphrase').fill(PASSPHRASE);
    await page.getByTestId('clinic-passphrase-repeat').fill(`${PASSPHRASE}!`);
    await page.getByTestId('use-passphrase').click();
    await page.getByText('As duas frases-senha não são iguais.').waitFor();
    await page.getByTestId('clinic-passphrase-repeat').fill(PASSPHRASE);
    await page.getByTestId('use-passphrase').click();
    await page.getByTestId('passphrase-saved').waitFor({ timeout: 30_000 });
    const file = path.join(stack.dir, 'state', 'clinic-passphrase');
    assert.equal((await stat(file)).mode & 0o777, 0o600, 'owner-only file');

    // The setup goes on: a source with a password (kept beside the passphrase), then the folder picker.
    await page.getByTestId('protect-fhir').check();
    await page.getByTestId('source-url').fill(source.url);
    await page.getByTestId('auth-basic').check();
    await page.getByTestId('source-username').fill('recepcao');
    await page.getByTestId('source-password').fill(SOURCE_PASSWORD);
    await page.getByTestId('test-source').click();
    await page.getByTestId('source-ok').waitFor({ timeout: 30_000 });
    await page.getByTestId('next').click();
    await page.locator(`[data-testid="picker-root"][data-path="${path.dirname(stack.repo)}"]`).click();
    await page.getByTestId('picker-use').click();
    await page.getByTestId('use-destination').click();
    await page.getByTestId('offsite-form').waitFor({ timeout: 60_000 });
    // "Pular por agora" is in view without scrolling; a skipped step shows as skipped, never as done.
    const skip = page.getByTestId('skip-offsite');
    assert.equal(await skip.innerText(), 'Pular por agora');
    const box = await skip.boundingBox();
    assert.ok(box && box.y >= 0 && box.y + box.height <= 768, JSON.stringify(box));
    await skip.click();
    const offsiteStep = page.locator('.stepper li').nth(2);
    assert.equal(await offsiteStep.getAttribute('data-state'), 'skipped');
    assert.match(await offsiteStep.innerText(), /pulado/);
    assert.equal(await page.locator('.stepper li').nth(1).getAttribute('data-state'), 'done');
    await assertAccessible(page, 'offsite skipped');
    const keys = await stack.app.host.call('listKeys', []);
    assert.ok(keys.ok, JSON.stringify(keys));
    const kinds = keys.ok ? (keys.value as { kind: string }[]).map((k) => k.kind).sort() : [];
    assert.deepEqual(kinds, ['passphrase', 'recovery'], 'the key is kept with the passphrase, not in a keychain');
    assert.equal((await stat(path.join(stack.dir, 'state', 'secrets'))).mode & 0o777, 0o700, 'credentials in an owner-only folder');
  });
});
