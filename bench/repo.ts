/**
 * Repository benchmark (`npm run bench:repo`): this engine side by side with restic and borg on the same
 * synthetic NDJSON export (default ~1 GB).
 *
 *   1. generate the data set (src/sandbox/synthetic.ts), read it once so every tool sees warm data;
 *   2. per tool: init a repository, first backup (wall time, peak RSS), repository size;
 *   3. change 1 % of the resources, scattered over every file (mutateNdjsonDataset), read once again;
 *   4. per tool: second backup (wall time, peak RSS), bytes the repository grew by;
 *   5. print a table and one line per target, and (for full-size runs) write it to docs/benchmarks.md.
 *
 * Each tool runs as a child process under /usr/bin/time -v ("Maximum resident set size"); without it,
 * VmHWM from /proc/<pid>/status is polled. Repository size is the sum of the apparent sizes of the files
 * under the repository directory. MB = 10^6 bytes throughout.
 *
 * Options (arguments win over environment):
 *   --size 100MB        BENCH_SIZE       data set size (B, KB, MB, GB, KiB, MiB, GiB; default 1GB)
 *   --work-dir DIR      BENCH_WORK_DIR   parent of the work directory (default os.tmpdir())
 *   --keep              BENCH_KEEP=1     keep the work directory (data and repositories) at the end
 *   --seed N            BENCH_SEED       data set and mutation seed (default 1)
 *   --tools a,b         BENCH_TOOLS      subset of ours,restic,borg (default all three)
 *   --profile           BENCH_PROFILE=1  also run our CLI under `node --cpu-prof` (separate repository,
 *                                        not timed) and print the top functions of both backups
 *   --docs / --no-docs                   write docs/benchmarks.md (default: only when size ≥ 1 GB)
 *                       BENCH_NO_TIME=1  measure peak RSS by polling VmHWM even if /usr/bin/time exists
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { closeSync, existsSync, openSync, readFileSync, rmSync } from 'node:fs';
import { chmod, lstat, mkdir, mkdtemp, readFile, readdir, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { mutateNdjsonDataset, writeNdjsonDataset } from '../src/sandbox/synthetic.js';
import { machine, ndjsonFiles, parseSize, treeBytes, truthy, which } from './common.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const CLI = path.join(ROOT, 'bin', 'clinic-backup.js');
const DOCS = path.join(ROOT, 'docs', 'benchmarks.md');
const DOCS_HEADING = '## Repository benchmark (npm run bench:repo)';
const TIME_BIN = '/usr/bin/time';
const MB = 1e6;
const RSS_TARGET = 300 * MB;
const CHANGE_FRACTION = 0.01;
const PASSWORD = 'bench-repo-password-0123456789';

type ToolName = 'ours' | 'restic' | 'borg';
const ALL_TOOLS: readonly ToolName[] = ['ours', 'restic', 'borg'];

// ---------------------------------------------------------------------------------------------
// options

interface Options {
  sizeBytes: number;
  sizeText: string;
  workParent: string;
  keep: boolean;
  seed: number;
  tools: ToolName[];
  profile: boolean;
  docs: boolean;
}



function readOptions(argv: string[]): Options {
  const { values } = parseArgs({
    args: argv,
    options: {
      size: { type: 'string' },
      'work-dir': { type: 'string' },
      keep: { type: 'boolean' },
      seed: { type: 'string' },
      tools: { type: 'string' },
      profile: { type: 'boolean' },
      docs: { type: 'boolean' },
      'no-docs': { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
    strict: true,
  });
  if (values.help) {
    const head = readFileSync(fileURLToPath(import.meta.url), 'utf8').split('*/')[0] ?? '';
    process.stdout.write(head.replace(/^\/\*\*|^ \* ?/gm, '') + '\n');
    process.exit(0);
  }
  const env = process.env;
  const sizeText = values.size ?? env['BENCH_SIZE'] ?? '1GB';
  const sizeBytes = parseSize(sizeText);
  const seed = Number(values.seed ?? env['BENCH_SEED'] ?? '1');
  if (!Number.isInteger(seed)) throw new Error('--seed must be an integer');
  const toolsText = values.tools ?? env['BENCH_TOOLS'] ?? ALL_TOOLS.join(',');
  const tools = toolsText.split(',').map((s) => s.trim()).filter(Boolean) as ToolName[];
  for (const t of tools) if (!ALL_TOOLS.includes(t)) throw new Error(`--tools: unknown tool "${t}" (ours, restic, borg)`);
  const docs = values['no-docs'] ? false : values.docs ? true : sizeBytes >= 1e9;
  return {
    sizeBytes,
    sizeText,
    workParent: path.resolve(values['work-dir'] ?? env['BENCH_WORK_DIR'] ?? os.tmpdir()),
    keep: values.keep === true || truthy(env['BENCH_KEEP']),
    seed,
    tools,
    profile: values.profile === true || truthy(env['BENCH_PROFILE']),
    docs,
  };
}

