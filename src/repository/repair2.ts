/**
 * Repair primitives of a version 2 repository (docs/format.md §21.3), for `repair index` and `repair snapshots`
 * (the CLI commands are wired like the version 1 ones):
 *  - repairIndex: reads the header of every pack (its tail only) and writes one index file superseding every
 *    index file present, then deletes those; packs whose header cannot be read are reported, not indexed;
 *  - repairSnapshot: for a snapshot whose blobs are gone, writes a successor without the lost rows or files,
 *    with `repairedFrom` naming the damaged snapshot and listing what was lost. The damaged snapshot is never
 *    deleted or rewritten.
 */
import os from 'node:os';
import { EngineError, isEngineError, isIntegrityCode, type LongOperationOptions, throwIfAborted } from '../shared/index.js';
import { FormatError } from './bytes.js';
import { decodeDirNode, encodeDirNode, type DirNode, type TreeEntry } from './fileTree.js';
import { BlobType, PACK1_MAGIC, PACK2_TRAILER, type PackRecord2 } from './pack2.js';
import { readCompact, CompactRows, snapshotRows } from './reader.js';
import { decodeCheckpointDir, encodeCheckpointDir, materialize, writeCheckpoint, type ResourceTreeRef } from './resourceTree.js';
import type { Repository } from './repository.js';
import { compareRows, decodeRowSet, FLAG_ALIAS, RowSetKind, type Row } from './rowSet.js';
import type { SnapshotManifestV2, SnapshotRecord } from './snapshot.js';
import { packLabel } from './store2.js';
import type { ListingLoss } from './treeStore.js';

export interface RepairIndexResult {
  readonly packs: number;
  readonly blobs: number;
  /** Packs whose header could not be read but a readable index file still described (kept from there). */
  readonly keptFromOldIndex: string[];
  /** Packs whose own header could not be read and that no index describes (left out of the index). */
  readonly unreadable: { readonly file: string; readonly reason: string }[];
  /** Version 1 packs left by a migration, not indexed. */
  readonly version1Packs: number;
  readonly indexFilesReplaced: number;
  /** The new index file, or null when the repository holds no data and no index at all. */
  readonly indexFile: string | null;
}

/**
 * Rebuilds the index from the packs' own headers (exclusive lock held by the caller). Packs whose header cannot be
 * read keep what a readable index file says of them, and packs a readable index lists but storage lacks are kept
 * listed (so `check` names the missing file and `check --repair` can fetch it from another copy). One new index
 * file supersedes every index file present; only then are those deleted.
 */
export async function repairIndex(repo: Repository, options: LongOperationOptions = {}): Promise<RepairIndexResult> {
  const { signal, onProgress } = options;
  const store = repo.store;
  const present: string[] = [];
  const described = new Map<string, PackRecord2>();
  for await (const f of store.backend.list('index', signal)) {
    present.push(f.name);
    try {
      const content = await store.readIndexFile(f.name, signal);
      for (const p of content?.packs ?? []) if (!described.has(p.id)) described.set(p.id, p);
    } catch (err) {
      if (!isEngineError(err) || (!isIntegrityCode(err.code) && err.code !== 'NOT_FOUND')) throw err;
    }
  }
  const packs: PackRecord2[] = [];
  const unreadable: { file: string; reason: string }[] = [];
  const keptFromOldIndex: string[] = [];
  let version1Packs = 0;
  const files: { name: string; size: number }[] = [];
  for await (const f of store.backend.list('data', signal)) files.push({ name: f.name, size: f.size });
  let done = 0;
  for (const f of files) {
    throwIfAborted(signal);
    try {
      packs.push({ id: f.name, size: f.size, blobs: await store.readPackHeader(f.name, undefined, signal, f.size) });
    } catch (err) {
      if (!isEngineError(err) || !isIntegrityCode(err.code)) throw err;
      const old = described.get(f.name);
      const tail = f.size >= PACK2_TRAILER ? await store.backend.read({ kind: 'data', name: f.name }, { offset: f.size - 4, length: 4 }, signal).catch(() => null) : null;
      if (tail?.equals(PACK1_MAGIC)) version1Packs++;
      else if (old && old.size === f.size) {
        packs.push(old);
        keptFromOldIndex.push(packLabel(f.name));
      } else unreadable.push({ file: packLabel(f.name), reason: typeof err.details['reason'] === 'string' ? err.details['reason'] : err.code });
    }
    onProgress?.({ type: 'progress', op: 'repair', phase: 'read-headers', done: ++done, total: files.length, unit: 'files' });
  }
  const inStorage = new Set(files.map((f) => f.name));
  for (const p of described.values()) if (!inStorage.has(p.id)) packs.push(p);
  if (packs.length === 0 && present.length === 0) return { packs: 0, blobs: 0, keptFromOldIndex, unreadable, version1Packs, indexFilesReplaced: 0, indexFile: null };
  throwIfAborted(signal);
  const fresh = await store.writeIndexFile(
    packs,
    present.filter((f) => /^[0-9a-f]{64}$/.test(f)),
  );
  for (const id of present) if (id !== fresh.id) await store.backend.delete({ kind: 'index', name: id });
  return { packs: packs.length, blobs: packs.reduce((n, p) => n + p.blobs.length, 0), keptFromOldIndex, unreadable, version1Packs, indexFilesReplaced: present.length, indexFile: fresh.id };
}

