/**
 * The three ways to read a FHIR server, as one stream of events for the archiver:
 *  - bulk $export (FHIR Bulk Data): kick-off with Prefer: respond-async (tried even when the CapabilityStatement
 *    does not list it; a 4xx then means "not offered"), poll with Retry-After, download NDJSON files in parallel
 *    (streamed, back-pressured by the consumer), deleted list, error files; the job is remembered (with its
 *    server) so a crashed run resumes it, deleted on the server when abandoned, replaced by a fresh one when a
 *    resumed job makes no progress, and restarted once if its files expire (the consumer then forgets what the
 *    expired job gave: "restart"). Output files follow the manifest's requiresAccessToken: with `false` they may
 *    live on any https host (or loopback http) and get no token; with `true` the token goes only to the server's
 *    own origin and to hosts allowed in settings;
 *  - _history (system level), newest first: the first entry per resource wins, DELETE entries are deletions;
 *  - search paging per type (_count, next links or _offset with total: paging.ts), ordered by _lastUpdated;
 *    a type the server refuses to search is skipped ("not-covered"), never the end of the run; search shows no
 *    deletions, so an incremental run compares each type's count (_summary=count) with the snapshot's and, when
 *    they differ, lists that type in full ("listed": what was not seen is gone).
 * Resources are yielded as the server's bytes. `transactionTime` is always the server's clock.
 */
import { readFile, rm } from 'node:fs/promises';
import { EngineError, isEngineError, type ProgressListener, throwIfAborted, writePrivateFile } from '../../shared/index.js';
import { entryResourceSpans, resourceBytes } from './bundleSpans.js';
import { defaultSleep, displayUrl, parseRetryAfter, type FhirHttp, type RequestAccess } from './http.js';
import { ndjsonBlocks, ndjsonLines, type NdjsonBlock } from './ndjsonBody.js';
import { searchPages, type BundleEntry, type PagingResult, type SearchPage } from './paging.js';

/** Things a run should tell the clinic about although it succeeded (kept in the snapshot and the run log). */
export type SourceWarningCode = 'EXPORT_STUCK_RESTARTED' | 'EXPORT_NOT_OFFERED' | 'TYPE_NOT_COVERED' | 'TYPE_INCOMPLETE';

export interface SourceWarning {
  readonly code: SourceWarningCode;
  readonly details: Readonly<Record<string, string | number>>;
}

export type SourceEvent =
  | { readonly kind: 'resource'; readonly bytes: Buffer; readonly file: string; readonly line: number }
  /** Whole NDJSON lines of one file as they came (bulk downloads: a network chunk's worth), from line `firstLine`. */
  | ({ readonly kind: 'lines'; readonly file: string } & NdjsonBlock)
  | { readonly kind: 'deleted'; readonly type: string; readonly id: string }
  | { readonly kind: 'problem'; readonly code: 'EXPORT_FAILED' | 'INPUT_MALFORMED' | 'SOURCE_BAD_RESPONSE'; readonly file: string; readonly reason: string }
  /** Every current resource of this type has been yielded in this run: the ones of the previous snapshot not yielded are gone. */
  | { readonly kind: 'listed'; readonly type: string }
  /** The source starts over (a new export job): forget every event before this one. */
  | { readonly kind: 'restart' }
  /**
   * This type could not be read in full (the server refused to search it, or its paging gave out): what was
   * not seen is not known to be gone, so the previous snapshot's resources of the type are kept.
   */
  | { readonly kind: 'not-covered'; readonly type: string; readonly warning: SourceWarning }
  | { readonly kind: 'warning'; readonly warning: SourceWarning };

export type StrategyName = 'bulk-export' | 'history' | 'search';

export interface StrategyRun {
  readonly strategy: StrategyName;
  /** Server clock to pass as _since next time; known after the stream ends (bulk) or at its start. */
  transactionTime(): string | null;
  readonly events: AsyncGenerator<SourceEvent>;
  /** True when the strategy reports deletions (so an incremental run can be exact). */
  readonly reportsDeletes: boolean;
  /** How attachment URLs inside the data may be fetched (bulk manifests may say no token is needed). */
  attachmentAccess(): RequestAccess;
}

