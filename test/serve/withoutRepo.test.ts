/**
 * `serve` without --repo: it starts with no repository (the user interface's welcome screen), the folder picker
 * works, the wizard's choice (openRepository + init) is remembered, and the next start opens that repository.
 */
import assert from 'node:assert/strict';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { it } from 'node:test';
import { startServeApp } from '../../src/serve/index.js';
import { writePasswordFile } from '../support/repo.js';
import { tempDir } from '../support/tmp.js';

it('starts without a repository, lets the wizard create one in a picked folder, and opens it again next time', async () => {
  const dir = await tempDir('cb-serve-norepo-');
  const drive = path.join(dir, 'usb');
  await mkdir(drive);
  const engine = { passwordFile: await writePasswordFile(dir), stateDir: path.join(dir, 'state'), browseRoots: [drive] };
  const first = await startServeApp({ locale: 'pt-BR', engine, rendererDir: dir });
  try {
    const status = await first.host.call('status', []);
    assert.equal(status.ok, false);
    assert.ok(!status.ok && ['REPO_MARKER_MISSING', 'REPO_NOT_FOUND'].includes(status.error.code), JSON.stringify(status));
    const listing = await first.host.call('browseFolders', [{ path: drive }]);
    assert.ok(listing.ok, JSON.stringify(listing));
    const target = listing.ok ? (listing.value as { suggested: string }).suggested : '';
    assert.equal(target, drive, 'an empty drive is used as it is');
    assert.ok((await first.host.call('openRepository', [{ path: target }])).ok);
    assert.ok((await first.host.call('init', [{ useKeychain: false }])).ok);
  } finally {
    await first.close();
  }
  const second = await startServeApp({ locale: 'pt-BR', engine, rendererDir: dir });
  try {
    const status = await second.host.call('status', []);
    assert.ok(status.ok, JSON.stringify(status));
    assert.equal(status.ok && (status.value as { location: string }).location, drive);
  } finally {
    await second.close();
  }
});
