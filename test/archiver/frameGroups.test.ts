/**
 * Frames grouped by patient (src/archiver/frameGroups.ts): on a shuffled multi-patient export, one patient's
 * resources of a type sit in few frames, and every resource still reads back byte for byte — in the engine, in
 * `check --read-data` and in the independent Python reader — after a first and a daily backup.
 */
import assert from 'node:assert/strict';
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { test } from 'node:test';
import { Archiver, type ArchiveResult } from '../../src/archiver/archiver.js';
import { listNdjsonInputs, readNdjsonFile } from '../../src/archiver/ndjson.js';
import { checkRepository } from '../../src/checker/checker.js';
import { WorkerPool } from '../../src/pool/index.js';
import { readResources, snapshotRows, type ResourceRow } from '../../src/repository/reader.js';
import type { Repository } from '../../src/repository/repository.js';
import { createRng } from '../../src/sandbox/prng.js';
import { isEngineError } from '../../src/shared/errors.js';
import { ROOT, runProcess } from '../support/cli.js';
import { newRepo, reopen, writePasswordFile } from '../support/repo.js';
import { tempDir } from '../support/tmp.js';

const PATIENTS = 12;
const PER_PATIENT = 250;

/** Patient.ndjson, and the patients' Observations shuffled over two files (plus a few without a patient). */
async function writeShuffled(dir: string, seed: number): Promise<string[]> {
  await mkdir(dir, { recursive: true });
  const rng = createRng(seed);
  const r = (): number => rng.next();
  const patients = Array.from({ length: PATIENTS }, (_, i) => `pt-${i.toString().padStart(3, '0')}`);
  await writeFile(path.join(dir, 'Patient.ndjson'), patients.map((id) => `{"resourceType":"Patient","id":"${id}","gender":"female"}`).join('\n') + '\n');
  const lines: string[] = [];
  for (const p of patients)
    for (let k = 0; k < PER_PATIENT; k++) {
      const v = Math.round(r() * 2000) / 10;
      lines.push(
        `{"resourceType":"Observation","id":"${p}-o${k}","status":"final","code":{"coding":[{"system":"http://loinc.org","code":"8867-4","display":"Heart rate"}]},"subject":{"reference":"Patient/${p}"},"effectiveDateTime":"2024-03-${(1 + (k % 28)).toString().padStart(2, '0')}T08:00:00Z","valueQuantity":{"value":${v},"unit":"/min"}}`,
      );
    }
  for (let k = 0; k < 40; k++) lines.push(`{"resourceType":"Observation","id":"nobody-${k}","status":"final","code":{"text":"calibration ${k}"}}`);
  for (let i = lines.length - 1; i > 0; i--) {
    const j = Math.floor(r() * (i + 1));
    [lines[i], lines[j]] = [lines[j] as string, lines[i] as string];
  }
  const half = lines.length >> 1;
  await writeFile(path.join(dir, 'Observation-1.ndjson'), lines.slice(0, half).join('\n') + '\n');
  await writeFile(path.join(dir, 'Observation-2.ndjson'), lines.slice(half).join('\n') + '\n');
  return patients;
}

async function backup(repo: Repository, data: string, pool: WorkerPool, frameGroups: number, parent: ArchiveResult | null): Promise<ArchiveResult> {
  const snaps = await repo.listSnapshots();
  const a = new Archiver(repo, {
    source: { kind: 'ndjson', location: data, strategy: 'files' },
    mode: 'full',
    parent: parent ? (snaps.find((s) => s.id === parent.snapshotId) ?? null) : null,
    pool,
    frameGroups,
    // Many batches from a small export: the types' groups are chosen from the batches seen so far.
    batchBytes: 16 * 1024,
  });
  await a.begin();
  try {
    for (const f of await listNdjsonInputs(data)) for await (const l of readNdjsonFile(f)) await a.addLine(l.bytes, l);
    return await a.commit();
  } finally {
    await a.close();
  }
}

