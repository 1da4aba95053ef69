import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readdir, readFile, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { FaultBackend, faults } from '../../src/backend/fault.js';
import { LocalBackend } from '../../src/backend/local/localBackend.js';
import { ObjectKind, sealObject } from '../../src/repository/envelope.js';
import { Repository } from '../../src/repository/repository.js';
import { isEngineError } from '../../src/shared/errors.js';
import { writeNdjsonDataset } from '../../src/sandbox/synthetic.js';
import { backupDir, newRepo, reopen, TEST_PASSPHRASE, TEST_SCRYPT } from '../support/repo.js';
import { tempDir } from '../support/tmp.js';

async function listAll(root: string): Promise<string[]> {
  const out: string[] = [];
  const walk = async (d: string): Promise<void> => {
    for (const e of await readdir(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) await walk(p);
      else out.push(path.relative(root, p));
    }
  };
  await walk(root);
  return out.sort();
}

test('wrong passphrase and wrong recovery key are refused with clear codes and nothing is written', async () => {
  const dir = await tempDir();
  const { root, recoveryKey } = await newRepo(dir);
  const before = await listAll(root);
  await assert.rejects(Repository.open(await LocalBackend.open(root), { passphrase: 'nope' }), (e) => isEngineError(e, 'WRONG_PASSWORD'));
  const wrong = Buffer.from(recoveryKey as Buffer);
  wrong[0] = (wrong[0] as number) ^ 0xff;
  await assert.rejects(Repository.open(await LocalBackend.open(root), { recoveryKey: wrong }), (e) => isEngineError(e, 'WRONG_RECOVERY_KEY'));
  const other = await newRepo(await tempDir());
  await assert.rejects(Repository.open(await LocalBackend.open(root), { recoveryKey: other.recoveryKey as Buffer }), (e) => isEngineError(e, 'RECOVERY_KEY_OTHER_REPO'));
  assert.deepEqual(await listAll(root), before);
  // The right recovery key opens it.
  const repo = await Repository.open(await LocalBackend.open(root), { recoveryKey: recoveryKey as Buffer });
  assert.equal(repo.openedWith?.kind, 'recovery');
});

test('key slots: add, list without secrets, open with each, refuse removing the last', async () => {
  const dir = await tempDir();
  const { repo, root } = await newRepo(dir);
  const added = await repo.addKey('passphrase', { passphrase: 'segunda senha', name: 'second', scrypt: TEST_SCRYPT });
  await assert.rejects(repo.addKey('passphrase', { passphrase: 'x', name: 'second', scrypt: TEST_SCRYPT }), (e) => isEngineError(e, 'KEY_SLOT_DUPLICATE'));
  const keys = await repo.listKeys();
  assert.deepEqual(keys.map((k) => k.kind).sort(), ['passphrase', 'passphrase', 'recovery']);
  for (const f of await readdir(path.join(root, 'keys'))) {
    const text = await readFile(path.join(root, 'keys', f), 'utf8');
    assert.ok(!text.includes(TEST_PASSPHRASE) && !text.includes('segunda senha'));
  }
  const viaSecond = await Repository.open(await LocalBackend.open(root), { passphrase: 'segunda senha' });
  assert.equal(viaSecond.openedWith?.id, added.slot.id);
  for (const k of keys.slice(1)) await repo.removeKey(k.id);
  await assert.rejects(repo.removeKey((keys[0] as { id: string }).id), (e) => isEngineError(e, 'KEY_SLOT_LAST'));
});

test('unknown format version and a destination without marker are refused', async () => {
  const dir = await tempDir();
  const { root } = await newRepo(dir);
  const cfg = JSON.parse(await readFile(path.join(root, 'config'), 'utf8')) as Record<string, unknown>;
  await writeFile(path.join(root, 'config'), JSON.stringify({ ...cfg, version: 9 }));
  await assert.rejects(reopen(root), (e) => isEngineError(e, 'REPO_VERSION_UNSUPPORTED'));
  const empty = path.join(dir, 'empty-mountpoint');
  await (await import('node:fs/promises')).mkdir(empty);
  await assert.rejects(LocalBackend.open(empty), (e) => isEngineError(e, 'REPO_MARKER_MISSING'));
  assert.deepEqual(await readdir(empty), []);
});

