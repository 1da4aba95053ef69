/**
 * The FHIR backup prepares the index and the parent's line table while it probes the server (prepareArchive); an
 * Archiver of the same parent takes them. When the first way of reading (the $export) is refused and the next one
 * runs, the next Archiver takes the same prepared parent: its listing of a type in full (search paging after a
 * deletion) must still see every unchanged resource as seen by this run, not by the refused one.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { backupFhir } from '../../src/archiver/fhirBackup.js';
import { assertSnapshotEqualsServer, requestsMatching, sandbox } from '../support/fhir.js';
import { newRepo } from '../support/repo.js';
import { tempDir } from '../support/tmp.js';

async function fhir(url: string, method: string, body?: string): Promise<void> {
  const res = await fetch(url, { method, headers: { 'Content-Type': 'application/fhir+json' }, ...(body ? { body } : {}) });
  await res.arrayBuffer();
  assert.ok(res.status < 300, `${method} ${url}: ${res.status}`);
}

describe('FHIR backup with a prepared parent', () => {
  it('an incremental whose $export is refused falls back to search paging on the same prepared parent and equals the server', async () => {
    const server = await sandbox({ patients: 3, seed: 41, faults: { hideExport: true, hideHistory: true, serverError: { nth: 1, times: 1000, status: 404, match: '\\$export' } } });
    const { repo } = await newRepo(await tempDir());
    const run = (): ReturnType<typeof backupFhir> => backupFhir(repo, { baseUrl: server.url, auth: { kind: 'none' }, pageSize: 40 });
    const first = await run();
    assert.equal(first.strategy, 'search');
    assert.equal(first.manifest.mode, 'full');
    await assertSnapshotEqualsServer(repo, first.manifest, server, 'first');

    const all = [...server.store.all()];
    const obs = all.find((r) => r.type === 'Observation');
    const conditions = all.filter((r) => r.type === 'Condition');
    assert.ok(obs && conditions.length >= 2);
    await fhir(`${server.url}/Observation/${obs.id}`, 'PUT', obs.text.replace(/"status":"[a-z]+"/, '"status":"amended"'));
    await fhir(`${server.url}/Condition/${(conditions[0] as (typeof all)[number]).id}`, 'DELETE');
    const exportsBefore = requestsMatching(server, /\$export/);

    const inc = await run();
    assert.ok(requestsMatching(server, /\$export/) > exportsBefore, 'the export was tried first');
    assert.equal(inc.strategy, 'search');
    assert.equal(inc.manifest.mode, 'incremental');
    assert.equal(inc.manifest.parent, first.snapshotId);
    // The deletion changes the Condition count, so search paging lists that type in full: the unchanged
    // Conditions must be seen by this run (the prepared table's marks start from none), the deleted one dropped.
    assert.equal(inc.manifest.totals.deleted, 1);
    assert.equal(inc.manifest.totals.changed, 1);
    assert.equal(inc.manifest.totals.added, 0);
    assert.equal(inc.manifest.counts['Condition'], conditions.length - 1);
    await assertSnapshotEqualsServer(repo, inc.manifest, server, 'incremental after a refused export');
  });
});
