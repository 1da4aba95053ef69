/** Blob and index reading of Repository (repository.ts), for both format versions. */
import type { FileRef } from '../backend/index.js';
import { hmacSha256, sha256Hex } from '../crypto/index.js';
import { EngineError, isEngineError, isIntegrityCode } from '../shared/index.js';
import { BlobIndex } from './blobIndex.js';
import { EnvelopeError, ObjectKind, openObject } from './envelope.js';
import { OtherVersionFile, type IndexState } from './store2.js';
import { decodeIndex, decodePackHeader, type IndexContent, PACK_TRAILER_BYTES, PACK_TRAILER_MAGIC, type PackHeader, type PackRecord } from './packFormat.js';
import { describeFile, FRAME_CACHE_SIZE, RepositoryCore } from './repositoryCore.js';

export class RepositoryBlobs extends RepositoryCore {
  // ---------------------------------------------------------------- blobs

  blobIdOf(data: Uint8Array): Buffer {
    return hmacSha256(this.keys.blobId, data);
  }

  /** v1: every blob's location (see loadIndex). */
  get index(): BlobIndex {
    return this.blobIndex;
  }

  /** What loadIndex found about the index files (see IndexState), for either format version. */
  get indexState(): IndexState {
    return this.v2 ? this.v2.indexState : this.state;
  }

  /**
   * The packs the index files do not list but whose blobs are in the in-memory index (read from their own headers,
   * e.g. left by a crashed run), now counted as indexed: a writer lists them in its index file so a snapshot that
   * deduplicated against them never references an unindexed pack.
   */
  takeUnindexedPacks(): PackRecord[] {
    if (this.v2) throw new EngineError('INTERNAL', { reason: 'version 1 index on a version 2 repository' });
    if (this.state.unindexedPacks.size === 0) return [];
    const records = this.blobIndex.packs.filter((p) => this.state.unindexedPacks.has(p.id));
    this.state = { ...this.state, unindexedPacks: new Set() };
    return records;
  }

  /** v1: the index files in storage that can be read, and the names of those that cannot. */
  async readIndexFiles(signal?: AbortSignal): Promise<{ readable: { id: string; content: IndexContent }[]; damaged: string[] }> {
    const readable: { id: string; content: IndexContent }[] = [];
    const damaged: string[] = [];
    for await (const f of this.backend.list('index', signal)) {
      try {
        readable.push({ id: f.name, content: decodeIndex(await this.readSealedFile({ kind: 'index', name: f.name }, ObjectKind.index, 'INDEX_CORRUPT')) });
      } catch (err) {
        if (isEngineError(err, 'NOT_FOUND') || err instanceof OtherVersionFile) continue; // gone, or a migration's file (§3.5)
        // Only damage is skipped; an unplugged drive or a permission problem stops the load as itself.
        if (!isEngineError(err) || !isIntegrityCode(err.code)) throw err;
        damaged.push(f.name);
      }
    }
    return { readable, damaged };
  }

  /**
   * Loads the index: the packs the index files list, plus every pack in storage that no readable index file
   * lists, read from its own header (a lost, truncated or damaged index file costs a few reads, never a
   * restore). `refresh` reloads from storage (check, after repairs).
   */
  async loadIndex(signal?: AbortSignal, options: { refresh?: boolean } = {}): Promise<void> {
    if (this.v2) return this.v2.loadIndex(signal, options);
    if (this.indexLoaded && !options.refresh) return;
    const { readable, damaged } = await this.readIndexFiles(signal);
    const present = new Map<string, number>();
    for await (const f of this.backend.list('data', signal)) present.set(f.name, f.size);
    const index = new BlobIndex();
    const live = liveIndexFiles(readable);
    const missing: PackRecord[] = [];
    for (const f of live) {
      for (const p of f.content.packs) {
        if (present.has(p.id)) index.addPack(p);
        else missing.push(p);
      }
    }
    const unindexed = new Set<string>();
    const unreadable: string[] = [];
    for (const [id, size] of present) {
      if (index.hasPack(id)) continue;
      try {
        index.addPack({ id, size, ...(await this.readPackHeaderFromTail(id, size, signal)) });
        unindexed.add(id);
      } catch (err) {
        if (!isEngineError(err) || !isIntegrityCode(err.code)) throw err;
        unreadable.push(id);
      }
    }
    // Listed but absent packs last, so a blob also held by a present pack (repacked) is read from there.
    for (const p of missing) index.addPack(p);
    this.blobIndex = index;
    this.indexFiles.clear();
    for (const f of live) this.indexFiles.add(f.id);
    this.state = { damagedFiles: damaged, unindexedPacks: unindexed, unreadablePacks: unreadable, missingPacks: new Set(missing.map((p) => p.id)) };
    this.frameCache.clear();
    this.indexLoaded = true;
  }

