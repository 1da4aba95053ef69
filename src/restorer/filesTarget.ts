/**
 * Restoring a files snapshot (docs/format.md §19.4): the whole source, a folder or one file, into a folder. A plan
 * comes first (what will be written, what already exists); a restore never writes over an existing file unless the
 * caller passed `overwrite` (the front ends ask for a typed confirmation first). Each chunk is verified against its
 * id as it is read; modes, mtimes, symbolic links and empty folders are restored; names this system cannot hold
 * (Windows, macOS: §15.3) are restored under a changed name listed in the report. A target folder that ignores case
 * on a system whose disks usually do not (Linux writing to an exFAT USB drive or an SMB share) is detected, and names
 * that differ only in case are renamed and reported there too. While writing, a file or folder that this restore
 * already wrote is never written over: should two names still meet, the restore stops with RESTORE_NAME_CONFLICT.
 */
import { randomBytes } from 'node:crypto';
import { constants } from 'node:fs';
import { chmod, lstat, lutimes, mkdir, open, readdir, rename, rm, symlink, utimes } from 'node:fs/promises';
import path from 'node:path';
import { backgroundPoolSize, poolOpener } from '../pool/index.js';
import { type BlobOpener, decodeDirNode, type DirNode, inThreadOpener, packLabel, type Repository, type SnapshotRecord, type TreeEntry } from '../repository/index.js';
import { foldCase, planFolderNames, type NameChange, type RestorePlatform, type TargetNameRules } from '../source/index.js';
import { EngineError, type ProgressListener, throwIfAborted } from '../shared/index.js';

