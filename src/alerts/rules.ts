/**
 * Alert rules (ARCHITECTURE.md §7, SOP-019 §6.3) as a pure function of plain state and the time:
 * evaluateAlerts(state, now) → candidates. No I/O, no clock of its own; the AlertManager stores the
 * candidates in the catalog (deduplicated by key) and clears what is no longer raised.
 *
 * Rules, their subject and severity:
 *   stale      per destination  last successful backup older than its RPO (default 24 h)      high
 *   failed     per destination  the last backup run failed (before the RPO runs out)          medium
 *   partial    per destination  the last backup left data out (e.g. export files that failed)  high
 *   shrink     per source       a snapshot holds far fewer resources than the one before it:   high
 *                               possible deletion, ransomware or wrong server (shrink guard)
 *   integrity  per destination  the last integrity check found damage                         critical
 *   disk       per destination  usage above 80 % (medium), above 95 % (high)                   medium/high
 *   offsite    per destination  the offsite copy is behind the source by more than its RPO    high
 *   copy       per destination  the last update of a copy failed (full, read-only, not the clinic's
 *                               drive or not mounted, unreachable): names the copy and the fix  high
 *   drill      —                no restore drill within its interval (default 30 days)        medium
 *   drillfail  —                the last restore drill failed or was incomplete: names what    critical
 *   usb        per drive        a rotating USB drive not swapped in for N days (default 7)    medium
 *   kit        —                the printed recovery kit was never confirmed                  medium
 *
 * Each candidate has a stable key "<rule>:<subject>" (or "<rule>" for the global ones), an i18n
 * message key and plain params. Params follow a naming convention used by render.ts: "…At" is an ISO
 * time, "…Minutes"/"…Days" a duration, "…Bytes" a size; each gets a formatted twin without the suffix.
 *
 * A section left out of the state (undefined) is unknown: its rules raise nothing and clear nothing
 * (see coversAlert). null means "known: there is none" (e.g. never backed up).
 */
import { EngineError } from '../shared/index.js';
import type { AlertParams, AlertSeverity } from '../catalog/index.js';

export type AlertRule = 'stale' | 'failed' | 'partial' | 'shrink' | 'integrity' | 'disk' | 'offsite' | 'copy' | 'drill' | 'drillfail' | 'usb' | 'kit' | 'audit';

export const ALERT_RULES: readonly AlertRule[] = ['stale', 'failed', 'partial', 'shrink', 'integrity', 'disk', 'offsite', 'copy', 'drill', 'drillfail', 'usb', 'kit', 'audit'];

/** A Date or an ISO 8601 string (the catalog's form). */
export type TimeInput = Date | string;

export interface AlertCandidate {
  readonly rule: AlertRule;
  /** Deduplication key: "<rule>:<subject>" or "<rule>". */
  readonly key: string;
  readonly severity: AlertSeverity;
  /** i18n key of the message (alerts.*). */
  readonly messageKey: string;
  readonly params: AlertParams;
}

export interface LastRunState {
  readonly status: 'success' | 'partial' | 'failed' | 'interrupted';
  readonly at: TimeInput;
  readonly errorCode?: string | null;
  /** Failed runs in a row, for the message. */
  readonly consecutiveFailures?: number;
}

export interface IntegrityState {
  readonly ok: boolean;
  readonly checkedAt: TimeInput;
  /** Error code of the damage found (PACK_CORRUPT, BLOB_MISSING …). */
  readonly errorCode?: string | null;
  /** Number of problems found. */
  readonly problems?: number;
}

export interface OffsiteState {
  /** Time of the newest snapshot already copied to this destination; null = nothing copied yet. */
  readonly newestCopiedAt: TimeInput | null;
  /** Time of the newest snapshot at the source (the primary copy); null = none yet. */
  readonly newestSourceAt: TimeInput | null;
  /** Default 24 h (SOP-019 §5.1, cloud layer). */
  readonly rpoMinutes?: number;
}

