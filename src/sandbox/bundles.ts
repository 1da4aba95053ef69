/**
 * Search, history and transaction/batch logic of the sandbox, producing Bundle bytes with the stored
 * resource bytes spliced in verbatim.
 */
import { randomUUID } from 'node:crypto';
import { EngineError } from '../shared/index.js';
import { parseInstant } from './bulk.js';
import { arrayElements, objectMembers, skipWs } from './jsontext.js';
import { fhirError, ID_RE, lowerBoundMs, TYPE_RE, type PreparedWrite, type ResourceStore, type VersionRecord } from './store.js';
import { patientIdOfReference } from './synthetic.js';

const DEFAULT_COUNT = 100;
const MAX_COUNT = 5000;

type Piece = Buffer | string;
const toBuffer = (pieces: readonly Piece[]): Buffer => Buffer.concat(pieces.map((p) => (typeof p === 'string' ? Buffer.from(p, 'utf8') : p)));
const q = (s: string): string => JSON.stringify(s);

export const etag = (r: VersionRecord): string => `W/"${r.vid}"`;

interface Cursor {
  p: number;
  n: number;
  lo?: number;
  hi?: number;
  t?: number;
}

function encodeCursor(c: Cursor): string {
  return Buffer.from(JSON.stringify(c)).toString('base64url');
}
function decodeCursor(s: string): Cursor {
  try {
    const v: unknown = JSON.parse(Buffer.from(s, 'base64url').toString('utf8'));
    const c = v as Cursor;
    if (typeof c.p === 'number' && typeof c.n === 'number') return c;
  } catch {
    // fall through
  }
  throw fhirError(400, 'invalid', 'invalid or expired paging cursor');
}

function parseCount(v: string | null): number {
  if (v === null) return DEFAULT_COUNT;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0) throw fhirError(400, 'invalid', `_count must be a non-negative integer, got "${v}"`);
  return Math.min(n, MAX_COUNT);
}

function parseOffset(v: string | null): number {
  if (v === null) return 0;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0) throw fhirError(400, 'invalid', `_offset must be a non-negative integer, got "${v}"`);
  return n;
}

/** The [start, end) ms range a date/dateTime/instant stands for, by its precision. */
function precisionRange(value: string): [number, number] {
  const m = /^(\d{4})(?:-(\d{2})(?:-(\d{2})(?:T(\d{2}):(\d{2})(?::(\d{2})(\.\d+)?)?(Z|[+-]\d{2}:\d{2})?)?)?)?$/.exec(value);
  if (!m) throw fhirError(400, 'invalid', `invalid date "${value}"`);
  const [, y, mo, d, h, mi, s, frac, tz] = m;
  if (mo === undefined) return [Date.UTC(Number(y), 0, 1), Date.UTC(Number(y) + 1, 0, 1)];
  if (d === undefined) return [Date.UTC(Number(y), Number(mo) - 1, 1), Date.UTC(Number(y), Number(mo), 1)];
  if (h === undefined) return [Date.UTC(Number(y), Number(mo) - 1, Number(d)), Date.UTC(Number(y), Number(mo) - 1, Number(d) + 1)];
  const start = Date.parse(`${y}-${mo}-${d}T${h}:${mi}:${s ?? '00'}${frac ? frac.slice(0, 4) : ''}${tz ?? 'Z'}`);
  if (!Number.isFinite(start)) throw fhirError(400, 'invalid', `invalid date "${value}"`);
  const step = s === undefined ? 60_000 : frac === undefined ? 1000 : 1;
  return [start, start + step];
}

/** Folds _lastUpdated values (gt/ge/lt/le/eq prefixes) into one [lo, hi) ms range. */
export function lastUpdatedRange(values: readonly string[]): [number, number] {
  let lo = -Infinity;
  let hi = Infinity;
  for (const raw of values) {
    const m = /^(gt|ge|lt|le|eq|sa|eb)?(.+)$/.exec(raw);
    const prefix = m?.[1] ?? 'eq';
    const [s, e] = precisionRange(m?.[2] ?? raw);
    if (prefix === 'gt' || prefix === 'sa') lo = Math.max(lo, e);
    else if (prefix === 'ge') lo = Math.max(lo, s);
    else if (prefix === 'lt' || prefix === 'eb') hi = Math.min(hi, s);
    else if (prefix === 'le') hi = Math.min(hi, e);
    else {
      lo = Math.max(lo, s);
      hi = Math.min(hi, e);
    }
  }
  return [lo, hi];
}