export interface RepairSnapshotResult {
  /** The successor snapshot, or null when nothing was lost (nothing is written then). */
  readonly snapshotId: string | null;
  readonly lostResources: number;
  readonly lostFiles: number;
  /** Every lost resource ("Type/id") or file (its path). */
  readonly lost: string[];
  /** Parts of the tree that could not be read (type null: unknown; resources null: unknown count). */
  readonly lostListing: ListingLoss[];
  /** Resources (or files) the successor holds. */
  readonly kept: number;
}

/**
 * Writes a successor of a damaged snapshot without what is lost. With `readData`, every frame and chunk is
 * read and verified (a blob that is indexed but damaged is found too); otherwise index entries and pack files
 * are checked.
 */
export async function repairSnapshot(repo: Repository, snap: SnapshotRecord, options: LongOperationOptions & { readData?: boolean; now?: () => Date } = {}): Promise<RepairSnapshotResult> {
  const { signal } = options;
  const m = snap.manifest;
  if (m.version !== 2) throw new EngineError('REPO_NEEDS_MIGRATION', { location: repo.backend.location });
  const store = repo.store;
  await repo.loadIndex(signal);
  const present = new Set<string>();
  for await (const f of store.backend.list('data', signal)) present.add(f.name);
  /** A blob is usable when indexed in a pack that exists. */
  const usable = (hex: string): boolean => {
    const loc = store.index.get(Buffer.from(hex, 'hex'));
    return loc !== null && present.has(loc.pack);
  };
  const lost: string[] = [];
  const lostListing: ListingLoss[] = [];
  const note = (what: string | ListingLoss): void => {
    if (typeof what === 'string') lost.push(what);
    else lostListing.push(what);
  };
  const writer = repo.writer2();
  const write = async (content: Buffer): Promise<string> => (await writer.addBlob(BlobType.tree, content)).id.toString('hex');
  const read = async (id: string): Promise<Buffer | null> => {
    if (!usable(id)) return null;
    try {
      return await store.readBlob(id, signal);
    } catch (err) {
      if (isEngineError(err) && (isIntegrityCode(err.code) || err.code === 'BLOB_MISSING')) return null;
      throw err;
    }
  };
  let lostResources = 0;
  let lostFiles = 0;
  let tree: SnapshotManifestV2['tree'];
  let counts: Record<string, number> = { ...m.counts };
  let resources = m.totals.resources;
  let bytes = m.totals.bytes;
  if (m.tree.kind === 'resources') {
    const r = await repairResources(repo, snap, m.tree, read, usable, note, options.readData === true, signal);
    lostResources = r.lost;
    counts = r.counts;
    resources = r.resources;
    bytes = r.bytes;
    tree =
      r.rows.length === 0
        ? { kind: 'resources', checkpoint: null, deltas: [], changesSinceCheckpoint: 0 }
        : { kind: 'resources', checkpoint: (await writeCheckpoint(r.rows, repo.config.params.treeChunkRows, write, signal)).id, deltas: [], changesSinceCheckpoint: 0 };
  } else {
    const c = { files: 0, dirs: 0, symlinks: 0, lost: 0, bytes: 0 };
    const root = await repairDir(m.tree.root, '', read, usable, note, write, c);
    lostFiles = c.lost;
    counts = { files: c.files, dirs: c.dirs, symlinks: c.symlinks };
    resources = 0;
    bytes = c.bytes;
    tree = { kind: 'files', root: root ?? (await write(encodeDirNode([]))) };
  }
  const kept = m.tree.kind === 'resources' ? resources : (counts['files'] ?? 0);
  if (lostResources === 0 && lostFiles === 0 && lost.length === 0 && lostListing.length === 0) return { snapshotId: null, lostResources: 0, lostFiles: 0, lost: [], lostListing: [], kept };
  await writer.flush();
  // The successor keeps the original's time, source and parent (an "as of" restore still finds that moment) and
  // sorts right after it; the damaged snapshot is never changed (docs/format.md §13.4).
  const manifest: SnapshotManifestV2 = {
    ...m,
    hostname: os.hostname(),
    counts,
    totals: {
      ...m.totals,
      resources,
      bytes,
      added: 0,
      changed: 0,
      deleted: 0,
      unchanged: resources,
      storedBytesAdded: writer.stats.storedBytes,
      newBlobs: writer.stats.newBlobs,
      newBlobBytes: writer.stats.newBlobBytes,
    },
    tree,
    partial: true,
    problems: [{ code: 'BLOB_MISSING', reason: `repaired from ${snap.id.slice(0, 8)}: ${lost.length} lost` }],
    problemCount: lost.length + lostListing.reduce((n, l) => n + (l.resources ?? 0), 0),
    tags: [...m.tags.filter((t) => t !== 'repaired'), 'repaired'],
    repairedFrom: snap.id,
    repairedAt: (options.now?.() ?? new Date()).toISOString(),
    lost,
    lostListing,
  };
  return { snapshotId: await repo.saveSnapshot(manifest), lostResources, lostFiles, lost, lostListing, kept };
}

