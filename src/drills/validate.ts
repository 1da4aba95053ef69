/**
 * The checks of a drill, run against the target after the restore (issue 7, issue 14):
 *  counts      — the target's own count per type (`_summary=count`) = the snapshot manifest's count (types the
 *                restore leaves out by design, server administration, excepted);
 *  content     — every resource read back (type search, paged by next links or _offset; what paging does not
 *                bring is read by id, never concluded missing) = what the restore wrote: the backed-up bytes
 *                with its id and reference edits when the target assigned new ids, server meta ignored;
 *  references  — every Type/id reference inside the restored resources resolves inside the restored set;
 *  compartment — a seeded random sample of patients: every resource of their compartment in the snapshot
 *                (tree rows keep each resource's compartment patients) is found on the target (`_id` search);
 *  attachments — every attachment restored is read back from the target and has the backed-up SHA-256.
 * It also names the damage, resource by resource, and computes the integrity score (formula below).
 */
import { type BlobOpener, readResource, type Repository, type SnapshotRecord, snapshotRows } from '../repository/index.js';
import { createHash } from 'node:crypto';
import { type FhirRestoreExecution, sameContent, type SelectedRow } from '../restorer/index.js';
import { type FhirHttp, readAllPages, resultEntries } from '../source/index.js';
import { type ErrorCode, isEngineError, isIntegrityCode, type ProgressListener, throwIfAborted, referencesOf } from '../shared/index.js';
import { seededSample } from './sample.js';
import { MAX_PROBLEMS, type DrillChecks, type DrillFailure, type DrillProblem, type DrillTypeResult } from './types.js';

/** Resources per page when reading a type back. */
const PAGE_SIZE = 500;
/** Ids per `_id` search in the compartment check. */
const ID_CHUNK = 50;

export interface ValidationInput {
  readonly repo: Repository;
  readonly snap: SnapshotRecord;
  readonly rows: ReadonlyMap<string, readonly SelectedRow[]>;
  readonly restore: FhirRestoreExecution;
  /** Types the restore left out by design (server administration): not expected on the target. */
  readonly excludedTypes?: readonly string[];
  readonly http: FhirHttp;
  readonly sampleSize: number;
  readonly seed: number;
  readonly signal?: AbortSignal;
  readonly onProgress?: ProgressListener;
  readonly opener?: BlobOpener;
}

export interface ValidationResult {
  readonly checks: DrillChecks;
  readonly resources: DrillTypeResult[];
  readonly failures: DrillFailure[];
  readonly problems: DrillProblem[];
  readonly problemCount: number;
  /** Snapshot resources that passed every per-resource check. */
  readonly passed: number;
  readonly integrityScore: number | null;
  readonly samplePatients: string[];
}

interface Bundle {
  readonly total?: unknown;
  readonly entry?: readonly { readonly resource?: unknown }[];
}

function resourcesOf(b: Bundle): Record<string, unknown>[] {
  const out: Record<string, unknown>[] = [];
  for (const e of b.entry ?? []) if (typeof e.resource === 'object' && e.resource !== null) out.push(e.resource as Record<string, unknown>);
  return out;
}

const LOCAL_REF = /^([A-Z][A-Za-z]+)\/([A-Za-z0-9\-.]{1,64})(?:\/_history\/[A-Za-z0-9\-.]{1,64})?$/;

/**
 * The Type/id a reference points to inside the restored set, or null when it is not checkable here:
 * contained (#x), urn:uuid/urn:oid, logical identifiers, or an absolute URL of another server.
 * Absolute URLs of the source server or of the target count as local.
 */
export function localReference(ref: string, bases: readonly string[]): string | null {
  let rel = ref;
  if (/^[a-z][a-z0-9+.-]*:/i.test(ref)) {
    const base = bases.find((b) => ref.startsWith(`${b}/`));
    if (!base) return null;
    rel = ref.slice(base.length + 1);
  }
  const m = LOCAL_REF.exec(rel);
  return m ? `${m[1] as string}/${m[2] as string}` : null;
}

/** Damage named resource by resource (bounded), plus grouped lines for the report. */
class ProblemLog {
  readonly list: DrillProblem[] = [];
  count = 0;
  add(p: DrillProblem): void {
    this.count++;
    if (this.list.length < MAX_PROBLEMS) this.list.push(p);
  }
}

class FailureGroups {
  private readonly groups = new Map<string, DrillFailure & { count: number }>();
  add(key: string, make: () => DrillFailure): void {
    const g = this.groups.get(key);
    if (g) g.count++;
    else this.groups.set(key, { ...make(), count: 1 });
  }
  set(f: DrillFailure): void {
    this.groups.set(`${f.kind}|${f.resourceType ?? ''}|${this.groups.size}`, { ...f, count: f.count ?? 1 });
  }
  all(): DrillFailure[] {
    return [...this.groups.values()];
  }
}

