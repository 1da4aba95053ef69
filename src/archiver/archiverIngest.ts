/** The ingest side of Archiver (archiver.ts): batches to the workers, frames, dictionaries and packs. */
import {
  BlobType,
  type Dictionary,
  MAX_RECORDED_PROBLEMS,
  type Repository,
  type RepoWriter2,
  type ResourceTreeRef,
  type SnapshotProblem,
  type SnapshotRecord,
  type SnapshotWarning,
} from '../repository/index.js';
import {
  backgroundPoolSize,
  decodeBatchMeta,
  findLine,
  FRAMES_PER_BATCH,
  parentBackupPoolSize,
  ProblemCode,
  WorkerPool,
  type BatchFrame,
  type BatchOptions,
  type BatchOutput,
  type LineTable,
  type SealedBlob,
} from '../pool/index.js';
import { EngineError, type ErrorCode, throwIfAborted } from '../shared/index.js';
import type { AttachmentCollector } from './attachments.js';
import { KeySpill, makeSpillDir, RowSpill } from './spill.js';
import type { ArchiveOptions } from './archiver.js';
import { loadParent, sameSource, type ParentState } from './parent.js';
import { FrameIds } from './frameIds.js';
import { defaultFrameGroups, FrameGroups } from './frameGroups.js';

export const TYPE_RE = /^[A-Z][A-Za-z]{1,63}$/;
export const FHIR_ID = /^[A-Za-z0-9\-.]{1,64}$/;
const BATCH_BYTES = 1024 * 1024;
const URL_KEY = Buffer.from('"url"');
const BINARY_TYPE = Buffer.from('"Binary"');

