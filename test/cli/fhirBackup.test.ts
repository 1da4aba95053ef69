/**
 * `clinic-backup backup --source URL` as a child process against the sandbox: kill -9 mid-download never
 * leaves a snapshot missing resources, and the next run resumes the same export job; a job remembered for
 * one server is never resumed for another; credential errors are clear; secrets come from files.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, it } from 'node:test';
import type { SandboxServer } from '../../src/sandbox/index.js';
import { CLI, ROOT, runCli } from '../support/cli.js';
import { assertSnapshotEqualsServer, requestsMatching, sandbox } from '../support/fhir.js';
import { reopen, writePasswordFile } from '../support/repo.js';
import { tempDir } from '../support/tmp.js';

const FILE = /\/_bulk\/[^/]+\/[^/]+\.ndjson$/;
const KICKOFF = /\/\$export\?/;

async function setup(): Promise<{ dir: string; repo: string; env: Record<string, string> }> {
  const dir = await tempDir();
  const repo = path.join(dir, 'repo');
  const env = { CLINIC_BACKUP_REPO: repo, CLINIC_BACKUP_PASSWORD_FILE: await writePasswordFile(dir), CLINIC_BACKUP_STATE_DIR: path.join(dir, 'state') };
  const init = await runCli(['init'], env);
  assert.equal(init.code, 0, init.stderr);
  return { dir, repo, env };
}

/** Starts a CLI backup of the server and kills it with SIGKILL once the server has seen `files` file requests. */
function backupKilledAt(server: SandboxServer, files: number, env: Record<string, string>, timeoutMs = 60_000): Promise<{ killed: boolean; code: number | null }> {
  return new Promise((resolve, reject) => {
    const before = server.requestLog.filter((e) => FILE.test(e.target)).length;
    const child = spawn(process.execPath, ['--experimental-websocket', CLI, 'backup', '--source', server.url], { cwd: ROOT, env: { ...process.env, ...env }, stdio: 'ignore' });
    const started = Date.now();
    const poll = setInterval(() => {
      const seen = server.requestLog.filter((e) => FILE.test(e.target)).length - before;
      if (seen >= files || Date.now() - started > timeoutMs) child.kill('SIGKILL');
    }, 5);
    child.on('error', reject);
    child.on('exit', (code, signal) => {
      clearInterval(poll);
      resolve({ killed: signal === 'SIGKILL', code });
    });
  });
}

