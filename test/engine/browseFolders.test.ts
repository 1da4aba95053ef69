/**
 * The setup's server-side folder picker: roots with free space, folders only (no files, no hidden folders), what a
 * folder holds and where a repository would go; a path outside the roots, through "..", or through a link that
 * leads out is refused. Works before any repository exists.
 */
import assert from 'node:assert/strict';
import { mkdir, symlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { it } from 'node:test';
import { createEngine } from '../../src/index.js';
import { isEngineError } from '../../src/shared/errors.js';
import { writePasswordFile } from '../support/repo.js';
import { tempDir } from '../support/tmp.js';

it('lists the roots, then folders only, says what a folder holds, and refuses paths outside the roots', async () => {
  const dir = await tempDir('cb-browse-');
  const drive = path.join(dir, 'usb-drive');
  await mkdir(path.join(drive, 'Backups', 'Antigos'), { recursive: true });
  await mkdir(path.join(drive, '.Trash-1000'));
  await mkdir(path.join(drive, 'Vazia'));
  await writeFile(path.join(drive, 'fotos.zip'), 'x');
  const outside = path.join(dir, 'secret-place');
  await mkdir(outside);
  await symlink(outside, path.join(drive, 'atalho'));
  // No repository yet: the picker is what makes one possible.
  const engine = createEngine({ repo: path.join(dir, 'not-set-up'), passwordFile: await writePasswordFile(dir), stateDir: path.join(dir, 'state'), locale: 'pt-BR', browseRoots: [drive] });

  const top = await engine.browseFolders({});
  const root = top.roots.find((r) => r.path === drive);
  assert.ok(root, JSON.stringify(top.roots));
  assert.ok((root.freeBytes ?? 0) > 0 && (root.totalBytes ?? 0) >= (root.freeBytes ?? 0));
  assert.deepEqual(top.folders, []);

  const inDrive = await engine.browseFolders({ path: drive });
  assert.deepEqual(
    inDrive.folders.map((f) => f.name),
    ['Backups', 'Vazia'],
    'no files, no hidden folders, no links',
  );
  assert.equal(inDrive.parent, null, 'a root has no parent to go up to');
  assert.equal(inDrive.state, 'foreign');
  assert.equal(inDrive.suggested, path.join(drive, 'ClinicBackup'));

  const empty = await engine.browseFolders({ path: path.join(drive, 'Vazia') });
  assert.equal(empty.state, 'empty');
  assert.equal(empty.suggested, path.join(drive, 'Vazia'), 'an empty folder is used as it is');
  assert.equal(empty.parent, drive);

  for (const bad of [
    outside,
    path.join(drive, '..'),
    path.join(drive, 'Backups', '..', '..', 'secret-place'),
    path.join(drive, 'atalho'),
    path.join(drive, 'fotos.zip'),
    path.join(drive, 'nao-existe'),
  ]) {
    await assert.rejects(engine.browseFolders({ path: bad }), (err: unknown) => isEngineError(err, 'INVALID_ARGUMENT') && err.details['field'] === 'path', bad);
  }
});
