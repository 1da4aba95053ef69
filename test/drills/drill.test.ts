/**
 * Restore drills (issue 7, "Done when"): a drill against a repository made from the sandbox, every recorded
 * metric checked against values computed here independently; a corrupted pack gives a failed drill naming the
 * damage; cancel leaves nothing behind; an unreachable offsite copy is reported and only replaced by the local
 * copy when allowed. Real sandboxes over HTTP, real repositories on disk.
 */
import assert from 'node:assert/strict';
import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { test } from 'node:test';
import { FaultBackend } from '../../src/backend/fault.js';
import { ReadOnlyBackend } from '../../src/backend/readonly.js';
import { Catalog } from '../../src/catalog/catalog.js';
import { drillReportData, MAX_PROBLEMS, recordedDrill, runDrill, seededSample, type DrillOutcome } from '../../src/drills/index.js';
import { t } from '../../src/i18n/index.js';
import { tierOf } from '../../src/policy/tiers.js';
import { drillReportHtml, type DrillReportData } from '../../src/reports/drillReport.js';
import { BlobType } from '../../src/repository/pack2.js';
import { framesByPack, flipByteInBlob, resourcesInFrame, storedBlobs } from '../support/v2.js';
import { patientCompartments } from '../../src/shared/fhirCompartment.js';
import type { ProgressEvent } from '../../src/shared/events.js';
import { assertSameResources, snapshotOf } from '../restorer/helpers.js';
import { sandbox, serverCounts } from '../support/fhir.js';
import { reopen } from '../support/repo.js';
import { tempDir } from '../support/tmp.js';
import { copyAt, drillInput, filesUnder, portOf, portRefuses, relativeRefs, repoFromSandbox, sizeOf } from './helpers.js';

const dir = await tempDir('cb-drill-');
const A = await sandbox({ patients: 20, seed: 7 });
const good = await repoFromSandbox(path.join(dir, 'good'), A);
const source = [...A.store.all()].map((r) => ({ key: `${r.type}/${r.id}`, type: r.type, id: r.id, json: JSON.parse(r.text) as Record<string, unknown> }));
const sourceKeys = new Set(source.map((r) => r.key));

function targetPort(events: readonly ProgressEvent[]): number {
  const e = events.find((x) => x.phase === 'target' && x.subject);
  assert.ok(e?.subject, 'the drill says where it restores');
  return portOf(e.subject);
}