test('disk full during a backup: the run fails with DEST_FULL and the previous snapshot stays intact', async () => {
  const dir = await tempDir();
  const data = path.join(dir, 'data');
  await writeNdjsonDataset(data, { patients: 30, seed: 3 });
  const { root, repo } = await newRepo(dir, { packTargetBytes: 64 * 1024, frameTargetBytes: 16 * 1024 });
  const first = await backupDir(repo, data);
  await writeNdjsonDataset(path.join(dir, 'data2'), { patients: 30, seed: 4 });
  const faulty = new FaultBackend(await LocalBackend.open(root), { rules: [faults.diskFull({ nth: 3, kind: 'data' })] });
  const repo2 = await Repository.open(faulty, { passphrase: TEST_PASSPHRASE });
  await assert.rejects(backupDir(repo2, path.join(dir, 'data2')), (e) => isEngineError(e, 'DEST_FULL'));
  const after = await reopen(root);
  const snaps = await after.listSnapshots();
  assert.deepEqual(
    snaps.map((s) => s.id),
    [first.snapshotId],
  );
});

test('locks: a live process holding an exclusive lock blocks; a dead owner is stale and removed', async () => {
  const dir = await tempDir();
  const { repo, root } = await newRepo(dir);
  // A lock written on behalf of a process that no longer exists on this host: stale at once.
  const deadPid = 2 ** 22 - 3;
  const info = { kind: 'exclusive', host: os.hostname(), pid: deadPid, user: 'x', operation: 'prune', created: new Date().toISOString(), refreshed: new Date().toISOString() };
  const key = (repo as unknown as { keys: { data: Buffer } }).keys.data;
  const bytes = sealObject(key, ObjectKind.lock, Buffer.from(JSON.stringify(info))).bytes;
  await repo.backend.write({ kind: 'locks', name: 'f'.repeat(64) }, bytes);
  const shared = await repo.lock('shared', 'backup');
  await shared.release();
  assert.deepEqual(await readdir(path.join(root, 'locks')), []);
  // A lock from another host not refreshed for two hours is stale too.
  const old = new Date(Date.now() - 2 * 3600_000).toISOString();
  const foreign = { ...info, host: 'other-pc', pid: 1, created: old, refreshed: old };
  await repo.backend.write({ kind: 'locks', name: 'e'.repeat(64) }, sealObject(key, ObjectKind.lock, Buffer.from(JSON.stringify(foreign))).bytes);
  await (await repo.lock('exclusive', 'prune')).release();
  assert.deepEqual(await readdir(path.join(root, 'locks')), []);
  // Another live process takes an exclusive lock and holds it.
  const script = `
    import { LocalBackend } from './src/backend/local/localBackend.ts';
    import { Repository } from './src/repository/repository.ts';
    const repo = await Repository.open(await LocalBackend.open(${JSON.stringify(root)}), { passphrase: ${JSON.stringify(TEST_PASSPHRASE)} });
    await repo.lock('exclusive', 'prune');
    console.log('locked');
    setTimeout(() => {}, 60000);
  `;
  const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { cwd: process.cwd(), stdio: ['ignore', 'pipe', 'inherit'] });
  try {
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('child did not lock')), 30000);
      child.stdout.on('data', (d: Buffer) => {
        if (d.toString().includes('locked')) {
          clearTimeout(timer);
          resolve();
        }
      });
    });
    await assert.rejects(repo.lock('shared', 'backup'), (e) => isEngineError(e, 'REPO_LOCKED') && String(e.details['owner']).includes(`pid ${child.pid}`));
  } finally {
    child.kill('SIGKILL');
    await new Promise((r) => child.once('exit', r));
  }
  // Its owner died (kill -9): the lock is stale now and the next run proceeds.
  const again = await repo.lock('shared', 'backup');
  await again.release();
});

