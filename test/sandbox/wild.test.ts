/**
 * The sandbox switches of issue 14, each over HTTP: Binary raw content, seeded documents and administration
 * resources, pages without next links or capped in size, unsearchable types, no create-by-PUT, server-managed meta, export files on
 * a second host with or without requiresAccessToken, hidden capabilities, stalled exports, SMART scope policy,
 * and a connection dropped after the request was processed.
 */
import assert from 'node:assert/strict';
import { createHash, generateKeyPairSync, randomUUID, sign, type JsonWebKey } from 'node:crypto';
import { describe, it } from 'node:test';
import { isEngineError } from '../../src/shared/errors.js';
import { arr, getJson, obj, sandbox } from './helpers.js';

const sha = (b: Buffer): string => createHash('sha256').update(b).digest('hex');

describe('issue 14 sandbox switches', () => {
  it('Binary speaks raw content: a read with a non-JSON Accept answers the bytes; POST/PUT of raw bytes store them', async () => {
    const s = await sandbox({ patients: 2, documents: { patients: 1 } });
    const doc = s.documents.find((d) => d.url === 'Binary/doc-0');
    assert.ok(doc);
    const raw = await fetch(`${s.url}/Binary/doc-0`, { headers: { Accept: 'application/pdf' } });
    assert.equal(raw.headers.get('content-type'), 'application/pdf');
    assert.equal(sha(Buffer.from(await raw.arrayBuffer())), doc.sha256);
    const json = await getJson(`${s.url}/Binary/doc-0`, { headers: { Accept: 'application/fhir+json' } });
    assert.equal(json.body['resourceType'], 'Binary');
    const bytes = Buffer.from([0, 1, 2, 250, 255]);
    const put = await fetch(`${s.url}/Binary/raw-1`, { method: 'PUT', headers: { 'Content-Type': 'image/png' }, body: bytes });
    assert.equal(put.status, 201);
    const back = await fetch(`${s.url}/Binary/raw-1`, { headers: { Accept: '*/*' } });
    assert.deepEqual(Buffer.from(await back.arrayBuffer()), bytes);
    const post = await fetch(`${s.url}/Binary`, { method: 'POST', headers: { 'Content-Type': 'application/pdf' }, body: bytes });
    assert.equal(post.status, 201);
    assert.match(post.headers.get('location') ?? '', /\/Binary\/[^/]+\/_history\/1$/);
  });

  it('seeded documents point at Binaries by URL (relative or absolute), with declared size and SHA-1 hash; administration resources hold a client secret', async () => {
    const s = await sandbox({ patients: 3, documents: { patients: 2, urlForm: 'absolute' }, administration: true });
    for (const d of s.documents) {
      assert.ok(d.url.startsWith(`${s.url}/Binary/`));
      const [type, id] = d.owner.split('/') as [string, string];
      const text = s.store.get(type, id) as string;
      assert.ok(text.includes(JSON.stringify(d.url)));
    }
    assert.ok(s.store.get('ClientApplication', 'backup-client')?.includes('"secret"'));
    assert.ok(s.store.get('Project', 'clinic-project'));
  });

  it('paging switches: total without next (the rest by _offset), and _offset ignored too', async () => {
    const s = await sandbox({ patients: 3, faults: { paging: 'total-without-next' } });
    const first = await getJson(`${s.url}/Observation?_count=10`);
    const total = first.body['total'] as number;
    assert.ok(total > 20);
    assert.ok(
      !arr(first.body['link'])
        .map(obj)
        .some((l) => l['relation'] === 'next'),
      'no next link',
    );
    const second = await getJson(`${s.url}/Observation?_count=10&_offset=10`);
    const ids = (b: Record<string, unknown>): string[] => arr(b['entry']).map((e) => String(obj(obj(e)['resource'])['id']));
    assert.equal(new Set([...ids(first.body), ...ids(second.body)]).size, 20, 'the second page by offset is new');
    s.faults.set({ paging: 'no-offset' });
    assert.deepEqual(ids((await getJson(`${s.url}/Observation?_count=10&_offset=10`)).body), ids(first.body), 'offset ignored');
  });

  it('page size cap: at most maxCount entries per page whatever _count asks, with next links (or by _offset without them)', async () => {
    const s = await sandbox({ patients: 3, faults: { maxCount: 7 } });
    const ids = (b: Record<string, unknown>): string[] => arr(b['entry']).map((e) => String(obj(obj(e)['resource'])['id']));
    const first = await getJson(`${s.url}/Observation?_count=50`);
    assert.equal(ids(first.body).length, 7);
    const next = arr(first.body['link'])
      .map(obj)
      .find((l) => l['relation'] === 'next');
    assert.ok(next, 'a next link to the rest');
    assert.equal(ids((await getJson(String(next['url']))).body).length, 7);
    s.faults.set({ paging: 'total-without-next' });
    const byOffset = await getJson(`${s.url}/Observation?_count=50&_offset=7`);
    assert.equal(ids(byOffset.body).length, 7);
    assert.equal(new Set([...ids(first.body), ...ids(byOffset.body)]).size, 14);
    s.faults.set({ maxCount: null });
    assert.equal(ids((await getJson(`${s.url}/Observation?_count=50`)).body).length, 50);
    assert.throws(
      () => s.faults.set({ maxCount: 0 }),
      (e: unknown) => isEngineError(e, 'INVALID_ARGUMENT') && e.details['name'] === 'maxCount',
    );
  });

  it('unsearchable types answer 400 "Cannot search on T"; the CapabilityStatement still lists them', async () => {
    const s = await sandbox({ patients: 1, faults: { unsearchable: { types: ['Binary'] } } });
    const r = await getJson(`${s.url}/Binary?_count=1`);
    assert.equal(r.status, 400);
    assert.match(r.text, /Cannot search on Binary/);
    const cs = await getJson(`${s.url}/metadata`);
    const rest = obj(arr(cs.body['rest'])[0]);
    assert.ok(
      arr(rest['resource'])
        .map(obj)
        .some((x) => x['type'] === 'Binary'),
    );
  });

  it('no create-by-PUT: the CapabilityStatement says updateCreate false; a PUT of a new id is refused, alone and in bundles; an update of an existing one is fine', async () => {
    const s = await sandbox({ patients: 1, faults: { noUpdateCreate: { status: 405 } } });
    const cs = await getJson(`${s.url}/metadata`);
    assert.ok(
      arr(obj(arr(cs.body['rest'])[0])['resource'])
        .map(obj)
        .every((x) => x['updateCreate'] === false),
    );
    const body = JSON.stringify({ resourceType: 'Patient', id: 'new-1' });
    assert.equal((await fetch(`${s.url}/Patient/new-1`, { method: 'PUT', headers: { 'Content-Type': 'application/fhir+json' }, body })).status, 405);
    const tx = await fetch(s.url, {
      method: 'POST',
      headers: { 'Content-Type': 'application/fhir+json' },
      body: JSON.stringify({ resourceType: 'Bundle', type: 'transaction', entry: [{ resource: { resourceType: 'Patient', id: 'new-1' }, request: { method: 'PUT', url: 'Patient/new-1' } }] }),
    });
    assert.equal(tx.status, 405);
    const batch = await getJson(s.url, {
      method: 'POST',
      headers: { 'Content-Type': 'application/fhir+json' },
      body: JSON.stringify({
        resourceType: 'Bundle',
        type: 'batch',
        entry: [
          { resource: { resourceType: 'Patient', id: 'new-1' }, request: { method: 'PUT', url: 'Patient/new-1' } },
          { fullUrl: `urn:uuid:${randomUUID()}`, resource: { resourceType: 'Patient' }, request: { method: 'POST', url: 'Patient' } },
        ],
      }),
    });
    assert.deepEqual(
      arr(batch.body['entry']).map((e) => String(obj(obj(e)['response'])['status']).slice(0, 3)),
      ['405', '201'],
    );
    const existing = [...s.store.all()].find((x) => x.type === 'Patient') as { id: string; text: string };
    assert.equal((await fetch(`${s.url}/Patient/${existing.id}`, { method: 'PUT', headers: { 'Content-Type': 'application/fhir+json' }, body: existing.text })).status, 200);
    s.faults.set({ noUpdateCreate: { status: 404, advertise: false } });
    assert.ok(
      arr(obj(arr((await getJson(`${s.url}/metadata`)).body['rest'])[0])['resource'])
        .map(obj)
        .every((x) => x['updateCreate'] === true),
      'not advertised',
    );
  });

  it("server-managed meta: every write gets the switch's members in meta, besides versionId and lastUpdated", async () => {
    const s = await sandbox({ patients: 0, createGroup: false, faults: { serverMeta: { extra: { author: { reference: 'Practitioner/p1' }, project: 'proj' } } } });
    await fetch(`${s.url}/Patient/m1`, {
      method: 'PUT',
      headers: { 'Content-Type': 'application/fhir+json' },
      body: '{"resourceType":"Patient","id":"m1","meta":{"author":{"reference":"Practitioner/client"}}}',
    });
    const meta = obj(JSON.parse(s.store.get('Patient', 'm1') as string)['meta']);
    assert.deepEqual({ author: meta['author'], project: meta['project'], versionId: meta['versionId'] }, { author: { reference: 'Practitioner/p1' }, project: 'proj', versionId: '1' });
  });

  it('export files on the second host: served with the token when requiresAccessToken is true, without it when false; hidden $export and history still work', async () => {
    const s = await sandbox({ patients: 1, secondHost: true, auth: { bearerTokens: ['t'] }, faults: { manifestOrigin: null, hideExport: true, hideHistory: true } });
    const auth = { Authorization: 'Bearer t' };
    const cs = await getJson(`${s.url}/metadata`);
    const rest = obj(arr(cs.body['rest'])[0]);
    assert.equal(rest['operation'], undefined);
    assert.ok(
      !arr(rest['interaction'])
        .map(obj)
        .some((i) => i['code'] === 'history-system'),
    );
    assert.equal((await fetch(`${s.url}/_history?_count=1`, { headers: auth })).status, 200);
    s.faults.set({ manifestOrigin: s.secondOrigin });
    for (const requires of [true, false]) {
      s.faults.set({ manifestRequiresAccessToken: requires });
      const kick = await fetch(`${s.url}/$export`, { headers: { ...auth, Prefer: 'respond-async' } });
      assert.equal(kick.status, 202);
      const m = await getJson(kick.headers.get('content-location') as string, { headers: auth });
      assert.equal(m.body['requiresAccessToken'], requires);
      const url = String(obj(arr(m.body['output'])[0])['url']);
      assert.ok(url.startsWith(`${s.secondOrigin}/fhir/_bulk/`));
      assert.equal((await fetch(url)).status, requires ? 401 : 200);
      assert.equal((await fetch(url, { headers: auth })).status, 200);
    }
  });

  it('stalled exports answer 202 forever with the same X-Progress (the first N jobs only)', async () => {
    const s = await sandbox({ patients: 1, faults: { stallExports: { jobs: 1 } } });
    const kick = async (): Promise<string> => (await fetch(`${s.url}/$export`, { headers: { Prefer: 'respond-async' } })).headers.get('content-location') as string;
    const stuck = await kick();
    for (let i = 0; i < 5; i++) {
      const r = await fetch(stuck);
      assert.equal(r.status, 202);
      assert.equal(r.headers.get('x-progress'), 'in progress');
    }
    assert.equal((await fetch(await kick())).status, 200, 'the next job finishes');
    assert.equal((await fetch(stuck, { method: 'DELETE' })).status, 202);
    assert.equal((await fetch(stuck)).status, 404);
  });

  it('SMART scope policy: scopes not granted get invalid_scope; a token without an export scope reads but gets 403 on $export', async () => {
    const { publicKey, privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-384' });
    const jwk = { ...publicKey.export({ format: 'jwk' }), kid: 'k' } as JsonWebKey;
    const s = await sandbox({ patients: 1, auth: { smart: { clients: [{ clientId: 'c', jwk }], scopes: ['system/*.read', 'system/*.*'], exportScopes: ['system/*.*'] } } });
    const token = async (scope: string): Promise<{ status: number; body: Record<string, unknown> }> => {
      const b64 = (o: unknown): string => Buffer.from(JSON.stringify(o)).toString('base64url');
      const input = `${b64({ alg: 'ES384', typ: 'JWT', kid: 'k' })}.${b64({ iss: 'c', sub: 'c', aud: s.tokenUrl, exp: Math.floor(Date.now() / 1000) + 60, jti: randomUUID() })}`;
      const sig = sign('sha384', Buffer.from(input), { key: privateKey, dsaEncoding: 'ieee-p1363' }).toString('base64url');
      const form = new URLSearchParams({
        grant_type: 'client_credentials',
        scope,
        client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer',
        client_assertion: `${input}.${sig}`,
      });
      const r = await getJson(s.tokenUrl, { method: 'POST', headers: { 'Content-Type': 'application/x-www-form-urlencoded' }, body: form.toString() });
      return { status: r.status, body: r.body };
    };
    const rs = await token('system/*.rs');
    assert.deepEqual([rs.status, rs.body['error']], [400, 'invalid_scope']);
    const read = await token('system/*.read');
    const auth = { Authorization: `Bearer ${String(read.body['access_token'])}` };
    assert.equal((await fetch(`${s.url}/Patient`, { headers: auth })).status, 200);
    assert.equal((await fetch(`${s.url}/$export`, { headers: { ...auth, Prefer: 'respond-async' } })).status, 403);
    const all = await token('system/*.*');
    assert.equal((await fetch(`${s.url}/$export`, { headers: { Authorization: `Bearer ${String(all.body['access_token'])}`, Prefer: 'respond-async' } })).status, 202);
  });

  it('a dropped answer after the request was processed (skip the first N): the write is committed, the client gets a cut body', async () => {
    const s = await sandbox({ patients: 0, createGroup: false, faults: { dropConnection: { match: '^/fhir/Patient/', afterBytes: 5, times: 1, skip: 1 } } });
    const put = (id: string): Promise<Response> =>
      fetch(`${s.url}/Patient/${id}`, { method: 'PUT', headers: { 'Content-Type': 'application/fhir+json' }, body: JSON.stringify({ resourceType: 'Patient', id }) });
    assert.equal(((await (await put('a')).json()) as { id: string }).id, 'a', 'the first goes through whole');
    const cut = await put('b');
    await assert.rejects(cut.text());
    assert.ok(s.store.get('Patient', 'b'), 'yet it was written');
  });
});
