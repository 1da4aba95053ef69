/**
 * Folder benchmark (`npm run bench:files`): this engine side by side with restic and borg in one run, on a clinic
 * tree (default 2 GB): 70 % incompressible "images" (random bytes, 2–20 MB files), 15 % compressible documents
 * (text/PDF-like), 15 % one SQLite database. Per run (tools take turns in a rotating order):
 *   1. first backup (wall, CPU user+sys, peak RSS; repository size);
 *   2. unchanged re-run (wall, CPU);
 *   3. 1 % of the database's pages changed and 10 images added; backup (wall; bytes added);
 *   4. restore of the latest snapshot (MB/s).
 * Medians over the runs. Our CLI is the compiled JavaScript that ships (`npm run build`, bench/cli-dist.mjs); every
 * tool runs as a child under /usr/bin/time -v. MB = 10^6 bytes. Targets (issue 17): first backup wall ≤ restic's;
 * repository ≤ restic's; unchanged re-run ≤ restic's; bytes added ≤ 1.1 × restic's; restore ≥ restic's MB/s;
 * peak RSS ≤ 250 MB.
 *
 * Options: --size 2GB (BENCH_SIZE), --runs 3 (BENCH_RUNS), --tools ours,restic,borg (BENCH_TOOLS),
 *          --work-dir DIR (BENCH_WORK_DIR), --seed N (BENCH_SEED), --keep.
 */
import { spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { closeSync, openSync, readFileSync } from 'node:fs';
import { mkdir, mkdtemp, open, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import Database from 'better-sqlite3';
import { machine, parseSize, treeBytes, which } from './common.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const CLI = path.join(ROOT, 'bench', 'cli-dist.mjs');
const MB = 1e6;
const PASSWORD = 'bench-files-password-0123456789';

const { values } = parseArgs({
  options: { size: { type: 'string' }, runs: { type: 'string' }, tools: { type: 'string' }, 'work-dir': { type: 'string' }, seed: { type: 'string' }, keep: { type: 'boolean' } },
});
const env0 = process.env;
const size = parseSize(values.size ?? env0['BENCH_SIZE'] ?? '2GB');
const runs = Number(values.runs ?? env0['BENCH_RUNS'] ?? 3);
const toolNames = (values.tools ?? env0['BENCH_TOOLS'] ?? 'ours,restic,borg').split(',').filter(Boolean);
const seed = Number(values.seed ?? env0['BENCH_SEED'] ?? 1);

/** Deterministic pseudo-random bytes (SHA-256 in counter mode): incompressible, the same for every tool and run. */
function randomBlock(n: number, key: string): Buffer {
  const out = Buffer.allocUnsafe(n);
  for (let i = 0, c = 0; i < n; c++) {
    const h = createHash('sha256').update(`${key}:${c}`).digest();
    h.copy(out, i, 0, Math.min(32, n - i));
    i += 32;
  }
  return out;
}

async function writeRandomFile(file: string, bytes: number, key: string): Promise<void> {
  const fh = await open(file, 'w');
  try {
    for (let at = 0; at < bytes; at += 4 * 1024 * 1024) await fh.write(randomBlock(Math.min(4 * 1024 * 1024, bytes - at), `${key}:${at}`));
  } finally {
    await fh.close();
  }
}

const WORDS = 'paciente consulta exame laudo prescrição retorno pressão arterial glicemia dipirona alergia ultrassom evolução clínica estável'.split(' ');

async function makeTree(dir: string): Promise<{ db: string; images: string }> {
  const images = path.join(dir, 'imagens');
  const docs = path.join(dir, 'documentos');
  await mkdir(images, { recursive: true });
  await mkdir(docs, { recursive: true });
  let rnd = seed;
  const next = (): number => (rnd = (rnd * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
  for (let made = 0, i = 0; made < size * 0.7; i++) {
    const n = Math.min(Math.floor(2e6 + next() * 18e6), Math.ceil(size * 0.7 - made));
    await writeRandomFile(path.join(images, `exame-${String(i).padStart(4, '0')}.jpg`), n, `img${seed}:${i}`);
    made += n;
  }
  for (let made = 0, i = 0; made < size * 0.15; i++) {
    const lines: string[] = [];
    let n = 0;
    while (n < 200_000) {
      const l = `%PDF-1.4 obj ${i} ${Array.from({ length: 12 }, () => WORDS[Math.floor(next() * WORDS.length)]).join(' ')} ${Math.floor(next() * 1e6)}\n`;
      lines.push(l);
      n += l.length;
    }
    await writeFile(path.join(docs, `laudo-${i}.pdf`), lines.join(''));
    made += n;
  }
  const db = path.join(dir, 'sistema.db');
  const d = new Database(db);
  d.pragma('page_size = 4096');
  d.exec('create table t (id integer primary key, v blob)');
  const ins = d.prepare('insert into t (v) values (?)');
  const rows = Math.floor((size * 0.15) / 3000);
  d.transaction(() => {
    for (let i = 0; i < rows; i++) ins.run(Buffer.concat([randomBlock(1500, `db${i}`), Buffer.alloc(1500, i % 251)]));
  })();
  d.close();
  return { db, images };
}

/** Change 1 % of the database's pages (rows spread over the file) and add 10 images. */
async function change(db: string, images: string, run: number): Promise<void> {
  const d = new Database(db);
  const rows = (d.prepare('select count(*) as c from t').get() as { c: number }).c;
  const upd = d.prepare('update t set v = ? where id = ?');
  d.transaction(() => {
    for (let i = 0; i < rows / 100; i++) upd.run(randomBlock(3000, `chg${run}:${i}`), 1 + Math.floor((i * 100 + 37) % rows));
  })();
  d.close();
  for (let i = 0; i < 10; i++) await writeRandomFile(path.join(images, `novo-${run}-${i}.jpg`), 2_000_000 + i * 300_000, `new${run}:${i}`);
}

interface Run {
  wallS: number;
  cpuS: number;
  rss: number;
}

async function measured(label: string, cmd: string, args: string[], env: NodeJS.ProcessEnv, logs: string, cwd?: string): Promise<Run> {
  const slug = label.replace(/[^a-z0-9]+/gi, '-').toLowerCase();
  const timeFile = path.join(logs, `${slug}.time`);
  const err = path.join(logs, `${slug}.err`);
  spawnSync('sync');
  const e = openSync(err, 'w');
  const start = process.hrtime.bigint();
  const child = spawn('/usr/bin/time', ['-v', '-o', timeFile, cmd, ...args], { stdio: ['ignore', 'ignore', e], env, cwd });
  const code = await new Promise<number | null>((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', resolve);
  });
  const wallS = Number(process.hrtime.bigint() - start) / 1e9;
  closeSync(e);
  if (code !== 0) throw new Error(`${label} failed (exit ${code}): ${readFileSync(err, 'utf8').slice(-2000)}`);
  const t = readFileSync(timeFile, 'utf8');
  const num = (re: RegExp): number => Number(re.exec(t)?.[1] ?? 0);
  const cpuS = num(/User time \(seconds\):\s*([\d.]+)/) + num(/System time \(seconds\):\s*([\d.]+)/);
  process.stderr.write(`${label}: ${wallS.toFixed(2)} s wall, ${cpuS.toFixed(2)} CPU s\n`);
  return { wallS, cpuS, rss: num(/Maximum resident set size \(kbytes\):\s*(\d+)/) * 1024 };
}

interface Tool {
  name: string;
  init(repo: string): Promise<unknown>;
  backup(repo: string, data: string, n: number): Promise<Run>;
  restore(repo: string, target: string, n: number): Promise<Run>;
}

function tools(work: string, logs: string, passwordFile: string): Tool[] {
  const out: Tool[] = [];
  const ours = (label: string, args: string[]): Promise<Run> =>
    measured(label, process.execPath, [CLI, ...args, '--password-file', passwordFile], { ...env0, CLINIC_BACKUP_STATE_DIR: path.join(work, 'state') }, logs);
  if (toolNames.includes('ours'))
    out.push({
      name: 'ours',
      init: (r) => ours('ours init', ['init', '--repo', r]),
      backup: (r, d, n) => ours(`ours backup ${n}`, ['backup', '--path', d, '--repo', r]),
      restore: (r, tg) => ours('ours restore', ['restore', '--path', '/', '--target', tg, '--repo', r]),
    });
  const restic = which('restic');
  if (restic && toolNames.includes('restic')) {
    const e = { ...env0, RESTIC_PASSWORD: PASSWORD, RESTIC_CACHE_DIR: path.join(work, 'restic-cache') };
    out.push({
      name: 'restic',
      init: (r) => measured('restic init', restic, ['--repo', r, 'init'], e, logs),
      backup: (r, d, n) => measured(`restic backup ${n}`, restic, ['--repo', r, 'backup', d], e, logs),
      restore: (r, tg) => measured('restic restore', restic, ['--repo', r, 'restore', 'latest', '--target', tg], e, logs),
    });
  }
  const borg = which('borg');
  if (borg && toolNames.includes('borg')) {
    const e = { ...env0, BORG_PASSPHRASE: PASSWORD, BORG_BASE_DIR: path.join(work, 'borg-base'), BORG_RELOCATED_REPO_ACCESS_IS_OK: 'yes' };
    out.push({
      name: 'borg',
      init: (r) => measured('borg init', borg, ['init', '--encryption=repokey-blake2', r], e, logs),
      backup: (r, d, n) => measured(`borg backup ${n}`, borg, ['create', '--compression', 'zstd,3', `${r}::b${n}`, d], e, logs),
      restore: async (r, tg, n) => {
        await mkdir(tg, { recursive: true });
        return measured('borg extract', borg, ['extract', `${r}::b${n}`], e, logs, tg);
      },
    });
  }
  return out;
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length === 0 ? NaN : s.length % 2 ? (s[(s.length - 1) / 2] as number) : ((s[s.length / 2 - 1] as number) + (s[s.length / 2] as number)) / 2;
};

const work = await mkdtemp(path.join(values['work-dir'] ?? env0['BENCH_WORK_DIR'] ?? os.tmpdir(), 'cb-bench-files-'));
const logs = path.join(work, 'logs');
await mkdir(logs);
const passwordFile = path.join(work, 'password');
await writeFile(passwordFile, `${PASSWORD}\n`, { mode: 0o600 });
try {
  spawnSync(process.execPath, [path.join(ROOT, 'scripts', 'build.mjs')], { stdio: 'inherit', cwd: ROOT });
  const list = tools(work, logs, passwordFile);
  const res = new Map(
    list.map((t) => [t.name, { first: [] as Run[], repo: [] as number[], rerun: [] as Run[], changed: [] as Run[], added: [] as number[], restore: [] as Run[], restoreMBs: [] as number[] }]),
  );
  let dataBytes = 0;
  for (let run = 0; run < runs; run++) {
    const data = path.join(work, 'data');
    await rm(data, { recursive: true, force: true });
    process.stderr.write(`generating ${(size / MB).toFixed(0)} MB tree…\n`);
    const { db, images } = await makeTree(data);
    dataBytes = await treeBytes(data);
    const order = list.map((_, i) => list[(i + run) % list.length] as Tool);
    const repoOf = (t: Tool): string => path.join(work, `repo-${t.name}`);
    for (const t of order) {
      await rm(repoOf(t), { recursive: true, force: true });
      await t.init(repoOf(t));
      const r = res.get(t.name)!;
      r.first.push(await t.backup(repoOf(t), data, 1));
      r.repo.push(await treeBytes(repoOf(t)));
      r.rerun.push(await t.backup(repoOf(t), data, 2));
    }
    await change(db, images, run);
    for (const t of order) {
      const r = res.get(t.name)!;
      const before = await treeBytes(repoOf(t));
      r.changed.push(await t.backup(repoOf(t), data, 3));
      r.added.push((await treeBytes(repoOf(t))) - before);
    }
    for (const t of order) {
      const target = path.join(work, `restore-${t.name}`);
      await rm(target, { recursive: true, force: true });
      const r = res.get(t.name)!;
      const x = await t.restore(repoOf(t), target, 3);
      r.restore.push(x);
      r.restoreMBs.push(dataBytes / MB / x.wallS);
      await rm(target, { recursive: true, force: true });
      await rm(repoOf(t), { recursive: true, force: true });
    }
  }
  const f = (n: number, d = 2): string => (Number.isFinite(n) ? n.toFixed(d) : '–');
  const lines = [
    `### Folders: ${(dataBytes / MB).toFixed(0)} MB tree (70 % images, 15 % documents, 15 % SQLite); change: 1 % of the database's pages + 10 images; ${runs} run(s)`,
    '',
    `| tool | first backup wall s | CPU s | repo MB | unchanged re-run wall s | CPU s | changed backup wall s | added MB | restore MB/s | peak RSS MB |`,
    `| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |`,
  ];
  for (const [name, r] of res) {
    const rss = Math.max(...[...r.first, ...r.rerun, ...r.changed, ...r.restore].map((x) => x.rss)) / MB;
    lines.push(
      `| ${name} | ${f(median(r.first.map((x) => x.wallS)))} | ${f(median(r.first.map((x) => x.cpuS)))} | ${f(median(r.repo) / MB, 1)} | ${f(median(r.rerun.map((x) => x.wallS)))} | ${f(median(r.rerun.map((x) => x.cpuS)))} | ${f(median(r.changed.map((x) => x.wallS)))} | ${f(median(r.added) / MB, 1)} | ${f(median(r.restoreMBs), 1)} | ${f(rss, 0)} |`,
    );
  }
  lines.push('', ...machine([]));
  process.stdout.write(`${lines.join('\n')}\n`);
} finally {
  if (!values.keep) await rm(work, { recursive: true, force: true });
}
