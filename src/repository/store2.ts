/**
 * The storage of a version 2 repository (docs/format.md §8–12): the blob index, reading and verifying blobs,
 * pack headers and index files. Whole files are checked against their SHA-256 names; every blob against its
 * keyed id. Files of version 1 left by `migrate` are skipped (§3.5).
 */
import { createHash, createHmac } from 'node:crypto';
import type { Backend, FileRef } from '../backend/index.js';
import { sha256Hex } from '../crypto/index.js';
import { EngineError, isEngineError, isIntegrityCode, throwIfAborted } from '../shared/index.js';
import { BlobIndex2 } from './blobIndex2.js';
import { FormatError } from './bytes.js';
import type { Dictionary } from './codec.js';
import { decodePlain, Envelope2Error, Kind2, open2, openPlain, plainHeader, seal2, type Kind2Id } from './envelope2.js';
import {
  BLOB_ID2_BYTES,
  BlobType,
  decodeIndex2,
  decodePackHeader2,
  encodeIndex2,
  IndexVersionError,
  PACK1_MAGIC,
  packHeaderRange,
  PACK2_TRAILER,
  type BlobEntry2,
  type IndexContent2,
  type PackRecord2,
} from './pack2.js';
import { LINE_HASH_BYTES } from './rowSet.js';

export interface Keys2 {
  readonly data: Buffer;
  readonly blobId: Buffer;
  readonly line: Buffer;
  readonly chunk: Buffer;
}

/** Where a file lives, for messages: "data/ab/ab12…". */
export function fileLabel(ref: FileRef): string {
  return ref.kind === 'config' ? 'config' : ref.kind === 'data' ? `data/${ref.name.slice(0, 2)}/${ref.name}` : `${ref.kind}/${ref.name}`;
}

export function packLabel(packId: string): string {
  return fileLabel({ kind: 'data', name: packId });
}

type CorruptCode = 'INDEX_CORRUPT' | 'SNAPSHOT_CORRUPT' | 'PACK_CORRUPT' | 'AUDIT_TAMPERED';

/** Thrown by readSealed for a version 1 file inside a version 2 repository (skipped by listings). */
export class OtherVersionFile extends Error {
  constructor(readonly file: string) {
    super(`file of another format version: ${file}`);
  }
}

/**
 * How complete the index files are, found while loading the index (either format version). The in-memory index
 * always covers every pack in storage: packs no index file lists are read from their own headers, so a lost or
 * damaged index never blocks a restore or a backup; `check` reports the gap and `repair index` closes it.
 */
export interface IndexState {
  /** Index files that do not match their name or do not decrypt (names). */
  readonly damagedFiles: readonly string[];
  /** Packs in storage that no readable index file lists; their headers were read from the pack tails. */
  readonly unindexedPacks: ReadonlySet<string>;
  /** Packs in storage that no index lists and whose own header cannot be read. */
  readonly unreadablePacks: readonly string[];
  /** Packs a readable index file lists that are not in storage. */
  readonly missingPacks: ReadonlySet<string>;
}

export const EMPTY_INDEX_STATE: IndexState = { damagedFiles: [], unindexedPacks: new Set(), unreadablePacks: [], missingPacks: new Set() };

const DICT_CACHE = 32;
const BLOB_CACHE = 32;

export class Store2 {
  /** Every blob's location (see loadIndex); replaced by a reload. */
  index = new BlobIndex2();
  readonly indexFiles = new Set<string>();
  private loaded = false;
  private state: IndexState = EMPTY_INDEX_STATE;
  private readonly dicts = new Map<string, Dictionary>();
  private readonly blobCache = new Map<string, Buffer>();
  /** Bytes read from packs (blob data), for restore statistics. */
  bytesRead = 0;

  constructor(
    readonly backend: Backend,
    readonly keys: Keys2,
  ) {}

  markLoaded(): void {
    this.loaded = true;
  }

  blobId(content: Uint8Array): Buffer {
    return createHmac('sha256', this.keys.blobId).update(content).digest().subarray(0, BLOB_ID2_BYTES);
  }

  lineHash(line: Uint8Array): Buffer {
    return createHash('sha256').update(this.keys.line).update(line).digest().subarray(0, LINE_HASH_BYTES);
  }

