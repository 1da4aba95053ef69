/**
 * Restoring a files snapshot (docs/format.md §19.4): the whole source, a folder or one file, into a folder. A plan
 * comes first (what will be written, what already exists); a restore never writes over an existing file unless the
 * caller passed `overwrite` (the front ends ask for a typed confirmation first). Each chunk is verified against its
 * id as it is read; modes, mtimes, symbolic links and empty folders are restored; names this system cannot hold
 * (Windows, macOS: §15.3) are restored under a changed name listed in the report.
 */
import { constants } from 'node:fs';
import { chmod, lstat, lutimes, mkdir, open, rename, rm, symlink, utimes } from 'node:fs/promises';
import path from 'node:path';
import { decodeDirNode, type DirNode, type Repository, type SnapshotRecord, type TreeEntry } from '../repository/index.js';
import { planFolderNames, type NameChange, type RestorePlatform } from '../source/index.js';
import { EngineError, type ProgressListener, throwIfAborted } from '../shared/index.js';

export interface FilesRestoreOptions {
  /** Path inside the snapshot ("documentos/exames/a.jpg"); empty or absent: everything. */
  readonly path?: string;
  readonly signal?: AbortSignal;
  readonly onProgress?: ProgressListener;
  /** Write over files that exist (only after the user typed the confirmation). Default false. */
  readonly overwrite?: boolean;
  /** Name rules of the target system. Default: this machine's. */
  readonly platform?: RestorePlatform;
}

export interface FilesRestorePlan {
  /** The snapshot path restored ("" for everything). */
  readonly path: string;
  readonly target: string;
  readonly files: number;
  readonly dirs: number;
  readonly symlinks: number;
  readonly bytes: number;
  /** Whether the target folder exists already, and up to 50 paths (relative to it) that would be overwritten. */
  readonly targetExists: boolean;
  readonly existing: readonly string[];
  readonly existingCount: number;
  /** Names restored under another name (this system cannot hold them). */
  readonly renamed: readonly (NameChange & { readonly folder: string })[];
}

export interface FilesRestoreResult extends FilesRestorePlan {
  readonly written: number;
  readonly bytesWritten: number;
  /** Files marked "changed during backup" in the snapshot (their content may be inconsistent). */
  readonly changedDuringBackup: readonly string[];
}

/** Where a snapshot path points: the entry (null for the root) and the entries to restore under the target. */
interface Located {
  readonly entries: readonly TreeEntry[];
  readonly prefix: string;
}

export function thisPlatform(): RestorePlatform {
  return process.platform === 'win32' ? 'windows' : process.platform === 'darwin' ? 'macos' : 'linux';
}

async function node(repo: Repository, blob: string, signal?: AbortSignal): Promise<DirNode> {
  return decodeDirNode(await repo.store.readBlob(blob, signal));
}

function filesRoot(snap: SnapshotRecord): string {
  const m = snap.manifest;
  if (m.version !== 2 || m.tree.kind !== 'files') throw new EngineError('INVALID_ARGUMENT', { field: 'snapshot', reason: 'not a files snapshot' });
  return m.tree.root;
}

/** Finds a path in a files snapshot; an unknown path is RESTORE_PATH_NOT_FOUND. */
export async function locatePath(repo: Repository, snap: SnapshotRecord, snapPath: string | undefined, signal?: AbortSignal): Promise<Located & { readonly entry: TreeEntry | null }> {
  const parts = (snapPath ?? '').split('/').filter((p) => p !== '' && p !== '.');
  let entries = (await node(repo, filesRoot(snap), signal)).entries;
  let entry: TreeEntry | null = null;
  for (let i = 0; i < parts.length; i++) {
    const found = entries.find((e) => e.name === parts[i]);
    if (!found || (i < parts.length - 1 && found.type !== 'dir')) throw new EngineError('RESTORE_PATH_NOT_FOUND', { path: parts.join('/') });
    entry = found;
    if (found.type === 'dir' && i < parts.length - 1) entries = (await node(repo, found.subtree, signal)).entries;
  }
  if (entry === null) return { entry, entries, prefix: '' };
  return { entry, entries: [entry], prefix: parts.slice(0, -1).join('/') };
}

interface Item {
  readonly rel: string;
  readonly entry: TreeEntry;
}

/** Depth first, folders before their contents; names already mapped for this platform. */
async function* items(
  repo: Repository,
  entries: readonly TreeEntry[],
  base: string,
  platform: RestorePlatform,
  renamed: (NameChange & { folder: string })[],
  signal?: AbortSignal,
): AsyncGenerator<Item> {
  const changes = new Map(
    planFolderNames(
      entries.map((e) => e.name),
      platform,
    ).map((c) => [c.name, c]),
  );
  for (const e of entries) {
    throwIfAborted(signal);
    const change = changes.get(e.name);
    if (change) renamed.push({ ...change, folder: base });
    const rel = base ? `${base}/${change?.restoredAs ?? e.name}` : (change?.restoredAs ?? e.name);
    yield { rel, entry: e };
    if (e.type === 'dir') yield* items(repo, (await node(repo, e.subtree, signal)).entries, rel, platform, renamed, signal);
  }
}

