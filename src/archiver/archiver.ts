/**
 * The backup pipeline of format v2 (docs/format.md §14, §21.1; issue 16):
 *
 *   NDJSON chunks or resource lines → batches of ~1 MiB (SharedArrayBuffer) → workers: split lines, line hash,
 *   look-up in the parent's line-hash table, parse only new lines → main thread: a hit marks the parent's row as
 *   seen; a new line goes into its type's frame (~64 KiB, compressed with the type's dictionary) and its rows spill
 *   to disk in sorted runs → workers seal full frames → packs → at commit: spilled runs merged with the parent's
 *   rows streamed in order → delta or checkpoint → tree blobs, flush, index, snapshot (the commit point).
 *
 * Memory holds the parent's line hashes (12 B per resource, shared with the workers), a sequence number per
 * parent resource (4 B, the last line that saw it: the last line of a key wins), and bounded buffers; rows and
 * key records of new lines live in spill files. Lines are stored as the source's bytes, never re-serialised.
 */
import os from 'node:os';
import { BlobType, type Dictionary, type RepoWriter2, type SnapshotManifestV2, type SnapshotRecord, type SnapshotSource, writeAttachmentListing } from '../repository/index.js';
import { keyHash, type SealedBlob, type TreeChunkOut, type WorkerPool } from '../pool/index.js';
import { EngineError, type LongOperationOptions, throwIfAborted, TOOL_VERSION } from '../shared/index.js';
import type { AttachmentCollector } from './attachments.js';
import { type KeySpill, removeSpillDir, type RowSpill } from './spill.js';
import { analyseRun, KEY_ID_FILTER_MAX, writeFirstTree, writeRunTree, type RunAnalysis, type RunState } from './treeCommit.js';
import { frameTable, writeFirstTreeInPool } from './firstTree.js';
import { ArchiverIngest, FHIR_ID, TYPE_RE } from './archiverIngest.js';
import type { ParentState } from './parent.js';

export { prepareArchive } from './archiverIngest.js';
import { DEFAULT_SHRINK_GUARD_PERCENT, sameSource, shrinkVerdict } from './parent.js';

export { DEFAULT_SHRINK_GUARD_PERCENT, dedupParent, loadParent, shrinkVerdict, type ParentState } from './parent.js';

/** Defined in src/shared (the façade shows it without loading the archiver). */
export { TOOL_VERSION };

export interface ArchiveOptions extends LongOperationOptions {
  readonly source: SnapshotSource;
  /** "full": the input lists every resource (absent = deleted); "incremental": only changes, deletions explicit. */
  readonly mode: 'full' | 'incremental';
  readonly parent: SnapshotRecord | null;
  readonly serverTransactionTime?: string | null;
  readonly tags?: readonly string[];
  readonly now?: () => Date;
  /** The repository's snapshots (for the dictionaries earlier runs made); listed when absent. */
  readonly snapshots?: readonly SnapshotRecord[];
  /** Worker pool (default: the process-wide background pool). */
  readonly pool?: WorkerPool;
  /** Rows kept (as compact records) before a sorted run is written to disk (default 65,536). */
  readonly spillRows?: number;
  /** Upserted keys per tree delta (default 65,536, §14.8; tests use fewer). */
  readonly deltaKeys?: number;
  /** Where spill files go (default: the OS temp folder). */
  readonly spillDir?: string;
  /**
   * A first backup's checkpoint rows are encoded on this thread (writeFirstTree) instead of in the pool
   * (writeFirstTreeInPool, the default): the same blobs, byte for byte; tests compare the two.
   */
  readonly firstTreeOnThisThread?: boolean;
  /** Distinct keys up to which the commit tests parent rows by id before hashing their keys (tests: 0 turns it off). */
  readonly keyIdFilterMax?: number;
  /** The index and the parent's table, prepared early (prepareArchive with the same parent); used when it matches. */
  readonly prepared?: Promise<ParentState | null>;
  /**
   * Most frame groups per resource type (frameGroups.ts: a shuffled type's lines are framed by patient group so one
   * patient is a small read); 1 frames lines in arrival order. Default 128 (CLINIC_BACKUP_FRAME_GROUPS for measurements).
   */
  readonly frameGroups?: number;
  /** Bytes of resource lines (addLine) per batch for the workers (default 1 MiB; tests use less to have many batches). */
  readonly batchBytes?: number;
  /** Adjusts the manifest before it is written (migrate keeps a version 1 snapshot's time, host and problems). */
  readonly finishManifest?: (manifest: SnapshotManifestV2) => SnapshotManifestV2;
  /** Told of every resource that may hold attachments (and whether it changed), for the attachments to fetch and keep. */
  readonly attachments?: AttachmentCollector;
  /** A snapshot without any resource is an error (EMPTY_SOURCE) unless this is set (an empty source is expected). */
  readonly allowEmpty?: boolean;
  /**
   * Shrink guard: a snapshot holding more than this percentage fewer resources than the previous snapshot of the
   * same source is committed but marked suspicious (default 30; 0 turns the guard off).
   */
  readonly shrinkGuardPercent?: number;
}

