import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { minify, resourceHead, withServerMeta } from '../../src/sandbox/jsontext.js';
import { allPages, arr, getJson, obj, rawResourcesOf, sandbox } from './helpers.js';

const OBS = '{"resourceType":"Observation","status":"final","code":{"text":"Body temperature"},"valueQuantity":{"value":36.50,"unit":"Cel"},"component":[{"valueQuantity":{"value":1.230e2}}]}';

describe('jsontext', () => {
  it('rewrites only id and meta, keeping every other byte', () => {
    const head = resourceHead(OBS);
    const out = withServerMeta(OBS, head, { id: 'x1', versionId: '3', lastUpdated: '2024-05-01T00:00:00.000Z' });
    assert.equal(out, OBS.replace('"Observation",', '"Observation","id":"x1","meta":{"versionId":"3","lastUpdated":"2024-05-01T00:00:00.000Z"},'));
    const withMeta = '{"resourceType":"Patient","id":"p","meta":{"source":"#a","versionId":"1"},"x":98.60}';
    const out2 = withServerMeta(withMeta, resourceHead(withMeta), { id: 'p', versionId: '2', lastUpdated: 'T' });
    assert.equal(out2, '{"resourceType":"Patient","id":"p","meta":{"source":"#a","versionId":"2","lastUpdated":"T"},"x":98.60}');
    assert.equal(minify('{\n  "a": [1.50, "x y\\" z"],\n  "b" : 2\n}'), '{"a":[1.50,"x y\\" z"],"b":2}');
  });
});

