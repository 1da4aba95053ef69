/**
 * Start-up benchmark (`npm run bench:startup`): how fast the shipped program (bin/clinic-backup.js over the compiled
 * dist/) answers, side by side with restic in the same run, on a repository holding a ~1 GB backup.
 *
 *   1. generate the data set (src/sandbox/synthetic.ts); back it up twice (full, then after a 1 % change) into a
 *      repository of ours and one of restic's;
 *   2. measure, round-robin so that machine load hits every row alike (one untimed warm-up, then `--runs` rounds):
 *      `--help`, `snapshots`, `status` and one patient's record restored to a folder (ours with the key from the
 *      keychain and from a password file; restic with its password), and the desktop app's start-up until its tray
 *      state is computed (bench/mainReady.mjs: the code of main/ in a Node process over dist/);
 *   3. print a table (median, min, max; peak RSS) and one line per target, and (for full-size runs) write it to
 *      docs/benchmarks.md.
 *
 * Each run is a child process under /usr/bin/time (peak RSS); wall time is measured around it. `npm run
 * bench:startup` runs inside scripts/with-keyring.sh (a private gnome-keyring), so the keychain rows are measured
 * against a real Secret Service; without one they are left out.
 *
 * Options (arguments win over environment):
 *   --size 100MB        BENCH_SIZE       data set size (default 1GB)
 *   --runs N            BENCH_RUNS       measured runs per row (default 10)
 *   --work-dir DIR      BENCH_WORK_DIR   parent of the work directory (default os.tmpdir())
 *   --keep              BENCH_KEEP=1     keep the work directory (data and repositories)
 *   --reuse DIR                          measure again on the repositories a --keep run left in DIR
 *   --seed N            BENCH_SEED       data set seed (default 1)
 *   --docs / --no-docs                   write docs/benchmarks.md (default: only when size ≥ 1 GB)
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { chmod, mkdir, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { mutateNdjsonDataset, writeNdjsonDataset } from '../src/sandbox/synthetic.js';
import { machine, parseSize, treeBytes, truthy, which } from './common.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const CLI = path.join(ROOT, 'bin', 'clinic-backup.js');
const MAIN_READY = path.join(ROOT, 'bench', 'mainReady.mjs');
const DOCS = path.join(ROOT, 'docs', 'benchmarks.md');
const DOCS_HEADING = '## Start-up benchmark (npm run bench:startup)';
const TIME_BIN = '/usr/bin/time';
const MB = 1e6;
const PASSWORD = 'bench-startup-password-0123456789';
const KEYCHAIN_SERVICE = 'clinic-backup-bench-startup';
const SETUP_DONE = 'setup-done.json';

interface Options {
  sizeBytes: number;
  sizeText: string;
  runs: number;
  workParent: string;
  keep: boolean;
  reuse: string | null;
  seed: number;
  docs: boolean;
}

function readOptions(argv: string[]): Options {
  const { values } = parseArgs({
    args: argv,
    options: {
      size: { type: 'string' },
      runs: { type: 'string' },
      'work-dir': { type: 'string' },
      keep: { type: 'boolean' },
      reuse: { type: 'string' },
      seed: { type: 'string' },
      docs: { type: 'boolean' },
      'no-docs': { type: 'boolean' },
    },
    strict: true,
  });
  const env = process.env;
  const sizeText = values.size ?? env['BENCH_SIZE'] ?? '1GB';
  const sizeBytes = parseSize(sizeText);
  const runs = Number(values.runs ?? env['BENCH_RUNS'] ?? '10');
  if (!Number.isInteger(runs) || runs < 1) throw new Error('--runs must be a whole number ≥ 1');
  const seed = Number(values.seed ?? env['BENCH_SEED'] ?? '1');
  if (!Number.isInteger(seed)) throw new Error('--seed must be a whole number');
  return {
    sizeBytes,
    sizeText,
    runs,
    workParent: values['work-dir'] ?? env['BENCH_WORK_DIR'] ?? os.tmpdir(),
    keep: values.keep === true || truthy(env['BENCH_KEEP']) || values.reuse !== undefined,
    reuse: values.reuse ?? null,
    seed,
    docs: values['no-docs'] ? false : values.docs ? true : sizeBytes >= 1e9,
  };
}

function log(msg: string): void {
  process.stderr.write(`[bench:startup] ${msg}\n`);
}

const fmt = (n: number | undefined, digits = 0): string => (n === undefined || !Number.isFinite(n) ? '–' : n.toFixed(digits));

// ---------------------------------------------------------------------------------------------
// running and measuring

interface Sample {
  readonly wallMs: number;
  readonly rssBytes: number | null;
  /** CPU time (user + system) of the whole process, from time's report: what the run costs apart from machine load. */
  readonly cpuMs: number | null;
  /** A restore's bytes read from the repository over the bytes it restored (from its --json answer), else null. */
  readonly readRatio: number | null;
}

