/**
 * Planning a restore into a FHIR server (see fhirTarget.ts): what will be written, in which order, how ids and
 * attachments are handled, and against the target what exists already and what differs there (the preview).
 * Also how the restore writes one resource (RestoreMapping), shared with execution, verification and drills.
 */
import { type AttachmentRecord, type BlobOpener, readAttachmentContent, readAttachments, readResource, type Repository, type SnapshotRecord } from '../repository/index.js';
import { displayUrl, type FhirHttp, probeCapabilities, readAllPages, resultEntries } from '../source/index.js';
import { isEngineError, isIntegrityCode, type LongOperationOptions, type RestorePlan, referencesOf } from '../shared/index.js';
import { isAdministrationType } from './adminTypes.js';
import { binaryUrl, planAttachments, type AttachmentPlan } from './binaries.js';
import { binaryWithData, referenceKey, rewriteReferences, rewriteUrls, sameContent } from './rewrite.js';
import { TargetMap } from './targetMap.js';
import { selectForRestore, sortByStorage, type RestoreSelection, type SelectedRow } from './selection.js';

/** The repository file a read error names (PACK_CORRUPT: file; BLOB_MISSING of a missing pack: blob). */
export function damagedFile(details: Readonly<Record<string, unknown>>): string | undefined {
  const f = details['file'] ?? details['blob'];
  return typeof f === 'string' ? f : undefined;
}

/** Types that other resources reference and that must exist first on servers enforcing referential integrity. */
export const REFERENCE_TARGET_TYPES: readonly string[] = [
  'Binary',
  'Organization',
  'Location',
  'Practitioner',
  'PractitionerRole',
  'HealthcareService',
  'Endpoint',
  'Medication',
  'Substance',
  'Device',
];

/** Statuses with which servers refuse a PUT of an id they do not hold (no create-by-update). */
export const NO_UPDATE_CREATE = new Set([404, 405, 409, 422]);

export interface FhirRestoreOptions extends LongOperationOptions {
  readonly http: FhirHttp;
  /** Orders resource types (SOP-019 tiers); reference target types are hoisted before it. */
  readonly orderTypes: (types: readonly string[]) => string[];
  readonly criticalTypes: readonly string[];
  readonly journalFile?: string;
  /** Where the old → new id and attachment URL map of this target is kept (none: in memory only). */
  readonly mapFile?: string | null;
  readonly initialBundleSize?: number;
  readonly concurrency?: number;
  readonly verify?: 'none' | 'sample' | 'all';
  readonly sampleSize?: number;
  /** Write server-administration resources too (default: left out and listed in the plan). */
  readonly includeAdministration?: boolean;
  /** Opens frames (decrypt, decompress, verify); default: the worker pool for a large restore, this thread for a small one. */
  readonly opener?: BlobOpener;
}

function restoreOrder(types: readonly string[], orderTypes: (t: readonly string[]) => string[]): string[] {
  const first = REFERENCE_TARGET_TYPES.filter((t) => types.includes(t));
  return [...first, ...orderTypes(types.filter((t) => !first.includes(t)))];
}

export function sourceBases(snap: SnapshotRecord): string[] {
  return [snap.manifest.source.location.replace(/\/+$/, '')];
}

/**
 * How the restore writes one resource: the stored text with references and attachment URLs pointed at what
 * the target holds (and a Binary's content put back as data). Also used by verification and drills, which
 * compare the target's copy with exactly this.
 */
export class RestoreMapping {
  private readonly ownContent = new Map<string, AttachmentRecord>();
  private readonly urlOwners = new Set<string>();

  constructor(
    readonly map: TargetMap,
    readonly attachments: AttachmentPlan,
    private readonly bases: readonly string[],
    private readonly targetBase: string,
    /** Old keys of the resources this restore writes. */
    private readonly restored: ReadonlySet<string>,
  ) {
    for (const r of attachments.stored) {
      if (r.path === '' && r.owner.startsWith('Binary/')) this.ownContent.set(r.owner, r);
      else this.urlOwners.add(r.owner);
    }
  }

  /** The target's "Type/id" of an old one. */
  targetKey(oldKey: string): string {
    return this.map.id(oldKey) ?? oldKey;
  }

  /** The target URL an attachment URL becomes, or undefined to keep it. */
  attachmentUrl(url: string): string | undefined {
    const made = this.map.url(url);
    if (made !== undefined) return made;
    const via = this.attachments.viaResource.get(url);
    if (via === undefined) return undefined;
    const key = this.targetKey(via);
    // Unchanged id and a relative URL: nothing to edit; an absolute one points at the target now.
    return key === via && !/^[a-z][a-z0-9+.-]*:/i.test(url) ? undefined : binaryUrl(url, key, this.targetBase);
  }

  /** A Binary resource whose content was kept apart. */
  contentOf(key: string): AttachmentRecord | undefined {
    return this.ownContent.get(key);
  }

