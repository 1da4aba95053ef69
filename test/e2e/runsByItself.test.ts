/**
 * What the scheduler did by itself, as the clinic sees it (issue #19), in a real browser against `serve`: the
 * scheduler (the real runner on an injected clock, ending an hour before now) ran the first backup, the verification
 * rotation of the primary and of a NAS copy, the drill and the weekly summary; the dashboard then shows each copy's
 * verification (when it was read, which part, its result) and the week's summary as it was sent.
 * Screenshots are written only with UPDATE_SCREENSHOTS=1.
 */
import assert from 'node:assert/strict';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { after, describe, it } from 'node:test';
import { createEngine, type Engine } from '../../src/index.js';
import { startServeApp } from '../../src/serve/index.js';
import { sandbox } from '../support/fhir.js';
import { writePasswordFile } from '../support/repo.js';
import { tempDir } from '../support/tmp.js';
import { FakeTime } from '../scheduler/fakeTime.js';
import { assertAccessible, ensureRendererBuilt, launchBrowser, openApp, RENDERER_DIST, saveScreenshot, type Stack } from './support.js';

ensureRendererBuilt();
const MIN = 60_000;
const dir = await tempDir('cb-e2e-sched-');
const nas = path.join(dir, 'nas-copia');
await mkdir(nas);
const secretsDir = path.join(dir, 'secrets');
await mkdir(secretsDir, { mode: 0o700 });
const engineOptions = { passwordFile: await writePasswordFile(dir), secretsDir, stateDir: path.join(dir, 'state') };
const repo = path.join(dir, 'repo');
const source = await sandbox({ patients: 3, seed: 11 });

// Two hours ago, on the minute; the weekly summary's slot is set 30 minutes later (clinic time), so the whole run
// ends an hour before the real clock the user interface reads.
const start = new Date(Math.floor((Date.now() - 120 * MIN) / MIN) * MIN);
const time = new FakeTime(start);
const slot = new Intl.DateTimeFormat('en-GB', { timeZone: 'America/Sao_Paulo', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }).format(new Date(start.getTime() + 30 * MIN));
const first = createEngine({ ...engineOptions, repo, locale: 'pt-BR' });
await first.init({ useKeychain: false, recoveryLanguage: 'pt-BR' });
await first.close();
const engine: Engine = createEngine({ ...engineOptions, repo, locale: 'pt-BR', clock: time, timer: time });
await engine.updateSettings({
  clinicName: 'Clínica Vida',
  source: { url: source.url, auth: { kind: 'none' } },
  schedule: { backup: { kind: 'daily', at: '02:00' }, drill: { kind: 'monthly', day: 1, at: '12:00' }, summary: { kind: 'daily', at: slot } },
} as Parameters<Engine['updateSettings']>[0]);
await engine.addCopy({ kind: 'nas', path: nas, label: 'NAS da recepção' });
const events: { type: string; job: string }[] = [];
let running = 0;
const controller = new AbortController();
const done = engine.runScheduler({
  signal: controller.signal,
  onEvent: (e) => {
    events.push({ type: e.type, job: e.job });
    running += e.type === 'started' ? 1 : -1;
  },
});
for (const until = Date.now() + 60_000; time.pendingTimers === 0;) {
  if (Date.now() > until) throw new Error('the scheduler did not start');
  await delay(3);
}
const end = new Date(start.getTime() + 60 * MIN);
for (let i = 0; i < 10_000; i++) {
  for (const until = Date.now() + 180_000; running > 0;) {
    if (Date.now() > until) throw new Error(`jobs still running: ${JSON.stringify(events.slice(-3))}`);
    await delay(5);
  }
  await new Promise((r) => setImmediate(r));
  if (!time.fireNext(end)) break;
}
controller.abort();
await done;
await engine.close();

// The user interface as the clinic opens it afterwards: serve on the same repository and state, real clock.
const app = await startServeApp({ repo, locale: 'pt-BR', engine: engineOptions, rendererDir: RENDERER_DIST });
after(() => app.close());
const stack: Stack = { app, dir, repo, passphrase: '' };
const browser = await launchBrowser();
const { page, errors } = await openApp(browser, stack);

describe('what the scheduler did by itself, on the dashboard (browser)', () => {
  it('ran the backup, the verification rotation, the drill and the weekly summary', () => {
    const started = events.filter((e) => e.type === 'started').map((e) => e.job);
    for (const job of ['backup', 'check', 'drill', 'summary']) assert.ok(started.includes(job), `${job} ran (${started.join(', ')})`);
    assert.deepEqual(
      events.filter((e) => e.type === 'failed'),
      [],
    );
  });

  it("each copy's verification, the main copy first: when it was read, which part, and that it is sound", async () => {
    await page.getByTestId('dashboard').waitFor();
    const table = page.getByTestId('verification');
    await table.waitFor();
    const main = table.locator('tr[data-copy="primary"]');
    assert.equal(await main.getAttribute('data-verified'), 'ok');
    assert.match(await main.innerText(), /Cópia principal \(onde os backups são gravados\)\s+\d{2}\/\d{2}\/\d{4}.*\s+íntegra \(parte 1\/4 lida\)/);
    const row = table.locator(`tr[data-copy="${nas}"]`);
    assert.equal(await row.getAttribute('data-verified'), 'ok');
    assert.match(await row.innerText(), /NAS da recepção\s+\d{2}\/\d{2}\/\d{4}.*\s+íntegra \(parte 1\/4 lida\)/);
    await assertAccessible(page, 'dashboard: verification');
    await page.evaluate(`document.querySelector('[data-testid="verification"]').scrollIntoView({ block: 'start' })`);
    await saveScreenshot(page, 'dashboard-verification');
  });

  it("the week's summary as it was sent: backups, the last drill, and what needs attention", async () => {
    const card = page.getByTestId('weekly-summary');
    await card.waitFor();
    const text = await card.innerText();
    assert.match(text, /1 de 1 backups deram certo; [\d.,]+ [KMG]?B gravados\./);
    assert.match(text, /Último teste de restauração: \d{2}\/\d{2}\/\d{4}/);
    // Attention: the recovery kit was never confirmed and there is no copy outside the clinic.
    assert.equal(await card.getAttribute('data-all-good'), 'false');
    assert.match(text, /kit de recuperação/);
    await page.evaluate(`document.querySelector('[data-testid="weekly-summary"]').scrollIntoView({ block: 'start' })`);
    await saveScreenshot(page, 'dashboard-weekly-summary');
    assert.deepEqual(errors, []);
  });
});
