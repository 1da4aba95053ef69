/** Use cases: what the repository holds — its snapshots and its size. */
import { CODEC_BROTLI, CODEC_ZSTD, codecName, type SnapshotRecord, summarizeSnapshot, zstdAvailable } from '../repository/index.js';
import type { RepoStats, SnapshotSummary } from '../shared/index.js';
import type { EngineContext } from './context.js';
import { refreshStorageUsage } from './usage.js';

export async function snapshots(ctx: EngineContext): Promise<SnapshotSummary[]> {
  return (await (await ctx.repo()).listSnapshots()).map(summarizeSnapshot);
}

export async function snapshot(ctx: EngineContext, ref: string): Promise<{ summary: SnapshotSummary; manifest: SnapshotRecord['manifest'] }> {
  const s = await (await ctx.repo()).findSnapshot(ref);
  return { summary: summarizeSnapshot(s), manifest: s.manifest };
}

export async function stats(ctx: EngineContext): Promise<RepoStats> {
  // The stats command measures now (and keeps the figure for status).
  const usage = await refreshStorageUsage(ctx);
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
