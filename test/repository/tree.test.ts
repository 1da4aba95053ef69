import assert from 'node:assert/strict';
import { test } from 'node:test';
import { collapseDeltas, decodeChunk, decodeDelta, decodeRow, encodeChunk, encodeDelta, encodeRow, mergeRows, rowId, type DeltaChange } from '../../src/repository/tree.js';
import { Archiver, type ArchiveResult } from '../../src/archiver/archiver.js';
import { readResource, snapshotRows } from '../../src/repository/reader.js';
import type { ResourceTreeRef } from '../../src/repository/resourceTree.js';
import type { SnapshotRecord } from '../../src/repository/snapshot.js';
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
  const d: DeltaChange[] = [
    { type: 'Patient', id: 'x', row: row('x', 1) },
    { type: 'Patient', id: 'y', row: null },
  ];
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

for (const variant of [
  { name: '', deltaKeys: undefined, checkpointEvery: 4 },
  { name: '; changes larger than a delta holds split into several deltas by key', deltaKeys: 1, checkpointEvery: 12 },
]) {
  test(`v2: a chain of random snapshots (full and incremental, deltas and checkpoints, tiny spills) always equals the model, whole and per patient${variant.name}`, async () => {
    const dir = await tempDir();
    // Small chunks, frames and checkpoints so the test crosses chunk boundaries and several checkpoint rewrites.
    const { repo } = await newRepo(dir, { treeChunkRows: 5, checkpointEvery: variant.checkpointEvery, checkpointChangeRatio: 0.3, frameTargetBytes: 1024 });
    let seed = 12345;
    const rnd = (n: number): number => ((seed = (seed * 1103515245 + 12345) % 2 ** 31), seed % n);
    /** "Type/id" → the line last written for it. */
    const model = new Map<string, string>();
    const line = (type: string, id: string, v: number): string => {
      const patients = type === 'Patient' ? [] : [`p${rnd(6)}`, ...(rnd(3) === 0 ? [`p${rnd(6)}`] : [])];
      const refs = patients.map((p, k) => (k === 0 ? `"subject":{"reference":"Patient/${p}"}` : `"performer":[{"reference":"Patient/${p}"}]`));
      return `{"resourceType":"${type}","id":"${id}",${[...refs, `"v":${v}`].join(',')}}`;
    };
    // The R4 patient compartment: Observation by subject and performer, Encounter by subject only.
    const compartment = (key: string, text: string): string[] => {
      const out = key.startsWith('Patient/') ? [key.slice(8)] : [];
      const refs = key.startsWith('Encounter/') ? text.matchAll(/"subject":\{"reference":"Patient\/(p\d)"/g) : text.matchAll(/Patient\/(p\d)/g);
      for (const m of refs) if (!out.includes(m[1] as string)) out.push(m[1] as string);
      return out;
    };
    let parent: SnapshotRecord | null = null;
    let sawDelta = false;
    let sawCheckpointAfterDelta = false;
    let sawSplit = false;
    for (let round = 0; round < 16; round++) {
      const mode = round > 0 && round % 3 === 0 ? 'incremental' : 'full';
      const a: Archiver = new Archiver(repo, {
        source: { kind: 'ndjson', location: 'model', strategy: 'files' },
        mode,
        parent,
        spillRows: 3,
        ...(variant.deltaKeys ? { deltaKeys: variant.deltaKeys } : {}),
      });
      await a.begin();
      const n = round === 0 ? 60 : 1 + rnd(14);
      const written = new Map<string, string>();
      const deleted = new Set<string>();
      for (let i = 0; i < n; i++) {
        const type = ['Patient', 'Observation', 'Encounter'][rnd(3)] as string;
        const id = type === 'Patient' ? `p${rnd(6)}` : `id${rnd(40).toString().padStart(3, '0')}`;
        const key = `${type}/${id}`;
        if (mode === 'incremental' && model.has(key) && rnd(5) === 0) {
          await a.deleteResource(type, id);
          deleted.add(key);
          written.delete(key);
          continue;
        }
        // Sometimes the same key twice in a run (the last line wins), sometimes an unchanged line again.
        const text = model.has(key) && rnd(4) === 0 ? (model.get(key) as string) : line(type, id, round * 100 + i);
        await a.addLine(Buffer.from(text), { file: 'x', line: i + 1 });
        written.set(key, text);
        deleted.delete(key);
      }
      if (mode === 'full') {
        // A full listing also repeats every other resource the model keeps, unchanged, except some left out (deleted).
        for (const [key, text] of model) {
          if (written.has(key) || deleted.has(key)) continue;
          if (rnd(10) === 0) continue;
          await a.addLine(Buffer.from(text), { file: 'y', line: 1 });
          written.set(key, text);
        }
        model.clear();
        for (const [k, t] of written) model.set(k, t);
      } else {
        for (const k of deleted) model.delete(k);
        for (const [k, t] of written) model.set(k, t);
      }
      const r: ArchiveResult = await a.commit();
      const tree = r.manifest.tree as ResourceTreeRef;
      if (tree.deltas.length > 0) sawDelta = true;
      const parentDeltas = (parent?.manifest.tree as ResourceTreeRef | undefined)?.deltas.length ?? 0;
      if (tree.deltas.length > parentDeltas + 1) sawSplit = true;
      if (sawDelta && tree.deltas.length === 0 && round > 0) sawCheckpointAfterDelta = true;
      parent = { id: r.snapshotId, manifest: r.manifest };
      const got = new Map<string, string>();
      for await (const row of snapshotRows(repo, parent)) {
        assert.ok(!got.has(`${row.type}/${row.id}`), 'each resource once');
        got.set(`${row.type}/${row.id}`, (await readResource(repo, row)).toString());
      }
      assert.deepEqual(new Map([...got].sort()), new Map([...model].sort()), `round ${round} (${mode})`);
      assert.equal(r.manifest.totals.resources, model.size);
      // One patient's record: exactly the resources whose compartment names the patient.
      for (const p of ['p0', 'p3']) {
        const expected = [...model]
          .filter(([k, t]) => compartment(k, t).includes(p))
          .map(([k]) => k)
          .sort();
        const rows = [];
        for await (const row of snapshotRows(repo, parent, { patient: p })) rows.push(`${row.type}/${row.id}`);
        assert.deepEqual(rows.sort(), expected, `round ${round}, patient ${p}`);
      }
    }
    assert.ok(sawDelta, 'some snapshots were stored as deltas');
    assert.ok(sawCheckpointAfterDelta, 'a long chain was folded into a new checkpoint');
    if (variant.deltaKeys) assert.ok(sawSplit, 'a change larger than a delta holds was written as several deltas');
  });
}