/** The last backup left data out: what is missing, as the run recorded it. */
export interface PartialRunState {
  readonly at: TimeInput;
  readonly snapshotId: string | null;
  /** What could not be read (files, types), first ones; problems counts them all. */
  readonly missing: readonly string[];
  readonly problems: number;
}

/** A snapshot the shrink guard marked suspicious (the newest per source). */
export interface SuspiciousSnapshotState {
  readonly source: string;
  readonly snapshotId: string;
  readonly at: TimeInput;
  readonly previousResources: number;
  readonly resources: number;
  readonly dropPercent: number;
  /** A later snapshot of the source has the resources back (a wrong server fixed): the alert clears. */
  readonly recovered: boolean;
}

export interface DestinationAlertState {
  readonly id: string;
  /** Shown to the user; default the id. */
  readonly label?: string;
  /** Last successful backup written here; null = never. Leave undefined for destinations that only receive copies (use offsite). */
  readonly lastSuccessAt?: TimeInput | null;
  /** RPO of this destination; default 24 h. */
  readonly rpoMinutes?: number;
  /** The last backup run to this destination; null = none yet. */
  readonly lastRun?: LastRunState | null;
  /** The last backup run was partial (null: it was not); undefined = unknown. */
  readonly partial?: PartialRunState | null;
  /** The last integrity check of this copy; null = never checked. */
  readonly integrity?: IntegrityState | null;
  /** Size and free space; null or undefined = unknown (S3, or offline): a disk alert is then kept as it is. */
  readonly capacity?: { readonly totalBytes: number; readonly freeBytes: number } | null;
  /** For copies replicated from another destination (offsite). */
  readonly offsite?: OffsiteState | null;
  /** The last update of this copy (null: it worked, or was never tried); undefined = unknown. */
  readonly copyFailure?: CopyFailureState | null;
}

/** The last update of a copy failed, with the error code the destination gave. */
export interface CopyFailureState {
  readonly errorCode: string;
  /** 'usb': a rotating drive (an unplugged one is normal, the usb rule watches it). */
  readonly kind: 'usb' | 'local' | 's3';
}

/** What a copy's error code means to the person who can fix it: the message (and its fix) to show. */
export function copyProblemOf(errorCode: string): 'full' | 'readonly' | 'marker' | 'offline' | 'failed' {
  switch (errorCode) {
    case 'DEST_FULL':
      return 'full';
    case 'DEST_READONLY':
    case 'DEST_NOT_WRITABLE':
    case 'DEST_PERMISSION':
    case 'S3_ACCESS_DENIED':
      return 'readonly';
    case 'REPO_MARKER_MISSING':
    case 'REPO_MARKER_MISMATCH':
    case 'REPO_ALREADY_EXISTS':
      return 'marker';
    case 'DEST_OFFLINE':
      return 'offline';
    default:
      return 'failed';
  }
}

export interface DrillAlertState {
  /** Last successful drill; null = never. */
  readonly lastAt: TimeInput | null;
  /** Default 30 days (monthly drills, SOP-019 §6.3). */
  readonly intervalDays?: number;
}

/** The last finished restore drill (success, partial or failed); null = none yet. */
export interface LastDrillState {
  readonly id: number;
  readonly status: 'success' | 'partial' | 'failed';
  readonly at: TimeInput;
  /** What failed first (a DrillFailureKind: count-mismatch, repository-error …), or null. */
  readonly failureKind?: string | null;
  readonly resourceType?: string | null;
  readonly errorCode?: string | null;
  /** The source drilled (a folder or database source's name), when known. */
  readonly source?: string | null;
}

export const DRILL_FAILURE_KINDS: readonly string[] = [
  /** A folder source's drill: a file did not come back identical, or the sample could not be restored. */
  'files',
  /** A database source's drill: the dump could not be restored into a throw-away database, or it came back wrong. */
  'database',
  'count-mismatch',
  'content-mismatch',
  'unresolved-reference',
  'compartment-incomplete',
  'restore-rejected',
  'repository-error',
  'sandbox-error',
  'rto-exceeded',
  'interrupted',
];

