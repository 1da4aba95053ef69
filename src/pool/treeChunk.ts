/**
 * One checkpoint chunk of a first backup's tree (docs/format.md §14.4–14.6), made in a pool worker: the chunk's
 * winning spill records (rowRecords.ts, in key order) are decoded, encoded as a row set, given their blob id,
 * compressed and sealed here, so the host thread (the tray and the UI) only merges the spill runs byte by byte and
 * writes the sealed blob. The bytes are those writeCheckpoint makes from the same rows.
 */
import { encodeRowSet, FLAG_ALIAS, Kind2, RowSetKind, seal2, type Row } from '../repository/index.js';
import { EngineError } from '../shared/index.js';
import { decodeSpillRow } from './rowRecords.js';
import { blobIdOf, type TaskContext } from './tasks.js';

/**
 * The run's sealed frames: frame numbers ascending, their 16-byte blob ids end to end, and where each run frame's
 * content starts in its blob (a fragment appended to a group's frame; shared memory).
 */
export interface FrameTable {
  readonly nums: Float64Array;
  readonly ids: Uint8Array;
  readonly bases: Uint32Array;
}

export interface TreeChunkOut {
  readonly id: Uint8Array;
  readonly envelope: Uint8Array;
  readonly raw: number;
  readonly first: [string, string, string];
  readonly last: [string, string, string];
  /** Primary rows (not aliases) per type, their count and their resources' bytes. */
  readonly types: string[];
  readonly typeCounts: number[];
  readonly resources: number;
  readonly bytes: number;
}

interface FrameRef {
  readonly id: Buffer;
  readonly base: number;
}

function frameId(table: FrameTable, frame: number, seen: Map<number, FrameRef>): FrameRef {
  const known = seen.get(frame);
  if (known) return known;
  const { nums, ids } = table;
  let lo = 0;
  let hi = nums.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >>> 1;
    const v = nums[mid] as number;
    if (v === frame) {
      // One view per frame and chunk: encodeRowSet recognises a frame by its Buffer before its bytes.
      const ref = { id: Buffer.from(ids.buffer, ids.byteOffset + mid * 16, 16), base: table.bases[mid] as number };
      seen.set(frame, ref);
      return ref;
    }
    if (v < frame) lo = mid + 1;
    else hi = mid - 1;
  }
  throw new EngineError('INTERNAL', { reason: `frame ${frame} was not sealed` });
}

export function treeChunk(ctx: TaskContext, records: Buffer, count: number, frames: FrameTable, level: number): TreeChunkOut {
  const rows: Row[] = new Array<Row>(count);
  const at = { p: 0 };
  const perType = new Map<string, number>();
  const frameViews = new Map<number, FrameRef>();
  let resources = 0;
  let bytes = 0;
  for (let i = 0; i < count; i++) {
    const r = decodeSpillRow(records, at);
    const f = frameId(frames, r.frame, frameViews);
    rows[i] = { patient: r.patient, type: r.type, id: r.id, flags: r.flags, frame: f.id, offset: f.base + r.offset, length: r.length, lineHash: r.lineHash };
    if ((r.flags & FLAG_ALIAS) === 0) {
      perType.set(r.type, (perType.get(r.type) ?? 0) + 1);
      resources++;
      bytes += r.length;
    }
  }
  if (at.p !== records.length) throw new EngineError('INTERNAL', { reason: 'tree chunk: records and count disagree' });
  const content = encodeRowSet(RowSetKind.checkpoint, rows);
  const first = rows[0] as Row;
  const last = rows[count - 1] as Row;
  return {
    id: new Uint8Array(blobIdOf(ctx.keys, content)),
    envelope: new Uint8Array(seal2(ctx.keys.data, Kind2.blob, content, { level, dict: null })),
    raw: content.length,
    first: [first.patient, first.type, first.id],
    last: [last.patient, last.type, last.id],
    types: [...perType.keys()],
    typeCounts: [...perType.values()],
    resources,
    bytes,
  };
}
