/**
 * Ctrl+C is the operation's cancel: SIGINT aborts the running backup, restore or drill through its AbortSignal, the engine stops at
 * a safe point and releases its lock, the CLI says the repository is intact and exits 130. The repository then
 * passes check and the next backup completes.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { test } from 'node:test';
import { createEngine } from '../../src/index.js';
import { CLI, ROOT, runCli, type CliResult } from '../support/cli.js';
import { sandbox } from '../support/fhir.js';
import { writePasswordFile } from '../support/repo.js';
import { tempDir } from '../support/tmp.js';

const DEADLINE_MS = 90_000;

async function locks(repo: string): Promise<string[]> {
  return readdir(path.join(repo, 'locks')).catch(() => []);
}

/** Runs the CLI and sends it SIGINT once `ready(stderr)` holds and the repository is locked. */
function runAndInterrupt(args: readonly string[], env: NodeJS.ProcessEnv, repo: string, ready: (stderr: string) => boolean): Promise<CliResult & { interruptedLocked: boolean }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--experimental-websocket', CLI, ...args], { cwd: ROOT, env: { ...process.env, CLINIC_BACKUP_LANG: 'en', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    let interruptedLocked = false;
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const started = Date.now();
    const poll = setInterval(() => {
      void locks(repo).then((held) => {
        if (interruptedLocked || held.length === 0 || !ready(stderr)) {
          if (Date.now() - started > DEADLINE_MS) child.kill('SIGKILL');
          return;
        }
        interruptedLocked = true;
        clearInterval(poll);
        child.kill('SIGINT');
      });
    }, 25);
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearInterval(poll);
      resolve({ code, signal, stdout, stderr, interruptedLocked });
    });
  });
}

