/**
 * Restores into servers that behave like real ones (issue 14), against sandbox switches over HTTP:
 *  - attachments: Binaries created first (same id when the target keeps ids), links working on the target;
 *  - a target that assigns its own ids (CapabilityStatement updateCreate: false, or refusing PUT of a new id when
 *    tried): POST transactions with urn:uuid, references across bundles, an old → new map kept and reused;
 *  - a bundle committed by the server whose answer was lost: the rerun adopts it instead of duplicating;
 *  - server administration resources left out by default; included, a 403 on them is not a failure;
 *  - a target stamping its own meta (Medplum's author/project): the preview shows no difference;
 *  - a folder restore writes the attachments beside the NDJSON with a listing.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { test } from 'node:test';
import type { Engine } from '../../src/index.js';
import { executeFhirRestore, planFhirRestore, type FhirRestoreOptions } from '../../src/restorer/fhirTarget.js';
import { restoreOrder, TIER_TYPES } from '../../src/policy/tiers.js';
import type { SandboxServer } from '../../src/sandbox/index.js';
import { FhirHttp } from '../../src/source/fhir/http.js';
import { tempDir } from '../support/tmp.js';
import { assertAttachmentsOpen, assertMappedCopy, binarySha, readIdMap } from '../support/wild.js';
import { sandbox, testRepo, type TestRepo } from './helpers.js';

const NONE = { kind: 'none' } as const;
const ADMIN = ['Project', 'ProjectMembership', 'ClientApplication', 'User'];
const dir = await tempDir('cb-restore-wild-');

/** Source: patients with exam documents (Binary + DocumentReference/Media/DiagnosticReport), admin resources. */
const A: SandboxServer = await sandbox({ patients: 6, seed: 41, documents: { patients: 3 }, administration: true });
// A resource pointing at one restored after it (AllergyIntolerance is written before Encounter).
const enc = [...A.store.all()].find((r) => r.type === 'Encounter') as { id: string };
const pat = [...A.store.all()].find((r) => r.type === 'Patient') as { id: string };
A.store.put(
  'AllergyIntolerance',
  'fwd-1',
  JSON.stringify({ resourceType: 'AllergyIntolerance', id: 'fwd-1', patient: { reference: `Patient/${pat.id}` }, encounter: { reference: `Encounter/${enc.id}` }, code: { text: 'dipirona' } }),
);

/** Backed up by bulk export: Binary resources are in the snapshot (attachments follow them on restore). */
const repoExport: TestRepo = await testRepo(path.join(dir, 'export'));
const engineExport: Engine = repoExport.engine();
const exported = await engineExport.backupFhir({ source: A.url, auth: NONE });
assert.equal(exported.strategy, 'bulk-export');

/** Backed up by search with Binary unsearchable (like Medplum): attachment content kept apart, Binaries made on restore. */
A.faults.set({ unsearchable: { types: ['Binary'] } });
const repoSearch: TestRepo = await testRepo(path.join(dir, 'search'));
const engineSearch: Engine = repoSearch.engine();
const searched = await engineSearch.backupFhir({ source: A.url, auth: NONE, strategy: 'search' });
A.faults.clear();
assert.deepEqual(searched.snapshot.notCovered, ['Binary']);
assert.equal(searched.snapshot.attachments?.stored, A.documents.length);

