/**
 * The files cache of format v2: the parent snapshot's tree. A file whose size, mtime, ctime and inode equal its
 * entry in the parent snapshot is not read again; its chunk list is reused.
 */
import type { FileEntry } from './types.js';

/** A file's entry in the parent snapshot (the format keeps times and numbers as decimal text). */
export interface ParentFileEntry {
  readonly type: string;
  readonly size: number;
  readonly mtimeNs: bigint | string;
  readonly ctimeNs?: bigint | string;
  readonly inode?: bigint | string;
}

export interface UnchangedOptions {
  /**
   * When the parent snapshot started reading files (ns since 1970). A file modified within `racyWindowNs` before
   * that may have changed again in the same clock tick after it was read, with an equal mtime (file systems with
   * coarse times: FAT, some network shares), so it is read again. Default: no such check.
   */
  readonly parentStartedNs?: bigint;
  /** Default 2 s (FAT's mtime resolution). */
  readonly racyWindowNs?: bigint;
}

function big(v: bigint | string | undefined): bigint | null {
  if (v === undefined) return null;
  if (typeof v === 'bigint') return v;
  return /^\d+$/.test(v) ? BigInt(v) : null;
}

/** True when `current` can reuse the parent's content without reading the file. */
export function isUnchanged(current: FileEntry, parent: ParentFileEntry | undefined, options: UnchangedOptions = {}): boolean {
  if (!parent || current.type !== 'file' || parent.type !== 'file') return false;
  const mtime = big(parent.mtimeNs);
  const ctime = big(parent.ctimeNs);
  const inode = big(parent.inode);
  if (mtime === null || ctime === null || inode === null) return false;
  if (current.size !== parent.size || current.mtimeNs !== mtime || current.ctimeNs !== ctime || current.inode !== inode) return false;
  if (options.parentStartedNs !== undefined && mtime >= options.parentStartedNs - (options.racyWindowNs ?? 2_000_000_000n)) return false;
  return true;
}
