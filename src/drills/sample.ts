/** A seeded random sample: the same seed and the same ids always give the same sample (recorded in the drill). */
import { randomInt } from 'node:crypto';

/** A fresh seed for a drill (31 bits, so it prints and stores as a plain integer). */
export function newSeed(): number {
  return randomInt(0, 2 ** 31);
}

/** mulberry32: a small, fast PRNG; plenty for picking patients, not for secrets. Returns [0, 1). */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * Up to `n` distinct items of `items`, chosen with the seed (partial Fisher-Yates over the items sorted,
 * so the input order does not matter), returned sorted.
 */
export function seededSample(items: Iterable<string>, n: number, seed: number): string[] {
  const pool = [...new Set(items)].sort();
  const k = Math.max(0, Math.min(Math.floor(n), pool.length));
  const rnd = seededRandom(seed);
  for (let i = 0; i < k; i++) {
    const j = i + Math.floor(rnd() * (pool.length - i));
    const tmp = pool[i] as string;
    pool[i] = pool[j] as string;
    pool[j] = tmp;
  }
  return pool.slice(0, k).sort();
}
