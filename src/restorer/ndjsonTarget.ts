/**
 * Restore to an NDJSON folder: one <Type>.ndjson per resource type, each line byte-identical to what was
 * backed up. Blobs are read in storage order (pack, frame) so each frame is fetched and decrypted once.
 * Files are written as .partial and renamed when complete; a damaged blob is reported and skipped.
 * Attachments of the restored resources go beside them: attachments/<sha256>.<ext> (one file per content)
 * and attachments.ndjson, one line per attachment (owner, URL, content type, size, SHA-256, file).
 */
import { createHash } from 'node:crypto';
import { readdir, rename, rm, type FileHandle } from 'node:fs/promises';
import path from 'node:path';
import { attachmentContent, readAttachments, type AttachmentRecord, type BinaryResourceReader } from '../repository/attachments.js';
import type { Repository } from '../repository/repository.js';
import type { SnapshotRecord } from '../repository/snapshot.js';
import { EngineError, isEngineError, throwIfAborted, type ErrorCode } from '../shared/errors.js';
import type { LongOperationOptions } from '../shared/events.js';
import { ensurePrivateDir, openPrivateFile, writePrivateFile } from '../shared/privateFiles.js';
import { selectForRestore, selectRows, sortByStorage, type ListingLoss, type RestoreSelection, type SharedResource } from './selection.js';

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
  /** Attachments written beside the NDJSON (distinct contents) and their bytes. */
  readonly attachments?: { readonly files: number; readonly bytes: number; readonly listed: number };
  /** One-patient scope: compartment resources that also concern other patients (written only when included). */
  readonly shared: readonly SharedResource[];
  readonly sharedIncluded: boolean;
  /** Parts of a damaged snapshot's listing that could not be read (their resources are not restored). */
  readonly listingLost: readonly ListingLoss[];
}

/** Reads the inline data of the snapshot's Binary resources (attachments whose content lives there). */
export function snapshotBinaryReader(repo: Repository, snap: SnapshotRecord): BinaryResourceReader {
  let blobs: Promise<Map<string, string>> | null = null;
  return async (key, signal) => {
    blobs ??= selectRows(repo, snap, { types: ['Binary'] }, signal).then((rows) => new Map((rows.get('Binary') ?? []).map((r) => [r.id, r.blob])));
    const blob = (await blobs).get(key.slice(key.indexOf('/') + 1));
    if (!blob) throw new EngineError('BLOB_MISSING', { blob: key, snapshots: [snap.id] });
    const v = JSON.parse((await repo.readBlob(blob, signal)).toString('utf8')) as { data?: unknown };
    return Buffer.from(typeof v.data === 'string' ? v.data : '', 'base64');
  };
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
    // Best effort: this runs after the error that stopped the restore, which is the one reported.
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
  const restoredKeys = new Set<string>();
  for (const [type, rows] of selected) for (const r of rows) restoredKeys.add(`${type}/${r.id}`);
  const records = (await readAttachments(repo, snap.manifest.attachments, signal)).filter((r) => restoredKeys.has(r.owner));
  const attachments = records.length > 0 ? await writeAttachmentFiles(repo, target, records, failures, snapshotBinaryReader(repo, snap), signal) : null;
  if (attachments) files.push(path.join(target, 'attachments.ndjson'));
  return { snapshotId: snap.id, target, counts, resources: done, bytes, bytesRead: repo.bytesRead - readBefore, failures, files, shared, sharedIncluded, listingLost, ...(attachments ? { attachments } : {}) };
}

const EXTENSIONS: Readonly<Record<string, string>> = {
  'application/pdf': '.pdf',
  'image/png': '.png',
  'image/jpeg': '.jpg',
  'image/gif': '.gif',
  'image/tiff': '.tif',
  'text/plain': '.txt',
  'text/html': '.html',
  'application/dicom': '.dcm',
  'application/xml': '.xml',
  'application/json': '.json',
};

/** Writes each distinct attachment content once, verified against its SHA-256, and the listing beside it. */
async function writeAttachmentFiles(repo: Repository, target: string, records: readonly AttachmentRecord[], failures: RestoreFailure[], binary: BinaryResourceReader, signal?: AbortSignal): Promise<{ files: number; bytes: number; listed: number }> {
  const dir = path.join(target, 'attachments');
  await ensurePrivateDir(dir);
  const written = new Map<string, string>();
  let bytes = 0;
  const lines: string[] = [];
  for (const r of records) {
    throwIfAborted(signal);
    let file: string | null = null;
    if (r.status === 'stored' && r.sha256) {
      file = written.get(r.sha256) ?? null;
      if (file === null) {
        const name = `${r.sha256}${EXTENSIONS[(r.contentType ?? '').split(';')[0]?.trim().toLowerCase() ?? ''] ?? '.bin'}`;
        const partial = path.join(dir, `${name}.partial`);
        const fh = await openPrivateFile(partial);
        const hash = createHash('sha256');
        try {
          for await (const chunk of attachmentContent(repo, r, signal, binary)) {
            hash.update(chunk);
            await fh.write(chunk);
          }
        } catch (err) {
          await fh.close();
          await rm(partial, { force: true });
          if (!isEngineError(err) || err.code === 'CANCELLED') throw err;
          const named = err.details['file'] ?? err.details['blob'];
          failures.push({ resource: `${r.owner} (attachment)`, code: err.code, file: typeof named === 'string' ? named : undefined });
          continue;
        }
        await fh.close();
        if (hash.digest('hex') !== r.sha256) {
          await rm(partial, { force: true });
          failures.push({ resource: `${r.owner} (attachment)`, code: 'INTEGRITY_ERROR' });
          continue;
        }
        await rename(partial, path.join(dir, name));
        file = `attachments/${name}`;
        written.set(r.sha256, file);
        bytes += r.size ?? 0;
      }
    }
    lines.push(JSON.stringify({ owner: r.owner, path: r.path, url: r.url, contentType: r.contentType, size: r.size, sha256: r.sha256, status: r.status, file, ...(r.reason ? { reason: r.reason } : {}) }));
  }
  await writePrivateFile(path.join(target, 'attachments.ndjson'), lines.join('\n') + '\n');
  return { files: written.size, bytes, listed: records.length };
}
