/**
 * Lists in a restore's report are never cut silently (issue #13 §4): the server administration resources a restore
 * leaves out (Medplum-like Project, ClientApplication, User …) are each named with their count.
 */
import assert from 'node:assert/strict';
import path from 'node:path';
import { test } from 'node:test';
import { runCli } from '../support/cli.js';
import { sandbox } from '../support/fhir.js';
import { writePasswordFile } from '../support/repo.js';
import { tempDir } from '../support/tmp.js';

test('a restore names every server-administration type it left out, with its count', async () => {
  const source = await sandbox({ patients: 2, seed: 71, administration: true });
  const dir = await tempDir('cb-restore-lists-');
  const env = { CLINIC_BACKUP_REPO: path.join(dir, 'repo'), CLINIC_BACKUP_PASSWORD_FILE: await writePasswordFile(dir), CLINIC_BACKUP_STATE_DIR: path.join(dir, 'state'), CLINIC_BACKUP_LANG: 'en' };
  assert.equal((await runCli(['init'], env)).code, 0);
  const b = await runCli(['backup', '--source', source.url], env);
  assert.equal(b.code, 0, b.stderr);
  const admin = ['ClientApplication', 'Project', 'ProjectMembership', 'User'].filter((type) => source.store.count(type) > 0);
  assert.ok(admin.length >= 2, admin.join());

  const target = await sandbox({ patients: 0, createGroup: false });
  const r = await runCli(['restore', '--target-url', target.url, '--yes'], env);
  assert.equal(r.code, 0, r.stderr);
  const json = JSON.parse((await runCli(['restore', '--target-url', target.url, '--yes', '--json'], env)).stdout) as { administration: { excluded: { type: string; count: number }[] } };
  const excluded = json.administration.excluded;
  assert.deepEqual(excluded.map((e) => e.type).sort(), admin);
  assert.match(r.stdout, new RegExp(`^Server administration not restored \\(${excluded.length} items\\):$`, 'm'));
  for (const e of excluded) assert.match(r.stdout, new RegExp(`^ {2}– ${e.type} \\(${e.count}\\)$`, 'm'), r.stdout);
  for (const type of admin) assert.equal(target.store.count(type), 0, `${type} was not written`);
});
