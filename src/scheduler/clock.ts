/** Seams for time (ARCHITECTURE.md §12.2): production uses the system, tests drive a fake. */
import { EngineError } from '../shared/index.js';

export interface Clock {
  now(): Date;
}

/** Opaque handle returned by Timer.setTimeout. */
export type TimerHandle = unknown;

export interface Timer {
  setTimeout(callback: () => void, ms: number): TimerHandle;
  clearTimeout(handle: TimerHandle): void;
}

export const systemClock: Clock = { now: () => new Date() };

/** Node timers. setTimeout delays are capped by Node at 2^31-1 ms; the runner never asks for more than its heartbeat. */
export const systemTimer: Timer = {
  setTimeout: (callback, ms) => setTimeout(callback, Math.max(0, Math.min(ms, 2 ** 31 - 1))),
  clearTimeout: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>),
};

/** Waits `ms` on a Timer (the injected one in tests); rejects with CANCELLED when the signal fires. */
export function sleepOn(timer: Timer, ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    const cancelled = (): Error => new EngineError('CANCELLED');
    if (signal?.aborted) return reject(cancelled());
    const onAbort = (): void => {
      timer.clearTimeout(handle);
      reject(cancelled());
    };
    const handle = timer.setTimeout(
      () => {
        signal?.removeEventListener('abort', onAbort);
        resolve();
      },
      Math.max(0, ms),
    );
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