/** Every input line by "Type/id" (the last line of an id wins, as in a backup). */
async function inputLines(data: string): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  for (const f of await listNdjsonInputs(data))
    for (const l of (await readFile(f, 'utf8')).split('\n').filter(Boolean)) {
      const r = JSON.parse(l) as { resourceType: string; id: string };
      out.set(`${r.resourceType}/${r.id}`, l);
    }
  return out;
}

async function rowsOf(repo: Repository, snapshotId: string): Promise<ResourceRow[]> {
  const snap = (await repo.listSnapshots()).find((s) => s.id === snapshotId);
  assert.ok(snap);
  const rows: ResourceRow[] = [];
  for await (const r of snapshotRows(repo, snap)) rows.push(r);
  return rows;
}

/** Distinct frames holding each patient's Observations. */
function framesPerPatient(rows: readonly ResourceRow[], patients: readonly string[]): number[] {
  return patients.map((p) => new Set(rows.filter((r) => r.type === 'Observation' && r.patients[0] === p).map((r) => r.blob)).size);
}

function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[s.length >> 1] as number;
}

/** Every row's bytes read back equal the input line. */
async function assertExact(repo: Repository, rows: readonly ResourceRow[], want: Map<string, string>): Promise<void> {
  assert.equal(new Set(rows.map((r) => `${r.type}/${r.id}`)).size, want.size, 'every input resource has a row');
  let n = 0;
  for await (const d of readResources(repo, rows)) {
    assert.ok(d.bytes, `${d.row.type}/${d.row.id}: ${d.error?.message}`);
    assert.equal(d.bytes.toString('utf8'), want.get(`${d.row.type}/${d.row.id}`), `${d.row.type}/${d.row.id} byte for byte`);
    n++;
  }
  assert.equal(n, rows.length);
}

test('on a shuffled export one patient’s Observations sit in a few frames (grouped by patient) instead of one frame each; every resource reads back byte for byte, check --read-data is green, after a first and a daily backup', async () => {
  const dir = await tempDir();
  const data = path.join(dir, 'in');
  const patients = await writeShuffled(data, 16);
  const pool = new WorkerPool(2, false, Infinity);
  try {
    const params = { frameTargetBytes: 4096, dictionaryBytes: 4096, packTargetBytes: 64 * 1024, treeChunkRows: 500 };
    await mkdir(path.join(dir, 'plain'));
    await mkdir(path.join(dir, 'grouped'));
    const plain = await newRepo(path.join(dir, 'plain'), params);
    const grouped = await newRepo(path.join(dir, 'grouped'), params);
    const p1 = await backup(plain.repo, data, pool, 1, null);
    const g1 = await backup(grouped.repo, data, pool, 64, null);
    const want = await inputLines(data);
    const plainRows = await rowsOf(plain.repo, p1.snapshotId);
    const groupedRows = await rowsOf(grouped.repo, g1.snapshotId);
    const plainFrames = median(framesPerPatient(plainRows, patients));
    const groupedFrames = median(framesPerPatient(groupedRows, patients));
    // In arrival order nearly each of a patient's 70 Observations has a frame of its own; grouped, a few frames hold them.
    assert.ok(plainFrames >= 100, `ungrouped: ${plainFrames} frames per patient`);
    assert.ok(groupedFrames * 3 <= plainFrames, `grouped: ${groupedFrames} frames per patient against ${plainFrames} ungrouped`);
    // Lines without a patient and the Patient type are kept too (their own group, and never grouped).
    assert.equal(groupedRows.filter((r) => r.type === 'Observation' && r.patients.length === 0).length, 40);
    await assertExact(grouped.repo, groupedRows, want);
    assert.deepEqual(g1.manifest.counts, p1.manifest.counts);
    // Grouping stores the same bytes: the grouped repository is not bigger (frames of fewer patients compress as well).
    assert.ok(g1.manifest.totals.storedBytesAdded <= p1.manifest.totals.storedBytesAdded * 1.05, `${g1.manifest.totals.storedBytesAdded} vs ${p1.manifest.totals.storedBytesAdded}`);

    // A daily backup: some lines changed (their new versions grouped again), some resources added; the rest deduplicated.
    for (const [n, name] of ['Observation-1.ndjson', 'Observation-2.ndjson'].entries()) {
      const file = path.join(data, name);
      const lines = (await readFile(file, 'utf8')).split('\n').filter(Boolean);
      const changed = lines.map((l, i) => (i % 9 === 0 ? l.replace('"status":"final"', '"status":"amended"') : l));
      const added = patients.slice(0, 10).map((p, i) => `{"resourceType":"Observation","id":"${p}-new-${n}-${i}","status":"final","subject":{"reference":"Patient/${p}"}}`);
      await writeFile(file, [...changed, ...added].join('\n') + '\n');
    }
    const g2 = await backup(grouped.repo, data, pool, 64, g1);
    assert.ok(g2.manifest.totals.changed > 0 && g2.manifest.totals.added === 20, JSON.stringify(g2.manifest.totals));
    const want2 = await inputLines(data);
    await assertExact(grouped.repo, await rowsOf(grouped.repo, g2.snapshotId), want2);
    const check = await checkRepository(await reopen(grouped.root), { readData: true });
    assert.equal(check.ok, true, JSON.stringify(check.problems ?? check));

    // The independent reader (written from docs/format.md alone) restores the grouped snapshot byte for byte.
    const out = path.join(dir, 'reader-out');
    const pw = await writePasswordFile(dir);
    const r = await runProcess('/usr/bin/python3', [path.join(ROOT, 'tools', 'reader', 'clinic_backup_reader.py'), 'restore', grouped.root, g2.snapshotId, out, '--password-file', pw, '--json'], {
      env: { ...process.env, PYTHONDONTWRITEBYTECODE: '1' },
      timeoutMs: 300_000,
    });
    assert.equal(r.code, 0, r.stderr);
    const restored = new Map<string, string>();
    for (const name of await readdir(out)) {
      if (!name.endsWith('.ndjson')) continue;
      for (const l of (await readFile(path.join(out, name), 'utf8')).split('\n').filter(Boolean)) {
        const j = JSON.parse(l) as { resourceType: string; id: string };
        restored.set(`${j.resourceType}/${j.id}`, l);
      }
    }
    assert.deepEqual(restored, want2);
  } finally {
    await pool.close();
  }
});

