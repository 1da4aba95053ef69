/**
 * Attachments on restore into a FHIR server (issue 14 §1): their content becomes Binary resources on the
 * target, created before the resources that point to them, and those resources' attachment URLs are pointed at
 * the new Binaries (so the links work even when the old server is gone).
 *
 *  - An attachment whose URL names a Binary that is itself restored as a resource follows that resource (its
 *    new id, when the target gives new ids).
 *  - Otherwise a Binary is written with the stored content: PUT Binary/<same id> when the URL named a Binary of
 *    the source and the target keeps ids (the link stays as it was), else POST (a new id).
 *  - The new URL keeps the old one's form: relative ("Binary/x") stays relative, absolute becomes absolute on
 *    the target. The mapping is kept in the target map, so a resumed or later restore creates nothing twice.
 */
import { type AttachmentRecord, type BinaryResourceReader, readAttachmentContent, type Repository } from '../repository/index.js';
import { displayUrl, operationOutcomeText, type FhirHttp } from '../source/index.js';
import { EngineError, isEngineError, type ProgressListener, throwIfAborted } from '../shared/index.js';
import { referenceKey } from './rewrite.js';
import type { TargetMap } from './targetMap.js';

export interface AttachmentPlan {
  /** Records of restored resources whose content is stored (the ones the restore brings back). */
  readonly stored: readonly AttachmentRecord[];
  /** Distinct URLs whose content becomes a new Binary. */
  readonly toCreate: readonly AttachmentRecord[];
  /** URL → "Binary/x" restored as a resource (its Binary follows that resource). */
  readonly viaResource: ReadonlyMap<string, string>;
  /** Records of restored resources whose content is not in the backup (other hosts, failed downloads). */
  readonly notStored: readonly AttachmentRecord[];
}

/** Which attachments of the restored resources need a Binary, and which follow a restored Binary resource. */
export function planAttachments(records: readonly AttachmentRecord[], restored: (key: string) => boolean, sourceBases: readonly string[]): AttachmentPlan {
  const stored: AttachmentRecord[] = [];
  const notStored: AttachmentRecord[] = [];
  const toCreate = new Map<string, AttachmentRecord>();
  const viaResource = new Map<string, string>();
  for (const r of records) {
    if (!restored(r.owner)) continue;
    if (r.status !== 'stored') {
      notStored.push(r);
      continue;
    }
    stored.push(r);
    // A Binary resource's own content (no inline data) is written into that Binary, not into another one.
    if (r.path === '' && r.owner.startsWith('Binary/')) continue;
    const key = referenceKey(r.url, sourceBases);
    if (key !== null && key.startsWith('Binary/') && restored(key)) viaResource.set(r.url, key);
    else if (!toCreate.has(r.url)) toCreate.set(r.url, r);
  }
  return { stored, toCreate: [...toCreate.values()], viaResource, notStored };
}

/** The URL of a Binary on the target, in the form of the old URL (relative stays relative). */
export function binaryUrl(oldUrl: string, targetKey: string, targetBase: string): string {
  return /^[a-z][a-z0-9+.-]*:/i.test(oldUrl) ? `${targetBase.replace(/\/+$/, '')}/${targetKey}` : targetKey;
}

/** The "Binary/<id>" a write answer names (Location header, or the body's id). */
function createdKey(res: Response, body: string): string | null {
  const loc = res.headers.get('location') ?? res.headers.get('content-location');
  const m = loc ? /(?:^|\/)Binary\/([A-Za-z0-9\-.]{1,64})(?:\/_history\/[^/]+)?\/?$/.exec(loc) : null;
  if (m) return `Binary/${m[1] as string}`;
  try {
    const v = JSON.parse(body) as { resourceType?: unknown; id?: unknown };
    if (v.resourceType === 'Binary' && typeof v.id === 'string') return `Binary/${v.id}`;
  } catch {
    /* no body */
  }
  return null;
}

export interface BinaryOutcome {
  readonly created: number;
  /** Already created by an earlier (interrupted or previous) restore into this target. */
  readonly reused: number;
  readonly bytes: number;
  readonly failures: readonly { readonly url: string; readonly owner: string; readonly code: string; readonly outcome?: string }[];
}

/** Writes a Binary for each attachment to create; records old URL → new URL in the target map. */
export async function createBinaries(
  repo: Repository,
  http: FhirHttp,
  map: TargetMap,
  plan: AttachmentPlan,
  opts: { keepIds: () => boolean; sourceBases: readonly string[]; binary: BinaryResourceReader; signal?: AbortSignal; onProgress?: ProgressListener },
): Promise<BinaryOutcome> {
  const targetBase = http.base.href.replace(/\/+$/, '');
  let created = 0;
  let reused = 0;
  let bytes = 0;
  const failures: { url: string; owner: string; code: string; outcome?: string }[] = [];
  let done = 0;
  for (const record of plan.toCreate) {
    throwIfAborted(opts.signal);
    if (map.url(record.url) !== undefined) {
      reused++;
      continue;
    }
    let content: Buffer;
    try {
      content = await readAttachmentContent(repo, record, opts.signal, opts.binary);
    } catch (err) {
      if (isEngineError(err) && err.code !== 'CANCELLED') {
        failures.push({ url: record.url, owner: record.owner, code: err.code });
        continue;
      }
      throw err;
    }
    const body = JSON.stringify({
      resourceType: 'Binary',
      ...(record.contentType ? { contentType: record.contentType } : { contentType: 'application/octet-stream' }),
      data: content.toString('base64'),
    });
    const headers = { 'Content-Type': 'application/fhir+json' };
    const sourceKey = referenceKey(record.url, opts.sourceBases);
    let key: string | null = null;
    let failure: { code: string; outcome?: string } | null = null;
    // Same id when the URL named a source Binary and the target keeps ids; a refusal falls back to POST.
    if (sourceKey?.startsWith('Binary/') && opts.keepIds()) {
      const id = sourceKey.slice('Binary/'.length);
      const res = await http.request(
        sourceKey,
        { method: 'PUT', headers, body: JSON.stringify({ resourceType: 'Binary', id, ...(JSON.parse(body) as object) }) },
        { signal: opts.signal, accept: (s) => s < 500 },
      );
      const text = await res.text();
      if (res.ok) key = sourceKey;
      else failure = { code: `HTTP ${res.status}`, outcome: operationOutcomeText(text) };
    }
    if (key === null) {
      const res = await http.request('Binary', { method: 'POST', headers, body }, { signal: opts.signal, accept: (s) => s < 500 });
      const text = await res.text();
      if (res.ok) {
        key = createdKey(res, text);
        if (!key) throw new EngineError('SOURCE_BAD_RESPONSE', { url: displayUrl(`${targetBase}/Binary`), reason: 'a created Binary without its id (no Location)' });
        failure = null;
      } else failure = { code: `HTTP ${res.status}`, outcome: operationOutcomeText(text) };
    }
    if (key === null) {
      failures.push({ url: record.url, owner: record.owner, code: failure?.code ?? 'failed', ...(failure?.outcome ? { outcome: failure.outcome } : {}) });
      continue;
    }
    await map.setUrl(record.url, binaryUrl(record.url, key, targetBase));
    created++;
    bytes += content.length;
    opts.onProgress?.({ type: 'progress', op: 'restore', phase: 'attachments', done: ++done, total: plan.toCreate.length, unit: 'files', bytes });
  }
  await map.flush();
  return { created, reused, bytes, failures };
}
