/**
 * HTTP for FHIR sources: authentication, timeouts, Retry-After (seconds or HTTP-date) on 429/503, bounded
 * retries with backoff on 5xx and network blips, and errors classified into stable codes.
 *
 * Where credentials go (Bulk Data IG v2, "requiresAccessToken"): to the server's own origin and to the hosts the
 * clinic allowed in settings (`allowedHosts`), never elsewhere. A request with `access: 'source'` (the default)
 * to any other origin is refused before anything is sent (SOURCE_FOREIGN_ORIGIN, naming the host and the
 * setting). `access: 'public'` (files the server says need no token, e.g. pre-signed bucket URLs) may go to any
 * https origin, or http on loopback, and never carries credentials.
 */
import { EngineError, isAbortError, isEngineError, throwIfAborted } from '../../shared/index.js';
import { sleep as abortableSleep } from '../../backend/index.js';

export interface AuthProvider {
  /** Headers to add to a request to the server's origin. */
  headers(signal?: AbortSignal): Promise<Record<string, string>>;
  /** Called after a 401; returns true when a retry with fresh credentials makes sense. */
  refresh?(): Promise<boolean>;
  /**
   * Called after a 403 to a request that carried these credentials; returns true when other credentials are
   * worth a retry (SMART: the next scope of the configured list).
   */
  onForbidden?(): Promise<boolean>;
}

export const NO_AUTH: AuthProvider = { headers: async () => ({}) };

export interface FhirHttpOptions {
  readonly baseUrl: string;
  readonly auth?: AuthProvider;
  /** Per-request timeout: for the response headers, then for each wait on body bytes (a stalled body), default 60 s. */
  readonly timeoutMs?: number;
  /** Attempts for one request on 5xx/network errors, default 8. */
  readonly maxAttempts?: number;
  /** Total wait on throttled answers (429, or 503 with Retry-After) for one request before giving up, default 1 hour. */
  readonly maxThrottleWaitMs?: number;
  /** Longest Retry-After honoured, default 120 s (longer waits are capped). */
  readonly maxRetryAfterMs?: number;
  /**
   * Other hosts the clinic trusts with the source's credentials and files (settings: source.allowedHosts):
   * "host", "host:port" or an origin such as "https://files.clinica.local".
   */
  readonly allowedHosts?: readonly string[];
  readonly sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
  readonly onRetry?: (info: { url: string; status: number | null; attempt: number; delayMs: number }) => void;
}

/** The abortable sleep every retry loop uses (src/backend/sleep.ts). */
export const defaultSleep = abortableSleep;

/** Parses Retry-After: delta-seconds or an HTTP-date (relative to the server's Date header when given). */
export function parseRetryAfter(value: string | null, now: number, serverDate?: string | null): number | null {
  if (!value) return null;
  const trimmed = value.trim();
  if (/^\d+$/.test(trimmed)) return Number(trimmed) * 1000;
  const at = Date.parse(trimmed);
  if (Number.isNaN(at)) return null;
  const reference = serverDate ? Date.parse(serverDate) : NaN;
  return Math.max(0, at - (Number.isNaN(reference) ? now : reference));
}

/** A URL for messages: no credentials, no query (signed URLs carry tokens there). */
export function displayUrl(url: string | URL): string {
  try {
    const u = new URL(url);
    return `${u.origin}${u.pathname}`;
  } catch {
    return '(invalid URL)';
  }
}

/** Who may receive a request: the source's own (and allowed) hosts with credentials, or any host without. */
export type RequestAccess = 'source' | 'public';

/** Where a URL lies for the credential rules: the server's origin, a host allowed in settings, or elsewhere. */
export type OriginClass = 'same' | 'allowed' | 'foreign';

/** True for hosts on this machine (http is acceptable there: nothing crosses a network). */
export function isLoopbackHost(hostname: string): boolean {
  const h = hostname.replace(/^\[|\]$/g, '').toLowerCase();
  return h === 'localhost' || h.endsWith('.localhost') || h === '::1' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(h);
}

