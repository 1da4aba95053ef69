/**
 * The 3-2-1-1-0 rule as data the UI shows ("3 copies · 2 media · 1 offsite · 1 immutable · 0 errors"):
 *   3 copies of the data, on 2 different media, 1 of them offsite, 1 immutable or offline (air-gapped),
 *   and 0 errors in the last verification of every copy.
 *
 * Decisions:
 *  - The primary data (the clinic's FHIR server) is copy #1, as in the usual statement of the rule, with its
 *    own medium: two backup destinations on different media make "3 copies". `primary: null` counts backups only.
 *  - A backup counts only when its last successful update is within its RPO: a copy that stopped updating
 *    protects less each day and must not keep the status green. A destination may carry its own RPO (a
 *    USB drive rotated weekly).
 *  - An offline USB drive is a copy (air-gapped, so it also counts as the "1 immutable or offline"); an
 *    offline NAS, folder or bucket is unreachable and does not count.
 *  - Errors are summed over every configured destination, current or not.
 * Pure: `now` is injected.
 */

export type DestinationKind = 'local' | 'usb' | 'nas' | 's3';

export interface CopyDestination {
  readonly id: string;
  readonly kind: DestinationKind;
  /** Storage medium, e.g. "internal-disk", "usb-disk", "nas", "cloud"; distinct values are distinct media. */
  readonly medium: string;
  /** Outside the clinic's premises (cloud bucket, a drive taken home). */
  readonly offsite: boolean;
  /** Cannot be altered or deleted before a date (S3 Object Lock, put-only credentials with versioning). */
  readonly immutable: boolean;
  /** Disconnected now: air-gapped for a USB drive, unreachable for the others. */
  readonly offline?: boolean;
  /** ISO time of the last successful backup or replication to it, or null if never. */
  readonly lastSuccessAt: string | null;
  /** Problems found by its last check (0 when clean or never checked). */
  readonly lastCheckErrors: number;
  /** RPO of this destination in ms (e.g. weekly rotation); default: the rpoMs argument. */
  readonly rpoMs?: number;
}

export interface CopiesOptions {
  /** The primary data, counted as one copy on this medium. Default { medium: 'server' }; null counts backups only. */
  readonly primary?: { readonly medium: string } | null;
}

export type CopyRule = 'copies' | 'media' | 'offsite' | 'immutable' | 'errors';

export const COPIES_REQUIRED: Readonly<Record<CopyRule, number>> = { copies: 3, media: 2, offsite: 1, immutable: 1, errors: 0 };

export interface TextRef {
  readonly key: string;
  readonly params: Readonly<Record<string, string | number | readonly string[]>>;
}

export type DestinationCopyState =
  /** Updated within its RPO: counted. */
  | 'current'
  /** Last update older than its RPO. */
  | 'stale'
  /** Never updated. */
  | 'never'
  /** Offline and not a USB drive. */
  | 'unreachable';

export interface DestinationCopy {
  readonly id: string;
  readonly state: DestinationCopyState;
  readonly counted: boolean;
  /** Age of the last success in ms (0 for a time in the future), or null. */
  readonly ageMs: number | null;
  readonly errors: number;
}

export interface CopiesStatus {
  readonly copies: number;
  readonly media: number;
  readonly offsite: number;
  readonly immutable: number;
  readonly errors: number;
  readonly ok: boolean;
  /** The one-line summary. */
  readonly text: TextRef;
  /** One explanation per rule not met, in rule order. */
  readonly missing: readonly (TextRef & { readonly rule: CopyRule })[];
  readonly destinations: readonly DestinationCopy[];
}

function stateOf(d: CopyDestination, now: Date, rpoMs: number): { state: DestinationCopyState; ageMs: number | null } {
  const t = d.lastSuccessAt === null ? Number.NaN : Date.parse(d.lastSuccessAt);
  const ageMs = Number.isNaN(t) ? null : Math.max(0, now.getTime() - t);
  if (d.offline && d.kind !== 'usb') return { state: 'unreachable', ageMs };
  if (ageMs === null) return { state: 'never', ageMs };
  return { state: ageMs <= (d.rpoMs ?? rpoMs) ? 'current' : 'stale', ageMs };
}

export function copiesStatus(destinations: readonly CopyDestination[], now: Date, rpoMs: number, options: CopiesOptions = {}): CopiesStatus {
  const primary = options.primary === undefined ? { medium: 'server' } : options.primary;
  const rows = destinations.map((d) => ({ d, ...stateOf(d, now, rpoMs) }));
  const current = rows.filter((r) => r.state === 'current').map((r) => r.d);
  const notCounted = rows.filter((r) => r.state !== 'current');

  const copies = current.length + (primary ? 1 : 0);
  const mediaSet = new Set(current.map((d) => d.medium.trim().toLowerCase()));
  if (primary) mediaSet.add(primary.medium.trim().toLowerCase());
  const media = mediaSet.size;
  const offsite = current.filter((d) => d.offsite).length;
  const immutable = current.filter((d) => d.immutable || (d.kind === 'usb' && d.offline === true)).length;
  const errors = destinations.reduce((n, d) => n + Math.max(0, Math.floor(d.lastCheckErrors)), 0);

  const ids = (pred: (r: (typeof rows)[number]) => boolean): string[] => rows.filter(pred).map((r) => r.d.id);
  const missing: (TextRef & { rule: CopyRule })[] = [];
  if (copies < COPIES_REQUIRED.copies) {
    missing.push({
      rule: 'copies',
      key: notCounted.length > 0 ? 'policy.copies.missing.copiesStale' : 'policy.copies.missing.copies',
      params: { have: copies, need: COPIES_REQUIRED.copies, destinations: notCounted.map((r) => r.d.id) },
    });
  }
  if (media < COPIES_REQUIRED.media) missing.push({ rule: 'media', key: 'policy.copies.missing.media', params: { have: media, need: COPIES_REQUIRED.media } });
  if (offsite < COPIES_REQUIRED.offsite) {
    const stale = ids((r) => r.d.offsite && r.state !== 'current');
    missing.push({
      rule: 'offsite',
      key: stale.length > 0 ? 'policy.copies.missing.offsiteStale' : 'policy.copies.missing.offsite',
      params: { need: COPIES_REQUIRED.offsite, destinations: stale },
    });
  }
  if (immutable < COPIES_REQUIRED.immutable) {
    const stale = ids((r) => (r.d.immutable || r.d.kind === 'usb') && r.state !== 'current');
    missing.push({
      rule: 'immutable',
      key: stale.length > 0 ? 'policy.copies.missing.immutableStale' : 'policy.copies.missing.immutable',
      params: { need: COPIES_REQUIRED.immutable, destinations: stale },
    });
  }
  if (errors > COPIES_REQUIRED.errors) missing.push({ rule: 'errors', key: 'policy.copies.missing.errors', params: { errors, destinations: ids((r) => r.d.lastCheckErrors > 0) } });

  return {
    copies,
    media,
    offsite,
    immutable,
    errors,
    ok: missing.length === 0,
    text: { key: 'policy.copies.summary', params: { copies, media, offsite, immutable, errors } },
    missing,
    destinations: rows.map((r) => ({ id: r.d.id, state: r.state, counted: r.state === 'current', ageMs: r.ageMs, errors: Math.max(0, Math.floor(r.d.lastCheckErrors)) })),
  };
}
