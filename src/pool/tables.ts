/**
 * Compact tables shared between the backup's main thread and the workers, with no JS object per resource:
 *  - the parent line-hash table: every line hash of the parent snapshot, sorted (3 big-endian u32 words per
 *    12-byte hash, so numeric order is byte order), bucketed by the top 16 bits, in a SharedArrayBuffer;
 *  - a 96-bit non-cryptographic hash of a resource key (type, id) for the run's in-memory key table.
 */

export const HASH_WORDS = 3;
const BUCKET_BITS = 16;
const BUCKETS = 1 << BUCKET_BITS;

/** A sorted line-hash table (built once per backup from the parent's rows). */
export interface LineTable {
  /** 3 words per entry, sorted. */
  readonly words: Uint32Array;
  /** Bucket b holds entries [buckets[b], buckets[b + 1]). */
  readonly buckets: Uint32Array;
  readonly count: number;
}

/** Words of a 12-byte hash at `at`, big-endian, so that comparing words compares bytes. */
function w(b: Uint8Array, at: number): number {
  return (((b[at] as number) << 24) | ((b[at + 1] as number) << 16) | ((b[at + 2] as number) << 8) | (b[at + 3] as number)) >>> 0;
}

/**
 * Builds the table from `count` 12-byte hashes laid end to end, in SharedArrayBuffers (counting sort on the top
 * 16 bits, then insertion sort inside each small bucket: linear time for uniformly random hashes).
 */
export function buildLineTable(hashes: Uint8Array, count: number, shared = true): LineTable {
  const make = (bytes: number): ArrayBuffer | SharedArrayBuffer => (shared ? new SharedArrayBuffer(Math.max(4, bytes)) : new ArrayBuffer(Math.max(4, bytes)));
  const words = new Uint32Array(make(count * HASH_WORDS * 4));
  const buckets = new Uint32Array(make((BUCKETS + 1) * 4));
  const counts = new Uint32Array(BUCKETS + 1);
  for (let i = 0; i < count; i++) counts[(((hashes[i * 12] as number) << 8) | (hashes[i * 12 + 1] as number)) + 1]!++;
  for (let b = 0; b < BUCKETS; b++) counts[b + 1]! += counts[b] as number;
  buckets.set(counts);
  const fill = counts.slice(0, BUCKETS);
  for (let i = 0; i < count; i++) {
    const b = ((hashes[i * 12] as number) << 8) | (hashes[i * 12 + 1] as number);
    const at = fill[b]!++ * HASH_WORDS;
    words[at] = w(hashes, i * 12);
    words[at + 1] = w(hashes, i * 12 + 4);
    words[at + 2] = w(hashes, i * 12 + 8);
  }
  for (let b = 0; b < BUCKETS; b++) {
    const start = buckets[b] as number;
    const end = buckets[b + 1] as number;
    for (let i = start + 1; i < end; i++) {
      const a0 = words[i * 3] as number;
      const a1 = words[i * 3 + 1] as number;
      const a2 = words[i * 3 + 2] as number;
      let j = i - 1;
      while (j >= start && cmp3(words, j, a0, a1, a2) > 0) {
        words[(j + 1) * 3] = words[j * 3] as number;
        words[(j + 1) * 3 + 1] = words[j * 3 + 1] as number;
        words[(j + 1) * 3 + 2] = words[j * 3 + 2] as number;
        j--;
      }
      words[(j + 1) * 3] = a0;
      words[(j + 1) * 3 + 1] = a1;
      words[(j + 1) * 3 + 2] = a2;
    }
  }
  return { words, buckets, count };
}

function cmp3(words: Uint32Array, i: number, a0: number, a1: number, a2: number): number {
  const b0 = words[i * 3] as number;
  if (b0 !== a0) return b0 < a0 ? -1 : 1;
  const b1 = words[i * 3 + 1] as number;
  if (b1 !== a1) return b1 < a1 ? -1 : 1;
  const b2 = words[i * 3 + 2] as number;
  return b2 === a2 ? 0 : b2 < a2 ? -1 : 1;
}

/** Position of a 12-byte hash in the table, or -1. */
export function findLine(table: LineTable, hash: Uint8Array, at = 0): number {
  const b = ((hash[at] as number) << 8) | (hash[at + 1] as number);
  let lo = table.buckets[b] as number;
  let hi = (table.buckets[b + 1] as number) - 1;
  const a0 = w(hash, at);
  const a1 = w(hash, at + 4);
  const a2 = w(hash, at + 8);
  while (lo <= hi) {
    const mid = (lo + hi) >>> 1;
    const c = cmp3(table.words, mid, a0, a1, a2);
    if (c === 0) return mid;
    if (c < 0) lo = mid + 1;
    else hi = mid - 1;
  }
  return -1;
}

function fmix(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/**
 * A 96-bit hash of a resource key (type, id), written as 3 words into `out` at `at` (never all zero): three
 * multiplicative lanes over the characters of "type/id" in one pass, each finished with murmur3's mixer.
 * Not cryptographic: it only groups this run's keys in memory and on local spill files.
 */
export function keyHash(type: string, id: string, out: Uint32Array, at: number): void {
  let a = 0x9747b28c;
  let b = 0x5bd1e995;
  let c = 0x2545f491;
  const total = type.length + 1 + id.length;
  for (let i = 0; i < total; i++) {
    const ch = i < type.length ? type.charCodeAt(i) : i === type.length ? 47 : id.charCodeAt(i - type.length - 1);
    a = Math.imul(a ^ ch, 0x01000193);
    b = (Math.imul(b ^ ch, 0x85ebca77) + 0x165667b1) | 0;
    c = Math.imul((c << 5) | (c >>> 27), 0xc2b2ae3d) ^ ch;
  }
  out[at] = fmix((a ^ total) >>> 0) | 1;
  out[at + 1] = fmix((b ^ Math.imul(total, 0x27d4eb2f)) >>> 0);
  out[at + 2] = fmix((c + a) >>> 0);
}
