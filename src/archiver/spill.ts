/**
 * Sorted runs on disk, so a backup's memory does not grow with the data (issue 16):
 *  - RowSpill: the rows of this run's new lines (patient, type, id, flags, frame number, offset, length, line hash,
 *    sequence number), sorted by (patient, type, id, seq) in runs of a bounded size and merged at commit;
 *  - KeySpill: one 16-byte record per new line or deletion (96-bit key hash, sequence number, kind), sorted by key
 *    so duplicates of a key meet and the last one wins.
 * Files live in a private temporary folder (0700, files 0600) and are removed when the run ends.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { compareEncoded, compareSpillRows, KEY_WORDS, keyLess, MAX_ROW_RECORD, sortKeyRecords, type SpillRow } from '../pool/index.js';
import { EngineError, throwIfAborted } from '../shared/index.js';
import { BlockReader, CursorHeap, FileRecordCursor, FileRowCursor, mergeReadBlock } from './spillRead.js';

export type { SpillRow } from '../pool/index.js';
export { compareSpillRows, sortKeyRecords } from '../pool/index.js';
export { mergeReadBlock } from './spillRead.js';

/** A private folder for one run's spill files. */
export async function makeSpillDir(parent?: string): Promise<string> {
  return mkdtemp(path.join(parent ?? os.tmpdir(), 'clinic-backup-spill-'));
}

export async function removeSpillDir(dir: string): Promise<void> {
  await rm(dir, { recursive: true, force: true });
}

export type MergeBlocks = (blocks: Uint8Array[]) => Promise<Uint8Array>;

export class RowSpill {
  private pending: Uint8Array[] = [];
  private pendingRows = 0;
  private readonly runs: string[] = [];
  private writes: Promise<void> = Promise.resolve();
  private failure: unknown = null;
  /** Rows spilled so far (all runs and pending blocks). */
  count = 0;

  constructor(
    private readonly dir: string,
    private readonly maxRows: number,
    private readonly merge: MergeBlocks,
  ) {}

  /** Adds a block of sorted records (one batch's new rows). */
  addBlock(block: Uint8Array, rows: number): void {
    if (rows === 0) return;
    this.pending.push(block);
    this.pendingRows += rows;
    this.count += rows;
  }

  get full(): boolean {
    return this.pendingRows >= this.maxRows;
  }

  /** Merges the pending blocks into one sorted run file (in the background; the next spill or merged() waits). */
  spill(): Promise<void> {
    if (this.pending.length === 0) return this.writes;
    const blocks = this.pending;
    this.pending = [];
    this.pendingRows = 0;
    const file = path.join(this.dir, `rows-${this.runs.length}`);
    this.runs.push(file);
    const merged = blocks.length === 1 ? Promise.resolve(blocks[0] as Uint8Array) : this.merge(blocks);
    merged.catch(() => undefined);
    this.writes = this.writes
      .then(async () => writeFile(file, await merged, { mode: 0o600 }))
      .catch((err: unknown) => {
        this.failure ??= err;
      });
    return this.writes;
  }

  /** Every row in (patient, type, id, seq) order: the runs on disk merged. Re-runnable. */
  async *merged(): AsyncGenerator<SpillRow> {
    for await (const batch of this.mergedBatches()) yield* batch;
  }

  /**
   * The same rows in batches of up to `size`: the merge waits only when a run's buffer needs a read, so the
   * consumer pays one await per batch instead of several per row (a first backup merges every row twice).
   */
  async *mergedBatches(size = 1024): AsyncGenerator<SpillRow[]> {
    await this.spill();
    await this.writes;
    if (this.failure !== null) throw this.failure;
    const heap = new CursorHeap<FileRowCursor>((a, b) => compareSpillRows(a.head as SpillRow, b.head as SpillRow) < 0);
    const cursors: FileRowCursor[] = [];
    try {
      const block = mergeReadBlock(this.runs.length);
      for (const f of this.runs) cursors.push(await FileRowCursor.open(f, block));
      for (const c of cursors) if (c.head) heap.push(c);
      let batch: SpillRow[] = [];
      while (heap.size > 0) {
        const c = heap.top as FileRowCursor;
        batch.push(c.head as SpillRow);
        if (!c.nextBuffered()) await c.next();
        heap.fixTop(c.head === null);
        if (batch.length >= size) {
          yield batch;
          batch = [];
        }
      }
      if (batch.length > 0) yield batch;
    } finally {
      for (const c of cursors) await c.close();
    }
  }

