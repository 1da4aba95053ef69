import { EngineError, throwIfAborted } from '../shared/index.js';
import { sleep as realSleep, type SleepFn } from './sleep.js';
import type { Backend, ByteRange, Capacity, FileInfo, FileKind, FileRef, WriteOptions } from './types.js';

/**
 * A token bucket in bytes. Tokens refill at `bytesPerSecond` up to `burstBytes`; a request larger
 * than what is available runs into debt and waits until the debt is paid, so the average rate holds
 * even for requests bigger than the burst and for concurrent callers (each waits its turn).
 */
export class TokenBucket {
  readonly bytesPerSecond: number;
  readonly burstBytes: number;
  #tokens: number;
  #last: number;
  readonly #now: () => number;
  readonly #sleep: SleepFn;

  constructor(bytesPerSecond: number, options: { burstBytes?: number; now?: () => number; sleep?: SleepFn } = {}) {
    if (!(bytesPerSecond > 0) || !Number.isFinite(bytesPerSecond)) {
      throw new EngineError('INVALID_ARGUMENT', { field: 'bytesPerSecond', reason: String(bytesPerSecond) });
    }
    this.bytesPerSecond = bytesPerSecond;
    this.burstBytes = Math.max(1, options.burstBytes ?? bytesPerSecond);
    this.#now = options.now ?? (() => performance.now());
    this.#sleep = options.sleep ?? realSleep;
    this.#tokens = this.burstBytes;
    this.#last = this.#now();
  }

  /** Takes `bytes` tokens, waiting as long as needed. On cancellation the tokens are given back. */
  async take(bytes: number, signal?: AbortSignal): Promise<void> {
    throwIfAborted(signal);
    if (bytes <= 0) return;
    const now = this.#now();
    this.#tokens = Math.min(this.burstBytes, this.#tokens + ((now - this.#last) / 1000) * this.bytesPerSecond);
    this.#last = now;
    this.#tokens -= bytes;
    if (this.#tokens >= 0) return;
    const waitMs = (-this.#tokens / this.bytesPerSecond) * 1000;
    try {
      await this.#sleep(waitMs, signal);
    } catch (err) {
      this.#tokens += bytes;
      throw err;
    }
  }
}

export interface RateLimitOptions {
  /** Upload limit in bytes per second; unlimited when absent. */
  readonly writeBytesPerSecond?: number;
  /** Download limit in bytes per second; unlimited when absent. */
  readonly readBytesPerSecond?: number;
  /** Bucket size; default one second of traffic. */
  readonly burstBytes?: number;
  /** Injected for tests. */
  readonly now?: () => number;
  readonly sleep?: SleepFn;
}

/**
 * Bandwidth limit for a destination (office uplinks are small). Writes pay before the upload, reads
 * pay after the download (their size is known then); the average rate stays under the limit.
 */
export class RateLimitBackend implements Backend {
  readonly inner: Backend;
  readonly writeBucket: TokenBucket | undefined;
  readonly readBucket: TokenBucket | undefined;

  constructor(inner: Backend, options: RateLimitOptions) {
    this.inner = inner;
    const common = {
      ...(options.burstBytes !== undefined ? { burstBytes: options.burstBytes } : {}),
      ...(options.now ? { now: options.now } : {}),
      ...(options.sleep ? { sleep: options.sleep } : {}),
    };
    this.writeBucket = options.writeBytesPerSecond === undefined ? undefined : new TokenBucket(options.writeBytesPerSecond, common);
    this.readBucket = options.readBytesPerSecond === undefined ? undefined : new TokenBucket(options.readBytesPerSecond, common);
  }

  get location(): string {
    return this.inner.location;
  }

  list(kind: FileKind, signal?: AbortSignal): AsyncIterable<FileInfo> {
    return this.inner.list(kind, signal);
  }

  stat(ref: FileRef, signal?: AbortSignal): Promise<FileInfo | null> {
    return this.inner.stat(ref, signal);
  }

  async read(ref: FileRef, range?: ByteRange, signal?: AbortSignal): Promise<Buffer> {
    const data = await this.inner.read(ref, range, signal);
    await this.readBucket?.take(data.length, signal);
    return data;
  }

  async write(ref: FileRef, data: Buffer, options?: WriteOptions, signal?: AbortSignal): Promise<void> {
    await this.writeBucket?.take(data.length, signal);
    await this.inner.write(ref, data, options, signal);
  }

  delete(ref: FileRef, signal?: AbortSignal): Promise<void> {
    return this.inner.delete(ref, signal);
  }

  capacity(signal?: AbortSignal): Promise<Capacity | null> {
    return this.inner.capacity(signal);
  }

  close(): Promise<void> {
    return this.inner.close();
  }
}
