/**
 * E-mail alerts over SMTP (nodemailer). One message per alert, with a plain-text and an HTML body in the
 * configured language: what happened, since when, what to do, and which clinic and source it is about.
 * The subject starts with the severity so a mailbox rule or a glance at the inbox is enough.
 *
 * The SMTP password is read from the SecretStore by name at each send and handed to nodemailer only;
 * nodemailer's logger stays off, and failures are reported as ALERT_CHANNEL_FAILED with a short reason
 * built from the SMTP error code and reply code (never the server's full text), redacted anyway.
 */
import { DEFAULT_LOCALE, t, type Locale } from '../i18n/index.js';
import { EngineError, type ErrorCode, isEngineError } from '../shared/index.js';
import type { SecretStore } from '../secrets/index.js';
import { channelFailure, type AlertChannel, type AlertNotice } from './channel.js';
import { DEFAULT_ALERT_TIME_ZONE, alertSince, formatDateTime, formatDuration, renderAlert } from './render.js';

export type SmtpSecurity = 'tls' | 'starttls' | 'none';

export interface EmailChannelOptions {
  /** Channel name in the catalog; default "email". */
  readonly name?: string;
  readonly host: string;
  /** Default 465 for tls, 587 for starttls, 25 for none. */
  readonly port?: number;
  /**
   * tls: TLS from the first byte (port 465). starttls (default): plain connection upgraded with STARTTLS,
   * which is required. none: no encryption, only for a relay on this machine or the clinic's network
   * (and then without a login unless the relay is on this machine: a password is never sent in clear).
   */
  readonly security?: SmtpSecurity;
  /** Checks the server certificate (default true). Turn off only for a relay with a self-signed certificate. */
  readonly rejectUnauthorized?: boolean;
  readonly username?: string;
  /** Name of the SMTP password in the SecretStore. */
  readonly passwordSecret?: string;
  readonly secrets?: SecretStore;
  readonly from: string;
  readonly to: readonly string[];
  readonly locale?: Locale;
  readonly timeZone?: string;
  /** Connection, greeting and socket timeouts (default 20 s each). */
  readonly timeoutMs?: number;
}

export interface RenderedEmail {
  readonly subject: string;
  readonly text: string;
  readonly html: string;
}

const SEVERITY_COLORS: Readonly<Record<string, { bg: string; fg: string }>> = {
  critical: { bg: '#c0392b', fg: '#ffffff' },
  high: { bg: '#d35400', fg: '#ffffff' },
  medium: { bg: '#f1c40f', fg: '#1b1b1b' },
  low: { bg: '#95a5a6', fg: '#1b1b1b' },
};

function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] ?? c);
}