async function repairResources(
  repo: Repository,
  snap: SnapshotRecord,
  tree: ResourceTreeRef,
  read: (id: string) => Promise<Buffer | null>,
  usable: (hex: string) => boolean,
  note: (what: string | ListingLoss) => void,
  readData: boolean,
  signal?: AbortSignal,
): Promise<{ rows: Row[]; lost: number; counts: Record<string, number>; resources: number; bytes: number }> {
  // The tree itself: the parts that cannot be read are named; their rows cannot be listed.
  let lost = 0;
  let treeOk = true;
  if (tree.checkpoint) {
    const dirBytes = await read(tree.checkpoint);
    if (!dirBytes) throw new EngineError('SNAPSHOT_CORRUPT', { file: `snapshots/${snap.id}`, reason: 'its checkpoint directory is lost; nothing can be listed' });
    for (const c of decodeCheckpointDir(dirBytes).chunks) {
      const b = await read(c.blob);
      let ok = b !== null;
      if (b) {
        try {
          decodeRowSet(b, RowSetKind.checkpoint);
        } catch (err) {
          if (!(err instanceof FormatError)) throw err;
          ok = false;
        }
      }
      if (!ok) {
        treeOk = false;
        // The chunk's first and last keys name its types only when they agree.
        note({ type: c.first[1] === c.last[1] ? c.first[1] : null, resources: c.rows });
      }
    }
  }
  for (const d of tree.deltas) {
    if (!(await read(d))) {
      treeOk = false;
      // A lost delta: unknown resources may be missing or at an older version.
      note({ type: null, resources: null });
    }
  }
  // Rows from the readable parts (a lost chunk or delta is left out of the materialisation).
  const readable = async (id: string): Promise<Buffer> => {
    const b = await read(id);
    if (b) return b;
    if (id === tree.checkpoint) throw new EngineError('SNAPSHOT_CORRUPT', { file: `snapshots/${snap.id}` });
    return emptyRowSet(tree.deltas.includes(id) ? RowSetKind.delta : RowSetKind.checkpoint);
  };
  const rows: Row[] = [];
  const partial: ResourceTreeRef = treeOk ? tree : { ...tree, checkpoint: tree.checkpoint ? await rewriteDir(repo, tree.checkpoint, read) : null };
  for await (const r of materialize(readable, partial, { signal })) rows.push(r);
  // Frames: indexed in an existing pack, and with readData, readable with every line hash right.
  const badFrames = new Set<string>();
  for (const r of rows) if (!usable(r.frame.toString('hex'))) badFrames.add(r.frame.toString('hex'));
  const badLines = new Set<number>();
  if (readData) {
    const compact = new CompactRows();
    const view: SnapshotRecord = { id: snap.id, manifest: { ...(snap.manifest as SnapshotManifestV2), tree: partial } };
    for await (const r of snapshotRows(repo, view, {}, signal)) compact.push(r);
    for await (const d of readCompact(repo, compact, { signal })) if (d.error) badLines.add(d.i);
    // Map compact positions (primary rows in tree order) back to keys.
    const badKeys = new Set<string>();
    let i = 0;
    for (const r of rows) {
      if (r.flags & FLAG_ALIAS) continue;
      if (badLines.has(i)) badKeys.add(`${r.type}/${r.id}`);
      i++;
    }
    const kept: Row[] = [];
    for (const r of rows) {
      if (badKeys.has(`${r.type}/${r.id}`) || badFrames.has(r.frame.toString('hex'))) {
        if ((r.flags & FLAG_ALIAS) === 0) {
          lost++;
          note(`${r.type}/${r.id}`);
        }
      } else kept.push(r);
    }
    return summarize(kept, lost);
  }
  const kept: Row[] = [];
  for (const r of rows) {
    if (badFrames.has(r.frame.toString('hex'))) {
      if ((r.flags & FLAG_ALIAS) === 0) {
        lost++;
        note(`${r.type}/${r.id}`);
      }
    } else kept.push(r);
  }
  return summarize(kept, lost);
}