test('attachments kept apart become Binaries first (same ids on a target that keeps ids); every link opens the same bytes', async () => {
  const B = await sandbox();
  const plan = await engineSearch.planRestoreToServer({ target: B.url, auth: NONE });
  const distinct = new Set(A.documents.map((d) => d.url)).size;
  assert.equal(plan.attachments?.binaries, distinct, 'one Binary per distinct link');
  assert.equal(plan.attachments?.stored, A.documents.length);
  assert.equal(plan.ids?.mode, 'kept');
  const r = await engineSearch.restoreToServer({ target: B.url, auth: NONE, confirmed: true, verify: 'all' });
  assert.deepEqual(r.failures, []);
  assert.equal(r.attachments?.binariesCreated, distinct);
  assert.deepEqual(r.verification?.mismatches, []);
  // Same ids: the documents' links are unchanged and open the original bytes.
  for (const d of A.documents) assert.equal(binarySha(B, d.url), d.sha256, d.url);
  assertMappedCopy(A, B, new Map(), ADMIN);
  assertAttachmentsOpen(B, A.documents, new Map());
  // A second restore into the same target creates no second copy of the Binaries.
  const again = await engineSearch.restoreToServer({ target: B.url, auth: NONE, confirmed: true, verify: 'none' });
  assert.equal(again.attachments?.binariesCreated, 0);
  assert.equal(again.attachments?.alreadyOnTarget, distinct);
  assert.equal([...B.store.all()].filter((x) => x.type === 'Binary').length, distinct);
});

test('a target that assigns its own ids (updateCreate: false): POST transactions, references across bundles, links to new Binaries; the id map is reported and reused', async () => {
  const B = await sandbox({ patients: 0, createGroup: false, faults: { noUpdateCreate: { status: 405 } } });
  const plan = await engineSearch.planRestoreToServer({ target: B.url, auth: NONE });
  assert.equal(plan.ids?.mode, 'server-assigned');
  assert.equal(plan.ids?.reason, 'capability');
  const r = await engineSearch.restoreToServer({ target: B.url, auth: NONE, confirmed: true, verify: 'all' });
  assert.deepEqual(r.failures, []);
  assert.equal(r.ids?.mode, 'server-assigned');
  assert.equal(r.ids?.assigned, plan.resources, 'every resource got a new id, and the map says which');
  assert.ok(r.ids?.file, 'the map is kept in a file');
  assert.ok((r.ids?.sample.length ?? 0) > 0);
  assert.ok((r.ids?.fixedReferences ?? 0) >= 1, 'references to resources created later were fixed afterwards');
  assert.deepEqual(r.verification?.mismatches, []);
  const map = await readIdMap(r.ids?.file);
  assert.equal(map.size, plan.resources);
  for (const [from, to] of map) assert.notEqual(from, to, 'the server chose the ids');
  // Every resource once, references pointing at the new ids (across bundles and types), links opening the bytes.
  assertMappedCopy(A, B, map, [...ADMIN, 'Binary']);
  assertAttachmentsOpen(B, A.documents, map);
  const fwd = JSON.parse(B.store.get('AllergyIntolerance', (map.get('AllergyIntolerance/fwd-1') as string).split('/')[1] as string) as string) as { encounter: { reference: string } };
  assert.equal(fwd.encounter.reference, map.get(`Encounter/${enc.id}`), 'a reference to a resource created later points at its new id');

  // Later restore into the same target: the map is reused, nothing is created twice.
  const count = B.store.count();
  const later = await engineSearch.restoreToServer({ target: B.url, auth: NONE, confirmed: true, verify: 'none' });
  assert.deepEqual(later.failures, []);
  assert.equal(later.ids?.assigned, 0);
  assert.equal(B.store.count(), count, 'updated in place, no duplicates');
  const plan2 = await engineSearch.planRestoreToServer({ target: B.url, auth: NONE });
  assert.equal(plan2.ids?.known, plan.resources);
  assert.deepEqual(plan2.newerOnTarget, [], 'the preview matches resources through the map');
  assert.equal(plan2.sameOnTarget, plan.resources);
});

