/**
 * Smoke check that the API stays responsive while a backup runs (the dashboard keeps answering): a generous
 * bound only, because timing under a shared machine's load is not a test. The real number (< 200 ms p95) is
 * measured by bench/apiLatency.ts.
 */
import assert from 'node:assert/strict';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { it } from 'node:test';
import { measureDuringBackup } from '../../bench/apiLatencyMeasure.js';
import { startServeApp } from '../../src/serve/index.js';
import { sandbox } from '../support/fhir.js';
import { writePasswordFile } from '../support/repo.js';
import { tempDir } from '../support/tmp.js';

it('answers status, snapshots and the task list while a backup runs (smoke bound: p95 under 2 s)', async () => {
  // The export is slow to prepare, so the backup is still running while the calls are made.
  const source = await sandbox({ patients: 40, seed: 9, exportPollsBeforeReady: 3, exportRetryAfterSeconds: 1 });
  const dir = await tempDir('cb-responsive-');
  const repo = path.join(dir, 'repo');
  await mkdir(repo);
  const app = await startServeApp({
    repo,
    locale: 'en',
    engine: { passwordFile: await writePasswordFile(dir), secretsDir: path.join(dir, 'secrets'), stateDir: path.join(dir, 'state') },
    rendererDir: dir,
  });
  try {
    const { rows } = await measureDuringBackup(app, source.url, 20);
    for (const r of rows) {
      assert.ok(r.count >= 3, `${r.method} was called while the backup ran (${r.count})`);
      assert.ok(r.p95 < 2000, `${r.method}: p95 ${r.p95.toFixed(0)} ms`);
    }
  } finally {
    await app.close();
  }
});