export interface UsbDriveState {
  readonly id: string;
  readonly label?: string;
  /** Last time this drive was swapped in (connected and written); null = never. */
  readonly lastRotatedAt: TimeInput | null;
  /** Default 7 days. */
  readonly rotateEveryDays?: number;
}

export interface AlertState {
  /**
   * When monitoring started (set-up time). "Never happened" conditions (no backup, no drill, drive never
   * rotated) count from here, so a fresh installation is not flooded; without it they raise at once.
   */
  readonly since?: TimeInput | null;
  readonly destinations?: readonly DestinationAlertState[];
  readonly drill?: DrillAlertState | null;
  readonly lastDrill?: LastDrillState | null;
  readonly usbDrives?: readonly UsbDriveState[];
  readonly recoveryKit?: { readonly confirmed: boolean } | null;
  /** Suspicious snapshots (shrink guard), the newest per source. */
  readonly suspicious?: readonly SuspiciousSnapshotState[];
  /** Audit entries that could not be written yet (null: none pending). */
  readonly audit?: AuditTrailState | null;
}

/** The audit trail could not be written (the repository unreachable, the disk full…): entries wait to be saved. */
export interface AuditTrailState {
  readonly pending: number;
  readonly since: TimeInput;
  readonly errorCode: string;
}

export interface AlertThresholds {
  /** Default RPO, minutes (24 h). */
  readonly rpoMinutes: number;
  /** Usage above this percentage → medium (80). */
  readonly diskWarnPercent: number;
  /** Usage above this percentage → high (95). */
  readonly diskHighPercent: number;
  readonly drillIntervalDays: number;
  readonly usbRotateEveryDays: number;
  /** A suspicious snapshot is reported for this many days unless a later one recovers (14). */
  readonly shrinkReviewDays: number;
}

export const DEFAULT_THRESHOLDS: AlertThresholds = {
  rpoMinutes: 24 * 60,
  diskWarnPercent: 80,
  diskHighPercent: 95,
  drillIntervalDays: 30,
  usbRotateEveryDays: 7,
  shrinkReviewDays: 14,
};

const MINUTE = 60_000;
const DAY = 24 * 60 * MINUTE;

function ms(value: TimeInput, field: string): number {
  const t = value instanceof Date ? value.getTime() : Date.parse(value);
  if (!Number.isFinite(t)) throw new EngineError('INVALID_ARGUMENT', { field, reason: 'not a valid time' });
  return t;
}

function iso(t: number): string {
  return new Date(t).toISOString();
}

function positive(v: number | undefined, fallback: number, field: string): number {
  if (v === undefined) return fallback;
  if (!Number.isFinite(v) || v <= 0) throw new EngineError('INVALID_ARGUMENT', { field, reason: 'must be > 0' });
  return v;
}

function key(rule: AlertRule, subject?: string): string {
  return subject === undefined ? rule : `${rule}:${subject}`;
}

/** Splits "<rule>:<subject>" (the subject may itself contain ':'). */
export function parseAlertKey(k: string): { rule: string; subject: string | null } {
  const i = k.indexOf(':');
  return i < 0 ? { rule: k, subject: null } : { rule: k.slice(0, i), subject: k.slice(i + 1) };
}

function checkIds(items: readonly { id: string }[], what: string): void {
  const seen = new Set<string>();
  for (const { id } of items) {
    if (typeof id !== 'string' || id.length === 0) throw new EngineError('INVALID_ARGUMENT', { field: `${what}.id`, reason: 'empty' });
    if (seen.has(id)) throw new EngineError('INVALID_ARGUMENT', { field: `${what}.id`, reason: `duplicate ${id}` });
    seen.add(id);
  }
}

