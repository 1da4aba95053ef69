/** How blob bytes are opened and verified for the reader (reader.ts): the BlobOpener seam and its in-thread version. */
import { isEngineError } from '../shared/index.js';
import { decodePlain, Envelope2Error, Kind2, openPlain, plainHeader } from './envelope2.js';
import type { Dictionary } from './codec.js';
import { LINE_HASH_BYTES } from './rowSet.js';
import type { Repository } from './repository.js';
import { createHash } from 'node:crypto';

/** An item to open: a blob's stored bytes, its id and raw length, and the resources to check inside it. */
export interface OpenRequest {
  readonly id: Buffer;
  readonly stored: Buffer;
  readonly raw: number;
  /** Rows to take from the content; without hashes a row is taken when it is a whole line of it (docs/format.md §19.2). */
  readonly lines?: { readonly offsets: Float64Array; readonly lengths: Float64Array; readonly hashes: Buffer | null };
  /** content (default), verify (intact or not, nothing comes back) or assemble (the verified lines, each + LF). */
  readonly mode?: 'content' | 'verify' | 'assemble';
  /**
   * assemble: an opener that can (the pool) writes the lines itself at this position of this open file when every
   * row is verified, and answers `written` instead of returning them; otherwise they come back as usual.
   */
  readonly write?: { readonly fd: number; readonly at: number };
}

/** A write the opener made for a request failed (disk full…): the file system's code and message. */
export interface OpenWriteError {
  readonly code: string;
  readonly message: string;
}

export type OpenOutcome =
  | {
      readonly ok: true;
      readonly content?: Buffer;
      /** assemble: the lines that verified, each followed by LF. */
      readonly out?: Buffer;
      /** Per line: 1 when its hash matches (and an LF follows it). */
      readonly lineOk?: Uint8Array;
      /** The verified lines were written to the request's file (assemble with `write`; `out` is then left out). */
      readonly written?: boolean;
      readonly writeError?: OpenWriteError;
    }
  | { readonly ok: false; readonly reason: string };

/** Decrypts, decompresses and verifies blobs: the worker pool (pool/opener.ts) or this thread. */
export interface BlobOpener {
  open(items: readonly OpenRequest[], signal?: AbortSignal): Promise<OpenOutcome[]>;
}

/** The row [off, off + len) is a whole line of the content: it starts the content or follows an LF, and its LF is the first after it. */
export function onLine(content: Buffer, off: number, len: number): boolean {
  return Number.isInteger(off) && Number.isInteger(len) && off >= 0 && len >= 0 && off + len < content.length && (off === 0 || content[off - 1] === 10) && content.indexOf(10, off) === off + len;
}

/** The reason an opener gives when a blob's dictionary (another blob, maybe in another pack) cannot be read. */
export const DICTIONARY_UNREADABLE = 'dictionary unreadable';

/** Opens blobs in this thread (small reads; tests; no pool). */
export function inThreadOpener(repo: Repository): BlobOpener {
  return {
    async open(items, signal) {
      const store = repo.store;
      const out: OpenOutcome[] = [];
      for (const it of items) {
        try {
          const plain = openPlain(store.keys.data, Kind2.blob, it.stored);
          const h = plainHeader(plain);
          let dict: Dictionary | null = null;
          if (h.dictId) dict = await store.dictionary(h.dictId, signal);
          const content = decodePlain(plain, dict);
          if (content.length !== it.raw || !store.blobId(content).equals(it.id)) {
            out.push({ ok: false, reason: 'content does not match its id' });
            continue;
          }
          let lineOk: Uint8Array | undefined;
          const parts: Buffer[] = [];
          if (it.lines) {
            lineOk = new Uint8Array(it.lines.offsets.length);
            for (let i = 0; i < lineOk.length; i++) {
              const off = it.lines.offsets[i] as number;
              const len = it.lines.lengths[i] as number;
              if (!it.lines.hashes) {
                // The blob id proved the content: a row on a whole line of it is taken as it is.
                if (onLine(content, off, len)) {
                  lineOk[i] = 1;
                  parts.push(content.subarray(off, off + len + 1));
                }
                continue;
              }
              if (off + len >= content.length || content[off + len] !== 10) continue;
              const hash = createHash('sha256')
                .update(store.keys.line)
                .update(content.subarray(off, off + len))
                .digest();
              if (hash.subarray(0, LINE_HASH_BYTES).equals(it.lines.hashes.subarray(i * LINE_HASH_BYTES, (i + 1) * LINE_HASH_BYTES))) {
                lineOk[i] = 1;
                parts.push(content.subarray(off, off + len + 1));
              }
            }
          }
          const mode = it.mode ?? 'content';
          out.push(mode === 'verify' ? { ok: true, lineOk } : mode === 'assemble' ? { ok: true, out: Buffer.concat(parts), lineOk } : { ok: true, content, lineOk });
        } catch (err) {
          if (err instanceof Envelope2Error || isEngineError(err, 'INTEGRITY_ERROR')) out.push({ ok: false, reason: err instanceof Envelope2Error ? err.reason : 'cannot be decoded' });
          else if (isEngineError(err) && (err.code === 'BLOB_MISSING' || err.code === 'PACK_CORRUPT')) out.push({ ok: false, reason: DICTIONARY_UNREADABLE });
          else throw err;
        }
      }
      return out;
    },
  };
}

export interface ReadOptions {
  readonly signal?: AbortSignal;
  readonly opener?: BlobOpener;
}
