import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { wordlist as englishWords } from '@scure/bip39/wordlists/english.js';
import { wordlist as portugueseWords } from '@scure/bip39/wordlists/portuguese.js';
import { RECOVERY_KEY_WORDS, checkConfirmationWords, encodeRecoveryKey, formatRecoveryKey, parseRecoveryKey, pickConfirmationWords, type RecoveryKeyLanguage } from '../../src/crypto/recoveryKey.js';
import { type EngineError, isEngineError } from '../../src/shared/errors.js';

const LISTS: Record<RecoveryKeyLanguage, readonly string[]> = { en: englishWords, 'pt-BR': portugueseWords };
const LANGS: RecoveryKeyLanguage[] = ['en', 'pt-BR'];

/** Deterministic PRNG (mulberry32) so sampled cases are reproducible. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function seededSecret(rng: () => number): Uint8Array {
  return Uint8Array.from({ length: 32 }, () => Math.floor(rng() * 256));
}

/** Parses `words` (flat) and returns the error, failing when parsing succeeds. */
function parseError(words: readonly string[]): EngineError {
  try {
    parseRecoveryKey(words.join(' '));
  } catch (err) {
    assert.ok(isEngineError(err, 'RECOVERY_KEY_CHECKSUM'), `expected RECOVERY_KEY_CHECKSUM, got ${String(err)}`);
    return err;
  }
  assert.fail('the altered key was accepted');
}

/** Cheap check in the hot loops (assert on every one of ~260k cases is slow). */
function failsOnLine(words: readonly string[], line: number): boolean {
  try {
    parseRecoveryKey(words.join(' '));
    return false;
  } catch (err) {
    return isEngineError(err, 'RECOVERY_KEY_CHECKSUM') && err.details['line'] === line;
  }
}

describe('recovery key encoding', () => {
  it('is frozen: a known secret gives known words (format v1)', () => {
    const secret = Uint8Array.from({ length: 32 }, (_, i) => i);
    assert.deepEqual(encodeRecoveryKey(secret, 'en'), [
      ['abandon', 'amount', 'liberty', 'airport'],
      ['advice', 'choice', 'limb', 'tomato'],
      ['amount', 'embark', 'lizard', 'pioneer'],
      ['army', 'half', 'long', 'pink'],
      ['avoid', 'mass', 'luggage', 'charge'],
      ['beef', 'post', 'magnet', 'pill'],
      ['blossom', 'silver', 'man', 'casino'],
      ['bright', 'trophy', 'march', 'provide'],
    ]);
    assert.equal(
      formatRecoveryKey(encodeRecoveryKey(secret, 'pt-BR')),
      [
        '1. abacate afivelar incenso adepto',
        '2. acirrar borda indutor sumir',
        '3. afivelar delegado infrator nacional',
        '4. alfinete figurado inovador musical',
        '5. amostra jejum insulto bocado',
        '6. apoio noiva invocar muscular',
        '7. assinar ramal isento bico',
        '8. avesso teclado jardim ofuscado',
      ].join('\n'),
    );
  });

  it('has 8 lines of 4 words from the chosen list', () => {
    for (const lang of LANGS) {
      const lines = encodeRecoveryKey(randomBytes(32), lang);
      assert.equal(lines.length, 8);
      for (const line of lines) {
        assert.equal(line.length, 4);
        for (const w of line) assert.ok(LISTS[lang].includes(w), `${w} not in ${lang}`);
      }
    }
  });

  it('round-trips random, all-zero and all-ones secrets in both languages', () => {
    const secrets = [new Uint8Array(32), new Uint8Array(32).fill(0xff), ...Array.from({ length: 200 }, () => randomBytes(32))];
    for (const lang of LANGS) {
      for (const s of secrets) {
        const text = formatRecoveryKey(encodeRecoveryKey(s, lang));
        assert.deepEqual(parseRecoveryKey(text), new Uint8Array(s));
      }
    }
  });

  it('refuses secrets that are not 32 bytes', () => {
    for (const n of [0, 16, 31, 33, 64]) {
      assert.throws(
        () => encodeRecoveryKey(new Uint8Array(n), 'en'),
        (e: unknown) => isEngineError(e, 'INVALID_ARGUMENT'),
      );
    }
  });
});

