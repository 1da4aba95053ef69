/**
 * Reading every page of a FHIR search, whatever way the server pages (issue 14 §3). Servers differ:
 *  - most give a `next` link per page (followed; a link that loops back is an error);
 *  - some (Medplum) give `total` and no `next`: the rest is asked with `_offset`/`_count`;
 *  - some ignore `_offset`: a page that brings nothing new ends the read, marked incomplete.
 * The caller learns whether the read was complete, so nobody concludes "missing" (or "deleted") from a
 * partial read: it reads the rest by id, keeps what it had, or says so.
 */
import { EngineError, throwIfAborted } from '../../shared/index.js';
import { displayUrl, type FhirHttp } from './http.js';

export interface SearchPage {
  readonly bundle: unknown;
  /** The page's bytes as received (resources are stored from these, never re-serialised). */
  readonly bytes: Buffer;
  readonly url: string;
  readonly response: Response;
}

export interface PagingResult {
  /** Every result was read: to the last page of next links, or as many as the server's total. */
  readonly complete: boolean;
  /** The server's total, when it gave one. */
  readonly total: number | null;
  /** Result entries read (search mode "match", or every entry of a history). */
  readonly read: number;
  /** How the pages after the first were reached. */
  readonly how: 'single' | 'next' | 'offset';
}

export interface PagingOptions {
  /** The page size asked for with `_offset` (the first URL should carry the same `_count`). */
  readonly pageSize: number;
  readonly signal?: AbortSignal;
  /** Identity of an entry, to notice a server that ignores `_offset` (default: type/id/versionId). */
  readonly entryKey?: (entry: BundleEntry) => string | null;
}

export interface BundleEntry {
  readonly fullUrl?: unknown;
  readonly resource?: { readonly resourceType?: unknown; readonly id?: unknown; readonly meta?: { readonly versionId?: unknown } };
  readonly search?: { readonly mode?: unknown };
  readonly request?: { readonly url?: unknown };
}

interface BundleShape {
  readonly resourceType?: unknown;
  readonly total?: unknown;
  readonly entry?: readonly BundleEntry[];
  readonly link?: readonly { readonly relation?: unknown; readonly url?: unknown }[];
}

/** The `next` link of a Bundle, or null. */
export function nextLink(bundle: unknown): string | null {
  const links = (bundle as BundleShape).link ?? [];
  const next = links.find((l) => l.relation === 'next');
  return next && typeof next.url === 'string' ? next.url : null;
}

/** Result entries of a page (search mode match, or no mode: history, and servers that leave it out). */
export function resultEntries(bundle: unknown): BundleEntry[] {
  return ((bundle as BundleShape).entry ?? []).filter((e) => e.search?.mode === undefined || e.search.mode === 'match');
}

function defaultKey(e: BundleEntry): string | null {
  const r = e.resource;
  if (r && typeof r.resourceType === 'string' && typeof r.id === 'string') return `${r.resourceType}/${r.id}/${typeof r.meta?.versionId === 'string' ? r.meta.versionId : ''}`;
  if (typeof e.fullUrl === 'string') return e.fullUrl;
  return typeof e.request?.url === 'string' ? e.request.url : null;
}

/** The first URL with `_offset` and `_count` set (any paging cursor of the server taken out). */
function offsetUrl(http: FhirHttp, first: string, offset: number, count: number): string {
  const u = new URL(first.replace(/^\//, ''), http.base);
  u.searchParams.set('_offset', String(offset));
  u.searchParams.set('_count', String(count));
  return u.href;
}

/**
 * Reads every page of a search (or history) starting at `first` and hands each to `onPage` in order.
 * Pages that bring no new entry (a server ignoring `_offset`) are not handed on.
 */
export async function readAllPages(http: FhirHttp, first: string, opts: PagingOptions, onPage: (page: SearchPage) => Promise<void> | void): Promise<PagingResult> {
  const it = searchPages(http, first, opts);
  for (;;) {
    const r = await it.next();
    if (r.done) return r.value;
    await onPage(r.value);
  }
}

/** The pages of a search as a stream; its return value says whether the read was complete (`yield*` gives it). */
export async function* searchPages(http: FhirHttp, first: string, opts: PagingOptions): AsyncGenerator<SearchPage, PagingResult> {
  const key = opts.entryKey ?? defaultKey;
  const seenUrls = new Set<string>();
  const seenEntries = new Set<string>();
  let url = first;
  let read = 0;
  let total: number | null = null;
  let how: PagingResult['how'] = 'single';
  for (let page = 0; ; page++) {
    throwIfAborted(opts.signal);
    if (seenUrls.has(url)) throw new EngineError('SOURCE_BAD_RESPONSE', { url: displayUrl(url), reason: 'paging loops back to a page already read' });
    seenUrls.add(url);
    const { value, response, bytes } = await http.getJson(url, opts.signal);
    const bundle = value as BundleShape;
    if (typeof value !== 'object' || value === null || bundle.resourceType !== 'Bundle') throw new EngineError('SOURCE_BAD_RESPONSE', { url: displayUrl(url), reason: 'expected a Bundle' });
    if (typeof bundle.total === 'number' && Number.isInteger(bundle.total) && bundle.total >= 0) total = bundle.total;
    const entries = resultEntries(bundle);
    let fresh = 0;
    for (const e of entries) {
      const k = key(e);
      if (k === null || !seenEntries.has(k)) fresh++;
      if (k !== null) seenEntries.add(k);
    }
    if (page > 0 && how === 'offset' && fresh === 0) return { complete: false, total, read, how };
    yield { bundle: value, bytes, url, response };
    read += entries.length;
    const next = nextLink(bundle);
    if (next) {
      how = 'next';
      url = next;
      continue;
    }
    if (total !== null && read < total) {
      // No next link, but the server says there is more: ask for it by offset (or stop, marked incomplete,
      // when the last page brought nothing).
      if (entries.length === 0) return { complete: false, total, read, how };
      how = 'offset';
      url = offsetUrl(http, first, read, opts.pageSize);
      continue;
    }
    return { complete: total === null || read >= total, total, read, how };
  }
}
