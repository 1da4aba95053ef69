import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { arr, getJson, linesOf, obj, runExport, sandbox } from './helpers.js';

const keyOf = (line: string): string => {
  const o = obj(JSON.parse(line));
  return `${String(o['resourceType'])}/${String(o['id'])}`;
};

describe('bulk $export', () => {
  it('kick-off → polling with Retry-After → manifest → files whose union equals the store byte for byte', async () => {
    const s = await sandbox({ patients: 5, seed: 2, exportPollsBeforeReady: 2, maxResourcesPerFile: 60 });
    const t0 = Date.now();
    const res = await runExport(`${s.url}/$export`);
    assert.equal(res.polls, 3);
    const m = res.manifest;
    const tt = Date.parse(String(m['transactionTime']));
    assert.ok(tt >= t0 - 5 && tt <= Date.now() + 5, 'transactionTime is the server clock at kick-off');
    assert.equal(m['request'], `${s.url}/$export`);
    assert.equal(m['requiresAccessToken'], false);
    assert.deepEqual(m['error'], []);
    assert.deepEqual(m['deleted'], []);
    // split above 60 resources per file
    const obsFiles = res.files.filter((f) => f.type === 'Observation');
    assert.ok(obsFiles.length > 1);
    for (const f of res.files) {
      const lines = f.text.split('\n').filter((l) => l.length > 0);
      assert.ok(f.text.endsWith('\n'));
      assert.equal(lines.length, f.count);
      assert.ok(f.count <= 60);
      for (const l of lines) assert.equal(obj(JSON.parse(l))['resourceType'], f.type);
    }
    const exported = new Map(linesOf(res.files).map((l) => [keyOf(l), l]));
    const stored = new Map([...s.store.all()].map((r) => [`${r.type}/${r.id}`, r.text]));
    assert.equal(exported.size, linesOf(res.files).length, 'no duplicates');
    assert.deepEqual([...exported.keys()].sort(), [...stored.keys()].sort());
    for (const [k, v] of stored) assert.equal(exported.get(k), v, `${k} byte-identical`);
    assert.ok(
      [...exported.values()].some((l) => /"value":\d+\.\d*0[,}]/.test(l)),
      'trailing-zero decimals exported as stored',
    );
  });

  it('_since returns only changes after transactionTime and lists deletions; changes during the job are not missed', async () => {
    const s = await sandbox({ patients: 3, seed: 4, exportPollsBeforeReady: 1 });
    const k = await fetch(`${s.url}/$export`, { headers: { Prefer: 'respond-async' } });
    assert.equal(k.status, 202);
    const status = k.headers.get('content-location') ?? '';
    // a change right after kick-off (before the job is done) belongs to the next export
    const enc = [...s.store.all()].find((r) => r.type === 'Encounter');
    assert.ok(enc);
    await (await fetch(`${s.url}/Encounter/${enc.id}`, { method: 'PUT', body: enc.text })).arrayBuffer();
    assert.equal((await fetch(status)).status, 202);
    const first = obj(await (await fetch(status)).json());
    const tt = String(first['transactionTime']);
    let firstLines: string[] = [];
    for (const o of arr(first['output']).map(obj)) firstLines = firstLines.concat((await (await fetch(String(o['url']))).text()).split('\n').filter((l) => l));
    const firstEnc = firstLines.find((l) => keyOf(l) === `Encounter/${enc.id}`);
    assert.ok(firstEnc && obj(obj(JSON.parse(firstEnc))['meta'])['versionId'] === '1', 'the first export has the state at kick-off');

    const obsIds = [...s.store.all()].filter((r) => r.type === 'Observation').map((r) => r.id);
    const changed = obsIds.slice(0, 4);
    for (const id of changed) {
      const text = s.store.get('Observation', id) ?? '';
      await (await fetch(`${s.url}/Observation/${id}`, { method: 'PUT', body: text.replace('"status":"final"', '"status":"amended"') })).arrayBuffer();
    }
    const gone = obsIds[10] as string;
    await (await fetch(`${s.url}/Observation/${gone}`, { method: 'DELETE' })).arrayBuffer();
    const goneCond = [...s.store.all()].find((r) => r.type === 'Condition')?.id as string;
    await (await fetch(`${s.url}/Condition/${goneCond}`, { method: 'DELETE' })).arrayBuffer();

    const res = await runExport(`${s.url}/$export?_since=${encodeURIComponent(tt)}`);
    const keys = linesOf(res.files).map(keyOf).sort();
    assert.deepEqual(keys, [`Encounter/${enc.id}`, ...changed.map((id) => `Observation/${id}`)].sort());
    for (const l of linesOf(res.files)) assert.equal(l, s.store.get(String(obj(JSON.parse(l))['resourceType']), String(obj(JSON.parse(l))['id'])));
    assert.deepEqual(res.deleted.sort(), [`Condition/${goneCond}`, `Observation/${gone}`].sort());
    // and nothing after the second transactionTime
    const third = await runExport(`${s.url}/$export?_since=${encodeURIComponent(String(res.manifest['transactionTime']))}`);
    assert.deepEqual(third.files, []);
    assert.deepEqual(third.deleted, []);
  });

  it('_type limits the types; POST kick-off with Parameters; Patient and Group level; bad requests', async () => {
    const s = await sandbox({ patients: 3, seed: 6 });
    const typed = await runExport(`${s.url}/$export?_type=Patient,Condition&_outputFormat=application%2Ffhir%2Bndjson`);
    assert.deepEqual([...new Set(typed.files.map((f) => f.type))].sort(), ['Condition', 'Patient']);
    assert.equal(linesOf(typed.files).length, s.store.count('Patient') + s.store.count('Condition'));

    const posted = await runExport(`${s.url}/$export`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/fhir+json' },
      body: JSON.stringify({ resourceType: 'Parameters', parameter: [{ name: '_type', valueString: 'Immunization' }] }),
    });
    assert.deepEqual([...new Set(posted.files.map((f) => f.type))], ['Immunization']);

    // add a resource outside any patient compartment: not in Patient-level exports
    s.store.put('Organization', 'org-1', '{"resourceType":"Organization","name":"Clínica"}');
    const patientLevel = await runExport(`${s.url}/Patient/$export`);
    const plTypes = new Set(patientLevel.files.map((f) => f.type));
    assert.ok(!plTypes.has('Organization') && !plTypes.has('Group') && plTypes.has('Observation'));
    assert.equal(linesOf(patientLevel.files).length, s.store.count() - 2);

    // a Group with one member
    const patients = [...s.store.all()].filter((r) => r.type === 'Patient').map((r) => r.id);
    s.store.put('Group', 'one', JSON.stringify({ resourceType: 'Group', type: 'person', actual: true, member: [{ entity: { reference: `Patient/${patients[1]}` } }] }));
    const grp = await runExport(`${s.url}/Group/one/$export?_type=Patient,Encounter`);
    const lines = linesOf(grp.files);
    assert.ok(lines.length > 1);
    for (const l of lines) {
      const o = obj(JSON.parse(l));
      if (o['resourceType'] === 'Patient') assert.equal(o['id'], patients[1]);
      else assert.equal(obj(o['subject'])['reference'], `Patient/${patients[1]}`);
    }
    const all = await runExport(`${s.url}/Group/all-patients/$export`);
    assert.equal(linesOf(all.files).length, linesOf(patientLevel.files).length);

    // errors
    const noPrefer = await fetch(`${s.url}/$export`);
    assert.equal(noPrefer.status, 400);
    for (const q of ['_outputFormat=text/csv', '_since=yesterday', '_type=bad%20type', '_typeFilter=Observation%3Fcode%3Dx']) {
      const r = await fetch(`${s.url}/$export?${q}`, { headers: { Prefer: 'respond-async' } });
      assert.equal(r.status, 400, q);
      assert.equal(obj(await r.json())['resourceType'], 'OperationOutcome');
    }
    const lenient = await fetch(`${s.url}/$export?_typeFilter=x`, { headers: { Prefer: 'respond-async, handling=lenient' } });
    assert.equal(lenient.status, 202);
    assert.equal((await fetch(`${s.url}/Group/missing/$export`, { headers: { Prefer: 'respond-async' } })).status, 404);
  });

  it('DELETE on the status URL cancels the job and removes its files', async () => {
    const s = await sandbox({ patients: 1, exportPollsBeforeReady: 5 });
    const k = await fetch(`${s.url}/$export`, { headers: { Prefer: 'respond-async' } });
    const status = k.headers.get('content-location') ?? '';
    const p = await fetch(status);
    assert.equal(p.status, 202);
    assert.equal(p.headers.get('retry-after'), '1');
    assert.match(p.headers.get('x-progress') ?? '', /%/);
    const d = await fetch(status, { method: 'DELETE' });
    assert.equal(d.status, 202);
    assert.equal((await fetch(status)).status, 404);
    assert.equal((await fetch(status, { method: 'DELETE' })).status, 404);
    // a finished job's files disappear with it
    const done = await runExport(`${s.url}/$export`.replace('/$export', '/$export?_type=Patient'), {}, 10);
    const st = String(done.files[0]?.url).replace(/\/[^/]+$/, '');
    assert.equal((await fetch(st, { method: 'DELETE' })).status, 202);
    assert.equal((await fetch(String(done.files[0]?.url))).status, 404);
    const r = await getJson(`${s.origin}/_sandbox/status`);
    assert.equal(r.body['jobs'], 0);
  });
});
