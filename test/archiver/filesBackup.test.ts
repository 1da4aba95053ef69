// Folder backups into version 2 file trees with real files: restore identical (diff -r, modes, mtimes), the files
// cache proven by counting reads, problems reported without failing the rest, kill -9 mid-backup.
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { appendFile, chmod, lstat, mkdir, readdir, readFile, rm, symlink, utimes, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { test } from 'node:test';
import { backupFolders, folderParent } from '../../src/archiver/filesBackup.js';
import { checkRepository } from '../../src/checker/checker.js';
import type { SnapshotRecord } from '../../src/repository/snapshot.js';
import { planFilesRestore, restoreFiles } from '../../src/restorer/filesTarget.js';
import { isEngineError } from '../../src/shared/errors.js';
import { nodeFs, type FsOps } from '../../src/source/files/index.js';
import { newRepo, reopen } from '../support/repo.js';
import { tempDir } from '../support/tmp.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const SMALL_CHUNKS = { chunkMinBytes: 4096, chunkAvgBytes: 16384, chunkMaxBytes: 65536, packTargetBytes: 256 * 1024 };

/** A clinic-like tree: binary images, documents, deep paths, ç/ã names, links, an empty folder, odd modes and times. */
async function makeTree(root: string): Promise<void> {
  await mkdir(path.join(root, 'exames', 'ultrassom', '2026', 'dezembro'), { recursive: true });
  await mkdir(path.join(root, 'vazia'), { recursive: true });
  await mkdir(path.join(root, 'documentos'), { recursive: true });
  await writeFile(path.join(root, 'exames', 'ultrassom', '2026', 'dezembro', 'imagem-ç.bin'), randomBytes(200_000));
  await writeFile(path.join(root, 'exames', 'ressonância.dcm'), randomBytes(90_000));
  await writeFile(path.join(root, 'documentos', 'laudo ã.txt'), 'Laudo da paciente.\n'.repeat(5000));
  await writeFile(path.join(root, 'documentos', 'vazio.txt'), '');
  await writeFile(path.join(root, 'documentos', 'privado.pdf'), randomBytes(5000), { mode: 0o600 });
  await chmod(path.join(root, 'documentos', 'privado.pdf'), 0o600);
  await writeFile(path.join(root, 'script.sh'), '#!/bin/sh\necho ok\n');
  await chmod(path.join(root, 'script.sh'), 0o750);
  await symlink('documentos/laudo ã.txt', path.join(root, 'atalho'));
  await symlink('../não-existe', path.join(root, 'documentos', 'quebrado'));
  let deep = path.join(root, 'fundo');
  for (let i = 0; i < 30; i++) deep = path.join(deep, `nível-${i}`);
  await mkdir(deep, { recursive: true });
  await writeFile(path.join(deep, 'fim.txt'), 'fundo\n');
  await utimes(path.join(root, 'exames', 'ressonância.dcm'), new Date('2020-01-02T03:04:05.678Z'), new Date('2020-01-02T03:04:05.678Z'));
  await utimes(path.join(root, 'vazia'), new Date('2021-05-06T07:08:09Z'), new Date('2021-05-06T07:08:09Z'));
}

/** Relative path → [type, mode, mtime in ms] for every entry (links not followed). */
async function metadata(root: string): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  const walk = async (dir: string, rel: string): Promise<void> => {
    for (const name of (await readdir(dir)).sort()) {
      const p = path.join(dir, name);
      const r = rel ? `${rel}/${name}` : name;
      const st = await lstat(p);
      const type = st.isSymbolicLink() ? 'l' : st.isDirectory() ? 'd' : 'f';
      // Link modes and times are not portable (Linux gives links 0777 and lutimes may be refused): type only.
      out.set(r, type === 'l' ? 'l' : `${type} ${(st.mode & 0o7777).toString(8)} ${Math.floor(st.mtimeMs)}`);
      if (type === 'd') await walk(p, r);
    }
  };
  await walk(root, '');
  return out;
}