const typeOf = (key: string): string => key.slice(0, key.indexOf('/'));

export async function validateRestore(input: ValidationInput): Promise<ValidationResult> {
  const { repo, snap, rows, restore, http, signal, onProgress } = input;
  const manifestCounts = snap.manifest.counts;
  const problems = new ProblemLog();
  const failures = new FailureGroups();
  let lastProgress = 0;
  /** Progress at most every 250 ms, plus the last event of each phase (force). */
  const progress = (phase: string, done: number, total: number, subject?: string, force = false): void => {
    if (!onProgress || (!force && Date.now() - lastProgress < 250)) return;
    lastProgress = Date.now();
    onProgress({ type: 'progress', op: 'drill', phase, done, total, unit: 'resources', ...(subject ? { subject } : {}) });
  };

  // ---- what the restore itself could not write (damaged packs, refused resources)
  const failedKeys = new Set<string>();
  for (const f of restore.failures) {
    failedKeys.add(f.resource);
    const type = typeOf(f.resource);
    if (f.status === 'unreadable') {
      const code = (f.code ?? 'INTEGRITY_ERROR') as ErrorCode;
      problems.add({ kind: 'unreadable', resource: f.resource, code, ...(f.outcome ? { file: f.outcome } : {}) });
      failures.add(`repository-error|${type}|${code}|${f.outcome ?? ''}`, () => ({
        kind: 'repository-error',
        resourceType: type,
        example: f.resource,
        errorCode: code,
        errorDetails: f.outcome ? { file: f.outcome } : null,
        nextStep: code === 'BLOB_MISSING' ? 'drills.next.repositoryMissing' : 'drills.next.repositoryDamaged',
      }));
    } else {
      problems.add({ kind: 'rejected', resource: f.resource, ...(f.code ? { code: String(f.code) } : {}) });
      failures.add(`restore-rejected|${type}`, () => ({
        kind: 'restore-rejected',
        resourceType: type,
        example: `${f.resource}${f.code ? ` (${String(f.code)})` : ''}`,
        nextStep: 'drills.next.restoreRejected',
      }));
    }
  }

  const excluded = new Set(input.excludedTypes ?? []);
  const types = [...new Set([...Object.keys(manifestCounts), ...rows.keys()])].filter((t) => !excluded.has(t)).sort();
  const expectedTotal = types.reduce((n, t) => n + (manifestCounts[t] ?? 0), 0);
  const mapping = restore.mapping;
  /** Target "Type/id" → the snapshot's "Type/id" (they differ when the target assigned new ids). */
  const oldKeyOf = new Map<string, string>();
  for (const list of rows.values()) for (const r of list) oldKeyOf.set(mapping.targetKey(`${r.type}/${r.id}`), `${r.type}/${r.id}`);

  // ---- (1) counts per type, as the target reports them
  const targetCount = new Map<string, number | null>();
  let done = 0;
  for (const type of types) {
    throwIfAborted(signal);
    let total: unknown = null;
    try {
      total = ((await http.getJson(`${type}?_summary=count`, signal)).value as Bundle).total;
    } catch (err) {
      // A type the target will not search (Medplum: Binary): counted from what is read back below.
      if (!isEngineError(err, 'SOURCE_HTTP') || !(Number(err.details['status']) >= 400 && Number(err.details['status']) < 500)) throw err;
    }
    targetCount.set(type, typeof total === 'number' ? total : null);
    progress('counts', ++done, types.length, type, done === types.length);
  }

  // ---- (2) content, read back type by type; (3) references collected on the way
  /** Snapshot keys found on the target, and every target key read (for references). */
  const targetKeys = new Set<string>();
  const seenOnTarget = new Set<string>();
  const expectedKeys = new Set<string>();
  for (const list of rows.values()) for (const r of list) expectedKeys.add(`${r.type}/${r.id}`);
  const mismatchByType = new Map<string, number>();
  const pagedCount = new Map<string, number>();
  const badRef = new Set<string>();
  const pendingRefs: { from: string; to: string; raw: string }[] = [];
  const bases = [snap.manifest.source.location.replace(/\/+$/, ''), http.base.href.replace(/\/+$/, '')];
  let compared = 0;
  let referencesChecked = 0;
  let external = 0;
  done = 0;
  const examine = async (type: string, res: Record<string, unknown>, byId: ReadonlyMap<string, SelectedRow>): Promise<void> => {
    if (res['resourceType'] !== type || typeof res['id'] !== 'string') return;
    const targetKey = `${type}/${res['id']}`;
    if (seenOnTarget.has(targetKey)) return;
    seenOnTarget.add(targetKey);
    const key = oldKeyOf.get(targetKey) ?? targetKey;
    targetKeys.add(key);
    pagedCount.set(type, (pagedCount.get(type) ?? 0) + 1);
    // References the server put in its own meta (Medplum's meta.author) are not the record's.
    const { meta: _meta, ...content } = res;
    for (const raw of referencesOf(content)) {
      const to = localReference(raw, bases);
      if (to === null) {
        external++;
        continue;
      }
      referencesChecked++;
      if (!seenOnTarget.has(to)) pendingRefs.push({ from: key, to, raw });
    }
    const row = byId.get(key);
    if (!row) {
      problems.add({ kind: 'unexpected', resource: key });
      return;
    }
    let expected: string;
    try {
      expected = await mapping.expected(repo, key, await readResource(repo, row, { signal, opener: input.opener }), signal);
    } catch (err) {
      // On the target although its backup cannot be read now: the pack was damaged after the restore read it.
      if (isEngineError(err) && (isIntegrityCode(err.code) || err.code === 'BLOB_MISSING')) {
        failedKeys.add(key);
        const file = err.details['file'] ?? err.details['blob'];
        problems.add({ kind: 'unreadable', resource: key, code: err.code, ...(typeof file === 'string' ? { file } : {}) });
        return;
      }
      throw err;
    }
    compared++;
    if (!sameContent(expected, res)) {
      mismatchByType.set(type, (mismatchByType.get(type) ?? 0) + 1);
      problems.add({ kind: 'content-mismatch', resource: key });
      failures.add(`content-mismatch|${type}`, () => ({ kind: 'content-mismatch', resourceType: type, example: key, nextStep: 'drills.next.contentMismatch' }));
      failedKeys.add(key);
    }
    progress('content', ++done, expectedTotal, type);
  };
  for (const type of types) {
    const byId = new Map<string, SelectedRow>();
    for (const r of rows.get(type) ?? []) byId.set(`${type}/${r.id}`, r);
    let complete = false;
    try {
      const paged = await readAllPages(http, `${type}?_count=${PAGE_SIZE}`, { pageSize: PAGE_SIZE, signal }, async (page) => {
        for (const res of resourcesOf(page.bundle as Bundle)) await examine(type, res, byId);
      });
      complete = paged.complete;
    } catch (err) {
      if (!isEngineError(err, 'SOURCE_HTTP') || !(Number(err.details['status']) >= 400 && Number(err.details['status']) < 500)) throw err;
    }
    // Paging that did not bring everything (or a type the target will not search): the rest is read by id.
    // A partial read never makes a resource "missing".
    if (!complete || (pagedCount.get(type) ?? 0) < byId.size) {
      for (const [key, row] of byId) {
        if (targetKeys.has(key) || failedKeys.has(key)) continue;
        throwIfAborted(signal);
        const res = await readById(http, mapping.targetKey(`${type}/${row.id}`), signal);
        if (res) await examine(type, res, byId);
      }
    }
  }
  progress('content', done, expectedTotal, undefined, true);
  // Snapshot resources the target does not hold, with no error reported by the restore.
  const missingByType = new Map<string, string>();
  let notCompared = 0;
  for (const key of expectedKeys) {
    if (targetKeys.has(key)) continue;
    notCompared++;
    if (failedKeys.has(key)) continue;
    problems.add({ kind: 'missing', resource: key });
    if (!missingByType.has(typeOf(key))) missingByType.set(typeOf(key), key);
  }

  // ---- (3) references: resolved against everything the target holds now
  let unresolved = 0;
  for (const ref of pendingRefs) {
    if (seenOnTarget.has(ref.to)) continue;
    unresolved++;
    badRef.add(ref.from);
    const inBackup = oldKeyOf.has(ref.to) || expectedKeys.has(ref.to);
    problems.add({ kind: 'unresolved-reference', resource: ref.from, reference: ref.raw, code: inBackup ? 'NOT_RESTORED' : 'NOT_IN_SNAPSHOT' });
    failures.add(`unresolved-reference|${typeOf(ref.from)}|${inBackup}`, () => ({
      kind: 'unresolved-reference',
      resourceType: typeOf(ref.from),
      example: `${ref.from} -> ${ref.to}`,
      nextStep: inBackup ? 'drills.next.referenceNotRestored' : 'drills.next.referenceNotInBackup',
    }));
  }
  progress('references', referencesChecked, referencesChecked, undefined, true);

  // ---- (4) a seeded sample of patients: their whole compartment is on the target
  const patientIds = (rows.get('Patient') ?? []).map((r) => r.id);
  const sample = seededSample(patientIds, input.sampleSize, input.seed);
  const wanted = new Set(sample);
  const compartment = new Map<string, string[]>(sample.map((p) => [p, [] as string[]]));
  // One patient's record is one small read of the tree (version 2 reads only the chunks that can hold it).
  for (const p of wanted) {
    for await (const row of snapshotRows(repo, snap, { patient: p }, signal)) if (!excluded.has(row.type)) compartment.get(p)?.push(`${row.type}/${row.id}`);
  }
  let patientsComplete = 0;
  let compartmentChecked = 0;
  let incompleteExample: string | null = null;
  done = 0;
  for (const patient of sample) {
    const keys = compartment.get(patient) ?? [];
    compartmentChecked += keys.length;
    const missing = await absentOnTarget(http, keys, (k) => mapping.targetKey(k), signal);
    if (missing.length === 0) patientsComplete++;
    else incompleteExample ??= `Patient/${patient}: ${missing.length} missing, e.g. ${missing[0] as string}`;
    progress('compartments', ++done, sample.length, 'Patient', done === sample.length);
  }

  // ---- (5) attachments: each one restored is on the target with the backed-up bytes
  let attachmentsChecked = 0;
  let attachmentsBad = 0;
  for (const record of mapping.attachments.stored) {
    throwIfAborted(signal);
    // A Binary's own content came back as its data: the content check above compared it.
    if (record.path === '' && record.owner.startsWith('Binary/')) continue;
    if (failedKeys.has(record.owner)) continue;
    attachmentsChecked++;
    const url = mapping.attachmentUrl(record.url) ?? record.url;
    const got = await fetchHash(http, url, signal);
    if (got === record.sha256) continue;
    attachmentsBad++;
    badRef.add(record.owner);
    problems.add({ kind: 'content-mismatch', resource: record.owner, reference: url, code: got === null ? 'ATTACHMENT_MISSING' : 'ATTACHMENT_DIFFERS' });
    failures.add(`attachment|${typeOf(record.owner)}`, () => ({
      kind: 'content-mismatch',
      resourceType: typeOf(record.owner),
      example: `${record.owner} -> ${url}`,
      nextStep: 'drills.next.attachmentMismatch',
    }));
  }

  // ---- per type, and the grouped failures of the count and compartment checks
  const resources: DrillTypeResult[] = types.map((type) => ({
    resourceType: type,
    expected: manifestCounts[type] ?? 0,
    restored: targetCount.get(type) ?? pagedCount.get(type) ?? 0,
    contentMismatches: mismatchByType.get(type) ?? 0,
  }));
  let typesMismatched = 0;
  for (const r of resources) {
    if (r.restored === r.expected) continue;
    typesMismatched++;
    failures.set({
      kind: 'count-mismatch',
      resourceType: r.resourceType,
      count: Math.abs(r.expected - r.restored),
      example: missingByType.get(r.resourceType) ?? null,
      nextStep: r.restored > r.expected ? 'drills.next.targetNotEmpty' : 'drills.next.countMismatch',
    });
  }
  if (patientsComplete < sample.length) {
    failures.set({ kind: 'compartment-incomplete', resourceType: 'Patient', count: sample.length - patientsComplete, example: incompleteExample, nextStep: 'drills.next.compartmentIncomplete' });
  }

  /*
   * Integrity score (0-1; the catalog and the reports print it as a percentage):
   *
   *   integrityScore = passed / expected
   *
   *   expected = resources the snapshot manifest says it holds (Σ counts per type);
   *   passed   = snapshot resources that (a) the restore wrote without error, (b) the target returns when its
   *              type is read back (or by id), (c) equal what the restore wrote ignoring server-assigned meta,
   *              (d) whose every checkable reference (Type/id, or an absolute URL of the source/target)
   *              resolves in the restored set, and (e) whose attachments read back from the target with the
   *              backed-up SHA-256.
   *
   * A damaged tree (rows missing from the snapshot listing) lowers it too: those resources are in `expected`
   * but can never pass. Null when the snapshot holds nothing (an empty drill proves nothing).
   */
  let passed = 0;
  for (const key of expectedKeys) if (targetKeys.has(key) && !failedKeys.has(key) && !badRef.has(key)) passed++;
  const integrityScore = expectedTotal > 0 ? Math.min(1, passed / expectedTotal) : null;

  const contentFailed = notCompared > 0 || [...mismatchByType.values()].some((n) => n > 0);
  const checks: DrillChecks = {
    counts: { outcome: typesMismatched > 0 ? 'failed' : 'passed', typesChecked: types.length, typesMismatched },
    content: { outcome: contentFailed ? 'failed' : 'passed', checked: compared, mismatched: [...mismatchByType.values()].reduce((a, b) => a + b, 0) },
    references: { outcome: unresolved > 0 ? 'failed' : 'passed', checked: referencesChecked, unresolved, external },
    compartment: {
      outcome: sample.length === 0 ? 'skipped' : patientsComplete === sample.length ? 'passed' : 'failed',
      patientsSampled: sample.length,
      patientsComplete,
      resourcesChecked: compartmentChecked,
    },
    ...(attachmentsChecked > 0 ? { attachments: { outcome: attachmentsBad > 0 ? 'failed' : 'passed', checked: attachmentsChecked, mismatched: attachmentsBad } } : {}),
  };
  return { checks, resources, failures: failures.all(), problems: problems.list, problemCount: problems.count, passed, integrityScore, samplePatients: sample };
}