/** Does an allowed-host entry ("host", "host:port", "scheme://host[:port]") cover this URL? */
export function hostAllowed(url: URL, entries: readonly string[]): boolean {
  for (const raw of entries) {
    const entry = raw.trim().toLowerCase().replace(/\/+$/, '');
    if (!entry) continue;
    if (entry.includes('://')) {
      try {
        if (new URL(entry).origin === url.origin) return true;
      } catch {
        /* not a URL: no match */
      }
      continue;
    }
    if (entry === url.host.toLowerCase() || (!entry.includes(':') && entry === url.hostname.toLowerCase())) return true;
  }
  return false;
}

function networkError(err: unknown, url: string): EngineError {
  const cause = (err as { cause?: { code?: string; message?: string } }).cause;
  const code = cause?.code ?? (err as { code?: string }).code ?? '';
  const host = (() => {
    try {
      return new URL(url).hostname;
    } catch {
      return url;
    }
  })();
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') return new EngineError('SOURCE_DNS', { host }, { cause: err, transient: code === 'EAI_AGAIN' });
  if (/CERT|SSL|TLS|SELF_SIGNED|UNABLE_TO_VERIFY|ERR_TLS/.test(code)) return new EngineError('SOURCE_TLS', { url: displayUrl(url), reason: code }, { cause: err });
  return new EngineError('SOURCE_UNREACHABLE', { url: displayUrl(url), reason: code || 'network error' }, { cause: err, transient: true });
}

export class FhirHttp {
  readonly base: URL;
  private readonly auth: AuthProvider;
  private readonly sleep: (ms: number, signal?: AbortSignal) => Promise<void>;
  requests = 0;

  constructor(private readonly options: FhirHttpOptions) {
    const base = options.baseUrl.endsWith('/') ? options.baseUrl : `${options.baseUrl}/`;
    try {
      this.base = new URL(base);
    } catch {
      throw new EngineError('INVALID_ARGUMENT', { field: 'source', reason: 'not a valid URL' });
    }
    if (this.base.protocol !== 'http:' && this.base.protocol !== 'https:') throw new EngineError('INVALID_ARGUMENT', { field: 'source', reason: 'use http:// or https://' });
    if (this.base.username || this.base.password) throw new EngineError('INVALID_ARGUMENT', { field: 'source', reason: 'put credentials in the keychain or a file, not in the URL' });
    this.auth = options.auth ?? NO_AUTH;
    this.sleep = options.sleep ?? defaultSleep;
  }

  /** The server's origin, a host allowed in settings, or another place. */
  originClass(url: URL): OriginClass {
    if (url.origin === this.base.origin) return 'same';
    return hostAllowed(url, this.options.allowedHosts ?? []) ? 'allowed' : 'foreign';
  }