export interface StrategyOptions {
  readonly since: string | null;
  readonly types?: readonly string[];
  readonly pageSize?: number;
  readonly signal?: AbortSignal;
  readonly onProgress?: ProgressListener;
  /** Where a bulk export job in progress is remembered, to resume it after a crash. */
  readonly jobStateFile?: string;
  readonly downloadConcurrency?: number;
  readonly pollMaxWaitMs?: number;
  /** A resumed export job whose status shows no progress for this long is deleted and started afresh (default 10 min). */
  readonly stuckExportMs?: number;
  /** Whether the CapabilityStatement lists $export (when not, a refused kick-off means "not offered", quietly). */
  readonly exportAdvertised?: boolean;
  readonly sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
  /**
   * Incremental search: how many resources of a type the new snapshot holds so far (previous snapshot plus this
   * run's changes). Search cannot see deletions; when the server's count differs, the type is listed in full.
   */
  readonly localCount?: (type: string) => number | Promise<number>;
}

const RESOURCE_KEY = /^([A-Z][A-Za-z]+)\/([A-Za-z0-9\-.]{1,64})/;

function typeIdOfUrl(url: string): { type: string; id: string } | null {
  const m = RESOURCE_KEY.exec(url.replace(/^https?:\/\/[^/]+\/(?:.*?\/)?(?=[A-Z][A-Za-z]+\/)/, ''));
  return m ? { type: m[1] as string, id: m[2] as string } : null;
}

/** Server clock of a response, 1 s early to cover the Date header's truncation. */
function serverTime(res: Response): string | null {
  const d = res.headers.get('date');
  const t = d ? Date.parse(d) : NaN;
  return Number.isNaN(t) ? null : new Date(t - 1000).toISOString();
}

/** The server's count of a type (`_summary=count`), or null when it cannot say. */
async function serverCount(http: FhirHttp, type: string, signal: AbortSignal | undefined): Promise<number | null> {
  try {
    const { value } = await http.getJson(`${type}?${new URLSearchParams({ _summary: 'count' })}`, signal);
    const total = (value as { resourceType?: unknown; total?: unknown }).total;
    return (value as { resourceType?: unknown }).resourceType === 'Bundle' && typeof total === 'number' && Number.isInteger(total) && total >= 0 ? total : null;
  } catch (err) {
    if (isEngineError(err) && (err.code === 'SOURCE_BAD_RESPONSE' || (err.code === 'SOURCE_HTTP' && Number(err.details['status']) < 500))) return null;
    throw err;
  }
}

/** A search the server refuses outright (400 "cannot search on Binary", 403, 404, 405, 422, 501): skip the type. */
function refusedSearch(err: unknown): { status: number; reason: string } | null {
  if (!isEngineError(err)) return null;
  const status = Number(err.details['status']);
  if (err.code === 'SOURCE_FORBIDDEN') return { status: 403, reason: 'forbidden' };
  if (err.code === 'SOURCE_HTTP' && ((status >= 400 && status < 500 && status !== 401 && status !== 408 && status !== 429) || status === 501)) {
    return { status, reason: String(err.details['reason'] ?? '').slice(0, 200) };
  }
  return null;
}

