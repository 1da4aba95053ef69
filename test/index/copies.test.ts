/**
 * Copies added from the user interface (addCopy/removeCopy), patient search by name (findPatients) and
 * retention settings, against a real s3rver on loopback, real folders, real SQLite and a file secret store.
 */
import assert from 'node:assert/strict';
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { after, test } from 'node:test';
import S3rver from 's3rver';
import { createEngine, type Engine } from '../../src/index.js';
import { writeNdjsonDataset } from '../../src/sandbox/synthetic.js';
import { isEngineError } from '../../src/shared/errors.js';
import { closedPort } from '../support/fhir.js';
import { writePasswordFile } from '../support/repo.js';
import { tempDir } from '../support/tmp.js';

const BUCKET = 'clinic-copies';
const s3dir = await tempDir('cb-copies-s3-');
const server = new S3rver({ address: '127.0.0.1', port: 0, silent: true, directory: s3dir, configureBuckets: [{ name: BUCKET }, { name: 'other-clinic' }] });
const { port } = await server.run();
after(() => server.close());
const endpoint = `http://127.0.0.1:${port}`;
const SECRET = 'S3RVER';

async function setup(): Promise<{ dir: string; engine: Engine; make: () => Engine; secretsDir: string; data: string }> {
  const dir = await tempDir('cb-copies-');
  const secretsDir = path.join(dir, 'secrets');
  await mkdir(secretsDir, { mode: 0o700 });
  const passwordFile = await writePasswordFile(dir);
  const make = (): Engine => createEngine({ repo: path.join(dir, 'repo'), passwordFile, secretsDir, stateDir: path.join(dir, 'state'), locale: 'en' });
  const engine = make();
  await engine.init({ useKeychain: false });
  const data = path.join(dir, 'export');
  await writeNdjsonDataset(data, { patients: 4, seed: 5 });
  return { dir, engine, make, secretsDir, data };
}

async function secretFiles(secretsDir: string): Promise<string> {
  const names = await readdir(secretsDir);
  return (await Promise.all(names.map((n) => readFile(path.join(secretsDir, n), 'utf8')))).join('\n') + names.join('\n');
}

test('an S3 copy is tested with the credentials given, then stored; the next backup fills it; a restart keeps it', async () => {
  const { engine, make, secretsDir, data, dir } = await setup();
  try {
    const added = await engine.addCopy({ kind: 's3', endpoint, bucket: BUCKET, prefix: 'clinic-a', region: 'sa-east-1', accessKeyId: 'S3RVER', secretAccessKey: SECRET, label: 'Offsite' });
    assert.equal(added.location, `s3:${endpoint}/${BUCKET}/clinic-a`);
    assert.equal(added.existing, false);
    assert.equal(added.residency, 'brazilian-region');
    const settings = await engine.getSettings();
    assert.deepEqual(
      settings.copies?.map((c) => [c.location, c.kind, c.offsite, c.region]),
      [[added.location, 's3', true, 'sa-east-1']],
    );
    assert.equal(JSON.stringify(settings).includes(SECRET), false, 'settings hold where the copy is, never its credentials');
    assert.deepEqual(await engine.listSecrets(), ['s3:clinic-copies:access-key-id', 's3:clinic-copies:secret-access-key']);
    assert.match(await secretFiles(secretsDir), /S3RVER/, 'the credentials are in the secret store');
    const audit = await engine.auditLog();
    assert.ok(audit.some((a) => a.action === 'copy.added'));

    const r = await engine.backupNdjson(data);
    assert.deepEqual(
      r.copies?.map((c) => c.state),
      ['ok'],
      'replicated after the backup',
    );
    const status = await engine.status();
    assert.equal(status.destinations.length, 1);
    assert.ok(status.destinations[0]?.lastSuccessAt, 'the copy is up to date');
    await engine.close();

    // A new process (the app restarted) knows the copy from settings and its credentials from the store.
    const again = make();
    try {
      const r2 = await again.backupNdjson(data);
      assert.deepEqual(
        r2.copies?.map((c) => c.state),
        ['ok'],
      );
      const repaired = await again.checkAndRepair({});
      assert.equal(repaired.ok, true);
      assert.deepEqual((await again.removeCopy(added.location)).removed, true);
      assert.deepEqual((await again.getSettings()).copies, []);
      assert.deepEqual(await again.listSecrets(), [], 'its credentials are forgotten');
      const r3 = await again.backupNdjson(data);
      assert.equal(r3.copies, undefined, 'no more replication to it');
    } finally {
      await again.close();
    }
    void dir;
  } finally {
    await engine.close().catch(() => undefined);
  }
});

