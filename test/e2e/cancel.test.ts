/**
 * Cancel from the user interface, in a real browser against `serve`, with real sandboxes, a real repository, an
 * offsite copy on a real S3 server (s3rver behind a loopback proxy) and real SQLite. Each operation is made to
 * stall at a chosen request (the sandbox's slow switch, the proxy holding requests), so Cancel always lands while
 * it runs: a backup from the dashboard, a restore from the wizard, a drill from the drills screen. Afterwards the
 * screen says what the cancel left, no lock remains, check passes and the next run completes (the restore resumes).
 */
import assert from 'node:assert/strict';
import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Page } from 'playwright-core';
import S3rver from 's3rver';
import { S3Backend } from '../../src/backend/s3/s3Backend.js';
import type { SandboxServer } from '../../src/sandbox/index.js';
import { S3Proxy } from '../backend/s3Proxy.js';
import { sandbox } from '../support/fhir.js';
import { tempDir } from '../support/tmp.js';
import { launchBrowser, openApp, previewIntoOtherServer, startStack, type Stack } from './support.js';

/** Long enough never to end during the test: the sandbox clears it when it closes. */
const HOLD_MS = 120_000;
const BUCKET = 'clinic-offsite';
const PREFIX = 'cancel';
const CREDENTIALS = { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' };

async function call<T>(stack: Stack, method: string, ...args: unknown[]): Promise<T> {
  const r = await stack.app.host.call(method, args);
  if (!r.ok) throw new Error(`${method}: ${r.error.code} ${r.error.message}`);
  return r.value as T;
}

const s3dir = await tempDir('cb-e2e-s3-');
const s3 = new S3rver({ address: '127.0.0.1', port: 0, silent: true, directory: s3dir, configureBuckets: [{ name: BUCKET }] });
const { port } = await s3.run();
after(() => s3.close());
const proxy = await S3Proxy.start(`http://127.0.0.1:${port}`);
after(() => proxy.close());

const source: SandboxServer = await sandbox({ patients: 8, seed: 61 });
const target: SandboxServer = await sandbox({ patients: 0, createGroup: false });
const stack: Stack = await startStack('pt-BR');
await call(stack, 'init', { useKeychain: false, recoveryLanguage: 'pt-BR' });
await call(stack, 'updateSettings', { source: { url: source.url, auth: { kind: 'none' } } });
await call(stack, 'addCopy', { kind: 's3', endpoint: proxy.endpoint, bucket: BUCKET, prefix: PREFIX, region: 'sa-east-1', ...CREDENTIALS, label: 'Nuvem' });
await call(stack, 'backupNow');

const browser = await launchBrowser();
const { page }: { page: Page } = await openApp(browser, stack);

const go = async (route: string, testId: string): Promise<void> => {
  await page.locator(`nav a[href="#/${route}"]`).click();
  await page.getByTestId(testId).waitFor();
};

async function waitFor(what: string, cond: () => boolean, timeoutMs = 60_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

/** Lock files of the repository folder and of the offsite copy. */
async function locks(): Promise<string[]> {
  const copy = await S3Backend.open({ bucket: BUCKET, prefix: PREFIX, region: 'sa-east-1', endpoint: `http://127.0.0.1:${port}`, forcePathStyle: true, credentials: CREDENTIALS });
  const offsite: string[] = [];
  try {
    for await (const f of copy.list('locks')) offsite.push(`offsite:${f.name}`);
  } finally {
    await copy.close();
  }
  return [...(await readdir(path.join(stack.repo, 'locks'))), ...offsite];
}

describe('cancel from the user interface (browser)', () => {
  before(async () => {
    await page.getByTestId('dashboard').waitFor();
  });

  it('dashboard: a running backup is cancelled; nothing half-saved, no lock, check passes, the next backup completes', async () => {
    const snapshotsBefore = (await call<unknown[]>(stack, 'snapshots')).length;
    // Work at the clinic since the last backup, so the incremental export has a file to download.
    const observation = [...source.store.all()].find((r) => r.type === 'Observation') as { id: string; text: string };
    source.store.put('Observation', observation.id, observation.text.replace(/"status":"[a-z]+"/, '"status":"amended"'));
    // The export's files hang: the backup is downloading when Cancel is clicked.
    const logBefore = source.requests;
    const downloads = (): number => (source.requests === logBefore ? 0 : source.requestLog.slice(-(source.requests - logBefore)).filter((r) => /_bulk\/[^/]+\/[^/]+/.test(r.target)).length);
    source.faults.set({ slow: { delayMs: HOLD_MS, match: '_bulk/[^/]+/[^/]+' } });
    try {
      await page.getByTestId('backup-now').click();
      await page.getByTestId('cancel-backup').waitFor({ timeout: 30_000 });
      await waitFor('a file download', () => downloads() > 0);
      await page.getByTestId('cancel-backup').click();
      const notice = page.getByTestId('task-cancelled');
      await notice.waitFor({ timeout: 30_000 });
      assert.match(await notice.innerText(), /Cancelado\.[\s\S]*Nada ficou gravado pela metade/);
      await page.getByTestId('cancel-backup').waitFor({ state: 'detached' });
      assert.equal(await page.getByTestId('backup-error').count(), 0, 'a cancel is not shown as a failure');
    } finally {
      source.faults.clear();
    }
    assert.deepEqual(await locks(), [], 'no lock left');
    assert.equal((await call<unknown[]>(stack, 'snapshots')).length, snapshotsBefore, 'nothing committed');
    assert.equal((await call<{ ok: boolean }>(stack, 'check', { readData: true })).ok, true);
    await page.getByTestId('backup-now').click();
    await page.getByTestId('backup-success').waitFor({ timeout: 60_000 });
    assert.equal((await call<unknown[]>(stack, 'snapshots')).length, snapshotsBefore + 1);
  });

  it('restore wizard: a running restore is cancelled; what was written stays, no lock, and the same restore resumes', async () => {
    await go('restore', 'restore-wizard');
    await page.getByTestId('situation-copy').check();
    await page.getByTestId('next').click();
    await page.getByTestId('scope-everything').check();
    await page.getByTestId('next').click();
    await previewIntoOtherServer(page, target.url);
    await page.getByTestId('next').click();
    // The first bundle is written; the second one hangs.
    target.faults.set({ slow: { delayMs: HOLD_MS, match: '^/fhir/?$', skip: 1 } });
    const bundles = (): number => target.requestLog.filter((r) => r.method === 'POST' && /^\/fhir\/?$/.test(r.target)).length;
    try {
      await page.getByTestId('confirm-text').fill('RESTAURAR');
      await page.getByTestId('restore-now').click();
      await page.getByTestId('cancel-restore').waitFor({ timeout: 30_000 });
      await waitFor('the second bundle', () => bundles() >= 2);
      await page.getByTestId('cancel-restore').click();
      const notice = page.getByTestId('restore-cancelled');
      await notice.waitFor({ timeout: 30_000 });
      assert.match(await notice.innerText(), /Restauração cancelada\.[\s\S]*continuar de onde parou/);
    } finally {
      target.faults.clear();
    }
    const written = target.store.count();
    assert.ok(written > 0 && written < source.store.count(), `part of the data was written (${written} of ${source.store.count()})`);
    assert.deepEqual(await locks(), [], 'no lock left');
    assert.equal((await call<{ ok: boolean }>(stack, 'check')).ok, true);
    const again = await call<{ skippedFromJournal: number; restored: number; failures: unknown[]; plan: { resources: number } }>(stack, 'restoreToServer', {
      target: target.url,
      auth: { kind: 'none' },
      confirmed: true,
    });
    assert.ok(again.skippedFromJournal > 0, 'the journal skips what the cancelled restore wrote');
    assert.deepEqual(again.failures, []);
    assert.equal(again.restored + again.skippedFromJournal, again.plan.resources);
  });

  it('drills: a running drill is cancelled; it is recorded as interrupted, no lock remains, check passes', async () => {
    await go('drills', 'drills');
    // The drill reads the offsite copy (what a disaster leaves): its data files do not come.
    proxy.hook = (r) => (r.method === 'GET' && r.key.startsWith(`${PREFIX}/data/`) ? { type: 'hold' } : undefined);
    try {
      await page.getByTestId('run-drill').click();
      await page.getByTestId('cancel-drill').waitFor({ timeout: 30_000 });
      await waitFor('a data file read', () => proxy.holding > 0);
      await page.getByTestId('cancel-drill').click();
      // A read already under way may finish: the drill stops at its next safe point.
      proxy.hook = null;
      proxy.release();
      const notice = page.getByTestId('drill-cancelled');
      await notice.waitFor({ timeout: 60_000 });
      assert.match(await notice.innerText(), /Cancelado\.[\s\S]*registrado como interrompido/);
    } finally {
      proxy.hook = null;
      proxy.release();
    }
    const [latest] = await call<{ status: string }[]>(stack, 'listDrills');
    assert.equal(latest?.status, 'interrupted');
    await page.locator('.table td', { hasText: 'interrompido' }).first().waitFor();
    assert.deepEqual(await locks(), [], 'no lock left, here or on the offsite copy');
    assert.equal((await call<{ ok: boolean }>(stack, 'check')).ok, true);
  });
});