export interface FilesRestoreOptions {
  /** Path inside the snapshot ("documentos/exames/a.jpg"); empty or absent: everything. */
  readonly path?: string;
  readonly signal?: AbortSignal;
  readonly onProgress?: ProgressListener;
  /** Write over files that exist (only after the user typed the confirmation). Default false. */
  readonly overwrite?: boolean;
  /** Name rules of the target system. Default: this machine's, plus what the target folder shows (case). */
  readonly platform?: RestorePlatform;
  /** Where chunks are decrypted, decompressed and verified. Default: the worker pool for more than a few MB. */
  readonly opener?: BlobOpener;
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
  /** The target folder ignores case (found by looking at it; always so on Windows and macOS). */
  readonly caseInsensitive: boolean;
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
  rules: TargetNameRules,
  renamed: (NameChange & { folder: string })[],
  signal?: AbortSignal,
): AsyncGenerator<Item> {
  const changes = new Map(
    planFolderNames(
      entries.map((e) => e.name),
      platform,
      rules,
    ).map((c) => [c.name, c]),
  );
  for (const e of entries) {
    throwIfAborted(signal);
    const change = changes.get(e.name);
    if (change) renamed.push({ ...change, folder: base });
    const rel = base ? `${base}/${change?.restoredAs ?? e.name}` : (change?.restoredAs ?? e.name);
    yield { rel, entry: e };
    if (e.type === 'dir') yield* items(repo, (await node(repo, e.subtree, signal)).entries, rel, platform, rules, renamed, signal);
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

/** Swaps the case of every letter ("Foto.JPG" → "fOTO.jpg"); null when that changes nothing (no cased letter). */
function swapCase(name: string): string | null {
  let out = '';
  for (const ch of name) {
    const up = ch.toUpperCase();
    out += up !== ch && [...up].length === 1 ? up : ch.toLowerCase();
  }
  return out === name ? null : out;
}

/** The nearest folder that exists on the way to `target` (the target itself when it exists). */
async function nearestExisting(target: string): Promise<string> {
  let dir = path.resolve(target);
  for (;;) {
    const st = await lstat(dir).catch(() => null);
    if (st?.isDirectory()) return dir;
    const up = path.dirname(dir);
    if (up === dir) return dir;
    dir = up;
  }
}

/**
 * Whether the folder `target` is (or would be) created in ignores case: an entry there found again under its name
 * with the case of every letter swapped is the same file. With no such entry, a probe file with a random name is
 * created and removed (nothing else is written). Unknown (no permission to look) counts as case-sensitive; the
 * write-time check below still never lets one file replace another.
 */
export async function targetIgnoresCase(target: string): Promise<boolean> {
  const dir = await nearestExisting(target);
  const names = await readdir(dir).catch(() => [] as string[]);
  const present = new Set(names);
  for (const name of names) {
    const swapped = swapCase(name);
    if (swapped === null || present.has(swapped)) continue;
    const [a, b] = await Promise.all([lstat(path.join(dir, name)).catch(() => null), lstat(path.join(dir, swapped)).catch(() => null)]);
    if (a) return b !== null && a.ino === b.ino && a.dev === b.dev;
  }
  const probe = path.join(dir, `.cb-case-probe-${randomBytes(6).toString('hex')}`);
  try {
    await (await open(probe, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL, 0o600)).close();
  } catch {
    return false;
  }
  try {
    return (await lstat(path.join(dir, swapCase(path.basename(probe)) as string)).catch(() => null)) !== null;
  } finally {
    await rm(probe, { force: true });
  }
}

async function nameRules(target: string, options: FilesRestoreOptions): Promise<{ platform: RestorePlatform; rules: TargetNameRules; caseInsensitive: boolean }> {
  const platform = options.platform ?? thisPlatform();
  if (platform !== 'linux') return { platform, rules: {}, caseInsensitive: true };
  // An explicit platform is the caller's word about the target; only this machine's default is checked.
  const caseInsensitive = options.platform === undefined && (await targetIgnoresCase(target));
  return { platform, rules: { caseInsensitive }, caseInsensitive };
}

/** What a restore would do, without writing anything. */
export async function planFilesRestore(repo: Repository, snap: SnapshotRecord, target: string, options: FilesRestoreOptions = {}): Promise<FilesRestorePlan> {
  await repo.loadIndex(options.signal);
  const loc = await locatePath(repo, snap, options.path, options.signal);
  const renamed: (NameChange & { folder: string })[] = [];
  const targetExists = await exists(target);
  const { platform, rules, caseInsensitive } = await nameRules(target, options);
  let files = 0;
  let dirs = 0;
  let symlinks = 0;
  let bytes = 0;
  const existing: string[] = [];
  let existingCount = 0;
  for await (const it of items(repo, loc.entries, '', platform, rules, renamed, options.signal)) {
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
  return { path: options.path ?? '', target, files, dirs, symlinks, bytes, targetExists, existing, existingCount, renamed, caseInsensitive };
}

/**
 * Seconds as utimes takes them (a double). The conversion back to nanoseconds truncates, so half a microsecond is
 * added: the restored time is the stored one to the microsecond (never a hair earlier, which would change its ms).
 */
function nsToSeconds(ns: string): number {
  const n = BigInt(ns);
  return Number(n / 1_000_000_000n) + (Number(n % 1_000_000_000n) + 500) / 1e9;
}

/**
 * The name under which something already answers to `abs` in its folder: its own name, or another spelling the
 * target folds onto it (case, Unicode normalisation); null when nothing is there. Inode numbers cannot tell this
 * (FUSE and network file systems give one file a number per name), so the folder's listing does.
 */
async function presentAs(abs: string): Promise<string | null> {
  if ((await lstat(abs).catch(() => null)) === null) return null;
  const base = path.basename(abs);
  const names = await readdir(path.dirname(abs)).catch(() => [base]);
  if (names.includes(base)) return base;
  const key = foldCase(base.normalize('NFD'));
  return names.find((n) => foldCase(n.normalize('NFD')) === key) ?? base;
}

/** Chunks read ahead of the one being written: reads and the pool's work overlap the writes. */
const READ_AHEAD = 6;

/**
 * A file's content chunk by chunk, in order, each verified against its id by `opener`; up to READ_AHEAD chunks are
 * read and opened ahead (ranged reads of the packs, decryption in the workers) while the caller writes.
 */
async function* fileChunks(repo: Repository, content: readonly string[], opener: BlobOpener, signal?: AbortSignal): AsyncGenerator<Buffer> {
  const store = repo.store;
  const read = async (hex: string): Promise<Buffer> => {
    const id = Buffer.from(hex, 'hex');
    const e = store.index.find(id);
    if (e < 0) throw new EngineError('BLOB_MISSING', { blob: hex, snapshots: [] });
    const loc = store.index.at(e);
    const [r] = await opener.open([{ id, stored: await store.readStored(e, signal), raw: loc.raw }], signal);
    if (!r?.ok || !r.content) throw new EngineError('PACK_CORRUPT', { file: packLabel(loc.pack), blob: hex });
    return r.content;
  };
  const ahead: Promise<Buffer>[] = [];
  let next = 0;
  const fill = (): void => {
    while (ahead.length < READ_AHEAD && next < content.length) {
      const p = read(content[next++] as string);
      p.catch(() => undefined); // awaited in order below
      ahead.push(p);
    }
  };
  try {
    fill();
    while (ahead.length > 0) {
      const chunk = await (ahead.shift() as Promise<Buffer>);
      fill();
      yield chunk;
    }
  } finally {
    await Promise.allSettled(ahead);
  }
}

/**
 * Above this many bytes a restore opens chunks in the worker pool (below, starting workers costs more), and only on
 * 3+ cores, as the backup seals chunks (chunkSealerFor): on 2 cores the pool's two workers made a 319 MB restore
 * slower, with more CPU and ~100 MB more peak RSS than this thread (docs/benchmarks.md, "where the time and memory go").
 */
const POOL_RESTORE_BYTES = 8 * 1024 * 1024;

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
  const platform = options.platform ?? thisPlatform();
  const rules: TargetNameRules = { caseInsensitive: plan.caseInsensitive };
  // What this restore wrote (relative paths as written): never written over by a later name of the same restore.
  const ours = new Set<string>();
  const pooled = options.opener ? null : plan.bytes > POOL_RESTORE_BYTES && backgroundPoolSize() >= 2 ? poolOpener(repo) : null;
  const opener = options.opener ?? pooled ?? inThreadOpener(repo);
  try {
    for await (const it of items(repo, loc.entries, '', platform, rules, [], signal)) {
      throwIfAborted(signal);
      const abs = path.join(target, ...it.rel.split('/'));
      const e = it.entry;
      const present = await presentAs(abs);
      if (present !== null) {
        const relDir = it.rel.includes('/') ? it.rel.slice(0, it.rel.lastIndexOf('/')) : '';
        const other = relDir ? `${relDir}/${present}` : present;
        if (ours.has(other)) throw new EngineError('RESTORE_NAME_CONFLICT', { path: it.rel, other });
      }
      if (e.type === 'dir') {
        await mkdir(abs, { recursive: true });
        if (present === null) ours.add(it.rel);
        dirs.push({ abs, mode: e.mode, mtimeNs: e.mtimeNs });
        continue;
      }
      if (present !== null) {
        // The plan found nothing here: something appeared since, or the target joined two names the plan kept apart.
        if (!options.overwrite) throw new EngineError('RESTORE_FILE_EXISTS', { path: abs, count: 1 });
        await rm(abs, { force: true, recursive: false });
      }
      if (e.type === 'symlink') {
        await symlink(e.target, abs);
        await lutimes(abs, nsToSeconds(e.mtimeNs), nsToSeconds(e.mtimeNs)).catch(() => undefined);
        ours.add(it.rel);
        written++;
        continue;
      }
      // Written beside, then renamed: a restore stopped half-way never leaves a truncated file under the real name.
      const part = `${abs}.cbpart`;
      const fh = await open(part, constants.O_WRONLY | constants.O_CREAT | constants.O_TRUNC, 0o600);
      try {
        for await (const chunk of fileChunks(repo, e.content, opener, signal)) {
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
      ours.add(it.rel);
      if (e.changedDuringBackup) changed.push(it.rel);
      written++;
      options.onProgress?.({ type: 'progress', op: 'restore', phase: 'write', done: written, total: plan.files + plan.symlinks, unit: 'files', bytes: bytesWritten });
    }
  } finally {
    pooled?.close();
  }
  // Folders last, deepest first: writing their contents changed their mtimes.
  for (let i = dirs.length - 1; i >= 0; i--) {
    const d = dirs[i] as { abs: string; mode: number; mtimeNs: string };
    await chmod(d.abs, d.mode);
    await utimes(d.abs, nsToSeconds(d.mtimeNs), nsToSeconds(d.mtimeNs));
  }
  return { ...plan, written, bytesWritten, changedDuringBackup: changed };
}
