/**
 * FHIR backup benchmark (`npm run bench:fhir`): the engine backing up a live FHIR server over loopback HTTP
 * (bulk $export), against the file-based backup of the same data and against restic.
 *
 *   1. a sandbox FHIR server with ~1 GB of synthetic data runs in its own child process
 *      (`bench/fhir.ts --serve-sandbox`), so server and engine never share an event loop;
 *   2. the server's resources are written to NDJSON files (one per type, the server's bytes) and read once;
 *   3. full backup over HTTP ($export) with the CLI → wall time, peak RSS, repository size;
 *      file-based backup of the same data with the CLI (another repository) → wall time;
 *      restic backup of the same files;
 *   4. 1 % of the resources change on the server (scattered over every type); the files are written again;
 *   5. incremental backup over HTTP (`_since` = the previous snapshot's transactionTime) → wall time, peak RSS,
 *      bytes the repository grew by; restic's second backup of the changed files → bytes added;
 *   6. the latest HTTP snapshot is restored to a folder and compared line for line with the server's data
 *      (not timed), then the table is printed and, for full-size runs, written to docs/benchmarks.md.
 *
 * Each measured CLI runs as a child under /usr/bin/time -v ("Maximum resident set size"); without it, VmHWM
 * from /proc/<pid>/status is polled. Repository size = sum of the apparent sizes of its files. MB = 10^6 bytes.
 *
 * Options (arguments win over environment):
 *   --size 100MB        BENCH_SIZE       data size on the server (B, KB, MB, GB, KiB, MiB, GiB; default 1GB)
 *   --work-dir DIR      BENCH_WORK_DIR   parent of the work directory (default os.tmpdir())
 *   --keep              BENCH_KEEP=1     keep the work directory at the end
 *   --seed N            BENCH_SEED       data and change seed (default 1)
 *   --no-restic                          skip restic
 *   --no-verify                          skip the restore-and-compare check
 *   --docs / --no-docs                   write docs/benchmarks.md (default: only when size ≥ 1 GB)
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { closeSync, createWriteStream, existsSync, openSync, readFileSync, rmSync } from 'node:fs';
import { chmod, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { compareNdjsonFolders } from '../src/restorer/compareNdjson.js';
import { createRng, mixSeed } from '../src/sandbox/prng.js';
import { startSandbox, type SandboxServer } from '../src/sandbox/server.js';
import { generateResources, mutateLine } from '../src/sandbox/synthetic.js';
import { machine, parseSize, treeBytes, truthy, which } from './common.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const SELF = fileURLToPath(import.meta.url);
// The compiled CLI, as it ships (built in main()).
const CLI = path.join(ROOT, 'bench', 'cli-dist.mjs');
const DOCS = path.join(ROOT, 'docs', 'benchmarks.md');
const DOCS_HEADING = '## FHIR backup benchmark (npm run bench:fhir)';
const TIME_BIN = '/usr/bin/time';
const MB = 1e6;
const RSS_TARGET = 250 * MB;
const CHANGE_FRACTION = 0.01;
const PASSWORD = 'bench-fhir-password-0123456789';

// ---------------------------------------------------------------------------------------------
// options

interface Options {
  sizeBytes: number;
  workParent: string;
  keep: boolean;
  seed: number;
  restic: boolean;
  verify: boolean;
  docs: boolean;
  serveSandbox: boolean;
  patients: number;
}

function readOptions(argv: string[]): Options {
  const { values } = parseArgs({
    args: argv,
    options: {
      size: { type: 'string' },
      'work-dir': { type: 'string' },
      keep: { type: 'boolean' },
      seed: { type: 'string' },
      'no-restic': { type: 'boolean' },
      'no-verify': { type: 'boolean' },
      docs: { type: 'boolean' },
      'no-docs': { type: 'boolean' },
      'serve-sandbox': { type: 'boolean' },
      patients: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
    strict: true,
  });
  if (values.help) {
    const head = readFileSync(SELF, 'utf8').split('*/')[0] ?? '';
    process.stdout.write(head.replace(/^\/\*\*|^ \* ?/gm, '') + '\n');
    process.exit(0);
  }
  const env = process.env;
  const sizeBytes = parseSize(values.size ?? env['BENCH_SIZE'] ?? '1GB');
  const seed = Number(values.seed ?? env['BENCH_SEED'] ?? '1');
  if (!Number.isInteger(seed)) throw new Error('--seed must be an integer');
  const patients = Number(values.patients ?? '0');
  if (!Number.isInteger(patients) || patients < 0) throw new Error('--patients must be a whole number');
  return {
    sizeBytes,
    workParent: path.resolve(values['work-dir'] ?? env['BENCH_WORK_DIR'] ?? os.tmpdir()),
    keep: values.keep === true || truthy(env['BENCH_KEEP']),
    seed,
    restic: values['no-restic'] !== true,
    verify: values['no-verify'] !== true,
    docs: values['no-docs'] ? false : values.docs ? true : sizeBytes >= 1e9,
    serveSandbox: values['serve-sandbox'] === true,
    patients,
  };
}