function patientFilter(v: string | null): string | null {
  if (v === null) return null;
  if (ID_RE.test(v)) return v;
  return patientIdOfReference(v) ?? '\u0000no-match';
}

/** The page URL: the request's query with _cursor replaced. */
function pageUrl(selfUrl: URL, cursor: string): string {
  const u = new URL(selfUrl.href);
  u.searchParams.delete('_cursor');
  u.searchParams.set('_cursor', cursor);
  return u.href;
}

function bundleHead(type: string, nowMs: number, total: number | null, self: string, next: string | null): string {
  const links = [`{"relation":"self","url":${q(self)}}`];
  if (next) links.push(`{"relation":"next","url":${q(next)}}`);
  return (
    `{"resourceType":"Bundle","id":"${randomUUID()}","meta":{"lastUpdated":"${new Date(nowMs).toISOString()}"},"type":"${type}"` +
    (total === null ? '' : `,"total":${total}`) +
    `,"link":[${links.join(',')}]`
  );
}

export interface SearchInput {
  store: ResourceStore;
  base: string;
  type: string;
  params: URLSearchParams;
  selfUrl: URL;
  nowMs: number;
  compartmentPatient?: string;
  /** Paging fault: no next links (rest by _offset), or also _offset ignored. */
  paging?: 'total-without-next' | 'no-offset' | null;
  /** Page size cap fault: at most this many entries per page, whatever `_count` asks. */
  maxCount?: number | null;
}

/** Type-level search: _lastUpdated, _id, patient / subject, _count, _sort=(-)_lastUpdated, _summary=count, _total=none. */
export function searchType(input: SearchInput): Buffer {
  const { store, base, type, params } = input;
  if (!TYPE_RE.test(type)) throw fhirError(404, 'not-found', `unknown resource type ${type}`);
  const count = Math.min(parseCount(params.get('_count')), input.maxCount ?? MAX_COUNT);
  const sort = params.get('_sort') ?? '_lastUpdated';
  if (sort !== '_lastUpdated' && sort !== '-_lastUpdated') throw fhirError(400, 'not-supported', `_sort=${sort} is not supported (use _lastUpdated or -_lastUpdated)`);
  const desc = sort === '-_lastUpdated';
  const [loMs, hiMs] = lastUpdatedRange(params.getAll('_lastUpdated'));
  const patient = input.compartmentPatient ?? patientFilter(params.get('patient') ?? params.get('subject'));
  const idParam = params.get('_id');
  const ids = idParam === null ? null : new Set(idParam.split(','));
  const summaryCount = params.get('_summary') === 'count';
  const wantTotal = params.get('_total') !== 'none';

  const log = store.typeLog(type);
  const lo = loMs === -Infinity ? 0 : lowerBoundMs(log, loMs, true);
  const hi = hiMs === Infinity ? log.length : lowerBoundMs(log, hiMs, true);
  const match = (r: VersionRecord): boolean => r.body !== null && store.isCurrent(r) && (patient === null || r.patientId === patient) && (ids === null || ids.has(r.id));

  const cursorText = params.get('_cursor');
  const cursor = cursorText === null ? null : decodeCursor(cursorText);
  let total = cursor ? cursor.n : -1;
  if (!cursor && (wantTotal || summaryCount)) {
    total = 0;
    for (let i = lo; i < hi; i++) if (match(log[i] as VersionRecord)) total++;
  }
  const totalOut = total >= 0 ? total : null;
  if (summaryCount || count === 0) {
    return toBuffer([bundleHead('searchset', input.nowMs, totalOut, input.selfUrl.href, null), '}']);
  }
  const pieces: Piece[] = [];
  let found = 0;
  let next: number | null = null;
  const step = desc ? -1 : 1;
  // _offset (honoured only without next links, like servers that page that way; "no-offset" ignores it).
  let skip = input.paging === 'total-without-next' ? parseOffset(params.get('_offset')) : 0;
  for (let i = cursor ? cursor.p : desc ? hi - 1 : lo; desc ? i >= lo : i < hi; i += step) {
    const r = log[i] as VersionRecord;
    if (!match(r)) continue;
    if (skip > 0) {
      skip--;
      continue;
    }
    if (found === count) {
      next = input.paging ? null : i;
      break;
    }
    pieces.push(found === 0 ? '' : ',', `{"fullUrl":${q(`${base}/${r.type}/${r.id}`)},"resource":`, r.body as Buffer, `,"search":{"mode":"match"}}`);
    found++;
  }
  const nextUrl = next === null ? null : pageUrl(input.selfUrl, encodeCursor({ p: next, n: total }));
  return toBuffer([bundleHead('searchset', input.nowMs, totalOut, input.selfUrl.href, nextUrl), ',"entry":[', ...pieces, ']}']);
}