/** One resource by "Type/id" on the target, or null when it does not hold it. */
async function readById(http: FhirHttp, key: string, signal?: AbortSignal): Promise<Record<string, unknown> | null> {
  try {
    const { value } = await http.getJson(key, signal);
    return typeof value === 'object' && value !== null ? (value as Record<string, unknown>) : null;
  } catch (err) {
    if (isEngineError(err, 'SOURCE_HTTP') && [404, 410].includes(Number(err.details['status']))) return null;
    throw err;
  }
}

/** SHA-256 (hex) of what a URL on the target answers (a Binary's raw content), or null when it cannot be read. */
async function fetchHash(http: FhirHttp, url: string, signal?: AbortSignal): Promise<string | null> {
  let res: Response;
  try {
    res = await http.request(url, { headers: { Accept: '*/*' } }, { signal, accept: (s) => s < 500 });
  } catch (err) {
    if (isEngineError(err) && (err.code === 'SOURCE_FOREIGN_ORIGIN' || err.code === 'SOURCE_HTTP' || err.code === 'SOURCE_UNREACHABLE')) return null;
    throw err;
  }
  if (!res.ok) {
    await res.body?.cancel();
    return null;
  }
  const bytes = Buffer.from(await res.arrayBuffer());
  // Servers that answer a Binary read with its FHIR JSON whatever the Accept: the content is its data.
  if (/^application\/(fhir\+)?json/i.test(res.headers.get('content-type') ?? '')) {
    try {
      const v = JSON.parse(bytes.toString('utf8')) as { resourceType?: unknown; data?: unknown };
      if (v.resourceType === 'Binary')
        return createHash('sha256')
          .update(typeof v.data === 'string' ? Buffer.from(v.data, 'base64') : Buffer.alloc(0))
          .digest('hex');
    } catch {
      /* raw JSON content */
    }
  }
  return createHash('sha256').update(bytes).digest('hex');
}

