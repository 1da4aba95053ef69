/**
 * What ships is what is tested: these tests run bin/clinic-backup.js over the compiled dist/ (built first when it
 * is missing or older than the sources), not the TypeScript sources the other CLI tests use. They check that
 * every command answers --help without loading the engine or any library, that the heavy libraries load only in
 * the commands that use them, that the demo (the README's first command) runs, and that serve shows the UI.
 */
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { before, test } from 'node:test';
import { COMMAND_NAMES } from '../../src/cli/commands/index.js';
import { writeNdjsonDataset } from '../../src/sandbox/synthetic.js';
import { raw } from '../serve/helpers.js';
import { ROOT, SHIPPED_CLI } from '../support/cli.js';
import { writePasswordFile } from '../support/repo.js';
import { tempDir } from '../support/tmp.js';

const LOADED_HOOK = path.join(ROOT, 'test', 'support', 'loadedModules.mjs');
/** Libraries that are large or slow to load; each belongs to the commands that use it. */
const HEAVY = ['@aws-sdk/', 'pdfkit', 'qrcode', 'nodemailer', '@medplum/', 'prom-client'];

interface Run {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
  /** Every module file the process loaded. */
  readonly modules: string[];
}

const scratch = await tempDir('cb-shipped-');

/** Runs the shipped CLI with the module recorder preloaded. */
async function shipped(args: readonly string[], env: NodeJS.ProcessEnv = {}): Promise<Run> {
  const list = path.join(scratch, `modules-${Math.random().toString(36).slice(2)}.txt`);
  const r = spawnSync(process.execPath, ['--experimental-websocket', '--import', LOADED_HOOK, SHIPPED_CLI, ...args], {
    cwd: ROOT,
    env: { ...process.env, CLINIC_BACKUP_LANG: 'en', LOADED_MODULES_FILE: list, ...env },
    encoding: 'utf8',
    timeout: 300_000,
  });
  const modules = existsSync(list) ? (await readFile(list, 'utf8')).split('\n').filter(Boolean) : [];
  return { code: r.status, stdout: r.stdout, stderr: r.stderr, modules };
}

