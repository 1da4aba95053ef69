/**
 * The binary form of a backup run's new rows (spill records), shared by the workers that make and sort them and
 * the main thread that merges them at commit:
 *   string patient ‖ string type ‖ string id ‖ u8 flags ‖ varint frame ‖ varint offset ‖ varint length ‖
 *   12-byte line hash ‖ varint seq
 * `frame` is the run's frame number (batch number · 2^20 + frame within the batch); `seq` the line's sequence
 * number in the run (the last line of a key wins).
 */
import { ByteWriter, compareKeys } from '../repository/index.js';

export interface SpillRow {
  readonly patient: string;
  readonly type: string;
  readonly id: string;
  readonly flags: number;
  readonly frame: number;
  readonly offset: number;
  readonly length: number;
  readonly lineHash: Buffer;
  readonly seq: number;
}

/** Frames per batch: a run's frame number is batch · FRAMES_PER_BATCH + frame within the batch. */
export const FRAMES_PER_BATCH = 1 << 20;

/** Largest encoded record: three strings of at most 64 ASCII characters, varints, a hash. */
export const MAX_ROW_RECORD = 1024;

export function compareSpillRows(a: SpillRow, b: SpillRow): number {
  return compareKeys(a.patient, a.type, a.id, b.patient, b.type, b.id) || a.seq - b.seq;
}

export function encodeSpillRows(rows: readonly SpillRow[], w = new ByteWriter(rows.length * 64)): Buffer {
  for (const r of rows) {
    w.string(r.patient);
    w.string(r.type);
    w.string(r.id);
    w.u8(r.flags);
    w.varint(r.frame);
    w.varint(r.offset);
    w.varint(r.length);
    w.bytes(r.lineHash);
    w.varint(r.seq);
  }
  return w.finish();
}

function varint(b: Uint8Array, at: { p: number }): number {
  let value = 0;
  let scale = 1;
  for (;;) {
    const byte = b[at.p++] as number;
    value += (byte & 0x7f) * scale;
    if ((byte & 0x80) === 0) return value;
    scale *= 0x80;
  }
}

function str(b: Buffer, at: { p: number }): string {
  const n = varint(b, at);
  const s = b.toString('latin1', at.p, at.p + n);
  at.p += n;
  return s;
}

/** Decodes one record at `at.p` (advancing it). The bytes must hold a whole record. */
export function decodeSpillRow(b: Buffer, at: { p: number }): SpillRow {
  const patient = str(b, at);
  const type = str(b, at);
  const id = str(b, at);
  const flags = b[at.p++] as number;
  const frame = varint(b, at);
  const offset = varint(b, at);
  const length = varint(b, at);
  const lineHash = Buffer.from(b.subarray(at.p, at.p + 12));
  at.p += 12;
  const seq = varint(b, at);
  return { patient, type, id, flags, frame, offset, length, lineHash, seq };
}

export function decodeSpillRows(b: Buffer): SpillRow[] {
  const out: SpillRow[] = [];
  const at = { p: 0 };
  while (at.p < b.length) out.push(decodeSpillRow(b, at));
  return out;
}

/** Merges blocks of records (each sorted, or not) into one sorted block. */
export function mergeSpillBlocks(blocks: readonly Uint8Array[]): Buffer {
  const rows: SpillRow[] = [];
  for (const b of blocks) for (const r of decodeSpillRows(Buffer.from(b.buffer, b.byteOffset, b.byteLength))) rows.push(r);
  rows.sort(compareSpillRows);
  return encodeSpillRows(rows, new ByteWriter(blocks.reduce((n, b) => n + b.length, 16)));
}