function destinationAlerts(d: DestinationAlertState, now: number, since: number | null, th: AlertThresholds): AlertCandidate[] {
  const out: AlertCandidate[] = [];
  const destination = d.label ?? d.id;

  if (d.lastSuccessAt !== undefined) {
    const rpoMinutes = positive(d.rpoMinutes, th.rpoMinutes, `${d.id}.rpoMinutes`);
    if (d.lastSuccessAt === null) {
      if (since === null || now - since > rpoMinutes * MINUTE) {
        out.push({
          rule: 'stale',
          key: key('stale', d.id),
          severity: 'high',
          messageKey: 'alerts.stale.never',
          params: { destination, rpoMinutes, sinceAt: since === null ? null : iso(since) },
        });
      }
    } else {
      const last = ms(d.lastSuccessAt, `${d.id}.lastSuccessAt`);
      const ageMinutes = Math.floor(Math.max(0, now - last) / MINUTE);
      if (now - last > rpoMinutes * MINUTE) {
        out.push({
          rule: 'stale',
          key: key('stale', d.id),
          severity: 'high',
          messageKey: 'alerts.stale.message',
          params: { destination, lastSuccessAt: iso(last), ageMinutes, rpoMinutes },
        });
      }
    }
  }

  if (d.lastRun && d.lastRun.status === 'failed') {
    const at = ms(d.lastRun.at, `${d.id}.lastRun.at`);
    out.push({
      rule: 'failed',
      key: key('failed', d.id),
      severity: 'medium',
      messageKey: 'alerts.failed.message',
      params: { destination, failedAt: iso(at), errorCode: d.lastRun.errorCode ?? 'UNKNOWN', failures: d.lastRun.consecutiveFailures ?? 1 },
    });
  }

  if (d.partial) {
    const at = ms(d.partial.at, `${d.id}.partial.at`);
    out.push({
      rule: 'partial',
      key: key('partial', d.id),
      severity: 'high',
      messageKey: 'alerts.partial.message',
      params: {
        destination,
        partialAt: iso(at),
        // Named in full up to 10, then how many more (never a silent cut).
        missing: d.partial.missing.slice(0, 10).join(', ') + (d.partial.missing.length > 10 ? ` (+${d.partial.missing.length - 10})` : ''),
        problems: d.partial.problems,
        snapshot: d.partial.snapshotId ? d.partial.snapshotId.slice(0, 8) : '—',
      },
    });
  }

  if (d.integrity && !d.integrity.ok) {
    const at = ms(d.integrity.checkedAt, `${d.id}.integrity.checkedAt`);
    out.push({
      rule: 'integrity',
      key: key('integrity', d.id),
      severity: 'critical',
      messageKey: 'alerts.integrity.message',
      params: { destination, checkedAt: iso(at), errorCode: d.integrity.errorCode ?? 'INTEGRITY_ERROR', problems: d.integrity.problems ?? 1 },
    });
  }

  if (d.capacity) {
    const { totalBytes, freeBytes } = d.capacity;
    if (Number.isFinite(totalBytes) && totalBytes > 0 && Number.isFinite(freeBytes) && freeBytes >= 0) {
      const used = Math.min(100, Math.max(0, ((totalBytes - freeBytes) / totalBytes) * 100));
      const usedPercent = Math.floor(used * 10) / 10;
      if (used > th.diskWarnPercent) {
        out.push({
          rule: 'disk',
          key: key('disk', d.id),
          severity: used > th.diskHighPercent ? 'high' : 'medium',
          messageKey: 'alerts.disk.message',
          params: { destination, usedPercent, freeBytes, totalBytes, limitPercent: th.diskWarnPercent },
        });
      }
    }
  }

  if (d.offsite) {
    const rpoMinutes = positive(d.offsite.rpoMinutes, th.rpoMinutes, `${d.id}.offsite.rpoMinutes`);
    const source = d.offsite.newestSourceAt === null ? null : ms(d.offsite.newestSourceAt, `${d.id}.offsite.newestSourceAt`);
    const copied = d.offsite.newestCopiedAt === null ? null : ms(d.offsite.newestCopiedAt, `${d.id}.offsite.newestCopiedAt`);
    // Behind only while the source holds something newer than the copy; the exposure is then the age of the copy.
    if (source !== null && (copied === null || copied < source)) {
      if (copied === null) {
        // Nothing copied yet: count from the first source snapshot, or from set-up when that is later.
        const from = Math.max(source, since ?? source);
        if (now - from > rpoMinutes * MINUTE) {
          out.push({ rule: 'offsite', key: key('offsite', d.id), severity: 'high', messageKey: 'alerts.offsite.never', params: { destination, rpoMinutes } });
        }
      } else if (now - copied > rpoMinutes * MINUTE) {
        out.push({
          rule: 'offsite',
          key: key('offsite', d.id),
          severity: 'high',
          messageKey: 'alerts.offsite.message',
          params: { destination, newestCopiedAt: iso(copied), lagMinutes: Math.floor((now - copied) / MINUTE), rpoMinutes },
        });
      }
    }
  }
  if (d.copyFailure) {
    const problem = copyProblemOf(d.copyFailure.errorCode);
    // A rotating USB drive that is simply not plugged in is expected; the usb rule says when it is overdue.
    if (!(problem === 'offline' && d.copyFailure.kind === 'usb')) {
      const medium = d.copyFailure.kind === 'usb' ? 'usb' : d.copyFailure.kind === 's3' ? 's3' : 'disk';
      out.push({
        rule: 'copy',
        key: key('copy', d.id),
        severity: 'high',
        messageKey: `alerts.copy.${problem}.${medium}`,
        params: { destination, errorCode: d.copyFailure.errorCode },
      });
    }
  }
  return out;
}

