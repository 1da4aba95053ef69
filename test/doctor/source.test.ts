// Doctor checks of the FHIR source against real servers on 127.0.0.1: the sandbox (with auth, SMART and a
// skewed clock), a closed port, a web server that is not FHIR, and a minimal FHIR server without $export.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { generateKeyPairSync, type JsonWebKey } from 'node:crypto';
import { runDoctor } from '../../src/doctor/doctor.js';
import type { DoctorReport } from '../../src/doctor/types.js';
import { sandbox } from '../sandbox/helpers.js';
import { freePort } from '../alerts/support.js';
import { fhirWithoutExport, only, tinyServer } from './support.js';

const TOKEN = 'doctor-bearer-7e1c2a';

function statuses(r: DoctorReport): Record<string, string> {
  return Object.fromEntries(r.checks.map((c) => [c.id, c.status]));
}

describe('doctor: FHIR source', () => {
  it('all pass against a sandbox that requires a bearer token, with the right token', async () => {
    const s = await sandbox({ patients: 1, auth: { bearerTokens: [TOKEN] } });
    const r = await runDoctor({ source: { url: s.url, auth: { kind: 'bearer', token: TOKEN } } });
    assert.deepEqual(statuses(r), { 'source.reachable': 'pass', 'source.authorised': 'pass', 'source.export': 'pass', 'source.clock': 'pass' });
    assert.equal(r.ok, true);
    assert.equal(r.worst, 'info');
    const reach = only(r, 'source.reachable');
    assert.equal(reach.params['fhirVersion'], '4.0.1');
    assert.equal(reach.params['url'], s.url);
    assert.equal(only(r, 'source.authorised').params['type'], 'Patient');
    assert.ok(Math.abs(Number(only(r, 'source.clock').params['skewSeconds'])) <= 2);
    assert.ok(!JSON.stringify(r).includes(TOKEN), 'the token is not in the report');
  });

  it('a server that asks for credentials when none are configured: needsCredentials', async () => {
    const s = await sandbox({ patients: 1, auth: { bearerTokens: [TOKEN] } });
    const r = await runDoctor({ source: { url: s.url } });
    const c = only(r, 'source.authorised');
    assert.deepEqual([c.status, c.detailKey, c.fixKey, c.params['status']], ['fail', 'doctor.source.authorised.needsCredentials', 'doctor.fix.sourceNeedsCredentials', 401]);
    assert.equal(only(r, 'source.reachable').status, 'pass', '/metadata is open');
    assert.equal(r.ok, false);
    assert.equal(r.worst, 'high');
  });

  it('a wrong token is refused', async () => {
    const s = await sandbox({ patients: 1, auth: { bearerTokens: [TOKEN] } });
    const wrong = 'not-the-token-31ab';
    const r = await runDoctor({ source: { url: s.url, auth: { kind: 'bearer', token: wrong } } });
    const c = only(r, 'source.authorised');
    assert.deepEqual([c.status, c.detailKey, c.fixKey], ['fail', 'doctor.source.authorised.refused', 'doctor.fix.sourceCredentials']);
    assert.ok(!JSON.stringify(r).includes(wrong));
  });

  it('a server that hands out data without credentials is a low warning', async () => {
    const s = await sandbox({ patients: 1 });
    const c = only(await runDoctor({ source: { url: s.url } }), 'source.authorised');
    assert.deepEqual([c.status, c.severity, c.detailKey], ['warn', 'low', 'doctor.source.authorised.open']);
  });

  it('SMART Backend Services: passes with the token endpoint up, fails on the token endpoint when it is down', async () => {
    const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-384' });
    const jwk = publicKey.export({ format: 'jwk' }) as JsonWebKey;
    const s = await sandbox({ patients: 1, auth: { smart: { clients: [{ clientId: 'clinic-backup', jwk }] } } });
    const pem = privateKey.export({ format: 'pem', type: 'pkcs8' }).toString();
    const ok = await runDoctor({ source: { url: s.url, auth: { kind: 'smart', clientId: 'clinic-backup', privateKeyPem: pem, tokenUrl: s.tokenUrl } } });
    assert.equal(only(ok, 'source.authorised').status, 'pass');
    const down = await runDoctor({ source: { url: s.url, auth: { kind: 'smart', clientId: 'clinic-backup', privateKeyPem: pem, tokenUrl: `http://127.0.0.1:${await freePort()}/token` } } });
    assert.equal(only(down, 'source.reachable').status, 'pass', 'the server itself is fine');
    const c = only(down, 'source.authorised');
    assert.deepEqual([c.status, c.detailKey, c.fixKey], ['fail', 'doctor.source.authorised.tokenEndpoint', 'doctor.fix.sourceTokenEndpoint']);
    const bad = await runDoctor({ source: { url: s.url, auth: { kind: 'smart', clientId: 'clinic-backup', privateKeyPem: 'not a key', tokenUrl: s.tokenUrl } } });
    assert.equal(only(bad, 'source.authorised').detailKey, 'doctor.source.authorised.badConfig');
  });

  it('a closed port: unreachable, and the dependent checks are skipped', async () => {
    const port = await freePort();
    const r = await runDoctor({ source: { url: `http://127.0.0.1:${port}/fhir`, timeoutMs: 3000 } });
    assert.deepEqual(statuses(r), { 'source.reachable': 'fail', 'source.authorised': 'skip', 'source.export': 'skip', 'source.clock': 'skip' });
    const c = only(r, 'source.reachable');
    assert.deepEqual([c.detailKey, c.fixKey, c.severity], ['doctor.source.reachable.unreachable', 'doctor.fix.sourceUnreachable', 'high']);
  });

  it('a web server that is not FHIR: notFhir', async () => {
    const web = await tinyServer((_url, res) => {
      res.writeHead(200, { 'Content-Type': 'text/html' });
      res.end('<html><body>Router login</body></html>');
    });
    const c = only(await runDoctor({ source: { url: `${web.url}/fhir` } }), 'source.reachable');
    assert.deepEqual([c.status, c.detailKey, c.fixKey], ['fail', 'doctor.source.reachable.notFhir', 'doctor.fix.sourceNotFhir']);
  });

  it('an invalid URL or one with credentials: badUrl', async () => {
    for (const url of ['ftp://127.0.0.1/fhir', 'http://user:pw@127.0.0.1/fhir']) {
      const r = await runDoctor({ source: { url } });
      assert.equal(only(r, 'source.reachable').detailKey, 'doctor.source.reachable.badUrl', url);
      assert.ok(!JSON.stringify(r).includes('pw@'), 'credentials in the URL are not echoed');
    }
  });

  it('$export: passes on the sandbox, warns (low) on a server without it', async () => {
    const tiny = await fhirWithoutExport();
    const r = await runDoctor({ source: { url: `${tiny.url}/fhir` } });
    const c = only(r, 'source.export');
    assert.deepEqual([c.status, c.severity, c.detailKey, c.fixKey, c.params['history']], ['warn', 'low', 'doctor.source.export.missing', 'doctor.fix.exportMissing', true]);
    assert.equal(only(r, 'source.reachable').params['software'], 'Tiny EHR 1.2');
    assert.equal(r.ok, true, 'a warning is not a failure');
  });

  it('clock skew: 10 minutes ahead or behind warns, 1 minute passes, a missing Date header is not checked', async () => {
    const ahead = await sandbox({ patients: 0, clockOffsetMs: 10 * 60_000 });
    const behind = await sandbox({ patients: 0, clockOffsetMs: -10 * 60_000 });
    const small = await sandbox({ patients: 0, clockOffsetMs: 60_000 });
    const a = only(await runDoctor({ source: { url: ahead.url } }), 'source.clock');
    assert.deepEqual([a.status, a.severity, a.detailKey, a.fixKey, a.params['skewMinutes']], ['warn', 'medium', 'doctor.source.clock.serverAhead', 'doctor.fix.clockSkew', 10]);
    const b = only(await runDoctor({ source: { url: behind.url } }), 'source.clock');
    assert.deepEqual([b.status, b.detailKey, b.params['skewMinutes']], ['warn', 'doctor.source.clock.serverBehind', 10]);
    assert.equal(only(await runDoctor({ source: { url: small.url } }), 'source.clock').status, 'pass');
    const strict = only(await runDoctor({ source: { url: small.url }, limits: { maxClockSkewMs: 30_000 } }), 'source.clock');
    assert.equal(strict.status, 'warn', 'the limit is configurable');
    const noDate = await fhirWithoutExport({ sendDate: false });
    const n = only(await runDoctor({ source: { url: `${noDate.url}/fhir` } }), 'source.clock');
    assert.deepEqual([n.status, n.detailKey], ['skip', 'doctor.source.clock.noDate']);
  });

  it('the clock check compares with the injected clock', async () => {
    const s = await sandbox({ patients: 0 });
    const c = only(await runDoctor({ source: { url: s.url } }, { clock: { now: () => new Date(Date.now() - 3_600_000) } }), 'source.clock');
    assert.deepEqual([c.status, c.detailKey, c.params['skewMinutes']], ['warn', 'doctor.source.clock.serverAhead', 60]);
  });
});
