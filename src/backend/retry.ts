import { EngineError, isAbortError, isTransient, throwIfAborted } from '../shared/index.js';
import { sleep as realSleep, type SleepFn } from './sleep.js';
import type { Backend, ByteRange, Capacity, FileInfo, FileKind, FileRef, WriteOptions } from './types.js';

export interface RetryInfo {
  readonly operation: string;
  /** The attempt that just failed, from 1. */
  readonly attempt: number;
  readonly delayMs: number;
  readonly error: unknown;
}

export interface RetryOptions {
  /** Total attempts including the first one. Default 5. */
  readonly attempts?: number;
  /** Backoff base: the cap of the first delay. Default 250 ms. */
  readonly baseDelayMs?: number;
  /** Cap of any single delay. Default 20 s. */
  readonly maxDelayMs?: number;
  /** Injected for tests; must reject with CANCELLED when the signal fires. */
  readonly sleep?: SleepFn;
  /** Random number in [0, 1) for the jitter. Injected for tests. */
  readonly random?: () => number;
  /** Called before each wait, e.g. to log or emit a progress event. */
  readonly onRetry?: (info: RetryInfo) => void;
}

/** Exponential backoff with full jitter: a random delay in [0, min(max, base·2^(attempt-1))). */
export function backoffDelay(attempt: number, baseDelayMs: number, maxDelayMs: number, random: () => number): number {
  const cap = Math.min(maxDelayMs, baseDelayMs * 2 ** Math.max(0, attempt - 1));
  return Math.floor(random() * cap);
}

/**
 * Retries transient errors (network blips, throttling, a NAS that hiccups) with exponential backoff
 * and full jitter. Never retries permanent errors (DEST_FULL, NOT_FOUND, auth, integrity) nor a
 * cancellation. After the last attempt the last error is thrown unchanged (still transient-coded).
 */
export class RetryBackend implements Backend {
  readonly inner: Backend;
  readonly #attempts: number;
  readonly #base: number;
  readonly #max: number;
  readonly #sleep: SleepFn;
  readonly #random: () => number;
  readonly #onRetry: ((info: RetryInfo) => void) | undefined;

  constructor(inner: Backend, options: RetryOptions = {}) {
    this.inner = inner;
    this.#attempts = Math.max(1, Math.floor(options.attempts ?? 5));
    this.#base = Math.max(0, options.baseDelayMs ?? 250);
    this.#max = Math.max(0, options.maxDelayMs ?? 20_000);
    this.#sleep = options.sleep ?? realSleep;
    this.#random = options.random ?? Math.random;
    this.#onRetry = options.onRetry;
  }

  get location(): string {
    return this.inner.location;
  }

  /** Waits before the next attempt, or rethrows when the error is not worth another attempt. */
  async #afterFailure(operation: string, attempt: number, err: unknown, signal: AbortSignal | undefined): Promise<void> {
    if (isAbortError(err)) throw err;
    if (signal?.aborted) throw new EngineError('CANCELLED', {}, { cause: err });
    if (!isTransient(err) || attempt >= this.#attempts) throw err;
    const delayMs = backoffDelay(attempt, this.#base, this.#max, this.#random);
    this.#onRetry?.({ operation, attempt, delayMs, error: err });
    await this.#sleep(delayMs, signal);
  }

  async #run<T>(operation: string, signal: AbortSignal | undefined, fn: () => Promise<T>): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      throwIfAborted(signal);
      try {
        return await fn();
      } catch (err) {
        await this.#afterFailure(operation, attempt, err, signal);
      }
    }
  }

  /** A listing that fails midway is restarted; names already yielded are not yielded again. */
  list(kind: FileKind, signal?: AbortSignal): AsyncIterable<FileInfo> {
    return this.#list(kind, signal);
  }

  async *#list(kind: FileKind, signal?: AbortSignal): AsyncGenerator<FileInfo> {
    const seen = new Set<string>();
    for (let attempt = 1; ; attempt++) {
      throwIfAborted(signal);
      const before = seen.size;
      try {
        for await (const info of this.inner.list(kind, signal)) {
          if (seen.has(info.name)) continue;
          seen.add(info.name);
          yield info;
        }
        return;
      } catch (err) {
        // Progress since the last failure earns a fresh set of attempts (the listing is bounded by the files).
        if (seen.size > before) attempt = 1;
        await this.#afterFailure('list', attempt, err, signal);
      }
    }
  }

  stat(ref: FileRef, signal?: AbortSignal): Promise<FileInfo | null> {
    return this.#run('stat', signal, () => this.inner.stat(ref, signal));
  }

  read(ref: FileRef, range?: ByteRange, signal?: AbortSignal): Promise<Buffer> {
    return this.#run('read', signal, () => this.inner.read(ref, range, signal));
  }

  write(ref: FileRef, data: Buffer, options?: WriteOptions, signal?: AbortSignal): Promise<void> {
    return this.#run('write', signal, () => this.inner.write(ref, data, options, signal));
  }

  delete(ref: FileRef, signal?: AbortSignal): Promise<void> {
    return this.#run('delete', signal, () => this.inner.delete(ref, signal));
  }

  capacity(signal?: AbortSignal): Promise<Capacity | null> {
    return this.#run('capacity', signal, () => this.inner.capacity(signal));
  }

  close(): Promise<void> {
    return this.inner.close();
  }
}
