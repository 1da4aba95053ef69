/**
 * Fault switches of the sandbox FHIR server. Set at start (SandboxOptions / `faults`), at runtime with
 * `server.faults.set({...})`, or over HTTP (POST /_sandbox/faults with the same JSON; DELETE clears).
 * `match` is a regular expression tested against the request path and query (e.g. "\\$export", "/Observation").
 * Counters start when a switch is set.
 */
import { EngineError } from '../shared/index.js';
import type { SandboxAuth } from './auth.js';

export interface FaultSettings {
  /** 429 Too Many Requests for the next `count` requests (matching `match`), with Retry-After in seconds or HTTP-date form. */
  tooManyRequests?: { count: number; match?: string; retryAfterSeconds?: number; retryAfterFormat?: 'seconds' | 'http-date' } | null;
  /** An error status (default 500) on the `nth` request (matching `match`), and the `times - 1` after it (default times 1). */
  serverError?: { nth: number; match?: string; status?: number; times?: number } | null;
  /** Waits `delayMs` before answering matching requests, after the first `skip` matching ones went through at once. */
  slow?: { delayMs: number; match?: string; skip?: number } | null;
  /** Sends response bodies in pieces of `chunkBytes` every `intervalMs`. */
  trickle?: { chunkBytes: number; intervalMs: number; match?: string } | null;
  /**
   * Cuts NDJSON output files in the middle of a line after `afterLines` full lines (default half the file), for `times` downloads (default all).
   * With `resume`, the cut line ends with a newline and the rest of the file follows (one malformed line inside the file).
   */
  truncateNdjson?: { afterLines?: number; match?: string; times?: number; resume?: boolean } | null;
  /** Output file URLs answer 404, as if the files had expired: every job (true), or only the files of the first `jobs` jobs downloaded from. */
  expireOutputs?: boolean | { jobs: number };
  /** Matching requests get 200 with an HTML page instead of FHIR JSON (a proxy's error page), for `times` requests (default all). */
  nonJson?: { match?: string; times?: number } | null;
  /**
   * Matching responses are cut off (socket destroyed) after `afterBytes` body bytes (default half the body), for
   * `times` responses (default all), after the first `skip` matching responses went through whole. The request
   * itself is processed (a transaction is committed): only its answer is lost.
   */
  dropConnection?: { match?: string; afterBytes?: number; times?: number; skip?: number } | null;
  /** Export output files carry `count` resources (default 1) of another type: the first ones of each file move to the file before it. */
  misfileResources?: { count?: number } | null;
  /**
   * Export output files whose name matches `match` (e.g. "^Observation-") fail on the server's side: the manifest
   * lists an OperationOutcome file under `error` for each, instead of the file under `output` (Bulk Data spec).
   */
  failExportFiles?: { match: string } | null;
  /** Manifest output URLs point to this origin (e.g. "http://localhost:PORT", or the second host) instead of the server's own. */
  manifestOrigin?: string | null;
  /**
   * The manifest's requiresAccessToken (default: true when auth is on). With false, output files are served
   * without credentials (like pre-signed bucket URLs).
   */
  manifestRequiresAccessToken?: boolean | null;
  /**
   * How searchset pages link: "total-without-next" gives `total` and no `next` link (the rest by `_offset`, like
   * Medplum); "no-offset" also ignores `_offset` (every request answers the first page).
   */
  paging?: 'total-without-next' | 'no-offset' | null;
  /** Search pages hold at most this many entries whatever `_count` asks (servers cap their page size). */
  maxCount?: number | null;
  /** Server-managed meta on every write, besides versionId/lastUpdated: members added to meta (e.g. Medplum's author, project). */
  serverMeta?: { extra: Record<string, unknown> } | null;
  /** The CapabilityStatement lists no $export operation (the endpoint still works, like Medplum's). */
  hideExport?: boolean;
  /** The CapabilityStatement lists no system history interaction (like Medplum's; the endpoint still works). */
  hideHistory?: boolean;
  /** Searches of these types answer `status` (default 400) with an OperationOutcome ("Cannot search on Binary"). */
  unsearchable?: { types: string[]; status?: number } | null;
  /**
   * No create-by-PUT: a PUT (alone or in a bundle) of an id the server does not hold answers `status` (default
   * 405); the CapabilityStatement says updateCreate: false unless `advertise` is false.
   */
  noUpdateCreate?: { status?: number; advertise?: boolean } | null;
  /** Export jobs that never finish (status 202 forever, same X-Progress): every job (true) or the first `jobs` ones. */
  stallExports?: boolean | { jobs: number };
  /** The server clock is the real clock plus this offset (lastUpdated, transactionTime, Date, token expiry). */
  clockOffsetMs?: number;
  /** Credentials required on FHIR requests (not on /metadata or the SMART discovery and token endpoints); null turns auth off. */
  auth?: SandboxAuth | null;
  /**
   * Refuses writes (PUT/POST, alone or as transaction/batch entries) of resources whose "Type/id" matches
   * `match` (a POST has no id yet: "Type/"), with `status` (default 422) and an OperationOutcome: a
   * transaction containing one fails as a whole (all or nothing), a batch answers that entry only.
   */
  rejectResources?: { match: string; status?: number; diagnostics?: string } | null;
}

