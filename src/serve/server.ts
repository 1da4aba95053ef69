/**
 * `clinic-backup serve`: the engine API over HTTP + SSE on 127.0.0.1, serving the built renderer.
 *
 *   POST /api/<method>   one route per method of the API contract (src/shared/api.ts);
 *                        body {"args": [...]} → 200 {"value": …} or 4xx/5xx {"error": ErrorInfo}
 *   GET  /api/events     Server-Sent Events: every EngineEvent as `data: <json>`
 *   GET  /metrics        Prometheus text format
 *   GET  /…              the renderer (renderer/dist), index.html for "/"
 *
 * Security (the machine is shared by the clinic's staff; the browser visits other sites):
 *  - bound to 127.0.0.1 only; requests from another address are refused;
 *  - a random token per start: `Authorization: Bearer <token>`, or a cookie set once by the launch URL
 *    `/?token=<token>` (that URL works one time; the cookie is HttpOnly, SameSite=Strict);
 *  - Host must be 127.0.0.1:<port> or localhost:<port> (DNS rebinding), Origin when present the same origin,
 *    and a cookie-authenticated POST must carry that Origin and a JSON content type (CSRF);
 *  - strict CSP and no-store on every response.
 */
import { randomBytes, timingSafeEqual } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { t, toErrorInfo, type Locale } from '../index.js';
import { API_METHOD_NAMES, type ApiMethodName, EngineError, type EngineEvent, type ErrorCode, type ErrorInfo } from '../shared/index.js';
import type { EngineHost } from '../api/index.js';
import { createMetrics, type Metrics } from './metrics.js';

export interface ServeOptions {
  readonly host: EngineHost;
  /** The built renderer (renderer/dist). */
  readonly rendererDir: string;
  /** 0 (default) picks a free port. */
  readonly port?: number;
  /** Fixed token (tests); random otherwise. */
  readonly token?: string;
}

export interface ServeHandle {
  /** The launch URL, with the one-time token. */
  readonly url: string;
  readonly origin: string;
  readonly port: number;
  readonly token: string;
  /** Name of the session cookie (per port: cookies are not port-specific). */
  readonly cookieName: string;
  close(): Promise<void>;
}

export const CONTENT_SECURITY_POLICY =
  "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; font-src 'self'; connect-src 'self'; manifest-src 'self'; frame-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'; object-src 'none'";

/** Generated reports (drill reports): their own inline styles, no scripts at all, shown framed by the app only. */
export const REPORT_CONTENT_SECURITY_POLICY = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; base-uri 'none'; form-action 'none'; frame-ancestors 'self'; sandbox";

const SECURITY_HEADERS: Readonly<Record<string, string>> = {
  'Content-Security-Policy': CONTENT_SECURITY_POLICY,
  'X-Content-Type-Options': 'nosniff',
  'X-Frame-Options': 'DENY',
  'Referrer-Policy': 'no-referrer',
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Resource-Policy': 'same-origin',
  'Permissions-Policy': 'camera=(), microphone=(), geolocation=(), usb=(), serial=()',
};

const MIME: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.txt': 'text/plain; charset=utf-8',
};

const MAX_BODY = 1024 * 1024;
/** The API routes, one per method of the contract. */
const API_ROUTES: ReadonlyMap<string, ApiMethodName> = new Map(API_METHOD_NAMES.map((m) => [m, m]));
const LOOPBACK = new Set(['127.0.0.1', '::1', '::ffff:127.0.0.1']);

function statusFor(code: ErrorCode): number {
  if (code === 'UNAUTHORIZED') return 401;
  if (code === 'FORBIDDEN_ORIGIN') return 403;
  if (code === 'USAGE' || code === 'INVALID_ARGUMENT' || code === 'INVALID_SETTINGS') return 400;
  if (code === 'NOT_FOUND') return 404;
  if (code === 'INTERNAL') return 500;
  return 422;
}

function sameToken(given: string | undefined, token: string): boolean {
  if (!given) return false;
  const a = Buffer.from(given);
  const b = Buffer.from(token);
  return a.length === b.length && timingSafeEqual(a, b);
}

function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

function cookies(header: string | undefined): Map<string, string> {
  const out = new Map<string, string>();
  for (const part of (header ?? '').split(';')) {
    const i = part.indexOf('=');
    if (i > 0) out.set(part.slice(0, i).trim(), part.slice(i + 1).trim());
  }
  return out;
}

/** The UI language of a request: X-Clinic-Locale header (sent by the client), else the host's. */
function requestLocale(req: http.IncomingMessage, fallback: Locale): Locale {
  const v = req.headers['x-clinic-locale'];
  return v === 'en' || v === 'pt-BR' ? v : fallback;
}

