/**
 * Which snapshots to keep: GFS rules with restic's semantics plus the legal floor for medical
 * records. Pure: snapshots and the current time come in, decisions go out.
 *
 * User rules (restic semantics, `forget --keep-*`):
 * - Snapshots are ordered newest first. keepLast n keeps the n newest.
 * - keepHourly/Daily/Weekly/Monthly/Yearly n: walking newest → oldest, the first snapshot seen in
 *   each new hour/day/ISO week/month/year (i.e. the newest of that bucket) is kept, until n buckets
 *   are kept. -1 = unlimited. If a rule still has room when the walk reaches the oldest snapshot,
 *   that oldest snapshot is kept too (longest history for the counts given).
 *   Buckets are wall-clock periods in `timeZone`.
 * - keepWithin "1y6m2w3d4h": every snapshot newer than (newest snapshot − duration). Relative to the
 *   newest snapshot (not to now), so stopped backups never make the history melt away.
 * - keepTags: every snapshot carrying one of the tags.
 * - With no rule at all and no legal floor, nothing is removed (restic: empty policy keeps all).
 *
 * Always kept, whatever the rules:
 * - The newest snapshot (never forget the only recent copy).
 * - The legal floor. Medical records must remain recoverable for N years (CFM Res. 1.821/2007 and
 *   Lei 13.787/2018: 20 years for patient records). Precisely, with M = the calendar month (in
 *   `timeZone`) of (now − N years):
 *     a) for every month from M up to now that holds snapshots, its last (newest) snapshot; and
 *     b) the newest snapshot older than M (the state of the records when the window opens),
 *   so that for any date in the window the records as they stood at the end of that month (or, at
 *   the window start, just before it) can be restored. Snapshots older than the window are released
 *   as the window moves, except the one in (b).
 *   validateRetentionPolicy refuses settings that lower N below the configured minimum.
 */
import { EngineError } from '../shared/index.js';
import { t, type Locale } from '../i18n/index.js';
import { type FieldError, FieldValidationError, isInteger, isRecord } from './fieldErrors.js';
import { DEFAULT_TIME_ZONE, formatLocalDate, formatLocalDateTime, isValidTimeZone, isoWeek, localParts, type LocalDateTime } from './zonedTime.js';

export interface SnapshotInfo {
  readonly id: string;
  /** ISO 8601 instant. */
  readonly time: string;
  readonly tags?: readonly string[];
  /**
   * Shrink guard: this snapshot holds far fewer resources than the previous one of its source (possible
   * deletion, ransomware or a wrong server); that previous snapshot, named here, is always kept.
   */
  readonly suspicious?: { readonly previous: string; readonly dropPercent: number };
}

export interface RetentionPolicy {
  readonly keepLast?: number;
  readonly keepHourly?: number;
  readonly keepDaily?: number;
  readonly keepWeekly?: number;
  readonly keepMonthly?: number;
  readonly keepYearly?: number;
  /** Duration like "30d", "1y6m", "2w", "48h" (units y, m = months, w, d, h; each at most once). */
  readonly keepWithin?: string;
  readonly keepTags?: readonly string[];
  /** Years medical records must stay recoverable; default 20. */
  readonly legalFloorYears?: number;
  /** IANA zone for calendar buckets; default America/Sao_Paulo. */
  readonly timeZone?: string;
}

export const DEFAULT_LEGAL_FLOOR_YEARS = 20;

/** A validated policy with every default filled in (counts 0 = rule off; keepWithin undefined = off). */
export type NormalizedRetentionPolicy = Required<Omit<RetentionPolicy, 'keepWithin'>> & Pick<RetentionPolicy, 'keepWithin'>;

export interface RetentionReason {
  /** i18n key (policy.keep.* / policy.remove.*). */
  readonly key: string;
  readonly params: Readonly<Record<string, string | number>>;
}

export interface RetentionDecision {
  readonly id: string;
  /** The snapshot's ISO time, normalised. */
  readonly time: string;
  /** "YYYY-MM-DD HH:MM" in the policy's zone. */
  readonly localTime: string;
  readonly keep: boolean;
  readonly reasons: readonly RetentionReason[];
  /** True when the legal floor (not only user rules) keeps this snapshot. */
  readonly legallyRequired: boolean;
}

export interface RetentionDuration {
  readonly years: number;
  readonly months: number;
  readonly weeks: number;
  readonly days: number;
  readonly hours: number;
}

const COUNT_FIELDS = ['keepLast', 'keepHourly', 'keepDaily', 'keepWeekly', 'keepMonthly', 'keepYearly'] as const;
const KNOWN_FIELDS = new Set<string>([...COUNT_FIELDS, 'keepWithin', 'keepTags', 'legalFloorYears', 'timeZone']);
const MAX_FLOOR_YEARS = 200;

