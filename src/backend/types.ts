/**
 * The storage seam (ARCHITECTURE.md §2, §12.2): a repository is a set of named files of a few kinds.
 * Backends know nothing of encryption or packs; they store bytes under (kind, name) atomically.
 */

export const FILE_KINDS = ['config', 'keys', 'data', 'index', 'snapshots', 'locks', 'audit'] as const;
export type FileKind = (typeof FILE_KINDS)[number];

/** A file in a repository. For `config` the name is "config". Data files live at data/<first 2 chars of name>/<name>. */
export interface FileRef {
  readonly kind: FileKind;
  readonly name: string;
}

export interface FileInfo extends FileRef {
  readonly size: number;
}

export interface ByteRange {
  readonly offset: number;
  readonly length: number;
}

export interface WriteOptions {
  /** Object Lock retain-until for backends that support immutability (S3). Ignored elsewhere. */
  readonly retainUntil?: Date;
}

export interface Capacity {
  readonly totalBytes: number;
  readonly freeBytes: number;
}

export interface Backend {
  /** Where this backend points, for display and error messages. Never contains credentials. */
  readonly location: string;
  /** Lists the files of one kind. */
  list(kind: FileKind, signal?: AbortSignal): AsyncIterable<FileInfo>;
  /** Size of a file, or null when it does not exist. */
  stat(ref: FileRef, signal?: AbortSignal): Promise<FileInfo | null>;
  /** Reads a whole file or a byte range. Throws NOT_FOUND when missing, FILE_TRUNCATED when the range runs past the end. */
  read(ref: FileRef, range?: ByteRange, signal?: AbortSignal): Promise<Buffer>;
  /** Writes a whole file atomically: readers see the old file or the complete new one, never a part. */
  write(ref: FileRef, data: Buffer, options?: WriteOptions, signal?: AbortSignal): Promise<void>;
  /** Deletes a file. Deleting a missing file is not an error. */
  delete(ref: FileRef, signal?: AbortSignal): Promise<void>;
  /** Total and free space where known (local disks), else null. */
  capacity(signal?: AbortSignal): Promise<Capacity | null>;
  /** Releases connections. */
  close(): Promise<void>;
}

/** Relative path of a file inside a repository, the same on every backend. */
export function filePath(ref: FileRef): string {
  if (ref.kind === 'config') return 'config';
  if (ref.kind === 'data') return `data/${ref.name.slice(0, 2)}/${ref.name}`;
  return `${ref.kind}/${ref.name}`;
}

const NAME_RE = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;

/** Rejects names that could escape the repository folder or collide with temp files. */
export function assertValidRef(ref: FileRef): void {
  if (!(FILE_KINDS as readonly string[]).includes(ref.kind)) throw new TypeError(`unknown file kind ${String(ref.kind)}`);
  if (ref.kind === 'config' ? ref.name !== 'config' : !NAME_RE.test(ref.name)) throw new TypeError(`invalid file name ${ref.name}`);
  if (ref.kind === 'data' && ref.name.length < 3) throw new TypeError(`data file name too short: ${ref.name}`);
}
