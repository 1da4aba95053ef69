/**
 * The four checks of a drill, run against the target after the restore (issue 7):
 *  counts      — the target's own count per type (`_summary=count`) = the snapshot manifest's count;
 *  content     — every resource read back (type search, paged) = the backed-up bytes, server meta ignored
 *                (sameContent from the restorer);
 *  references  — every Type/id reference inside the restored resources resolves inside the restored set;
 *  compartment — a seeded random sample of patients: every resource of their compartment in the snapshot
 *                (tree rows keep each resource's compartment patients) is found on the target (`_id` search).
 * It also names the damage, resource by resource, and computes the integrity score (formula below).
 */
import type { Repository } from '../repository/repository.js';
import type { SnapshotRecord } from '../repository/snapshot.js';
import { readResource, snapshotRows, type BlobOpener } from '../repository/reader.js';
import { sameContent } from '../restorer/fhirTarget.js';
import type { SelectedRow } from '../restorer/ndjsonTarget.js';
import { referencesOf } from '../source/fhir/compartment.js';
import type { FhirHttp } from '../source/fhir/http.js';
import { isEngineError, isIntegrityCode, throwIfAborted, type ErrorCode } from '../shared/errors.js';
import type { FhirRestoreResult } from '../shared/contract.js';
import type { ProgressListener } from '../shared/events.js';
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
  readonly restore: FhirRestoreResult;
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
  readonly link?: readonly { readonly relation?: unknown; readonly url?: unknown }[];
}

function nextLink(b: Bundle): string | null {
  const next = (b.link ?? []).find((l) => l.relation === 'next');
  return next && typeof next.url === 'string' ? next.url : null;
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

  const types = [...new Set([...Object.keys(manifestCounts), ...rows.keys()])].sort();
  const expectedTotal = types.reduce((n, t) => n + (manifestCounts[t] ?? 0), 0);

  // ---- (1) counts per type, as the target reports them
  const targetCount = new Map<string, number | null>();
  let done = 0;
  for (const type of types) {
    throwIfAborted(signal);
    const { value } = await http.getJson(`${type}?_summary=count`, signal);
    const total = (value as Bundle).total;
    targetCount.set(type, typeof total === 'number' ? total : null);
    progress('counts', ++done, types.length, type, done === types.length);
  }

  // ---- (2) content, read back type by type; (3) references collected on the way
  const targetKeys = new Set<string>();
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
  for (const type of types) {
    const byId = new Map<string, SelectedRow>();
    for (const r of rows.get(type) ?? []) byId.set(r.id, r);
    const bound = Math.max(targetCount.get(type) ?? 0, manifestCounts[type] ?? 0, byId.size) + 2;
    let url: string | null = `${type}?_count=${PAGE_SIZE}`;
    for (let page = 0; url !== null && page < bound; page++) {
      throwIfAborted(signal);
      const { value } = await http.getJson(url, signal);
      const bundle = value as Bundle;
      for (const res of resourcesOf(bundle)) {
        if (res['resourceType'] !== type || typeof res['id'] !== 'string') continue;
        const key = `${type}/${res['id']}`;
        if (targetKeys.has(key)) continue;
        targetKeys.add(key);
        pagedCount.set(type, (pagedCount.get(type) ?? 0) + 1);
        for (const raw of referencesOf(res)) {
          const to = localReference(raw, bases);
          if (to === null) {
            external++;
            continue;
          }
          referencesChecked++;
          if (!targetKeys.has(to)) pendingRefs.push({ from: key, to, raw });
        }
        const row = byId.get(res['id']);
        if (!row) {
          problems.add({ kind: 'unexpected', resource: key });
          continue;
        }
        let backup: Buffer;
        try {
          backup = await readResource(repo, row, { signal, opener: input.opener });
        } catch (err) {
          // On the target although its backup cannot be read now: the pack was damaged after the restore read it.
          if (isEngineError(err) && (isIntegrityCode(err.code) || err.code === 'BLOB_MISSING')) {
            failedKeys.add(key);
            const file = err.details['file'] ?? err.details['blob'];
            problems.add({ kind: 'unreadable', resource: key, code: err.code, ...(typeof file === 'string' ? { file } : {}) });
            continue;
          }
          throw err;
        }
        compared++;
        if (!sameContent(backup, res)) {
          mismatchByType.set(type, (mismatchByType.get(type) ?? 0) + 1);
          problems.add({ kind: 'content-mismatch', resource: key });
          failures.add(`content-mismatch|${type}`, () => ({ kind: 'content-mismatch', resourceType: type, example: key, nextStep: 'drills.next.contentMismatch' }));
          failedKeys.add(key);
        }
        progress('content', ++done, expectedTotal, type);
      }
      url = nextLink(bundle);
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
    if (targetKeys.has(ref.to)) continue;
    unresolved++;
    badRef.add(ref.from);
    const inBackup = expectedKeys.has(ref.to);
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
    for await (const row of snapshotRows(repo, snap, { patient: p }, signal)) compartment.get(p)?.push(`${row.type}/${row.id}`);
  }
  let patientsComplete = 0;
  let compartmentChecked = 0;
  let incompleteExample: string | null = null;
  done = 0;
  for (const patient of sample) {
    const keys = compartment.get(patient) ?? [];
    compartmentChecked += keys.length;
    const missing = await absentOnTarget(http, keys, signal);
    if (missing.length === 0) patientsComplete++;
    else incompleteExample ??= `Patient/${patient}: ${missing.length} missing, e.g. ${missing[0] as string}`;
    progress('compartments', ++done, sample.length, 'Patient', done === sample.length);
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
   *              type is read back, (c) equal the backup ignoring server-assigned meta, and (d) whose every
   *              checkable reference (Type/id, or an absolute URL of the source/target) resolves in the
   *              restored set.
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
  };
  return { checks, resources, failures: failures.all(), problems: problems.list, problemCount: problems.count, passed, integrityScore, samplePatients: sample };
}

/** The Type/id keys among `keys` that an `_id` search on the target does not return. */
async function absentOnTarget(http: FhirHttp, keys: readonly string[], signal?: AbortSignal): Promise<string[]> {
  const byType = new Map<string, string[]>();
  for (const key of keys) {
    const type = typeOf(key);
    let list = byType.get(type);
    if (!list) byType.set(type, (list = []));
    list.push(key.slice(type.length + 1));
  }
  const absent: string[] = [];
  for (const [type, ids] of byType) {
    for (let i = 0; i < ids.length; i += ID_CHUNK) {
      const chunk = ids.slice(i, i + ID_CHUNK);
      const found = new Set<string>();
      let url: string | null = `${type}?_id=${chunk.map(encodeURIComponent).join(',')}&_count=${ID_CHUNK}`;
      for (let page = 0; url !== null && page < ID_CHUNK + 1; page++) {
        throwIfAborted(signal);
        const { value } = await http.getJson(url, signal);
        for (const r of resourcesOf(value as Bundle)) if (typeof r['id'] === 'string') found.add(r['id']);
        url = nextLink(value as Bundle);
      }
      for (const id of chunk) if (!found.has(id)) absent.push(`${type}/${id}`);
    }
  }
  return absent;
}
