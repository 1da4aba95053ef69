/**
 * Which repository is on this drive? A USB drive or NAS share is recognised by the repository id in its
 * marker (`config`), not by its path: the same drive mounted at a new path (another letter on Windows,
 * /media/user/USB1 instead of /media/user/USB) is the same destination, and a drive holding another
 * repository is refused before anything is written to it.
 *
 * The marker is parsed minimally here (format name and id), because src/backend sits below src/repository.
 */
import { readdir, readFile, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { EngineError } from '../../shared/index.js';
import { errnoCode, mapFsError } from './fsErrors.js';
import { LocalBackend } from './localBackend.js';

/** Must match FORMAT_NAME of src/repository/config.ts. */
const MARKER_FORMAT = 'clinic-backup-repository';
const MARKER_MAX_BYTES = 64 * 1024;
const REPO_ID_RE = /^[0-9a-f]{32}$/;
/** Errors of stat on a destination root that mean "drive or share not there". */
const GONE = new Set(['ENOENT', 'ENOTDIR', 'ENODEV', 'ENXIO', 'ENOTCONN', 'ESTALE', 'EHOSTDOWN', 'EHOSTUNREACH', 'ENETUNREACH', 'ENETDOWN']);
/** Entries a file system puts on a fresh volume; a folder with only these is empty. */
const OS_ENTRIES = new Set(['lost+found', '.DS_Store', '.Trashes', '.Spotlight-V100', '.fseventsd', 'System Volume Information', '$RECYCLE.BIN', 'desktop.ini', 'Thumbs.db']);

export type DestinationState =
  /** The folder is not there: drive unplugged, share not mounted. */
  | 'offline'
  /** An empty folder: a new destination (or an empty mount point of an unplugged drive). */
  | 'empty'
  /** A repository of this product; `repoId` says which. */
  | 'repository'
  /** Something else: files without a marker, or a marker that is not ours. Never written to. */
  | 'foreign';

export interface DestinationIdentity {
  /** Absolute path that was examined. */
  readonly path: string;
  readonly state: DestinationState;
  readonly repoId: string | null;
  readonly offline: boolean;
}

/** Reads the marker at `root` and says what is there. Throws only for errors other than "not there" (e.g. permission). */
export async function identifyDestination(root: string): Promise<DestinationIdentity> {
  const abs = path.resolve(root);
  const result = (state: DestinationState, repoId: string | null = null): DestinationIdentity => ({ path: abs, state, repoId, offline: state === 'offline' });
  try {
    if (!(await stat(abs)).isDirectory()) return result('foreign');
  } catch (err) {
    if (GONE.has(errnoCode(err) ?? '')) return result('offline');
    throw mapFsError(err, abs, 'stat');
  }
  const marker = path.join(abs, 'config');
  let bytes: Buffer;
  try {
    const s = await stat(marker);
    if (!s.isFile() || s.size > MARKER_MAX_BYTES) return result('foreign');
    bytes = await readFile(marker);
  } catch (err) {
    const code = errnoCode(err);
    if (code !== 'ENOENT' && code !== 'ENOTDIR') throw mapFsError(err, abs, 'read config');
    let entries: string[];
    try {
      entries = await readdir(abs);
    } catch (e) {
      if (GONE.has(errnoCode(e) ?? '')) return result('offline');
      throw mapFsError(e, abs, 'readdir');
    }
    return result(entries.every((e) => OS_ENTRIES.has(e)) ? 'empty' : 'foreign');
  }
  const id = markerRepoId(bytes);
  return id === null ? result('foreign') : result('repository', id);
}

/** The repository id in a marker's bytes, or null when they are not a marker of this product. */
export function markerRepoId(bytes: Buffer): string | null {
  try {
    const v: unknown = JSON.parse(bytes.toString('utf8'));
    if (typeof v !== 'object' || v === null) return null;
    const rec = v as Record<string, unknown>;
    return rec['format'] === MARKER_FORMAT && typeof rec['id'] === 'string' && REPO_ID_RE.test(rec['id']) ? rec['id'] : null;
  } catch {
    return null;
  }
}

/**
 * Opens a configured local destination, checking it holds the expected repository:
 * offline → DEST_OFFLINE; empty or foreign → REPO_MARKER_MISSING; another repository → REPO_MARKER_MISMATCH.
 */
export async function openLocalDestination(root: string, expectedRepoId: string): Promise<LocalBackend> {
  const id = await identifyDestination(root);
  switch (id.state) {
    case 'offline':
      throw new EngineError('DEST_OFFLINE', { location: id.path, reason: 'not mounted' });
    case 'empty':
    case 'foreign':
      throw new EngineError('REPO_MARKER_MISSING', { location: id.path });
    case 'repository':
      if (id.repoId !== expectedRepoId) throw new EngineError('REPO_MARKER_MISMATCH', { location: id.path, found: id.repoId ?? '—', expected: expectedRepoId });
      return LocalBackend.open(id.path);
  }
}

/** Folders under which removable drives appear, per platform. */
export function defaultMountRoots(platform: NodeJS.Platform = process.platform, user: string = safeUser()): string[] {
  if (platform === 'win32') return [];
  if (platform === 'darwin') return ['/Volumes'];
  return [`/media/${user}`, `/run/media/${user}`, '/media', '/mnt'];
}

/** Mounted volumes: the folders directly under the mount roots, or the drive letters D: to Z: on Windows. Bounded. */
export async function mountedVolumes(roots: readonly string[] = defaultMountRoots(), platform: NodeJS.Platform = process.platform): Promise<string[]> {
  const out: string[] = [];
  if (platform === 'win32' && roots.length === 0) {
    for (let c = 'D'.charCodeAt(0); c <= 'Z'.charCodeAt(0); c++) {
      const drive = `${String.fromCharCode(c)}:\\`;
      try {
        if ((await stat(drive)).isDirectory()) out.push(drive);
      } catch {
        // no such drive
      }
    }
    return out;
  }
  for (const root of roots) {
    let entries;
    try {
      entries = await readdir(root, { withFileTypes: true });
    } catch {
      continue;
    }
    for (const e of entries.slice(0, 256)) if (e.isDirectory() && !e.name.startsWith('.')) out.push(path.join(root, e.name));
  }
  return out;
}

/**
 * Where the drive of a configured destination may be now: for each mounted volume, the volume itself and
 * the volume joined with the last 1-3 folders of the configured path (the repository's place on the drive).
 */
export function relocationCandidates(configuredPath: string, volumes: readonly string[]): string[] {
  const parts = path
    .resolve(configuredPath)
    .split(path.sep)
    .filter((p) => p !== '' && !/^[A-Za-z]:$/.test(p));
  const out = new Set<string>();
  for (const v of volumes) {
    out.add(path.resolve(v));
    for (let k = 1; k <= Math.min(3, parts.length); k++) out.add(path.join(v, ...parts.slice(parts.length - k)));
  }
  out.delete(path.resolve(configuredPath));
  return [...out];
}

/** The first candidate that holds the repository `repoId`, or null. Candidates that cannot be read are skipped. */
export async function locateDestination(repoId: string, candidates: readonly string[]): Promise<string | null> {
  for (const c of candidates.slice(0, 4096)) {
    try {
      const id = await identifyDestination(c);
      if (id.state === 'repository' && id.repoId === repoId) return id.path;
    } catch {
      // unreadable candidate (permissions): not ours to judge
    }
  }
  return null;
}

function safeUser(): string {
  try {
    return os.userInfo().username;
  } catch {
    return '';
  }
}