export function searchStrategy(http: FhirHttp, types: readonly string[], opts: StrategyOptions): StrategyRun {
  let tt: string | null = null;
  const count = opts.pageSize ?? 500;
  async function* events(): AsyncGenerator<SourceEvent> {
    let done = 0;
    /** One search of a type; returns how the paging went, or null when the server refused the search. */
    async function* pages(type: string, since: string | null): AsyncGenerator<SourceEvent, PagingResult | null> {
      const q = new URLSearchParams({ _count: String(count), _sort: '_lastUpdated' });
      if (since) q.set('_lastUpdated', `ge${since}`);
      const it = searchPages(http, `${type}?${q}`, { pageSize: count, signal: opts.signal });
      for (let first = true; ; first = false) {
        let r: IteratorResult<SearchPage, PagingResult>;
        try {
          r = await it.next();
        } catch (err) {
          const refused = first ? refusedSearch(err) : null;
          if (!refused) throw err;
          yield { kind: 'not-covered', type, warning: { code: 'TYPE_NOT_COVERED', details: { type, status: refused.status, reason: refused.reason } } };
          return null;
        }
        if (r.done) return r.value;
        const { bundle, bytes, url, response } = r.value;
        if (first) tt ??= serverTime(response);
        const entries = (bundle as { entry?: { search?: { mode?: unknown } }[] }).entry ?? [];
        const spans = entryResourceSpans(bytes);
        for (let i = 0; i < entries.length; i++) {
          const mode = entries[i]?.search?.mode;
          const span = spans[i]?.resource;
          if (!span || (mode !== undefined && mode !== 'match')) continue;
          yield { kind: 'resource', bytes: resourceBytes(bytes, span), file: displayUrl(url), line: i + 1 };
          done++;
        }
        opts.onProgress?.({ type: 'progress', op: 'backup', phase: 'search', done, unit: 'resources', subject: type });
      }
    }
    /** A type whose paging gave out before the server's total: kept as it was, and the run is partial. */
    function* incomplete(type: string, r: PagingResult): Generator<SourceEvent> {
      const details = { type, read: r.read, total: r.total ?? -1 };
      yield { kind: 'not-covered', type, warning: { code: 'TYPE_INCOMPLETE', details } };
      yield { kind: 'problem', code: 'SOURCE_BAD_RESPONSE', file: type, reason: `paging stopped after ${r.read} of ${r.total ?? '?'} ${type} resources (no next link, _offset not honoured)` };
    }
    for (const type of types) {
      const result = yield* pages(type, opts.since);
      if (result === null) continue;
      if (!result.complete) {
        yield* incomplete(type, result);
        continue;
      }
      // Search shows no deletions: when the server holds another number of resources of this type than the
      // snapshot will (previous + this run's changes), something was deleted. List the type in full then.
      if (opts.since && opts.localCount) {
        const total = await serverCount(http, type, opts.signal);
        if (total === null || total !== (await opts.localCount(type))) {
          const full = yield* pages(type, null);
          if (full?.complete) yield { kind: 'listed', type };
          else if (full) yield* incomplete(type, full);
        }
      }
    }
  }
  return { strategy: 'search', transactionTime: () => tt, events: events(), reportsDeletes: true, attachmentAccess: () => 'source' };
}

/** History entries are versions: the same resource appears once per version, deletions have no resource. */
function historyEntryKey(e: BundleEntry & { response?: { etag?: unknown; lastModified?: unknown } }): string | null {
  const where = typeof e.fullUrl === 'string' ? e.fullUrl : typeof e.request?.url === 'string' ? e.request.url : null;
  const version = e.resource?.meta?.versionId ?? e.response?.etag ?? e.response?.lastModified;
  return where === null ? null : `${where}|${String(version ?? '')}`;
}

