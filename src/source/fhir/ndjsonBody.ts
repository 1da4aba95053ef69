/** NDJSON response bodies (bulk-export files) split into whole lines as they came, without an object per line. */
import { EngineError } from '../../shared/index.js';

/** Whole NDJSON lines as they came: `lines` line slots (its LFs, plus one for a last line without LF) from `firstLine`. */
export interface NdjsonBlock {
  readonly bytes: Buffer;
  readonly firstLine: number;
  readonly lines: number;
}

export interface NdjsonLine {
  readonly bytes: Buffer;
  readonly line: number;
}

/**
 * Splits a downloaded NDJSON body into blocks of whole lines, as they came (CR and blank lines included: the
 * archiver's workers skip them, as in a file's chunks). A block is a view into the network chunk, or a copy only for
 * the line a chunk boundary cut; nothing is made per line. A body that ends in the middle of a line is a truncated
 * download (transient: fetched again).
 */
export async function* ndjsonBlocks(res: Response, file: string): AsyncGenerator<NdjsonBlock> {
  if (!res.body) return;
  let carry: Buffer[] = [];
  let carryLen = 0;
  let line = 1;
  let first = true;
  for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
    let buf = Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    // A UTF-8 byte order mark is not part of the first resource (as for files).
    if (first && buf.length >= 3 && buf[0] === 0xef && buf[1] === 0xbb && buf[2] === 0xbf) buf = buf.subarray(3);
    if (buf.length > 0) first = false;
    const firstLf = buf.indexOf(10);
    if (firstLf < 0) {
      if (buf.length > 0) carry.push(buf);
      carryLen += buf.length;
      continue;
    }
    let start = 0;
    if (carryLen > 0) {
      // The line cut by the chunk boundary: the only copy.
      yield { bytes: Buffer.concat([...carry, buf.subarray(0, firstLf + 1)], carryLen + firstLf + 1), firstLine: line++, lines: 1 };
      carry = [];
      carryLen = 0;
      start = firstLf + 1;
    }
    const lastLf = buf.lastIndexOf(10);
    if (lastLf >= start) {
      const whole = buf.subarray(start, lastLf + 1);
      const lines = countLf(whole);
      yield { bytes: whole, firstLine: line, lines };
      line += lines;
    }
    if (lastLf + 1 < buf.length) {
      carry.push(buf.subarray(lastLf + 1));
      carryLen += buf.length - lastLf - 1;
    }
  }
  const rest = Buffer.concat(carry, carryLen);
  if (rest.length > 0 && rest.some((b) => b !== 32 && b !== 13 && b !== 9)) {
    try {
      JSON.parse(rest.toString('utf8'));
    } catch {
      throw new EngineError('SOURCE_BAD_RESPONSE', { url: file, reason: 'file ends in the middle of a line (truncated)' }, { transient: true });
    }
    yield { bytes: rest, firstLine: line, lines: 1 };
  }
}

function countLf(b: Buffer): number {
  let n = 0;
  for (let i = b.indexOf(10); i >= 0; i = b.indexOf(10, i + 1)) n++;
  return n;
}

/** The non-blank lines of a body, one by one (CR before LF dropped), for the small files read whole here. */
export async function* ndjsonLines(res: Response, file: string): AsyncGenerator<NdjsonLine> {
  for await (const block of ndjsonBlocks(res, file)) {
    let line = block.firstLine;
    for (let start = 0; start < block.bytes.length; line++) {
      let nl = block.bytes.indexOf(10, start);
      if (nl < 0) nl = block.bytes.length;
      const end = nl > start && block.bytes[nl - 1] === 13 ? nl - 1 : nl;
      if (end > start) yield { bytes: block.bytes.subarray(start, end), line };
      start = nl + 1;
    }
  }
}