/** The packages (name or @scope/name) the modules come from. */
function libraries(modules: readonly string[]): string[] {
  const names = modules
    .filter((m) => m.includes('/node_modules/'))
    .map((m) => {
      const rest = m.replace(/^.*\/node_modules\//, '').split('/');
      return rest.slice(0, rest[0]?.startsWith('@') ? 2 : 1).join('/');
    });
  return [...new Set(names)].sort();
}
const heavyIn = (modules: readonly string[]): string[] => libraries(modules).filter((l) => HEAVY.some((h) => l.startsWith(h)));

before(() => {
  // dist/ when older than the sources; the renderer only when missing (rebuilding it could pull it from under the
  // browser tests running at the same time; `npm test` builds both before any test starts).
  const which = existsSync(path.join(ROOT, 'renderer', 'dist', 'index.html')) ? '--dist-if-stale' : '--if-stale';
  const build = spawnSync(process.execPath, [path.join(ROOT, 'scripts', 'build.mjs'), which], { cwd: ROOT, stdio: ['ignore', 'inherit', 'inherit'] });
  assert.equal(build.status, 0, 'what ships is built');
});

test('the module recorder sees a library when one is loaded (control for the tests below)', async () => {
  const list = path.join(scratch, 'control.txt');
  const r = spawnSync(process.execPath, ['--import', LOADED_HOOK, '--input-type=module', '-e', "await import('pdfkit'); await import('@aws-sdk/client-s3');"], {
    cwd: ROOT,
    env: { ...process.env, LOADED_MODULES_FILE: list },
    encoding: 'utf8',
  });
  assert.equal(r.status, 0, r.stderr);
  const seen = heavyIn((await readFile(list, 'utf8')).split('\n'));
  assert.ok(seen.includes('@aws-sdk/client-s3') && seen.includes('pdfkit'), seen.join(', '));
});

test('bin/clinic-backup.js runs the compiled dist/: --help of every command (and of the CLI) loads no library and not the engine', async () => {
  for (const args of [['--help'], ...COMMAND_NAMES.map((c) => [c, '--help'])]) {
    const r = await shipped(args);
    assert.equal(r.code, 0, `${args.join(' ')}: ${r.stderr}`);
    assert.ok(r.stdout.startsWith(`Usage: clinic-backup ${args.length > 1 ? args[0] : '<command>'}`), `${args.join(' ')}: ${r.stdout.slice(0, 120)}`);
    assert.doesNotMatch(r.stdout, /cli\.(help|opt|value)\./, `${args.join(' ')}: a text key leaked`);
    const ours = r.modules.filter((m) => m.startsWith(ROOT) && !m.includes('/node_modules/') && !m.startsWith(path.join(ROOT, 'test')));
    assert.ok(
      ours.length > 0 && ours.every((m) => m.startsWith(path.join(ROOT, 'dist')) || m.startsWith(path.join(ROOT, 'bin'))),
      `${args.join(' ')} ran the compiled code: ${ours.filter((m) => !m.includes('/dist/')).join(', ')}`,
    );
    assert.ok(!r.modules.some((m) => m.endsWith('/dist/src/index.js')), `${args.join(' ')} did not load the engine façade`);
    assert.deepEqual(libraries(r.modules), [], `${args.join(' ')} loaded no library`);
  }
  // A usage error is answered as fast: the engine is not loaded to say that an option does not exist.
  const typo = await shipped(['restore', '--target-ulr', 'x']);
  assert.equal(typo.code, 2);
  assert.deepEqual(libraries(typo.modules), []);
});

test('the heavy libraries load only in the commands that use them: snapshots and status load none, a PDF report loads pdfkit', async () => {
  const dir = await tempDir('cb-shipped-repo-');
  const env = { CLINIC_BACKUP_REPO: path.join(dir, 'repo'), CLINIC_BACKUP_PASSWORD_FILE: await writePasswordFile(dir), CLINIC_BACKUP_STATE_DIR: path.join(dir, 'state') };
  await writeNdjsonDataset(path.join(dir, 'data'), { patients: 10, seed: 3 });
  assert.equal((await shipped(['init'], env)).code, 0);
  const backup = await shipped(['backup', path.join(dir, 'data')], env);
  assert.equal(backup.code, 0, backup.stderr);
  for (const command of [['snapshots'], ['status'], ['check']]) {
    const r = await shipped(command, env);
    assert.equal(r.code, 0, `${command.join(' ')}: ${r.stderr}`);
    assert.ok(
      r.modules.some((m) => m.endsWith('/dist/src/index.js')),
      'the engine ran',
    );
    assert.deepEqual(heavyIn(r.modules), [], `${command.join(' ')} loaded ${heavyIn(r.modules).join(', ')}`);
  }
  const report = await shipped(['report', 'dr-plan', '--pdf', path.join(dir, 'plan.pdf')], env);
  assert.equal(report.code, 0, report.stderr);
  assert.deepEqual(heavyIn(report.modules), ['pdfkit']);
  assert.equal((await readFile(path.join(dir, 'plan.pdf'))).subarray(0, 5).toString(), '%PDF-');
});

test('the demo (the README set-up command) runs on the compiled CLI: backup, incremental, check, restore that matches the server', async () => {
  const r = await shipped(['demo', '--patients', '40']);
  assert.equal(r.code, 0, r.stdout + r.stderr);
  assert.match(r.stdout, /Check OK/);
  assert.match(r.stdout, /Restore holds the server's \d+ resources: yes/);
  assert.ok(r.modules.some((m) => m.endsWith('/dist/src/index.js')) && !r.modules.some((m) => m.includes(`${path.sep}src${path.sep}index.ts`)));
});

test('serve from the compiled code shows the built interface (not "the interface has not been built")', async () => {
  const dir = await tempDir('cb-shipped-serve-');
  const child = spawn(process.execPath, ['--experimental-websocket', SHIPPED_CLI, 'serve', '--repo', path.join(dir, 'repo'), '--password-file', await writePasswordFile(dir), '--port', '0'], {
    cwd: ROOT,
    env: { ...process.env, CLINIC_BACKUP_LANG: 'en', CLINIC_BACKUP_STATE_DIR: path.join(dir, 'state') },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const closed = new Promise<number | null>((resolve) => child.on('close', (c) => resolve(c)));
  try {
    let stdout = '';
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const url = await new Promise<URL>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no URL printed: ${stdout} ${stderr}`)), 60_000);
      child.stdout.on('data', (d: Buffer) => {
        stdout += d.toString();
        const m = /http:\/\/127\.0\.0\.1:\d+\/\?token=[A-Za-z0-9_-]{43}/.exec(stdout);
        if (m) {
          clearTimeout(timer);
          resolve(new URL(m[0]));
        }
      });
    });
    const port = Number(url.port);
    const launch = await raw(port, { path: `${url.pathname}${url.search}` });
    assert.equal(launch.status, 303);
    const cookie = String(launch.headers['set-cookie']).split(';')[0] as string;
    const page = await raw(port, { path: '/', headers: { Cookie: cookie } });
    assert.equal(page.status, 200, page.text.slice(0, 300));
    assert.match(page.text, /<div id="root"><\/div>/);
    assert.match(page.text, /<script type="module"[^>]+src="\.\/assets\/index-[^"]+\.js"/);
    assert.doesNotMatch(page.text, /not been built|ainda não foi compilada/);
  } finally {
    child.kill('SIGINT');
    assert.equal(await closed, 0);
  }
});
