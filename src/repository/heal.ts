/**
 * Self-healing (`check --repair`): a file that `check` found damaged or missing on one destination is
 * replaced by a copy from another destination of the same repository, chosen only when its bytes hash to
 * the file's name, and verified again once written. No key is needed: content ids are SHA-256 of the bytes.
 *
 * Only content-addressed files (data/, index/, snapshots/, audit/) can be healed this way. `config` and key
 * slots have no content id to verify a copy against; they are reported as not healable.
 */
import { filePath, type Backend, type FileRef } from '../backend/index.js';
import { sha256Hex } from '../crypto/index.js';
import { EngineError, type ErrorCode, isEngineError, type LongOperationOptions, throwIfAborted } from '../shared/index.js';
import { readConfig } from './config.js';

const ID_RE = /^[0-9a-f]{64}$/;
const HEALABLE = new Set(['data', 'index', 'snapshots', 'audit'] as const);
type HealableKind = 'data' | 'index' | 'snapshots' | 'audit';

export type UnrepairedReason =
  /** Not a repository path ("data/ab/ab…", "index/…", "snapshots/…", "audit/…"). */
  | 'invalid-path'
  /** config, keys/ or locks/: no content id to verify a copy against. */
  | 'not-healable'
  /** The target's copy hashes to its name: the problem is elsewhere (e.g. in the index that names it). */
  | 'intact'
  /** No source has a copy whose bytes hash to the name (missing, damaged or unreachable everywhere). */
  | 'no-good-copy'
  /** The target could not be read or written (offline, full, put-only, locked). */
  | 'target-error'
  /** The file was written but reads back wrong. */
  | 'verify-failed';

export interface SourceAttempt {
  readonly location: string;
  readonly state: 'missing' | 'damaged' | 'error';
  readonly code?: ErrorCode;
}

export interface Unrepaired {
  readonly file: string;
  readonly reason: UnrepairedReason;
  readonly code?: ErrorCode;
  /** What each source had, for no-good-copy. */
  readonly sources?: SourceAttempt[];
}

export interface Repaired {
  readonly file: string;
  /** Location of the destination the good copy came from (for the audit entry). */
  readonly source: string;
  readonly bytes: number;
  /** Whether the target had the file (damaged) or not (missing). */
  readonly was: 'missing' | 'damaged';
}

export interface ExcludedSource {
  readonly location: string;
  /** other-repository: its marker names another repository; unavailable: its marker could not be read. */
  readonly reason: 'same-as-target' | 'other-repository' | 'unavailable';
  readonly code?: ErrorCode;
}

export interface HealResult {
  /** Files replaced on the target, verified. */
  readonly repaired: string[];
  readonly unrepaired: Unrepaired[];
  /** Per repaired file: where it came from. */
  readonly details: Repaired[];
  /** Sources not used at all. */
  readonly excludedSources: ExcludedSource[];
}

/** The file reference of a repository-relative path as the checker writes it, or null. */
export function refFromPath(file: string): FileRef | null {
  if (file === 'config') return { kind: 'config', name: 'config' };
  const parts = file.split('/');
  const [kind, a, b] = parts;
  if (kind === 'data') {
    if (parts.length !== 3 || a === undefined || b === undefined || a !== b.slice(0, 2) || !ID_RE.test(b)) return null;
    return { kind: 'data', name: b };
  }
  if (parts.length !== 2 || a === undefined || a === '') return null;
  if (kind === 'keys' || kind === 'locks') return /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/.test(a) ? { kind, name: a } : null;
  if (kind === 'index' || kind === 'snapshots' || kind === 'audit') return ID_RE.test(a) ? { kind, name: a } : null;
  return null;
}

function isHealable(ref: FileRef): ref is { kind: HealableKind; name: string } {
  return (HEALABLE as ReadonlySet<string>).has(ref.kind);
}

/** Errors that make the target unusable for the rest of the run. */
const TARGET_GONE: ReadonlySet<ErrorCode> = new Set<ErrorCode>(['DEST_OFFLINE', 'DEST_FULL', 'DEST_READONLY', 'DEST_PERMISSION', 'REPO_MARKER_MISSING', 'S3_AUTH', 'S3_BUCKET_MISSING']);

/**
 * Replaces damaged or missing files on `target` with verified copies from `sources` (tried in order).
 * `damaged` is typically the checker's problems ({file} is all that is used; duplicates are merged).
 * Problems about a folder as a whole (the checker's "index/" for packs the index does not list) name no file
 * to copy: they go away when the damaged index files are replaced, or by "repair index", so they are skipped here.
 * Throws only when the target's marker cannot be read (REPO_MARKER_MISSING, DEST_OFFLINE…) or on cancellation.
 */
