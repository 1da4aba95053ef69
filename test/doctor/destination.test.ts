// Doctor checks of destinations against real folders (with and without the repository marker, missing,
// not writable for the user running the check) and a real S3-compatible server (s3rver) on 127.0.0.1.
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { chmod, mkdir, readdir } from 'node:fs/promises';
import path from 'node:path';
import S3rver from 's3rver';
import { runDoctor } from '../../src/doctor/doctor.js';
import { s3BucketRegion } from '../../src/doctor/destination.js';
import { LocalBackend } from '../../src/backend/local/localBackend.js';
import { S3Backend, type S3BackendOptions } from '../../src/backend/s3/s3Backend.js';
import { tempDir } from '../support/tmp.js';
import { freePort } from '../alerts/support.js';
import { only, runDoctorInChild } from './support.js';

const CONFIG = { kind: 'config', name: 'config' } as const;

/** A folder holding a repository marker, as `init` leaves it. */
async function repoFolder(): Promise<string> {
  const root = path.join(await tempDir('cb-doctor-dest-'), 'backup');
  const b = await LocalBackend.create(root);
  await b.write(CONFIG, Buffer.from('{"version":1}'));
  await b.close();
  return root;
}

describe('doctor: local destination', () => {
  it('a connected, writable folder with space passes all three checks and leaves nothing behind', async () => {
    const root = await repoFolder();
    const before = (await readdir(root)).sort();
    const r = await runDoctor({ destinations: [{ id: 'nas', label: 'NAS', kind: 'local', path: root }], limits: { minFreeBytes: 1, diskFailPercent: 100, diskWarnPercent: 100 } });
    assert.deepEqual(
      r.checks.map((c) => [c.id, c.subject, c.status]),
      [
        ['destination.mounted', 'nas', 'pass'],
        ['destination.writable', 'nas', 'pass'],
        ['destination.space', 'nas', 'pass'],
      ],
    );
    const space = only(r, 'destination.space');
    assert.ok(Number(space.params['totalBytes']) > 0 && Number(space.params['freeBytes']) > 0);
    assert.equal(space.params['destination'], 'NAS');
    assert.deepEqual((await readdir(root)).sort(), before, 'the write test removed its file');
  });

  it('a folder without the marker (drive not mounted): markerMissing; writing and space are not checked', async () => {
    const empty = path.join(await tempDir('cb-doctor-dest-'), 'mnt-usb');
    await mkdir(empty);
    const r = await runDoctor({ destinations: [{ id: 'usb', kind: 'local', path: empty }] });
    const c = only(r, 'destination.mounted');
    assert.deepEqual([c.status, c.detailKey, c.fixKey, c.severity], ['fail', 'doctor.destination.mounted.markerMissing', 'doctor.fix.markerMissing', 'high']);
    assert.equal(only(r, 'destination.writable').status, 'skip');
    assert.equal(only(r, 'destination.space').status, 'skip');
    assert.deepEqual(await readdir(empty), [], 'nothing was written into the empty mount point');
  });

  it('a missing folder: offline', async () => {
    const gone = path.join(await tempDir('cb-doctor-dest-'), 'no', 'such', 'share');
    const c = only(await runDoctor({ destinations: [{ id: 'nas', kind: 'local', path: gone }] }), 'destination.mounted');
    assert.deepEqual([c.status, c.detailKey, c.fixKey], ['fail', 'doctor.destination.mounted.offline', 'doctor.fix.destOffline']);
  });

  it('a folder the user may read but not write: writable fails with a permission fix', async () => {
    const root = await repoFolder();
    // Readable by everyone, writable by the owner only; the check runs as another user (as root, chmod alone does not stop writes).
    await chmod(path.dirname(root), 0o755);
    await chmod(root, 0o755);
    const input = { destinations: [{ id: 'nas', kind: 'local' as const, path: root }] };
    const asRoot = process.getuid?.() === 0;
    const r = asRoot
      ? await runDoctorInChild(input, { uid: 65534, gid: 65534 })
      : await (async () => {
          await chmod(root, 0o555);
          after(() => chmod(root, 0o755));
          return runDoctor(input);
        })();
    assert.equal(only(r, 'destination.mounted').status, 'pass');
    const c = only(r, 'destination.writable');
    assert.deepEqual([c.status, c.detailKey, c.fixKey, c.params['code']], ['fail', 'doctor.destination.writable.permission', 'doctor.fix.destPermission', 'DEST_PERMISSION']);
  });

  it('space: fails below the minimum free space, warns above the usage limit (real statfs figures)', async () => {
    const root = await repoFolder();
    const fail = only(await runDoctor({ destinations: [{ id: 'nas', kind: 'local', path: root }], limits: { minFreeBytes: Number.MAX_SAFE_INTEGER } }), 'destination.space');
    assert.deepEqual([fail.status, fail.severity, fail.detailKey, fail.fixKey], ['fail', 'high', 'doctor.destination.space.almostFull', 'doctor.fix.destFull']);
    const warn = only(await runDoctor({ destinations: [{ id: 'nas', kind: 'local', path: root }], limits: { minFreeBytes: 0, diskWarnPercent: 0, diskFailPercent: 100 } }), 'destination.space');
    assert.deepEqual([warn.status, warn.severity, warn.detailKey, warn.fixKey], ['warn', 'medium', 'doctor.destination.space.filling', 'doctor.fix.destFilling']);
  });
});

