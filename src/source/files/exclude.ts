/**
 * Exclusion patterns for folder sources (globs).
 *
 * - `*` matches any run of characters within one name, `?` one character, `[abc]` `[a-z]` `[!a]` one of a set.
 * - A pattern without `/` matches the name of a file or folder at any depth: `*.tmp`, `Thumbs.db`.
 * - A pattern with `/` is a path from the source folder (a leading `/` is optional): `Exames/antigos`,
 *   `**` stands for any number of folders: `Exames/**\/cache`.
 * - A trailing `/` matches folders only: `cache/`.
 * - `\` is a path separator too (Windows users type it); there is no escape character: use `[*]` for a literal `*`.
 * - An excluded folder is not entered: nothing below it is backed up.
 * Matching is case-insensitive for the defaults always, and for the user's patterns when asked (Windows, macOS).
 */
import { EngineError } from '../../shared/index.js';

/**
 * Excluded unless the user removes them (docs/sources.md): files that are recreated by the programs that use them
 * and are useless, or harmful, in a restore.
 */
export const DEFAULT_EXCLUDES: readonly string[] = [
  // Office owner files ("~$laudo.docx") and LibreOffice lock files (".~lock.laudo.odt#"): say who has a document open.
  '~$*',
  '.~lock.*#',
  // Lock files of other programs and of Microsoft Access (.laccdb).
  '*.lock',
  '*.laccdb',
  // Temporary files.
  '*.tmp',
  '*.temp',
  // Thumbnail caches and folder view settings (Windows, macOS, Linux desktops).
  'Thumbs.db',
  'ehthumbs.db',
  'ehthumbs_vista.db',
  'desktop.ini',
  '.DS_Store',
  '.thumbnails/',
  // Recycle bins and system folders of a whole drive or USB stick.
  '$RECYCLE.BIN/',
  'System Volume Information/',
  '.Trash-*/',
  '.Trashes/',
  // Windows paging and hibernation files, when a whole drive is chosen.
  'pagefile.sys',
  'hiberfil.sys',
  'swapfile.sys',
];

interface CompiledPattern {
  readonly source: string;
  readonly regex: RegExp;
  /** Matches the whole relative path (pattern had a `/`) rather than the last name. */
  readonly anchored: boolean;
  readonly dirOnly: boolean;
}

export interface ExcludeOptions {
  /** Compare names ignoring case (Windows and macOS file systems do). Default false. */
  readonly caseInsensitive?: boolean;
  /** Add DEFAULT_EXCLUDES (always case-insensitive). Default true. */
  readonly defaults?: boolean;
}

function invalid(pattern: string, reason: string): never {
  throw new EngineError('EXCLUDE_PATTERN_INVALID', { pattern, reason });
}

const SPECIAL = /[.+^${}()|\\]/;

/** Regular-expression text for one name's glob (no `/` inside). */
function nameGlob(pattern: string, part: string): string {
  let out = '';
  for (let i = 0; i < part.length; i++) {
    const c = part[i]!;
    if (c === '*') out += '[^/]*';
    else if (c === '?') out += '[^/]';
    else if (c === '[') {
      const close = part.indexOf(']', i + 2);
      if (close < 0) invalid(pattern, '"[" without "]"');
      let body = part.slice(i + 1, close);
      const negate = body.startsWith('!') || body.startsWith('^');
      if (negate) body = body.slice(1);
      if (body.length === 0) invalid(pattern, 'empty "[]"');
      out += `[${negate ? '^/' : ''}${body.replace(/[\\\]^]/g, (m) => `\\${m}`)}]`;
      i = close;
    } else out += SPECIAL.test(c) ? `\\${c}` : c;
  }
  return out;
}

function compile(raw: string, caseInsensitive: boolean): CompiledPattern {
  let p = raw.trim().replace(/\\/g, '/');
  if (p.length === 0) invalid(raw, 'empty pattern');
  const dirOnly = p.endsWith('/');
  p = p.replace(/\/+$/, '');
  const anchored = p.includes('/');
  p = p.replace(/^\/+/, '');
  if (p.length === 0) invalid(raw, 'no name in the pattern');
  const parts = p.split('/').filter((x) => x.length > 0);
  if (parts.some((x) => x === '.' || x === '..')) invalid(raw, '"." and ".." are not allowed');
  let body: string;
  if (!anchored) body = nameGlob(raw, parts[0]!);
  else {
    body = '';
    for (const [i, part] of parts.entries()) {
      const last = i === parts.length - 1;
      if (part === '**') body += last ? '.*' : '(?:[^/]+/)*';
      else body += nameGlob(raw, part) + (last ? '' : '/');
    }
  }
  let regex: RegExp;
  try {
    regex = new RegExp(`^${body}$`, caseInsensitive ? 'iu' : 'u');
  } catch (e) {
    invalid(raw, e instanceof Error ? e.message : String(e));
  }
  return { source: raw, regex, anchored, dirOnly };
}

/** Decides which entries of a source folder are left out. */
export class Excluder {
  private readonly patterns: readonly CompiledPattern[];

  constructor(patterns: readonly string[], options: ExcludeOptions = {}) {
    const user = patterns.map((p) => compile(p, options.caseInsensitive ?? false));
    const defaults = options.defaults === false ? [] : DEFAULT_EXCLUDES.map((p) => compile(p, true));
    this.patterns = [...defaults, ...user];
  }

  /** The pattern that excludes this entry (components below the source folder), or null. */
  match(components: readonly string[], isDir: boolean): string | null {
    if (components.length === 0) return null;
    const name = components[components.length - 1]!;
    let rel: string | null = null;
    for (const p of this.patterns) {
      if (p.dirOnly && !isDir) continue;
      if (p.anchored) {
        rel ??= components.join('/');
        if (p.regex.test(rel)) return p.source;
      } else if (p.regex.test(name)) return p.source;
    }
    return null;
  }

  excludes(components: readonly string[], isDir: boolean): boolean {
    return this.match(components, isDir) !== null;
  }
}