function log(msg: string): void {
  process.stderr.write(`[bench:fhir] ${msg}\n`);
}

const fmt = (n: number | undefined, digits: number): string => (n === undefined || !Number.isFinite(n) ? '–' : n.toFixed(digits));
const mb = (bytes: number | undefined, digits = 1): string => (bytes === undefined ? '–' : fmt(bytes / MB, digits));

// ---------------------------------------------------------------------------------------------
// the sandbox child: one JSON command per stdin line, one JSON answer per stdout line

interface SandboxInfo {
  url: string;
  resources: number;
  bytes: number;
  patients: number;
  loadS: number;
  rss: number;
}

type Command = { cmd: 'export'; dir: string } | { cmd: 'mutate'; fraction: number; seed: number } | { cmd: 'status' };

/** Patients for ~targetBytes, from the bytes per patient of a small sample of the generator. */
function patientsFor(targetBytes: number, seed: number): number {
  const sample = 40;
  let bytes = 0;
  for (const r of generateResources({ patients: sample, seed })) bytes += Buffer.byteLength(r.line) + 1;
  return Math.max(1, Math.round((targetBytes * sample) / bytes));
}

async function exportStore(server: SandboxServer, dir: string): Promise<{ files: number; bytes: number; resources: number }> {
  await rm(dir, { recursive: true, force: true });
  await mkdir(dir, { recursive: true });
  const streams = new Map<string, ReturnType<typeof createWriteStream>>();
  let bytes = 0;
  let resources = 0;
  for (const r of server.store.all()) {
    let s = streams.get(r.type);
    if (!s) streams.set(r.type, (s = createWriteStream(path.join(dir, `${r.type}.ndjson`))));
    const line = `${r.text}\n`;
    bytes += Buffer.byteLength(line);
    resources++;
    if (!s.write(line)) await new Promise<void>((resolve) => s?.once('drain', () => resolve()));
  }
  await Promise.all([...streams.values()].map((s) => new Promise<void>((resolve, reject) => s.end((err?: Error | null) => (err ? reject(err) : resolve())))));
  return { files: streams.size, bytes, resources };
}

/** Changes `fraction` of the resources (scattered over every type) like a PUT: the server stamps new meta. */
function mutateStore(server: SandboxServer, fraction: number, seed: number): { changed: number } {
  const rng = createRng(mixSeed(seed, 0xf41c));
  const picked: { type: string; id: string; text: string }[] = [];
  for (const r of server.store.all()) if (rng.next() < fraction) picked.push(r);
  for (const r of picked) server.store.put(r.type, r.id, mutateLine(r.text, rng));
  return { changed: picked.length };
}

async function serveSandbox(opts: Options): Promise<void> {
  const t0 = Date.now();
  const server = await startSandbox({ patients: opts.patients, seed: opts.seed });
  let bytes = 0;
  for (const r of server.store.all()) bytes += Buffer.byteLength(r.text) + 1;
  const info: SandboxInfo = { url: server.url, resources: server.store.count(), bytes, patients: opts.patients, loadS: (Date.now() - t0) / 1000, rss: process.memoryUsage().rss };
  process.stdout.write(JSON.stringify(info) + '\n');
  const lines = createInterface({ input: process.stdin });
  for await (const line of lines) {
    const c = JSON.parse(line) as Command;
    let answer: unknown;
    if (c.cmd === 'export') answer = await exportStore(server, c.dir);
    else if (c.cmd === 'mutate') answer = mutateStore(server, c.fraction, c.seed);
    else {
      const cpu = process.cpuUsage();
      answer = { resources: server.store.count(), rss: process.memoryUsage().rss, cpuS: (cpu.user + cpu.system) / 1e6 };
    }
    process.stdout.write(JSON.stringify(answer) + '\n');
  }
  await server.close();
}