export async function healFromCopy(damaged: readonly { readonly file: string }[], target: Backend, sources: readonly Backend[], options: LongOperationOptions = {}): Promise<HealResult> {
  const { signal, onProgress } = options;
  const repoId = (await readConfig(target)).id;
  const usable: Backend[] = [];
  const excludedSources: ExcludedSource[] = [];
  for (const s of sources) {
    throwIfAborted(signal);
    if (s === target || s.location === target.location) {
      excludedSources.push({ location: s.location, reason: 'same-as-target' });
      continue;
    }
    try {
      const id = (await readConfig(s)).id;
      if (id === repoId) usable.push(s);
      else excludedSources.push({ location: s.location, reason: 'other-repository' });
    } catch (err) {
      if (!isEngineError(err) || err.code === 'CANCELLED') throw err;
      excludedSources.push({ location: s.location, reason: 'unavailable', code: err.code });
    }
  }

  const files = [...new Set(damaged.map((d) => d.file))].filter((f) => !f.endsWith('/'));
  const repaired: string[] = [];
  const details: Repaired[] = [];
  const unrepaired: Unrepaired[] = [];
  let targetDown: ErrorCode | null = null;
  let done = 0;
  const progress = (): void => onProgress?.({ type: 'progress', op: 'check', phase: 'repair', done, total: files.length, unit: 'files', bytes: details.reduce((n, d) => n + d.bytes, 0) });
  progress();

  for (const file of files) {
    throwIfAborted(signal);
    const ref = refFromPath(file);
    if (ref === null) unrepaired.push({ file, reason: 'invalid-path' });
    else if (!isHealable(ref)) unrepaired.push({ file, reason: 'not-healable' });
    else if (targetDown !== null) unrepaired.push({ file, reason: 'target-error', code: targetDown });
    else {
      const outcome = await healOne(ref, target, usable, signal);
      if ('source' in outcome) {
        repaired.push(file);
        details.push(outcome);
      } else {
        unrepaired.push(outcome);
        if (outcome.reason === 'target-error' && outcome.code !== undefined && TARGET_GONE.has(outcome.code)) targetDown = outcome.code;
      }
    }
    done++;
    progress();
  }
  return { repaired, unrepaired, details, excludedSources };
}

async function healOne(ref: { kind: HealableKind; name: string }, target: Backend, sources: readonly Backend[], signal: AbortSignal | undefined): Promise<Repaired | Unrepaired> {
  const file = filePath(ref);
  const engineCode = (err: unknown): ErrorCode => {
    if (!isEngineError(err) || err.code === 'CANCELLED') throw err;
    return err.code;
  };

  // 1. Is the target's copy really bad? (A snapshot named by a BLOB_MISSING problem may itself be fine.)
  let was: Repaired['was'] = 'missing';
  try {
    const current = await target.read(ref, undefined, signal);
    if (sha256Hex(current) === ref.name) return { file, reason: 'intact' };
    was = 'damaged';
  } catch (err) {
    const code = engineCode(err);
    if (code === 'FILE_TRUNCATED' || code === 'DEST_IO') was = 'damaged';
    else if (code !== 'NOT_FOUND') return { file, reason: 'target-error', code };
  }

  // 2. The first source whose copy hashes to the name.
  const attempts: SourceAttempt[] = [];
  for (const source of sources) {
    throwIfAborted(signal);
    let bytes: Buffer;
    try {
      bytes = await source.read(ref, undefined, signal);
    } catch (err) {
      const code = engineCode(err);
      attempts.push(code === 'NOT_FOUND' ? { location: source.location, state: 'missing' } : { location: source.location, state: 'error', code });
      continue;
    }
    if (sha256Hex(bytes) !== ref.name) {
      attempts.push({ location: source.location, state: 'damaged' });
      continue;
    }
    // 3. Write and read back.
    try {
      await target.write(ref, bytes, undefined, signal);
    } catch (err) {
      return { file, reason: 'target-error', code: engineCode(err) };
    }
    try {
      const back = await target.read(ref, undefined, signal);
      if (sha256Hex(back) !== ref.name) return { file, reason: 'verify-failed', code: 'INTEGRITY_ERROR' };
    } catch (err) {
      return { file, reason: 'verify-failed', code: engineCode(err) };
    }
    return { file, source: source.location, bytes: bytes.length, was };
  }
  return { file, reason: 'no-good-copy', sources: attempts };
}

/** For callers that want an error when anything stayed broken (CLI exit code 3). */
export function healError(result: HealResult): EngineError | null {
  if (result.unrepaired.length === 0) return null;
  return new EngineError('INTEGRITY_ERROR', { problems: result.unrepaired.length, files: result.unrepaired.slice(0, 10).map((u) => u.file) });
}
