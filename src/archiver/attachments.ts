/**
 * Fetching attachments during a backup (issue 14 §1). Metadata and storage format: repository/attachments.ts.
 *
 *  - Every Attachment with a `url` in a new or changed resource is fetched (inline `data` is part of the
 *    resource and needs nothing more). A Binary resource without inline data (its content lives elsewhere)
 *    has its content read too (GET Binary/<id>).
 *  - URLs on the source server (relative, or absolute on its origin) are fetched with the source's credentials
 *    (a Binary read is a FHIR read, whatever a bulk manifest says about its files); hosts allowed in settings
 *    get them too, unless a bulk manifest said no token is needed (requiresAccessToken: false); other hosts are
 *    recorded, not fetched ("external"), and the run warns.
 *  - Streaming: content is cut into CHUNK_BYTES chunks as it arrives, each stored as a deduplicated blob; the
 *    same URL in several resources is fetched once per run.
 *  - Incremental: an unchanged resource keeps its attachment records from the previous snapshot (nothing is
 *    fetched again), except records that were not stored (a host now allowed, a failed download) which are
 *    tried again.
 */
import { createHash } from 'node:crypto';
import { CHUNK_BYTES, type AttachmentRecord } from '../repository/index.js';
import { displayUrl, type FhirHttp, type RequestAccess } from '../source/index.js';
import { EngineError, isEngineError, type ProgressListener, throwIfAborted } from '../shared/index.js';

/** The elements of the FHIR Attachment datatype. */
const ATTACHMENT_KEYS = new Set(['id', 'extension', 'contentType', 'language', 'data', 'url', 'size', 'hash', 'title', 'creation']);
/** An object with a url is an Attachment only with one of these (an Extension has url and value[x]). */
const ATTACHMENT_HINTS = ['contentType', 'size', 'hash', 'title', 'creation', 'data', 'language'];

export interface AttachmentRef {
  /** "Type/id" of the resource holding it. */
  readonly owner: string;
  readonly path: string;
  readonly url: string;
  readonly contentType: string | null;
  /** Attachment.size and Attachment.hash (base64 SHA-1) as the resource states them. */
  readonly declaredSize: number | null;
  readonly declaredSha1: string | null;
}

function isAttachment(o: Record<string, unknown>): boolean {
  if (typeof o['url'] !== 'string') return false;
  const keys = Object.keys(o);
  return keys.every((k) => ATTACHMENT_KEYS.has(k)) && ATTACHMENT_HINTS.some((k) => k in o);
}