  /**
   * The text to write. `urns`: resources created in the same bundle (referenced by their urn:uuid);
   * `created`: whether an old key already exists on the target. Returns whether a reference points at a
   * restored resource not created yet (to be fixed once it is).
   */
  async text(
    repo: Repository,
    key: string,
    bytes: Buffer,
    ctx: { urns?: ReadonlyMap<string, string>; created?: (key: string) => boolean; signal?: AbortSignal } = {},
  ): Promise<{ text: string; forward: boolean }> {
    let text = bytes.toString('utf8');
    const own = this.ownContent.get(key);
    if (own) text = binaryWithData(text, await readAttachmentContent(repo, own, ctx.signal), own.contentType);
    if (this.urlOwners.has(key)) text = rewriteUrls(text, (u) => this.attachmentUrl(u));
    let forward = false;
    if (this.map.size > 0 || ctx.urns) {
      text = rewriteReferences(text, (ref) => {
        const to = referenceKey(ref, this.bases);
        if (to === null) return null;
        const urn = ctx.urns?.get(to);
        if (urn) return urn;
        const mapped = this.map.id(to);
        if (mapped) return mapped;
        if (ctx.created && this.restored.has(to) && !ctx.created(to)) forward = true;
        return null;
      });
    }
    return { text, forward };
  }

  /** What the target should hold for a restored resource (its new id set), for comparisons. */
  async expected(repo: Repository, key: string, bytes: Buffer, signal?: AbortSignal): Promise<string> {
    const { text } = await this.text(repo, key, bytes, { signal });
    const target = this.targetKey(key);
    if (target === key) return text;
    const v = JSON.parse(text) as Record<string, unknown>;
    v['id'] = target.slice(target.indexOf('/') + 1);
    return JSON.stringify(v);
  }
}

/** Existing resources of a type on the target among the given ids (full content), read with robust paging. */
async function existingOnTarget(http: FhirHttp, type: string, ids: readonly string[], signal?: AbortSignal): Promise<Map<string, Record<string, unknown>>> {
  const out = new Map<string, Record<string, unknown>>();
  // A type the target holds none of needs no per-id look-ups (the usual case: an empty, freshly installed server).
  // A type it refuses to search (Medplum: Binary) is read id by id.
  let searchable = true;
  try {
    const { value: countBundle } = await http.getJson(`${type}?_summary=count`, signal);
    if ((countBundle as { total?: unknown }).total === 0) return out;
  } catch (err) {
    if (!isEngineError(err, 'SOURCE_HTTP') || !(Number(err.details['status']) >= 400 && Number(err.details['status']) < 500)) throw err;
    searchable = false;
  }
  for (let i = 0; i < ids.length; i += 50) {
    const chunk = ids.slice(i, i + 50);
    const wanted = new Set(chunk);
    if (searchable) {
      await readAllPages(http, `${type}?_id=${chunk.map(encodeURIComponent).join(',')}&_count=50`, { pageSize: 50, signal }, (page) => {
        for (const e of resultEntries(page.bundle)) {
          const r = e.resource as Record<string, unknown> | undefined;
          if (r && typeof r['id'] === 'string' && wanted.has(r['id'])) out.set(r['id'], r);
        }
      });
    }
    // A server that ignores _id (or pages it oddly): the ones not seen are read one by one, never assumed absent.
    for (const id of chunk) {
      if (out.has(id)) continue;
      const r = await readOne(http, `${type}/${id}`, signal);
      if (r) out.set(id, r);
    }
  }
  return out;
}

/** One resource by "Type/id", or null when the target does not hold it. */
export async function readOne(http: FhirHttp, key: string, signal?: AbortSignal): Promise<Record<string, unknown> | null> {
  try {
    const { value } = await http.getJson(key, signal);
    return typeof value === 'object' && value !== null && (value as { resourceType?: unknown }).resourceType === key.slice(0, key.indexOf('/')) ? (value as Record<string, unknown>) : null;
  } catch (err) {
    if (isEngineError(err, 'SOURCE_HTTP') && [404, 410].includes(Number(err.details['status']))) return null;
    throw err;
  }
}

export interface PreparedRestore {
  readonly plan: RestorePlan;
  readonly rows: Map<string, SelectedRow[]>;
}