interface SandboxChild {
  info: SandboxInfo;
  ask<T>(c: Command): Promise<T>;
  stop(): Promise<void>;
  child: ChildProcess;
}

async function startSandboxChild(opts: Options, patients: number): Promise<SandboxChild> {
  const child = spawn(process.execPath, ['--import', 'tsx', SELF, '--serve-sandbox', '--patients', String(patients), '--seed', String(opts.seed)], {
    cwd: ROOT,
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  const lines = createInterface({ input: child.stdout as NodeJS.ReadableStream });
  const queue: string[] = [];
  const waiters: ((line: string) => void)[] = [];
  lines.on('line', (line) => {
    const w = waiters.shift();
    if (w) w(line);
    else queue.push(line);
  });
  const next = (timeoutMs: number): Promise<string> =>
    new Promise((resolve, reject) => {
      const ready = queue.shift();
      if (ready !== undefined) return resolve(ready);
      const timer = setTimeout(() => reject(new Error(`the sandbox child did not answer in ${timeoutMs / 1000} s`)), timeoutMs);
      const onExit = (code: number | null): void => reject(new Error(`the sandbox child exited (${code})`));
      child.once('exit', onExit);
      waiters.push((line) => {
        clearTimeout(timer);
        child.off('exit', onExit);
        resolve(line);
      });
    });
  const info = JSON.parse(await next(600_000)) as SandboxInfo;
  return {
    info,
    child,
    async ask<T>(c: Command): Promise<T> {
      child.stdin?.write(JSON.stringify(c) + '\n');
      return JSON.parse(await next(600_000)) as T;
    },
    async stop() {
      if (child.exitCode !== null) return;
      const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
      child.stdin?.end();
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(timer);
    },
  };
}

// ---------------------------------------------------------------------------------------------
// measured child processes

interface Run {
  label: string;
  wallS: number;
  /** 1-minute load average just before the run (other work on the machine stretches wall times). */
  load: number;
  peakRss: number;
  userS: number | undefined;
  sysS: number | undefined;
  stdout: string;
}

let current: ChildProcess | null = null;

function pollHwm(child: ChildProcess): () => number {
  let peak = 0;
  const timer = setInterval(() => {
    try {
      const m = /VmHWM:\s+(\d+)\s+kB/.exec(readFileSync(`/proc/${child.pid}/status`, 'utf8'));
      if (m) peak = Math.max(peak, Number(m[1]) * 1024);
    } catch {
      // gone
    }
  }, 50);
  return () => {
    clearInterval(timer);
    return peak;
  };
}

async function measured(label: string, cmd: string, args: string[], env: NodeJS.ProcessEnv, logDir: string, useTime: boolean): Promise<Run> {
  const slug = label.replace(/[^a-z0-9]+/gi, '-').toLowerCase();
  const outFile = path.join(logDir, `${slug}.out`);
  const errFile = path.join(logDir, `${slug}.err`);
  const timeFile = path.join(logDir, `${slug}.time`);
  spawnSync('sync');
  const load = os.loadavg()[0] ?? 0;
  if (load > 1) log(`note: load average ${load.toFixed(2)} before "${label}": other processes compete for the CPU, wall times will be noisy`);
  const out = openSync(outFile, 'w');
  const err = openSync(errFile, 'w');
  const [c, a] = useTime ? [TIME_BIN, ['-v', '-o', timeFile, cmd, ...args]] : [cmd, args];
  const start = process.hrtime.bigint();
  const child = spawn(c, a, { stdio: ['ignore', out, err], env, detached: true });
  current = child;
  const stopPoll = useTime ? null : pollHwm(child);
  const code = await new Promise<number | null>((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', (x) => resolve(x));
  }).finally(() => {
    current = null;
  });
  const wallS = Number(process.hrtime.bigint() - start) / 1e9;
  const polled = stopPoll?.() ?? 0;
  closeSync(out);
  closeSync(err);
  const stdout = readFileSync(outFile, 'utf8');
  if (code !== 0) throw new Error(`${label} failed (exit ${code}): ${cmd} ${args.join(' ')}\n${readFileSync(errFile, 'utf8').slice(-2000)}\n${stdout.slice(-1000)}`);
  if (!useTime) return { label, wallS, load, peakRss: polled, userS: undefined, sysS: undefined, stdout };
  const text = readFileSync(timeFile, 'utf8');
  const num = (re: RegExp): number | undefined => {
    const m = re.exec(text);
    return m ? Number(m[1]) : undefined;
  };
  return {
    label,
    wallS,
    load,
    peakRss: (num(/Maximum resident set size \(kbytes\):\s*(\d+)/) ?? 0) * 1024,
    userS: num(/User time \(seconds\):\s*([\d.]+)/),
    sysS: num(/System time \(seconds\):\s*([\d.]+)/),
    stdout,
  };
}

function warm(dir: string): void {
  const devnull = openSync('/dev/null', 'w');
  try {
    spawnSync('sh', ['-c', `cat "${dir}"/*.ndjson`], { stdio: ['ignore', devnull, 'inherit'] });
  } finally {
    closeSync(devnull);
  }
}

function firstLine(cmd: string, args: string[]): string {
  const r = spawnSync(cmd, args, { encoding: 'utf8' });
  return `${r.stdout ?? ''}${r.stderr ?? ''}`.split('\n')[0]?.trim() ?? '';
}

function ensurePackages(wantRestic: boolean): { time: boolean; restic: string | null } {
  const missing = [...(existsSync(TIME_BIN) ? [] : ['time']), ...(wantRestic && !which('restic') ? ['restic'] : [])];
  const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
  if (missing.length > 0) {
    if (isRoot && existsSync('/usr/bin/apt-get')) {
      log(`installing ${missing.join(' ')} (apt-get)…`);
      const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
      spawnSync('apt-get', ['update', '-qq'], { stdio: 'inherit', env });
      spawnSync('apt-get', ['install', '-y', '-qq', ...missing], { stdio: 'inherit', env });
    } else {
      log(`missing ${missing.join(' ')}: install with \`sudo apt-get install -y ${missing.join(' ')}\``);
    }
  }
  return { time: existsSync(TIME_BIN), restic: wantRestic ? which('restic') : null };
}

// ---------------------------------------------------------------------------------------------
// report

interface Measurements {
  sandbox: SandboxInfo;
  data: { files: number; bytes: number; resources: number };
  changed: number;
  httpFull: Run;
  httpFullRepo: number;
  httpInc: Run;
  httpIncAdded: number;
  fileFull: Run;
  fileFullRepo: number;
  fileInc: Run;
  fileIncAdded: number;
  resticFull?: Run;
  resticFullRepo?: number;
  resticInc?: Run;
  resticIncAdded?: number;
  verified: string;
  /** CPU seconds the sandbox server used during the full and the incremental HTTP run. */
  serverCpuFullS: number;
  serverCpuIncS: number;
  snapshot: { strategy: string; mode: string; requests: number; added: number; changed: number; deleted: number; storedBytesAdded: number };
}

function backupJson(run: Run): Measurements['snapshot'] {
  const r = JSON.parse(run.stdout) as { strategy?: string; requests?: number; snapshot: { mode: string; added: number; changed: number; deleted: number; storedBytesAdded: number; partial: boolean } };
  if (r.snapshot.partial) throw new Error(`${run.label}: the snapshot is partial`);
  return {
    strategy: r.strategy ?? 'files',
    mode: r.snapshot.mode,
    requests: r.requests ?? 0,
    added: r.snapshot.added,
    changed: r.snapshot.changed,
    deleted: r.snapshot.deleted,
    storedBytesAdded: r.snapshot.storedBytesAdded,
  };
}

function table(m: Measurements): string[] {
  const rows: string[][] = [
    ['clinic-backup, FHIR over HTTP ($export)', fmt(m.httpFull.wallS, 2), mb(m.httpFullRepo), fmt(m.httpInc.wallS, 2), mb(m.httpIncAdded, 2), mb(Math.max(m.httpFull.peakRss, m.httpInc.peakRss), 0)],
    ['clinic-backup, NDJSON files', fmt(m.fileFull.wallS, 2), mb(m.fileFullRepo), fmt(m.fileInc.wallS, 2), mb(m.fileIncAdded, 2), mb(Math.max(m.fileFull.peakRss, m.fileInc.peakRss), 0)],
  ];
  if (m.resticFull && m.resticInc)
    rows.push([
      'restic, NDJSON files',
      fmt(m.resticFull.wallS, 2),
      mb(m.resticFullRepo),
      fmt(m.resticInc.wallS, 2),
      mb(m.resticIncAdded, 2),
      mb(Math.max(m.resticFull.peakRss, m.resticInc.peakRss), 0),
    ]);
  const header = ['run', 'full backup s', 'repo size MB', 'after 1 % change s', 'bytes added MB', 'peak RSS MB'];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]): string => `| ${cells.map((c, i) => (i === 0 ? c.padEnd(widths[i] ?? 0) : c.padStart(widths[i] ?? 0))).join(' | ')} |`;
  const sep = `|${widths.map((w, i) => (i === 0 ? ` ${'-'.repeat(w)} ` : ` ${'-'.repeat(w - 1)}: `)).join('|')}|`;
  return [line(header), sep, ...rows.map(line)];
}