/** URLs that name nothing to download: contained resources, URNs, inline data. */
function downloadable(url: string): boolean {
  return url.length > 0 && !/^(#|urn:|data:|cid:|mailto:)/i.test(url);
}

/** Attachments with a URL inside a resource (a Binary without inline data counts as its own attachment). */
export function findAttachments(owner: string, resource: Record<string, unknown>): AttachmentRef[] {
  const out: AttachmentRef[] = [];
  if (resource['resourceType'] === 'Binary') {
    // A Binary's content travels as `data`; when it is only a URL (or nothing: servers that keep the content
    // in a file store answer a read with the bytes), the content is read from the server.
    if (typeof resource['data'] !== 'string' && typeof resource['id'] === 'string') {
      out.push({ owner, path: '', url: `Binary/${resource['id']}`, contentType: typeof resource['contentType'] === 'string' ? resource['contentType'] : null, declaredSize: null, declaredSha1: null });
    }
    return out;
  }
  const walk = (v: unknown, path: string): void => {
    if (Array.isArray(v)) {
      v.forEach((x, i) => walk(x, `${path}[${i}]`));
      return;
    }
    if (typeof v !== 'object' || v === null) return;
    const o = v as Record<string, unknown>;
    if (path !== '' && isAttachment(o)) {
      const url = o['url'] as string;
      if (downloadable(url)) {
        out.push({
          owner,
          path,
          url,
          contentType: typeof o['contentType'] === 'string' ? o['contentType'] : null,
          declaredSize: typeof o['size'] === 'number' ? o['size'] : null,
          declaredSha1: typeof o['hash'] === 'string' ? o['hash'] : null,
        });
      }
      return;
    }
    for (const [k, x] of Object.entries(o)) if (k !== 'meta' && k !== 'text') walk(x, path === '' ? k : `${path}.${k}`);
  };
  walk(resource, '');
  return out;
}

export interface FetchedContent {
  readonly status: 'stored' | 'external' | 'failed';
  readonly size: number | null;
  readonly sha256: string | null;
  readonly sha1Base64: string | null;
  readonly blobs: readonly string[];
  readonly contentType: string | null;
  readonly reason?: string;
}

/**
 * Fetches one URL and stores its content in chunks. Never throws for the attachment itself (a failure is
 * recorded); cancellation and repository errors do throw.
 */
export async function fetchAttachment(
  http: FhirHttp,
  url: string,
  store: (chunk: Buffer) => Promise<string>,
  opts: { access: RequestAccess; signal?: AbortSignal; contentType?: string | null },
): Promise<FetchedContent> {
  let target: URL;
  try {
    target = new URL(url.replace(/^\//, ''), http.base);
  } catch {
    return { status: 'failed', size: null, sha256: null, sha1Base64: null, blobs: [], contentType: null, reason: 'not a URL' };
  }
  if (target.protocol !== 'http:' && target.protocol !== 'https:')
    return { status: 'external', size: null, sha256: null, sha1Base64: null, blobs: [], contentType: null, reason: `${target.protocol} URL` };
  const where = http.originClass(target);
  if (where === 'foreign') return { status: 'external', size: null, sha256: null, sha1Base64: null, blobs: [], contentType: null, reason: target.host };
  // The source server's own URLs are FHIR reads: its credentials always go there (servers keep Binary behind them
  // even when their export files are open); another host follows the access the run was given.
  const access: RequestAccess = where === 'same' ? 'source' : opts.access;
  const isBinaryRead = /(?:^|\/)Binary\/[A-Za-z0-9\-.]{1,64}$/.test(target.pathname);
  let res: Response;
  try {
    res = await http.request(target.href, { headers: { Accept: isBinaryRead ? `${opts.contentType ?? '*/*'}, */*;q=0.5` : '*/*' } }, { signal: opts.signal, access });
  } catch (err) {
    if (isEngineError(err, 'CANCELLED') || opts.signal?.aborted) throw new EngineError('CANCELLED');
    if (isEngineError(err))
      return {
        status: 'failed',
        size: null,
        sha256: null,
        sha1Base64: null,
        blobs: [],
        contentType: null,
        reason: `${err.code}${err.details['status'] !== undefined ? ` ${String(err.details['status'])}` : ''} at ${displayUrl(target)}`,
      };
    throw err;
  }
  const type = res.headers.get('content-type');
  // Some servers answer a Binary read with the FHIR JSON form whatever the Accept: the content is its `data`.
  if (isBinaryRead && type && /^application\/(fhir\+)?json/i.test(type)) {
    const text = await res.text();
    let data: unknown;
    try {
      const parsed = JSON.parse(text) as { resourceType?: unknown; data?: unknown; contentType?: unknown };
      if (parsed.resourceType !== 'Binary') throw new Error('not a Binary');
      data = parsed.data;
    } catch {
      return { status: 'failed', size: null, sha256: null, sha1Base64: null, blobs: [], contentType: null, reason: `not a Binary at ${displayUrl(target)}` };
    }
    return storeContent([typeof data === 'string' ? Buffer.from(data, 'base64') : Buffer.alloc(0)], store, opts.contentType ?? null, opts.signal);
  }
  try {
    return await storeContent(res.body as unknown as AsyncIterable<Uint8Array> | null, store, opts.contentType ?? (type ? type.split(';')[0]!.trim() : null), opts.signal);
  } catch (err) {
    if (isEngineError(err, 'CANCELLED') || opts.signal?.aborted) throw new EngineError('CANCELLED');
    if (isEngineError(err) && err.transient) return { status: 'failed', size: null, sha256: null, sha1Base64: null, blobs: [], contentType: null, reason: `${err.code} at ${displayUrl(target)}` };
    throw err;
  }
}

async function storeContent(body: AsyncIterable<Uint8Array> | Buffer[] | null, store: (chunk: Buffer) => Promise<string>, contentType: string | null, signal?: AbortSignal): Promise<FetchedContent> {
  const sha256 = createHash('sha256');
  const sha1 = createHash('sha1');
  const blobs: string[] = [];
  let size = 0;
  let parts: Buffer[] = [];
  let filled = 0;
  const flush = async (): Promise<void> => {
    if (filled === 0) return;
    const chunk = Buffer.concat(parts, filled);
    parts = [];
    filled = 0;
    blobs.push(await store(chunk));
  };
  for await (const piece of body ?? []) {
    throwIfAborted(signal);
    let buf = Buffer.from(piece.buffer, piece.byteOffset, piece.byteLength);
    sha256.update(buf);
    sha1.update(buf);
    size += buf.length;
    while (buf.length > 0) {
      const take = Math.min(buf.length, CHUNK_BYTES - filled);
      parts.push(Buffer.from(buf.subarray(0, take)));
      filled += take;
      buf = buf.subarray(take);
      if (filled === CHUNK_BYTES) await flush();
    }
  }
  await flush();
  return { status: 'stored', size, sha256: sha256.digest('hex'), sha1Base64: sha1.digest('base64'), blobs, contentType };
}

/** The record of one attachment: where it was found, and what its content turned out to be. */
function recordOf(ref: AttachmentRef, got: Pick<FetchedContent, 'contentType' | 'size' | 'sha256' | 'blobs' | 'status'> & { reason?: string | undefined }, resource?: string): AttachmentRecord {
  return {
    owner: ref.owner,
    path: ref.path,
    url: ref.url,
    contentType: ref.contentType ?? got.contentType,
    size: got.size,
    sha256: got.sha256,
    blobs: got.blobs,
    status: got.status,
    ...(got.reason ? { reason: got.reason } : {}),
    ...(resource ? { resource } : {}),
  };
}

/**
 * The attachment records of a snapshot being built: the parent's, kept for resources that did not change,
 * and new ones for resources that did.
 */
export class AttachmentCollector {
  private readonly parentByOwner = new Map<string, AttachmentRecord[]>();
  /** Owners whose parent records are replaced (the resource changed, or records are fetched again). */
  private readonly touched = new Set<string>();
  /** Per owner (a resource may come twice in a run: the later line wins), so a run's work stays linear in its resources. */
  private pending = new Map<string, AttachmentRef[]>();
  private fresh = new Map<string, AttachmentRecord[]>();
  /** Declared hash or size that did not match what was fetched (owner: url). */
  readonly mismatches: string[] = [];
  /** Binary resources of this run with inline data: a link to one is not fetched (its content is in the snapshot). */
  private readonly inlineBinaries = new Map<string, { sha256: string; size: number; contentType: string | null }>();

  /** `"resourceType":"<T>"` for every type owning a parent record: a line without any of them owns none. */
  private readonly ownerTypeMarks: Buffer[];

  constructor(parent: readonly AttachmentRecord[]) {
    const types = new Set<string>();
    for (const r of parent) {
      let list = this.parentByOwner.get(r.owner);
      if (!list) this.parentByOwner.set(r.owner, (list = []));
      list.push(r);
      types.add(r.owner.slice(0, r.owner.indexOf('/')));
    }
    this.ownerTypeMarks = [...types].map((t) => Buffer.from(`"${t}"`));
  }

  /** Whether a resource line (raw bytes) may be of a type the previous snapshot recorded attachments for (a cheap pre-check). */
  mayOwn(bytes: Buffer): boolean {
    for (const m of this.ownerTypeMarks) if (bytes.indexOf(m) >= 0) return true;
    return false;
  }

  /** A resource of this run: `changed` when it is new or differs from the parent snapshot's. */
  resource(owner: string, resource: Record<string, unknown>, changed: boolean): void {
    if (resource['resourceType'] === 'Binary' && typeof resource['data'] === 'string') {
      const data = Buffer.from(resource['data'], 'base64');
      this.inlineBinaries.set(owner, {
        sha256: createHash('sha256').update(data).digest('hex'),
        size: data.length,
        contentType: typeof resource['contentType'] === 'string' ? resource['contentType'] : null,
      });
    }
    const before = this.parentByOwner.get(owner) ?? [];
    if (!changed) {
      // Unchanged: its records stay; only those not stored are tried again.
      if (!before.some((r) => r.status !== 'stored')) return;
      this.touched.add(owner);
      const stored = before.filter((r) => r.status === 'stored');
      this.add(this.fresh, owner, stored);
      const again = new Set(before.filter((r) => r.status !== 'stored').map((r) => `${r.path}\u0000${r.url}`));
      this.add(
        this.pending,
        owner,
        findAttachments(owner, resource).filter((a) => again.has(`${a.path}\u0000${a.url}`)),
      );
      return;
    }
    if (!this.touched.has(owner)) this.touched.add(owner);
    // An earlier line of this run for the same resource loses to this one.
    this.pending.delete(owner);
    this.fresh.delete(owner);
    this.add(this.pending, owner, findAttachments(owner, resource));
  }

  /** The source starts over (a new export job): forget this run's findings. */
  restart(): void {
    this.touched.clear();
    this.pending.clear();
    this.fresh.clear();
    this.inlineBinaries.clear();
  }

  get pendingCount(): number {
    let n = 0;
    for (const list of this.pending.values()) n += list.length;
    return n;
  }

  private add<T>(map: Map<string, T[]>, owner: string, items: readonly T[]): void {
    if (items.length === 0) return;
    const list = map.get(owner);
    if (list) list.push(...items);
    else map.set(owner, [...items]);
  }

  /**
   * Fetches everything pending (the same URL once), `concurrency` at a time. A link to a Binary of this run that
   * came with its data (`binaryKey` says which Binary a URL names on the source) is recorded, not fetched.
   */
  async fetchAll(
    fetch: (ref: AttachmentRef) => Promise<FetchedContent>,
    opts: { concurrency?: number; signal?: AbortSignal; onProgress?: ProgressListener; binaryKey?: (url: string) => string | null } = {},
  ): Promise<void> {
    const byUrl = new Map<string, Promise<FetchedContent>>();
    const queue: AttachmentRef[] = [];
    for (const ref of [...this.pending.values()].flat()) {
      const key = ref.path === '' ? null : (opts.binaryKey?.(ref.url) ?? null);
      const inline = key ? this.inlineBinaries.get(key) : undefined;
      if (key && inline) {
        this.add(this.fresh, ref.owner, [recordOf(ref, { ...inline, blobs: [], status: 'stored' }, key)]);
        continue;
      }
      queue.push(ref);
    }
    this.pending.clear();
    const total = queue.length;
    let next = 0;
    let done = 0;
    let bytes = 0;
    const worker = async (): Promise<void> => {
      for (let ref = queue[next++]; ref; ref = queue[next++]) {
        throwIfAborted(opts.signal);
        let p = byUrl.get(ref.url);
        if (!p) byUrl.set(ref.url, (p = fetch(ref)));
        const got = await p;
        this.add(this.fresh, ref.owner, [recordOf(ref, got)]);
        if (got.status === 'stored' && ((ref.declaredSize !== null && ref.declaredSize !== got.size) || (ref.declaredSha1 !== null && ref.declaredSha1 !== got.sha1Base64))) {
          this.mismatches.push(ref.owner);
        }
        bytes += got.size ?? 0;
        opts.onProgress?.({ type: 'progress', op: 'backup', phase: 'attachments', done: ++done, total, unit: 'files', bytes });
      }
    };
    await Promise.all(Array.from({ length: Math.max(1, Math.min(opts.concurrency ?? 3, total)) }, () => worker()));
  }

  /**
   * The snapshot's records: the parent's for owners untouched and not deleted, plus this run's. A record whose
   * content lived in a Binary deleted in this snapshot is lost with it (the server's link is broken too).
   */
  records(deleted: (owner: string) => boolean): AttachmentRecord[] {
    const out: AttachmentRecord[] = [];
    for (const [owner, list] of this.parentByOwner) if (!this.touched.has(owner) && !deleted(owner)) out.push(...list);
    for (const [owner, list] of this.fresh) if (!deleted(owner)) out.push(...list);
    return out.map((r) => {
      if (!r.resource) return r;
      if (deleted(r.resource)) return { ...r, status: 'failed' as const, sha256: null, size: null, reason: `${r.resource} was deleted on the server` };
      // The Binary changed in this run (the link did not): the record follows its new content.
      const now = this.inlineBinaries.get(r.resource);
      return now && now.sha256 !== r.sha256 ? { ...r, sha256: now.sha256, size: now.size } : r;
    });
  }
}
