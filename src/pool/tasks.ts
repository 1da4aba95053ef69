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
 */
import * as nodeCrypto from 'node:crypto';
import { createHash, createHmac } from 'node:crypto';
import { writeSync } from 'node:fs';
import {
  ByteReader,
  ByteWriter,
  decodePlain,
  type Dictionary,
  Envelope2Error,
  FLAG_ALIAS as FLAG_ALIAS_BIT,
  FLAG_SHARED as FLAG_SHARED_BIT,
  Kind2,
  onLine,
  openPlain,
  plainHeader,
  seal2,
} from '../repository/index.js';
import { patientCompartments } from '../source/index.js';
import { FRAMES_PER_BATCH, SpillRowWriter } from './rowRecords.js';
import { findLine, keyHash, type LineTable } from './tables.js';

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

const TYPE_RE = /^[A-Z][A-Za-z]{1,63}$/;
const ID_RE = /^[A-Za-z0-9\-.]{1,64}$/;

/** One-shot SHA-256 (Node ≥ 20.12: no Hash object per line), else the streaming API. */
const oneShot = (nodeCrypto as { hash?: (alg: string, data: Uint8Array, enc: 'buffer') => Buffer }).hash;
function sha256Of(data: Uint8Array): Buffer {
  return oneShot ? oneShot('sha256', data, 'buffer') : createHash('sha256').update(data).digest();
}

/** `SHA-256(K_line ‖ line)[0..12]` into out at `at`, using a scratch buffer that starts with K_line. */
function lineHashInto(scratch: { buf: Buffer }, keyLen: number, line: Uint8Array, out: Buffer, at: number): void {
  if (scratch.buf.length < keyLen + line.length) {
    const grown = Buffer.allocUnsafe(Math.max(keyLen + line.length, scratch.buf.length * 2));
    scratch.buf.copy(grown, 0, 0, keyLen);
    scratch.buf = grown;
  }
  scratch.buf.set(line, keyLen);
  sha256Of(scratch.buf.subarray(0, keyLen + line.length)).copy(out, at, 0, 12);
}

function isBlank(b: Uint8Array, start: number, end: number): boolean {
  for (let i = start; i < end; i++) {
    const c = b[i];
    if (c !== 32 && c !== 9) return false;
  }
  return true;
}

const scratches = new WeakMap<TaskKeys, { buf: Buffer }>();

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

export type OpenResult =
  | {
      readonly ok: true;
      readonly content?: Buffer;
      /** assemble: the lines that verified, each followed by LF. */
      readonly out?: Buffer;
      /** Per line: 1 when its hash matches (and an LF follows it). */
      readonly lineOk?: Uint8Array;
      /** The lines were written to the item's file (`out` is then left out). */
      readonly written?: boolean;
      readonly writeError?: { readonly code: string; readonly message: string };
    }
  | { readonly ok: false; readonly reason: string }
  | { readonly ok: false; readonly needDict: string };

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

// ------------------------------------------------------------------ a whole batch of a backup

export interface BatchOptions {
  /** The batch's number in the run: its frames are numbered batchNo · 2^20 + k. */
  readonly batchNo: number;
  /** Sequence number of the batch's first line slot. */
  readonly seqBase: number;
  readonly frameTarget: number;
  readonly level: number;
  /** Resource type → dictionary blob id (hex) to compress its frames with. */
  readonly dicts: Readonly<Record<string, string>>;
}

/** A frame the batch made: sealed (with its id) when its type has a dictionary, else its raw content (the main thread decides). */
export interface BatchFrame {
  readonly type: string;
  readonly frame: number;
  readonly sealed: boolean;
  readonly id: Uint8Array | null;
  readonly raw: number;
}

