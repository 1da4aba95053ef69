/**
 * Single-instance guard: one scheduler per repository on this machine (desktop app, `serve` and
 * a CLI daemon must not schedule the same backups twice).
 *
 * The lock is a small JSON file `<dir>/scheduler-<repoId>.lock` holding pid, start time, host and
 * a random token. It is created atomically (written to a temp file, then hard-linked into place,
 * which fails if the lock exists), so readers never see a half-written lock.
 * An existing lock is respected while its process is alive. It is taken over when:
 * - its pid no longer exists (the process crashed or was killed), or
 * - it was written before the machine last booted (the pid may have been reused since).
 * A lock written by another host (a shared folder) is always respected.
 * Known limit: two processes taking over the same stale lock in the same millisecond may both
 * pass; the takeover re-reads the file it moved aside and backs off if it was not the stale one.
 */
import { randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { EngineError } from '../shared/index.js';
import { systemClock, type Clock } from './clock.js';

export interface SchedulerLockInfo {
  readonly pid: number;
  /** ISO time the holder started. */
  readonly startedAt: string;
  readonly hostname: string;
  readonly repoId: string;
  readonly token: string;
}

export interface SchedulerLock {
  readonly path: string;
  readonly info: SchedulerLockInfo;
  /** Removes the lock file if it is still ours. Idempotent. */
  release(): Promise<void>;
}

export interface SchedulerLockOptions {
  readonly clock?: Clock;
  /** Defaults to process.pid. */
  readonly pid?: number;
  /** Defaults to a signal-0 probe of the pid. */
  readonly isAlive?: (pid: number) => boolean;
  /** Defaults to now − os.uptime(). */
  readonly bootTime?: Date;
}

const REPO_ID = /^[A-Za-z0-9._-]{1,128}$/;
const BOOT_SLACK_MS = 120_000;

export function schedulerLockPath(dir: string, repoId: string): string {
  if (!REPO_ID.test(repoId) || repoId === '.' || repoId === '..') throw new EngineError('INVALID_ARGUMENT', { field: 'repoId', reason: 'A-Z a-z 0-9 . _ - (1-128)' });
  return path.join(dir, `scheduler-${repoId}.lock`);
}

/** True when a process with this pid exists (EPERM means it exists but belongs to another user). */
export function isProcessAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  if (pid === process.pid) return true;
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Takes the scheduler lock or throws SCHEDULER_ALREADY_RUNNING { pid } naming the live holder. */
export async function acquireSchedulerLock(dir: string, repoId: string, options: SchedulerLockOptions = {}): Promise<SchedulerLock> {
  const file = schedulerLockPath(dir, repoId);
  const clock = options.clock ?? systemClock;
  const isAlive = options.isAlive ?? isProcessAlive;
  const bootTime = options.bootTime ?? new Date(Date.now() - os.uptime() * 1000);
  await fs.mkdir(dir, { recursive: true, mode: 0o700 });
  const info: SchedulerLockInfo = {
    pid: options.pid ?? process.pid,
    startedAt: clock.now().toISOString(),
    hostname: os.hostname(),
    repoId,
    token: randomBytes(16).toString('hex'),
  };

  let lastHolder = 0;
  for (let attempt = 0; attempt < 5; attempt++) {
    if (await createExclusive(file, JSON.stringify(info))) return makeLock(file, info);
    const holder = await readLock(file);
    if (holder === 'missing') continue; // released meanwhile: try again
    if (holder !== 'unreadable') {
      lastHolder = holder.pid;
      if (!isStale(holder, isAlive, bootTime)) throw new EngineError('SCHEDULER_ALREADY_RUNNING', { pid: holder.pid });
    } else if (await isYoung(file, clock)) {
      // Unreadable and fresh: someone may be writing it right now without the atomic path.
      throw new EngineError('SCHEDULER_ALREADY_RUNNING', { pid: 0 });
    }
    await takeOver(file, holder);
  }
  throw new EngineError('SCHEDULER_ALREADY_RUNNING', { pid: lastHolder });
}

function isStale(holder: SchedulerLockInfo, isAlive: (pid: number) => boolean, bootTime: Date): boolean {
  if (holder.hostname !== os.hostname()) return false;
  const started = Date.parse(holder.startedAt);
  if (Number.isFinite(started) && started < bootTime.getTime() - BOOT_SLACK_MS) return true;
  return !isAlive(holder.pid);
}

async function isYoung(file: string, clock: Clock): Promise<boolean> {
  try {
    const st = await fs.stat(file);
    return clock.now().getTime() - st.mtimeMs < 10_000;
  } catch {
    return false;
  }
}

async function createExclusive(file: string, content: string): Promise<boolean> {
  const tmp = `${file}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`;
  const fh = await fs.open(tmp, 'wx', 0o600);
  try {
    await fh.writeFile(content);
    await fh.sync();
  } finally {
    await fh.close();
  }
  try {
    await fs.link(tmp, file);
    return true;
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'EEXIST') return false;
    if (code === 'EPERM' || code === 'ENOTSUP' || code === 'ENOSYS') return createWithFlag(file, content);
    throw err;
  } finally {
    await fs.rm(tmp, { force: true });
  }
}

