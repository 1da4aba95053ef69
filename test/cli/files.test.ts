/**
 * Folder sources through the real CLI: `backup --path … --exclude …`, `ls --path`, `restore --path` (whole source,
 * a folder, one file; a new folder by default; the plan first; never overwriting without --overwrite --yes),
 * and check / forget+prune / snapshots on a repository holding files snapshots.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdir, readdir, readFile, symlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { test } from 'node:test';
import { testRepo } from '../restorer/helpers.js';
import { runCli } from '../support/cli.js';
import { tempDir } from '../support/tmp.js';

const dir = await tempDir('cb-cli-files-');
const repo = await testRepo(path.join(dir, 'main'), { chunkMinBytes: 4096, chunkAvgBytes: 16384, chunkMaxBytes: 65536 });
const env = { CLINIC_BACKUP_REPO: repo.root, CLINIC_BACKUP_PASSWORD_FILE: repo.passwordFile, CLINIC_BACKUP_STATE_DIR: repo.stateDir, CLINIC_BACKUP_LANG: 'pt-BR' };
const docs = path.join(dir, 'Documentos');
const exams = path.join(dir, 'Exames');
await mkdir(path.join(docs, 'laudos', 'vazia'), { recursive: true });
await mkdir(exams, { recursive: true });
await writeFile(path.join(docs, 'laudos', 'paciente ção.txt'), 'Laudo\n'.repeat(3000));
await writeFile(path.join(docs, 'rascunho.tmp'), 'temporário');
await writeFile(path.join(docs, 'nota.bak'), 'excluído');
await symlink('laudos', path.join(docs, 'atalho'));
await writeFile(path.join(exams, 'us-001.jpg'), Buffer.alloc(200_000, 9));

interface Backup {
  snapshot: { id: string; counts: Record<string, number>; source: { kind: string } };
  files: { read: number; unchanged: number };
}

test('backup --path (twice, with --exclude), ls --path, restore --path of the whole source, a folder and a file', async () => {
  const b = await runCli(['backup', '--path', docs, '--path', exams, '--exclude', '*.bak', '--json'], env);
  assert.equal(b.code, 0, b.stderr);
  const r = JSON.parse(b.stdout) as Backup;
  assert.equal(r.snapshot.source.kind, 'files');
  assert.deepEqual(r.snapshot.counts, { dirs: 4, files: 2, symlinks: 1 });
  const again = await runCli(['backup', '--path', docs, '--path', exams, '--exclude', '*.bak', '--json'], env);
  assert.equal(again.code, 0, again.stderr);
  const second = JSON.parse(again.stdout) as Backup;
  assert.ok(second.files.read + second.files.unchanged === 2);

  const ls = await runCli(['ls', '--path', '/'], env);
  assert.equal(ls.code, 0, ls.stderr);
  assert.match(ls.stdout, /Documentos\/laudos\/paciente ção\.txt/);
  assert.match(ls.stdout, /Documentos\/atalho -> laudos/);
  assert.doesNotMatch(ls.stdout, /rascunho\.tmp|nota\.bak/, 'default and given exclusions');
  const found = await runCli(['ls', '--path', 'Documentos', '--query', 'CAO', '--json'], env);
  assert.deepEqual(
    (JSON.parse(found.stdout) as { entries: { path: string }[] }).entries.map((e) => e.path),
    ['Documentos/laudos/paciente ção.txt'],
    'search ignores case and accents',
  );

  const whole = path.join(dir, 'tudo');
  const plan = await runCli(['restore', '--path', '/', '--target', whole, '--plan'], env);
  assert.equal(plan.code, 0, plan.stderr);
  assert.match(plan.stdout, /2 arquivos, 4 pastas, 1 atalho,/);
  await assert.rejects(readdir(whole), 'the plan writes nothing');
  const all = await runCli(['restore', '--path', '/', '--target', whole], env);
  assert.equal(all.code, 0, all.stderr);
  execFileSync('diff', ['-r', '--no-dereference', '-x', '*.bak', '-x', '*.tmp', docs, path.join(whole, 'Documentos')]);
  execFileSync('diff', ['-r', exams, path.join(whole, 'Exames')]);

  const one = await runCli(['restore', '--path', 'Documentos/laudos/paciente ção.txt', '--json'], env, 120_000, dir);
  assert.equal(one.code, 0, one.stderr);
  const target = (JSON.parse(one.stdout) as { target: string }).target;
  assert.match(path.basename(target), /^restaurado-\d{4}-\d{2}-\d{2}-paciente ção\.txt/, 'a new folder by default');
  assert.deepEqual(await readdir(target), ['paciente ção.txt']);

  const folder = path.join(dir, 'pasta');
  await mkdir(folder);
  await writeFile(path.join(folder, 'us-001.jpg'), 'não sobrescrever');
  const refused = await runCli(['restore', '--path', 'Exames', '--target', path.join(folder, '..', 'pasta-nova')], env);
  assert.equal(refused.code, 0, refused.stderr);
  await mkdir(path.join(folder, 'Exames'));
  await writeFile(path.join(folder, 'Exames', 'us-001.jpg'), 'não sobrescrever');
  const blocked = await runCli(['restore', '--path', 'Exames', '--target', folder], env);
  assert.notEqual(blocked.code, 0);
  assert.match(blocked.stdout, /1 arquivo já existe/);
  assert.equal(await readFile(path.join(folder, 'Exames', 'us-001.jpg'), 'utf8'), 'não sobrescrever');
  const forced = await runCli(['restore', '--path', 'Exames', '--target', folder, '--overwrite', '--yes'], env);
  assert.equal(forced.code, 0, forced.stderr);
  assert.equal((await readFile(path.join(folder, 'Exames', 'us-001.jpg'))).length, 200_000);
});

test('check --read-data, forget + prune and snapshots work on files snapshots', async () => {
  const check = await runCli(['check', '--read-data'], env);
  assert.equal(check.code, 0, check.stdout + check.stderr);
  const snaps = await runCli(['snapshots', '--json'], env);
  const list = JSON.parse(snaps.stdout) as { id: string; source: { kind: string } }[];
  assert.ok(list.length >= 2 && list.every((s) => s.source.kind === 'files'));
  const before = list.length;
  const forget = await runCli(['forget', '--keep-last', '1', '--prune'], env);
  assert.equal(forget.code, 0, forget.stdout + forget.stderr);
  assert.equal((JSON.parse((await runCli(['snapshots', '--json'], env)).stdout) as unknown[]).length, 1, `forgot ${before - 1}`);
  const after = await runCli(['check', '--read-data'], env);
  assert.equal(after.code, 0, after.stdout + after.stderr);
  const out = path.join(dir, 'depois');
  const r = await runCli(['restore', '--path', 'Exames/us-001.jpg', '--target', out], env);
  assert.equal(r.code, 0, r.stderr);
  assert.equal((await readFile(path.join(out, 'us-001.jpg'))).length, 200_000, 'chunks still used are kept by prune');
});

test('backup --db sqlite, restore --into-database (a new file) and restore --path of the dump as its file', async () => {
  const { default: Database } = await import('better-sqlite3');
  const file = path.join(dir, 'consultorio.db');
  const db = new Database(file);
  db.exec("create table pacientes (id integer primary key, nome text); insert into pacientes (nome) values ('Ana Conceição'), ('João');");
  db.close();
  const b = await runCli(['backup', '--db', 'sqlite', '--db-file', file, '--name', 'Consultório', '--json'], env);
  assert.equal(b.code, 0, b.stderr);
  assert.equal((JSON.parse(b.stdout) as { dump: { fileName: string } }).dump.fileName, 'consultorio.db');
  const missing = await runCli(['backup', '--db', 'sqlite'], env);
  assert.equal(missing.code, 2, 'a usage error names what is missing');
  assert.match(missing.stderr, /--db-file/);
  const into = path.join(dir, 'consultorio-restaurado.db');
  const r = await runCli(['restore', '--into-database', into], env);
  assert.equal(r.code, 0, r.stderr);
  const copy = new Database(into, { readonly: true });
  assert.deepEqual(copy.prepare('select nome from pacientes order by id').all(), [{ nome: 'Ana Conceição' }, { nome: 'João' }]);
  copy.close();
  const again = await runCli(['restore', '--into-database', into], env);
  assert.notEqual(again.code, 0, 'never over an existing file');
  const asFile = path.join(dir, 'dump-como-arquivo');
  const f = await runCli(['restore', '--path', 'consultorio.db', '--target', asFile], env);
  assert.equal(f.code, 0, f.stderr);
  assert.equal((await readFile(path.join(asFile, 'consultorio.db'))).subarray(0, 15).toString('latin1'), 'SQLite format 3');
});

test('sources add|list|remove, sources backup runs every source, drills of a folder source and a SQLite source say what they proved', async () => {
  const { default: Database } = await import('better-sqlite3');
  const dbFile = path.join(dir, 'agenda.db');
  const db = new Database(dbFile);
  db.exec("create table agenda (id integer primary key, paciente text); insert into agenda (paciente) values ('Maria'), ('José'), ('Ana');");
  db.close();
  assert.equal((await runCli(['sources', 'add', '--name', 'Documentos', '--path', docs, '--exclude', '*.bak'], env)).code, 0);
  assert.equal((await runCli(['sources', 'add', '--name', 'Agenda', '--db', 'sqlite', '--db-file', dbFile], env)).code, 0);
  const dup = await runCli(['sources', 'add', '--name', 'agenda', '--path', exams], env);
  assert.notEqual(dup.code, 0, 'names are unique');
  assert.match(dup.stderr, /another source has this name/);
  assert.equal((await runCli(['sources', 'add', '--name', 'Velha', '--path', exams], env)).code, 0);
  assert.equal((await runCli(['sources', 'remove', 'Velha'], env)).code, 0);
  const list = await runCli(['sources', 'list', '--json'], env);
  assert.deepEqual(
    (JSON.parse(list.stdout) as { kind: string; name: string }[]).map((s) => `${s.kind}:${s.name}`),
    ['folders:Documentos', 'database:Agenda'],
  );
  const all = await runCli(['sources', 'backup', '--json'], env);
  assert.equal(all.code, 0, all.stderr);
  assert.deepEqual(
    (JSON.parse(all.stdout) as { name: string; ok: boolean }[]).map((o) => [o.name, o.ok]),
    [
      ['Documentos', true],
      ['Agenda', true],
    ],
  );

  const filesDrill = await runCli(['drill', '--source-name', 'Documentos'], env);
  assert.equal(filesDrill.code, 0, filesDrill.stdout + filesDrill.stderr);
  assert.match(filesDrill.stdout, /✓ 1 de 1 arquivos sorteados/);
  assert.match(filesDrill.stdout, /✓ 1 de 1 arquivos idênticos \(SHA-256\) ao original/);
  const dbDrill = await runCli(['drill', '--source-name', 'Agenda', '--json'], env);
  assert.equal(dbDrill.code, 0, dbDrill.stdout + dbDrill.stderr);
  const d = JSON.parse(dbDrill.stdout) as { status: string; proofs: { code: string; ok: boolean; text: string }[] };
  assert.deepEqual(
    d.proofs.map((p) => p.code),
    ['dbRestored', 'dbIntegrity', 'dbSanityQuery'],
  );
  assert.match(d.proofs[2]?.text ?? '', /1 tabelas, 3 linhas/);

  const status = JSON.parse((await runCli(['status', '--json'], env)).stdout) as { sources: { name: string; kind: string; lastSnapshotId: string | null; files: number | null }[] };
  assert.deepEqual(
    status.sources.map((x) => [x.kind, x.name, x.lastSnapshotId !== null, x.files]),
    [
      ['folders', 'Documentos', true, 1],
      ['database', 'Agenda', true, 1],
    ],
    'status shows each source with its latest snapshot',
  );

  // A source that fails (its folder is gone) fails the scheduled backup naming it; the other is still backed up.
  assert.equal((await runCli(['sources', 'add', '--name', 'Sumida', '--path', path.join(dir, 'nao-existe')], env)).code, 0);
  const partial = await runCli(['sources', 'backup', '--json'], env);
  assert.notEqual(partial.code, 0);
  assert.match(partial.stdout + partial.stderr, /Sumida \(FOLDER_SOURCE_MISSING\)/);
});
