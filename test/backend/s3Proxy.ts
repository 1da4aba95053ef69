/**
 * A loopback HTTP proxy in front of s3rver for the S3 behaviours s3rver lacks, answered with the bodies AWS
 * and MinIO really send (so the real SDK parses them into its real exception classes): Object Lock retention
 * and legal hold, WORM-protected deletes, AccessDenied for put-only credentials, conditional writes
 * (If-None-Match: * → 412), and a network cut in the middle of a request body.
 * Requests keep their Host header, so SigV4 signatures stay valid for s3rver.
 */
import http, { type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ProxyRequest {
  readonly method: string;
  /** Path without the query, e.g. /bucket/prefix/data/ab/ab12…. */
  readonly path: string;
  readonly query: URLSearchParams;
  /** Object key (path after /<bucket>/), '' for bucket-level requests. */
  readonly key: string;
  readonly headers: IncomingHttpHeaders;
}

export type ProxyAction =
  | { readonly type: 'forward' }
  | { readonly type: 'respond'; readonly status: number; readonly body: string; readonly headers?: Readonly<Record<string, string>> }
  /** Reads `afterBytes` of the request body (default 64 KiB), then destroys the connection. */
  | { readonly type: 'cut'; readonly afterBytes?: number }
  /** Keeps the request waiting (a stalled network) until release(), then forwards it. */
  | { readonly type: 'hold' };

export type ProxyHook = (req: ProxyRequest) => ProxyAction | undefined;

const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'proxy-connection', 'transfer-encoding', 'upgrade', 'expect', 'te', 'trailer']);

/** The XML error body S3 sends. */
export function s3ErrorXml(code: string, message: string): string {
  return `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${code}</Code><Message>${message}</Message><RequestId>TESTREQ</RequestId><HostId>TESTHOST</HostId></Error>`;
}

export function s3Error(status: number, code: string, message: string): ProxyAction {
  return { type: 'respond', status, body: s3ErrorXml(code, message), headers: { 'content-type': 'application/xml' } };
}

export function xmlResponse(body: string): ProxyAction {
  return { type: 'respond', status: 200, body: `<?xml version="1.0" encoding="UTF-8"?>\n${body}`, headers: { 'content-type': 'application/xml' } };
}

export class S3Proxy {
  readonly endpoint: string;
  readonly seen: ProxyRequest[] = [];
  hook: ProxyHook | null = null;
  /**
   * Emulates AWS conditional writes: a PUT (or CompleteMultipartUpload) with If-None-Match: * on a key this
   * proxy has seen written gets 412 PreconditionFailed. (s3rver ignores the header.)
   */
  conditionalWrites = false;
  readonly #written = new Set<string>();
  readonly #held: (() => void)[] = [];
  readonly #server: http.Server;
  readonly #upstream: URL;

  private constructor(server: http.Server, upstream: URL) {
    this.#server = server;
    this.#upstream = upstream;
    this.endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  }

  static async start(upstream: string): Promise<S3Proxy> {
    const server = http.createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const proxy = new S3Proxy(server, new URL(upstream));
    server.on('request', (req, res) => proxy.#handle(req, res));
    return proxy;
  }

  /** Requests seen matching a predicate. */
  count(pred: (r: ProxyRequest) => boolean): number {
    return this.seen.filter(pred).length;
  }

  /** Forwards every request held so far (a client that gave up meanwhile gets nothing). */
  release(): void {
    for (const go of this.#held.splice(0)) go();
  }

  /** How many requests are being held now. */
  get holding(): number {
    return this.#held.length;
  }

  reset(): void {
    this.seen.length = 0;
    this.hook = null;
    this.conditionalWrites = false;
  }

  #handle(req: IncomingMessage, res: ServerResponse): void {
    const url = new URL(req.url ?? '/', 'http://proxy');
    const segments = url.pathname.split('/');
    const key = segments
      .slice(2)
      .map((s) => decodeURIComponent(s))
      .join('/');
    const info: ProxyRequest = { method: req.method ?? 'GET', path: url.pathname, query: url.searchParams, key, headers: req.headers };
    this.seen.push(info);
    let action = this.hook?.(info) ?? { type: 'forward' };
    const isObjectWrite = (info.method === 'PUT' && !info.query.has('uploadId')) || (info.method === 'POST' && info.query.has('uploadId'));
    if (action.type === 'forward' && this.conditionalWrites && isObjectWrite && req.headers['if-none-match'] === '*' && this.#written.has(key)) {
      action = s3Error(412, 'PreconditionFailed', 'At least one of the pre-conditions you specified did not hold');
    }
    if (action.type === 'respond') {
      req.resume();
      req.on('end', () => {
        res.writeHead(action.status, { 'x-amz-request-id': 'TESTREQ', ...(action.headers ?? {}) });
        res.end(action.body);
      });
      return;
    }
    if (action.type === 'cut') {
      const limit = action.afterBytes ?? 64 * 1024;
      let got = 0;
      req.on('data', (chunk: Buffer) => {
        got += chunk.length;
        if (got >= limit) req.socket.destroy();
      });
      req.on('end', () => req.socket.destroy());
      return;
    }
    if (action.type === 'hold') {
      req.pause();
      this.#held.push(() => this.#forward(req, res, info, isObjectWrite));
      return;
    }
    this.#forward(req, res, info, isObjectWrite);
  }

  #forward(req: IncomingMessage, res: ServerResponse, info: ProxyRequest, isObjectWrite: boolean): void {
    const key = info.key;
    if (req.destroyed || res.destroyed) return;
    const headers: Record<string, string | string[]> = {};
    for (const [name, value] of Object.entries(req.headers)) if (value !== undefined && !HOP_BY_HOP.has(name)) headers[name] = value;
    const upstream = http.request({ host: this.#upstream.hostname, port: this.#upstream.port, method: info.method, path: req.url, headers }, (up) => {
      if (isObjectWrite && (up.statusCode ?? 500) < 300) this.#written.add(key);
      if (info.method === 'DELETE' && !info.query.has('uploadId') && (up.statusCode ?? 500) < 300) this.#written.delete(key);
      const out: Record<string, string | string[]> = {};
      for (const [name, value] of Object.entries(up.headers)) if (value !== undefined && !HOP_BY_HOP.has(name)) out[name] = value;
      res.writeHead(up.statusCode ?? 502, out);
      up.pipe(res);
    });
    upstream.on('error', () => res.destroy());
    req.pipe(upstream);
  }

  async close(): Promise<void> {
    this.#held.length = 0;
    this.#server.closeAllConnections();
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }
}
