import assert from 'node:assert/strict';
import { test } from 'node:test';
import { collapseDeltas, decodeChunk, decodeDelta, decodeRow, encodeChunk, encodeDelta, encodeRow, mergeRows, rowId, type DeltaChange } from '../../src/repository/tree.js';
import { treeRows, writeTree } from '../../src/repository/treeStore.js';
import { tempDir } from '../support/tmp.js';
import { newRepo } from '../support/repo.js';

const blob = (n: number): string => n.toString(16).padStart(64, '0');
const row = (id: string, v: number): string => encodeRow({ id, versionId: String(v), lastUpdated: '2026-01-01T00:00:00.000Z', blob: blob(v), patient: 'p1,p2', size: 10 + v });

test('rows, chunks and deltas round-trip', () => {
  const e = decodeRow(row('abc', 3));
  assert.equal(e.id, 'abc');
  assert.equal(e.patient, 'p1,p2');
  assert.equal(e.size, 13);
  const c = decodeChunk(encodeChunk('Observation', [row('a', 1), row('b', 2)]));
  assert.equal(c.type, 'Observation');
  assert.deepEqual(c.rows.map(rowId), ['a', 'b']);
  const d: DeltaChange[] = [{ type: 'Patient', id: 'x', row: row('x', 1) }, { type: 'Patient', id: 'y', row: null }];
  assert.deepEqual(decodeDelta(encodeDelta(d)), d);
  assert.throws(() => encodeRow({ id: 'a\tb', versionId: null, lastUpdated: null, blob: blob(1), patient: null, size: 1 }));
});

test('mergeRows applies replacements, deletions and insertions in id order', () => {
  const base = ['a', 'c', 'e'].map((id) => row(id, 1));
  const overlay: DeltaChange[] = [
    { type: 'T', id: 'b', row: row('b', 2) },
    { type: 'T', id: 'c', row: null },
    { type: 'T', id: 'e', row: row('e', 9) },
    { type: 'T', id: 'f', row: row('f', 2) },
  ];
  assert.deepEqual([...mergeRows(base, overlay)], [row('a', 1), row('b', 2), row('e', 9), row('f', 2)]);
  const collapsed = collapseDeltas([[{ type: 'T', id: 'x', row: row('x', 1) }], [{ type: 'T', id: 'x', row: null }]]);
  assert.deepEqual(collapsed.get('T'), [{ type: 'T', id: 'x', row: null }]);
});

test('a chain of random snapshots (deltas and checkpoints) always equals the model', async () => {
  const dir = await tempDir();
  // Small chunks and checkpoints so the test crosses chunk boundaries and several checkpoint rewrites.
  const { repo } = await newRepo(dir, { treeChunkEntries: 7, checkpointEvery: 4, checkpointChangeRatio: 0.3 });
  let seed = 12345;
  const rnd = (n: number): number => ((seed = (seed * 1103515245 + 12345) % 2 ** 31), seed % n);
  const model = new Map<string, string>();
  let tree = null as Awaited<ReturnType<typeof writeTree>> | null;
  let sawDelta = false;
  let sawCheckpointAfterDelta = false;
  for (let round = 0; round < 14; round++) {
    const changes = new Map<string, DeltaChange[]>();
    const touched = new Set<string>();
    const n = round === 0 ? 60 : 1 + rnd(12);
    for (let i = 0; i < n; i++) {
      const type = ['Patient', 'Observation', 'Encounter'][rnd(3)] as string;
      const id = `id${rnd(40).toString().padStart(3, '0')}`;
      const key = `${type}/${id}`;
      if (touched.has(key)) continue;
      touched.add(key);
      const del = model.has(key) && rnd(4) === 0;
      const r = del ? null : row(id, round * 100 + i);
      if (del) model.delete(key);
      else model.set(key, r as string);
      const list = changes.get(type) ?? [];
      list.push({ type, id, row: r });
      changes.set(type, list);
    }
    for (const list of changes.values()) list.sort((a, b) => (a.id < b.id ? -1 : 1));
    const w = repo.writer();
    const next = await writeTree(repo, w, tree, changes, model.size);
    await w.flush();
    if (next.deltas.length > 0) sawDelta = true;
    if (sawDelta && next.deltas.length === 0 && round > 0) sawCheckpointAfterDelta = true;
    tree = next;
    const got = new Map<string, string>();
    for await (const { type, row: r } of treeRows(repo, tree)) got.set(`${type}/${rowId(r)}`, r);
    assert.deepEqual(got, model, `round ${round}`);
  }
  assert.ok(sawDelta, 'some snapshots were stored as deltas');
  assert.ok(sawCheckpointAfterDelta, 'a long chain was folded into a new checkpoint');
});