const cpu = (r: Run): number | undefined => (r.userS !== undefined && r.sysS !== undefined ? r.userS + r.sysS : undefined);

function targets(m: Measurements): string[] {
  const verdict = (ok: boolean): string => (ok ? 'met' : 'NOT MET');
  const ratio = m.httpFull.wallS / m.fileFull.wallS;
  const incShare = m.httpInc.wallS / m.httpFull.wallS;
  const peak = Math.max(m.httpFull.peakRss, m.httpInc.peakRss);
  const out = [
    `full backup over loopback HTTP ≤ 1.3× the file-based backup of the same data: ${verdict(ratio <= 1.3)} (HTTP ${fmt(m.httpFull.wallS, 2)} s, files ${fmt(m.fileFull.wallS, 2)} s, ratio ${fmt(ratio, 2)}×; CPU user+sys ${fmt(cpu(m.httpFull), 2)} s vs ${fmt(cpu(m.fileFull), 2)} s)`,
    `incremental run time ≤ 10 % of the full run: ${verdict(incShare <= 0.1)} (incremental ${fmt(m.httpInc.wallS, 2)} s = ${fmt(incShare * 100, 1)} % of ${fmt(m.httpFull.wallS, 2)} s; CPU ${fmt(cpu(m.httpInc), 2)} s vs ${fmt(cpu(m.httpFull), 2)} s)`,
  ];
  if (m.resticIncAdded !== undefined) {
    out.push(
      `bytes added ≤ 1/20 of restic's for the same change: ${verdict(m.httpIncAdded <= m.resticIncAdded / 20)} (ours ${mb(m.httpIncAdded, 2)} MB, limit ${mb(m.resticIncAdded / 20, 2)} MB = restic ${mb(m.resticIncAdded, 2)} MB / 20; ours is 1/${fmt(m.resticIncAdded / m.httpIncAdded, 1)} of restic)`,
    );
  } else {
    out.push("bytes added ≤ 1/20 of restic's: not evaluated (restic not run)");
  }
  out.push(`peak RSS ≤ 250 MB: ${verdict(peak <= RSS_TARGET)} (full ${mb(m.httpFull.peakRss, 0)} MB, incremental ${mb(m.httpInc.peakRss, 0)} MB)`);
  return out;
}

