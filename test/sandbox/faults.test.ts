import assert from 'node:assert/strict';
import { generateKeyPairSync, randomUUID, sign, type KeyObject } from 'node:crypto';
import { describe, it } from 'node:test';
import { arr, getJson, obj, runExport, sandbox } from './helpers.js';

describe('fault switches', () => {
  it('429 with Retry-After in seconds for the next N requests, then in HTTP-date form for a path pattern', async () => {
    const s = await sandbox({ patients: 1, faults: { tooManyRequests: { count: 2, retryAfterSeconds: 3 } } });
    for (let i = 0; i < 2; i++) {
      const r = await fetch(`${s.url}/Patient`);
      assert.equal(r.status, 429);
      assert.equal(r.headers.get('retry-after'), '3');
      assert.equal(obj(await r.json())['resourceType'], 'OperationOutcome');
    }
    assert.equal((await fetch(`${s.url}/Patient`)).status, 200);
    s.faults.set({ tooManyRequests: { count: 5, match: '/Observation', retryAfterSeconds: 120, retryAfterFormat: 'http-date' } });
    assert.equal((await fetch(`${s.url}/Patient`)).status, 200);
    const r = await fetch(`${s.url}/Observation?_count=1`);
    assert.equal(r.status, 429);
    const when = Date.parse(r.headers.get('retry-after') ?? '');
    assert.ok(Number.isFinite(when));
    assert.ok(Math.abs(when - (Date.now() + 120_000)) < 5000, 'an HTTP-date about 120 s ahead');
    s.faults.clear();
    assert.equal((await fetch(`${s.url}/Observation?_count=1`)).status, 200);
  });

  it('500 on the n-th request matching a pattern', async () => {
    const s = await sandbox({ patients: 1 });
    s.faults.set({ serverError: { nth: 3, match: '^/fhir/Encounter' } });
    const statuses: number[] = [];
    for (let i = 0; i < 3; i++) {
      statuses.push((await fetch(`${s.url}/Patient?_count=1`)).status);
      statuses.push((await fetch(`${s.url}/Encounter?_count=1`)).status);
    }
    assert.deepEqual(statuses, [200, 200, 200, 200, 200, 500]);
    assert.equal((await fetch(`${s.url}/Encounter?_count=1`)).status, 200);
    s.faults.set({ serverError: { nth: 1, status: 503, times: 2 } });
    assert.equal((await fetch(`${s.url}/metadata`)).status, 503);
    assert.equal((await fetch(`${s.url}/metadata`)).status, 503);
    assert.equal((await fetch(`${s.url}/metadata`)).status, 200);
  });

  it('slow responses and slow trickle of bytes', async () => {
    const s = await sandbox({ patients: 1 });
    const fast = await getJson(`${s.url}/metadata`);
    s.faults.set({ slow: { delayMs: 250, match: 'metadata' } });
    let t = Date.now();
    const slow = await fetch(`${s.url}/metadata`);
    await slow.text();
    assert.ok(Date.now() - t >= 240);
    s.faults.set({ slow: null, trickle: { chunkBytes: 512, intervalMs: 10 } });
    t = Date.now();
    const res = await fetch(`${s.url}/metadata`);
    const reader = res.body?.getReader();
    assert.ok(reader);
    let chunks = 0;
    let text = '';
    const dec = new TextDecoder();
    for (let i = 0; i < 100_000; i++) {
      const { done, value } = await reader.read();
      if (done) break;
      chunks++;
      text += dec.decode(value, { stream: true });
    }
    const pieces = Math.ceil(Buffer.byteLength(fast.text) / 512);
    assert.ok(chunks >= Math.min(pieces, 3), `arrived in ${chunks} chunks`);
    assert.ok(Date.now() - t >= (pieces - 1) * 10 - 5);
    assert.equal(obj(JSON.parse(text))['resourceType'], 'CapabilityStatement');
  });

  it('truncated NDJSON, expired output files, and output URLs on another origin', async () => {
    const s = await sandbox({ patients: 2, faults: { truncateNdjson: { match: 'Observation', times: 1 } } });
    const k = await fetch(`${s.url}/$export?_type=Observation,Patient`, { headers: { Prefer: 'respond-async' } });
    const status = k.headers.get('content-location') ?? '';
    const manifest = obj(await (await fetch(status)).json());
    const obs = arr(manifest['output'])
      .map(obj)
      .find((o) => o['type'] === 'Observation');
    assert.ok(obs);
    const cut = await (await fetch(String(obs['url']))).text();
    assert.ok(!cut.endsWith('\n'));
    const lines = cut.split('\n');
    assert.equal(lines.length, Math.floor(Number(obs['count']) / 2) + 1);
    assert.throws(() => JSON.parse(lines[lines.length - 1] as string));
    // only once: the retry gets the whole file
    const whole = await (await fetch(String(obs['url']))).text();
    assert.equal(whole.split('\n').filter((l) => l).length, obs['count']);

    s.faults.set({ expireOutputs: true });
    assert.equal((await fetch(String(obs['url']))).status, 404);
    s.faults.set({ expireOutputs: false });
    assert.equal((await fetch(String(obs['url']))).status, 200);

    const other = `http://localhost:${s.port}`;
    s.faults.set({ manifestOrigin: other });
    const m2 = obj(await (await fetch(status)).json());
    for (const o of arr(m2['output']).map(obj)) assert.ok(String(o['url']).startsWith(`${other}/fhir/_bulk/`));
    const url = String(obj(arr(m2['output'])[0])['url']);
    assert.equal((await fetch(url)).status, 200);
    const entry = s.requestLog[s.requestLog.length - 1];
    assert.equal(entry?.host, `localhost:${s.port}`);
    assert.equal(entry?.authorization, false);
  });

  it('server clock skew: lastUpdated, transactionTime and Date follow the offset', async () => {
    const hour = 3_600_000;
    const s = await sandbox({ patients: 0, clockOffsetMs: -hour });
    const put = await fetch(`${s.url}/Patient/skew`, { method: 'PUT', body: '{"resourceType":"Patient"}' });
    const lu = Date.parse(String(obj(obj(await put.json())['meta'])['lastUpdated']));
    assert.ok(Math.abs(lu - (Date.now() - hour)) < 5000);
    assert.ok(Math.abs(Date.parse(put.headers.get('date') ?? '') - (Date.now() - hour)) < 5000);
    const res = await runExport(`${s.url}/$export`);
    assert.ok(Math.abs(Date.parse(String(res.manifest['transactionTime'])) - (Date.now() - hour)) < 5000);
    s.faults.set({ clockOffsetMs: 0 });
    const put2 = await fetch(`${s.url}/Patient/skew`, { method: 'PUT', body: '{"resourceType":"Patient"}' });
    const lu2 = Date.parse(String(obj(obj(await put2.json())['meta'])['lastUpdated']));
    assert.ok(Math.abs(lu2 - Date.now()) < 5000);
  });

  it('rejectResources: 422 with an OperationOutcome for matching writes; a transaction fails whole, a batch per entry', async () => {
    const s = await sandbox({ patients: 0 });
    s.faults.set({ rejectResources: { match: '^Observation/bad' } });
    const put = (id: string): string => JSON.stringify({ resource: { resourceType: 'Observation', id, status: 'final' }, request: { method: 'PUT', url: `Observation/${id}` } });
    const single = await getJson(`${s.url}/Observation/bad-1`, { method: 'PUT', body: '{"resourceType":"Observation","id":"bad-1","status":"final"}' });
    assert.equal(single.status, 422);
    assert.equal(single.body['resourceType'], 'OperationOutcome');
    assert.equal((await fetch(`${s.url}/Observation/good-1`, { method: 'PUT', body: '{"resourceType":"Observation","id":"good-1","status":"final"}' })).status, 201);
    const tx = await getJson(s.url, { method: 'POST', body: `{"resourceType":"Bundle","type":"transaction","entry":[${put('good-2')},${put('bad-2')}]}` });
    assert.equal(tx.status, 422);
    assert.match(JSON.stringify(tx.body), /entry 1: Observation\/bad-2 rejected/);
    assert.equal(s.store.get('Observation', 'good-2'), undefined, 'nothing of a failed transaction is written');
    const batch = await getJson(s.url, { method: 'POST', body: `{"resourceType":"Bundle","type":"batch","entry":[${put('good-3')},${put('bad-3')}]}` });
    assert.equal(batch.status, 200);
    const responses = arr(batch.body['entry']).map((e) => obj(obj(e)['response']));
    assert.equal(responses[0]?.['status'], '201 Created');
    assert.equal(responses[1]?.['status'], '422 Unprocessable Entity');
    assert.equal(obj(responses[1]?.['outcome'])['resourceType'], 'OperationOutcome');
    assert.ok(s.store.get('Observation', 'good-3'));
    assert.equal(s.store.get('Observation', 'bad-3'), undefined);
    assert.throws(() => s.faults.set({ rejectResources: { match: '(' } }));
    assert.throws(() => s.faults.set({ rejectResources: { match: 'x', status: 500 } }));
    s.faults.clear();
    assert.equal((await fetch(`${s.url}/Observation/bad-1`, { method: 'PUT', body: '{"resourceType":"Observation","id":"bad-1","status":"final"}' })).status, 201);
  });

  it('control API sets, shows and clears switches; it is not counted or faulted', async () => {
    const s = await sandbox({ patients: 0 });
    const before = s.requests;
    const set = await fetch(s.controlUrl, { method: 'POST', body: JSON.stringify({ serverError: { nth: 1 }, tooManyRequests: { count: 1 } }) });
    assert.equal(set.status, 200);
    assert.deepEqual(obj(await set.json())['serverError'], { nth: 1 });
    assert.equal((await fetch(`${s.url}/metadata`)).status, 429);
    assert.equal((await fetch(`${s.url}/metadata`)).status, 500);
    const shown = await getJson(s.controlUrl);
    assert.ok(shown.body['serverError']);
    assert.equal((await fetch(s.controlUrl, { method: 'DELETE' })).status, 200);
    assert.deepEqual((await getJson(s.controlUrl)).body, {});
    assert.equal((await fetch(`${s.url}/metadata`)).status, 200);
    assert.equal((await fetch(s.controlUrl, { method: 'POST', body: '{"nonsense":1}' })).status, 400);
    assert.equal((await fetch(s.controlUrl, { method: 'POST', body: '{"slow":{"delayMs":-1}}' })).status, 400);
    assert.equal(s.requests - before, 3);
  });
});