interface Command {
  readonly cmd: string;
  readonly args: readonly string[];
  readonly env: NodeJS.ProcessEnv;
  /** Stop the clock when stdout shows this (the process may then go on closing); else when it exits. */
  readonly readyLine?: RegExp;
  /** Runs before each spawn, outside the clock (e.g. removes the folder a restore writes). */
  readonly before?: () => void;
}

/** bytesRead / bytes of a restore's --json answer (one patient: how much more than its record was read). */
function readRatioOf(stdout: string): number | null {
  try {
    const j = JSON.parse(stdout) as { bytesRead?: unknown; bytes?: unknown };
    return typeof j.bytesRead === 'number' && typeof j.bytes === 'number' && j.bytes > 0 ? j.bytesRead / j.bytes : null;
  } catch {
    // Not a restore's JSON answer (help text, a listing): no ratio.
    return null;
  }
}

/** Runs a command once under /usr/bin/time; wall time around it, peak RSS and CPU time from time's report. */
function measureOnce(c: Command): Promise<Sample> {
  const useTime = existsSync(TIME_BIN);
  const [cmd, args] = useTime ? [TIME_BIN, ['-f', '__PEAK_RSS_KB__ %M __CPU_S__ %U %S', c.cmd, ...c.args]] : [c.cmd, [...c.args]];
  c.before?.();
  return new Promise((resolve, reject) => {
    const started = process.hrtime.bigint();
    let readyAt: bigint | null = null;
    const child = spawn(cmd, args, { cwd: ROOT, env: c.env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => {
      stdout += d.toString();
      if (readyAt === null && c.readyLine?.test(stdout)) readyAt = process.hrtime.bigint();
    });
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => {
      const ended = process.hrtime.bigint();
      if (code !== 0) return reject(new Error(`${path.basename(c.cmd)} ${c.args.join(' ')} exited ${code}: ${stderr.slice(-800)}`));
      if (c.readyLine && readyAt === null) return reject(new Error(`${c.args.join(' ')}: no ready line in ${stdout.slice(0, 300)}`));
      const kb = /__PEAK_RSS_KB__ (\d+)/.exec(stderr)?.[1];
      const cpu = /__CPU_S__ ([\d.]+) ([\d.]+)/.exec(stderr);
      resolve({
        wallMs: Number(((readyAt ?? ended) - started) / 1000n) / 1000,
        rssBytes: kb ? Number(kb) * 1024 : null,
        cpuMs: cpu ? (Number(cpu[1]) + Number(cpu[2])) * 1000 : null,
        readRatio: readRatioOf(stdout),
      });
    });
  });
}

