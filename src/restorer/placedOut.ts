/**
 * One output file of a version 2 folder restore whose lines have places decided in advance: every row of the
 * type gets its position when its frame is planned (in storage order), so frames can be written by whoever opens
 * them (the pool's workers write verified frames themselves) in any order. A row that cannot be restored leaves a
 * hole; holes are cut out when the file is finished, so the file holds exactly the restored lines, in order.
 */
import { open, rename, rm, type FileHandle } from 'node:fs/promises';
import { openPrivateFile } from '../shared/index.js';

const COPY_CHUNK = 1024 * 1024;

export class PlacedOut {
  /** The next free position (every row planned so far, restored or not). */
  next = 0;
  /** Lines restored into the file. */
  lines = 0;
  private readonly holes: [number, number][] = [];

  private constructor(
    readonly file: string,
    private readonly fh: FileHandle,
  ) {}

  static async create(file: string): Promise<PlacedOut> {
    return new PlacedOut(file, await openPrivateFile(file));
  }

  /** The open file's descriptor (a worker of this process writes to it). */
  get fd(): number {
    return this.fh.fd;
  }

  /** Gives the next `length` bytes of the file to a line (or a frame's lines); returns where they start. */
  place(length: number): number {
    const at = this.next;
    this.next += length;
    return at;
  }

  /** Writes bytes at their place (a short write continues where it stopped). */
  async writeAt(data: Buffer, at: number): Promise<void> {
    for (let done = 0; done < data.length;) done += (await this.fh.write(data, done, data.length - done, at + done)).bytesWritten;
  }

  /** A place that stays empty: cut out at the end. */
  hole(at: number, length: number): void {
    const last = this.holes[this.holes.length - 1];
    if (last && last[1] === at) last[1] = at + length;
    else this.holes.push([at, at + length]);
  }

  /** Closes the file; with holes, rewrites it without them. */
  async finish(): Promise<void> {
    await this.fh.close();
    if (this.holes.length === 0) return;
    const holes = [...this.holes].sort((a, b) => a[0] - b[0]);
    const tmp = `${this.file}.cut`;
    const src = await open(this.file, 'r');
    const dst = await openPrivateFile(tmp);
    try {
      const buf = Buffer.allocUnsafe(COPY_CHUNK);
      let from = 0;
      for (const [start, end] of [...holes, [this.next, this.next] as [number, number]]) {
        for (let at = from; at < start;) {
          const { bytesRead } = await src.read(buf, 0, Math.min(COPY_CHUNK, start - at), at);
          if (bytesRead === 0) throw new Error(`restore output ${this.file} ended early`);
          for (let d = 0; d < bytesRead;) d += (await dst.write(buf, d, bytesRead - d)).bytesWritten;
          at += bytesRead;
        }
        from = Math.max(from, end);
      }
    } catch (err) {
      await dst.close().catch(() => undefined);
      await rm(tmp, { force: true });
      throw err;
    } finally {
      await src.close();
    }
    await dst.close();
    await rename(tmp, this.file);
  }

  /** Closes without finishing (after an error). */
  async abort(): Promise<void> {
    await this.fh.close().catch(() => undefined);
    await rm(`${this.file}.cut`, { force: true });
  }
}
