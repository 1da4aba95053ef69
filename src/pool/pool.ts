/**
 * A small pool of worker threads sized to the cores (ARCHITECTURE.md §5): hashing, parsing new lines,
 * compression and encryption run there, so the process hosting the engine (the Electron main process: tray,
 * IPC) keeps a free event loop. Plain worker_threads: tasks go to the least busy worker; results come back as
 * transferred buffers.
 *
 * A worker that dies (crash, out of memory) fails the tasks it held with WORKER_FAILED: the run stops cleanly
 * (nothing is committed before the snapshot file) and never hangs; a new worker starts for the next task.
 * Idle workers do not keep the process alive, and are stopped after a few idle seconds (a worker that registered
 * module hooks, as tsx does in development, can keep a message port open; the tray app frees their memory between
 * backups). The next task starts new ones, with the registered contexts and dictionaries.
 */
import os from 'node:os';
import { Worker } from 'node:worker_threads';
import type { Dictionary } from '../repository/index.js';
import { EngineError, ERROR_CODES, type ErrorCode, type ErrorDetails } from '../shared/index.js';
import type { CtxMessage, FromWorker, ToWorker } from './protocol.js';
import type { LineTable } from './tables.js';
import type { TaskKeys } from './tasks.js';

interface Pending {
  readonly resolve: (v: unknown) => void;
  readonly reject: (e: unknown) => void;
}

interface Slot {
  readonly worker: Worker;
  readonly pending: Map<number, Pending>;
  dead: boolean;
}

/** The worker's entry: the .ts file through a tsx bootstrap in development, the compiled .js file otherwise. */
function workerEntry(): URL {
  return import.meta.url.endsWith('.ts') ? new URL('./bootstrap.mjs', import.meta.url) : new URL('./worker.js', import.meta.url);
}

/** CLINIC_BACKUP_WORKERS, when it names a worker count (1–64): it sets every pool's size. */
function workersFromEnv(): number | null {
  const env = Number(process.env['CLINIC_BACKUP_WORKERS']);
  return Number.isInteger(env) && env >= 1 && env <= 64 ? env : null;
}

export function defaultPoolSize(): number {
  return workersFromEnv() ?? Math.max(1, Math.min(8, os.availableParallelism()));
}

/**
 * Workers for backups: one fewer than the cores (at least one), because the host thread does the packing, the
 * spill merge and the writes of a backup itself. Measured on 2 cores (first backup of 200 MB of Observation-heavy
 * NDJSON, 336k resources, compiled CLI): 1 worker peaked at 273–293 MB RSS and used 7.4–8.4 CPU s, 2 workers
 * 323–347 MB and 8.5–9.4 CPU s (each worker has its own V8 heap, batch buffers and malloc arena), and the wall time
 * did not grow (10.3–11.5 s against 12.8–16.5 s, at load 10). CLINIC_BACKUP_WORKERS still sets the count.
 */
export function backgroundPoolSize(): number {
  return workersFromEnv() ?? Math.max(1, Math.min(8, os.availableParallelism() - 1));
}

/**
 * Workers for a backup with a parent (the daily backup): one per core. Such a backup hashes every line in the
 * workers and parses few, so the host thread is mostly idle and the workers are the critical path; its peak memory
 * stays under the target with a worker more. Measured on 2 cores (bench/repo.ts, 1 GB of each shape, compiled CLI,
 * quiet machine, medians of 3): daily backup wall 4.47 → 3.65 s (Synthea-like) and 8.54 → 7.07 s
 * (Observation-heavy), its peak RSS 188 → 219 and 209 → 233 MB; a first backup with two workers peaks at 301 and
 * 311 MB, which is why it keeps one worker fewer than the cores.
 */
export function parentBackupPoolSize(): number {
  return defaultPoolSize();
}

/** Idle time after which the workers are stopped. */
const IDLE_STOP_MS = 2000;

let shared: WorkerPool | null = null;
/** Background pools by size (first backups and backups with a parent may want different counts). */
const background = new Map<number, WorkerPool>();
let holders = 0;

export class WorkerPool {
  private readonly slots: Slot[] = [];
  private readonly contexts = new Map<number, CtxMessage>();
  private readonly dicts = new Map<string, Buffer>();
  private nextCtx = 1;
  private nextSeq = 1;
  private closed = false;
  private crashNext = false;
  private idleTimer: NodeJS.Timeout | null = null;

