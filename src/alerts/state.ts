/**
 * What the alert rules look at, gathered from the catalog (runs, snapshot cache, drills), the repository's
 * snapshots and the configured copies. Pure mapping: the engine reads the inputs, the rules decide.
 */
import type { Catalog, RunStatus } from '../catalog/index.js';
import type { SnapshotRecord } from '../repository/index.js';
import type { DestinationState } from '../shared/index.js';
import type { AlertState, AuditTrailState, DestinationAlertState, IntegrityState, SuspiciousSnapshotState } from './rules.js';

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

/** Runs that ended with a verdict (an interrupted run says nothing about whether the next one works). */
const FINISHED: readonly RunStatus[] = ['success', 'partial', 'failed'];

function finishedStatus(s: RunStatus): 'success' | 'partial' | 'failed' {
  return s === 'success' || s === 'partial' ? s : 'failed';
}

/** Backups that failed in a row, newest first (interrupted runs are skipped, not counted, not a break). */
export function consecutiveFailures(catalog: Catalog): number {
  let n = 0;
  for (const r of catalog.listRuns({ kind: 'backup', limit: 1000 })) {
    if (r.status === 'running' || r.status === 'interrupted') continue;
    if (r.status !== 'failed') break;
    n++;
  }
  return n;
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
  // Alerts change only on finished runs: a run still going on (or one cut short by a stop or a crash) has not
  // disproved a failure yet, so it neither clears nor re-raises the failed-backup alert.
  const last = catalog.lastRun('backup', FINISHED);
  const lastOk = catalog.lastRun('backup', ['success']);
  const lastCheck = catalog.lastRun('check', FINISHED);
  const partialOf = (id: string | null): { missing: string[]; problems: number } => {
    const m = manifests.find((x) => x.id === id)?.manifest;
    // Not among the manifests read: what was left out is unknown, so the run is still reported.
    if (!m) return { missing: [], problems: -1 };
    // A failed export file is named by the server's own words (its error file's URL says nothing about what is missing).
    const what = (p: (typeof m.problems)[number]): string => (p.code === 'EXPORT_FAILED' && p.reason ? p.reason : (p.file ?? p.reason ?? p.code));
    return { missing: [...new Set(m.problems.map(what))], problems: m.problemCount };
  };
  const snaps = catalog.listSnapshots();
  const newest =
    snaps
      .map((x) => x.time)
      .sort()
      .at(-1) ?? null;
  const primary: DestinationAlertState = {
    id: 'primary',
    label: input.location,
    lastSuccessAt: lastOk?.endedAt ?? null,
    lastRun: last ? { status: finishedStatus(last.status), at: last.endedAt ?? last.startedAt, errorCode: last.errorCode, consecutiveFailures: consecutiveFailures(catalog) } : null,
    // Partial because data was left out of the snapshot; a copy that failed alone is the copy alert's business.
    partial:
      last && last.status === 'partial' && partialOf(last.snapshotId).problems !== 0
        ? { at: last.endedAt ?? last.startedAt, snapshotId: last.snapshotId, missing: partialOf(last.snapshotId).missing, problems: Math.max(1, partialOf(last.snapshotId).problems) }
        : null,
    integrity: lastCheck ? { ok: lastCheck.status === 'success', checkedAt: lastCheck.endedAt ?? lastCheck.startedAt, errorCode: lastCheck.errorCode } : null,
    capacity: input.capacity,
  };
  // The verification rotation's last finished reading of each copy (engine/verification.ts).
  const verifyRuns = catalog.listRuns({ kind: 'verify-copy', limit: 10_000 });
  const lastVerify = (location: string): IntegrityState | null => {
    const v = verifyRuns.find((r) => r.destination === location && (r.status === 'success' || r.status === 'failed'));
    return v ? { ok: v.status === 'success', checkedAt: v.endedAt ?? v.startedAt, errorCode: v.errorCode } : null;
  };
  const copies: DestinationAlertState[] = input.destinations.map((d) => ({
    id: d.location,
    label: d.label,
    // Rotating USB drives are watched by the usb rule (not plugged in for too long), not by the copy's lag.
    ...(d.kind !== 'usb'
      ? {
          offsite: {
            newestCopiedAt:
              snaps
                .filter((x) => x.destinations.includes(d.location))
                .map((x) => x.time)
                .sort()
                .at(-1) ?? null,
            newestSourceAt: newest,
          },
        }
      : {}),
    integrity: lastVerify(d.location),
    copyFailure: d.errorCode ? { errorCode: d.errorCode, kind: d.kind === 'usb' ? 'usb' : d.kind === 's3' ? 's3' : 'local' } : null,
  }));
  const lastDrill = catalog.lastDrill(['success']);
  // Each source has its own drill (the FHIR server, each folder and database source): the failure alert stands
  // while the newest finished drill of any source failed, so a good drill of one source never hides another's.
  const sourceOf = (snapshotId: string | null): SnapshotRecord['manifest']['source'] | null => manifests.find((x) => x.id === snapshotId)?.manifest.source ?? null;
  const finishedDrills = catalog.listDrills(1_000).filter((d) => d.status === 'success' || d.status === 'partial' || d.status === 'failed');
  const newestPerSource = new Map<string, (typeof finishedDrills)[number]>();
  for (const d of finishedDrills) {
    const src = sourceOf(d.snapshotId);
    if (src && !newestPerSource.has(`${src.kind}:${src.location}`)) newestPerSource.set(`${src.kind}:${src.location}`, d);
  }
  const finishedDrill = [...newestPerSource.values()].find((d) => d.status !== 'success') ?? finishedDrills[0] ?? null;
  const firstFailure = (report: unknown, snapshotId: string | null): { kind: string | null; resourceType: string | null; errorCode: string | null; source: string | null } => {
    const failures = typeof report === 'object' && report !== null ? (report as { failures?: unknown }).failures : undefined;
    const f = Array.isArray(failures) ? (failures[0] as { kind?: unknown; resourceType?: unknown; errorCode?: unknown } | undefined) : undefined;
    const str = (v: unknown): string | null => (typeof v === 'string' && v ? v : null);
    // A folder or database drill says what failed in its proofs; its source's kind names the failure.
    const src = sourceOf(snapshotId);
    if (src && (src.kind === 'files' || src.kind === 'database')) return { kind: src.kind, resourceType: null, errorCode: null, source: src.location };
    return { kind: str(f?.kind), resourceType: str(f?.resourceType), errorCode: str(f?.errorCode), source: src?.location ?? null };
  };
  return {
    since: input.since,
    destinations: [primary, ...copies],
    drill: { lastAt: lastDrill?.startedAt ?? null },
    lastDrill: finishedDrill
      ? (() => {
          const f = firstFailure(finishedDrill.report, finishedDrill.snapshotId);
          return {
            id: finishedDrill.id,
            status: finishedDrill.status as 'success' | 'partial' | 'failed',
            at: finishedDrill.startedAt,
            failureKind: f.kind,
            resourceType: f.resourceType,
            errorCode: f.errorCode,
            source: f.source,
          };
        })()
      : null,
    usbDrives: input.destinations.filter((d) => d.kind === 'usb').map((d) => ({ id: d.location, label: d.label, lastRotatedAt: d.lastSuccessAt })),
    recoveryKit: { confirmed: input.kitConfirmed },
    suspicious: suspiciousBySource(manifests, input.shrinkGuardPercent),
    audit: input.audit,
  };
}
