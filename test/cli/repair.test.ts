/**
 * A lost or damaged index never blocks restore or backup (`repair index` rebuilds it from the packs' own headers,
 * `check` names it, `check --repair` runs it); a missing pack: restore restores what is intact and exits 3 listing
 * the rest, `repair snapshots` writes a successor naming every lost resource. And every read command works on a
 * fresh repository (exit 0).
 */
import assert from 'node:assert/strict';
import { cp, mkdir, readdir, readFile, rm, truncate, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { test } from 'node:test';
import { compareNdjsonFolders } from '../../src/restorer/compareNdjson.js';
import { selectRows } from '../../src/restorer/ndjsonTarget.js';
import { writeNdjsonDataset } from '../../src/sandbox/synthetic.js';
import { runCli } from '../support/cli.js';
import { newRepo, reopen, writePasswordFile } from '../support/repo.js';
import { framesByPack } from '../support/v2.js';
import { tempDir } from '../support/tmp.js';

const dir = await tempDir('cb-cli-repair-');
const data = path.join(dir, 'export');
await writeNdjsonDataset(data, { patients: 12, seed: 21 });
const changed = path.join(dir, 'export2');
await cp(data, changed, { recursive: true });
// Small packs, so one missing pack loses some resources, not all.
const base = path.join(dir, 'base');
await mkdir(base);
const { backend } = await newRepo(base, { packTargetBytes: 16 * 1024, frameTargetBytes: 4 * 1024 });
await backend.close();
const passwordFile = await writePasswordFile(base);
const baseRepo = path.join(base, 'repo');
const baseEnv = { CLINIC_BACKUP_REPO: baseRepo, CLINIC_BACKUP_PASSWORD_FILE: passwordFile, CLINIC_BACKUP_STATE_DIR: path.join(base, 'state') };
assert.equal((await runCli(['backup', data], baseEnv)).code, 0);
// A second backup with a change, so there are two index files.
const obs = (await readdir(changed)).find((f) => f.startsWith('Observation')) as string;
const lines = (await readFile(path.join(changed, obs), 'utf8')).split('\n');
lines[0] = (lines[0] as string).replace('"status":"final"', '"status":"amended"');
await writeFile(path.join(changed, obs), lines.join('\n'));
assert.equal((await runCli(['backup', changed], baseEnv)).code, 0);

let copies = 0;
/** A fresh copy of the base repository (its own state folder) to damage. */
async function copyRepo(): Promise<{ root: string; env: Record<string, string> }> {
  const root = path.join(dir, `copy-${copies++}`);
  await cp(baseRepo, root, { recursive: true });
  return { root, env: { CLINIC_BACKUP_REPO: root, CLINIC_BACKUP_PASSWORD_FILE: passwordFile, CLINIC_BACKUP_STATE_DIR: path.join(root, '..', `${path.basename(root)}-state`) } };
}

async function indexFiles(root: string): Promise<string[]> {
  return (await readdir(path.join(root, 'index'))).sort();
}

async function restoredEqual(env: Record<string, string>, source: string, snapshot = 'latest'): Promise<void> {
  const target = path.join(dir, `restore-${copies++}`);
  const r = await runCli(['restore', snapshot, '--target', target, '--yes'], env);
  assert.equal(r.code, 0, r.stdout + r.stderr);
  const cmp = await compareNdjsonFolders(source, target);
  assert.ok(cmp.identical, JSON.stringify(cmp).slice(0, 500));
}

for (const damage of ['every index file deleted', 'one index file deleted', 'one index file truncated'] as const) {
  test(`${damage}: check names "repair index", restore and backup still work; repair index → check --read-data passes, restore byte-identical`, async () => {
    const { root, env } = await copyRepo();
    const files = await indexFiles(root);
    assert.equal(files.length, 2);
    if (damage === 'every index file deleted') for (const f of files) await rm(path.join(root, 'index', f));
    else if (damage === 'one index file deleted') await rm(path.join(root, 'index', files[0] as string));
    else await truncate(path.join(root, 'index', files[0] as string), 40);

    const check = await runCli(['check'], env);
    assert.equal(check.code, 3, check.stdout + check.stderr);
    assert.match(check.stdout, /repair index/);
    // Never blocked: the packs' own headers stand in for the lost index.
    await restoredEqual(env, changed);
    const backup = await runCli(['backup', changed, '--json'], env);
    assert.equal(backup.code, 0, backup.stderr);

    const repair = await runCli(['repair', 'index'], env);
    assert.equal(repair.code, 0, repair.stdout + repair.stderr);
    assert.match(repair.stdout, /Index rebuilt/);
    assert.equal((await indexFiles(root)).length, 1, 'one new index replaces the old ones');
    const after = await runCli(['check', '--read-data'], env);
    assert.equal(after.code, 0, after.stdout + after.stderr);
    await restoredEqual(env, changed);
    await restoredEqual(env, data, (await runCli(['snapshots', '--json'], env)).stdout.match(/"id": "([0-9a-f]{64})"/)?.[1] ?? 'latest');
  });
}

test('check --repair rebuilds a damaged index without another copy', async () => {
  const { root, env } = await copyRepo();
  await truncate(path.join(root, 'index', (await indexFiles(root))[1] as string), 10);
  const r = await runCli(['check', '--repair', '--json'], env);
  assert.equal(r.code, 0, r.stdout + r.stderr);
  const out = JSON.parse(r.stdout) as { ok: boolean; repaired: string[] };
  assert.equal(out.ok, true);
  assert.ok(
    out.repaired.some((f) => f.startsWith('index/')),
    out.repaired.join(', '),
  );
  assert.equal((await runCli(['check', '--read-data'], env)).code, 0);
});

test('a missing pack: restore restores the rest and exits 3 listing what could not be; repair snapshots writes a successor naming every lost resource', async () => {
  const { root, env } = await copyRepo();
  const repo = await reopen(root);
  await repo.loadIndex();
  const latest = await repo.findSnapshot('latest');
  const dataPacks = await framesByPack(repo);
  assert.ok(dataPacks.length > 3, `${dataPacks.length} data packs`);
  const gone = dataPacks[1] as (typeof dataPacks)[number];
  const goneFrames = new Set(gone.frames.map((f) => f.blob));
  const lost: string[] = [];
  let total = 0;
  for (const [type, rows] of await selectRows(repo, latest, {})) {
    for (const row of rows) {
      total++;
      if (goneFrames.has(row.blob)) lost.push(`${type}/${row.id}`);
    }
  }
  await repo.backend.close();
  assert.ok(lost.length > 50, `${lost.length} resources in the pack (more than a screen)`);
  await rm(path.join(root, 'data', gone.pack.slice(0, 2), gone.pack));

  const target = path.join(dir, 'partial-restore');
  const restore = await runCli(['restore', 'latest', '--target', target, '--yes', '--json'], env);
  assert.equal(restore.code, 3, restore.stderr);
  const report = JSON.parse(restore.stdout) as { resources: number; failures: { resource: string; code: string }[] };
  assert.equal(report.resources, total - lost.length, 'everything intact was restored');
  assert.deepEqual(report.failures.map((f) => f.resource).sort(), [...lost].sort());
  const human = await runCli(['restore', 'latest', '--target', path.join(dir, 'partial-2'), '--yes'], env);
  assert.equal(human.code, 3);
  assert.match(human.stdout, new RegExp(`… and ${lost.length - 50} more`), 'the first 50, then how many more');

  const repair = await runCli(['repair', 'snapshots', '--json'], env);
  assert.equal(repair.code, 0, repair.stderr);
  const r = JSON.parse(repair.stdout) as { repaired: { snapshot: string; successor: string; lost: string[]; kept: number }[] };
  const mine = r.repaired.find((x) => x.snapshot === latest.id);
  assert.ok(mine, 'the latest snapshot was repaired');
  assert.deepEqual([...mine.lost].sort(), [...lost].sort(), 'every lost resource is named');
  assert.equal(mine.kept, total - lost.length);
  // History is kept: the damaged snapshot is still there; the successor says where it comes from and is "latest".
  const list = JSON.parse((await runCli(['snapshots', '--json'], env)).stdout) as { id: string }[];
  assert.ok(list.some((s) => s.id === latest.id));
  const cat = JSON.parse((await runCli(['cat', 'snapshot', mine.successor.slice(0, 12), '--json'], env)).stdout) as { manifest: { repairedFrom: string; lost: string[] } };
  assert.equal(cat.manifest.repairedFrom, latest.id);
  assert.equal(cat.manifest.lost.length, lost.length);
  const fromSuccessor = await runCli(['restore', 'latest', '--target', path.join(dir, 'successor-restore'), '--yes', '--json'], env);
  assert.equal(fromSuccessor.code, 0, fromSuccessor.stderr);
  assert.equal((JSON.parse(fromSuccessor.stdout) as { snapshotId: string; resources: number }).snapshotId, mine.successor);
  // Running it again changes nothing (the damaged one already has its successor).
  const again = JSON.parse((await runCli(['repair', 'snapshots', '--json'], env)).stdout) as { repaired: unknown[]; alreadyRepaired: string[] };
  assert.deepEqual(again.repaired, []);
  assert.ok(again.alreadyRepaired.includes(latest.id));
});

test('every read command on a fresh repository exits 0', async () => {
  const { env } = await copyRepo();
  const snaps = JSON.parse((await runCli(['snapshots', '--json'], env)).stdout) as { id: string; time: string }[];
  const id = (snaps[0] as { id: string }).id;
  const patient = (await readFile(path.join(data, (await readdir(data)).find((f) => f.startsWith('Patient')) as string), 'utf8')).match(/"id":"([^"]+)"/)?.[1] as string;
  const commands: string[][] = [
    ['snapshots'],
    ['ls', 'latest'],
    ['ls', id.slice(0, 8)],
    ['ls', 'latest', '--type', 'Patient'],
    ['ls', 'latest', '--patient', patient],
    ['ls', '--as-of', new Date().toISOString()],
    ['ls', 'latest', '--json'],
    ['dump', 'latest', `Patient/${patient}`],
    ['cat', 'snapshot', id.slice(0, 8)],
    ['stats'],
    ['check'],
  ];
  for (const args of commands) {
    const r = await runCli(args, env);
    assert.equal(r.code, 0, `${args.join(' ')}: ${r.stderr}`);
    assert.ok(r.stdout.length > 0, args.join(' '));
  }
});
