/**
 * `check` of a version 2 repository (docs/format.md §20):
 *  - structure: every index file opens and decodes; every indexed pack exists with its size; every snapshot opens;
 *    every tree blob it needs (checkpoint directory, chunks, deltas, directory nodes, attachment lists,
 *    dictionaries) is indexed and decodes; every row's frame is indexed and holds the row; every file chunk is
 *    indexed; counts equal the manifest's;
 *  - data (--read-data, or --read-data-subset n/m): packs are read whole, in order; SHA-256 = name; the pack's own
 *    header opens and equals the index; every blob opens and hashes to its id (in the worker pool).
 * Problems name the file, the snapshots affected and (bounded) the resources or paths inside the damaged data.
 */
import { sha256Hex } from '../crypto/index.js';
import {
  type BlobEntry2,
  type BlobOpener,
  BlobType,
  blobTypeName,
  DICTIONARY_UNREADABLE,
  fileLabel,
  type FilesTreeRef,
  FLAG_ALIAS,
  FormatError,
  inThreadOpener,
  materializeBatches,
  type OpenRequest,
  OtherVersionFile,
  packLabel,
  readAttachments,
  readCheckpointDir,
  type Repository,
  type RowSet,
  type ResourceTreeRef,
  type SnapshotManifestV2,
  type SnapshotRecord,
  walkFilesTree,
} from '../repository/index.js';
import { EngineError, isEngineError, isIntegrityCode, throwIfAborted, type ErrorCode } from '../shared/index.js';
import { inSubset, type CheckOptions, type CheckProblem, type CheckReport } from './types.js';

const MAX_RESOURCES_PER_PROBLEM = 20;

type Add = (code: ErrorCode, file: string, reason: string) => CheckProblem;

/** The problem that makes a pack's blobs unreadable, if any (damage found so far, or a pack the index does not list). */
interface DamageLookup {
  get(packId: string): CheckProblem | undefined;
}

function note(p: CheckProblem, snapshot: string, what?: string): void {
  if (!p.snapshots.includes(snapshot)) p.snapshots.push(snapshot);
  if (!what || p.resources.includes(what)) return;
  p.resourceCount++;
  if (p.resources.length < MAX_RESOURCES_PER_PROBLEM) p.resources.push(what);
}

