/**
 * Offsite features of the S3 backend: put-only mode, conditional writes, Object Lock queries, data residency.
 * s3rver has no Object Lock, conditional writes or IAM; a loopback proxy answers those requests with the
 * bodies AWS and MinIO send, so the real SDK and the real mapping run (test/backend/s3Proxy.ts).
 */
import assert from 'node:assert/strict';
import { after, beforeEach, describe, test } from 'node:test';
import S3rver from 's3rver';
import { S3Backend, type S3BackendOptions, type SkippedDelete } from '../../src/backend/s3/s3Backend.js';
import { BRAZILIAN_REGIONS, checkResidency, isBrazilianRegion, isPrivateEndpoint } from '../../src/backend/s3/residency.js';
import { isLockedFile, isPutOnly, s3BackendOf } from '../../src/backend/unwrap.js';
import { RetryBackend } from '../../src/backend/retry.js';
import { LocalBackend } from '../../src/backend/local/localBackend.js';
import type { FileRef } from '../../src/backend/types.js';
import { isEngineError } from '../../src/shared/errors.js';
import { tempDir } from '../support/tmp.js';
import { expectCode, hexName } from './conformance.js';
import { S3Proxy, s3Error, xmlResponse } from './s3Proxy.js';

const BUCKET = 'clinic-offsite';
const CREDENTIALS = { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' };
const dir = await tempDir('cb-s3-offsite-');
const server = new S3rver({ address: '127.0.0.1', port: 0, silent: true, directory: dir, configureBuckets: [{ name: BUCKET }] });
const { port } = await server.run();
after(() => server.close());
const proxy = await S3Proxy.start(`http://127.0.0.1:${port}`);
after(() => proxy.close());

let counter = 0;
function options(extra: Partial<S3BackendOptions> = {}): S3BackendOptions {
  return {
    endpoint: proxy.endpoint,
    bucket: BUCKET,
    prefix: `offsite-${++counter}`,
    forcePathStyle: true,
    credentials: CREDENTIALS,
    listApi: 'v1',
    requestTimeoutMs: 5000,
    ...extra,
  };
}

const data = (seed: string): FileRef => ({ kind: 'data', name: hexName(`data:${seed}`) });
const lock = (seed: string): FileRef => ({ kind: 'locks', name: hexName(`lock:${seed}`) });
const isDelete = (r: { method: string; query: URLSearchParams }): boolean => r.method === 'DELETE' && !r.query.has('uploadId');

beforeEach(() => proxy.reset());

describe('put-only mode', () => {
  test('delete of a repository file sends no DeleteObject and is recorded as skipped: put-only', async () => {
    const skips: SkippedDelete[] = [];
    const b = await S3Backend.create(options({ putOnly: true, onSkippedDelete: (s) => skips.push(s) }));
    const ref = data('keep');
    await b.write(ref, Buffer.from('pack'));
    await b.delete(ref);
    await b.delete({ kind: 'snapshots', name: hexName('snap') });
    assert.equal(proxy.count(isDelete), 0, 'no DeleteObject request reached the service');
    assert.equal(b.skippedDeletes, 2);
    assert.deepEqual(skips[0], { file: `data/${ref.name.slice(0, 2)}/${ref.name}`, reason: 'put-only' });
    assert.deepEqual(await b.read(ref), Buffer.from('pack'));
    assert.equal(isPutOnly(new RetryBackend(b)), true);
    await b.close();
  });

  test('AccessDenied on deleting a lock file is expected, not an error', async () => {
    const skips: SkippedDelete[] = [];
    const b = await S3Backend.create(options({ putOnly: true, onSkippedDelete: (s) => skips.push(s) }));
    const ref = lock('mine');
    await b.write(ref, Buffer.from('lock'));
    proxy.hook = (r) => (r.method === 'DELETE' ? s3Error(403, 'AccessDenied', 'Access Denied') : undefined);
    await b.delete(ref); // does not throw
    assert.equal(proxy.count(isDelete), 1);
    assert.deepEqual(skips, [{ file: `locks/${ref.name}`, reason: 'access-denied' }]);
    assert.ok(await b.stat(ref), 'the lock file is still there');
    // a policy that allows deleting locks/: the lock goes
    proxy.hook = null;
    await b.delete(ref);
    assert.equal(await b.stat(ref), null);
    await b.close();
  });

  test('without put-only, AccessDenied on delete is an error, and a WORM-protected object is S3_OBJECT_LOCKED', async () => {
    const b = await S3Backend.create(options());
    const ref = data('locked');
    await b.write(ref, Buffer.from('x'));
    proxy.hook = (r) => (isDelete(r) ? s3Error(403, 'AccessDenied', 'Access Denied') : undefined);
    await expectCode(b.delete(ref), 'S3_ACCESS_DENIED', (d) => assert.equal(d['operation'], 'DeleteObject'));
    // AWS, versioned bucket with Object Lock, deleting a locked version
    proxy.hook = (r) => (isDelete(r) ? s3Error(403, 'AccessDenied', 'Access Denied because object protected by object lock.') : undefined);
    await expectCode(b.delete(ref), 'S3_OBJECT_LOCKED');
    // MinIO
    proxy.hook = (r) => (isDelete(r) ? s3Error(403, 'AccessDenied', 'Object is WORM protected and cannot be overwritten') : undefined);
    await expectCode(b.delete(ref), 'S3_OBJECT_LOCKED');
    await b.close();
  });

  test('writes are conditional (If-None-Match: *): repeating a content-addressed write is fine, replacing is refused', async () => {
    proxy.conditionalWrites = true;
    const b = await S3Backend.create(options({ putOnly: true, multipartThresholdBytes: 5 * 1024 * 1024, partSizeBytes: 5 * 1024 * 1024 }));
    assert.equal(b.noOverwrite, true);
    const ref = data('cond');
    await b.write(ref, Buffer.from('same bytes'));
    await b.write(ref, Buffer.from('same bytes')); // a retried write of the same file: 412, then HEAD shows it is there
    assert.ok(proxy.count((r) => r.method === 'PUT' && r.headers['if-none-match'] === '*') >= 2);
    assert.ok(proxy.seen.some((r) => r.headers['if-none-match'] === '*' && r.key.endsWith(ref.name)));
    await expectCode(b.write(ref, Buffer.from('other bytes, other size')), 'DEST_NOT_WRITABLE');
    const slot: FileRef = { kind: 'keys', name: 'abcdef0123456789' };
    await b.write(slot, Buffer.from('{"slot":1}'));
    await expectCode(b.write(slot, Buffer.from('{"slot":1}')), 'DEST_NOT_WRITABLE', (d) => assert.match(String(d['reason']), /keys\/abcdef0123456789/));
    // multipart: the condition is on CompleteMultipartUpload
    const big = data('big');
    await b.write(big, Buffer.alloc(11 * 1024 * 1024, 7));
    assert.ok(proxy.seen.some((r) => r.method === 'POST' && r.query.has('uploadId') && r.headers['if-none-match'] === '*'));
    await b.write(big, Buffer.alloc(11 * 1024 * 1024, 7));
    assert.deepEqual(await b.read(big, { offset: 11 * 1024 * 1024 - 1, length: 1 }), Buffer.from([7]));
    await b.close();
  });

  test('a conditional write that races another (409 ConditionalRequestConflict) is retried', async () => {
    const b = await S3Backend.create(options({ putOnly: true }));
    let conflicts = 0;
    proxy.hook = (r) => (r.method === 'PUT' && conflicts++ === 0 ? s3Error(409, 'ConditionalRequestConflict', 'A conflicting operation occurred') : undefined);
    await new RetryBackend(b, { baseDelayMs: 1 }).write(data('race'), Buffer.from('x'));
    assert.equal(conflicts, 2);
    assert.deepEqual(await b.read(data('race')), Buffer.from('x'));
    await b.close();
  });

  test('a network cut mid multipart upload is DEST_OFFLINE even when aborting the upload is denied', async () => {
    const b = await S3Backend.create(options({ putOnly: true, multipartThresholdBytes: 5 * 1024 * 1024, partSizeBytes: 5 * 1024 * 1024 }));
    proxy.hook = (r) => {
      if (r.method === 'PUT' && r.query.get('partNumber') === '2') return { type: 'cut', afterBytes: 512 * 1024 };
      if (r.method === 'DELETE' && r.query.has('uploadId')) return s3Error(403, 'AccessDenied', 'Access Denied');
      return undefined;
    };
    const big = data('cut');
    await assert.rejects(b.write(big, Buffer.alloc(6 * 1024 * 1024, 1)), (err: unknown) => {
      assert.ok(isEngineError(err, 'DEST_OFFLINE'), String(err));
      assert.equal(err.transient, true);
      return true;
    });
    assert.equal(
      proxy.count((r) => r.method === 'DELETE' && r.query.has('uploadId')),
      1,
      'the abort was attempted',
    );
    proxy.hook = null;
    assert.equal(await b.stat(big), null);
    await b.close();
  });

  test('noOverwrite: false turns conditional writes off for services without them', async () => {
    const b = await S3Backend.create(options({ putOnly: true, noOverwrite: false }));
    await b.write(data('plain'), Buffer.from('x'));
    assert.equal(
      proxy.count((r) => r.headers['if-none-match'] !== undefined),
      0,
    );
    await b.close();
  });
});

describe('Object Lock queries', () => {
  const retention = (mode: string, until: string): ReturnType<typeof xmlResponse> =>
    xmlResponse(`<Retention xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Mode>${mode}</Mode><RetainUntilDate>${until}</RetainUntilDate></Retention>`);
  const legalHold = (status: 'ON' | 'OFF'): ReturnType<typeof xmlResponse> => xmlResponse(`<LegalHold xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Status>${status}</Status></LegalHold>`);
  const noConfig = s3Error(404, 'NoSuchObjectLockConfiguration', 'The specified object does not have a ObjectLock configuration');

  test('s3rver (no Object Lock: 501 NotImplemented) → not locked', async () => {
    const b = await S3Backend.create(options());
    const ref = data('plain');
    await b.write(ref, Buffer.from('x'));
    assert.equal(await b.lockState(ref), null);
    assert.equal(await b.isLocked(ref), false);
    assert.ok(
      proxy.seen.some((r) => r.query.has('retention')),
      'GetObjectRetention was asked',
    );
    await b.close();
  });

  test('retention until a future date locks, a past one does not; the mode is reported', async () => {
    const b = await S3Backend.create(options());
    const ref = data('ret');
    const now = new Date('2030-06-01T00:00:00Z');
    proxy.hook = (r) => (r.query.has('retention') ? retention('COMPLIANCE', '2031-01-01T00:00:00.000Z') : r.query.has('legal-hold') ? noConfig : undefined);
    const state = await b.lockState(ref);
    assert.deepEqual(state, { mode: 'COMPLIANCE', retainUntil: new Date('2031-01-01T00:00:00.000Z'), legalHold: false });
    assert.equal(await b.isLocked(ref, now), true);
    assert.equal(await b.isLocked(ref, new Date('2031-01-02T00:00:00Z')), false);
    // through wrappers, as prune sees the backend
    assert.equal(await isLockedFile(new RetryBackend(b), ref, now), true);
    await b.close();
  });

  test('a legal hold locks without retention', async () => {
    const b = await S3Backend.create(options());
    proxy.hook = (r) => (r.query.has('retention') ? noConfig : r.query.has('legal-hold') ? legalHold('ON') : undefined);
    assert.deepEqual(await b.lockState(data('hold')), { mode: null, retainUntil: null, legalHold: true });
    assert.equal(await b.isLocked(data('hold')), true);
    proxy.hook = (r) => (r.query.has('retention') ? noConfig : r.query.has('legal-hold') ? legalHold('OFF') : undefined);
    assert.equal(await b.lockState(data('hold')), null);
    await b.close();
  });

  test('a bucket without Object Lock (AWS InvalidRequest) → not locked, one request only', async () => {
    const b = await S3Backend.create(options());
    proxy.hook = (r) => (r.query.has('retention') ? s3Error(400, 'InvalidRequest', 'Bucket is missing Object Lock Configuration') : undefined);
    assert.equal(await b.isLocked(data('x')), false);
    assert.equal(
      proxy.count((r) => r.query.has('legal-hold')),
      0,
    );
    await b.close();
  });

  test('a credential that may not read retention is an error (prune must then keep the file)', async () => {
    const b = await S3Backend.create(options());
    proxy.hook = (r) => (r.query.has('retention') ? s3Error(403, 'AccessDenied', 'Access Denied') : undefined);
    await expectCode(b.isLocked(data('x')), 'S3_ACCESS_DENIED', (d) => assert.equal(d['operation'], 'GetObjectRetention'));
    await b.close();
  });

  test('bucket protection: versioning and default retention; unknown on s3rver and for put-only credentials', async () => {
    const b = await S3Backend.create(options());
    proxy.hook = (r) => {
      if (r.query.has('versioning')) return xmlResponse('<VersioningConfiguration xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Status>Enabled</Status></VersioningConfiguration>');
      if (r.query.has('object-lock')) {
        return xmlResponse(
          '<ObjectLockConfiguration xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><ObjectLockEnabled>Enabled</ObjectLockEnabled><Rule><DefaultRetention><Mode>GOVERNANCE</Mode><Days>30</Days></DefaultRetention></Rule></ObjectLockConfiguration>',
        );
      }
      return undefined;
    };
    assert.deepEqual(await b.bucketProtection(), { versioning: 'enabled', objectLock: { enabled: true, mode: 'GOVERNANCE', days: 30 } });
    proxy.hook = (r) => (r.query.has('object-lock') ? s3Error(404, 'ObjectLockConfigurationNotFoundError', 'Object Lock configuration does not exist for this bucket') : undefined);
    assert.deepEqual((await b.bucketProtection()).objectLock, { enabled: false });
    proxy.hook = (r) => (r.query.has('versioning') || r.query.has('object-lock') ? s3Error(403, 'AccessDenied', 'Access Denied') : undefined);
    assert.deepEqual(await b.bucketProtection(), { versioning: 'unknown', objectLock: 'unknown' });
    proxy.hook = null;
    assert.equal((await b.bucketProtection()).objectLock, 'unknown', 's3rver answers 501');
    await b.close();
  });

  test('backends without Object Lock are never locked', async () => {
    const local = await LocalBackend.create(`${await tempDir()}/repo`);
    assert.equal(s3BackendOf(local), null);
    assert.equal(await isLockedFile(local, data('x')), false);
    assert.equal(isPutOnly(local), false);
  });
});

describe('data residency', () => {
  test('Brazilian regions pass, others need an explicit acknowledgement', () => {
    const cases: [string, boolean, string | undefined, string][] = [
      ['sa-east-1', false, undefined, 'brazilian-region'],
      ['SA-EAST-1', false, undefined, 'brazilian-region'],
      ['br-se1', false, 'https://br-se1.magaluobjects.com', 'brazilian-region'],
      ['southamerica-east1', false, 'https://storage.googleapis.com', 'brazilian-region'],
      ['sa-saopaulo-1', false, undefined, 'brazilian-region'],
      ['us-east-1', true, undefined, 'acknowledged'],
      ['us-east-1', false, 'http://192.168.0.20:9000', 'private-endpoint'],
      ['us-east-1', false, 'http://nas.local:9000', 'private-endpoint'],
      ['us-east-1', false, 'http://[fd00::5]:9000', 'private-endpoint'],
    ];
    for (const [region, ack, endpoint, basis] of cases) assert.equal(checkResidency(region, ack, endpoint).basis, basis, `${region} ${endpoint ?? ''}`);
    for (const [region, endpoint] of [
      ['us-east-1', undefined],
      ['southamerica-west1', undefined], // Santiago, Chile
      ['sa-santiago-1', undefined],
      ['eu-west-1', 'https://s3.eu-west-1.amazonaws.com'],
      ['us-east-1', 'http://8.8.8.8:9000'],
      ['', undefined],
    ] as const) {
      assert.throws(
        () => checkResidency(region, false, endpoint),
        (err: unknown) => isEngineError(err, 'RESIDENCY_NOT_ACKNOWLEDGED') && err.details['region'] === (region === '' ? '—' : region),
        region,
      );
    }
    assert.ok(BRAZILIAN_REGIONS.every((r) => isBrazilianRegion(r.region)));
    assert.equal(isPrivateEndpoint('https://s3.sa-east-1.amazonaws.com'), false);
    assert.equal(isPrivateEndpoint('http://172.20.1.1'), true);
    assert.equal(isPrivateEndpoint('http://172.32.1.1'), false);
  });
});
