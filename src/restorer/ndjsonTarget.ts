/**
 * Restore to an NDJSON folder: one <Type>.ndjson per resource type, each line byte-identical to what was
 * backed up. Resources are read in storage order (pack, offset) so each frame is fetched and decrypted once (in
 * the worker pool for large restores); a type's lines are written in that order with large writes. Files are
 * written as .partial and renamed when complete; a damaged frame or resource is reported and skipped, and a
 * damaged listing is restored as far as it can be read (what was lost is reported).
 * Attachments of the restored resources go beside them: attachments/<sha256>.<ext> (one file per content)
 * and attachments.ndjson, one line per attachment (owner, URL, content type, size, SHA-256, file).
 */
import { createHash } from 'node:crypto';
import { readdir, rename, rm, type FileHandle } from 'node:fs/promises';
import path from 'node:path';
import { poolOpener, WorkerPool } from '../pool/index.js';
import {
  attachmentContent,
  type AttachmentRecord,
  type BinaryResourceReader,
  type BlobOpener,
  CompactRows,
  compactRows,
  lineError,
  readAttachments,
  readFrames,
  readResource,
  readResources,
  type Repository,
  type SnapshotRecord,
} from '../repository/index.js';
import { EngineError, ensurePrivateDir, type ErrorCode, isEngineError, isIntegrityCode, type LongOperationOptions, openPrivateFile, throwIfAborted, writePrivateFile } from '../shared/index.js';
import { PlacedOut } from './placedOut.js';
import { selectForRestore, selectRows, type ListingLoss, type RestoreSelection, type SelectedRow, type SharedResource } from './selection.js';

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
  let rows: Promise<Map<string, SelectedRow>> | null = null;
  return async (key, signal) => {
    rows ??= selectRows(repo, snap, { types: ['Binary'] }, signal).then((m) => new Map((m.get('Binary') ?? []).map((r) => [r.id, r])));
    const row = (await rows).get(key.slice(key.indexOf('/') + 1));
    if (!row) throw new EngineError('BLOB_MISSING', { blob: key, snapshots: [snap.id] });
    const v = JSON.parse((await readResource(repo, row, { signal })).toString('utf8')) as { data?: unknown };
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
/**
 * Up to this many frames are opened in this thread: measured on one patient of the 1 GB Observation-heavy
 * repository (325 scattered frames), this thread took 80 ms and the pool 195 ms, most of it starting the workers.
 */
export const SMALL_READ_FRAMES = 512;
/** Output is written in pieces of about this size (one buffer per type file). */
const OUT_CHUNK = 1024 * 1024;

/**
 * One output file of a version 1 restore (version 2 gives its lines places: placedOut.ts): lines are gathered into
 * ~1 MiB writes, and one write is in flight while the next piece fills, so reading and decrypting overlap with the
 * disk (line-by-line stream writes spent most of a restore waiting for 'drain'). A failed write (disk full) surfaces
 * at the next flush or at close.
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
    const parts = this.parts;
    this.parts = [];
    this.size = 0;
    this.pending = this.writeAll(parts).catch((err: unknown) => {
      this.failed = err;
    });
  }

  /** One gathered write of the pieces (no concatenation); a short write continues where it stopped. */
  private async writeAll(parts: Buffer[]): Promise<void> {
    let rest = parts;
    while (rest.length > 0) {
      let n = (await this.fh.writev(rest)).bytesWritten;
      const next: Buffer[] = [];
      for (const p of rest) {
        if (n >= p.length) n -= p.length;
        else {
          next.push(n > 0 ? p.subarray(n) : p);
          n = 0;
        }
      }
      rest = next;
    }
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
  options: LongOperationOptions & { readonly opener?: BlobOpener } = {},
): Promise<NdjsonRestoreResult> {
  const { signal, onProgress } = options;
  await ensureEmptyTarget(target, sel.overwrite ?? false);
  await repo.loadIndex(signal);
  // Bytes read include the snapshot tree (selecting the rows), not only the resources' frames.
  const readBefore = repo.bytesRead;
  const counts: Record<string, number> = {};
  const failures: RestoreFailure[] = [];
  const outs = new Map<string, NdjsonOut>();
  const placed = new Map<string, PlacedOut>();
  let done = 0;
  let bytes = 0;
  let lastProgress = 0;
  let total = 0;
  const outFor = async (type: string): Promise<NdjsonOut> => {
    let out = outs.get(type);
    if (!out) outs.set(type, (out = await NdjsonOut.create(path.join(target, `${type}.ndjson.partial`))));
    return out;
  };
  const fail = (type: string, id: string, error: EngineError): void => {
    const named = error.details['file'] ?? error.details['blob'];
    failures.push({ resource: `${type}/${id}`, code: error.code, file: typeof named === 'string' ? named : undefined });
  };
  const damaged = (err: unknown): boolean => isEngineError(err) && (isIntegrityCode(err.code) || err.code === 'NOT_FOUND' || err.code === 'BLOB_MISSING');
  // What is restored: the whole snapshot straight into compact rows (version 2), else through the selection
  // (one patient: shared resources set apart; a damaged listing: read as far as it can be).
  let shared: readonly SharedResource[] = [];
  let listingLost: readonly ListingLoss[] = [];
  let restoredKeys: Set<string> | null = null;
  let compact: CompactRows | null = null;
  let selected: Map<string, SelectedRow[]> | null = null;
  if (repo.version === 2 && sel.patient === undefined) {
    // A large snapshot reads its frames in the pool: its workers start while the listing is read (a small one,
    // fewer rows than SMALL_READ_FRAMES frames usually hold, is opened in this thread: no worker is started for it).
    const listed = Object.values(snap.manifest.counts ?? {}).reduce((n, c) => n + (typeof c === 'number' ? c : 0), 0);
    if (!options.opener && listed > SMALL_READ_FRAMES * 64) WorkerPool.shared().start();
    try {
      compact = await compactRows(repo, snap, { ...(sel.types ? { types: sel.types } : {}) }, signal);
    } catch (err) {
      if (!damaged(err)) throw err;
    }
  }
  if (!compact) {
    const s = await selectForRestore(repo, snap, sel, signal);
    shared = s.shared;
    listingLost = s.listingLost;
    selected = s.rows;
    if (repo.version === 2) {
      compact = new CompactRows();
      for (const list of s.rows.values()) for (const r of list) compact.push(r);
    }
  }
  const progress = (subject: string): void => {
    if (Date.now() - lastProgress <= 250) return;
    lastProgress = Date.now();
    onProgress?.({ type: 'progress', op: 'restore', phase: 'write', done, total, unit: 'resources', bytes, subject });
  };
  try {
    if (repo.version === 2) {
      // Rows held compactly: a whole snapshot costs a few dozen bytes per resource, not an object each.
      const rows = compact as CompactRows;
      total = rows.n;
      onProgress?.({ type: 'progress', op: 'restore', phase: 'write', done: 0, total, unit: 'resources', bytes: 0 });
      // Frames are opened in the worker pool, unless there are so few (one patient) that starting it costs more.
      const pooled = options.opener ? null : rows.frameCount > SMALL_READ_FRAMES ? poolOpener(repo) : null;
      // Every row gets its place in its type's file when its frame is planned (storage order), so a worker that
      // verified a whole frame writes it there itself: the lines never travel back to this thread.
      const byTypeNo: PlacedOut[] = [];
      for (const t of rows.typeNames) {
        const o = await PlacedOut.create(path.join(target, `${t}.ndjson.partial`));
        placed.set(t, o);
        byTypeNo.push(o);
      }
      const outOf = (i: number): PlacedOut => byTypeNo[rows.typeIndex(i)] as PlacedOut;
      const sizes = rows.sizeColumn;
      // -1: no place yet (a frame the index does not list is reported before any place is given out).
      const place = new Float64Array(rows.n).fill(-1);
      const writeTarget = (frameRows: Uint32Array): { fd: number; at: number } | null => {
        const first = outOf(frameRows[0] as number);
        let single = true;
        for (const i of frameRows) {
          const o = outOf(i);
          place[i] = o.place((sizes[i] as number) + 1);
          if (o !== first) single = false;
        }
        return single ? { fd: first.fd, at: place[frameRows[0] as number] as number } : null;
      };
      try {
        // The blob id proves a frame's bytes; a row is taken when it is a whole line of them (no second hash per line).
        for await (const f of readFrames(repo, rows, { signal, opener: options.opener ?? pooled ?? undefined, mode: 'assemble', lineHashes: false, writeTarget })) {
          throwIfAborted(signal);
          const type = rows.type(f.rows[0] as number);
          if (f.error) {
            for (const i of f.rows) {
              if ((place[i] as number) >= 0) outOf(i).hole(place[i] as number, (sizes[i] as number) + 1);
              fail(rows.type(i), rows.id(i), f.error);
            }
            continue;
          }
          const o = f.outcome;
          if (o.writeError) throw Object.assign(new Error(o.writeError.message), { code: o.writeError.code, syscall: 'write' });
          const ok = o.lineOk as Uint8Array;
          const out = o.out;
          const first = outOf(f.rows[0] as number);
          let whole = o.written === true;
          if (!whole && out && ok.indexOf(0) < 0) {
            // Every line verified but opened here (not in the pool): one write at the frame's place when it holds one type.
            whole = true;
            for (const i of f.rows) if (outOf(i) !== first) whole = false;
            if (whole) await first.writeAt(out, place[f.rows[0] as number] as number);
          }
          if (whole) {
            const n = f.rows.length;
            for (const i of f.rows) bytes += sizes[i] as number;
            first.lines += n;
            counts[type] = (counts[type] ?? 0) + n;
            done += n;
            progress(type);
            continue;
          }
          // Some lines failed, or the frame holds several types: each line at its place, a hole for each failed one.
          let at = 0;
          for (let j = 0; j < f.rows.length; j++) {
            const i = f.rows[j] as number;
            const t = rows.type(i);
            const size = sizes[i] as number;
            const dest = outOf(i);
            if (!ok[j] || !out) {
              dest.hole(place[i] as number, size + 1);
              fail(t, rows.id(i), lineError(repo, rows, i));
              continue;
            }
            await dest.writeAt(out.subarray(at, at + size + 1), place[i] as number);
            at += size + 1;
            dest.lines++;
            counts[t] = (counts[t] ?? 0) + 1;
            bytes += size;
            done++;
          }
          progress(type);
        }
      } finally {
        pooled?.close();
      }
    } else {
      const rows = [...(selected as Map<string, SelectedRow[]>).values()].flat();
      total = rows.length;
      for await (const d of readResources(repo, rows, options)) {
        throwIfAborted(signal);
        if (d.error) {
          fail(d.row.type, d.row.id, d.error);
          continue;
        }
        await (await outFor(d.row.type)).line(d.bytes);
        counts[d.row.type] = (counts[d.row.type] ?? 0) + 1;
        bytes += d.bytes.length;
        done++;
        progress(d.row.type);
      }
    }
    for (const out of outs.values()) await out.close();
    for (const [type, out] of placed) {
      await out.finish();
      // A type none of whose lines could be restored gets no file (as when lines are appended).
      if (out.lines > 0) continue;
      placed.delete(type);
      await rm(out.file, { force: true });
    }
  } catch (err) {
    for (const [type, out] of outs) {
      await out.abort();
      await rm(path.join(target, `${type}.ndjson.partial`), { force: true });
    }
    for (const out of placed.values()) {
      await out.abort();
      await rm(out.file, { force: true });
    }
    throw err;
  }
  const files: string[] = [];
  for (const type of [...outs.keys(), ...placed.keys()].sort()) {
    const finalPath = path.join(target, `${type}.ndjson`);
    await rename(`${finalPath}.partial`, finalPath);
    files.push(finalPath);
  }
  onProgress?.({ type: 'progress', op: 'restore', phase: 'write', done, total, unit: 'resources', bytes });
  const records = (await readAttachments(repo, snap.manifest.attachments, signal)).filter((r) => {
    if (!restoredKeys) {
      restoredKeys = new Set<string>();
      if (selected) for (const [type, rows] of selected) for (const r of rows) restoredKeys.add(`${type}/${r.id}`);
      else if (compact) for (let i = 0; i < compact.n; i++) restoredKeys.add(`${compact.type(i)}/${compact.id(i)}`);
    }
    return restoredKeys.has(r.owner);
  });
  const attachments = records.length > 0 ? await writeAttachmentFiles(repo, target, records, failures, snapshotBinaryReader(repo, snap), signal) : null;
  if (attachments) files.push(path.join(target, 'attachments.ndjson'));
  return {
    snapshotId: snap.id,
    target,
    counts,
    resources: done,
    bytes,
    bytesRead: repo.bytesRead - readBefore,
    failures,
    files,
    shared,
    sharedIncluded: sel.includeShared === true,
    listingLost,
    ...(attachments ? { attachments } : {}),
  };
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
async function writeAttachmentFiles(
  repo: Repository,
  target: string,
  records: readonly AttachmentRecord[],
  failures: RestoreFailure[],
  binary: BinaryResourceReader,
  signal?: AbortSignal,
): Promise<{ files: number; bytes: number; listed: number }> {
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
    lines.push(
      JSON.stringify({ owner: r.owner, path: r.path, url: r.url, contentType: r.contentType, size: r.size, sha256: r.sha256, status: r.status, file, ...(r.reason ? { reason: r.reason } : {}) }),
    );
  }
  await writePrivateFile(path.join(target, 'attachments.ndjson'), lines.join('\n') + '\n');
  return { files: written.size, bytes, listed: records.length };
}