function historyEntry(base: string, r: VersionRecord): Piece[] {
  const fullUrl = q(`${base}/${r.type}/${r.id}`);
  const lastModified = q(r.lastUpdated);
  if (r.body === null) {
    return [`{"fullUrl":${fullUrl},"request":{"method":"DELETE","url":"${r.type}/${r.id}"},"response":{"status":"204 No Content","etag":${q(etag(r))},"lastModified":${lastModified}}}`];
  }
  const created = r.prev === null || r.prev.body === null;
  const url = r.method === 'POST' ? r.type : `${r.type}/${r.id}`;
  return [
    `{"fullUrl":${fullUrl},"resource":`,
    r.body,
    `,"request":{"method":"${r.method}","url":"${url}"},"response":{"status":"${created ? '201 Created' : '200 OK'}","etag":${q(etag(r))},"lastModified":${lastModified}}}`,
  ];
}

export interface HistoryInput {
  store: ResourceStore;
  base: string;
  /** Records oldest first (ms non-decreasing). */
  log: readonly VersionRecord[];
  params: URLSearchParams;
  selfUrl: URL;
  nowMs: number;
}

/**
 * History (system, type or instance) with _since (inclusive), _count paging and deletions as DELETE entries.
 * Newest first by default (as the spec says); `_sort=_lastUpdated` gives oldest first. Paging is pinned to
 * the log as it was at the first page.
 */
export function history(input: HistoryInput): Buffer {
  const { log, params } = input;
  const count = parseCount(params.get('_count'));
  const sort = params.get('_sort') ?? '-_lastUpdated';
  if (sort !== '_lastUpdated' && sort !== '-_lastUpdated') throw fhirError(400, 'not-supported', `_sort=${sort} is not supported on history`);
  const asc = sort === '_lastUpdated';
  const cursorText = params.get('_cursor');
  let lo: number;
  let hi: number;
  let p: number;
  let t: number;
  if (cursorText !== null) {
    const c = decodeCursor(cursorText);
    lo = c.lo ?? 0;
    hi = c.hi ?? 0;
    p = c.p;
    t = c.t ?? input.nowMs;
    if (lo < 0 || hi > log.length || lo > hi) throw fhirError(400, 'invalid', 'invalid paging cursor');
  } else {
    const since = params.get('_since');
    let sinceMs = -Infinity;
    if (since !== null) {
      const ms = parseInstant(since);
      if (ms === null) throw fhirError(400, 'invalid', `_since: "${since}" is not an instant`);
      sinceMs = ms;
    }
    hi = log.length;
    lo = sinceMs === -Infinity ? 0 : lowerBoundMs(log, sinceMs, true);
    p = asc ? lo : hi - 1;
    t = input.nowMs;
  }
  const pieces: Piece[] = [];
  let n = 0;
  for (; asc ? p < hi : p >= lo; p += asc ? 1 : -1) {
    if (n === count) break;
    if (n > 0) pieces.push(',');
    pieces.push(...historyEntry(input.base, log[p] as VersionRecord));
    n++;
  }
  const more = asc ? p < hi : p >= lo;
  const next = more ? pageUrl(input.selfUrl, encodeCursor({ p, n: hi - lo, lo, hi, t })) : null;
  return toBuffer([bundleHead('history', t, hi - lo, input.selfUrl.href, next), ',"entry":[', ...pieces, ']}']);
}

