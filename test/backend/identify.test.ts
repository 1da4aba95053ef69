import assert from 'node:assert/strict';
import { cp, mkdir, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { test } from 'node:test';
import { defaultMountRoots, identifyDestination, locateDestination, markerRepoId, mountedVolumes, openLocalDestination, relocationCandidates } from '../../src/backend/local/identify.js';
import { LocalBackend } from '../../src/backend/local/localBackend.js';
import { encodeConfig, newConfig } from '../../src/repository/config.js';
import { tempDir } from '../support/tmp.js';
import { expectCode } from './conformance.js';

async function repoAt(root: string): Promise<string> {
  const b = await LocalBackend.create(root);
  const config = newConfig();
  await b.write({ kind: 'config', name: 'config' }, encodeConfig(config));
  return config.id;
}

test('identifies offline, empty, foreign and repository folders by their marker', async () => {
  const dir = await tempDir();
  assert.deepEqual(await identifyDestination(path.join(dir, 'unplugged')), { path: path.join(dir, 'unplugged'), state: 'offline', repoId: null, offline: true });

  const empty = path.join(dir, 'empty');
  await mkdir(path.join(empty, 'lost+found'), { recursive: true });
  assert.equal((await identifyDestination(empty)).state, 'empty');

  const photos = path.join(dir, 'photos');
  await mkdir(photos);
  await writeFile(path.join(photos, 'ferias.jpg'), 'jpeg');
  assert.equal((await identifyDestination(photos)).state, 'foreign');

  const otherTool = path.join(dir, 'restic');
  await mkdir(otherTool);
  await writeFile(path.join(otherTool, 'config'), 'binary restic config');
  assert.deepEqual((await identifyDestination(otherTool)).state, 'foreign');

  const repo = path.join(dir, 'repo');
  const id = await repoAt(repo);
  assert.deepEqual(await identifyDestination(repo), { path: repo, state: 'repository', repoId: id, offline: false });
  assert.equal(markerRepoId(encodeConfig(newConfig())) !== null, true);
  assert.equal(markerRepoId(Buffer.from('{"format":"clinic-backup-repository","id":"short"}')), null);
});

test('a USB drive holding another repository is refused; the expected one opens', async () => {
  const dir = await tempDir();
  const ours = path.join(dir, 'ours');
  const theirs = path.join(dir, 'theirs');
  const ourId = await repoAt(ours);
  const theirId = await repoAt(theirs);
  await expectCode(openLocalDestination(theirs, ourId), 'REPO_MARKER_MISMATCH', (d) => {
    assert.deepEqual([d['location'], d['found'], d['expected']], [theirs, theirId, ourId]);
  });
  await expectCode(openLocalDestination(path.join(dir, 'gone'), ourId), 'DEST_OFFLINE');
  await mkdir(path.join(dir, 'mountpoint'));
  await expectCode(openLocalDestination(path.join(dir, 'mountpoint'), ourId), 'REPO_MARKER_MISSING');
  const b = await openLocalDestination(ours, ourId);
  assert.equal(b.location, ours);
});

test('the same drive mounted at a new path is recognised by its repository id', async () => {
  const dir = await tempDir();
  const media = path.join(dir, 'media', 'ana');
  const configured = path.join(media, 'BACKUP', 'clinica', 'repo');
  const id = await (async () => {
    await mkdir(path.dirname(configured), { recursive: true });
    return repoAt(configured);
  })();
  // another drive with another repository, and a drive with photos, are mounted too
  await mkdir(path.join(media, 'OTHER', 'clinica'), { recursive: true });
  await repoAt(path.join(media, 'OTHER', 'clinica', 'repo'));
  await mkdir(path.join(media, 'PHOTOS'), { recursive: true });
  // unplugged, then plugged back in: the OS mounts it as BACKUP1
  await cp(path.join(media, 'BACKUP'), path.join(media, 'BACKUP1'), { recursive: true });
  await rm(path.join(media, 'BACKUP'), { recursive: true });
  assert.equal((await identifyDestination(configured)).state, 'offline');

  const volumes = await mountedVolumes([media, path.join(dir, 'no-such-root')], 'linux');
  assert.deepEqual(volumes.map((v) => path.basename(v)).sort(), ['BACKUP1', 'OTHER', 'PHOTOS']);
  const candidates = relocationCandidates(configured, volumes);
  assert.ok(candidates.includes(path.join(media, 'BACKUP1', 'clinica', 'repo')));
  assert.ok(!candidates.includes(configured));
  assert.equal(await locateDestination(id, candidates), path.join(media, 'BACKUP1', 'clinica', 'repo'));
  assert.equal(await locateDestination('0'.repeat(32), candidates), null);
  assert.deepEqual(defaultMountRoots('darwin', 'ana'), ['/Volumes']);
  assert.deepEqual(defaultMountRoots('linux', 'ana').slice(0, 2), ['/media/ana', '/run/media/ana']);
});
