/**
 * The independent reader (tools/reader/clinic_backup_reader.py, Python, written from docs/format.md alone) against
 * repositories made by the product's own CLI: the snapshot list, byte-identical restores, one patient's record,
 * recovery words, and refusals (wrong password, flipped bytes). Issue #16: "Readable without this software, for
 * 20 years".
 */
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { cp, mkdir, readdir, readFile, stat, truncate, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { mutateNdjsonDataset, writeNdjsonDataset } from '../../src/sandbox/synthetic.js';
import { ROOT, runCli, runProcess, type CliResult } from '../support/cli.js';
import { writePasswordFile } from '../support/repo.js';
import { tempDir } from '../support/tmp.js';

const PYTHON = '/usr/bin/python3';
const READER = path.join(ROOT, 'tools', 'reader', 'clinic_backup_reader.py');

const probe = spawnSync(PYTHON, ['-c', 'import cryptography, zstandard'], { encoding: 'utf8' });
assert.equal(probe.status, 0, `${PYTHON} must import cryptography and zstandard (Debian: apt-get install python3-cryptography python3-zstandard): ${probe.stderr ?? probe.error?.message}`);

function runReader(args: readonly string[], env: NodeJS.ProcessEnv = {}, timeoutMs = 300_000): Promise<CliResult> {
  return runProcess(PYTHON, [READER, ...args], { env: { ...process.env, PYTHONDONTWRITEBYTECODE: '1', ...env }, timeoutMs });
}

/** The reader's output is JSON when it succeeds; a failure shows its stderr in the assertion. */
function ok<T>(r: CliResult, label: string): T {
  assert.equal(r.code, 0, `${label}: exit ${r.code}\n${r.stderr}${r.stdout.slice(0, 2000)}`);
  return JSON.parse(r.stdout) as T;
}

/** type file name → its bytes, for every file of a folder. */
async function folderFiles(dir: string): Promise<Map<string, Buffer>> {
  const out = new Map<string, Buffer>();
  for (const name of (await readdir(dir)).sort()) out.set(name, await readFile(path.join(dir, name)));
  return out;
}

/** type file name → its lines, sorted (a folder's NDJSON as sets of resources). */
async function sortedLines(dir: string): Promise<Map<string, string[]>> {
  const out = new Map<string, string[]>();
  for (const [name, bytes] of await folderFiles(dir)) {
    const text = bytes.toString('utf8');
    assert.ok(text.endsWith('\n'), `${name} ends with LF`);
    out.set(name, text.slice(0, -1).split('\n').sort());
  }
  return out;
}

function assertSameFiles(a: Map<string, Buffer>, b: Map<string, Buffer>, label: string): void {
  assert.deepEqual([...a.keys()], [...b.keys()], `${label}: same files`);
  for (const [name, bytes] of a) assert.ok(bytes.equals(b.get(name) as Buffer), `${label}: ${name} byte-identical`);
}

interface ReaderSnapshot {
  id: string;
  time: string;
  hostname: string;
  source: Record<string, unknown>;
  mode: string;
  parent: string | null;
  counts: Record<string, number>;
  totals: { resources: number; bytes: number };
}
interface ProductSnapshot {
  id: string;
  time: string;
  hostname: string;
  source: Record<string, unknown>;
  mode: string;
  parent: string | null;
  counts: Record<string, number>;
  resources: number;
  bytes: number;
}
interface ReadReport {
  counts: Record<string, number>;
  resources: number;
  blobsRead: { frame: number; tree: number; dictionary: number; total: number };
  checkpointChunksRead: number;
  checkpointChunks: number;
  deltasRead: number;
  framesUsed?: number;
  indexedBlobs?: number;
}

// One repository made by the product: a first backup, then an incremental one that changes, adds and deletes
// resources (so its tree is the first checkpoint plus a delta). 170 patients give ~13,800 rows: 4 checkpoint chunks
// of 4,096 rows (the CLI has no option to make treeChunkRows smaller, so the data is large enough instead).
const dir = await tempDir('cb-reader-');
const data = path.join(dir, 'export');
const firstInput = path.join(dir, 'export-first');
const repo = path.join(dir, 'repo');
const passwordFile = await writePasswordFile(dir);
const env = { CLINIC_BACKUP_REPO: repo, CLINIC_BACKUP_PASSWORD_FILE: passwordFile, CLINIC_BACKUP_STATE_DIR: path.join(dir, 'state') };
const pw = ['--password-file', passwordFile];
const wordlists = path.join(dir, 'wordlists');
await mkdir(wordlists);
for (const language of ['english', 'portuguese'] as const) {
  const { wordlist } = (await import(`@scure/bip39/wordlists/${language}.js`)) as { wordlist: string[] };
  await writeFile(path.join(wordlists, `${language}.txt`), wordlist.join('\n') + '\n');
}

await writeNdjsonDataset(data, { patients: 170, seed: 21 });
const init = await runCli(['init', '--json'], env);
assert.equal(init.code, 0, init.stderr);
const recoveryWords = (JSON.parse(init.stdout) as { recoveryKey: string[][] }).recoveryKey;
const b1 = await runCli(['backup', data, '--json'], env);
assert.equal(b1.code, 0, b1.stderr);
const snap1 = (JSON.parse(b1.stdout) as { snapshot: { id: string } }).snapshot.id;
await cp(data, firstInput, { recursive: true });

const { changed } = await mutateNdjsonDataset(data, { fraction: 0.02, seed: 5 });
// Delete the last three Observations and add one new Procedure (a copy of the first under a new id).
const obsFile = path.join(data, 'Observation.ndjson');
const obs = (await readFile(obsFile, 'utf8')).split('\n').filter((l) => l !== '');
await writeFile(obsFile, obs.slice(0, -3).join('\n') + '\n');
const procFile = path.join(data, 'Procedure.ndjson');
const proc = await readFile(procFile, 'utf8');
const copy = { ...(JSON.parse(proc.split('\n')[0] as string) as Record<string, unknown>), id: 'reader-test-added-1' };
await writeFile(procFile, proc + JSON.stringify(copy) + '\n');
const b2 = await runCli(['backup', data, '--json'], env);
assert.equal(b2.code, 0, b2.stderr);
const second = (JSON.parse(b2.stdout) as { snapshot: { id: string; added: number; changed: number; deleted: number } }).snapshot;
const snap2 = second.id;
assert.deepEqual({ added: second.added, deleted: second.deleted, changedSome: second.changed > 100 }, { added: 1, deleted: 3, changedSome: true });

test('snapshots: the reader lists the same snapshots as the product (id, time, source, counts, totals)', async () => {
  const product = JSON.parse((await runCli(['snapshots', '--json'], env)).stdout) as ProductSnapshot[];
  const mine = ok<ReaderSnapshot[]>(await runReader(['snapshots', repo, ...pw, '--json']), 'snapshots');
  assert.deepEqual(
    product.map((s) => s.id),
    [snap1, snap2],
  );
  assert.deepEqual(
    mine.map((s) => ({ id: s.id, time: s.time, hostname: s.hostname, source: s.source, mode: s.mode, parent: s.parent, counts: s.counts, resources: s.totals.resources, bytes: s.totals.bytes })),
    product.map((s) => ({ id: s.id, time: s.time, hostname: s.hostname, source: s.source, mode: s.mode, parent: s.parent, counts: s.counts, resources: s.resources, bytes: s.bytes })),
  );
  const human = await runReader(['snapshots', repo, ...pw]);
  assert.equal(human.code, 0, human.stderr);
  assert.match(human.stdout, new RegExp(`^${snap2} .*Observation`, 'm'));
});

test('restore of the first backup is byte-identical to the input and to the product restore, in the source order', async () => {
  const mine = path.join(dir, 'reader-first');
  const report = ok<ReadReport>(await runReader(['restore', repo, snap1.slice(0, 8), mine, ...pw, '--json']), 'restore');
  assert.ok(report.checkpointChunks >= 3, `several checkpoint chunks (${report.checkpointChunks})`);
  assert.equal(report.checkpointChunksRead, report.checkpointChunks);
  assert.ok(report.blobsRead.dictionary > 0, 'frames use dictionaries (codec 3)');
  const product = path.join(dir, 'product-first');
  const r = await runCli(['restore', snap1, '--target', product, '--yes'], env);
  assert.equal(r.code, 0, r.stderr);
  const input = await folderFiles(firstInput);
  assertSameFiles(await folderFiles(mine), input, 'reader vs input');
  assertSameFiles(await folderFiles(product), input, 'product vs input');
});

test('restore of the incremental snapshot (checkpoint + delta): the same resources as the input, byte-identical to the product restore (storage order, format.md §19.2)', async () => {
  const mine = path.join(dir, 'reader-second');
  const report = ok<ReadReport>(await runReader(['restore', repo, 'latest', mine, ...pw, '--json']), 'restore');
  assert.equal(report.deltasRead, 1, 'the tree is a checkpoint and a delta');
  const product = path.join(dir, 'product-second');
  const r = await runCli(['restore', snap2, '--target', product, '--yes'], env);
  assert.equal(r.code, 0, r.stderr);
  const lines = await sortedLines(mine);
  assert.deepEqual(lines, await sortedLines(data), 'reader vs input: same lines per type');
  assertSameFiles(await folderFiles(mine), await folderFiles(product), 'reader vs product, in storage order');
  assert.ok(
    (lines.get('Procedure.ndjson') as string[]).some((l) => l.includes('"reader-test-added-1"')),
    'the added resource',
  );
  assert.equal((lines.get('Observation.ndjson') as string[]).length, obs.length - 3, 'the deleted resources are gone');
});

test("one patient: the reader's record equals the product's --patient restore, reading only the chunks and frames it needs", async () => {
  // A patient one of whose Observations changed in the second backup, so the delta matters for the record.
  const changedObs = new Set(changed.filter((k) => k.startsWith('Observation/')).map((k) => k.slice('Observation/'.length)));
  let patient = '';
  for (const line of obs) {
    const r = JSON.parse(line) as { id: string; subject?: { reference?: string } };
    if (changedObs.has(r.id) && r.subject?.reference?.startsWith('Patient/')) {
      patient = r.subject.reference.slice('Patient/'.length);
      break;
    }
  }
  assert.ok(patient, 'a patient with a changed Observation');
  const mine = path.join(dir, 'reader-patient');
  const report = ok<ReadReport>(await runReader(['patient', repo, snap2, patient, mine, ...pw, '--json']), 'patient');
  const product = path.join(dir, 'product-patient');
  const r = await runCli(['restore', snap2, '--patient', patient, '--target', product, '--yes'], env);
  assert.equal(r.code, 0, r.stderr);
  const lines = await sortedLines(mine);
  assertSameFiles(await folderFiles(mine), await folderFiles(product), 'same record as the product, in storage order');
  assert.equal((lines.get('Patient.ndjson') as string[]).length, 1);
  for (const [type, list] of lines) {
    if (type !== 'Patient.ndjson') for (const l of list) assert.ok(l.includes(`Patient/${patient}`), `${type}: every resource refers to the patient`);
  }
  const inputObs = (await readFile(obsFile, 'utf8')).split('\n').filter((l) => l.includes(`"Patient/${patient}"`));
  assert.deepEqual(lines.get('Observation.ndjson'), inputObs.sort(), "the patient's Observations as in the input, changed ones included");
  // Reads only what it needs: one or two of the checkpoint chunks, every delta, each needed frame once.
  assert.ok(report.checkpointChunks >= 3 && report.checkpointChunksRead <= 2, `${report.checkpointChunksRead} of ${report.checkpointChunks} checkpoint chunks`);
  assert.equal(report.deltasRead, 1);
  assert.equal(report.blobsRead.frame, report.framesUsed, 'each frame read once');
  assert.equal(report.blobsRead.tree, 1 + report.checkpointChunksRead + report.deltasRead, 'directory, chunks, delta');
  assert.ok(report.blobsRead.total * 5 < (report.indexedBlobs as number), `read ${report.blobsRead.total} of ${report.indexedBlobs} blobs`);
});

test('recovery words open the repository (English, and Portuguese with accents and case); a wrong word names its line; words of another repository are told apart', async () => {
  const words = path.join(dir, 'words.txt');
  await writeFile(words, recoveryWords.map((l, i) => `${i + 1}. ${l.join(' ')}`).join('\n'), { mode: 0o600 });
  const list = ok<ReaderSnapshot[]>(await runReader(['snapshots', repo, '--recovery-words', words, '--wordlists', wordlists, '--json']), 'words');
  assert.deepEqual(
    list.map((s) => s.id),
    [snap1, snap2],
  );
  const typo = path.join(dir, 'typo.txt');
  const lines = recoveryWords.map((l) => [...l]);
  (lines[5] as string[])[2] = (lines[5] as string[])[2] === 'zoo' ? 'zone' : 'zoo';
  await writeFile(typo, lines.map((l) => l.join(' ')).join('\n'));
  const bad = await runReader(['snapshots', repo, '--recovery-words', typo, '--wordlists', wordlists]);
  assert.equal(bad.code, 1);
  assert.match(bad.stderr, /RECOVERY_KEY_CHECKSUM: line 6/);

  const ptRepo = path.join(dir, 'repo-pt');
  const ptInit = await runCli(['init', '--json', '--lang', 'pt-BR', '--repo', ptRepo], env);
  assert.equal(ptInit.code, 0, ptInit.stderr);
  const ptWords = (JSON.parse(ptInit.stdout) as { recoveryKey: string[][] }).recoveryKey;
  assert.ok(
    ptWords.flat().every((w) => w !== ''),
    'Portuguese words',
  );
  const ptFile = path.join(dir, 'palavras.txt');
  // As someone might type them from the printed kit: upper case, an accent, commas.
  await writeFile(ptFile, ptWords.map((l) => l.join(', ').toUpperCase().replace(/A/, 'Á')).join('\n'));
  const pt = await runReader(['snapshots', ptRepo, '--recovery-words', ptFile, '--wordlists', wordlists, '--json']);
  assert.deepEqual(ok<ReaderSnapshot[]>(pt, 'portuguese words'), []);
  const other = await runReader(['snapshots', repo, '--recovery-words', ptFile, '--wordlists', wordlists]);
  assert.equal(other.code, 1);
  assert.match(other.stderr, /RECOVERY_KEY_OTHER_REPO/);
});

test('a wrong password is refused with a clear message, nothing written, the password never echoed', async () => {
  const wrong = path.join(dir, 'wrong-password');
  await writeFile(wrong, 'not-the-password-xyz\n', { mode: 0o600 });
  const target = path.join(dir, 'never-written');
  const r = await runReader(['restore', repo, 'latest', target, '--password-file', wrong]);
  assert.equal(r.code, 1);
  assert.match(r.stderr, /WRONG_PASSWORD: the password opens no passphrase key slot/);
  assert.ok(!r.stderr.includes('Traceback') && !(r.stdout + r.stderr).includes('not-the-password-xyz'));
  assert.equal(existsSync(target), false);
});

test('flipped bytes and truncation: restore and verify refuse with exit 3 naming the damaged file; verify without keys finds it too', async () => {
  const copy = path.join(dir, 'damaged');
  await cp(repo, copy, { recursive: true });
  // The biggest data pack holds frames of both snapshots.
  let pack = '';
  let size = 0;
  for (const sub of await readdir(path.join(copy, 'data'))) {
    for (const name of await readdir(path.join(copy, 'data', sub))) {
      const s = (await stat(path.join(copy, 'data', sub, name))).size;
      if (s > size) [pack, size] = [`data/${sub}/${name}`, s];
    }
  }
  const file = path.join(copy, pack);
  const bytes = await readFile(file);
  const at = Math.floor(bytes.length / 3);
  bytes[at] = (bytes[at] as number) ^ 0x10;
  await writeFile(file, bytes);

  const target = path.join(dir, 'damaged-restore');
  const r = await runReader(['restore', copy, snap1, target, ...pw]);
  assert.equal(r.code, 3, r.stderr);
  assert.match(r.stderr, new RegExp(`DAMAGED: frame [0-9a-f]{32} \\(${pack}( at \\d+)?\\): AES-GCM authentication failed`));
  assert.equal(existsSync(target), false, 'no partial restore is left behind');

  const v = await runReader(['verify', copy, ...pw, '--json']);
  assert.equal(v.code, 3);
  const report = JSON.parse(v.stdout) as { ok: boolean; problems: { code: string; message: string }[] };
  assert.equal(report.ok, false);
  assert.ok(
    report.problems.some((p) => p.code === 'FILE_CORRUPT' && p.message === `${pack}: its SHA-256 does not match its name`),
    JSON.stringify(report.problems),
  );
  const keyless = await runReader(['verify', copy]);
  assert.equal(keyless.code, 3);
  assert.ok(keyless.stdout.includes(`FILE_CORRUPT: ${pack}: its SHA-256 does not match its name`), keyless.stdout);
  const good = await runReader(['verify', repo, ...pw]);
  assert.equal(good.code, 0, good.stdout + good.stderr);
  assert.match(good.stdout, /verify OK/);

  // A snapshot file with a flipped byte cannot be listed; a truncated index file stops a restore.
  const snapFile = path.join(copy, 'snapshots', snap2);
  const sb = await readFile(snapFile);
  sb[40] = (sb[40] as number) ^ 1;
  await writeFile(snapFile, sb);
  const list = await runReader(['snapshots', copy, ...pw]);
  assert.equal(list.code, 3);
  assert.match(list.stderr, new RegExp(`FILE_CORRUPT: snapshots/${snap2}: its SHA-256 does not match its name`));
  const indexName = (await readdir(path.join(copy, 'index')))[0] as string;
  await truncate(path.join(copy, 'index', indexName), 100);
  const r2 = await runReader(['restore', copy, snap1, target, ...pw]);
  assert.equal(r2.code, 3);
  assert.match(r2.stderr, new RegExp(`index/${indexName}: its SHA-256 does not match its name`));
});

test("the reader's own checks (python unittest: envelopes, varints, wrong line hash or blob id behind a valid tag, alias rows, deletions, files trees, recovery words)", async () => {
  const r = await new Promise<CliResult>((resolve, reject) => {
    const child = spawn(PYTHON, ['-m', 'unittest', '-v', 'tools/reader/test_clinic_backup_reader.py'], {
      cwd: ROOT,
      env: { ...process.env, PYTHONDONTWRITEBYTECODE: '1', CLINIC_BACKUP_WORDLISTS: wordlists },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (out += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), 300_000);
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout: out, stderr: '' });
    });
  });
  assert.equal(r.code, 0, r.stdout);
  assert.match(r.stdout, /\nOK\n/);
  assert.doesNotMatch(r.stdout, /skipped/, 'every Python test ran');
});

