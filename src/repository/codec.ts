/**
 * Frame compression. zstd through the zstd-napi native binding when it loads, brotli from Node otherwise.
 * The codec is recorded in every frame, so a repository written with one can be read wherever both exist.
 */
import { createRequire } from 'node:module';
import { brotliCompressSync, brotliDecompressSync, constants as zlibConstants } from 'node:zlib';
import { EngineError } from '../shared/index.js';

export const CODEC_NONE = 0;
export const CODEC_ZSTD = 1;
export const CODEC_BROTLI = 2;
/** Version 2 only: zstd with a raw-content dictionary (docs/format.md §9.2). */
export const CODEC_ZSTD_DICT = 3;
export type CodecId = typeof CODEC_NONE | typeof CODEC_ZSTD | typeof CODEC_BROTLI;
export type CodecIdV2 = CodecId | typeof CODEC_ZSTD_DICT;

interface ZstdBinding {
  compress(data: Uint8Array, params?: { compressionLevel?: number }): Buffer;
  decompress(data: Uint8Array): Buffer;
}

/** The native layer of zstd-napi: contexts and prepared dictionaries (loaded once, reused for every frame). */
interface ZstdNative {
  CCtx: new () => { compress(dst: Uint8Array, src: Uint8Array, level: number): number; compressUsingCDict(dst: Uint8Array, src: Uint8Array, dict: object): number };
  DCtx: new () => { decompress(dst: Uint8Array, src: Uint8Array): number; decompressUsingDDict(dst: Uint8Array, src: Uint8Array, dict: object): number };
  CDict: new (dict: Uint8Array, level: number) => object;
  DDict: new (dict: Uint8Array) => object;
  compressBound(size: number): number;
}

let zstd: ZstdBinding | null | undefined;
let native: ZstdNative | null | undefined;

function loadZstd(): ZstdBinding | null {
  if (zstd !== undefined) return zstd;
  if (process.env['CLINIC_BACKUP_DISABLE_ZSTD'] === '1') return (zstd = null);
  try {
    zstd = createRequire(import.meta.url)('zstd-napi') as ZstdBinding;
  } catch {
    zstd = null;
  }
  return zstd;
}

function loadNative(): ZstdNative | null {
  if (native !== undefined) return native;
  if (!loadZstd()) return (native = null);
  try {
    native = createRequire(import.meta.url)('zstd-napi/binding') as ZstdNative;
  } catch {
    native = null;
  }
  return native;
}

export function zstdAvailable(): boolean {
  return loadZstd() !== null;
}

export function codecName(codec: number): string {
  return codec === CODEC_ZSTD ? 'zstd' : codec === CODEC_BROTLI ? 'brotli' : codec === CODEC_NONE ? 'none' : `unknown(${codec})`;
}

/** Compresses with the preferred codec; falls back to none when compression does not help. */
export function compress(data: Uint8Array, level = 3): { codec: CodecId; data: Buffer } {
  const z = loadZstd();
  let out: Buffer;
  let codec: CodecId;
  if (z) {
    out = z.compress(data, { compressionLevel: level });
    codec = CODEC_ZSTD;
  } else {
    out = brotliCompressSync(data, {
      params: {
        [zlibConstants.BROTLI_PARAM_QUALITY]: Math.min(11, Math.max(1, level + 2)),
        [zlibConstants.BROTLI_PARAM_SIZE_HINT]: data.length,
      },
    });
    codec = CODEC_BROTLI;
  }
  if (out.length >= data.length) return { codec: CODEC_NONE, data: Buffer.from(data) };
  return { codec, data: out };
}

export function decompress(codec: number, data: Uint8Array, expectedLength: number): Buffer {
  let out: Buffer;
  if (codec === CODEC_NONE) out = Buffer.from(data);
  else if (codec === CODEC_ZSTD) {
    const z = loadZstd();
    if (!z) throw new EngineError('INTERNAL', { reason: 'this repository uses zstd, but the zstd module could not be loaded' });
    out = z.decompress(data);
  } else if (codec === CODEC_BROTLI) out = brotliDecompressSync(data);
  else throw new EngineError('INTEGRITY_ERROR', { problems: 1, reason: `unknown codec ${codec}` });
  if (out.length !== expectedLength) {
    throw new EngineError('INTEGRITY_ERROR', { problems: 1, reason: `decompressed ${out.length} bytes, expected ${expectedLength}` });
  }
  return out;
}

