/**
 * The sandbox's resource store: raw JSON bytes per version, never re-serialised.
 *
 * - Every write appends an immutable VersionRecord to one append-only log (the system history). Records of
 *   one resource are chained newest → oldest through `prev`; `current` maps type/id to the newest record.
 * - lastUpdated is issued by the server clock and is strictly increasing in log order, so log order is
 *   _lastUpdated order: _since / _lastUpdated filters are binary searches, and paging by log position is stable.
 * - `barrier()` (export kick-off) returns a transactionTime T and makes every later write get lastUpdated > T,
 *   so "state as of T" is "records with seq ≤ S" and a later `_since=T` cannot miss a change.
 * Bodies are Buffers (off the V8 heap, pooled for small sizes): ~1 GB of resources is held once.
 */
import { randomUUID } from 'node:crypto';
import { EngineError } from '../shared/index.js';
import { minify, resourceHead, withServerMeta, type ResourceHead } from './jsontext.js';
import { patientOf } from './synthetic.js';

export type WriteMethod = 'POST' | 'PUT' | 'DELETE';

export interface VersionRecord {
  readonly seq: number;
  readonly type: string;
  readonly id: string;
  readonly vid: number;
  readonly ms: number;
  readonly lastUpdated: string;
  readonly method: WriteMethod;
  /** The stored bytes; null for a deletion. */
  readonly body: Buffer | null;
  readonly patientId: string | null;
  readonly prev: VersionRecord | null;
}

export interface PreparedWrite {
  readonly type: string;
  readonly id: string;
  readonly text: string;
  readonly head: ResourceHead;
  readonly method: 'POST' | 'PUT';
  readonly patientId: string | null;
}

export const TYPE_RE = /^[A-Z][A-Za-z]{1,63}$/;
export const ID_RE = /^[A-Za-z0-9\-.]{1,64}$/;

export function fhirError(status: number, issue: string, diagnostics: string): EngineError {
  const code = status === 404 || status === 410 ? 'RESOURCE_NOT_FOUND' : status === 401 ? 'UNAUTHORIZED' : status >= 500 ? 'INTERNAL' : 'INVALID_ARGUMENT';
  return new EngineError(code, { status, issue, diagnostics });
}

const META_HEAD = /"meta":\{"versionId":"(\d+)","lastUpdated":"([^"]+)"/;

