import assert from 'node:assert/strict';
import { readdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { test } from 'node:test';
import Database from 'better-sqlite3';
import { writeNdjsonDataset } from '../../src/sandbox/synthetic.js';
import { runCli } from '../support/cli.js';
import { writePasswordFile } from '../support/repo.js';
import { tempDir } from '../support/tmp.js';

async function setup(): Promise<{ env: Record<string, string>; repo: string; catalogFile: () => Promise<string> }> {
  const dir = await tempDir();
  const data = path.join(dir, 'export');
  await writeNdjsonDataset(data, { patients: 5, seed: 2 });
  const repo = path.join(dir, 'repo');
  const state = path.join(dir, 'state');
  const env = { CLINIC_BACKUP_REPO: repo, CLINIC_BACKUP_PASSWORD_FILE: await writePasswordFile(dir), CLINIC_BACKUP_STATE_DIR: state };
  assert.equal((await runCli(['init'], env)).code, 0);
  assert.equal((await runCli(['backup', data], env)).code, 0);
  const catalogFile = async (): Promise<string> => path.join(state, (await readdir(state))[0] as string, 'catalog.sqlite');
  return { env, repo, catalogFile };
}

test('the audit trail is kept in the catalog and the repository; editing either is found by check', async () => {
  const { env, repo, catalogFile } = await setup();
  assert.equal((await runCli(['check'], env)).code, 0);
  const audit = await readdir(path.join(repo, 'audit'));
  assert.ok(audit.length >= 1, 'init is recorded in the repository');

  // Someone edits one local audit entry (bypassing the append-only trigger).
  const db = new Database(await catalogFile());
  const actions = db.prepare('SELECT action FROM audit ORDER BY seq').all() as { action: string }[];
  assert.ok(actions.some((a) => a.action === 'repository.init'));
  db.exec('DROP TRIGGER audit_no_update');
  db.prepare("UPDATE audit SET actor = 'mallory' WHERE seq = 1").run();
  db.close();
  const local = await runCli(['check', '--json'], env);
  assert.equal(local.code, 3);
  const r1 = JSON.parse(local.stdout) as { problems: { code: string; file: string }[] };
  assert.deepEqual(
    r1.problems.map((p) => [p.code, p.file]),
    [['AUDIT_TAMPERED', 'catalog.sqlite']],
  );
});

test('a damaged audit file in the repository is named by check', async () => {
  const { env, repo } = await setup();
  const [first] = await readdir(path.join(repo, 'audit'));
  const file = path.join(repo, 'audit', first as string);
  const bytes = await readFile(file);
  bytes[bytes.length - 3] = (bytes[bytes.length - 3] as number) ^ 1;
  await writeFile(file, bytes);
  const r = await runCli(['check', '--json'], env);
  assert.equal(r.code, 3);
  const report = JSON.parse(r.stdout) as { problems: { code: string; file: string }[] };
  assert.ok(report.problems.some((p) => p.code === 'AUDIT_TAMPERED' && p.file === `audit/${first}`));
});

test('a corrupt catalog is moved aside and rebuilt from the repository, and that is audited', async () => {
  const { env, catalogFile } = await setup();
  const file = await catalogFile();
  await writeFile(file, 'this is not a database');
  const snaps = await runCli(['snapshots', '--json'], env);
  assert.equal(snaps.code, 0, snaps.stderr);
  const check = await runCli(['check'], env);
  assert.equal(check.code, 0, check.stdout + check.stderr);
  const dir = path.dirname(file);
  assert.ok((await readdir(dir)).some((n) => n.startsWith('catalog.sqlite.corrupt-')));
  const db = new Database(file, { readonly: true });
  const rows = db.prepare('SELECT action FROM audit').all() as { action: string }[];
  const cached = db.prepare('SELECT COUNT(*) AS n FROM snapshots').get() as { n: number };
  db.close();
  assert.ok(rows.some((r) => r.action === 'catalog.rebuilt'));
  assert.equal(cached.n, 1, 'snapshot cache rebuilt from the repository');
  const rebuilt = await runCli(['catalog', 'rebuild', '--json'], env);
  assert.equal((JSON.parse(rebuilt.stdout) as { snapshots: number }).snapshots, 1);
});
