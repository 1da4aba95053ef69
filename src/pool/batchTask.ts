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
  /**
   * Resource type → how many frame groups its new lines are spread over (a power of two; absent: 1). A line goes to
   * group hash(first patient) mod K, a line without a patient to group K, so one patient's lines of the type meet
   * in few frames although the source is in another order (docs/format.md §14.2 leaves the grouping to the writer).
   */
  readonly groups?: Readonly<Record<string, number>>;
}

/**
 * A frame the batch made: sealed (with its id) when it is full and its type has a dictionary, else its raw content
 * (the main thread decides). A partial one (its group had less than a frame's worth in this batch) is a fragment:
 * the main thread appends it to its group's open frame, which spans batches (frameGroups.ts).
 */
export interface BatchFrame {
  readonly type: string;
  readonly frame: number;
  readonly group: number;
  readonly sealed: boolean;
  readonly partial: boolean;
  readonly id: Uint8Array | null;
  readonly raw: number;
}

/**
 * Per type of the batch's new lines: how many, and how many "returns": a line of a patient the batch saw earlier in
 * the type, but not on the line before (never in patient order; often in a shuffled or time-ordered source).
 */
export interface BatchTypeStat {
  readonly type: string;
  readonly lines: number;
  readonly returns: number;
}

export interface BatchOutput {
  /** Hits (index, table position), problems, frames and counts: see decodeBatchMeta. */
  readonly meta: Uint8Array;
  /** The new lines' rows as spill records, sorted. */
  readonly rows: Uint8Array;
  readonly rowCount: number;
  /** Key records (h0, h1, h2, seq) of the new lines. */
  readonly keys: Uint32Array;
  /** Per full frame of the meta, in order: its envelope (sealed) or its content (raw). */
  readonly blobs: Uint8Array[];
  /**
   * The partial frames' contents end to end, in the meta's order: null when they were written over the start of the
   * batch buffer (the usual case: a shared buffer, reused, so no memory is allocated per batch for them), else their
   * own buffer (a batch whose last line has no LF may need one byte more than it has).
   */
  readonly partials: Uint8Array | null;
  readonly partialBytes: number;
}

/** Where the partial frames are put together before they go over the batch buffer (one per worker thread, reused). */
let partialScratch = Buffer.alloc(0);

/** A frame being filled: its lines' places in the batch (copied once, when it is finished: no buffer per group). */
interface OpenFrame {
  readonly no: number;
  readonly type: string;
  readonly group: number;
  /** start, end pairs in the batch (each line is followed by LF in the frame). */
  readonly lines: number[];
  len: number;
}

