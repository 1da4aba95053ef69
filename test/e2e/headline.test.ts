/**
 * The dashboard's headline, health score, 3-2-1-1-0 tiles and alerts agree, in a real browser at 1366×768 in pt-BR
 * against `serve` with a real sandbox, repository, copies and SQLite, in each of the three states:
 *  - attention: one backup and nothing else (no other copy, never checked, no drill): every unmet point has its
 *    button ("Adicionar cópia fora da clínica"), the score is not green, the alerts card does not say "all clear";
 *  - ok: two more copies (one outside the clinic and protected), kit confirmed, checked, drilled, scheduler on:
 *    "Tudo certo", no point, every tile met, score green, no alert;
 *  - problem: the clinic's server refuses the backup: the point names the clinic's server in plain words (no code),
 *    the score is red, the button backs up again; fixed, the next backup brings the headline back.
 */
import assert from 'node:assert/strict';
import { mkdir, readdir } from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Page } from 'playwright-core';
import S3rver from 's3rver';
import { acquireSchedulerLock } from '../../src/scheduler/schedulerLock.js';
import type { SandboxServer } from '../../src/sandbox/index.js';
import type { InitResult, StatusSummary } from '../../src/shared/contract.js';
import { sandbox } from '../support/fhir.js';
import { tempDir } from '../support/tmp.js';
import { assertAccessible, assertPlainWords, launchBrowser, openApp, saveScreenshot, startStack, type Stack } from './support.js';

const SOURCE_TOKEN = 'headline-bearer-token-5d1e';

async function call<T>(stack: Stack, method: string, ...args: unknown[]): Promise<T> {
  const r = await stack.app.host.call(method, args);
  if (!r.ok) throw new Error(`${method}: ${r.error.code} ${r.error.message}`);
  return r.value as T;
}

const BUCKET = 'clinic-offsite';
const s3 = new S3rver({ address: '127.0.0.1', port: 0, silent: true, directory: await tempDir('cb-e2e-s3-'), configureBuckets: [{ name: BUCKET }] });
const { port: s3Port } = await s3.run();
after(() => s3.close());

const source: SandboxServer = await sandbox({ patients: 5, seed: 33, auth: { bearerTokens: [SOURCE_TOKEN] } });
const stack: Stack = await startStack('pt-BR');
const init = await call<InitResult>(stack, 'init', { useKeychain: false, recoveryLanguage: 'pt-BR' });
await call(stack, 'setSecret', 'source-token', SOURCE_TOKEN);
await call(stack, 'updateSettings', { language: 'pt-BR', source: { url: source.url, auth: { kind: 'bearer', tokenSecret: 'source-token' } } });
await call(stack, 'backupNow');
const browser = await launchBrowser();
const { page }: { page: Page } = await openApp(browser, stack);

interface Shown {
  level: string | null;
  title: string;
  points: { id: string | null; action: string | null; text: string; button: string }[];
  scoreClass: string;
  tilesMissing: number;
  alerts: number;
  noAlerts: string | null;
}

/** What the dashboard shows, read from the page. */
async function shown(): Promise<Shown> {
  const points = [];
  for (const p of await page.getByTestId('headline-point').all()) {
    points.push({
      id: await p.getAttribute('data-point'),
      action: await p.getAttribute('data-action'),
      text: await p.locator('.point-text').innerText(),
      button: await p.locator('button').innerText(),
    });
  }
  return {
    level: await page.getByTestId('hero').getAttribute('data-level'),
    title: await page.locator('#hero-title').innerText(),
    points,
    scoreClass: (await page.locator('[data-testid="health-score"] .health-score').getAttribute('class')) ?? '',
    tilesMissing: await page.locator('[data-testid="meter-32110"] li.meter-missing').count(),
    alerts: await page.locator('ul.alerts > li').count(),
    noAlerts: (await page.getByTestId('no-alerts').count()) > 0 ? await page.getByTestId('no-alerts').innerText() : null,
  };
}

async function reload(level: string): Promise<Shown> {
  await page.reload();
  await page.locator(`[data-testid="hero"][data-level="${level}"]`).waitFor({ timeout: 30_000 });
  return shown();
}

