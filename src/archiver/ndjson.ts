/** Streams the lines of NDJSON files as raw bytes (never re-encoded), with their file and line number. */
import { createReadStream } from 'node:fs';
import { readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import { EngineError } from '../shared/errors.js';

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
  // Bytes after the last LF wait for the next read (a line longer than a chunk collects several reads).
  let carry: Buffer[] = [];
  let line = 1;
  let first = true;
  for await (const raw of createReadStream(file, { highWaterMark: chunkBytes, signal }) as AsyncIterable<Buffer>) {
    let chunk = raw;
    if (first && chunk.length >= 3 && chunk[0] === 0xef && chunk[1] === 0xbb && chunk[2] === 0xbf) chunk = chunk.subarray(3);
    first = false;
    const lastLf = chunk.lastIndexOf(10);
    if (lastLf < 0) {
      carry.push(chunk);
      continue;
    }
    const whole = carry.length > 0 ? Buffer.concat([...carry, chunk.subarray(0, lastLf + 1)]) : chunk.subarray(0, lastLf + 1);
    carry = lastLf + 1 < chunk.length ? [Buffer.from(chunk.subarray(lastLf + 1))] : [];
    const lines = countLf(whole);
    yield { bytes: whole, file: name, firstLine: line, lines };
    line += lines;
  }
  const rest = Buffer.concat(carry);
  if (rest.length > 0) yield { bytes: rest, file: name, firstLine: line, lines: 1 };
}

/** The NDJSON files of a path: the file itself, or *.ndjson / *.jsonl files of a folder, sorted. */
export async function listNdjsonInputs(input: string): Promise<string[]> {
  const st = await stat(input).catch(() => null);
  if (!st) throw new EngineError('INPUT_NOT_FOUND', { path: input });
  if (st.isFile()) return [input];
  const names = (await readdir(input)).filter((n) => /\.(ndjson|jsonl)$/i.test(n)).sort();
  if (names.length === 0) throw new EngineError('INPUT_NOT_FOUND', { path: path.join(input, '*.ndjson') });
  return names.map((n) => path.join(input, n));
}
