/**
 * Reads a source file's content as a stream and tells whether it changed while it was read (a document being saved,
 * an open database file). The content is handed to a consumer (usually: chunk, hash and store); if the file changed
 * during the read, the consumer is called once more on a fresh read; if it changed again, the second read is kept,
 * marked `changedDuringBackup`, and reported as FILE_CHANGED_DURING_BACKUP (the hint: back up databases with a dump
 * source). A file that vanished, is denied or cannot be read is reported too; nothing here stops the run except a
 * cancel or the consumer's own errors.
 *
 * "Changed" compares fstat of the open file before and after the read (size, mtime, ctime) and the bytes read with
 * the size. A file replaced by a new one (saved via rename) is not a change: the open file is the old, complete one.
 */
import type { BigIntStats } from 'node:fs';
import type { FileHandle } from 'node:fs/promises';
import { throwIfAborted } from '../../shared/index.js';
import { errnoOf, nodeFs, NOATIME_FLAG, READ_FLAGS, type FsOps } from './fsOps.js';
import { errnoProblem, makeProblem, toEntry } from './walker.js';
import type { FileEntry, SourceProblem } from './types.js';

/** Read size: one piece of the stream. */
export const READ_BYTES = 1024 * 1024;

export interface ReadOptions {
  readonly fs?: FsOps;
  readonly signal?: AbortSignal;
  readonly readBytes?: number;
  /** Reads after the first, when the file changed while read. Default 1. */
  readonly retries?: number;
}

export type StableRead<T> =
  | {
      readonly ok: true;
      readonly value: T;
      /** The file's metadata when the kept read started (store this with the content, not the walk's). */
      readonly entry: FileEntry;
      readonly bytes: number;
      readonly attempts: number;
      /** Still changing after the retries: the content may be inconsistent. */
      readonly changedDuringBackup: boolean;
      readonly problem?: SourceProblem;
    }
  | { readonly ok: false; readonly problem: SourceProblem };

/** A file-system error met while reading, as opposed to an error of the consumer. */
class SourceReadError extends Error {
  constructor(readonly fsError: unknown) {
    super('source read failed');
  }
}

function sameContent(a: BigIntStats, b: BigIntStats): boolean {
  return a.size === b.size && a.mtimeNs === b.mtimeNs && a.ctimeNs === b.ctimeNs && a.ino === b.ino && a.dev === b.dev;
}

async function openForRead(fs: FsOps, absPath: string): Promise<FileHandle> {
  if (NOATIME_FLAG !== 0) {
    try {
      return await fs.open(absPath, READ_FLAGS | NOATIME_FLAG);
    } catch (err) {
      if (errnoOf(err) !== 'EPERM') throw err;
    }
  }
  return fs.open(absPath, READ_FLAGS);
}

interface Attempt<T> {
  readonly value: T;
  readonly before: BigIntStats;
  readonly bytes: number;
  readonly changed: boolean;
}

async function readOnce<T>(handle: FileHandle, consume: (stream: AsyncIterable<Buffer>, attempt: number) => Promise<T>, attempt: number, options: ReadOptions): Promise<Attempt<T>> {
  const before = await handle.stat({ bigint: true }).catch((err: unknown) => {
    throw new SourceReadError(err);
  });
  if (!before.isFile()) throw new SourceReadError(Object.assign(new Error('not a regular file'), { code: 'ESPECIAL' }));
  const size = options.readBytes ?? READ_BYTES;
  let bytes = 0;
  async function* stream(): AsyncGenerator<Buffer> {
    let position = 0;
    while (true) {
      throwIfAborted(options.signal);
      const buf = Buffer.allocUnsafe(size);
      let n: number;
      try {
        ({ bytesRead: n } = await handle.read(buf, 0, size, position));
      } catch (err) {
        throw new SourceReadError(err);
      }
      if (n === 0) return;
      position += n;
      bytes += n;
      yield n === size ? buf : buf.subarray(0, n);
    }
  }
  const value = await consume(stream(), attempt);
  const after = await handle.stat({ bigint: true }).catch((err: unknown) => {
    throw new SourceReadError(err);
  });
  const changed = !sameContent(before, after) || BigInt(bytes) !== before.size;
  return { value, before, bytes, changed };
}

/**
 * Reads `entry`'s file into `consume`, retrying when it changed during the read (see the file comment). The consumer
 * must read the stream to its end (a read that stops early counts as a change) and let the stream's errors propagate;
 * it is called again from the start for a retry, so it should discard what the previous call produced (chunks
 * already stored are harmless: unreferenced, `prune` removes them).
 */
export async function readFileStable<T>(
  entry: Pick<FileEntry, 'root' | 'components' | 'absPath'>,
  consume: (stream: AsyncIterable<Buffer>, attempt: number) => Promise<T>,
  options: ReadOptions = {},
): Promise<StableRead<T>> {
  const fs = options.fs ?? nodeFs;
  const attempts = 1 + Math.max(0, options.retries ?? 1);
  const { root, components, absPath } = entry;
  for (let attempt = 1; ; attempt++) {
    throwIfAborted(options.signal);
    let handle: FileHandle;
    try {
      handle = await openForRead(fs, absPath);
    } catch (err) {
      return { ok: false, problem: errnoProblem(err, root, components, absPath) };
    }
    let result: Attempt<T>;
    try {
      result = await readOnce(handle, consume, attempt, options);
    } catch (err) {
      if (!(err instanceof SourceReadError)) throw err;
      if (errnoOf(err.fsError) === 'ESPECIAL') return { ok: false, problem: makeProblem('FILE_SPECIAL_SKIPPED', root, components, absPath, { kind: 'not-a-regular-file' }) };
      return { ok: false, problem: errnoProblem(err.fsError, root, components, absPath) };
    } finally {
      // Best effort: the read's outcome is decided above; a descriptor that fails to close is freed with the process.
      await handle.close().catch(() => undefined);
    }
    // The size recorded is what was read: the format's size is the sum of the chunks.
    const meta = { ...toEntry(root, components, absPath, 'file', result.before), size: result.bytes };
    if (!result.changed) return { ok: true, value: result.value, entry: meta, bytes: result.bytes, attempts: attempt, changedDuringBackup: false };
    if (attempt >= attempts) {
      return {
        ok: true,
        value: result.value,
        entry: meta,
        bytes: result.bytes,
        attempts: attempt,
        changedDuringBackup: true,
        problem: makeProblem('FILE_CHANGED_DURING_BACKUP', root, components, absPath, { attempts: attempt }),
      };
    }
  }
}