  /** Reads a whole sealed file, checks its name, opens it (kind) and decompresses. Version 1 files: OtherVersionFile. */
  async readSealed(ref: FileRef, kind: Kind2Id, corrupt: CorruptCode, signal?: AbortSignal): Promise<Buffer> {
    const bytes = await this.backend.read(ref, undefined, signal);
    if (sha256Hex(bytes) !== ref.name) throw new EngineError(corrupt, { file: fileLabel(ref) });
    try {
      return open2(this.keys.data, kind, bytes);
    } catch (err) {
      if (err instanceof Envelope2Error && err.reason === 'version-1') throw new OtherVersionFile(fileLabel(ref));
      if (err instanceof Envelope2Error && err.reason === 'unsupported-version') throw new EngineError('REPO_VERSION_UNSUPPORTED', { version: `${ref.kind} envelope` });
      if (err instanceof Envelope2Error || isEngineError(err, 'INTEGRITY_ERROR')) throw new EngineError(corrupt, { file: fileLabel(ref) });
      throw err;
    }
  }

  /** Writes a sealed whole file named by the SHA-256 of its bytes. */
  async writeSealed(kind: 'index' | 'snapshots' | 'audit' | 'locks', objectKind: Kind2Id, payload: Buffer): Promise<{ id: string; size: number }> {
    const bytes = seal2(this.keys.data, objectKind, payload);
    const id = sha256Hex(bytes);
    await this.backend.write({ kind, name: id }, bytes);
    return { id, size: bytes.length };
  }

  /** Decodes one index file; null for a version 1 file (ignored in a version 2 repository). */
  async readIndexFile(name: string, signal?: AbortSignal): Promise<IndexContent2 | null> {
    let payload: Buffer;
    try {
      payload = await this.readSealed({ kind: 'index', name }, Kind2.index, 'INDEX_CORRUPT', signal);
    } catch (err) {
      if (err instanceof OtherVersionFile) return null;
      throw err;
    }
    try {
      return decodeIndex2(payload);
    } catch (err) {
      if (err instanceof IndexVersionError) throw new EngineError('REPO_VERSION_UNSUPPORTED', { version: `index ${err.version}` });
      if (err instanceof FormatError) throw new EngineError('INDEX_CORRUPT', { file: `index/${name}` });
      throw err;
    }
  }

  /** What loadIndex found about the index files (see IndexState). */
  get indexState(): IndexState {
    return this.state;
  }

  /**
   * Loads the index (§12): the packs the live index files list, plus every version 2 pack in storage that no
   * readable index file lists, read from its own header (a lost, truncated or damaged index file costs a few
   * reads, never a restore). Damaged index files are skipped and named in indexState. `refresh` reloads.
   */
  async loadIndex(signal?: AbortSignal, options: { refresh?: boolean } = {}): Promise<void> {
    if (this.loaded && !options.refresh) return;
    const files: { id: string; content: IndexContent2 }[] = [];
    const damaged: string[] = [];
    for await (const f of this.backend.list('index', signal)) {
      throwIfAborted(signal);
      try {
        const content = await this.readIndexFile(f.name, signal);
        if (content) files.push({ id: f.name, content });
      } catch (err) {
        if (isEngineError(err, 'NOT_FOUND')) continue;
        // Only damage is skipped; an unplugged drive or a permission problem stops the load as itself.
        if (!isEngineError(err) || !isIntegrityCode(err.code)) throw err;
        damaged.push(f.name);
      }
    }
    const present = new Map<string, number>();
    for await (const f of this.backend.list('data', signal)) present.set(f.name, f.size);
    const superseded = new Set(files.flatMap((f) => f.content.supersedes));
    const live = files.filter((f) => !superseded.has(f.id));
    const index = new BlobIndex2();
    let entries = 0;
    for (const f of live) for (const p of f.content.packs) entries += p.blobs.length;
    index.reserve(entries);
    const missing: PackRecord2[] = [];
    for (const f of live) {
      for (const p of f.content.packs) {
        if (index.hasPack(p.id)) continue;
        if (present.has(p.id)) index.addPack(p);
        else missing.push(p);
      }
    }
    const unindexed = new Set<string>();
    const unreadable: string[] = [];
    for (const [id, size] of present) {
      if (index.hasPack(id)) continue;
      throwIfAborted(signal);
      try {
        index.addPack({ id, size, blobs: await this.readPackHeader(id, undefined, signal, size) });
        unindexed.add(id);
      } catch (err) {
        if (!isEngineError(err) || !isIntegrityCode(err.code)) throw err;
        // A version 1 pack a migration has not yet removed (§3.5) is not this version's data.
        const tail = size >= 4 ? await this.backend.read({ kind: 'data', name: id }, { offset: size - 4, length: 4 }, signal).catch(() => null) : null;
        if (!tail?.equals(PACK1_MAGIC)) unreadable.push(id);
      }
    }
    // Listed but absent packs last, so a blob also held by a present pack (repacked) is read from there.
    for (const p of missing) if (!index.hasPack(p.id)) index.addPack(p);
    this.index = index;
    this.indexFiles.clear();
    for (const f of live) this.indexFiles.add(f.id);
    this.state = { damagedFiles: damaged, unindexedPacks: unindexed, unreadablePacks: unreadable, missingPacks: new Set(missing.map((p) => p.id)) };
    this.blobCache.clear();
    this.loaded = true;
  }