function summarize(rows: Row[], lost: number): { rows: Row[]; lost: number; counts: Record<string, number>; resources: number; bytes: number } {
  rows.sort(compareRows);
  const counts: Record<string, number> = {};
  let resources = 0;
  let bytes = 0;
  for (const r of rows) {
    if (r.flags & FLAG_ALIAS) continue;
    counts[r.type] = (counts[r.type] ?? 0) + 1;
    resources++;
    bytes += r.length;
  }
  return { rows, lost, counts, resources, bytes };
}

function emptyRowSet(kind: 0 | 1): Buffer {
  // magic, kind, N = 0, F = 0, P = 0, T = 0, (D = 0)
  return Buffer.from([0x43, 0x42, 0x52, 0x32, kind, 0, 0, 0, 0, ...(kind === 1 ? [0] : [])]);
}

/** A directory without its unreadable chunks (written as a new tree blob). */
async function rewriteDir(repo: Repository, dirId: string, read: (id: string) => Promise<Buffer | null>): Promise<string> {
  const dir = decodeCheckpointDir((await read(dirId)) as Buffer);
  const chunks = [];
  for (const c of dir.chunks) if (await read(c.blob)) chunks.push(c);
  const writer = repo.writer2();
  const { id } = await writer.addBlob(BlobType.tree, encodeCheckpointDir({ format: dir.format, rows: chunks.reduce((n, c) => n + c.rows, 0), chunks }));
  await writer.flush();
  return id.toString('hex');
}

/** Rebuilds a directory node without lost entries; returns the new node's id (null when the node is lost). */
async function repairDir(
  id: string,
  path: string,
  read: (id: string) => Promise<Buffer | null>,
  usable: (hex: string) => boolean,
  note: (what: string | ListingLoss) => void,
  write: (content: Buffer) => Promise<string>,
  c: { files: number; dirs: number; symlinks: number; lost: number; bytes: number },
): Promise<string | null> {
  const bytes = await read(id);
  let node: DirNode;
  try {
    if (!bytes) throw new FormatError('lost');
    node = decodeDirNode(bytes);
  } catch (err) {
    if (!(err instanceof FormatError)) throw err;
    c.lost++;
    note(`${path || '/'} (folder)`);
    return null;
  }
  const entries: TreeEntry[] = [];
  for (const e of node.entries) {
    const p = path ? `${path}/${e.name}` : e.name;
    if (e.type === 'dir') {
      const sub = await repairDir(e.subtree, p, read, usable, note, write, c);
      if (sub === null) continue;
      entries.push({ ...e, subtree: sub });
      c.dirs++;
    } else if (e.type === 'file') {
      if (!e.content.every(usable)) {
        c.lost++;
        note(p);
        continue;
      }
      entries.push(e);
      c.files++;
      c.bytes += e.size;
    } else {
      entries.push(e);
      c.symlinks++;
    }
  }
  return write(encodeDirNode(entries));
}