test('adding a copy that fails its test saves nothing: wrong key, missing bucket, unreachable, residency, another repository', async () => {
  const { engine, secretsDir } = await setup();
  try {
    const before = JSON.stringify(await engine.getSettings());
    const base = { kind: 's3' as const, endpoint, bucket: BUCKET, prefix: 'fails', region: 'sa-east-1', accessKeyId: 'S3RVER', secretAccessKey: SECRET };
    // (s3rver knows one key pair and checks the key id; a wrong secret is what AWS rejects the same way.)
    await assert.rejects(engine.addCopy({ ...base, accessKeyId: 'WRONGKEY', secretAccessKey: 'wrong-secret-value' }), (e) => isEngineError(e, 'S3_AUTH'));
    await assert.rejects(engine.addCopy({ ...base, bucket: 'no-such-bucket' }), (e) => isEngineError(e, 'S3_BUCKET_MISSING'));
    await assert.rejects(engine.addCopy({ ...base, endpoint: `http://127.0.0.1:${await closedPort()}` }), (e) => isEngineError(e, 'DEST_OFFLINE'));
    // AWS (no endpoint) outside Brazil without the acknowledgement: refused before any request.
    await assert.rejects(engine.addCopy({ ...base, endpoint: '', region: 'us-east-1' }), (e) => isEngineError(e, 'RESIDENCY_NOT_ACKNOWLEDGED'));
    await assert.rejects(engine.addCopy({ ...base, bucket: 'Bad_Bucket' }), (e) => isEngineError(e, 'INVALID_ARGUMENT') && e.details['field'] === 'bucket');
    await assert.rejects(engine.addCopy({ ...base, endpoint: 'http://user:pw@127.0.0.1:1' }), (e) => isEngineError(e, 'INVALID_ARGUMENT') && e.details['field'] === 'endpoint');
    await assert.rejects(engine.addCopy({ ...base, accessKeyId: ' ' }), (e) => isEngineError(e, 'INVALID_ARGUMENT') && e.details['field'] === 'accessKeyId');

    // A prefix holding another clinic's repository is not taken over.
    const other = await setup();
    try {
      await other.engine.addCopy({ ...base, bucket: 'other-clinic', prefix: 'theirs' });
    } finally {
      await other.engine.close();
    }
    await assert.rejects(engine.addCopy({ ...base, bucket: 'other-clinic', prefix: 'theirs' }), (e) => isEngineError(e, 'REPO_MARKER_MISMATCH'));

    assert.equal(JSON.stringify(await engine.getSettings()), before, 'nothing saved');
    assert.deepEqual(await engine.listSecrets(), [], 'no credential stored');
    assert.equal((await secretFiles(secretsDir)).includes('S3RVER'), false);
    assert.ok(!(await engine.auditLog()).some((a) => a.action === 'copy.added'));
    const failure = await engine.addCopy({ ...base, accessKeyId: 'WRONGKEY', secretAccessKey: 'wrong-secret-value' }).catch((x: unknown) => x);
    assert.equal(JSON.stringify(failure).includes('wrong-secret-value') || String(failure).includes('wrong-secret-value'), false, 'the secret is in no error');
  } finally {
    await engine.close();
  }
});

