/**
 * Content-defined chunking (FastCDC with normalised chunking) for file contents and database dumps.
 *
 * A chunk boundary is where a rolling "gear" hash of the last 32 bytes matches a mask, so boundaries move with the
 * content: inserting or deleting a few bytes changes only the chunks around the edit, and the rest deduplicate.
 * As in FastCDC:
 * - the gear hash is `h = (h << 1) + gear[byte]` on 32 bits (one shift, one add, one table load per byte);
 * - the first `min` bytes of every chunk are skipped, never hashed (a boundary there would be refused anyway);
 * - normalised chunking: a harder mask (`bits + 2` one-bits) before the normal point and an easier one (`bits - 2`)
 *   after it, so chunk sizes cluster around the average instead of spreading geometrically.
 * The masks test the hash's top bits, which depend on the last 32 bytes (the low bits only on the last few).
 * The normal point is `avg - 2^(bits - 2)`: after it a boundary comes on average `2^(bits - 2)` bytes later, so the
 * mean chunk size lands near `avg` (bench/chunker.ts prints the real distribution).
 *
 * The gear table is keyed (docs/format.md §15.5): 256 × u32 from
 * `HKDF-SHA256(IKM = key, salt = empty, info = "clinic-backup v2 chunker gear", L = 1024)`, entry i = u32
 * little-endian at bytes 4i..4i+4. With a per-repository key, chunk boundaries (and so chunk sizes) do not
 * fingerprint known content across repositories.
 */
import { hkdf } from '../crypto/index.js';
import { EngineError, throwIfAborted } from '../shared/index.js';

export const GEAR_INFO = 'clinic-backup v2 chunker gear';
const GEAR_KEY_BYTES = 32;
/** Normalisation level: the masks have `bits ± NORMAL_LEVEL` one-bits. */
const NORMAL_LEVEL = 2;

export interface ChunkerParams {
  readonly minBytes: number;
  readonly avgBytes: number;
  readonly maxBytes: number;
}

/**
 * Defaults chosen with bench/chunker.ts (docs/sources.md): 1 MiB chunks keep about one index entry per MiB
 * (a 500 GB clinic archive ≈ 0.5 M chunks) while edits inside large files cost about a chunk each.
 */
export const DEFAULT_CHUNKER_PARAMS: ChunkerParams = { minBytes: 512 * 1024, avgBytes: 1024 * 1024, maxBytes: 8 * 1024 * 1024 };

/** The 256-entry gear table derived from a 32-byte chunker key. */
export function gearTable(key: Uint8Array): Uint32Array {
  if (key.length !== GEAR_KEY_BYTES) throw new EngineError('INVALID_ARGUMENT', { field: 'chunker key', reason: `${key.length} bytes, expected 32` });
  const bytes = hkdf(key, new Uint8Array(0), GEAR_INFO, 1024);
  const gear = new Uint32Array(256);
  for (let i = 0; i < 256; i++) gear[i] = bytes.readUInt32LE(4 * i);
  return gear;
}

/** What the boundary search needs, precomputed once per (key, params). */
export interface ChunkerConfig {
  readonly params: ChunkerParams;
  /** The gear table as signed 32-bit values (same bits): V8 keeps them small integers, never heap numbers. */
  readonly gear: Int32Array;
  readonly maskHard: number;
  readonly maskEasy: number;
  /** Chunk length from which the easier mask applies. */
  readonly normalBytes: number;
}

function topBits(n: number): number {
  return ((2 ** n - 1) * 2 ** (32 - n)) | 0;
}

export function validateChunkerParams(p: ChunkerParams): void {
  const bad = (reason: string): never => {
    throw new EngineError('INVALID_ARGUMENT', { field: 'chunker parameters', reason });
  };
  for (const [name, v] of [
    ['minBytes', p.minBytes],
    ['avgBytes', p.avgBytes],
    ['maxBytes', p.maxBytes],
  ] as const) {
    if (!Number.isSafeInteger(v) || v <= 0) bad(`${name} must be a positive integer`);
  }
  if (p.minBytes < 64) bad('minBytes must be at least 64');
  if (!(p.minBytes <= p.avgBytes && p.avgBytes <= p.maxBytes)) bad('expected minBytes ≤ avgBytes ≤ maxBytes');
  if (p.maxBytes > 256 * 1024 * 1024) bad('maxBytes must be at most 256 MiB');
  const bits = Math.round(Math.log2(p.avgBytes));
  if (bits - NORMAL_LEVEL < 4 || bits + NORMAL_LEVEL > 30) bad('avgBytes must be between 64 bytes and 256 MiB');
}

export function chunkerConfig(key: Uint8Array, params: ChunkerParams = DEFAULT_CHUNKER_PARAMS): ChunkerConfig {
  validateChunkerParams(params);
  const u32 = gearTable(key);
  const bits = Math.round(Math.log2(params.avgBytes));
  const easyBits = bits - NORMAL_LEVEL;
  const normalBytes = Math.min(params.maxBytes, Math.max(params.minBytes, params.avgBytes - 2 ** easyBits));
  return {
    params,
    gear: new Int32Array(u32.buffer, u32.byteOffset, 256),
    maskHard: topBits(bits + NORMAL_LEVEL),
    maskEasy: topBits(easyBits),
    normalBytes,
  };
}