export interface BatchOutput {
  /** Hits (index, table position), problems, frames and counts: see decodeBatchMeta. */
  readonly meta: Uint8Array;
  /** The new lines' rows as spill records, sorted. */
  readonly rows: Uint8Array;
  readonly rowCount: number;
  /** Key records (h0, h1, h2, seq) of the new lines. */
  readonly keys: Uint32Array;
  /** Per frame of the meta, in order: its envelope (sealed) or its content (raw). */
  readonly blobs: Uint8Array[];
}

interface OpenFrame {
  readonly no: number;
  buf: Buffer;
  len: number;
}

/**
 * The worker's whole share of a backup batch: split, hash, look up, parse the new lines, put them into frames per
 * type (sealed here when the type has a dictionary), and return the new rows as sorted spill records and key
 * records — so the main thread handles batches, not lines.
 */
export function processBatch(ctx: TaskContext, batch: Buffer, o: BatchOptions, dicts: ReadonlyMap<string, Dictionary>, stats?: { parsed: number }): BatchOutput {
  const keyLen = ctx.keys.line.length;
  let scratch = scratches.get(ctx.keys);
  if (!scratch) {
    scratch = { buf: Buffer.allocUnsafe(keyLen + 65536) };
    Buffer.from(ctx.keys.line).copy(scratch.buf, 0);
    scratches.set(ctx.keys, scratch);
  }
  const hits = new ByteWriter(4096);
  let hitCount = 0;
  const problems = new ByteWriter(256);
  let problemCount = 0;
  const rows = new SpillRowWriter();
  let keys = new Uint32Array(4096);
  let keyCount = 0;
  const frames = new Map<string, OpenFrame>();
  const made: BatchFrame[] = [];
  const blobs: Uint8Array[] = [];
  let localFrames = 0;
  let parsed = 0;
  const finish = (type: string, f: OpenFrame): void => {
    frames.delete(type);
    if (f.len === 0) return;
    const content = new Uint8Array(f.len);
    content.set(f.buf.subarray(0, f.len));
    const dictId = o.dicts[type];
    const dict = dictId ? dicts.get(dictId) : undefined;
    if (dict) {
      const c = Buffer.from(content.buffer, 0, content.length);
      const envelope = seal2(ctx.keys.data, Kind2.blob, c, { level: o.level, dict });
      made.push({ type, frame: f.no, sealed: true, id: new Uint8Array(blobIdOf(ctx.keys, c)), raw: content.length });
      blobs.push(new Uint8Array(envelope));
    } else {
      made.push({ type, frame: f.no, sealed: false, id: null, raw: content.length });
      blobs.push(content);
    }
  };
  const frameFor = (type: string, need: number): OpenFrame => {
    let f = frames.get(type);
    if (f && f.len > 0 && f.len + need > f.buf.length) {
      finish(type, f);
      f = undefined;
    }
    if (!f) {
      f = { no: o.batchNo * FRAMES_PER_BATCH + localFrames++, buf: Buffer.allocUnsafe(Math.max(need, o.frameTarget + Math.min(o.frameTarget, 16 * 1024))), len: 0 };
      frames.set(type, f);
    }
    return f;
  };
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
      hits.varint(index);
      hits.varint(hit);
      hitCount++;
      continue;
    }
    parsed++;
    let resource: unknown;
    let reason: string | null = null;
    let code: number = ProblemCode.malformed;
    try {
      // latin1 text: the same JSON structure (every byte of a UTF-8 sequence is a character allowed in a JSON
      // string), decoded faster and parsed as a one-byte string. Only resourceType, id and references are read
      // from the result, and those are ASCII; the stored bytes are the line's own.
      resource = JSON.parse(line.toString('latin1'));
    } catch (err) {
      reason = err instanceof Error ? err.message.slice(0, 200) : 'not JSON';
    }
    const r = resource as Record<string, unknown>;
    const type = reason === null && typeof resource === 'object' && resource !== null && !Array.isArray(resource) ? r['resourceType'] : undefined;
    const id = type !== undefined ? r['id'] : undefined;
    if (reason === null) {
      if (typeof resource !== 'object' || resource === null || Array.isArray(resource)) reason = 'not a JSON object';
      else if (typeof type !== 'string' || !TYPE_RE.test(type)) reason = 'no valid resourceType';
      else if (typeof id !== 'string' || id === '') {
        code = ProblemCode.withoutId;
        reason = '';
      } else if (!ID_RE.test(id)) reason = `invalid id "${id.slice(0, 70)}"`;
    }
    if (reason !== null) {
      problems.varint(index);
      problems.u8(code);
      problems.string(reason);
      problemCount++;
      continue;
    }
    const t = type as string;
    const i = id as string;
    const f = frameFor(t, line.length + 1);
    const offset = f.len;
    line.copy(f.buf, f.len);
    f.buf[f.len + line.length] = 10;
    f.len += line.length + 1;
    const patients = patientCompartments(r);
    const seq = o.seqBase + index;
    if (patients.length === 0) rows.add('', t, i, 0, f.no, offset, line.length, hash, 0, seq);
    else {
      const shared = patients.length > 1 ? FLAG_SHARED_BIT : 0;
      for (let k = 0; k < patients.length; k++) rows.add(patients[k] as string, t, i, shared | (k > 0 ? FLAG_ALIAS_BIT : 0), f.no, offset, line.length, hash, 0, seq);
    }
    if ((keyCount + 1) * 4 > keys.length) {
      const grown = new Uint32Array(keys.length * 2);
      grown.set(keys);
      keys = grown;
    }
    keyHash(t, i, kh, 0);
    keys[keyCount * 4] = kh[0] as number;
    keys[keyCount * 4 + 1] = kh[1] as number;
    keys[keyCount * 4 + 2] = kh[2] as number;
    keys[keyCount * 4 + 3] = seq;
    keyCount++;
    if (f.len >= o.frameTarget) finish(t, f);
  }
  for (const [type, f] of [...frames]) finish(type, f);
  if (stats) stats.parsed += parsed;
  const meta = new ByteWriter(256 + hits.length + problems.length + made.length * 40);
  meta.varint(lineIndex);
  meta.varint(parsed);
  meta.varint(hitCount);
  meta.bytes(hits.finish());
  meta.varint(problemCount);
  meta.bytes(problems.finish());
  meta.varint(made.length);
  for (const m of made) {
    meta.string(m.type);
    meta.varint(m.frame);
    meta.u8(m.sealed ? 1 : 0);
    meta.varint(m.raw);
    if (m.sealed) meta.bytes(m.id as Uint8Array);
  }
  return { meta: new Uint8Array(meta.finish()), rows: rows.sorted(), rowCount: rows.count, keys: keys.slice(0, keyCount * 4), blobs };
}

export interface BatchMeta {
  readonly lines: number;
  readonly parsed: number;
  /** index, table position pairs. */
  readonly hits: Uint32Array;
  readonly problems: { readonly index: number; readonly code: number; readonly reason: string }[];
  readonly frames: BatchFrame[];
}

export function decodeBatchMeta(buf: Uint8Array): BatchMeta {
  const r = new ByteReader(buf);
  const lines = r.varint();
  const parsed = r.varint();
  const hitCount = r.varint();
  const hits = new Uint32Array(hitCount * 2);
  for (let i = 0; i < hitCount; i++) {
    hits[i * 2] = r.varint();
    hits[i * 2 + 1] = r.varint();
  }
  const problems: BatchMeta['problems'] = [];
  for (let n = r.varint(), i = 0; i < n; i++) problems.push({ index: r.varint(), code: r.u8(), reason: r.string() });
  const frames: BatchFrame[] = [];
  for (let n = r.varint(), i = 0; i < n; i++) {
    const type = r.string();
    const frame = r.varint();
    const sealed = r.u8() === 1;
    const raw = r.varint();
    frames.push({ type, frame, sealed, raw, id: sealed ? r.bytes(16) : null });
  }
  return { lines, parsed, hits, problems, frames };
}
