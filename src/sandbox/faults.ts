/**
 * Fault switches of the sandbox FHIR server. Set at start (SandboxOptions / `faults`), at runtime with
 * `server.faults.set({...})`, or over HTTP (POST /_sandbox/faults with the same JSON; DELETE clears).
 * `match` is a regular expression tested against the request path and query (e.g. "\\$export", "/Observation").
 * Counters start when a switch is set.
 */
import { EngineError } from '../shared/errors.js';
import type { SandboxAuth } from './auth.js';

export interface FaultSettings {
  /** 429 Too Many Requests for the next `count` requests (matching `match`), with Retry-After in seconds or HTTP-date form. */
  tooManyRequests?: { count: number; match?: string; retryAfterSeconds?: number; retryAfterFormat?: 'seconds' | 'http-date' } | null;
  /** An error status (default 500) on the `nth` request (matching `match`), and the `times - 1` after it (default times 1). */
  serverError?: { nth: number; match?: string; status?: number; times?: number } | null;
  /** Waits `delayMs` before answering matching requests. */
  slow?: { delayMs: number; match?: string } | null;
  /** Sends response bodies in pieces of `chunkBytes` every `intervalMs`. */
  trickle?: { chunkBytes: number; intervalMs: number; match?: string } | null;
  /** Cuts NDJSON output files in the middle of a line after `afterLines` full lines (default half the file), for `times` downloads (default all). */
  truncateNdjson?: { afterLines?: number; match?: string; times?: number } | null;
  /** Output file URLs answer 404, as if the files had expired. */
  expireOutputs?: boolean;
  /** Manifest output URLs point to this origin (e.g. "http://localhost:PORT") instead of the server's own. */
  manifestOrigin?: string | null;
  /** The server clock is the real clock plus this offset (lastUpdated, transactionTime, Date, token expiry). */
  clockOffsetMs?: number;
  /** Credentials required on FHIR requests (not on /metadata or the SMART discovery and token endpoints); null turns auth off. */
  auth?: SandboxAuth | null;
}

export interface FaultController {
  /** Merges switches; a null (or false / 0) value turns that switch off. Resets the counters of the switches given. */
  set(settings: FaultSettings): void;
  /** Turns every fault off (auth and clock offset are kept: they are configuration, change them with set). */
  clear(): void;
  get(): FaultSettings;
}

export type RequestFault = { kind: 'throttle'; retryAfter: string } | { kind: 'error'; status: number } | null;

const KEYS: readonly (keyof FaultSettings)[] = ['tooManyRequests', 'serverError', 'slow', 'trickle', 'truncateNdjson', 'expireOutputs', 'manifestOrigin', 'clockOffsetMs', 'auth'];

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
    regex(s.slow.match);
  }
  if (s.trickle) {
    nonNegative('trickle.intervalMs', s.trickle.intervalMs);
    if (!(s.trickle.chunkBytes >= 1)) throw new EngineError('INVALID_ARGUMENT', { name: 'trickle.chunkBytes', value: String(s.trickle.chunkBytes) });
    regex(s.trickle.match);
  }
  if (s.truncateNdjson) regex(s.truncateNdjson.match);
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

  constructor(initial: FaultSettings = {}) {
    this.set(initial);
  }

  set(input: FaultSettings): void {
    const s = parseFaultSettings(input);
    const next: FaultSettings = { ...this.settings };
    for (const k of KEYS) {
      if (!(k in s)) continue;
      const v = s[k];
      if (v === null || v === undefined || v === false) delete next[k];
      else (next as Record<string, unknown>)[k] = v;
    }
    this.settings = next;
    if ('tooManyRequests' in s) this.throttled = 0;
    if ('serverError' in s) this.errorSeen = 0;
    if ('truncateNdjson' in s) this.truncations = 0;
  }

  clear(): void {
    const keep: FaultSettings = {};
    if (this.settings.auth) keep.auth = this.settings.auth;
    if (this.settings.clockOffsetMs !== undefined) keep.clockOffsetMs = this.settings.clockOffsetMs;
    this.settings = keep;
    this.throttled = 0;
    this.errorSeen = 0;
    this.truncations = 0;
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
    return s && (regex(s.match)?.test(target) ?? true) ? s.delayMs : 0;
  }

  trickleFor(target: string): { chunkBytes: number; intervalMs: number } | null {
    const s = this.settings.trickle;
    return s && (regex(s.match)?.test(target) ?? true) ? { chunkBytes: s.chunkBytes, intervalMs: s.intervalMs } : null;
  }

  /** For an NDJSON output download: null, or the number of full lines to send before cutting (-1: half the file). */
  truncateFor(target: string): number | null {
    const s = this.settings.truncateNdjson;
    if (!s || !(regex(s.match)?.test(target) ?? true)) return null;
    if (s.times !== undefined && this.truncations >= s.times) return null;
    this.truncations++;
    return s.afterLines ?? -1;
  }

  get outputsExpired(): boolean {
    return this.settings.expireOutputs === true;
  }

  get manifestOrigin(): string | null {
    return this.settings.manifestOrigin ?? null;
  }
}
