/**
 * Paths of source folders and the order of names, as pure functions (tested on every platform with Windows inputs):
 * drive letters, UNC shares and `\\?\` long paths; the name a source folder gets in the snapshot (docs/format.md
 * §15.3); the byte order of names inside a directory node.
 */
import { EngineError } from '../../shared/index.js';

export type PathStyle = 'posix' | 'win32';

/** An absolute path split into where it lives and its components (no `.`, `..` or empty components). */
export type ParsedPath =
  | { readonly kind: 'posix'; readonly components: readonly string[] }
  | { readonly kind: 'drive'; readonly drive: string; readonly components: readonly string[] }
  | { readonly kind: 'unc'; readonly server: string; readonly share: string; readonly components: readonly string[] };

function badPath(path: string, reason: string): never {
  throw new EngineError('INVALID_ARGUMENT', { field: 'path', reason: `${path}: ${reason}` });
}

const DEVICE_NAMES = new Set(['CON', 'PRN', 'AUX', 'NUL', 'CONIN$', 'CONOUT$', ...[0, 1, 2, 3, 4, 5, 6, 7, 8, 9, '¹', '²', '³'].flatMap((n) => [`COM${n}`, `LPT${n}`])]);

/** A Windows device name (`CON`, `nul.txt`, `COM1`…): the base up to the first dot, without trailing spaces. */
export function isWindowsDeviceName(name: string): boolean {
  const dot = name.indexOf('.');
  return DEVICE_NAMES.has((dot < 0 ? name : name.slice(0, dot)).replace(/ +$/, '').toUpperCase());
}

/** Resolves `.` and `..`; `..` never climbs above the root (as the OS does). */
function normalise(parts: readonly string[]): string[] {
  const out: string[] = [];
  for (const p of parts) {
    if (p === '' || p === '.') continue;
    if (p === '..') out.pop();
    else out.push(p);
  }
  return out;
}

/** Win32 path normalisation of components (see parseAbsolutePath); a `\\?\` path keeps its names as they are. */
function win32Components(path: string, parts: readonly string[], literal: boolean): string[] {
  const out = normalise(literal ? parts : parts.map((c) => (c === '.' || c === '..' ? c : c.replace(/[. ]+$/, ''))));
  if (!literal) for (const c of out) if (isWindowsDeviceName(c)) badPath(path, `"${c}" is a Windows device name, not a folder`);
  return out;
}

/**
 * Splits an absolute path. Windows: `C:\Clinica\Exames`, `c:/Clinica`, `\\nas\exames\2024`, `\\?\C:\…`,
 * `\\?\UNC\nas\exames\…`, `\\.\C:\…`; the drive letter comes back upper-case. Relative and drive-relative
 * paths (`Exames`, `C:Exames`, `\Exames`) are refused: a source folder must say exactly where it is.
 * Without the `\\?\` prefix, Windows drops trailing dots and spaces of each component (`C:\Exames.\` is
 * `C:\Exames`) and reads a device name (`C:\Clinica\NUL`) as the device, so such a path is refused; with the prefix
 * the names are taken literally.
 */