// ---------------------------------------------------------------------------------------------
// small helpers

function log(msg: string): void {
  process.stderr.write(`[bench:repo] ${msg}\n`);
}

const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;


function firstLine(cmd: string, args: string[], env?: NodeJS.ProcessEnv): string {
  const r = spawnSync(cmd, args, { encoding: 'utf8', env: env ?? process.env });
  return `${r.stdout ?? ''}${r.stderr ?? ''}`.split('\n')[0]?.trim() ?? '';
}



/** Reads every file once (`cat … > /dev/null`) so each tool starts from the same warm page cache. */
async function warm(dir: string): Promise<void> {
  const files = await ndjsonFiles(dir);
  const devnull = openSync('/dev/null', 'w');
  try {
    const r = spawnSync('cat', files, { stdio: ['ignore', devnull, 'inherit'] });
    if (r.status !== 0) throw new Error('cat failed while warming the data set');
  } finally {
    closeSync(devnull);
  }
}

const fmt = (n: number | undefined, digits: number): string => (n === undefined || !Number.isFinite(n) ? '–' : n.toFixed(digits));
const mb = (bytes: number | undefined, digits = 1): string => (bytes === undefined ? '–' : fmt(bytes / MB, digits));

// ---------------------------------------------------------------------------------------------
// installing restic / borg / time

function aptInstall(packages: string[]): boolean {
  if (packages.length === 0) return true;
  if (!isRoot || !existsSync('/usr/bin/apt-get')) return false;
  log(`installing ${packages.join(' ')} (apt-get)…`);
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  const upd = spawnSync('apt-get', ['update', '-qq'], { stdio: 'inherit', env });
  if (upd.status !== 0) log('apt-get update failed; trying the install anyway');
  const r = spawnSync('apt-get', ['install', '-y', '-qq', ...packages], { stdio: 'inherit', env });
  return r.status === 0;
}

interface Availability {
  time: boolean;
  restic: string | null;
  borg: string | null;
  skipped: Partial<Record<ToolName, string>>;
}

function prepareTools(tools: readonly ToolName[]): Availability {
  const want: { pkg: string; ok: () => boolean; tool?: ToolName }[] = [
    { pkg: 'time', ok: () => existsSync(TIME_BIN) },
    { pkg: 'restic', ok: () => which('restic') !== null, tool: 'restic' },
    { pkg: 'borgbackup', ok: () => which('borg') !== null, tool: 'borg' },
  ];
  const missing = want.filter((w) => (!w.tool || tools.includes(w.tool)) && !w.ok());
  if (missing.length > 0 && !aptInstall(missing.map((m) => m.pkg))) {
    const hint = `sudo apt-get install -y ${missing.map((m) => m.pkg).join(' ')}`;
    log(isRoot ? `apt-get could not install ${missing.map((m) => m.pkg).join(' ')}` : `not root: install the missing packages with \`${hint}\``);
  }
  const skipped: Availability['skipped'] = {};
  const restic = tools.includes('restic') ? which('restic') : null;
  const borg = tools.includes('borg') ? which('borg') : null;
  if (tools.includes('restic') && !restic) skipped.restic = 'restic not installed (Debian: sudo apt-get install -y restic)';
  if (tools.includes('borg') && !borg) skipped.borg = 'borg not installed (Debian: sudo apt-get install -y borgbackup)';
  for (const reason of Object.values(skipped)) log(`skipping: ${reason}`);
  const time = existsSync(TIME_BIN) && !truthy(process.env['BENCH_NO_TIME']);
  if (!time) log(`${TIME_BIN} missing (Debian package "time"): peak RSS is polled from /proc/<pid>/status VmHWM instead`);
  return { time, restic, borg, skipped };
}

// ---------------------------------------------------------------------------------------------
// measured child processes

interface Run {
  label: string;
  wallS: number;
  /** CPU seconds other processes used while this run was going (0 on a quiet machine; with /usr/bin/time only). */
  otherCpuS: number | undefined;
  peakRss: number;
  userS: number | undefined;
  sysS: number | undefined;
  stdoutFile: string;
  stderrFile: string;
}

