/**
 * Round trips (issue 4, "Done when"): sandbox A → backup → restore into an empty sandbox B → every resource
 * equal to A's, ignoring the meta the server assigns; the same for --type, --patient and --as-of, and to an
 * NDJSON folder (byte-identical). Real sandboxes over HTTP, real repositories, the Engine API.
 */
import assert from 'node:assert/strict';
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { test } from 'node:test';
import type { Engine } from '../../src/index.js';
import { compareNdjsonFolders } from '../../src/restorer/compareNdjson.js';
import type { SandboxServer } from '../../src/sandbox/index.js';
import { writeNdjsonDataset } from '../../src/sandbox/synthetic.js';
import { tempDir } from '../support/tmp.js';
import { assertSameResources, sandbox, snapshotOf, testRepo, withTrailingZeroDecimal, type StoredResource, type TestRepo } from './helpers.js';

const NONE = { kind: 'none' } as const;

// Shared by the tests of this file (set up at module level, so the after() hooks run at the end of the file).
const dir = await tempDir('cb-restore-rt-');
const A: SandboxServer = await sandbox({ patients: 20, seed: 11 });
// Frames of 4 KiB: with the default 64 KiB, this small data set (2 MB) has one frame or two per type, and any
// patient's record touches nearly all of them; 4 KiB frames give it the frames-per-patient ratio of a real one.
const repo: TestRepo = await testRepo(dir, { frameTargetBytes: 4096 });
const engine: Engine = repo.engine();
const backup = await engine.backupFhir({ source: A.url, auth: NONE });
assert.equal(backup.snapshot.resources, A.store.count());
const source: Map<string, StoredResource> = snapshotOf(A);

function only(pred: (r: StoredResource) => boolean): Map<string, StoredResource> {
  return new Map([...source].filter(([, r]) => pred(r)));
}

/** The NDJSON lines of a folder, per file name. */
async function folderLines(folder: string): Promise<Map<string, string[]>> {
  const out = new Map<string, string[]>();
  for (const name of (await readdir(folder)).sort())
    out.set(
      name,
      (await readFile(path.join(folder, name), 'utf8')).split('\n').filter((l) => l.length > 0),
    );
  return out;
}

/** A folder restore holds exactly the expected resources, each line byte-identical to what the source server stored. */
async function assertFolderHolds(folder: string, expected: ReadonlyMap<string, StoredResource>): Promise<void> {
  const seen = new Set<string>();
  for (const [name, lines] of await folderLines(folder)) {
    const type = name.replace(/\.ndjson$/, '');
    for (const line of lines) {
      const id = (JSON.parse(line) as { id: string }).id;
      const key = `${type}/${id}`;
      assert.ok(!seen.has(key), `${key} twice`);
      seen.add(key);
      assert.equal(line, expected.get(key)?.text, `${key} byte-identical to the source server's bytes`);
    }
  }
  assert.equal(seen.size, expected.size);
}

test('everything: sandbox A → backup → empty sandbox B holds every resource, equal ignoring server meta; decimals kept as text; Critical tier first', async () => {
  const B = await sandbox();
  const plan = await engine.planRestoreToServer({ target: B.url, auth: NONE });
  assert.equal(plan.resources, source.size);
  assert.equal(plan.existing, 0);
  assert.deepEqual(plan.newerOnTarget, []);
  assert.equal(plan.server.fhirVersion, '4.0.1');
  assert.deepEqual(plan.order.slice(0, 2), ['Patient', 'AllergyIntolerance']);
  assert.equal(B.store.count(), 0, 'planning writes nothing');

  const r = await engine.restoreToServer({ target: B.url, auth: NONE, confirmed: true, verify: 'all' });
  assert.equal(r.restored, source.size);
  assert.deepEqual(r.failures, []);
  assert.equal(r.skippedFromJournal, 0);
  assert.deepEqual(r.verification, { checked: source.size, mismatches: [] });
  assertSameResources(source, B);

  const decimals = withTrailingZeroDecimal(source);
  assert.ok(decimals.length > 0, 'the data has decimals like 36.50');
  const temp = decimals.find((d) => d.text.includes('"value":36.50'));
  assert.ok(temp, 'a 36.50 temperature');
  assert.match(B.store.get(temp.type, temp.id) ?? '', /"value":36\.50,/, '36.50 survives as text on B');

  // Critical tier first: the first writes on B (oldest in its system history) are the Patients.
  const hist = (await (await fetch(`${B.url}/_history?_sort=_lastUpdated&_count=20`)).json()) as { entry: { resource: { resourceType: string } }[] };
  assert.deepEqual(new Set(hist.entry.map((e) => e.resource.resourceType)), new Set(['Patient']));
  assert.deepEqual(
    (await readdir(repo.stateDir)).filter((f) => f.endsWith('.journal')).flatMap((f) => [f]),
    [],
    'a complete restore leaves no journal',
  );

  // Planning again against B previews the overwrite: everything exists; B stamped its own versionId and
  // lastUpdated on every write, but only content counts (issue 14 §4): nothing differs.
  const again = await engine.planRestoreToServer({ target: B.url, auth: NONE });
  assert.equal(again.existing, source.size);
  assert.deepEqual(again.newerOnTarget, []);
  assert.equal(again.sameOnTarget, source.size);
  // One resource changed on B: exactly that one is shown.
  const changed = [...source.values()].find((x) => x.type === 'Condition') as StoredResource;
  const edited = { ...(JSON.parse(changed.text) as Record<string, unknown>), note: [{ text: 'alterado no servidor' }] };
  const res = await fetch(`${B.url}/Condition/${changed.id}`, { method: 'PUT', headers: { 'Content-Type': 'application/fhir+json' }, body: JSON.stringify(edited) });
  assert.equal(res.status, 200);
  const third = await engine.planRestoreToServer({ target: B.url, auth: NONE });
  assert.deepEqual(
    third.newerOnTarget.map((n) => n.resource),
    [`Condition/${changed.id}`],
  );
  assert.equal(third.sameOnTarget, source.size - 1);
});

