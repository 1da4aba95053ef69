import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { readFile, writeFile, readdir } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { acquireSchedulerLock, isProcessAlive, schedulerLockPath } from '../../src/scheduler/schedulerLock.js';
import { JobRunner } from '../../src/scheduler/runner.js';
import { isEngineError } from '../../src/shared/errors.js';
import { tempDir } from '../support/tmp.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const holder = path.join(here, 'fixtures', 'holdLock.ts');

function refusedBy(pid: number) {
  return (err: unknown): boolean => isEngineError(err, 'SCHEDULER_ALREADY_RUNNING') && err.details['pid'] === pid;
}

/** Starts a child holding the lock; resolves once it says so. Killed by the caller (bounded by its own 60 s exit). */
async function startHolder(dir: string, repoId: string): Promise<ChildProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', holder, dir, repoId], { stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
  try {
    for await (const chunk of child.stdout!) {
      out += String(chunk);
      if (out.includes('locked')) break;
    }
  } finally {
    clearTimeout(timer);
  }
  assert.match(out, /locked \d+/);
  return child;
}

/** The pid of a process that has already exited. */
async function deadPid(): Promise<number> {
  const child = spawn(process.execPath, ['-e', '0'], { stdio: 'ignore' });
  const pid = child.pid!;
  await once(child, 'exit');
  return pid;
}

describe('acquireSchedulerLock', () => {
  it('lets one scheduler in: a second one (two runners on the same lock) is refused with the holder pid', async () => {
    const dir = await tempDir();
    const first = await acquireSchedulerLock(dir, 'repo-1');
    const runner = new JobRunner([]);
    runner.start();
    await assert.rejects(acquireSchedulerLock(dir, 'repo-1'), refusedBy(process.pid));
    const info = JSON.parse(await readFile(schedulerLockPath(dir, 'repo-1'), 'utf8')) as { pid: number; startedAt: string };
    assert.equal(info.pid, process.pid);
    assert.ok(Number.isFinite(Date.parse(info.startedAt)));
    // Another repository has its own lock.
    const other = await acquireSchedulerLock(dir, 'repo-2');
    await runner.stop();
    await first.release();
    await first.release(); // idempotent
    const again = await acquireSchedulerLock(dir, 'repo-1');
    await again.release();
    await other.release();
    assert.deepEqual(await readdir(dir), []);
  });

  it('refuses while another live process holds the lock, and takes it over after that process is killed', async () => {
    const dir = await tempDir();
    const child = await startHolder(dir, 'repo');
    try {
      await assert.rejects(acquireSchedulerLock(dir, 'repo'), refusedBy(child.pid!));
    } finally {
      child.kill('SIGKILL');
      await once(child, 'exit');
    }
    assert.equal(isProcessAlive(child.pid!), false);
    const lock = await acquireSchedulerLock(dir, 'repo');
    assert.equal(lock.info.pid, process.pid);
    await lock.release();
  });

  it('takes over the lock of a dead pid', async () => {
    const dir = await tempDir();
    const pid = await deadPid();
    await writeFile(schedulerLockPath(dir, 'r'), JSON.stringify({ pid, startedAt: new Date().toISOString(), hostname: os.hostname(), repoId: 'r', token: 'x' }));
    const lock = await acquireSchedulerLock(dir, 'r');
    const info = JSON.parse(await readFile(lock.path, 'utf8')) as { pid: number; token: string };
    assert.equal(info.pid, process.pid);
    assert.equal(info.token, lock.info.token);
    await lock.release();
  });

  it('takes over a lock written before the last boot even if its pid is alive now (pid reuse)', async () => {
    const dir = await tempDir();
    const before = new Date(Date.now() - 3_600_000).toISOString();
    await writeFile(schedulerLockPath(dir, 'r'), JSON.stringify({ pid: process.pid, startedAt: before, hostname: os.hostname(), repoId: 'r', token: 'old' }));
    await assert.rejects(acquireSchedulerLock(dir, 'r', { bootTime: new Date(Date.now() - 7_200_000) }), refusedBy(process.pid));
    const lock = await acquireSchedulerLock(dir, 'r', { bootTime: new Date(Date.now() - 60_000) });
    await lock.release();
  });

  it('respects a lock from another host and takes over an unreadable old one', async () => {
    const dir = await tempDir();
    const file = schedulerLockPath(dir, 'r');
    await writeFile(file, JSON.stringify({ pid: await deadPid(), startedAt: new Date().toISOString(), hostname: 'other-host', repoId: 'r', token: 't' }));
    await assert.rejects(acquireSchedulerLock(dir, 'r'), { code: 'SCHEDULER_ALREADY_RUNNING' });
    await writeFile(file, '{not json');
    const old = new Date(Date.now() + 60_000); // the file is 60 s old from this clock's point of view
    const lock = await acquireSchedulerLock(dir, 'r', { clock: { now: () => old } });
    await lock.release();
  });

  it('does not remove a lock that is no longer its own', async () => {
    const dir = await tempDir();
    const lock = await acquireSchedulerLock(dir, 'r');
    await writeFile(lock.path, JSON.stringify({ pid: 1, startedAt: new Date().toISOString(), hostname: os.hostname(), repoId: 'r', token: 'someone-else' }));
    await lock.release();
    assert.match(await readFile(lock.path, 'utf8'), /someone-else/);
  });

  it('rejects repository ids that are not safe file names', async () => {
    const dir = await tempDir();
    for (const bad of ['', '..', 'a/b', 'a\\b', 'x'.repeat(129)]) {
      await assert.rejects(acquireSchedulerLock(dir, bad), { code: 'INVALID_ARGUMENT' });
    }
  });
});