  /**
   * @param size workers
   * @param backgroundPriority the workers run at a lower priority (Linux: per thread), so the host's event loop and
   * the rest of the machine come first: for backups, which nobody waits for; restores and checks use normal ones.
   * @param idleStopMs idle time after which the workers stop (Infinity: never, for tests that read the workers'
   * own counters across a run, which a stopped worker would lose)
   */
  constructor(
    readonly size = defaultPoolSize(),
    readonly backgroundPriority = false,
    private readonly idleStopMs = IDLE_STOP_MS,
  ) {}

  /** The process-wide pool for foreground work (restore, check). */
  static shared(): WorkerPool {
    if (!shared || shared.closed) shared = new WorkerPool();
    return shared;
  }

  /** The process-wide pool for background work (backups), at a lower priority. */
  static background(size = backgroundPoolSize()): WorkerPool {
    let pool = background.get(size);
    if (!pool || pool.closed) background.set(size, (pool = new WorkerPool(size, true)));
    return pool;
  }

  /** An engine holds the process-wide pool while it lives (release() in its close). */
  static retain(): void {
    holders++;
  }

  /**
   * Releases a hold; the last one stops the workers. (Idle workers do not keep a process alive, but a worker that
   * registered module hooks, as tsx does in development, can leave a message port behind: stopping them is sure.)
   */
  static async release(): Promise<void> {
    holders = Math.max(0, holders - 1);
    if (holders > 0) return;
    const pools = [shared, ...background.values()];
    shared = null;
    background.clear();
    for (const p of pools) await p?.close();
  }

  private spawn(): Slot {
    // Bounded heaps: a worker's garbage (parsed lines) is collected early instead of growing the process. The young
    // generation holds a whole batch's parsed lines (8 MB made the scavenger copy and promote them: first backup of
    // 300 MB of the Observation shape 13.4-14.1 CPU s against 13.0 with 32 MB, at the same peak RSS).
    const worker = new Worker(workerEntry(), {
      stdout: false,
      stderr: false,
      workerData: { background: this.backgroundPriority },
      resourceLimits: { maxYoungGenerationSizeMb: 32, maxOldGenerationSizeMb: 96 },
    });
    const slot: Slot = { worker, pending: new Map(), dead: false };
    worker.unref();
    worker.on('message', (msg: FromWorker) => {
      const p = slot.pending.get(msg.seq);
      if (!p) return;
      slot.pending.delete(msg.seq);
      if (slot.pending.size === 0) worker.unref();
      if (msg.ok) p.resolve(msg.result);
      else p.reject(toEngineError(msg.error));
      if (this.busy === 0) this.stopWhenIdle();
    });
    const fail = (reason: string): void => {
      if (slot.dead) return;
      slot.dead = true;
      const i = this.slots.indexOf(slot);
      if (i >= 0) this.slots.splice(i, 1);
      const err = new EngineError('WORKER_FAILED', { reason });
      for (const p of slot.pending.values()) p.reject(err);
      slot.pending.clear();
    };
    worker.on('error', (err) => fail(err instanceof Error ? err.message.slice(0, 200) : 'error'));
    worker.on('exit', (code) => fail(`exit code ${code}`));
    for (const c of this.contexts.values()) worker.postMessage(c);
    for (const [id, content] of this.dicts) worker.postMessage({ op: 'dict', id, content } satisfies ToWorker);
    this.slots.push(slot);
    return slot;
  }

  /** Stops the workers once nothing has run for idleStopMs (the timer does not keep the process alive). */
  private stopWhenIdle(): void {
    if (this.idleTimer) clearTimeout(this.idleTimer);
    if (!Number.isFinite(this.idleStopMs)) return;
    this.idleTimer = setTimeout(() => {
      this.idleTimer = null;
      if (this.busy > 0 || this.closed) return;
      for (const s of this.slots.splice(0)) {
        s.dead = true;
        void s.worker.terminate();
      }
    }, this.idleStopMs);
    this.idleTimer.unref();
  }

  private pick(): Slot {
    if (this.closed) throw new EngineError('INTERNAL', { reason: 'worker pool closed' });
    if (this.idleTimer) {
      clearTimeout(this.idleTimer);
      this.idleTimer = null;
    }
    while (this.slots.length < this.size) this.spawn();
    let best = this.slots[0] as Slot;
    for (const s of this.slots) if (s.pending.size < best.pending.size) best = s;
    return best;
  }