/** Fallback for filesystems without hard links. */
async function createWithFlag(file: string, content: string): Promise<boolean> {
  try {
    await fs.writeFile(file, content, { flag: 'wx', mode: 0o600 });
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw err;
  }
}

async function readLock(file: string): Promise<SchedulerLockInfo | 'missing' | 'unreadable'> {
  let text: string;
  try {
    text = await fs.readFile(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return 'missing';
    throw err;
  }
  try {
    const v = JSON.parse(text) as Partial<SchedulerLockInfo>;
    if (typeof v.pid !== 'number' || typeof v.startedAt !== 'string') return 'unreadable';
    return {
      pid: v.pid,
      startedAt: v.startedAt,
      hostname: typeof v.hostname === 'string' ? v.hostname : os.hostname(),
      repoId: typeof v.repoId === 'string' ? v.repoId : '',
      token: typeof v.token === 'string' ? v.token : '',
    };
  } catch {
    return 'unreadable';
  }
}

/** Moves a stale lock aside; if what was moved turns out not to be that lock, puts it back. */
async function takeOver(file: string, judged: SchedulerLockInfo | 'unreadable'): Promise<void> {
  const aside = `${file}.stale-${randomBytes(6).toString('hex')}`;
  try {
    await fs.rename(file, aside);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw err;
  }
  const moved = await readLock(aside);
  const same = judged === 'unreadable' ? moved === 'unreadable' : moved !== 'missing' && moved !== 'unreadable' && moved.token === judged.token && moved.pid === judged.pid;
  if (!same) {
    // Someone replaced the stale lock with a live one between our read and the rename.
    try {
      await fs.link(aside, file);
    } catch {
      // The path was taken again meanwhile: the next loop iteration reads whoever holds it.
    }
  }
  await fs.rm(aside, { force: true });
}

function makeLock(file: string, info: SchedulerLockInfo): SchedulerLock {
  let released = false;
  return {
    path: file,
    info,
    async release() {
      if (released) return;
      released = true;
      const current = await readLock(file);
      if (current !== 'missing' && current !== 'unreadable' && current.token === info.token) await fs.rm(file, { force: true });
    },
  };
}

/** Whether the scheduler of a repository is running, as its lock file says (the one answer status and doctor give). */
export type SchedulerState =
  | { readonly state: 'running'; readonly pid: number; readonly since: string; readonly host: string }
  | { readonly state: 'other-host'; readonly pid: number; readonly since: string; readonly host: string }
  | { readonly state: 'stale'; readonly pid: number; readonly since: string; readonly host: string }
  | { readonly state: 'not-running' }
  | { readonly state: 'unreadable'; readonly file: string };

/** Reads the scheduler lock: running on this machine (live pid), on another machine, left by a dead process, or absent. */
export async function schedulerState(dir: string, repoId: string, isAlive: (pid: number) => boolean = isProcessAlive): Promise<SchedulerState> {
  const file = schedulerLockPath(dir, repoId);
  let text: string;
  try {
    text = await fs.readFile(file, 'utf8');
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'ENOENT' ? { state: 'not-running' } : { state: 'unreadable', file };
  }
  let v: Partial<SchedulerLockInfo>;
  try {
    v = JSON.parse(text) as Partial<SchedulerLockInfo>;
  } catch {
    return { state: 'unreadable', file };
  }
  if (typeof v.pid !== 'number' || typeof v.startedAt !== 'string') return { state: 'unreadable', file };
  const host = typeof v.hostname === 'string' ? v.hostname : os.hostname();
  const at = { pid: v.pid, since: v.startedAt, host };
  if (host !== os.hostname()) return { state: 'other-host', ...at };
  return isAlive(v.pid) ? { state: 'running', ...at } : { state: 'stale', ...at };
}
