import assert from 'node:assert/strict';
import { readdir, readFile, writeFile, mkdir } from 'node:fs/promises';
import path from 'node:path';
import { test } from 'node:test';
import { compareNdjsonFolders } from '../../src/restorer/compareNdjson.js';
import { writeNdjsonDataset } from '../../src/sandbox/synthetic.js';
import { runCli } from '../support/cli.js';
import { writePasswordFile } from '../support/repo.js';
import { tempDir } from '../support/tmp.js';

test('init → backup → snapshots → check → restore (byte-identical) → tampered pack → check exits 3 naming it', async () => {
  const dir = await tempDir();
  const data = path.join(dir, 'export');
  const repo = path.join(dir, 'repo');
  await writeNdjsonDataset(data, { patients: 40, seed: 5 });
  const env = { CLINIC_BACKUP_REPO: repo, CLINIC_BACKUP_PASSWORD_FILE: await writePasswordFile(dir) };

  const init = await runCli(['init', '--json'], env);
  assert.equal(init.code, 0, init.stderr);
  const initJson = JSON.parse(init.stdout) as { repoId: string; recoveryKey: string[][] };
  assert.match(initJson.repoId, /^[0-9a-f]{32}$/);
  assert.equal(initJson.recoveryKey.length, 8);

  const backup = await runCli(['backup', data, '--json'], env);
  assert.equal(backup.code, 0, backup.stderr);
  const snap = (JSON.parse(backup.stdout) as { snapshot: { id: string; resources: number } }).snapshot;
  assert.ok(snap.resources > 1000);

  const human = await runCli(['snapshots'], env);
  assert.equal(human.code, 0);
  assert.ok(human.stdout.includes(snap.id.slice(0, 8)));
  const list = JSON.parse((await runCli(['snapshots', '--json'], env)).stdout) as { id: string }[];
  assert.deepEqual(
    list.map((s) => s.id),
    [snap.id],
  );

  const check = await runCli(['check', '--read-data'], env);
  assert.equal(check.code, 0, check.stdout + check.stderr);
  assert.match(check.stdout, /Check OK/);

  const target = path.join(dir, 'restored');
  const noConfirm = await runCli(['restore', 'latest', '--target', target], env);
  assert.equal(noConfirm.code, 1);
  assert.match(noConfirm.stderr, /RESTORE_NOT_CONFIRMED/);
  await assert.rejects(readdir(target), 'nothing written without --yes');

  const restore = await runCli(['restore', snap.id.slice(0, 10), '--target', target, '--yes', '--json'], env);
  assert.equal(restore.code, 0, restore.stderr);
  const same = await compareNdjsonFolders(data, target);
  assert.ok(same.identical, JSON.stringify(same));
  assert.ok(same.linesA > 1000);

  const again = await runCli(['restore', 'latest', '--target', target, '--yes'], env);
  assert.equal(again.code, 1);
  assert.match(again.stderr, /RESTORE_TARGET_NOT_EMPTY/);

  // Tamper one byte of a pack.
  const prefixes = await readdir(path.join(repo, 'data'));
  const first = prefixes.sort()[0] as string;
  const pack = (await readdir(path.join(repo, 'data', first)))[0] as string;
  const file = path.join(repo, 'data', first, pack);
  const bytes = await readFile(file);
  const mid = Math.floor(bytes.length / 2);
  bytes[mid] = (bytes[mid] as number) ^ 0x01;
  await writeFile(file, bytes);
  const bad = await runCli(['check', '--read-data', '--json'], env);
  assert.equal(bad.code, 3);
  const report = JSON.parse(bad.stdout) as { ok: boolean; problems: { code: string; file: string; snapshots: string[] }[] };
  assert.equal(report.ok, false);
  assert.deepEqual(
    report.problems.map((p) => [p.code, p.file]),
    [['PACK_CORRUPT', `data/${first}/${pack}`]],
  );
  assert.deepEqual(report.problems[0]?.snapshots, [snap.id]);
  const badHuman = await runCli(['check', '--read-data'], env);
  assert.equal(badHuman.code, 3);
  assert.ok(badHuman.stdout.includes(`data/${first}/${pack}`));
});

test('usage errors exit 2; a destination without marker and a wrong password exit 1 with their codes', async () => {
  const dir = await tempDir();
  assert.equal((await runCli(['frobnicate'])).code, 2);
  assert.equal((await runCli(['check', '--no-such-flag'])).code, 2);
  assert.equal((await runCli(['snapshots'], { CLINIC_BACKUP_REPO: '' })).code, 2);
  const empty = path.join(dir, 'usb');
  await mkdir(empty);
  const pw = await writePasswordFile(dir);
  const r = await runCli(['snapshots', '--repo', empty, '--password-file', pw, '--json']);
  assert.equal(r.code, 1);
  assert.equal((JSON.parse(r.stdout) as { error: { code: string } }).error.code, 'REPO_MARKER_MISSING');
  assert.deepEqual(await readdir(empty), []);
  const repo = path.join(dir, 'repo');
  assert.equal((await runCli(['init', '--repo', repo, '--password-file', pw])).code, 0);
  const wrong = await writePasswordFile(path.join(dir), 'wrong');
  const w = await runCli(['snapshots', '--repo', repo, '--password-file', wrong]);
  assert.equal(w.code, 1);
  assert.match(w.stderr, /WRONG_PASSWORD/);
  assert.ok(!w.stderr.includes('wrong\n'), 'the password is never echoed');
});
