/**
 * The seam between the AlertManager and the ways of telling someone: e-mail, webhook, and whatever a
 * front end adds (the tray and OS notifications listen to AlertManager events instead).
 */
import { EngineError, type ErrorCode } from '../shared/index.js';
import { scrubSecrets } from '../i18n/index.js';
import { redact } from '../secrets/index.js';
import type { AlertRecord } from '../catalog/index.js';

/** Who the alert is about: shown in every message so a person receiving several knows which clinic. */
export interface AlertContext {
  /** The clinic's name, e.g. "Clínica Vida". */
  readonly clinicName: string;
  /** The FHIR source being backed up, e.g. "Prontuário (HAPI) 10.0.0.5". Never a URL with credentials. */
  readonly sourceName?: string;
}

export interface AlertNotice {
  /**
   * "alert": an active alert (new or escalated); "resolved": an alert this channel carried has cleared (sent once);
   * "test": the "send test alert" button.
   */
  readonly kind: 'alert' | 'resolved' | 'test';
  readonly alert: AlertRecord;
  readonly context: AlertContext;
  readonly sentAt: Date;
}

export interface AlertChannel {
  /** Stable name recorded in the catalog (notified_channels), e.g. "email", "webhook". */
  readonly name: string;
  /**
   * Delivers one notice or throws ALERT_CHANNEL_FAILED { channel, reason } (transient when a later attempt
   * may succeed). Errors never carry secrets: no passwords, signing keys or secret URLs.
   */
  send(notice: AlertNotice, signal?: AbortSignal): Promise<void>;
}

/** A notice for the "send test alert" button. */
export function testNotice(context: AlertContext, now: Date): AlertNotice {
  const at = now.toISOString();
  return {
    kind: 'test',
    context,
    sentAt: now,
    alert: {
      id: 0,
      rule: 'test',
      severity: 'low',
      key: 'test',
      firstAt: at,
      lastAt: at,
      clearedAt: null,
      messageKey: 'alerts.test.message',
      params: {},
      notifiedChannels: [],
      deliveryAttempts: 0,
      nextAttemptAt: null,
      resolvedChannels: [],
      resolutionNextAt: null,
      resolutionAttempts: 0,
    },
  };
}

/**
 * ALERT_CHANNEL_FAILED (or a more precise code naming the field, e.g. SMTP_RECIPIENT_UNKNOWN) with a reason cleaned
 * of every known secret value and credential pattern; no cause attached. Details name the field, never a secret.
 */
export function channelFailure(
  channel: string,
  reason: string,
  options: { transient: boolean; secrets?: readonly (string | null | undefined)[]; code?: ErrorCode; details?: Readonly<Record<string, string | number>> },
): EngineError {
  const clean = scrubSecrets(redact(reason, options.secrets ?? [])).slice(0, 300);
  return new EngineError(options.code ?? 'ALERT_CHANNEL_FAILED', { ...options.details, channel, reason: clean }, { transient: options.transient });
}