function jwt(header: Record<string, unknown>, claims: Record<string, unknown>, key: KeyObject, ec: boolean): string {
  const h = Buffer.from(JSON.stringify(header)).toString('base64url');
  const p = Buffer.from(JSON.stringify(claims)).toString('base64url');
  const data = Buffer.from(`${h}.${p}`);
  const sig = ec ? sign('sha384', data, { key, dsaEncoding: 'ieee-p1363' }) : sign('sha384', data, key);
  return `${h}.${p}.${sig.toString('base64url')}`;
}

describe('auth', () => {
  it('Bearer and Basic required on FHIR requests, not on metadata; runtime switch', async () => {
    const s = await sandbox({ patients: 1, auth: { bearerTokens: ['secret-token'], basic: { username: 'ana', password: 'p@ss' } } });
    assert.equal((await fetch(`${s.url}/metadata`)).status, 200);
    const no = await fetch(`${s.url}/Patient`);
    assert.equal(no.status, 401);
    assert.match(no.headers.get('www-authenticate') ?? '', /Bearer/);
    assert.match(no.headers.get('www-authenticate') ?? '', /Basic/);
    assert.equal((await fetch(`${s.url}/Patient`, { headers: { Authorization: 'Bearer wrong' } })).status, 401);
    assert.equal((await fetch(`${s.url}/Patient`, { headers: { Authorization: 'Bearer secret-token' } })).status, 200);
    const basic = `Basic ${Buffer.from('ana:p@ss').toString('base64')}`;
    assert.equal((await fetch(`${s.url}/Patient`, { headers: { Authorization: basic } })).status, 200);
    assert.equal((await fetch(`${s.url}/Patient`, { headers: { Authorization: `Basic ${Buffer.from('ana:no').toString('base64')}` } })).status, 401);
    // export: manifest says requiresAccessToken and files need the token
    const res = await runExport(`${s.url}/$export?_type=Patient`, { headers: { Authorization: 'Bearer secret-token' } });
    assert.equal(res.manifest['requiresAccessToken'], true);
    assert.equal((await fetch(res.files[0]?.url ?? '')).status, 401);
    s.faults.set({ auth: null });
    assert.equal((await fetch(`${s.url}/Patient`)).status, 200);
  });

  it('SMART Backend Services: RS384 and ES384 client assertions accepted, wrong key / replay / bad aud rejected, tokens expire', async () => {
    const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const ec = generateKeyPairSync('ec', { namedCurve: 'P-384' });
    const wrong = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const s = await sandbox({
      patients: 1,
      auth: {
        smart: {
          tokenLifetimeSeconds: 1,
          clients: [
            { clientId: 'backup-rsa', jwk: { ...rsa.publicKey.export({ format: 'jwk' }), kid: 'k1', alg: 'RS384' } },
            { clientId: 'backup-ec', jwks: { keys: [{ ...ec.publicKey.export({ format: 'jwk' }), kid: 'e1' }] } },
          ],
        },
      },
    });
    // discovery
    const conf = await getJson(`${s.url}/.well-known/smart-configuration`);
    assert.equal(conf.status, 200);
    assert.equal(conf.body['token_endpoint'], s.tokenUrl);
    assert.ok(arr(conf.body['token_endpoint_auth_signing_alg_values_supported']).includes('ES384'));
    const cap = await getJson(`${s.url}/metadata`);
    const security = obj(obj(arr(cap.body['rest'])[0])['security']);
    const oauth = obj(arr(security['extension'])[0]);
    assert.equal(oauth['url'], 'http://fhir-registry.smarthealthit.org/StructureDefinition/oauth-uris');
    assert.deepEqual(arr(oauth['extension'])[0], { url: 'token', valueUri: s.tokenUrl });

    const claims = (iss: string): Record<string, unknown> => ({ iss, sub: iss, aud: s.tokenUrl, exp: Math.floor(Date.now() / 1000) + 240, jti: randomUUID() });
    const ask = async (assertion: string, extra: Record<string, string> = {}): Promise<{ status: number; body: Record<string, unknown> }> => {
      const form = new URLSearchParams({
        grant_type: 'client_credentials',
        scope: 'system/*.read',
        client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer',
        client_assertion: assertion,
        ...extra,
      });
      const r = await fetch(s.tokenUrl, { method: 'POST', body: form, headers: { 'Content-Type': 'application/x-www-form-urlencoded' } });
      return { status: r.status, body: obj(await r.json()) };
    };
    const rsaJwt = jwt({ alg: 'RS384', typ: 'JWT', kid: 'k1' }, claims('backup-rsa'), rsa.privateKey, false);
    const ok = await ask(rsaJwt);
    assert.equal(ok.status, 200, JSON.stringify(ok.body));
    assert.equal(ok.body['token_type'], 'bearer');
    assert.equal(ok.body['expires_in'], 1);
    const token = String(ok.body['access_token']);
    assert.equal((await fetch(`${s.url}/Patient`, { headers: { Authorization: `Bearer ${token}` } })).status, 200);
    assert.equal((await fetch(`${s.url}/Patient`)).status, 401);
    // replayed assertion
    assert.equal((await ask(rsaJwt)).body['error'], 'invalid_client');
    // ES384
    const ecOk = await ask(jwt({ alg: 'ES384', typ: 'JWT', kid: 'e1' }, claims('backup-ec'), ec.privateKey, true));
    assert.equal(ecOk.status, 200, JSON.stringify(ecOk.body));
    // wrong key, wrong aud, expired assertion, unknown client, bad grant
    const wrongKey = await ask(jwt({ alg: 'RS384', kid: 'k1' }, claims('backup-rsa'), wrong.privateKey, false));
    assert.equal(wrongKey.status, 401);
    assert.equal(wrongKey.body['error'], 'invalid_client');
    assert.equal((await ask(jwt({ alg: 'RS384' }, { ...claims('backup-rsa'), aud: 'http://elsewhere/token' }, rsa.privateKey, false))).status, 401);
    assert.equal((await ask(jwt({ alg: 'RS384' }, { ...claims('backup-rsa'), exp: Math.floor(Date.now() / 1000) - 60 }, rsa.privateKey, false))).status, 401);
    assert.equal((await ask(jwt({ alg: 'RS384' }, claims('stranger'), rsa.privateKey, false))).status, 401);
    assert.equal((await ask(jwt({ alg: 'RS256' }, claims('backup-rsa'), rsa.privateKey, false))).status, 401);
    assert.equal((await ask(rsaJwt, { grant_type: 'password' })).body['error'], 'unsupported_grant_type');
    // the short-lived token expires
    await new Promise((r) => setTimeout(r, 1100));
    const expired = await fetch(`${s.url}/Patient`, { headers: { Authorization: `Bearer ${token}` } });
    assert.equal(expired.status, 401);
    assert.match(expired.headers.get('www-authenticate') ?? '', /invalid_token/);
  });
});
