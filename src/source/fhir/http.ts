/**
 * HTTP for FHIR sources: authentication, timeouts, Retry-After (seconds or HTTP-date) on 429/503, bounded
 * retries with backoff on 5xx and network blips, and errors classified into stable codes. Credentials are sent
 * only to the server's own origin: a URL on another origin is refused unless explicitly allowed (and then
 * fetched without credentials).
 */
import { EngineError, isAbortError, throwIfAborted } from '../../shared/errors.js';

export interface AuthProvider {
  /** Headers to add to a request to the server's origin. */
  headers(signal?: AbortSignal): Promise<Record<string, string>>;
  /** Called after a 401; returns true when a retry with fresh credentials makes sense. */
  refresh?(): Promise<boolean>;
}

export const NO_AUTH: AuthProvider = { headers: async () => ({}) };

export interface FhirHttpOptions {
  readonly baseUrl: string;
  readonly auth?: AuthProvider;
  /** Per-request timeout (headers), default 60 s. */
  readonly timeoutMs?: number;
  /** Attempts for one request on 429/5xx/network errors, default 8. */
  readonly maxAttempts?: number;
  /** Longest Retry-After honoured, default 120 s (longer waits are capped). */
  readonly maxRetryAfterMs?: number;
  /** Other origins whose URLs may be fetched (without credentials), e.g. a bulk export file host. */
  readonly allowedOrigins?: readonly string[];
  readonly sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
  readonly onRetry?: (info: { url: string; status: number | null; attempt: number; delayMs: number }) => void;
}

export function defaultSleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(new EngineError('CANCELLED'));
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(new EngineError('CANCELLED'));
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

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

  /** Resolves a path or URL; returns whether credentials may be sent to it. Refuses other origins unless allowed. */
  resolve(pathOrUrl: string): { url: URL; sameOrigin: boolean } {
    const url = new URL(pathOrUrl.replace(/^\//, ''), this.base);
    if (url.origin === this.base.origin) return { url, sameOrigin: true };
    if ((this.options.allowedOrigins ?? []).includes(url.origin)) return { url, sameOrigin: false };
    throw new EngineError('SOURCE_FOREIGN_ORIGIN', { origin: url.origin });
  }

  /**
   * Sends a request with retries. Returns the response for statuses in `accept` (default 2xx);
   * throws classified errors otherwise. The caller must consume or cancel the body.
   */
  async request(
    pathOrUrl: string,
    init: { method?: string; headers?: Record<string, string>; body?: string } = {},
    opts: { signal?: AbortSignal; accept?: (status: number) => boolean; retries?: boolean } = {},
  ): Promise<Response> {
    const { url, sameOrigin } = this.resolve(pathOrUrl);
    const accept = opts.accept ?? ((s: number) => s >= 200 && s < 300);
    const maxAttempts = opts.retries === false ? 1 : (this.options.maxAttempts ?? 8);
    let refreshed = false;
    for (let attempt = 1; ; attempt++) {
      throwIfAborted(opts.signal);
      const headers: Record<string, string> = { Accept: 'application/fhir+json', ...(init.headers ?? {}) };
      if (sameOrigin) Object.assign(headers, await this.auth.headers(opts.signal));
      const timeout = AbortSignal.timeout(this.options.timeoutMs ?? 60_000);
      const signal = opts.signal ? AbortSignal.any([opts.signal, timeout]) : timeout;
      let res: Response;
      try {
        this.requests++;
        res = await fetch(url, { method: init.method ?? 'GET', headers, body: init.body, signal, redirect: 'manual' });
      } catch (err) {
        if (opts.signal?.aborted) throw new EngineError('CANCELLED');
        const e = isAbortError(err) || timeout.aborted ? new EngineError('TIMEOUT', { what: displayUrl(url) }, { transient: true }) : networkError(err, url.href);
        if (!e.transient || attempt >= maxAttempts) throw e;
        await this.backoff(url, null, attempt, null, opts.signal);
        continue;
      }
      if (accept(res.status)) return res;
      if (res.status >= 300 && res.status < 400) {
        await res.body?.cancel();
        const location = res.headers.get('location');
        if (!location) throw new EngineError('SOURCE_HTTP', { status: res.status, url: displayUrl(url) });
        return this.request(new URL(location, url).href, init, opts); // resolve() re-checks the origin
      }
      if (res.status === 401 && sameOrigin && !refreshed && this.auth.refresh) {
        await res.body?.cancel();
        refreshed = true;
        if (await this.auth.refresh()) continue;
        throw new EngineError('SOURCE_AUTH', { status: 401 });
      }
      if (res.status === 401 || res.status === 403) {
        await res.body?.cancel();
        throw new EngineError('SOURCE_AUTH', { status: res.status });
      }
      const retryable = res.status === 429 || res.status === 503 || res.status === 502 || res.status === 504 || res.status === 500;
      if (retryable && attempt < maxAttempts) {
        const retryAfter = parseRetryAfter(res.headers.get('retry-after'), Date.now(), res.headers.get('date'));
        await res.body?.cancel();
        await this.backoff(url, res.status, attempt, retryAfter, opts.signal);
        continue;
      }
      const text = await res.text().catch(() => '');
      throw new EngineError('SOURCE_HTTP', { status: res.status, url: displayUrl(url), reason: operationOutcomeText(text) }, { transient: retryable });
    }
  }

  private async backoff(url: URL, status: number | null, attempt: number, retryAfterMs: number | null, signal?: AbortSignal): Promise<void> {
    const cap = this.options.maxRetryAfterMs ?? 120_000;
    const exp = Math.min(30_000, 250 * 2 ** (attempt - 1));
    const delayMs = Math.min(cap, retryAfterMs ?? Math.round(exp / 2 + Math.random() * (exp / 2)));
    this.options.onRetry?.({ url: displayUrl(url), status, attempt, delayMs });
    await this.sleep(delayMs, signal);
  }

  /** GET and parse JSON; a body that is not JSON is SOURCE_BAD_RESPONSE. */
  async getJson(pathOrUrl: string, signal?: AbortSignal): Promise<{ value: unknown; response: Response; bytes: Buffer }> {
    const response = await this.request(pathOrUrl, {}, { signal });
    const bytes = Buffer.from(await response.arrayBuffer());
    try {
      return { value: JSON.parse(bytes.toString('utf8')) as unknown, response, bytes };
    } catch {
      throw new EngineError('SOURCE_BAD_RESPONSE', { url: displayUrl(response.url || pathOrUrl), reason: 'the body is not JSON' });
    }
  }
}

/** The human text of an OperationOutcome body, if that is what it is. */
export function operationOutcomeText(body: string): string {
  try {
    const v = JSON.parse(body) as { resourceType?: string; issue?: { diagnostics?: string; details?: { text?: string } }[] };
    if (v.resourceType === 'OperationOutcome') return (v.issue ?? []).map((i) => i.details?.text ?? i.diagnostics ?? '').filter(Boolean).join('; ').slice(0, 300);
  } catch {
    /* not JSON */
  }
  return body.slice(0, 200);
}