// ------------------------------------------------------------------ version 2 (docs/format.md §9)

/** A compression dictionary: a blob of type 3 used as zstd raw content. */
export interface Dictionary {
  /** Its 16-byte blob id. */
  readonly id: Buffer;
  readonly content: Buffer;
}

const DICT_CACHE = 64;
const cdicts = new Map<string, object>();
const ddicts = new Map<string, object>();
let cctx: InstanceType<ZstdNative['CCtx']> | null = null;
let dctx: InstanceType<ZstdNative['DCtx']> | null = null;

function cached<T extends object>(cache: Map<string, T>, key: string, make: () => T): T {
  let v = cache.get(key);
  if (v) {
    cache.delete(key);
    cache.set(key, v);
    return v;
  }
  v = make();
  cache.set(key, v);
  if (cache.size > DICT_CACHE) cache.delete(cache.keys().next().value as string);
  return v;
}

/**
 * Compresses a blob's content for a version 2 envelope: zstd (with the dictionary when given), brotli when zstd
 * cannot load, none when compression does not make it smaller.
 */
export function compressV2(data: Uint8Array, level: number, dict: Dictionary | null = null): { codec: CodecIdV2; data: Buffer } {
  const z = loadNative();
  if (!z) {
    const c = compress(data, level);
    return c;
  }
  cctx ??= new z.CCtx();
  const out = Buffer.allocUnsafe(z.compressBound(data.length));
  let n: number;
  let codec: CodecIdV2;
  if (dict) {
    const d = dict;
    const cdict = cached(cdicts, `${d.id.toString('hex')}:${level}`, () => new z.CDict(d.content, level));
    n = cctx.compressUsingCDict(out, data, cdict);
    codec = CODEC_ZSTD_DICT;
  } else {
    n = cctx.compress(out, data, level);
    codec = CODEC_ZSTD;
  }
  if (n >= data.length) return { codec: CODEC_NONE, data: Buffer.from(data) };
  return { codec, data: out.subarray(0, n) };
}

/**
 * Decompresses a version 2 payload into exactly `expectedLength` bytes; anything else is damage
 * (INTEGRITY_ERROR). `dict` is the dictionary's content for codec 3.
 */
export function decompressV2(codec: number, data: Uint8Array, expectedLength: number, dict: Dictionary | null = null): Buffer {
  if (codec === CODEC_NONE || codec === CODEC_BROTLI) return decompress(codec, data, expectedLength);
  if (codec !== CODEC_ZSTD && codec !== CODEC_ZSTD_DICT) throw new EngineError('INTEGRITY_ERROR', { problems: 1, reason: `unknown codec ${codec}` });
  const z = loadNative();
  if (!z) throw new EngineError('INTERNAL', { reason: 'this repository uses zstd, but the zstd module could not be loaded' });
  dctx ??= new z.DCtx();
  const out = Buffer.allocUnsafe(expectedLength);
  let n: number;
  try {
    if (codec === CODEC_ZSTD_DICT) {
      if (!dict) throw new EngineError('INTEGRITY_ERROR', { problems: 1, reason: 'dictionary missing' });
      const d = dict;
      n = dctx.decompressUsingDDict(
        out,
        data,
        cached(ddicts, d.id.toString('hex'), () => new z.DDict(d.content)),
      );
    } else n = dctx.decompress(out, data);
  } catch (err) {
    if (err instanceof EngineError) throw err;
    throw new EngineError('INTEGRITY_ERROR', { problems: 1, reason: 'zstd frame does not decompress to the recorded length' });
  }
  if (n !== expectedLength) throw new EngineError('INTEGRITY_ERROR', { problems: 1, reason: `decompressed ${n} bytes, expected ${expectedLength}` });
  return out;
}
