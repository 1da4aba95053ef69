/**
 * Issue 14 through the real CLI: a backup whose export files live on another loopback host (allowed with
 * --allow-origin) and whose documents point to PDFs; a restore into a server that assigns its own ids, killed
 * with SIGKILL mid-way and run again: every resource exactly once, links working, the id map reported; server
 * administration resources left out of the plan with the opt-in named, and when included into a target that
 * refuses them, listed as not restored while the restore of the clinical data succeeds (exit 0).
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import path from 'node:path';
import { test } from 'node:test';
import type { SandboxServer } from '../../src/sandbox/index.js';
import { sandbox, testRepo, type TestRepo } from '../restorer/helpers.js';
import { CLI, ROOT, runCli } from '../support/cli.js';
import { tempDir } from '../support/tmp.js';
import { assertAttachmentsOpen, assertMappedCopy, readIdMap } from '../support/wild.js';

const ADMIN = ['Project', 'ProjectMembership', 'ClientApplication', 'User'];
const dir = await tempDir('cb-cli-wild-');
const A: SandboxServer = await sandbox({ patients: 10, seed: 61, documents: { patients: 4, urlForm: 'absolute' }, administration: true, auth: { bearerTokens: ['clinic-token'] }, secondHost: true });
const fileHost = new URL(A.secondOrigin as string).host;
A.faults.set({ manifestOrigin: A.secondOrigin });
const repo: TestRepo = await testRepo(path.join(dir, 'repo'));
const env = { CLINIC_BACKUP_REPO: repo.root, CLINIC_BACKUP_PASSWORD_FILE: repo.passwordFile, CLINIC_BACKUP_STATE_DIR: repo.stateDir };
const tokenFile = path.join(dir, 'token');
await (await import('node:fs/promises')).writeFile(tokenFile, 'clinic-token\n', { mode: 0o600 });

test('backup: export files on another host are refused (naming the host and the setting) until allowed; then everything, attachments included', async () => {
  const refused = await runCli(['backup', '--source', A.url, '--token-file', tokenFile], env);
  assert.equal(refused.code, 1);
  assert.match(refused.stderr, new RegExp(`${fileHost.replace('.', '\\.')}.*Other allowed addresses`), refused.stderr);
  const ok = await runCli(['backup', '--source', A.url, '--token-file', tokenFile, '--allow-origin', fileHost], env);
  assert.equal(ok.code, 0, ok.stderr);
  assert.match(ok.stdout, new RegExp(`Attachments: ${A.documents.length} of ${A.documents.length} kept \\(\\d+(\\.\\d)? (KiB|MiB)\\); 0 at other addresses, 0 failed\\.`));
  assert.ok(
    A.requestLog.some((e) => e.host === fileHost && e.authorization),
    'files fetched from the allowed host with the token',
  );
});

test('restore into a server that assigns its own ids, killed mid-way: the rerun resumes, every resource once, links working, the map reported', async () => {
  const B = await sandbox({ patients: 0, createGroup: false, faults: { noUpdateCreate: { status: 405 }, slow: { delayMs: 150, match: '^/fhir/?$' } } });
  // The plan says so beforehand: new ids with the map kept, and what happens to the attachments.
  const plan = await runCli(['restore', '--target-url', B.url, '--plan'], env);
  assert.equal(plan.code, 0, plan.stderr);
  assert.match(plan.stdout, /This server chooses its own ids: .*old → new map is kept \(0 already known\)/);
  assert.match(plan.stdout, new RegExp(`Attachments: ${A.documents.length} kept \\([^)]+\\); 0 Binary to create first .* \\d+ follow restored Binary resources`));
  assert.match(plan.stdout, /Server administration resources are left out \(use --include-admin to include them\): .*ClientApplication \(1\)/);
  const child = spawn(process.execPath, ['--experimental-websocket', CLI, 'restore', '--target-url', B.url, '--yes'], { cwd: ROOT, env: { ...process.env, ...env }, stdio: 'ignore' });
  const exited = new Promise<NodeJS.Signals | null>((resolve) => child.once('exit', (_code, signal) => resolve(signal)));
  const deadline = Date.now() + 120_000;
  while (B.store.count() < A.store.count() / 3 && Date.now() < deadline && child.exitCode === null) await new Promise((resolve) => setTimeout(resolve, 5));
  child.kill('SIGKILL');
  assert.equal(await exited, 'SIGKILL', 'killed mid-way');
  const held = B.store.count();
  assert.ok(held > 0 && held < A.store.count(), `part restored (${held} of ${A.store.count()})`);

  B.faults.set({ slow: null });
  const rerun = await runCli(['restore', '--target-url', B.url, '--yes', '--json'], env);
  assert.equal(rerun.code, 0, rerun.stderr);
  const r = JSON.parse(rerun.stdout) as { skippedFromJournal: number; failures: unknown[]; ids: { mode: string; file: string; known: number } };
  assert.deepEqual(r.failures, []);
  assert.ok(r.skippedFromJournal > 0, 'resumed from the journal');
  assert.equal(r.ids.mode, 'server-assigned');
  const map = await readIdMap(r.ids.file);
  assert.equal(r.ids.known, map.size);
  assertMappedCopy(A, B, map, ['Binary', ...ADMIN]);
  assertAttachmentsOpen(B, A.documents, map);

  const human = await runCli(['restore', '--target-url', B.url, '--yes'], env);
  assert.equal(human.code, 0, human.stderr);
  assert.match(human.stdout, /New ids: 0 in this restore, \d+ in all; old → new map in /);
  // A sample of 10 pairs, then how many more (never a silent cut).
  assert.ok(r.ids.known > 10);
  assert.equal(human.stdout.split('\n').filter((l) => /^ {2}[A-Za-z]+\/\S+ → [A-Za-z]+\/\S+$/.test(l)).length, 10, human.stdout);
  assert.ok(human.stdout.includes(`… and ${r.ids.known - 10} more`), human.stdout);
});

test('administration resources: the plan leaves them out and names the opt-in; included into a target that refuses them (403), the clinical data is restored, exit 0, the refused ones listed', async () => {
  const C = await sandbox({
    patients: 0,
    createGroup: false,
    faults: { rejectResources: { match: '^(Project|ProjectMembership|ClientApplication|User)/', status: 403, diagnostics: 'Forbidden: shared project' } },
  });
  const plan = await runCli(['restore', '--target-url', C.url, '--plan'], env);
  assert.equal(plan.code, 0, plan.stderr);
  assert.match(plan.stdout, /Server administration resources are left out \(use --include-admin to include them\): .*ClientApplication/);
  const included = await runCli(['restore', '--target-url', C.url, '--plan', '--include-admin'], env);
  assert.match(included.stdout, /Server administration resources included: .*Project \(1\)/);
  const r = await runCli(['restore', '--target-url', C.url, '--yes', '--include-admin'], env);
  assert.equal(r.code, 0, r.stdout + r.stderr);
  assert.match(r.stdout, /^Server administration not restored \(5 items\):$/m);
  assert.match(r.stdout, /^ {2}– Project\/clinic-project 403 Forbidden$/m);
  assert.match(r.stdout, /ClientApplication\/backup-client/);
  assert.equal([...C.store.all()].filter((x) => ADMIN.includes(x.type)).length, 0, 'none written');
  assertMappedCopy(A, C, new Map(), ADMIN);
  assertAttachmentsOpen(C, A.documents, new Map());
});
