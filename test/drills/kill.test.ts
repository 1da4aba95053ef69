/**
 * kill -9 in the middle of a drill (issue 7): the sandbox lived in the drill's process, so its port is closed
 * with it; the drill wrote no temp data (its sandbox is in memory, the restore keeps no journal: the child's
 * TMPDIR stays empty); and the next start cleans what is left: Catalog.interruptRunningRuns() marks the
 * drill 'interrupted', and the dead process's repository lock is stale at once (its pid is gone) and is
 * removed by the next drill that takes a lock.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdir, readdir } from 'node:fs/promises';
import path from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { Catalog } from '../../src/catalog/catalog.js';
import { runDrill } from '../../src/drills/index.js';
import { sandbox } from '../support/fhir.js';
import { tempDir } from '../support/tmp.js';
import { copyAt, drillInput, portRefuses, repoFromSandbox } from './helpers.js';

const here = path.dirname(fileURLToPath(import.meta.url));

test('kill -9 mid-drill: no sandbox left listening, no temp data; the next start records it as interrupted', async () => {
  const dir = await tempDir('cb-drill-kill-');
  const A = await sandbox({ patients: 20, seed: 21 });
  const { root } = await repoFromSandbox(path.join(dir, 'source'), A);
  const catalogFile = path.join(dir, 'catalog.db');
  const childTmp = path.join(dir, 'child-tmp');
  await mkdir(childTmp);

  const child = spawn(process.execPath, ['--import', 'tsx', path.join(here, 'fixtures', 'drillChild.ts'), root, catalogFile], {
    stdio: ['ignore', 'pipe', 'inherit'],
    env: { ...process.env, TMPDIR: childTmp, TSX_DISABLE_CACHE: '1' },
  });
  const guard = setTimeout(() => child.kill('SIGKILL'), 120_000);
  let drillId = 0;
  let port = 0;
  let buffer = '';
  for await (const chunk of child.stdout) {
    buffer += String(chunk);
    const lines = buffer.split('\n');
    buffer = lines.pop() ?? '';
    for (const l of lines) {
      const [word, value] = l.split(' ');
      if (word === 'DRILL') drillId = Number(value);
      if (word === 'MIDDRILL') port = Number(value);
      assert.notEqual(word, 'FINISHED', 'the drill was still running when killed');
    }
    if (port > 0) break;
  }
  assert.ok(drillId > 0 && port > 0, 'the child reported its drill and sandbox');
  assert.equal(await portRefuses(port), false, 'the sandbox is listening mid-drill');
  child.kill('SIGKILL');
  const [, signal] = (await once(child, 'exit')) as [number | null, string | null];
  clearTimeout(guard);
  assert.equal(signal, 'SIGKILL');

  assert.ok(await portRefuses(port), 'the sandbox died with the process');
  assert.deepEqual(await readdir(childTmp), [], 'no temp data');
  assert.equal((await readdir(path.join(root, 'locks'))).length, 1, 'the dead drill left its shared lock');

  // Next start: the catalog row is marked interrupted, the stale lock is removed by the next drill.
  const { catalog } = Catalog.open(catalogFile);
  try {
    assert.equal(catalog.getDrill(drillId)?.status, 'running');
    assert.equal(catalog.interruptRunningRuns(), 1);
    assert.equal(catalog.getDrill(drillId)?.status, 'interrupted');
  } finally {
    catalog.close();
  }
  const next = await runDrill(drillInput([copyAt('local', root)], { seed: 2 }));
  assert.equal(next.status, 'success', JSON.stringify(next.failures));
  assert.deepEqual(await readdir(path.join(root, 'locks')), [], 'the stale lock is gone');
});