describe('dashboard headline, score, tiles and alerts agree (browser, 1366×768, pt-BR)', () => {
  before(async () => {
    await page.getByTestId('dashboard').waitFor();
  });

  it('attention: each unmet point has its button, the score is not green, the alerts card does not say all is well', async () => {
    const s = await reload('attention');
    const status = await call<StatusSummary>(stack, 'status');
    assert.equal(status.headline.level, 'attention');
    assert.equal(s.title, 'Precisa de atenção');
    assert.equal(s.scoreClass.includes('good'), false, s.scoreClass);
    assert.ok(s.tilesMissing > 0);
    // Every point shown is one the engine decided, with the button of its action.
    assert.deepEqual(
      s.points.map((p) => p.id),
      status.headline.points.map((p) => p.id),
    );
    const offsite = s.points.find((p) => p.action === 'add-offsite');
    assert.ok(offsite, JSON.stringify(s.points));
    assert.equal(offsite.button, 'Adicionar cópia fora da clínica');
    assert.ok(s.points.every((p) => p.button.length > 0));
    assert.ok(
      s.points.some((p) => p.action === 'check-now'),
      'never checked',
    );
    assert.ok(
      s.points.some((p) => p.action === 'run-drill'),
      'never drilled',
    );
    if (s.alerts === 0) assert.match(s.noAlerts ?? '', /pontos acima precisam de atenção/);
    await saveScreenshot(page, 'dashboard-attention');
    await assertPlainWords(page, 'dashboard-attention');
    await assertAccessible(page, 'dashboard (attention)');
    // The button opens the screen where it is done.
    await page.getByTestId('headline-point').filter({ hasText: 'fora da clínica' }).getByRole('button').click();
    await page.getByTestId('destinations').waitFor();
    await page.locator('nav a[href="#/dashboard"]').click();
  });

  it('ok: every tile met, kit confirmed, checked and drilled, scheduler on: "Tudo certo", green score, no alert', async () => {
    const usb = path.join(stack.dir, 'usb-drive');
    await mkdir(usb);
    await call(stack, 'addCopy', { kind: 'usb', path: usb, label: 'Disco USB' });
    // A bucket in São Paulo, outside the clinic, with Object Lock (the clinic says so when adding it).
    await call(stack, 'addCopy', {
      kind: 's3',
      endpoint: `http://127.0.0.1:${s3Port}`,
      bucket: BUCKET,
      prefix: 'headline',
      region: 'sa-east-1',
      accessKeyId: 'S3RVER',
      secretAccessKey: 'S3RVER',
      immutable: true,
      label: 'Nuvem',
    });
    const words = (init.recoveryKey ?? []).flat();
    const [a, b] = init.confirmPositions ?? [1, 2];
    await call(stack, 'confirmRecoveryKit', [
      { position: a, word: words[a - 1] },
      { position: b, word: words[b - 1] },
    ]);
    await call(stack, 'backupNow');
    await call(stack, 'check', { readData: true });
    await call(stack, 'runDrill');
    // A scheduler holds this repository's lock (this test process stands in for it).
    const stateDir = path.join(stack.dir, 'state');
    const [repoDir] = await readdir(stateDir);
    const lock = await acquireSchedulerLock(path.join(stateDir, repoDir as string), repoDir as string);
    after(() => lock.release());

    const status = await call<StatusSummary>(stack, 'status');
    assert.deepEqual(status.headline, { level: 'ok', points: [] }, JSON.stringify(status.headline));
    const s = await reload('ok');
    assert.equal(s.title, 'Tudo certo com os backups');
    assert.deepEqual(s.points, []);
    assert.equal(s.tilesMissing, 0);
    assert.ok(s.scoreClass.includes('good'), s.scoreClass);
    assert.ok(status.kpis.healthScore >= 80, String(status.kpis.healthScore));
    assert.equal(s.alerts, 0);
    assert.equal(s.noAlerts, 'Nenhum alerta.');
    await saveScreenshot(page, 'dashboard-ok');
    await assertPlainWords(page, 'dashboard-ok');
    await assertAccessible(page, 'dashboard (ok)');
  });

  it("problem: a refused backup names the clinic's server in plain words, the score turns red; fixed, it recovers", async () => {
    source.faults.set({ auth: { bearerTokens: ['rotated-on-the-server'] } });
    try {
      await page.getByTestId('backup-now').click();
      await page.locator('[data-testid="hero"][data-level="problem"]').waitFor({ timeout: 60_000 });
      const s = await shown();
      assert.equal(s.title, 'Há um problema com os backups');
      assert.ok(s.scoreClass.includes('poor'), s.scoreClass);
      const failed = s.points[0];
      assert.ok(failed, 'a point for the failure, first');
      assert.match(failed.text, /servidor da clínica/);
      assert.doesNotMatch(failed.text, /SOURCE_|[A-Z]{3,}_[A-Z]+|\//);
      assert.equal(failed.action, 'backup-now');
      if (s.alerts === 0) assert.notEqual(s.noAlerts, 'Nenhum alerta.');
      await saveScreenshot(page, 'dashboard-problem');
      await assertPlainWords(page, 'dashboard-problem');
      await assertAccessible(page, 'dashboard (problem)');
    } finally {
      source.faults.set({ auth: { bearerTokens: [SOURCE_TOKEN] } });
    }
    // Fixed: the point's own button backs up again and the headline comes back.
    await page.getByTestId('headline-point').first().getByRole('button').click();
    await page.locator('[data-testid="hero"][data-level="ok"], [data-testid="hero"][data-level="attention"]').waitFor({ timeout: 60_000 });
    const after = await call<StatusSummary>(stack, 'status');
    assert.equal(
      after.headline.points.some((p) => p.id === 'backup-failed'),
      false,
      JSON.stringify(after.headline),
    );
  });
});
