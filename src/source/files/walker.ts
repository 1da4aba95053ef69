/**
 * Walks source folders depth-first and yields their entries in the format's order (names by UTF-8 bytes), with the
 * metadata the snapshot keeps and the files cache compares. Links are recorded, never followed (a configured source
 * folder that is itself a link is followed: the user chose it). Empty folders are entries like any other.
 * Problems (a vanished file, a denied folder, a FIFO, an undecodable name) are yielded as values and the walk goes on.
 */
import path from 'node:path';
import type { BigIntStats } from 'node:fs';
import { throwIfAborted } from '../../shared/index.js';
import { Excluder } from './exclude.js';
import { errnoOf, nodeFs, type FsOps } from './fsOps.js';
import { decodeName, sourceFolderNames, type PathStyle } from './paths.js';
import type { EntryType, FileEntry, FileProblemCode, SourceProblem, WalkEvent } from './types.js';

/** One configured folder. */
export interface FolderSpec {
  readonly path: string;
  /** Exclusion globs (exclude.ts) on top of the defaults. */
  readonly exclude?: readonly string[];
  /** Leave out DEFAULT_EXCLUDES. Default false. */
  readonly noDefaultExcludes?: boolean;
}

export interface WalkOptions {
  readonly fs?: FsOps;
  readonly signal?: AbortSignal;
  /** lstat calls in flight per folder (network shares answer faster in parallel). Default 16. */
  readonly statConcurrency?: number;
  /** Path rules of this machine. Default: process.platform. */
  readonly style?: PathStyle;
}

/** A source folder ready to walk: its name in the snapshot, its path and its exclusions. */
export interface FolderRoot {
  readonly name: string;
  readonly path: string;
  readonly excluder: Excluder;
}

interface Listing {
  readonly children: FileEntry[];
  readonly problems: SourceProblem[];
  /** The folder itself could not be read (denied, I/O error): it is recorded empty, with a problem. */
  readonly unreadable: boolean;
  /** The folder disappeared before it could be read: leave it out. */
  readonly vanished: boolean;
}

function defaultStyle(): PathStyle {
  return process.platform === 'win32' ? 'win32' : 'posix';
}

function entryType(st: BigIntStats): EntryType | null {
  if (st.isFile()) return 'file';
  if (st.isDirectory()) return 'dir';
  if (st.isSymbolicLink()) return 'symlink';
  return null;
}

function specialKind(st: BigIntStats): string {
  if (st.isFIFO()) return 'fifo';
  if (st.isSocket()) return 'socket';
  if (st.isCharacterDevice()) return 'character-device';
  if (st.isBlockDevice()) return 'block-device';
  return 'unknown';
}

/** Maps an errno to the problem it means for a source entry. */
export function problemCodeForErrno(errno: string | undefined): FileProblemCode {
  switch (errno) {
    case 'ENOENT':
    case 'ENOTDIR':
      return 'FILE_VANISHED';
    case 'EACCES':
    case 'EPERM':
      return 'FILE_PERMISSION_DENIED';
    default:
      return 'FILE_UNREADABLE';
  }
}

export function makeProblem(
  code: FileProblemCode,
  root: string,
  components: readonly string[],
  absPath: string,
  extra: Readonly<Record<string, string | number>> = {},
  scope: 'root' | 'entry' = 'entry',
): SourceProblem {
  return { code, scope, root, components, path: absPath, details: { path: absPath, ...extra } };
}

export function errnoProblem(err: unknown, root: string, components: readonly string[], absPath: string, scope: 'root' | 'entry' = 'entry'): SourceProblem {
  const errno = errnoOf(err);
  const reason = errno ?? (err instanceof Error ? err.message : String(err));
  return makeProblem(problemCodeForErrno(errno), root, components, absPath, { errno: errno ?? 'unknown', reason }, scope);
}

export function toEntry(root: string, components: readonly string[], absPath: string, type: EntryType, st: BigIntStats, linkTarget?: string): FileEntry {
  return {
    root,
    components,
    name: components.length > 0 ? components[components.length - 1]! : root,
    absPath,
    type,
    size: type === 'file' ? Number(st.size) : 0,
    mode: Number(st.mode & 0o7777n),
    mtimeNs: st.mtimeNs,
    ctimeNs: st.ctimeNs,
    inode: st.ino,
    dev: st.dev,
    ...(linkTarget !== undefined ? { linkTarget } : {}),
  };
}

/** Runs `fn` over `items` with at most `limit` calls in flight, keeping the results in order. */
async function mapLimited<T, R>(items: readonly T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const out = new Array<R>(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i]!);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return out;
}

type Child = { entry: FileEntry } | { problem: SourceProblem } | null;

