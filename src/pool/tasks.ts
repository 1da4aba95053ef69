/**
 * The CPU work of backups, restores and checks, as plain functions (run in the worker threads; tests call them
 * directly too):
 *  - lines: split a batch of NDJSON at LF, hash each line with K_line, look it up in the parent's line-hash table,
 *    and parse only the lines the parent does not hold (type, id, patient compartment, key hash);
 *  - seal: blob id, compression (with the type's dictionary) and AES-256-GCM of blobs;
 *  - chunkIds / sealChunks: the same for file chunks in batches (ids first, so only new chunks are compressed);
 *  - open: decryption, decompression and verification of blobs (id, length, and the line hashes of the resources
 *    a restore takes from a frame).
 * Results are packed into binary buffers (transferred, not cloned) so a batch of 2,000 lines costs one message.
 * A backup's whole batch (lines, rows and sealed frames in one task) is in batchTask.ts.
 */
import * as nodeCrypto from 'node:crypto';
import { createHash, createHmac } from 'node:crypto';
import { writeSync } from 'node:fs';
import { ByteReader, ByteWriter, decodePlain, type Dictionary, Envelope2Error, Kind2, onLine, openPlain, type OpenOutcome, plainHeader, seal2 } from '../repository/index.js';
import { findLine, keyHash, type LineTable } from './tables.js';
import { patientCompartments } from '../shared/index.js';

export interface TaskKeys {
  readonly data: Uint8Array;
  readonly blobId: Uint8Array;
  readonly line: Uint8Array;
}

export interface TaskContext {
  readonly keys: TaskKeys;
  readonly table: LineTable | null;
}

export const LineStatus = { hit: 0, new: 1, problem: 2 } as const;
export const ProblemCode = { malformed: 0, withoutId: 1 } as const;

export const TYPE_RE = /^[A-Z][A-Za-z]{1,63}$/;
export const ID_RE = /^[A-Za-z0-9\-.]{1,64}$/;

/** One-shot SHA-256 (Node ≥ 20.12: no Hash object per line), else the streaming API. */
const oneShot = (nodeCrypto as { hash?: (alg: string, data: Uint8Array, enc: 'buffer') => Buffer }).hash;
function sha256Of(data: Uint8Array): Buffer {
  return oneShot ? oneShot('sha256', data, 'buffer') : createHash('sha256').update(data).digest();
}

/** `SHA-256(K_line ‖ line)[0..12]` into out at `at`, using a scratch buffer that starts with K_line. */
export function lineHashInto(scratch: { buf: Buffer }, keyLen: number, line: Uint8Array, out: Buffer, at: number): void {
  if (scratch.buf.length < keyLen + line.length) {
    const grown = Buffer.allocUnsafe(Math.max(keyLen + line.length, scratch.buf.length * 2));
    scratch.buf.copy(grown, 0, 0, keyLen);
    scratch.buf = grown;
  }
  scratch.buf.set(line, keyLen);
  sha256Of(scratch.buf.subarray(0, keyLen + line.length)).copy(out, at, 0, 12);
}

export function isBlank(b: Uint8Array, start: number, end: number): boolean {
  for (let i = start; i < end; i++) {
    const c = b[i];
    if (c !== 32 && c !== 9) return false;
  }
  return true;
}

export const scratches = new WeakMap<TaskKeys, { buf: Buffer }>();

/**
 * Analyses a batch of lines (each ended by LF, the last possibly not). Returns the binary result described in
 * decodeLines. `parseAll` parses every line (no parent table, or to count parses in tests: never).
 */