  private broadcast(msg: ToWorker): void {
    for (const s of this.slots) if (!s.dead) s.worker.postMessage(msg);
  }

  /**
   * Starts the workers now (a restore or check starts them while it reads its listing, so their start-up, about
   * 0.2 s of CPU each, overlaps that work); they stop again when nothing runs for IDLE_STOP_MS.
   */
  start(): void {
    if (this.closed) return;
    while (this.slots.length < this.size) this.spawn();
    if (this.busy === 0) this.stopWhenIdle();
  }

  /** Registers keys (and a parent line table) with every worker; returns the context id tasks name. */
  createContext(keys: TaskKeys, table: LineTable | null = null): number {
    const id = this.nextCtx++;
    const msg: CtxMessage = {
      op: 'ctx',
      id,
      keys: { data: new Uint8Array(keys.data), blobId: new Uint8Array(keys.blobId), line: new Uint8Array(keys.line) },
      table: table ? { words: table.words.buffer as SharedArrayBuffer, buckets: table.buckets.buffer as SharedArrayBuffer, count: table.count } : null,
    };
    this.contexts.set(id, msg);
    this.broadcast(msg);
    return id;
  }

  dropContext(id: number): void {
    if (!this.contexts.delete(id)) return;
    this.broadcast({ op: 'dropCtx', id });
  }

  hasDictionary(id: string): boolean {
    return this.dicts.has(id);
  }

  /** Sends a dictionary to every worker (and to workers started later). */
  addDictionary(dict: Dictionary): void {
    const id = dict.id.toString('hex');
    if (this.dicts.has(id)) return;
    this.dicts.set(id, Buffer.from(dict.content));
    this.broadcast({ op: 'dict', id, content: new Uint8Array(dict.content) });
  }

  /** Tasks waiting or running in the workers. */
  get busy(): number {
    let n = 0;
    for (const s of this.slots) n += s.pending.size;
    return n;
  }

  /** Runs a task on the least busy worker. Buffers in `transfer` are moved, not copied. */
  run<R>(name: string, ctx: number, payload: unknown, transfer: readonly ArrayBuffer[] = []): Promise<R> {
    return this.runOn(this.pick(), name, ctx, payload, transfer);
  }

  private runOn<R>(slot: Slot, name: string, ctx: number, payload: unknown, transfer: readonly ArrayBuffer[] = []): Promise<R> {
    const seq = this.nextSeq++;
    return new Promise<R>((resolve, reject) => {
      slot.pending.set(seq, { resolve: resolve as (v: unknown) => void, reject });
      if (slot.pending.size === 1) slot.worker.ref();
      if (this.crashNext) {
        this.crashNext = false;
        slot.worker.postMessage({ op: 'crash' } satisfies ToWorker);
      }
      slot.worker.postMessage({ op: 'task', seq, name, ctx, payload } satisfies ToWorker, transfer as ArrayBuffer[]);
    });
  }

  /** The number of lines the workers parsed so far (tests prove that unchanged lines are never parsed). */
  async parsedLines(): Promise<number> {
    this.pick();
    const counts = await Promise.all(this.slots.map((s) => this.runOn<{ parsed: number }>(s, 'stats', 0, null)));
    return counts.reduce((n, c) => n + c.parsed, 0);
  }

  /** Heap sizes of the workers (benchmarks report where memory goes). */
  async workerHeaps(): Promise<{ heapTotal: number; heapUsed: number; external: number }[]> {
    return Promise.all(this.slots.map((s) => this.runOn<{ heapTotal: number; heapUsed: number; external: number }>(s, 'stats', 0, null)));
  }

  /** Tests: the worker that receives the next task exits before running it, as a crash would. */
  crashOnNextTask(): void {
    this.crashNext = true;
  }

  /** Stops every worker (pending tasks fail with WORKER_FAILED). */
  async close(): Promise<void> {
    this.closed = true;
    if (this.idleTimer) clearTimeout(this.idleTimer);
    await Promise.all(this.slots.map((s) => s.worker.terminate()));
    this.slots.length = 0;
  }
}

function toEngineError(e: { code: string | null; message: string; details: unknown }): Error {
  if (e.code && (ERROR_CODES as readonly string[]).includes(e.code)) return new EngineError(e.code as ErrorCode, (e.details ?? {}) as ErrorDetails);
  return new EngineError('INTERNAL', { reason: e.message.slice(0, 300) });
}