test('a drill of a repository made from the sandbox: every metric equals an independently computed value', async () => {
  const events: ProgressEvent[] = [];
  const seed = 4242;
  const t0 = performance.now();
  const o = await runDrill(drillInput([copyAt('local', good.root)], { seed, sampleSize: 10 }), { onProgress: (e) => events.push(e) });
  const wall = performance.now() - t0;

  assert.equal(o.status, 'success', JSON.stringify({ failures: o.failures, problems: o.problems.slice(0, 5), error: o.error }));
  assert.deepEqual(o.failures, []);
  assert.deepEqual(o.problems, []);
  assert.equal(o.problemCount, 0);
  assert.equal(o.error, null);
  assert.equal(o.snapshot?.id, good.snapshotId, 'latest snapshot by default');
  assert.equal(o.copy.label, 'local');
  assert.equal(o.copy.usedFallback, false);
  assert.equal(o.copy.locked, true);
  assert.equal(o.target.sandbox, true);
  assert.equal(o.target.existingBefore, 0, 'a fresh, empty sandbox');

  // Resources: the source sandbox's own store.
  const counts = serverCounts(A);
  assert.equal(o.resourcesExpected, A.store.count());
  assert.equal(o.resourcesRestored, A.store.count());
  assert.deepEqual(Object.fromEntries(o.resources.map((r) => [r.resourceType, r.expected])), counts);
  assert.deepEqual(Object.fromEntries(o.resources.map((r) => [r.resourceType, r.restored])), counts);
  assert.ok(o.resources.every((r) => r.contentMismatches === 0));

  // Checks, against counts made here.
  assert.deepEqual(o.checks.counts, { outcome: 'passed', typesChecked: Object.keys(counts).length, typesMismatched: 0 });
  assert.deepEqual(o.checks.content, { outcome: 'passed', checked: A.store.count(), mismatched: 0 });
  const refCount = source.reduce((n, r) => n + relativeRefs(r.json).length, 0);
  assert.ok(refCount > A.store.count(), 'the data set is well linked');
  for (const r of source) for (const ref of relativeRefs(r.json)) assert.ok(sourceKeys.has(ref), `${r.key} -> ${ref} resolves in the source`);
  assert.deepEqual(o.checks.references, { outcome: 'passed', checked: refCount, unresolved: 0, external: 0 });

  // The patient sample: seeded, recorded, drawn from the snapshot's patients; compartments counted here.
  const patientIds = source.filter((r) => r.type === 'Patient').map((r) => r.id);
  assert.equal(o.sample.seed, seed);
  assert.equal(o.sample.patients.length, 10);
  assert.equal(new Set(o.sample.patients).size, 10);
  assert.ok(o.sample.patients.every((p) => patientIds.includes(p)));
  assert.deepEqual(o.sample.patients, seededSample(patientIds, 10, seed), 'the same seed gives the same sample');
  const compartmentSize = o.sample.patients.reduce((n, p) => n + source.filter((r) => patientCompartments(r.json).includes(p)).length, 0);
  assert.deepEqual(o.checks.compartment, { outcome: 'passed', patientsSampled: 10, patientsComplete: 10, resourcesChecked: compartmentSize });

  // Integrity: every resource passed.
  assert.equal(o.integrityScore, 1);

  // Bytes read: one full restore reads every frame and tree blob of this single-snapshot repository exactly once
  // (the compression dictionaries at most once: workers that already hold one do not ask for it again).
  const repo = await reopen(good.root);
  const blobs = await storedBlobs(repo);
  const frameBytes = blobs.filter((b) => b.type !== BlobType.dictionary).reduce((n, b) => n + b.stored, 0);
  const dictBytes = blobs.filter((b) => b.type === BlobType.dictionary).reduce((n, b) => n + b.stored, 0);
  await repo.backend.close();
  assert.ok(o.bytesRead > 0);
  assert.ok(o.bytesRead >= frameBytes && o.bytesRead <= frameBytes + dictBytes, `${o.bytesRead} within [${frameBytes}, ${frameBytes + dictBytes}]`);
  assert.ok(o.bytesRead <= (await sizeOf(good.root)), 'not more than the repository holds');

  // Times: inside the measured wall time, Critical first.
  assert.ok(o.recoveryTimeMs !== null && o.recoveryTimeMs > 0 && o.recoveryTimeMs <= Math.ceil(wall), `${o.recoveryTimeMs} within ${wall}`);
  assert.ok(o.timeToCriticalMs !== null && o.timeToCriticalMs > 0 && o.timeToCriticalMs <= o.recoveryTimeMs);
  assert.ok(Date.parse(o.endedAt) - Date.parse(o.startedAt) >= o.recoveryTimeMs - 1);
  const tiers = new Set(Object.keys(counts).map(tierOf));
  assert.deepEqual(new Set(Object.keys(o.tierCompletedMs)), tiers);
  assert.ok((o.tierCompletedMs.critical ?? Infinity) <= (o.tierCompletedMs.essential ?? 0), 'Critical tier done before Essential');
  assert.ok(Object.values(o.tierCompletedMs).every((ms) => ms <= (o.recoveryTimeMs ?? 0)));
  assert.deepEqual(o.rto, { targetMs: 24 * 3_600_000, met: true, criticalTargetMs: 3_600_000, criticalMet: true });

  // Progress events, and the sandbox is gone.
  assert.ok(events.every((e) => e.op === 'drill'));
  const phases = new Set(events.map((e) => e.phase));
  for (const p of ['open', 'target', 'restore', 'validate', 'counts', 'content', 'references', 'compartments', 'done']) assert.ok(phases.has(p), p);
  const last = events.filter((e) => e.phase === 'restore').at(-1);
  assert.equal(last?.done, A.store.count());
  assert.ok(await portRefuses(targetPort(events)), 'the sandbox was closed');
  assert.deepEqual(await readdir(path.join(good.root, 'locks')), [], 'the repository lock was released');
  assert.ok(o.operator && o.operator.length > 0, 'the signed-in OS user');
});

test('a configured test server receives exactly the source resources and is left running', async () => {
  const B = await sandbox({ patients: 0, createGroup: false });
  const o = await runDrill(drillInput([copyAt('local', good.root)], { target: { baseUrl: B.url }, seed: 1 }));
  assert.equal(o.status, 'success', JSON.stringify(o.failures));
  assert.deepEqual(o.target, { url: B.url, sandbox: false, existingBefore: 0 });
  assertSameResources(snapshotOf(A), B);
  assert.equal(await portRefuses(B.port), false, 'a configured server is not ours to close');

  // Run again on the now full server: the counts still match (PUT keeps ids), and it says it was not empty.
  B.store.put('Patient', 'extra-1', '{"resourceType":"Patient","id":"extra-1"}');
  const again = await runDrill(drillInput([copyAt('local', good.root)], { target: { baseUrl: B.url }, seed: 1 }));
  assert.equal(again.status, 'failed', 'a target holding other data is not a clean drill');
  assert.equal(again.target.existingBefore, A.store.count());
  assert.ok(again.problems.some((p) => p.kind === 'unexpected' && p.resource === 'Patient/extra-1'));
  assert.ok(again.failures.some((f) => f.kind === 'count-mismatch' && f.resourceType === 'Patient' && f.nextStep === 'drills.next.targetNotEmpty'));
});

