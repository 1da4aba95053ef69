/**
 * The commit of an incremental run (treeCommit.ts analyseRun): the parent walk tests a row's id against the run's
 * ids before it hashes the row's key. With the filter, without it (keyIdFilterMax 0) and with a limit the run's
 * deletions pass (the archiver stops keeping their ids), the same events give the same tree: replaced, moved, re-sent, deleted, deleted-then-added and
 * shared (alias) rows all end where the last event of their key puts them.
 */
import assert from 'node:assert/strict';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { test } from 'node:test';
import { Archiver } from '../../src/archiver/archiver.js';
import { readResource, snapshotRows } from '../../src/repository/reader.js';
import { materialize } from '../../src/repository/resourceTree.js';
import type { SnapshotManifestV2, SnapshotRecord } from '../../src/repository/snapshot.js';
import type { ResourceTreeRef } from '../../src/repository/resourceTree.js';
import { backupDir, newRepo } from '../support/repo.js';
import { tempDir } from '../support/tmp.js';

const patient = (id: string): string => `{"resourceType":"Patient","id":"${id}","meta":{"versionId":"1"}}`;
const obs = (id: string, pid: string, value: string): string => `{"resourceType":"Observation","id":"${id}","subject":{"reference":"Patient/${pid}"},"valueQuantity":{"value":${value}}}`;
/** In two patients' compartments (subject and performer): one row per patient, the second an alias. */
const procedure = (id: string, subject: string, performer: string | null, note: string): string =>
  `{"resourceType":"Procedure","id":"${id}","subject":{"reference":"Patient/${subject}"}${performer ? `,"performer":[{"actor":{"reference":"Patient/${performer}"}}]` : ''},"note":[{"text":"${note}"}]}`;
const org = (id: string): string => `{"resourceType":"Organization","id":"${id}","name":"Clínica ${id}"}`;

type Event = { line: string } | { del: [string, string] };

/** The parent: 5 patients, 20 observations, two shared procedures, an organization (no patient). */
function parentLines(): string[] {
  const lines = [1, 2, 3, 4, 5].map((k) => patient(`p${k}`));
  for (let k = 1; k <= 20; k++) lines.push(obs(`o${k}`, `p${(k % 5) + 1}`, `${60 + k}.5`));
  lines.push(procedure('pr1', 'p1', 'p2', 'first'), procedure('pr2', 'p3', 'p4', 'first'), org('org1'));
  return lines;
}

/** The run: every kind of event an incremental source gives, in an order where the last one of a key must win. */
function runEvents(parent: readonly string[]): Event[] {
  return [
    { line: obs('o3', 'p4', '99.25') }, // changed, same patient
    { line: obs('o4', 'p5', '12.75') }, // changed, same patient ((4 % 5) + 1)
    { line: obs('o9', 'p1', '41.5') }, // changed and moved: o9 was under p5
    { line: procedure('pr1', 'p3', null, 'second') }, // no longer shared: its alias under p2 must go
    { line: procedure('pr2', 'p4', 'p3', 'second') }, // still shared, patients swapped
    { line: obs('o21', 'p2', '70.0') }, // new
    { line: parent.find((l) => l.includes('"id":"o5"')) as string }, // re-sent unchanged: stays as it was
    { del: ['Observation', 'o6'] },
    { del: ['Procedure', 'pr-none'] }, // never existed
    { del: ['Organization', 'org1'] }, // no patient
    { line: obs('o7', 'p3', '1.0') },
    { del: ['Observation', 'o7'] }, // changed, then deleted: deleted
    { del: ['Observation', 'o8'] },
    { line: obs('o8', 'p2', '8.0') }, // deleted, then added again: there, changed
  ];
}

async function rawRows(repo: Awaited<ReturnType<typeof newRepo>>['repo'], tree: ResourceTreeRef): Promise<string[]> {
  const out: string[] = [];
  for await (const r of materialize((id, s) => repo.store.readBlob(id, s), tree)) out.push(`${r.patient}|${r.type}/${r.id}|${r.flags}`);
  return out;
}

