/**
 * Textual JSON helpers for the sandbox: find the exact text of members and elements without parsing
 * numbers, so decimals such as 36.50 survive, and rewrite one member (meta, id) keeping every other byte.
 */
import { EngineError } from '../shared/index.js';

export interface Span {
  start: number;
  end: number;
}
export interface MemberSpan {
  key: string;
  /** From the opening quote of the key to the end of the value. */
  member: Span;
  value: Span;
}

const WS = new Set([0x20, 0x09, 0x0a, 0x0d]);

function malformed(at: number): EngineError {
  return new EngineError('INPUT_MALFORMED', { status: 400, issue: 'structure', diagnostics: `malformed JSON near offset ${at}` });
}

export function skipWs(s: string, i: number): number {
  while (i < s.length && WS.has(s.charCodeAt(i))) i++;
  return i;
}

/** Index just after the string token that starts at i (s[i] === '"'). */
function stringEnd(s: string, i: number): number {
  let j = i + 1;
  while (j < s.length) {
    const c = s.charCodeAt(j);
    if (c === 0x5c) j += 2;
    else if (c === 0x22) return j + 1;
    else j++;
  }
  throw malformed(i);
}

/** Index just after the JSON value that starts at i (no leading whitespace). */
export function valueEnd(s: string, i: number): number {
  const c = s.charCodeAt(i);
  if (c === 0x22) return stringEnd(s, i);
  if (c === 0x7b || c === 0x5b) {
    let depth = 0;
    let j = i;
    while (j < s.length) {
      const d = s.charCodeAt(j);
      if (d === 0x22) {
        j = stringEnd(s, j);
        continue;
      }
      if (d === 0x7b || d === 0x5b) depth++;
      else if (d === 0x7d || d === 0x5d) {
        depth--;
        if (depth === 0) return j + 1;
      }
      j++;
    }
    throw malformed(i);
  }
  let j = i;
  while (j < s.length) {
    const d = s.charCodeAt(j);
    if (d === 0x2c || d === 0x7d || d === 0x5d || WS.has(d)) break;
    j++;
  }
  if (j === i) throw malformed(i);
  return j;
}

/** The members of the object starting at `start` (s[start] === '{'), with their text spans. */
export function objectMembers(s: string, start: number): MemberSpan[] {
  if (s.charCodeAt(start) !== 0x7b) throw malformed(start);
  const out: MemberSpan[] = [];
  let i = skipWs(s, start + 1);
  if (s.charCodeAt(i) === 0x7d) return out;
  while (i < s.length) {
    if (s.charCodeAt(i) !== 0x22) throw malformed(i);
    const keyEnd = stringEnd(s, i);
    const key = JSON.parse(s.slice(i, keyEnd)) as string;
    let j = skipWs(s, keyEnd);
    if (s.charCodeAt(j) !== 0x3a) throw malformed(j);
    j = skipWs(s, j + 1);
    const vEnd = valueEnd(s, j);
    out.push({ key, member: { start: i, end: vEnd }, value: { start: j, end: vEnd } });
    i = skipWs(s, vEnd);
    const c = s.charCodeAt(i);
    if (c === 0x2c) i = skipWs(s, i + 1);
    else if (c === 0x7d) return out;
    else throw malformed(i);
  }
  throw malformed(start);
}

/** The element spans of the array starting at `start` (s[start] === '['). */
export function arrayElements(s: string, start: number): Span[] {
  if (s.charCodeAt(start) !== 0x5b) throw malformed(start);
  const out: Span[] = [];
  let i = skipWs(s, start + 1);
  if (s.charCodeAt(i) === 0x5d) return out;
  while (i < s.length) {
    const end = valueEnd(s, i);
    out.push({ start: i, end });
    i = skipWs(s, end);
    const c = s.charCodeAt(i);
    if (c === 0x2c) i = skipWs(s, i + 1);
    else if (c === 0x5d) return out;
    else throw malformed(i);
  }
  throw malformed(start);
}

/** Removes insignificant whitespace (outside strings) without touching any token, so numbers keep their text. */
export function minify(s: string): string {
  let out = '';
  let from = 0;
  let i = 0;
  while (i < s.length) {
    const c = s.charCodeAt(i);
    if (c === 0x22) {
      i = stringEnd(s, i);
    } else if (WS.has(c)) {
      out += s.slice(from, i);
      while (i < s.length && WS.has(s.charCodeAt(i))) i++;
      from = i;
    } else {
      i++;
    }
  }
  return out + s.slice(from);
}

