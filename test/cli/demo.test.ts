/**
 * `npm run demo` (scripts/demo.mjs → clinic-backup demo): exits 0, prints the summary, and leaves nothing
 * behind: no process of its process group, no listening sandbox, no temp folder.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { ROOT } from '../support/cli.js';

function groupAlive(pgid: number): boolean {
  try {
    process.kill(-pgid, 0);
    return true;
  } catch (err) {
    assert.equal((err as NodeJS.ErrnoException).code, 'ESRCH');
    return false;
  }
}

test('npm run demo: exit 0, summary table, and no process, server or temp folder left behind', async () => {
  // Its own process group (detached), so every process it starts can be looked for afterwards.
  const child = spawn(process.execPath, [path.join(ROOT, 'scripts', 'demo.mjs'), '--patients', '20'], {
    cwd: ROOT,
    env: { ...process.env, CLINIC_BACKUP_LANG: 'en' },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  const pgid = child.pid as number;
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const timer = setTimeout(() => process.kill(-pgid, 'SIGKILL'), 180_000);
  const code = await new Promise<number | null>((resolve) => child.on('exit', (c) => resolve(c)));
  clearTimeout(timer);
  assert.equal(code, 0, stdout + stderr);

  assert.match(stdout, /== Summary ==/);
  assert.match(stdout, /1 full \(bulk-export\)\s+[0-9a-f]{8}\s+\d+\s+\d+/);
  assert.match(stdout, /2 incremental\s+[0-9a-f]{8}\s+\d+\s+1\s+\d+\s+1\s/, 'the incremental shows 1 new and 1 deleted');
  assert.match(stdout, /^Observation\s+\d+$/m);
  assert.match(stdout, /Check OK/);
  assert.match(stdout, /Restore holds the server's \d+ resources: yes/);

  // Nothing is left: the process group is empty (bounded wait for the kernel to reap), the sandbox port is closed.
  for (let i = 0; i < 100 && groupAlive(pgid); i++) await new Promise((r) => setTimeout(r, 20));
  assert.equal(groupAlive(pgid), false, 'no process of the demo is left');
  const url = /FHIR server at (http:\/\/127\.0\.0\.1:\d+\/fhir)/.exec(stdout)?.[1];
  assert.ok(url, stdout);
  await assert.rejects(fetch(`${url}/metadata`, { signal: AbortSignal.timeout(5000) }), (err: Error & { cause?: { code?: string } }) => err.cause?.code === 'ECONNREFUSED');
  const work = /repository at (\S+)\/repository/.exec(stdout)?.[1];
  assert.ok(work && work.includes('clinic-backup-demo-'));
  assert.equal(existsSync(work), false, 'its temp folder is removed');
});
