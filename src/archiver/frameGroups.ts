/**
 * Frames grouped by patient (issue 16: one patient's record is a small read although the source is shuffled).
 *
 * The workers put a type's new lines into K frame groups, a line going to group hash(patient) mod K (pool/batchTask.ts);
 * a group rarely fills a frame within one ~1 MiB batch, so each batch hands back its groups' partial frames
 * ("fragments") and this class appends them to the group's open frame, which spans batches, and has it sealed in
 * the pool once it reaches the frame target. A fragment keeps its run frame number: FrameIds records the sealed
 * frame's id and the fragment's offset in it (its base), and the tree commit adds the base to the rows' offsets.
 * No format change: docs/format.md §14.2 leaves the grouping of lines into frames to the writer.
 *
 * K per type grows with the type's new bytes in the run (a group per GROUP_FRAMES frames, so the partly filled
 * frames left at the end stay few), up to `maxGroups`, and only for a type whose lines come shuffled (a batch meets
 * a patient again after other patients' lines: in patient order, one frame builder already keeps a patient
 * together, and a first backup then restores in the source's order, docs/format.md §19.2).
 * Patient is never grouped (one line per patient). Memory: one buffer per open frame (K × 80 KiB per grouped type),
 * reused from frame to frame.
 */
import type { BatchFrame, BatchTypeStat, SealedBlob, SealItem } from '../pool/index.js';
import { EngineError } from '../shared/index.js';

/** Most groups per type (measured: docs/benchmarks.md, "One patient reads"). */
export const DEFAULT_FRAME_GROUPS = 128;

/** The default, or CLINIC_BACKUP_FRAME_GROUPS (a power of two from 1, which turns grouping off, to 4096; for measurements). */
export function defaultFrameGroups(): number {
  const v = Number(process.env['CLINIC_BACKUP_FRAME_GROUPS']);
  return Number.isInteger(v) && v >= 1 && v <= 4096 ? v : DEFAULT_FRAME_GROUPS;
}

/**
 * Lines of a type seen before it may be grouped, and the share of "returns" (a line of a patient seen earlier in the
 * batch, not on the line before: none in patient order) from which its source counts as shuffled: 1 in 50.
 */
const MIN_LINES = 256;
const SHUFFLED_RETURNS = 50;
/** A type gets one more group per this many frames of its new bytes (so at most 1 in 4 of its frames is left partly filled at the end). */
const GROUP_FRAMES = 4;
/** Sealed groups of frames in the pool at once before this thread waits (each holds a few frames). */
const SEALING = 4;

export interface FrameGroupsHost {
  /** The type's dictionary (hex) for a frame's content; may make it from this content (the type's first full frame). */
  dictFor(type: string, content: Buffer): Promise<string | null>;
  /** Seals frames in the pool (their buffers move there). */
  seal(items: SealItem[], transfer: ArrayBuffer[]): Promise<SealedBlob[]>;
  /** A frame is sealed: records the run frames (fragments) it holds, with their offsets, and packs it. */
  sealed(frames: readonly number[], blob: SealedBlob): Promise<void>;
}

interface OpenFrame {
  readonly type: string;
  buf: Buffer;
  len: number;
  /** Run frame number, base offset: pairs. */
  readonly frags: number[];
}

interface Closed {
  readonly type: string;
  readonly content: Buffer | null;
  readonly frags: number[];
  /** The open frame's buffer (shared memory), back to the spares once the frame is sealed. */
  readonly buf: Buffer | null;
  /** A frame a worker sealed already. */
  readonly ready: SealedBlob | null;
}

interface TypeStat {
  lines: number;
  returns: number;
  bytes: number;
}

export class FrameGroups {
  private readonly open = new Map<string, OpenFrame>();
  private readonly stats = new Map<string, TypeStat>();
  private closed: Closed[] = [];
  private readonly sealing: { frags: number[][]; bufs: Buffer[]; result: Promise<SealedBlob[]> }[] = [];
  private readonly cap: number;
  /** Open frames' buffers (shared memory: the pool seals a frame where it is), reused once sealed. */
  private readonly spare: Buffer[] = [];

  constructor(
    private readonly target: number,
    private readonly maxGroups: number,
    private readonly host: FrameGroupsHost,
  ) {
    this.cap = target + Math.min(target, 16 * 1024);
  }

  /** Groups per type for the next batch (types not listed: 1). */
  groups(): Record<string, number> {
    const out: Record<string, number> = {};
    if (this.maxGroups <= 1) return out;
    for (const [type, st] of this.stats) {
      if (type === 'Patient' || st.lines < MIN_LINES || st.returns * SHUFFLED_RETURNS < st.lines) continue;
      let k = 1;
      while (k * 2 <= this.maxGroups && k * 2 * GROUP_FRAMES * this.target <= st.bytes) k *= 2;
      if (k > 1) out[type] = k;
    }
    return out;
  }

