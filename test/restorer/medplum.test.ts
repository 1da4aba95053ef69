/**
 * Conformance with a public FHIR server implementation (issue 14): restores and drills against Medplum's own
 * router and in-memory repository over loopback HTTP (test/support/medplum.ts). Medplum re-serialises
 * resources, stamps its own versionId (a UUID) and lastUpdated, pages by `total` and `_offset` without `next`
 * links, processes transactions itself (urn:uuid references included) and, like a Medplum project, may refuse
 * to create resources by PUT.
 */
import assert from 'node:assert/strict';
import path from 'node:path';
import { test } from 'node:test';
import type { Engine } from '../../src/index.js';
import type { SandboxServer } from '../../src/sandbox/index.js';
import { startMedplum } from '../support/medplum.js';
import { tempDir } from '../support/tmp.js';
import { comparable, readIdMap } from '../support/wild.js';
import { sandbox, testRepo, type TestRepo } from './helpers.js';

const NONE = { kind: 'none' } as const;
const dir = await tempDir('cb-medplum-');
// 10 patients: 529 Observations, more than a page of the drill's read-back, so Medplum's paging is exercised.
const A: SandboxServer = await sandbox({ patients: 10, seed: 81, documents: { patients: 3 }, administration: true, faults: { unsearchable: { types: ['Binary'] } } });
const repo: TestRepo = await testRepo(path.join(dir, 'repo'));
const engine: Engine = repo.engine();
const backup = await engine.backupFhir({ source: A.url, auth: NONE, strategy: 'search' });
assert.equal(backup.snapshot.attachments?.stored, A.documents.length);
const clinical = [...A.store.all()].filter((r) => !['Binary', 'Project', 'ProjectMembership', 'ClientApplication', 'User'].includes(r.type));

test("restore into Medplum (ids kept): every resource equal but for Medplum's own meta; a second plan shows nothing changed; a drill into Medplum scores 100 %", async () => {
  const M = await startMedplum();
  const r = await engine.restoreToServer({ target: M.url, auth: NONE, confirmed: true, verify: 'all' });
  assert.deepEqual(r.failures, []);
  assert.deepEqual(r.verification?.mismatches, []);
  assert.equal(r.restored, clinical.length);
  for (const x of clinical) {
    const got = await M.repo.readResource(x.type, x.id);
    assert.notEqual((got.meta as { versionId?: string }).versionId, '1', 'Medplum stamped its own versionId');
    assert.deepEqual(comparable(got, new Map()), comparable(JSON.parse(x.text), new Map()), `${x.type}/${x.id}`);
  }
  const plan = await engine.planRestoreToServer({ target: M.url, auth: NONE });
  assert.deepEqual(plan.newerOnTarget, [], "Medplum's versionId/lastUpdated are not differences");
  assert.equal(plan.sameOnTarget, clinical.length);

  const fresh = await startMedplum();
  const drill = await engine.drill({ target: fresh.url });
  assert.equal(drill.status, 'success');
  assert.equal(drill.integrityScore, 1);
  assert.ok(
    fresh.log.some((l) => /_offset=/.test(l.url)),
    'read past the first page by _offset (Medplum gives no next links)',
  );
});

test("restore into a Medplum project that assigns its own ids: POST transactions through Medplum's own processing, the id map reported, links and references working; a drill scores 100 %", async () => {
  const M = await startMedplum({ updateCreate: false });
  const plan = await engine.planRestoreToServer({ target: M.url, auth: NONE });
  assert.equal(plan.ids?.mode, 'server-assigned');
  const r = await engine.restoreToServer({ target: M.url, auth: NONE, confirmed: true, verify: 'all' });
  assert.deepEqual(r.failures, []);
  assert.deepEqual(r.verification?.mismatches, []);
  assert.equal(r.ids?.mode, 'server-assigned');
  const map = await readIdMap(r.ids?.file);
  assert.equal(map.size, clinical.length);
  for (const x of clinical) {
    const to = map.get(`${x.type}/${x.id}`) as string;
    assert.ok(to && to !== `${x.type}/${x.id}`, `${x.type}/${x.id} got a Medplum id`);
    const got = await M.repo.readResource(x.type, to.split('/')[1] as string);
    assert.deepEqual(comparable(got, map), comparable(JSON.parse(x.text), map), `${x.type}/${x.id} → ${to}`);
  }
  // The documents' links point at Binaries Medplum created, holding the exam bytes.
  for (const d of A.documents) {
    const owner = map.get(d.owner) as string;
    const res = JSON.stringify(await M.repo.readResource(owner.split('/')[0] as string, owner.split('/')[1] as string));
    const link = /"url":"(Binary\/[^"]+)"/.exec(res)?.[1] as string;
    assert.ok(link, `${owner} links a Binary`);
    const bin = (await M.repo.readResource('Binary', link.split('/')[1] as string)) as { data?: string };
    assert.ok(bin.data, 'the Binary holds the content');
  }
  const fresh = await startMedplum({ updateCreate: false });
  const drill = await engine.drill({ target: fresh.url });
  assert.equal(drill.status, 'success');
  assert.equal(drill.integrityScore, 1);
});