/** What explains a gap, from the measurements themselves. */
function notes(m: Measurements): string[] {
  const out: string[] = [];
  const loads = [m.httpFull, m.httpInc, m.fileFull, m.fileInc].map((r) => r.load);
  const cpus = os.availableParallelism();
  out.push(
    `The sandbox server runs on the same machine (${cpus} CPUs): during the full HTTP run it used ${fmt(m.serverCpuFullS, 1)} s of CPU (${fmt(m.serverCpuIncS, 1)} s during the incremental) on the CPUs the client needs, which the file-based run does not have to share.` +
      (Math.max(...loads) > cpus
        ? ` Other work was running too (1-minute load ${fmt(Math.min(...loads), 1)}–${fmt(Math.max(...loads), 1)} before the runs), so wall times are noisy; CPU seconds are the steadier comparison.`
        : ''),
  );
  const peak = Math.max(m.httpFull.peakRss, m.httpInc.peakRss);
  if (peak > RSS_TARGET) {
    out.push(
      `Peak RSS: the file-based backup of the same data peaks at ${mb(Math.max(m.fileFull.peakRss, m.fileInc.peakRss), 0)} MB against ${mb(peak, 0)} MB over HTTP. What the HTTP path adds is measured in the repository benchmark's analysis ("FHIR over HTTP"; \`node bench/memTrace.mjs URL\` samples it).`,
    );
  }
  return out;
}

