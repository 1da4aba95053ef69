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
import {
  BlobType,
  type Dictionary,
  FLAG_ALIAS,
  materializeBatches,
  MAX_RECORDED_PROBLEMS,
  readCheckpointDir,
  type Repository,
  type RepoWriter2,
  type ResourceTreeRef,
  type RowSet,
  rowSetFlagsAndHashes,
  type SnapshotManifestV2,
  type SnapshotProblem,
  type SnapshotRecord,
  type SnapshotSource,
  type SnapshotWarning,
  type SuspiciousShrink,
  writeAttachmentListing,
} from '../repository/index.js';
import { buildLineTable, decodeBatchMeta, findLine, keyHash, ProblemCode, WorkerPool, type BatchFrame, type BatchOptions, type BatchOutput, type LineTable, type SealedBlob } from '../pool/index.js';
import { EngineError, type ErrorCode, type LongOperationOptions, throwIfAborted } from '../shared/index.js';
import type { AttachmentCollector } from './attachments.js';
import { KeySpill, makeSpillDir, removeSpillDir, RowSpill } from './spill.js';
import { analyseRun, writeRunTree, type RunState } from './treeCommit.js';

export const TOOL_VERSION = '0.2.0';
const TYPE_RE = /^[A-Z][A-Za-z]{1,63}$/;
const FHIR_ID = /^[A-Za-z0-9\-.]{1,64}$/;
const BATCH_BYTES = 1024 * 1024;

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

function sameSource(a: SnapshotSource, b: SnapshotSource): boolean {
  return a.kind === b.kind && a.location === b.location;
}

export interface ArchiveResult {
  readonly snapshotId: string;
  readonly manifest: SnapshotManifestV2;
}

/** The parent snapshot, as the run compares against it. */
export interface ParentState {
  readonly record: SnapshotRecord;
  readonly tree: ResourceTreeRef;
  readonly table: LineTable;
  /** Per table position: the sequence number of the last line that matched it (0: not seen). */
  readonly seen: Uint32Array;
}

interface Segment {
  readonly slot: number;
  readonly file: string;
  readonly line: number;
}

interface Batch {
  readonly buf: Buffer;
  used: number;
  slots: number;
  firstSeq: number;
  readonly segments: Segment[];
}

/** Batch buffers are shared with the workers and reused: a fresh SharedArrayBuffer per batch lingers until GC. */
const BATCH_CAPACITY = BATCH_BYTES + BATCH_BYTES / 4;

