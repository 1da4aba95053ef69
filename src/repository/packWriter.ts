/**
 * Builds packs from blobs: blobs are appended to a frame; a full frame is compressed and sealed on its own;
 * a full pack gets its encrypted header and trailer, is named by the SHA-256 of its bytes and uploaded.
 * At most `maxInFlight` uploads run at once: back-pressure reaches the caller through addBlob's promise.
 */
import type { Backend } from '../backend/index.js';
import { sha256Hex } from '../crypto/index.js';
import { ObjectKind, sealObject } from './envelope.js';
import { encodePackHeader, PACK_TRAILER_MAGIC, type BlobEntry, type BlobType, type FrameInfo, type PackRecord } from './packFormat.js';

export interface PackWriterOptions {
  readonly frameTargetBytes: number;
  readonly packTargetBytes: number;
  readonly compressionLevel: number;
  readonly maxInFlight?: number;
}

export class PackWriter {
  private frameParts: Buffer[] = [];
  private frameBytes = 0;
  private frameBlobs: { id: Buffer; offset: number; length: number }[] = [];
  private packParts: Buffer[] = [];
  private packBytes = 0;
  private frames: FrameInfo[] = [];
  private blobs: BlobEntry[] = [];
  private readonly inFlight = new Set<Promise<void>>();
  private failure: unknown = null;
  /** Hex ids of blobs accepted but not yet in a written pack. */
  readonly pending = new Set<string>();
  storedBytes = 0;
  packsWritten = 0;

  constructor(
    private readonly backend: Backend,
    private readonly key: Buffer,
    readonly blobType: BlobType,
    private readonly options: PackWriterOptions,
    private readonly onPackWritten: (pack: PackRecord) => void,
  ) {}

  async add(id: Buffer, data: Buffer): Promise<void> {
    this.throwIfFailed();
    this.pending.add(id.toString('hex'));
    this.frameBlobs.push({ id, offset: this.frameBytes, length: data.length });
    this.frameParts.push(data);
    this.frameBytes += data.length;
    if (this.frameBytes >= this.options.frameTargetBytes) this.sealFrame();
    if (this.packBytes >= this.options.packTargetBytes) await this.finishPack();
  }

  private sealFrame(): void {
    if (this.frameBlobs.length === 0) return;
    const raw = this.frameParts.length === 1 ? (this.frameParts[0] as Buffer) : Buffer.concat(this.frameParts, this.frameBytes);
    const sealed = sealObject(this.key, ObjectKind.frame, raw, { level: this.options.compressionLevel });
    const frameNo = this.frames.length;
    this.frames.push({ offset: this.packBytes, storedLength: sealed.bytes.length, rawLength: raw.length, objectId: sealed.objectId });
    for (const b of this.frameBlobs) this.blobs.push({ id: b.id, frame: frameNo, offset: b.offset, length: b.length });
    this.packParts.push(sealed.bytes);
    this.packBytes += sealed.bytes.length;
    this.frameParts = [];
    this.frameBlobs = [];
    this.frameBytes = 0;
  }

  private async finishPack(): Promise<void> {
    this.sealFrame();
    if (this.frames.length === 0) return;
    const header = { blobType: this.blobType, frames: this.frames, blobs: this.blobs };
    const headerEnv = sealObject(this.key, ObjectKind.packHeader, encodePackHeader(header), { compress: false }).bytes;
    const trailer = Buffer.allocUnsafe(8);
    trailer.writeUInt32LE(headerEnv.length, 0);
    PACK_TRAILER_MAGIC.copy(trailer, 4);
    const bytes = Buffer.concat([...this.packParts, headerEnv, trailer]);
    const record: PackRecord = { id: sha256Hex(bytes), size: bytes.length, ...header };
    this.packParts = [];
    this.packBytes = 0;
    this.frames = [];
    this.blobs = [];
    const upload = this.backend
      .write({ kind: 'data', name: record.id }, bytes)
      .then(() => {
        this.storedBytes += bytes.length;
        this.packsWritten++;
        this.onPackWritten(record);
        for (const b of record.blobs) this.pending.delete(b.id.toString('hex'));
      })
      .catch((err: unknown) => {
        this.failure ??= err;
      });
    const tracked = upload.finally(() => this.inFlight.delete(tracked));
    this.inFlight.add(tracked);
    while (this.inFlight.size >= (this.options.maxInFlight ?? 2)) await Promise.race(this.inFlight);
    this.throwIfFailed();
  }

  /** Writes what is buffered and waits for every upload. */
  async flush(): Promise<void> {
    await this.finishPack();
    await Promise.all(this.inFlight);
    this.throwIfFailed();
  }

  private throwIfFailed(): void {
    if (this.failure !== null) throw this.failure;
  }
}
