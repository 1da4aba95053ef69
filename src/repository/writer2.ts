/**
 * Writing a version 2 repository (docs/format.md §11, §21.1): sealed blobs are appended to packs of one class
 * (data: frames and chunks; tree: trees and dictionaries); a pack is finished (sealed header, trailer), named by
 * the SHA-256 of its bytes and uploaded once it reaches the target size. At most two uploads per class run at
 * once: back-pressure reaches the caller through the promise of add. An index file is written every 64 packs
 * and at flush; nothing is visible until a snapshot references it.
 */
import { createHash } from 'node:crypto';
import { Kind2, seal2, type SealOptions } from './envelope2.js';
import { encodePackHeader2, packClassOf, packTrailer, type BlobEntry2, type BlobTypeId, type PackClass, type PackRecord2 } from './pack2.js';
import type { Store2 } from './store2.js';

export interface WriterParams {
  readonly packTargetBytes: number;
  readonly compressionLevel: number;
  readonly maxInFlight?: number;
}

export interface WriterStats2 {
  newBlobs: number;
  newBlobBytes: number;
  storedBytes: number;
  packs: number;
}

/** The first buffer of a pack; it grows to the pack's full size once that is exceeded. */
const SMALL_PACK_BUFFER = 1024 * 1024;
/**
 * Full-size buffers kept for reuse, for all pack classes together: one is enough, since a pack is filled while at
 * most one other uploads (its buffer becomes the spare when that upload ends).
 */
const SPARE_PACK_BUFFERS = 1;

class PackWriter2 {
  /** The pack being filled: envelopes are copied in as they come (no list of parts, no concatenation). */
  private buf: Buffer | null = null;
  /** SHA-256 of the pack so far, updated blob by blob (no 16 MiB hash at once on the caller's thread). */
  private hash = createHash('sha256');
  private entries: BlobEntry2[] = [];
  private bytes = 0;
  private readonly inFlight = new Set<Promise<void>>();
  private failure: unknown = null;
  storedBytes = 0;
  packsWritten = 0;

  /**
   * @param spare full-size pack buffers kept for the next pack once uploaded, shared by the writer's pack classes
   *   (the tree packs of the commit reuse the data packs' buffer): big buffers allocated and freed again and again
   *   make the C allocator keep freed memory (the process would grow by tens of megabytes).
   */
  constructor(
    private readonly store: Store2,
    private readonly params: WriterParams,
    private readonly onPack: (pack: PackRecord2) => void,
    private readonly spare: Buffer[],
  ) {}

  get buffered(): number {
    return this.bytes;
  }

  /** Room for the pack's blobs plus its header and trailer (a header entry takes at most 36 bytes). */
  private ensure(extra: number): Buffer {
    const need = this.bytes + extra + 64 + (this.entries.length + 1) * 40;
    if (!this.buf || need > this.buf.length) {
      // 1 MiB first (a tree pack of a small run stays small), then the pack's full size at once: doubling on the
      // way made 15 MiB of short-lived buffers per pack class (measured: 79 MiB allocated in a 200 MB backup).
      const full = this.params.packTargetBytes + 256 * 1024;
      const want = Math.max(need, this.buf ? full : Math.min(SMALL_PACK_BUFFER, full));
      const reuse = this.spare.length > 0 && (this.spare[this.spare.length - 1] as Buffer).length >= want ? this.spare.pop() : undefined;
      const grown = reuse ?? Buffer.allocUnsafe(want);
      this.buf?.copy(grown, 0, 0, this.bytes);
      this.buf = grown;
    }
    return this.buf;
  }

  async add(entry: BlobEntry2, envelope: Buffer): Promise<void> {
    this.throwIfFailed();
    envelope.copy(this.ensure(envelope.length), this.bytes);
    this.hash.update(envelope);
    this.entries.push(entry);
    this.bytes += envelope.length;
    if (this.bytes >= this.params.packTargetBytes) await this.finish();
  }

  private async finish(): Promise<void> {
    if (this.entries.length === 0) return;
    const header = seal2(this.store.keys.data, Kind2.packHeader, encodePackHeader2(this.entries), { level: this.params.compressionLevel });
    const trailer = packTrailer(header.length);
    const buf = this.ensure(header.length + trailer.length);
    header.copy(buf, this.bytes);
    trailer.copy(buf, this.bytes + header.length);
    const bytes = buf.subarray(0, this.bytes + header.length + trailer.length);
    const id = this.hash.update(header).update(trailer).digest('hex');
    this.hash = createHash('sha256');
    const record: PackRecord2 = { id, size: bytes.length, blobs: this.entries };
    this.buf = null;
    this.entries = [];
    this.bytes = 0;
    const upload = this.store.backend
      .write({ kind: 'data', name: record.id }, bytes)
      .then(() => {
        this.storedBytes += bytes.length;
        this.packsWritten++;
        this.onPack(record);
        if (buf.length >= this.params.packTargetBytes && this.spare.length < SPARE_PACK_BUFFERS) this.spare.push(buf);
      })
      .catch((err: unknown) => {
        this.failure ??= err;
      });
    const tracked = upload.finally(() => this.inFlight.delete(tracked));
    this.inFlight.add(tracked);
    while (this.inFlight.size >= (this.params.maxInFlight ?? 2)) await Promise.race(this.inFlight);
    this.throwIfFailed();
  }