export async function checkRepositoryV2(repo: Repository, options: CheckOptions & { opener?: BlobOpener } = {}): Promise<CheckReport> {
  const { signal, onProgress } = options;
  const store = repo.store;
  const problems: CheckProblem[] = [];
  const stats = { snapshots: 0, indexFiles: 0, packs: 0, packsRead: 0, blobs: 0, bytesRead: 0, unreferencedPacks: 0 };
  const add: Add = (code, file, reason) => {
    const p: CheckProblem = { code, file, reason, snapshots: [], resources: [], resourceCount: 0 };
    problems.push(p);
    return p;
  };

  // 1. Index files, one by one, so a damaged one is named and the others still count. The in-memory index also
  // covers packs that no index file lists (read from their own headers); those are an index gap, not lost data.
  onProgress?.({ type: 'progress', op: 'check', phase: 'index', done: 0, unit: 'files' });
  await store.loadIndex(signal, { refresh: true });
  const state = store.indexState;
  stats.indexFiles = store.indexFiles.size + state.damagedFiles.length;
  for (const name of state.damagedFiles)
    add('INDEX_CORRUPT', fileLabel({ kind: 'index', name }), 'index file does not match its name, does not decrypt or does not decode: rebuild the index with "repair index"');
  const idx = store.index;
  stats.blobs = idx.size;

  // 2. Packs: present with the indexed size.
  const present = new Map<string, number>();
  for await (const f of store.backend.list('data', signal)) present.set(f.name, f.size);
  const damaged = new Map<string, CheckProblem>();
  for (let p = 0; p < idx.packCount; p++) {
    stats.packs++;
    const id = idx.packId(p);
    const size = present.get(id);
    if (size === undefined) damaged.set(id, add('BLOB_MISSING', packLabel(id), 'pack file is missing'));
    else if (size !== idx.packSize(p)) damaged.set(id, add('FILE_TRUNCATED', packLabel(id), `size ${size}, expected ${idx.packSize(p)}`));
  }
  // Packs no index file lists: in use by a snapshot, they are an index gap (found in step 4); otherwise leftovers.
  let gap: CheckProblem | null = null;
  const lookup: DamageLookup = {
    get: (pack) =>
      damaged.get(pack) ??
      (state.unindexedPacks.has(pack)
        ? (gap ??= add('INDEX_INCOMPLETE', 'index/', `the index does not list ${state.unindexedPacks.size} data file(s) that restore points use: rebuild it with "repair index"`))
        : undefined),
  };

  // 3. Data: whole packs, in order; everything inside verified (mostly in the worker pool). Meanwhile this thread
  // reads the snapshots' trees (step 4) against a lookup that only notes which packs each one uses; a snapshot is
  // checked again, the old way, only when one of those packs turns out damaged.
  const readingData = Boolean(options.readData || options.readDataSubset);
  const stop = new AbortController();
  const onAbort = (): void => stop.abort(signal?.reason);
  signal?.addEventListener('abort', onAbort, { once: true });
  const pre = readingData ? preCheckSnapshots(repo, stop.signal) : null;
  pre?.catch(() => undefined);
  const readData = async (): Promise<void> => {
    if (options.readData || options.readDataSubset) {
      const sub = options.readDataSubset;
      const selected: number[] = [];
      for (let p = 0; p < idx.packCount; p++) if (!damaged.has(idx.packId(p)) && (options.readData || (sub && inSubset(idx.packId(p), sub.n, sub.m)))) selected.push(p);
      let done = 0;
      const opener = options.opener;
      // One pack read ahead while the previous one is verified.
      const read = (p: number): Promise<Buffer | null> =>
        store.backend.read({ kind: 'data', name: idx.packId(p) }, undefined, signal).catch((err: unknown) => {
          if (isEngineError(err, 'NOT_FOUND')) return null;
          throw err;
        });
      let nextRead = selected.length > 0 ? read(selected[0] as number) : null;
      for (let k = 0; k < selected.length; k++) {
        throwIfAborted(signal);
        const p = selected[k] as number;
        const bytes = await (nextRead as Promise<Buffer | null>);
        nextRead = k + 1 < selected.length ? read(selected[k + 1] as number) : null;
        const id = idx.packId(p);
        const reason = bytes ? await verifyPack(repo, p, bytes, opener, signal) : 'pack file is missing';
        if (bytes) {
          stats.packsRead++;
          stats.bytesRead += bytes.length;
        }
        if (reason) damaged.set(id, add('PACK_CORRUPT', packLabel(id), reason));
        onProgress?.({ type: 'progress', op: 'check', phase: 'read-data', done: ++done, total: selected.length, unit: 'files', bytes: stats.bytesRead });
      }
      await nextRead?.catch(() => undefined);
    }
  };
  try {
    await readData();
  } catch (err) {
    stop.abort();
    await pre?.catch(() => undefined);
    throw err;
  } finally {
    signal?.removeEventListener('abort', onAbort);
  }

  // 4. Snapshots and their trees (already read during step 3 when it read data).
  const pres = pre ? await pre : await preCheckSnapshots(repo, signal);
  let sdone = 0;
  for (const p of pres) {
    throwIfAborted(signal);
    if (p.kind === 'skip') continue;
    if (p.kind === 'throw') throw p.error;
    stats.snapshots++;
    if (p.kind === 'corrupt') {
      add('SNAPSHOT_CORRUPT', `snapshots/${p.id}`, 'snapshot file does not match its name, does not decrypt or is not a version 2 manifest').snapshots.push(p.id);
      continue;
    }
    if (p.kind === 'again' || [...p.packs].some((id) => damaged.has(id) || state.unindexedPacks.has(id))) await checkSnapshot(repo, p.snap, lookup, add, signal);
    else problems.push(...p.problems);
    onProgress?.({ type: 'progress', op: 'check', phase: 'snapshots', done: ++sdone, total: pres.length, unit: 'steps' });
  }
  // Data files nothing lists or uses (an interrupted backup's leftovers): prune removes them.
  stats.unreferencedPacks = state.unreadablePacks.length + (gap ? 0 : state.unindexedPacks.size);
  for (const id of present.keys()) if (!idx.hasPack(id) && !state.unreadablePacks.includes(id)) stats.unreferencedPacks++;
  return { ok: problems.length === 0, problems, stats };
}

/** A snapshot read ahead (step 4): what it found with no pack damaged, the packs it used, or why it must be read again. */
type PreChecked =
  | { readonly kind: 'skip' }
  | { readonly kind: 'throw'; readonly error: unknown }
  | { readonly kind: 'corrupt'; readonly id: string }
  | { readonly kind: 'again'; readonly snap: SnapshotRecord }
  | { readonly kind: 'done'; readonly snap: SnapshotRecord; readonly problems: CheckProblem[]; readonly packs: ReadonlySet<string> };

