/**
 * Drills against servers that page differently, assign their own ids, stamp their own meta, and hold
 * attachments (issue 14 §1, §3, §7). Both directions: a server that gives `total` without `next` links (or
 * ignores `_offset`) must not make an intact restore look damaged, and must not hide a resource that really is
 * missing or an attachment that really differs.
 */
import assert from 'node:assert/strict';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { test } from 'node:test';
import { runDrill } from '../../src/drills/index.js';
import type { ProgressEvent } from '../../src/shared/events.js';
import { sandbox } from '../support/fhir.js';
import { tempDir } from '../support/tmp.js';
import { copyAt, drillInput, repoFromSandbox } from './helpers.js';
import { newRepo } from '../support/repo.js';
import { backupFhir } from '../../src/archiver/fhirBackup.js';

const dir = await tempDir('cb-drill-wild-');
// 10 patients: 529 Observations, more than one page of the drill's read-back (500).
const A = await sandbox({ patients: 10, seed: 7, documents: { patients: 3 }, administration: true });
const good = await repoFromSandbox(path.join(dir, 'good'), A);
const observations = [...A.store.all()].filter((r) => r.type === 'Observation').length;
assert.ok(observations > 500, 'more than one page');

/** A repository whose attachments were kept apart (Binary not searchable on the source, like Medplum). */
async function repoWithAttachments(): Promise<string> {
  A.faults.set({ unsearchable: { types: ['Binary'] } });
  try {
    await mkdir(path.join(dir, 'attachments'), { recursive: true });
    const { repo, root } = await newRepo(path.join(dir, 'attachments'));
    const r = await backupFhir(repo, { baseUrl: A.url, auth: { kind: 'none' }, strategy: 'search' });
    assert.equal(r.manifest.attachments?.stored, A.documents.length);
    await repo.backend.close();
    return root;
  } finally {
    A.faults.clear();
  }
}
const withAttachments = await repoWithAttachments();

for (const paging of ['total-without-next', 'no-offset'] as const) {
  test(`a target whose searches give ${paging === 'no-offset' ? 'only the first page (no next, _offset ignored)' : 'total but no next link'}: an intact restore scores 100 %`, async () => {
    const B = await sandbox({ patients: 0, createGroup: false, faults: { paging } });
    const o = await runDrill(drillInput([copyAt('local', good.root)], { target: { baseUrl: B.url }, seed: 3 }));
    assert.equal(o.status, 'success', JSON.stringify(o.failures));
    assert.equal(o.integrityScore, 1);
    assert.equal(o.checks.content.checked, o.resourcesExpected);
    assert.equal(o.resources.find((r) => r.resourceType === 'Observation')?.restored, observations);
    assert.deepEqual(o.problems, []);
  });

  test(`a target with ${paging}: a resource that really is missing is still found missing, and only it`, async () => {
    const B = await sandbox({ patients: 0, createGroup: false, faults: { paging } });
    const victim = [...A.store.all()].filter((r) => r.type === 'Observation')[517] as { id: string };
    // Lost by the server right after the restore, before the drill reads back.
    const onProgress = (e: ProgressEvent): void => {
      if (e.phase === 'validate') B.store.delete('Observation', victim.id);
    };
    const o = await runDrill(drillInput([copyAt('local', good.root)], { target: { baseUrl: B.url }, seed: 3 }), { onProgress });
    assert.equal(o.status, 'failed');
    assert.deepEqual(
      o.problems.map((p) => `${p.kind} ${p.resource}`).filter((p) => !p.startsWith('unresolved-reference')),
      [`missing Observation/${victim.id}`],
    );
    assert.equal(o.integrityScore, (o.resourcesExpected - 1 - o.problems.filter((p) => p.kind === 'unresolved-reference').length) / o.resourcesExpected);
  });
}

test('attachments: every one restored is read back from the target with the backed-up SHA-256; one that differs fails the drill', async () => {
  const ok = await runDrill(drillInput([copyAt('local', withAttachments)], { seed: 5 }));
  assert.equal(ok.status, 'success', JSON.stringify(ok.failures));
  assert.deepEqual(ok.checks.attachments, { outcome: 'passed', checked: A.documents.length, mismatched: 0 });

  const B = await sandbox({ patients: 0, createGroup: false });
  const onProgress = (e: ProgressEvent): void => {
    // The target keeps another PDF under the same Binary (a damaged file store).
    if (e.phase === 'validate')
      B.store.put('Binary', 'doc-1', JSON.stringify({ resourceType: 'Binary', id: 'doc-1', contentType: 'application/pdf', data: Buffer.from('%PDF-1.4 not the exam').toString('base64') }));
  };
  const bad = await runDrill(drillInput([copyAt('local', withAttachments)], { target: { baseUrl: B.url }, seed: 5 }), { onProgress });
  assert.equal(bad.status, 'failed');
  assert.deepEqual(bad.checks.attachments, { outcome: 'failed', checked: A.documents.length, mismatched: 1 });
  assert.ok(bad.problems.some((p) => p.resource === 'DocumentReference/docref-1' && p.code === 'ATTACHMENT_DIFFERS'));
  assert.ok(bad.failures.some((f) => f.nextStep === 'drills.next.attachmentMismatch'));
  assert.ok((bad.integrityScore ?? 1) < 1);
});

test('a target that assigns its own ids and stamps its own meta: validated through the id map, 100 %; administration resources not expected', async () => {
  const B = await sandbox({
    patients: 0,
    createGroup: false,
    faults: { noUpdateCreate: { status: 405 }, serverMeta: { extra: { author: { reference: 'Practitioner/x' }, project: 'p' } }, paging: 'total-without-next' },
  });
  const o = await runDrill(drillInput([copyAt('local', withAttachments)], { target: { baseUrl: B.url }, seed: 8 }));
  assert.equal(o.status, 'success', JSON.stringify(o.failures));
  assert.equal(o.integrityScore, 1);
  assert.ok(!o.resources.some((r) => ['Project', 'ClientApplication', 'ProjectMembership', 'User'].includes(r.resourceType)));
  assert.equal(o.checks.attachments?.outcome, 'passed');
  assert.ok(B.store.get('Patient', [...A.store.all()].find((r) => r.type === 'Patient')?.id ?? '') === undefined, "ids were the server's own");
});