/** The Type/id keys among `keys` (snapshot ids) that the target does not hold: `_id` searches, then reads by id. */
async function absentOnTarget(http: FhirHttp, keys: readonly string[], targetKey: (key: string) => string, signal?: AbortSignal): Promise<string[]> {
  const byType = new Map<string, { key: string; id: string }[]>();
  for (const key of keys) {
    const target = targetKey(key);
    const type = typeOf(target);
    let list = byType.get(type);
    if (!list) byType.set(type, (list = []));
    list.push({ key, id: target.slice(type.length + 1) });
  }
  const absent: string[] = [];
  for (const [type, ids] of byType) {
    for (let i = 0; i < ids.length; i += ID_CHUNK) {
      const chunk = ids.slice(i, i + ID_CHUNK);
      const found = new Set<string>();
      try {
        await readAllPages(http, `${type}?_id=${chunk.map((c) => encodeURIComponent(c.id)).join(',')}&_count=${ID_CHUNK}`, { pageSize: ID_CHUNK, signal }, (page) => {
          for (const e of resultEntries(page.bundle)) {
            const r = e.resource;
            if (r && typeof r.id === 'string') found.add(r.id);
          }
        });
      } catch (err) {
        if (!isEngineError(err, 'SOURCE_HTTP') || !(Number(err.details['status']) >= 400 && Number(err.details['status']) < 500)) throw err;
      }
      for (const c of chunk) {
        if (found.has(c.id)) continue;
        // Not returned by the search: read it before calling it absent (servers that ignore _id or page oddly).
        if ((await readById(http, `${type}/${c.id}`, signal)) === null) absent.push(c.key);
      }
    }
  }
  return absent;
}