  /**
   * The records whose line `keep`s, in (patient, type, id) order and as encoded, in chunks of up to `chunkRows`
   * (each in a buffer of its own, to be moved to a worker): the runs are merged byte by byte, without an object per
   * record, and the event loop gets a turn every 1,024 records read. A key twice among the kept records is an error.
   */
  async *mergedRecordChunks(keep: (seq: number) => boolean, chunkRows: number, signal?: AbortSignal): AsyncGenerator<{ records: Uint8Array; count: number }> {
    await this.spill();
    await this.writes;
    if (this.failure !== null) throw this.failure;
    const heap = new CursorHeap<FileRecordCursor>((a, b) => compareEncoded(a.data, a.start, a.seq, b.data, b.start, b.seq) < 0);
    const cursors: FileRecordCursor[] = [];
    // The previous kept record (its key is compared with the next one's): in `out`, or copied to `carry` when its
    // chunk has gone to a worker.
    const carry = new Uint8Array(MAX_ROW_RECORD);
    let prevBuf: Uint8Array | null = null;
    let prevAt = 0;
    let out = new Uint8Array(Math.max(4096, chunkRows * 128));
    let used = 0;
    let count = 0;
    let read = 0;
    try {
      const block = mergeReadBlock(this.runs.length);
      for (const f of this.runs) cursors.push(await FileRecordCursor.open(f, block));
      for (const c of cursors) if (c.head) heap.push(c);
      while (heap.size > 0) {
        const c = heap.top as FileRecordCursor;
        if (keep(c.seq)) {
          const d = c.data;
          const n = c.end - c.start;
          if (prevBuf && compareEncoded(prevBuf, prevAt, 0, d, c.start, 0) >= 0) throw new EngineError('INTERNAL', { reason: 'tree rows out of order or repeated' });
          if (used + n > out.length) {
            const grown = new Uint8Array(Math.max(out.length * 2, used + n));
            grown.set(out.subarray(0, used));
            if (prevBuf === out) prevBuf = grown;
            out = grown;
          }
          d.copy(out, used, c.start, c.end);
          prevBuf = out;
          prevAt = used;
          used += n;
          if (++count === chunkRows) {
            carry.set(out.subarray(prevAt, used));
            prevBuf = carry;
            prevAt = 0;
            yield { records: out.subarray(0, used), count };
            out = new Uint8Array(out.length);
            used = 0;
            count = 0;
          }
        }
        if (!c.nextBuffered()) await c.next();
        heap.fixTop(c.head === null);
        if (++read % 1024 === 0) {
          throwIfAborted(signal);
          await new Promise<void>((r) => setImmediate(r));
        }
      }
      if (count > 0) yield { records: out.subarray(0, used), count };
    } finally {
      for (const c of cursors) await c.close();
    }
  }

  /** Forgets everything (restart). */
  async clear(): Promise<void> {
    await this.writes.catch(() => undefined);
    this.pending = [];
    this.pendingRows = 0;
    for (const f of this.runs.splice(0)) await rm(f, { force: true });
    this.count = 0;
    this.failure = null;
  }
}

// ------------------------------------------------------------------ key records

/** Sequence numbers use 31 bits; the top bit marks a deletion. */
export const KEY_DELETE = 0x80000000;
const KEY_BYTES = KEY_WORDS * 4;
/** Key records handled between two turns of the host's event loop while the key runs are merged. */
const KEYS_PER_TURN = 4096;
const RANGE_COST = 16;

/** Sorts a run of key records elsewhere (the worker pool); `words` may be moved there. */
export type SortKeys = (words: Uint32Array, n: number) => Promise<Uint32Array>;

/** One key record. */
export interface KeyRecord {
  readonly h0: number;
  readonly h1: number;
  readonly h2: number;
  readonly seq: number;
  readonly deleted: boolean;
}

interface KeyCursor {
  words: Uint32Array;
  i: number;
  n: number;
  head: true | null;
  refill(): Promise<void>;
  close(): Promise<void>;
}