function perRun(m: Measurements): string[] {
  const out = ['| run | wall s | user s | sys s | load 1m before | peak RSS MB |', '| --- | ---: | ---: | ---: | ---: | ---: |'];
  for (const r of [m.httpFull, m.httpInc, m.fileFull, m.fileInc, m.resticFull, m.resticInc]) {
    if (r) out.push(`| ${r.label} | ${fmt(r.wallS, 2)} | ${fmt(r.userS, 2)} | ${fmt(r.sysS, 2)} | ${fmt(r.load, 2)} | ${mb(r.peakRss, 0)} |`);
  }
  return out;
}

/** Replaces (or appends) only this benchmark's section of docs/benchmarks.md; other sections are left as they are. */
async function writeDocs(section: string): Promise<void> {
  await mkdir(path.dirname(DOCS), { recursive: true });
  let text = existsSync(DOCS) ? await readFile(DOCS, 'utf8') : '# Benchmarks\n';
  const start = text.indexOf(DOCS_HEADING);
  if (start >= 0) {
    const next = text.indexOf('\n## ', start + DOCS_HEADING.length);
    text = text.slice(0, start) + section.trimEnd() + '\n' + (next >= 0 ? text.slice(next) : '');
  } else {
    text = `${text.trimEnd()}\n\n${section}`;
  }
  await writeFile(DOCS, text.trimEnd() + '\n');
}

// ---------------------------------------------------------------------------------------------
// main