test('Ctrl+C during a backup of a slow FHIR server: exit 130, "cancelled, repository intact", no lock left, check passes, next backup completes', async () => {
  const dir = await tempDir('cb-cancel-');
  const repo = path.join(dir, 'repo');
  const env = { CLINIC_BACKUP_REPO: repo, CLINIC_BACKUP_PASSWORD_FILE: await writePasswordFile(dir), CLINIC_BACKUP_STATE_DIR: path.join(dir, 'state') };
  const server = await sandbox({ patients: 30, seed: 11 });
  assert.equal((await runCli(['init'], env)).code, 0);
  // The export files trickle in: the backup is mid-download (lock held, resources read) when Ctrl+C arrives.
  server.faults.set({ trickle: { chunkBytes: 2048, intervalMs: 30, match: '\\.ndjson' } });

  const r = await runAndInterrupt(['backup', '--source', server.url], env, repo, (stderr) => /resources read/.test(stderr));
  assert.ok(r.interruptedLocked, `the backup was interrupted while it held its lock: ${r.stderr}`);
  assert.equal(r.code, 130, r.stderr);
  assert.match(r.stderr, /Operation cancelled \(Ctrl\+C\)\. The repository is intact/);
  assert.doesNotMatch(r.stderr, /Error \(/, 'a cancel is not reported as an error');
  assert.doesNotMatch(r.stdout, /Snapshot [0-9a-f]{8} saved/);
  assert.deepEqual(await locks(repo), [], 'the lock was released');

  const snapshots = await runCli(['snapshots', '--json'], env);
  assert.deepEqual(JSON.parse(snapshots.stdout), [], 'nothing half-done became a snapshot');
  const check = await runCli(['check', '--read-data'], env);
  assert.equal(check.code, 0, check.stdout + check.stderr);

  server.faults.clear();
  const next = await runCli(['backup', '--source', server.url, '--json'], env);
  assert.equal(next.code, 0, next.stderr);
  const snap = (JSON.parse(next.stdout) as { snapshot: { resources: number } }).snapshot;
  assert.equal(snap.resources, server.store.count());
  assert.equal((await runCli(['check', '--read-data'], env)).code, 0);
});

test('Ctrl+C during a restore into a slow FHIR server: exit 130, no lock left, the server holds part; the same command again finishes it', async () => {
  const dir = await tempDir('cb-cancel-restore-');
  const repo = path.join(dir, 'repo');
  const env = { CLINIC_BACKUP_REPO: repo, CLINIC_BACKUP_PASSWORD_FILE: await writePasswordFile(dir), CLINIC_BACKUP_STATE_DIR: path.join(dir, 'state') };
  const source = await sandbox({ patients: 30, seed: 12 });
  const target = await sandbox({ patients: 0 });
  assert.equal((await runCli(['init'], env)).code, 0);
  assert.equal((await runCli(['backup', '--source', source.url], env)).code, 0);

  // Every transaction bundle posted to the target's base URL waits: the restore is mid-way when Ctrl+C arrives.
  target.faults.set({ slow: { delayMs: 300, match: '^/fhir/?$' } });
  // Interrupted once the target holds the first bundle (the restore is writing, far from done).
  const r = await runAndInterrupt(['restore', 'latest', '--target-url', target.url, '--yes'], env, repo, () => target.store.count() > 0);
  assert.ok(r.interruptedLocked, r.stderr);
  assert.equal(r.code, 130, r.stderr);
  assert.match(r.stderr, /Operation cancelled \(Ctrl\+C\)\. The repository is intact/);
  assert.match(r.stderr, /may have received only part of the resources\. Run the same command again/);
  assert.deepEqual(await locks(repo), [], 'the lock was released');
  const part = target.store.count();
  assert.ok(part > 0 && part < source.store.count(), `the target holds part of the data (${part} of ${source.store.count()})`);

  target.faults.clear();
  const again = await runCli(['restore', 'latest', '--target-url', target.url, '--yes', '--json'], env);
  assert.equal(again.code, 0, again.stderr);
  assert.equal(target.store.count(), source.store.count());
  assert.equal((await runCli(['check'], env)).code, 0);
});

test('Ctrl+C during a drill into a slow FHIR server: exit 130, the drill is recorded as interrupted, no lock left, check passes, the next drill succeeds', async () => {
  const dir = await tempDir('cb-cancel-drill-');
  const repo = path.join(dir, 'repo');
  const passwordFile = await writePasswordFile(dir);
  const stateDir = path.join(dir, 'state');
  const env = { CLINIC_BACKUP_REPO: repo, CLINIC_BACKUP_PASSWORD_FILE: passwordFile, CLINIC_BACKUP_STATE_DIR: stateDir };
  const source = await sandbox({ patients: 30, seed: 13 });
  const target = await sandbox({ patients: 0, createGroup: false });
  assert.equal((await runCli(['init'], env)).code, 0);
  assert.equal((await runCli(['backup', '--source', source.url], env)).code, 0);

  // Every bundle the drill posts to its test server waits: the drill is mid-restore when Ctrl+C arrives.
  target.faults.set({ slow: { delayMs: 300, match: '^/fhir/?$' } });
  const r = await runAndInterrupt(['drill', '--target-url', target.url], env, repo, () => target.store.count() > 0);
  assert.ok(r.interruptedLocked, r.stderr);
  assert.equal(r.code, 130, r.stderr);
  assert.match(r.stderr, /Operation cancelled \(Ctrl\+C\)\. The repository is intact/);
  assert.match(r.stderr, /The drill was recorded as interrupted/);
  assert.doesNotMatch(r.stderr, /Error \(/, 'a cancel is not reported as an error');
  assert.deepEqual(await locks(repo), [], 'the lock was released');

  const engine = createEngine({ repo, passwordFile, stateDir, locale: 'en' });
  try {
    const [latest] = await engine.listDrills();
    assert.equal(latest?.status, 'interrupted');
  } finally {
    await engine.close();
  }
  const check = await runCli(['check', '--read-data'], env);
  assert.equal(check.code, 0, check.stdout + check.stderr);

  target.faults.clear();
  const next = await runCli(['drill', '--json'], env);
  assert.equal(next.code, 0, next.stdout + next.stderr);
  assert.equal((JSON.parse(next.stdout) as { status: string }).status, 'success');
});
