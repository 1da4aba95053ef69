/**
 * Database backups (docs/format.md §15.4): the dump streams from the dump program (or SQLite's online backup)
 * straight into content-defined chunks, deduplicated through the index; the snapshot (source.kind "database") is a
 * files tree whose root holds one file entry, e.g. `clinica.pgdump`. A failing dump fails the run with the
 * program's message; nothing is committed then (the chunks already stored go with the next prune).
 */
import os from 'node:os';
import { type ChunkSealer, FilesTreeWriter, type Repository, type SnapshotManifestV2, type SnapshotRecord } from '../repository/index.js';
import { openDump, type DbCredentials, type DbSource, type DumpMeta } from '../source/index.js';
import { EngineError, type ProgressListener, throwIfAborted } from '../shared/index.js';
import { TOOL_VERSION } from './archiver.js';
import { withChunkSealer } from './chunkSealer.js';
import type { WorkerPool } from '../pool/index.js';

export interface DatabaseBackupOptions {
  readonly source: DbSource;
  /** Read from the secret store by the caller; never logged, never in argv. */
  readonly credentials: DbCredentials;
  /** The source's label (its name in the settings, else the dump's label). */
  readonly location?: string;
  readonly parent: SnapshotRecord | null;
  readonly tags?: readonly string[];
  readonly signal?: AbortSignal;
  readonly onProgress?: ProgressListener;
  /** Where chunks are hashed, compressed and encrypted: a worker pool, null for this thread, default chosen by chunkSealerFor. */
  readonly pool?: WorkerPool | null;
}

export interface DatabaseBackupResult {
  readonly snapshotId: string;
  readonly manifest: SnapshotManifestV2;
  readonly meta: DumpMeta;
  readonly newChunks: number;
}

function safeUser(): string {
  try {
    return os.userInfo().username;
  } catch {
    return 'unknown';
  }
}

async function* counted(stream: AsyncIterable<Buffer>, onBytes: (n: number) => void): AsyncGenerator<Buffer> {
  let n = 0;
  let last = 0;
  for await (const b of stream) {
    n += b.length;
    if (n - last >= 8 * 1024 * 1024) {
      last = n;
      onBytes(n);
    }
    yield b;
  }
  onBytes(n);
}

/** The name a database source's snapshots share when the settings give none. */
export function databaseLocation(source: DbSource): string {
  return source.kind === 'sqlite'
    ? `sqlite:${source.path}`
    : `${source.kind}:${source.database}${'host' in source && source.host ? `@${source.host}${source.port !== undefined ? `:${source.port}` : ''}` : ''}`;
}

/**
 * Dumps one database into a new snapshot. The caller holds the repository lock. The chunks are sealed where
 * options.pool says (chunkSealerFor: by default this thread on 2 cores, the background pool with 3+ cores).
 */
export function backupDatabase(repo: Repository, options: DatabaseBackupOptions): Promise<DatabaseBackupResult> {
  return withChunkSealer(repo, options.pool, (sealer) => runDatabaseBackup(repo, options, sealer));
}

async function runDatabaseBackup(repo: Repository, options: DatabaseBackupOptions, sealer: ChunkSealer | null): Promise<DatabaseBackupResult> {
  const { signal, onProgress } = options;
  if (repo.version !== 2) throw new EngineError('REPO_NEEDS_MIGRATION', { location: repo.backend.location });
  await repo.loadIndex(signal);
  const started = new Date();
  const dump = await openDump(options.source, options.credentials, signal ? { signal } : {});
  const writer = repo.writer2();
  const files = new FilesTreeWriter(repo, writer, sealer);
  const stored = await files.addContent(
    counted(dump.stream, (bytes) => onProgress?.({ type: 'progress', op: 'backup', phase: 'dump', done: bytes, unit: 'bytes', bytes, subject: dump.meta.fileName })),
    signal,
  );
  throwIfAborted(signal);
  const mtimeNs = String(BigInt(started.getTime()) * 1_000_000n);
  const root = await files.addDirectory([{ name: dump.meta.fileName, type: 'file', mode: 0o600, mtimeNs, size: stored.size, content: stored.content }]);
  await writer.flush();
  throwIfAborted(signal);
  const src = options.source;
  const manifest: SnapshotManifestV2 = {
    version: 2,
    time: started.toISOString(),
    hostname: os.hostname(),
    username: safeUser(),
    toolVersion: TOOL_VERSION,
    parent: options.parent?.id ?? null,
    source: { kind: 'database', location: options.location ?? databaseLocation(src), strategy: dump.meta.tool, engine: src.kind, database: src.kind === 'sqlite' ? src.path : src.database },
    serverTransactionTime: null,
    mode: 'full',
    counts: { files: 1 },
    totals: {
      resources: 0,
      bytes: stored.size,
      added: 1,
      changed: 0,
      deleted: 0,
      unchanged: 0,
      newBlobs: writer.stats.newBlobs,
      newBlobBytes: writer.stats.newBlobBytes,
      storedBytesAdded: writer.stats.storedBytes,
    },
    tree: { kind: 'files', root },
    dictionaries: {},
    attachments: null,
    partial: false,
    problems: [],
    problemCount: 0,
    tags: [...(options.tags ?? [])],
  };
  const snapshotId = await repo.saveSnapshot(manifest);
  return { snapshotId, manifest, meta: dump.meta, newChunks: stored.newChunks };
}
