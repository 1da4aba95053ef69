// Real servers on 127.0.0.1 for the alert channel tests: an SMTP server (smtp-server) that keeps what it
// receives, an HTTP webhook receiver with scripted answers, a settable clock, and a small MIME decoder.
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after } from 'node:test';
import { SMTPServer, type SMTPServerOptions } from 'smtp-server';

export class TestClock {
  #t: number;
  constructor(iso: string) {
    this.#t = Date.parse(iso);
  }
  now(): Date {
    return new Date(this.#t);
  }
  set(iso: string | Date): void {
    this.#t = typeof iso === 'string' ? Date.parse(iso) : iso.getTime();
  }
  advance(ms: number): void {
    this.#t += ms;
  }
}

export interface ReceivedMail {
  readonly from: string;
  readonly to: readonly string[];
  readonly raw: string;
  readonly user: string | null;
}

export interface SmtpOptions {
  readonly port?: number;
  /** Accepted login; without it AUTH is optional. */
  readonly login?: { readonly user: string; readonly pass: string };
  /** Offer STARTTLS with smtp-server's built-in self-signed certificate (default: no TLS). */
  readonly tls?: boolean;
  /** Recipients refused with "550 5.1.1 mailbox unknown", as a real server does for an address that does not exist. */
  readonly unknownRecipients?: readonly string[];
  /** Senders refused with "553 5.7.1 sender not allowed". */
  readonly refusedSenders?: readonly string[];
}

export interface SmtpHandle {
  readonly port: number;
  readonly mails: ReceivedMail[];
  /** Failed logins seen. */
  readonly authFailures: number;
  close(): Promise<void>;
}

/** A real SMTP server on 127.0.0.1, closed after the test file. */
export async function startSmtp(options: SmtpOptions = {}): Promise<SmtpHandle> {
  const mails: ReceivedMail[] = [];
  let authFailures = 0;
  const config: SMTPServerOptions = {
    authOptional: options.login === undefined,
    allowInsecureAuth: !options.tls,
    disabledCommands: options.tls ? [] : ['STARTTLS'],
    logger: false,
    onAuth(auth, _session, callback) {
      if (options.login && auth.username === options.login.user && auth.password === options.login.pass) return callback(null, { user: auth.username });
      authFailures++;
      return callback(new Error('Invalid username or password'));
    },
    onRcptTo(address, _session, callback) {
      if (options.unknownRecipients?.includes(address.address)) return callback(Object.assign(new Error('5.1.1 mailbox unknown'), { responseCode: 550 }));
      return callback();
    },
    onMailFrom(address, _session, callback) {
      if (options.refusedSenders?.includes(address.address)) return callback(Object.assign(new Error('5.7.1 sender not allowed'), { responseCode: 553 }));
      return callback();
    },
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => {
        mails.push({
          from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
          to: session.envelope.rcptTo.map((r) => r.address),
          raw: Buffer.concat(chunks).toString('utf8'),
          user: typeof session.user === 'string' ? session.user : null,
        });
        callback();
      });
    },
  };
  const server = new SMTPServer(config);
  // Connection-level errors (a client resetting the socket as it closes) are emitted here; without a
  // listener they would crash the test process.
  server.on('error', () => undefined);
  await new Promise<void>((resolve, reject) => {
    server.server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => resolve());
  });
  const port = (server.server.address() as AddressInfo).port;
  let closed = false;
  const close = (): Promise<void> =>
    closed
      ? Promise.resolve()
      : new Promise<void>((resolve) => {
          closed = true;
          server.close(() => resolve());
        });
  after(close);
  return {
    port,
    mails,
    get authFailures() {
      return authFailures;
    },
    close,
  };
}

/** A port nothing listens on (taken and released). */
export async function freePort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', () => r()));
  const port = (s.address() as AddressInfo).port;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

export interface WebhookRequest {
  readonly method: string;
  readonly url: string;
  readonly headers: IncomingHttpHeaders;
  readonly body: Buffer;
  readonly at: number;
}

export interface WebhookReceiver {
  readonly url: string;
  readonly requests: WebhookRequest[];
  /** Status answered to the next requests (one per entry, then `fallback`); -1 never answers. */
  script(statuses: readonly number[], fallback?: number): void;
  close(): Promise<void>;
}