/**
 * The boundary search: hashes `data[from..to)` continuing from `hash`, returns the index just past the first byte
 * where `(hash & mask) == 0`, or -1. The hash after the last byte looked at is left in `state[0]`.
 * This loop is the chunker's hot path: keep it a plain loop over a typed array, no calls, no allocations.
 */
function scan(data: Uint8Array, from: number, to: number, mask: number, gear: Int32Array, state: Int32Array): number {
  let h = state[0]!;
  for (let i = from; i < to; i++) {
    h = ((h << 1) + gear[data[i]!]!) | 0;
    if ((h & mask) === 0) {
      state[0] = h;
      return i + 1;
    }
  }
  state[0] = h;
  return -1;
}

/**
 * Incremental boundary finder over consecutive pieces of one stream. `push` a piece and it returns where, inside
 * that piece, the current chunk ends (or -1: the chunk continues into the next piece). After a boundary the next
 * chunk starts right there; call `push` again with the rest of the piece.
 */
export class BoundaryFinder {
  private readonly state = new Int32Array(1);
  /** Bytes of the current chunk seen so far. */
  private length = 0;

  constructor(private readonly config: ChunkerConfig) {}

  /** Bytes of the current (unfinished) chunk. */
  get pending(): number {
    return this.length;
  }

  /** Position in `data[from..]` where the current chunk ends (exclusive), or -1 if it goes on past `data`. */
  push(data: Uint8Array, from = 0): number {
    const { minBytes, maxBytes } = this.config.params;
    const { gear, maskHard, maskEasy, normalBytes } = this.config;
    let i = from;
    const end = data.length;
    // Skip what cannot end a chunk: its first minBytes are never hashed.
    if (this.length < minBytes) {
      const skip = Math.min(minBytes - this.length, end - i);
      i += skip;
      this.length += skip;
      if (this.length < minBytes) return -1;
    }
    if (this.length < normalBytes) {
      const limit = Math.min(end, i + (normalBytes - this.length));
      const cut = scan(data, i, limit, maskHard, gear, this.state);
      if (cut >= 0) return this.finish(cut);
      this.length += limit - i;
      i = limit;
      if (i === end) return -1;
    }
    const limit = Math.min(end, i + (maxBytes - this.length));
    const cut = scan(data, i, limit, maskEasy, gear, this.state);
    if (cut >= 0) return this.finish(cut);
    this.length += limit - i;
    if (this.length >= maxBytes) return this.finish(limit);
    return -1;
  }

  private finish(at: number): number {
    this.length = 0;
    this.state[0] = 0;
    return at;
  }
}

/** Chunk lengths of an in-memory buffer (tests, benchmarks). The streaming `chunkStream` cuts at the same places. */
export function chunkLengths(config: ChunkerConfig, data: Uint8Array): number[] {
  const finder = new BoundaryFinder(config);
  const out: number[] = [];
  let start = 0;
  while (start < data.length) {
    const cut = finder.push(data, start);
    if (cut < 0) break;
    out.push(cut - start);
    start = cut;
  }
  if (finder.pending > 0) out.push(finder.pending);
  return out;
}

export interface ChunkStreamOptions {
  readonly signal?: AbortSignal;
}

/**
 * Cuts a byte stream (pieces of any size) into content-defined chunks. Each chunk is a fresh Buffer the caller owns.
 * Memory: the pieces of the chunk in progress (at most maxBytes) plus the piece being read; input pieces are never
 * kept past the chunk that uses them. An empty stream gives no chunks; a stream shorter than minBytes gives one.
 */
export async function* chunkStream(input: AsyncIterable<Uint8Array> | Iterable<Uint8Array>, config: ChunkerConfig, options: ChunkStreamOptions = {}): AsyncGenerator<Buffer> {
  const finder = new BoundaryFinder(config);
  let parts: Uint8Array[] = [];
  let partsBytes = 0;
  for await (const piece of input) {
    throwIfAborted(options.signal);
    let start = 0;
    while (start < piece.length) {
      const cut = finder.push(piece, start);
      if (cut < 0) {
        parts.push(piece.subarray(start));
        partsBytes += piece.length - start;
        break;
      }
      const total = partsBytes + (cut - start);
      const chunk = Buffer.allocUnsafe(total);
      let at = 0;
      for (const p of parts) {
        chunk.set(p, at);
        at += p.length;
      }
      chunk.set(piece.subarray(start, cut), at);
      parts = [];
      partsBytes = 0;
      start = cut;
      yield chunk;
      throwIfAborted(options.signal);
    }
  }
  if (partsBytes > 0) yield Buffer.concat(parts, partsBytes);
}