  /**
   * Resolves a path or URL and says whether credentials go with it. `source` access: the server's origin and
   * allowed hosts, with credentials; anything else is refused. `public` access: any https origin (http only on
   * loopback), never with credentials.
   */
  resolve(pathOrUrl: string, access: RequestAccess = 'source'): { url: URL; credentials: boolean } {
    const url = new URL(pathOrUrl.replace(/^\//, ''), this.base);
    const where = this.originClass(url);
    if (access === 'source') {
      if (where !== 'foreign') return { url, credentials: true };
      throw new EngineError('SOURCE_FOREIGN_ORIGIN', { origin: url.origin, host: url.host, setting: 'source.allowedHosts' });
    }
    if (url.protocol === 'https:' || (url.protocol === 'http:' && (where !== 'foreign' || isLoopbackHost(url.hostname)))) return { url, credentials: false };
    throw new EngineError('SOURCE_FOREIGN_ORIGIN', { origin: url.origin, host: url.host, setting: 'source.allowedHosts' });
  }

  /**
   * Sends a request with retries. Returns the response for statuses in `accept` (default 2xx);
   * throws classified errors otherwise. The caller must consume or cancel the body.
   */
  async request(
    pathOrUrl: string,
    init: { method?: string; headers?: Record<string, string>; body?: string | Buffer } = {},
    opts: { signal?: AbortSignal; accept?: (status: number) => boolean; retries?: boolean; access?: RequestAccess } = {},
  ): Promise<Response> {
    const { url, credentials: sameOrigin } = this.resolve(pathOrUrl, opts.access);
    const accept = opts.accept ?? ((s: number) => s >= 200 && s < 300);
    const maxAttempts = opts.retries === false ? 1 : (this.options.maxAttempts ?? 8);
    const maxThrottleWaitMs = opts.retries === false ? 0 : (this.options.maxThrottleWaitMs ?? 3600_000);
    const timeoutMs = this.options.timeoutMs ?? 60_000;
    let refreshed = false;
    let forbiddenRetried = false;
    let failures = 0;
    let throttled = 0;
    let throttledMs = 0;
    for (;;) {
      throwIfAborted(opts.signal);
      const headers: Record<string, string> = { Accept: 'application/fhir+json', ...(init.headers ?? {}) };
      if (sameOrigin) Object.assign(headers, await this.auth.headers(opts.signal));
      // The timeout covers the wait for headers here, and each wait for body bytes in timedBody (not the
      // whole download: a large file read at the consumer's pace may take much longer).
      const timeout = new AbortController();
      const timer = setTimeout(() => timeout.abort(), timeoutMs);
      const signal = opts.signal ? AbortSignal.any([opts.signal, timeout.signal]) : timeout.signal;
      let res: Response;
      try {
        this.requests++;
        res = await fetch(url, { method: init.method ?? 'GET', headers, body: init.body, signal, redirect: 'manual' });
      } catch (err) {
        if (opts.signal?.aborted) throw new EngineError('CANCELLED');
        const e = isAbortError(err) || timeout.signal.aborted ? new EngineError('TIMEOUT', { what: displayUrl(url) }, { transient: true }) : networkError(err, url.href);
        if (!e.transient || ++failures >= maxAttempts) throw e;
        await this.backoff(url, null, failures, null, opts.signal);
        continue;
      } finally {
        clearTimeout(timer);
      }
      if (accept(res.status)) return timedBody(res, url, timeoutMs, timeout, opts.signal);
      if (res.status >= 300 && res.status < 400) {
        await res.body?.cancel();
        const location = res.headers.get('location');
        if (!location) throw new EngineError('SOURCE_HTTP', { status: res.status, url: displayUrl(url) });
        return this.request(new URL(location, url).href, init, opts); // resolve() re-checks the origin and the access
      }
      if (res.status === 401 && sameOrigin && !refreshed && this.auth.refresh) {
        await res.body?.cancel();
        refreshed = true;
        if (await this.auth.refresh()) continue;
        throw new EngineError('SOURCE_AUTH', { status: 401 });
      }
      if (res.status === 403 && sameOrigin && this.auth !== NO_AUTH) {
        // Credentials were accepted (no 401) but do not allow this: another scope may, else say so plainly.
        await res.body?.cancel();
        if (!forbiddenRetried && this.auth.onForbidden && (await this.auth.onForbidden())) {
          forbiddenRetried = true;
          continue;
        }
        throw new EngineError('SOURCE_FORBIDDEN', { status: 403, url: displayUrl(url) });
      }
      if (res.status === 401 || res.status === 403) {
        await res.body?.cancel();
        throw new EngineError('SOURCE_AUTH', { status: res.status });
      }
      const retryAfter = parseRetryAfter(res.headers.get('retry-after'), Date.now(), res.headers.get('date'));
      // A throttled answer says when to come back: a storm of them is waited out (up to maxThrottleWaitMs in
      // all), while errors and outages give up after maxAttempts.
      const isThrottle = res.status === 429 || (res.status === 503 && retryAfter !== null);
      const retryable = isThrottle || res.status === 503 || res.status === 502 || res.status === 504 || res.status === 500;
      if (retryable && (isThrottle ? throttledMs < maxThrottleWaitMs : ++failures < maxAttempts)) {
        await res.body?.cancel();
        throttledMs += await this.backoff(url, res.status, isThrottle ? ++throttled : failures, retryAfter, opts.signal);
        continue;
      }
      // The status is the error; a body that cannot be read only leaves the reason out.
      const text = await res.text().catch(() => '');
      throw new EngineError('SOURCE_HTTP', { status: res.status, url: displayUrl(url), reason: operationOutcomeText(text) }, { transient: retryable });
    }
  }

  /** Waits before another attempt (Retry-After when given, else exponential with jitter); returns the wait. */
  private async backoff(url: URL, status: number | null, attempt: number, retryAfterMs: number | null, signal?: AbortSignal): Promise<number> {
    const cap = this.options.maxRetryAfterMs ?? 120_000;
    const exp = Math.min(30_000, 250 * 2 ** (attempt - 1));
    const delayMs = Math.min(cap, retryAfterMs ?? Math.round(exp / 2 + Math.random() * (exp / 2)));
    this.options.onRetry?.({ url: displayUrl(url), status, attempt, delayMs });
    await this.sleep(delayMs, signal);
    return delayMs;
  }

  /** GET and parse JSON; a body cut off or stalled is fetched again; a body that is not JSON is SOURCE_BAD_RESPONSE. */
  async getJson(pathOrUrl: string, signal?: AbortSignal): Promise<{ value: unknown; response: Response; bytes: Buffer }> {
    const maxAttempts = this.options.maxAttempts ?? 8;
    for (let attempt = 1; ; attempt++) {
      const response = await this.request(pathOrUrl, {}, { signal });
      let bytes: Buffer;
      try {
        bytes = Buffer.from(await response.arrayBuffer());
      } catch (err) {
        if (!isEngineError(err) || !err.transient || attempt >= maxAttempts) throw err;
        await this.backoff(this.resolve(pathOrUrl).url, null, attempt, null, signal);
        continue;
      }
      try {
        return { value: JSON.parse(bytes.toString('utf8')) as unknown, response, bytes };
      } catch {
        throw new EngineError('SOURCE_BAD_RESPONSE', { url: displayUrl(pathOrUrl), reason: 'the body is not JSON' });
      }
    }
  }
}

/**
 * The response with its body wrapped: each wait for body bytes is limited to `timeoutMs` (a stalled server),
 * and errors while reading become classified EngineErrors (TIMEOUT, CANCELLED, SOURCE_UNREACHABLE for a
 * connection cut mid-body), all transient except CANCELLED.
 */
function timedBody(res: Response, url: URL, timeoutMs: number, timeout: AbortController, signal: AbortSignal | undefined): Response {
  if (!res.body) return res;
  const reader = res.body.getReader();
  const body = new ReadableStream<Uint8Array>({
    async pull(controller) {
      const timer = setTimeout(() => timeout.abort(), timeoutMs);
      try {
        const { done, value } = await reader.read();
        if (done) controller.close();
        else controller.enqueue(value);
      } catch (err) {
        if (signal?.aborted) controller.error(new EngineError('CANCELLED'));
        else if (timeout.signal.aborted) controller.error(new EngineError('TIMEOUT', { what: displayUrl(url) }, { cause: err, transient: true }));
        else controller.error(new EngineError('SOURCE_UNREACHABLE', { url: displayUrl(url), reason: 'the connection was cut during the download' }, { cause: err, transient: true }));
      } finally {
        clearTimeout(timer);
      }
    },
    cancel(reason) {
      return reader.cancel(reason);
    },
  });
  const wrapped = new Response(body, { status: res.status, statusText: res.statusText, headers: res.headers });
  Object.defineProperty(wrapped, 'url', { value: res.url });
  return wrapped;
}

/** The human text of an OperationOutcome body, if that is what it is. */
export function operationOutcomeText(body: string): string {
  try {
    const v = JSON.parse(body) as { resourceType?: string; issue?: { diagnostics?: string; details?: { text?: string } }[] };
    if (v.resourceType === 'OperationOutcome')
      return (v.issue ?? [])
        .map((i) => i.details?.text ?? i.diagnostics ?? '')
        .filter(Boolean)
        .join('; ')
        .slice(0, 300);
  } catch {
    /* not JSON */
  }
  return body.slice(0, 200);
}
