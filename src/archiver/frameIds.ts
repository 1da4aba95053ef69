/**
 * A run's frame number → the frame's blob id (16 bytes), for the tree commit (issue 16: memory that does not grow
 * with the data beyond a compact table). Frame numbers are batch · FRAMES_PER_BATCH + frame within the batch
 * (sparse), so each batch gets a range of slots in one growing buffer: 16 bytes per frame and 4 per batch, no
 * JS object per frame (a Map of Buffers cost about 130 bytes of heap per frame).
 */
import { FRAMES_PER_BATCH } from '../pool/index.js';
import { BLOB_ID2_BYTES } from '../repository/index.js';

export interface FrameIdLookup {
  /** The frame's id (a view of the table, valid while the table lives), or undefined when it was not sealed. */
  get(frame: number): Buffer | undefined;
  /** Where the run frame's content starts in the sealed frame (0 unless it was a fragment appended to a group's frame). */
  base(frame: number): number;
}

export class FrameIds implements FrameIdLookup {
  /** Per batch: first slot + 1 (0: no slot yet). */
  private firstSlot = new Float64Array(256);
  /** Per batch: how many slots it has. */
  private slotCount = new Uint32Array(256);
  private ids = Buffer.alloc(1024 * BLOB_ID2_BYTES);
  /** Per slot: 1 once its id is set. */
  private present = new Uint8Array(1024);
  /** Per slot: the offset of its content in the sealed frame (frameGroups.ts appends fragments of several batches). */
  private bases = new Uint32Array(1024);
  private used = 0;
  /** Views handed out by get (only once the commit reads the table). */
  private views: (Buffer | undefined)[] = [];
  private count = 0;

  /** Frames set so far. */
  get size(): number {
    return this.count;
  }

  /** Bytes held (the table's buffers), for the benchmarks. */
  get bytes(): number {
    return this.firstSlot.byteLength + this.slotCount.byteLength + this.ids.byteLength + this.present.byteLength + this.bases.byteLength;
  }

  /** Gives a batch its slots: one per frame number below `frames` within the batch. Call before its set(). */
  reserve(batch: number, frames: number): void {
    if (batch >= this.firstSlot.length) {
      let n = this.firstSlot.length;
      while (n <= batch) n *= 2;
      const f = new Float64Array(n);
      f.set(this.firstSlot);
      this.firstSlot = f;
      const c = new Uint32Array(n);
      c.set(this.slotCount);
      this.slotCount = c;
    }
    const have = this.slotCount[batch] as number;
    if (frames <= have) return;
    if (have > 0) throw new RangeError(`batch ${batch}: frames reserved twice`);
    if (this.used + frames > this.present.length) {
      let n = this.present.length;
      while (n < this.used + frames) n *= 2;
      const ids = Buffer.alloc(n * BLOB_ID2_BYTES);
      this.ids.copy(ids, 0, 0, this.used * BLOB_ID2_BYTES);
      this.ids = ids;
      const p = new Uint8Array(n);
      p.set(this.present.subarray(0, this.used));
      this.present = p;
      const b = new Uint32Array(n);
      b.set(this.bases.subarray(0, this.used));
      this.bases = b;
    }
    this.firstSlot[batch] = this.used + 1;
    this.slotCount[batch] = frames;
    this.used += frames;
  }

  private slot(frame: number): number {
    const batch = Math.floor(frame / FRAMES_PER_BATCH);
    const local = frame - batch * FRAMES_PER_BATCH;
    if (batch >= this.firstSlot.length || local >= (this.slotCount[batch] as number)) return -1;
    return (this.firstSlot[batch] as number) - 1 + local;
  }

  /** The run frame's blob id, and where its content starts in that blob (a fragment sealed with others). */
  set(frame: number, id: Uint8Array, base = 0): void {
    const s = this.slot(frame);
    if (s < 0) throw new RangeError(`frame ${frame} has no slot`);
    if (id.length !== BLOB_ID2_BYTES) throw new RangeError('frame id of the wrong length');
    if (!Number.isInteger(base) || base < 0 || base > 0xffffffff) throw new RangeError('frame base out of range');
    if (this.present[s] === 0) this.count++;
    this.ids.set(id, s * BLOB_ID2_BYTES);
    this.views[s] = undefined;
    this.present[s] = 1;
    this.bases[s] = base;
  }

  base(frame: number): number {
    const s = this.slot(frame);
    return s < 0 ? 0 : (this.bases[s] as number);
  }

  /**
   * Every set frame in ascending frame number: its number into `nums`, its id into `ids` (16 bytes each) and its
   * base into `bases`, from index 0; returns how many. The arrays must hold `size` entries.
   */
  copyOrdered(nums: Float64Array, ids: Uint8Array, bases?: Uint32Array): number {
    let i = 0;
    for (let batch = 0; batch < this.firstSlot.length; batch++) {
      const first = (this.firstSlot[batch] as number) - 1;
      if (first < 0) continue;
      const n = this.slotCount[batch] as number;
      for (let local = 0; local < n; local++) {
        const s = first + local;
        if (this.present[s] === 0) continue;
        nums[i] = batch * FRAMES_PER_BATCH + local;
        ids.set(this.ids.subarray(s * BLOB_ID2_BYTES, (s + 1) * BLOB_ID2_BYTES), i * BLOB_ID2_BYTES);
        if (bases) bases[i] = this.bases[s] as number;
        i++;
      }
    }
    return i;
  }

  /**
   * The tree commit asks once per row (tens of rows per frame, in patient order): one view per frame, made on the
   * first ask, instead of one per row (short-lived views of every row were promoted with the rows' chunks and grew
   * the old generation by tens of MB during the commit).
   */
  get(frame: number): Buffer | undefined {
    const s = this.slot(frame);
    if (s < 0 || this.present[s] === 0) return undefined;
    let v = this.views[s];
    if (!v) this.views[s] = v = this.ids.subarray(s * BLOB_ID2_BYTES, (s + 1) * BLOB_ID2_BYTES);
    return v;
  }
}
