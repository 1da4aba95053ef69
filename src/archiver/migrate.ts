/**
 * `migrate` (docs/format.md §21.4): converts a version 1 repository to version 2 in place, crash-safely.
 *
 *  1. Every version 1 snapshot, oldest first, is written again as a version 2 snapshot (its `migratedFrom` names
 *     it) through the backup pipeline: its resources' exact bytes are read from the version 1 blobs and fed to an
 *     Archiver whose parent is the previous migrated snapshot of the same source, so unchanged resources are
 *     stored once and trees become deltas. Time, host, user, source, mode, server time, problems and tags are
 *     kept. A snapshot already migrated is skipped: an interrupted migration resumes.
 *  2. config is rewritten with version 2 (the commit point): before it, version 1 readers see the repository as
 *     it was; after it, version 2 readers ignore the version 1 files.
 *  3. The version 1 snapshot, index and pack files are deleted.
 * Key slots, locks and audit files stay (same master key and subkeys).
 */
import { encodeConfig, PACK1_MAGIC, readResources, type RepoConfig, type Repository, type ResourceRow, type SnapshotManifestV2, type SnapshotRecord, snapshotRows } from '../repository/index.js';
import { EngineError, type LongOperationOptions, throwIfAborted } from '../shared/index.js';
import type { WorkerPool } from '../pool/index.js';
import { Archiver } from './archiver.js';

export interface MigrateOptions extends LongOperationOptions {
  readonly now?: () => Date;
  readonly pool?: WorkerPool;
  /** Called at each step (tests stop the process there to prove a kill at any point is safe). */
  readonly onStep?: (step: string) => void | Promise<void>;
}

export interface MigrateResult {
  /** Snapshots converted by this run. */
  readonly migrated: number;
  /** Snapshots an earlier, interrupted run had converted already. */
  readonly alreadyMigrated: number;
  /** Version 1 files deleted at the end. */
  readonly deletedFiles: number;
  /** The repository was version 2 already (a rerun only finishes the clean-up). */
  readonly wasVersion2: boolean;
}

/** Resources are read and fed in batches of this many rows (one batch in memory at a time). */
const ROWS_PER_BATCH = 20_000;

async function step(options: MigrateOptions, name: string): Promise<void> {
  await options.onStep?.(name);
}