export function analyseLines(ctx: TaskContext, batch: Buffer, stats?: { parsed: number }): Buffer {
  const keyLen = ctx.keys.line.length;
  let scratch = scratches.get(ctx.keys);
  if (!scratch) {
    scratch = { buf: Buffer.allocUnsafe(keyLen + 65536) };
    Buffer.from(ctx.keys.line).copy(scratch.buf, 0);
    scratches.set(ctx.keys, scratch);
  }
  const out = new ByteWriter(Math.max(4096, batch.length >> 3));
  const hash = Buffer.allocUnsafe(12);
  const kh = new Uint32Array(3);
  let lineIndex = 0;
  let pos = 0;
  const n = batch.length;
  while (pos < n) {
    let nl = batch.indexOf(10, pos);
    if (nl < 0) nl = n;
    let end = nl;
    if (end > pos && batch[end - 1] === 13) end--;
    const start = pos;
    pos = nl + 1;
    const index = lineIndex++;
    if (end === start || isBlank(batch, start, end)) continue;
    const line = batch.subarray(start, end);
    lineHashInto(scratch, keyLen, line, hash, 0);
    const hit = ctx.table ? findLine(ctx.table, hash) : -1;
    if (hit >= 0) {
      out.u8(LineStatus.hit);
      out.varint(index);
      out.varint(start);
      out.varint(end - start);
      out.bytes(hash);
      out.varint(hit);
      continue;
    }
    if (stats) stats.parsed++;
    let resource: unknown;
    try {
      resource = JSON.parse(line.toString('utf8'));
    } catch (err) {
      problem(out, index, start, end, ProblemCode.malformed, err instanceof Error ? err.message.slice(0, 200) : 'not JSON');
      continue;
    }
    if (typeof resource !== 'object' || resource === null || Array.isArray(resource)) {
      problem(out, index, start, end, ProblemCode.malformed, 'not a JSON object');
      continue;
    }
    const r = resource as Record<string, unknown>;
    const type = r['resourceType'];
    const id = r['id'];
    if (typeof type !== 'string' || !TYPE_RE.test(type)) {
      problem(out, index, start, end, ProblemCode.malformed, 'no valid resourceType');
      continue;
    }
    if (typeof id !== 'string' || id === '') {
      problem(out, index, start, end, ProblemCode.withoutId, '');
      continue;
    }
    if (!ID_RE.test(id)) {
      problem(out, index, start, end, ProblemCode.malformed, `invalid id "${id.slice(0, 70)}"`);
      continue;
    }
    const patients = patientCompartments(r);
    out.u8(LineStatus.new);
    out.varint(index);
    out.varint(start);
    out.varint(end - start);
    out.bytes(hash);
    out.string(type);
    out.string(id);
    out.varint(patients.length);
    for (const p of patients) out.string(p);
    keyHash(type, id, kh, 0);
    out.u32(kh[0] as number);
    out.u32(kh[1] as number);
    out.u32(kh[2] as number);
  }
  out.u8(255);
  out.varint(lineIndex);
  return out.finish();
}

function problem(out: ByteWriter, index: number, start: number, end: number, code: number, reason: string): void {
  out.u8(LineStatus.problem);
  out.varint(index);
  out.varint(start);
  out.varint(end - start);
  out.u8(code);
  out.string(reason);
}

export type LineRecord =
  | { readonly status: 0; readonly index: number; readonly start: number; readonly length: number; readonly hash: Buffer; readonly pos: number }
  | {
      readonly status: 1;
      readonly index: number;
      readonly start: number;
      readonly length: number;
      readonly hash: Buffer;
      readonly type: string;
      readonly id: string;
      readonly patients: readonly string[];
      readonly key: readonly [number, number, number];
    }
  | { readonly status: 2; readonly index: number; readonly start: number; readonly length: number; readonly code: number; readonly reason: string };

/** Decodes analyseLines' result: one record per non-blank line, then the number of line slots in the batch. */
export function decodeLines(buf: Uint8Array): { records: LineRecord[]; lines: number } {
  const r = new ByteReader(buf);
  const records: LineRecord[] = [];
  for (;;) {
    const status = r.u8();
    if (status === 255) return { records, lines: r.varint() };
    const index = r.varint();
    const start = r.varint();
    const length = r.varint();
    if (status === LineStatus.problem) {
      records.push({ status: 2, index, start, length, code: r.u8(), reason: r.string() });
      continue;
    }
    const hash = r.bytes(12);
    if (status === LineStatus.hit) {
      records.push({ status: 0, index, start, length, hash, pos: r.varint() });
      continue;
    }
    const type = r.string();
    const id = r.string();
    const patients: string[] = [];
    for (let n = r.varint(), i = 0; i < n; i++) patients.push(r.string());
    records.push({ status: 1, index, start, length, hash, type, id, patients, key: [r.u32(), r.u32(), r.u32()] });
  }
}

/** Blob id: HMAC-SHA256(K_id, content)[0..16]. */
export function blobIdOf(keys: TaskKeys, content: Uint8Array): Buffer {
  return createHmac('sha256', keys.blobId).update(content).digest().subarray(0, 16);
}

export interface SealItem {
  readonly content: Uint8Array;
  /** Dictionary blob id (hex) for codec 3, or null. */
  readonly dict: string | null;
}

