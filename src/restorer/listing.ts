/** `ls`: the resources of a snapshot (or of one patient, some types) with their version and size. */
import { readResources, type Repository, type ResourceRow } from '../repository/index.js';
import type { ResourceListing } from '../shared/index.js';

/**
 * Rows as listings, sorted by type then id. Version 1 rows carry versionId and lastUpdated; version 2 stores only
 * the resource, so its meta is read from the resource bytes (in storage order, each frame once).
 */
export async function listResources(repo: Repository, rows: readonly ResourceRow[], signal?: AbortSignal): Promise<ResourceListing[]> {
  const out: ResourceListing[] = rows.map((r) => ({ type: r.type, id: r.id, versionId: r.versionId, lastUpdated: r.lastUpdated, size: r.size, patients: r.patients }));
  if (repo.version === 2) {
    for await (const d of readResources(repo, rows, { signal })) {
      if (d.error) continue;
      const meta = metaOf(d.bytes);
      out[d.index] = { ...(out[d.index] as ResourceListing), versionId: meta.versionId, lastUpdated: meta.lastUpdated };
    }
  }
  return out.sort((a, b) => (a.type < b.type ? -1 : a.type > b.type ? 1 : a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
}

function metaOf(bytes: Buffer): { versionId: string | null; lastUpdated: string | null } {
  try {
    const meta = (JSON.parse(bytes.toString('utf8')) as { meta?: { versionId?: unknown; lastUpdated?: unknown } }).meta;
    return { versionId: typeof meta?.versionId === 'string' ? meta.versionId : null, lastUpdated: typeof meta?.lastUpdated === 'string' ? meta.lastUpdated : null };
  } catch {
    return { versionId: null, lastUpdated: null };
  }
}
