/** Compares the resources of two NDJSON folders as multisets of exact lines (order-independent). */
import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { sha256 } from '../crypto/index.js';
import { readNdjsonFile } from '../archiver/index.js';

export interface NdjsonComparison {
  readonly identical: boolean;
  readonly linesA: number;
  readonly linesB: number;
  /** Lines of A that B lacks, and of B that A lacks (counts). */
  readonly onlyInA: number;
  readonly onlyInB: number;
}

async function lineDigests(dir: string): Promise<Map<string, number>> {
  const counts = new Map<string, number>();
  for (const name of (await readdir(dir)).filter((n) => /\.(ndjson|jsonl)$/i.test(n))) {
    for await (const { bytes } of readNdjsonFile(path.join(dir, name))) {
      if (bytes.length === 0) continue;
      const k = sha256(bytes).toString('base64');
      counts.set(k, (counts.get(k) ?? 0) + 1);
    }
  }
  return counts;
}

export async function compareNdjsonFolders(a: string, b: string): Promise<NdjsonComparison> {
  const da = await lineDigests(a);
  const db = await lineDigests(b);
  let linesA = 0;
  let linesB = 0;
  let onlyInA = 0;
  let onlyInB = 0;
  for (const [k, n] of da) {
    linesA += n;
    onlyInA += Math.max(0, n - (db.get(k) ?? 0));
  }
  for (const [k, n] of db) {
    linesB += n;
    onlyInB += Math.max(0, n - (da.get(k) ?? 0));
  }
  return { identical: onlyInA === 0 && onlyInB === 0, linesA, linesB, onlyInA, onlyInB };
}