/** First index in [lo, hi) of a log (ordered by ms) whose record has ms > t (or ≥ t when inclusive). */
export function lowerBoundMs(log: readonly VersionRecord[], t: number, inclusive: boolean, lo = 0, hi = log.length): number {
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    const ms = (log[mid] as VersionRecord).ms;
    if (inclusive ? ms < t : ms <= t) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** First index of a log with seq > s (logs are ordered by seq). */
export function upperBoundSeq(log: readonly VersionRecord[], s: number): number {
  let lo = 0;
  let hi = log.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if ((log[mid] as VersionRecord).seq <= s) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

export class ResourceStore {
  /** System history, oldest first. */
  readonly log: VersionRecord[] = [];
  private readonly typeLogs = new Map<string, VersionRecord[]>();
  private readonly current = new Map<string, Map<string, VersionRecord>>();
  private readonly live = new Map<string, number>();
  private lastMs = 0;

  constructor(
    private readonly clock: () => number,
    /** Extra server-managed meta members stamped on every write (a fault switch), or none. */
    private readonly metaExtra: () => Readonly<Record<string, unknown>> | null = () => null,
  ) {}

  /** The last issued sequence number (0 when empty). */
  get seq(): number {
    return this.log.length;
  }

  private stamp(): number {
    const t = Math.max(Math.floor(this.clock()), this.lastMs + 1);
    this.lastMs = t;
    return t;
  }

  /** A transactionTime T (server clock) with every record of seq ≤ S at or before T and every later write after T. */
  barrier(): { ms: number; seq: number } {
    const t = Math.max(Math.floor(this.clock()), this.lastMs);
    this.lastMs = t;
    return { ms: t, seq: this.log.length };
  }

  private append(rec: Omit<VersionRecord, 'seq'>): VersionRecord {
    const full: VersionRecord = { ...rec, seq: this.log.length + 1 };
    this.log.push(full);
    let tl = this.typeLogs.get(rec.type);
    if (!tl) {
      tl = [];
      this.typeLogs.set(rec.type, tl);
    }
    tl.push(full);
    let m = this.current.get(rec.type);
    if (!m) {
      m = new Map();
      this.current.set(rec.type, m);
    }
    const before = m.get(rec.id);
    const wasLive = before !== undefined && before.body !== null;
    const isLive = full.body !== null;
    if (wasLive !== isLive) this.live.set(rec.type, (this.live.get(rec.type) ?? 0) + (isLive ? 1 : -1));
    m.set(rec.id, full);
    return full;
  }

  read(type: string, id: string): VersionRecord | undefined {
    return this.current.get(type)?.get(id);
  }

  version(type: string, id: string, vid: number): VersionRecord | undefined {
    for (let r = this.read(type, id) ?? null; r; r = r.prev) if (r.vid === vid) return r;
    return undefined;
  }

  /** The record of rec's resource as it was at sequence s (undefined when it did not exist yet). */
  asOf(rec: VersionRecord, s: number): VersionRecord | undefined {
    for (let r = this.read(rec.type, rec.id) ?? null; r; r = r.prev) if (r.seq <= s) return r;
    return undefined;
  }

  isCurrent(rec: VersionRecord): boolean {
    return this.read(rec.type, rec.id) === rec;
  }

  typeLog(type: string): readonly VersionRecord[] {
    return this.typeLogs.get(type) ?? [];
  }

  types(): string[] {
    return [...this.typeLogs.keys()].sort();
  }

  count(type?: string): number {
    if (type !== undefined) return this.live.get(type) ?? 0;
    let n = 0;
    for (const v of this.live.values()) n += v;
    return n;
  }

  *liveRecords(type?: string): Generator<VersionRecord> {
    const types = type === undefined ? this.types() : [type];
    for (const t of types) {
      for (const r of this.current.get(t)?.values() ?? []) if (r.body !== null) yield r;
    }
  }

  /**
   * Checks a create/update without writing (transactions validate every entry first). The server assigns
   * id (POST; `newId` or a random UUID), meta.versionId and meta.lastUpdated; only those members are
   * rewritten at commit. Text with line breaks is minified first (NDJSON needs one line per resource);
   * numbers and strings are never touched.
   */
  prepare(type: string, id: string | undefined, input: string, opts: { method: 'POST' | 'PUT'; ifMatch?: string | undefined; newId?: string }): PreparedWrite {
    if (!TYPE_RE.test(type)) throw fhirError(400, 'invalid', `invalid resource type "${type}"`);
    let text = input.charCodeAt(0) === 0xfeff ? input.slice(1) : input;
    text = text.trim();
    if (/[\r\n]/.test(text)) text = minify(text);
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      throw fhirError(400, 'structure', 'the body is not valid JSON');
    }
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw fhirError(400, 'structure', 'the body is not a JSON object');
    const head = resourceHead(text);
    if (head.resourceType !== type) throw fhirError(400, 'invalid', `resourceType "${head.resourceType}" does not match "${type}"`);
    let finalId: string;
    if (opts.method === 'POST') {
      finalId = opts.newId ?? randomUUID();
    } else {
      if (id === undefined || !ID_RE.test(id)) throw fhirError(400, 'invalid', `invalid id "${String(id)}"`);
      if (head.id !== undefined && head.id !== id) throw fhirError(400, 'invalid', `the body id "${head.id}" does not match the URL id "${id}"`);
      finalId = id;
    }
    if (opts.ifMatch !== undefined) {
      const cur = this.read(type, finalId);
      const want = /^(?:W\/)?"?([^"]*)"?$/.exec(opts.ifMatch.trim())?.[1];
      if (!cur || cur.body === null || String(cur.vid) !== want) throw fhirError(412, 'conflict', `version conflict: If-Match ${opts.ifMatch}, current ${cur ? cur.vid : 'none'}`);
    }
    const patientId = patientOf({ ...(parsed as Record<string, unknown>), id: finalId });
    return { type, id: finalId, text, head, method: opts.method, patientId };
  }

  /** Writes a prepared create/update (cannot fail). */
  commit(p: PreparedWrite): VersionRecord {
    const cur = this.read(p.type, p.id);
    const vid = cur ? cur.vid + 1 : 1;
    const ms = this.stamp();
    const lastUpdated = new Date(ms).toISOString();
    const extra = this.metaExtra();
    const stored = withServerMeta(p.text, p.head, { id: p.id, versionId: String(vid), lastUpdated, ...(extra ? { extra } : {}) });
    return this.append({ type: p.type, id: p.id, vid, ms, lastUpdated, method: p.method, body: Buffer.from(stored, 'utf8'), patientId: p.patientId, prev: cur ?? null });
  }

  write(type: string, id: string | undefined, input: string, opts: { method: 'POST' | 'PUT'; ifMatch?: string | undefined }): VersionRecord {
    return this.commit(this.prepare(type, id, input, opts));
  }

  /**
   * Loads a resource as given (seeding): keeps its meta.versionId and meta.lastUpdated when they are in the
   * generator's form and later than everything stored; otherwise the server stamps it like a PUT.
   */
  load(type: string, id: string, text: string, patientId: string | null): VersionRecord {
    const m = META_HEAD.exec(text);
    const ms = m ? Date.parse(m[2] ?? '') : NaN;
    const cur = this.read(type, id);
    if (!m || cur !== undefined || !Number.isFinite(ms) || ms <= this.lastMs || new Date(ms).toISOString() !== m[2]) {
      return this.write(type, id, text, { method: 'PUT' });
    }
    this.lastMs = ms;
    return this.append({ type, id, vid: Number(m[1]), ms, lastUpdated: m[2] ?? '', method: 'PUT', body: Buffer.from(text, 'utf8'), patientId, prev: null });
  }

  /** Deletes a resource; returns the DELETE record, or undefined when there was nothing live to delete. */
  delete(type: string, id: string): VersionRecord | undefined {
    const cur = this.read(type, id);
    if (!cur || cur.body === null) return undefined;
    const ms = this.stamp();
    return this.append({ type, id, vid: cur.vid + 1, ms, lastUpdated: new Date(ms).toISOString(), method: 'DELETE', body: null, patientId: cur.patientId, prev: cur });
  }
}