interface RunSpec {
  label: string;
  cmd: string;
  args: string[];
  env?: NodeJS.ProcessEnv;
  logDir: string;
}

function tail(file: string, n = 15): string {
  try {
    return readFileSync(file, 'utf8').trimEnd().split('\n').slice(-n).join('\n');
  } catch {
    return '';
  }
}

function pollHwm(child: ChildProcess): { stop: () => number } {
  let peak = 0;
  const read = (): void => {
    try {
      const m = /VmHWM:\s+(\d+)\s+kB/.exec(readFileSync(`/proc/${child.pid}/status`, 'utf8'));
      if (m) peak = Math.max(peak, Number(m[1]) * 1024);
    } catch {
      // process already gone
    }
  };
  const timer = setInterval(read, 50);
  return {
    stop: () => {
      clearInterval(timer);
      return peak;
    },
  };
}

/** Busy (non-idle, non-iowait) CPU seconds of the whole machine since boot, from /proc/stat. */
function machineBusyS(): number {
  try {
    const f = (/^cpu\s+(.+)$/m.exec(readFileSync('/proc/stat', 'utf8'))?.[1] ?? '').trim().split(/\s+/).map(Number);
    const [user = 0, nice = 0, system = 0, , , irq = 0, softirq = 0, steal = 0] = f;
    return (user + nice + system + irq + softirq + steal) / 100; // USER_HZ is 100 on Linux
  } catch {
    return 0;
  }
}

/** The measured child running now, stopped first if the benchmark is interrupted. */
let current: ChildProcess | null = null;

async function measured(spec: RunSpec, useTime: boolean): Promise<Run> {
  const slug = spec.label.replace(/[^a-z0-9]+/gi, '-').toLowerCase();
  const stdoutFile = path.join(spec.logDir, `${slug}.out`);
  const stderrFile = path.join(spec.logDir, `${slug}.err`);
  const timeFile = path.join(spec.logDir, `${slug}.time`);
  spawnSync('sync'); // flush the previous tool's writes so they are not paid for by this one
  const busyBefore = machineBusyS();
  const out = openSync(stdoutFile, 'w');
  const err = openSync(stderrFile, 'w');
  const [cmd, args] = useTime ? [TIME_BIN, ['-v', '-o', timeFile, spec.cmd, ...spec.args]] : [spec.cmd, spec.args];
  const start = process.hrtime.bigint();
  // Own process group, so an interrupted run can stop /usr/bin/time and the tool under it together.
  const child = spawn(cmd, args, { stdio: ['ignore', out, err], env: spec.env ?? process.env, detached: true });
  current = child;
  const poller = useTime ? null : pollHwm(child);
  const code = await new Promise<number | null>((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', (c) => resolve(c));
  }).finally(() => {
    current = null;
  });
  const wallS = Number(process.hrtime.bigint() - start) / 1e9;
  const busyS = machineBusyS() - busyBefore;
  const polled = poller?.stop() ?? 0;
  closeSync(out);
  closeSync(err);
  if (code !== 0) {
    throw new Error(`${spec.label} failed (exit ${code}): ${spec.cmd} ${spec.args.join(' ')}\n${tail(stderrFile)}\n${tail(stdoutFile, 5)}`);
  }
  if (!useTime) return { label: spec.label, wallS, otherCpuS: undefined, peakRss: polled, userS: undefined, sysS: undefined, stdoutFile, stderrFile };
  const text = readFileSync(timeFile, 'utf8');
  const num = (re: RegExp): number | undefined => {
    const m = re.exec(text);
    return m ? Number(m[1]) : undefined;
  };
  const rssKb = num(/Maximum resident set size \(kbytes\):\s*(\d+)/);
  const userS = num(/User time \(seconds\):\s*([\d.]+)/);
  const sysS = num(/System time \(seconds\):\s*([\d.]+)/);
  // Machine-wide busy time minus the tool's own (the benchmark itself only waits meanwhile).
  const otherCpuS = Math.max(0, busyS - (userS ?? 0) - (sysS ?? 0));
  if (otherCpuS > 0.1 * wallS) log(`note: other processes used ${otherCpuS.toFixed(1)} CPU s during "${spec.label}" (${wallS.toFixed(1)} s): its wall time is not from a quiet machine`);
  return {
    label: spec.label,
    wallS,
    otherCpuS,
    peakRss: (rssKb ?? 0) * 1024,
    userS,
    sysS,
    stdoutFile,
    stderrFile,
  };
}

// ---------------------------------------------------------------------------------------------
// the three tools

