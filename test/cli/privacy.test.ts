/**
 * Local files are private: the state folder, the catalog (patient ids) and its journal, the secrets folder, and
 * everything a restore or a report writes are owner-only (0700 folders, 0600 files), tightened when found looser.
 * No third-party warning reaches the user (the AWS SDK's Node notice once S3 is set up); on Node < 22 one line
 * recommends Node 22 LTS.
 */
import assert from 'node:assert/strict';
import { chmod, mkdir, readdir, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { after, test } from 'node:test';
import S3rver from 's3rver';
import { nodeAdvice } from '../../src/cli/main.js';
import { writeNdjsonDataset } from '../../src/sandbox/synthetic.js';
import { runCli } from '../support/cli.js';
import { writePasswordFile } from '../support/repo.js';
import { tempDir } from '../support/tmp.js';

/** Every path under `root` (itself included) with its permission bits. */
async function modes(root: string): Promise<{ path: string; dir: boolean; mode: number }[]> {
  const out: { path: string; dir: boolean; mode: number }[] = [];
  const walk = async (p: string): Promise<void> => {
    const st = await stat(p);
    out.push({ path: p, dir: st.isDirectory(), mode: st.mode & 0o777 });
    if (st.isDirectory()) for (const e of await readdir(p)) await walk(path.join(p, e));
  };
  await walk(root);
  return out;
}

function assertOwnerOnly(entries: { path: string; dir: boolean; mode: number }[]): void {
  const loose = entries.filter((e) => (e.mode & 0o077) !== 0).map((e) => `${e.path} ${e.mode.toString(8)}`);
  assert.deepEqual(loose, [], 'owner-only');
  assert.ok(
    entries.every((e) => (e.dir ? e.mode === 0o700 : e.mode === 0o600)),
    entries.map((e) => `${e.path} ${e.mode.toString(8)}`).join('\n'),
  );
}

test('state, catalog, secrets, restore output and reports are owner-only, and looser ones are tightened', async () => {
  const dir = await tempDir('cb-private-');
  const data = path.join(dir, 'data');
  await writeNdjsonDataset(data, { patients: 4, seed: 6 });
  const state = path.join(dir, 'state');
  const secrets = path.join(dir, 'secrets');
  const env = { CLINIC_BACKUP_REPO: path.join(dir, 'repo'), CLINIC_BACKUP_PASSWORD_FILE: await writePasswordFile(dir), CLINIC_BACKUP_STATE_DIR: state, CLINIC_BACKUP_SECRETS_DIR: secrets };
  assert.equal((await runCli(['init'], env)).code, 0);
  assert.equal((await runCli(['backup', data], env)).code, 0);
  const tokenFile = path.join(dir, 'token');
  await writeFile(tokenFile, 'not-a-real-token', { mode: 0o600 });
  assert.equal((await runCli(['secrets', 'set', 'fhir-token', '--from-file', tokenFile], env)).code, 0);
  assertOwnerOnly(await modes(state));
  assertOwnerOnly(await modes(secrets));

  // A restore writes patient data: the folder and every file are the owner's only.
  const target = path.join(dir, 'restored');
  assert.equal((await runCli(['restore', '--target', target, '--yes'], env)).code, 0);
  assertOwnerOnly(await modes(target));
  // A folder made by hand with looser modes is tightened when a restore writes into it.
  const loose = path.join(dir, 'loose');
  await mkdir(loose, { mode: 0o755 });
  await chmod(loose, 0o755);
  assert.equal((await runCli(['restore', '--target', loose, '--yes', '--type', 'Patient'], env)).code, 0);
  assertOwnerOnly(await modes(loose));

  // Reports and the kit.
  const pdf = path.join(dir, 'plan.pdf');
  assert.equal((await runCli(['report', 'dr-plan', '--pdf', pdf, '--html', path.join(dir, 'plan.html')], env)).code, 0);
  assert.equal((await stat(pdf)).mode & 0o777, 0o600);
  assert.equal((await stat(path.join(dir, 'plan.html'))).mode & 0o777, 0o600);

  // State left by an older version (world-readable) is tightened on the next run.
  const [repoDir] = await readdir(state);
  const catalog = path.join(state, repoDir as string, 'catalog.sqlite');
  await chmod(state, 0o755);
  await chmod(path.join(state, repoDir as string), 0o755);
  await chmod(catalog, 0o644);
  await chmod(secrets, 0o755);
  assert.equal((await runCli(['status', '--json'], env)).code !== null, true);
  assert.equal((await runCli(['secrets', 'set', 'other-token', '--from-file', tokenFile], env)).code, 0);
  assertOwnerOnly(await modes(state));
  assertOwnerOnly(await modes(secrets));
});

test('no third-party warning reaches the user with S3 set up; Node < 22 gets one line recommending Node 22 LTS', async () => {
  const dir = await tempDir('cb-warn-');
  const s3dir = path.join(dir, 's3');
  await mkdir(s3dir);
  const server = new S3rver({ address: '127.0.0.1', port: 0, silent: true, directory: s3dir, configureBuckets: [{ name: 'clinic-warn' }] });
  const { port } = await server.run();
  after(() => server.close());
  const env = {
    AWS_ACCESS_KEY_ID: 'S3RVER',
    AWS_SECRET_ACCESS_KEY: 'S3RVER',
    AWS_REGION: 'sa-east-1',
    CLINIC_BACKUP_REPO: `s3:http://127.0.0.1:${port}/clinic-warn/repo`,
    CLINIC_BACKUP_PASSWORD_FILE: await writePasswordFile(dir),
    CLINIC_BACKUP_STATE_DIR: path.join(dir, 'state'),
  };
  const data = path.join(dir, 'data');
  await writeNdjsonDataset(data, { patients: 2, seed: 1 });
  for (const args of [['init'], ['backup', data], ['snapshots'], ['status']]) {
    const r = await runCli(args, env);
    assert.doesNotMatch(r.stderr, /AWS SDK|NodeVersionSupportWarning|Warning:/, `${args[0]}: ${r.stderr}`);
    const advice = r.stderr.split('\n').filter((l) => /Node\.js 22 LTS/.test(l));
    assert.equal(advice.length, Number(process.versions.node.split('.')[0]) < 22 ? 1 : 0, r.stderr);
  }
  assert.match(nodeAdvice('v20.19.0', 'en') ?? '', /^Note: Node\.js 20\.19\.0 no longer receives security fixes; install Node\.js 22 LTS/);
  assert.match(nodeAdvice('20.11.1', 'pt-BR') ?? '', /instale o Node\.js 22 LTS/);
  assert.equal(nodeAdvice('22.4.0', 'en'), null);
  assert.equal(nodeAdvice('24.1.0', 'en'), null);
});