/**
 * Reads every snapshot and its tree as checkSnapshot does, with no pack taken as damaged: its problems are kept
 * aside with the packs it looked up. An error is kept for its turn (step 4 throws it there, as a check snapshot by
 * snapshot would); a tree that fails to read is read again then, with the damage step 3 found.
 */
async function preCheckSnapshots(repo: Repository, signal: AbortSignal | undefined): Promise<PreChecked[]> {
  const ids: string[] = [];
  for await (const f of repo.store.backend.list('snapshots', signal)) ids.push(f.name);
  const out: PreChecked[] = [];
  for (const id of ids) {
    throwIfAborted(signal);
    let snap: SnapshotRecord;
    try {
      snap = await repo.readSnapshot(id);
    } catch (err) {
      if (err instanceof OtherVersionFile)
        out.push({ kind: 'skip' }); // a version 1 file left by migrate (§3.5)
      else if (isEngineError(err, 'NOT_FOUND')) out.push({ kind: 'skip' });
      else if (isEngineError(err, 'SNAPSHOT_CORRUPT') || isEngineError(err, 'REPO_VERSION_UNSUPPORTED')) out.push({ kind: 'corrupt', id });
      else if (!isEngineError(err, 'CANCELLED')) out.push({ kind: 'throw', error: err });
      else throw err;
      continue;
    }
    const problems: CheckProblem[] = [];
    const packs = new Set<string>();
    const add: Add = (code, file, reason) => {
      const p: CheckProblem = { code, file, reason, snapshots: [], resources: [], resourceCount: 0 };
      problems.push(p);
      return p;
    };
    try {
      await checkSnapshot(repo, snap, { get: (pack) => void packs.add(pack) }, add, signal);
      out.push({ kind: 'done', snap, problems, packs });
    } catch (err) {
      if (isEngineError(err, 'CANCELLED')) throw err;
      out.push({ kind: 'again', snap });
    }
  }
  return out;
}

/** Verifies a whole pack: its name, its own header against the index, and every blob. Returns what is wrong, or null. */
async function verifyPack(repo: Repository, packNo: number, bytes: Buffer, opener: BlobOpener | undefined, signal?: AbortSignal): Promise<string | null> {
  const store = repo.store;
  const idx = store.index;
  const id = idx.packId(packNo);
  if (sha256Hex(bytes) !== id) return 'contents do not match the file name (SHA-256)';
  let header: BlobEntry2[];
  try {
    header = await store.readPackHeader(id, bytes, signal);
  } catch (err) {
    if (isEngineError(err) && isIntegrityCode(err.code)) return 'its own header does not open or does not add up';
    throw err;
  }
  const record = idx.packRecord(packNo);
  if (header.length !== record.blobs.length) return 'pack header differs from the index (blob count)';
  for (let i = 0; i < header.length; i++) {
    const a = header[i] as BlobEntry2;
    const b = record.blobs[i] as BlobEntry2;
    if (a.type !== b.type || !a.id.equals(b.id) || a.stored !== b.stored || a.raw !== b.raw) return `pack header differs from the index (blob ${i})`;
  }
  const items: OpenRequest[] = [];
  let at = 0;
  for (const b of record.blobs) {
    items.push({ id: b.id, stored: bytes.subarray(at, at + b.stored), raw: b.raw, mode: 'verify' });
    at += b.stored;
  }
  const outcomes = await (opener ?? inThreadOpener(repo)).open(items, signal);
  for (let i = 0; i < outcomes.length; i++) {
    const o = outcomes[i];
    const b = record.blobs[i] as BlobEntry2;
    // A frame whose dictionary is damaged is not this pack's damage: the dictionary's pack is named instead.
    if (o && !o.ok && o.reason === DICTIONARY_UNREADABLE) continue;
    if (!o || !o.ok) return `${blobTypeName(b.type)} ${b.id.toString('hex').slice(0, 16)} ${o && !o.ok ? `(${o.reason})` : ''} does not open or does not match its id`.replace('  ', ' ');
  }
  return null;
}

