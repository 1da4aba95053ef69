import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { compareNdjsonFolders } from '../../src/restorer/compareNdjson.js';
import { writeNdjsonDataset, mutateNdjsonDataset } from '../../src/sandbox/synthetic.js';
import { CLI, ROOT, runCli } from '../support/cli.js';
import { writePasswordFile } from '../support/repo.js';
import { tempDir } from '../support/tmp.js';

const SEEDS = 20;

/** Starts a backup and kills it with SIGKILL after `delayMs`. Resolves with how it ended. */
function backupKilledAfter(delayMs: number, data: string, env: NodeJS.ProcessEnv): Promise<{ killed: boolean }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, 'backup', data], {
      cwd: ROOT,
      env: { ...process.env, CLINIC_BACKUP_STATE_DIR: path.join(os.tmpdir(), `cb-state-${process.pid}`), ...env },
      stdio: 'ignore',
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), delayMs);
    child.on('error', reject);
    child.on('exit', (_code, signal) => {
      clearTimeout(timer);
      resolve({ killed: signal === 'SIGKILL' });
    });
  });
}

test(`kill -9 of a backup at ${SEEDS} seeded points: check passes each time, the next backup completes and dedups`, async () => {
  const dir = await tempDir();
  const data = path.join(dir, 'export');
  const repo = path.join(dir, 'repo');
  await writeNdjsonDataset(data, { patients: 150, seed: 77 });
  const env = { CLINIC_BACKUP_REPO: repo, CLINIC_BACKUP_PASSWORD_FILE: await writePasswordFile(dir) };
  assert.equal((await runCli(['init'], env)).code, 0);

  const first = await runCli(['backup', data, '--json'], env);
  assert.equal(first.code, 0, first.stderr);
  // Measure a run like the killed ones (5 % changed since the last snapshot), to spread the kill points over its
  // whole duration (start-up, packing, commit): timed on a first backup, most kills landed after an incremental
  // run had already finished when the machine was loaded.
  await mutateNdjsonDataset(data, { fraction: 0.05, seed: 999 });
  const started = Date.now();
  const probe = await runCli(['backup', data, '--json'], env);
  assert.equal(probe.code, 0, probe.stderr);
  const fullMs = Date.now() - started;
  let killedMidRun = 0;
  let rng = 2024;
  for (let seed = 0; seed < SEEDS; seed++) {
    rng = (rng * 1103515245 + 12345) % 2 ** 31;
    // Each round backs up changed data so there is new data to write when the kill lands.
    await mutateNdjsonDataset(data, { fraction: 0.05, seed: 1000 + seed });
    const delay = 50 + (rng % Math.max(100, fullMs));
    const r = await backupKilledAfter(delay, data, env);
    if (r.killed) killedMidRun++;
    const check = await runCli(['check', '--json'], env);
    assert.equal(check.code, 0, `seed ${seed} (kill after ${delay} ms): ${check.stdout}${check.stderr}`);
  }
  assert.ok(killedMidRun >= SEEDS / 2, `most runs were really killed (${killedMidRun}/${SEEDS})`);

  const next = await runCli(['backup', data, '--json'], env);
  assert.equal(next.code, 0, next.stderr);
  const final = await runCli(['backup', data, '--json'], env);
  const totals = JSON.parse(final.stdout) as { snapshot: { added: number; changed: number; storedBytesAdded: number } };
  assert.equal(totals.snapshot.added + totals.snapshot.changed, 0, 'everything deduplicated against committed data');
  const full = await runCli(['check', '--read-data'], env);
  assert.equal(full.code, 0, full.stdout + full.stderr);
  const target = path.join(dir, 'restored');
  assert.equal((await runCli(['restore', 'latest', '--target', target, '--yes'], env)).code, 0);
  assert.ok((await compareNdjsonFolders(data, target)).identical);
});