test('a corrupted data pack: the drill fails, naming every damaged resource and the file; never green', async () => {
  const bad = await repoFromSandbox(path.join(dir, 'bad'), A);
  // Which resources live in the frame we damage, found here from the index and the tree.
  const repo = await reopen(bad.root);
  await repo.loadIndex();
  const pack = (await framesByPack(repo))[0];
  assert.ok(pack, 'a data pack');
  const frame = pack.frames[Math.floor(pack.frames.length / 2)];
  assert.ok(frame);
  const snap = await repo.findSnapshot('latest');
  const damaged = await resourcesInFrame(repo, snap, frame.blob);
  await repo.backend.close();
  assert.ok(damaged.size > 0 && damaged.size < A.store.count());
  const file = await flipByteInBlob(bad.root, frame);

  const o = await runDrill(drillInput([copyAt('local', bad.root)], { seed: 3 }));
  assert.equal(o.status, 'failed');
  assert.notEqual(o.integrityScore, 1);

  // Named, resource by resource (the list keeps the first MAX_PROBLEMS; the count and the groups cover all).
  const unreadable = o.problems.filter((p) => p.kind === 'unreadable');
  assert.equal(unreadable.length, Math.min(damaged.size, MAX_PROBLEMS));
  assert.ok(unreadable.every((p) => damaged.has(p.resource) && p.code === 'PACK_CORRUPT' && p.file === file));
  assert.equal(new Set(unreadable.map((p) => p.resource)).size, unreadable.length);
  const repoFailures = o.failures.filter((f) => f.kind === 'repository-error');
  assert.ok(repoFailures.length > 0);
  assert.ok(repoFailures.every((f) => f.errorCode === 'PACK_CORRUPT' && f.errorDetails?.['file'] === file && damaged.has(f.example ?? '')));
  assert.equal(
    repoFailures.reduce((n, f) => n + (f.count ?? 0), 0),
    damaged.size,
    'every damaged resource is counted',
  );
  assert.deepEqual(new Set(repoFailures.map((f) => f.resourceType)), new Set([...damaged].map((k) => k.split('/')[0])));
  assert.equal(o.resourcesRestored, A.store.count() - damaged.size);

  // The checks see it too.
  assert.equal(o.checks.counts.outcome, 'failed');
  assert.equal(o.checks.content.outcome, 'failed');
  const damagedTypes = new Set([...damaged].map((k) => k.split('/')[0] as string));
  for (const r of o.resources) {
    const lost = [...damaged].filter((k) => k.startsWith(`${r.resourceType}/`)).length;
    assert.equal(r.restored, r.expected - lost, r.resourceType);
  }
  assert.equal(o.checks.counts.typesMismatched, damagedTypes.size);

  // Integrity: resources that came back intact with every reference resolvable, computed here.
  const brokenByRef = source.filter((r) => !damaged.has(r.key) && relativeRefs(r.json).some((ref) => damaged.has(ref)));
  const passed = A.store.count() - damaged.size - brokenByRef.length;
  assert.equal(o.integrityScore, passed / A.store.count());
  assert.equal(
    o.checks.references.unresolved,
    source.reduce((n, r) => n + (damaged.has(r.key) ? 0 : relativeRefs(r.json).filter((ref) => damaged.has(ref)).length), 0),
  );
  assert.equal(o.problemCount, damaged.size + o.checks.references.unresolved);

  // The printable report names the file and the next step.
  const data: DrillReportData = drillReportData(o);
  const html = drillReportHtml(data, 'en');
  assert.ok(html.includes(file.slice(0, 20)), 'the report names the damaged file');
  assert.match(html, /failed/i);
  assert.ok(
    repoFailures.every((f) => t(f.nextStep, { file }, 'en') !== f.nextStep),
    'next steps are translated',
  );
});

