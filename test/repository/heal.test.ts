/**
 * Self-healing from another copy (src/repository/heal.ts): damage found by check --read-data on one
 * destination is replaced by verified copies from another, on real folders.
 */
import assert from 'node:assert/strict';
import { cp, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { test } from 'node:test';
import { LocalBackend } from '../../src/backend/local/localBackend.js';
import { ReadOnlyBackend } from '../../src/backend/readonly.js';
import { filePath, type Backend } from '../../src/backend/types.js';
import { checkRepository } from '../../src/checker/checker.js';
import { healError, healFromCopy, refFromPath } from '../../src/repository/heal.js';
import { replicate } from '../../src/repository/replicate.js';
import { Repository } from '../../src/repository/repository.js';
import { writeNdjsonDataset } from '../../src/sandbox/synthetic.js';
import type { ProgressEvent } from '../../src/shared/events.js';
import { expectCode } from '../backend/conformance.js';
import { backupDir, newRepo, TEST_PASSPHRASE } from '../support/repo.js';
import { tempDir } from '../support/tmp.js';

const base = await (async () => {
  const dir = await tempDir('cb-heal-base-');
  await writeNdjsonDataset(path.join(dir, 'data'), { patients: 20, seed: 31 });
  const { repo, root } = await newRepo(dir, { packTargetBytes: 96 * 1024, frameTargetBytes: 24 * 1024 });
  await backupDir(repo, path.join(dir, 'data'));
  return { root };
})();

/** The primary destination and `n` replicas, all complete copies. */
async function copies(n: number): Promise<{ dir: string; primary: LocalBackend; replicas: LocalBackend[] }> {
  const dir = await tempDir('cb-heal-');
  await cp(base.root, path.join(dir, 'primary'), { recursive: true });
  const primary = await LocalBackend.open(path.join(dir, 'primary'));
  const replicas: LocalBackend[] = [];
  for (let i = 0; i < n; i++) {
    const r = await LocalBackend.create(path.join(dir, `replica${i}`));
    assert.equal((await replicate(primary, r)).complete, true);
    replicas.push(r);
  }
  return { dir, primary, replicas };
}

async function filesOf(b: Backend, kind: 'data' | 'index' | 'snapshots'): Promise<string[]> {
  const out: string[] = [];
  for await (const f of b.list(kind)) out.push(filePath(f));
  return out.sort();
}

async function flip(b: LocalBackend, file: string, at: number): Promise<void> {
  const p = path.join(b.location, file);
  const buf = await readFile(p);
  const i = at < 0 ? buf.length + at : at;
  buf[i] = (buf[i] as number) ^ 0x20;
  await writeFile(p, buf);
}

const check = async (b: Backend): Promise<Awaited<ReturnType<typeof checkRepository>>> => checkRepository(await Repository.open(b, { passphrase: TEST_PASSPHRASE }), { readData: true });

test('damaged and missing packs and a damaged index are replaced from another copy; check then passes', async () => {
  const { primary, replicas } = await copies(1);
  const replica = replicas[0] as LocalBackend;
  const packs = await filesOf(primary, 'data');
  const [index] = await filesOf(primary, 'index');
  assert.ok(packs.length >= 4 && index);
  await flip(primary, packs[0] as string, 200);
  await rm(path.join(primary.location, packs[2] as string));
  await flip(primary, index, -3);

  // check --repair: while the index is damaged the packs it lists are unknown to check, so repair in passes
  const repaired: string[] = [];
  const events: ProgressEvent[] = [];
  let first = true;
  for (let pass = 0; pass < 3; pass++) {
    const report = await check(primary);
    if (report.ok) break;
    if (first)
      assert.ok(
        report.problems.some((p) => p.file === index),
        'the index damage is reported first',
      );
    const healed = await healFromCopy(report.problems, primary, [replica], { onProgress: (e) => events.push(e) });
    assert.ok(healed.repaired.length > 0, `pass ${pass} repairs something: ${JSON.stringify(healed.unrepaired)}`);
    // a snapshot named by a problem that the damaged index caused is itself intact
    assert.ok(
      healed.unrepaired.every((u) => u.reason === 'intact'),
      JSON.stringify(healed.unrepaired),
    );
    if (first) {
      assert.deepEqual(
        healed.details.find((d) => d.file === index),
        {
          file: index,
          source: replica.location,
          bytes: (await readFile(path.join(replica.location, index))).length,
          was: 'damaged',
        },
      );
    }
    first = false;
    repaired.push(...healed.repaired);
  }
  assert.deepEqual(repaired.sort(), [index, packs[0], packs[2]].sort());
  assert.deepEqual((await check(primary)).problems, []);
  assert.ok(events.length > 0 && events.every((e) => e.op === 'check' && e.phase === 'repair' && e.unit === 'files'));
  assert.equal(healError({ repaired: [], unrepaired: [], details: [], excludedSources: [] }), null);
});

test('a missing pack is restored from the copy, verified by hash', async () => {
  const { primary, replicas } = await copies(1);
  const packs = await filesOf(primary, 'data');
  const victim = packs[1] as string;
  await rm(path.join(primary.location, victim));
  const report = await check(primary);
  assert.deepEqual(
    report.problems.filter((p) => p.file === victim).map((p) => p.code),
    ['BLOB_MISSING'],
  );
  const healed = await healFromCopy(report.problems, primary, replicas);
  assert.deepEqual(healed.repaired, [victim]);
  assert.equal(healed.details[0]?.was, 'missing');
  assert.deepEqual((await check(primary)).problems, []);
});

test('a copy that is damaged too is not used; the next source with a good copy is', async () => {
  const { primary, replicas } = await copies(2);
  const [r0, r1] = replicas as [LocalBackend, LocalBackend];
  const victim = (await filesOf(primary, 'data'))[0] as string;
  await flip(primary, victim, 300);
  await flip(r0, victim, 301);
  const problems = [{ file: victim }];
  const only0 = await healFromCopy(problems, primary, [r0]);
  assert.deepEqual(only0.repaired, []);
  assert.deepEqual(only0.unrepaired, [{ file: victim, reason: 'no-good-copy', sources: [{ location: r0.location, state: 'damaged' }] }]);
  await expectCode(Promise.reject(healError(only0)), 'INTEGRITY_ERROR');
  // the damaged primary was not touched by the failed attempt
  const stillBad = await readFile(path.join(primary.location, victim));
  const both = await healFromCopy(problems, primary, [r0, r1]);
  assert.deepEqual(both.repaired, [victim]);
  assert.equal(both.details[0]?.source, r1.location);
  assert.notDeepEqual(await readFile(path.join(primary.location, victim)), stillBad);
  assert.deepEqual((await check(primary)).problems, []);
  // and the damaged replica heals from the primary the same way
  assert.deepEqual((await healFromCopy(problems, r0, [primary])).repaired, [victim]);
});

test('sources of another repository, offline sources and the target itself are excluded', async () => {
  const { dir, primary, replicas } = await copies(1);
  const other = await newRepo(path.join(dir));
  const victim = (await filesOf(primary, 'data'))[0] as string;
  await other.backend.write(refFromPath(victim) ?? { kind: 'data', name: 'x'.repeat(3) }, await readFile(path.join(replicas[0]!.location, victim)));
  await rm(path.join(primary.location, victim));
  const gone = await LocalBackend.create(path.join(dir, 'usb'));
  await rm(gone.location, { recursive: true });
  const healed = await healFromCopy([{ file: victim }], primary, [primary, other.backend, gone]);
  assert.deepEqual(
    healed.excludedSources.map((s) => [s.reason, s.code ?? null]),
    [
      ['same-as-target', null],
      ['other-repository', null],
      ['unavailable', 'DEST_OFFLINE'],
    ],
  );
  assert.deepEqual(healed.unrepaired, [{ file: victim, reason: 'no-good-copy', sources: [] }]);
});

test('paths that cannot be healed are reported with a reason; a read-only target stops after the first write', async () => {
  const { primary, replicas } = await copies(1);
  const [snap] = await filesOf(primary, 'snapshots');
  const packs = await filesOf(primary, 'data');
  const healed = await healFromCopy(
    [
      { file: 'config' },
      { file: 'keys/abcdef0123456789' },
      { file: 'locks/' + 'a'.repeat(64) },
      { file: 'data/zz/' + 'a'.repeat(64) },
      { file: '../etc/passwd' },
      { file: snap as string },
      { file: snap as string },
    ],
    primary,
    replicas,
  );
  assert.deepEqual(
    healed.unrepaired.map((u) => [u.file, u.reason]),
    [
      ['config', 'not-healable'],
      ['keys/abcdef0123456789', 'not-healable'],
      ['locks/' + 'a'.repeat(64), 'not-healable'],
      ['data/zz/' + 'a'.repeat(64), 'invalid-path'],
      ['../etc/passwd', 'invalid-path'],
      [snap, 'intact'],
    ],
  );
  for (const p of packs.slice(0, 2)) await rm(path.join(primary.location, p));
  const ro = await healFromCopy(
    packs.slice(0, 2).map((file) => ({ file })),
    new ReadOnlyBackend(primary),
    replicas,
  );
  assert.deepEqual(
    ro.unrepaired.map((u) => [u.reason, u.code]),
    [
      ['target-error', 'DEST_READONLY'],
      ['target-error', 'DEST_READONLY'],
    ],
  );
  assert.equal(refFromPath('data/ab/ab' + '0'.repeat(62))?.kind, 'data');
  assert.equal(refFromPath('snapshots/' + 'f'.repeat(64))?.kind, 'snapshots');
  assert.equal(refFromPath('snapshots/xyz'), null);
});

test('a target without its marker (unmounted share) is refused', async () => {
  const { dir, replicas } = await copies(1);
  const empty = await LocalBackend.create(path.join(dir, 'mountpoint'));
  await expectCode(healFromCopy([{ file: 'index/' + 'a'.repeat(64) }], empty, replicas), 'REPO_MARKER_MISSING');
});