interface Tool {
  name: ToolName;
  display: string;
  version: string;
  settings: string;
  repo: string;
  init(): Promise<void>;
  backup(n: 1 | 2): Promise<Run>;
  /** Bytes the tool itself says it added, when it reports that. */
  reportedAdded?(run: Run): number | undefined;
}

interface Ctx {
  work: string;
  data: string;
  logs: string;
  passwordFile: string;
  useTime: boolean;
}

function oursTool(ctx: Ctx, opts: { name: string; repo: string; profileDir?: string }): Tool {
  const nodeArgs = opts.profileDir ? ['--cpu-prof', `--cpu-prof-dir=${opts.profileDir}`] : [];
  const base = (cmd: string, ...rest: string[]): string[] => [...nodeArgs, CLI, cmd, ...rest, '--repo', opts.repo, '--password-file', ctx.passwordFile];
  const pkg = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { version?: string };
  return {
    name: 'ours',
    display: opts.name,
    version: `clinic-backup ${pkg.version ?? '?'} (git ${firstLine('git', ['-C', ROOT, 'rev-parse', '--short', 'HEAD']) || '?'}, working tree)`,
    settings: 'defaults (zstd level 3 frames, CLI via bin/clinic-backup.js over the compiled dist/)',
    repo: opts.repo,
    async init() {
      if (opts.profileDir) await mkdir(opts.profileDir, { recursive: true });
      await measured({ label: `${opts.name} init`, cmd: process.execPath, args: [CLI, 'init', '--repo', opts.repo, '--password-file', ctx.passwordFile, '--json'], logDir: ctx.logs }, ctx.useTime);
    },
    backup(n) {
      return measured({ label: `${opts.name} backup ${n}`, cmd: process.execPath, args: [...base('backup', ctx.data), '--json'], logDir: ctx.logs }, ctx.useTime);
    },
    reportedAdded(run) {
      try {
        const r = JSON.parse(readFileSync(run.stdoutFile, 'utf8')) as { snapshot?: { storedBytesAdded?: number; partial?: boolean } };
        if (r.snapshot?.partial) log(`warning: ${run.label} reported a partial snapshot`);
        return r.snapshot?.storedBytesAdded;
      } catch {
        return undefined;
      }
    },
  };
}

function resticTool(ctx: Ctx, bin: string): Tool {
  const repo = path.join(ctx.work, 'repo-restic');
  const env = { ...process.env, RESTIC_PASSWORD: PASSWORD, RESTIC_CACHE_DIR: path.join(ctx.work, 'restic-cache') };
  const version = firstLine(bin, ['version']);
  const tool: Tool = {
    name: 'restic',
    display: 'restic',
    version,
    settings: 'defaults',
    repo,
    async init() {
      await measured({ label: 'restic init', cmd: bin, args: ['--repo', repo, 'init'], env, logDir: ctx.logs }, ctx.useTime);
      const cfg = spawnSync(bin, ['--repo', repo, 'cat', 'config'], { encoding: 'utf8', env });
      let repoVersion = '?';
      try {
        repoVersion = String((JSON.parse(cfg.stdout) as { version?: number }).version ?? '?');
      } catch {
        // keep '?'
      }
      tool.settings =
        repoVersion === '1'
          ? 'defaults (repository format v1: no compression)'
          : `defaults (repository format v${repoVersion}, compression "auto" = zstd; content-defined chunks 512 KiB–8 MiB, avg 1 MiB); cache in the work dir`;
    },
    backup(n) {
      return measured({ label: `restic backup ${n}`, cmd: bin, args: ['--repo', repo, 'backup', '--json', ctx.data], env, logDir: ctx.logs }, ctx.useTime);
    },
    reportedAdded(run) {
      const lines = readFileSync(run.stdoutFile, 'utf8').trim().split('\n');
      for (const line of lines.reverse()) {
        try {
          const m = JSON.parse(line) as { message_type?: string; data_added?: number };
          if (m.message_type === 'summary') return m.data_added;
        } catch {
          // progress lines
        }
      }
      return undefined;
    },
  };
  return tool;
}

