// The restore wizard's browsing of a folder source through the host: one folder level at a time (depth 1: the
// folder asked for and its own entries), the
// search by name under everything, and "as it was on" a date (the backup at or before it).
import assert from 'node:assert/strict';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { EngineHost } from '../../src/api/index.js';
import type { CallResult } from '../../src/shared/api.js';
import type { FileListResult } from '../../src/shared/contract.js';
import { testRepo } from '../restorer/helpers.js';
import { tempDir } from '../support/tmp.js';

function value<T>(r: CallResult): T {
  if (!r.ok) assert.fail(`${r.error.code}: ${r.error.message}`);
  return r.value as T;
}

describe('browsing a folder source (API)', () => {
  it('lists one level with depth 1, searches by name everywhere, and picks the backup as of a date', async () => {
    const dir = await tempDir('cb-browse-');
    const repo = await testRepo(path.join(dir, 'main'));
    const host = new EngineHost({ engine: { passwordFile: repo.passwordFile, stateDir: repo.stateDir, secretsDir: path.join(dir, 'secrets') }, repo: repo.root, locale: 'pt-BR', mode: 'serve' });
    after(() => host.close());
    const docs = path.join(dir, 'Documentos');
    await mkdir(path.join(docs, 'laudos', '2026'), { recursive: true });
    await writeFile(path.join(docs, 'laudos', '2026', 'ultrassom Conceição.pdf'), 'laudo');
    await writeFile(path.join(docs, 'laudos', 'antigo.pdf'), 'antigo');
    await writeFile(path.join(docs, 'leia-me.txt'), 'oi');
    value(await host.call('addSource', [{ kind: 'folders', name: 'Docs', paths: [docs] }]));
    value(await host.call('backupSource', ['Docs']));

    const root = value<FileListResult>(await host.call('listFiles', [{ source: 'Docs', path: '', depth: 1 }]));
    assert.deepEqual(
      root.entries.map((e) => e.path),
      ['Documentos'],
    );
    const inside = value<FileListResult>(await host.call('listFiles', [{ source: 'Docs', snapshot: root.snapshotId, path: 'Documentos', depth: 1 }]));
    assert.deepEqual(inside.entries.map((e) => [e.path, e.type]).sort(), [
      ['Documentos', 'dir'],
      ['Documentos/laudos', 'dir'],
      ['Documentos/leia-me.txt', 'file'],
    ]);
    const two = value<FileListResult>(await host.call('listFiles', [{ source: 'Docs', path: 'Documentos', depth: 2 }]));
    assert.deepEqual(two.entries.map((e) => e.path).sort(), ['Documentos', 'Documentos/laudos', 'Documentos/laudos/2026', 'Documentos/laudos/antigo.pdf', 'Documentos/leia-me.txt']);
    const found = value<FileListResult>(await host.call('listFiles', [{ source: 'Docs', path: '', query: 'CONCEICAO' }]));
    assert.deepEqual(
      found.entries.map((e) => e.path),
      ['Documentos/laudos/2026/ultrassom Conceição.pdf'],
    );

    // As of a date before the first backup: none; as of today: the backup.
    const before = await host.call('listFiles', [{ source: 'Docs', path: '', asOf: '2000-01-01' }]);
    assert.equal(before.ok ? 'ok' : before.error.code, 'SNAPSHOT_NOT_FOUND');
    const today = value<FileListResult>(await host.call('listFiles', [{ source: 'Docs', path: '', asOf: new Date(Date.now() + 86_400_000).toISOString().slice(0, 10) }]));
    assert.equal(today.snapshotId, root.snapshotId);
    const bad = await host.call('listFiles', [{ source: 'Docs', path: '', depth: 0 }]);
    assert.equal(bad.ok ? 'ok' : bad.error.code, 'INVALID_ARGUMENT');
  });
});
