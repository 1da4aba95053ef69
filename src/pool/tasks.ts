/**
 * The CPU work of backups, restores and checks, as plain functions (run in the worker threads; tests call them
 * directly too):
 *  - lines: split a batch of NDJSON at LF, hash each line with K_line, look it up in the parent's line-hash table,
 *    and parse only the lines the parent does not hold (type, id, patient compartment, key hash);
 *  - seal: blob id, compression (with the type's dictionary) and AES-256-GCM of blobs;
 *  - open: decryption, decompression and verification of blobs (id, length, and the line hashes of the resources
 *    a restore takes from a frame).
 * Results are packed into binary buffers (transferred, not cloned) so a batch of 2,000 lines costs one message.
 */
import { createHash, createHmac } from 'node:crypto';
import type { Dictionary } from '../repository/codec.js';
import { ByteReader, ByteWriter } from '../repository/bytes.js';
import { decodePlain, Envelope2Error, Kind2, openPlain, plainHeader, seal2 } from '../repository/envelope2.js';
import { patientCompartments } from '../source/fhir/compartment.js';
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

/** `SHA-256(K_line ‖ line)[0..12]` into out at `at`, using a scratch buffer that starts with K_line. */
function lineHashInto(scratch: { buf: Buffer }, keyLen: number, line: Uint8Array, out: Buffer, at: number): void {
  if (scratch.buf.length < keyLen + line.length) {
    const grown = Buffer.allocUnsafe(Math.max(keyLen + line.length, scratch.buf.length * 2));
    scratch.buf.copy(grown, 0, 0, keyLen);
    scratch.buf = grown;
  }
  scratch.buf.set(line, keyLen);
  const d = createHash('sha256').update(scratch.buf.subarray(0, keyLen + line.length)).digest();
  d.copy(out, at, 0, 12);
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

export interface OpenItem {
  readonly id: Uint8Array;
  readonly stored: Uint8Array;
  readonly raw: number;
  /** Resources to check in the content: offsets, lengths and their 12-byte line hashes end to end. */
  readonly lines?: { readonly offsets: Float64Array; readonly lengths: Float64Array; readonly hashes: Uint8Array };
}

export type OpenResult =
  | { readonly ok: true; readonly content: Buffer; /** Per line: 1 when its hash matches (and an LF follows it). */ readonly lineOk?: Uint8Array }
  | { readonly ok: false; readonly reason: string }
  | { readonly ok: false; readonly needDict: string };

/** Opens and verifies blobs; a damaged one is reported in its result, the others are still returned. */
export function openBlobs(ctx: TaskContext, items: readonly OpenItem[], dicts: ReadonlyMap<string, Dictionary>): OpenResult[] {
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
      if (!it.lines) return { ok: true, content };
      const { offsets, lengths, hashes } = it.lines;
      const lineOk = new Uint8Array(offsets.length);
      for (let i = 0; i < offsets.length; i++) {
        const off = offsets[i] as number;
        const len = lengths[i] as number;
        if (off + len >= content.length || content[off + len] !== 10) continue;
        lineHashInto(scratch, keyLen, content.subarray(off, off + len), hash, 0);
        if (hash.equals(Buffer.from(hashes.buffer, hashes.byteOffset + i * 12, 12))) lineOk[i] = 1;
      }
      return { ok: true, content, lineOk };
    } catch (err) {
      return { ok: false, reason: err instanceof Envelope2Error ? `payload: ${err.detail || err.reason}` : err instanceof Error ? err.message : 'cannot be decoded' };
    }
  });
}
