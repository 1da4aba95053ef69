/**
 * The pool as the reader's BlobOpener: frames of a restore or a check are decrypted, decompressed and verified in
 * the workers, a few per task. A dictionary a worker lacks is read once through the index and sent to all workers.
 */
import { type BlobOpener, DICTIONARY_UNREADABLE, type OpenOutcome, type OpenRequest, type Repository } from '../repository/index.js';
import { WorkerPool } from './pool.js';
import type { OpenResult } from './tasks.js';

const ITEMS_PER_TASK = 8;

export interface PoolOpener extends BlobOpener {
  /** Releases the workers' copy of the keys. */
  close(): void;
}

export function poolOpener(repo: Repository, pool: WorkerPool = WorkerPool.shared()): PoolOpener {
  let ctx = 0;
  const context = (): number => (ctx ||= pool.createContext(repo.workerKeys()));
  const runBatch = async (items: readonly OpenRequest[], signal?: AbortSignal): Promise<OpenOutcome[]> => {
    for (let attempt = 0; ; attempt++) {
      // Each envelope is copied into its own buffer and moved to the worker (a view would clone its whole read buffer).
      const stored = items.map((it) => new Uint8Array(it.stored));
      const results = await pool.run<OpenResult[]>(
        'open',
        context(),
        { items: items.map((it, k) => ({ id: new Uint8Array(it.id), stored: stored[k], raw: it.raw, lines: it.lines, mode: it.mode, write: it.write })) },
        stored.map((s) => s.buffer),
      );
      const missing = new Set<string>();
      for (const r of results) if (!r.ok && 'needDict' in r) missing.add(r.needDict);
      if (missing.size === 0 || attempt > 0) {
        const buf = (b: Uint8Array | undefined): Buffer | undefined => (b ? Buffer.from(b.buffer, b.byteOffset, b.byteLength) : undefined);
        return results.map((r): OpenOutcome =>
          r.ok
            ? { ok: true, content: buf(r.content), out: buf(r.out), lineOk: r.lineOk, written: r.written, writeError: r.writeError }
            : { ok: false, reason: 'reason' in r ? r.reason : DICTIONARY_UNREADABLE },
        );
      }
      for (const id of missing) {
        try {
          pool.addDictionary(await repo.store.dictionary(Buffer.from(id, 'hex'), signal));
        } catch {
          // An unreadable dictionary: the frames that need it are reported as damaged on the retry.
        }
      }
    }
  };
  return {
    async open(items, signal) {
      const tasks: Promise<OpenOutcome[]>[] = [];
      for (let i = 0; i < items.length; i += ITEMS_PER_TASK) tasks.push(runBatch(items.slice(i, i + ITEMS_PER_TASK), signal));
      return (await Promise.all(tasks)).flat();
    },
    close() {
      if (ctx) pool.dropContext(ctx);
      ctx = 0;
    },
  };
}
