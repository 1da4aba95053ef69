import { randomBytes } from 'node:crypto';
import type { Dirent } from 'node:fs';
import { mkdir, open, readdir, rename, rm, stat, statfs, unlink, type FileHandle } from 'node:fs/promises';
import path from 'node:path';
import { EngineError, isEngineError, throwIfAborted } from '../../shared/index.js';
import { FILE_KINDS, filePath, type Backend, type ByteRange, type Capacity, type FileInfo, type FileKind, type FileRef, type WriteOptions } from '../types.js';
import { isValidName, validateKind, validateRange, validateRef } from '../validate.js';
import { errnoCode, mapFsError } from './fsErrors.js';

/** Temp files start with a dot, so they never match a valid file name and list() skips them. */
export const TEMP_PREFIX = '.tmp-';

/** Entries an OS or file system puts in a fresh volume or folder; they do not make a folder "not empty". */
const OS_ENTRIES = new Set(['lost+found', '.DS_Store', '.Trashes', '.Spotlight-V100', '.fseventsd', 'System Volume Information', '$RECYCLE.BIN', 'desktop.ini', 'Thumbs.db']);

const KIND_DIRS: readonly FileKind[] = FILE_KINDS.filter((k) => k !== 'config');

/** Errors of fsync on a directory that only mean "not supported here" (Windows, some network file systems). */
const DIR_SYNC_UNSUPPORTED = new Set(['EISDIR', 'EPERM', 'EINVAL', 'EBADF', 'EACCES', 'ENOTSUP', 'EOPNOTSUPP']);

function isMissing(err: unknown): boolean {
  const code = errnoCode(err);
  return code === 'ENOENT' || code === 'ENOTDIR';
}

/**
 * A repository in a folder: a NAS share or a USB drive.
 * Writes are atomic (temp file, fsync, rename, fsync of the folder) and never create the repository
 * root, so a vanished drive gives DEST_OFFLINE instead of files silently landing on the local disk.
 */
export class LocalBackend implements Backend {
  readonly location: string;
  /** True once the marker (`config`) is known to exist: from then on its absence means an unmounted destination. */
  #markerSeen: boolean;

  private constructor(root: string, markerSeen: boolean) {
    this.location = root;
    this.#markerSeen = markerSeen;
  }

  /** For `init`: the folder must not exist or be empty, and its parent must exist. */
  static async create(root: string): Promise<LocalBackend> {
    const abs = path.resolve(root);
    try {
      const parent = await stat(path.dirname(abs));
      if (!parent.isDirectory()) throw new EngineError('DEST_OFFLINE', { location: abs, reason: 'parent is not a folder' });
    } catch (err) {
      throw mapFsError(err, abs, 'stat parent');
    }
    let entries: string[] | null = null;
    try {
      entries = await readdir(abs);
    } catch (err) {
      const code = errnoCode(err);
      if (code === 'ENOTDIR') throw new EngineError('REPO_ALREADY_EXISTS', { location: abs }, { cause: err });
      if (code !== 'ENOENT') throw mapFsError(err, abs, 'readdir');
    }
    if (entries === null) {
      try {
        await mkdir(abs);
      } catch (err) {
        if (errnoCode(err) === 'EEXIST') throw new EngineError('REPO_ALREADY_EXISTS', { location: abs }, { cause: err });
        throw mapFsError(err, abs, 'mkdir');
      }
    } else if (entries.some((e) => !OS_ENTRIES.has(e))) {
      throw new EngineError('REPO_ALREADY_EXISTS', { location: abs });
    }
    for (const kind of KIND_DIRS) await mkdirOnce(path.join(abs, kind), abs);
    return new LocalBackend(abs, false);
  }

  /** Opens an existing repository: the folder must hold the marker (`config`). Never creates anything. */
  static async open(root: string): Promise<LocalBackend> {
    const abs = path.resolve(root);
    try {
      const s = await stat(abs);
      if (!s.isDirectory()) throw new EngineError('REPO_MARKER_MISSING', { location: abs });
    } catch (err) {
      throw mapFsError(err, abs, 'stat');
    }
    try {
      const marker = await stat(path.join(abs, 'config'));
      if (!marker.isFile()) throw new EngineError('REPO_MARKER_MISSING', { location: abs });
    } catch (err) {
      if (isMissing(err)) throw new EngineError('REPO_MARKER_MISSING', { location: abs }, { cause: err });
      throw mapFsError(err, abs, 'stat config');
    }
    return new LocalBackend(abs, true);
  }

