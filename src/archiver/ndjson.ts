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