/** A cursor over one sorted key run file, read block by block. */
async function fileKeyCursor(file: string, block: number): Promise<KeyCursor> {
  const reader = await BlockReader.open(file, block);
  const c: KeyCursor = {
    words: new Uint32Array(0),
    i: 0,
    n: 0,
    head: null,
    refill: async () => {
      reader.advance(c.n * KEY_BYTES);
      const have = await reader.fill(block);
      const whole = Math.floor(have / KEY_BYTES);
      const d = reader.data;
      // The reader's buffer starts at a block of its own and a refill moves whole records to its front, so the
      // records are 4-byte aligned and can be read in place (valid until the next refill, when c.words is replaced).
      const at = d.byteOffset + reader.at;
      if (at % 4 === 0) c.words = new Uint32Array(d.buffer, at, whole * KEY_WORDS);
      else {
        const copy = Buffer.from(d.subarray(reader.at, reader.at + whole * KEY_BYTES));
        c.words = new Uint32Array(copy.buffer, copy.byteOffset, whole * KEY_WORDS);
      }
      c.n = whole;
      c.i = 0;
      c.head = whole > 0 ? true : null;
    },
    close: () => reader.close(),
  };
  await c.refill();
  return c;
}

export class KeySpill {
  private static readonly RUN = 1 << 20;
  private buf = new Uint32Array(4096 * KEY_WORDS);
  private n = 0;
  private readonly runs: string[] = [];
  private writes: Promise<void> = Promise.resolve();
  count = 0;

  /**
   * `sort`: where a full run is sorted (the worker pool, so the host's event loop stays free); this thread without
   * it. Runs are written in the order they were spilled, whatever order their sorts finish in.
   */
  constructor(
    private readonly dir: string,
    private readonly maxRecords = KeySpill.RUN,
    private readonly sort: SortKeys | null = null,
  ) {
    if (maxRecords > KeySpill.RUN) throw new RangeError('key runs hold at most 2^20 records');
  }

  add(h0: number, h1: number, h2: number, seq: number, deleted: boolean): void {
    if (seq >= KEY_DELETE) throw new RangeError('more than 2^31 lines in one run');
    if ((this.n + 1) * KEY_WORDS > this.buf.length) {
      const grown = new Uint32Array(Math.min(this.maxRecords, (this.buf.length / KEY_WORDS) * 2) * KEY_WORDS);
      grown.set(this.buf.subarray(0, this.n * KEY_WORDS));
      this.buf = grown;
    }
    const at = this.n * KEY_WORDS;
    this.buf[at] = h0;
    this.buf[at + 1] = h1;
    this.buf[at + 2] = h2;
    this.buf[at + 3] = (seq | (deleted ? KEY_DELETE : 0)) >>> 0;
    this.n++;
    this.count++;
    if (this.n >= this.maxRecords) void this.spill();
  }

  /** Appends key records (4 words each) made by a worker. */
  addWords(words: Uint32Array): void {
    for (let i = 0; i < words.length; i += KEY_WORDS) {
      const w3 = words[i + 3] as number;
      this.add(words[i] as number, words[i + 1] as number, words[i + 2] as number, w3 & 0x7fffffff, (w3 & KEY_DELETE) !== 0);
    }
  }

  spill(): Promise<void> {
    if (this.n === 0) return this.writes;
    const file = path.join(this.dir, `keys-${this.runs.length}`);
    this.runs.push(file);
    let sorted: Promise<Uint32Array>;
    if (this.sort) {
      // The buffer moves to the sorter (detached here once sent); the next records go to a fresh one of its size.
      const words = this.buf;
      this.buf = new Uint32Array(words.length);
      sorted = this.sort(words, this.n);
      sorted.catch(() => undefined);
    } else sorted = Promise.resolve(sortKeyRecords(this.buf, this.n));
    this.n = 0;
    this.writes = this.writes.then(async () => {
      const s = await sorted;
      await writeFile(file, Buffer.from(s.buffer, s.byteOffset, s.byteLength), { mode: 0o600 });
    });
    return this.writes;
  }

