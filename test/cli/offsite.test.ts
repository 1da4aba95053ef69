import assert from 'node:assert/strict';
import { readdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { after, test } from 'node:test';
import { GetObjectCommand, ListObjectsCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import S3rver from 's3rver';
import { writeNdjsonDataset } from '../../src/sandbox/synthetic.js';
import { compareNdjsonFolders } from '../../src/restorer/compareNdjson.js';
import { runCli } from '../support/cli.js';
import { writePasswordFile } from '../support/repo.js';
import { tempDir } from '../support/tmp.js';

const BUCKET = 'clinic-offsite';
const s3dir = await tempDir('cb-s3e2e-');
const server = new S3rver({ address: '127.0.0.1', port: 0, silent: true, directory: s3dir, configureBuckets: [{ name: BUCKET }] });
const { port } = await server.run();
after(() => server.close());
const endpoint = `http://127.0.0.1:${port}`;
const s3 = new S3Client({ endpoint, region: 'sa-east-1', forcePathStyle: true, credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' } });
after(() => s3.destroy());
const AWS_ENV = { AWS_ACCESS_KEY_ID: 'S3RVER', AWS_SECRET_ACCESS_KEY: 'S3RVER', AWS_REGION: 'sa-east-1' };

async function flipS3Object(key: string): Promise<void> {
  const obj = await s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: key }));
  const bytes = Buffer.from(await obj.Body!.transformToByteArray());
  bytes[Math.floor(bytes.length / 2)] = (bytes[Math.floor(bytes.length / 2)] as number) ^ 1;
  await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: key, Body: bytes }));
}

test('local + S3 copies: a damaged pack on either is named by check --read-data and healed from the other by check --repair', async () => {
  const dir = await tempDir();
  const data = path.join(dir, 'export');
  await writeNdjsonDataset(data, { patients: 20, seed: 12 });
  const local = path.join(dir, 'repo');
  const offsite = `s3:${endpoint}/${BUCKET}/clinic-a`;
  const env = { ...AWS_ENV, CLINIC_BACKUP_REPO: local, CLINIC_BACKUP_PASSWORD_FILE: await writePasswordFile(dir), CLINIC_BACKUP_STATE_DIR: path.join(dir, 'state') };
  assert.equal((await runCli(['init'], env)).code, 0);
  assert.equal((await runCli(['backup', data], env)).code, 0);
  const rep = await runCli(['replicate', '--to', offsite, '--json'], env);
  assert.equal(rep.code, 0, rep.stdout + rep.stderr);
  assert.equal((JSON.parse(rep.stdout) as { complete: boolean }).complete, true);
  const again = JSON.parse((await runCli(['replicate', '--to', offsite, '--json'], env)).stdout) as { copied: number; skipped: number };
  // Only the audit entry recording the first replication is new; everything else is skipped.
  assert.equal(again.copied, 1);
  assert.ok(again.skipped >= 4, 'data, index, snapshot and audit files already there');

  // The S3 copy is a full repository: it checks clean and restores byte-identically on its own.
  const s3env = { ...env, CLINIC_BACKUP_REPO: offsite };
  assert.equal((await runCli(['check', '--read-data'], s3env)).code, 0);
  const fromS3 = path.join(dir, 'from-s3');
  assert.equal((await runCli(['restore', 'latest', '--target', fromS3, '--yes'], s3env)).code, 0);
  assert.ok((await compareNdjsonFolders(data, fromS3)).identical);

  // Damage on the local copy: named, then healed from S3.
  const prefix = (await readdir(path.join(local, 'data'))).sort()[0] as string;
  const pack = (await readdir(path.join(local, 'data', prefix)))[0] as string;
  const file = path.join(local, 'data', prefix, pack);
  const bytes = await readFile(file);
  bytes[100] = (bytes[100] as number) ^ 1;
  await writeFile(file, bytes);
  const bad = await runCli(['check', '--read-data', '--json'], env);
  assert.equal(bad.code, 3);
  assert.deepEqual(
    (JSON.parse(bad.stdout) as { problems: { file: string }[] }).problems.map((p) => p.file),
    [`data/${prefix}/${pack}`],
  );
  const repair = await runCli(['check', '--repair', '--from', offsite, '--json'], env);
  assert.equal(repair.code, 0, repair.stdout + repair.stderr);
  assert.deepEqual((JSON.parse(repair.stdout) as { repaired: string[] }).repaired, [`data/${prefix}/${pack}`]);
  assert.equal((await runCli(['check', '--read-data'], env)).code, 0);

  // Damage on the S3 copy: named by check on the S3 repository, healed from the local copy.
  const listed = await s3.send(new ListObjectsCommand({ Bucket: BUCKET, Prefix: 'clinic-a/data/' }));
  const key = (listed.Contents ?? [])[0]?.Key as string;
  await flipS3Object(key);
  const badS3 = await runCli(['check', '--read-data', '--json'], s3env);
  assert.equal(badS3.code, 3);
  assert.deepEqual(
    (JSON.parse(badS3.stdout) as { problems: { file: string }[] }).problems.map((p) => p.file),
    [key.replace('clinic-a/', '')],
  );
  assert.equal((await runCli(['check', '--repair', '--from', local], s3env)).code, 0);
  assert.equal((await runCli(['check', '--read-data'], s3env)).code, 0);
});

