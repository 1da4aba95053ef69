/**
 * A failed backup names the side that failed in plain words, in a real browser at 1366×768 in pt-BR against
 * `serve` with a real sandbox and repository: the clinic's server refusing the backup is "o servidor da clínica";
 * the folder where the copies are kept gone (a NAS share unmounted) is "o local onde as cópias são guardadas",
 * with its path shown as such, never the code as the message (the code stays on the "código para o suporte" line).
 * Each time the headline's point says the same and its button leads to the fix.
 */
import assert from 'node:assert/strict';
import { rename } from 'node:fs/promises';
import { before, describe, it } from 'node:test';
import type { Page } from 'playwright-core';
import type { SandboxServer } from '../../src/sandbox/index.js';
import { sandbox } from '../support/fhir.js';
import { assertAccessible, assertPlainWords, launchBrowser, openApp, startStack, type Stack } from './support.js';

const SOURCE_TOKEN = 'side-bearer-token-8c2f';

async function call<T>(stack: Stack, method: string, ...args: unknown[]): Promise<T> {
  const r = await stack.app.host.call(method, args);
  if (!r.ok) throw new Error(`${method}: ${r.error.code} ${r.error.message}`);
  return r.value as T;
}

const source: SandboxServer = await sandbox({ patients: 4, seed: 44, auth: { bearerTokens: [SOURCE_TOKEN] } });
const stack: Stack = await startStack('pt-BR');
await call(stack, 'init', { useKeychain: false, recoveryLanguage: 'pt-BR' });
await call(stack, 'setSecret', 'source-token', SOURCE_TOKEN);
await call(stack, 'updateSettings', { language: 'pt-BR', source: { url: source.url, auth: { kind: 'bearer', tokenSecret: 'source-token' } } });
await call(stack, 'backupNow');
const browser = await launchBrowser();
const { page }: { page: Page } = await openApp(browser, stack);

describe('a failed backup names the side that failed (browser, 1366×768, pt-BR)', () => {
  before(async () => {
    await page.getByTestId('dashboard').waitFor();
  });

  it("the clinic's server refuses: named as the clinic's server, the code only for support", async () => {
    source.faults.set({ auth: { bearerTokens: ['rotated-on-the-server'] } });
    try {
      await page.getByTestId('backup-now').click();
      const box = page.locator('[data-testid="backup-error"][data-side="source"]');
      await box.waitFor({ timeout: 60_000 });
      assert.match(await box.getByTestId('error-side').innerText(), /servidor da clínica/);
      assert.doesNotMatch(await box.locator('.error-message').innerText(), /SOURCE_AUTH/);
      assert.match(await box.locator('[data-support-code]').innerText(), /Código para o suporte: SOURCE_AUTH/);
      const point = page.locator('[data-testid="headline-point"][data-point="backup-failed"]');
      await point.waitFor();
      assert.match(await point.innerText(), /servidor da clínica/);
      assert.equal(await point.getAttribute('data-action'), 'backup-now');
      await assertPlainWords(page, 'failing source');
      await assertAccessible(page, 'failing source');
    } finally {
      source.faults.set({ auth: { bearerTokens: [SOURCE_TOKEN] } });
    }
  });

  it('the folder of the copies is gone: named as the place the copies are kept, with its path, and the button opens it', async () => {
    const away = `${stack.repo}-unmounted`;
    await rename(stack.repo, away);
    try {
      await page.getByTestId('backup-now').click();
      // The backup's error, or (once the status cannot be read either) the screen's: both name the place.
      const box = page.locator('.error-box[data-side="destination"]').first();
      await box.waitFor({ timeout: 60_000 });
      const side = await box.getByTestId('error-side').innerText();
      assert.match(side, /local onde as cópias são guardadas/);
      assert.ok(side.includes(stack.repo), side);
      assert.doesNotMatch(await box.locator('.error-message').innerText(), /DEST_|REPO_/);
      assert.doesNotMatch(side, /servidor da clínica/);
      await assertPlainWords(page, 'failing destination');
      // The box may be the status's (read first): the backup itself must have ended before the folder comes back.
      for (let i = 0; i < 600; i++) {
        const tasks = await stack.app.host.call('listTasks', []);
        if (tasks.ok && !(tasks.value as { kind: string }[]).some((x) => x.kind === 'backup')) break;
        await new Promise((r) => setTimeout(r, 100));
      }
    } finally {
      await rename(away, stack.repo);
    }
    // Back in place: the dashboard reads the status again and the headline names the destination.
    await page.reload();
    const point = page.locator('[data-testid="headline-point"][data-point="backup-failed"]');
    await point.waitFor({ timeout: 30_000 });
    assert.match(await point.innerText(), /local onde as cópias ficam guardadas/);
    assert.equal(await point.getAttribute('data-action'), 'see-destinations');
    await point.getByRole('button').click();
    await page.getByTestId('destinations').waitFor();
    await assertAccessible(page, 'failing destination');
  });
});
