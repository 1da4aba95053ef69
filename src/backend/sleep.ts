import { EngineError } from '../shared/index.js';

/** Waits `ms` milliseconds; rejects with CANCELLED as soon as the signal fires. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) {
      reject(new EngineError('CANCELLED'));
      return;
    }
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(new EngineError('CANCELLED'));
    };
    const timer = setTimeout(
      () => {
        signal?.removeEventListener('abort', onAbort);
        resolve();
      },
      Math.max(0, ms),
    );
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

export type SleepFn = (ms: number, signal?: AbortSignal) => Promise<void>;
