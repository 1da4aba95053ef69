/**
 * Property-based robustness (fast-check, fixed seeds, bounded runs): mutated NDJSON input, mutated repository
 * files of every kind, and malformed serve API requests. Whatever the input: no crash, no stack trace, an error
 * with a documented code (exit 1, 2 or 3; HTTP 4xx), and nothing already stored is lost.
 */
import assert from 'node:assert/strict';
import { cp, mkdir, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { after, test } from 'node:test';
import fc from 'fast-check';
import { createEngine, type Engine } from '../../src/index.js';
import { compareNdjsonFolders } from '../../src/restorer/compareNdjson.js';
import { writeNdjsonDataset } from '../../src/sandbox/synthetic.js';
import { startServeApp } from '../../src/serve/index.js';
import { EngineError, exitCodeFor } from '../../src/shared/errors.js';
import { raw } from '../serve/helpers.js';
import { runCli } from '../support/cli.js';
import { newRepo, writePasswordFile } from '../support/repo.js';
import { tempDir } from '../support/tmp.js';

const dir = await tempDir('cb-props-');
// A failure names its own assertion message (not only the counterexample).
fc.configureGlobal({ includeErrorInReport: true });
const STACK = /\n\s+at [^\n]+:\d+:\d+|\(node:internal|\.ts:\d+:\d+/;

/** An outcome is fine when it succeeded or failed with a documented, non-internal error code. */
function assertDocumentedFailure(err: unknown, what: string): void {
  assert.ok(err instanceof EngineError, `${what}: not an EngineError: ${String(err)}`);
  assert.notEqual(err.code, 'INTERNAL', `${what}: INTERNAL ${JSON.stringify(err.details)}`);
  assert.ok([1, 2, 3].includes(exitCodeFor(err.code)), what);
}

async function attempt<T>(what: string, fn: () => Promise<T>): Promise<T | null> {
  try {
    return await fn();
  } catch (err) {
    assertDocumentedFailure(err, what);
    return null;
  }
}

/** A repository with cheap scrypt, opened by an engine with a password file; each case has its own state. */
async function repoAt(root: string): Promise<{ repo: string; passwordFile: string }> {
  await mkdir(root, { recursive: true });
  const { backend } = await newRepo(root, { packTargetBytes: 32 * 1024, frameTargetBytes: 8 * 1024 });
  await backend.close();
  return { repo: path.join(root, 'repo'), passwordFile: await writePasswordFile(root) };
}

let cases = 0;
function engineOn(r: { repo: string; passwordFile: string }): Engine {
  const e = createEngine({ repo: r.repo, passwordFile: r.passwordFile, stateDir: path.join(dir, `state-${cases++}`), locale: 'en' });
  after(() => e.close());
  return e;
}

// ------------------------------------------------------------------ mutated NDJSON

const source = path.join(dir, 'source');
await writeNdjsonDataset(source, { patients: 2, seed: 17 });
const sourceFiles = (await readdir(source)).sort();
const sourceText = new Map<string, string>();
for (const f of sourceFiles) sourceText.set(f, await readFile(path.join(source, f), 'utf8'));

type LineMutation = (line: string) => string;
const lineMutation: fc.Arbitrary<LineMutation> = fc.oneof(
  fc.nat().map((n) => (l: string) => l.slice(0, n % Math.max(1, l.length))),
  fc.nat().map((n) => (l: string) => {
    const b = Buffer.from(l);
    if (b.length > 0) b[n % b.length] = (b[n % b.length] as number) ^ 0x5a;
    return b.toString('latin1');
  }),
  fc.string({ maxLength: 40 }).map((g) => () => g),
  fc.constant((l: string) => l.replace('"resourceType":"', '"resourceType":"x')),
  fc.constant((l: string) => l.replace(/"id":"[^"]*"/, '"id":""')),
  fc.constant((l: string) => l.replace(/"id":"[^"]*"/, '"id":"has spaces\\tand tabs"')),
  fc.constant((l: string) => l.replace(/"id":"[^"]*"/, '"id":12')),
  fc.constant((l: string) => `${l}${l}`),
  fc.constant((l: string) => `\uFEFF${l}\r`),
  fc.constant(() => '[1,2,3]'),
  fc.constant(() => 'null'),
  fc.constant(() => ''),
  fc.string({ unit: 'grapheme', maxLength: 20 }).map((u) => (l: string) => l.replace('"', `"${u}`)),
);

const ndjsonInput = fc.record({
  files: fc.subarray(sourceFiles, { minLength: 0 }),
  mutations: fc.array(fc.tuple(fc.nat(), fc.nat(), lineMutation), { maxLength: 8 }),
});

// Set up before any test is declared: node:test starts running declared tests while top-level code still awaits.
const pristine = path.join(dir, 'pristine');
const pristineRepo = await repoAt(pristine);
{
  const e = createEngine({ repo: pristineRepo.repo, passwordFile: pristineRepo.passwordFile, stateDir: path.join(dir, 'state-pristine'), locale: 'en' });
  await e.backupNdjson(source);
  await writeNdjsonDataset(path.join(dir, 'source2'), { patients: 3, seed: 18 });
  await e.backupNdjson(path.join(dir, 'source2'));
  await e.close();
}

test('mutated NDJSON: every backup succeeds (maybe partial) or fails with a documented code; nothing stored is lost', async () => {
  const r = await repoAt(path.join(dir, 'ndjson-repo'));
  const e = engineOn(r);
  const first = await e.backupNdjson(source);
  let snapshots = 1;
  let run = 0;
  await fc.assert(
    fc.asyncProperty(ndjsonInput, async ({ files, mutations }) => {
      const input = path.join(dir, `ndjson-${run++}`);
      await mkdir(input);
      for (const f of files) {
        const lines = (sourceText.get(f) as string).split('\n');
        for (const [fi, li, m] of mutations) if (files[fi % files.length] === f) lines[li % lines.length] = m(lines[li % lines.length] as string);
        await writeFile(path.join(input, f), lines.join('\n'), 'latin1');
      }
      if (files.length === 0) await writeFile(path.join(input, 'Patient.ndjson'), '');
      const done = await attempt('backup', () => e.backupNdjson(input));
      if (done) snapshots++;
      assert.equal((await e.snapshots()).length, snapshots, 'a failed backup commits nothing; a completed one commits one snapshot');
      await rm(input, { recursive: true, force: true });
    }),
    { seed: 1313, numRuns: 30 },
  );
  assert.equal((await e.check({ readData: true })).ok, true, 'the repository is intact');
  const back = path.join(dir, 'ndjson-restored');
  await e.restoreToFolder({ snapshot: first.snapshot.id, target: back, confirmed: true });
  assert.ok((await compareNdjsonFolders(source, back)).identical, 'the first snapshot restores byte-identical');
});

test('mutated NDJSON through the CLI: exit 0 or 1, never a stack trace', async () => {
  const r = await repoAt(path.join(dir, 'ndjson-cli'));
  const env = { CLINIC_BACKUP_REPO: r.repo, CLINIC_BACKUP_PASSWORD_FILE: r.passwordFile, CLINIC_BACKUP_STATE_DIR: path.join(dir, 'state-cli') };
  const samples = fc.sample(ndjsonInput, { seed: 77, numRuns: 4 });
  for (const [i, { files, mutations }] of samples.entries()) {
    const input = path.join(dir, `cli-ndjson-${i}`);
    await mkdir(input);
    for (const f of files.length > 0 ? files : sourceFiles.slice(0, 1)) {
      const lines = (sourceText.get(f) as string).split('\n');
      for (const [, li, m] of mutations) lines[li % lines.length] = m(lines[li % lines.length] as string);
      await writeFile(path.join(input, f), lines.join('\n'), 'latin1');
    }
    const out = await runCli(['backup', input], env);
    assert.ok(out.code === 0 || out.code === 1, `exit ${out.code}: ${out.stderr}`);
    assert.doesNotMatch(out.stderr + out.stdout, STACK);
    assert.doesNotMatch(out.stderr, /INTERNAL/);
  }
});

// ------------------------------------------------------------------ mutated repository files

async function filesOf(root: string): Promise<string[]> {
  const out: string[] = [];
  const walk = async (d: string): Promise<void> => {
    for (const x of await readdir(d, { withFileTypes: true })) {
      const p = path.join(d, x.name);
      if (x.isDirectory()) await walk(p);
      else out.push(path.relative(root, p));
    }
  };
  await walk(root);
  return out.sort();
}

const KINDS = ['config', 'keys', 'data', 'index', 'snapshots', 'locks', 'audit'] as const;
type Damage = { kind: 'flip'; at: number } | { kind: 'truncate'; to: number } | { kind: 'delete' } | { kind: 'garbage'; bytes: Uint8Array } | { kind: 'empty' };
const damage: fc.Arbitrary<Damage> = fc.oneof(
  fc.nat().map((at): Damage => ({ kind: 'flip', at })),
  fc.nat().map((to): Damage => ({ kind: 'truncate', to })),
  fc.constant<Damage>({ kind: 'delete' }),
  fc.uint8Array({ minLength: 1, maxLength: 200 }).map((bytes): Damage => ({ kind: 'garbage', bytes })),
  fc.constant<Damage>({ kind: 'empty' }),
);
const repoDamage = fc.record({ kind: fc.constantFrom(...KINDS), pick: fc.nat(), damage });

/** Applies the damage to one file of the kind (locks: adds a damaged lock file); returns how to undo it. */
async function applyDamage(root: string, kind: (typeof KINDS)[number], pick: number, d: Damage): Promise<() => Promise<void>> {
  const all = (await filesOf(root)).filter((f) => (kind === 'config' ? f === 'config' : f.startsWith(`${kind}/`)));
  if (kind === 'locks' || all.length === 0) {
    const file = path.join(root, 'locks', 'f'.repeat(64));
    await mkdir(path.dirname(file), { recursive: true });
    await writeFile(file, d.kind === 'garbage' ? d.bytes : Buffer.from('CB\x01\x05not a lock'));
    return () => rm(file, { force: true });
  }
  const rel = all[pick % all.length] as string;
  const file = path.join(root, rel);
  const original = await readFile(file);
  if (d.kind === 'flip') {
    const b = Buffer.from(original);
    if (b.length > 0) b[d.at % b.length] = (b[d.at % b.length] as number) ^ 1;
    await writeFile(file, b);
  } else if (d.kind === 'truncate') await writeFile(file, original.subarray(0, d.to % Math.max(1, original.length)));
  else if (d.kind === 'delete') await rm(file);
  else if (d.kind === 'garbage') await writeFile(file, d.bytes);
  else await writeFile(file, Buffer.alloc(0));
  return () => writeFile(file, original);
}

/** Every file of the pristine repository (locks aside) is still in `root`, byte for byte. */
async function assertNothingLost(root: string): Promise<void> {
  for (const rel of (await filesOf(pristineRepo.repo)).filter((f) => !f.startsWith('locks/'))) {
    const want = await readFile(path.join(pristineRepo.repo, rel));
    const got = await readFile(path.join(root, rel)).catch(() => null);
    assert.ok(got && got.equals(want), `${rel} was changed or removed`);
  }
}

test('mutated repository files of every kind: reads fail with documented codes, never crash, and lose nothing', async () => {
  let run = 0;
  await fc.assert(
    fc.asyncProperty(repoDamage, async ({ kind, pick, damage: d }) => {
      const root = path.join(dir, `damaged-${run++}`);
      await cp(pristineRepo.repo, root, { recursive: true });
      const undo = await applyDamage(root, kind, pick, d);
      const e = engineOn({ repo: root, passwordFile: pristineRepo.passwordFile });
      await attempt('snapshots', () => e.snapshots());
      await attempt('ls', () => e.ls({ snapshot: 'latest' }));
      await attempt('check', () => e.check({ readData: true }));
      await attempt('stats', () => e.stats());
      await attempt('restore', () => e.restoreToFolder({ snapshot: 'latest', target: path.join(root, '..', `out-${run}`), confirmed: true }));
      await e.close();
      await undo();
      await assertNothingLost(root);
      const healthy = engineOn({ repo: root, passwordFile: pristineRepo.passwordFile });
      const after = await healthy.check({ readData: true });
      // Data, index, snapshots and keys check clean once the damaged file is back. An audit entry deleted from the
      // end of the trail cannot be told from a shorter trail, so entries written meanwhile may clash with it once it
      // is put back: check then reports exactly that (the audit trail), never lost data.
      const unexpected = after.problems.filter((p) => !(kind === 'audit' && p.code === 'AUDIT_TAMPERED'));
      assert.deepEqual(unexpected, [], `after undoing the ${kind} damage`);
      await healthy.close();
      await rm(root, { recursive: true, force: true });
    }),
    { seed: 2024, numRuns: 28 },
  );
});

test('mutated repository files through the CLI: exit 0, 1 or 3 and no stack trace', async () => {
  const samples = fc.sample(repoDamage, { seed: 99, numRuns: 7 }).map((s, i) => ({ ...s, kind: KINDS[i % KINDS.length] as (typeof KINDS)[number] }));
  for (const [i, s] of samples.entries()) {
    const root = path.join(dir, `cli-damaged-${i}`);
    await cp(pristineRepo.repo, root, { recursive: true });
    await applyDamage(root, s.kind, s.pick, s.damage);
    const env = { CLINIC_BACKUP_REPO: root, CLINIC_BACKUP_PASSWORD_FILE: pristineRepo.passwordFile, CLINIC_BACKUP_STATE_DIR: path.join(dir, `cli-state-${i}`) };
    for (const args of [
      ['check', '--read-data'],
      ['restore', '--target', path.join(dir, `cli-out-${i}`), '--yes'],
    ]) {
      const r = await runCli(args, env);
      assert.ok([0, 1, 3].includes(r.code ?? -1), `${s.kind} ${args[0]}: exit ${r.code} ${r.stderr}`);
      assert.doesNotMatch(r.stdout + r.stderr, STACK, `${s.kind} ${args[0]}`);
      assert.doesNotMatch(r.stderr, /INTERNAL/, `${s.kind} ${args[0]}: ${r.stderr}`);
    }
  }
});

// ------------------------------------------------------------------ malformed serve API requests

test('malformed serve API requests: 4xx with a JSON error, no stack trace, the server keeps serving, nothing stored lost', async () => {
  const root = path.join(dir, 'serve-repo');
  await cp(pristineRepo.repo, root, { recursive: true });
  const app = await startServeApp({
    repo: root,
    locale: 'en',
    engine: { passwordFile: pristineRepo.passwordFile, stateDir: path.join(dir, 'state-serve') },
    rendererDir: path.join(dir, 'no-renderer'),
  });
  after(() => app.close());
  const known = [
    'status',
    'snapshots',
    'ls',
    'dump',
    'check',
    'stats',
    'getSettings',
    'updateSettings',
    'findPatients',
    'planRestoreToFolder',
    'recoveryKit',
    'rotateRecoveryKey',
    'confirmRecoveryKit',
    'setSecret',
    'deleteSecret',
    'auditLog',
    'drillReport',
    'init',
  ];
  const request = fc.record({
    httpMethod: fc.constantFrom('POST', 'POST', 'POST', 'GET', 'PUT', 'DELETE'),
    method: fc.oneof(fc.constantFrom(...known), fc.string({ maxLength: 30 }), fc.constantFrom('%E0%A4%A', '..%2F..%2Fetc', '%00', '__proto__', 'constructor')),
    body: fc.oneof(
      fc.jsonValue({ maxDepth: 3 }).map((v) => JSON.stringify(v)),
      fc.array(fc.jsonValue({ maxDepth: 3 }), { maxLength: 4 }).map((args) => JSON.stringify({ args })),
      fc.string({ maxLength: 60 }),
      fc.constantFrom('', '{', '{"args":', '{"args": [1, 2, 3, 4, 5, 6]}', '{"args": "x"}', 'null', '[]'),
    ),
    auth: fc.constantFrom('good', 'good', 'good', 'none', 'wrong'),
    contentType: fc.constantFrom('application/json', 'text/plain', ''),
  });
  await fc.assert(
    fc.asyncProperty(request, async (q) => {
      const headers: Record<string, string> = {};
      if (q.auth === 'good') headers['Authorization'] = `Bearer ${app.token}`;
      if (q.auth === 'wrong') headers['Authorization'] = 'Bearer not-the-token';
      if (q.contentType) headers['Content-Type'] = q.contentType;
      const r = await raw(app.port, { method: q.httpMethod, path: `/api/${q.method.startsWith('%') || q.method.includes('%') ? q.method : encodeURIComponent(q.method)}`, headers, body: q.body });
      assert.doesNotMatch(r.text, STACK, r.text);
      assert.ok(r.status < 500, `status ${r.status}: ${r.text.slice(0, 300)}`);
      if (r.status >= 400) {
        const body = JSON.parse(r.text) as { error?: { code?: string; message?: string } };
        assert.ok(body.error?.code && body.error.code !== 'INTERNAL', r.text.slice(0, 300));
        assert.ok(typeof body.error.message === 'string' && body.error.message.length > 0);
      }
    }),
    { seed: 4242, numRuns: 120 },
  );
  // Still serving; the repository is as it was.
  const status = await raw(app.port, { method: 'POST', path: '/api/snapshots', headers: { Authorization: `Bearer ${app.token}`, 'Content-Type': 'application/json' }, body: '{"args":[]}' });
  assert.equal(status.status, 200);
  assert.equal((JSON.parse(status.text) as { value: unknown[] }).value.length, 2);
  await app.close();
  for (const rel of (await filesOf(pristineRepo.repo)).filter((f) => !f.startsWith('locks/'))) {
    assert.ok((await readFile(path.join(root, rel))).equals(await readFile(path.join(pristineRepo.repo, rel))), `${rel} unchanged`);
  }
  assert.ok((await stat(path.join(root, 'config'))).size > 0);
});