describe('recovery key errors name the line', () => {
  it('catches every single-word substitution, exhaustively, and names its line and words', () => {
    const rng = prng(1);
    for (const lang of LANGS) {
      const words = encodeRecoveryKey(seededSecret(rng), lang).flat();
      const list = LISTS[lang];
      for (let pos = 0; pos < RECOVERY_KEY_WORDS; pos++) {
        const line = Math.floor(pos / 4) + 1;
        const original = words[pos] as string;
        let undetected = 0;
        for (const replacement of list) {
          if (replacement === original) continue;
          const altered = [...words];
          altered[pos] = replacement;
          if (!failsOnLine(altered, line)) undetected++;
        }
        assert.equal(undetected, 0, `${lang} position ${pos + 1}: ${undetected} substitutions not reported on line ${line}`);
        // One full assertion per position on the details.
        const altered = [...words];
        altered[pos] = list[(list.indexOf(original) + 1) % list.length] as string;
        assert.deepEqual(parseError(altered).details, { line, from: line * 4 - 3, to: line * 4, reason: 'checksum' });
      }
    }
  });

  it('catches sampled substitutions in many more keys', () => {
    const rng = prng(2);
    for (let k = 0; k < 40; k++) {
      const lang = LANGS[k % 2] as RecoveryKeyLanguage;
      const words = encodeRecoveryKey(seededSecret(rng), lang).flat();
      for (let pos = 0; pos < RECOVERY_KEY_WORDS; pos++) {
        for (let j = 0; j < 8; j++) {
          const replacement = LISTS[lang][Math.floor(rng() * 2048)] as string;
          if (replacement === words[pos]) continue;
          const altered = [...words];
          altered[pos] = replacement;
          assert.ok(failsOnLine(altered, Math.floor(pos / 4) + 1), `key ${k} position ${pos + 1}`);
        }
      }
    }
  });

  it('catches every swap of two different adjacent words, naming the line of the first', () => {
    const rng = prng(3);
    for (let k = 0; k < 100; k++) {
      const lang = LANGS[k % 2] as RecoveryKeyLanguage;
      const words = encodeRecoveryKey(seededSecret(rng), lang).flat();
      for (let pos = 0; pos + 1 < RECOVERY_KEY_WORDS; pos++) {
        if (words[pos] === words[pos + 1]) continue;
        const altered = [...words];
        [altered[pos], altered[pos + 1]] = [altered[pos + 1] as string, altered[pos] as string];
        assert.ok(failsOnLine(altered, Math.floor(pos / 4) + 1), `key ${k} swap ${pos + 1}/${pos + 2}`);
      }
    }
  });

  it('catches two whole lines exchanged', () => {
    const lines = encodeRecoveryKey(randomBytes(32), 'en');
    const swapped = [...lines];
    [swapped[1], swapped[4]] = [swapped[4] as string[], swapped[1] as string[]];
    assert.equal(parseError(swapped.flat()).details['line'], 2);
  });

  it('names the line and word of an unknown word or a word from the other list', () => {
    const words = encodeRecoveryKey(randomBytes(32), 'pt-BR').flat();
    for (const [pos, intruder] of [
      [0, 'abandon'],
      [9, 'xyzzy'],
      [22, 'zoo'],
      [31, 'abacatex'],
    ] as const) {
      const altered = [...words];
      altered[pos] = intruder;
      const line = Math.floor(pos / 4) + 1;
      assert.deepEqual(parseError(altered).details, {
        line,
        from: line * 4 - 3,
        to: line * 4,
        reason: 'unknown-word',
        word: pos + 1,
      });
    }
    const english = encodeRecoveryKey(randomBytes(32), 'en').flat();
    const mixed = [...english];
    mixed[13] = 'abacate';
    assert.equal(parseError(mixed).details['word'], 14);
  });

  it('names the line with a missing word and reports extra words after line 8', () => {
    const words = encodeRecoveryKey(randomBytes(32), 'en').flat();
    const missing = [...words];
    missing.splice(10, 1);
    assert.equal(parseError(missing).details['line'], 3);
    assert.deepEqual(parseError(words.slice(0, 30)).details, { line: 8, from: 29, to: 32, reason: 'missing-words' });
    assert.deepEqual(parseError([...words, 'abandon']).details, { line: 9, from: 33, to: 33, reason: 'extra-words' });
    assert.deepEqual(parseError([]).details, { line: 1, from: 1, to: 4, reason: 'missing-words' });
  });

  it('never puts the words of the key in the error', () => {
    const words = encodeRecoveryKey(randomBytes(32), 'en').flat();
    const altered = [...words];
    altered[5] = altered[5] === 'zoo' ? 'abandon' : 'zoo';
    const err = parseError(altered);
    const text = JSON.stringify({ message: err.message, details: err.details });
    // The error's own vocabulary (field names such as "reason", "line") may also be list words: a word counts
    // as leaked only when the same error made from another key does not contain it.
    let other = encodeRecoveryKey(randomBytes(32), 'en').flat();
    while (other[5] === altered[5]) other = encodeRecoveryKey(randomBytes(32), 'en').flat();
    other[5] = altered[5] as string;
    const ref = parseError(other);
    const refText = JSON.stringify({ message: ref.message, details: ref.details });
    assert.deepEqual(ref.details, err.details);
    for (const w of new Set(altered)) {
      const re = new RegExp(`\\b${w}\\b`);
      assert.ok(!re.test(text) || re.test(refText), `word "${w}" leaked into the error`);
    }
  });
});

