/**
 * Replication between destinations of one repository (ARCHITECTURE.md §1, §5.5; docs/offsite.md):
 * copies the files `to` lacks, verifying each one by its name on the way (every file but `config` and `keys/`
 * is named by the SHA-256 of its bytes, so no key is needed), and never deletes anything.
 *
 * Order keeps `to` a consistent repository at every moment, so a crash or a cut cable at any point leaves a
 * destination that `check` accepts and the next run completes:
 *   1. config (the marker) when `to` is new, then key slots: a valid empty repository;
 *   2. data/ (packs), then index/, then snapshots/: an index never names a pack `to` lacks, a snapshot
 *      never refers to an index entry `to` lacks. A phase starts only when every file of the earlier
 *      phases that `to` lacked has arrived (files damaged on the source are reported, not waited for:
 *      `to` then lacks exactly what the source lacks);
 *   3. audit/ (independent entries).
 * locks/ are never copied: a lock belongs to a process working on one destination.
 *
 * Key slots: a slot is copied when `to` lacks it and rewritten when its bytes differ (a slot rewritten in
 * place on the source, e.g. a changed passphrase, must reach every copy, or the old secret keeps opening
 * them). Slots only on `to` are never deleted here: `from` could be the damaged side (a lost keys/ folder
 * must not wipe the keys of every copy). They are reported in `extraKeySlots` for the user to review.
 *
 * Resumable: a file already on `to` with the right size is skipped; with `verify`, a random sample of
 * those is read back and re-copied when its hash is wrong.
 */
import { filePath, type Backend, type FileInfo, type FileKind, type FileRef } from '../backend/index.js';
import { sha256Hex } from '../crypto/index.js';
import { EngineError, type ErrorCode, type ErrorDetails, isEngineError, type LongOperationOptions, type ProgressEvent, throwIfAborted } from '../shared/index.js';
import { parseConfig } from './config.js';

/** Content-addressed kinds, in the order they are copied. */
export const CONTENT_PHASES = ['data', 'index', 'snapshots', 'audit'] as const;
export type ContentPhase = (typeof CONTENT_PHASES)[number];
export type ReplicatePhase = 'config' | 'keys' | ContentPhase;

/** Phases whose gaps stop the later ones (audit entries stand alone). */
const ORDERED: ReadonlySet<ReplicatePhase> = new Set<ReplicatePhase>(['data', 'index', 'snapshots']);

const CONFIG_REF: FileRef = { kind: 'config', name: 'config' };
const CONTENT_ID_RE = /^[0-9a-f]{64}$/;

/** Errors that concern a whole destination (or the source): no point trying the next file. */
const STOP_CODES: ReadonlySet<ErrorCode> = new Set<ErrorCode>([
  'DEST_FULL',
  'DEST_OFFLINE',
  'DEST_READONLY',
  'DEST_PERMISSION',
  'REPO_MARKER_MISSING',
  'S3_AUTH',
  'S3_BUCKET_MISSING',
  'S3_ACCESS_DENIED',
  'S3_CLOCK_SKEW',
  'S3_REGION_MISMATCH',
]);

export interface ReplicateOptions extends LongOperationOptions {
  /**
   * Default true: each copied file is read back from `to` and hashed, and a sample of the files already
   * there is hashed too. False: sizes only (saves egress on metered offsite storage; a scheduled
   * `check --read-data` then covers the copy).
   */
  readonly verify?: boolean;
  /** Files in flight at once. Default 4. */
  readonly concurrency?: number;
  /** With verify: the fraction of files already on `to` that are read back and hashed. Default 0.02. */
  readonly sampleRate?: number;
  /** Random number in [0, 1) for the sample. Injected for tests. */
  readonly random?: () => number;
}

export interface ReplicateFailure {
  /** Repository-relative path, e.g. data/ab/ab12…. */
  readonly file: string;
  readonly code: ErrorCode;
  /** Which side failed: reading or verifying the source, or writing/verifying the destination. */
  readonly side: 'from' | 'to';
}

