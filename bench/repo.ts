/**
 * Repository benchmark (`npm run bench:repo`): this engine side by side with restic and borg in the same run, on
 * two data shapes (default ~1 GB each):
 *   synthea — the Synthea-like generator (src/sandbox/synthetic.ts): 9 files, one per type, ~1.5 KB resources;
 *   obs     — an Observation-heavy export (bench/obsShape.ts): ~560-byte resources, ≥ 1.5 million per GB, random
 *             UUID ids, one patient's resources scattered over the files.
 *
 * Per shape, `--runs` times (the tools take turns in a rotating order, so none always runs first):
 *   1. a fresh repository per tool; first backup of the pristine data (wall, CPU user+sys, peak RSS; repo size);
 *   2. 1 % of the resources changed, scattered over every file; second backup (wall, CPU; bytes added);
 *   3. restore of the latest snapshot to a folder (MB/s of NDJSON written), `check --read-data` (borg:
 *      `check --verify-data`);
 *   4. ours only: one patient restored to a folder (CLI wall time from process start, and the engine's own time;
 *      bytes read from the repository against the patient's bytes).
 * Once per shape, in a host process (bench/hostLoop.ts), a first backup through the engine API with
 * perf_hooks.monitorEventLoopDelay: the host's event-loop delay p99 while the engine backs up.
 * Medians over the runs go into the tables. Our CLI is the compiled JavaScript that ships (`npm run build`,
 * bench/cli-dist.mjs); each tool runs as a child under /usr/bin/time -v. MB = 10^6 bytes.
 *
 * Options (arguments win over environment):
 *   --size 1GB          BENCH_SIZE       size of each data set
 *   --shapes a,b        BENCH_SHAPES     synthea,obs (default both); shape:SIZE[:RUNS] for another size, e.g. obs:4GB:1
 *   --runs N            BENCH_RUNS       repetitions (default 3)
 *   --tools a,b         BENCH_TOOLS      ours,restic,borg (default all)
 *   --work-dir DIR      BENCH_WORK_DIR   parent of the work directory (default os.tmpdir())
 *   --keep              BENCH_KEEP=1     keep the work directory
 *   --seed N            BENCH_SEED       data seed (default 1)
 *   --docs / --no-docs                   write docs/benchmarks.md (default: when size ≥ 1 GB)
 */
