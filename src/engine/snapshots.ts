/** Use cases: what the repository holds — its snapshots and its size. */
import { FILE_KINDS } from '../backend/index.js';
import { CODEC_BROTLI, CODEC_ZSTD, codecName, type SnapshotRecord, summarizeSnapshot, zstdAvailable } from '../repository/index.js';
import type { RepoStats, SnapshotSummary } from '../shared/index.js';
import type { EngineContext } from './context.js';

export async function snapshots(ctx: EngineContext): Promise<SnapshotSummary[]> {
  return (await (await ctx.repo()).listSnapshots()).map(summarizeSnapshot);
}

export async function snapshot(ctx: EngineContext, ref: string): Promise<{ summary: SnapshotSummary; manifest: SnapshotRecord['manifest'] }> {
  const s = await (await ctx.repo()).findSnapshot(ref);
  return { summary: summarizeSnapshot(s), manifest: s.manifest };
}

/** Bytes stored per kind of file and the latest snapshot's size: what status needs, without loading the index. */
export async function storageUsage(
  ctx: EngineContext,
): Promise<{ repoId: string; snapshots: number; storedBytes: number; latestBytes: number; byKind: Record<string, { files: number; bytes: number }> }> {
  const repo = await ctx.repo();
  const byKind: Record<string, { files: number; bytes: number }> = {};
  let storedBytes = 0;
  for (const kind of FILE_KINDS) {
    if (kind === 'config') continue;
    const entry = { files: 0, bytes: 0 };
    for await (const f of repo.backend.list(kind)) {
      entry.files++;
      entry.bytes += f.size;
    }
    byKind[kind] = entry;
    storedBytes += entry.bytes;
  }
  const snaps = await repo.listSnapshots();
  const latest = snaps[snaps.length - 1];
  return { repoId: repo.id, snapshots: snaps.length, storedBytes, latestBytes: latest?.manifest.totals.bytes ?? 0, byKind };
}

export async function stats(ctx: EngineContext): Promise<RepoStats> {
  const usage = await storageUsage(ctx);
  const repo = await ctx.repo();
  // Pack and blob counts need the index (the only part of stats that does).
  await repo.loadIndex();
  return {
    repoId: usage.repoId,
    location: ctx.location,
    snapshots: usage.snapshots,
    packs: repo.version === 2 ? repo.store.index.packCount : repo.index.packCount,
    blobs: repo.version === 2 ? repo.store.index.size : repo.index.size,
    storedBytes: usage.storedBytes,
    latestBytes: usage.latestBytes,
    compressionRatio: usage.storedBytes > 0 ? usage.latestBytes / usage.storedBytes : 0,
    byKind: usage.byKind,
    codec: codecName(zstdAvailable() ? CODEC_ZSTD : CODEC_BROTLI),
  };
}
