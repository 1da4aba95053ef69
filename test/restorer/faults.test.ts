/**
 * Bad input and faults (issue 4), each a test: unknown snapshot or patient, a target server that goes down
 * mid-restore (resume without redoing work), a target rejecting some resources, a target that is not FHIR
 * or another FHIR version, damaged or missing packs, a non-empty NDJSON target, dangling references.
 * Real sandboxes over HTTP and real repositories.
 */
import assert from 'node:assert/strict';
import { mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { test } from 'node:test';
import type { Engine } from '../../src/index.js';
import { restoreOrder, TIER_TYPES } from '../../src/policy/tiers.js';
import type { Repository } from '../../src/repository/repository.js';
import { executeFhirRestore, planFhirRestore, type FhirRestoreOptions } from '../../src/restorer/fhirTarget.js';
import { restoreToNdjson } from '../../src/restorer/ndjsonTarget.js';
import { startSandbox, type SandboxServer } from '../../src/sandbox/index.js';
import { FhirHttp } from '../../src/source/fhir/http.js';
import { poolOpener, WorkerPool } from '../../src/pool/index.js';
import { isEngineError } from '../../src/shared/errors.js';
import { tempDir } from '../support/tmp.js';
import { framesByPack, flipByteInBlob, resourcesInFrame, type StoredBlob } from '../support/v2.js';
import { assertSameResources, plainServer, sandbox, snapshotOf, testRepo, type StoredResource, type TestRepo } from './helpers.js';

const NONE = { kind: 'none' } as const;

const dir = await tempDir('cb-restore-faults-');
const A: SandboxServer = await sandbox({ patients: 20, seed: 12 });
const repo: TestRepo = await testRepo(path.join(dir, 'main'));
const engine: Engine = repo.engine();
const backup = await engine.backupFhir({ source: A.url, auth: NONE });
const source: Map<string, StoredResource> = snapshotOf(A);
const patientIds = [...source.values()].filter((r) => r.type === 'Patient').map((r) => r.id);

function without(keys: Iterable<string>): Map<string, StoredResource> {
  const drop = new Set(keys);
  return new Map([...source].filter(([k]) => !drop.has(k)));
}

async function journals(stateDir: string): Promise<string[]> {
  const out: string[] = [];
  for (const d of await readdir(stateDir, { recursive: true })) if (String(d).endsWith('.journal')) out.push(path.join(stateDir, String(d)));
  return out;
}

function rejectsWith(code: string, check?: (details: Record<string, unknown>) => void): (err: unknown) => boolean {
  return (err) => {
    assert.ok(isEngineError(err), String(err));
    assert.equal(err.code, code, JSON.stringify(err.details));
    check?.(err.details as Record<string, unknown>);
    return true;
  };
}

// ------------------------------------------------------------------------------------------ input

test('unknown snapshot id: SNAPSHOT_NOT_FOUND listing close matches; nothing written', async () => {
  const real = backup.snapshot.shortId;
  const typo = `${real.slice(0, 5)}${real[5] === '0' ? '1' : '0'}${real.slice(6)}`;
  const B = await sandbox();
  const target = path.join(dir, 'never');
  const suggestsReal = (d: Record<string, unknown>): void => assert.deepEqual(d['suggestions'], [real]);
  await assert.rejects(engine.restoreToFolder({ snapshot: typo, target, confirmed: true }), rejectsWith('SNAPSHOT_NOT_FOUND', suggestsReal));
  await assert.rejects(engine.planRestoreToServer({ snapshot: typo, target: B.url, auth: NONE }), rejectsWith('SNAPSHOT_NOT_FOUND', suggestsReal));
  await assert.rejects(engine.restoreToServer({ snapshot: 'ffffffff', target: B.url, auth: NONE, confirmed: true }), rejectsWith('SNAPSHOT_NOT_FOUND', suggestsReal));
  await assert.rejects(engine.ls({ snapshot: typo }), rejectsWith('SNAPSHOT_NOT_FOUND', suggestsReal));
  await assert.rejects(engine.dump(typo, `Patient/${patientIds[0]}`), rejectsWith('SNAPSHOT_NOT_FOUND', suggestsReal));
  await assert.rejects(readdir(target), 'no target folder was made');
  assert.equal(B.requests, 0, 'the target server was not even contacted');
});

test('unknown patient id: PATIENT_NOT_FOUND listing the closest patient ids first; nothing written', async () => {
  const real = patientIds[3] as string;
  const typo = `${real.slice(0, -1)}${real.endsWith('a') ? 'b' : 'a'}`;
  const B = await sandbox();
  const target = path.join(dir, 'never-patient');
  const closest = (d: Record<string, unknown>): void => {
    assert.equal((d['suggestions'] as string[])[0], real);
    assert.ok((d['suggestions'] as string[]).length <= 5);
  };
  await assert.rejects(engine.restoreToFolder({ snapshot: 'latest', target, patient: typo, confirmed: true }), rejectsWith('PATIENT_NOT_FOUND', closest));
  await assert.rejects(engine.restoreToServer({ target: B.url, auth: NONE, patient: typo, confirmed: true }), rejectsWith('PATIENT_NOT_FOUND', closest));
  await assert.rejects(engine.ls({ patient: typo }), rejectsWith('PATIENT_NOT_FOUND', closest));
  await assert.rejects(readdir(target));
  assert.equal(B.requests, 0);
  await assert.rejects(engine.dump('latest', 'Patient/nobody'), rejectsWith('RESOURCE_NOT_FOUND'));
});

// ------------------------------------------------------------------------------------------ target server

/** The restorer directly, with fast retries (the Engine's FhirHttp waits ~25 s over 8 attempts before giving up). */
async function restorerRun(r: Repository, url: string, journalFile: string, extra: Partial<FhirRestoreOptions> = {}): ReturnType<typeof executeFhirRestore> {
  const snap = await r.findSnapshot('latest');
  const http = new FhirHttp({ baseUrl: url, maxAttempts: 2, sleep: async () => {} });
  const opts: FhirRestoreOptions = { http, orderTypes: (t) => restoreOrder(t), criticalTypes: TIER_TYPES.critical, journalFile, initialBundleSize: 40, verify: 'none', ...extra };
  const { plan, rows } = await planFhirRestore(r, snap, {}, { ...opts, preview: false });
  return executeFhirRestore(r, snap, plan, rows, { ...opts, confirmed: true });
}

function versionIds(server: SandboxServer): Map<string, string> {
  const out = new Map<string, string>();
  for (const r of server.store.all()) out.set(`${r.type}/${r.id}`, (JSON.parse(r.text) as { meta: { versionId: string } }).meta.versionId);
  return out;
}

async function journalIds(file: string): Promise<Set<string>> {
  const ids = new Set<string>();
  for (const line of (await readFile(file, 'utf8')).split('\n').filter(Boolean)) {
    const j = JSON.parse(line) as { t: string; ids: string[] };
    for (const id of j.ids) ids.add(`${j.t}/${id}`);
  }
  return ids;
}

test('target down mid-restore (503 storm): the restore fails; after recovery the rerun skips what was done, writes nothing twice, ends equal', async () => {
  const r = await repo.open();
  const B = await sandbox();
  const journal = path.join(dir, 'storm.journal');
  B.faults.set({ serverError: { nth: 8, times: 1_000_000, status: 503, match: '^/fhir/?$' } });
  await assert.rejects(
    restorerRun(r, B.url, journal),
    rejectsWith('SOURCE_HTTP', (d) => assert.equal(d['status'], 503)),
  );
  const done = await journalIds(journal);
  assert.ok(done.size > 0 && done.size < source.size, `part done (${done.size})`);
  assert.deepEqual(new Set(snapshotOf(B).keys()), done, 'the journal names exactly what the server holds');

  B.faults.clear();
  const res = await restorerRun(r, B.url, journal);
  assert.equal(res.skippedFromJournal, done.size);
  assert.equal(res.restored, source.size - done.size);
  assert.deepEqual(res.failures, []);
  assertSameResources(source, B);
  const twice = [...versionIds(B)].filter(([, v]) => v !== '1');
  assert.deepEqual(twice, [], 'no resource was written twice');
  await assert.rejects(readFile(journal), 'a completed restore removes its journal');
});

test('target stopped mid-restore and restarted on the same port: the rerun resumes where it stopped', async () => {
  const r = await repo.open();
  let B = await startSandbox({ patients: 0, createGroup: false });
  const port = B.port;
  const journal = path.join(dir, 'stop.journal');
  let closing: Promise<void> | null = null;
  try {
    await assert.rejects(
      restorerRun(r, B.url, journal, {
        onProgress: (e) => {
          if (e.done >= 300 && !closing) closing = B.close();
        },
      }),
      rejectsWith('SOURCE_UNREACHABLE'),
    );
  } finally {
    await (closing ?? B.close());
  }
  const held = [...B.store.all()];
  const done = await journalIds(journal);
  assert.ok(done.size >= 300 && done.size < source.size, `part done (${done.size})`);

  // The same server back on the same port with the data it had (as a restarted server with a disk would).
  B = await startSandbox({ port, patients: 0, createGroup: false });
  try {
    for (const x of held) B.store.put(x.type, x.id, x.text);
    const res = await restorerRun(r, B.url, journal);
    assert.equal(res.skippedFromJournal, done.size);
    assert.equal(res.restored + res.skippedFromJournal, source.size);
    assertSameResources(source, B);
    // At most the bundles in flight when the server stopped (written there, answer lost) are written again.
    const twice = [...versionIds(B)].filter(([, v]) => v !== '1').map(([k]) => k);
    assert.ok(twice.length <= 2 * 500, `${twice.length} written twice`);
    for (const k of twice) assert.ok(!done.has(k), `${k} was journaled yet written again`);
  } finally {
    await B.close();
  }
});

test('target rejects some resources: they are listed with the OperationOutcome, the others are restored; the rerun writes only those', async () => {
  const obs = [...source.values()].filter((x) => x.type === 'Observation').slice(5, 7);
  const keys = obs.map((o) => `Observation/${o.id}`);
  const B = await sandbox();
  B.faults.set({ rejectResources: { match: `^(${keys.join('|')})$`, diagnostics: 'Observation.value is out of range (sandbox)' } });
  const e = repo.engine();
  const r = await e.restoreToServer({ target: B.url, auth: NONE, confirmed: true });
  assert.deepEqual(r.failures.map((f) => f.resource).sort(), [...keys].sort());
  for (const f of r.failures) {
    assert.equal(f.status, 'failed');
    assert.match(String(f.code), /^422/);
    assert.match(f.outcome ?? '', /Observation\.value is out of range \(sandbox\)/);
  }
  assert.equal(r.restored, source.size - 2);
  assertSameResources(without(keys), B);
  assert.equal((await journals(repo.stateDir)).length, 1, 'an incomplete restore keeps its journal');

  B.faults.clear();
  const again = await e.restoreToServer({ target: B.url, auth: NONE, confirmed: true });
  assert.equal(again.skippedFromJournal, source.size - 2);
  assert.equal(again.restored, 2);
  assert.deepEqual(again.failures, []);
  assertSameResources(source, B);
  assert.deepEqual(
    [...versionIds(B)].filter(([, v]) => v !== '1'),
    [],
  );
  assert.deepEqual(await journals(repo.stateDir), []);
});

test('target is not a FHIR server (HTML, JSON that is no CapabilityStatement, 404): SOURCE_NOT_FHIR before anything is written', async () => {
  const html = await plainServer(() => ({ status: 200, type: 'text/html', body: '<!doctype html><html><body>Router login</body></html>' }));
  const json = await plainServer(() => ({ status: 200, type: 'application/json', body: '{"status":"ok"}' }));
  const missing = await plainServer(() => ({ status: 404, type: 'text/html', body: '<h1>Not Found</h1>' }));
  for (const s of [html, json, missing]) {
    await assert.rejects(engine.planRestoreToServer({ target: s.url, auth: NONE }), rejectsWith('SOURCE_NOT_FHIR'));
    await assert.rejects(engine.restoreToServer({ target: s.url, auth: NONE, confirmed: true }), rejectsWith('SOURCE_NOT_FHIR'));
    assert.deepEqual(
      s.requests.filter((q) => q.method !== 'GET'),
      [],
      'nothing was posted',
    );
  }
});

test('target speaks another FHIR version (5.0.0, 3.0.2): SOURCE_FHIR_VERSION naming it, nothing written', async () => {
  for (const version of ['5.0.0', '3.0.2']) {
    const s = await plainServer(() => ({
      status: 200,
      type: 'application/fhir+json',
      body: JSON.stringify({ resourceType: 'CapabilityStatement', status: 'active', kind: 'instance', fhirVersion: version, rest: [{ mode: 'server' }] }),
    }));
    await assert.rejects(
      engine.restoreToServer({ target: s.url, auth: NONE, confirmed: true }),
      rejectsWith('SOURCE_FHIR_VERSION', (d) => assert.equal(d['version'], version)),
    );
    assert.deepEqual(
      s.requests.map((q) => `${q.method} ${q.url}`),
      ['GET /fhir/metadata'],
    );
  }
});

// ------------------------------------------------------------------------------------------ repository damage

/** A repository of its own (backed up from A), the resources stored in frame `frameNo` of its first data pack, and that frame damaged. */
async function damagedRepo(name: string, frameNo: number): Promise<{ repo: TestRepo; affected: Set<string>; file: string }> {
  const own = await testRepo(path.join(dir, name));
  const b = await own.engine().backupFhir({ source: A.url, auth: NONE });
  const r = await own.open();
  const pack = (await framesByPack(r)).find((p) => p.frames.length > frameNo + 1);
  assert.ok(pack, 'a data pack with several frames');
  const frame = pack.frames[frameNo] as StoredBlob;
  const affected = await resourcesInFrame(r, await r.findSnapshot(b.snapshot.id), frame.blob);
  assert.ok(affected.size > 0 && affected.size < source.size / 2);
  const file = await flipByteInBlob(own.root, frame);
  return { repo: own, affected, file };
}

test('a damaged pack frame: the unreadable resources are named (PACK_CORRUPT, the pack file), the rest is restored — server and folder', async () => {
  const { repo: own, affected, file } = await damagedRepo('corrupt', 1);
  const e = own.engine();
  const B = await sandbox();
  const r = await e.restoreToServer({ target: B.url, auth: NONE, confirmed: true });
  assert.deepEqual(new Set(r.failures.map((f) => f.resource)), affected);
  for (const f of r.failures) assert.deepEqual({ status: f.status, code: f.code, outcome: f.outcome }, { status: 'unreadable', code: 'PACK_CORRUPT', outcome: file });
  assert.equal(r.restored, source.size - affected.size);
  assert.deepEqual(r.verification?.mismatches, []);
  assertSameResources(without(affected), B);

  // The same through the worker pool (a large restore opens frames there): the same resources named, the rest written.
  const pool = new WorkerPool(1);
  const repo = await own.open();
  const opener = poolOpener(repo, pool);
  try {
    const P = await sandbox();
    const pooled = await restorerRun(repo, P.url, path.join(dir, 'corrupt-pooled.journal'), { opener });
    assert.deepEqual(new Set(pooled.failures.map((f) => f.resource)), affected);
    for (const f of pooled.failures) assert.deepEqual({ status: f.status, code: f.code, outcome: f.outcome }, { status: 'unreadable', code: 'PACK_CORRUPT', outcome: file });
    assert.equal(pooled.restored, source.size - affected.size);
    assertSameResources(without(affected), P);
  } finally {
    opener.close();
    await pool.close();
  }

  const folder = path.join(dir, 'corrupt-folder');
  const f = await e.restoreToFolder({ snapshot: 'latest', target: folder, confirmed: true });
  assert.deepEqual(new Set(f.failures.map((x) => x.resource)), affected);
  for (const x of f.failures) assert.deepEqual({ code: x.code, file: x.file }, { code: 'PACK_CORRUPT', file });
  assert.equal(f.resources, source.size - affected.size);
  await assertFolderLines(folder, without(affected));

  // The same folder restore through the worker pool, whose workers write verified frames into the files themselves:
  // the damaged frame's places are cut out, every other line is where it belongs.
  const pool2 = new WorkerPool(2);
  const repo2 = await own.open();
  const opener2 = poolOpener(repo2, pool2);
  try {
    const pooledFolder = path.join(dir, 'corrupt-folder-pooled');
    const pf = await restoreToNdjson(repo2, await repo2.findSnapshot('latest'), pooledFolder, {}, { opener: opener2 });
    assert.deepEqual(new Set(pf.failures.map((x) => x.resource)), affected);
    assert.equal(pf.resources, source.size - affected.size);
    await assertFolderLines(pooledFolder, without(affected));
  } finally {
    opener2.close();
    await pool2.close();
  }

  // One patient whose compartment touches the damaged frame: planning (dangling references) must not abort.
  const hit = [...affected].find((k) => !k.startsWith('Group/')) as string;
  const row = (await e.ls({ types: [hit.split('/')[0] as string] })).resources.find((x) => `${x.type}/${x.id}` === hit);
  const patient = row?.patients[0] as string;
  const C = await sandbox();
  const p = await e.restoreToServer({ target: C.url, auth: NONE, patient, confirmed: true });
  // Resources that also concern other patients (Group/all-patients) are not written by default: the plan lists them.
  const shared = new Set((p.plan.shared ?? []).map((x) => x.resource));
  assert.ok(shared.has('Group/all-patients'), 'the damaged Group is still known to be shared (from its compartment field)');
  const compartment = (await e.ls({ patient })).resources.map((x) => `${x.type}/${x.id}`).filter((k) => !shared.has(k));
  const lost = compartment.filter((k) => affected.has(k));
  assert.deepEqual(p.failures.map((x) => x.resource).sort(), lost.sort());
  assert.equal(p.restored, compartment.length - lost.length);
});

/** The folder holds exactly the expected resources' lines, one <Type>.ndjson per type, each line as stored. */
async function assertFolderLines(folder: string, expected: ReadonlyMap<string, StoredResource>): Promise<void> {
  const want = new Map<string, string[]>();
  for (const r of expected.values()) want.set(r.type, [...(want.get(r.type) ?? []), r.text]);
  const names = (await readdir(folder)).filter((n) => n.endsWith('.ndjson')).sort();
  assert.deepEqual(names, [...want.keys()].map((t) => `${t}.ndjson`).sort());
  for (const [type, lines] of want) {
    const text = await readFile(path.join(folder, `${type}.ndjson`), 'utf8');
    assert.ok(text.endsWith('\n') && !text.includes('\0'), `${type}: whole lines, no hole left`);
    assert.deepEqual(text.slice(0, -1).split('\n').sort(), [...lines].sort(), type);
  }
}

test('a missing pack: the resources only it held are named (BLOB_MISSING), the rest is restored', async () => {
  const src = await sandbox({ patients: 3, seed: 30 });
  const own = await testRepo(path.join(dir, 'missing'));
  const e = own.engine();
  await e.backupFhir({ source: src.url, auth: NONE });
  const r1 = await own.open();
  const before = new Set((await framesByPack(r1)).map((p) => p.pack));
  const changed = [...src.store.all()].filter((x) => x.type === 'Observation').slice(0, 3);
  for (const x of changed) src.store.put(x.type, x.id, x.text.replace('"status":"final"', '"status":"amended"'));
  await e.backupFhir({ source: src.url, auth: NONE });
  const r2 = await own.open();
  const added = (await framesByPack(r2)).filter((p) => !before.has(p.pack));
  assert.equal(added.length, 1, 'the second backup wrote one data pack');
  const gone = added[0]?.pack as string;
  await rm(path.join(own.root, 'data', gone.slice(0, 2), gone));

  const B = await sandbox();
  const r = await own.engine().restoreToServer({ target: B.url, auth: NONE, confirmed: true });
  assert.deepEqual(r.failures.map((f) => f.resource).sort(), changed.map((x) => `Observation/${x.id}`).sort());
  const goneFile = `data/${gone.slice(0, 2)}/${gone}`;
  for (const f of r.failures) assert.deepEqual({ status: f.status, code: f.code, outcome: f.outcome }, { status: 'unreadable', code: 'BLOB_MISSING', outcome: goneFile });
  assert.equal(r.restored, src.store.count() - changed.length);
  const folder = path.join(dir, 'missing-folder');
  const f = await own.engine().restoreToFolder({ snapshot: 'latest', target: folder, confirmed: true });
  assert.deepEqual(f.failures.map((x) => `${x.resource} ${x.code} ${x.file}`).sort(), changed.map((x) => `Observation/${x.id} BLOB_MISSING ${goneFile}`).sort());
});

// ------------------------------------------------------------------------------------------ folder target, references

test('NDJSON target folder not empty: refused (nothing touched) unless overwrite', async () => {
  const target = path.join(dir, 'busy');
  await mkdir(target);
  await writeFile(path.join(target, 'notes.txt'), 'keep me\n');
  await writeFile(path.join(target, 'Patient.ndjson'), '{"resourceType":"Patient","id":"stale"}\n');
  await assert.rejects(
    engine.restoreToFolder({ snapshot: 'latest', target, confirmed: true }),
    rejectsWith('RESTORE_TARGET_NOT_EMPTY', (d) => assert.equal(d['path'], target)),
  );
  assert.deepEqual((await readdir(target)).sort(), ['Patient.ndjson', 'notes.txt']);
  assert.equal(await readFile(path.join(target, 'Patient.ndjson'), 'utf8'), '{"resourceType":"Patient","id":"stale"}\n');

  const r = await engine.restoreToFolder({ snapshot: 'latest', target, confirmed: true, overwrite: true, types: ['Patient'] });
  assert.equal(r.resources, patientIds.length);
  const lines = (await readFile(path.join(target, 'Patient.ndjson'), 'utf8')).trimEnd().split('\n');
  assert.deepEqual(
    lines.sort(),
    [...source.values()]
      .filter((x) => x.type === 'Patient')
      .map((x) => x.text)
      .sort(),
    'the stale file is replaced',
  );
  assert.equal(await readFile(path.join(target, 'notes.txt'), 'utf8'), 'keep me\n', 'other files are left alone');
});

test('a patient whose resources reference others outside the compartment: listed as dangling references in the plan and the report', async () => {
  const src = await sandbox({ patients: 2, seed: 40, createGroup: false });
  const patient = [...src.store.all()].find((x) => x.type === 'Patient')?.id as string;
  src.store.put('Practitioner', 'dr-1', '{"resourceType":"Practitioner","id":"dr-1","name":[{"family":"Souza"}]}');
  src.store.put(
    'Encounter',
    'enc-x',
    `{"resourceType":"Encounter","id":"enc-x","status":"finished","class":{"code":"AMB"},"subject":{"reference":"Patient/${patient}"},"participant":[{"individual":{"reference":"Practitioner/dr-1"}}],"serviceProvider":{"reference":"Organization/org-9"}}`,
  );
  const own = await testRepo(path.join(dir, 'dangling'));
  const e = own.engine();
  await e.backupFhir({ source: src.url, auth: NONE });
  const B = await sandbox();
  const plan = await e.planRestoreToServer({ target: B.url, auth: NONE, patient });
  assert.deepEqual(plan.danglingReferences, ['Organization/org-9', 'Practitioner/dr-1']);
  const r = await e.restoreToServer({ target: B.url, auth: NONE, patient, confirmed: true });
  assert.deepEqual(r.plan.danglingReferences, ['Organization/org-9', 'Practitioner/dr-1']);
  assert.deepEqual(r.failures, []);
  assert.ok(B.store.get('Encounter', 'enc-x'));
  assert.equal(B.store.get('Practitioner', 'dr-1'), undefined, 'outside the compartment: not restored');
  // Without a patient scope nothing dangles (the whole snapshot is restored).
  assert.equal((await e.planRestoreToServer({ target: B.url, auth: NONE })).danglingReferences, undefined);
});