test('a malformed or hostile key slot file never blocks opening with a valid slot', async () => {
  const dir = await tempDir();
  const { root } = await newRepo(dir);
  const cfg = JSON.parse(await readFile(path.join(root, 'config'), 'utf8')) as { id: string };
  const base = { format: 'clinic-backup-key', version: 1, repoId: cfg.id, name: 'x', created: new Date().toISOString(), host: 'h', wrappedKey: 'AAAA' };
  await writeFile(path.join(root, 'keys', 'aaaaaaaaaaaaaaaa'), JSON.stringify({ ...base, id: 'aaaaaaaaaaaaaaaa', kind: 'passphrase', kdf: { name: 'hkdf', salt: 'AAAA' } }));
  await writeFile(path.join(root, 'keys', 'bbbbbbbbbbbbbbbb'), JSON.stringify({ ...base, id: 'bbbbbbbbbbbbbbbb', kind: 'passphrase', kdf: { name: 'scrypt', N: 2 ** 30, r: 8, p: 1, salt: 'AAAA' } }));
  await writeFile(path.join(root, 'keys', 'cccccccccccccccc'), '{not json');
  const repo = await reopen(root);
  assert.equal(repo.openedWith?.kind, 'passphrase');
  assert.equal((await repo.listKeys()).length, 2, 'only the two real slots are listed');
});

test('invalid repository parameters are refused', async () => {
  const dir = await tempDir();
  await assert.rejects(newRepo(dir, { packTargetBytes: 2 ** 33 }), (e) => isEngineError(e, 'INVALID_SETTINGS'));
});

test('the recovery key is kept sealed in its slot: read back only with the master key; a slot without a copy says so and still opens', async () => {
  const dir = await tempDir();
  const { repo, recoveryKey, root } = await newRepo(dir);
  assert.ok(recoveryKey);
  const current = await repo.currentRecoveryKey();
  assert.ok(current.key.equals(recoveryKey), 'the same key as made at init');
  const slotFile = path.join(root, 'keys', current.slot.id);
  const slot = JSON.parse(await readFile(slotFile, 'utf8')) as Record<string, unknown>;
  assert.equal(typeof slot['keptKey'], 'string');
  assert.ok(!(slot['keptKey'] as string).includes(recoveryKey.toString('base64')), 'sealed, not in clear');
  // Opened through the recovery key itself (another credential), the copy reads back the same.
  const viaRecovery = await Repository.open(await LocalBackend.open(root), { recoveryKey });
  assert.ok((await viaRecovery.currentRecoveryKey()).key.equals(recoveryKey));

  // A flipped byte in the copy: refused as not kept (never printed wrong); the slot itself still opens.
  const flipped = Buffer.from(slot['keptKey'] as string, 'base64');
  flipped[5] = (flipped[5] as number) ^ 1;
  await writeFile(slotFile, JSON.stringify({ ...slot, keptKey: flipped.toString('base64') }));
  await assert.rejects((await reopen(root)).currentRecoveryKey(), (err) => isEngineError(err, 'RECOVERY_KEY_NOT_KEPT'));
  // A slot from before reprinting existed (no copy): the same clear error.
  const { keptKey: _drop, ...legacy } = slot;
  await writeFile(slotFile, JSON.stringify(legacy));
  await assert.rejects((await reopen(root)).currentRecoveryKey(), (err) => isEngineError(err, 'RECOVERY_KEY_NOT_KEPT'));
  assert.equal((await Repository.open(await LocalBackend.open(root), { recoveryKey })).openedWith?.kind, 'recovery');
});
