/**
 * A restore is not made to wait for an alert evaluation: the alert rules never read restore runs, so after one the
 * alerts are exactly as they were (the schedule's alert job evaluates on its own timer), while a backup still
 * evaluates them when it ends. Real repository, catalog and files; the time is an injected clock.
 */
import assert from 'node:assert/strict';
import path from 'node:path';
import { test } from 'node:test';
import { createEngine, createSampleDataset } from '../../src/index.js';
import { writePasswordFile } from '../support/repo.js';
import { tempDir } from '../support/tmp.js';

test('after a restore the alerts are untouched (no evaluation in its path); a backup and a check of alerts evaluate them', async () => {
  const dir = await tempDir('cb-restore-alerts-');
  let now = new Date('2026-03-02T12:00:00Z');
  const options = { repo: path.join(dir, 'repo'), passwordFile: await writePasswordFile(dir), stateDir: path.join(dir, 'state'), locale: 'en' as const, clock: { now: () => now } };
  const engine = createEngine(options);
  try {
    await engine.init({ useKeychain: false });
    const data = path.join(dir, 'data');
    await createSampleDataset(data, { patients: 3, seed: 5 });
    await engine.backupNdjson(data);
    const rules = async (): Promise<string[]> => (await engine.status()).alerts.map((a) => a.key.split(':')[0] as string).sort();
    assert.ok(!(await rules()).includes('stale'), 'just backed up: nothing stale');

    now = new Date('2026-03-05T12:00:00Z'); // three days without a backup: past the 24 h RPO
    const r = await engine.restoreToFolder({ snapshot: 'latest', target: path.join(dir, 'restored'), confirmed: true });
    assert.ok(r.resources > 0);
    assert.ok(!(await rules()).includes('stale'), 'the restore did not evaluate the alert rules');

    await engine.checkAlerts();
    assert.ok((await rules()).includes('stale'), 'an evaluation now raises the stale-backup alert: the restore would have');
  } finally {
    await engine.close();
  }
});