  /** The records not spilled yet, sorted (a copy: the buffer stays, so a merge can run again). */
  private sortedMemory(): Promise<Uint32Array> {
    if (this.n === 0) return Promise.resolve(new Uint32Array(0));
    if (!this.sort) return Promise.resolve(sortKeyRecords(this.buf, this.n));
    return this.sort(this.buf.slice(0, this.n * KEY_WORDS), this.n);
  }

  /**
   * Calls `fn` for every record in (key, seq) order, with the record's words (the fourth holds the sequence number
   * and the deletion bit, KEY_DELETE): no object per record, and a wait only when a run file must be read.
   */
  async forEach(fn: (h0: number, h1: number, h2: number, w3: number) => void): Promise<void> {
    // The event loop gets a turn every KEYS_PER_TURN records: a range may span a whole read block (16k records),
    // and the heap's awaits between ranges are microtasks, which never let a timer or an I/O callback run. A range
    // also costs RANGE_COST records' worth (a generator step and a heap fix: runs that interleave record by record
    // made 4,096 records take 20 ms of CPU at load 10).
    let budget = KEYS_PER_TURN;
    for await (const run of this.mergedRuns()) {
      const { words } = run;
      let from = run.from;
      budget = Math.max(1, budget - RANGE_COST);
      while (from < run.to) {
        const to = Math.min(run.to, from + budget);
        for (let at = from * KEY_WORDS; at < to * KEY_WORDS; at += KEY_WORDS) fn(words[at] as number, words[at + 1] as number, words[at + 2] as number, words[at + 3] as number);
        budget -= to - from;
        from = to;
        if (budget === 0) {
          await new Promise<void>((r) => setImmediate(r));
          budget = KEYS_PER_TURN;
        }
      }
    }
  }

  /** The merge as ranges of records of one cursor's words (a range ends where another cursor's record comes first). */
  private async *mergedRuns(): AsyncGenerator<{ words: Uint32Array; from: number; to: number }> {
    await this.writes;
    const cursors: KeyCursor[] = [];
    const memory = await this.sortedMemory();
    const inMemory = memory.length / KEY_WORDS;
    cursors.push({ words: memory, i: 0, n: inMemory, head: inMemory > 0 ? true : null, refill: async () => undefined, close: async () => undefined });
    const block = mergeReadBlock(this.runs.length);
    for (const f of this.runs) cursors.push(await fileKeyCursor(f, block));
    const heap = new CursorHeap<KeyCursor>((a, b) => keyLess(a.words, a.i * KEY_WORDS, b.words, b.i * KEY_WORDS));
    try {
      for (const c of cursors) if (c.head) heap.push(c);
      while (heap.size > 0) {
        const c = heap.top as KeyCursor;
        // The top cursor's records stay first until one is not less than the second-best cursor's head.
        const from = c.i;
        const rival = heap.second;
        c.i++;
        // A range ends after KEYS_PER_TURN records too, so scanning one never holds the event loop long.
        if (rival) while (c.i < c.n && c.i - from < KEYS_PER_TURN && keyLess(c.words, c.i * KEY_WORDS, rival.words, rival.i * KEY_WORDS)) c.i++;
        else c.i = c.n;
        yield { words: c.words, from, to: c.i };
        if (c.i >= c.n) {
          await c.refill();
          if (c === cursors[0]) c.head = null;
        }
        heap.fixTop(c.i >= c.n || c.head === null);
      }
    } finally {
      for (const c of cursors) await c.close();
    }
  }

  /** Every record in (key, seq) order. Re-runnable. */
  async *merged(): AsyncGenerator<KeyRecord> {
    for await (const { words, from, to } of this.mergedRuns()) {
      for (let at = from * KEY_WORDS; at < to * KEY_WORDS; at += KEY_WORDS) {
        const w3 = words[at + 3] as number;
        yield { h0: words[at] as number, h1: words[at + 1] as number, h2: words[at + 2] as number, seq: w3 & 0x7fffffff, deleted: (w3 & KEY_DELETE) !== 0 };
      }
    }
  }

  async clear(): Promise<void> {
    await this.writes.catch(() => undefined);
    this.n = 0;
    for (const f of this.runs.splice(0)) await rm(f, { force: true });
    this.count = 0;
  }
}