/** Subject and bodies of the e-mail for a notice (exported for previews and tests). */
export function renderAlertEmail(notice: AlertNotice, options: { locale?: Locale; timeZone?: string } = {}): RenderedEmail {
  const locale = options.locale ?? DEFAULT_LOCALE;
  const timeZone = options.timeZone ?? DEFAULT_ALERT_TIME_ZONE;
  const r = renderAlert(notice.alert, { locale, timeZone });
  const { clinicName, sourceName } = notice.context;
  const sinceAt = alertSince(notice.alert);
  const since = formatDateTime(sinceAt, locale, timeZone);
  const sinceAgo = formatDuration(notice.sentAt.getTime() - Date.parse(sinceAt), locale);
  const sent = formatDateTime(notice.sentAt, locale, timeZone);
  const L = (k: string, p: Record<string, string> = {}): string => t(`alerts.email.${k}`, p, locale);

  const resolved = notice.kind === 'resolved';
  const subject =
    notice.kind === 'test'
      ? L('subjectTest', { clinic: clinicName })
      : resolved
        ? L('subjectResolved', { title: r.title, clinic: clinicName })
        : L('subject', { severity: r.severityLabel.toUpperCase(), title: r.title, clinic: clinicName });
  const clearedAt = notice.alert.clearedAt ?? notice.sentAt.toISOString();
  const rows: [string, string][] = [
    ...(resolved ? ([[L('resolved'), L('resolvedValue', { at: formatDateTime(clearedAt, locale, timeZone) })]] as [string, string][]) : []),
    [resolved ? L('whatWas') : L('what'), r.message],
    [L('since'), L('sinceValue', { since, ago: sinceAgo })],
    ...(resolved ? [] : ([[L('todo'), r.fix]] as [string, string][])),
    [L('clinic'), clinicName],
    ...(sourceName ? ([[L('source'), sourceName]] as [string, string][]) : []),
    [L('severity'), r.severityLabel],
  ];
  const footer = L('footer', { sent, key: notice.alert.key });

  const badge = resolved ? L('resolvedBadge') : r.severityLabel.toUpperCase();
  const text = [`${badge}: ${r.title}`, '', ...rows.flatMap(([k, v]) => [`${k}:`, `  ${v}`, '']), '--', footer, ''].join('\n');

  const color = (resolved ? SEVERITY_COLORS['low'] : SEVERITY_COLORS[notice.alert.severity]) ?? SEVERITY_COLORS['low']!;
  const html = `<!DOCTYPE html>
<html lang="${locale}">
<head><meta charset="utf-8"><title>${escapeHtml(subject)}</title></head>
<body style="font-family: Arial, Helvetica, sans-serif; color: #1b1b1b; margin: 0; padding: 16px;">
<div style="max-width: 640px;">
<p style="display: inline-block; margin: 0 0 8px; padding: 4px 10px; border-radius: 4px; background: ${color.bg}; color: ${color.fg}; font-weight: bold;">${escapeHtml(badge)}</p>
<h2 style="margin: 4px 0 16px;">${escapeHtml(r.title)}</h2>
<table style="border-collapse: collapse; width: 100%;">
${rows.map(([k, v]) => `<tr><th style="text-align: left; vertical-align: top; padding: 6px 12px 6px 0; white-space: nowrap;">${escapeHtml(k)}</th><td style="padding: 6px 0;">${escapeHtml(v)}</td></tr>`).join('\n')}
</table>
<p style="margin-top: 24px; font-size: 12px; color: #666;">${escapeHtml(footer)}</p>
</div>
</body>
</html>
`;
  return { subject, text, html };
}

interface SmtpErrorShape {
  code?: unknown;
  responseCode?: unknown;
  command?: unknown;
  message?: unknown;
}

function isLoopback(host: string): boolean {
  const h = host.toLowerCase().replace(/^\[|\]$/g, '');
  return h === 'localhost' || h === '::1' || /^127\.\d+\.\d+\.\d+$/.test(h);
}

const NETWORK_CODES = /ECONNREFUSED|ECONNRESET|EHOSTUNREACH|ENETUNREACH|ENOTFOUND|EAI_AGAIN|ETIMEDOUT|EPIPE/;

interface SmtpEnvelopeError extends SmtpErrorShape {
  rejected?: unknown;
}

/**
 * The error for a nodemailer failure: the field it concerns (server and port, user and password, sender,
 * recipient) with a stable code, a short English reason for the logs, and whether to try again later. Never the
 * server's full text (it may echo anything).
 */