async function exists(p: string): Promise<boolean> {
  try {
    await lstat(p);
    return true;
  } catch {
    return false;
  }
}

/** What a restore would do, without writing anything. */
export async function planFilesRestore(repo: Repository, snap: SnapshotRecord, target: string, options: FilesRestoreOptions = {}): Promise<FilesRestorePlan> {
  await repo.loadIndex(options.signal);
  const loc = await locatePath(repo, snap, options.path, options.signal);
  const renamed: (NameChange & { folder: string })[] = [];
  const targetExists = await exists(target);
  let files = 0;
  let dirs = 0;
  let symlinks = 0;
  let bytes = 0;
  const existing: string[] = [];
  let existingCount = 0;
  for await (const it of items(repo, loc.entries, '', options.platform ?? thisPlatform(), renamed, options.signal)) {
    if (it.entry.type === 'file') {
      files++;
      bytes += it.entry.size;
    } else if (it.entry.type === 'dir') dirs++;
    else symlinks++;
    if (targetExists && it.entry.type !== 'dir' && (await exists(path.join(target, it.rel)))) {
      existingCount++;
      if (existing.length < 50) existing.push(it.rel);
    }
  }
  return { path: options.path ?? '', target, files, dirs, symlinks, bytes, targetExists, existing, existingCount, renamed };
}

/**
 * Seconds as utimes takes them (a double). The conversion back to nanoseconds truncates, so half a microsecond is
 * added: the restored time is the stored one to the microsecond (never a hair earlier, which would change its ms).
 */
function nsToSeconds(ns: string): number {
  const n = BigInt(ns);
  return Number(n / 1_000_000_000n) + (Number(n % 1_000_000_000n) + 500) / 1e9;
}

/** Restores into `target` (created if missing). Existing files stop the restore unless `overwrite`. */
export async function restoreFiles(repo: Repository, snap: SnapshotRecord, target: string, options: FilesRestoreOptions = {}): Promise<FilesRestoreResult> {
  const { signal } = options;
  const plan = await planFilesRestore(repo, snap, target, options);
  if (plan.existingCount > 0 && !options.overwrite) throw new EngineError('RESTORE_FILE_EXISTS', { path: path.join(target, plan.existing[0] as string), count: plan.existingCount });
  await mkdir(target, { recursive: true });
  const loc = await locatePath(repo, snap, options.path, signal);
  const dirs: { abs: string; mode: number; mtimeNs: string }[] = [];
  const changed: string[] = [];
  let written = 0;
  let bytesWritten = 0;
  for await (const it of items(repo, loc.entries, '', options.platform ?? thisPlatform(), [], signal)) {
    throwIfAborted(signal);
    const abs = path.join(target, ...it.rel.split('/'));
    const e = it.entry;
    if (e.type === 'dir') {
      await mkdir(abs, { recursive: true });
      dirs.push({ abs, mode: e.mode, mtimeNs: e.mtimeNs });
      continue;
    }
    if (await exists(abs)) await rm(abs, { force: true, recursive: false });
    if (e.type === 'symlink') {
      await symlink(e.target, abs);
      await lutimes(abs, nsToSeconds(e.mtimeNs), nsToSeconds(e.mtimeNs)).catch(() => undefined);
      written++;
      continue;
    }
    // Written beside, then renamed: a restore stopped half-way never leaves a truncated file under the real name.
    const part = `${abs}.cbpart`;
    const fh = await open(part, constants.O_WRONLY | constants.O_CREAT | constants.O_TRUNC, 0o600);
    try {
      for (const id of e.content) {
        const chunk = await repo.store.readBlob(id, signal);
        await fh.write(chunk);
        bytesWritten += chunk.length;
      }
      await fh.sync();
    } catch (err) {
      await fh.close().catch(() => undefined);
      await rm(part, { force: true });
      throw err;
    }
    await fh.close();
    await chmod(part, e.mode);
    await utimes(part, nsToSeconds(e.mtimeNs), nsToSeconds(e.mtimeNs));
    await rename(part, abs);
    if (e.changedDuringBackup) changed.push(it.rel);
    written++;
    options.onProgress?.({ type: 'progress', op: 'restore', phase: 'write', done: written, total: plan.files + plan.symlinks, unit: 'files', bytes: bytesWritten });
  }
  // Folders last, deepest first: writing their contents changed their mtimes.
  for (let i = dirs.length - 1; i >= 0; i--) {
    const d = dirs[i] as { abs: string; mode: number; mtimeNs: string };
    await chmod(d.abs, d.mode);
    await utimes(d.abs, nsToSeconds(d.mtimeNs), nsToSeconds(d.mtimeNs));
  }
  return { ...plan, written, bytesWritten, changedDuringBackup: changed };
}