async function listFolder(root: FolderRoot, dir: FileEntry, fs: FsOps, concurrency: number): Promise<Listing> {
  let raw: Buffer[];
  try {
    raw = await fs.readdir(dir.absPath);
  } catch (err) {
    const problem = errnoProblem(err, root.name, dir.components, dir.absPath, dir.components.length === 0 ? 'root' : 'entry');
    return { children: [], problems: [problem], unreadable: problem.code !== 'FILE_VANISHED', vanished: problem.code === 'FILE_VANISHED' };
  }
  raw.sort(Buffer.compare);
  const results = await mapLimited(raw, concurrency, async (bytes): Promise<Child> => {
    const name = decodeName(bytes);
    const shown = name ?? bytes.toString('utf8');
    const components = [...dir.components, shown];
    const absPath = path.join(dir.absPath, shown);
    if (name === null) return { problem: makeProblem('FILE_NAME_UNREADABLE', root.name, components, absPath) };
    if (name === '.' || name === '..') return null;
    let st: BigIntStats;
    try {
      st = await fs.lstat(absPath);
    } catch (err) {
      return { problem: errnoProblem(err, root.name, components, absPath) };
    }
    const type = entryType(st);
    if (root.excluder.excludes(components, type === 'dir')) return null;
    if (type === null) return { problem: makeProblem('FILE_SPECIAL_SKIPPED', root.name, components, absPath, { kind: specialKind(st) }) };
    let target: string | undefined;
    if (type === 'symlink') {
      try {
        const rawTarget = await fs.readlink(absPath);
        const decoded = decodeName(rawTarget);
        if (decoded === null) return { problem: makeProblem('FILE_NAME_UNREADABLE', root.name, components, absPath) };
        target = decoded;
      } catch (err) {
        return { problem: errnoProblem(err, root.name, components, absPath) };
      }
    }
    return { entry: toEntry(root.name, components, absPath, type, st, target) };
  });
  const children: FileEntry[] = [];
  const problems: SourceProblem[] = [];
  for (const r of results) {
    if (r === null) continue;
    if ('entry' in r) children.push(r.entry);
    else problems.push(r.problem);
  }
  return { children, problems, unreadable: false, vanished: false };
}

interface Frame {
  readonly entry: FileEntry;
  readonly children: readonly FileEntry[];
  next: number;
}

/**
 * Walks one source folder. Events: `dir-start` of the folder itself (components []), then depth-first its
 * contents, then its `dir-end`. If the folder is missing, not a folder or unreadable, only a `root` problem comes.
 */
export async function* walkFolder(root: FolderRoot, options: WalkOptions = {}): AsyncGenerator<WalkEvent> {
  const fs = options.fs ?? nodeFs;
  const concurrency = Math.max(1, options.statConcurrency ?? 16);
  throwIfAborted(options.signal);
  let st: BigIntStats;
  try {
    st = await fs.stat(root.path);
  } catch (err) {
    const p = errnoProblem(err, root.name, [], root.path, 'root');
    yield { type: 'problem', problem: p.code === 'FILE_VANISHED' ? { ...p, code: 'FOLDER_SOURCE_MISSING' } : p };
    return;
  }
  if (!st.isDirectory()) {
    yield { type: 'problem', problem: makeProblem('FOLDER_SOURCE_NOT_FOLDER', root.name, [], root.path, {}, 'root') };
    return;
  }
  const top = toEntry(root.name, [], root.path, 'dir', st);
  const listing = await listFolder(root, top, fs, concurrency);
  if (listing.vanished) {
    yield { type: 'problem', problem: makeProblem('FOLDER_SOURCE_MISSING', root.name, [], root.path, {}, 'root') };
    return;
  }
  yield { type: 'dir-start', entry: top };
  for (const problem of listing.problems) yield { type: 'problem', problem };
  if (!listing.unreadable && listing.children.length === 0) {
    yield { type: 'problem', problem: makeProblem('FOLDER_SOURCE_EMPTY', root.name, [], root.path, {}, 'root') };
  }
  const stack: Frame[] = [{ entry: top, children: listing.children, next: 0 }];
  while (stack.length > 0) {
    throwIfAborted(options.signal);
    const frame = stack[stack.length - 1]!;
    if (frame.next >= frame.children.length) {
      stack.pop();
      yield { type: 'dir-end', entry: frame.entry };
      continue;
    }
    const child = frame.children[frame.next++]!;
    if (child.type !== 'dir') {
      yield { type: 'entry', entry: child };
      continue;
    }
    const sub = await listFolder(root, child, fs, concurrency);
    if (sub.vanished) {
      for (const problem of sub.problems) yield { type: 'problem', problem };
      continue;
    }
    yield { type: 'dir-start', entry: child };
    for (const problem of sub.problems) yield { type: 'problem', problem };
    stack.push({ entry: child, children: sub.children, next: 0 });
  }
}

/**
 * Walks every configured folder, in the given order, each under the name format v2 gives it in the snapshot's
 * root node (sourceFolderNames). Exclusion patterns are compiled first, so a bad pattern fails before any work.
 */
export async function* walkFolders(specs: readonly FolderSpec[], options: WalkOptions = {}): AsyncGenerator<WalkEvent> {
  const style = options.style ?? defaultStyle();
  const names = sourceFolderNames(
    specs.map((s) => s.path),
    style,
  );
  const roots: FolderRoot[] = specs.map((s, i) => ({
    name: names[i]!,
    path: s.path,
    excluder: new Excluder(s.exclude ?? [], { caseInsensitive: style === 'win32' || process.platform === 'darwin', defaults: !s.noDefaultExcludes }),
  }));
  for (const root of roots) yield* walkFolder(root, options);
}
