import { createServer, type AddressInfo } from 'node:net';
import { rm } from 'node:fs/promises';
import path from 'node:path';
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { CreateBucketCommand, DeleteBucketCommand, HeadObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import S3rver from 's3rver';
import { tempDir } from '../support/tmp.js';
import { isEngineError } from '../../src/shared/errors.js';
import { toErrorInfo } from '../../src/i18n/index.js';
import { S3Backend, type S3BackendOptions } from '../../src/backend/s3/s3Backend.js';
import { mapS3Error } from '../../src/backend/s3/s3Errors.js';
import { RetryBackend } from '../../src/backend/retry.js';
import type { Backend, FileRef } from '../../src/backend/types.js';
import { backendConformanceSuite, collect, expectCode, hexName, type BackendFixture } from './conformance.js';

const BUCKET = 'clinic-test';
const CREDENTIALS = { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' }; // s3rver's built-in account
const dir = await tempDir('cb-s3-');
const server = new S3rver({ address: '127.0.0.1', port: 0, silent: true, directory: dir, configureBuckets: [{ name: BUCKET }] });
const { port } = await server.run();
const endpoint = `http://127.0.0.1:${port}`;
after(() => server.close());

const raw = new S3Client({ endpoint, region: 'sa-east-1', forcePathStyle: true, credentials: CREDENTIALS, maxAttempts: 1 });
after(() => raw.destroy());

let counter = 0;
/**
 * s3rver cannot paginate ListObjectsV2: its continuation tokens use DES, which OpenSSL 3 (Node ≥ 17)
 * no longer offers, so a truncated V2 page is a 500. The suites use the V1 API (markers) to list
 * 1,200 files; V2 is tested below on a single page.
 */
function options(extra: Partial<S3BackendOptions> = {}): S3BackendOptions {
  return { endpoint, bucket: BUCKET, prefix: `repo-${++counter}`, forcePathStyle: true, credentials: CREDENTIALS, listApi: 'v1', requestTimeoutMs: 2000, ...extra };
}

const CONFIG: FileRef = { kind: 'config', name: 'config' };

async function s3Fixture(wrap: (b: S3Backend) => Backend = (b) => b): Promise<BackendFixture> {
  const opts = options();
  const backend = await S3Backend.create(opts);
  return {
    backend: wrap(backend),
    cleanup: () => rm(path.join(dir, BUCKET, opts.prefix ?? ''), { recursive: true, force: true }),
    plantRaw: async (rel: string, data: Buffer) => {
      await raw.send(new PutObjectCommand({ Bucket: BUCKET, Key: `${opts.prefix}/${rel}`, Body: data }));
    },
  };
}

backendConformanceSuite('S3Backend on s3rver', () => s3Fixture(), {
  skipAtomicOverwrite: 's3rver writes objects in place (not atomically); AWS S3 and MinIO PUTs are atomic',
});

backendConformanceSuite('RetryBackend(S3Backend) on s3rver', () => s3Fixture((b) => new RetryBackend(b, { baseDelayMs: 1 })), {
  skipAtomicOverwrite: 's3rver writes objects in place (not atomically); AWS S3 and MinIO PUTs are atomic',
});

describe('S3Backend open and create', () => {
  test('location shows endpoint, bucket and prefix, never credentials', async () => {
    const opts = options({ credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER', sessionToken: 'tok-secret' } });
    const b = await S3Backend.create(opts);
    assert.equal(b.location, `s3:${endpoint}/${BUCKET}/${opts.prefix}`);
    assert.ok(!b.location.includes('S3RVER') && !b.location.includes('tok-secret'));
    await b.close();
  });

  test('open without the marker is REPO_MARKER_MISSING and writes nothing', async () => {
    const opts = options();
    await expectCode(S3Backend.open(opts), 'REPO_MARKER_MISSING', (d) => assert.equal(d['location'], `s3:${endpoint}/${BUCKET}/${opts.prefix}`));
    const b = await S3Backend.create(opts); // still empty: create accepts it
    for (const kind of ['config', 'data', 'snapshots'] as const) assert.deepEqual(await collect(b.list(kind)), []);
    await b.close();
  });

  test('open finds the marker written by init; create refuses a used prefix', async () => {
    const opts = options();
    const created = await S3Backend.create(opts);
    await created.write(CONFIG, Buffer.from('{"version":1}'));
    await created.close();
    const opened = await S3Backend.open(opts);
    assert.equal((await opened.read(CONFIG)).toString(), '{"version":1}');
    await opened.close();
    await expectCode(S3Backend.create(opts), 'REPO_ALREADY_EXISTS');
    // a marker under another prefix does not count
    await expectCode(S3Backend.open({ ...opts, prefix: `${opts.prefix}-other` }), 'REPO_MARKER_MISSING');
  });

  test('a missing bucket is S3_BUCKET_MISSING', async () => {
    const opts = options({ bucket: 'no-such-bucket' });
    await expectCode(S3Backend.open(opts), 'S3_BUCKET_MISSING', (d) => assert.equal(d['bucket'], 'no-such-bucket'));
    await expectCode(S3Backend.create(opts), 'S3_BUCKET_MISSING');
  });

  test('the bucket deleted after open: writes and reads fail with S3_BUCKET_MISSING, not NOT_FOUND', async () => {
    const bucket = 'gone-bucket';
    await raw.send(new CreateBucketCommand({ Bucket: bucket }));
    const b = await S3Backend.create(options({ bucket }));
    const snap: FileRef = { kind: 'snapshots', name: hexName('gone') };
    await b.write(snap, Buffer.from('x'));
    await b.delete(snap);
    await raw.send(new DeleteBucketCommand({ Bucket: bucket }));
    await expectCode(b.write(snap, Buffer.from('x')), 'S3_BUCKET_MISSING', (d) => assert.equal(d['bucket'], bucket));
    await expectCode(b.read(snap), 'S3_BUCKET_MISSING');
    await expectCode(collect(b.list('snapshots')), 'S3_BUCKET_MISSING');
    await b.close();
  });

  test('ListObjectsV2 (the default listing API) lists and filters like V1', async () => {
    const opts = options({ listApi: 'v2' });
    const b = await S3Backend.create(opts);
    const names = Array.from({ length: 30 }, (_, i) => hexName(`v2:${i}`));
    for (const name of names) await b.write({ kind: 'data', name }, Buffer.from(name.slice(0, 3)));
    await b.write({ kind: 'index', name: hexName('idx') }, Buffer.from('i'));
    const listed = await collect(b.list('data'));
    assert.deepEqual(listed.map((f) => f.name).sort(), [...names].sort());
    assert.ok(listed.every((f) => f.size === 3));
    await b.close();
  });

  test('storage class is sent on single and multipart uploads', async () => {
    const opts = options({ storageClass: 'STANDARD_IA', multipartThresholdBytes: 5 * 1024 * 1024, partSizeBytes: 5 * 1024 * 1024 });
    const b = await S3Backend.create(opts);
    const small: FileRef = { kind: 'index', name: hexName('small') };
    const big: FileRef = { kind: 'data', name: hexName('big') };
    await b.write(small, Buffer.from('x'));
    await b.write(big, Buffer.alloc(11 * 1024 * 1024, 3));
    for (const key of [`${opts.prefix}/index/${small.name}`, `${opts.prefix}/data/${big.name.slice(0, 2)}/${big.name}`]) {
      const head = await raw.send(new HeadObjectCommand({ Bucket: BUCKET, Key: key }));
      assert.equal(head.StorageClass, 'STANDARD_IA', key);
    }
    assert.deepEqual(await b.read(big, { offset: 11 * 1024 * 1024 - 2, length: 2 }), Buffer.alloc(2, 3));
    await b.close();
  });

  test('unknown access key is S3_AUTH, and no secret appears in the error', async () => {
    const opts = options({ credentials: { accessKeyId: 'WRONGKEY', secretAccessKey: 'very-secret-value' } });
    await assert.rejects(S3Backend.open(opts), (err: unknown) => {
      assert.ok(isEngineError(err, 'S3_AUTH'), String(err));
      assert.ok(!JSON.stringify(err.details).includes('very-secret-value'));
      assert.ok(!err.message.includes('very-secret-value'));
      return true;
    });
  });

  test('an unreachable endpoint is DEST_OFFLINE and transient', async () => {
    const probe = createServer();
    await new Promise<void>((r) => probe.listen(0, '127.0.0.1', r));
    const closedPort = (probe.address() as AddressInfo).port;
    await new Promise<void>((r) => probe.close(() => r()));
    await assert.rejects(S3Backend.open(options({ endpoint: `http://127.0.0.1:${closedPort}` })), (err: unknown) => {
      assert.ok(isEngineError(err, 'DEST_OFFLINE'), String(err));
      assert.equal(err.transient, true);
      return true;
    });
  });

  test('the message names the field that is wrong: access key, secret key, bucket name, service address (pt-BR and en)', async () => {
    const textOf = async (p: Promise<unknown>, code: string): Promise<{ pt: string; en: string; details: string }> => {
      const err = await p.then(
        () => assert.fail('should fail'),
        (e: unknown) => e,
      );
      assert.ok(isEngineError(err), String(err));
      assert.equal(err.code, code, String(err));
      return { pt: toErrorInfo(err, 'pt-BR').message, en: toErrorInfo(err, 'en').message, details: JSON.stringify(err.details) };
    };
    const unknownKey = await textOf(S3Backend.open(options({ credentials: { accessKeyId: 'NOSUCHKEY', secretAccessKey: 'some-secret-9x' } })), 'S3_AUTH');
    assert.match(unknownKey.pt, /não conhece esta chave de acesso\. Confira o campo "Chave de acesso \(Access key ID\)"/);
    assert.match(unknownKey.en, /Check the "Access key ID" field/);
    // s3rver does not check signatures: the answer AWS gives for a wrong secret, as the SDK reports it.
    const signature = Object.assign(new Error('The request signature we calculated does not match wrong-secret-7q'), { name: 'SignatureDoesNotMatch', $metadata: { httpStatusCode: 403 } });
    const wrongSecret = await textOf(Promise.reject(mapS3Error(signature, { location: 's3:b', bucket: 'b', operation: 'ListObjectsV2', region: 'sa-east-1' })), 'S3_AUTH');
    assert.match(wrongSecret.pt, /A chave secreta não combina com a chave de acesso\. Confira o campo "Chave secreta \(Secret access key\)"/);
    for (const t of [unknownKey, wrongSecret]) for (const text of [t.pt, t.en, t.details]) assert.ok(!/some-secret-9x|wrong-secret-7q/.test(text), text);
    const bucket = await textOf(S3Backend.open(options({ bucket: 'no-such-bucket-x' })), 'S3_BUCKET_MISSING');
    assert.equal(bucket.pt, `O espaço na nuvem 'no-such-bucket-x' não existe neste serviço. Confira o campo "Nome do espaço na nuvem (bucket)".`);
    const probe = createServer();
    await new Promise<void>((r) => probe.listen(0, '127.0.0.1', r));
    const closedPort = (probe.address() as AddressInfo).port;
    await new Promise<void>((r) => probe.close(() => r()));
    const offline = await textOf(S3Backend.open(options({ endpoint: `http://user:pw@127.0.0.1:${closedPort}` })), 'DEST_OFFLINE');
    assert.equal(offline.pt, `O serviço de nuvem em http://127.0.0.1:${closedPort} não respondeu. Confira o campo "Endereço do serviço" e a internet da clínica.`);
    assert.ok(!offline.details.includes('pw@'), 'no credentials from the address');
  });

  test('invalid bucket or prefix is INVALID_ARGUMENT', async () => {
    await expectCode(S3Backend.open(options({ bucket: 'Bad_Bucket' })), 'INVALID_ARGUMENT');
    await expectCode(S3Backend.open(options({ prefix: 'a/../b' })), 'INVALID_ARGUMENT');
  });
});

describe('mapS3Error', () => {
  const ctx = { location: 's3:bucket1/p', bucket: 'bucket1', operation: 'PutObject', region: 'sa-east-1', file: 'data/ab/abc' };
  function sdkError(name: string, status: number, extra: Record<string, unknown> = {}): Error {
    return Object.assign(new Error(`${name} happened`), { name, $fault: status >= 500 ? 'server' : 'client', $metadata: { httpStatusCode: status }, ...extra });
  }

  test('codes by S3 error name and HTTP status', () => {
    const cases: [Error, string, boolean][] = [
      [sdkError('InvalidAccessKeyId', 403), 'S3_AUTH', false],
      [sdkError('SignatureDoesNotMatch', 403), 'S3_AUTH', false],
      [sdkError('AccessDenied', 403), 'S3_ACCESS_DENIED', false],
      [sdkError('RequestTimeTooSkewed', 403), 'S3_CLOCK_SKEW', false],
      [sdkError('NoSuchBucket', 404), 'S3_BUCKET_MISSING', false],
      [sdkError('SlowDown', 503), 'DEST_IO', true],
      [sdkError('InternalError', 500), 'DEST_IO', true],
      [sdkError('TooManyRequests', 429), 'DEST_IO', true],
      [sdkError('InvalidRequest', 400), 'DEST_IO', false],
      [sdkError('XMinioStorageFull', 507), 'DEST_FULL', false],
      [Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' }), 'DEST_OFFLINE', true],
      [Object.assign(new Error('aborted'), { name: 'AbortError' }), 'CANCELLED', false],
    ];
    for (const [err, code, transient] of cases) {
      const mapped = mapS3Error(err, ctx);
      assert.equal(mapped.code, code, err.name);
      assert.equal(mapped.transient, transient, err.name);
    }
    const denied = mapS3Error(sdkError('AccessDenied', 403), ctx);
    assert.deepEqual(denied.details, { bucket: 'bucket1', operation: 'PutObject' });
  });

  test('region mismatch reports the actual region from the body or the header', () => {
    const fromBody = mapS3Error(sdkError('AuthorizationHeaderMalformed', 400, { Region: 'us-east-1' }), ctx);
    assert.deepEqual([fromBody.code, fromBody.details['actual'], fromBody.details['configured']], ['S3_REGION_MISMATCH', 'us-east-1', 'sa-east-1']);
    const fromHeader = mapS3Error(sdkError('PermanentRedirect', 301, { $response: { headers: { 'x-amz-bucket-region': 'eu-west-1' } } }), ctx);
    assert.deepEqual([fromHeader.code, fromHeader.details['actual']], ['S3_REGION_MISMATCH', 'eu-west-1']);
  });

  test('details never carry the raw message', () => {
    const mapped = mapS3Error(sdkError('InternalError', 500, { message: 'Authorization: AWS4-HMAC-SHA256 Credential=AKIA/secret' }), ctx);
    assert.ok(!JSON.stringify(mapped.details).includes('AKIA'));
  });
});