test('an S3 region outside Brazil needs an explicit acknowledgement at setup', async () => {
  const dir = await tempDir();
  const env = { ...AWS_ENV, AWS_REGION: 'us-east-1', CLINIC_BACKUP_PASSWORD_FILE: await writePasswordFile(dir), CLINIC_BACKUP_STATE_DIR: path.join(dir, 'state') };
  // An AWS bucket name (no endpoint) in us-east-1: refused before any request is made.
  const r = await runCli(['init', '--repo', 's3:clinic-bucket/x', '--json'], env);
  assert.equal(r.code, 1);
  assert.equal((JSON.parse(r.stdout) as { error: { code: string } }).error.code, 'RESIDENCY_NOT_ACKNOWLEDGED');
});

test('configured copies are updated after every backup; an unplugged drive is offline, not a failure; status shows 3-2-1-1-0', async () => {
  const dir = await tempDir();
  const data = path.join(dir, 'export');
  await writeNdjsonDataset(data, { patients: 5, seed: 4 });
  const nas = path.join(dir, 'nas');
  const unplugged = path.join(dir, 'media', 'usb-drive'); // its parent does not exist: the drive is not there
  const offsite = `s3:${endpoint}/${BUCKET}/clinic-b`;
  const env = {
    ...AWS_ENV,
    CLINIC_BACKUP_REPO: path.join(dir, 'repo'),
    CLINIC_BACKUP_PASSWORD_FILE: await writePasswordFile(dir),
    CLINIC_BACKUP_STATE_DIR: path.join(dir, 'state'),
    CLINIC_BACKUP_COPIES: [nas, unplugged, offsite].join(','),
  };
  assert.equal((await runCli(['init'], env)).code, 0);
  const b = await runCli(['backup', data, '--json'], env);
  assert.equal(b.code, 0, b.stdout + b.stderr);
  const copies = (JSON.parse(b.stdout) as { copies: { location: string; state: string }[] }).copies;
  assert.deepEqual(
    copies.map((c) => c.state),
    ['ok', 'offline', 'ok'],
  );
  // The NAS copy is a complete repository on its own.
  assert.equal((await runCli(['check', '--read-data'], { ...env, CLINIC_BACKUP_REPO: nas })).code, 0);
  const dests = JSON.parse((await runCli(['destinations', '--json'], env)).stdout) as { location: string; latestSnapshot: string | null; offline: boolean }[];
  const snap = (JSON.parse(b.stdout) as { snapshot: { id: string } }).snapshot.id;
  assert.equal(dests.find((d) => d.location === nas)?.latestSnapshot, snap);
  assert.equal(dests.find((d) => d.location === unplugged)?.offline, true);
  const status = JSON.parse((await runCli(['status', '--json'], env)).stdout) as { copies: { copies: number; offsite: number; text: string } };
  assert.equal(status.copies.offsite, 1);
  assert.equal(status.copies.copies, 4, 'server + the repository itself + NAS + S3 (the unplugged USB is not counted as current)');
});