const BUCKET = 'clinic-doctor';
const CREDENTIALS = { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' }; // s3rver's built-in account
const s3dir = await tempDir('cb-doctor-s3-');
const server = new S3rver({ address: '127.0.0.1', port: 0, silent: true, directory: s3dir, configureBuckets: [{ name: BUCKET }] });
const endpoint = `http://127.0.0.1:${(await server.run()).port}`;
after(() => server.close());

describe('doctor: S3 destination on s3rver', () => {
  let counter = 0;

  function options(extra: Partial<S3BackendOptions> = {}): S3BackendOptions {
    return { endpoint, bucket: BUCKET, prefix: `repo-${++counter}`, forcePathStyle: true, credentials: CREDENTIALS, listApi: 'v1', requestTimeoutMs: 3000, region: 'us-east-1', ...extra };
  }

  async function withMarker(extra: Partial<S3BackendOptions> = {}): Promise<S3BackendOptions> {
    const o = options(extra);
    const b = await S3Backend.create(o);
    await b.write(CONFIG, Buffer.from('{"version":1}'));
    await b.close();
    return o;
  }

  it('reachable with the marker and in the configured region: both pass', async () => {
    const o = await withMarker();
    const r = await runDoctor({ destinations: [{ id: 'cloud', label: 'Nuvem', kind: 's3', options: o }] });
    assert.deepEqual(
      r.checks.map((c) => [c.id, c.status]),
      [
        ['destination.s3.reachable', 'pass'],
        ['destination.s3.region', 'pass'],
      ],
    );
    assert.equal(only(r, 'destination.s3.region').params['actual'], 'us-east-1');
    assert.ok(!JSON.stringify(r).includes('S3RVER'), 'no credentials in the report');
  });

  it('a region other than the configured one: a low warning on an S3-compatible endpoint', async () => {
    const o = await withMarker({ region: 'sa-east-1' });
    const c = only(await runDoctor({ destinations: [{ id: 'cloud', kind: 's3', options: o }] }), 'destination.s3.region');
    assert.deepEqual(
      [c.status, c.severity, c.detailKey, c.params['actual'], c.params['configured'], c.fixKey],
      ['warn', 'low', 'doctor.destination.s3.region.differs', 'us-east-1', 'sa-east-1', 'doctor.fix.s3RegionOther'],
    );
    assert.equal(await s3BucketRegion(o), 'us-east-1', 'GetBucketLocation: an empty constraint is us-east-1');
  });

  it('no marker under the prefix: markerMissing (the region is still checked)', async () => {
    const r = await runDoctor({ destinations: [{ id: 'cloud', kind: 's3', options: options() }] });
    const c = only(r, 'destination.s3.reachable');
    assert.deepEqual([c.status, c.detailKey, c.fixKey], ['fail', 'doctor.destination.s3.reachable.markerMissing', 'doctor.fix.s3MarkerMissing']);
    assert.equal(only(r, 'destination.s3.region').status, 'pass');
  });

  it('a bucket that does not exist: bucketMissing, region skipped', async () => {
    const r = await runDoctor({ destinations: [{ id: 'cloud', kind: 's3', options: options({ bucket: 'no-such-bucket' }) }] });
    const c = only(r, 'destination.s3.reachable');
    assert.deepEqual([c.status, c.detailKey, c.fixKey], ['fail', 'doctor.destination.s3.reachable.bucketMissing', 'doctor.fix.s3BucketMissing']);
    assert.equal(only(r, 'destination.s3.region').status, 'skip');
  });

  it('wrong credentials: auth', async () => {
    const secret = 'wrong-secret-key-77aa';
    const r = await runDoctor({ destinations: [{ id: 'cloud', kind: 's3', options: options({ credentials: { accessKeyId: 'NOBODY', secretAccessKey: secret } }) }] });
    const c = only(r, 'destination.s3.reachable');
    assert.deepEqual([c.status, c.detailKey, c.fixKey], ['fail', 'doctor.destination.s3.reachable.auth', 'doctor.fix.s3Auth']);
    assert.ok(!JSON.stringify(r).includes(secret));
  });

  it('nothing listening: offline', async () => {
    const o: S3BackendOptions = { endpoint: `http://127.0.0.1:${await freePort()}`, bucket: BUCKET, prefix: 'x', forcePathStyle: true, credentials: CREDENTIALS, requestTimeoutMs: 2000 };
    const r = await runDoctor({ destinations: [{ id: 'cloud', kind: 's3', options: o }] });
    const c = only(r, 'destination.s3.reachable');
    assert.deepEqual([c.status, c.detailKey, c.fixKey], ['fail', 'doctor.destination.s3.reachable.offline', 'doctor.fix.s3Offline']);
  });
});