function borgTool(ctx: Ctx, bin: string): Tool {
  const repo = path.join(ctx.work, 'repo-borg');
  const env = {
    ...process.env,
    BORG_PASSPHRASE: PASSWORD,
    BORG_BASE_DIR: path.join(ctx.work, 'borg-base'),
    BORG_DISPLAY_PASSPHRASE: 'no',
    BORG_RELOCATED_REPO_ACCESS_IS_OK: 'yes',
  };
  return {
    name: 'borg',
    display: 'borg',
    version: firstLine(bin, ['--version']),
    settings: '--encryption=repokey-blake2, --compression zstd,3 (borg default is lz4; zstd,3 for a like-for-like comparison), default chunker (avg 2 MiB); cache in the work dir',
    repo,
    async init() {
      await measured({ label: 'borg init', cmd: bin, args: ['init', '--encryption=repokey-blake2', repo], env, logDir: ctx.logs }, ctx.useTime);
    },
    backup(n) {
      const archive = n === 1 ? 'first' : 'second';
      return measured({ label: `borg backup ${n}`, cmd: bin, args: ['create', '--compression', 'zstd,3', `${repo}::${archive}`, ctx.data], env, logDir: ctx.logs }, ctx.useTime);
    },
  };
}

// ---------------------------------------------------------------------------------------------
// CPU profile summary

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
}
interface CpuProfile {
  nodes: ProfileNode[];
  samples?: number[];
  timeDeltas?: number[];
  startTime: number;
  endTime: number;
}

function shortUrl(url: string): string {
  if (!url) return '';
  let p = url.startsWith('file://') ? fileURLToPath(url.split('?')[0] ?? url) : url;
  if (p.startsWith(ROOT + path.sep)) p = path.relative(ROOT, p);
  return p.replace(/^node_modules\/(\.pnpm\/)?/, 'nm:');
}

async function summariseProfile(dir: string, title: string): Promise<string[]> {
  // CPU.<date>.<time>.<pid>.<thread id>.<seq>.cpuprofile: thread 0 is the main thread (others: loader or worker threads).
  const tid = (f: string): number => Number(/\.(\d+)\.\d+\.cpuprofile$/.exec(f)?.[1] ?? 1e9);
  const files = (await readdir(dir)).filter((f) => f.endsWith('.cpuprofile')).sort((a, b) => tid(a) - tid(b));
  const file = files[0];
  if (!file) return [`${title}: no .cpuprofile written`];
  const prof = JSON.parse(await readFile(path.join(dir, file), 'utf8')) as CpuProfile;
  const byId = new Map(prof.nodes.map((n) => [n.id, n]));
  const samples = prof.samples ?? [];
  const deltas = prof.timeDeltas ?? [];
  const selfUs = new Map<number, number>();
  for (let i = 0; i < samples.length; i++) {
    const id = samples[i] as number;
    const dt = deltas[i + 1] ?? (prof.endTime - prof.startTime) / Math.max(1, samples.length);
    selfUs.set(id, (selfUs.get(id) ?? 0) + Math.max(0, dt));
  }
  const idleIds = new Set(prof.nodes.filter((n) => n.callFrame.functionName === '(idle)').map((n) => n.id));
  const idle = [...idleIds].reduce((a, id) => a + (selfUs.get(id) ?? 0), 0);
  for (const id of idleIds) selfUs.delete(id);
  const total = [...selfUs.values()].reduce((a, b) => a + b, 0) || 1;
  const fnTotals = new Map<string, number>();
  const fileTotals = new Map<string, number>();
  for (const [id, us] of selfUs) {
    const n = byId.get(id);
    if (!n) continue;
    const { functionName, url, lineNumber } = n.callFrame;
    const where = shortUrl(url);
    const key = `${functionName || '(anonymous)'}${where ? ` ${where}${lineNumber > 0 ? `:${lineNumber + 1}` : ''}` : ''}`;
    fnTotals.set(key, (fnTotals.get(key) ?? 0) + us);
    const fileKey = where || functionName || '(native)';
    fileTotals.set(fileKey, (fileTotals.get(fileKey) ?? 0) + us);
  }
  const top = (m: Map<string, number>, k: number): string[] =>
    [...m.entries()]
      .sort((a, b) => b[1] - a[1])
      .slice(0, k)
      .map(([name, us]) => `  ${(us / 1000).toFixed(0).padStart(7)} ms ${((100 * us) / total).toFixed(1).padStart(5)} %  ${name}`);
  return [
    `${title}: main thread busy ${(total / 1e6).toFixed(2)} s, idle ${(idle / 1e6).toFixed(2)} s (${file}); % of busy time`,
    ' top functions by self time:',
    ...top(fnTotals, 20),
    ' self time by file:',
    ...top(fileTotals, 12),
  ];
}

// ---------------------------------------------------------------------------------------------
// report

interface Result {
  tool: Tool;
  first?: Run;
  second?: Run;
  sizeAfterFirst?: number;
  sizeAfterSecond?: number;
  error?: string;
}

