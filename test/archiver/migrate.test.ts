import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { test } from 'node:test';
import { LocalBackend } from '../../src/backend/local/localBackend.js';
import { parseRecoveryKey } from '../../src/crypto/recoveryKey.js';
import { Repository } from '../../src/repository/repository.js';
import { compareNdjsonFolders } from '../../src/restorer/compareNdjson.js';
import { ROOT, runCli } from '../support/cli.js';
import { tempDir } from '../support/tmp.js';
import { v1Copy, type V1Copy } from '../support/v1fixture.js';

interface SnapshotLine {
  id: string;
  time: string;
  resources: number;
  hostname: string;
  source: { kind: string; location: string };
}

function envOf(v1: V1Copy, dir: string): NodeJS.ProcessEnv {
  return { CLINIC_BACKUP_REPO: v1.root, CLINIC_BACKUP_PASSWORD_FILE: v1.passwordFile, CLINIC_BACKUP_STATE_DIR: path.join(dir, 'state') };
}

async function snapshotsOf(env: NodeJS.ProcessEnv): Promise<SnapshotLine[]> {
  const r = await runCli(['snapshots', '--json'], env);
  assert.equal(r.code, 0, r.stderr);
  return JSON.parse(r.stdout) as SnapshotLine[];
}

/** Both snapshots restore to folders equal to the data they were made from. */
async function assertRestoresIdentical(v1: V1Copy, env: NodeJS.ProcessEnv, dir: string, label: string): Promise<void> {
  const snaps = await snapshotsOf(env);
  assert.equal(snaps.length, 2, `${label}: two snapshots`);
  for (let i = 0; i < 2; i++) {
    const target = path.join(dir, `restore-${label}-${i}`);
    const r = await runCli(['restore', (snaps[i] as SnapshotLine).id, '--target', target, '--yes'], env);
    assert.equal(r.code, 0, r.stdout + r.stderr);
    const cmp = await compareNdjsonFolders(v1.data[i] as string, target);
    assert.ok(cmp.identical, `${label}: snapshot ${i + 1} restores byte-identically (${JSON.stringify(cmp)})`);
  }
}

async function configVersion(root: string): Promise<number> {
  return (JSON.parse(await readFile(path.join(root, 'config'), 'utf8')) as { version: number }).version;
}

test('the committed version 1 repository: listed, checked, restored byte-identically (passphrase and recovery words); a backup into it names migrate', async () => {
  const dir = await tempDir();
  const v1 = await v1Copy(dir);
  const env = envOf(v1, dir);
  assert.equal(await configVersion(v1.root), 1);
  const snaps = await snapshotsOf(env);
  assert.deepEqual(
    snaps.map((s) => s.source.kind),
    ['ndjson', 'ndjson'],
  );
  const check = await runCli(['check', '--read-data', '--json'], env);
  assert.equal(check.code, 0, check.stdout + check.stderr);
  await assertRestoresIdentical(v1, env, dir, 'v1');
  // One patient of the shared observation: its record includes the resource shared with another patient.
  const patients = (await readFile(path.join(v1.data[0], 'Patient.ndjson'), 'utf8'))
    .trim()
    .split('\n')
    .map((l) => (JSON.parse(l) as { id: string }).id);
  const ls = JSON.parse((await runCli(['ls', 'latest', '--patient', patients[1] as string, '--json'], env)).stdout) as { resources: { type: string; id: string }[] };
  assert.ok(
    ls.resources.some((r) => r.id === 'shared-obs-1'),
    'the performer patient holds the shared observation',
  );
  const backup = await runCli(['backup', v1.data[1]], env);
  assert.equal(backup.code, 1);
  assert.match(backup.stderr, /REPO_NEEDS_MIGRATION/);
  assert.match(backup.stderr, /clinic-backup migrate/);
  assert.equal(await configVersion(v1.root), 1, 'nothing written');
  const words = v1.recoveryWords.flat().join(' ');
  const byWords = await Repository.open(await LocalBackend.open(v1.root), { recoveryKey: Buffer.from(parseRecoveryKey(words)) });
  assert.equal(byWords.openedWith?.kind, 'recovery');
  assert.equal((await byWords.listSnapshots()).length, 2);
});