export interface ReplicateStop {
  readonly phase: ReplicatePhase;
  readonly code: ErrorCode;
  readonly side: 'from' | 'to';
  readonly location: string;
}

export interface ReplicateResult {
  readonly repoId: string;
  /** Files written to `to` (new or replaced). */
  readonly copied: number;
  /** Bytes written to `to`. */
  readonly bytes: number;
  /** Files already on `to` (right size, and right hash when sampled). */
  readonly skipped: number;
  /** Of `copied`: files that were on `to` with a wrong size or hash, or key slots that changed. */
  readonly replaced: number;
  readonly failed: ReplicateFailure[];
  /** Files `to` lacks that were not attempted: an earlier phase left gaps, or the run stopped. */
  readonly notAttempted: number;
  /** Set when a destination-wide (or source-wide) error ended the run early. */
  readonly stopped: ReplicateStop | null;
  /** True when `to` was empty and received the marker in this run. */
  readonly createdRepository: boolean;
  /** Key slots on `to` that `from` no longer has (removed keys?): reported, never deleted here. */
  readonly extraKeySlots: string[];
  /** True when `to` now holds every file of `from` (except locks). */
  readonly complete: boolean;
}

interface RunState {
  copied: number;
  bytes: number;
  skipped: number;
  replaced: number;
  notAttempted: number;
  failed: ReplicateFailure[];
  stopped: ReplicateStop | null;
}

/**
 * Copies what `to` lacks from `from`. Both must be destinations of the same repository (same id in
 * `config`); an empty `to` (just made with the backend's `create()`) becomes one. Throws before writing
 * anything when `to` holds another repository (REPO_MARKER_MISMATCH) or unknown files (REPO_MARKER_MISSING),
 * and CANCELLED when the signal fires (the next run resumes). Per-file problems are in the result.
 */
export async function replicate(from: Backend, to: Backend, options: ReplicateOptions = {}): Promise<ReplicateResult> {
  const { signal } = options;
  if (from.location === to.location) throw new EngineError('INVALID_ARGUMENT', { field: 'to', reason: 'source and destination are the same' });
  throwIfAborted(signal);

  const configBytes = await readMarker(from);
  if (configBytes === null) throw new EngineError('REPO_MARKER_MISSING', { location: from.location });
  const config = parseConfig(configBytes, from.location);
  const toConfig = await readMarker(to);
  if (toConfig === null) {
    await assertEmpty(to, signal);
  } else {
    const found = parseConfig(toConfig, to.location);
    if (found.id !== config.id) throw new EngineError('REPO_MARKER_MISMATCH', { location: to.location, found: found.id, expected: config.id });
  }

  const run = new Replication(from, to, options);
  let createdRepository = false;
  if (toConfig === null) createdRepository = await run.copyMarker(configBytes);
  const extraKeySlots = run.state.stopped ? [] : await run.copyKeys(config.id);

  let gaps = 0;
  for (const phase of CONTENT_PHASES) {
    const blocked = run.state.stopped !== null || (ORDERED.has(phase) && gaps > 0);
    gaps += await run.copyPhase(phase, blocked);
  }
  // A migrated source (docs/format.md §21.4): its new config is the copy's commit point too, written only once
  // every file the copy lacked has arrived, so the copy switches versions complete.
  if (toConfig !== null && run.state.stopped === null && gaps === 0 && parseConfig(toConfig, to.location).version < config.version) {
    await to.write(CONFIG_REF, configBytes, undefined, signal);
    run.state.copied++;
    run.state.bytes += configBytes.length;
  }
  const s = run.state;
  return {
    repoId: config.id,
    copied: s.copied,
    bytes: s.bytes,
    skipped: s.skipped,
    replaced: s.replaced,
    failed: s.failed,
    notAttempted: s.notAttempted,
    stopped: s.stopped,
    createdRepository,
    extraKeySlots,
    complete: s.failed.length === 0 && s.stopped === null && s.notAttempted === 0,
  };
}

