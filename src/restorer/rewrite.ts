/**
 * What a restored resource looks like on the target, and how it is compared (issue 14 §4, §7, §1).
 *
 * Resources are written as the stored bytes with only these textual edits (every other byte, e.g. 36.50,
 * kept): references to resources the target gave new ids are pointed at those ids (or at a bundle entry's
 * urn:uuid while it is being created), and attachment URLs are pointed at the Binaries created on the target.
 * A Binary whose content was kept apart (no inline data) is written with its content as data.
 *
 * Comparison ignores what servers manage themselves: meta.versionId, meta.lastUpdated, meta.source and meta
 * members that are not R4 Meta elements (Medplum's author, project, compartment, account…).
 */

/** R4 Meta elements a server keeps as sent (the others it manages itself, or are not R4 at all). */
const CLIENT_META = new Set(['profile', 'security', 'tag', 'extension', 'id']);

const REFERENCE = /"reference"(\s*:\s*)"((?:[^"\\]|\\.)*)"/g;
const URL_MEMBER = /"url"(\s*:\s*)"((?:[^"\\]|\\.)*)"/g;
const LOCAL_REF = /^([A-Z][A-Za-z]+)\/([A-Za-z0-9\-.]{1,64})(?:\/_history\/[A-Za-z0-9\-.]{1,64})?$/;

function decode(raw: string): string {
  try {
    return JSON.parse(`"${raw}"`) as string;
  } catch {
    return raw;
  }
}

/**
 * The "Type/id" a reference points to on the server it came from, or null when it is not a server-local
 * reference: contained (#x), urn:uuid/urn:oid, or an absolute URL of another server. Absolute URLs under one
 * of `bases` count as local.
 */
export function referenceKey(ref: string, bases: readonly string[]): string | null {
  let rel = ref;
  if (/^[a-z][a-z0-9+.-]*:/i.test(ref)) {
    const base = bases.find((b) => b && ref.startsWith(`${b}/`));
    if (!base) return null;
    rel = ref.slice(base.length + 1);
  }
  const m = LOCAL_REF.exec(rel);
  return m ? `${m[1] as string}/${m[2] as string}` : null;
}

/** Replaces reference values: `to` gets the decoded value and returns the new one, or null to keep it. */
export function rewriteReferences(text: string, to: (ref: string) => string | null): string {
  return text.replace(REFERENCE, (whole, sep: string, raw: string) => {
    const next = to(decode(raw));
    return next === null ? whole : `"reference"${sep}${JSON.stringify(next)}`;
  });
}

/** Replaces attachment URLs: `to` gets the URL as written and returns the new one, or undefined to keep it. */
export function rewriteUrls(text: string, to: (url: string) => string | undefined): string {
  return text.replace(URL_MEMBER, (whole, sep: string, raw: string) => {
    const next = to(decode(raw));
    return next === undefined || next === decode(raw) ? whole : `"url"${sep}${JSON.stringify(next)}`;
  });
}

/** A Binary whose content was stored apart, written with the content as `data` (its old `url` dropped). */
export function binaryWithData(text: string, data: Buffer, contentType: string | null): string {
  const b = JSON.parse(text) as Record<string, unknown>;
  delete b['url'];
  if (contentType && typeof b['contentType'] !== 'string') b['contentType'] = contentType;
  b['data'] = data.toString('base64');
  return JSON.stringify(b);
}

function normalize(value: unknown): unknown {
  if (typeof value !== 'object' || value === null) return value;
  const v = structuredClone(value) as Record<string, unknown>;
  const meta = v['meta'] as Record<string, unknown> | undefined;
  if (meta && typeof meta === 'object') {
    for (const k of Object.keys(meta)) if (!CLIENT_META.has(k)) delete meta[k];
    if (Object.keys(meta).length === 0) delete v['meta'];
  }
  return v;
}

function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== typeof b || typeof a !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  const ka = Object.keys(a as object);
  const kb = Object.keys(b as object);
  if (ka.length !== kb.length) return false;
  return ka.every((k) => deepEqual((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k]));
}

/** True when the server's copy equals the expected one, ignoring server-managed meta. */
export function sameContent(expected: Buffer | string, onServer: unknown): boolean {
  const text = typeof expected === 'string' ? expected : expected.toString('utf8');
  return deepEqual(normalize(JSON.parse(text)), normalize(onServer));
}