export function historyStrategy(http: FhirHttp, opts: StrategyOptions): StrategyRun {
  let tt: string | null = null;
  async function* events(): AsyncGenerator<SourceEvent> {
    const count = opts.pageSize ?? 500;
    const q = new URLSearchParams({ _count: String(count) });
    if (opts.since) q.set('_since', opts.since);
    const seen = new Set<string>();
    let done = 0;
    const it = searchPages(http, `_history?${q}`, { pageSize: count, signal: opts.signal, entryKey: historyEntryKey });
    for (let first = true; ; first = false) {
      const r = await it.next();
      if (r.done) {
        // A history read only in part would hide changes (and deletions) for good: not a snapshot to build on.
        if (!r.value.complete) throw new EngineError('SOURCE_BAD_RESPONSE', { url: displayUrl(http.base), reason: `_history paging stopped after ${r.value.read} of ${r.value.total ?? '?'} entries` });
        break;
      }
      const { bundle, bytes, url, response } = r.value;
      if (first) tt ??= serverTime(response);
      const entries = (bundle as { entry?: { resource?: { resourceType?: unknown; id?: unknown }; request?: { method?: unknown; url?: unknown }; response?: { status?: unknown } }[] }).entry ?? [];
      const spans = entryResourceSpans(bytes);
      for (let i = 0; i < entries.length; i++) {
        const e = entries[i] ?? {};
        const deleted = e.request?.method === 'DELETE' || (!e.resource && String(e.response?.status ?? '').startsWith('410'));
        const key =
          e.resource && typeof e.resource.resourceType === 'string' && typeof e.resource.id === 'string'
            ? { type: e.resource.resourceType, id: e.resource.id }
            : typeIdOfUrl(String(e.request?.url ?? ''));
        if (!key) continue;
        const k = `${key.type}/${key.id}`;
        if (seen.has(k)) continue; // newest first: older versions of a resource already seen are history
        seen.add(k);
        if (deleted) yield { kind: 'deleted', type: key.type, id: key.id };
        else if (spans[i]?.resource) yield { kind: 'resource', bytes: resourceBytes(bytes, spans[i]!.resource!), file: displayUrl(url), line: i + 1 };
        done++;
      }
      opts.onProgress?.({ type: 'progress', op: 'backup', phase: 'history', done, unit: 'resources' });
    }
  }
  return { strategy: 'history', transactionTime: () => tt, events: events(), reportsDeletes: true, attachmentAccess: () => 'source' };
}

// ------------------------------------------------------------------ bulk export

interface Manifest {
  transactionTime: string;
  requiresAccessToken?: boolean;
  output: { type: string; url: string; count?: number }[];
  deleted?: { type: string; url: string }[];
  error?: { type: string; url: string }[];
}

interface JobState {
  /** The server the job belongs to: a job of another source is never resumed. */
  readonly base: string;
  readonly statusUrl: string;
  readonly since: string | null;
  readonly types: string | null;
}

class ExportExpired extends Error {}

function parseManifest(value: unknown, url: string): Manifest {
  const m = value as Partial<Manifest>;
  if (typeof m !== 'object' || m === null || typeof m.transactionTime !== 'string' || !Array.isArray(m.output)) {
    throw new EngineError('SOURCE_BAD_RESPONSE', { url: displayUrl(url), reason: 'not a Bulk Data manifest' });
  }
  for (const o of [...m.output, ...(m.deleted ?? []), ...(m.error ?? [])]) {
    if (typeof o?.url !== 'string') throw new EngineError('SOURCE_BAD_RESPONSE', { url: displayUrl(url), reason: 'manifest entry without url' });
  }
  return m as Manifest;
}

/** Runs async producers with bounded concurrency into one stream; the consumer's pace back-pressures them. */
async function* mergeBounded<T>(producers: (() => AsyncGenerator<T>)[], concurrency: number): AsyncGenerator<T> {
  const queue = [...producers];
  const running = new Map<number, { gen: AsyncGenerator<T>; next: Promise<{ id: number; r: IteratorResult<T> }> }>();
  let nextId = 0;
  const start = (): void => {
    while (running.size < concurrency && queue.length > 0) {
      const id = nextId++;
      const gen = (queue.shift() as () => AsyncGenerator<T>)();
      running.set(id, { gen, next: gen.next().then((r) => ({ id, r })) });
    }
  };
  start();
  try {
    while (running.size > 0) {
      const { id, r } = await Promise.race([...running.values()].map((x) => x.next));
      const entry = running.get(id) as { gen: AsyncGenerator<T>; next: Promise<{ id: number; r: IteratorResult<T> }> };
      if (r.done) {
        running.delete(id);
        start();
        continue;
      }
      yield r.value;
      entry.next = entry.gen.next().then((x) => ({ id, r: x }));
    }
  } finally {
    // Best effort: closing the other downloads after one stopped the run; the first error is the one reported.
    for (const { gen } of running.values()) await gen.return(undefined).catch(() => undefined);
  }
}

