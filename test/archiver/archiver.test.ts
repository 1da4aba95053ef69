import assert from 'node:assert/strict';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { test } from 'node:test';
import { Archiver } from '../../src/archiver/archiver.js';
import { splitLines } from '../../src/archiver/ndjson.js';
import { treeRows } from '../../src/repository/treeStore.js';
import { rowId } from '../../src/repository/tree.js';
import { backupDir, newRepo } from '../support/repo.js';
import { tempDir } from '../support/tmp.js';

const patient = (id: string, extra = ''): string => `{"resourceType":"Patient","id":"${id}","meta":{"versionId":"1","lastUpdated":"2026-01-01T00:00:00Z"}${extra}}`;
const obs = (id: string, pid: string, value: string): string =>
  `{"resourceType":"Observation","id":"${id}","subject":{"reference":"Patient/${pid}"},"valueQuantity":{"value":${value},"unit":"kg"}}`;

async function listing(repo: Awaited<ReturnType<typeof newRepo>>['repo'], tree: Parameters<typeof treeRows>[1]): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  for await (const { type, row } of treeRows(repo, tree)) out.set(`${type}/${rowId(row)}`, row);
  return out;
}

test('splitLines keeps exact bytes across chunk borders, CRLF and a last line without newline', async () => {
  async function* chunks(): AsyncGenerator<Buffer> {
    yield Buffer.from('{"a":1.50}\r\n{"b"');
    yield Buffer.from(':2}\n\n{"c":3}');
  }
  const lines = [];
  for await (const l of splitLines(chunks(), 'f.ndjson')) lines.push([l.bytes.toString(), l.line]);
  assert.deepEqual(lines, [['{"a":1.50}', 1], ['{"b":2}', 2], ['', 3], ['{"c":3}', 4]]);
  async function* withBom(): AsyncGenerator<Buffer> {
    yield Buffer.from('\ufeff{"a":1}\n', 'utf8');
  }
  const bom = [];
  for await (const l of splitLines(withBom(), 'f')) bom.push(l.bytes.toString());
  assert.deepEqual(bom, ['{"a":1}']);
});

test('malformed lines and resources without id are reported with file:line; the rest is backed up and the run is partial', async () => {
  const dir = await tempDir();
  const data = path.join(dir, 'in');
  await mkdir(data);
  await writeFile(path.join(data, 'Patient.ndjson'), [patient('p1'), '{"resourceType":"Patient","id":"p2",', patient('p3'), '{"resourceType":"Patient","name":[]}', '[1,2]', patient('p4')].join('\n') + '\n');
  await writeFile(path.join(data, 'Observation.ndjson'), obs('o1', 'p1', '70.50') + '\n');
  const { repo } = await newRepo(dir);
  const r = await backupDir(repo, data);
  assert.equal(r.manifest.partial, true);
  assert.equal(r.manifest.problemCount, 3);
  assert.deepEqual(
    r.manifest.problems.map((p) => `${p.file}:${p.line} ${p.code}`),
    ['Patient.ndjson:2 INPUT_MALFORMED', 'Patient.ndjson:4 RESOURCE_WITHOUT_ID', 'Patient.ndjson:5 INPUT_MALFORMED'],
  );
  assert.deepEqual(r.manifest.counts, { Observation: 1, Patient: 3 });
  const rows = await listing(repo, r.manifest.tree);
  assert.deepEqual([...rows.keys()].sort(), ['Observation/o1', 'Patient/p1', 'Patient/p3', 'Patient/p4']);
  // The observation is in patient p1's compartment and its decimal text is stored exactly.
  const o1 = rows.get('Observation/o1') as string;
  assert.equal(o1.split('\t')[4], 'p1');
  assert.equal((await repo.readBlob(o1.split('\t')[3] as string)).toString(), obs('o1', 'p1', '70.50'));
});

test('second backup: unchanged resources cost nothing, changes and deletions are recorded, listing equals the input', async () => {
  const dir = await tempDir();
  const data = path.join(dir, 'in');
  await mkdir(data);
  const file = path.join(data, 'all.ndjson');
  const lines = Array.from({ length: 200 }, (_, i) => patient(`p${i}`, `,"gender":"female","birthDate":"1980-01-${String((i % 28) + 1).padStart(2, '0')}"`));
  await writeFile(file, lines.join('\n') + '\n');
  const { repo } = await newRepo(dir);
  const first = await backupDir(repo, data);
  assert.equal(first.manifest.totals.added, 200);
  const again = await backupDir(repo, data);
  assert.equal(again.manifest.totals.newBlobs, 0, 'nothing new');
  assert.equal(again.manifest.totals.unchanged, 200);
  // Change 3, delete 2, add 1; duplicates of an unchanged line are harmless.
  const next = lines.slice(2).map((l, i) => (i < 3 ? l.replace('female', 'male') : l));
  next.push(patient('new1'), lines[10] as string);
  await writeFile(file, next.join('\n') + '\n');
  const third = await backupDir(repo, data);
  assert.deepEqual({ a: third.manifest.totals.added, c: third.manifest.totals.changed, d: third.manifest.totals.deleted }, { a: 1, c: 3, d: 2 });
  assert.equal(third.manifest.counts['Patient'], 199);
  assert.equal(third.manifest.totals.newBlobs, 5, '4 resource versions + 1 tree delta');
  assert.ok(third.manifest.tree.deltas.length > 0, 'stored as a delta');
  const rows = await listing(repo, third.manifest.tree);
  assert.equal(rows.size, 199);
  assert.ok(!rows.has('Patient/p0') && !rows.has('Patient/p1') && rows.has('Patient/new1'));
  assert.equal((await repo.readBlob((rows.get('Patient/p2') as string).split('\t')[3] as string)).toString(), (lines[2] as string).replace('female', 'male'));
});

test('incremental mode carries the parent forward and applies explicit deletions', async () => {
  const dir = await tempDir();
  const data = path.join(dir, 'in');
  await mkdir(data);
  await writeFile(path.join(data, 'a.ndjson'), [patient('a'), patient('b'), patient('c')].join('\n'));
  const { repo } = await newRepo(dir);
  const first = await backupDir(repo, data);
  const parent = (await repo.listSnapshots())[0] ?? null;
  const inc = new Archiver(repo, { source: { kind: 'fhir', location: 'http://x', strategy: 'history' }, mode: 'incremental', parent });
  await inc.begin();
  await inc.addLine(Buffer.from(patient('d')), { file: 'x', line: 1 });
  inc.deleteResource('Patient', 'b');
  inc.deleteResource('Patient', 'never-existed');
  const r = await inc.commit();
  assert.equal(r.manifest.parent, first.snapshotId);
  assert.deepEqual([...(await listing(repo, r.manifest.tree)).keys()].sort(), ['Patient/a', 'Patient/c', 'Patient/d']);
  assert.deepEqual(r.manifest.counts, { Patient: 3 });
});
