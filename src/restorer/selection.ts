/**
 * What a restore includes: the rows of a snapshot matching the scope (everything, some types, one patient's
 * compartment), read in storage order, and for a one-patient restore the compartment's resources that also
 * concern other patients (a Group listing every patient, a shared Encounter, a household RelatedPerson …). Those
 * are left out unless the user opts in (`--include-shared`, the wizard's checkbox), and the plan lists them all.
 */
import { decodeRow, type ListingLoss, readResource, type Repository, type ResourceRow, salvageRows, salvageTreeRows, type SnapshotRecord, snapshotRows } from '../repository/index.js';
import { isEngineError, isIntegrityCode, throwIfAborted, patientIdOfReference, referencesOf } from '../shared/index.js';

export type { ListingLoss } from '../repository/index.js';

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

/** A selected resource: the read interface's row (both format versions). */
export type SelectedRow = ResourceRow;

/** True when a version 1 tree row belongs to the patient's compartment (rows keep the compartment's patient ids). */
export function rowInCompartment(row: string, patient: string): boolean {
  // Most rows of a large snapshot do not mention the patient at all: a substring scan settles them without
  // splitting the row (splitting every row of a 1 GB snapshot cost most of a one-patient restore's time).
  if (!row.includes(patient)) return false;
  const f = row.split('\t');
  return (f[4] ?? '').split(',').includes(patient);
}

function isDamage(err: unknown): boolean {
  return isEngineError(err) && (isIntegrityCode(err.code) || err.code === 'NOT_FOUND' || err.code === 'BLOB_MISSING');
}

/**
 * The rows of a snapshot matching a selection (types, one patient's compartment, shared resources included), per
 * type. With `loss`, a listing that lost tree blobs is read as far as it can be and what was lost is added to
 * `loss` (restore of a damaged snapshot); without it, such a listing is an error.
 */
export async function selectRows(repo: Repository, snap: SnapshotRecord, sel: RestoreSelection, signal?: AbortSignal, loss?: ListingLoss[]): Promise<Map<string, SelectedRow[]>> {
  const out = new Map<string, SelectedRow[]>();
  const keep = (row: SelectedRow): void => {
    let list = out.get(row.type);
    if (!list) out.set(row.type, (list = []));
    list.push(row);
  };
  const rowSel = { ...(sel.types ? { types: sel.types } : {}), ...(sel.patient !== undefined ? { patient: sel.patient } : {}), includeShared: true };
  try {
    for await (const row of snapshotRows(repo, snap, rowSel, signal)) keep(row);
    return sorted(out);
  } catch (err) {
    if (!loss || !isDamage(err)) throw err;
  }
  out.clear();
  const m = snap.manifest;
  if (m.version === 2) {
    for await (const row of salvageRows(repo, snap, rowSel, loss, signal)) keep(row);
    return sorted(out);
  }
  for await (const { type, row } of salvageTreeRows(repo, m.tree, m.counts, loss, { ...(sel.types ? { types: sel.types } : {}), ...(signal ? { signal } : {}) })) {
    if (sel.patient && !rowInCompartment(row, sel.patient)) continue;
    const e = decodeRow(row);
    const patients = e.patient ? e.patient.split(',') : [];
    keep({ type, id: e.id, patients, shared: patients.length > 1, size: e.size, blob: e.blob, offset: 0, lineHash: null, versionId: e.versionId, lastUpdated: e.lastUpdated });
  }
  return sorted(out);
}

/** Types in name order, each type's rows by id (as the listing gives them). */
function sorted(rows: Map<string, SelectedRow[]>): Map<string, SelectedRow[]> {
  for (const list of rows.values()) list.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  return new Map([...rows.entries()].sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0)));
}

/** Orders rows by where their data is stored, so frames are read sequentially and once. */
export function sortByStorage<T extends SelectedRow>(repo: Repository, rows: T[]): T[] {
  const keyed = rows.map((r) => {
    if (repo.version === 2) {
      const loc = repo.store.index.get(Buffer.from(r.blob, 'hex'));
      return { r, pack: loc ? loc.pack : '', frame: loc?.offset ?? 0, offset: r.offset };
    }
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
async function otherPatients(repo: Repository, row: SelectedRow, patient: string, signal?: AbortSignal): Promise<string[]> {
  const others = new Set(row.patients.filter((p) => p !== '' && p !== patient));
  // Version 2 rows carry a shared flag computed from the resource's compartments at backup: others are read only then.
  if ((row.type !== 'Patient' || row.id !== patient) && (repo.version === 1 || row.shared)) {
    try {
      for (const ref of referencesOf(JSON.parse((await readResource(repo, row, { signal })).toString('utf8')))) {
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
