/**
 * SOP-019 §9 on this computer: the keychain holding the keys and credentials, the scheduler that makes
 * backups happen, and the two habits that make a recovery possible (restore drills, the recovery kit).
 */
import type { KeychainOptions, KeychainProbeResult } from '../secrets/index.js';
import { schedulerLockPath, schedulerState } from '../scheduler/index.js';
import { codeOf, result, toMs } from './result.js';
import type { DoctorCheck, DoctorLimits, DoctorScheduleInput, DoctorSecretStoreInput, TimeInput } from './types.js';

const DAY = 86_400_000;

export async function checkKeychain(input: DoctorSecretStoreInput, probe: (options: KeychainOptions) => Promise<KeychainProbeResult>): Promise<DoctorCheck> {
  if (input.kind !== 'keychain') return result('keychain', 'pass', 'notUsed', { params: { store: input.kind } });
  const r = await probe({ ...(input.service ? { service: input.service } : {}), timeoutMs: input.timeoutMs ?? 10_000 });
  if (r.available) return result('keychain', 'pass', 'ok');
  const reasonCode = r.reasonCode ?? 'failed';
  const params = { code: r.code ?? 'KEYCHAIN_UNAVAILABLE', reasonCode, reason: r.reason ?? null };
  if (r.code === 'KEYCHAIN_LOCKED') return result('keychain', 'fail', 'locked', { params, fix: 'keychainLocked' });
  return result('keychain', 'fail', 'unavailable', { params, fix: reasonCode === 'no-dbus' || reasonCode === 'no-provider' ? 'keychainMissing' : 'keychainBroken' });
}

/**
 * Is the scheduler running (its lock is held by a live process on this machine), is anything scheduled,
 * and is nothing long overdue (a stuck scheduler).
 */
export async function checkSchedule(input: DoctorScheduleInput, now: number, limits: DoctorLimits, isAlive: (pid: number) => boolean): Promise<DoctorCheck> {
  let file: string;
  try {
    file = schedulerLockPath(input.lockDir, input.repoId);
  } catch (err) {
    return result('schedule', 'fail', 'error', { params: { code: codeOf(err) }, fix: 'startScheduler' });
  }
  const lock = await schedulerState(input.lockDir, input.repoId, isAlive);
  if (lock.state === 'not-running') return result('schedule', 'fail', 'notRunning', { fix: 'startScheduler' });
  if (lock.state === 'unreadable') return result('schedule', 'warn', 'unreadable', { params: { file }, fix: 'startScheduler' });
  const params = { pid: lock.pid, startedAt: lock.since, host: lock.host };
  if (lock.state === 'other-host') return result('schedule', 'pass', 'otherHost', { params });
  if (lock.state === 'stale') return result('schedule', 'fail', 'stale', { params, fix: 'startScheduler' });
  if (input.paused) return result('schedule', 'warn', 'paused', { params, fix: 'resumeSchedule' });
  if (input.nextRuns !== undefined) {
    if (input.nextRuns.length === 0) return result('schedule', 'fail', 'noJobs', { params, fix: 'configureSchedule' });
    const late = input.nextRuns
      .map((r) => ({ name: r.name, at: toMs(r.at, `nextRuns.${r.name}`) }))
      .filter((r) => now - r.at > limits.overdueGraceMs)
      .sort((a, b) => a.at - b.at)[0];
    if (late) {
      return result('schedule', 'warn', 'overdue', {
        params: { ...params, job: late.name, dueAt: new Date(late.at).toISOString(), lateMinutes: Math.floor((now - late.at) / 60_000) },
        fix: 'restartScheduler',
      });
    }
    const next = Math.min(...input.nextRuns.map((r) => toMs(r.at, `nextRuns.${r.name}`)));
    return result('schedule', 'pass', 'ok', { params: { ...params, nextAt: new Date(next).toISOString() } });
  }
  return result('schedule', 'pass', 'running', { params });
}

export function checkDrill(input: { readonly lastAt: TimeInput | null; readonly intervalDays?: number }, now: number, limits: DoctorLimits): DoctorCheck {
  const intervalDays = input.intervalDays ?? limits.drillIntervalDays;
  if (input.lastAt === null) return result('drill', 'warn', 'never', { params: { intervalDays }, fix: 'runDrill' });
  const last = toMs(input.lastAt, 'drill.lastAt');
  const params = { lastDrillAt: new Date(last).toISOString(), ageDays: Math.floor(Math.max(0, now - last) / DAY), intervalDays };
  if (now - last > intervalDays * DAY) return result('drill', 'warn', 'overdue', { params, fix: 'runDrill' });
  return result('drill', 'pass', 'ok', { params });
}

export function checkRecoveryKit(input: { readonly confirmed: boolean; readonly confirmedAt?: TimeInput | null }): DoctorCheck {
  if (!input.confirmed) return result('recoveryKit', 'warn', 'notConfirmed', { fix: 'confirmKit' });
  const at = input.confirmedAt ? new Date(toMs(input.confirmedAt, 'recoveryKit.confirmedAt')).toISOString() : null;
  return result('recoveryKit', 'pass', at ? 'okSince' : 'ok', { params: at ? { confirmedAt: at } : {} });
}