export function parseAbsolutePath(path: string, style: PathStyle): ParsedPath {
  if (path.length === 0) badPath(path, 'empty');
  if (path.includes('\0')) badPath(path, 'contains a NUL character');
  if (style === 'posix') {
    if (!path.startsWith('/')) badPath(path, 'not an absolute path');
    return { kind: 'posix', components: normalise(path.split('/')) };
  }
  let p = path.replace(/\//g, '\\');
  // Device and long-path prefixes: \\?\C:\x, \\.\C:\x, \\?\UNC\server\share\x.
  const prefixed = /^\\\\[?.]\\(.*)$/.exec(p);
  const literal = prefixed !== null;
  if (prefixed) {
    const rest = prefixed[1]!;
    if (/^UNC\\/i.test(rest)) p = `\\\\${rest.slice(4)}`;
    else p = rest;
  }
  const drive = /^([A-Za-z]):(.*)$/.exec(p);
  if (drive) {
    const rest = drive[2]!;
    if (!rest.startsWith('\\')) badPath(path, 'a drive-relative path; write it as C:\\folder');
    return { kind: 'drive', drive: drive[1]!.toUpperCase(), components: win32Components(path, rest.split('\\'), literal) };
  }
  if (p.startsWith('\\\\')) {
    const parts = p.slice(2).split('\\');
    const server = parts[0] ?? '';
    const share = parts[1] ?? '';
    if (server === '' || share === '' || server === '.' || server === '?') badPath(path, 'a network path needs \\\\server\\share');
    return { kind: 'unc', server, share, components: win32Components(path, parts.slice(2), literal) };
  }
  return badPath(path, 'not an absolute path (expected C:\\folder or \\\\server\\share)');
}

/** Joins a parsed path back for the OS (Windows paths with `\`). */
export function formatPath(parsed: ParsedPath, extra: readonly string[] = []): string {
  const all = [...parsed.components, ...extra];
  switch (parsed.kind) {
    case 'posix':
      return `/${all.join('/')}`;
    case 'drive':
      return `${parsed.drive}:\\${all.join('\\')}`;
    case 'unc':
      return `\\\\${parsed.server}\\${parsed.share}${all.length > 0 ? `\\${all.join('\\')}` : ''}`;
  }
}

/** Windows' classic limit: longer paths need the `\\?\` prefix for the Win32 file API. */
export const WINDOWS_MAX_PATH = 260;

/**
 * A Windows path the file API accepts at any length: `\\?\C:\…` or `\\?\UNC\server\share\…` when the path reaches
 * MAX_PATH (or always, if asked). The prefix turns off `/` and `..` handling, so the path is normalised first.
 */
export function windowsLongPath(path: string, always = false): string {
  const parsed = parseAbsolutePath(path, 'win32');
  if (parsed.kind === 'posix') return path;
  const plain = formatPath(parsed);
  if (!always && plain.length < WINDOWS_MAX_PATH) return plain;
  if (parsed.kind === 'drive') return `\\\\?\\${plain}`;
  return `\\\\?\\UNC\\${plain.slice(2)}`;
}

/** The last component of a source folder's path, as format v2 names it: a drive root `C:\` is `C`. */
function baseName(parsed: ParsedPath): string {
  const last = parsed.components[parsed.components.length - 1];
  if (last !== undefined) return last;
  switch (parsed.kind) {
    case 'drive':
      return parsed.drive;
    case 'unc':
      return parsed.share;
    case 'posix':
      return 'root';
  }
}

/**
 * Names of source folders in the snapshot's root node (docs/format.md §15.3): each folder's last component; when
 * names repeat (compared as the file system would: ignoring case on Windows), the later ones get " (2)", " (3)"…
 * Returns one name per path, in the same order.
 */
export function sourceFolderNames(paths: readonly string[], style: PathStyle): string[] {
  const taken = new Set<string>();
  const key = (n: string): string => (style === 'win32' ? foldCase(n) : n);
  return paths.map((p) => {
    const base = baseName(parseAbsolutePath(p, style));
    let name = base;
    for (let n = 2; taken.has(key(name)); n++) name = `${base} (${n})`;
    taken.add(key(name));
    return name;
  });
}

/** Simple (one-to-one) upper-casing, as NTFS compares names: `ß` stays `ß` (full case mapping would make it "SS"). */
export function foldCase(name: string): string {
  let out = '';
  for (const ch of name) {
    const up = ch.toUpperCase();
    out += [...up].length === 1 ? up : ch;
  }
  return out;
}

const encoder = new TextEncoder();

/** Name order inside a directory node: UTF-8 bytes (docs/format.md §15.2). */
export function compareNames(a: string, b: string): number {
  return Buffer.compare(encoder.encode(a), encoder.encode(b));
}

const strictUtf8 = new TextDecoder('utf-8', { fatal: true });

/** A raw file name as text, or null when it is not valid UTF-8 (such a name cannot be stored faithfully). */
export function decodeName(raw: Uint8Array): string | null {
  try {
    return strictUtf8.decode(raw);
  } catch {
    return null;
  }
}
