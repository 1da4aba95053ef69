import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { readdir } from 'node:fs/promises';
import { test } from 'node:test';
import { KEY_DELETE, KeySpill, makeSpillDir, removeSpillDir } from '../../src/archiver/spill.js';
import { WorkerPool } from '../../src/pool/index.js';

interface Rec {
  h0: number;
  h1: number;
  h2: number;
  seq: number;
  deleted: boolean;
}

/** Records with many shared first words (ties the sort must order by the other words) and a few deletions. */
function records(n: number): Rec[] {
  const r = randomBytes(n * 12);
  const out: Rec[] = [];
  for (let i = 0; i < n; i++) out.push({ h0: i % 7 === 0 ? 42 : r.readUInt32LE(i * 12), h1: r.readUInt32LE(i * 12 + 4), h2: r.readUInt32LE(i * 12 + 8), seq: i + 1, deleted: i % 11 === 0 });
  return out;
}

const expected = (recs: Rec[]): string[] => [...recs].sort((a, b) => a.h0 - b.h0 || a.h1 - b.h1 || a.h2 - b.h2 || a.seq - b.seq).map((r) => `${r.h0},${r.h1},${r.h2},${r.seq},${r.deleted}`);

async function drained(spill: KeySpill): Promise<string[]> {
  const got: string[] = [];
  await spill.forEach((h0, h1, h2, w3) => got.push(`${h0},${h1},${h2},${w3 & 0x7fffffff},${(w3 & KEY_DELETE) !== 0}`));
  return got;
}

test('key runs sorted in the worker pool merge to every record, in (key, seq) order, as runs sorted in this thread do; a second merge gives the same', async () => {
  const recs = records(5_000);
  const pool = new WorkerPool(2, false, Infinity);
  const dirs: string[] = [];
  try {
    for (const inPool of [false, true]) {
      const dir = await makeSpillDir();
      dirs.push(dir);
      // Runs of 300 records: 16 spilled while records keep coming (their buffers move to the workers), 200 in memory.
      const spill = new KeySpill(dir, 300, inPool ? (words, n) => pool.run<Uint32Array>('sortKeys', 0, { words, n }, [words.buffer as ArrayBuffer]) : null);
      for (const r of recs) spill.add(r.h0, r.h1, r.h2, r.seq, r.deleted);
      assert.equal(spill.count, recs.length);
      const want = expected(recs);
      assert.deepEqual(await drained(spill), want, inPool ? 'sorted in the pool' : 'sorted here');
      assert.deepEqual(await drained(spill), want, 'merged again');
      assert.equal((await readdir(dir)).filter((f) => f.startsWith('keys-')).length, 16);
    }
  } finally {
    await pool.close();
    for (const d of dirs) await removeSpillDir(d);
  }
});

test('the key merge gives the event loop a turn while it runs (a timer fires during a merge of 200k records)', async () => {
  const dir = await makeSpillDir();
  try {
    // One run in memory: no file read (whose wait would let a timer run anyway) between the first and last record.
    const spill = new KeySpill(dir, 1 << 20);
    const recs = records(200_000);
    for (const r of recs) spill.add(r.h0, r.h1, r.h2, r.seq, r.deleted);
    let fired = 0;
    let seen = 0;
    let seenAtFirstTurn = -1;
    const timer = setInterval(() => {
      fired++;
      if (seenAtFirstTurn < 0) seenAtFirstTurn = seen;
    }, 0);
    // The timer first fires once the merge yields; a merge without turns would call it only after the last record.
    await spill.forEach(() => {
      seen++;
    });
    clearInterval(timer);
    assert.equal(seen, recs.length);
    assert.ok(fired > 0 && seenAtFirstTurn < recs.length, `a turn came before the merge ended (first at record ${seenAtFirstTurn})`);
  } finally {
    await removeSpillDir(dir);
  }
});