test('files snapshots: the reader restores a folder backed up by the product', async () => {
  const src = path.join(dir, 'folder', 'Documentos');
  await mkdir(path.join(src, 'exames'), { recursive: true });
  await writeFile(path.join(src, 'exames', 'laudo ç.pdf'), Buffer.alloc(3 * 1024 * 1024, 7));
  await writeFile(path.join(src, 'nota.txt'), 'retorno em 30 dias\n');
  const filesRepo = path.join(dir, 'repo-files');
  const filesEnv = { ...env, CLINIC_BACKUP_REPO: filesRepo };
  assert.equal((await runCli(['init'], filesEnv)).code, 0);
  const b = await runCli(['backup', '--path', src, '--json'], filesEnv);
  assert.equal(b.code, 0, b.stderr);
  const out = path.join(dir, 'files-restored');
  ok(await runReader(['restore', filesRepo, 'latest', out, ...pw, '--json']), 'files restore');
  assert.ok((await readFile(path.join(out, 'Documentos', 'exames', 'laudo ç.pdf'))).equals(Buffer.alloc(3 * 1024 * 1024, 7)));
  assert.equal(await readFile(path.join(out, 'Documentos', 'nota.txt'), 'utf8'), 'retorno em 30 dias\n');
  assert.equal((await stat(path.join(out, 'Documentos', 'nota.txt'))).mtimeMs, (await stat(path.join(src, 'nota.txt'))).mtimeMs);
});
