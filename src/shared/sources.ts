/** Folder and database backups and restores as they cross the contract (src/shared/contract.ts re-exports them). */
import type { BackupResult } from './contract.js';
import type { DatabaseSourceSetting } from './settings.js';

/** A folder source backed up now: its folders, each with the same exclusions (globs on top of the defaults). */
export interface FolderBackupRequest {
  readonly paths: readonly string[];
  readonly exclude?: readonly string[];
  /** The source's name (settings); default: the folders' paths. Snapshots of one source share it. */
  readonly name?: string;
  readonly tags?: readonly string[];
  /** An empty folder is an error (FOLDER_SOURCE_EMPTY) unless this is set. */
  readonly allowEmpty?: boolean;
}

export interface FolderBackupResult extends BackupResult {
  /** Files read, and files the previous snapshot vouched for (not read again). */
  readonly files: { readonly read: number; readonly unchanged: number; readonly bytesRead: number };
}

/** Which files snapshot, and which path inside it ("" or absent: everything). */
export interface FilesScopeRequest {
  /** Snapshot id or prefix, or "latest" (the latest files snapshot, of `source` when given). */
  readonly snapshot?: string;
  /** The latest files snapshot at or before this date/time. */
  readonly asOf?: string;
  /** The source's name (location) to pick the latest or as-of snapshot from. */
  readonly source?: string;
  readonly path?: string;
}

export interface FileListEntry {
  /** Path inside the snapshot, "/" between names. */
  readonly path: string;
  readonly type: 'file' | 'dir' | 'symlink';
  readonly size: number;
  readonly mode: number;
  /** ISO time (ms). */
  readonly mtime: string;
  readonly target?: string;
  readonly changedDuringBackup?: boolean;
}

export interface FileListResult {
  readonly snapshotId: string;
  readonly snapshotTime: string;
  readonly entries: readonly FileListEntry[];
  /** More entries matched than `limit`. */
  readonly truncated: boolean;
}

export interface FilesRestoreRequest extends FilesScopeRequest {
  readonly target: string;
  /** Writing over existing files needs the user's typed confirmation first. */
  readonly overwrite?: boolean;
}

export interface FilesRestorePlanResult {
  readonly snapshotId: string;
  readonly snapshotTime: string;
  readonly path: string;
  readonly target: string;
  readonly files: number;
  readonly dirs: number;
  readonly symlinks: number;
  readonly bytes: number;
  readonly targetExists: boolean;
  readonly existing: readonly string[];
  readonly existingCount: number;
  /** Names this system cannot hold, restored under another name (docs/format.md §15.3), in words. */
  readonly renamed: readonly string[];
}

export interface FilesRestoreResultSummary extends FilesRestorePlanResult {
  readonly written: number;
  readonly bytesWritten: number;
  readonly changedDuringBackup: readonly string[];
  readonly durationMs: number;
}

export interface DatabaseBackupRequest {
  readonly source: DatabaseSourceSetting;
  /** The source's name (settings); default: kind, database and host. Snapshots of one source share it. */
  readonly name?: string;
  readonly tags?: readonly string[];
}

export interface DatabaseBackupResult extends BackupResult {
  /** The dump's file name in the snapshot (`clinica.pgdump`, `clinica.sql`, `clinica.fbk`, `clinica.db`) and its program. */
  readonly dump: { readonly fileName: string; readonly tool: string; readonly toolVersion: string; readonly label: string; readonly bytes: number };
}

/** Restores a database dump into a NEW database (PostgreSQL: on the source's server; SQLite: a new file). */
export interface DatabaseRestoreRequest extends FilesScopeRequest {
  /** PostgreSQL: the connection (the source's); SQLite: omitted. */
  readonly connection?: DatabaseSourceSetting;
  /** PostgreSQL: the new database's name; SQLite: the new file's path. Never an existing one. */
  readonly into: string;
}

export interface DatabaseRestoreResult {
  readonly snapshotId: string;
  readonly snapshotTime: string;
  readonly kind: 'postgres' | 'sqlite';
  readonly into: string;
  readonly bytes: number;
  readonly durationMs: number;
}
