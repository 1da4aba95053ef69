// Restoring a tree whose names differ only in case (made on Linux, where "Foto.JPG" and "foto.jpg" are two files)
// onto a real case-insensitive target: an exFAT USB drive image mounted with exfat-fuse (test/support/exfat.ts), the
// same situation as restoring onto Windows or macOS. The restore sees that the target ignores case, reports each
// conflict in its plan and restores the later names under a numbered name; nothing is overwritten. When the caller
// insists on case-sensitive rules, the write-time check stops the restore (RESTORE_NAME_CONFLICT) instead of letting
// one file replace another.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { backupFolders } from '../../src/archiver/filesBackup.js';
import type { SnapshotRecord } from '../../src/repository/snapshot.js';
import { planFilesRestore, restoreFiles, targetIgnoresCase } from '../../src/restorer/filesTarget.js';
import { isEngineError } from '../../src/shared/errors.js';
import { mountExfat, type ExfatMount } from '../support/exfat.js';
import { newRepo } from '../support/repo.js';
import { tempDir } from '../support/tmp.js';

const sha = (b: Buffer | string): string => createHash('sha256').update(b).digest('hex');

/** Relative path → SHA-256 of every file under `root`. */
async function hashes(root: string): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  for (const e of await readdir(root, { withFileTypes: true, recursive: true })) {
    if (e.isFile()) out.set(path.relative(root, path.join(e.parentPath, e.name)), sha(await readFile(path.join(e.parentPath, e.name))));
  }
  return out;
}

const dir = await tempDir('cb-case-');

describe('restore onto a case-insensitive target (real exFAT)', () => {
  let usb: ExfatMount | null = null;
  let skip = '';
  let snap: SnapshotRecord;
  let repo: Awaited<ReturnType<typeof newRepo>>['repo'];
  let src: string;

  before(async () => {
    const m = await mountExfat();
    if (!m.ok) {
      skip = m.reason;
      console.log(`# exFAT tests skipped: ${skip}`);
    } else usb = m.mount;
    src = path.join(dir, 'Exames');
    await mkdir(path.join(src, 'Laudos'), { recursive: true });
    await mkdir(path.join(src, 'laudos'), { recursive: true });
    await writeFile(path.join(src, 'Foto.JPG'), 'foto A\n'.repeat(1000));
    await writeFile(path.join(src, 'foto.jpg'), 'foto B\n'.repeat(1000));
    await writeFile(path.join(src, 'FOTO.jpg'), 'foto C\n'.repeat(1000));
    await writeFile(path.join(src, 'Laudos', 'a.txt'), 'laudo maiúsculo\n');
    await writeFile(path.join(src, 'laudos', 'a.txt'), 'laudo minúsculo\n');
    await writeFile(path.join(src, 'laudos', 'b.txt'), 'só aqui\n');
    await writeFile(path.join(src, 'normal.txt'), 'sem conflito\n');
    ({ repo } = await newRepo(dir, { chunkMinBytes: 4096, chunkAvgBytes: 16384, chunkMaxBytes: 65536 }));
    const r = await backupFolders(repo, { folders: [{ path: src }], location: src, parent: null });
    assert.deepEqual(r.problems, []);
    snap = (await repo.listSnapshots())[0] as SnapshotRecord;
  });
  after(() => usb?.unmount());

  it('is detected by looking at the target (the exFAT drive ignores case, the temp folder does not)', async (t) => {
    if (!usb) return t.skip(skip);
    assert.equal(await targetIgnoresCase(usb.dir), true);
    assert.equal(await targetIgnoresCase(path.join(usb.dir, 'ainda', 'nao', 'existe')), true, 'a target to be created is judged by the folder it goes in');
    assert.equal(await targetIgnoresCase(src), false);
    assert.deepEqual(await readdir(usb.dir), [], 'the probe leaves nothing behind');
  });

  it('reports every case conflict in the plan, restores all seven files under distinct names and never overwrites', async (t) => {
    if (!usb) return t.skip(skip);
    const target = path.join(usb.dir, 'restaurado');
    const plan = await planFilesRestore(repo, snap, target);
    assert.equal(plan.caseInsensitive, true);
    assert.equal(plan.files, 7);
    assert.deepEqual(
      plan.renamed.map((r) => [r.folder, r.name, r.restoredAs, r.issues]),
      [
        // Names in the format's order (UTF-8 bytes): "FOTO.jpg" < "Foto.JPG" < "foto.jpg"; the first keeps its name.
        ['Exames', 'Foto.JPG', 'Foto (2).JPG', ['case-collision']],
        ['Exames', 'foto.jpg', 'foto (3).jpg', ['case-collision']],
        ['Exames', 'laudos', 'laudos (2)', ['case-collision']],
      ],
    );
    const res = await restoreFiles(repo, snap, target);
    assert.equal(res.renamed.length, 3);
    const got = await hashes(path.join(target, 'Exames'));
    assert.equal(got.size, 7, [...got.keys()].join(', '));
    // Every original file is there once, with its own content: no file replaced another.
    const want = await hashes(src);
    assert.deepEqual([...got.values()].sort(), [...want.values()].sort());
    assert.equal(got.get('FOTO.jpg'), want.get('FOTO.jpg'), 'the first name in the format order keeps its name');
    assert.equal(got.get('Foto (2).JPG'), want.get('Foto.JPG'));
    assert.equal(got.get('foto (3).jpg'), want.get('foto.jpg'));
    assert.equal(got.get(path.join('laudos (2)', 'b.txt')), want.get(path.join('laudos', 'b.txt')));

    // Restoring again into the same place: the existing files are reported, nothing is written.
    await assert.rejects(restoreFiles(repo, snap, target), (e: unknown) => isEngineError(e, 'RESTORE_FILE_EXISTS'));
    assert.deepEqual(await hashes(path.join(target, 'Exames')), got);
  });

  it('with case-sensitive rules forced, stops at the first name that would replace another (RESTORE_NAME_CONFLICT), even with overwrite', async (t) => {
    if (!usb) return t.skip(skip);
    const target = path.join(usb.dir, 'forcado');
    for (const overwrite of [false, true]) {
      await assert.rejects(
        restoreFiles(repo, snap, target, { platform: 'linux', overwrite }),
        (e: unknown) => isEngineError(e, 'RESTORE_NAME_CONFLICT') && e.details['path'] === 'Exames/Foto.JPG' && e.details['other'] === 'Exames/FOTO.jpg',
      );
      assert.equal(await readFile(path.join(target, 'Exames', 'FOTO.jpg'), 'utf8'), 'foto C\n'.repeat(1000), 'the file written first is intact');
    }
  });
});
