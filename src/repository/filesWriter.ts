/**
 * Writer and reader primitives for file trees (docs/format.md §15–16), the base the folder and database sources
 * of issue 17 build on: content cut by the keyed content-defined chunker into chunk blobs (data packs),
 * directory nodes as tree blobs, and reading a file back chunk by chunk (each chunk verified against its id).
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

export class FilesTreeWriter {
  /** The keyed chunker of this repository (gear table from K_chunk, sizes from the config). */
  readonly chunking: ChunkerConfig;

  constructor(
    private readonly repo: Repository,
    private readonly writer: RepoWriter2,
  ) {
    const p = repo.config.params;
    this.chunking = chunkerConfig(repo.chunkKey, { minBytes: p.chunkMinBytes, avgBytes: p.chunkAvgBytes, maxBytes: p.chunkMaxBytes });
  }

  /** Stores one content chunk (deduplicated); returns its id (hex). */
  async addChunk(content: Buffer): Promise<{ id: string; isNew: boolean }> {
    const r = await this.writer.addBlob(BlobType.chunk, content, { level: this.repo.config.params.compressionLevel });
    return { id: r.id.toString('hex'), isNew: r.isNew };
  }

  /** Cuts a stream (a file, a dump) into content-defined chunks and stores them. */
  async addContent(data: AsyncIterable<Uint8Array> | Iterable<Uint8Array>, signal?: AbortSignal): Promise<StoredContent> {
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
