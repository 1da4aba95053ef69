/**
 * The backup pipeline: resource lines in → split per resource → keyed blob id → dedup → packs → tree → snapshot.
 * Lines are stored as the source's bytes, never re-serialised. The snapshot file is written last (the commit
 * point): a run that stops before it leaves only unreferenced packs, removed by prune.
 */
import os from 'node:os';
import type { Repository, RepoWriter } from '../repository/repository.js';
import { writeAttachmentListing } from '../repository/attachments.js';
import { MAX_RECORDED_PROBLEMS, type SnapshotManifest, type SnapshotProblem, type SnapshotRecord, type SnapshotSource, type SnapshotWarning, type SuspiciousShrink } from '../repository/snapshot.js';
import { encodeRow, rowBlob, rowId, treeKey, type DeltaChange, type TreeRef } from '../repository/tree.js';
import { loadOverlay, treeTypes, typeRows, writeTree } from '../repository/treeStore.js';
import { patientCompartments } from '../source/fhir/compartment.js';
import { EngineError, throwIfAborted, type ErrorCode } from '../shared/errors.js';
import type { LongOperationOptions } from '../shared/events.js';
import type { AttachmentCollector } from './attachments.js';

export const TOOL_VERSION = '0.1.0';
const FHIR_ID = /^[A-Za-z0-9\-.]{1,64}$/;

/** The parent snapshot's tree as key → blob id, compactly (a Map of objects would cost ~5× more). */
interface ParentTree {
  readonly keys: Map<string, number>;
  readonly blobs: Buffer;
  readonly sizes: Float64Array;
  readonly seen: Uint8Array;
}

async function loadParentTree(repo: Repository, tree: TreeRef, entriesHint: number, signal?: AbortSignal): Promise<ParentTree> {
  const keys = new Map<string, number>();
  // Blob ids are decoded straight into one growing buffer (no Buffer per row: ~700k of them cost seconds of GC).
  let capacity = Math.max(1024, entriesHint);
  let blobs = Buffer.allocUnsafe(capacity * 32);
  let sizes = new Float64Array(capacity);
  let n = 0;
  const overlay = await loadOverlay(repo, tree, signal);
  for (const type of treeTypes(tree, overlay)) {
    for await (const row of typeRows(repo, tree, type, overlay, signal)) {
      if (n === capacity) {
        capacity *= 2;
        const grown = Buffer.allocUnsafe(capacity * 32);
        blobs.copy(grown, 0, 0, n * 32);
        blobs = grown;
        const grownSizes = new Float64Array(capacity);
        grownSizes.set(sizes);
        sizes = grownSizes;
      }
      keys.set(treeKey(type, rowId(row)), n);
      blobs.write(rowBlob(row), n * 32, 32, 'hex');
      const tab = row.lastIndexOf('\t');
      sizes[n] = Number(row.slice(tab + 1));
      n++;
    }
  }
  return { keys, blobs: blobs.subarray(0, n * 32), sizes: sizes.subarray(0, n), seen: new Uint8Array(n) };
}

export interface ArchiveOptions extends LongOperationOptions {
  readonly source: SnapshotSource;
  /** "full": the input lists every resource (absent = deleted); "incremental": only changes, deletions explicit. */
  readonly mode: 'full' | 'incremental';
  readonly parent: SnapshotRecord | null;
  readonly serverTransactionTime?: string | null;
  readonly tags?: readonly string[];
  readonly now?: () => Date;
  /** Told of every resource (and whether it changed), for the attachments to fetch and keep. */
  readonly attachments?: AttachmentCollector;
  /** A snapshot without any resource is an error (EMPTY_SOURCE) unless this is set (an empty source is expected). */
  readonly allowEmpty?: boolean;
  /**
   * Shrink guard: a snapshot holding more than this percentage fewer resources than its parent (the previous
   * snapshot of the same source) is committed but marked suspicious (default 30; 0 turns the guard off).
   */
  readonly shrinkGuardPercent?: number;
}

export const DEFAULT_SHRINK_GUARD_PERCENT = 30;

/** The shrink guard's verdict on a new snapshot's resource count against the previous one of the same source. */
export function shrinkVerdict(previous: SnapshotRecord | null, resources: number, thresholdPercent: number): SuspiciousShrink | null {
  if (!previous || thresholdPercent <= 0) return null;
  const before = previous.manifest.totals.resources;
  if (before <= 0 || resources >= before) return null;
  const drop = ((before - resources) / before) * 100;
  if (drop <= thresholdPercent) return null;
  return { previous: previous.id, previousResources: before, resources, dropPercent: Math.round(drop * 10) / 10, thresholdPercent };
}