/** Replaces spans (non-overlapping) by new text; everything else is kept byte for byte. */
export function splice(s: string, edits: readonly { span: Span; text: string }[]): string {
  const sorted = [...edits].sort((a, b) => a.span.start - b.span.start);
  let out = '';
  let at = 0;
  for (const e of sorted) {
    out += s.slice(at, e.span.start) + e.text;
    at = e.span.end;
  }
  return out + s.slice(at);
}

export interface ResourceHead {
  resourceType: string;
  id: string | undefined;
  members: MemberSpan[];
  /** Offset of the opening brace. */
  start: number;
}

/** Reads resourceType and id of the resource text (one JSON object) without parsing the rest. */
export function resourceHead(text: string): ResourceHead {
  const start = skipWs(text, 0);
  const members = objectMembers(text, start);
  const end = valueEnd(text, start);
  if (skipWs(text, end) !== text.length) throw malformed(end);
  const rt = members.find((m) => m.key === 'resourceType');
  const rtValue: unknown = rt ? JSON.parse(text.slice(rt.value.start, rt.value.end)) : undefined;
  if (typeof rtValue !== 'string') {
    throw new EngineError('INPUT_MALFORMED', { status: 400, issue: 'required', diagnostics: 'resourceType is missing' });
  }
  const idm = members.find((m) => m.key === 'id');
  const idValue: unknown = idm ? JSON.parse(text.slice(idm.value.start, idm.value.end)) : undefined;
  return { resourceType: rtValue, id: typeof idValue === 'string' ? idValue : undefined, members, start };
}

/**
 * Sets id, meta.versionId and meta.lastUpdated of a resource text, rewriting only the id value and the
 * meta member (other meta fields kept, in order); every other byte stays as it was.
 */
export function withServerMeta(text: string, head: ResourceHead, set: { id: string; versionId: string; lastUpdated: string; extra?: Readonly<Record<string, unknown>> }): string {
  const edits: { span: Span; text: string }[] = [];
  const idm = head.members.find((m) => m.key === 'id');
  const meta = head.members.find((m) => m.key === 'meta');
  const rt = head.members.find((m) => m.key === 'resourceType') as MemberSpan;
  let metaObj: Record<string, unknown> = {};
  if (meta) {
    const parsed: unknown = JSON.parse(text.slice(meta.value.start, meta.value.end));
    if (typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed)) metaObj = parsed as Record<string, unknown>;
  }
  // keep the member order; versionId and lastUpdated go together (first when neither was there)
  const ordered: Record<string, unknown> = {};
  const hasVid = 'versionId' in metaObj;
  const hasLu = 'lastUpdated' in metaObj;
  if (!hasVid && !hasLu) {
    ordered['versionId'] = set.versionId;
    ordered['lastUpdated'] = set.lastUpdated;
  }
  for (const [k, v] of Object.entries(metaObj)) {
    if (k === 'versionId') {
      ordered['versionId'] = set.versionId;
      if (!hasLu) ordered['lastUpdated'] = set.lastUpdated;
    } else if (k === 'lastUpdated') {
      if (!hasVid) ordered['versionId'] = set.versionId;
      ordered['lastUpdated'] = set.lastUpdated;
    } else {
      ordered[k] = v;
    }
  }
  // Server-managed members (e.g. Medplum's meta.author, meta.project) replace what the client sent.
  for (const [k, v] of Object.entries(set.extra ?? {})) ordered[k] = v;
  const metaText = JSON.stringify(ordered);
  const idText = JSON.stringify(set.id);
  if (idm) {
    if (text.slice(idm.value.start, idm.value.end) !== idText) edits.push({ span: idm.value, text: idText });
  }
  if (meta) {
    edits.push({ span: meta.value, text: metaText });
  }
  // insertions go right after the id member (or resourceType when there is no id)
  const anchor = idm ?? rt;
  let insert = '';
  if (!idm) insert += `,"id":${idText}`;
  if (!meta) insert += `,"meta":${metaText}`;
  if (insert) edits.push({ span: { start: anchor.member.end, end: anchor.member.end }, text: insert });
  return splice(text, edits);
}