export interface FaultController {
  /** Merges switches; a null (or false / 0) value turns that switch off. Resets the counters of the switches given. */
  set(settings: FaultSettings): void;
  /** Turns every fault off (auth and clock offset are kept: they are configuration, change them with set). */
  clear(): void;
  get(): FaultSettings;
}

export type RequestFault = { kind: 'throttle'; retryAfter: string } | { kind: 'error'; status: number } | null;

const KEYS: readonly (keyof FaultSettings)[] = [
  'tooManyRequests',
  'serverError',
  'slow',
  'trickle',
  'truncateNdjson',
  'expireOutputs',
  'nonJson',
  'dropConnection',
  'misfileResources',
  'failExportFiles',
  'manifestOrigin',
  'manifestRequiresAccessToken',
  'paging',
  'maxCount',
  'serverMeta',
  'hideExport',
  'hideHistory',
  'unsearchable',
  'noUpdateCreate',
  'stallExports',
  'clockOffsetMs',
  'auth',
  'rejectResources',
];

function regex(match: string | undefined): RegExp | null {
  if (match === undefined) return null;
  try {
    return new RegExp(match);
  } catch {
    throw new EngineError('INVALID_ARGUMENT', { name: 'match', value: match });
  }
}

function nonNegative(name: string, v: unknown): void {
  if (typeof v !== 'number' || !Number.isFinite(v) || v < 0) throw new EngineError('INVALID_ARGUMENT', { name, value: String(v) });
}