function classify(
  err: unknown,
  o: { host: string; port: number; username?: string | undefined; from: string; to: readonly string[] },
): { code: ErrorCode; details: Record<string, string | number>; reason: string; transient: boolean } {
  const e = (typeof err === 'object' && err !== null ? err : {}) as SmtpEnvelopeError;
  const code = typeof e.code === 'string' ? e.code : '';
  const reply = typeof e.responseCode === 'number' ? e.responseCode : null;
  const message = typeof e.message === 'string' ? e.message : '';
  const command = typeof e.command === 'string' ? e.command.toUpperCase() : '';
  const net = NETWORK_CODES.exec(message)?.[0] ?? NETWORK_CODES.exec(code)?.[0];
  const server = { host: o.host, port: o.port };
  if (code === 'EAUTH')
    return {
      code: 'SMTP_AUTH',
      details: { host: o.host, username: o.username ?? '', field: 'email.username' },
      reason: `authentication failed${reply ? ` (SMTP ${reply})` : ''}`,
      transient: reply !== null && reply < 500,
    };
  if (code === 'ETLS' || /certificate|self[- ]signed|SSL|TLS/i.test(message))
    return { code: 'SMTP_TLS', details: { ...server, field: 'email.security' }, reason: 'TLS error (certificate or encryption settings)', transient: false };
  if (code === 'EDNS' || net === 'ENOTFOUND' || net === 'EAI_AGAIN') return { code: 'SMTP_DNS', details: { host: o.host, field: 'email.host' }, reason: 'SMTP server name not found', transient: true };
  if (net) return { code: 'SMTP_UNREACHABLE', details: { ...server, field: 'email.host' }, reason: `SMTP server unreachable (${net})`, transient: true };
  if (code === 'ETIMEDOUT' || code === 'ECONNECTION' || code === 'ESOCKET' || code === 'ECONNRESET')
    return { code: 'SMTP_UNREACHABLE', details: { ...server, field: 'email.host' }, reason: `SMTP connection failed (${code})`, transient: true };
  if (code === 'EENVELOPE' || command.startsWith('RCPT') || command.startsWith('MAIL')) {
    const transient = reply !== null && reply < 500;
    const refused = `address refused${reply ? ` (SMTP ${reply})` : ''}`;
    if (command.startsWith('MAIL')) return { code: 'SMTP_SENDER_REFUSED', details: { address: o.from, field: 'email.from' }, reason: `sender ${refused}`, transient };
    // nodemailer lists the refused recipients; one of ours, never text the server made up.
    const listed = Array.isArray(e.rejected) ? e.rejected.filter((x): x is string => typeof x === 'string') : [];
    const address = listed.find((x) => o.to.includes(x)) ?? (o.to.length === 1 ? o.to[0] : undefined);
    if (address !== undefined) return { code: 'SMTP_RECIPIENT_UNKNOWN', details: { address, field: 'email.to' }, reason: `recipient ${refused}`, transient };
    return { code: 'ALERT_CHANNEL_FAILED', details: {}, reason: refused, transient };
  }
  if (reply !== null) return { code: 'ALERT_CHANNEL_FAILED', details: {}, reason: `SMTP ${reply}`, transient: reply < 500 };
  return { code: 'ALERT_CHANNEL_FAILED', details: {}, reason: code ? `SMTP error ${code}` : 'SMTP error', transient: true };
}

/** An e-mail the product sends besides alerts (the weekly summary). */
export interface OutgoingEmail {
  readonly subject: string;
  readonly text: string;
  readonly html: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly attachments?: readonly { readonly filename: string; readonly content: Buffer; readonly contentType: string }[];
}

export class EmailChannel implements AlertChannel {
  readonly name: string;
  readonly #o: EmailChannelOptions;

  constructor(options: EmailChannelOptions) {
    if (!options.host) throw new EngineError('INVALID_ARGUMENT', { field: 'email.host', reason: 'empty' });
    if (!options.from) throw new EngineError('INVALID_ARGUMENT', { field: 'email.from', reason: 'empty' });
    if (options.to.length === 0) throw new EngineError('INVALID_ARGUMENT', { field: 'email.to', reason: 'no recipient' });
    if (options.passwordSecret && !options.secrets) throw new EngineError('INVALID_ARGUMENT', { field: 'email.secrets', reason: 'a SecretStore is needed for passwordSecret' });
    if (options.passwordSecret && !options.username) throw new EngineError('INVALID_ARGUMENT', { field: 'email.username', reason: 'needed with a password' });
    if (options.passwordSecret && (options.security ?? 'starttls') === 'none' && !isLoopback(options.host)) {
      throw new EngineError('INVALID_ARGUMENT', { field: 'email.security', reason: 'a login is only sent encrypted: use starttls or tls (none is for a relay on this machine)' });
    }
    this.name = options.name ?? 'email';
    this.#o = options;
  }