test('incremental commit: with the id filter, without it and with one its deletions overflow, every event of a key ends where its last one puts it', async () => {
  const dir = await tempDir();
  const data = path.join(dir, 'in');
  await mkdir(data);
  const lines = parentLines();
  await writeFile(path.join(data, 'all.ndjson'), lines.join('\n') + '\n');
  const { repo } = await newRepo(dir);
  await backupDir(repo, data);
  const parent = (await repo.listSnapshots())[0] as SnapshotRecord;
  const events = runEvents(lines);

  const results: { manifest: SnapshotManifestV2; rows: string[] }[] = [];
  for (const keyIdFilterMax of [undefined, 0, 3]) {
    const inc = new Archiver(repo, {
      source: { kind: 'fhir', location: 'http://clinic.example/fhir', strategy: 'bulk-export' },
      mode: 'incremental',
      parent,
      ...(keyIdFilterMax !== undefined ? { keyIdFilterMax } : {}),
    });
    await inc.begin();
    let n = 0;
    for (const e of events) {
      if ('line' in e) await inc.addLine(Buffer.from(e.line), { file: 'export', line: ++n });
      else await inc.deleteResource(e.del[0], e.del[1]);
    }
    const r = await inc.commit();
    const manifest = r.manifest as SnapshotManifestV2;
    results.push({ manifest, rows: await rawRows(repo, manifest.tree as ResourceTreeRef) });
  }

  const [withFilter, without, overflowing] = results as [(typeof results)[number], (typeof results)[number], (typeof results)[number]];
  assert.deepEqual(without.rows, withFilter.rows, 'the id filter changes nothing in the tree');
  assert.deepEqual(overflowing.rows, withFilter.rows, 'a filter that overflows falls back to hashing every key');
  for (const r of [without, overflowing]) {
    assert.deepEqual(r.manifest.counts, withFilter.manifest.counts);
    assert.deepEqual(r.manifest.totals, {
      ...withFilter.manifest.totals,
      newBlobs: r.manifest.totals.newBlobs,
      newBlobBytes: r.manifest.totals.newBlobBytes,
      storedBytesAdded: r.manifest.totals.storedBytesAdded,
    });
  }

  const m = withFilter.manifest;
  // 28 before; o6, org1, o7 gone; o21 new.
  assert.deepEqual(m.counts, { Observation: 19, Patient: 5, Procedure: 2 });
  assert.equal(m.totals.resources, 26);
  assert.equal(m.totals.added, 1, 'o21');
  assert.equal(m.totals.changed, 6, 'o3, o4, o9, pr1, pr2, o8 (deleted then added again)');
  assert.equal(m.totals.deleted, 3, 'o6, org1, o7 (pr-none never existed)');
  assert.equal(m.totals.unchanged, 19);

  const rows = withFilter.rows;
  const where = (key: string): string[] => rows.filter((r) => r.split('|')[1] === key).map((r) => `${r.split('|')[0]}|${r.split('|')[2]}`);
  assert.deepEqual(where('Observation/o9'), ['p1|0'], 'a moved resource leaves its old patient');
  assert.deepEqual(where('Procedure/pr1'), ['p3|0'], 'no alias is left under the patient it no longer names');
  assert.deepEqual(where('Procedure/pr2'), ['p3|3', 'p4|1'], 'still shared: a primary row and an alias row');
  assert.deepEqual(where('Observation/o6'), []);
  assert.deepEqual(where('Observation/o7'), []);
  assert.deepEqual(where('Organization/org1'), []);
  assert.deepEqual(where('Observation/o8'), ['p2|0']);
  assert.equal(new Set(rows.map((r) => `${r.split('|')[0]}|${r.split('|')[1]}`)).size, rows.length, 'no key twice under one patient');

  // The bytes: each resource's last line, the re-sent one as the parent had it.
  const expected = new Map<string, string>();
  for (const l of lines) {
    const o = JSON.parse(l) as { resourceType: string; id: string };
    expected.set(`${o.resourceType}/${o.id}`, l);
  }
  for (const e of events) {
    if ('line' in e) {
      const o = JSON.parse(e.line) as { resourceType: string; id: string };
      expected.set(`${o.resourceType}/${o.id}`, e.line);
    } else expected.delete(`${e.del[0]}/${e.del[1]}`);
  }
  const got = new Map<string, string>();
  for await (const row of snapshotRows(repo, { id: 'inc', manifest: m })) got.set(`${row.type}/${row.id}`, (await readResource(repo, row)).toString());
  assert.deepEqual(new Map([...got].sort()), new Map([...expected].sort()));
});