describe('sandbox server basics', () => {
  it('serves a CapabilityStatement R4 with types, interactions, $export and history', async () => {
    const s = await sandbox({ patients: 2 });
    const r = await getJson(`${s.url}/metadata`);
    assert.equal(r.status, 200);
    assert.match(r.headers.get('content-type') ?? '', /application\/fhir\+json/);
    assert.equal(r.body['resourceType'], 'CapabilityStatement');
    assert.equal(r.body['fhirVersion'], '4.0.1');
    const rest = obj(arr(r.body['rest'])[0]);
    const types = arr(rest['resource']).map((x) => obj(x)['type']);
    for (const t of ['Patient', 'Observation', 'Encounter', 'DiagnosticReport', 'Group']) assert.ok(types.includes(t), t);
    const codes = arr(rest['interaction']).map((x) => obj(x)['code']);
    assert.deepEqual(codes, ['transaction', 'batch', 'history-system']);
    assert.equal(obj(arr(rest['operation'])[0])['name'], 'export');
    assert.ok(s.store.count() > 2 * 30);
    assert.equal(s.store.count('Patient'), 2);
  });

  it('CRUD keeps the bytes, assigns versions, vread, 410 after delete', async () => {
    const s = await sandbox({ patients: 1 });
    const created = await fetch(`${s.url}/Observation`, { method: 'POST', body: OBS, headers: { 'Content-Type': 'application/fhir+json' } });
    assert.equal(created.status, 201);
    const text1 = await created.text();
    const loc = created.headers.get('location') ?? '';
    const id = /Observation\/([^/]+)\/_history\/1$/.exec(loc)?.[1];
    assert.ok(id, loc);
    assert.equal(created.headers.get('etag'), 'W/"1"');
    assert.ok(text1.includes('"value":36.50,') && text1.includes('"value":1.230e2'));
    const meta1 = obj(obj(JSON.parse(text1))['meta']);
    assert.equal(meta1['versionId'], '1');
    assert.equal(text1, OBS.replace('"Observation",', `"Observation","id":"${id}","meta":{"versionId":"1","lastUpdated":"${String(meta1['lastUpdated'])}"},`));
    // read gives the same bytes
    const read = await fetch(`${s.url}/Observation/${id}`);
    assert.equal(await read.text(), text1);
    assert.equal(s.store.get('Observation', id), text1);
    // update (pretty-printed body with meta): only meta/id rewritten; whitespace normalised to one line
    const pretty = `{\n  "resourceType": "Observation",\n  "id": "${id}",\n  "meta": {"versionId": "1", "source": "#lab"},\n  "status": "amended",\n  "valueQuantity": {"value": 36.70}\n}`;
    const put = await fetch(`${s.url}/Observation/${id}`, { method: 'PUT', body: pretty, headers: { 'If-Match': 'W/"1"' } });
    assert.equal(put.status, 200);
    const text2 = await put.text();
    assert.ok(!text2.includes('\n'));
    assert.match(text2, /^\{"resourceType":"Observation","id":"[^"]+","meta":\{"versionId":"2","lastUpdated":"[^"]+","source":"#lab"\},"status":"amended","valueQuantity":\{"value":36.70\}\}$/);
    // stale If-Match → 412
    const stale = await fetch(`${s.url}/Observation/${id}`, { method: 'PUT', body: pretty, headers: { 'If-Match': 'W/"1"' } });
    assert.equal(stale.status, 412);
    await stale.arrayBuffer();
    // vread v1 still gives the first bytes
    assert.equal(await (await fetch(`${s.url}/Observation/${id}/_history/1`)).text(), text1);
    assert.equal(await (await fetch(`${s.url}/Observation/${id}/_history/2`)).text(), text2);
    // id mismatch → 400, wrong type → 400, bad JSON → 400
    for (const [url, body] of [
      [`${s.url}/Observation/other`, text2],
      [`${s.url}/Patient/${id}`, text2],
      [`${s.url}/Observation/${id}`, '{"resourceType":"Observation",'],
    ] as const) {
      const r = await fetch(url, { method: 'PUT', body });
      assert.equal(r.status, 400, url);
      assert.equal(obj(await r.json())['resourceType'], 'OperationOutcome');
    }
    // PUT create with a client id → 201
    const pc = await fetch(`${s.url}/Observation/client-id-1`, { method: 'PUT', body: OBS });
    assert.equal(pc.status, 201);
    await pc.arrayBuffer();
    // delete
    const del = await fetch(`${s.url}/Observation/${id}`, { method: 'DELETE' });
    assert.equal(del.status, 204);
    assert.equal((await fetch(`${s.url}/Observation/${id}`)).status, 410);
    assert.equal((await fetch(`${s.url}/Observation/nope`)).status, 404);
    assert.equal(s.store.get('Observation', id), undefined);
    const hist = await getJson(`${s.url}/Observation/${id}/_history`);
    assert.deepEqual(
      arr(hist.body['entry']).map((e) => obj(obj(e)['request'])['method']),
      ['DELETE', 'PUT', 'POST'],
    );
    // store facade
    const stored = s.store.put('Patient', 'fac-1', '{"resourceType":"Patient","birthDate":"1990-01-01","extension":[{"url":"u","valueDecimal":2.50}]}');
    assert.ok(stored.includes('"valueDecimal":2.50'));
    assert.equal(await (await fetch(`${s.url}/Patient/fac-1`)).text(), stored);
    assert.ok(s.store.delete('Patient', 'fac-1'));
    assert.ok(!s.store.delete('Patient', 'fac-1'));
  });

  it('search pages with next links cover every resource exactly once, bytes identical to the store', async () => {
    const s = await sandbox({ patients: 6, seed: 21 });
    const expected = new Map<string, string>();
    for (const r of s.store.all()) if (r.type === 'Observation') expected.set(r.id, r.text);
    const seen = new Map<string, number>();
    let next: string | undefined = `${s.url}/Observation?_count=37&_sort=_lastUpdated`;
    let pages = 0;
    let lastUpdatedPrev = '';
    while (next !== undefined && pages < 1000) {
      const res = await fetch(next);
      const text = await res.text();
      const bundle = obj(JSON.parse(text));
      assert.equal(bundle['type'], 'searchset');
      assert.equal(bundle['total'], expected.size);
      const entries = arr(bundle['entry'] ?? []).map(obj);
      assert.ok(entries.length <= 37);
      const ids = entries.map((e) => String(obj(e['resource'])['id']));
      const raws = rawResourcesOf(text, ids);
      for (const e of entries) {
        const r = obj(e['resource']);
        const id = String(r['id']);
        seen.set(id, (seen.get(id) ?? 0) + 1);
        assert.equal(raws.get(id), expected.get(id), 'bytes identical');
        const lu = String(obj(r['meta'])['lastUpdated']);
        assert.ok(lu >= lastUpdatedPrev, 'sorted by _lastUpdated');
        lastUpdatedPrev = lu;
      }
      const link = arr(bundle['link'])
        .map(obj)
        .find((l) => l['relation'] === 'next');
      next = link ? String(link['url']) : undefined;
      pages++;
    }
    assert.equal(next, undefined);
    assert.equal(pages, Math.ceil(expected.size / 37));
    assert.equal(seen.size, expected.size);
    assert.ok([...seen.values()].every((n) => n === 1));
    // descending order, summary count
    const desc = await allPages(`${s.url}/Observation?_count=100&_sort=-_lastUpdated`);
    assert.equal(desc.entries.length, expected.size);
    const c = await getJson(`${s.url}/Observation?_summary=count`);
    assert.equal(c.body['total'], expected.size);
    assert.equal(c.body['entry'], undefined);
  });

  it('filters by _lastUpdated, _id and patient compartment', async () => {
    const s = await sandbox({ patients: 4, seed: 5 });
    const obs = [...s.store.all()].filter((r) => r.type === 'Observation').map((r) => obj(JSON.parse(r.text)));
    const times = obs.map((o) => String(obj(o['meta'])['lastUpdated'])).sort();
    const pivot = times[Math.floor(times.length / 2)] as string;
    const count = async (q: string): Promise<number> => Number((await getJson(`${s.url}/Observation?${q}&_summary=count`)).body['total']);
    assert.equal(await count(`_lastUpdated=gt${pivot}`), times.filter((t) => t > pivot).length);
    assert.equal(await count(`_lastUpdated=ge${pivot}`), times.filter((t) => t >= pivot).length);
    assert.equal(await count(`_lastUpdated=lt${pivot}`), times.filter((t) => t < pivot).length);
    assert.equal(await count(`_lastUpdated=le${pivot}`), times.filter((t) => t <= pivot).length);
    assert.equal(await count(`_lastUpdated=ge${times[10]}&_lastUpdated=lt${times[20]}`), 10);
    assert.equal(await count('_lastUpdated=gt2099-01-01'), 0);
    assert.equal(await count('_lastUpdated=ge2000'), obs.length);
    // a write is found by gt of the previous newest
    const newest = (await getJson(`${s.url}/Observation?_sort=-_lastUpdated&_count=1`)).body;
    const newestTime = String(obj(obj(obj(arr(newest['entry'])[0])['resource'])['meta'])['lastUpdated']);
    const id = String(obs[3]?.['id']);
    const text = s.store.get('Observation', id) ?? '';
    await (await fetch(`${s.url}/Observation/${id}`, { method: 'PUT', body: text.replace('"status":"final"', '"status":"amended"') })).arrayBuffer();
    const after = await allPages(`${s.url}/Observation?_lastUpdated=gt${encodeURIComponent(newestTime)}`);
    assert.deepEqual(
      after.entries.map((e) => obj(e['resource'])['id']),
      [id],
    );
    // _id
    assert.equal(await count(`_id=${id},${String(obs[4]?.['id'])}`), 2);
    // patient compartment
    const patientId = String(obj(obs[0]?.['subject'])['reference']).split('/')[1];
    const mine = obs.filter((o) => obj(o['subject'])['reference'] === `Patient/${patientId}`).length;
    assert.ok(mine > 0);
    assert.equal(await count(`patient=${patientId}`), mine);
    assert.equal(await count(`subject=Patient/${patientId}`), mine);
    const comp = await allPages(`${s.url}/Patient/${patientId}/Observation?_count=7`);
    assert.equal(comp.entries.length, mine);
    // bad parameters
    assert.equal((await fetch(`${s.url}/Observation?_sort=code`)).status, 400);
    assert.equal((await fetch(`${s.url}/Observation?_lastUpdated=gtyesterday`)).status, 400);
    assert.equal((await fetch(`${s.url}/Observation?_cursor=garbage`)).status, 400);
  });

  it('_history at system and type level with _since, paging and deletes', async () => {
    const s = await sandbox({ patients: 2, seed: 9 });
    const before = await getJson(`${s.url}/_history?_count=1`);
    const initial = Number(before.body['total']);
    assert.equal(initial, s.store.count());
    await new Promise((r) => setTimeout(r, 5));
    const since = new Date().toISOString();
    const [p] = [...s.store.all()].filter((r) => r.type === 'Condition');
    assert.ok(p);
    await (await fetch(`${s.url}/Condition/${p.id}`, { method: 'DELETE' })).arrayBuffer();
    const created = await fetch(`${s.url}/Condition`, { method: 'POST', body: '{"resourceType":"Condition","code":{"text":"x"},"subject":{"reference":"Patient/none"}}' });
    const newId = String(obj(await created.json())['id']);
    const upd = [...s.store.all()].find((r) => r.type === 'Encounter');
    assert.ok(upd);
    await (await fetch(`${s.url}/Encounter/${upd.id}`, { method: 'PUT', body: upd.text })).arrayBuffer();

    const sys = await allPages(`${s.url}/_history?_since=${encodeURIComponent(since)}&_count=2`);
    assert.equal(sys.total, 3);
    assert.equal(sys.pages, 2);
    const got = sys.entries.map((e) => `${String(obj(e['request'])['method'])} ${String(obj(e['request'])['url'])}`);
    assert.deepEqual(got, [`PUT Encounter/${upd.id}`, 'POST Condition', `DELETE Condition/${p.id}`]);
    const del = sys.entries[2] as Record<string, unknown>;
    assert.equal(del['resource'], undefined);
    assert.equal(obj(del['response'])['status'], '204 No Content');
    assert.equal(obj(sys.entries[1]?.['resource'])['id'], newId);

    const typeH = await allPages(`${s.url}/Condition/_history?_since=${encodeURIComponent(since)}&_sort=_lastUpdated&_count=1`);
    assert.deepEqual(
      typeH.entries.map((e) => obj(e['request'])['method']),
      ['DELETE', 'POST'],
    );
    // full system history pages cover the whole log exactly once even if written during paging
    const first = await getJson(`${s.url}/_history?_count=50`);
    await (await fetch(`${s.url}/Encounter/${upd.id}`, { method: 'PUT', body: upd.text })).arrayBuffer();
    let next: string | undefined = String(
      arr(first.body['link'])
        .map(obj)
        .find((l) => l['relation'] === 'next')?.['url'],
    );
    let n = arr(first.body['entry']).length;
    for (let i = 0; next && i < 100; i++) {
      const r = await getJson(next);
      n += arr(r.body['entry']).length;
      const l = arr(r.body['link'])
        .map(obj)
        .find((x) => x['relation'] === 'next');
      next = l ? String(l['url']) : undefined;
    }
    assert.equal(n, initial + 3);
  });

  it('transaction is all-or-nothing with urn:uuid references; batch answers per entry', async () => {
    const s = await sandbox({ patients: 1 });
    const before = s.store.count();
    const tx = {
      resourceType: 'Bundle',
      type: 'transaction',
      entry: [
        { fullUrl: 'urn:uuid:11111111-1111-4111-8111-111111111111', resource: { resourceType: 'Patient', name: [{ family: 'Tx' }] }, request: { method: 'POST', url: 'Patient' } },
        {
          resource: { resourceType: 'Observation', id: 'tx-obs', status: 'final', code: { text: 't' }, subject: { reference: 'urn:uuid:11111111-1111-4111-8111-111111111111' } },
          request: { method: 'PUT', url: 'Observation/tx-obs' },
        },
      ],
    };
    // a decimal that must survive inside the bundle
    const txText = JSON.stringify(tx).replace('"status":"final"', '"status":"final","valueQuantity":{"value":98.60}');
    const r = await fetch(`${s.url}/`, { method: 'POST', body: txText, headers: { 'Content-Type': 'application/fhir+json' } });
    assert.equal(r.status, 200);
    const resp = obj(await r.json());
    assert.equal(resp['type'], 'transaction-response');
    const statuses = arr(resp['entry']).map((e) => obj(obj(e)['response'])['status']);
    assert.deepEqual(statuses, ['201 Created', '201 Created']);
    const patLoc = String(obj(obj(arr(resp['entry'])[0])['response'])['location']);
    const patId = patLoc.split('/')[1] as string;
    const obsText = s.store.get('Observation', 'tx-obs') ?? '';
    assert.ok(obsText.includes(`"subject":{"reference":"Patient/${patId}"}`), obsText);
    assert.ok(obsText.includes('"valueQuantity":{"value":98.60}'));
    assert.equal(s.store.count(), before + 2);

    // failing transaction: nothing written
    const bad = {
      resourceType: 'Bundle',
      type: 'transaction',
      entry: [
        { resource: { resourceType: 'Observation', id: 'tx-2', status: 'final', code: { text: 't' } }, request: { method: 'PUT', url: 'Observation/tx-2' } },
        { request: { method: 'DELETE', url: 'Observation/tx-obs' } },
        { resource: { resourceType: 'Patient', id: 'other' }, request: { method: 'PUT', url: 'Patient/mismatch' } },
      ],
    };
    const br = await fetch(`${s.url}/`, { method: 'POST', body: JSON.stringify(bad) });
    assert.equal(br.status, 400);
    assert.equal(obj(await br.json())['resourceType'], 'OperationOutcome');
    assert.equal(s.store.get('Observation', 'tx-2'), undefined);
    assert.ok(s.store.get('Observation', 'tx-obs'));
    assert.equal(s.store.count(), before + 2);

    // batch: same entries, each answered
    const batch = { ...bad, type: 'batch', entry: [...bad.entry, { request: { method: 'GET', url: 'Observation/tx-2' } }, { request: { method: 'GET', url: 'Observation/missing' } }] };
    const bb = await fetch(`${s.url}/`, { method: 'POST', body: JSON.stringify(batch) });
    assert.equal(bb.status, 200);
    const bresp = obj(await bb.json());
    assert.equal(bresp['type'], 'batch-response');
    const entries = arr(bresp['entry']).map(obj);
    assert.deepEqual(
      entries.map((e) => obj(e['response'])['status']),
      ['201 Created', '204 No Content', '400 Bad Request', '200 OK', '404 Not Found'],
    );
    assert.equal(obj(obj(entries[2]?.['response'])['outcome'])['resourceType'], 'OperationOutcome');
    assert.equal(obj(entries[3]?.['resource'])['id'], 'tx-2');
    assert.equal(s.store.get('Observation', 'tx-obs'), undefined);
    assert.ok(s.store.get('Observation', 'tx-2'));
  });
});
