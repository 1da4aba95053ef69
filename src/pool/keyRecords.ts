/**
 * Key records of a backup run (archiver/spill.ts KeySpill): 4 words each, a 96-bit key hash and the sequence number
 * (its top bit marks a deletion). Sorting a run of them is a pool task, so a 64k-record run does not hold the host's
 * event loop (the tray and the UI) for the tens of milliseconds a sort takes on a loaded machine.
 */
export const KEY_WORDS = 4;

/** True when record a[i..] sorts before b[j..] by (h0, h1, h2, seq without the deletion bit). */
export function keyLess(a: Uint32Array, i: number, b: Uint32Array, j: number): boolean {
  for (let k = 0; k < KEY_WORDS; k++) {
    const x = k === 3 ? (a[i + k] as number) & 0x7fffffff : (a[i + k] as number);
    const y = k === 3 ? (b[j + k] as number) & 0x7fffffff : (b[j + k] as number);
    if (x !== y) return x < y;
  }
  return false;
}

/** Sorts n ≤ 2^20 4-word records by (h0, h1, h2, seq): a native float sort on (h0, position), then ties fixed locally. */
export function sortKeyRecords(words: Uint32Array, n: number): Uint32Array {
  if (n > 1048576) throw new RangeError('key run too large');
  const order = new Float64Array(n);
  for (let i = 0; i < n; i++) order[i] = (words[i * KEY_WORDS] as number) * 1048576 + i;
  order.sort();
  const out = new Uint32Array(n * KEY_WORDS);
  for (let k = 0; k < n; k++) {
    const i = (order[k] as number) % 1048576;
    out.set(words.subarray(i * KEY_WORDS, i * KEY_WORDS + KEY_WORDS), k * KEY_WORDS);
  }
  // Equal first words are adjacent now; order them by the remaining words (rare: a few per million).
  for (let k = 1; k < n; k++) {
    if (out[k * KEY_WORDS] !== out[(k - 1) * KEY_WORDS]) continue;
    let j = k;
    while (j > 0 && out[j * KEY_WORDS] === out[(j - 1) * KEY_WORDS] && keyLess(out, j * KEY_WORDS, out, (j - 1) * KEY_WORDS)) {
      const tmp = out.slice(j * KEY_WORDS, j * KEY_WORDS + KEY_WORDS);
      out.copyWithin(j * KEY_WORDS, (j - 1) * KEY_WORDS, j * KEY_WORDS);
      out.set(tmp, (j - 1) * KEY_WORDS);
      j--;
    }
  }
  return out;
}