export interface ArchiveResult {
  readonly snapshotId: string;
  readonly manifest: SnapshotManifestV2;
}

export class Archiver extends ArchiverIngest {
  /** The ids of this run's deletions, for the commit's parent walk; null once too many to keep. */
  private deletedIds: Set<string> | null = new Set();

  /** The server's clock for this run's data (known only when the source finishes, e.g. a bulk manifest). */
  setServerTransactionTime(time: string | null): void {
    this.serverTransactionTime = time;
  }

  /** Records a deletion reported by the source (incremental mode). */
  async deleteResource(type: string, id: string): Promise<void> {
    this.assertOpen();
    // Deletions come from the server (manifests, _history); validate before they reach the tree encoding.
    if (!TYPE_RE.test(type) || !FHIR_ID.test(id)) {
      this.problem('INPUT_MALFORMED', { reason: `invalid deleted resource reference "${`${type}/${id}`.slice(0, 80)}"` });
      return;
    }
    // The lines before it keep lower sequence numbers than the deletion: the later event wins.
    await this.submit();
    if (this.deletedIds !== null) {
      this.deletedIds.add(id);
      // Past the commit's id filter's size the ids are not kept (the commit then hashes every parent row's key).
      if (this.deletedIds.size > (this.options.keyIdFilterMax ?? KEY_ID_FILTER_MAX)) this.deletedIds = null;
    }
    const kh = new Uint32Array(3);
    keyHash(type, id, kh, 0);
    (this.keys as KeySpill).add(kh[0] as number, kh[1] as number, kh[2] as number, this.seq++, true);
  }

  /** The source starts over: forgets this run's resources, deletions and problems (blobs already stored are reused). */
  async restart(): Promise<void> {
    this.assertOpen();
    await this.drain();
    this.options.attachments?.restart();
    this.parent?.seen.fill(0);
    await (this.rows as RowSpill).clear();
    await (this.keys as KeySpill).clear();
    this.drops.clear();
    this.deletedIds = new Set();
    this.problems.length = 0;
    this.problemCount = 0;
    this.resources = 0;
    this.bytesIn = 0;
  }

  /** Resources of a type the snapshot holds so far: the parent's plus this run's additions, minus its deletions. */
  async liveCount(type: string): Promise<number> {
    this.assertOpen();
    await this.drain();
    const state = await analyseRun(this.runState(), { countType: type, signal: this.options.signal });
    return state.counts[type] ?? 0;
  }

  /** Incremental mode, after the source listed every resource of a type: the parent's ones not seen in this run are deleted. */
  async dropUnseen(type: string): Promise<void> {
    this.assertOpen();
    await this.submit();
    this.drops.set(type, this.seq++);
  }

  /** Lines parsed by this run (a line the parent holds unchanged is never parsed). */
  get parsedLines(): number {
    return this.parsed;
  }

  private runState(): RunState {
    return {
      repo: this.repo,
      parent: this.parent,
      mode: this.options.mode,
      drops: this.drops,
      keepTypes: this.keepTypes,
      rows: this.rows as RowSpill,
      keys: this.keys as KeySpill,
      frameIds: this.frameIds,
      maxSeq: this.seq,
      deletedIds: this.deletedIds,
      ...(this.options.keyIdFilterMax !== undefined ? { keyIdFilterMax: this.options.keyIdFilterMax } : {}),
      ...(this.options.deltaKeys !== undefined ? { deltaKeys: this.options.deltaKeys } : {}),
    };
  }