// ---------------------------------------------------------------------------------------------
// transaction and batch

interface EntryIn {
  index: number;
  method: 'GET' | 'PUT' | 'POST' | 'DELETE';
  type: string;
  id: string | undefined;
  vid: number | undefined;
  fullUrl: string | undefined;
  ifMatch: string | undefined;
  resource: string | undefined;
}

interface EntryOut {
  status: string;
  record?: VersionRecord;
  outcome?: string;
  withResource?: boolean;
}

export function operationOutcome(issue: string, diagnostics: string, severity = 'error'): string {
  return JSON.stringify({ resourceType: 'OperationOutcome', issue: [{ severity, code: issue, diagnostics }] });
}

function outcomeOf(err: unknown): { status: number; text: string } {
  if (err instanceof EngineError && typeof err.details['status'] === 'number') {
    return { status: err.details['status'], text: operationOutcome(String(err.details['issue'] ?? 'processing'), String(err.details['diagnostics'] ?? err.code)) };
  }
  return { status: 500, text: operationOutcome('exception', 'internal error') };
}

const STATUS_TEXT: Record<number, string> = {
  200: 'OK',
  201: 'Created',
  204: 'No Content',
  400: 'Bad Request',
  403: 'Forbidden',
  404: 'Not Found',
  405: 'Method Not Allowed',
  409: 'Conflict',
  410: 'Gone',
  412: 'Precondition Failed',
  422: 'Unprocessable Entity',
  500: 'Internal Server Error',
};
const statusLine = (n: number): string => `${n} ${STATUS_TEXT[n] ?? ''}`.trim();

function parseEntryUrl(raw: string, base: string): { type: string; id?: string; vid?: number } {
  let url = raw.startsWith(`${base}/`) ? raw.slice(base.length + 1) : raw;
  url = url.replace(/^\/+/, '');
  if (url.includes('?')) throw fhirError(400, 'not-supported', `conditional operations are not supported (${raw})`);
  const seg = url.split('/').filter((s) => s.length > 0);
  const [type, id, h, v] = seg;
  if (type === undefined || !TYPE_RE.test(type)) throw fhirError(400, 'invalid', `invalid request.url "${raw}"`);
  if (id !== undefined && !ID_RE.test(id)) throw fhirError(400, 'invalid', `invalid id in "${raw}"`);
  if (seg.length === 4 && h === '_history' && v !== undefined && /^\d+$/.test(v)) return { type, id: id as string, vid: Number(v) };
  if (seg.length > 2) throw fhirError(400, 'not-supported', `request.url "${raw}" is not supported`);
  return id === undefined ? { type } : { type, id };
}

function parseBundle(text: string, base: string): { kind: 'transaction' | 'batch'; entries: (EntryIn | EngineError)[] } {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw fhirError(400, 'structure', 'the body is not valid JSON');
  }
  const b = parsed as { resourceType?: unknown; type?: unknown };
  if (b.resourceType !== 'Bundle') throw fhirError(400, 'invalid', 'POST to the base needs a Bundle');
  if (b.type !== 'transaction' && b.type !== 'batch') throw fhirError(400, 'invalid', 'Bundle.type must be transaction or batch');
  const members = objectMembers(text, skipWs(text, 0));
  const entryMember = members.find((m) => m.key === 'entry');
  const elements = entryMember ? arrayElements(text, entryMember.value.start) : [];
  const entries = elements.map((el, index): EntryIn | EngineError => {
    try {
      const em = objectMembers(text, el.start);
      const get = (k: string): string | undefined => {
        const m = em.find((x) => x.key === k);
        return m ? text.slice(m.value.start, m.value.end) : undefined;
      };
      const requestText = get('request');
      const request = (requestText ? JSON.parse(requestText) : {}) as { method?: unknown; url?: unknown; ifMatch?: unknown };
      const method = request.method;
      if (method !== 'GET' && method !== 'PUT' && method !== 'POST' && method !== 'DELETE') throw fhirError(400, 'invalid', `entry ${index}: request.method must be GET, PUT, POST or DELETE`);
      if (typeof request.url !== 'string') throw fhirError(400, 'invalid', `entry ${index}: request.url is required`);
      const u = parseEntryUrl(request.url, base);
      if ((method === 'PUT' || method === 'DELETE') && u.id === undefined) throw fhirError(400, 'invalid', `entry ${index}: ${method} needs Type/id`);
      if (method === 'POST' && u.id !== undefined) throw fhirError(400, 'invalid', `entry ${index}: POST needs a type URL`);
      if (method === 'GET' && u.id === undefined) throw fhirError(400, 'not-supported', `entry ${index}: searches in bundles are not supported`);
      const resource = get('resource');
      if ((method === 'PUT' || method === 'POST') && resource === undefined) throw fhirError(400, 'required', `entry ${index}: ${method} needs a resource`);
      const fullUrlText = get('fullUrl');
      const fullUrl: unknown = fullUrlText ? JSON.parse(fullUrlText) : undefined;
      return {
        index,
        method,
        type: u.type,
        id: u.id,
        vid: u.vid,
        fullUrl: typeof fullUrl === 'string' ? fullUrl : undefined,
        ifMatch: typeof request.ifMatch === 'string' ? request.ifMatch : undefined,
        resource,
      };
    } catch (err) {
      if (err instanceof EngineError) return err;
      return fhirError(400, 'structure', `entry ${index} is malformed`);
    }
  });
  return { kind: b.type, entries };
}