const added = (r: Result): number | undefined => (r.sizeAfterFirst !== undefined && r.sizeAfterSecond !== undefined ? r.sizeAfterSecond - r.sizeAfterFirst : undefined);
const peak = (r: Result): number | undefined => (r.first || r.second ? Math.max(r.first?.peakRss ?? 0, r.second?.peakRss ?? 0) : undefined);

function table(results: Result[], skipped: Availability['skipped']): string[] {
  const header = ['tool', 'first backup s', 'repo size MB', 'second backup s', 'bytes added MB', 'peak RSS MB'];
  const rows = results.map((r) => [
    r.tool.display + (r.error ? ' (failed)' : ''),
    fmt(r.first?.wallS, 2),
    mb(r.sizeAfterFirst),
    fmt(r.second?.wallS, 2),
    mb(added(r), 2),
    mb(peak(r), 0),
  ]);
  for (const [name, reason] of Object.entries(skipped)) rows.push([`${name} (skipped: ${reason.split(' (')[0]})`, '–', '–', '–', '–', '–']);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]): string => `| ${cells.map((c, i) => (i === 0 ? c.padEnd(widths[i] ?? 0) : c.padStart(widths[i] ?? 0))).join(' | ')} |`;
  const sep = `|${widths.map((w, i) => (i === 0 ? ` ${'-'.repeat(w)} ` : ` ${'-'.repeat(w - 1)}: `)).join('|')}|`;
  return [line(header), sep, ...rows.map(line)];
}

function targets(results: Result[]): string[] {
  const ours = results.find((r) => r.tool.name === 'ours' && !r.error);
  const restic = results.find((r) => r.tool.name === 'restic' && !r.error);
  const verdict = (ok: boolean): string => (ok ? 'met' : 'NOT MET');
  const out: string[] = [];
  if (!ours) return ['all targets: not evaluated (our engine did not complete)'];
  if (!restic) {
    out.push('first backup time ≤ restic: not evaluated (restic not run)');
    out.push('repository size ≤ restic: not evaluated (restic not run)');
    out.push('bytes added ≤ 1/20 of restic: not evaluated (restic not run)');
  } else {
    const [a, b] = [ours.first?.wallS ?? Infinity, restic.first?.wallS ?? 0];
    const cpu = (run: Run | undefined): number | undefined => (run?.userS !== undefined && run.sysS !== undefined ? run.userS + run.sysS : undefined);
    const cpuNote = cpu(ours.first) !== undefined ? `; CPU user+sys ours ${fmt(cpu(ours.first), 2)} s, restic ${fmt(cpu(restic.first), 2)} s` : '';
    out.push(`first backup time ≤ restic's: ${verdict(a <= b)} (ours ${fmt(a, 2)} s, restic ${fmt(b, 2)} s, ratio ${fmt(a / b, 2)}×${cpuNote})`);
    const [s, t] = [ours.sizeAfterFirst ?? Infinity, restic.sizeAfterFirst ?? 0];
    out.push(`repository size ≤ restic's: ${verdict(s <= t)} (ours ${mb(s)} MB, restic ${mb(t)} MB, ratio ${fmt(s / t, 2)}×)`);
    const [x, y] = [added(ours) ?? Infinity, added(restic) ?? 0];
    out.push(`bytes added after 1 % change ≤ 1/20 of restic's: ${verdict(x <= y / 20)} (ours ${mb(x, 2)} MB, limit ${mb(y / 20, 2)} MB = restic ${mb(y, 2)} MB / 20; ours is 1/${fmt(y / x, 1)} of restic)`);
  }
  const p = peak(ours) ?? Infinity;
  out.push(`peak RSS ≤ 300 MB: ${verdict(p <= RSS_TARGET)} (ours ${mb(p, 0)} MB: first backup ${mb(ours.first?.peakRss, 0)} MB, second ${mb(ours.second?.peakRss, 0)} MB)`);
  return out;
}

function details(results: Result[]): string[] {
  const out = ['| run | wall s | user s | sys s | CPU s of other processes | peak RSS MB | repo after MB | tool-reported added MB |', '| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |'];
  for (const r of results) {
    for (const [run, size] of [
      [r.first, r.sizeAfterFirst],
      [r.second, r.sizeAfterSecond],
    ] as const) {
      if (!run) continue;
      const rep = r.tool.reportedAdded?.(run);
      out.push(`| ${run.label} | ${fmt(run.wallS, 2)} | ${fmt(run.userS, 2)} | ${fmt(run.sysS, 2)} | ${fmt(run.otherCpuS, 1)} | ${mb(run.peakRss, 0)} | ${mb(size)} | ${rep === undefined ? '–' : mb(rep, 2)} |`);
    }
  }
  return out;
}


