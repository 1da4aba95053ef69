import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { readdir } from 'node:fs/promises';
import { test } from 'node:test';
import { FrameIds } from '../../src/archiver/frameIds.js';
import { KeySpill, makeSpillDir, mergeReadBlock, removeSpillDir, RowSpill } from '../../src/archiver/spill.js';
import { compareSpillRows, encodeSpillRows, FRAMES_PER_BATCH, mergeSpillBlocks, type SpillRow } from '../../src/pool/rowRecords.js';

function rows(n: number, seqFrom: number): SpillRow[] {
  const out: SpillRow[] = [];
  for (let i = 0; i < n; i++) {
    const p = Math.floor(Math.random() * 5000);
    out.push({
      patient: `patient-${p}-${'x'.repeat(p % 40)}`,
      type: p % 3 === 0 ? 'Observation' : 'Encounter',
      id: randomBytes(8 + (i % 20)).toString('hex'),
      flags: i & 1,
      frame: Math.floor(Math.random() * 2 ** 31),
      offset: i * 7,
      length: 1 + (i % 1000),
      lineHash: randomBytes(12),
      seq: seqFrom + i,
    });
  }
  return out;
}

test('the merge read blocks shrink with the number of runs, within 32 KiB and 256 KiB', () => {
  assert.equal(mergeReadBlock(1), 256 * 1024);
  assert.equal(mergeReadBlock(16), 256 * 1024);
  assert.equal(mergeReadBlock(64), 64 * 1024);
  assert.equal(mergeReadBlock(1000), 32 * 1024);
});

test('rows spilled in 150 runs (32 KiB read blocks, records crossing every block boundary) merge back whole and in order', async () => {
  const dir = await makeSpillDir();
  try {
    const spill = new RowSpill(dir, 400, async (blocks) => new Uint8Array(mergeSpillBlocks(blocks)));
    const all: SpillRow[] = [];
    let seq = 1;
    for (let run = 0; run < 150; run++) {
      const block = rows(400, seq).sort(compareSpillRows);
      seq += 400;
      all.push(...block);
      spill.addBlock(new Uint8Array(encodeSpillRows(block)), block.length);
      if (spill.full) await spill.spill();
    }
    assert.equal((await readdir(dir)).filter((f) => f.startsWith('rows-')).length, 150);
    assert.equal(mergeReadBlock(150), 32 * 1024);
    const merged: SpillRow[] = [];
    for await (const batch of spill.mergedBatches(777)) merged.push(...batch);
    assert.equal(merged.length, all.length);
    assert.deepEqual(merged, all.sort(compareSpillRows));
    // Re-runnable: a second merge reads the same rows again.
    let again = 0;
    for await (const batch of spill.mergedBatches()) again += batch.length;
    assert.equal(again, all.length);
  } finally {
    await removeSpillDir(dir);
  }
});

test('key records spilled in 200 runs merge in (key, seq) order with nothing lost, read in place from fixed blocks', async () => {
  const dir = await makeSpillDir();
  try {
    const keys = new KeySpill(dir, 3000);
    const expected: number[][] = [];
    for (let i = 0; i < 200 * 3000 + 123; i++) {
      const h0 = Math.floor(Math.random() * 2 ** 32);
      const h1 = i % 5;
      const h2 = Math.floor(Math.random() * 4);
      const deleted = i % 11 === 0;
      keys.add(h0, h1, h2, i + 1, deleted);
      expected.push([h0, h1, h2, i + 1, deleted ? 1 : 0]);
    }
    expected.sort((a, b) => (a[0] as number) - (b[0] as number) || (a[1] as number) - (b[1] as number) || (a[2] as number) - (b[2] as number) || (a[3] as number) - (b[3] as number));
    await keys.spill();
    const got: number[][] = [];
    for await (const r of keys.merged()) got.push([r.h0, r.h1, r.h2, r.seq, r.deleted ? 1 : 0]);
    assert.equal(got.length, expected.length);
    assert.deepEqual(got, expected);
  } finally {
    await removeSpillDir(dir);
  }
});

test('frame ids: 16 bytes per frame in slots per batch; unsealed frames and unknown batches are absent; a view per frame', () => {
  const t = new FrameIds();
  const ids = new Map<number, Buffer>();
  for (let batch = 0; batch < 3000; batch += 1 + (batch % 3)) {
    const frames = 1 + (batch % 40);
    t.reserve(batch, frames);
    for (let local = 0; local < frames; local++) {
      if ((batch + local) % 7 === 0) continue; // not sealed (yet)
      const id = randomBytes(16);
      const frame = batch * FRAMES_PER_BATCH + local;
      t.set(frame, id);
      ids.set(frame, id);
    }
  }
  assert.equal(t.size, ids.size);
  for (const [frame, id] of ids) assert.deepEqual(t.get(frame), id);
  assert.equal(t.get(7 * FRAMES_PER_BATCH), undefined); // batch 7 is reserved, its frame 0 never sealed
  assert.equal(t.get(1 * FRAMES_PER_BATCH + 5), undefined); // batch 1 has 2 frames
  assert.equal(t.get(5000 * FRAMES_PER_BATCH), undefined);
  const [first] = ids.keys();
  assert.equal(t.get(first as number), t.get(first as number), 'one view per frame, reused');
  assert.ok(t.bytes < ids.size * 16 * 3, `table of ${t.bytes} bytes for ${ids.size} frames`);
  assert.throws(() => t.set(1 * FRAMES_PER_BATCH + 5, randomBytes(16)), RangeError);
  assert.throws(() => t.reserve(0, 99), RangeError);
});