export async function planFhirRestore(repo: Repository, snap: SnapshotRecord, selection: RestoreSelection, opts: FhirRestoreOptions & { preview?: boolean }): Promise<PreparedRestore> {
  const { http, signal } = opts;
  const caps = await probeCapabilities(http, signal);
  await repo.loadIndex(signal);
  const { rows, shared, listingLost } = await selectForRestore(repo, snap, selection, signal);
  // Server administration (projects, logins, client secrets): kept in the backup, left out unless asked for.
  const administration: Record<string, number> = {};
  for (const [type, list] of [...rows]) {
    if (!isAdministrationType(type)) continue;
    administration[type] = list.length;
    if (!opts.includeAdministration) rows.delete(type);
  }
  const counts: Record<string, number> = {};
  let resources = 0;
  let bytes = 0;
  const restored = new Set<string>();
  for (const [type, list] of rows) {
    counts[type] = list.length;
    resources += list.length;
    for (const r of list) {
      bytes += r.size;
      restored.add(`${type}/${r.id}`);
    }
  }
  const map = await TargetMap.open(opts.mapFile ?? null);
  const attachments = planAttachments(await readAttachments(repo, snap.manifest.attachments, signal), (k) => restored.has(k), sourceBases(snap));
  const assigned = [...rows.keys()].some((t) => caps.noUpdateCreate.includes(t));
  const mapping = new RestoreMapping(map, attachments, sourceBases(snap), http.base.href.replace(/\/+$/, ''), restored);

  let existing = 0;
  let same = 0;
  const newer: { resource: string; target: string; backup: string | null }[] = [];
  if (opts.preview !== false) {
    for (const [type, list] of rows) {
      // Resources an earlier restore gave new ids are looked up under those ids.
      const byTargetId = new Map<string, SelectedRow>();
      for (const r of list) {
        const t = mapping.targetKey(`${type}/${r.id}`);
        if (t.startsWith(`${type}/`)) byTargetId.set(t.slice(type.length + 1), r);
      }
      const found = await existingOnTarget(http, type, [...byTargetId.keys()], signal);
      existing += found.size;
      for (const [targetId, onTarget] of found) {
        const row = byTargetId.get(targetId) as SelectedRow;
        const key = `${type}/${row.id}`;
        const expected = await mapping.expected(repo, key, await readResource(repo, row, { signal }), signal);
        // Servers stamp their own versionId/lastUpdated on every write: only a content difference is news.
        if (sameContent(expected, onTarget)) {
          same++;
          continue;
        }
        const meta = onTarget['meta'] as { lastUpdated?: unknown } | undefined;
        const targetTime = typeof meta?.lastUpdated === 'string' ? meta.lastUpdated : null;
        if (targetTime && (!row.lastUpdated || Date.parse(targetTime) > Date.parse(row.lastUpdated))) newer.push({ resource: `${type}/${targetId}`, target: targetTime, backup: row.lastUpdated });
      }
    }
  }
  const plan: RestorePlan = {
    snapshotId: snap.id,
    snapshotTime: snap.manifest.time,
    target: displayUrl(http.base).replace(/\/$/, ''),
    selection,
    order: restoreOrder([...rows.keys()], opts.orderTypes),
    counts,
    resources,
    bytes,
    existing,
    newerOnTarget: newer.slice(0, 500),
    sameOnTarget: same,
    newerOnTargetTotal: newer.length,
    criticalTypes: opts.criticalTypes,
    server: { fhirVersion: caps.fhirVersion, software: caps.software },
    ids: { mode: assigned ? 'server-assigned' : 'kept', reason: assigned ? 'capability' : 'default', known: map.size, file: map.path },
    attachments: {
      count: attachments.stored.length + attachments.notStored.length,
      stored: attachments.stored.length,
      bytes: attachments.stored.reduce((n, r) => n + (r.size ?? 0), 0),
      binaries: attachments.toCreate.filter((r) => map.url(r.url) === undefined).length,
      alreadyOnTarget: attachments.toCreate.filter((r) => map.url(r.url) !== undefined).length,
      followResources: attachments.viaResource.size,
      notStored: attachments.notStored.length,
    },
    administration: { included: opts.includeAdministration === true, counts: administration },
    ...(selection.patient ? { danglingReferences: await danglingReferences(repo, rows, signal, Infinity), shared, sharedIncluded: selection.includeShared === true } : {}),
    ...(listingLost.length > 0 ? { listingLost } : {}),
  };
  return { plan, rows };
}

/** References from the selected resources to resources outside the selection (e.g. a patient's record pointing at a practitioner). */
export async function danglingReferences(repo: Repository, rows: Map<string, SelectedRow[]>, signal?: AbortSignal, limit = 50): Promise<string[]> {
  const inSet = new Set<string>();
  for (const [type, list] of rows) for (const r of list) inSet.add(`${type}/${r.id}`);
  const out = new Set<string>();
  for (const [, list] of rows) {
    for (const r of sortByStorage(repo, list)) {
      let data: Buffer;
      try {
        data = await readResource(repo, r, { signal });
      } catch (err) {
        // A damaged or missing blob is reported (as unreadable) by the restore itself; planning goes on.
        if (isEngineError(err) && (isIntegrityCode(err.code) || err.code === 'BLOB_MISSING')) continue;
        throw err;
      }
      const refs = referencesOf(JSON.parse(data.toString('utf8')));
      for (const ref of refs) {
        const m = /(?:^|\/)([A-Z][A-Za-z]+\/[A-Za-z0-9\-.]{1,64})(?:\/_history\/[^/]+)?$/.exec(ref);
        if (m && !inSet.has(m[1] as string)) out.add(m[1] as string);
        if (out.size >= limit) return [...out];
      }
    }
  }
  return [...out].sort();
}
