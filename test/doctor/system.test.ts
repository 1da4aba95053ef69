// Doctor checks of this computer: the real keychain (a private gnome-keyring, and an environment without
// one), real scheduler lock files (live, dead and foreign holders), drills and the recovery kit.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { runDoctor } from '../../src/doctor/doctor.js';
import { acquireSchedulerLock, schedulerLockPath } from '../../src/scheduler/schedulerLock.js';
import { tempDir } from '../support/tmp.js';
import { keyringToolsAvailable, only, runDoctorInChild } from './support.js';

const NOW = new Date('2026-03-10T12:00:00.000Z');
const clock = { now: (): Date => new Date(NOW) };
const D = 86_400_000;

describe('doctor: keychain', () => {
  it('passes against a real Secret Service', async (t) => {
    const input = { secretStore: { kind: 'keychain' as const, service: `clinic-backup-doctor-${process.pid}` } };
    let report;
    if (process.env['CLINIC_BACKUP_IN_KEYRING'] === '1') report = await runDoctor(input);
    else if (keyringToolsAvailable()) report = await runDoctorInChild(input, { keyring: true, timeoutMs: 120_000 });
    else return t.skip('no private keyring available (dbus-run-session, gnome-keyring-daemon)');
    const c = only(report, 'keychain');
    assert.deepEqual([c.status, c.detailKey, c.fixKey], ['pass', 'doctor.keychain.ok', null]);
  });

  it('fails with a plain fix where no Secret Service is running', async () => {
    const dir = await tempDir('cb-doctor-nobus-');
    // No session bus address and an empty runtime folder: nothing to talk to.
    const report = await runDoctorInChild({ secretStore: { kind: 'keychain', timeoutMs: 5000 } }, { env: { XDG_RUNTIME_DIR: dir } });
    const c = only(report, 'keychain');
    assert.deepEqual([c.status, c.severity, c.detailKey, c.fixKey, c.params['reasonCode']], ['fail', 'high', 'doctor.keychain.unavailable', 'doctor.fix.keychainMissing', 'no-dbus']);
    const bogus = await runDoctorInChild({ secretStore: { kind: 'keychain', timeoutMs: 5000 } }, { env: { DBUS_SESSION_BUS_ADDRESS: `unix:path=${path.join(dir, 'no-bus')}` } });
    const b = only(bogus, 'keychain');
    assert.equal(b.status, 'fail');
    assert.equal(b.detailKey, 'doctor.keychain.unavailable');
  });

  it('is not needed with a password file', async () => {
    const c = only(await runDoctor({ secretStore: { kind: 'file' } }), 'keychain');
    assert.deepEqual([c.status, c.detailKey, c.params['store']], ['pass', 'doctor.keychain.notUsed', 'file']);
  });
});

