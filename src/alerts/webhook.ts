/**
 * Webhook alerts: one JSON POST per alert.
 *
 * Payload (schema "clinic-backup.alert/v1"; fields are only ever added within v1):
 *   {
 *     "schema":   "clinic-backup.alert/v1",
 *     "event":    "alert" | "test",
 *     "deliveryId": "<uuid>",           // the same across the retries of one send: use it to ignore duplicates
 *     "sentAt":   "<ISO 8601>",
 *     "clinic":   { "name": "…", "source": "…" | null },
 *     "alert": {
 *       "id": 12, "key": "stale:nas", "rule": "stale",
 *       "severity": "low" | "medium" | "high" | "critical",
 *       "firstAt": "<ISO>", "lastAt": "<ISO>",
 *       "messageKey": "alerts.stale.message", "params": { … plain values … },
 *       "locale": "pt-BR" | "en", "title": "…", "message": "…", "fix": "…"
 *     }
 *   }
 * Headers: Content-Type: application/json; X-Clinic-Backup-Event; X-Clinic-Backup-Delivery (= deliveryId);
 * and, when a signing secret is configured, X-Clinic-Backup-Signature: sha256=<hex of HMAC-SHA256(secret, raw body)>.
 * Receivers verify the signature over the exact bytes received, and may reject an old sentAt (replay).
 *
 * Delivery: a timeout per attempt; network errors, timeouts, 5xx (and 408/429, which ask to come back)
 * are retried with bounded exponential backoff; other 4xx and redirects are not retried (the URL or the
 * receiver's configuration is wrong). After the last attempt the send fails with ALERT_CHANNEL_FAILED and
 * the AlertManager keeps the alert for a later delivery round.
 * Secrets (the signing key, a URL that carries a token) come from the SecretStore and never appear in
 * errors: failures name the receiver by origin only.
 */
import { createHmac, randomUUID, timingSafeEqual } from 'node:crypto';
import { DEFAULT_LOCALE, type Locale } from '../i18n/index.js';
import { EngineError } from '../shared/index.js';
import type { SecretStore } from '../secrets/index.js';
import type { AlertParams, AlertSeverity } from '../catalog/index.js';
import { channelFailure, type AlertChannel, type AlertNotice } from './channel.js';
import { DEFAULT_ALERT_TIME_ZONE, renderAlert } from './render.js';
import { sleep as abortableSleep } from '../backend/index.js';

export const WEBHOOK_SCHEMA = 'clinic-backup.alert/v1';
export const SIGNATURE_HEADER = 'X-Clinic-Backup-Signature';

export interface WebhookPayload {
  readonly schema: typeof WEBHOOK_SCHEMA;
  /** "resolved": an alert sent before has cleared (alert.clearedAt says when). */
  readonly event: 'alert' | 'resolved' | 'test';
  readonly deliveryId: string;
  readonly sentAt: string;
  readonly clinic: { readonly name: string; readonly source: string | null };
  readonly alert: {
    readonly id: number;
    readonly key: string;
    readonly rule: string;
    readonly severity: AlertSeverity;
    readonly firstAt: string;
    readonly lastAt: string;
    readonly clearedAt: string | null;
    readonly messageKey: string;
    readonly params: AlertParams;
    readonly locale: Locale;
    readonly title: string;
    readonly message: string;
    readonly fix: string;
  };
}

export interface WebhookChannelOptions {
  /** Channel name in the catalog; default "webhook". */
  readonly name?: string;
  /** The receiver's URL (http or https). */
  readonly url?: string;
  /** Or: the name of a secret holding the URL, for URLs that carry a token (chat services). */
  readonly urlSecret?: string;
  /** Name of the HMAC-SHA256 signing key in the SecretStore; no signature header without it. */
  readonly signingSecret?: string;
  readonly secrets?: SecretStore;
  readonly locale?: Locale;
  readonly timeZone?: string;
  /** Per attempt; default 10 s. */
  readonly timeoutMs?: number;
  /** Attempts of one send, default 4. */
  readonly maxAttempts?: number;
  /** Backoff: base, 2×base, 4×base … capped at maxDelayMs. Defaults 1 s and 30 s. */
  readonly baseDelayMs?: number;
  readonly maxDelayMs?: number;
  /** For tests; default a timer honouring the signal. */
  readonly sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
}