test('an upload bandwidth limit is honoured (measured in real time)', async () => {
  const dir = await tempDir();
  const data = path.join(dir, 'export');
  // Format v2 stores this data in about a third of what version 1 needed: 120 patients give enough bytes to measure.
  await writeNdjsonDataset(data, { patients: 120, seed: 6 });
  const env = { ...AWS_ENV, CLINIC_BACKUP_REPO: path.join(dir, 'repo'), CLINIC_BACKUP_PASSWORD_FILE: await writePasswordFile(dir), CLINIC_BACKUP_STATE_DIR: path.join(dir, 'state') };
  assert.equal((await runCli(['init'], env)).code, 0);
  assert.equal((await runCli(['backup', data], env)).code, 0);
  const limit = 256; // KiB/s
  const started = Date.now();
  const r = await runCli(['replicate', '--to', `s3:${endpoint}/${BUCKET}/limited`, '--limit-upload', String(limit), '--json'], env);
  const seconds = (Date.now() - started) / 1000;
  assert.equal(r.code, 0, r.stderr);
  const bytes = (JSON.parse(r.stdout) as { bytes: number }).bytes;
  assert.ok(bytes > 600 * 1024, `enough data to measure (${bytes} bytes)`);
  // One second of burst is allowed, the rest is paced: the copy cannot be faster than the limit allows.
  const minimum = bytes / (limit * 1024) - 1;
  assert.ok(seconds >= minimum, `took ${seconds.toFixed(1)} s for ${bytes} bytes at ${limit} KiB/s (at least ${minimum.toFixed(1)} s)`);
});

test('S3 credentials can live in the secret store (named s3:<bucket>:…) instead of AWS_* variables', async () => {
  const dir = await tempDir();
  const data = path.join(dir, 'export');
  await writeNdjsonDataset(data, { patients: 3, seed: 9 });
  const secretsDir = path.join(dir, 'secrets');
  await (await import('node:fs/promises')).mkdir(secretsDir, { mode: 0o700 });
  const env = {
    AWS_REGION: 'sa-east-1',
    CLINIC_BACKUP_REPO: path.join(dir, 'repo'),
    CLINIC_BACKUP_PASSWORD_FILE: await writePasswordFile(dir),
    CLINIC_BACKUP_SECRETS_DIR: secretsDir,
    CLINIC_BACKUP_STATE_DIR: path.join(dir, 'state'),
    AWS_ACCESS_KEY_ID: '',
    AWS_SECRET_ACCESS_KEY: '',
    AWS_SHARED_CREDENTIALS_FILE: path.join(dir, 'none'),
    AWS_CONFIG_FILE: path.join(dir, 'none'),
  };
  assert.equal((await runCli(['init'], env)).code, 0);
  assert.equal((await runCli(['backup', data], env)).code, 0);
  const target = `s3:${endpoint}/${BUCKET}/from-store`;
  const denied = await runCli(['replicate', '--to', target, '--json'], env);
  assert.equal(denied.code, 1, 'without credentials the copy is refused');
  const id = path.join(dir, 'id');
  const secret = path.join(dir, 'secret');
  await writeFile(id, 'S3RVER', { mode: 0o600 });
  await writeFile(secret, 'S3RVER', { mode: 0o600 });
  assert.equal((await runCli(['secrets', 'set', `s3:${BUCKET}:access-key-id`, '--from-file', id], env)).code, 0);
  assert.equal((await runCli(['secrets', 'set', `s3:${BUCKET}:secret-access-key`, '--from-file', secret], env)).code, 0);
  const ok = await runCli(['replicate', '--to', target, '--json'], env);
  assert.equal(ok.code, 0, ok.stdout + ok.stderr);
});