for (const status of [404, 409, 422]) {
  test(`refusal of PUT-as-create found when writing (not advertised, HTTP ${status}): the restore switches to server-assigned ids and finishes`, async () => {
    const B = await sandbox({ patients: 0, createGroup: false, faults: { noUpdateCreate: { status, advertise: false } } });
    const plan = await engineExport.planRestoreToServer({ target: B.url, auth: NONE });
    assert.equal(plan.ids?.mode, 'kept', 'nothing said so beforehand');
    const r = await engineExport.restoreToServer({ target: B.url, auth: NONE, confirmed: true, verify: 'all' });
    assert.deepEqual(r.failures, []);
    assert.equal(r.ids?.mode, 'server-assigned');
    assert.ok(r.ids?.detectedAt, 'says where it found out');
    assert.deepEqual(r.verification?.mismatches, []);
    const map = await readIdMap(r.ids?.file);
    // Binary resources were restored as resources (bulk export): links follow their new ids.
    assertMappedCopy(A, B, map, ADMIN);
    assertAttachmentsOpen(B, A.documents, map);
  });
}

test('a transaction the server committed but whose answer was lost: the rerun finds its resources instead of creating them again', async () => {
  const B = await sandbox({ patients: 0, createGroup: false, faults: { noUpdateCreate: { status: 405 } } });
  const repo = await repoSearch.open();
  const snap = await repo.findSnapshot('latest');
  const http = new FhirHttp({ baseUrl: B.url, maxAttempts: 1 });
  const journalFile = path.join(dir, 'lost-answer.journal');
  const mapFile = path.join(dir, 'lost-answer.map');
  const opts: FhirRestoreOptions = { http, orderTypes: (t) => restoreOrder(t), criticalTypes: TIER_TYPES.critical, journalFile, mapFile, initialBundleSize: 20, verify: 'none' };
  const { plan, rows } = await planFhirRestore(repo, snap, {}, opts);
  // The 4th bundle is processed (committed), then the connection drops before its answer arrives.
  B.faults.set({ dropConnection: { match: '^/fhir/?$', afterBytes: 10, times: 1, skip: 3 } });
  const first = executeFhirRestore(repo, snap, plan, rows, { ...opts, confirmed: true });
  await assert.rejects(first);
  const held = B.store.count();
  assert.ok(held > 0 && held < plan.resources + (plan.attachments?.binaries ?? 0), `part restored (${held})`);
  const journal = await readFile(journalFile, 'utf8');
  assert.match(journal, /"p":/, 'the bundle in flight is in the journal');
  B.faults.clear();
  const again = await executeFhirRestore(repo, snap, plan, rows, { ...opts, confirmed: true });
  assert.deepEqual(again.failures, []);
  const map = await readIdMap(mapFile);
  assert.equal(map.size, plan.resources);
  assertMappedCopy(A, B, map, [...ADMIN, 'Binary']);
  assertAttachmentsOpen(B, A.documents, map);
});

test('server administration resources: left out by default and listed; included, a 403 on them is reported as skipped, not as a failure', async () => {
  const B = await sandbox();
  const plan = await engineExport.planRestoreToServer({ target: B.url, auth: NONE });
  assert.deepEqual(Object.keys(plan.administration?.counts ?? {}).sort(), ['ClientApplication', 'Project', 'ProjectMembership', 'User']);
  assert.equal(plan.administration?.included, false);
  assert.ok(!plan.order.some((t) => ADMIN.includes(t)));
  const r = await engineExport.restoreToServer({ target: B.url, auth: NONE, confirmed: true });
  assert.deepEqual(r.failures, []);
  assert.deepEqual(r.administration?.excluded.map((e) => e.type).sort(), ['ClientApplication', 'Project', 'ProjectMembership', 'User']);
  assert.equal([...B.store.all()].filter((x) => ADMIN.includes(x.type)).length, 0, 'no project, login or client secret written');
  assert.ok(!JSON.stringify([...B.store.all()]).includes('sandbox-client-secret-not-real'));

  // Opted in, on a target where a project admin may not write Project or ClientApplication: 403 → skipped.
  const C = await sandbox({ patients: 0, createGroup: false, faults: { rejectResources: { match: '^(Project|ClientApplication)/', status: 403, diagnostics: 'Forbidden: shared project' } } });
  const inc = await engineExport.restoreToServer({ target: C.url, auth: NONE, confirmed: true, includeAdministration: true, verify: 'all' });
  assert.deepEqual(inc.failures, [], 'clinical data: success');
  assert.deepEqual(inc.verification?.mismatches, [], 'what the target refused is not read back as missing');
  assert.equal(inc.verification?.checked, inc.restored);
  assert.deepEqual(inc.administration?.refused.map((x) => x.resource).sort(), ['ClientApplication/backup-client', 'Project/clinic-project']);
  assert.ok(inc.administration?.refused.every((x) => /403/.test(x.code)));
  assert.equal(C.store.get('User', 'admin-user') !== undefined, true, 'the others were written');
});

