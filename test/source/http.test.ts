/** FhirHttp against local servers: timeouts (headers vs a slow body), Retry-After forms, redirects and origins, where the token may go. */
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, test } from 'node:test';
import { FhirHttp, parseRetryAfter } from '../../src/source/fhir/http.js';
import { isEngineError } from '../../src/shared/errors.js';
import { recordingSleep, rejectsWithCode, sandbox } from '../support/fhir.js';

test('the timeout covers waiting for headers and each wait for body bytes, not a long download that keeps flowing', async () => {
  const server = await sandbox({ patients: 2, seed: 3 });
  // ~50 KB sent in 2 KB pieces every 40 ms: over a second in all, never 300 ms without bytes.
  server.faults.set({ trickle: { chunkBytes: 2000, intervalMs: 40, match: 'Observation\\?' } });
  const client = new FhirHttp({ baseUrl: server.url, timeoutMs: 300 });
  const started = Date.now();
  const { bytes } = await client.getJson('Observation?_count=500');
  assert.ok(Date.now() - started > 600, 'the body took longer than the timeout');
  assert.ok(bytes.length > 30_000);
  // A body that stalls (600 ms between pieces) times out, as a transient TIMEOUT, after the retries.
  server.faults.set({ trickle: { chunkBytes: 2000, intervalMs: 600, match: 'Observation\\?' } });
  const { sleep, waits } = recordingSleep(1);
  const stalled = new FhirHttp({ baseUrl: server.url, timeoutMs: 300, maxAttempts: 2, sleep });
  const err = await rejectsWithCode(stalled.getJson('Observation?_count=500'), 'TIMEOUT');
  assert.equal(err.transient, true);
  assert.equal(waits.length, 1, 'fetched once more before giving up');
  // Headers that do not come in time.
  server.faults.clear();
  server.faults.set({ slow: { delayMs: 800, match: 'Patient\\?' } });
  const slowHeaders = new FhirHttp({ baseUrl: server.url, timeoutMs: 200, maxAttempts: 1 });
  await rejectsWithCode(slowHeaders.getJson('Patient?_count=1'), 'TIMEOUT');
});

test('Retry-After: delta-seconds, HTTP-date against the server Date header, garbage ignored', () => {
  const now = Date.parse('2026-01-01T00:00:00Z');
  assert.equal(parseRetryAfter('7', now), 7000);
  assert.equal(parseRetryAfter(' 0 ', now), 0);
  // The server's clock is 1 h ahead of ours: the date is read against the server's Date header.
  const serverNow = new Date(now + 3600_000);
  assert.equal(parseRetryAfter(new Date(serverNow.getTime() + 5000).toUTCString(), now, serverNow.toUTCString()), 5000);
  assert.equal(parseRetryAfter(new Date(now - 5000).toUTCString(), now), 0, 'a date in the past means now');
  assert.equal(parseRetryAfter('soon', now), null);
  assert.equal(parseRetryAfter(null, now), null);
});

test('redirects: followed on the same origin, refused to another origin (before any request goes there)', async () => {
  let otherHits = 0;
  const other = http.createServer((_req, res) => {
    otherHits++;
    res.end('{}');
  });
  await new Promise<void>((resolve) => other.listen(0, '127.0.0.1', resolve));
  after(() => new Promise<void>((resolve) => other.close(() => resolve())));
  const otherOrigin = `http://127.0.0.1:${(other.address() as AddressInfo).port}`;
  const seen: (string | undefined)[] = [];
  const main = http.createServer((req, res) => {
    seen.push(req.headers.authorization);
    if (req.url === '/fhir/here') {
      res.writeHead(302, { Location: '/fhir/there' }).end();
    } else if (req.url === '/fhir/there') {
      res.writeHead(200, { 'Content-Type': 'application/fhir+json' }).end('{"resourceType":"Bundle"}');
    } else {
      res.writeHead(307, { Location: `${otherOrigin}/steal` }).end();
    }
  });
  await new Promise<void>((resolve) => main.listen(0, '127.0.0.1', resolve));
  after(() => new Promise<void>((resolve) => main.close(() => resolve())));
  const base = `http://127.0.0.1:${(main.address() as AddressInfo).port}/fhir`;
  const client = new FhirHttp({ baseUrl: base, auth: { headers: async () => ({ Authorization: 'Bearer t0k' }) } });
  const { value } = await client.getJson('here');
  assert.deepEqual(value, { resourceType: 'Bundle' });
  assert.deepEqual(seen, ['Bearer t0k', 'Bearer t0k']);
  const err = await rejectsWithCode(client.getJson('elsewhere'), 'SOURCE_FOREIGN_ORIGIN');
  assert.equal(err.details['origin'], otherOrigin);
  assert.equal(otherHits, 0);
  // Credentials in the URL are refused outright (they would land in logs and shell history).
  assert.throws(() => new FhirHttp({ baseUrl: 'http://user:pw@127.0.0.1/fhir' }), /INVALID_ARGUMENT/);
  assert.throws(() => new FhirHttp({ baseUrl: 'ftp://127.0.0.1/fhir' }), /INVALID_ARGUMENT/);
});

test('where the token goes (Bulk Data requiresAccessToken): own origin and allowed hosts with it; public files from any https or loopback http origin without it; anything else refused naming the host and the setting', () => {
  const client = new FhirHttp({ baseUrl: 'http://127.0.0.1:8080/fhir', allowedHosts: ['localhost:8080', 'https://bucket.example:9000', 'files.clinica.local'] });
  const where = (u: string, access?: 'source' | 'public'): boolean => client.resolve(u, access).credentials;
  assert.equal(where('Patient?_count=1'), true);
  assert.equal(where('http://127.0.0.1:8080/fhir/_bulk/1/Patient.ndjson'), true);
  // The same machine under another name, allowed in settings; an origin entry; a host entry on any port.
  assert.equal(where('http://localhost:8080/fhir/_bulk/1/Patient.ndjson'), true);
  assert.equal(where('https://bucket.example:9000/exports/1.ndjson'), true);
  assert.equal(where('https://files.clinica.local:8443/out/1.ndjson'), true);
  const refused = (u: string, access?: 'source' | 'public'): Record<string, unknown> => {
    try {
      client.resolve(u, access);
    } catch (err) {
      assert.ok(isEngineError(err, 'SOURCE_FOREIGN_ORIGIN'), String(err));
      return err.details;
    }
    assert.fail(`${u} was not refused`);
  };
  assert.deepEqual(refused('http://localhost:9999/out/1.ndjson'), { origin: 'http://localhost:9999', host: 'localhost:9999', setting: 'source.allowedHosts' });
  assert.equal(refused('https://bucket.example:9001/x.ndjson')['host'], 'bucket.example:9001', 'an origin entry is that port only');
  // requiresAccessToken: false: any https origin and http on loopback, never with the token; plain http elsewhere refused.
  assert.equal(where('https://storage.cloud.example/signed/1.ndjson?sig=abc', 'public'), false);
  assert.equal(where('http://127.0.0.2:7000/1.ndjson', 'public'), false);
  assert.equal(where('http://localhost:7000/1.ndjson', 'public'), false);
  assert.equal(where('http://[::1]:7000/1.ndjson', 'public'), false);
  assert.equal(where('http://127.0.0.1:8080/fhir/_bulk/1/Patient.ndjson', 'public'), false, 'not even to the own origin');
  assert.equal(refused('http://storage.cloud.example/1.ndjson', 'public')['host'], 'storage.cloud.example');
});