/**
 * Makes `to` a destination of the repository in `from` without copying any content: checks that it holds this
 * repository or nothing at all, and for an empty one writes the marker and reads it back. Adding a copy uses it
 * as the write test (credentials, permissions, Object Lock); the content follows with the next replication.
 */
export async function prepareTarget(from: Backend, to: Backend, signal?: AbortSignal): Promise<{ existing: boolean; repoId: string }> {
  const configBytes = await readMarker(from);
  if (configBytes === null) throw new EngineError('REPO_MARKER_MISSING', { location: from.location });
  const config = parseConfig(configBytes, from.location);
  const toConfig = await readMarker(to);
  if (toConfig !== null) {
    const found = parseConfig(toConfig, to.location);
    if (found.id !== config.id) throw new EngineError('REPO_MARKER_MISMATCH', { location: to.location, found: found.id, expected: config.id });
    return { existing: true, repoId: config.id };
  }
  await assertEmpty(to, signal);
  await to.write(CONFIG_REF, configBytes, undefined, signal);
  const back = await to.read(CONFIG_REF, undefined, signal);
  if (!back.equals(configBytes)) throw new EngineError('INTEGRITY_ERROR', { problems: 1, reason: `config differs after writing to ${to.location}` });
  return { existing: false, repoId: config.id };
}

async function readMarker(b: Backend): Promise<Buffer | null> {
  try {
    return await b.read(CONFIG_REF);
  } catch (err) {
    if (isEngineError(err, 'NOT_FOUND')) return null;
    throw err;
  }
}

/** A destination without a marker must be empty: anything else may be someone's data. */
async function assertEmpty(to: Backend, signal: AbortSignal | undefined): Promise<void> {
  for (const kind of ['keys', 'data', 'index', 'snapshots', 'audit', 'locks'] as const) {
    for await (const _ of to.list(kind, signal)) throw new EngineError('REPO_MARKER_MISSING', { location: to.location });
  }
}

class Replication {
  readonly state: RunState = { copied: 0, bytes: 0, skipped: 0, replaced: 0, notAttempted: 0, failed: [], stopped: null };
  readonly #verify: boolean;
  readonly #concurrency: number;
  readonly #sampleRate: number;
  readonly #random: () => number;
  readonly #signal: AbortSignal | undefined;
  readonly #onProgress: ((e: ProgressEvent) => void) | undefined;

  constructor(
    readonly from: Backend,
    readonly to: Backend,
    options: ReplicateOptions,
  ) {
    this.#verify = options.verify ?? true;
    this.#concurrency = Math.max(1, Math.min(64, Math.floor(options.concurrency ?? 4)));
    this.#sampleRate = Math.max(0, Math.min(1, options.sampleRate ?? 0.02));
    this.#random = options.random ?? Math.random;
    this.#signal = options.signal;
    this.#onProgress = options.onProgress;
  }