import { spawn, spawnSync } from 'node:child_process';
import { closeSync, existsSync, openSync, readFileSync } from 'node:fs';
import { cp, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { mutateNdjsonDataset, writeNdjsonDataset } from '../src/sandbox/synthetic.js';
import { machine, parseSize, treeBytes, truthy, which } from './common.js';
import { writeObservationShape } from './obsShape.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const CLI = path.join(ROOT, 'bench', 'cli-dist.mjs');
const DOCS = path.join(ROOT, 'docs', 'benchmarks.md');
const DOCS_HEADING = '## Repository benchmark (npm run bench:repo)';
const TIME_BIN = '/usr/bin/time';
const MB = 1e6;
const PASSWORD = 'bench-repo-password-0123456789';

type ToolName = 'ours' | 'restic' | 'borg';
type Shape = 'synthea' | 'obs';

function log(msg: string): void {
  process.stderr.write(`[bench:repo] ${new Date().toISOString().slice(11, 19)} ${msg}\n`);
}

const opts = (() => {
  const { values } = parseArgs({
    options: {
      size: { type: 'string' },
      shapes: { type: 'string' },
      runs: { type: 'string' },
      tools: { type: 'string' },
      'work-dir': { type: 'string' },
      keep: { type: 'boolean' },
      seed: { type: 'string' },
      docs: { type: 'boolean' },
      'no-docs': { type: 'boolean' },
    },
    strict: true,
  });
  const env = process.env;
  const sizeText = values.size ?? env['BENCH_SIZE'] ?? '1GB';
  const size = parseSize(sizeText);
  return {
    size,
    sizeText,
    shapes: (values.shapes ?? env['BENCH_SHAPES'] ?? 'synthea,obs')
      .split(',')
      .filter(Boolean)
      .map((entry): { shape: Shape; size: number; sizeText: string; runs: number | null } => {
        const [shape, own, runs] = entry.split(':') as [Shape, string | undefined, string | undefined];
        return { shape, size: own ? parseSize(own) : size, sizeText: own ?? sizeText, runs: runs ? Math.max(1, Number(runs)) : null };
      }),
    runs: Math.max(1, Number(values.runs ?? env['BENCH_RUNS'] ?? 3)),
    tools: (values.tools ?? env['BENCH_TOOLS'] ?? 'ours,restic,borg').split(',').filter(Boolean) as ToolName[],
    workParent: path.resolve(values['work-dir'] ?? env['BENCH_WORK_DIR'] ?? os.tmpdir()),
    keep: values.keep === true || truthy(env['BENCH_KEEP']),
    seed: Number(values.seed ?? env['BENCH_SEED'] ?? 1),
    docs: values['no-docs'] ? false : values.docs === true || size >= 1e9,
  };
})();

// ------------------------------------------------------------------ measured child processes

interface Run {
  wallS: number;
  cpuS: number;
  rss: number;
  stdout: string;
}

/** Machine-wide busy CPU seconds (other engineers share the cores: reported beside each run). */
function machineBusyS(): number {
  const f = (/^cpu\s+(.+)$/m.exec(readFileSync('/proc/stat', 'utf8'))?.[1] ?? '').trim().split(/\s+/).map(Number);
  const [user = 0, nice = 0, system = 0, , , irq = 0, softirq = 0, steal = 0] = f;
  return (user + nice + system + irq + softirq + steal) / 100;
}

let otherCpu = 0;
let measuredWall = 0;

async function measured(label: string, cmd: string, args: string[], env: NodeJS.ProcessEnv, logs: string, cwd?: string): Promise<Run> {
  const slug = label.replace(/[^a-z0-9]+/gi, '-').toLowerCase();
  const out = path.join(logs, `${slug}.out`);
  const err = path.join(logs, `${slug}.err`);
  const timeFile = path.join(logs, `${slug}.time`);
  spawnSync('sync');
  const busy = machineBusyS();
  const o = openSync(out, 'w');
  const e = openSync(err, 'w');
  const start = process.hrtime.bigint();
  const child = spawn(TIME_BIN, ['-v', '-o', timeFile, cmd, ...args], { stdio: ['ignore', o, e], env, cwd });
  const code = await new Promise<number | null>((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', (c) => resolve(c));
  });
  const wallS = Number(process.hrtime.bigint() - start) / 1e9;
  closeSync(o);
  closeSync(e);
  if (code !== 0) throw new Error(`${label} failed (exit ${code}): ${readFileSync(err, 'utf8').slice(-2000)}`);
  const t = readFileSync(timeFile, 'utf8');
  const num = (re: RegExp): number => Number(re.exec(t)?.[1] ?? 0);
  const cpuS = num(/User time \(seconds\):\s*([\d.]+)/) + num(/System time \(seconds\):\s*([\d.]+)/);
  otherCpu += Math.max(0, machineBusyS() - busy - cpuS);
  measuredWall += wallS;
  log(`${label}: ${wallS.toFixed(2)} s wall, ${cpuS.toFixed(2)} CPU s`);
  return { wallS, cpuS, rss: num(/Maximum resident set size \(kbytes\):\s*(\d+)/) * 1024, stdout: readFileSync(out, 'utf8') };
}

// ------------------------------------------------------------------ tools

interface ToolRuns {
  first: Run[];
  firstSize: number[];
  second: Run[];
  added: number[];
  restore: Run[];
  check: Run[];
}

interface Tool {
  readonly name: ToolName;
  readonly version: string;
  readonly settings: string;
  init(repo: string): Promise<void>;
  backup(repo: string, data: string, n: 1 | 2): Promise<Run>;
  restore(repo: string, target: string): Promise<Run>;
  check(repo: string): Promise<Run>;
}

function firstLine(cmd: string, args: string[]): string {
  const r = spawnSync(cmd, args, { encoding: 'utf8' });
  return `${r.stdout ?? ''}${r.stderr ?? ''}`.split('\n')[0]?.trim() ?? '';
}

function tools(work: string, logs: string, passwordFile: string): Tool[] {
  const out: Tool[] = [];
  const ours = (label: string, args: string[]): Promise<Run> =>
    measured(label, process.execPath, [CLI, ...args, '--password-file', passwordFile], { ...process.env, CLINIC_BACKUP_STATE_DIR: path.join(work, 'state') }, logs);
  if (opts.tools.includes('ours')) {
    out.push({
      name: 'ours',
      version: `clinic-backup (git ${firstLine('git', ['-C', ROOT, 'rev-parse', '--short', 'HEAD']) || '?'}), format v2`,
      settings:
        'defaults (64 KiB resource frames with per-type zstd dictionaries, level 3; backups with one worker thread fewer than the cores, restores and checks one per core); compiled JavaScript (dist/, bench/cli-dist.mjs)',
      init: async (repo) => void (await ours(`ours init ${path.basename(repo)}`, ['init', '--repo', repo])),
      backup: (repo, data, n) => ours(`ours backup ${n} ${path.basename(repo)}`, ['backup', data, '--repo', repo, '--json']),
      restore: (repo, target) => ours(`ours restore ${path.basename(repo)}`, ['restore', 'latest', '--target', target, '--yes', '--repo', repo, '--json']),
      check: (repo) => ours(`ours check ${path.basename(repo)}`, ['check', '--read-data', '--repo', repo, '--json']),
    });
  }
  const restic = which('restic');
  if (opts.tools.includes('restic') && restic) {
    const env = { ...process.env, RESTIC_PASSWORD: PASSWORD, RESTIC_CACHE_DIR: path.join(work, 'restic-cache') };
    out.push({
      name: 'restic',
      version: firstLine(restic, ['version']),
      settings: 'defaults (repository format v2, compression auto = zstd, chunks 512 KiB–8 MiB)',
      init: async (repo) => void (await measured(`restic init ${path.basename(repo)}`, restic, ['--repo', repo, 'init'], env, logs)),
      backup: (repo, data, n) => measured(`restic backup ${n} ${path.basename(repo)}`, restic, ['--repo', repo, 'backup', data], env, logs),
      restore: (repo, target) => measured(`restic restore ${path.basename(repo)}`, restic, ['--repo', repo, 'restore', 'latest', '--target', target], env, logs),
      check: (repo) => measured(`restic check ${path.basename(repo)}`, restic, ['--repo', repo, 'check', '--read-data'], env, logs),
    });
  }
  const borg = which('borg');
  if (opts.tools.includes('borg') && borg) {
    const env = { ...process.env, BORG_PASSPHRASE: PASSWORD, BORG_BASE_DIR: path.join(work, 'borg-base'), BORG_RELOCATED_REPO_ACCESS_IS_OK: 'yes' };
    out.push({
      name: 'borg',
      version: firstLine(borg, ['--version']),
      settings: '--encryption=repokey-blake2, --compression zstd,3, default chunker (avg 2 MiB)',
      init: async (repo) => void (await measured(`borg init ${path.basename(repo)}`, borg, ['init', '--encryption=repokey-blake2', repo], env, logs)),
      backup: (repo, data, n) => measured(`borg backup ${n} ${path.basename(repo)}`, borg, ['create', '--compression', 'zstd,3', `${repo}::b${n}`, data], env, logs),
      restore: async (repo, target) => {
        await mkdir(target, { recursive: true });
        return measured(`borg extract ${path.basename(repo)}`, borg, ['extract', `${repo}::b2`], env, logs, target);
      },
      check: (repo) => measured(`borg check ${path.basename(repo)}`, borg, ['check', '--verify-data', repo], env, logs),
    });
  }
  return out;
}

// ------------------------------------------------------------------ data

async function makeShape(shape: Shape, size: number, dir: string): Promise<{ bytes: number; resources: number }> {
  if (shape === 'obs') return writeObservationShape(dir, size, opts.seed);
  const r = await writeNdjsonDataset(dir, { patients: 0, targetBytes: size, seed: opts.seed });
  return { bytes: r.bytes, resources: r.resources };
}

function warm(dir: string): void {
  spawnSync('sh', ['-c', `cat ${JSON.stringify(dir)}/*.ndjson > /dev/null`]);
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length === 0 ? NaN : s.length % 2 ? (s[(s.length - 1) / 2] as number) : ((s[s.length / 2 - 1] as number) + (s[s.length / 2] as number)) / 2;
};

// ------------------------------------------------------------------ one shape

interface PatientRun {
  cliWallS: number;
  engineS: number;
  bytesRead: number;
  patientBytes: number;
  resources: number;
}

interface ShapeResult {
  shape: Shape;
  runs: number;
  bytes: number;
  resources: number;
  changed: number;
  perTool: Map<ToolName, ToolRuns>;
  patient: PatientRun[];
  loop: { p99: number; max: number; mean: number; wallS: number } | null;
}

async function runShape(shape: Shape, size: number, sizeText: string, runs: number, work: string, logs: string, passwordFile: string): Promise<ShapeResult> {
  const pristine = path.join(work, `${shape}-pristine`);
  log(`generating ${shape} (${sizeText})…`);
  const info = await makeShape(shape, size, pristine);
  const data = path.join(work, `${shape}-data`);
  const list = tools(work, logs, passwordFile);
  const perTool = new Map<ToolName, ToolRuns>(list.map((t) => [t.name, { first: [], firstSize: [], second: [], added: [], restore: [], check: [] }]));
  const patient: PatientRun[] = [];
  let changed = 0;
  for (let run = 0; run < runs; run++) {
    await rm(data, { recursive: true, force: true });
    await cp(pristine, data, { recursive: true });
    warm(data);
    const order = list.map((_, i) => list[(i + run) % list.length] as Tool);
    const repoOf = (t: Tool): string => path.join(work, `repo-${shape}-${t.name}-${run}`);
    for (const t of order) {
      await t.init(repoOf(t));
      const r = await t.backup(repoOf(t), data, 1);
      const tr = perTool.get(t.name) as ToolRuns;
      tr.first.push(r);
      tr.firstSize.push(await treeBytes(repoOf(t)));
    }
    changed = (await mutateNdjsonDataset(data, { fraction: 0.01, seed: opts.seed * 100 + run })).changed.length;
    warm(data);
    for (const t of order) {
      const tr = perTool.get(t.name) as ToolRuns;
      tr.second.push(await t.backup(repoOf(t), data, 2));
      tr.added.push((await treeBytes(repoOf(t))) - (tr.firstSize[tr.firstSize.length - 1] as number));
    }
    for (const t of order) {
      const target = path.join(work, `restore-${t.name}`);
      await rm(target, { recursive: true, force: true });
      const tr = perTool.get(t.name) as ToolRuns;
      tr.restore.push(await t.restore(repoOf(t), target));
      await rm(target, { recursive: true, force: true });
      tr.check.push(await t.check(repoOf(t)));
    }
    if (perTool.has('ours')) patient.push(await onePatient(shape, repoOf(list.find((t) => t.name === 'ours') as Tool), data, work, logs, passwordFile, run));
    for (const t of order) await rm(repoOf(t), { recursive: true, force: true });
  }
  const loop = perTool.has('ours') ? await hostLoop(data, path.join(work, `repo-${shape}-host`), logs) : null;
  return { shape, runs, bytes: info.bytes, resources: info.resources, changed, perTool, patient, loop };
}

/** One patient's record to a folder: CLI wall (from process start) and the engine's own time and bytes read. */
async function onePatient(shape: Shape, repo: string, data: string, work: string, logs: string, passwordFile: string, run: number): Promise<PatientRun> {
  const patients = (await readFile(path.join(data, 'Patient.ndjson'), 'utf8')).split('\n', 2000).filter(Boolean);
  const id = (JSON.parse(patients[Math.floor(patients.length / 2) + run] ?? (patients[0] as string)) as { id: string }).id;
  const target = path.join(work, 'restore-patient');
  await rm(target, { recursive: true, force: true });
  const r = await measured(
    `ours patient ${shape} ${run}`,
    process.execPath,
    [CLI, 'restore', 'latest', '--patient', id, '--target', target, '--yes', '--repo', repo, '--password-file', passwordFile, '--json'],
    { ...process.env, CLINIC_BACKUP_STATE_DIR: path.join(work, 'state') },
    logs,
  );
  const j = JSON.parse(r.stdout) as { bytesRead: number; bytes: number; resources: number; durationMs: number };
  await rm(target, { recursive: true, force: true });
  return { cliWallS: r.wallS, engineS: j.durationMs / 1000, bytesRead: j.bytesRead, patientBytes: j.bytes, resources: j.resources };
}

/** A first backup inside a host process that measures its own event-loop delay. */
async function hostLoop(data: string, repo: string, logs: string): Promise<ShapeResult['loop']> {
  await rm(repo, { recursive: true, force: true });
  const r = await measured(`host loop ${path.basename(repo)}`, process.execPath, [path.join(ROOT, 'bench', 'hostLoop.mjs'), data, repo], process.env, logs);
  await rm(repo, { recursive: true, force: true });
  const j = JSON.parse(r.stdout) as { p99: number; max: number; mean: number; wallS: number };
  return j;
}

// ------------------------------------------------------------------ report

function table(rows: string[][]): string[] {
  const [head, ...body] = rows;
  return [`| ${(head as string[]).join(' | ')} |`, `| ${(head as string[]).map((_, i) => (i === 0 ? '---' : '---:')).join(' | ')} |`, ...body.map((r) => `| ${r.join(' | ')} |`)];
}

function report(results: ShapeResult[], versions: string[], settings: string[]): string[] {
  const lines: string[] = [];
  const f = (n: number, d = 2): string => (Number.isFinite(n) ? n.toFixed(d) : '–');
  for (const s of results) {
    const name = s.shape === 'obs' ? 'Observation-heavy (small resources, shuffled)' : 'Synthea-like';
    lines.push(
      `### ${name}: ${(s.bytes / MB).toFixed(1)} MB, ${s.resources.toLocaleString('en')} resources (${Math.round(s.resources / (s.bytes / 1e9)).toLocaleString('en')} per GB); change: ${s.changed.toLocaleString('en')} resources (1 %); ${s.runs} run${s.runs === 1 ? '' : 's'}`,
      '',
    );
    const rows: string[][] = [
      ['tool', 'first backup wall s', 'CPU s', 'repo MB', '2nd backup wall s', 'CPU s', 'added MB', 'peak RSS MB (1st / 2nd)', 'RSS per 100k res MB', 'restore MB/s', 'check --read-data s'],
    ];
    for (const [tool, t] of s.perTool) {
      const rss = Math.max(median(t.first.map((r) => r.rss)), median(t.second.map((r) => r.rss)));
      rows.push([
        tool,
        f(median(t.first.map((r) => r.wallS))),
        f(median(t.first.map((r) => r.cpuS))),
        f(median(t.firstSize) / MB, 1),
        f(median(t.second.map((r) => r.wallS))),
        f(median(t.second.map((r) => r.cpuS))),
        f(median(t.added) / MB, 2),
        `${f(median(t.first.map((r) => r.rss)) / MB, 0)} / ${f(median(t.second.map((r) => r.rss)) / MB, 0)}`,
        f(rss / MB / (s.resources / 1e5), 1),
        f(s.bytes / MB / median(t.restore.map((r) => r.wallS)), 0),
        f(median(t.check.map((r) => r.wallS))),
      ]);
    }
    lines.push(...table(rows), '');
    if (s.patient.length > 0) {
      const p = s.patient;
      lines.push(
        `One patient (ours, median of ${p.length}): ${f(median(p.map((x) => x.resources)), 0)} resources, ${f(median(p.map((x) => x.patientBytes)) / 1e3, 1)} KB; CLI ${f(median(p.map((x) => x.cliWallS)))} s from process start (engine ${f(median(p.map((x) => x.engineS)), 3)} s); read ${f(median(p.map((x) => x.bytesRead)) / 1e3, 1)} KB = ${f(median(p.map((x) => x.bytesRead / x.patientBytes)), 1)}× the patient's bytes.`,
        '',
      );
    }
    if (s.loop)
      lines.push(
        `Event-loop delay in the host process during a first backup through the engine API: p99 ${f(s.loop.p99, 1)} ms, max ${f(s.loop.max, 1)} ms, mean ${f(s.loop.mean, 2)} ms (${f(s.loop.wallS, 1)} s backup).`,
        '',
      );
    const ours = s.perTool.get('ours');
    const restic = s.perTool.get('restic');
    if (ours && restic) {
      const m = (t: ToolRuns, k: 'first' | 'second' | 'restore' | 'check', w: 'wallS' | 'cpuS'): number => median(t[k].map((r) => r[w]));
      const met = (ok: boolean): string => (ok ? 'met' : 'NOT MET');
      const rss = Math.max(median(ours.first.map((r) => r.rss)), median(ours.second.map((r) => r.rss)));
      // Issue 16: ≤ 250 MB at 1 GB; ≤ 350 MB at 4 GB of the small-resource shape.
      const rssTarget = s.shape === 'obs' && s.bytes >= 3.5e9 ? 350 : 250;
      const pat = s.patient;
      lines.push(
        'Targets (issue 16), ours against restic:',
        '',
        `- first backup wall ≤ restic's: ${met(m(ours, 'first', 'wallS') <= m(restic, 'first', 'wallS'))} (${f(m(ours, 'first', 'wallS'))} s vs ${f(m(restic, 'first', 'wallS'))} s)`,
        `- first backup CPU ≤ 2× restic's: ${met(m(ours, 'first', 'cpuS') <= 2 * m(restic, 'first', 'cpuS'))} (${f(m(ours, 'first', 'cpuS'))} vs ${f(m(restic, 'first', 'cpuS'))} CPU s, ${f(m(ours, 'first', 'cpuS') / m(restic, 'first', 'cpuS'), 1)}×)`,
        `- repository ≤ restic's: ${met(median(ours.firstSize) <= median(restic.firstSize))} (${f(median(ours.firstSize) / MB, 1)} MB vs ${f(median(restic.firstSize) / MB, 1)} MB)`,
        `- second backup wall ≤ restic's: ${met(m(ours, 'second', 'wallS') <= m(restic, 'second', 'wallS'))} (${f(m(ours, 'second', 'wallS'))} s vs ${f(m(restic, 'second', 'wallS'))} s; CPU ${f(m(ours, 'second', 'cpuS'))} vs ${f(m(restic, 'second', 'cpuS'))} s)`,
        `- bytes added ≤ 1/20 of restic's: ${met(median(ours.added) * 20 <= median(restic.added))} (${f(median(ours.added) / MB)} MB vs ${f(median(restic.added) / MB)} MB, 1/${f(median(restic.added) / median(ours.added), 0)})`,
        `- peak RSS ≤ ${rssTarget} MB${rssTarget === 250 ? '' : ' at 4 GB of small resources'}: ${met(rss <= rssTarget * MB)} (${f(rss / MB, 0)} MB; ${f(rss / MB / (s.resources / 1e5), 1)} MB per 100k resources)`,
        `- restore ≥ restic's MB/s: ${met(m(ours, 'restore', 'wallS') <= m(restic, 'restore', 'wallS'))} (${f(s.bytes / MB / m(ours, 'restore', 'wallS'), 0)} vs ${f(s.bytes / MB / m(restic, 'restore', 'wallS'), 0)} MB/s)`,
        `- check --read-data ≤ 1.5× restic's time: ${met(m(ours, 'check', 'wallS') <= 1.5 * m(restic, 'check', 'wallS'))} (${f(m(ours, 'check', 'wallS'))} s vs ${f(m(restic, 'check', 'wallS'))} s)`,
        ...(pat.length > 0
          ? [
              `- one patient ≤ 0.5 s after process start: ${met(median(pat.map((x) => x.cliWallS)) <= 0.5)} (${f(median(pat.map((x) => x.cliWallS)))} s; engine ${f(median(pat.map((x) => x.engineS)), 3)} s)`,
              `- one patient reads ≤ 10× its bytes: ${met(median(pat.map((x) => x.bytesRead / x.patientBytes)) <= 10)} (${f(median(pat.map((x) => x.bytesRead / x.patientBytes)), 1)}×)`,
            ]
          : []),
        ...(s.loop ? [`- event-loop delay p99 < 50 ms: ${met(s.loop.p99 < 50)} (${f(s.loop.p99, 1)} ms)`] : []),
        '',
      );
    }
  }
  return [
    DOCS_HEADING,
    '',
    `Command: \`npm run bench:repo${process.argv.length > 2 ? ` -- ${process.argv.slice(2).join(' ')}` : ''}\``,
    '',
    'Machine:',
    '',
    ...machine(versions),
    `- other processes' CPU during the measured runs: ${otherCpu.toFixed(0)} CPU s over ${measuredWall.toFixed(0)} s (other engineers share the 2 cores: wall times are upper bounds, CPU seconds are the steadier figure)`,
    '',
    'Settings:',
    '',
    ...settings.map((s) => `- ${s}`),
    '',
    `Method: per shape, the runs its heading names; in each, every tool (in a rotating order) backs up the pristine data into a fresh repository, then 1 % of the resources change (scattered over every file: versionId, lastUpdated and a value), every tool backs up again, restores the latest snapshot to a folder and verifies all its data. Figures are medians over the runs. CPU s = user + system (\`/usr/bin/time -v\`); peak RSS = its "Maximum resident set size" (the larger of the two backups); repo MB = apparent size of the repository's files after the first backup; added = growth by the second backup; restore MB/s = NDJSON bytes / wall time. MB = 10^6 bytes.`,
    '',
    ...lines,
  ];
}

async function writeDocs(section: string[]): Promise<void> {
  const text = existsSync(DOCS) ? await readFile(DOCS, 'utf8') : '# Benchmarks\n\n';
  const start = text.indexOf(DOCS_HEADING);
  const body = section.join('\n') + '\n';
  if (start < 0) return writeFile(DOCS, text.replace(/\n*$/, '\n\n') + body);
  const next = text.indexOf('\n## ', start + DOCS_HEADING.length);
  await writeFile(DOCS, text.slice(0, start) + body + (next < 0 ? '' : text.slice(next + 1)));
}

async function main(): Promise<void> {
  if (!existsSync(TIME_BIN)) throw new Error(`${TIME_BIN} is needed (Debian package "time")`);
  log('building the compiled engine (npm run build)…');
  const build = spawnSync(process.execPath, [path.join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', path.join(ROOT, 'tsconfig.build.json')], { stdio: 'inherit' });
  if (build.status !== 0) throw new Error('build failed');
  await mkdir(opts.workParent, { recursive: true });
  const work = await mkdtemp(path.join(opts.workParent, 'bench-repo-'));
  const logs = path.join(work, 'logs');
  await mkdir(logs);
  const passwordFile = path.join(work, 'password');
  await writeFile(passwordFile, PASSWORD + '\n', { mode: 0o600 });
  try {
    const results: ShapeResult[] = [];
    for (const { shape, size, sizeText, runs } of opts.shapes) {
      results.push(await runShape(shape, size, sizeText, runs ?? opts.runs, work, logs, passwordFile));
      await rm(path.join(work, `${shape}-pristine`), { recursive: true, force: true });
      await rm(path.join(work, `${shape}-data`), { recursive: true, force: true });
    }
    const list = tools(work, logs, passwordFile);
    const section = report(
      results,
      list.map((t) => `${t.name}: ${t.version}`),
      list.map((t) => `${t.name}: ${t.settings}`),
    );
    process.stdout.write(section.join('\n') + '\n');
    if (opts.docs) await writeDocs(section);
  } finally {
    if (!opts.keep) await rm(work, { recursive: true, force: true });
    else log(`kept ${work}`);
  }
}

await main();
