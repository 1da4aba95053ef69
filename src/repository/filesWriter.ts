/**
 * Writer and reader primitives for file trees (docs/format.md §15–16), the base the folder and database sources
 * of issue 17 build on: content cut by the keyed content-defined chunker into chunk blobs (data packs),
 * directory nodes as tree blobs, and reading a file back chunk by chunk (each chunk verified against its id).
 */
import { EngineError } from '../shared/errors.js';
import { Chunker, encodeDirNode, gearTable, type ChunkerParams, type TreeEntry } from './fileTree.js';
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
  private readonly gear: Uint32Array;
  readonly params: ChunkerParams;

  constructor(
    private readonly repo: Repository,
    private readonly writer: RepoWriter2,
  ) {
    const p = repo.config.params;
    this.gear = gearTable(repo.chunkKey);
    this.params = { min: p.chunkMinBytes, avg: p.chunkAvgBytes, max: p.chunkMaxBytes };
  }

  /** A chunker with this repository's keyed gear table and sizes. */
  chunker(): Chunker {
    return new Chunker(this.gear, this.params);
  }

  /** Stores one content chunk (deduplicated); returns its id (hex). */
  async addChunk(content: Buffer): Promise<{ id: string; isNew: boolean }> {
    const r = await this.writer.addBlob(BlobType.chunk, content, { level: this.repo.config.params.compressionLevel });
    return { id: r.id.toString('hex'), isNew: r.isNew };
  }

  /** Cuts a stream (a file, a dump) into content-defined chunks and stores them. */
  async addContent(data: AsyncIterable<Buffer> | Iterable<Buffer>): Promise<StoredContent> {
    const chunker = this.chunker();
    const content: string[] = [];
    let size = 0;
    let newChunks = 0;
    let pending: Buffer[] = [];
    let pendingLen = 0;
    const emit = async (len: number): Promise<void> => {
      const all = pending.length === 1 ? (pending[0] as Buffer) : Buffer.concat(pending, pendingLen);
      const chunk = all.subarray(0, len);
      const r = await this.addChunk(Buffer.from(chunk));
      content.push(r.id);
      if (r.isNew) newChunks++;
      const rest = all.subarray(len);
      pending = rest.length > 0 ? [Buffer.from(rest)] : [];
      pendingLen = rest.length;
    };
    for await (const piece of data) {
      size += piece.length;
      pending.push(piece);
      pendingLen += piece.length;
      for (const len of chunker.push(piece)) await emit(len);
    }
    const last = chunker.finish();
    if (last > 0) await emit(last);
    if (pendingLen !== 0) throw new EngineError('INTERNAL', { reason: 'chunker lost bytes' });
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