test('cancel mid-restore: interrupted, sandbox closed, lock released, no files left', async () => {
  const ac = new AbortController();
  const events: ProgressEvent[] = [];
  const before = await filesUnder(good.root);
  const o: DrillOutcome = await runDrill(drillInput([copyAt('local', good.root)]), {
    signal: ac.signal,
    onProgress: (e) => {
      events.push(e);
      if (e.phase === 'restore' && e.done > 0) ac.abort();
    },
  });
  assert.equal(o.status, 'interrupted');
  assert.deepEqual(o.error, { code: 'CANCELLED', details: {} });
  assert.deepEqual(
    o.failures.map((f) => f.kind),
    ['interrupted'],
  );
  assert.equal(o.integrityScore, null);
  assert.ok(o.resourcesRestored < A.store.count());
  assert.ok(await portRefuses(targetPort(events)), 'the sandbox was closed');
  assert.deepEqual(await filesUnder(good.root), before, 'nothing written to the repository, the lock removed');

  // Cancelled before it starts: no sandbox at all.
  const early = await runDrill(drillInput([copyAt('local', good.root)]), { signal: AbortSignal.abort(), onProgress: (e) => events.push(e) });
  assert.equal(early.status, 'interrupted');
  assert.equal(early.target.url, null);
});

test('offsite unreachable: the drill says so; it falls back to the local copy only when allowed, and records it', async () => {
  const offline = copyAt('offsite', good.root, (inner) => new FaultBackend(inner, { rules: [{ op: 'any', effect: { type: 'error', error: 'offline' } }] }));
  const local = copyAt('local', good.root);

  const refused = await runDrill(drillInput([offline, local], { allowFallback: false }));
  assert.equal(refused.status, 'failed');
  assert.equal(refused.error?.code, 'DEST_OFFLINE');
  assert.deepEqual(
    refused.copy.attempts.map((a) => [a.label, a.ok, a.errorCode]),
    [['offsite', false, 'DEST_OFFLINE']],
    'the local copy was not touched',
  );
  assert.equal(refused.copy.usedFallback, false);
  assert.equal(refused.copy.fallbackReason?.errorCode, 'DEST_OFFLINE');
  assert.deepEqual(
    refused.failures.map((f) => [f.kind, f.errorCode, f.nextStep]),
    [['repository-error', 'DEST_OFFLINE', 'drills.next.copyOffline']],
  );
  assert.equal(refused.target.url, null, 'no sandbox was started');
  assert.equal(refused.resourcesRestored, 0);

  const readOnlyLocal = copyAt('local', good.root, (inner) => new ReadOnlyBackend(inner));
  const fellBack = await runDrill(drillInput([offline, readOnlyLocal], { allowFallback: true, seed: 9 }));
  assert.equal(fellBack.copy.usedFallback, true);
  assert.equal(fellBack.copy.label, 'local');
  assert.deepEqual(fellBack.copy.fallbackReason && [fellBack.copy.fallbackReason.label, fellBack.copy.fallbackReason.errorCode], ['offsite', 'DEST_OFFLINE']);
  assert.deepEqual(
    fellBack.copy.attempts.map((a) => [a.label, a.ok]),
    [
      ['offsite', false],
      ['local', true],
    ],
  );
  assert.equal(fellBack.copy.locked, false, 'a read-only copy is read without a lock');
  assert.equal(fellBack.integrityScore, 1);
  assert.equal(fellBack.resourcesRestored, A.store.count());
  assert.equal(fellBack.status, 'partial', 'the data is intact but the copy a disaster leaves was not proven');
  const data = drillReportData(fellBack);
  assert.equal(data.copy?.usedFallback, true);
  assert.equal(data.copy?.fallbackReason?.errorCode, 'DEST_OFFLINE');
  assert.ok(t('drills.copy.fallbackUsed', { label: 'offsite', reason: 'DEST_OFFLINE', used: 'local' }, 'en').includes('offsite'));
});

test('recorded in the catalog: the drill row carries the metrics and the report JSON', async () => {
  const { catalog } = Catalog.open(path.join(dir, 'catalog.db'));
  try {
    const { outcome, record } = await recordedDrill(catalog, drillInput([copyAt('local', good.root)], { seed: 5, operator: 'dr.ana' }), { extras: { trigger: 'manual' } });
    assert.equal(outcome.status, 'success');
    assert.equal(record.status, 'success');
    assert.equal(record.operator, 'dr.ana');
    assert.equal(record.recoveryTimeMs, outcome.recoveryTimeMs);
    assert.equal(record.timeToFirstCriticalMs, outcome.timeToCriticalMs);
    assert.equal(record.integrityScore, 1);
    assert.equal(record.resourcesRestored, A.store.count());
    assert.equal(record.bytesRead, outcome.bytesRead);
    const report = record.report as unknown as DrillReportData;
    assert.equal(report.snapshot.id, good.snapshotId);
    assert.equal(report.id, record.id);
    assert.match(drillReportHtml(report, 'pt-BR'), /dr\.ana/);
  } finally {
    catalog.close();
  }
});