/** A real HTTP server on 127.0.0.1 receiving webhooks. */
export async function startWebhookReceiver(): Promise<WebhookReceiver> {
  const requests: WebhookRequest[] = [];
  let queue: number[] = [];
  let fallback = 204;
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      requests.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, body: Buffer.concat(chunks), at: Date.now() });
      const status = queue.shift() ?? fallback;
      if (status < 0) return; // hang: never answer (the client's timeout must fire)
      res.writeHead(status, { 'Content-Type': 'text/plain', ...(status >= 300 && status < 400 ? { Location: 'http://127.0.0.1:9/elsewhere' } : {}) });
      res.end(status >= 400 ? 'error from receiver' : '');
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const port = (server.address() as AddressInfo).port;
  let closed = false;
  const close = (): Promise<void> => {
    if (closed) return Promise.resolve();
    closed = true;
    server.closeAllConnections();
    return new Promise<void>((r) => server.close(() => r()));
  };
  after(close);
  return {
    url: `http://127.0.0.1:${port}/hooks/clinic`,
    requests,
    script(statuses, fb = 204) {
      queue = [...statuses];
      fallback = fb;
    },
    close,
  };
}

// ------------------------------------------------------------------ MIME

export interface ParsedMail {
  readonly headers: Map<string, string>;
  readonly subject: string;
  readonly text: string;
  readonly html: string;
}

function splitHeaders(block: string): Map<string, string> {
  const unfolded = block.replace(/\r?\n[ \t]+/g, ' ');
  const map = new Map<string, string>();
  for (const line of unfolded.split(/\r?\n/)) {
    const i = line.indexOf(':');
    if (i > 0) map.set(line.slice(0, i).trim().toLowerCase(), line.slice(i + 1).trim());
  }
  return map;
}

function decodeWords(value: string): string {
  return value.replace(/=\?([^?]+)\?([BbQq])\?([^?]*)\?=\s*(?==\?)?/g, (_all, _charset: string, enc: string, data: string) =>
    enc.toUpperCase() === 'B'
      ? Buffer.from(data, 'base64').toString('utf8')
      : Buffer.from(
          data.replace(/_/g, ' ').replace(/=([0-9A-F]{2})/gi, (_m, h: string) => String.fromCharCode(parseInt(h, 16))),
          'latin1',
        ).toString('utf8'),
  );
}

function decodeBody(body: string, encoding: string | undefined): string {
  const enc = (encoding ?? '7bit').toLowerCase();
  if (enc === 'base64') return Buffer.from(body.replace(/\s+/g, ''), 'base64').toString('utf8');
  if (enc === 'quoted-printable') {
    const soft = body.replace(/=\r?\n/g, '');
    const bytes: number[] = [];
    for (let i = 0; i < soft.length; i++) {
      const c = soft[i]!;
      if (c === '=' && /^[0-9A-F]{2}$/i.test(soft.slice(i + 1, i + 3))) {
        bytes.push(parseInt(soft.slice(i + 1, i + 3), 16));
        i += 2;
      } else bytes.push(...Buffer.from(c, 'utf8'));
    }
    return Buffer.from(bytes).toString('utf8');
  }
  return body;
}

/** Decodes the subject and the text/html parts of a (multipart/alternative) message. */
export function parseMail(raw: string): ParsedMail {
  const cut = raw.search(/\r?\n\r?\n/);
  const headers = splitHeaders(raw.slice(0, cut));
  const body = raw.slice(cut).replace(/^\r?\n\r?\n/, '');
  let text = '';
  let html = '';
  const type = headers.get('content-type') ?? 'text/plain';
  const boundary = /boundary="?([^";]+)"?/i.exec(type)?.[1];
  const parts = boundary ? body.split(`--${boundary}`).slice(1, -1) : [raw.slice(cut)];
  for (const part of parts) {
    const p = part.replace(/^\r?\n/, '');
    const pc = p.search(/\r?\n\r?\n/);
    const ph = boundary ? splitHeaders(p.slice(0, pc)) : headers;
    const content = decodeBody(boundary ? p.slice(pc).replace(/^\r?\n\r?\n/, '') : body, ph.get('content-transfer-encoding'));
    const ct = (ph.get('content-type') ?? '').toLowerCase();
    if (ct.startsWith('multipart/')) {
      // A message with attachments nests its alternative parts (multipart/mixed → multipart/alternative).
      const inner = parseMail(p);
      text ||= inner.text;
      html ||= inner.html;
    } else if (ct.startsWith('text/html')) html = content;
    else if (ct.startsWith('text/plain') || ct === '') text = content;
  }
  return { headers, subject: decodeWords(headers.get('subject') ?? ''), text, html };
}
