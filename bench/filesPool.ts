/**
 * Folder backups with the chunks' hashing, compression and encryption on the worker pool versus on the main thread
 * (`npm run bench:files-pool`), in one process, on the same tree (70 % incompressible images in 2–20 MB files, 30 %
 * compressible documents; default 400 MB): wall time, CPU seconds of the process, how busy the main thread was
 * (event-loop utilisation) and the event-loop delay the host process (tray, IPC) would feel, p99 and max. Each mode
 * backs up into a fresh repository; the modes alternate over the runs; medians.
 *
 * Runs the compiled JavaScript in dist/ (npm run build first), as the product ships.
 * Options: --size 400MB (BENCH_SIZE), --runs 3 (BENCH_RUNS), --work-dir DIR, --normal-priority (the pool's threads at
 * normal priority instead of the backup pool's lower one).
 */
import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type * as FilesBackupTypes from '../src/archiver/filesBackup.js';
import type * as BackendTypes from '../src/backend/local/localBackend.js';
import type * as PoolTypes from '../src/pool/pool.js';
import type * as RepositoryTypes from '../src/repository/repository.js';
import { machine, parseSize } from './common.js';

// The compiled JavaScript that ships (npm run build), as bench:files runs it: through tsx, every worker thread would
// first compile the TypeScript sources (seconds of CPU that are no part of a backup). Falls back to the sources.
const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const base = existsSync(path.join(ROOT, 'dist', 'src', 'pool', 'worker.js')) ? '../dist/src' : '../src';
const ext = base === '../src' ? '.ts' : '.js';
type FilesBackupModule = typeof FilesBackupTypes;
type PoolModule = typeof PoolTypes;
type BackendModule = typeof BackendTypes;
type RepositoryModule = typeof RepositoryTypes;
const { backupFolders } = (await import(`${base}/archiver/filesBackup${ext}`)) as FilesBackupModule;
const { WorkerPool } = (await import(`${base}/pool/pool${ext}`)) as PoolModule;
const { LocalBackend } = (await import(`${base}/backend/local/localBackend${ext}`)) as BackendModule;
const { Repository } = (await import(`${base}/repository/repository${ext}`)) as RepositoryModule;

const { values } = parseArgs({ options: { size: { type: 'string' }, runs: { type: 'string' }, 'work-dir': { type: 'string' }, 'normal-priority': { type: 'boolean' } } });
const size = parseSize(values.size ?? process.env['BENCH_SIZE'] ?? '400MB');
const runs = Number(values.runs ?? process.env['BENCH_RUNS'] ?? 3);
/** The backup pool's workers run at a lower priority; `--normal-priority` uses the foreground pool instead. */
const normalPriority = values['normal-priority'] ?? false;
const work = await mkdtemp(path.join(values['work-dir'] ?? os.tmpdir(), 'cb-bench-files-pool-'));

async function makeTree(root: string): Promise<number> {
  await mkdir(path.join(root, 'imagens'), { recursive: true });
  await mkdir(path.join(root, 'documentos'), { recursive: true });
  let bytes = 0;
  for (let i = 0; bytes < size * 0.7; i++) {
    const n = Math.min(2_000_000 + ((i * 7_919_000) % 18_000_000), Math.ceil(size * 0.7 - bytes));
    await writeFile(path.join(root, 'imagens', `exame-${i}.jpg`), randomBytes(n));
    bytes += n;
  }
  const words = ['paciente', 'evolução', 'estável', 'pressão', 'receita', 'retorno', 'exame', 'laudo', 'normal', 'dor'];
  for (let i = 0; bytes < size; i++) {
    const lines: string[] = [];
    for (let l = 0; l < 2000; l++) lines.push(`${i}.${l} ${words[(i * 31 + l) % 10]} ${words[(l * 7) % 10]} ${(i * l) % 997} mg/dL ${words[l % 10]}`);
    const text = lines.join('\n');
    await writeFile(path.join(root, 'documentos', `laudo-${i}.txt`), text);
    bytes += Buffer.byteLength(text);
  }
  return bytes;
}

interface Sample {
  wall: number;
  cpu: number;
  elu: number;
  p99: number;
  max: number;
}

async function once(src: string, pooled: boolean, n: number): Promise<Sample> {
  const dir = path.join(work, `repo-${pooled ? 'pool' : 'main'}-${n}`);
  const backend = await LocalBackend.create(dir);
  const { repo } = await Repository.init(backend, { passphrase: 'bench', scrypt: { N: 1024, r: 8, p: 1 }, params: {} });
  const pool = pooled ? (normalPriority ? WorkerPool.shared() : WorkerPool.background()) : null;
  const h = monitorEventLoopDelay({ resolution: 10 });
  h.enable();
  const elu0 = performance.eventLoopUtilization();
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  await backupFolders(repo, { folders: [{ path: src }], location: src, parent: null, pool });
  const wall = (performance.now() - t0) / 1000;
  const cpu = process.cpuUsage(cpu0);
  const elu = performance.eventLoopUtilization(elu0);
  h.disable();
  await backend.close();
  await rm(dir, { recursive: true, force: true });
  return { wall, cpu: (cpu.user + cpu.system) / 1e6, elu: elu.utilization, p99: h.percentile(99) / 1e6, max: h.max / 1e6 };
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? (s[m] as number) : ((s[m - 1] as number) + (s[m] as number)) / 2;
};

try {
  const src = path.join(work, 'Clinica');
  const bytes = await makeTree(src);
  const samples: Record<'main' | 'pool', Sample[]> = { main: [], pool: [] };
  for (let r = 0; r < runs; r++) {
    for (const mode of r % 2 === 0 ? (['main', 'pool'] as const) : (['pool', 'main'] as const)) samples[mode].push(await once(src, mode === 'pool', r));
  }
  const m = machine([]).join('; ');
  console.log(`\n### Folder backup, chunks on the main thread vs the worker pool: ${(bytes / 1e6).toFixed(0)} MB; ${runs} run(s), medians\n`);
  console.log('| chunks sealed on | wall s | MB/s | CPU s | main thread busy | event-loop delay p99 ms | max ms |');
  console.log('| --- | ---: | ---: | ---: | ---: | ---: | ---: |');
  for (const mode of ['main', 'pool'] as const) {
    const s = samples[mode];
    const wall = median(s.map((x) => x.wall));
    console.log(
      `| ${mode === 'main' ? 'main thread (before)' : `worker pool, ${WorkerPool.background().size} threads${normalPriority ? ', normal priority' : ', background priority'} (after)`} | ${wall.toFixed(2)} | ${(bytes / 1e6 / wall).toFixed(1)} | ${median(s.map((x) => x.cpu)).toFixed(2)} | ${(100 * median(s.map((x) => x.elu))).toFixed(0)} % | ${median(s.map((x) => x.p99)).toFixed(1)} | ${median(s.map((x) => x.max)).toFixed(1)} |`,
    );
  }
  console.log(`\n- ${m}; code: ${base === '../src' ? 'TypeScript sources (tsx)' : 'dist/ (compiled)'}`);
} finally {
  await WorkerPool.release();
  await rm(work, { recursive: true, force: true });
}