export interface SealedBlob {
  readonly id: Buffer;
  readonly envelope: Buffer;
  readonly raw: number;
}

/** Seals blobs: id, compression (with the dictionary), AES-256-GCM. */
export function sealBlobs(ctx: TaskContext, items: readonly SealItem[], level: number, dicts: ReadonlyMap<string, Dictionary>): SealedBlob[] {
  return items.map((it) => {
    const content = Buffer.from(it.content.buffer, it.content.byteOffset, it.content.byteLength);
    const dict = it.dict ? dicts.get(it.dict) : null;
    if (it.dict && !dict) throw new Error(`dictionary ${it.dict} not loaded`);
    return { id: Buffer.from(blobIdOf(ctx.keys, content)), envelope: seal2(ctx.keys.data, Kind2.blob, content, { level, dict: dict ?? null }), raw: content.length };
  });
}

/**
 * File chunks (folder and database sources), many per message: `data` holds the chunks end to end, `lengths` their
 * sizes. chunkIds gives their blob ids (16 bytes each, end to end); sealChunks seals the ones at `pick`.
 */
export function chunkIds(ctx: TaskContext, data: Uint8Array, lengths: readonly number[]): Uint8Array {
  const out = new Uint8Array(16 * lengths.length);
  let at = 0;
  for (const [i, n] of lengths.entries()) {
    out.set(blobIdOf(ctx.keys, data.subarray(at, at + n)), 16 * i);
    at += n;
  }
  return out;
}

export interface SealedChunk {
  readonly index: number;
  readonly envelope: Uint8Array;
  readonly raw: number;
}

export function sealChunks(ctx: TaskContext, data: Uint8Array, lengths: readonly number[], pick: readonly number[], level: number): SealedChunk[] {
  const starts: number[] = [];
  let at = 0;
  for (const n of lengths) {
    starts.push(at);
    at += n;
  }
  return pick.map((index) => {
    const start = starts[index];
    const n = lengths[index];
    if (start === undefined || n === undefined) throw new Error(`no chunk ${index} in the batch`);
    const content = Buffer.from(data.buffer, data.byteOffset + start, n);
    return { index, envelope: new Uint8Array(seal2(ctx.keys.data, Kind2.blob, content, { level, dict: null })), raw: n };
  });
}

export interface OpenItem {
  readonly id: Uint8Array;
  readonly stored: Uint8Array;
  readonly raw: number;
  /**
   * Resources to check in the content: offsets, lengths and their 12-byte line hashes end to end. Without hashes a
   * row is taken when it is a whole line of the verified content (docs/format.md §19.2).
   */
  readonly lines?: { readonly offsets: Float64Array; readonly lengths: Float64Array; readonly hashes: Uint8Array | null };
  /**
   * content (default): the blob's content comes back; verify: only whether it is intact (check --read-data);
   * assemble: the verified lines, each followed by LF, in the order given (a restore writes them as they are).
   */
  readonly mode?: 'content' | 'verify' | 'assemble';
  /** assemble: when every row is verified, the lines are written here (an open file of the process) instead of returned. */
  readonly write?: { readonly fd: number; readonly at: number };
}

/** What opening a blob gives (the repository's OpenOutcome), or the dictionary the worker must be sent first. */
export type OpenResult = OpenOutcome | { readonly ok: false; readonly needDict: string };

/** The lines marked ok, each with its LF, in the order given (outLen: their total length). */
function assembleLines(content: Buffer, offsets: Float64Array, lengths: Float64Array, lineOk: Uint8Array, outLen: number): Buffer {
  const out = Buffer.allocUnsafe(outLen);
  let at = 0;
  for (let i = 0; i < offsets.length; i++) {
    if (!lineOk[i]) continue;
    const off = offsets[i] as number;
    const len = lengths[i] as number;
    content.copy(out, at, off, off + len + 1);
    at += len + 1;
  }
  return out;
}

/** Opens and verifies blobs; a damaged one is reported in its result, the others are still returned. */
export function openBlobs(ctx: TaskContext, items: readonly OpenItem[], dicts: ReadonlyMap<string, Dictionary>): OpenResult[] {
  const results = openEach(ctx, items, dicts);
  return results.map((r, k) => {
    const w = (items[k] as OpenItem).write;
    if (!w || !r.ok || !r.out || !r.lineOk || r.lineOk.indexOf(0) >= 0) return r;
    // Every row verified: the lines go straight to their place in the output file (a short write continues).
    try {
      for (let done = 0; done < r.out.length;) done += writeSync(w.fd, r.out, done, r.out.length - done, w.at + done);
      return { ok: true, lineOk: r.lineOk, written: true };
    } catch (err) {
      const e = err as NodeJS.ErrnoException;
      return { ok: true, lineOk: r.lineOk, writeError: { code: typeof e.code === 'string' ? e.code : 'EIO', message: String(e.message ?? err).slice(0, 300) } };
    }
  });
}

