/**
 * Reading spill files back (spill.ts): a block reader with a fixed buffer per file, cursors over a file's rows (as
 * objects or as encoded records), and the heap that merges the cursors of a run's files in order.
 */
import { open, type FileHandle } from 'node:fs/promises';
import { decodeSpillRow, MAX_ROW_RECORD, scanRecord, type SpillRow } from '../pool/index.js';

const READ_BLOCK = 256 * 1024;
/** Read buffers of one merge together (a 4 GB backup merges about 100 runs): smaller blocks when there are many runs. */
const MERGE_READ_BUDGET = 4 * 1024 * 1024;
const MIN_READ_BLOCK = 32 * 1024;

/** The read block of each of `runs` files merged at once. */
export function mergeReadBlock(runs: number): number {
  return Math.max(MIN_READ_BLOCK, Math.min(READ_BLOCK, Math.floor(MERGE_READ_BUDGET / Math.max(1, runs))));
}

/**
 * Reads a spill file block by block into one buffer it keeps (what is left of a block moves to its front), so a
 * merge holds a fixed amount of memory and allocates nothing per block. A view of data is valid until the next fill.
 */
export class BlockReader {
  private buf: Buffer;
  private len = 0;
  /** buf's first len bytes, made once per fill (merge comparators read it for every record). */
  private view: Buffer = Buffer.alloc(0);
  private pos = 0;
  private eof = false;
  private fileAt = 0;

  private constructor(
    private readonly fh: FileHandle,
    private readonly block: number,
  ) {
    this.buf = Buffer.allocUnsafeSlow(block);
  }

  static async open(file: string, block = READ_BLOCK): Promise<BlockReader> {
    return new BlockReader(await open(file, 'r'), block);
  }

  /** Ensures at least n bytes are buffered (fewer at the end of the file); returns how many are. */
  async fill(n: number): Promise<number> {
    const have = this.len - this.pos;
    if (have >= n || this.eof) return have;
    if (n > this.buf.length) {
      const grown = Buffer.allocUnsafeSlow(Math.max(n, this.buf.length * 2));
      this.buf.copy(grown, 0, this.pos, this.len);
      this.buf = grown;
    } else this.buf.copyWithin(0, this.pos, this.len);
    this.len = have;
    this.pos = 0;
    while (this.len < n && !this.eof) {
      const { bytesRead } = await this.fh.read(this.buf, this.len, this.buf.length - this.len, this.fileAt);
      if (bytesRead === 0) this.eof = true;
      this.len += bytesRead;
      this.fileAt += bytesRead;
    }
    this.view = this.buf.subarray(0, this.len);
    return this.len;
  }

  /** The buffered bytes (from 0; `at` is the read position). */
  get data(): Buffer {
    return this.view;
  }

  get at(): number {
    return this.pos;
  }

  advance(n: number): void {
    this.pos += n;
  }

  async close(): Promise<void> {
    await this.fh.close();
  }
}

/**
 * A spill file read record by record through its BlockReader: the reading the two cursors share. A subclass decodes
 * the record at the read position (load) and moves past it when asked.
 */
abstract class SpillCursor<H> {
  head: H | null = null;
  protected constructor(protected readonly reader: BlockReader) {}

  /** Decodes the record at the read position as the head. */
  protected abstract load(): void;

  /** Whether a whole record is buffered after the read position (the usual case: a read brings 256 KiB). */
  protected buffered(): boolean {
    return this.reader.data.length - this.reader.at >= MAX_ROW_RECORD;
  }

  /** Reads on to the next record (after nextBuffered answered false, or at open); head null at the end. */
  async next(): Promise<void> {
    const have = await this.reader.fill(MAX_ROW_RECORD);
    if (have === 0) {
      this.head = null;
      return;
    }
    this.load();
  }

  async close(): Promise<void> {
    await this.reader.close();
  }
}

/** A spill file's rows in sorted order. */
export class FileRowCursor extends SpillCursor<SpillRow> {
  static async open(file: string, block?: number): Promise<FileRowCursor> {
    const c = new FileRowCursor(await BlockReader.open(file, block));
    await c.next();
    return c;
  }

  /** Moves to the next row without waiting when a whole record is buffered; false when next() must refill first. */
  nextBuffered(): boolean {
    if (!this.buffered()) return false;
    this.load();
    return true;
  }

  /** Decodes the row at the read position and moves past it. */
  protected load(): void {
    const start = this.reader.at;
    const at = { p: start };
    this.head = decodeSpillRow(this.reader.data, at);
    this.reader.advance(at.p - start);
  }
}

/** A spill file's records in sorted order, as encoded: the current one is data[start, end) (no object per record). */
export class FileRecordCursor extends SpillCursor<true> {
  start = 0;
  end = 0;
  seq = 0;
  private readonly scan = { end: 0, seq: 0 };

  static async open(file: string, block?: number): Promise<FileRecordCursor> {
    const c = new FileRecordCursor(await BlockReader.open(file, block));
    await c.next();
    return c;
  }

  get data(): Buffer {
    return this.reader.data;
  }

  /** Finds the record at the read position (it stays there until nextBuffered). */
  protected load(): void {
    const p = this.reader.at;
    scanRecord(this.reader.data, p, this.scan);
    this.start = p;
    this.end = this.scan.end;
    this.seq = this.scan.seq;
    this.head = true;
  }

  /** Moves past the current record; false when the next must be read first (then call next()). */
  nextBuffered(): boolean {
    this.reader.advance(this.end - this.start);
    this.start = this.end = this.reader.at;
    if (!this.buffered()) return false;
    this.load();
    return true;
  }
}

/** A binary min-heap of cursors. */
export class CursorHeap<C extends { head: unknown }> {
  private readonly items: C[] = [];
  constructor(private readonly less: (a: C, b: C) => boolean) {}
  get size(): number {
    return this.items.length;
  }
  get top(): C | undefined {
    return this.items[0];
  }
  /** The least item after the top (one of the top's two children). */
  get second(): C | undefined {
    const a = this.items;
    if (a.length < 3) return a[1];
    return this.less(a[2] as C, a[1] as C) ? a[2] : a[1];
  }
  push(c: C): void {
    const a = this.items;
    a.push(c);
    let i = a.length - 1;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (!this.less(a[i] as C, a[p] as C)) break;
      [a[i], a[p]] = [a[p] as C, a[i] as C];
      i = p;
    }
  }
  /** Restores order after the top's head changed; removes it when exhausted. */
  fixTop(exhausted: boolean): void {
    const a = this.items;
    if (exhausted) {
      const last = a.pop() as C;
      if (a.length === 0) return;
      a[0] = last;
    }
    let i = 0;
    for (;;) {
      const l = 2 * i + 1;
      const r = l + 1;
      let m = i;
      if (l < a.length && this.less(a[l] as C, a[m] as C)) m = l;
      if (r < a.length && this.less(a[r] as C, a[m] as C)) m = r;
      if (m === i) return;
      [a[i], a[m]] = [a[m] as C, a[i] as C];
      i = m;
    }
  }
}

/** Sorts and merges blocks of spill records into one sorted block (in a worker). */