function countingFs(): { fs: FsOps; opened: string[] } {
  const opened: string[] = [];
  return { opened, fs: { ...nodeFs, open: async (p, flags) => (opened.push(p), nodeFs.open(p, flags)) } };
}

test('a folder tree (binary, deep, unicode names, links, empty folder) restores identical: diff -r, modes and mtimes; check --read-data passes', async () => {
  const dir = await tempDir();
  const src = path.join(dir, 'Clínica');
  await makeTree(src);
  const { repo, root } = await newRepo(dir, SMALL_CHUNKS);
  const r = await backupFolders(repo, { folders: [{ path: src }], location: src, parent: null });
  assert.deepEqual(r.problems, []);
  assert.equal(r.manifest.source.kind, 'files');
  assert.deepEqual(r.manifest.source.paths, [src]);
  assert.equal(r.manifest.counts['files'], 7);
  assert.equal(r.manifest.counts['symlinks'], 2);
  assert.ok(r.stats.newChunks > 10, 'content-defined chunks');
  const again = await reopen(root);
  assert.deepEqual((await checkRepository(again, { readData: true })).problems, []);
  const snap = (await again.listSnapshots())[0] as SnapshotRecord;
  const out = path.join(dir, 'restaurado');
  const plan = await planFilesRestore(again, snap, out);
  assert.equal(plan.targetExists, false);
  assert.equal(plan.files, 7);
  const res = await restoreFiles(again, snap, out);
  assert.equal(res.written, 9);
  execFileSync('diff', ['-r', '--no-dereference', src, path.join(out, 'Clínica')]);
  assert.deepEqual(await metadata(path.join(out, 'Clínica')), await metadata(src));
  const us = async (p: string): Promise<bigint> => (await lstat(p, { bigint: true })).mtimeNs / 1000n;
  assert.equal(await us(path.join(out, 'Clínica', 'exames', 'ressonância.dcm')), await us(path.join(src, 'exames', 'ressonância.dcm')), 'mtime to the microsecond');
});

test('one file and one folder restore on their own; an existing file is never overwritten without the caller saying so; an unknown path is named', async () => {
  const dir = await tempDir();
  const src = path.join(dir, 'docs');
  await makeTree(src);
  const { repo } = await newRepo(dir, SMALL_CHUNKS);
  await backupFolders(repo, { folders: [{ path: src }], location: src, parent: null });
  const snap = (await repo.listSnapshots())[0] as SnapshotRecord;
  const one = path.join(dir, 'um');
  await restoreFiles(repo, snap, one, { path: 'docs/documentos/laudo ã.txt' });
  assert.deepEqual(await readdir(one), ['laudo ã.txt']);
  assert.ok((await readFile(path.join(one, 'laudo ã.txt'))).equals(await readFile(path.join(src, 'documentos', 'laudo ã.txt'))));
  const folder = path.join(dir, 'pasta');
  await restoreFiles(repo, snap, folder, { path: 'docs/exames' });
  execFileSync('diff', ['-r', path.join(src, 'exames'), path.join(folder, 'exames')]);
  await writeFile(path.join(one, 'laudo ã.txt'), 'editado');
  const plan = await planFilesRestore(repo, snap, one, { path: 'docs/documentos/laudo ã.txt' });
  assert.deepEqual(plan.existing, ['laudo ã.txt']);
  await assert.rejects(restoreFiles(repo, snap, one, { path: 'docs/documentos/laudo ã.txt' }), (e: unknown) => isEngineError(e) && e.code === 'RESTORE_FILE_EXISTS');
  assert.equal(await readFile(path.join(one, 'laudo ã.txt'), 'utf8'), 'editado', 'untouched');
  await restoreFiles(repo, snap, one, { path: 'docs/documentos/laudo ã.txt', overwrite: true });
  assert.notEqual(await readFile(path.join(one, 'laudo ã.txt'), 'utf8'), 'editado');
  await assert.rejects(restoreFiles(repo, snap, path.join(dir, 'x'), { path: 'docs/nada' }), (e: unknown) => isEngineError(e) && e.code === 'RESTORE_PATH_NOT_FOUND');
});

