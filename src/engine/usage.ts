/**
 * How much the repository stores, kept in the catalog so that status (the dashboard, the tray, asked every few
 * seconds) never lists the store on its own path: listing every pack of a large repository on a NAS or a bucket
 * took hundreds of milliseconds per call while a backup was writing. The figure is measured in the background, once
 * after any run that may have changed the store (this process's or another's: the catalog is shared) and at most
 * every few minutes otherwise; status shows the last measure meanwhile.
 */
import { FILE_KINDS } from '../backend/index.js';
import type { Catalog } from '../catalog/index.js';
import type { EngineContext } from './context.js';

export interface StorageUsage {
  readonly repoId: string;
  readonly snapshots: number;
  readonly storedBytes: number;
  readonly latestBytes: number;
  readonly byKind: Record<string, { files: number; bytes: number }>;
}

interface StoredUsage extends StorageUsage {
  /** When it was measured (ISO). */
  readonly at: string;
}

const SETTING = 'storage.usage';
/** A measure older than this is taken again (files written by hand, a copy healed by another tool). */
export const USAGE_MAX_AGE_MS = 10 * 60_000;

/** Lists the store: bytes per kind of file and the latest snapshot's size. Not for a request path (see status). */
export async function measureStorageUsage(ctx: EngineContext, signal?: AbortSignal): Promise<StorageUsage> {
  const repo = await ctx.repo();
  const byKind: Record<string, { files: number; bytes: number }> = {};
  let storedBytes = 0;
  for (const kind of FILE_KINDS) {
    if (kind === 'config') continue;
    const entry = { files: 0, bytes: 0 };
    for await (const f of repo.backend.list(kind, signal)) {
      entry.files++;
      entry.bytes += f.size;
    }
    byKind[kind] = entry;
    storedBytes += entry.bytes;
  }
  const snaps = await repo.listSnapshots(signal);
  const latest = snaps[snaps.length - 1];
  return { repoId: repo.id, snapshots: snaps.length, storedBytes, latestBytes: latest?.manifest.totals.bytes ?? 0, byKind };
}

/** Measures now and keeps the result in the catalog (one measure at a time per engine). */
export function refreshStorageUsage(ctx: EngineContext): Promise<StorageUsage> {
  const running = ctx.usageRefresh;
  if (running) return running;
  const started = ctx.clock.now().toISOString();
  const p = (async () => {
    const usage = await measureStorageUsage(ctx);
    const catalog = await ctx.catalog();
    const stored: StoredUsage = { ...usage, at: started };
    catalog.setSetting(SETTING, { ...stored, byKind: { ...stored.byKind } });
    return usage;
  })();
  ctx.usageRefresh = p;
  void p.then(
    () => (ctx.usageRefresh = null),
    () => (ctx.usageRefresh = null),
  );
  return p;
}

function isStoredUsage(v: unknown): v is StoredUsage {
  if (typeof v !== 'object' || v === null) return false;
  const o = v as Record<string, unknown>;
  return typeof o['at'] === 'string' && typeof o['repoId'] === 'string' && typeof o['storedBytes'] === 'number' && typeof o['latestBytes'] === 'number';
}

/**
 * The last measure from the catalog, without touching the store. When it is older than the last run (or than
 * USAGE_MAX_AGE_MS, or missing) a new measure starts in the background; its failure (an unplugged drive) is left to
 * the runs and checks that report it. Null until the first measure is done.
 */
export function cachedStorageUsage(ctx: EngineContext, catalog: Catalog, repoId: string): StorageUsage | null {
  const stored = catalog.getSetting(SETTING);
  const usage = isStoredUsage(stored) && stored.repoId === repoId ? stored : null;
  const at = usage ? Date.parse(usage.at) : NaN;
  const lastChange = catalog
    .listRuns({ limit: 5 })
    .map((r) => Math.max(Date.parse(r.startedAt), r.endedAt ? Date.parse(r.endedAt) : 0))
    .reduce((a, b) => Math.max(a, b), 0);
  const stale = usage === null || !(at >= lastChange) || ctx.clock.now().getTime() - at > USAGE_MAX_AGE_MS;
  if (stale && !ctx.closing) refreshStorageUsage(ctx).catch((err: unknown) => ctx.bus.diagnostic('storage usage', err));
  return usage;
}