/** Validates settings coming from JSON (control API) or code; returns them typed. */
export function parseFaultSettings(input: unknown): FaultSettings {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) throw new EngineError('INVALID_ARGUMENT', { name: 'faults', value: typeof input });
  const o = input as Record<string, unknown>;
  for (const k of Object.keys(o)) if (!(KEYS as readonly string[]).includes(k)) throw new EngineError('INVALID_ARGUMENT', { name: 'faults', value: k });
  const s = o as FaultSettings;
  if (s.tooManyRequests) {
    nonNegative('tooManyRequests.count', s.tooManyRequests.count);
    if (s.tooManyRequests.retryAfterSeconds !== undefined) nonNegative('tooManyRequests.retryAfterSeconds', s.tooManyRequests.retryAfterSeconds);
    regex(s.tooManyRequests.match);
  }
  if (s.serverError) {
    nonNegative('serverError.nth', s.serverError.nth);
    regex(s.serverError.match);
  }
  if (s.slow) {
    nonNegative('slow.delayMs', s.slow.delayMs);
    if (s.slow.skip !== undefined) nonNegative('slow.skip', s.slow.skip);
    regex(s.slow.match);
  }
  if (s.trickle) {
    nonNegative('trickle.intervalMs', s.trickle.intervalMs);
    if (!(s.trickle.chunkBytes >= 1)) throw new EngineError('INVALID_ARGUMENT', { name: 'trickle.chunkBytes', value: String(s.trickle.chunkBytes) });
    regex(s.trickle.match);
  }
  if (s.truncateNdjson) regex(s.truncateNdjson.match);
  if (s.rejectResources) {
    if (typeof s.rejectResources.match !== 'string') throw new EngineError('INVALID_ARGUMENT', { name: 'rejectResources.match', value: typeof s.rejectResources.match });
    regex(s.rejectResources.match);
    const st = s.rejectResources.status;
    if (st !== undefined && (!Number.isInteger(st) || st < 400 || st > 499)) throw new EngineError('INVALID_ARGUMENT', { name: 'rejectResources.status', value: String(st) });
  }
  if (s.expireOutputs !== undefined && typeof s.expireOutputs === 'object' && s.expireOutputs !== null) nonNegative('expireOutputs.jobs', s.expireOutputs.jobs);
  if (s.nonJson) {
    if (s.nonJson.times !== undefined) nonNegative('nonJson.times', s.nonJson.times);
    regex(s.nonJson.match);
  }
  if (s.dropConnection) {
    if (s.dropConnection.afterBytes !== undefined) nonNegative('dropConnection.afterBytes', s.dropConnection.afterBytes);
    if (s.dropConnection.times !== undefined) nonNegative('dropConnection.times', s.dropConnection.times);
    if (s.dropConnection.skip !== undefined) nonNegative('dropConnection.skip', s.dropConnection.skip);
    regex(s.dropConnection.match);
  }
  if (s.failExportFiles) {
    if (typeof s.failExportFiles.match !== 'string') throw new EngineError('INVALID_ARGUMENT', { name: 'failExportFiles.match', value: typeof s.failExportFiles.match });
    regex(s.failExportFiles.match);
  }
  if (s.misfileResources && s.misfileResources.count !== undefined) nonNegative('misfileResources.count', s.misfileResources.count);
  if (s.paging !== undefined && s.paging !== null && s.paging !== 'total-without-next' && s.paging !== 'no-offset')
    throw new EngineError('INVALID_ARGUMENT', { name: 'paging', value: String(s.paging) });
  if (s.maxCount !== undefined && s.maxCount !== null && !(Number.isInteger(s.maxCount) && s.maxCount >= 1)) throw new EngineError('INVALID_ARGUMENT', { name: 'maxCount', value: String(s.maxCount) });
  if (s.unsearchable && (!Array.isArray(s.unsearchable.types) || !s.unsearchable.types.every((t) => typeof t === 'string')))
    throw new EngineError('INVALID_ARGUMENT', { name: 'unsearchable.types', value: typeof s.unsearchable.types });
  for (const [name, st] of [
    ['unsearchable.status', s.unsearchable?.status],
    ['noUpdateCreate.status', s.noUpdateCreate?.status],
  ] as const) {
    if (st !== undefined && (!Number.isInteger(st) || st < 400 || st > 599)) throw new EngineError('INVALID_ARGUMENT', { name, value: String(st) });
  }
  if (s.serverMeta && (typeof s.serverMeta.extra !== 'object' || s.serverMeta.extra === null))
    throw new EngineError('INVALID_ARGUMENT', { name: 'serverMeta.extra', value: typeof s.serverMeta.extra });
  if (s.stallExports !== undefined && typeof s.stallExports === 'object' && s.stallExports !== null) nonNegative('stallExports.jobs', s.stallExports.jobs);
  if (s.clockOffsetMs !== undefined && (typeof s.clockOffsetMs !== 'number' || !Number.isFinite(s.clockOffsetMs))) {
    throw new EngineError('INVALID_ARGUMENT', { name: 'clockOffsetMs', value: String(s.clockOffsetMs) });
  }
  return s;
}

export class Faults implements FaultController {
  private settings: FaultSettings = {};
  private throttled = 0;
  private errorSeen = 0;
  private truncations = 0;
  private nonJsonSeen = 0;
  private drops = 0;
  private dropSkipped = 0;
  private slowSkipped = 0;
  /** Jobs that stall under `stallExports: { jobs }`, and jobs that do not. */
  private stalledJobs = new Set<string>();
  private runningJobs = new Set<string>();
  /** Jobs whose files were answered 404 under `expireOutputs: { jobs }`, and jobs served normally since. */
  private expiredJobs = new Set<string>();
  private liveJobs = new Set<string>();

