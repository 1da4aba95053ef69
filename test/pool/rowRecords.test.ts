import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { test } from 'node:test';
import { compareSpillRows, decodeSpillRows, encodeSpillRows, mergeSpillBlocks, SpillRowWriter, type SpillRow } from '../../src/pool/rowRecords.js';

/** Rows with few patients, types and ids (so keys repeat across blocks and prefixes of each other meet). */
function randomRows(n: number, seqFrom: number): SpillRow[] {
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(Math.random() * xs.length)] as T;
  const patients = ['', 'p', 'p1', 'p10', 'p2', 'P', 'a-b.c', 'x'.repeat(64)];
  const types = ['Observation', 'Obs', 'Patient', 'Encounter'];
  const rows: SpillRow[] = [];
  for (let i = 0; i < n; i++) {
    rows.push({
      patient: pick(patients),
      type: pick(types),
      id: pick(['1', '10', '2', 'a', 'A', 'id-' + (i % 7)]),
      flags: i & 3,
      frame: Math.floor(Math.random() * 2 ** 30),
      offset: i * 100,
      length: 1 + (i % 900),
      lineHash: randomBytes(12),
      seq: seqFrom + Math.floor(Math.random() * 1e6),
    });
  }
  return rows;
}

test('spill blocks, each sorted, merge by their encoded bytes into the order of compareSpillRows, records intact', () => {
  for (let round = 0; round < 20; round++) {
    const blocks = Array.from({ length: 1 + (round % 9) }, (_, k) => randomRows(round === 0 && k === 0 ? 0 : 1 + Math.floor(Math.random() * 400), k * 1e6).sort(compareSpillRows));
    const merged = decodeSpillRows(mergeSpillBlocks(blocks.map((b) => new Uint8Array(encodeSpillRows(b)))));
    const expected = blocks.flat().sort(compareSpillRows);
    assert.deepEqual(merged, expected);
  }
});

test('spill blocks that are not sorted are still merged into order', () => {
  const blocks = [randomRows(300, 0), randomRows(200, 1e6).sort(compareSpillRows)];
  const merged = decodeSpillRows(mergeSpillBlocks(blocks.map((b) => new Uint8Array(encodeSpillRows(b)))));
  assert.deepEqual(merged, blocks.flat().sort(compareSpillRows));
});

test('rows written one by one come back encoded as encodeSpillRows would, sorted by compareSpillRows', () => {
  for (let round = 0; round < 10; round++) {
    const rows = randomRows(round * 150, 0);
    const w = new SpillRowWriter();
    for (const r of rows) w.add(r.patient, r.type, r.id, r.flags, r.frame, r.offset, r.length, Buffer.concat([Buffer.alloc(3), r.lineHash]), 3, r.seq);
    assert.equal(w.count, rows.length);
    assert.deepEqual(Buffer.from(w.sorted()), encodeSpillRows([...rows].sort(compareSpillRows)));
  }
  assert.throws(() => new SpillRowWriter().add('x'.repeat(65), 'Patient', 'a', 0, 0, 0, 1, Buffer.alloc(12), 0, 1), RangeError);
});