export interface ArchiveResult {
  readonly snapshotId: string;
  readonly manifest: SnapshotManifest;
}

export class Archiver {
  private readonly writer: RepoWriter;
  private parentTree: ParentTree | null = null;
  /** This run's changes: "Type/id" → new row, or null for a deletion. Strings only: a first backup holds every row. */
  private readonly changes = new Map<string, string | null>();
  private readonly problems: SnapshotProblem[] = [];
  private problemCount = 0;
  private resources = 0;
  private bytesIn = 0;
  private lastProgress = 0;
  private started = false;
  private subject = '';
  private serverTransactionTime: string | null = null;
  private readonly warnings: SnapshotWarning[] = [];
  private readonly notCovered = new Map<string, { type: string; code: string; status?: number; reason?: string }>();
  /** Serialises blob writes from concurrent producers (attachment downloads). */
  private storeChain: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly repo: Repository,
    private readonly options: ArchiveOptions,
  ) {
    this.writer = repo.writer();
  }

  /** Loads the index and the parent's tree. Call once before adding resources. */
  async begin(): Promise<void> {
    await this.repo.loadIndex(this.options.signal);
    if (this.options.parent) this.parentTree = await loadParentTree(this.repo, this.options.parent.manifest.tree, this.options.parent.manifest.totals.resources, this.options.signal);
    this.started = true;
  }

  problem(code: ErrorCode, where: { file?: string; line?: number; reason?: string }): void {
    this.problemCount++;
    if (this.problems.length < MAX_RECORDED_PROBLEMS) this.problems.push({ code, ...where });
  }

  /** Adds one resource given as its raw JSON bytes. Bad lines are recorded as problems, never fatal. */
  async addLine(bytes: Buffer, where: { file: string; line: number }): Promise<void> {
    if (!this.started) throw new Error('Archiver.begin() first');
    if (bytes.length === 0 || bytes.every((b) => b === 32 || b === 9)) return;
    this.subject = where.file;
    let resource: unknown;
    try {
      resource = JSON.parse(bytes.toString('utf8'));
    } catch (err) {
      this.problem('INPUT_MALFORMED', { ...where, reason: err instanceof Error ? err.message.slice(0, 200) : 'not JSON' });
      return;
    }
    if (typeof resource !== 'object' || resource === null || Array.isArray(resource)) {
      this.problem('INPUT_MALFORMED', { ...where, reason: 'not a JSON object' });
      return;
    }
    const r = resource as Record<string, unknown>;
    const type = r['resourceType'];
    const id = r['id'];
    if (typeof type !== 'string' || !/^[A-Z][A-Za-z]{1,63}$/.test(type)) {
      this.problem('INPUT_MALFORMED', { ...where, reason: 'no valid resourceType' });
      return;
    }
    if (typeof id !== 'string' || id === '') {
      this.problem('RESOURCE_WITHOUT_ID', where);
      return;
    }
    if (!FHIR_ID.test(id)) {
      this.problem('INPUT_MALFORMED', { ...where, reason: `invalid id "${id.slice(0, 70)}"` });
      return;
    }
    const meta = typeof r['meta'] === 'object' && r['meta'] !== null ? (r['meta'] as Record<string, unknown>) : {};
    const versionId = typeof meta['versionId'] === 'string' && FHIR_ID.test(meta['versionId']) ? meta['versionId'] : null;
    const lastUpdated = typeof meta['lastUpdated'] === 'string' && !/[\t\n]/.test(meta['lastUpdated']) ? meta['lastUpdated'] : null;
    const { id: blobId } = await this.writer.addBlob('data', bytes);
    this.resources++;
    this.bytesIn += bytes.length;
    const key = treeKey(type, id);
    const parent = this.parentTree;
    const idx = parent?.keys.get(key);
    if (parent && idx !== undefined) {
      parent.seen[idx] = 1;
      if (parent.blobs.compare(blobId, 0, 32, idx * 32, idx * 32 + 32) === 0) {
        this.changes.delete(key); // an earlier line of this run may have changed it; the last line wins
        this.options.attachments?.resource(key, r, false);
        this.reportProgress(false);
        return;
      }
    }
    this.options.attachments?.resource(key, r, true);
    this.changes.set(key, encodeRow({ id, versionId, lastUpdated, blob: blobId.toString('hex'), patient: patientCompartments(r).join(',') || null, size: bytes.length }));
    this.reportProgress(false);
  }

  /** Stores one chunk of attachment content as a data blob; returns its id (hex). Safe to call concurrently. */
  storeChunk(data: Buffer): Promise<string> {
    const next = this.storeChain.then(async () => (await this.writer.addBlob('data', data)).id.toString('hex'));
    // The next chunk waits for this one, whatever its outcome: a failure reaches the caller through `next`.
    this.storeChain = next.catch(() => undefined);
    return next;
  }

  /** Something the clinic should know although the run succeeded (kept in the snapshot, shown in the summary). */
  warn(warning: SnapshotWarning): void {
    if (this.warnings.length < MAX_RECORDED_PROBLEMS) this.warnings.push(warning);
  }

  /**
   * The source could not read this type in full (refused search, paging that gave out): resources of the
   * parent snapshot not seen in this run are kept, not taken as deleted.
   */
  keepUnseen(type: string, why: { code: string; status?: number; reason?: string }): void {
    this.notCovered.set(type, { type, ...why });
    const parent = this.parentTree;
    if (!parent) return;
    const prefix = treeKey(type, '');
    for (const [key, idx] of parent.keys) if (key.startsWith(prefix)) parent.seen[idx] = 1;
  }

  /** The server's clock for this run's data (known only when the source finishes, e.g. a bulk manifest). */
  setServerTransactionTime(time: string | null): void {
    this.serverTransactionTime = time;
  }

  /** Records a deletion reported by the source (incremental mode). */
  deleteResource(type: string, id: string): void {
    // Deletions come from the server (manifests, _history); validate before they reach the tree encoding.
    if (!/^[A-Z][A-Za-z]{1,63}$/.test(type) || !FHIR_ID.test(id)) {
      this.problem('INPUT_MALFORMED', { reason: `invalid deleted resource reference "${`${type}/${id}`.slice(0, 80)}"` });
      return;
    }
    const key = treeKey(type, id);
    const idx = this.parentTree?.keys.get(key);
    if (idx === undefined) {
      this.changes.delete(key);
      return;
    }
    this.changes.set(key, null);
  }

  /** The source starts over: forgets this run's resources, deletions and problems (blobs already stored are reused). */
  restart(): void {
    this.options.attachments?.restart();
    this.changes.clear();
    this.parentTree?.seen.fill(0);
    this.problems.length = 0;
    this.problemCount = 0;
    this.resources = 0;
    this.bytesIn = 0;
  }

  /** Resources of a type the snapshot holds so far: the parent's plus this run's additions, minus its deletions. */
  liveCount(type: string): number {
    const parent = this.parentTree;
    let n = this.options.parent?.manifest.counts[type] ?? 0;
    const prefix = treeKey(type, '');
    for (const [key, row] of this.changes) {
      if (!key.startsWith(prefix)) continue;
      const existed = parent?.keys.has(key) ?? false;
      if (row === null && existed) n--;
      else if (row !== null && !existed) n++;
    }
    return n;
  }

  /** Incremental mode, after the source listed every resource of a type: the parent's ones not seen in this run are deleted. */
  dropUnseen(type: string): void {
    const parent = this.parentTree;
    if (!parent) return;
    const prefix = treeKey(type, '');
    for (const [key, idx] of parent.keys) {
      if (parent.seen[idx] === 0 && key.startsWith(prefix)) this.changes.set(key, null);
    }
  }

  private reportProgress(force: boolean): void {
    const now = Date.now();
    if (!force && now - this.lastProgress < 250) return;
    this.lastProgress = now;
    // A file name is a useful subject; a download address is not (and is no words for the clinic's staff).
    const subject = this.subject && !/^[a-z][a-z0-9+.-]*:\/\//i.test(this.subject) ? { subject: this.subject } : {};
    this.options.onProgress?.({ type: 'progress', op: 'backup', phase: 'read', done: this.resources, unit: 'resources', bytes: this.bytesIn, ...subject });
  }

  /** Writes the tree, the packs and the index, then the snapshot file (the commit point). */
  async commit(): Promise<ArchiveResult> {
    const { signal } = this.options;
    throwIfAborted(signal);
    this.reportProgress(true);
    const parent = this.parentTree;
    const parentManifest = this.options.parent?.manifest ?? null;
    // Resources of the parent absent from a full listing were deleted.
    if (parent && this.options.mode === 'full') {
      for (const [key, idx] of parent.keys) {
        if (parent.seen[idx] === 0) this.changes.set(key, null);
      }
    }
    const counts: Record<string, number> = {};
    let bytes = 0;
    let added = 0;
    let changed = 0;
    let deleted = 0;
    if (parentManifest) {
      for (const [t, n] of Object.entries(parentManifest.counts)) counts[t] = n;
      bytes = parentManifest.totals.bytes;
    }
    const byType = new Map<string, DeltaChange[]>();
    for (const [key, row] of this.changes) {
      const slash = key.indexOf('/');
      const type = key.slice(0, slash);
      const idx = parent?.keys.get(key);
      const existed = idx !== undefined;
      const oldSize = existed && parent ? (parent.sizes[idx] as number) : 0;
      if (row === null) {
        if (!existed) continue;
        deleted++;
        counts[type] = (counts[type] ?? 0) - 1;
        bytes -= oldSize;
      } else {
        const size = Number(row.slice(row.lastIndexOf('\t') + 1));
        if (existed) {
          changed++;
          bytes += size - oldSize;
        } else {
          added++;
          counts[type] = (counts[type] ?? 0) + 1;
          bytes += size;
        }
      }
      let list = byType.get(type);
      if (!list) byType.set(type, (list = []));
      list.push({ type, id: key.slice(slash + 1), row });
    }
    const deletedKeys = new Set<string>();
    for (const [key, row] of this.changes) if (row === null) deletedKeys.add(key);
    // The rows now live in byType only; the map (and the parent listing) can go before the tree is written.
    this.changes.clear();
    this.parentTree = null;
    for (const [t, n] of Object.entries(counts)) if (n <= 0) delete counts[t];
    for (const list of byType.values()) list.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
    const total = Object.values(counts).reduce((a, b) => a + b, 0);
    // Nothing to keep is a mistake (an empty file, a server that lost its data), never a silent success.
    if (total === 0 && !this.options.allowEmpty) throw new EngineError('EMPTY_SOURCE', { source: this.options.source.location, problems: this.problemCount });
    const suspicious = shrinkVerdict(this.options.parent, total, this.options.shrinkGuardPercent ?? DEFAULT_SHRINK_GUARD_PERCENT);
    this.options.onProgress?.({ type: 'progress', op: 'backup', phase: 'commit', done: 0, total: 3, unit: 'steps' });
    const tree = await writeTree(this.repo, this.writer, parentManifest?.tree ?? null, byType, total, signal);
    await this.storeChain;
    const attachments = this.options.attachments ? await writeAttachmentListing(this.writer, this.options.attachments.records((owner) => deletedKeys.has(owner))) : null;
    throwIfAborted(signal);
    await this.writer.flush();
    throwIfAborted(signal);
    const sortedCounts: Record<string, number> = {};
    for (const t of Object.keys(counts).sort()) sortedCounts[t] = counts[t] as number;
    const manifest: SnapshotManifest = {
      version: 1,
      time: (this.options.now?.() ?? new Date()).toISOString(),
      hostname: os.hostname(),
      username: safeUser(),
      toolVersion: TOOL_VERSION,
      parent: this.options.parent?.id ?? null,
      source: this.options.source,
      serverTransactionTime: this.serverTransactionTime ?? this.options.serverTransactionTime ?? null,
      mode: this.options.mode,
      counts: sortedCounts,
      totals: {
        resources: total,
        bytes,
        added,
        changed,
        deleted,
        unchanged: total - added - changed,
        newBlobs: this.writer.stats.newBlobs,
        newBlobBytes: this.writer.stats.newBlobBytes,
        storedBytesAdded: this.writer.stats.storedBytes,
      },
      tree,
      partial: this.problemCount > 0,
      problems: this.problems,
      problemCount: this.problemCount,
      tags: [...(this.options.tags ?? [])],
      ...(attachments ? { attachments } : {}),
      ...(this.notCovered.size > 0 ? { notCovered: [...this.notCovered.values()] } : {}),
      ...(this.warnings.length > 0 ? { warnings: this.warnings } : {}),
      ...(suspicious ? { suspicious } : {}),
    };
    const snapshotId = await this.repo.saveSnapshot(manifest);
    this.options.onProgress?.({ type: 'progress', op: 'backup', phase: 'commit', done: 3, total: 3, unit: 'steps' });
    return { snapshotId, manifest };
  }
}

function safeUser(): string {
  try {
    return os.userInfo().username;
  } catch {
    return 'unknown';
  }
}