async function main(): Promise<number> {
  const opts = readOptions(process.argv.slice(2));
  if (opts.serveSandbox) {
    await serveSandbox(opts);
    return 0;
  }
  // The compiled CLI is what ships (and what bench/cli-dist.mjs runs): built from this working tree first.
  if (spawnSync(process.execPath, [path.join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', path.join(ROOT, 'tsconfig.build.json')], { stdio: 'inherit' }).status !== 0)
    throw new Error('build failed');
  const tools = ensurePackages(opts.restic);
  await mkdir(opts.workParent, { recursive: true });
  const work = await mkdtemp(path.join(opts.workParent, 'clinic-bench-fhir-'));
  let sandbox: SandboxChild | null = null;
  const cleanup = (): void => {
    if (sandbox?.child.exitCode === null) sandbox.child.kill('SIGKILL');
    if (!opts.keep) rmSync(work, { recursive: true, force: true });
  };
  for (const sig of ['SIGINT', 'SIGTERM'] as const) {
    process.once(sig, () => {
      const child = current;
      if (child && child.exitCode === null) {
        try {
          process.kill(-(child.pid as number), 'SIGKILL');
        } catch {
          child.kill('SIGKILL');
        }
      }
      cleanup();
      process.exit(130);
    });
  }
  log(`work dir ${work}${opts.keep ? ' (kept)' : ' (removed at the end; --keep to keep it)'}`);
  const logs = path.join(work, 'logs');
  const data = path.join(work, 'data');
  const passwordFile = path.join(work, 'password');
  await mkdir(logs, { recursive: true });
  await writeFile(passwordFile, PASSWORD + '\n', { mode: 0o600 });
  await chmod(passwordFile, 0o600);
  const repoHttp = path.join(work, 'repo-fhir-http');
  const repoFiles = path.join(work, 'repo-files');
  const repoRestic = path.join(work, 'repo-restic');
  const envOurs = { ...process.env, CLINIC_BACKUP_PASSWORD_FILE: passwordFile, CLINIC_BACKUP_STATE_DIR: path.join(work, 'state'), CLINIC_BACKUP_LANG: 'en' };
  const envRestic = { ...process.env, RESTIC_PASSWORD: PASSWORD, RESTIC_CACHE_DIR: path.join(work, 'restic-cache') };
  const ours = (label: string, repo: string, args: string[]): Promise<Run> =>
    measured(label, process.execPath, ['--experimental-websocket', CLI, ...args, '--repo', repo, '--json'], envOurs, logs, tools.time);

  try {
    const patients = patientsFor(opts.sizeBytes, opts.seed);
    log(`starting the sandbox with ${patients} patients (~${mb(opts.sizeBytes, 0)} MB)…`);
    sandbox = await startSandboxChild(opts, patients);
    const sb = sandbox.info;
    log(`sandbox at ${sb.url}: ${sb.resources.toLocaleString('en')} resources, ${mb(sb.bytes)} MB, loaded in ${fmt(sb.loadS, 1)} s, RSS ${mb(sb.rss, 0)} MB`);
    const exported = await sandbox.ask<{ files: number; bytes: number; resources: number }>({ cmd: 'export', dir: data });
    warm(data);

    for (const repo of [repoHttp, repoFiles])
      await measured(`init ${path.basename(repo)}`, process.execPath, [CLI, 'init', '--repo', repo, '--password-file', passwordFile, '--json'], envOurs, logs, false);
    log('full backup over HTTP ($export)…');
    const serverCpu = async (): Promise<number> => (await sandbox?.ask<{ cpuS: number }>({ cmd: 'status' }))?.cpuS ?? 0;
    let cpuBefore = await serverCpu();
    const httpFull = await ours('clinic-backup FHIR HTTP full', repoHttp, ['backup', '--source', sb.url, '--strategy', 'bulk-export']);
    const serverCpuFullS = (await serverCpu()) - cpuBefore;
    const httpFullRepo = await treeBytes(repoHttp);
    const full = backupJson(httpFull);
    log(`  ${fmt(httpFull.wallS, 2)} s, repo ${mb(httpFullRepo)} MB, peak RSS ${mb(httpFull.peakRss, 0)} MB (${full.requests} requests)`);
    log('file-based backup of the same data…');
    const fileFull = await ours('clinic-backup files full', repoFiles, ['backup', data]);
    const fileFullRepo = await treeBytes(repoFiles);
    log(`  ${fmt(fileFull.wallS, 2)} s, repo ${mb(fileFullRepo)} MB, peak RSS ${mb(fileFull.peakRss, 0)} MB`);
    let resticFull: Run | undefined;
    let resticFullRepo: number | undefined;
    if (tools.restic) {
      await measured('restic init', tools.restic, ['--repo', repoRestic, 'init'], envRestic, logs, false);
      log('restic backup of the same files…');
      resticFull = await measured('restic full', tools.restic, ['--repo', repoRestic, 'backup', '--json', data], envRestic, logs, tools.time);
      resticFullRepo = await treeBytes(repoRestic);
      log(`  ${fmt(resticFull.wallS, 2)} s, repo ${mb(resticFullRepo)} MB`);
    }

    const { changed } = await sandbox.ask<{ changed: number }>({ cmd: 'mutate', fraction: CHANGE_FRACTION, seed: opts.seed });
    log(`changed ${changed.toLocaleString('en')} resources on the server (${CHANGE_FRACTION * 100} %)`);
    const after = await sandbox.ask<{ files: number; bytes: number; resources: number }>({ cmd: 'export', dir: data });
    warm(data);

    log('incremental backup over HTTP…');
    cpuBefore = await serverCpu();
    const httpInc = await ours('clinic-backup FHIR HTTP incremental', repoHttp, ['backup', '--source', sb.url, '--strategy', 'bulk-export']);
    const serverCpuIncS = (await serverCpu()) - cpuBefore;
    const httpIncAdded = (await treeBytes(repoHttp)) - httpFullRepo;
    const inc = backupJson(httpInc);
    if (inc.mode !== 'incremental' || inc.changed !== changed || inc.added !== 0 || inc.deleted !== 0) throw new Error(`the incremental did not see exactly the change: ${JSON.stringify(inc)}`);
    log(`  ${fmt(httpInc.wallS, 2)} s, added ${mb(httpIncAdded, 2)} MB, peak RSS ${mb(httpInc.peakRss, 0)} MB (${inc.requests} requests)`);
    const fileInc = await ours('clinic-backup files after change', repoFiles, ['backup', data]);
    const fileIncAdded = (await treeBytes(repoFiles)) - fileFullRepo;
    let resticInc: Run | undefined;
    let resticIncAdded: number | undefined;
    if (tools.restic && resticFullRepo !== undefined) {
      resticInc = await measured('restic after change', tools.restic, ['--repo', repoRestic, 'backup', '--json', data], envRestic, logs, tools.time);
      resticIncAdded = (await treeBytes(repoRestic)) - resticFullRepo;
      log(`restic after change: ${fmt(resticInc.wallS, 2)} s, added ${mb(resticIncAdded, 2)} MB`);
    }

    let verified = 'not checked (--no-verify)';
    if (opts.verify) {
      log('restoring the latest HTTP snapshot and comparing it with the server data (not timed)…');
      const restored = path.join(work, 'restored');
      await measured(
        'restore for verification',
        process.execPath,
        ['--experimental-websocket', CLI, 'restore', 'latest', '--target', restored, '--yes', '--repo', repoHttp, '--json'],
        envOurs,
        logs,
        false,
      );
      const cmp = await compareNdjsonFolders(data, restored);
      if (!cmp.identical) throw new Error(`the restored snapshot differs from the server: ${JSON.stringify(cmp)}`);
      verified = `the latest HTTP snapshot, restored, equals the server's ${cmp.linesA.toLocaleString('en')} resources line for line`;
      await rm(restored, { recursive: true, force: true });
    }
    await sandbox.stop();

    const m: Measurements = {
      sandbox: sb,
      data: exported,
      changed,
      httpFull,
      httpFullRepo,
      httpInc,
      httpIncAdded,
      fileFull,
      fileFullRepo,
      fileInc,
      fileIncAdded,
      resticFull,
      resticFullRepo,
      resticInc,
      resticIncAdded,
      verified,
      serverCpuFullS,
      serverCpuIncS,
      snapshot: inc,
    };
    const pkg = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { version?: string };
    const versions = [
      `clinic-backup ${pkg.version ?? '?'} (git ${firstLine('git', ['-C', ROOT, 'rev-parse', '--short', 'HEAD']) || '?'}, working tree); compiled CLI (dist/, bench/cli-dist.mjs), default settings`,
      ...(tools.restic ? [`restic: ${firstLine(tools.restic, ['version'])}; defaults`] : ['restic: not run']),
    ];
    const command = `npm run bench:fhir${process.argv.length > 2 ? ` -- ${process.argv.slice(2).join(' ')}` : ''}`;
    const method = [
      `- server: the sandbox FHIR server (src/sandbox) in its own process on 127.0.0.1, ${patients.toLocaleString('en')} synthetic patients (seed ${opts.seed}): ${sb.resources.toLocaleString('en')} resources, ${mb(sb.bytes)} MB of resource JSON (loaded in ${fmt(sb.loadS, 1)} s, server RSS ${mb(sb.rss, 0)} MB). Bulk output files hold up to 50,000 resources; the client downloads 3 at a time.`,
      `- files: the same resources written as ${exported.files} NDJSON files (one per type, the server's bytes, ${mb(exported.bytes)} MB), read once (\`cat > /dev/null\`) before the file-based and restic backups; \`sync\` before every measured run.`,
      `- full: \`clinic-backup backup --source URL --strategy bulk-export --json\` (kick-off, poll, download, store), then \`clinic-backup backup DIR --json\` of the files into another repository, then \`restic backup DIR\`.`,
      `- change: ${changed.toLocaleString('en')} resources (${CHANGE_FRACTION * 100} %, picked at random over every type) updated on the server like PUTs (new versionId and lastUpdated, a value changed); the files are written again (${mb(after.bytes)} MB).`,
      `- incremental: the same HTTP command; it exports \`_since\` the previous snapshot's transactionTime and reported ${inc.changed} changed, ${inc.added} new, ${inc.deleted} deleted (${inc.requests} HTTP requests). restic backs up the rewritten files.`,
      `- bytes added = repository size after − before (apparent sizes of all files); peak RSS = ${tools.time ? '`/usr/bin/time -v` "Maximum resident set size"' : 'VmHWM polled from /proc'} of the CLI process. MB = 10^6 bytes.`,
      `- check: ${verified}.`,
    ];
    const report = [...table(m), '', 'Targets:', '', ...targets(m).map((l) => `- ${l}`), '', 'Notes:', '', ...notes(m).map((l) => `- ${l}`), '', 'Per run:', '', ...perRun(m)];
    process.stdout.write(['', `FHIR backup benchmark — ${command}`, ...machine(versions), '', ...method, '', ...report, ''].join('\n'));
    if (opts.docs) {
      await writeDocs([DOCS_HEADING, '', `Command: \`${command}\``, '', 'Machine:', '', ...machine(versions), '', 'Method:', '', ...method, '', 'Results:', '', ...report, ''].join('\n'));
      log(`wrote the "${DOCS_HEADING.slice(3)}" section of ${path.relative(ROOT, DOCS)}`);
    }
    return 0;
  } finally {
    await sandbox?.stop().catch(() => undefined);
    cleanup();
  }
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(`[bench:fhir] failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exit(1);
  },
);
