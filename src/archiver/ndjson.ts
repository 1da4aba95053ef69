/** Streams the lines of NDJSON files as raw bytes (never re-encoded), with their file and line number. */
import { createReadStream } from 'node:fs';
import { open, readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import { EngineError } from '../shared/index.js';

export interface NdjsonLine {
  readonly bytes: Buffer;
  readonly file: string;
  readonly line: number;
}

/** Splits a byte stream into lines. A final line without newline is still a line; CR before LF is dropped. */
export async function* splitLines(chunks: AsyncIterable<Buffer | string>, file: string): AsyncGenerator<NdjsonLine> {
  let carry: Buffer[] = [];
  let carryLen = 0;
  let lineNo = 0;
  let first = true;
  for await (const raw of chunks) {
    let chunk = typeof raw === 'string' ? Buffer.from(raw, 'utf8') : raw;
    // A UTF-8 byte order mark (some Windows tools write one) is not part of the first resource.
    if (first && chunk.length >= 3 && chunk[0] === 0xef && chunk[1] === 0xbb && chunk[2] === 0xbf) chunk = chunk.subarray(3);
    first = false;
    let start = 0;
    for (let nl = chunk.indexOf(10, start); nl >= 0; nl = chunk.indexOf(10, start)) {
      let line = chunk.subarray(start, nl);
      if (carryLen > 0) {
        line = Buffer.concat([...carry, line], carryLen + line.length);
        carry = [];
        carryLen = 0;
      }
      lineNo++;
      if (line.length > 0 && line[line.length - 1] === 13) line = line.subarray(0, line.length - 1);
      yield { bytes: line, file, line: lineNo };
      start = nl + 1;
    }
    if (start < chunk.length) {
      carry.push(chunk.subarray(start));
      carryLen += chunk.length - start;
    }
  }
  if (carryLen > 0) {
    lineNo++;
    let line = Buffer.concat(carry, carryLen);
    if (line[line.length - 1] === 13) line = line.subarray(0, line.length - 1);
    yield { bytes: line, file, line: lineNo };
  }
}

export async function* readNdjsonFile(file: string, signal?: AbortSignal): AsyncGenerator<NdjsonLine> {
  yield* splitLines(createReadStream(file, { highWaterMark: 1024 * 1024, signal }), path.basename(file));
}

/** A piece of an NDJSON file holding whole lines (the last one of a file may lack its LF). */
export interface NdjsonChunk {
  readonly bytes: Buffer;
  readonly file: string;
  /** Line number of the chunk's first line (1-based). */
  readonly firstLine: number;
  /** Line slots in the chunk: its LFs, plus one for a final line without LF. */
  readonly lines: number;
}

function countLf(b: Buffer): number {
  let n = 0;
  for (let i = b.indexOf(10); i >= 0; i = b.indexOf(10, i + 1)) n++;
  return n;
}

/**
 * Reads an NDJSON file in chunks of about `chunkBytes` cut at line ends (the bytes are never re-encoded; a UTF-8
 * byte order mark at the start is dropped). The backup pipeline hands each chunk to a worker as one batch.
 */
export async function* readNdjsonChunks(file: string, signal?: AbortSignal, chunkBytes = 1024 * 1024): AsyncGenerator<NdjsonChunk> {
  const name = path.basename(file);
  const fh = await open(file, 'r');
  try {
    // One buffer, reused: each chunk is copied by the consumer before the next read (big buffers allocated and
    // freed per read make the C allocator keep memory). A line longer than the buffer grows it.
    let buf = Buffer.allocUnsafe(chunkBytes);
    let carry = 0;
    let line = 1;
    let first = true;
    let at = 0;
    for (;;) {
      if (signal?.aborted) throw new EngineError('CANCELLED');
      if (carry === buf.length) {
        const grown = Buffer.allocUnsafe(buf.length * 2);
        buf.copy(grown, 0, 0, carry);
        buf = grown;
      }
      const { bytesRead } = await fh.read(buf, carry, buf.length - carry, at);
      at += bytesRead;
      let end = carry + bytesRead;
      // A UTF-8 byte order mark (some Windows tools write one) is not part of the first resource.
      if (first && end >= 3 && buf[0] === 0xef && buf[1] === 0xbb && buf[2] === 0xbf) {
        buf.copyWithin(0, 3, end);
        end -= 3;
      }
      first = false;
      if (bytesRead === 0) {
        if (end > 0) yield { bytes: buf.subarray(0, end), file: name, firstLine: line, lines: 1 };
        return;
      }
      const lastLf = end > 0 ? buf.lastIndexOf(10, end - 1) : -1;
      if (lastLf < 0) {
        carry = end;
        continue;
      }
      const whole = buf.subarray(0, lastLf + 1);
      const lines = countLf(whole);
      yield { bytes: whole, file: name, firstLine: line, lines };
      line += lines;
      end = end - (lastLf + 1);
      buf.copy(buf, 0, lastLf + 1, lastLf + 1 + end);
      carry = end;
    }
  } finally {
    await fh.close();
  }
}

/** The NDJSON files of a path: the file itself, or *.ndjson / *.jsonl files of a folder, sorted. */
export async function listNdjsonInputs(input: string): Promise<string[]> {
  let st;
  try {
    st = await stat(input);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') throw new EngineError('INPUT_NOT_FOUND', { path: input });
    throw err;
  }
  if (st.isFile()) return [input];
  const names = (await readdir(input)).filter((n) => /\.(ndjson|jsonl)$/i.test(n)).sort();
  if (names.length === 0) throw new EngineError('INPUT_NOT_FOUND', { path: path.join(input, '*.ndjson') });
  return names.map((n) => path.join(input, n));
}
