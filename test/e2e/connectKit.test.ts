/**
 * "Conectar a uma cópia existente" (issue #18, the printed kit's steps): on a new computer (`serve` without a
 * repository), the receptionist picks the backups folder with the folder picker and types the 32 words of the kit; a
 * wrong word first is refused naming the line to check, then the right words open the backups and the dashboard
 * shows them. Real parts: a repository made by another engine (the old computer, its own passphrase), real files,
 * real SQLite, real Chromium at 1366×768 in pt-BR.
 */
import assert from 'node:assert/strict';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { describe, it } from 'node:test';
import { createEngine, createSampleDataset } from '../../src/index.js';
import { writePasswordFile } from '../support/repo.js';
import { tempDir } from '../support/tmp.js';
import { assertAccessible, assertPlainWords, launchBrowser, openApp, saveScreenshot, startStack } from './support.js';

describe('connect to an existing copy with the printed kit (browser)', () => {
  it('finds the backups by folder picker and opens them with the 32 words; a wrong word names its line', async () => {
    const stack = await startStack('pt-BR', { withoutRepo: true });
    // The old computer: its repository on the clinic's drive, opened by its own passphrase (not this computer's).
    const old = await tempDir('cb-e2e-old-');
    const data = path.join(old, 'data');
    await createSampleDataset(data, { patients: 2 });
    await mkdir(stack.repo, { recursive: true });
    const oldEngine = createEngine({ repo: stack.repo, passwordFile: await writePasswordFile(old, 'the old computer passphrase'), stateDir: path.join(old, 'state'), locale: 'pt-BR' });
    const init = await oldEngine.init({ useKeychain: false });
    await oldEngine.backupNdjson(data);
    await oldEngine.close();
    const lines = init.recoveryKey;
    assert.ok(lines && lines.length === 8);

    const browser = await launchBrowser();
    const { page, bodies } = await openApp(browser, stack);
    await page.getByTestId('connect-existing-start').click();
    await page.getByTestId('connect-existing').waitFor();
    await assertAccessible(page, 'connect: folder');
    await assertPlainWords(page, 'connect: folder');
    // The drive, then its backups folder, by clicking only.
    await page.locator(`[data-testid="picker-root"][data-path="${path.dirname(stack.repo)}"]`).click();
    await page.locator(`[data-testid="picker-folder"][data-name="${path.basename(stack.repo)}"]`).click();
    await page.getByTestId('picker-use').click();
    await page.getByTestId('connect-words').waitFor();
    assert.match(await page.getByTestId('connect-folder').innerText(), new RegExp(`${path.basename(stack.repo)}$`));

    // A wrong word on line 3: refused, the line named, nothing connected.
    const wrong = lines.map((l, i) => (i === 2 ? [l[0], lines[0]?.[0] ?? '', l[2], l[3]] : l));
    await page.getByTestId('connect-words').fill(wrong.map((l) => l.join(' ')).join('\n'));
    await page.getByTestId('connect-submit').click();
    const error = page.getByTestId('connect-error');
    await error.waitFor({ timeout: 30_000 });
    assert.match(await error.innerText(), /linha 3/i);
    await saveScreenshot(page, 'connect-existing');
    await assertAccessible(page, 'connect: words');
    await assertPlainWords(page, 'connect: words');

    // The right words: the backups are this computer's now; the dashboard shows them.
    await page.getByTestId('connect-words').fill(lines.map((l) => l.join(' ')).join('\n'));
    await page.getByTestId('connect-submit').click();
    await page.getByTestId('dashboard').waitFor({ timeout: 60_000 });
    const status = await stack.app.host.call('status', []);
    assert.ok(status.ok, JSON.stringify(status));
    assert.equal(status.ok && (status.value as { snapshots: number }).snapshots, 1, 'the old computer’s backup is there');
    const keys = await stack.app.host.call('listKeys', []);
    assert.ok(keys.ok && (keys.value as { kind: string }[]).filter((k) => k.kind === 'passphrase').length === 2, 'this computer got its own key');
    const words = lines.flat();
    for (const body of bodies) assert.ok(!words.every((w) => body.includes(w)), 'the words never come back from the engine');
    await browser.close();
  });
});
