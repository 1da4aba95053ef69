/**
 * The printable recovery key: a 256-bit secret written as 32 words in 8 numbered lines of 4 words,
 * for the printed recovery kit (ARCHITECTURE.md §4, recovery key slot).
 *
 * Words come from a BIP39 2048-word list (English or Portuguese), so each word carries 11 bits.
 * Every line is checked on its own, so a typing mistake is reported with its line:
 *
 *   line l (0-based) holds 4 data bytes d (32 bits):
 *     b  = first bit of SHA-256("clinic-backup/recovery-key/v1" || byte l || d)
 *     s1, s2, s3 = the 33 bits d || b, big-endian, split into three 11-bit word indices
 *     s4 = α·s1 + α²·s2 + α³·s3 + α^(8+l)      in GF(2^11) = GF(2)[x]/(x^11 + x^2 + 1), α = x
 *   = 32 data bits + 12 check bits (b and the 11 bits of s4) = 44 bits = 4 words.
 *
 * Why a field check word and not only a hash: a hash truncated to 12 bits misses 1 in 4096 errors.
 * The weighted sum misses none of these: changing any one word changes the sum by α^i·e ≠ 0; swapping
 * two different adjacent words changes it by (α^i + α^(i+1))·(a + b) ≠ 0; a whole line moved to another
 * position changes the α^(8+l) term. The extra hash bit catches half of the remaining multi-word errors.
 *
 * The key carries no repository id: binding a key to a repository is checked by the repository layer.
 */
import { createHash, randomInt } from 'node:crypto';
import { wordlist as englishWords } from '@scure/bip39/wordlists/english.js';
import { wordlist as portugueseWords } from '@scure/bip39/wordlists/portuguese.js';
import { EngineError } from '../shared/index.js';

export type RecoveryKeyLanguage = 'pt-BR' | 'en';

export const RECOVERY_KEY_BYTES = 32;
export const RECOVERY_KEY_LINES = 8;
export const RECOVERY_KEY_WORDS_PER_LINE = 4;
export const RECOVERY_KEY_WORDS = RECOVERY_KEY_LINES * RECOVERY_KEY_WORDS_PER_LINE;

const BYTES_PER_LINE = RECOVERY_KEY_BYTES / RECOVERY_KEY_LINES;
const DOMAIN = Buffer.from('clinic-backup/recovery-key/v1', 'utf8');

// ---- GF(2^11) ----------------------------------------------------------------------------------

const FIELD_SIZE = 2048;
const FIELD_ORDER = FIELD_SIZE - 1; // multiplicative group order
const PRIMITIVE_POLY = 0x805; // x^11 + x^2 + 1 (primitive)
const EXP: number[] = new Array<number>(FIELD_ORDER * 2);
const LOG: number[] = new Array<number>(FIELD_SIZE).fill(-1);
{
  let v = 1;
  for (let i = 0; i < FIELD_ORDER; i++) {
    EXP[i] = v;
    LOG[v] = i;
    v <<= 1;
    if (v & FIELD_SIZE) v ^= PRIMITIVE_POLY;
  }
  for (let i = FIELD_ORDER; i < FIELD_ORDER * 2; i++) EXP[i] = EXP[i - FIELD_ORDER] as number;
}

/** α^power in GF(2^11). */
function alphaPow(power: number): number {
  return EXP[power % FIELD_ORDER] as number;
}

function gfMul(a: number, b: number): number {
  if (a === 0 || b === 0) return 0;
  return EXP[(LOG[a] as number) + (LOG[b] as number)] as number;
}

// ---- word lists and normalisation --------------------------------------------------------------

const WORDLISTS: Readonly<Record<RecoveryKeyLanguage, readonly string[]>> = { en: englishWords, 'pt-BR': portugueseWords };
const LANGUAGES: readonly RecoveryKeyLanguage[] = ['pt-BR', 'en'];

/** Lower case, compatibility forms folded, accents removed: "Ábaco" and "abaco" compare equal. */
export function normalizeRecoveryWord(word: string): string {
  return word.normalize('NFKD').replace(/\p{M}/gu, '').toLowerCase().trim();
}

