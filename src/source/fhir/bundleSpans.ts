/**
 * Finds the exact bytes of each entry[].resource inside a Bundle's JSON text, so resources read by search or
 * _history are stored as the server sent them (JSON.parse + stringify would change decimal text like 36.50).
 * Scans bytes: multi-byte UTF-8 sequences never contain ASCII quotes, braces or brackets, so this is safe.
 */

export interface EntrySpan {
  /** Byte range of entry.resource's value, when present. */
  readonly resource: { readonly start: number; readonly end: number } | null;
}

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const LBRACE = 0x7b;
const RBRACE = 0x7d;
const LBRACKET = 0x5b;
const RBRACKET = 0x5d;
const COLON = 0x3a;

/** Returns, for each element of the top-level "entry" array, the byte span of its "resource" value. */
export function entryResourceSpans(buf: Buffer): EntrySpan[] {
  const spans: EntrySpan[] = [];
  // Stack of containers: for objects, the last key read; arrays have key null.
  const stack: { type: 'o' | 'a'; key: string | null }[] = [];
  let pendingKey: string | null = null;
  let expectKey = false;
  let resourceStart = -1;
  let resourceDepth = -1;
  let entryOpen = false;
  let entryHasResource: { start: number; end: number } | null = null;
  const inEntryArray = (): boolean => stack.length === 2 && stack[0]?.type === 'o' && stack[1]?.type === 'a' && stack[0].key === 'entry';
  for (let i = 0; i < buf.length; i++) {
    const c = buf[i] as number;
    if (c === QUOTE) {
      let j = i + 1;
      while (j < buf.length && buf[j] !== QUOTE) j += buf[j] === BACKSLASH ? 2 : 1;
      if (expectKey) {
        pendingKey = buf.toString('utf8', i + 1, j);
      }
      i = j;
      continue;
    }
    if (c === COLON) {
      const top = stack[stack.length - 1];
      if (top && top.type === 'o') top.key = pendingKey;
      expectKey = false;
      // entry element object is stack depth 3 (root o, entry a, element o); its "resource" value starts next.
      if (stack.length === 3 && top?.key === 'resource' && stack[0]?.key === 'entry' && stack[1]?.type === 'a') {
        let k = i + 1;
        while (k < buf.length && (buf[k] === 0x20 || buf[k] === 0x0a || buf[k] === 0x0d || buf[k] === 0x09)) k++;
        resourceStart = k;
        resourceDepth = 3;
      }
      continue;
    }
    if (c === LBRACE || c === LBRACKET) {
      if (c === LBRACE && inEntryArray()) {
        entryOpen = true;
        entryHasResource = null;
      }
      stack.push({ type: c === LBRACE ? 'o' : 'a', key: null });
      expectKey = c === LBRACE;
      continue;
    }
    if (c === RBRACE || c === RBRACKET) {
      stack.pop();
      if (resourceStart >= 0 && stack.length === resourceDepth) {
        entryHasResource = { start: resourceStart, end: i + 1 };
        resourceStart = -1;
        resourceDepth = -1;
      }
      if (c === RBRACE && entryOpen && inEntryArray()) {
        spans.push({ resource: entryHasResource });
        entryOpen = false;
      }
      continue;
    }
    if (c === 0x2c) {
      const top = stack[stack.length - 1];
      expectKey = top?.type === 'o';
    }
  }
  return spans;
}

/** Removes whitespace outside strings (pretty-printed resources become one NDJSON line; values are untouched). */
export function minifyJson(buf: Buffer): Buffer {
  const out = Buffer.allocUnsafe(buf.length);
  let o = 0;
  for (let i = 0; i < buf.length; i++) {
    const c = buf[i] as number;
    if (c === QUOTE) {
      let j = i + 1;
      while (j < buf.length && buf[j] !== QUOTE) j += buf[j] === BACKSLASH ? 2 : 1;
      buf.copy(out, o, i, j + 1);
      o += j + 1 - i;
      i = j;
      continue;
    }
    if (c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09) continue;
    out[o++] = c;
  }
  return out.subarray(0, o);
}

/** The resource bytes of a span as one line. */
export function resourceBytes(buf: Buffer, span: { start: number; end: number }): Buffer {
  const slice = buf.subarray(span.start, span.end);
  return slice.includes(0x0a) || slice.includes(0x0d) ? minifyJson(slice) : Buffer.from(slice);
}
