/**
 * `repair snapshots`: for each snapshot whose data or listing is (partly) gone, writes a repaired successor that
 * holds everything still readable and lists everything lost, like restic's `repair snapshots` but without
 * rewriting history: the damaged snapshot is never changed or deleted (forget it explicitly once the successor
 * is checked). The successor keeps the original's time (an "as of" restore still finds that moment) and sorts
 * right after it, so "latest" is the repaired one.
 *
 * "Gone" means what storage no longer has: a blob no pack holds, or whose pack is missing. Damaged bytes inside a
 * present pack are found by `check --read-data` and healed from another copy with `check --repair`.
 */
import os from 'node:os';
import { type LongOperationOptions, throwIfAborted } from '../shared/index.js';
import { repairSnapshot as repairSnapshotV2 } from './repair2.js';
import type { Repository } from './repository.js';
import type { SnapshotManifestV1, SnapshotRecord } from './snapshot.js';
import { rowBlob, rowId, type DeltaChange } from './tree.js';
import { salvageTreeRows, writeTree, type ListingLoss } from './treeStore.js';

export interface SnapshotRepair {
  readonly snapshot: string;
  readonly successor: string;
  /** Every lost resource, "Type/id". */
  readonly lost: readonly string[];
  readonly lostListing: readonly ListingLoss[];
  /** Resources the successor holds. */
  readonly kept: number;
}

export interface RepairSnapshotsResult {
  readonly repaired: readonly SnapshotRepair[];
  /** Damaged snapshots that already have a repaired successor (left alone). */
  readonly alreadyRepaired: readonly string[];
  readonly intact: number;
}

export async function repairSnapshots(repo: Repository, options: LongOperationOptions & { now?: () => Date } = {}): Promise<RepairSnapshotsResult> {
  if (repo.version === 2) return repairSnapshotsV2(repo, options);
  const { signal, onProgress } = options;
  await repo.loadIndex(signal, { refresh: true });
  const missingPacks = repo.indexState.missingPacks;
  const readable = (blob: string): boolean => {
    const loc = repo.index.get(Buffer.from(blob, 'hex'));
    return loc !== null && !missingPacks.has(loc.pack.id);
  };
  const snaps = await repo.listSnapshots(signal);
  const repairedAlready = new Set(snaps.map((s) => s.manifest.repairedFrom).filter((x): x is string => typeof x === 'string'));
  const repaired: SnapshotRepair[] = [];
  const alreadyRepaired: string[] = [];
  let intact = 0;
  let done = 0;
  for (const snap of snaps) {
    throwIfAborted(signal);
    const found = await survey(repo, snap, readable, signal);
    onProgress?.({ type: 'progress', op: 'repair', phase: 'snapshots', done: ++done, total: snaps.length, unit: 'steps' });
    if (found.lost.length === 0 && found.lostListing.length === 0) {
      intact++;
      continue;
    }
    if (repairedAlready.has(snap.id)) {
      alreadyRepaired.push(snap.id);
      continue;
    }
    const successor = await writeSuccessor(repo, snap, found, options.now?.() ?? new Date(), signal);
    repaired.push({ snapshot: snap.id, successor, lost: found.lost, lostListing: found.lostListing, kept: found.kept.size === 0 ? 0 : [...found.kept.values()].reduce((n, l) => n + l.length, 0) });
  }
  return { repaired, alreadyRepaired, intact };
}

interface Survey {
  /** Readable rows per type, sorted by id. */
  readonly kept: Map<string, string[]>;
  readonly lost: string[];
  readonly lostListing: ListingLoss[];
}

async function survey(repo: Repository, snap: SnapshotRecord, readable: (blob: string) => boolean, signal?: AbortSignal): Promise<Survey> {
  const tree = (snap.manifest as SnapshotManifestV1).tree;
  const lostListing: ListingLoss[] = [];
  const kept = new Map<string, string[]>();
  const lost: string[] = [];
  // Tree blobs in missing packs are skipped up front (salvage would also find them unreadable).
  for await (const { type, row } of salvageTreeRows(repo, tree, snap.manifest.counts, lostListing, { signal })) {
    if (!readable(rowBlob(row))) {
      lost.push(`${type}/${rowId(row)}`);
      continue;
    }
    let list = kept.get(type);
    if (!list) kept.set(type, (list = []));
    list.push(row);
  }
  return { kept, lost, lostListing };
}

async function writeSuccessor(repo: Repository, snap: SnapshotRecord, found: Survey, now: Date, signal?: AbortSignal): Promise<string> {
  const writer = repo.writer();
  const changes = new Map<string, DeltaChange[]>();
  const counts: Record<string, number> = {};
  let total = 0;
  let bytes = 0;
  for (const [type, rows] of found.kept) {
    changes.set(
      type,
      rows.map((row) => ({ type, id: rowId(row), row })),
    );
    counts[type] = rows.length;
    total += rows.length;
    for (const row of rows) bytes += Number(row.slice(row.lastIndexOf('\t') + 1)) || 0;
  }
  const tree = await writeTree(repo, writer, null, changes, total, signal);
  await writer.flush();
  const m = snap.manifest as SnapshotManifestV1;
  const manifest: SnapshotManifestV1 = {
    ...m,
    hostname: os.hostname(),
    counts,
    totals: {
      resources: total,
      bytes,
      added: 0,
      changed: 0,
      deleted: 0,
      unchanged: total,
      newBlobs: writer.stats.newBlobs,
      newBlobBytes: writer.stats.newBlobBytes,
      storedBytesAdded: writer.stats.storedBytes,
    },
    tree,
    partial: true,
    problems: [{ code: 'BLOB_MISSING', reason: `repaired from ${snap.id.slice(0, 8)}: ${found.lost.length} resource(s) lost` }],
    problemCount: found.lost.length + found.lostListing.reduce((n, l) => n + (l.resources ?? 0), 0),
    tags: [...new Set([...m.tags, 'repaired'])],
    repairedFrom: snap.id,
    repairedAt: now.toISOString(),
    lost: found.lost,
    lostListing: found.lostListing,
  };
  return repo.saveSnapshot(manifest);
}

/** Version 2: the same contract over repair2's successor writer (resources and files trees). */
async function repairSnapshotsV2(repo: Repository, options: LongOperationOptions & { now?: () => Date }): Promise<RepairSnapshotsResult> {
  const { signal, onProgress } = options;
  await repo.loadIndex(signal, { refresh: true });
  const snaps = await repo.listSnapshots(signal);
  const repairedAlready = new Set(snaps.map((s) => s.manifest.repairedFrom).filter((x): x is string => typeof x === 'string'));
  const repaired: SnapshotRepair[] = [];
  const alreadyRepaired: string[] = [];
  let intact = 0;
  let done = 0;
  for (const snap of snaps) {
    throwIfAborted(signal);
    onProgress?.({ type: 'progress', op: 'repair', phase: 'snapshots', done: done++, total: snaps.length, unit: 'steps' });
    if (repairedAlready.has(snap.id)) {
      // Only damaged snapshots get successors, so one that has a successor is damaged: left alone.
      alreadyRepaired.push(snap.id);
      continue;
    }
    const r = await repairSnapshotV2(repo, snap, options);
    if (r.snapshotId === null) intact++;
    else repaired.push({ snapshot: snap.id, successor: r.snapshotId, lost: r.lost, lostListing: r.lostListing, kept: r.kept });
  }
  onProgress?.({ type: 'progress', op: 'repair', phase: 'snapshots', done, total: snaps.length, unit: 'steps' });
  return { repaired, alreadyRepaired, intact };
}