/** Whether raw JSON bytes may hold an attachment to note: an Attachment needs a "url"; a Binary; a type that owned one before. */
function mayHoldAttachments(collector: AttachmentCollector, bytes: Buffer): boolean {
  return bytes.indexOf(URL_KEY) >= 0 || bytes.indexOf(BINARY_TYPE) >= 0 || collector.mayOwn(bytes);
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

/** The parent's line hashes, read here and made into the shared look-up table in the pool. */
export function loadParentInPool(repo: Repository, parent: SnapshotRecord, pool: WorkerPool, signal?: AbortSignal): Promise<ParentState> {
  return loadParent(repo, parent, parent.manifest.tree as ResourceTreeRef, signal, (hashes, count) => pool.run<LineTable>('lineTable', 0, { hashes, count }, [hashes.buffer as ArrayBuffer]));
}

/** The pool a run uses: one worker per core with a parent (it parses few lines), one fewer without (pool.ts). */
export function archivePool(parent: SnapshotRecord | null): WorkerPool {
  return WorkerPool.background(parent ? parentBackupPoolSize() : backgroundPoolSize());
}

/**
 * What Archiver.begin() does first, started early by a caller that has other waits (the FHIR backup: probing the
 * server, the export's kick-off): the workers started, the index loaded and the parent's line table built. Give the
 * promise to the Archiver of the same parent as `prepared`; it is never rejected unhandled.
 */
export function prepareArchive(repo: Repository, parent: SnapshotRecord | null, signal?: AbortSignal): Promise<ParentState | null> {
  const pool = archivePool(parent);
  pool.start();
  const prepared = (async () => {
    await repo.loadIndex(signal);
    return parent && parent.manifest.version === 2 && parent.manifest.tree.kind === 'resources' ? await loadParentInPool(repo, parent, pool, signal) : null;
  })();
  prepared.catch(() => undefined);
  return prepared;
}

export class ArchiverIngest {
  protected writer: RepoWriter2 | null = null;
  protected pool: WorkerPool;
  protected ctx = 0;
  protected parent: ParentState | null = null;
  protected started = false;
  protected committed = false;
  /** Sequence number of the next line slot (0 is "never"). */
  protected seq = 1;
  protected batch: Batch | null = null;
  protected readonly inflight: { batch: Batch; result: Promise<BatchOutput> }[] = [];
  protected readonly spareBuffers: Buffer[] = [];
  protected batchNo = 0;
  /** Run frame number → its blob id, once sealed (16 bytes per frame). */
  readonly frameIds = new FrameIds();
  /** Each type's open frames per patient group, across batches (frameGroups.ts); made by begin(). */
  protected groups: FrameGroups | null = null;
  protected sealing: Promise<void> = Promise.resolve();
  protected failure: unknown = null;
  protected readonly dicts = new Map<string, Dictionary>();
  /** dropUnseen: type → sequence number of the call. */
  protected readonly drops = new Map<string, number>();
  protected rows: RowSpill | null = null;
  protected keys: KeySpill | null = null;
  protected spillDir: string | null = null;
  protected readonly problems: SnapshotProblem[] = [];
  protected problemCount = 0;
  protected resources = 0;
  protected bytesIn = 0;
  protected parsed = 0;
  protected lastProgress = 0;
  protected subject = '';
  protected serverTransactionTime: string | null = null;
  protected readonly warnings: SnapshotWarning[] = [];
  protected readonly notCovered = new Map<string, { type: string; code: string; status?: number; reason?: string }>();
  /** Types whose parent resources stay although this run did not see them (keepUnseen). */
  protected readonly keepTypes = new Set<string>();
  /** Serialises blob writes from concurrent producers (attachment downloads). */
  protected storeChain: Promise<unknown> = Promise.resolve();

  constructor(
    protected readonly repo: Repository,
    protected readonly options: ArchiveOptions,
  ) {
    // A daily backup (with a parent) hashes every line and parses few: one worker per core (pool.ts says why).
    this.pool = options.pool ?? archivePool(options.parent);
  }

  /** Loads the index, the parent's line hashes and the dictionaries; starts the workers. Call once first. */
  async begin(): Promise<void> {
    const { signal } = this.options;
    if (this.repo.version !== 2) throw new EngineError('REPO_NEEDS_MIGRATION', { location: this.repo.backend.location });
    const store = this.repo.store;
    // The workers start now: their start-up (module loading, ~0.2 s each) overlaps reading the index and the
    // parent's tree here, instead of delaying the parent's line table (built in the pool) and the first batch.
    this.pool.start();
    // Prepared while the source was being probed (prepareArchive): the index is loaded and the parent's table built.
    const prepared = this.options.prepared ? await this.options.prepared : null;
    await this.repo.loadIndex(signal);
    this.writer = this.repo.writer2();
    const parent = this.options.parent;
    if (parent && parent.manifest.version === 2 && parent.manifest.tree.kind === 'resources') {
      if (prepared && prepared.record.id === parent.id) {
        // A strategy tried before this one may have marked lines seen: this run starts from none.
        prepared.seen.fill(0);
        this.parent = prepared;
      } else this.parent = await loadParentInPool(this.repo, parent, this.pool, signal);
    }
    this.ctx = this.pool.createContext(this.repo.workerKeys(), this.parent?.table ?? null);
    const level = this.repo.config.params.compressionLevel;
    this.groups = new FrameGroups(this.repo.config.params.frameTargetBytes, this.options.frameGroups ?? defaultFrameGroups(), {
      dictFor: async (type, content) => {
        const dict = this.dicts.get(type) ?? (await this.dictionaryFor(type, content));
        return dict ? dict.id.toString('hex') : null;
      },
      seal: (items, transfer) => this.pool.run<SealedBlob[]>('seal', this.ctx, { items, level }, transfer),
      sealed: async (frames, s) => {
        const id = Buffer.from(s.id);
        for (let i = 0; i < frames.length; i += 2) this.frameIds.set(frames[i] as number, id, frames[i + 1] as number);
        await this.pack(id, Buffer.from(s.envelope.buffer, s.envelope.byteOffset, s.envelope.byteLength), s.raw);
      },
    });
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
    // Key runs of 64k records, sorted in the pool: 10–25 ms of CPU each, which this thread (the host's event loop)
    // would otherwise spend in one piece.
    this.keys = new KeySpill(this.spillDir, Math.min(1 << 16, Math.max(16, this.options.spillRows ?? 1 << 16)), (words, n) =>
      this.pool.run<Uint32Array>('sortKeys', 0, { words, n }, [words.buffer as ArrayBuffer]),
    );
    this.started = true;
  }

  problem(code: ErrorCode, where: { file?: string; line?: number; reason?: string }): void {
    this.problemCount++;
    if (this.problems.length < MAX_RECORDED_PROBLEMS) this.problems.push({ code, ...where });
  }

  protected assertOpen(): void {
    if (!this.started) throw new Error('Archiver.begin() first');
    if (this.committed) throw new Error('Archiver already committed');
    if (this.failure !== null) throw this.failure;
    throwIfAborted(this.options.signal);
  }

  /** Adds one resource given as its raw JSON bytes (no line end in them). Bad lines are recorded as problems, never fatal. */
  addLine(bytes: Buffer, where: { file: string; line: number }): Promise<void> {
    return this.addLines({ bytes, file: where.file, firstLine: where.line, lines: 1 });
  }

  /**
   * Adds whole NDJSON lines as they came, in one block (a network chunk's worth from a bulk download: `lines` line
   * slots, its LFs plus one for a last line without LF; CR and blank lines are the workers' to skip, as in a file's
   * chunks). The block is copied into the current batch at once: nothing is made per line on this thread.
   */
  async addLines(block: { bytes: Buffer; file: string; firstLine: number; lines: number }): Promise<void> {
    this.assertOpen();
    const bytes = block.bytes;
    if (bytes.length === 0 || block.lines <= 0) return;
    if (this.options.attachments) this.noteAttachmentsIn(this.options.attachments, bytes);
    const endsWithLf = bytes[bytes.length - 1] === 10;
    const need = bytes.length + (endsWithLf ? 0 : 1);
    let b = this.batch;
    if (b && b.used + need > b.buf.length) {
      await this.submit();
      b = null;
    }
    if (!b) b = this.batch = this.newBatch(need, this.seq);
    b.segments.push({ slot: b.slots, file: block.file, line: block.firstLine });
    bytes.copy(b.buf, b.used);
    if (!endsWithLf) b.buf[b.used + bytes.length] = 10;
    b.used += need;
    b.slots += block.lines;
    this.seq += block.lines;
    this.bytesIn += need;
    this.reportProgress(false);
    this.subject = block.file;
    if (b.used >= (this.options.batchBytes ?? BATCH_BYTES)) await this.submit();
  }

  /** noteAttachments for each line of a block, after one look at the whole block (most blocks can hold none). */
  private noteAttachmentsIn(collector: AttachmentCollector, block: Buffer): void {
    if (!mayHoldAttachments(collector, block)) return;
    for (let start = 0; start < block.length;) {
      let nl = block.indexOf(10, start);
      if (nl < 0) nl = block.length;
      const end = nl > start && block[nl - 1] === 13 ? nl - 1 : nl;
      const line = block.subarray(start, end);
      // The block may hold one; each of its lines is looked at again (the whole block when it is one line).
      if (end > start && ((start === 0 && nl >= block.length - 1) || mayHoldAttachments(collector, line))) this.noteAttachments(collector, line);
      start = nl + 1;
    }
  }

  /**
   * Tells the attachment collector of a resource that may hold attachments (mayHoldAttachments said so). The workers never hand parsed
   * resources back, so the few lines that can matter (an Attachment needs a "url"; a Binary; a resource whose
   * previous version had attachments) are parsed here; "changed" is decided by the line hash against the previous
   * snapshot of the same source, as the workers do.
   */
  private noteAttachments(collector: AttachmentCollector, bytes: Buffer): void {
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
  protected async submit(): Promise<void> {
    const b = this.batch;
    this.batch = null;
    if (!b || b.used === 0) return;
    const view = b.used === b.buf.length ? b.buf : b.buf.subarray(0, b.used);
    const dicts: Record<string, string> = {};
    for (const [t, d] of this.dicts) dicts[t] = d.id.toString('hex');
    const p = this.repo.config.params;
    const groups = (this.groups as FrameGroups).groups();
    const options: BatchOptions = { batchNo: this.batchNo++, seqBase: b.firstSeq, frameTarget: p.frameTargetBytes, level: p.compressionLevel, dicts, groups };
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
    this.reserveFrames(meta.frames);
    const groups = this.groups as FrameGroups;
    groups.note(meta.types, meta.frames);
    let blobAt = 0;
    let partialAt = 0;
    // The partial frames, written by the worker over the batch buffer's start (or in a buffer of their own).
    const partials = out.partials ?? b.buf;
    for (const f of meta.frames) {
      if (f.partial) {
        // Its group's frame spans batches: appended there (copied), sealed once full (frameGroups.ts).
        groups.add(f.type, f.group, f.frame, partials.subarray(partialAt, partialAt + f.raw));
        partialAt += f.raw;
        continue;
      }
      const blob = out.blobs[blobAt++] as Uint8Array;
      const bytes = Buffer.from(blob.buffer, blob.byteOffset, blob.byteLength);
      // Packed in order with the frames sealed in the pool (a type's lines keep their order in storage, §19.2).
      if (f.sealed) groups.sealedByWorker(f.type, f.frame, { id: Buffer.from(f.id as Uint8Array), envelope: bytes, raw: f.raw });
      else groups.whole(f.type, f.frame, bytes);
    }
    if (partialAt !== out.partialBytes) throw new EngineError('INTERNAL', { reason: 'partial frames and their bytes disagree' });
    // The worker and the groups are done with the batch buffer: reuse it.
    if (b.buf.length === BATCH_CAPACITY && this.spareBuffers.length < this.pool.size * 2 + 2) this.spareBuffers.push(b.buf);
    await groups.dispatch();
    if (rows.full) await rows.spill();
    this.reportProgress(false);
  }

  /** Gives a batch's frames their slots in the frame id table (frame numbers: batch · FRAMES_PER_BATCH + local). */
  private reserveFrames(frames: readonly BatchFrame[]): void {
    let batch = -1;
    let n = 0;
    for (const f of frames) {
      const b = Math.floor(f.frame / FRAMES_PER_BATCH);
      if (batch >= 0 && b !== batch) throw new EngineError('INTERNAL', { reason: 'frames of two batches in one result' });
      batch = b;
      n = Math.max(n, f.frame - b * FRAMES_PER_BATCH + 1);
    }
    if (batch >= 0) this.frameIds.reserve(batch, n);
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

  /** A type without a dictionary yet: its first full frame makes it (§9.2); a partly filled one does not. */
  private async dictionaryFor(type: string, content: Buffer): Promise<Dictionary | null> {
    const p = this.repo.config.params;
    return p.dictionaryBytes > 0 && content.length >= p.frameTargetBytes ? this.makeDictionary(type, content, p.dictionaryBytes) : null;
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

  /** Processes everything submitted so far (the groups' open frames stay open: flushFrames at the commit). */
  protected async drain(): Promise<void> {
    await this.submit();
    while (this.inflight.length > 0) await this.applyNext();
  }

  /** Seals and packs every group's open frame: the run's last lines. */
  protected async flushFrames(): Promise<void> {
    await this.drain();
    await (this.groups as FrameGroups).flush();
  }

  protected reportProgress(force: boolean): void {
    const now = Date.now();
    if (!force && now - this.lastProgress < 250) return;
    this.lastProgress = now;
    // A file name is a useful subject; a download address is not (and is no words for the clinic's staff).
    const subject = this.subject && !/^[a-z][a-z0-9+.-]*:\/\//i.test(this.subject) ? { subject: this.subject } : {};
    this.options.onProgress?.({ type: 'progress', op: 'backup', phase: 'read', done: this.resources, unit: 'resources', bytes: this.bytesIn, ...subject });
  }
}
