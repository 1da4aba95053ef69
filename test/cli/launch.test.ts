/**
 * The launcher (bin/launch.js) starts the long-running commands again, once, with glibc's MALLOC_ARENA_MAX=2 on
 * Linux (docs/benchmarks.md: peak RSS); quick commands, and the small runs of a long command (one patient's restore,
 * a restore plan), run in the first process. The relaunched command gets the
 * variable in its real environment, passes its exit code back, receives a SIGINT sent to the launcher, and does not
 * outlive a launcher killed with SIGKILL.
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, it } from 'node:test';
import { writeNdjsonDataset } from '../../src/sandbox/synthetic.js';
import { CLI, ROOT, runCli } from '../support/cli.js';
import { writePasswordFile } from '../support/repo.js';
import { tempDir } from '../support/tmp.js';

const RELAUNCH_NOTE = '[debug] starting the command again with MALLOC_ARENA_MAX=2';
const linux = process.platform === 'linux';

/** The process's environment as the kernel holds it (what glibc read at its start). */
async function environOf(pid: number): Promise<Map<string, string>> {
  const raw = await readFile(`/proc/${pid}/environ`, 'utf8');
  const env = new Map<string, string>();
  for (const entry of raw.split('\0')) {
    const at = entry.indexOf('=');
    if (at > 0) env.set(entry.slice(0, at), entry.slice(at + 1));
  }
  return env;
}

async function childrenOf(pid: number): Promise<number[]> {
  const text = await readFile(`/proc/${pid}/task/${pid}/children`, 'utf8').catch(() => '');
  return text.split(' ').filter(Boolean).map(Number);
}

async function alive(pid: number): Promise<boolean> {
  // A zombie (exited, not yet reaped) counts as gone: its state letter is Z.
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8').catch(() => null);
  return stat !== null && stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
}

