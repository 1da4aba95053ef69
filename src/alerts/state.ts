/**
 * What the alert rules look at, gathered from the catalog (runs, snapshot cache, drills), the repository's
 * snapshots and the configured copies. Pure mapping: the engine reads the inputs, the rules decide.
 */
import type { Catalog } from '../catalog/catalog.js';
import type { SnapshotRecord } from '../repository/snapshot.js';
import type { DestinationState } from '../shared/contract.js';
import type { AlertState, AuditTrailState, DestinationAlertState, SuspiciousSnapshotState } from './rules.js';

/**
 * The newest suspicious snapshot of each source (shrink guard), and whether a later snapshot of that source has
 * its resources back within the threshold (a wrong server, since fixed).
 */
export function suspiciousBySource(snaps: readonly SnapshotRecord[], thresholdPercent: number): SuspiciousSnapshotState[] {
  const out: SuspiciousSnapshotState[] = [];
  const sources = new Set(snaps.map((x) => x.manifest.source.location));
  for (const source of sources) {
    const own = snaps.filter((x) => x.manifest.source.location === source);
    const i = own.map((x) => Boolean(x.manifest.suspicious)).lastIndexOf(true);
    const hit = own[i];
    if (!hit?.manifest.suspicious) continue;
    const s = hit.manifest.suspicious;
    const floor = s.previousResources * (1 - thresholdPercent / 100);
    const recovered = own.slice(i + 1).some((x) => x.manifest.totals.resources >= floor);
    out.push({ source, snapshotId: hit.id, at: hit.manifest.time, previousResources: s.previousResources, resources: s.resources, dropPercent: s.dropPercent, recovered });
  }
  return out;
}

export interface AlertInputs {
  readonly catalog: Catalog;
  /** Where the repository is (the primary destination's label). */
  readonly location: string;
  readonly manifests: readonly SnapshotRecord[];
  /** Size and free space of the primary destination, null when unknown. */
  readonly capacity: { readonly totalBytes: number; readonly freeBytes: number } | null;
  readonly destinations: readonly DestinationState[];
  /** When monitoring started (the recovery kit's creation, else the repository's). */
  readonly since: string;
  readonly kitConfirmed: boolean;
  readonly shrinkGuardPercent: number;
  readonly audit: AuditTrailState | null;
}

export function alertStateOf(input: AlertInputs): AlertState {
  const { catalog, manifests } = input;
  const last = catalog.lastRun('backup');
  const lastOk = catalog.lastRun('backup', ['success']);
  const lastCheck = catalog.lastRun('check');
  const partialOf = (id: string | null): { missing: string[]; problems: number } => {
    const m = manifests.find((x) => x.id === id)?.manifest;
    if (!m) return { missing: [], problems: 0 };
    return { missing: [...new Set(m.problems.map((p) => p.file ?? p.reason ?? p.code))], problems: m.problemCount };
  };
  const snaps = catalog.listSnapshots();
  const newest = snaps.map((x) => x.time).sort().at(-1) ?? null;
  const primary: DestinationAlertState = {
    id: 'primary',
    label: input.location,
    lastSuccessAt: lastOk?.endedAt ?? null,
    lastRun: last && last.status !== 'running' ? { status: last.status, at: last.endedAt ?? last.startedAt, errorCode: last.errorCode } : null,
    partial: last && last.status === 'partial' ? { at: last.endedAt ?? last.startedAt, snapshotId: last.snapshotId, ...partialOf(last.snapshotId) } : null,
    integrity: lastCheck && lastCheck.status !== 'running' ? { ok: lastCheck.status === 'success', checkedAt: lastCheck.endedAt ?? lastCheck.startedAt, errorCode: lastCheck.errorCode } : null,
    capacity: input.capacity,
  };
  const copies: DestinationAlertState[] = input.destinations
    .filter((d) => d.kind !== 'usb')
    .map((d) => ({ id: d.location, label: d.label, offsite: { newestCopiedAt: snaps.filter((x) => x.destinations.includes(d.location)).map((x) => x.time).sort().at(-1) ?? null, newestSourceAt: newest } }));
  const lastDrill = catalog.lastDrill(['success']);
  return {
    since: input.since,
    destinations: [primary, ...copies],
    drill: { lastAt: lastDrill?.startedAt ?? null },
    usbDrives: input.destinations.filter((d) => d.kind === 'usb').map((d) => ({ id: d.location, label: d.label, lastRotatedAt: d.lastSuccessAt })),
    recoveryKit: { confirmed: input.kitConfirmed },
    suspicious: suspiciousBySource(manifests, input.shrinkGuardPercent),
    audit: input.audit,
  };
}
