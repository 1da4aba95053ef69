/**
 * A partial backup is not a success (issue #13 §5), the way it happens in a clinic: the FHIR server's bulk export
 * fails some of its output files (listed under the manifest's `error`). The backup keeps what it could read, but the
 * run exits 1, counts against the success rate, does not move "last success", raises a HIGH alert naming what is
 * missing, and `status` shows the error state (exit 1). The next complete run clears it.
 */
import assert from 'node:assert/strict';
import path from 'node:path';
import { test } from 'node:test';
import { runCli } from '../support/cli.js';
import { sandbox } from '../support/fhir.js';
import { writePasswordFile } from '../support/repo.js';
import { tempDir } from '../support/tmp.js';

interface StatusJson {
  state: string;
  lastSuccessAt: string | null;
  kpis: { backupSuccessRate: number | null };
  alerts: { rule: string; severity: string; message: string }[];
}

test('the server fails some export files: the backup keeps the rest but is partial (exit 1), a high alert names the failed files, the success rate counts it, status is red', async () => {
  const server = await sandbox({ patients: 6, seed: 13, maxResourcesPerFile: 20 });
  const dir = await tempDir('cb-partial-export-');
  const env = { CLINIC_BACKUP_REPO: path.join(dir, 'repo'), CLINIC_BACKUP_PASSWORD_FILE: await writePasswordFile(dir), CLINIC_BACKUP_STATE_DIR: path.join(dir, 'state'), CLINIC_BACKUP_LANG: 'en' };
  assert.equal((await runCli(['init'], env)).code, 0);
  const first = await runCli(['backup', '--source', server.url, '--json'], env);
  assert.equal(first.code, 0, first.stderr);
  const complete = (JSON.parse(first.stdout) as { snapshot: { resources: number; time: string } }).snapshot;
  assert.equal(complete.resources, server.store.count());
  const okStatus = JSON.parse((await runCli(['status', '--json'], env)).stdout) as StatusJson;
  assert.equal(okStatus.kpis.backupSuccessRate, 1);
  const successAt = okStatus.lastSuccessAt;
  assert.ok(successAt);

  // The first Observation file and the first Condition file fail on the server's side; the other files arrive.
  server.faults.set({ failExportFiles: { match: '^(Observation|Condition)-1\\.ndjson$' } });
  assert.ok(server.store.count('Observation') > 20 && server.store.count('Condition') > 20, 'each type has more than one file');
  const r = await runCli(['backup', '--source', server.url, '--full', '--json'], env);
  assert.equal(r.code, 1, 'a partial backup is not a success');
  const snap = (JSON.parse(r.stdout) as { snapshot: { partial: boolean; problemCount: number; resources: number } }).snapshot;
  assert.equal(snap.partial, true);
  assert.equal(snap.resources, server.store.count() - 2 * 20, 'everything that arrived is kept (two files of 20 did not)');
  assert.equal(snap.problemCount, 2, 'one problem per failed file');
  const printed = await runCli(['backup', '--source', server.url, '--full'], env);
  assert.equal(printed.code, 1);
  assert.match(printed.stdout, /EXPORT_FAILED/);
  assert.match(printed.stdout, /Failed to export Observation \(Observation-1\.ndjson/, printed.stdout);
  const human = await runCli(['snapshots'], env);
  assert.match(human.stdout, /partial|incomplete/i);

  assert.equal((await runCli(['alerts', 'check'], env)).code, 0);
  const statusRun = await runCli(['status', '--json'], env);
  const s = JSON.parse(statusRun.stdout) as StatusJson;
  assert.equal(s.state, 'error', 'status in red');
  assert.equal(s.kpis.backupSuccessRate, 1 / 3, 'the partial runs count against the success rate');
  assert.equal(s.lastSuccessAt, successAt, 'the partial run is not the last success');
  const alert = s.alerts.find((a) => a.rule === 'partial');
  assert.ok(alert, JSON.stringify(s.alerts));
  assert.equal(alert.severity, 'high');
  assert.match(alert.message, /did NOT back up everything/);
  assert.match(alert.message, /2 parts could not be read/);
  assert.match(alert.message, /Failed to export Observation \(Observation-1\.ndjson/, `names what is missing: ${alert.message}`);
  assert.match(alert.message, /Failed to export Condition \(Condition-1\.ndjson/, `names what is missing: ${alert.message}`);
  const text = await runCli(['status'], env);
  assert.equal(text.code, 1, 'status exits 1 while a serious alert is open');
  assert.match(text.stdout, /^State: PROBLEM/);
  assert.match(text.stdout, /^ {2}• The backup of .* did NOT back up everything: 2 parts could not be read \(Failed to export (Condition|Observation) \(/m, 'status names what is missing');
  assert.match(text.stdout, /Backups that worked \(30 days\): 33\.3%/);

  // The server works again: the next backup is complete and the alert clears.
  server.faults.clear();
  const fixed = await runCli(['backup', '--source', server.url, '--json'], env);
  assert.equal(fixed.code, 0, fixed.stderr);
  assert.equal((JSON.parse(fixed.stdout) as { snapshot: { resources: number; partial: boolean } }).snapshot.resources, server.store.count());
  assert.equal((await runCli(['alerts', 'check'], env)).code, 0);
  const after = JSON.parse((await runCli(['status', '--json'], env)).stdout) as StatusJson;
  assert.equal(
    after.alerts.find((a) => a.rule === 'partial'),
    undefined,
  );
});