  /** v1: a pack's own header read from its tail (two small range reads), e.g. to rebuild the index. */
  async readPackHeaderFromTail(packId: string, size: number, signal?: AbortSignal): Promise<PackHeader> {
    const ref: FileRef = { kind: 'data', name: packId };
    const file = describeFile(ref);
    if (size < PACK_TRAILER_BYTES) throw new EngineError('PACK_CORRUPT', { file });
    const read = async (offset: number, length: number): Promise<Buffer> => {
      try {
        return await this.backend.read(ref, { offset, length }, signal);
      } catch (err) {
        if (isEngineError(err, 'FILE_TRUNCATED')) throw new EngineError('PACK_CORRUPT', { file });
        throw err;
      }
    };
    const trailer = await read(size - PACK_TRAILER_BYTES, PACK_TRAILER_BYTES);
    if (!trailer.subarray(4).equals(PACK_TRAILER_MAGIC)) throw new EngineError('PACK_CORRUPT', { file });
    const headerLen = trailer.readUInt32LE(0);
    if (headerLen + PACK_TRAILER_BYTES > size) throw new EngineError('PACK_CORRUPT', { file });
    const env = await read(size - PACK_TRAILER_BYTES - headerLen, headerLen);
    try {
      return decodePackHeader(openObject(this.keys.data, ObjectKind.packHeader, env).payload);
    } catch (err) {
      if (err instanceof EnvelopeError || isEngineError(err, 'INTEGRITY_ERROR') || isEngineError(err, 'REPO_VERSION_UNSUPPORTED')) throw new EngineError('PACK_CORRUPT', { file });
      throw err;
    }
  }

  /** v1: reads a sealed whole file, checking that its name is the SHA-256 of its bytes. A version 2 file: OtherVersionFile. */
  async readSealedFile(ref: FileRef, kind: (typeof ObjectKind)[keyof typeof ObjectKind], corruptCode: 'INDEX_CORRUPT' | 'SNAPSHOT_CORRUPT' | 'PACK_CORRUPT' | 'AUDIT_TAMPERED'): Promise<Buffer> {
    const bytes = await this.backend.read(ref);
    if (sha256Hex(bytes) !== ref.name) throw new EngineError(corruptCode, { file: describeFile(ref) });
    if (bytes.length > 3 && bytes[0] === 0x43 && bytes[1] === 0x42 && bytes[2] === 2) throw new OtherVersionFile(describeFile(ref));
    try {
      return openObject(this.keys.data, kind, bytes).payload;
    } catch (err) {
      if (err instanceof EnvelopeError && err.reason === 'unsupported-version') throw new EngineError('REPO_VERSION_UNSUPPORTED', { version: `${ref.kind} envelope` });
      if (err instanceof EnvelopeError) throw new EngineError(corruptCode, { file: describeFile(ref) });
      throw err;
    }
  }