/** FNV-1a of a patient id: its frame group is this mod K (K a power of two). */
export function patientGroupHash(patient: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < patient.length; i++) h = Math.imul(h ^ patient.charCodeAt(i), 0x01000193);
  return h >>> 0;
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
  const partialParts: OpenFrame[] = [];
  let partialBytes = 0;
  const typeStats = new Map<string, { lines: number; returns: number; last: string | null; seen: Set<string> }>();
  let localFrames = 0;
  let parsed = 0;
  const copyLines = (f: OpenFrame, dst: Uint8Array, at: number): void => {
    const l = f.lines;
    for (let j = 0; j < l.length; j += 2) {
      const ls = l[j] as number;
      const le = l[j + 1] as number;
      dst.set(batch.subarray(ls, le), at);
      at += le - ls;
      dst[at++] = 10;
    }
  };
  const finish = (key: string, f: OpenFrame, partial: boolean): void => {
    frames.delete(key);
    if (f.len === 0) return;
    const type = f.type;
    if (partial) {
      made.push({ type, frame: f.no, group: f.group, sealed: false, partial: true, id: null, raw: f.len });
      partialParts.push(f);
      partialBytes += f.len;
      return;
    }
    const content = new Uint8Array(f.len);
    copyLines(f, content, 0);
    const dictId = o.dicts[type];
    const dict = dictId ? dicts.get(dictId) : undefined;
    if (dict) {
      const c = Buffer.from(content.buffer, 0, content.length);
      const envelope = seal2(ctx.keys.data, Kind2.blob, c, { level: o.level, dict });
      made.push({ type, frame: f.no, group: f.group, sealed: true, partial: false, id: new Uint8Array(blobIdOf(ctx.keys, c)), raw: content.length });
      blobs.push(new Uint8Array(envelope));
    } else {
      made.push({ type, frame: f.no, group: f.group, sealed: false, partial: false, id: null, raw: content.length });
      blobs.push(content);
    }
  };
  const cap = o.frameTarget + Math.min(o.frameTarget, 16 * 1024);
  // Only a grouped type's partial frames continue in later batches; any other type's frames end with the batch, as
  // they always did (its lines then stay in the source's order).
  const grouped = (type: string): boolean => (o.groups?.[type] ?? 1) > 1;
  const frameFor = (key: string, type: string, group: number, need: number): OpenFrame => {
    let f = frames.get(key);
    if (f && f.len > 0 && f.len + need > cap) {
      finish(key, f, grouped(type) && f.len < o.frameTarget);
      f = undefined;
    }
    if (!f) {
      f = { no: o.batchNo * FRAMES_PER_BATCH + localFrames++, type, group, lines: [], len: 0 };
      frames.set(key, f);
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
    const patients = patientCompartments(r);
    const first = patients.length > 0 ? (patients[0] as string) : null;
    let stat = typeStats.get(t);
    if (!stat) typeStats.set(t, (stat = { lines: 0, returns: 0, last: null, seen: new Set() }));
    stat.lines++;
    if (first !== null && first !== stat.last) {
      if (stat.seen.has(first)) stat.returns++;
      else stat.seen.add(first);
    }
    stat.last = first;
    const k = o.groups?.[t] ?? 1;
    const group = k > 1 ? (first === null ? k : patientGroupHash(first) & (k - 1)) : 0;
    const key = group === 0 ? t : `${t}\n${group}`;
    const f = frameFor(key, t, group, line.length + 1);
    const offset = f.len;
    f.lines.push(start, end);
    f.len += line.length + 1;
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
    if (f.len >= o.frameTarget) finish(key, f, false);
  }
  for (const [key, f] of [...frames]) finish(key, f, grouped(f.type) && f.len < o.frameTarget);
  // Their lines sit anywhere in the batch: put together aside first, then over the batch's start.
  if (partialScratch.length < partialBytes) partialScratch = Buffer.allocUnsafeSlow(Math.max(partialBytes, 2 * 1024 * 1024));
  let at = 0;
  for (const f of partialParts) {
    copyLines(f, partialScratch, at);
    at += f.len;
  }
  let partials: Uint8Array | null = null;
  if (partialBytes <= batch.length) partialScratch.copy(batch, 0, 0, partialBytes);
  else partials = new Uint8Array(partialScratch.subarray(0, partialBytes));
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
    meta.varint(m.group);
    meta.u8((m.sealed ? 1 : 0) | (m.partial ? 2 : 0));
    meta.varint(m.raw);
    if (m.sealed) meta.bytes(m.id as Uint8Array);
  }
  meta.varint(typeStats.size);
  for (const [type, st] of typeStats) {
    meta.string(type);
    meta.varint(st.lines);
    meta.varint(st.returns);
  }
  return { meta: new Uint8Array(meta.finish()), rows: rows.sorted(), rowCount: rows.count, keys: keys.slice(0, keyCount * 4), blobs, partials, partialBytes };
}

export interface BatchMeta {
  readonly lines: number;
  readonly parsed: number;
  /** index, table position pairs. */
  readonly hits: Uint32Array;
  readonly problems: { readonly index: number; readonly code: number; readonly reason: string }[];
  readonly frames: BatchFrame[];
  readonly types: BatchTypeStat[];
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
    const group = r.varint();
    const flags = r.u8();
    const sealed = (flags & 1) !== 0;
    const raw = r.varint();
    frames.push({ type, frame, group, sealed, partial: (flags & 2) !== 0, raw, id: sealed ? r.bytes(16) : null });
  }
  const types: BatchTypeStat[] = [];
  for (let n = r.varint(), i = 0; i < n; i++) types.push({ type: r.string(), lines: r.varint(), returns: r.varint() });
  return { lines, parsed, hits, problems, frames, types };
}