export function bulkExportStrategy(http: FhirHttp, opts: StrategyOptions): StrategyRun {
  let tt: string | null = null;
  let access: RequestAccess = 'source';
  const sleep = opts.sleep ?? defaultSleep;
  const signal = opts.signal;
  const stuckMs = opts.stuckExportMs ?? 10 * 60_000;

  /** The saved job of this server and scope; a saved job of this server for another scope is abandoned. */
  async function loadJob(): Promise<JobState | null> {
    if (!opts.jobStateFile) return null;
    let j: JobState;
    try {
      j = JSON.parse(await readFile(opts.jobStateFile, 'utf8')) as JobState;
    } catch {
      return null;
    }
    if (j.base !== http.base.href) return null;
    if (j.since === opts.since && j.types === (opts.types?.join(',') ?? null)) return j;
    await cancelJob(j.statusUrl);
    await saveJob(null);
    return null;
  }

  async function saveJob(statusUrl: string | null): Promise<void> {
    if (!opts.jobStateFile) return;
    if (statusUrl === null) await rm(opts.jobStateFile, { force: true });
    else await writePrivateFile(opts.jobStateFile, JSON.stringify({ base: http.base.href, statusUrl, since: opts.since, types: opts.types?.join(',') ?? null } satisfies JobState));
  }

  /** DELETE of the status URL (Bulk Data "delete request"): the server may drop the job and its files. Best effort. */
  async function cancelJob(statusUrl: string): Promise<void> {
    await http
      .request(statusUrl, { method: 'DELETE' }, { accept: () => true, retries: false })
      .then((r) => r.body?.cancel())
      // Best effort (see above): a server that does not drop the job lets it expire on its own.
      .catch(() => undefined);
  }

  async function kickOff(): Promise<string> {
    const q = new URLSearchParams({ _outputFormat: 'application/fhir+ndjson' });
    if (opts.since) q.set('_since', opts.since);
    if (opts.types?.length) q.set('_type', opts.types.join(','));
    let res: Response;
    try {
      // Any 4xx but 401 (credentials) and 429 (retried): the server does not offer a system export here.
      res = await http.request(
        `$export?${q}`,
        { headers: { Prefer: 'respond-async' } },
        { signal, accept: (s) => s === 202 || (s >= 400 && s < 500 && s !== 401 && s !== 403 && s !== 408 && s !== 429) || s === 501 },
      );
    } catch (err) {
      // Refused with credentials that work elsewhere: unadvertised, that means "not offered to this client".
      if ((isEngineError(err, 'SOURCE_FORBIDDEN') || (isEngineError(err, 'SOURCE_AUTH') && err.details['status'] === 403)) && opts.exportAdvertised === false)
        throw new EngineError('EXPORT_UNSUPPORTED', { status: 403, advertised: false });
      throw err;
    }
    await res.body?.cancel();
    if (res.status !== 202) throw new EngineError('EXPORT_UNSUPPORTED', { status: res.status, advertised: opts.exportAdvertised !== false });
    const location = res.headers.get('content-location');
    if (!location) throw new EngineError('EXPORT_FAILED', { reason: 'no Content-Location in the kick-off response' });
    const statusUrl = http.resolve(location).url.href;
    await saveJob(statusUrl);
    return statusUrl;
  }

  /**
   * Polls until the manifest is ready. 'gone' when the job no longer exists on the server; 'stuck' when a
   * resumed job showed no progress (same or no X-Progress) for `stuckExportMs` of waiting.
   */
  async function poll(statusUrl: string, resumed: boolean): Promise<Manifest | 'gone' | 'stuck'> {
    const deadline = Date.now() + (opts.pollMaxWaitMs ?? 6 * 3600_000);
    // Time is counted as the waits asked for (what the server's Retry-After and our backoff amount to).
    let waited = 0;
    let lastProgress: string | null = null;
    let progressAt = 0;
    for (let i = 0; ; i++) {
      throwIfAborted(signal);
      const res = await http.request(statusUrl, {}, { signal, accept: (s) => s === 200 || s === 202 || s === 404 || s === 410 });
      if (res.status === 404 || res.status === 410) {
        await res.body?.cancel();
        return 'gone';
      }
      if (res.status === 200) {
        const text = await res.text();
        let value: unknown;
        try {
          value = JSON.parse(text);
        } catch {
          throw new EngineError('SOURCE_BAD_RESPONSE', { url: displayUrl(statusUrl), reason: 'the manifest is not JSON' });
        }
        return parseManifest(value, statusUrl);
      }
      await res.body?.cancel();
      const progress = res.headers.get('x-progress');
      if (progress !== null && progress !== lastProgress) {
        lastProgress = progress;
        progressAt = waited;
      }
      if (resumed && waited - progressAt >= stuckMs) return 'stuck';
      opts.onProgress?.({ type: 'progress', op: 'backup', phase: 'export-wait', done: Math.floor(waited / 60_000), unit: 'minutes', ...(progress ? { subject: progress.slice(0, 80) } : {}) });
      if (Date.now() > deadline) throw new EngineError('TIMEOUT', { what: 'bulk export' });
      const wait = Math.min(parseRetryAfter(res.headers.get('retry-after'), Date.now(), res.headers.get('date')) ?? Math.min(10_000, 500 * 2 ** Math.min(i, 5)), 120_000);
      await sleep(wait, signal);
      waited += wait;
    }
  }

  async function* download(entry: { type: string; url: string }): AsyncGenerator<SourceEvent> {
    const file = displayUrl(entry.url);
    for (let attempt = 1; ; attempt++) {
      const res = await http.request(entry.url, { headers: { Accept: 'application/fhir+ndjson' } }, { signal, access, accept: (s) => (s >= 200 && s < 300) || s === 404 || s === 410 });
      if (res.status === 404 || res.status === 410) {
        await res.body?.cancel();
        throw new ExportExpired();
      }
      try {
        // A proxy's error page instead of the file (HTTP 200 with HTML): not data; fetch the file again.
        if (/^\s*(text\/html|application\/xhtml)/i.test(res.headers.get('content-type') ?? '')) {
          await res.body?.cancel();
          throw new EngineError('SOURCE_BAD_RESPONSE', { url: file, reason: 'an HTML page instead of NDJSON' }, { transient: true });
        }
        for await (const block of ndjsonBlocks(res, file)) yield { kind: 'lines', ...block, file };
        return;
      } catch (err) {
        // A cut connection or truncated file: fetch the whole file again (lines already given are the same
        // resources and are stored once).
        if (attempt >= 3 || !(isEngineError(err) ? err.transient : true) || signal?.aborted) {
          if (isEngineError(err)) throw err;
          throw new EngineError('SOURCE_UNREACHABLE', { url: file, reason: 'download interrupted' }, { cause: err });
        }
      }
    }
  }

  async function* deletedEntries(entry: { url: string }): AsyncGenerator<SourceEvent> {
    const res = await http.request(entry.url, { headers: { Accept: 'application/fhir+ndjson' } }, { signal, access, accept: (s) => (s >= 200 && s < 300) || s === 404 || s === 410 });
    if (res.status === 404 || res.status === 410) {
      await res.body?.cancel();
      throw new ExportExpired();
    }
    for await (const l of ndjsonLines(res, displayUrl(entry.url))) {
      const bundle = JSON.parse(l.bytes.toString('utf8')) as { entry?: { request?: { url?: unknown } }[] };
      for (const e of bundle.entry ?? []) {
        const key = typeIdOfUrl(String(e.request?.url ?? ''));
        if (key) yield { kind: 'deleted', ...key };
      }
    }
  }

  async function* errorEntries(entry: { url: string }): AsyncGenerator<SourceEvent> {
    const res = await http.request(entry.url, { headers: { Accept: 'application/fhir+ndjson' } }, { signal, access, accept: (s) => s < 500 });
    // An error file that cannot be read yields no problem lines; the export's own status already failed the types.
    const text = await res.text().catch(() => '');
    // Every line counts (the archiver keeps the first ones and counts them all); each says, in the server's words, what it could not export.
    for (const line of text.split('\n').filter(Boolean)) yield { kind: 'problem', code: 'EXPORT_FAILED', file: displayUrl(entry.url), reason: outcomeText(line).slice(0, 300) };
  }

  async function* events(): AsyncGenerator<SourceEvent> {
    let restarts = 0;
    let resumed = await loadJob();
    let current: string | null = null;
    try {
      for (;;) {
        const wasResumed = resumed !== null;
        current = resumed?.statusUrl ?? (await kickOff());
        resumed = null;
        const manifest = await poll(current, wasResumed);
        if (manifest === 'stuck') {
          // A job left by an interrupted run that the server no longer advances (e.g. it restarted mid-export).
          yield { kind: 'warning', warning: { code: 'EXPORT_STUCK_RESTARTED', details: { minutes: Math.round(stuckMs / 60_000) } } };
          await cancelJob(current);
          await saveJob(null);
          current = null;
          continue;
        }
        if (manifest === 'gone') {
          // The job vanished (server restart, expired): start a new one, once.
          current = null;
          if (restarts++ >= 1) throw new EngineError('EXPORT_FAILED', { reason: 'the export job disappeared twice' });
          await saveJob(null);
          continue;
        }
        // requiresAccessToken (required by the IG; absent is read as true): whether the files want the token.
        access = manifest.requiresAccessToken === false ? 'public' : 'source';
        for (const o of [...manifest.output, ...(manifest.deleted ?? []), ...(manifest.error ?? [])]) http.resolve(o.url, access); // refuses, before any request, hosts the token may not go to
        const producers: (() => AsyncGenerator<SourceEvent>)[] = [
          ...manifest.output.map((o) => () => download(o)),
          ...(manifest.deleted ?? []).map((d) => () => deletedEntries(d)),
          ...(manifest.error ?? []).map((e) => () => errorEntries(e)),
        ];
        try {
          let n = 0;
          // The download starts now (the task's watchdog then knows a server answer is awaited), and its count is
          // told every 1000 resources or every second, so a live download is never taken for a silent server.
          opts.onProgress?.({ type: 'progress', op: 'backup', phase: 'download', done: 0, unit: 'resources' });
          let toldAt = Date.now();
          for await (const ev of mergeBounded(producers, opts.downloadConcurrency ?? 3)) {
            if (ev.kind === 'lines') {
              const before = n;
              n += ev.lines;
              if (Math.floor(n / 1000) > Math.floor(before / 1000) || Date.now() - toldAt >= 1000) {
                toldAt = Date.now();
                opts.onProgress?.({ type: 'progress', op: 'backup', phase: 'download', done: n, unit: 'resources' });
              }
            }
            yield ev;
          }
        } catch (err) {
          if (err instanceof ExportExpired) {
            if (restarts++ >= 1) throw new EngineError('EXPORT_EXPIRED');
            await cancelJob(current);
            await saveJob(null);
            current = null;
            // What the expired job gave is of another moment: the new job alone describes the server.
            yield { kind: 'restart' };
            continue;
          }
          throw err;
        }
        tt = manifest.transactionTime;
        await cancelJob(current);
        current = null;
        await saveJob(null);
        return;
      }
    } catch (err) {
      // Abandoned (refused host, failed export, bad manifest…): the server's job is deleted, not left behind.
      // A cancel keeps it, so the next run resumes it.
      if (current !== null && !(signal?.aborted || isEngineError(err, 'CANCELLED'))) {
        await cancelJob(current);
        await saveJob(null);
      }
      throw err;
    }
  }
  return { strategy: 'bulk-export', transactionTime: () => tt, events: events(), reportsDeletes: true, attachmentAccess: () => access };
}

/** The diagnostics of an OperationOutcome line of an export's error file (what the server could not export), or the line itself. */
function outcomeText(line: string): string {
  try {
    const o = JSON.parse(line) as { issue?: unknown };
    const texts = (Array.isArray(o.issue) ? (o.issue as unknown[]) : [])
      .map((i) => {
        const issue = (typeof i === 'object' && i !== null ? i : {}) as { diagnostics?: unknown; details?: { text?: unknown } };
        return typeof issue.diagnostics === 'string' ? issue.diagnostics : typeof issue.details?.text === 'string' ? issue.details.text : '';
      })
      .filter(Boolean);
    return texts.length > 0 ? texts.join('; ') : line;
  } catch {
    return line;
  }
}
