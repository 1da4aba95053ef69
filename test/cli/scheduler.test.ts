import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import path from 'node:path';
import { writeFile } from 'node:fs/promises';
import { test } from 'node:test';
import { startSandbox } from '../../src/sandbox/server.js';
import { CLI, ROOT, runCli } from '../support/cli.js';
import { writePasswordFile } from '../support/repo.js';
import { tempDir } from '../support/tmp.js';

test('run-scheduler runs the due backup, refuses a second instance, and stops on SIGTERM; schedule set/show', async () => {
  const dir = await tempDir();
  const server = await startSandbox({ patients: 3 });
  const env = { CLINIC_BACKUP_REPO: path.join(dir, 'repo'), CLINIC_BACKUP_PASSWORD_FILE: await writePasswordFile(dir), CLINIC_BACKUP_STATE_DIR: path.join(dir, 'state'), CLINIC_BACKUP_LANG: 'en' };
  try {
    assert.equal((await runCli(['init'], env)).code, 0);
    const settings = path.join(dir, 's.json');
    await writeFile(settings, JSON.stringify({ source: { url: server.url, auth: { kind: 'none' } } }));
    assert.equal((await runCli(['settings', 'set', '--from-file', settings], env)).code, 0);
    const set = await runCli(['schedule', 'set', 'backup', '--every', '30', '--json'], env);
    assert.equal(set.code, 0, set.stderr);
    const shown = JSON.parse(set.stdout) as { name: string; policy: { kind: string; everyMinutes?: number } }[];
    assert.deepEqual(shown.find((j) => j.name === 'backup')?.policy.everyMinutes, 30);
    // Every job the scheduler runs is listed with its next time.
    assert.deepEqual(
      shown.map((j) => j.name),
      ['backup', 'check', 'drill', 'retention', 'summary', 'alerts'],
    );
    const human = await runCli(['schedule', 'show'], env);
    for (const name of ['backup', 'check', 'drill', 'retention', 'summary', 'alerts']) {
      assert.match(human.stdout, new RegExp(`^${name}: .+; next run \\d{4}-\\d{2}-\\d{2} \\d{2}:\\d{2} \\(America/Sao_Paulo\\)$`, 'm'), human.stdout);
    }
    for (const j of shown as unknown as { name: string; nextAt: string }[]) assert.ok(Number.isFinite(Date.parse(j.nextAt)), `${j.name} has its next time`);

    const child = spawn(process.execPath, [CLI, 'run-scheduler'], {
      cwd: ROOT,
      env: { ...process.env, ...env, CLINIC_BACKUP_STATE_DIR: env.CLINIC_BACKUP_STATE_DIR },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let log = '';
    child.stderr.on('data', (d: Buffer) => (log += d.toString()));
    const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
    try {
      let snapshots = 0;
      for (let i = 0; i < 60 && snapshots === 0; i++) {
        await new Promise((r) => setTimeout(r, 500));
        const r = await runCli(['snapshots', '--json'], env);
        if (r.code === 0) snapshots = (JSON.parse(r.stdout) as unknown[]).length;
      }
      assert.equal(snapshots, 1, `the never-run backup ran at once (log: ${log})`);
      const second = await runCli(['run-scheduler', '--json'], env, 30_000);
      assert.equal(second.code, 1);
      assert.match(second.stderr + second.stdout, /SCHEDULER_ALREADY_RUNNING/);
    } finally {
      child.kill('SIGTERM');
    }
    assert.equal(await exited, 0, log);
    assert.match(log, /started backup/);
  } finally {
    await server.close();
  }
});