test('a target that stamps its own meta (author, project, versionId, lastUpdated): the preview shows nothing newer, only the same content', async () => {
  const B = await sandbox({
    patients: 0,
    createGroup: false,
    faults: { serverMeta: { extra: { author: { reference: 'Practitioner/restorer' }, project: 'p-1', compartment: [{ reference: 'Project/p-1' }] } } },
  });
  await engineExport.restoreToServer({ target: B.url, auth: NONE, confirmed: true, verify: 'all' });
  const sample = [...B.store.all()].find((x) => x.type === 'Observation') as { text: string };
  assert.match(sample.text, /"author":\{"reference":"Practitioner\/restorer"\}/, 'the target stamped its own meta');
  const plan = await engineExport.planRestoreToServer({ target: B.url, auth: NONE });
  assert.equal(plan.existing, plan.resources);
  assert.deepEqual(plan.newerOnTarget, []);
  assert.equal(plan.sameOnTarget, plan.resources);
});

test('links to Binaries exported with their data are not fetched again (content stored once); a one-patient restore still brings the documents back', async () => {
  const repo = await repoExport.open();
  await repo.loadIndex();
  const snap = await repo.findSnapshot('latest');
  const { readAttachments } = await import('../../src/repository/attachments.js');
  const records = await readAttachments(repo, snap.manifest.attachments);
  assert.equal(records.length, A.documents.length);
  assert.ok(
    records.every((r) => r.status === 'stored' && r.blobs.length === 0 && r.resource?.startsWith('Binary/')),
    'content named by its Binary resource',
  );
  for (const d of A.documents) assert.equal(records.find((r) => r.owner === d.owner && r.url === d.url)?.sha256, d.sha256);
  // One patient: Binary resources are not in a patient's compartment, so the documents' Binaries are made from them.
  const withDocs = JSON.parse(A.store.get('DocumentReference', 'docref-1') as string) as { subject: { reference: string } };
  const patient = withDocs.subject.reference.split('/')[1] as string;
  const B = await sandbox();
  const r = await engineExport.restoreToServer({ target: B.url, auth: NONE, patient, confirmed: true, verify: 'all' });
  assert.deepEqual(r.failures, []);
  assert.ok((r.attachments?.binariesCreated ?? 0) >= 3);
  assertAttachmentsOpen(
    B,
    A.documents.filter((d) => d.owner.endsWith('-1')),
    new Map(),
  );
  const folder = path.join(dir, 'folder-export');
  const f = await engineExport.restoreToFolder({ snapshot: 'latest', target: folder, patient, confirmed: true });
  assert.deepEqual(f.failures, []);
  assert.equal(f.attachments?.listed, 3);
});

test('to a folder: attachments beside the NDJSON, one file per content (verified), and a listing', async () => {
  const target = path.join(dir, 'folder');
  const r = await engineSearch.restoreToFolder({ snapshot: 'latest', target, confirmed: true });
  assert.deepEqual(r.failures, []);
  const listing = (await readFile(path.join(target, 'attachments.ndjson'), 'utf8'))
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as { owner: string; url: string; sha256: string; file: string; size: number });
  assert.equal(listing.length, A.documents.length);
  for (const d of A.documents) {
    const line = listing.find((l) => l.owner === d.owner && l.url === d.url);
    assert.ok(line, `${d.owner} ${d.url} listed`);
    const bytes = await readFile(path.join(target, line.file));
    assert.equal(createHash('sha256').update(bytes).digest('hex'), d.sha256);
    assert.equal(line.size, d.size);
  }
  assert.equal(r.attachments?.files, new Set(A.documents.map((d) => d.sha256)).size, 'the same bytes are written once');
});