test('files cache: the next backup reads no unchanged file (counted), only the edited and the new one; an edit stores only nearby chunks', async () => {
  const dir = await tempDir();
  const src = path.join(dir, 'docs');
  await makeTree(src);
  const { repo } = await newRepo(dir, SMALL_CHUNKS);
  const first = countingFs();
  await backupFolders(repo, { folders: [{ path: src }], location: src, parent: null, fs: first.fs });
  assert.equal(first.opened.length, 7, 'every file read once the first time');
  // Clock granularity: the cache refuses files modified just before the parent started, so age them.
  const old = new Date(Date.now() - 60_000);
  const age = async (d: string): Promise<void> => {
    for (const n of await readdir(d)) {
      const p = path.join(d, n);
      const st = await lstat(p);
      if (st.isDirectory()) await age(p);
      else if (st.isFile()) await utimes(p, old, old);
    }
  };
  await age(src);
  const aged = countingFs();
  await backupFolders(repo, { folders: [{ path: src }], location: src, parent: folderParent(await repo.listSnapshots(), src), fs: aged.fs });
  const second = countingFs();
  const r2 = await backupFolders(repo, { folders: [{ path: src }], location: src, parent: folderParent(await repo.listSnapshots(), src), fs: second.fs });
  assert.deepEqual(second.opened, [], 'nothing read again');
  assert.equal(r2.stats.filesUnchanged, 7);
  assert.equal(r2.manifest.totals.newBlobs, 0, 'an unchanged tree stores nothing new');
  const img = path.join(src, 'exames', 'ultrassom', '2026', 'dezembro', 'imagem-ç.bin');
  const bytes = await readFile(img);
  bytes[100_000] = (bytes[100_000] as number) ^ 0xff;
  await writeFile(img, bytes);
  await writeFile(path.join(src, 'novo.txt'), 'novo');
  const third = countingFs();
  const r3 = await backupFolders(repo, { folders: [{ path: src }], location: src, parent: folderParent(await repo.listSnapshots(), src), fs: third.fs });
  assert.deepEqual(third.opened.map((p) => path.basename(p)).sort(), ['imagem-ç.bin', 'novo.txt']);
  assert.ok(r3.stats.newChunks <= 3, `one edited byte stores about one chunk (${r3.stats.newChunks})`);
});

test('a vanished file, a denied file and a file that changes while read are reported; the rest is backed up', async () => {
  const dir = await tempDir();
  const src = path.join(dir, 'docs');
  await makeTree(src);
  const { repo } = await newRepo(dir, SMALL_CHUNKS);
  const gone = path.join(src, 'script.sh');
  const denied = path.join(src, 'documentos', 'privado.pdf');
  const busy = path.join(src, 'documentos', 'laudo ã.txt');
  const fs: FsOps = {
    ...nodeFs,
    open: async (p, flags) => {
      // Deleted between listing and reading (really deleted: the real open fails).
      if (p === gone) await rm(gone);
      // Tests run as root, which reads everything: the refusal is what a non-root service would meet.
      if (p === denied) throw Object.assign(new Error(`EACCES: permission denied, open '${p}'`), { code: 'EACCES', errno: -13 });
      const h = await nodeFs.open(p, flags);
      if (p === busy) {
        const read = h.read.bind(h) as (...args: unknown[]) => Promise<unknown>;
        let first = true;
        Object.assign(h, {
          read: async (...args: unknown[]) => {
            if (first) await appendFile(busy, 'mais uma linha\n');
            first = false;
            return read(...args);
          },
        });
      }
      return h;
    },
  };
  const r = await backupFolders(repo, { folders: [{ path: src }], location: src, parent: null, fs });
  const codes = r.problems.map((p) => `${p.code} ${path.basename(p.path)}`).sort();
  assert.deepEqual(codes, ['FILE_CHANGED_DURING_BACKUP laudo ã.txt', 'FILE_PERMISSION_DENIED privado.pdf', 'FILE_VANISHED script.sh']);
  assert.equal(r.manifest.partial, true);
  assert.equal(r.manifest.problemCount, 3);
  assert.equal(r.manifest.counts['files'], 5, 'the changing file is kept (marked), the two others are missing');
  const out = path.join(dir, 'out');
  const res = await restoreFiles(repo, (await repo.listSnapshots())[0] as SnapshotRecord, out);
  assert.deepEqual(res.changedDuringBackup, ['docs/documentos/laudo ã.txt']);
  execFileSync('diff', ['-r', path.join(src, 'exames'), path.join(out, 'docs', 'exames')]);
});

