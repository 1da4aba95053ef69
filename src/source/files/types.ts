/** What the folder source yields: entries with their metadata, walk events and problems (as values, never thrown). */
import type { ErrorCode, ErrorDetails } from '../../shared/index.js';

export type EntryType = 'file' | 'dir' | 'symlink';

/**
 * One file, folder or symbolic link of a source folder, as the file system described it (lstat: links are not
 * followed). Times and identity are exact (nanoseconds, 64-bit inode and device numbers as bigint); the format
 * stores them as decimal text.
 */
export interface FileEntry {
  /** Name of the source folder this entry belongs to (its entry in the snapshot's root node). */
  readonly root: string;
  /** Path components below the source folder; [] for the source folder itself. */
  readonly components: readonly string[];
  /** The last component (for the source folder itself: `root`). Exactly as the file system gave it, never normalised. */
  readonly name: string;
  /** Absolute path on this machine, for reading. */
  readonly absPath: string;
  readonly type: EntryType;
  /** Bytes (files only; 0 for folders and links). */
  readonly size: number;
  /** Permission bits: st_mode & 0o7777. */
  readonly mode: number;
  readonly mtimeNs: bigint;
  readonly ctimeNs: bigint;
  readonly inode: bigint;
  readonly dev: bigint;
  /** Symbolic links: the link text, not followed. */
  readonly linkTarget?: string;
}

/** The codes a walk or a read reports without stopping. */
export const FILE_PROBLEM_CODES = [
  'FILE_VANISHED',
  'FILE_PERMISSION_DENIED',
  'FILE_UNREADABLE',
  'FILE_SPECIAL_SKIPPED',
  'FILE_NAME_UNREADABLE',
  'FILE_CHANGED_DURING_BACKUP',
  'FOLDER_SOURCE_MISSING',
  'FOLDER_SOURCE_NOT_FOLDER',
  'FOLDER_SOURCE_EMPTY',
] as const satisfies readonly ErrorCode[];
export type FileProblemCode = (typeof FILE_PROBLEM_CODES)[number];

/**
 * Something the run reports but that does not stop it. `scope: 'root'` means the whole source folder could not be
 * backed up (missing, not a folder, unreadable) or looks wrong (empty: an unmounted share?): the run must not call
 * itself a success. `scope: 'entry'` is one file or folder; the rest is backed up.
 */
export interface SourceProblem {
  readonly code: FileProblemCode;
  readonly scope: 'root' | 'entry';
  readonly root: string;
  readonly components: readonly string[];
  /** The absolute path, for the user. */
  readonly path: string;
  /** Message parameters (always `path`; `errno`, `kind`, `reason` where known). Never secrets. */
  readonly details: ErrorDetails;
}

/**
 * Depth-first walk events. A folder's children come between its `dir-start` and `dir-end`, sorted by name (UTF-8
 * byte order, the order of the format's directory nodes), so a tree builder keeps one frame per open folder: on
 * `dir-end` the folder's node is complete and its subtree id can go into the parent's entry list.
 */
export type WalkEvent =
  | { readonly type: 'dir-start'; readonly entry: FileEntry }
  | { readonly type: 'entry'; readonly entry: FileEntry }
  | { readonly type: 'dir-end'; readonly entry: FileEntry }
  | { readonly type: 'problem'; readonly problem: SourceProblem };