  /**
   * The packs the index files do not list but whose blobs are in the in-memory index (read from their own headers,
   * e.g. left by a crashed run), now counted as indexed: a writer lists them in its index file so a snapshot that
   * deduplicated against them never references an unindexed pack.
   */
  takeUnindexedPacks(): PackRecord2[] {
    if (this.state.unindexedPacks.size === 0) return [];
    const records = [...this.state.unindexedPacks].map((id) => this.index.packRecord(this.index.packNumber(id)));
    this.state = { ...this.state, unindexedPacks: new Set() };
    return records;
  }

  /** Adds index files to the in-memory index, dropping superseded ones. */
  addIndexFiles(files: readonly { id: string; content: IndexContent2 }[]): void {
    const superseded = new Set(files.flatMap((f) => f.content.supersedes));
    let entries = 0;
    for (const f of files) if (!superseded.has(f.id)) for (const p of f.content.packs) entries += p.blobs.length;
    this.index.reserve(this.index.entryCount + entries);
    for (const f of files) {
      if (superseded.has(f.id) || this.indexFiles.has(f.id)) continue;
      for (const p of f.content.packs) this.index.addPack(p);
      this.indexFiles.add(f.id);
    }
  }

  async writeIndexFile(packs: readonly PackRecord2[], supersedes: readonly string[] = []): Promise<{ id: string; size: number }> {
    const r = await this.writeSealed('index', Kind2.index, encodeIndex2({ supersedes, packs }));
    this.indexFiles.add(r.id);
    return r;
  }

  /** A pack's own header (from its tail). */
  async readPackHeader(packId: string, packBytes?: Buffer, signal?: AbortSignal, knownSize?: number): Promise<BlobEntry2[]> {
    const ref: FileRef = { kind: 'data', name: packId };
    const file = fileLabel(ref);
    let tail: Buffer;
    let size: number;
    if (packBytes) {
      tail = packBytes;
      size = packBytes.length;
    } else {
      const st = knownSize === undefined ? await this.backend.stat(ref, signal) : { size: knownSize };
      if (!st) throw new EngineError('BLOB_MISSING', { blob: file, snapshots: [] });
      size = st.size;
      if (size < PACK2_TRAILER) throw new EngineError('PACK_CORRUPT', { file });
      tail = await this.backend.read(ref, { offset: size - PACK2_TRAILER, length: PACK2_TRAILER }, signal);
    }
    const range = packHeaderRange(size, tail);
    if (!range) throw new EngineError('PACK_CORRUPT', { file, reason: 'no "CBP2" trailer' });
    const env = packBytes ? packBytes.subarray(range.offset, range.offset + range.length) : await this.backend.read(ref, range, signal);
    let blobs: BlobEntry2[];
    try {
      blobs = decodePackHeader2(open2(this.keys.data, Kind2.packHeader, env));
    } catch (err) {
      if (err instanceof Envelope2Error || err instanceof FormatError || isEngineError(err, 'INTEGRITY_ERROR')) throw new EngineError('PACK_CORRUPT', { file, reason: 'pack header does not open' });
      throw err;
    }
    let sum = 0;
    for (const b of blobs) sum += b.stored;
    if (sum + range.length + PACK2_TRAILER !== size) throw new EngineError('PACK_CORRUPT', { file, reason: 'pack header does not add up to the pack size' });
    return blobs;
  }

  /** Reads the stored bytes of a blob (one range read). */
  async readStored(entry: number, signal?: AbortSignal): Promise<Buffer> {
    const loc = this.index.at(entry);
    const ref: FileRef = { kind: 'data', name: loc.pack };
    let stored: Buffer;
    try {
      stored = await this.backend.read(ref, { offset: loc.offset, length: loc.stored }, signal);
    } catch (err) {
      if (isEngineError(err, 'NOT_FOUND')) throw new EngineError('BLOB_MISSING', { blob: fileLabel(ref), snapshots: [] });
      if (isEngineError(err, 'FILE_TRUNCATED')) throw new EngineError('PACK_CORRUPT', { file: fileLabel(ref) });
      throw err;
    }
    this.bytesRead += stored.length;
    return stored;
  }