export class Archiver {
  private writer: RepoWriter2 | null = null;
  private pool: WorkerPool;
  private ctx = 0;
  private parent: ParentState | null = null;
  private started = false;
  private committed = false;
  /** Sequence number of the next line slot (0 is "never"). */
  private seq = 1;
  private batch: Batch | null = null;
  private readonly inflight: { batch: Batch; result: Promise<BatchOutput> }[] = [];
  private readonly spareBuffers: Buffer[] = [];
  private batchNo = 0;
  /** Run frame number → its blob id, once sealed. */
  readonly frameIds = new Map<number, Buffer>();
  private sealing: Promise<void> = Promise.resolve();
  private failure: unknown = null;
  private readonly dicts = new Map<string, Dictionary>();
  /** dropUnseen: type → sequence number of the call. */
  private readonly drops = new Map<string, number>();
  private rows: RowSpill | null = null;
  private keys: KeySpill | null = null;
  private spillDir: string | null = null;
  private readonly problems: SnapshotProblem[] = [];
  private problemCount = 0;
  private resources = 0;
  private bytesIn = 0;
  private parsed = 0;
  private lastProgress = 0;
  private subject = '';
  private serverTransactionTime: string | null = null;
  private readonly warnings: SnapshotWarning[] = [];
  private readonly notCovered = new Map<string, { type: string; code: string; status?: number; reason?: string }>();
  /** Types whose parent resources stay although this run did not see them (keepUnseen). */
  private readonly keepTypes = new Set<string>();
  /** Serialises blob writes from concurrent producers (attachment downloads). */
  private storeChain: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly repo: Repository,
    private readonly options: ArchiveOptions,
  ) {
    this.pool = options.pool ?? WorkerPool.background();
  }

  /** Loads the index, the parent's line hashes and the dictionaries; starts the workers. Call once first. */
  async begin(): Promise<void> {
    const { signal } = this.options;
    if (this.repo.version !== 2) throw new EngineError('REPO_NEEDS_MIGRATION', { location: this.repo.backend.location });
    const store = this.repo.store;
    await this.repo.loadIndex(signal);
    this.writer = this.repo.writer2();
    const parent = this.options.parent;
    if (parent && parent.manifest.version === 2 && parent.manifest.tree.kind === 'resources') {
      this.parent = await loadParent(this.repo, parent, parent.manifest.tree, signal);
    }
    this.ctx = this.pool.createContext(this.repo.workerKeys(), this.parent?.table ?? null);
    // Dictionaries earlier runs made (the latest snapshot's choice wins), if their blobs are still indexed.
    const snaps = this.options.snapshots ?? (await this.repo.listSnapshots(signal));
    const known = new Map<string, string>();
    for (const s of snaps) if (s.manifest.version === 2) for (const [t, id] of Object.entries(s.manifest.dictionaries ?? {})) known.set(t, id);
    for (const [type, id] of known) {
      const buf = Buffer.from(id, 'hex');
      if (!store.index.has(buf)) continue;
      try {
        const dict = await store.dictionary(buf, signal);
        this.dicts.set(type, dict);
        this.pool.addDictionary(dict);
      } catch (err) {
        // A damaged dictionary is reported by check; this run makes a new one.
        if (!(err instanceof EngineError)) throw err;
      }
    }
    this.spillDir = await makeSpillDir(this.options.spillDir);
    this.rows = new RowSpill(this.spillDir, this.options.spillRows ?? 65_536, (blocks) =>
      this.pool.run<Uint8Array>(
        'mergeRows',
        0,
        { blocks },
        blocks.map((b) => b.buffer as ArrayBuffer),
      ),
    );
    // Key runs of 64k records: sorting one takes a few milliseconds of this thread (the host's event loop).
    this.keys = new KeySpill(this.spillDir, Math.min(1 << 16, Math.max(16, this.options.spillRows ?? 1 << 16)));
    this.started = true;
  }

  problem(code: ErrorCode, where: { file?: string; line?: number; reason?: string }): void {
    this.problemCount++;
    if (this.problems.length < MAX_RECORDED_PROBLEMS) this.problems.push({ code, ...where });
  }

  private assertOpen(): void {
    if (!this.started) throw new Error('Archiver.begin() first');
    if (this.committed) throw new Error('Archiver already committed');
    if (this.failure !== null) throw this.failure;
    throwIfAborted(this.options.signal);
  }

  /** Adds one resource given as its raw JSON bytes. Bad lines are recorded as problems, never fatal. */
  async addLine(bytes: Buffer, where: { file: string; line: number }): Promise<void> {
    this.assertOpen();
    if (this.options.attachments) this.noteAttachments(this.options.attachments, bytes);
    let b = this.batch;
    const need = bytes.length + 1;
    if (b && b.used + need > b.buf.length) {
      await this.submit();
      b = null;
    }
    if (!b) b = this.batch = this.newBatch(need, this.seq);
    b.segments.push({ slot: b.slots, file: where.file, line: where.line });
    bytes.copy(b.buf, b.used);
    b.buf[b.used + bytes.length] = 10;
    b.used += need;
    b.slots++;
    this.seq++;
    // Bytes count as they arrive (a batch is applied later), so progress and speed move with the download.
    this.bytesIn += need;
    this.reportProgress(false);
    this.subject = where.file;
    if (b.used >= BATCH_BYTES) await this.submit();
  }

  /**
   * Tells the attachment collector of a resource that may hold attachments. The workers never hand parsed
   * resources back, so the few lines that can matter (an Attachment needs a "url"; a Binary; a resource whose
   * previous version had attachments) are parsed here; "changed" is decided by the line hash against the previous
   * snapshot of the same source, as the workers do.
   */
  private noteAttachments(collector: AttachmentCollector, bytes: Buffer): void {
    if (bytes.indexOf('"url"') < 0 && bytes.indexOf('"Binary"') < 0 && !collector.mayOwn(bytes)) return;
    let r: unknown;
    try {
      r = JSON.parse(bytes.toString('utf8'));
    } catch {
      return; // the workers record the malformed line
    }
    if (typeof r !== 'object' || r === null || Array.isArray(r)) return;
    const o = r as Record<string, unknown>;
    const type = o['resourceType'];
    const id = o['id'];
    if (typeof type !== 'string' || typeof id !== 'string' || !TYPE_RE.test(type) || !FHIR_ID.test(id)) return;
    const parent = this.parent;
    const unchanged =
      parent !== null && this.options.parent !== null && sameSource(this.options.parent.manifest.source, this.options.source) && findLine(parent.table, this.repo.store.lineHash(bytes), 0) >= 0;
    collector.resource(`${type}/${id}`, o, !unchanged);
  }

  /** Stores one chunk of attachment content as a content chunk blob; returns its id (hex). Safe to call concurrently. */
  storeChunk(data: Buffer): Promise<string> {
    const next = this.storeChain.then(async () => (await (this.writer as RepoWriter2).addBlob(BlobType.chunk, data)).id.toString('hex'));
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
    this.keepTypes.add(type);
  }

  /** Adds a chunk of whole NDJSON lines (from readNdjsonChunks): one batch for the workers. */
  async addChunk(chunk: { bytes: Buffer; file: string; firstLine: number; lines: number }): Promise<void> {
    this.assertOpen();
    if (this.batch && this.batch.used > 0) await this.submit();
    const b = this.newBatch(chunk.bytes.length, this.seq);
    chunk.bytes.copy(b.buf, 0);
    b.used = chunk.bytes.length;
    b.slots = chunk.lines;
    b.segments.push({ slot: 0, file: chunk.file, line: chunk.firstLine });
    this.seq += chunk.lines;
    this.bytesIn += chunk.bytes.length;
    this.subject = chunk.file;
    this.batch = b;
    await this.submit();
  }

  private newBatch(size: number, firstSeq: number): Batch {
    const buf = size <= BATCH_CAPACITY ? (this.spareBuffers.pop() ?? Buffer.from(new SharedArrayBuffer(BATCH_CAPACITY))) : Buffer.from(new SharedArrayBuffer(size));
    return { buf, used: 0, slots: 0, firstSeq, segments: [] };
  }

  /** Sends the current batch to a worker; waits for earlier batches when too many are in flight. */
  private async submit(): Promise<void> {
    const b = this.batch;
    this.batch = null;
    if (!b || b.used === 0) return;
    const view = b.used === b.buf.length ? b.buf : b.buf.subarray(0, b.used);
    const dicts: Record<string, string> = {};
    for (const [t, d] of this.dicts) dicts[t] = d.id.toString('hex');
    const p = this.repo.config.params;
    const options: BatchOptions = { batchNo: this.batchNo++, seqBase: b.firstSeq, frameTarget: p.frameTargetBytes, level: p.compressionLevel, dicts };
    const result = this.pool.run<BatchOutput>('batch', this.ctx, { batch: view, options });
    // Awaited in order by applyNext; marked handled now so a failure while earlier batches are applied is not "unhandled".
    result.catch(() => undefined);
    this.inflight.push({ batch: b, result });
    while (this.inflight.length > this.pool.size * 2) await this.applyNext();
  }

  /**
   * Applies the oldest batch's result (in input order, so sequence numbers stay ordered): marks the parent's lines
   * it saw, records problems, packs its sealed frames (raw ones are sealed first: their type had no dictionary
   * yet), and keeps its rows and key records for the commit.
   */
  private async applyNext(): Promise<void> {
    const head = this.inflight.shift();
    if (!head) return;
    const out = await head.result;
    const b = head.batch;
    // The worker is done with the batch buffer: reuse it.
    if (b.buf.length === BATCH_CAPACITY && this.spareBuffers.length < this.pool.size * 2 + 2) this.spareBuffers.push(b.buf);
    const meta = decodeBatchMeta(out.meta);
    const parent = this.parent;
    const hits = meta.hits;
    for (let i = 0; i < hits.length; i += 2) {
      if (parent) parent.seen[hits[i + 1] as number] = b.firstSeq + (hits[i] as number);
    }
    let seg = 0;
    for (const pr of meta.problems) {
      while (seg + 1 < b.segments.length && (b.segments[seg + 1] as Segment).slot <= pr.index) seg++;
      const s = b.segments[seg] as Segment;
      const where = { file: s.file, line: s.line + (pr.index - s.slot) };
      if (pr.code === ProblemCode.withoutId) this.problem('RESOURCE_WITHOUT_ID', where);
      else this.problem('INPUT_MALFORMED', { ...where, reason: pr.reason });
    }
    this.parsed += meta.parsed;
    this.resources += hits.length / 2 + (meta.parsed - meta.problems.length);
    const rows = this.rows as RowSpill;
    rows.addBlock(out.rows, out.rowCount);
    (this.keys as KeySpill).addWords(out.keys);
    for (let k = 0; k < meta.frames.length; k++) {
      const f = meta.frames[k] as BatchFrame;
      const blob = out.blobs[k] as Uint8Array;
      const bytes = Buffer.from(blob.buffer, blob.byteOffset, blob.byteLength);
      if (f.sealed) {
        const id = Buffer.from(f.id as Uint8Array);
        this.frameIds.set(f.frame, id);
        await this.pack(id, bytes, f.raw);
      } else await this.sealRaw(f.type, f.frame, bytes);
    }
    if (rows.full) await rows.spill();
    this.reportProgress(false);
  }

  /** Appends a sealed frame to a data pack (in order; uploads apply back-pressure). */
  private async pack(id: Buffer, envelope: Buffer, raw: number): Promise<void> {
    const writer = this.writer as RepoWriter2;
    this.sealing = this.sealing.then(async () => {
      await writer.addSealed(BlobType.frame, id, envelope, raw);
    });
    this.sealing.catch((err: unknown) => {
      this.failure ??= err;
    });
    await this.sealing;
    if (this.failure !== null) throw this.failure;
  }

  /** A frame of a type that had no dictionary when its batch left: the first full one makes it; then sealed in a worker. */
  private async sealRaw(type: string, frame: number, content: Buffer): Promise<void> {
    let dict = this.dicts.get(type) ?? null;
    const p = this.repo.config.params;
    if (!dict && p.dictionaryBytes > 0 && content.length >= p.frameTargetBytes) dict = await this.makeDictionary(type, content, p.dictionaryBytes);
    // content is this thread's own buffer (moved here by the worker): it can be moved back.
    const [s] = await this.pool.run<SealedBlob[]>('seal', this.ctx, { items: [{ content, dict: dict ? dict.id.toString('hex') : null }], level: p.compressionLevel }, [content.buffer as ArrayBuffer]);
    if (!s) throw new EngineError('INTERNAL', { reason: 'no sealed frame' });
    const id = Buffer.from(s.id);
    this.frameIds.set(frame, id);
    await this.pack(id, Buffer.from(s.envelope.buffer, s.envelope.byteOffset, s.envelope.byteLength), s.raw);
  }

  /**
   * A type's dictionary: its first lines, whole, up to dictionaryBytes (§9.2), stored as a tree-class blob. One
   * more LF ends it, so its content never equals a frame's (a frame holds no empty line) and never shares its id.
   */
  private async makeDictionary(type: string, content: Buffer, size: number): Promise<Dictionary> {
    let end = 0;
    for (let nl = content.indexOf(10); nl >= 0 && nl + 2 <= size; nl = content.indexOf(10, nl + 1)) end = nl + 1;
    const body = content.subarray(0, end > 0 ? end : Math.min(size - 1, content.length));
    const bytes = Buffer.concat([body, Buffer.from('\n')]);
    const { id } = await (this.writer as RepoWriter2).addBlob(BlobType.dictionary, bytes);
    const dict: Dictionary = { id, content: bytes };
    this.dicts.set(type, dict);
    this.repo.store.rememberDictionary(dict);
    this.pool.addDictionary(dict);
    return dict;
  }

  /** Processes everything submitted so far. */
  private async drain(): Promise<void> {
    await this.submit();
    while (this.inflight.length > 0) await this.applyNext();
  }

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

  private reportProgress(force: boolean): void {
    const now = Date.now();
    if (!force && now - this.lastProgress < 250) return;
    this.lastProgress = now;
    // A file name is a useful subject; a download address is not (and is no words for the clinic's staff).
    const subject = this.subject && !/^[a-z][a-z0-9+.-]*:\/\//i.test(this.subject) ? { subject: this.subject } : {};
    this.options.onProgress?.({ type: 'progress', op: 'backup', phase: 'read', done: this.resources, unit: 'resources', bytes: this.bytesIn, ...subject });
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
      ...(this.options.deltaKeys !== undefined ? { deltaKeys: this.options.deltaKeys } : {}),
    };
  }

  /** Writes the tree, the packs and the index, then the snapshot file (the commit point). */
  async commit(): Promise<ArchiveResult> {
    this.assertOpen();
    const { signal } = this.options;
    const writer = this.writer as RepoWriter2;
    try {
      await this.drain();
      await this.sealing;
      if (this.failure !== null) throw this.failure;
      this.reportProgress(true);
      throwIfAborted(signal);
      this.options.onProgress?.({ type: 'progress', op: 'backup', phase: 'commit', done: 0, total: 3, unit: 'steps' });
      const state = this.runState();
      const analysis = await analyseRun(state, { signal, collectDelta: true });
      // Nothing to keep is a mistake (an empty file, a server that lost its data), never a silent success.
      if (analysis.resources === 0 && !this.options.allowEmpty) throw new EngineError('EMPTY_SOURCE', { source: this.options.source.location, problems: this.problemCount });
      const previous = this.options.parent && sameSource(this.options.parent.manifest.source, this.options.source) ? this.options.parent : null;
      const suspicious = shrinkVerdict(previous, analysis.resources, this.options.shrinkGuardPercent ?? DEFAULT_SHRINK_GUARD_PERCENT);
      this.options.onProgress?.({ type: 'progress', op: 'backup', phase: 'commit', done: 1, total: 3, unit: 'steps' });
      const tree = await writeRunTree(state, analysis, writer, { signal, onProgress: this.options.onProgress });
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

  /** Releases the workers' context and the spill files (also after a failed run). */
  async close(): Promise<void> {
    for (const f of this.inflight.splice(0)) await f.result.catch(() => undefined);
    await this.sealing.catch(() => undefined);
    if (this.ctx) this.pool.dropContext(this.ctx);
    this.ctx = 0;
    if (this.spillDir) await removeSpillDir(this.spillDir);
    this.spillDir = null;
  }
}

/**
 * The parent a backup compares against: the latest snapshot of the same source, else the latest resource
 * snapshot of any source (a moved export folder or a renamed server: unchanged lines still cost nothing).
 */
export function dedupParent(snaps: readonly SnapshotRecord[], sameSource: (s: SnapshotRecord) => boolean): SnapshotRecord | null {
  const resources = snaps.filter((s) => s.manifest.version === 2 && s.manifest.tree.kind === 'resources');
  for (let i = resources.length - 1; i >= 0; i--) if (sameSource(resources[i] as SnapshotRecord)) return resources[i] as SnapshotRecord;
  return resources[resources.length - 1] ?? null;
}

/** Reads the parent's rows once: their line hashes become the shared look-up table. */
export async function loadParent(repo: Repository, record: SnapshotRecord, tree: ResourceTreeRef, signal?: AbortSignal): Promise<ParentState> {
  const read = (id: string, s?: AbortSignal): Promise<Buffer> => repo.store.readBlob(id, s);
  let hashes = Buffer.allocUnsafe(Math.max(1024, (record.manifest.totals.resources + 16) * 12));
  let n = 0;
  const add = (flags: number, src: Uint8Array, at: number): void => {
    if (flags & FLAG_ALIAS) return;
    if ((n + 1) * 12 > hashes.length) {
      const grown = Buffer.allocUnsafe(hashes.length * 2);
      hashes.copy(grown, 0, 0, n * 12);
      hashes = grown;
    }
    hashes.set(src.subarray(at, at + 12), n * 12);
    n++;
  };
  if (tree.deltas.length === 0) {
    // A checkpoint alone: its chunks' flag and hash columns are all that is needed.
    const dir = await readCheckpointDir(read, tree, { signal });
    for (const c of dir?.chunks ?? []) {
      const { flags, hashes: h } = rowSetFlagsAndHashes(await read(c.blob, signal));
      for (let i = 0; i < flags.length; i++) add(flags[i] as number, h, i * 12);
    }
  } else {
    for await (const b of materializeBatches(read, tree, { signal }))
      for (let k = 0; k < b.n; k++) add((b.sets[k] as RowSet).flags[b.rows[k] as number] as number, (b.sets[k] as RowSet).hashes, (b.rows[k] as number) * 12);
  }
  const table = buildLineTable(hashes, n);
  return { record, tree, table, seen: new Uint32Array(n) };
}

function safeUser(): string {
  try {
    return os.userInfo().username;
  } catch {
    return 'unknown';
  }
}
