/**
 * Byte-level building blocks of the version 2 binary structures (docs/format.md §1): little-endian integers,
 * LEB128 varints (at most 8 bytes, shortest form only) and length-prefixed UTF-8 strings.
 * A reader that meets a structure ending early, a bad varint or bytes left over throws FormatError; callers turn
 * it into the integrity code of the file it came from, so damaged input is a clean error, never a crash.
 */

/** Damage found while decoding a binary structure. */
export class FormatError extends Error {
  constructor(readonly reason: string) {
    super(`format: ${reason}`);
    this.name = 'FormatError';
  }
}

const MAX_VARINT_BYTES = 8;

/** A growable output buffer. */
export class ByteWriter {
  private buf: Buffer;
  private pos = 0;

  constructor(initial = 4096) {
    this.buf = Buffer.allocUnsafe(Math.max(16, initial));
  }

  get length(): number {
    return this.pos;
  }

  private ensure(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < this.pos + n) size *= 2;
    const next = Buffer.allocUnsafe(size);
    this.buf.copy(next, 0, 0, this.pos);
    this.buf = next;
  }

  u8(v: number): void {
    this.ensure(1);
    this.buf[this.pos++] = v;
  }

  u32(v: number): void {
    this.ensure(4);
    this.buf.writeUInt32LE(v, this.pos);
    this.pos += 4;
  }

  varint(v: number): void {
    if (!Number.isSafeInteger(v) || v < 0) throw new RangeError(`varint out of range: ${v}`);
    this.ensure(MAX_VARINT_BYTES);
    while (v >= 0x80) {
      this.buf[this.pos++] = (v % 0x80) | 0x80;
      v = Math.floor(v / 0x80);
    }
    this.buf[this.pos++] = v;
  }

  bytes(b: Uint8Array): void {
    this.ensure(b.length);
    this.buf.set(b, this.pos);
    this.pos += b.length;
  }

  /** A length-prefixed UTF-8 string. */
  string(s: string): void {
    const n = Buffer.byteLength(s, 'utf8');
    this.varint(n);
    this.ensure(n);
    this.buf.write(s, this.pos, 'utf8');
    this.pos += n;
  }

  /** The bytes written so far (a copy that owns its memory). */
  finish(): Buffer {
    return Buffer.from(this.buf.subarray(0, this.pos));
  }
}

/** Reads a binary structure; every read checks bounds. */
export class ByteReader {
  pos = 0;
  /** The same bytes as a Buffer: strings are decoded straight from it (no view object per string). */
  private readonly text: Buffer;

  constructor(private readonly buf: Uint8Array) {
    this.text = Buffer.isBuffer(buf) ? buf : Buffer.from(buf.buffer, buf.byteOffset, buf.byteLength);
  }

  get remaining(): number {
    return this.buf.length - this.pos;
  }

  private need(n: number): void {
    if (n < 0 || this.pos + n > this.buf.length) throw new FormatError('structure ends early');
  }

  u8(): number {
    this.need(1);
    return this.buf[this.pos++] as number;
  }

  u32(): number {
    this.need(4);
    const b = this.buf;
    const p = this.pos;
    this.pos += 4;
    return ((b[p] as number) | ((b[p + 1] as number) << 8) | ((b[p + 2] as number) << 16)) + (b[p + 3] as number) * 0x1000000;
  }

  varint(): number {
    let value = 0;
    let scale = 1;
    for (let i = 0; i < MAX_VARINT_BYTES; i++) {
      this.need(1);
      const byte = this.buf[this.pos++] as number;
      value += (byte & 0x7f) * scale;
      if ((byte & 0x80) === 0) {
        // Shortest form only: a final 0 byte after at least one continuation byte adds nothing.
        if (byte === 0 && i > 0) throw new FormatError('varint not in shortest form');
        return value;
      }
      scale *= 0x80;
    }
    throw new FormatError('varint longer than 8 bytes');
  }

  /** A count of items that each take at least `minBytes`: checked against what is left, so damage cannot allocate gigabytes. */
  count(minBytes: number): number {
    const n = this.varint();
    if (n * minBytes > this.remaining) throw new FormatError('count larger than the structure');
    return n;
  }

  /** A view of the next n bytes (not a copy). */
  view(n: number): Uint8Array {
    this.need(n);
    const v = this.buf.subarray(this.pos, this.pos + n);
    this.pos += n;
    return v;
  }

  /** Moves past the next n bytes (no view object: for columns a reader does not need). */
  skip(n: number): void {
    this.need(n);
    this.pos += n;
  }

  /** Moves past `count` varints without computing their values (bounds checked; forms are not). */
  skipVarints(count: number): void {
    const b = this.buf;
    const end = b.length;
    let p = this.pos;
    for (let i = 0; i < count; i++) {
      while (p < end && ((b[p] as number) & 0x80) !== 0) p++;
      if (p >= end) throw new FormatError('structure ends early');
      p++;
    }
    this.pos = p;
  }

  /** A copy of the next n bytes. */
  bytes(n: number): Buffer {
    return Buffer.from(this.view(n));
  }

  string(): string {
    const n = this.varint();
    this.need(n);
    const start = this.pos;
    this.pos += n;
    return this.text.toString('utf8', start, start + n);
  }

  /** Throws unless every byte was read. */
  end(): void {
    if (this.pos !== this.buf.length) throw new FormatError('bytes left over after the structure');
  }
}

export function varintSize(v: number): number {
  let n = 1;
  while (v >= 0x80) {
    v = Math.floor(v / 0x80);
    n++;
  }
  return n;
}