async function writeDocs(section: string): Promise<void> {
  await mkdir(path.dirname(DOCS), { recursive: true });
  let text = existsSync(DOCS) ? await readFile(DOCS, 'utf8') : '# Benchmarks\n';
  const start = text.indexOf(DOCS_HEADING);
  if (start >= 0) {
    const next = text.indexOf('\n## ', start + DOCS_HEADING.length);
    text = text.slice(0, start) + section.trimEnd() + '\n' + (next >= 0 ? `\n${text.slice(next + 1)}` : '');
  } else {
    text = `${text.trimEnd()}\n\n${section}`;
  }
  await writeFile(DOCS, text.trimEnd() + '\n');
}

// ---------------------------------------------------------------------------------------------
// main

async function main(): Promise<number> {
  const opts = readOptions(process.argv.slice(2));
  const avail = prepareTools(opts.tools);
  await mkdir(opts.workParent, { recursive: true });
  const work = await mkdtemp(path.join(opts.workParent, 'clinic-bench-repo-'));
  const cleanup = (): void => {
    if (!opts.keep) rmSync(work, { recursive: true, force: true });
  };
  for (const sig of ['SIGINT', 'SIGTERM'] as const) {
    process.once(sig, () => {
      // Stop the tool first, or it could recreate files in the work dir after the clean-up.
      const child = current;
      if (child && child.exitCode === null) {
        child.once('exit', () => {
          cleanup();
          process.exit(130);
        });
        try {
          process.kill(-(child.pid as number), 'SIGKILL');
        } catch {
          child.kill('SIGKILL');
        }
      } else {
        cleanup();
        process.exit(130);
      }
    });
  }
  log(`work dir ${work}${opts.keep ? ' (kept)' : ' (removed at the end; --keep to keep it)'}`);
  const ctx: Ctx = { work, data: path.join(work, 'data'), logs: path.join(work, 'logs'), passwordFile: path.join(work, 'password'), useTime: avail.time };
  await mkdir(ctx.logs, { recursive: true });
  await writeFile(ctx.passwordFile, PASSWORD + '\n', { mode: 0o600 });
  await chmod(ctx.passwordFile, 0o600);

  try {
    // --- data
    let t0 = Date.now();
    const info = await writeNdjsonDataset(ctx.data, { patients: 1, seed: opts.seed, targetBytes: opts.sizeBytes });
    const dataLine = `data: ${mb(info.bytes)} MB, ${info.resources.toLocaleString('en')} resources in ${info.files.length} NDJSON files (seed ${opts.seed})`;
    log(`${dataLine}, generated in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
    await warm(ctx.data);

    const tools: Tool[] = [];
    if (opts.tools.includes('ours')) tools.push(oursTool(ctx, { name: 'clinic-backup', repo: path.join(work, 'repo-ours') }));
    if (avail.restic) tools.push(resticTool(ctx, avail.restic));
    if (avail.borg) tools.push(borgTool(ctx, avail.borg));
    const profiled = opts.profile && opts.tools.includes('ours') ? oursTool(ctx, { name: 'clinic-backup-profiled', repo: path.join(work, 'repo-ours-profiled'), profileDir: path.join(work, 'prof1') }) : null;
    const results: Result[] = tools.map((tool) => ({ tool }));

    // --- first backups
    for (const r of results) {
      try {
        await r.tool.init();
        log(`${r.tool.display}: first backup…`);
        r.first = await r.tool.backup(1);
        r.sizeAfterFirst = await treeBytes(r.tool.repo);
        log(`${r.tool.display}: first backup ${fmt(r.first.wallS, 2)} s, repo ${mb(r.sizeAfterFirst)} MB, peak RSS ${mb(r.first.peakRss, 0)} MB`);
      } catch (err) {
        r.error = (err as Error).message;
        log(`${r.tool.display}: ${r.error}`);
      }
    }
    if (profiled) {
      log('profiled run of our first backup (not in the table)…');
      await profiled.init();
      await profiled.backup(1);
    }

    // --- 1 % change
    t0 = Date.now();
    const { changed } = await mutateNdjsonDataset(ctx.data, { fraction: CHANGE_FRACTION, seed: opts.seed });
    const mutatedBytes = (await Promise.all((await ndjsonFiles(ctx.data)).map((f) => lstat(f)))).reduce((a, s) => a + s.size, 0);
    const changeLine = `change: ${changed.length.toLocaleString('en')} resources (${CHANGE_FRACTION * 100} %, scattered over every file; versionId, lastUpdated and a value), data now ${mb(mutatedBytes)} MB`;
    log(`${changeLine}, in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
    await warm(ctx.data);

    // --- second backups
    for (const r of results) {
      if (r.error) continue;
      try {
        log(`${r.tool.display}: second backup…`);
        r.second = await r.tool.backup(2);
        r.sizeAfterSecond = await treeBytes(r.tool.repo);
        log(`${r.tool.display}: second backup ${fmt(r.second.wallS, 2)} s, added ${mb(added(r), 2)} MB, peak RSS ${mb(r.second.peakRss, 0)} MB`);
      } catch (err) {
        r.error = (err as Error).message;
        log(`${r.tool.display}: ${r.error}`);
      }
    }
    let profileLines: string[] = [];
    if (profiled) {
      log('profiled run of our second backup (not in the table)…');
      const prof2 = path.join(work, 'prof2');
      const second = oursTool(ctx, { name: 'clinic-backup-profiled', repo: profiled.repo, profileDir: prof2 });
      await mkdir(prof2, { recursive: true });
      await second.backup(2);
      profileLines = [...(await summariseProfile(path.join(work, 'prof1'), 'CPU profile, our first backup')), '', ...(await summariseProfile(prof2, 'CPU profile, our second backup'))];
    }

    // --- report
    const versions = [
      ...tools.map((t) => `${t.display}: ${t.version}; ${t.settings}`),
      ...Object.entries(avail.skipped).map(([name, reason]) => `${name}: skipped (${reason})`),
    ];
    const command = `npm run bench:repo${process.argv.length > 2 ? ` -- ${process.argv.slice(2).join(' ')}` : ''}`;
    const method = [
      `- ${dataLine}; ${changeLine}.`,
      '- Each tool backs up the same directory. The data is read once (`cat > /dev/null`) after generation and after the change, so every tool runs on warm data (the OS caches are not dropped: that needs privileges); `sync` runs before each measured command.',
      `- Wall time is measured around the child process; peak RSS is ${avail.time ? '`/usr/bin/time -v` "Maximum resident set size"' : 'VmHWM polled from /proc/<pid>/status'} (the table shows the larger of the two backups). Our engine runs as \`node bin/clinic-backup.js backup DATA --repo R --password-file P --json\` (the compiled dist/).`,
      '- Repository size is the sum of the apparent sizes of the files under the repository directory after the first backup; bytes added = size after the second backup − size after the first. MB = 10^6 bytes; the RSS target is checked against 300 × 10^6 bytes.',
    ];
    const report = [
      ...table(results, avail.skipped),
      '',
      'Targets:',
      '',
      ...targets(results).map((l) => `- ${l}`),
      '',
      'Per run:',
      '',
      ...details(results),
      '',
      'Tool-reported added: ours = storedBytesAdded from `backup --json`; restic = `data_added` of its JSON summary (restic 0.14 counts it before compression). User/sys are CPU seconds from /usr/bin/time (restic uses several cores; ours and borg essentially one). CPU s of other processes = machine-wide busy CPU time (/proc/stat) during the run minus the tool’s own: near 0 means the wall time was measured on a quiet machine.',
    ];
    const errors = results.filter((r) => r.error).map((r) => `- ${r.tool.display} failed: ${r.error}`);

    process.stdout.write(['', `Repository benchmark — ${command}`, ...machine(versions), '', ...method, '', ...report, ...(errors.length ? ['', ...errors] : []), ...(profileLines.length ? ['', ...profileLines] : []), ''].join('\n'));

    if (opts.docs) {
      const section = [
        DOCS_HEADING,
        '',
        `Command: \`${command}\``,
        '',
        'Machine:',
        '',
        ...machine(versions),
        '',
        'Method:',
        '',
        ...method,
        '',
        'Results:',
        '',
        ...report,
        ...(errors.length ? ['', ...errors.map((e) => e.split('\n')[0] ?? e)] : []),
        ...(profileLines.length ? ['', 'CPU profile (separate, untimed `node --cpu-prof` runs of our CLI):', '', '```', ...profileLines, '```'] : []),
        '',
      ].join('\n');
      await writeDocs(section);
      log(`results written to ${path.relative(ROOT, DOCS)}`);
    }
    return results.some((r) => r.tool.name === 'ours' && r.error) ? 1 : 0;
  } finally {
    cleanup();
    if (opts.keep) log(`kept ${work}`);
  }
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    log(err instanceof Error ? (err.stack ?? err.message) : String(err));
    process.exitCode = 1;
  },
);