test('an empty or missing source folder is an error unless allowed; two folders with the same name are both kept', async () => {
  const dir = await tempDir();
  const empty = path.join(dir, 'vazia');
  await mkdir(empty);
  const { repo } = await newRepo(dir, SMALL_CHUNKS);
  await assert.rejects(backupFolders(repo, { folders: [{ path: empty }], location: empty, parent: null }), (e: unknown) => isEngineError(e) && e.code === 'FOLDER_SOURCE_EMPTY');
  await assert.rejects(backupFolders(repo, { folders: [{ path: path.join(dir, 'nada') }], location: 'x', parent: null }), (e: unknown) => isEngineError(e) && e.code === 'FOLDER_SOURCE_MISSING');
  const ok = await backupFolders(repo, { folders: [{ path: empty }], location: empty, parent: null, allowEmpty: true });
  assert.equal(ok.manifest.counts['files'], 0);
  await mkdir(path.join(dir, 'a', 'docs'), { recursive: true });
  await mkdir(path.join(dir, 'b', 'docs'), { recursive: true });
  await writeFile(path.join(dir, 'a', 'docs', '1.txt'), 'a');
  await writeFile(path.join(dir, 'b', 'docs', '2.txt'), 'b');
  await writeFile(path.join(dir, 'b', 'docs', 'x.tmp'), 'excluded by default');
  await writeFile(path.join(dir, 'b', 'docs', 'skip.log'), 'excluded by the source');
  const two = await backupFolders(repo, { folders: [{ path: path.join(dir, 'a', 'docs') }, { path: path.join(dir, 'b', 'docs'), exclude: ['*.log'] }], location: 'two', parent: null });
  const out = path.join(dir, 'out');
  await restoreFiles(repo, { id: two.snapshotId, manifest: two.manifest }, out);
  assert.deepEqual((await readdir(out)).sort(), ['docs', 'docs (2)']);
  assert.deepEqual(await readdir(path.join(out, 'docs (2)')), ['2.txt']);
});

test('kill -9 in the middle of a folder backup: check passes and the next backup completes', async () => {
  const dir = await tempDir();
  const src = path.join(dir, 'muitos');
  await mkdir(src);
  for (let i = 0; i < 60; i++) await writeFile(path.join(src, `arquivo-${String(i).padStart(3, '0')}.bin`), randomBytes(150_000));
  const { root } = await newRepo(dir, { ...SMALL_CHUNKS, packTargetBytes: 128 * 1024 });
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(here, 'fixtures', 'folderBackupChild.ts'), root, src], { stdio: ['ignore', 'pipe', 'inherit'] });
  const guard = setTimeout(() => child.kill('SIGKILL'), 120_000);
  let reads = 0;
  let finished = false;
  for await (const chunk of child.stdout) {
    const text = String(chunk);
    reads += text.split('reading').length - 1;
    if (text.includes('done')) finished = true;
    if (reads >= 25) {
      child.kill('SIGKILL');
      break;
    }
  }
  const [, signal] = (await once(child, 'exit')) as [number | null, string | null];
  clearTimeout(guard);
  assert.equal(finished, false);
  assert.equal(signal, 'SIGKILL');
  const repo = await reopen(root);
  assert.deepEqual(await repo.listSnapshots(), [], 'nothing committed');
  assert.equal((await readdir(path.join(root, 'data'))).length > 0, true, 'packs were written before the kill');
  assert.deepEqual((await checkRepository(repo, { readData: true })).problems, []);
  const r = await backupFolders(repo, { folders: [{ path: src }], location: src, parent: null });
  assert.equal(r.manifest.counts['files'], 60);
  assert.deepEqual((await checkRepository(await reopen(root), { readData: true })).problems, []);
  const out = path.join(dir, 'out');
  await restoreFiles(await reopen(root), (await (await reopen(root)).listSnapshots())[0] as SnapshotRecord, out);
  execFileSync('diff', ['-r', src, path.join(out, 'muitos')]);
});

