/**
 * Names a backup holds that the restore target cannot (pure functions; the restorer calls them per folder and lists
 * every change in its plan and report, docs/format.md §15.3):
 * - on Windows: reserved device names (`CON`, `NUL.txt`, `COM1`…), a trailing dot or space, `<>:"/\|?*` and control
 *   characters. These get a readable look-alike (`a:b` → `a：b`, control characters → their ␀…␟ pictures, a trailing
 *   `.` → `．` and a trailing space → `␠`), and a reserved name gets `_` after its base (`CON.txt` → `CON_.txt`);
 * - on Windows and macOS, and on any case-insensitive target (a USB drive in exFAT or FAT32, an NTFS disk or an SMB
 *   share mounted on Linux): names that differ only in case (`Foto.JPG`, `foto.jpg`) are one file there; on macOS also
 *   names that differ only in Unicode normalisation (`ç` composed or decomposed). The first in name order keeps its
 *   name, the others get " (2)", " (3)"… before the extension.
 * Nothing is renamed silently: every change comes back with its reasons.
 */
import { t, type Locale } from '../../i18n/index.js';
import { compareNames, foldCase, isWindowsDeviceName } from './paths.js';

export type RestorePlatform = 'windows' | 'macos' | 'linux';

/** `case-collision`: differs only in case; `normalization-collision`: only in Unicode normalisation (macOS);
 * `name-collision`: a look-alike given for a name Windows refuses is taken by another file. */
export type NameIssue = 'windows-reserved' | 'windows-invalid-character' | 'windows-trailing-dot-or-space' | 'case-collision' | 'normalization-collision' | 'name-collision';

export interface NameChange {
  readonly name: string;
  readonly restoredAs: string;
  readonly issues: readonly NameIssue[];
}

const LOOK_ALIKE: Readonly<Record<string, string>> = {
  '<': '＜',
  '>': '＞',
  ':': '：',
  '"': '＂',
  '/': '／',
  '\\': '＼',
  '|': '｜',
  '?': '？',
  '*': '＊',
};

/** What keeps `name` from being created on Windows (empty: nothing). */
export function windowsNameIssues(name: string): NameIssue[] {
  const issues: NameIssue[] = [];
  if (isWindowsDeviceName(name)) issues.push('windows-reserved');
  // eslint-disable-next-line no-control-regex
  if (/[<>:"/\\|?*\u0000-\u001f]/.test(name)) issues.push('windows-invalid-character');
  if (/[. ]$/.test(name)) issues.push('windows-trailing-dot-or-space');
  return issues;
}

/** A name Windows accepts that still reads like the original (see the file comment). */
export function windowsSafeName(name: string): string {
  let out = '';
  for (const ch of name) {
    const code = ch.codePointAt(0)!;
    out += LOOK_ALIKE[ch] ?? (code < 0x20 ? String.fromCodePoint(0x2400 + code) : ch);
  }
  const trailing = /[. ]+$/.exec(out);
  if (trailing) out = out.slice(0, trailing.index) + trailing[0].replace(/\./g, '．').replace(/ /g, '␠');
  if (isWindowsDeviceName(out)) {
    const dot = out.indexOf('.');
    out = dot < 0 ? `${out}_` : `${out.slice(0, dot)}_${out.slice(dot)}`;
  }
  return out;
}

/** How the target folder compares names, when it differs from its platform's usual file system. */
export interface TargetNameRules {
  /**
   * The target ignores case although the platform's usual file system does not (Linux writing to an exFAT/FAT USB
   * drive, an NTFS disk or an SMB share): names that differ only in case are one file there.
   */
  readonly caseInsensitive?: boolean;
}

/** The key under which the target file system sees two names as the same file. */
export function collisionKey(name: string, platform: RestorePlatform, rules: TargetNameRules = {}): string {
  switch (platform) {
    case 'windows':
      return foldCase(name);
    case 'macos':
      return foldCase(name.normalize('NFD'));
    case 'linux':
      return rules.caseInsensitive ? foldCase(name) : name;
  }
}

function withSuffix(name: string, n: number): string {
  const dot = name.lastIndexOf('.');
  if (dot <= 0) return `${name} (${n})`;
  return `${name.slice(0, dot)} (${n})${name.slice(dot)}`;
}

/**
 * How the names of one folder are restored on `platform`: the changes only (names restored as they are do not
 * appear). Names the target accepts are placed first, in the format's order, so a valid name keeps its name and the
 * mapped or colliding ones are numbered. Deterministic: the same backup gives the same plan.
 */
export function planFolderNames(names: readonly string[], platform: RestorePlatform, rules: TargetNameRules = {}): NameChange[] {
  const mapped = [...names].sort(compareNames).map((name) => {
    const issues: NameIssue[] = platform === 'windows' ? windowsNameIssues(name) : [];
    const candidate = issues.length > 0 ? windowsSafeName(name) : name;
    return { name, candidate, key: collisionKey(candidate, platform, rules), issues };
  });
  const holder = new Map<string, string>();
  const deferred: typeof mapped = [];
  for (const m of mapped) {
    if (m.issues.length === 0 && !holder.has(m.key)) {
      holder.set(m.key, m.name);
    } else deferred.push(m);
  }
  const wanted = new Set(mapped.map((m) => m.key));
  const changes: NameChange[] = [];
  for (const m of deferred) {
    const issues = [...m.issues];
    let restoredAs = m.candidate;
    const first = holder.get(m.key);
    if (first !== undefined) {
      if (first.normalize('NFC') === m.name.normalize('NFC')) issues.push('normalization-collision');
      else issues.push(collisionKey(first, platform, rules) === collisionKey(m.name, platform, rules) ? 'case-collision' : 'name-collision');
      for (let n = 2; ; n++) {
        restoredAs = withSuffix(m.candidate, n);
        const key = collisionKey(restoredAs, platform, rules);
        if (!holder.has(key) && !wanted.has(key)) break;
      }
    }
    holder.set(collisionKey(restoredAs, platform, rules), m.name);
    changes.push({ name: m.name, restoredAs, issues });
  }
  return changes.sort((a, b) => compareNames(a.name, b.name));
}

/** One line of the restore plan or report: how a name is restored and why. */
export function nameChangeText(change: NameChange, locale?: Locale): string {
  const reasons = change.issues.map((i) => t(`source.files.nameIssue.${i}`, {}, locale)).join('; ');
  return t('source.files.nameRenamed', { name: change.name, restoredAs: change.restoredAs, reasons }, locale);
}
