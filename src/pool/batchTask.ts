/**
 * The worker task of a backup batch (the CPU work of one batch of NDJSON lines, run in a worker thread; tests call
 * it directly too): each line's hash against the parent's table, a parse of the new lines only, their rows, and the
 * frames they are packed into, sealed. The helpers it shares with the line analysis are in tasks.ts.
 */
import { ByteReader, ByteWriter, type Dictionary, FLAG_ALIAS as FLAG_ALIAS_BIT, FLAG_SHARED as FLAG_SHARED_BIT, Kind2, seal2 } from '../repository/index.js';
import { FRAMES_PER_BATCH, SpillRowWriter } from './rowRecords.js';
import { findLine, keyHash } from './tables.js';
import { blobIdOf, ID_RE, isBlank, lineHashInto, ProblemCode, scratches, type TaskContext, TYPE_RE } from './tasks.js';
import { patientCompartments } from '../shared/index.js';

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