  constructor(initial: FaultSettings = {}) {
    this.set(initial);
  }

  set(input: FaultSettings): void {
    const s = parseFaultSettings(input);
    const next: FaultSettings = { ...this.settings };
    for (const k of KEYS) {
      if (!(k in s)) continue;
      const v = s[k];
      if (v === null || v === undefined || (v === false && k !== 'manifestRequiresAccessToken')) delete next[k];
      else (next as Record<string, unknown>)[k] = v;
    }
    this.settings = next;
    if ('tooManyRequests' in s) this.throttled = 0;
    if ('serverError' in s) this.errorSeen = 0;
    if ('truncateNdjson' in s) this.truncations = 0;
    if ('nonJson' in s) this.nonJsonSeen = 0;
    if ('slow' in s) this.slowSkipped = 0;
    if ('dropConnection' in s) {
      this.drops = 0;
      this.dropSkipped = 0;
    }
    if ('expireOutputs' in s) {
      this.expiredJobs = new Set();
      this.liveJobs = new Set();
    }
    if ('stallExports' in s) {
      this.stalledJobs = new Set();
      this.runningJobs = new Set();
    }
  }

  clear(): void {
    const keep: FaultSettings = {};
    if (this.settings.auth) keep.auth = this.settings.auth;
    if (this.settings.clockOffsetMs !== undefined) keep.clockOffsetMs = this.settings.clockOffsetMs;
    this.settings = keep;
    this.throttled = 0;
    this.errorSeen = 0;
    this.truncations = 0;
    this.nonJsonSeen = 0;
    this.drops = 0;
    this.dropSkipped = 0;
    this.slowSkipped = 0;
    this.expiredJobs = new Set();
    this.liveJobs = new Set();
    this.stalledJobs = new Set();
    this.runningJobs = new Set();
  }

  get(): FaultSettings {
    return { ...this.settings };
  }

  get clockOffsetMs(): number {
    return this.settings.clockOffsetMs ?? 0;
  }

  get auth(): SandboxAuth | undefined {
    return this.settings.auth ?? undefined;
  }

  /** Decides a 429 or error status for a request (counts it). */
  onRequest(target: string, nowMs: number): RequestFault {
    const t = this.settings.tooManyRequests;
    if (t && this.throttled < t.count && (regex(t.match)?.test(target) ?? true)) {
      this.throttled++;
      const secs = t.retryAfterSeconds ?? 1;
      const retryAfter = t.retryAfterFormat === 'http-date' ? new Date(nowMs + secs * 1000).toUTCString() : String(Math.ceil(secs));
      return { kind: 'throttle', retryAfter };
    }
    const e = this.settings.serverError;
    if (e && (regex(e.match)?.test(target) ?? true)) {
      this.errorSeen++;
      const times = e.times ?? 1;
      if (this.errorSeen >= e.nth && this.errorSeen < e.nth + times) return { kind: 'error', status: e.status ?? 500 };
    }
    return null;
  }

  delayFor(target: string): number {
    const s = this.settings.slow;
    if (!s || !(regex(s.match)?.test(target) ?? true)) return 0;
    if (this.slowSkipped < (s.skip ?? 0)) {
      this.slowSkipped++;
      return 0;
    }
    return s.delayMs;
  }

  trickleFor(target: string): { chunkBytes: number; intervalMs: number } | null {
    const s = this.settings.trickle;
    return s && (regex(s.match)?.test(target) ?? true) ? { chunkBytes: s.chunkBytes, intervalMs: s.intervalMs } : null;
  }

  /** For an NDJSON output download: null, or the number of full lines to send before cutting (-1: half the file) and whether the file goes on after the cut line. */
  truncateFor(target: string): { afterLines: number; resume: boolean } | null {
    const s = this.settings.truncateNdjson;
    if (!s || !(regex(s.match)?.test(target) ?? true)) return null;
    if (s.times !== undefined && this.truncations >= s.times) return null;
    this.truncations++;
    return { afterLines: s.afterLines ?? -1, resume: s.resume === true };
  }

