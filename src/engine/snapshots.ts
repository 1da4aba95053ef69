/** Use cases: what the repository holds — its snapshots and its size. */
import { FILE_KINDS } from '../backend/types.js';
import { codecName, CODEC_BROTLI, CODEC_ZSTD, zstdAvailable } from '../repository/codec.js';
import type { SnapshotRecord } from '../repository/snapshot.js';
import { summarizeSnapshot } from '../repository/summary.js';
import type { RepoStats, SnapshotSummary } from '../shared/contract.js';
import type { EngineContext } from './context.js';

export async function snapshots(ctx: EngineContext): Promise<SnapshotSummary[]> {
  return (await (await ctx.repo()).listSnapshots()).map(summarizeSnapshot);
}

export async function snapshot(ctx: EngineContext, ref: string): Promise<{ summary: SnapshotSummary; manifest: SnapshotRecord['manifest'] }> {
  const s = await (await ctx.repo()).findSnapshot(ref);
  return { summary: summarizeSnapshot(s), manifest: s.manifest };
}

export async function stats(ctx: EngineContext): Promise<RepoStats> {
  const repo = await ctx.repo();
  await repo.loadIndex();
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
  const latestBytes = latest?.manifest.totals.bytes ?? 0;
  return {
    repoId: repo.id,
    location: ctx.location,
    snapshots: snaps.length,
    packs: repo.index.packCount,
    blobs: repo.index.size,
    storedBytes,
    latestBytes,
    compressionRatio: storedBytes > 0 ? latestBytes / storedBytes : 0,
    byKind,
    codec: codecName(zstdAvailable() ? CODEC_ZSTD : CODEC_BROTLI),
  };
}