  async flush(): Promise<void> {
    await this.finish();
    await Promise.all(this.inFlight);
    this.throwIfFailed();
  }

  private throwIfFailed(): void {
    if (this.failure !== null) throw this.failure;
  }
}

/** Writes blobs (deduplicated against the index and this run) into packs, and index files for the new packs. */
export class RepoWriter2 {
  private readonly packs: Record<PackClass, PackWriter2>;
  /** Ids (latin1 strings) of blobs accepted but not yet in an indexed pack. */
  private readonly pending = new Set<string>();
  private readonly newPacks: PackRecord2[] = [];
  private indexWrite: Promise<void> = Promise.resolve();
  private indexBytes = 0;
  private indexFailure: unknown = null;
  readonly stats: WriterStats2 = { newBlobs: 0, newBlobBytes: 0, storedBytes: 0, packs: 0 };
  static readonly PACKS_PER_INDEX = 64;

  constructor(
    private readonly store: Store2,
    private readonly params: WriterParams,
  ) {
    const onPack = (pack: PackRecord2): void => {
      store.index.addPack(pack);
      for (const b of pack.blobs) this.pending.delete(b.id.toString('latin1'));
      this.newPacks.push(pack);
      if (this.newPacks.length >= RepoWriter2.PACKS_PER_INDEX) {
        this.indexWrite = this.indexWrite
          .then(() => this.writeIndex())
          .catch((err: unknown) => {
            this.indexFailure ??= err;
          });
      }
    };
    const spare: Buffer[] = [];
    this.packs = { data: new PackWriter2(store, params, onPack, spare), tree: new PackWriter2(store, params, onPack, spare) };
  }

  /** True when the repository or this run already holds the blob. */
  has(id: Buffer): boolean {
    return this.store.index.has(id) || this.pending.has(id.toString('latin1'));
  }

  /** Bytes sealed but not yet in an uploaded pack. */
  get buffered(): number {
    return this.packs.data.buffered + this.packs.tree.buffered;
  }

  /**
   * Adds a blob sealed elsewhere (a worker): its envelope, id and raw length. Returns false when the blob was
   * already stored (`force`: unless it is pending in this run; prune re-stores blobs of packs about to go).
   */
  async addSealed(type: BlobTypeId, id: Buffer, envelope: Buffer, raw: number, options: { force?: boolean } = {}): Promise<boolean> {
    const key = id.toString('latin1');
    if (options.force ? this.pending.has(key) : this.has(id)) return false;
    this.pending.add(key);
    this.stats.newBlobs++;
    this.stats.newBlobBytes += raw;
    await this.packs[packClassOf(type)].add({ type, id: Buffer.from(id), stored: envelope.length, raw }, envelope);
    return true;
  }

  /** Seals and adds a blob in this thread (tree blobs, dictionaries, small data). */
  async addBlob(type: BlobTypeId, content: Buffer, options: SealOptions & { force?: boolean } = {}): Promise<{ id: Buffer; isNew: boolean }> {
    const id = this.store.blobId(content);
    const key = id.toString('latin1');
    if (options.force ? this.pending.has(key) : this.has(id)) return { id, isNew: false };
    const envelope = seal2(this.store.keys.data, Kind2.blob, content, { level: options.level ?? this.params.compressionLevel, dict: options.dict ?? null, raw: options.raw });
    return { id, isNew: await this.addSealed(type, id, envelope, content.length, options) };
  }

  private async writeIndex(): Promise<void> {
    if (this.newPacks.length === 0) return;
    const packs = this.newPacks.splice(0);
    this.indexBytes += (await this.store.writeIndexFile(packs)).size;
  }

  /**
   * Finishes the pack of one class being filled and waits for its uploads: once no more blobs of that class come
   * (a backup's frames before its tree is written), its buffers become the spare the other class fills.
   */
  async finishPacks(cls: PackClass): Promise<void> {
    await this.packs[cls].flush();
  }

  /** Finishes every pack and writes the index for this run's packs: after it, a snapshot may reference the blobs. */
  async flush(): Promise<void> {
    await this.packs.data.flush();
    await this.packs.tree.flush();
    await this.indexWrite;
    if (this.indexFailure) throw this.indexFailure;
    // Blobs of this run may be deduplicated against packs only their own headers describe: index those too.
    this.newPacks.push(...this.store.takeUnindexedPacks());
    await this.writeIndex();
    this.stats.storedBytes = this.packs.data.storedBytes + this.packs.tree.storedBytes + this.indexBytes;
    this.stats.packs = this.packs.data.packsWritten + this.packs.tree.packsWritten;
  }
}