describe('CLI backup --source', () => {
  it('kill -9 mid-download at several points: no incomplete snapshot, check passes, the next run resumes the job and completes', async () => {
    const server = await sandbox({ patients: 6, seed: 61, maxResourcesPerFile: 25 });
    const { repo, env } = await setup();
    // Slow files so the kill lands in the middle of the downloads.
    server.faults.set({ slow: { delayMs: 250, match: '\\.ndjson$' } });
    let killed = 0;
    for (const files of [1, 4, 9]) {
      const r = await backupKilledAt(server, files, env);
      if (r.killed) killed++;
      const check = await runCli(['check', '--json'], env);
      assert.equal(check.code, 0, `after a kill at ${files} files: ${check.stdout}${check.stderr}`);
      const snaps = await (await reopen(repo)).listSnapshots();
      for (const s of snaps) await assertSnapshotEqualsServer(await reopen(repo), s.manifest, server, `snapshot left by a run killed at ${files} files`);
    }
    assert.equal(killed, 3, 'every run was killed mid-download');
    assert.equal(requestsMatching(server, KICKOFF), 1, 'the killed runs resumed the same export job');
    server.faults.clear();
    const done = await runCli(['backup', '--source', server.url, '--json'], env);
    assert.equal(done.code, 0, done.stderr);
    assert.equal(requestsMatching(server, KICKOFF), 1, 'the job was resumed, not started again');
    const opened = await reopen(repo);
    const snaps = await opened.listSnapshots();
    assert.equal(snaps.length, 1);
    await assertSnapshotEqualsServer(opened, (snaps[0] as (typeof snaps)[0]).manifest, server, 'after the kills');
    const check = await runCli(['check', '--read-data'], env);
    assert.equal(check.code, 0, check.stdout + check.stderr);
    // The job is done and forgotten: the next run (incremental) starts a new one.
    const next = await runCli(['backup', '--source', server.url, '--json'], env);
    assert.equal(next.code, 0, next.stderr);
    assert.equal(requestsMatching(server, KICKOFF), 2);
  });

  it('an export job remembered for one server is never resumed for another (same repository and state folder)', async () => {
    const a = await sandbox({ patients: 4, seed: 71, maxResourcesPerFile: 25 });
    const b = await sandbox({ patients: 2, seed: 72 });
    const { repo, env } = await setup();
    a.faults.set({ slow: { delayMs: 250, match: '\\.ndjson$' } });
    const r = await backupKilledAt(a, 2, env);
    assert.ok(r.killed);
    const other = await runCli(['backup', '--source', b.url, '--json'], env);
    assert.equal(other.code, 0, other.stderr);
    const opened = await reopen(repo);
    const snaps = await opened.listSnapshots();
    assert.equal(snaps.length, 1);
    await assertSnapshotEqualsServer(opened, (snaps[0] as (typeof snaps)[0]).manifest, b, 'server B');
    assert.equal(requestsMatching(b, KICKOFF), 1);
  });

  it('a partial snapshot (a malformed line in an output file) exits 1 and names file:line and the code', async () => {
    const server = await sandbox({ patients: 2, seed: 91 });
    const { env } = await setup();
    server.faults.set({ truncateNdjson: { match: 'Condition', afterLines: 2, resume: true, times: 1 } });
    const r = await runCli(['backup', '--source', server.url], env);
    assert.equal(r.code, 1, r.stdout + r.stderr);
    assert.match(r.stdout, /Condition-1\.ndjson:3 INPUT_MALFORMED/);
    const json = await runCli(['snapshots', '--json'], env);
    const list = JSON.parse(json.stdout) as { partial: boolean; problemCount: number }[];
    assert.deepEqual(
      list.map((s) => [s.partial, s.problemCount]),
      [[true, 1]],
    );
    // The next run reads everything again and is complete.
    const again = await runCli(['backup', '--source', server.url, '--json'], env);
    assert.equal(again.code, 0, again.stderr);
    const snap = (JSON.parse(again.stdout) as { snapshot: { mode: string; partial: boolean; resources: number } }).snapshot;
    assert.deepEqual([snap.mode, snap.partial, snap.resources], ['full', false, server.store.count()]);
  });

  it('credentials: wrong token exits 1 with SOURCE_AUTH and "check the credentials"; right token file works; no secret on argv', async () => {
    const server = await sandbox({ patients: 2, seed: 81, auth: { bearerTokens: ['s3cr3t-token-value'], basic: { username: 'recepcao', password: 'b4sic-pw' } } });
    const { dir, env } = await setup();
    const tokenFile = path.join(dir, 'token');
    await writeFile(tokenFile, 'wrong-token\n', { mode: 0o600 });
    const bad = await runCli(['backup', '--source', server.url, '--auth', 'bearer', '--token-file', tokenFile], env);
    assert.equal(bad.code, 1);
    assert.match(bad.stderr, /SOURCE_AUTH/);
    assert.match(bad.stderr, /HTTP 401.*Check the credentials/);
    const pt = await runCli(['backup', '--source', server.url, '--token-file', tokenFile, '--lang', 'pt-BR'], env);
    assert.match(pt.stderr, /Confira as credenciais/);
    const usage = await runCli(['backup', '--source', server.url, '--auth', 'bearer'], env);
    assert.equal(usage.code, 2);
    await writeFile(tokenFile, 's3cr3t-token-value\n', { mode: 0o600 });
    const ok = await runCli(['backup', '--source', server.url, '--auth', 'bearer', '--token-file', tokenFile, '--json'], env);
    assert.equal(ok.code, 0, ok.stderr);
    assert.ok(!ok.stdout.includes('s3cr3t') && !ok.stderr.includes('s3cr3t'), 'the token never appears in output');
    const pwFile = path.join(dir, 'basic');
    await writeFile(pwFile, 'b4sic-pw\n', { mode: 0o600 });
    const basic = await runCli(['backup', '--source', server.url, '--username', 'recepcao', '--basic-password-file', pwFile, '--strategy', 'search'], env);
    assert.equal(basic.code, 0, basic.stderr);
    assert.match(basic.stdout, /0 new/);
    const down = await runCli(['backup', '--source', 'http://fhir.clinic-backup.invalid/fhir'], env);
    assert.equal(down.code, 1);
    assert.match(down.stderr, /SOURCE_DNS/);
  });
});
