/**
 * What a restore includes: the rows of a snapshot matching the scope (everything, some types, one patient's
 * compartment), read in storage order, and for a one-patient restore the compartment's resources that also
 * concern other patients (a Group listing every patient, a shared Encounter, a household RelatedPerson …). Those
 * are left out unless the user opts in (`--include-shared`, the wizard's checkbox), and the plan lists them all.
 */
import type { Repository } from '../repository/repository.js';
import type { SnapshotRecord } from '../repository/snapshot.js';
import { loadOverlay, salvageTreeRows, treeTypes, typeRows, type ListingLoss } from '../repository/treeStore.js';
import { patientIdOfReference, referencesOf } from '../source/fhir/compartment.js';
import { isEngineError, isIntegrityCode, throwIfAborted } from '../shared/errors.js';

export type { ListingLoss } from '../repository/treeStore.js';

export interface RestoreSelection {
  readonly types?: readonly string[];
  /** Restrict to one patient's compartment. */
  readonly patient?: string;
  /**
   * One-patient scope: also write the compartment's resources that concern other patients too (a Group, a shared
   * Encounter, a household RelatedPerson …). Off by default: the plan lists them.
   */
  readonly includeShared?: boolean;
}

export interface SelectedRow {
  readonly type: string;
  readonly id: string;
  readonly blob: string;
  readonly size: number;
  readonly lastUpdated: string | null;
}

/** True when a row belongs to the patient's compartment (rows keep the compartment's patient ids). */
export function rowInCompartment(row: string, patient: string): boolean {
  // Most rows of a large snapshot do not mention the patient at all: a substring scan settles them without
  // splitting the row (splitting every row of a 1 GB snapshot cost most of a one-patient restore's time).
  if (!row.includes(patient)) return false;
  const f = row.split('\t');
  return (f[4] ?? '').split(',').includes(patient);
}

function selectedRow(type: string, row: string): SelectedRow & { readonly patients: string } {
  const f = row.split('\t');
  return { type, id: f[0] as string, blob: f[3] as string, size: Number(f[5]), lastUpdated: f[2] || null, patients: f[4] ?? '' };
}

/**
 * The rows of a snapshot matching a selection (types, one patient's compartment), per type. With `loss`, a
 * listing that lost tree blobs is read as far as it can be and what was lost is added to `loss` (restore of a
 * damaged snapshot); without it, such a listing is an error.
 */
export async function selectRows(repo: Repository, snap: SnapshotRecord, sel: RestoreSelection, signal?: AbortSignal, loss?: ListingLoss[]): Promise<Map<string, (SelectedRow & { readonly patients: string })[]>> {
  const tree = snap.manifest.tree;
  const out = new Map<string, (SelectedRow & { readonly patients: string })[]>();
  const keep = (type: string, row: string): void => {
    if (sel.patient && !rowInCompartment(row, sel.patient)) return;
    let list = out.get(type);
    if (!list) out.set(type, (list = []));
    list.push(selectedRow(type, row));
  };
  try {
    const overlay = await loadOverlay(repo, tree, signal);
    for (const type of treeTypes(tree, overlay)) {
      if (sel.types && !sel.types.includes(type)) continue;
      for await (const row of typeRows(repo, tree, type, overlay, signal)) keep(type, row);
    }
    return out;
  } catch (err) {
    if (!loss || !isEngineError(err) || !(isIntegrityCode(err.code) || err.code === 'NOT_FOUND')) throw err;
  }
  out.clear();
  for await (const { type, row } of salvageTreeRows(repo, tree, snap.manifest.counts, loss, { ...(sel.types ? { types: sel.types } : {}), ...(signal ? { signal } : {}) })) keep(type, row);
  return out;
}

/** Orders rows by where their data is stored, so frames are read sequentially and once. */
export function sortByStorage<T extends SelectedRow>(repo: Repository, rows: T[]): T[] {
  const keyed = rows.map((r) => {
    const loc = repo.index.get(Buffer.from(r.blob, 'hex'));
    return { r, pack: loc ? loc.pack.id : '', frame: loc?.frame ?? 0, offset: loc?.offset ?? 0 };
  });
  keyed.sort((a, b) => (a.pack < b.pack ? -1 : a.pack > b.pack ? 1 : a.frame - b.frame || a.offset - b.offset));
  return keyed.map((k) => k.r);
}

/** A compartment resource that also concerns other patients. */
export interface SharedResource {
  /** "Type/id". */
  readonly resource: string;
  /** The other patients it concerns (ids), sorted. */
  readonly patients: readonly string[];
}

export interface RestoreSelectionResult {
  readonly rows: Map<string, SelectedRow[]>;
  /** One-patient scope: every compartment resource that also concerns other patients (written only with includeShared). */
  readonly shared: readonly SharedResource[];
  readonly sharedIncluded: boolean;
  /** Parts of a damaged snapshot's listing that could not be read. */
  readonly listingLost: readonly ListingLoss[];
}

/** Other patients a resource concerns: its compartments besides this patient, and Patient references in its content. */
async function otherPatients(repo: Repository, row: SelectedRow & { readonly patients: string }, patient: string, signal?: AbortSignal): Promise<string[]> {
  const others = new Set(row.patients.split(',').filter((p) => p !== '' && p !== patient));
  if (row.type !== 'Patient' || row.id !== patient) {
    try {
      for (const ref of referencesOf(JSON.parse((await repo.readBlob(row.blob, signal)).toString('utf8')))) {
        const id = patientIdOfReference(ref);
        if (id && id !== patient) others.add(id);
      }
    } catch (err) {
      // Unreadable data is reported by the restore itself; the compartment field still says what it knows.
      if (!(err instanceof SyntaxError) && !(isEngineError(err) && isIntegrityCode(err.code))) throw err;
    }
  }
  return [...others].sort();
}

/** The rows a restore writes, with the shared resources of a one-patient scope set apart. */
export async function selectForRestore(repo: Repository, snap: SnapshotRecord, sel: RestoreSelection, signal?: AbortSignal): Promise<RestoreSelectionResult> {
  const listingLost: ListingLoss[] = [];
  const selected = await selectRows(repo, snap, sel, signal, listingLost);
  const shared: SharedResource[] = [];
  const rows = new Map<string, SelectedRow[]>();
  for (const [type, list] of selected) {
    if (!sel.patient) {
      rows.set(type, list);
      continue;
    }
    const kept: SelectedRow[] = [];
    for (const row of sortByStorage(repo, list)) {
      throwIfAborted(signal);
      const others = await otherPatients(repo, row, sel.patient, signal);
      if (others.length > 0) shared.push({ resource: `${type}/${row.id}`, patients: others });
      if (others.length === 0 || sel.includeShared) kept.push(row);
    }
    // Back in id order, as the listing gives them.
    kept.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
    if (kept.length > 0) rows.set(type, kept);
  }
  shared.sort((a, b) => (a.resource < b.resource ? -1 : a.resource > b.resource ? 1 : 0));
  return { rows, shared, sharedIncluded: sel.includeShared === true, listingLost };
}
