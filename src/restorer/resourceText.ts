/** Editing a resource's stored JSON text without re-serialising it: bundles around stored bytes, the top-level id. */

/** A transaction or batch Bundle text embedding each resource's stored bytes verbatim. */
export function bundleText(kind: 'transaction' | 'batch', items: readonly { type: string; id: string; bytes: Buffer }[]): Buffer {
  const parts: Buffer[] = [Buffer.from(`{"resourceType":"Bundle","type":"${kind}","entry":[`)];
  items.forEach((it, i) => {
    parts.push(Buffer.from(`${i ? ',' : ''}{"resource":`), it.bytes, Buffer.from(`,"request":{"method":"PUT","url":"${it.type}/${it.id}"}}`));
  });
  parts.push(Buffer.from(']}'));
  return Buffer.concat(parts);
}

/** The text with its top-level "id" member set (added after resourceType when missing); other bytes kept. */
export function setTopLevelId(text: string, id: string): string {
  const span = topLevelMember(text, 'id');
  if (span) return `${text.slice(0, span.valueStart)}${JSON.stringify(id)}${text.slice(span.end)}`;
  const open = text.indexOf('{');
  return `${text.slice(0, open + 1)}"id":${JSON.stringify(id)}${
    text
      .slice(open + 1)
      .trimStart()
      .startsWith('}')
      ? ''
      : ','
  }${text.slice(open + 1)}`;
}

/** The text without its top-level "id" member (a creation: the server chooses the id). */
export function withoutTopLevelId(text: string): string {
  const span = topLevelMember(text, 'id');
  if (!span) return text;
  let start = span.start;
  let end = span.end;
  // Take the comma after the member, or else the one before it.
  const after = /^\s*,/.exec(text.slice(end));
  if (after) end += after[0].length;
  else {
    const before = /,\s*$/.exec(text.slice(0, start));
    if (before) start -= before[0].length;
  }
  return text.slice(0, start) + text.slice(end);
}

/** Span of a member of the top-level object: from its key's quote to the end of its (string) value. */
function topLevelMember(text: string, key: string): { start: number; valueStart: number; end: number } | null {
  let depth = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x22) {
      let j = i + 1;
      while (j < text.length && text.charCodeAt(j) !== 0x22) j += text.charCodeAt(j) === 0x5c ? 2 : 1;
      if (depth === 1 && text.slice(i + 1, j) === key) {
        const colon = /^\s*:\s*/.exec(text.slice(j + 1));
        if (colon && text.charCodeAt(j + 1 + colon[0].length) === 0x22) {
          const valueStart = j + 1 + colon[0].length;
          let k = valueStart + 1;
          while (k < text.length && text.charCodeAt(k) !== 0x22) k += text.charCodeAt(k) === 0x5c ? 2 : 1;
          return { start: i, valueStart, end: k + 1 };
        }
      }
      i = j;
      continue;
    }
    if (c === 0x7b || c === 0x5b) depth++;
    else if (c === 0x7d || c === 0x5d) depth--;
  }
  return null;
}