  /** Reads a pack's own header (from its tail), e.g. to rebuild the index or check a pack. */
  async readPackHeader(packId: string, packBytes?: Buffer): Promise<PackHeader> {
    const ref: FileRef = { kind: 'data', name: packId };
    const file = describeFile(ref);
    const bytes = packBytes ?? (await this.backend.read(ref));
    if (bytes.length < PACK_TRAILER_BYTES || !bytes.subarray(bytes.length - 4).equals(PACK_TRAILER_MAGIC)) throw new EngineError('PACK_CORRUPT', { file });
    const headerLen = bytes.readUInt32LE(bytes.length - 8);
    if (headerLen + PACK_TRAILER_BYTES > bytes.length) throw new EngineError('PACK_CORRUPT', { file });
    try {
      const env = bytes.subarray(bytes.length - PACK_TRAILER_BYTES - headerLen, bytes.length - PACK_TRAILER_BYTES);
      return decodePackHeader(openObject(this.keys.data, ObjectKind.packHeader, env).payload);
    } catch (err) {
      if (err instanceof EnvelopeError || isEngineError(err, 'INTEGRITY_ERROR')) throw new EngineError('PACK_CORRUPT', { file });
      throw err;
    }
  }

  /** Opens one frame of a pack from its stored bytes. */
  openFrame(pack: PackRecord, frameNo: number, stored: Buffer): Buffer {
    const frame = pack.frames[frameNo];
    if (!frame) throw new EngineError('PACK_CORRUPT', { file: describeFile({ kind: 'data', name: pack.id }) });
    try {
      return openObject(this.keys.data, ObjectKind.frame, stored, frame.objectId).payload;
    } catch (err) {
      if (err instanceof EnvelopeError) throw new EngineError('PACK_CORRUPT', { file: describeFile({ kind: 'data', name: pack.id }), frame: frameNo });
      throw err;
    }
  }

  private async readFrame(pack: PackRecord, frameNo: number, signal?: AbortSignal): Promise<Buffer> {
    const cacheKey = `${pack.id}:${frameNo}`;
    const cached = this.frameCache.get(cacheKey);
    if (cached) {
      this.frameCache.delete(cacheKey);
      this.frameCache.set(cacheKey, cached);
      return cached;
    }
    const frame = pack.frames[frameNo];
    if (!frame) throw new EngineError('PACK_CORRUPT', { file: describeFile({ kind: 'data', name: pack.id }) });
    let stored: Buffer;
    try {
      stored = await this.backend.read({ kind: 'data', name: pack.id }, { offset: frame.offset, length: frame.storedLength }, signal);
    } catch (err) {
      if (isEngineError(err, 'NOT_FOUND')) throw new EngineError('BLOB_MISSING', { blob: describeFile({ kind: 'data', name: pack.id }), snapshots: [] });
      if (isEngineError(err, 'FILE_TRUNCATED')) throw new EngineError('PACK_CORRUPT', { file: describeFile({ kind: 'data', name: pack.id }) });
      throw err;
    }
    this.bytesReadV1 += stored.length;
    const raw = this.openFrame(pack, frameNo, stored);
    this.frameCache.set(cacheKey, raw);
    if (this.frameCache.size > FRAME_CACHE_SIZE) this.frameCache.delete(this.frameCache.keys().next().value as string);
    return raw;
  }

  /** Reads one blob and verifies it against its keyed id. */
  async readBlob(id: Buffer | string, signal?: AbortSignal): Promise<Buffer> {
    if (this.v2) return this.v2.readBlob(id, signal);
    const idBuf = typeof id === 'string' ? Buffer.from(id, 'hex') : id;
    const loc = this.index.get(idBuf);
    if (!loc) throw new EngineError('BLOB_MISSING', { blob: idBuf.toString('hex'), snapshots: [] });
    const frame = await this.readFrame(loc.pack, loc.frame, signal);
    const data = Buffer.from(frame.subarray(loc.offset, loc.offset + loc.length));
    if (!this.blobIdOf(data).equals(idBuf)) throw new EngineError('PACK_CORRUPT', { file: describeFile({ kind: 'data', name: loc.pack.id }) });
    return data;
  }
}

/**
 * Index files still in force: one that a newer index supersedes (prune writes the new one before deleting the
 * old) is ignored, since it may list packs that are gone.
 */
export function liveIndexFiles<T extends { id: string; content: IndexContent }>(files: readonly T[]): T[] {
  const superseded = new Set(files.flatMap((f) => f.content.supersedes));
  return files.filter((f) => !superseded.has(f.id));
}