/**
 * Each language's words by their normalised form, built on first use: 4,096 Unicode normalisations cost ~15 ms,
 * which every command that opens a repository would pay at start-up though only typing a recovery key needs them.
 */
const wordIndexes = new Map<RecoveryKeyLanguage, ReadonlyMap<string, number>>();
function wordIndex(lang: RecoveryKeyLanguage): ReadonlyMap<string, number> {
  let index = wordIndexes.get(lang);
  if (index === undefined) {
    index = new Map(WORDLISTS[lang].map((w, i) => [normalizeRecoveryWord(w), i]));
    if (WORDLISTS[lang].length !== FIELD_SIZE || index.size !== FIELD_SIZE) throw new Error(`recovery key word list ${lang} must hold ${FIELD_SIZE} distinct words`);
    wordIndexes.set(lang, index);
  }
  return index;
}

// ---- one line ----------------------------------------------------------------------------------

function hashBit(line: number, data: Uint8Array): number {
  const h = createHash('sha256').update(DOMAIN).update(Uint8Array.of(line)).update(data).digest();
  return (h[0] as number) >> 7;
}

function checkWord(line: number, s1: number, s2: number, s3: number): number {
  return gfMul(alphaPow(1), s1) ^ gfMul(alphaPow(2), s2) ^ gfMul(alphaPow(3), s3) ^ alphaPow(8 + line);
}

function encodeLine(line: number, data: Uint8Array): [number, number, number, number] {
  const d32 = (((data[0] as number) << 24) | ((data[1] as number) << 16) | ((data[2] as number) << 8) | (data[3] as number)) >>> 0;
  const v = d32 * 2 + hashBit(line, data); // 33 bits, exact in a double
  const s1 = Math.floor(v / 2 ** 22);
  const s2 = Math.floor(v / 2 ** 11) % FIELD_SIZE;
  const s3 = v % FIELD_SIZE;
  return [s1, s2, s3, checkWord(line, s1, s2, s3)];
}

/** The 4 data bytes of a line, or null when its check fails. */
function decodeLine(line: number, symbols: readonly number[]): Uint8Array | null {
  const [s1, s2, s3, s4] = symbols as [number, number, number, number];
  if (checkWord(line, s1, s2, s3) !== s4) return null;
  const v = s1 * 2 ** 22 + s2 * 2 ** 11 + s3;
  const d32 = Math.floor(v / 2);
  const data = Uint8Array.of((d32 >>> 24) & 0xff, (d32 >>> 16) & 0xff, (d32 >>> 8) & 0xff, d32 & 0xff);
  if (hashBit(line, data) !== v % 2) return null;
  return data;
}

// ---- public API --------------------------------------------------------------------------------

/** The recovery key of a 32-byte secret, as 8 lines of 4 words in the given language. */
export function encodeRecoveryKey(secret: Uint8Array, language: RecoveryKeyLanguage): string[][] {
  if (!(secret instanceof Uint8Array) || secret.length !== RECOVERY_KEY_BYTES) {
    throw new EngineError('INVALID_ARGUMENT', { field: 'secret', reason: `must be ${RECOVERY_KEY_BYTES} bytes` });
  }
  const words = WORDLISTS[language];
  if (!words) throw new EngineError('INVALID_ARGUMENT', { field: 'language', reason: 'must be pt-BR or en' });
  const lines: string[][] = [];
  for (let l = 0; l < RECOVERY_KEY_LINES; l++) {
    const data = secret.subarray(l * BYTES_PER_LINE, (l + 1) * BYTES_PER_LINE);
    lines.push(encodeLine(l, data).map((s) => words[s] as string));
  }
  return lines;
}

/** "1. word word word word\n2. …" as printed in the recovery kit. */
export function formatRecoveryKey(lines: string[][]): string {
  return lines.map((words, i) => `${i + 1}. ${words.join(' ')}`).join('\n');
}

/** Words of a typed key: any case, accents, line numbers ("1.", "2)"), hyphens, commas and line breaks. */
function tokenize(text: string): string[] {
  return normalizeRecoveryWord(text)
    .split(/[^\p{L}]+/u)
    .filter((w) => w.length > 0);
}

