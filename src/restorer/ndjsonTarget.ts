/**
 * Restore to an NDJSON folder: one <Type>.ndjson per resource type, each line byte-identical to what was
 * backed up. Blobs are read in storage order (pack, frame) so each frame is fetched and decrypted once.
 * Files are written as .partial and renamed when complete; a damaged blob is reported and skipped.
 */
import { readdir, rename, rm, type FileHandle } from 'node:fs/promises';
import path from 'node:path';
import type { Repository } from '../repository/repository.js';
import type { SnapshotRecord } from '../repository/snapshot.js';
import { EngineError, isEngineError, throwIfAborted, type ErrorCode } from '../shared/errors.js';
import type { LongOperationOptions } from '../shared/events.js';
import { ensurePrivateDir, openPrivateFile } from '../shared/privateFiles.js';
import { selectForRestore, sortByStorage, type ListingLoss, type RestoreSelection, type SharedResource } from './selection.js';

export { rowInCompartment, selectRows, sortByStorage, type RestoreSelection, type SelectedRow } from './selection.js';

export interface RestoreFailure {
  readonly resource: string;
  readonly code: ErrorCode;
  readonly file?: string;
}

export interface NdjsonRestoreResult {
  readonly snapshotId: string;
  readonly target: string;
  readonly counts: Record<string, number>;
  readonly resources: number;
  readonly bytes: number;
  readonly bytesRead: number;
  readonly failures: RestoreFailure[];
  readonly files: string[];
  /** One-patient scope: compartment resources that also concern other patients (written only when included). */
  readonly shared: readonly SharedResource[];
  readonly sharedIncluded: boolean;
  /** Parts of a damaged snapshot's listing that could not be read (their resources are not restored). */
  readonly listingLost: readonly ListingLoss[];
}

async function ensureEmptyTarget(target: string, overwrite: boolean): Promise<void> {
  const entries = await readdir(target).catch((err: NodeJS.ErrnoException) => {
    if (err.code === 'ENOENT') return null;
    throw err;
  });
  if (entries && entries.length > 0 && !overwrite) throw new EngineError('RESTORE_TARGET_NOT_EMPTY', { path: target });
  // Patient data: the folder is the owner's only (tightened when it exists looser).
  await ensurePrivateDir(target);
}

const NL = Buffer.from('\n');
/** Output is written in pieces of about this size. */
const OUT_CHUNK = 4 * 1024 * 1024;

/**
 * One output file: lines are gathered into ~4 MiB writes, and one write is in flight while the next piece
 * fills, so reading and decrypting overlap with the disk (line-by-line stream writes spent most of a
 * restore waiting for 'drain'). A failed write (disk full) surfaces at the next flush or at close.
 */
class NdjsonOut {
  private parts: Buffer[] = [];
  private size = 0;
  private pending: Promise<void> = Promise.resolve();
  private failed: unknown = null;

  private constructor(private readonly fh: FileHandle) {}

  static async create(file: string): Promise<NdjsonOut> {
    return new NdjsonOut(await openPrivateFile(file));
  }

  async line(data: Buffer): Promise<void> {
    this.parts.push(data, NL);
    this.size += data.length + 1;
    if (this.size >= OUT_CHUNK) await this.flush();
  }

  private async flush(): Promise<void> {
    await this.pending;
    if (this.failed) throw this.failed;
    if (this.size === 0) return;
    const chunk = Buffer.concat(this.parts, this.size);
    this.parts = [];
    this.size = 0;
    this.pending = this.writeAll(chunk).catch((err: unknown) => {
      this.failed = err;
    });
  }

  private async writeAll(chunk: Buffer): Promise<void> {
    for (let at = 0; at < chunk.length; ) at += (await this.fh.write(chunk, at, chunk.length - at)).bytesWritten;
  }

  /** Writes what is left and closes the file; throws the first write error. */
  async close(): Promise<void> {
    try {
      await this.flush();
      await this.pending;
      if (this.failed) throw this.failed;
    } finally {
      await this.fh.close();
    }
  }

  /** Closes without writing what is left (after an error). */
  async abort(): Promise<void> {
    await this.pending;
    await this.fh.close().catch(() => undefined);
  }
}

export async function restoreToNdjson(
  repo: Repository,
  snap: SnapshotRecord,
  target: string,
  sel: RestoreSelection & { readonly overwrite?: boolean },
  options: LongOperationOptions = {},
): Promise<NdjsonRestoreResult> {
  const { signal, onProgress } = options;
  await ensureEmptyTarget(target, sel.overwrite ?? false);
  await repo.loadIndex(signal);
  // Bytes read include the snapshot tree (selecting the rows), not only the resources' frames.
  const readBefore = repo.bytesRead;
  const { rows: selected, shared, sharedIncluded, listingLost } = await selectForRestore(repo, snap, sel, signal);
  const total = [...selected.values()].reduce((n, l) => n + l.length, 0);
  const counts: Record<string, number> = {};
  const failures: RestoreFailure[] = [];
  const files: string[] = [];
  let done = 0;
  let bytes = 0;
  let lastProgress = 0;
  for (const [type, rows] of selected) {
    const finalPath = path.join(target, `${type}.ndjson`);
    const partial = `${finalPath}.partial`;
    const out = await NdjsonOut.create(partial);
    try {
      for (const row of sortByStorage(repo, rows)) {
        throwIfAborted(signal);
        let data: Buffer;
        try {
          data = await repo.readBlob(row.blob, signal);
        } catch (err) {
          if (!isEngineError(err) || err.code === 'CANCELLED') throw err;
          const named = err.details['file'] ?? err.details['blob'];
          failures.push({ resource: `${type}/${row.id}`, code: err.code, file: typeof named === 'string' ? named : undefined });
          continue;
        }
        await out.line(data);
        counts[type] = (counts[type] ?? 0) + 1;
        bytes += data.length;
        done++;
        if (Date.now() - lastProgress > 250) {
          lastProgress = Date.now();
          onProgress?.({ type: 'progress', op: 'restore', phase: 'write', done, total, unit: 'resources', bytes, subject: type });
        }
      }
      await out.close();
    } catch (err) {
      await out.abort();
      await rm(partial, { force: true });
      throw err;
    }
    await rename(partial, finalPath);
    files.push(finalPath);
  }
  onProgress?.({ type: 'progress', op: 'restore', phase: 'write', done, total, unit: 'resources', bytes });
  return { snapshotId: snap.id, target, counts, resources: done, bytes, bytesRead: repo.bytesRead - readBefore, failures, files, shared, sharedIncluded, listingLost };
}