/** Migrates the repository `repo` (opened with its key; version 1, or version 2 left by an interrupted clean-up). */
export async function migrateRepository(repo: Repository, options: MigrateOptions = {}): Promise<MigrateResult> {
  const { signal, onProgress } = options;
  if (repo.version === 2) {
    const deletedFiles = await deleteVersion1Files(repo, options);
    return { migrated: 0, alreadyMigrated: 0, deletedFiles, wasVersion2: true };
  }
  const v1Snaps = await repo.listSnapshots(signal);
  if ((await repo.listSnapshotIds(signal)).length > v1Snaps.length + (await countVersion2Snapshots(repo, signal))) {
    // A damaged version 1 snapshot would be lost silently: check names it; migrate refuses.
    throw new EngineError('SNAPSHOT_CORRUPT', { file: 'snapshots/ (run check; migrate refuses while a snapshot is unreadable)' });
  }
  await repo.loadIndex(signal);
  const v2 = repo.migrationView();
  await v2.loadIndex(signal);
  const done = new Map<string, SnapshotRecord>();
  for (const s of await v2.listSnapshots(signal)) if (s.manifest.version === 2 && s.manifest.migratedFrom) done.set(s.manifest.migratedFrom, s);
  let migrated = 0;
  let alreadyMigrated = 0;
  const latestBySource = new Map<string, SnapshotRecord>();
  const sourceKey = (s: SnapshotRecord): string => `${s.manifest.source.kind}|${s.manifest.source.location}`;
  for (let i = 0; i < v1Snaps.length; i++) {
    throwIfAborted(signal);
    const old = v1Snaps[i] as SnapshotRecord;
    onProgress?.({ type: 'progress', op: 'migrate', phase: 'snapshots', done: i, total: v1Snaps.length, unit: 'steps', subject: old.id.slice(0, 8) });
    const existing = done.get(old.id);
    if (existing) {
      alreadyMigrated++;
      latestBySource.set(sourceKey(old), existing);
      continue;
    }
    const parent = latestBySource.get(sourceKey(old)) ?? null;
    const m = old.manifest;
    const archiver = new Archiver(v2, {
      source: m.source,
      mode: 'full',
      parent,
      tags: m.tags,
      signal,
      pool: options.pool,
      snapshots: [...latestBySource.values()],
      finishManifest: (fresh): SnapshotManifestV2 => ({
        ...fresh,
        time: m.time,
        hostname: m.hostname,
        username: m.username,
        toolVersion: m.toolVersion,
        mode: m.mode,
        serverTransactionTime: m.serverTransactionTime,
        partial: m.partial,
        problems: m.problems,
        problemCount: m.problemCount,
        tags: m.tags,
        migratedFrom: old.id,
      }),
    });
    await archiver.begin();
    try {
      let batch: ResourceRow[] = [];
      const feed = async (): Promise<void> => {
        for await (const d of readResources(repo, batch, { signal })) {
          if (d.error) throw d.error;
          await archiver.addLine(d.bytes, { file: `${d.row.type}/${d.row.id}`, line: 1 });
        }
        batch = [];
      };
      for await (const row of snapshotRows(repo, old, {}, signal)) {
        batch.push(row);
        if (batch.length >= ROWS_PER_BATCH) await feed();
      }
      await feed();
    } catch (err) {
      await archiver.close();
      throw err;
    }
    const r = await archiver.commit();
    if (r.manifest.totals.resources !== m.totals.resources) {
      throw new EngineError('INTEGRITY_ERROR', { problems: 1, reason: `snapshot ${old.id.slice(0, 8)}: ${m.totals.resources} resources in version 1, ${r.manifest.totals.resources} after migration` });
    }
    latestBySource.set(sourceKey(old), { id: r.snapshotId, manifest: r.manifest });
    migrated++;
    await step(options, `snapshot:${i + 1}`);
  }
  // 2. The commit point.
  const config: RepoConfig = { ...repo.config, version: 2, migrated: (options.now?.() ?? new Date()).toISOString(), params: v2.config.params };
  await repo.backend.write({ kind: 'config', name: 'config' }, encodeConfig(config));
  await step(options, 'config');
  // 3. Clean-up (a rerun of migrate on the version 2 repository finishes it).
  const deletedFiles = await deleteVersion1Files(v2, options);
  onProgress?.({ type: 'progress', op: 'migrate', phase: 'snapshots', done: v1Snaps.length, total: v1Snaps.length, unit: 'steps' });
  return { migrated, alreadyMigrated, deletedFiles, wasVersion2: false };
}

async function countVersion2Snapshots(repo: Repository, signal?: AbortSignal): Promise<number> {
  let n = 0;
  for (const s of await repo.migrationView().listSnapshots(signal)) if (s.manifest.version === 2) n++;
  return n;
}

/** Deletes version 1 snapshot, index and pack files of a version 2 repository (in that order: nothing dangles). */
async function deleteVersion1Files(repo: Repository, options: MigrateOptions): Promise<number> {
  const { signal } = options;
  const backend = repo.backend;
  let deleted = 0;
  for (const kind of ['snapshots', 'index'] as const) {
    for await (const f of backend.list(kind, signal)) {
      const head = await backend.read(f, { offset: 0, length: 3 }, signal).catch(() => null);
      if (!head || head[0] !== 0x43 || head[1] !== 0x42 || head[2] !== 1) continue;
      await backend.delete(f, signal);
      deleted++;
      await step(options, `delete:${deleted}`);
    }
  }
  await repo.loadIndex(signal);
  for await (const f of backend.list('data', signal)) {
    if (repo.store.index.hasPack(f.name) || f.size < 8) continue;
    const tail = await backend.read(f, { offset: f.size - 4, length: 4 }, signal).catch(() => null);
    if (!tail || !tail.equals(PACK1_MAGIC)) continue;
    await backend.delete(f, signal);
    deleted++;
    await step(options, `delete:${deleted}`);
  }
  return deleted;
}
