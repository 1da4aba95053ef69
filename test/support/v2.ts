/** Helpers for tests that look inside a version 2 repository (which pack holds what, which resources a frame holds). */
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { BlobType } from '../../src/repository/pack2.js';
import { snapshotRows, type ResourceRow } from '../../src/repository/reader.js';
import type { Repository } from '../../src/repository/repository.js';
import type { SnapshotRecord } from '../../src/repository/snapshot.js';

/** A blob as stored: its pack, where its envelope lies and its id (hex). */
export interface StoredBlob {
  readonly pack: string;
  readonly offset: number;
  readonly stored: number;
  readonly blob: string;
  readonly type: number;
}

/** Every blob of the index, in pack order. */
export async function storedBlobs(repo: Repository): Promise<StoredBlob[]> {
  await repo.loadIndex();
  const idx = repo.store.index;
  const out: StoredBlob[] = [];
  for (let p = 0; p < idx.packCount; p++) {
    const [start, end] = idx.packRange(p);
    for (let e = start; e < end; e++) out.push({ pack: idx.packId(p), offset: idx.offsetAt(e), stored: idx.storedAt(e), blob: idx.idAt(e).toString('hex'), type: idx.typeAt(e) });
  }
  return out;
}

/** Resource frames, grouped by data pack (packs with the most frames first). */
export async function framesByPack(repo: Repository): Promise<{ pack: string; frames: StoredBlob[] }[]> {
  const byPack = new Map<string, StoredBlob[]>();
  for (const b of await storedBlobs(repo)) {
    if (b.type !== BlobType.frame) continue;
    let list = byPack.get(b.pack);
    if (!list) byPack.set(b.pack, (list = []));
    list.push(b);
  }
  return [...byPack.entries()].map(([pack, frames]) => ({ pack, frames })).sort((a, b) => b.frames.length - a.frames.length);
}

/** Paths (relative to the repository) of packs holding resource frames. */
export async function dataPackPaths(repo: Repository): Promise<string[]> {
  return (await framesByPack(repo)).map((p) => path.join('data', p.pack.slice(0, 2), p.pack)).sort();
}

/** "Type/id" of every resource of a snapshot whose bytes lie in the given frame. */
export async function resourcesInFrame(repo: Repository, snap: SnapshotRecord, frame: string): Promise<Set<string>> {
  const out = new Set<string>();
  for await (const r of snapshotRows(repo, snap)) if (r.blob === frame) out.add(`${r.type}/${r.id}`);
  return out;
}

export async function allRows(repo: Repository, snap: SnapshotRecord): Promise<ResourceRow[]> {
  const out: ResourceRow[] = [];
  for await (const r of snapshotRows(repo, snap)) out.push(r);
  return out;
}

/** Flips a byte in the middle of a blob's envelope; returns the pack's repository-relative path. */
export async function flipByteInBlob(root: string, blob: { pack: string; offset: number; stored: number }): Promise<string> {
  const rel = `data/${blob.pack.slice(0, 2)}/${blob.pack}`;
  const file = path.join(root, rel);
  const bytes = await readFile(file);
  const at = blob.offset + Math.floor(blob.stored / 2);
  bytes[at] = (bytes[at] as number) ^ 0x40;
  await writeFile(file, bytes);
  return rel;
}