/** "sha256=<hex>" over the raw body. */
export function signWebhookBody(body: string | Buffer, secret: string): string {
  return `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;
}

/** For receivers (and tests): true when the header is the signature of these exact bytes. Constant time. */
export function verifyWebhookSignature(body: string | Buffer, header: string | null | undefined, secret: string): boolean {
  if (typeof header !== 'string') return false;
  const expected = Buffer.from(signWebhookBody(body, secret));
  const got = Buffer.from(header.trim());
  return got.length === expected.length && timingSafeEqual(got, expected);
}

export function webhookPayload(notice: AlertNotice, deliveryId: string, options: { locale?: Locale; timeZone?: string } = {}): WebhookPayload {
  const locale = options.locale ?? DEFAULT_LOCALE;
  const a = notice.alert;
  const r = renderAlert(a, { locale, timeZone: options.timeZone ?? DEFAULT_ALERT_TIME_ZONE });
  return {
    schema: WEBHOOK_SCHEMA,
    event: notice.kind,
    deliveryId,
    sentAt: notice.sentAt.toISOString(),
    clinic: { name: notice.context.clinicName, source: notice.context.sourceName ?? null },
    alert: {
      id: a.id,
      key: a.key,
      rule: a.rule,
      severity: a.severity,
      firstAt: a.firstAt,
      lastAt: a.lastAt,
      clearedAt: a.clearedAt,
      messageKey: a.messageKey,
      params: a.params,
      locale,
      title: r.title,
      message: r.message,
      fix: r.fix,
    },
  };
}

/** Parses the receiver's URL; errors never echo it (it may carry a token). */
function parseUrl(text: string): URL {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new EngineError('INVALID_ARGUMENT', { field: 'webhook.url', reason: 'not a valid URL' });
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new EngineError('INVALID_ARGUMENT', { field: 'webhook.url', reason: 'use http:// or https://' });
  if (url.username || url.password) throw new EngineError('INVALID_ARGUMENT', { field: 'webhook.url', reason: 'no credentials in the URL: use a signing secret or urlSecret' });
  return url;
}

export class WebhookChannel implements AlertChannel {
  readonly name: string;
  readonly #o: WebhookChannelOptions;

  constructor(options: WebhookChannelOptions) {
    if (!options.url === !options.urlSecret) throw new EngineError('INVALID_ARGUMENT', { field: 'webhook.url', reason: 'give either url or urlSecret' });
    if ((options.urlSecret || options.signingSecret) && !options.secrets) throw new EngineError('INVALID_ARGUMENT', { field: 'webhook.secrets', reason: 'a SecretStore is needed' });
    if (options.url) parseUrl(options.url);
    const attempts = options.maxAttempts ?? 4;
    if (!Number.isInteger(attempts) || attempts < 1 || attempts > 10) throw new EngineError('INVALID_ARGUMENT', { field: 'webhook.maxAttempts', reason: '1-10' });
    this.name = options.name ?? 'webhook';
    this.#o = options;
  }

  async #secret(name: string, what: string): Promise<string> {
    let value: string | null;
    try {
      value = (await this.#o.secrets?.get(name)) ?? null;
    } catch (err) {
      const code = err instanceof EngineError ? err.code : 'error';
      throw channelFailure(this.name, `the ${what} could not be read from the key store (${code})`, { transient: true });
    }
    if (value === null) throw channelFailure(this.name, `no ${what} stored under "${name}"`, { transient: false });
    return value;
  }

  async send(notice: AlertNotice, signal?: AbortSignal): Promise<void> {
    const o = this.#o;
    const urlText = o.urlSecret ? await this.#secret(o.urlSecret, 'webhook URL') : (o.url ?? '');
    const signingKey = o.signingSecret ? await this.#secret(o.signingSecret, 'webhook signing key') : null;
    const secrets = [signingKey, o.urlSecret ? urlText : null];
    let url: URL;
    try {
      url = parseUrl(urlText);
    } catch (err) {
      const reason = err instanceof EngineError ? String(err.details['reason'] ?? err.code) : 'invalid URL';
      throw channelFailure(this.name, `webhook URL: ${reason}`, { transient: false });
    }
    const where = url.origin;
    const deliveryId = randomUUID();
    const body = JSON.stringify(webhookPayload(notice, deliveryId, { locale: o.locale ?? DEFAULT_LOCALE, timeZone: o.timeZone ?? DEFAULT_ALERT_TIME_ZONE }));
    const headers: Record<string, string> = {
      'Content-Type': 'application/json; charset=utf-8',
      'User-Agent': 'clinic-backup-alerts/1',
      'X-Clinic-Backup-Event': notice.kind,
      'X-Clinic-Backup-Delivery': deliveryId,
    };
    if (signingKey !== null) headers[SIGNATURE_HEADER] = signWebhookBody(body, signingKey);

    const maxAttempts = o.maxAttempts ?? 4;
    const base = o.baseDelayMs ?? 1000;
    const cap = o.maxDelayMs ?? 30_000;
    const sleep = o.sleep ?? abortableSleep;
    let last: { reason: string; transient: boolean } = { reason: 'not sent', transient: true };
    for (let attempt = 1; attempt <= maxAttempts; attempt++) {
      if (signal?.aborted) throw new EngineError('CANCELLED');
      const timeout = AbortSignal.timeout(o.timeoutMs ?? 10_000);
      const combined = signal ? AbortSignal.any([signal, timeout]) : timeout;
      let retry: boolean;
      try {
        const res = await fetch(url, { method: 'POST', headers, body, signal: combined, redirect: 'manual' });
        // Best effort: only the status matters; a body that cannot be discarded goes with the connection.
        await res.body?.cancel().catch(() => undefined);
        if (res.status >= 200 && res.status < 300) return;
        retry = res.status >= 500 || res.status === 408 || res.status === 429;
        last = { reason: `HTTP ${res.status} from ${where}`, transient: retry };
      } catch (err) {
        if (signal?.aborted) throw new EngineError('CANCELLED');
        const code = (err as { cause?: { code?: unknown } }).cause?.code;
        last = timeout.aborted
          ? { reason: `no answer from ${where} within ${o.timeoutMs ?? 10_000} ms`, transient: true }
          : { reason: `${where} unreachable${typeof code === 'string' ? ` (${code})` : ''}`, transient: true };
        retry = true;
      }
      if (!retry || attempt === maxAttempts) break;
      await sleep(Math.min(cap, base * 2 ** (attempt - 1)), signal);
    }
    throw channelFailure(this.name, last.reason, { transient: last.transient, secrets: secrets.filter((s): s is string => s !== null) });
  }
}