  /** Whether the output files of this job answer 404 (counts the job when `expireOutputs: { jobs }`). */
  outputsExpired(jobId: string): boolean {
    const e = this.settings.expireOutputs;
    if (e === true) return true;
    if (typeof e !== 'object' || e === null) return false;
    if (this.expiredJobs.has(jobId)) return true;
    if (this.liveJobs.has(jobId)) return false;
    if (this.expiredJobs.size < e.jobs) {
      this.expiredJobs.add(jobId);
      return true;
    }
    this.liveJobs.add(jobId);
    return false;
  }

  /** For a write of type/id: the rejection to answer (status, diagnostics), or null to accept it (rejectResources). */
  rejectionFor(type: string, id: string): { status: number; diagnostics: string } | null {
    const r = this.settings.rejectResources;
    if (!r || !(regex(r.match)?.test(`${type}/${id}`) ?? false)) return null;
    return { status: r.status ?? 422, diagnostics: r.diagnostics ?? `${type}/${id} rejected by the sandbox (rejectResources fault)` };
  }

  /** Whether this request is answered with an HTML page (counts it). */
  nonJsonFor(target: string): boolean {
    const s = this.settings.nonJson;
    if (!s || !(regex(s.match)?.test(target) ?? true)) return false;
    if (s.times !== undefined && this.nonJsonSeen >= s.times) return false;
    this.nonJsonSeen++;
    return true;
  }

  /** Null, or after how many body bytes (-1: half the body) the connection is cut (counts it). */
  dropFor(target: string): number | null {
    const s = this.settings.dropConnection;
    if (!s || !(regex(s.match)?.test(target) ?? true)) return null;
    if (this.dropSkipped < (s.skip ?? 0)) {
      this.dropSkipped++;
      return null;
    }
    if (s.times !== undefined && this.drops >= s.times) return null;
    this.drops++;
    return s.afterBytes ?? -1;
  }

  /** Resources per export output file that move to another type's file (0: none). */
  get misfiledPerFile(): number {
    const m = this.settings.misfileResources;
    return m ? (m.count ?? 1) : 0;
  }

  /** Export output files that fail on the server's side (listed under the manifest's `error`); null: none. */
  get failedExportFiles(): RegExp | null {
    return regex(this.settings.failExportFiles?.match);
  }

  get manifestOrigin(): string | null {
    return this.settings.manifestOrigin ?? null;
  }

  get manifestRequiresAccessToken(): boolean | null {
    return this.settings.manifestRequiresAccessToken ?? null;
  }

  get paging(): 'total-without-next' | 'no-offset' | null {
    return this.settings.paging ?? null;
  }

  get maxCount(): number | null {
    return this.settings.maxCount ?? null;
  }

  get serverMeta(): { extra: Record<string, unknown> } | null {
    return this.settings.serverMeta ?? null;
  }

  get hideExport(): boolean {
    return this.settings.hideExport === true;
  }

  get hideHistory(): boolean {
    return this.settings.hideHistory === true;
  }

  /** The status a search of this type answers, or null when it is searchable. */
  searchRefusal(type: string): number | null {
    const u = this.settings.unsearchable;
    return u && u.types.includes(type) ? (u.status ?? 400) : null;
  }

  /** Refusal of create-by-PUT: null when allowed. */
  get noUpdateCreate(): { status: number; advertise: boolean } | null {
    const n = this.settings.noUpdateCreate;
    return n ? { status: n.status ?? 405, advertise: n.advertise !== false } : null;
  }

  /** Whether this export job never finishes (counts the job when `stallExports: { jobs }`). */
  exportStalled(jobId: string): boolean {
    const s = this.settings.stallExports;
    if (s === true) return true;
    if (typeof s !== 'object' || s === null) return false;
    if (this.stalledJobs.has(jobId)) return true;
    if (this.runningJobs.has(jobId)) return false;
    if (this.stalledJobs.size < s.jobs) {
      this.stalledJobs.add(jobId);
      return true;
    }
    this.runningJobs.add(jobId);
    return false;
  }
}