/** Parses a restic-style duration ("1y6m", "30d", "2w", "48h"); null when malformed. */
export function parseRetentionDuration(value: string): RetentionDuration | null {
  if (!/^(\d{1,6}[ymwdh])+$/.test(value)) return null;
  const out: Record<string, number> = {};
  for (const m of value.matchAll(/(\d+)([ymwdh])/g)) {
    const unit = m[2] ?? '';
    if (unit in out) return null;
    out[unit] = Number(m[1]);
  }
  return { years: out['y'] ?? 0, months: out['m'] ?? 0, weeks: out['w'] ?? 0, days: out['d'] ?? 0, hours: out['h'] ?? 0 };
}

/** Field-level problems of a retention policy (unknown input), including the legal floor check. */
export function retentionFieldErrors(value: unknown, minimumFloorYears = DEFAULT_LEGAL_FLOOR_YEARS): FieldError[] {
  if (!isRecord(value)) return [{ field: 'retention', key: 'policy.retention.notObject' }];
  const errors: FieldError[] = [];
  for (const k of Object.keys(value)) if (!KNOWN_FIELDS.has(k)) errors.push({ field: k, key: 'policy.retention.unknownField' });
  for (const f of COUNT_FIELDS) {
    const v = value[f];
    if (v !== undefined && (!isInteger(v) || v < -1)) errors.push({ field: f, key: 'policy.retention.count' });
  }
  const within = value['keepWithin'];
  if (within !== undefined && (typeof within !== 'string' || parseRetentionDuration(within) === null))
    errors.push({ field: 'keepWithin', key: 'policy.retention.duration', params: { value: String(within) } });
  const tags = value['keepTags'];
  if (tags !== undefined && (!Array.isArray(tags) || !tags.every((x) => typeof x === 'string' && x.length > 0))) errors.push({ field: 'keepTags', key: 'policy.retention.tags' });
  const tz = value['timeZone'];
  if (tz !== undefined && !isValidTimeZone(tz)) errors.push({ field: 'timeZone', key: 'policy.retention.timeZone', params: { value: String(tz) } });
  const floor = value['legalFloorYears'];
  if (floor !== undefined && (!isInteger(floor) || floor < 0 || floor > MAX_FLOOR_YEARS))
    errors.push({ field: 'legalFloorYears', key: 'policy.retention.floorRange', params: { max: MAX_FLOOR_YEARS } });
  else if (isInteger(floor) && floor < minimumFloorYears) errors.push({ field: 'legalFloorYears', key: 'policy.retention.belowLegalFloor', params: { configured: floor, minimum: minimumFloorYears } });
  return errors;
}

/**
 * Checks retention settings and returns them with defaults filled in.
 * Throws RETENTION_LEGAL_FLOOR { years = minimum, configured, field } when legalFloorYears is below the
 * configured minimum (e.g. someone sets 0 where the law asks 20); INVALID_SETTINGS for other bad fields.
 * Both errors are FieldValidationError and carry every field problem found.
 */
export function validateRetentionPolicy(value: unknown, minimumFloorYears = DEFAULT_LEGAL_FLOOR_YEARS): NormalizedRetentionPolicy {
  if (!isInteger(minimumFloorYears) || minimumFloorYears < 0 || minimumFloorYears > MAX_FLOOR_YEARS)
    throw new EngineError('INVALID_ARGUMENT', { field: 'minimumFloorYears', reason: `0-${MAX_FLOOR_YEARS}` });
  const errors = retentionFieldErrors(value, minimumFloorYears);
  const floorError = errors.find((e) => e.key === 'policy.retention.belowLegalFloor');
  if (floorError) {
    const configured = isRecord(value) && isInteger(value['legalFloorYears']) ? value['legalFloorYears'] : 0;
    throw new FieldValidationError('RETENTION_LEGAL_FLOOR', errors, { years: minimumFloorYears, minimum: minimumFloorYears, configured });
  }
  if (errors.length > 0) throw new FieldValidationError('INVALID_SETTINGS', errors);
  const p = value as RetentionPolicy;
  return {
    keepLast: p.keepLast ?? 0,
    keepHourly: p.keepHourly ?? 0,
    keepDaily: p.keepDaily ?? 0,
    keepWeekly: p.keepWeekly ?? 0,
    keepMonthly: p.keepMonthly ?? 0,
    keepYearly: p.keepYearly ?? 0,
    keepWithin: p.keepWithin,
    keepTags: p.keepTags ?? [],
    legalFloorYears: p.legalFloorYears ?? Math.max(DEFAULT_LEGAL_FLOOR_YEARS, minimumFloorYears),
    timeZone: p.timeZone ?? DEFAULT_TIME_ZONE,
  };
}