test('migrate converts it in place: version 2, same snapshots and metadata, byte-identical restores, keys and audit kept, version 1 files gone; a rerun is a no-op', async () => {
  const dir = await tempDir();
  const v1 = await v1Copy(dir);
  const env = envOf(v1, dir);
  const before = await snapshotsOf(env);
  // A copy on a USB drive made before the migration.
  const usb = path.join(dir, 'usb');
  assert.equal((await runCli(['replicate', '--to', usb], env)).code, 0);
  const keysBefore = (await readdir(path.join(v1.root, 'keys'))).sort();
  const auditBefore = (await readdir(path.join(v1.root, 'audit'))).sort();
  const r = await runCli(['migrate', '--json'], env);
  assert.equal(r.code, 0, r.stdout + r.stderr);
  const result = JSON.parse(r.stdout) as { migrated: number; alreadyMigrated: number; deletedFiles: number };
  assert.equal(result.migrated, 2);
  assert.ok(result.deletedFiles >= 2 + 2, 'the version 1 snapshots, index files and packs');
  const config = JSON.parse(await readFile(path.join(v1.root, 'config'), 'utf8')) as { version: number; migrated?: string; id: string };
  assert.equal(config.version, 2);
  assert.ok(config.migrated);
  const after = await snapshotsOf(env);
  assert.deepEqual(
    after.map((s) => [s.time, s.resources, s.hostname, s.source.location]),
    before.map((s) => [s.time, s.resources, s.hostname, s.source.location]),
  );
  const repo = await Repository.open(await LocalBackend.open(v1.root), { passphrase: v1.passphrase });
  const snaps = await repo.listSnapshots();
  assert.deepEqual(
    snaps.map((s) => (s.manifest.version === 2 ? s.manifest.migratedFrom : null)),
    before.map((s) => s.id),
  );
  assert.ok(snaps.every((s) => s.manifest.version === 2));
  // Every file left is a version 2 file, except the key slots and audit entries that carry over unchanged.
  for (const kind of ['snapshots', 'index']) {
    for (const f of await readdir(path.join(v1.root, kind))) assert.equal((await readFile(path.join(v1.root, kind, f)))[2], 2, `${kind}/${f} is version 2`);
  }
  assert.deepEqual((await readdir(path.join(v1.root, 'keys'))).sort(), keysBefore);
  const auditAfter = await readdir(path.join(v1.root, 'audit'));
  assert.ok(
    auditBefore.every((a) => auditAfter.includes(a)),
    'audit entries kept',
  );
  const check = await runCli(['check', '--read-data', '--json'], env);
  assert.equal(check.code, 0, check.stdout + check.stderr);
  await assertRestoresIdentical(v1, env, dir, 'v2');
  // The next replication brings the copy along: version 2 once every new file is there.
  const rep = await runCli(['replicate', '--to', usb, '--json'], env);
  assert.equal(rep.code, 0, rep.stdout + rep.stderr);
  assert.equal(await configVersion(usb), 2);
  const usbEnv = { ...env, CLINIC_BACKUP_REPO: usb };
  assert.equal((await runCli(['check', '--read-data'], usbEnv)).code, 0);
  assert.deepEqual(
    (await snapshotsOf(usbEnv)).map((s) => s.time),
    before.map((s) => s.time),
  );
  const again = await runCli(['migrate', '--json'], env);
  assert.equal(again.code, 0, again.stderr);
  assert.deepEqual(JSON.parse(again.stdout), { migrated: 0, alreadyMigrated: 0, deletedFiles: 0, wasVersion2: true });
  // Backups go on in the migrated repository, deduplicated against the migrated data.
  const b = await runCli(['backup', v1.data[1], '--json'], env);
  assert.equal(b.code, 0, b.stderr);
  assert.equal((JSON.parse(b.stdout) as { snapshot: { added: number; changed: number } }).snapshot.added, 0);
});

/** Runs migrate in a child that kills itself with SIGKILL at `step`. */
function migrateKilledAt(v1: V1Copy, step: string): Promise<NodeJS.Signals | null> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', path.join('test', 'support', 'migrateChild.ts'), v1.root, v1.passphrase, step], { cwd: ROOT, stdio: 'ignore' });
    const timer = setTimeout(() => child.kill('SIGKILL'), 120_000);
    child.on('error', reject);
    child.on('exit', (_code, signal) => {
      clearTimeout(timer);
      resolve(signal);
    });
  });
}

test('kill -9 of migrate at each step (after a snapshot, after the config switch, in the clean-up): rerun, then check passes and both snapshots restore byte-identically', async () => {
  for (const step of ['snapshot:1', 'snapshot:2', 'config', 'delete:1', 'delete:4']) {
    const dir = await tempDir();
    const v1 = await v1Copy(dir);
    const env = envOf(v1, dir);
    assert.equal(await migrateKilledAt(v1, step), 'SIGKILL', `killed at ${step}`);
    const version = await configVersion(v1.root);
    assert.equal(version, step.startsWith('snapshot') ? 1 : 2, `${step}: the config switch is the commit point`);
    // Whatever state the kill left is a consistent repository of its version.
    const mid = await runCli(['check', '--read-data', '--json'], env);
    assert.equal(mid.code, 0, `${step}: ${mid.stdout}${mid.stderr}`);
    await assertRestoresIdentical(v1, env, dir, `${step}-mid`.replace(':', '-'));
    const r = await runCli(['migrate', '--json'], env);
    assert.equal(r.code, 0, `${step}: ${r.stdout}${r.stderr}`);
    if (step === 'snapshot:2') assert.equal((JSON.parse(r.stdout) as { alreadyMigrated: number }).alreadyMigrated, 2, 'resumes: nothing converted twice');
    assert.equal(await configVersion(v1.root), 2);
    const check = await runCli(['check', '--read-data', '--json'], env);
    assert.equal(check.code, 0, `${step}: ${check.stdout}${check.stderr}`);
    const stats = JSON.parse(check.stdout) as { stats: { snapshots: number } };
    assert.equal(stats.stats.snapshots, 2, `${step}: no snapshot converted twice`);
    await assertRestoresIdentical(v1, env, dir, step.replace(':', '-'));
  }
});