test('--type: only the chosen types reach the server, each equal', async () => {
  const B = await sandbox();
  const r = await engine.restoreToServer({ target: B.url, auth: NONE, types: ['Patient', 'Observation'], confirmed: true });
  const expected = only((x) => x.type === 'Patient' || x.type === 'Observation');
  assert.equal(r.restored, expected.size);
  assert.deepEqual(Object.keys(r.counts).sort(), ['Observation', 'Patient']);
  assertSameResources(expected, B);
});

test("--patient: exactly that patient's compartment reaches the server, each equal", async () => {
  const patients = [...source.values()].filter((r) => r.type === 'Patient').map((r) => r.id);
  const patient = patients[7] as string;
  const B = await sandbox();
  const r = await engine.restoreToServer({ target: B.url, auth: NONE, patient, confirmed: true });
  // Independent of the engine's compartment code: the patient and every resource referencing it, except those that
  // also reference another patient (Group/all-patients lists every patient): they are not written by default.
  const mentionsOther = (text: string): boolean => [...text.matchAll(/"reference":"Patient\/([^"]+)"/g)].some((m) => m[1] !== patient);
  const expected = only((x) => ((x.type === 'Patient' && x.id === patient) || x.text.includes(`"reference":"Patient/${patient}"`)) && !mentionsOther(x.text));
  assert.ok(expected.size > 20);
  assert.equal(r.restored, expected.size);
  assertSameResources(expected, B);
  assert.equal(B.store.get('Group', 'all-patients'), undefined, 'the Group listing every patient was not written');
  // The plan lists it, with the other patients it concerns; nothing written points at another patient.
  const others = patients.filter((p) => p !== patient).sort();
  assert.deepEqual(r.plan.shared, [{ resource: 'Group/all-patients', patients: others }]);
  assert.equal(r.plan.sharedIncluded, false);
  assert.ok(!(r.plan.danglingReferences ?? []).some((x) => x.startsWith('Patient/')), JSON.stringify(r.plan.danglingReferences));

  // Opting in (--include-shared, the wizard's checkbox) writes it too.
  const C = await sandbox();
  const withShared = await engine.restoreToServer({ target: C.url, auth: NONE, patient, includeShared: true, confirmed: true });
  assert.equal(withShared.restored, expected.size + 1);
  assert.ok(C.store.get('Group', 'all-patients'));
  assert.equal(withShared.plan.sharedIncluded, true);
  assert.deepEqual(
    withShared.plan.danglingReferences?.filter((x) => x.startsWith('Patient/')),
    others.map((p) => `Patient/${p}`),
  );
});