interface Entry {
  readonly snap: SnapshotInfo;
  readonly ms: number;
  readonly local: LocalDateTime;
  readonly reasons: RetentionReason[];
  legal: boolean;
}

type BucketRule = 'last' | 'hourly' | 'daily' | 'weekly' | 'monthly' | 'yearly';

const pad = (n: number): string => String(n).padStart(2, '0');

function bucketOf(rule: BucketRule, e: Entry, nr: number): { value: string; params: Record<string, string | number> } {
  const l = e.local;
  switch (rule) {
    case 'last':
      return { value: String(nr), params: {} };
    case 'hourly': {
      const hour = `${formatLocalDate(l)} ${pad(l.hour)}:00`;
      return { value: hour, params: { hour } };
    }
    case 'daily': {
      const day = formatLocalDate(l);
      return { value: day, params: { day } };
    }
    case 'weekly': {
      const w = isoWeek(l);
      const week = `${w.year}-W${pad(w.week)}`;
      return { value: week, params: { week } };
    }
    case 'monthly': {
      const month = `${l.year}-${pad(l.month)}`;
      return { value: month, params: { month } };
    }
    case 'yearly':
      return { value: String(l.year), params: { year: String(l.year) } };
  }
}

function subtractDuration(from: number, d: RetentionDuration): number {
  const x = new Date(from);
  x.setUTCFullYear(x.getUTCFullYear() - d.years, x.getUTCMonth() - d.months, x.getUTCDate() - d.days - d.weeks * 7);
  return x.getTime() - d.hours * 3_600_000;
}

/**
 * Decides, for every snapshot, keep or remove and why. Result is ordered newest first.
 * Throws INVALID_SETTINGS for a malformed policy, INVALID_ARGUMENT for a bad snapshot list.
 * (The minimum legal floor is enforced when settings are saved: validateRetentionPolicy.)
 */
export function applyRetention(snapshots: readonly SnapshotInfo[], policy: RetentionPolicy, now: Date): RetentionDecision[] {
  const p = validateRetentionPolicy(policy, 0);
  const tz = p.timeZone;
  const ids = new Set<string>();
  const entries: Entry[] = snapshots.map((snap, i) => {
    const ms = Date.parse(snap.time);
    if (typeof snap.id !== 'string' || snap.id.length === 0 || ids.has(snap.id)) throw new EngineError('INVALID_ARGUMENT', { field: `snapshots[${i}].id`, reason: snap.id ? 'duplicate' : 'empty' });
    if (!Number.isFinite(ms)) throw new EngineError('INVALID_ARGUMENT', { field: `snapshots[${i}].time`, reason: String(snap.time) });
    ids.add(snap.id);
    return { snap, ms, local: localParts(new Date(ms), tz), reasons: [], legal: false };
  });
  entries.sort((a, b) => b.ms - a.ms || (a.snap.id < b.snap.id ? 1 : a.snap.id > b.snap.id ? -1 : 0));
  if (entries.length === 0) return [];

  const within = p.keepWithin ? parseRetentionDuration(p.keepWithin) : null;
  const hasUserRule = COUNT_FIELDS.some((f) => p[f] !== 0) || (within !== null && subtractDuration(0, within) !== 0) || p.keepTags.length > 0;
  if (!hasUserRule && p.legalFloorYears === 0) {
    return entries.map((e) => decision(e, tz, true, [{ key: 'policy.keep.emptyPolicy', params: {} }]));
  }

  // User rules.
  const rules: { rule: BucketRule; count: number; last: string | null }[] = [
    { rule: 'last', count: p.keepLast, last: null },
    { rule: 'hourly', count: p.keepHourly, last: null },
    { rule: 'daily', count: p.keepDaily, last: null },
    { rule: 'weekly', count: p.keepWeekly, last: null },
    { rule: 'monthly', count: p.keepMonthly, last: null },
    { rule: 'yearly', count: p.keepYearly, last: null },
  ];
  const nowMs = now.getTime();
  const notFuture = entries.find((e) => e.ms <= nowMs);
  const withinLimit = within ? subtractDuration(notFuture ? notFuture.ms : nowMs, within) : null;
  entries.forEach((e, nr) => {
    for (const tag of p.keepTags) if (e.snap.tags?.includes(tag)) e.reasons.push({ key: 'policy.keep.tag', params: { tag } });
    if (withinLimit !== null && p.keepWithin && e.ms > withinLimit) e.reasons.push({ key: 'policy.keep.within', params: { duration: p.keepWithin } });
    const oldest = nr === entries.length - 1;
    for (const r of rules) {
      if (r.count === 0) continue;
      const b = bucketOf(r.rule, e, nr);
      if (b.value !== r.last) {
        e.reasons.push({ key: `policy.keep.${r.rule}`, params: r.rule === 'last' ? { count: p.keepLast } : b.params });
      } else if (oldest && r.rule !== 'last') {
        e.reasons.push({ key: 'policy.keep.oldest', params: { rule: r.rule } });
      } else continue;
      r.last = b.value;
      if (r.count > 0) r.count -= 1;
    }
  });

  // Always: the newest snapshot.
  const newest = entries[0];
  if (newest) newest.reasons.push({ key: 'policy.keep.newest', params: {} });

  // Always: the last snapshot before a suspicious shrink (the state before a possible deletion or attack).
  for (const e of entries) {
    const s = e.snap.suspicious;
    if (!s) continue;
    const before = entries.find((x) => x.snap.id === s.previous);
    if (before) before.reasons.push({ key: 'policy.keep.beforeSuspicious', params: { suspicious: shortId(e.snap.id), drop: s.dropPercent } });
  }

  // The legal floor (see the module comment).
  if (p.legalFloorYears > 0) {
    const n = localParts(now, tz);
    const startKey = (n.year - p.legalFloorYears) * 12 + (n.month - 1);
    const since = `${n.year - p.legalFloorYears}-${pad(n.month)}`;
    const seen = new Set<number>();
    let anchored = false;
    for (const e of entries) {
      const key = e.local.year * 12 + (e.local.month - 1);
      if (key >= startKey) {
        if (seen.has(key)) continue;
        seen.add(key);
        e.reasons.push({ key: 'policy.keep.legalFloor', params: { month: `${e.local.year}-${pad(e.local.month)}`, years: p.legalFloorYears } });
        e.legal = true;
      } else if (!anchored) {
        anchored = true;
        e.reasons.push({ key: 'policy.keep.legalFloorAnchor', params: { since, years: p.legalFloorYears } });
        e.legal = true;
      } else break;
    }
  }

  // Removals name the nearest newer snapshot that is kept (it holds everything they held, and more recent).
  let lastKept: Entry | null = null;
  return entries.map((e) => {
    if (e.reasons.length > 0) {
      lastKept = e;
      return decision(e, tz, true, e.reasons);
    }
    const by: Entry | null = lastKept;
    const params = by ? { by: by.snap.id, byTime: formatLocalDateTime(new Date(by.ms), tz) } : { by: '', byTime: '' };
    return decision(e, tz, false, [{ key: 'policy.remove.superseded', params }]);
  });
}

