/**
 * File trees and attachment lists (docs/format.md §15–16): JSON tree blobs naming content chunks, and the
 * content-defined chunker that cuts files into chunks (FastCDC, normalised, with a keyed gear table).
 * This module is the read, check and prune side plus the writer primitives; the folder and database sources
 * (issue 17) build on it.
 */
import { hkdf } from '../crypto/primitives.js';
import { throwIfAborted } from '../shared/errors.js';
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
export type WalkItem =
  | { readonly kind: 'node'; readonly path: string; readonly blob: string }
  | { readonly kind: 'entry'; readonly path: string; readonly entry: TreeEntry };

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

// ------------------------------------------------------------------ content-defined chunking (§15.5)

/** The keyed gear table: HKDF(K_chunk, "", "clinic-backup v2 chunker gear", 1024) read as 256 u32 LE. */
export function gearTable(chunkKey: Uint8Array): Uint32Array {
  const bytes = hkdf(chunkKey, Buffer.alloc(0), 'clinic-backup v2 chunker gear', 1024);
  const gear = new Uint32Array(256);
  for (let i = 0; i < 256; i++) gear[i] = bytes.readUInt32LE(i * 4);
  return gear;
}

export interface ChunkerParams {
  readonly min: number;
  readonly avg: number;
  readonly max: number;
}

function topBits(n: number): number {
  return n >= 32 ? 0xffffffff : (((1 << n) - 1) << (32 - n)) >>> 0;
}

/**
 * FastCDC with normalised chunking: a stricter mask before the average size, a looser one after it, cuts never
 * before `min` nor after `max` bytes. Feed bytes with push(); it returns the lengths of the chunks completed.
 */
export class Chunker {
  private readonly maskS: number;
  private readonly maskL: number;
  private fp = 0;
  private len = 0;

  constructor(
    private readonly gear: Uint32Array,
    private readonly params: ChunkerParams,
  ) {
    if (!(params.min > 0 && params.min <= params.avg && params.avg <= params.max)) throw new RangeError('chunker sizes must satisfy 0 < min ≤ avg ≤ max');
    const bits = Math.round(Math.log2(params.avg));
    this.maskS = topBits(bits + 1);
    this.maskL = topBits(Math.max(1, bits - 1));
  }

  /** Lengths of the chunks that end inside `data` (the first may have begun in earlier data). */
  push(data: Uint8Array): number[] {
    const out: number[] = [];
    const { min, avg, max } = this.params;
    const gear = this.gear;
    let fp = this.fp;
    let len = this.len;
    for (let i = 0; i < data.length; i++) {
      fp = ((fp << 1) + (gear[data[i] as number] as number)) >>> 0;
      len++;
      if (len < min) continue;
      if (len >= max || (fp & (len < avg ? this.maskS : this.maskL)) === 0) {
        out.push(len);
        len = 0;
        fp = 0;
      }
    }
    this.fp = fp;
    this.len = len;
    return out;
  }

  /** Length of the last, unfinished chunk (0 when the data ended on a cut); resets the chunker. */
  finish(): number {
    const n = this.len;
    this.len = 0;
    this.fp = 0;
    return n;
  }
}