/** The alerts the state calls for at `now`, in a stable order (destinations in the given order, then global rules). */
export function evaluateAlerts(state: AlertState, now: Date, thresholds: Partial<AlertThresholds> = {}): AlertCandidate[] {
  const th: AlertThresholds = { ...DEFAULT_THRESHOLDS, ...thresholds };
  const t = now.getTime();
  if (!Number.isFinite(t)) throw new EngineError('INVALID_ARGUMENT', { field: 'now', reason: 'not a valid time' });
  const since = state.since === undefined || state.since === null ? null : ms(state.since, 'since');
  const out: AlertCandidate[] = [];

  const destinations = state.destinations ?? [];
  checkIds(destinations, 'destination');
  for (const d of destinations) out.push(...destinationAlerts(d, t, since, th));

  if (state.drill) {
    const intervalDays = positive(state.drill.intervalDays, th.drillIntervalDays, 'drill.intervalDays');
    if (state.drill.lastAt === null) {
      if (since === null || t - since > intervalDays * DAY) {
        out.push({ rule: 'drill', key: key('drill'), severity: 'medium', messageKey: 'alerts.drill.never', params: { intervalDays } });
      }
    } else {
      const last = ms(state.drill.lastAt, 'drill.lastAt');
      if (t - last > intervalDays * DAY) {
        out.push({
          rule: 'drill',
          key: key('drill'),
          severity: 'medium',
          messageKey: 'alerts.drill.message',
          params: { lastDrillAt: iso(last), ageDays: Math.floor((t - last) / DAY), intervalDays },
        });
      }
    }
  }

  if (state.lastDrill && state.lastDrill.status !== 'success') {
    const d = state.lastDrill;
    const kind = d.failureKind && DRILL_FAILURE_KINDS.includes(d.failureKind) ? d.failureKind : 'other';
    out.push({
      rule: 'drillfail',
      key: key('drillfail'),
      severity: 'critical',
      messageKey: `alerts.drillfail.${kind}`,
      params: { drillAt: iso(ms(d.at, 'lastDrill.at')), drillId: d.id, resourceType: d.resourceType ?? '—', errorCode: d.errorCode ?? '—', source: d.source ?? '—', partial: d.status === 'partial' },
    });
  }

  const drives = state.usbDrives ?? [];
  checkIds(drives, 'usbDrive');
  for (const u of drives) {
    const everyDays = positive(u.rotateEveryDays, th.usbRotateEveryDays, `${u.id}.rotateEveryDays`);
    const drive = u.label ?? u.id;
    if (u.lastRotatedAt === null) {
      if (since === null || t - since > everyDays * DAY) {
        out.push({ rule: 'usb', key: key('usb', u.id), severity: 'medium', messageKey: 'alerts.usb.never', params: { drive, everyDays } });
      }
    } else {
      const last = ms(u.lastRotatedAt, `${u.id}.lastRotatedAt`);
      if (t - last > everyDays * DAY) {
        out.push({
          rule: 'usb',
          key: key('usb', u.id),
          severity: 'medium',
          messageKey: 'alerts.usb.message',
          params: { drive, lastRotatedAt: iso(last), ageDays: Math.floor((t - last) / DAY), everyDays },
        });
      }
    }
  }

  for (const x of state.suspicious ?? []) {
    const at = ms(x.at, `${x.snapshotId}.at`);
    if (x.recovered || t - at > th.shrinkReviewDays * DAY) continue;
    out.push({
      rule: 'shrink',
      key: key('shrink', x.source),
      severity: 'high',
      messageKey: 'alerts.shrink.message',
      params: { source: x.source, snapshot: x.snapshotId.slice(0, 8), shrinkAt: iso(at), previousResources: x.previousResources, resources: x.resources, dropPercent: x.dropPercent },
    });
  }

  if (state.recoveryKit && !state.recoveryKit.confirmed) {
    out.push({ rule: 'kit', key: key('kit'), severity: 'medium', messageKey: 'alerts.kit.message', params: {} });
  }
  if (state.audit && state.audit.pending > 0) {
    out.push({
      rule: 'audit',
      key: key('audit'),
      severity: 'high',
      messageKey: 'alerts.audit.message',
      params: { count: state.audit.pending, firstFailedAt: iso(ms(state.audit.since, 'audit.since')), code: state.audit.errorCode },
    });
  }
  return out;
}

