/**
 * Repository locks (locks/<id>): shared for backup/restore/check, exclusive for prune and key changes.
 * A lock names its owner (host, pid, user) and is refreshed while held; it is stale when not refreshed for
 * STALE_AFTER_MS, or at once when its owner is a process on this host that no longer exists.
 */
import os from 'node:os';
import type { Backend } from '../backend/index.js';
import { sha256Hex } from '../crypto/index.js';
import { EngineError } from '../shared/index.js';
import { ObjectKind, openObject, sealObject } from './envelope.js';
import { Kind2, open2, seal2 } from './envelope2.js';

/** A lock file's JSON, whichever envelope version wrote it (a repository being migrated may hold both). */
function openLock(key: Buffer, bytes: Buffer): LockInfo {
  const payload = bytes[2] === 2 ? open2(key, Kind2.lock, bytes) : openObject(key, ObjectKind.lock, bytes).payload;
  return JSON.parse(payload.toString('utf8')) as LockInfo;
}

export type LockKind = 'shared' | 'exclusive';

export interface LockInfo {
  readonly kind: LockKind;
  readonly host: string;
  readonly pid: number;
  readonly user: string;
  readonly operation: string;
  readonly created: string;
  readonly refreshed: string;
}

export const STALE_AFTER_MS = 30 * 60 * 1000;
export const REFRESH_EVERY_MS = 5 * 60 * 1000;

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export function isStale(lock: LockInfo, now: Date): boolean {
  if (now.getTime() - Date.parse(lock.refreshed) > STALE_AFTER_MS) return true;
  return lock.host === os.hostname() && !processAlive(lock.pid);
}

/** Told when a held lock could not be refreshed or removed (the destination went away): for the logs. */
export type LockProblemListener = (problem: { readonly what: 'refresh' | 'release'; readonly error: unknown }) => void;

export class RepoLock {
  private name: string | null = null;
  private timer: NodeJS.Timeout | null = null;
  private info: LockInfo;
  /** The last refresh failed: it is tried again at the next interval (a lock counts as stale only after 30 min). */
  refreshFailed = false;

  private constructor(
    private readonly backend: Backend,
    private readonly key: Buffer,
    info: LockInfo,
    private readonly envelopeVersion: 1 | 2,
    private readonly onProblem: LockProblemListener | null = null,
  ) {
    this.info = info;
  }

  /** Takes a lock or throws REPO_LOCKED naming the holder. Stale locks are removed. */
  static async acquire(
    backend: Backend,
    key: Buffer,
    kind: LockKind,
    operation: string,
    now = new Date(),
    envelopeVersion: 1 | 2 = 1,
    onProblem: LockProblemListener | null = null,
  ): Promise<RepoLock> {
    const info: LockInfo = {
      kind,
      host: os.hostname(),
      pid: process.pid,
      user: safeUser(),
      operation,
      created: now.toISOString(),
      refreshed: now.toISOString(),
    };
    await RepoLock.checkConflicts(backend, key, kind, null, now);
    const lock = new RepoLock(backend, key, info, envelopeVersion, onProblem);
    await lock.write();
    try {
      // Someone may have taken a conflicting lock between our check and our write.
      await RepoLock.checkConflicts(backend, key, kind, lock.name, now);
    } catch (err) {
      await lock.release();
      throw err;
    }
    lock.timer = setInterval(() => void lock.refreshInBackground(), REFRESH_EVERY_MS);
    lock.timer.unref();
    return lock;
  }

  static async list(backend: Backend, key: Buffer): Promise<{ name: string; info: LockInfo | null }[]> {
    const out: { name: string; info: LockInfo | null }[] = [];
    for await (const f of backend.list('locks')) {
      try {
        const bytes = await backend.read(f);
        out.push({ name: f.name, info: openLock(key, bytes) });
      } catch {
        out.push({ name: f.name, info: null });
      }
    }
    return out;
  }

  private static async checkConflicts(backend: Backend, key: Buffer, kind: LockKind, own: string | null, now: Date): Promise<void> {
    for (const { name, info } of await RepoLock.list(backend, key)) {
      if (name === own) continue;
      if (!info) continue; // unreadable lock file: written by a crashed process mid-way or with another key; ignored
      if (isStale(info, now)) {
        try {
          await backend.delete({ kind: 'locks', name });
        } catch (err) {
          // Removing a stale lock is tidying up: another process may have removed it first, and a stale lock is
          // ignored whether or not its file could be deleted. A failure that matters (no access) shows on our write.
          if (err instanceof EngineError && err.code === 'CANCELLED') throw err;
        }
        continue;
      }
      if (kind === 'exclusive' || info.kind === 'exclusive') {
        throw new EngineError('REPO_LOCKED', {
          owner: `${info.operation} ${info.user}@${info.host} pid ${info.pid}`,
          since: info.created,
          staleAfter: `${STALE_AFTER_MS / 60000} min`,
        });
      }
    }
  }

  private async write(): Promise<void> {
    const json = Buffer.from(JSON.stringify(this.info), 'utf8');
    const bytes = this.envelopeVersion === 2 ? seal2(this.key, Kind2.lock, json) : sealObject(this.key, ObjectKind.lock, json).bytes;
    const name = sha256Hex(bytes);
    await this.backend.write({ kind: 'locks', name }, bytes);
    const old = this.name;
    this.name = name;
    if (old) await this.backend.delete({ kind: 'locks', name: old });
  }

  async refresh(now = new Date()): Promise<void> {
    if (!this.name) return;
    this.info = { ...this.info, refreshed: now.toISOString() };
    await this.write();
    this.refreshFailed = false;
  }

  /** The periodic refresh: a failure is reported and tried again at the next interval. */
  private async refreshInBackground(): Promise<void> {
    try {
      await this.refresh();
    } catch (err) {
      this.refreshFailed = true;
      this.onProblem?.({ what: 'refresh', error: err });
    }
  }

  async release(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    const name = this.name;
    this.name = null;
    if (!name) return;
    try {
      await this.backend.delete({ kind: 'locks', name });
    } catch (err) {
      // Release runs in `finally`: it must not hide why the operation ended. A lock file left behind (the
      // destination went away) names this process and expires; the listener logs it.
      this.onProblem?.({ what: 'release', error: err });
    }
  }
}

function safeUser(): string {
  try {
    return os.userInfo().username;
  } catch {
    return 'unknown';
  }
}