/** Waits (bounded) until `check` is true. */
async function until(check: () => Promise<boolean>, what: string, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Starts `serve` on a fresh repository and waits for its URL: the launcher process, still running. */
async function startServe(dir: string, env: NodeJS.ProcessEnv = {}): Promise<{ child: ChildProcess; output: () => string }> {
  await mkdir(path.join(dir, 'repo'));
  const passwordFile = await writePasswordFile(dir);
  const child = spawn(process.execPath, ['--experimental-websocket', CLI, 'serve', '--repo', path.join(dir, 'repo'), '--password-file', passwordFile, '--port', '0'], {
    cwd: ROOT,
    env: { ...process.env, CLINIC_BACKUP_LANG: 'en', CLINIC_BACKUP_STATE_DIR: path.join(dir, 'state'), ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout?.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (out += d.toString()));
  const guard = setTimeout(() => child.kill('SIGKILL'), 90_000);
  child.on('exit', () => clearTimeout(guard));
  await until(async () => /http:\/\/127\.0\.0\.1:\d+\//.test(out) || child.exitCode !== null, 'the serve URL', 60_000);
  assert.equal(child.exitCode, null, out);
  return { child, output: () => out };
}

describe('launcher: MALLOC_ARENA_MAX for the long-running commands', { skip: linux ? false : 'glibc arenas: Linux only' }, () => {
  it('a backup runs again with the variable (same output and exit code); snapshots, --help and a chosen value do not', async () => {
    const dir = await tempDir('cb-launch-');
    const data = path.join(dir, 'export');
    await writeNdjsonDataset(data, { patients: 3, seed: 5 });
    const env = { CLINIC_BACKUP_REPO: path.join(dir, 'repo'), CLINIC_BACKUP_PASSWORD_FILE: await writePasswordFile(dir), CLINIC_BACKUP_DEBUG: '1', MALLOC_ARENA_MAX: undefined };
    const init = await runCli(['init'], env);
    assert.equal(init.code, 0, init.stderr);
    assert.ok(!init.stderr.includes(RELAUNCH_NOTE), 'init is a quick command');

    const backup = await runCli(['backup', data, '--json'], env);
    assert.equal(backup.code, 0, backup.stderr);
    assert.ok(backup.stderr.includes(RELAUNCH_NOTE), backup.stderr);
    assert.equal(backup.stderr.split(RELAUNCH_NOTE).length, 2, 'relaunched once, not again by the relaunched command');
    const result = JSON.parse(backup.stdout) as { snapshot: { id: string } };
    assert.match(result.snapshot.id, /^[0-9a-f]{64}$/);

    // A whole restore is long: it runs again. One patient's record or a plan is small: it keeps its start-up time.
    const patient = (JSON.parse((await readFile(path.join(data, 'Patient.ndjson'), 'utf8')).split('\n')[0] as string) as { id: string }).id;
    const whole = await runCli(['restore', 'latest', '--target', path.join(dir, 'whole'), '--yes', '--json'], env);
    assert.equal(whole.code, 0, whole.stderr);
    assert.ok(whole.stderr.includes(RELAUNCH_NOTE), whole.stderr);
    for (const args of [
      ['restore', 'latest', '--patient', patient, '--target', path.join(dir, 'one'), '--yes', '--json'],
      ['restore', '--json', `--patient=${patient}`, '--target', path.join(dir, 'one-again'), '--yes', 'latest'],
      ['restore', 'latest', '--target', path.join(dir, 'planned'), '--plan', '--json'],
    ]) {
      const small = await runCli(args, env);
      assert.equal(small.code, 0, `${args.join(' ')}: ${small.stderr}`);
      assert.ok(!small.stderr.includes(RELAUNCH_NOTE), `${args.join(' ')} is a small run: ${small.stderr}`);
    }
    const one = JSON.parse((await runCli(['restore', 'latest', '--patient', patient, '--target', path.join(dir, 'one-json'), '--yes', '--json'], env)).stdout) as { resources: number };
    assert.ok(one.resources > 1, 'the patient and their record were restored in the first process');
    const wholeResult = JSON.parse(whole.stdout) as { resources: number };
    assert.ok(wholeResult.resources > one.resources);

    const snapshots = await runCli(['snapshots', '--json'], env);
    assert.equal(snapshots.code, 0, snapshots.stderr);
    assert.ok(!snapshots.stderr.includes(RELAUNCH_NOTE), snapshots.stderr);
    const help = await runCli(['backup', '--help'], env);
    assert.equal(help.code, 0);
    assert.ok(!help.stderr.includes(RELAUNCH_NOTE), help.stderr);
    const chosen = await runCli(['backup', data, '--json'], { ...env, MALLOC_ARENA_MAX: '4' });
    assert.equal(chosen.code, 0, chosen.stderr);
    assert.ok(!chosen.stderr.includes(RELAUNCH_NOTE), 'a value the user chose is kept');

    // A failing command's exit code comes back through the launcher (2: usage).
    const usage = await runCli(['check', '--no-such-option'], env);
    assert.equal(usage.code, 2, usage.stderr);
    assert.ok(usage.stderr.includes(RELAUNCH_NOTE), usage.stderr);
  });

  it('serve: the relaunched process has MALLOC_ARENA_MAX=2 in its environment, the launcher not; SIGINT to the launcher stops both', async () => {
    const { child, output } = await startServe(await tempDir('cb-launch-serve-'), { MALLOC_ARENA_MAX: undefined });
    const launcher = child.pid as number;
    const [worker, ...others] = await childrenOf(launcher);
    assert.ok(worker !== undefined && others.length === 0, `one relaunched process: ${String(worker)} ${others.join(',')}`);
    assert.equal((await environOf(worker)).get('MALLOC_ARENA_MAX'), '2');
    assert.equal((await environOf(launcher)).get('MALLOC_ARENA_MAX'), undefined);
    assert.equal((await environOf(worker)).get('CLINIC_BACKUP_LAUNCHER_FD'), '3', 'started by the launcher, watching its pipe');
    const cmdline = async (pid: number): Promise<string[]> => (await readFile(`/proc/${pid}/cmdline`, 'utf8')).split('\0');
    assert.ok((await cmdline(worker)).includes('--max-semi-space-size=4'), 'the relaunched host runs with a small young generation');
    assert.ok(!(await cmdline(launcher)).includes('--max-semi-space-size=4'));
    const code = await new Promise<number | null>((resolve) => {
      child.on('close', (c) => resolve(c));
      child.kill('SIGINT');
    });
    assert.equal(code, 0, output());
    assert.match(output(), /stopped/);
    assert.equal(await alive(worker), false);
  });

  it('kill -9 of the launcher ends the relaunched command too (nothing runs on unowned)', async () => {
    const { child } = await startServe(await tempDir('cb-launch-kill-'), { MALLOC_ARENA_MAX: undefined });
    const [worker] = await childrenOf(child.pid as number);
    assert.ok(worker !== undefined);
    assert.equal(await alive(worker), true);
    const ended = new Promise<NodeJS.Signals | null>((resolve) => child.on('exit', (_c, s) => resolve(s)));
    child.kill('SIGKILL');
    assert.equal(await ended, 'SIGKILL');
    try {
      await until(async () => !(await alive(worker)), 'the relaunched process to end', 10_000);
    } finally {
      // Had it survived, it would hold the test's pipes open: end it here so a failure cannot hang the run.
      if (await alive(worker)) process.kill(worker, 'SIGKILL');
    }
  });
});