function readEntry(store: ResourceStore, e: EntryIn): EntryOut {
  const r = e.vid !== undefined ? store.version(e.type, e.id as string, e.vid) : store.read(e.type, e.id as string);
  if (!r) return { status: statusLine(404), outcome: operationOutcome('not-found', `${e.type}/${e.id} not found`) };
  if (r.body === null) return { status: statusLine(410), outcome: operationOutcome('deleted', `${e.type}/${e.id} was deleted`) };
  return { status: statusLine(200), record: r, withResource: true };
}

function writeOut(r: VersionRecord, withResource: boolean): EntryOut {
  const created = r.prev === null || r.prev.body === null;
  return { status: statusLine(created ? 201 : 200), record: r, withResource };
}

function responseBundle(kind: string, outs: readonly EntryOut[], nowMs: number): Buffer {
  const pieces: Piece[] = [`{"resourceType":"Bundle","id":"${randomUUID()}","meta":{"lastUpdated":"${new Date(nowMs).toISOString()}"},"type":"${kind}-response","entry":[`];
  outs.forEach((o, i) => {
    if (i > 0) pieces.push(',');
    pieces.push('{');
    if (o.record && o.record.body !== null && o.withResource) pieces.push('"resource":', o.record.body, ',');
    const r = o.record;
    const resp: string[] = [`"status":${q(o.status)}`];
    if (r && r.body !== null) resp.push(`"location":${q(`${r.type}/${r.id}/_history/${r.vid}`)}`);
    if (r) resp.push(`"etag":${q(etag(r))}`, `"lastModified":${q(r.lastUpdated)}`);
    if (o.outcome) resp.push(`"outcome":${o.outcome}`);
    pieces.push(`"response":{${resp.join(',')}}}`);
  });
  pieces.push(']}');
  return toBuffer(pieces);
}

const URN_REF = /"(urn:uuid:[0-9A-Za-z-]+)"/g;

/**
 * Processes a transaction (all-or-nothing: every entry is checked before anything is written; order
 * DELETE, POST, PUT, GET; urn:uuid references to POSTed entries are rewritten) or a batch (entries one by
 * one; a failure becomes that entry's response with an OperationOutcome).
 */