test('to an NDJSON folder: whole snapshot, --type and --patient, every line byte-identical to the source server', async () => {
  const all = path.join(dir, 'folder-all');
  // Fresh engines (no frame cache) so bytesRead compares what each scope really reads.
  const r = await repo.engine().restoreToFolder({ snapshot: 'latest', target: all, confirmed: true });
  assert.equal(r.resources, source.size);
  assert.deepEqual(r.failures, []);
  await assertFolderHolds(all, source);

  const typed = path.join(dir, 'folder-typed');
  await engine.restoreToFolder({ snapshot: 'latest', target: typed, types: ['Condition'], confirmed: true });
  assert.deepEqual(await readdir(typed), ['Condition.ndjson']);
  await assertFolderHolds(
    typed,
    only((x) => x.type === 'Condition'),
  );

  const patient = [...source.values()].find((x) => x.type === 'Patient')?.id as string;
  const one = path.join(dir, 'folder-patient');
  const p = await repo.engine().restoreToFolder({ snapshot: 'latest', target: one, patient, confirmed: true });
  const mentionsOther = (text: string): boolean => [...text.matchAll(/"reference":"Patient\/([^"]+)"/g)].some((m) => m[1] !== patient);
  const expected = only((x) => ((x.type === 'Patient' && x.id === patient) || x.text.includes(`"reference":"Patient/${patient}"`)) && !mentionsOther(x.text));
  assert.equal(p.resources, expected.size);
  assert.deepEqual(
    p.shared?.map((x) => x.resource),
    ['Group/all-patients'],
  );
  await assertFolderHolds(one, expected);
  assert.ok(p.bytesRead < r.bytesRead, 'a compartment reads less than the whole snapshot');
});

test('NDJSON export → backup → restore to a folder: files byte-identical', async () => {
  const data = path.join(dir, 'export');
  await writeNdjsonDataset(data, { patients: 15, seed: 4 });
  const other = await testRepo(path.join(dir, 'ndjson-repo'));
  const e = other.engine();
  const b = await e.backupNdjson(data);
  const target = path.join(dir, 'ndjson-restored');
  const r = await e.restoreToFolder({ snapshot: b.snapshot.id, target, confirmed: true });
  assert.deepEqual(r.failures, []);
  const cmp = await compareNdjsonFolders(data, target);
  assert.ok(cmp.identical && cmp.linesA === b.snapshot.resources, JSON.stringify(cmp));
  const names = (await readdir(data)).sort();
  assert.deepEqual((await readdir(target)).sort(), names);
  for (const name of names) assert.ok((await readFile(path.join(data, name))).equals(await readFile(path.join(target, name))), `${name} byte-identical`);
});

test('--as-of: the snapshot taken at or before that moment, with the old versions (server and folder)', async () => {
  const src = await sandbox({ patients: 4, seed: 21 });
  const r2 = await testRepo(path.join(dir, 'asof'));
  const e = r2.engine();
  const first = await e.backupFhir({ source: src.url, auth: NONE });
  const before1 = snapshotOf(src);

  // Between the backups: a changed temperature, a deleted Condition, a new Patient.
  const obs = [...before1.values()].find((x) => x.type === 'Observation' && x.text.includes('"value":36.50')) as StoredResource;
  src.store.put('Observation', obs.id, obs.text.replace('"value":36.50', '"value":38.20'));
  const cond = [...before1.values()].find((x) => x.type === 'Condition') as StoredResource;
  assert.ok(src.store.delete('Condition', cond.id));
  src.store.put('Patient', 'new-1', '{"resourceType":"Patient","id":"new-1","active":true}');
  await new Promise((resolve) => setTimeout(resolve, 20));
  const second = await e.backupFhir({ source: src.url, auth: NONE });
  assert.notEqual(second.snapshot.id, first.snapshot.id);
  const before2 = snapshotOf(src);

  const old = await sandbox();
  const r = await e.restoreToServer({ target: old.url, auth: NONE, asOf: first.snapshot.time, confirmed: true });
  assert.equal(r.snapshotId, first.snapshot.id);
  assertSameResources(before1, old);
  assert.match(old.store.get('Observation', obs.id) ?? '', /"value":36\.50/);

  const latest = await sandbox();
  const r3 = await e.restoreToServer({ target: latest.url, auth: NONE, confirmed: true });
  assert.equal(r3.snapshotId, second.snapshot.id);
  assertSameResources(before2, latest);
  assert.equal(latest.store.get('Condition', cond.id), undefined);

  const folder = path.join(dir, 'asof-folder');
  const f = await e.restoreToFolder({ snapshot: 'latest', asOf: first.snapshot.time, target: folder, confirmed: true });
  assert.equal(f.snapshotId, first.snapshot.id);
  await assertFolderHoldsOf(folder, before1);

  // A date before any snapshot: a clear error listing the snapshots there are.
  await assert.rejects(e.planRestoreToServer({ target: old.url, auth: NONE, asOf: '2001-01-01' }), (err: Error & { code?: string; details?: { suggestions?: string[] } }) => {
    assert.equal(err.code, 'SNAPSHOT_NOT_FOUND');
    assert.equal(err.details?.suggestions?.length, 2);
    return true;
  });
});

async function assertFolderHoldsOf(folder: string, expected: ReadonlyMap<string, StoredResource>): Promise<void> {
  const lines = [...(await folderLines(folder)).values()].flat();
  assert.equal(lines.length, expected.size);
  const texts = new Set([...expected.values()].map((x) => x.text));
  for (const l of lines) assert.ok(texts.has(l), l.slice(0, 120));
}