function checksumError(line: number, reason: string, extra: Record<string, number> = {}): EngineError {
  const from = (line - 1) * RECOVERY_KEY_WORDS_PER_LINE + 1;
  return new EngineError('RECOVERY_KEY_CHECKSUM', { line, from, to: from + RECOVERY_KEY_WORDS_PER_LINE - 1, reason, ...extra });
}

/**
 * The secret of a typed or pasted recovery key. The language is detected (all words must come from
 * one list). Throws RECOVERY_KEY_CHECKSUM naming the first wrong line: details {line, from, to} with
 * 1-based line and word positions, `word` for an unknown word, and `reason` (unknown-word, checksum,
 * missing-words, extra-words). The details never contain the words themselves.
 */
export function parseRecoveryKey(text: string): Uint8Array {
  const tokens = tokenize(text);
  const language = detectLanguage(tokens);
  const index = wordIndex(language);
  const secret = new Uint8Array(RECOVERY_KEY_BYTES);
  for (let l = 0; l < RECOVERY_KEY_LINES; l++) {
    const start = l * RECOVERY_KEY_WORDS_PER_LINE;
    const symbols: number[] = [];
    for (let i = start; i < start + RECOVERY_KEY_WORDS_PER_LINE && i < tokens.length; i++) {
      const s = index.get(tokens[i] as string);
      if (s === undefined) throw checksumError(l + 1, 'unknown-word', { word: i + 1 });
      symbols.push(s);
    }
    if (symbols.length < RECOVERY_KEY_WORDS_PER_LINE) throw checksumError(l + 1, 'missing-words');
    const data = decodeLine(l, symbols);
    if (!data) throw checksumError(l + 1, 'checksum');
    secret.set(data, l * BYTES_PER_LINE);
  }
  if (tokens.length > RECOVERY_KEY_WORDS) {
    throw new EngineError('RECOVERY_KEY_CHECKSUM', {
      line: RECOVERY_KEY_LINES + 1,
      from: RECOVERY_KEY_WORDS + 1,
      to: tokens.length,
      reason: 'extra-words',
    });
  }
  return secret;
}

/** The list most of the words belong to (the two lists share no word). */
function detectLanguage(tokens: readonly string[]): RecoveryKeyLanguage {
  let best: RecoveryKeyLanguage = 'pt-BR';
  let bestHits = -1;
  for (const lang of LANGUAGES) {
    const index = wordIndex(lang);
    const hits = tokens.reduce((n, w) => (index.has(w) ? n + 1 : n), 0);
    if (hits > bestHits) {
      best = lang;
      bestHits = hits;
    }
  }
  return best;
}

function defaultRng(): number {
  return randomInt(0, 2 ** 32) / 2 ** 32;
}

/** Two distinct random word positions (1-based, over all lines, ascending) for the "type back two words" check. */
export function pickConfirmationWords(lines: string[][], rng: () => number = defaultRng): { positions: [number, number] } {
  const total = lines.reduce((n, l) => n + l.length, 0);
  if (total < 2) throw new EngineError('INVALID_ARGUMENT', { field: 'lines', reason: 'needs at least two words' });
  const pick = (n: number): number => Math.min(n - 1, Math.max(0, Math.floor(rng() * n)));
  const a = pick(total);
  let b = pick(total - 1);
  if (b >= a) b += 1;
  const [lo, hi] = a < b ? [a, b] : [b, a];
  return { positions: [lo + 1, hi + 1] };
}

/** True when every answer (at least one) matches the word at its 1-based position, ignoring case, accents and spaces. */
export function checkConfirmationWords(lines: string[][], answers: { position: number; word: string }[]): boolean {
  const words = lines.flat();
  if (answers.length === 0) return false;
  return answers.every((a) => {
    if (!Number.isInteger(a.position) || a.position < 1 || a.position > words.length) return false;
    const expected = normalizeRecoveryWord(words[a.position - 1] as string);
    return expected.length > 0 && normalizeRecoveryWord(a.word) === expected;
  });
}
