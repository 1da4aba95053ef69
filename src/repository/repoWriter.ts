/** The version 1 writer (prune's repacking of a version 1 repository): blobs into packs, and their index files. */
import type { Repository } from './repository.js';
import { type BlobType, type PackRecord } from './packFormat.js';
import { PackWriter } from './packWriter.js';

export interface WriterStats {
  newBlobs: number;
  newBlobBytes: number;
  storedBytes: number;
  packs: number;
}

/** Writes blobs into packs (deduplicated against the index and this run) and index files for the new packs. */
export class RepoWriter {
  private readonly writers: Record<BlobType, PackWriter>;
  private readonly newPacks: PackRecord[] = [];
  private indexBytes = 0;
  readonly stats: WriterStats = { newBlobs: 0, newBlobBytes: 0, storedBytes: 0, packs: 0 };
  private static readonly PACKS_PER_INDEX = 64;
  private indexWrite: Promise<void> = Promise.resolve();

  constructor(
    private readonly repo: Repository,
    key: Buffer,
  ) {
    const p = repo.config.params;
    const opts = { frameTargetBytes: p.frameTargetBytes, packTargetBytes: p.packTargetBytes, compressionLevel: p.compressionLevel };
    const onPack = (pack: PackRecord): void => {
      repo.index.addPack(pack);
      this.newPacks.push(pack);
      if (this.newPacks.length >= RepoWriter.PACKS_PER_INDEX) this.indexWrite = this.indexWrite.then(() => this.writeIndex());
    };
    this.writers = {
      data: new PackWriter(repo.backend, key, 'data', opts, onPack),
      tree: new PackWriter(repo.backend, key, 'tree', { ...opts, frameTargetBytes: Math.max(p.frameTargetBytes, 1024 * 1024) }, onPack),
    };
  }

  has(id: Buffer): boolean {
    return this.repo.index.has(id) || this.writers.data.pending.has(id.toString('hex')) || this.writers.tree.pending.has(id.toString('hex'));
  }

  /** Stores a blob unless the repository already has it. Returns its id and whether it was new. */
  async addBlob(type: BlobType, data: Buffer, knownId?: Buffer, options: { force?: boolean } = {}): Promise<{ id: Buffer; isNew: boolean }> {
    const id = knownId ?? this.repo.blobIdOf(data);
    // force: prune repacks blobs the index still lists in packs about to be removed.
    if (options.force ? this.writers.data.pending.has(id.toString('hex')) || this.writers.tree.pending.has(id.toString('hex')) : this.has(id)) return { id, isNew: false };
    await this.writers[type].add(id, data);
    this.stats.newBlobs++;
    this.stats.newBlobBytes += data.length;
    return { id, isNew: true };
  }

  private async writeIndex(): Promise<void> {
    if (this.newPacks.length === 0) return;
    const packs = this.newPacks.splice(0);
    this.indexBytes += (await this.repo.writeIndexFile(packs)).size;
  }

  /** Finishes packs and writes the index for every pack of this run. After flush, a snapshot may reference the blobs. */
  async flush(): Promise<void> {
    await this.writers.data.flush();
    await this.writers.tree.flush();
    await this.indexWrite;
    // Blobs of this run may be deduplicated against packs only their own headers describe: index those too.
    this.newPacks.push(...this.repo.takeUnindexedPacks());
    await this.writeIndex();
    this.stats.storedBytes = this.writers.data.storedBytes + this.writers.tree.storedBytes + this.indexBytes;
    this.stats.packs = this.writers.data.packsWritten + this.writers.tree.packsWritten;
  }
}
