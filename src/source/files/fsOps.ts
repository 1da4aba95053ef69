/**
 * The file-system calls the folder source makes, behind a small interface so tests can inject faults (a permission
 * denied, a file that vanishes) where the real file system cannot produce them on demand: tests run as root, and
 * root reads everything.
 */
import { constants, type BigIntStats } from 'node:fs';
import { lstat, open, readdir, readlink, stat, type FileHandle } from 'node:fs/promises';

export interface FsOps {
  /** Raw names (bytes) of a folder's entries, in no particular order. */
  readdir(path: string): Promise<Buffer[]>;
  lstat(path: string): Promise<BigIntStats>;
  stat(path: string): Promise<BigIntStats>;
  readlink(path: string): Promise<Buffer>;
  /** Opens a file for reading. */
  open(path: string, flags: number): Promise<FileHandle>;
}

export const nodeFs: FsOps = {
  readdir: (p) => readdir(p, { encoding: 'buffer' }),
  lstat: (p) => lstat(p, { bigint: true }),
  stat: (p) => stat(p, { bigint: true }),
  readlink: (p) => readlink(p, { encoding: 'buffer' }),
  open: (p, flags) => open(p, flags),
};

/**
 * Flags for reading a source file: never follow a link swapped in after listing, never block on a FIFO swapped in,
 * and (Linux) do not update the access time, which would change nothing for the user but dirty the inode.
 */
export const READ_FLAGS = constants.O_RDONLY | (constants.O_NOFOLLOW ?? 0) | (constants.O_NONBLOCK ?? 0);
/** Linux only, and only for the file's owner (or root): callers retry without it on EPERM. */
export const NOATIME_FLAG: number = (constants as { O_NOATIME?: number }).O_NOATIME ?? 0;

/** The errno code of a Node system error ("ENOENT"), or undefined. */
export function errnoOf(err: unknown): string | undefined {
  if (typeof err === 'object' && err !== null && 'code' in err) {
    const code = (err as { code: unknown }).code;
    if (typeof code === 'string') return code;
  }
  return undefined;
}
