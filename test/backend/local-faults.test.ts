import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { chmod, mkdir, readdir, rm, utimes, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { tempDir } from '../support/tmp.js';
import { isEngineError } from '../../src/shared/errors.js';
import { LocalBackend } from '../../src/backend/local/localBackend.js';
import { mapFsError, makeErrno } from '../../src/backend/local/fsErrors.js';
import { FaultBackend, faults } from '../../src/backend/fault.js';
import { RetryBackend } from '../../src/backend/retry.js';
import { ReadOnlyBackend } from '../../src/backend/readonly.js';
import type { FileRef } from '../../src/backend/types.js';
import { collect, expectCode, hexName } from './conformance.js';

const base = await tempDir('cb-local-faults-');
let counter = 0;
const freshPath = (): string => path.join(base, `case-${++counter}`);

const CONFIG: FileRef = { kind: 'config', name: 'config' };
const PACK: FileRef = { kind: 'data', name: hexName('pack') };
const SNAP: FileRef = { kind: 'snapshots', name: hexName('snap') };

/** A repository as the repository layer leaves it after init: kind folders plus the `config` marker. */
async function initialised(): Promise<{ root: string; local: LocalBackend }> {
  const root = freshPath();
  const created = await LocalBackend.create(root);
  await created.write(CONFIG, Buffer.from('{"version":1}'));
  return { root, local: await LocalBackend.open(root) };
}

const noSleep = async (): Promise<void> => undefined;

describe('LocalBackend.create and open', () => {
  test('open of a folder without the marker is REPO_MARKER_MISSING and writes nothing', async () => {
    const empty = freshPath();
    await mkdir(empty);
    await expectCode(LocalBackend.open(empty), 'REPO_MARKER_MISSING', (d) => assert.equal(d['location'], empty));
    assert.deepEqual(await readdir(empty), []);

    const foreign = freshPath();
    await mkdir(foreign);
    await writeFile(path.join(foreign, 'photo.jpg'), 'x');
    await expectCode(LocalBackend.open(foreign), 'REPO_MARKER_MISSING');
    assert.deepEqual(await readdir(foreign), ['photo.jpg']);
  });

  test('open of a missing path is DEST_OFFLINE and creates nothing', async () => {
    const missing = path.join(freshPath(), 'repo');
    await expectCode(LocalBackend.open(missing), 'DEST_OFFLINE', (d) => assert.equal(d['location'], missing));
    assert.equal(existsSync(path.dirname(missing)), false);
  });

  test('create needs an existing parent and an empty or missing folder', async () => {
    const orphan = path.join(freshPath(), 'repo');
    await expectCode(LocalBackend.create(orphan), 'DEST_OFFLINE');
    assert.equal(existsSync(path.dirname(orphan)), false, 'parent not created');

    const busy = freshPath();
    await mkdir(busy);
    await writeFile(path.join(busy, 'notes.txt'), 'x');
    await expectCode(LocalBackend.create(busy), 'REPO_ALREADY_EXISTS', (d) => assert.equal(d['location'], busy));
    assert.deepEqual(await readdir(busy), ['notes.txt']);

    const file = freshPath();
    await writeFile(file, 'x');
    await expectCode(LocalBackend.create(file), 'REPO_ALREADY_EXISTS');

    const fresh = freshPath();
    const b = await LocalBackend.create(fresh);
    assert.equal(b.location, fresh);
    assert.deepEqual((await readdir(fresh)).sort(), ['audit', 'data', 'index', 'keys', 'locks', 'snapshots']);

    // a fresh volume's housekeeping folder does not count as content
    const volume = freshPath();
    await mkdir(path.join(volume, 'lost+found'), { recursive: true });
    await LocalBackend.create(volume);
    assert.ok((await readdir(volume)).includes('data'));

    // a second init over the first is refused once it has content
    await b.write(CONFIG, Buffer.from('c'));
    await expectCode(LocalBackend.create(fresh), 'REPO_ALREADY_EXISTS');
  });

  test('open after init reads what was written; relative paths become absolute', async () => {
    const { root, local } = await initialised();
    await local.write(SNAP, Buffer.from('snap'));
    const again = await LocalBackend.open(path.relative(process.cwd(), root));
    assert.equal(again.location, root);
    assert.equal((await again.read(SNAP)).toString(), 'snap');
    assert.equal((await again.read(CONFIG)).toString(), '{"version":1}');
  });
});

describe('LocalBackend when the destination disappears', () => {
  test('root removed after open: every operation is DEST_OFFLINE and nothing is recreated', async () => {
    const { root, local } = await initialised();
    await local.write(PACK, Buffer.from('pack'));
    await rm(root, { recursive: true });
    await expectCode(local.write(PACK, Buffer.from('new')), 'DEST_OFFLINE', (d) => assert.equal(d['location'], root));
    await expectCode(local.write(SNAP, Buffer.from('new')), 'DEST_OFFLINE');
    await expectCode(local.write(CONFIG, Buffer.from('new')), 'DEST_OFFLINE');
    await expectCode(local.read(PACK), 'DEST_OFFLINE');
    await expectCode(local.stat(PACK), 'DEST_OFFLINE');
    await expectCode(local.delete(PACK), 'DEST_OFFLINE');
    await expectCode(collect(local.list('data')), 'DEST_OFFLINE');
    await expectCode(collect(local.list('config')), 'DEST_OFFLINE');
    await expectCode(local.capacity(), 'DEST_OFFLINE');
    await expectCode(local.cleanupTempFiles(0), 'DEST_OFFLINE');
    assert.equal(existsSync(root), false, 'the repository root was not recreated');
  });

  test('share unmounted under an empty mountpoint: REPO_MARKER_MISSING, nothing written to the local disk', async () => {
    const { root, local } = await initialised();
    await local.write(PACK, Buffer.from('pack'));
    // what an unmount looks like: the mountpoint folder stays, its content is gone
    for (const e of await readdir(root)) await rm(path.join(root, e), { recursive: true });
    await expectCode(local.write(SNAP, Buffer.from('x')), 'REPO_MARKER_MISSING');
    await expectCode(local.write({ kind: 'data', name: hexName('other') }, Buffer.from('x')), 'REPO_MARKER_MISSING');
    await expectCode(local.read(PACK), 'REPO_MARKER_MISSING');
    await expectCode(local.stat(PACK), 'REPO_MARKER_MISSING');
    await expectCode(collect(local.list('data')), 'REPO_MARKER_MISSING');
    assert.deepEqual(await readdir(root), [], 'mountpoint still empty');
  });

  test('a deleted kind folder is recreated when the marker is still there', async () => {
    const { root, local } = await initialised();
    await rm(path.join(root, 'locks'), { recursive: true });
    const lock: FileRef = { kind: 'locks', name: hexName('lock') };
    await local.write(lock, Buffer.from('l'));
    assert.equal((await local.read(lock)).toString(), 'l');
  });
});

describe('crashes and leftovers', () => {
  test('a process killed mid-write leaves the old or the new file whole, and only temp files behind', async () => {
    const { root, local } = await initialised();
    const ref: FileRef = { kind: 'index', name: hexName('crash') };
    const size = 16 * 1024 * 1024;
    await local.write(ref, Buffer.alloc(size, 0));
    const backendUrl = pathToFileURL(path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../src/backend/local/localBackend.ts')).href;
    const script = `
      const { LocalBackend } = await import(${JSON.stringify(backendUrl)});
      const b = await LocalBackend.open(${JSON.stringify(root)});
      const ref = ${JSON.stringify(ref)};
      for (let v = 1; v <= 200; v++) {
        await b.write(ref, Buffer.alloc(${size}, v));
        if (v === 1) process.stdout.write('ready\\n');
      }
      process.stdout.write('finished\\n');
    `;
    const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    const ready = new Promise<void>((resolve, reject) => {
      child.stdout.on('data', (chunk: Buffer) => {
        out += chunk.toString();
        if (out.includes('ready')) resolve();
      });
      child.on('exit', (code) => reject(new Error(`child exited early (${code}): ${out}`)));
    });
    await ready;
    await new Promise((r) => setTimeout(r, 20 + Math.floor(Math.random() * 60)));
    const exited = new Promise((r) => child.once('exit', r));
    child.kill('SIGKILL');
    await exited;
    assert.ok(!out.includes('finished'), 'killed before the end');

    const got = await local.read(ref);
    assert.equal(got.length, size);
    const v = got[0] ?? -1;
    assert.ok(got.equals(Buffer.alloc(size, v)), 'the file is one whole version');
    assert.deepEqual(
      (await collect(local.list('index'))).map((f) => f.name),
      [ref.name],
    );
    await local.cleanupTempFiles(0);
    assert.deepEqual(await readdir(path.join(root, 'index')), [ref.name], 'temp files cleaned');
  });

  test('cleanupTempFiles removes old temp files only; list never shows them', async () => {
    const { root, local } = await initialised();
    await local.write(PACK, Buffer.from('p'));
    const prefixDir = path.join(root, 'data', PACK.name.slice(0, 2));
    const old = [path.join(prefixDir, '.tmp-old1'), path.join(root, 'snapshots', '.tmp-old2'), path.join(root, '.tmp-old3')];
    const recent = path.join(prefixDir, '.tmp-recent');
    const past = new Date(Date.now() - 3_600_000);
    for (const f of old) {
      await writeFile(f, 'partial');
      await utimes(f, past, past);
    }
    await writeFile(recent, 'in progress');
    assert.deepEqual(
      (await collect(local.list('data'))).map((f) => f.name),
      [PACK.name],
    );
    assert.deepEqual(await collect(local.list('snapshots')), []);
    assert.equal(await local.cleanupTempFiles(60_000), 3);
    for (const f of old) assert.equal(existsSync(f), false);
    assert.equal(existsSync(recent), true, 'a temp file of a running write is kept');
    assert.equal(existsSync(path.join(prefixDir, PACK.name)), true);
  });

  test('FaultBackend crashMidWrite: the call fails and the old content stays', async () => {
    const { local } = await initialised();
    await local.write(SNAP, Buffer.from('old'));
    const f = new FaultBackend(local, { rules: [faults.crashMidWrite({ kind: 'snapshots' })] });
    await expectCode(f.write(SNAP, Buffer.from('new')), 'DEST_IO');
    assert.equal((await local.read(SNAP)).toString(), 'old');
    await f.write(SNAP, Buffer.from('new'));
    assert.equal((await local.read(SNAP)).toString(), 'new', 'only the first write crashed');
    assert.equal(f.calls('write', 'snapshots'), 2);
  });
});

describe('destination errors through FaultBackend (same mapping as the real disk)', () => {
  test('ENOSPC is DEST_FULL, not retried, and the previous file is intact', async () => {
    const { root, local } = await initialised();
    await local.write(PACK, Buffer.from('previous'));
    const f = new FaultBackend(local, { rules: [faults.diskFull({ kind: 'data' })] });
    const r = new RetryBackend(f, { sleep: noSleep });
    await expectCode(r.write(PACK, Buffer.from('next')), 'DEST_FULL', (d) => assert.equal(d['location'], root));
    assert.equal(f.calls('write'), 1, 'not retried');
    assert.equal((await r.read(PACK)).toString(), 'previous');
    await r.write(SNAP, Buffer.from('other kinds still work'));
  });

  test('EACCES, EPERM, EROFS, EIO and offline map to their codes', async () => {
    const { local } = await initialised();
    const cases = [
      ['EACCES', 'DEST_PERMISSION'],
      ['EPERM', 'DEST_PERMISSION'],
      ['EROFS', 'DEST_READONLY'],
      ['EIO', 'DEST_IO'],
      ['EDQUOT', 'DEST_FULL'],
      ['offline', 'DEST_OFFLINE'],
    ] as const;
    for (const [error, code] of cases) {
      const f = new FaultBackend(local, { rules: [{ op: ['write', 'read'], effect: { type: 'error', error } }] });
      await expectCode(f.write(SNAP, Buffer.from('x')), code);
      await expectCode(f.read(CONFIG), code);
    }
    assert.equal(await local.stat(SNAP), null, 'nothing was written');
  });

  test('mapFsError: transient network-share errors are marked transient, a missing disk is not', () => {
    const loc = '/mnt/nas';
    const stale = mapFsError(makeErrno('ESTALE', 'open'), loc);
    assert.equal(stale.code, 'DEST_OFFLINE');
    assert.equal(stale.transient, true);
    const gone = mapFsError(makeErrno('ENOENT', 'open'), loc);
    assert.equal(gone.code, 'DEST_OFFLINE');
    assert.equal(gone.transient, false);
    const busy = mapFsError(makeErrno('EBUSY', 'rename'), loc);
    assert.equal(busy.code, 'DEST_IO');
    assert.equal(busy.transient, true);
    const full = mapFsError(makeErrno('ENOSPC', 'write'), loc);
    assert.deepEqual([full.code, full.transient, full.details['location']], ['DEST_FULL', false, loc]);
  });

  test('real permissions: a read-only folder refuses writes (only when not running as root)', async (t) => {
    if (process.getuid?.() === 0 || process.platform === 'win32') {
      t.skip('running as root (or on Windows): chmod does not block writes');
      return;
    }
    const { root, local } = await initialised();
    await chmod(path.join(root, 'snapshots'), 0o555);
    try {
      await expectCode(local.write(SNAP, Buffer.from('x')), 'DEST_PERMISSION');
    } finally {
      await chmod(path.join(root, 'snapshots'), 0o755);
    }
  });
});

describe('retry and read-only wrappers over the local disk', () => {
  test('persistent transient errors: gives up after N attempts and the error stays transient', async () => {
    const { local } = await initialised();
    const f = new FaultBackend(local, { rules: [{ op: 'write', effect: { type: 'error', error: 'transient' } }] });
    const delays: number[] = [];
    const r = new RetryBackend(f, {
      attempts: 4,
      baseDelayMs: 100,
      maxDelayMs: 250,
      random: () => 0.999,
      sleep: async (ms) => {
        delays.push(ms);
      },
    });
    await assert.rejects(r.write(SNAP, Buffer.from('x')), (err: unknown) => {
      assert.ok(isEngineError(err, 'DEST_IO'));
      assert.equal(err.transient, true);
      return true;
    });
    assert.equal(f.calls('write'), 4);
    assert.deepEqual(delays, [99, 199, 249], 'exponential, capped by maxDelayMs');
    assert.equal(await local.stat(SNAP), null);
  });

  test('transient errors N times: the retry wrapper recovers', async () => {
    const { local } = await initialised();
    await local.write(SNAP, Buffer.from('data'));
    const f = new FaultBackend(local, { rules: [faults.transient(3, 'read')] });
    const r = new RetryBackend(f, { sleep: noSleep });
    assert.equal((await r.read(SNAP)).toString(), 'data');
    assert.equal(f.calls('read'), 4);
    assert.equal(f.injected, 3);
  });

  test('ReadOnlyBackend refuses writes and deletes, passes reads through', async () => {
    const { root, local } = await initialised();
    await local.write(SNAP, Buffer.from('keep'));
    const ro = new ReadOnlyBackend(local);
    await expectCode(ro.write(PACK, Buffer.from('x')), 'DEST_READONLY', (d) => assert.equal(d['location'], root));
    await expectCode(ro.delete(SNAP), 'DEST_READONLY');
    assert.equal((await ro.read(SNAP)).toString(), 'keep');
    assert.equal((await ro.stat(SNAP))?.size, 4);
    assert.deepEqual(
      (await collect(ro.list('snapshots'))).map((x) => x.name),
      [SNAP.name],
    );
    assert.equal(await local.stat(PACK), null);
    assert.ok((await ro.capacity()) !== null);
  });
});