export async function startServe(options: ServeOptions): Promise<ServeHandle> {
  const { host } = options;
  const token = options.token ?? randomBytes(32).toString('base64url');
  let launchTokenUsed = false;
  const sseClients = new Set<http.ServerResponse>();
  const metrics: Metrics = createMetrics(async () => {
    const r = await host.request('status', []);
    return r.ok ? r.value : null;
  });
  const unsubscribe = host.subscribe((event: EngineEvent) => {
    metrics.observe(event);
    const frame = `data: ${JSON.stringify(event)}\n\n`;
    for (const res of sseClients) res.write(frame);
  });
  let port = 0;
  let cookieName = '';
  const allowedHosts = (): string[] => [`127.0.0.1:${port}`, `localhost:${port}`];
  const allowedOrigins = (): string[] => allowedHosts().map((h) => `http://${h}`);

  const send = (res: http.ServerResponse, status: number, body: string | Buffer, type: string, extra: Record<string, string> = {}): void => {
    // An answer given before the request body was read (a refused or malformed request) closes the connection, so
    // the unread bytes can never be taken for the next request on a kept-alive socket.
    const close = res.req.complete ? {} : { Connection: 'close' };
    res.writeHead(status, { ...SECURITY_HEADERS, 'Content-Type': type, 'Cache-Control': 'no-store', ...close, ...extra });
    res.end(body);
  };
  const sendError = (res: http.ServerResponse, info: ErrorInfo): void => send(res, statusFor(info.code), JSON.stringify({ error: info }), 'application/json; charset=utf-8');
  const sendPage = (res: http.ServerResponse, status: number, title: string, text: string): void =>
    send(
      res,
      status,
      `<!doctype html><html><head><meta charset="utf-8"><title>${escapeHtml(title)}</title></head><body><h1>${escapeHtml(title)}</h1><p>${escapeHtml(text)}</p></body></html>`,
      'text/html; charset=utf-8',
    );

  async function serveStatic(req: http.IncomingMessage, res: http.ServerResponse, pathname: string, locale: Locale): Promise<void> {
    const root = path.resolve(options.rendererDir);
    const rel = pathname === '/' ? 'index.html' : decodeURIComponent(pathname).replace(/^\/+/, '');
    const file = path.resolve(root, rel);
    if (file !== root && !file.startsWith(root + path.sep)) return sendPage(res, 404, '404', t('serve.notFound', {}, locale));
    let info: Awaited<ReturnType<typeof stat>> | null = null;
    try {
      info = await stat(file);
    } catch (err) {
      // Not there (or a path through a file): a 404 below; anything else is a server error.
      const code = (err as NodeJS.ErrnoException).code;
      if (code !== 'ENOENT' && code !== 'ENOTDIR') throw err;
    }
    if (!info || !info.isFile()) {
      if (rel === 'index.html') return sendPage(res, 503, 'Clinic Backup', t('serve.rendererMissing', { dir: root }, locale));
      return sendPage(res, 404, '404', t('serve.notFound', {}, locale));
    }
    const type = MIME[path.extname(file).toLowerCase()] ?? 'application/octet-stream';
    res.writeHead(200, { ...SECURITY_HEADERS, 'Content-Type': type, 'Content-Length': String(info.size), 'Cache-Control': rel.startsWith('assets/') ? 'private, max-age=3600' : 'no-store' });
    if (req.method === 'HEAD') return void res.end();
    createReadStream(file).pipe(res);
  }

  async function readJson(req: http.IncomingMessage, locale: Locale): Promise<unknown> {
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const c of req) {
      size += (c as Buffer).length;
      if (size > MAX_BODY) throw new EngineError('INVALID_ARGUMENT', { field: 'body', reason: t('serve.bodyTooLarge', { max: MAX_BODY }, locale) });
      chunks.push(c as Buffer);
    }
    const text = Buffer.concat(chunks).toString('utf8');
    if (text.trim() === '') return {};
    try {
      return JSON.parse(text) as unknown;
    } catch {
      throw new EngineError('INVALID_ARGUMENT', { field: 'body', reason: t('serve.notJson', {}, locale) });
    }
  }

  async function handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const locale = requestLocale(req, host.locale);
    const forbidden = (reason: string): void => sendError(res, toErrorInfo(new EngineError('FORBIDDEN_ORIGIN', { reason }), locale));
    // 1. Loopback peers only, with our own Host (DNS rebinding) and Origin.
    if (!LOOPBACK.has(req.socket.remoteAddress ?? '')) return forbidden('not a loopback address');
    if (!allowedHosts().includes(String(req.headers.host ?? '').toLowerCase())) return forbidden('Host header');
    const origin = req.headers.origin;
    if (origin !== undefined && !allowedOrigins().includes(origin)) return forbidden('Origin header');
    if (req.headers['sec-fetch-site'] === 'cross-site') return forbidden('cross-site request');

    const url = new URL(req.url ?? '/', `http://127.0.0.1:${port}`);
    // 2. The launch URL: exchanges the one-time token for the session cookie, then drops it from the address bar.
    const queryToken = url.searchParams.get('token');
    if (queryToken !== null && req.method === 'GET') {
      if (launchTokenUsed || !sameToken(queryToken, token)) return sendPage(res, 401, 'Clinic Backup', t('serve.launchUsed', {}, locale));
      launchTokenUsed = true;
      url.searchParams.delete('token');
      res.writeHead(303, { ...SECURITY_HEADERS, Location: url.pathname + url.search, 'Set-Cookie': `${cookieName}=${token}; HttpOnly; SameSite=Strict; Path=/`, 'Cache-Control': 'no-store' });
      return void res.end();
    }
    // 3. The token, as a bearer header or the session cookie.
    const auth = req.headers.authorization;
    const bearer = auth?.startsWith('Bearer ') ? auth.slice(7).trim() : undefined;
    const viaBearer = sameToken(bearer, token);
    const viaCookie = !viaBearer && sameToken(cookies(req.headers.cookie).get(cookieName), token);
    if (!viaBearer && !viaCookie) {
      if (url.pathname.startsWith('/api/') || url.pathname === '/metrics') return sendError(res, toErrorInfo(new EngineError('UNAUTHORIZED'), locale));
      return sendPage(res, 401, 'Clinic Backup', t('serve.unauthorized', {}, locale));
    }

    if (url.pathname === '/api/events' && req.method === 'GET') {
      res.writeHead(200, { ...SECURITY_HEADERS, 'Content-Type': 'text/event-stream; charset=utf-8', 'Cache-Control': 'no-store', Connection: 'keep-alive', 'X-Accel-Buffering': 'no' });
      res.write('retry: 2000\n\n: connected\n\n');
      sseClients.add(res);
      const heartbeat = setInterval(() => res.write(': keep-alive\n\n'), 15_000);
      req.on('close', () => {
        clearInterval(heartbeat);
        sseClients.delete(res);
      });
      return;
    }
    if (url.pathname === '/metrics' && req.method === 'GET') return send(res, 200, await metrics.render(), metrics.contentType);
    const pdf = /^\/reports\/drill\/(\d{1,9})\.pdf$/.exec(url.pathname);
    if (pdf && req.method === 'GET') {
      const r = await host.drillReportPdf(Number(pdf[1]));
      if (!r.ok) return sendPage(res, statusFor(r.error.code), 'Clinic Backup', r.error.message);
      res.writeHead(200, { ...SECURITY_HEADERS, 'Content-Type': 'application/pdf', 'Content-Disposition': `attachment; filename="teste-de-restauracao-${pdf[1]}.pdf"`, 'Cache-Control': 'no-store' });
      return void res.end(r.value);
    }
    const report = /^\/reports\/drill\/(\d{1,9})$/.exec(url.pathname);
    if (report && req.method === 'GET') {
      const r = await host.request('drillReport', [Number(report[1])], locale);
      if (!r.ok) return sendPage(res, statusFor(r.error.code), 'Clinic Backup', r.error.message);
      res.writeHead(200, {
        ...SECURITY_HEADERS,
        'Content-Security-Policy': REPORT_CONTENT_SECURITY_POLICY,
        'X-Frame-Options': 'SAMEORIGIN',
        'Content-Type': 'text/html; charset=utf-8',
        'Cache-Control': 'no-store',
      });
      return void res.end(r.value.html);
    }
    if (url.pathname.startsWith('/api/')) {
      if (req.method !== 'POST') return sendError(res, toErrorInfo(new EngineError('USAGE', { reason: t('serve.usePost', {}, locale) }), locale));
      // A cookie rides along on any request the browser makes: demand what a cross-site form cannot send.
      if (viaCookie && (origin === undefined || !String(req.headers['content-type'] ?? '').startsWith('application/json'))) return forbidden('a browser call needs Origin and a JSON body');
      let method: string;
      try {
        method = decodeURIComponent(url.pathname.slice('/api/'.length));
      } catch {
        return sendError(res, toErrorInfo(new EngineError('USAGE', { reason: t('serve.badPath', {}, locale) }), locale));
      }
      let body: unknown;
      try {
        body = await readJson(req, locale);
      } catch (err) {
        return sendError(res, toErrorInfo(err, locale));
      }
      const args = typeof body === 'object' && body !== null && 'args' in body ? (body as { args: unknown }).args : [];
      const route = API_ROUTES.get(method);
      if (!route) return sendError(res, toErrorInfo(new EngineError('INVALID_ARGUMENT', { field: 'method', reason: `unknown method ${method.slice(0, 64)}` }), locale));
      const r = await host.call(route, Array.isArray(args) ? args : [args], locale);
      if (!r.ok) return sendError(res, r.error);
      return send(res, 200, JSON.stringify({ value: r.value }), 'application/json; charset=utf-8');
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') return sendError(res, toErrorInfo(new EngineError('USAGE', { reason: t('serve.methodNotAllowed', {}, locale) }), locale));
    return serveStatic(req, res, url.pathname, locale);
  }

  const server = http.createServer((req, res) => {
    handle(req, res).catch((err: unknown) => {
      if (!res.headersSent) sendError(res, toErrorInfo(err, host.locale));
      else res.destroy();
    });
  });
  server.keepAliveTimeout = 5_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => resolve());
  });
  port = (server.address() as AddressInfo).port;
  cookieName = `clinic_backup_${port}`;
  const originUrl = `http://127.0.0.1:${port}`;
  return {
    url: `${originUrl}/?token=${token}`,
    origin: originUrl,
    port,
    token,
    cookieName,
    async close() {
      unsubscribe();
      for (const res of sseClients) res.end();
      sseClients.clear();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