function run(label: string, cmd: string, args: readonly string[], env: NodeJS.ProcessEnv): void {
  const started = Date.now();
  const r = spawnSync(cmd, args, { cwd: ROOT, env, stdio: ['ignore', 'ignore', 'pipe'], encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`${label} failed (${r.status}): ${r.stderr.slice(-1500)}`);
  log(`${label}: ${((Date.now() - started) / 1000).toFixed(1)} s`);
}

const median = (xs: readonly number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 === 1 ? (s[mid] as number) : ((s[mid - 1] as number) + (s[mid] as number)) / 2;
};

// ---------------------------------------------------------------------------------------------
// set-up: data and repositories

interface Setup {
  readonly work: string;
  readonly data: string;
  readonly dataLine: string;
  readonly ours: { readonly repo: string; readonly state: string; readonly passwordFile: string; readonly keychain: boolean; readonly repoBytes: number };
  readonly restic: { readonly bin: string; readonly repo: string; readonly version: string; readonly repoBytes: number } | null;
}

function oursEnv(s: Pick<Setup, 'ours'>, withPassword: boolean): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, CLINIC_BACKUP_REPO: s.ours.repo, CLINIC_BACKUP_STATE_DIR: s.ours.state, CLINIC_BACKUP_KEYCHAIN_SERVICE: KEYCHAIN_SERVICE, CLINIC_BACKUP_LANG: 'en' };
  delete env['CLINIC_BACKUP_PASSWORD_FILE'];
  if (withPassword) env['CLINIC_BACKUP_PASSWORD_FILE'] = s.ours.passwordFile;
  return env;
}

function resticEnv(work: string): NodeJS.ProcessEnv {
  return { ...process.env, RESTIC_PASSWORD: PASSWORD, RESTIC_CACHE_DIR: path.join(work, 'restic-cache') };
}

/** A Secret Service answers (the benchmark runs inside scripts/with-keyring.sh): then the keychain rows are measured. */
function keyringAvailable(): boolean {
  return Boolean(process.env['DBUS_SESSION_BUS_ADDRESS']) && which('secret-tool') !== null;
}

