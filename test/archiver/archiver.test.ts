import assert from 'node:assert/strict';
import { mkdir, readdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { test } from 'node:test';
import { Archiver } from '../../src/archiver/archiver.js';
import { listNdjsonInputs, readNdjsonChunks, splitLines } from '../../src/archiver/ndjson.js';
import { WorkerPool } from '../../src/pool/index.js';
import { mutateNdjsonDataset, writeNdjsonDataset } from '../../src/sandbox/synthetic.js';
import { isEngineError } from '../../src/shared/errors.js';
import { readResource, snapshotRows, type ResourceRow } from '../../src/repository/reader.js';
import type { SnapshotManifest } from '../../src/repository/snapshot.js';
import type { ResourceTreeRef } from '../../src/repository/resourceTree.js';
import { backupDir, newRepo } from '../support/repo.js';
import { tempDir } from '../support/tmp.js';

const patient = (id: string, extra = ''): string => `{"resourceType":"Patient","id":"${id}","meta":{"versionId":"1","lastUpdated":"2026-01-01T00:00:00Z"}${extra}}`;
const obs = (id: string, pid: string, value: string): string => `{"resourceType":"Observation","id":"${id}","subject":{"reference":"Patient/${pid}"},"valueQuantity":{"value":${value},"unit":"kg"}}`;

async function listing(repo: Awaited<ReturnType<typeof newRepo>>['repo'], manifest: SnapshotManifest): Promise<Map<string, ResourceRow>> {
  const out = new Map<string, ResourceRow>();
  for await (const row of snapshotRows(repo, { id: 'x', manifest })) out.set(`${row.type}/${row.id}`, row);
  return out;
}

test('splitLines keeps exact bytes across chunk borders, CRLF and a last line without newline', async () => {
  async function* chunks(): AsyncGenerator<Buffer> {
    yield Buffer.from('{"a":1.50}\r\n{"b"');
    yield Buffer.from(':2}\n\n{"c":3}');
  }
  const lines = [];
  for await (const l of splitLines(chunks(), 'f.ndjson')) lines.push([l.bytes.toString(), l.line]);
  assert.deepEqual(lines, [
    ['{"a":1.50}', 1],
    ['{"b":2}', 2],
    ['', 3],
    ['{"c":3}', 4],
  ]);
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
  await writeFile(
    path.join(data, 'Patient.ndjson'),
    [patient('p1'), '{"resourceType":"Patient","id":"p2",', patient('p3'), '{"resourceType":"Patient","name":[]}', '[1,2]', patient('p4')].join('\n') + '\n',
  );
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
  const rows = await listing(repo, r.manifest);
  assert.deepEqual([...rows.keys()].sort(), ['Observation/o1', 'Patient/p1', 'Patient/p3', 'Patient/p4']);
  // The observation is in patient p1's compartment and its decimal text is stored exactly.
  const o1 = rows.get('Observation/o1') as ResourceRow;
  assert.deepEqual(o1.patients, ['p1']);
  assert.equal((await readResource(repo, o1)).toString(), obs('o1', 'p1', '70.50'));
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
  assert.equal(third.manifest.totals.newBlobs, 2, 'the 4 new resource versions in one frame + 1 tree delta');
  assert.ok((third.manifest.tree as ResourceTreeRef).deltas.length > 0, 'stored as a delta');
  const rows = await listing(repo, third.manifest);
  assert.equal(rows.size, 199);
  assert.ok(!rows.has('Patient/p0') && !rows.has('Patient/p1') && rows.has('Patient/new1'));
  assert.equal((await readResource(repo, rows.get('Patient/p2') as ResourceRow)).toString(), (lines[2] as string).replace('female', 'male'));
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
  await inc.deleteResource('Patient', 'b');
  await inc.deleteResource('Patient', 'never-existed');
  const r = await inc.commit();
  assert.equal(r.manifest.parent, first.snapshotId);
  assert.deepEqual([...(await listing(repo, r.manifest)).keys()].sort(), ['Patient/a', 'Patient/c', 'Patient/d']);
  assert.deepEqual(r.manifest.counts, { Patient: 3 });
});

test('v2 pipeline: an unchanged line is recognised by its line hash and never parsed; a scattered 5 % change parses only those lines', async () => {
  const dir = await tempDir();
  const data = path.join(dir, 'in');
  await writeNdjsonDataset(data, { patients: 30, seed: 4 });
  const { repo } = await newRepo(dir);
  // Workers that never stop idle: a worker stopped between two counts (a slow commit under load) would lose its count.
  const pool = new WorkerPool(2, false, Infinity);
  try {
    const run = async (parent: Awaited<ReturnType<typeof repo.listSnapshots>>[number] | null): Promise<{ parsedByWorkers: number; parsed: number; manifest: SnapshotManifest }> => {
      const before = await pool.parsedLines();
      const a = new Archiver(repo, { source: { kind: 'ndjson', location: data, strategy: 'files' }, mode: 'full', parent, pool, spillRows: 50 });
      await a.begin();
      for (const f of await listNdjsonInputs(data)) for await (const c of readNdjsonChunks(f)) await a.addChunk(c);
      const r = await a.commit();
      return { parsedByWorkers: (await pool.parsedLines()) - before, parsed: a.parsedLines, manifest: r.manifest };
    };
    const first = await run(null);
    const total = first.manifest.totals.resources;
    assert.equal(first.parsedByWorkers, total, 'a first backup parses every line once');
    const [s1] = await repo.listSnapshots();
    const second = await run(s1 ?? null);
    assert.equal(second.parsedByWorkers, 0, 'nothing parsed when nothing changed');
    assert.equal(second.manifest.totals.unchanged, total);
    const { changed } = await mutateNdjsonDataset(data, { fraction: 0.05, seed: 8 });
    const s2 = (await repo.listSnapshots()).at(-1) ?? null;
    const third = await run(s2);
    assert.equal(third.parsedByWorkers, changed.length, 'only the changed lines were parsed');
    assert.equal(third.parsed, changed.length);
    assert.equal(third.manifest.totals.changed, changed.length);
    assert.ok(third.manifest.totals.storedBytesAdded < first.manifest.totals.storedBytesAdded / 5, 'a small change stores little');
  } finally {
    await pool.close();
  }
});

test('a worker that dies mid-backup fails the run with WORKER_FAILED: nothing is committed, no spill files stay, the next run completes', async () => {
  const dir = await tempDir();
  const data = path.join(dir, 'in');
  await writeNdjsonDataset(data, { patients: 10, seed: 5 });
  const { repo } = await newRepo(dir);
  const pool = new WorkerPool(2);
  const spillDir = path.join(dir, 'spill');
  await mkdir(spillDir);
  try {
    const a = new Archiver(repo, { source: { kind: 'ndjson', location: data, strategy: 'files' }, mode: 'full', parent: null, pool, spillDir });
    await a.begin();
    pool.crashOnNextTask();
    await assert.rejects(
      (async () => {
        for (const f of await listNdjsonInputs(data)) for await (const c of readNdjsonChunks(f)) await a.addChunk(c);
        await a.commit();
      })(),
      (e) => isEngineError(e, 'WORKER_FAILED'),
    );
    await a.close();
    assert.deepEqual(await repo.listSnapshots(), [], 'no snapshot');
    assert.deepEqual(await readdir(spillDir), [], 'spill files removed');
    const r = await backupDir(repo, data);
    assert.ok(r.manifest.totals.resources > 0);
  } finally {
    await pool.close();
  }
});