async function checkSnapshot(repo: Repository, snap: SnapshotRecord, damaged: DamageLookup, add: Add, signal?: AbortSignal): Promise<void> {
  const m = snap.manifest as SnapshotManifestV2;
  const store = repo.store;
  const idx = store.index;
  const where = `snapshots/${snap.id}`;
  let treeProblem: CheckProblem | null = null;
  const treeDamage = (reason: string): CheckProblem => (treeProblem ??= add('SNAPSHOT_CORRUPT', where, reason));
  /** A tree blob: indexed, in an intact pack; else the snapshot is named on the pack's (or a new) problem. */
  const treeBlobOk = (hex: string, what: string): boolean => {
    const loc = idx.get(Buffer.from(hex, 'hex'));
    if (!loc) {
      note(add('BLOB_MISSING', where, `${what} ${hex.slice(0, 16)} is not in the index`), snap.id);
      return false;
    }
    const d = damaged.get(loc.pack);
    if (d) {
      note(d, snap.id, what);
      return false;
    }
    return true;
  };
  for (const [type, hex] of Object.entries(m.dictionaries ?? {})) {
    const loc = idx.get(Buffer.from(hex, 'hex'));
    if (!loc) note(add('BLOB_MISSING', where, `the ${type} dictionary ${hex.slice(0, 16)} is not in the index`), snap.id, `${type} dictionary`);
    else {
      // Every frame of the type compressed with it is unreadable while its pack is damaged.
      const d = damaged.get(loc.pack);
      if (d) note(d, snap.id, `${type} dictionary`);
    }
  }
  // Attachments first: their labels lead a problem's (bounded) list of what is affected.
  const listing = m.attachments?.listing ?? [];
  let attachmentsOk = true;
  for (const b of listing) if (!treeBlobOk(b, 'attachment listing')) attachmentsOk = false;
  if (listing.length > 0 && attachmentsOk) {
    try {
      for (const a of await readAttachments(repo, m.attachments, signal)) for (const c of a.blobs) chunkOk(idx, c, damaged, add, snap, `${a.owner} (attachment)`);
    } catch (err) {
      if (!(err instanceof FormatError) && !(isEngineError(err) && isIntegrityCode(err.code))) throw err;
      treeDamage('attachment listing cannot be read').snapshots.push(snap.id);
    }
  }
  const read = (id: string, s?: AbortSignal): Promise<Buffer> => store.readBlob(id, s);
  if (m.tree.kind === 'files') {
    await checkFilesTree(repo, snap, m.tree, damaged, add, treeBlobOk, signal);
  } else {
    const tree: ResourceTreeRef = m.tree;
    try {
      if (tree.checkpoint && !treeBlobOk(tree.checkpoint, 'checkpoint directory')) return;
      const dir = await readCheckpointDir(read, tree, { signal });
      for (const c of dir?.chunks ?? []) if (!treeBlobOk(c.blob, 'row chunk')) return;
      for (const d of tree.deltas) if (!treeBlobOk(d, 'row delta')) return;
    } catch (err) {
      if (!(err instanceof FormatError) && !(isEngineError(err) && isIntegrityCode(err.code))) throw err;
      treeDamage(`tree cannot be read (${err instanceof FormatError ? err.reason : (err as EngineError).code})`).snapshots.push(snap.id);
      return;
    }
    const counts: Record<string, number> = {};
    const frames = new Map<string, number>();
    let missing: CheckProblem | null = null;
    let outside: CheckProblem | null = null;
    // Column by column (no row object, no id string unless a row has a problem): per row set, its frames are looked
    // up once and its rows are counted per type.
    const entries = new WeakMap<RowSet, Int32Array>();
    const perType = new WeakMap<RowSet, Float64Array>();
    const sets = new Set<RowSet>();
    const entryOf = (set: RowSet, i: number): number => {
      let map = entries.get(set);
      if (!map) entries.set(set, (map = new Int32Array(set.frames.length / 16).fill(-2)));
      const local = set.frameCol[i] as number;
      let e = map[local] as number;
      if (e === -2) {
        const frame = set.frame(i);
        const key = frame.toString('latin1');
        const known = frames.get(key);
        if (known === undefined) frames.set(key, (e = idx.find(frame)));
        else e = known;
        map[local] = e;
      }
      return e;
    };
    const packProblem = new Map<number, CheckProblem | null>();
    try {
      for await (const b of materializeBatches(read, tree, { signal })) {
        for (let k = 0; k < b.n; k++) {
          const set = b.sets[k] as RowSet;
          const i = b.rows[k] as number;
          if (((set.flags[i] as number) & FLAG_ALIAS) === 0) {
            let c = perType.get(set);
            if (!c) {
              perType.set(set, (c = new Float64Array(set.types.length)));
              sets.add(set);
            }
            c[set.typeCol[i] as number]!++;
          }
          const e = entryOf(set, i);
          if (e < 0) {
            note((missing ??= add('BLOB_MISSING', where, 'resources reference frames that are not in the index')), snap.id, `${set.type(i)}/${set.id(i)}`);
            continue;
          }
          if (idx.typeAt(e) !== BlobType.frame || (set.offsets[i] as number) + (set.lengths[i] as number) >= idx.rawAt(e)) {
            note((outside ??= add('SNAPSHOT_CORRUPT', where, 'rows point outside their frames')), snap.id, `${set.type(i)}/${set.id(i)}`);
            continue;
          }
          const packNo = idx.packNoAt(e);
          let d = packProblem.get(packNo);
          if (d === undefined) packProblem.set(packNo, (d = damaged.get(idx.packId(packNo)) ?? null));
          if (d) note(d, snap.id, `${set.type(i)}/${set.id(i)}`);
        }
        // Each batch's counts per row set and type are added to the snapshot's.
        for (const set of sets) {
          const c = perType.get(set) as Float64Array;
          for (let t = 0; t < c.length; t++) if (c[t]) counts[set.types[t] as string] = (counts[set.types[t] as string] ?? 0) + (c[t] as number);
          perType.delete(set);
        }
        sets.clear();
      }
    } catch (err) {
      if (!(err instanceof FormatError) && !(isEngineError(err) && isIntegrityCode(err.code))) throw err;
      treeDamage(`tree cannot be read (${err instanceof FormatError ? err.reason : (err as EngineError).code})`).snapshots.push(snap.id);
      return;
    }
    const expected = m.counts;
    const mismatch = [...new Set([...Object.keys(expected), ...Object.keys(counts)])].filter((t) => (expected[t] ?? 0) !== (counts[t] ?? 0));
    if (mismatch.length > 0) add('SNAPSHOT_CORRUPT', where, `resource counts differ from the manifest for ${mismatch.join(', ')}`).snapshots.push(snap.id);
  }
}

