/**
 * File trees (docs/format.md §15): JSON directory nodes naming content chunks. The content-defined chunker that
 * cuts files into chunks is ./chunker.ts (the only one).
 * This module is the read, check and prune side plus the writer primitives; the folder and database sources
 * (issue 17) build on it.
 */
import { throwIfAborted } from '../shared/index.js';
import { FormatError } from './bytes.js';

export const FILES_FORMAT = 'CBFILES2';

export interface FilesTreeRef {
  readonly kind: 'files';
  /** Blob id (32 hex) of the root directory node. */
  readonly root: string;
}

interface EntryBase {
  readonly name: string;
  readonly mode: number;
  readonly mtimeNs: string;
  readonly ctimeNs?: string;
  readonly inode?: string;
  readonly dev?: string;
}
export interface FileEntry extends EntryBase {
  readonly type: 'file';
  readonly size: number;
  readonly content: readonly string[];
  readonly changedDuringBackup?: boolean;
}
export interface DirEntry extends EntryBase {
  readonly type: 'dir';
  readonly subtree: string;
}
export interface SymlinkEntry extends EntryBase {
  readonly type: 'symlink';
  readonly target: string;
}
export type TreeEntry = FileEntry | DirEntry | SymlinkEntry;

export interface DirNode {
  readonly format: typeof FILES_FORMAT;
  readonly entries: readonly TreeEntry[];
}

const HEX32 = /^[0-9a-f]{32}$/;
const DECIMAL = /^(0|[1-9][0-9]*)$/;

function utf8Less(a: string, b: string): boolean {
  return Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8')) < 0;
}

/** A valid path component: not empty, not "." or "..", no "/" and no NUL. */
export function validName(name: string): boolean {
  return name.length > 0 && name !== '.' && name !== '..' && !name.includes('/') && !name.includes('\u0000');
}

function checkEntry(raw: unknown): TreeEntry {
  const e = (typeof raw === 'object' && raw !== null ? raw : {}) as Record<string, unknown>;
  const name = e['name'];
  if (typeof name !== 'string' || !validName(name)) throw new FormatError('invalid entry name');
  const mode = e['mode'];
  if (typeof mode !== 'number' || !Number.isInteger(mode) || mode < 0 || mode > 0o7777) throw new FormatError(`invalid mode for ${name}`);
  for (const f of ['mtimeNs', 'ctimeNs', 'inode', 'dev']) {
    const v = e[f];
    if ((v !== undefined || f === 'mtimeNs') && (typeof v !== 'string' || !DECIMAL.test(v))) throw new FormatError(`invalid ${f} for ${name}`);
  }
  const type = e['type'];
  if (type === 'file') {
    const size = e['size'];
    const content = e['content'];
    if (typeof size !== 'number' || !Number.isSafeInteger(size) || size < 0) throw new FormatError(`invalid size for ${name}`);
    if (!Array.isArray(content) || !content.every((c) => typeof c === 'string' && HEX32.test(c))) throw new FormatError(`invalid content list for ${name}`);
    if (size === 0 && content.length > 0) throw new FormatError(`empty file ${name} with chunks`);
  } else if (type === 'dir') {
    if (typeof e['subtree'] !== 'string' || !HEX32.test(e['subtree'])) throw new FormatError(`invalid subtree for ${name}`);
  } else if (type === 'symlink') {
    if (typeof e['target'] !== 'string') throw new FormatError(`invalid target for ${name}`);
  } else throw new FormatError(`unknown entry type for ${name}`);
  return e as unknown as TreeEntry;
}

/** Encodes a directory node; entries are sorted by name (UTF-8 bytes) and must be unique. */
export function encodeDirNode(entries: readonly TreeEntry[]): Buffer {
  const sorted = [...entries].sort((a, b) => (a.name === b.name ? 0 : utf8Less(a.name, b.name) ? -1 : 1));
  for (let i = 0; i < sorted.length; i++) {
    checkEntry(sorted[i] as TreeEntry);
    if (i > 0 && (sorted[i - 1] as TreeEntry).name === (sorted[i] as TreeEntry).name) throw new RangeError(`duplicate name in a directory: ${(sorted[i] as TreeEntry).name}`);
  }
  const node: DirNode = { format: FILES_FORMAT, entries: sorted };
  return Buffer.from(JSON.stringify(node), 'utf8');
}

export function decodeDirNode(bytes: Buffer): DirNode {
  let v: unknown;
  try {
    v = JSON.parse(bytes.toString('utf8'));
  } catch {
    throw new FormatError('directory node is not JSON');
  }
  const o = v as { format?: unknown; entries?: unknown } | null;
  if (!o || typeof o !== 'object' || o.format !== FILES_FORMAT || !Array.isArray(o.entries)) throw new FormatError('not a directory node');
  const entries = (o.entries as unknown[]).map((e) => checkEntry(e));
  for (let i = 1; i < entries.length; i++) if (!utf8Less((entries[i - 1] as TreeEntry).name, (entries[i] as TreeEntry).name)) throw new FormatError('directory entries not sorted or not unique');
  return { format: FILES_FORMAT, entries };
}

/** One item met while walking a files tree. */
export type WalkItem = { readonly kind: 'node'; readonly path: string; readonly blob: string } | { readonly kind: 'entry'; readonly path: string; readonly entry: TreeEntry };

/**
 * Walks a files tree depth first from its root (paths joined with "/"). A node that cannot be read or decoded
 * is passed to onDamage (with its path) and its subtree skipped, so a check names every damaged path.
 */
export async function* walkFilesTree(
  read: (id: string, signal?: AbortSignal) => Promise<Buffer>,
  root: string,
  options: { signal?: AbortSignal; onDamage?: (path: string, blob: string, err: unknown) => void; maxDepth?: number } = {},
): AsyncGenerator<WalkItem> {
  const stack: { path: string; blob: string; depth: number }[] = [{ path: '', blob: root, depth: 0 }];
  const maxDepth = options.maxDepth ?? 4096;
  while (stack.length > 0) {
    throwIfAborted(options.signal);
    const { path, blob, depth } = stack.pop() as { path: string; blob: string; depth: number };
    yield { kind: 'node', path, blob };
    let node: DirNode;
    try {
      node = decodeDirNode(await read(blob, options.signal));
    } catch (err) {
      if (!options.onDamage) throw err;
      options.onDamage(path || '/', blob, err);
      continue;
    }
    const subdirs: { path: string; blob: string; depth: number }[] = [];
    for (const entry of node.entries) {
      const p = path ? `${path}/${entry.name}` : entry.name;
      yield { kind: 'entry', path: p, entry };
      if (entry.type === 'dir') {
        if (depth + 1 > maxDepth) throw new FormatError('files tree too deep');
        subdirs.push({ path: p, blob: entry.subtree, depth: depth + 1 });
      }
    }
    for (let i = subdirs.length - 1; i >= 0; i--) stack.push(subdirs[i] as { path: string; blob: string; depth: number });
  }
}