for (const paging of ['total-without-next', 'no-offset'] as const) {
  const how = paging === 'no-offset' ? 'no next link, _offset ignored' : 'total but no next link';
  test(`a target that pages with ${how}: the preview finds every resource there and not the one missing; verification passes, and still catches a resource lost after writing`, async () => {
    const B = await sandbox({ patients: 0, createGroup: false });
    const first = await engineExport.restoreToServer({ target: B.url, auth: NONE, confirmed: true, verify: 'none' });
    assert.deepEqual(first.failures, []);
    const observations = [...B.store.all()].filter((x) => x.type === 'Observation');
    const gone = observations[3] as { id: string };
    const lost = observations[observations.length - 2] as { id: string };
    B.store.delete('Observation', gone.id);
    // Pages capped at 20 entries (the preview asks 50 ids at a time), and no next link.
    B.faults.set({ paging, maxCount: 20 });
    // No false "missing" from a partial read, and the one really missing is not taken as present.
    const plan = await engineExport.planRestoreToServer({ target: B.url, auth: NONE });
    assert.equal(plan.existing, plan.resources - 1);
    assert.equal(plan.sameOnTarget, plan.resources - 1);
    assert.deepEqual(plan.newerOnTarget, []);
    const ok = await engineExport.restoreToServer({ target: B.url, auth: NONE, confirmed: true, verify: 'all' });
    assert.deepEqual(ok.failures, []);
    assert.deepEqual(ok.verification, { checked: plan.resources, mismatches: [] });
    assert.ok(B.store.get('Observation', gone.id) !== undefined, 'the missing one was written again');
    // Lost by the server after the last write, before the read-back: verification names it, and only it.
    let written = false;
    const bad = await engineExport.restoreToServer(
      { target: B.url, auth: NONE, confirmed: true, verify: 'all' },
      {
        onProgress: (e) => {
          if (e.type === 'progress' && e.phase === 'write' && e.done === e.total && !written) {
            written = true;
            B.store.delete('Observation', lost.id);
          }
        },
      },
    );
    assert.ok(written, 'the write phase reported its end');
    assert.deepEqual(bad.verification?.mismatches, [`Observation/${lost.id}`]);
  });
}

test('inline attachment data (no URL) stays inside its resource as before: no attachment record, restored byte for byte', async () => {
  const inline = [...A.store.all()].filter((x) => /"presentedForm":\[\{[^\]]*"data":"/.test(x.text));
  assert.ok(inline.length > 0, 'the source has reports with their text inline');
  const repo = await repoSearch.open();
  await repo.loadIndex();
  const snap = await repo.findSnapshot('latest');
  const { readAttachments } = await import('../../src/repository/attachments.js');
  const records = await readAttachments(repo, snap.manifest.attachments);
  const owners = new Set(records.map((r) => r.owner));
  assert.ok(!inline.some((x) => owners.has(`${x.type}/${x.id}`)), 'inline data is not an attachment to fetch');
  assert.equal(records.length, A.documents.length);
  const B = await sandbox({ patients: 0, createGroup: false });
  const r = await engineSearch.restoreToServer({ target: B.url, auth: NONE, types: ['DiagnosticReport'], confirmed: true, verify: 'all' });
  assert.deepEqual(r.failures, []);
  for (const x of inline) {
    const got = JSON.parse(B.store.get('DiagnosticReport', x.id) as string) as { presentedForm: { data: string }[] };
    const want = JSON.parse(x.text) as { presentedForm: { data: string }[] };
    assert.deepEqual(
      got.presentedForm.map((f) => f.data),
      want.presentedForm.map((f) => f.data),
      `DiagnosticReport/${x.id}`,
    );
  }
});