function decision(e: Entry, tz: string, keep: boolean, reasons: readonly RetentionReason[]): RetentionDecision {
  return {
    id: e.snap.id,
    time: new Date(e.ms).toISOString(),
    localTime: formatLocalDateTime(new Date(e.ms), tz),
    keep,
    reasons,
    legallyRequired: e.legal,
  };
}

/**
 * Refuses to forget snapshots by id (`forget <id>…`) when the legal floor needs any of them:
 * throws RETENTION_LEGAL_FLOOR { years, snapshots } naming them. User rules do not block a manual forget.
 */
export function assertForgetAllowed(snapshots: readonly SnapshotInfo[], ids: readonly string[], policy: RetentionPolicy, now: Date): void {
  const wanted = new Set(ids);
  const blocked = applyRetention(snapshots, policy, now)
    .filter((d) => wanted.has(d.id) && d.legallyRequired)
    .map((d) => d.id);
  if (blocked.length > 0) {
    const years = policy.legalFloorYears ?? DEFAULT_LEGAL_FLOOR_YEARS;
    throw new EngineError('RETENTION_LEGAL_FLOOR', { years, snapshots: blocked, field: 'snapshots' });
  }
}

/** Shortens long content ids for display, like restic (8 characters). */
function shortId(id: string): string {
  return id.length > 12 ? id.slice(0, 8) : id;
}

/** Text of one reason in a locale. */
export function reasonText(reason: RetentionReason, locale: Locale): string {
  const params: Record<string, string | number> = { ...reason.params };
  if (typeof params['rule'] === 'string') params['rule'] = t(`policy.rule.${params['rule']}`, {}, locale);
  if (typeof params['by'] === 'string') params['by'] = shortId(params['by']);
  return t(reason.key, params, locale);
}

/** Lines for `forget --dry-run`: "keep 1a2b3c4d (2026-11-20 23:45): last daily of 2026-11-20; …". */
export function explainForget(decisions: readonly RetentionDecision[], locale: Locale): string[] {
  return decisions.map((d) =>
    t(d.keep ? 'policy.explain.keep' : 'policy.explain.remove', { id: shortId(d.id), time: d.localTime, reasons: d.reasons.map((r) => reasonText(r, locale)).join('; ') }, locale),
  );
}