test('a second drive is added as a copy; the same location twice is refused; a copy given on the command line cannot be removed here', async () => {
  const { engine, dir, data } = await setup();
  try {
    const usb = path.join(dir, 'usb');
    await mkdir(usb);
    const added = await engine.addCopy({ kind: 'usb', path: usb, rotateDays: 7 });
    assert.equal(added.kind, 'usb');
    await assert.rejects(engine.addCopy({ kind: 'nas', path: usb }), (e) => isEngineError(e, 'INVALID_ARGUMENT'));
    await assert.rejects(engine.addCopy({ kind: 'nas', path: path.join(dir, 'repo') }), (e) => isEngineError(e, 'INVALID_ARGUMENT'));
    const r = await engine.backupNdjson(data);
    assert.deepEqual(
      r.copies?.map((c) => c.state),
      ['ok'],
    );
    assert.ok((await readdir(usb)).includes('config'), 'the drive holds the repository');
    // A folder with other files is not a destination.
    const busy = path.join(dir, 'busy');
    await mkdir(path.join(busy, 'data'), { recursive: true });
    await writeFile(path.join(busy, 'data', 'somebody-else'), 'x');
    await writeFile(path.join(busy, 'keys'), 'x');
    await assert.rejects(engine.addCopy({ kind: 'nas', path: busy }));
  } finally {
    await engine.close();
  }
  const fromFlags = path.join(dir, 'flag-copy');
  const withFlag = createEngine({
    repo: path.join(dir, 'repo'),
    passwordFile: path.join(dir, 'password'),
    secretsDir: path.join(dir, 'secrets'),
    stateDir: path.join(dir, 'state'),
    copies: [fromFlags],
  });
  try {
    await assert.rejects(withFlag.removeCopy(fromFlags), (e) => isEngineError(e, 'INVALID_ARGUMENT'));
    assert.equal((await withFlag.removeCopy('/not/a/copy')).removed, false);
  } finally {
    await withFlag.close();
  }
});

test('findPatients: by name without accents, by id, several words, a limit and a total', async () => {
  const { engine, data } = await setup();
  try {
    await engine.backupNdjson(data);
    const all = await engine.findPatients({ query: '' });
    assert.equal(all.total, 4);
    const first = all.patients[0];
    assert.ok(first && first.name.length > 0, 'names are read from the Patient resources');
    assert.deepEqual(
      all.patients.map((p) => p.name),
      [...all.patients.map((p) => p.name)].sort((a, b) => a.localeCompare(b)),
      'sorted by name',
    );
    const word = (first.name.split(' ')[0] ?? '')
      .normalize('NFD')
      .replace(/[\u0300-\u036f]/g, '')
      .toUpperCase();
    const byName = await engine.findPatients({ query: word.slice(0, 3) });
    assert.ok(
      byName.patients.some((p) => p.id === first.id),
      `a prefix of "${first.name}" without accents finds it`,
    );
    const byId = await engine.findPatients({ query: first.id });
    assert.deepEqual(
      byId.patients.map((p) => p.id),
      [first.id],
    );
    const none = await engine.findPatients({ query: 'zzzz qqqq' });
    assert.equal(none.total, 0);
    const limited = await engine.findPatients({ query: '', limit: 2 });
    assert.equal(limited.patients.length, 2);
    assert.equal(limited.total, 4);
    await assert.rejects(engine.findPatients({ query: 'x', snapshot: 'ffffffff' }), (e) => isEngineError(e, 'SNAPSHOT_NOT_FOUND'));
  } finally {
    await engine.close();
  }
});

test('retention is editable in settings; below the legal floor is refused and nothing changes', async () => {
  const { engine } = await setup();
  try {
    const before = await engine.getSettings();
    assert.equal(before.retention?.legalFloorYears, 20);
    const saved = await engine.updateSettings({ retention: { keepDaily: 45 } });
    assert.equal(saved.retention?.keepDaily, 45);
    assert.equal(saved.retention?.keepMonthly, before.retention?.keepMonthly, 'other rules kept');
    await assert.rejects(engine.updateSettings({ retention: { legalFloorYears: 5 } }), (e) => isEngineError(e, 'RETENTION_LEGAL_FLOOR'));
    await assert.rejects(engine.updateSettings({ retention: { keepDaily: -7 } }), (e) => isEngineError(e, 'INVALID_SETTINGS'));
    assert.deepEqual((await engine.getSettings()).retention, saved.retention);
    const plan = await engine.forget({ dryRun: true });
    assert.ok(Array.isArray(plan.decisions), 'the stored policy is the one forget uses');
    // Settings read back and written again (CLI `settings` → `settings set`) are accepted unchanged.
    await engine.updateSettings(await engine.getSettings());
  } finally {
    await engine.close();
  }
});
