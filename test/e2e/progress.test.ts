/**
 * Progress you can trust, in a real browser at 1366×768 in pt-BR against `serve` with a real sandbox: a running
 * backup says what it does in plain words with a count or "x de y (z%)", speed and time left when known, and a
 * Cancel button; when the clinic's server stops answering (the sandbox holds its files) the screen says
 * "O servidor não responde" within seconds instead of "Baixando os dados", and Cancel stops the backup with
 * nothing half-saved.
 */
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import type { Page } from 'playwright-core';
import type { SandboxServer } from '../../src/sandbox/index.js';
import { sandbox } from '../support/fhir.js';
import { assertAccessible, assertPlainWords, launchBrowser, openApp, saveScreenshot, startStack, type Stack } from './support.js';

/** Long enough never to end during the test: the sandbox clears it when it closes. */
const HOLD_MS = 120_000;

async function call<T>(stack: Stack, method: string, ...args: unknown[]): Promise<T> {
  const r = await stack.app.host.call(method, args);
  if (!r.ok) throw new Error(`${method}: ${r.error.code} ${r.error.message}`);
  return r.value as T;
}

const source: SandboxServer = await sandbox({ patients: 40, seed: 71 });
const stack: Stack = await startStack('pt-BR');
await call(stack, 'init', { useKeychain: false, recoveryLanguage: 'pt-BR' });
await call(stack, 'updateSettings', { language: 'pt-BR', source: { url: source.url, auth: { kind: 'none' } } });
const browser = await launchBrowser();
const { page }: { page: Page } = await openApp(browser, stack);

/** What the progress line says, sampled until the backup ends (bounded). */
async function sampleProgress(until: () => Promise<boolean>, timeoutMs: number): Promise<string[]> {
  const seen = new Set<string>();
  const end = Date.now() + timeoutMs;
  while (Date.now() < end && !(await until())) {
    const p = page.getByTestId('progress');
    if ((await p.count()) > 0)
      seen.add(
        await p
          .first()
          .innerText()
          .catch(() => ''),
      );
    await new Promise((r) => setTimeout(r, 100));
  }
  return [...seen].filter((s) => s.trim() !== '');
}

describe('progress and a way out (browser, 1366×768, pt-BR)', () => {
  before(async () => {
    await page.getByTestId('welcome').or(page.getByTestId('dashboard')).waitFor();
    await page.goto(`${stack.app.origin}/#/dashboard`);
    await page.getByTestId('dashboard').waitFor();
  });

  it('a running backup says what it does in plain words, how much of the total, its speed, with a Cancel button', async () => {
    // The export's files arrive slowly (small pieces), so the download is seen while it runs.
    source.faults.set({ trickle: { chunkBytes: 4096, intervalMs: 40, match: '_bulk/[^/]+/[^/]+' } });
    try {
      await page.getByTestId('backup-now').click();
      await page.getByTestId('cancel-backup').waitFor({ timeout: 30_000 });
      await assertPlainWords(page, 'backup progress');
      await assertAccessible(page, 'backup progress');
      await saveScreenshot(page, 'backup-progress');
      const seen = await sampleProgress(async () => (await page.getByTestId('backup-success').count()) > 0, 120_000);
      await page.getByTestId('backup-success').waitFor({ timeout: 60_000 });
      assert.ok(seen.length > 0, 'progress was shown');
      assert.ok(
        seen.some((s) => /Baixando os dados do servidor/.test(s)),
        seen.join('\n'),
      );
      // A count or "x de y (z%)", and the speed once measurable.
      assert.ok(
        seen.some((s) => /\d+ de [\d.,]+ .*\(\d+%\)|\d+ registros|[\d.,]+ (kB|KB|MB|B)\b/.test(s)),
        seen.join('\n'),
      );
      assert.ok(
        seen.some((s) => /\/s\b/.test(s)),
        `a speed: ${seen.join('\n')}`,
      );
      assert.ok(
        seen.every((s) => !/\(s\)|undefined|NaN/.test(s)),
        seen.join('\n'),
      );
    } finally {
      source.faults.clear();
    }
  });

  it('the server stops answering: "O servidor não responde" within seconds, then Cancel stops with nothing half-saved', async () => {
    const snapshotsBefore = (await call<unknown[]>(stack, 'snapshots')).length;
    const observation = [...source.store.all()].find((r) => r.type === 'Observation') as { id: string; text: string };
    source.store.put('Observation', observation.id, observation.text.replace(/"status":"[a-z]+"/, '"status":"amended"'));
    source.faults.set({ slow: { delayMs: HOLD_MS, match: '_bulk/[^/]+/[^/]+' } });
    try {
      await page.getByTestId('backup-now').click();
      await page.getByTestId('cancel-backup').waitFor({ timeout: 30_000 });
      const started = Date.now();
      const stalled = page.getByTestId('progress-stalled');
      await stalled.waitFor({ timeout: 30_000 });
      assert.match(await stalled.innerText(), /O servidor não responde há \d+ segundos/);
      // "Within seconds": the stall threshold (5 s) plus the time the export took to start, well under a minute.
      assert.ok(Date.now() - started < 30_000);
      assert.doesNotMatch(await page.getByTestId('progress').innerText(), /Baixando os dados/);
      await saveScreenshot(page, 'backup-stalled');
      await assertAccessible(page, 'stalled backup');
      await page.getByTestId('cancel-backup').click();
      const notice = page.getByTestId('task-cancelled');
      await notice.waitFor({ timeout: 30_000 });
      assert.match(await notice.innerText(), /Cancelado\.[\s\S]*Nada ficou gravado pela metade/);
    } finally {
      source.faults.clear();
    }
    assert.equal((await call<unknown[]>(stack, 'snapshots')).length, snapshotsBefore, 'nothing committed');
  });
});
