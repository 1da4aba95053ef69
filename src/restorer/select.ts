/** Picking the snapshot and checking the scope of a restore, with helpful suggestions when input is wrong. */
import { editDistance, EngineError, assertResourceTypes } from '../shared/index.js';
import { type Repository, type SnapshotRecord, snapshotRows } from '../repository/index.js';

/** Up to `n` candidates closest to the input (prefix matches first, then edit distance). */
export function suggest(input: string, candidates: Iterable<string>, n = 5): string[] {
  const scored: { c: string; s: number }[] = [];
  for (const c of candidates) scored.push({ c, s: c.startsWith(input) || input.startsWith(c) ? 0 : editDistance(input.toLowerCase(), c.toLowerCase()) });
  return scored
    .sort((a, b) => a.s - b.s || a.c.localeCompare(b.c))
    .slice(0, n)
    .map((x) => x.c);
}

/**
 * The snapshot a restore uses: an id/prefix/"latest", or with `asOf` the latest snapshot taken at or before
 * that moment (a date alone means the end of that day, local time).
 */
export async function resolveSnapshot(repo: Repository, ref: { snapshot?: string; asOf?: string }): Promise<SnapshotRecord> {
  if (ref.asOf) {
    const text = ref.asOf;
    const at = /^\d{4}-\d{2}-\d{2}$/.test(text) ? new Date(`${text}T23:59:59.999`) : new Date(text);
    if (Number.isNaN(at.getTime())) throw new EngineError('INVALID_ARGUMENT', { field: 'as-of', reason: 'use a date like 2026-11-20 or an ISO time' });
    const all = await repo.listSnapshots();
    const before = all.filter((s) => Date.parse(s.manifest.time) <= at.getTime());
    const pick = before[before.length - 1];
    if (!pick) throw new EngineError('SNAPSHOT_NOT_FOUND', { snapshot: text, asOf: text, suggestions: all.slice(0, 5).map((s) => `${s.id.slice(0, 8)} (${s.manifest.time})`) });
    return pick;
  }
  return repo.findSnapshot(ref.snapshot ?? 'latest');
}

/** Throws PATIENT_NOT_FOUND with the closest patient ids of the snapshot when the patient is not in it. */
export async function assertPatientExists(repo: Repository, snap: SnapshotRecord, patient: string, signal?: AbortSignal): Promise<void> {
  // The patient's own record first: in version 2 that reads only the chunk(s) that can hold it.
  for await (const r of snapshotRows(repo, snap, { patient, types: ['Patient'] }, signal)) if (r.id === patient) return;
  const ids: string[] = [];
  for await (const r of snapshotRows(repo, snap, { types: ['Patient'] }, signal)) ids.push(r.id);
  throw new EngineError('PATIENT_NOT_FOUND', { patient, suggestions: suggest(patient, ids) });
}

/**
 * Checks the types asked for against FHIR R4 (a typo is UNKNOWN_RESOURCE_TYPE with a suggestion) and against the
 * snapshot: types it does not hold are returned so the caller says so; when it holds none of them,
 * TYPE_NOT_IN_SNAPSHOT (nothing to list or restore is an error, not an empty success).
 */
export function checkTypesInSnapshot(snap: SnapshotRecord, types: readonly string[] | undefined): string[] {
  if (!types || types.length === 0) return [];
  assertResourceTypes(types);
  const counts = snap.manifest.counts;
  const missing = [...new Set(types)].filter((t) => !((counts[t] ?? 0) > 0));
  if (missing.length === new Set(types).size) {
    throw new EngineError('TYPE_NOT_IN_SNAPSHOT', { snapshot: snap.id.slice(0, 8), types: missing, present: Object.keys(counts).filter((t) => (counts[t] ?? 0) > 0) });
  }
  return missing;
}