test('a copy in a region outside Brazil is refused without the acknowledgement, and nothing is stored', async () => {
  const dir = await tempDir();
  const env = {
    ...AWS_ENV,
    AWS_REGION: 'us-east-1',
    CLINIC_BACKUP_REPO: path.join(dir, 'repo'),
    CLINIC_BACKUP_PASSWORD_FILE: await writePasswordFile(dir),
    CLINIC_BACKUP_STATE_DIR: path.join(dir, 'state'),
    CLINIC_BACKUP_LANG: 'en',
  };
  assert.equal((await runCli(['init'], env)).code, 0);
  // The AWS form (no endpoint) in us-east-1: refused before any request is made. (The acknowledged path needs a
  // real non-Brazilian endpoint, which tests may not reach; loopback S3 counts as a private endpoint.)
  const refused = await runCli(['replicate', '--to', 's3:some-aws-bucket/x', '--json'], env);
  assert.equal((JSON.parse(refused.stdout) as { error: { code: string } }).error.code, 'RESIDENCY_NOT_ACKNOWLEDGED');
  const settings = JSON.parse((await runCli(['settings', '--json'], env)).stdout) as Record<string, unknown>;
  assert.equal(JSON.stringify(settings).includes('some-aws-bucket'), false, 'nothing stored without the acknowledgement');
});

test('destinations add s3: tested with the key from a file, refused with a wrong key (nothing saved), then kept across runs and removed', async () => {
  const dir = await tempDir();
  const data = path.join(dir, 'export');
  await writeNdjsonDataset(data, { patients: 3, seed: 4 });
  const secretsDir = path.join(dir, 'secrets');
  await (await import('node:fs/promises')).mkdir(secretsDir, { mode: 0o700 });
  // No AWS_* variables: the copy works only with the key given to `destinations add`.
  const env = {
    CLINIC_BACKUP_REPO: path.join(dir, 'repo'),
    CLINIC_BACKUP_PASSWORD_FILE: await writePasswordFile(dir),
    CLINIC_BACKUP_SECRETS_DIR: secretsDir,
    CLINIC_BACKUP_STATE_DIR: path.join(dir, 'state'),
    CLINIC_BACKUP_LANG: 'en',
    AWS_ACCESS_KEY_ID: '',
    AWS_SECRET_ACCESS_KEY: '',
    AWS_SHARED_CREDENTIALS_FILE: path.join(dir, 'none'),
    AWS_CONFIG_FILE: path.join(dir, 'none'),
  };
  assert.equal((await runCli(['init'], env)).code, 0);
  const keyFile = path.join(dir, 'secret-key');
  await writeFile(keyFile, 'cli-secret-key-value-77\n', { mode: 0o600 });
  const add = ['destinations', 'add', 's3', '--endpoint', endpoint, '--bucket', BUCKET, '--prefix', 'from-cli', '--region', 'sa-east-1', '--from-file', keyFile, '--json'];
  const wrong = await runCli([...add, '--access-key-id', 'NOT-THE-KEY'], env);
  assert.equal(wrong.code, 1);
  assert.equal((JSON.parse(wrong.stdout) as { error: { code: string } }).error.code, 'S3_AUTH');
  assert.equal(wrong.stdout.includes('cli-secret-key-value-77') || wrong.stderr.includes('cli-secret-key-value-77'), false);
  assert.deepEqual(JSON.parse((await runCli(['secrets', 'list', '--json'], env)).stdout), [], 'nothing stored');
  const ok = await runCli([...add, '--access-key-id', 'S3RVER'], env);
  assert.equal(ok.code, 0, ok.stdout + ok.stderr);
  const location = (JSON.parse(ok.stdout) as { location: string }).location;
  assert.equal(location, `s3:${endpoint}/${BUCKET}/from-cli`);
  const backup = await runCli(['backup', data, '--json'], env);
  assert.equal(backup.code, 0, backup.stdout + backup.stderr);
  assert.deepEqual(
    (JSON.parse(backup.stdout) as { copies: { state: string }[] }).copies.map((c) => c.state),
    ['ok'],
  );
  const listed = JSON.parse((await runCli(['destinations', '--json'], env)).stdout) as { location: string; lastSuccessAt: string | null }[];
  assert.equal(listed[0]?.location, location);
  assert.ok(listed[0]?.lastSuccessAt);
  const removed = await runCli(['destinations', 'remove', location, '--json'], env);
  assert.equal(removed.code, 0, removed.stdout + removed.stderr);
  assert.deepEqual(JSON.parse((await runCli(['destinations', '--json'], env)).stdout), []);
  assert.equal((await runCli(['destinations', 'remove', location], env)).code, 1, 'not a copy any more');
  const usage = await runCli(['destinations', 'add', 's3', '--bucket', BUCKET], env);
  assert.equal(usage.code, 2);
});