describe('recovery key parsing tolerance', () => {
  const secret = randomBytes(32);
  const en = encodeRecoveryKey(secret, 'en');
  const pt = encodeRecoveryKey(secret, 'pt-BR');

  const variants: [string, string][] = [
    ['printed form', formatRecoveryKey(en)],
    ['upper case', formatRecoveryKey(en).toUpperCase()],
    ['one line, no numbers', en.flat().join(' ')],
    ['hyphens', en.map((l) => l.join('-')).join('\n')],
    ['extra spaces, tabs, CRLF, blank lines', `\r\n\r\n  ${en.map((l, i) => `${i + 1})\t${l.join('   ')}  `).join('\r\n\r\n')}\n\n`],
    ['commas and "1:" numbering', en.map((l, i) => `${i + 1}: ${l.join(', ')}`).join('\n')],
    ['other line breaks than printed', en.flat().reduce((acc, w, i) => acc + w + (i % 5 === 4 ? '\n' : ' '), '')],
    ['Portuguese printed form', formatRecoveryKey(pt)],
    ['Portuguese mixed case', formatRecoveryKey(pt).replace(/\b(\w)/g, (c) => c.toUpperCase())],
  ];
  for (const [name, text] of variants) {
    it(`accepts ${name}`, () => assert.deepEqual(parseRecoveryKey(text), new Uint8Array(secret)));
  }

  it('accepts Portuguese words typed with accents (decomposed or precomposed)', () => {
    const accent: Record<string, string> = { a: 'á', e: 'ê', o: 'ó', c: 'ç', i: 'í', u: 'ú' };
    const typed = pt.map((l) => l.map((w) => w.replace(/[aeoiuc]/, (ch) => accent[ch] ?? ch)));
    const text = formatRecoveryKey(typed);
    assert.notEqual(text, formatRecoveryKey(pt));
    assert.deepEqual(parseRecoveryKey(text.normalize('NFC')), new Uint8Array(secret));
    assert.deepEqual(parseRecoveryKey(text.normalize('NFD')), new Uint8Array(secret));
  });
});

describe('confirmation words', () => {
  const lines = encodeRecoveryKey(randomBytes(32), 'pt-BR');
  const words = lines.flat();

  it('picks two distinct positions in range, in order, from any rng value', () => {
    const seen = new Set<string>();
    const rng = prng(4);
    for (let i = 0; i < 5000; i++) {
      const { positions } = pickConfirmationWords(lines, rng);
      const [a, b] = positions;
      assert.ok(a >= 1 && b <= 32 && a < b, `bad positions ${a}, ${b}`);
      seen.add(`${a},${b}`);
    }
    assert.ok(seen.size > 400, 'positions are spread over the key');
    for (const edge of [0, 0.5, 0.999999999]) {
      const [a, b] = pickConfirmationWords(lines, () => edge).positions;
      assert.ok(a >= 1 && b <= 32 && a < b);
    }
    const [a, b] = pickConfirmationWords(lines).positions;
    assert.ok(a >= 1 && b <= 32 && a < b);
  });

  it('checks answers ignoring case, accents and spaces', () => {
    const [a, b] = pickConfirmationWords(lines).positions;
    const wa = words[a - 1] as string;
    const wb = words[b - 1] as string;
    assert.equal(
      checkConfirmationWords(lines, [
        { position: a, word: wa },
        { position: b, word: wb },
      ]),
      true,
    );
    assert.equal(
      checkConfirmationWords(lines, [
        { position: a, word: ` ${wa.toUpperCase()} ` },
        { position: b, word: wb.replace(/a/, 'á') },
      ]),
      true,
    );
  });

  it('refuses a wrong word, a swapped answer, a bad position and no answer', () => {
    const [a, b] = [3, 17];
    const wa = words[a - 1] as string;
    const wb = words[b - 1] as string;
    const other = portugueseWords.find((w) => w !== wa) as string;
    assert.equal(
      checkConfirmationWords(lines, [
        { position: a, word: other },
        { position: b, word: wb },
      ]),
      false,
    );
    if (wa !== wb)
      assert.equal(
        checkConfirmationWords(lines, [
          { position: a, word: wb },
          { position: b, word: wa },
        ]),
        false,
      );
    assert.equal(checkConfirmationWords(lines, [{ position: 0, word: wa }]), false);
    assert.equal(checkConfirmationWords(lines, [{ position: 33, word: wa }]), false);
    assert.equal(checkConfirmationWords(lines, [{ position: 1.5, word: wa }]), false);
    assert.equal(checkConfirmationWords(lines, [{ position: a, word: '' }]), false);
    assert.equal(checkConfirmationWords(lines, []), false);
  });
});