test('a worker that dies while the groups’ last frames are sealed fails the backup (WORKER_FAILED, no snapshot); the next backup stores everything and check --read-data is green', async () => {
  const dir = await tempDir();
  const data = path.join(dir, 'in');
  await writeShuffled(data, 5);
  await mkdir(path.join(dir, 'r'));
  const { repo, root } = await newRepo(path.join(dir, 'r'), { frameTargetBytes: 4096, dictionaryBytes: 4096, packTargetBytes: 64 * 1024 });
  const pool = new WorkerPool(2, false, Infinity);
  try {
    const a = new Archiver(repo, { source: { kind: 'ndjson', location: data, strategy: 'files' }, mode: 'full', parent: null, pool, frameGroups: 64, batchBytes: 16 * 1024 });
    await a.begin();
    await assert.rejects(
      (async () => {
        for (const f of await listNdjsonInputs(data)) for await (const l of readNdjsonFile(f)) await a.addLine(l.bytes, l);
        // Every batch applied; the groups' open frames are the run's last lines, sealed by the commit: that task crashes.
        assert.equal(await a.liveCount('Observation'), PATIENTS * PER_PATIENT + 40);
        pool.crashOnNextTask();
        await a.commit();
      })(),
      (e) => isEngineError(e, 'WORKER_FAILED'),
    );
    await a.close();
    assert.deepEqual(await repo.listSnapshots(), [], 'no snapshot');
    const r = await backup(repo, data, pool, 64, null);
    await assertExact(repo, await rowsOf(repo, r.snapshotId), await inputLines(data));
    const check = await checkRepository(await reopen(root), { readData: true });
    assert.equal(check.ok, true, JSON.stringify(check));
  } finally {
    await pool.close();
  }
});