describe('doctor: schedule (real scheduler lock files)', () => {
  it('a live holder on this machine: running; with its next runs: ok', async () => {
    const dir = await tempDir('cb-doctor-lock-');
    const lock = await acquireSchedulerLock(dir, 'repo1');
    try {
      const running = only(await runDoctor({ schedule: { lockDir: dir, repoId: 'repo1' } }), 'schedule');
      assert.deepEqual([running.status, running.detailKey, running.params['pid']], ['pass', 'doctor.schedule.running', process.pid]);
      const future = new Date(Date.now() + 10 * 60_000).toISOString();
      const ok = only(await runDoctor({ schedule: { lockDir: dir, repoId: 'repo1', nextRuns: [{ name: 'backup', at: future }] } }), 'schedule');
      assert.deepEqual([ok.status, ok.detailKey, ok.params['nextAt']], ['pass', 'doctor.schedule.ok', future]);
    } finally {
      await lock.release();
    }
  });

  it('no lock: not running (high)', async () => {
    const dir = await tempDir('cb-doctor-lock-');
    const c = only(await runDoctor({ schedule: { lockDir: dir, repoId: 'repo1' } }), 'schedule');
    assert.deepEqual([c.status, c.severity, c.detailKey, c.fixKey], ['fail', 'high', 'doctor.schedule.notRunning', 'doctor.fix.startScheduler']);
  });

  it('a lock left by a process that died: stale', async () => {
    const dir = await tempDir('cb-doctor-lock-');
    const child = spawn(process.execPath, ['-e', '']);
    const deadPid = child.pid!;
    await once(child, 'exit');
    await acquireSchedulerLock(dir, 'repo1', { pid: deadPid });
    const c = only(await runDoctor({ schedule: { lockDir: dir, repoId: 'repo1' } }), 'schedule');
    assert.deepEqual([c.status, c.detailKey, c.params['pid'], c.fixKey], ['fail', 'doctor.schedule.stale', deadPid, 'doctor.fix.startScheduler']);
  });

  it('a lock held on another computer (shared folder): fine here', async () => {
    const dir = await tempDir('cb-doctor-lock-');
    await writeFile(schedulerLockPath(dir, 'repo1'), JSON.stringify({ pid: 4242, startedAt: NOW.toISOString(), hostname: 'recepcao-pc', repoId: 'repo1', token: 'x' }));
    const c = only(await runDoctor({ schedule: { lockDir: dir, repoId: 'repo1' } }), 'schedule');
    assert.deepEqual([c.status, c.detailKey, c.params['host']], ['pass', 'doctor.schedule.otherHost', 'recepcao-pc']);
  });

  it('overdue runs, no jobs and pause are reported', async () => {
    const dir = await tempDir('cb-doctor-lock-');
    const lock = await acquireSchedulerLock(dir, 'repo1');
    try {
      const past = new Date(Date.now() - 2 * 3_600_000).toISOString();
      const late = only(
        await runDoctor({
          schedule: {
            lockDir: dir,
            repoId: 'repo1',
            nextRuns: [
              { name: 'offsite', at: past },
              { name: 'backup', at: new Date(Date.now() + 60_000) },
            ],
          },
        }),
        'schedule',
      );
      assert.deepEqual([late.status, late.detailKey, late.params['job'], late.params['lateMinutes'], late.fixKey], ['warn', 'doctor.schedule.overdue', 'offsite', 120, 'doctor.fix.restartScheduler']);
      const none = only(await runDoctor({ schedule: { lockDir: dir, repoId: 'repo1', nextRuns: [] } }), 'schedule');
      assert.deepEqual([none.status, none.detailKey], ['fail', 'doctor.schedule.noJobs']);
      const paused = only(await runDoctor({ schedule: { lockDir: dir, repoId: 'repo1', paused: true } }), 'schedule');
      assert.deepEqual([paused.status, paused.detailKey], ['warn', 'doctor.schedule.paused']);
    } finally {
      await lock.release();
    }
  });

  it('an unreadable lock is a warning', async () => {
    const dir = await tempDir('cb-doctor-lock-');
    await writeFile(schedulerLockPath(dir, 'repo1'), 'garbage');
    assert.equal(only(await runDoctor({ schedule: { lockDir: dir, repoId: 'repo1' } }), 'schedule').detailKey, 'doctor.schedule.unreadable');
  });
});

describe('doctor: drill and recovery kit', () => {
  const rows: readonly [string, { lastAt: string | null; intervalDays?: number }, string, string][] = [
    ['drill 10 days ago, monthly', { lastAt: new Date(NOW.getTime() - 10 * D).toISOString() }, 'pass', 'doctor.drill.ok'],
    ['drill 45 days ago, monthly', { lastAt: new Date(NOW.getTime() - 45 * D).toISOString() }, 'warn', 'doctor.drill.overdue'],
    ['drill 10 days ago, weekly', { lastAt: new Date(NOW.getTime() - 10 * D).toISOString(), intervalDays: 7 }, 'warn', 'doctor.drill.overdue'],
    ['never drilled', { lastAt: null }, 'warn', 'doctor.drill.never'],
  ];
  for (const [name, drill, status, key] of rows) {
    it(name, async () => {
      const c = only(await runDoctor({ drill }, { clock }), 'drill');
      assert.deepEqual([c.status, c.detailKey], [status, key]);
      if (status !== 'pass') assert.deepEqual([c.severity, c.fixKey], ['medium', 'doctor.fix.runDrill']);
    });
  }

  it('recovery kit confirmed passes; not confirmed warns', async () => {
    const ok = only(await runDoctor({ recoveryKit: { confirmed: true, confirmedAt: '2026-01-05T10:00:00Z' } }), 'recoveryKit');
    assert.deepEqual([ok.status, ok.detailKey, ok.params['confirmedAt']], ['pass', 'doctor.recoveryKit.okSince', '2026-01-05T10:00:00.000Z']);
    const no = only(await runDoctor({ recoveryKit: { confirmed: false } }), 'recoveryKit');
    assert.deepEqual([no.status, no.severity, no.detailKey, no.fixKey], ['warn', 'medium', 'doctor.recoveryKit.notConfirmed', 'doctor.fix.confirmKit']);
  });
});