function chunkOk(idx: Repository['store']['index'], hex: string, damaged: DamageLookup, add: Add, snap: SnapshotRecord, what: string): void {
  const loc = idx.get(Buffer.from(hex, 'hex'));
  if (!loc) {
    note(add('BLOB_MISSING', `snapshots/${snap.id}`, `content chunk ${hex.slice(0, 16)} is not in the index`), snap.id, what);
    return;
  }
  const d = damaged.get(loc.pack);
  if (d) note(d, snap.id, what);
}

async function checkFilesTree(
  repo: Repository,
  snap: SnapshotRecord,
  tree: FilesTreeRef,
  damaged: DamageLookup,
  add: Add,
  treeBlobOk: (hex: string, what: string) => boolean,
  signal?: AbortSignal,
): Promise<void> {
  const store = repo.store;
  const counts = { files: 0, dirs: 0, symlinks: 0 };
  let broken: CheckProblem | null = null;
  const read = async (id: string, s?: AbortSignal): Promise<Buffer> => {
    if (!treeBlobOk(id, 'directory node')) throw new EngineError('BLOB_MISSING', { blob: id, snapshots: [snap.id] });
    return store.readBlob(id, s);
  };
  for await (const item of walkFilesTree(read, tree.root, {
    signal,
    onDamage: (path, _blob, err) => {
      if (isEngineError(err, 'BLOB_MISSING')) return; // already named by treeBlobOk
      note((broken ??= add('SNAPSHOT_CORRUPT', `snapshots/${snap.id}`, 'directory nodes cannot be read')), snap.id, path);
    },
  })) {
    if (item.kind !== 'entry') continue;
    const e = item.entry;
    if (e.type === 'dir') counts.dirs++;
    else if (e.type === 'symlink') counts.symlinks++;
    else {
      counts.files++;
      for (const c of e.content) chunkOk(store.index, c, damaged, add, snap, item.path);
    }
  }
  const m = snap.manifest.counts;
  if (!broken && ((m['files'] ?? 0) !== counts.files || (m['dirs'] ?? 0) !== counts.dirs || (m['symlinks'] ?? 0) !== counts.symlinks)) {
    add('SNAPSHOT_CORRUPT', `snapshots/${snap.id}`, 'file counts differ from the manifest').snapshots.push(snap.id);
  }
}