  #progress(phase: ReplicatePhase, done: number, total: number, subject?: string): void {
    this.#onProgress?.({
      type: 'progress',
      op: 'replicate',
      phase,
      done,
      total,
      unit: 'files',
      bytes: this.state.bytes,
      ...(subject === undefined ? {} : { subject }),
    });
  }

  /**
   * Records a failure. Throws what must not be swallowed (cancellation, programming errors).
   * Returns true when the error stops the run.
   */
  #fail(phase: ReplicatePhase, ref: FileRef, side: 'from' | 'to', err: unknown): boolean {
    if (!isEngineError(err) || err.code === 'CANCELLED') throw err;
    this.state.failed.push({ file: filePath(ref), code: err.code, side });
    if (STOP_CODES.has(err.code)) {
      this.state.stopped ??= { phase, code: err.code, side, location: side === 'to' ? this.to.location : this.from.location };
      return true;
    }
    return false;
  }

  /** True for errors that end the run (and must be recorded); cancellation and programming errors are thrown. */
  #stopsRun(err: unknown): boolean {
    if (!isEngineError(err) || err.code === 'CANCELLED') throw err;
    return STOP_CODES.has(err.code);
  }

  async copyMarker(bytes: Buffer): Promise<boolean> {
    this.#progress('config', 0, 1);
    try {
      await this.to.write(CONFIG_REF, bytes, undefined, this.#signal);
      const back = await this.to.read(CONFIG_REF, undefined, this.#signal);
      if (!back.equals(bytes)) throw new EngineError('INTEGRITY_ERROR', { problems: 1, reason: `config differs after writing to ${this.to.location}` });
    } catch (err) {
      this.#fail('config', CONFIG_REF, 'to', err);
      // without a marker nothing else may be written
      this.state.stopped ??= { phase: 'config', code: isEngineError(err) ? err.code : 'INTERNAL', side: 'to', location: this.to.location };
      return false;
    }
    this.state.copied++;
    this.state.bytes += bytes.length;
    this.#progress('config', 1, 1);
    return true;
  }

  /** Copies missing and changed key slots; returns the slots only `to` has. */
  async copyKeys(repoId: string): Promise<string[]> {
    const source = await this.#list('keys', 'from');
    const dest = await this.#list('keys', 'to');
    if (source === null || dest === null) return [];
    const names = [...source.keys()].sort();
    this.#progress('keys', 0, names.length);
    let done = 0;
    for (const name of names) {
      throwIfAborted(this.#signal);
      if (this.state.stopped) {
        this.state.notAttempted += names.length - done;
        break;
      }
      const ref: FileRef = { kind: 'keys', name };
      let bytes: Buffer;
      try {
        bytes = await this.from.read(ref, undefined, this.#signal);
      } catch (err) {
        this.#fail('keys', ref, 'from', err);
        this.#progress('keys', ++done, names.length);
        continue;
      }
      if (!isValidSlot(bytes, repoId, name)) {
        this.state.failed.push({ file: filePath(ref), code: 'INTEGRITY_ERROR', side: 'from' });
        this.#progress('keys', ++done, names.length);
        continue;
      }
      let replace = false;
      if (dest.has(name)) {
        try {
          const current = await this.to.read(ref, undefined, this.#signal);
          if (current.equals(bytes)) {
            this.state.skipped++;
            this.#progress('keys', ++done, names.length);
            continue;
          }
          replace = true;
        } catch (err) {
          // unreadable on `to`: rewrite it, unless the whole destination is gone
          if (this.#stopsRun(err)) {
            this.#fail('keys', ref, 'to', err);
            done++;
            continue;
          }
          replace = !isEngineError(err, 'NOT_FOUND');
        }
      }
      try {
        await this.to.write(ref, bytes, undefined, this.#signal);
        const back = await this.to.read(ref, undefined, this.#signal);
        if (!back.equals(bytes)) throw new EngineError('INTEGRITY_ERROR', { problems: 1, reason: `${filePath(ref)} differs after writing` });
        this.state.copied++;
        this.state.bytes += bytes.length;
        if (replace) this.state.replaced++;
      } catch (err) {
        this.#fail('keys', ref, 'to', err);
      }
      this.#progress('keys', ++done, names.length);
    }
    return [...dest.keys()].filter((n) => !source.has(n)).sort();
  }

  /** Lists one kind into a map; a listing failure is recorded as a stop (on that side) and gives null. */
  async #list(kind: FileKind, side: 'from' | 'to'): Promise<Map<string, number> | null> {
    const b = side === 'from' ? this.from : this.to;
    const out = new Map<string, number>();
    try {
      for await (const f of b.list(kind, this.#signal)) out.set(f.name, f.size);
    } catch (err) {
      if (!isEngineError(err) || err.code === 'CANCELLED') throw err;
      this.state.stopped ??= { phase: kind === 'config' || kind === 'locks' ? 'keys' : (kind as ReplicatePhase), code: err.code, side, location: b.location };
      this.state.failed.push({ file: `${kind}/`, code: err.code, side });
      return null;
    }
    return out;
  }

  /** Lists one kind on `to` to count what is missing, without recording a failure (null when that fails too). */
  async #peek(kind: FileKind): Promise<Map<string, number> | null> {
    const out = new Map<string, number>();
    try {
      for await (const f of this.to.list(kind, this.#signal)) out.set(f.name, f.size);
    } catch (err) {
      if (!isEngineError(err) || err.code === 'CANCELLED') throw err;
      return null;
    }
    return out;
  }

  /** Copies one content phase; returns how many files `to` still lacks because writing them failed. */
  async copyPhase(phase: ContentPhase, blocked: boolean): Promise<number> {
    const source = await this.#list(phase, 'from');
    if (source === null) return 0;
    const names = [...source.keys()].sort();
    if (blocked || this.state.stopped) {
      const dest = await this.#peek(phase);
      this.state.notAttempted += dest === null ? names.length : names.filter((n) => dest.get(n) !== source.get(n)).length;
      this.#progress(phase, 0, names.length);
      return 0;
    }
    const dest = await this.#list(phase, 'to');
    if (dest === null) {
      this.state.notAttempted += names.length;
      return 0;
    }
    let done = 0;
    let gaps = 0;
    this.#progress(phase, 0, names.length);
    await pool(names, this.#concurrency, async (name) => {
      if (this.state.stopped) {
        this.state.notAttempted++;
        return;
      }
      const info: FileInfo = { kind: phase, name, size: source.get(name) ?? 0 };
      const gap = await this.#copyContent(phase, info, dest.get(name));
      if (gap) gaps++;
      this.#progress(phase, ++done, names.length);
    });
    return gaps;
  }

  /** Copies one content-addressed file unless `to` has it. Returns true when `to` lacks it because the write failed. */
  async #copyContent(phase: ContentPhase, info: FileInfo, destSize: number | undefined): Promise<boolean> {
    throwIfAborted(this.#signal);
    const ref: FileRef = { kind: info.kind, name: info.name };
    if (!CONTENT_ID_RE.test(info.name)) {
      // not a content id: cannot be verified, so it is not copied
      this.state.failed.push({ file: filePath(ref), code: 'INTEGRITY_ERROR', side: 'from' });
      return false;
    }
    let replace = false;
    if (destSize !== undefined && destSize === info.size) {
      if (!this.#verify || this.#random() >= this.#sampleRate) {
        this.state.skipped++;
        return false;
      }
      try {
        const current = await this.to.read(ref, undefined, this.#signal);
        if (sha256Hex(current) === info.name) {
          this.state.skipped++;
          return false;
        }
      } catch (err) {
        // unreadable on `to`: copy it again, unless the whole destination is gone
        if (this.#stopsRun(err) && this.#fail(phase, ref, 'to', err)) return false;
      }
      replace = true;
    } else if (destSize !== undefined) {
      replace = true;
    }

    let bytes: Buffer;
    try {
      bytes = await this.from.read(ref, undefined, this.#signal);
    } catch (err) {
      this.#fail(phase, ref, 'from', err);
      return false;
    }
    if (sha256Hex(bytes) !== info.name) {
      // damaged on the source: never spread it (heal the source from a good copy instead)
      this.state.failed.push({ file: filePath(ref), code: 'INTEGRITY_ERROR', side: 'from' });
      return false;
    }
    try {
      await this.to.write(ref, bytes, undefined, this.#signal);
      const arrived = await this.to.stat(ref, this.#signal);
      if (arrived === null || arrived.size !== bytes.length) {
        throw new EngineError('FILE_TRUNCATED', { file: filePath(ref), location: this.to.location, size: arrived?.size ?? -1 });
      }
      if (this.#verify && sha256Hex(await this.to.read(ref, undefined, this.#signal)) !== info.name) {
        throw new EngineError('INTEGRITY_ERROR', { problems: 1, reason: `${filePath(ref)} differs after writing to ${this.to.location}` });
      }
    } catch (err) {
      this.#fail(phase, ref, 'to', err);
      return !replace;
    }
    this.state.copied++;
    this.state.bytes += bytes.length;
    if (replace) this.state.replaced++;
    return false;
  }
}

interface SlotShape {
  readonly format?: unknown;
  readonly version?: unknown;
  readonly id?: unknown;
  readonly repoId?: unknown;
  readonly kind?: unknown;
  readonly wrappedKey?: unknown;
}

/** A key slot of this repository whose id is its file name (the same rules as keys.ts listSlots). */
function isValidSlot(bytes: Buffer, repoId: string, name: string): boolean {
  try {
    const v = JSON.parse(bytes.toString('utf8')) as SlotShape;
    return (
      typeof v === 'object' &&
      v !== null &&
      v.format === 'clinic-backup-key' &&
      v.version === 1 &&
      v.repoId === repoId &&
      v.id === name &&
      (v.kind === 'keychain' || v.kind === 'passphrase' || v.kind === 'recovery') &&
      typeof v.wrappedKey === 'string'
    );
  } catch {
    return false;
  }
}

/** Runs `fn` over `items` with at most `limit` in flight; the first thrown error stops new work and is rethrown. */
async function pool<T>(items: readonly T[], limit: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  let failed = false;
  const worker = async (): Promise<void> => {
    while (!failed && next < items.length) {
      const item = items[next++] as T;
      try {
        await fn(item);
      } catch (err) {
        failed = true;
        throw err;
      }
    }
  };
  const results = await Promise.allSettled(Array.from({ length: Math.min(limit, items.length) }, worker));
  const rejected = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (rejected) throw rejected.reason;
}

// ------------------------------------------------------------------ several destinations

export interface ReplicateTarget {
  /** The destination's id in the settings (for the run report and the 3-2-1-1-0 status). */
  readonly id: string;
  readonly backend: Backend;
}

export interface ReplicateOutcome {
  readonly id: string;
  readonly location: string;
  /** The run's result, or null when it could not start (wrong repository, offline, …). */
  readonly result: ReplicateResult | null;
  /** Why it could not start or complete: the stop or first failure, or the error thrown. */
  readonly error: { readonly code: ErrorCode; readonly details: ErrorDetails } | null;
  readonly complete: boolean;
}

export interface ReplicateManyResult {
  readonly outcomes: ReplicateOutcome[];
  /** 'ok' every destination complete, 'partial' some, 'failed' none. */
  readonly status: 'ok' | 'partial' | 'failed';
}

/**
 * Replicates `from` to each target in turn (after a backup). A destination that fails (full, offline,
 * another repository) does not stop the others, and `from` is only read. Cancellation stops everything.
 * Progress events carry the target id as `subject`.
 */
export async function replicateToMany(from: Backend, targets: readonly ReplicateTarget[], options: ReplicateOptions = {}): Promise<ReplicateManyResult> {
  const outcomes: ReplicateOutcome[] = [];
  for (const target of targets) {
    throwIfAborted(options.signal);
    const onProgress = options.onProgress;
    const opts: ReplicateOptions = onProgress ? { ...options, onProgress: (e) => onProgress({ ...e, subject: target.id }) } : options;
    try {
      const result = await replicate(from, target.backend, opts);
      const first = result.stopped ?? result.failed[0] ?? null;
      outcomes.push({
        id: target.id,
        location: target.backend.location,
        result,
        complete: result.complete,
        error: result.complete ? null : first === null ? { code: 'RUN_PARTIAL', details: { problems: result.notAttempted } } : { code: first.code, details: errorDetailsOf(result) },
      });
    } catch (err) {
      if (!isEngineError(err) || err.code === 'CANCELLED') throw err;
      outcomes.push({ id: target.id, location: target.backend.location, result: null, complete: false, error: { code: err.code, details: err.details } });
    }
  }
  const done = outcomes.filter((o) => o.complete).length;
  return { outcomes, status: done === outcomes.length ? 'ok' : done === 0 ? 'failed' : 'partial' };
}

function errorDetailsOf(result: ReplicateResult): ErrorDetails {
  const s = result.stopped;
  return {
    ...(s ? { location: s.location, phase: s.phase, side: s.side } : {}),
    problems: result.failed.length + result.notAttempted,
    files: result.failed.slice(0, 10).map((f) => f.file),
  };
}