export function processBundle(
  store: ResourceStore,
  base: string,
  text: string,
  opts: {
    returnResources: boolean;
    nowMs: number;
    reject?: (type: string, id: string) => { status: number; diagnostics: string } | null;
    /** No create-by-PUT: the status a PUT of an id the server does not hold answers (fault switch). */
    noUpdateCreate?: number | null;
  },
): Buffer {
  const { kind, entries } = parseBundle(text, base);
  const refuseCreateByPut = (e: EntryIn): void => {
    if (!opts.noUpdateCreate || e.method !== 'PUT') return;
    const cur = store.read(e.type, e.id as string);
    if (!cur || cur.body === null)
      throw fhirError(opts.noUpdateCreate, 'not-supported', `entry ${e.index}: ${e.type}/${e.id} does not exist and this server does not create resources by PUT (use POST)`);
  };
  /** Throws the rejection fault's error for a write the fault refuses (see faults.ts rejectResources). */
  const checkRejected = (type: string, id: string | undefined, index: number): void => {
    const r = opts.reject?.(type, id ?? '');
    if (r) throw fhirError(r.status, 'processing', `entry ${index}: ${r.diagnostics}`);
  };
  if (kind === 'batch') {
    const outs = entries.map((e): EntryOut => {
      if (e instanceof EngineError) {
        const o = outcomeOf(e);
        return { status: statusLine(o.status), outcome: o.text };
      }
      try {
        if (e.method === 'GET') return readEntry(store, e);
        if (e.method === 'DELETE') {
          const r = store.delete(e.type, e.id as string);
          return r ? { status: statusLine(204), record: r } : { status: statusLine(204) };
        }
        checkRejected(e.type, e.id, e.index);
        refuseCreateByPut(e);
        return writeOut(store.write(e.type, e.id, e.resource as string, { method: e.method, ifMatch: e.ifMatch }), opts.returnResources);
      } catch (err) {
        const o = outcomeOf(err);
        return { status: statusLine(o.status), outcome: o.text };
      }
    });
    return responseBundle('batch', outs, opts.nowMs);
  }
  // transaction: validate everything first
  const ok: EntryIn[] = [];
  for (const e of entries) {
    if (e instanceof EngineError) throw e;
    ok.push(e);
  }
  const newIds = new Map<number, string>();
  const urns = new Map<string, string>();
  for (const e of ok) {
    if (e.method !== 'POST') continue;
    const id = randomUUID();
    newIds.set(e.index, id);
    if (e.fullUrl?.startsWith('urn:uuid:')) urns.set(e.fullUrl, `${e.type}/${id}`);
  }
  const targets = new Set<string>();
  const prepared = new Map<number, PreparedWrite>();
  for (const e of ok) {
    if (e.method === 'GET') continue;
    const key = `${e.type}/${e.id ?? newIds.get(e.index)}`;
    if (targets.has(key)) throw fhirError(400, 'invalid', `entry ${e.index}: ${key} appears twice in the transaction`);
    targets.add(key);
    if (e.method === 'DELETE') continue;
    checkRejected(e.type, e.id ?? newIds.get(e.index), e.index);
    refuseCreateByPut(e);
    const resource =
      urns.size > 0
        ? (e.resource as string).replace(URN_REF, (whole, urn: string) => {
            const ref = urns.get(urn);
            return ref ? q(ref) : whole;
          })
        : (e.resource as string);
    try {
      const newId = newIds.get(e.index);
      prepared.set(e.index, store.prepare(e.type, e.id, resource, { method: e.method, ifMatch: e.ifMatch, ...(newId ? { newId } : {}) }));
    } catch (err) {
      if (err instanceof EngineError && typeof err.details['status'] === 'number') {
        throw new EngineError(err.code, { ...err.details, diagnostics: `entry ${e.index}: ${String(err.details['diagnostics'])}` });
      }
      throw err;
    }
  }
  for (const e of ok) {
    if (e.method !== 'GET') continue;
    const out = readEntry(store, e);
    if (!out.record) throw fhirError(404, 'not-found', `entry ${e.index}: ${e.type}/${e.id} not found`);
  }
  // commit (cannot fail from here on)
  const outs = new Array<EntryOut>(ok.length);
  for (const phase of ['DELETE', 'POST', 'PUT', 'GET'] as const) {
    for (const e of ok) {
      if (e.method !== phase) continue;
      if (phase === 'DELETE') {
        const r = store.delete(e.type, e.id as string);
        outs[e.index] = r ? { status: statusLine(204), record: r } : { status: statusLine(204) };
      } else if (phase === 'GET') {
        outs[e.index] = readEntry(store, e);
      } else {
        outs[e.index] = writeOut(store.commit(prepared.get(e.index) as PreparedWrite), opts.returnResources);
      }
    }
  }
  return responseBundle('transaction', outs, opts.nowMs);
}