/**
 * True when the state says something about the cause of this alert, so that its absence from
 * evaluateAlerts means "resolved" and the alert may be cleared. Unknown inputs (sections left out,
 * capacity unknown) keep the alert. Alerts of other rules (raised by others) are never covered.
 */
export function coversAlert(state: AlertState, alert: { readonly rule: string; readonly key: string }): boolean {
  const { subject } = parseAlertKey(alert.key);
  switch (alert.rule) {
    case 'stale':
    case 'failed':
    case 'partial':
    case 'integrity':
    case 'disk':
    case 'offsite':
    case 'copy': {
      if (state.destinations === undefined || subject === null) return false;
      const d = state.destinations.find((x) => x.id === subject);
      if (!d) return true; // the destination was removed: its alerts go with it
      if (alert.rule === 'stale') return d.lastSuccessAt !== undefined;
      if (alert.rule === 'failed') return d.lastRun !== undefined;
      if (alert.rule === 'partial') return d.partial !== undefined;
      if (alert.rule === 'integrity') return d.integrity !== undefined;
      if (alert.rule === 'disk') return d.capacity !== undefined && d.capacity !== null;
      if (alert.rule === 'copy') return d.copyFailure !== undefined;
      return d.offsite !== undefined;
    }
    case 'drill':
      return state.drill !== undefined;
    case 'drillfail':
      return state.lastDrill !== undefined;
    case 'usb':
      return state.usbDrives !== undefined;
    case 'kit':
      return state.recoveryKit !== undefined;
    case 'shrink':
      return state.suspicious !== undefined;
    case 'audit':
      return state.audit !== undefined;
    default:
      return false;
  }
}