  /** Counts a batch's new lines per type (and their frames' bytes), which decide the types' groups. */
  note(types: readonly BatchTypeStat[], frames: readonly BatchFrame[]): void {
    for (const t of types) {
      const st = this.stats.get(t.type) ?? { lines: 0, returns: 0, bytes: 0 };
      st.lines += t.lines;
      st.returns += t.returns;
      this.stats.set(t.type, st);
    }
    for (const f of frames) {
      const st = this.stats.get(f.type);
      if (st) st.bytes += f.raw;
    }
  }

  /** A full frame the worker did not seal (its type had no dictionary yet): sealed as it is. */
  whole(type: string, frame: number, content: Buffer): void {
    this.closed.push({ type, content, frags: [frame, 0], buf: null, ready: null });
  }

  /** A frame a worker sealed: packed after the frames closed before it (a type's frames stay in their order). */
  sealedByWorker(type: string, frame: number, blob: SealedBlob): void {
    this.closed.push({ type, content: null, frags: [frame, 0], buf: null, ready: blob });
  }

  /** A partial frame of a batch: appended to its group's open frame (copied), which is closed once full. */
  add(type: string, group: number, frame: number, bytes: Uint8Array): void {
    const key = `${type}\n${group}`;
    let f = this.open.get(key);
    if (f && f.len > 0 && f.len + bytes.length > this.cap) {
      this.close(key, f);
      f = undefined;
    }
    if (!f) {
      const buf = this.spare.pop() ?? Buffer.from(new SharedArrayBuffer(this.cap));
      if (bytes.length > buf.length) {
        this.spare.push(buf);
        this.closed.push({ type, content: Buffer.from(bytes), frags: [frame, 0], buf: null, ready: null });
        return;
      }
      f = { type, buf, len: 0, frags: [] };
      this.open.set(key, f);
    }
    f.frags.push(frame, f.len);
    f.buf.set(bytes, f.len);
    f.len += bytes.length;
    if (f.len >= this.target) this.close(key, f);
  }

  private close(key: string, f: OpenFrame): void {
    this.open.delete(key);
    if (f.len > 0) this.closed.push({ type: f.type, content: f.buf.subarray(0, f.len), frags: f.frags, buf: f.buf, ready: null });
    else this.spare.push(f.buf);
  }

  /** Sends the frames closed so far to the pool (one task); waits when too many are being sealed. */
  async dispatch(): Promise<void> {
    const closed = this.closed;
    this.closed = [];
    if (closed.length > 0) {
      const items: SealItem[] = [];
      const transfer: ArrayBuffer[] = [];
      const bufs: Buffer[] = [];
      for (const c of closed) {
        if (!c.content) continue;
        items.push({ content: c.content, dict: await this.host.dictFor(c.type, c.content) });
        // A shared buffer is read where it is; an own one (a worker's whole frame) moves to the pool.
        if (c.buf) bufs.push(c.buf);
        else if (!transfer.includes(c.content.buffer as ArrayBuffer)) transfer.push(c.content.buffer as ArrayBuffer);
      }
      const sealing = items.length > 0 ? this.host.seal(items, transfer) : Promise.resolve([]);
      // The frames in the order they were closed, those the workers sealed among them.
      const result = sealing.then((sealed) => {
        let j = 0;
        return closed.map((c) => c.ready ?? (sealed[j++] as SealedBlob));
      });
      // Awaited in order by settle; marked handled now so a failure while earlier ones settle is not "unhandled".
      result.catch(() => undefined);
      this.sealing.push({ frags: closed.map((c) => c.frags), bufs, result });
    }
    while (this.sealing.length > SEALING) await this.settle();
  }

  private async settle(): Promise<void> {
    const head = this.sealing.shift();
    if (!head) return;
    const sealed = await head.result;
    this.spare.push(...head.bufs);
    if (sealed.some((b) => b === undefined) || sealed.length !== head.frags.length) throw new EngineError('INTERNAL', { reason: 'sealed frames and frames sent disagree' });
    for (let i = 0; i < sealed.length; i++) await this.host.sealed(head.frags[i] as number[], sealed[i] as SealedBlob);
  }

  /** Closes every open frame (the run's end), seals and packs them all. */
  async flush(): Promise<void> {
    for (const key of [...this.open.keys()].sort()) this.close(key, this.open.get(key) as OpenFrame);
    await this.dispatch();
    while (this.sealing.length > 0) await this.settle();
    // The commit that follows has its own peak (merging the rows): the buffers go now.
    this.spare.length = 0;
  }

  /** A failed run: waits for the pool's tasks, drops the rest. */
  async abandon(): Promise<void> {
    this.open.clear();
    this.spare.length = 0;
    this.closed = [];
    await Promise.all(this.sealing.splice(0).map((s) => s.result.catch(() => undefined)));
  }

  /** Bytes held by open and spare frame buffers (for tests and the benchmarks). */
  get openBytes(): number {
    let n = 0;
    for (const f of this.open.values()) n += f.buf.length;
    for (const b of this.spare) n += b.length;
    return n;
  }
}
