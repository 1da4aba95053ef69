/**
 * Folder backups into a version 2 file tree (docs/format.md §15): the folders of one source are walked in the
 * format's order, each file is cut into content-defined chunks (deduplicated through the index) unless the parent
 * snapshot's tree says it is unchanged (the files cache: its chunk list is reused without reading the file), each
 * folder becomes a directory node, and the snapshot (source.kind "files") is the commit point.
 * Problems (a vanished or denied file, a file that changed while read) are reported and the rest is backed up;
 * a source folder that is missing or empty is an error unless allowed, never a silent success.
 */
import os from 'node:os';
import {
  decodeDirNode,
  type DirEntry,
  type FileEntry as TreeFileEntry,
  type ChunkSealer,
  FilesTreeWriter,
  FormatError,
  MAX_RECORDED_PROBLEMS,
  type Repository,
  type SnapshotManifestV2,
  type SnapshotProblem,
  type SnapshotRecord,
  type SuspiciousShrink,
  type TreeEntry,
} from '../repository/index.js';
import { isUnchanged, readFileStable, walkFolders, type FileEntry, type FolderSpec, type FsOps, type SourceProblem } from '../source/index.js';
import { EngineError, type ProgressListener, throwIfAborted } from '../shared/index.js';
import { TOOL_VERSION } from './archiver.js';
import { withChunkSealer } from './chunkSealer.js';
import type { WorkerPool } from '../pool/index.js';

export interface FolderBackupOptions {
  /** The folders of this source, each with its exclusions. */
  readonly folders: readonly FolderSpec[];
  /** The source's label (its name in the settings, or the folders' paths). */
  readonly location: string;
  /** The previous snapshot of the same source: its tree is the files cache. */
  readonly parent: SnapshotRecord | null;
  readonly tags?: readonly string[];
  readonly allowEmpty?: boolean;
  /** Shrink guard on the number of files (percent; 0 turns it off). */
  readonly shrinkGuardPercent?: number;
  readonly signal?: AbortSignal;
  readonly onProgress?: ProgressListener;
  /** Where chunks are hashed, compressed and encrypted: a worker pool, null for this thread, default chosen by chunkSealerFor. */
  readonly pool?: WorkerPool | null;
  /** File-system calls (tests inject faults and count reads). */
  readonly fs?: FsOps;
}

export interface FolderBackupStats {
  /** Files whose content was read (the files cache could not vouch for them). */
  filesRead: number;
  /** Files whose chunk list came from the parent snapshot without reading them. */
  filesUnchanged: number;
  bytesRead: number;
  newChunks: number;
}

export interface FolderBackupResult {
  readonly snapshotId: string;
  readonly manifest: SnapshotManifestV2;
  readonly stats: FolderBackupStats;
  /** Every problem met (the manifest keeps at most MAX_RECORDED_PROBLEMS). */
  readonly problems: readonly SourceProblem[];
}

interface Frame {
  readonly entry: FileEntry;
  readonly entries: TreeEntry[];
  /** The same folder in the parent snapshot, by name (null: new folder or no parent). */
  readonly cache: Map<string, TreeEntry> | null;
}

function toProblem(p: SourceProblem): SnapshotProblem {
  return { code: p.code, file: p.path, ...(typeof p.details['reason'] === 'string' ? { reason: p.details['reason'] } : typeof p.details['errno'] === 'string' ? { reason: p.details['errno'] } : {}) };
}

function meta(e: FileEntry): { name: string; mode: number; mtimeNs: string; ctimeNs: string; inode: string; dev: string } {
  return { name: e.components.length === 0 ? e.root : e.name, mode: e.mode, mtimeNs: String(e.mtimeNs), ctimeNs: String(e.ctimeNs), inode: String(e.inode), dev: String(e.dev) };
}

function safeUser(): string {
  try {
    return os.userInfo().username;
  } catch {
    return 'unknown';
  }
}

function shrink(previous: SnapshotRecord | null, files: number, threshold: number): SuspiciousShrink | null {
  if (!previous || threshold <= 0) return null;
  const before = previous.manifest.counts['files'] ?? 0;
  if (before < 10 || files >= before) return null;
  const drop = Math.round(((before - files) / before) * 1000) / 10;
  return drop > threshold ? { previous: previous.id, previousResources: before, resources: files, dropPercent: drop, thresholdPercent: threshold } : null;
}