  #pathOf(ref: FileRef): string {
    return path.join(this.location, ...filePath(ref).split('/'));
  }

  /**
   * Called after a "no such file": decides whether the file is missing or the destination is gone.
   * Throws DEST_OFFLINE when the root vanished, REPO_MARKER_MISSING when the marker vanished (share unmounted).
   */
  async #assertPresent(): Promise<void> {
    try {
      await stat(this.location);
    } catch (err) {
      throw mapFsError(err, this.location, 'stat root');
    }
    if (!this.#markerSeen) return;
    try {
      await stat(path.join(this.location, 'config'));
    } catch (err) {
      if (isMissing(err)) throw new EngineError('REPO_MARKER_MISSING', { location: this.location }, { cause: err });
      throw mapFsError(err, this.location, 'stat config');
    }
  }

  list(kind: FileKind, signal?: AbortSignal): AsyncIterable<FileInfo> {
    return this.#list(kind, signal);
  }

  async *#list(kind: FileKind, signal?: AbortSignal): AsyncGenerator<FileInfo> {
    validateKind(kind);
    throwIfAborted(signal);
    if (kind === 'config') {
      const info = await this.stat({ kind: 'config', name: 'config' }, signal);
      if (info) yield info;
      return;
    }
    const kindDir = path.join(this.location, kind);
    if (kind !== 'data') {
      yield* this.#listDir(kind, kindDir, undefined, signal);
      return;
    }
    for (const entry of await this.#readDir(kindDir)) {
      throwIfAborted(signal);
      if (!entry.isDirectory() || entry.name.length !== 2 || entry.name.startsWith('.')) continue;
      yield* this.#listDir(kind, path.join(kindDir, entry.name), entry.name, signal);
    }
  }

  async #readDir(dir: string): Promise<Dirent[]> {
    try {
      return await readdir(dir, { withFileTypes: true });
    } catch (err) {
      if (isMissing(err)) {
        await this.#assertPresent();
        return [];
      }
      throw mapFsError(err, this.location, 'readdir');
    }
  }

  async *#listDir(kind: FileKind, dir: string, prefix: string | undefined, signal?: AbortSignal): AsyncGenerator<FileInfo> {
    for (const entry of await this.#readDir(dir)) {
      throwIfAborted(signal);
      if (!entry.isFile() || !isValidName(kind, entry.name)) continue;
      if (prefix !== undefined && entry.name.slice(0, 2) !== prefix) continue;
      let size: number;
      try {
        size = (await stat(path.join(dir, entry.name))).size;
      } catch (err) {
        if (isMissing(err)) continue; // deleted while listing
        throw mapFsError(err, this.location, 'stat');
      }
      yield { kind, name: entry.name, size };
    }
  }

  async stat(ref: FileRef, signal?: AbortSignal): Promise<FileInfo | null> {
    validateRef(ref);
    throwIfAborted(signal);
    try {
      const s = await stat(this.#pathOf(ref));
      return s.isFile() ? { kind: ref.kind, name: ref.name, size: s.size } : null;
    } catch (err) {
      if (isMissing(err)) {
        await this.#assertPresent();
        return null;
      }
      throw mapFsError(err, this.location, 'stat');
    }
  }

  async read(ref: FileRef, range?: ByteRange, signal?: AbortSignal): Promise<Buffer> {
    validateRef(ref);
    validateRange(range);
    throwIfAborted(signal);
    let handle: FileHandle;
    try {
      handle = await open(this.#pathOf(ref), 'r');
    } catch (err) {
      if (isMissing(err)) {
        await this.#assertPresent();
        throw new EngineError('NOT_FOUND', { what: filePath(ref) }, { cause: err });
      }
      throw mapFsError(err, this.location, 'open');
    }
    try {
      if (range === undefined) return await handle.readFile(signal ? { signal } : {});
      const { size } = await handle.stat();
      if (range.offset + range.length > size) throw truncated(ref, this.location, range, size);
      const buf = Buffer.allocUnsafe(range.length);
      let done = 0;
      while (done < range.length) {
        throwIfAborted(signal);
        const { bytesRead } = await handle.read(buf, done, range.length - done, range.offset + done);
        if (bytesRead === 0) throw truncated(ref, this.location, range, range.offset + done);
        done += bytesRead;
      }
      return buf;
    } catch (err) {
      throw mapFsError(err, this.location, 'read');
    } finally {
      // Best effort: the read's own outcome is what matters; a descriptor that fails to close is freed with the process.
      await handle.close().catch(() => undefined);
    }
  }

  async write(ref: FileRef, data: Buffer, _options?: WriteOptions, signal?: AbortSignal): Promise<void> {
    validateRef(ref);
    throwIfAborted(signal);
    const target = this.#pathOf(ref);
    const dir = path.dirname(target);
    const tmp = path.join(dir, `${TEMP_PREFIX}${randomBytes(8).toString('hex')}`);
    let handle: FileHandle | undefined;
    try {
      handle = await this.#openTemp(tmp, ref);
      let done = 0;
      while (done < data.length) {
        throwIfAborted(signal);
        const { bytesWritten } = await handle.write(data, done, Math.min(data.length - done, 8 << 20), done);
        done += bytesWritten;
      }
      await handle.sync();
      await handle.close();
      handle = undefined;
      throwIfAborted(signal);
      await rename(tmp, target);
    } catch (err) {
      // Best effort clean-up of the temporary file; the write's failure is the one reported (leftover temps are
      // removed by the next open, see TEMP_PREFIX).
      await handle?.close().catch(() => undefined);
      await rm(tmp, { force: true }).catch(() => undefined);
      if (isEngineError(err)) throw err;
      if (isMissing(err)) await this.#assertPresent();
      if (process.platform === 'win32' && isRenameBlocked(err)) {
        // Windows refuses to replace a file another process (a reader, an antivirus) holds open: try again later.
        throw new EngineError('DEST_IO', { location: this.location, reason: 'target file in use (rename)' }, { cause: err, transient: true });
      }
      throw mapFsError(err, this.location, 'write');
    }
    await this.#syncDir(dir);
    if (ref.kind === 'config') this.#markerSeen = true;
  }

  async #openTemp(tmp: string, ref: FileRef): Promise<FileHandle> {
    try {
      return await open(tmp, 'wx');
    } catch (err) {
      if (!isMissing(err)) throw err;
    }
    await this.#makeDirs(ref);
    return open(tmp, 'wx');
  }

  /** Creates the missing kind folder and data prefix folder, one level at a time; never the root. */
  async #makeDirs(ref: FileRef): Promise<void> {
    if (ref.kind === 'config') {
      await this.#assertPresent();
      throw new EngineError('DEST_OFFLINE', { location: this.location, reason: 'repository folder vanished' });
    }
    const kindDir = path.join(this.location, ref.kind);
    const prefixDir = ref.kind === 'data' ? path.join(kindDir, ref.name.slice(0, 2)) : undefined;
    if (prefixDir !== undefined) {
      try {
        await mkdir(prefixDir);
        return;
      } catch (err) {
        const code = errnoCode(err);
        if (code === 'EEXIST') return;
        if (code !== 'ENOENT') throw err;
      }
    }
    // The kind folder itself is missing: make sure this is still our repository before creating it.
    await this.#assertPresent();
    await mkdirOnce(kindDir, this.location);
    if (prefixDir !== undefined) await mkdirOnce(prefixDir, this.location);
  }

  async #syncDir(dir: string): Promise<void> {
    let handle: FileHandle | undefined;
    try {
      handle = await open(dir, 'r');
      await handle.sync();
    } catch (err) {
      const code = errnoCode(err);
      if (code === undefined || !DIR_SYNC_UNSUPPORTED.has(code)) throw mapFsError(err, this.location, 'fsync folder');
    } finally {
      // Best effort: a folder opened only to fsync it; the sync's outcome is decided above.
      await handle?.close().catch(() => undefined);
    }
  }

  async delete(ref: FileRef, signal?: AbortSignal): Promise<void> {
    validateRef(ref);
    throwIfAborted(signal);
    try {
      await unlink(this.#pathOf(ref));
    } catch (err) {
      if (!isMissing(err)) throw mapFsError(err, this.location, 'delete');
      await this.#assertPresent();
    }
    if (ref.kind === 'config') this.#markerSeen = false;
  }

  async capacity(signal?: AbortSignal): Promise<Capacity | null> {
    throwIfAborted(signal);
    try {
      const s = await statfs(this.location);
      return { totalBytes: s.blocks * s.bsize, freeBytes: s.bavail * s.bsize };
    } catch (err) {
      throw mapFsError(err, this.location, 'statfs');
    }
  }

  async close(): Promise<void> {
    // nothing to release
  }

  /** Removes temp files left by a crash (older than `olderThanMs`) from every folder. Returns how many were removed. */
  async cleanupTempFiles(olderThanMs: number, signal?: AbortSignal): Promise<number> {
    throwIfAborted(signal);
    const cutoff = Date.now() - olderThanMs;
    const dirs = [this.location];
    for (const kind of KIND_DIRS) {
      const kindDir = path.join(this.location, kind);
      dirs.push(kindDir);
      if (kind === 'data') {
        for (const e of await this.#readDir(kindDir)) if (e.isDirectory() && e.name.length === 2) dirs.push(path.join(kindDir, e.name));
      }
    }
    let removed = 0;
    for (const dir of dirs) {
      for (const e of await this.#readDir(dir)) {
        throwIfAborted(signal);
        if (!e.isFile() || !e.name.startsWith(TEMP_PREFIX)) continue;
        const full = path.join(dir, e.name);
        try {
          if ((await stat(full)).mtimeMs > cutoff) continue;
          await unlink(full);
          removed++;
        } catch (err) {
          if (!isMissing(err)) throw mapFsError(err, this.location, 'cleanup');
        }
      }
    }
    return removed;
  }
}

function isRenameBlocked(err: unknown): boolean {
  const code = errnoCode(err);
  return (code === 'EPERM' || code === 'EACCES' || code === 'EBUSY') && (err as { syscall?: unknown }).syscall === 'rename';
}

async function mkdirOnce(dir: string, location: string): Promise<void> {
  try {
    await mkdir(dir);
  } catch (err) {
    if (errnoCode(err) !== 'EEXIST') throw mapFsError(err, location, 'mkdir');
  }
}

function truncated(ref: FileRef, location: string, range: ByteRange, size: number): EngineError {
  return new EngineError('FILE_TRUNCATED', { file: filePath(ref), location, size, offset: range.offset, length: range.length });
}