async function prepare(opts: Options): Promise<Setup> {
  if (opts.reuse) {
    const saved = JSON.parse(await readFile(path.join(opts.reuse, SETUP_DONE), 'utf8')) as Setup;
    log(`reusing the repositories in ${opts.reuse}`);
    // The keyring of the earlier run is gone with it: its keychain slots are removed (a stale slot would cost a
    // failed keychain read on every open) and this run's keyring gets one slot of its own.
    const env = oursEnv(saved, true);
    const keys = JSON.parse(spawnSync(process.execPath, [CLI, 'key', 'list', '--json'], { cwd: ROOT, env, encoding: 'utf8' }).stdout) as { id: string; kind: string }[];
    for (const k of keys.filter((x) => x.kind === 'keychain')) run(`clinic-backup key remove ${k.id}`, process.execPath, [CLI, 'key', 'remove', k.id], env);
    const keychain = keyringAvailable();
    if (keychain) run('clinic-backup key add --keychain', process.execPath, [CLI, 'key', 'add', '--keychain'], env);
    return { ...saved, ours: { ...saved.ours, keychain } };
  }
  await mkdir(opts.workParent, { recursive: true });
  const work = await mkdtemp(path.join(opts.workParent, 'clinic-bench-startup-'));
  log(`work dir ${work}${opts.keep ? ' (kept)' : ' (removed at the end; --keep to keep it)'}`);
  const data = path.join(work, 'data');
  const passwordFile = path.join(work, 'password');
  await writeFile(passwordFile, PASSWORD + '\n', { mode: 0o600 });
  await chmod(passwordFile, 0o600);
  let t0 = Date.now();
  const info = await writeNdjsonDataset(data, { patients: 1, seed: opts.seed, targetBytes: opts.sizeBytes });
  const dataLine = `${(info.bytes / MB).toFixed(1)} MB, ${info.resources.toLocaleString('en')} resources in ${info.files.length} NDJSON files (seed ${opts.seed})`;
  log(`data: ${dataLine}, generated in ${((Date.now() - t0) / 1000).toFixed(1)} s`);

  const ours = { repo: path.join(work, 'repo-ours'), state: path.join(work, 'state'), passwordFile, keychain: false, repoBytes: 0 };
  const withPw = oursEnv({ ours }, true);
  run('clinic-backup init', process.execPath, [CLI, 'init', '--no-keychain'], withPw);
  if (keyringAvailable()) {
    run('clinic-backup key add --keychain', process.execPath, [CLI, 'key', 'add', '--keychain'], withPw);
    ours.keychain = true;
  } else log('no Secret Service (run through `npm run bench:startup`, which starts one): the keychain rows are left out');
  const resticBin = which('restic');
  const restic = resticBin ? { bin: resticBin, repo: path.join(work, 'repo-restic'), version: spawnSync(resticBin, ['version'], { encoding: 'utf8' }).stdout.trim(), repoBytes: 0 } : null;
  if (!restic) log('restic is not installed (Debian: apt-get install restic): its rows are left out');
  else run('restic init', restic.bin, ['--repo', restic.repo, 'init'], resticEnv(work));

  for (const round of [1, 2]) {
    if (round === 2) {
      t0 = Date.now();
      await mutateNdjsonDataset(data, { fraction: 0.01, seed: opts.seed + 1 });
      log(`1 % of the resources changed in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
    }
    run(`clinic-backup backup ${round}`, process.execPath, [CLI, 'backup', data], withPw);
    if (restic) run(`restic backup ${round}`, restic.bin, ['--repo', restic.repo, 'backup', '--quiet', data], resticEnv(work));
  }
  ours.repoBytes = await treeBytes(ours.repo);
  const setup: Setup = { work, data, dataLine, ours, restic: restic ? { ...restic, repoBytes: await treeBytes(restic.repo) } : null };
  await writeFile(path.join(work, SETUP_DONE), JSON.stringify(setup, null, 2));
  return setup;
}

// ---------------------------------------------------------------------------------------------
// rows

interface Row {
  readonly what: string;
  readonly tool: 'clinic-backup' | 'restic';
  readonly command: Command;
  readonly targetMs?: number;
  readonly targetRssBytes?: number;
  samples: Sample[];
}

/** A patient from the middle of the data set's first 2000 Patient lines (the same one in every run). */
function patientId(data: string): string {
  const lines = readFileSync(path.join(data, 'Patient.ndjson'), 'utf8').split('\n', 2000).filter(Boolean);
  return (JSON.parse(lines[Math.floor(lines.length / 2)] as string) as { id: string }).id;
}

function rows(s: Setup): Row[] {
  const out: Row[] = [];
  const target = path.join(s.work, 'restore-patient');
  const ours = (what: string, args: readonly string[], withPassword: boolean, targets: { ms?: number; rss?: number } = {}, before?: () => void): void => {
    out.push({
      what,
      tool: 'clinic-backup',
      command: { cmd: process.execPath, args: [CLI, ...args], env: oursEnv(s, withPassword), ...(before ? { before } : {}) },
      ...(targets.ms ? { targetMs: targets.ms } : {}),
      ...(targets.rss ? { targetRssBytes: targets.rss } : {}),
      samples: [],
    });
  };
  const restic = (what: string, args: readonly string[]): void => {
    if (s.restic) out.push({ what, tool: 'restic', command: { cmd: s.restic.bin, args: ['--repo', s.restic.repo, ...args], env: resticEnv(s.work) }, samples: [] });
  };
  const mainReady = (what: string, withPassword: boolean, ms?: number): void => {
    out.push({
      what,
      tool: 'clinic-backup',
      command: { cmd: process.execPath, args: [MAIN_READY, s.ours.repo, s.ours.state, ...(withPassword ? [s.ours.passwordFile] : [])], env: oursEnv(s, false), readyLine: /^READY /m },
      ...(ms ? { targetMs: ms } : {}),
      samples: [],
    });
  };
  ours('--help', ['--help'], false, { ms: 150, rss: 80 * MB });
  restic('--help', ['--help']);
  if (s.ours.keychain) ours('snapshots (key in the keychain)', ['snapshots'], false, { ms: 400 });
  ours('snapshots (password file: scrypt)', ['snapshots'], true, { ms: 400 });
  restic('snapshots (password: scrypt)', ['snapshots']);
  if (s.ours.keychain) ours('status (key in the keychain)', ['status'], false, { ms: 500 });
  ours('status (password file: scrypt)', ['status'], true, { ms: 500 });
  // issue #16: one patient from the 1 GB repository ≤ 0.5 s after process start, reading ≤ 10× the patient's bytes.
  const patient = ['restore', 'latest', '--patient', patientId(s.data), '--target', target, '--yes', '--json'];
  const clear = (): void => rmSync(target, { recursive: true, force: true });
  if (s.ours.keychain) ours('one patient to a folder (key in the keychain)', patient, false, { ms: 500 }, clear);
  ours('one patient to a folder (password file: scrypt)', patient, true, { ms: 500 }, clear);
  if (s.ours.keychain) mainReady('desktop start-up to tray state (keychain)', false, 300);
  mainReady('desktop start-up to tray state (password file)', true, 300);
  return out;
}

// ---------------------------------------------------------------------------------------------
// report

function loadAverage(): string {
  return existsSync('/proc/loadavg')
    ? readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ')
    : os
        .loadavg()
        .map((x) => x.toFixed(2))
        .join(' ');
}

function report(s: Setup, all: readonly Row[], opts: Options, load: { before: string; after: string }): { table: string; targets: string[]; section: string } {
  const header = ['measurement', 'tool', 'median ms', 'min ms', 'max ms', 'median CPU ms', 'peak RSS MB', 'target'];
  const lines = [`| ${header.join(' | ')} |`, `| ${header.map((h, i) => (i < 2 ? '---' : '---:')).join(' | ')} |`];
  const targets: string[] = [];
  for (const r of all) {
    const ms = r.samples.map((x) => x.wallMs);
    const cpu = r.samples.flatMap((x) => (x.cpuMs === null ? [] : [x.cpuMs]));
    const rss = r.samples.map((x) => x.rssBytes ?? 0);
    const peak = rss.length > 0 && rss.some((x) => x > 0) ? Math.max(...rss) : undefined;
    const target = [r.targetMs ? `≤ ${r.targetMs} ms` : '', r.targetRssBytes ? `≤ ${r.targetRssBytes / MB} MB RSS` : ''].filter(Boolean).join(', ');
    lines.push(
      `| ${r.what} | ${r.tool} | ${fmt(median(ms))} | ${fmt(Math.min(...ms))} | ${fmt(Math.max(...ms))} | ${cpu.length > 0 ? fmt(median(cpu)) : '–'} | ${fmt(peak === undefined ? undefined : peak / MB, 1)} | ${target || '–'} |`,
    );
    if (r.targetMs) targets.push(`${r.what}: median ${fmt(median(ms))} ms, target ≤ ${r.targetMs} ms: ${median(ms) <= r.targetMs ? 'met' : 'NOT MET'}`);
    const ratios = r.samples.flatMap((x) => (x.readRatio === null ? [] : [x.readRatio]));
    if (ratios.length > 0) targets.push(`${r.what}: read ${fmt(median(ratios), 1)}× the patient's bytes, target ≤ 10×: ${median(ratios) <= 10 ? 'met' : 'NOT MET'}`);
    if (r.targetRssBytes)
      targets.push(
        `${r.what} peak RSS: ${fmt(peak === undefined ? undefined : peak / MB, 1)} MB, target ≤ ${r.targetRssBytes / MB} MB: ${peak !== undefined && peak <= r.targetRssBytes ? 'met' : 'NOT MET'}`,
      );
  }
  const table = lines.join('\n');
  const pkg = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { version?: string };
  const git = spawnSync('git', ['-C', ROOT, 'rev-parse', '--short', 'HEAD'], { encoding: 'utf8' }).stdout.trim() || '?';
  const section = [
    DOCS_HEADING,
    '',
    'Command: `npm run bench:startup` (inside a private gnome-keyring: scripts/with-keyring.sh)',
    '',
    'Machine:',
    '',
    ...machine([`clinic-backup ${pkg.version ?? '?'} (git ${git}, working tree): bin/clinic-backup.js over the compiled dist/`, s.restic ? `restic: ${s.restic.version}` : 'restic: not installed']),
    `- load average (1, 5, 15 min) before: ${load.before}; after: ${load.after}`,
    '',
    'Method:',
    '',
    `- data: ${s.dataLine}, backed up twice (full, then after changing 1 % of the resources) by each tool; repository size ours ${(s.ours.repoBytes / MB).toFixed(1)} MB${s.restic ? `, restic ${(s.restic.repoBytes / MB).toFixed(1)} MB` : ''}.`,
    `- ${opts.runs} measured runs per row after one untimed warm-up, round-robin over the rows (so machine load hits every row alike); wall time from spawn to exit (desktop start-up: to the "READY" line), median, min and max; CPU is \`/usr/bin/time\` user + system time of the whole process (desktop start-up: until it exits, after READY), the cost of a run apart from the machine's load; peak RSS is \`/usr/bin/time\` "Maximum resident set size" over the runs.`,
    '- clinic-backup opens the repository with the key from the keychain (gnome-keyring over D-Bus, HKDF: how the desktop app and a default `init` work) or from `--password-file` (scrypt N=2^16, r=8, p=1, the cost that makes a stolen password slot slow to attack); restic with its password (scrypt, parameters calibrated by restic at `init`). restic has no `status`; its `--help` and `snapshots` run side by side with ours.',
    "- One patient: `restore latest --patient ID --target DIR --yes --json` (a patient from the middle of the data set; the folder removed before each run, outside the clock); the bytes it read from the repository over the patient's bytes come from its JSON answer.",
    '- Desktop start-up: `bench/mainReady.mjs`, the code of main/ (desktop config, engine host, settings language, status, tray rendered from it) in a plain Node process over dist/; Electron itself cannot start here.',
    '',
    'Results:',
    '',
    table,
    '',
    'Targets:',
    '',
    ...targets.map((x) => `- ${x}`),
    '',
  ].join('\n');
  return { table, targets, section };
}

async function writeDocs(section: string): Promise<void> {
  let text = existsSync(DOCS) ? await readFile(DOCS, 'utf8') : '# Benchmarks\n';
  const start = text.indexOf(DOCS_HEADING);
  if (start >= 0) {
    const next = text.indexOf('\n## ', start + DOCS_HEADING.length);
    text = text.slice(0, start) + section.trimEnd() + '\n' + (next >= 0 ? `\n${text.slice(next + 1)}` : '');
  } else text = `${text.trimEnd()}\n\n${section}`;
  await writeFile(DOCS, text.trimEnd() + '\n');
}

// ---------------------------------------------------------------------------------------------
// main

async function main(): Promise<number> {
  const opts = readOptions(process.argv.slice(2));
  if (!existsSync(path.join(ROOT, 'dist', 'src', 'cli', 'main.js'))) {
    log('dist/ is not built: run `npm run bench:startup` (it builds what is missing) or `npm run build`');
    return 1;
  }
  const setup = await prepare(opts);
  try {
    const all = rows(setup);
    log(`warm-up round (${all.length} rows)…`);
    for (const r of all) await measureOnce(r.command);
    const before = loadAverage();
    for (let round = 1; round <= opts.runs; round++) {
      for (const r of all) r.samples.push(await measureOnce(r.command));
      log(`round ${round}/${opts.runs} done`);
    }
    const { section } = report(setup, all, opts, { before, after: loadAverage() });
    process.stdout.write(section + '\n');
    if (opts.docs) {
      await writeDocs(section);
      log(`written to ${path.relative(ROOT, DOCS)}`);
    }
    return 0;
  } finally {
    if (!opts.keep) rmSync(setup.work, { recursive: true, force: true });
  }
}

process.exitCode = await main();
