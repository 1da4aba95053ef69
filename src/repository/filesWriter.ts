/**
 * Writer and reader primitives for file trees (docs/format.md §15–16), the base the folder and database sources
 * of issue 17 build on: content cut by the keyed content-defined chunker into chunk blobs (data packs),
 * directory nodes as tree blobs, and reading a file back chunk by chunk (each chunk verified against its id). With a
 * ChunkSealer (the archiver's worker pool) the hashing, compression and encryption of chunks leave this thread.
 */
import { chunkerConfig, chunkStream, type ChunkerConfig } from './chunker.js';
import { encodeDirNode, type TreeEntry } from './fileTree.js';
import { BlobType } from './pack2.js';
import type { Repository } from './repository.js';
import type { RepoWriter2 } from './writer2.js';

export interface StoredContent {
  /** Chunk blob ids (hex), in order. */
  readonly content: string[];
  readonly size: number;
  /** Chunks this call stored (the others were in the repository already). */
  readonly newChunks: number;
}

/**
 * Where the CPU work on chunks runs (the archiver gives the worker pool): blob ids of a batch of chunks, then the
 * sealing (compression, encryption) of the new ones only. `data` holds the batch's chunks end to end and is moved
 * to the worker and back: the caller gives it up.
 */
export interface ChunkSealer {
  /** Batches worked on at once (the pool's size). */
  readonly parallelism: number;
  ids(data: Buffer, lengths: readonly number[]): Promise<{ ids: Buffer; data: Buffer }>;
  seal(data: Buffer, lengths: readonly number[], pick: readonly number[], level: number): Promise<{ index: number; envelope: Buffer; raw: number }[]>;
}

/** A batch goes to a worker once it holds this many bytes of chunks (or its file ends). */
const BATCH_BYTES = 4 * 1024 * 1024;

export class FilesTreeWriter {
  /** The keyed chunker of this repository (gear table from K_chunk, sizes from the config). */
  readonly chunking: ChunkerConfig;

  constructor(
    private readonly repo: Repository,
    private readonly writer: RepoWriter2,
    private readonly sealer: ChunkSealer | null = null,
  ) {
    const p = repo.config.params;
    this.chunking = chunkerConfig(repo.chunkKey, { minBytes: p.chunkMinBytes, avgBytes: p.chunkAvgBytes, maxBytes: p.chunkMaxBytes });
  }

  private packing: Promise<void> = Promise.resolve();

  /** Ids, then the new chunks sealed and packed; returns the batch's ids (hex) in order and how many were new. */
  private async storeBatch(sealer: ChunkSealer, data: Buffer, lengths: readonly number[]): Promise<{ ids: string[]; newChunks: number }> {
    const r = await sealer.ids(data, lengths);
    const ids: Buffer[] = [];
    const pick: number[] = [];
    const seen = new Set<string>();
    for (let i = 0; i < lengths.length; i++) {
      const id = r.ids.subarray(16 * i, 16 * i + 16);
      ids.push(id);
      const key = id.toString('latin1');
      if (!seen.has(key) && !this.writer.has(id)) pick.push(i);
      seen.add(key);
    }
    let newChunks = 0;
    if (pick.length > 0) {
      const sealed = await sealer.seal(r.data, lengths, pick, this.repo.config.params.compressionLevel);
      // Batches are packed one after another (the pack writer's back-pressure applies to them as to one caller).
      const packed = this.packing.then(async () => {
        for (const c of sealed) if (await this.writer.addSealed(BlobType.chunk, ids[c.index] as Buffer, c.envelope, c.raw)) newChunks++;
      });
      this.packing = packed.catch(() => undefined);
      await packed;
    }
    return { ids: ids.map((id) => id.toString('hex')), newChunks };
  }

  /**
   * addContent on the sealer: chunks are cut here (the chunker is one pass over the bytes) and sent in batches of
   * about 4 MiB, several at once; ids come back in order. At most 2 × parallelism batches wait (memory stays flat).
   */
  private async addContentPooled(sealer: ChunkSealer, data: AsyncIterable<Uint8Array> | Iterable<Uint8Array>, signal?: AbortSignal): Promise<StoredContent> {
    const inFlight: Promise<{ ids: string[]; newChunks: number }>[] = [];
    const content: string[] = [];
    let size = 0;
    let newChunks = 0;
    let batch: Buffer[] = [];
    let batchBytes = 0;
    const settle = async (): Promise<void> => {
      const r = await (inFlight.shift() as Promise<{ ids: string[]; newChunks: number }>);
      content.push(...r.ids);
      newChunks += r.newChunks;
    };
    const send = (): void => {
      // One buffer of its own (transferable), the batch's chunks end to end.
      const joined = Buffer.from(new ArrayBuffer(batchBytes));
      let at = 0;
      for (const c of batch) {
        c.copy(joined, at);
        at += c.length;
      }
      const p = this.storeBatch(
        sealer,
        joined,
        batch.map((c) => c.length),
      );
      p.catch(() => undefined); // awaited in order below; a failure is thrown there
      inFlight.push(p);
      batch = [];
      batchBytes = 0;
    };
    try {
      for await (const chunk of chunkStream(data, this.chunking, signal ? { signal } : {})) {
        size += chunk.length;
        batch.push(chunk);
        batchBytes += chunk.length;
        if (batchBytes >= BATCH_BYTES) {
          send();
          while (inFlight.length >= 2 * sealer.parallelism) await settle();
        }
      }
      if (batch.length > 0) send();
      while (inFlight.length > 0) await settle();
    } finally {
      // A failure (the source, a worker, the destination) leaves no batch running behind the caller's back.
      await Promise.allSettled(inFlight);
    }
    return { content, size, newChunks };
  }

  /** Stores one content chunk (deduplicated); returns its id (hex). */
  async addChunk(content: Buffer): Promise<{ id: string; isNew: boolean }> {
    const r = await this.writer.addBlob(BlobType.chunk, content, { level: this.repo.config.params.compressionLevel });
    return { id: r.id.toString('hex'), isNew: r.isNew };
  }

  /** Cuts a stream (a file, a dump) into content-defined chunks and stores them. */
  async addContent(data: AsyncIterable<Uint8Array> | Iterable<Uint8Array>, signal?: AbortSignal): Promise<StoredContent> {
    if (this.sealer) return this.addContentPooled(this.sealer, data, signal);
    const content: string[] = [];
    let size = 0;
    let newChunks = 0;
    for await (const chunk of chunkStream(data, this.chunking, signal ? { signal } : {})) {
      size += chunk.length;
      const r = await this.addChunk(chunk);
      content.push(r.id);
      if (r.isNew) newChunks++;
    }
    return { content, size, newChunks };
  }

  /** Stores a directory node (entries sorted and checked); returns its id (hex). */
  async addDirectory(entries: readonly TreeEntry[]): Promise<string> {
    return (await this.writer.addBlob(BlobType.tree, encodeDirNode(entries))).id.toString('hex');
  }
}

/** A file's content, chunk by chunk, each verified against its id (read in order). */
export async function* readFileContent(repo: Repository, content: readonly string[], signal?: AbortSignal): AsyncGenerator<Buffer> {
  for (const id of content) yield await repo.store.readBlob(id, signal);
}