/**
 * Backs up one folder source into a new snapshot. The caller holds the repository lock. Hashing, compression and
 * encryption of the chunks run where options.pool says (see FolderBackupOptions.pool).
 */
export function backupFolders(repo: Repository, options: FolderBackupOptions): Promise<FolderBackupResult> {
  return withChunkSealer(repo, options.pool, (sealer) => runFolderBackup(repo, options, sealer));
}

async function runFolderBackup(repo: Repository, options: FolderBackupOptions, sealer: ChunkSealer | null): Promise<FolderBackupResult> {
  const { signal, onProgress } = options;
  if (repo.version !== 2) throw new EngineError('REPO_NEEDS_MIGRATION', { location: repo.backend.location });
  if (options.folders.length === 0) throw new EngineError('INVALID_ARGUMENT', { field: 'folders', reason: 'no folder given' });
  await repo.loadIndex(signal);
  const startedNs = BigInt(Date.now()) * 1_000_000n;
  const writer = repo.writer2();
  const files = new FilesTreeWriter(repo, writer, sealer);
  const read = (id: string): Promise<Buffer> => repo.store.readBlob(id, signal);
  const parentTree = options.parent?.manifest.version === 2 && options.parent.manifest.tree.kind === 'files' ? options.parent.manifest.tree : null;
  const parentStartedNs = options.parent ? BigInt(Date.parse(options.parent.manifest.time)) * 1_000_000n : undefined;
  const loadNode = async (blob: string): Promise<Map<string, TreeEntry> | null> => {
    try {
      return new Map(decodeDirNode(await read(blob)).entries.map((e) => [e.name, e]));
    } catch (err) {
      // A damaged parent tree only costs reading the files again; check reports the damage.
      if (err instanceof EngineError || err instanceof FormatError) return null;
      throw err;
    }
  };
  const rootCache = parentTree ? await loadNode(parentTree.root) : null;
  const stats: FolderBackupStats = { filesRead: 0, filesUnchanged: 0, bytesRead: 0, newChunks: 0 };
  const problems: SourceProblem[] = [];
  const rootEntries: TreeEntry[] = [];
  const counts = { dirs: 0, files: 0, symlinks: 0 };
  let bytes = 0;
  let changedFiles = 0;
  const stack: Frame[] = [];
  const report = (): void => onProgress?.({ type: 'progress', op: 'backup', phase: 'read', done: counts.files, unit: 'files', bytes: stats.bytesRead });
  const chunksKnown = (content: readonly string[]): boolean => content.every((id) => repo.store.index.has(Buffer.from(id, 'hex')));

  for await (const ev of walkFolders(options.folders, { ...(options.fs ? { fs: options.fs } : {}), ...(signal ? { signal } : {}) })) {
    throwIfAborted(signal);
    if (ev.type === 'problem') {
      problems.push(ev.problem);
      continue;
    }
    const top = stack[stack.length - 1];
    if (ev.type === 'dir-start') {
      const outer = top ? top.cache : rootCache;
      const before = outer?.get(ev.entry.components.length === 0 ? ev.entry.root : ev.entry.name);
      stack.push({ entry: ev.entry, entries: [], cache: before?.type === 'dir' ? await loadNode(before.subtree) : null });
      continue;
    }
    if (ev.type === 'dir-end') {
      const frame = stack.pop() as Frame;
      const subtree = await files.addDirectory(frame.entries);
      const dir: DirEntry = { ...meta(frame.entry), type: 'dir', subtree };
      (stack.length > 0 ? (stack[stack.length - 1] as Frame).entries : rootEntries).push(dir);
      counts.dirs++;
      continue;
    }
    const e = ev.entry;
    const into = top ? top.entries : rootEntries;
    if (e.type === 'symlink') {
      into.push({ ...meta(e), type: 'symlink', target: e.linkTarget ?? '' });
      counts.symlinks++;
      continue;
    }
    if (e.type !== 'file') continue;
    const cached = top?.cache?.get(e.name);
    if (cached && cached.type === 'file' && isUnchanged(e, cached, parentStartedNs !== undefined ? { parentStartedNs } : {}) && chunksKnown(cached.content)) {
      into.push({ ...meta(e), type: 'file', size: cached.size, content: cached.content });
      stats.filesUnchanged++;
      counts.files++;
      bytes += cached.size;
      if (counts.files % 200 === 0) report();
      continue;
    }
    const r = await readFileStable(e, (stream) => files.addContent(stream, signal), { ...(options.fs ? { fs: options.fs } : {}), ...(signal ? { signal } : {}) });
    stats.filesRead++;
    if (!r.ok) {
      problems.push(r.problem);
      continue;
    }
    if (r.problem) problems.push(r.problem);
    stats.bytesRead += r.bytes;
    stats.newChunks += r.value.newChunks;
    const entry: TreeFileEntry = { ...meta(r.entry), type: 'file', size: r.value.size, content: r.value.content, ...(r.changedDuringBackup ? { changedDuringBackup: true } : {}) };
    if (r.changedDuringBackup) changedFiles++;
    into.push(entry);
    counts.files++;
    bytes += r.value.size;
    report();
  }
  report();

  const rootProblems = problems.filter((p) => p.scope === 'root');
  const failedRoots = rootProblems.filter((p) => p.code !== 'FOLDER_SOURCE_EMPTY');
  if (failedRoots.length === options.folders.length) {
    const p = failedRoots[0] as SourceProblem;
    throw new EngineError(p.code, { path: p.path, ...p.details });
  }
  if (!options.allowEmpty) {
    const empty = rootProblems.find((p) => p.code === 'FOLDER_SOURCE_EMPTY');
    if (empty) throw new EngineError('FOLDER_SOURCE_EMPTY', { path: empty.path });
    if (counts.files + counts.symlinks === 0) throw new EngineError('EMPTY_SOURCE', { source: options.location, problems: problems.length });
  }
  const reported = problems.filter((p) => p.code !== 'FOLDER_SOURCE_EMPTY');
  const root = await files.addDirectory(rootEntries);
  throwIfAborted(signal);
  await writer.flush();
  throwIfAborted(signal);
  const previous = options.parent && options.parent.manifest.source.kind === 'files' && options.parent.manifest.source.location === options.location ? options.parent : null;
  const suspicious = shrink(previous, counts.files, options.shrinkGuardPercent ?? 30);
  const manifest: SnapshotManifestV2 = {
    version: 2,
    time: new Date(Number(startedNs / 1_000_000n)).toISOString(),
    hostname: os.hostname(),
    username: safeUser(),
    toolVersion: TOOL_VERSION,
    parent: options.parent?.id ?? null,
    source: { kind: 'files', location: options.location, strategy: 'files', paths: options.folders.map((f) => f.path) },
    serverTransactionTime: null,
    mode: 'full',
    counts,
    totals: {
      resources: 0,
      bytes,
      added: stats.filesRead - changedFiles,
      changed: changedFiles,
      deleted: 0,
      unchanged: stats.filesUnchanged,
      newBlobs: writer.stats.newBlobs,
      newBlobBytes: writer.stats.newBlobBytes,
      storedBytesAdded: writer.stats.storedBytes,
    },
    tree: { kind: 'files', root },
    dictionaries: {},
    attachments: null,
    partial: reported.length > 0,
    problems: reported.slice(0, MAX_RECORDED_PROBLEMS).map(toProblem),
    problemCount: reported.length,
    tags: [...(options.tags ?? [])],
    ...(suspicious ? { suspicious } : {}),
  };
  const snapshotId = await repo.saveSnapshot(manifest);
  return { snapshotId, manifest, stats, problems: reported };
}

/** The latest files snapshot of this source (the files cache), or null. */
export function folderParent(snaps: readonly SnapshotRecord[], location: string): SnapshotRecord | null {
  for (let i = snaps.length - 1; i >= 0; i--) {
    const s = snaps[i] as SnapshotRecord;
    if (s.manifest.version === 2 && s.manifest.tree.kind === 'files' && s.manifest.source.kind === 'files' && s.manifest.source.location === location) return s;
  }
  return null;
}