function openEach(ctx: TaskContext, items: readonly OpenItem[], dicts: ReadonlyMap<string, Dictionary>): OpenResult[] {
  const keyLen = ctx.keys.line.length;
  let scratch = scratches.get(ctx.keys);
  if (!scratch) {
    scratch = { buf: Buffer.allocUnsafe(keyLen + 65536) };
    Buffer.from(ctx.keys.line).copy(scratch.buf, 0);
    scratches.set(ctx.keys, scratch);
  }
  const hash = Buffer.allocUnsafe(12);
  return items.map((it): OpenResult => {
    let plain: Buffer;
    try {
      plain = openPlain(ctx.keys.data, Kind2.blob, it.stored);
    } catch (err) {
      return { ok: false, reason: err instanceof Envelope2Error ? `envelope ${err.reason}` : 'envelope does not open' };
    }
    let dict: Dictionary | null = null;
    try {
      const h = plainHeader(plain);
      if (h.dictId) {
        dict = dicts.get(h.dictId.toString('hex')) ?? null;
        if (!dict) return { ok: false, needDict: h.dictId.toString('hex') };
      }
      const content = decodePlain(plain, dict);
      if (content.length !== it.raw) return { ok: false, reason: 'length differs from the index' };
      if (!blobIdOf(ctx.keys, content).equals(Buffer.from(it.id))) return { ok: false, reason: 'content does not match its id' };
      const mode = it.mode ?? 'content';
      if (!it.lines) return mode === 'verify' ? { ok: true } : { ok: true, content };
      const { offsets, lengths, hashes } = it.lines;
      const lineOk = new Uint8Array(offsets.length);
      // The content is proven by the blob id. A restore of every line of a frame, in order (the usual full restore),
      // gets the content itself; rows given without hashes are taken when they fall on whole lines of it (the row
      // set is authenticated too, docs/format.md §19.2), so no line is hashed a second time.
      if (mode === 'assemble' || mode === 'content') {
        let expect = 0;
        let whole = true;
        let outLen = 0;
        for (let i = 0; i < offsets.length; i++) {
          const off = offsets[i] as number;
          const len = lengths[i] as number;
          if (off !== expect) whole = false;
          expect = off + len + 1;
          if (!onLine(content, off, len)) whole = false;
          else if (!hashes) {
            lineOk[i] = 1;
            outLen += len + 1;
          }
        }
        if (whole && expect === content.length) return mode === 'assemble' ? { ok: true, out: content, lineOk: lineOk.fill(1) } : { ok: true, content, lineOk: lineOk.fill(1) };
        if (!hashes) return mode === 'content' ? { ok: true, content, lineOk } : { ok: true, out: assembleLines(content, offsets, lengths, lineOk, outLen), lineOk };
      }
      if (!hashes) {
        for (let i = 0; i < offsets.length; i++) lineOk[i] = onLine(content, offsets[i] as number, lengths[i] as number) ? 1 : 0;
        return { ok: true, lineOk };
      }
      let outLen = 0;
      for (let i = 0; i < offsets.length; i++) {
        const off = offsets[i] as number;
        const len = lengths[i] as number;
        if (off + len >= content.length || content[off + len] !== 10) continue;
        lineHashInto(scratch, keyLen, content.subarray(off, off + len), hash, 0);
        if (hash.equals(Buffer.from(hashes.buffer, hashes.byteOffset + i * 12, 12))) {
          lineOk[i] = 1;
          outLen += len + 1;
        }
      }
      if (mode === 'verify') return { ok: true, lineOk };
      if (mode === 'content') return { ok: true, content, lineOk };
      return { ok: true, out: assembleLines(content, offsets, lengths, lineOk, outLen), lineOk };
    } catch (err) {
      return { ok: false, reason: err instanceof Envelope2Error ? `payload: ${err.detail || err.reason}` : err instanceof Error ? err.message : 'cannot be decoded' };
    }
  });
}
