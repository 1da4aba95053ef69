// A restore whose target disk fills up (a real, small tmpfs mounted by the test): the restore stops with
// RESTORE_TARGET_FULL naming the place (exit 1, not an internal error), leaves no incomplete file behind, and the
// repository is untouched (check passes, the same restore elsewhere succeeds). Both write paths: a whole snapshot
// (frames opened and written by the worker pool) and one patient (opened and written in the engine's thread).
// Needs root to mount tmpfs; otherwise it skips and says why.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdir, mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { writeNdjsonDataset } from '../../src/sandbox/synthetic.js';
import { runCli } from '../support/cli.js';
import { writePasswordFile } from '../support/repo.js';

/** Mounts a tmpfs of `size` at `dir`; the reason it cannot, or null. */
function mountTmpfs(dir: string, size: string): string | null {
  if (process.getuid?.() !== 0) return 'mounting a small tmpfs needs root';
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${size},mode=0700`, 'tmpfs', dir], { stdio: 'pipe' });
    return null;
  } catch (err) {
    return `cannot mount tmpfs here: ${err instanceof Error ? err.message.split('\n')[0] : String(err)}`;
  }
}

/** Every file under a folder (none when it does not exist). */
async function filesIn(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true, recursive: true }).catch(() => []);
  return entries.filter((e) => e.isFile()).map((e) => path.join(e.parentPath, e.name));
}

describe('restore onto a disk that fills up', () => {
  let dir = '';
  let env: NodeJS.ProcessEnv = {};
  let patient = '';
  const mounted: string[] = [];
  let skip = '';

  before(async () => {
    // Its own temp folder (not tempDir's): the tmpfs mounts inside must be unmounted before it is removed.
    dir = await mkdtemp(path.join(os.tmpdir(), 'cb-restore-full-'));
    const data = path.join(dir, 'export');
    // ~40 MB: more than 512 frames, so a whole restore opens and writes its frames in the worker pool.
    await writeNdjsonDataset(data, { patients: 350, seed: 21 });
    env = { CLINIC_BACKUP_REPO: path.join(dir, 'repo'), CLINIC_BACKUP_PASSWORD_FILE: await writePasswordFile(dir), CLINIC_BACKUP_STATE_DIR: path.join(dir, 'state') };
    assert.equal((await runCli(['init'], env)).code, 0);
    const b = await runCli(['backup', data, '--json'], env, 300_000);
    assert.equal(b.code, 0, b.stderr);
    const patients = await readFile(path.join(data, (await readdir(data)).find((f) => f.startsWith('Patient')) as string), 'utf8');
    patient = patients.match(/"id":"([^"]+)"/)?.[1] ?? '';
    for (const [name, size] of [
      ['full', '2m'],
      ['tiny', '4k'],
    ] as const) {
      const at = path.join(dir, name);
      await mkdir(at);
      const why = mountTmpfs(at, size);
      if (why) {
        skip = why;
        console.log(`# disk-full restore tests skipped: ${why}`);
        return;
      }
      mounted.push(at);
    }
  });
  after(async () => {
    for (const at of mounted) execFileSync('umount', [at], { stdio: 'pipe' });
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('a whole snapshot: RESTORE_TARGET_FULL naming the place, no incomplete file left, the repository untouched', async (t) => {
    if (skip) return t.skip(skip);
    const target = path.join(dir, 'full', 'restaurado');
    const r = await runCli(['restore', '--target', target, '--yes'], env, 300_000);
    assert.equal(r.code, 1, r.stdout + r.stderr);
    assert.match(r.stderr, /RESTORE_TARGET_FULL/);
    assert.ok(r.stderr.includes(`${target} ran out of space during the restore`), r.stderr);
    assert.doesNotMatch(r.stderr, /INTERNAL|ENOSPC/);
    assert.deepEqual(await filesIn(target), [], 'no incomplete file is left');
    const check = await runCli(['check', '--read-data'], env, 300_000);
    assert.equal(check.code, 0, check.stdout + check.stderr);
    const elsewhere = await runCli(['restore', '--target', path.join(dir, 'ok'), '--yes'], env, 300_000);
    assert.equal(elsewhere.code, 0, elsewhere.stderr);
  });

  it('one patient: the same error from the engine thread path', async (t) => {
    if (skip) return t.skip(skip);
    const target = path.join(dir, 'tiny', 'paciente');
    const r = await runCli(['restore', '--target', target, '--patient', patient, '--yes'], env, 300_000);
    assert.equal(r.code, 1, r.stdout + r.stderr);
    assert.ok(r.stderr.includes(`${target} ran out of space during the restore`), r.stderr);
    assert.deepEqual(await filesIn(target), [], 'no incomplete file is left');
  });
});