test('a folder and a database snapshot replicate to a copy that checks and restores; a lost pack is repaired away naming the file', async () => {
  const { LocalBackend } = await import('../../src/backend/local/localBackend.js');
  const { replicate } = await import('../../src/repository/replicate.js');
  const { repairSnapshot } = await import('../../src/repository/repair2.js');
  const { backupDatabase } = await import('../../src/archiver/dbBackup.js');
  const { default: Database } = await import('better-sqlite3');
  const dir = await tempDir();
  const src = path.join(dir, 'docs');
  await makeTree(src);
  const dbFile = path.join(dir, 'agenda.db');
  const db = new Database(dbFile);
  db.exec("create table agenda (id integer primary key, nome text); insert into agenda (nome) values ('Conceição');");
  db.close();
  const { repo, backend, root } = await newRepo(dir, SMALL_CHUNKS);
  const files = await backupFolders(repo, { folders: [{ path: src }], location: src, parent: null });
  await backupDatabase(repo, { source: { kind: 'sqlite', path: dbFile }, credentials: {}, parent: null });
  const copyRoot = path.join(dir, 'copia');
  const copyBackend = await LocalBackend.create(copyRoot);
  assert.equal((await replicate(backend, copyBackend)).complete, true);
  const copy = await reopen(copyRoot);
  assert.deepEqual((await checkRepository(copy, { readData: true })).problems, []);
  const snaps = await copy.listSnapshots();
  assert.deepEqual(snaps.map((s) => s.manifest.source.kind).sort(), ['database', 'files']);
  const out = path.join(dir, 'da-copia');
  await restoreFiles(copy, snaps.find((s) => s.manifest.source.kind === 'files') as SnapshotRecord, out);
  execFileSync('diff', ['-r', '--no-dereference', src, path.join(out, 'docs')]);
  await restoreFiles(copy, snaps.find((s) => s.manifest.source.kind === 'database') as SnapshotRecord, path.join(dir, 'dump'));
  assert.equal((await readFile(path.join(dir, 'dump', 'agenda.db'))).subarray(0, 15).toString('latin1'), 'SQLite format 3');

  // Lose the pack holding the big image's first chunk in the original: check names it, repair keeps the rest.
  const r2 = await reopen(root);
  await r2.loadIndex();
  const snap = { id: files.snapshotId, manifest: files.manifest } as SnapshotRecord;
  const { walkFilesTree } = await import('../../src/repository/fileTree.js');
  let chunk = '';
  for await (const item of walkFilesTree((x) => r2.store.readBlob(x), (files.manifest.tree as { root: string }).root)) {
    if (item.kind === 'entry' && item.entry.type === 'file' && item.entry.name === 'imagem-ç.bin') chunk = item.entry.content[0] as string;
  }
  const loc = r2.store.index.get(Buffer.from(chunk, 'hex'));
  assert.ok(loc);
  await rm(path.join(root, 'data', loc.pack.slice(0, 2), loc.pack));
  const damaged = await checkRepository(await reopen(root), { readData: true });
  assert.ok(damaged.problems.length > 0);
  const fixed = await repairSnapshot(await reopen(root), snap);
  assert.ok(fixed.snapshotId);
  assert.ok(
    fixed.lost.some((l) => l.includes('imagem-ç.bin')),
    JSON.stringify(fixed.lost),
  );
});