  /** Writes the tree, the packs and the index, then the snapshot file (the commit point). */
  async commit(): Promise<ArchiveResult> {
    this.assertOpen();
    const { signal } = this.options;
    const writer = this.writer as RepoWriter2;
    try {
      await this.flushFrames();
      await this.sealing;
      if (this.failure !== null) throw this.failure;
      // Every frame is in: the last data pack goes now, and the tree packs reuse its buffer (peak memory).
      if (!this.options.attachments) await writer.finishPacks('data');
      this.reportProgress(true);
      throwIfAborted(signal);
      this.options.onProgress?.({ type: 'progress', op: 'backup', phase: 'commit', done: 0, total: 3, unit: 'steps' });
      const state = this.runState();
      // Without a parent tree the rows are counted while the checkpoint is written (one merge of the spill runs).
      // Its tree blobs are sealed in the pool (idle by now) while this thread merges the next rows.
      const first = state.parent === null ? await this.firstTree(state, await analyseRun(state, { signal, countRows: false }), writer) : null;
      const analysis = first ? first.analysis : await analyseRun(state, { signal, collectDelta: true });
      // Nothing to keep is a mistake (an empty file, a server that lost its data), never a silent success.
      if (analysis.resources === 0 && !this.options.allowEmpty) throw new EngineError('EMPTY_SOURCE', { source: this.options.source.location, problems: this.problemCount });
      const previous = this.options.parent && sameSource(this.options.parent.manifest.source, this.options.source) ? this.options.parent : null;
      const suspicious = shrinkVerdict(previous, analysis.resources, this.options.shrinkGuardPercent ?? DEFAULT_SHRINK_GUARD_PERCENT);
      this.options.onProgress?.({ type: 'progress', op: 'backup', phase: 'commit', done: 1, total: 3, unit: 'steps' });
      const tree = first ? first.tree : await writeRunTree(state, analysis, writer, { signal, onProgress: this.options.onProgress });
      await this.storeChain;
      let attachments = null;
      if (this.options.attachments) {
        const deleted = new Set(analysis.deletions.map((d) => `${d.type}/${d.id}`));
        attachments = await writeAttachmentListing(
          async (listing) => (await writer.addBlob(BlobType.tree, listing)).id.toString('hex'),
          this.options.attachments.records((owner) => deleted.has(owner)),
        );
      }
      throwIfAborted(signal);
      await writer.flush();
      this.options.onProgress?.({ type: 'progress', op: 'backup', phase: 'commit', done: 2, total: 3, unit: 'steps' });
      throwIfAborted(signal);
      const counts: Record<string, number> = {};
      for (const t of Object.keys(analysis.counts).sort()) if ((analysis.counts[t] ?? 0) > 0) counts[t] = analysis.counts[t] as number;
      const dictionaries: Record<string, string> = {};
      for (const t of [...this.dicts.keys()].sort()) dictionaries[t] = (this.dicts.get(t) as Dictionary).id.toString('hex');
      const manifest: SnapshotManifestV2 = {
        version: 2,
        time: (this.options.now?.() ?? new Date()).toISOString(),
        hostname: os.hostname(),
        username: safeUser(),
        toolVersion: TOOL_VERSION,
        parent: this.options.parent?.id ?? null,
        source: this.options.source,
        serverTransactionTime: this.serverTransactionTime ?? this.options.serverTransactionTime ?? null,
        mode: this.options.mode,
        counts,
        totals: {
          resources: analysis.resources,
          bytes: analysis.bytes,
          added: analysis.added,
          changed: analysis.changed,
          deleted: analysis.deleted,
          unchanged: analysis.resources - analysis.added - analysis.changed,
          newBlobs: writer.stats.newBlobs,
          newBlobBytes: writer.stats.newBlobBytes,
          storedBytesAdded: writer.stats.storedBytes,
        },
        tree,
        dictionaries,
        attachments,
        partial: this.problemCount > 0,
        problems: this.problems,
        problemCount: this.problemCount,
        tags: [...(this.options.tags ?? [])],
        ...(this.notCovered.size > 0 ? { notCovered: [...this.notCovered.values()] } : {}),
        ...(this.warnings.length > 0 ? { warnings: this.warnings } : {}),
        ...(suspicious ? { suspicious } : {}),
      };
      const final = this.options.finishManifest ? this.options.finishManifest(manifest) : manifest;
      const snapshotId = await this.repo.saveSnapshot(final);
      this.committed = true;
      this.options.onProgress?.({ type: 'progress', op: 'backup', phase: 'commit', done: 3, total: 3, unit: 'steps' });
      return { snapshotId, manifest: final };
    } finally {
      await this.close();
    }
  }

  /** Seals a tree blob in the pool (no dictionary; the content is copied to the worker, not moved). */
  /** The tree of a run without a parent tree: its checkpoint chunks encoded and sealed in the pool (idle by now). */
  private firstTree(state: RunState, analysis: RunAnalysis, writer: RepoWriter2): ReturnType<typeof writeFirstTree> {
    const { signal } = this.options;
    if (this.options.firstTreeOnThisThread) return writeFirstTree(state, analysis, writer, { signal, seal: (content) => this.sealTree(content) });
    const frames = frameTable(this.frameIds);
    const level = this.repo.config.params.compressionLevel;
    return writeFirstTreeInPool(
      state,
      analysis,
      writer,
      (records, count) => this.pool.run<TreeChunkOut>('treeChunk', this.ctx, { records, count, frames, level }, [records.buffer as ArrayBuffer]),
      signal,
    );
  }

  private async sealTree(content: Buffer): Promise<{ envelope: Buffer; raw: number }> {
    const [s] = await this.pool.run<SealedBlob[]>('seal', this.ctx, { items: [{ content, dict: null }], level: this.repo.config.params.compressionLevel });
    if (!s) throw new EngineError('INTERNAL', { reason: 'no sealed tree blob' });
    return { envelope: Buffer.from(s.envelope.buffer, s.envelope.byteOffset, s.envelope.byteLength), raw: s.raw };
  }

  /** Releases the workers' context and the spill files (also after a failed run). */
  async close(): Promise<void> {
    for (const f of this.inflight.splice(0)) await f.result.catch(() => undefined);
    await this.groups?.abandon();
    await this.sealing.catch(() => undefined);
    if (this.ctx) this.pool.dropContext(this.ctx);
    this.ctx = 0;
    if (this.spillDir) await removeSpillDir(this.spillDir);
    this.spillDir = null;
  }
}

function safeUser(): string {
  try {
    return os.userInfo().username;
  } catch {
    return 'unknown';
  }
}