  /**
   * Opens a blob's envelope and verifies it: kind, decompressed length, content hashing to its id. Throws
   * PACK_CORRUPT naming the pack. The dictionary of a codec 3 blob is read through the index.
   */
  async openBlob(id: Buffer, stored: Buffer, raw: number, pack: string, signal?: AbortSignal): Promise<Buffer> {
    const file = packLabel(pack);
    let plain: Buffer;
    try {
      plain = openPlain(this.keys.data, Kind2.blob, stored);
    } catch (err) {
      if (err instanceof Envelope2Error) throw new EngineError('PACK_CORRUPT', { file, blob: id.toString('hex') });
      throw err;
    }
    let dict: Dictionary | null = null;
    try {
      const h = plainHeader(plain);
      if (h.dictId) dict = await this.dictionary(h.dictId, signal);
      const content = decodePlain(plain, dict);
      if (content.length !== raw || !this.blobId(content).equals(id)) throw new EngineError('PACK_CORRUPT', { file, blob: id.toString('hex') });
      return content;
    } catch (err) {
      if (err instanceof Envelope2Error || isEngineError(err, 'INTEGRITY_ERROR')) throw new EngineError('PACK_CORRUPT', { file, blob: id.toString('hex') });
      throw err;
    }
  }

  /** Reads one blob and verifies it against its id. */
  async readBlob(id: Buffer | string, signal?: AbortSignal): Promise<Buffer> {
    const idBuf = typeof id === 'string' ? Buffer.from(id, 'hex') : id;
    const e = this.index.find(idBuf);
    if (e < 0) throw new EngineError('BLOB_MISSING', { blob: idBuf.toString('hex'), snapshots: [] });
    const loc = this.index.at(e);
    return this.openBlob(idBuf, await this.readStored(e, signal), loc.raw, loc.pack, signal);
  }

  /** Reads a blob through a small cache (random single-resource reads of a drill or a dump hit one frame often). */
  async readBlobCached(id: Buffer | string, signal?: AbortSignal): Promise<Buffer> {
    const key = typeof id === 'string' ? id : id.toString('hex');
    const hit = this.blobCache.get(key);
    if (hit) {
      this.blobCache.delete(key);
      this.blobCache.set(key, hit);
      return hit;
    }
    const content = await this.readBlob(key, signal);
    this.blobCache.set(key, content);
    if (this.blobCache.size > BLOB_CACHE) this.blobCache.delete(this.blobCache.keys().next().value as string);
    return content;
  }

  /** A dictionary blob (cached): read through the index, never itself dictionary-compressed. */
  async dictionary(id: Buffer, signal?: AbortSignal): Promise<Dictionary> {
    const key = id.toString('hex');
    const hit = this.dicts.get(key);
    if (hit) return hit;
    // Tasks that all lack the same dictionary ask at once: one read serves them.
    const pending = this.dictReads.get(key);
    if (pending) return pending;
    const read = this.readDictionary(id, key, signal).finally(() => this.dictReads.delete(key));
    this.dictReads.set(key, read);
    return read;
  }

  private readonly dictReads = new Map<string, Promise<Dictionary>>();

  private async readDictionary(id: Buffer, key: string, signal?: AbortSignal): Promise<Dictionary> {
    const e = this.index.find(id);
    if (e < 0) throw new EngineError('BLOB_MISSING', { blob: key, snapshots: [] });
    if (this.index.typeAt(e) !== BlobType.dictionary) throw new EngineError('PACK_CORRUPT', { file: packLabel(this.index.at(e).pack), blob: key });
    const loc = this.index.at(e);
    const stored = await this.readStored(e, signal);
    let content: Buffer;
    try {
      content = decodePlain(openPlain(this.keys.data, Kind2.blob, stored), null);
    } catch (err) {
      if (err instanceof Envelope2Error || isEngineError(err, 'INTEGRITY_ERROR')) throw new EngineError('PACK_CORRUPT', { file: packLabel(loc.pack), blob: key });
      throw err;
    }
    if (content.length !== loc.raw || !this.blobId(content).equals(id)) throw new EngineError('PACK_CORRUPT', { file: packLabel(loc.pack), blob: key });
    const dict: Dictionary = { id: Buffer.from(id), content };
    this.dicts.set(key, dict);
    if (this.dicts.size > DICT_CACHE) this.dicts.delete(this.dicts.keys().next().value as string);
    return dict;
  }

  /** Remembers a dictionary this process made (so reads need not fetch it back). */
  rememberDictionary(dict: Dictionary): void {
    this.dicts.set(dict.id.toString('hex'), dict);
  }
}
