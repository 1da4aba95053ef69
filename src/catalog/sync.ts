/**
 * Keeping the local catalog in step with the repository (the source of truth):
 *  - the snapshot cache, rebuilt from the repository's snapshot list (which copies hold a snapshot is local
 *    knowledge and is kept);
 *  - the audit trail, appended to the catalog and mirrored into the repository's audit/ files (one sealed entry
 *    each, so the trail survives the PC); a new or rebuilt catalog continues the repository's trail.
 */
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { Clock } from '../scheduler/index.js';
import type { Repository } from '../repository/index.js';
import { type DestinationConfig, ensurePrivateDir, writePrivateFile } from '../shared/index.js';
import { verifyStoredAuditChain, type StoredAuditEntry } from './auditTrail.js';
import { Catalog } from './catalog.js';
import type { JsonValue } from './canonicalJson.js';

/** The catalog's file in a repository's state folder (a file name, not a message key). */
const CATALOG_FILE = `catalog.sqlite`;

/** Recreates the snapshot cache from the repository; returns how many snapshots it holds. */
export async function refreshSnapshotCache(catalog: Catalog, repo: Repository, location: string): Promise<number> {
  const snaps = await repo.listSnapshots();
  const known = new Map(catalog.listSnapshots().map((s) => [s.id, s.destinations]));
  catalog.replaceSnapshots(
    snaps.map((s) => ({
      id: s.id,
      time: s.manifest.time,
      parent: s.manifest.parent,
      source: s.manifest.source.location,
      counts: s.manifest.counts,
      destinations: [...new Set([location, ...(known.get(s.id) ?? [])])],
    })),
  );
  return snaps.length;
}

/** How far the audit trail was mirrored, per copy of the repository (each destination receives every entry). */
function mirrorStateFile(stateDir: string, location: string): string {
  return path.join(stateDir, `audit-mirror-${createHash('sha256').update(location).digest('hex').slice(0, 16)}.json`);
}

async function saveMirroredSeq(stateDir: string, repo: Repository, seq: number, options: { suspended?: boolean } = {}): Promise<void> {
  await writePrivateFile(mirrorStateFile(stateDir, repo.backend.location), JSON.stringify({ mirroredSeq: seq, location: repo.backend.location, ...(options.suspended ? { suspended: true } : {}) }));
}

/**
 * Copies every catalog audit entry not yet in the repository into audit/ (the catalog also audits its own
 * settings changes). A crash between the copy and the bookkeeping only duplicates an identical entry.
 */
export async function mirrorAudit(catalog: Catalog, repo: Repository, stateDir: string): Promise<void> {
  let text: string;
  try {
    text = await readFile(mirrorStateFile(stateDir, repo.backend.location), 'utf8');
  } catch (err) {
    // A copy not seen before gets the whole trail; entries it already holds (e.g. replicated) are identical duplicates.
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    text = '{"mirroredSeq":0}';
  }
  let state: { mirroredSeq?: number; suspended?: boolean };
  try {
    state = JSON.parse(text) as typeof state;
  } catch {
    // A torn bookkeeping file (crash while writing): mirroring again from the start only duplicates identical entries.
    state = { mirroredSeq: 0 };
  }
  if (state.suspended) return;
  let seq = state.mirroredSeq ?? 0;
  for (;;) {
    const batch = catalog.listAudit({ afterSeq: seq, limit: 500 });
    if (batch.length === 0) break;
    for (const e of batch) await repo.writeAuditEntry(e);
    seq = (batch[batch.length - 1] as { seq: number }).seq;
    await saveMirroredSeq(stateDir, repo, seq);
  }
}

/** Identical copies of an entry (a crash between mirroring and bookkeeping) count once. */
function dedupeAudit(entries: readonly StoredAuditEntry[]): StoredAuditEntry[] {
  const bySeq = new Map<number, StoredAuditEntry>();
  for (const e of entries) if (!bySeq.has(e.seq) || bySeq.get(e.seq)?.hash === e.hash) bySeq.set(e.seq, e);
  return [...bySeq.values()];
}

export interface OpenedCatalog {
  readonly catalog: Catalog;
  /** Set when the catalog was damaged and made anew (the audit entry "catalog.rebuilt" records it). */
  readonly rebuilt: { readonly reason: string; readonly movedTo: string | null } | null;
}

/**
 * Opens the catalog of a repository in its private state folder, rebuilt from the repository when new or
 * damaged. A new or rebuilt catalog continues the audit trail kept in the repository.
 */
export async function openRepositoryCatalog(repo: Repository, stateDir: string, location: string, clock?: Clock): Promise<OpenedCatalog> {
  // The local state (catalog with patient ids, journals, settings) is the owner's only.
  await ensurePrivateDir(path.dirname(stateDir));
  await ensurePrivateDir(stateDir);
  const opened = Catalog.open(path.join(stateDir, CATALOG_FILE), clock ? { clock } : {});
  if (opened.rebuilt || opened.catalog.listSnapshots(1).length === 0) await refreshSnapshotCache(opened.catalog, repo, location);
  if (opened.catalog.listAudit({ limit: 1 }).length === 0) {
    const stored = await repo.readAuditEntries();
    if (stored.entries.length > 0 && stored.damaged.length === 0 && verifyStoredAuditChain(stored.entries).ok) {
      const imported = opened.catalog.importAudit(dedupeAudit(stored.entries as StoredAuditEntry[]));
      await saveMirroredSeq(stateDir, repo, imported);
    } else if (stored.entries.length > 0 || stored.damaged.length > 0) {
      // The repository's trail cannot be continued (an entry is damaged): this catalog's entries stay local
      // rather than write a second, conflicting chain over it. check reports the damage.
      await saveMirroredSeq(stateDir, repo, 0, { suspended: true });
    } else await saveMirroredSeq(stateDir, repo, 0);
  }
  return { catalog: opened.catalog, rebuilt: opened.rebuilt ? { reason: opened.reason ?? 'unknown', movedTo: opened.movedTo ?? null } : null };
}

/** Copies added from the user interface, as stored in settings (malformed entries are ignored). */
export function storedCopiesOf(catalog: Catalog): DestinationConfig[] {
  const v = catalog.getSetting('copies');
  if (!Array.isArray(v)) return [];
  return v.filter(isDestinationConfig);
}

function isDestinationConfig(c: JsonValue): c is JsonValue & DestinationConfig {
  if (typeof c !== 'object' || c === null || Array.isArray(c)) return false;
  const o = c as { readonly [key: string]: JsonValue };
  return typeof o['location'] === 'string' && ['nas', 'usb', 's3', 'local'].includes(String(o['kind']));
}