  async send(notice: AlertNotice, signal?: AbortSignal): Promise<void> {
    const o = this.#o;
    const mail = renderAlertEmail(notice, { locale: o.locale ?? DEFAULT_LOCALE, timeZone: o.timeZone ?? DEFAULT_ALERT_TIME_ZONE });
    await this.sendMessage({ ...mail, headers: { 'X-Clinic-Backup-Alert': notice.alert.key, 'X-Clinic-Backup-Severity': notice.alert.severity, 'X-Clinic-Backup-Event': notice.kind } }, signal, {
      strictRecipients: notice.kind === 'test',
    });
  }

  /** Sends any message of the product (the weekly summary) through this channel's server and recipients. */
  async sendMessage(message: OutgoingEmail, signal?: AbortSignal, options: { strictRecipients?: boolean } = {}): Promise<void> {
    const o = this.#o;
    if (signal?.aborted) throw new EngineError('CANCELLED');
    let password: string | null = null;
    if (o.passwordSecret && o.secrets) {
      try {
        password = await o.secrets.get(o.passwordSecret);
      } catch (err) {
        const code = err instanceof EngineError ? err.code : 'error';
        throw channelFailure(this.name, `the SMTP login could not be read from the key store (${code})`, { transient: true });
      }
      if (password === null) throw channelFailure(this.name, `no SMTP login stored under "${o.passwordSecret}"`, { transient: false });
    }
    const security = o.security ?? 'starttls';
    const timeout = o.timeoutMs ?? 20_000;
    // nodemailer loads when the first e-mail is sent, never for commands that send none.
    const { default: nodemailer } = await import('nodemailer');
    const port = o.port ?? (security === 'tls' ? 465 : security === 'starttls' ? 587 : 25);
    const transport = nodemailer.createTransport({
      host: o.host,
      port,
      secure: security === 'tls',
      requireTLS: security === 'starttls',
      ignoreTLS: security === 'none',
      tls: { rejectUnauthorized: o.rejectUnauthorized ?? true },
      connectionTimeout: timeout,
      greetingTimeout: timeout,
      socketTimeout: timeout,
      logger: false,
      debug: false,
      ...(o.username && password !== null ? { auth: { user: o.username, pass: password } } : {}),
    });
    const onAbort = (): void => transport.close();
    signal?.addEventListener('abort', onAbort, { once: true });
    try {
      const info = await transport.sendMail({
        from: o.from,
        to: [...o.to],
        subject: message.subject,
        text: message.text,
        html: message.html,
        headers: { ...message.headers },
        ...(message.attachments ? { attachments: message.attachments.map((a) => ({ filename: a.filename, content: a.content, contentType: a.contentType })) } : {}),
      });
      // Some recipients accepted, others refused: the message went out, but a test must say which address is wrong.
      const refused = ((info.rejected ?? []) as unknown[]).map((r) => (typeof r === 'string' ? r : typeof r === 'object' && r !== null ? String((r as { address?: unknown }).address) : ''));
      const unknown = o.to.find((x) => refused.includes(x));
      if (options.strictRecipients && unknown !== undefined) {
        throw channelFailure(this.name, 'recipient address refused', { transient: false, code: 'SMTP_RECIPIENT_UNKNOWN', details: { address: unknown, field: 'email.to' } });
      }
    } catch (err) {
      if (signal?.aborted) throw new EngineError('CANCELLED');
      if (isEngineError(err)) throw err;
      const failure = classify(err, { host: o.host, port, username: o.username, from: o.from, to: o.to });
      throw channelFailure(this.name, failure.reason, { transient: failure.transient, secrets: [password], code: failure.code, details: failure.details });
    } finally {
      signal?.removeEventListener('abort', onAbort);
      transport.close();
    }
  }
}
