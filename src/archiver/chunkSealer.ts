/**
 * The worker pool as the ChunkSealer of folder and database backups (ARCHITECTURE.md §5): blob ids, compression
 * and encryption of file chunks run in the pool's threads, as for FHIR backups, so the process hosting the engine
 * keeps a free event loop while a 2 GB folder is read. One pool context (the repository's keys) per backup run.
 */
import { backgroundPoolSize, type SealedChunk, WorkerPool } from '../pool/index.js';
import type { ChunkSealer, Repository } from '../repository/index.js';

export interface PoolChunkSealer extends ChunkSealer {
  /** Drops the keys from the workers (call when the run ends, whatever its outcome). */
  close(): void;
}

const own = (u: Uint8Array): Buffer => Buffer.from(u.buffer, u.byteOffset, u.byteLength);

export function poolChunkSealer(repo: Repository, pool: WorkerPool = WorkerPool.background()): PoolChunkSealer {
  const ctx = pool.createContext(repo.workerKeys(), null);
  return {
    parallelism: pool.size,
    async ids(data, lengths) {
      const r = await pool.run<{ ids: Uint8Array; data: Uint8Array }>('chunkIds', ctx, { data, lengths }, [data.buffer as ArrayBuffer]);
      return { ids: own(r.ids), data: own(r.data) };
    },
    async seal(data, lengths, pick, level) {
      const r = await pool.run<SealedChunk[]>('sealChunks', ctx, { data, lengths, pick, level }, [data.buffer as ArrayBuffer]);
      return r.map((c) => ({ index: c.index, envelope: own(c.envelope), raw: c.raw }));
    },
    close: () => pool.dropContext(ctx),
  };
}

/**
 * Where a folder or database backup seals its chunks: the given pool, this thread for `null`, and by default the
 * background pool only when it has two workers or more (3+ cores). Measured on 2 cores (docs/benchmarks.md,
 * bench:files-pool), sealing with the single background worker cost ~60 % more CPU and wall time than on this
 * thread: the hand-off of every chunk outweighs one worker, while this thread still cuts the chunks.
 */
export function chunkSealerFor(repo: Repository, pool: WorkerPool | null | undefined): PoolChunkSealer | null {
  if (pool === null) return null;
  if (pool === undefined && backgroundPoolSize() < 2) return null;
  return poolChunkSealer(repo, pool);
}

/** Runs a backup with the sealer chunkSealerFor picks (null: this thread), closed however the backup ends. */
export async function withChunkSealer<T>(repo: Repository, pool: WorkerPool | null | undefined, backup: (sealer: ChunkSealer | null) => Promise<T>): Promise<T> {
  const sealer = chunkSealerFor(repo, pool);
  try {
    return await backup(sealer);
  } finally {
    sealer?.close();
  }
}
