/**
 * Frame compression. zstd through the zstd-napi native binding when it loads, brotli from Node otherwise.
 * The codec is recorded in every frame, so a repository written with one can be read wherever both exist.
 */
import { createRequire } from 'node:module';
import { brotliCompressSync, brotliDecompressSync, constants as zlibConstants } from 'node:zlib';
import { EngineError } from '../shared/errors.js';

export const CODEC_NONE = 0;
export const CODEC_ZSTD = 1;
export const CODEC_BROTLI = 2;
export type CodecId = typeof CODEC_NONE | typeof CODEC_ZSTD | typeof CODEC_BROTLI;

interface ZstdBinding {
  compress(data: Uint8Array, params?: { compressionLevel?: number }): Buffer;
  decompress(data: Uint8Array): Buffer;
}

let zstd: ZstdBinding | null | undefined;

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
